package mysqldump

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dataplatform/liberator-ingestion/internal/blobio"
	"github.com/dataplatform/liberator-ingestion/liberator"
	"gocloud.dev/blob"
	"gocloud.dev/blob/memblob"
)

const tinyDump = "-- MySQL dump 10.13  Distrib 8.4.0, for Linux (x86_64)\n" +
	"/*!40101 SET NAMES utf8mb4 */;\n" +
	"CREATE TABLE `t` (\n  `a` int NOT NULL,\n  `b` varchar(10) DEFAULT NULL\n);\n" +
	"INSERT INTO `t` VALUES (1,'x'),(2,NULL);\n" +
	"-- Dump completed on 2026-11-24  3:15:00\n"

type zipEntry struct {
	name   string
	body   []byte
	method uint16
	raw    bool   // write body as already-compressed data with CreateRaw
	crc    uint32 // for raw entries
	size   uint64 // for raw entries: declared uncompressed size
}

func makeZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if e.raw {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: e.method, CRC32: e.crc,
				CompressedSize64: uint64(len(e.body)), UncompressedSize64: e.size})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(e.body)
			continue
		}
		m := e.method
		if m == 0 {
			m = zip.Deflate
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// setEncrypted sets general-purpose flag bit 0 in every local and central
// header.
func setEncrypted(z []byte) []byte {
	z = bytes.Clone(z)
	for i := 0; i+8 < len(z); i++ {
		if bytes.HasPrefix(z[i:], []byte("PK\x03\x04")) {
			z[i+6] |= 1
		}
		if bytes.HasPrefix(z[i:], []byte("PK\x01\x02")) {
			z[i+8] |= 1
		}
	}
	return z
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// where a dump lives in a test: on disk or in a memblob bucket.
type where struct {
	name   string
	bucket func(t *testing.T) *blob.Bucket // nil: local file
}

var wheres = []where{
	{"file", nil},
	{"memblob", func(t *testing.T) *blob.Bucket {
		b := memblob.OpenBucket(nil)
		t.Cleanup(func() { b.Close() })
		return b
	}},
}

// put stores data under name and returns bucket (nil for a file) and key.
func put(t *testing.T, w where, name string, data []byte) (*blob.Bucket, string) {
	t.Helper()
	if w.bucket == nil {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return nil, p
	}
	b := w.bucket(t)
	key := "parking/" + name
	if err := b.WriteAll(context.Background(), key, data, nil); err != nil {
		t.Fatal(err)
	}
	return b, key
}

func TestOpenDumpFormats(t *testing.T) {
	big := bytes.Repeat([]byte("INSERT INTO `t` VALUES (1,'abcdefghij'),(2,'klmnopqrst');\n"), 20000) // ~1.2 MB, spans many range reads
	bigDump := []byte(tinyDump + string(big))
	tests := []struct {
		name   string
		file   string
		data   []byte
		want   []byte
		format Format
		entry  string
	}{
		{"zip", "liberator_dump_20261124.zip", makeZip(t, zipEntry{name: "liberator.sql", body: []byte(tinyDump)}), []byte(tinyDump), FormatZip, "liberator.sql"},
		{"zip with extra files", "d.zip", makeZip(t, zipEntry{name: "dir/"}, zipEntry{name: "README.txt", body: []byte("hi")}, zipEntry{name: "dir/dump.SQL", body: bigDump}), bigDump, FormatZip, "dir/dump.SQL"},
		{"zip stored", "d.zip", makeZip(t, zipEntry{name: "x.sql", body: bigDump, method: zip.Store}), bigDump, FormatZip, "x.sql"},
		{"gzip", "d.sql.gz", gz(t, bigDump), bigDump, FormatGzip, ""},
		{"plain", "d.sql", []byte(tinyDump), []byte(tinyDump), FormatPlain, ""},
		{"zip content, odd name", "dump.bin", makeZip(t, zipEntry{name: "x.sql", body: []byte(tinyDump)}), []byte(tinyDump), FormatZip, "x.sql"},
	}
	for _, w := range wheres {
		for _, tc := range tests {
			for _, ahead := range []int{0, 2} {
				t.Run(fmt.Sprintf("%s/%s/readahead=%d", w.name, tc.name, ahead), func(t *testing.T) {
					b, key := put(t, w, tc.file, tc.data)
					d, err := openDump(context.Background(), b, key, ReadOptions{ReadAhead: ahead})
					if err != nil {
						t.Fatal(err)
					}
					defer d.Close()
					got, err := io.ReadAll(d)
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(got, tc.want) {
						t.Errorf("read %d bytes, want %d", len(got), len(tc.want))
					}
					if d.Format != tc.format || d.Entry != tc.entry || d.Size != int64(len(tc.data)) || d.BytesRead() != int64(len(tc.want)) {
						t.Errorf("dump = %+v", d)
					}
				})
			}
		}
	}
}

func TestOpenDumpRefusals(t *testing.T) {
	zeros := make([]byte, 8<<20)
	valid := makeZip(t, zipEntry{name: "x.sql", body: []byte(tinyDump)})
	tests := []struct {
		name string
		file string
		data []byte
		opts ReadOptions
		kind *liberator.Kind
		want []string // substrings of the error (from OpenDump or from reading)
	}{
		{"several sql", "d.zip", makeZip(t, zipEntry{name: "a.sql", body: []byte(tinyDump)}, zipEntry{name: "b.sql", body: []byte(tinyDump)}), ReadOptions{}, liberator.ErrInvalid, []string{"2 .sql entries", "a.sql, b.sql"}},
		{"no sql", "d.zip", makeZip(t, zipEntry{name: "a.txt", body: []byte("x")}), ReadOptions{}, liberator.ErrInvalid, []string{"no .sql entry"}},
		{"encrypted", "d.zip", setEncrypted(valid), ReadOptions{}, liberator.ErrInvalid, []string{`"x.sql"`, "encrypted"}},
		{"dotdot", "d.zip", makeZip(t, zipEntry{name: "../x.sql", body: []byte(tinyDump)}), ReadOptions{}, liberator.ErrInvalid, []string{`"../x.sql"`, "leaves the archive"}},
		{"absolute", "d.zip", makeZip(t, zipEntry{name: "/abs.sql", body: []byte(tinyDump)}), ReadOptions{}, liberator.ErrInvalid, []string{`"/abs.sql"`, "leaves the archive"}},
		{"bomb cap", "d.zip", makeZip(t, zipEntry{name: "bomb.sql", body: zeros}), ReadOptions{MaxUncompressed: 1 << 20, MaxRatio: -1}, liberator.ErrInvalid, []string{`"bomb.sql"`, "cap"}},
		{"bomb ratio", "d.zip", makeZip(t, zipEntry{name: "bomb.sql", body: zeros}), ReadOptions{MaxRatio: 50}, liberator.ErrInvalid, []string{`"bomb.sql"`, "ratio passes 50:1"}},
		{"gzip bomb", "d.sql.gz", gz(t, zeros), ReadOptions{MaxUncompressed: 1 << 20}, liberator.ErrInvalid, []string{"d.sql.gz", "cap"}},
		{"plain cap", "d.sql", []byte(tinyDump), ReadOptions{MaxUncompressed: 10}, liberator.ErrInvalid, []string{"cap"}},
		{"object size cap", "d.sql", []byte(tinyDump), ReadOptions{MaxSize: 10}, liberator.ErrInvalid, []string{"size", "cap"}},
		{"truncated zip", "d.zip", valid[:len(valid)/2], ReadOptions{}, liberator.ErrInvalid, []string{"not a valid zip", "truncated"}},
		{"truncated gzip", "d.sql.gz", gz(t, []byte(tinyDump))[:40], ReadOptions{}, liberator.ErrInvalid, []string{"truncated or corrupt"}},
		{"zip name, not zip", "d.zip", []byte(tinyDump), ReadOptions{}, liberator.ErrInvalid, []string{"not a zip"}},
		{"gz name, not gzip", "d.sql.gz", []byte(tinyDump), ReadOptions{}, liberator.ErrInvalid, []string{"not a gzip"}},
		{"binary", "d.sql", []byte("\x00\x01\x02\x03garbage"), ReadOptions{}, liberator.ErrInvalid, []string{"not a zip, gzip or SQL"}},
		{"bzip2", "d.sql.bz2", []byte("BZh91AY&SY"), ReadOptions{}, liberator.ErrInvalid, []string{"bzip2"}},
		{"method", "d.zip", makeZip(t, zipEntry{name: "x.sql", body: []byte("junk"), method: 12, raw: true, size: 4}), ReadOptions{}, liberator.ErrInvalid, []string{`"x.sql"`, "method 12"}},
		{"bad crc", "d.zip", makeZip(t, zipEntry{name: "x.sql", body: []byte(tinyDump), method: zip.Store, raw: true, crc: crc32.ChecksumIEEE([]byte(tinyDump)) + 1, size: uint64(len(tinyDump))}), ReadOptions{}, liberator.ErrInvalid, []string{`"x.sql"`, "checksum"}},
		{"lying size", "d.zip", makeZip(t, zipEntry{name: "x.sql", body: []byte(tinyDump), method: zip.Store, raw: true, crc: crc32.ChecksumIEEE([]byte(tinyDump)), size: 5}), ReadOptions{}, liberator.ErrInvalid, []string{`"x.sql"`, "header says 5"}},
	}
	for _, w := range wheres {
		for _, tc := range tests {
			for _, ahead := range []int{0, 1} {
				t.Run(fmt.Sprintf("%s/%s/readahead=%d", w.name, tc.name, ahead), func(t *testing.T) {
					b, key := put(t, w, tc.file, tc.data)
					opts := tc.opts
					opts.ReadAhead = ahead
					d, err := openDump(context.Background(), b, key, opts)
					if err == nil {
						_, err = io.Copy(io.Discard, d)
						d.Close()
					}
					if err == nil {
						t.Fatal("no error")
					}
					if !errors.Is(err, tc.kind) {
						t.Errorf("error %v is not %v", err, tc.kind)
					}
					for _, s := range tc.want {
						if !strings.Contains(err.Error(), s) {
							t.Errorf("error %q does not contain %q", err, s)
						}
					}
				})
			}
		}
	}
}

func TestOpenDumpNotFound(t *testing.T) {
	for _, w := range wheres {
		var b *blob.Bucket
		key := filepath.Join(t.TempDir(), "missing.zip")
		if w.bucket != nil {
			b, key = w.bucket(t), "missing.zip"
		}
		_, err := openDump(context.Background(), b, key, ReadOptions{})
		if !errors.Is(err, liberator.ErrNotFound) {
			t.Errorf("%s: %v, want NotFound", w.name, err)
		}
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	data := makeZip(t, zipEntry{name: "x.sql", body: []byte(tinyDump)})
	os.MkdirAll(filepath.Join(dir, "parking"), 0o755)
	if err := os.WriteFile(filepath.Join(dir, "parking", "d.zip"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	mem := memblob.OpenBucket(nil)
	defer mem.Close()
	mem.WriteAll(ctx, "k/d.zip", data, nil)
	sources := []liberator.DumpRef{
		{Key: filepath.Join(dir, "parking", "d.zip")},
		{Bucket: "file://" + filepath.ToSlash(dir), Key: "parking/d.zip"},
		{Bucket: "mem://dumps", Key: "k/d.zip"},
	}
	for _, src := range sources {
		var progress int64
		d, err := Open(ctx, src, ReadOptions{Buckets: map[string]*blob.Bucket{"mem://dumps": mem}, Progress: func(n int64) { progress = n }})
		if err != nil {
			t.Errorf("%v: %v", src, err)
			continue
		}
		got, err := io.ReadAll(d)
		d.Close()
		if err != nil || string(got) != tinyDump {
			t.Errorf("%v: read %q, %v", src, got, err)
		}
		if progress != int64(len(tinyDump)) {
			t.Errorf("%v: Progress reported %d bytes, want %d", src, progress, len(tinyDump))
		}
	}
	if _, err := Open(ctx, liberator.DumpRef{Bucket: "nope://x", Key: "y"}, ReadOptions{}); !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("unknown scheme: %v, want Invalid", err)
	}
}

func TestBlobZipUsesFewRangeReads(t *testing.T) {
	ctx := context.Background()
	body := bytes.Repeat([]byte("INSERT INTO `t` VALUES (1,'abcdefghij'),(2,'klmnopqrst');\n"), 50000) // 3 MB
	data := makeZip(t, zipEntry{name: "x.sql", body: body})
	b := memblob.OpenBucket(nil)
	defer b.Close()
	b.WriteAll(ctx, "d.zip", data, nil)
	d, err := openDump(ctx, b, "d.zip", ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n, err := io.Copy(io.Discard, d)
	if err != nil || n != int64(len(body)) {
		t.Fatalf("read %d, %v", n, err)
	}
	var ra *blobio.ReaderAt
	for _, c := range d.closers {
		if x, ok := c.(*blobio.ReaderAt); ok {
			ra = x
		}
	}
	if ra == nil {
		t.Fatal("no blobio.ReaderAt")
	}
	// Central directory lookups plus one stream for the entry data.
	if ra.Opens() > 6 {
		t.Errorf("%d range readers opened to read one entry, want a handful", ra.Opens())
	}
}

// TestScanThroughDump scans dumps read by OpenDump: errors of the
// container (bomb, truncation) reach the caller of Scan with their kind.
func TestScanThroughDump(t *testing.T) {
	ctx := context.Background()
	bomb := []byte(tinyDump + "INSERT INTO `t` VALUES (1,'" + strings.Repeat("a", 4<<20) + "');\n")
	good := []byte(tinyDump)
	tests := []struct {
		name string
		file string
		data []byte
		opts ReadOptions
		want string // "" for success
	}{
		{"zip ok", "d.zip", makeZip(t, zipEntry{name: "x.sql", body: good}), ReadOptions{}, ""},
		{"zip bomb", "d.zip", makeZip(t, zipEntry{name: "x.sql", body: bomb}), ReadOptions{MaxRatio: 100}, `"x.sql": compression ratio passes 100:1`},
		{"gzip cut mid-insert", "d.sql.gz", gz(t, bomb)[:3000], ReadOptions{}, "truncated or corrupt"},
	}
	for _, w := range wheres {
		for _, tc := range tests {
			t.Run(w.name+"/"+tc.name, func(t *testing.T) {
				b, key := put(t, w, tc.file, tc.data)
				d, err := openDump(ctx, b, key, tc.opts)
				if err != nil {
					t.Fatal(err)
				}
				defer d.Close()
				st, err := Scan(ctx, d, &countingHandler{}, ScanOptions{})
				if tc.want == "" {
					if err != nil || st.Rows != 2 {
						t.Errorf("Scan = %+v, %v", st, err)
					}
					return
				}
				if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("Scan error %v, want Invalid containing %q", err, tc.want)
				}
			})
		}
	}
}

func TestReadAheadCloseEarly(t *testing.T) {
	body := bytes.Repeat([]byte("INSERT INTO `t` VALUES (1,'abcdefghij');\n"), 200000) // 8 MB
	for _, w := range wheres {
		b, key := put(t, w, "d.zip", makeZip(t, zipEntry{name: "x.sql", body: body}))
		d, err := openDump(context.Background(), b, key, ReadOptions{ReadAhead: 2})
		if err != nil {
			t.Fatal(err)
		}
		p := make([]byte, 10)
		if _, err := io.ReadFull(d, p); err != nil || string(p) != "INSERT INT" {
			t.Errorf("%s: read %q, %v", w.name, p, err)
		}
		if err := d.Close(); err != nil {
			t.Errorf("%s: close: %v", w.name, err)
		}
		if _, err := d.Read(p); err == nil {
			t.Errorf("%s: read after close succeeded", w.name)
		}
	}
}
