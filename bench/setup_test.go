package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, as store/postgres uses it
	_ "modernc.org/sqlite"             // the "sqlite" driver, as store/sqlite uses it

	"github.com/plinthdb/plinth/api"
	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/store/postgres"
	"github.com/plinthdb/plinth/store/sqlite"
)

const (
	suEmail = "bench@example.com"
	suPass  = "a-long-bench-password"
)

// sqlitePragmas are store/sqlite's connection settings (WAL,
// synchronous=NORMAL, busy timeout, foreign keys off, no double-quoted
// strings), so the raw baseline runs the engine exactly as Plinth does.
// TestSamePragmas checks that they still agree.
const sqlitePragmas = "_dqs=0&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(OFF)"

// The measured collection: five fields of the common types and one index
// that serves both the list filter and its sort.
const (
	collName  = "items"
	indexDDL  = "CREATE INDEX idx_items_status_qty ON items (status, qty)"
	columns   = "id, title, qty, done, due, status"
	listMatch = "a" // the status the list filter selects

	listFilter = `status = "a"`
	listSort   = "-qty"
	perPage    = 30
)

func itemsCollection() map[string]any {
	return map[string]any{
		"name": collName, "type": "base",
		"fields": []any{
			map[string]any{"name": "title", "type": "text", "max": 200},
			map[string]any{"name": "qty", "type": "number"},
			map[string]any{"name": "done", "type": "bool"},
			map[string]any{"name": "due", "type": "date"},
			map[string]any{"name": "status", "type": "select", "values": []string{"a", "b", "c", "d", "e"}, "maxSelect": 1},
		},
		"indexes": []string{indexDDL},
	}
}

// Created records get status "e", which no seeded row has and the list
// filter does not select, so creates never change what list reads.
var createBody = []byte(`{"title":"created item","qty":42,"done":true,"due":"2025-01-02 03:04:05.000Z","status":"e"}`)

const (
	createTitle = "created item"
	createQty   = 42.0
	createDue   = "2025-01-02 03:04:05.000Z"
	createState = "e"
)

var (
	recordsPath = "/api/collections/" + collName + "/records"
	listQuery   = fmt.Sprintf("?page=1&perPage=%d&filter=%s&sort=%s", perPage, url.QueryEscape(listFilter), url.QueryEscape(listSort))
)

// The hand-written SQL of each operation: what an application talking to
// the database directly would run.
func rawSQL(pg bool, table string) (insert, view, list, count string) {
	p := func(i int) string {
		if pg {
			return fmt.Sprintf("$%d", i)
		}
		return "?"
	}
	insert = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s, %s, %s, %s, %s, %s)", table, columns, p(1), p(2), p(3), p(4), p(5), p(6))
	view = fmt.Sprintf("SELECT %s FROM %s WHERE id = %s", columns, table, p(1))
	list = fmt.Sprintf("SELECT %s FROM %s WHERE status = %s ORDER BY qty DESC LIMIT %d", columns, table, p(1), perPage)
	count = fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE status = %s", table, p(1))
	return
}

// item is one row of the collection.
type item struct {
	id, title string
	qty       float64
	done      bool
	due       string
	status    string
}

// seedItems returns n deterministic rows, statuses a-d in turn.
func seedItems(n int) []item {
	r := mrand.New(mrand.NewPCG(1, 2))
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]item, n)
	for i := range out {
		out[i] = item{
			id:     newID(r),
			title:  fmt.Sprintf("seeded item %06d", i),
			qty:    float64((i * 7919) % 1000),
			done:   i%2 == 0,
			due:    base.Add(time.Duration(i) * time.Minute).Format(core.DateLayout),
			status: string(rune('a' + i%4)),
		}
	}
	return out
}

// newID makes a record id of PocketBase's shape (15 of [a-z0-9]). The raw
// baseline draws from a fast PRNG; Plinth uses crypto/rand.
func newID(r *mrand.Rand) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [15]byte
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b[:])
}

// engine is Plinth on one store, its HTTP server, and the raw baseline on
// the same engine: a table of identical definition and contents.
type engine struct {
	name  string // "sqlite" or "postgres"
	store core.Store
	srv   *httptest.Server
	token string
	ids   []string // the seeded ids, in both tables

	raw  *sql.DB // raw reads; PostgreSQL writes too
	rawW *sql.DB // SQLite: the single write connection, as Plinth has

	insert, view, list, count *sql.Stmt
	rawTable                  string
	rawRand                   *mrand.Rand

	closers []func() error // run in reverse order
}

func (e *engine) close() error {
	var errs []error
	for i := len(e.closers) - 1; i >= 0; i-- {
		errs = append(errs, e.closers[i]())
	}
	return errors.Join(errs...)
}

// suite is everything one measurement run needs.
type suite struct {
	rows    int
	client  *http.Client
	engines []*engine // sqlite first, then postgres when configured
	plain   *httptest.Server
	// Plinth's own answers, which the plain handler sends back verbatim.
	createResp, viewResp, listResp, listTotalResp []byte
	closers                                       []func() error
}

func (s *suite) close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	for _, e := range s.engines {
		errs = append(errs, e.close())
	}
	return errors.Join(errs...)
}

// newSuite builds Plinth on SQLite in dir (and on PostgreSQL when pgURL is
// set), seeds rows records into Plinth's table and into the raw tables,
// and starts the plain baseline server.
func newSuite(ctx context.Context, dir string, rows int, pgURL string) (s *suite, err error) {
	s = &suite{rows: rows}
	defer func() {
		if err != nil {
			s.close()
			s = nil
		}
	}()
	// One keep-alive connection per server is enough for a sequential
	// client; the same client drives every HTTP variant.
	tr := &http.Transport{MaxIdleConns: 16, MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute, DisableCompression: true}
	s.client = &http.Client{Transport: tr}
	s.closers = append(s.closers, func() error { tr.CloseIdleConnections(); return nil })

	seed := seedItems(rows)
	e, err := newSQLiteEngine(ctx, s.client, dir, seed)
	if e != nil {
		s.engines = append(s.engines, e)
	}
	if err != nil {
		return nil, err
	}
	if pgURL != "" {
		e, err := newPostgresEngine(ctx, s.client, pgURL, seed)
		if e != nil {
			s.engines = append(s.engines, e)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := s.capture(ctx); err != nil {
		return nil, err
	}
	s.plain = httptest.NewServer(s.plainHandler())
	s.closers = append(s.closers, func() error { s.plain.Close(); return nil })
	return s, nil
}

// capture stores Plinth's answers for the plain handler. The created
// record is deleted again so the tables stay alike.
func (s *suite) capture(ctx context.Context) error {
	e := s.engines[0]
	var err error
	if s.createResp, err = e.call(ctx, s.client, "POST", recordsPath, createBody); err != nil {
		return err
	}
	var created struct{ ID string }
	if err := json.Unmarshal(s.createResp, &created); err != nil || created.ID == "" {
		return fmt.Errorf("create answer without id: %s", s.createResp)
	}
	if _, err := e.call(ctx, s.client, "DELETE", recordsPath+"/"+created.ID, nil); err != nil {
		return err
	}
	if s.viewResp, err = e.call(ctx, s.client, "GET", recordsPath+"/"+e.ids[0], nil); err != nil {
		return err
	}
	if s.listResp, err = e.call(ctx, s.client, "GET", recordsPath+listQuery+"&skipTotal=1", nil); err != nil {
		return err
	}
	s.listTotalResp, err = e.call(ctx, s.client, "GET", recordsPath+listQuery, nil)
	return err
}

// plainHandler is the HTTP baseline: the same routes, the body read and
// dropped, Plinth's captured answer written back. No JSON work, no store.
func (s *suite) plainHandler() http.Handler {
	send := func(body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(body)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+recordsPath, send(s.createResp))
	mux.Handle("GET "+recordsPath+"/{id}", send(s.viewResp))
	mux.Handle("GET "+recordsPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("skipTotal") != "" {
			send(s.listResp)(w, r)
			return
		}
		send(s.listTotalResp)(w, r)
	}))
	return mux
}

// startPlinth assembles the server as cmd/plinth does, creates the
// superuser and the collection, and logs in.
func startPlinth(ctx context.Context, e *engine, client *http.Client) error {
	a := app.New(e.store, app.Options{})
	if err := a.Bootstrap(ctx); err != nil {
		return err
	}
	if err := a.UpsertSuperuser(ctx, suEmail, suPass); err != nil {
		return err
	}
	e.srv = httptest.NewServer(api.NewServer(api.Config{App: a}))
	e.closers = append(e.closers, func() error { e.srv.Close(); return nil })
	body, _ := json.Marshal(map[string]any{"identity": suEmail, "password": suPass})
	res, err := e.call(ctx, client, "POST", "/api/collections/_superusers/auth-with-password", body)
	if err != nil {
		return err
	}
	var login struct{ Token string }
	if err := json.Unmarshal(res, &login); err != nil || login.Token == "" {
		return fmt.Errorf("login: no token in %s", res)
	}
	e.token = login.Token
	def, _ := json.Marshal(itemsCollection())
	_, err = e.call(ctx, client, "POST", "/api/collections", def)
	return err
}

// call is the setup's request helper: it fails on any status but 200/204.
func (e *engine) call(ctx context.Context, client *http.Client, method, path string, body []byte) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.token != "" {
		req.Header.Set("Authorization", e.token)
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNoContent {
		return nil, fmt.Errorf("%s %s: status %d: %s", method, path, res.StatusCode, out)
	}
	return out, nil
}

func newSQLiteEngine(ctx context.Context, client *http.Client, dir string, seed []item) (*engine, error) {
	e := &engine{name: "sqlite", rawTable: collName, rawRand: mrand.New(mrand.NewPCG(3, 4))}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "plinth"))
	if err != nil {
		return nil, err
	}
	e.store = st
	e.closers = append(e.closers, st.Close)
	if err := startPlinth(ctx, e, client); err != nil {
		return e, err
	}

	// Seed Plinth's table through a connection of our own; the writer is
	// idle, and WAL lets the two take turns.
	plinthFile := filepath.Join(dir, "plinth", sqlite.FileName)
	seedDB, err := sql.Open("sqlite", plinthFile+"?"+sqlitePragmas+"&_txlock=immediate")
	if err != nil {
		return e, err
	}
	defer seedDB.Close()
	if err := seedTable(ctx, seedDB, false, collName, seed); err != nil {
		return e, err
	}
	// The raw table is Plinth's own DDL (table and index) in a file of
	// its own, with the same rows.
	ddl, err := sqliteDDL(ctx, seedDB)
	if err != nil {
		return e, err
	}
	rawFile := filepath.Join(dir, "raw.db")
	e.rawW, err = sql.Open("sqlite", rawFile+"?"+sqlitePragmas+"&_txlock=immediate")
	if err != nil {
		return e, err
	}
	e.closers = append(e.closers, e.rawW.Close)
	e.rawW.SetMaxOpenConns(1)
	e.rawW.SetMaxIdleConns(1)
	for _, stmt := range ddl {
		if _, err := e.rawW.ExecContext(ctx, stmt); err != nil {
			return e, fmt.Errorf("raw DDL %q: %w", stmt, err)
		}
	}
	if err := seedTable(ctx, e.rawW, false, collName, seed); err != nil {
		return e, err
	}
	// Reads get a pool like Plinth's read pool.
	e.raw, err = sql.Open("sqlite", rawFile+"?"+sqlitePragmas+"&_pragma=query_only(ON)")
	if err != nil {
		return e, err
	}
	e.closers = append(e.closers, e.raw.Close)
	n := max(4, 2*runtime.GOMAXPROCS(0))
	e.raw.SetMaxOpenConns(n)
	e.raw.SetMaxIdleConns(n)
	for _, it := range seed {
		e.ids = append(e.ids, it.id)
	}
	return e, e.prepare(ctx, false)
}

// sqliteDDL returns the CREATE statements of Plinth's items table and its
// indexes, table first.
func sqliteDDL(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type = 'table' DESC, name`, collName)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) < 2 {
		return nil, fmt.Errorf("expected the items table and its index, got %q", out)
	}
	return out, rows.Err()
}

func newPostgresEngine(ctx context.Context, client *http.Client, base string, seed []item) (*engine, error) {
	e := &engine{name: "postgres", rawTable: "raw_items", rawRand: mrand.New(mrand.NewPCG(3, 4))}
	u, err := freshSchema(ctx, e, base)
	if err != nil {
		return e, err
	}
	st, err := postgres.Open(ctx, u)
	if err != nil {
		return e, err
	}
	e.store = st
	e.closers = append(e.closers, st.Close)
	if err := startPlinth(ctx, e, client); err != nil {
		return e, err
	}
	// The raw pool is sized like Plinth's and selects the same schema.
	e.raw, err = sql.Open("pgx", u)
	if err != nil {
		return e, err
	}
	e.closers = append(e.closers, e.raw.Close)
	n := max(8, 4*runtime.GOMAXPROCS(0))
	e.raw.SetMaxOpenConns(n)
	e.raw.SetMaxIdleConns(n)
	// LIKE … INCLUDING ALL copies Plinth's columns, defaults, identity
	// column and indexes.
	if _, err := e.raw.ExecContext(ctx, `CREATE TABLE raw_items (LIKE items INCLUDING ALL)`); err != nil {
		return e, err
	}
	for _, table := range []string{collName, e.rawTable} {
		if err := seedTable(ctx, e.raw, true, table, seed); err != nil {
			return e, err
		}
		// Fresh statistics for both, so autovacuum's timing cannot give
		// the two tables different plans.
		if _, err := e.raw.ExecContext(ctx, "ANALYZE "+table); err != nil {
			return e, err
		}
	}
	for _, it := range seed {
		e.ids = append(e.ids, it.id)
	}
	return e, e.prepare(ctx, true)
}

// freshSchema creates a schema for this run, dropped on close, and returns
// base with its search_path set to it.
func freshSchema(ctx context.Context, e *engine, base string) (string, error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "plinth_bench_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+name); err != nil {
		admin.Close()
		return "", fmt.Errorf("create schema (is PostgreSQL reachable at PLINTH_TEST_POSTGRES?): %w", err)
	}
	e.closers = append(e.closers, func() error {
		_, err := admin.Exec(`DROP SCHEMA ` + name + ` CASCADE`)
		return errors.Join(err, admin.Close())
	})
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// seedTable inserts the rows in one transaction.
func seedTable(ctx context.Context, db *sql.DB, pg bool, table string, seed []item) error {
	insert, _, _, _ := rawSQL(pg, table)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, insert)
	if err != nil {
		return err
	}
	for _, it := range seed {
		if _, err := st.ExecContext(ctx, it.id, it.title, it.qty, it.done, it.due, it.status); err != nil {
			return fmt.Errorf("seed %s: %w", table, err)
		}
	}
	return tx.Commit()
}

// prepare readies the raw statements, as a careful application would.
func (e *engine) prepare(ctx context.Context, pg bool) error {
	insert, view, list, count := rawSQL(pg, e.rawTable)
	w := e.rawW
	if w == nil {
		w = e.raw
	}
	var err error
	if e.insert, err = w.PrepareContext(ctx, insert); err != nil {
		return err
	}
	for _, p := range []struct {
		st  **sql.Stmt
		sql string
	}{{&e.view, view}, {&e.list, list}, {&e.count, count}} {
		if *p.st, err = e.raw.PrepareContext(ctx, p.sql); err != nil {
			return fmt.Errorf("prepare %q: %w", p.sql, err)
		}
	}
	e.closers = append(e.closers, func() error {
		return errors.Join(e.insert.Close(), e.view.Close(), e.list.Close(), e.count.Close())
	})
	return nil
}

// benchRows is the table size the benchmarks run on.
func benchRows() int {
	var n int
	if _, err := fmt.Sscan(os.Getenv("PLINTH_BENCH_ROWS"), &n); err == nil && n >= perPage*4 {
		return n
	}
	return 10000
}

// pgURL is the PostgreSQL server to include, if any.
func pgURL() string { return strings.TrimSpace(os.Getenv("PLINTH_TEST_POSTGRES")) }
