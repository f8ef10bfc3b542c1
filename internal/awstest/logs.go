package awstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// LogLine is one JSON log line as the entry points write it (slog's JSON
// handler): its fields, and the keys that occur more than once in one
// object (CloudWatch Logs Insights and most JSON parsers keep only one of
// them, so an entry point must never write any).
type LogLine struct {
	Fields     map[string]any
	Duplicates []string // "key" or "group.key", in order of appearance
	Raw        string
}

// Level returns the line's "level" ("INFO", "WARN", "ERROR", …).
func (l LogLine) Level() string { return l.Str("level") }

// Msg returns the line's "msg".
func (l LogLine) Msg() string { return l.Str("msg") }

// Str returns field key as a string ("" if absent; numbers and booleans
// are formatted).
func (l LogLine) Str(key string) string {
	v, ok := l.Fields[key]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// Has reports whether the line has field key.
func (l LogLine) Has(key string) bool {
	_, ok := l.Fields[key]
	return ok
}

// ParseLogLines parses the JSON lines in b, skipping lines that are not
// JSON objects (an emulator's or runtime's own lines). Use Duplicates to
// find repeated keys, which encoding/json alone would hide.
func ParseLogLines(b []byte) []LogLine {
	var out []LogLine
	for _, raw := range bytes.Split(b, []byte("\n")) {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || raw[0] != '{' {
			continue
		}
		var fields map[string]any
		if json.Unmarshal(raw, &fields) != nil {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		var dups []string
		if err := duplicates(dec, "", &dups); err != nil {
			continue
		}
		out = append(out, LogLine{Fields: fields, Duplicates: dups, Raw: string(raw)})
	}
	return out
}

// duplicates walks one JSON value from dec and appends the repeated keys
// of every object in it.
func duplicates(dec *json.Decoder, path string, dups *[]string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k, _ := kt.(string)
			full := k
			if path != "" {
				full = path + "." + k
			}
			if seen[k] {
				*dups = append(*dups, full)
			}
			seen[k] = true
			if err := duplicates(dec, full, dups); err != nil {
				return err
			}
		}
	case '[':
		for dec.More() {
			if err := duplicates(dec, path, dups); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

// LinesWith returns the lines whose field key is value.
func LinesWith(lines []LogLine, key, value string) []LogLine {
	var out []LogLine
	for _, l := range lines {
		if l.Str(key) == value {
			out = append(out, l)
		}
	}
	return out
}

// AtLeastWarn returns the lines at level WARN or ERROR.
func AtLeastWarn(lines []LogLine) []LogLine {
	var out []LogLine
	for _, l := range lines {
		if lv := strings.ToUpper(l.Level()); strings.HasPrefix(lv, "WARN") || strings.HasPrefix(lv, "ERROR") {
			out = append(out, l)
		}
	}
	return out
}
