package record

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/plinthdb/plinth/core"
)

// fakeHash marks a plain password as hashed, reversibly for assertions.
func fakeHash(plain string) (string, error) { return "hash:" + plain, nil }

func applyOpts(create bool) ApplyOptions {
	return ApplyOptions{Create: create, Superuser: true, Rand: newTestRand(1), Now: testNow, HashPassword: fakeHash}
}

// TestValidateExample reproduces the error body example of §4.5 (except
// validation_missing_rel_records, which needs the store).
func TestValidateExample(t *testing.T) {
	r := core.NewRecord(postsCollection())
	_, err := Apply(r, map[string]any{
		"title": "this title is longer than twenty",
		"num":   101,
		"mail":  "not-an-email",
		"site":  "nope",
		"tag":   "z",
		"loc":   map[string]any{"lon": 1, "lat": 100},
	}, applyOpts(true))
	if err != nil {
		t.Fatal(err)
	}
	errs := Validate(r, nil, ValidateOptions{})
	want := `{"loc":{"code":"validation_invalid_latitude","message":"Latitude must be between -90 and 90 degrees."},` +
		`"mail":{"code":"validation_is_email","message":"Must be a valid email address."},` +
		`"num":{"code":"validation_max_number_constraint","message":"Must be less or equal than 100.","params":{"max":100}},` +
		`"site":{"code":"validation_invalid_url","message":"Must be a valid url."},` +
		`"tag":{"code":"validation_invalid_value","message":"Invalid value z.","params":{"value":"z"}},` +
		`"title":{"code":"validation_max_text_constraint","message":"Must be no more than 20 character(s).","params":{"max":20}}}`
	if got := mustJSON(t, errs); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestApplyModifierSequence(t *testing.T) {
	// §4.6: tags=["a","b"], num=3, then two updates.
	rec := core.NewRecord(postsCollection())
	rec.Values["id"] = "abcdefghij12345"
	rec.Values["tags"] = []string{"a", "b"}
	rec.Values["num"] = 3.0

	a, err := Apply(rec, map[string]any{"tags+": "c", "num+": 10}, applyOpts(false))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rec.Values["tags"], []string{"a", "b", "c"}) || rec.Values["num"] != 13.0 {
		t.Fatalf("after first update: tags=%v num=%v", rec.Values["tags"], rec.Values["num"])
	}
	if !reflect.DeepEqual(a.Body, map[string]any{"tags": []string{"a", "b", "c"}, "num": 13.0}) {
		t.Fatalf("body %#v", a.Body)
	}

	a, err = Apply(rec, map[string]any{"tags-": []any{"a", "b"}, "+tags": []any{"b"}, "num-": 2.5}, applyOpts(false))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rec.Values["tags"], []string{"b", "c"}) || rec.Values["num"] != 10.5 {
		t.Fatalf("after second update: tags=%v num=%v", rec.Values["tags"], rec.Values["num"])
	}
	if !reflect.DeepEqual(a.Fields, []string{"num", "tags"}) {
		t.Fatalf("fields %v", a.Fields)
	}
}

func TestApplyValues(t *testing.T) {
	start := func() *core.Record {
		r := core.NewRecord(postsCollection())
		r.Values["id"] = "abcdefghij12345"
		r.Values["tags"] = []string{"a", "b"}
		r.Values["tag"] = "a"
		r.Values["num"] = 3.0
		r.Values["docs"] = []string{"x.txt", "y.txt"}
		r.Values["doc"] = "d.txt"
		r.Values["readers"] = []string{"u1"}
		r.Values["title"] = "old"
		r.Values["meta"] = json.RawMessage(`{"a":1}`)
		r.Values["loc"] = core.GeoPoint{Lon: 1, Lat: 2}
		return r
	}
	tests := []struct {
		name  string
		input map[string]any
		want  map[string]any // expected values of the named fields
	}{
		{"plain set", map[string]any{"title": 123, "flag": "1", "when": "2024-05-05"},
			map[string]any{"title": "123", "flag": true, "when": "2024-05-05 00:00:00.000Z"}},
		{"plain before modifier", map[string]any{"num+": 2, "num": 10},
			map[string]any{"num": 12.0}},
		{"plain list before append", map[string]any{"tags+": "c", "tags": []any{"b"}},
			map[string]any{"tags": []string{"b", "c"}}},
		{"number modifier with string", map[string]any{"num+": "2.5", "num-": "x"},
			map[string]any{"num": 5.5}},
		{"single select append keeps last", map[string]any{"tag+": "b"},
			map[string]any{"tag": "b"}},
		{"single select remove", map[string]any{"tag-": "a"},
			map[string]any{"tag": ""}},
		{"append dedupes", map[string]any{"tags+": []any{"a", "c", "c"}},
			map[string]any{"tags": []string{"a", "b", "c"}}},
		{"prepend moves nothing twice", map[string]any{"+tags": `["c","b"]`},
			map[string]any{"tags": []string{"c", "b", "a"}}},
		{"relation append", map[string]any{"readers+": "u2"},
			map[string]any{"readers": []string{"u1", "u2"}}},
		{"file remove", map[string]any{"docs-": "x.txt"},
			map[string]any{"docs": []string{"y.txt"}}},
		{"file prepend", map[string]any{"+docs": []any{"z.txt"}},
			map[string]any{"docs": []string{"z.txt", "x.txt", "y.txt"}}},
		{"single file remove", map[string]any{"doc-": []any{"d.txt"}},
			map[string]any{"doc": ""}},
		{"null clears", map[string]any{"tags": nil, "num": nil, "title": nil, "meta": nil, "loc": nil, "doc": nil},
			map[string]any{"tags": []string{}, "num": 0.0, "title": "", "meta": json.RawMessage(nil), "loc": core.GeoPoint{}, "doc": ""}},
		{"empty list clears", map[string]any{"tags": []any{}, "docs": []any{}, "readers": "[]"},
			map[string]any{"tags": []string{}, "docs": []string{}, "readers": []string{}}},
		{"unknown and miscased keys ignored", map[string]any{"Title": "x", "nope": 1, "num*": 5, "+num": 1, "title:autogenerate+": 1},
			map[string]any{"title": "old", "num": 3.0}},
		{"autodate ignored", map[string]any{"created": "2020-01-01", "updated": "2020-01-01"},
			map[string]any{"created": "", "updated": testNowText}},
		{"autogenerate modifier without pattern", map[string]any{"title:autogenerate": "pre-"},
			map[string]any{"title": "pre-"}},
		{"json kept as given", map[string]any{"meta": map[string]any{"x": []any{1.0}}},
			map[string]any{"meta": json.RawMessage(`{"x":[1]}`)}},
		{"geo from string", map[string]any{"loc": `{"lon":-5,"lat":7.5}`},
			map[string]any{"loc": core.GeoPoint{Lon: -5, Lat: 7.5}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := start()
			if _, err := Apply(r, tt.input, applyOpts(false)); err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.want {
				if got := r.Values[k]; !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", k, got, want)
				}
			}
		})
	}
}

func TestApplyCreate(t *testing.T) {
	r := core.NewRecord(postsCollection())
	a, err := Apply(r, map[string]any{"title": "hi", "num+": 5, "tags+": "a", "slug:autogenerate": "s-"}, applyOpts(true))
	if err != nil {
		t.Fatal(err)
	}
	id := r.ID()
	if !regexp.MustCompile(`^[a-z0-9]{15}$`).MatchString(id) {
		t.Fatalf("generated id %q", id)
	}
	if !regexp.MustCompile(`^s-[a-z]{5}$`).MatchString(r.String("slug")) {
		t.Fatalf("slug %q", r.String("slug"))
	}
	if r.Values["num"] != 5.0 || !reflect.DeepEqual(r.Values["tags"], []string{"a"}) {
		t.Fatalf("modifiers on zero values: %v %v", r.Values["num"], r.Values["tags"])
	}
	if r.String("created") != testNowText || r.String("updated") != testNowText {
		t.Fatalf("autodate %q %q", r.String("created"), r.String("updated"))
	}
	if _, ok := a.Body["id"]; ok {
		t.Fatal("generated id is not part of the submitted body")
	}
	if errs := Validate(r, nil, ValidateOptions{}); len(errs) != 0 {
		t.Fatalf("created record invalid: %s", mustJSON(t, errs))
	}

	// Same seed, same values: randomness comes only from Rand.
	r2 := core.NewRecord(postsCollection())
	if _, err := Apply(r2, map[string]any{"slug:autogenerate": "s-"}, applyOpts(true)); err != nil {
		t.Fatal(err)
	}
	if r2.ID() != id {
		t.Fatalf("ids differ with the same seed: %q %q", r2.ID(), id)
	}
}

func TestApplyCreateKeepsGivenID(t *testing.T) {
	r := core.NewRecord(postsCollection())
	if _, err := Apply(r, map[string]any{"id": "myid12345678901", "slug": "given"}, applyOpts(true)); err != nil {
		t.Fatal(err)
	}
	if r.ID() != "myid12345678901" || r.String("slug") != "given" {
		t.Fatalf("id %q slug %q", r.ID(), r.String("slug"))
	}
}

func TestApplyUpdateDoesNotAutogenerate(t *testing.T) {
	r := core.NewRecord(postsCollection())
	r.Values["id"] = "abcdefghij12345"
	r.Values["created"] = "2020-01-01 00:00:00.000Z"
	if _, err := Apply(r, map[string]any{"slug": ""}, applyOpts(false)); err != nil {
		t.Fatal(err)
	}
	if r.String("slug") != "" {
		t.Fatalf("slug generated on update: %q", r.String("slug"))
	}
	if r.String("created") != "2020-01-01 00:00:00.000Z" || r.String("updated") != testNowText {
		t.Fatalf("autodate on update: %q %q", r.String("created"), r.String("updated"))
	}
}

func TestApplyOnUpdateOnlyAutodate(t *testing.T) {
	c := postsCollection()
	c.Fields = append(c.Fields, &core.Field{Name: "touched", Type: core.FieldAutodate, OnUpdate: true})
	r := core.NewRecord(c)
	if _, err := Apply(r, nil, applyOpts(true)); err != nil {
		t.Fatal(err)
	}
	if r.String("touched") != "" {
		t.Fatalf("onUpdate-only field set on create: %q", r.String("touched"))
	}
}

func TestApplyHiddenFields(t *testing.T) {
	input := map[string]any{"secret": "s", "secret+": "x", "title": "t"}

	r := core.NewRecord(postsCollection())
	o := applyOpts(true)
	o.Superuser = false
	a, err := Apply(r, input, o)
	if err != nil {
		t.Fatal(err)
	}
	if r.String("secret") != "" {
		t.Fatal("hidden field set by a non-superuser")
	}
	if _, ok := a.Body["secret"]; ok || a.Has("secret") {
		t.Fatalf("hidden field in body: %#v", a.Body)
	}
	if a.Body["secret+"] != "x" {
		t.Fatal("text fields have no + modifier: the key is unknown and stays")
	}

	c := postsCollection()
	field(c, "tags").Hidden = true
	r = core.NewRecord(c)
	a, err = Apply(r, map[string]any{"tags+": "a", "+tags": "b"}, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Strings("tags")) != 0 || len(a.Body) != 0 {
		t.Fatalf("hidden modifiers applied: %v %#v", r.Values["tags"], a.Body)
	}

	r = core.NewRecord(postsCollection())
	a, err = Apply(r, map[string]any{"secret": "s"}, applyOpts(true))
	if err != nil {
		t.Fatal(err)
	}
	if r.String("secret") != "s" || a.Body["secret"] != "s" {
		t.Fatal("superuser could not set a hidden field")
	}
}

func TestApplyAuthPassword(t *testing.T) {
	r := core.NewRecord(usersCollection())
	o := applyOpts(true)
	o.Superuser = false
	a, err := Apply(r, map[string]any{
		"email": "u@example.com", "password": "12345678", "passwordConfirm": "12345678",
		"note": "hidden", "tokenKey": "mine",
	}, o)
	if err != nil {
		t.Fatal(err)
	}
	if r.String("password") != "hash:12345678" {
		t.Fatalf("stored password %q", r.String("password"))
	}
	if a.Plain["password"] != "12345678" || a.Body["password"] != "12345678" {
		t.Fatalf("plain %v body %v", a.Plain, a.Body["password"])
	}
	if a.Body["passwordConfirm"] != "12345678" {
		t.Fatal("non-field keys must stay in the body")
	}
	if r.String("note") != "" || len(r.String("tokenKey")) != 50 {
		t.Fatalf("hidden fields: note=%q tokenKey=%q", r.String("note"), r.String("tokenKey"))
	}
	if !reflect.DeepEqual(a.Fields, []string{"email", "password"}) {
		t.Fatalf("fields %v", a.Fields)
	}
	if errs := Validate(r, nil, ValidateOptions{Plain: a.Plain}); len(errs) != 0 {
		t.Fatalf("invalid: %s", mustJSON(t, errs))
	}

	// A too short password is checked on the plain text, not on the hash.
	a, err = Apply(r, map[string]any{"password": "short"}, o)
	if err != nil {
		t.Fatal(err)
	}
	errs := Validate(r, nil, ValidateOptions{Plain: a.Plain})
	if e, _ := errs["password"].(*core.FieldError); e == nil || e.Code != "validation_min_text_constraint" {
		t.Fatalf("short password: %s", mustJSON(t, errs))
	}

	// An empty password clears the hash.
	if _, err := Apply(r, map[string]any{"password": ""}, o); err != nil {
		t.Fatal(err)
	}
	if r.String("password") != "" {
		t.Fatal("empty password kept the hash")
	}
}

func TestApplyPasswordHashFailure(t *testing.T) {
	r := core.NewRecord(usersCollection())
	o := applyOpts(true)
	o.HashPassword = func(string) (string, error) { return "", errors.New("too long") }
	_, err := Apply(r, map[string]any{"password": "x", "name": "n"}, o)
	var fe core.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("err %v", err)
	}
	if e, _ := fe["password"].(*core.FieldError); e == nil || e.Code != "validation_invalid_value" || e.Message != "Invalid value." {
		t.Fatalf("errors %#v", fe)
	}
	if r.String("name") != "n" {
		t.Fatal("other fields must still be applied")
	}

	o.HashPassword = nil
	if _, err := Apply(core.NewRecord(usersCollection()), map[string]any{"password": "x"}, o); err == nil {
		t.Fatal("password accepted without a hasher")
	}
	if _, err := Apply(core.NewRecord(usersCollection()), map[string]any{"password": ""}, o); err != nil {
		t.Fatalf("empty password needs no hasher: %v", err)
	}
}

func TestApplyAutogenerateErrors(t *testing.T) {
	c := postsCollection()
	field(c, "slug").AutogeneratePattern = "[a-z"
	_, err := Apply(core.NewRecord(c), nil, applyOpts(true))
	var fe core.FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("err %v", err)
	}
	if e, _ := fe["slug"].(*core.FieldError); e == nil || e.Code != "validation_invalid_autogenerate_pattern" {
		t.Fatalf("errors %#v", fe)
	}
	_, err = Apply(core.NewRecord(c), map[string]any{"slug:autogenerate": "x"}, applyOpts(false))
	if !errors.As(err, &fe) || fe["slug"] == nil {
		t.Fatalf("modifier: %v", err)
	}

	o := applyOpts(true)
	o.Rand = failingReader{}
	if _, err := Apply(core.NewRecord(postsCollection()), nil, o); err == nil {
		t.Fatal("randomness failure ignored")
	}
}

func TestApplyDefaults(t *testing.T) {
	r := core.NewRecord(postsCollection())
	before := time.Now().UTC().Add(-time.Second)
	if _, err := Apply(r, nil, ApplyOptions{Create: true}); err != nil {
		t.Fatal(err)
	}
	created, ok := core.ParseTime(r.String("created"))
	if !ok || created.Before(before) {
		t.Fatalf("created %q", r.String("created"))
	}
	if len(r.ID()) != 15 {
		t.Fatalf("id %q", r.ID())
	}
	if _, err := Apply(nil, nil, ApplyOptions{}); err == nil {
		t.Fatal("nil record accepted")
	}
	empty := &core.Record{Collection: postsCollection()}
	if _, err := Apply(empty, map[string]any{"num+": 1}, applyOpts(false)); err != nil || empty.Values["num"] != 1.0 {
		t.Fatalf("record without values: %v %v", err, empty.Values)
	}
}

func TestApplyBodyIsDetached(t *testing.T) {
	r := core.NewRecord(postsCollection())
	input := map[string]any{"tags": []any{"a"}, "extra": 1}
	a, err := Apply(r, input, applyOpts(true))
	if err != nil {
		t.Fatal(err)
	}
	a.Body["tags"].([]string)[0] = "changed"
	if r.Values["tags"].([]string)[0] != "a" {
		t.Fatal("body shares its lists with the record")
	}
	if _, ok := input["tags"].([]any); !ok || len(input) != 2 {
		t.Fatal("input modified")
	}
	if a.Body["extra"] != 1 {
		t.Fatal("unknown key missing from body")
	}
}
