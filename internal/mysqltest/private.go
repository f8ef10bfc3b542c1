package mysqltest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Private starts a MariaDB server of the test's own (mariadb-install-db
// and mariadbd, as installed with the mariadb-server package) in a
// temporary directory, listening on a free loopback port, with the extra
// mariadbd flags given (e.g. "--max-allowed-packet=512M"), and returns
// its DSN ("root@tcp(127.0.0.1:port)/"). The server is shut down when the
// test ends. It skips the test when the binaries are not installed, and
// in -short mode (it takes a few seconds).
func Private(t testing.TB, flags ...string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("a private MariaDB server takes seconds to start")
	}
	install, err1 := exec.LookPath("mariadb-install-db")
	server, err2 := exec.LookPath("mariadbd")
	if err2 != nil {
		server, err2 = exec.LookPath("/usr/sbin/mariadbd")
	}
	if err1 != nil || err2 != nil {
		t.Skip("a private server needs mariadb-install-db and mariadbd (apt-get install mariadb-server)")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	user := []string{}
	if os.Geteuid() == 0 {
		user = []string{"--user=root"}
	}
	var out bytes.Buffer
	cmd := exec.Command(install, append([]string{"--no-defaults", "--datadir=" + data,
		"--auth-root-authentication-method=normal", "--skip-test-db"}, user...)...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out.String())
	}
	port := freePort(t)
	args := append([]string{"--no-defaults", "--datadir=" + data, "--port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1", "--socket=" + filepath.Join(dir, "sock"), "--pid-file=" + filepath.Join(dir, "pid"),
		"--skip-log-bin", "--innodb-buffer-pool-size=64M"}, user...)
	var log bytes.Buffer
	srv := exec.Command(server, append(args, flags...)...)
	srv.Stdout, srv.Stderr = &log, &log
	if err := srv.Start(); err != nil {
		t.Fatalf("mariadbd: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	t.Cleanup(func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = srv.Process.Kill()
			<-exited
		}
	})
	dsn := fmt.Sprintf("root@tcp(127.0.0.1:%d)/", port)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return dsn
		}
		select {
		case werr := <-exited:
			t.Fatalf("mariadbd exited: %v\n%s", werr, log.String())
		default:
		}
		if i == 120 {
			t.Fatalf("mariadbd does not answer on port %d: %v", port, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// freePort returns a loopback TCP port nothing listens on now.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
