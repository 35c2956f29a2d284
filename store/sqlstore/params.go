package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/plinthdb/plinth/core"
)

func (t *tx) Param(ctx context.Context, key string) (json.RawMessage, error) {
	rows, err := t.query(ctx, `SELECT "value" FROM "_params" WHERE "key" = ?`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	var v []byte
	if err := rows.Scan(&v); err != nil {
		return nil, err
	}
	if v == nil {
		return json.RawMessage("null"), rows.Err()
	}
	return compactJSON(v), rows.Err()
}

func (t *tx) SetParam(ctx context.Context, key string, value json.RawMessage) error {
	if err := t.checkWrite(); err != nil {
		return err
	}
	if key == "" {
		return core.Errorf(core.EInvalid, "A parameter needs a key.")
	}
	if len(value) == 0 {
		value = json.RawMessage("null")
	}
	if !json.Valid(value) {
		return core.Errorf(core.EInvalid, "The value of parameter %q is not valid JSON.", key)
	}
	now := core.FormatTime(t.s.now())
	return t.guarded(ctx, false, func() error {
		_, err := t.exec(ctx, `INSERT INTO "_params" ("key", "value", "created", "updated") VALUES (?, ?, ?, ?)
ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "updated" = excluded."updated"`, key, string(value), now, now)
		return err
	})
}

// Query runs a raw read-only query. Inside a write transaction the engine
// is switched to read-only around it (SQLite's query_only pragma; on
// PostgreSQL a read-only savepoint), so the console cannot write.
func (t *tx) Query(ctx context.Context, q core.SQL) ([]string, [][]any, error) {
	cols, _, rows, err := t.QueryTypes(ctx, q)
	return cols, rows, err
}

// QueryTypes is Query that also returns each column's engine type name
// (database/sql's DatabaseTypeName: the declared type on SQLite, "" for
// expressions; the type's name on PostgreSQL). View collections infer
// their fields from it.
func (t *tx) QueryTypes(ctx context.Context, q core.SQL) (cols, types []string, rows [][]any, err error) {
	err = t.readOnly(ctx, func(qr querier) error {
		var err error
		cols, types, rows, err = t.readRows(ctx, qr, q)
		return err
	})
	return cols, types, rows, err
}

// readOnly runs fn on a querier that cannot write: a read-only transaction
// on a PostgreSQL read connection, SQLite's query_only read connections,
// or the write transaction switched to read-only around fn.
func (t *tx) readOnly(ctx context.Context, fn func(querier) error) error {
	if t.done {
		return errTxDone
	}
	switch {
	case t.conn != nil:
		// PostgreSQL read: a read-only transaction on the read connection.
		ctx2, err := t.stmtCtx(ctx)
		if err != nil {
			return err
		}
		rtx, err := t.conn.BeginTx(ctx2, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		defer rtx.Rollback()
		return fn(rtx)
	case !t.write:
		// SQLite read connections are query_only already.
		return fn(t.q)
	case t.s.d.pg():
		err := t.guarded(ctx, true, func() error {
			if _, err := t.exec(ctx, "SET TRANSACTION READ ONLY"); err != nil {
				return err
			}
			if err := fn(t.q); err != nil {
				return err
			}
			// The read-only mode ends with the savepoint: roll it back.
			return errReadOnlyDone
		})
		if err == errReadOnlyDone {
			err = nil
		}
		return err
	default:
		if _, err := t.exec(ctx, "PRAGMA query_only = ON"); err != nil {
			return err
		}
		err := fn(t.q)
		if _, rerr := t.q.ExecContext(context.WithoutCancel(nonNil(ctx)), "PRAGMA query_only = OFF"); rerr != nil && err == nil {
			err = rerr
		}
		return err
	}
}

var errReadOnlyDone = core.Errorf(core.EInternal, "read-only section done")

func (t *tx) readRows(ctx context.Context, qr querier, q core.SQL) ([]string, []string, [][]any, error) {
	ctx, err := t.stmtCtx(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	text := q.Text
	if len(q.Args) > 0 {
		text = t.s.d.rebind(text)
	}
	args := q.Args
	if t.s.cfg.AdHoc != nil {
		args = t.s.cfg.AdHoc(args)
	}
	rows, err := qr.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, nil, nil, err
	}
	cols := make([]string, len(types))
	typeNames := make([]string, len(types))
	for i, ct := range types {
		cols[i], typeNames[i] = ct.Name(), ct.DatabaseTypeName()
	}
	out := [][]any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, nil, err
		}
		for i := range vals {
			vals[i] = plainValue(vals[i], typeNames[i])
		}
		out = append(out, vals)
	}
	return cols, typeNames, out, rows.Err()
}
