package bloblander_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/embeddedexport"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/faultblob"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump/dumpgen"
)

// embeddedExport converts a generated dump (every MySQL type of the
// mapping, a part per 16 rows) into bucket with the embedded exporter
// and returns what the exporter reported.
func embeddedExport(t *testing.T, bucket *blob.Bucket, id string) liberator.ExportInfo {
	t.Helper()
	ctx := context.Background()
	var sql bytes.Buffer
	if _, err := dumpgen.Write(&sql, dumpgen.Options{Seed: 5, Rows: 300}); err != nil {
		t.Fatal(err)
	}
	dumps := memblob.OpenBucket(nil)
	t.Cleanup(func() { dumps.Close() })
	if err := dumps.WriteAll(ctx, "dump.sql", sql.Bytes(), nil); err != nil {
		t.Fatal(err)
	}
	exp := embeddedexport.New(bucket, embeddedexport.Options{
		Read:   mysqldump.ReadOptions{Buckets: map[string]*blob.Bucket{"mem://dumps": dumps}},
		Export: export.Options{BatchRows: 16, Writer: export.WriterOptions{PartSize: 1}},
	})
	info, err := exp.StartExport(ctx, liberator.ExportRequest{ID: id,
		Snapshot: liberator.SnapshotInfo{ID: "snap", Status: liberator.SnapshotAvailable, Dump: liberator.DumpRef{Bucket: "mem://dumps", Key: "dump.sql"}}})
	if err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("export: %v %s %s", err, info.Status, info.FailureCause)
	}
	return info
}

// ExportTables reads from the Parquet footers what the embedded exporter
// reports from its own conversion: rows, bytes, and each column's name,
// Parquet type and nullability, for every type of the mapping (an RDS
// export is read the same way). Only the MySQL types are missing.
func TestExportTablesMatchesTheExportReport(t *testing.T) {
	ctx := context.Background()
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	info := embeddedExport(t, bucket, "exp-1")
	want := make([]liberator.TableExport, len(info.Tables))
	multi := false
	for i, te := range info.Tables {
		want[i] = liberator.TableExport{Table: te.Table, Rows: te.Rows, Bytes: te.Bytes}
		for _, c := range te.Columns {
			c.MySQLType = ""
			want[i].Columns = append(want[i].Columns, c)
		}
	}
	for k := range contents(t, bucket, "exp-1/liberator/liberator.PCN_IC/") {
		multi = multi || strings.Contains(k, "part-00001-")
	}
	if !multi {
		t.Fatal("no table has several parts: the row sum is not tested")
	}
	wrapped, faults := faultblob.Wrap(bucket)
	l, _ := newLander(t, wrapped, wrapped, bloblander.Options{})
	got, err := l.ExportTables(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day})
	if err != nil {
		t.Fatal(err)
	}
	sortTables(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ExportTables (-export report +footers):\n%s", diff)
	}
	parts := 0
	for k := range contents(t, bucket, "exp-1/liberator/") {
		if strings.HasSuffix(k, ".parquet") {
			parts++
		}
	}
	if reads := faults.Count(faultblob.OpNewRangeReader); reads != parts {
		t.Errorf("%d range reads for %d part files, want one each", reads, parts)
	}
}

func TestExportTablesUnreadableFile(t *testing.T) {
	ctx := context.Background()
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	embeddedExport(t, bucket, "exp-1")
	bad := "exp-1/liberator/liberator.vehicles/1/part-09999-bad-c000.gz.parquet"
	put(t, bucket, map[string]string{bad: "PAR1 not really PAR1"})
	l, _ := newLander(t, bucket, bucket, bloblander.Options{})
	got, err := l.ExportTables(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day})
	if err != nil {
		t.Fatal(err)
	}
	for _, te := range got {
		if te.Table != "liberator.vehicles" {
			if te.Rows <= 0 || len(te.Columns) == 0 || len(te.Warnings) > 0 {
				t.Errorf("%s: rows %d, %d columns, warnings %q; want it read", te.Table, te.Rows, len(te.Columns), te.Warnings)
			}
			continue
		}
		if te.Rows != -1 || te.Columns != nil || len(te.Warnings) != 1 || !strings.Contains(te.Warnings[0], bad) {
			t.Errorf("vehicles with an unreadable part: rows %d, columns %v, warnings %q; want -1, none and a warning naming %s", te.Rows, te.Columns, te.Warnings, bad)
		}
	}
}

// Storage errors reading a footer are retried; once the retries are
// used up, ExportTables fails with ErrTransient (the pipeline tries again
// later) instead of calling the table unreadable.
func TestExportTablesStorageFaults(t *testing.T) {
	ctx := context.Background()
	inner := memblob.OpenBucket(nil)
	defer inner.Close()
	embeddedExport(t, inner, "exp-1")
	key := "exp-1/liberator/liberator.PCN_IC/1/part-00000-"
	var part string
	for k := range contents(t, inner, key) {
		part = k
	}
	if part == "" {
		t.Fatal("no PCN_IC part")
	}
	for _, tc := range []struct {
		name    string
		times   int
		wantErr bool
	}{{"fails twice then reads", 2, false}, {"always fails", 0, true}} {
		t.Run(tc.name, func(t *testing.T) {
			b, faults := faultblob.Wrap(inner)
			faults.Add(faultblob.Rule{Op: faultblob.OpNewRangeReader, Key: part, Times: tc.times})
			l, _ := newLander(t, b, b, bloblander.Options{})
			got, err := l.ExportTables(ctx, liberator.LandRequest{ExportID: "exp-1", ImportDate: day})
			if tc.wantErr {
				if !errors.Is(err, liberator.ErrTransient) || !strings.Contains(err.Error(), part) {
					t.Errorf("ExportTables = %v, want ErrTransient naming %s", err, part)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, te := range got {
				if te.Rows < 0 || len(te.Warnings) > 0 {
					t.Errorf("%s: rows %d warnings %q after transient faults", te.Table, te.Rows, te.Warnings)
				}
			}
		})
	}
}

func sortTables(ts []liberator.TableExport) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].Table < ts[j-1].Table; j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}
