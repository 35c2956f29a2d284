// Package sqlite is the embedded store: one SQLite file (modernc.org/sqlite,
// pure Go) in WAL mode, one writer connection behind a writer goroutine and
// a pool of read connections.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/store/sqlstore"
	sqlite "modernc.org/sqlite"
)

// FileName is the database file inside the data directory.
const FileName = "data.db"

// Store is the SQLite store.
type Store struct {
	*sqlstore.Store
}

var _ core.Store = (*Store)(nil)

// Open opens (creating if needed) <dir>/data.db and migrates it.
func Open(ctx context.Context, dir string, opts ...sqlstore.Option) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return OpenFile(ctx, filepath.Join(dir, FileName), opts...)
}

// Connection settings: WAL with synchronous=NORMAL (durable across process
// crashes, at most the last commits lost on power loss), a generous busy
// timeout for other processes, foreign keys off (relations are checked by
// the application, as in PocketBase), and double-quoted strings off so a
// quoted identifier that names no column is an error, never a string.
const basePragmas = "_dqs=0&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(OFF)"

// OpenFile opens the database at path.
func OpenFile(ctx context.Context, path string, opts ...sqlstore.Option) (*Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: unsupported character in database path %q", path)
	}
	// The write connection takes the write lock at BEGIN, so a transaction
	// never fails halfway on a lock upgrade.
	wdb, err := sql.Open("sqlite", path+"?"+basePragmas+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	// Open the file (and switch it to WAL) before the readers connect.
	if err := wdb.PingContext(ctx); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	rdb, err := sql.Open("sqlite", path+"?"+basePragmas+"&_pragma=query_only(ON)")
	if err != nil {
		wdb.Close()
		return nil, err
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxLifetime(0)
	rdb.SetConnMaxIdleTime(0)
	cfg := sqlstore.Config{Dialect: core.SQLite, DB: rdb, WriteDB: wdb, Unique: uniqueViolation}
	cfg.Options.Apply(opts...)
	s, err := sqlstore.Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return &Store{s}, nil
}

// SQLite extended result codes of unique violations.
const (
	constraintPrimaryKey = 1555
	constraintUnique     = 2067
)

// uniqueViolation reads SQLite's "UNIQUE constraint failed: t.a, t.b" (or
// "... failed: index 'name'" for expression indexes).
func uniqueViolation(err error) (sqlstore.UniqueViolation, bool) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return sqlstore.UniqueViolation{}, false
	}
	if se.Code() != constraintUnique && se.Code() != constraintPrimaryKey {
		return sqlstore.UniqueViolation{}, false
	}
	var uv sqlstore.UniqueViolation
	msg := se.Error()
	const marker = "UNIQUE constraint failed: "
	i := strings.Index(msg, marker)
	if i < 0 {
		return uv, true
	}
	rest := msg[i+len(marker):]
	if j := strings.LastIndex(rest, " ("); j >= 0 { // the driver's " (2067)"
		rest = rest[:j]
	}
	if name, ok := strings.CutPrefix(rest, "index '"); ok {
		uv.Index = strings.TrimSuffix(name, "'")
		return uv, true
	}
	for _, part := range strings.Split(rest, ", ") {
		if k := strings.LastIndexByte(part, '.'); k >= 0 {
			part = part[k+1:]
		}
		if part != "" {
			uv.Columns = append(uv.Columns, part)
		}
	}
	return uv, true
}
