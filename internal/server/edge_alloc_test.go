package server_test

import (
	"bufio"
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/testenv"
)

// hitClient sends one request head over a keep-alive connection and
// reads its response without allocating, so that testing.AllocsPerRun
// counts the server's allocations only.
type hitClient struct {
	t    testing.TB
	c    net.Conn
	br   *bufio.Reader
	head []byte
}

func newHitClient(t testing.TB, addr, host, path string) *hitClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	head := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: alloc-test\r\nAccept: */*\r\n\r\n"
	return &hitClient{t: t, c: c, br: bufio.NewReaderSize(c, 64<<10), head: []byte(head)}
}

var (
	status200     = []byte("HTTP/1.1 200 ")
	contentLength = []byte("Content-Length: ")
	xCacheHit     = []byte("X-Cache: Hit from cloudfront\r\n")
)

// do makes one request; it returns the body length and whether the
// response was an X-Cache hit.
func (h *hitClient) do() (n int, hit bool) {
	if _, err := h.c.Write(h.head); err != nil {
		h.t.Fatal(err)
	}
	status, err := h.br.ReadSlice('\n')
	if err != nil || !bytes.HasPrefix(status, status200) {
		h.t.Fatalf("status %q %v", status, err)
	}
	n = -1
	for {
		l, err := h.br.ReadSlice('\n')
		if err != nil {
			h.t.Fatal(err)
		}
		if len(l) == 2 {
			break
		}
		if bytes.Equal(l, xCacheHit) {
			hit = true
		}
		if v, ok := bytes.CutPrefix(l, contentLength); ok {
			n = 0
			for _, d := range bytes.TrimSpace(v) {
				n = n*10 + int(d-'0')
			}
		}
	}
	if _, err := h.br.Discard(n); err != nil {
		h.t.Fatal(err)
	}
	return n, hit
}

// hitAllocBudget is what a 1 KiB cache hit through internal/h1 may
// allocate in steady state: nothing (request parsing, the cache lookup,
// the X-Amz-Cf-Id, the response, metrics); see docs/decisions.md, "Edge
// hits, part 4".
const hitAllocBudget = 0

// TestEdgeHitAllocations fails when a cache hit served through h1
// allocates more than hitAllocBudget times: with the defaults (metrics
// and access-log mapping on, no real-time log configured) and with the
// CLI's per-request log line off. The client reuses one connection and
// does not allocate itself.
func TestEdgeHitAllocations(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	d := h.oacDist("alloc-hit", map[string]string{"k": strings.Repeat("x", 1024)}, nil)
	c := newHitClient(t, env.Addr, d.domain, "/k")
	c.do()         // the miss that fills the cache
	for range 50 { // warm pools and buffers
		if n, hit := c.do(); n != 1024 || !hit {
			t.Fatalf("warm-up: %d bytes, hit %v", n, hit)
		}
	}
	allocs := testing.AllocsPerRun(500, func() {
		if n, hit := c.do(); n != 1024 || !hit {
			t.Fatalf("%d bytes, hit %v", n, hit)
		}
	})
	// AllocsPerRun counts the whole process; a background goroutine
	// waking during the run adds a fraction, never a whole allocation
	// per request.
	if allocs > hitAllocBudget+0.5 {
		t.Errorf("a cache hit allocates %.2f times, budget %d", allocs, hitAllocBudget)
	}
	t.Logf("allocations per hit: %.2f", allocs)
}

// BenchmarkEdgeHitH1 measures 1 KiB cache hits through internal/h1, one
// request at a time on a keep-alive connection, with a client that does
// not allocate: B/op and allocs/op are the server's own.
func BenchmarkEdgeHitH1(b *testing.B) {
	env := testenv.Start(b, testenv.Options{})
	h := newEdgeHarness(b, env)
	d := h.oacDist("bench-h1", map[string]string{"k": strings.Repeat("x", 1024)}, nil)
	c := newHitClient(b, env.Addr, d.domain, "/k")
	c.do() // the miss
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n, hit := c.do(); n != 1024 || !hit {
			b.Fatalf("%d bytes, hit %v", n, hit)
		}
	}
}
