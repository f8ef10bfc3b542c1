package liberator_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/embeddedexport"
	"github.com/dataplatform/liberator-ingestion/export/mysqlexport"
	"github.com/dataplatform/liberator-ingestion/export/rdsexport"
	"github.com/dataplatform/liberator-ingestion/glue/fakeglue"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap"
)

// mysqlDriftEnv is driftEnv on the MySQL backend: the dumps are restored
// into the test server and exported with SELECTs.
func mysqlDriftEnv(t *testing.T) *driftEnv {
	t.Helper()
	prefix := mysqltest.Prefix(t) // skips without a server
	e := newDriftEnv(t)
	be, err := mysqlexport.NewBackend(mysqlexport.BackendConfig{
		MySQL:  mysqlsnap.Config{DSN: mysqltest.DSN(t), DatabasePrefix: prefix, Clock: e.clk},
		Bucket: e.exports,
		Export: export.Options{Clock: e.clk},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	e.snap, e.exp = be.Snapshotter, be.Exporter
	return e
}

// rdsDriftEnv is driftEnv on the AWS backends: RDS snapshots and exports
// through the real RDS client against the local RDS server, whose export
// writes the Parquet parts (no tables report: RDS's report is not read)
// of the dump its restore loaded into an S3 bucket (gofakes3); the Lander
// reads the tables from the parts' footers.
func rdsDriftEnv(t *testing.T) *driftEnv {
	t.Helper()
	ctx := context.Background()
	e := newDriftEnv(t)
	s3f := awstest.NewS3(e.clk)
	t.Cleanup(s3f.Close)
	var err error
	if e.exports, err = s3f.Bucket(ctx, "dev-liberator-export"); err != nil {
		t.Fatal(err)
	}
	if e.landing, err = s3f.Bucket(ctx, "dev-liberator-landing-zone"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.exports.Close(); e.landing.Close() })
	rdsf := awstest.NewRDS(e.clk)
	t.Cleanup(rdsf.Close)
	rdsf.AddInstance("liberator-db")
	rest := &parquetRestorer{t: t, clk: e.clk}
	rdsf.OnExportComplete = func(ctx context.Context, task awstest.ExportTask) error {
		return awstest.WriteExport(map[string]*blob.Bucket{"dev-liberator-export": e.exports}, rest.files())(ctx, task)
	}
	snap, err := rdssnap.New(rdsf.Config(), rdssnap.Options{Instance: "liberator-db", Restorer: rest})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := rdsexport.New(rdsf.Config(), rdsexport.Options{Bucket: "dev-liberator-export", Prefix: "exports",
		IAMRoleARN: "arn:aws:iam::123456789012:role/liberator-rds-s3-export", KMSKeyID: "arn:aws:kms:eu-west-2:123456789012:key/1"})
	if err != nil {
		t.Fatal(err)
	}
	e.snap, e.exp = snap, exp
	if e.lander, err = bloblander.New(e.exports, e.landing, bloblander.Options{Clock: e.clk, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	e.wf = fakeglue.New(fakeglue.Options{Clock: e.clk})
	return e
}

// parquetRestorer "restores" a dump by converting it with the embedded
// exporter and keeping its Parquet parts for the next RDS export.
type parquetRestorer struct {
	t   *testing.T
	clk liberator.Clock
	mu  sync.Mutex
	cur map[string][]byte
}

func (r *parquetRestorer) Restore(ctx context.Context, d liberator.DumpRef) error {
	b := memblob.OpenBucket(nil)
	defer b.Close()
	exp := embeddedexport.New(b, embeddedexport.Options{Export: export.Options{Clock: r.clk}})
	info, err := exp.StartExport(ctx, liberator.ExportRequest{ID: "restore",
		Snapshot: liberator.SnapshotInfo{ID: "restore", Status: liberator.SnapshotAvailable, Dump: d}})
	if err != nil || info.Status != liberator.ExportComplete {
		return fmt.Errorf("restore %s: %v %s", d.Key, err, info.FailureCause)
	}
	files := map[string][]byte{}
	for k, v := range bucketState(r.t, b, "restore/liberator/") {
		files[strings.TrimPrefix(k, "restore/")] = []byte(v)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cur = files
	return nil
}

func (r *parquetRestorer) files() map[string][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur
}

// withoutMySQLTypes is ch as an export that carries no MySQL types (RDS)
// sees it: column types are Parquet types only.
func withoutMySQLTypes(ch liberator.Changes) liberator.Changes {
	out := ch
	out.Gate = nil
	out.Tables = make([]liberator.TableChange, len(ch.Tables))
	for i, t := range ch.Tables {
		t.Columns = append([]liberator.ColumnChange(nil), t.Columns...)
		for j := range t.Columns {
			t.Columns[j].Old.MySQLType, t.Columns[j].New.MySQLType = "", ""
		}
		out.Tables[i] = t
	}
	return out
}

func rules(vs []liberator.Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprintf("%s %s %s %s", v.Action, v.Rule, v.Table, v.Column))
	}
	return out
}

// TestChangesOnEveryBackend runs the README's two days (day 2 dropped a
// column, retyped another and lost 90% of one table's rows) with the strict
// gate on the embedded, MySQL and RDS backends: each reports the same
// changes (RDS without MySQL types: its export carries only Parquet types),
// each gate stops day 2 on the same rules, and the override publishes it.
func TestChangesOnEveryBackend(t *testing.T) {
	if testing.Short() {
		t.Skip("restores into MySQL and runs the local AWS servers")
	}
	day2 := edit(edit(day1(), "PCN_IC", func(t *dumpTable) {
		withoutCol(t, "notes")
		replaceCol(t, "amount", dumpCol{"amount", "varchar(12) DEFAULT NULL", func(i int) string { return sqlStr(fmt.Sprintf("%d.50", 30+i%90)) }})
	}), "vehicles", func(t *dumpTable) { t.n = 10 })
	wantRules := []string{
		"fail on-removed-column liberator.PCN_IC amount",
		"fail on-removed-column liberator.PCN_IC notes",
		"fail max-row-drop liberator.vehicles ",
	}
	got := map[string]*liberator.Changes{}
	for _, be := range []struct {
		name string
		env  func(t *testing.T) *driftEnv
	}{{"embedded", newDriftEnv}, {"mysql", mysqlDriftEnv}, {"rds", rdsDriftEnv}} {
		t.Run(be.name, func(t *testing.T) {
			e := be.env(t)
			p := e.pipeline(t, liberator.StrictGate())
			if _, err := e.run(t, p, driftDay1, day1()); err != nil {
				t.Fatalf("day 1: %v", err)
			}
			res, err := e.run(t, p, driftDay2, day2)
			var gerr *liberator.GateError
			if !errors.As(err, &gerr) {
				t.Fatalf("day 2: %v, want the gate to stop it", err)
			}
			if diff := cmp.Diff(wantRules, rules(gerr.Failures)); diff != "" {
				t.Errorf("failed rules (-want +got):\n%s", diff)
			}
			if n := len(e.wf.Runs()); n != 1 {
				t.Errorf("%d workflow runs after the stopped day, want 1", n)
			}
			got[be.name] = res.Changes
			pub, err := p.Run(context.Background(), gerr.Resume)
			if err != nil {
				t.Fatalf("override: %v", err)
			}
			checkDay2Published(t, e, pub, liberator.GateAccepted)
		})
	}
	emb := got["embedded"]
	if emb == nil {
		t.Fatal("the embedded backend did not compare")
	}
	if my := got["mysql"]; my != nil {
		if diff := cmp.Diff(emb, my); diff != "" {
			t.Errorf("MySQL backend's changes differ from the embedded one's (-embedded +mysql):\n%s", diff)
		}
	}
	if rds := got["rds"]; rds != nil {
		if diff := cmp.Diff(withoutMySQLTypes(*emb), withoutMySQLTypes(*rds)); diff != "" {
			t.Errorf("RDS backend's changes differ from the embedded one's (-embedded +rds):\n%s", diff)
		}
		for _, tc := range rds.Tables {
			for _, c := range tc.Columns {
				if c.Old.MySQLType != "" || c.New.MySQLType != "" {
					t.Errorf("RDS change %v has a MySQL type: the footers carry none", c)
				}
			}
		}
	}
}
