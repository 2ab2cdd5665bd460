package cache

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// record makes a recorded response of body through c's Recorder.
func record(t testing.TB, c *Cache, body string) *Response {
	t.Helper()
	rec := c.NewRecorder()
	rec.Header().Set("Content-Type", "text/plain")
	rec.Header().Set("ETag", `"e"`)
	rec.Header().Set("Connection", "close") // hop-by-hop: dropped
	rec.WriteHeader(200)
	_, _ = io.WriteString(rec, body)
	r, err := rec.Finish("REQ1", "")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func readAll(t *testing.T, r *Response) string {
	t.Helper()
	b, err := r.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	s, _ := io.ReadAll(b)
	return string(s)
}

func TestPutGetMemory(t *testing.T) {
	now := time.Unix(1000, 0)
	c, err := New(Config{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	r := record(t, c, "hello")
	if !c.Put("E1\x00/a\x00\x00\x00\x00", r, now.Add(time.Minute)) {
		t.Fatal("Put refused")
	}
	r.Release()
	g, ok := c.Get("E1\x00/a\x00\x00\x00\x00")
	if !ok || g.Status != 200 || g.Header().Get("Content-Type") != "text/plain" || g.Header().Get("Connection") != "" ||
		g.OriginRequestID != "REQ1" || readAll(t, g) != "hello" || g.OnDisk() || !g.Fresh(now) || g.Fresh(now.Add(time.Minute)) {
		t.Fatalf("Get: %+v %v", g, ok)
	}
	now = now.Add(90 * time.Second)
	if g.Age(now) != 90*time.Second {
		t.Errorf("Age %v", g.Age(now))
	}
	h := g.Header().Clone()
	h.Set("Cache-Control", "max-age=5")
	rr, ok := c.Refresh("E1\x00/a\x00\x00\x00\x00", h, now.Add(5*time.Second))
	if !ok || rr.Header().Get("Cache-Control") != "max-age=5" || rr.Age(now) != 0 || readAll(t, rr) != "hello" {
		t.Errorf("Refresh: %+v", rr)
	}
	// Gets of an unchanged entry share one Response; Extend makes a new
	// one and leaves the shared one as it was.
	g1, _ := c.Get("E1\x00/a\x00\x00\x00\x00")
	g2, _ := c.Get("E1\x00/a\x00\x00\x00\x00")
	if g1 != g2 {
		t.Error("two Gets of an unchanged entry returned different Responses")
	}
	before := g1.Expires
	ext, ok := c.Extend("E1\x00/a\x00\x00\x00\x00", now.Add(time.Hour))
	if !ok || !ext.Expires.Equal(now.Add(time.Hour)) || ext == g1 || !g1.Expires.Equal(before) {
		t.Errorf("Extend: %v %v, shared Response's Expires %v (was %v)", ext, ok, g1.Expires, before)
	}
	if g3, _ := c.Get("E1\x00/a\x00\x00\x00\x00"); g3 == g1 || !g3.Expires.Equal(now.Add(time.Hour)) {
		t.Errorf("Get after Extend: %+v", g3)
	}
	if _, ok := c.Extend("no such key", now); ok {
		t.Error("Extend of a missing key")
	}
	c.Delete("E1\x00/a\x00\x00\x00\x00")
	if _, ok := c.Get("E1\x00/a\x00\x00\x00\x00"); ok || c.Stats().MemoryBytes != 0 {
		t.Errorf("after Delete: %+v", c.Stats())
	}
}

// TestEvictionS3FIFO: the memory tier keeps within its bytes; an entry
// asked for again survives a stream of one-hit entries (it moves to the
// main queue), the one-hit entries leave through the small queue, and a
// key evicted recently comes back straight into the main queue.
func TestEvictionS3FIFO(t *testing.T) {
	const per = entryOverhead + 400 // about one entry's charge
	c, _ := New(Config{MemoryBytes: 10 * per})
	exp := c.Now().Add(time.Hour)
	body := strings.Repeat("x", 300)
	c.Put("hot", record(t, c, body), exp)
	c.Get("hot")
	c.Get("hot")
	for i := range 50 {
		c.Put(Key("cold"+strconv.Itoa(i)), record(t, c, body), exp)
		if st := c.Stats(); st.MemoryBytes > 10*per {
			t.Fatalf("over the bound: %+v", st)
		}
	}
	if _, ok := c.Get("hot"); !ok {
		t.Error("the entry asked for three times was evicted by one-hit entries")
	}
	if _, ok := c.Get("cold0"); ok {
		t.Error("the oldest one-hit entry survived")
	}
	if _, ok := c.Get("cold49"); !ok {
		t.Error("the newest entry was evicted")
	}
	// cold0 was evicted from the small queue: its key is a ghost, so it
	// is admitted to the main queue and outlives later one-hit entries.
	c.Put("cold0", record(t, c, body), exp)
	c.mu.Lock()
	inMain := c.entries["cold0"].inMain
	c.mu.Unlock()
	if !inMain {
		t.Error("a ghost key was not admitted to the main queue")
	}
	if st := c.Stats(); st.Evictions == 0 || st.MemoryBytes > 10*per {
		t.Errorf("stats %+v", st)
	}
	// Larger than the whole tier: not kept.
	if c.Put("huge", record(t, c, strings.Repeat("y", 20*per)), exp) {
		t.Error("an entry larger than the tier was kept")
	}
}

// TestEvictionMatchesSimulation: the cache's S3-FIFO has the hit ratio
// of the reference simulation on a Zipf trace (same entry sizes).
func TestEvictionMatchesSimulation(t *testing.T) {
	if testing.Short() {
		t.Skip("replays 200k requests")
	}
	const objects, capacity = 20000, 400
	trace := zipfTrace(200000, objects, 0.8, 7)
	c, _ := New(Config{})
	probe := record(t, c, "x")
	c.Put("k00000", probe, c.Now().Add(time.Hour))
	c.mu.Lock()
	charge := c.mem.charge(c.entries["k00000"])
	c.mu.Unlock()
	c.Delete("k00000")
	c, _ = New(Config{MemoryBytes: capacity * charge})
	exp := c.Now().Add(time.Hour)
	hits := 0
	for _, k := range trace {
		key := Key(fmt.Sprintf("k%05d", k))
		if _, ok := c.Get(key); ok {
			hits++
			continue
		}
		c.Put(key, record(t, c, "x"), exp)
	}
	got, want := float64(hits)/float64(len(trace)), simS3FIFO(trace, capacity)
	if math.Abs(got-want) > 0.02 {
		t.Errorf("cache hit ratio %.3f, simulation %.3f", got, want)
	}
	t.Logf("hit ratio: cache %.3f, S3-FIFO simulation %.3f, LRU simulation %.3f", got, want, simLRU(trace, capacity))
}

// TestDiskTier: bodies over the threshold are spooled, renamed into the
// 0700 directory by Put, served from an *os.File, evicted by bytes, and
// the directory is emptied when a cache opens on it again.
func TestDiskTier(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "edge-cache")
	c, err := New(Config{Dir: dir, DiskThreshold: 100, DiskBytes: 3000})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode: %v %v", fi, err)
	}
	exp := c.Now().Add(time.Hour)
	big := strings.Repeat("d", 1000)
	r := record(t, c, big)
	if !r.OnDisk() {
		t.Fatal("a body over the threshold stayed in memory")
	}
	if !c.Put("big1", r, exp) {
		t.Fatal("Put refused")
	}
	if readAll(t, r) != big { // the recorder's users still read it
		t.Error("recorded body after Put")
	}
	r.Release()
	g, ok := c.Get("big1")
	if !ok || !g.OnDisk() {
		t.Fatal("not on disk")
	}
	f, err := g.Open()
	if err != nil {
		t.Fatal(err)
	}
	if _, isFile := f.(*os.File); !isFile {
		t.Errorf("disk body is a %T, not an *os.File", f)
	}
	f.Close()
	if readAll(t, g) != big {
		t.Error("disk body")
	}
	c.Put("big2", record(t, c, big), exp)
	c.Put("big3", record(t, c, big), exp) // over 3000 bytes with overheads: big1 goes
	if _, ok := c.Get("big1"); ok {
		t.Error("disk tier over its bound")
	}
	if _, err := g.Open(); err != ErrGone {
		t.Errorf("evicted body: %v", err)
	}
	// A spooled response that is not kept is unlinked at once.
	u := record(t, c, big)
	u.Uncached()
	if readAll(t, u) != big {
		t.Error("uncached body")
	}
	u.Release()
	names := func() []string {
		des, _ := os.ReadDir(dir)
		var n []string
		for _, de := range des {
			n = append(n, de.Name())
		}
		return n
	}
	if n := names(); len(n) != 2 {
		t.Errorf("files %v, want the two entries", n)
	}
	// A leftover temp file and the entries are gone after a restart;
	// other files are left alone.
	_ = os.WriteFile(filepath.Join(dir, "tmp-123"), []byte("partial"), 0o600)
	_ = os.WriteFile(filepath.Join(dir, "README"), []byte("mine"), 0o600)
	_ = os.Chmod(dir, 0o755)
	c2, err := New(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if n := names(); len(n) != 1 || n[0] != "README" {
		t.Errorf("after restart: %v", n)
	}
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode after restart %v", fi.Mode())
	}
	if _, ok := c2.Get("big2"); ok {
		t.Error("an entry survived the restart")
	}
}

func TestInvalidate(t *testing.T) {
	c, _ := New(Config{})
	exp := c.Now().Add(time.Hour)
	r := httptestRequest("/x")
	keys := []Key{
		BuildKey("E1", "GET", "/img/a.jpg", r, KeyPolicy{}),
		BuildKey("E1", "GET", "/img/b.jpg", httptestRequest("/img/b.jpg?v=1"), KeyPolicy{QueryStrings: List{Mode: All}}),
		BuildKey("E1", "GET", "/css/s.css", r, KeyPolicy{}),
		BuildKey("E2", "GET", "/img/a.jpg", r, KeyPolicy{}),
	}
	for _, k := range keys {
		c.Put(k, record(t, c, "x"), exp)
	}
	if n := c.Invalidate("E1", []string{"/img/*"}); n != 2 {
		t.Errorf("purged %d", n)
	}
	for i, want := range []bool{false, false, true, true} {
		if _, ok := c.Get(keys[i]); ok != want {
			t.Errorf("%q present=%v", keys[i], ok)
		}
	}
}

// TestPutIfGeneration: a fetch that read its distribution's generation
// before an invalidation does not store what it brings; other
// distributions' invalidations and fetches begun after it do not matter.
func TestPutIfGeneration(t *testing.T) {
	r := httptestRequest("/x")
	k1 := BuildKey("E1", "GET", "/a.jpg", r, KeyPolicy{})
	k2 := BuildKey("E2", "GET", "/a.jpg", r, KeyPolicy{})
	tests := []struct {
		name   string
		key    Key
		before func(c *Cache) // between Generation and PutIfGeneration
		stored bool
	}{
		{"no invalidation", k1, func(*Cache) {}, true},
		{"invalidated in flight", k1, func(c *Cache) { c.Invalidate("E1", []string{"/a.jpg"}) }, false},
		{"other path invalidated in flight", k1, func(c *Cache) { c.Invalidate("E1", []string{"/b.jpg"}) }, false},
		{"other distribution invalidated", k2, func(c *Cache) { c.Invalidate("E1", []string{"/*"}) }, true},
	}
	for _, tt := range tests {
		c, _ := New(Config{})
		exp := c.Now().Add(time.Hour)
		gen := c.Generation(tt.key.Distribution())
		tt.before(c)
		resp := record(t, c, "old")
		if got := c.PutIfGeneration(tt.key, resp, exp, gen); got != tt.stored {
			t.Errorf("%s: PutIfGeneration = %v", tt.name, got)
		}
		if readAll(t, resp) != "old" {
			t.Errorf("%s: the response is unusable", tt.name)
		}
		resp.Release()
		if _, ok := c.Get(tt.key); ok != tt.stored {
			t.Errorf("%s: present=%v", tt.name, ok)
		}
		// A fetch begun after the invalidation stores.
		if !c.PutIfGeneration(tt.key, record(t, c, "new"), exp, c.Generation(tt.key.Distribution())) {
			t.Errorf("%s: a later fetch was refused", tt.name)
		}
	}
}

func httptestRequest(target string) *http.Request {
	r, _ := http.NewRequest("GET", "http://d.example"+target, nil)
	return r
}

// TestFlight: concurrent callers of one key share one call; the share
// hook sees how many waited.
func TestFlight(t *testing.T) {
	var f Flight[int]
	var calls, shared atomic.Int64
	release := make(chan struct{})
	var wg sync.WaitGroup
	results := make(chan int, 64)
	for range 64 {
		wg.Go(func() {
			v, _ := f.Do("k", func() int {
				calls.Add(1)
				<-release
				return 42
			}, func(_ int, waiters int) { shared.Store(int64(waiters)) })
			results <- v
		})
	}
	// Let every goroutine reach Do before the call returns.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		f.mu.Lock()
		c := f.calls["k"]
		n := 0
		if c != nil {
			n = c.dups
		}
		f.mu.Unlock()
		if n == 63 {
			break
		}
	}
	close(release)
	wg.Wait()
	close(results)
	for v := range results {
		if v != 42 {
			t.Errorf("got %d", v)
		}
	}
	if calls.Load() != 1 || shared.Load() != 63 {
		t.Errorf("calls %d, waiters %d", calls.Load(), shared.Load())
	}
}

func TestHeaderEncoding(t *testing.T) {
	h := http.Header{"B": {"2", "3"}, "A": {"x: y"}, "Empty": {""}}
	got := decodeHeader(string((&Cache{}).encodeHeader(h)))
	if len(got) != 3 || got.Get("A") != "x: y" || len(got["B"]) != 2 || got["B"][1] != "3" || got["Empty"][0] != "" {
		t.Errorf("round trip: %v", got)
	}
}
