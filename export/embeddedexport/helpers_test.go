package embeddedexport

import (
	"testing"
	"time"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/export"
	"github.com/dataplatform/liberator-ingestion/export/internal/exporttest"
)

var testStart = time.Date(2026, 11, 24, 3, 15, 0, 0, time.UTC)

// readTablesReport reads the tables report of export id.
func readTablesReport(t *testing.T, bucket *blob.Bucket, id string) export.TablesReportFile {
	t.Helper()
	var info export.InfoFile
	exporttest.ReadJSON(t, bucket, id+"/"+export.InfoFileName(id), &info)
	var rep export.TablesReportFile
	exporttest.ReadJSON(t, bucket, id+"/"+info.TablesReport, &rep)
	return rep
}
