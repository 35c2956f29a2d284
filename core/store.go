package core

import (
	"context"
	"encoding/json"
	"strings"
)

// Dialect names the SQL dialect of a store. Packages that emit SQL switch
// on it; nothing outside them needs to know the difference.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// MainAlias is the alias of the collection's table in every record query.
// Compiled filters, rules and sort terms reference columns as "_main"."col".
const MainAlias = "_main"

// SQL is a fragment with '?' placeholders and its arguments. Stores rewrite
// placeholders to their dialect ($1… on PostgreSQL) when they run a query.
type SQL struct {
	Text string
	Args []any
}

// Query selects records of one collection.
type Query struct {
	Collection *Collection
	Where      []SQL // ANDed boolean expressions over MainAlias
	OrderBy    []SQL // ORDER BY terms, direction included; empty = insertion order
	Limit      int   // 0 = no limit
	Offset     int
}

// Actions of change events.
const (
	ActionCreate = "create"
	ActionUpdate = "update"
	ActionDelete = "delete"
)

// Event is one committed change of a record. Old is nil on create; Record
// is the state before deletion on delete.
type Event struct {
	Collection *Collection
	Action     string
	Record     *Record
	Old        *Record
}

// UniqueError reports a unique index violation; Columns are the indexed
// columns (field names) when the store can tell them.
type UniqueError struct {
	Columns []string
	Err     error
}

func (e *UniqueError) Error() string {
	return "unique constraint failed: " + strings.Join(e.Columns, ", ")
}
func (e *UniqueError) Unwrap() error { return e.Err }

// Schema is an immutable snapshot of all collections.
type Schema struct {
	Version     int64
	Collections []*Collection // insertion order
	byName      map[string]*Collection
	byID        map[string]*Collection
}

// NewSchema indexes collections for lookup.
func NewSchema(version int64, cols []*Collection) *Schema {
	s := &Schema{Version: version, Collections: cols,
		byName: make(map[string]*Collection, len(cols)), byID: make(map[string]*Collection, len(cols))}
	for _, c := range cols {
		s.byName[strings.ToLower(c.Name)] = c
		s.byID[c.ID] = c
	}
	return s
}

// Find returns the collection with the given id (exact) or name
// (case-insensitive), or nil.
func (s *Schema) Find(nameOrID string) *Collection {
	if c, ok := s.byID[nameOrID]; ok {
		return c
	}
	return s.byName[strings.ToLower(nameOrID)]
}

// Store is the persistence contract. Implementations: store/sqlite and
// store/postgres; store/storetest is the suite both must pass.
type Store interface {
	Dialect() Dialect
	// Schema returns the committed schema snapshot, cached until a
	// transaction that changed it commits.
	Schema(ctx context.Context) (*Schema, error)
	// Read runs fn outside any write transaction (a pooled connection).
	Read(ctx context.Context, fn func(Tx) error) error
	// Write runs fn in one transaction, committed when fn returns nil.
	// On SQLite every write goes through one writer goroutine. Change
	// events of the transaction are published after commit, never on
	// rollback.
	Write(ctx context.Context, fn func(Tx) error) error
	// Subscribe registers fn for committed change events and returns a
	// function that removes it. fn runs synchronously after commit: it
	// must not block.
	Subscribe(fn func([]Event)) (unsubscribe func())
	Close() error
}

// Tx is what a Read or Write callback may do. Write methods fail on a Read tx.
type Tx interface {
	// Collections reads every collection row, in insertion order, as this
	// transaction sees them (including its own uncommitted changes).
	Collections(ctx context.Context) ([]*Collection, error)
	// SaveCollection creates c (old == nil) or changes old into c: the
	// table DDL and the collection row, in this transaction. Fields are
	// matched by id, so a renamed field keeps its data. View collections
	// are (re)created from ViewQuery.
	SaveCollection(ctx context.Context, old, c *Collection) error
	// DeleteCollection drops the table (or view) and the row.
	DeleteCollection(ctx context.Context, c *Collection) error

	Find(ctx context.Context, q *Query) ([]*Record, error)
	Count(ctx context.Context, q *Query) (int, error)
	// Insert, Update and Delete write one record by its id. Unique index
	// violations come back as *UniqueError. Update and Delete of a missing
	// id return ErrNotFound.
	Insert(ctx context.Context, r *Record) error
	Update(ctx context.Context, r *Record) error
	Delete(ctx context.Context, r *Record) error

	// Param and SetParam read and write a system parameter (settings and
	// the like) as JSON. A missing key returns nil, nil.
	Param(ctx context.Context, key string) (json.RawMessage, error)
	SetParam(ctx context.Context, key string, value json.RawMessage) error

	// Query runs a raw read-only query (view dry runs, the SQL console).
	Query(ctx context.Context, q SQL) (columns []string, rows [][]any, err error)
}
