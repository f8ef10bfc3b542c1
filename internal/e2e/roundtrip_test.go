package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/embeddedexport"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump/dumpgen"
)

// TestGeneratorRoundTrip converts generated dumps (several mysqldump
// styles) with the embedded exporter and checks every value of every row
// read back from the Parquet files against dumpgen.Row, the generator's
// oracle.
func TestGeneratorRoundTrip(t *testing.T) {
	const rows = 150
	tests := []struct {
		name string
		opts dumpgen.Options
	}{
		{"extended inserts", dumpgen.Options{Seed: 21, Rows: rows}},
		{"small net buffer", dumpgen.Options{Seed: 22, Rows: rows, NetBufferLength: 8192}},
		{"skip-extended-insert complete-insert hex-blob", dumpgen.Options{Seed: 23, Rows: rows, SkipExtendedInsert: true, CompleteInsert: true, HexBlob: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			var sql bytes.Buffer
			if _, err := dumpgen.Write(&sql, tc.opts); err != nil {
				t.Fatal(err)
			}
			bucket := memblob.OpenBucket(nil)
			defer bucket.Close()
			dumps := memblob.OpenBucket(nil)
			defer dumps.Close()
			if err := dumps.WriteAll(ctx, "generated", sql.Bytes(), nil); err != nil {
				t.Fatal(err)
			}
			exp := embeddedexport.New(bucket, embeddedexport.Options{
				Read: mysqldump.ReadOptions{Buckets: map[string]*blob.Bucket{"mem://dumps": dumps}},
			})
			info, err := exp.StartExport(ctx, liberator.ExportRequest{ID: "e2e",
				Snapshot: liberator.SnapshotInfo{ID: "snap", Status: liberator.SnapshotAvailable, Dump: liberator.DumpRef{Bucket: "mem://dumps", Key: "generated"}}})
			if err != nil {
				t.Fatal(err)
			}
			if info.Status != liberator.ExportComplete {
				t.Fatalf("export %s: %s", info.Status, info.FailureCause)
			}
			rep := readTablesReport(t, bucket, "e2e")
			nZero := 0
			for _, tb := range dumpgen.Tables() {
				want := zeroDates(tc.opts.Seed, tb, rows)
				nZero += len(want)
				if diff := cmp.Diff(want, rep[tb.Name].ZeroDatesNulled, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("%s zero dates nulled (-generator +report):\n%s", tb.Name, diff)
				}
				got := readTable(t, bucket, "e2e/liberator/liberator."+tb.Name+"/", tb)
				if len(got) != rows {
					t.Errorf("%s: %d rows read back, want %d", tb.Name, len(got), rows)
					continue
				}
				for i := int64(0); i < rows; i++ {
					want, err := dumpgen.Row(tc.opts.Seed, tb.Name, i)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(want, got[i]); diff != "" {
						t.Errorf("%s row %d (-generator +parquet):\n%s", tb.Name, i, diff)
					}
				}
			}
			if nZero == 0 {
				t.Error("the generator wrote no zero dates: the report check tested nothing")
			}
		})
	}
}

// zeroDates counts, per column, the rows of tb that the generator wrote
// with a zero or partial-zero date (the converter writes them as NULL).
func zeroDates(seed int64, tb dumpgen.Table, rows int64) map[string]int64 {
	out := map[string]int64{}
	for j, c := range tb.Columns {
		if !strings.HasPrefix(c.Type, "date") && !strings.HasPrefix(c.Type, "timestamp") {
			continue
		}
		for i := int64(0); i < rows; i++ {
			if dumpgen.IsZeroDate(seed, tb.Name, i, j) {
				out[c.Name]++
			}
		}
	}
	return out
}

// readTablesReport reads export id's tables report, by bare table name.
func readTablesReport(t *testing.T, b *blob.Bucket, id string) map[string]export.TableReport {
	t.Helper()
	ctx := context.Background()
	data, err := b.ReadAll(ctx, id+"/"+export.InfoFileName(id))
	if err != nil {
		t.Fatal(err)
	}
	var info export.InfoFile
	if err := json.Unmarshal(data, &info); err != nil {
		t.Fatal(err)
	}
	if data, err = b.ReadAll(ctx, id+"/"+info.TablesReport); err != nil {
		t.Fatal(err)
	}
	var rep export.TablesReportFile
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	out := map[string]export.TableReport{}
	for _, tr := range rep.PerTableStatus {
		out[strings.TrimPrefix(tr.Target, "liberator.")] = tr
	}
	return out
}

// readTable reads every part of a table in part order as dumpgen.Row
// values.
func readTable(t *testing.T, b *blob.Bucket, prefix string, tb dumpgen.Table) [][]any {
	t.Helper()
	ctx := context.Background()
	var keys []string
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(o.Key, ".parquet") {
			keys = append(keys, o.Key)
		}
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		t.Fatalf("no parts under %s", prefix)
	}
	var out [][]any
	for _, k := range keys {
		data, err := b.ReadAll(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		fields := f.Schema().Fields()
		if len(fields) != len(tb.Columns) {
			t.Fatalf("%s: %d Parquet columns, table has %d", k, len(fields), len(tb.Columns))
		}
		for j, fl := range fields {
			if fl.Name() != tb.Columns[j].Name {
				t.Fatalf("%s: column %d is %s, want %s", k, j, fl.Name(), tb.Columns[j].Name)
			}
		}
		for _, rg := range f.RowGroups() {
			rr := rg.Rows()
			buf := make([]parquet.Row, 64)
			for {
				n, err := rr.ReadRows(buf)
				for _, row := range buf[:n] {
					vals := make([]any, len(fields))
					for _, v := range row {
						c := v.Column()
						vals[c] = goValue(t, fields[c], tb.Columns[c].Type, v)
					}
					out = append(out, vals)
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			rr.Close()
		}
	}
	return out
}

// goValue converts a Parquet value to the Go value dumpgen.Row uses.
func goValue(t *testing.T, fl parquet.Field, mysqlType string, v parquet.Value) any {
	if v.IsNull() {
		return nil
	}
	typ := fl.Type()
	var lt any
	if l := typ.LogicalType(); l != nil {
		lt = l.Value
	}
	switch l := lt.(type) {
	case *format.DecimalType:
		var unscaled *big.Int
		switch typ.Kind() {
		case parquet.Int32:
			unscaled = big.NewInt(int64(v.Int32()))
		case parquet.Int64:
			unscaled = big.NewInt(v.Int64())
		default: // big-endian two's complement
			b := v.ByteArray()
			unscaled = new(big.Int).SetBytes(b)
			if len(b) > 0 && b[0]&0x80 != 0 {
				unscaled.Sub(unscaled, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
			}
		}
		if mysqlType == "bigint unsigned" {
			if l.Scale != 0 || !unscaled.IsUint64() {
				t.Fatalf("bigint unsigned as DECIMAL(%d,%d) = %s", l.Precision, l.Scale, unscaled)
			}
			return unscaled.Uint64()
		}
		return decimalText(unscaled, int(l.Scale))
	case *format.TimestampType:
		if _, ok := l.Unit.Value.(*format.MicroSeconds); !ok {
			t.Fatalf("timestamp unit %v, want micros", l.Unit)
		}
		return time.UnixMicro(v.Int64()).UTC()
	case *format.StringType:
		return string(v.ByteArray())
	}
	switch typ.Kind() {
	case parquet.Int32:
		return int64(v.Int32())
	case parquet.Int64:
		return v.Int64()
	case parquet.Double:
		return v.Double()
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return append([]byte{}, v.ByteArray()...)
	}
	t.Fatalf("column %s: unexpected Parquet type %v", fl.Name(), typ)
	return nil
}

// decimalText formats unscaled×10^-scale with exactly scale digits.
func decimalText(u *big.Int, scale int) string {
	neg := u.Sign() < 0
	s := new(big.Int).Abs(u).String()
	if scale > 0 {
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func TestDecimalText(t *testing.T) {
	tests := []struct {
		u     int64
		scale int
		want  string
	}{{0, 2, "0.00"}, {-1, 2, "-0.01"}, {12345, 2, "123.45"}, {-9999999999, 2, "-99999999.99"}, {7, 0, "7"}}
	for _, tc := range tests {
		if got := decimalText(big.NewInt(tc.u), tc.scale); got != tc.want {
			t.Errorf("decimalText(%d, %d) = %q, want %q", tc.u, tc.scale, got, tc.want)
		}
	}
}
