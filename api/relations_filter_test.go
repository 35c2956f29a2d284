package api_test

import (
	"net/url"
	"strings"
	"testing"
)

// list returns the ids of a list request's items, in order.
func (e *env) relList(collection, token, query string) []string {
	e.t.Helper()
	return e.call("GET", "/api/collections/"+collection+"/records?"+query, token, nil).status(200).ids("items")
}

func filterQ(expr string) string { return "filter=" + url.QueryEscape(expr) }

func sameIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

// TestRelationFilters: filters through relation paths and back-relations
// apply the list rule of every collection they enter (client filters
// only), and sorts follow relation paths.
func TestRelationFilters(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newExpandFixture(e)
		p3 := e.relRec("posts", map[string]any{"title": "third", "author": f.a2, "readers": []string{f.a2}})

		sameIDs(t, "author.name", e.relList("posts", "", filterQ(`author.name = "Bob"`)), p3)
		sameIDs(t, "nested", e.relList("posts", "", filterQ(`author.org.name = "Acme"`)), f.p1)
		sameIDs(t, "multi any", e.relList("posts", "", filterQ(`readers.name ?= "Cid"`)), f.p1)
		sameIDs(t, "multi all", e.relList("posts", "", filterQ(`readers.name != "Cid"`)), f.p2, p3)
		sameIDs(t, "length", e.relList("posts", "", filterQ(`readers:length = 3`)), f.p1)
		sameIDs(t, "id shortcut", e.relList("posts", "", filterQ(`author.id = "`+f.a1+`"`)), f.p1)
		sameIDs(t, "back", e.relList("authors", "", filterQ(`posts_via_author.title ?= "third"`)), f.a2)
		sameIDs(t, "back multi", e.relList("authors", "", filterQ(`posts_via_readers.title ?= "first"`)), f.a1, f.a2, f.a3)
		sameIDs(t, "back unique", e.relList("authors", "", filterQ(`profiles_via_author.bio = "ann's"`)), f.a1)
		sameIDs(t, "back nested", e.relList("orgs", "", filterQ(`authors_via_org.posts_via_author.title ?= "first"`)), f.org1)

		// The joined collection's list rule limits what a client filter sees.
		e.su("PATCH", "/api/collections/authors", map[string]any{"listRule": `name != "Bob"`}).status(200)
		sameIDs(t, "rule hides Bob", e.relList("posts", "", filterQ(`author.name = "Bob"`)))
		sameIDs(t, "superuser sees Bob", e.call("GET", "/api/collections/posts/records?"+filterQ(`author.name = "Bob"`), e.token, nil).status(200).ids("items"), p3)
		sameIDs(t, "others still visible", e.relList("posts", "", filterQ(`author.name = "Ann"`)), f.p1)
		e.su("PATCH", "/api/collections/posts", map[string]any{"listRule": `title != "third"`}).status(200)
		sameIDs(t, "back rule", e.relList("authors", "", filterQ(`posts_via_author.title ?= "third"`)))
		// The collection's own rule may go through relations freely.
		e.su("PATCH", "/api/collections/posts", map[string]any{"listRule": `author.name = "Bob" || author = ""`}).status(200)
		sameIDs(t, "own rule joins", e.relList("posts", "", ""), f.p2, p3)
		e.su("PATCH", "/api/collections/posts", map[string]any{"listRule": ""}).status(200)
		// A null list rule makes the path superuser-only.
		e.su("PATCH", "/api/collections/authors", map[string]any{"listRule": nil}).status(200)
		e.call("GET", "/api/collections/posts/records?"+filterQ(`author.name = "Ann"`), "", nil).status(400)
		e.su("GET", "/api/collections/posts/records?"+filterQ(`author.name = "Ann"`), nil).status(200).has("totalItems", 1)
		e.su("PATCH", "/api/collections/authors", map[string]any{"listRule": ""}).status(200)
		// Hidden fields of joined collections are not filterable by clients.
		e.call("GET", "/api/collections/posts/records?"+filterQ(`author.secret = "s1"`), "", nil).status(400)
		e.su("GET", "/api/collections/posts/records?"+filterQ(`author.secret = "s1"`), nil).status(200).has("totalItems", 1)

		// Sorting through a relation path, both directions, with a tiebreak.
		sameIDs(t, "sort asc", e.relList("posts", "", "sort="+url.QueryEscape("author.name,title")), f.p2, f.p1, p3)
		sameIDs(t, "sort desc", e.relList("posts", "", "sort="+url.QueryEscape("-author.name,title")), p3, f.p1, f.p2)
		sameIDs(t, "sort nested", e.relList("posts", "", "sort="+url.QueryEscape("-author.org.name,-title")), f.p1, p3, f.p2)
		e.call("GET", "/api/collections/posts/records?sort="+url.QueryEscape("author.nope"), "", nil).status(400)
	})
}

// TestRelationModifiersAndValidation: field+, +field and field- on
// relations, id normalization, and the id and count checks.
func TestRelationModifiersAndValidation(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ca := e.relCol(map[string]any{"name": "ca", "fields": []any{map[string]any{"name": "name", "type": "text"}}})
		e.relCol(map[string]any{"name": "cb", "fields": []any{
			map[string]any{"name": "one", "type": "relation", "collectionId": ca, "maxSelect": 1},
			map[string]any{"name": "many", "type": "relation", "collectionId": ca, "maxSelect": 3},
			map[string]any{"name": "pair", "type": "relation", "collectionId": ca, "minSelect": 2, "maxSelect": 4},
			map[string]any{"name": "must", "type": "relation", "collectionId": ca, "maxSelect": 1, "required": true},
		}})
		a := make([]string, 5)
		for i := range a {
			a[i] = e.relRec("ca", map[string]any{"name": string(rune('a' + i))})
		}
		recs := "/api/collections/cb/records"

		// Modifiers on create apply to the zero value.
		r := e.su("POST", recs, map[string]any{"must": a[0], "many+": a[1], "+pair": []string{a[2], a[3]}}).status(200)
		r.has("many", []string{a[1]}).has("pair", []string{a[2], a[3]})
		id := r.str("id")
		one := recs + "/" + id
		e.su("PATCH", one, map[string]any{"many+": a[2]}).status(200).has("many", []string{a[1], a[2]})
		e.su("PATCH", one, map[string]any{"+many": a[0]}).status(200).has("many", []string{a[0], a[1], a[2]})
		e.su("PATCH", one, map[string]any{"many-": []string{a[1], "notthereatall1"}}).status(200).has("many", []string{a[0], a[2]})
		// Plain key first, then the modifiers (shortest key first).
		e.su("PATCH", one, map[string]any{"many": []string{a[4]}, "many+": a[3], "+many": a[0]}).status(200).
			has("many", []string{a[0], a[4], a[3]})
		// Duplicates and empties are dropped; a single relation keeps the last id.
		e.su("PATCH", one, map[string]any{"many": []string{a[1], "", a[1]}, "one": []string{a[2], a[3]}}).status(200).
			has("many", []string{a[1]}).has("one", a[3])
		e.su("PATCH", one, map[string]any{"many": "[\"" + a[2] + "\",\"" + a[0] + "\"]"}).status(200).has("many", []string{a[2], a[0]})

		// Ids must exist; counts must fit.
		e.su("PATCH", one, map[string]any{"many+": "missingmissing1"}).status(400).
			has("message", "Failed to update record.").fieldCode("many", "validation_missing_rel_records")
		e.su("PATCH", one, map[string]any{"one": "missingmissing1"}).status(400).fieldCode("one", "validation_missing_rel_records")
		e.su("PATCH", one, map[string]any{"many": []string{a[0], a[1], a[2], a[3]}}).status(400).
			fieldCode("many", "validation_too_many_values").has("data.many.params.maxSelect", 3)
		e.su("PATCH", one, map[string]any{"pair": []string{a[0]}}).status(400).
			fieldCode("pair", "validation_not_enough_values").has("data.pair.params.minSelect", 2)
		e.su("PATCH", one, map[string]any{"pair-": a[2]}).status(400).fieldCode("pair", "validation_not_enough_values")
		e.su("PATCH", one, map[string]any{"must": ""}).status(400).fieldCode("must", "validation_required")
		e.su("POST", recs, map[string]any{"pair": []string{a[0], a[1]}}).status(400).fieldCode("must", "validation_required")
		// Nothing of the failed updates stuck.
		e.su("GET", one, nil).status(200).has("many", []string{a[2], a[0]}).has("one", a[3]).has("pair", []string{a[2], a[3]})
		// An empty optional multi relation with minSelect is fine.
		e.su("PATCH", one, map[string]any{"pair": []string{}}).status(200).has("pair", []string{})
	})
}
