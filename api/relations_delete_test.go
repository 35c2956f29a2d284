package api_test

import (
	"net/url"
	"testing"
)

const requiredRefMessage = "Failed to delete record. Make sure that the record is not part of a required relation reference."

// TestRelationCascadeChain: deleting A cascades to B, which cascades to C.
func TestRelationCascadeChain(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ca := e.relCol(map[string]any{"name": "ca", "fields": []any{map[string]any{"name": "name", "type": "text"}}})
		cb := e.relCol(map[string]any{"name": "cb", "fields": []any{
			map[string]any{"name": "a", "type": "relation", "collectionId": ca, "maxSelect": 1, "cascadeDelete": true},
		}})
		e.relCol(map[string]any{"name": "cc", "fields": []any{
			map[string]any{"name": "b", "type": "relation", "collectionId": cb, "maxSelect": 5, "cascadeDelete": true},
		}})
		a1 := e.relRec("ca", map[string]any{"name": "a1"})
		a2 := e.relRec("ca", map[string]any{"name": "a2"})
		b1 := e.relRec("cb", map[string]any{"a": a1})
		b2 := e.relRec("cb", map[string]any{"a": a2})
		c1 := e.relRec("cc", map[string]any{"b": []string{b1}})
		// c2 keeps another reference, so it loses b1 but stays.
		c2 := e.relRec("cc", map[string]any{"b": []string{b1, b2}})

		e.su("DELETE", "/api/collections/ca/records/"+a1, nil).status(204)
		e.su("GET", "/api/collections/cb/records/"+b1, nil).status(404)
		e.su("GET", "/api/collections/cc/records/"+c1, nil).status(404)
		e.su("GET", "/api/collections/cc/records/"+c2, nil).status(200).has("b", []string{b2})
		e.su("GET", "/api/collections/cb/records/"+b2, nil).status(200)
	})
}

// TestRelationRequiredBlocksDelete: a required reference that would become
// empty fails the delete, and nothing of the cascade before it remains.
func TestRelationRequiredBlocksDelete(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ca := e.relCol(map[string]any{"name": "ca", "fields": []any{map[string]any{"name": "name", "type": "text"}}})
		e.relCol(map[string]any{"name": "cascading", "fields": []any{
			map[string]any{"name": "a", "type": "relation", "collectionId": ca, "maxSelect": 1, "cascadeDelete": true},
		}})
		e.relCol(map[string]any{"name": "needs", "fields": []any{
			map[string]any{"name": "a", "type": "relation", "collectionId": ca, "maxSelect": 3, "required": true},
		}})
		a1 := e.relRec("ca", map[string]any{"name": "a1"})
		a2 := e.relRec("ca", map[string]any{"name": "a2"})
		casc := e.relRec("cascading", map[string]any{"a": a1})
		n := e.relRec("needs", map[string]any{"a": []string{a1}})
		// Another required reference that keeps a value is no obstacle.
		n2 := e.relRec("needs", map[string]any{"a": []string{a2, a1}})

		e.su("DELETE", "/api/collections/ca/records/"+a1, nil).status(400).
			has("message", requiredRefMessage).has("data", map[string]any{})
		e.su("GET", "/api/collections/ca/records/"+a1, nil).status(200)
		e.su("GET", "/api/collections/cascading/records/"+casc, nil).status(200).has("a", a1)
		e.su("GET", "/api/collections/needs/records/"+n2, nil).status(200).has("a", []string{a2, a1})

		// Once the blocking record lets go, the delete goes through.
		e.su("PATCH", "/api/collections/needs/records/"+n, map[string]any{"a": []string{a2}}).status(200)
		e.su("DELETE", "/api/collections/ca/records/"+a1, nil).status(204)
		e.su("GET", "/api/collections/cascading/records/"+casc, nil).status(404)
		e.su("GET", "/api/collections/needs/records/"+n2, nil).status(200).has("a", []string{a2})

		// Truncate reports the same obstacle its own way.
		e.su("DELETE", "/api/collections/ca/truncate", nil).status(400)
		e.su("GET", "/api/collections/ca/records/"+a2, nil).status(200)
	})
}

// TestRelationCascadeCycles: cascades around cycles terminate.
func TestRelationCascadeCycles(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		// A <-> B, both cascading.
		ca := e.relCol(map[string]any{"name": "ca", "fields": []any{map[string]any{"name": "name", "type": "text"}}})
		cb := e.relCol(map[string]any{"name": "cb", "fields": []any{
			map[string]any{"name": "a", "type": "relation", "collectionId": ca, "maxSelect": 1, "cascadeDelete": true},
		}})
		e.relAddField("ca", map[string]any{"name": "b", "type": "relation", "collectionId": cb, "maxSelect": 1, "cascadeDelete": true})
		a := e.relRec("ca", map[string]any{"name": "a"})
		b := e.relRec("cb", map[string]any{"a": a})
		e.su("PATCH", "/api/collections/ca/records/"+a, map[string]any{"b": b}).status(200)
		e.su("DELETE", "/api/collections/cb/records/"+b, nil).status(204)
		e.su("GET", "/api/collections/ca/records/"+a, nil).status(404)

		// A self-relation: a ring of three and a record pointing to itself.
		nodes := e.relCol(map[string]any{"name": "nodes", "fields": []any{map[string]any{"name": "name", "type": "text"}}})
		e.relAddField("nodes", map[string]any{"name": "parent", "type": "relation", "collectionId": nodes, "maxSelect": 1, "cascadeDelete": true})
		n1 := e.relRec("nodes", map[string]any{"name": "n1"})
		n2 := e.relRec("nodes", map[string]any{"name": "n2", "parent": n1})
		n3 := e.relRec("nodes", map[string]any{"name": "n3", "parent": n2})
		e.su("PATCH", "/api/collections/nodes/records/"+n1, map[string]any{"parent": n3}).status(200)
		self := e.relRec("nodes", map[string]any{"name": "self"})
		e.su("PATCH", "/api/collections/nodes/records/"+self, map[string]any{"parent": self}).status(200)
		other := e.relRec("nodes", map[string]any{"name": "other"})
		e.su("DELETE", "/api/collections/nodes/records/"+n2, nil).status(204)
		for _, id := range []string{n1, n2, n3} {
			e.su("GET", "/api/collections/nodes/records/"+id, nil).status(404)
		}
		e.su("DELETE", "/api/collections/nodes/records/"+self, nil).status(204)
		e.su("GET", "/api/collections/nodes/records/"+other, nil).status(200)
	})
}

// TestRelationReferenceCleanup: optional references lose the deleted id;
// a record reached twice in one cascade is not written back stale.
func TestRelationReferenceCleanup(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ca := e.relCol(map[string]any{"name": "ca", "fields": []any{map[string]any{"name": "name", "type": "text"}}})
		cb := e.relCol(map[string]any{"name": "cb", "fields": []any{
			map[string]any{"name": "one", "type": "relation", "collectionId": ca, "maxSelect": 1},
			map[string]any{"name": "many", "type": "relation", "collectionId": ca, "maxSelect": 5, "cascadeDelete": true},
			map[string]any{"name": "updated", "type": "autodate", "onCreate": true, "onUpdate": true},
		}})
		e.relAddField("cb", map[string]any{"name": "sibling", "type": "relation", "collectionId": cb, "maxSelect": 3})
		a1 := e.relRec("ca", map[string]any{"name": "a1"})
		a2 := e.relRec("ca", map[string]any{"name": "a2"})
		a3 := e.relRec("ca", map[string]any{"name": "a3"})
		// b1 cascades away with a1; b2 loses a1 and its sibling b1.
		b1 := e.relRec("cb", map[string]any{"many": []string{a1}})
		b2 := e.relRec("cb", map[string]any{"one": a1, "many": []string{a2, a1, a3}, "sibling": []string{b1}})
		before := e.su("GET", "/api/collections/cb/records/"+b2, nil).status(200).str("updated")

		e.su("DELETE", "/api/collections/ca/records/"+a1, nil).status(204)
		e.su("GET", "/api/collections/cb/records/"+b1, nil).status(404)
		r := e.su("GET", "/api/collections/cb/records/"+b2, nil).status(200)
		r.has("one", "").has("many", []string{a2, a3}).has("sibling", []string{})
		if r.str("updated") < before {
			t.Fatalf("updated went back: %s < %s", r.str("updated"), before)
		}
	})
}

// TestRelationCascadeDeletesAuthRefs: an auth record deleted by a cascade
// loses its auth system rows as if it had been deleted directly.
func TestRelationCascadeDeletesAuthRefs(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		teams := e.relCol(map[string]any{"name": "teams", "fields": []any{map[string]any{"name": "name", "type": "text"}}})
		e.relAddField("users", map[string]any{"name": "team", "type": "relation", "collectionId": teams, "maxSelect": 1, "cascadeDelete": true})
		team := e.relRec("teams", map[string]any{"name": "t"})
		uid, _ := e.relUser("member@example.com", map[string]any{"team": team})
		origins := "/api/collections/_authOrigins/records?filter=" + url.QueryEscape("recordRef = '"+uid+"'")
		e.su("GET", origins, nil).status(200).has("totalItems", 1)

		e.su("DELETE", "/api/collections/teams/records/"+team, nil).status(204)
		e.su("GET", "/api/collections/users/records/"+uid, nil).status(404)
		e.su("GET", origins, nil).status(200).has("totalItems", 0)
	})
}
