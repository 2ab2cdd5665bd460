package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLogFields(t *testing.T) {
	line := `time=2026-11-28T18:05:35.749Z level=INFO msg=request request_id="LdPAyLS-Qa==" service=cloudfront-edge ` +
		`distribution=EYR5B7SR9B1IZJ host=d1.cloudfront.localhost method=GET path=/obj-1k status=200 error="" ` +
		`origin_request_id=325C2AAF1C9EA589 origin_access="no OAC or OAI: anonymous" bytes=1024 duration=234.811µs`
	f := logFields(line)
	for k, want := range map[string]string{
		"service": "cloudfront-edge", "path": "/obj-1k", "origin_request_id": "325C2AAF1C9EA589",
		"origin_access": "no OAC or OAI: anonymous", "error": "", "request_id": "LdPAyLS-Qa==", "bytes": "1024",
	} {
		if f[k] != want {
			t.Errorf("%s = %q, want %q", k, f[k], want)
		}
	}
}

func TestEdgeFetches(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	lines := []string{
		`level=INFO msg=request service=cloudfront-edge path=/k status=200 origin_request_id=A`,
		`level=INFO msg=request service=cloudfront-edge path=/k status=200 origin_request_id=A`,  // coalesced
		`level=INFO msg=request service=cloudfront-edge path=/k status=200 origin_request_id=""`, // hit
		`level=INFO msg=request service=cloudfront-edge path=/k status=200 origin_request_id=B`,
		`level=INFO msg=request service=cloudfront-edge path=/other status=200 origin_request_id=C`,
		`level=INFO msg=request service=s3 path=/bench/k status=200`,
	}
	if err := os.WriteFile(log, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if rc := runMain([]string{"edgefetches", "-log", log, "-path", "/k"}, &out, &errb); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	if got := strings.TrimSpace(out.String()); got != "viewer_requests=4 origin_fetches=2" {
		t.Errorf("got %q", got)
	}
}

func TestCacheStatus(t *testing.T) {
	for _, c := range []struct {
		h    http.Header
		want string
	}{
		{http.Header{"X-Cache": {"Hit from cloudfront"}}, "hit"},
		{http.Header{"X-Cache": {"RefreshHit from cloudfront"}}, "hit"},
		{http.Header{"X-Cache": {"Miss from cloudfront"}}, "miss"},
		{http.Header{"X-Cache-Status": {"HIT"}}, "hit"},
		{http.Header{"X-Cache-Status": {"MISS"}}, "miss"},
		{http.Header{"X-Varnish": {"32773 32771"}}, "hit"},
		{http.Header{"X-Varnish": {"2"}}, "miss"},
		{http.Header{}, "none"},
	} {
		if got := cacheStatus(c.h); got != c.want {
			t.Errorf("%v: %s, want %s", c.h, got, c.want)
		}
	}
}

func TestReport(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "results.txt")
	cold := filepath.Join(dir, "cold.txt")
	var b strings.Builder
	for _, r := range []string{"1", "2", "3"} {
		for _, s := range []struct {
			name string
			reqs string
		}{{"edgegate", "900000"}, {"nginx", "1000000"}, {"varnish", "500000"}} {
			b.WriteString("phase=hit round=" + r + " size=1k server=" + s.name + " conns=64 duration=10s requests=" + s.reqs +
				" duration_us=10000000 bytes=" + s.reqs + "000000 p50_us=500 p99_us=2000 err_connect=0 err_read=0" +
				" err_write=0 err_timeout=0 err_status=0 srv_ticks=100 wrk_ticks=50 busy_ticks=160 wall_us=10000000 clk_tck=100\n")
		}
	}
	b.WriteString("phase=hit round=4 size=1k server=nginx requests=10 duration_us=10000000 bytes=10 p99_us=1 err_status=3\n")
	b.WriteString("phase=probe size=1k server=edgegate cache=hit\n")
	b.WriteString("phase=coalesce server=edgegate requests=64 ok=64 hits=63 origin_fetches=1 counted_by=log\n")
	b.WriteString("phase=mem server=edgegate objects=1000 bytes=1500000 cached=hit counted_by=heap\n")
	if err := os.WriteFile(results, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cold, []byte("origin 1 100 1 0\norigin 1 110 1 0\nedgegate 1 150 1 0\nedgegate 1 160 1 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	rc := runMain([]string{"report", "-results", results, "-cold", cold}, &out, &errb)
	if rc != 3 { // 1k < 1.0x nginx, and a flagged run
		t.Errorf("rc %d, want 3; stderr %s", rc, errb.String())
	}
	s := out.String()
	for _, want := range []string{
		"1k    0.90x", "1.80x", // ratios vs nginx, varnish
		"1k hits >= 1.0x nginx req/s", "MISSED", "PASS",
		"cold miss adds <= 100 us at p50", "50 us",
		"round 4 1k nginx: err_status=3",
		"1500 bytes",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q:\n%s", want, s)
		}
	}
}
