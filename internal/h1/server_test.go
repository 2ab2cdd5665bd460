package h1

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testServer is an h1.Server for host "edge.test" in front of a net/http
// server; both answer with who served the request.
type testServer struct {
	s    *Server
	http *http.Server
	addr string
	done chan error
}

func startTest(t *testing.T, edge http.HandlerFunc, opts ...func(*Server)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fallback := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Served-By", "net/http")
			fmt.Fprintf(w, "%s %s %s body=%q", r.Method, r.Host, r.URL.RequestURI(), body)
		}),
		ReadHeaderTimeout: 2 * time.Second,
		MaxHeaderBytes:    1 << 10,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	s := &Server{
		Handler: edge,
		Take: func(host, path string) bool {
			h, _, _ := strings.Cut(host, ":")
			return strings.EqualFold(h, "edge.test") && !strings.HasPrefix(path, "/_own/")
		},
		Fallback:          fallback,
		ReadHeaderTimeout: 2 * time.Second,
		IdleTimeout:       5 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	for _, o := range opts {
		o(s)
	}
	ts := &testServer{s: s, http: fallback, addr: ln.Addr().String(), done: make(chan error, 2)}
	go func() { ts.done <- s.Serve(ln) }()
	go func() { ts.done <- fallback.Serve(s.Listener()) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("h1 shutdown: %v", err)
		}
		if err := fallback.Shutdown(ctx); err != nil {
			t.Errorf("net/http shutdown: %v", err)
		}
		for range 2 {
			if err := <-ts.done; !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("serve returned %v", err)
			}
		}
	})
	return ts
}

// echo answers every request with who served it and what it asked.
func echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Served-By", "h1")
	w.Header().Set("Content-Type", "text/plain")
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Length", "11")
		return
	}
	fmt.Fprintf(w, "%s %s %s ua=%q", r.Method, r.Host, r.URL.RequestURI(), r.Header.Get("User-Agent"))
}

// exchange writes raw to a new connection and reads n responses (to the
// requests' methods, for HEAD) off it.
func exchange(t *testing.T, addr, raw string, methods ...string) ([]*http.Response, []string, *bufio.Reader, net.Conn) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var resps []*http.Response
	var bodies []string
	for _, m := range methods {
		resp, err := http.ReadResponse(br, &http.Request{Method: m})
		if err != nil {
			t.Fatalf("reading response %d: %v", len(resps)+1, err)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("reading body %d: %v", len(resps)+1, err)
		}
		resps = append(resps, resp)
		bodies = append(bodies, string(b))
	}
	return resps, bodies, br, c
}

func req(method, host, target string, extra ...string) string {
	s := method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n"
	for _, h := range extra {
		s += h + "\r\n"
	}
	return s + "\r\n"
}

func TestServeAndHandOff(t *testing.T) {
	ts := startTest(t, echo)
	for _, tc := range []struct {
		name    string
		raw     string
		methods []string
		by      []string // X-Served-By of each response
		status  []int
		bodies  []string // "" not checked
	}{
		{"one GET", req("GET", "edge.test", "/a?x=1", "User-Agent: t"), []string{"GET"},
			[]string{"h1"}, []int{200}, []string{`GET edge.test /a?x=1 ua="t"`}},
		{"keep-alive and pipelining in order",
			req("GET", "edge.test", "/1") + req("GET", "edge.test", "/2") + req("GET", "edge.test:80", "/3"),
			[]string{"GET", "GET", "GET"}, []string{"h1", "h1", "h1"}, []int{200, 200, 200},
			[]string{`GET edge.test /1 ua=""`, `GET edge.test /2 ua=""`, `GET edge.test:80 /3 ua=""`}},
		{"another host hands off, and the connection stays net/http's",
			req("GET", "edge.test", "/1") + req("GET", "s3.test", "/bucket/key") + req("GET", "edge.test", "/3"),
			[]string{"GET", "GET", "GET"}, []string{"h1", "net/http", "net/http"}, []int{200, 200, 200},
			[]string{"", `GET s3.test /bucket/key body=""`, `GET edge.test /3 body=""`}},
		{"a body hands off with the body intact",
			req("GET", "edge.test", "/1") + "POST /up HTTP/1.1\r\nHost: edge.test\r\nContent-Length: 5\r\n\r\nhello",
			[]string{"GET", "POST"}, []string{"h1", "net/http"}, []int{200, 200},
			[]string{"", `POST edge.test /up body="hello"`}},
		{"chunked body hands off",
			"PUT /c HTTP/1.1\r\nHost: edge.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
			[]string{"PUT"}, []string{"net/http"}, []int{200}, []string{`PUT edge.test /c body="abc"`}},
		{"Content-Length 0 stays", req("GET", "edge.test", "/z", "Content-Length: 0"), []string{"GET"},
			[]string{"h1"}, []int{200}, nil},
		{"Expect hands off", req("GET", "edge.test", "/e", "Expect: 100-continue", "Content-Length: 0"), []string{"GET"},
			[]string{"net/http"}, []int{200}, nil},
		{"Upgrade hands off", req("GET", "edge.test", "/ws", "Connection: Upgrade", "Upgrade: websocket"), []string{"GET"},
			[]string{"net/http"}, []int{200}, nil},
		{"own paths hand off", req("GET", "edge.test", "/_own/health"), []string{"GET"},
			[]string{"net/http"}, []int{200}, nil},
		{"HTTP/1.0 hands off", "GET /old HTTP/1.0\r\nHost: edge.test\r\n\r\n", []string{"GET"},
			[]string{"net/http"}, []int{200}, nil},
		{"absolute-form hands off", "GET http://edge.test/abs HTTP/1.1\r\nHost: edge.test\r\n\r\n", []string{"GET"},
			[]string{"net/http"}, []int{200}, nil},
		{"no Host: net/http's 400", "GET / HTTP/1.1\r\n\r\n", []string{"GET"}, []string{""}, []int{400}, nil},
		{"two Hosts: net/http's 400", "GET / HTTP/1.1\r\nHost: edge.test\r\nHost: edge.test\r\n\r\n", []string{"GET"},
			[]string{""}, []int{400}, nil},
		{"malformed request line: 400", "GARBAGE\r\n\r\n", []string{"GET"}, []string{""}, []int{400}, nil},
		{"malformed after a hit: 400", req("GET", "edge.test", "/1") + "GET  / HTTP/1.1 x\r\nHost: edge.test\r\n\r\n",
			[]string{"GET", "GET"}, []string{"h1", ""}, []int{200, 400}, nil},
		{"invalid header name: 400", "GET / HTTP/1.1\r\nHost: edge.test\r\nBad Name: x\r\n\r\n", []string{"GET"},
			[]string{""}, []int{400}, nil},
		{"control character in a value: 400", "GET / HTTP/1.1\r\nHost: edge.test\r\nX: a\x01b\r\n\r\n", []string{"GET"},
			[]string{""}, []int{400}, nil},
		{"obs-fold goes to net/http", "GET / HTTP/1.1\r\nHost: edge.test\r\nX: a\r\n b\r\n\r\n", []string{"GET"},
			[]string{"net/http"}, []int{200}, nil},
		{"bare LF lines go to net/http", "GET /lf HTTP/1.1\nHost: edge.test\n\n", []string{"GET"},
			[]string{"net/http"}, []int{200}, nil},
		{"huge header: 431", req("GET", "edge.test", "/big", "X-Big: "+strings.Repeat("a", 12<<10)), []string{"GET"},
			[]string{""}, []int{431}, nil},
		{"escaped path", req("GET", "edge.test", "/a%20b/%3F?q=%2F"), []string{"GET"},
			[]string{"h1"}, []int{200}, []string{`GET edge.test /a%20b/%3F?q=%2F ua=""`}},
		{"HEAD", req("HEAD", "edge.test", "/h"), []string{"HEAD"}, []string{"h1"}, []int{200}, []string{""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resps, bodies, _, _ := exchange(t, ts.addr, tc.raw, tc.methods...)
			for i, resp := range resps {
				if resp.StatusCode != tc.status[i] {
					t.Errorf("response %d: status %d, want %d (%q)", i+1, resp.StatusCode, tc.status[i], bodies[i])
				}
				if got := resp.Header.Get("X-Served-By"); got != tc.by[i] {
					t.Errorf("response %d served by %q, want %q", i+1, got, tc.by[i])
				}
				if i < len(tc.bodies) && tc.bodies[i] != "" && bodies[i] != tc.bodies[i] {
					t.Errorf("response %d body %q, want %q", i+1, bodies[i], tc.bodies[i])
				}
				if tc.by[i] == "h1" && resp.Header.Get("Date") == "" {
					t.Errorf("response %d has no Date", i+1)
				}
			}
		})
	}
}

func TestHEADKeepsContentLength(t *testing.T) {
	ts := startTest(t, echo)
	resps, bodies, _, _ := exchange(t, ts.addr, req("HEAD", "edge.test", "/h")+req("GET", "edge.test", "/g"), "HEAD", "GET")
	if resps[0].ContentLength != 11 || bodies[0] != "" {
		t.Errorf("HEAD: Content-Length %d body %q", resps[0].ContentLength, bodies[0])
	}
	if bodies[1] != `GET edge.test /g ua=""` {
		t.Errorf("GET after HEAD: %q (a HEAD body was sent?)", bodies[1])
	}
}

func TestConnectionClose(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		header  string
	}{
		{"viewer asks", echo, "Connection: close"},
		{"handler asks", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			echo(w, r)
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startTest(t, tc.handler)
			var extra []string
			if tc.header != "" {
				extra = append(extra, tc.header)
			}
			resps, _, br, _ := exchange(t, ts.addr, req("GET", "edge.test", "/1", extra...)+req("GET", "edge.test", "/2"), "GET")
			if !resps[0].Close {
				t.Errorf("response lacks Connection: close: %v", resps[0].Header)
			}
			if b, err := br.ReadByte(); err != io.EOF {
				t.Errorf("after Connection: close read %q, %v; want EOF", b, err)
			}
		})
	}
}

func TestFraming(t *testing.T) {
	big := strings.Repeat("z", 3*smallBody)
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		method  string
		status  int
		cl      int64 // -1: none
		chunked bool
		body    string
		noType  bool
	}{
		{"small body gets Content-Length", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hi")
		}, "GET", 200, 2, false, "hi", false},
		{"large body without length is chunked", func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < len(big); i += 1000 {
				io.WriteString(w, big[i:min(i+1000, len(big))])
			}
		}, "GET", 200, -1, true, big, false},
		{"declared length", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			io.WriteString(w, big)
		}, "GET", 200, int64(len(big)), false, big, false},
		{"304 has no body and no length or type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Etag", `"x"`)
			w.WriteHeader(http.StatusNotModified)
		}, "GET", 304, -1, false, "", true},
		{"204", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}, "GET", 204, -1, false, "", true},
		{"empty 200", func(w http.ResponseWriter, r *http.Request) {}, "GET", 200, 0, false, "", true},
		{"flush goes chunked", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			io.WriteString(w, "b")
		}, "GET", 200, -1, true, "ab", false},
		{"raw header", func(w http.ResponseWriter, r *http.Request) {
			w.(RawHeaderWriter).WriteRawHeader(200, 5, []byte("Content-Type: text/x\r\nEtag: \"e\"\r\n"), []byte("X-Cache: Hit\r\n"))
			io.WriteString(w, "hello")
		}, "GET", 200, 5, false, "hello", false},
		{"raw header HEAD", func(w http.ResponseWriter, r *http.Request) {
			w.(RawHeaderWriter).WriteRawHeader(200, 5, []byte("Content-Type: text/x\r\n"), nil)
		}, "HEAD", 200, 5, false, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startTest(t, tc.handler)
			// Each request is followed by a second one: the framing must
			// leave the connection usable.
			resps, bodies, _, _ := exchange(t, ts.addr, req(tc.method, "edge.test", "/1")+req(tc.method, "edge.test", "/2"), tc.method, tc.method)
			for i, resp := range resps {
				if resp.StatusCode != tc.status || bodies[i] != tc.body {
					t.Errorf("response %d: %d %q", i+1, resp.StatusCode, bodies[i])
				}
				if got := resp.Header.Get("Content-Length"); tc.cl < 0 && got != "" || tc.cl >= 0 && got != strconv.FormatInt(tc.cl, 10) {
					t.Errorf("response %d: Content-Length %q, want %d", i+1, got, tc.cl)
				}
				if chunked := len(resp.TransferEncoding) > 0; chunked != tc.chunked {
					t.Errorf("response %d: chunked %v", i+1, chunked)
				}
				if ct := resp.Header.Get("Content-Type"); tc.noType != (ct == "") {
					t.Errorf("response %d: Content-Type %q", i+1, ct)
				}
			}
		})
	}
}

func TestSendfileBody(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	data := strings.Repeat("0123456789", 100_000)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	ts := startTest(t, func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(path)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(data)-10))
		_, _ = f.Seek(10, io.SeekStart)
		_, _ = io.CopyN(w, f, int64(len(data)-10))
	})
	resps, bodies, _, _ := exchange(t, ts.addr, req("GET", "edge.test", "/1")+req("GET", "edge.test", "/2"), "GET", "GET")
	for i := range resps {
		if bodies[i] != data[10:] {
			t.Errorf("response %d: %d bytes, want %d", i+1, len(bodies[i]), len(data)-10)
		}
	}
}

func TestReadHeaderTimeout(t *testing.T) {
	ts := startTest(t, echo, func(s *Server) { s.ReadHeaderTimeout = 200 * time.Millisecond })
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: edge.test\r\n") // never finished
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if n, err := c.Read(make([]byte, 1)); err == nil || n != 0 {
		t.Fatalf("stalled client got %d bytes, %v", n, err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("disconnected after %v", d)
	}
}

func TestIdleTimeout(t *testing.T) {
	ts := startTest(t, echo, func(s *Server) { s.IdleTimeout = 200 * time.Millisecond })
	_, _, br, _ := exchange(t, ts.addr, req("GET", "edge.test", "/1"), "GET")
	start := time.Now()
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("idle connection: %v, want EOF", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("closed after %v", d)
	}
}

func TestPanicClosesConnection(t *testing.T) {
	ts := startTest(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		echo(w, r)
	})
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, req("GET", "edge.test", "/panic"))
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); err == nil || n != 0 {
		t.Errorf("after a panic: %d bytes, %v", n, err)
	}
	// The server still serves.
	resps, _, _, _ := exchange(t, ts.addr, req("GET", "edge.test", "/ok"), "GET")
	if resps[0].StatusCode != 200 {
		t.Errorf("after a panic: %d", resps[0].StatusCode)
	}
}

func TestShutdownDrains(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	ts := startTest(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			started <- struct{}{}
			<-release
		}
		echo(w, r)
	})
	// An idle connection, one opened and never used (a preconnect), and
	// one in the middle of a request.
	_, _, idleBR, _ := exchange(t, ts.addr, req("GET", "edge.test", "/1"), "GET")
	unused, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer unused.Close()
	c, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, req("GET", "edge.test", "/slow"))
	<-started
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut <- ts.s.Shutdown(ctx)
	}()
	if _, err := idleBR.ReadByte(); err != io.EOF {
		t.Errorf("idle connection during shutdown: %v, want EOF", err)
	}
	_ = unused.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := unused.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("unused connection during shutdown: %v, want EOF", err)
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v before the request finished", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 || !resp.Close {
		t.Fatalf("in-flight request: %v %v", resp, err)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if _, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		t.Errorf("still accepting after Shutdown")
	}
}

func TestParseTarget(t *testing.T) {
	for _, target := range []string{"/", "/a/b.png", "/a?b=c&d", "/a?", "/%41", "/a%2Fb", "/a b", "/x?y=%zz", "/a!b", "/a#b", "/é", "//double"} {
		var u url.URL
		ok := parseTarget(&u, target)
		want, err := url.ParseRequestURI(target)
		if ok != (err == nil) {
			t.Errorf("%q: ok %v, url.ParseRequestURI err %v", target, ok, err)
			continue
		}
		if ok && u != *want {
			t.Errorf("%q: %#v, want %#v", target, u, *want)
		}
	}
}

// TestSendfileUsed checks that a file body after WriteRawHeader goes out
// through the connection's ReadFrom with the *os.File itself (sendfile),
// not through a copy: counted by a listener whose connections record it.
func TestSendfileUsed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	data := strings.Repeat("x", 300_000)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	var files []bool
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, _ := os.Open(path)
		defer f.Close()
		w.(RawHeaderWriter).WriteRawHeader(200, int64(len(data)), []byte("Content-Type: a/b\r\n"), nil)
		_, _ = io.CopyN(w, f, int64(len(data))) // wraps f in a LimitedReader
	})}
	client, server := net.Pipe()
	rc := &readFromConn{Conn: server, files: &files}
	c := s.newConn(rc)
	s.init()
	go c.serve()
	go io.WriteString(client, req("GET", "edge.test", "/f"))
	resp, err := http.ReadResponse(bufio.NewReader(client), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, int64(len(data))))
	client.Close()
	if string(b) != data {
		t.Errorf("body: %d bytes", len(b))
	}
	if len(files) != 1 || !files[0] {
		t.Errorf("ReadFrom calls with a file: %v", files)
	}
}

// readFromConn records what its ReadFrom is given: true for a
// LimitedReader around an *os.File (what sendfile takes).
type readFromConn struct {
	net.Conn
	files *[]bool
}

func (c *readFromConn) ReadFrom(r io.Reader) (int64, error) {
	lr, ok := r.(*io.LimitedReader)
	isFile := false
	if ok {
		_, isFile = lr.R.(*os.File)
	}
	*c.files = append(*c.files, isFile)
	return io.Copy(c.Conn, r)
}

// TestSameRequestAsNetHTTP sends the same requests to a server that
// takes them and to one that hands everything to net/http, and compares
// what the handler sees.
func TestSameRequestAsNetHTTP(t *testing.T) {
	describe := func(w http.ResponseWriter, r *http.Request) {
		var keys []string
		for k, v := range r.Header {
			keys = append(keys, fmt.Sprintf("%s=%q", k, v))
		}
		slices.Sort(keys)
		fmt.Fprintf(w, "%s %q %q %q %q %q %s %d %v %v %q %v", r.Method, r.Host, r.RequestURI, r.URL.Path, r.URL.RawPath,
			r.URL.RawQuery, r.Proto, r.ContentLength, r.Close, r.TLS != nil, keys, r.URL.ForceQuery)
		if _, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); !ok {
			fmt.Fprint(w, " no-local-addr")
		}
	}
	h1srv := startTest(t, describe, func(s *Server) {
		s.Fallback.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("handed off: %s %s", r.Method, r.URL)
		})
	})
	plain := startTest(t, describe, func(s *Server) {
		s.Take = func(string, string) bool { return false }
		s.Fallback.Handler = http.HandlerFunc(describe)
	})
	for _, raw := range []string{
		req("GET", "edge.test", "/a/b.png"),
		req("GET", "EDGE.test:8080", "/a%20b/c%2Fd?x=1&y=%20", "User-Agent: ua", "Accept: */*"),
		req("HEAD", "edge.test", "/h?"),
		req("GET", "edge.test", "/p", "Pragma: no-cache"),
		req("GET", "edge.test", "/p", "Pragma: no-cache", "Cache-Control: max-age=1"),
		req("GET", "edge.test", "/c", "Cookie: a=1", "Cookie: b=2", "x-lower-case: v", "X-Spaces:   padded   "),
		req("OPTIONS", "edge.test", "/o", "Origin: https://x", "Access-Control-Request-Method: GET"),
		req("GET", "edge.test", "/close", "Connection: close"),
		req("DELETE", "edge.test", "/d", "Content-Length: 0"),
		req("GET", "edge.test", "/a!b'c(d)*e#f"),
	} {
		method, _, _ := strings.Cut(raw, " ")
		_, a, _, _ := exchange(t, h1srv.addr, raw, method)
		_, b, _, _ := exchange(t, plain.addr, raw, method)
		if method == "HEAD" {
			continue // no body to compare
		}
		if a[0] != b[0] {
			t.Errorf("%q:\nh1:       %s\nnet/http: %s", raw, a[0], b[0])
		}
	}
}
