package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/plinthdb/plinth/core"
)

// viewAlias names the user's query inside a view's definition.
const viewAlias = "_plinth_view"

// viewSelect returns the SELECT a view collection's database view is made
// of: the user's query as a subquery, and over it one column per field.
// The subquery makes a second statement a syntax error (SQLite would
// otherwise run it) and drops columns that are no fields (PostgreSQL's
// "_rowid" of a SELECT *). On PostgreSQL every column is cast to the type
// of the storage mapping, so the filter compiler's SQL works on views as
// on tables; SQLite's dynamic typing needs no casts.
func (d dialect) viewSelect(c *core.Collection) (string, error) {
	q, err := viewQuery(c)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("SELECT ")
	if len(c.Fields) == 0 {
		b.WriteString("*")
	}
	for i, f := range c.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		col := quote(viewAlias) + "." + quote(f.Name)
		b.WriteString(d.viewColumn(f, col) + " AS " + quote(f.Name))
	}
	b.WriteString(" FROM (\n" + q + "\n) AS " + quote(viewAlias))
	return b.String(), nil
}

// viewColumn converts a view column to field f's storage type. The casts
// accept any source type the field inference yields for f.
func (d dialect) viewColumn(f *core.Field, col string) string {
	if !d.pg() {
		if kindOf(f) == kindJSON {
			// A json field may come from an expression giving plain text
			// (json_extract of a string), which SQLite's JSON functions in
			// filters refuse as malformed: encode such text as a JSON
			// string, as to_jsonb does on PostgreSQL, so the column always
			// holds JSON (scanRecords reads it so).
			return "(CASE WHEN typeof(" + col + ") = 'text' AND NOT json_valid(" + col + ") THEN json_quote(" + col + ") ELSE " + col + " END)"
		}
		return col
	}
	switch kindOf(f) {
	case kindNumber:
		return "CAST(" + col + " AS DOUBLE PRECISION)"
	case kindBool:
		return "CAST(" + col + " AS BOOLEAN)"
	case kindMulti, kindJSON, kindGeo:
		// to_jsonb keeps jsonb as it is, converts json and encodes the rest.
		return "to_jsonb(" + col + ")"
	}
	return "CAST(" + col + " AS TEXT)"
}

func (d dialect) createView(c *core.Collection) (string, error) {
	sel, err := d.viewSelect(c)
	if err != nil {
		return "", err
	}
	return "CREATE VIEW " + quote(c.Name) + " AS " + sel, nil
}

// PreviewView reads up to limit rows of the view collection c without
// creating it, read-only and exactly as its view would give them (the
// dry run of a view query).
func (t *tx) PreviewView(ctx context.Context, c *core.Collection, limit int) ([]*core.Record, error) {
	if c == nil || !c.IsView() {
		return nil, core.Errorf(core.EInvalid, "Only view collections can be previewed.")
	}
	sel, err := t.s.d.viewSelect(c)
	if err != nil {
		return nil, err
	}
	if limit > 0 {
		sel += " LIMIT " + strconv.Itoa(limit)
	}
	var out []*core.Record
	err = t.readOnly(ctx, func(qr querier) error {
		ctx, err := t.stmtCtx(ctx)
		if err != nil {
			return err
		}
		var args []any
		if t.s.cfg.AdHoc != nil {
			args = t.s.cfg.AdHoc(nil)
		}
		rows, err := qr.QueryContext(ctx, sel, args...)
		if err != nil {
			return err
		}
		out, err = scanRecords(c, rows)
		return err
	})
	return out, err
}

// DependentViewError reports that a schema change would break the view
// collection View: its query no longer runs on the changed tables.
type DependentViewError struct {
	View string
	Err  error
}

func (e *DependentViewError) Error() string {
	return fmt.Sprintf("the view collection %q depends on it: %v", e.View, e.Err)
}

func (e *DependentViewError) Unwrap() error { return e.Err }

// DependentView names the view, for callers that match errors by method.
func (e *DependentViewError) DependentView() string { return e.View }

// detachViews drops the database views of every view collection but
// skipID before a change of tables or views; restoreViews rebuilds them
// after it. PostgreSQL would refuse to drop or convert a column or table
// a view uses, and SQLite refuses any ALTER TABLE once some view is
// broken, yet lets one break silently; rebuilding every view after the
// change gives both engines one behaviour: the change succeeds only if
// every view still runs.
func (t *tx) detachViews(ctx context.Context, skipID string) ([]*core.Collection, error) {
	cols, err := t.Collections(ctx)
	if err != nil {
		return nil, err
	}
	var views []*core.Collection
	for _, c := range cols {
		if c.IsView() && c.ID != skipID {
			views = append(views, c)
		}
	}
	for i := len(views) - 1; i >= 0; i-- {
		st := "DROP VIEW IF EXISTS " + quote(views[i].Name)
		if t.s.d.pg() {
			// Views on views: the dependents go too, and come back below.
			st += " CASCADE"
		}
		if _, err := t.exec(ctx, st); err != nil {
			return nil, err
		}
	}
	return views, nil
}

// restoreViews recreates the views detachViews dropped. Views may be built
// on each other in any order, so failed ones are retried while others
// succeed; one that never can is a *DependentViewError.
func (t *tx) restoreViews(ctx context.Context, views []*core.Collection) error {
	pending := views
	for len(pending) > 0 {
		var failed []*core.Collection
		var firstErr error
		for _, v := range pending {
			if err := t.rebuildView(ctx, v); err != nil {
				if ctx.Err() != nil {
					return err
				}
				if firstErr == nil {
					firstErr = &DependentViewError{View: v.Name, Err: err}
				}
				failed = append(failed, v)
			}
		}
		if len(failed) == len(pending) {
			return &core.Error{Code: core.EInvalid, Message: "The view collection " + strconv.Quote(failed[0].Name) +
				" depends on the changed collection and would break.", Err: firstErr}
		}
		pending = failed
	}
	return nil
}

// rebuildView creates v's view and checks that it runs; on failure the
// view is left out and the transaction stays usable.
func (t *tx) rebuildView(ctx context.Context, v *core.Collection) error {
	st, err := t.s.d.createView(v)
	if err != nil {
		return err
	}
	if t.s.d.pg() {
		// PostgreSQL checks a view's references at CREATE VIEW; a failed
		// statement aborts the transaction unless a savepoint catches it.
		t.savepoints++
		sp := fmt.Sprintf("plinth_view_%d", t.savepoints)
		if _, err := t.exec(ctx, "SAVEPOINT "+sp); err != nil {
			return err
		}
		if _, err := t.exec(ctx, st); err != nil {
			bg := context.WithoutCancel(nonNil(ctx))
			_, _ = t.q.ExecContext(bg, "ROLLBACK TO SAVEPOINT "+sp)
			_, _ = t.q.ExecContext(bg, "RELEASE SAVEPOINT "+sp)
			return err
		}
		_, err := t.exec(ctx, "RELEASE SAVEPOINT "+sp)
		return err
	}
	// SQLite accepts a view over missing tables or columns and fails only
	// when it is read, so read it.
	if _, err := t.exec(ctx, st); err != nil {
		return err
	}
	rows, err := t.query(ctx, "SELECT * FROM "+quote(v.Name)+" LIMIT 0")
	if err == nil {
		err = rows.Close()
	}
	if err != nil {
		_, _ = t.exec(context.WithoutCancel(nonNil(ctx)), "DROP VIEW IF EXISTS "+quote(v.Name))
		return err
	}
	return nil
}
