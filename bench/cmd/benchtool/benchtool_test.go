package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func testFlags(endpoint string) *commonFlags {
	return &commonFlags{endpoint: endpoint, bucket: "bench", region: "us-east-1", access: "test", secret: "test"}
}

// readRaw parses the wire bytes of captured requests back into requests.
func readRaw(t *testing.T, raw []byte) (*http.Request, []byte) {
	t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		t.Fatalf("captured request does not parse: %v\n%s", err, raw)
	}
	b, err := io.ReadAll(req.Body)
	if err != nil {
		t.Fatal(err)
	}
	return req, b
}

func TestBuildRequestsAreSignedSDKRequests(t *testing.T) {
	c := testFlags("http://127.0.0.1:4566")
	for i, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) {
			reqs, err := buildRequests(context.Background(), c, s, i, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(reqs) != 3 {
				t.Fatalf("got %d requests, want 3", len(reqs))
			}
			seen := map[string]bool{}
			for _, raw := range reqs {
				req, b := readRaw(t, raw)
				if req.Method != s.Method {
					t.Errorf("method %s, want %s", req.Method, s.Method)
				}
				if req.Host != "127.0.0.1:4566" {
					t.Errorf("host %q", req.Host)
				}
				if !strings.HasPrefix(req.URL.Path, "/bench/"+s.key) {
					t.Errorf("path %q does not name bench/%s", req.URL.Path, s.key)
				}
				auth := req.Header.Get("Authorization")
				if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=test/") || !strings.Contains(auth, "/us-east-1/s3/aws4_request") {
					t.Errorf("authorization %q", auth)
				}
				if req.Header.Get("X-Amz-Date") == "" {
					t.Error("no X-Amz-Date")
				}
				if !strings.HasPrefix(req.Header.Get("User-Agent"), "aws-sdk-go-v2/") {
					t.Errorf("user agent %q", req.Header.Get("User-Agent"))
				}
				sum := sha256.Sum256(b)
				if got, want := req.Header.Get("X-Amz-Content-Sha256"), hex.EncodeToString(sum[:]); got != want {
					t.Errorf("x-amz-content-sha256 %s, want the body's %s", got, want)
				}
				switch s.Method {
				case "GET":
					if len(b) != 0 || req.ContentLength > 0 {
						t.Errorf("GET with a body of %d bytes", len(b))
					}
					if req.Header.Get("X-Amz-Checksum-Mode") != "ENABLED" {
						t.Error("GET without x-amz-checksum-mode, unlike a default-configured SDK")
					}
				case "PUT":
					if len(b) != s.Size || req.ContentLength != int64(s.Size) {
						t.Errorf("PUT body %d bytes, content-length %d, want %d", len(b), req.ContentLength, s.Size)
					}
					if req.Header.Get("X-Amz-Checksum-Crc32") == "" {
						t.Error("PUT without x-amz-checksum-crc32, unlike a default-configured SDK")
					}
				}
				seen[auth] = true
			}
			if len(seen) != 3 {
				t.Errorf("%d distinct signatures among 3 requests", len(seen))
			}
		})
	}
}

func TestWriteRequestsAndPreflight(t *testing.T) {
	obj := body(7, 1<<10)
	var gets int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			http.Error(w, "AccessDenied", http.StatusForbidden)
			return
		}
		switch r.Method {
		case "GET":
			gets++
			w.Write(obj)
		case "PUT":
			io.Copy(io.Discard, r.Body)
		}
	}))
	defer srv.Close()

	c := testFlags(srv.URL)
	s, _ := findScenario("get1k")
	reqs, err := buildRequests(context.Background(), c, s, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := preflight(srv.URL, s, reqs)
	if err != nil {
		t.Fatal(err)
	}
	if !kept || gets != 2 {
		t.Errorf("kept-alive %v, %d GETs served; want true, 2", kept, gets)
	}

	// A server that answers with the wrong size or status fails the preflight.
	short, _ := findScenario("get10k")
	if _, err := preflight(srv.URL, short, reqs); err == nil || !strings.Contains(err.Error(), "body of 1024 bytes") {
		t.Errorf("short body: err = %v", err)
	}
	unsigned := []byte("GET /bench/obj-1k HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, err := preflight(srv.URL, s, [][]byte{unsigned}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("403: err = %v", err)
	}

	// The file format replay.lua reads: length, newline, bytes.
	path := filepath.Join(t.TempDir(), "reqs.bin")
	if err := writeRequests(path, reqs); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	for i := 0; len(data) > 0; i++ {
		nl := bytes.IndexByte(data, '\n')
		n, err := strconv.Atoi(string(data[:nl]))
		if err != nil {
			t.Fatalf("record %d: bad length: %v", i, err)
		}
		if !bytes.Equal(data[nl+1:nl+1+n], reqs[i]) {
			t.Fatalf("record %d differs", i)
		}
		data = data[nl+1+n:]
	}
}

func TestBodyDeterministic(t *testing.T) {
	a, b := body(3, 1001), body(3, 1001)
	if !bytes.Equal(a, b) || len(a) != 1001 {
		t.Fatal("body is not deterministic")
	}
	if bytes.Equal(body(3, 64), body(4, 64)) {
		t.Fatal("different seeds gave the same body")
	}
}

func TestCheckRefusesNonLoopback(t *testing.T) {
	for _, e := range []string{"http://10.0.0.1:9000", "https://s3.amazonaws.com", ""} {
		if err := testFlags(e).check(); err == nil {
			t.Errorf("%q accepted", e)
		}
	}
	for _, e := range []string{"http://127.0.0.1:4566", "http://localhost:9000", "http://[::1]:80"} {
		if err := testFlags(e).check(); err != nil {
			t.Errorf("%q refused: %v", e, err)
		}
	}
}

const sampleResults = `# header
round=1 scenario=get10k server=edgegate conns=32 threads=2 duration=10s cpu_ticks=150 clk_tck=100 requests=180000 duration_us=10000000 bytes=1900000000 p50_us=1500 p99_us=4000 mean_us=1700 max_us=9000 err_connect=0 err_read=0 err_write=0 err_timeout=0 err_status=0
round=2 scenario=get10k server=edgegate conns=32 threads=2 duration=10s cpu_ticks=150 clk_tck=100 requests=170000 duration_us=10000000 bytes=1800000000 p50_us=1600 p99_us=4200 mean_us=1700 max_us=9000 err_connect=0 err_read=0 err_write=0 err_timeout=0 err_status=0
round=3 scenario=get10k server=edgegate conns=32 threads=2 duration=10s cpu_ticks=150 clk_tck=100 requests=10 duration_us=10000000 bytes=100 p50_us=1 p99_us=1 mean_us=1 max_us=1 err_connect=0 err_read=0 err_write=0 err_timeout=0 err_status=10
round=1 scenario=get10k server=versitygw conns=32 threads=2 duration=10s cpu_ticks=160 clk_tck=100 requests=110000 duration_us=10000000 bytes=1200000000 p50_us=2500 p99_us=9000 mean_us=2700 max_us=19000 err_connect=0 err_read=0 err_write=0 err_timeout=0 err_status=0
round=2 scenario=get10k server=versitygw conns=32 threads=2 duration=10s cpu_ticks=160 clk_tck=100 requests=120000 duration_us=10000000 bytes=1300000000 p50_us=2400 p99_us=8000 mean_us=2700 max_us=19000 err_connect=0 err_read=0 err_write=0 err_timeout=0 err_status=0
round=1 scenario=put10k server=edgegate conns=32 threads=2 duration=10s failed=preflight
round=1 scenario=put10k server=versitygw conns=32 threads=2 duration=10s cpu_ticks=100 clk_tck=100 requests=30000 duration_us=10000000 bytes=15000000 p50_us=10000 p99_us=40000 mean_us=11000 max_us=90000 err_connect=0 err_read=0 err_write=0 err_timeout=0 err_status=0
round=1 scenario=get1k server=moto conns=8 threads=2 duration=5s cpu_ticks=500 clk_tck=100 requests=3000 duration_us=5000000 bytes=300 p50_us=13000 p99_us=17000 mean_us=13000 max_us=20000 err_connect=0 err_read=0 err_write=0 err_timeout=0 err_status=0
`

func TestReport(t *testing.T) {
	runs, err := parseResults(strings.NewReader(sampleResults))
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 8 {
		t.Fatalf("%d runs, want 8", len(runs))
	}
	cells, order, servers := summarize(runs)
	if got := strings.Join(order, ","); got != "get1k,get10k,put10k" {
		t.Errorf("scenario order %s", got)
	}
	if servers[0] != "edgegate" {
		t.Errorf("servers %v: edgegate not first", servers)
	}
	// edgegate get10k: the run with status errors is left out; median of
	// 18000 and 17000.
	if r := ratio(cells, "get10k", "versitygw"); math.Abs(r-17500.0/11500) > 1e-9 {
		t.Errorf("get10k ratio %v, want %v", r, 17500.0/11500)
	}
	if r := ratio(cells, "put10k", "versitygw"); !math.IsNaN(r) {
		t.Errorf("put10k ratio %v with no edgegate result, want NaN", r)
	}
	for _, c := range cells {
		if c.scenario == "get10k" && c.server == "edgegate" {
			if c.clean != 2 || c.runs != 3 || c.p50 != 1550 {
				t.Errorf("edgegate get10k cell %+v", c)
			}
			if math.Abs(c.cpuPerReq-1.5e6/175000) > 1 || math.Abs(c.cores-0.15) > 1e-9 {
				t.Errorf("cpu/req %v cores %v", c.cpuPerReq, c.cores)
			}
		}
	}

	var out bytes.Buffer
	failed := writeReport(&out, runs, nil)
	if !failed {
		t.Error("report with flagged runs did not fail")
	}
	text := out.String()
	for _, want := range []string{
		"edgegate/versitygw",
		"get10k  edgegate/versitygw >= 1.5x: 1.52x PASS",
		"put10k  edgegate/versitygw >= 1.0x: - not measured",
		"round 3 get10k edgegate: 10 responses with status >= 400",
		"round 1 put10k edgegate: failed: preflight",
		"round 1 get1k moto: 0 bytes read per response, less than the 1024-byte object",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("report lacks %q:\n%s", want, text)
		}
	}
}

func TestReportMissedTarget(t *testing.T) {
	in := strings.ReplaceAll(sampleResults, "requests=180000", "requests=1000")
	in = strings.ReplaceAll(in, "requests=170000", "requests=1000")
	runs, _ := parseResults(strings.NewReader(in))
	var out bytes.Buffer
	writeReport(&out, runs, nil)
	if !strings.Contains(out.String(), "MISSED") {
		t.Errorf("no MISSED target:\n%s", out.String())
	}
}

func TestParseResultsRejectsGarbage(t *testing.T) {
	if _, err := parseResults(strings.NewReader("round=1 scenario=get1k server=x junk\n")); err == nil {
		t.Error("field without = accepted")
	}
	if _, err := parseResults(strings.NewReader("round=1 requests=3\n")); err == nil {
		t.Error("line without scenario accepted")
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median(nil) is not NaN")
	}
}

const sampleTrace = `6014  sendfile(11, 12, NULL, 2147483647) = 1048576
6014  sendfile(11, 12, NULL, 2147483647) = 0
6015  write(9, ""..., 623 <unfinished ...>
6014  read(11, ""..., 4096)             = 512
6015  <... write resumed>)              = 623
6016  read(11, ""..., 4096)             = -1 EAGAIN (Resource temporarily unavailable)
6016  fsync(12)                         = 0
6016  fdatasync(12 <unfinished ...>
6016  <... fdatasync resumed>)          = 0
6017  epoll_pwait(4, [], 128, 0, NULL, 0) = 0
6018  write(5, ""..., 8 <unfinished ...>
6018  +++ exited with 0 +++
`

func TestParseStrace(t *testing.T) {
	s, err := parseStrace(strings.NewReader(sampleTrace))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int64{
		"kernel": {2, 1048576},
		"write":  {1, 623},
		"read":   {2, 512},
		"fsync":  {2, 0},
	}
	for class, w := range want {
		if s.calls[class] != w[0] || s.bytes[class] != w[1] {
			t.Errorf("%s: %d calls %d bytes, want %d, %d", class, s.calls[class], s.bytes[class], w[0], w[1])
		}
	}
}

func TestBodyPath(t *testing.T) {
	mk := func(kernel, write string) wrkRun {
		return wrkRun{scenario: "get1m", server: "edgegate", fields: map[string]string{
			"requests": "10", "sys_kernel_bytes": kernel, "sys_write_bytes": write}}
	}
	if got := bodyPath(mk("10485760", "6000")); !strings.HasPrefix(got, "kernel") {
		t.Errorf("sendfile run: %s", got)
	}
	if got := bodyPath(mk("0", "10490000")); !strings.HasPrefix(got, "user space") {
		t.Errorf("write run: %s", got)
	}
}

func TestOtherLoad(t *testing.T) {
	in := "round=1 scenario=get10k server=versitygw conns=32 duration=10s cpu_ticks=150 wrk_ticks=30 busy_ticks=200 wall_us=1000000 clk_tck=100 requests=10000 duration_us=1000000 bytes=200000000 p50_us=1 p99_us=2 err_connect=0 err_read=0 err_write=0 err_timeout=0 err_status=0\n"
	runs, err := parseResults(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := runs[0].wrkCores(); math.Abs(got-0.3) > 1e-9 {
		t.Errorf("wrk cores %v, want 0.3", got)
	}
	if got := runs[0].otherCores(); math.Abs(got-0.2) > 1e-9 {
		t.Errorf("other cores %v, want 0.2", got)
	}
	var out bytes.Buffer
	writeReport(&out, runs, nil)
	if strings.Contains(out.String(), "Noisy runs") {
		t.Errorf("0.2 cores reported as noisy:\n%s", out.String())
	}
	runs[0].fields["busy_ticks"] = "250"
	out.Reset()
	writeReport(&out, runs, nil)
	if !strings.Contains(out.String(), "round 1 get10k versitygw: 0.70 cores") {
		t.Errorf("0.7 cores not reported as noisy:\n%s", out.String())
	}
}

func TestTamperSignature(t *testing.T) {
	s, _ := findScenario("get1k")
	reqs, err := buildRequests(context.Background(), testFlags("http://127.0.0.1:1"), s, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := tamperSignature(reqs[0])
	if err != nil {
		t.Fatal(err)
	}
	diff := 0
	for i := range bad {
		if bad[i] != reqs[0][i] {
			diff++
		}
	}
	r1, _ := readRaw(t, reqs[0])
	r2, _ := readRaw(t, bad)
	if diff != 1 || r1.Header.Get("Authorization") == r2.Header.Get("Authorization") {
		t.Errorf("%d bytes changed; authorization %q -> %q", diff, r1.Header.Get("Authorization"), r2.Header.Get("Authorization"))
	}
}
