package index

import (
	"reflect"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

func TestParseBuild(t *testing.T) {
	tests := []struct {
		in       string
		want     Index
		str      string // canonical form with Table = "posts"
		sqlite   string
		postgres string
	}{
		{
			in: "CREATE UNIQUE INDEX `idx_abc` ON `posts` (`title` COLLATE NOCASE, `num` DESC) WHERE title != ''",
			want: Index{Name: "idx_abc", Unique: true, Table: "posts",
				Columns: []Column{{Name: "title", Collate: "NOCASE"}, {Name: "num", Sort: "DESC"}},
				Where:   "`title` != ''"},
			str:      "CREATE UNIQUE INDEX `idx_abc` ON `posts` (`title` COLLATE NOCASE, `num` DESC) WHERE `title` != ''",
			sqlite:   `CREATE UNIQUE INDEX "idx_abc" ON "posts" ("title" COLLATE NOCASE, "num" DESC) WHERE "title" != ''`,
			postgres: `CREATE UNIQUE INDEX "idx_abc" ON "posts" ((LOWER("title")), "num" DESC) WHERE "title" != ''`,
		},
		{
			in:       "create index idx_x on posts(a)",
			want:     Index{Name: "idx_x", Table: "posts", Columns: []Column{{Name: "a"}}},
			str:      "CREATE INDEX `idx_x` ON `posts` (`a`)",
			sqlite:   `CREATE INDEX "idx_x" ON "posts" ("a")`,
			postgres: `CREATE INDEX "idx_x" ON "posts" ("a")`,
		},
		{
			in:       `Create Unique Index If Not Exists "i1" On [old_name] ([a] collate nocase asc, "b" collate binary, c collate rtrim desc);`,
			want:     Index{Name: "i1", Unique: true, Table: "old_name", Columns: []Column{{"a", "NOCASE", "ASC"}, {"b", "BINARY", ""}, {"c", "RTRIM", "DESC"}}},
			str:      "CREATE UNIQUE INDEX `i1` ON `posts` (`a` COLLATE NOCASE ASC, `b` COLLATE BINARY, `c` COLLATE RTRIM DESC)",
			sqlite:   `CREATE UNIQUE INDEX "i1" ON "posts" ("a" COLLATE NOCASE ASC, "b" COLLATE BINARY, "c" COLLATE RTRIM DESC)`,
			postgres: `CREATE UNIQUE INDEX "i1" ON "posts" ((LOWER("a")) ASC, "b", (RTRIM("c")) DESC)`,
		},
		{
			// Scaffold placeholder: empty table name.
			in:       "CREATE UNIQUE INDEX `idx_tokenKey_` ON `` (`tokenKey`)",
			want:     Index{Name: "idx_tokenKey_", Unique: true, Table: "", Columns: []Column{{Name: "tokenKey"}}},
			str:      "CREATE UNIQUE INDEX `idx_tokenKey_` ON `posts` (`tokenKey`)",
			sqlite:   `CREATE UNIQUE INDEX "idx_tokenKey_" ON "posts" ("tokenKey")`,
			postgres: `CREATE UNIQUE INDEX "idx_tokenKey_" ON "posts" ("tokenKey")`,
		},
		{
			in: "CREATE INDEX i ON t (a) WHERE (a = 1 OR b <> 'x''y') AND NOT c IS NOT NULL AND -1.5e3 <= d AND e == f AND g IS NULL AND h > .5 AND v = true",
			want: Index{Name: "i", Table: "t", Columns: []Column{{Name: "a"}},
				Where: "(`a` = 1 OR `b` != 'x''y') AND NOT `c` IS NOT NULL AND -1.5e3 <= `d` AND `e` = `f` AND `g` IS NULL AND `h` > .5 AND `v` = TRUE"},
			str:      "CREATE INDEX `i` ON `posts` (`a`) WHERE (`a` = 1 OR `b` != 'x''y') AND NOT `c` IS NOT NULL AND -1.5e3 <= `d` AND `e` = `f` AND `g` IS NULL AND `h` > .5 AND `v` = TRUE",
			sqlite:   `CREATE INDEX "i" ON "posts" ("a") WHERE ("a" = 1 OR "b" != 'x''y') AND NOT "c" IS NOT NULL AND -1.5e3 <= "d" AND "e" = "f" AND "g" IS NULL AND "h" > .5 AND "v" = TRUE`,
			postgres: `CREATE INDEX "i" ON "posts" ("a") WHERE ("a" = 1 OR "b" != 'x''y') AND NOT "c" IS NOT NULL AND -1.5e3 <= "d" AND "e" = "f" AND "g" IS NULL AND "h" > .5 AND "v" = TRUE`,
		},
		{
			// Grouping the parser would not infer is kept; redundant parentheses go.
			in:       "CREATE INDEX i ON t (a) WHERE a = 1 OR (b = 2 OR c = 3) AND (((d < 4))) AND NOT (e = 5 OR f = 6)",
			want:     Index{Name: "i", Table: "t", Columns: []Column{{Name: "a"}}, Where: "`a` = 1 OR (`b` = 2 OR `c` = 3) AND `d` < 4 AND NOT (`e` = 5 OR `f` = 6)"},
			str:      "CREATE INDEX `i` ON `posts` (`a`) WHERE `a` = 1 OR (`b` = 2 OR `c` = 3) AND `d` < 4 AND NOT (`e` = 5 OR `f` = 6)",
			sqlite:   `CREATE INDEX "i" ON "posts" ("a") WHERE "a" = 1 OR ("b" = 2 OR "c" = 3) AND "d" < 4 AND NOT ("e" = 5 OR "f" = 6)`,
			postgres: `CREATE INDEX "i" ON "posts" ("a") WHERE "a" = 1 OR ("b" = 2 OR "c" = 3) AND "d" < 4 AND NOT ("e" = 5 OR "f" = 6)`,
		},
		{
			// Bare words in column position are names, even SQL keywords.
			in:       "CREATE INDEX i ON t (desc DESC, `order`)",
			want:     Index{Name: "i", Table: "t", Columns: []Column{{Name: "desc", Sort: "DESC"}, {Name: "order"}}},
			str:      "CREATE INDEX `i` ON `posts` (`desc` DESC, `order`)",
			sqlite:   `CREATE INDEX "i" ON "posts" ("desc" DESC, "order")`,
			postgres: `CREATE INDEX "i" ON "posts" ("desc" DESC, "order")`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ix, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*ix, tt.want) {
				t.Fatalf("parsed\n%#v\nwant\n%#v", *ix, tt.want)
			}
			if err := ix.Check(); err != nil {
				t.Fatalf("Check: %v", err)
			}
			ix.Table = "posts"
			if got := ix.String(); got != tt.str {
				t.Errorf("String\n%s\nwant\n%s", got, tt.str)
			}
			if got := ix.Build(core.SQLite, "posts"); got != tt.sqlite {
				t.Errorf("sqlite\n%s\nwant\n%s", got, tt.sqlite)
			}
			if got := ix.Build(core.Postgres, "posts"); got != tt.postgres {
				t.Errorf("postgres\n%s\nwant\n%s", got, tt.postgres)
			}
			// The canonical form parses back to the same index.
			again, err := Parse(ix.String())
			if err != nil {
				t.Fatalf("reparse: %v", err)
			}
			if !reflect.DeepEqual(again, ix) {
				t.Fatalf("reparse\n%#v\nwant\n%#v", again, ix)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	bad := []string{
		"",
		"CREATE",
		"CREATE TABLE x (a)",
		"CREATE INDEX ON t (a)",
		"CREATE INDEX i ON t ()",
		"CREATE INDEX i ON t (a",
		"CREATE INDEX i ON t a",
		"CREATE INDEX i t (a)",
		"CREATE INDEX `` ON t (a)",
		"CREATE INDEX i ON t (``)",
		"CREATE INDEX i ON t (a, a)",
		"CREATE INDEX i ON t (a, A)",
		"CREATE INDEX i ON t (a,)",
		"CREATE INDEX i ON t (a) extra",
		"CREATE INDEX i ON t (a);;",
		"CREATE INDEX i ON main.t (a)",
		"CREATE INDEX i ON t (lower(a))",
		"CREATE INDEX i ON t (a + 1)",
		"CREATE INDEX i ON t (a COLLATE \"en_US\")",
		"CREATE INDEX i ON t (a COLLATE)",
		"CREATE INDEX i ON t (a ASC DESC)",
		"CREATE INDEX i ON t (a); DROP TABLE x; --",
		"CREATE INDEX i ON t (a); DROP TABLE x",
		"CREATE INDEX i ON t (a) WHERE a = 1); DROP TABLE x; --",
		"CREATE INDEX i ON t (a) WHERE a = 1; DROP TABLE x",
		"CREATE INDEX i ON t (a) /* c */",
		"CREATE INDEX i ON t (a) -- c",
		"CREATE INDEX `i\"x` ON t (a)",
		"CREATE INDEX \"i`x\" ON t (a)",
		"CREATE INDEX [i]] ON t (a)",
		"CREATE INDEX i ON `t` (`a b`)",
		"CREATE INDEX i ON `t (a)",
		"CREATE INDEX i ON t (a) WHERE",
		"CREATE INDEX i ON t (a) WHERE a",
		"CREATE INDEX i ON t (a) WHERE a =",
		"CREATE INDEX i ON t (a) WHERE 1 = 1",
		"CREATE INDEX i ON t (a) WHERE 'x' = 'x'",
		"CREATE INDEX i ON t (a) WHERE a = 1 = 1",
		"CREATE INDEX i ON t (a) WHERE a = NULL",
		"CREATE INDEX i ON t (a) WHERE 1 IS NULL",
		"CREATE INDEX i ON t (a) WHERE a IS 1",
		"CREATE INDEX i ON t (a) WHERE a LIKE 'x%'",
		"CREATE INDEX i ON t (a) WHERE a IN (1, 2)",
		"CREATE INDEX i ON t (a) WHERE a BETWEEN 1 AND 2",
		"CREATE INDEX i ON t (a) WHERE a = lower(b)",
		"CREATE INDEX i ON t (a) WHERE a = (SELECT 1)",
		"CREATE INDEX i ON t (a) WHERE a = b || c",
		"CREATE INDEX i ON t (a) WHERE a = 1 + 2",
		"CREATE INDEX i ON t (a) WHERE a = 'unterminated",
		"CREATE INDEX i ON t (a) WHERE a = 0x10",
		"CREATE INDEX i ON t (a) WHERE a = 1e",
		"CREATE INDEX i ON t (a) WHERE a = 1.2.3",
		"CREATE INDEX i ON t (a) WHERE a = 12abc",
		"CREATE INDEX i ON t (a) WHERE a = ?",
		"CREATE INDEX i ON t (a) WHERE a = :x",
		"CREATE INDEX i ON t (a) WHERE a = $1",
		"CREATE INDEX i ON t (a) WHERE (a = 1",
		"CREATE INDEX i ON t (a) WHERE a = 1)",
		"CREATE INDEX i ON t (a) WHERE NOT",
		"CREATE INDEX i ON t (a) WHERE a = 1 AND",
		"CREATE INDEX i ON t (a) WHERE a ! 1",
		"CREATE INDEX i ON t (a) WHERE a = '\x00'",
		"CREATE INDEX i ON t (a) WHERE a = '\xff'",
		"CREATE INDEX i ON t (a) WHERE a = 1 COLLATE NOCASE",
		"CREATE INDEX i ON t (a) WHERE " + strings.Repeat("(", 200) + "a = 1" + strings.Repeat(")", 200),
		"CREATE INDEX i ON t (a) WHERE " + strings.Repeat("NOT ", 200) + "a = 1",
	}
	for _, in := range bad {
		t.Run(in, func(t *testing.T) {
			ix, err := Parse(in)
			if err == nil {
				t.Fatalf("no error; parsed %#v", ix)
			}
			if core.ErrorCode(err) != core.EInvalid {
				t.Fatalf("code %q, want %q (%v)", core.ErrorCode(err), core.EInvalid, err)
			}
		})
	}
}

func TestCheckAndBuildOfHandBuiltIndex(t *testing.T) {
	ix := &Index{Name: "i", Table: "t", Columns: []Column{{Name: "a"}}, Where: "a = 1; DROP TABLE t"}
	if err := ix.Check(); err == nil {
		t.Fatal("Check accepted a smuggled statement")
	}
	got := ix.Build(core.SQLite, "t")
	if want := `CREATE INDEX "i" ON "t" ("a") WHERE FALSE`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	for _, bad := range []*Index{
		{Name: "", Columns: []Column{{Name: "a"}}},
		{Name: "i"},
		{Name: "i", Columns: []Column{{Name: `a"`}}},
		{Name: "i", Columns: []Column{{Name: "a", Collate: "de_DE"}}},
		{Name: "i", Columns: []Column{{Name: "a", Sort: "UP"}}},
		{Name: "i", Table: "t;", Columns: []Column{{Name: "a"}}},
	} {
		if err := bad.Check(); err == nil {
			t.Errorf("Check accepted %#v", bad)
		}
	}
	// Quotes in hand-built names are escaped, never closing the identifier.
	evil := &Index{Name: `x" ON t (a); DROP TABLE t; --`, Columns: []Column{{Name: "a"}}}
	if got, want := evil.Build(core.SQLite, "t"), `CREATE INDEX "x"" ON t (a); DROP TABLE t; --" ON "t" ("a")`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestParseWhere(t *testing.T) {
	got, err := ParseWhere("email != ''")
	if err != nil {
		t.Fatal(err)
	}
	if want := "`email` != ''"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if _, err := ParseWhere("email != '' --"); err == nil {
		t.Fatal("accepted a comment")
	}
}
