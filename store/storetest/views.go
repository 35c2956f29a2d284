package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/plinthdb/plinth/core"
)

// viewPreviewer is what the SQL stores offer beyond core.Tx for views.
type viewPreviewer interface {
	QueryTypes(ctx context.Context, q core.SQL) (cols, types []string, rows [][]any, err error)
	PreviewView(ctx context.Context, c *core.Collection, limit int) ([]*core.Record, error)
}

// testViewStatements: a view's query can never run as more than one
// statement, and a SELECT * gives only the view's fields.
func testViewStatements(t *testing.T, s core.Store) {
	posts := baseCollection("posts", field(core.FieldText, "title"), field(core.FieldNumber, "num"))
	create(t, s, posts)
	insert(t, s, record(posts, map[string]any{"id": "p1", "title": "one", "num": 1.0}))
	for _, q := range []string{
		"SELECT id, title FROM posts; DELETE FROM posts",
		"SELECT id, title FROM posts;\nDROP TABLE posts;",
	} {
		v := &core.Collection{ID: "pbc_bad", Name: "bad", Type: core.TypeView, ViewQuery: q,
			Fields: []*core.Field{idField(), field(core.FieldText, "title")}}
		err := s.Write(ctxT(t), func(tx core.Tx) error { return tx.SaveCollection(ctxT(t), nil, v) })
		if err == nil {
			t.Errorf("view %q was created", q)
		}
	}
	equalIDs(t, "posts after bad views", findAll(t, s, posts), "p1")

	star := &core.Collection{ID: "pbc_star", Name: "star", Type: core.TypeView, ViewQuery: "SELECT * FROM posts;",
		Fields: []*core.Field{idField(), field(core.FieldText, "title"), field(core.FieldNumber, "num")}}
	create(t, s, star)
	cols, _, err := rawQuery(t, s, `SELECT * FROM "star"`)
	if err != nil || jsonOf(t, cols) != `["id","title","num"]` {
		t.Errorf("view columns %v (%v)", cols, err)
	}
	equalValues(t, "star row", findAll(t, s, star)[0].Values, map[string]any{"id": "p1", "title": "one", "num": 1.0})

	// A preview reads a view that does not exist, with the view's types.
	preview := &core.Collection{Type: core.TypeView, ViewQuery: "SELECT id, num * 2 AS twice, title FROM posts",
		Fields: []*core.Field{idField(), field(core.FieldNumber, "twice"), field(core.FieldJSON, "title")}}
	err = s.Read(ctxT(t), func(tx core.Tx) error {
		vp, ok := tx.(viewPreviewer)
		if !ok {
			t.Skip("the store has no view previews")
		}
		recs, err := vp.PreviewView(ctxT(t), preview, 10)
		if err != nil {
			return err
		}
		if len(recs) != 1 {
			t.Fatalf("preview rows %d", len(recs))
		}
		equalValues(t, "preview", recs[0].Values, map[string]any{"id": "p1", "twice": 2.0, "title": jsonRaw(`"one"`)})
		names, types, _, err := vp.QueryTypes(ctxT(t), core.SQL{Text: `SELECT "id", "num" FROM "posts"`})
		if err != nil {
			return err
		}
		if jsonOf(t, names) != `["id","num"]` || types[0] == "" || types[1] == "" {
			t.Errorf("query types %v %v", names, types)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testViewDependencies: a change of the tables (or views) under a view
// succeeds only if the view still runs afterwards, on every engine.
func testViewDependencies(t *testing.T, s core.Store) {
	posts := baseCollection("posts", field(core.FieldText, "title"), field(core.FieldNumber, "num"), field(core.FieldText, "other"))
	authors := baseCollection("authors", field(core.FieldText, "name"))
	create(t, s, posts, authors)
	insert(t, s, record(posts, map[string]any{"id": "p1", "title": "one", "num": 5.0}))
	v1 := &core.Collection{ID: "pbc_v1", Name: "v1", Type: core.TypeView, ViewQuery: "SELECT id, title, num FROM posts",
		Fields: []*core.Field{idField(), field(core.FieldText, "title"), field(core.FieldNumber, "num")}}
	v2 := &core.Collection{ID: "pbc_v2", Name: "v2", Type: core.TypeView, ViewQuery: "SELECT id, num FROM v1 WHERE num > 1",
		Fields: []*core.Field{idField(), field(core.FieldNumber, "num")}}
	create(t, s, v1, v2)

	refused := func(what string, fn func(tx core.Tx) error, view string) {
		t.Helper()
		err := s.Write(ctxT(t), fn)
		var dv interface{ DependentView() string }
		if core.ErrorCode(err) != core.EInvalid || !errors.As(err, &dv) || dv.DependentView() != view {
			t.Errorf("%s: %v, want a dependent view error naming %q", what, err, view)
		}
	}
	refused("drop the table", func(tx core.Tx) error { return tx.DeleteCollection(ctxT(t), posts) }, "v1")
	refused("drop the view under a view", func(tx core.Tx) error { return tx.DeleteCollection(ctxT(t), v1) }, "v2")
	renamed := posts.Clone()
	renamed.Fields[1].Name = "headline"
	refused("rename a used field", func(tx core.Tx) error { return tx.SaveCollection(ctxT(t), posts, renamed) }, "v1")
	dropped := posts.Clone()
	dropped.Fields = dropped.Fields[:2]
	dropped.Fields = append(dropped.Fields, posts.Fields[3])
	refused("drop a used field", func(tx core.Tx) error { return tx.SaveCollection(ctxT(t), posts, dropped) }, "v1")
	moved := posts.Clone()
	moved.Name = "articles"
	refused("rename the table", func(tx core.Tx) error { return tx.SaveCollection(ctxT(t), posts, moved) }, "v1")

	// Changes the views survive, with the views rebuilt around them.
	unused := posts.Clone()
	unused.Fields[3].Name = "misc"
	unused.Fields = append(unused.Fields, field(core.FieldBool, "flag"))
	save(t, s, posts, unused)
	write(t, s, func(tx core.Tx) error { return tx.DeleteCollection(ctxT(t), authors) })
	v1b := v1.Clone()
	v1b.ViewQuery = "SELECT id, title, num + 1 AS num FROM posts"
	save(t, s, v1, v1b)
	equalValues(t, "view on a changed view", findAll(t, s, v2)[0].Values, map[string]any{"id": "p1", "num": 6.0})

	// Views go first, then the table.
	write(t, s, func(tx core.Tx) error { return tx.DeleteCollection(ctxT(t), v2) })
	write(t, s, func(tx core.Tx) error { return tx.DeleteCollection(ctxT(t), v1b) })
	write(t, s, func(tx core.Tx) error { return tx.DeleteCollection(ctxT(t), unused) })
	if len(collections(t, s)) != 0 {
		t.Errorf("collections left: %d", len(collections(t, s)))
	}
}
