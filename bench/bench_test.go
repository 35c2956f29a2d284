package bench

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
)

// The benchmarks share one suite (building it hashes a password and seeds
// the tables); TestMain closes it.
var (
	shared     *suite
	sharedErr  error
	sharedOnce sync.Once
	sharedDir  string
)

func sharedSuite(b *testing.B) *suite {
	b.Helper()
	sharedOnce.Do(func() {
		sharedDir, sharedErr = os.MkdirTemp("", "plinth-bench-")
		if sharedErr != nil {
			return
		}
		shared, sharedErr = newSuite(context.Background(), sharedDir, benchRows(), pgURL())
	})
	if sharedErr != nil {
		b.Fatal(sharedErr)
	}
	return shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.close(); err != nil {
			fmt.Fprintln(os.Stderr, "bench: close:", err)
			code = 1
		}
	}
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}

// runOperation runs each variant of the named operation as a
// sub-benchmark: plinth_sqlite, sqlite, plinth_postgres, postgres, nethttp.
func runOperation(b *testing.B, name string) {
	s := sharedSuite(b)
	for _, op := range s.operations() {
		if op.name != name {
			continue
		}
		for _, v := range op.variants {
			b.Run(v.name, func(b *testing.B) {
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					if err := v.step(ctx); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
		return
	}
	b.Fatalf("no operation %q", name)
}

func BenchmarkCreate(b *testing.B)    { runOperation(b, "create") }
func BenchmarkView(b *testing.B)      { runOperation(b, "view") }
func BenchmarkList(b *testing.B)      { runOperation(b, "list") }
func BenchmarkListTotal(b *testing.B) { runOperation(b, "list+total") }
