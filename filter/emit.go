package filter

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/plinthdb/plinth/core"
)

// emitter writes the SQL of a resolved expression for one dialect and one
// request. Aliases are numbered in the order they are written, so the
// output is deterministic.
type emitter struct {
	d         core.Dialect
	req       *Request
	now       time.Time
	schema    *core.Schema
	seq       int
	root      string // alias of the row the current expression is about
	joinAlias map[*colJoin]string
	err       error // a value the SQL cannot take (see like)
}

func newEmitter(d core.Dialect, schema *core.Schema, req *Request) *emitter {
	e := &emitter{d: d, req: req, schema: schema, root: core.MainAlias, joinAlias: map[*colJoin]string{}}
	if req == nil {
		e.req = &Request{}
	}
	e.now = e.req.Now.UTC()
	if e.req.Now.IsZero() {
		e.now = time.Now().UTC()
	}
	return e
}

func (e *emitter) pg() bool { return e.d == core.Postgres }

func (e *emitter) alias(prefix string) string {
	e.seq++
	return prefix + strconv.Itoa(e.seq)
}

// expr writes ce about the row aliased rootAlias. @collection joins become
// LEFT JOINs of one EXISTS around the whole expression, so every condition
// naming the same join sees the same joined row; the (SELECT 1) row keeps
// the expression alive when a joined collection is empty.
func (e *emitter) expr(ce *compiledExpr, rootAlias string) (frag, error) {
	saved := e.root
	e.root = rootAlias
	defer func() { e.root = saved }()
	e.openJoins(ce.joins)
	body, err := e.node(ce.root)
	if err != nil {
		return body, err
	}
	return e.wrapJoins(ce.joins, body), nil
}

// openJoins gives each @collection join its alias.
func (e *emitter) openJoins(joins []*colJoin) {
	for _, j := range joins {
		e.joinAlias[j] = e.alias("_c")
	}
}

func (e *emitter) wrapJoins(joins []*colJoin, body frag) frag {
	if len(joins) == 0 {
		return body
	}
	parts := []any{"EXISTS (SELECT 1 FROM (SELECT 1) ", quoteIdent(e.alias("_d"))}
	for _, j := range joins {
		parts = append(parts, " LEFT JOIN "+quoteIdent(j.coll.Name)+" "+quoteIdent(e.joinAlias[j])+" ON TRUE")
	}
	return cat(append(parts, " WHERE ", body, ")")...)
}

// staticNode is a subtree already written at Compile time because it does
// not depend on the request.
type staticNode struct{ f frag }

// freeze writes the request-independent subtrees of n once, so that Bind
// only writes what depends on the request. Aliases written here are
// numbered before any alias Bind writes.
func (e *emitter) freeze(n bnode) (bnode, error) {
	switch n := n.(type) {
	case *andNode, *orNode:
		var l, r bnode
		op := " AND "
		if a, ok := n.(*andNode); ok {
			l, r = a.l, a.r
		} else {
			o := n.(*orNode)
			l, r, op = o.l, o.r, " OR "
		}
		l, err := e.freeze(l)
		if err != nil {
			return nil, err
		}
		r, err = e.freeze(r)
		if err != nil {
			return nil, err
		}
		ls, lok := l.(*staticNode)
		rs, rok := r.(*staticNode)
		switch {
		case lok && rok:
			return &staticNode{cat("(", ls.f, op, rs.f, ")")}, nil
		case op == " AND ":
			return &andNode{l, r}, nil
		}
		return &orNode{l, r}, nil
	case *cmpNode:
		if dynamicOperand(n.l) || dynamicOperand(n.r) {
			return n, nil
		}
		f, err := e.node(n)
		if err != nil {
			return nil, err
		}
		return &staticNode{f}, nil
	}
	return n, nil
}

// dynamicOperand reports whether o depends on the request.
func dynamicOperand(o operand) bool {
	switch o := o.(type) {
	case *macroOperand, *reqOperand:
		return true
	case *callOperand:
		if o.name == "strftime" && len(o.args) == 1 {
			return true // formats the request time
		}
		for _, a := range o.args {
			if dynamicOperand(a) {
				return true
			}
		}
	case *pathOperand:
		if o.root == rootIDs {
			return true
		}
		for _, s := range o.steps {
			if s.rule != nil && s.rule.dynamic {
				return true
			}
		}
	}
	return false
}

func (e *emitter) node(n bnode) (frag, error) {
	switch n := n.(type) {
	case *staticNode:
		return n.f, nil
	case *andNode, *orNode:
		var l, r bnode
		op := " AND "
		if a, ok := n.(*andNode); ok {
			l, r = a.l, a.r
		} else {
			o := n.(*orNode)
			l, r, op = o.l, o.r, " OR "
		}
		lf, err := e.node(l)
		if err != nil {
			return frag{}, err
		}
		rf, err := e.node(r)
		if err != nil {
			return frag{}, err
		}
		return cat("(", lf, op, rf, ")"), nil
	case *cmpNode:
		l, err := e.value(n.l)
		if err != nil {
			return frag{}, err
		}
		r, err := e.value(n.r)
		if err != nil {
			return frag{}, err
		}
		return e.compareVals(n.op, l, r), nil
	}
	return frag{}, errorf("Invalid filter.")
}

// compareVals writes one comparison. Multi-valued operands follow §5.2:
// the "?" operators need one element to match, the others need all of
// them (an empty set counts as one NULL element).
func (e *emitter) compareVals(op Operator, a, b val) frag {
	base := op.Base()
	var out frag
	switch {
	case !a.multi() && !b.multi():
		out = e.scalarCmp(base, a.sc, b.sc)
	case op.IsAny():
		out = e.multiForm(base, a, b, false)
	case a.col == nil && b.col == nil:
		out = e.multiForm(base, a, b, true)
	default:
		// An @collection operand is tied to the row of its shared join
		// (the any form) and must also hold for every row (the all form).
		out = cat("(", e.multiForm(base, a, b, false), " AND ", e.multiForm(base, a, b, true), ")")
	}
	for _, g := range []*frag{a.guard, b.guard} {
		if g != nil {
			out = cat("(", out, " AND ", *g, ")")
		}
	}
	return out
}

// multiForm joins the sets of the operands to one (SELECT 1) row, so an
// empty set yields a single NULL element, and tests the comparison per
// combination: EXISTS for "any", NOT EXISTS of a failure for "all".
func (e *emitter) multiForm(op Operator, a, b val, all bool) frag {
	var joins []frag
	elem := func(v val) scalar {
		var s *setSrc
		switch {
		case v.set != nil:
			s = v.set
		case v.col != nil && all:
			s = v.col.all
		case v.col != nil && v.col.row.set != nil:
			s = v.col.row.set
		case v.col != nil:
			return v.col.row.sc
		default:
			return v.sc
		}
		m := e.alias("_m")
		joins = append(joins, cat(" LEFT JOIN (", e.setQuery(s), ") ", quoteIdent(m), " ON TRUE"))
		el := s.value
		el.f, el.lit, el.nullable = frag{s: quoteIdent(m) + `."v"`}, nil, true
		return el
	}
	ea := elem(a)
	eb := elem(b)
	c := e.scalarCmp(op, ea, eb)
	if len(joins) == 0 {
		return c
	}
	d := e.alias("_d")
	from := cat("(SELECT 1) ", quoteIdent(d), joins)
	if all {
		return cat("NOT EXISTS (SELECT 1 FROM ", from, " WHERE (", c, ") IS NOT TRUE)")
	}
	return cat("EXISTS (SELECT 1 FROM ", from, " WHERE ", c, ")")
}

func (e *emitter) setQuery(s *setSrc) frag {
	q := cat("SELECT ", e.render(s.value), ` AS "v" FROM `, joinFrags(s.items, ", "))
	if len(s.conds) > 0 {
		q = cat(q, " WHERE ", joinFrags(s.conds, " AND "))
	}
	return q
}

// render writes a scalar in its natural form (literals as parameters).
func (e *emitter) render(s scalar) frag {
	if s.lit == nil {
		return s.f
	}
	if !e.pg() {
		return e.sqliteLit(s.lit)
	}
	switch s.lit.cls {
	case clsText:
		return e.pgText(s)
	case clsNum:
		return e.pgNum(s)
	}
	return frag{s: "NULL"}
}

func (e *emitter) sqliteLit(l *lit) frag {
	switch l.cls {
	case clsText:
		return param(l.s, "")
	case clsNum:
		return param(sqliteNum(l.n), "")
	}
	return frag{s: "NULL"}
}

// sqliteNum binds integral numbers as integers, which SQLite compares and
// renders exactly.
func sqliteNum(n float64) any {
	if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
		return int64(n)
	}
	return n
}

// PostgreSQL renderings of a scalar as text, double precision, jsonb and
// boolean. Every parameter carries a cast so its type is never ambiguous,
// and conversions of stored values go through plinth_* functions that
// return NULL instead of raising an error.

func (e *emitter) pgText(s scalar) frag {
	if l := s.lit; l != nil {
		if l.cls == clsNull {
			return frag{s: "NULL::text"}
		}
		return param(l.text(), "::text")
	}
	switch s.pg {
	case pgFloat:
		return cat("plinth_ftext(", s.f, ")")
	case pgInt:
		return cat("(", s.f, ")::text")
	case pgBool:
		return cat("(", s.f, ")::int::text")
	case pgJSON:
		return cat("plinth_js(", s.f, ")")
	}
	return s.f
}

func (e *emitter) pgNum(s scalar) frag {
	if l := s.lit; l != nil {
		switch {
		case l.cls == clsNum:
			return param(l.n, "::double precision")
		case l.cls == clsText && looksNumeric(l.s):
			return param(parseNumeric(l.s), "::double precision")
		}
		return frag{s: "NULL::double precision"}
	}
	switch s.pg {
	case pgBool:
		return cat("(", s.f, ")::int")
	case pgText:
		return cat("plinth_num(", s.f, ")")
	case pgJSON:
		return cat("plinth_num(plinth_js(", s.f, "))")
	}
	return s.f
}

func (e *emitter) pgJSON(s scalar) frag {
	if l := s.lit; l != nil {
		switch l.cls {
		case clsText:
			return param(l.s, "::text").wrap("to_jsonb(", ")")
		case clsNum:
			if math.IsInf(l.n, 0) {
				// to_jsonb would make the text "Infinity"; a JSON number
				// beyond double range stays a number that reads as ±Inf.
				return param(map[bool]string{true: "1e400", false: "-1e400"}[l.n > 0], "::jsonb")
			}
			return param(l.n, "::double precision").wrap("to_jsonb(", ")")
		}
		return frag{s: "NULL::jsonb"}
	}
	switch s.pg {
	case pgJSON:
		return s.f
	case pgBool:
		return cat("to_jsonb((", s.f, ")::int)")
	}
	return cat("to_jsonb(", s.f, ")")
}

func (e *emitter) pgBool(s scalar) frag {
	if s.lit != nil {
		return param(s.lit.n != 0, "::boolean")
	}
	return s.f
}

func (f frag) wrap(before, after string) frag { return cat(before, f, after) }

// scalarCmp writes "a op b" for two single values with the semantics of
// §5.2. Literals are first converted to the class of the other side.
func (e *emitter) scalarCmp(op Operator, a, b scalar) frag {
	if a.lit != nil && b.lit == nil && (b.cls == clsText || b.cls == clsNum) {
		a = litScalar(convertLit(a.lit, b.cls))
	}
	if b.lit != nil && a.lit == nil && (a.cls == clsText || a.cls == clsNum) {
		b = litScalar(convertLit(b.lit, a.cls))
	}
	switch op {
	case OpEq:
		return e.eq(a, b, false)
	case OpNeq:
		return e.eq(a, b, true)
	case OpLike:
		return e.like(a, b, false)
	case OpNotLike:
		return e.like(a, b, true)
	}
	if a.cls == clsNull || b.cls == clsNull {
		return sqlFalse // ordering against null is never true
	}
	return e.raw(string(op), a, b)
}

func isEmptyLit(s scalar) bool    { return s.lit != nil && s.lit.isEmpty() }
func isNonEmptyLit(s scalar) bool { return s.lit != nil && s.lit.isNonEmpty() }

// eq writes a NULL-safe equality in which NULL and the empty string are equal;
// the result is never NULL, so it can be negated.
func (e *emitter) eq(a, b scalar, neg bool) frag {
	switch {
	case isEmptyLit(a) && isEmptyLit(b):
		return constBool(!neg)
	case isEmptyLit(b):
		return e.not(e.isEmpty(a), neg)
	case isEmptyLit(a):
		return e.not(e.isEmpty(b), neg)
	}
	known := isNonEmptyLit(a) || isNonEmptyLit(b)
	notNull := !a.nullable && !b.nullable
	switch {
	case notNull && !neg:
		return e.raw("=", a, b)
	case notNull:
		return e.raw("<>", a, b)
	case known && !neg:
		return e.raw("=", a, b)
	case known:
		return e.raw("IS NOT", a, b)
	}
	two := cat("(COALESCE(", e.raw("=", a, b), ", FALSE) OR (", e.isEmpty(a), " AND ", e.isEmpty(b), "))")
	return e.not(two, neg)
}

func (e *emitter) not(f frag, neg bool) frag {
	if !neg {
		return f
	}
	if f.s == sqlTrue.s {
		return sqlFalse
	}
	if f.s == sqlFalse.s {
		return sqlTrue
	}
	return cat("NOT (", f, ")")
}

// isEmpty tests for NULL or the empty string; numbers and bools are only
// empty when NULL.
func (e *emitter) isEmpty(s scalar) frag {
	if s.lit != nil {
		return constBool(s.lit.isEmpty())
	}
	switch s.cls {
	case clsNum:
		if !s.nullable {
			return sqlFalse
		}
		return cat(s.f, " IS NULL")
	case clsDyn:
		if e.pg() {
			return cat("plinth_jempty(", s.f, ")")
		}
		return cat("COALESCE(", s.f, ", '') = ''")
	}
	if !s.nullable {
		return cat(s.f, " = ''")
	}
	return cat("COALESCE(", s.f, ", '') = ''")
}

// raw writes a plain comparison. SQLite compares natively (the affinities
// of the operands are what the rest of this file models); PostgreSQL gets
// a same-typed comparison when both sides share a class, and otherwise
// plinth_cmp, which orders any two values as SQLite does.
func (e *emitter) raw(op string, a, b scalar) frag {
	if !e.pg() {
		return cat(e.render(a), " "+op+" ", e.render(b))
	}
	pgOp := op
	if op == "IS NOT" {
		pgOp = "IS DISTINCT FROM"
	}
	switch {
	case a.cls == clsNum && b.cls == clsNum:
		if (op == "=" || op == "<>" || op == "IS NOT") && (boolOperand(a) && boolCompatible(b) || boolOperand(b) && boolCompatible(a)) {
			return cat(e.pgBool(a), " "+pgOp+" ", e.pgBool(b))
		}
		return cat(e.pgNum(a), " "+pgOp+" ", e.pgNum(b))
	case a.cls == clsText && b.cls == clsText && !numericAffinityApplies(a, b):
		if op == "=" || op == "<>" || op == "IS NOT" || collationFree(a, b) {
			return cat(e.pgText(a), " "+pgOp+" ", e.pgText(b))
		}
		return cat(e.pgText(a), ` COLLATE "C" `+pgOp+" ", e.pgText(b))
	}
	ca, cb := affinityConversions(a, b)
	cmp := cat("plinth_cmp(", e.convert(e.pgJSON(a), ca), ", ", e.convert(e.pgJSON(b), cb), ")")
	if op == "IS NOT" {
		return cat(cmp, " IS DISTINCT FROM 0")
	}
	return cat(cmp, " "+op+" 0")
}

// collationFree reports whether ordering a and b gives the same answer
// under any collation: a date column against a date column or a literal.
func collationFree(a, b scalar) bool {
	return (a.canonical || b.canonical) && (a.canonical || a.lit != nil) && (b.canonical || b.lit != nil)
}

func boolOperand(s scalar) bool { return s.lit == nil && s.pg == pgBool }

func boolCompatible(s scalar) bool {
	if s.lit != nil {
		return s.lit.cls == clsNum && (s.lit.n == 0 || s.lit.n == 1)
	}
	return s.pg == pgBool
}

func numericAffinityApplies(a, b scalar) bool {
	return (a.aff == affNum) != (b.aff == affNum)
}

// affinityConversions applies SQLite's rules: numeric affinity converts the
// other side unless it too is numeric; text affinity converts a side that
// has none.
func affinityConversions(a, b scalar) (aff, aff) {
	switch {
	case a.aff == affNum && b.aff != affNum:
		return affNone, affNum
	case b.aff == affNum && a.aff != affNum:
		return affNum, affNone
	case a.aff == affText && b.aff == affNone:
		return affNone, affText
	case b.aff == affText && a.aff == affNone:
		return affText, affNone
	}
	return affNone, affNone
}

func (e *emitter) convert(j frag, to aff) frag {
	switch to {
	case affNum:
		return cat("plinth_numaff(", j, ")")
	case affText:
		return cat("plinth_textaff(", j, ")")
	}
	return j
}

// maxLikePattern is SQLite's limit on LIKE patterns (longer ones fail
// the whole query); both engines refuse them, with a 400.
const maxLikePattern = 50000

// like writes "~"/"!~": SQLite's LIKE is case-insensitive for ASCII; on
// PostgreSQL both sides are ASCII-lowered and compared with LIKE, which
// gives the same matches (ILIKE would also fold non-ASCII letters).
func (e *emitter) like(a, b scalar, neg bool) frag {
	if a.cls == clsNull || b.cls == clsNull {
		return sqlFalse
	}
	op := " LIKE "
	if neg {
		op = " NOT LIKE "
	}
	if a.lit != nil && a.lit.cls != clsNull {
		// A known value is matched as the text both engines are given
		// (a number as the pattern side renders it), read up to its
		// first NUL as SQLite's LIKE does.
		cut, _, _ := strings.Cut(a.lit.text(), "\x00")
		a = litScalar(textLit(cut))
	}
	if b.lit != nil {
		pat := likePattern(b.lit.text())
		if len(pat) > maxLikePattern {
			e.err = errorf("The value compared with ~ is too long.")
			return sqlFalse
		}
		if !e.pg() {
			return cat(e.render(a), op, param(pat, ""), ` ESCAPE '\'`)
		}
		return cat("plinth_alower(", e.pgText(a), ")", op, param(asciiLower(pat), "::text"), ` ESCAPE E'\\'`)
	}
	if !e.pg() {
		return cat(e.render(a), op, "('%' || ", e.render(b), ` || '%') ESCAPE '\'`)
	}
	return cat("plinth_alower(", e.pgText(a), ")", op, "('%' || plinth_alower(", e.pgText(b), `) || '%') ESCAPE E'\\'`)
}

// lower applies :lower (ASCII only, like SQLite's lower()).
func (e *emitter) lower(s scalar) scalar {
	if s.lit != nil {
		if s.lit.cls == clsNull {
			return s
		}
		return litScalar(textLit(asciiLower(s.lit.text())))
	}
	out := scalar{cls: clsText, pg: pgText, nullable: s.nullable}
	if e.pg() {
		out.f = cat("plinth_alower(", e.pgText(s), ")")
	} else {
		out.f = cat("LOWER(", s.f, ")")
	}
	return out
}
