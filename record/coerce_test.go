package record

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/plinthdb/plinth/core"
)

// TestCoerce covers every row of §4.9 and the value rules of §2.4.
func TestCoerce(t *testing.T) {
	c := postsCollection()
	tests := []struct {
		field string
		in    any
		want  any
	}{
		// text: any scalar -> string
		{"title", "x", "x"},
		{"title", 123.0, "123"},
		{"title", 1.5, "1.5"},
		{"title", 1e21, "1000000000000000000000"},
		{"title", 0.000001, "0.000001"},
		{"title", -2.0, "-2"},
		{"title", true, "true"},
		{"title", false, "false"},
		{"title", nil, ""},
		{"title", json.Number("1.50"), "1.50"},
		{"title", []any{"a"}, ""},
		{"title", map[string]any{"a": 1.0}, ""},
		{"mail", 5.0, "5"},
		{"body", "<p>x</p>", "<p>x</p>"},

		// number: number or numeric string; other -> 0
		{"num", 12.5, 12.5},
		{"num", "12.5", 12.5},
		{"num", "-3", -3.0},
		{"num", "1e3", 1000.0},
		{"num", "abc", 0.0},
		{"num", "", 0.0},
		{"num", " 12", 0.0},
		{"num", "1e999", 0.0},
		{"num", true, 1.0},
		{"num", false, 0.0},
		{"num", nil, 0.0},
		{"num", []any{1.0}, 0.0},
		{"num", json.Number("7"), 7.0},
		{"num", 3, 3.0},

		// bool: bool, 1/"1"/"true" -> true; other -> false
		{"flag", true, true},
		{"flag", 1.0, true},
		{"flag", 0.0, false},
		{"flag", "1", true},
		{"flag", "true", true},
		{"flag", "t", true},
		{"flag", "TRUE", true},
		{"flag", "yes", false},
		{"flag", "0", false},
		{"flag", "", false},
		{"flag", nil, false},
		{"flag", []any{true}, false},
		{"flag", json.Number("1"), true},
		{"flag", json.Number("1.5"), false},

		// date: recognised date string -> normalized; else ""
		{"when", "2024-01-02 03:04:05.000Z", "2024-01-02 03:04:05.000Z"},
		{"when", "2024-01-02T03:04:05Z", "2024-01-02 03:04:05.000Z"},
		{"when", "2024-01-02T05:04:05+02:00", "2024-01-02 03:04:05.000Z"},
		{"when", "2024-05-05", "2024-05-05 00:00:00.000Z"},
		{"when", "2024-01-02 03:04:05.123456Z", "2024-01-02 03:04:05.123Z"},
		{"when", "yesterday", ""},
		{"when", "", ""},
		{"when", 1700000000.0, ""},
		{"when", nil, ""},
		{"when", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), "2024-01-02 03:04:05.000Z"},
		{"created", "2024-05-05", "2024-05-05 00:00:00.000Z"},

		// select/relation single: last element of array input
		{"tag", "a", "a"},
		{"tag", []any{"a", "b"}, "b"},
		{"tag", []any{"a", "b", ""}, "b"},
		{"tag", `["a","c"]`, "c"},
		{"tag", []any{}, ""},
		{"tag", nil, ""},
		{"tag", "", ""},
		{"author", []any{"x1", "x2"}, "x2"},

		// select/relation/file multi: de-duplicated, empties removed; JSON-array strings accepted
		{"tags", []any{"a", "b", "a", "", "c"}, []string{"a", "b", "c"}},
		{"tags", `["b","a","b"]`, []string{"b", "a"}},
		{"tags", `[not json`, []string{"[not json"}},
		{"tags", "a", []string{"a"}},
		{"tags", "", []string{}},
		{"tags", nil, []string{}},
		{"tags", []any{}, []string{}},
		{"tags", []any{"a", map[string]any{}}, []string{}}, // one unreadable element spoils the list
		{"tags", 5.0, []string{"5"}},
		{"tags", []string{"c", "c"}, []string{"c"}},
		{"tags", []any{1.0, true, nil}, []string{"1", "true"}},
		{"readers", `["u1","u2","u1"]`, []string{"u1", "u2"}},
		{"docs", []any{"a.png", `["b.png","c.png"]`, "", "a.png"}, []string{"a.png"}},
		{"docs", []any{"a.png", `["b.png"]`}, []string{"a.png", "b.png"}},
		{"docs", `["x.txt","y.txt"]`, []string{"x.txt", "y.txt"}},
		{"doc", []any{"x.txt", "y.txt"}, "y.txt"},

		// json: §2.4
		{"meta", "true", json.RawMessage("true")},
		{"meta", "false", json.RawMessage("false")},
		{"meta", "null", json.RawMessage("null")},
		{"meta", "12", json.RawMessage("12")},
		{"meta", "-1.5e3", json.RawMessage("-1.5e3")},
		{"meta", `"quoted"`, json.RawMessage(`"quoted"`)},
		{"meta", `[1, 2]`, json.RawMessage(`[1, 2]`)},
		{"meta", `{"a":1}`, json.RawMessage(`{"a":1}`)},
		{"meta", `{"a":`, json.RawMessage(`"{\"a\":"`)},
		{"meta", "plain string", json.RawMessage(`"plain string"`)},
		{"meta", " [1]", json.RawMessage(`" [1]"`)},
		{"meta", "012", json.RawMessage(`"012"`)},
		{"meta", "", json.RawMessage(`""`)},
		{"meta", "a<b", json.RawMessage(`"a<b"`)},
		{"meta", nil, json.RawMessage(nil)},
		{"meta", 5.0, json.RawMessage("5")},
		{"meta", true, json.RawMessage("true")},
		{"meta", map[string]any{"x": 1.0, "a": []any{"y"}}, json.RawMessage(`{"a":["y"],"x":1}`)},
		{"meta", []any{}, json.RawMessage(`[]`)},
		{"meta", math.NaN(), json.RawMessage(nil)},
		{"meta", json.RawMessage(`{"raw":true}`), json.RawMessage(`{"raw":true}`)},

		// geoPoint: object or JSON string thereof; else zero point
		{"loc", map[string]any{"lon": 23.2, "lat": 42.1}, core.GeoPoint{Lon: 23.2, Lat: 42.1}},
		{"loc", `{"lon":1,"lat":2}`, core.GeoPoint{Lon: 1, Lat: 2}},
		{"loc", map[string]any{"lat": 5.0}, core.GeoPoint{Lat: 5}},
		{"loc", map[string]any{"lon": "x", "lat": 5.0}, core.GeoPoint{Lat: 5}},
		{"loc", "nonsense", core.GeoPoint{}},
		{"loc", `[1,2]`, core.GeoPoint{}},
		{"loc", 5.0, core.GeoPoint{}},
		{"loc", nil, core.GeoPoint{}},
		{"loc", core.GeoPoint{Lon: 3}, core.GeoPoint{Lon: 3}},
	}
	for _, tt := range tests {
		got := Coerce(field(c, tt.field), tt.in)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Coerce(%s, %#v) = %#v, want %#v", tt.field, tt.in, got, tt.want)
		}
	}
}

func TestCoercePasswordIsPlain(t *testing.T) {
	f := &core.Field{Name: "password", Type: core.FieldPassword}
	if got := Coerce(f, 1234.0); got != "1234" {
		t.Fatalf("got %#v", got)
	}
}
