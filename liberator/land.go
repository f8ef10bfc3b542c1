package liberator

// LandRequest asks a Lander to copy one finished export into the landing
// zone under one import date.
type LandRequest struct {
	// ExportID is the export's identifier; it is recorded in the manifest.
	ExportID string `json:"export_id"`
	// ExportPrefix is the key prefix in the export bucket under which the
	// export's files are, normally "<export-id>/" (or "<s3-prefix>/<export-id>/").
	ExportPrefix string `json:"export_prefix"`
	// ImportDate is the partition to land into.
	ImportDate Date `json:"import_date"`
	// Tables, if not empty, restricts landing to these tables ("PCN_IC").
	Tables []string `json:"tables,omitempty"`
	// RowCounts optionally gives the row count per table ("liberator.PCN_IC")
	// for the manifest, when the exporter knows it.
	RowCounts map[string]int64 `json:"row_counts,omitempty"`
	// Schema optionally describes each exported table (ExportInfo.Tables,
	// or what a TableReader read); the Lander records each table's
	// columns, and its rows when RowCounts lacks them, in its manifest.
	Schema []TableExport `json:"schema,omitempty"`
	// Changes, when set, is the comparison with the last published import;
	// the Lander records it in every manifest it writes.
	Changes *Changes `json:"changes,omitempty"`
}

// Object is one landed file.
type Object struct {
	// Key is the landing-zone key.
	Key string `json:"key"`
	// Source is the export key it was copied from.
	Source string `json:"source"`
	// Size in bytes.
	Size int64 `json:"size"`
}

// TableManifest describes one table's landed partition.
type TableManifest struct {
	// Database and Table as in the export ("liberator", "PCN_IC").
	Database string `json:"database"`
	Table    string `json:"table"`
	// Prefix is the partition's key prefix, ending in "/".
	Prefix string `json:"prefix"`
	// Objects are the partition's Parquet files, sorted by key.
	Objects []Object `json:"objects"`
	// Rows is the table's row count when known, else -1.
	Rows int64 `json:"rows"`
	// Bytes is the total size of Objects.
	Bytes int64 `json:"bytes"`
	// Columns is the table's schema (MySQL and Parquet types,
	// nullability) in column order, from LandRequest.Schema; empty when
	// not known.
	Columns []ColumnExport `json:"columns,omitempty"`
}

// Manifest records what a Lander published for one export and date.
type Manifest struct {
	Version    int             `json:"version"`
	ExportID   string          `json:"export_id"`
	ImportDate Date            `json:"import_date"`
	Tables     []TableManifest `json:"tables"`
	// Changes is what changed since the last published import
	// (LandRequest.Changes), when it was compared.
	Changes *Changes `json:"changes,omitempty"`
}
