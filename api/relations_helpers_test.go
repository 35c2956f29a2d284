package api_test

import (
	"context"
	"sync"
	"testing"

	"github.com/plinthdb/plinth/app"
	"github.com/plinthdb/plinth/core"
)

// relCol creates a collection as the superuser and returns its id.
func (e *env) relCol(def map[string]any) string {
	e.t.Helper()
	if def["type"] == nil {
		def["type"] = "base"
	}
	return e.su("POST", "/api/collections", def).status(200).str("id")
}

// relAddField appends a field to a collection (for self relations, whose
// target id is only known once the collection exists).
func (e *env) relAddField(collection string, field map[string]any) {
	e.t.Helper()
	fields := e.su("GET", "/api/collections/"+collection, nil).status(200).get("fields").([]any)
	e.su("PATCH", "/api/collections/"+collection, map[string]any{"fields": append(fields, field)}).status(200)
}

// relRec creates a record as the superuser and returns its id.
func (e *env) relRec(collection string, body map[string]any) string {
	e.t.Helper()
	return e.su("POST", "/api/collections/"+collection+"/records", body).status(200).str("id")
}

// relUser creates a user (emailVisibility off) and returns its id and token.
func (e *env) relUser(email string, extra map[string]any) (string, string) {
	e.t.Helper()
	body := map[string]any{"email": email, "password": "a-long-password-1", "passwordConfirm": "a-long-password-1"}
	for k, v := range extra {
		body[k] = v
	}
	id := e.relRec("users", body)
	token := e.call("POST", "/api/collections/users/auth-with-password", "",
		map[string]any{"identity": email, "password": "a-long-password-1"}).status(200).str("token")
	return id, token
}

// ids returns the "id" of each object of the list at path.
func (r *response) ids(path string) []string {
	r.t.Helper()
	list, _ := r.get(path).([]any)
	out := []string{}
	for _, item := range list {
		m, _ := item.(map[string]any)
		id, _ := m["id"].(string)
		out = append(out, id)
	}
	return out
}

// countingStore counts the record queries per collection, to prove that
// expand does not issue a query per record.
type countingStore struct {
	core.Store
	mu    sync.Mutex
	finds map[string]int
}

func (s *countingStore) reset() {
	s.mu.Lock()
	s.finds = map[string]int{}
	s.mu.Unlock()
}

func (s *countingStore) count(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finds[name]
}

func (s *countingStore) Read(ctx context.Context, fn func(core.Tx) error) error {
	return s.Store.Read(ctx, func(tx core.Tx) error { return fn(&countingTx{Tx: tx, s: s}) })
}

func (s *countingStore) Write(ctx context.Context, fn func(core.Tx) error) error {
	return s.Store.Write(ctx, func(tx core.Tx) error { return fn(&countingTx{Tx: tx, s: s}) })
}

type countingTx struct {
	core.Tx
	s *countingStore
}

func (t *countingTx) Find(ctx context.Context, q *core.Query) ([]*core.Record, error) {
	t.s.mu.Lock()
	if t.s.finds == nil {
		t.s.finds = map[string]int{}
	}
	t.s.finds[q.Collection.Name]++
	t.s.mu.Unlock()
	return t.Tx.Find(ctx, q)
}

// eachCountingStore is eachStore with the store wrapped in a countingStore.
func eachCountingStore(t *testing.T, fn func(t *testing.T, e *env, cs *countingStore)) {
	eachEngine(t, func(t *testing.T, st core.Store) {
		cs := &countingStore{Store: st}
		fn(t, newEnv(t, cs, app.Options{}), cs)
	})
}
