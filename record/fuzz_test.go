package record

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/plinthdb/plinth/core"
)

// FuzzApply feeds arbitrary bodies (JSON, or else urlencoded form data)
// through Apply, Validate, Serialize and Pick: none may panic, values must
// stay canonical and errors well formed.
func FuzzApply(f *testing.F) {
	f.Add([]byte(`{"tags+":"c","num+":10,"title":123}`), false, true, "id,title")
	f.Add([]byte(`{"tags-":["a","b"],"+tags":["b"],"num-":2.5}`), false, false, "*,expand.x")
	f.Add([]byte(`title=multi&num=3&tags=a&tags=b&%40jsonPayload=%7B%22meta%22%3A%7B%22x%22%3A1%7D%7D`), true, false, "body:excerpt(10,true)")
	f.Fuzz(func(t *testing.T, body []byte, create, superuser bool, fields string) {
		var input map[string]any
		if json.Unmarshal(body, &input) != nil {
			values, err := url.ParseQuery(string(body))
			if err != nil {
				return
			}
			if input, err = FormBody(values); err != nil {
				return
			}
		}
		for _, c := range []*core.Collection{postsCollection(), usersCollection()} {
			rec := core.NewRecord(c)
			var old *core.Record
			if !create {
				rec.Values["id"] = "abcdefghij12345"
				rec.Values["tags"] = []string{"a", "b"}
				rec.Values["docs"] = []string{"x.txt"}
				old = rec.Clone()
			}
			o := applyOpts(create)
			o.Superuser = superuser
			applied, err := Apply(rec, input, o)
			if err != nil {
				var fe core.FieldErrors
				if !asFieldErrors(err, &fe) {
					t.Fatalf("Apply error is not FieldErrors: %v", err)
				}
				checkFieldErrors(t, fe)
				continue
			}
			checkCanonical(t, rec)
			for k := range applied.Body {
				if fld, mod := resolveKey(c, k); fld != nil && mod != modSet {
					t.Fatalf("modifier key %q left in body", k)
				}
			}
			errs := Validate(rec, old, ValidateOptions{Plain: applied.Plain})
			if errs == nil {
				t.Fatal("nil FieldErrors")
			}
			checkFieldErrors(t, errs)
			ser := Serialize(rec, SerializeOptions{Superuser: superuser})
			if _, ok := ser["password"]; ok {
				t.Fatal("password serialized")
			}
			if _, ok := ser["tokenKey"]; ok && c.IsAuth() {
				t.Fatal("tokenKey serialized")
			}
			if len(errs) == 0 {
				if _, err := json.Marshal(ser); err != nil {
					t.Fatalf("valid record does not marshal: %v", err)
				}
			}
			if _, err := Pick(ser, fields); err != nil && core.ErrorCode(err) != core.EInvalid {
				t.Fatalf("Pick error code %v", err)
			}
		}
		if s, ok := input["body"].(string); ok {
			if got := Excerpt(s, 20, true); utf8.RuneCountInString(got) > 23 {
				t.Fatalf("excerpt too long: %q", got)
			}
		}
	})
}

func asFieldErrors(err error, fe *core.FieldErrors) bool {
	v, ok := err.(core.FieldErrors)
	*fe = v
	return ok
}

func checkFieldErrors(t *testing.T, errs core.FieldErrors) {
	t.Helper()
	for k, v := range errs {
		e, ok := v.(*core.FieldError)
		if !ok || !strings.HasPrefix(e.Code, "validation_") || !strings.HasSuffix(e.Message, ".") {
			t.Fatalf("bad error for %s: %#v", k, v)
		}
	}
}

// checkCanonical asserts every value has the Go type core.Record documents.
func checkCanonical(t *testing.T, rec *core.Record) {
	t.Helper()
	for _, f := range rec.Collection.Fields {
		v := rec.Values[f.Name]
		ok := false
		switch f.Type {
		case core.FieldNumber:
			_, ok = v.(float64)
		case core.FieldBool:
			_, ok = v.(bool)
		case core.FieldJSON:
			raw, isRaw := v.(json.RawMessage)
			ok = isRaw && (raw == nil || len(raw) > 0)
		case core.FieldGeoPoint:
			_, ok = v.(core.GeoPoint)
		case core.FieldSelect, core.FieldRelation, core.FieldFile:
			if f.IsMulti() {
				l, isList := v.([]string)
				ok = isList && l != nil
				for _, s := range l {
					ok = ok && s != ""
				}
			} else {
				_, ok = v.(string)
			}
		default:
			_, ok = v.(string)
		}
		if !ok {
			t.Fatalf("%s (%s) holds %#v", f.Name, f.Type, v)
		}
		if f.Type == core.FieldDate || f.Type == core.FieldAutodate {
			if s := v.(string); s != "" {
				if _, parsed := core.ParseTime(s); !parsed || len(s) != len(core.DateLayout) {
					t.Fatalf("%s holds non-canonical date %q", f.Name, s)
				}
			}
		}
	}
}
