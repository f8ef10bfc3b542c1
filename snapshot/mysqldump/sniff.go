package mysqldump

import (
	"io"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// SniffDump reads the start of a dump (at most about 1 MiB) and checks
// that it looks like a mysqldump / mariadb-dump file: it has the
// "-- MySQL dump" / "-- MariaDB dump" header, or its first statement is
// one a dump holds. It returns the header line ("" if none). Errors wrap
// liberator.ErrInvalid (or the reader's own error kind).
func SniffDump(r io.Reader) (header string, err error) {
	cr := blobio.NewCountingReader(r)
	sr := NewStatementReader(io.LimitReader(cr, 1<<20), ReaderOptions{BufferSize: 64 << 10, MaxStatement: 1 << 20})
	st, err := sr.Next()
	if err != nil && cr.Err() != nil {
		return "", cr.Err() // the dump's own error (cap, corrupt data, I/O)
	}
	if sr.Header() != "" {
		return sr.Header(), nil
	}
	if err == nil && st.Kind != KindOther {
		return "", nil
	}
	if err == io.EOF {
		return "", liberator.Errorf(liberator.ErrInvalid, "check dump", "", "the dump is empty (no statements)")
	}
	return "", liberator.Errorf(liberator.ErrInvalid, "check dump", "", "does not start like a mysqldump/mariadb-dump file")
}
