package mysqlexport

import (
	"database/sql"

	"gocloud.dev/blob"

	"github.com/dataplatform/liberator-ingestion/snapshot/mysqlsnap"
)

// BackendConfig configures NewBackend.
type BackendConfig struct {
	// MySQL is the server, TLS and restore configuration (DSN required).
	MySQL mysqlsnap.Config
	// Bucket receives the exports (RDS layout). Required for the Exporter.
	Bucket *blob.Bucket
	// Export tunes the exporter (prefix, codec, part size, …). Its
	// Database defaults to MySQL.Database.
	Export Options
}

// Backend is the MySQL backend: a Snapshotter and an Exporter sharing one
// connection pool. Close it when done.
type Backend struct {
	DB          *sql.DB
	Snapshotter *mysqlsnap.Snapshotter
	Exporter    *Exporter
	bucket      *blob.Bucket
}

// NewBackend opens the server cfg.MySQL names and returns the MySQL
// Snapshotter and Exporter on it. It does not contact the server; the
// first call does.
func NewBackend(cfg BackendConfig) (*Backend, error) {
	db, err := mysqlsnap.Open(cfg.MySQL)
	if err != nil {
		return nil, err
	}
	if cfg.Export.Database == "" {
		cfg.Export.Database = cfg.MySQL.Database
	}
	if cfg.Export.Logger == nil {
		cfg.Export.Logger = cfg.MySQL.Logger
	}
	if cfg.Export.Clock == nil {
		cfg.Export.Clock = cfg.MySQL.Clock
	}
	return &Backend{
		DB:          db,
		Snapshotter: mysqlsnap.New(db, cfg.MySQL),
		Exporter:    New(db, cfg.Bucket, cfg.Export),
		bucket:      cfg.Bucket,
	}, nil
}

// Close closes the connection pool.
func (b *Backend) Close() error { return b.DB.Close() }
