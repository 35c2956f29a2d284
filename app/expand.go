package app

import (
	"context"
	"regexp"
	"strings"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/index"
)

// Limits of expand (§1.9).
const (
	MaxExpandDepth   = 6    // relation levels of one expand path; deeper segments are ignored
	MaxBackRelations = 1000 // records one back-relation expands per parent record
)

// expandChunk bounds the ids bound into one IN list, well under the
// parameter limits of both engines; below it a level is one query.
const expandChunk = 5000

// Expand is a parsed expand parameter (§4.4): relation paths, each a list
// of segments. It is parsed once per request and used for every record.
type Expand struct {
	paths [][]string
}

// ParseExpand parses the expand query parameter as PocketBase does:
// spaces are dropped, dangling dots trimmed, empty entries skipped,
// paths contained in a longer one merged into it, and segments past
// MaxExpandDepth ignored. An empty parameter gives nil (no expand key in
// the output); a non-empty one gives an Expand even when no path remains.
func ParseExpand(raw string) *Expand {
	if raw == "" {
		return nil
	}
	var norm []string
	for _, p := range strings.Split(raw, ",") {
		p = strings.Trim(strings.ReplaceAll(p, " ", ""), ".")
		if p != "" {
			norm = append(norm, p)
		}
	}
	ex := &Expand{}
	seen := map[string]bool{}
	for i, p := range norm {
		contained := false
		for j, q := range norm {
			if i != j && strings.HasPrefix(q, p+".") {
				contained = true
				break
			}
		}
		if contained {
			continue
		}
		segs := strings.Split(p, ".")
		if len(segs) > MaxExpandDepth {
			segs = segs[:MaxExpandDepth]
		}
		if key := strings.Join(segs, "."); !seen[key] {
			seen[key] = true
			ex.paths = append(ex.paths, segs)
		}
	}
	return ex
}

// Paths returns the parsed paths joined with dots (for logs and tests).
func (ex *Expand) Paths() []string {
	if ex == nil {
		return nil
	}
	out := make([]string, len(ex.paths))
	for i, p := range ex.paths {
		out[i] = strings.Join(p, ".")
	}
	return out
}

// Back-relation segments: posts_via_author, and the legacy posts(author).
var (
	viaSegment    = regexp.MustCompile(`^(\w+)_via_(\w+)$`)
	legacySegment = regexp.MustCompile(`^(\w+)\((\w+)\)$`)
)

// expandNode is one resolved segment of the expand tree.
type expandNode struct {
	key      string           // output key: the segment as written
	field    *core.Field      // forward: on the parent collection; back: on target
	back     bool             // back-relation: target records point to the parent
	target   *core.Collection // collection of the expanded records
	single   bool             // output one object rather than an array
	children []*expandNode
}

func (n *expandNode) child(key string) *expandNode {
	for _, c := range n.children {
		if c.key == key {
			return c
		}
	}
	return nil
}

// expandedRec is one record in the expansion result. expand is nil for
// records no further path goes through (no expand key is output), and
// holds *expandedRec or []*expandedRec values by key otherwise.
type expandedRec struct {
	rec    *core.Record
	expand map[string]any
}

// expander runs one expansion for one request.
type expander struct {
	a     *App
	ctx   context.Context
	tx    core.Tx
	s     *core.Schema
	req   *Request // the caller, with context "expand"
	su    bool
	rules map[string]*expandRule // view rule SQL by collection id
}

type expandRule struct {
	where *core.SQL // nil: no condition
	err   error     // the collection cannot be expanded by this caller
}

// viewRule returns the condition expanded records of c must meet for the
// caller: none for superusers and empty rules; a null rule (or one that
// does not compile) makes c unexpandable, which drops the whole path as
// PocketBase does.
func (x *expander) viewRule(c *core.Collection) *expandRule {
	if r, ok := x.rules[c.ID]; ok {
		return r
	}
	r := &expandRule{}
	switch {
	case x.su:
	case c.ViewRule == nil:
		r.err = errSuperuserOnly
	case *c.ViewRule != "":
		w, err := x.a.ruleSQL(x.s, c, *c.ViewRule, x.req, nil)
		if err != nil {
			r.err = err
		} else {
			r.where = &w
		}
	}
	x.rules[c.ID] = r
	return r
}

// resolve builds the tree of the paths that resolve from root; a path
// with any segment that does not resolve is dropped whole.
func (x *expander) resolve(root *core.Collection, ex *Expand) *expandNode {
	tree := &expandNode{target: root}
	for _, segs := range ex.paths {
		nodes := make([]*expandNode, 0, len(segs))
		cur := root
		ok := true
		for _, seg := range segs {
			n := x.segment(cur, seg)
			if n == nil {
				ok = false
				break
			}
			nodes = append(nodes, n)
			cur = n.target
		}
		if !ok {
			continue
		}
		parent := tree
		for _, n := range nodes {
			if c := parent.child(n.key); c != nil {
				parent = c
				continue
			}
			parent.children = append(parent.children, n)
			parent = n
		}
	}
	return tree
}

// segment resolves one path segment on collection c, or returns nil.
func (x *expander) segment(c *core.Collection, seg string) *expandNode {
	m := legacySegment.FindStringSubmatch(seg)
	if !strings.Contains(seg, "(") {
		m = viaSegment.FindStringSubmatch(seg)
	}
	var n *expandNode
	if m != nil {
		target := x.s.Find(m[1])
		if target == nil {
			return nil
		}
		f := exactField(target, m[2])
		if f == nil || f.Type != core.FieldRelation || f.CollectionID != c.ID {
			return nil
		}
		n = &expandNode{key: seg, field: f, back: true, target: target, single: singleColumnUnique(target, f.Name)}
	} else {
		f := exactField(c, seg)
		if f == nil || f.Type != core.FieldRelation {
			return nil
		}
		target := x.s.Find(f.CollectionID)
		if target == nil || target.ID != f.CollectionID {
			return nil
		}
		n = &expandNode{key: f.Name, field: f, target: target, single: !f.IsMulti()}
	}
	if x.viewRule(n.target).err != nil {
		return nil
	}
	return n
}

// exactField finds a field by its exact name (expand paths are case
// sensitive, unlike filters).
func exactField(c *core.Collection, name string) *core.Field {
	for _, f := range c.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// singleColumnUnique reports whether c has a UNIQUE index on exactly
// column (a partial one counts, as in PocketBase): the back-relation
// then expands to one object.
func singleColumnUnique(c *core.Collection, column string) bool {
	for _, def := range c.Indexes {
		ix, err := index.Parse(def)
		if err == nil && ix.Unique && len(ix.Columns) == 1 && strings.EqualFold(ix.Columns[0].Name, column) {
			return true
		}
	}
	return false
}

// expandGroup is the work of one tree node at one level: the records the
// node's relation starts from.
type expandGroup struct {
	node    *expandNode
	parents []*expandedRec
}

// run expands the tree level by level: each level loads the forward
// related records of all groups with one query per target collection, and
// each back-relation with one query.
func (x *expander) run(tree *expandNode, roots []*expandedRec) error {
	var groups []expandGroup
	for _, n := range tree.children {
		groups = append(groups, expandGroup{node: n, parents: roots})
	}
	for len(groups) > 0 {
		fetched, err := x.fetchForward(groups)
		if err != nil {
			return err
		}
		var next []expandGroup
		var managed map[*core.Collection][]*core.Record // expanded auth records of this level
		for _, g := range groups {
			var byParent map[string][]*core.Record
			if g.node.back {
				if byParent, err = x.fetchBack(g); err != nil {
					return err
				}
			}
			made := map[string]*expandedRec{}
			var order []*expandedRec
			wrap := func(r *core.Record) *expandedRec {
				if e, ok := made[r.ID()]; ok {
					return e
				}
				e := &expandedRec{rec: r}
				if len(g.node.children) > 0 {
					e.expand = map[string]any{}
				}
				made[r.ID()] = e
				order = append(order, e)
				return e
			}
			for _, p := range g.parents {
				var list []*expandedRec
				if g.node.back {
					for _, r := range byParent[p.rec.ID()] {
						list = append(list, wrap(r))
					}
				} else {
					byID := fetched[g.node.target.ID]
					for _, id := range p.rec.Strings(g.node.field.Name) {
						if r, ok := byID[id]; ok {
							list = append(list, wrap(r))
						}
					}
				}
				switch {
				case len(list) == 0:
				case g.node.single:
					p.expand[g.node.key] = list[0]
				default:
					p.expand[g.node.key] = list
				}
			}
			if len(order) > 0 && g.node.target.IsAuth() {
				if managed == nil {
					managed = map[*core.Collection][]*core.Record{}
				}
				for _, e := range order {
					managed[g.node.target] = append(managed[g.node.target], e.rec)
				}
			}
			if len(order) > 0 {
				for _, c := range g.node.children {
					next = append(next, expandGroup{node: c, parents: order})
				}
			}
		}
		if err := x.noteManaged(managed); err != nil {
			return err
		}
		groups = next
	}
	return nil
}

// fetchForward loads the records the forward groups of one level point
// to, one query per target collection, keyed by collection and record id.
func (x *expander) fetchForward(groups []expandGroup) (map[string]map[string]*core.Record, error) {
	type want struct {
		c   *core.Collection
		ids []any
		has map[string]bool
	}
	var order []*want
	wants := map[string]*want{}
	for _, g := range groups {
		if g.node.back {
			continue
		}
		w := wants[g.node.target.ID]
		if w == nil {
			w = &want{c: g.node.target, has: map[string]bool{}}
			wants[g.node.target.ID] = w
			order = append(order, w)
		}
		for _, p := range g.parents {
			for _, id := range p.rec.Strings(g.node.field.Name) {
				if !w.has[id] {
					w.has[id] = true
					w.ids = append(w.ids, id)
				}
			}
		}
	}
	out := make(map[string]map[string]*core.Record, len(order))
	for _, w := range order {
		byID := make(map[string]*core.Record, len(w.ids))
		out[w.c.ID] = byID
		rule := x.viewRule(w.c)
		for start := 0; start < len(w.ids); start += expandChunk {
			chunk := w.ids[start:min(start+expandChunk, len(w.ids))]
			q := &core.Query{Collection: w.c, Where: []core.SQL{inList(columnRef("id"), chunk)}}
			if rule.where != nil {
				q.Where = append(q.Where, *rule.where)
			}
			recs, err := x.tx.Find(x.ctx, q)
			if err != nil {
				return nil, internal(err)
			}
			for _, r := range recs {
				byID[r.ID()] = r
			}
		}
	}
	return out, nil
}

// fetchBack loads the records of a back-relation group, at most
// MaxBackRelations per parent in insertion order, keyed by parent id.
func (x *expander) fetchBack(g expandGroup) (map[string][]*core.Record, error) {
	ids := make([]any, 0, len(g.parents))
	for _, p := range g.parents {
		ids = append(ids, p.rec.ID())
	}
	out := map[string][]*core.Record{}
	for start := 0; start < len(ids); start += expandChunk {
		chunk := ids[start:min(start+expandChunk, len(ids))]
		// The limit only bounds memory: a parent with more than its share
		// overflows it, and the chunk is then read parent by parent.
		limit := MaxBackRelations*len(chunk) + 1
		recs, err := x.findBack(g.node, chunk, limit)
		if err != nil {
			return nil, err
		}
		if len(recs) == limit {
			for _, id := range chunk {
				recs, err := x.findBack(g.node, []any{id}, MaxBackRelations)
				if err != nil {
					return nil, err
				}
				x.assignBack(out, g.node, []any{id}, recs)
			}
			continue
		}
		x.assignBack(out, g.node, chunk, recs)
	}
	return out, nil
}

func (x *expander) findBack(n *expandNode, parentIDs []any, limit int) ([]*core.Record, error) {
	q := &core.Query{Collection: n.target, Where: []core.SQL{x.backMatch(n.field, parentIDs)}, Limit: limit}
	if rule := x.viewRule(n.target); rule.where != nil {
		q.Where = append(q.Where, *rule.where)
	}
	recs, err := x.tx.Find(x.ctx, q)
	if err != nil {
		return nil, internal(err)
	}
	return recs, nil
}

// assignBack files recs under the parents (of parentIDs) they point to.
func (x *expander) assignBack(out map[string][]*core.Record, n *expandNode, parentIDs []any, recs []*core.Record) {
	wanted := make(map[string]bool, len(parentIDs))
	for _, id := range parentIDs {
		wanted[id.(string)] = true
	}
	for _, r := range recs {
		for _, pid := range r.Strings(n.field.Name) {
			if wanted[pid] && len(out[pid]) < MaxBackRelations {
				out[pid] = append(out[pid], r)
			}
		}
	}
}

// backMatch is the condition "relation field f holds one of ids".
func (x *expander) backMatch(f *core.Field, ids []any) core.SQL {
	if !f.IsMulti() {
		return inList(columnRef(f.Name), ids)
	}
	in := inList(`"_je"."value"`, ids)
	if x.a.store.Dialect() == core.Postgres {
		in.Text = `EXISTS (SELECT 1 FROM plinth_jeach((` + columnRef(f.Name) + `)::jsonb) AS "_je"("value") WHERE ` + in.Text + `)`
	} else {
		in.Text = `EXISTS (SELECT 1 FROM json_each(` + columnRef(f.Name) + `) AS "_je" WHERE ` + in.Text + `)`
	}
	return in
}

// noteManaged lets the caller see the emails of the expanded auth records
// it may manage (§4.3): one query per auth collection and level.
func (x *expander) noteManaged(byCollection map[*core.Collection][]*core.Record) error {
	if x.su {
		return nil
	}
	for c, recs := range byCollection {
		if err := x.a.noteManaged(x.ctx, x.tx, x.s, x.req, c, recs); err != nil {
			return err
		}
	}
	return nil
}

// columnRef quotes a column of the main alias; names come from the schema.
func columnRef(name string) string {
	return `"` + core.MainAlias + `"."` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// inList is "expr IN (?, …)"; ids must not be empty.
func inList(expr string, ids []any) core.SQL {
	return core.SQL{Text: expr + ` IN (?` + strings.Repeat(",?", len(ids)-1) + `)`, Args: ids}
}

// SerializeRecords renders recs for req (§4.3) with the relations of ex
// expanded (§4.4): every record gets an expand object when ex is not nil.
// All records of a level are loaded together, so the number of queries
// does not grow with the number of records. When the expansion fails the
// records are still rendered (with whatever was expanded) and the error
// is returned for the caller to log: a failed expand is not fatal.
func (a *App) SerializeRecords(ctx context.Context, req *Request, recs []*core.Record, ex *Expand) ([]map[string]any, error) {
	roots := make([]*expandedRec, len(recs))
	for i, r := range recs {
		roots[i] = &expandedRec{rec: r}
		if ex != nil {
			roots[i].expand = map[string]any{}
		}
	}
	var err error
	if ex != nil && len(ex.paths) > 0 && len(recs) > 0 {
		err = a.expand(ctx, req, roots, ex)
	}
	done := map[*expandedRec]map[string]any{}
	out := make([]map[string]any, len(roots))
	for i, e := range roots {
		out[i] = a.serializeExpanded(req, e, done)
	}
	return out, err
}

func (a *App) expand(ctx context.Context, req *Request, roots []*expandedRec, ex *Expand) error {
	s, err := a.store.Schema(ctx)
	if err != nil {
		return internal(err)
	}
	// Rules see @request.context = "expand"; the copy shares the set of
	// managed records so Serialize sees what the expansion found.
	er := &Request{}
	if req != nil {
		if req.manage == nil {
			req.manage = &manageSet{}
		}
		*er = *req
	}
	er.Context = "expand"
	byCollection := map[*core.Collection][]*expandedRec{}
	var cols []*core.Collection
	for _, e := range roots {
		c := e.rec.Collection
		if _, ok := byCollection[c]; !ok {
			cols = append(cols, c)
		}
		byCollection[c] = append(byCollection[c], e)
	}
	// Paths resolve against the schema alone, so a request whose paths
	// are all invalid costs no transaction.
	x := &expander{a: a, ctx: ctx, s: s, req: er, su: req.IsSuperuser(), rules: map[string]*expandRule{}}
	trees := make([]*expandNode, len(cols))
	work := false
	for i, c := range cols {
		trees[i] = x.resolve(c, ex)
		work = work || len(trees[i].children) > 0
	}
	if !work {
		return nil
	}
	return a.store.Read(ctx, func(tx core.Tx) error {
		x.tx = tx
		for i, c := range cols {
			if err := x.run(trees[i], byCollection[c]); err != nil {
				return err
			}
		}
		return nil
	})
}

// serializeExpanded renders e and its expansion; records shared by
// several parents are rendered once.
func (a *App) serializeExpanded(req *Request, e *expandedRec, done map[*expandedRec]map[string]any) map[string]any {
	if m, ok := done[e]; ok {
		return m
	}
	m := a.Serialize(req, e.rec)
	if e.expand != nil {
		out := make(map[string]any, len(e.expand))
		for k, v := range e.expand {
			switch v := v.(type) {
			case *expandedRec:
				out[k] = a.serializeExpanded(req, v, done)
			case []*expandedRec:
				list := make([]map[string]any, len(v))
				for i, c := range v {
					list[i] = a.serializeExpanded(req, c, done)
				}
				out[k] = list
			}
		}
		m["expand"] = out
	}
	done[e] = m
	return m
}
