package record

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plinthdb/plinth/core"
)

func fe(code, message string, params map[string]any) *core.FieldError {
	return core.NewFieldError(code, message, params)
}

// validRecord returns a posts record that passes validation.
func validRecord() *core.Record {
	r := core.NewRecord(postsCollection())
	r.Values["id"] = "abcdefghij12345"
	return r
}

// TestValidateFields checks each record field code of §1.7, one field at
// a time: the record is valid except for the value set.
func TestValidateFields(t *testing.T) {
	type mod func(c *core.Collection, r *core.Record)
	set := func(name string, v any) mod {
		return func(_ *core.Collection, r *core.Record) { r.Values[name] = v }
	}
	opt := func(name string, fn func(f *core.Field)) mod {
		return func(c *core.Collection, _ *core.Record) { fn(field(c, name)) }
	}
	required := func(name string) mod { return opt(name, func(f *core.Field) { f.Required = true }) }
	reqErr := fe("validation_required", "Cannot be blank.", nil)

	tests := []struct {
		name  string
		mods  []mod
		field string
		want  *core.FieldError
	}{
		{"valid", nil, "", nil},

		// text
		{"text required", []mod{required("title")}, "title", reqErr},
		{"text max", []mod{set("title", strings.Repeat("x", 21))}, "title",
			fe("validation_max_text_constraint", "Must be no more than 20 character(s).", map[string]any{"max": 20})},
		{"text max counts runes", []mod{set("title", strings.Repeat("é", 20))}, "", nil},
		{"text default max 5000", []mod{set("slug", strings.Repeat("x", 5001))}, "slug",
			fe("validation_max_text_constraint", "Must be no more than 5000 character(s).", map[string]any{"max": 5000})},
		{"text min", []mod{opt("title", func(f *core.Field) { f.Min = core.Float(3) }), set("title", "ab")}, "title",
			fe("validation_min_text_constraint", "Must be at least 3 character(s).", map[string]any{"min": 3})},
		{"text min skips empty", []mod{opt("title", func(f *core.Field) { f.Min = core.Float(3) })}, "", nil},
		{"text pattern", []mod{opt("title", func(f *core.Field) { f.Pattern = "^[a-z]+$" }), set("title", "A1")}, "title",
			fe("validation_invalid_format", "Invalid value format.", nil)},
		{"text bad pattern matches nothing", []mod{opt("title", func(f *core.Field) { f.Pattern = "([" }), set("title", "a")}, "title",
			fe("validation_invalid_format", "Invalid value format.", nil)},
		{"text wrong type", []mod{set("title", 5.0)}, "title",
			fe("validation_unsupported_value_type", "Invalid or unsupported value type.", nil)},

		// id
		{"id required", []mod{set("id", "")}, "id", reqErr},
		{"id too short", []mod{set("id", "abc")}, "id",
			fe("validation_min_text_constraint", "Must be at least 15 character(s).", map[string]any{"min": 15})},
		{"id too long", []mod{set("id", "abcdefghij123456")}, "id",
			fe("validation_max_text_constraint", "Must be no more than 15 character(s).", map[string]any{"max": 15})},
		{"id default pattern", []mod{set("id", "ABCDEFGHIJ12345")}, "id", fe("validation_invalid_format", "Invalid value format.", nil)},
		{"id slash with default pattern", []mod{set("id", "abcdefghij1234/")}, "id", fe("validation_invalid_format", "Invalid value format.", nil)},
		{"id forbidden char", []mod{opt("id", func(f *core.Field) { f.Pattern = "" }), set("id", "abcdefghij1234/")}, "id",
			fe("validation_forbidden_pk_character", "'/' is not a valid primary key character.", map[string]any{"ch": "/"})},
		{"id forbidden space", []mod{opt("id", func(f *core.Field) { f.Pattern = "^.+$" }), set("id", "abcdefghij1234 ")}, "id",
			fe("validation_forbidden_pk_character", "' ' is not a valid primary key character.", map[string]any{"ch": " "})},
		{"id reserved", []mod{opt("id", func(f *core.Field) { f.Pattern = "^\\w+$"; f.Min = core.Float(1) }), set("id", "com1")}, "id",
			fe("validation_reserved_pk", "The primary key 'COM1' is reserved and cannot be used.", map[string]any{"reserved": "COM1"})},

		// number
		{"number max", []mod{set("num", 101.0)}, "num",
			fe("validation_max_number_constraint", "Must be less or equal than 100.", map[string]any{"max": 100.0})},
		{"number max ok", []mod{set("num", 100.0)}, "", nil},
		{"number min", []mod{opt("num", func(f *core.Field) { f.Min = core.Float(2.5) }), set("num", 1.0)}, "num",
			fe("validation_min_number_constraint", "Must be greater or equal than 2.5.", map[string]any{"min": 2.5})},
		{"number min skips zero", []mod{opt("num", func(f *core.Field) { f.Min = core.Float(2.5) })}, "", nil},
		{"number min negative", []mod{opt("num", func(f *core.Field) { f.Min = core.Float(-10) }), set("num", -11.0)}, "num",
			fe("validation_min_number_constraint", "Must be greater or equal than -10.", map[string]any{"min": -10.0})},
		{"number required", []mod{required("num")}, "num", reqErr},
		{"number only int", []mod{opt("num", func(f *core.Field) { f.OnlyInt = true }), set("num", 1.5)}, "num",
			fe("validation_only_int_constraint", "Decimal numbers are not allowed.", nil)},
		{"number only int ok", []mod{opt("num", func(f *core.Field) { f.OnlyInt = true }), set("num", 3.0)}, "", nil},
		{"number NaN", []mod{set("num", math.NaN())}, "num",
			fe("validation_not_a_number", "The submitted number is not properly formatted.", nil)},
		{"number Inf", []mod{set("num", math.Inf(-1))}, "num",
			fe("validation_not_a_number", "The submitted number is not properly formatted.", nil)},

		// bool
		{"bool required false", []mod{required("flag")}, "flag", reqErr},
		{"bool required true", []mod{required("flag"), set("flag", true)}, "", nil},

		// email
		{"email invalid", []mod{set("mail", "nope")}, "mail", fe("validation_is_email", "Must be a valid email address.", nil)},
		{"email valid", []mod{set("mail", "x@y.com")}, "", nil},
		{"email required", []mod{required("mail")}, "mail", reqErr},
		{"email only domains", []mod{opt("mail", func(f *core.Field) { f.OnlyDomains = []string{"a.com"} }), set("mail", "x@b.com")}, "mail",
			fe("validation_email_domain_not_allowed", "Email domain is not allowed.", nil)},
		{"email only domains ok", []mod{opt("mail", func(f *core.Field) { f.OnlyDomains = []string{"a.com"} }), set("mail", "x@a.com")}, "", nil},
		{"email except domains", []mod{opt("mail", func(f *core.Field) { f.ExceptDomains = []string{"b.com"} }), set("mail", "x@b.com")}, "mail",
			fe("validation_email_domain_not_allowed", "Email domain is not allowed.", nil)},

		// url
		{"url invalid", []mod{set("site", "not a url")}, "site", fe("validation_invalid_url", "Must be a valid url.", nil)},
		{"url valid", []mod{set("site", "https://example.com/x?y=1")}, "", nil},
		{"url required", []mod{required("site")}, "site", reqErr},
		{"url only domains", []mod{opt("site", func(f *core.Field) { f.OnlyDomains = []string{"a.com"} }), set("site", "https://b.com")}, "site",
			fe("validation_url_domain_not_allowed", "Url domain is not allowed.", nil)},
		{"url only domains ok", []mod{opt("site", func(f *core.Field) { f.OnlyDomains = []string{"a.com"} }), set("site", "https://a.com/p")}, "", nil},
		{"url except domains", []mod{opt("site", func(f *core.Field) { f.ExceptDomains = []string{"b.com"} }), set("site", "http://b.com")}, "site",
			fe("validation_url_domain_not_allowed", "Url domain is not allowed.", nil)},

		// editor
		{"editor size", []mod{opt("body", func(f *core.Field) { f.MaxSize = 10 }), set("body", "<p>12345678</p>")}, "body",
			fe("validation_content_size_limit", "The maximum allowed content size is 10 bytes.", map[string]any{"maxSize": int64(10)})},
		{"editor default size", []mod{set("body", strings.Repeat("x", 5<<20+1))}, "body",
			fe("validation_content_size_limit", "The maximum allowed content size is 5242880 bytes.", map[string]any{"maxSize": int64(5 << 20)})},
		{"editor required", []mod{required("body")}, "body", reqErr},

		// date
		{"date required", []mod{required("when")}, "when", reqErr},
		{"date min", []mod{opt("when", func(f *core.Field) { f.DateMin = "2024-01-01 00:00:00.000Z" }), set("when", "2023-12-31 23:59:59.999Z")}, "when",
			fe("validation_min_greater_equal_than_required", "Must be no less than 2024-01-01 00:00:00 +0000 UTC.",
				map[string]any{"threshold": time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})},
		{"date max", []mod{opt("when", func(f *core.Field) { f.DateMax = "2024-01-01 00:00:00.000Z" }), set("when", "2024-01-01 00:00:00.001Z")}, "when",
			fe("validation_max_less_equal_than_required", "Must be no greater than 2024-01-01 00:00:00 +0000 UTC.",
				map[string]any{"threshold": time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})},
		{"date within", []mod{opt("when", func(f *core.Field) {
			f.DateMin, f.DateMax = "2024-01-01 00:00:00.000Z", "2024-12-31 00:00:00.000Z"
		}), set("when", "2024-01-01 00:00:00.000Z")}, "", nil},

		// select
		{"select invalid", []mod{set("tag", "z")}, "tag", fe("validation_invalid_value", "Invalid value z.", map[string]any{"value": "z"})},
		{"select multi invalid", []mod{set("tags", []string{"a", "q"})}, "tags", fe("validation_invalid_value", "Invalid value q.", map[string]any{"value": "q"})},
		{"select too many", []mod{opt("tags", func(f *core.Field) { f.MaxSelect = 2 }), set("tags", []string{"a", "b", "c"})}, "tags",
			fe("validation_too_many_values", "Select no more than 2.", map[string]any{"maxSelect": 2})},
		{"select required", []mod{required("tags")}, "tags", reqErr},
		{"select single required", []mod{required("tag")}, "tag", reqErr},

		// relation
		{"relation required", []mod{required("author")}, "author", reqErr},
		{"relation min", []mod{opt("readers", func(f *core.Field) { f.MinSelect = 2 }), set("readers", []string{"u1"})}, "readers",
			fe("validation_not_enough_values", "Select at least 2.", map[string]any{"minSelect": 2})},
		{"relation max", []mod{set("readers", []string{"1", "2", "3", "4", "5", "6"})}, "readers",
			fe("validation_too_many_values", "Select no more than 5.", map[string]any{"maxSelect": 5})},
		{"relation ok", []mod{set("readers", []string{"1", "2"}), set("author", "u1")}, "", nil},

		// file
		{"file required", []mod{required("docs")}, "docs", reqErr},
		{"file unknown name", []mod{set("doc", "x.txt")}, "doc",
			fe("validation_invalid_file", "Invalid new files: [x.txt].", map[string]any{"invalidFiles": []string{"x.txt"}})},

		// json
		{"json size", []mod{opt("meta", func(f *core.Field) { f.MaxSize = 5 }), set("meta", json.RawMessage(`"123456"`))}, "meta",
			fe("validation_json_size_limit", "The maximum allowed JSON size is 5 bytes.", map[string]any{"maxSize": int64(5)})},
		{"json default size", []mod{set("meta", json.RawMessage(`"`+strings.Repeat("x", 1<<20)+`"`))}, "meta",
			fe("validation_json_size_limit", "The maximum allowed JSON size is 1048576 bytes.", map[string]any{"maxSize": int64(1 << 20)})},
		{"json invalid", []mod{set("meta", json.RawMessage(`{x`))}, "meta", fe("validation_invalid_json", "Must be a valid json value.", nil)},
		{"json required null", []mod{required("meta")}, "meta", reqErr},
		{"json required empty object", []mod{required("meta"), set("meta", json.RawMessage(` {} `))}, "meta", reqErr},
		{"json required empty array", []mod{required("meta"), set("meta", json.RawMessage(`[]`))}, "meta", reqErr},
		{"json required empty string", []mod{required("meta"), set("meta", json.RawMessage(`""`))}, "meta", reqErr},
		{"json required zero ok", []mod{required("meta"), set("meta", json.RawMessage(`0`))}, "", nil},

		// geoPoint
		{"geo latitude", []mod{set("loc", core.GeoPoint{Lon: 1, Lat: 91})}, "loc",
			fe("validation_invalid_latitude", "Latitude must be between -90 and 90 degrees.", nil)},
		{"geo longitude", []mod{set("loc", core.GeoPoint{Lon: -181, Lat: 1})}, "loc",
			fe("validation_invalid_longitude", "Longitude must be between -180 and 180 degrees.", nil)},
		{"geo NaN", []mod{set("loc", core.GeoPoint{Lon: 0, Lat: math.NaN()})}, "loc",
			fe("validation_invalid_latitude", "Latitude must be between -90 and 90 degrees.", nil)},
		{"geo required", []mod{required("loc")}, "loc", reqErr},
		{"geo edge ok", []mod{set("loc", core.GeoPoint{Lon: 180, Lat: -90})}, "", nil},

		// autodate: nothing to check
		{"autodate anything", []mod{set("created", "")}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRecord()
			c := r.Collection
			for _, m := range tt.mods {
				m(c, r)
			}
			errs := Validate(r, nil, ValidateOptions{})
			if tt.want == nil {
				if len(errs) != 0 {
					t.Fatalf("unexpected errors: %s", mustJSON(t, errs))
				}
				return
			}
			if len(errs) != 1 {
				t.Fatalf("want only %s, got %s", tt.field, mustJSON(t, errs))
			}
			got, _ := errs[tt.field].(*core.FieldError)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestValidateNeverNil(t *testing.T) {
	if errs := Validate(validRecord(), nil, ValidateOptions{}); errs == nil {
		t.Fatal("nil FieldErrors: callers add relation errors to it")
	}
	if errs := Validate(&core.Record{}, nil, ValidateOptions{}); errs == nil || len(errs) != 0 {
		t.Fatal("record without collection")
	}
}

func TestValidatePrimaryKeyOnUpdate(t *testing.T) {
	old := validRecord()
	rec := old.Clone()
	if errs := Validate(rec, old, ValidateOptions{}); len(errs) != 0 {
		t.Fatalf("unchanged record: %s", mustJSON(t, errs))
	}
	rec.Values["id"] = "zzzzzzzzzzzzzzz"
	want := fe("validation_pk_change", "The record primary key cannot be changed.", nil)
	if got := Validate(rec, old, ValidateOptions{})["id"]; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
	// A stored id that breaks today's rules stays valid.
	old.Values["id"] = "LEGACY/ID"
	rec = old.Clone()
	if errs := Validate(rec, old, ValidateOptions{}); len(errs) != 0 {
		t.Fatalf("legacy id: %s", mustJSON(t, errs))
	}
}

func TestValidateFilesAgainstOld(t *testing.T) {
	old := validRecord()
	old.Values["docs"] = []string{"a.txt", "b.txt"}
	old.Values["doc"] = "c.txt"

	rec := old.Clone()
	rec.Values["docs"] = []string{"b.txt"}
	if errs := Validate(rec, old, ValidateOptions{}); len(errs) != 0 {
		t.Fatalf("kept names: %s", mustJSON(t, errs))
	}

	rec.Values["docs"] = []string{"b.txt", "new.txt", "other.txt"}
	want := fe("validation_invalid_file", "Invalid new files: [new.txt other.txt].",
		map[string]any{"invalidFiles": []string{"new.txt", "other.txt"}})
	if got := Validate(rec, old, ValidateOptions{})["docs"]; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}

	// Uploads of this request are allowed; the count still applies.
	o := ValidateOptions{NewFiles: map[string][]string{"docs": {"new.txt", "other.txt"}}}
	want = fe("validation_too_many_files", "The maximum allowed files is 2.", map[string]any{"maxSelect": 2})
	if got := Validate(rec, old, o)["docs"]; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
	rec.Values["docs"] = []string{"new.txt", "other.txt"}
	if errs := Validate(rec, old, o); len(errs) != 0 {
		t.Fatalf("uploads: %s", mustJSON(t, errs))
	}

	long := strings.Repeat("x", 300)
	rec.Values["doc"] = long
	got := Validate(rec, old, o)["doc"].(*core.FieldError)
	if names := got.Params["invalidFiles"].([]string); len(names[0]) != 250 {
		t.Fatalf("long invalid name not cut: %d", len(names[0]))
	}
}

func TestValidatePassword(t *testing.T) {
	c := usersCollection()
	base := func() *core.Record {
		r := core.NewRecord(c)
		r.Values["id"] = "abcdefghij12345"
		r.Values["tokenKey"] = strings.Repeat("k", 50)
		r.Values["email"] = "u@example.com"
		return r
	}
	tests := []struct {
		name  string
		hash  string
		plain map[string]string
		field func(f *core.Field)
		want  *core.FieldError
	}{
		{"required", "", nil, nil, fe("validation_required", "Cannot be blank.", nil)},
		{"stored hash is enough", "hash", nil, nil, nil},
		{"too short", "hash", map[string]string{"password": "1234567"}, nil,
			fe("validation_min_text_constraint", "Must be at least 8 character(s).", nil)},
		{"ok", "hash", map[string]string{"password": "12345678"}, nil, nil},
		{"default max 71", "hash", map[string]string{"password": strings.Repeat("p", 72)}, nil,
			fe("validation_max_text_constraint", "Must be less than 71 character(s).", nil)},
		{"71 ok", "hash", map[string]string{"password": strings.Repeat("é", 71)}, nil, nil},
		{"max", "hash", map[string]string{"password": strings.Repeat("p", 11)}, func(f *core.Field) { f.Max = core.Float(10) },
			fe("validation_max_text_constraint", "Must be less than 10 character(s).", nil)},
		{"pattern", "hash", map[string]string{"password": "abcdefghi"}, func(f *core.Field) { f.Pattern = "[0-9]" },
			fe("validation_invalid_format", "Invalid value format.", nil)},
		{"plain without hash yet", "", map[string]string{"password": "12345678"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base()
			r.Collection = r.Collection.Clone()
			if tt.field != nil {
				tt.field(field(r.Collection, "password"))
			}
			r.Values["password"] = tt.hash
			errs := Validate(r, nil, ValidateOptions{Plain: tt.plain})
			got, _ := errs["password"].(*core.FieldError)
			if len(errs) > 1 || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %s, want %#v", mustJSON(t, errs), tt.want)
			}
		})
	}
}

func TestValidateUnsupportedTypes(t *testing.T) {
	r := validRecord()
	for name, v := range map[string]any{"num": "5", "flag": 1, "mail": 1, "site": 1, "body": 1, "when": 1,
		"meta": "x", "loc": map[string]any{}, "title": nil} {
		r.Values[name] = v
	}
	errs := Validate(r, nil, ValidateOptions{})
	for _, name := range []string{"num", "flag", "mail", "site", "body", "when", "meta", "loc", "title"} {
		if got, _ := errs[name].(*core.FieldError); got == nil || got.Code != "validation_unsupported_value_type" {
			t.Errorf("%s: %v", name, errs[name])
		}
	}
}

func TestPKHelpers(t *testing.T) {
	if NeedsPKCaseCheck(idField()) {
		t.Error("default id pattern needs no case check")
	}
	f := idField()
	f.Pattern = "^[A-Za-z0-9]+$"
	if !NeedsPKCaseCheck(f) {
		t.Error("custom pattern needs a case check")
	}
	if NeedsPKCaseCheck(&core.Field{Name: "title", Type: core.FieldText}) {
		t.Error("not a primary key")
	}
	for _, e := range []*core.FieldError{PKInvalidError(), MissingRelRecordsError(), MissingRelCollectionError()} {
		if !strings.HasPrefix(e.Code, "validation_") || !strings.HasSuffix(e.Message, ".") {
			t.Errorf("bad error %#v", e)
		}
	}
}

func TestRelationRefs(t *testing.T) {
	r := validRecord()
	r.Values["author"] = "u1"
	r.Values["readers"] = []string{"u2", "u3", "u2"}
	want := []RelationRef{
		{Field: "author", CollectionID: "_pb_users_auth_", IDs: []string{"u1"}},
		{Field: "readers", CollectionID: "_pb_users_auth_", IDs: []string{"u2", "u3"}},
	}
	if got := RelationRefs(r); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v", got)
	}
	if got := RelationRefs(validRecord()); got != nil {
		t.Fatalf("empty relations listed: %#v", got)
	}
}

func TestEmailFormat(t *testing.T) {
	valid := []string{"x@y.com", "a.b+c@sub.example.org", "user@localhost.dev", `"quoted name"@x.io`,
		"ünï@bücher.de", "x@y.com.", "a_b@c-d.ef", "x@y-z.co"}
	invalid := []string{"", "x", "x@", "@y.com", "x@y", "x@y.c1", "x@.com", "x@y..com", "a..b@y.com", ".a@y.com",
		"a b@y.com", "x@y_.com", "x@-y.com", "=?utf-8?q?x?=@y.com", "x@y.com-", `"unterminated@x.io`}
	for _, s := range valid {
		if !isEmail(s) {
			t.Errorf("isEmail(%q) = false", s)
		}
	}
	for _, s := range invalid {
		if isEmail(s) {
			t.Errorf("isEmail(%q) = true", s)
		}
	}
}

func TestURLFormat(t *testing.T) {
	valid := []string{"https://example.com", "http://localhost:8090/x", "example.com", "example.com/path?q=1#f",
		"ftp://files.example.org", "http://127.0.0.1", "http://[::1]:80/", "https://user:pass@host.io/p",
		"http://bücher.de", "http://a_b.example.com", "wss://x.y/z"}
	invalid := []string{"", "abc", "nope", "not a url", "http//x.com", "https//x.com", "mailto", "foo://bar.com",
		"http://", "http://exa mple.com", "https://x.com/a b", ".example.com", "http://.x.com", "http://x.com:123456",
		"http://x.com:port", "http://[zz]/", "x.com/" + strings.Repeat("a", 2100)}
	for _, s := range valid {
		if !isURL(s) {
			t.Errorf("isURL(%q) = false", s)
		}
	}
	for _, s := range invalid {
		if isURL(s) {
			t.Errorf("isURL(%q) = true", s)
		}
	}
}
