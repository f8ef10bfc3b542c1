package dumpgen

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// kind tells how a cell is written in the dump and what Go value it reads
// back as.
type kind uint8

const (
	kInt      kind = iota // i; Go int64 (all integer types but BIGINT UNSIGNED)
	kUint                 // u; Go uint64 (BIGINT UNSIGNED)
	kFloat                // s is MySQL's text (≤ 6 significant digits); Go float64
	kDouble               // f; Go float64
	kDecimal              // s is the exact text; Go string
	kString               // s; Go string
	kBytes                // b; Go []byte
	kDate                 // s (YYYY-MM-DD); Go string, nil when zero
	kTime                 // s as MySQL prints it; Go string
	kDatetime             // t (UTC) or s when zero; Go time.Time, nil when zero
	kYear                 // i, printed with 4 digits; Go int64
)

// cell is one generated value. zero marks a zero or partial-zero date,
// written as s and read back as NULL.
type cell struct {
	null bool
	zero bool
	i    int64
	u    uint64
	f    float64
	s    string
	b    []byte
	t    time.Time
}

func cI(v int64) cell     { return cell{i: v} }
func cU(v uint64) cell    { return cell{u: v} }
func cS(v string) cell    { return cell{s: v} }
func cB(v []byte) cell    { return cell{b: v} }
func cF(v float64) cell   { return cell{f: v} }
func cZ(v string) cell    { return cell{zero: true, s: v} }
func cT(v time.Time) cell { return cell{t: v} }

var cNull = cell{null: true}

// goValue returns the value a faithful converter produces for c.
func goValue(k kind, c *cell) any {
	if c.null || c.zero {
		return nil
	}
	switch k {
	case kInt, kYear:
		return c.i
	case kUint:
		return c.u
	case kFloat:
		f, err := strconv.ParseFloat(c.s, 64)
		if err != nil {
			panic(fmt.Sprintf("dumpgen: bad float literal %q", c.s))
		}
		return f
	case kDouble:
		return c.f
	case kDecimal, kString, kDate, kTime:
		return c.s
	case kBytes:
		return append([]byte{}, c.b...)
	case kDatetime:
		return c.t
	}
	panic("dumpgen: unknown kind")
}

// appendLiteral writes c as mysqldump writes it.
func appendLiteral(dst []byte, k kind, fsp int, c *cell, hexBlob bool) []byte {
	if c.null {
		return append(dst, "NULL"...)
	}
	switch k {
	case kInt:
		return strconv.AppendInt(dst, c.i, 10)
	case kYear:
		if c.i == 0 {
			return append(dst, "0000"...)
		}
		return strconv.AppendInt(dst, c.i, 10)
	case kUint:
		return strconv.AppendUint(dst, c.u, 10)
	case kFloat, kDecimal:
		return append(dst, c.s...)
	case kDouble:
		return appendDouble(dst, c.f)
	case kString:
		dst = append(dst, '\'')
		dst = appendEscaped(dst, c.s)
		return append(dst, '\'')
	case kBytes:
		if hexBlob {
			if len(c.b) == 0 {
				return append(dst, "''"...)
			}
			dst = append(dst, "0x"...)
			const hexdig = "0123456789ABCDEF"
			for _, x := range c.b {
				dst = append(dst, hexdig[x>>4], hexdig[x&15])
			}
			return dst
		}
		dst = append(dst, "_binary '"...)
		dst = appendEscaped(dst, c.b)
		return append(dst, '\'')
	case kDate, kTime:
		dst = append(dst, '\'')
		dst = append(dst, c.s...)
		return append(dst, '\'')
	case kDatetime:
		dst = append(dst, '\'')
		if c.zero {
			dst = append(dst, c.s...)
		} else {
			dst = appendDatetime(dst, c.t, fsp)
		}
		return append(dst, '\'')
	}
	panic("dumpgen: unknown kind")
}

// appendEscaped escapes like mysql_real_escape_string, which mysqldump uses.
func appendEscaped[S string | []byte](dst []byte, s S) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 0:
			dst = append(dst, '\\', '0')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\'':
			dst = append(dst, '\\', '\'')
		case '"':
			dst = append(dst, '\\', '"')
		case 0x1a:
			dst = append(dst, '\\', 'Z')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendDouble prints f as MySQL 8 prints a DOUBLE: the shortest text that
// reads back as f, exponent without "+".
func appendDouble(dst []byte, f float64) []byte {
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	abs := math.Abs(f)
	if abs >= 1e-4 && abs < 1e15 {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, f, 'e', -1, 64)
	s := string(dst[n:])
	s = strings.Replace(s, "e+", "e", 1)
	return append(dst[:n], s...)
}

func appendDatetime(dst []byte, t time.Time, fsp int) []byte {
	dst = t.AppendFormat(dst, "2006-01-02 15:04:05")
	if fsp > 0 {
		us := t.Nanosecond() / 1000
		var frac [7]byte
		frac[0] = '.'
		for j := 6; j >= 1; j-- {
			frac[j] = byte('0' + us%10)
			us /= 10
		}
		dst = append(dst, frac[:fsp+1]...)
	}
	return dst
}

// ---- realistic value helpers ----

var (
	// base is the dump's reference day; generated times fall before it.
	base = time.Date(2026, 11, 24, 3, 15, 2, 0, time.UTC)

	streets = []string{"Mare Street", "Dalston Lane", "Kingsland Road", "Well Street",
		"Chatsworth Road", "Stoke Newington Church Street", "Amhurst Road", "Morning Lane",
		"Lower Clapton Road", "Graham Road", "Homerton High Street", "Wick Road",
		"Hoxton Street", "Pitfield Street", "Shoreditch High Street", "Old Street",
		"Cazenove Road", "Evering Road", "Rectory Road", "Brooke Road"}
	words = []string{"vehicle", "parked", "on", "double", "yellow", "lines", "observed",
		"for", "minutes", "no", "permit", "displayed", "driver", "returned", "before",
		"notice", "served", "photographs", "taken", "loading", "bay", "suspended",
		"footway", "dropped", "kerb", "resident", "zone", "after", "hours", "pay", "display",
		"ticket", "expired", "blue", "badge", "not", "shown", "windscreen", "clamped", "towed"}
	makes   = []string{"Ford", "Vauxhall", "Volkswagen", "Toyota", "BMW", "Mercedes-Benz", "Audi", "Nissan", "Kia", "Tesla", "Škoda", "Citroën"}
	models  = []string{"Fiesta", "Corsa", "Golf", "Yaris", "3 Series", "A-Class", "A3", "Qashqai", "Sportage", "Model 3", "Octavia", "C3"}
	colours = []string{"Black", "White", "Silver", "Grey", "Blue", "Red", "Green", "Yellow", "Orange"}
	zones   = []string{"A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "L", "M", "N", "P", "Q", "R", "S", "T", "U", "V"}
	offence = []string{"Littering", "Fly-tipping", "Graffiti", "Dog fouling", "Fly-posting", "Duty of care (waste)", "Spitting", "Noise nuisance"}
)

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

func letters(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('A' + r.IntN(26))
	}
	return string(b)
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// vrm is a UK registration mark such as "AB12 CDE".
func vrm(r *rand.Rand) string {
	return letters(r, 2) + digits(r, 2) + " " + letters(r, 3)
}

// vrmOf is a distinct registration mark for each i < 26^5*100 (for a
// primary key), such as "AA00 AAB".
func vrmOf(i int64) string {
	var b [8]byte
	b[4] = ' '
	x := i
	for _, j := range []int{7, 6, 5, 3, 2, 1, 0} {
		if j == 2 || j == 3 {
			b[j] = byte('0' + x%10)
			x /= 10
		} else {
			b[j] = byte('A' + x%26)
			x /= 26
		}
	}
	return string(b[:])
}

func sentence(r *rand.Rand, n int) string {
	var sb strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(words[r.IntN(len(words))])
	}
	sb.WriteByte('.')
	return sb.String()
}

func randTime(r *rand.Rand, micros bool) time.Time {
	// Up to about three years before base.
	t := base.Add(-time.Duration(r.Int64N(3*365*24*3600)) * time.Second)
	if micros {
		t = t.Add(time.Duration(r.IntN(1_000_000)) * time.Microsecond)
	}
	return t
}

func randDate(r *rand.Rand) string { return randTime(r, false).Format("2006-01-02") }

func randClock(r *rand.Rand, fsp int) string {
	s := fmt.Sprintf("%02d:%02d:%02d", r.IntN(24), r.IntN(60), r.IntN(60))
	if fsp > 0 {
		s += fmt.Sprintf(".%06d", r.IntN(1_000_000))[:fsp+1]
	}
	return s
}

// money returns a DECIMAL(10,2) text between lo and hi pounds.
func money(r *rand.Rand, lo, hi int) string {
	p := lo*100 + r.IntN((hi-lo)*100+1)
	return fmt.Sprintf("%d.%02d", p/100, p%100)
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := i; j < n && j < i+8; j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
	return b
}

// geomPoint is MySQL's internal geometry value: 4-byte SRID then WKB.
func geomPoint(srid uint32, x, y float64) []byte {
	return appendXY(geomHeader(srid, 1), [2]float64{x, y})
}

// geomLine is a LINESTRING through pts, as geomPoint writes a point.
func geomLine(srid uint32, pts ...[2]float64) []byte {
	return appendPoints(geomHeader(srid, 2), pts)
}

// geomPolygon is a POLYGON of one ring, as geomPoint writes a point.
func geomPolygon(srid uint32, ring ...[2]float64) []byte {
	b := binary.LittleEndian.AppendUint32(geomHeader(srid, 3), 1)
	return appendPoints(b, ring)
}

// geomHeader starts a geometry value: the SRID, then WKB's byte order
// (little-endian) and geometry type.
func geomHeader(srid, wkbType uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, srid)
	b = append(b, 1)
	return binary.LittleEndian.AppendUint32(b, wkbType)
}

// appendPoints appends the number of pts, then each point.
func appendPoints(b []byte, pts [][2]float64) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(len(pts)))
	for _, p := range pts {
		b = appendXY(b, p)
	}
	return b
}

// appendXY appends a point's coordinates.
func appendXY(b []byte, p [2]float64) []byte {
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(p[0]))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(p[1]))
}

// bng returns a random British National Grid point in Hackney.
func bng(r *rand.Rand) (float64, float64) {
	return 532000 + float64(r.IntN(700000))/100, 183000 + float64(r.IntN(700000))/100
}

func longText(n int) string {
	const chunk = "Notice served at the kerb; the driver disputed it. 🚗 Ünïcödé… "
	var sb strings.Builder
	for sb.Len() < n {
		sb.WriteString(chunk)
	}
	s := sb.String()
	// cut at a rune boundary at or before n bytes
	for n > 0 && n < len(s) && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}
