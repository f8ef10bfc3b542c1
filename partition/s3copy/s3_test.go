package s3copy_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/s3copy"
)

var pathStyle = func(o *s3.Options) { o.UsePathStyle = true }

func setup(t *testing.T) *awstest.S3 {
	t.Helper()
	f := awstest.NewS3(liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)))
	t.Cleanup(f.Close)
	for _, b := range []string{"dev-liberator-data-storage", "pre-liberator-data-storage"} {
		if err := f.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestOpenBucketRoundTrip(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	b, err := s3copy.OpenBucket(ctx, f.Config(), "dev-liberator-data-storage", pathStyle)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.WriteAll(ctx, "parking/a.txt", []byte("hello"), nil); err != nil {
		t.Fatal(err)
	}
	got, err := b.ReadAll(ctx, "parking/a.txt")
	if err != nil || string(got) != "hello" {
		t.Fatalf("read back %q, %v", got, err)
	}
	if _, err := s3copy.OpenBucket(ctx, f.Config(), ""); !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("empty bucket name: %v", err)
	}
}

func TestCopy(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789"), 100) // 1000 bytes
	tests := []struct {
		name      string
		opts      s3copy.Options
		wantOps   []string
		wantParts []string // UploadPartCopy ranges
	}{
		{
			name:    "single CopyObject with ACL",
			opts:    s3copy.Options{ACL: s3copy.ACLBucketOwnerFullControl},
			wantOps: []string{"HeadObject", "CopyObject"},
		},
		{
			name:      "multipart above a lowered threshold",
			opts:      s3copy.Options{ACL: s3copy.ACLBucketOwnerFullControl, MultipartThreshold: 999, PartSize: 300},
			wantOps:   []string{"HeadObject", "CreateMultipartUpload", "UploadPartCopy", "UploadPartCopy", "UploadPartCopy", "UploadPartCopy", "CompleteMultipartUpload"},
			wantParts: []string{"bytes=0-299", "bytes=300-599", "bytes=600-899", "bytes=900-999"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := setup(t)
			src, _ := f.Bucket(ctx, "dev-liberator-data-storage")
			key := "parking/liberator_dump_20261124 (1).zip"
			if err := src.WriteAll(ctx, key, data, nil); err != nil {
				t.Fatal(err)
			}
			before := len(f.Requests())
			c, err := s3copy.New(f.Config(), tt.opts, pathStyle)
			if err != nil {
				t.Fatal(err)
			}
			n, err := c.Copy(ctx, s3copy.Location{Bucket: "dev-liberator-data-storage", Key: key}, s3copy.Location{Bucket: "pre-liberator-data-storage", Key: "parking/copy.zip"})
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(data)) {
				t.Errorf("copied %d bytes, want %d", n, len(data))
			}
			reqs := f.Requests()[before:]
			var ops, ranges []string
			for _, r := range reqs {
				ops = append(ops, r.Op)
				if r.Op == "UploadPartCopy" {
					ranges = append(ranges, r.Params["Copy-Source-Range"])
				}
				if (r.Op == "CopyObject" || r.Op == "CreateMultipartUpload") && r.Params["Acl"] != "bucket-owner-full-control" {
					t.Errorf("%s ACL %q, want bucket-owner-full-control", r.Op, r.Params["Acl"])
				}
				if (r.Op == "CopyObject" || r.Op == "UploadPartCopy") && r.Params["Copy-Source"] != "dev-liberator-data-storage/parking/liberator_dump_20261124%20%281%29.zip" {
					t.Errorf("%s Copy-Source %q", r.Op, r.Params["Copy-Source"])
				}
			}
			if diff := cmp.Diff(tt.wantOps, ops); diff != "" {
				t.Errorf("ops (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantParts, ranges); diff != "" {
				t.Errorf("part ranges (-want +got):\n%s", diff)
			}
			dst, _ := f.Bucket(ctx, "pre-liberator-data-storage")
			got, err := dst.ReadAll(ctx, "parking/copy.zip")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Errorf("copy differs: %d bytes", len(got))
			}
		})
	}
}

func TestCopyErrors(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	c, _ := s3copy.New(f.Config(), s3copy.Options{MultipartThreshold: 10, PartSize: 5}, pathStyle)
	_, err := c.Copy(ctx, s3copy.Location{Bucket: "dev-liberator-data-storage", Key: "missing"}, s3copy.Location{Bucket: "pre-liberator-data-storage", Key: "x"})
	if !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("missing source: %v", err)
	}
	src, _ := f.Bucket(ctx, "dev-liberator-data-storage")
	if err := src.WriteAll(ctx, "big", make([]byte, 20), nil); err != nil {
		t.Fatal(err)
	}
	f.FailNext("UploadPartCopy", 1, awstest.Fault{Code: "SlowDown", Status: 503})
	_, err = c.Copy(ctx, s3copy.Location{Bucket: "dev-liberator-data-storage", Key: "big"}, s3copy.Location{Bucket: "pre-liberator-data-storage", Key: "big"})
	if !errors.Is(err, liberator.ErrThrottled) {
		t.Errorf("failed part: %v, want ErrThrottled", err)
	}
	if n := len(f.Requests("AbortMultipartUpload")); n != 1 {
		t.Errorf("%d aborts after a failed part, want 1", n)
	}
	dst, _ := f.Bucket(ctx, "pre-liberator-data-storage")
	if ok, _ := dst.Exists(ctx, "big"); ok {
		t.Error("partial copy is visible")
	}
}

func TestReplicate(t *testing.T) {
	ctx := context.Background()
	f := setup(t)
	src, _ := f.Bucket(ctx, "dev-liberator-data-storage")
	if err := src.WriteAll(ctx, "parking/liberator_dump_20261124.zip", []byte("zip"), nil); err != nil {
		t.Fatal(err)
	}
	c, _ := s3copy.New(f.Config(), s3copy.Options{ACL: s3copy.ACLBucketOwnerFullControl}, pathStyle)
	r := &s3copy.Replicator{Copier: c, DestBucket: "pre-liberator-data-storage", SourcePrefix: "parking/", DestPrefix: "parking/from-dev/"}
	tests := []struct {
		dump    liberator.DumpRef
		want    s3copy.Location
		wantErr error
	}{
		{liberator.DumpRef{Bucket: "s3://dev-liberator-data-storage?region=eu-west-2", Key: "parking/liberator_dump_20261124.zip"},
			s3copy.Location{Bucket: "pre-liberator-data-storage", Key: "parking/from-dev/liberator_dump_20261124.zip"}, nil},
		{liberator.DumpRef{Bucket: "dev-liberator-data-storage", Key: "parking/liberator_dump_20261124.zip"},
			s3copy.Location{Bucket: "pre-liberator-data-storage", Key: "parking/from-dev/liberator_dump_20261124.zip"}, nil},
		{liberator.DumpRef{Bucket: "file:///data", Key: "parking/x.zip"}, s3copy.Location{}, liberator.ErrInvalid},
		{liberator.DumpRef{Bucket: "dev-liberator-data-storage", Key: "other/x.zip"}, s3copy.Location{}, liberator.ErrInvalid},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got, err := r.Replicate(ctx, tt.dump)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	dst, _ := f.Bucket(ctx, "pre-liberator-data-storage")
	if b, err := dst.ReadAll(ctx, "parking/from-dev/liberator_dump_20261124.zip"); err != nil || string(b) != "zip" {
		t.Errorf("replica %q, %v", b, err)
	}
}
