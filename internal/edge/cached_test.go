package edge

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/cache"
	"github.com/edgegate/edgegate/internal/cloudfront"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		v               string
		size            int64
		start, n        int64
		ok, satisfiable bool
	}{
		{"bytes=0-4", 13, 0, 5, true, true},
		{"bytes=6-", 13, 6, 7, true, true},
		{"bytes=-3", 13, 10, 3, true, true},
		{"bytes=-30", 13, 0, 13, true, true},
		{"bytes=5-100", 13, 5, 8, true, true},
		{"bytes=13-", 13, 0, 0, false, false},
		{"bytes=-0", 13, 0, 0, false, false},
		{"bytes=0-1", 0, 0, 0, false, false},
		{"bytes=0-1,3-4", 13, 0, 0, false, true}, // several ranges: ignored
		{"bytes=5-2", 13, 0, 0, false, true},
		{"items=0-1", 13, 0, 0, false, true},
		{"bytes=a-b", 13, 0, 0, false, true},
	}
	for _, tt := range tests {
		s, n, ok, sat := parseRange(tt.v, tt.size)
		if s != tt.start || n != tt.n || ok != tt.ok || sat != tt.satisfiable {
			t.Errorf("parseRange(%q, %d) = %d %d %v %v", tt.v, tt.size, s, n, ok, sat)
		}
	}
}

func TestNotModified(t *testing.T) {
	lm := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	stored := http.Header{"Etag": {`"abc"`}, "Last-Modified": {lm.Format(http.TimeFormat)}}
	tests := []struct {
		h    map[string]string
		want bool
	}{
		{map[string]string{"If-None-Match": `"abc"`}, true},
		{map[string]string{"If-None-Match": `"x", W/"abc"`}, true},
		{map[string]string{"If-None-Match": `*`}, true},
		{map[string]string{"If-None-Match": `"x"`}, false},
		{map[string]string{"If-None-Match": `"x"`, "If-Modified-Since": lm.Format(http.TimeFormat)}, false}, // INM decides
		{map[string]string{"If-Modified-Since": lm.Format(http.TimeFormat)}, true},
		{map[string]string{"If-Modified-Since": lm.Add(-time.Second).Format(http.TimeFormat)}, false},
		{map[string]string{"If-Modified-Since": "garbage"}, false},
		{map[string]string{}, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.h {
			h.Set(k, v)
		}
		if got := notModified(h, stored); got != tt.want {
			t.Errorf("notModified(%v) = %v", tt.h, got)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestLegacyPolicy: ForwardedValues and the legacy TTLs.
func TestLegacyPolicy(t *testing.T) {
	b := Behavior{
		ForwardedValues: &cloudfront.ForwardedValues{
			QueryString:          ptr(true),
			QueryStringCacheKeys: &cloudfront.QueryStringCacheKeys{Items: []string{"v"}},
			Headers:              &cloudfront.Headers{Items: []string{"Origin"}},
			Cookies:              &cloudfront.CookiePreference{Forward: ptr("whitelist"), WhitelistedNames: &cloudfront.CookieNames{Items: []string{"s"}}},
		},
		MinTTL: ptr(int64(5)), DefaultTTL: ptr(int64(50)), MaxTTL: ptr(int64(500)),
	}
	p := legacyPolicy(b)
	if p.ttl != (cache.TTLs{Min: 5 * time.Second, Default: 50 * time.Second, Max: 500 * time.Second}) || p.disabled {
		t.Errorf("ttl %+v disabled %v", p.ttl, p.disabled)
	}
	// All query strings are forwarded, only v is in the key.
	if !p.query.Includes("utm") || p.key.QueryStrings.Includes("utm") || !p.key.QueryStrings.Includes("v") {
		t.Errorf("query strings: %+v", p)
	}
	if !p.headers.Includes("origin") || p.headers.Includes("Referer") || !p.cookies.Includes("s") || p.cookies.Includes("t") {
		t.Errorf("headers/cookies: %+v", p)
	}
	if q := legacyPolicy(Behavior{}); q.query.Includes("v") || q.ttl != cache.DefaultTTLs || q.disabled {
		t.Errorf("no ForwardedValues: %+v", q)
	}
	all := legacyPolicy(Behavior{ForwardedValues: &cloudfront.ForwardedValues{Headers: &cloudfront.Headers{Items: []string{"*"}}}})
	if !all.disabled || !all.headers.Includes("Anything") {
		t.Errorf("Headers *: %+v", all)
	}
	if z := legacyPolicy(Behavior{MaxTTL: ptr(int64(0)), DefaultTTL: ptr(int64(0))}); !z.disabled {
		t.Error("MaxTTL 0 caches")
	}
}

// TestApplyPolicy: what reaches the origin.
func TestApplyPolicy(t *testing.T) {
	e := New(Config{})
	v := httptest.NewRequest(http.MethodGet, "http://d1.cloudfront.localhost/a?v=1&utm=2&w=3", nil)
	v.Header.Set("Cookie", "z=1; a=2; session=3")
	v.Header.Set("X-Variant", "m")
	v.Header.Set("Referer", "https://r")
	v.Header.Set("Authorization", "secret")
	v.Header.Set("Accept-Encoding", "gzip, br, deflate")
	v.Header.Set("Range", "bytes=0-1")
	v.Header.Set("Connection", "keep-alive")
	p := cachePolicy{
		key: cache.KeyPolicy{Gzip: true, QueryStrings: cache.List{Mode: cache.Whitelist, Names: []string{"v"}},
			Headers: cache.List{Mode: cache.Whitelist, Names: []string{"x-variant"}, Fold: true}},
		query:   cache.Union{cache.List{Mode: cache.Whitelist, Names: []string{"v"}}, cache.List{Mode: cache.Whitelist, Names: []string{"w"}}},
		headers: cache.Union{cache.List{Mode: cache.Whitelist, Names: []string{"x-variant"}, Fold: true}, cache.List{Mode: cache.All}},
		cookies: cache.List{Mode: cache.AllExcept, Names: []string{"z"}},
	}
	or := e.NewOriginRequest(v.Context(), v, "us-east-1", "/b/a", "ID==")
	applyPolicy(or, v, p, true)
	checks := map[string]string{
		"query":           or.URL.RawQuery,
		"X-Variant":       or.Header.Get("X-Variant"),
		"Referer":         or.Header.Get("Referer"),
		"Authorization":   or.Header.Get("Authorization"),
		"Cookie":          or.Header.Get("Cookie"),
		"Accept-Encoding": or.Header.Get("Accept-Encoding"),
		"Range":           or.Header.Get("Range"),
		"Connection":      or.Header.Get("Connection"),
		"X-Amz-Cf-Id":     or.Header.Get("X-Amz-Cf-Id"),
		"RequestURI":      or.RequestURI,
	}
	want := map[string]string{
		"query": "v=1&w=3", "X-Variant": "m", "Referer": "https://r", "Authorization": "", "Cookie": "a=2; session=3",
		"Accept-Encoding": "gzip", "Range": "", "Connection": "", "X-Amz-Cf-Id": "ID==", "RequestURI": "/b/a?v=1&w=3",
	}
	for k, w := range want {
		if checks[k] != w {
			t.Errorf("%s = %q, want %q", k, checks[k], w)
		}
	}
	// Not for the cache: Range is the viewer's.
	or2 := e.NewOriginRequest(v.Context(), v, "us-east-1", "/b/a", "ID==")
	applyPolicy(or2, v, p, false)
	if or2.Header.Get("Range") != "bytes=0-1" {
		t.Errorf("uncached Range %q", or2.Header.Get("Range"))
	}
}

// TestApplyPolicyNeverForwardsEdgegateHeaders: a policy forwarding every
// viewer header still keeps edgegate's control headers (the operator token
// above all) away from the origin.
func TestApplyPolicyNeverForwardsEdgegateHeaders(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "http://d.example/x", nil)
	r.Header.Set("X-Edgegate-Operator-Token", "secret")
	r.Header.Set("X-Edgegate-Context", "aws:SourceVpce=vpce-1")
	r.Header.Set("X-Edgegate-Viewer-Country", "FR")
	r.Header.Set("X-Custom", "kept")
	or := httptest.NewRequest(http.MethodGet, "http://origin/x", nil)
	p := cachePolicy{headers: cache.List{Mode: cache.All}}
	applyPolicy(or, r, p, false)
	for k := range or.Header {
		if strings.HasPrefix(k, "X-Edgegate-") {
			t.Errorf("forwarded %s to the origin", k)
		}
	}
	if or.Header.Get("X-Custom") != "kept" {
		t.Errorf("X-Custom not forwarded: %v", or.Header)
	}
}

// TestForwardsNoCookies: whether a behavior's policies send any cookie to
// the origin (when none, Set-Cookie is removed from its responses).
func TestForwardsNoCookies(t *testing.T) {
	fv := func(forward string, names ...string) Behavior {
		c := &cloudfront.CookiePreference{Forward: ptr(forward)}
		if len(names) > 0 {
			c.WhitelistedNames = &cloudfront.CookieNames{Items: names}
		}
		return Behavior{ForwardedValues: &cloudfront.ForwardedValues{Cookies: c}}
	}
	tests := []struct {
		name string
		p    cachePolicy
		want bool
	}{
		{"no ForwardedValues", legacyPolicy(Behavior{}), true},
		{"legacy none", legacyPolicy(fv("none")), true},
		{"legacy whitelist", legacyPolicy(fv("whitelist", "s")), false},
		{"legacy all", legacyPolicy(fv("all")), false},
		{"cache policy none, origin request policy all",
			cachePolicy{cookies: cache.Union{cache.List{}, cache.List{Mode: cache.All}}}, false},
		{"both none", cachePolicy{cookies: cache.Union{cache.List{}, cache.List{}}}, true},
	}
	for _, tt := range tests {
		if got := tt.p.forwardsNoCookies(); got != tt.want {
			t.Errorf("%s: forwardsNoCookies = %v", tt.name, got)
		}
	}
}

// TestReadTimeoutBody: each Read of a custom origin's body must complete
// within the timeout; one that does not cancels the origin request and
// fails as a timeout.
func TestReadTimeoutBody(t *testing.T) {
	tests := []struct {
		name    string
		stall   bool
		timeout bool
	}{
		{"whole body in time", false, false},
		{"stalls after the first bytes", true, true},
	}
	for _, tt := range tests {
		pr, pw := io.Pipe()
		cancelled := make(chan struct{})
		b := newReadTimeoutBody(pr, 50*time.Millisecond, func() {
			close(cancelled)
			pw.CloseWithError(context.Canceled) // as the transport does
		})
		go func() {
			_, _ = pw.Write([]byte("ab"))
			time.Sleep(20 * time.Millisecond) // less than the timeout
			_, _ = pw.Write([]byte("cd"))
			if !tt.stall {
				pw.Close()
			}
		}()
		got, err := io.ReadAll(b)
		if tt.timeout != b.timedOut() || tt.timeout != errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: timedOut %v, err %v", tt.name, b.timedOut(), err)
		}
		if string(got) != "abcd" {
			t.Errorf("%s: read %q", tt.name, got)
		}
		select {
		case <-cancelled:
			if !tt.timeout {
				t.Errorf("%s: cancelled", tt.name)
			}
		default:
			if tt.timeout {
				t.Errorf("%s: not cancelled", tt.name)
			}
		}
		_ = b.Close()
	}
}
