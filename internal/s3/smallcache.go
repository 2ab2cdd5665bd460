package s3

import (
	"sync"
)

// smallObjectMax is the largest object whose bytes the GET path keeps in
// memory: below it, opening a blob and decrypting it costs more than the
// copy the cache costs.
const smallObjectMax = 32 << 10

// smallCacheBytes bounds the memory the small-object cache holds.
const smallCacheBytes = 64 << 20

// smallEntry is a cached small object: its plaintext, and for an object
// whose key must be unsealed on every read (SSE-KMS, whose kms:Decrypt is
// authorized per request) the sealed data key and key id.
type smallEntry struct {
	data   []byte
	sealed []byte
	keyID  string
}

func (e *smallEntry) size() int64 { return int64(len(e.data) + len(e.sealed) + len(e.keyID)) }

// blobCache keeps the plaintext of small single-blob objects by blob id,
// so that hot small GETs cost no open, read, decryption and close. The
// plaintext lives in memory only, never on disk. Blobs are immutable and
// their ids never reused, so an entry can never be stale; entries of
// released blobs simply age out. Eviction is random (Go's map order),
// which needs no bookkeeping on the hit path.
type blobCache struct {
	mu    sync.RWMutex
	m     map[string]*smallEntry
	bytes int64
	max   int64
}

func (c *blobCache) get(id string) (*smallEntry, bool) {
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	return e, ok
}

func (c *blobCache) put(id string, e *smallEntry) {
	n := e.size()
	if c.max <= 0 || n > c.max {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*smallEntry)
	}
	if _, ok := c.m[id]; ok {
		return
	}
	for k, v := range c.m {
		if c.bytes+n <= c.max {
			break
		}
		delete(c.m, k)
		c.bytes -= v.size()
	}
	c.m[id] = e
	c.bytes += n
}
