package server_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/testenv"
)

// BenchmarkEdgeHit measures a 1 KiB cache hit through the server's front
// door (routing by Host, the edge, the cache), without the network: the
// CPU and allocations edgegate itself spends on a hit when the writer is
// net/http's kind (a header map; httptest's recorder here). The wire-level
// comparison with nginx and Varnish is bench/edge/compare.sh.
func BenchmarkEdgeHit(b *testing.B) {
	env := testenv.Start(b, testenv.Options{})
	h := newEdgeHarness(b, env)
	d := h.oacDist("bench-hit", map[string]string{"k": strings.Repeat("x", 1024)}, nil)
	req := httptest.NewRequest(http.MethodGet, "http://"+d.domain+"/k", nil)
	req.Host = d.domain
	w := httptest.NewRecorder()
	env.Server.ServeHTTP(w, req) // the miss that fills the cache
	if w.Code != 200 || w.Header().Get("X-Cache") != "Miss from cloudfront" {
		b.Fatalf("fill: %d %q", w.Code, w.Header().Get("X-Cache"))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := httptest.NewRecorder()
		env.Server.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("hit: %d", w.Code)
		}
	}
}

// BenchmarkEdgeHitWire measures 1 KiB cache hits over a real keep-alive
// TCP connection to the plain listener (internal/h1 and the edge), 16
// requests pipelined at a time: the server's whole cost of a hit, the
// syscalls shared by 16, and the client's reading. Allocations are the
// process's (client included).
func BenchmarkEdgeHitWire(b *testing.B) {
	env := testenv.Start(b, testenv.Options{})
	h := newEdgeHarness(b, env)
	d := h.oacDist("bench-wire", map[string]string{"k": strings.Repeat("x", 1024)}, nil)
	c, err := net.Dial("tcp", env.Addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	const depth = 16
	one := "GET /k HTTP/1.1\r\nHost: " + d.domain + "\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n"
	batch := []byte(strings.Repeat(one, depth))
	br := bufio.NewReaderSize(c, 64<<10)
	body := make([]byte, 1024)
	read := func() {
		status, err := br.ReadSlice('\n')
		if err != nil || !strings.HasPrefix(string(status), "HTTP/1.1 200 ") {
			b.Fatalf("status %q %v", status, err)
		}
		n := -1
		for {
			l, err := br.ReadSlice('\n')
			if err != nil {
				b.Fatal(err)
			}
			if len(l) == 2 {
				break
			}
			if v, ok := strings.CutPrefix(string(l), "Content-Length: "); ok {
				n, _ = strconv.Atoi(strings.TrimSpace(v))
			}
		}
		if n != 1024 {
			b.Fatalf("Content-Length %d", n)
		}
		if _, err := io.ReadFull(br, body); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := c.Write([]byte(one)); err != nil { // the miss
		b.Fatal(err)
	}
	read()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += depth {
		if _, err := c.Write(batch); err != nil {
			b.Fatal(err)
		}
		for range depth {
			read()
		}
	}
}
