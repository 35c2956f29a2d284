package app

import (
	"sync"
	"time"

	"github.com/plinthdb/plinth/core"
)

// authCacheTTL bounds how long a verified auth token is trusted without
// reading its record again. Local changes to auth records clear the cache
// at once; the TTL bounds staleness for changes made by other nodes until
// they announce them (multi-node invalidation comes with scale-out).
const authCacheTTL = 5 * time.Second

const authCacheMax = 10000

// authCache remembers recently verified auth tokens, so a request with a
// known token costs a map lookup instead of a token parse and a read.
type authCache struct {
	mu      sync.Mutex
	entries map[string]authEntry
}

type authEntry struct {
	rec     *core.Record
	schema  int64     // schema version the record was read under
	expires time.Time // the earlier of the token's expiry and the TTL
}

func (c *authCache) get(token string, schema int64, now time.Time) *core.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[token]
	if !ok {
		return nil
	}
	if e.schema != schema || !now.Before(e.expires) {
		delete(c.entries, token)
		return nil
	}
	return e.rec
}

func (c *authCache) put(token string, rec *core.Record, schema int64, tokenExp, now time.Time) {
	expires := now.Add(authCacheTTL)
	if tokenExp.Before(expires) {
		expires = tokenExp
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= authCacheMax {
		c.entries = make(map[string]authEntry)
	}
	c.entries[token] = authEntry{rec: rec, schema: schema, expires: expires}
}

// onEvents forgets every cached token when an auth record changes: a
// password or email change rotates its tokenKey, a delete revokes it.
func (c *authCache) onEvents(events []core.Event) {
	for _, e := range events {
		if e.Collection != nil && e.Collection.IsAuth() {
			c.mu.Lock()
			c.entries = nil
			c.mu.Unlock()
			return
		}
	}
}
