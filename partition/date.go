package partition

import (
	"fmt"

	"github.com/dataplatform/liberator-ingestion/liberator"
)

// Path returns the partition path of d:
// import_year=YYYY/import_month=MM/import_day=DD/import_date=YYYYMMDD
// (zero padded, no leading or trailing slash).
func Path(d liberator.Date) string {
	return fmt.Sprintf("import_year=%04d/import_month=%02d/import_day=%02d/import_date=%s",
		d.Year, int(d.Month), d.Day, d.Compact())
}
