package cache

import (
	"bytes"
	"errors"
	"hash/maphash"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config.
const (
	DefaultMemoryBytes   = 256 << 20
	DefaultDiskBytes     = 1 << 30
	DefaultDiskThreshold = 256 << 10
)

// entryOverhead is what an entry costs besides its data and origin id:
// the entry struct (96 bytes) and its share of the index map (about
// 48). It is counted against the tier's bytes so that many tiny entries
// cannot exceed the bound.
const entryOverhead = 144

// Config is what a Cache is built from.
type Config struct {
	// MemoryBytes bounds the memory tier (default 256 MiB; negative: no
	// memory tier).
	MemoryBytes int64
	// DiskBytes bounds the disk tier (default 1 GiB; negative: no disk
	// tier).
	DiskBytes int64
	// Dir is the disk tier's directory, created 0700 and emptied of
	// earlier entries at New. "" means no disk tier; large responses are
	// then spooled to os.TempDir and not kept.
	Dir string
	// DiskThreshold: bodies larger than this go to the disk tier (default
	// 256 KiB).
	DiskThreshold int64
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Unstored are header names (canonical) left out of stored entries:
	// the headers whoever serves a hit always sets itself (the edge's
	// X-Cache, Age, Content-Length...), so that HeaderBlock can be sent
	// as it is next to them.
	Unstored []string
}

// Cache is the edge cache: entries by Key in two tiers, each bounded by
// bytes and evicting with S3-FIFO (evict.go). Safe for concurrent use.
type Cache struct {
	dir       string
	threshold int64
	now       func() time.Time

	// mu guards the index and the entries; lookups (Get) share it, and
	// count the access with an atomic add.
	mu      sync.RWMutex
	entries map[Key]*entry
	seed    maphash.Seed
	mem     tier
	disk    tier
	seq     uint64
	// gens counts each distribution's invalidations (Generation).
	gens map[string]uint64
	// unstored is Config.Unstored.
	unstored map[string]bool

	hits, misses, evictions atomic.Int64
}

// entry is one cached response. Its key, the origin's error code, its
// header (encoded) and, for the memory tier, its body are one immutable
// string (data), so that a small entry costs one allocation besides the
// struct (BenchmarkEntryMemory): the index map's key is a substring of
// it, and a Response's header block and body are views of it (bytes.go).
type entry struct {
	data            string // key, reason, encoded header, body (memory tier)
	origin          string // the origin request's id
	prev, next      *entry
	size            int64  // body length
	stored, expires int64  // unix nanoseconds
	file            uint32 // disk tier file number, 0 in memory
	keyLen          uint32 // data[:keyLen] is the key
	hdrEnd          uint32 // data[keyLen+reasonLen:hdrEnd] is the header
	status          int16
	reasonLen       uint8
	inMain          bool          // in the main queue (else the small one)
	freq            atomic.Uint32 // S3-FIFO access count, 0–3 (Get adds under a read lock)
	// resp is the Response every Get of the entry returns, built by the
	// first (under the read lock) so that a hit allocates nothing. Whoever
	// changes the entry's fields (under the write lock) clears it; callers
	// holding the old one keep a consistent snapshot.
	resp atomic.Pointer[Response]
}

func (e *entry) key() Key       { return Key(e.data[:e.keyLen]) }
func (e *entry) reason() string { return e.data[e.keyLen : e.keyLen+uint32(e.reasonLen)] }
func (e *entry) header() string { return e.data[e.keyLen+uint32(e.reasonLen) : e.hdrEnd] }
func (e *entry) body() string   { return e.data[e.hdrEnd:] }
func (e *entry) cost() int64    { return entryOverhead + int64(len(e.data)+len(e.origin)) }

// maxReason bounds the origin error code kept with an entry (AWS's
// codes are far shorter).
const maxReason = 255

// buildData lays out an entry's data: key, reason, h encoded (without
// Config.Unstored), then body; hdrEnd is where the body starts. It is one
// allocation of exactly the size needed.
func (c *Cache) buildData(k Key, reason string, h http.Header, body []byte) (data string, hdrEnd int) {
	if len(reason) > maxReason {
		reason = reason[:maxReason]
	}
	names := c.headerNames(h)
	n := len(k) + len(reason) + len(body)
	for _, name := range names {
		for _, v := range h[name] {
			n += len(name) + len(v) + 4
		}
	}
	b := make([]byte, 0, n)
	b = append(b, k...)
	b = append(b, reason...)
	b = appendHeader(b, h, names)
	hdrEnd = len(b)
	b = append(b, body...)
	return stringOf(b), hdrEnd
}

// New returns a cache as cfg says. The disk tier's directory is created
// 0700 (made 0700 if it exists) and the entry and temporary files an
// earlier run left there are removed: the disk tier does not survive a
// restart, so a crash cannot leave an entry that no index describes.
func New(cfg Config) (*Cache, error) {
	if cfg.MemoryBytes == 0 {
		cfg.MemoryBytes = DefaultMemoryBytes
	}
	if cfg.DiskBytes == 0 {
		cfg.DiskBytes = DefaultDiskBytes
	}
	if cfg.DiskThreshold <= 0 {
		cfg.DiskThreshold = DefaultDiskThreshold
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &Cache{dir: cfg.Dir, threshold: cfg.DiskThreshold, now: cfg.Now, entries: make(map[Key]*entry), seed: maphash.MakeSeed(),
		gens: make(map[string]uint64), unstored: make(map[string]bool)}
	for _, k := range cfg.Unstored {
		c.unstored[http.CanonicalHeaderKey(k)] = true
	}
	c.mem.init(max(cfg.MemoryBytes, 0), false)
	c.disk.init(max(cfg.DiskBytes, 0), true)
	if c.dir == "" {
		c.disk.limit = 0
		return c, nil
	}
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return nil, err
	}
	if err := os.Chmod(c.dir, 0o700); err != nil {
		return nil, err
	}
	des, err := os.ReadDir(c.dir)
	if err != nil {
		return nil, err
	}
	for _, de := range des {
		if n := de.Name(); strings.HasPrefix(n, filePrefix) || strings.HasPrefix(n, tmpPrefix) {
			if err := os.Remove(c.dir + string(os.PathSeparator) + n); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
		}
	}
	return c, nil
}

// Now returns the cache's clock reading.
func (c *Cache) Now() time.Time { return c.now() }

// Unstored reports whether header name (canonical) is left out of
// stored entries (Config.Unstored).
func (c *Cache) Unstored(name string) bool { return c.unstored[name] }

// Response is a response as the cache holds it: a stored entry (from
// Get) or a recorded origin response (from Recorder.Finish). Its fields
// must not be modified.
type Response struct {
	Status int
	// header is the response's header, without hop-by-hop headers; for a
	// stored entry it is decoded from block on first use (Header).
	header     http.Header
	hdr        string // a stored entry's encoded header
	decodeOnce sync.Once
	key        Key // a stored entry's
	// Size is the body's length.
	Size int64
	// Stored is when the response was fetched or last revalidated (the
	// base of Age); Expires when it stops being fresh.
	Stored, Expires time.Time
	// OriginRequestID is the id of the origin request that produced it
	// (S3's x-amz-request-id), Reason the origin's error code, if any.
	OriginRequestID string
	Reason          string

	body    []byte
	path    string   // disk tier file
	tmp     *os.File // a recorded body spooled to a file
	tmpName string   // tmp's name while it is still linked
	refs    atomic.Int32
}

// Header returns the response's header, without hop-by-hop headers (and,
// for a stored entry, without Config.Unstored). A stored entry's header
// is decoded on the first call; the map is shared by every user of the
// Response and must only be modified by the owner of a recorded
// response before it is stored or shared.
func (r *Response) Header() http.Header {
	if r.key != "" { // a stored entry
		r.decodeOnce.Do(func() { r.header = decodeHeader(r.hdr) })
	}
	return r.header
}

// Key returns a stored entry's key ("" for a recorded response).
func (r *Response) Key() Key { return r.key }

// HeaderBlock returns a stored entry's header as it is kept: lines
// "Name: value\r\n" (as on the wire), names in canonical form and sorted, values free of CR
// and LF (they come from a parsed response); nil for a recorded
// response. It must not be modified.
func (r *Response) HeaderBlock() []byte { return bytesOf(r.hdr) }

// Fresh reports whether the response may be served without asking the
// origin at now.
func (r *Response) Fresh(now time.Time) bool { return now.Before(r.Expires) }

// Age is how long the response has been in the cache at now, in whole
// seconds (the Age header).
func (r *Response) Age(now time.Time) time.Duration {
	return max(now.Sub(r.Stored), 0).Truncate(time.Second)
}

// OnDisk reports whether the body is read from a file.
func (r *Response) OnDisk() bool { return r.path != "" || r.tmp != nil }

// Open returns the body for reading. A disk tier body is an *os.File (so
// that copying it to a connection can use sendfile); the caller closes
// it. ErrGone: the entry was evicted or purged since Get (treat as a
// miss).
func (r *Response) Open() (io.ReadSeekCloser, error) {
	switch {
	case r.tmp != nil:
		return nopCloser{io.NewSectionReader(r.tmp, 0, r.Size)}, nil
	case r.path != "":
		f, err := os.Open(r.path)
		if errors.Is(err, os.ErrNotExist) {
			return nil, ErrGone
		}
		return f, err
	}
	return nopCloser{bytes.NewReader(r.body)}, nil
}

// Bytes returns the body when it is held in memory (the memory tier, or a
// recorded response that was not spooled), for a single Write that goes
// out with the headers; ok is false for a body in a file (use Open, whose
// *os.File goes out with sendfile).
func (r *Response) Bytes() (b []byte, ok bool) {
	if r.tmp != nil || r.path != "" {
		return nil, false
	}
	return r.body, true
}

// ErrGone is Open's error for a body that was evicted or invalidated
// after the lookup.
var ErrGone = errors.New("cache: entry evicted")

type nopCloser struct{ io.ReadSeeker }

func (nopCloser) Close() error { return nil }

// Share adds n users of a recorded response (the waiters of a coalesced
// fetch); each, and the recorder's owner, calls Release once.
func (r *Response) Share(n int) {
	if r.tmp != nil { // only a spooled body needs counting
		r.refs.Add(int32(n))
	}
}

// Release ends one use of a recorded response: the last closes its
// spool file. A no-op for responses from Get (one Response is shared by
// every hit of an entry; it is never written to on the hit path).
func (r *Response) Release() {
	if r.tmp != nil && r.refs.Add(-1) == 0 {
		if r.tmpName != "" {
			_ = os.Remove(r.tmpName)
		}
		_ = r.tmp.Close()
	}
}

// Get returns the entry for k, fresh or not (the caller revalidates or
// serves stale), and counts the access for eviction. Every Get of an
// unchanged entry returns the same *Response (read-only; no allocation).
func (c *Cache) Get(k Key) (*Response, bool) {
	c.mu.RLock()
	e, ok := c.entries[k]
	return c.got(e, ok)
}

// GetBytes is Get with the key as bytes (AppendKey's), which it does
// not keep.
func (c *Cache) GetBytes(k []byte) (*Response, bool) {
	c.mu.RLock()
	e, ok := c.entries[Key(k)]
	return c.got(e, ok)
}

// got completes Get with the lookup's result; c.mu is read-locked, and
// unlocked on return.
func (c *Cache) got(e *entry, ok bool) (*Response, bool) {
	if !ok {
		c.mu.RUnlock()
		c.misses.Add(1)
		return nil, false
	}
	for f := e.freq.Load(); f < 3 && !e.freq.CompareAndSwap(f, f+1); f = e.freq.Load() {
	}
	// The entry's fields change only under the write lock, which also
	// clears e.resp: a shared Response is the entry as it is now.
	r := e.resp.Load()
	if r == nil {
		r = c.responseOf(e)
		if !e.resp.CompareAndSwap(nil, r) {
			r = e.resp.Load() // a concurrent Get built it first
		}
	}
	c.mu.RUnlock()
	c.hits.Add(1)
	return r, true
}

func (c *Cache) tierOf(e *entry) *tier {
	if e.file != 0 {
		return &c.disk
	}
	return &c.mem
}

// responseOf materializes e (an entry, or a copy of one taken under c.mu).
func (c *Cache) responseOf(e *entry) *Response {
	r := &Response{
		Status: int(e.status), hdr: e.header(), Size: e.size, key: e.key(),
		Stored: time.Unix(0, e.stored), Expires: time.Unix(0, e.expires),
		OriginRequestID: e.origin, Reason: e.reason(),
	}
	if e.file != 0 {
		r.path = c.filePath(uint64(e.file))
	} else {
		r.body = bytesOf(e.body())
	}
	return r
}

// Put stores r under k until expires, replacing any entry of k: in the
// memory tier when its body is in memory, in the disk tier (the spool
// file renamed into place) when it was spooled. It returns false when r
// does not fit its tier (larger than the tier's bound) and is not kept.
// r remains usable by those serving it either way.
func (c *Cache) Put(k Key, r *Response, expires time.Time) bool {
	return c.put(k, r, expires, 0, false)
}

// Generation returns the invalidation generation of distribution dist: a
// number every Invalidate of dist changes. A fetch for the cache reads it
// before its origin request and stores with PutIfGeneration, so that an
// invalidation landing while the fetch is in flight is not undone by the
// fetch storing what the origin sent before it.
func (c *Cache) Generation(dist string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gens[dist]
}

// PutIfGeneration is Put, except that nothing is stored (false) when
// k's distribution was invalidated since Generation returned gen. The
// response stays usable for the requests it answers either way.
func (c *Cache) PutIfGeneration(k Key, r *Response, expires time.Time, gen uint64) bool {
	return c.put(k, r, expires, gen, true)
}

// put is Put, with the generation check of PutIfGeneration when check.
func (c *Cache) put(k Key, r *Response, expires time.Time, gen uint64, check bool) bool {
	if uint64(len(k)) >= 1<<32 {
		return false
	}
	var body []byte
	if r.tmp == nil {
		body = r.body
	}
	data, hdrEnd := c.buildData(k, r.Reason, r.header, body)
	e := &entry{
		data: data, origin: r.OriginRequestID, keyLen: uint32(len(k)), hdrEnd: uint32(hdrEnd),
		reasonLen: uint8(min(len(r.Reason), maxReason)), status: int16(r.Status), size: r.Size,
		stored: r.Stored.UnixNano(), expires: expires.UnixNano(),
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if check && c.gens[k.Distribution()] != gen {
		return false
	}
	if old, ok := c.entries[k]; ok {
		c.removeLocked(old)
	}
	if r.tmp == nil {
		if c.mem.charge(e) > c.mem.limit {
			return false
		}
		c.insertLocked(e, &c.mem)
		r.Expires = expires
		return true
	}
	if r.tmpName == "" || c.disk.charge(e) > c.disk.limit || c.seq+1 >= 1<<32 {
		return false
	}
	c.seq++
	e.file = uint32(c.seq)
	path := c.filePath(uint64(e.file))
	if err := os.Rename(r.tmpName, path); err != nil {
		return false
	}
	r.tmpName, r.Expires = "", expires
	c.insertLocked(e, &c.disk)
	return true
}

func (c *Cache) insertLocked(e *entry, t *tier) {
	c.entries[e.key()] = e
	t.insert(e, c.hash(e.key()))
	for t.bytes() > t.limit && c.evictOne(t, e) {
	}
}

// removeLocked drops e from the index and its tier, deleting its file.
func (c *Cache) removeLocked(e *entry) {
	delete(c.entries, e.key())
	c.tierOf(e).remove(e)
	if e.file != 0 {
		_ = os.Remove(c.filePath(uint64(e.file))) // open readers keep their descriptor
	}
}

// Refresh records that the origin confirmed k's entry (304 Not
// Modified): its header becomes h (the stored header updated with the
// 304's), Stored now and Expires expires. It returns the refreshed
// response, ok=false when the entry is gone.
func (c *Cache) Refresh(k Key, h http.Header, expires time.Time) (*Response, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return nil, false
	}
	t := c.tierOf(e)
	t.unlink(e)
	// New data (the index's key is a substring of the old one: re-keyed).
	delete(c.entries, k)
	data, hdrEnd := c.buildData(e.key(), e.reason(), h, bytesOf(e.body()))
	e.data, e.hdrEnd = data, uint32(hdrEnd)
	c.entries[e.key()] = e
	e.stored, e.expires = c.now().UnixNano(), expires.UnixNano()
	e.resp.Store(nil)
	t.relink(e)
	return c.responseOf(e), true
}

// Extend keeps k's entry fresh until expires (a stale object served while
// the origin answers 5xx, spec §5.7). It returns the extended entry's
// response (Responses from Get are shared and never modified), ok=false
// when the entry is gone.
func (c *Cache) Extend(k Key, expires time.Time) (*Response, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return nil, false
	}
	e.expires = expires.UnixNano()
	e.resp.Store(nil)
	return c.responseOf(e), true
}

// Delete removes k's entry.
func (c *Cache) Delete(k Key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[k]; ok {
		c.removeLocked(e)
	}
}

// Invalidate removes every entry of distribution dist whose Target
// matches one of paths (MatchInvalidation), from both tiers, and returns
// how many it removed. It advances dist's Generation, so that fetches in
// flight do not store what they bring (PutIfGeneration).
func (c *Cache) Invalidate(dist string, paths []string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gens[dist]++
	n := 0
	for k, e := range c.entries {
		if k.Distribution() != dist {
			continue
		}
		if slices.ContainsFunc(paths, func(p string) bool { return MatchInvalidation(p, k.Target()) }) {
			c.removeLocked(e)
			n++
		}
	}
	return n
}

// Stats are the cache's counters.
type Stats struct {
	Entries                 int
	MemoryBytes, DiskBytes  int64
	Hits, Misses, Evictions int64
}

// Stats returns the current counters (Hits and Misses count Get lookups).
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{
		Entries: len(c.entries), MemoryBytes: c.mem.bytes(), DiskBytes: c.disk.bytes(),
		Hits: c.hits.Load(), Misses: c.misses.Load(), Evictions: c.evictions.Load(),
	}
}

// headerNames returns the names of h that are stored, sorted: not
// Config.Unstored, nor names a CR, LF, colon or space would break (a
// parsed response has none).
func (c *Cache) headerNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		if c.unstored[k] || k == "" || strings.ContainsAny(k, "\r\n: ") {
			continue
		}
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// appendHeader appends the values of names in h as "Name: value\r\n"
// lines (as they go on the wire), skipping values with a CR or LF.
func appendHeader(b []byte, h http.Header, names []string) []byte {
	for _, k := range names {
		for _, v := range h[k] {
			if strings.ContainsAny(v, "\r\n") {
				continue
			}
			b = append(b, k...)
			b = append(b, ':', ' ')
			b = append(b, v...)
			b = append(b, '\r', '\n')
		}
	}
	return b
}

// encodeHeader serializes h as headerNames and appendHeader do.
func (c *Cache) encodeHeader(h http.Header) []byte {
	return appendHeader(nil, h, c.headerNames(h))
}

// decodeHeader is encodeHeader's inverse. It allocates little: values
// and most names are substrings of block (an entry's data; common names
// are interned), every value slice shares one backing array, and the
// map. Each value slice has capacity 1, so an
// append to it never writes into the shared backing array.
func decodeHeader(block string) http.Header {
	n := strings.Count(block, "\n")
	h := make(http.Header, n)
	vals := make([]string, n)
	i := 0
	for len(block) > 0 && i < n {
		line, rest, _ := strings.Cut(block, "\n")
		block = rest
		line = strings.TrimSuffix(line, "\r")
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		if c, ok := commonHeaderNames[k]; ok {
			k = c
		}
		if old, ok := h[k]; ok {
			h[k] = append(old, v) // repeated header: rare, allocates
			continue
		}
		vals[i] = v
		h[k] = vals[i : i+1 : i+1]
		i++
	}
	return h
}

// commonHeaderNames interns the header names of typical S3 responses, so
// that map keys do not keep the whole decoded block alive.
var commonHeaderNames = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"Accept-Ranges", "Cache-Control", "Content-Encoding", "Content-Language",
		"Content-Disposition", "Content-Length", "Content-Type", "Date", "Etag", "Expires", "Last-Modified",
		"Server", "Vary", "X-Amz-Id-2", "X-Amz-Request-Id", "X-Amz-Server-Side-Encryption",
		"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id", "X-Amz-Server-Side-Encryption-Bucket-Key-Enabled",
		"X-Amz-Version-Id", "X-Amz-Storage-Class", "X-Amz-Checksum-Crc32", "X-Amz-Checksum-Crc32c",
		"X-Amz-Checksum-Crc64nvme", "X-Amz-Checksum-Sha1", "X-Amz-Checksum-Sha256"} {
		m[k] = k
	}
	return m
}()
