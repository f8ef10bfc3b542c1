package mysqldump

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	kflate "github.com/klauspost/compress/flate"
	kgzip "github.com/klauspost/compress/gzip"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// dump URLs
	_ "gocloud.dev/blob/memblob"  // mem:// URLs
)

// Format is a dump's container format.
type Format string

// Container formats Open reads.
const (
	FormatZip   Format = "zip"  // a zip archive with exactly one .sql entry
	FormatGzip  Format = "gzip" // a gzip-compressed .sql (.sql.gz)
	FormatPlain Format = "sql"  // plain SQL text
)

// Defaults of ReadOptions.
const (
	DefaultMaxUncompressed int64   = 64 << 30
	DefaultMaxRatio        float64 = 1000
)

// ReadOptions bounds what Open accepts.
type ReadOptions struct {
	// MaxUncompressed caps the SQL bytes read (default
	// DefaultMaxUncompressed, 64 GiB). Reading past it fails: the cap is
	// enforced on the bytes actually decompressed, not on the header.
	MaxUncompressed int64
	// MaxRatio caps uncompressed/compressed bytes read so far (default
	// DefaultMaxRatio, 1000:1), checked while streaming once 1 MiB has
	// been decompressed. Negative disables the check.
	MaxRatio float64
	// MaxSize caps the size of the dump object or file itself; 0 means no
	// cap.
	MaxSize int64
	// Buckets are already-open buckets by URL, consulted by Open
	// before blob.OpenBucket (needed for mem:// buckets, which are new and
	// empty each time they are opened by URL).
	Buckets map[string]*blob.Bucket
	// Logger receives notices (ignored zip entries). Default: discard.
	Logger *slog.Logger
	// Progress, if set, is called after each read of the SQL text with the
	// number of SQL bytes read so far (the count Dump.BytesRead returns),
	// from the goroutine that reads.
	Progress func(sqlBytes int64)
	// ReadAhead, if > 0, decompresses in a separate goroutine up to
	// ReadAhead chunks of 1 MiB ahead of the reader, so that decompression
	// and scanning run on two cores. 0 reads synchronously.
	ReadAhead int
}

func (o ReadOptions) withDefaults() ReadOptions {
	if o.MaxUncompressed <= 0 {
		o.MaxUncompressed = DefaultMaxUncompressed
	}
	if o.MaxRatio == 0 {
		o.MaxRatio = DefaultMaxRatio
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Dump is an open dump: reading it yields the SQL text, decompressed on the
// fly. It never extracts to disk nor holds the whole dump in memory.
type Dump struct {
	// Key is the object key or file path the dump was opened from.
	Key string
	// Format is the container format.
	Format Format
	// Entry is the .sql entry's name inside a zip ("" otherwise).
	Entry string
	// Size is the size of the object or file.
	Size int64
	// CompressedSize and UncompressedSize are the zip entry's sizes as its
	// header declares them (not trusted: the caps are enforced while
	// reading); for gzip CompressedSize is Size and UncompressedSize -1
	// (unknown); for plain SQL both are Size.
	CompressedSize   int64
	UncompressedSize int64

	r       io.Reader
	g       *guard
	closers []io.Closer
	once    sync.Once
	cerr    error
}

// Read reads SQL text. Errors wrap liberator.ErrInvalid for bad input (cap
// exceeded, truncated or corrupt data) and liberator.ErrTransient for I/O
// failures of the underlying storage.
func (d *Dump) Read(p []byte) (int, error) { return d.r.Read(p) }

// BytesRead returns the number of SQL bytes read so far (with ReadAhead:
// decompressed so far).
func (d *Dump) BytesRead() int64 { return d.g.n.Load() }

// Close releases the file, readers and any bucket the dump opened.
func (d *Dump) Close() error {
	d.once.Do(func() {
		for i := len(d.closers) - 1; i >= 0; i-- {
			if err := d.closers[i].Close(); err != nil && d.cerr == nil {
				d.cerr = err
			}
		}
	})
	return d.cerr
}

// openDump opens the dump at key in bucket (nil bucket: key is a local file
// path). The format is told by content (zip and gzip magic numbers), with
// the name as a cross-check: a .zip or .gz name whose content is not that
// format is refused. A zip must hold exactly one .sql entry, which is read
// straight from the archive (for a bucket, through range reads); encrypted
// entries, entry names with ".." or an absolute path, compression methods
// other than store and deflate, truncated or corrupt archives and
// decompression bombs are refused with errors wrapping liberator.ErrInvalid that
// name the key and entry. A missing object or file wraps liberator.ErrNotFound.
//
// ctx governs the reads of the returned Dump for its whole life.
func openDump(ctx context.Context, bucket *blob.Bucket, key string, opts ReadOptions) (*Dump, error) {
	opts = opts.withDefaults()
	d := &Dump{Key: key}
	var ra io.ReaderAt
	if bucket == nil {
		f, err := os.Open(key)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, liberator.NewError(liberator.ErrNotFound, "open dump", key, err)
			}
			return nil, liberator.NewError(liberator.ErrInvalid, "open dump", key, err)
		}
		d.closers = append(d.closers, f)
		fi, err := f.Stat()
		if err != nil {
			d.Close()
			return nil, liberator.NewError(liberator.ErrTransient, "open dump", key, err)
		}
		if !fi.Mode().IsRegular() {
			d.Close()
			return nil, liberator.Errorf(liberator.ErrInvalid, "open dump", key, "not a regular file")
		}
		d.Size = fi.Size()
		ra = f
	} else {
		attrs, err := bucket.Attributes(ctx, key)
		if err != nil {
			return nil, blobio.Error("open dump", key, err)
		}
		d.Size = attrs.Size
		ra = blobio.NewReaderAt(ctx, bucket, key, d.Size, "read dump")
		d.closers = append(d.closers, ra.(io.Closer))
	}
	if opts.MaxSize > 0 && d.Size > opts.MaxSize {
		d.Close()
		return nil, liberator.Errorf(liberator.ErrInvalid, "open dump", key, "size %d bytes passes the %d-byte cap", d.Size, opts.MaxSize)
	}
	var err error
	if err = d.open(ctx, bucket, ra, opts); err != nil {
		d.Close()
		return nil, err
	}
	if opts.ReadAhead > 0 {
		rh := newReadAhead(ctx, d.r, opts.ReadAhead)
		d.r = rh
		// Closed first (closers run last to first): the goroutine stops
		// before the readers it uses are closed.
		d.closers = append(d.closers, rh)
	}
	return d, nil
}

var otherMagics = []struct {
	magic []byte
	name  string
}{
	{[]byte("BZh"), "bzip2"},
	{[]byte{0xfd, '7', 'z', 'X', 'Z', 0}, "xz"},
	{[]byte{0x28, 0xb5, 0x2f, 0xfd}, "zstd"},
	{[]byte{'7', 'z', 0xbc, 0xaf}, "7z"},
	{[]byte("Rar!"), "rar"},
}

func (d *Dump) open(ctx context.Context, bucket *blob.Bucket, ra io.ReaderAt, opts ReadOptions) error {
	key := d.Key
	head := make([]byte, 512)
	n, err := ra.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return ioErr("open dump", key, err)
	}
	head = head[:n]
	lower := strings.ToLower(key)
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return d.openZip(ra, opts)
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		return d.openGzip(ctx, bucket, ra, opts)
	}
	for _, m := range otherMagics {
		if bytes.HasPrefix(head, m.magic) {
			return liberator.Errorf(liberator.ErrInvalid, "open dump", key, "%s compression is not supported (zip, gzip or plain SQL only)", m.name)
		}
	}
	switch {
	case strings.HasSuffix(lower, ".zip"):
		return liberator.Errorf(liberator.ErrInvalid, "open dump", key, "not a zip archive")
	case strings.HasSuffix(lower, ".gz"):
		return liberator.Errorf(liberator.ErrInvalid, "open dump", key, "not a gzip file")
	}
	if !looksLikeText(head) {
		return liberator.Errorf(liberator.ErrInvalid, "open dump", key, "not a zip, gzip or SQL text file")
	}
	d.Format = FormatPlain
	d.CompressedSize, d.UncompressedSize = d.Size, d.Size
	d.g = &guard{r: io.NewSectionReader(ra, 0, d.Size), progress: opts.Progress, max: opts.MaxUncompressed, ratio: -1, what: key}
	d.r = d.g
	return nil
}

// looksLikeText reports whether b can be the start of SQL text.
func looksLikeText(b []byte) bool {
	return bytes.IndexByte(b, 0) < 0
}

// safeEntryName reports whether a zip entry name stays inside the archive.
func safeEntryName(name string) bool {
	n := strings.ReplaceAll(name, "\\", "/")
	if strings.HasPrefix(n, "/") || len(n) >= 2 && n[1] == ':' {
		return false
	}
	for _, part := range strings.Split(n, "/") {
		if part == ".." {
			return false
		}
	}
	return true
}

func (d *Dump) openZip(ra io.ReaderAt, opts ReadOptions) error {
	key := d.Key
	zr, err := zip.NewReader(ra, d.Size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return liberator.Errorf(liberator.ErrInvalid, "open dump", key, "not a valid zip archive (truncated or corrupt?): %v", err)
	}
	var sqls []*zip.File
	for _, f := range zr.File {
		if !safeEntryName(f.Name) {
			return liberator.Errorf(liberator.ErrInvalid, "open dump", fmt.Sprintf("%s entry %q", key, f.Name), "entry name leaves the archive (\"..\" or absolute path)")
		}
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		if strings.HasSuffix(strings.ToLower(f.Name), ".sql") && !strings.HasPrefix(f.Name, "__MACOSX/") {
			sqls = append(sqls, f)
			continue
		}
		opts.Logger.Info("ignoring zip entry that is not a .sql file", "key", key, "entry", f.Name)
	}
	switch len(sqls) {
	case 0:
		return liberator.Errorf(liberator.ErrInvalid, "open dump", key, "zip archive has no .sql entry")
	case 1:
	default:
		names := make([]string, len(sqls))
		for i, f := range sqls {
			names[i] = f.Name
		}
		return liberator.Errorf(liberator.ErrInvalid, "open dump", key, "zip archive has %d .sql entries (%s); exactly one is expected", len(sqls), strings.Join(names, ", "))
	}
	f := sqls[0]
	what := fmt.Sprintf("%s entry %q", key, f.Name)
	if f.Flags&0x1 != 0 {
		return liberator.Errorf(liberator.ErrInvalid, "open dump", what, "entry is encrypted")
	}
	if f.Method != zip.Store && f.Method != zip.Deflate {
		return liberator.Errorf(liberator.ErrInvalid, "open dump", what, "compression method %d is not supported (store and deflate only)", f.Method)
	}
	if f.UncompressedSize64 > uint64(opts.MaxUncompressed) {
		return liberator.Errorf(liberator.ErrInvalid, "open dump", what, "declared size %d bytes passes the %d-byte cap", f.UncompressedSize64, opts.MaxUncompressed)
	}
	raw, err := f.OpenRaw()
	if err != nil {
		return liberator.Errorf(liberator.ErrInvalid, "open dump", what, "cannot read entry (truncated or corrupt archive?): %v", err)
	}
	d.Format = FormatZip
	d.Entry = f.Name
	d.CompressedSize = int64(f.CompressedSize64)
	d.UncompressedSize = int64(f.UncompressedSize64)
	cr := blobio.NewCountingReader(raw)
	var src io.Reader = cr
	if f.Method == zip.Deflate {
		// Large reads of the compressed data: few syscalls or range reads.
		fr := kflate.NewReader(bufio.NewReaderSize(cr, compressedReadSize))
		d.closers = append(d.closers, fr)
		src = fr
	}
	d.g = &guard{r: src, comp: cr, progress: opts.Progress, max: opts.MaxUncompressed, ratio: opts.MaxRatio, what: what,
		crc: crc32.NewIEEE(), wantCRC: f.CRC32, wantSize: int64(f.UncompressedSize64)}
	if f.Method == zip.Store {
		d.g.ratio = -1
	}
	d.r = d.g
	return nil
}

func (d *Dump) openGzip(ctx context.Context, bucket *blob.Bucket, ra io.ReaderAt, opts ReadOptions) error {
	var stream io.Reader
	if bucket == nil {
		stream = io.NewSectionReader(ra, 0, d.Size)
	} else {
		r, err := bucket.NewReader(ctx, d.Key, nil)
		if err != nil {
			return blobio.Error("open dump", d.Key, err)
		}
		d.closers = append(d.closers, r)
		stream = r
	}
	cr := blobio.NewCountingReader(stream)
	zr, err := kgzip.NewReader(bufio.NewReaderSize(cr, compressedReadSize))
	if err != nil {
		return liberator.Errorf(liberator.ErrInvalid, "open dump", d.Key, "not a valid gzip file: %v", err)
	}
	d.closers = append(d.closers, zr)
	d.Format = FormatGzip
	d.CompressedSize, d.UncompressedSize = d.Size, -1
	d.g = &guard{r: zr, comp: cr, progress: opts.Progress, max: opts.MaxUncompressed, ratio: opts.MaxRatio, what: d.Key}
	d.r = d.g
	return nil
}

// guard enforces the size and ratio caps on the decompressed stream and
// checks a zip entry's CRC and size at its end.
type guard struct {
	r        io.Reader
	comp     *blobio.CountingReader // compressed bytes consumed; nil for plain
	n        atomic.Int64
	max      int64
	ratio    float64
	what     string
	crc      hash.Hash32
	wantCRC  uint32
	wantSize int64
	progress func(int64)
	err      error
}

const ratioFloor = 1 << 20

// compressedReadSize is the read size on compressed data.
const compressedReadSize = 256 << 10

func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	total := g.n.Add(int64(n))
	if g.progress != nil && n > 0 {
		g.progress(total)
	}
	if g.crc != nil && n > 0 {
		g.crc.Write(p[:n])
	}
	if total > g.max {
		g.err = liberator.Errorf(liberator.ErrInvalid, "read dump", g.what, "uncompressed data passes the %d-byte cap (MaxUncompressed; zip bomb?)", g.max)
		return 0, g.err
	}
	if g.ratio > 0 && g.comp != nil && total > ratioFloor && float64(total) > g.ratio*float64(max(g.comp.N(), 1)) {
		g.err = liberator.Errorf(liberator.ErrInvalid, "read dump", g.what, "compression ratio passes %.0f:1 (%d bytes from %d; zip bomb?)", g.ratio, total, g.comp.N())
		return 0, g.err
	}
	switch {
	case err == io.EOF:
		if g.crc != nil {
			if total != g.wantSize {
				g.err = liberator.Errorf(liberator.ErrInvalid, "read dump", g.what, "entry has %d bytes, its header says %d (corrupt archive)", total, g.wantSize)
				return n, g.err
			}
			if g.crc.Sum32() != g.wantCRC {
				g.err = liberator.Errorf(liberator.ErrInvalid, "read dump", g.what, "entry checksum mismatch (corrupt archive)")
				return n, g.err
			}
		}
		g.err = io.EOF
	case err != nil:
		if g.comp != nil && g.comp.Err() != nil && !errors.Is(g.comp.Err(), io.ErrUnexpectedEOF) && !errors.Is(err, liberator.ErrInvalid) {
			g.err = liberator.NewError(liberator.ErrTransient, "read dump", g.what, err)
		} else if errors.Is(err, liberator.ErrInvalid) || errors.Is(err, liberator.ErrTransient) || errors.Is(err, liberator.ErrNotFound) {
			g.err = err
		} else {
			g.err = liberator.Errorf(liberator.ErrInvalid, "read dump", g.what, "truncated or corrupt data: %v", err)
		}
		return n, g.err
	}
	return n, err
}

func ioErr(op, key string, err error) error {
	if errors.Is(err, liberator.ErrNotFound) || errors.Is(err, liberator.ErrTransient) || errors.Is(err, liberator.ErrInvalid) {
		return err
	}
	return liberator.NewError(liberator.ErrTransient, op, key, err)
}

// Open opens the dump ref names: the one way every backend, the CLI, the
// ECS task and the Lambdas open a dump. ref.Bucket empty means ref.Key is a
// local file path; otherwise ref.Bucket is a bucket URL opened with
// blob.OpenBucket (fileblob and memblob are registered by this package; a
// program that reads s3:// imports gocloud.dev/blob/s3blob) unless
// opts.Buckets has it open already. See openDump for what is accepted.
//
// ctx governs the reads of the returned Dump for its whole life.
func Open(ctx context.Context, ref liberator.DumpRef, opts ReadOptions) (*Dump, error) {
	if ref.Key == "" {
		return nil, liberator.Errorf(liberator.ErrInvalid, "open dump", ref.Bucket, "empty dump key")
	}
	if ref.Bucket == "" {
		return openDump(ctx, nil, path.Clean(ref.Key), opts)
	}
	b, owned, err := openBucket(ctx, ref.Bucket, opts.Buckets)
	if err != nil {
		return nil, err
	}
	d, err := openDump(ctx, b, ref.Key, opts)
	if err != nil {
		if owned {
			b.Close()
		}
		return nil, err
	}
	if owned {
		d.closers = append([]io.Closer{b}, d.closers...)
	}
	return d, nil
}

func openBucket(ctx context.Context, url string, known map[string]*blob.Bucket) (*blob.Bucket, bool, error) {
	if b, ok := known[url]; ok && b != nil {
		return b, false, nil
	}
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, false, liberator.NewError(liberator.ErrInvalid, "open bucket", url, err)
	}
	return b, true, nil
}
