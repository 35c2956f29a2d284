package filter

import (
	"fmt"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

// FuzzCompile feeds arbitrary text to Parse, Compile and Bind on both
// dialects and checks that nothing panics and that the SQL is made only of
// this package's own vocabulary, schema identifiers and '?' placeholders:
// no input text ever reaches the SQL text.
func FuzzCompile(f *testing.F) {
	for _, g := range goldenCases {
		f.Add(g.src)
	}
	s := testSchema()
	idents := allowedIdents(s)
	req := testRequest(s)
	guest := &Request{Now: testNow, Body: map[string]any{"title": []any{"x", 1.0, nil}, "meta": "not json"}}
	f.Fuzz(func(t *testing.T, src string) {
		_, _ = Parse(src)
		for _, d := range []core.Dialect{core.SQLite, core.Postgres} {
			for _, o := range []Options{
				opts(d, "posts", RuleKind, false), opts(d, "posts", FilterKind, false), opts(d, "users", FilterKind, true),
			} {
				o.Schema = s
				o.Collection = s.Find(o.Collection.Name)
				c, err := Compile(src, o)
				if err != nil {
					if core.ErrorCode(err) == core.EInternal {
						t.Fatalf("%q: %v", src, err)
					}
					continue
				}
				for _, r := range []*Request{req, guest, nil} {
					sql, err := c.Bind(r)
					if err != nil {
						if core.ErrorCode(err) == core.EInternal {
							t.Fatalf("%q: bind: %v", src, err)
						}
						continue
					}
					if err := checkSQL(sql, idents); err != nil {
						t.Fatalf("%q [%s]: %v\n%s", src, d, err, sql.Text)
					}
				}
			}
			terms, err := CompileSort(src, opts(d, "posts", FilterKind, true))
			if err != nil && core.ErrorCode(err) == core.EInternal {
				t.Fatalf("sort %q: %v", src, err)
			}
			for _, term := range terms {
				if err := checkSQL(term, idents); err != nil {
					t.Fatalf("sort %q [%s]: %v\n%s", src, d, err, term.Text)
				}
			}
		}
	})
}

func allowedIdents(s *core.Schema) map[string]bool {
	m := map[string]bool{core.MainAlias: true, "v": true, "value": true, "C": true, "_rowid": true}
	for _, c := range s.Collections {
		m[c.Name] = true
		for _, f := range c.Fields {
			m[f.Name] = true
		}
	}
	return m
}

// sqlWords is every bare word the compiler writes.
var sqlWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`select from where and or not exists left join on true false is null coalesce
		like escape limit case when then else end as collate asc desc nulls first last distinct
		json_each json_extract json_array_length json lower strftime asin min sqrt pow sin cos radians random rowid
		text double precision boolean jsonb int jsonpath to_jsonb jsonb_build_array jsonb_path_query_first e cast numeric`) {
		sqlWords[w] = true
	}
	for _, stmt := range pgFunctions {
		name := strings.Fields(strings.TrimPrefix(stmt, "CREATE OR REPLACE FUNCTION "))[0]
		sqlWords[name[:strings.IndexByte(name, '(')]] = true
	}
}

var sqlStrings = map[string]bool{"": true, "%": true, `\`: true, `\\`: true, "{}": true}
var sqlNumbers = map[string]bool{"0": true, "1": true, "2": true, "1.0": true, "12742.0": true}

// checkSQL tokenizes s.Text and rejects anything that is not part of the
// compiler's vocabulary, and a placeholder count that differs from Args.
func checkSQL(s core.SQL, idents map[string]bool) error {
	q := s.Text
	marks := 0
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ':
			i++
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			if j >= len(q) {
				return fmt.Errorf("unterminated quote at %d", i)
			}
			body := q[i+1 : j]
			if c == '"' && !idents[body] && !isAlias(body) {
				return fmt.Errorf("identifier %q is not from the schema", body)
			}
			if c == '\'' && !sqlStrings[body] {
				return fmt.Errorf("string literal %q in SQL", body)
			}
			i = j + 1
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(q) && (q[j] == '_' || q[j] >= 'a' && q[j] <= 'z' || q[j] >= 'A' && q[j] <= 'Z' || q[j] >= '0' && q[j] <= '9') {
				j++
			}
			if w := strings.ToLower(q[i:j]); !sqlWords[w] {
				return fmt.Errorf("word %q in SQL", q[i:j])
			}
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(q) && (q[j] == '.' || q[j] >= '0' && q[j] <= '9') {
				j++
			}
			if !sqlNumbers[q[i:j]] {
				return fmt.Errorf("number %q in SQL", q[i:j])
			}
			i = j
		case c == '?':
			marks++
			i++
		case strings.IndexByte("(),.=<>!|*/-+:@#[]", c) >= 0:
			i++
		default:
			return fmt.Errorf("character %q in SQL", c)
		}
	}
	if marks != len(s.Args) {
		return fmt.Errorf("%d placeholders for %d args", marks, len(s.Args))
	}
	for _, a := range s.Args {
		switch a.(type) {
		case string, int64, float64, bool, []string:
		default:
			return fmt.Errorf("argument of type %T", a)
		}
	}
	return nil
}

func isAlias(s string) bool {
	if len(s) < 3 || s[0] != '_' || s[1] < 'a' || s[1] > 'z' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// TestCheckSQL makes sure the fuzz oracle rejects leaks.
func TestCheckSQL(t *testing.T) {
	idents := allowedIdents(testSchema())
	for _, bad := range []core.SQL{
		{Text: `"_main"."title" = 'x'`},
		{Text: `"_main"."nope" = ?`, Args: []any{"a"}},
		{Text: `"_main"."title" = abc`},
		{Text: `"_main"."title" = 42`},
		{Text: `"_main"."title" = ?`},
		{Text: `"_main"."title" = ?; DROP`, Args: []any{"a"}},
	} {
		if checkSQL(bad, idents) == nil {
			t.Errorf("oracle accepts %s", bad.Text)
		}
	}
	for _, g := range goldenCases {
		for _, d := range []core.Dialect{core.SQLite, core.Postgres} {
			sqls, err := g.compile(d)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sqls {
				if err := checkSQL(s, idents); err != nil {
					t.Errorf("%s [%s]: %v\n%s", g.src, d, err, s.Text)
				}
			}
		}
	}
}
