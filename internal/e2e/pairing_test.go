package e2e

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"gocloud.dev/blob/memblob"

	"github.com/dataplatform/liberator-ingestion/export/embeddedexport"
	"github.com/dataplatform/liberator-ingestion/export/mysqlexport"
	"github.com/dataplatform/liberator-ingestion/export/rdsexport"
	"github.com/dataplatform/liberator-ingestion/glue/fakeglue"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/partition/bloblander"
	"github.com/dataplatform/liberator-ingestion/snapshot/embeddedsnap"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap"
	"github.com/dataplatform/liberator-ingestion/snapshot/rdssnap/rdsrestore"
)

// TestPairingsRefusedAtConstruction builds a Pipeline from each of the nine
// Snapshotter/Exporter pairings of the real backends: the three that can
// work are accepted, the six that cannot are refused by liberator.New with
// an ErrInvalid error naming both types. Nothing here contacts a server.
func TestPairingsRefusedAtConstruction(t *testing.T) {
	bucket := memblob.OpenBucket(nil)
	defer bucket.Close()
	db, err := mysqlsnap.Open(mysqlsnap.Config{DSN: "root@tcp(127.0.0.1:1)/"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rdsClient := rds.NewFromConfig(aws.Config{Region: "eu-west-2"})

	embSnap, err := embeddedsnap.New(embeddedsnap.Options{Store: bucket})
	if err != nil {
		t.Fatal(err)
	}
	rdsSnap, err := rdssnap.NewFromClient(rdsClient, rdssnap.Options{Instance: "db", Restorer: &rdsrestore.Restorer{DB: db}})
	if err != nil {
		t.Fatal(err)
	}
	rdsExp, err := rdsexport.NewFromClient(rdsClient, rdsexport.Options{Bucket: "b", IAMRoleARN: "arn:aws:iam::1:role/r", KMSKeyID: "k"})
	if err != nil {
		t.Fatal(err)
	}
	snaps := map[string]liberator.Snapshotter{
		"embedded": embSnap,
		"mysql":    mysqlsnap.New(db, mysqlsnap.Config{}),
		"rds":      rdsSnap,
	}
	exps := map[string]liberator.Exporter{
		"embedded": embeddedexport.New(bucket, embeddedexport.Options{}),
		"mysql":    mysqlexport.New(db, bucket, mysqlexport.Options{}),
		"rds":      rdsExp,
	}
	lander, err := bloblander.New(bucket, bucket, bloblander.Options{})
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for sn, s := range snaps {
		for en, e := range exps {
			_, err := liberator.New(liberator.Config{Snapshotter: s, Exporter: e, Lander: lander, Workflow: fakeglue.New(fakeglue.Options{})})
			if sn == en {
				if err != nil {
					t.Errorf("%s snapshotter + %s exporter: %v, want accepted", sn, en, err)
				}
				accepted++
				continue
			}
			if !errors.Is(err, liberator.ErrInvalid) {
				t.Errorf("%s snapshotter + %s exporter: err = %v, want ErrInvalid", sn, en, err)
				continue
			}
			for _, name := range []string{sn + "snap.Snapshotter", en + "export.Exporter"} {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("%s + %s: error %q does not name %s", sn, en, err, name)
				}
			}
		}
	}
	if accepted != 3 {
		t.Errorf("%d pairings accepted, want 3", accepted)
	}
}
