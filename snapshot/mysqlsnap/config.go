package mysqlsnap

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/hex"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/dataplatform/liberator-ingestion/liberator"
	"github.com/dataplatform/liberator-ingestion/snapshot/mysqldump"
	"github.com/go-sql-driver/mysql"
)

// Config configures the MySQL backend: the server, TLS, and how restores
// run. Only DSN is required.
type Config struct {
	// DSN is a go-sql-driver/mysql DSN ("user:pass@tcp(host:3306)/"). Its
	// database part is ignored: the backend names databases itself.
	DSN string
	// TLSCAFile is a PEM bundle of CA certificates (for RDS, the region's
	// global-bundle.pem). When set the connection uses TLS verified
	// against it, whatever the DSN's tls parameter says.
	TLSCAFile string
	// TLSServerName overrides the name checked in the server certificate
	// (default: the DSN's host).
	TLSServerName string
	// Database is the logical database name the dump holds and exports
	// use for the layout ("<db>/<db>.<table>/"); default "liberator".
	Database string
	// DatabasePrefix is prepended to a snapshot id to form its database
	// name (default "": the database is named exactly like the snapshot).
	// Listing returns only snapshot databases with this prefix.
	DatabasePrefix string
	// BatchBytes caps the size of one statement sent to the server when
	// consecutive INSERTs into a table are merged; default 4 MiB. It is
	// lowered to fit the server's max_allowed_packet.
	BatchBytes int
	// Allow tunes the statement allowlist (views, triggers).
	Allow AllowOptions
	// MaxStatement caps one dump statement's size (default: the
	// scanner's default, 256 MiB).
	MaxStatement int
	// Read bounds the dumps accepted (size caps, ratio) and lists
	// already-open buckets for mysqldump.Open.
	Read mysqldump.ReadOptions
	// Clock stamps snapshot creation times; default the wall clock.
	Clock liberator.Clock
	// Logger; default a logger that discards.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Database == "" {
		c.Database = "liberator"
	}
	if c.BatchBytes <= 0 {
		c.BatchBytes = 4 << 20
	}
	if c.Clock == nil {
		c.Clock = liberator.RealClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Open opens a connection pool to the server cfg names, with TLS as cfg
// says. The caller closes it.
func Open(cfg Config) (*sql.DB, error) {
	mc, err := DriverConfig(cfg)
	if err != nil {
		return nil, err
	}
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, liberator.NewError(liberator.ErrInvalid, "mysql open", "", err)
	}
	db := sql.OpenDB(conn)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

// DriverConfig returns the go-sql-driver configuration for cfg: the DSN's
// settings with no database selected, the server's max_allowed_packet,
// text protocol without client-side interpolation, and the TLS CA bundle
// when TLSCAFile is set.
func DriverConfig(cfg Config) (*mysql.Config, error) {
	mc, err := mysql.ParseDSN(cfg.DSN)
	if err != nil {
		return nil, liberator.NewError(liberator.ErrInvalid, "mysql config", "DSN", err)
	}
	mc.DBName = ""
	mc.MaxAllowedPacket = 0 // ask the server
	mc.MultiStatements = false
	mc.InterpolateParams = false
	mc.ParseTime = false
	if cfg.TLSCAFile != "" {
		tc, err := TLSConfig(cfg.TLSCAFile, cfg.TLSServerName)
		if err != nil {
			return nil, err
		}
		if tc.ServerName == "" {
			host := mc.Addr
			if i := strings.LastIndex(host, ":"); i >= 0 {
				host = host[:i]
			}
			tc.ServerName = host
		}
		// Register it under a name derived from the bundle so DSNs built
		// from this config (FormatDSN) work too.
		sum := sha256.Sum256([]byte(cfg.TLSCAFile + "\x00" + tc.ServerName))
		name := "liberator-" + hex.EncodeToString(sum[:8])
		if err := mysql.RegisterTLSConfig(name, tc); err != nil {
			return nil, liberator.NewError(liberator.ErrInvalid, "mysql config", cfg.TLSCAFile, err)
		}
		mc.TLSConfig = name
		mc.TLS = tc
	}
	return mc, nil
}

// TLSConfig returns a TLS configuration trusting the CA certificates of
// the PEM file caFile (and only them), checking serverName when not empty.
func TLSConfig(caFile, serverName string) (*tls.Config, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, liberator.NewError(liberator.ErrInvalid, "mysql tls", caFile, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, liberator.Errorf(liberator.ErrInvalid, "mysql tls", caFile, "no PEM certificates in the file")
	}
	return &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}, nil
}

// quoteIdent backquotes a MySQL identifier.
func quoteIdent(s string) string {
	out := make([]byte, 0, len(s)+2)
	out = append(out, '`')
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			out = append(out, '`')
		}
		out = append(out, s[i])
	}
	return string(append(out, '`'))
}
