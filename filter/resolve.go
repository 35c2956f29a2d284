package filter

import (
	"strings"

	"github.com/plinthdb/plinth/core"
)

// Kind tells what an expression is for, which decides what it may see.
type Kind int

const (
	// FilterKind is a client filter or sort: hidden fields, @collection and
	// @request are for superusers only, and relation hops apply the joined
	// collection's list rule.
	FilterKind Kind = iota
	// RuleKind is a collection rule written by a superuser: everything is
	// allowed.
	RuleKind
)

// Options say how to compile an expression.
type Options struct {
	Dialect    core.Dialect
	Collection *core.Collection // the queried collection, aliased core.MainAlias
	Schema     *core.Schema     // for relations, back-relations and @collection
	Kind       Kind
	Superuser  bool // only matters for FilterKind
}

// restricted reports whether the caller is a client who is not a superuser.
func (o Options) restricted() bool { return o.Kind == FilterKind && !o.Superuser }

// Forbidden references in client filters (§4.1); the api answers 403.
var (
	ErrForbiddenCollection error = &core.Error{Code: core.EForbidden, Message: "Only superusers can filter by @collection."}
	ErrForbiddenRequest    error = &core.Error{Code: core.EForbidden, Message: "Only superusers can filter by @request."}
)

// Resolved tree. Everything that depends on the request (macros,
// @request.*) is kept symbolic and turned into values by Bind.

type bnode interface{}

type andNode struct{ l, r bnode }
type orNode struct{ l, r bnode }
type cmpNode struct {
	op   Operator
	l, r operand
}

type operand interface{}

type litOperand struct{ l *lit }
type macroOperand struct{ name string }
type callOperand struct {
	name string
	args []operand
}

type rootKind uint8

const (
	rootMain       rootKind = iota // the expression's root row
	rootCollection                 // an @collection join
	rootIDs                        // relation ids held by a @request value
)

type stepKind uint8

const (
	stepForward stepKind = iota
	stepBack
)

// step is one relation hop.
type step struct {
	kind  stepKind
	field *core.Field      // forward: the relation field of from; back: the relation field of to
	to    *core.Collection // the collection hopped into
	multi bool             // the hop can yield several rows
	rule  *compiledExpr    // list rule applied to the rows of to (client filters)
}

// term is the last segment of a path: a field of the last collection.
type term struct {
	field     *core.Field
	mod       string   // "", "lower", "length", "each"
	json      []string // JSON path inside a json field
	geo       string   // "lon"/"lat" of a geoPoint field
	hasJSON   bool     // json/geoPoint field read through a JSON path ("" = whole value)
	idOfPrev  bool     // author.id: the relation value itself, no join
	emailSafe bool     // only readable where emailVisibility is true
}

type pathOperand struct {
	root  rootKind
	join  *colJoin // rootCollection
	ids   *reqOperand
	steps []step
	term  term
}

// multi reports whether the path can give several values.
func (p *pathOperand) multi() bool {
	for _, s := range p.steps {
		if s.multi {
			return true
		}
	}
	return p.term.mod == "each" && p.term.field.IsMulti() && !p.term.idOfPrev
}

// reqOperand is @request.<ns>.<key>...; it is resolved at Bind time.
type reqOperand struct {
	ns    string // method, context, headers, query, body, auth
	key   string
	path  []string // json path (body, auth) or relation path (auth)
	mod   string
	field *core.Field // body: the collection field named key, if any
}

// colJoin is one @collection join, shared by every reference to the same
// collection and alias.
type colJoin struct {
	coll  *core.Collection
	alias string
}

type compiledExpr struct {
	root    bnode
	joins   []*colJoin
	dynamic bool // depends on the request (macros, @request.*)
}

type resolver struct {
	o       Options
	joins   map[string]*colJoin
	list    []*colJoin
	dynamic bool
	sort    bool // resolving a sort term: no list rules (no request to bind them)
}

func (r *resolver) expr(e Expr) (bnode, error) {
	switch n := e.(type) {
	case *Logical:
		l, err := r.expr(n.Left)
		if err != nil {
			return nil, err
		}
		rt, err := r.expr(n.Right)
		if err != nil {
			return nil, err
		}
		if n.Op == "&&" {
			return &andNode{l, rt}, nil
		}
		return &orNode{l, rt}, nil
	case *Comparison:
		l, err := r.operand(n.Left)
		if err != nil {
			return nil, err
		}
		rt, err := r.operand(n.Right)
		if err != nil {
			return nil, err
		}
		return &cmpNode{op: n.Op, l: l, r: rt}, nil
	}
	return nil, errorf("Invalid filter.")
}

func (r *resolver) operand(o Operand) (operand, error) {
	switch n := o.(type) {
	case *Text:
		return &litOperand{textLit(n.Value)}, nil
	case *Number:
		return &litOperand{numLit(n.Value)}, nil
	case *Identifier:
		return r.identifier(n.Name)
	case *Call:
		return r.call(n)
	}
	return nil, errorf("Invalid filter.")
}

var macros = map[string]bool{
	"@now": true, "@yesterday": true, "@tomorrow": true, "@todayStart": true, "@todayEnd": true,
	"@monthStart": true, "@monthEnd": true, "@yearStart": true, "@yearEnd": true,
	"@second": true, "@minute": true, "@hour": true, "@day": true, "@month": true,
	"@weekday": true, "@year": true,
}

var modifiers = map[string]bool{"lower": true, "length": true, "each": true, "isset": true, "changed": true}

// splitPath splits an identifier into segments and the modifier of the
// last one. Modifiers elsewhere are an error, except the alias segment of
// @collection (handled by the caller, which passes keepColon).
func splitPath(name string, keepColonAt int) ([]string, string, error) {
	segs := strings.Split(name, ".")
	mod := ""
	for i, s := range segs {
		if s == "" {
			return nil, "", errorf("Invalid identifier %q: empty path segment.", name)
		}
		if i == keepColonAt {
			continue
		}
		base, m, has := strings.Cut(s, ":")
		if !has {
			continue
		}
		if i != len(segs)-1 {
			return nil, "", errorf("Invalid identifier %q: a modifier is only allowed at the end.", name)
		}
		if base == "" || m == "" || strings.Contains(m, ":") {
			return nil, "", errorf("Invalid identifier %q.", name)
		}
		if !modifiers[m] {
			return nil, "", errorf("Unknown modifier %q in %q; use :lower, :length, :each, :isset or :changed.", ":"+m, name)
		}
		segs[i], mod = base, m
	}
	return segs, mod, nil
}

func (r *resolver) identifier(name string) (operand, error) {
	if macros[name] {
		r.dynamic = true
		return &macroOperand{name: name}, nil
	}
	switch {
	case strings.HasPrefix(name, "@request."):
		if r.o.restricted() {
			return nil, ErrForbiddenRequest
		}
		return r.request(name)
	case strings.HasPrefix(name, "@collection."):
		if r.o.restricted() {
			return nil, ErrForbiddenCollection
		}
		return r.collection(name)
	case name == "@request" || name == "@collection":
		return nil, errorf("Invalid identifier %q: a field must follow.", name)
	case name == "@random" || name == "@rowid":
		return nil, errorf("%s can only be used in a sort.", name)
	case name[0] == '@' || name[0] == '#':
		if strings.Contains(name, ":") && macros[name[:strings.IndexByte(name, ':')]] {
			return nil, errorf("Macros such as %q take no modifier.", name[:strings.IndexByte(name, ':')])
		}
		return nil, errorf("Unknown identifier %q.", name)
	}
	segs, mod, err := splitPath(name, -1)
	if err != nil {
		return nil, err
	}
	if r.o.Collection == nil {
		return nil, errorf("No collection to resolve %q against.", name)
	}
	if len(segs) == 1 && mod == "" && r.o.Collection.Field(segs[0]) == nil {
		switch strings.ToLower(segs[0]) {
		case "null":
			return &litOperand{nullLit()}, nil
		case "true":
			return &litOperand{boolLit(true)}, nil
		case "false":
			return &litOperand{boolLit(false)}, nil
		}
	}
	return r.path(r.o.Collection, segs, mod, name, r.o.restricted())
}

// path resolves a field path starting at collection c. restricted enables
// the hidden field checks and the list rules of client filters.
func (r *resolver) path(c *core.Collection, segs []string, mod, name string, restricted bool) (*pathOperand, error) {
	p := &pathOperand{}
	cur := c
	for i := 0; i < len(segs); i++ {
		seg := segs[i]
		last := i == len(segs)-1
		f := cur.Field(seg)
		if f == nil {
			bc, bf, err := r.backRelation(cur, seg, name)
			if err != nil {
				return nil, err
			}
			if restricted && bf.Hidden {
				return nil, errorf("The field %q of %q is hidden and cannot be used in a filter.", bf.Name, bc.Name)
			}
			st := step{kind: stepBack, field: bf, to: bc, multi: !uniqueIndexOn(bc, bf.Name)}
			if err := r.addStep(p, st, restricted, name); err != nil {
				return nil, err
			}
			cur = bc
			if last {
				// A bare back-relation stands for the ids of its records.
				id := cur.Field("id")
				if id == nil {
					return nil, errorf("Invalid identifier %q: %q has no id field.", name, cur.Name)
				}
				if mod == "length" || mod == "each" || mod == "isset" || mod == "changed" {
					mod = ""
				}
				p.term = term{field: id, mod: mod}
				return p, nil
			}
			continue
		}
		if restricted && f.Hidden {
			return nil, errorf("The field %q is hidden and cannot be used in a filter.", f.Name)
		}
		if f.Type == core.FieldRelation && !last {
			target := r.findCollection(f.CollectionID)
			if target == nil {
				return nil, errorf("Invalid identifier %q: the collection of relation %q does not exist.", name, f.Name)
			}
			if err := r.addStep(p, step{kind: stepForward, field: f, to: target, multi: f.IsMulti()}, restricted, name); err != nil {
				return nil, err
			}
			cur = target
			continue
		}
		if f.Type == core.FieldJSON || f.Type == core.FieldGeoPoint {
			return r.jsonTerm(p, cur, f, segs[i+1:], mod, name, restricted)
		}
		if !last {
			return nil, errorf("Invalid identifier %q: the field %q has no sub-fields.", name, f.Name)
		}
		p.term = term{field: f, mod: fieldModifier(f, mod)}
		if restricted && f.Name == "email" && cur.IsAuth() && cur.Field("emailVisibility") != nil {
			p.term.emailSafe = true
		}
		// author.id is the relation value itself: no join (§5.3).
		if n := len(p.steps); n > 0 && p.steps[n-1].kind == stepForward && (f.PrimaryKey || strings.EqualFold(f.Name, "id")) {
			p.term.idOfPrev = true
			p.steps[n-1].rule = nil
		}
		return p, nil
	}
	return nil, errorf("Invalid identifier %q.", name)
}

// fieldModifier keeps the modifiers that apply to f; on other fields they
// are silently ignored (§5.4).
func fieldModifier(f *core.Field, mod string) string {
	switch mod {
	case "lower":
		return mod
	case "length", "each":
		switch f.Type {
		case core.FieldSelect, core.FieldFile, core.FieldRelation:
			return mod
		}
	}
	return ""
}

func (r *resolver) jsonTerm(p *pathOperand, c *core.Collection, f *core.Field, rest []string, mod, name string, restricted bool) (*pathOperand, error) {
	t := term{field: f, hasJSON: true}
	switch {
	case mod == "lower":
		t.mod = "lower"
	case mod != "" && len(rest) > 0:
		// On JSON fields everything after the field is a JSON path: the
		// modifier is part of the last key and matches nothing (§5.4).
		rest = append(append([]string{}, rest[:len(rest)-1]...), rest[len(rest)-1]+":"+mod)
	}
	if f.Type == core.FieldGeoPoint && len(rest) > 0 {
		if len(rest) != 1 || (rest[0] != "lon" && rest[0] != "lat") {
			return nil, errorf("Invalid identifier %q: a geoPoint has only the keys lon and lat.", name)
		}
		t.geo = rest[0]
	} else {
		t.json = rest
	}
	p.term = t
	return p, nil
}

func (r *resolver) addStep(p *pathOperand, st step, restricted bool, name string) error {
	if len(p.steps) >= MaxRelationDepth {
		return errorf("Invalid identifier %q: at most %d relation hops are allowed.", name, MaxRelationDepth)
	}
	if restricted && !r.sort {
		rule := st.to.ListRule
		if rule == nil {
			return errorf("Invalid identifier %q: only superusers can filter by the records of %q.", name, st.to.Name)
		}
		if *rule != "" {
			ce, err := compileExpr(*rule, Options{Dialect: r.o.Dialect, Collection: st.to, Schema: r.o.Schema, Kind: RuleKind})
			if err != nil {
				return errorf("Invalid identifier %q: the list rule of %q does not compile.", name, st.to.Name)
			}
			st.rule = ce
			if ce.dynamic {
				r.dynamic = true
			}
		}
	}
	p.steps = append(p.steps, st)
	return nil
}

func (r *resolver) findCollection(nameOrID string) *core.Collection {
	if r.o.Schema == nil {
		return nil
	}
	return r.o.Schema.Find(nameOrID)
}

// backRelation resolves "<collection>_via_<field>": a relation field of
// another collection that points to c.
func (r *resolver) backRelation(c *core.Collection, seg, name string) (*core.Collection, *core.Field, error) {
	for i := strings.Index(seg, "_via_"); i >= 0; {
		bc := r.findCollection(seg[:i])
		if bc != nil {
			if bf := bc.Field(seg[i+5:]); bf != nil && bf.Type == core.FieldRelation &&
				(bf.CollectionID == c.ID || strings.EqualFold(bf.CollectionID, c.Name)) {
				return bc, bf, nil
			}
		}
		j := strings.Index(seg[i+1:], "_via_")
		if j < 0 {
			break
		}
		i += 1 + j
	}
	if strings.Contains(seg, "_via_") {
		return nil, nil, errorf("Invalid identifier %q: %q is not a relation field pointing to %q.", name, seg, c.Name)
	}
	return nil, nil, errorf("Unknown field %q in %q of collection %q.", seg, name, c.Name)
}

// uniqueIndexOn reports whether c has a unique index on exactly column.
func uniqueIndexOn(c *core.Collection, column string) bool {
	for _, idx := range c.Indexes {
		up := strings.ToUpper(idx)
		if !strings.Contains(up, "UNIQUE") || strings.Contains(up, " WHERE ") {
			continue
		}
		open, close := strings.LastIndexByte(idx, '('), strings.LastIndexByte(idx, ')')
		if open < 0 || close < open {
			continue
		}
		cols := strings.Split(idx[open+1:close], ",")
		if len(cols) != 1 {
			continue
		}
		col := strings.Fields(cols[0])
		if len(col) == 0 {
			continue
		}
		if strings.EqualFold(strings.Trim(col[0], "`\"[]'"), column) {
			return true
		}
	}
	return false
}

func (r *resolver) request(name string) (operand, error) {
	r.dynamic = true
	segs, mod, err := splitPath(name, -1)
	if err != nil {
		return nil, err
	}
	ns := segs[1]
	rest := segs[2:]
	q := &reqOperand{ns: ns, mod: mod}
	switch ns {
	case "method", "context":
		if len(rest) > 0 {
			return nil, errorf("Invalid identifier %q: @request.%s has no sub-keys.", name, ns)
		}
		if mod != "" && mod != "lower" && mod != "isset" {
			return nil, errorf("The modifier :%s cannot be used on %q.", mod, "@request."+ns)
		}
		return q, nil
	case "headers", "query":
		if len(rest) != 1 {
			return nil, errorf("Invalid identifier %q: expected @request.%s.<name>.", name, ns)
		}
		if mod != "" && mod != "lower" && mod != "isset" {
			return nil, errorf("The modifier :%s cannot be used on @request.%s values.", mod, ns)
		}
		q.key = rest[0]
		if ns == "headers" {
			q.key = strings.ToLower(q.key)
		}
		return q, nil
	case "body":
		if len(rest) == 0 {
			return nil, errorf("Invalid identifier %q: expected @request.body.<field>.", name)
		}
		q.key, q.path = rest[0], rest[1:]
		if r.o.Collection != nil {
			q.field = r.o.Collection.Field(q.key)
		}
		if q.field != nil {
			q.key = q.field.Name // the body is keyed by field names
		}
		return r.bodyOperand(q, name)
	case "auth":
		if len(rest) == 0 {
			return nil, errorf("Invalid identifier %q: expected @request.auth.<field>.", name)
		}
		if mod == "changed" {
			return nil, errorf("The modifier :changed can only be used on @request.body fields.")
		}
		q.key, q.path = rest[0], rest[1:]
		return q, nil
	}
	return nil, errorf("Unknown identifier %q; @request has method, context, headers, query, body and auth.", name)
}

func (r *resolver) bodyOperand(q *reqOperand, name string) (operand, error) {
	f := q.field
	if f == nil {
		if q.mod == "changed" {
			return nil, errorf("Invalid identifier %q: :changed needs a field of the collection.", name)
		}
		return q, nil
	}
	if len(q.path) > 0 {
		switch f.Type {
		case core.FieldRelation:
			if q.mod == "changed" || q.mod == "isset" {
				return nil, errorf("The modifier :%s cannot be used on a relation path.", q.mod)
			}
			target := r.findCollection(f.CollectionID)
			if target == nil {
				return nil, errorf("Invalid identifier %q: the collection of relation %q does not exist.", name, f.Name)
			}
			p, err := r.path(target, q.path, q.mod, name, false)
			if err != nil {
				return nil, err
			}
			if len(p.steps) >= MaxRelationDepth {
				return nil, errorf("Invalid identifier %q: at most %d relation hops are allowed.", name, MaxRelationDepth)
			}
			p.steps = append([]step{{kind: stepForward, field: f, to: target, multi: f.IsMulti()}}, p.steps...)
			if len(p.steps) == 1 && (p.term.field.PrimaryKey || strings.EqualFold(p.term.field.Name, "id")) {
				p.term.idOfPrev = true // @request.body.author.id: the submitted ids, no join
			}
			p.root, p.ids = rootIDs, q
			return p, nil
		case core.FieldJSON, core.FieldGeoPoint:
			if q.mod != "" && q.mod != "lower" && q.mod != "isset" {
				return nil, errorf("The modifier :%s cannot be used on a JSON path.", q.mod)
			}
			return q, nil
		}
		return nil, errorf("Invalid identifier %q: the field %q has no sub-fields.", name, f.Name)
	}
	switch q.mod {
	case "length", "each":
		switch f.Type {
		case core.FieldSelect, core.FieldFile, core.FieldRelation:
		default:
			return nil, errorf("The modifier :%s cannot be used on @request.body.%s, a %s field.", q.mod, f.Name, f.Type)
		}
	}
	return q, nil
}

func (r *resolver) collection(name string) (operand, error) {
	segs, mod, err := splitPath(name, 1)
	if err != nil {
		return nil, err
	}
	if len(segs) < 3 {
		return nil, errorf("Invalid identifier %q: expected @collection.<name>.<field>.", name)
	}
	cname, alias, _ := strings.Cut(segs[1], ":")
	if cname == "" || strings.Contains(alias, ":") {
		return nil, errorf("Invalid identifier %q.", name)
	}
	c := r.findCollection(cname)
	if c == nil {
		return nil, errorf("Invalid identifier %q: there is no collection %q.", name, cname)
	}
	key := c.ID + ":" + alias
	j := r.joins[key]
	if j == nil {
		if r.joins == nil {
			r.joins = map[string]*colJoin{}
		}
		j = &colJoin{coll: c, alias: alias}
		r.joins[key] = j
		r.list = append(r.list, j)
	}
	p, err := r.path(c, segs[2:], mod, name, r.o.restricted())
	if err != nil {
		return nil, err
	}
	p.root, p.join = rootCollection, j
	return p, nil
}

func (r *resolver) call(n *Call) (operand, error) {
	switch {
	case strings.EqualFold(n.Name, "strftime"):
		if len(n.Args) == 0 {
			return nil, errorf("strftime() needs a format, e.g. strftime(\"%%Y\", created).")
		}
		if _, ok := n.Args[0].(*Text); !ok {
			return nil, errorf("The format of strftime() must be a text literal.")
		}
		c := &callOperand{name: "strftime"}
		for i, a := range n.Args {
			if i >= 2 {
				if _, ok := a.(*Text); !ok {
					return nil, errorf("The modifiers of strftime() must be text literals.")
				}
			}
			o, err := r.funcArg(a, n.Name)
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, o)
		}
		if len(n.Args) == 1 {
			r.dynamic = true // formats the request time
		}
		return c, nil
	case strings.EqualFold(n.Name, "geoDistance"):
		if len(n.Args) != 4 {
			return nil, errorf("geoDistance() takes 4 arguments: lonA, latA, lonB, latB.")
		}
		c := &callOperand{name: "geoDistance"}
		for _, a := range n.Args {
			if _, ok := a.(*Text); ok {
				return nil, errorf("The arguments of geoDistance() must be numbers or fields.")
			}
			o, err := r.funcArg(a, n.Name)
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, o)
		}
		return c, nil
	}
	return nil, errorf("Unknown function %q; the available functions are strftime() and geoDistance().", n.Name)
}

// funcArg resolves a function argument, which must be single-valued.
func (r *resolver) funcArg(a Operand, fn string) (operand, error) {
	o, err := r.operand(a)
	if err != nil {
		return nil, err
	}
	if p, ok := o.(*pathOperand); ok && (p.multi() || p.root == rootCollection) {
		return nil, errorf("%s() cannot take a multi-valued argument such as %q.", fn, a.(*Identifier).Name)
	}
	if q, ok := o.(*reqOperand); ok && q.mod == "each" {
		return nil, errorf("%s() cannot take a multi-valued argument such as %q.", fn, a.(*Identifier).Name)
	}
	return o, nil
}

// compileExpr parses and resolves src.
func compileExpr(src string, o Options) (*compiledExpr, error) {
	e, err := Parse(src)
	if err != nil {
		return nil, err
	}
	r := &resolver{o: o}
	root, err := r.expr(e)
	if err != nil {
		return nil, err
	}
	return &compiledExpr{root: root, joins: r.list, dynamic: r.dynamic}, nil
}
