package filter

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/plinthdb/plinth/core"
)

func opts(d core.Dialect, coll string, kind Kind, super bool) Options {
	s := testSchema()
	return Options{Dialect: d, Collection: s.Find(coll), Schema: s, Kind: kind, Superuser: super}
}

func TestCompileErrors(t *testing.T) {
	deep := &core.Collection{ID: "pbc_deep", Name: "deep", Type: core.TypeBase, ListRule: core.String(""),
		Fields: []*core.Field{{Name: "id", Type: core.FieldText, PrimaryKey: true}, {Name: "next", Type: core.FieldRelation, CollectionID: "pbc_deep", MaxSelect: 1}}}
	deepSchema := core.NewSchema(1, []*core.Collection{deep})
	cases := []struct {
		src  string
		o    Options
		msg  string
		want error // a sentinel, when not an invalid-input error
	}{
		{src: `nope = 1`, msg: `Unknown field "nope"`},
		{src: `author.nope = 1`, msg: `Unknown field "nope"`},
		{src: `title.x = 1`, msg: "has no sub-fields"},
		{src: `title:foo = 1`, msg: `Unknown modifier ":foo"`},
		{src: `title:lower.x = 1`, msg: "only allowed at the end"},
		{src: `title:lower:length = 1`, msg: "Invalid identifier"},
		{src: `loc.alt = 1`, msg: "only the keys lon and lat"},
		{src: `foo_via_bar.x = 1`, msg: "is not a relation field pointing to"},
		{src: `comments_via_message.x = 1`, msg: "is not a relation field pointing to"},
		{src: `@nope = 1`, msg: `Unknown identifier "@nope"`},
		{src: `#x = 1`, msg: `Unknown identifier "#x"`},
		{src: `@now:lower = 1`, msg: "take no modifier"},
		{src: `@random = 1`, msg: "only be used in a sort"},
		{src: `@request = 1`, msg: "a field must follow"},
		{src: `@request.foo = 1`, msg: "Unknown identifier"},
		{src: `@request.method.x = 1`, msg: "has no sub-keys"},
		{src: `@request.query = 1`, msg: "expected @request.query.<name>"},
		{src: `@request.query.a:length = 1`, msg: "cannot be used on @request.query"},
		{src: `@request.body.title:length = 1`, msg: "cannot be used on @request.body.title"},
		{src: `@request.body.title:each = 1`, msg: "cannot be used on @request.body.title"},
		{src: `@request.body.nope:changed = 1`, msg: ":changed needs a field"},
		{src: `@request.auth.id:changed = 1`, msg: ":changed can only be used"},
		{src: `@request.body.title.x = 1`, msg: "has no sub-fields"},
		{src: `@collection.nope.x = 1`, msg: `there is no collection "nope"`},
		{src: `@collection.posts = 1`, msg: "expected @collection.<name>.<field>"},
		{src: `@collection.posts.nope = 1`, msg: `Unknown field "nope"`},
		{src: `nope() = 1`, msg: `Unknown function "nope"`},
		{src: `geoDistance(1, 2, 3) = 1`, msg: "takes 4 arguments"},
		{src: `geoDistance("a", 2, 3, 4) = 1`, msg: "numbers or fields"},
		{src: `strftime() = 1`, msg: "needs a format"},
		{src: `strftime(title) = 1`, msg: "must be a text literal"},
		{src: `strftime("%Y", created, title) = 1`, msg: "modifiers of strftime() must be text"},
		{src: `strftime("%Y", readers.name) = 1`, msg: "multi-valued argument"},
		{src: `next.next.next.next.next.next.next.id = ""`, o: Options{Dialect: core.SQLite, Collection: deep, Schema: deepSchema, Kind: RuleKind}, msg: "at most 6 relation hops"},
		// client filters of non-superusers
		{src: `secret = 1`, o: opts(core.SQLite, "posts", FilterKind, false), msg: "is hidden"},
		{src: `author.password = 1`, o: opts(core.SQLite, "posts", FilterKind, false), msg: "is hidden"},
		{src: `author.org.secret = 1`, o: opts(core.SQLite, "posts", FilterKind, false), msg: "is hidden"},
		{src: `comments_via_post.message ?= 1`, o: opts(core.SQLite, "posts", FilterKind, false), msg: "only superusers can filter by the records of \"comments\""},
		{src: `@request.auth.id = 1`, o: opts(core.SQLite, "posts", FilterKind, false), want: ErrForbiddenRequest},
		{src: `@collection.posts.id = 1`, o: opts(core.SQLite, "posts", FilterKind, false), want: ErrForbiddenCollection},
	}
	for _, tc := range cases {
		o := tc.o
		if o.Collection == nil {
			o = opts(core.Postgres, "posts", RuleKind, false)
		}
		_, err := Compile(tc.src, o)
		if err == nil {
			t.Errorf("%s: compiled, want an error", tc.src)
			continue
		}
		if tc.want != nil {
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.src, err, tc.want)
			}
			continue
		}
		var ce *core.Error
		if !errors.As(err, &ce) || ce.Code != core.EInvalid {
			t.Errorf("%s: %v is not an invalid-input *core.Error", tc.src, err)
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %q does not contain %q", tc.src, err, tc.msg)
		}
	}
}

func TestCompileAllowed(t *testing.T) {
	// What rules and superusers may do, and edge cases that must compile.
	for _, src := range []string{
		`secret = 1`, `author.password != ""`, `@request.auth.tokenKey != ""`, `@request.auth.nope.deeper = 1`,
		`title:length = 1`, `title:each = 1`, `title:isset = 1`, `meta.a:length = 1`, `meta:each = 1`,
		`null = NULL && TRUE = true && False = false`, `@request.body.unknown.x.y = 1`, `@request.body.meta.a.b = 1`,
		`@request.body.loc.lon > 1`, `@request.body.readers:length > 1`, `@request.body.readers.id ?= "x"`,
		`comments_via_post ?= "c1"`, `strftime("%Y")= "2024"`, `geoDistance(1, 2, @request.body.loc.lon, views) > 0`,
		`@collection.posts:a.readers.org.title ?= @collection.posts:b.title`, `@collection.posts.readers.name = author.name`,
	} {
		for _, d := range []core.Dialect{core.SQLite, core.Postgres} {
			c, err := Compile(src, opts(d, "posts", RuleKind, false))
			if err != nil {
				t.Errorf("%s [%s]: %v", src, d, err)
				continue
			}
			if _, err := c.Bind(testRequest(testSchema())); err != nil {
				t.Errorf("%s [%s]: bind: %v", src, d, err)
			}
			if _, err := c.Bind(nil); err != nil {
				t.Errorf("%s [%s]: bind without request: %v", src, d, err)
			}
		}
	}
	for _, src := range []string{`secret = 1`, `@collection.users.email = 1`, `@request.auth.id = 1`} {
		if _, err := Compile(src, opts(core.SQLite, "posts", FilterKind, true)); err != nil {
			t.Errorf("%s as superuser: %v", src, err)
		}
	}
}

func TestCompileBadOptions(t *testing.T) {
	s := testSchema()
	if _, err := Compile(`a = 1`, Options{Dialect: "mysql", Collection: s.Find("posts")}); err == nil {
		t.Error("unknown dialect compiled")
	}
	if _, err := Compile(`a = 1`, Options{Dialect: core.SQLite}); err == nil {
		t.Error("nil collection compiled")
	}
	if _, err := CompileSort(`a`, Options{Dialect: core.SQLite}); err == nil {
		t.Error("nil collection compiled a sort")
	}
	// Without a schema, relations are unknown but plain fields work.
	c, err := Compile(`title = 1`, Options{Dialect: core.SQLite, Collection: s.Find("posts")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(`author.name = 1`, Options{Dialect: core.SQLite, Collection: s.Find("posts")}); err == nil {
		t.Error("relation without schema compiled")
	}
	if c.Source() != `title = 1` {
		t.Error("Source")
	}
}

func TestBindStaticAndDynamic(t *testing.T) {
	o := opts(core.SQLite, "posts", RuleKind, false)
	c, err := Compile(`title = "a"`, o)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := c.Bind(nil)
	a.Args[0] = "changed"
	b, _ := c.Bind(nil)
	if b.Args[0] != "a" {
		t.Error("Bind shares its args between calls")
	}
	c, err = Compile(`created > @now && author = @request.auth.id`, o)
	if err != nil {
		t.Fatal(err)
	}
	req := testRequest(testSchema())
	s1, _ := c.Bind(req)
	if fmt.Sprint(s1.Args) != "[2024-03-15 10:30:45.123Z u1]" {
		t.Errorf("args %v", s1.Args)
	}
	req.Auth = nil
	s2, _ := c.Bind(req)
	if s2.Text == s1.Text || !strings.Contains(s2.Text, "IS NULL") && !strings.Contains(s2.Text, "= ''") {
		t.Errorf("guest: %s %v", s2.Text, s2.Args)
	}
}

func TestMacros(t *testing.T) {
	now := testNow // 2024-03-15 10:30:45.123 Friday
	want := map[string]string{
		"@now": "2024-03-15 10:30:45.123Z", "@yesterday": "2024-03-14 10:30:45.123Z", "@tomorrow": "2024-03-16 10:30:45.123Z",
		"@todayStart": "2024-03-15 00:00:00.000Z", "@todayEnd": "2024-03-15 23:59:59.999Z",
		"@monthStart": "2024-03-01 00:00:00.000Z", "@monthEnd": "2024-03-31 23:59:59.999Z",
		"@yearStart": "2024-01-01 00:00:00.000Z", "@yearEnd": "2024-12-31 23:59:59.999Z",
		"@second": "45", "@minute": "30", "@hour": "10", "@day": "15", "@month": "3", "@weekday": "5", "@year": "2024",
	}
	for name, w := range want {
		if got := macroValue(name, now).text(); got != w {
			t.Errorf("%s = %s, want %s", name, got, w)
		}
	}
	if len(want) != len(macros) {
		t.Errorf("%d macros tested, %d known", len(want), len(macros))
	}
}

func TestLikePattern(t *testing.T) {
	for in, want := range map[string]string{
		"abc":      "%abc%",
		"a_b":      `%a\_b%`,
		`50\%`:     `%50\%%`,
		"o%2":      "o%2",
		`a\b`:      `%a\\b%`,
		`a\`:       `%a\\%`,
		`x%\`:      `x%\\`,
		`x%\\`:     `x%\\`,
		`\_x`:      `%\_x%`,
		"":         "%%",
		"100%_x\\": "100%_x\\\\",
	} {
		if got := likePattern(in); got != want {
			t.Errorf("likePattern(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLiteralConversions(t *testing.T) {
	for in, want := range map[float64]string{5: "5", -3: "-3", 5.5: "5.5", 100.25: "100.25", 1e20: "1.0e+20", 0.1: "0.1", 1.5e-7: "1.5e-07"} {
		if got := sqliteNumText(in); got != want {
			t.Errorf("sqliteNumText(%v) = %q, want %q", in, got, want)
		}
	}
	for s, want := range map[string]bool{"5": true, " 5 ": true, "+5": true, "5.": true, ".5": true, "-.5": true, "1e5": true,
		"1E+5": true, "\t5\n": true, "": false, "-": false, "0x10": false, "1_000": false, "inf": false, "NaN": false,
		"1.5e": false, "- 5": false, "1e12345": false, "٣": false} {
		if got := looksNumeric(s); got != want {
			t.Errorf("looksNumeric(%q) = %v", s, got)
		}
	}
	if parseNumeric(" 5. ") != 5 || parseNumeric("-.5") != -0.5 || parseNumeric("1e3") != 1000 {
		t.Error("parseNumeric")
	}
	if asciiLower("ÀbC") != "Àbc" {
		t.Error("asciiLower must leave non-ASCII letters alone")
	}
}

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`a = ? AND b = ?`:                       `a = $1 AND b = $2`,
		`"x?" = ? AND '?' = ?`:                  `"x?" = $1 AND '?' = $2`,
		`'it''s ?' = ?`:                         `'it''s ?' = $1`,
		`x LIKE ? ESCAPE E'\\' AND y = ?::text`: `x LIKE $1 ESCAPE E'\\' AND y = $2::text`,
		`no placeholders`:                       `no placeholders`,
	} {
		if got := Rebind(core.Postgres, in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
		if got := Rebind(core.SQLite, in); got != in {
			t.Errorf("SQLite rebind changed %q", in)
		}
	}
}

func TestUniqueIndexOn(t *testing.T) {
	c := &core.Collection{Indexes: []string{
		"CREATE UNIQUE INDEX `a` ON `t` (`one`)",
		`CREATE UNIQUE INDEX "b" ON "t" ("two" DESC)`,
		"CREATE UNIQUE INDEX c ON t (three, four)",
		"CREATE INDEX d ON t (five)",
		"CREATE UNIQUE INDEX e ON t (six) WHERE six != ''",
	}}
	for col, want := range map[string]bool{"one": true, "ONE": true, "two": true, "three": false, "four": false, "five": false, "six": false} {
		if uniqueIndexOn(c, col) != want {
			t.Errorf("uniqueIndexOn(%s) != %v", col, want)
		}
	}
}

func TestCache(t *testing.T) {
	c := NewCache(2)
	o := opts(core.SQLite, "posts", RuleKind, false)
	a1, err := c.Compile(`title = "a"`, o)
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := c.Compile(`title = "a"`, o)
	if a1 != a2 {
		t.Error("second compile missed the cache")
	}
	o2 := o
	o2.Dialect = core.Postgres
	if b, _ := c.Compile(`title = "a"`, o2); b == a1 {
		t.Error("dialect is not part of the key")
	}
	o3 := o
	o3.Schema = core.NewSchema(8, o.Schema.Collections)
	if b, _ := c.Compile(`title = "a"`, o3); b == a1 {
		t.Error("schema version is not part of the key")
	}
	if c.Len() != 2 {
		t.Errorf("cache holds %d entries, want 2", c.Len())
	}
	if _, err := c.Compile(`nope = 1`, o); err == nil {
		t.Error("error not returned")
	}
	if _, err := c.Compile(`nope = 1`, o); err == nil {
		t.Error("cached error not returned")
	}
	s1, err := c.CompileSort("-title", o)
	if err != nil || len(s1) != 1 {
		t.Fatal(s1, err)
	}
	s1[0].Text = "mutated"
	s2, _ := c.CompileSort("-title", o)
	if s2[0].Text == "mutated" {
		t.Error("cached sort terms can be changed by a caller")
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if _, err := c.Compile(fmt.Sprintf("views > %d", (i+j)%5), o); err != nil {
					t.Error(err)
				}
			}
		}(i)
	}
	wg.Wait()
	if c.Len() > 2 {
		t.Errorf("cache grew to %d entries", c.Len())
	}
}

func TestCompileSortErrors(t *testing.T) {
	cases := []struct {
		src  string
		o    Options
		msg  string
		want error
	}{
		{src: "a,b,c,d,e,f,g,h,i", msg: "too many fields"},
		{src: "nope", msg: "Unknown field"},
		{src: "readers.name", msg: "several values"},
		{src: "tags:each", msg: "several values"},
		{src: "title desc", msg: "Invalid sort field"},
		{src: "-", msg: "field name is missing"},
		{src: "@request.auth.id", msg: "only fields"},
		{src: strings.Repeat("x", 300), msg: "too long"},
		{src: "secret", o: opts(core.SQLite, "posts", FilterKind, false), msg: "is hidden"},
		{src: "@request.auth.id", o: opts(core.SQLite, "posts", FilterKind, false), want: ErrForbiddenRequest},
		{src: "@collection.users.name", o: opts(core.SQLite, "posts", FilterKind, false), want: ErrForbiddenCollection},
	}
	for _, tc := range cases {
		o := tc.o
		if o.Collection == nil {
			o = opts(core.SQLite, "posts", FilterKind, true)
		}
		_, err := CompileSort(tc.src, o)
		if err == nil {
			t.Errorf("%s: compiled", tc.src)
			continue
		}
		if tc.want != nil {
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.src, err, tc.want)
			}
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: %q does not contain %q", tc.src, err, tc.msg)
		}
	}
	// A sort through a relation into a collection whose list rule is
	// superuser-only still compiles: sorts do not apply list rules.
	if _, err := CompileSort("-author.name,,+id", opts(core.Postgres, "comments", FilterKind, false)); err != nil {
		t.Error(err)
	}
}

func TestBindConcurrent(t *testing.T) {
	o := opts(core.Postgres, "posts", FilterKind, false)
	c, err := Compile(`readers.name ?= @request.auth.name && @collection.posts.id != "" || author.name = "x"`, opts(core.Postgres, "posts", RuleKind, false))
	if err != nil {
		t.Fatal(err)
	}
	c2, err := Compile(`readers.name ?= "Bob" && title ~ @request.query.q`, o)
	if err == nil {
		t.Fatal("client filter with @request compiled")
	}
	c2, err = Compile(`readers.name ?= "Bob" && created > @now`, o)
	if err != nil {
		t.Fatal(err)
	}
	req := testRequest(o.Schema)
	want1, _ := c.Bind(req)
	want2, _ := c2.Bind(req)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				got1, err1 := c.Bind(req)
				got2, err2 := c2.Bind(req)
				if err1 != nil || err2 != nil || got1.Text != want1.Text || got2.Text != want2.Text {
					t.Error("concurrent Bind differs")
					return
				}
			}
		}()
	}
	wg.Wait()
}
