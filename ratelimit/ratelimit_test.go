package ratelimit

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLimiterFixedWindow(t *testing.T) {
	clk := newClock()
	l := NewLimiter(clk.now, 0)
	for i := range 3 {
		if !l.Allow("b", "1.2.3.4", 3, 10*time.Second) {
			t.Fatalf("request %d rejected", i+1)
		}
	}
	if l.Allow("b", "1.2.3.4", 3, 10*time.Second) {
		t.Fatal("4th request allowed")
	}
	// Other clients and other buckets have their own allowance.
	if !l.Allow("b", "5.6.7.8", 3, 10*time.Second) || !l.Allow("other", "1.2.3.4", 3, 10*time.Second) {
		t.Fatal("independent key rejected")
	}
	clk.add(9 * time.Second)
	if l.Allow("b", "1.2.3.4", 3, 10*time.Second) {
		t.Fatal("allowed before the window ended")
	}
	clk.add(time.Second)
	for i := range 3 {
		if !l.Allow("b", "1.2.3.4", 3, 10*time.Second) {
			t.Fatalf("new window: request %d rejected", i+1)
		}
	}
}

func TestLimiterDegenerateRulesAllow(t *testing.T) {
	l := NewLimiter(newClock().now, 0)
	for range 5 {
		if !l.Allow("b", "c", 0, time.Second) || !l.Allow("b", "c", 1, 0) {
			t.Fatal("a rule without allowance or window must not block")
		}
	}
}

func TestLimiterSweepsEndedWindows(t *testing.T) {
	clk := newClock()
	l := NewLimiter(clk.now, 0)
	for i := range 1000 {
		l.Allow("b", fmt.Sprint(i), 1, time.Second)
	}
	if n := l.Len(); n != 1000 {
		t.Fatalf("len %d", n)
	}
	clk.add(2 * time.Minute)
	// Touching a shard triggers its sweep; 500 keys touch all 16 shards
	// (the chance of missing one is below 1e-12).
	for i := range 500 {
		l.Allow("x", fmt.Sprint(i), 1, time.Second)
	}
	if n := l.Len(); n != 500 {
		t.Fatalf("after sweep len %d, want 500", n)
	}
}

func TestLimiterBoundedMemory(t *testing.T) {
	clk := newClock()
	l := NewLimiter(clk.now, 160)
	for i := range 10_000 {
		l.Allow("b", fmt.Sprint(i), 5, time.Hour)
	}
	if n := l.Len(); n > 160 {
		t.Fatalf("len %d exceeds the bound", n)
	}
}

func TestLimiterConcurrent(t *testing.T) {
	l := NewLimiter(newClock().now, 0)
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if l.Allow("b", "c", 50, time.Minute) {
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() != 50 {
		t.Fatalf("%d allowed, want exactly 50", ok.Load())
	}
}

func TestAttempts(t *testing.T) {
	clk := newClock()
	a := NewAttempts(clk.now, 5, 10*time.Minute, 0)
	for i := range 5 {
		if !a.Take("acct") {
			t.Fatalf("attempt %d blocked", i+1)
		}
		clk.add(time.Minute)
	}
	if a.Take("acct") {
		t.Fatal("6th attempt allowed")
	}
	// The block lasts one window from the attempt that hit the limit.
	clk.add(5 * time.Minute)
	if a.Take("acct") {
		t.Fatal("allowed 6 minutes after the 5th failure")
	}
	clk.add(5 * time.Minute)
	if !a.Take("acct") {
		t.Fatal("still blocked after the window")
	}
	a.Reset("acct")
	for i := range 5 {
		if !a.Take("acct") {
			t.Fatalf("after reset: attempt %d blocked", i+1)
		}
	}
	// Giving back an attempt that was not a failure frees it.
	a.Give("acct")
	if !a.Take("acct") {
		t.Fatal("given-back attempt not available")
	}
	if a.Take("acct") {
		t.Fatal("over the limit")
	}
	if !a.Take("other") {
		t.Fatal("keys are independent")
	}
}

func TestAttemptsConcurrent(t *testing.T) {
	a := NewAttempts(newClock().now, 5, time.Minute, 0)
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if a.Take("k") {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 5 {
		t.Fatalf("%d attempts taken, want 5", ok.Load())
	}
}
