package record

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPick(t *testing.T) {
	doc := `{"id":"r1","title":"T","body":"<p>Hello <b>world</b> this is a long text</p>","num":5,
		"tags":["a","b"],"meta":{"x":1,"y":{"z":2}},
		"expand":{"author":{"id":"u1","name":"N","email":"e@x.io"},"readers":[{"id":"u2","name":"A"},{"id":"u3","name":"B"}]}}`
	tests := []struct {
		fields string
		want   string
	}{
		{"id,title", `{"id":"r1","title":"T"}`},
		{" id , title ,", `{"id":"r1","title":"T"}`},
		{"id,nope", `{"id":"r1"}`},
		{"nope", `{}`},
		{"id,expand.author.name", `{"expand":{"author":{"name":"N"}},"id":"r1"}`},
		{"expand.readers.name", `{"expand":{"readers":[{"name":"A"},{"name":"B"}]}}`},
		{"meta.y.z,meta.x", `{"meta":{"x":1,"y":{"z":2}}}`},
		{"meta.y", `{"meta":{"y":{"z":2}}}`},
		{"meta,meta.x", `{"meta":{"x":1,"y":{"z":2}}}`},
		{"meta.", `{"meta":{"x":1,"y":{"z":2}}}`},
		{"title.nested", `{"title":"T"}`},
		{"tags.x", `{"tags":["a","b"]}`},
		{"body:excerpt(10,true)", `{"body":"Hello worl..."}`},
		{"body:excerpt(10)", `{"body":"Hello worl"}`},
		{"body:excerpt( 10 , true )", `{"body":"Hello worl..."}`},
		{"body:excerpt(100,true)", `{"body":"Hello world this is a long text"}`},
		{"num:excerpt(1)", `{"num":5}`},
		{"expand.missing:excerpt(3)", `{"expand":{}}`},
		{"*,expand.author.email", `{"body":"<p>Hello <b>world</b> this is a long text</p>","expand":{"author":{"email":"e@x.io"}},` +
			`"id":"r1","meta":{"x":1,"y":{"z":2}},"num":5,"tags":["a","b"],"title":"T"}`},
		{"*:excerpt(2),id", `{"body":"He","expand":{"author":{"email":"e@x.io","id":"u1","name":"N"},"readers":[{"id":"u2","name":"A"},{"id":"u3","name":"B"}]},` +
			`"id":"r1","meta":{"x":1,"y":{"z":2}},"num":5,"tags":["a","b"],"title":"T"}`},
		{"expand.*", `{"expand":{"author":{"email":"e@x.io","id":"u1","name":"N"},"readers":[{"id":"u2","name":"A"},{"id":"u3","name":"B"}]}}`},
		{"expand.author.*,id", `{"expand":{"author":{"email":"e@x.io","id":"u1","name":"N"}},"id":"r1"}`},
		{"", doc},
	}
	for _, tt := range tests {
		in := decode(t, doc)
		got, err := Pick(in, tt.fields)
		if err != nil {
			t.Fatalf("Pick(%q): %v", tt.fields, err)
		}
		if s := mustJSON(t, got); s != mustJSON(t, decode(t, tt.want)) {
			t.Errorf("Pick(%q) = %s\nwant %s", tt.fields, s, tt.want)
		}
		if !reflect.DeepEqual(in, decode(t, doc)) {
			t.Fatalf("Pick(%q) modified its input", tt.fields)
		}
	}
}

func TestPickErrors(t *testing.T) {
	for _, f := range []string{
		"body:excerpt(10", "body:excerpt", "body:excerpt()", "body:excerpt(0)", "body:excerpt(-1)",
		"body:excerpt(a)", "body:excerpt(1,2,3)", "body:nope(1)", "body:", `id,"title`, "a)(b", "body:excerpt('10')",
	} {
		_, err := Pick(map[string]any{"body": "x"}, f)
		if err == nil || core.ErrorCode(err) != core.EInvalid {
			t.Errorf("Pick(%q) err = %v, want EInvalid", f, err)
		}
		if _, err := PickList([]any{}, f); err == nil {
			t.Errorf("PickList(%q) accepted", f)
		}
	}
}

func TestPickList(t *testing.T) {
	items := []any{
		map[string]any{"id": "1", "title": "a", "x": 1.0},
		map[string]any{"id": "2", "title": "b"},
		"scalar",
	}
	got, err := PickList(items, "id")
	if err != nil {
		t.Fatal(err)
	}
	want := []any{map[string]any{"id": "1"}, map[string]any{"id": "2"}, "scalar"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
	if _, ok := items[0].(map[string]any)["title"]; !ok {
		t.Fatal("input item modified")
	}
}

// TestPickSerialized picks from Serialize output directly, without a JSON
// round trip: lists of strings, json.RawMessage and geo points included.
func TestPickSerialized(t *testing.T) {
	r := examplePost(t)
	r.Values["meta"] = json.RawMessage(`{"deep":{"n":12345678901234567890},"other":1}`)
	ser := Serialize(r, SerializeOptions{Expand: map[string]any{
		"readers": []map[string]any{{"id": "a", "name": "x"}},
	}})
	got, err := Pick(ser, "id,tags,meta.deep,loc.lat,expand.readers.name,body:excerpt(5,true)")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"body":"Hello...","expand":{"readers":[{"name":"x"}]},"id":"eno1qxutyeat3ap","loc":{"lat":42.1},` +
		`"meta":{"deep":{"n":12345678901234567890}},"tags":["a","b","c"]}`
	if s := mustJSON(t, got); s != want {
		t.Fatalf("got  %s\nwant %s", s, want)
	}
	if _, ok := ser["title"]; !ok {
		t.Fatal("serialized map modified")
	}
}

func TestPickTopLevelList(t *testing.T) {
	got, err := Pick([]any{map[string]any{"a": 1.0, "b": 2.0}}, "a")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []any{map[string]any{"a": 1.0}}) {
		t.Fatalf("got %#v", got)
	}
	got, err = Pick([]map[string]any{{"a": 1.0, "b": 2.0}}, "b")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []any{map[string]any{"b": 2.0}}) {
		t.Fatalf("got %#v", got)
	}
	type item struct {
		A string `json:"a"`
		B string `json:"b"`
	}
	got, err = Pick(item{"x", "y"}, "b")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, map[string]any{"b": "y"}) {
		t.Fatalf("struct: %#v", got)
	}
	got, err = Pick("scalar", "a")
	if err != nil || got != "scalar" {
		t.Fatalf("scalar: %#v %v", got, err)
	}
}

func TestExcerpt(t *testing.T) {
	tests := []struct {
		in       string
		max      int
		ellipsis bool
		want     string
	}{
		{"<p>Hello <b>world</b> this is a long text</p>", 10, true, "Hello worl..."},
		{"<p>Hello <b>world</b> this is a long text</p>", 10, false, "Hello worl"},
		{"<p>Hello <b>world</b></p>", 11, true, "Hello world"},
		{"<p>Hello </p><p>world</p>", 100, false, "Hello world"},
		{"<p>a</p><p>b</p><div>c</div>", 100, false, "a b c"},
		{"a<br>b<span>c</span>", 100, false, "abc"},
		{"<p>  lots \n\n of\t\tspace  </p>", 100, false, "lots of space"},
		{"x<script>alert('<p>hi</p>')</script>y", 100, false, "xy"},
		{"x<style>p { color: red }</style>y", 100, false, "xy"},
		{"x<SCRIPT type=x>bad</Script >y", 100, false, "xy"},
		{"a<svg><g><text>no</text></g><svg>nested</svg>still no</svg>b", 100, false, "ab"},
		{"a<svg/>b", 100, false, "ab"},
		{"a<img src='x.png' alt='no'>b", 100, false, "ab"},
		{"a<iframe src=x>inner</iframe>b", 100, false, "ab"},
		{"<form><input value=x><button>Go</button></form>after", 100, false, "after"},
		{"<select><option>1</option></select>z", 100, false, "z"},
		{"<!-- comment <b>x</b> -->visible", 100, false, "visible"},
		{"<!DOCTYPE html><html><head><title>t</title></head><body>b</body></html>", 100, false, "b"},
		{"Tom &amp; Jerry &lt;3 &#65;&#x42;", 100, false, "Tom & Jerry <3 AB"},
		{"1 < 2 and 3 > 2", 100, false, "1 < 2 and 3 > 2"},
		{"a <3 b", 100, false, "a <3 b"},
		{`<a href="x>y" title='z'>link</a> text`, 100, false, "link text"},
		{"<p>unterminated <b", 100, false, "unterminated"},
		{"<p>ééééé ééééé</p>", 7, true, "ééééé é..."},
		{"<p>word </p>", 4, true, "word"},
		{"<p>words and more</p>", 6, true, "words..."},
		{"plain", 100, true, "plain"},
		{"", 5, true, ""},
		{"<script>never closed", 5, true, ""},
		{"<div>a</p>b</div>", 100, false, "a b"},
	}
	for _, tt := range tests {
		if got := Excerpt(tt.in, tt.max, tt.ellipsis); got != tt.want {
			t.Errorf("Excerpt(%q, %d, %v) = %q, want %q", tt.in, tt.max, tt.ellipsis, got, tt.want)
		}
	}
}

func TestExcerptStopsEarly(t *testing.T) {
	// A huge document is not walked to the end once max is reached.
	long := strings.Repeat("<p>word</p>", 200000)
	if got := Excerpt(long, 9, true); got != "word word..." {
		t.Fatalf("got %q", got)
	}
}
