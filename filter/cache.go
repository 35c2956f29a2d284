package filter

import (
	"container/list"
	"sync"

	"github.com/plinthdb/plinth/core"
)

// Cache keeps compiled expressions (and their errors) so that a request
// only pays for Bind. It is bounded (least recently used entries go
// first) and safe for concurrent use. Entries are keyed by the schema
// version, so a schema change simply stops hitting the old ones.
type Cache struct {
	mu    sync.Mutex
	size  int
	ll    *list.List
	items map[cacheKey]*list.Element
}

type cacheKey struct {
	version    int64
	dialect    core.Dialect
	collection string
	kind       Kind
	superuser  bool
	sort       bool
	src        string
}

type cacheEntry struct {
	key      cacheKey
	compiled *Compiled
	sort     []core.SQL
	err      error
}

// NewCache returns a cache holding at most size entries (at least 1).
func NewCache(size int) *Cache {
	if size < 1 {
		size = 1
	}
	return &Cache{size: size, ll: list.New(), items: map[cacheKey]*list.Element{}}
}

func keyOf(src string, o Options, sort bool) cacheKey {
	k := cacheKey{dialect: o.Dialect, kind: o.Kind, superuser: o.Superuser, sort: sort, src: src}
	if o.Schema != nil {
		k.version = o.Schema.Version
	}
	if o.Collection != nil {
		k.collection = o.Collection.ID + "\x00" + o.Collection.Name
	}
	return k
}

// Compile is Compile through the cache.
func (c *Cache) Compile(src string, o Options) (*Compiled, error) {
	k := keyOf(src, o, false)
	if e, ok := c.get(k); ok {
		return e.compiled, e.err
	}
	comp, err := Compile(src, o)
	c.put(&cacheEntry{key: k, compiled: comp, err: err})
	return comp, err
}

// CompileSort is CompileSort through the cache.
func (c *Cache) CompileSort(src string, o Options) ([]core.SQL, error) {
	k := keyOf(src, o, true)
	e, ok := c.get(k)
	if !ok {
		terms, err := CompileSort(src, o)
		e = &cacheEntry{key: k, sort: terms, err: err}
		c.put(e)
	}
	if e.err != nil {
		return nil, e.err
	}
	return append([]core.SQL(nil), e.sort...), nil
}

func (c *Cache) get(k cacheKey) (*cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(el)
	return el.Value.(*cacheEntry), true
}

func (c *Cache) put(e *cacheEntry) {
	if ce, ok := e.err.(*core.Error); ok && ce.Code == core.EInternal {
		return // a bug should not stick
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.key]; ok {
		el.Value = e
		c.ll.MoveToFront(el)
		return
	}
	c.items[e.key] = c.ll.PushFront(e)
	for c.ll.Len() > c.size {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*cacheEntry).key)
	}
}

// Len returns the number of cached entries.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
