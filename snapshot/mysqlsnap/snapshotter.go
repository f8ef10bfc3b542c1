package mysqlsnap

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
)

// MetaTable is the table each snapshot database holds describing the
// snapshot (id, status, creation time, source dump). Dumps may not create a
// table of this name; exporters skip it.
const MetaTable = "_liberator_snapshot"

// Snapshotter is the MySQL liberator.Snapshotter: a snapshot is a database
// on the server, named and marked as the package doc describes (Snapshots).
//
// CreateSnapshot restores the dump (through the allowlist) into a staging
// database and promotes it when the whole dump has loaded; it blocks for
// the whole restore and returns an available snapshot. A bad dump returns
// an error and leaves no database behind.
type Snapshotter struct {
	db  *sql.DB
	cfg Config
}

var _ liberator.Snapshotter = (*Snapshotter)(nil)

// New returns a Snapshotter on db (see Open) configured by cfg. Dumps are
// opened with mysqldump.Open and cfg.Read.
func New(db *sql.DB, cfg Config) *Snapshotter {
	return &Snapshotter{db: db, cfg: cfg.withDefaults()}
}

// DatabaseName returns the database holding snapshot id.
func (s *Snapshotter) DatabaseName(id string) string { return s.cfg.DatabasePrefix + id }

// checkID checks that snapshot id makes a valid database name whose
// staging database name also fits MySQL's 64-character limit.
func (s *Snapshotter) checkID(op, id string) error {
	if id == "" {
		return liberator.Errorf(liberator.ErrInvalid, op, id, "empty snapshot id")
	}
	name := s.DatabaseName(id)
	if err := ValidDatabaseName(name); err != nil {
		return liberator.Errorf(liberator.ErrInvalid, op, id, "snapshot id: %v", err)
	}
	if n := len(name) + len(StagingInfix) + 8; n > 64 {
		return liberator.Errorf(liberator.ErrInvalid, op, id, "snapshot id too long: database and staging names must fit 64 characters (%d)", n)
	}
	if strings.Contains(name, StagingInfix) {
		return liberator.Errorf(liberator.ErrInvalid, op, id, "snapshot id may not contain %q", StagingInfix)
	}
	return nil
}

// meta is the row of MetaTable.
type meta struct {
	ID         string
	Status     string
	Created    time.Time
	DumpBucket string
	DumpKey    string
	ImportDate string
	Database   string
	Server     string
	Tables     int
	Bytes      int64
	Skipped    []mysqldump.Skipped
	InsertCols map[string][]string
}

const metaDDL = "CREATE TABLE %s.%s (" +
	"id VARCHAR(255) NOT NULL PRIMARY KEY, status VARCHAR(32) NOT NULL, created DATETIME(6) NOT NULL, " +
	"dump_bucket TEXT, dump_key TEXT, import_date VARCHAR(10), logical_database VARCHAR(64), " +
	"server VARCHAR(255), tables_count INT, dump_bytes BIGINT, skipped LONGTEXT, insert_columns LONGTEXT) DEFAULT CHARSET=utf8mb4"

// CreateSnapshot restores req.Dump into the database for req.ID. If the
// snapshot exists it is returned as it is and nothing is restored.
func (s *Snapshotter) CreateSnapshot(ctx context.Context, req liberator.SnapshotRequest) (liberator.SnapshotInfo, error) {
	// The steps: return an existing snapshot, clear an empty leftover
	// database of that name (clearLeftover), restore the dump with the
	// snapshot's metadata written before promotion (restore), and, if the
	// database appeared meanwhile, return the snapshot a concurrent create
	// made (concurrentWinner).
	const op = "create snapshot"
	if err := s.checkID(op, req.ID); err != nil {
		return liberator.SnapshotInfo{}, err
	}
	if info, err := s.DescribeSnapshot(ctx, req.ID); err == nil {
		return info, nil
	} else if !errors.Is(err, liberator.ErrNotFound) {
		return liberator.SnapshotInfo{}, err
	}
	name := s.DatabaseName(req.ID)
	if err := s.clearLeftover(ctx, op, req.ID, name); err != nil {
		return liberator.SnapshotInfo{}, err
	}
	m, err := s.restore(ctx, req, name)
	if err != nil {
		if info, ok := s.concurrentWinner(ctx, req.ID, err); ok {
			return info, nil
		}
		return liberator.SnapshotInfo{}, fmt.Errorf("snapshot %s: %w", req.ID, err)
	}
	s.cfg.Logger.Info("snapshot created", "snapshot", req.ID, "database", name, "tables", m.Tables)
	return m.info(name), nil
}

// clearLeftover handles a database called name that holds no metadata
// table: an interrupted promotion left it empty (it is dropped), or it is
// not ours (an ErrAlreadyExists error).
func (s *Snapshotter) clearLeftover(ctx context.Context, op, id, name string) error {
	n, exists, err := s.tableCount(ctx, name)
	if err != nil || !exists {
		return err
	}
	if n > 0 {
		return liberator.Errorf(liberator.ErrAlreadyExists, op, id, "database %s exists and is not a snapshot", name)
	}
	if _, err := s.db.ExecContext(ctx, "DROP DATABASE "+quoteIdent(name)); err != nil {
		return classify(op, name, err)
	}
	return nil
}

// restore opens req.Dump and restores it into database name, writing the
// snapshot's metadata row into the staging database before promotion. It
// returns that metadata.
func (s *Snapshotter) restore(ctx context.Context, req liberator.SnapshotRequest, name string) (meta, error) {
	rc, err := mysqldump.Open(ctx, req.Dump, s.cfg.Read)
	if err != nil {
		return meta{}, err
	}
	defer rc.Close()
	created := s.cfg.Clock.Now().UTC().Truncate(time.Microsecond)
	m := meta{ID: req.ID, Status: string(liberator.SnapshotAvailable), Created: created,
		DumpBucket: req.Dump.Bucket, DumpKey: req.Dump.Key, Database: s.cfg.Database}
	if !req.ImportDate.IsZero() {
		m.ImportDate = req.ImportDate.String()
	}
	_, err = Restore(ctx, s.db, rc, name, RestoreOptions{
		BatchBytes: s.cfg.BatchBytes, Allow: s.cfg.Allow, MaxStatement: s.cfg.MaxStatement, Logger: s.cfg.Logger,
		BeforePromote: func(ctx context.Context, conn *sql.Conn, staging string, res *RestoreResult) error {
			m.Server, m.Tables, m.Bytes, m.Skipped, m.InsertCols = res.Server, len(res.Tables), res.Bytes, res.Skipped, res.InsertColumns
			return writeMeta(ctx, conn, staging, m)
		},
	})
	return m, err
}

// concurrentWinner returns snapshot id when the restore failed with err
// because its database exists (server error 1007 on CREATE DATABASE, or
// found before it) and a concurrent create made it.
func (s *Snapshotter) concurrentWinner(ctx context.Context, id string, err error) (liberator.SnapshotInfo, bool) {
	var me *mysql.MySQLError
	if !errors.Is(err, liberator.ErrAlreadyExists) && !(errors.As(err, &me) && me.Number == 1007) {
		return liberator.SnapshotInfo{}, false
	}
	info, derr := s.DescribeSnapshot(ctx, id)
	return info, derr == nil
}

func writeMeta(ctx context.Context, conn *sql.Conn, dbName string, m meta) error {
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(metaDDL, quoteIdent(dbName), quoteIdent(MetaTable))); err != nil {
		return classify("snapshot metadata", dbName, err)
	}
	skipped, err := json.Marshal(m.Skipped)
	if err != nil {
		return liberator.NewError(liberator.ErrInvalid, "snapshot metadata", dbName, err)
	}
	insertCols, err := json.Marshal(m.InsertCols)
	if err != nil {
		return liberator.NewError(liberator.ErrInvalid, "snapshot metadata", dbName, err)
	}
	_, err = conn.ExecContext(ctx, "INSERT INTO "+quoteIdent(dbName)+"."+quoteIdent(MetaTable)+
		" (id, status, created, dump_bucket, dump_key, import_date, logical_database, server, tables_count, dump_bytes, skipped, insert_columns)"+
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		m.ID, m.Status, m.Created.Format("2006-01-02 15:04:05.000000"), m.DumpBucket, m.DumpKey, m.ImportDate,
		m.Database, m.Server, m.Tables, m.Bytes, string(skipped), string(insertCols))
	if err != nil {
		return classify("snapshot metadata", dbName, err)
	}
	return nil
}

func (m meta) info(dbName string) liberator.SnapshotInfo {
	return liberator.SnapshotInfo{ID: m.ID, Status: liberator.SnapshotStatus(m.Status), Created: m.Created,
		Kind: liberator.SnapshotDatabase, Database: dbName, Dump: liberator.DumpRef{Bucket: m.DumpBucket, Key: m.DumpKey}}
}

// tableCount reports whether database name exists and how many tables it
// holds.
func (s *Snapshotter) tableCount(ctx context.Context, name string) (int, bool, error) {
	exists, err := databaseExists(ctx, s.db, name)
	if err != nil {
		return 0, false, classify("snapshot", name, err)
	}
	if !exists {
		return 0, false, nil
	}
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", name).Scan(&n); err != nil {
		return 0, false, classify("snapshot", name, err)
	}
	return n, true, nil
}

// ReadMeta reads the metadata row of the snapshot database dbName.
func ReadMeta(ctx context.Context, db *sql.DB, dbName string) (Meta, error) {
	m, err := readMeta(ctx, db, dbName)
	return Meta{ID: m.ID, Status: liberator.SnapshotStatus(m.Status), Created: m.Created, Database: m.Database,
		DumpBucket: m.DumpBucket, DumpKey: m.DumpKey, Server: m.Server, Tables: m.Tables, Bytes: m.Bytes, Skipped: m.Skipped,
		InsertColumns: m.InsertCols}, err
}

// Meta describes a snapshot database (its MetaTable row).
type Meta struct {
	// ID is the snapshot id.
	ID string
	// Status is the snapshot's status (available once promoted).
	Status liberator.SnapshotStatus
	// Created is when the snapshot was created (UTC, microseconds).
	Created time.Time
	// Database is the logical database name of the dump ("liberator").
	Database string
	// DumpBucket and DumpKey locate the dump restored (liberator.DumpRef).
	DumpBucket string
	DumpKey    string
	// Server is the server's SELECT VERSION() at restore time.
	Server string
	// Tables is the number of tables restored and Bytes the size of the
	// dump's SQL.
	Tables int
	Bytes  int64
	// Skipped lists the views, triggers, routines and events not restored.
	Skipped []mysqldump.Skipped
	// InsertColumns: see RestoreResult.InsertColumns.
	InsertColumns map[string][]string
}

func readMeta(ctx context.Context, db *sql.DB, dbName string) (meta, error) {
	var m meta
	var created string
	var bucket, key, idate, logical, server, skipped, insertCols sql.NullString
	var tables sql.NullInt64
	var bytes sql.NullInt64
	err := db.QueryRowContext(ctx, "SELECT id, status, created, dump_bucket, dump_key, import_date, logical_database, server, tables_count, dump_bytes, skipped, insert_columns FROM "+
		quoteIdent(dbName)+"."+quoteIdent(MetaTable)+" LIMIT 1").
		Scan(&m.ID, &m.Status, &created, &bucket, &key, &idate, &logical, &server, &tables, &bytes, &skipped, &insertCols)
	if err != nil {
		var me *mysql.MySQLError
		if errors.Is(err, sql.ErrNoRows) || (errors.As(err, &me) && (me.Number == 1146 || me.Number == 1049)) {
			return m, liberator.Errorf(liberator.ErrNotFound, "describe snapshot", dbName, "no snapshot in database %s", dbName)
		}
		return m, classify("describe snapshot", dbName, err)
	}
	m.Created, err = time.ParseInLocation("2006-01-02 15:04:05.999999", created, time.UTC)
	if err != nil {
		return m, liberator.NewError(liberator.ErrInvalid, "describe snapshot", dbName, err)
	}
	m.DumpBucket, m.DumpKey, m.ImportDate, m.Database, m.Server = bucket.String, key.String, idate.String, logical.String, server.String
	m.Tables, m.Bytes = int(tables.Int64), bytes.Int64
	// The column lists decide which columns an export writes as NULL
	// (generated ones): a corrupt record must not be read as "none".
	for _, f := range []struct {
		name, text string
		into       any
	}{{"skipped", skipped.String, &m.Skipped}, {"insert_columns", insertCols.String, &m.InsertCols}} {
		if f.text == "" {
			continue
		}
		if err := json.Unmarshal([]byte(f.text), f.into); err != nil {
			return m, liberator.Errorf(liberator.ErrInvalid, "describe snapshot", dbName, "metadata column %s is not valid JSON: %v", f.name, err)
		}
	}
	return m, nil
}

// DescribeSnapshot returns the snapshot's state; liberator.ErrNotFound if no
// snapshot database of that id exists.
func (s *Snapshotter) DescribeSnapshot(ctx context.Context, id string) (liberator.SnapshotInfo, error) {
	if err := s.checkID("describe snapshot", id); err != nil {
		if errors.Is(err, liberator.ErrInvalid) {
			return liberator.SnapshotInfo{}, liberator.Errorf(liberator.ErrNotFound, "describe snapshot", id, "no snapshot %q", id)
		}
		return liberator.SnapshotInfo{}, err
	}
	name := s.DatabaseName(id)
	m, err := readMeta(ctx, s.db, name)
	if err != nil {
		return liberator.SnapshotInfo{}, err
	}
	if m.ID != id {
		return liberator.SnapshotInfo{}, liberator.Errorf(liberator.ErrNotFound, "describe snapshot", id, "database %s holds snapshot %q", name, m.ID)
	}
	return m.info(name), nil
}

// ListSnapshots returns every snapshot with the configured prefix, newest
// first (ties by id, descending).
func (s *Snapshotter) ListSnapshots(ctx context.Context) ([]liberator.SnapshotInfo, error) {
	const op = "list snapshots"
	rows, err := s.db.QueryContext(ctx,
		"SELECT TABLE_SCHEMA FROM information_schema.TABLES WHERE TABLE_NAME = ? AND LEFT(TABLE_SCHEMA, ?) = ?",
		MetaTable, len(s.cfg.DatabasePrefix), s.cfg.DatabasePrefix)
	if err != nil {
		return nil, classify(op, "", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, classify(op, "", err)
		}
		if !strings.Contains(n, StagingInfix) {
			names = append(names, n)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, classify(op, "", err)
	}
	out := []liberator.SnapshotInfo{}
	for _, n := range names {
		m, err := readMeta(ctx, s.db, n)
		if errors.Is(err, liberator.ErrNotFound) {
			continue // dropped meanwhile
		}
		if err != nil {
			return nil, err
		}
		if s.DatabaseName(m.ID) != n {
			continue
		}
		out = append(out, m.info(n))
	}
	liberator.SortSnapshots(out)
	return out, nil
}

// DeleteSnapshot drops the snapshot's database; liberator.ErrNotFound if none.
func (s *Snapshotter) DeleteSnapshot(ctx context.Context, id string) error {
	if _, err := s.DescribeSnapshot(ctx, id); err != nil {
		return err
	}
	name := s.DatabaseName(id)
	if _, err := s.db.ExecContext(ctx, "DROP DATABASE "+quoteIdent(name)); err != nil {
		var me *mysql.MySQLError
		if errors.As(err, &me) && me.Number == 1008 {
			return liberator.Errorf(liberator.ErrNotFound, "delete snapshot", id, "no snapshot %q", id)
		}
		return classify("delete snapshot", id, err)
	}
	s.cfg.Logger.Info("snapshot deleted", "snapshot", id, "database", name)
	return nil
}

// Prune deletes old snapshots by keep (liberator.PruneSnapshots): the
// newest available snapshot is never deleted.
func (s *Snapshotter) Prune(ctx context.Context, keep liberator.KeepPolicy) ([]string, error) {
	return liberator.PruneSnapshots(ctx, s, keep)
}

// SnapshotKind returns liberator.SnapshotDatabase.
func (*Snapshotter) SnapshotKind() liberator.SnapshotKind { return liberator.SnapshotDatabase }
