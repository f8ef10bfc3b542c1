package s3copy_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/partition/s3copy"
)

const (
	exportName  = "dev-liberator-export"
	landingName = "dev-liberator-landing-zone"
	exportID    = "sql-to-parquet-26-11-24-031500"
)

// exportObjects is an export in the RDS layout: two parts of one table and
// one of another; the second PCN_IC part is larger than the multipart
// threshold the tests set (1000 bytes).
var exportObjects = map[string][]byte{
	exportID + "/liberator/liberator.PCN_IC/1/part-00000-1f0c-c000.gz.parquet":   []byte("PAR1 pcn part 0 PAR1"),
	exportID + "/liberator/liberator.PCN_IC/1/part-00001-1f0c-c000.gz.parquet":   bytes.Repeat([]byte("PAR1 pcn part 1 "), 100),
	exportID + "/liberator/liberator.vrm_hist/1/part-00000-2e7a-c000.gz.parquet": []byte("PAR1 vrm PAR1"),
}

// TestLandServerSide lands an export on S3 (gofakes3 through the real SDK
// client) between two buckets with bloblander.Options.Copy =
// Copier.Pair, within one bucket (blob's Copy), and, as the control that
// shows the byte count works, between two buckets without Options.Copy
// (streamed). Server-side, no object body reaches the process: the server
// sends no GetObject bytes of the export's parts, the copies are
// CopyObject (UploadPartCopy above the threshold) from the export bucket
// with ACL bucket-owner-full-control, and the partitions are published
// with the same bytes.
func TestLandServerSide(t *testing.T) {
	tests := []struct {
		name       string
		sameBucket bool
		server     bool
		wantOps    map[string]int // copy operations on the landing bucket
		wantGets   bool           // the parts' bytes pass through the process
	}{
		{name: "two buckets, server-side", server: true,
			wantOps: map[string]int{"CopyObject": 2, "CreateMultipartUpload": 1, "UploadPartCopy": 2, "CompleteMultipartUpload": 1}},
		{name: "one bucket", sameBucket: true, wantOps: map[string]int{"CopyObject": 3}},
		{name: "two buckets, streamed (control)", wantOps: map[string]int{}, wantGets: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clk := liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC))
			f := awstest.NewS3(clk)
			defer f.Close()
			export, err := f.Bucket(ctx, exportName)
			if err != nil {
				t.Fatal(err)
			}
			defer export.Close()
			landing, dst := export, exportName
			if !tt.sameBucket {
				if landing, err = f.Bucket(ctx, landingName); err != nil {
					t.Fatal(err)
				}
				defer landing.Close()
				dst = landingName
			}
			for k, v := range exportObjects {
				if err := export.WriteAll(ctx, k, v, nil); err != nil {
					t.Fatal(err)
				}
			}
			opts := bloblander.Options{Prefix: "parking", Clock: clk, Logger: slog.New(slog.DiscardHandler)}
			if tt.server {
				c, err := s3copy.New(f.Config(), s3copy.Options{ACL: s3copy.ACLBucketOwnerFullControl, MultipartThreshold: 1000, PartSize: 800}, pathStyle)
				if err != nil {
					t.Fatal(err)
				}
				opts.Copy = c.Pair(exportName, landingName)
			}
			l, err := bloblander.New(export, landing, opts)
			if err != nil {
				t.Fatal(err)
			}
			before := len(f.Requests())
			date := liberator.Date{Year: 2026, Month: 11, Day: 24}
			m, err := l.Land(ctx, liberator.LandRequest{ExportID: exportID, ImportDate: date})
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Tables) != 2 {
				t.Fatalf("published %d tables, want 2", len(m.Tables))
			}

			// Bytes of the export's parts the server sent back.
			var got int64
			for k, n := range f.SentBytes("GetObject") {
				if partition.IsParquet(k) {
					got += n
				}
			}
			var want int64
			if tt.wantGets {
				for _, v := range exportObjects {
					want += int64(len(v))
				}
			}
			if got != want {
				t.Errorf("GetObject sent %d bytes of Parquet parts, want %d", got, want)
			}

			// The copies: from the export bucket, with the ACL when
			// server-side between buckets.
			ops := map[string]int{}
			for _, r := range f.Requests()[before:] {
				switch r.Op {
				case "CopyObject", "UploadPartCopy", "CreateMultipartUpload", "CompleteMultipartUpload":
				default:
					continue
				}
				if r.Params["Bucket"] != dst {
					continue
				}
				ops[r.Op]++
				src, _ := url.QueryUnescape(r.Params["Copy-Source"]) // blob's own Copy query-escapes it
				if src != "" && !strings.HasPrefix(strings.TrimPrefix(src, "/"), exportName+"/"+exportID+"/") {
					t.Errorf("%s from %q, want the export bucket", r.Op, src)
				}
				if tt.server && (r.Op == "CopyObject" || r.Op == "CreateMultipartUpload") && r.Params["Acl"] != "bucket-owner-full-control" {
					t.Errorf("%s ACL %q, want bucket-owner-full-control", r.Op, r.Params["Acl"])
				}
			}
			if diff := cmp.Diff(tt.wantOps, ops); diff != "" {
				t.Errorf("copy requests to the landing bucket (-want +got):\n%s", diff)
			}

			// The partitions hold the same bytes, published.
			for _, tbl := range m.Tables {
				ok, err := partition.Published(ctx, landing, "parking", tbl.Database, tbl.Table, date)
				if err != nil || !ok {
					t.Errorf("%s not published: %v", tbl.Table, err)
				}
				for _, o := range tbl.Objects {
					b, err := landing.ReadAll(ctx, o.Key)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(b, exportObjects[o.Source]) {
						t.Errorf("%s: %d bytes differ from %s", o.Key, len(b), o.Source)
					}
				}
			}
		})
	}
}

// TestOpenBucketWith writes through a bucket of OpenBucketWith: an object
// over the transfer manager's single-upload limit goes up in parts of
// Uploads.PartSize; a small one in one PutObject; reads, listings by
// page, copies and deletes pass through; a missing key is NotFound with
// the store's message said once; a part size S3 refuses is refused.
func TestOpenBucketWith(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	b, err := s3copy.OpenBucketWith(ctx, f.Config(), "dev-liberator-data-storage", s3copy.Uploads{PartSize: s3copy.MinUploadPartSize, Concurrency: 2}, pathStyle)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	big := bytes.Repeat([]byte("0123456789abcdef"), (s3copy.SingleUploadLimit+3*s3copy.MinUploadPartSize)/16)
	before := len(f.Requests())
	w, err := b.NewWriter(ctx, "export/big.parquet", &blob.WriterOptions{ContentType: "application/vnd.apache.parquet"})
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(big); off += 1 << 20 {
		if _, err := w.Write(big[off:min(off+1<<20, len(big))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.WriteAll(ctx, "export/small.json", []byte(`{}`), nil); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, r := range f.Requests()[before:] {
		ops = append(ops, r.Op)
	}
	sort.Strings(ops)
	parts := (len(big) + s3copy.MinUploadPartSize - 1) / s3copy.MinUploadPartSize
	want := []string{"CompleteMultipartUpload", "CreateMultipartUpload", "PutObject"}
	for range parts {
		want = append(want, "UploadPart")
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, ops); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	got, err := b.ReadAll(ctx, "export/big.parquet")
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read back %d bytes (want %d), %v", len(got), len(big), err)
	}
	a, err := b.Attributes(ctx, "export/big.parquet")
	if err != nil || a.Size != int64(len(big)) || a.ContentType != "application/vnd.apache.parquet" {
		t.Errorf("attributes %+v, %v", a, err)
	}
	if err := b.Copy(ctx, "export/copy.json", "export/small.json", nil); err != nil {
		t.Fatal(err)
	}
	page, next, err := b.ListPage(ctx, blob.FirstPageToken, 2, &blob.ListOptions{Prefix: "export/"})
	if err != nil || len(page) != 2 || len(next) == 0 {
		t.Fatalf("first page: %d objects, next %q, %v", len(page), next, err)
	}
	rest, next, err := b.ListPage(ctx, next, 2, &blob.ListOptions{Prefix: "export/"})
	if err != nil || len(rest) != 1 || len(next) != 0 {
		t.Fatalf("second page: %d objects, next %q, %v", len(rest), next, err)
	}
	var keys []string
	for _, o := range append(page, rest...) {
		keys = append(keys, o.Key)
	}
	if diff := cmp.Diff([]string{"export/big.parquet", "export/copy.json", "export/small.json"}, keys); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
	if err := b.Delete(ctx, "export/copy.json"); err != nil {
		t.Fatal(err)
	}
	_, err = b.Attributes(ctx, "export/copy.json")
	if code := gcerrors.Code(err); code != gcerrors.NotFound {
		t.Errorf("deleted key: code %s (%v), want NotFound", code, err)
	}
	if n := strings.Count(err.Error(), "code=NotFound"); n != 1 {
		t.Errorf("error %q says code=NotFound %d times, want once", err, n)
	}
	if _, err := s3copy.OpenBucketWith(ctx, f.Config(), "dev-liberator-data-storage", s3copy.Uploads{PartSize: 1 << 20}, pathStyle); err == nil {
		t.Error("a 1 MiB part size was accepted; S3 refuses parts under 5 MiB")
	}
}
