package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/plinthdb/plinth/core"
)

// The SQLite writer: one goroutine owns the one write connection and runs
// every Write. Calls that queue up while a transaction runs are committed
// together in the next one (group commit), each in its own savepoint, so
// one failing call rolls back only its own changes.

const (
	jobQueued int32 = iota
	jobTaken
	jobCancelled
)

type job struct {
	ctx      context.Context
	fn       func(core.Tx) error
	state    atomic.Int32
	result   chan error // buffered: the writer never blocks on it
	answered bool       // touched by the writer goroutine only
	err      error
	tx       *tx
}

type writer struct {
	// Counters for WriteStats; first for 64-bit alignment.
	commits, writes atomic.Int64

	s *Store
	// conn is the one write connection, held for the writer's life so its
	// prepared statements outlive transactions, which are therefore begun
	// and ended with plain statements.
	conn     *sql.Conn
	stmts    *stmtCache
	maxBatch int
	jobs     chan *job // unbuffered: a job is either taken or still the caller's
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

func startWriter(ctx context.Context, s *Store, db *sql.DB, maxBatch int) (*writer, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w := &writer{s: s, conn: conn, maxBatch: maxBatch, jobs: make(chan *job),
		quit: make(chan struct{}), done: make(chan struct{})}
	w.stmts = newStmtCache(conn.PrepareContext, false, stmtCacheSize)
	go w.loop()
	return w, nil
}

func (w *writer) stop() error {
	w.stopOnce.Do(func() { close(w.quit) })
	<-w.done
	w.stmts.close()
	return w.conn.Close()
}

func (w *writer) execSQL(query string) error {
	_, err := w.conn.ExecContext(context.Background(), query)
	return err
}

// rollback ends the transaction, whatever state a failure left it in.
func (w *writer) rollback() { _ = w.execSQL("ROLLBACK") }

// submit hands fn to the writer and waits for its outcome. A job still
// waiting in line when ctx ends is dropped; one already running finishes
// (its statements see the cancelled ctx and fail) and reports the outcome,
// so a caller is never told "cancelled" about a write that committed.
func (w *writer) submit(ctx context.Context, fn func(core.Tx) error) error {
	j := &job{ctx: ctx, fn: fn, result: make(chan error, 1)}
	select {
	case w.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	case <-w.quit:
		return errClosed
	}
	select {
	case err := <-j.result:
		return err
	case <-ctx.Done():
		if j.state.CompareAndSwap(jobQueued, jobCancelled) {
			return ctx.Err()
		}
		return <-j.result
	}
}

func (w *writer) loop() {
	var batch []*job
	stopped := false
	defer func() {
		if stopped {
			close(w.done)
			return
		}
		// Only runtime.Goexit gets here (panics are recovered per job):
		// a callback called t.FailNow or the like. The writer must not
		// die with it: fail the batch, roll back, go on in a new goroutine.
		w.rollback()
		for _, j := range batch {
			j.answer(errGoexit)
		}
		go w.loop()
	}()
	for {
		var first *job
		select {
		case first = <-w.jobs:
		case <-w.quit:
			stopped = true
			return
		}
		batch = []*job{first}
	drain:
		for len(batch) < w.maxBatch {
			select {
			case j := <-w.jobs:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		w.run(batch)
	}
}

// run executes a batch of jobs in one transaction and answers each.
func (w *writer) run(batch []*job) {
	live := batch[:0]
	for _, j := range batch {
		if j.state.CompareAndSwap(jobQueued, jobTaken) {
			live = append(live, j)
		}
	}
	if len(live) == 0 {
		return
	}
	// IMMEDIATE takes the write lock now, so no statement fails later on
	// a lock upgrade (another process may hold the file).
	if err := w.execSQL("BEGIN IMMEDIATE"); err != nil {
		answer(live, err)
		return
	}
	single := len(live) == 1
	var ok []*job
	for i, j := range live {
		sp := fmt.Sprintf("plinth_job_%d", i)
		if !single {
			if err := w.execSQL("SAVEPOINT " + sp); err != nil {
				w.abort(live[:i], live[i:], err)
				return
			}
		}
		t := &tx{s: w.s, q: w.conn, stmts: w.stmts, write: true, detached: true, jobCtx: j.ctx}
		err := callFn(j.fn, t)
		t.done = true
		if err == nil {
			err = j.ctx.Err()
		}
		if err != nil {
			j.err = err
			if single {
				w.rollback()
				answer(live, nil)
				return
			}
			rerr := w.execSQL("ROLLBACK TO SAVEPOINT " + sp)
			if rerr == nil {
				rerr = w.execSQL("RELEASE SAVEPOINT " + sp)
			}
			if rerr != nil {
				w.abort(live[:i+1], live[i+1:], rerr)
				return
			}
			continue
		}
		if !single {
			if err := w.execSQL("RELEASE SAVEPOINT " + sp); err != nil {
				w.abort(live[:i+1], live[i+1:], err)
				return
			}
		}
		j.tx = t
		ok = append(ok, j)
	}
	if len(ok) == 0 {
		w.rollback()
		answer(live, nil)
		return
	}
	if err := w.execSQL("COMMIT"); err != nil {
		// A failed COMMIT (SQLITE_BUSY, I/O) may leave the transaction
		// open; it must not leak into the next batch.
		w.rollback()
		for _, j := range ok {
			j.err = err
		}
		answer(live, nil)
		return
	}
	w.commits.Add(1)
	w.writes.Add(int64(len(ok)))
	txs := make([]*tx, len(ok))
	for i, j := range ok {
		txs[i] = j.tx
	}
	w.s.afterCommit(txs)
	answer(live, nil)
}

// abort gives up a transaction the engine no longer lets us continue:
// the jobs that ran fail with err, the ones that did not run yet are
// retried in a fresh transaction (their callbacks were never called).
func (w *writer) abort(ran, pending []*job, err error) {
	w.rollback()
	for _, j := range ran {
		if j.err == nil {
			j.err = fmt.Errorf("sqlstore: transaction aborted: %w", err)
		}
	}
	answer(ran, nil)
	if len(ran) == 0 {
		// Nothing ran: the failure is not any job's fault, and retrying
		// would only fail again.
		answer(pending, err)
		return
	}
	if len(pending) > 0 {
		for _, j := range pending {
			j.state.Store(jobQueued)
		}
		w.run(pending)
	}
}

// answer sends each job its outcome: err when set, else the job's own.
func answer(jobs []*job, err error) {
	for _, j := range jobs {
		if err != nil {
			j.answer(err)
		} else {
			j.answer(j.err)
		}
	}
}

// answer sends the job's outcome once; later calls do nothing.
func (j *job) answer(err error) {
	if j.answered {
		return
	}
	j.answered = true
	j.result <- err
}

var errGoexit = &core.Error{Code: core.EInternal, Message: "Something went wrong while processing your request.",
	Err: errors.New("sqlstore: a write callback exited its goroutine (runtime.Goexit)")}
