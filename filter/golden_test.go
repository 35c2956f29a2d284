package filter

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

var update = flag.Bool("update", false, "rewrite golden files")

type goldenCase struct {
	coll string // default posts
	mode string // "rule" (default), "client" (non-superuser), "super" (superuser client)
	src  string
	sort bool
}

// goldenCases show the SQL of representative filters over the test schema.
var goldenCases = []goldenCase{
	// literals and operators
	{src: `title = "ok"`},
	{src: `title != "ok"`},
	{src: `title = ''`},
	{src: `title = null`},
	{src: `title != null`},
	{src: `title > "m" && title <= 'x'`},
	{src: `title ~ "ok"`},
	{src: `title !~ "ok"`},
	{src: `title ~ "o%2"`},
	{src: `title ~ "50\%_off"`},
	{src: `title ~ body`},
	{src: `title = 'a' || title = "b" && views > 5`},
	{src: `(title = 'a' || title = "b") && views > 5`},
	{src: `title = "ok" // with a comment`},
	{src: `views = 5 && views != 1.5`},
	{src: `views >= -2`},
	{src: `published = true`},
	{src: `published != false`},
	{src: `published = 1`},
	{src: `published > 0`},
	{src: `true = true`},
	{src: `null = ""`},
	{src: `1 < 2`},
	// cross-type comparisons
	{src: `title = 123`},
	{src: `views = "abc"`},
	{src: `views = "12"`},
	{src: `views < "abc"`},
	{src: `created > 5`},
	{src: `title = views`},
	{src: `title = published`},
	{src: `views ~ "5"`},
	{src: `title = due`},
	// modifiers
	{src: `title:lower = "ok"`},
	{src: `title:lower ~ author.name:lower`},
	{src: `tags:length = 2`},
	{src: `status:length = 0`},
	{src: `tags:each ?= "a"`},
	{src: `tags:each != "z"`},
	{src: `tags ?= "a"`},
	{src: `tags ~ "a"`},
	{src: `title:length = 1`},
	{src: `readers:length > 1`},
	{src: `readers:each ?= "u1"`},
	// relations
	{src: `author = ""`},
	{src: `author.id = "u1"`},
	{src: `author.name = "Ann"`},
	{src: `author.name != "Ann"`},
	{src: `author.org.title ~ "acme"`},
	{src: `author.roles:each ?= "admin"`},
	{src: `readers.name ?= "Bob"`},
	{src: `readers.name = "Bob"`},
	{src: `readers.name ?!= "Bob"`},
	{src: `readers.age > author.age`},
	{src: `readers.org.title ?~ "a"`},
	{src: `readers.name ?= author.name`},
	{src: `comments_via_post.message ?~ "great"`},
	{src: `comments_via_post.author.name = "Ann"`},
	{coll: "users", src: `posts_via_author.title ?~ "hello"`},
	{coll: "users", src: `posts_via_readers.id ?= "p1"`},
	{coll: "users", src: `profiles_via_user.bio = "hi"`},
	{coll: "users", src: `org.owner.name = name`},
	// json and geoPoint
	{src: `meta.a.1 = 2`},
	{src: `meta.s = "x"`},
	{src: `meta.n > 3`},
	{src: `meta = null`},
	{src: `meta ~ "x"`},
	{src: `meta.a:length = 2`},
	{src: `meta.s:lower = "x"`},
	{src: `meta.n = views`},
	{src: `title = meta.s`},
	{src: `loc.lat > 42.5`},
	{src: `geoDistance(loc.lon, loc.lat, 23.3, 42.1) < 20`},
	// dates and functions
	{src: `created >= @todayStart && created <= @todayEnd`},
	{src: `created > @yesterday && due < @tomorrow && updated < @now`},
	{src: `created >= @monthStart && created <= @monthEnd && created >= @yearStart && created <= @yearEnd`},
	{src: `@hour > 8 && @weekday != 0 && @year = 2024 && @month = 3 && @day = 15 && @minute >= 0 && @second >= 0`},
	{src: `strftime("%Y", created) = "2024"`},
	{src: `strftime("%Y-%m", created, "start of month", "+1 month") = "2024-04"`},
	{src: `strftime("%Y") = "2024"`},
	// @request
	{src: `@request.auth.id != ""`},
	{src: `author = @request.auth.id`},
	{src: `@request.auth.collectionName = "users" && @request.auth.verified = true`},
	{src: `@request.auth.roles:each ?= "admin"`},
	{src: `@request.auth.roles:length > 1`},
	{src: `@request.auth.org.title = "Acme"`},
	{src: `@request.auth.prefs.theme = "dark"`},
	{src: `@request.method = "POST" && @request.context != "realtime"`},
	{src: `@request.headers.x_token = "abc" && @request.query.page = 2`},
	{src: `@request.query.missing = null`},
	{src: `@request.body.title:isset = true && @request.body.nope:isset = false`},
	{src: `@request.body.title:changed = false`},
	{src: `@request.body.tags:changed = false`},
	{src: `@request.body.views > 10`},
	{src: `@request.body.published = true`},
	{src: `@request.body.tags:each ?= "go"`},
	{src: `@request.body.tags:length <= 2`},
	{src: `@request.body.author.name = "Bob"`},
	{src: `@request.body.readers.name ?= "Bob"`},
	{src: `@request.body.meta.a.0 = 1`},
	{src: `@request.body.title:lower ~ "new"`},
	// @collection
	{src: `@collection.members.user ?= @request.auth.id && @collection.members.role ?= "admin"`},
	{src: `@collection.members:a.user ?= author && @collection.members:b.role = "admin"`},
	{src: `@collection.members.org.title ?= "Acme" || title = "x"`},
	// client filters of non-superusers
	{mode: "client", src: `readers.name ?= "Bob"`},
	{mode: "client", src: `author.email = "u1@x.com"`},
	{mode: "client", coll: "users", src: `email = "u1@x.com"`},
	{mode: "super", src: `readers.name ?= "Bob" && secret = "x"`},
	// sorts
	{sort: true, src: `-created,title`},
	{sort: true, src: `author.name,-views,published`},
	{sort: true, src: `meta.n`},
	{sort: true, src: `@random`},
	{sort: true, src: `-@rowid`},
	{sort: true, src: `loc.lat,title:lower`},
}

func (g goldenCase) options(d core.Dialect) Options {
	coll := g.coll
	if coll == "" {
		coll = "posts"
	}
	switch g.mode {
	case "client":
		return opts(d, coll, FilterKind, false)
	case "super":
		return opts(d, coll, FilterKind, true)
	}
	if g.sort {
		return opts(d, coll, FilterKind, true)
	}
	return opts(d, coll, RuleKind, false)
}

func (g goldenCase) compile(d core.Dialect) ([]core.SQL, error) {
	o := g.options(d)
	if g.sort {
		return CompileSort(g.src, o)
	}
	c, err := Compile(g.src, o)
	if err != nil {
		return nil, err
	}
	s, err := c.Bind(testRequest(o.Schema))
	return []core.SQL{s}, err
}

func renderArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			parts[i] = strconv.Quote(v)
		case float64:
			parts[i] = strconv.FormatFloat(v, 'f', -1, 64)
			if !strings.ContainsAny(parts[i], ".eE") {
				parts[i] += ".0"
			}
		case []string:
			b, _ := json.Marshal(v)
			parts[i] = "text[]" + string(b)
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func TestGolden(t *testing.T) {
	for _, d := range []core.Dialect{core.SQLite, core.Postgres} {
		var b strings.Builder
		fmt.Fprintf(&b, "# Compiled filters for %s (see golden_test.go; go test -run TestGolden -update rewrites this file).\n", d)
		fmt.Fprintf(&b, "# Request: auth u1, now %s, body {title, views \"12\", published, tags, author, readers, meta}.\n\n", core.FormatTime(testNow))
		for _, g := range goldenCases {
			coll := g.coll
			if coll == "" {
				coll = "posts"
			}
			kind := g.mode
			if kind == "" {
				kind = "rule"
			}
			if g.sort {
				kind = "sort"
			}
			fmt.Fprintf(&b, "## %s (%s): %s\n", coll, kind, g.src)
			sqls, err := g.compile(d)
			if err != nil {
				fmt.Fprintf(&b, "error: %v\n\n", err)
				continue
			}
			for _, s := range sqls {
				fmt.Fprintf(&b, "%s\n", s.Text)
				if len(s.Args) > 0 {
					fmt.Fprintf(&b, "args: %s\n", renderArgs(s.Args))
				}
			}
			b.WriteString("\n")
		}
		path := filepath.Join("testdata", "golden", string(d)+".golden")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if string(want) != b.String() {
			t.Errorf("%s differs from the compiled output; run go test -run TestGolden -update and review the diff", path)
		}
	}
}

// The golden filters must also run: no SQL error on either engine
// whatever the combination of types.
func TestGoldenRunsSQLite(t *testing.T)   { runGolden(t, openSQLite(t)) }
func TestGoldenRunsPostgres(t *testing.T) { runGolden(t, openPostgres(t)) }

func runGolden(t *testing.T, tdb *testDB) {
	for _, g := range goldenCases {
		sqls, err := g.compile(tdb.dialect)
		if err != nil {
			t.Errorf("%s: %v", g.src, err)
			continue
		}
		coll := g.coll
		if coll == "" {
			coll = "posts"
		}
		if g.sort {
			_, err = tdb.ids(t, coll, core.SQL{}, sqls)
		} else {
			_, err = tdb.ids(t, coll, sqls[0], nil)
		}
		if err != nil {
			t.Errorf("%s: %v\n%v", g.src, err, sqls)
		}
	}
}
