package export

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

func pcnTable() *mysqldump.Table {
	return &mysqldump.Table{Name: "PCN_IC", Line: 20, Columns: []mysqldump.Column{
		{Name: "id", Type: "bigint", NotNull: true},
		{Name: "vrm", Type: "varchar", Length: 12},
		{Name: "amount", Type: "decimal", Precision: 8, Scale: 2},
		{Name: "issued", Type: "datetime"},
		{Name: "day_no", Type: "int", Generated: true, Virtual: true},
	}}
}

func pcnRow(i int) []mysqldump.Value {
	return []mysqldump.Value{num(fmt.Sprint(i)), str(fmt.Sprintf("AB%02dCDE", i%100)), num(fmt.Sprintf("%d.50", i%1000)), str("2026-11-24 08:00:00"), missing}
}

func TestExportFailures(t *testing.T) {
	pcn := pcnTable()
	tests := []struct {
		name      string
		s         script
		wantCause []string // substrings of FailureCause
	}{
		{"decimal out of range", append(rowsOf(pcn, pcnRow(1), pcnRow(2)), event{table: pcn, line: 99,
			row: []mysqldump.Value{num("3"), str("x"), num("1000000.00"), null, missing}}),
			[]string{"liberator.PCN_IC", "line 99", "PCN_IC.amount", "out of range"}},
		{"null in not null", append(rowsOf(pcn, pcnRow(1)), event{table: pcn, line: 41,
			row: []mysqldump.Value{null, str("x"), null, null, missing}}),
			[]string{"line 41", "PCN_IC.id", "NULL"}},
		{"bad datetime", append(rowsOf(pcn), event{table: pcn, line: 7,
			row: []mysqldump.Value{num("1"), null, null, str("2026-13-01 00:00:00"), missing}}),
			[]string{"line 7", "PCN_IC.issued", "invalid datetime"}},
		{"invalid type", script{{table: &mysqldump.Table{Name: "V", Line: 5, Columns: []mysqldump.Column{{Name: "v", Type: "bit", Length: 65}}}}},
			[]string{"liberator.V", "line 5", "column v", "invalid BIT(65)"}},
		{"scanner error", append(rowsOf(pcn, pcnRow(1)), event{err: errors.New("line 77: unterminated string")}),
			[]string{"line 77: unterminated string"}},
		// a part key the bucket refuses (invalid UTF-8): the writer goroutine fails
		{"part write fails", rowsOf(&mysqldump.Table{Name: "T\xff", Columns: []mysqldump.Column{{Name: "a", Type: "int"}}},
			[]mysqldump.Value{num("1")}, []mysqldump.Value{num("2")}, []mysqldump.Value{num("3")}),
			[]string{"table liberator.T\uFFFD rows at lines 10-10", "valid UTF-8"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, bucket := newTestExporter(t, tc.s, func(o *Options, _ *scriptSource) { o.BatchRows = 1 })
			req := exportReq("exp-f")
			info, err := e.StartExport(context.Background(), req)
			if err != nil {
				t.Fatalf("StartExport: %v", err)
			}
			if info.Status != liberator.ExportFailed {
				t.Fatalf("status = %s, want FAILED", info.Status)
			}
			for _, w := range tc.wantCause {
				if !strings.Contains(info.FailureCause, w) {
					t.Errorf("FailureCause %q does not contain %q", info.FailureCause, w)
				}
			}
			// nothing partial: only the FAILED export info remains
			if diff := cmp.Diff([]string{"exp-f/export_info_exp-f.json"}, exporttest.ListKeys(t, bucket)); diff != "" {
				t.Errorf("keys left (-want +got):\n%s", diff)
			}
			got, err := e.DescribeExport(context.Background(), "exp-f")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(info, got); diff != "" {
				t.Errorf("DescribeExport (-start +describe):\n%s", diff)
			}
			// a failed id is not started again
			again, err := e.StartExport(context.Background(), req)
			if err != nil || again.Status != liberator.ExportFailed {
				t.Errorf("second StartExport = %v, %v; want the FAILED info", again.Status, err)
			}
		})
	}
}

func TestExportCompleteLayoutAndReport(t *testing.T) {
	pcn := pcnTable()
	empty := &mysqldump.Table{Name: "empty_t", Line: 90, Columns: []mysqldump.Column{{Name: "a", Type: "date", NotNull: true}}}
	var rows [][]mysqldump.Value
	for i := 0; i < 500; i++ {
		rows = append(rows, pcnRow(i))
	}
	s := rowsOf(pcn, rows...)
	s = append(s, event{skip: &mysqldump.Skipped{Kind: mysqldump.SkippedView, Name: "v_pcn", Line: 80}})
	s = append(s, event{table: empty})
	var progress []TableProgress
	e, bucket := newTestExporter(t, s, func(o *Options, _ *scriptSource) {
		o.BatchRows = 64
		o.Writer = WriterOptions{PartSize: 4 << 10, RowGroupRows: 100, Codec: CodecGzip}
		o.Progress = func(p TableProgress) { progress = append(progress, p) }
	})
	info, err := e.StartExport(context.Background(), exportReq("exp-ok"))
	if err != nil {
		t.Fatal(err)
	}
	wantInfo := liberator.ExportInfo{ID: "exp-ok", SnapshotID: "snap-1", Status: liberator.ExportComplete, Prefix: "exp-ok/",
		PercentProgress: 100, ExtractedGB: info.ExtractedGB,
		RowCounts: map[string]int64{"liberator.PCN_IC": 500, "liberator.empty_t": 0},
		Tables:    info.Tables, // see TestExportInfoTables
		Skipped:   []string{"view v_pcn (line 80)"}, SQLBytes: int64(len("-- dump dump.sql\n"))}
	if diff := cmp.Diff(wantInfo, info); diff != "" {
		t.Errorf("info (-want +got):\n%s", diff)
	}
	if info.ExtractedGB <= 0 {
		t.Errorf("ExtractedGB = %v, want > 0", info.ExtractedGB)
	}
	keys := exporttest.ListKeys(t, bucket)
	var pcnParts []string
	for _, k := range keys {
		if strings.HasPrefix(k, "exp-ok/liberator/liberator.PCN_IC/1/") {
			pcnParts = append(pcnParts, strings.TrimPrefix(k, "exp-ok/liberator/liberator.PCN_IC/1/"))
		}
	}
	if len(pcnParts) < 2 {
		t.Fatalf("PCN_IC has %d parts, want several (PartSize 4 KiB): %v", len(pcnParts), keys)
	}
	for i, p := range pcnParts {
		if want := PartName(i, "00000000-0000-0000-0000-000000000001", CodecGzip); p != want {
			t.Errorf("part %d = %s, want %s", i, p, want)
		}
	}
	for _, want := range []string{"exp-ok/export_info_exp-ok.json", "exp-ok/export_tables_info_exp-ok_from_1_to_2.json",
		"exp-ok/liberator/liberator.empty_t/1/" + PartName(0, "00000000-0000-0000-0000-000000000001", CodecGzip)} {
		if !contains(keys, want) {
			t.Errorf("missing key %s in %v", want, keys)
		}
	}
	// rows read back in order, across parts
	got := exporttest.ReadRows(t, bucket, "exp-ok/liberator/liberator.PCN_IC/")
	if len(got) != 500 {
		t.Fatalf("read %d rows, want 500", len(got))
	}
	if diff := cmp.Diff([]any{int64(499), "AB99CDE", int32(49950), exporttest.Micros(2026, 11, 24, 8, 0, 0, 0), nil}, got[499]); diff != "" {
		t.Errorf("last row (-want +got):\n%s", diff)
	}
	// row groups bounded by RowGroupRows
	f := exporttest.ReadParquet(t, bucket, "exp-ok/liberator/liberator.PCN_IC/1/"+pcnParts[0])
	for _, rg := range f.RowGroups() {
		if rg.NumRows() > 100 {
			t.Errorf("row group of %d rows, want <= 100", rg.NumRows())
		}
	}
	rep := readTablesReport(t, bucket, "exp-ok")
	if len(rep.PerTableStatus) != 2 {
		t.Fatalf("report has %d tables", len(rep.PerTableStatus))
	}
	pt := rep.PerTableStatus[0]
	var sum int64
	for _, p := range pt.Files {
		sum += p.Rows
	}
	type summary struct {
		Target   string
		Rows     int64
		FileRows int64
		Files    int
		Missing  map[string]int64
		Forced   map[string]string
		Warnings []string
		Skipped  []mysqldump.Skipped
	}
	wantSum := summary{"liberator.PCN_IC", 500, 500, len(pcnParts), map[string]int64{"day_no": 500}, nil,
		[]string{"column day_no: generated VIRTUAL column, the dump holds no values and its expression is not one the converter computes; 500 rows written as NULL (not computed)"},
		[]mysqldump.Skipped{{Kind: mysqldump.SkippedView, Name: "v_pcn", Line: 80}}}
	if diff := cmp.Diff(wantSum, summary{pt.Target, pt.Rows, sum, len(pt.Files), pt.MissingNulled, pt.ForcedOptional, pt.Warnings, rep.Skipped}); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]string{"a": "zero dates become NULL"}, rep.PerTableStatus[1].ForcedOptional); diff != "" {
		t.Errorf("forced optional (-want +got):\n%s", diff)
	}
	// progress: PCN_IC done with all rows, empty_t done with 0
	var done []string
	for _, p := range progress {
		if p.Done {
			done = append(done, fmt.Sprintf("%s %d rows, sql %d, parquet>0 %v", p.Table, p.Rows, p.SQLBytes, p.Bytes > 0))
		}
	}
	sqlLen := int64(len("-- dump dump.sql\n"))
	if diff := cmp.Diff([]string{fmt.Sprintf("liberator.PCN_IC 500 rows, sql %d, parquet>0 true", sqlLen),
		fmt.Sprintf("liberator.empty_t 0 rows, sql %d, parquet>0 true", sqlLen)}, done); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	// idempotent: a second start does nothing and returns the same info
	before := exporttest.ListKeys(t, bucket)
	again, err := e.StartExport(context.Background(), exportReq("exp-ok"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(info, again); diff != "" {
		t.Errorf("second StartExport (-first +second):\n%s", diff)
	}
	if diff := cmp.Diff(before, exporttest.ListKeys(t, bucket)); diff != "" {
		t.Errorf("second StartExport changed the bucket:\n%s", diff)
	}
}

// TestExportInfoTables checks that the ExportInfo of a COMPLETE export
// carries its tables report, the same from StartExport and DescribeExport.
func TestExportInfoTables(t *testing.T) {
	tbl := &mysqldump.Table{Name: "T", Line: 3, Columns: []mysqldump.Column{
		{Name: "id", Type: "int", Unsigned: true, Length: 10, NotNull: true, Definition: "`id` int(10) unsigned NOT NULL DEFAULT '0'"},
		{Name: "day", Type: "date", NotNull: true, Definition: "`day` date NOT NULL"},
		{Name: "state", Type: "enum", Elements: []string{"a", "b)"}, Definition: "`state` enum('a','b)') DEFAULT NULL"},
		{Name: "g", Type: "int", Generated: true, Virtual: true},
	}}
	s := rowsOf(tbl,
		[]mysqldump.Value{num("1"), str("2026-11-24"), str("a"), missing},
		[]mysqldump.Value{num("2"), str("0000-00-00"), null, missing})
	s = append(s, event{skip: &mysqldump.Skipped{Kind: mysqldump.SkippedTrigger, Name: "trg", Line: 9}})
	e, _ := newTestExporter(t, s, nil)
	ctx := context.Background()
	info, err := e.StartExport(ctx, exportReq("exp-i"))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Tables) != 1 {
		t.Fatalf("Tables = %+v, want one", info.Tables)
	}
	want := []liberator.TableExport{{
		Table: "liberator.T", Rows: 2, Bytes: info.Tables[0].Bytes,
		Columns: []liberator.ColumnExport{
			{Name: "id", MySQLType: "int(10) unsigned", ParquetType: "INT64", Nullable: false},
			{Name: "day", MySQLType: "date", ParquetType: "BYTE_ARRAY STRING", Nullable: true},
			{Name: "state", MySQLType: "enum('a','b)')", ParquetType: "BYTE_ARRAY STRING", Nullable: true},
			{Name: "g", MySQLType: "int", ParquetType: "INT32", Nullable: true},
		},
		ZeroDatesNulled: map[string]int64{"day": 1},
		Warnings: []string{"column day: 1 zero dates written as NULL",
			"column g: generated VIRTUAL column, the dump holds no values and its expression is not one the converter computes; 2 rows written as NULL (not computed)"},
	}}
	if diff := cmp.Diff(want, info.Tables); diff != "" {
		t.Errorf("Tables (-want +got):\n%s", diff)
	}
	if info.Tables[0].Bytes <= 0 {
		t.Errorf("Bytes = %d, want > 0", info.Tables[0].Bytes)
	}
	if diff := cmp.Diff([]string{"trigger trg (line 9)"}, info.Skipped); diff != "" {
		t.Errorf("Skipped (-want +got):\n%s", diff)
	}
	described, err := e.DescribeExport(ctx, "exp-i")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(info, described); diff != "" {
		t.Errorf("DescribeExport (-start +describe):\n%s", diff)
	}
}

func TestDeclaredType(t *testing.T) {
	tests := []struct{ def, want string }{
		{"`a` int(10) unsigned zerofill NOT NULL", "int(10) unsigned zerofill"},
		{"`a``b` decimal(8,2) DEFAULT '0.00'", "decimal(8,2)"},
		{"`e` enum('x','y'')z','w\\'v') NOT NULL", "enum('x','y'')z','w\\'v')"},
		{"`d` datetime(6)", "datetime(6)"},
		{"`t` text", "text"},
		{"varchar", "varchar"},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, declaredType(tc.def)); diff != "" {
			t.Errorf("declaredType(%q) (-want +got):\n%s", tc.def, diff)
		}
	}
}

func TestReportColumnTypes(t *testing.T) {
	tbl := &mysqldump.Table{Name: "T", Columns: []mysqldump.Column{
		{Name: "a", Type: "bigint", Unsigned: true, NotNull: true, Definition: "`a` bigint unsigned NOT NULL"},
		{Name: "b", Type: "varchar", Length: 5}, {Name: "c", Type: "int"}, {Name: "d", Type: "blob"},
		{Name: "e", Type: "timestamp"}, {Name: "f", Type: "decimal", Precision: 38, Scale: 2},
	}}
	e, bucket := newTestExporter(t, rowsOf(tbl), nil)
	if info, err := e.StartExport(context.Background(), exportReq("r")); err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("%v %v", info, err)
	}
	want := []ColumnReport{
		{"a", "`a` bigint unsigned NOT NULL", "FIXED_LEN_BYTE_ARRAY(9) DECIMAL(20,0)", false},
		{"b", "varchar", "BYTE_ARRAY STRING", true},
		{"c", "int", "INT32", true},
		{"d", "blob", "BYTE_ARRAY", true},
		{"e", "timestamp", "INT64 TIMESTAMP(isAdjustedToUTC=true,unit=MICROS)", true},
		{"f", "decimal", "FIXED_LEN_BYTE_ARRAY(16) DECIMAL(38,2)", true},
	}
	if diff := cmp.Diff(want, readTablesReport(t, bucket, "r").PerTableStatus[0].Columns); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestExportTablesFilter(t *testing.T) {
	a := &mysqldump.Table{Name: "A", Columns: []mysqldump.Column{{Name: "x", Type: "int"}}}
	b := &mysqldump.Table{Name: "B", Columns: []mysqldump.Column{{Name: "y", Type: "decimal", Precision: 66}}} // invalid but not selected
	s := append(rowsOf(a, []mysqldump.Value{num("1")}), rowsOf(b, []mysqldump.Value{num("2")})...)
	tests := []struct {
		name   string
		tables []string
		status liberator.ExportStatus
		counts map[string]int64
	}{
		{"qualified", []string{"liberator.A"}, liberator.ExportComplete, map[string]int64{"liberator.A": 1}},
		{"bare", []string{"A"}, liberator.ExportComplete, map[string]int64{"liberator.A": 1}},
		{"absent", []string{"liberator.Z"}, liberator.ExportFailed, nil},
		{"all", nil, liberator.ExportFailed, nil}, // B's type is refused
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := newTestExporter(t, s, nil)
			req := exportReq("exp-t")
			req.Tables = tc.tables
			info, err := e.StartExport(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]any{tc.status, tc.counts}, []any{info.Status, info.RowCounts}); diff != "" {
				t.Errorf("(-want +got):\n%s\ncause: %s", diff, info.FailureCause)
			}
		})
	}
}

func TestExportRequestErrors(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*liberator.ExportRequest)
		kind error
	}{
		{"empty id", func(r *liberator.ExportRequest) { r.ID = "" }, liberator.ErrInvalid},
		{"long id", func(r *liberator.ExportRequest) { r.ID = strings.Repeat("x", 61) }, liberator.ErrInvalid},
		{"slash id", func(r *liberator.ExportRequest) { r.ID = "a/b" }, liberator.ErrInvalid},
		{"no source", func(r *liberator.ExportRequest) { r.Snapshot.Dump.Key = "" }, liberator.ErrInvalid},
		{"creating", func(r *liberator.ExportRequest) { r.Snapshot.Status = liberator.SnapshotCreating }, liberator.ErrNotReady},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, bucket := newTestExporter(t, script{}, nil)
			req := exportReq("exp-r")
			tc.mod(&req)
			_, err := e.StartExport(context.Background(), req)
			if !errors.Is(err, tc.kind) {
				t.Errorf("err = %v, want kind %v", err, tc.kind)
			}
			if keys := exporttest.ListKeys(t, bucket); len(keys) != 0 {
				t.Errorf("bucket not empty: %v", keys)
			}
		})
	}
	e, _ := newTestExporter(t, script{}, nil)
	if _, err := e.DescribeExport(context.Background(), "nope"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("DescribeExport(nope) = %v, want NotFound", err)
	}
}

func TestExportCanceledLeavesNothing(t *testing.T) {
	pcn := pcnTable()
	ctx, cancel := context.WithCancel(context.Background())
	s := rowsOf(pcn, pcnRow(1), pcnRow(2), pcnRow(3))
	// cancel the context from inside the scan, after rows were handed over
	s = append(s, event{table: pcn, line: 50, row: pcnRow(4)})
	e, bucket := newTestExporter(t, s, func(o *Options, src *scriptSource) {
		o.BatchRows = 1
		src.wrap = func(c context.Context, scan func(context.Context) error) error {
			err := scan(c)
			cancel()
			if err == nil {
				err = c.Err()
			}
			return err
		}
	})
	_, err := e.StartExport(ctx, exportReq("exp-c"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if keys := exporttest.ListKeys(t, bucket); len(keys) != 0 {
		t.Errorf("keys left after cancel: %v", keys)
	}
	if _, err := e.DescribeExport(context.Background(), "exp-c"); !errors.Is(err, liberator.ErrNotFound) {
		t.Errorf("DescribeExport after cancel = %v, want NotFound (can be started again)", err)
	}
}

func TestExportInProgressAndThrottled(t *testing.T) {
	pcn := pcnTable()
	var rows [][]mysqldump.Value
	for i := 0; i < 200; i++ {
		rows = append(rows, pcnRow(i))
	}
	type seen struct {
		Status       liberator.ExportStatus
		SameID       liberator.ExportStatus
		OtherErrKind bool
	}
	var got []seen
	var e *Exporter
	e, _ = newTestExporter(t, rowsOf(pcn, rows...), func(o *Options, _ *scriptSource) {
		o.MaxRunning = 1
		o.Progress = func(p TableProgress) {
			if len(got) > 0 {
				return
			}
			ctx := context.Background()
			d, err := e.DescribeExport(ctx, "exp-run")
			if err != nil {
				t.Errorf("DescribeExport while running: %v", err)
			}
			same, err := e.StartExport(ctx, exportReq("exp-run"))
			if err != nil {
				t.Errorf("StartExport of the running id: %v", err)
			}
			_, err = e.StartExport(ctx, exportReq("exp-other"))
			got = append(got, seen{d.Status, same.Status, errors.Is(err, liberator.ErrThrottled)})
		}
	})
	info, err := e.StartExport(context.Background(), exportReq("exp-run"))
	if err != nil || info.Status != liberator.ExportComplete {
		t.Fatalf("StartExport = %v, %v", info.Status, err)
	}
	want := []seen{{liberator.ExportInProgress, liberator.ExportInProgress, true}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// once it is done, another export may start
	other, err := e.StartExport(context.Background(), exportReq("exp-other"))
	if err != nil || other.Status != liberator.ExportComplete {
		t.Errorf("StartExport after the first finished = %v, %v", other.Status, err)
	}
}

func TestExportLockAcrossProcesses(t *testing.T) {
	pcn := pcnTable()
	tests := []struct {
		name       string
		lockAge    time.Duration
		wantStatus liberator.ExportStatus
		wantKeys   int // objects left
	}{
		{"held by a live run", time.Hour, liberator.ExportInProgress, 1},
		{"stale lock taken over", 7 * time.Hour, liberator.ExportComplete, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e, bucket := newTestExporter(t, rowsOf(pcn, pcnRow(1)), func(o *Options, _ *scriptSource) {
				o.Clock = liberator.NewVirtualClock(testStart.Add(tc.lockAge))
			})
			// another process took the lock at testStart
			lock := `{"exportTaskIdentifier":"exp-l","snapshotIdentifier":"snap-1","started":"` + testStart.Format(time.RFC3339) + `"}`
			if err := bucket.WriteAll(ctx, "exp-l/export_lock_exp-l.json", []byte(lock), nil); err != nil {
				t.Fatal(err)
			}
			info, err := e.StartExport(ctx, exportReq("exp-l"))
			if err != nil {
				t.Fatal(err)
			}
			desc, err := e.DescribeExport(ctx, "exp-l")
			if err != nil {
				t.Fatal(err)
			}
			keys := exporttest.ListKeys(t, bucket)
			got := []any{info.Status, desc.Status, desc.SnapshotID, len(keys)}
			if diff := cmp.Diff([]any{tc.wantStatus, tc.wantStatus, "snap-1", tc.wantKeys}, got); diff != "" {
				t.Errorf("(-want +got):\n%s\nkeys %v", diff, keys)
			}
			if tc.wantStatus == liberator.ExportComplete && contains(keys, "exp-l/export_lock_exp-l.json") {
				t.Errorf("lock left after the export finished: %v", keys)
			}
		})
	}
}

func TestExportAsync(t *testing.T) {
	pcn := pcnTable()
	release := make(chan struct{})
	e, bucket := newTestExporter(t, rowsOf(pcn, pcnRow(1), pcnRow(2)), func(o *Options, src *scriptSource) {
		o.Async = true
		src.wrap = func(c context.Context, scan func(context.Context) error) error {
			<-release // hold the conversion until the test has looked
			return scan(c)
		}
	})
	ctx := context.Background()
	started, err := e.StartExport(ctx, exportReq("exp-a"))
	if err != nil {
		t.Fatal(err)
	}
	during, err := e.DescribeExport(ctx, "exp-a")
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.StartExport(ctx, exportReq("exp-a"))
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	final, err := e.Wait(ctx, "exp-a")
	if err != nil {
		t.Fatal(err)
	}
	after, err := e.DescribeExport(ctx, "exp-a")
	if err != nil {
		t.Fatal(err)
	}
	got := []liberator.ExportStatus{started.Status, during.Status, again.Status, final.Status, after.Status}
	want := []liberator.ExportStatus{liberator.ExportInProgress, liberator.ExportInProgress, liberator.ExportInProgress, liberator.ExportComplete, liberator.ExportComplete}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if rows := exporttest.ReadRows(t, bucket, "exp-a/liberator/"); len(rows) != 2 {
		t.Errorf("%d rows exported, want 2", len(rows))
	}
}
