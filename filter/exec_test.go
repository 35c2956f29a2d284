package filter

import (
	"database/sql"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/store/postgres/pgtest"
	_ "modernc.org/sqlite"
)

// The execution test runs one table of filters against real SQLite and
// PostgreSQL databases holding the same rows, and checks that both return
// exactly the expected records.

type testDB struct {
	db      *sql.DB
	dialect core.Dialect
}

func openSQLite(t *testing.T) *testDB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+t.Name()+"?mode=memory&cache=shared")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	tdb := &testDB{db: db, dialect: core.SQLite}
	tdb.load(t, testSchema())
	return tdb
}

func openPostgres(t *testing.T) *testDB {
	t.Helper()
	db, err := sql.Open("pgx", pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, stmt := range PostgresFunctions() {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("install function: %v\n%s", err, stmt)
		}
	}
	tdb := &testDB{db: db, dialect: core.Postgres}
	tdb.load(t, testSchema())
	return tdb
}

// columnType follows the storage mapping of the brief.
func columnType(d core.Dialect, f *core.Field) string {
	pg := d == core.Postgres
	switch {
	case f.PrimaryKey:
		return "TEXT PRIMARY KEY NOT NULL"
	case f.IsMulti():
		if pg {
			return "JSONB NOT NULL DEFAULT '[]'"
		}
		return "JSON DEFAULT '[]' NOT NULL"
	case f.Type == core.FieldNumber:
		if pg {
			return "DOUBLE PRECISION NOT NULL DEFAULT 0"
		}
		return "NUMERIC DEFAULT 0 NOT NULL"
	case f.Type == core.FieldBool:
		if pg {
			return "BOOLEAN NOT NULL DEFAULT FALSE"
		}
		return "BOOLEAN DEFAULT FALSE NOT NULL"
	case f.Type == core.FieldJSON:
		if pg {
			return "JSONB NULL"
		}
		return "JSON DEFAULT NULL"
	case f.Type == core.FieldGeoPoint:
		if pg {
			return `JSONB NOT NULL DEFAULT '{"lon":0,"lat":0}'`
		}
		return `JSON DEFAULT '{"lon":0,"lat":0}' NOT NULL`
	}
	if pg {
		return "TEXT NOT NULL DEFAULT ''"
	}
	return "TEXT DEFAULT '' NOT NULL"
}

func (tdb *testDB) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := tdb.db.Exec(Rebind(tdb.dialect, q), args...); err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}

func (tdb *testDB) load(t *testing.T, s *core.Schema) {
	t.Helper()
	for _, c := range s.Collections {
		var cols []string
		for _, f := range c.Fields {
			cols = append(cols, quoteIdent(f.Name)+" "+columnType(tdb.dialect, f))
		}
		if tdb.dialect == core.Postgres {
			cols = append(cols, `"_rowid" BIGINT GENERATED ALWAYS AS IDENTITY`)
		}
		tdb.exec(t, "CREATE TABLE "+quoteIdent(c.Name)+" ("+strings.Join(cols, ", ")+")")
	}
	for _, r := range testRows(s) {
		var names, marks []string
		var args []any
		for _, f := range r.Collection.Fields {
			v, ok := r.Values[f.Name]
			if !ok {
				continue
			}
			names = append(names, quoteIdent(f.Name))
			marks = append(marks, "?")
			args = append(args, storageValue(f, v))
		}
		tdb.exec(t, "INSERT INTO "+quoteIdent(r.Collection.Name)+" ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(marks, ", ")+")", args...)
	}
}

func storageValue(f *core.Field, v any) any {
	switch x := v.(type) {
	case []string:
		b, _ := json.Marshal(x)
		return string(b)
	case json.RawMessage:
		if x == nil {
			return nil
		}
		return string(x)
	case core.GeoPoint:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return v
}

func testRows(s *core.Schema) []*core.Record {
	var out []*core.Record
	add := func(coll string, values map[string]any) {
		r := core.NewRecord(s.Find(coll))
		for k, v := range values {
			r.Values[k] = v
		}
		out = append(out, r)
	}
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	add("users", map[string]any{"id": "u1", "email": "u1@x.com", "emailVisibility": true, "verified": true, "name": "Ann",
		"age": 30.0, "org": "o1", "roles": []string{"admin", "editor"}, "prefs": raw(`{"theme":"dark"}`)})
	add("users", map[string]any{"id": "u2", "email": "u2@x.com", "emailVisibility": false, "verified": false, "name": "Bob",
		"age": 25.0, "org": "o2", "roles": []string{"viewer"}})
	add("users", map[string]any{"id": "u3", "email": "u3@x.com", "emailVisibility": true, "verified": true, "name": "ann",
		"age": 40.0, "prefs": raw(`{"theme":"light","n":5}`)})
	add("orgs", map[string]any{"id": "o1", "title": "Acme", "owner": "u1", "secret": "x"})
	add("orgs", map[string]any{"id": "o2", "title": "Beta", "owner": "u2"})
	add("posts", map[string]any{"id": "p1", "title": "Hello World", "body": "<p>x</p>", "views": 10.0, "published": true,
		"status": "live", "tags": []string{"a", "go"}, "author": "u1", "readers": []string{"u1", "u2"}, "cover": "c.png",
		"meta": raw(`{"a":[1,2],"s":"x","n":5}`), "loc": core.GeoPoint{Lon: 23.3, Lat: 42.7}, "link": "https://a.com",
		"contact": "c@x.com", "due": "2024-03-15 08:00:00.000Z", "secret": "s1",
		"created": "2024-03-15 09:00:00.000Z", "updated": "2024-03-15 09:00:00.000Z"})
	add("posts", map[string]any{"id": "p2", "title": "hello go", "views": 5.5, "status": "draft", "tags": []string{"b"},
		"author": "u2", "readers": []string{"u2"}, "meta": raw(`{"a":[3],"s":"Y"}`), "created": "2024-01-01 00:00:00.000Z"})
	add("posts", map[string]any{"id": "p3", "loc": core.GeoPoint{Lon: 23.31, Lat: 42.1}, "created": "2023-06-01 12:00:00.000Z"})
	add("posts", map[string]any{"id": "p4", "title": "100%_sure", "views": 100.0, "published": true, "status": "live",
		"tags": []string{"a", "b", "c"}, "author": "u3", "readers": []string{"u1", "u3"}, "attachments": []string{"x.txt", "y.txt"},
		"meta": raw(`{"a":[1,2,3],"n":"5"}`), "created": "2024-03-14 23:59:59.999Z"})
	add("posts", map[string]any{"id": "p5", "title": "5", "views": 5.0, "published": true, "tags": []string{"sql"},
		"author": "u1", "readers": []string{"u3"}, "meta": raw(`"str"`), "created": "2024-02-29 12:00:00.000Z"})
	add("comments", map[string]any{"id": "c1", "post": "p1", "message": "great post", "author": "u2"})
	add("comments", map[string]any{"id": "c2", "post": "p1", "message": "meh", "author": "u3"})
	add("comments", map[string]any{"id": "c3", "post": "p2", "message": "Great!", "author": "u1"})
	add("profiles", map[string]any{"id": "pr1", "user": "u1", "bio": "hi"})
	add("profiles", map[string]any{"id": "pr2", "user": "u2", "bio": "yo"})
	add("members", map[string]any{"id": "m1", "user": "u1", "org": "o1", "role": "admin"})
	add("members", map[string]any{"id": "m2", "user": "u2", "org": "o1", "role": "member"})
	add("members", map[string]any{"id": "m3", "user": "u1", "org": "o2", "role": "member"})
	return out
}

// execRequest authenticates as the given user id ("" = guest).
func execRequest(s *core.Schema, auth string, body map[string]any) *Request {
	req := &Request{Now: testNow, Method: "PATCH", Context: "default",
		Headers: map[string]string{"x_token": "abc"}, Query: map[string]string{"page": "2"}, Body: body}
	for _, r := range testRows(s) {
		if r.Collection.Name == "users" && r.ID() == auth {
			req.Auth = r
		}
	}
	return req
}

func (tdb *testDB) ids(t *testing.T, coll string, where core.SQL, order []core.SQL) ([]string, error) {
	t.Helper()
	q := "SELECT " + quoteIdent(core.MainAlias) + `."id" FROM ` + quoteIdent(coll) + " " + quoteIdent(core.MainAlias)
	args := append([]any{}, where.Args...)
	if where.Text != "" {
		q += " WHERE " + where.Text
	}
	if len(order) > 0 {
		var terms []string
		for _, o := range order {
			terms = append(terms, o.Text)
			args = append(args, o.Args...)
		}
		q += " ORDER BY " + strings.Join(terms, ", ")
	}
	rows, err := tdb.db.Query(Rebind(tdb.dialect, q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

type execCase struct {
	coll   string // default posts
	src    string
	client bool   // a non-superuser client filter (FilterKind); else a rule
	super  bool   // with client: as superuser
	auth   string // authenticated user id
	body   map[string]any
	want   []string // nil with fail: compile must fail
	fail   bool
}

var all = []string{"p1", "p2", "p3", "p4", "p5"}

var execCases = []execCase{
	{src: `title = "Hello World"`, want: []string{"p1"}},
	{src: `title ~ "hello"`, want: []string{"p1", "p2"}},
	{src: `title !~ "hello"`, want: []string{"p3", "p4", "p5"}},
	{src: `title = ""`, want: []string{"p3"}},
	{src: `title = null`, want: []string{"p3"}},
	{src: `title != ""`, want: []string{"p1", "p2", "p4", "p5"}},
	{src: `title > "hello"`, want: []string{"p2"}},
	{src: `title:lower = "hello go"`, want: []string{"p2"}},
	{src: `title:lower ~ "WORLD"`, want: []string{"p1"}},
	{src: `views > 5`, want: []string{"p1", "p2", "p4"}},
	{src: `views >= 5 && published = true`, want: []string{"p1", "p4", "p5"}},
	{src: `published = true`, want: []string{"p1", "p4", "p5"}},
	{src: `published = 1`, want: []string{"p1", "p4", "p5"}},
	{src: `published != true`, want: []string{"p2", "p3"}},
	{src: `published > 0`, want: []string{"p1", "p4", "p5"}},
	{src: `title = 5`, want: []string{"p5"}},
	{src: `title = 123`, want: []string{}},
	{src: `views = "5"`, want: []string{"p5"}},
	{src: `views = "abc"`, want: []string{}},
	{src: `views < "abc"`, want: all},
	{src: `views = title`, want: []string{"p5"}},
	{src: `title ~ views`, want: []string{"p4", "p5"}},
	{src: `created > 5`, want: []string{}},
	{src: `created < 5`, want: all},
	{src: `status = "live"`, want: []string{"p1", "p4"}},
	{src: `status = ""`, want: []string{"p3", "p5"}},
	{src: `due = ""`, want: []string{"p2", "p3", "p4", "p5"}},
	{src: `title ~ "100%"`, want: []string{"p4"}},
	{src: `title ~ "0\%_"`, want: []string{"p4"}},
	{src: `title ~ "l_o"`, want: []string{}},
	{src: `tags:each ?= "b"`, want: []string{"p2", "p4"}},
	{src: `tags ?= "b"`, want: []string{}},
	{src: `tags ~ "b"`, want: []string{"p2", "p4"}},
	{src: `tags:each != "z"`, want: all},
	{src: `tags:each = "sql"`, want: []string{"p5"}},
	{src: `tags:length = 3`, want: []string{"p4"}},
	{src: `tags:length > 0 && attachments:length = 0`, want: []string{"p1", "p2", "p5"}},
	{src: `status:length = 0`, want: []string{"p3", "p5"}},
	{src: `author.name = "Ann"`, want: []string{"p1", "p5"}},
	{src: `author.name ~ "ann"`, want: []string{"p1", "p4", "p5"}},
	{src: `author.name = ""`, want: []string{"p3"}},
	{src: `author = ""`, want: []string{"p3"}},
	{src: `author.id = "u1"`, want: []string{"p1", "p5"}},
	{src: `author.org.title = "Acme"`, want: []string{"p1", "p5"}},
	{src: `readers.name ?= "Bob"`, want: []string{"p1", "p2"}},
	{src: `readers.name = "Bob"`, want: []string{"p2"}},
	{src: `readers.name ?~ "ann"`, want: []string{"p1", "p4", "p5"}},
	{src: `readers.age > 20`, want: []string{"p1", "p2", "p4", "p5"}},
	{src: `readers.org.title ?= "Beta"`, want: []string{"p1", "p2"}},
	{src: `readers.id ?= @request.auth.id`, auth: "u1", want: []string{"p1", "p4"}},
	{src: `readers:length = 2`, want: []string{"p1", "p4"}},
	{src: `comments_via_post.message ?~ "great"`, want: []string{"p1", "p2"}},
	{src: `comments_via_post.author.name ?= "ann"`, want: []string{"p1"}},
	{src: `meta.a.1 = 2`, want: []string{"p1", "p4"}},
	{src: `meta.s = "x"`, want: []string{"p1"}},
	{src: `meta.n = 5`, want: []string{"p1"}},
	{src: `meta.n = "5"`, want: []string{"p4"}},
	{src: `meta.n > 3`, want: []string{"p1", "p4"}},
	{src: `meta.n < 30`, want: []string{"p1"}},
	{src: `meta = null`, want: []string{"p3"}},
	{src: `meta ~ "str"`, want: []string{"p5"}},
	{src: `meta.a:length = 2`, want: []string{}},
	{src: `loc.lat > 42.5`, want: []string{"p1"}},
	{src: `geoDistance(loc.lon, loc.lat, 23.3, 42.1) < 10`, want: []string{"p3"}},
	{src: `geoDistance(loc.lon, loc.lat, 23.3, 42.1) < 100`, want: []string{"p1", "p3"}},
	{src: `created >= @todayStart && created <= @todayEnd`, want: []string{"p1"}},
	{src: `created > @yesterday`, want: []string{"p1", "p4"}},
	{src: `strftime("%Y", created) = "2024"`, want: []string{"p1", "p2", "p4", "p5"}},
	{src: `strftime("%Y-%m", created, "+1 month") = "2024-04"`, want: []string{"p1", "p4"}},
	{src: `strftime("%d", due) = ""`, want: []string{"p2", "p3", "p4", "p5"}},
	{src: `@request.auth.id = author`, auth: "u1", want: []string{"p1", "p5"}},
	{src: `@request.auth.id = ""`, want: all},
	{src: `@request.auth.id = "" || published = false`, auth: "u2", want: []string{"p2", "p3"}},
	{src: `@request.auth.org.title = "Acme" && author = @request.auth.id`, auth: "u1", want: []string{"p1", "p5"}},
	{src: `@request.auth.roles:each ?= "admin" && views > 50`, auth: "u1", want: []string{"p4"}},
	{src: `@collection.members.user ?= author && @collection.members.role ?= "admin"`, want: []string{"p1", "p5"}},
	{src: `@collection.members:x.user ?= author && @collection.members:y.role ?= "admin"`, want: []string{"p1", "p2", "p5"}},
	{src: `@collection.members.role = "admin"`, want: []string{}},
	{src: `@request.body.title:isset = true && @request.body.nope:isset = false`, body: map[string]any{"title": "x"}, want: all},
	{src: `@request.body.title:changed = true`, body: map[string]any{"title": "Hello World"}, want: []string{"p2", "p3", "p4", "p5"}},
	{src: `@request.body.tags:changed = false`, body: map[string]any{"tags": []string{"b"}}, want: []string{"p2"}},
	{src: `@request.body.views > 10 && @request.body.views < 13`, body: map[string]any{"views": "12"}, want: all},
	{src: `tags:each ?= @request.body.tags:each`, body: map[string]any{"tags": []string{"go", "c"}}, want: []string{"p1", "p4"}},
	{src: `@request.body.author.name = "Bob"`, body: map[string]any{"author": "u2"}, want: all},
	{src: `@request.body.readers.name ?= author.name`, body: map[string]any{"readers": []string{"u2", "u3"}}, want: []string{"p2", "p4"}},
	{src: `@request.query.page = "2" && @request.headers.x_token = "abc" && @request.method = "PATCH"`, want: all},
	{src: `@request.query.nope = null && @request.context = "default"`, want: all},
	// mixed classes and affinities, where PostgreSQL takes the generic path
	{src: `readers.age > author.age`, want: []string{"p5"}},
	{src: `meta.n < views`, want: []string{"p1", "p4"}},
	{src: `title > meta.s`, want: []string{"p2"}},
	{src: `views ~ "5"`, want: []string{"p2", "p5"}},
	{src: `published ~ "1"`, want: []string{"p1", "p4", "p5"}},
	{src: `views:lower = "5.5"`, want: []string{"p2"}},
	{src: `loc ~ "23.3"`, want: []string{"p1", "p3"}},
	{src: `readers:each = author`, want: []string{"p2", "p3"}},
	{src: `@request.body.published = published`, body: map[string]any{"published": true}, want: []string{"p1", "p4", "p5"}},
	{src: `@request.query.page > 1`, want: all},
	{src: `@request.query.page = 2`, want: []string{}},
	{src: `@request.auth.age > views`, auth: "u1", want: []string{"p1", "p2", "p3", "p5"}},
	{src: `strftime("%w", created) = "5"`, want: []string{"p1"}},
	// Client filters of non-superusers: list rules of joined collections
	// (users: verified or self), no hidden fields, email visibility.
	{src: `readers.name ?= "Bob"`, client: true, auth: "u1", want: []string{}},
	{src: `readers.name ?= "Bob"`, client: true, auth: "u2", want: []string{"p1", "p2"}},
	{src: `readers.name ?= "Bob"`, client: true, super: true, want: []string{"p1", "p2"}},
	{src: `comments_via_post.message ?~ "great"`, client: true, fail: true},
	{src: `secret = "s1"`, client: true, fail: true},
	{src: `secret = "s1"`, client: true, super: true, want: []string{"p1"}},
	{src: `author.email = "u2@x.com"`, client: true, auth: "u2", want: []string{}},
	{src: `author.email = "u2@x.com"`, client: true, super: true, want: []string{"p2"}},
	{src: `@request.auth.id != ""`, client: true, fail: true},
	{src: `@collection.members.user ?= author`, client: true, fail: true},
	// users (auth collection)
	{coll: "users", src: `email = "u2@x.com"`, client: true, auth: "u2", want: []string{}},
	{coll: "users", src: `email = "u1@x.com"`, client: true, auth: "u2", want: []string{"u1"}},
	{coll: "users", src: `posts_via_author.title ?~ "hello"`, want: []string{"u1", "u2"}},
	{coll: "users", src: `posts_via_readers.views ?> 50`, want: []string{"u1", "u3"}},
	{coll: "users", src: `profiles_via_user.bio = "hi"`, want: []string{"u1"}},
	{coll: "users", src: `roles:each ?= "admin"`, want: []string{"u1"}},
	{coll: "users", src: `roles:length = 0`, want: []string{"u3"}},
	{coll: "users", src: `prefs.theme = "dark"`, want: []string{"u1"}},
	{coll: "users", src: `name = "ann"`, want: []string{"u3"}},
	{coll: "users", src: `age > 28 || name = "Bob" && verified = false`, want: []string{"u1", "u2", "u3"}},
	{coll: "users", src: `(age > 28 || name = "Bob") && verified = false`, want: []string{"u2"}},
	{coll: "users", src: `org.owner.name = name`, want: []string{"u1", "u2"}},
}

func TestExecSQLite(t *testing.T) { runExec(t, openSQLite(t)) }

func TestExecPostgres(t *testing.T) { runExec(t, openPostgres(t)) }

func runExec(t *testing.T, tdb *testDB) {
	s := testSchema()
	for _, tc := range execCases {
		coll := tc.coll
		if coll == "" {
			coll = "posts"
		}
		kind, super := RuleKind, true
		if tc.client {
			kind, super = FilterKind, tc.super
		}
		c, err := Compile(tc.src, Options{Dialect: tdb.dialect, Collection: s.Find(coll), Schema: s, Kind: kind, Superuser: super})
		if tc.fail {
			if err == nil {
				t.Errorf("%s: compiled, want an error", tc.src)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		where, err := c.Bind(execRequest(s, tc.auth, tc.body))
		if err != nil {
			t.Errorf("%s: bind: %v", tc.src, err)
			continue
		}
		got, err := tdb.ids(t, coll, where, nil)
		if err != nil {
			t.Errorf("%s: %v\n%s %v", tc.src, err, where.Text, where.Args)
			continue
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s (auth %q): got %v, want %v\n%s %v", tc.src, tc.auth, got, tc.want, where.Text, where.Args)
		}
	}
	runSorts(t, tdb)
	runNestedRule(t, tdb)
}

// runNestedRule: a list rule that itself joins @collection, applied to the
// rows a client filter's relation hop enters.
func runNestedRule(t *testing.T, tdb *testDB) {
	s := testSchema()
	s.Find("users").ListRule = core.String(`@collection.members.user ?= id && @collection.members.role ?= "admin" && @request.auth.id != ""`)
	for src, want := range map[string][]string{
		`readers.name ?= "Bob"`:                     {},
		`readers.name ?= "Ann"`:                     {"p1", "p4"},
		`author.name = "Ann" || readers.name = "x"`: {"p1", "p5"},
	} {
		c, err := Compile(src, Options{Dialect: tdb.dialect, Collection: s.Find("posts"), Schema: s, Kind: FilterKind})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		where, err := c.Bind(execRequest(s, "u2", nil))
		if err != nil {
			t.Fatal(err)
		}
		got, err := tdb.ids(t, "posts", where, nil)
		if err != nil {
			t.Fatalf("%s: %v\n%s", src, err, where.Text)
		}
		sort.Strings(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v\n%s %v", src, got, want, where.Text, where.Args)
		}
		guest, _ := c.Bind(execRequest(s, "", nil))
		if got, err := tdb.ids(t, "posts", guest, nil); err != nil || len(got) != 0 {
			t.Errorf("%s as guest: %v %v", src, got, err)
		}
	}
}

var sortCases = []struct {
	src  string
	want []string
}{
	{"-views,title", []string{"p4", "p1", "p2", "p5", "p3"}},
	{"author.name,-id", []string{"p3", "p5", "p1", "p2", "p4"}},
	{"meta.n,id", []string{"p2", "p3", "p5", "p1", "p4"}},
	{"+title", []string{"p3", "p4", "p5", "p1", "p2"}},
	{"published,-created", []string{"p2", "p3", "p1", "p4", "p5"}},
	{"@rowid", []string{"p1", "p2", "p3", "p4", "p5"}},
	{"-@rowid", []string{"p5", "p4", "p3", "p2", "p1"}},
	{"loc.lat,id", []string{"p2", "p4", "p5", "p3", "p1"}},
}

func runSorts(t *testing.T, tdb *testDB) {
	s := testSchema()
	for _, tc := range sortCases {
		order, err := CompileSort(tc.src, Options{Dialect: tdb.dialect, Collection: s.Find("posts"), Schema: s, Superuser: true})
		if err != nil {
			t.Errorf("sort %s: %v", tc.src, err)
			continue
		}
		got, err := tdb.ids(t, "posts", core.SQL{}, order)
		if err != nil {
			t.Errorf("sort %s: %v %v", tc.src, err, order)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("sort %s: got %v, want %v", tc.src, got, tc.want)
		}
	}
	if _, err := tdb.ids(t, "posts", core.SQL{}, []core.SQL{{Text: "RANDOM()"}}); err != nil {
		t.Errorf("@random: %v", err)
	}
}
