package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/plinthdb/plinth/collection"
	"github.com/plinthdb/plinth/core"
)

// View collections: fields derived from the query, dry runs, and views
// kept in step with the collections under them. Their records are
// read-only (records.go refuses writes, relations.go truncation).

// Limits of view queries (§1.9, §3.8).
const (
	MaxViewQueryLength = 5000
	viewSampleSize     = 10
)

// viewTx is what the SQL stores' transactions offer for views beyond
// core.Tx: a read-only query that also reports the engine's column types,
// and a preview of a view that does not exist yet.
type viewTx interface {
	QueryTypes(ctx context.Context, q core.SQL) (cols, types []string, rows [][]any, err error)
	PreviewView(ctx context.Context, c *core.Collection, limit int) ([]*core.Record, error)
}

// viewQueryError is a view query that the shape check or the engine
// rejected; its text is shown to the client.
type viewQueryError struct{ msg string }

func (e *viewQueryError) Error() string { return e.msg }

func viewQueryErrorf(format string, args ...any) error {
	return &viewQueryError{msg: fmt.Sprintf(format, args...)}
}

// deriveViewFields checks query, runs it read-only (with no rows) in tx
// and derives the view's fields from its result columns. cols are the
// collections the query may read; old are the view's current fields,
// whose ids are kept for columns of the same name and type. It returns
// the query to store: as given, unless something other than semicolons
// follows the statement (a comment), which is then cut off.
func (a *App) deriveViewFields(ctx context.Context, tx core.Tx, cols []*core.Collection, query string, old []*core.Field) ([]*core.Field, string, error) {
	if strings.TrimSpace(query) == "" {
		return nil, "", viewQueryErrorf("the query is empty")
	}
	if n := utf8.RuneCountInString(query); n > MaxViewQueryLength {
		return nil, "", viewQueryErrorf("the query must be at most %d characters long (it has %d)", MaxViewQueryLength, n)
	}
	d := a.store.Dialect()
	shape, err := parseViewQuery(query, d)
	if err != nil {
		return nil, "", &viewQueryError{msg: err.Error()}
	}
	probe := core.SQL{Text: "SELECT * FROM (\n" + shape.query + "\n) AS \"_plinth_probe\" LIMIT 0"}
	var names, types []string
	if vt, ok := tx.(viewTx); ok {
		names, types, _, err = vt.QueryTypes(ctx, probe)
	} else {
		names, _, err = tx.Query(ctx, probe)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		return nil, "", &viewQueryError{msg: err.Error()}
	}
	inf := &viewInference{dialect: d, shape: shape, names: names, types: types, cols: cols, old: old, rand: a.rand}
	fields, err := inf.fields()
	if err != nil {
		return nil, "", err
	}
	stored := query
	if strings.Trim(shape.tail, " \t\r\n;") != "" {
		stored = shape.query
	}
	return fields, stored, nil
}

// validateCollectionTx is validateCollection for a save inside tx. A view
// first gets its fields from its query (client-sent fields are ignored);
// a query that fails is reported as viewQuery: validation_invalid_view_query
// along with the other validation errors.
func (a *App) validateCollectionTx(ctx context.Context, tx core.Tx, c, old *core.Collection, s *core.Schema) error {
	var viewErr *core.FieldError
	if c.IsView() && strings.TrimSpace(c.ViewQuery) != "" {
		var oldFields []*core.Field
		if old != nil && old.IsView() {
			oldFields = old.Fields
		}
		fields, query, err := a.deriveViewFields(ctx, tx, s.Collections, c.ViewQuery, oldFields)
		var vqe *viewQueryError
		switch {
		case err == nil:
			c.Fields, c.ViewQuery = fields, query
		case errors.As(err, &vqe):
			viewErr = core.NewFieldError("validation_invalid_view_query", "Invalid query - "+vqe.msg, nil)
			c.Fields = []*core.Field{}
			if oldFields != nil {
				c.Fields = old.Clone().Fields
			}
		default:
			return internal(err)
		}
	}
	err := a.validateCollection(c, old, s)
	if viewErr == nil {
		return err
	}
	errs := core.FieldErrors{}
	var fe core.FieldErrors
	if errors.As(err, &fe) {
		for k, v := range fe {
			errs[k] = v
		}
	} else if err != nil {
		return err
	}
	errs["viewQuery"] = viewErr
	return errs
}

// viewDependencyError is a view whose query no longer runs after a change
// of the collections under it.
type viewDependencyError struct {
	view string
	err  error
}

func (e *viewDependencyError) Error() string {
	return fmt.Sprintf("the view collection %q depends on it: %v", e.view, e.err)
}
func (e *viewDependencyError) Unwrap() error         { return e.err }
func (e *viewDependencyError) DependentView() string { return e.view }

// dependentViewError turns a failure caused by a dependent view (the
// store's or refreshViews') into the action's 400, or returns nil.
func dependentViewError(action string, err error) error {
	var dv interface{ DependentView() string }
	if err == nil || !errors.As(err, &dv) {
		return nil
	}
	return &core.Error{Code: core.EInvalid, Err: err, Message: fmt.Sprintf(
		"Failed to %s collection because the view collection %q depends on it. Update or delete the view first.", action, dv.DependentView())}
}

// refreshViews derives the fields of every view but skipID again after a
// schema change in tx, and saves those whose fields changed (a cloned
// field's options, a relation that became multiple), which also rebuilds
// their database views. Views on views may need a second round.
func (a *App) refreshViews(ctx context.Context, tx core.Tx, skipID string) error {
	for round := 0; round < 8; round++ {
		cols, err := tx.Collections(ctx)
		if err != nil {
			return internal(err)
		}
		changed := false
		for _, v := range cols {
			if !v.IsView() || v.ID == skipID {
				continue
			}
			fields, _, err := a.deriveViewFields(ctx, tx, cols, v.ViewQuery, v.Fields)
			if err != nil {
				var vqe *viewQueryError
				if errors.As(err, &vqe) {
					return &viewDependencyError{view: v.Name, err: err}
				}
				return internal(err)
			}
			if sameFields(v.Fields, fields) {
				continue
			}
			next := v.Clone()
			next.Fields = fields
			next.Updated = core.FormatTime(a.Now())
			if err := tx.SaveCollection(ctx, v, next); err != nil {
				return err
			}
			changed = true
		}
		if !changed {
			return nil
		}
	}
	return nil
}

func sameFields(a, b []*core.Field) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}

// importViewsFirst prepares an import: the views it deletes go at once,
// and the views it changes are dropped, to be created again after the
// tables (their changes lose Old). So a table change that only the
// imported queries survive (a renamed field and the view using it) goes
// through. It returns the deletes still to do and the creation times of
// the dropped views by id.
func (a *App) importViewsFirst(ctx context.Context, tx core.Tx, changes []collection.Change, deletes []*core.Collection) ([]*core.Collection, map[string]string, error) {
	var drop, rest []*core.Collection
	for _, d := range deletes {
		if d.IsView() {
			drop = append(drop, d)
		} else {
			rest = append(rest, d)
		}
	}
	created := map[string]string{}
	for i, ch := range changes {
		if ch.Old != nil && ch.Old.IsView() && ch.New.IsView() {
			drop = append(drop, ch.Old)
			created[ch.Old.ID] = ch.Old.Created
			changes[i].Old = nil
		}
	}
	// Views on views: a dependent has to go before the view it reads.
	for len(drop) > 0 {
		var failed []*core.Collection
		var firstErr error
		for _, v := range drop {
			if err := tx.DeleteCollection(ctx, v); err != nil {
				if ctx.Err() != nil {
					return nil, nil, ctx.Err()
				}
				if firstErr == nil {
					firstErr = fmt.Errorf("Failed to delete collection %s: %w", v.Name, err)
				}
				failed = append(failed, v)
			}
		}
		if len(failed) == len(drop) {
			return nil, nil, firstErr
		}
		drop = failed
	}
	return rest, created, nil
}

// keepViewsCreated gives the views importViewsFirst dropped and the import
// created again their original creation time.
func (a *App) keepViewsCreated(ctx context.Context, tx core.Tx, s *core.Schema, created map[string]string) error {
	for id, at := range created {
		c := s.Find(id)
		if c == nil || c.ID != id || c.Created == at {
			continue
		}
		next := c.Clone()
		next.Created = at
		if err := tx.SaveCollection(ctx, c, next); err != nil {
			return err
		}
	}
	return nil
}

// checkViewSort refuses @rowid on a view: a view has no insertion order.
func checkViewSort(c *core.Collection, sort string) error {
	if !c.IsView() {
		return nil
	}
	for _, t := range strings.Split(sort, ",") {
		if strings.TrimLeft(strings.TrimSpace(t), "+-") == "@rowid" {
			return core.Invalid("View collections cannot be sorted by @rowid since they have no insertion order.", nil)
		}
	}
	return nil
}

// ViewPreview is the result of a view query dry run.
type ViewPreview struct {
	Fields []*core.Field
	Sample []*core.Record
}

// DryRunView derives the fields of query and reads up to 10 of its rows,
// without saving anything (§3.8).
func (a *App) DryRunView(ctx context.Context, query string) (*ViewPreview, error) {
	if strings.TrimSpace(query) == "" {
		return nil, core.Invalid("An error occurred while validating the submitted data.", map[string]any{
			"query": core.NewFieldError("validation_required", "Cannot be blank.", nil)})
	}
	if utf8.RuneCountInString(query) > MaxViewQueryLength {
		return nil, core.Invalid("An error occurred while validating the submitted data.", map[string]any{
			"query": core.NewFieldError("validation_length_too_long", fmt.Sprintf("The length must be no more than %d.", MaxViewQueryLength),
				map[string]any{"max": MaxViewQueryLength})})
	}
	s, err := a.store.Schema(ctx)
	if err != nil {
		return nil, internal(err)
	}
	out := &ViewPreview{Sample: []*core.Record{}}
	err = a.store.Read(ctx, func(tx core.Tx) error {
		fields, q, err := a.deriveViewFields(ctx, tx, s.Collections, query, nil)
		if err != nil {
			return err
		}
		out.Fields = fields
		vt, ok := tx.(viewTx)
		if !ok {
			return nil
		}
		c := &core.Collection{Type: core.TypeView, ViewQuery: q, Fields: fields, Indexes: []string{}}
		recs, err := vt.PreviewView(ctx, c, viewSampleSize)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return &viewQueryError{msg: err.Error()}
		}
		out.Sample = append(out.Sample, recs...)
		return nil
	})
	var vqe *viewQueryError
	if errors.As(err, &vqe) {
		return nil, &core.Error{Code: core.EInvalid, Message: "Invalid view query. Raw error: \n" + vqe.msg, Err: err}
	}
	if err != nil {
		return nil, internal(err)
	}
	return out, nil
}

// viewInference turns the result columns of a view query into fields.
type viewInference struct {
	dialect core.Dialect
	shape   *viewShape
	names   []string // result column names, from the engine
	types   []string // the engine's type names ("" when unknown)
	cols    []*core.Collection
	old     []*core.Field
	rand    io.Reader
	clones  map[*core.Field]bool // fields copied from a source field

	sources map[string]*core.Collection // FROM alias (lower case) → collection, nil when unknown
	unknown bool                        // a FROM source whose columns are unknown
}

// column is what is known of one result column.
type column struct {
	typ   string      // a field type, "" when unknown
	clone *core.Field // the source field of a plain column reference
	relTo string      // a reference to a collection's id: a relation to it
}

func (v *viewInference) fields() ([]*core.Field, error) {
	v.sources = map[string]*core.Collection{}
	for _, src := range v.shape.sources {
		var c *core.Collection
		if src.name != "" && !src.cte {
			c = v.collectionNamed(src.name)
		}
		if c == nil {
			v.unknown = true
		}
		if src.alias != "" {
			v.sources[strings.ToLower(src.alias)] = c
		}
	}
	exprs, stars := v.align()

	var idField *core.Field
	var fields []*core.Field
	seen := map[string]bool{}
	for i, name := range v.names {
		if strings.EqualFold(name, "_rowid") {
			continue // PostgreSQL's insertion-order column, from a SELECT *
		}
		lower := strings.ToLower(name)
		if j := strings.LastIndexByte(name, ':'); j > 0 && seen[strings.ToLower(name[:j])] {
			name, lower = name[:j], strings.ToLower(name[:j]) // SQLite renames a duplicate "a" to "a:1"
		}
		if seen[lower] {
			return nil, viewQueryErrorf("the column name %q is used more than once; give each column its own name with AS", name)
		}
		seen[lower] = true
		if lower == "id" {
			if name != "id" {
				return nil, viewQueryErrorf(`the id column must be named exactly "id" (found %q)`, name)
			}
			idField = collection.ViewIDField()
			continue
		}
		if msg := collection.CheckViewFieldName(name); msg != "" {
			return nil, viewQueryErrorf("the column name %q cannot name a field (%s); give the column a valid name with AS",
				name, strings.TrimSuffix(strings.ToLower(msg[:1])+msg[1:], "."))
		}
		var col column
		switch {
		case exprs[i] != nil:
			col = v.classify(exprs[i].expr)
		case stars[i] != nil:
			if c, f := v.starField(stars[i], name); f != nil {
				col = refColumn(c, f)
			}
		}
		engineType := ""
		if i < len(v.types) {
			engineType = strings.ToUpper(v.types[i])
		}
		if col.typ == "" && col.clone == nil && col.relTo == "" {
			col.typ = v.typeFromEngine(engineType)
		}
		f, err := v.field(name, col)
		if err != nil {
			return nil, err
		}
		if v.dialect == core.Postgres && engineType != "" && !pgCompatible(f, engineType) {
			f = &core.Field{Name: name, Type: core.FieldJSON, MaxSize: 1}
		}
		fields = append(fields, f)
	}
	if idField == nil {
		return nil, viewQueryErrorf(`the query must return an "id" column`)
	}
	out := append([]*core.Field{idField}, fields...)
	if err := v.assignIDs(out); err != nil {
		return nil, err
	}
	return out, nil
}

func (v *viewInference) collectionNamed(name string) *core.Collection {
	for _, c := range v.cols {
		if strings.EqualFold(c.Name, name) {
			return c
		}
	}
	return nil
}

// align pairs result columns with select items: one item per column, and
// the columns of a * or t.* by name.
func (v *viewInference) align() (exprs, stars []*selectItem) {
	exprs = make([]*selectItem, len(v.names))
	stars = make([]*selectItem, len(v.names))
	items := v.shape.items
	first, last := -1, -1
	for i := range items {
		if items[i].star {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		if len(items) == len(v.names) {
			for i := range items {
				exprs[i] = &items[i]
			}
		}
		return exprs, stars
	}
	after := len(items) - 1 - last
	if first+after > len(v.names) {
		return exprs, stars
	}
	for i := 0; i < first; i++ {
		exprs[i] = &items[i]
	}
	for k := 0; k < after; k++ {
		exprs[len(v.names)-after+k] = &items[last+1+k]
	}
	for i := first; i < len(v.names)-after; i++ {
		stars[i] = &items[first]
		if first != last {
			stars[i] = &selectItem{star: true} // several stars: search every source
		}
	}
	return exprs, stars
}

// starField finds the field a column of a * or t.* comes from.
func (v *viewInference) starField(it *selectItem, name string) (*core.Collection, *core.Field) {
	if it.starTable != "" {
		c := v.sources[strings.ToLower(it.starTable)]
		if c == nil {
			return nil, nil
		}
		return c, c.Field(name)
	}
	return v.uniqueField(name)
}

// uniqueField finds the one FROM collection with a field named name.
func (v *viewInference) uniqueField(name string) (*core.Collection, *core.Field) {
	if v.unknown {
		return nil, nil
	}
	var hit *core.Collection
	var hitField *core.Field
	for _, c := range v.sources {
		if f := c.Field(name); f != nil {
			if hit != nil && hit != c {
				return nil, nil
			}
			hit, hitField = c, f
		}
	}
	return hit, hitField
}

// resolve finds the field of a column reference: qualified by a FROM
// alias, or unqualified and found in exactly one FROM collection.
func (v *viewInference) resolve(qualifier, name string) (*core.Collection, *core.Field) {
	if qualifier == "" {
		return v.uniqueField(name)
	}
	c := v.sources[strings.ToLower(qualifier)]
	if c == nil {
		return nil, nil
	}
	return c, c.Field(name)
}

// viewColumnRef reads a plain column reference: name, t.name or s.t.name.
func viewColumnRef(expr []sqlToken) (qualifier, name string, ok bool) {
	switch {
	case len(expr) == 1 && expr[0].kind == tokQuoted:
		return "", expr[0].text, true
	case len(expr) == 1 && expr[0].kind == tokIdent && !expressionEnders[strings.ToUpper(expr[0].text)]:
		return "", expr[0].text, true
	case len(expr) == 3 && expr[0].isName() && expr[1].punct(".") && expr[2].isName():
		return expr[0].text, expr[2].text, true
	case len(expr) == 5 && expr[0].isName() && expr[1].punct(".") && expr[2].isName() && expr[3].punct(".") && expr[4].isName():
		return expr[2].text, expr[4].text, true
	}
	return "", "", false
}

func refColumn(c *core.Collection, f *core.Field) column {
	if f.PrimaryKey || f.Name == "id" {
		return column{relTo: c.ID}
	}
	return column{clone: f}
}

// Functions whose result type is evident on both engines.
var (
	numberFuncs = map[string]bool{"COUNT": true, "SUM": true, "TOTAL": true, "AVG": true, "LENGTH": true,
		"CHAR_LENGTH": true, "ABS": true, "ROUND": true}
	textFuncs = map[string]bool{"LOWER": true, "UPPER": true, "TRIM": true, "LTRIM": true, "RTRIM": true,
		"SUBSTR": true, "SUBSTRING": true, "REPLACE": true, "CONCAT": true, "CONCAT_WS": true, "PRINTF": true,
		"FORMAT": true, "GROUP_CONCAT": true, "STRING_AGG": true}
)

// classify tells what a select item's expression is, as far as the query
// text shows it.
func (v *viewInference) classify(expr []sqlToken) column {
	if q, name, ok := viewColumnRef(expr); ok {
		if c, f := v.resolve(q, name); f != nil {
			return refColumn(c, f)
		}
		return column{}
	}
	if len(expr) == 1 {
		switch t := expr[0]; {
		case t.kind == tokNumber:
			return column{typ: core.FieldNumber}
		case t.kind == tokString:
			return column{typ: core.FieldText}
		case t.is("TRUE") || t.is("FALSE"):
			return column{typ: core.FieldBool}
		case t.is("NULL"):
			return column{typ: core.FieldJSON}
		}
		return column{}
	}
	// expr::type, the last cast at the top level.
	depth := 0
	for i := len(expr) - 1; i > 0; i-- {
		switch {
		case expr[i].punct(")"):
			depth++
		case expr[i].punct("("):
			depth--
		case depth == 0 && expr[i].punct("::"):
			return column{typ: castType(expr[i+1:])}
		}
	}
	// name(...) as the whole expression.
	if expr[0].kind == tokIdent && expr[1].punct("(") && closes(expr, 1) == len(expr)-1 {
		fn := strings.ToUpper(expr[0].text)
		args := expr[2 : len(expr)-1]
		switch {
		case fn == "CAST":
			depth := 0
			for i, t := range args {
				switch {
				case t.punct("("):
					depth++
				case t.punct(")"):
					depth--
				case depth == 0 && t.is("AS"):
					return column{typ: castType(args[i+1:])}
				}
			}
		case numberFuncs[fn]:
			return column{typ: core.FieldNumber}
		case textFuncs[fn]:
			return column{typ: core.FieldText}
		case fn == "MIN" || fn == "MAX":
			// Of one column: a value of that column.
			if q, name, ok := viewColumnRef(args); ok {
				if _, f := v.resolve(q, name); f != nil && !f.IsMulti() && !f.PrimaryKey &&
					f.Type != core.FieldJSON && f.Type != core.FieldGeoPoint && f.Type != core.FieldPassword {
					return column{clone: f}
				}
			}
		}
		return column{}
	}
	depth = 0
	for _, t := range expr {
		switch {
		case t.punct("("):
			depth++
		case t.punct(")"):
			depth--
		case depth == 0 && t.punct("||"):
			return column{typ: core.FieldText}
		}
	}
	return column{}
}

// closes returns the index of the parenthesis closing the one at open.
func closes(expr []sqlToken, open int) int {
	depth := 0
	for i := open; i < len(expr); i++ {
		switch {
		case expr[i].punct("("):
			depth++
		case expr[i].punct(")"):
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// castType maps the type name of a CAST to a field type.
func castType(toks []sqlToken) string {
	var words []string
	for _, t := range toks {
		if t.punct("[") || t.punct("]") {
			return core.FieldJSON // an array
		}
		if t.kind == tokIdent {
			words = append(words, strings.ToUpper(t.text))
		}
	}
	return typeFromName(strings.Join(words, " "))
}

// typeFromName maps a type name, as a CAST or SQLite's declared types
// spell it, to a field type ("" when it tells nothing).
func typeFromName(name string) string {
	name = strings.ToUpper(strings.TrimSpace(name))
	if i := strings.IndexByte(name, '('); i >= 0 {
		name = strings.TrimSpace(name[:i])
	}
	switch {
	case name == "":
		return ""
	case strings.Contains(name, "JSON"):
		return core.FieldJSON
	case strings.Contains(name, "BOOL"):
		return core.FieldBool
	case strings.Contains(name, "INT"), strings.Contains(name, "REAL"), strings.Contains(name, "FLOA"),
		strings.Contains(name, "DOUB"), strings.Contains(name, "NUMERIC"), strings.Contains(name, "DECIMAL"):
		return core.FieldNumber
	case strings.Contains(name, "CHAR"), strings.Contains(name, "TEXT"), strings.Contains(name, "CLOB"),
		name == "NAME", name == "UUID":
		return core.FieldText
	}
	return ""
}

// typeFromEngine maps the engine's type of a column to a field type.
func (v *viewInference) typeFromEngine(t string) string {
	if v.dialect == core.Postgres {
		switch {
		case pgNumeric[t]:
			return core.FieldNumber
		case t == "BOOL":
			return core.FieldBool
		case pgText[t]:
			return core.FieldText
		}
		return core.FieldJSON
	}
	if typ := typeFromName(t); typ != "" {
		return typ
	}
	return core.FieldJSON
}

var (
	pgNumeric = map[string]bool{"INT2": true, "INT4": true, "INT8": true, "FLOAT4": true, "FLOAT8": true, "NUMERIC": true}
	pgText    = map[string]bool{"TEXT": true, "VARCHAR": true, "BPCHAR": true, "NAME": true, "CHAR": true, "UUID": true}
	pgJSON    = map[string]bool{"JSON": true, "JSONB": true}
)

// pgCompatible reports whether a column of PostgreSQL type t can be cast
// to f's storage type (the view's casts would fail otherwise).
func pgCompatible(f *core.Field, t string) bool {
	switch {
	case f.Type == core.FieldNumber:
		return pgNumeric[t]
	case f.Type == core.FieldBool:
		return t == "BOOL"
	case f.Type == core.FieldJSON:
		return true
	case f.IsMulti() || f.Type == core.FieldGeoPoint:
		return pgJSON[t]
	}
	return !pgJSON[t]
}

// field builds the field of a result column.
func (v *viewInference) field(name string, col column) (*core.Field, error) {
	switch {
	case col.clone != nil:
		f := col.clone.Clone()
		f.ID, f.Name, f.PrimaryKey = "", name, false
		if v.clones == nil {
			v.clones = map[*core.Field]bool{}
		}
		v.clones[f] = true
		return f, nil
	case col.relTo != "":
		return &core.Field{Name: name, Type: core.FieldRelation, CollectionID: col.relTo, MaxSelect: 1}, nil
	case col.typ == core.FieldJSON || col.typ == "":
		// PocketBase gives derived json fields a maxSize of 1.
		return &core.Field{Name: name, Type: core.FieldJSON, MaxSize: 1}, nil
	}
	return &core.Field{Name: name, Type: col.typ}, nil
}

// assignIDs keeps the id of the view's previous field of the same name and
// type; other clones get a new "_clone_" id, the rest PocketBase's default.
func (v *viewInference) assignIDs(fields []*core.Field) error {
	used := map[string]bool{}
	for _, f := range fields {
		if f.ID != "" {
			used[f.ID] = true
		}
	}
	for _, f := range fields {
		if f.ID != "" {
			continue
		}
		for _, of := range v.old {
			if strings.EqualFold(of.Name, f.Name) && of.Type == f.Type && !used[of.ID] {
				f.ID = of.ID
				break
			}
		}
		if f.ID == "" && v.clones[f] {
			for f.ID == "" || used[f.ID] {
				suffix, err := randomString(v.rand, 4)
				if err != nil {
					return internal(err)
				}
				f.ID = "_clone_" + suffix
			}
		}
		if f.ID == "" {
			f.ID = core.DefaultFieldID(f.Type, f.Name)
		}
		used[f.ID] = true
	}
	return nil
}
