package cache

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkEntryMemory measures the heap a cached 1 KiB object costs:
// key, the headers S3 sends with a GetObject answer, body, entry and
// index. Reported as B/entry (target ≤ 1.6 KB).
func BenchmarkEntryMemory(b *testing.B) {
	const n = 20000
	body := strings.Repeat("b", 1024)
	hdrs := http.Header{
		"Accept-Ranges": {"bytes"}, "Content-Type": {"image/png"}, "Etag": {`"0a75918030526808a4b02f6f59926e79"`},
		"Last-Modified": {"Sat, 28 Nov 2026 18:13:05 GMT"}, "Server": {"AmazonS3"},
		"X-Amz-Request-Id": {"B70757096DD50837"}, "X-Amz-Id-2": {"ZWRnZWdhdGVCNzA3NTcwOTZERDUwODM3"},
		"X-Amz-Server-Side-Encryption": {"AES256"}, "Content-Length": {"1024"},
	}
	req, _ := http.NewRequest("GET", "http://d.example/", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	pol := KeyPolicy{Gzip: true, Brotli: true}
	var perEntry float64
	for range b.N {
		c, _ := New(Config{MemoryBytes: 1 << 30})
		keys := make([]Key, n)
		for i := range keys {
			keys[i] = BuildKey("E2QWRUHAPOMQZL", "GET", "/assets/img/file-"+strconv.Itoa(i)+".png", req, pol)
		}
		exp := time.Now().Add(time.Hour)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := range n {
			rec := c.NewRecorder()
			for k, v := range hdrs {
				rec.Header()[k] = v
			}
			_, _ = rec.Write([]byte(body))
			r, _ := rec.Finish("B70757096DD50837", "")
			c.Put(keys[i], r, exp)
		}
		keys = nil
		runtime.GC()
		runtime.ReadMemStats(&after)
		perEntry = float64(after.HeapAlloc-before.HeapAlloc) / n
		runtime.KeepAlive(c)
	}
	b.ReportMetric(perEntry, "B/entry")
}

// zipfTrace returns n requests over objects 0..m-1 with Zipf popularity
// of exponent s (web traces: 0.6–1.0), by inverse CDF.
func zipfTrace(n, m int, s float64, seed uint64) []int32 {
	cdf := make([]float64, m)
	sum := 0.0
	for i := range m {
		sum += 1 / math.Pow(float64(i+1), s)
		cdf[i] = sum
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	perm := rng.Perm(m) // popularity rank → object id
	out := make([]int32, n)
	for i := range out {
		x := rng.Float64() * sum
		out[i] = int32(perm[sort.SearchFloat64s(cdf, x)])
	}
	return out
}

// simLRU replays trace through an LRU of capacity objects; it returns
// the hit ratio.
func simLRU(trace []int32, capacity int) float64 {
	type node struct {
		key        int32
		prev, next *node
	}
	root := &node{}
	root.prev, root.next = root, root
	idx := make(map[int32]*node, capacity)
	hits := 0
	for _, k := range trace {
		if nd, ok := idx[k]; ok {
			hits++
			nd.prev.next, nd.next.prev = nd.next, nd.prev
			nd.prev, nd.next = root, root.next
			nd.next.prev, root.next = nd, nd
			continue
		}
		if len(idx) >= capacity {
			old := root.prev
			old.prev.next, root.prev = root, old.prev
			delete(idx, old.key)
		}
		nd := &node{key: k, prev: root, next: root.next}
		nd.next.prev, root.next = nd, nd
		idx[k] = nd
	}
	return float64(hits) / float64(len(trace))
}

// simS3FIFO replays trace through S3-FIFO (Yang et al., SOSP 2023): a
// small FIFO (10%) admitting new objects, a main FIFO (90%) with 2-bit
// frequencies reinserting accessed objects, and a ghost FIFO of keys
// evicted from the small queue. It returns the hit ratio.
func simS3FIFO(trace []int32, capacity int) float64 {
	smallCap := max(capacity/10, 1)
	mainCap := capacity - smallCap
	type obj struct{ freq uint8 }
	small, main := []int32{}, []int32{}
	in := map[int32]*obj{}
	ghost := map[int32]bool{}
	ghostQ := []int32{}
	addGhost := func(k int32) {
		ghost[k] = true
		ghostQ = append(ghostQ, k)
		for len(ghostQ) > mainCap {
			delete(ghost, ghostQ[0])
			ghostQ = ghostQ[1:]
		}
	}
	evictMain := func() {
		for len(main) > 0 {
			k := main[0]
			main = main[1:]
			if o := in[k]; o.freq > 0 {
				o.freq--
				main = append(main, k)
				continue
			}
			delete(in, k)
			return
		}
	}
	evictSmall := func() {
		for len(small) > 0 {
			k := small[0]
			small = small[1:]
			if o := in[k]; o.freq > 1 {
				o.freq = 0
				if len(main) >= mainCap {
					evictMain()
				}
				main = append(main, k)
				continue
			}
			delete(in, k)
			addGhost(k)
			return
		}
	}
	hits := 0
	for _, k := range trace {
		if o, ok := in[k]; ok {
			hits++
			o.freq = min(o.freq+1, 3)
			continue
		}
		for len(in) >= capacity {
			if len(small) >= smallCap || len(main) == 0 {
				evictSmall()
			} else {
				evictMain()
			}
		}
		in[k] = &obj{}
		if ghost[k] {
			delete(ghost, k)
			main = append(main, k)
		} else {
			small = append(small, k)
		}
	}
	return float64(hits) / float64(len(trace))
}

// BenchmarkEvictionZipf compares the hit ratios of LRU and S3-FIFO on
// Zipf traces (1M requests over 100k objects) at cache sizes of 1% and
// 10% of the objects; docs/edge.md records the numbers behind the choice
// of LRU.
func BenchmarkEvictionZipf(b *testing.B) {
	const requests, objects = 1_000_000, 100_000
	for _, s := range []float64{0.7, 0.9, 1.1} {
		trace := zipfTrace(requests, objects, s, 1)
		for _, pct := range []int{1, 10} {
			capacity := objects * pct / 100
			for _, alg := range []struct {
				name string
				sim  func([]int32, int) float64
			}{{"lru", simLRU}, {"s3fifo", simS3FIFO}} {
				b.Run(fmt.Sprintf("s=%.1f/size=%d%%/%s", s, pct, alg.name), func(b *testing.B) {
					var ratio float64
					for range b.N {
						ratio = alg.sim(trace, capacity)
					}
					b.ReportMetric(100*ratio, "hit%")
				})
			}
		}
	}
}

// BenchmarkGetHit is the cost of a memory-tier lookup.
func BenchmarkGetHit(b *testing.B) {
	c, _ := New(Config{})
	rec := c.NewRecorder()
	rec.Header().Set("Content-Type", "text/plain")
	_, _ = rec.Write([]byte(strings.Repeat("x", 1024)))
	r, _ := rec.Finish("R", "")
	c.Put("k", r, time.Now().Add(time.Hour))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := c.Get("k"); !ok {
			b.Fatal("miss")
		}
	}
}

// BenchmarkGetBytesHit is a memory-tier lookup by AppendKey's bytes: the
// edge's hit path (no key string is built).
func BenchmarkGetBytesHit(b *testing.B) {
	c, _ := New(Config{})
	req, _ := http.NewRequest("GET", "http://d.example/a/b.png", nil)
	pol := KeyPolicy{Gzip: true, Brotli: true}
	k := BuildKey("E1", "GET", "/a/b.png", req, pol)
	rec := c.NewRecorder()
	rec.Header().Set("Content-Type", "text/plain")
	_, _ = rec.Write([]byte(strings.Repeat("x", 1024)))
	r, _ := rec.Finish("R", "")
	c.Put(k, r, time.Now().Add(time.Hour))
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendKey(buf[:0], "E1", "GET", "/a/b.png", req, pol)
		if _, ok := c.GetBytes(buf); !ok {
			b.Fatal("miss")
		}
	}
}
