package main

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump/dumpgen"
)

// TestRunS3Dump runs the CLI on a dump in an S3-compatible server (the
// in-process gofakes3, named by gocloud's s3 URL options endpoint,
// use_path_style, disable_https) with the export, landing and raw zones
// in it too: the dump is read in place, every table is landed and
// published, and the summary names the dump by its URL without the
// options. A --dump URL without a
// key, or a file:// URL, is refused with one line.
func TestRunS3Dump(t *testing.T) {
	ctx := context.Background()
	s3 := awstest.NewS3(liberator.NewVirtualClock(time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)))
	defer s3.Close()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "SECRETTEST", "AWS_CONFIG_FILE": os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull, "AWS_EC2_METADATA_DISABLED": "true", "AWS_PROFILE": "",
		"AWS_REQUEST_CHECKSUM_CALCULATION": "when_required", "AWS_RESPONSE_CHECKSUM_VALIDATION": "when_required",
	} {
		t.Setenv(k, v)
	}
	path := filepath.Join(t.TempDir(), "liberator_dump_20261124.zip")
	st, err := dumpgen.WriteZip(path, dumpgen.Options{Seed: 7, Rows: 40})
	if err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dumps, err := s3.Bucket(ctx, "dumps")
	if err != nil {
		t.Fatal(err)
	}
	defer dumps.Close()
	const key = "parking/liberator_dump_20261124.zip"
	if err := dumps.WriteAll(ctx, key, body, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"export", "landing", "raw"} {
		b, err := s3.Bucket(ctx, "lake-"+name)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
	}
	u, _ := url.Parse(s3.URL())
	opts := "?region=eu-west-2&endpoint=" + url.QueryEscape("http://"+u.Host) + "&use_path_style=true&disable_https=true"
	zone := func(name string) string { return "s3://lake-" + name + opts }

	code, out, errOut := cli(t, "run", "--dump", "s3://dumps/"+key+opts, "--export", zone("export"), "--landing", zone("landing"), "--raw", zone("raw"), "--json", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var s Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if s.Dump != "s3://dumps/"+key || s.Rows != st.Rows || s.ImportDate != "2026-11-24" {
		t.Errorf("summary dump %q rows %d date %s; want s3://dumps/%s, %d rows, 2026-11-24", s.Dump, s.Rows, s.ImportDate, key, st.Rows)
	}
	landing, _ := s3.Bucket(ctx, "lake-landing")
	defer landing.Close()
	for _, tbl := range st.Tables {
		ok, err := partition.Published(ctx, landing, "parking", "liberator", tbl.Name, liberator.Date{Year: 2026, Month: 11, Day: 24})
		if err != nil || !ok {
			t.Errorf("%s not published in the S3 landing zone: %v", tbl.Name, err)
		}
	}
	for _, bad := range []struct{ dump, want string }{
		{"s3://dumps" + opts, "want s3://BUCKET/KEY"},
		{"file:///data/liberator_dump_20261124.zip", "give a local dump as its path"},
	} {
		code, _, errOut := cli(t, "run", "--dump", bad.dump, "--export", zone("export"), "--landing", zone("landing"), "--raw", zone("raw"), "--quiet")
		if code == 0 || !strings.Contains(oneLine(t, errOut), bad.want) {
			t.Errorf("--dump %s: exit %d, %q; want a failure saying %q", bad.dump, code, errOut, bad.want)
		}
	}
}
