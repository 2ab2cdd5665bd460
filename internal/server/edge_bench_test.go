package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/testenv"
)

// BenchmarkEdgeHit measures a 1 KiB cache hit through the server's front
// door (routing by Host, the edge, the cache), without the network: the
// CPU and allocations edgegate itself spends on a hit. The wire-level
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
