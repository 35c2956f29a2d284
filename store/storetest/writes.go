package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/plinthdb/plinth/core"
)

func testConcurrentWrites(t *testing.T, s core.Store) {
	c := baseCollection("conc", field(core.FieldNumber, "n"))
	create(t, s, c)
	var events sync.Mutex
	seen := map[string]bool{}
	s.Subscribe(func(evs []core.Event) {
		events.Lock()
		defer events.Unlock()
		for _, e := range evs {
			seen[e.Record.ID()] = true
		}
	})
	const n = 60
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Write(context.Background(), func(tx core.Tx) error {
				if err := tx.Insert(context.Background(), record(c, map[string]any{"id": fmt.Sprintf("r%03d", i), "n": float64(i)})); err != nil {
					return err
				}
				// Every fifth write fails after inserting: only its own
				// insert may disappear, even when grouped with others.
				if i%5 == 0 {
					return errors.New("planned failure")
				}
				return nil
			})
		}()
	}
	wg.Wait()
	want := 0
	for i, err := range errs {
		if i%5 == 0 {
			if err == nil || err.Error() != "planned failure" {
				t.Errorf("write %d: %v, want the planned failure", i, err)
			}
			continue
		}
		want++
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	if got := count(t, s, &core.Query{Collection: c}); got != want {
		t.Errorf("%d records landed, want %d", got, want)
	}
	if got := count(t, s, &core.Query{Collection: c, Where: []core.SQL{{Text: `CAST("_main"."n" AS INTEGER) % 5 = 0`}}}); got != 0 {
		t.Errorf("%d records of failed writes landed", got)
	}
	events.Lock()
	defer events.Unlock()
	if len(seen) != want {
		t.Errorf("events for %d records, want %d", len(seen), want)
	}
	for id := range seen {
		var i int
		fmt.Sscanf(id, "r%d", &i)
		if i%5 == 0 {
			t.Errorf("event for the failed write %s", id)
		}
	}
}

func testCancellation(t *testing.T, s core.Store) {
	c := baseCollection("cancel", field(core.FieldText, "name"))
	create(t, s, c)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := s.Write(ctx, func(core.Tx) error { called = true; return nil })
	if !errors.Is(err, context.Canceled) || called {
		t.Errorf("Write with a cancelled ctx: %v (fn called: %v)", err, called)
	}
	if err := s.Read(ctx, func(core.Tx) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Read with a cancelled ctx: %v", err)
	}

	// Cancelled in the middle: later statements fail and nothing commits,
	// even when fn ignores the failure.
	ctx, cancel = context.WithCancel(context.Background())
	err = s.Write(ctx, func(tx core.Tx) error {
		if err := tx.Insert(ctx, record(c, map[string]any{"id": "a"})); err != nil {
			return err
		}
		cancel()
		if err := tx.Insert(ctx, record(c, map[string]any{"id": "b"})); !errors.Is(err, context.Canceled) {
			t.Errorf("insert after cancel: %v", err)
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Write cancelled midway: %v", err)
	}
	if n := count(t, s, &core.Query{Collection: c}); n != 0 {
		t.Errorf("%d records committed by a cancelled write", n)
	}
	insert(t, s, record(c, map[string]any{"id": "ok"}))
}

func testPanicInWrite(t *testing.T, s core.Store) {
	c := baseCollection("pan", field(core.FieldText, "name"))
	create(t, s, c)
	err := s.Write(ctxT(t), func(tx core.Tx) error {
		if err := tx.Insert(ctxT(t), record(c, map[string]any{"id": "a"})); err != nil {
			return err
		}
		panic("oops")
	})
	if core.ErrorCode(err) != core.EInternal {
		t.Errorf("panic: %v, want an internal error", err)
	}
	if err := s.Read(ctxT(t), func(core.Tx) error { panic("read oops") }); err == nil {
		t.Error("panic in Read returned no error")
	}
	// The store keeps working and the panicking write left nothing behind.
	insert(t, s, record(c, map[string]any{"id": "b"}))
	equalIDs(t, "after panic", findAll(t, s, c), "b")
}

func testTxMisuse(t *testing.T, s core.Store) {
	c := baseCollection("mis", field(core.FieldText, "name"))
	create(t, s, c)
	var leaked core.Tx
	write(t, s, func(tx core.Tx) error { leaked = tx; return nil })
	if err := leaked.Insert(ctxT(t), record(c, map[string]any{"id": "late"})); err == nil {
		t.Error("a tx kept working after its callback returned")
	}
	if _, err := leaked.Find(ctxT(t), &core.Query{Collection: c}); err == nil {
		t.Error("a finished tx could read")
	}
	err := s.Read(ctxT(t), func(tx core.Tx) error {
		if err := tx.Insert(ctxT(t), record(c, map[string]any{"id": "r"})); err == nil {
			t.Error("Insert worked in a read tx")
		}
		if err := tx.SaveCollection(ctxT(t), nil, baseCollection("x")); err == nil {
			t.Error("SaveCollection worked in a read tx")
		}
		if err := tx.DeleteCollection(ctxT(t), c); err == nil {
			t.Error("DeleteCollection worked in a read tx")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	equalIDs(t, "nothing written", findAll(t, s, c))
}

func testBadInput(t *testing.T, s core.Store) {
	c := baseCollection("bad", field(core.FieldNumber, "n"), field(core.FieldJSON, "meta"), field(core.FieldBool, "b"))
	create(t, s, c)
	cases := []map[string]any{
		{"id": "x", "n": "five"},
		{"id": "x", "meta": jsonRaw(`{broken`)},
		{"id": "x", "b": "yes"},
		{"id": ""},
	}
	for _, v := range cases {
		err := s.Write(ctxT(t), func(tx core.Tx) error { return tx.Insert(ctxT(t), record(c, v)) })
		if core.ErrorCode(err) != core.EInvalid {
			t.Errorf("insert %v: %v, want an invalid error", v, err)
		}
	}
	err := s.Read(ctxT(t), func(tx core.Tx) error {
		_, err := tx.Find(ctxT(t), &core.Query{})
		return err
	})
	if core.ErrorCode(err) != core.EInvalid {
		t.Errorf("query without a collection: %v", err)
	}
	for _, bad := range []*core.Collection{
		{ID: "c1", Name: "", Type: core.TypeBase, Fields: []*core.Field{idField()}},
		{ID: "c2", Name: "_params", Type: core.TypeBase, Fields: []*core.Field{idField()}},
		{ID: "c3", Name: "noid", Type: core.TypeBase, Fields: []*core.Field{field(core.FieldText, "title")}},
		{ID: "c4", Name: "dup", Type: core.TypeBase, Fields: []*core.Field{idField(), field(core.FieldText, "a"), field(core.FieldNumber, "A")}},
		{ID: "c5", Name: "weird", Type: core.TypeBase, Fields: []*core.Field{idField(), {ID: "f", Name: "f", Type: "nope"}}},
		{ID: "c6", Name: "badidx", Type: core.TypeBase, Fields: []*core.Field{idField()}, Indexes: []string{"DROP TABLE x"}},
		{ID: "c7", Name: "emptyview", Type: core.TypeView, Fields: []*core.Field{idField()}},
	} {
		err := s.Write(ctxT(t), func(tx core.Tx) error { return tx.SaveCollection(ctxT(t), nil, bad) })
		if core.ErrorCode(err) != core.EInvalid {
			t.Errorf("collection %q: %v, want an invalid error", bad.Name, err)
		}
	}
	if n := len(collections(t, s)); n != 1 {
		t.Errorf("%d collections after bad input, want 1", n)
	}
}
