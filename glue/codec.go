package glue

import (
	"github.com/klauspost/compress/s2"
	"github.com/parquet-go/parquet-go/format"
)

// FastSnappy is the SNAPPY Parquet codec with s2's fast snappy-compatible
// encoder: any Snappy reader decodes it. parquet.Snappy uses the slower
// "better" encoder; for the raw-zone rewrite, which is CPU-bound, the fast
// one halves the compression time for slightly larger files. It is the
// default of LocalOptions.Compression.
type FastSnappy struct{}

// String returns "SNAPPY".
func (FastSnappy) String() string { return "SNAPPY" }

// CompressionCodec returns format.Snappy.
func (FastSnappy) CompressionCodec() format.CompressionCodec { return format.Snappy }

// Encode compresses src into dst (reallocated if too small).
func (FastSnappy) Encode(dst, src []byte) ([]byte, error) {
	return s2.EncodeSnappy(dst[:cap(dst)], src), nil
}

// Decode decompresses src into dst (reallocated if too small).
func (FastSnappy) Decode(dst, src []byte) ([]byte, error) {
	return s2.Decode(dst[:cap(dst)], src)
}
