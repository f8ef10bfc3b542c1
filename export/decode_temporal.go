package export

import (
	"strconv"

	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// num2 parses exactly two digits.
func num2(b []byte) (int, bool) {
	if len(b) != 2 || b[0] < '0' || b[0] > '9' || b[1] < '0' || b[1] > '9' {
		return 0, false
	}
	return int(b[0]-'0')*10 + int(b[1]-'0'), true
}

func num4(b []byte) (int, bool) {
	a, ok1 := num2(b[:2])
	z, ok2 := num2(b[2:4])
	return a*100 + z, ok1 && ok2
}

// civil is a parsed DATE or DATETIME.
type civil struct {
	y, mo, d, h, mi, s int
	us                 int64 // microseconds, may be 1e6 after rounding
}

// parseCivil parses "YYYY-MM-DD[( |T)HH:MM:SS[.f…]]" or, for numbers,
// YYYYMMDD[HHMMSS[.f…]].
func parseCivil(b []byte, number bool) (civil, bool) {
	var t civil
	var ok bool
	var rest []byte
	if number {
		i := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		digits := b[:i]
		rest = b[i:]
		if len(digits) != 8 && len(digits) != 14 {
			return t, false
		}
		if t.y, ok = num4(digits[:4]); !ok {
			return t, false
		}
		t.mo, _ = num2(digits[4:6])
		t.d, _ = num2(digits[6:8])
		if len(digits) == 14 {
			t.h, _ = num2(digits[8:10])
			t.mi, _ = num2(digits[10:12])
			t.s, _ = num2(digits[12:14])
		} else if len(rest) > 0 {
			return t, false
		}
	} else {
		if len(b) < 10 || b[4] != '-' || b[7] != '-' {
			return t, false
		}
		if t.y, ok = num4(b[:4]); !ok {
			return t, false
		}
		if t.mo, ok = num2(b[5:7]); !ok {
			return t, false
		}
		if t.d, ok = num2(b[8:10]); !ok {
			return t, false
		}
		rest = b[10:]
		if len(rest) > 0 {
			if len(rest) < 9 || (rest[0] != ' ' && rest[0] != 'T') || rest[3] != ':' || rest[6] != ':' {
				return t, false
			}
			if t.h, ok = num2(rest[1:3]); !ok {
				return t, false
			}
			if t.mi, ok = num2(rest[4:6]); !ok {
				return t, false
			}
			if t.s, ok = num2(rest[7:9]); !ok {
				return t, false
			}
			rest = rest[9:]
		}
	}
	if len(rest) > 0 {
		if rest[0] != '.' || len(rest) == 1 {
			return t, false
		}
		var us int64
		for i, ch := range rest[1:] {
			if ch < '0' || ch > '9' {
				return t, false
			}
			switch {
			case i < 6:
				us = us*10 + int64(ch-'0')
			case i == 6 && ch >= '5':
				us++ // MySQL rounds extra fractional digits
			}
		}
		for i := len(rest) - 1; i < 6; i++ {
			us *= 10
		}
		t.us = us
	}
	if t.h > 23 || t.mi > 59 || t.s > 59 {
		return t, false
	}
	return t, true
}

func (t civil) zero() bool { return t.mo == 0 || t.d == 0 }

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

func (t civil) validDate() bool {
	return t.mo >= 1 && t.mo <= 12 && t.d >= 1 && t.d <= daysIn(t.y, t.mo)
}

// daysFromCivil returns days since 1970-01-01 of a proleptic Gregorian date.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func (c *ColumnPlan) civilOf(v mysqldump.Value) (civil, error) {
	switch v.Kind {
	case mysqldump.String, mysqldump.Number:
	default:
		return civil{}, c.errf("unexpected %s for %s", kindName(v.Kind), c.Type)
	}
	t, ok := parseCivil(v.Bytes, v.Kind == mysqldump.Number)
	if !ok {
		return t, c.errf("invalid %s value %s", c.Type, quote(v.Bytes))
	}
	if c.Conv == ConvDate && (t.h != 0 || t.mi != 0 || t.s != 0 || t.us != 0) {
		return t, c.errf("invalid %s value %s", c.Type, quote(v.Bytes))
	}
	if !t.zero() && !t.validDate() {
		return t, c.errf("invalid %s value %s", c.Type, quote(v.Bytes))
	}
	return t, nil
}

func (c *ColumnPlan) appendDate(buf []byte, v mysqldump.Value) ([]byte, bool, error) {
	t, err := c.civilOf(v)
	if err != nil {
		return buf, false, err
	}
	if t.zero() {
		return buf, true, nil
	}
	buf = append(buf, byte('0'+t.y/1000), byte('0'+t.y/100%10), byte('0'+t.y/10%10), byte('0'+t.y%10), '-',
		byte('0'+t.mo/10), byte('0'+t.mo%10), '-', byte('0'+t.d/10), byte('0'+t.d%10))
	return buf, false, nil
}

// datetime returns microseconds since the epoch of a DATETIME (as written,
// no zone) or TIMESTAMP (UTC) value.
func (c *ColumnPlan) datetime(v mysqldump.Value) (int64, bool, error) {
	if b := v.Bytes; v.Kind == mysqldump.String && len(b) == 19 && b[4] == '-' && b[7] == '-' && b[10] == ' ' && b[13] == ':' && b[16] == ':' {
		// fast path for "YYYY-MM-DD HH:MM:SS", by far the commonest form
		y, ok1 := num4(b[0:4])
		mo, ok2 := num2(b[5:7])
		d, ok3 := num2(b[8:10])
		h, ok4 := num2(b[11:13])
		mi, ok5 := num2(b[14:16])
		sec, ok6 := num2(b[17:19])
		if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo) && h <= 23 && mi <= 59 && sec <= 59 {
			secs := daysFromCivil(int64(y), int64(mo), int64(d))*86400 + int64(h*3600+mi*60+sec)
			return secs * 1_000_000, false, nil
		}
	}
	t, err := c.civilOf(v)
	if err != nil {
		return 0, false, err
	}
	if t.zero() {
		return 0, true, nil
	}
	days := daysFromCivil(int64(t.y), int64(t.mo), int64(t.d))
	secs := days*86400 + int64(t.h)*3600 + int64(t.mi)*60 + int64(t.s)
	return secs*1_000_000 + t.us, false, nil
}

// appendTime validates a TIME literal ("[-]H…H:MM:SS[.f…]" or the number
// [-]HHMMSS[.f…]) and appends it as MySQL prints it: at least two hour
// digits, the fraction as written.
func (c *ColumnPlan) appendTime(buf []byte, v mysqldump.Value) ([]byte, error) {
	b := v.Bytes
	if v.Kind != mysqldump.String && v.Kind != mysqldump.Number {
		return buf, c.errf("unexpected %s for time", kindName(v.Kind))
	}
	bad := func() ([]byte, error) { return buf, c.errf("invalid time value %s", quote(v.Bytes)) }
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	var h, m, s int
	var frac []byte
	if v.Kind == mysqldump.Number {
		i := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == 0 || i > 7 {
			return bad()
		}
		x, _ := strconv.Atoi(string(b[:i]))
		h, m, s = x/10000, x/100%100, x%100
		frac = b[i:]
	} else {
		i := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			h = h*10 + int(b[i]-'0')
			i++
			if i > 3 {
				return bad()
			}
		}
		if i == 0 || len(b) < i+6 || b[i] != ':' || b[i+3] != ':' {
			return bad()
		}
		var ok1, ok2 bool
		m, ok1 = num2(b[i+1 : i+3])
		s, ok2 = num2(b[i+4 : i+6])
		if !ok1 || !ok2 {
			return bad()
		}
		frac = b[i+6:]
	}
	if len(frac) > 0 {
		if frac[0] != '.' || len(frac) > 7 {
			return bad()
		}
		for _, ch := range frac[1:] {
			if ch < '0' || ch > '9' {
				return bad()
			}
		}
	}
	if h > 838 || m > 59 || s > 59 || (h == 838 && (m == 59 && s == 59) && len(trimZeros(frac)) > 1) {
		return bad()
	}
	if neg {
		buf = append(buf, '-')
	}
	if h < 10 {
		buf = append(buf, '0')
	}
	buf = strconv.AppendInt(buf, int64(h), 10)
	buf = append(buf, ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	return append(buf, frac...), nil
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	return b
}
