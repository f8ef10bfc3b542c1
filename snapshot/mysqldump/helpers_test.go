package mysqldump

import (
	"bytes"
	"context"
	"fmt"
	"strings"
)

// recorder is a Handler that keeps what it is given, rendered as text.
type recorder struct {
	tables  []*Table
	rows    []string // "table@line: v|v|v"
	skipped []Skipped
	failRow int // if > 0, Row fails on this row number (1-based)
	nrows   int
}

func (r *recorder) CreateTable(t *Table) error {
	r.tables = append(r.tables, t)
	return nil
}

func (r *recorder) Row(t *Table, vals []Value, line int) error {
	r.nrows++
	if r.failRow > 0 && r.nrows == r.failRow {
		return fmt.Errorf("injected row failure")
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = renderValue(v)
	}
	r.rows = append(r.rows, fmt.Sprintf("%s@%d: %s", t.Name, line, strings.Join(parts, "|")))
	return nil
}

func (r *recorder) Skip(s Skipped) { r.skipped = append(r.skipped, s) }

func renderValue(v Value) string {
	switch v.Kind {
	case Missing:
		return "MISSING"
	case Null:
		return "NULL"
	case Number:
		return "n:" + string(v.Bytes)
	case String:
		return fmt.Sprintf("s:%q", v.Bytes)
	case Hex:
		return fmt.Sprintf("x:%x", v.Bytes)
	case Bit:
		return fmt.Sprintf("b:%x", v.Bytes)
	}
	return "?"
}

// countingHandler counts rows and bytes without keeping them.
type countingHandler struct {
	rows, bytes int64
}

func (c *countingHandler) CreateTable(*Table) error { return nil }
func (c *countingHandler) Row(_ *Table, vals []Value, _ int) error {
	c.rows++
	for _, v := range vals {
		c.bytes += int64(len(v.Bytes))
	}
	return nil
}
func (c *countingHandler) Skip(Skipped) {}

// valuesRecorder keeps each row's rendered values and line, and the last
// table created.
type valuesRecorder struct {
	rows  [][]string
	lines []int
	table *Table
}

func (r *valuesRecorder) CreateTable(t *Table) error { r.table = t; return nil }
func (r *valuesRecorder) Row(_ *Table, vals []Value, line int) error {
	row := make([]string, len(vals))
	for i, v := range vals {
		row[i] = renderValue(v)
	}
	r.rows = append(r.rows, row)
	r.lines = append(r.lines, line)
	return nil
}
func (r *valuesRecorder) Skip(Skipped) {}

func scanBytesWith(data []byte, h Handler) (ScanStats, error) {
	return Scan(context.Background(), bytes.NewReader(data), h, ScanOptions{BufferSize: 7})
}
