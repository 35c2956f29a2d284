package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

// expandFixture is a small graph: orgs <- authors <- posts <- comments,
// posts.readers (multi) -> authors, profiles.author (unique) -> authors.
type expandFixture struct {
	org1, a1, a2, a3, p1, p2, c1, c2, c3, prof1 string
}

func newExpandFixture(e *env) *expandFixture {
	e.t.Helper()
	open := map[string]any{"listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": ""}
	with := func(def map[string]any) map[string]any {
		for k, v := range open {
			def[k] = v
		}
		return def
	}
	orgs := e.relCol(with(map[string]any{"name": "orgs", "fields": []any{
		map[string]any{"name": "name", "type": "text"},
	}}))
	authors := e.relCol(with(map[string]any{"name": "authors", "fields": []any{
		map[string]any{"name": "name", "type": "text"},
		map[string]any{"name": "secret", "type": "text", "hidden": true},
		map[string]any{"name": "org", "type": "relation", "collectionId": orgs, "maxSelect": 1},
	}}))
	posts := e.relCol(with(map[string]any{"name": "posts", "fields": []any{
		map[string]any{"name": "title", "type": "text"},
		map[string]any{"name": "author", "type": "relation", "collectionId": authors, "maxSelect": 1},
		map[string]any{"name": "readers", "type": "relation", "collectionId": authors, "maxSelect": 10},
	}}))
	e.relCol(with(map[string]any{"name": "comments", "fields": []any{
		map[string]any{"name": "body", "type": "text"},
		map[string]any{"name": "post", "type": "relation", "collectionId": posts, "maxSelect": 1},
	}}))
	e.relCol(with(map[string]any{"name": "profiles", "fields": []any{
		map[string]any{"name": "bio", "type": "text"},
		map[string]any{"name": "author", "type": "relation", "collectionId": authors, "maxSelect": 1},
	}, "indexes": []string{"CREATE UNIQUE INDEX `idx_profiles_author` ON `profiles` (`author`)"}}))

	f := &expandFixture{}
	f.org1 = e.relRec("orgs", map[string]any{"name": "Acme"})
	f.a1 = e.relRec("authors", map[string]any{"name": "Ann", "secret": "s1", "org": f.org1})
	f.a2 = e.relRec("authors", map[string]any{"name": "Bob"})
	f.a3 = e.relRec("authors", map[string]any{"name": "Cid", "org": f.org1})
	f.p1 = e.relRec("posts", map[string]any{"title": "first", "author": f.a1, "readers": []string{f.a3, f.a1, f.a2}})
	f.p2 = e.relRec("posts", map[string]any{"title": "second"})
	f.c1 = e.relRec("comments", map[string]any{"body": "c1", "post": f.p1})
	f.c2 = e.relRec("comments", map[string]any{"body": "c2", "post": f.p1})
	f.c3 = e.relRec("comments", map[string]any{"body": "c3", "post": f.p2})
	f.prof1 = e.relRec("profiles", map[string]any{"bio": "ann's", "author": f.a1})
	return f
}

func q(expand string) string { return "?expand=" + url.QueryEscape(expand) }

func TestExpandShapes(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newExpandFixture(e)
		post := "/api/collections/posts/records/" + f.p1

		// Single relation -> object, with the same visibility as top level.
		r := e.call("GET", post+q("author"), "", nil).status(200)
		r.has("expand.author.id", f.a1).has("expand.author.name", "Ann").
			has("expand.author.collectionName", "authors").absent("expand.author.secret").absent("expand.author.expand")
		e.su("GET", post+q("author"), nil).status(200).has("expand.author.secret", "s1")

		// Multi relation -> array in the stored order, not insertion order.
		e.call("GET", post+q("readers"), "", nil).status(200).
			has("expand.readers.0.name", "Cid").has("expand.readers.1.name", "Ann").has("expand.readers.2.name", "Bob")

		// Nested: the nested expand lives in the expanded record.
		r = e.call("GET", post+q("author.org,readers.org"), "", nil).status(200)
		r.has("expand.author.expand.org.name", "Acme")
		r.has("expand.readers.0.expand.org.id", f.org1)
		// A record on the path that has nothing to expand gets an empty expand.
		r.has("expand.readers.2.name", "Bob").has("expand.readers.2.expand", map[string]any{})

		// Back-relations: array; object with a single-column unique index.
		r = e.call("GET", post+q("comments_via_post"), "", nil).status(200)
		if got := r.ids("expand.comments_via_post"); strings.Join(got, ",") != f.c1+","+f.c2 {
			t.Fatalf("comments_via_post = %v", got)
		}
		e.call("GET", post+q("comments(post)"), "", nil).status(200).has("expand.comments(post).1.body", "c2")
		author := "/api/collections/authors/records/" + f.a1
		e.call("GET", author+q("profiles_via_author"), "", nil).status(200).
			has("expand.profiles_via_author.bio", "ann's").has("expand.profiles_via_author.id", f.prof1)
		e.call("GET", "/api/collections/authors/records/"+f.a2+q("profiles_via_author"), "", nil).status(200).
			has("expand", map[string]any{})
		// Back through a multi relation, and back then forward.
		r = e.call("GET", author+q("posts_via_readers.author,posts_via_author"), "", nil).status(200)
		r.has("expand.posts_via_readers.0.id", f.p1).has("expand.posts_via_readers.0.expand.author.name", "Ann")
		r.has("expand.posts_via_author.0.title", "first")
		e.call("GET", author+q("posts_via_readers.comments_via_post"), "", nil).status(200).
			has("expand.posts_via_readers.0.expand.comments_via_post.1.body", "c2")

		// Lists: every item has expand; empty relations leave no key.
		r = e.call("GET", "/api/collections/posts/records"+q("author,readers,comments_via_post"), "", nil).status(200)
		r.has("items.0.expand.author.name", "Ann").has("items.0.expand.readers.0.name", "Cid")
		r.has("items.1.expand.comments_via_post.0.body", "c3").absent("items.1.expand.author").absent("items.1.expand.readers")
		r.has("items.1.expand", map[string]any{"comments_via_post": r.get("items.1.expand.comments_via_post")})

		// Without the parameter there is no expand key.
		e.call("GET", post, "", nil).status(200).absent("expand")
		e.call("GET", "/api/collections/posts/records", "", nil).status(200).absent("items.0.expand")
	})
}

func TestExpandInvalidPathsAreIgnored(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newExpandFixture(e)
		post := "/api/collections/posts/records/" + f.p1
		for _, ex := range []string{"bogus", ",", " , ", "title", "author.bogus", "Author", "authors_via_post",
			"comments_via_nope", "nope_via_post", "posts(nope)", "author..org", "comments_via_body"} {
			e.call("GET", post+q(ex), "", nil).status(200).has("expand", map[string]any{})
		}
		// Valid paths next to invalid ones still expand; spaces and
		// dangling dots are tolerated.
		e.call("GET", post+q("bogus, author ,readers.bogus"), "", nil).status(200).
			has("expand.author.name", "Ann").absent("expand.readers")
		e.call("GET", post+q("author."), "", nil).status(200).has("expand.author.name", "Ann")
		// A path contained in a longer one is merged into it.
		e.call("GET", post+q("author,author.org"), "", nil).status(200).has("expand.author.expand.org.name", "Acme")
	})
}

func TestExpandDepthAndCycles(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		e.relCol(map[string]any{"name": "nodes", "listRule": "", "viewRule": "", "fields": []any{
			map[string]any{"name": "name", "type": "text"},
		}})
		nodes := e.su("GET", "/api/collections/nodes", nil).status(200).str("id")
		e.relAddField("nodes", map[string]any{"name": "next", "type": "relation", "collectionId": nodes, "maxSelect": 1})

		// A chain n1 -> n2 -> ... -> n8.
		ids := make([]string, 9)
		for i := 8; i >= 1; i-- {
			body := map[string]any{"name": fmt.Sprint("n", i)}
			if i < 8 {
				body["next"] = ids[i+1]
			}
			ids[i] = e.relRec("nodes", body)
		}
		r := e.call("GET", "/api/collections/nodes/records/"+ids[1]+q("next.next.next.next.next.next.next"), "", nil).status(200)
		path := "expand.next"
		for level := 1; level <= 6; level++ {
			r.has(path+".name", fmt.Sprint("n", level+1))
			if level < 6 {
				path += ".expand.next"
			}
		}
		// The sixth level is the last: no expand key, the seventh ignored.
		r.absent(path + ".expand")

		// A record pointing to itself expands to itself at each level.
		self := e.relRec("nodes", map[string]any{"name": "self"})
		e.su("PATCH", "/api/collections/nodes/records/"+self, map[string]any{"next": self}).status(200)
		e.call("GET", "/api/collections/nodes/records/"+self+q("next.next.next"), "", nil).status(200).
			has("expand.next.id", self).has("expand.next.expand.next.id", self).
			has("expand.next.expand.next.expand.next.id", self).absent("expand.next.expand.next.expand.next.expand")

		// A <-> B across two collections.
		ca := e.relCol(map[string]any{"name": "ca", "listRule": "", "viewRule": "", "fields": []any{map[string]any{"name": "name", "type": "text"}}})
		cb := e.relCol(map[string]any{"name": "cb", "listRule": "", "viewRule": "", "fields": []any{
			map[string]any{"name": "name", "type": "text"},
			map[string]any{"name": "a", "type": "relation", "collectionId": ca, "maxSelect": 1},
		}})
		e.relAddField("ca", map[string]any{"name": "b", "type": "relation", "collectionId": cb, "maxSelect": 1})
		a := e.relRec("ca", map[string]any{"name": "A"})
		b := e.relRec("cb", map[string]any{"name": "B", "a": a})
		e.su("PATCH", "/api/collections/ca/records/"+a, map[string]any{"b": b}).status(200)
		r = e.call("GET", "/api/collections/ca/records/"+a+q("b.a.b.a.b.a.b.a"), "", nil).status(200)
		r.has("expand.b.name", "B").has("expand.b.expand.a.name", "A").
			has("expand.b.expand.a.expand.b.expand.a.expand.b.expand.a.name", "A").
			absent("expand.b.expand.a.expand.b.expand.a.expand.b.expand.a.expand")
		// The back-relation of the same cycle.
		e.call("GET", "/api/collections/ca/records/"+a+q("cb_via_a.a.cb_via_a"), "", nil).status(200).
			has("expand.cb_via_a.0.expand.a.expand.cb_via_a.0.id", b)
	})
}

func TestExpandViewRules(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newExpandFixture(e)
		post := "/api/collections/posts/records/" + f.p1

		// Records failing the related view rule are silently left out.
		e.su("PATCH", "/api/collections/authors", map[string]any{"viewRule": `name != "Bob"`}).status(200)
		e.call("GET", post+q("readers,author"), "", nil).status(200).
			has("expand.readers.1.name", "Ann").absent("expand.readers.2").has("expand.author.name", "Ann")
		e.su("GET", post+q("readers"), nil).status(200).has("expand.readers.2.name", "Bob")
		// When none remain the key is omitted.
		e.su("PATCH", "/api/collections/authors", map[string]any{"viewRule": `name = "nobody"`}).status(200)
		e.call("GET", post+q("readers,author"), "", nil).status(200).has("expand", map[string]any{})
		e.su("PATCH", "/api/collections/authors", map[string]any{"viewRule": ""}).status(200)

		// A null view rule expands nothing for non-superusers, and drops
		// the whole path through it.
		e.su("PATCH", "/api/collections/orgs", map[string]any{"viewRule": nil}).status(200)
		e.call("GET", post+q("author.org,readers"), "", nil).status(200).
			absent("expand.author").has("expand.readers.0.name", "Cid")
		e.su("GET", post+q("author.org"), nil).status(200).has("expand.author.expand.org.name", "Acme")

		// The rule sees @request.context = "expand".
		e.su("PATCH", "/api/collections/comments", map[string]any{"viewRule": `@request.context = "expand"`}).status(200)
		e.call("GET", "/api/collections/comments/records/"+f.c1, "", nil).status(404)
		e.call("GET", post+q("comments_via_post"), "", nil).status(200).has("expand.comments_via_post.1.body", "c2")

		// Owner-only users: guests see no owner, a user only their own.
		users := e.su("GET", "/api/collections/users", nil).status(200).str("id")
		e.relAddField("posts", map[string]any{"name": "owner", "type": "relation", "collectionId": users, "maxSelect": 1})
		u1, t1 := e.relUser("u1@example.com", nil)
		u2, t2 := e.relUser("u2@example.com", nil)
		e.su("PATCH", post, map[string]any{"owner": u1}).status(200)
		e.call("GET", post+q("owner"), "", nil).status(200).has("expand", map[string]any{})
		e.call("GET", post+q("owner"), t2, nil).status(200).has("expand", map[string]any{})
		// Own record: email shown although emailVisibility is off.
		e.call("GET", post+q("owner"), t1, nil).status(200).has("expand.owner.id", u1).has("expand.owner.email", "u1@example.com")
		e.su("GET", post+q("owner"), nil).status(200).has("expand.owner.email", "u1@example.com")

		// Viewable by anyone: the email follows emailVisibility, the
		// manageRule and ownership exactly as at top level.
		e.su("PATCH", "/api/collections/users", map[string]any{"viewRule": ""}).status(200)
		e.call("GET", post+q("owner"), t2, nil).status(200).has("expand.owner.id", u1).absent("expand.owner.email")
		e.call("GET", post+q("owner"), "", nil).status(200).absent("expand.owner.email")
		e.su("PATCH", "/api/collections/users", map[string]any{"manageRule": "@request.auth.id = '" + u2 + "'"}).status(200)
		e.call("GET", post+q("owner"), t2, nil).status(200).has("expand.owner.email", "u1@example.com")
		e.call("GET", post+q("owner"), "", nil).status(200).absent("expand.owner.email")
		e.su("PATCH", "/api/collections/users/records/"+u1, map[string]any{"emailVisibility": true}).status(200)
		e.call("GET", post+q("owner"), "", nil).status(200).has("expand.owner.email", "u1@example.com")
	})
}

func TestExpandOnWritesAndAuth(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newExpandFixture(e)
		r := e.call("POST", "/api/collections/posts/records"+q("author.org,readers"), "",
			map[string]any{"title": "new", "author": f.a3, "readers": []string{f.a2}}).status(200)
		r.has("title", "new").has("expand.author.name", "Cid").has("expand.author.expand.org.name", "Acme").
			has("expand.readers.0.name", "Bob")
		id := r.str("id")
		e.call("PATCH", "/api/collections/posts/records/"+id+q("readers"), "",
			map[string]any{"readers+": f.a1}).status(200).
			has("expand.readers.0.name", "Bob").has("expand.readers.1.name", "Ann")
		e.call("POST", "/api/collections/posts/records"+q("bogus"), "", map[string]any{"title": "x"}).status(200).
			has("expand", map[string]any{})

		// Auth responses expand the authenticated record.
		posts := e.su("GET", "/api/collections/posts", nil).status(200).str("id")
		e.relAddField("users", map[string]any{"name": "fav", "type": "relation", "collectionId": posts, "maxSelect": 1})
		uid, token := e.relUser("fan@example.com", map[string]any{"fav": f.p1})
		r = e.call("POST", "/api/collections/users/auth-with-password"+q("fav.author"), "",
			map[string]any{"identity": "fan@example.com", "password": "a-long-password-1"}).status(200)
		r.has("record.id", uid).has("record.expand.fav.title", "first").has("record.expand.fav.expand.author.name", "Ann")
		e.call("POST", "/api/collections/users/auth-refresh"+q("fav"), token, nil).status(200).
			has("record.expand.fav.id", f.p1)
	})
}

func TestExpandWithFieldsPicker(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newExpandFixture(e)
		post := "/api/collections/posts/records/" + f.p1
		r := e.call("GET", post+q("author")+"&fields="+url.QueryEscape("id,expand.author.name"), "", nil).status(200)
		r.has("", map[string]any{"id": f.p1, "expand": map[string]any{"author": map[string]any{"name": "Ann"}}})
		r = e.call("GET", post+q("author,readers")+"&fields="+url.QueryEscape("*,expand.readers.name"), "", nil).status(200)
		r.has("title", "first").has("expand.readers", []any{
			map[string]any{"name": "Cid"}, map[string]any{"name": "Ann"}, map[string]any{"name": "Bob"}}).absent("expand.author")
		r = e.call("GET", "/api/collections/posts/records"+q("author.org")+"&fields="+url.QueryEscape("title,expand.author.expand.org.name"), "", nil).status(200)
		r.has("items.0", map[string]any{"title": "first", "expand": map[string]any{"author": map[string]any{"expand": map[string]any{"org": map[string]any{"name": "Acme"}}}}})
		r.has("items.1", map[string]any{"title": "second", "expand": map[string]any{}})
		// Hidden fields stay hidden through the picker.
		e.call("GET", post+q("author")+"&fields="+url.QueryEscape("expand.author.secret"), "", nil).status(200).
			has("", map[string]any{"expand": map[string]any{"author": map[string]any{}}})
	})
}

// TestExpandQueryCount proves there is no query per record: each level
// loads the related records of every parent with one query per target
// collection (author and readers share one), and a back-relation is one
// query per level.
func TestExpandQueryCount(t *testing.T) {
	eachCountingStore(t, func(t *testing.T, e *env, cs *countingStore) {
		f := newExpandFixture(e)
		authors := []string{f.a1, f.a2, f.a3}
		for i := 0; i < 20; i++ {
			p := e.relRec("posts", map[string]any{"title": fmt.Sprint("p", i), "author": authors[i%3],
				"readers": []string{authors[(i+1)%3], authors[(i+2)%3]}})
			e.relRec("comments", map[string]any{"body": fmt.Sprint("c", i), "post": p})
		}
		for _, perPage := range []string{"2", "22"} {
			cs.reset()
			r := e.call("GET", "/api/collections/posts/records?perPage="+perPage+"&expand="+
				url.QueryEscape("author.org,readers.org,readers.posts_via_author,comments_via_post.post"), "", nil).status(200)
			r.has("items.0.expand.author.expand.org.name", "Acme")
			for name, want := range map[string]int{"posts": 3, "authors": 1, "orgs": 1, "comments": 1} {
				if got := cs.count(name); got != want {
					t.Errorf("perPage %s: %d queries on %s, want %d", perPage, got, name, want)
				}
			}
		}
	})
}

// TestExpandBackRelationLimit checks the 1000 records cap per parent,
// both when one parent overflows the level's query and when it does not.
func TestExpandBackRelationLimit(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		f := newExpandFixture(e)
		ctx := context.Background()
		s, err := e.app.Schema(ctx)
		if err != nil {
			t.Fatal(err)
		}
		comments := s.Find("comments")
		var first string
		err = e.app.Store().Write(ctx, func(tx core.Tx) error {
			for i := 0; i < 1005; i++ {
				rec := core.NewRecord(comments)
				rec.Values["id"] = fmt.Sprintf("bulk%011d", i)
				rec.Values["body"] = fmt.Sprint("bulk", i)
				rec.Values["post"] = f.p1
				if err := tx.Insert(ctx, rec); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		first = f.c1
		r := e.call("GET", "/api/collections/posts/records/"+f.p1+q("comments_via_post"), "", nil).status(200)
		got := r.ids("expand.comments_via_post")
		if len(got) != 1000 || got[0] != first || got[2] != "bulk00000000000" || got[999] != "bulk00000000997" {
			t.Fatalf("view: %d comments, first %v", len(got), got[:3])
		}
		r = e.call("GET", "/api/collections/posts/records"+q("comments_via_post"), "", nil).status(200)
		if got := r.ids("items.0.expand.comments_via_post"); len(got) != 1000 || got[999] != "bulk00000000997" {
			t.Fatalf("list: %d comments", len(got))
		}
		r.has("items.1.expand.comments_via_post.0.id", f.c3)
	})
}
