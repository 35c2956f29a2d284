package index

import (
	"database/sql"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/store/postgres/pgtest"
)

// TestBuiltDDLRuns executes Build's output on real engines and checks that
// NOCASE uniqueness and partial conditions behave the same on both.
func TestBuiltDDLRuns(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := sql.Open("sqlite", ":memory:")
		if err != nil {
			t.Fatal(err)
		}
		db.SetMaxOpenConns(1)
		t.Cleanup(func() { db.Close() })
		checkDDL(t, db, core.SQLite, `CREATE TABLE "posts" ("id" TEXT PRIMARY KEY NOT NULL, "title" TEXT DEFAULT '' NOT NULL, "num" NUMERIC DEFAULT 0 NOT NULL, "v" BOOLEAN DEFAULT FALSE NOT NULL)`)
	})
	t.Run("postgres", func(t *testing.T) {
		db, err := sql.Open("pgx", pgtest.Schema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		checkDDL(t, db, core.Postgres, `CREATE TABLE "posts" ("id" TEXT PRIMARY KEY NOT NULL, "title" TEXT NOT NULL DEFAULT '', "num" DOUBLE PRECISION NOT NULL DEFAULT 0, "v" BOOLEAN NOT NULL DEFAULT FALSE)`)
	})
}

func checkDDL(t *testing.T, db *sql.DB, d core.Dialect, table string) {
	t.Helper()
	if _, err := db.Exec(table); err != nil {
		t.Fatal(err)
	}
	for _, def := range []string{
		"CREATE UNIQUE INDEX `idx_title` ON `x` (`title` COLLATE NOCASE, `num` DESC) WHERE title != '' AND NOT (num < -1.5 OR v = TRUE) AND id IS NOT NULL",
		"CREATE INDEX idx_multi ON x (num ASC, v, id COLLATE BINARY, title COLLATE RTRIM) WHERE (title = 'it''s' OR num >= 2e3) AND title <> id",
	} {
		ix, err := Parse(def)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ix.Build(d, "posts")); err != nil {
			t.Fatalf("%s: %v", ix.Build(d, "posts"), err)
		}
	}
	ins := func(id, title string, num float64, v bool) error {
		q := `INSERT INTO "posts" ("id", "title", "num", "v") VALUES (?, ?, ?, ?)`
		if d == core.Postgres {
			q = `INSERT INTO "posts" ("id", "title", "num", "v") VALUES ($1, $2, $3, $4)`
		}
		_, err := db.Exec(q, id, title, num, v)
		return err
	}
	steps := []struct {
		id, title string
		num       float64
		v         bool
		ok        bool
	}{
		{"a", "Hello", 1, false, true},
		{"b", "hello", 1, false, false}, // NOCASE duplicate
		{"c", "hello", 2, false, true},  // other num
		{"d", "", 1, false, true},       // outside the partial index
		{"e", "", 1, false, true},
		{"f", "HELLO", 1, true, true}, // v = TRUE: outside
		{"g", "HELLO", -2, false, true},
	}
	for _, s := range steps {
		err := ins(s.id, s.title, s.num, s.v)
		if (err == nil) != s.ok {
			t.Errorf("insert %s %q %v %v: err=%v, want ok=%v", s.id, s.title, s.num, s.v, err, s.ok)
		}
	}
}
