package mysqlsnap

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// StagingInfix separates a target database's name from the random suffix
// of its staging database: "<target>__staging_<hex>".
const StagingInfix = "__staging_"

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// BatchBytes caps a merged INSERT; default 4 MiB (and never above the
	// server's max_allowed_packet).
	BatchBytes int
	// Allow tunes the allowlist.
	Allow AllowOptions
	// MaxStatement caps one statement of the dump (default the scanner's).
	MaxStatement int
	// BeforePromote, if set, runs on the restore's connection after the
	// whole dump has loaded into the staging database and before it is
	// promoted; an error aborts the restore. The Snapshotter uses it to
	// add its metadata table.
	BeforePromote func(ctx context.Context, conn *sql.Conn, staging string, res *RestoreResult) error
	// Logger; default discards.
	Logger *slog.Logger
}

// RestoreResult reports what a restore did.
type RestoreResult struct {
	// Database is the database the dump was promoted to.
	Database string
	// Server is the server's SELECT VERSION().
	Server string
	// Dialect is the server's dialect (bridging applied for it).
	Dialect Dialect
	// Tables are the tables created, in dump order.
	Tables []string
	// Skipped lists the views, triggers, routines and events not restored.
	Skipped []mysqldump.Skipped
	// Statements is the number of dump statements read; Sent the number of
	// statements sent (INSERTs merged count once).
	Statements, Sent int
	// Bytes is the size of the dump's SQL read.
	Bytes int64
	// Rewritten counts statements changed by dialect bridging.
	Rewritten int
	// InsertColumns maps each table whose INSERTs all had column lists to
	// the columns they named (their union, in first-seen order). Columns
	// of such a table not listed had no values in the dump (mysqldump
	// omits generated columns); exporters write them as NULL, as the
	// embedded path does.
	InsertColumns map[string][]string
	// SourceDatabase is the dump's database that was restored, when the
	// dump names its databases (mysqldump --databases); SkippedDatabases
	// are the databases it named whose statements were skipped (system
	// databases, and others than AllowOptions.SourceDatabase).
	SourceDatabase   string
	SkippedDatabases []string
}

// ServerDialect asks the server for its version and returns it with its
// dialect.
func ServerDialect(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (string, Dialect, error) {
	var v string
	if err := q.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return "", DialectUnknown, classify("server version", "", err)
	}
	if strings.Contains(strings.ToLower(v), "mariadb") {
		return v, DialectMariaDB, nil
	}
	return v, DialectMySQL, nil
}

// classify wraps a server error: errors the server reports about a
// statement are Invalid (retrying will not help); others (network) are
// Transient.
func classify(op, what string, err error) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		k := liberator.ErrInvalid
		switch me.Number {
		case 1040, 1203, 1205, 1213, 1226, 1317: // too many connections, lock wait, deadlock, interrupted
			k = liberator.ErrTransient
		case 1044, 1045, 1142, 1227: // access denied
			k = liberator.ErrTerminal
		}
		return liberator.NewError(k, op, what, err)
	}
	// Network failures and a cancelled or expired ctx.
	return liberator.NewError(liberator.ErrTransient, op, what, err)
}

// StagingName returns a fresh staging database name for target.
func StagingName(target string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return target + StagingInfix + hex.EncodeToString(b[:])
}

// Restore loads the dump into a fresh staging database and, only when the
// whole dump loaded, promotes it to the database target (created by the
// promotion; it must not exist), as the package doc describes (Safety,
// Restore). On any failure no database is left behind. Refused statements
// and server errors wrap liberator.ErrInvalid and name the dump line. The
// statements run on one connection of db (session settings such as SET
// NAMES and LOCK TABLES need it).
func Restore(ctx context.Context, db *sql.DB, dump io.Reader, target string, opts RestoreOptions) (res *RestoreResult, err error) {
	// The steps: check the target names (checkTarget) and the server
	// (checkServer), create the staging database (createStaging) and set up
	// the session (prepareSession), stream the dump through the allowlist
	// (loadStatements), end the load and let BeforePromote record metadata
	// (finishStaging), promote, then create the allowed views and triggers
	// (createDeferred).
	const op = "restore"
	opts = opts.withDefaults()
	if err := checkTarget(op, target); err != nil {
		return nil, err
	}
	var staging string
	defer func() {
		// The staging database is internal: errors name the target.
		if err != nil && staging != "" {
			err = hideStaging(err, staging, target)
		}
	}()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, classify(op, target, err)
	}
	// The session ends in an unknown state (LOCK TABLES, SET NAMES…): never
	// give the connection back to the pool.
	defer func() {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		conn.Close()
	}()
	res = &RestoreResult{Database: target}
	res.Server, res.Dialect, err = ServerDialect(ctx, conn)
	if err != nil {
		return nil, err
	}
	opts.Allow.Dialect = res.Dialect
	maxPacket, err := checkServer(ctx, conn, op, target)
	if err != nil {
		return nil, err
	}

	staging, err = createStaging(ctx, conn, op, target)
	if err != nil {
		return nil, err
	}
	opts.Logger.Info("restore started", "staging", staging, "server", res.Server)
	defer func() {
		if err == nil {
			return
		}
		if derr := dropDetached(ctx, db, staging); derr != nil {
			err = errors.Join(err, classify("restore cleanup", target, derr))
		}
	}()
	if err := prepareSession(ctx, conn, op, target, staging); err != nil {
		return nil, err
	}
	deferred, err := loadStatements(ctx, conn, dump, staging, maxPacket, opts, res)
	if err != nil {
		return nil, err
	}
	if err := finishStaging(ctx, conn, op, target, staging, opts.BeforePromote, res); err != nil {
		return nil, err
	}
	if err := promote(ctx, conn, staging, target); err != nil {
		return nil, err
	}
	if err := createDeferred(ctx, db, conn, target, deferred, res); err != nil {
		return nil, err
	}
	opts.Logger.Info("restore complete", "database", target, "tables", len(res.Tables),
		"statements", res.Statements, "sent", res.Sent, "bytes", res.Bytes)
	return res, nil
}

func (o RestoreOptions) withDefaults() RestoreOptions {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = 4 << 20
	}
	return o
}

// checkTarget checks that target and its staging database names are valid
// database names.
func checkTarget(op, target string) error {
	if err := ValidDatabaseName(target); err != nil {
		return err
	}
	if err := ValidDatabaseName(target + StagingInfix + "00000000"); err != nil {
		return liberator.Errorf(liberator.ErrInvalid, op, target, "name too long for its staging database: %v", err)
	}
	return nil
}

// checkServer checks that database target does not exist yet and returns
// the server's max_allowed_packet.
func checkServer(ctx context.Context, conn *sql.Conn, op, target string) (maxPacket int, err error) {
	exists, err := databaseExists(ctx, conn, target)
	if err != nil {
		return 0, classify(op, target, err)
	}
	if exists {
		return 0, liberator.Errorf(liberator.ErrAlreadyExists, op, target, "database %s exists", target)
	}
	if err := conn.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&maxPacket); err != nil {
		return 0, classify(op, target, err)
	}
	return maxPacket, nil
}

// databaseExists reports whether the server has a database called name.
func databaseExists(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, name string) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&n)
	return n > 0, err
}

// createStaging creates a fresh staging database for target and returns its
// name.
func createStaging(ctx context.Context, conn *sql.Conn, op, target string) (string, error) {
	staging := StagingName(target)
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(staging)+" DEFAULT CHARACTER SET utf8mb4"); err != nil {
		return "", classify(op, target, err)
	}
	return staging, nil
}

// hideStaging returns err with the staging database's name replaced by
// target's in its message (server errors quote it: "Table
// 'x__staging_1a2b3c4d.t' doesn't exist"). errors.Is and errors.As see
// the same chain; a server error in it is a copy with the message
// rewritten.
func hideStaging(err error, staging, target string) error {
	if !strings.Contains(err.Error(), staging) {
		return err
	}
	return &renamedError{msg: strings.ReplaceAll(err.Error(), staging, target), err: renameServerErrors(err, staging, target)}
}

// renamedError is an error whose message was rewritten.
type renamedError struct {
	msg string
	err error
}

func (e *renamedError) Error() string { return e.msg }
func (e *renamedError) Unwrap() error { return e.err }

// renameServerErrors rewrites the messages of the server errors in err's
// chain (through liberator.Error and errors.Join), so that errors.As
// finds a *mysql.MySQLError naming target.
func renameServerErrors(err error, staging, target string) error {
	switch e := err.(type) {
	case *mysql.MySQLError:
		c := *e
		c.Message = strings.ReplaceAll(c.Message, staging, target)
		return &c
	case *liberator.Error:
		c := *e
		c.What = strings.ReplaceAll(c.What, staging, target)
		c.Err = renameServerErrors(e.Err, staging, target)
		return &c
	case interface{ Unwrap() []error }:
		errs := e.Unwrap()
		out := make([]error, len(errs))
		for i, x := range errs {
			out[i] = renameServerErrors(x, staging, target)
		}
		return errors.Join(out...)
	}
	return err
}

// prepareSession makes staging the session's database and sets a known
// session: lexing as the allowlist assumes (backslash escapes, no
// ANSI_QUOTES), zero dates accepted as dumps hold them.
func prepareSession(ctx context.Context, conn *sql.Conn, op, target, staging string) error {
	for _, s := range []string{
		"USE " + quoteIdent(staging),
		"SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'",
		"SET NAMES utf8mb4",
		"SET SESSION time_zone = '+00:00'",
	} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return classify(op, target, err)
		}
	}
	return nil
}

// loadStatements streams the dump's statements through the allowlist into
// staging, merging INSERTs into statements of up to opts.BatchBytes (below
// maxPacket), and records in res what was created, skipped and sent. It
// returns the allowed view and trigger statements, which run after the
// promotion.
func loadStatements(ctx context.Context, conn *sql.Conn, dump io.Reader, staging string, maxPacket int, opts RestoreOptions, res *RestoreResult) ([]deferredStmt, error) {
	limit := opts.BatchBytes
	if maxPacket > 0 && limit > maxPacket-1024 {
		limit = maxPacket - 1024
	}
	al := NewAllowlist(staging, opts.Allow)
	al.shown = res.Database
	sr := mysqldump.NewStatementReader(dump, mysqldump.ReaderOptions{MaxStatement: opts.MaxStatement})
	b := batcher{conn: conn, limit: limit, max: maxPacket, res: res}
	var deferred []deferredStmt
	cols := insertColumns{lists: map[string][]string{}, bare: map[string]bool{}}
	for {
		if err := ctx.Err(); err != nil {
			return nil, liberator.NewError(liberator.ErrTransient, "restore", res.Database, err)
		}
		st, err := sr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		res.Statements++
		d, err := al.CheckStatement(st)
		if err != nil {
			if errors.Is(err, ErrSeveralDatabases) && !al.db.unnamed {
				return nil, severalDatabases(sr, al, st.Line)
			}
			return nil, err
		}
		if d.Action == Skip {
			if s, ok := skippedOf(d, st.Line); ok {
				res.Skipped = append(res.Skipped, s)
			}
			continue
		}
		if d.Action == AfterPromote {
			deferred = append(deferred, deferredStmt{sql: d.SQL, line: st.Line, name: d.Table})
			continue
		}
		if d.SQL != string(st.Text) {
			res.Rewritten++
		}
		if d.Kind == KindCreateTable {
			res.Tables = append(res.Tables, d.Table)
		}
		if d.Kind == KindInsert {
			cols.add(d.Table, d.Columns)
		}
		if err := b.add(ctx, d, st.Line); err != nil {
			return nil, err
		}
	}
	if err := b.flush(ctx); err != nil {
		return nil, err
	}
	res.Bytes = sr.Offset()
	res.InsertColumns = cols.result()
	res.SourceDatabase, res.SkippedDatabases = al.Database(), al.SkippedDatabases()
	for _, n := range res.SkippedDatabases {
		opts.Logger.Info("restore skipped a database", "database", n)
	}
	return deferred, nil
}

// severalDatabases reads the rest of the dump after the statement at line
// named a second user database, and returns the refusal listing every user
// database the dump names.
func severalDatabases(sr *mysqldump.StatementReader, al *Allowlist, line int) error {
	names := slices.Clone(al.db.databases)
	for {
		st, err := sr.Next()
		if err != nil {
			break // io.EOF, or the dump is bad further on: list what was read
		}
		switch st.Kind {
		case mysqldump.KindCreateDatabase, mysqldump.KindDropDatabase, mysqldump.KindUse:
			if st.Name != "" && !mysqldump.IsSystemDatabase(st.Name) && !slices.Contains(names, st.Name) {
				names = append(names, st.Name)
			}
		}
	}
	return liberator.Errorf(liberator.ErrInvalid, "restore", fmt.Sprintf("line %d", line),
		"statement refused: %w (%s): choose the one to restore (SourceDatabase)", ErrSeveralDatabases, strings.Join(names, ", "))
}

// finishStaging ends the load (UNLOCK TABLES) and runs beforePromote, if
// set, which records the snapshot's metadata in staging.
func finishStaging(ctx context.Context, conn *sql.Conn, op, target, staging string, beforePromote func(context.Context, *sql.Conn, string, *RestoreResult) error, res *RestoreResult) error {
	if _, err := conn.ExecContext(ctx, "UNLOCK TABLES"); err != nil {
		return classify(op, target, err)
	}
	if beforePromote != nil {
		return beforePromote(ctx, conn, staging, res)
	}
	return nil
}

// dropDetached drops database name if it exists, with a one-minute context
// that outlives ctx's cancellation: it cleans up after a failure, which may
// be ctx ending.
func dropDetached(ctx context.Context, x interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, name string) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	_, err := x.ExecContext(cctx, "DROP DATABASE IF EXISTS "+quoteIdent(name))
	return err
}

// insertColumns collects the column lists of each table's INSERTs.
type insertColumns struct {
	lists map[string][]string
	bare  map[string]bool // an INSERT without a column list was seen
}

func (ic *insertColumns) add(table string, cols []string) {
	if ic.bare[table] {
		return
	}
	if cols == nil {
		ic.bare[table] = true
		delete(ic.lists, table)
		return
	}
	have := ic.lists[table]
	for _, c := range cols {
		found := false
		for _, h := range have {
			if strings.EqualFold(h, c) {
				found = true
				break
			}
		}
		if !found {
			have = append(have, c)
		}
	}
	ic.lists[table] = have
}

func (ic *insertColumns) result() map[string][]string {
	if len(ic.lists) == 0 {
		return nil
	}
	return ic.lists
}

// deferredStmt is a view or trigger statement sent after the promotion.
type deferredStmt struct {
	sql, name string
	line      int
}

// createDeferred creates the allowed views and triggers in the promoted
// database target; if that fails, target is dropped.
func createDeferred(ctx context.Context, db *sql.DB, conn *sql.Conn, target string, stmts []deferredStmt, res *RestoreResult) error {
	if len(stmts) == 0 {
		return nil
	}
	if err := runDeferred(ctx, conn, target, stmts, res); err != nil {
		return errors.Join(err, dropDetached(ctx, db, target))
	}
	return nil
}

// runDeferred creates the allowed views and triggers in the promoted
// database.
func runDeferred(ctx context.Context, conn *sql.Conn, target string, stmts []deferredStmt, res *RestoreResult) error {
	if _, err := conn.ExecContext(ctx, "USE "+quoteIdent(target)); err != nil {
		return classify("restore", target, err)
	}
	for _, s := range stmts {
		res.Sent++
		if _, err := conn.ExecContext(ctx, s.sql); err != nil {
			return classify("restore", fmt.Sprintf("%s line %d", s.name, s.line), err)
		}
	}
	return nil
}

func skippedOf(d Decision, line int) (mysqldump.Skipped, bool) {
	var k mysqldump.SkippedKind
	switch d.Kind {
	case KindView:
		k = mysqldump.SkippedView
	case KindTrigger:
		k = mysqldump.SkippedTrigger
	case KindRoutine:
		k = mysqldump.SkippedProcedure
	case KindEvent:
		k = mysqldump.SkippedEvent
	default:
		return mysqldump.Skipped{}, false
	}
	return mysqldump.Skipped{Kind: k, Name: d.Table, Line: line}, true
}

// promote moves every table of staging into a new database target with
// one RENAME TABLE (atomic), then drops staging.
func promote(ctx context.Context, conn *sql.Conn, staging, target string) error {
	const op = "promote"
	rows, err := conn.QueryContext(ctx,
		"SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME", staging)
	if err != nil {
		return classify(op, staging, err)
	}
	var parts []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			rows.Close()
			return classify(op, staging, err)
		}
		if typ != "BASE TABLE" {
			rows.Close()
			return liberator.Errorf(liberator.ErrInvalid, op, staging, "%s %s cannot be promoted", strings.ToLower(typ), name)
		}
		parts = append(parts, quoteIdent(staging)+"."+quoteIdent(name)+" TO "+quoteIdent(target)+"."+quoteIdent(name))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return classify(op, staging, err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(target)+" DEFAULT CHARACTER SET utf8mb4"); err != nil {
		return classify(op, target, err)
	}
	if len(parts) > 0 {
		if _, err := conn.ExecContext(ctx, "RENAME TABLE "+strings.Join(parts, ", ")); err != nil {
			return errors.Join(classify(op, target, err), dropDetached(ctx, conn, target))
		}
	}
	// The tables are promoted: the snapshot exists whatever happens to the
	// now empty staging database (a failed drop leaves an empty database
	// that listing ignores).
	_, _ = conn.ExecContext(ctx, "DROP DATABASE "+quoteIdent(staging))
	return nil
}

// batcher merges consecutive INSERTs with the same text before VALUES.
type batcher struct {
	conn   *sql.Conn
	limit  int // merged statement size cap
	max    int // max_allowed_packet
	res    *RestoreResult
	buf    []byte
	prefix string // text up to VALUES of the pending INSERT
	table  string
	line   int // line of the first statement in buf
	last   int // line of the last statement in buf
}

func (b *batcher) add(ctx context.Context, d Decision, line int) error {
	if b.max > 0 && len(d.SQL) > b.max-64 {
		return liberator.Errorf(liberator.ErrInvalid, "restore", fmt.Sprintf("line %d", line),
			"statement of %d bytes exceeds the server's max_allowed_packet (%d)", len(d.SQL), b.max)
	}
	// INSERTs with comments are sent as they are: merging is only done
	// where the joined text is plainly the same rows list.
	if d.Kind != KindInsert || d.valuesAt == 0 || strings.Contains(d.SQL, "/*") {
		if err := b.flush(ctx); err != nil {
			return err
		}
		return b.exec(ctx, d.SQL, line, line, d.Table)
	}
	prefix, rows := d.SQL[:d.valuesAt], d.SQL[d.valuesAt:]
	if len(b.buf) > 0 && prefix == b.prefix && len(b.buf)+len(rows)+2 <= b.limit {
		// "\n" ends any trailing -- comment of the previous statement.
		b.buf = append(b.buf, "\n,"...)
		b.buf = append(b.buf, rows...)
		b.last = line
		return nil
	}
	if err := b.flush(ctx); err != nil {
		return err
	}
	b.buf = append(b.buf[:0], d.SQL...)
	b.prefix, b.table, b.line, b.last = prefix, d.Table, line, line
	return nil
}

func (b *batcher) flush(ctx context.Context) error {
	if len(b.buf) == 0 {
		return nil
	}
	err := b.exec(ctx, string(b.buf), b.line, b.last, b.table)
	b.buf = b.buf[:0]
	if cap(b.buf) > 64<<20 {
		b.buf = nil
	}
	return err
}

func (b *batcher) exec(ctx context.Context, q string, line, last int, table string) error {
	b.res.Sent++
	if _, err := b.conn.ExecContext(ctx, q); err != nil {
		what := fmt.Sprintf("line %d", line)
		if last > line {
			what = fmt.Sprintf("lines %d-%d (merged INSERTs)", line, last)
		}
		if table != "" {
			what = fmt.Sprintf("table %s %s", table, what)
		}
		return classify("restore", what, err)
	}
	return nil
}

// ValidDatabaseName checks a database name the backend creates: 1-64
// characters, letters, digits, '_', '-' and '$' only (no quoting tricks,
// no path separators).
func ValidDatabaseName(name string) error {
	if name == "" || len(name) > 64 {
		return liberator.Errorf(liberator.ErrInvalid, "database name", name, "must be 1-64 characters")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c == '-' || c == '$' || isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')) {
			return liberator.Errorf(liberator.ErrInvalid, "database name", name, "character %q not allowed (letters, digits, _ - $ only)", c)
		}
	}
	return nil
}
