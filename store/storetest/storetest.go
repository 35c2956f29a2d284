// Package storetest is the contract suite every core.Store must pass. The
// engine packages call Run from their tests with a function that opens a
// fresh, empty store.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/plinthdb/plinth/core"
)

// Run runs the contract suite. open must return a new, empty store for
// each call; Run closes it when the test ends (Close must be idempotent).
func Run(t *testing.T, open func(t *testing.T) core.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s core.Store)
	}{
		{"CollectionRoundTrip", testCollectionRoundTrip},
		{"CollectionOrderAndNameUnique", testCollectionOrderAndNameUnique},
		{"RecordValues", testRecordValues},
		{"ZeroValues", testZeroValues},
		{"UpdateDelete", testUpdateDelete},
		{"Query", testFindQuery},
		{"InsertionOrder", testInsertionOrder},
		{"RenameCollection", testRenameCollection},
		{"FieldChanges", testFieldChanges},
		{"SingleMultiConversion", testSingleMultiConversion},
		{"UniqueIndex", testUniqueIndex},
		{"UniqueNocaseAndPartial", testUniqueNocaseAndPartial},
		{"IndexChanges", testIndexChanges},
		{"ErrorKeepsTxUsable", testErrorKeepsTxUsable},
		{"FailedWriteRollsBackDDL", testFailedWriteRollsBackDDL},
		{"Events", testEvents},
		{"SchemaSnapshot", testSchemaSnapshot},
		{"Views", testViews},
		{"ViewStatements", testViewStatements},
		{"ViewDependencies", testViewDependencies},
		{"Params", testParams},
		{"RawQuery", testRawQuery},
		{"ConcurrentWrites", testConcurrentWrites},
		{"Cancellation", testCancellation},
		{"PanicInWrite", testPanicInWrite},
		{"TxMisuse", testTxMisuse},
		{"DeleteCollection", testDeleteCollection},
		{"BadInput", testBadInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// ---- fixtures ----

func field(typ, name string) *core.Field {
	return &core.Field{ID: core.DefaultFieldID(typ, name), Name: name, Type: typ}
}

func idField() *core.Field {
	f := field(core.FieldText, "id")
	f.ID = "text3208210256"
	f.System, f.Required, f.PrimaryKey = true, true, true
	f.Min, f.Max = core.Float(15), core.Float(15)
	f.Pattern, f.AutogeneratePattern = "^[a-z0-9]+$", "[a-z0-9]{15}"
	return f
}

func multi(f *core.Field, n int) *core.Field { f.MaxSelect = n; return f }

func baseCollection(name string, fields ...*core.Field) *core.Collection {
	return &core.Collection{
		ID: core.DefaultCollectionID(core.TypeBase, name), Name: name, Type: core.TypeBase,
		ListRule: core.String(""), Fields: append([]*core.Field{idField()}, fields...),
		Indexes: []string{}, Created: "2024-01-01 00:00:00.000Z", Updated: "2024-01-01 00:00:00.000Z",
	}
}

// everyField returns a collection with a field of every type (and the
// single and multiple forms of select, file and relation).
func everyField(name string) *core.Collection {
	sel := field(core.FieldSelect, "tag")
	sel.Values = []string{"a", "b", "c"}
	sels := multi(field(core.FieldSelect, "tags"), 3)
	sels.Values = []string{"a", "b", "c"}
	rel := field(core.FieldRelation, "author")
	rel.CollectionID = "_pb_users_auth_"
	rels := multi(field(core.FieldRelation, "readers"), 10)
	rels.CollectionID = "_pb_users_auth_"
	created := field(core.FieldAutodate, "created")
	created.OnCreate = true
	return baseCollection(name,
		field(core.FieldText, "title"),
		field(core.FieldNumber, "num"),
		field(core.FieldBool, "flag"),
		field(core.FieldEmail, "mail"),
		field(core.FieldURL, "site"),
		field(core.FieldEditor, "body"),
		field(core.FieldDate, "when"),
		created,
		sel, sels,
		field(core.FieldFile, "doc"),
		multi(field(core.FieldFile, "docs"), 5),
		rel, rels,
		field(core.FieldJSON, "meta"),
		field(core.FieldGeoPoint, "loc"),
		field(core.FieldPassword, "secret"),
	)
}

func record(c *core.Collection, values map[string]any) *core.Record {
	r := core.NewRecord(c)
	for k, v := range values {
		r.Values[k] = v
	}
	return r
}

// ---- helpers ----

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func write(t *testing.T, s core.Store, fn func(tx core.Tx) error) {
	t.Helper()
	if err := s.Write(ctxT(t), fn); err != nil {
		t.Fatalf("Write: %v", err)
	}
}

func create(t *testing.T, s core.Store, cols ...*core.Collection) {
	t.Helper()
	write(t, s, func(tx core.Tx) error {
		for _, c := range cols {
			if err := tx.SaveCollection(ctxT(t), nil, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func save(t *testing.T, s core.Store, old, c *core.Collection) {
	t.Helper()
	write(t, s, func(tx core.Tx) error { return tx.SaveCollection(ctxT(t), old, c) })
}

func insert(t *testing.T, s core.Store, recs ...*core.Record) {
	t.Helper()
	write(t, s, func(tx core.Tx) error {
		for _, r := range recs {
			if err := tx.Insert(ctxT(t), r); err != nil {
				return err
			}
		}
		return nil
	})
}

func find(t *testing.T, s core.Store, q *core.Query) []*core.Record {
	t.Helper()
	var out []*core.Record
	err := s.Read(ctxT(t), func(tx core.Tx) error {
		var err error
		out, err = tx.Find(ctxT(t), q)
		return err
	})
	if err != nil {
		t.Fatalf("Find: %v", err)
	}
	return out
}

func findAll(t *testing.T, s core.Store, c *core.Collection) []*core.Record {
	t.Helper()
	return find(t, s, &core.Query{Collection: c})
}

func count(t *testing.T, s core.Store, q *core.Query) int {
	t.Helper()
	var n int
	err := s.Read(ctxT(t), func(tx core.Tx) error {
		var err error
		n, err = tx.Count(ctxT(t), q)
		return err
	})
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	return n
}

func collections(t *testing.T, s core.Store) []*core.Collection {
	t.Helper()
	var out []*core.Collection
	err := s.Read(ctxT(t), func(tx core.Tx) error {
		var err error
		out, err = tx.Collections(ctxT(t))
		return err
	})
	if err != nil {
		t.Fatalf("Collections: %v", err)
	}
	return out
}

// rawQuery runs a raw read query and returns its error.
func rawQuery(t *testing.T, s core.Store, text string, args ...any) ([]string, [][]any, error) {
	t.Helper()
	var cols []string
	var rows [][]any
	err := s.Read(ctxT(t), func(tx core.Tx) error {
		var err error
		cols, rows, err = tx.Query(ctxT(t), core.SQL{Text: text, Args: args})
		return err
	})
	return cols, rows, err
}

// tableExists reports whether a table (or view) of that name can be read.
func tableExists(t *testing.T, s core.Store, name string) bool {
	t.Helper()
	_, _, err := rawQuery(t, s, `SELECT COUNT(*) FROM "`+name+`"`)
	return err == nil
}

func ids(recs []*core.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID()
	}
	return out
}

func equalIDs(t *testing.T, what string, recs []*core.Record, want ...string) {
	t.Helper()
	got := ids(recs)
	if len(want) == 0 {
		want = []string{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: ids %v, want %v", what, got, want)
	}
}

func equalValues(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: %s missing", what, k)
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: %s = %#v (%T), want %#v (%T)", what, k, g, g, w, w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected key %s", what, k)
		}
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantUnique(t *testing.T, err error, cols ...string) {
	t.Helper()
	var ue *core.UniqueError
	if !errors.As(err, &ue) {
		t.Fatalf("error %v (%T), want *core.UniqueError", err, err)
	}
	if !reflect.DeepEqual(ue.Columns, cols) {
		t.Errorf("UniqueError columns %v, want %v", ue.Columns, cols)
	}
}
