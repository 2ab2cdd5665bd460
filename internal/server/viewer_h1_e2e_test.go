package server_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/testenv"
)

// TestPlainListenerOneConnection drives one keep-alive connection to the
// plain listener through everything a viewer connection meets: a miss and
// hits (served by internal/h1), HEAD, Range, a conditional GET, a body
// request to the edge host and an S3 API request (both handed to
// net/http, which keeps the connection), then hits again (now through
// net/http). The hits before and after the hand-off must carry the same
// headers: both paths build one response.
func TestPlainListenerOneConnection(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	body := strings.Repeat("0123456789", 100)
	d := h.oacDist("h1-conn", map[string]string{"k": body}, nil)

	c, err := net.Dial("tcp", env.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	edge := func(method, target string, extra ...string) string {
		s := method + " " + target + " HTTP/1.1\r\nHost: " + d.domain + "\r\nUser-Agent: h1-test\r\n"
		for _, e := range extra {
			s += e + "\r\n"
		}
		return s + "\r\n"
	}
	type step struct {
		name, raw, method string
		status            int
		xcache, body      string
		check             func(t *testing.T, r *http.Response, body string)
	}
	var etag string
	var hitH1, hitNetHTTP http.Header
	steps := []step{
		{"miss", edge("GET", "/k"), "GET", 200, "Miss from cloudfront", body, func(t *testing.T, r *http.Response, _ string) {
			etag = r.Header.Get("ETag")
		}},
		{"hit", edge("GET", "/k"), "GET", 200, "Hit from cloudfront", body, func(t *testing.T, r *http.Response, _ string) {
			hitH1 = r.Header
		}},
		{"HEAD hit", edge("HEAD", "/k"), "HEAD", 200, "Hit from cloudfront", "", func(t *testing.T, r *http.Response, _ string) {
			if r.ContentLength != int64(len(body)) {
				t.Errorf("HEAD Content-Length %d", r.ContentLength)
			}
		}},
		{"Range hit", edge("GET", "/k", "Range: bytes=10-19"), "GET", 206, "Hit from cloudfront", "0123456789",
			func(t *testing.T, r *http.Response, _ string) {
				if cr := r.Header.Get("Content-Range"); cr != "bytes 10-19/1000" {
					t.Errorf("Content-Range %q", cr)
				}
			}},
		{"unsatisfiable Range", edge("GET", "/k", "Range: bytes=5000-"), "GET", 416, "Error from cloudfront", "", nil},
		{"conditional hit", "", "GET", 304, "Hit from cloudfront", "", func(t *testing.T, r *http.Response, _ string) {
			if r.Header.Get("Content-Length") != "" || r.Header.Get("Content-Type") != "" {
				t.Errorf("304 with representation headers: %v", r.Header)
			}
		}},
		{"body to the edge host goes to net/http", "PUT /k HTTP/1.1\r\nHost: " + d.domain + "\r\nContent-Length: 3\r\n\r\nabc",
			"PUT", 403, "Error from cloudfront", "", nil},
		{"S3 API on the same connection", "GET /h1-conn/k HTTP/1.1\r\nHost: " + env.Addr + "\r\n\r\n", "GET", 403, "", "",
			func(t *testing.T, r *http.Response, b string) {
				if r.Header.Get("X-Amz-Request-Id") == "" || !strings.Contains(b, "<Code>AccessDenied</Code>") {
					t.Errorf("S3's answer: %v %q", r.Header, b)
				}
			}},
		{"hit after the hand-off", edge("GET", "/k"), "GET", 200, "Hit from cloudfront", body, func(t *testing.T, r *http.Response, _ string) {
			hitNetHTTP = r.Header
		}},
	}
	for i := range steps {
		s := &steps[i]
		raw := s.raw
		if s.name == "conditional hit" {
			raw = edge("GET", "/k", "If-None-Match: "+etag)
		}
		if _, err := io.WriteString(c, raw); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		r, err := http.ReadResponse(br, &http.Request{Method: s.method})
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatalf("%s: body: %v", s.name, err)
		}
		if r.StatusCode != s.status || r.Header.Get("X-Cache") != s.xcache || s.body != "" && string(b) != s.body {
			t.Errorf("%s: %d %q %.60q", s.name, r.StatusCode, r.Header.Get("X-Cache"), b)
		}
		if s.check != nil {
			s.check(t, r, string(b))
		}
	}
	// The same hit, by h1 and by net/http: the same headers, bar the
	// per-request ones.
	names := func(h http.Header) []string {
		var out []string
		for k, v := range h {
			switch k {
			case "Date", "X-Amz-Cf-Id", "Age":
				continue
			}
			out = append(out, k+": "+strings.Join(v, ","))
		}
		slices.Sort(out)
		return out
	}
	if a, b := names(hitH1), names(hitNetHTTP); !slices.Equal(a, b) {
		t.Errorf("hit headers differ:\nh1:       %q\nnet/http: %q", a, b)
	}
}
