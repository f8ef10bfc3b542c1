// Package exporttest holds the test helpers of the export packages:
// listing a bucket, reading Parquet rows back as plain Go values, and the
// independent encodings tests compare them with.
package exporttest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
	"gocloud.dev/blob"
)

// ListKeys returns every key in the bucket, sorted.
func ListKeys(t testing.TB, b *blob.Bucket) []string {
	t.Helper()
	var keys []string
	it := b.List(nil)
	for {
		obj, err := it.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, obj.Key)
	}
	sort.Strings(keys)
	return keys
}

// ReadParquet opens one part file.
func ReadParquet(t testing.TB, b *blob.Bucket, key string) *parquet.File {
	t.Helper()
	data, err := b.ReadAll(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	return f
}

// ReadRows reads every row of the Parquet files under prefix, in key
// order, as plain Go values (see Plain).
func ReadRows(t testing.TB, b *blob.Bucket, prefix string) [][]any {
	t.Helper()
	var out [][]any
	for _, k := range ListKeys(t, b) {
		if !strings.HasPrefix(k, prefix) || !strings.HasSuffix(k, ".parquet") {
			continue
		}
		f := ReadParquet(t, b, k)
		r := parquet.NewReader(f)
		rows := make([]parquet.Row, 64)
		for {
			n, err := r.ReadRows(rows)
			for _, row := range rows[:n] {
				vals := make([]any, len(row))
				for i, v := range row {
					vals[i] = Plain(v)
				}
				out = append(out, vals)
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("read %s: %v", k, err)
			}
		}
		r.Close()
	}
	return out
}

// ReadJSON decodes the JSON object at key into v.
func ReadJSON(t testing.TB, b *blob.Bucket, key string, v any) {
	t.Helper()
	data, err := b.ReadAll(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
}

// F64 is a double compared by bits (so -0 and +0 differ).
type F64 uint64

// Dbl returns x as an F64.
func Dbl(x float64) F64 { return F64(math.Float64bits(x)) }

// NegZero returns -0.0.
func NegZero() float64 {
	z := 0.0
	return -z
}

// Plain turns a Parquet value into a comparable Go value: nil, int32,
// int64, F64 or string (for byte arrays).
func Plain(v parquet.Value) any {
	if v.IsNull() {
		return nil
	}
	switch v.Kind() {
	case parquet.Int32:
		return v.Int32()
	case parquet.Int64:
		return v.Int64()
	case parquet.Double:
		return Dbl(v.Double())
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return string(v.ByteArray())
	}
	return v.String()
}

// Twos returns the n-byte big-endian two's complement of the integer s,
// computed with math/big (independently of the code under test).
func Twos(s string, n int) string {
	x, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	if x.Sign() < 0 {
		x.Add(x, new(big.Int).Lsh(big.NewInt(1), uint(8*n)))
	}
	b := x.Bytes()
	out := make([]byte, n)
	copy(out[n-len(b):], b)
	return string(out)
}

// Micros returns the microseconds since the epoch of a UTC time.
func Micros(y int, mo time.Month, d, h, mi, s, us int) int64 {
	return time.Date(y, mo, d, h, mi, s, us*1000, time.UTC).UnixMicro()
}
