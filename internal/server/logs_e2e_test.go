package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/accesslog"
	"github.com/edgegate/edgegate/internal/server"
	"github.com/edgegate/edgegate/internal/testenv"
)

const awsLogsDelivery = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"

// cfLogBucket makes a bucket CloudFront standard logs (legacy) can be
// delivered to: ACLs enabled (BucketOwnerPreferred) and FULL_CONTROL for
// the awslogsdelivery account besides the owner, which is what CloudFront
// sets up when logging is enabled.
func cfLogBucket(t *testing.T, c *s3.Client, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String(name),
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerPreferred}}}}); err != nil {
		t.Fatal(err)
	}
	acl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String(name),
		GrantFullControl: aws.String("id=" + *acl.Owner.ID + ",id=" + awsLogsDelivery)}); err != nil {
		t.Fatal(err)
	}
}

// readCFLogs reads every standard log file under prefix in bucket and
// returns the records by x-edge-request-id.
func readCFLogs(t *testing.T, c *s3.Client, bucket, prefix string) (keys []string, recs map[string][]string) {
	t.Helper()
	ctx := context.Background()
	list, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		t.Fatal(err)
	}
	recs = map[string][]string{}
	for _, o := range list.Contents {
		keys = append(keys, *o.Key)
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
		if err != nil {
			t.Fatal(err)
		}
		zb, _ := io.ReadAll(out.Body)
		out.Body.Close()
		parseCFLog(t, *o.Key, zb, recs)
	}
	return keys, recs
}

func parseCFLog(t *testing.T, name string, gz []byte, recs map[string][]string) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatalf("%s is not gzip: %v", name, err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	text := string(body)
	if !strings.HasPrefix(text, "#Version: 1.0\n#Fields: date time x-edge-location ") {
		t.Fatalf("%s header: %q", name, text)
	}
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n")[2:] {
		f := strings.Split(l, "\t")
		if len(f) != 33 {
			t.Fatalf("%s: %d fields: %q", name, len(f), l)
		}
		recs[f[14]] = f
	}
}

// cfField returns the named field of a standard log record.
func cfField(f []string, name string) string {
	for i, n := range accesslog.CloudFrontFields {
		if n == name {
			return f[i]
		}
	}
	return "?"
}

// TestCloudFrontStandardLogs: a distribution with Logging to a bucket;
// viewer requests (a Miss, an origin 403, a refused method) come out, after
// a flush, as a gzip standard log file under the prefix, one 33-field
// record per request; the metrics count them.
func TestCloudFrontStandardLogs(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	h.bucket("cf-log-origin", map[string]string{"hello.txt": "hello from s3"})
	cfLogBucket(t, h.s3, "cf-std-logs")
	oac := h.oac("logged", "always")
	d := h.dist("cf-log-origin", func(o *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		o.OriginAccessControlId = aws.String(oac)
		cfg.Logging = &cftypes.LoggingConfig{Enabled: aws.Bool(true), IncludeCookies: aws.Bool(true),
			Bucket: aws.String("cf-std-logs.s3.amazonaws.com"), Prefix: aws.String("cdn")}
	})
	h.policy("cf-log-origin", oacPolicy("cf-log-origin", d.arn, false))

	req, _ := http.NewRequest("GET", env.Endpoint+"/hello.txt?v=1", nil)
	req.Host = d.domain
	req.Header.Set("User-Agent", "log test/1.0")
	req.Header.Set("Cookie", "session=abc")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("viewer GET: %d", resp.StatusCode)
	}
	hit := resp.Header.Get("X-Amz-Cf-Id")
	denied := h.get("GET", d.domain, "/missing.txt")
	refused := h.get("DELETE", d.domain, "/hello.txt")
	if denied.status != 403 || refused.status != 403 {
		t.Fatalf("statuses %d %d", denied.status, refused.status)
	}

	if err := env.Server.FlushLogs(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys, recs := readCFLogs(t, h.s3, "cf-std-logs", "cdn/")
	keyRE := regexp.MustCompile(`^cdn/` + d.id + `\.\d{4}-\d\d-\d\d-\d\d\.[0-9a-f]{8}\.gz$`)
	for _, k := range keys {
		if !keyRE.MatchString(k) {
			t.Errorf("log file name %q", k)
		}
	}
	f, ok := recs[hit]
	if !ok {
		t.Fatalf("no record of %s in %v", hit, recs)
	}
	for name, want := range map[string]string{
		"x-edge-location": "EDG1-C1", "c-ip": "127.0.0.1", "cs-method": "GET", "cs(Host)": d.domain, "cs-uri-stem": "/hello.txt",
		"sc-status": "200", "cs(User-Agent)": "log%20test/1.0", "cs-uri-query": "v=1", "cs(Cookie)": "session=abc",
		"x-edge-result-type": "Miss", "x-host-header": d.domain, "cs-protocol": "http", "x-forwarded-for": "-",
		"ssl-protocol": "-", "ssl-cipher": "-", "x-edge-response-result-type": "Miss", "cs-protocol-version": "HTTP/1.1",
		"fle-status": "-", "x-edge-detailed-result-type": "Miss", "sc-content-len": "13", "sc-range-start": "-",
	} {
		if got := cfField(f, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if n, err := strconv.Atoi(cfField(f, "sc-bytes")); err != nil || n <= 13 {
		t.Errorf("sc-bytes %q: the body and headers", cfField(f, "sc-bytes"))
	}
	if _, err := strconv.Atoi(cfField(f, "c-port")); err != nil {
		t.Errorf("c-port %q", cfField(f, "c-port"))
	}
	if !regexp.MustCompile(`^\d+\.\d{3}$`).MatchString(cfField(f, "time-taken")) {
		t.Errorf("time-taken %q", cfField(f, "time-taken"))
	}
	f = recs[denied.header.Get("X-Amz-Cf-Id")]
	if cfField(f, "sc-status") != "403" || cfField(f, "x-edge-result-type") != "Error" || cfField(f, "x-edge-detailed-result-type") != "Error" {
		t.Errorf("origin 403 record: %q", f)
	}
	f = recs[refused.header.Get("X-Amz-Cf-Id")]
	if cfField(f, "sc-status") != "403" || cfField(f, "cs-method") != "DELETE" || cfField(f, "x-edge-detailed-result-type") != "InvalidRequestMethod" {
		t.Errorf("refused method record: %q", f)
	}

	// The metrics moved.
	mresp, err := http.Get(env.Endpoint + "/_edgegate/metrics")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	for _, want := range []string{
		`edgegate_edge_requests_total{distribution="` + d.id + `",result="miss"} 1`,
		`edgegate_edge_requests_total{distribution="` + d.id + `",result="error"} 2`,
		`edgegate_requests_total{service="cloudfront-edge",status_class="2xx"} 1`,
		`edgegate_requests_total{service="cloudfront-edge",status_class="4xx"} 2`,
		`edgegate_origin_request_duration_seconds_count{origin="s3"} 2`,
		`edgegate_access_log_deliveries_total{log="cloudfront",result="ok"} 1`,
	} {
		if !strings.Contains(string(m), want) {
			t.Errorf("metrics lack %q:\n%s", want, m)
		}
	}
	// The 200 was cached: the memory tier holds bytes.
	if !regexp.MustCompile(`edgegate_edge_cache_bytes\{tier="memory"\} [1-9]\d*`).Match(m) {
		t.Errorf("no cached bytes reported:\n%s", m)
	}
	if !regexp.MustCompile(`edgegate_requests_total\{service="s3",status_class="2xx"\} \d+`).Match(m) {
		t.Errorf("no S3 request counted:\n%s", m)
	}
	if ct := mresp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("metrics Content-Type %q", ct)
	}
}

// TestCloudFrontLogsWithoutGrant: a log bucket whose ACL does not grant
// the awslogsdelivery account gets nothing (the delivery is refused by
// S3's authorization and dropped).
func TestCloudFrontLogsWithoutGrant(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	h.bucket("cf-nogrant-origin", map[string]string{"a.txt": "a"})
	h.bucket("cf-nogrant-logs", nil)
	d := h.dist("cf-nogrant-origin", func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		cfg.Logging = &cftypes.LoggingConfig{Enabled: aws.Bool(true), IncludeCookies: aws.Bool(false),
			Bucket: aws.String("cf-nogrant-logs.s3.amazonaws.com"), Prefix: aws.String("")}
	})
	h.get("GET", d.domain, "/a.txt")
	if err := env.Server.FlushLogs(context.Background()); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Fatalf("delivery without the awslogsdelivery grant: %v", err)
	}
	list, err := h.s3.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("cf-nogrant-logs")})
	if err != nil || len(list.Contents) != 0 {
		t.Fatalf("objects: %v %v", list, err)
	}
}

// startServer runs a server with cfg (Listen and DataDir filled in), as
// testenv does, for options testenv does not offer.
func startServer(t *testing.T, cfg server.Config) (*server.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Listen, cfg.DataDir = ln.Addr().String(), t.TempDir()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.Open(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeListener(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})
	endpoint := "http://" + ln.Addr().String()
	for range 500 {
		if resp, err := http.Get(endpoint + "/_edgegate/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
	}
	return srv, endpoint
}

// TestCloudFrontLogDirAndMetricsListener: with CloudFrontLogDir every
// distribution's standard logs are written there (logging enabled or
// not), also on shutdown; ServeMetrics serves /metrics on its own
// listener.
func TestCloudFrontLogDirAndMetricsListener(t *testing.T) {
	dir := t.TempDir()
	srv, endpoint := startServer(t, server.Config{CloudFrontLogDir: dir})
	env := &testenv.Env{Endpoint: endpoint, Server: srv}
	h := newEdgeHarness(t, env)
	h.bucket("cf-dir-origin", map[string]string{"a.txt": "a"})
	d := h.dist("cf-dir-origin", nil) // no Logging
	r := h.get("GET", d.domain, "/a.txt")

	if err := srv.FlushLogs(context.Background()); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, d.id+".*.gz"))
	if len(files) != 1 {
		entries, _ := os.ReadDir(dir)
		t.Fatalf("files for %s: %v (dir: %v)", d.id, files, entries)
	}
	gz, _ := os.ReadFile(files[0])
	recs := map[string][]string{}
	parseCFLog(t, files[0], gz, recs)
	if f := recs[r.header.Get("X-Amz-Cf-Id")]; cfField(f, "cs-uri-stem") != "/a.txt" || cfField(f, "sc-status") != strconv.Itoa(r.status) {
		t.Errorf("record: %q", f)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeMetrics(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `edgegate_edge_requests_total{distribution="`+d.id+`"`) {
		t.Errorf("/metrics: %d\n%s", resp.StatusCode, body)
	}
}
