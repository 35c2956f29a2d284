package api_test

import (
	"slices"
	"testing"
)

// TestViewJSONTextFilter: a view column typed json that holds plain text
// (SQLite's json_extract of a string) can be filtered and sorted; it was a
// "malformed JSON" 500 on SQLite.
func TestViewJSONTextFilter(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newViewFixture(e)
		e.su("PATCH", "/api/collections/posts/records/"+f.p2, map[string]any{"meta": map[string]any{"lang": "de"}}).status(200)
		e.su("PATCH", "/api/collections/posts/records/"+f.p3, map[string]any{"meta": map[string]any{"lang": "en"}}).status(200)
		query := map[string]string{
			"sqlite":   `SELECT id, json_extract(meta, '$.lang') AS lang, json_extract(meta, '$.k') AS k FROM posts`,
			"postgres": `SELECT id, to_jsonb(meta ->> 'lang') AS lang, meta -> 'k' AS k FROM posts`,
		}[string(e.app.Store().Dialect())]
		res := e.su("POST", "/api/collections", map[string]any{"name": "langs", "type": "view", "listRule": "", "viewRule": "", "viewQuery": query}).status(200)
		if fs := fieldsOf(res); fs["lang"]["type"] != "json" {
			t.Fatalf("lang is %v, want json", fs["lang"]["type"])
		}
		sameIDSet(t, "lang = de", e.relList("langs", "", filterQ(`lang = "de"`)), f.p2)
		sameIDSet(t, "lang != de", e.relList("langs", "", filterQ(`lang != "de"`)), f.p1, f.p3)
		sameIDSet(t, "lang ~ e", e.relList("langs", "", filterQ(`lang ~ "e"`)), f.p2, f.p3)
		sameIDSet(t, "k = 1", e.relList("langs", "", filterQ(`k = 1`)), f.p1)
		e.call("GET", "/api/collections/langs/records?sort=-lang,id", "", nil).status(200).has("items.0.lang", "en").has("items.1.lang", "de")
		e.call("GET", "/api/collections/langs/records/"+f.p1, "", nil).status(200).has("lang", nil).has("k", 1.0)
	})
}

// sameIDSet is sameIDs for results in no defined order (a view without sort).
func sameIDSet(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	sameIDs(t, what, slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))...)
}
