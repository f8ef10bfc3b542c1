package glue

import "github.com/dataplatform/liberator-ingestion/export"

// FastSnappy is the SNAPPY Parquet codec with s2's fast snappy-compatible
// encoder (export.FastSnappy, the export's snappy codec): any Snappy reader
// decodes it. For the raw-zone rewrite, which is CPU-bound, it halves the
// compression time of parquet.Snappy for slightly larger files. It is the
// default of LocalOptions.Compression.
type FastSnappy = export.FastSnappy
