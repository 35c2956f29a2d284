package app

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/files"
	"github.com/plinthdb/plinth/store/sqlite"
)

// filesApp is an app over SQLite with local file storage and a
// collection "docs" with a single and a multi file field.
func filesApp(t *testing.T) (*App, *files.Local, *core.Collection, *Request) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	storage, err := files.NewLocal(filepath.Join(t.TempDir(), "storage"))
	if err != nil {
		t.Fatal(err)
	}
	a := New(st, Options{Files: storage})
	if err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := a.CreateCollection(ctx, []byte(`{"name":"docs","type":"base","fields":[
		{"name":"doc","type":"file","maxSelect":1},{"name":"docs","type":"file","maxSelect":5}]}`))
	if err != nil {
		t.Fatal(err)
	}
	su, err := a.Collection(ctx, core.SuperusersName)
	if err != nil {
		t.Fatal(err)
	}
	return a, storage, c, &Request{Auth: core.NewRecord(su)}
}

func keys(t *testing.T, st files.Storage) []string {
	t.Helper()
	k, err := st.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

var errAbort = errors.New("abort")

// TestWriteSettlesManyChanges is the batch seam: several record changes in
// one App.Write settle their files once, by the transaction's outcome.
func TestWriteSettlesManyChanges(t *testing.T) {
	a, st, c, su := filesApp(t)
	ctx := context.Background()
	create := func(ctx context.Context, tx core.Tx, name string) *core.Record {
		rec, err := a.CreateRecordTx(ctx, tx, su, c, map[string]any{
			"doc": files.UploadFromBytes(name, []byte(name)),
		})
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}

	// Rolled back: nothing uploaded survives.
	err := a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		create(ctx, tx, "one.txt")
		create(ctx, tx, "two.txt")
		if n := len(keys(t, st)); n != 2 {
			t.Errorf("uploads are written before the commit: %d files", n)
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatal(err)
	}
	if got := keys(t, st); len(got) != 0 {
		t.Fatalf("rolled-back uploads left %v", got)
	}

	// Committed: both stay.
	var r1, r2 *core.Record
	if err := a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		r1, r2 = create(ctx, tx, "one.txt"), create(ctx, tx, "two.txt")
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	committed := keys(t, st)
	if len(committed) != 2 {
		t.Fatalf("committed uploads: %v", committed)
	}

	// Replace one file and delete the other record, then roll back: the
	// old files must all still be there, the new upload gone.
	change := func(ctx context.Context, tx core.Tx) error {
		if _, err := a.UpdateRecordTx(ctx, tx, su, c, r1.ID(), map[string]any{
			"doc": files.UploadFromBytes("new.txt", []byte("new")),
		}); err != nil {
			return err
		}
		return a.DeleteRecordTx(ctx, tx, su, c, r2.ID())
	}
	err = a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		if err := change(ctx, tx); err != nil {
			t.Fatal(err)
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatal(err)
	}
	if got := keys(t, st); !slices.Equal(got, committed) {
		t.Fatalf("after rollback %v, want %v", got, committed)
	}

	// The same changes committed: only the new file is left.
	if err := a.Write(ctx, change); err != nil {
		t.Fatal(err)
	}
	got := keys(t, st)
	if len(got) != 1 || slices.Contains(committed, got[0]) {
		t.Fatalf("after commit %v", got)
	}

	// A nested Write joins the outer one instead of settling early.
	err = a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		inner, fc, owner := WithFileChanges(ctx)
		if owner || inner != ctx || fc != fileChanges(ctx) {
			t.Error("a nested WithFileChanges must reuse the outer one")
		}
		create(ctx, tx, "three.txt")
		return errAbort
	})
	if !errors.Is(err, errAbort) || len(keys(t, st)) != 1 {
		t.Fatalf("nested: %v %v", err, keys(t, st))
	}
}

func TestUploadsNeedWrite(t *testing.T) {
	a, st, c, su := filesApp(t)
	ctx := context.Background()
	err := a.Store().Write(ctx, func(tx core.Tx) error {
		_, err := a.CreateRecordTx(ctx, tx, su, c, map[string]any{"doc": files.UploadFromBytes("x.txt", []byte("x"))})
		return err
	})
	if core.ErrorCode(err) != core.EInternal {
		t.Fatalf("upload outside App.Write: %v", err)
	}
	if got := keys(t, st); len(got) != 0 {
		t.Fatalf("stored %v", got)
	}
	// Without any upload a plain store transaction still works.
	err = a.Store().Write(ctx, func(tx core.Tx) error {
		_, err := a.CreateRecordTx(ctx, tx, su, c, map[string]any{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTakeUploadsDropsForeignKeys(t *testing.T) {
	a, _, c, _ := filesApp(t)
	up := files.UploadFromBytes("a.txt", []byte("a"))
	in := map[string]any{
		"doc":   []any{"kept.txt", up},
		"docs-": []any{files.UploadFromBytes("b.txt", []byte("b"))},
		"title": []any{"plain", files.UploadFromBytes("c.txt", []byte("c"))},
		"other": 1.0,
	}
	out, ups, err := a.takeUploads(c, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out["docs-"]; ok {
		t.Error("uploads under a removal key must be dropped")
	}
	if out["title"] != "plain" || out["other"] != 1.0 {
		t.Errorf("other keys changed: %v", out)
	}
	doc, _ := out["doc"].([]any)
	if len(doc) != 2 || doc[0] != "kept.txt" || doc[1] != up.Name || up.Name == "" {
		t.Errorf("doc = %v", out["doc"])
	}
	if len(ups["doc"]) != 1 || len(ups) != 1 {
		t.Errorf("uploads %v", ups)
	}
	if _, ok := in["doc"].([]any)[1].(*files.Upload); !ok {
		t.Error("the caller's input was modified")
	}
}

// TestViewFileSource: a view row's file is found in the base collection
// record that holds it, whatever the view calls the field.
func TestViewFileSource(t *testing.T) {
	a, _, c, su := filesApp(t)
	ctx := context.Background()
	var rec *core.Record
	if err := a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		var err error
		rec, err = a.CreateRecordTx(ctx, tx, su, c, map[string]any{
			"docs": []any{files.UploadFromBytes("a.txt", []byte("a")), files.UploadFromBytes("b.txt", []byte("b"))},
		})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	s, err := a.Schema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	view := &core.Collection{ID: "view1", Name: "v", Type: "view",
		Fields: []*core.Field{{Name: "id", Type: core.FieldText}, {Name: "attachment", Type: core.FieldFile, MaxSelect: 5}}}
	for _, rowID := range []string{rec.ID(), "otherrowid12345"} {
		row := &core.Record{Collection: view, Values: map[string]any{"id": rowID, "attachment": rec.Strings("docs")}}
		src, err := a.viewFileSource(ctx, s, row, rec.Strings("docs")[1])
		if err != nil {
			t.Fatal(err)
		}
		if src == nil || src.ID() != rec.ID() || src.Collection.ID != c.ID {
			t.Fatalf("row %s: source %v", rowID, src)
		}
	}
	if src, err := a.viewFileSource(ctx, s, &core.Record{Collection: view, Values: map[string]any{"id": "x"}}, "nope.txt"); err != nil || src != nil {
		t.Fatalf("unknown file: %v %v", src, err)
	}
}

// TestDeleteAndRecreateInOneWrite: deleting a record and creating one
// with the same id in one transaction keeps the new record's files.
func TestDeleteAndRecreateInOneWrite(t *testing.T) {
	a, st, c, su := filesApp(t)
	ctx := context.Background()
	var old *core.Record
	if err := a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		var err error
		old, err = a.CreateRecordTx(ctx, tx, su, c, map[string]any{"doc": files.UploadFromBytes("old.txt", []byte("old"))})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var fresh *core.Record
	if err := a.Write(ctx, func(ctx context.Context, tx core.Tx) error {
		if err := a.DeleteRecordTx(ctx, tx, su, c, old.ID()); err != nil {
			return err
		}
		var err error
		fresh, err = a.CreateRecordTx(ctx, tx, su, c, map[string]any{
			"id": old.ID(), "doc": files.UploadFromBytes("new.txt", []byte("new")),
		})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{files.RecordDir(c.ID, old.ID()) + fresh.String("doc")}
	if got := keys(t, st); !slices.Equal(got, want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
}
