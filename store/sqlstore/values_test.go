package sqlstore

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/plinthdb/plinth/core"
)

func TestRebind(t *testing.T) {
	pg := dialect{name: core.Postgres}
	for in, want := range map[string]string{
		`SELECT ? , ?`:                `SELECT $1 , $2`,
		`"a?b" = ? AND 'it''s ?' = ?`: `"a?b" = $1 AND 'it''s ?' = $2`,
		`no placeholders`:             `no placeholders`,
		`? ? ? ? ? ? ? ? ? ?`:         `$1 $2 $3 $4 $5 $6 $7 $8 $9 $10`,
	} {
		if got := pg.rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
	sq := dialect{name: core.SQLite}
	if got := sq.rebind(`a = ?`); got != `a = ?` {
		t.Errorf("SQLite rebind changed the text: %q", got)
	}
}

func TestFromColumnLenient(t *testing.T) {
	num := field(core.FieldNumber, "n")
	boolF := field(core.FieldBool, "b")
	text := field(core.FieldText, "t")
	multi := withMax(field(core.FieldSelect, "m"), 3)
	js := field(core.FieldJSON, "j")
	geo := field(core.FieldGeoPoint, "g")
	when := time.Date(2024, 1, 2, 3, 4, 5, 6e6, time.UTC)
	for _, tc := range []struct {
		f       *core.Field
		in      any
		jsonCol bool
		want    any
	}{
		{num, int64(5), true, 5.0},
		{num, 2.5, true, 2.5},
		{num, "12.5", true, 12.5},
		{num, "abc", true, 0.0},
		{num, []byte("7"), true, 7.0},
		{num, nil, true, 0.0},
		{num, true, false, 1.0},
		{boolF, int64(1), true, true},
		{boolF, int64(0), true, false},
		{boolF, "true", true, true},
		{boolF, 1.0, true, true},
		{boolF, nil, true, false},
		{text, nil, true, ""},
		{text, int64(3), false, "3"},
		{text, 1.5, false, "1.5"},
		{text, when, false, "2024-01-02 03:04:05.006Z"},
		{text, []byte("raw"), true, "raw"},
		{multi, `["a","b"]`, true, []string{"a", "b"}},
		{multi, `[1,"x",null]`, true, []string{"1", "x"}},
		{multi, `null`, true, []string{}},
		{multi, ``, true, []string{}},
		{multi, `loose`, true, []string{"loose"}},
		{multi, nil, true, []string{}},
		{js, `{"a": 1}`, true, json.RawMessage(`{"a":1}`)},
		{js, `null`, true, json.RawMessage(nil)},
		{js, nil, true, json.RawMessage(nil)},
		{js, `plain`, false, json.RawMessage(`"plain"`)},
		{js, `[1, 2]`, false, json.RawMessage(`[1,2]`)},
		{js, `12`, false, json.RawMessage(`"12"`)},
		{js, int64(3), false, json.RawMessage(`3`)},
		{js, 2.5, false, json.RawMessage(`2.5`)},
		{geo, `{"lon":1.5,"lat":-2}`, true, core.GeoPoint{Lon: 1.5, Lat: -2}},
		{geo, `garbage`, true, core.GeoPoint{}},
		{geo, nil, true, core.GeoPoint{}},
	} {
		got := fromColumn(tc.f, tc.in, tc.jsonCol)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("fromColumn(%s, %#v) = %#v (%T), want %#v", tc.f.Type, tc.in, got, got, tc.want)
		}
	}
}

func TestToColumn(t *testing.T) {
	sq, pg := dialect{name: core.SQLite}, dialect{name: core.Postgres}
	boolF := field(core.FieldBool, "b")
	if v, _ := sq.toColumn(boolF, true); v != int64(1) {
		t.Errorf("SQLite bool: %#v", v)
	}
	if v, _ := pg.toColumn(boolF, true); v != true {
		t.Errorf("PostgreSQL bool: %#v", v)
	}
	multi := withMax(field(core.FieldRelation, "r"), 2)
	if v, _ := sq.toColumn(multi, nil); v != "[]" {
		t.Errorf("nil multi: %#v", v)
	}
	if v, _ := sq.toColumn(multi, []any{"a", "b"}); v != `["a","b"]` {
		t.Errorf("[]any multi: %#v", v)
	}
	if v, _ := sq.toColumn(field(core.FieldText, "t"), []string{"a", "b"}); v != "b" {
		t.Errorf("list into single: %#v", v)
	}
	if v, _ := sq.toColumn(field(core.FieldJSON, "j"), json.RawMessage(" null ")); v != nil {
		t.Errorf("JSON null: %#v", v)
	}
	if v, _ := sq.toColumn(field(core.FieldJSON, "j"), "text"); v != `"text"` {
		t.Errorf("Go string into json: %#v", v)
	}
	for _, tc := range []struct {
		f *core.Field
		v any
	}{
		{field(core.FieldNumber, "n"), "1"},
		{field(core.FieldNumber, "n"), func() {}},
		{field(core.FieldBool, "b"), 1},
		{field(core.FieldText, "t"), 5},
		{multi, []any{"a", 1}},
		{multi, 3},
		{field(core.FieldJSON, "j"), json.RawMessage("{nope")},
		{field(core.FieldJSON, "j"), make(chan int)},
		{field(core.FieldGeoPoint, "g"), "0,0"},
		{&core.Field{Name: "x", Type: "nope"}, "x"},
	} {
		if _, err := sq.toColumn(tc.f, tc.v); core.ErrorCode(err) != core.EInvalid {
			t.Errorf("toColumn(%s, %#v): %v, want an invalid error", tc.f.Type, tc.v, err)
		}
	}
	nan := 0.0
	nan = nan / nan
	if _, err := sq.toColumn(field(core.FieldNumber, "n"), nan); err == nil {
		t.Error("NaN accepted")
	}
}

func TestSelectSQL(t *testing.T) {
	c := &core.Collection{Name: "posts", Type: core.TypeBase, Fields: []*core.Field{idField(), field(core.FieldText, "title")}}
	q := &core.Query{Collection: c,
		Where:   []core.SQL{{Text: `"_main"."title" = ?`, Args: []any{"a"}}, {Text: `"_main"."id" <> ?`, Args: []any{"b"}}},
		OrderBy: []core.SQL{{Text: `"_main"."title" DESC`}}, Limit: 10, Offset: 20}
	text, args := dialect{name: core.SQLite}.selectSQL(q)
	want := `SELECT "_main"."id", "_main"."title" FROM "posts" AS "_main" WHERE ("_main"."title" = ?) AND ("_main"."id" <> ?) ORDER BY "_main"."title" DESC LIMIT 10 OFFSET ?`
	if text != want || !reflect.DeepEqual(args, []any{"a", "b", 20}) {
		t.Errorf("select:\n%s\n%v", text, args)
	}
	text, args = dialect{name: core.SQLite}.selectSQL(&core.Query{Collection: c, Offset: 5})
	if want := `SELECT "_main"."id", "_main"."title" FROM "posts" AS "_main" ORDER BY "_main"._rowid_ LIMIT -1 OFFSET ?`; text != want || !reflect.DeepEqual(args, []any{5}) {
		t.Errorf("offset only (SQLite): %s %v", text, args)
	}
	text, _ = dialect{name: core.Postgres}.selectSQL(&core.Query{Collection: c, Offset: 5})
	if want := `SELECT "_main"."id", "_main"."title" FROM "posts" AS "_main" ORDER BY "_main"."_rowid" OFFSET ?`; text[:len(want)] != want {
		t.Errorf("offset only (PostgreSQL): %s", text)
	}
}
