package app

import (
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

func TestParseViewQueryShape(t *testing.T) {
	for _, d := range []core.Dialect{core.SQLite, core.Postgres} {
		for _, tc := range []struct {
			query string
			err   string // substring of the error; "" = accepted
		}{
			{"SELECT id FROM posts", ""},
			{"  select id from posts ;; ", ""},
			{"SELECT id FROM posts; -- trailing comment", ""},
			{"WITH x AS (SELECT id FROM posts) SELECT id FROM x", ""},
			{"SELECT id, 'a;b' AS s, \"semi;colon\" FROM posts", ""},
			{"SELECT id /* ; DELETE */ FROM posts", ""},
			{"SELECT t.update, t.\"delete\" FROM t", ""},
			{"", "empty"},
			{"  -- only a comment", "empty"},
			{"DELETE FROM posts", "single SELECT"},
			{"INSERT INTO posts (id) VALUES ('x')", "single SELECT"},
			{"SELECT id FROM posts; DELETE FROM posts", "single SELECT"},
			{"SELECT id FROM posts; SELECT 1", "single SELECT"},
			{"SELECT id FROM posts;\n;SELECT 1", "single SELECT"},
			{"PRAGMA table_info(posts)", "single SELECT"},
			{"VALUES (1)", "must be a SELECT"},
			{"(SELECT id FROM posts)", "must be a SELECT"},
			{"SELECT id FROM posts FOR UPDATE", "single SELECT"},
			{"WITH d AS (DELETE FROM posts RETURNING id) SELECT id FROM d", "single SELECT"},
			{"SELECT (id FROM posts", "unbalanced"},
			{"SELECT id) FROM posts", "unbalanced"},
			{"SELECT 'x FROM posts", "unterminated string"},
			{"SELECT \"x FROM posts", "unterminated quoted"},
			{"SELECT id /* FROM posts", "unterminated comment"},
		} {
			_, err := parseViewQuery(tc.query, d)
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("%s %q: %v", d, tc.query, err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("%s %q: error %v, want %q", d, tc.query, err, tc.err)
			}
		}
	}
	// Dialect-specific quoting.
	if _, err := parseViewQuery("SELECT [a;b], `c;d` AS id FROM t", core.SQLite); err != nil {
		t.Errorf("sqlite quoting: %v", err)
	}
	if _, err := parseViewQuery("SELECT id, $$a;b$$ AS s, $x$;$x$ AS t, E'it\\'s;' AS u, meta ? 'k' AS h FROM t", core.Postgres); err != nil {
		t.Errorf("postgres quoting: %v", err)
	}
	if _, err := parseViewQuery("SELECT id FROM t WHERE a = ?", core.SQLite); err == nil || !strings.Contains(err.Error(), "parameters") {
		t.Errorf("sqlite parameter: %v", err)
	}
	if _, err := parseViewQuery("SELECT id FROM t WHERE a = $1", core.Postgres); err == nil || !strings.Contains(err.Error(), "parameters") {
		t.Errorf("postgres parameter: %v", err)
	}
}

func TestParseViewQueryStatementEnd(t *testing.T) {
	for _, tc := range []struct{ query, stmt, tail string }{
		{"SELECT 1 AS id", "SELECT 1 AS id", ""},
		{"SELECT 1 AS id;", "SELECT 1 AS id", ";"},
		{"SELECT 1 AS id ; -- c", "SELECT 1 AS id", "; -- c"},
	} {
		s, err := parseViewQuery(tc.query, core.SQLite)
		if err != nil {
			t.Fatal(err)
		}
		if s.query != tc.stmt || s.tail != tc.tail {
			t.Errorf("%q: statement %q tail %q", tc.query, s.query, s.tail)
		}
	}
}

func TestParseViewQueryItemsAndSources(t *testing.T) {
	s, err := parseViewQuery(`WITH recent AS (SELECT id FROM posts)
		SELECT DISTINCT p.id, p.title t, COUNT(c.id) AS "n", c.*, x, CASE WHEN a THEN 1 END, y COLLATE NOCASE, *
		FROM posts AS p
		LEFT OUTER JOIN comments c ON c.post = p.id AND c.x IN (SELECT 1, 2)
		JOIN (SELECT 1 AS q) sub ON TRUE, recent, main.authors
		CROSS JOIN json_each(p.tags) AS j
		WHERE p.num > 1 GROUP BY p.id ORDER BY 1`, core.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	var exprs []string
	for _, it := range s.items {
		var parts []string
		for _, tok := range it.expr {
			parts = append(parts, tok.text)
		}
		e := strings.Join(parts, " ")
		if it.star {
			e = "*" + it.starTable
		}
		exprs = append(exprs, e)
	}
	want := []string{"p . id", "p . title", "COUNT ( c . id )", "*c", "x", "CASE WHEN a THEN 1 END", "y COLLATE NOCASE", "*"}
	if strings.Join(exprs, "|") != strings.Join(want, "|") {
		t.Errorf("items\n got %q\nwant %q", exprs, want)
	}
	var srcs []string
	for _, src := range s.sources {
		srcs = append(srcs, src.name+"/"+src.alias+map[bool]string{true: "/cte"}[src.cte])
	}
	wantSrc := []string{"posts/p", "comments/c", "/sub", "recent/recent/cte", "authors/authors", "/j"}
	if strings.Join(srcs, "|") != strings.Join(wantSrc, "|") {
		t.Errorf("sources\n got %q\nwant %q", srcs, wantSrc)
	}
}

func TestViewClassify(t *testing.T) {
	posts := &core.Collection{ID: "pbc_posts", Name: "posts", Type: core.TypeBase, Fields: []*core.Field{
		{ID: "f0", Name: "id", Type: core.FieldText, PrimaryKey: true},
		{ID: "f1", Name: "title", Type: core.FieldText, Max: core.Float(20)},
		{ID: "f2", Name: "num", Type: core.FieldNumber},
		{ID: "f3", Name: "tags", Type: core.FieldSelect, MaxSelect: 3, Values: []string{"a"}},
	}}
	users := &core.Collection{ID: "pbc_users", Name: "users", Type: core.TypeAuth, Fields: []*core.Field{
		{ID: "u0", Name: "id", Type: core.FieldText, PrimaryKey: true},
		{ID: "u1", Name: "name", Type: core.FieldText},
	}}
	for _, tc := range []struct {
		query, want string // want: type per column, "=f1" for a clone of f1, ">c" for a relation to c
		d           core.Dialect
	}{
		{"SELECT p.id, p.title, num AS n, p.tags FROM posts p", "text =f1 =f2 =f3", ""},
		{"SELECT p.id, u.id AS u, u.name FROM posts p, users u", "text >pbc_users =u1", ""},
		{"SELECT id, title, name FROM posts JOIN users ON 1", "text =f1 =u1", ""},
		{"SELECT p.id, id AS x FROM posts p JOIN users u ON 1", "text json", ""}, // ambiguous
		{"SELECT id, 1, 'a', TRUE, NULL, 1.5e3 FROM posts", "text number text bool json number", ""},
		{"SELECT id, COUNT(*), SUM(num), avg(num), MAX(title), MIN(tags) FROM posts", "text number number number =f1 json", ""},
		{"SELECT id, CAST(num AS TEXT), CAST(title AS BIGINT), CAST(x AS BOOLEAN) FROM posts", "text text number bool", core.SQLite},
		{"SELECT id, num::double precision, x::int[], title::text, (x)::jsonb FROM posts", "text number json text json", core.Postgres},
		{"SELECT id, title || 'x', lower(title), title + 1, json_object('a', 1) FROM posts", "text text text json json", ""},
		{"SELECT s.id, s.title FROM (SELECT id, title FROM posts) s", "text json", ""},
		{"WITH posts AS (SELECT 1 AS id, 2 AS title) SELECT id, title FROM posts", "text json", ""},
		{"SELECT * FROM posts", "text =f1 =f2 =f3", ""},
		{"SELECT p.*, 'x' AS extra FROM posts p", "text =f1 =f2 =f3 text", ""},
	} {
		if tc.d == "" {
			tc.d = core.SQLite
		}
		shape, err := parseViewQuery(tc.query, tc.d)
		if err != nil {
			t.Fatalf("%q: %v", tc.query, err)
		}
		// Result columns as the engine would name them.
		var names []string
		for i, it := range shape.items {
			switch {
			case it.star:
				for _, f := range posts.Fields {
					names = append(names, f.Name)
				}
			case i == 0:
				names = append(names, "id")
			default:
				names = append(names, "c"+string(rune('a'+i)))
			}
		}
		v := &viewInference{dialect: tc.d, shape: shape, names: names, cols: []*core.Collection{posts, users}}
		v.sources = map[string]*core.Collection{}
		for _, src := range shape.sources {
			var c *core.Collection
			if src.name != "" && !src.cte {
				c = v.collectionNamed(src.name)
			}
			if c == nil {
				v.unknown = true
			}
			v.sources[strings.ToLower(src.alias)] = c
		}
		exprs, stars := v.align()
		var got []string
		for i, name := range names {
			var col column
			switch {
			case exprs[i] != nil:
				col = v.classify(exprs[i].expr)
			case stars[i] != nil:
				if c, f := v.starField(stars[i], name); f != nil {
					col = refColumn(c, f)
				}
			}
			switch {
			case i == 0 && name == "id":
				got = append(got, "text")
			case col.clone != nil:
				got = append(got, "="+col.clone.ID)
			case col.relTo != "":
				got = append(got, ">"+col.relTo)
			case col.typ == "":
				got = append(got, "json")
			default:
				got = append(got, col.typ)
			}
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.query, g, tc.want)
		}
	}
}

func TestTypeFromName(t *testing.T) {
	for in, want := range map[string]string{
		"INTEGER": "number", "BIGINT": "number", "REAL": "number", "DOUBLE PRECISION": "number", "NUMERIC(10,2)": "number",
		"TEXT": "text", "VARCHAR(20)": "text", "BOOLEAN": "bool", "JSON": "json", "JSONB": "json", "": "", "BLOB": "",
	} {
		if got := typeFromName(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
