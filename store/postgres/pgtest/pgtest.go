// Package pgtest gives tests an empty PostgreSQL schema of their own, so
// PostgreSQL tests run in parallel against one server.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// Env names the variable holding the server's URL, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const Env = "PLINTH_TEST_POSTGRES"

// BaseURL returns the configured server URL, "" when PostgreSQL tests are off.
func BaseURL() string { return os.Getenv(Env) }

// Schema creates an empty schema that is dropped when the test ends and
// returns a URL whose connections use it. It skips the test when Env is
// unset and fails it when the server cannot be reached. Cleanups the test
// registers later (closing stores) run before the drop.
func Schema(tb testing.TB) string {
	tb.Helper()
	base := BaseURL()
	if base == "" {
		tb.Skip(Env + " is not set; skipping the PostgreSQL run")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "plinth_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA "` + name + `"`); err != nil {
		admin.Close()
		tb.Fatalf("create schema (is PostgreSQL reachable at %s?): %v", Env, err)
	}
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA "` + name + `" CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}
