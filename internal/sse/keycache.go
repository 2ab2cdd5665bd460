package sse

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"time"
)

// Defaults for NewKeyCache.
const (
	DefaultKeyCacheTTL     = 5 * time.Minute
	DefaultKeyCacheEntries = 4096
)

// KeyCache keeps unsealed data keys in memory (never on disk) for a while,
// by a hash of the key id, the sealed bytes and the encryption context, so
// that hot objects are not unsealed on every read. Entries expire after
// the TTL whether used or not, and the cache holds at most a bounded
// number of them. It is safe for concurrent use.
//
// The cache skips only the unsealing. A sealer that authorizes callers
// (SSE-KMS: kms:Decrypt as the requester) must authorize before it
// consults the cache, on every call.
type KeyCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu sync.Mutex
	m  map[[sha256.Size]byte]keyEntry
}

type keyEntry struct {
	key     [DataKeySize]byte
	expires time.Time
}

// NewKeyCache returns a cache of at most max keys (DefaultKeyCacheEntries
// if max <= 0), each kept for ttl (DefaultKeyCacheTTL if ttl <= 0).
func NewKeyCache(max int, ttl time.Duration) *KeyCache {
	if max <= 0 {
		max = DefaultKeyCacheEntries
	}
	if ttl <= 0 {
		ttl = DefaultKeyCacheTTL
	}
	return &KeyCache{ttl: ttl, max: max, now: time.Now, m: make(map[[sha256.Size]byte]keyEntry)}
}

// cacheKey hashes what determines an unsealed key.
func cacheKey(keyID string, sealed []byte, ec map[string]string) [sha256.Size]byte {
	h := sha256.New()
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(keyID)))
	h.Write(n[:])
	h.Write([]byte(keyID))
	binary.BigEndian.PutUint32(n[:], uint32(len(sealed)))
	h.Write(n[:])
	h.Write(sealed)
	h.Write(CanonicalContext(ec))
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// Get returns a copy of the data key cached for (keyID, sealed, ec), if
// any and not expired.
func (c *KeyCache) Get(keyID string, sealed []byte, ec map[string]string) ([]byte, bool) {
	if c == nil {
		return nil, false
	}
	k := cacheKey(keyID, sealed, ec)
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[k]
	if ok && !now.Before(e.expires) {
		delete(c.m, k)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	out := make([]byte, DataKeySize)
	copy(out, e.key[:])
	return out, true
}

// Put caches dataKey (DataKeySize bytes; others are ignored) for (keyID,
// sealed, ec). When the cache is full it drops the expired entries and,
// if that is not enough, an arbitrary eighth of the others.
func (c *KeyCache) Put(keyID string, sealed []byte, ec map[string]string, dataKey []byte) {
	if c == nil || len(dataKey) != DataKeySize {
		return
	}
	k := cacheKey(keyID, sealed, ec)
	var e keyEntry
	copy(e.key[:], dataKey)
	now := c.now()
	e.expires = now.Add(c.ttl)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.max {
		for id, old := range c.m {
			if !now.Before(old.expires) {
				delete(c.m, id)
			}
		}
		if len(c.m) >= c.max {
			drop := max(1, c.max/8)
			for id := range c.m {
				if drop == 0 {
					break
				}
				delete(c.m, id)
				drop--
			}
		}
	}
	c.m[k] = e
}

// Len returns the number of cached keys (expired ones included until
// they are dropped).
func (c *KeyCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
