package export

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parquet-go/parquet-go"
	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// TableProgress reports a table's conversion so far.
type TableProgress struct {
	ExportID string
	// Table is "db.table".
	Table string
	Rows  int64
	// Bytes of Parquet written (finished parts and the open one).
	Bytes int64
	// SQLBytes is how much of the dump has been read so far (all tables),
	// for overall progress against the dump's size; 0 when the rows come
	// from a database.
	SQLBytes int64
	Elapsed  time.Duration
	// Done is true on the table's last report.
	Done bool
}

// batch is a run of rows of one table, decoded column by column: cols[i]
// holds column i's value of each row (so the writer hands each column to
// its parquet column writer whole, see TableWriter.WriteColumns), with
// the bytes they point to owned by the batch (the scanner reuses its
// buffers).
type batch struct {
	ts    *tableState
	end   bool // marks the table's end instead of carrying rows
	drop  bool // marks the table dropped: its parts are deleted
	sync  bool // its row refers to the source's buffers: signal synced once written
	cols  [][]parquet.Value
	n     int // rows
	arena []byte
	first int // line of the first row
	last  int // line of the last row
}

func (b *batch) reset() {
	b.ts, b.end, b.drop, b.sync = nil, false, false, false
	for i := range b.cols {
		clear(b.cols[i]) // drop pointers into old arenas
		b.cols[i] = b.cols[i][:0]
	}
	b.n, b.arena = 0, b.arena[:0]
}

// begin readies an empty batch for ts's rows, the first at line.
func (b *batch) begin(ts *tableState, line, rows int) {
	b.ts, b.first = ts, line
	ncol := len(ts.plans)
	if cap(b.cols) < ncol {
		b.cols = append(b.cols[:cap(b.cols)], make([][]parquet.Value, ncol-cap(b.cols))...)
	}
	b.cols = b.cols[:ncol]
	for i := range b.cols {
		if cap(b.cols[i]) < rows {
			b.cols[i] = make([]parquet.Value, 0, rows)
		}
	}
}

type tableState struct {
	name   string // "db.table"
	table  *mysqldump.Table
	cols   []mysqldump.Column
	schema *parquet.Schema
	plans  []ColumnPlan
	skip   bool
	// dropped: the dump dropped the table (mysqldump.TableDropper).
	dropped bool
	start   time.Time
	end     time.Time
	// scanner side
	rows    int64
	zero    []int64
	missing []int64
	// lane is the writer goroutine that writes the table (see lanes).
	lane int
	// writer side
	tw       *TableWriter
	parts    []PartInfo
	lastCall int64 // rows at the last progress call
}

// converter is the mysqldump.Handler of an export: the row source's
// goroutine decodes rows into batches; a writer goroutine encodes them.
type converter struct {
	ctx      context.Context
	bucket   *blob.Bucket
	opts     *Options
	root     string
	id       string
	uuid     string
	filter   map[string]bool
	found    map[string]bool
	tables   []*tableState
	byTable  map[*mysqldump.Table]*tableState
	byName   map[string]*tableState
	last     *tableState
	skipped  []mysqldump.Skipped
	cur      *batch
	out      [lanes]chan *batch
	free     chan *batch
	progMu   sync.Mutex     // Options.Progress is called from one lane at a time
	laneOf   map[string]int // lane of each table name (lower case)
	werr     atomic.Pointer[error]
	synced   chan struct{} // the writer has written a sync batch
	maxArena int
	sqlBytes atomic.Int64 // dump bytes read so far (RowsRequest.Progress)
}

// poolBatches is the number of batches in flight between the scanner and
// the writer goroutines (memory: about 1-2 MB each).
const poolBatches = 5

// lanes is the number of writer goroutines. Tables take them in turn, each
// table's batches going to one lane in order, so that a table's end (its
// last pages, its part's upload completing) is written while the next
// table's rows are encoded: two tables in flight, at the memory cost of
// one more open part.
const lanes = 2

func newConverter(ctx context.Context, bucket *blob.Bucket, opts *Options, root, id string, tables []string) *converter {
	c := &converter{
		ctx: ctx, bucket: bucket, opts: opts, root: root, id: id, uuid: opts.NewUUID(),
		byTable: map[*mysqldump.Table]*tableState{}, byName: map[string]*tableState{}, laneOf: map[string]int{},
		free: make(chan *batch, poolBatches), synced: make(chan struct{}, 1),
		maxArena: 4 << 20,
	}
	if len(tables) > 0 {
		c.filter, c.found = map[string]bool{}, map[string]bool{}
		for _, t := range tables {
			c.filter[strings.ToLower(t)] = true
		}
	}
	for i := range c.out {
		c.out[i] = make(chan *batch, poolBatches)
	}
	for i := 0; i < poolBatches-1; i++ {
		c.free <- &batch{}
	}
	c.cur = &batch{}
	return c
}

// sqlRead is the RowsRequest.Progress of the export.
func (c *converter) sqlRead(n int64) { c.sqlBytes.Store(n) }

func (c *converter) writerErr() error {
	if p := c.werr.Load(); p != nil {
		return *p
	}
	return nil
}

// CreateTable implements mysqldump.Handler.
func (c *converter) CreateTable(t *mysqldump.Table) error {
	db := c.opts.Database
	name := db + "." + t.Name
	if _, dup := c.byName[name]; dup {
		return liberator.Errorf(liberator.ErrInvalid, "export", where(name, t.Line), "table created twice")
	}
	ts := &tableState{name: name, table: t, cols: append([]mysqldump.Column(nil), t.Columns...), start: c.opts.Clock.Now().UTC()}
	// A table of a name seen before (dropped, created again) writes where
	// the first did: it takes the same lane, so the drop's deletes come
	// before its parts.
	if lane, ok := c.laneOf[strings.ToLower(name)]; ok {
		ts.lane = lane
	} else {
		ts.lane = len(c.laneOf) % lanes
		c.laneOf[strings.ToLower(name)] = ts.lane
	}
	lname, lbare := strings.ToLower(name), strings.ToLower(t.Name)
	if c.filter != nil && !c.filter[lname] && !c.filter[lbare] {
		ts.skip = true
	} else {
		if c.filter != nil {
			c.found[lname], c.found[lbare] = true, true
		}
		schema, plans, err := SchemaFor(t, c.opts.Schema)
		if err != nil {
			return fmt.Errorf("%s: %w", where(name, t.Line), err)
		}
		ts.schema, ts.plans = schema, plans
		ts.zero, ts.missing = make([]int64, len(plans)), make([]int64, len(plans))
	}
	c.tables = append(c.tables, ts)
	c.byTable[t] = ts
	c.byName[name] = ts
	return nil
}

// where names a table, and the line when there is one (rows read from a
// database have none).
func where(table string, line int) string {
	if line <= 0 {
		return "table " + table
	}
	return fmt.Sprintf("table %s line %d", table, line)
}

// DropTable implements mysqldump.TableDropper: a table the dump drops
// after creating it (a phpMyAdmin view stand-in, say) is not exported; the
// writer deletes any part it wrote.
func (c *converter) DropTable(t *mysqldump.Table) error {
	ts := c.byTable[t]
	if ts == nil || ts.dropped {
		return nil
	}
	ts.dropped = true
	delete(c.byTable, t)
	if c.byName[ts.name] == ts {
		delete(c.byName, ts.name)
	}
	if c.last == ts {
		c.last = nil
	}
	if ts.skip {
		return nil
	}
	if c.cur.ts == ts { // its pending rows go
		c.cur.reset()
	}
	if c.cur.n > 0 {
		if err := c.send(); err != nil {
			return err
		}
	}
	c.cur.ts, c.cur.drop = ts, true
	return c.send()
}

// Skip implements mysqldump.Handler.
func (c *converter) Skip(s mysqldump.Skipped) { c.skipped = append(c.skipped, s) }

func (c *converter) state(t *mysqldump.Table) *tableState {
	if c.last != nil && c.last.table == t {
		return c.last
	}
	ts := c.byTable[t]
	if ts == nil && t != nil {
		ts = c.byName[c.opts.Database+"."+t.Name]
	}
	return ts
}

// Row implements mysqldump.Handler: it decodes the row into the current
// batch (copying every byte it keeps).
func (c *converter) Row(t *mysqldump.Table, vals []mysqldump.Value, line int) error {
	ts := c.state(t)
	if ts == nil {
		name := "?"
		if t != nil {
			name = t.Name
		}
		return liberator.Errorf(liberator.ErrInvalid, "export", where(name, line), "rows for a table the dump did not create")
	}
	if ts.skip {
		return nil
	}
	if ts != c.last {
		if c.last != nil {
			if err := c.endTable(c.last); err != nil {
				return err
			}
		}
		c.last = ts
	}
	if len(vals) != len(ts.plans) {
		return liberator.Errorf(liberator.ErrInvalid, "export", where(ts.name, line), "row has %d values, table has %d columns", len(vals), len(ts.plans))
	}
	// A row larger than a batch's arena is not copied: it is written from
	// the source's buffers, alone, and Row waits for the writer to be done
	// with it (the source reuses its buffers once Row returns).
	huge := rowBytes(vals) > c.maxArena
	if huge && c.cur.n > 0 {
		if err := c.send(); err != nil {
			return err
		}
	}
	b := c.cur
	if b.ts == nil {
		b.begin(ts, line, c.opts.BatchRows)
	}
	for i := range vals {
		col := append(b.cols[i], parquet.Value{})
		b.cols[i] = col
		dst := &col[len(col)-1]
		if huge && ts.plans[i].decodeRef(dst, vals[i]) {
			continue
		}
		arena, note, err := ts.plans[i].decodeInto(dst, vals[i], b.arena)
		b.arena = arena
		if err != nil {
			for k := 0; k <= i; k++ {
				b.cols[k] = b.cols[k][:b.n]
			}
			return fmt.Errorf("%s: %w", where(ts.name, line), err)
		}
		if note != NoteNone {
			if note == NoteZeroDate {
				ts.zero[i]++
			} else {
				ts.missing[i]++
			}
		}
	}
	b.n++
	b.last = line
	ts.rows++
	if huge {
		b.sync = true
		if err := c.send(); err != nil {
			return err
		}
		<-c.synced // the writer always gets to it, failed or not
		return c.writerErr()
	}
	if b.n >= c.opts.BatchRows || len(b.arena) >= c.maxArena {
		return c.send()
	}
	return nil
}

// send hands the current batch to the writer and takes a free one.
func (c *converter) send() error {
	if err := c.writerErr(); err != nil {
		return err
	}
	if err := c.ctx.Err(); err != nil {
		return err
	}
	c.out[c.cur.ts.lane] <- c.cur
	select {
	case c.cur = <-c.free:
	case <-c.ctx.Done():
		c.cur = &batch{}
		return c.ctx.Err()
	}
	return nil
}

// endTable flushes ts's rows and tells the writer to finish its open part.
func (c *converter) endTable(ts *tableState) error {
	if c.cur.n > 0 {
		if err := c.send(); err != nil {
			return err
		}
	}
	c.cur.ts, c.cur.end = ts, true
	return c.send()
}

// run calls scan with the converter as its handler, running the writer
// goroutines (lanes) meanwhile, and builds the report.
func (c *converter) run(scan func(mysqldump.Handler) error) (*TablesReportFile, error) {
	var wg sync.WaitGroup
	for i := range c.out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.writeLoop(c.out[i])
		}()
	}
	err := scan(c)
	if err == nil && c.cur.n > 0 {
		err = c.send()
	}
	for _, ch := range c.out {
		close(ch)
	}
	wg.Wait()
	if werr := c.writerErr(); werr != nil {
		err = werr // the writer's failure is the cause; the scan error is its echo
	}
	if err == nil && c.filter != nil {
		for t := range c.filter {
			if !c.found[t] {
				err = liberator.Errorf(liberator.ErrInvalid, "export", "table "+t, "requested table is not in the dump")
				break
			}
		}
	}
	if err == nil {
		err = c.closeAll()
	}
	if err != nil {
		c.abortAll()
		return nil, err
	}
	return c.report(), nil
}

// fail records the first writer failure.
func (c *converter) fail(err error) { c.werr.CompareAndSwap(nil, &err) }

// writeLoop encodes the batches of one lane until its channel closes;
// after a failure (of any lane) it only recycles them, so the scanner
// never blocks.
func (c *converter) writeLoop(in <-chan *batch) {
	for b := range in {
		if c.writerErr() == nil {
			if err := c.write(b); err != nil {
				c.fail(err)
			}
		}
		sync := b.sync
		b.reset()
		c.free <- b
		if sync {
			c.synced <- struct{}{}
		}
	}
}

// rowBytes returns the bytes of a row's values.
func rowBytes(vals []mysqldump.Value) int {
	n := 0
	for i := range vals {
		n += len(vals[i].Bytes)
	}
	return n
}

func (c *converter) writerFor(ts *tableState) (*TableWriter, error) {
	if ts.tw == nil {
		db := c.opts.Database
		prefix := c.root + db + "/" + ts.name + "/1/"
		wo := c.opts.Writer
		wo.UUID = c.uuid
		tw, err := NewTableWriter(c.ctx, c.bucket, prefix, ts.schema, wo)
		if err != nil {
			return nil, err
		}
		ts.tw = tw
	}
	return ts.tw, nil
}

func (c *converter) write(b *batch) error {
	ts := b.ts
	if b.drop {
		if ts.tw != nil {
			if err := ts.tw.Abort(context.WithoutCancel(c.ctx)); err != nil {
				return fmt.Errorf("table %s dropped by the dump: %w", ts.name, err)
			}
			ts.tw = nil
		}
		return nil
	}
	tw, err := c.writerFor(ts)
	if err != nil {
		return err
	}
	if b.end {
		if err := tw.FinishPart(); err != nil {
			return fmt.Errorf("table %s: %w", ts.name, err)
		}
		c.progress(ts, tw, true)
		return nil
	}
	if err := tw.WriteColumns(b.cols); err != nil {
		return fmt.Errorf("table %s rows at lines %d-%d: %w", ts.name, b.first, b.last, err)
	}
	if r := tw.Rows(); r-ts.lastCall >= 50_000 {
		ts.lastCall = r
		c.progress(ts, tw, false)
	}
	return nil
}

func (c *converter) progress(ts *tableState, tw *TableWriter, done bool) {
	if c.opts.Progress == nil {
		return
	}
	c.progMu.Lock()
	defer c.progMu.Unlock()
	p := TableProgress{
		ExportID: c.id, Table: ts.name, Rows: tw.Rows(), Bytes: tw.Bytes(),
		Elapsed: c.opts.Clock.Now().Sub(ts.start), Done: done,
	}
	p.SQLBytes = c.sqlBytes.Load()
	c.opts.Progress(p)
}

// closeAll finishes every table (after the writer goroutine has ended).
func (c *converter) closeAll() error {
	for _, ts := range c.tables {
		if ts.skip || ts.dropped {
			continue
		}
		tw, err := c.writerFor(ts)
		if err != nil {
			return err
		}
		hadOpen := tw.cur != nil || len(tw.parts) == 0
		parts, err := tw.Close()
		if err != nil {
			return fmt.Errorf("table %s: %w", ts.name, err)
		}
		ts.parts = parts
		ts.end = c.opts.Clock.Now().UTC()
		if hadOpen {
			c.progress(ts, tw, true)
		}
	}
	return nil
}

func (c *converter) abortAll() {
	ctx := context.WithoutCancel(c.ctx)
	for _, ts := range c.tables {
		if ts.tw != nil {
			_ = ts.tw.Abort(ctx)
		}
	}
}

func (c *converter) report() *TablesReportFile {
	rep := &TablesReportFile{PerTableStatus: []TableReport{}, Skipped: c.skipped}
	for _, ts := range c.tables {
		if ts.skip || ts.dropped {
			continue
		}
		tr := TableReport{
			Target: ts.name, Status: string(liberator.ExportComplete), Line: ts.table.Line,
			Rows: ts.rows, Files: ts.parts, Columns: columnReports(ts.plans, ts.cols),
			ExtractionStartTime: ts.start, ExtractionEndTime: ts.end,
		}
		for _, p := range ts.parts {
			tr.Bytes += p.Bytes
		}
		tr.SizeGB = float64(tr.Bytes) / (1 << 30)
		for i, p := range ts.plans {
			if n := ts.zero[i]; n > 0 {
				if tr.ZeroDatesNulled == nil {
					tr.ZeroDatesNulled = map[string]int64{}
				}
				tr.ZeroDatesNulled[p.Name] = n
				tr.Warnings = append(tr.Warnings, fmt.Sprintf("column %s: %d zero dates written as NULL", p.Name, n))
			}
			if n := ts.missing[i]; n > 0 {
				if tr.MissingNulled == nil {
					tr.MissingNulled = map[string]int64{}
				}
				tr.MissingNulled[p.Name] = n
				why := "not in the INSERT column list"
				switch {
				case p.Virtual:
					why = "generated VIRTUAL column, the dump holds no values and its expression is not one the converter computes"
				case p.Generated:
					why = "generated STORED column, the dump holds no values and its expression is not one the converter computes"
				}
				tr.Warnings = append(tr.Warnings, fmt.Sprintf("column %s: %s; %d rows written as NULL (not computed)", p.Name, why, n))
			}
			if p.Warning != "" {
				tr.Warnings = append(tr.Warnings, fmt.Sprintf("column %s: %s", p.Name, p.Warning))
			}
			if p.ForcedOptional != "" {
				if tr.ForcedOptional == nil {
					tr.ForcedOptional = map[string]string{}
				}
				tr.ForcedOptional[p.Name] = p.ForcedOptional
			}
		}
		rep.PerTableStatus = append(rep.PerTableStatus, tr)
	}
	return rep
}
