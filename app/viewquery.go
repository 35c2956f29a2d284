package app

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/plinthdb/plinth/core"
)

// This file reads a view query just enough to check its shape (one SELECT)
// and to tell, per result column, whether it is a plain reference to a
// collection's column or an expression whose type is evident. The engine
// itself parses and runs the query; this reading only has to be right
// about the cases it recognises and give up on the rest.

type sqlTokenKind int

const (
	tokIdent  sqlTokenKind = iota // bare word: identifier or keyword
	tokQuoted                     // quoted identifier
	tokString                     // string literal
	tokNumber
	tokPunct // operators and punctuation
	tokParam // bound parameter
)

type sqlToken struct {
	kind  sqlTokenKind
	text  string // identifier name (unquoted), literal text or punctuation
	start int    // byte offset in the query
}

// is reports whether t is the bare keyword kw (case-insensitive).
func (t sqlToken) is(kw string) bool { return t.kind == tokIdent && strings.EqualFold(t.text, kw) }

func (t sqlToken) punct(p string) bool { return t.kind == tokPunct && t.text == p }

func (t sqlToken) isName() bool { return t.kind == tokIdent || t.kind == tokQuoted }

// tokenizeSQL splits q into tokens, skipping whitespace and comments.
// Quoting follows the dialect: SQLite also quotes identifiers with
// backticks and square brackets, PostgreSQL has E'...' strings and dollar
// quoting.
func tokenizeSQL(q string, d core.Dialect) ([]sqlToken, error) {
	var out []sqlToken
	pg := d == core.Postgres
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && strings.HasPrefix(q[i:], "--"):
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				i = len(q)
			} else {
				i += j + 1
			}
		case c == '/' && strings.HasPrefix(q[i:], "/*"):
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				return nil, fmt.Errorf("unterminated comment")
			}
			i += j + 4
		case c == '\'':
			end, text, err := quotedEnd(q, i, '\'', false)
			if err != nil {
				return nil, fmt.Errorf("unterminated string literal")
			}
			out = append(out, sqlToken{kind: tokString, text: text, start: i})
			i = end
		case pg && (c == 'E' || c == 'e') && i+1 < len(q) && q[i+1] == '\'':
			end, text, err := quotedEnd(q, i+1, '\'', true)
			if err != nil {
				return nil, fmt.Errorf("unterminated string literal")
			}
			out = append(out, sqlToken{kind: tokString, text: text, start: i})
			i = end
		case c == '"' || (!pg && c == '`'):
			end, text, err := quotedEnd(q, i, c, false)
			if err != nil {
				return nil, fmt.Errorf("unterminated quoted identifier")
			}
			out = append(out, sqlToken{kind: tokQuoted, text: text, start: i})
			i = end
		case !pg && c == '[':
			j := strings.IndexByte(q[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("unterminated quoted identifier")
			}
			out = append(out, sqlToken{kind: tokQuoted, text: q[i+1 : i+j], start: i})
			i += j + 1
		case pg && c == '$' && i+1 < len(q) && (q[i+1] == '$' || isIdentByte(q[i+1])):
			// $tag$ ... $tag$ or a $1 parameter.
			j := i + 1
			for j < len(q) && (isIdentByte(q[j])) {
				j++
			}
			if j < len(q) && q[j] == '$' && !isDigitByte(q[i+1]) {
				tag := q[i : j+1]
				k := strings.Index(q[j+1:], tag)
				if k < 0 {
					return nil, fmt.Errorf("unterminated dollar-quoted string")
				}
				out = append(out, sqlToken{kind: tokString, text: q[j+1 : j+1+k], start: i})
				i = j + 1 + k + len(tag)
				continue
			}
			out = append(out, sqlToken{kind: tokParam, text: q[i:j], start: i})
			i = j
		case !pg && (c == '?' || ((c == ':' || c == '@' || c == '$') && i+1 < len(q) && isIdentByte(q[i+1]))):
			j := i + 1
			for j < len(q) && isIdentByte(q[j]) {
				j++
			}
			out = append(out, sqlToken{kind: tokParam, text: q[i:j], start: i})
			i = j
		case isDigitByte(c) || (c == '.' && i+1 < len(q) && isDigitByte(q[i+1])):
			j := i
			for j < len(q) && (isIdentByte(q[j]) || q[j] == '.' ||
				((q[j] == '+' || q[j] == '-') && (q[j-1] == 'e' || q[j-1] == 'E') && !strings.HasPrefix(strings.ToLower(q[i:j]), "0x"))) {
				j++
			}
			out = append(out, sqlToken{kind: tokNumber, text: q[i:j], start: i})
			i = j
		case isIdentStartByte(c) || c >= utf8.RuneSelf:
			j := i
			for j < len(q) {
				if q[j] < utf8.RuneSelf {
					if !isIdentByte(q[j]) && q[j] != '$' {
						break
					}
					j++
					continue
				}
				r, size := utf8.DecodeRuneInString(q[j:])
				if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
					break
				}
				j += size
			}
			if j == i {
				return nil, fmt.Errorf("unexpected character %q", q[i:i+1])
			}
			out = append(out, sqlToken{kind: tokIdent, text: q[i:j], start: i})
			i = j
		default:
			n := 1
			for _, op := range []string{"->>", "||", "::", "<=", ">=", "<>", "!=", "==", "->", "<<", ">>"} {
				if strings.HasPrefix(q[i:], op) {
					n = len(op)
					break
				}
			}
			out = append(out, sqlToken{kind: tokPunct, text: q[i : i+n], start: i})
			i += n
		}
	}
	return out, nil
}

// quotedEnd finds the end of the quoted run starting at q[i] (the quote
// character), with doubled quotes as escapes (and backslashes when
// backslash is set), and returns the offset after it and the unquoted text.
func quotedEnd(q string, i int, quote byte, backslash bool) (int, string, error) {
	var b strings.Builder
	for j := i + 1; j < len(q); j++ {
		switch {
		case backslash && q[j] == '\\' && j+1 < len(q):
			j++
			b.WriteByte(q[j])
		case q[j] == quote:
			if j+1 < len(q) && q[j+1] == quote {
				b.WriteByte(quote)
				j++
				continue
			}
			return j + 1, b.String(), nil
		default:
			b.WriteByte(q[j])
		}
	}
	return 0, "", fmt.Errorf("unterminated")
}

func isDigitByte(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStartByte(c byte) bool { return c == '_' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentByte(c byte) bool      { return isIdentStartByte(c) || isDigitByte(c) }

// writeKeywords are bare words that only belong to statements other than
// a SELECT; a view query containing one is refused before it runs.
var writeKeywords = map[string]bool{
	"INSERT": true, "UPDATE": true, "DELETE": true, "MERGE": true, "UPSERT": true, "DROP": true, "ALTER": true,
	"CREATE": true, "ATTACH": true, "DETACH": true, "PRAGMA": true, "VACUUM": true, "REINDEX": true,
	"GRANT": true, "REVOKE": true, "TRUNCATE": true, "COPY": true,
}

// viewShape is what a view query says about its result columns.
type viewShape struct {
	query   string // the statement, without the semicolons after it
	tail    string // what follows the statement: semicolons and comments
	items   []selectItem
	sources []viewSource // FROM sources of the main SELECT
}

type selectItem struct {
	expr      []sqlToken // without the alias
	star      bool       // * or t.*
	starTable string     // the qualifier of t.*, "" for *
}

// viewSource is one table reference of the FROM clause; name is empty for
// subqueries and table functions, whose columns are unknown here.
type viewSource struct {
	name, alias string
	cte         bool // names a CTE of the query, not a table
}

// clauseKeywords end a select list or a FROM clause.
var clauseKeywords = map[string]bool{
	"FROM": true, "WHERE": true, "GROUP": true, "HAVING": true, "ORDER": true, "LIMIT": true, "OFFSET": true,
	"WINDOW": true, "UNION": true, "INTERSECT": true, "EXCEPT": true, "FETCH": true, "FOR": true, "INTO": true,
}

// joinKeywords start a join or qualify a table reference, so they are
// never a table alias.
var joinKeywords = map[string]bool{
	"JOIN": true, "LEFT": true, "RIGHT": true, "INNER": true, "OUTER": true, "CROSS": true, "FULL": true,
	"NATURAL": true, "ON": true, "USING": true, "INDEXED": true, "NOT": true, "TABLESAMPLE": true, "AS": true,
}

// parseViewQuery checks that q is one SELECT (or WITH … SELECT) statement
// and reads its select list and FROM clause.
func parseViewQuery(q string, d core.Dialect) (*viewShape, error) {
	toks, err := tokenizeSQL(q, d)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("the query is empty")
	}
	all := toks
	end := len(toks)
	depth := 0
	for i, t := range toks {
		switch {
		case t.punct("("):
			depth++
		case t.punct(")"):
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced parentheses")
			}
		case t.punct(";"):
			if end == len(toks) {
				end = i
			}
		case end < len(toks):
			return nil, fmt.Errorf("only a single SELECT statement is allowed")
		case t.kind == tokParam:
			return nil, fmt.Errorf("parameters such as %s are not allowed", t.text)
		case t.kind == tokIdent && writeKeywords[strings.ToUpper(t.text)] && !qualified(toks, i):
			return nil, fmt.Errorf("only a single SELECT statement is allowed (found %s)", strings.ToUpper(t.text))
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced parentheses")
	}
	toks = toks[:end]
	if len(toks) == 0 || !(toks[0].is("SELECT") || toks[0].is("WITH")) {
		return nil, fmt.Errorf("the query must be a SELECT statement")
	}
	shape := &viewShape{query: q}
	if end < len(all) {
		shape.query, shape.tail = strings.TrimSpace(q[:all[end].start]), q[all[end].start:]
	}
	p := &viewParser{toks: toks, ctes: map[string]bool{}}
	p.parse(shape)
	return shape, nil
}

// qualified reports whether the word at i is part of a dotted name (a
// column called "update" in t.update), which is no keyword.
func qualified(toks []sqlToken, i int) bool {
	return (i > 0 && toks[i-1].punct(".")) || (i+1 < len(toks) && toks[i+1].punct("."))
}

type viewParser struct {
	toks []sqlToken
	pos  int
	ctes map[string]bool
}

func (p *viewParser) peek() (sqlToken, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return sqlToken{}, false
}

// skipGroup skips a parenthesised group starting at p.pos.
func (p *viewParser) skipGroup() {
	depth := 0
	for ; p.pos < len(p.toks); p.pos++ {
		switch {
		case p.toks[p.pos].punct("("):
			depth++
		case p.toks[p.pos].punct(")"):
			depth--
			if depth == 0 {
				p.pos++
				return
			}
		}
	}
}

func (p *viewParser) parse(shape *viewShape) {
	if t, _ := p.peek(); t.is("WITH") {
		p.pos++
		if t, _ := p.peek(); t.is("RECURSIVE") {
			p.pos++
		}
		for p.pos < len(p.toks) {
			name := p.toks[p.pos]
			if !name.isName() {
				return
			}
			p.ctes[strings.ToLower(name.text)] = true
			p.pos++
			if t, _ := p.peek(); t.punct("(") {
				p.skipGroup()
			}
			for p.pos < len(p.toks) && !p.toks[p.pos].punct("(") {
				p.pos++ // AS [NOT] [MATERIALIZED]
			}
			p.skipGroup()
			if t, _ := p.peek(); t.punct(",") {
				p.pos++
				continue
			}
			break
		}
	}
	if t, _ := p.peek(); !t.is("SELECT") {
		return
	}
	p.pos++
	if t, _ := p.peek(); t.is("DISTINCT") || t.is("ALL") {
		p.pos++
		if t, _ := p.peek(); t.is("ON") {
			p.pos++
			p.skipGroup()
		}
	}
	shape.items = p.selectList()
	if t, _ := p.peek(); t.is("FROM") {
		p.pos++
		shape.sources = p.fromClause()
	}
}

// selectList splits the items at top-level commas.
func (p *viewParser) selectList() []selectItem {
	var items []selectItem
	var cur []sqlToken
	depth := 0
	flush := func() {
		if len(cur) > 0 {
			items = append(items, newSelectItem(cur))
		}
		cur = nil
	}
	for ; p.pos < len(p.toks); p.pos++ {
		t := p.toks[p.pos]
		switch {
		case t.punct("("):
			depth++
		case t.punct(")"):
			depth--
		case depth == 0 && t.punct(","):
			flush()
			continue
		case depth == 0 && t.kind == tokIdent && clauseKeywords[strings.ToUpper(t.text)]:
			flush()
			return items
		}
		cur = append(cur, t)
	}
	flush()
	return items
}

// expressionEnders are words an expression may end with, so they are no
// alias; aliasBlockers are words after which the next word is no alias.
var (
	expressionEnders = map[string]bool{"END": true, "NULL": true, "TRUE": true, "FALSE": true,
		"CURRENT_TIMESTAMP": true, "CURRENT_DATE": true, "CURRENT_TIME": true, "ISNULL": true, "NOTNULL": true}
	aliasBlockers = map[string]bool{"COLLATE": true, "IS": true, "NOT": true, "AND": true, "OR": true, "LIKE": true,
		"GLOB": true, "IN": true, "BETWEEN": true, "ESCAPE": true, "ELSE": true, "THEN": true, "WHEN": true, "CASE": true,
		"DISTINCT": true, "ALL": true, "SELECT": true, "MATCH": true, "REGEXP": true, "ILIKE": true, "SIMILAR": true}
)

func newSelectItem(toks []sqlToken) selectItem {
	n := len(toks)
	switch {
	case n >= 3 && toks[n-2].is("AS") && (toks[n-1].isName() || toks[n-1].kind == tokString):
		toks = toks[:n-2]
	case n >= 2 && toks[n-1].isName() && !(toks[n-1].kind == tokIdent && expressionEnders[strings.ToUpper(toks[n-1].text)]):
		prev := toks[n-2]
		if (prev.isName() && !(prev.kind == tokIdent && aliasBlockers[strings.ToUpper(prev.text)])) ||
			prev.punct(")") || prev.kind == tokString || prev.kind == tokNumber {
			toks = toks[:n-1]
		}
	}
	it := selectItem{expr: toks}
	switch {
	case len(toks) == 1 && toks[0].punct("*"):
		it.star = true
	case len(toks) == 3 && toks[0].isName() && toks[1].punct(".") && toks[2].punct("*"):
		it.star, it.starTable = true, toks[0].text
	}
	return it
}

// fromClause reads the table references up to the next clause.
func (p *viewParser) fromClause() []viewSource {
	var out []viewSource
	depth := 0
	expectSource := true
	for p.pos < len(p.toks) {
		t := p.toks[p.pos]
		if depth == 0 && t.kind == tokIdent && clauseKeywords[strings.ToUpper(t.text)] {
			break
		}
		if !expectSource {
			switch {
			case t.punct("("):
				depth++
			case t.punct(")"):
				depth--
			case depth == 0 && (t.punct(",") || t.is("JOIN")):
				expectSource = true
			}
			p.pos++
			continue
		}
		// Skip join qualifiers and LATERAL/ONLY up to the source itself.
		if t.kind == tokIdent && (joinKeywords[strings.ToUpper(t.text)] || t.is("LATERAL") || t.is("ONLY")) && !t.is("AS") {
			p.pos++
			continue
		}
		out = append(out, p.source())
		expectSource = false
	}
	return out
}

// source reads one table reference: a (possibly schema-qualified) name, a
// subquery or a table function, then its alias.
func (p *viewParser) source() viewSource {
	var src viewSource
	t := p.toks[p.pos]
	switch {
	case t.punct("("):
		p.skipGroup()
	case t.isName():
		src.name = t.text
		p.pos++
		for p.pos+1 < len(p.toks) && p.toks[p.pos].punct(".") && p.toks[p.pos+1].isName() {
			src.name = p.toks[p.pos+1].text
			p.pos += 2
		}
		if t, ok := p.peek(); ok && t.punct("(") {
			src.name = "" // a table function
			p.skipGroup()
		}
	default:
		p.pos++
		return src
	}
	if t, ok := p.peek(); ok && t.is("AS") {
		p.pos++
	}
	if t, ok := p.peek(); ok && t.isName() && !(t.kind == tokIdent &&
		(joinKeywords[strings.ToUpper(t.text)] || clauseKeywords[strings.ToUpper(t.text)])) {
		src.alias = t.text
		p.pos++
		if t, ok := p.peek(); ok && t.punct("(") { // column aliases: t(a, b)
			p.skipGroup()
			src.name = ""
		}
	}
	if src.alias == "" {
		src.alias = src.name
	}
	src.cte = src.name != "" && p.ctes[strings.ToLower(src.name)]
	return src
}
