package localglue

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"

	"github.com/dataplatform/liberator-ingestion/export"
)

func TestWithTimestamp(t *testing.T) {
	type flat struct {
		ID  int64  `parquet:"id"`
		PCN string `parquet:"pcn"`
	}
	type hasTS struct {
		ID int64  `parquet:"id"`
		TS string `parquet:"import_timestamp"`
	}
	type nested struct {
		ID  int64 `parquet:"id"`
		Sub struct {
			A int64 `parquet:"a"`
		} `parquet:"sub"`
	}
	tests := []struct {
		name     string
		schema   *parquet.Schema
		wantCols []string
		wantIdx  int
		wantErr  string
	}{
		{"flat", parquet.SchemaOf(flat{}), []string{"id", "pcn", ImportTimestampColumn}, 2, ""},
		{"already has the column", parquet.SchemaOf(hasTS{}), nil, 0, "already has a column import_timestamp"},
		{"nested", parquet.SchemaOf(nested{}), nil, 0, "column sub is nested"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, idx, err := withTimestamp(tt.schema, export.FastSnappy{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var cols []string
			for _, f := range s.Fields() {
				cols = append(cols, f.Name())
			}
			if diff := cmp.Diff(tt.wantCols, cols); diff != "" {
				t.Errorf("columns (-want +got):\n%s", diff)
			}
			if idx != tt.wantIdx {
				t.Errorf("timestamp column index = %d, want %d", idx, tt.wantIdx)
			}
			if f := s.Fields()[idx]; !f.Optional() || f.Type().Kind() != parquet.ByteArray {
				t.Errorf("import_timestamp is %v, want an optional string", f.Type())
			}
		})
	}
}
