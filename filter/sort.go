package filter

import (
	"fmt"
	"strings"

	"github.com/plinthdb/plinth/core"
)

// CompileSort compiles a sort parameter such as "-created,+title,author.name"
// into ORDER BY terms, direction included. "-" sorts descending, "+" or no
// prefix ascending; @random and @rowid are the random and insertion orders.
// NULLs come first ascending on both engines, as in SQLite. Relation hops
// in a sort do not apply list rules: there is no request to bind them.
func CompileSort(src string, o Options) (out []core.SQL, err error) {
	defer recoverInternal(&err)
	if o.Dialect != core.SQLite && o.Dialect != core.Postgres {
		return nil, fmt.Errorf("filter: unknown dialect %q", o.Dialect)
	}
	if o.Collection == nil {
		return nil, fmt.Errorf("filter: no collection to compile against")
	}
	var terms []string
	for _, t := range strings.Split(src, ",") {
		if t = strings.TrimSpace(t); t != "" {
			terms = append(terms, t)
		}
	}
	if len(terms) > MaxSortTerms {
		return nil, errorf("The sort has too many fields: at most %d are allowed.", MaxSortTerms)
	}
	e := newEmitter(o.Dialect, o.Schema, nil)
	for _, t := range terms {
		dir := " ASC"
		switch t[0] {
		case '-':
			dir, t = " DESC", t[1:]
		case '+':
			t = t[1:]
		}
		if len(t) > maxSortField {
			return nil, errorf("The sort field %q is too long.", t[:32]+"...")
		}
		switch t {
		case "@random":
			out = append(out, core.SQL{Text: "RANDOM()" + dir})
			continue
		case "@rowid":
			if o.Dialect == core.Postgres {
				out = append(out, core.SQL{Text: quoteIdent(core.MainAlias) + `."_rowid"` + dir})
			} else {
				out = append(out, core.SQL{Text: quoteIdent(core.MainAlias) + ".rowid" + dir})
			}
			continue
		}
		if t == "" {
			return nil, errorf("Invalid sort: a field name is missing.")
		}
		for i := 0; i < len(t); i++ {
			if !isIdentChar(t[i]) && !(i == 0 && isIdentStart(t[i])) {
				return nil, errorf("Invalid sort field %q.", t)
			}
		}
		terms, err := sortTerm(e, t, o, dir)
		if err != nil {
			return nil, err
		}
		out = append(out, terms...)
	}
	return out, nil
}

func sortTerm(e *emitter, name string, o Options, dir string) ([]core.SQL, error) {
	r := &resolver{o: o, sort: true}
	op, err := r.identifier(name)
	if err != nil {
		return nil, err
	}
	p, ok := op.(*pathOperand)
	if !ok || p.root != rootMain {
		return nil, errorf("Cannot sort by %q: only fields of the collection and its relations can be sorted by.", name)
	}
	if p.multi() {
		return nil, errorf("Cannot sort by %q: it has several values per record.", name)
	}
	v, err := e.pathVal(p)
	if err != nil {
		return nil, err
	}
	if v.multi() {
		return nil, errorf("Cannot sort by %q: it has several values per record.", name)
	}
	s := v.sc
	if !e.pg() {
		f := cat(s.f, dir)
		return []core.SQL{{Text: f.s, Args: f.args}}, nil
	}
	// SQLite puts NULLs first ascending; a column that cannot be NULL
	// needs no clause, which keeps PostgreSQL's index scans usable.
	nulls := ""
	switch {
	case s.nullable && dir == " DESC":
		nulls = " NULLS LAST"
	case s.nullable:
		nulls = " NULLS FIRST"
	}
	var fs []frag
	switch s.pg {
	case pgText:
		if s.canonical {
			fs = []frag{cat(s.f, dir, nulls)}
		} else {
			fs = []frag{cat(s.f, ` COLLATE "C"`, dir, nulls)}
		}
	case pgJSON:
		// SQLite orders JSON values NULL < numbers < text: sort by class,
		// then number, then text.
		fs = []frag{
			cat("plinth_jcls(", s.f, ")", dir, nulls),
			cat("plinth_jn(", s.f, ")", dir, nulls),
			cat("plinth_jt(", s.f, `) COLLATE "C"`, dir, nulls),
		}
	default:
		fs = []frag{cat(s.f, dir, nulls)}
	}
	out := make([]core.SQL, len(fs))
	for i, f := range fs {
		out[i] = core.SQL{Text: f.s, Args: f.args}
	}
	return out, nil
}
