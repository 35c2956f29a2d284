package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/plinthdb/plinth/core"
)

// Config is what an engine package passes to Open.
type Config struct {
	Dialect core.Dialect
	// DB serves reads; on PostgreSQL it serves writes too.
	DB *sql.DB
	// WriteDB, when set, is the single write connection (SQLite): every
	// Write goes through one writer goroutine that owns it.
	WriteDB *sql.DB
	// Unique recognises a unique constraint violation in a driver error.
	Unique func(error) (UniqueViolation, bool)
	// MigrationLock, when set, is run first in the migration transaction
	// to serialize concurrent starts (PostgreSQL advisory lock).
	MigrationLock string
	// Setup statements run in the migration transaction on every open,
	// after the migrations (idempotent helper functions).
	Setup []string
	// AdHoc prepares the arguments of a one-off statement (raw queries):
	// PostgreSQL keeps those out of pgx's statement cache.
	AdHoc func(args []any) []any

	Options
}

// Options are the tunables shared by both engines.
type Options struct {
	Now    func() time.Time // clock for system rows; default time.Now
	Logger *slog.Logger     // default slog.Default()
	// MaxBatch is the most Write calls the SQLite writer commits in one
	// transaction (each in its own savepoint). 1 disables group commit.
	// Default 64.
	MaxBatch int
}

// Option changes Options.
type Option func(*Options)

// WithClock sets the clock used for the created/updated times of system rows.
func WithClock(now func() time.Time) Option { return func(o *Options) { o.Now = now } }

// WithLogger sets the logger for failures that have no caller to return to
// (a panicking subscriber).
func WithLogger(l *slog.Logger) Option { return func(o *Options) { o.Logger = l } }

// WithMaxBatch sets how many writes the SQLite writer may group into one
// transaction.
func WithMaxBatch(n int) Option { return func(o *Options) { o.MaxBatch = n } }

// Apply applies opts to o.
func (o *Options) Apply(opts ...Option) {
	for _, fn := range opts {
		fn(o)
	}
}

// Store implements core.Store.
type Store struct {
	cfg    Config
	d      dialect
	db     *sql.DB
	writer *writer    // nil on PostgreSQL
	reads  *stmtCache // SQLite's read pool statements; nil on PostgreSQL
	schema schemaCache
	subs   subscribers
	closed atomic.Bool
}

var _ core.Store = (*Store)(nil)

// Open migrates the database and starts the store. The store owns the
// databases in cfg and closes them in Close (and on failure here).
func Open(ctx context.Context, cfg Config) (*Store, error) {
	s, err := open(ctx, cfg)
	if err != nil {
		if cfg.WriteDB != nil {
			cfg.WriteDB.Close()
		}
		if cfg.DB != nil {
			cfg.DB.Close()
		}
		return nil, err
	}
	return s, nil
}

func open(ctx context.Context, cfg Config) (*Store, error) {
	d, err := dialectOf(cfg.Dialect)
	if err != nil {
		return nil, err
	}
	if cfg.DB == nil {
		return nil, errors.New("sqlstore: no database")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 64
	}
	s := &Store{cfg: cfg, d: d, db: cfg.DB}
	migrateDB := cfg.DB
	if cfg.WriteDB != nil {
		migrateDB = cfg.WriteDB
	}
	if err := s.migrate(ctx, migrateDB); err != nil {
		return nil, fmt.Errorf("sqlstore: migrate: %w", err)
	}
	if cfg.WriteDB != nil {
		s.writer, err = startWriter(ctx, s, cfg.WriteDB, cfg.MaxBatch)
		if err != nil {
			return nil, err
		}
	}
	if !d.pg() {
		s.reads = newStmtCache(cfg.DB.PrepareContext, true, stmtCacheSize)
	}
	return s, nil
}

func (s *Store) now() time.Time { return s.cfg.Now() }

// Dialect reports the SQL dialect.
func (s *Store) Dialect() core.Dialect { return s.d.name }

// DB returns the read pool, for tools and benchmarks that need raw access.
func (s *Store) DB() *sql.DB { return s.db }

var errClosed = errors.New("sqlstore: store is closed")

// stmtCacheSize bounds each prepared statement cache.
const stmtCacheSize = 256

// Close stops the writer and closes the databases.
func (s *Store) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	var errs []error
	if s.writer != nil {
		errs = append(errs, s.writer.stop(), s.cfg.WriteDB.Close())
	}
	if s.reads != nil {
		s.reads.close()
	}
	errs = append(errs, s.db.Close())
	return errors.Join(errs...)
}

// Read runs fn on a read connection: a read transaction on SQLite (one
// consistent snapshot), a plain pooled connection on PostgreSQL.
func (s *Store) Read(ctx context.Context, fn func(core.Tx) error) error {
	if s.closed.Load() {
		return errClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	t := &tx{s: s}
	if s.d.pg() {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		t.q, t.conn = conn, conn
		err = callFn(fn, t)
		t.done = true
		return err
	}
	sqlTx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer sqlTx.Rollback()
	t.q, t.sqlTx, t.stmts = sqlTx, sqlTx, s.reads
	err = callFn(fn, t)
	t.done = true
	return err
}

// Write runs fn in a write transaction: through the writer on SQLite,
// directly on PostgreSQL.
func (s *Store) Write(ctx context.Context, fn func(core.Tx) error) error {
	if s.closed.Load() {
		return errClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.writer != nil {
		return s.writer.submit(ctx, fn)
	}
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	// Also on runtime.Goexit in fn; a no-op after Commit.
	defer sqlTx.Rollback()
	t := &tx{s: s, q: sqlTx, write: true}
	err = callFn(fn, t)
	t.done = true
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return err
	}
	s.afterCommit([]*tx{t})
	return nil
}

// afterCommit drops the cached schema if a committed tx changed it, then
// publishes the txs' events in order.
func (s *Store) afterCommit(txs []*tx) {
	for _, t := range txs {
		if t.schemaChanged {
			s.schema.invalidate()
			break
		}
	}
	for _, t := range txs {
		if len(t.events) > 0 {
			s.subs.publish(s.cfg.Logger, t.events)
		}
	}
}

// Schema returns the committed schema snapshot, loading it when a commit
// (or InvalidateSchema) made the cached one stale.
func (s *Store) Schema(ctx context.Context) (*core.Schema, error) {
	return s.schema.get(ctx, func(ctx context.Context) ([]*core.Collection, error) {
		var cols []*core.Collection
		err := s.Read(ctx, func(t core.Tx) error {
			var err error
			cols, err = t.Collections(ctx)
			return err
		})
		return cols, err
	})
}

// WriteStats counts the writer's work: Commits transactions committed for
// Writes successful Write calls. Writes/Commits is the group-commit batch
// size. Both are zero on PostgreSQL, which has no writer.
type WriteStats struct {
	Commits, Writes int64
}

// WriteStats returns the writer's counters.
func (s *Store) WriteStats() WriteStats {
	if s.writer == nil {
		return WriteStats{}
	}
	return WriteStats{Commits: s.writer.commits.Load(), Writes: s.writer.writes.Load()}
}

// InvalidateSchema makes the next Schema call reload the collections, for
// changes committed elsewhere (another node).
func (s *Store) InvalidateSchema() { s.schema.invalidate() }

// Subscribe registers fn for committed change events.
func (s *Store) Subscribe(fn func([]core.Event)) (unsubscribe func()) { return s.subs.add(fn) }

// schemaCache holds the current snapshot. gen counts invalidations; a
// snapshot is current when it was loaded at the latest gen.
type schemaCache struct {
	mu      sync.Mutex // serializes loads
	cur     atomic.Pointer[cachedSchema]
	gen     atomic.Int64
	version int64
}

type cachedSchema struct {
	schema *core.Schema
	gen    int64
}

func (c *schemaCache) invalidate() { c.gen.Add(1) }

func (c *schemaCache) get(ctx context.Context, load func(context.Context) ([]*core.Collection, error)) (*core.Schema, error) {
	if cs := c.cur.Load(); cs != nil && cs.gen == c.gen.Load() {
		return cs.schema, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	gen := c.gen.Load()
	if cs := c.cur.Load(); cs != nil && cs.gen == gen {
		return cs.schema, nil
	}
	cols, err := load(ctx)
	if err != nil {
		return nil, err
	}
	c.version++
	sc := core.NewSchema(c.version, cols)
	c.cur.Store(&cachedSchema{schema: sc, gen: gen})
	return sc, nil
}

type subscriber struct {
	id int
	fn func([]core.Event)
}

type subscribers struct {
	mu   sync.RWMutex
	next int
	list []subscriber
}

func (s *subscribers) add(fn func([]core.Event)) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	id := s.next
	s.list = append(s.list, subscriber{id: id, fn: fn})
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		for i, sub := range s.list {
			if sub.id == id {
				s.list = append(s.list[:i:i], s.list[i+1:]...)
				return
			}
		}
	}
}

func (s *subscribers) publish(log *slog.Logger, events []core.Event) {
	s.mu.RLock()
	list := s.list
	s.mu.RUnlock()
	for _, sub := range list {
		func() {
			// A panicking subscriber must not take the writer down.
			defer func() {
				if r := recover(); r != nil {
					log.Error("sqlstore: event subscriber panicked", "panic", r)
				}
			}()
			sub.fn(events)
		}()
	}
}
