package postgres

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/store/postgres/pgtest"
	"github.com/plinthdb/plinth/store/storetest"
)

// testURL returns PLINTH_TEST_POSTGRES or skips the test.
func testURL(t testing.TB) string {
	u := os.Getenv("PLINTH_TEST_POSTGRES")
	if u == "" {
		t.Skip("PostgreSQL tests need PLINTH_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return u
}

// freshSchema creates an empty schema dropped when the test ends, and
// returns a URL whose connections use it.
func freshSchema(t *testing.T) string { return freshSchemaTB(t) }

func freshSchemaTB(t testing.TB) string { return pgtest.Schema(t) }

func TestContract(t *testing.T) {
	testURL(t)
	storetest.Run(t, func(t *testing.T) core.Store {
		s, err := Open(context.Background(), freshSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// Several nodes starting at once on one schema: the advisory lock lets one
// migrate while the others wait, then they find nothing left to do.
func TestConcurrentOpen(t *testing.T) {
	u := freshSchema(t)
	const n = 4
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(context.Background(), u)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	err := stores[0].Read(context.Background(), func(tx core.Tx) error {
		_, rows, err := tx.Query(context.Background(), core.SQL{Text: `SELECT COUNT(*) FROM "_migrations"`})
		if err != nil || rows[0][0] != int64(1) {
			t.Errorf("migrations: %v %v", rows, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A collection saved through one node is visible to another once it
	// drops its cached schema.
	c := &core.Collection{ID: "pbc_x", Name: "x", Type: core.TypeBase, Fields: []*core.Field{{ID: "id", Name: "id", Type: core.FieldText}}}
	if _, err := stores[1].Schema(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := stores[0].Write(context.Background(), func(tx core.Tx) error { return tx.SaveCollection(context.Background(), nil, c) }); err != nil {
		t.Fatal(err)
	}
	stores[1].InvalidateSchema()
	if sc, err := stores[1].Schema(context.Background()); err != nil || sc.Find("x") == nil {
		t.Errorf("other node's schema: %v %v", sc, err)
	}
}

// Unique violations name the columns even for expression indexes, whose
// detail shows lower(...) rather than a column.
func TestUniqueViolationParsing(t *testing.T) {
	s, err := Open(context.Background(), freshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := &core.Collection{ID: "pbc_u", Name: "u", Type: core.TypeBase, Fields: []*core.Field{
		{ID: "id", Name: "id", Type: core.FieldText}, {ID: "e", Name: "email", Type: core.FieldEmail},
	}, Indexes: []string{"CREATE UNIQUE INDEX `idx_u_email` ON `u` (`email` COLLATE NOCASE)"}}
	ctx := context.Background()
	err = s.Write(ctx, func(tx core.Tx) error {
		if err := tx.SaveCollection(ctx, nil, c); err != nil {
			return err
		}
		r := core.NewRecord(c)
		r.Values["id"], r.Values["email"] = "a", "A@x.io"
		return tx.Insert(ctx, r)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Write(ctx, func(tx core.Tx) error {
		r := core.NewRecord(c)
		r.Values["id"], r.Values["email"] = "b", "a@X.io"
		return tx.Insert(ctx, r)
	})
	var ue *core.UniqueError
	if !errors.As(err, &ue) || len(ue.Columns) != 1 || ue.Columns[0] != "email" {
		t.Errorf("error %v, want a unique error on email", err)
	}
	uv, ok := uniqueViolation(ue.Err)
	if !ok || uv.Index != "idx_u_email" || uv.Columns != nil {
		t.Errorf("parsed violation %+v", uv)
	}
}

func BenchmarkStore(b *testing.B) {
	if os.Getenv("PLINTH_TEST_POSTGRES") == "" {
		b.Skip("PostgreSQL benchmarks need PLINTH_TEST_POSTGRES")
	}
	storetest.Bench(b, func(b *testing.B) core.Store {
		s, err := Open(context.Background(), freshSchemaTB(b))
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

// The filter compiler's helper functions exist after Open, and every Open
// creates them again (so new or changed ones land on upgrade).
func TestHelperFunctions(t *testing.T) {
	u := freshSchema(t)
	check := func(s *Store) {
		t.Helper()
		err := s.Read(context.Background(), func(tx core.Tx) error {
			_, rows, err := tx.Query(context.Background(), core.SQL{Text: `SELECT plinth_num(?)`, Args: []any{" 12.5 "}})
			if err != nil || len(rows) != 1 || rows[0][0] != 12.5 {
				t.Errorf("plinth_num: %v %v", rows, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	check(s)
	s.Close()
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`DROP FUNCTION plinth_num(text)`); err != nil {
		t.Fatal(err)
	}
	s, err = Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	check(s)
}
