package awstest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
)

// jsonHandler serves an AWS JSON protocol (1.0 or 1.1): the operation is the
// X-Amz-Target header "<prefix>.<Op>", the body a JSON object. handle returns
// the response object or a fault.
type jsonHandler struct {
	rec         *recorder
	prefix      string // "AWSGlue", "AmazonSQS"
	contentType string // "application/x-amz-json-1.1"
	// errType prefixes error codes in __type ("com.amazonaws.sqs#").
	errType string
	handle  func(ctx context.Context, op string, body map[string]any) (any, *Fault)
}

func (h *jsonHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	target := req.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, h.prefix+".")
	if !ok {
		h.fail(w, Fault{Code: "UnknownOperationException", Message: "bad X-Amz-Target " + target, Status: 400})
		return
	}
	raw, err := io.ReadAll(req.Body)
	if err != nil {
		h.fail(w, Fault{Code: "SerializationException", Message: err.Error(), Status: 400})
		return
	}
	body := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			h.fail(w, Fault{Code: "SerializationException", Message: err.Error(), Status: 400})
			return
		}
	}
	params := map[string]string{}
	flatten("", body, params)
	if f, ok := h.rec.record(op, params); ok {
		h.fail(w, f)
		return
	}
	out, f := h.handle(req.Context(), op, body)
	if f != nil {
		if f.Status == 0 {
			f.Status = 400
		}
		h.fail(w, *f)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		h.fail(w, Fault{Code: "InternalFailure", Message: err.Error(), Status: 500})
		return
	}
	w.Header().Set("Content-Type", h.contentType)
	w.Header().Set("X-Amzn-RequestId", newID(8))
	_, _ = w.Write(b)
}

func (h *jsonHandler) fail(w http.ResponseWriter, f Fault) {
	w.Header().Set("Content-Type", h.contentType)
	w.Header().Set("X-Amzn-RequestId", newID(8))
	w.WriteHeader(f.Status)
	b, _ := json.Marshal(map[string]string{"__type": h.errType + f.Code, "message": f.Message})
	_, _ = w.Write(b)
}

// flatten turns a decoded JSON value into dotted keys: {"A":{"b":1}} gives
// "A.b"="1"; list elements are numbered from 1 ("Entries.1.Id").
func flatten(prefix string, v any, out map[string]string) {
	join := func(k string) string {
		if prefix == "" {
			return k
		}
		return prefix + "." + k
	}
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			flatten(join(k), x[k], out)
		}
	case []any:
		for i, e := range x {
			flatten(join(fmt.Sprint(i+1)), e, out)
		}
	case string:
		out[prefix] = x
	case nil:
		out[prefix] = ""
	default:
		out[prefix] = fmt.Sprint(x)
	}
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func num(m map[string]any, k string) (int, bool) {
	f, ok := m[k].(float64)
	return int(f), ok
}

func strMap(m map[string]any, k string) map[string]string {
	in, _ := m[k].(map[string]any)
	if in == nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range in {
		s, _ := v.(string)
		out[k] = s
	}
	return out
}
