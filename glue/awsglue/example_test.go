package awsglue_test

import (
	"context"
	"fmt"
	"time"

	"github.com/dataplatform/liberator-ingestion/glue/awsglue"
	"github.com/dataplatform/liberator-ingestion/internal/awstest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// Start the Glue workflow for an import; a second Start with the same run
// key returns the same run. In production cfg comes from
// config.LoadDefaultConfig; here it points at the local Glue server.
func ExampleNew() {
	ctx := context.Background()
	server := awstest.NewGlue(liberator.NewVirtualClock(time.Date(2026, 11, 24, 6, 0, 0, 0, time.UTC)))
	defer server.Close()
	server.AddWorkflow("parking-liberator-data-workflow", 1)

	wf, err := awsglue.New(server.Config(), awsglue.Options{Workflow: "parking-liberator-data-workflow"})
	if err != nil {
		fmt.Println(err)
		return
	}
	date := liberator.Date{Year: 2026, Month: 11, Day: 24}
	req := liberator.WorkflowRequest{RunKey: liberator.WorkflowRunKey(date, "sql-to-parquet-26-11-24-031500"), ImportDate: date}
	first, err := wf.Start(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	again, err := wf.Start(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(first.Status, first.Properties["import_date"], first.RunKey, again.ID == first.ID)
	// Output: RUNNING 20261124 20261124/sql-to-parquet-26-11-24-031500 true
}
