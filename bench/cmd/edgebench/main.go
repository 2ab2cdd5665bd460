// Command edgebench is the Go half of bench/edge/compare.sh, the edge cache
// benchmark of edgegate beside nginx proxy_cache and Varnish.
//
// Subcommands:
//
//	edgebench freeport
//	    print a free TCP port on 127.0.0.1
//	edgebench put -endpoint URL -prefix P -n N -size S
//	    put N objects PREFIX00000.. of S bytes each (Cache-Control
//	    max-age=86400) with the real aws-sdk-go-v2 S3 client, 16 at a time
//	edgebench get -url URL [-host H] -size S
//	    one GET; prints status, size and whether a cache served it; exit 1
//	    unless it is a 200 with S bytes
//	edgebench coldmiss -url BASE [-host H] -prefix P -from I -to J -size S
//	    -target NAME -round R [-out FILE]
//	    sequential GETs of BASE+P+%05d for I <= n < J over one keep-alive
//	    connection, each key fetched once; appends one line per request
//	    ("TARGET ROUND LATENCY_US OK HIT") to FILE (none: warm-up)
//	edgebench burst -url URL [-host H] -n 64 -size S
//	    N GETs of one URL on N connections dialled beforehand and released
//	    at once
//	edgebench edgefetches -log FILE -path P
//	    count origin fetches in edgegate's request log (--log-requests):
//	    distinct non-empty origin_request_id of service=cloudfront-edge
//	    lines for path P
//	edgebench heap -url http://PPROF
//	    the Go heap in use after a GC (HeapAlloc of /debug/pprof/heap)
//	edgebench metric -url http://127.0.0.1:PORT -name NAME [-label K=V]
//	    the sum of a Prometheus series of /_edgegate/metrics over its
//	    labels (or those with label K=V); prints nothing, exit 0, when the
//	    server has no such endpoint (edgegate before metrics) or no such
//	    series (-zero: prints 0 for a series not yet written)
//	edgebench report -results FILE -cold FILE
//	    print the report of a run
//
// Everything it talks to must be on the loopback interface.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: edgebench freeport|put|get|coldmiss|burst|edgefetches|heap|report [flags]")
		return 2
	}
	var err error
	switch args[0] {
	case "freeport":
		err = cmdFreeport(stdout)
	case "put":
		err = cmdPut(args[1:], stdout, stderr)
	case "get":
		err = cmdGet(args[1:], stdout, stderr)
	case "coldmiss":
		err = cmdColdmiss(args[1:], stdout, stderr)
	case "burst":
		err = cmdBurst(args[1:], stdout, stderr)
	case "edgefetches":
		err = cmdEdgeFetches(args[1:], stdout, stderr)
	case "heap":
		err = cmdHeap(args[1:], stdout, stderr)
	case "metric":
		err = cmdMetric(args[1:], stdout, stderr)
	case "report":
		var missed bool
		missed, err = cmdReport(args[1:], stdout, stderr)
		if err == nil && missed {
			return 3
		}
	default:
		fmt.Fprintf(stderr, "edgebench: unknown command %q\n", args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "edgebench %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func cmdFreeport(stdout io.Writer) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l.Close()
	fmt.Fprintln(stdout, l.Addr().(*net.TCPAddr).Port)
	return nil
}

func loopback(u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return err
	}
	if p.Scheme != "http" {
		return fmt.Errorf("%q: only http URLs", u)
	}
	ip := net.ParseIP(p.Hostname())
	if p.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("%q is not on the loopback interface; the harness only talks to this machine", u)
	}
	return nil
}

// ---------------------------------------------------------------- put

func cmdPut(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("put", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", "", "S3 endpoint, http://127.0.0.1:PORT (required)")
	bucket := fs.String("bucket", "bench", "bucket")
	prefix := fs.String("prefix", "", "key prefix; keys are PREFIX%05d")
	n := fs.Int("n", 0, "number of objects")
	size := fs.Int("size", 1024, "object size in bytes")
	cc := fs.String("cache-control", "max-age=86400", "Cache-Control of the objects")
	conc := fs.Int("concurrency", 16, "PUTs in flight")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopback(*endpoint); err != nil {
		return err
	}
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(*endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient:   &http.Client{Timeout: time.Minute},
		Retryer:      aws.NopRetryer{},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	keys := make(chan int)
	errc := make(chan error, *conc)
	var wg sync.WaitGroup
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := make([]byte, *size)
			for i := range keys {
				rand.Read(body)
				_, err := client.PutObject(ctx, &s3.PutObjectInput{
					Bucket: bucket, Key: aws.String(fmt.Sprintf("%s%05d", *prefix, i)),
					Body: bytes.NewReader(body), CacheControl: cc,
				})
				if err != nil {
					select {
					case errc <- fmt.Errorf("put %s%05d: %w", *prefix, i, err):
					default:
					}
					cancel()
					return
				}
			}
		}()
	}
	t0 := time.Now()
feed:
	for i := range *n {
		select {
		case keys <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(keys)
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	fmt.Fprintf(stdout, "put %d objects %s00000..%s%05d of %d bytes in %.1fs\n", *n, *prefix, *prefix, *n-1, *size,
		time.Since(t0).Seconds())
	return nil
}

// ---------------------------------------------------------------- get

// cacheStatus says from the response headers whether a cache served it:
// "hit", "miss" or "none" (no cache header: the origin itself).
// edgegate: X-Cache "Hit from cloudfront" / "Miss from cloudfront";
// nginx: X-Cache-Status (set by the harness's config); Varnish: X-Varnish
// carries two transaction ids on a hit, one on a miss.
func cacheStatus(h http.Header) string {
	if v := h.Get("X-Cache"); v != "" {
		if strings.HasPrefix(strings.ToLower(v), "hit") || strings.HasPrefix(strings.ToLower(v), "refreshhit") {
			return "hit"
		}
		return "miss"
	}
	if v := h.Get("X-Cache-Status"); v != "" {
		if v == "HIT" {
			return "hit"
		}
		return "miss"
	}
	if v := h.Get("X-Varnish"); v != "" {
		if len(strings.Fields(v)) >= 2 {
			return "hit"
		}
		return "miss"
	}
	return "none"
}

func newClient() *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: 1,
			MaxConnsPerHost:     1,
			DisableCompression:  true,
			Proxy:               nil,
		},
	}
}

func cmdGet(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("get", flag.ContinueOnError)
	fs.SetOutput(stderr)
	u := fs.String("url", "", "URL (required)")
	host := fs.String("host", "", "Host header")
	size := fs.Int64("size", -1, "expected body size")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopback(*u); err != nil {
		return err
	}
	req, err := http.NewRequest("GET", *u, nil)
	if err != nil {
		return err
	}
	if *host != "" {
		req.Host = *host
	}
	resp, err := newClient().Do(req)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	hdr := ""
	for _, k := range []string{"X-Cache", "X-Cache-Status", "X-Varnish", "Age"} {
		if v := resp.Header.Get(k); v != "" {
			hdr += fmt.Sprintf(" %s=%q", strings.ToLower(k), v)
		}
	}
	fmt.Fprintf(stdout, "status=%d bytes=%d cache=%s%s\n", resp.StatusCode, n, cacheStatus(resp.Header), hdr)
	if resp.StatusCode != 200 || (*size >= 0 && n != *size) {
		return fmt.Errorf("GET %s: status %d, %d bytes (want 200, %d bytes)", *u, resp.StatusCode, n, *size)
	}
	return nil
}

// ---------------------------------------------------------------- coldmiss

func cmdColdmiss(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("coldmiss", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "", "base URL, http://127.0.0.1:PORT (required)")
	host := fs.String("host", "", "Host header")
	prefix := fs.String("prefix", "", "path prefix; paths are PREFIX%05d")
	from := fs.Int("from", 0, "first key number")
	to := fs.Int("to", 0, "key numbers below this")
	size := fs.Int64("size", 1024, "expected body size")
	target := fs.String("target", "", "name written to -out")
	round := fs.Int("round", 0, "round written to -out")
	out := fs.String("out", "", "append samples to this file (none: warm-up, nothing recorded)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopback(*base); err != nil {
		return err
	}
	// ~1000 small requests: no GC pause lands in a sample.
	debug.SetGCPercent(-1)
	client := newClient()
	var lines bytes.Buffer
	var lat []float64
	bad, hits := 0, 0
	for i := *from; i < *to; i++ {
		req, err := http.NewRequest("GET", fmt.Sprintf("%s%s%05d", *base, *prefix, i), nil)
		if err != nil {
			return err
		}
		if *host != "" {
			req.Host = *host
		}
		t0 := time.Now()
		resp, err := client.Do(req)
		ok, hit := false, false
		if err == nil {
			var n int64
			n, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			ok = err == nil && resp.StatusCode == 200 && n == *size
			hit = cacheStatus(resp.Header) == "hit"
		}
		us := float64(time.Since(t0).Nanoseconds()) / 1e3
		if err != nil {
			fmt.Fprintf(stderr, "coldmiss %s: %v\n", req.URL, err)
			client.CloseIdleConnections()
		}
		if !ok {
			bad++
		}
		if hit {
			hits++
		}
		lat = append(lat, us)
		fmt.Fprintf(&lines, "%s %d %.1f %d %d\n", *target, *round, us, b2i(ok), b2i(hit))
	}
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		if _, err := f.Write(lines.Bytes()); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	slices.Sort(lat)
	fmt.Fprintf(stdout, "%d requests, p50 %.0f us, p90 %.0f us, not 200/size %d, served as hits %d\n",
		len(lat), pct(lat, 50), pct(lat, 90), bad, hits)
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pct is the p-th percentile of sorted xs (nearest rank).
func pct(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	i := int(float64(len(xs))*p/100+0.5) - 1
	i = max(0, min(i, len(xs)-1))
	return xs[i]
}

// ---------------------------------------------------------------- burst

func cmdBurst(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("burst", flag.ContinueOnError)
	fs.SetOutput(stderr)
	u := fs.String("url", "", "URL (required)")
	host := fs.String("host", "", "Host header")
	n := fs.Int("n", 64, "concurrent requests")
	size := fs.Int64("size", -1, "expected body size")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopback(*u); err != nil {
		return err
	}
	p, err := url.Parse(*u)
	if err != nil {
		return err
	}
	h := p.Host
	if *host != "" {
		h = *host
	}
	raw := fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: edgebench\r\nConnection: close\r\n\r\n", p.RequestURI(), h)
	conns := make([]net.Conn, *n)
	for i := range conns {
		if conns[i], err = net.DialTimeout("tcp", p.Host, 5*time.Second); err != nil {
			return err
		}
	}
	type result struct {
		status int
		n      int64
		cache  string
		dur    time.Duration
		err    error
	}
	res := make([]result, *n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(60 * time.Second))
			<-start
			t0 := time.Now()
			if _, err := io.WriteString(c, raw); err != nil {
				res[i].err = err
				return
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				res[i].err = err
				return
			}
			res[i].n, res[i].err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			res[i].status, res[i].cache, res[i].dur = resp.StatusCode, cacheStatus(resp.Header), time.Since(t0)
		}()
	}
	time.Sleep(50 * time.Millisecond) // every goroutine parked at the barrier
	close(start)
	wg.Wait()
	ok, hits := 0, 0
	var durs []float64
	var firstErr error
	for _, r := range res {
		if r.err == nil && r.status == 200 && (*size < 0 || r.n == *size) {
			ok++
		} else if firstErr == nil {
			firstErr = fmt.Errorf("status %d, %d bytes, %v", r.status, r.n, r.err)
		}
		if r.cache == "hit" {
			hits++
		}
		durs = append(durs, float64(r.dur.Microseconds())/1e3)
	}
	slices.Sort(durs)
	fmt.Fprintf(stdout, "requests=%d ok=%d hits=%d first_ms=%.1f last_ms=%.1f\n", *n, ok, hits, durs[0], durs[len(durs)-1])
	if firstErr != nil {
		fmt.Fprintf(stderr, "burst: %d of %d failed, first: %v\n", *n-ok, *n, firstErr)
	}
	return nil
}

// ---------------------------------------------------------------- edgefetches

// logFields splits a log/slog text line into its key=value fields (values
// may be quoted).
func logFields(line string) map[string]string {
	m := map[string]string{}
	for line != "" {
		line = strings.TrimLeft(line, " ")
		eq := strings.IndexByte(line, '=')
		if eq < 0 {
			break
		}
		k := line[:eq]
		line = line[eq+1:]
		var v string
		if strings.HasPrefix(line, `"`) {
			// Find the closing quote, skipping escaped ones.
			end := 1
			for end < len(line) && line[end] != '"' {
				if line[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(line) {
				end = len(line) - 1
			}
			if s, err := strconv.Unquote(line[:end+1]); err == nil {
				v = s
			} else {
				v = line[1:end]
			}
			line = line[min(end+1, len(line)):]
		} else {
			sp := strings.IndexByte(line, ' ')
			if sp < 0 {
				sp = len(line)
			}
			v, line = line[:sp], line[sp:]
		}
		m[k] = v
	}
	return m
}

func cmdEdgeFetches(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("edgefetches", flag.ContinueOnError)
	fs.SetOutput(stderr)
	logf := fs.String("log", "", "edgegate's log file (required)")
	path := fs.String("path", "", "viewer path (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := os.ReadFile(*logf)
	if err != nil {
		return err
	}
	ids := map[string]bool{}
	viewer := 0
	for line := range strings.Lines(string(b)) {
		if !strings.Contains(line, "cloudfront-edge") {
			continue
		}
		f := logFields(strings.TrimRight(line, "\n"))
		if f["service"] != "cloudfront-edge" || f["path"] != *path {
			continue
		}
		viewer++
		if id := f["origin_request_id"]; id != "" {
			ids[id] = true
		}
	}
	fmt.Fprintf(stdout, "viewer_requests=%d origin_fetches=%d\n", viewer, len(ids))
	return nil
}

// ---------------------------------------------------------------- heap

func cmdHeap(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("heap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	u := fs.String("url", "", "pprof address, http://127.0.0.1:PORT (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopback(*u); err != nil {
		return err
	}
	// Three GCs: sync.Pool's contents survive one (victim cache), so the
	// last reading is of what is really kept.
	var v string
	for range 3 {
		var err error
		if v, err = heapAlloc(strings.TrimRight(*u, "/")); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, v)
	return nil
}

func heapAlloc(base string) (string, error) {
	resp, err := http.Get(base + "/debug/pprof/heap?debug=1&gc=1")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("pprof heap: status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "# HeapAlloc = "); ok {
			return strings.TrimSpace(v), nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New("no HeapAlloc in the heap profile")
}

// ---------------------------------------------------------------- metric

func cmdMetric(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("metric", flag.ContinueOnError)
	fs.SetOutput(stderr)
	u := fs.String("url", "", "edgegate, http://127.0.0.1:PORT (required)")
	name := fs.String("name", "", "series name (required)")
	label := fs.String("label", "", "only samples with this label, K=V")
	zero := fs.Bool("zero", false, "print 0 when the endpoint exists but has no such series yet (a counter not yet incremented)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loopback(*u); err != nil {
		return err
	}
	resp, err := http.Get(strings.TrimRight(*u, "/") + "/_edgegate/metrics")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		return nil // no metrics endpoint
	}
	want := ""
	if *label != "" {
		k, v, _ := strings.Cut(*label, "=")
		want = k + `="` + v + `"`
	}
	var sum float64
	found := false
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<16), 1<<22)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		series, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		n, labels, _ := strings.Cut(series, "{")
		if n != *name || (want != "" && !strings.Contains(labels, want)) {
			continue
		}
		if f, err := strconv.ParseFloat(strings.Fields(val)[0], 64); err == nil {
			sum += f
			found = true
		}
	}
	if found || *zero {
		fmt.Fprintf(stdout, "%.0f\n", sum)
	}
	return sc.Err()
}
