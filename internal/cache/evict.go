package cache

import "hash/maphash"

// Eviction is S3-FIFO (Yang et al., "FIFO queues are all you need for
// cache eviction", SOSP 2023), per tier and by bytes:
//
//   - a new entry goes to the small queue (10% of the tier's bytes), or
//     to the main queue if its key is in the ghost queue (it was evicted
//     from the small queue recently);
//   - a hit only increments the entry's access count (at most 3): no list
//     is reordered;
//   - while the tier is over its bound: if the small queue holds more
//     than its share, its oldest entry moves to the main queue when it
//     was accessed more than once since insertion, else it is evicted and
//     its key remembered in the ghost queue; otherwise the main queue's
//     oldest entry is reinserted with its count decremented when the
//     count is not 0, else evicted.
//
// One-hit objects (a scan, a crawler) thus leave through the small queue
// without displacing the objects that are asked for again.
// BenchmarkEvictionZipf measures it against LRU (docs/edge.md).

// queue is a FIFO of entries: newest at the front.
type queue struct {
	root  entry // sentinel
	bytes int64
}

func (q *queue) init() { q.root.next, q.root.prev = &q.root, &q.root }

func (q *queue) pushFront(e *entry, charge int64) {
	e.prev, e.next = &q.root, q.root.next
	e.next.prev, q.root.next = e, e
	q.bytes += charge
}

func (q *queue) remove(e *entry, charge int64) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
	q.bytes -= charge
}

// back is the oldest entry, nil when empty.
func (q *queue) back() *entry {
	if q.root.prev == &q.root {
		return nil
	}
	return q.root.prev
}

// tier is one storage tier's queues and bound.
type tier struct {
	small, main queue
	limit       int64
	ghost       ghost
	// disk: an entry's body counts against the tier (it is in a file;
	// in the memory tier it is part of the entry's data).
	disk bool
}

func (t *tier) init(limit int64, disk bool) {
	t.small.init()
	t.main.init()
	t.limit, t.disk = limit, disk
	// The ghost queue remembers about as many keys as the tier holds
	// entries of 4 KiB.
	t.ghost.init(int(min(max(limit/4096, 256), 1<<20)))
}

func (t *tier) bytes() int64 { return t.small.bytes + t.main.bytes }

// charge is what e counts against the tier.
func (t *tier) charge(e *entry) int64 {
	c := e.cost()
	if t.disk {
		c += e.size
	}
	return c
}

func (t *tier) queueOf(e *entry) *queue {
	if e.inMain {
		return &t.main
	}
	return &t.small
}

// insert adds a new entry whose key hashes to h.
func (t *tier) insert(e *entry, h uint64) {
	e.freq.Store(0)
	e.inMain = t.ghost.take(h)
	t.queueOf(e).pushFront(e, t.charge(e))
}

// remove takes e out of its queue.
func (t *tier) remove(e *entry) { t.queueOf(e).remove(e, t.charge(e)) }

// unlink and relink bracket a change of e's charge, keeping its place
// class (the entry moves to the front of its queue).
func (t *tier) unlink(e *entry) { t.remove(e) }
func (t *tier) relink(e *entry) { t.queueOf(e).pushFront(e, t.charge(e)) }

// evictOne makes one S3-FIFO step on t: it moves or evicts one entry,
// never keep (the entry being inserted). It returns false when there is
// nothing it may touch.
func (c *Cache) evictOne(t *tier, keep *entry) bool {
	if v := t.small.back(); v != nil && v != keep && (t.small.bytes > t.limit/10 || t.main.back() == nil) {
		ch := t.charge(v)
		t.small.remove(v, ch)
		if v.freq.Load() > 1 {
			v.freq.Store(0)
			v.inMain = true
			t.main.pushFront(v, ch)
			return true
		}
		t.small.pushFront(v, ch) // removeLocked takes it out again
		c.removeLocked(v)
		t.ghost.add(c.hash(v.key()))
		c.evictions.Add(1)
		return true
	}
	v := t.main.back()
	if v == nil || v == keep {
		// Only the small queue's newest (keep) or nothing is left.
		if s := t.small.back(); s != nil && s != keep {
			c.removeLocked(s)
			t.ghost.add(c.hash(s.key()))
			c.evictions.Add(1)
			return true
		}
		return false
	}
	if f := v.freq.Load(); f > 0 {
		ch := t.charge(v)
		t.main.remove(v, ch)
		v.freq.Store(f - 1)
		t.main.pushFront(v, ch)
		return true
	}
	c.removeLocked(v)
	c.evictions.Add(1)
	return true
}

func (c *Cache) hash(k Key) uint64 { return maphash.String(c.seed, string(k)) }

// ghost is a bounded FIFO set of key hashes.
type ghost struct {
	set  map[uint64]struct{}
	ring []uint64
	next int
}

func (g *ghost) init(n int) {
	g.set = make(map[uint64]struct{})
	g.ring = make([]uint64, n)
}

func (g *ghost) add(h uint64) {
	if old := g.ring[g.next]; old != 0 {
		delete(g.set, old)
	}
	g.ring[g.next] = h
	g.set[h] = struct{}{}
	g.next = (g.next + 1) % len(g.ring)
}

// take reports whether h is in the set, removing it.
func (g *ghost) take(h uint64) bool {
	if _, ok := g.set[h]; ok {
		delete(g.set, h)
		return true
	}
	return false
}
