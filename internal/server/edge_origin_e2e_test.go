package server_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgegate/edgegate/internal/testenv"
)

// customDist is a distribution (CachingOptimized unless edit changes it)
// over the HTTP custom origin at originURL ("http://127.0.0.1:port").
func (h *edgeHarness) customDist(originURL string, edit func(o *cftypes.Origin, cfg *cftypes.DistributionConfig)) edgeDist {
	h.t.Helper()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(originURL, "http://"))
	p, _ := strconv.Atoi(port)
	return h.dist("unused", func(o *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		o.DomainName = aws.String("127.0.0.1")
		o.S3OriginConfig = nil
		o.CustomOriginConfig = &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(int32(p)), HTTPSPort: aws.Int32(443),
			OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly}
		if edit != nil {
			edit(o, cfg)
		}
	})
}

// TestEdgeCacheStaleOnUnreachableOrigin: an expired object whose custom
// origin can no longer be reached (CloudFront's own 502) is served stale
// and kept, as for an origin 5xx (spec §5.7); without a stale object the
// viewer gets the 502.
func TestEdgeCacheStaleOnUnreachableOrigin(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=1")
		_, _ = w.Write([]byte("v1 " + r.URL.Path))
	}))
	d := h.customDist(origin.URL, nil)
	h.get("GET", d.domain, "/a").want(t, "first", 200, "Miss from cloudfront")
	origin.Close()
	time.Sleep(1100 * time.Millisecond)
	r := h.get("GET", d.domain, "/a")
	r.want(t, "stale on unreachable origin", 200, "Hit from cloudfront")
	if r.body != "v1 /a" {
		t.Errorf("stale body %q", r.body)
	}
	h.get("GET", d.domain, "/a").want(t, "stale kept", 200, "Hit from cloudfront")
	h.get("GET", d.domain, "/b").want(t, "nothing stale", 502, "Error from cloudfront")
}

// TestEdgeSetCookie: a behavior that forwards no cookies removes the
// origin's Set-Cookie from what viewers get, misses and hits alike; one
// that forwards cookies passes it on, and caches it with the object
// (CloudFront Developer Guide, "Cache content based on cookies").
func TestEdgeSetCookie(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Set-Cookie", "sid=s3cr3t; Path=/")
		_, _ = w.Write([]byte("body"))
	}))
	defer origin.Close()
	cp, err := h.cf.CreateCachePolicy(context.Background(), &cloudfront.CreateCachePolicyInput{CachePolicyConfig: &cftypes.CachePolicyConfig{
		Name: aws.String("cookies"), MinTTL: aws.Int64(0), DefaultTTL: aws.Int64(60), MaxTTL: aws.Int64(3600),
		ParametersInCacheKeyAndForwardedToOrigin: &cftypes.ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: aws.Bool(false),
			HeadersConfig:            &cftypes.CachePolicyHeadersConfig{HeaderBehavior: cftypes.CachePolicyHeaderBehaviorNone},
			CookiesConfig: &cftypes.CachePolicyCookiesConfig{CookieBehavior: cftypes.CachePolicyCookieBehaviorWhitelist,
				Cookies: &cftypes.CookieNames{Quantity: aws.Int32(1), Items: []string{"session"}}},
			QueryStringsConfig: &cftypes.CachePolicyQueryStringsConfig{QueryStringBehavior: cftypes.CachePolicyQueryStringBehaviorNone},
		}}})
	if err != nil {
		t.Fatal(err)
	}
	none := h.customDist(origin.URL, nil) // CachingOptimized: no cookies
	some := h.customDist(origin.URL, func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		cfg.DefaultCacheBehavior.CachePolicyId = cp.CachePolicy.Id
	})
	tests := []struct {
		name      string
		d         edgeDist
		xcache    string
		setCookie string
	}{
		{"no cookies forwarded, miss", none, "Miss from cloudfront", ""},
		{"no cookies forwarded, hit", none, "Hit from cloudfront", ""},
		{"cookies forwarded, miss", some, "Miss from cloudfront", "sid=s3cr3t; Path=/"},
		{"cookies forwarded, hit", some, "Hit from cloudfront", "sid=s3cr3t; Path=/"},
	}
	for _, tt := range tests {
		r := h.get("GET", tt.d.domain, "/page")
		r.want(t, tt.name, 200, tt.xcache)
		if got := r.header.Get("Set-Cookie"); got != tt.setCookie {
			t.Errorf("%s: Set-Cookie %q, want %q", tt.name, got, tt.setCookie)
		}
	}
}

// TestEdgeOriginBodyStall: a custom origin that sends its headers and part
// of the body, then nothing, is given up on after OriginReadTimeout: the
// viewer gets CloudFront's 504, nothing is cached, and the next request
// goes to the origin again instead of joining a fill that never ends.
func TestEdgeOriginBodyStall(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	release := make(chan struct{})
	var hits atomic.Int64
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Content-Length", "100")
		_, _ = w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer origin.Close()
	defer close(release)
	d := h.customDist(origin.URL, func(o *cftypes.Origin, _ *cftypes.DistributionConfig) {
		o.CustomOriginConfig.OriginReadTimeout = aws.Int32(1)
	})
	for i := range 2 {
		start := time.Now()
		r := h.get("GET", d.domain, "/slow")
		r.want(t, "stalled body "+strconv.Itoa(i), http.StatusGatewayTimeout, "Error from cloudfront")
		if el := time.Since(start); el < 900*time.Millisecond || el > 5*time.Second {
			t.Errorf("answered after %v, want about OriginReadTimeout (1s)", el)
		}
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("origin requests %d, want 2 (nothing cached)", n)
	}
}

// TestEdgeHostInKey: a behavior that forwards Host (legacy Headers
// [Host]) keys on the viewer's Host: the distribution's two alternate
// domain names get their own entries, each with what the custom origin
// answered for its Host.
func TestEdgeHostInKey(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		_, _ = w.Write([]byte("site " + r.Host))
	}))
	defer origin.Close()
	h.customDist(origin.URL, func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		cfg.Aliases = &cftypes.Aliases{Quantity: aws.Int32(2), Items: []string{"a.host-key.example", "b.host-key.example"}}
		cfg.DefaultCacheBehavior.CachePolicyId = nil
		cfg.DefaultCacheBehavior.ForwardedValues = &cftypes.ForwardedValues{QueryString: aws.Bool(false),
			Cookies: &cftypes.CookiePreference{Forward: cftypes.ItemSelectionNone},
			Headers: &cftypes.Headers{Quantity: aws.Int32(1), Items: []string{"Host"}}}
		cfg.DefaultCacheBehavior.MinTTL = aws.Int64(0)
	})

	tests := []struct {
		host, xcache, body string
	}{
		{"a.host-key.example", "Miss from cloudfront", "site a.host-key.example"},
		{"b.host-key.example", "Miss from cloudfront", "site b.host-key.example"},
		{"A.host-key.example", "Hit from cloudfront", "site a.host-key.example"},
		{"b.host-key.example", "Hit from cloudfront", "site b.host-key.example"},
	}
	for _, tt := range tests {
		r := h.get("GET", tt.host, "/index.html")
		r.want(t, tt.host, 200, tt.xcache)
		if r.body != tt.body {
			t.Errorf("%s: body %q, want %q", tt.host, r.body, tt.body)
		}
	}
}
