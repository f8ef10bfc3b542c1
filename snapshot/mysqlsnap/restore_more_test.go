package mysqlsnap

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dataplatform/liberator-ingestion/internal/mysqltest"
	"github.com/dataplatform/liberator-ingestion/liberator"
)

// cancelAfter reads r and cancels after n bytes, as a crash or a timeout
// half-way through a restore would.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	if len(p) > 4096 {
		p = p[:4096]
	}
	n, err := c.r.Read(p)
	c.n -= n
	return n, err
}

func TestRestoreCancelledLeavesNothing(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	prefix := mysqltest.Prefix(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &cancelAfter{r: strings.NewReader(longPrefix(256 << 10)), n: 64 << 10, cancel: cancel}
	_, err := Restore(ctx, db, r, prefix+"liberator", RestoreOptions{BatchBytes: 16 << 10})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, liberator.ErrTransient) {
		t.Errorf("Restore: %v, want a transient context.Canceled", err)
	}
	if got := mysqltest.Databases(t, db, prefix); len(got) != 0 {
		t.Errorf("databases left behind: %v", got)
	}
}

func TestRestoreBatching(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	prefix := mysqltest.Prefix(t)
	var b strings.Builder
	b.WriteString("CREATE TABLE `t` (`a` int, `b` text);\n")
	row := strings.Repeat("y", 1000)
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "INSERT INTO `t` (`a`, `b`) VALUES (%d,'%s'); -- row %d\n", i, row, i)
	}
	target := prefix + "liberator"
	res, err := Restore(context.Background(), db, strings.NewReader(b.String()), target, RestoreOptions{BatchBytes: 10 << 10})
	if err != nil {
		t.Fatal(err)
	}
	// 100 rows of ~1 KB in statements of at most 10 KB: 10-11 INSERTs,
	// plus the CREATE TABLE.
	if res.Statements != 101 || res.Sent < 11 || res.Sent > 13 {
		t.Errorf("read %d statements and sent %d, want 101 read and about 11 sent", res.Statements, res.Sent)
	}
	if n := count(t, db, "SELECT COUNT(DISTINCT a) FROM "+quoteIdent(target)+".t WHERE LENGTH(b) = 1000"); n != 100 {
		t.Errorf("%d rows restored, want 100", n)
	}
}

func TestRestoreStatementOverMaxPacket(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	prefix := mysqltest.Prefix(t)
	max := count(t, db, "SELECT @@max_allowed_packet")
	if max > 64<<20 {
		t.Skipf("max_allowed_packet is %d: too large for this test", max)
	}
	dump := "CREATE TABLE `t` (`b` longtext);\nINSERT INTO `t` VALUES ('" + strings.Repeat("z", max) + "');\n"
	_, err := Restore(context.Background(), db, strings.NewReader(dump), prefix+"liberator", RestoreOptions{})
	if !errors.Is(err, liberator.ErrInvalid) || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "max_allowed_packet") {
		t.Errorf("Restore: %v, want Invalid naming line 2 and max_allowed_packet", err)
	}
	if got := mysqltest.Databases(t, db, prefix); len(got) != 0 {
		t.Errorf("databases left behind: %v", got)
	}
}

func TestCreateSnapshotConcurrentSameID(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	prefix := mysqltest.Prefix(t)
	s := New(db, Config{DatabasePrefix: prefix})
	req := liberator.SnapshotRequest{ID: "sql-to-parquet-26-11-24-031500", Dump: liberator.DumpRef{Key: "testdata/alltypes.sql"}}
	var wg sync.WaitGroup
	infos := make([]liberator.SnapshotInfo, 3)
	errs := make([]error, 3)
	for i := range infos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			infos[i], errs[i] = s.CreateSnapshot(context.Background(), req)
		}()
	}
	wg.Wait()
	for i := range infos {
		if errs[i] != nil {
			t.Errorf("CreateSnapshot #%d: %v", i, errs[i])
		}
		if diff := cmp.Diff(infos[0], infos[i]); diff != "" {
			t.Errorf("CreateSnapshot #%d differs from #0:\n%s", i, diff)
		}
	}
	if got := mysqltest.Databases(t, db, prefix); !cmp.Equal(got, []string{prefix + req.ID}) {
		t.Errorf("databases = %v, want only the snapshot's", got)
	}
}

func writeCA(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test RDS CA"},
		NotBefore: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "global-bundle.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestTLSConfig(t *testing.T) {
	ca := writeCA(t)
	mc, err := DriverConfig(Config{DSN: "admin:pw@tcp(db.example.eu-west-2.rds.amazonaws.com:3306)/liberator", TLSCAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	if mc.DBName != "" || mc.TLS == nil || mc.TLS.RootCAs == nil || mc.TLS.ServerName != "db.example.eu-west-2.rds.amazonaws.com" {
		t.Errorf("DriverConfig: db %q, tls %+v; want no database and TLS verified against the CA for the host", mc.DBName, mc.TLS)
	}
	if !strings.Contains(mc.FormatDSN(), "tls=liberator-") {
		t.Errorf("DSN %q does not name the registered TLS config", mc.FormatDSN())
	}
	bad := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(bad, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{bad, filepath.Join(t.TempDir(), "missing.pem")} {
		if _, err := DriverConfig(Config{DSN: "u@tcp(h:3306)/", TLSCAFile: f}); !errors.Is(err, liberator.ErrInvalid) {
			t.Errorf("DriverConfig(TLSCAFile=%s) = %v, want Invalid", f, err)
		}
	}
	if _, err := DriverConfig(Config{DSN: "not a dsn"}); !errors.Is(err, liberator.ErrInvalid) {
		t.Errorf("DriverConfig(bad DSN) = %v, want Invalid", err)
	}
}

func TestRestoreInsertsInComments(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	prefix := mysqltest.Prefix(t)
	dump := "CREATE TABLE `t` (`a` int, `b` varchar(20));\n" +
		"/*!40000 INSERT INTO `t` VALUES (1,'x') */;\n" +
		"/*!40000 INSERT INTO `t` VALUES (2,'y') */;\n" +
		"INSERT INTO `t` VALUES (3,'/* not a comment */');\n" +
		"INSERT INTO `t` VALUES (4,'z') # trailing comment\n;\n" +
		"INSERT INTO `t` VALUES (5,'w') -- trailing comment\n;\n"
	target := prefix + "liberator"
	if _, err := Restore(context.Background(), db, strings.NewReader(dump), target, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "SELECT COUNT(DISTINCT a) FROM "+quoteIdent(target)+".t"); n != 5 {
		t.Errorf("%d rows restored, want 5", n)
	}
}
