package api_test

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// The access matrix: every principal against every action on collections
// with representative rules. Each cell's status (and, for lists, the
// number of visible records) is written out by hand from the contract's
// §1.8 table, never derived from the rule, so a wrong evaluation of the
// rule cannot hide behind a matching wrong expectation.

// Principals, in the column order of the table.
const (
	pGuest = iota
	pA     // users record, verified, role "manager"
	pB     // users record, not verified
	pSU    // superuser
	pImp   // A through a token from the superuser's impersonate call
	nPrincipals
)

var mxPrincipal = [nPrincipals]string{"guest", "A", "B", "superuser", "A impersonated"}

// Fixed ids, so the table can name records literally.
const (
	mxUserA = "usera0000000000"
	mxUserB = "userb0000000000"
	mxUserC = "userc0000000000" // a third user, never a principal
	mxTeam1 = "team10000000000"
	mxTeam2 = "team20000000000"
	mxTeam3 = "team30000000000"
	mxNone  = "missing00000000" // no such record anywhere
)

// mxRow is one line of the table: an action on a collection, with the
// expected status per principal (and the expected list count).
type mxRow struct {
	coll   string
	action string // list, view, create, update, delete
	// target: view/update/delete — a key of mxTargets; list — a filter.
	target string
	body   map[string]any // create/update; "{n}" in a string becomes a counter
	status [nPrincipals]int
	count  [nPrincipals]int // list only: totalItems (and items on the page)
}

var mxRows = []mxRow{
	// public: every rule "".
	{coll: "public", action: "list", status: [5]int{200, 200, 200, 200, 200}, count: [5]int{3, 3, 3, 3, 3}},
	{coll: "public", action: "view", target: "public", status: [5]int{200, 200, 200, 200, 200}},
	{coll: "public", action: "view", target: "public-missing", status: [5]int{404, 404, 404, 404, 404}},
	{coll: "public", action: "create", body: map[string]any{"title": "new"}, status: [5]int{200, 200, 200, 200, 200}},
	{coll: "public", action: "update", target: "public", body: map[string]any{"title": "changed"}, status: [5]int{200, 200, 200, 200, 200}},
	{coll: "public", action: "update", target: "public-missing", body: map[string]any{"title": "changed"}, status: [5]int{404, 404, 404, 404, 404}},
	{coll: "public", action: "delete", target: "public", status: [5]int{204, 204, 204, 204, 204}},
	{coll: "public", action: "delete", target: "public-missing", status: [5]int{404, 404, 404, 404, 404}},

	// locked: every rule null — 403 for everyone but the superuser, even
	// for a record that does not exist.
	{coll: "locked", action: "list", status: [5]int{403, 403, 403, 200, 403}, count: [5]int{0, 0, 0, 2, 0}},
	{coll: "locked", action: "view", target: "locked", status: [5]int{403, 403, 403, 200, 403}},
	{coll: "locked", action: "view", target: "locked-missing", status: [5]int{403, 403, 403, 404, 403}},
	{coll: "locked", action: "create", body: map[string]any{"title": "new"}, status: [5]int{403, 403, 403, 200, 403}},
	{coll: "locked", action: "update", target: "locked", body: map[string]any{"title": "changed"}, status: [5]int{403, 403, 403, 200, 403}},
	{coll: "locked", action: "update", target: "locked-missing", body: map[string]any{"title": "changed"}, status: [5]int{403, 403, 403, 404, 403}},
	{coll: "locked", action: "delete", target: "locked", status: [5]int{403, 403, 403, 204, 403}},
	{coll: "locked", action: "delete", target: "locked-missing", status: [5]int{403, 403, 403, 404, 403}},

	// owned: owner = @request.auth.id. A guest's @request.auth.id is NULL,
	// which equals "" (§5.2), so guests reach the records without owner.
	{coll: "owned", action: "list", status: [5]int{200, 200, 200, 200, 200}, count: [5]int{1, 2, 1, 4, 2}},
	{coll: "owned", action: "list", target: `title ~ "a"`, status: [5]int{200, 200, 200, 200, 200}, count: [5]int{0, 2, 0, 2, 2}},
	{coll: "owned", action: "view", target: "owned-A", status: [5]int{404, 200, 404, 200, 200}},
	{coll: "owned", action: "view", target: "owned-B", status: [5]int{404, 404, 200, 200, 404}},
	{coll: "owned", action: "view", target: "owned-nobody", status: [5]int{200, 404, 404, 200, 404}},
	{coll: "owned", action: "create", body: map[string]any{"title": "n", "owner": mxUserA}, status: [5]int{400, 200, 400, 200, 200}},
	{coll: "owned", action: "create", body: map[string]any{"title": "n", "owner": mxUserB}, status: [5]int{400, 400, 200, 200, 400}},
	{coll: "owned", action: "create", body: map[string]any{"title": "n"}, status: [5]int{400, 400, 400, 200, 400}},
	{coll: "owned", action: "update", target: "owned-A", body: map[string]any{"title": "changed"}, status: [5]int{404, 200, 404, 200, 200}},
	{coll: "owned", action: "update", target: "owned-B", body: map[string]any{"title": "changed"}, status: [5]int{404, 404, 200, 200, 404}},
	{coll: "owned", action: "update", target: "owned-nobody", body: map[string]any{"title": "changed"}, status: [5]int{200, 404, 404, 200, 404}},
	// The update rule sees the stored row: an owner may give a record away.
	{coll: "owned", action: "update", target: "owned-A", body: map[string]any{"owner": mxUserB}, status: [5]int{404, 200, 404, 200, 200}},
	{coll: "owned", action: "delete", target: "owned-A", status: [5]int{404, 204, 404, 204, 204}},
	{coll: "owned", action: "delete", target: "owned-B", status: [5]int{404, 404, 204, 204, 404}},
	{coll: "owned", action: "delete", target: "owned-nobody", status: [5]int{204, 404, 404, 204, 404}},

	// verifiedOnly: @request.auth.verified = true everywhere.
	{coll: "verifiedOnly", action: "list", status: [5]int{200, 200, 200, 200, 200}, count: [5]int{0, 2, 0, 2, 2}},
	{coll: "verifiedOnly", action: "view", target: "verifiedOnly", status: [5]int{404, 200, 404, 200, 200}},
	{coll: "verifiedOnly", action: "create", body: map[string]any{"title": "n"}, status: [5]int{400, 200, 400, 200, 200}},
	{coll: "verifiedOnly", action: "update", target: "verifiedOnly", body: map[string]any{"title": "changed"}, status: [5]int{404, 200, 404, 200, 200}},
	{coll: "verifiedOnly", action: "delete", target: "verifiedOnly", status: [5]int{404, 204, 404, 204, 204}},

	// teamdocs: membership through one shared @collection join, so user and
	// team must match on the same membership row: A is in team 1 and B in
	// team 2, and neither reaches the other's documents.
	{coll: "teamdocs", action: "list", status: [5]int{200, 200, 200, 200, 200}, count: [5]int{0, 1, 1, 3, 1}},
	{coll: "teamdocs", action: "view", target: "teamdoc-1", status: [5]int{404, 200, 404, 200, 200}},
	{coll: "teamdocs", action: "view", target: "teamdoc-2", status: [5]int{404, 404, 200, 200, 404}},
	{coll: "teamdocs", action: "view", target: "teamdoc-3", status: [5]int{404, 404, 404, 200, 404}},
	{coll: "teamdocs", action: "create", body: map[string]any{"title": "n", "team": mxTeam1}, status: [5]int{400, 200, 400, 200, 200}},
	{coll: "teamdocs", action: "create", body: map[string]any{"title": "n", "team": mxTeam2}, status: [5]int{400, 400, 200, 200, 400}},
	{coll: "teamdocs", action: "create", body: map[string]any{"title": "n", "team": mxTeam3}, status: [5]int{400, 400, 400, 200, 400}},
	{coll: "teamdocs", action: "update", target: "teamdoc-2", body: map[string]any{"title": "changed"}, status: [5]int{404, 404, 200, 200, 404}},
	{coll: "teamdocs", action: "delete", target: "teamdoc-1", status: [5]int{404, 204, 404, 204, 204}},

	// articles: comments_via_article.author ?= @request.auth.id, with a
	// comments collection whose rules are all null (rules may join it). An
	// article without comments yields one NULL element, which equals a
	// guest's NULL auth id.
	{coll: "articles", action: "list", status: [5]int{200, 200, 200, 200, 200}, count: [5]int{1, 1, 1, 3, 1}},
	{coll: "articles", action: "view", target: "article-A", status: [5]int{404, 200, 404, 200, 200}},
	{coll: "articles", action: "view", target: "article-B", status: [5]int{404, 404, 200, 200, 404}},
	{coll: "articles", action: "view", target: "article-AB", status: [5]int{404, 200, 200, 200, 200}},
	{coll: "articles", action: "view", target: "article-none", status: [5]int{200, 404, 404, 200, 404}},
	{coll: "articles", action: "create", body: map[string]any{"title": "n"}, status: [5]int{400, 200, 200, 200, 200}},
	{coll: "articles", action: "update", target: "article-B", body: map[string]any{"title": "changed"}, status: [5]int{404, 404, 200, 200, 404}},
	{coll: "articles", action: "delete", target: "article-A", status: [5]int{404, 204, 404, 204, 204}},

	// guarded: anyone signed in may update, but only the owner may change
	// the title, and nobody may submit "locked".
	{coll: "guarded", action: "list", status: [5]int{200, 200, 200, 200, 200}, count: [5]int{1, 1, 1, 1, 1}},
	{coll: "guarded", action: "update", target: "guarded", body: map[string]any{"title": "orig"}, status: [5]int{404, 200, 200, 200, 200}},
	{coll: "guarded", action: "update", target: "guarded", body: map[string]any{"title": "new"}, status: [5]int{404, 200, 404, 200, 200}},
	{coll: "guarded", action: "update", target: "guarded", body: map[string]any{"locked": false}, status: [5]int{404, 404, 404, 200, 404}},
	{coll: "guarded", action: "update", target: "guarded", body: map[string]any{"note": "x"}, status: [5]int{404, 200, 200, 200, 200}},
	{coll: "guarded", action: "delete", target: "guarded", status: [5]int{403, 403, 403, 204, 403}},

	// users: list for the signed in, view for all, update for oneself or a
	// manager, delete for oneself only; the manageRule (role = manager)
	// lets A change email, verified and password of others without
	// oldPassword, and gives no delete right.
	{coll: "users", action: "list", status: [5]int{200, 200, 200, 200, 200}, count: [5]int{0, 3, 3, 3, 3}},
	// A filter on email only matches visible addresses, even one's own (§4.1).
	{coll: "users", action: "list", target: `email = "a@test.dev"`, status: [5]int{200, 200, 200, 200, 200}, count: [5]int{0, 0, 0, 1, 0}},
	{coll: "users", action: "list", target: `email = "b@test.dev"`, status: [5]int{200, 200, 200, 200, 200}, count: [5]int{0, 1, 1, 1, 1}},
	{coll: "users", action: "view", target: "user", status: [5]int{200, 200, 200, 200, 200}},
	{coll: "users", action: "create", body: mxNewUser(nil), status: [5]int{200, 200, 200, 200, 200}},
	{coll: "users", action: "create", body: mxNewUser(map[string]any{"verified": true}), status: [5]int{400, 200, 400, 200, 200}},
	{coll: "users", action: "update", target: "user", body: map[string]any{"name": "renamed"}, status: [5]int{404, 200, 404, 200, 200}},
	{coll: "users", action: "update", target: "user", body: map[string]any{"email": "moved{n}@test.dev", "verified": true,
		"password": "password-new-1", "passwordConfirm": "password-new-1"}, status: [5]int{404, 200, 404, 200, 200}},
	{coll: "users", action: "update", target: "user-B", body: map[string]any{"name": "bee"}, status: [5]int{404, 200, 200, 200, 200}},
	{coll: "users", action: "update", target: "user-B", body: map[string]any{"verified": true}, status: [5]int{404, 200, 400, 200, 200}},
	{coll: "users", action: "delete", target: "user", status: [5]int{404, 404, 404, 204, 404}},
}

func mxNewUser(extra map[string]any) map[string]any {
	b := map[string]any{"email": "new{n}@test.dev", "password": "password-one-1", "passwordConfirm": "password-one-1"}
	for k, v := range extra {
		b[k] = v
	}
	return b
}

// mxTarget makes the record a view/update/delete cell acts on. A fresh
// record (restore nil) is created by the superuser before the cell and
// removed after it; an existing one is patched back with restore.
type mxTarget struct {
	make    func(m *mxEnv) string
	restore map[string]any
}

func mxFresh(coll string, body map[string]any) mxTarget {
	return mxTarget{make: func(m *mxEnv) string { return m.rec(coll, body) }}
}

func mxMissing() mxTarget { return mxTarget{make: func(*mxEnv) string { return mxNone }} }

// mxArticle is a fresh article commented on by the given users.
func mxArticle(authors ...string) mxTarget {
	return mxTarget{make: func(m *mxEnv) string {
		id := m.rec("articles", map[string]any{"title": "fresh"})
		for _, a := range authors {
			m.rec("comments", map[string]any{"article": id, "author": a})
		}
		return id
	}}
}

var mxTargets = map[string]mxTarget{
	"public":         mxFresh("public", map[string]any{"title": "fresh"}),
	"public-missing": mxMissing(),
	"locked":         mxFresh("locked", map[string]any{"title": "fresh"}),
	"locked-missing": mxMissing(),
	"owned-A":        mxFresh("owned", map[string]any{"title": "fresh", "owner": mxUserA}),
	"owned-B":        mxFresh("owned", map[string]any{"title": "fresh", "owner": mxUserB}),
	"owned-nobody":   mxFresh("owned", map[string]any{"title": "fresh"}),
	"verifiedOnly":   mxFresh("verifiedOnly", map[string]any{"title": "fresh"}),
	"teamdoc-1":      mxFresh("teamdocs", map[string]any{"title": "fresh", "team": mxTeam1}),
	"teamdoc-2":      mxFresh("teamdocs", map[string]any{"title": "fresh", "team": mxTeam2}),
	"teamdoc-3":      mxFresh("teamdocs", map[string]any{"title": "fresh", "team": mxTeam3}),
	"article-A":      mxArticle(mxUserA, mxUserC),
	"article-B":      mxArticle(mxUserB),
	"article-AB":     mxArticle(mxUserB, mxUserA),
	"article-none":   mxArticle(),
	"guarded":        mxFresh("guarded", map[string]any{"title": "orig", "owner": mxUserA}),
	"user": mxFresh("users", map[string]any{"email": "target{n}@test.dev", "password": "password-one-1",
		"passwordConfirm": "password-one-1", "name": "target"}),
	"user-B": {make: func(*mxEnv) string { return mxUserB }, restore: map[string]any{"name": "B", "verified": false}},
}

type mxEnv struct {
	*authEnv
	tokens [nPrincipals]string
	n      int
	batch  bool // send writes as one-item batches
}

// write sends a create, update or delete, directly or as a one-item
// batch; the batch's answer is unwrapped into the item's own response.
func (m *mxEnv) write(method, path, token string, body map[string]any) *response {
	m.t.Helper()
	if !m.batch {
		return m.call(method, path, token, body)
	}
	item := map[string]any{"method": method, "url": path}
	if body != nil {
		item["body"] = body
	}
	r := m.call("POST", "/api/batch", token, map[string]any{"requests": []any{item}})
	out := &response{t: m.t, req: "batch " + method + " " + path}
	var inner any
	switch r.code {
	case 200:
		out.code = int(r.get("0.status").(float64))
		inner = r.get("0.body")
	case 400:
		resp, ok := r.get("data.requests.0.response").(map[string]any)
		if !ok {
			m.t.Fatalf("%s: batch failed without an item response: %s", out.req, r.raw)
		}
		out.code = int(resp["status"].(float64))
		inner = resp
	default:
		m.t.Fatalf("%s: batch status %d: %s", out.req, r.code, r.raw)
	}
	out.body = inner
	if inner != nil {
		out.raw, _ = json.Marshal(inner)
	}
	return out
}

// fill replaces "{n}" in the strings of body with a fresh number.
func (m *mxEnv) fill(body map[string]any) map[string]any {
	m.n++
	out := make(map[string]any, len(body))
	for k, v := range body {
		if s, ok := v.(string); ok {
			v = strings.ReplaceAll(s, "{n}", strconv.Itoa(m.n))
		}
		out[k] = v
	}
	return out
}

// rec creates a record as the superuser.
func (m *mxEnv) rec(coll string, body map[string]any) string {
	m.t.Helper()
	return m.su("POST", "/api/collections/"+coll+"/records", m.fill(body)).status(200).str("id")
}

// col creates a collection as the superuser and returns its id.
func (m *mxEnv) col(def mxDefMap) string {
	m.t.Helper()
	if def["type"] == nil {
		def["type"] = "base"
	}
	return m.su("POST", "/api/collections", def).status(200).str("id")
}

func mxText(name string) map[string]any { return map[string]any{"name": name, "type": "text"} }

func mxRel(name, collectionID string) map[string]any {
	return map[string]any{"name": name, "type": "relation", "collectionId": collectionID, "maxSelect": 1}
}

func mxRules(all any) map[string]any {
	return map[string]any{"listRule": all, "viewRule": all, "createRule": all, "updateRule": all, "deleteRule": all}
}

// mxDefMap is a collection definition.
type mxDefMap map[string]any

// with sets a key of the definition.
func (m mxDefMap) with(k string, v any) mxDefMap { m[k] = v; return m }

func mxDef(name string, rules map[string]any, fields ...map[string]any) mxDefMap {
	def := mxDefMap{"name": name, "fields": fields}
	for k, v := range rules {
		def[k] = v
	}
	return def
}

// newMatrix builds the collections, records and principals of the table.
func newMatrix(e *authEnv) *mxEnv {
	m := &mxEnv{authEnv: e}
	const usersID = "_pb_users_auth_"
	teams := m.col(mxDef("teams", mxRules(""), mxText("name")))
	for _, id := range []string{mxTeam1, mxTeam2, mxTeam3} {
		m.rec("teams", map[string]any{"id": id, "name": id[:5]})
	}

	fields := m.su("GET", "/api/collections/users", nil).status(200).get("fields").([]any)
	fields = append(fields, mxText("role"), mxRel("team", teams))
	m.su("PATCH", "/api/collections/users", map[string]any{
		"fields":     fields,
		"listRule":   `@request.auth.id != ""`,
		"viewRule":   "",
		"createRule": "",
		"updateRule": `id = @request.auth.id || @request.auth.role = "manager"`,
		"deleteRule": `id = @request.auth.id`,
		"manageRule": `@request.auth.role = "manager"`,
	}).status(200)
	pass := "password-one-1"
	user := func(id, email string, extra map[string]any) {
		body := map[string]any{"id": id, "email": email, "password": pass, "passwordConfirm": pass}
		for k, v := range extra {
			body[k] = v
		}
		m.rec("users", body)
	}
	user(mxUserA, "a@test.dev", map[string]any{"name": "A", "verified": true, "role": "manager", "team": mxTeam1})
	user(mxUserB, "b@test.dev", map[string]any{"name": "B", "emailVisibility": true, "team": mxTeam2})
	user(mxUserC, "c@test.dev", map[string]any{"name": "C", "verified": true})

	m.col(mxDef("public", mxRules(""), mxText("title"), mxRel("who", usersID)))
	for _, who := range []string{mxUserA, mxUserB, mxUserC} {
		m.rec("public", map[string]any{"title": "pub " + who[:5], "who": who})
	}
	m.col(mxDef("locked", mxRules(nil), mxText("title")))
	m.rec("locked", map[string]any{"title": "l1"})
	m.rec("locked", map[string]any{"title": "l2"})

	own := `owner = @request.auth.id`
	m.col(mxDef("owned", map[string]any{"listRule": own, "viewRule": own, "updateRule": own, "deleteRule": own,
		"createRule": `@request.auth.id != "" && owner = @request.auth.id`}, mxText("title"), mxRel("owner", usersID)))
	m.rec("owned", map[string]any{"title": "a1", "owner": mxUserA})
	m.rec("owned", map[string]any{"title": "a2", "owner": mxUserA})
	m.rec("owned", map[string]any{"title": "b1", "owner": mxUserB})
	m.rec("owned", map[string]any{"title": "n1"})

	m.col(mxDef("verifiedOnly", mxRules(`@request.auth.verified = true`), mxText("title")))
	m.rec("verifiedOnly", map[string]any{"title": "v1"})
	m.rec("verifiedOnly", map[string]any{"title": "v2"})

	m.col(mxDef("memberships", mxRules(nil), mxRel("user", usersID), mxRel("team", teams)))
	m.rec("memberships", map[string]any{"user": mxUserA, "team": mxTeam1})
	m.rec("memberships", map[string]any{"user": mxUserB, "team": mxTeam2})
	member := `@collection.memberships.user ?= @request.auth.id && @collection.memberships.team ?= team`
	m.col(mxDef("teamdocs", map[string]any{"listRule": member, "viewRule": member, "updateRule": member, "deleteRule": member,
		"createRule": `@collection.memberships.user ?= @request.auth.id && @collection.memberships.team ?= @request.body.team`},
		mxText("title"), mxRel("team", teams)))
	for _, team := range []string{mxTeam1, mxTeam2, mxTeam3} {
		m.rec("teamdocs", map[string]any{"title": "doc", "team": team})
	}

	articles := m.col(mxDef("articles", nil, mxText("title")))
	m.col(mxDef("comments", mxRules(nil), mxRel("article", articles), mxRel("author", usersID)))
	commented := `comments_via_article.author ?= @request.auth.id`
	m.su("PATCH", "/api/collections/articles", map[string]any{"listRule": commented, "viewRule": commented,
		"updateRule": commented, "deleteRule": commented, "createRule": `@request.auth.id != ""`}).status(200)
	for _, author := range []string{mxUserA, mxUserB, ""} {
		id := m.rec("articles", map[string]any{"title": "art"})
		if author != "" {
			m.rec("comments", map[string]any{"article": id, "author": author})
		}
	}

	m.col(mxDef("guarded", map[string]any{"listRule": "", "viewRule": "", "createRule": "", "deleteRule": nil,
		"updateRule": `@request.auth.id != "" && @request.body.locked:isset = false && (owner = @request.auth.id || @request.body.title:changed = false)`},
		mxText("title"), mxText("note"), mxRel("owner", usersID), map[string]any{"name": "locked", "type": "bool"}))
	m.rec("guarded", map[string]any{"title": "orig", "owner": mxUserA})

	m.tokens[pSU] = e.token
	m.tokens[pA] = e.login("users", "a@test.dev", pass)
	m.tokens[pB] = e.login("users", "b@test.dev", pass)
	imp := e.su("POST", "/api/collections/users/impersonate/"+mxUserA, nil).status(200)
	imp.has("record.id", mxUserA)
	m.tokens[pImp] = imp.str("token")
	if claims(m.t, m.tokens[pImp])["refreshable"] != false {
		m.t.Fatalf("impersonation token is refreshable: %v", claims(m.t, m.tokens[pImp]))
	}
	return m
}

// suGet reads a record as the superuser: its JSON, or "" when missing.
func (m *mxEnv) suGet(coll, id string) string {
	m.t.Helper()
	r := m.su("GET", "/api/collections/"+coll+"/records/"+id, nil)
	if r.code == 404 {
		return ""
	}
	r.status(200)
	return string(r.raw)
}

func (m *mxEnv) suCount(coll string) int {
	m.t.Helper()
	n, _ := m.su("GET", "/api/collections/"+coll+"/records?perPage=1", nil).status(200).get("totalItems").(float64)
	return int(n)
}

// cell runs one cell and reports every way it disagrees with the table.
func (m *mxEnv) cell(t *testing.T, row mxRow, p int) {
	t.Helper()
	where := row.coll + " " + row.action + " " + row.target + " as " + mxPrincipal[p]
	want := row.status[p]
	token := m.tokens[p]
	base := "/api/collections/" + row.coll + "/records"
	bad := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: "+format, append([]any{where}, args...)...)
	}
	checkStatus := func(r *response) bool {
		t.Helper()
		if r.code != want {
			bad("status %d, want %d; body %s", r.code, want, r.raw)
			return false
		}
		switch {
		case want == 403:
			if msg := r.str("message"); msg != "Only superusers can perform this action." {
				bad("403 message %q", msg)
			}
		case want == 400 && row.action == "create":
			if msg := r.str("message"); msg != "Failed to create record." {
				bad("400 message %q", msg)
			}
		}
		return true
	}

	if row.action == "list" {
		q := "?perPage=100"
		if row.target != "" {
			q += "&filter=" + url.QueryEscape(row.target)
		}
		r := m.call("GET", base+q, token, nil)
		if !checkStatus(r) || want != 200 {
			return
		}
		total, _ := r.get("totalItems").(float64)
		items, _ := r.get("items").([]any)
		if int(total) != row.count[p] || len(items) != row.count[p] {
			bad("totalItems %v, %d items, want %d", total, len(items), row.count[p])
		}
		return
	}
	if row.action == "create" {
		before := m.suCount(row.coll)
		r := m.write("POST", base, token, m.fill(row.body))
		if !checkStatus(r) {
			if r.code == 200 {
				m.su("DELETE", base+"/"+r.str("id"), nil)
			}
			return
		}
		if want == 200 {
			if m.suGet(row.coll, r.str("id")) == "" {
				bad("created record %s is not stored", r.str("id"))
			}
			m.su("DELETE", base+"/"+r.str("id"), nil).status(204)
		} else if after := m.suCount(row.coll); after != before {
			bad("refused create changed the count from %d to %d", before, after)
		}
		return
	}

	target, ok := mxTargets[row.target]
	if !ok {
		t.Fatalf("%s: unknown target %q", where, row.target)
	}
	id := target.make(m)
	defer func() {
		if target.restore != nil {
			m.su("PATCH", base+"/"+id, target.restore).status(200)
		} else if id != mxNone {
			m.su("DELETE", base+"/"+id, nil)
		}
	}()
	before := m.suGet(row.coll, id)
	switch row.action {
	case "view":
		r := m.call("GET", base+"/"+id, token, nil)
		if checkStatus(r) && want == 200 && r.str("id") != id {
			bad("viewed %q", r.str("id"))
		}
	case "update":
		body := m.fill(row.body)
		r := m.write("PATCH", base+"/"+id, token, body)
		checkStatus(r)
		after := m.suGet(row.coll, id)
		if r.code != 200 {
			if after != before {
				bad("refused update changed the record:\n%s\n%s", before, after)
			}
			return
		}
		var stored map[string]any
		_ = json.Unmarshal([]byte(after), &stored)
		for k, v := range body {
			if _, isField := stored[k]; isField && stored[k] != v {
				bad("stored %s = %v, want %v", k, stored[k], v)
			}
		}
	case "delete":
		r := m.write("DELETE", base+"/"+id, token, nil)
		checkStatus(r)
		after := m.suGet(row.coll, id)
		switch {
		case r.code == 204 && after != "":
			bad("deleted record still stored")
		case r.code != 204 && after != before:
			bad("refused delete changed the record")
		}
	default:
		t.Fatalf("%s: unknown action", where)
	}
}

// TestAccessMatrix runs every cell of mxRows on both stores.
func TestAccessMatrix(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		m := newMatrix(e)
		for _, row := range mxRows {
			for p := 0; p < nPrincipals; p++ {
				m.cell(t, row, p)
			}
		}
	})
}

// TestAccessMatrixBatch runs the write cells again, each as a one-item
// batch: the rules and their statuses are the same inside a batch.
func TestAccessMatrixBatch(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		m := newMatrix(e)
		enableBatch(e.env, 10, 10)
		m.batch = true
		for _, row := range mxRows {
			if row.action == "list" || row.action == "view" {
				continue
			}
			for p := 0; p < nPrincipals; p++ {
				m.cell(t, row, p)
			}
		}
	})
}

// TestAccessEmailVisibility: who sees which users' email (§4.3), on view,
// list and expand. A has emailVisibility off and manages everyone, B has
// it on, C has it off.
func TestAccessEmailVisibility(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		m := newMatrix(e)
		targets := []string{mxUserA, mxUserB, mxUserC}
		emails := []string{"a@test.dev", "b@test.dev", "c@test.dev"}
		// visible[principal][target]
		visible := [nPrincipals][3]bool{
			pGuest: {false, true, false},
			pA:     {true, true, true},
			pB:     {false, true, false},
			pSU:    {true, true, true},
			pImp:   {true, true, true},
		}
		check := func(where string, p, i int, rec map[string]any) {
			t.Helper()
			got, has := rec["email"]
			switch {
			case visible[p][i] && got != emails[i]:
				t.Errorf("%s as %s: email of %s = %v, want %s", where, mxPrincipal[p], targets[i], got, emails[i])
			case !visible[p][i] && has:
				t.Errorf("%s as %s: email of %s shown (%v)", where, mxPrincipal[p], targets[i], got)
			}
		}
		for p := 0; p < nPrincipals; p++ {
			for i, id := range targets {
				r := m.call("GET", "/api/collections/users/records/"+id, m.tokens[p], nil).status(200)
				check("view", p, i, r.body.(map[string]any))
			}
			if p != pGuest {
				r := m.call("GET", "/api/collections/users/records?sort=email", m.tokens[p], nil).status(200)
				for i := range targets {
					check("list", p, i, r.get("items."+strconv.Itoa(i)).(map[string]any))
				}
			}
			r := m.call("GET", "/api/collections/public/records?sort=title&expand=who", m.tokens[p], nil).status(200)
			for i := range targets {
				exp, _ := r.get("items." + strconv.Itoa(i) + ".expand.who").(map[string]any)
				if exp == nil {
					t.Fatalf("no expand.who in %s", r.raw)
				}
				check("expand", p, i, exp)
			}
		}
		// Auth responses always carry the email.
		e.call("POST", "/api/collections/users/auth-refresh", m.tokens[pA], nil).status(200).has("record.email", "a@test.dev")
		e.call("POST", "/api/collections/users/auth-refresh", m.tokens[pImp], nil).status(200).has("record.email", "a@test.dev")

		// The manager's changes took: C signs in with the new credentials.
		e.call("PATCH", "/api/collections/users/records/"+mxUserC, m.tokens[pA], map[string]any{
			"email": "c2@test.dev", "password": "password-two-2", "passwordConfirm": "password-two-2", "verified": false,
		}).status(200).has("email", "c2@test.dev").has("verified", false)
		e.login("users", "c2@test.dev", "password-two-2")
		// B, not a manager, cannot even reach C; on itself it needs oldPassword.
		e.call("PATCH", "/api/collections/users/records/"+mxUserC, m.tokens[pB], map[string]any{"name": "x"}).status(404)
		e.call("PATCH", "/api/collections/users/records/"+mxUserB, m.tokens[pB], map[string]any{
			"password": "password-two-2", "passwordConfirm": "password-two-2"}).status(400).fieldCode("oldPassword", "validation_required")
		e.call("PATCH", "/api/collections/users/records/"+mxUserB, m.tokens[pB], map[string]any{"email": "b2@test.dev"}).
			status(400).fieldCode("email", "validation_values_mismatch")
	})
}

// TestAccessCreateRuleSeesUnverified: the create rule of an auth
// collection sees the would-be record with verified forced to false
// (§1.8); a manager's verified=true is applied after it.
func TestAccessCreateRuleSeesUnverified(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		m := newMatrix(e)
		path := "/api/collections/users/records"
		e.su("PATCH", "/api/collections/users", map[string]any{"createRule": "verified = false"}).status(200)
		m.call("POST", path, m.tokens[pA], m.fill(mxNewUser(map[string]any{"verified": true}))).status(200).has("verified", true)
		m.call("POST", path, m.tokens[pImp], m.fill(mxNewUser(map[string]any{"verified": true}))).status(200).has("verified", true)
		m.call("POST", path, m.tokens[pB], m.fill(mxNewUser(map[string]any{"verified": true}))).status(400).
			fieldCode("verified", "validation_values_mismatch")
		m.call("POST", path, "", m.fill(mxNewUser(nil))).status(200).has("verified", false)
		e.su("PATCH", "/api/collections/users", map[string]any{"createRule": "verified = true"}).status(200)
		m.call("POST", path, m.tokens[pA], m.fill(mxNewUser(map[string]any{"verified": true}))).status(400).
			has("message", "Failed to create record.")
		m.call("POST", path, m.tokens[pSU], m.fill(mxNewUser(map[string]any{"verified": true}))).status(200).has("verified", true)
	})
}
