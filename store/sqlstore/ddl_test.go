package sqlstore

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/plinthdb/plinth/core"
)

var update = flag.Bool("update", false, "rewrite golden files")

func field(typ, name string) *core.Field {
	return &core.Field{ID: core.DefaultFieldID(typ, name), Name: name, Type: typ}
}

func withMax(f *core.Field, n int) *core.Field { f.MaxSelect = n; return f }

func idField() *core.Field {
	f := field(core.FieldText, "id")
	f.PrimaryKey, f.System, f.Required = true, true, true
	return f
}

// goldenCollections: one of every field type, an auth-like one, a view,
// and indexes that are unique, NOCASE, partial and composite.
func goldenCollections() []*core.Collection {
	posts := &core.Collection{ID: "pbc_posts", Name: "posts", Type: core.TypeBase, Fields: []*core.Field{
		idField(),
		field(core.FieldText, "title"),
		field(core.FieldNumber, "num"),
		field(core.FieldBool, "flag"),
		field(core.FieldEmail, "mail"),
		field(core.FieldURL, "site"),
		field(core.FieldEditor, "body"),
		field(core.FieldDate, "when"),
		field(core.FieldAutodate, "created"),
		field(core.FieldSelect, "tag"),
		withMax(field(core.FieldSelect, "tags"), 3),
		field(core.FieldFile, "doc"),
		withMax(field(core.FieldFile, "docs"), 5),
		field(core.FieldRelation, "author"),
		withMax(field(core.FieldRelation, "readers"), 10),
		field(core.FieldJSON, "meta"),
		field(core.FieldGeoPoint, "loc"),
		field(core.FieldPassword, "secret"),
	}, Indexes: []string{
		"CREATE UNIQUE INDEX `idx_posts_title` ON `posts` (`title` COLLATE NOCASE)",
		"CREATE INDEX `idx_posts_num_when` ON `posts` (`num` DESC, `when`)",
		"CREATE UNIQUE INDEX `idx_posts_mail` ON `posts` (`mail`) WHERE `mail` != ''",
	}}
	users := &core.Collection{ID: "_pb_users_auth_", Name: "users", Type: core.TypeAuth, Fields: []*core.Field{
		idField(),
		field(core.FieldPassword, "password"),
		field(core.FieldText, "tokenKey"),
		field(core.FieldEmail, "email"),
		field(core.FieldBool, "emailVisibility"),
		field(core.FieldBool, "verified"),
		field(core.FieldText, "name"),
		field(core.FieldFile, "avatar"),
		field(core.FieldAutodate, "created"),
		field(core.FieldAutodate, "updated"),
	}, Indexes: []string{
		"CREATE UNIQUE INDEX `idx_tokenKey__pb_users_auth_` ON `users` (`tokenKey`)",
		"CREATE UNIQUE INDEX `idx_email__pb_users_auth_` ON `users` (`email`) WHERE `email` != ''",
	}}
	view := &core.Collection{ID: "pbc_stats", Name: "post_stats", Type: core.TypeView,
		ViewQuery: "SELECT author AS id, COUNT(*) AS total FROM posts GROUP BY author;",
		Fields:    []*core.Field{idField(), field(core.FieldNumber, "total")}}
	return []*core.Collection{posts, users, view}
}

// goldenChanges: each step turns the previous collection into the next.
func goldenChanges() []struct {
	name     string
	old, new *core.Collection
} {
	base := &core.Collection{ID: "pbc_items", Name: "items", Type: core.TypeBase, Fields: []*core.Field{
		idField(), field(core.FieldText, "title"), field(core.FieldNumber, "qty"), field(core.FieldSelect, "tag"),
		withMax(field(core.FieldRelation, "owners"), 5), field(core.FieldText, "old"),
	}, Indexes: []string{
		"CREATE INDEX `idx_items_title` ON `items` (`title`)",
		"CREATE UNIQUE INDEX `idx_items_qty` ON `items` (`qty`)",
	}}

	addOnly := base.Clone()
	addOnly.Fields = append(addOnly.Fields, field(core.FieldBool, "done"), field(core.FieldJSON, "extra"))
	addOnly.Indexes = append(addOnly.Indexes, "CREATE INDEX `idx_items_done` ON `items` (`done`)")

	everything := base.Clone()
	everything.Name = "things"
	everything.Fields[1].Name = "headline" // rename
	everything.Fields[3].MaxSelect = 2     // single → multi
	everything.Fields[4].MaxSelect = 1     // multi → single
	everything.Fields = append(everything.Fields[:5:5], field(core.FieldGeoPoint, "where"))
	everything.Indexes = []string{
		"CREATE INDEX `idx_items_title` ON `things` (`headline` COLLATE NOCASE)",
		"CREATE UNIQUE INDEX `idx_items_qty` ON `things` (`qty`)",
	}

	swap := base.Clone()
	swap.Fields[1].Name, swap.Fields[5].Name = "old", "title"
	swap.Indexes = []string{"CREATE INDEX `idx_items_title` ON `items` (`title`)", "CREATE UNIQUE INDEX `idx_items_qty` ON `items` (`qty`)"}

	caseOnly := base.Clone()
	caseOnly.Name = "Items"
	caseOnly.Fields[2].Name = "QTY"
	caseOnly.Indexes = []string{"CREATE INDEX `idx_items_title` ON `Items` (`title`)", "CREATE UNIQUE INDEX `idx_items_qty` ON `Items` (`QTY`)"}

	view := goldenCollections()[2]
	view2 := view.Clone()
	view2.ViewQuery = "SELECT author AS id, COUNT(*) AS total, MAX(num) AS top FROM posts GROUP BY author"

	return []struct {
		name     string
		old, new *core.Collection
	}{
		{"add fields and an index", base, addOnly},
		{"rename table and field, convert shapes, drop and add", base, everything},
		{"swap field names", base, swap},
		{"change of case", base, caseOnly},
		{"unchanged", base, base.Clone()},
		{"view query", view, view2},
	}
}

func render(t *testing.T, d core.Dialect) (create, alter string) {
	var b strings.Builder
	b.WriteString("-- system tables\n")
	dl, _ := dialectOf(d)
	for _, m := range migrations {
		for _, st := range m.stmts(dl) {
			b.WriteString(st + ";\n")
		}
	}
	for _, c := range goldenCollections() {
		stmts, err := CreateStatements(d, c)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		b.WriteString("\n-- " + c.Name + "\n")
		for _, st := range stmts {
			b.WriteString(st + ";\n")
		}
		drop, _ := DropStatements(d, c)
		b.WriteString("-- drop\n" + strings.Join(drop, ";\n") + ";\n")
	}
	create = b.String()
	b.Reset()
	for i, ch := range goldenChanges() {
		stmts, err := AlterStatements(d, ch.old, ch.new)
		if err != nil {
			t.Fatalf("%s: %v", ch.name, err)
		}
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("-- " + ch.name + "\n")
		for _, st := range stmts {
			b.WriteString(st + ";\n")
		}
	}
	return create, b.String()
}

func TestDDLGolden(t *testing.T) {
	for _, d := range []core.Dialect{core.SQLite, core.Postgres} {
		create, alter := render(t, d)
		golden(t, "create."+string(d)+".golden", create)
		golden(t, "alter."+string(d)+".golden", alter)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n%s", name, got)
	}
}

func TestDDLErrors(t *testing.T) {
	posts := goldenCollections()[0]
	typeChange := posts.Clone()
	typeChange.Fields[2].Type = core.FieldText
	otherID := posts.Clone()
	otherID.ID = "other"
	noID := posts.Clone()
	noID.Fields = noID.Fields[1:]
	badIndex := posts.Clone()
	badIndex.Indexes = []string{"CREATE INDEX x ON posts (nope)"}
	for name, fn := range map[string]func(d core.Dialect) error{
		"type change": func(d core.Dialect) error { _, err := AlterStatements(d, posts, typeChange); return err },
		"id change":   func(d core.Dialect) error { _, err := AlterStatements(d, posts, otherID); return err },
		"id removed":  func(d core.Dialect) error { _, err := AlterStatements(d, posts, noID); return err },
		"no id":       func(d core.Dialect) error { _, err := CreateStatements(d, noID); return err },
		"bad index":   func(d core.Dialect) error { _, err := CreateStatements(d, badIndex); return err },
		"bad dialect": func(core.Dialect) error { _, err := CreateStatements("oracle", posts); return err },
	} {
		for _, d := range []core.Dialect{core.SQLite, core.Postgres} {
			if err := fn(d); err == nil {
				t.Errorf("%s (%s): no error", name, d)
			}
		}
	}
}
