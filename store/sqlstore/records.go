package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/plinthdb/plinth/core"
)

func checkQuery(q *core.Query) error {
	if q == nil || q.Collection == nil {
		return core.Errorf(core.EInvalid, "A query needs a collection.")
	}
	if q.Limit < 0 || q.Offset < 0 {
		return core.Errorf(core.EInvalid, "Limit and offset must not be negative.")
	}
	return nil
}

// selectList returns the explicit column list of c's fields on alias.
func selectList(c *core.Collection, alias string) string {
	var b strings.Builder
	for i, f := range c.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		if alias != "" {
			b.WriteString(quote(alias) + ".")
		}
		b.WriteString(quote(f.Name))
	}
	return b.String()
}

func appendWhere(b *strings.Builder, args []any, where []core.SQL) []any {
	for i, w := range where {
		if i == 0 {
			b.WriteString(" WHERE (")
		} else {
			b.WriteString(" AND (")
		}
		b.WriteString(w.Text)
		b.WriteString(")")
		args = append(args, w.Args...)
	}
	return args
}

// selectSQL builds the SELECT of q: its fields by name, the ANDed where
// fragments, the order (insertion order by default) and bound limits.
func (d dialect) selectSQL(q *core.Query) (string, []any) {
	c := q.Collection
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(selectList(c, core.MainAlias))
	b.WriteString(" FROM " + quote(c.Name) + " AS " + quote(core.MainAlias))
	args := appendWhere(&b, nil, q.Where)
	switch {
	case len(q.OrderBy) > 0:
		b.WriteString(" ORDER BY ")
		for i, o := range q.OrderBy {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(o.Text)
			args = append(args, o.Args...)
		}
	case !c.IsView():
		// Views have no insertion order; they come as the view yields them.
		b.WriteString(" ORDER BY " + quote(core.MainAlias) + "." + d.rowidColumn())
	}
	lim, largs := d.limitClause(q.Limit, q.Offset)
	b.WriteString(lim)
	b.WriteString(d.shapeTag(c))
	return b.String(), append(args, largs...)
}

func (d dialect) countSQL(q *core.Query) (string, []any) {
	var b strings.Builder
	b.WriteString("SELECT COUNT(*) FROM " + quote(q.Collection.Name) + " AS " + quote(core.MainAlias))
	args := appendWhere(&b, nil, q.Where)
	b.WriteString(d.shapeTag(q.Collection))
	return b.String(), args
}

// scanRecords reads rows whose columns are c's fields in order.
func scanRecords(c *core.Collection, rows *sql.Rows) ([]*core.Record, error) {
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	if len(types) != len(c.Fields) {
		return nil, core.Errorf(core.EInternal, "collection %q: expected %d columns, got %d", c.Name, len(c.Fields), len(types))
	}
	jsonCol := make([]bool, len(types))
	for i, ct := range types {
		// Table columns of json fields are JSON; view columns tell by their
		// declared type, expressions have none, but a view's json field
		// columns hold JSON whatever their type (see viewColumn).
		tn := strings.ToUpper(ct.DatabaseTypeName())
		jsonCol[i] = !c.IsView() || tn == "JSON" || tn == "JSONB" || kindOf(c.Fields[i]) == kindJSON
	}
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []*core.Record
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := &core.Record{Collection: c, Values: make(map[string]any, len(c.Fields))}
		for i, f := range c.Fields {
			r.Values[f.Name] = fromColumn(f, vals[i], jsonCol[i])
			vals[i] = nil
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (t *tx) Find(ctx context.Context, q *core.Query) ([]*core.Record, error) {
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	text, args := t.s.d.selectSQL(q)
	rows, err := t.query(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	return scanRecords(q.Collection, rows)
}

func (t *tx) Count(ctx context.Context, q *core.Query) (int, error) {
	if err := checkQuery(q); err != nil {
		return 0, err
	}
	text, args := t.s.d.countSQL(q)
	rows, err := t.query(ctx, text, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return 0, err
		}
	}
	return int(n), rows.Err()
}

func checkRecord(r *core.Record) error {
	if r == nil || r.Collection == nil {
		return core.Errorf(core.EInvalid, "A record needs a collection.")
	}
	if r.Collection.IsView() {
		return core.Errorf(core.EInvalid, "Records of the view collection %q are read-only.", r.Collection.Name)
	}
	if r.ID() == "" {
		return core.Errorf(core.EInvalid, "A record needs an id.")
	}
	return nil
}

// columnArgs converts r's values to column arguments, with the canonical
// record for the change event. Fields missing from r take base's values
// (the stored row on update) or their zero value.
func (d dialect) columnArgs(r, base *core.Record) ([]any, *core.Record, error) {
	c := r.Collection
	args := make([]any, len(c.Fields))
	out := &core.Record{Collection: c, Values: make(map[string]any, len(c.Fields))}
	for i, f := range c.Fields {
		v, ok := r.Values[f.Name]
		if !ok && base != nil {
			v = base.Values[f.Name]
		}
		a, err := d.toColumn(f, v)
		if err != nil {
			return nil, nil, err
		}
		args[i] = a
		out.Values[f.Name] = fromColumn(f, a, true)
	}
	return args, out, nil
}

func (t *tx) Insert(ctx context.Context, r *core.Record) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := checkRecord(r); err != nil {
		return err
	}
	c := r.Collection
	args, rec, err := t.s.d.columnArgs(r, nil)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + quote(c.Name) + " (" + selectList(c, "") + ") VALUES (")
	for i := range c.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?")
	}
	b.WriteString(")")
	b.WriteString(t.s.d.shapeTag(c))
	return t.guarded(ctx, false, func() error {
		if _, err := t.exec(ctx, b.String(), args...); err != nil {
			return t.s.mapError(c, err)
		}
		t.events = append(t.events, core.Event{Collection: c, Action: core.ActionCreate, Record: rec})
		return nil
	})
}

// load reads the stored row of r's id in this transaction.
func (t *tx) load(ctx context.Context, c *core.Collection, id string) (*core.Record, error) {
	rows, err := t.query(ctx, "SELECT "+selectList(c, core.MainAlias)+" FROM "+quote(c.Name)+" AS "+quote(core.MainAlias)+
		" WHERE "+quote(core.MainAlias)+`."id" = ?`+t.s.d.shapeTag(c), id)
	if err != nil {
		return nil, err
	}
	recs, err := scanRecords(c, rows)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, core.ErrNotFound
	}
	return recs[0], nil
}

func (t *tx) Update(ctx context.Context, r *core.Record) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := checkRecord(r); err != nil {
		return err
	}
	c := r.Collection
	old, err := t.load(ctx, c, r.ID())
	if err != nil {
		return err
	}
	args, rec, err := t.s.d.columnArgs(r, old)
	if err != nil {
		return err
	}
	return t.guarded(ctx, false, func() error {
		var b strings.Builder
		var setArgs []any
		b.WriteString("UPDATE " + quote(c.Name) + " SET ")
		for i, f := range c.Fields {
			if f.Name == "id" {
				continue
			}
			if len(setArgs) > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quote(f.Name) + " = ?")
			setArgs = append(setArgs, args[i])
		}
		if len(setArgs) > 0 {
			b.WriteString(` WHERE "id" = ?` + t.s.d.shapeTag(c))
			res, err := t.exec(ctx, b.String(), append(setArgs, r.ID())...)
			if err != nil {
				return t.s.mapError(c, err)
			}
			if n, err := res.RowsAffected(); err == nil && n == 0 {
				return core.ErrNotFound
			}
		}
		t.events = append(t.events, core.Event{Collection: c, Action: core.ActionUpdate, Record: rec, Old: old})
		return nil
	})
}

func (t *tx) Delete(ctx context.Context, r *core.Record) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if err := checkRecord(r); err != nil {
		return err
	}
	c := r.Collection
	// No savepoint: a delete by primary key has no expected SQL failure,
	// and a missing row is found without one.
	rows, err := t.query(ctx, "DELETE FROM "+quote(c.Name)+` WHERE "id" = ? RETURNING `+selectList(c, "")+t.s.d.shapeTag(c), r.ID())
	if err != nil {
		return err
	}
	recs, err := scanRecords(c, rows)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return core.ErrNotFound
	}
	t.dirty = true
	t.events = append(t.events, core.Event{Collection: c, Action: core.ActionDelete, Record: recs[0]})
	return nil
}
