package sqlstore

import (
	"context"
	"database/sql"
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
	ctx    context.Context
	fn     func(core.Tx) error
	state  atomic.Int32
	result chan error // buffered: the writer never blocks on it
	err    error
	tx     *tx
}

type writer struct {
	// Counters for WriteStats; first for 64-bit alignment.
	commits, writes atomic.Int64

	s        *Store
	db       *sql.DB
	maxBatch int
	jobs     chan *job // unbuffered: a job is either taken or still the caller's
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

func startWriter(s *Store, db *sql.DB, maxBatch int) *writer {
	w := &writer{s: s, db: db, maxBatch: maxBatch, jobs: make(chan *job),
		quit: make(chan struct{}), done: make(chan struct{})}
	go w.loop()
	return w
}

func (w *writer) stop() {
	w.stopOnce.Do(func() { close(w.quit) })
	<-w.done
}

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
	defer close(w.done)
	for {
		var first *job
		select {
		case first = <-w.jobs:
		case <-w.quit:
			return
		}
		batch := []*job{first}
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
	ctx := context.Background()
	sqlTx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		answer(live, err)
		return
	}
	single := len(live) == 1
	var ok []*job
	for i, j := range live {
		sp := fmt.Sprintf("plinth_job_%d", i)
		if !single {
			if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT "+sp); err != nil {
				w.abort(sqlTx, live[:i], live[i:], err)
				return
			}
		}
		t := &tx{s: w.s, q: sqlTx, write: true, detached: true, jobCtx: j.ctx}
		err := callFn(j.fn, t)
		t.done = true
		if err == nil {
			err = j.ctx.Err()
		}
		if err != nil {
			j.err = err
			if single {
				sqlTx.Rollback()
				answer(live, nil)
				return
			}
			_, rerr := sqlTx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+sp)
			if rerr == nil {
				_, rerr = sqlTx.ExecContext(ctx, "RELEASE SAVEPOINT "+sp)
			}
			if rerr != nil {
				w.abort(sqlTx, live[:i+1], live[i+1:], rerr)
				return
			}
			continue
		}
		if !single {
			if _, err := sqlTx.ExecContext(ctx, "RELEASE SAVEPOINT "+sp); err != nil {
				w.abort(sqlTx, live[:i+1], live[i+1:], err)
				return
			}
		}
		j.tx = t
		ok = append(ok, j)
	}
	if len(ok) == 0 {
		sqlTx.Rollback()
		answer(live, nil)
		return
	}
	if err := sqlTx.Commit(); err != nil {
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
func (w *writer) abort(sqlTx *sql.Tx, ran, pending []*job, err error) {
	sqlTx.Rollback()
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
			j.result <- err
		} else {
			j.result <- j.err
		}
	}
}
