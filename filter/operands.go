package filter

import (
	"strconv"
	"strings"

	"github.com/plinthdb/plinth/core"
)

// value materializes an operand for the current request.
func (e *emitter) value(o operand) (val, error) {
	switch o := o.(type) {
	case *litOperand:
		return val{sc: litScalar(o.l)}, nil
	case *macroOperand:
		return val{sc: litScalar(macroValue(o.name, e.now))}, nil
	case *pathOperand:
		return e.pathVal(o)
	case *reqOperand:
		return e.reqVal(o)
	case *callOperand:
		return e.callVal(o)
	}
	return val{}, errorf("Invalid filter.")
}

func (e *emitter) pathVal(p *pathOperand) (val, error) {
	switch p.root {
	case rootCollection:
		a := e.joinAlias[p.join]
		if a == "" {
			return val{}, errorf("Invalid filter.")
		}
		row, err := e.walk(p, start{alias: a, nullable: true})
		if err != nil {
			return val{}, err
		}
		all := e.alias("_a")
		av, err := e.walk(p, start{alias: all})
		if err != nil {
			return val{}, err
		}
		table := frag{s: quoteIdent(p.join.coll.Name) + " " + quoteIdent(all)}
		set := &setSrc{items: []frag{table}, value: av.sc}
		if av.set != nil {
			set = &setSrc{items: append([]frag{table}, av.set.items...), conds: av.set.conds, value: av.set.value}
		}
		return val{col: &colVal{row: row, all: set}}, nil
	case rootIDs:
		v, _ := e.bodyValue(p.ids.key)
		return e.walk(p, idsStart(v))
	}
	return e.walk(p, start{alias: e.root})
}

// start is where a path begins: a row alias, or relation ids held by a
// request value (a single id or a list).
type start struct {
	alias    string
	nullable bool // the root row itself may be missing (LEFT JOIN)
	fromIDs  bool
	id       *string
	ids      []string
}

func idsStart(v any) start {
	st := start{fromIDs: true}
	switch v := v.(type) {
	case string:
		st.id = &v
	case []string:
		st.ids = v
		if st.ids == nil {
			st.ids = []string{}
		}
	case []any:
		st.ids = []string{}
		for _, x := range v {
			if s, ok := x.(string); ok {
				st.ids = append(st.ids, s)
			}
		}
	}
	return st
}

// walk writes a path: relation hops become FROM items of one subquery
// (comma joins with their conditions), so a single-valued path is a
// scalar subquery and a multi-valued one a set.
func (e *emitter) walk(p *pathOperand, st start) (val, error) {
	var items, conds []frag
	multi := false
	cur := st.alias
	for i, s := range p.steps {
		last := i == len(p.steps)-1
		if s.kind == stepBack {
			r := e.alias("_r")
			items = append(items, frag{s: quoteIdent(s.to.Name) + " " + quoteIdent(r)})
			conds = append(conds, e.backCond(r, s.field, cur))
			multi = multi || s.multi
			cur = r
		} else {
			var src frag
			srcMulti, srcAff := s.multi, affText
			switch {
			case i == 0 && st.fromIDs && st.ids != nil:
				src, srcMulti, srcAff = e.jsonParam(jsonStrings(st.ids)), true, affNone
			case i == 0 && st.fromIDs:
				srcMulti, srcAff = false, affNone
				src = frag{s: "NULL" + e.cast("::text")}
				if st.id != nil {
					src = param(*st.id, e.cast("::text"))
				}
			default:
				src = column(cur, s.field.Name)
			}
			idExpr, idAff := src, srcAff
			if srcMulti {
				j := e.alias("_j")
				items = append(items, e.eachItem(src, j))
				idExpr, idAff = column(j, "value"), affNone
				multi = true
			}
			if last && p.term.idOfPrev {
				sc := scalar{f: idExpr, cls: clsText, aff: idAff, pg: pgText, nullable: st.nullable || len(items) > 0 || st.fromIDs}
				if p.term.mod == "lower" {
					sc = e.lower(sc)
				}
				return e.finish(items, conds, sc, multi), nil
			}
			r := e.alias("_r")
			items = append(items, frag{s: quoteIdent(s.to.Name) + " " + quoteIdent(r)})
			conds = append(conds, cat(column(r, "id"), " = ", idExpr))
			cur = r
		}
		if s.rule != nil {
			rf, err := e.expr(s.rule, cur)
			if err != nil {
				return val{}, err
			}
			conds = append(conds, rf)
		}
	}
	sc, each := e.termValue(cur, p.term, st.nullable || len(items) > 0)
	if each != nil {
		items = append(items, *each)
		multi = true
	}
	var guard *frag
	if p.term.emailSafe {
		g := cat(column(cur, "emailVisibility"), " = TRUE")
		if len(items) > 0 {
			conds = append(conds, g)
		} else {
			guard = &g
		}
	}
	v := e.finish(items, conds, sc, multi)
	v.guard = guard
	return v, nil
}

func (e *emitter) finish(items, conds []frag, sc scalar, multi bool) val {
	if len(items) == 0 {
		return val{sc: sc}
	}
	if multi {
		return val{set: &setSrc{items: items, conds: conds, value: sc}}
	}
	q := cat("(SELECT ", e.render(sc), " FROM ", joinFrags(items, ", "))
	if len(conds) > 0 {
		q = cat(q, " WHERE ", joinFrags(conds, " AND "))
	}
	sc.f, sc.lit, sc.nullable = cat(q, " LIMIT 1)"), nil, true
	return val{sc: sc}
}

func (e *emitter) cast(c string) string {
	if e.pg() {
		return c
	}
	return ""
}

// backCond ties a row r of the back-related collection to the row cur.
func (e *emitter) backCond(r string, f *core.Field, cur string) frag {
	if !f.IsMulti() {
		return cat(column(r, f.Name), " = ", column(cur, "id"))
	}
	if e.pg() {
		return cat(column(r, f.Name), " @> jsonb_build_array(", column(cur, "id"), ")")
	}
	j := e.alias("_j")
	return cat("EXISTS (SELECT 1 FROM json_each(", column(r, f.Name), ") ", quoteIdent(j), " WHERE ", column(j, "value"), " = ", column(cur, "id"), ")")
}

// eachItem is a FROM item iterating the elements of a JSON array.
func (e *emitter) eachItem(src frag, alias string) frag {
	if e.pg() {
		return cat("plinth_jeach(", src, ") AS ", quoteIdent(alias), `("value")`)
	}
	return cat("json_each(", src, ") ", quoteIdent(alias))
}

func (e *emitter) jsonParam(jsonText string) frag { return param(jsonText, e.cast("::jsonb")) }

// termValue writes the last field of a path on the row alias.
func (e *emitter) termValue(alias string, t term, nullable bool) (scalar, *frag) {
	f := t.field
	ref := column(alias, f.Name)
	var s scalar
	var each *frag
	switch {
	case t.hasJSON && t.geo != "":
		if e.pg() {
			s.f = cat("plinth_jn(", ref, " -> ", param(t.geo, "::text"), ")")
		} else {
			s.f = cat("json_extract(", ref, ", ", param("$."+t.geo, ""), ")")
		}
		s.cls, s.pg, s.nullable = clsNum, pgFloat, true
	case t.hasJSON:
		s.f = e.jsonPath(ref, t.json)
		s.cls, s.pg, s.nullable = clsDyn, pgJSON, true
	case f.IsMulti():
		switch t.mod {
		case "length":
			if e.pg() {
				s.f = cat("plinth_jlen(", ref, ")")
			} else {
				s.f = cat("json_array_length(", ref, ")")
			}
			s.cls, s.pg = clsNum, pgInt
		case "each":
			j := e.alias("_j")
			item := e.eachItem(ref, j)
			each = &item
			s = scalar{f: column(j, "value"), cls: clsText, pg: pgText, nullable: true}
		default:
			// Not the bare column on SQLite: from "tags = 'x'" its
			// constant propagation would rewrite json_array_length(tags)
			// and the like in the same WHERE into json_array_length('x'),
			// a "malformed JSON" error. JSON arrays start with '[', so
			// dropping the column's numeric affinity changes no result.
			s.f = cat("(", ref, " || '')")
			if e.pg() {
				s.f = cat("plinth_json_text(", ref, ")")
			}
			s.cls, s.aff, s.pg = clsText, affNum, pgText // a JSON column has numeric affinity in SQLite
		}
	case t.mod == "length":
		if nullable {
			s.f = cat("(CASE WHEN COALESCE(", ref, ", '') = '' THEN 0 ELSE 1 END)")
		} else {
			s.f = cat("(CASE WHEN ", ref, " = '' THEN 0 ELSE 1 END)")
		}
		s.cls, s.pg = clsNum, pgInt
	case f.Type == core.FieldNumber:
		s = scalar{f: ref, cls: clsNum, aff: affNum, pg: pgFloat}
	case f.Type == core.FieldBool:
		s = scalar{f: ref, cls: clsNum, aff: affNum, pg: pgBool}
	default:
		s = scalar{f: ref, cls: clsText, aff: affText, pg: pgText}
		s.canonical = f.Type == core.FieldDate || f.Type == core.FieldAutodate
	}
	s.nullable = s.nullable || nullable
	if t.mod == "lower" {
		s = e.lower(s)
	}
	return s, each
}

// jsonPath reads a path inside a JSON column. Keys and indexes travel as
// a parameter. Numeric segments are array indexes only, as in SQLite; on
// PostgreSQL a strict jsonpath gives the same answer (#> would also read
// an object key "1").
func (e *emitter) jsonPath(ref frag, segs []string) frag {
	var sqlite, jp strings.Builder
	sqlite.WriteString("$")
	jp.WriteString("strict $")
	numeric := false
	for _, s := range segs {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && allDigits(s) {
			numeric = true
			sqlite.WriteString("[" + strconv.Itoa(n) + "]")
			jp.WriteString("[" + strconv.Itoa(n) + "]")
			continue
		}
		sqlite.WriteString(`."` + s + `"`)
		jp.WriteString(`."` + s + `"`)
	}
	if !e.pg() {
		return cat("json_extract(", ref, ", ", param(sqlite.String(), ""), ")")
	}
	switch {
	case len(segs) == 0:
		return ref
	case numeric:
		return cat("jsonb_path_query_first(", ref, ", ", param(jp.String(), "::text"), "::jsonpath, '{}'::jsonb, TRUE)")
	}
	return cat(ref, " #> ", param(append([]string{}, segs...), "::text[]"))
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// geoArg writes a geoDistance() argument for SQLite as a number, or NULL
// where it is text that does not look like one: SQLite's arithmetic
// would read such text as 0 (or its numeric prefix) and its math
// functions as NULL, while PostgreSQL's pgNum gives NULL.
func (e *emitter) geoArg(s scalar) frag {
	switch {
	case s.lit != nil && s.lit.cls == clsText && looksNumeric(s.lit.s):
		return e.render(litScalar(numLit(parseNumeric(s.lit.s))))
	case s.lit != nil && s.lit.cls == clsText:
		return frag{s: "NULL"}
	case s.lit != nil || s.cls == clsNum:
		return e.render(s)
	}
	f := e.render(s)
	return cat("(CASE WHEN ", f, " = CAST(", f, " AS NUMERIC) THEN CAST(", f, " AS NUMERIC) END)")
}

// callVal writes strftime() and geoDistance().
func (e *emitter) callVal(c *callOperand) (val, error) {
	args := make([]scalar, 0, len(c.args))
	for _, a := range c.args {
		v, err := e.value(a)
		if err != nil {
			return val{}, err
		}
		if v.multi() {
			return val{}, errorf("%s() cannot take a multi-valued argument.", c.name)
		}
		args = append(args, v.sc)
	}
	if c.name == "geoDistance" {
		s := scalar{cls: clsNum, pg: pgFloat, nullable: true}
		if e.pg() {
			s.f = cat("plinth_geo_distance(", e.pgNum(args[0]), ", ", e.pgNum(args[1]), ", ", e.pgNum(args[2]), ", ", e.pgNum(args[3]), ")")
			return val{sc: s}, nil
		}
		lonA, latA, lonB, latB := e.geoArg(args[0]), e.geoArg(args[1]), e.geoArg(args[2]), e.geoArg(args[3])
		// Haversine on a sphere of radius 6371 km.
		s.f = cat("(12742.0 * asin(min(1.0, sqrt(pow(sin(radians(", latB, " - ", latA, ") / 2), 2) + cos(radians(", latA,
			")) * cos(radians(", latB, ")) * pow(sin(radians(", lonB, " - ", lonA, ") / 2), 2)))))")
		return val{sc: s}, nil
	}
	if len(args) == 1 {
		args = append(args, litScalar(textLit(core.FormatTime(e.now))))
	}
	s := scalar{cls: clsText, pg: pgText}
	if e.pg() {
		parts := []any{"plinth_strftime(", e.pgText(args[0]), ", ", e.pgText(args[1])}
		for _, m := range args[2:] {
			parts = append(parts, ", ", e.pgText(m))
		}
		s.f = cat(append(parts, ")")...)
		return val{sc: s}, nil
	}
	parts := []any{"COALESCE(strftime(", e.render(args[0]), ", ", e.render(args[1])}
	for _, m := range args[2:] {
		parts = append(parts, ", ", e.render(m))
	}
	s.f = cat(append(parts, "), '')")...)
	return val{sc: s}, nil
}
