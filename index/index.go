// Package index parses the index definitions PocketBase keeps in a
// collection's "indexes" list and rebuilds them as DDL for each dialect.
//
// The definitions are superuser input that ends up in CREATE INDEX
// statements, so parsing is strict: identifiers are limited to ^\w+$,
// columns are plain column names, and the WHERE clause is a small boolean
// language that is parsed into a tree and re-emitted, never copied.
package index

import (
	"fmt"
	"strings"

	"github.com/plinthdb/plinth/core"
)

// Column is one indexed column.
type Column struct {
	Name    string
	Collate string // "", "NOCASE", "BINARY" or "RTRIM"
	Sort    string // "", "ASC" or "DESC"
}

// Index is a parsed index definition.
type Index struct {
	Name    string
	Unique  bool
	Table   string
	Columns []Column
	// Where is the partial-index condition in canonical form (identifiers
	// in backticks), "" for none. Build re-parses it, so a hand-edited value
	// cannot carry arbitrary SQL.
	Where string
}

// maxDepth bounds nesting in WHERE so hostile input cannot exhaust the stack.
const maxDepth = 64

var collations = []string{"NOCASE", "BINARY", "RTRIM"}

func invalid(format string, args ...any) error {
	return core.Errorf(core.EInvalid, "Invalid index expression: "+format+".", args...)
}

type parser struct {
	toks  []token
	i     int
	depth int
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) expectWord(w string) error {
	if t := p.next(); !t.is(w) {
		return fmt.Errorf("expected %s, got %s at %d", w, t.describe(), t.pos)
	}
	return nil
}

func (p *parser) expectPunct(s string) error {
	if t := p.next(); t.kind != tPunct || t.text != s {
		return fmt.Errorf("expected %q, got %s at %d", s, t.describe(), t.pos)
	}
	return nil
}

// ident reads an identifier, bare or quoted. Bare words are accepted in
// identifier positions whatever they spell, since output is always quoted.
func (p *parser) ident(what string, allowEmpty bool) (string, error) {
	t := p.next()
	if t.kind != tWord && t.kind != tQuoted {
		return "", fmt.Errorf("expected %s, got %s at %d", what, t.describe(), t.pos)
	}
	if t.text == "" && !allowEmpty {
		return "", fmt.Errorf("empty %s at %d", what, t.pos)
	}
	return t.text, nil
}

// Parse parses one index definition of the form
//
//	CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON table (col [COLLATE c] [ASC|DESC], ...) [WHERE cond]
//
// Errors are *core.Error with code core.EInvalid.
func Parse(sql string) (*Index, error) {
	ix, err := parse(sql)
	if err != nil {
		return nil, invalid("%s", err.Error())
	}
	return ix, nil
}

func parse(sql string) (*Index, error) {
	toks, err := lex(sql)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	ix := &Index{}
	if err := p.expectWord("CREATE"); err != nil {
		return nil, err
	}
	if p.peek().is("UNIQUE") {
		p.next()
		ix.Unique = true
	}
	if err := p.expectWord("INDEX"); err != nil {
		return nil, err
	}
	if p.peek().is("IF") && p.toks[p.i+1].is("NOT") {
		p.next()
		p.next()
		if err := p.expectWord("EXISTS"); err != nil {
			return nil, err
		}
	}
	if ix.Name, err = p.ident("index name", false); err != nil {
		return nil, err
	}
	if err := p.expectWord("ON"); err != nil {
		return nil, err
	}
	// Placeholder definitions (scaffolds) have an empty table name.
	if ix.Table, err = p.ident("table name", true); err != nil {
		return nil, err
	}
	if err := p.expectPunct("("); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for {
		col, err := p.column()
		if err != nil {
			return nil, err
		}
		key := strings.ToLower(col.Name)
		if seen[key] {
			return nil, fmt.Errorf("column %q is listed twice", col.Name)
		}
		seen[key] = true
		ix.Columns = append(ix.Columns, col)
		t := p.next()
		if t.kind == tPunct && t.text == ")" {
			break
		}
		if t.kind != tPunct || t.text != "," {
			return nil, fmt.Errorf("expected \",\" or \")\", got %s at %d", t.describe(), t.pos)
		}
	}
	if p.peek().is("WHERE") {
		p.next()
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		ix.Where = emit(e, backtick)
	}
	if t := p.peek(); t.kind == tPunct && t.text == ";" {
		p.next()
	}
	if t := p.next(); t.kind != tEOF {
		return nil, fmt.Errorf("unexpected %s at %d", t.describe(), t.pos)
	}
	return ix, nil
}

func (p *parser) column() (Column, error) {
	var col Column
	var err error
	if t := p.peek(); t.kind == tPunct || t.kind == tEOF {
		return col, fmt.Errorf("expected column name, got %s at %d", t.describe(), t.pos)
	}
	if col.Name, err = p.ident("column name", false); err != nil {
		return col, err
	}
	if t := p.peek(); t.kind == tPunct && t.text == "(" {
		return col, fmt.Errorf("expressions are not allowed as index columns (at %d)", t.pos)
	}
	if p.peek().is("COLLATE") {
		p.next()
		t := p.next()
		if t.kind != tWord && t.kind != tQuoted {
			return col, fmt.Errorf("expected collation name, got %s at %d", t.describe(), t.pos)
		}
		for _, c := range collations {
			if strings.EqualFold(t.text, c) {
				col.Collate = c
			}
		}
		if col.Collate == "" {
			return col, fmt.Errorf("unsupported collation %q (use NOCASE, BINARY or RTRIM)", t.text)
		}
	}
	if t := p.peek(); t.is("ASC") || t.is("DESC") {
		p.next()
		col.Sort = strings.ToUpper(t.text)
	}
	return col, nil
}

// ParseWhere parses a partial-index condition (without the WHERE keyword)
// and returns it in canonical form.
func ParseWhere(cond string) (string, error) {
	e, err := parseWhere(cond)
	if err != nil {
		return "", invalid("%s", err.Error())
	}
	return emit(e, backtick), nil
}

func parseWhere(cond string) (node, error) {
	toks, err := lex(cond)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.next(); t.kind != tEOF {
		return nil, fmt.Errorf("unexpected %s at %d", t.describe(), t.pos)
	}
	return e, nil
}

// Check reports whether a hand-built ix is well formed, as Parse would
// have produced it.
func (ix *Index) Check() error {
	if ix.Name == "" || !isIdent(ix.Name) {
		return invalid("bad index name %q", ix.Name)
	}
	if !isIdent(ix.Table) {
		return invalid("bad table name %q", ix.Table)
	}
	if len(ix.Columns) == 0 {
		return invalid("no columns")
	}
	for _, c := range ix.Columns {
		if c.Name == "" || !isIdent(c.Name) {
			return invalid("bad column name %q", c.Name)
		}
		switch c.Collate {
		case "", "NOCASE", "BINARY", "RTRIM":
		default:
			return invalid("unsupported collation %q", c.Collate)
		}
		switch c.Sort {
		case "", "ASC", "DESC":
		default:
			return invalid("bad sort %q", c.Sort)
		}
	}
	if ix.Where != "" {
		if _, err := ParseWhere(ix.Where); err != nil {
			return err
		}
	}
	return nil
}

// Build returns the CREATE INDEX statement for dialect d on table.
// Identifiers are double-quoted. On PostgreSQL, COLLATE NOCASE becomes a
// LOWER() expression (and RTRIM an RTRIM() expression); BINARY is the
// default there and is dropped. A Where that does not parse (only possible
// on a hand-built Index that fails Check) is emitted as FALSE, so the
// statement never carries unchecked text.
func (ix *Index) Build(d core.Dialect, table string) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if ix.Unique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX ")
	b.WriteString(doubleQuote(ix.Name))
	b.WriteString(" ON ")
	b.WriteString(doubleQuote(table))
	b.WriteString(" (")
	for i, c := range ix.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		col := doubleQuote(c.Name)
		switch {
		case d == core.Postgres && c.Collate == "NOCASE":
			col = "(LOWER(" + col + "))"
		case d == core.Postgres && c.Collate == "RTRIM":
			col = "(RTRIM(" + col + "))"
		case d != core.Postgres && (c.Collate == "NOCASE" || c.Collate == "BINARY" || c.Collate == "RTRIM"):
			col += " COLLATE " + c.Collate
		}
		b.WriteString(col)
		if c.Sort == "ASC" || c.Sort == "DESC" {
			b.WriteString(" " + c.Sort)
		}
	}
	b.WriteString(")")
	if ix.Where != "" {
		b.WriteString(" WHERE ")
		if e, err := parseWhere(ix.Where); err == nil {
			b.WriteString(emit(e, doubleQuote))
		} else {
			b.WriteString("FALSE")
		}
	}
	return b.String()
}

// String returns the canonical PocketBase form, with backtick-quoted
// identifiers and ix.Table as the table name.
func (ix *Index) String() string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if ix.Unique {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX ")
	b.WriteString(backtick(ix.Name))
	b.WriteString(" ON ")
	b.WriteString(backtick(ix.Table))
	b.WriteString(" (")
	for i, c := range ix.Columns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(backtick(c.Name))
		if c.Collate != "" {
			b.WriteString(" COLLATE " + c.Collate)
		}
		if c.Sort != "" {
			b.WriteString(" " + c.Sort)
		}
	}
	b.WriteString(")")
	if ix.Where != "" {
		b.WriteString(" WHERE " + ix.Where)
	}
	return b.String()
}

// ColumnNames returns the indexed column names.
func (ix *Index) ColumnNames() []string {
	out := make([]string, len(ix.Columns))
	for i, c := range ix.Columns {
		out[i] = c.Name
	}
	return out
}

func doubleQuote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// backtick is only used for canonical text, which is re-parsed before use;
// a name with a backtick in it fails that parse.
func backtick(name string) string { return "`" + name + "`" }
