// Package postgres is the PostgreSQL store (pgx v5 through database/sql).
// Several nodes may share one database: migrations take an advisory lock.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/filter"
	"github.com/plinthdb/plinth/store/sqlstore"
)

// Store is the PostgreSQL store.
type Store struct {
	*sqlstore.Store
}

var _ core.Store = (*Store)(nil)

// migrationLock serializes migrations of one schema across processes; the
// lock ends with the migration transaction.
const migrationLock = `SELECT pg_advisory_xact_lock(hashtext('plinth_migrate:' || current_schema()))`

// Open connects to url (a postgres:// URL or DSN; runtime parameters such
// as search_path may be given as URL parameters) and migrates the schema.
func Open(ctx context.Context, url string, opts ...sqlstore.Option) (*Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	n := max(8, 4*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cfg := sqlstore.Config{
		Dialect:       core.Postgres,
		DB:            db,
		Unique:        uniqueViolation,
		MigrationLock: migrationLock,
		Setup:         setupSQL(),
		AdHoc:         adHoc,
	}
	cfg.Options.Apply(opts...)
	s, err := sqlstore.Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &Store{s}, nil
}

// setupSQL returns the statements run on every open: the plinth_ helper
// functions the filter compiler's SQL calls (CREATE OR REPLACE, so new
// ones land on upgrade).
func setupSQL() []string { return filter.PostgresFunctions() }

// adHoc runs one-off statements (the SQL console, view dry runs) without
// preparing them: they would only crowd the statement cache, and a cached
// plan fails once the tables under it change.
func adHoc(args []any) []any { return append([]any{pgx.QueryExecModeExec}, args...) }

// uniqueViolation reads SQLSTATE 23505: the constraint (index) name, and
// the columns from the detail "Key (a, b)=(…) already exists." when they
// are plain names.
func uniqueViolation(err error) (sqlstore.UniqueViolation, bool) {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		return sqlstore.UniqueViolation{}, false
	}
	uv := sqlstore.UniqueViolation{Index: pe.ConstraintName}
	if rest, ok := strings.CutPrefix(pe.Detail, "Key ("); ok {
		if end := strings.Index(rest, ")="); end >= 0 {
			for _, col := range strings.Split(rest[:end], ", ") {
				col = strings.Trim(col, `"`)
				if col == "" || strings.ContainsAny(col, "() ") {
					uv.Columns = nil // an expression: the index name tells
					break
				}
				uv.Columns = append(uv.Columns, col)
			}
		}
	}
	return uv, true
}
