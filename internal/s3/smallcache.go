package s3

import (
	"sync"
)

// smallObjectMax is the largest object whose bytes the GET path keeps in
// memory: below it, a sendfile costs more than the copy it saves.
const smallObjectMax = 32 << 10

// smallCacheBytes bounds the memory the small-object cache holds.
const smallCacheBytes = 64 << 20

// blobCache keeps the bytes of small single-blob objects by blob id, so
// that hot small GETs cost no open, read and close. Blobs are immutable
// and their ids never reused, so an entry can never be stale; entries of
// released blobs simply age out. Eviction is random (Go's map order),
// which needs no bookkeeping on the hit path.
type blobCache struct {
	mu    sync.RWMutex
	m     map[string][]byte
	bytes int64
	max   int64
}

func (c *blobCache) get(id string) ([]byte, bool) {
	c.mu.RLock()
	b, ok := c.m[id]
	c.mu.RUnlock()
	return b, ok
}

func (c *blobCache) put(id string, b []byte) {
	if c.max <= 0 || int64(len(b)) > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string][]byte)
	}
	if _, ok := c.m[id]; ok {
		return
	}
	for k, v := range c.m {
		if c.bytes+int64(len(b)) <= c.max {
			break
		}
		delete(c.m, k)
		c.bytes -= int64(len(v))
	}
	c.m[id] = b
	c.bytes += int64(len(b))
}
