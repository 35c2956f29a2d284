package sqlite

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/plinthdb/plinth/core"
	"github.com/plinthdb/plinth/store/sqlstore"
	"github.com/plinthdb/plinth/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) core.Store {
		s, err := Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func openT(t *testing.T, dir string, opts ...sqlstore.Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testCollection() *core.Collection {
	return &core.Collection{ID: "pbc_items", Name: "items", Type: core.TypeBase, Fields: []*core.Field{
		{ID: "id", Name: "id", Type: core.FieldText, PrimaryKey: true},
		{ID: "n", Name: "n", Type: core.FieldNumber},
	}}
}

// blockWriter occupies the writer until the returned release is called.
func blockWriter(t *testing.T, s *Store) (release func()) {
	started, unblock := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Write(context.Background(), func(core.Tx) error {
			close(started)
			<-unblock
			return nil
		})
	}()
	<-started
	return func() {
		close(unblock)
		if err := <-done; err != nil {
			t.Errorf("blocking write: %v", err)
		}
	}
}

// Writes that queue up while the writer is busy are committed together,
// each in its own savepoint: a failing one does not take the others down.
func TestGroupCommit(t *testing.T) {
	s := openT(t, t.TempDir())
	c := testCollection()
	if err := s.Write(context.Background(), func(tx core.Tx) error { return tx.SaveCollection(context.Background(), nil, c) }); err != nil {
		t.Fatal(err)
	}
	before := s.WriteStats()
	release := blockWriter(t, s)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Write(context.Background(), func(tx core.Tx) error {
				r := core.NewRecord(c)
				r.Values["id"], r.Values["n"] = fmt.Sprintf("r%02d", i), float64(i)
				if err := tx.Insert(context.Background(), r); err != nil {
					return err
				}
				if i%4 == 0 {
					return errors.New("fail")
				}
				return nil
			})
		}()
	}
	time.Sleep(100 * time.Millisecond) // let every goroutine reach the writer's queue
	release()
	wg.Wait()
	landed := 0
	for i, err := range errs {
		if (i%4 == 0) != (err != nil) {
			t.Errorf("write %d: %v", i, err)
		}
		if err == nil {
			landed++
		}
	}
	var got int
	if err := s.Read(context.Background(), func(tx core.Tx) error {
		var err error
		got, err = tx.Count(context.Background(), &core.Query{Collection: c})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got != landed {
		t.Errorf("%d records, want %d", got, landed)
	}
	st := s.WriteStats()
	commits, writes := st.Commits-before.Commits, st.Writes-before.Writes
	if writes != int64(landed)+1 {
		t.Errorf("stats count %d writes, want %d", writes, landed+1)
	}
	// One commit for the blocker, then (nearly) one for the whole queue.
	if commits > 3 {
		t.Errorf("%d commits for %d writes: no grouping", commits, writes)
	}
	t.Logf("%d writes in %d commits", writes, commits)
}

func TestGroupCommitDisabled(t *testing.T) {
	s := openT(t, t.TempDir(), sqlstore.WithMaxBatch(1))
	release := blockWriter(t, s)
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Write(context.Background(), func(tx core.Tx) error { return tx.SetParam(context.Background(), "k", []byte("1")) })
		}()
	}
	time.Sleep(50 * time.Millisecond)
	release()
	wg.Wait()
	if st := s.WriteStats(); st.Commits != st.Writes || st.Writes != 6 {
		t.Errorf("stats %+v, want one commit per write", st)
	}
}

// A write still waiting in line when its ctx ends is dropped unrun.
func TestCancelWhileQueued(t *testing.T) {
	s := openT(t, t.TempDir())
	release := blockWriter(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	called := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		done <- s.Write(ctx, func(core.Tx) error { called <- struct{}{}; return nil })
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("queued write: %v, want context.Canceled", err)
	}
	release()
	// The writer goes on with other work and never runs the dropped job.
	if err := s.Write(context.Background(), func(core.Tx) error { return nil }); err != nil {
		t.Fatal(err)
	}
	select {
	case <-called:
		t.Error("the cancelled write ran")
	default:
	}
}

func TestCloseRefusesWrites(t *testing.T) {
	s := openT(t, t.TempDir())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(context.Background(), func(core.Tx) error { return nil }); err == nil {
		t.Error("Write after Close worked")
	}
	if err := s.Read(context.Background(), func(core.Tx) error { return nil }); err == nil {
		t.Error("Read after Close worked")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	c := testCollection()
	err = s.Write(context.Background(), func(tx core.Tx) error {
		if err := tx.SaveCollection(context.Background(), nil, c); err != nil {
			return err
		}
		r := core.NewRecord(c)
		r.Values["id"], r.Values["n"] = "a", 2.5
		return tx.Insert(context.Background(), r)
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = openT(t, dir)
	sc, err := s.Schema(context.Background())
	if err != nil || sc.Find("items") == nil {
		t.Fatalf("schema after reopen: %v %v", sc, err)
	}
	err = s.Read(context.Background(), func(tx core.Tx) error {
		recs, err := tx.Find(context.Background(), &core.Query{Collection: sc.Find("items")})
		if err != nil || len(recs) != 1 || recs[0].Values["n"] != 2.5 {
			t.Errorf("records after reopen: %v %v", recs, err)
		}
		_, rows, err := tx.Query(context.Background(), core.SQL{Text: `SELECT COUNT(*) FROM "_migrations"`})
		if err != nil || rows[0][0] != int64(1) {
			t.Errorf("migrations applied twice? %v %v", rows, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPragmas(t *testing.T) {
	s := openT(t, t.TempDir())
	err := s.Read(context.Background(), func(tx core.Tx) error {
		for pragma, want := range map[string]any{"journal_mode": "wal", "foreign_keys": int64(0), "synchronous": int64(1), "query_only": int64(1)} {
			_, rows, err := tx.Query(context.Background(), core.SQL{Text: "PRAGMA " + pragma})
			if err != nil || len(rows) != 1 || rows[0][0] != want {
				t.Errorf("PRAGMA %s = %v (%v), want %v", pragma, rows, err, want)
			}
		}
		// Double-quoted strings are off: an unknown quoted name is an error.
		if _, _, err := tx.Query(context.Background(), core.SQL{Text: `SELECT "nope"`}); err == nil {
			t.Error(`SELECT "nope" worked`)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) core.Store {
		s, err := Open(context.Background(), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		return s
	})
}

// A callback that ends its goroutine (t.FailNow does) must not take the
// writer with it.
func TestWriterSurvivesGoexit(t *testing.T) {
	s := openT(t, t.TempDir())
	done := make(chan error, 1)
	go func() {
		done <- s.Write(context.Background(), func(tx core.Tx) error {
			if err := tx.SetParam(context.Background(), "k", []byte(`1`)); err != nil {
				return err
			}
			runtime.Goexit()
			return nil
		})
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Error("Write reported success")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Write never returned")
	}
	if err := s.Write(context.Background(), func(tx core.Tx) error { return tx.SetParam(context.Background(), "j", []byte(`2`)) }); err != nil {
		t.Fatalf("write after Goexit: %v", err)
	}
	err := s.Read(context.Background(), func(tx core.Tx) error {
		if v, _ := tx.Param(context.Background(), "k"); v != nil {
			t.Errorf("the exited write committed: %s", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
