package awsevents_test

import (
	"fmt"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/liberator/awsevents"
)

// An RDS "manual snapshot created" notification delivered by SNS into SQS
// becomes the pipeline's snapshot check of that snapshot: provisional,
// since the event names no run; the Pipeline reads the run, import date
// included, from the snapshot's label before it runs the step.
func ExampleDecode() {
	body := `{"Type":"Notification","MessageId":"5b0a4c3e","TopicArn":"arn:aws:sns:eu-west-2:123456789012:rds-events",` +
		`"Timestamp":"2026-11-24T04:32:11.000Z","Message":"{\"Event Source\":\"db-snapshot\",` +
		`\"Event Time\":\"2026-11-24 04:32:10.123\",\"Source ID\":\"sql-to-parquet-26-11-24-031500\",` +
		`\"Source ARN\":\"arn:aws:rds:eu-west-2:123456789012:snapshot:sql-to-parquet-26-11-24-031500\",` +
		`\"Event ID\":\"http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html#RDS-EVENT-0042\",` +
		`\"Event Message\":\"Manual snapshot created\"}"}`
	dump := liberator.DumpRef{Bucket: "s3://dev-liberator-data-storage", Key: "parking/liberator_dump_20261124.zip"}
	m, ok, err := awsevents.Decode([]byte(body), dump)
	if err != nil || !ok {
		fmt.Println(ok, err)
		return
	}
	fmt.Println(m.Step, m.SnapshotID, m.Provisional, m.RunID)
	// Output: snapshot_check sql-to-parquet-26-11-24-031500 true rds-snapshot:sql-to-parquet-26-11-24-031500
}
