package index

import (
	"testing"

	"github.com/plinthdb/plinth/core"
)

// FuzzParse checks that whatever Parse accepts builds without panicking for
// both dialects, and that the SQLite DDL and the canonical form parse back
// to the same definition.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"CREATE UNIQUE INDEX `idx_abc` ON `posts` (`title` COLLATE NOCASE, `num` DESC) WHERE title != ''",
		"CREATE INDEX i ON t (a) WHERE (a = 1 OR b <> 'x''y') AND NOT c IS NOT NULL",
		"create index if not exists [i] on \"t\"(a asc, b collate rtrim) where -1 < b;",
		"CREATE INDEX i ON t (a); DROP TABLE x; --",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ix, err := Parse(s)
		if err != nil {
			return
		}
		if err := ix.Check(); err != nil {
			t.Fatalf("parsed index fails Check: %v", err)
		}
		_ = ix.Build(core.Postgres, "tbl")
		ddl := ix.Build(core.SQLite, "tbl")
		back, err := Parse(ddl)
		if err != nil {
			t.Fatalf("SQLite DDL %q does not reparse: %v", ddl, err)
		}
		if again := back.Build(core.SQLite, "tbl"); again != ddl {
			t.Fatalf("DDL not stable:\n%s\n%s", ddl, again)
		}
		canon := ix.String()
		back, err = Parse(canon)
		if err != nil {
			t.Fatalf("canonical %q does not reparse: %v", canon, err)
		}
		if back.String() != canon {
			t.Fatalf("canonical form not stable:\n%s\n%s", canon, back.String())
		}
	})
}
