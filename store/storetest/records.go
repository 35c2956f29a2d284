package storetest

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/plinthdb/plinth/core"
)

func jsonRaw(s string) json.RawMessage { return json.RawMessage(s) }

// fullValues holds a value of every type, in canonical form.
func fullValues(id string) map[string]any {
	return map[string]any{
		"id":      id,
		"title":   "Grüße, \"quoted\" 'single' ?",
		"num":     5.5,
		"flag":    true,
		"mail":    "x@y.com",
		"site":    "https://example.com/?q=1",
		"body":    "<p>Hello <b>world</b></p>",
		"when":    "2024-01-02 03:04:05.000Z",
		"created": "2026-11-21 05:02:27.039Z",
		"tag":     "b",
		"tags":    []string{"a", "c"},
		"doc":     "file_abc.txt",
		"docs":    []string{"one.png", "two.png"},
		"author":  "pdpxm71te2ush8s",
		"readers": []string{"pdpxm71te2ush8s", "0o0ivdbkqwy4i5r"},
		// Keys in the order PostgreSQL's jsonb keeps them (shorter first),
		// so the value comes back byte for byte.
		"meta":   jsonRaw(`{"a":[1,2.5,"x",null,true],"bb":{"c":"d"}}`),
		"loc":    core.GeoPoint{Lon: 23.2, Lat: -42.125},
		"secret": "$2a$10$abcdefghijklmnopqrstuv",
	}
}

func testRecordValues(t *testing.T, s core.Store) {
	c := everyField("posts")
	create(t, s, c)
	values := fullValues("r1")
	insert(t, s, record(c, values))

	others := map[string]json.RawMessage{
		"r2": jsonRaw(`[1,2,3]`), "r3": jsonRaw(`"plain string"`), "r4": jsonRaw(`12`),
		"r5": jsonRaw(`true`), "r6": nil,
	}
	for id, meta := range others {
		v := fullValues(id)
		v["meta"] = meta
		v["num"] = float64(len(id)) * -1e12 // integral: SQLite's NUMERIC stores it as an integer
		v["flag"] = false
		insert(t, s, record(c, v))
	}
	got := findAll(t, s, c)
	if len(got) != 6 {
		t.Fatalf("%d records, want 6", len(got))
	}
	equalValues(t, "r1", got[0].Values, values)
	for _, r := range got[1:] {
		want := fullValues(r.ID())
		want["meta"] = others[r.ID()]
		want["num"] = float64(len(r.ID())) * -1e12
		want["flag"] = false
		equalValues(t, r.ID(), r.Values, want)
	}
	if got[0].Collection != c {
		t.Error("found records do not point at the query's collection")
	}
}

func testZeroValues(t *testing.T, s core.Store) {
	c := everyField("posts")
	create(t, s, c)
	// Only the id: every other field takes its zero value.
	insert(t, s, &core.Record{Collection: c, Values: map[string]any{"id": "z1"}})
	got := findAll(t, s, c)
	want := core.NewRecord(c).Values
	want["id"] = "z1"
	equalValues(t, "zero", got[0].Values, want)
	if got[0].Values["meta"] != nil && got[0].Values["meta"].(json.RawMessage) != nil {
		t.Errorf("zero json is %q, want nil", got[0].Values["meta"])
	}
	// Obvious relatives of the canonical types are accepted.
	insert(t, s, record(c, map[string]any{"id": "z2", "num": 7, "tags": "a", "meta": map[string]any{"k": "v"}, "loc": &core.GeoPoint{Lon: 1, Lat: 2}}))
	got = find(t, s, &core.Query{Collection: c, Where: []core.SQL{{Text: `"_main"."id" = ?`, Args: []any{"z2"}}}})
	w2 := core.NewRecord(c).Values
	w2["id"], w2["num"], w2["tags"], w2["meta"], w2["loc"] = "z2", 7.0, []string{"a"}, jsonRaw(`{"k":"v"}`), core.GeoPoint{Lon: 1, Lat: 2}
	equalValues(t, "relatives", got[0].Values, w2)
}

func testUpdateDelete(t *testing.T, s core.Store) {
	c := everyField("posts")
	create(t, s, c)
	insert(t, s, record(c, fullValues("r1")), record(c, fullValues("r2")))

	changed := fullValues("r1")
	changed["title"], changed["num"], changed["flag"] = "new", 0.25, false
	changed["tags"], changed["meta"], changed["loc"] = []string{}, json.RawMessage(nil), core.GeoPoint{}
	write(t, s, func(tx core.Tx) error { return tx.Update(ctxT(t), record(c, changed)) })
	got := findAll(t, s, c)
	equalValues(t, "updated", got[0].Values, changed)
	equalValues(t, "untouched", got[1].Values, fullValues("r2"))

	// Fields missing from the record keep their stored values.
	write(t, s, func(tx core.Tx) error {
		return tx.Update(ctxT(t), &core.Record{Collection: c, Values: map[string]any{"id": "r1", "title": "partial"}})
	})
	changed["title"] = "partial"
	equalValues(t, "partial update", findAll(t, s, c)[0].Values, changed)

	missing := record(c, fullValues("nope"))
	if err := s.Write(ctxT(t), func(tx core.Tx) error { return tx.Update(ctxT(t), missing) }); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("update of a missing id: %v, want ErrNotFound", err)
	}
	if err := s.Write(ctxT(t), func(tx core.Tx) error { return tx.Delete(ctxT(t), missing) }); !errors.Is(err, core.ErrNotFound) {
		t.Errorf("delete of a missing id: %v, want ErrNotFound", err)
	}
	write(t, s, func(tx core.Tx) error {
		return tx.Delete(ctxT(t), &core.Record{Collection: c, Values: map[string]any{"id": "r1"}})
	})
	equalIDs(t, "after delete", findAll(t, s, c), "r2")
}

func testFindQuery(t *testing.T, s core.Store) {
	c := baseCollection("nums", field(core.FieldText, "name"), field(core.FieldNumber, "n"), field(core.FieldBool, "even"))
	create(t, s, c)
	var recs []*core.Record
	for i, name := range []string{"e", "b", "d", "a", "c", "f"} {
		recs = append(recs, record(c, map[string]any{"id": "r" + name, "name": name, "n": float64(i), "even": i%2 == 0}))
	}
	insert(t, s, recs...)
	all := &core.Query{Collection: c}
	if n := count(t, s, all); n != 6 {
		t.Errorf("count %d, want 6", n)
	}
	where := []core.SQL{{Text: `"_main"."n" >= ?`, Args: []any{1}}, {Text: `"_main"."name" <> ?`, Args: []any{"c"}}}
	if n := count(t, s, &core.Query{Collection: c, Where: where, Limit: 1, Offset: 1}); n != 4 {
		t.Errorf("count with where %d, want 4 (limit and offset ignored)", n)
	}
	byName := []core.SQL{{Text: `"_main"."name" ASC`}}
	equalIDs(t, "order", find(t, s, &core.Query{Collection: c, OrderBy: byName}), "ra", "rb", "rc", "rd", "re", "rf")
	equalIDs(t, "where+order", find(t, s, &core.Query{Collection: c, Where: where, OrderBy: []core.SQL{{Text: `"_main"."n" DESC`}}}), "rf", "ra", "rd", "rb")
	equalIDs(t, "limit", find(t, s, &core.Query{Collection: c, OrderBy: byName, Limit: 2}), "ra", "rb")
	equalIDs(t, "limit+offset", find(t, s, &core.Query{Collection: c, OrderBy: byName, Limit: 2, Offset: 3}), "rd", "re")
	equalIDs(t, "offset only", find(t, s, &core.Query{Collection: c, OrderBy: byName, Offset: 4}), "re", "rf")
	equalIDs(t, "past the end", find(t, s, &core.Query{Collection: c, Offset: 10}))
	// Parameters in ORDER BY come after those of WHERE.
	equalIDs(t, "order args", find(t, s, &core.Query{Collection: c,
		Where:   []core.SQL{{Text: `"_main"."even" = ?`, Args: []any{true}}},
		OrderBy: []core.SQL{{Text: `CASE WHEN "_main"."name" = ? THEN 0 ELSE 1 END, "_main"."name"`, Args: []any{"d"}}}}),
		"rd", "rc", "re")
	if n := count(t, s, &core.Query{Collection: c, Where: []core.SQL{{Text: `"_main"."even" = ?`, Args: []any{false}}}}); n != 3 {
		t.Errorf("bool where: %d, want 3", n)
	}
}

func testInsertionOrder(t *testing.T, s core.Store) {
	c := baseCollection("ord", field(core.FieldText, "name"))
	create(t, s, c)
	for _, id := range []string{"m", "z", "a", "k"} {
		insert(t, s, record(c, map[string]any{"id": id}))
	}
	// Updates do not move a record.
	write(t, s, func(tx core.Tx) error { return tx.Update(ctxT(t), record(c, map[string]any{"id": "m", "name": "x"})) })
	equalIDs(t, "default order", findAll(t, s, c), "m", "z", "a", "k")
	equalIDs(t, "default order with offset", find(t, s, &core.Query{Collection: c, Limit: 2, Offset: 1}), "z", "a")
}

func testErrorKeepsTxUsable(t *testing.T, s core.Store) {
	c := baseCollection("u", field(core.FieldText, "name"))
	c.Indexes = []string{"CREATE UNIQUE INDEX `idx_u_name` ON `u` (`name`)"}
	create(t, s, c)
	insert(t, s, record(c, map[string]any{"id": "a", "name": "taken"}))
	// A failed statement does not spoil the transaction: the caller may
	// handle the error and go on (the same on every engine), whether the
	// failure comes first or after other writes.
	failures := func(tx core.Tx, id, taken string) {
		err := tx.Insert(ctxT(t), record(c, map[string]any{"id": id, "name": taken}))
		wantUnique(t, err, "name")
		if _, _, err := tx.Query(ctxT(t), core.SQL{Text: "SELECT nonsense FROM nowhere"}); err == nil {
			t.Error("bad raw query succeeded")
		}
		bad := baseCollection("broken")
		bad.Indexes = []string{"CREATE UNIQUE INDEX `idx_u_name` ON `broken` (`id`)"} // name taken
		if err := tx.SaveCollection(ctxT(t), nil, bad); err == nil {
			t.Error("a clashing index name was accepted")
		}
		if err := tx.Update(ctxT(t), record(c, map[string]any{"id": "zzz"})); !errors.Is(err, core.ErrNotFound) {
			t.Errorf("update of a missing record: %v", err)
		}
	}
	write(t, s, func(tx core.Tx) error {
		failures(tx, "b", "taken")
		if err := tx.Insert(ctxT(t), record(c, map[string]any{"id": "b", "name": "free"})); err != nil {
			return err
		}
		failures(tx, "c", "free")
		if err := tx.Update(ctxT(t), record(c, map[string]any{"id": "a", "name": "renamed"})); err != nil {
			return err
		}
		failures(tx, "c", "renamed")
		return tx.Insert(ctxT(t), record(c, map[string]any{"id": "c", "name": "also free"}))
	})
	got := findAll(t, s, c)
	equalIDs(t, "after recovered errors", got, "a", "b", "c")
	if got[0].String("name") != "renamed" {
		t.Errorf("update between failures lost: %v", got[0].Values)
	}
	if tableExists(t, s, "broken") {
		t.Error("the failed collection's table exists")
	}
}

func testEvents(t *testing.T, s core.Store) {
	c := baseCollection("ev", field(core.FieldText, "name"))
	create(t, s, c)
	var got [][]core.Event
	unsub := s.Subscribe(func(evs []core.Event) { got = append(got, evs) })
	other := 0
	unsubOther := s.Subscribe(func([]core.Event) { other++ })
	unsubOther()

	write(t, s, func(tx core.Tx) error {
		if err := tx.Insert(ctxT(t), record(c, map[string]any{"id": "a", "name": "one"})); err != nil {
			return err
		}
		if err := tx.Update(ctxT(t), record(c, map[string]any{"id": "a", "name": "two"})); err != nil {
			return err
		}
		if len(got) != 0 {
			t.Error("events published before commit")
		}
		return nil
	})
	if len(got) != 1 || len(got[0]) != 2 {
		t.Fatalf("events after commit: %v", got)
	}
	ins, upd := got[0][0], got[0][1]
	if ins.Action != core.ActionCreate || ins.Old != nil || ins.Record.String("name") != "one" || ins.Collection != c {
		t.Errorf("create event %+v", ins)
	}
	if upd.Action != core.ActionUpdate || upd.Old == nil || upd.Old.String("name") != "one" || upd.Record.String("name") != "two" {
		t.Errorf("update event %+v", upd)
	}

	// Nothing is announced for a rollback, nor for a failed statement that
	// was recovered from.
	_ = s.Write(ctxT(t), func(tx core.Tx) error {
		if err := tx.Insert(ctxT(t), record(c, map[string]any{"id": "b"})); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	write(t, s, func(tx core.Tx) error {
		if err := tx.Insert(ctxT(t), record(c, map[string]any{"id": "a"})); err == nil {
			t.Error("duplicate id accepted")
		}
		return nil
	})
	if len(got) != 1 {
		t.Fatalf("events after rollback: %v", got[1:])
	}

	write(t, s, func(tx core.Tx) error { return tx.Delete(ctxT(t), record(c, map[string]any{"id": "a"})) })
	if len(got) != 2 || len(got[1]) != 1 {
		t.Fatalf("delete events: %v", got)
	}
	del := got[1][0]
	if del.Action != core.ActionDelete || del.Record.String("name") != "two" || del.Old != nil {
		t.Errorf("delete event %+v (record %v)", del, del.Record.Values)
	}
	unsub()
	insert(t, s, record(c, map[string]any{"id": "c"}))
	if len(got) != 2 || other != 0 {
		t.Errorf("unsubscribed functions were called: %d, %d", len(got), other)
	}
}

func testParams(t *testing.T, s core.Store) {
	var v json.RawMessage
	err := s.Read(ctxT(t), func(tx core.Tx) error {
		var err error
		v, err = tx.Param(ctxT(t), "settings")
		if err != nil {
			return err
		}
		if err := tx.SetParam(ctxT(t), "settings", jsonRaw(`{}`)); err == nil {
			t.Error("SetParam worked in a read transaction")
		}
		return nil
	})
	if err != nil || v != nil {
		t.Fatalf("missing param: %q, %v", v, err)
	}
	write(t, s, func(tx core.Tx) error {
		return tx.SetParam(ctxT(t), "settings", jsonRaw(`{"a":1,"meta":{"appName":"x"}}`))
	})
	write(t, s, func(tx core.Tx) error { return tx.SetParam(ctxT(t), "other", jsonRaw(`[1,2]`)) })
	write(t, s, func(tx core.Tx) error {
		v, err := tx.Param(ctxT(t), "settings")
		if err != nil || string(v) != `{"a":1,"meta":{"appName":"x"}}` {
			t.Errorf("param in write tx: %s, %v", v, err)
		}
		return tx.SetParam(ctxT(t), "settings", jsonRaw(`{"a":2}`))
	})
	err = s.Read(ctxT(t), func(tx core.Tx) error {
		var err error
		v, err = tx.Param(ctxT(t), "settings")
		return err
	})
	if err != nil || string(v) != `{"a":2}` {
		t.Errorf("param after overwrite: %s, %v", v, err)
	}
	err = s.Write(ctxT(t), func(tx core.Tx) error { return tx.SetParam(ctxT(t), "bad", jsonRaw(`{nope`)) })
	if core.ErrorCode(err) != core.EInvalid {
		t.Errorf("invalid JSON param: %v", err)
	}
}

func testRawQuery(t *testing.T, s core.Store) {
	c := baseCollection("raw", field(core.FieldText, "title"), field(core.FieldNumber, "num"), field(core.FieldJSON, "meta"))
	create(t, s, c)
	insert(t, s,
		record(c, map[string]any{"id": "a", "title": "x", "num": 1.5, "meta": jsonRaw(`{"k":[1]}`)}),
		record(c, map[string]any{"id": "b", "title": "y", "num": 3.0}),
	)
	cols, rows, err := rawQuery(t, s, `SELECT "id", "title", "meta", 'lit?' AS "q?" FROM "raw" WHERE "num" > ? ORDER BY "id"`, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cols, []string{"id", "title", "meta", "q?"}) {
		t.Errorf("columns %v", cols)
	}
	want := [][]any{{"a", "x", jsonRaw(`{"k":[1]}`), "lit?"}, {"b", "y", nil, "lit?"}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %#v, want %#v", rows, want)
	}
	_, rows, err = rawQuery(t, s, `SELECT COUNT(*) AS n FROM "raw"`)
	if err != nil || len(rows) != 1 {
		t.Fatalf("count: %v %v", rows, err)
	}
	if n, ok := rows[0][0].(int64); !ok || n != 2 {
		t.Errorf("count value %#v, want int64 2", rows[0][0])
	}
	_, rows, err = rawQuery(t, s, `SELECT "id" FROM "raw" WHERE 1 = 0`)
	if err != nil || rows == nil || len(rows) != 0 {
		t.Errorf("empty result: %#v, %v", rows, err)
	}
	// Raw queries cannot write, in reads or writes.
	if _, _, err := rawQuery(t, s, `DELETE FROM "raw"`); err == nil {
		t.Error("a raw DELETE ran in a read transaction")
	}
	write(t, s, func(tx core.Tx) error {
		if _, _, err := tx.Query(ctxT(t), core.SQL{Text: `DELETE FROM "raw"`}); err == nil {
			t.Error("a raw DELETE ran in a write transaction")
		}
		// ...and the transaction still writes afterwards.
		return tx.Insert(ctxT(t), record(c, map[string]any{"id": "c"}))
	})
	if n := count(t, s, &core.Query{Collection: c}); n != 3 {
		t.Errorf("%d records, want 3", n)
	}
}
