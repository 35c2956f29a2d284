package api_test

import (
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// The rule language of §5 through the API on both stores: one test per
// feature, with real records, expected results written out by hand.

// rlEnv is the matrix helpers plus a few for rule tests.
type rlEnv struct{ *mxEnv }

func newRL(e *authEnv) *rlEnv { return &rlEnv{&mxEnv{authEnv: e}} }

// setRules patches rule slots of a collection as the superuser.
func (r *rlEnv) setRules(coll string, rules map[string]any) {
	r.t.Helper()
	r.su("PATCH", "/api/collections/"+coll, rules).status(200)
}

// user creates a users record and signs it in.
func (r *rlEnv) user(email string, extra map[string]any) (string, string) {
	r.t.Helper()
	body := map[string]any{"email": email, "password": "password-one-1", "passwordConfirm": "password-one-1"}
	for k, v := range extra {
		body[k] = v
	}
	id := r.rec("users", body)
	return id, r.login("users", email, "password-one-1")
}

// addUserFields appends fields to the users collection.
func (r *rlEnv) addUserFields(fields ...map[string]any) {
	r.t.Helper()
	list := r.su("GET", "/api/collections/users", nil).status(200).get("fields").([]any)
	for _, f := range fields {
		list = append(list, f)
	}
	r.su("PATCH", "/api/collections/users", map[string]any{"fields": list}).status(200)
}

// names lists coll as token (with an optional query) and returns the
// "name" of every visible record, sorted; it fails unless the answer is 200.
func (r *rlEnv) names(coll, token, query string) []string {
	r.t.Helper()
	res := r.call("GET", "/api/collections/"+coll+"/records?perPage=500&"+query, token, nil).status(200)
	out := []string{}
	for _, it := range res.get("items").([]any) {
		out = append(out, it.(map[string]any)["name"].(string))
	}
	sort.Strings(out)
	return out
}

// sees asserts that listing coll as token shows exactly want.
func (r *rlEnv) sees(what, coll, token, query string, want ...string) {
	r.t.Helper()
	got := r.names(coll, token, query)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		r.t.Errorf("%s: sees %v, want %v", what, got, want)
	}
}

// listRule sets coll's list rule and checks what token sees.
func (r *rlEnv) listRule(coll, rule, token string, want ...string) {
	r.t.Helper()
	r.setRules(coll, map[string]any{"listRule": rule})
	r.sees(rule, coll, token, "", want...)
}

func rlSelect(name string, maxSelect int, values ...string) map[string]any {
	return map[string]any{"name": name, "type": "select", "maxSelect": maxSelect, "values": values}
}

func rlField(name, typ string) map[string]any { return map[string]any{"name": name, "type": typ} }

func rlMultiRel(name, collectionID string, maxSelect int) map[string]any {
	return map[string]any{"name": name, "type": "relation", "collectionId": collectionID, "maxSelect": maxSelect}
}

// TestRuleAuthFields: @request.auth.* reads every field of the caller,
// hidden ones included, and walks relations from the auth record.
func TestRuleAuthFields(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		orgs := r.col(mxDef("orgs", mxRules(""), mxText("name")))
		acme := r.rec("orgs", map[string]any{"name": "acme"})
		teams := r.col(mxDef("teams", mxRules(""), mxText("name"), mxRel("org", orgs)))
		red := r.rec("teams", map[string]any{"name": "red", "org": acme})
		blue := r.rec("teams", map[string]any{"name": "blue"})
		green := r.rec("teams", map[string]any{"name": "green"})
		r.addUserFields(mxRel("team", teams), rlMultiRel("groups", teams, 5), rlField("level", "number"),
			map[string]any{"name": "code", "type": "text", "hidden": true})
		_, t1 := r.user("u1@test.dev", map[string]any{"name": "U1", "team": red, "groups": []string{red, green},
			"level": 5, "code": "s3", "verified": true})
		_, t2 := r.user("u2@test.dev", map[string]any{"name": "U2", "team": blue, "groups": []string{green}, "level": 1})
		_, t3 := r.user("u3@test.dev", map[string]any{"name": "U3"})
		r.col(mxDef("staff", nil, mxText("name")).with("type", "auth"))
		r.rec("staff", map[string]any{"email": "s@test.dev", "password": "password-one-1", "passwordConfirm": "password-one-1", "name": "S"})
		ts := r.login("staff", "s@test.dev", "password-one-1")

		r.col(mxDef("boards", mxRules(""), mxText("name")))
		r.rec("boards", map[string]any{"name": "b1"})
		r.rec("boards", map[string]any{"name": "b2"})

		r.listRule("boards", `@request.auth.team.name = "red"`, t1, "b1", "b2")
		r.listRule("boards", `@request.auth.team.name = "red"`, t2)
		r.listRule("boards", `@request.auth.team.name = "red"`, t3)
		r.listRule("boards", `@request.auth.team.name = "red"`, "")
		r.listRule("boards", `@request.auth.team.org.name = "acme"`, t1, "b1", "b2")
		r.listRule("boards", `@request.auth.team.org.name = "acme"`, t2)
		// A path that does not exist on the caller's collection is NULL.
		r.listRule("boards", `@request.auth.team.name = ""`, ts, "b1", "b2")
		r.listRule("boards", `@request.auth.team.name = ""`, t3, "b1", "b2")
		// Multi relations from the auth record: any vs all.
		r.listRule("boards", `@request.auth.groups.name ?= "green"`, t1, "b1", "b2")
		r.listRule("boards", `@request.auth.groups.name = "green"`, t1)
		r.listRule("boards", `@request.auth.groups.name = "green"`, t2, "b1", "b2")
		r.listRule("boards", `@request.auth.groups:length = 2`, t1, "b1", "b2")
		r.listRule("boards", `@request.auth.groups:length = 2`, t2)
		// Hidden fields, numbers, bools, email, collection name.
		r.listRule("boards", `@request.auth.code = "s3"`, t1, "b1", "b2")
		r.listRule("boards", `@request.auth.code = "s3"`, t2)
		r.listRule("boards", `@request.auth.level >= 3`, t1, "b1", "b2")
		r.listRule("boards", `@request.auth.level >= 3`, t2)
		r.listRule("boards", `@request.auth.verified = true`, t1, "b1", "b2")
		r.listRule("boards", `@request.auth.email = "u2@test.dev"`, t2, "b1", "b2")
		r.listRule("boards", `@request.auth.collectionName = "staff"`, ts, "b1", "b2")
		r.listRule("boards", `@request.auth.collectionName = "staff"`, t1)
		r.listRule("boards", `@request.auth.collectionId = "_pb_users_auth_"`, t1, "b1", "b2")
		// Relation paths from the auth record may meet the record's own fields.
		r.setRules("boards", map[string]any{"listRule": "", "viewRule": "", "createRule": ""})
		fields := r.su("GET", "/api/collections/boards", nil).status(200).get("fields").([]any)
		r.su("PATCH", "/api/collections/boards", map[string]any{"fields": append(fields, mxRel("team", teams))}).status(200)
		r.rec("boards", map[string]any{"name": "b3", "team": red})
		r.rec("boards", map[string]any{"name": "b4", "team": blue})
		r.listRule("boards", `team.org = @request.auth.team.org && team != ""`, t1, "b3")
		r.listRule("boards", `team = @request.auth.team`, t2, "b4")
		r.listRule("boards", `@request.auth.groups.id ?= team`, t1, "b3")
		_ = green
	})
}

// TestRuleRequestBody: @request.body with :isset, :changed, :length,
// :each, :lower, modifier keys resolved, relation paths, JSON paths and
// multipart numbers (§5.4).
func TestRuleRequestBody(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		const usersID = "_pb_users_auth_"
		ann, _ := r.user("ann@test.dev", map[string]any{"name": "Ann"})
		bob, _ := r.user("bob@test.dev", map[string]any{"name": "Bob"})
		r.col(mxDef("posts", mxRules(""), mxText("name"), rlSelect("tags", 4, "a", "b", "c", "d"),
			rlSelect("status", 1, "draft", "live"), rlField("n", "number"), rlField("meta", "json"),
			rlMultiRel("readers", usersID, 5), mxRel("owner", usersID)))

		type bodyCase struct {
			rule string
			body any // map or url.Values (multipart-like form)
			want int
		}
		creates := []bodyCase{
			{`@request.body.name:isset = true`, map[string]any{"name": ""}, 200},
			{`@request.body.name:isset = true`, map[string]any{}, 400},
			{`@request.body.name:isset = false`, map[string]any{"n": 1}, 200},
			{`@request.body.name:isset = false`, map[string]any{"name": "x"}, 400},
			{`@request.body.tags:length = 2`, map[string]any{"tags": []string{"a", "b"}}, 200},
			{`@request.body.tags:length = 2`, map[string]any{"tags": []string{"a"}}, 400},
			{`@request.body.tags:length = 2`, map[string]any{"tags+": []string{"a", "b"}}, 200},
			{`@request.body.tags:length = 2`, map[string]any{"tags": []string{"a", "b", "c"}, "tags-": "c"}, 200},
			{`@request.body.tags:length = 0`, map[string]any{}, 200},
			{`@request.body.status:length = 1`, map[string]any{"status": "live"}, 200},
			{`@request.body.status:length = 1`, map[string]any{"status": ""}, 400},
			{`@request.body.tags:each ?= "c"`, map[string]any{"tags": []string{"a", "c"}}, 200},
			{`@request.body.tags:each ?= "c"`, map[string]any{"tags": []string{"a", "b"}}, 400},
			{`@request.body.tags:each != "d"`, map[string]any{"tags": []string{"a", "b"}}, 200},
			{`@request.body.tags:each != "d"`, map[string]any{"tags": []string{"a", "d"}}, 400},
			{`@request.body.tags:each != "d"`, map[string]any{"tags": []string{}}, 200},
			{`@request.body.tags:each = "a"`, map[string]any{"tags": []string{"a"}}, 200},
			{`@request.body.tags:each = "a"`, map[string]any{"tags": []string{"a", "b"}}, 400},
			{`@request.body.name:lower = "hello"`, map[string]any{"name": "HeLLo"}, 200},
			{`@request.body.name:lower = "hello"`, map[string]any{"name": "help"}, 400},
			{`@request.body.n > 5`, map[string]any{"n": 6}, 200},
			{`@request.body.n > 5`, map[string]any{"n": 5}, 400},
			{`@request.body.n > 9`, url.Values{"n": {"10"}}, 200}, // compared as a number, not "10" < "9"
			{`@request.body.n = 10`, url.Values{"n": {"10"}}, 200},
			{`@request.body.meta.a.1 = 2`, map[string]any{"meta": map[string]any{"a": []any{1, 2}}}, 200},
			{`@request.body.meta.a.1 = 2`, map[string]any{"meta": map[string]any{"a": []any{2}}}, 400},
			{`@request.body.extra = "x"`, map[string]any{"extra": "x"}, 200},
			{`@request.body.extra = "x"`, map[string]any{"extra": "y"}, 400},
			{`@request.body.missing = null && @request.body.missing = ""`, map[string]any{}, 200},
			{`@request.body.readers.name ?= "Bob"`, map[string]any{"readers": []string{ann, bob}}, 200},
			{`@request.body.readers.name ?= "Bob"`, map[string]any{"readers": []string{ann}}, 400},
			{`@request.body.readers.name = "Ann"`, map[string]any{"readers": []string{ann, bob}}, 400},
			{`@request.body.owner.name = "Ann"`, map[string]any{"owner": ann}, 200},
			{`@request.body.owner.name = "Ann"`, map[string]any{"owner": bob}, 400},
			{`@request.body.owner = owner && owner = "` + bob + `"`, map[string]any{"owner": bob}, 200},
			// The create rule also sees the would-be record.
			{`name = "x" && tags:length = 1`, map[string]any{"name": "x", "tags": "b"}, 200},
			{`name = "x" && tags:length = 1`, map[string]any{"name": "x", "tags": []string{"a", "b"}}, 400},
		}
		for _, c := range creates {
			r.setRules("posts", map[string]any{"createRule": c.rule})
			res := r.call("POST", "/api/collections/posts/records", "", c.body)
			if res.code != c.want {
				t.Errorf("create %s with %v: status %d, want %d; %s", c.rule, c.body, res.code, c.want, res.raw)
			}
		}

		updates := []bodyCase{
			{`@request.body.name:changed = false`, map[string]any{"name": "orig"}, 200},
			{`@request.body.name:changed = false`, map[string]any{"name": "new"}, 404},
			{`@request.body.name:changed = false`, map[string]any{}, 200},
			{`@request.body.name:changed = true`, map[string]any{"name": "new"}, 200},
			{`@request.body.tags:changed = true`, map[string]any{"tags": []string{"a"}}, 404},
			{`@request.body.tags:changed = true`, map[string]any{"tags": []string{"a", "b"}}, 200},
			{`@request.body.tags:changed = true`, map[string]any{"tags+": "b"}, 200},
			{`@request.body.tags:changed = true`, map[string]any{"tags+": "a"}, 404},
			{`@request.body.n:changed = false`, map[string]any{"n": 1}, 200},
			{`@request.body.n:changed = false`, map[string]any{"n": "1"}, 200},
			{`@request.body.n:changed = false`, map[string]any{"n+": 1}, 404},
			{`@request.body.meta:changed = false`, map[string]any{"meta": map[string]any{"k": 1}}, 200},
			{`@request.body.meta:changed = true`, map[string]any{"meta": map[string]any{"k": 2}}, 200},
			{`@request.body.owner:changed = false`, map[string]any{"owner": ann}, 200},
			{`@request.body.owner:changed = false`, map[string]any{"owner": bob}, 404},
			{`@request.body.tags:each ?= "d" && tags:each ?= "a"`, map[string]any{"tags": []string{"d"}}, 200},
			{`@request.body.name != name`, map[string]any{"name": "orig"}, 404},
			{`@request.body.name != name`, map[string]any{"name": "other"}, 200},
		}
		for _, c := range updates {
			r.setRules("posts", map[string]any{"updateRule": c.rule})
			id := r.rec("posts", map[string]any{"name": "orig", "tags": []string{"a"}, "n": 1, "meta": map[string]any{"k": 1}, "owner": ann})
			res := r.call("PATCH", "/api/collections/posts/records/"+id, "", c.body)
			if res.code != c.want {
				t.Errorf("update %s with %v: status %d, want %d; %s", c.rule, c.body, res.code, c.want, res.raw)
			}
		}

		// :length and :each on a text body field, and :changed outside the
		// body, are refused when the rule is saved.
		for _, bad := range []string{`@request.body.name:length > 1`, `@request.body.name:each = "a"`,
			`@request.auth.id:changed = true`, `@request.body.extra:changed = true`, `name:foo = 1`} {
			r.su("PATCH", "/api/collections/posts", map[string]any{"createRule": bad}).status(400).
				fieldCode("createRule", "validation_invalid_rule")
		}
	})
}

// TestRuleRequestQueryHeadersMethodContext: @request.query, .headers
// (snake_cased names), .method and .context.
func TestRuleRequestQueryHeadersMethodContext(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		enableBatch(e.env, 10, 3)
		r.col(mxDef("gates", mxRules(""), mxText("name")))
		g1 := r.rec("gates", map[string]any{"name": "g1"})
		r.rec("gates", map[string]any{"name": "g2"})

		r.setRules("gates", map[string]any{"listRule": `@request.query.key = "open"`})
		r.sees("query", "gates", "", "key=open", "g1", "g2")
		r.sees("query other", "gates", "", "key=shut")
		r.sees("query missing", "gates", "", "")
		r.setRules("gates", map[string]any{"listRule": `@request.query.key:lower = "open"`})
		r.sees("query lower", "gates", "", "key=OPEN", "g1", "g2")
		r.setRules("gates", map[string]any{"listRule": `@request.query.key:isset = true`})
		r.sees("query isset", "gates", "", "key=", "g1", "g2")
		r.sees("query not set", "gates", "", "other=1")

		path := "/api/collections/gates/records/" + g1
		r.setRules("gates", map[string]any{"viewRule": `@request.headers.x_api_key = "k1"`})
		r.callWith("GET", path, "", map[string]string{"X-Api-Key": "k1"}, nil).status(200)
		r.callWith("GET", path, "", map[string]string{"x-api-key": "k1"}, nil).status(200)
		r.callWith("GET", path, "", map[string]string{"X-Api-Key": "k2"}, nil).status(404)
		r.callWith("GET", path, "", nil, nil).status(404)
		r.setRules("gates", map[string]any{"viewRule": `@request.headers.x_api_key:isset = false && @request.headers.user_agent != ""`})
		r.callWith("GET", path, "", nil, nil).status(200)
		r.callWith("GET", path, "", map[string]string{"X-Api-Key": ""}, nil).status(404)
		// The header name in a rule is matched case-insensitively.
		r.setRules("gates", map[string]any{"viewRule": `@request.headers.X_Api_Key = "k1"`})
		r.callWith("GET", path, "", map[string]string{"X-Api-Key": "k1"}, nil).status(200)

		r.setRules("gates", map[string]any{"viewRule": `@request.method = "GET"`, "updateRule": `@request.method = "PATCH"`,
			"deleteRule": `@request.method = "PATCH"`})
		r.call("GET", path, "", nil).status(200)
		r.call("PATCH", path, "", map[string]any{"name": "g1"}).status(200)
		r.call("DELETE", path, "", nil).status(404)
		r.setRules("gates", map[string]any{"viewRule": `@request.method:lower = "get"`})
		r.call("GET", path, "", nil).status(200)

		// context: default for plain calls, batch inside a batch, expand
		// while expanding.
		r.setRules("gates", map[string]any{"createRule": `@request.context = "default"`, "updateRule": `@request.context = "batch"`})
		r.call("POST", "/api/collections/gates/records", "", map[string]any{"name": "g3"}).status(200)
		r.call("PATCH", path, "", map[string]any{"name": "g1"}).status(404)
		r.call("POST", "/api/batch", "", batch(batchReq("PATCH", "/api/collections/gates/records/"+g1, map[string]any{"name": "g1b"}))).status(200)
		r.call("POST", "/api/batch", "", batch(batchReq("POST", "/api/collections/gates/records", map[string]any{"name": "g4"}))).status(400)
		r.su("GET", path, nil).status(200).has("name", "g1b")
		r.setRules("gates", map[string]any{"createRule": `@request.method = "POST" && @request.headers.x_item = "yes"`})
		item := batchReq("POST", "/api/collections/gates/records", map[string]any{"name": "g5"})
		item["headers"] = map[string]any{"X-Item": "yes"}
		r.call("POST", "/api/batch", "", batch(item)).status(200)

		gatesID := r.su("GET", "/api/collections/gates", nil).status(200).str("id")
		r.col(mxDef("doors", mxRules(""), mxText("name"), mxRel("gate", gatesID)))
		door := r.rec("doors", map[string]any{"name": "d1", "gate": g1})
		r.setRules("gates", map[string]any{"viewRule": `@request.context = "expand"`})
		r.call("GET", path, "", nil).status(404)
		r.call("GET", "/api/collections/doors/records/"+door+"?expand=gate", "", nil).status(200).has("expand.gate.id", g1)
		r.setRules("gates", map[string]any{"viewRule": `@request.context != "expand"`})
		r.call("GET", path, "", nil).status(200)
		r.call("GET", "/api/collections/doors/records/"+door+"?expand=gate", "", nil).status(200).absent("expand.gate")
	})
}

// TestRuleCollectionJoins: @collection joins share one row per
// collection and alias, and aliases give independent rows (§5.5).
func TestRuleCollectionJoins(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		const usersID = "_pb_users_auth_"
		u1, t1 := r.user("u1@test.dev", nil)
		u2, t2 := r.user("u2@test.dev", nil)
		teams := r.col(mxDef("teams", mxRules(""), mxText("name")))
		red := r.rec("teams", map[string]any{"name": "red"})
		blue := r.rec("teams", map[string]any{"name": "blue"})
		grey := r.rec("teams", map[string]any{"name": "grey"})
		memberships := r.col(mxDef("memberships", mxRules(nil), mxText("name"), mxRel("user", usersID), mxRel("team", teams), mxText("role")))
		// u1: admin of red, member of blue. u2: owner of blue. Nobody in grey.
		r.rec("memberships", map[string]any{"name": "m1", "user": u1, "team": red, "role": "admin"})
		r.rec("memberships", map[string]any{"name": "m2", "user": u1, "team": blue, "role": "member"})
		r.rec("memberships", map[string]any{"name": "m3", "user": u2, "team": blue, "role": "owner"})
		r.col(mxDef("docs", mxRules(""), mxText("name"), mxRel("team", teams)))
		r.rec("docs", map[string]any{"name": "red doc", "team": red})
		r.rec("docs", map[string]any{"name": "blue doc", "team": blue})
		r.rec("docs", map[string]any{"name": "grey doc", "team": grey})

		// One row: the caller must be an admin of the document's team.
		sameRow := `@collection.memberships.user ?= @request.auth.id && @collection.memberships.role ?= "admin" && @collection.memberships.team ?= team`
		r.listRule("docs", sameRow, t1, "red doc")
		r.listRule("docs", sameRow, t2)
		// Two aliases: the caller is an admin somewhere, and the document's
		// team has an owner; the rows may differ.
		twoRows := `@collection.memberships:me.user ?= @request.auth.id && @collection.memberships:me.role ?= "admin" && ` +
			`@collection.memberships:other.team ?= team && @collection.memberships:other.role ?= "owner"`
		r.listRule("docs", twoRows, t1, "blue doc")
		r.listRule("docs", twoRows, t2)
		// The same condition on one alias cannot hold (admin and owner on one row).
		oneAlias := strings.ReplaceAll(twoRows, ":other", ":me")
		r.listRule("docs", oneAlias, t1)
		// By id, and with a relation path from the joined row.
		r.listRule("docs", `@collection.`+memberships+`.team.name ?= "blue" && @collection.`+memberships+`.user ?= @request.auth.id && @collection.`+memberships+`.team ?= team`,
			t2, "blue doc")
		// Without "?" the condition must hold for every row of the collection.
		r.listRule("docs", `@collection.memberships.role != "guest"`, "", "red doc", "blue doc", "grey doc")
		r.listRule("docs", `@collection.memberships.role = "admin"`, "")
		r.listRule("docs", `@collection.memberships.role ?= "admin"`, "", "red doc", "blue doc", "grey doc")
		// An empty joined collection still lets "?=" fail and "!=" pass.
		r.col(mxDef("empty", mxRules(nil), mxText("name")))
		r.listRule("docs", `@collection.empty.name ?= "x"`, "")
		r.listRule("docs", `@collection.empty.name != "x"`, "", "red doc", "blue doc", "grey doc")
	})
}

// TestRuleBackRelations: <collection>_via_<field> in rules and filters.
func TestRuleBackRelations(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		const usersID = "_pb_users_auth_"
		u1, t1 := r.user("u1@test.dev", map[string]any{"name": "U1"})
		u2, t2 := r.user("u2@test.dev", map[string]any{"name": "U2"})
		posts := r.col(mxDef("posts", mxRules(""), mxText("name")))
		p1 := r.rec("posts", map[string]any{"name": "p1"})
		p2 := r.rec("posts", map[string]any{"name": "p2"})
		r.rec("posts", map[string]any{"name": "p3"})
		r.col(mxDef("comments", mxRules(nil), mxText("name"), mxRel("post", posts), mxRel("author", usersID)))
		r.rec("comments", map[string]any{"name": "c1", "post": p1, "author": u1})
		r.rec("comments", map[string]any{"name": "great c2", "post": p1, "author": u2})
		r.rec("comments", map[string]any{"name": "c3", "post": p2, "author": u2})

		r.listRule("posts", `comments_via_post.author ?= @request.auth.id`, t1, "p1")
		r.listRule("posts", `comments_via_post.author ?= @request.auth.id`, t2, "p1", "p2")
		// All comments by the caller (p3 has none: its one NULL element is not u2).
		r.listRule("posts", `comments_via_post.author = @request.auth.id`, t2, "p2")
		r.listRule("posts", `comments_via_post.author.name ?= "U1"`, "", "p1")
		r.listRule("posts", `comments_via_post.id = ""`, "", "p3")
		r.listRule("posts", `comments_via_post.id != ""`, "", "p1", "p2")
		// A bare back-relation stands for the ids of its records.
		r.listRule("posts", `comments_via_post ?!= ""`, "", "p1", "p2")
		// Client filters through the back-relation obey the comments list
		// rule (null: superusers only).
		r.setRules("posts", map[string]any{"listRule": ""})
		r.call("GET", "/api/collections/posts/records?filter="+url.QueryEscape(`comments_via_post.name ?~ "great"`), t1, nil).status(400)
		r.sees("superuser back filter", "posts", e.token, "filter="+url.QueryEscape(`comments_via_post.name ?~ "great"`), "p1")
		r.setRules("comments", map[string]any{"listRule": `author = @request.auth.id`})
		r.sees("u1 back filter", "posts", t1, "filter="+url.QueryEscape(`comments_via_post.name ?~ "great"`))
		r.sees("u2 back filter", "posts", t2, "filter="+url.QueryEscape(`comments_via_post.name ?~ "great"`), "p1")

		// A back-relation backed by a unique index is single-valued.
		r.col(mxDef("profiles", mxRules(""), mxText("name"), mxRel("user", usersID)).
			with("indexes", []string{"CREATE UNIQUE INDEX idx_profiles_user ON profiles (user)"}))
		r.rec("profiles", map[string]any{"name": "bio one", "user": u1})
		r.setRules("users", map[string]any{"listRule": `profiles_via_user.name = "bio one"`})
		r.sees("unique back-relation", "users", t1, "", "U1")
		r.sees("unique back-relation as another user", "users", t2, "", "U1")
		r.setRules("users", map[string]any{"listRule": `profiles_via_user.name != "bio one"`})
		r.sees("unique back-relation negated", "users", t2, "", "U2")
	})
}

// TestRuleMultiValued: "?" operators need one element, the others all
// of them; a plain multi field is its JSON text (§5.2).
func TestRuleMultiValued(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		const usersID = "_pb_users_auth_"
		ann, _ := r.user("ann@test.dev", map[string]any{"name": "Ann"})
		bob, _ := r.user("bob@test.dev", map[string]any{"name": "Bob"})
		r.col(mxDef("items", mxRules(""), mxText("name"), rlSelect("tags", 3, "a", "b", "c"), rlMultiRel("readers", usersID, 5)))
		r.rec("items", map[string]any{"name": "ab", "tags": []string{"a", "b"}, "readers": []string{ann, bob}})
		r.rec("items", map[string]any{"name": "a", "tags": []string{"a"}, "readers": []string{ann}})
		r.rec("items", map[string]any{"name": "none"})

		for _, c := range []struct {
			rule string
			want []string
		}{
			{`tags:each = "a"`, []string{"a"}},
			{`tags:each ?= "a"`, []string{"a", "ab"}},
			{`tags:each != "b"`, []string{"a", "none"}},
			{`tags:each ?!= "a"`, []string{"ab", "none"}},
			{`tags ?= "a"`, nil},
			{`tags = '["a"]'`, []string{"a"}},
			{`tags ~ "b"`, []string{"ab"}},
			{`tags:length = 0`, []string{"none"}},
			{`tags:length >= 1`, []string{"a", "ab"}},
			{`readers.name = "Ann"`, []string{"a"}},
			{`readers.name ?= "Ann"`, []string{"a", "ab"}},
			{`readers.name ?= "Bob"`, []string{"ab"}},
			{`readers.name ?!= "Ann"`, []string{"ab", "none"}},
			{`readers.name != "Bob"`, []string{"a", "none"}},
			{`readers.name ?~ "o"`, []string{"ab"}},
			{`readers:length = 2`, []string{"ab"}},
			{`readers.id ?= "` + bob + `"`, []string{"ab"}},
			{`readers:each ?= "` + ann + `"`, []string{"a", "ab"}},
			{`readers.name:lower ?= "bob"`, []string{"ab"}},
		} {
			r.listRule("items", c.rule, "", c.want...)
		}
	})
}

// rlClock sets the app clock of an auth env.
func rlClock(e *authEnv, at time.Time) {
	e.clock.mu.Lock()
	e.clock.now = at
	e.clock.mu.Unlock()
}

// TestRuleDateMacros: the date macros follow the app's injected clock.
func TestRuleDateMacros(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		rlClock(e, time.Date(2024, 3, 15, 10, 30, 45, 0, time.UTC)) // a Friday
		r.col(mxDef("events", mxRules(""), mxText("name"), rlField("when", "date")))
		for name, when := range map[string]string{
			"today early":  "2024-03-15 08:00:00.000Z",
			"today late":   "2024-03-15 12:00:00.000Z",
			"yesterday":    "2024-03-14 12:00:00.000Z",
			"february":     "2024-02-10 00:00:00.000Z",
			"last year":    "2023-12-31 23:59:59.999Z",
			"next january": "2025-01-01 00:00:00.000Z",
		} {
			r.rec("events", map[string]any{"name": name, "when": when})
		}
		r.listRule("events", `when > @now`, "", "today late", "next january")
		r.listRule("events", `when >= @todayStart && when <= @todayEnd`, "", "today early", "today late")
		r.listRule("events", `when > @yesterday && when < @tomorrow`, "", "yesterday", "today early", "today late")
		r.listRule("events", `when >= @monthStart && when <= @monthEnd`, "", "yesterday", "today early", "today late")
		r.listRule("events", `when < @yearStart || when > @yearEnd`, "", "last year", "next january")
		r.listRule("events", `@year = 2024 && @month = 3 && @day = 15 && @hour = 10 && @minute = 30 && @second = 45 && @weekday = 5`,
			"", "today early", "today late", "yesterday", "february", "last year", "next january")
		r.listRule("events", `@weekday = 4`, "")
		// The clock moves: a cached rule is bound again for each request.
		r.listRule("events", `when > @now`, "", "today late", "next january")
		rlClock(e, time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC))
		r.sees("after the clock moved", "events", "", "", "next january")
	})
}

// TestRuleStrftime: strftime() over dates, macros and modifiers.
func TestRuleStrftime(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		rlClock(e, time.Date(2024, 3, 15, 10, 30, 45, 0, time.UTC))
		r.col(mxDef("events", mxRules(""), mxText("name"), rlField("when", "date")))
		r.rec("events", map[string]any{"name": "march", "when": "2024-03-15 08:00:00.000Z"})
		r.rec("events", map[string]any{"name": "feb end", "when": "2024-02-29 23:00:00.000Z"})
		r.rec("events", map[string]any{"name": "old", "when": "2019-07-04 00:00:00.000Z"})
		r.rec("events", map[string]any{"name": "undated"})
		r.listRule("events", `strftime("%Y", when) = "2024"`, "", "march", "feb end")
		r.listRule("events", `strftime('%m', when) = strftime('%m', @now)`, "", "march")
		r.listRule("events", `strftime("%Y-%m-%d", when, "+1 day") = "2024-03-01"`, "", "feb end")
		r.listRule("events", `strftime("%w", when) = "4"`, "", "feb end", "old")
		r.listRule("events", `strftime("%H") = "10"`, "", "march", "feb end", "old", "undated")
		r.listRule("events", `strftime("%Y", when) = ""`, "", "undated")
		r.listRule("events", `strftime("%j", when) = "075"`, "", "march")
	})
}

// TestRuleGeoDistance: geoDistance() in km over geoPoint fields.
func TestRuleGeoDistance(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		r.col(mxDef("places", mxRules(""), mxText("name"), rlField("loc", "geoPoint")))
		r.rec("places", map[string]any{"name": "sofia", "loc": map[string]any{"lon": 23.3219, "lat": 42.6977}})
		r.rec("places", map[string]any{"name": "plovdiv", "loc": map[string]any{"lon": 24.7453, "lat": 42.1354}})
		r.rec("places", map[string]any{"name": "london", "loc": map[string]any{"lon": -0.1276, "lat": 51.5072}})
		r.listRule("places", `geoDistance(loc.lon, loc.lat, 23.32, 42.69) < 5`, "", "sofia")
		r.listRule("places", `geoDistance(loc.lon, loc.lat, 23.32, 42.69) < 200`, "", "sofia", "plovdiv")
		r.listRule("places", `geoDistance(loc.lon, loc.lat, 23.32, 42.69) > 1500`, "", "london")
		// Sofia–Plovdiv is about 132 km.
		r.listRule("places", `geoDistance(24.7453, 42.1354, loc.lon, loc.lat) > 125 && geoDistance(24.7453, 42.1354, loc.lon, loc.lat) < 140`, "", "sofia")
		// Request values are numbers when they look like one, else NULL
		// (SQLite's arithmetic alone would read "abc" as 0, i.e. Greenwich).
		r.rec("places", map[string]any{"name": "greenwich", "loc": map[string]any{"lon": 0, "lat": 51.4769}})
		r.setRules("places", map[string]any{"listRule": `geoDistance(loc.lon, loc.lat, @request.query.lon, 51.4769) < 1`})
		r.sees("numeric text", "places", "", "lon=0.001", "greenwich")
		r.sees("padded numeric text", "places", "", "lon=%200.0010", "greenwich")
		r.sees("non-numeric text", "places", "", "lon=abc")
		r.sees("missing", "places", "", "")
	})
}

// TestRuleLike: "~" wraps plain text in %, escapes % and _, and uses a
// value with an unescaped % as the pattern (§5.2).
func TestRuleLike(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		r.col(mxDef("notes", mxRules(""), mxText("name")))
		for _, n := range []string{"100% sure", "100 percent", "a_b", "axb", "Hello World", "o2", "oh no 2", `back\slash`} {
			r.rec("notes", map[string]any{"name": n})
		}
		r.listRule("notes", `name ~ "hello"`, "", "Hello World")
		r.listRule("notes", `name ~ "o%2"`, "", "o2", "oh no 2")
		r.listRule("notes", `name ~ "100\%"`, "", "100% sure")
		r.listRule("notes", `name ~ "100%"`, "", "100% sure", "100 percent")
		r.listRule("notes", `name ~ "a_b"`, "", "a_b")
		r.listRule("notes", `name ~ "a%b"`, "", "a_b", "axb")
		r.listRule("notes", `name !~ "o"`, "", "100% sure", "100 percent", "a_b", "axb", `back\slash`)
		r.listRule("notes", `name ~ "k\\s"`, "", `back\slash`)
		r.listRule("notes", `name ~ 'WORLD'`, "", "Hello World")
		r.listRule("notes", `name ~ ""`, "", "100% sure", "100 percent", "a_b", "axb", "Hello World", "o2", "oh no 2", `back\slash`)
	})
}

// TestRulePrecedence: && binds tighter than ||.
func TestRulePrecedence(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		r.col(mxDef("flags", mxRules(""), mxText("name"), rlField("x", "bool"), rlField("y", "bool"), rlField("z", "bool")))
		r.rec("flags", map[string]any{"name": "x", "x": true})
		r.rec("flags", map[string]any{"name": "yz", "y": true, "z": true})
		r.rec("flags", map[string]any{"name": "y", "y": true})
		r.listRule("flags", `x = true || y = true && z = true`, "", "x", "yz")
		r.listRule("flags", `(x = true || y = true) && z = true`, "", "yz")
		r.listRule("flags", `y = true && z = true || x = true`, "", "x", "yz")
		r.listRule("flags", `y = true && (z = true || x = true)`, "", "yz")
		r.listRule("flags", `x = 1 || y = 1 && z = 0`, "", "x", "y")
	})
}

// TestRuleNullAndEmpty: null and "" are the same value for = and !=.
func TestRuleNullAndEmpty(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		const usersID = "_pb_users_auth_"
		u1, t1 := r.user("u1@test.dev", nil)
		r.col(mxDef("things", mxRules(""), mxText("name"), mxText("label"), rlField("n", "number"), rlField("j", "json"),
			rlField("d", "date"), mxRel("owner", usersID), rlSelect("tags", 2, "a", "b")))
		r.rec("things", map[string]any{"name": "empty"})
		r.rec("things", map[string]any{"name": "full", "label": "L", "j": map[string]any{"k": 1}, "d": "2024-01-01 00:00:00.000Z",
			"owner": u1, "tags": []string{"a"}, "n": 3})
		r.rec("things", map[string]any{"name": "json null text", "j": "null"})
		r.rec("things", map[string]any{"name": "json empty text", "j": ""})

		r.listRule("things", `label = null`, "", "empty", "json null text", "json empty text")
		r.listRule("things", `label = ""`, "", "empty", "json null text", "json empty text")
		r.listRule("things", `label != null`, "", "full")
		r.listRule("things", `null = label`, "", "empty", "json null text", "json empty text")
		r.listRule("things", `owner = null && d = ""`, "", "empty", "json null text", "json empty text")
		// "" sent to a json field is stored as the JSON string "", which
		// reads as the empty text.
		r.su("GET", "/api/collections/things/records?filter="+url.QueryEscape(`name = "json empty text"`), nil).status(200).has("items.0.j", "")
		r.listRule("things", `j = null`, "", "empty", "json null text", "json empty text")
		r.listRule("things", `j != null`, "", "full")
		r.listRule("things", `n = null`, "")
		r.listRule("things", `n != ""`, "", "empty", "full", "json null text", "json empty text")
		r.listRule("things", `null = ""`, "", "empty", "full", "json null text", "json empty text")
		r.listRule("things", `null != null`, "")
		r.listRule("things", `tags:each = null`, "", "empty", "json null text", "json empty text")
		// A guest's @request.auth.id is NULL, so it equals every empty owner.
		r.listRule("things", `owner = @request.auth.id`, "", "empty", "json null text", "json empty text")
		r.listRule("things", `owner = @request.auth.id`, t1, "full")
		r.listRule("things", `@request.auth.id = ""`, "", "empty", "full", "json null text", "json empty text")
		r.listRule("things", `@request.auth.id = ""`, t1)
	})
}

// TestRuleComments: // comments are ignored anywhere but inside text.
func TestRuleComments(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		r.col(mxDef("notes", mxRules(""), mxText("name"), rlField("pub", "bool")))
		r.rec("notes", map[string]any{"name": "a // b", "pub": true})
		r.rec("notes", map[string]any{"name": "plain", "pub": true})
		r.rec("notes", map[string]any{"name": "hidden"})
		r.listRule("notes", "// only published ones\npub = true // trailing\n// the end", "", "a // b", "plain")
		r.listRule("notes", `name = "a // b"`, "", "a // b")
		r.listRule("notes", "pub = true &&\n// name = \"plain\" &&\nname != \"plain\"", "", "a // b")
		// A rule that is only a comment is refused.
		r.su("PATCH", "/api/collections/notes", map[string]any{"listRule": "// nothing"}).status(400).
			fieldCode("listRule", "validation_invalid_rule")
		r.call("GET", "/api/collections/notes/records?filter="+url.QueryEscape("// nothing"), "", nil).status(400)
		r.setRules("notes", map[string]any{"listRule": ""})
		r.sees("filter with comment", "notes", "", "filter="+url.QueryEscape("pub = true // comment"), "a // b", "plain")
	})
}

// TestClientFilterRestrictions: @collection and @request are for
// superusers only in filter and sort (403); hidden fields are usable in
// rules but not in client filters or sorts (400).
func TestClientFilterRestrictions(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		_, t1 := r.user("u1@test.dev", nil)
		r.col(mxDef("notes", mxRules(""), mxText("name"), map[string]any{"name": "code", "type": "text", "hidden": true}))
		r.rec("notes", map[string]any{"name": "open", "code": "open"})
		r.rec("notes", map[string]any{"name": "shut", "code": "shut"})
		list := "/api/collections/notes/records?"
		for _, token := range []string{"", t1} {
			r.call("GET", list+"filter="+url.QueryEscape(`@request.auth.id != ""`), token, nil).status(403).
				has("message", "Only superusers can filter by @request.")
			r.call("GET", list+"filter="+url.QueryEscape(`name = "open" || @request.method = "GET"`), token, nil).status(403).
				has("message", "Only superusers can filter by @request.")
			r.call("GET", list+"filter="+url.QueryEscape(`@collection.notes.name ?= "open"`), token, nil).status(403).
				has("message", "Only superusers can filter by @collection.")
			r.call("GET", list+"sort="+url.QueryEscape(`@request.auth.id`), token, nil).status(403)
			r.call("GET", list+"sort="+url.QueryEscape(`@collection.notes.name`), token, nil).status(403)
			r.call("GET", list+"filter="+url.QueryEscape(`code = "open"`), token, nil).status(400)
			r.call("GET", list+"sort=code", token, nil).status(400)
			// Hidden fields are never serialized for them either.
			r.call("GET", list, token, nil).status(200).absent("items.0.code")
		}
		r.sees("superuser @request", "notes", e.token, "filter="+url.QueryEscape(`@request.auth.id != "" && name = "open"`), "open")
		r.sees("superuser @collection", "notes", e.token, "filter="+url.QueryEscape(`@collection.notes.name ?= "shut" && name = "shut"`), "shut")
		r.sees("superuser hidden", "notes", e.token, "filter="+url.QueryEscape(`code = "shut"`), "shut")
		r.su("GET", list+"sort=-code", nil).status(200).has("items.0.name", "shut").has("items.0.code", "shut")
		// Rules may use the hidden field.
		r.listRule("notes", `code = "open"`, "", "open")
		r.listRule("notes", `code = "open"`, t1, "open")
		r.setRules("notes", map[string]any{"viewRule": `code = @request.query.c`})
		id := r.su("GET", list+"filter="+url.QueryEscape(`code="shut"`), nil).status(200).str("items.0.id")
		r.call("GET", "/api/collections/notes/records/"+id+"?c=shut", "", nil).status(200).absent("code")
		r.call("GET", "/api/collections/notes/records/"+id+"?c=open", "", nil).status(404)
	})
}

// TestFilterThroughRelationObeysListRule: a client filter that enters
// another collection sees only the rows the caller may list there, with
// that list rule bound to the caller (§4.1); the collection's own rule
// does not.
func TestFilterThroughRelationObeysListRule(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		const usersID = "_pb_users_auth_"
		u1, t1 := r.user("u1@test.dev", map[string]any{"name": "U1", "emailVisibility": false})
		u2, t2 := r.user("u2@test.dev", map[string]any{"name": "U2", "emailVisibility": true})
		authors := r.col(mxDef("authors", mxRules(""), mxText("name"), mxRel("owner", usersID)))
		a1 := r.rec("authors", map[string]any{"name": "Ann", "owner": u1})
		a2 := r.rec("authors", map[string]any{"name": "Ann", "owner": u2})
		r.col(mxDef("books", mxRules(""), mxText("name"), mxRel("author", authors), mxRel("reader", usersID)))
		r.rec("books", map[string]any{"name": "b1", "author": a1, "reader": u1})
		r.rec("books", map[string]any{"name": "b2", "author": a2, "reader": u2})
		q := "filter=" + url.QueryEscape(`author.name = "Ann"`)

		r.sees("open rule", "books", t1, q, "b1", "b2")
		r.setRules("authors", map[string]any{"listRule": `owner = @request.auth.id`})
		r.sees("u1", "books", t1, q, "b1")
		r.sees("u2", "books", t2, q, "b2")
		r.sees("guest", "books", "", q)
		r.sees("superuser", "books", e.token, q, "b1", "b2")
		// author.id needs no join, hence no rule.
		r.sees("id shortcut", "books", t1, "filter="+url.QueryEscape(`author.id = "`+a2+`"`), "b2")
		// The books rule itself may join authors freely.
		r.listRule("books", `author.name = "Ann"`, t1, "b1", "b2")
		r.setRules("books", map[string]any{"listRule": ""})
		r.setRules("authors", map[string]any{"listRule": nil})
		r.call("GET", "/api/collections/books/records?"+q, t1, nil).status(400)
		// Emails through a relation only match where they are visible, and
		// the users list rule applies (default: only oneself).
		r.sees("hidden email via relation", "books", t1, "filter="+url.QueryEscape(`reader.email = "u1@test.dev"`))
		r.setRules("users", map[string]any{"listRule": ""})
		r.sees("visible email via relation", "books", t1, "filter="+url.QueryEscape(`reader.email = "u2@test.dev"`), "b2")
		r.sees("superuser email via relation", "books", e.token, "filter="+url.QueryEscape(`reader.email = "u1@test.dev"`), "b1")
	})
}

// TestFilterEdgeInputsNeverFail: inputs that answered 500 on one engine
// and must behave alike on both: NUL bytes and invalid UTF-8 in filters
// and @request values, strftime shifts far beyond the year range and
// geoDistance of infinite or tiny values (PostgreSQL raised errors),
// equality on a multi field's raw JSON next to :length (SQLite's constant
// propagation fed the literal to json_array_length), and ~ with a value
// longer than SQLite's LIKE pattern limit.
func TestFilterEdgeInputsNeverFail(t *testing.T) {
	eachAuthStore(t, func(t *testing.T, e *authEnv) {
		r := newRL(e)
		r.col(mxDef("items", mxRules(""), mxText("name"), rlSelect("tags", 3, "a", "b", "c"),
			rlField("when", "date"), rlField("loc", "geoPoint")))
		alpha := r.rec("items", map[string]any{"name": "alpha", "tags": []string{"a"}, "when": "2024-05-01 00:00:00.000Z",
			"loc": map[string]any{"lon": 23.3, "lat": 42.7}})
		r.rec("items", map[string]any{"name": "gal", "tags": []string{"a", "b"}, "when": "2024-06-01 00:00:00.000Z"})
		f := func(expr string) string { return "filter=" + url.QueryEscape(expr) }

		r.sees("NUL", "items", "", f("name = \"\x00\""))
		r.sees("NUL not equal", "items", "", f("name != \"\x00\""), "alpha", "gal")
		r.sees("invalid UTF-8", "items", "", "filter=name%3D%22%FF%22")
		r.sees("invalid UTF-8 ordering", "items", "", "filter=name%3C%22%FF%22", "alpha", "gal")
		// LIKE reads its pattern up to the first NUL on both engines.
		r.sees("NUL in a pattern", "items", "", f("name ~ \"al\x00zz\""), "gal")
		r.setRules("items", map[string]any{"listRule": `@request.query.q = name || @request.query.q ~ "%\u0000"`})
		r.sees("NUL in a query value", "items", "", "q=%00")
		r.sees("invalid UTF-8 in a query value", "items", "", "q=%FE%FF")
		r.setRules("items", map[string]any{"updateRule": `@request.body.x = name || @request.body.tags:each ?= "\u0000"`})
		r.call("PATCH", "/api/collections/items/records/"+alpha, "", `{"x":"\u0000","tags":["a"]}`).status(404)
		r.call("PATCH", "/api/collections/items/records/"+alpha, "", `{"x":"alpha"}`).status(200)

		r.setRules("items", map[string]any{"listRule": ""})
		r.sees("strftime years", "items", "", f(`strftime("%Y", when, "+999999999 years") = ""`), "alpha", "gal")
		r.sees("strftime hours", "items", "", f(`strftime("%Y", when, "+99999999999 hours") = ""`), "alpha", "gal")
		r.sees("strftime days", "items", "", f(`strftime("%Y", when, "-2147483647 days") = ""`), "alpha", "gal")
		r.sees("strftime in range", "items", "", f(`strftime("%Y", when, "+1000 years") = "3024"`), "alpha", "gal")

		r.setRules("items", map[string]any{"listRule": `geoDistance(loc.lon, loc.lat, @request.query.lon, 0) >= 0`})
		r.sees("geoDistance infinite", "items", "", "lon=1e400")
		r.sees("geoDistance tiny", "items", "", "lon=1e-320", "alpha", "gal")
		r.sees("geoDistance huge", "items", "", "lon=1e308", "alpha", "gal")
		r.setRules("items", map[string]any{"listRule": ""})

		// SQLite refuses LIKE patterns over 50000 bytes: a clean 400 on both.
		r.setRules("items", map[string]any{"listRule": `name ~ @request.query.q`})
		r.sees("long ~ value", "items", "", "q="+strings.Repeat("l", 40000))
		r.call("GET", "/api/collections/items/records?q="+strings.Repeat("l", 60000), "", nil).status(400)
		r.call("GET", "/api/collections/items/records?q=al", "", nil).status(200).has("totalItems", 2)
		r.setRules("items", map[string]any{"listRule": ""})

		r.sees("raw JSON and length", "items", "", f(`tags = "abc" && tags:length > 0`))
		r.sees("raw JSON and length match", "items", "", f(`tags = '["a"]' && tags:length = 1`), "alpha")
		r.sees("raw JSON and each", "items", "", f(`tags != "x" && tags:length = 2 && tags:each ?= "b"`), "gal")
	})
}
