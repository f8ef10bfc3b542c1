package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump/dumpgen"
)

// sampleSQL is a small valid dump.
func sampleSQL(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := dumpgen.Write(&b, dumpgen.Options{Seed: 9, Rows: 30}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type entry struct {
	name  string
	body  []byte
	flags uint16
}

// zipOf returns a zip archive of the entries (deflated).
func zipOf(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate, Flags: e.flags})
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
	return b.Bytes()
}

const sqlHeader = "-- MySQL dump 10.13  Distrib 8.4.3, for Linux (x86_64)\n--\n-- Host: x    Database: liberator\n\n" +
	"/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n/*!50503 SET NAMES utf8mb4 */;\n\n"

// encryptedZip returns a zip whose only entry has the "encrypted" flag set,
// in both the local header and the central directory.
func encryptedZip(t *testing.T, body []byte) []byte {
	t.Helper()
	z := zipOf(t, entry{name: "liberator_dump_20261124.sql", body: body})
	// general purpose flag: offset 6 in the local header, 8 in the central
	// directory entry.
	z[6] |= 1
	cd := bytes.LastIndex(z, []byte("PK\x01\x02"))
	z[cd+8] |= 1
	return z
}

// bomb returns a zip of one entry of n zero bytes after a dump header
// (ratio about 1000:1).
func bomb(t *testing.T, n int) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestCompression)
	})
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "liberator_dump_20261124.sql", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(sqlHeader))
	zero := make([]byte, 1<<20)
	for i := 0; i < n>>20; i++ {
		w.Write(zero)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

var (
	goodLakeOnce sync.Once
	goodLake     string
	goodLakeErr  string
)

// earlierLake returns a lake directory holding a landed and copied
// partition of 2026-11-23 (made once, copied per test).
func earlierLake(t *testing.T) string {
	t.Helper()
	goodLakeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "liberator-cli-lake-")
		if err != nil {
			goodLakeErr = err.Error()
			return
		}
		dump := filepath.Join(dir, "liberator_dump_20261123.zip")
		if _, err := dumpgen.WriteZip(dump, dumpgen.Options{Seed: 3, Rows: 20}); err != nil {
			goodLakeErr = err.Error()
			return
		}
		var o, e bytes.Buffer
		if code := run([]string{"run", "--dump", dump, "--lake", filepath.Join(dir, "lake"), "--quiet"}, &o, &e); code != 0 {
			goodLakeErr = e.String()
			return
		}
		goodLake = filepath.Join(dir, "lake")
	})
	if goodLakeErr != "" {
		t.Fatalf("landing the earlier partition: %s", goodLakeErr)
	}
	dst := filepath.Join(t.TempDir(), "lake")
	if err := os.CopyFS(dst, os.DirFS(goodLake)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestMain(m *testing.M) {
	code := m.Run()
	if goodLake != "" {
		os.RemoveAll(filepath.Dir(goodLake))
	}
	os.Exit(code)
}

// TestBadInputLandsNothing runs each bad dump through the CLI on a lake
// that already holds an earlier date's partition: the run fails with a
// one-line reason naming the entry or the table and line, nothing is
// landed or copied for the dump's date, and the earlier partition is
// byte-for-byte untouched.
func TestBadInputLandsNothing(t *testing.T) {
	good := sampleSQL(t)
	at := bytes.Index(good, []byte("INSERT INTO `liberator_pcn_payments`"))
	cut := good[:at+3000]
	cutLine := fmt.Sprintf("line %d", bytes.Count(good[:at], []byte("\n"))+1)
	tests := []struct {
		name  string
		file  string // base name of the dump
		data  func(t *testing.T) []byte
		extra []string
		want  []string // substrings of the error line
	}{
		{"several sql entries", "liberator_dump_20261124.zip", func(t *testing.T) []byte {
			return zipOf(t, entry{name: "a.sql", body: good}, entry{name: "b.sql", body: good})
		}, nil, []string{"2 .sql entries", "a.sql", "b.sql"}},
		{"encrypted entry", "liberator_dump_20261124.zip", func(t *testing.T) []byte {
			return encryptedZip(t, good)
		}, nil, []string{"encrypted", `liberator_dump_20261124.sql`}},
		{"entry with ..", "liberator_dump_20261124.zip", func(t *testing.T) []byte {
			return zipOf(t, entry{name: "../x.sql", body: good})
		}, nil, []string{`"../x.sql"`, "leaves the archive"}},
		{"absolute entry", "liberator_dump_20261124.zip", func(t *testing.T) []byte {
			return zipOf(t, entry{name: "/abs.sql", body: good})
		}, nil, []string{`"/abs.sql"`, "leaves the archive"}},
		{"zip bomb (ratio)", "liberator_dump_20261124.zip", func(t *testing.T) []byte {
			return bomb(t, 24<<20)
		}, nil, []string{"liberator_dump_20261124.sql", "ratio"}},
		{"SQL larger than the cap", "liberator_dump_20261124.zip", func(t *testing.T) []byte {
			return zipOf(t, entry{name: "liberator_dump_20261124.sql", body: good})
		}, []string{"--max-sql", "64KB"}, []string{"liberator_dump_20261124.sql", "cap"}},
		{"truncated zip", "liberator_dump_20261124.zip", func(t *testing.T) []byte {
			z := zipOf(t, entry{name: "liberator_dump_20261124.sql", body: good})
			return z[:len(z)/2]
		}, nil, []string{"liberator_dump_20261124.zip", "zip"}},
		{"dump cut off mid-INSERT", "liberator_dump_20261124.zip", func(t *testing.T) []byte {
			return zipOf(t, entry{name: "liberator_dump_20261124.sql", body: cut})
		}, nil, []string{"liberator_pcn_payments", cutLine, "cut off"}},
		{"not a dump", "liberator_dump_20261124.zip", func(t *testing.T) []byte {
			return zipOf(t, entry{name: "liberator_dump_20261124.sql", body: []byte("vrm,amount\nAB12 CDE,65.00\nXY34 ZZZ,130.00\n")})
		}, nil, []string{"liberator_dump_20261124"}},
		{"not a dump (binary)", "liberator_dump_20261124.sql", func(t *testing.T) []byte {
			return []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
		}, nil, []string{"liberator_dump_20261124.sql"}},
		{"INSERT into a table never created", "liberator_dump_20261124.sql", func(t *testing.T) []byte {
			return []byte(sqlHeader + "LOCK TABLES `ghost` WRITE;\nINSERT INTO `ghost` VALUES (1,'a'),(2,'b');\nUNLOCK TABLES;\n")
		}, nil, []string{"ghost", "line 9", "never created"}},
		{"row with the wrong number of values", "liberator_dump_20261124.sql", func(t *testing.T) []byte {
			return []byte(sqlHeader + "CREATE TABLE `PCN_IC` (\n  `id` int NOT NULL,\n  `vrm` varchar(10) DEFAULT NULL\n) ENGINE=InnoDB;\n" +
				"INSERT INTO `PCN_IC` VALUES (1,'AB12 CDE'),\n(2);\n")
		}, nil, []string{"PCN_IC", "line 13", "1 values"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lake := earlierLake(t)
			before := tree(t, lake)
			dump := filepath.Join(t.TempDir(), tc.file)
			if err := os.WriteFile(dump, tc.data(t), 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"run", "--dump", dump, "--lake", lake, "--quiet"}, tc.extra...)
			code, out, errOut := cli(t, args...)
			if code == 0 {
				t.Fatalf("exit 0 for a bad dump; stdout:\n%s", out)
			}
			if strings.Count(strings.TrimRight(errOut, "\n"), "\n") != 0 {
				t.Errorf("stderr is not one line:\n%s", errOut)
			}
			line := oneLine(t, errOut)
			for _, w := range tc.want {
				if !strings.Contains(line, w) {
					t.Errorf("error %q does not mention %q", line, w)
				}
			}
			after := tree(t, lake)
			// The export zone may record the failed export; the landing
			// and raw zones must be exactly as before.
			zones := func(m map[string]string) map[string]string {
				out := map[string]string{}
				for k, v := range m {
					if strings.HasPrefix(k, "landing/") || strings.HasPrefix(k, "raw/") {
						out[k] = v
					}
				}
				return out
			}
			if diff := cmp.Diff(zones(before), zones(after)); diff != "" {
				t.Errorf("landing/raw changed by a failed run (-before +after):\n%s", diff)
			}
			for k := range after {
				if strings.Contains(k, "import_date=20261124") {
					t.Errorf("landed %s for the bad dump's date", k)
				}
			}
		})
	}
}
