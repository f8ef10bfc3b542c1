package embeddedsnap

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"testing"
)

// Test dumps, copied from package mysqldump's tests.

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
