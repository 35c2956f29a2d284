package filter

import (
	"time"

	"github.com/plinthdb/plinth/core"
)

// The test schema: posts has a field of every type, users is an auth
// collection, comments gives a back-relation, profiles a unique one.

func testSchema() *core.Schema {
	f := func(name, typ string, opts ...func(*core.Field)) *core.Field {
		fl := &core.Field{ID: core.DefaultFieldID(typ, name), Name: name, Type: typ}
		for _, o := range opts {
			o(fl)
		}
		return fl
	}
	id := f("id", core.FieldText, func(f *core.Field) { f.PrimaryKey, f.System = true, true })
	hidden := func(f *core.Field) { f.Hidden = true }
	multi := func(n int) func(*core.Field) { return func(f *core.Field) { f.MaxSelect = n } }
	rel := func(coll string, n int) func(*core.Field) {
		return func(f *core.Field) { f.CollectionID, f.MaxSelect = coll, n }
	}
	clone := func(fl *core.Field) *core.Field { return fl.Clone() }

	orgs := &core.Collection{ID: "pbc_orgs", Name: "orgs", Type: core.TypeBase, ListRule: core.String(""),
		Fields: []*core.Field{clone(id), f("title", core.FieldText), f("owner", core.FieldRelation, rel("_pb_users_auth_", 1)),
			f("secret", core.FieldText, hidden)}}
	users := &core.Collection{ID: "_pb_users_auth_", Name: "users", Type: core.TypeAuth,
		ListRule: core.String("verified = true || id = @request.auth.id"),
		Fields: []*core.Field{clone(id),
			f("email", core.FieldEmail), f("emailVisibility", core.FieldBool), f("verified", core.FieldBool),
			f("password", core.FieldPassword, hidden), f("tokenKey", core.FieldText, hidden),
			f("name", core.FieldText), f("age", core.FieldNumber), f("org", core.FieldRelation, rel("pbc_orgs", 1)),
			f("roles", core.FieldSelect, multi(3), func(f *core.Field) { f.Values = []string{"admin", "editor", "viewer"} }),
			f("avatar", core.FieldFile, multi(1)), f("prefs", core.FieldJSON)}}
	posts := &core.Collection{ID: "pbc_posts", Name: "posts", Type: core.TypeBase, ListRule: core.String(""),
		Fields: []*core.Field{clone(id),
			f("title", core.FieldText), f("body", core.FieldEditor), f("views", core.FieldNumber),
			f("published", core.FieldBool), f("status", core.FieldSelect, multi(1), func(f *core.Field) { f.Values = []string{"draft", "live"} }),
			f("tags", core.FieldSelect, multi(5), func(f *core.Field) { f.Values = []string{"a", "b", "c", "go", "sql"} }),
			f("author", core.FieldRelation, rel("_pb_users_auth_", 1)), f("readers", core.FieldRelation, rel("_pb_users_auth_", 10)),
			f("cover", core.FieldFile, multi(1)), f("attachments", core.FieldFile, multi(5)),
			f("meta", core.FieldJSON), f("loc", core.FieldGeoPoint), f("link", core.FieldURL), f("contact", core.FieldEmail),
			f("due", core.FieldDate), f("secret", core.FieldText, hidden),
			f("created", core.FieldAutodate, func(f *core.Field) { f.OnCreate = true }),
			f("updated", core.FieldAutodate, func(f *core.Field) { f.OnCreate, f.OnUpdate = true, true })}}
	comments := &core.Collection{ID: "pbc_comments", Name: "comments", Type: core.TypeBase, ListRule: nil,
		Fields: []*core.Field{clone(id), f("post", core.FieldRelation, rel("pbc_posts", 1)), f("message", core.FieldText),
			f("author", core.FieldRelation, rel("_pb_users_auth_", 1))}}
	profiles := &core.Collection{ID: "pbc_profiles", Name: "profiles", Type: core.TypeBase, ListRule: core.String(""),
		Fields:  []*core.Field{clone(id), f("user", core.FieldRelation, rel("_pb_users_auth_", 1)), f("bio", core.FieldText)},
		Indexes: []string{"CREATE UNIQUE INDEX `idx_profiles_user` ON `profiles` (`user`)"}}
	members := &core.Collection{ID: "pbc_members", Name: "members", Type: core.TypeBase, ListRule: core.String(""),
		Fields: []*core.Field{clone(id), f("user", core.FieldRelation, rel("_pb_users_auth_", 1)),
			f("org", core.FieldRelation, rel("pbc_orgs", 1)), f("role", core.FieldText)}}
	return core.NewSchema(7, []*core.Collection{users, orgs, posts, comments, profiles, members})
}

var testNow = time.Date(2024, 3, 15, 10, 30, 45, 123e6, time.UTC)

func testRequest(s *core.Schema) *Request {
	users := s.Find("users")
	auth := core.NewRecord(users)
	auth.Values["id"] = "u1"
	auth.Values["email"] = "u1@example.com"
	auth.Values["verified"] = true
	auth.Values["name"] = "Ann"
	auth.Values["age"] = float64(30)
	auth.Values["org"] = "o1"
	auth.Values["roles"] = []string{"admin", "editor"}
	auth.Values["prefs"] = []byte(`{"theme":"dark","n":3}`)
	return &Request{
		Now:     testNow,
		Method:  "post",
		Context: "default",
		Headers: map[string]string{"x_token": "abc"},
		Query:   map[string]string{"page": "2", "q": "Hello"},
		Body: map[string]any{
			"title": "New", "views": "12", "published": true, "tags": []string{"a", "go"},
			"author": "u2", "readers": []string{"u1", "u3"}, "meta": map[string]any{"a": []any{1.0, 2.0}}, "status": "",
		},
		Auth: auth,
	}
}
