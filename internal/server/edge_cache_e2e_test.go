package server_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgegate/edgegate/internal/testenv"
)

// getWith is get with extra request headers. Like get's requests (Go's
// client asks for gzip on GETs without Range), they carry
// Accept-Encoding: gzip unless hdr sets it: CachingOptimized puts the
// normalized Accept-Encoding in the cache key.
func (h *edgeHarness) getWith(method, host, path string, hdr map[string]string) viewerResp {
	h.t.Helper()
	req, err := http.NewRequest(method, h.env.Endpoint+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Accept-Encoding", "gzip")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return viewerResp{resp.StatusCode, resp.Header, string(body)}
}

func (h *edgeHarness) put(bucket, key, body, cacheControl string) {
	h.t.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}
	if cacheControl != "" {
		in.CacheControl = aws.String(cacheControl)
	}
	if _, err := h.s3.PutObject(context.Background(), in); err != nil {
		h.t.Fatal(err)
	}
}

func (h *edgeHarness) invalidate(distID string, paths ...string) {
	h.t.Helper()
	h.n++
	_, err := h.cf.CreateInvalidation(context.Background(), &cloudfront.CreateInvalidationInput{
		DistributionId: aws.String(distID),
		InvalidationBatch: &cftypes.InvalidationBatch{CallerReference: aws.String("inv-" + strconv.Itoa(h.n)),
			Paths: &cftypes.Paths{Quantity: aws.Int32(int32(len(paths))), Items: paths}},
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

// fetches is the edge's count of origin requests made for its cache.
func fetches(env *testenv.Env) int64 { return env.Server.Edge().OriginFetches() }

// oacDist is a distribution over a new bucket behind an OAC the bucket
// policy allows (s3:GetObject only: a missing key is 403).
func (h *edgeHarness) oacDist(bucket string, objects map[string]string, edit func(*cftypes.DistributionConfig)) edgeDist {
	h.t.Helper()
	h.bucket(bucket, objects)
	oac := h.oac(bucket, "always")
	d := h.dist(bucket, func(o *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		o.OriginAccessControlId = aws.String(oac)
		if edit != nil {
			edit(cfg)
		}
	})
	h.policy(bucket, oacPolicy(bucket, d.arn, false))
	return d
}

// TestEdgeCacheHit: a miss, then hits with Age; HEAD, Range (206, and
// S3's 416 for an unsatisfiable range), and conditional requests (304)
// answered from the cached object without origin requests.
func TestEdgeCacheHit(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	d := h.oacDist("cache-hit", map[string]string{"hello.txt": "hello from s3"}, nil)

	r := h.get("GET", d.domain, "/hello.txt")
	r.want(t, "first", 200, "Miss from cloudfront")
	if r.header.Get("Age") != "" {
		t.Errorf("a miss has Age %q", r.header.Get("Age"))
	}
	n := fetches(env)
	r = h.get("GET", d.domain, "/hello.txt")
	r.want(t, "second", 200, "Hit from cloudfront")
	if r.body != "hello from s3" || r.header.Get("Age") == "" || r.header.Get("Etag") == "" || r.header.Get("Server") != "AmazonS3" {
		t.Errorf("hit: %v %q", r.header, r.body)
	}
	if age, err := strconv.Atoi(r.header.Get("Age")); err != nil || age < 0 || age > 5 {
		t.Errorf("Age %q", r.header.Get("Age"))
	}

	r = h.getWith("HEAD", d.domain, "/hello.txt", nil)
	r.want(t, "HEAD", 200, "Hit from cloudfront")
	if r.body != "" || r.header.Get("Content-Length") != "13" {
		t.Errorf("HEAD: %v %q", r.header, r.body)
	}

	r = h.getWith("GET", d.domain, "/hello.txt", map[string]string{"Range": "bytes=6-9"})
	r.want(t, "Range", 206, "Hit from cloudfront")
	if r.body != "from" || r.header.Get("Content-Range") != "bytes 6-9/13" {
		t.Errorf("Range: %v %q", r.header, r.body)
	}
	r = h.getWith("GET", d.domain, "/hello.txt", map[string]string{"Range": "bytes=-3"})
	if r.status != 206 || r.body != " s3" {
		t.Errorf("suffix Range: %d %q", r.status, r.body)
	}
	r = h.getWith("GET", d.domain, "/hello.txt", map[string]string{"Range": "bytes=20-"})
	r.want(t, "unsatisfiable Range", 416, "Error from cloudfront")
	if s3Code(r.body) != "InvalidRange" || r.header.Get("Content-Range") != "bytes */13" {
		t.Errorf("416: %v %s", r.header, r.body)
	}

	etag := r.header.Get("Etag")
	r = h.get("GET", d.domain, "/hello.txt")
	etag = r.header.Get("Etag")
	r = h.getWith("GET", d.domain, "/hello.txt", map[string]string{"If-None-Match": etag})
	r.want(t, "If-None-Match", 304, "Hit from cloudfront")
	r = h.getWith("GET", d.domain, "/hello.txt", map[string]string{"If-Modified-Since": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)})
	if r.status != 304 {
		t.Errorf("If-Modified-Since: %d", r.status)
	}
	if got := fetches(env); got != n {
		t.Errorf("hits made %d origin requests", got-n)
	}

	// A Range miss fetches the whole object for the cache.
	h.put("cache-hit", "big.txt", strings.Repeat("0123456789", 100), "")
	r = h.getWith("GET", d.domain, "/big.txt", map[string]string{"Range": "bytes=990-"})
	r.want(t, "Range miss", 206, "Miss from cloudfront")
	if r.body != "0123456789" || r.header.Get("Content-Range") != "bytes 990-999/1000" {
		t.Errorf("Range miss: %v %q", r.header, r.body)
	}
	if r = h.get("GET", d.domain, "/big.txt"); r.status != 200 || len(r.body) != 1000 || r.header.Get("X-Cache") != "Hit from cloudfront" {
		t.Errorf("after a Range miss: %d %d %q", r.status, len(r.body), r.header.Get("X-Cache"))
	}
}

// TestEdgeCacheRefreshHit: an object past its max-age is revalidated with
// If-None-Match; S3's 304 refreshes it (RefreshHit); a changed object is
// fetched again (Miss).
func TestEdgeCacheRefreshHit(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	d := h.oacDist("cache-refresh", nil, nil)
	h.put("cache-refresh", "a.txt", "v1", "max-age=1")

	h.get("GET", d.domain, "/a.txt").want(t, "first", 200, "Miss from cloudfront")
	h.get("GET", d.domain, "/a.txt").want(t, "fresh", 200, "Hit from cloudfront")
	time.Sleep(1100 * time.Millisecond)
	r := h.get("GET", d.domain, "/a.txt")
	r.want(t, "expired, unchanged", 200, "RefreshHit from cloudfront")
	if r.body != "v1" {
		t.Errorf("RefreshHit body %q", r.body)
	}
	h.get("GET", d.domain, "/a.txt").want(t, "refreshed", 200, "Hit from cloudfront")

	h.put("cache-refresh", "a.txt", "v2", "max-age=1")
	time.Sleep(1100 * time.Millisecond)
	r = h.get("GET", d.domain, "/a.txt")
	r.want(t, "expired, changed", 200, "Miss from cloudfront")
	if r.body != "v2" {
		t.Errorf("changed body %q", r.body)
	}
}

// TestEdgeCachedError: a 403 with a CustomErrorResponse for 403 (no page,
// ErrorCachingMinTTL 1) is cached: fixing the bucket policy does not help
// until the TTL passes or an invalidation purges it. The cached answer is
// explained as CACHE-ERROR-TTL followed by the original decision.
func TestEdgeCachedError(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	h.bucket("cache-err", map[string]string{"a.txt": "A", "b.txt": "B"})
	oac := h.oac("cache-err", "always")
	d := h.dist("cache-err", func(o *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		o.OriginAccessControlId = aws.String(oac)
		cfg.CustomErrorResponses = &cftypes.CustomErrorResponses{Quantity: aws.Int32(1), Items: []cftypes.CustomErrorResponse{
			{ErrorCode: aws.Int32(403), ErrorCachingMinTTL: aws.Int64(1)},
		}}
	})
	h.get("GET", d.domain, "/a.txt").want(t, "no policy", 403, "Error from cloudfront")
	h.get("GET", d.domain, "/b.txt").want(t, "no policy", 403, "Error from cloudfront")
	h.policy("cache-err", oacPolicy("cache-err", d.arn, false))

	n := fetches(env)
	r := h.get("GET", d.domain, "/a.txt")
	r.want(t, "policy fixed, error cached", 403, "Error from cloudfront")
	if s3Code(r.body) != "AccessDenied" || fetches(env) != n {
		t.Errorf("cached 403: %s (origin requests %d)", r.body, fetches(env)-n)
	}
	x := explainAs(t, env, "test", "test", r.header.Get("X-Amz-Cf-Id"))
	if x.Responder != "cache" || x.Status != 403 || x.ErrorCode != "AccessDenied" || len(x.Findings) < 2 ||
		x.Findings[0].ID != "CACHE-ERROR-TTL" || !strings.Contains(x.Findings[0].Fix.String(), "invalidate /a.txt") {
		t.Fatalf("cached error explanation: %+v", x)
	}
	if x.Findings[1].ID == "CACHE-ERROR-TTL" || x.Operation != "GetObject" {
		t.Errorf("the original decision is missing: %+v", x)
	}

	h.invalidate(d.id, "/a.txt")
	h.get("GET", d.domain, "/a.txt").want(t, "invalidated", 200, "Miss from cloudfront")
	h.get("GET", d.domain, "/b.txt").want(t, "not invalidated", 403, "Error from cloudfront")
	time.Sleep(1100 * time.Millisecond)
	r = h.get("GET", d.domain, "/b.txt")
	r.want(t, "error TTL passed", 200, "Miss from cloudfront")
	if r.body != "B" {
		t.Errorf("b.txt %q", r.body)
	}
}

// TestEdgeCacheSPA: 403 and 404 → /index.html with 200 (ErrorCachingMinTTL
// 0): the errors are not cached, the page is, and each route gets it.
func TestEdgeCacheSPA(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	d := h.oacDist("cache-spa", map[string]string{"index.html": "<app/>"}, func(cfg *cftypes.DistributionConfig) {
		cfg.CustomErrorResponses = &cftypes.CustomErrorResponses{Quantity: aws.Int32(2), Items: []cftypes.CustomErrorResponse{
			{ErrorCode: aws.Int32(403), ResponsePagePath: aws.String("/index.html"), ResponseCode: aws.String("200"), ErrorCachingMinTTL: aws.Int64(0)},
			{ErrorCode: aws.Int32(404), ResponsePagePath: aws.String("/index.html"), ResponseCode: aws.String("200"), ErrorCachingMinTTL: aws.Int64(0)},
		}}
	})
	n := fetches(env)
	for i, route := range []string{"/app/1", "/app/2", "/app/1"} {
		r := h.get("GET", d.domain, route)
		r.want(t, route, 200, "Error from cloudfront")
		if r.body != "<app/>" {
			t.Errorf("%s: %q", route, r.body)
		}
		// The 403 is not cached (TTL 0), the page is: the first route
		// costs two origin requests, each later one one.
		if want := int64(i + 2); fetches(env)-n != want {
			t.Errorf("after %s: %d origin requests, want %d", route, fetches(env)-n, want)
		}
	}
	// The page was asked for without viewer headers: a viewer without
	// Accept-Encoding has the same key.
	h.getWith("GET", d.domain, "/index.html", map[string]string{"Accept-Encoding": "identity"}).want(t, "the page itself", 200, "Hit from cloudfront")
}

// TestEdgeCacheCoalescing: 64 concurrent misses of one key make one
// origin request, and every viewer gets the whole object (a disk tier
// entry: larger than 256 KiB).
func TestEdgeCacheCoalescing(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	body := strings.Repeat("coalesce ", 64<<10) // 576 KiB
	d := h.oacDist("cache-flight", map[string]string{"big.bin": body}, nil)
	n := fetches(env)
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan string, 64)
	for range 64 {
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest("GET", env.Endpoint+"/big.bin", nil)
			req.Host = d.domain
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(b) != body {
				errs <- "status " + resp.Status + ", " + strconv.Itoa(len(b)) + " bytes"
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got := fetches(env) - n; got != 1 {
		t.Errorf("64 concurrent misses made %d origin requests, want 1", got)
	}
	h.get("GET", d.domain, "/big.bin").want(t, "after", 200, "Hit from cloudfront")
}

// TestEdgeCacheInvalidationWildcard: "/img/*" purges every cached path
// under /img/, query-string variants included; other paths stay cached.
func TestEdgeCacheInvalidationWildcard(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	const useOriginQS = "4cc15a8a-d715-48a4-82b8-cc0b614638fe" // UseOriginCacheControlHeaders-QueryStrings
	d := h.oacDist("cache-inv", nil, func(cfg *cftypes.DistributionConfig) {
		cfg.DefaultCacheBehavior.CachePolicyId = aws.String(useOriginQS)
	})
	for _, k := range []string{"img/a.jpg", "img/b.jpg", "other.txt"} {
		h.put("cache-inv", k, k, "max-age=3600")
	}
	paths := []string{"/img/a.jpg", "/img/b.jpg?v=1", "/img/b.jpg?v=2", "/other.txt"}
	for _, p := range paths {
		h.get("GET", d.domain, p).want(t, p, 200, "Miss from cloudfront")
		h.get("GET", d.domain, p).want(t, p, 200, "Hit from cloudfront")
	}
	h.invalidate(d.id, "/img/*")
	for _, p := range paths {
		want := "Miss from cloudfront"
		if p == "/other.txt" {
			want = "Hit from cloudfront"
		}
		h.get("GET", d.domain, p).want(t, "after /img/*: "+p, 200, want)
	}
	// An exact path does not cover its query-string variants.
	h.invalidate(d.id, "/img/b.jpg")
	h.get("GET", d.domain, "/img/b.jpg?v=1").want(t, "exact path", 200, "Hit from cloudfront")
	h.invalidate(d.id, "/img/b.jpg?v=1")
	h.get("GET", d.domain, "/img/b.jpg?v=1").want(t, "exact path with query", 200, "Miss from cloudfront")
	h.get("GET", d.domain, "/img/b.jpg?v=2").want(t, "other variant", 200, "Hit from cloudfront")
}

// TestEdgeCacheCustomOriginPolicy: a custom cache policy puts one query
// string, one header and one cookie in the key, and only those reach the
// origin; an expired object whose origin now answers 503 is served stale
// (and kept for the error caching TTL), one whose origin answers 404 is
// not: the 404 is sent, and cached.
func TestEdgeCacheCustomOriginPolicy(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	var phase2 atomic.Bool
	var hits atomic.Int64
	seen := make(chan *http.Request, 16)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := hits.Add(1)
		seen <- r
		if phase2.Load() {
			switch r.URL.Path {
			case "/p":
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			case "/q":
				w.WriteHeader(http.StatusNotFound)
				return
			}
		}
		w.Header().Set("Cache-Control", "max-age=1")
		_, _ = io.WriteString(w, r.URL.Path+"?"+r.URL.RawQuery+" "+r.Header.Get("X-Variant")+" "+r.Header.Get("Cookie")+" #"+strconv.FormatInt(n, 10))
	}))
	defer origin.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(origin.URL, "http://"))
	p, _ := strconv.Atoi(port)
	cp, err := h.cf.CreateCachePolicy(context.Background(), &cloudfront.CreateCachePolicyInput{CachePolicyConfig: &cftypes.CachePolicyConfig{
		Name: aws.String("variant"), MinTTL: aws.Int64(0), DefaultTTL: aws.Int64(60), MaxTTL: aws.Int64(3600),
		ParametersInCacheKeyAndForwardedToOrigin: &cftypes.ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: aws.Bool(false),
			HeadersConfig: &cftypes.CachePolicyHeadersConfig{HeaderBehavior: cftypes.CachePolicyHeaderBehaviorWhitelist,
				Headers: &cftypes.Headers{Quantity: aws.Int32(1), Items: []string{"X-Variant"}}},
			CookiesConfig: &cftypes.CachePolicyCookiesConfig{CookieBehavior: cftypes.CachePolicyCookieBehaviorWhitelist,
				Cookies: &cftypes.CookieNames{Quantity: aws.Int32(1), Items: []string{"session"}}},
			QueryStringsConfig: &cftypes.CachePolicyQueryStringsConfig{QueryStringBehavior: cftypes.CachePolicyQueryStringBehaviorWhitelist,
				QueryStrings: &cftypes.QueryStringNames{Quantity: aws.Int32(1), Items: []string{"v"}}},
		}}})
	if err != nil {
		t.Fatal(err)
	}
	d := h.dist("unused", func(o *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		o.DomainName = aws.String("127.0.0.1")
		o.S3OriginConfig = nil
		o.CustomOriginConfig = &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(int32(p)), HTTPSPort: aws.Int32(443),
			OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly}
		cfg.DefaultCacheBehavior.CachePolicyId = cp.CachePolicy.Id
	})
	get := func(target, variant, cookie string) viewerResp {
		return h.getWith("GET", d.domain, target, map[string]string{"X-Variant": variant, "Cookie": cookie})
	}
	r := get("/p?v=1&utm=x", "a", "other=o; session=s")
	r.want(t, "first", 200, "Miss from cloudfront")
	if got := <-seen; got.URL.RawQuery != "v=1" || got.Header.Get("X-Variant") != "a" || got.Header.Get("Cookie") != "session=s" {
		t.Errorf("origin saw %s X-Variant %q Cookie %q", got.URL, got.Header.Get("X-Variant"), got.Header.Get("Cookie"))
	}
	first := r.body
	r = get("/p?utm=y&v=1", "a", "session=s; other=z")
	r.want(t, "same key", 200, "Hit from cloudfront")
	if r.body != first {
		t.Errorf("hit body %q, want %q", r.body, first)
	}
	get("/p?v=2", "a", "session=s").want(t, "other query", 200, "Miss from cloudfront")
	get("/p?v=1", "b", "session=s").want(t, "other header", 200, "Miss from cloudfront")
	get("/p?v=1", "a", "session=t").want(t, "other cookie", 200, "Miss from cloudfront")
	get("/q", "", "").want(t, "q", 200, "Miss from cloudfront")
	for len(seen) > 0 {
		<-seen
	}

	time.Sleep(1100 * time.Millisecond)
	phase2.Store(true)
	n := hits.Load()
	r = get("/p?v=1&utm=z", "a", "session=s")
	r.want(t, "stale on 503", 200, "Hit from cloudfront")
	if r.body != first || hits.Load() != n+1 {
		t.Errorf("stale on 503: %q (origin requests %d)", r.body, hits.Load()-n)
	}
	get("/p?v=1", "a", "session=s").want(t, "stale kept", 200, "Hit from cloudfront")
	if hits.Load() != n+1 {
		t.Errorf("the stale object was not kept: %d origin requests", hits.Load()-n)
	}
	get("/q", "", "").want(t, "404 after expiry", 404, "Error from cloudfront")
	get("/q", "", "").want(t, "404 cached", 404, "Error from cloudfront")
	if hits.Load() != n+2 {
		t.Errorf("404: %d origin requests, want 2", hits.Load()-n)
	}
}
