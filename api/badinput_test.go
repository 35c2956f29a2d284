package api_test

import (
	"net/url"
	"strings"
	"testing"
)

// TestBadInputNeverFails5xx throws malformed input at every kind of
// endpoint: each answer must be a 4xx (or a 2xx where the input is
// merely odd), never a 5xx.
func TestBadInputNeverFails5xx(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.su("POST", "/api/collections", postsCollection("posts")).status(200)
		id := e.su("POST", "/api/collections/posts/records", map[string]any{"title": "x"}).status(200).str("id")
		bodies := []any{
			`{`, `[]`, `null`, `"str"`, `123`, `{"a":`, "\x00\x01", `{"title":{"$gt":1}}`,
			map[string]any{"title": []any{1, 2}, "num": "NaN", "flag": map[string]any{}, "when": 1e308},
			map[string]any{"tags": "[\"a\",", "meta": strings.Repeat("[", 10000), "loc": "x"},
			map[string]any{"num+": "abc", "tags-": 5, "+tags": map[string]any{"a": 1}, "title:autogenerate": []any{}},
			map[string]any{"id": "../../etc/passwd", "title": "x"},
			map[string]any{"id": strings.Repeat("a", 5000), "title": strings.Repeat("é", 10000)},
			map[string]any{"collectionId": "x", "expand": "x", "title": "'; DROP TABLE posts; --"},
		}
		paths := []struct{ method, path string }{
			{"POST", "/api/collections/posts/records"},
			{"PATCH", "/api/collections/posts/records/" + id},
			{"POST", "/api/collections"},
			{"PATCH", "/api/collections/posts"},
			{"PUT", "/api/collections/import"},
			{"POST", "/api/collections/_superusers/auth-with-password"},
			{"POST", "/api/collections/users/request-otp"},
			{"POST", "/api/collections/users/confirm-verification"},
			{"PATCH", "/api/settings"},
			{"POST", "/api/batch"},
			{"POST", "/api/collections/meta/dry-run-view"},
		}
		for _, p := range paths {
			for _, b := range bodies {
				for _, tok := range []string{"", e.token} {
					r := e.call(p.method, p.path, tok, b)
					if r.code >= 500 {
						t.Fatalf("%s %s with %v: %d %s", p.method, p.path, b, r.code, r.raw)
					}
				}
			}
		}
		queries := []string{
			"filter=" + url.QueryEscape("title = "), "filter=" + url.QueryEscape(strings.Repeat("(", 5000)),
			"filter=" + url.QueryEscape("title ~ '%' || 1 = 1"), "filter=" + url.QueryEscape(`title = "\"; DROP TABLE posts; --"`),
			"filter=" + url.QueryEscape("strftime('%Y', created, 'x','y','z','w','v','u','t','s','r','q','p') = 1"),
			"sort=" + url.QueryEscape("-title;DROP"), "sort=" + url.QueryEscape(strings.Repeat("title,", 20)),
			"page=-5&perPage=-1", "page=99999999999999999999", "perPage=1e9", "fields=" + url.QueryEscape("title:excerpt(-1,x)"),
			"expand=" + url.QueryEscape(strings.Repeat("a.", 100)), "skipTotal=2",
		}
		for _, q := range queries {
			for _, tok := range []string{"", e.token} {
				for _, path := range []string{"/api/collections/posts/records", "/api/collections"} {
					r := e.call("GET", path+"?"+q, tok, nil)
					if r.code >= 500 {
						t.Fatalf("GET %s?%s: %d %s", path, q, r.code, r.raw)
					}
				}
			}
		}
		// Nothing of the above created a collection or changed the record.
		e.su("GET", "/api/collections/posts/records/"+id, nil).status(200).has("title", "x")
	})
}
