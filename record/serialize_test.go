package record

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/plinthdb/plinth/core"
)

var update = flag.Bool("update", false, "rewrite golden files")

// examplePost builds the record of the §4.3 example through Apply.
func examplePost(t *testing.T) *core.Record {
	t.Helper()
	r := core.NewRecord(postsCollection())
	_, err := Apply(r, map[string]any{
		"id":      "eno1qxutyeat3ap",
		"author":  "pdpxm71te2ush8s",
		"body":    "<p>Hello <b>world</b> this is a long text</p>",
		"flag":    true,
		"loc":     map[string]any{"lon": 23.2, "lat": 42.1},
		"mail":    "x@y.com",
		"meta":    "plain string",
		"num":     5.5,
		"readers": []any{"pdpxm71te2ush8s", "0o0ivdbkqwy4i5r"},
		"tags":    []any{"a", "b", "c"},
		"title":   "ok",
		"slug":    "",
		"when":    "2024-01-02T03:04:05Z",
		"secret":  "hidden value",
	}, applyOpts(true))
	if err != nil {
		t.Fatal(err)
	}
	r.Values["slug"] = "" // the example has no slug field; keep it stable
	return r
}

func TestSerializeExample(t *testing.T) {
	got := Serialize(examplePost(t), SerializeOptions{})
	delete(got, "slug")
	want := `{"author":"pdpxm71te2ush8s","body":"<p>Hello <b>world</b> this is a long text</p>",` +
		`"collectionId":"pbc_1125843985","collectionName":"posts","created":"2026-11-21 05:02:27.039Z",` +
		`"doc":"","docs":[],"flag":true,"id":"eno1qxutyeat3ap","loc":{"lat":42.1,"lon":23.2},"mail":"x@y.com",` +
		`"meta":"plain string","num":5.5,"readers":["pdpxm71te2ush8s","0o0ivdbkqwy4i5r"],"site":"","tag":"",` +
		`"tags":["a","b","c"],"title":"ok","updated":"2026-11-21 05:02:27.039Z","when":"2024-01-02 03:04:05.000Z"}`
	if s := mustJSON(t, got); s != want {
		t.Fatalf("got  %s\nwant %s", s, want)
	}
}

func TestSerializeZeroValues(t *testing.T) {
	r := core.NewRecord(postsCollection())
	r.Values["docs"] = nil        // not canonical: still an empty list
	r.Values["meta"] = "not json" // not canonical: coerced
	r.Values["readers"] = []any{"x"}
	delete(r.Values, "tags")
	got := Serialize(r, SerializeOptions{Superuser: true, Expand: map[string]any{}})
	want := `{"author":"","body":"","collectionId":"pbc_1125843985","collectionName":"posts","created":"",` +
		`"doc":"","docs":[],"expand":{},"flag":false,"id":"","loc":{"lat":0,"lon":0},"mail":"","meta":"not json","num":0,` +
		`"readers":["x"],"secret":"","site":"","slug":"","tag":"","tags":[],"title":"","updated":"","when":""}`
	if s := mustJSON(t, got); s != want {
		t.Fatalf("got  %s\nwant %s", s, want)
	}
	r.Values["meta"] = json.RawMessage(nil)
	if v, ok := Serialize(r, SerializeOptions{})["meta"]; !ok || v != nil {
		t.Fatalf("null json = %#v", v)
	}
}

// TestSerializeGolden pins the visibility rules for each kind of requester.
func TestSerializeGolden(t *testing.T) {
	user := core.NewRecord(usersCollection())
	_, err := Apply(user, map[string]any{"id": "u1u1u1u1u1u1u1u", "email": "u@example.com", "password": "12345678",
		"name": "U", "note": "private"}, applyOpts(true))
	if err != nil {
		t.Fatal(err)
	}
	visible := user.Clone()
	visible.Values["emailVisibility"] = true

	cases := map[string]any{
		"post_guest":            Serialize(examplePost(t), SerializeOptions{}),
		"post_superuser":        Serialize(examplePost(t), SerializeOptions{Superuser: true}),
		"post_expand":           Serialize(examplePost(t), SerializeOptions{Expand: map[string]any{"author": map[string]any{"id": "x"}}}),
		"user_guest":            Serialize(user, SerializeOptions{}),
		"user_owner":            Serialize(user, SerializeOptions{ShowEmail: true}),
		"user_superuser":        Serialize(user, SerializeOptions{Superuser: true, ShowEmail: true}),
		"user_email_visible":    Serialize(visible, SerializeOptions{}),
		"user_superuser_hidden": Serialize(user, SerializeOptions{Superuser: true}),
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(cases); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	path := filepath.Join("testdata", "serialize.golden.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if string(want) != string(data) {
		t.Fatalf("serialization differs from %s (run with -update to accept):\n%s", path, data)
	}

	// Facts the golden file must show, checked explicitly too.
	for name, v := range cases {
		m := v.(map[string]any)
		if _, ok := m["password"]; ok {
			t.Errorf("%s: password shown", name)
		}
		if _, ok := m["tokenKey"]; ok {
			t.Errorf("%s: tokenKey shown", name)
		}
	}
	if _, ok := cases["user_guest"].(map[string]any)["email"]; ok {
		t.Error("email shown to a guest")
	}
	if _, ok := cases["user_superuser_hidden"].(map[string]any)["email"]; ok {
		t.Error("email shown without ShowEmail or emailVisibility")
	}
	if cases["user_email_visible"].(map[string]any)["email"] != "u@example.com" {
		t.Error("visible email hidden")
	}
	if cases["user_superuser"].(map[string]any)["note"] != "private" {
		t.Error("superuser cannot see hidden fields")
	}
	if _, ok := cases["user_owner"].(map[string]any)["note"]; ok {
		t.Error("owner sees hidden fields")
	}
}
