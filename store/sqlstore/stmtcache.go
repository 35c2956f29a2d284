package sqlstore

import (
	"container/list"
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements by SQL text, least recently used
// first out. SQLite needs it: the driver parses every query anew otherwise,
// which is most of a point read's cost. (pgx caches statements itself, so
// PostgreSQL does without.)
//
// A cache either prepares synchronously (the writer's, on the connection
// it owns) or in the background (the read pool's): preparing on a pool
// needs a free connection, and a reader holding one while waiting for
// another could starve the pool. A background miss runs unprepared once.
type stmtCache struct {
	prepare func(ctx context.Context, query string) (*sql.Stmt, error)
	async   bool
	max     int

	mu      sync.Mutex
	byKey   map[string]*list.Element
	lru     list.List // of *cachedStmt, most recent at the front
	pending map[string]bool
	closed  bool
}

type cachedStmt struct {
	query string
	stmt  *sql.Stmt
}

func newStmtCache(prepare func(context.Context, string) (*sql.Stmt, error), async bool, max int) *stmtCache {
	return &stmtCache{prepare: prepare, async: async, max: max,
		byKey: map[string]*list.Element{}, pending: map[string]bool{}}
}

// get returns the prepared statement for query, or nil when there is none
// yet (a background preparation may have been started).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	if e, ok := c.byKey[query]; ok {
		c.lru.MoveToFront(e)
		st := e.Value.(*cachedStmt).stmt
		c.mu.Unlock()
		return st
	}
	if c.closed || c.pending[query] {
		c.mu.Unlock()
		return nil
	}
	c.pending[query] = true
	c.mu.Unlock()
	if c.async {
		go c.load(context.Background(), query)
		return nil
	}
	return c.load(ctx, query)
}

func (c *stmtCache) load(ctx context.Context, query string) *sql.Stmt {
	st, err := c.prepare(ctx, query)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, query)
	if err != nil {
		// Not worth remembering: the query fails unprepared too and
		// reports its error there.
		return nil
	}
	if c.closed {
		st.Close()
		return nil
	}
	c.byKey[query] = c.lru.PushFront(&cachedStmt{query: query, stmt: st})
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		cs := c.lru.Remove(old).(*cachedStmt)
		delete(c.byKey, cs.query)
		// database/sql defers the real close while a transaction uses it.
		cs.stmt.Close()
	}
	return st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for e := c.lru.Front(); e != nil; e = e.Next() {
		e.Value.(*cachedStmt).stmt.Close()
	}
	c.lru.Init()
	c.byKey = map[string]*list.Element{}
}
