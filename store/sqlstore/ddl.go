package sqlstore

import (
	"fmt"
	"slices"
	"strings"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/index"
)

// The DDL functions are pure: they turn collections into statements
// without a database, so the golden tests can show both dialects' output.

// CreateStatements returns the statements that create collection c: its
// table and indexes, or its view.
func CreateStatements(d core.Dialect, c *core.Collection) ([]string, error) {
	dl, err := dialectOf(d)
	if err != nil {
		return nil, err
	}
	return dl.createStatements(c)
}

// AlterStatements returns the statements that turn the stored collection
// old into c, data conversions included. Fields are matched by id.
func AlterStatements(d core.Dialect, old, c *core.Collection) ([]string, error) {
	dl, err := dialectOf(d)
	if err != nil {
		return nil, err
	}
	return dl.alterStatements(old, c)
}

// DropStatements returns the statements that remove collection c.
func DropStatements(d core.Dialect, c *core.Collection) ([]string, error) {
	dl, err := dialectOf(d)
	if err != nil {
		return nil, err
	}
	return dl.dropStatements(c), nil
}

func invalidf(format string, args ...any) error { return core.Errorf(core.EInvalid, format, args...) }

func (d dialect) createStatements(c *core.Collection) ([]string, error) {
	if err := checkTableName(c.Name); err != nil {
		return nil, err
	}
	if c.IsView() {
		st, err := d.createView(c)
		if err != nil {
			return nil, err
		}
		return []string{st}, nil
	}
	if err := checkFields(c); err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("CREATE TABLE " + quote(c.Name) + " (")
	for i, f := range c.Fields {
		def, err := d.columnDef(f)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n\t" + quote(f.Name) + " " + def)
	}
	if d.pg() {
		b.WriteString(",\n\t\"_rowid\" BIGINT GENERATED ALWAYS AS IDENTITY")
	}
	b.WriteString("\n)")
	out := []string{b.String()}
	idx, err := d.indexes(c)
	if err != nil {
		return nil, err
	}
	for _, ix := range idx {
		out = append(out, ix.create)
	}
	return out, nil
}

func (d dialect) dropStatements(c *core.Collection) []string {
	if c.IsView() {
		return []string{"DROP VIEW IF EXISTS " + quote(c.Name)}
	}
	return []string{"DROP TABLE IF EXISTS " + quote(c.Name)}
}

func checkTableName(name string) error {
	if name == "" {
		return invalidf("The collection name is empty.")
	}
	if IsSystemTable(name) {
		return invalidf("The collection name %q is reserved for an internal table.", name)
	}
	return nil
}

func checkFields(c *core.Collection) error {
	seen := map[string]bool{}
	hasID := false
	for _, f := range c.Fields {
		if f == nil || f.Name == "" {
			return invalidf("Collection %q has a field without a name.", c.Name)
		}
		key := strings.ToLower(f.Name)
		if seen[key] {
			return invalidf("Collection %q has the field name %q twice.", c.Name, f.Name)
		}
		seen[key] = true
		// Both stand for the insertion-order column in one engine or the other.
		if key == "_rowid" || key == "_rowid_" {
			return invalidf("The field name %q is reserved.", f.Name)
		}
		if key == "id" {
			if f.Name != "id" || f.Type != core.FieldText {
				return invalidf("Collection %q: the primary key must be a text field named \"id\".", c.Name)
			}
			hasID = true
		}
	}
	if !hasID {
		return invalidf("Collection %q has no \"id\" field.", c.Name)
	}
	return nil
}

func viewQuery(c *core.Collection) (string, error) {
	q := strings.TrimSpace(c.ViewQuery)
	for strings.HasSuffix(q, ";") {
		q = strings.TrimSpace(strings.TrimSuffix(q, ";"))
	}
	if q == "" {
		return "", invalidf("The view query of %q is empty.", c.Name)
	}
	return q, nil
}

// builtIndex is one index of a collection as DDL for the dialect.
type builtIndex struct {
	name    string
	columns []string
	create  string
}

// indexes parses c.Indexes and builds them on table c.Name. Every indexed
// column must be a field of c.
func (d dialect) indexes(c *core.Collection) ([]builtIndex, error) {
	out := make([]builtIndex, 0, len(c.Indexes))
	seen := map[string]bool{}
	for _, def := range c.Indexes {
		ix, err := index.Parse(def)
		if err != nil {
			return nil, err
		}
		if seen[strings.ToLower(ix.Name)] {
			return nil, invalidf("Collection %q has the index name %q twice.", c.Name, ix.Name)
		}
		seen[strings.ToLower(ix.Name)] = true
		cols := ix.ColumnNames()
		for i, col := range cols {
			f := c.Field(col)
			if f == nil {
				return nil, invalidf("Index %q references the unknown field %q.", ix.Name, col)
			}
			cols[i] = f.Name
			ix.Columns[i].Name = f.Name
		}
		out = append(out, builtIndex{name: ix.Name, columns: cols, create: ix.Build(d.name, c.Name)})
	}
	return out, nil
}

// columnChange is a field kept across an update.
type columnChange struct {
	from, to *core.Field
}

func (d dialect) alterStatements(old, c *core.Collection) ([]string, error) {
	if old.ID != c.ID {
		return nil, invalidf("The collection id cannot change (%q → %q).", old.ID, c.ID)
	}
	if old.IsView() || c.IsView() {
		create, err := d.createStatements(c)
		if err != nil {
			return nil, err
		}
		// A view's definition covers its query and its fields' types.
		if old.IsView() && c.IsView() && old.Name == c.Name {
			if prev, err := d.createStatements(old); err == nil && slices.Equal(prev, create) {
				return nil, nil
			}
		}
		return append(d.dropStatements(old), create...), nil
	}
	if err := checkTableName(c.Name); err != nil {
		return nil, err
	}
	if err := checkFields(c); err != nil {
		return nil, err
	}
	table := quote(c.Name)

	var drops []*core.Field
	var renames, converts []columnChange
	var adds []*core.Field
	for _, f := range old.Fields {
		if c.FieldByID(f.ID) == nil {
			if f.Name == "id" {
				return nil, invalidf("The id field cannot be removed.")
			}
			drops = append(drops, f)
		}
	}
	for _, f := range c.Fields {
		of := old.FieldByID(f.ID)
		if of == nil {
			adds = append(adds, f)
			continue
		}
		if of.Name != f.Name {
			if of.Name == "id" || f.Name == "id" {
				return nil, invalidf("The id field cannot be renamed.")
			}
			renames = append(renames, columnChange{of, f})
		}
		oldDef, err := d.columnDef(of)
		if err != nil {
			return nil, err
		}
		newDef, err := d.columnDef(f)
		if err != nil {
			return nil, err
		}
		if oldDef != newDef {
			if of.Type != f.Type || of.IsMulti() == f.IsMulti() {
				return nil, invalidf("The type of field %q cannot change from %s to %s.", f.Name, of.Type, f.Type)
			}
			converts = append(converts, columnChange{of, f})
		}
	}

	oldIdx, err := d.indexes(withName(old, c.Name))
	if err != nil {
		// An unparseable stored index cannot be kept; drop it by name if
		// it can be found at all.
		oldIdx = nil
		for _, def := range old.Indexes {
			if ix, perr := index.Parse(def); perr == nil {
				oldIdx = append(oldIdx, builtIndex{name: ix.Name})
			}
		}
	}
	newIdx, err := d.indexes(c)
	if err != nil {
		return nil, err
	}
	// Dropped, converted or renamed columns may sit in any index (even in
	// a partial index's WHERE), and an index follows its column through a
	// rename, so then every index is rebuilt; otherwise only the ones whose
	// definition changed.
	rebuildAll := len(drops) > 0 || len(converts) > 0 || len(renames) > 0
	kept := map[string]bool{}
	if !rebuildAll {
		oldByName := map[string]string{}
		for _, ix := range oldIdx {
			oldByName[strings.ToLower(ix.name)] = ix.create
		}
		for _, ix := range newIdx {
			if prev, ok := oldByName[strings.ToLower(ix.name)]; ok && prev == ix.create {
				kept[strings.ToLower(ix.name)] = true
			}
		}
	}

	var out []string
	for _, ix := range oldIdx {
		if !kept[strings.ToLower(ix.name)] {
			out = append(out, "DROP INDEX IF EXISTS "+quote(ix.name))
		}
	}
	if old.Name != c.Name {
		if strings.EqualFold(old.Name, c.Name) {
			// SQLite compares table names case-insensitively: go through
			// another name for a change of case.
			tmp := quote("_plinth_rename_" + c.ID)
			out = append(out, "ALTER TABLE "+quote(old.Name)+" RENAME TO "+tmp, "ALTER TABLE "+tmp+" RENAME TO "+table)
		} else {
			out = append(out, "ALTER TABLE "+quote(old.Name)+" RENAME TO "+table)
		}
	}
	for _, f := range drops {
		out = append(out, "ALTER TABLE "+table+" DROP COLUMN "+quote(f.Name))
	}
	out = append(out, renameColumns(table, renames)...)
	for i, ch := range converts {
		def, _ := d.columnDef(ch.to)
		tmp := quote(fmt.Sprintf("_plinth_convert_%d", i))
		col := quote(ch.to.Name) // already renamed above
		out = append(out,
			"ALTER TABLE "+table+" ADD COLUMN "+tmp+" "+def,
			"UPDATE "+table+" SET "+tmp+" = "+d.convertExpr(col, ch.to.IsMulti()),
			"ALTER TABLE "+table+" DROP COLUMN "+col,
			"ALTER TABLE "+table+" RENAME COLUMN "+tmp+" TO "+col,
		)
	}
	for _, f := range adds {
		def, err := d.columnDef(f)
		if err != nil {
			return nil, err
		}
		out = append(out, "ALTER TABLE "+table+" ADD COLUMN "+quote(f.Name)+" "+def)
	}
	for _, ix := range newIdx {
		if !kept[strings.ToLower(ix.name)] {
			out = append(out, ix.create)
		}
	}
	return out, nil
}

// renameColumns renames columns; several renames (which may swap names)
// and changes of case go through temporary names first.
func renameColumns(table string, renames []columnChange) []string {
	var out []string
	direct := len(renames) == 1 && !strings.EqualFold(renames[0].from.Name, renames[0].to.Name)
	if direct {
		r := renames[0]
		return []string{"ALTER TABLE " + table + " RENAME COLUMN " + quote(r.from.Name) + " TO " + quote(r.to.Name)}
	}
	for i, r := range renames {
		out = append(out, "ALTER TABLE "+table+" RENAME COLUMN "+quote(r.from.Name)+" TO "+quote(fmt.Sprintf("_plinth_rename_%d", i)))
	}
	for i, r := range renames {
		out = append(out, "ALTER TABLE "+table+" RENAME COLUMN "+quote(fmt.Sprintf("_plinth_rename_%d", i))+" TO "+quote(r.to.Name))
	}
	return out
}

// convertExpr converts a single value column to a JSON array ("" → [],
// "a" → ["a"]) or an array back to its last element.
func (d dialect) convertExpr(col string, toMulti bool) string {
	switch {
	case toMulti && d.pg():
		return "CASE WHEN " + col + " IS NULL OR " + col + " = '' THEN '[]'::jsonb ELSE jsonb_build_array(" + col + ") END"
	case toMulti:
		return "CASE WHEN " + col + " IS NULL OR " + col + " = '' THEN '[]' ELSE json_array(" + col + ") END"
	case d.pg():
		return "COALESCE(CASE WHEN jsonb_typeof(" + col + ") = 'array' THEN " + col + " ->> -1 END, '')"
	default:
		// Nested CASEs: SQLite does not promise to short-circuit AND, and
		// json_type fails on invalid JSON.
		return "CASE WHEN json_valid(" + col + ") THEN CASE WHEN json_type(" + col + ") = 'array' THEN COALESCE(CAST(json_extract(" + col + ", '$[#-1]') AS TEXT), '') ELSE '' END ELSE '' END"
	}
}

// withName returns a shallow copy of c named name.
func withName(c *core.Collection, name string) *core.Collection {
	cp := *c
	cp.Name = name
	return &cp
}
