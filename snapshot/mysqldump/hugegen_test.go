package mysqldump

import (
	"bytes"
	"io"
)

// repeatReader streams parts in order; a part with n > 0 repeats its bytes
// until n bytes are produced. Reads return at most chunk bytes, as a
// decompressor does, so a scanner that rescans on each read shows it.
type repeatReader struct {
	parts []repeatPart
	chunk int
	cur   int
	done  int
}

type repeatPart struct {
	b     []byte
	n     int    // 0: b once
	block []byte // b repeated, for n > 0
}

func (r *repeatReader) Read(p []byte) (int, error) {
	for r.cur < len(r.parts) {
		pt := &r.parts[r.cur]
		total := pt.n
		if total == 0 {
			total = len(pt.b)
		}
		if r.done >= total {
			r.cur++
			r.done = 0
			continue
		}
		if r.chunk > 0 && len(p) > r.chunk {
			p = p[:r.chunk]
		}
		if pt.n > 0 && len(pt.block) == 0 {
			// the pattern repeated to 64 KiB or more, copied from at once
			for len(pt.block) < 64<<10 {
				pt.block = append(pt.block, pt.b...)
			}
		}
		src := pt.b
		if pt.n > 0 {
			src = pt.block
		}
		n := 0
		for n < len(p) && r.done < total {
			off := r.done % len(pt.b)
			if pt.n == 0 {
				off = r.done
			}
			k := copy(p[n:min(len(p), n+total-r.done)], src[off:])
			n += k
			r.done += k
		}
		return n, nil
	}
	return 0, io.EOF
}

// size returns the number of bytes the reader produces in all.
func (r *repeatReader) size() int64 {
	var s int64
	for _, p := range r.parts {
		if p.n > 0 {
			s += int64(p.n)
		} else {
			s += int64(len(p.b))
		}
	}
	return s
}

// hugeValueDump returns a streamed dump of about valueBytes/0.9 bytes: a
// table whose one row holds a LONGTEXT value of valueBytes bytes of SQL
// text (lorem ipsum with an escaped newline every line, as mysqldump writes
// text), followed by ordinary rows making up the other 10%.
func hugeValueDump(valueBytes, chunk int) *repeatReader {
	head := []byte("-- MySQL dump 10.13  Distrib 8.4.0, for Linux (x86_64)\n/*!50503 SET NAMES utf8mb4 */;\n" +
		"CREATE TABLE `doc` (\n  `id` int NOT NULL,\n  `body` longtext,\n  `n` int DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n" +
		"INSERT INTO `doc` VALUES (1,'")
	line := []byte("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\\n")
	var rows bytes.Buffer
	rows.WriteString("',1);\nINSERT INTO `doc` VALUES ")
	for i := 2; rows.Len() < valueBytes/9; i++ {
		if i > 2 {
			rows.WriteByte(',')
		}
		rows.WriteString("(")
		rows.WriteString(itoa(i))
		rows.WriteString(",'a short line of text, as most rows hold',")
		rows.WriteString(itoa(i * 7))
		rows.WriteString(")")
	}
	rows.WriteString(";\n-- Dump completed on 2026-11-24  3:20:00\n")
	return &repeatReader{chunk: chunk, parts: []repeatPart{{b: head}, {b: line, n: valueBytes}, {b: rows.Bytes()}}}
}

// hugeCommentDump streams a dump whose first statement follows a /* */
// comment of commentBytes bytes.
func hugeCommentDump(commentBytes, chunk int) *repeatReader {
	return &repeatReader{chunk: chunk, parts: []repeatPart{
		{b: []byte("-- MySQL dump 10.13  Distrib 8.4.0, for Linux (x86_64)\n/* ")},
		{b: []byte("a comment that goes on and on * / ** and on\n"), n: commentBytes},
		{b: []byte(" */\nCREATE TABLE `t` (`a` int);\nINSERT INTO `t` VALUES (1),(2);\n-- Dump completed on 2026-11-24  3:20:00\n")},
	}}
}

func itoa(i int) string {
	var b [20]byte
	p := len(b)
	for {
		p--
		b[p] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[p:])
		}
	}
}
