package api_test

import (
	"net/url"
	"strings"
	"testing"
)

// viewFixture: authors, posts (with a relation to authors) and comments
// (with a relation to posts), with a few records.
type viewFixture struct {
	e              *env
	ann, bob       string // authors
	p1, p2, p3     string // posts
	authorsID      string
	postsID        string
	commentsBodyID string
}

func newViewFixture(e *env) *viewFixture {
	e.t.Helper()
	f := &viewFixture{e: e}
	f.authorsID = e.su("POST", "/api/collections", map[string]any{"name": "authors", "listRule": "", "viewRule": "",
		"fields": []any{map[string]any{"name": "name", "type": "text"}}}).status(200).str("id")
	f.postsID = e.su("POST", "/api/collections", map[string]any{"name": "posts", "listRule": "", "viewRule": "",
		"fields": []any{
			map[string]any{"name": "title", "type": "text", "max": 40},
			map[string]any{"name": "num", "type": "number", "onlyInt": true},
			map[string]any{"name": "flag", "type": "bool"},
			map[string]any{"name": "meta", "type": "json"},
			map[string]any{"name": "tags", "type": "select", "values": []string{"a", "b", "c"}, "maxSelect": 3},
			map[string]any{"name": "author", "type": "relation", "collectionId": f.authorsID, "maxSelect": 1},
			map[string]any{"name": "secret", "type": "text", "hidden": true},
		}}).status(200).str("id")
	res := e.su("POST", "/api/collections", map[string]any{"name": "comments", "listRule": "", "viewRule": "",
		"fields": []any{
			map[string]any{"name": "post", "type": "relation", "collectionId": f.postsID, "maxSelect": 1},
			map[string]any{"name": "body", "type": "text", "max": 99},
		}}).status(200)
	f.commentsBodyID = res.str("fields.2.id")
	rec := func(collection string, body map[string]any) string {
		return e.su("POST", "/api/collections/"+collection+"/records", body).status(200).str("id")
	}
	f.ann = rec("authors", map[string]any{"name": "Ann"})
	f.bob = rec("authors", map[string]any{"name": "Bob"})
	f.p1 = rec("posts", map[string]any{"title": "one", "num": 1, "flag": true, "meta": map[string]any{"k": 1}, "tags": []string{"a"}, "author": f.ann, "secret": "s1"})
	f.p2 = rec("posts", map[string]any{"title": "two", "num": 2, "author": f.bob})
	f.p3 = rec("posts", map[string]any{"title": "three", "num": 3, "author": f.ann})
	rec("comments", map[string]any{"post": f.p1, "body": "first!"})
	rec("comments", map[string]any{"post": f.p1, "body": "second"})
	rec("comments", map[string]any{"post": f.p3, "body": "meh"})
	return f
}

// statsQuery joins and aggregates: one row per post with its comment count.
const statsQuery = `SELECT p.id, p.title, p.num AS score, p.author, p.meta, p.tags, p.secret,
	COUNT(c.id) AS comments, MAX(c.body) AS "lastBody", p.id AS post, 'x' || p.title AS label
FROM posts p LEFT JOIN comments c ON c.post = p.id
GROUP BY p.id
ORDER BY p.title;`

// fieldsOf maps a collection response's field names to their field objects.
func fieldsOf(r *response) map[string]map[string]any {
	out := map[string]map[string]any{}
	list, _ := r.get("fields").([]any)
	for _, x := range list {
		f := x.(map[string]any)
		out[f["name"].(string)] = f
	}
	return out
}

func fieldNames(r *response) string {
	var names []string
	list, _ := r.get("fields").([]any)
	for _, x := range list {
		names = append(names, x.(map[string]any)["name"].(string))
	}
	return strings.Join(names, ",")
}

func TestViewFieldInference(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newViewFixture(e)
		res := e.su("POST", "/api/collections", map[string]any{
			"name": "post_stats", "type": "view", "viewQuery": statsQuery, "listRule": "", "viewRule": "",
			// Client-sent fields are ignored for views.
			"fields": []any{map[string]any{"name": "bogus", "type": "text"}},
		}).status(200)
		if got := fieldNames(res); got != "id,title,score,author,meta,tags,secret,comments,lastBody,post,label" {
			t.Fatalf("fields %s", got)
		}
		fs := fieldsOf(res)
		check := func(name, key string, want any) {
			t.Helper()
			if got := fs[name][key]; got != want {
				t.Errorf("field %s: %s = %v, want %v", name, key, got, want)
			}
		}
		check("id", "type", "text")
		check("id", "primaryKey", true)
		check("id", "id", "text3208210256")
		check("title", "type", "text")
		check("title", "max", float64(40)) // options of the source field
		check("score", "type", "number")
		check("score", "onlyInt", true)
		check("author", "type", "relation")
		check("author", "collectionId", f.authorsID)
		check("meta", "type", "json")
		check("tags", "type", "select")
		check("tags", "maxSelect", float64(3))
		check("secret", "hidden", true)
		check("comments", "type", "number")
		check("lastBody", "type", "text")
		check("lastBody", "max", float64(99))
		check("post", "type", "relation") // a reference to an id
		check("post", "collectionId", f.postsID)
		check("label", "type", "text")
		for _, name := range []string{"title", "score", "author", "tags", "lastBody"} {
			if id, _ := fs[name]["id"].(string); !strings.HasPrefix(id, "_clone_") || len(id) != len("_clone_")+4 {
				t.Errorf("field %s: id %q, want _clone_XXXX", name, id)
			}
		}
		res.has("indexes", []any{}).has("createRule", nil)

		// Rows: the view's values are typed like the table's.
		list := e.call("GET", "/api/collections/post_stats/records?sort=title", "", nil).status(200)
		list.has("totalItems", 3)
		list.has("items.0.id", f.p1).has("items.0.title", "one").has("items.0.score", 1).has("items.0.comments", 2).
			has("items.0.lastBody", "second").has("items.0.meta", map[string]any{"k": 1}).has("items.0.tags", []string{"a"}).
			has("items.0.author", f.ann).has("items.0.post", f.p1).has("items.0.label", "xone").
			has("items.0.collectionName", "post_stats").absent("items.0.secret")
		list.has("items.2.id", f.p2).has("items.2.comments", 0).has("items.2.lastBody", "").has("items.2.meta", nil).has("items.2.tags", []string{})
		e.su("GET", "/api/collections/post_stats/records/"+f.p1, nil).status(200).has("secret", "s1")

		// Literals, casts and expressions.
		res = e.su("POST", "/api/collections", map[string]any{"name": "exprs", "type": "view", "viewQuery": `SELECT id,
			1 AS n, 'txt' AS s, TRUE AS b, NULL AS z, CAST(num AS TEXT) AS ct, CAST(num AS INTEGER) AS ci,
			LOWER(title) AS low, SUM(num) AS total, num * 2 AS twice
			FROM posts GROUP BY id`}).status(200)
		fs = fieldsOf(res)
		for name, want := range map[string]string{"n": "number", "s": "text", "b": "bool", "z": "json", "ct": "text",
			"ci": "number", "low": "text", "total": "number"} {
			check(name, "type", want)
		}
		if typ := fs["twice"]["type"]; typ != "json" && typ != "number" {
			t.Errorf("twice: type %v", typ)
		}
		one := e.su("GET", "/api/collections/exprs/records/"+f.p1, nil).status(200)
		one.has("n", 1).has("s", "txt").has("b", true).has("z", nil).has("low", "one").has("total", 1)
	})
}

func TestViewRulesFiltersAndExpand(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newViewFixture(e)
		e.su("POST", "/api/collections", map[string]any{
			"name": "post_stats", "type": "view", "viewQuery": statsQuery,
			"listRule": "comments > 0", "viewRule": `author.name = "Ann"`,
		}).status(200)

		// The list rule works on an inferred (aggregate) field.
		sameIDs(t, "list rule", e.relList("post_stats", "", "sort=-score"), f.p3, f.p1)
		sameIDs(t, "filter", e.relList("post_stats", "", filterQ(`title ~ "on"`)), f.p1)
		sameIDs(t, "filter number", e.relList("post_stats", "", filterQ(`score >= 2`)+"&sort=score"), f.p3)
		sameIDs(t, "filter relation path", e.relList("post_stats", "", filterQ(`author.name = "Ann"`)+"&sort=-comments"), f.p1, f.p3)
		sameIDs(t, "superuser", e.call("GET", "/api/collections/post_stats/records?sort=score", e.token, nil).status(200).ids("items"), f.p1, f.p2, f.p3)
		e.call("GET", "/api/collections/post_stats/records?"+filterQ(`nope = 1`), "", nil).status(400)
		e.call("GET", "/api/collections/post_stats/records?sort=@rowid", "", nil).status(400)
		e.call("GET", "/api/collections/post_stats/records?sort=-@rowid", e.token, nil).status(400)
		e.call("GET", "/api/collections/post_stats/records?sort=@random", "", nil).status(200)

		// The view rule: Ann's posts only.
		e.call("GET", "/api/collections/post_stats/records/"+f.p1, "", nil).status(200).has("comments", 2)
		e.call("GET", "/api/collections/post_stats/records/"+f.p2, "", nil).status(404)
		e.call("GET", "/api/collections/post_stats/records/nope", "", nil).status(404)

		// Expand from the view's relation fields, and back to the view.
		one := e.call("GET", "/api/collections/post_stats/records/"+f.p1+"?expand="+url.QueryEscape("author,post"), "", nil).status(200)
		one.has("expand.author.name", "Ann").has("expand.post.title", "one")

		// A null list rule: superusers only.
		e.su("PATCH", "/api/collections/post_stats", map[string]any{"listRule": nil}).status(200)
		e.call("GET", "/api/collections/post_stats/records", "", nil).status(403)
	})
}

func TestViewIsReadOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newViewFixture(e)
		e.su("POST", "/api/collections", map[string]any{"name": "post_stats", "type": "view", "viewQuery": statsQuery,
			"listRule": "", "viewRule": ""}).status(200)
		unsupported := "Unsupported collection type."
		e.su("POST", "/api/collections/post_stats/records", map[string]any{"title": "x"}).status(400).has("message", unsupported)
		e.su("PATCH", "/api/collections/post_stats/records/"+f.p1, map[string]any{"title": "x"}).status(400).has("message", unsupported)
		e.su("DELETE", "/api/collections/post_stats/records/"+f.p1, nil).status(400).has("message", unsupported)
		e.su("DELETE", "/api/collections/post_stats/truncate", nil).status(400).
			has("message", "View collections cannot be truncated since they don't store their own records.")
		e.su("GET", "/api/collections/posts/records/"+f.p1, nil).status(200).has("title", "one")

		// Write rules and indexes are refused for views.
		e.su("PATCH", "/api/collections/post_stats", map[string]any{"createRule": ""}).status(400).fieldCode("createRule", "validation_nil")
		e.su("PATCH", "/api/collections/post_stats", map[string]any{"indexes": []string{"CREATE INDEX idx_x ON post_stats (title)"}}).
			status(400).fieldCode("indexes", "validation_indexes_not_supported")
	})
}

func TestViewInvalidQueries(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newViewFixture(e)
		for _, tc := range []struct{ name, query string }{
			{"not a select", "SELEC id FROM posts"},
			{"syntax error", "SELECT id FROM posts WHERE"},
			{"unknown table", "SELECT id FROM nowhere"},
			{"unknown column", "SELECT id, nope FROM posts"},
			{"write statement", "DELETE FROM posts"},
			{"two statements", "SELECT id FROM posts; DELETE FROM posts"},
			{"two selects", "SELECT id FROM posts; SELECT id FROM authors"},
			{"missing id", "SELECT title FROM posts"},
			{"duplicate column", "SELECT id, title, num AS title FROM posts"},
			{"invalid field name", "SELECT id, title || 'x' FROM posts"},
			{"reserved field name", "SELECT id, title AS expand FROM posts"},
			{"pragma", "PRAGMA table_info(posts)"},
			{"attach", "ATTACH DATABASE 'x.db' AS x"},
			{"unterminated", "SELECT id, 'x FROM posts"},
			{"parameter", "SELECT id FROM posts WHERE title = ?"},
			{"writable cte", "WITH d AS (DELETE FROM posts RETURNING id) SELECT id FROM d"},
			{"too long", "SELECT id FROM posts WHERE title != '" + strings.Repeat("x", 5000) + "'"},
		} {
			res := e.su("POST", "/api/collections", map[string]any{"name": "bad_view", "type": "view", "viewQuery": tc.query})
			res.status(400).fieldCode("viewQuery", "validation_invalid_view_query").has("message", "Failed to create collection.")
			if msg := res.str("data.viewQuery.message"); !strings.HasPrefix(msg, "Invalid query - ") {
				t.Errorf("%s: message %q", tc.name, msg)
			}
			e.su("GET", "/api/collections/bad_view", nil).status(404)
			e.su("POST", "/api/collections/meta/dry-run-view", map[string]any{"query": tc.query}).status(400)
		}
		// Nothing was written by any of them.
		e.su("GET", "/api/collections/posts/records", nil).status(200).has("totalItems", 3)
		e.su("GET", "/api/collections/posts/records/"+f.p1, nil).status(200)
		// An empty query is a plain required error.
		e.su("POST", "/api/collections", map[string]any{"name": "bad_view", "type": "view"}).status(400).fieldCode("viewQuery", "validation_required")
		// Other errors are reported along with the query's.
		e.su("POST", "/api/collections", map[string]any{"name": "bad view", "type": "view", "viewQuery": "SELECT 1"}).status(400).
			fieldCode("viewQuery", "validation_invalid_view_query").fieldCode("name", "validation_match_invalid")
	})
}

func TestViewDryRun(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newViewFixture(e)
		res := e.su("POST", "/api/collections/meta/dry-run-view", map[string]any{"query": statsQuery}).status(200)
		if got := fieldNames(res); got != "id,title,score,author,meta,tags,secret,comments,lastBody,post,label" {
			t.Fatalf("fields %s", got)
		}
		res.has("sample.0.id", f.p1).has("sample.0.comments", 2).has("sample.0.secret", "s1").has("sample.2.title", "two")
		if n := len(res.get("sample").([]any)); n != 3 {
			t.Errorf("sample of %d rows", n)
		}
		// At most 10 rows.
		res = e.su("POST", "/api/collections/meta/dry-run-view", map[string]any{"query": `SELECT p.id || a.id || c.id AS id FROM posts p, authors a, comments c`}).status(200)
		if n := len(res.get("sample").([]any)); n != 10 {
			t.Errorf("sample of %d rows, want 10", n)
		}
		bad := e.su("POST", "/api/collections/meta/dry-run-view", map[string]any{"query": "SELECT id, nope FROM posts"}).status(400)
		if !strings.HasPrefix(bad.str("message"), "Invalid view query. Raw error: \n") {
			t.Errorf("message %q", bad.str("message"))
		}
		e.su("POST", "/api/collections/meta/dry-run-view", map[string]any{}).status(400).fieldCode("query", "validation_required")
		e.su("POST", "/api/collections/meta/dry-run-view", map[string]any{"query": strings.Repeat(" ", 5001) + "SELECT 1 AS id"}).
			status(400).fieldCode("query", "validation_length_too_long")
		e.call("POST", "/api/collections/meta/dry-run-view", "", map[string]any{"query": statsQuery}).status(401)
		// Nothing was created.
		e.su("GET", "/api/collections?filter="+url.QueryEscape(`type = "view"`), nil).status(200).has("totalItems", 0)
	})
}

func TestViewUpdateQuery(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newViewFixture(e)
		res := e.su("POST", "/api/collections", map[string]any{"name": "v", "type": "view", "listRule": "",
			"viewQuery": "SELECT id, title, num FROM posts"}).status(200)
		titleID := fieldsOf(res)["title"]["id"]
		res = e.su("PATCH", "/api/collections/v", map[string]any{"viewQuery": "SELECT id, title, flag FROM posts WHERE num > 1;"}).status(200)
		if got := fieldNames(res); got != "id,title,flag" {
			t.Fatalf("fields after update %s", got)
		}
		if fieldsOf(res)["title"]["id"] != titleID {
			t.Errorf("title field id changed: %v → %v", titleID, fieldsOf(res)["title"]["id"])
		}
		res.has("viewQuery", "SELECT id, title, flag FROM posts WHERE num > 1;")
		sameIDs(t, "updated view", e.relList("v", "", "sort=title"), f.p3, f.p2)
		e.call("GET", "/api/collections/v/records?"+filterQ("num = 1"), "", nil).status(400)

		// A bad query leaves the view as it was.
		e.su("PATCH", "/api/collections/v", map[string]any{"viewQuery": "SELECT title FROM posts"}).status(400).
			fieldCode("viewQuery", "validation_invalid_view_query")
		e.su("GET", "/api/collections/v", nil).status(200).has("viewQuery", "SELECT id, title, flag FROM posts WHERE num > 1;")
		sameIDs(t, "view kept", e.relList("v", "", "sort=title"), f.p3, f.p2)

		// Rename the view; a rule over its fields.
		e.su("PATCH", "/api/collections/v", map[string]any{"name": "v2", "listRule": "flag = false"}).status(200)
		sameIDs(t, "renamed", e.relList("v2", "", "sort=title"), f.p3, f.p2)
		e.su("GET", "/api/collections/v", nil).status(404)
	})
}

func TestViewDependencies(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newViewFixture(e)
		e.su("POST", "/api/collections", map[string]any{"name": "post_stats", "type": "view", "viewQuery": statsQuery, "listRule": ""}).status(200)
		// A view on the view.
		e.su("POST", "/api/collections", map[string]any{"name": "busy", "type": "view", "listRule": "",
			"viewQuery": "SELECT id, comments, author FROM post_stats WHERE comments > 1"}).status(200)
		sameIDs(t, "view on view", e.relList("busy", "", ""), f.p1)

		// Deleting a collection a view reads is refused, on both engines.
		del := e.su("DELETE", "/api/collections/comments", nil).status(400)
		if !strings.Contains(del.str("message"), `"post_stats"`) {
			t.Errorf("delete message %q", del.str("message"))
		}
		e.su("DELETE", "/api/collections/post_stats", nil).status(400)
		e.su("GET", "/api/collections/comments/records", nil).status(200).has("totalItems", 3)
		sameIDs(t, "views intact", e.relList("busy", "", ""), f.p1)

		// Renaming a field or a collection a view reads is refused too.
		posts := e.su("GET", "/api/collections/posts", nil).status(200)
		fields := posts.get("fields").([]any)
		renamed := make([]any, len(fields))
		for i, x := range fields {
			m := map[string]any{}
			for k, v := range x.(map[string]any) {
				m[k] = v
			}
			if m["name"] == "title" {
				m["name"] = "headline"
			}
			renamed[i] = m
		}
		e.su("PATCH", "/api/collections/posts", map[string]any{"fields": renamed}).status(400)
		e.su("PATCH", "/api/collections/posts", map[string]any{"name": "articles"}).status(400)
		e.su("GET", "/api/collections/posts", nil).status(200).has("fields.1.name", "title")

		// Changes the views do not notice go through; fields the views
		// clone follow their source.
		for i, x := range fields {
			m := x.(map[string]any)
			if m["name"] == "tags" {
				m["values"] = []string{"a", "b", "c", "d"}
			}
			fields[i] = m
		}
		fields = append(fields, map[string]any{"name": "extra", "type": "text"})
		e.su("PATCH", "/api/collections/posts", map[string]any{"fields": fields}).status(200)
		stats := e.su("GET", "/api/collections/post_stats", nil).status(200)
		if vals, _ := fieldsOf(stats)["tags"]["values"].([]any); len(vals) != 4 {
			t.Errorf("view tags values not refreshed: %v", fieldsOf(stats)["tags"])
		}
		e.su("PATCH", "/api/collections/authors", map[string]any{"listRule": `name != ""`}).status(200)
		sameIDs(t, "views still work", e.relList("busy", "", ""), f.p1)

		// Once the dependents are gone, the delete goes through.
		e.su("DELETE", "/api/collections/busy", nil).status(204)
		e.su("DELETE", "/api/collections/post_stats", nil).status(204)
		e.su("DELETE", "/api/collections/comments", nil).status(204)
	})
}

// TestViewFiles: a view row's files are served from the record the view
// row comes from (§7.1), whatever the view names the field and whatever
// id the row has.
func TestViewFiles(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.collectionID(docsCollection("dl"))
		text := []byte("hello from the source record\n")
		r := e.form("POST", "/api/collections/dl/records", "", field("title", "t1"), file("doc", "notes.txt", text),
			file("docs", "a.txt", []byte("a")), file("docs", "b.txt", []byte("b"))).status(200)
		id, doc, docs := r.str("id"), r.str("doc"), strs(r.get("docs"))
		res := e.su("POST", "/api/collections", map[string]any{"name": "dl_view", "type": "view", "listRule": "", "viewRule": "",
			"viewQuery": "SELECT id, doc AS attachment, docs FROM dl"}).status(200)
		fs := fieldsOf(res)
		if fs["attachment"]["type"] != "file" || fs["docs"]["maxSelect"] != float64(3) {
			t.Fatalf("file fields %v %v", fs["attachment"], fs["docs"])
		}
		e.call("GET", "/api/collections/dl_view/records/"+id, "", nil).status(200).has("attachment", doc).has("docs", docs)
		e.get("/api/files/dl_view/" + id + "/" + doc).status(200).bodyIs(text)
		e.get("/api/files/dl_view/" + id + "/" + docs[1]).status(200).bodyIs([]byte("b"))
		e.get("/api/files/dl_view/" + id + "/nope.txt").status(404)

		// A view whose ids are not the source's.
		e.su("POST", "/api/collections", map[string]any{"name": "dl_view2", "type": "view", "listRule": "", "viewRule": "",
			"viewQuery": "SELECT 'row_' || id AS id, doc FROM dl"}).status(200)
		e.get("/api/files/dl_view2/row_" + id + "/" + doc).status(200).bodyIs(text)
	})
}

// TestViewEngineQueries: the examples of docs/views.md, in each engine's
// own SQL.
func TestViewEngineQueries(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newViewFixture(e)
		e.su("PATCH", "/api/collections/posts/records/"+f.p3, map[string]any{"tags": []string{"b", "a"}, "meta": map[string]any{"lang": "en"}}).status(200)
		queries := map[string][2]string{
			"sqlite": {
				`SELECT p.id, p.title, p.author, COUNT(c.id) AS comments, group_concat(c.body, ' / ') AS excerpt,
					json_extract(p.meta, '$.lang') AS lang
				FROM posts p LEFT JOIN comments c ON c.post = p.id GROUP BY p.id`,
				`SELECT p.author AS id, json_group_array(DISTINCT t.value) AS tags
				FROM posts p, json_each(p.tags) t WHERE p.author != '' GROUP BY p.author`,
			},
			"postgres": {
				`SELECT p.id, p.title, p.author, COUNT(c.id) AS comments, string_agg(c.body, ' / ') AS excerpt,
					p.meta ->> 'lang' AS lang
				FROM posts p LEFT JOIN comments c ON c.post = p.id GROUP BY p.id`,
				`SELECT p.author AS id, jsonb_agg(DISTINCT t.value) AS tags
				FROM posts p, jsonb_array_elements_text(p.tags) AS t(value) WHERE p.author != '' GROUP BY p.author`,
			},
		}[string(e.app.Store().Dialect())]
		res := e.su("POST", "/api/collections", map[string]any{"name": "v1", "type": "view", "listRule": "", "viewRule": "", "viewQuery": queries[0]}).status(200)
		fs := fieldsOf(res)
		if fs["comments"]["type"] != "number" || fs["excerpt"]["type"] != "text" || fs["author"]["type"] != "relation" {
			t.Errorf("fields %v", fs)
		}
		e.call("GET", "/api/collections/v1/records/"+f.p3, "", nil).status(200).has("comments", 1).has("excerpt", "meh").has("lang", "en")
		sameIDs(t, "filter", e.relList("v1", "", filterQ(`comments = 2 && author.name = "Ann"`)), f.p1)

		e.su("POST", "/api/collections", map[string]any{"name": "v2", "type": "view", "listRule": "", "viewRule": "", "viewQuery": queries[1]}).status(200)
		ann := e.call("GET", "/api/collections/v2/records/"+f.ann, "", nil).status(200)
		if tags, _ := ann.get("tags").([]any); len(tags) != 2 {
			t.Errorf("tags %v", ann.get("tags"))
		}
	})
}

// TestViewImport: an import that changes a table and the view reading it
// together goes through even if the old view would not survive the table
// change; an import that leaves a view broken fails as a whole.
func TestViewImport(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newViewFixture(e)
		view := e.su("POST", "/api/collections", map[string]any{"name": "titles", "type": "view", "listRule": "",
			"viewQuery": "SELECT id, title FROM posts"}).status(200)
		created := view.str("created")
		posts := e.su("GET", "/api/collections/posts", nil).status(200)
		fields := posts.get("fields").([]any)
		for _, x := range fields {
			if m := x.(map[string]any); m["name"] == "title" {
				m["name"] = "headline"
			}
		}
		broken := map[string]any{"collections": []any{map[string]any{"id": f.postsID, "name": "posts", "fields": fields}}}
		bad := e.su("PUT", "/api/collections/import", broken).status(400).fieldCode("collections", "validation_collections_import_failure")
		if msg := bad.str("data.collections.message"); !strings.Contains(msg, `"titles"`) {
			t.Errorf("import failure %q", msg)
		}
		e.su("GET", "/api/collections/posts", nil).status(200).has("fields.1.name", "title")

		both := map[string]any{"collections": []any{
			map[string]any{"id": f.postsID, "name": "posts", "fields": fields},
			map[string]any{"id": view.str("id"), "name": "titles", "type": "view", "viewQuery": "SELECT id, headline FROM posts"},
		}}
		e.su("PUT", "/api/collections/import", both).status(204)
		res := e.su("GET", "/api/collections/titles", nil).status(200).has("created", created)
		if got := fieldNames(res); got != "id,headline" {
			t.Errorf("view fields %s", got)
		}
		e.su("GET", "/api/collections/titles/records/"+f.p1, nil).status(200).has("headline", "one")

		// deleteMissing drops the view along with the tables.
		users := e.su("GET", "/api/collections/users", nil).status(200)
		e.su("PUT", "/api/collections/import", map[string]any{"deleteMissing": true,
			"collections": []any{map[string]any{"id": users.str("id"), "name": "users"}}}).status(204)
		e.su("GET", "/api/collections/titles", nil).status(404)
		e.su("GET", "/api/collections/posts", nil).status(404)
	})
}
