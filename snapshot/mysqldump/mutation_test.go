package mysqldump

import (
	"math/rand"
	"os"
	"strings"
	"testing"
)

// TestScanMutations runs Scan on deterministic random mutations of the
// sample dumps (a fixed-seed complement to FuzzScan that runs in every test
// run; go test's -timeout catches hangs): no panic, and the same result
// whatever the read window.
func TestScanMutations(t *testing.T) {
	iters := 3000
	if testing.Short() {
		iters = 300
	}
	seeds := [][]byte{}
	for _, n := range []string{"testdata/mysql84.sql", "testdata/mariadb114.sql"} {
		b, _ := os.ReadFile(n)
		seeds = append(seeds, b)
	}
	seeds = append(seeds, []byte(tinyDump))
	rng := rand.New(rand.NewSource(1))
	for iter := 0; iter < iters; iter++ {
		s := seeds[rng.Intn(len(seeds))]
		b := append([]byte(nil), s...)
		for k := 0; k < 1+rng.Intn(4); k++ {
			switch rng.Intn(3) {
			case 0:
				b[rng.Intn(len(b))] = byte(rng.Intn(256))
			case 1:
				i := rng.Intn(len(b))
				b = b[:i]
			case 2:
				i := rng.Intn(len(b))
				b = append(b[:i], b[min(len(b), i+rng.Intn(20)):]...)
			}
			if len(b) == 0 {
				b = []byte("x")
			}
		}
		r0, r1 := scanBytes(b, 4096), scanBytes(b, 3)
		if r0.err != r1.err || strings.Join(r0.rows, "\n") != strings.Join(r1.rows, "\n") {
			t.Fatalf("results differ with the read window on %q:\n%+v\n%+v", b, r0, r1)
		}
	}
}
