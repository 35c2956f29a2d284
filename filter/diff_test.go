package filter

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

// TestDifferential compiles every pairing of operands of different types
// with the main operators and checks that SQLite and PostgreSQL return the
// same rows: the bar is one behaviour on both engines, whatever the types.
func TestDifferential(t *testing.T) {
	pg := openPostgres(t)
	lite := openSQLite(t)
	s := testSchema()
	// Adversarial rows: numeric-looking text, JSON booleans and arrays,
	// non-ASCII letters, dangling relations, an empty autodate.
	posts := s.Find("posts")
	for _, tdb := range []*testDB{lite, pg} {
		for _, row := range []map[string]any{
			{"id": "p6", "title": " 7 ", "views": 7.0, "status": "draft", "tags": []string{"5", "A"}, "author": "u2",
				"readers": []string{"u2", "u3"}, "meta": json.RawMessage(`{"n":true,"a":["7",null]}`),
				"loc": core.GeoPoint{Lon: -1.5, Lat: -0.5}, "created": "2024-03-15 10:30:45.123Z", "due": "2024-03-15"},
			{"id": "p7", "title": "ÀBC abc", "views": -2.5, "tags": []string{}, "author": "nobody", "readers": []string{"ghost"},
				"meta": json.RawMessage(`[1,"2",{"x":1}]`), "created": ""},
		} {
			var names, marks []string
			var args []any
			for k, v := range row {
				names = append(names, quoteIdent(k))
				marks = append(marks, "?")
				args = append(args, storageValue(posts.Field(k), v))
			}
			tdb.exec(t, "INSERT INTO posts ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(marks, ", ")+")", args...)
		}
	}
	operands := []string{
		`title`, `views`, `published`, `tags`, `tags:each`, `tags:length`, `status`, `meta`, `meta.n`, `meta.a.0`,
		`loc.lat`, `author.name`, `readers.name`, `readers.age`, `created`, `title:lower`, `comments_via_post.message`,
		`null`, `true`, `5`, `-2.5`, `"5"`, `"x"`, `""`, `"Hello%"`,
		`@request.query.page`, `@request.body.views`, `@request.body.tags:each`, `@request.auth.id`, `@request.auth.age`,
		`@collection.members.role`, `strftime("%Y", created)`, `geoDistance(loc.lon, loc.lat, 23.3, 42.1)`,
	}
	ops := []Operator{OpEq, OpNeq, OpGt, OpLte, OpLike, OpNotLike, OpAnyEq, OpAnyGt}
	req := execRequest(s, "u1", map[string]any{"views": "12", "tags": []string{"a", "go"}})
	n, selective := 0, 0
	for _, l := range operands {
		for _, r := range operands {
			for _, op := range ops {
				src := fmt.Sprintf("%s %s %s", l, op, r)
				var got [2][]string
				for i, tdb := range []*testDB{lite, pg} {
					c, err := Compile(src, Options{Dialect: tdb.dialect, Collection: s.Find("posts"), Schema: s, Kind: RuleKind})
					if err != nil {
						t.Fatalf("%s: %v", src, err)
					}
					where, err := c.Bind(req)
					if err != nil {
						t.Fatalf("%s: bind: %v", src, err)
					}
					ids, err := tdb.ids(t, "posts", where, nil)
					if err != nil {
						t.Fatalf("%s [%s]: %v\n%s %v", src, tdb.dialect, err, where.Text, where.Args)
					}
					sort.Strings(ids)
					got[i] = ids
				}
				if len(got[0]) > 0 && len(got[0]) < 7 {
					selective++
				}
				if !reflect.DeepEqual(got[0], got[1]) {
					t.Errorf("%s: SQLite %v, PostgreSQL %v", src, got[0], got[1])
				}
				n++
			}
		}
	}
	t.Logf("%d filters agree on both engines (%d select some but not all rows)", n, selective)
}
