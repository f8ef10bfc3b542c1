package conformance

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition"
)

// LanderHarness makes fresh buckets and Landers for RunLanderTests.
type LanderHarness interface {
	// MakeBuckets returns a fresh, empty export bucket and landing bucket
	// (they may be one bucket) and, if the harness can inject faults into
	// the landing bucket, a KeyFaults for it (else nil). The harness
	// closes the buckets (t.Cleanup).
	MakeBuckets(ctx context.Context, t *testing.T) (export, landing *blob.Bucket, faults KeyFaults)
	// MakeLander returns the Lander under test, reading exports from export
	// and publishing under prefix in landing. Its retries should wait on a
	// virtual clock so the failure tests are instant.
	MakeLander(ctx context.Context, t *testing.T, export, landing *blob.Bucket, prefix string) liberator.Lander
}

// KeyFaults injects storage faults by key; *faultblob.Faults implements it.
type KeyFaults interface {
	// FailKey makes every operation touching key fail with a transient
	// error until Reset.
	FailKey(key string)
	// Reset removes every fault.
	Reset()
}

// landerDate is the import date the Lander suite lands into.
var landerDate = liberator.Date{Year: 2026, Month: time.November, Day: 24}

const landerPrefix = "parking"

// exportFiles returns an export under exportPrefix with both RDS layouts,
// an upper-case table name, report files and a non-Parquet file, plus an
// unrelated export whose id extends this one's.
func exportFiles(exportPrefix, tag string) map[string]string {
	return map[string]string{
		exportPrefix + "export_info_x.json":                                                     `{"status":"COMPLETE"}`,
		exportPrefix + "export_tables_info_x_from_1_to_2.json":                                  `{}`,
		exportPrefix + "liberator/liberator.PCN_IC/1/part-00000-aaaa-c000.gz.parquet":           "pcn-0-" + tag,
		exportPrefix + "liberator/liberator.PCN_IC/2/part-00001-bbbb-c000.gz.parquet":           "pcn-one-" + tag,
		exportPrefix + "liberator/liberator.PCN_IC/1/.part-00000-aaaa.crc":                      "crc",
		exportPrefix + "liberator/liberator.vrm_hist/part-00000-cccc-c000.gz.parquet":           "vrm-" + tag,
		strings.TrimSuffix(exportPrefix, "/") + "0/liberator/liberator.PCN_IC/1/part-9.parquet": "other export",
	}
}

// RunLanderTests runs the Lander conformance suite.
func RunLanderTests(t *testing.T, h LanderHarness) {
	t.Run("LandsBothLayouts", func(t *testing.T) { testLandsBothLayouts(t, h) })
	t.Run("ManyFiles", func(t *testing.T) { testLandManyFiles(t, h) })
	t.Run("RerunReplacesPartition", func(t *testing.T) { testRerunReplaces(t, h) })
	t.Run("Idempotent", func(t *testing.T) { testLandIdempotent(t, h) })
	t.Run("RefusesBadKeys", func(t *testing.T) { testRefusesBadKeys(t, h) })
	t.Run("RefusesInvalidDate", func(t *testing.T) { testRefusesInvalidDate(t, h) })
	t.Run("FailureWritesNoMarker", func(t *testing.T) { testFailureNoMarker(t, h) })
	t.Run("ConcurrentLandsOfOneExport", func(t *testing.T) { testConcurrentLandsOfOneExport(t, h) })
	t.Run("ConcurrentLandsOfOneDate", func(t *testing.T) { testConcurrentLandsOfOneDate(t, h) })
	t.Run("RecordsSchemaAndChanges", func(t *testing.T) { testRecordsSchemaAndChanges(t, h) })
	t.Run("LastPublished", func(t *testing.T) { testLastPublished(t, h) })
}

func pcn() partition.TableRef { return partition.TableRef{Database: "liberator", Table: "PCN_IC"} }
func vrm() partition.TableRef { return partition.TableRef{Database: "liberator", Table: "vrm_hist"} }

// expectedManifest is what landing exportFiles(exportPrefix) must return.
func expectedManifest(exportID, exportPrefix string, sizes map[string]int64, rows map[string]int64) liberator.Manifest {
	return expectedManifestOn(landerDate, exportID, exportPrefix, sizes, rows)
}

// expectedManifestOn is expectedManifest for landing on date d.
func expectedManifestOn(d liberator.Date, exportID, exportPrefix string, sizes map[string]int64, rows map[string]int64) liberator.Manifest {
	pp, vp := partition.TablePrefix(landerPrefix, pcn(), d), partition.TablePrefix(landerPrefix, vrm(), d)
	obj := func(prefix, src, file string) liberator.Object {
		return liberator.Object{Key: prefix + file, Source: exportPrefix + src, Size: sizes[exportPrefix+src]}
	}
	rowsOf := func(t partition.TableRef) int64 {
		if n, ok := rows[t.String()]; ok {
			return n
		}
		return -1
	}
	return withBytes(liberator.Manifest{Version: partition.ManifestVersion, ExportID: exportID, ImportDate: d, Tables: []liberator.TableManifest{
		{Database: "liberator", Table: "PCN_IC", Prefix: pp, Rows: rowsOf(pcn()), Objects: []liberator.Object{
			obj(pp, "liberator/liberator.PCN_IC/1/part-00000-aaaa-c000.gz.parquet", "part-00000-aaaa-c000.gz.parquet"),
			obj(pp, "liberator/liberator.PCN_IC/2/part-00001-bbbb-c000.gz.parquet", "part-00001-bbbb-c000.gz.parquet"),
		}},
		{Database: "liberator", Table: "vrm_hist", Prefix: vp, Rows: rowsOf(vrm()), Objects: []liberator.Object{
			obj(vp, "liberator/liberator.vrm_hist/part-00000-cccc-c000.gz.parquet", "part-00000-cccc-c000.gz.parquet"),
		}},
	}})
}

// withBytes sets every table's Bytes to the sum of its objects' sizes, as
// a Lander records it.
func withBytes(m liberator.Manifest) liberator.Manifest {
	for i := range m.Tables {
		m.Tables[i].Bytes = 0
		for _, o := range m.Tables[i].Objects {
			m.Tables[i].Bytes += o.Size
		}
	}
	return m
}

var ignoreVersion = cmpopts.IgnoreFields(liberator.Manifest{}, "Version")

// checkPublished checks that every table of want is published in landing:
// its partition folder holds exactly its objects with the export's bytes
// (and, in the in-partition layout, its manifest and marker), and its
// manifest and marker are found (partition.ReadManifest, Published).
func checkPublished(ctx context.Context, t *testing.T, export, landing *blob.Bucket, want liberator.Manifest) {
	t.Helper()
	for _, tm := range want.Tables {
		wantFiles := map[string]string{}
		if ok, in, err := partition.PublishedAt(ctx, landing, tm.Prefix); err == nil && ok && in == partition.InPartitionLayout {
			wantFiles[tm.Prefix+partition.ManifestName] = "(manifest)"
			wantFiles[tm.Prefix+partition.MarkerName] = "(marker)"
		}
		for _, o := range tm.Objects {
			body, err := export.ReadAll(ctx, o.Source)
			if err != nil {
				t.Fatalf("read export %q: %v", o.Source, err)
			}
			wantFiles[o.Key] = string(body)
		}
		got := readAll(ctx, t, landing, tm.Prefix)
		for k := range got {
			if k == tm.Prefix+partition.ManifestName || k == tm.Prefix+partition.MarkerName {
				got[k] = wantFiles[k]
			}
		}
		if diff := cmp.Diff(wantFiles, got); diff != "" {
			t.Errorf("partition %s (-want +got):\n%s", tm.Prefix, diff)
		}
		stored, err := partition.ReadManifest(ctx, landing, landerPrefix, tm.Database, tm.Table, want.ImportDate)
		if err != nil {
			t.Errorf("read manifest of %s.%s: %v", tm.Database, tm.Table, err)
			continue
		}
		if diff := cmp.Diff(liberator.Manifest{ExportID: want.ExportID, ImportDate: want.ImportDate, Tables: []liberator.TableManifest{tm}}, stored, ignoreVersion); diff != "" {
			t.Errorf("stored manifest of %s.%s (-want +got):\n%s", tm.Database, tm.Table, diff)
		}
		ok, err := partition.Published(ctx, landing, landerPrefix, tm.Database, tm.Table, want.ImportDate)
		if err != nil || !ok {
			t.Errorf("Published(%s.%s) = %v, %v; want true", tm.Database, tm.Table, ok, err)
		}
	}
}

func testLandsBothLayouts(t *testing.T, h LanderHarness) {
	ctx := testContext(t)
	export, landing, _ := h.MakeBuckets(ctx, t)
	for _, tc := range []struct{ id, prefix string }{
		{"exp-1", "exp-1/"},
		{"exp-2", "exports/exp-2/"}, // an export under an S3 prefix
	} {
		writeAll(ctx, t, export, exportFiles(tc.prefix, tc.id))
	}
	l := h.MakeLander(ctx, t, export, landing, landerPrefix)
	rows := map[string]int64{"liberator.PCN_IC": 42}
	got, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ExportPrefix: "exp-1/", ImportDate: landerDate, RowCounts: rows})
	if err != nil {
		t.Fatalf("Land: %v", err)
	}
	want := expectedManifest("exp-1", "exp-1/", listAll(ctx, t, export, "exp-1/"), rows)
	if diff := cmp.Diff(want, got, ignoreVersion); diff != "" {
		t.Errorf("Land manifest (-want +got):\n%s", diff)
	}
	checkPublished(ctx, t, export, landing, want)
	// Only the two partitions were written.
	var keys []string
	for k := range listAll(ctx, t, landing, landerPrefix+"/") {
		if !strings.HasPrefix(k, want.Tables[0].Prefix) && !strings.HasPrefix(k, want.Tables[1].Prefix) {
			keys = append(keys, k)
		}
	}
	if len(keys) > 0 {
		t.Errorf("unexpected landing keys: %q", keys)
	}

	// The same for an export under a longer prefix, into the same date:
	// it replaces the partitions.
	got, err = l.Land(ctx, liberator.LandRequest{ExportID: "exp-2", ExportPrefix: "exports/exp-2/", ImportDate: landerDate})
	if err != nil {
		t.Fatalf("Land exp-2: %v", err)
	}
	want = expectedManifest("exp-2", "exports/exp-2/", listAll(ctx, t, export, "exports/exp-2/"), nil)
	if diff := cmp.Diff(want, got, ignoreVersion); diff != "" {
		t.Errorf("Land exp-2 manifest (-want +got):\n%s", diff)
	}
	checkPublished(ctx, t, export, landing, want)
}

// testLandManyFiles lands more files than one listing page usually holds
// in small-page harnesses (a harness may set a small page size to test
// pagination).
func testLandManyFiles(t *testing.T, h LanderHarness) {
	ctx := testContext(t)
	export, landing, _ := h.MakeBuckets(ctx, t)
	files := map[string]string{}
	want := map[string]string{}
	for i := range 60 {
		table := fmt.Sprintf("T%d", i%3)
		name := fmt.Sprintf("part-%05d-%d-c000.gz.parquet", i, i*7)
		files[fmt.Sprintf("exp-1/liberator/liberator.%s/%d/%s", table, i%4, name)] = fmt.Sprint("file ", i)
		ref := partition.TableRef{Database: "liberator", Table: table}
		want[partition.TablePrefix(landerPrefix, ref, landerDate)+name] = fmt.Sprint("file ", i)
	}
	writeAll(ctx, t, export, files)
	l := h.MakeLander(ctx, t, export, landing, landerPrefix)
	m, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ExportPrefix: "exp-1/", ImportDate: landerDate})
	if err != nil {
		t.Fatalf("Land: %v", err)
	}
	got := readAll(ctx, t, landing, landerPrefix+"/")
	for k := range got {
		if strings.HasSuffix(k, "/"+partition.ManifestName) || strings.HasSuffix(k, "/"+partition.MarkerName) {
			delete(got, k)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("landing zone (-want +got):\n%s", diff)
	}
	var names []string
	n := 0
	for _, tm := range m.Tables {
		names = append(names, tm.Table)
		n += len(tm.Objects)
		if !sort.SliceIsSorted(tm.Objects, func(i, j int) bool { return tm.Objects[i].Key < tm.Objects[j].Key }) {
			t.Errorf("objects of %s not sorted by key", tm.Table)
		}
		if ok, err := partition.Published(ctx, landing, landerPrefix, tm.Database, tm.Table, landerDate); err != nil || !ok {
			t.Errorf("Published(%s) = %v, %v; want true", tm.Table, ok, err)
		}
	}
	if diff := cmp.Diff([]string{"T0", "T1", "T2"}, names); diff != "" || n != 60 {
		t.Errorf("manifest has %d objects (want 60); tables (-want +got):\n%s", n, diff)
	}
}

func testRerunReplaces(t *testing.T, h LanderHarness) {
	ctx := testContext(t)
	export, landing, _ := h.MakeBuckets(ctx, t)
	writeAll(ctx, t, export, exportFiles("exp-1/", "first"))
	l := h.MakeLander(ctx, t, export, landing, landerPrefix)
	if _, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ExportPrefix: "exp-1/", ImportDate: landerDate}); err != nil {
		t.Fatalf("first Land: %v", err)
	}
	// The second export of the day has other files for PCN_IC (one with
	// the same name) and no vrm_hist.
	writeAll(ctx, t, export, map[string]string{
		"exp-2/liberator/liberator.PCN_IC/1/part-00000-aaaa-c000.gz.parquet": "same name, new bytes",
		"exp-2/liberator/liberator.PCN_IC/1/part-00002-dddd-c000.gz.parquet": "new file",
	})
	got, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-2", ExportPrefix: "exp-2/", ImportDate: landerDate})
	if err != nil {
		t.Fatalf("second Land: %v", err)
	}
	pp := partition.TablePrefix(landerPrefix, pcn(), landerDate)
	want := withBytes(liberator.Manifest{ExportID: "exp-2", ImportDate: landerDate, Tables: []liberator.TableManifest{
		{Database: "liberator", Table: "PCN_IC", Prefix: pp, Rows: -1, Objects: []liberator.Object{
			{Key: pp + "part-00000-aaaa-c000.gz.parquet", Source: "exp-2/liberator/liberator.PCN_IC/1/part-00000-aaaa-c000.gz.parquet", Size: 20},
			{Key: pp + "part-00002-dddd-c000.gz.parquet", Source: "exp-2/liberator/liberator.PCN_IC/1/part-00002-dddd-c000.gz.parquet", Size: 8},
		}},
	}})
	if diff := cmp.Diff(want, got, ignoreVersion); diff != "" {
		t.Errorf("second Land manifest (-want +got):\n%s", diff)
	}
	// checkPublished also proves the first export's extra file is gone.
	checkPublished(ctx, t, export, landing, want)
	// vrm_hist was not in exp-2: its exp-1 partition stays as it was.
	checkPublished(ctx, t, export, landing, liberator.Manifest{ExportID: "exp-1", ImportDate: landerDate,
		Tables: expectedManifest("exp-1", "exp-1/", listAll(ctx, t, export, "exp-1/"), nil).Tables[1:]})
}

func testLandIdempotent(t *testing.T, h LanderHarness) {
	ctx := testContext(t)
	export, landing, _ := h.MakeBuckets(ctx, t)
	writeAll(ctx, t, export, exportFiles("exp-1/", "v1"))
	l := h.MakeLander(ctx, t, export, landing, landerPrefix)
	req := liberator.LandRequest{ExportID: "exp-1", ExportPrefix: "exp-1/", ImportDate: landerDate, RowCounts: map[string]int64{"liberator.vrm_hist": 7}}
	first, err := l.Land(ctx, req)
	if err != nil {
		t.Fatalf("first Land: %v", err)
	}
	before := readAll(ctx, t, landing, landerPrefix+"/")
	// Change an export file's bytes (same size): a partition already
	// published for this export must be left as it is, not copied again.
	writeAll(ctx, t, export, map[string]string{"exp-1/liberator/liberator.vrm_hist/part-00000-cccc-c000.gz.parquet": "VRM-v1"})
	second, err := l.Land(ctx, req)
	if err != nil {
		t.Fatalf("second Land: %v", err)
	}
	if diff := cmp.Diff(first, second); diff != "" {
		t.Errorf("second Land manifest (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(before, readAll(ctx, t, landing, landerPrefix+"/")); diff != "" {
		t.Errorf("second Land changed the landing zone (-before +after):\n%s", diff)
	}
}

func testRefusesBadKeys(t *testing.T, h LanderHarness) {
	for _, tc := range []struct{ name, key string }{
		{"DotDot", "exp-1/liberator/liberator.T/../../../../escape.parquet"},
		{"EmptySegment", "exp-1/liberator//x.parquet"},
		{"TableFolderOfOtherDatabase", "exp-1/liberator/other.T/x.parquet"},
		{"TableFolderWithoutDatabase", "exp-1/liberator/PCN_IC/x.parquet"},
		{"Backslash", `exp-1/liberator/liberator.T/..\..\x.parquet`},
		{"FileAtRoot", "exp-1/x.parquet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			export, landing, _ := h.MakeBuckets(ctx, t)
			files := exportFiles("exp-1/", "x")
			files[tc.key] = "bad"
			writeAll(ctx, t, export, files)
			l := h.MakeLander(ctx, t, export, landing, landerPrefix)
			_, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ExportPrefix: "exp-1/", ImportDate: landerDate})
			if !errors.Is(err, liberator.ErrInvalid) {
				t.Fatalf("Land error %v, want ErrInvalid", err)
			}
			// The error names the key (as written or quoted).
			if !strings.Contains(err.Error(), tc.key) && !strings.Contains(err.Error(), strings.ReplaceAll(tc.key, `\`, `\\`)) {
				t.Errorf("error %q does not name key %q", err, tc.key)
			}
			if got := listAll(ctx, t, landing, landerPrefix+"/"); len(got) != 0 {
				t.Errorf("landing zone written despite a bad key: %v", got)
			}
		})
	}
}

func testRefusesInvalidDate(t *testing.T, h LanderHarness) {
	ctx := testContext(t)
	export, landing, _ := h.MakeBuckets(ctx, t)
	writeAll(ctx, t, export, exportFiles("exp-1/", "x"))
	l := h.MakeLander(ctx, t, export, landing, landerPrefix)
	for _, d := range []liberator.Date{{}, {Year: 2026, Month: 2, Day: 30}, {Year: 2026, Month: 13, Day: 1}} {
		_, err := l.Land(ctx, liberator.LandRequest{ExportID: "exp-1", ExportPrefix: "exp-1/", ImportDate: d})
		if !errors.Is(err, liberator.ErrInvalid) {
			t.Errorf("Land on %v: error %v, want ErrInvalid", d, err)
		}
	}
	if got := listAll(ctx, t, landing, landerPrefix+"/"); len(got) != 0 {
		t.Errorf("landing zone written: %v", got)
	}
}

func testFailureNoMarker(t *testing.T, h LanderHarness) {
	ctx := testContext(t)
	export, landing, faults := h.MakeBuckets(ctx, t)
	if faults == nil {
		t.Skip("harness injects no faults")
	}
	writeAll(ctx, t, export, exportFiles("exp-1/", "x"))
	l := h.MakeLander(ctx, t, export, landing, landerPrefix)
	req := liberator.LandRequest{ExportID: "exp-1", ExportPrefix: "exp-1/", ImportDate: landerDate}
	want := expectedManifest("exp-1", "exp-1/", listAll(ctx, t, export, "exp-1/"), nil)
	bad := want.Tables[0].Objects[1]
	faults.FailKey(bad.Key)
	_, err := l.Land(ctx, req)
	if err == nil {
		t.Fatal("Land succeeded although a copy always fails")
	}
	if !errors.Is(err, liberator.ErrTransient) && !errors.Is(err, liberator.ErrTerminal) {
		t.Errorf("error %v wraps neither ErrTransient nor ErrTerminal", err)
	}
	if !strings.Contains(err.Error(), bad.Source) && !strings.Contains(err.Error(), bad.Key) {
		t.Errorf("error %q names neither %q nor %q", err, bad.Source, bad.Key)
	}
	faults.Reset()
	ok, err2 := partition.Published(ctx, landing, landerPrefix, "liberator", "PCN_IC", landerDate)
	if err2 != nil || ok {
		t.Errorf("failed table: Published = %v, %v; want false", ok, err2)
	}
	// Once storage recovers, landing again publishes everything.
	got, err := l.Land(ctx, req)
	if err != nil {
		t.Fatalf("Land after recovery: %v", err)
	}
	if diff := cmp.Diff(want, got, ignoreVersion); diff != "" {
		t.Errorf("Land after recovery (-want +got):\n%s", diff)
	}
	checkPublished(ctx, t, export, landing, want)
}
