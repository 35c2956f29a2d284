package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/plinthdb/plinth/core"
)

// querier is what a tx runs statements on: a *sql.Tx, or a *sql.Conn (for
// PostgreSQL reads, and the SQLite writer's own connection).
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

var (
	errReadOnly = errors.New("sqlstore: write in a read transaction")
	errTxDone   = errors.New("sqlstore: transaction used after its callback returned")
)

// tx implements core.Tx for one Read or Write callback. It is not safe for
// concurrent use.
type tx struct {
	s     *Store
	q     querier
	write bool
	// conn is set for PostgreSQL reads, which run on a plain connection.
	conn *sql.Conn
	// detached: statements run without the caller's cancellation and ctx
	// is checked between them instead. The SQLite writer needs it because
	// interrupting a statement may roll back the whole shared transaction.
	detached bool
	// jobCtx is the ctx of the Write call, checked with each statement's.
	jobCtx context.Context
	done   bool

	// SQLite: prepared statements by SQL text. With sqlTx set (reads),
	// the pool's statements are bound to the transaction, once per text.
	stmts   *stmtCache
	sqlTx   *sql.Tx
	txStmts map[string]*sql.Stmt

	events        []core.Event
	schemaChanged bool
	savepoints    int
	// dirty: a write statement has succeeded in this transaction.
	dirty bool
}

var _ core.Tx = (*tx)(nil)

func (t *tx) stmtCtx(ctx context.Context) (context.Context, error) {
	if t.done {
		return nil, errTxDone
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if t.jobCtx != nil {
		if err := t.jobCtx.Err(); err != nil {
			return nil, err
		}
	}
	if t.detached {
		return context.WithoutCancel(ctx), nil
	}
	return ctx, nil
}

// exec and query run a statement of the store's own. Those with arguments
// recur with other values, so they use the prepared statement cache where
// there is one; the rest (DDL, savepoints) run as they are.
func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, err := t.stmtCtx(ctx)
	if err != nil {
		return nil, err
	}
	if len(args) > 0 {
		if st := t.prepared(ctx, query); st != nil {
			return st.ExecContext(ctx, args...)
		}
		query = t.s.d.rebind(query)
	}
	return t.q.ExecContext(ctx, query, args...)
}

func (t *tx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, err := t.stmtCtx(ctx)
	if err != nil {
		return nil, err
	}
	if len(args) > 0 {
		if st := t.prepared(ctx, query); st != nil {
			return st.QueryContext(ctx, args...)
		}
		query = t.s.d.rebind(query)
	}
	return t.q.QueryContext(ctx, query, args...)
}

func (t *tx) prepared(ctx context.Context, query string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	if t.sqlTx == nil {
		return t.stmts.get(ctx, query)
	}
	if st, ok := t.txStmts[query]; ok {
		return st
	}
	st := t.stmts.get(ctx, query)
	if st == nil {
		return nil
	}
	st = t.sqlTx.StmtContext(ctx, st)
	if t.txStmts == nil {
		t.txStmts = map[string]*sql.Stmt{}
	}
	t.txStmts[query] = st
	return st
}

func (t *tx) checkWrite() error {
	if t.done {
		return errTxDone
	}
	if !t.write {
		return errReadOnly
	}
	return nil
}

// guarded runs fn so that its failure undoes all of fn and leaves the
// transaction usable. PostgreSQL aborts a whole transaction on any error,
// so there fn always runs inside a savepoint; SQLite undoes a failed
// statement by itself, so it needs one only when fn runs several
// statements (multi). Events and schema changes recorded by fn are undone
// with it.
func (t *tx) guarded(ctx context.Context, multi bool, fn func() error) error {
	nEvents, changed := len(t.events), t.schemaChanged
	undo := func() { t.events, t.schemaChanged = t.events[:nEvents], changed }
	if !t.write || (!t.s.d.pg() && !multi) {
		if err := fn(); err != nil {
			undo()
			return err
		}
		t.dirty = true
		return nil
	}
	if t.s.d.pg() && !t.dirty {
		// Nothing has been written yet, so a failure is undone just as
		// well by starting the transaction over: this spares the common
		// one-write transaction two savepoint round trips.
		if err := fn(); err != nil {
			undo()
			bg := context.WithoutCancel(nonNil(ctx))
			_, rerr := t.q.ExecContext(bg, "ROLLBACK")
			if rerr == nil {
				_, rerr = t.q.ExecContext(bg, "BEGIN")
			}
			if rerr != nil {
				return errors.Join(err, rerr)
			}
			return err
		}
		t.dirty = true
		return nil
	}
	t.savepoints++
	name := fmt.Sprintf("plinth_sp_%d", t.savepoints)
	if _, err := t.exec(ctx, "SAVEPOINT "+name); err != nil {
		return err
	}
	if err := fn(); err != nil {
		undo()
		// ctx may be what failed; the rollback must still run.
		bg := context.WithoutCancel(nonNil(ctx))
		if _, rerr := t.q.ExecContext(bg, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, rerr)
		}
		if _, rerr := t.q.ExecContext(bg, "RELEASE SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	_, err := t.exec(ctx, "RELEASE SAVEPOINT "+name)
	if err == nil {
		t.dirty = true
	}
	return err
}

func nonNil(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// callFn runs a transaction callback, turning a panic into an error so the
// writer (and the caller's transaction handling) survive it.
func callFn(fn func(core.Tx) error, t *tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &core.Error{Code: core.EInternal, Message: "Something went wrong while processing your request.",
				Err: fmt.Errorf("panic in transaction: %v\n%s", r, debug.Stack())}
		}
	}()
	return fn(t)
}
