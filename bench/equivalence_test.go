package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
)

// smallSuite is a suite small enough for every `go test` run.
func smallSuite(t *testing.T) *suite {
	t.Helper()
	s, err := newSuite(context.Background(), t.TempDir(), 200, pgURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// TestBaselinesDoTheSameWork checks that each raw query answers what
// Plinth answers, so the ratios compare like with like, and that every
// variant runs.
func TestBaselinesDoTheSameWork(t *testing.T) {
	if pgURL() == "" {
		t.Log("PLINTH_TEST_POSTGRES is not set; checking SQLite only")
	}
	s := smallSuite(t)
	ctx := context.Background()
	for _, e := range s.engines {
		t.Run(e.name, func(t *testing.T) {
			raw, err := e.call(ctx, s.client, "GET", recordsPath+listQuery, nil)
			if err != nil {
				t.Fatal(err)
			}
			var list struct {
				TotalItems int
				Items      []map[string]any
			}
			if err := json.Unmarshal(raw, &list); err != nil {
				t.Fatal(err)
			}
			page, err := e.rawPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n, err := e.rawCount(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if list.TotalItems != n || n != s.rows/4 {
				t.Errorf("totalItems %d, raw count %d, want %d", list.TotalItems, n, s.rows/4)
			}
			if len(list.Items) != perPage || len(page) != perPage {
				t.Fatalf("Plinth gave %d items, raw %d, want %d", len(list.Items), len(page), perPage)
			}
			for i, it := range page {
				got := list.Items[i]
				if got["id"] != it.id || got["qty"] != it.qty || got["status"] != listMatch {
					t.Errorf("item %d: Plinth %v, raw %+v", i, got, it)
				}
			}

			id := e.ids[len(e.ids)/2]
			raw, err = e.call(ctx, s.client, "GET", recordsPath+"/"+id, nil)
			if err != nil {
				t.Fatal(err)
			}
			var rec map[string]any
			if err := json.Unmarshal(raw, &rec); err != nil {
				t.Fatal(err)
			}
			var it item
			if err := e.view.QueryRowContext(ctx, id).Scan(&it.id, &it.title, &it.qty, &it.done, &it.due, &it.status); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"id": it.id, "title": it.title, "qty": it.qty, "done": it.done, "due": it.due, "status": it.status}
			for k, v := range want {
				if rec[k] != v {
					t.Errorf("view %s: Plinth %v, raw %v", k, rec[k], v)
				}
			}
		})
	}
	for _, op := range s.operations() {
		for _, v := range op.variants {
			if err := v.step(ctx); err != nil {
				t.Errorf("%s/%s: %v", op.name, v.name, err)
			}
		}
	}
}

// TestSamePragmas checks that the raw SQLite baseline runs with the
// settings Plinth's read pool has.
func TestSamePragmas(t *testing.T) {
	s := smallSuite(t)
	e := s.engines[0]
	plinthDB := e.store.(interface{ DB() *sql.DB }).DB()
	for _, p := range []string{"journal_mode", "synchronous", "foreign_keys", "busy_timeout", "query_only", "cache_size", "page_size", "mmap_size", "temp_store", "wal_autocheckpoint"} {
		var plinth, raw string
		if err := plinthDB.QueryRow("PRAGMA " + p).Scan(&plinth); err != nil {
			t.Fatal(err)
		}
		if err := e.raw.QueryRow("PRAGMA " + p).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		if plinth != raw {
			t.Errorf("PRAGMA %s: Plinth %s, raw %s", p, plinth, raw)
		}
	}
}
