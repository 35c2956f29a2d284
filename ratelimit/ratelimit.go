// Package ratelimit counts events per key in fixed time windows, in
// memory: request limits (Limiter) and failed-attempt throttles
// (Attempts).
//
// State lives in the process. On a cluster every node counts on its own,
// so a client spread over N nodes gets up to N times an allowance; that
// keeps the request hot path free of database round trips, and a load
// balancer with client affinity makes the limits exact again.
//
// Memory is bounded: a window that has ended carries no information (a
// fresh one would start at zero), so ended windows are swept away
// periodically; and each table holds at most MaxKeys windows, evicting
// arbitrary ones when a flood of distinct clients fills it (limits get
// looser under such a flood rather than memory growing without end).
package ratelimit

import (
	"hash/maphash"
	"sync"
	"time"
)

// MaxKeys is the default bound on live windows per table.
const MaxKeys = 100_000

const (
	shardCount = 16
	// sweepEvery is how often a shard drops its ended windows.
	sweepEvery = time.Minute
)

// window counts the events of one key until end.
type window struct {
	end  time.Time
	used int
}

// table is a sharded map of windows. Sharding keeps unrelated clients
// from contending on one lock.
type table struct {
	now      func() time.Time
	perShard int
	seed     maphash.Seed
	shards   [shardCount]shard
}

type shard struct {
	mu        sync.Mutex
	windows   map[string]*window
	nextSweep time.Time
}

func newTable(now func() time.Time, maxKeys int) *table {
	if now == nil {
		now = time.Now
	}
	if maxKeys <= 0 {
		maxKeys = MaxKeys
	}
	t := &table{now: now, perShard: max(1, maxKeys/shardCount), seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].windows = map[string]*window{}
	}
	return t
}

// lock returns key's shard, locked, and the current time.
func (t *table) lock(key string) (*shard, time.Time) {
	sh := &t.shards[maphash.String(t.seed, key)%shardCount]
	sh.mu.Lock()
	now := t.now()
	if !now.Before(sh.nextSweep) {
		sh.sweep(now)
		sh.nextSweep = now.Add(sweepEvery)
	}
	return sh, now
}

func (sh *shard) sweep(now time.Time) {
	for k, w := range sh.windows {
		if !now.Before(w.end) {
			delete(sh.windows, k)
		}
	}
}

// live returns key's window if it has not ended.
func (sh *shard) live(key string, now time.Time) *window {
	w := sh.windows[key]
	if w == nil || !now.Before(w.end) {
		return nil
	}
	return w
}

// start opens a new window for key, making room if the shard is full.
func (sh *shard) start(key string, now time.Time, length time.Duration, limit int) *window {
	w := sh.windows[key]
	if w == nil {
		if len(sh.windows) >= limit {
			sh.sweep(now)
			for k := range sh.windows {
				if len(sh.windows) < limit {
					break
				}
				delete(sh.windows, k)
			}
		}
		w = &window{}
		sh.windows[key] = w
	}
	w.end, w.used = now.Add(length), 0
	return w
}

func (t *table) len() int {
	n := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		n += len(sh.windows)
		sh.mu.Unlock()
	}
	return n
}

// Limiter allows at most max requests per window for each (bucket,
// client) pair. Windows are fixed: the first request opens one, and the
// allowance is whole again once it ends. Rejected requests do not count.
type Limiter struct{ t *table }

// NewLimiter returns a Limiter reading time from now (time.Now if nil)
// and holding at most maxKeys windows (MaxKeys if <= 0).
func NewLimiter(now func() time.Time, maxKeys int) *Limiter {
	return &Limiter{t: newTable(now, maxKeys)}
}

// Allow counts one request of client in bucket and reports whether it is
// within max per window. A max below 1 or a window below 1ns allows all.
func (l *Limiter) Allow(bucket, client string, max int, per time.Duration) bool {
	if max < 1 || per <= 0 {
		return true
	}
	key := bucket + "\x00" + client
	sh, now := l.t.lock(key)
	defer sh.mu.Unlock()
	w := sh.live(key, now)
	if w == nil {
		w = sh.start(key, now, per, l.t.perShard)
	}
	if w.used >= max {
		return false
	}
	w.used++
	return true
}

// Len returns the number of windows held (for tests and metrics).
func (l *Limiter) Len() int { return l.t.len() }

// Attempts throttles repeated failures per key: Take reserves an attempt
// and fails once limit attempts were taken within the window; the block
// then lasts one window from the attempt that reached the limit, never
// longer. Callers Give back attempts that turned out not to be failures
// and Reset a key after a success.
//
// Reserving before the attempt (rather than counting after it) keeps
// concurrent attempts from slipping past the limit together.
type Attempts struct {
	t      *table
	limit  int
	window time.Duration
}

// NewAttempts returns a throttle of limit attempts per window.
func NewAttempts(now func() time.Time, limit int, window time.Duration, maxKeys int) *Attempts {
	return &Attempts{t: newTable(now, maxKeys), limit: max(1, limit), window: window}
}

// Take reserves one attempt for key; false means key is blocked.
func (a *Attempts) Take(key string) bool {
	sh, now := a.t.lock(key)
	defer sh.mu.Unlock()
	w := sh.live(key, now)
	if w == nil {
		w = sh.start(key, now, a.window, a.t.perShard)
	}
	if w.used >= a.limit {
		return false
	}
	w.used++
	if w.used == a.limit {
		w.end = now.Add(a.window)
	}
	return true
}

// Give returns an attempt taken for key that was not a failure.
func (a *Attempts) Give(key string) {
	sh, now := a.t.lock(key)
	defer sh.mu.Unlock()
	if w := sh.live(key, now); w != nil && w.used > 0 {
		w.used--
	}
}

// Reset forgets key's failures.
func (a *Attempts) Reset(key string) {
	sh, _ := a.t.lock(key)
	defer sh.mu.Unlock()
	delete(sh.windows, key)
}

// Len returns the number of keys tracked.
func (a *Attempts) Len() int { return a.t.len() }
