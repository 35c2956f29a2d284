package api_test

import (
	"fmt"
	"net/url"
	"testing"
)

// postsCollection has one field of most types, the rules open to anyone.
func postsCollection(name string) map[string]any {
	return map[string]any{
		"name": name, "type": "base",
		"listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": "",
		"fields": []any{
			map[string]any{"name": "title", "type": "text", "required": true, "max": 20},
			map[string]any{"name": "num", "type": "number", "min": 0, "max": 100},
			map[string]any{"name": "flag", "type": "bool"},
			map[string]any{"name": "mail", "type": "email"},
			map[string]any{"name": "site", "type": "url"},
			map[string]any{"name": "body", "type": "editor"},
			map[string]any{"name": "when", "type": "date"},
			map[string]any{"name": "tag", "type": "select", "values": []string{"a", "b", "c"}, "maxSelect": 1},
			map[string]any{"name": "tags", "type": "select", "values": []string{"a", "b", "c"}, "maxSelect": 3},
			map[string]any{"name": "meta", "type": "json"},
			map[string]any{"name": "loc", "type": "geoPoint"},
			map[string]any{"name": "secret", "type": "text", "hidden": true},
			map[string]any{"name": "created", "type": "autodate", "onCreate": true},
			map[string]any{"name": "updated", "type": "autodate", "onCreate": true, "onUpdate": true},
		},
	}
}

func TestHealth(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.call("GET", "/api/health", "", nil).status(200).
			has("message", "API is healthy.").has("code", 200).has("data", map[string]any{})
	})
}

func TestUnknownRoutesAnswer404JSON(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.call("GET", "/api/nope", "", nil).status(404).has("status", 404).has("data", map[string]any{})
		// A known path with a method it does not take is a 404 too, not a 405.
		e.call("PUT", "/api/health", "", nil).status(404)
	})
}

func TestSuperuserAuth(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		r := e.call("POST", "/api/collections/_superusers/auth-with-password", "",
			map[string]any{"identity": suEmail, "password": suPass}).status(200)
		r.has("record.email", suEmail).has("record.collectionName", "_superusers").absent("record.password").absent("record.tokenKey")
		e.call("POST", "/api/collections/_superusers/auth-with-password", "",
			map[string]any{"identity": suEmail, "password": "wrong-password"}).status(400).
			has("message", "Failed to authenticate.").has("data", map[string]any{})
		e.call("POST", "/api/collections/_superusers/auth-with-password", "",
			map[string]any{"identity": "nobody@example.com", "password": suPass}).status(400).
			has("message", "Failed to authenticate.")
		e.call("POST", "/api/collections/_superusers/auth-with-password", "",
			map[string]any{"identity": "", "password": ""}).status(400).
			fieldCode("identity", "validation_required").fieldCode("password", "validation_required")
		// Refresh returns a working token; "Bearer " is accepted too.
		tok := e.call("POST", "/api/collections/_superusers/auth-refresh", "Bearer "+e.token, nil).status(200).str("token")
		e.call("GET", "/api/collections", tok, nil).status(200)
		e.call("POST", "/api/collections/_superusers/auth-refresh", "", nil).status(401)
		// A garbage token is a guest, not an error.
		e.call("GET", "/api/health", "garbage.token.here", nil).status(200)
		e.call("GET", "/api/collections", "garbage.token.here", nil).status(401)
	})
}

func TestCollectionsRequireSuperuser(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.call("GET", "/api/collections", "", nil).status(401).
			has("message", "The request requires valid record authorization token.")
		e.call("POST", "/api/collections", "", postsCollection("x")).status(401)
		// Nothing was created.
		e.su("GET", "/api/collections/x", nil).status(404)
	})
}

func TestCollectionCRUD(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		r := e.su("POST", "/api/collections", postsCollection("posts")).status(200)
		r.has("name", "posts").has("type", "base").has("fields.0.name", "id").has("fields.0.primaryKey", true)
		r.has("fields.1.name", "title").has("fields.1.max", 20).has("fields.1.required", true)
		r.has("fields.2.min", 0).has("fields.2.max", 100)
		id := r.str("id")
		e.su("GET", "/api/collections/"+id, nil).status(200).has("name", "posts")
		e.su("GET", "/api/collections/POSTS", nil).status(200).has("id", id)

		// Duplicate name.
		e.su("POST", "/api/collections", postsCollection("Posts")).status(400).
			has("message", "Failed to create collection.").fieldCode("name", "validation_collection_name_exists")

		// Write a record, then rename a field and add one: the data stays.
		rec := e.su("POST", "/api/collections/posts/records", map[string]any{"title": "keep me", "num": 7}).status(200)
		col := e.su("GET", "/api/collections/posts", nil).status(200)
		fields := col.get("fields").([]any)
		for _, f := range fields {
			if m := f.(map[string]any); m["name"] == "title" {
				m["name"] = "headline"
			}
		}
		fields = append(fields, map[string]any{"name": "extra", "type": "text"})
		e.su("PATCH", "/api/collections/posts", map[string]any{"fields": fields}).status(200)
		e.su("GET", "/api/collections/posts/records/"+rec.str("id"), nil).status(200).
			has("headline", "keep me").has("num", 7).has("extra", "").absent("title")

		// Remove a field by leaving it out.
		kept := []any{}
		for _, f := range fields {
			if f.(map[string]any)["name"] != "extra" {
				kept = append(kept, f)
			}
		}
		e.su("PATCH", "/api/collections/posts", map[string]any{"fields": kept}).status(200)
		e.su("GET", "/api/collections/posts/records/"+rec.str("id"), nil).status(200).absent("extra")

		list := e.su("GET", "/api/collections?filter="+url.QueryEscape("name = 'posts'"), nil).status(200)
		list.has("totalItems", 1).has("items.0.name", "posts")

		e.su("DELETE", "/api/collections/posts/truncate", nil).status(204)
		e.su("GET", "/api/collections/posts/records", nil).status(200).has("totalItems", 0)
		e.su("DELETE", "/api/collections/posts", nil).status(204)
		e.su("GET", "/api/collections/posts", nil).status(404)
		e.su("DELETE", "/api/collections/_superusers", nil).status(400)
	})
}

func TestCollectionBadInput(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		cases := []struct {
			name string
			body any
			code string
			path string
		}{
			{"quote in name", map[string]any{"name": `po"sts`}, "validation_match_invalid", "name"},
			{"empty name", map[string]any{"name": ""}, "validation_required", "name"},
			{"via in name", map[string]any{"name": "a_via_b"}, "", "name"},
			{"reserved field", map[string]any{"name": "c1", "fields": []any{map[string]any{"name": "expand", "type": "text"}}}, "", "fields.1.name"},
			{"bad field name", map[string]any{"name": "c2", "fields": []any{map[string]any{"name": "a b", "type": "text"}}}, "", "fields.1.name"},
			{"bad rule", map[string]any{"name": "c3", "listRule": "nope ="}, "validation_invalid_rule", "listRule"},
			{"unknown rule field", map[string]any{"name": "c4", "listRule": "missing = 1"}, "validation_invalid_rule", "listRule"},
			{"select without values", map[string]any{"name": "c5", "fields": []any{map[string]any{"name": "s", "type": "select"}}}, "", "fields.1.values"},
			{"bad index", map[string]any{"name": "c6", "indexes": []string{"CREATE INDEX x ON c6 (id); DROP TABLE _collections"}}, "", "indexes"},
		}
		for _, tc := range cases {
			r := e.su("POST", "/api/collections", tc.body).status(400)
			if r.get("data."+tc.path) == nil {
				t.Fatalf("%s: no error at data.%s: %s", tc.name, tc.path, r.raw)
			}
			if tc.code != "" {
				r.fieldCode(tc.path, tc.code)
			}
		}
		e.su("POST", "/api/collections", `{"name":`).status(400)
		e.su("POST", "/api/collections", map[string]any{"name": "c7", "fields": []any{map[string]any{"name": "x", "type": "nope"}}}).status(400).
			has("message", "Failed to load the submitted data due to invalid formatting.")
		// Nothing of the above was created.
		list := e.su("GET", "/api/collections?perPage=200", nil).status(200)
		for _, it := range list.get("items").([]any) {
			name := it.(map[string]any)["name"].(string)
			if system, _ := it.(map[string]any)["system"].(bool); !system && name != "users" {
				t.Fatalf("bad input created collection %q", name)
			}
		}
		// SQL keywords are fine as names: identifiers are always quoted.
		e.su("POST", "/api/collections", map[string]any{"name": "select", "listRule": "",
			"fields": []any{map[string]any{"name": "order", "type": "number"}, map[string]any{"name": "from", "type": "text"}}}).status(200)
		e.su("POST", "/api/collections/select/records", map[string]any{"order": 2, "from": "x"}).status(200)
		e.call("GET", "/api/collections/select/records?sort=-order&filter="+url.QueryEscape("order > 1"), "", nil).status(200).has("totalItems", 1)
	})
}

func TestRecordCRUDAndList(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.su("POST", "/api/collections", postsCollection("posts")).status(200)
		r := e.call("POST", "/api/collections/posts/records", "", map[string]any{
			"title": "ok", "num": 5.5, "flag": true, "mail": "x@y.com", "when": "2024-01-02T03:04:05Z",
			"tag": "b", "tags": []string{"a", "b", "a", ""}, "meta": map[string]any{"a": []int{1, 2}},
			"loc": map[string]any{"lon": 23.2, "lat": 42.1}, "secret": "guests cannot set this",
			"created": "1999-01-01 00:00:00.000Z",
		}).status(200)
		id := r.str("id")
		if len(id) != 15 {
			t.Fatalf("id %q is not 15 chars", id)
		}
		r.has("collectionName", "posts").has("title", "ok").has("num", 5.5).has("flag", true).
			has("when", "2024-01-02 03:04:05.000Z").has("tag", "b").has("tags", []string{"a", "b"}).
			has("meta", map[string]any{"a": []int{1, 2}}).has("loc", map[string]any{"lon": 23.2, "lat": 42.1}).
			has("site", "").absent("secret")
		if r.str("created") == "1999-01-01 00:00:00.000Z" || r.str("created") == "" {
			t.Fatalf("autodate must be set by the server, got %q", r.str("created"))
		}
		// The hidden field was dropped for the guest; a superuser sees it empty.
		e.su("GET", "/api/collections/posts/records/"+id, nil).status(200).has("secret", "")

		// Modifiers.
		e.call("PATCH", "/api/collections/posts/records/"+id, "", map[string]any{"num+": 10, "tags+": "c"}).status(200).
			has("num", 15.5).has("tags", []string{"a", "b", "c"})
		e.call("PATCH", "/api/collections/posts/records/"+id, "", map[string]any{"tags-": []string{"a", "b"}, "+tags": []string{"b"}, "num-": 2.5}).status(200).
			has("tags", []string{"b", "c"}).has("num", 13)

		for i := 0; i < 7; i++ {
			e.call("POST", "/api/collections/posts/records", "", map[string]any{"title": fmt.Sprintf("t%d", i), "num": i}).status(200)
		}
		l := e.call("GET", "/api/collections/posts/records?page=2&perPage=3&sort=num", "", nil).status(200)
		l.has("page", 2).has("perPage", 3).has("totalItems", 8).has("totalPages", 3).has("items.0.num", 3)
		e.call("GET", "/api/collections/posts/records?page=9&perPage=3", "", nil).status(200).has("items", []any{}).has("totalItems", 8)
		e.call("GET", "/api/collections/posts/records?skipTotal=1&perPage=2", "", nil).status(200).
			has("totalItems", -1).has("totalPages", -1)
		e.call("GET", "/api/collections/posts/records?filter="+url.QueryEscape("num >= 5 && title ~ 't'")+"&sort=-num", "", nil).status(200).
			has("totalItems", 2).has("items.0.title", "t6").has("items.1.title", "t5")
		e.call("GET", "/api/collections/posts/records?fields=id,title&perPage=1&sort=-title", "", nil).status(200).
			has("items.0.title", "t6").absent("items.0.num").has("totalItems", 8)
		e.call("GET", "/api/collections/posts/records?perPage=5000", "", nil).status(200).has("perPage", 1000)
		e.call("GET", "/api/collections/posts/records?expand=nothing&perPage=1", "", nil).status(200).has("items.0.expand", map[string]any{})

		e.call("DELETE", "/api/collections/posts/records/"+id, "", nil).status(204)
		e.call("GET", "/api/collections/posts/records/"+id, "", nil).status(404)
		e.call("DELETE", "/api/collections/posts/records/"+id, "", nil).status(404)
	})
}

func TestRecordValidation(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.su("POST", "/api/collections", postsCollection("posts")).status(200)
		r := e.call("POST", "/api/collections/posts/records", "", map[string]any{
			"title": "this title is far too long", "num": 101, "mail": "nope", "site": "not a url", "tag": "z",
			"loc": map[string]any{"lon": 0, "lat": 91},
		}).status(400)
		r.has("message", "Failed to create record.").
			fieldCode("title", "validation_max_text_constraint").has("data.title.params.max", 20).
			fieldCode("num", "validation_max_number_constraint").
			fieldCode("mail", "validation_is_email").fieldCode("site", "validation_invalid_url").
			fieldCode("tag", "validation_invalid_value").fieldCode("loc", "validation_invalid_latitude")
		e.call("POST", "/api/collections/posts/records", "", map[string]any{"num": 1}).status(400).fieldCode("title", "validation_required")
		e.call("POST", "/api/collections/posts/records", "", `{"title":`).status(400)
		e.call("POST", "/api/collections/posts/records", "", `["title"]`).status(400)
		e.call("POST", "/api/collections/nope/records", "", map[string]any{"title": "x"}).status(404)
		e.call("GET", "/api/collections/posts/records?filter="+url.QueryEscape("title = "), "", nil).status(400)
		e.call("GET", "/api/collections/posts/records?filter="+url.QueryEscape("nope = 1"), "", nil).status(400)
		e.call("GET", "/api/collections/posts/records?filter="+url.QueryEscape("secret = ''"), "", nil).status(400)
		e.call("GET", "/api/collections/posts/records?sort=nope", "", nil).status(400)
		e.call("GET", "/api/collections/posts/records?page=x", "", nil).status(400)
		e.call("GET", "/api/collections/posts/records?skipTotal=maybe", "", nil).status(400)
		e.call("GET", "/api/collections/posts/records?filter="+url.QueryEscape("@collection.posts.title = 'x'"), "", nil).status(403)
		// The superuser may filter on hidden fields and @collection.
		e.su("GET", "/api/collections/posts/records?filter="+url.QueryEscape("secret = ''"), nil).status(200)
		// Duplicate id.
		e.call("POST", "/api/collections/posts/records", "", map[string]any{"id": "abcdefghijklmno", "title": "a"}).status(200)
		e.call("POST", "/api/collections/posts/records", "", map[string]any{"id": "abcdefghijklmno", "title": "b"}).status(400).
			fieldCode("id", "validation_not_unique")
		// Nothing from the failed writes landed.
		e.call("GET", "/api/collections/posts/records", "", nil).status(200).has("totalItems", 1)
		// Urlencoded bodies infer numbers and bools.
		e.call("POST", "/api/collections/posts/records", "", url.Values{"title": {"form"}, "num": {"12"}, "flag": {"true"}}).status(200).
			has("num", 12).has("flag", true)
		e.call("POST", "/api/collections/posts/records", "", "title=x").status(400) // JSON content type, not JSON
	})
}

func TestRules(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.su("POST", "/api/collections", map[string]any{
			"name": "notes", "listRule": "public = true", "viewRule": "public = true",
			"createRule": "title != 'forbidden'", "updateRule": nil, "deleteRule": "public = true",
			"fields": []any{map[string]any{"name": "title", "type": "text"}, map[string]any{"name": "public", "type": "bool"}},
		}).status(200)
		pub := e.call("POST", "/api/collections/notes/records", "", map[string]any{"title": "a", "public": true}).status(200).str("id")
		priv := e.call("POST", "/api/collections/notes/records", "", map[string]any{"title": "b"}).status(200).str("id")
		e.call("POST", "/api/collections/notes/records", "", map[string]any{"title": "forbidden"}).status(400).
			has("message", "Failed to create record.").has("data", map[string]any{})
		e.call("GET", "/api/collections/notes/records", "", nil).status(200).has("totalItems", 1).has("items.0.id", pub)
		e.call("GET", "/api/collections/notes/records/"+priv, "", nil).status(404)
		e.call("GET", "/api/collections/notes/records/"+pub, "", nil).status(200)
		e.call("PATCH", "/api/collections/notes/records/"+pub, "", map[string]any{"title": "z"}).status(403).
			has("message", "Only superusers can perform this action.")
		e.call("PATCH", "/api/collections/notes/records/missing", "", map[string]any{"title": "z"}).status(403)
		e.call("DELETE", "/api/collections/notes/records/"+priv, "", nil).status(404)
		e.su("GET", "/api/collections/notes/records", nil).status(200).has("totalItems", 2)
		e.su("PATCH", "/api/collections/notes/records/"+priv, map[string]any{"title": "su"}).status(200).has("title", "su")
		// The forbidden create left nothing behind.
		e.su("GET", "/api/collections/notes/records?filter="+url.QueryEscape("title='forbidden'"), nil).has("totalItems", 0)
		// A null list rule is superuser-only.
		e.su("PATCH", "/api/collections/notes", map[string]any{"listRule": nil}).status(200)
		e.call("GET", "/api/collections/notes/records", "", nil).status(403)
	})
}

func TestRelationsIntegrity(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		authors := e.su("POST", "/api/collections", map[string]any{"name": "authors", "fields": []any{map[string]any{"name": "name", "type": "text"}}}).status(200).str("id")
		e.su("POST", "/api/collections", map[string]any{"name": "books", "fields": []any{
			map[string]any{"name": "title", "type": "text"},
			map[string]any{"name": "author", "type": "relation", "collectionId": authors, "maxSelect": 1, "cascadeDelete": true},
			map[string]any{"name": "fans", "type": "relation", "collectionId": authors, "maxSelect": 5},
		}}).status(200)
		a1 := e.su("POST", "/api/collections/authors/records", map[string]any{"name": "A1"}).status(200).str("id")
		a2 := e.su("POST", "/api/collections/authors/records", map[string]any{"name": "A2"}).status(200).str("id")
		e.su("POST", "/api/collections/books/records", map[string]any{"title": "x", "author": "missingmissing1"}).status(400).
			fieldCode("author", "validation_missing_rel_records")
		b1 := e.su("POST", "/api/collections/books/records", map[string]any{"title": "b1", "author": a1, "fans": []string{a1, a2}}).status(200).str("id")
		b2 := e.su("POST", "/api/collections/books/records", map[string]any{"title": "b2", "author": a2, "fans": []string{a1}}).status(200).str("id")
		e.su("GET", "/api/collections/books/records?filter="+url.QueryEscape("author.name = 'A2'"), nil).status(200).
			has("totalItems", 1).has("items.0.id", b2)
		// Deleting A1 cascades to b1 and removes A1 from b2's fans.
		e.su("DELETE", "/api/collections/authors/records/"+a1, nil).status(204)
		e.su("GET", "/api/collections/books/records/"+b1, nil).status(404)
		e.su("GET", "/api/collections/books/records/"+b2, nil).status(200).has("fans", []string{})
		// A referenced collection cannot be deleted.
		e.su("DELETE", "/api/collections/authors", nil).status(400)
	})
}
