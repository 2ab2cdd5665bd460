package cache

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestBuildKey(t *testing.T) {
	req := func(target string, kv ...string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "http://d.example"+target, nil)
		for i := 0; i+1 < len(kv); i += 2 {
			r.Header.Add(kv[i], kv[i+1])
		}
		return r
	}
	optimized := KeyPolicy{Gzip: true, Brotli: true}
	qsAll := KeyPolicy{QueryStrings: List{Mode: All}}
	qsSome := KeyPolicy{QueryStrings: List{Mode: Whitelist, Names: []string{"size", "lang"}}}
	qsExcept := KeyPolicy{QueryStrings: List{Mode: AllExcept, Names: []string{"utm"}}}
	headers := KeyPolicy{Headers: List{Mode: Whitelist, Names: []string{"origin", "X-Device"}, Fold: true}}
	cookies := KeyPolicy{Cookies: List{Mode: Whitelist, Names: []string{"session", "theme"}}}
	cookiesExcept := KeyPolicy{Cookies: List{Mode: AllExcept, Names: []string{"tracking"}}}
	host := func(target, h string) *http.Request {
		r := req(target)
		r.Host = h
		return r
	}
	hostKey := KeyPolicy{Headers: List{Mode: Whitelist, Names: []string{"Host"}, Fold: true}}
	tests := []struct {
		name string
		a, b *http.Request
		p    KeyPolicy
		same bool
	}{
		{"query ignored", req("/a?x=1"), req("/a?x=2"), optimized, true},
		{"paths differ", req("/a"), req("/b"), optimized, false},
		{"path case", req("/a"), req("/A"), optimized, false},
		{"gzip vs none", req("/a", "Accept-Encoding", "gzip"), req("/a"), optimized, false},
		{"normalized encodings", req("/a", "Accept-Encoding", "gzip, deflate, br"), req("/a", "Accept-Encoding", "br;q=0.9,gzip"), optimized, true},
		{"identity is none", req("/a", "Accept-Encoding", "identity"), req("/a"), optimized, true},
		{"encodings not in key", req("/a", "Accept-Encoding", "gzip"), req("/a"), KeyPolicy{}, true},
		{"all query strings", req("/a?x=1"), req("/a?x=2"), qsAll, false},
		{"query order matters", req("/a?x=1&y=2"), req("/a?y=2&x=1"), qsAll, false},
		{"whitelisted query", req("/a?size=1&utm=a"), req("/a?size=1&utm=b"), qsSome, true},
		{"whitelisted query differs", req("/a?size=1"), req("/a?size=2"), qsSome, false},
		{"allExcept query", req("/a?v=1&utm=a"), req("/a?v=1&utm=b"), qsExcept, true},
		{"allExcept query differs", req("/a?v=1"), req("/a?v=2"), qsExcept, false},
		{"header in key", req("/a", "Origin", "https://x"), req("/a", "Origin", "https://y"), headers, false},
		{"header name case", req("/a", "x-device", "m"), req("/a", "X-DEVICE", "m"), headers, true},
		{"header not in key", req("/a", "User-Agent", "a"), req("/a", "User-Agent", "b"), headers, true},
		{"cookie in key", req("/a", "Cookie", "session=1"), req("/a", "Cookie", "session=2"), cookies, false},
		{"cookie order", req("/a", "Cookie", "theme=d; session=1"), req("/a", "Cookie", "session=1; theme=d"), cookies, true},
		{"cookie not in key", req("/a", "Cookie", "other=1"), req("/a", "Cookie", "other=2"), cookies, true},
		{"cookie name case-sensitive", req("/a", "Cookie", "Session=1"), req("/a"), cookies, true},
		{"host in key", host("/a", "www.example.com"), host("/a", "cdn.example.com"), hostKey, false},
		{"host case", host("/a", "WWW.example.com"), host("/a", "www.example.com"), hostKey, true},
		{"host not in key", host("/a", "www.example.com"), host("/a", "cdn.example.com"), headers, true},
		{"allExcept cookies", req("/a", "Cookie", "tracking=1; a=1"), req("/a", "Cookie", "a=1"), cookiesExcept, true},
	}
	for _, tt := range tests {
		ka, kb := BuildKey("E1", http.MethodGet, tt.a.URL.Path, tt.a, tt.p), BuildKey("E1", http.MethodGet, tt.b.URL.Path, tt.b, tt.p)
		if (ka == kb) != tt.same {
			t.Errorf("%s: keys %q and %q, same=%v", tt.name, ka, kb, ka == kb)
		}
	}
	r := req("/a?x=1")
	if BuildKey("E1", "GET", "/a", r, qsAll) == BuildKey("E2", "GET", "/a", r, qsAll) {
		t.Error("two distributions share a key")
	}
	if BuildKey("E1", "GET", "/a", r, qsAll) == BuildKey("E1", "OPTIONS", "/a", r, qsAll) {
		t.Error("OPTIONS shares GET's key")
	}
	// A "?" decoded from %3F stays in the path: /app.js%3Fv=123 and
	// /app.js?v=123 are two objects.
	enc, lit := req("/app.js%3Fv=123"), req("/app.js?v=123")
	ke, kl := BuildKey("E1", "GET", enc.URL.Path, enc, qsAll), BuildKey("E1", "GET", lit.URL.Path, lit, qsAll)
	if ke == kl || ke.Target() != "/app.js%3Fv=123" || kl.Target() != "/app.js?v=123" {
		t.Errorf("%%3F: targets %q and %q", ke.Target(), kl.Target())
	}
	pct, q := req("/a%253F"), req("/a%3F")
	if kp, kq := BuildKey("E1", "GET", pct.URL.Path, pct, qsAll), BuildKey("E1", "GET", q.URL.Path, q, qsAll); kp == kq {
		t.Errorf("%%253F and %%3F share key %q", kp)
	}
	k := BuildKey("E1", "GET", "/img/a.jpg", req("/img/a.jpg?size=2&x=1"), qsSome)
	if k.Distribution() != "E1" || k.Target() != "/img/a.jpg?size=2" {
		t.Errorf("key parts: %q %q", k.Distribution(), k.Target())
	}
}

func TestFilters(t *testing.T) {
	if got := FilterQuery("a=1&b=2&c%5B%5D=3&a=4", List{Mode: Whitelist, Names: []string{"a", "c[]"}}); got != "a=1&c%5B%5D=3&a=4" {
		t.Errorf("FilterQuery = %q", got)
	}
	if got := FilterQuery("a=1&b=2", Union{List{Mode: Whitelist, Names: []string{"a"}}, List{Mode: Whitelist, Names: []string{"b"}}}); got != "a=1&b=2" {
		t.Errorf("FilterQuery union = %q", got)
	}
	h := http.Header{"Cookie": {"b=2; a=1", "c=3"}}
	if got := FilterCookies(h, List{Mode: All}); got != "a=1; b=2; c=3" {
		t.Errorf("FilterCookies = %q", got)
	}
	for in, want := range map[string]string{"gzip": "gzip", "br": "br", "gzip, br": "br,gzip", "deflate": "", "gzip;q=0, br": "br", "GZIP": "gzip", "*": ""} {
		if got := NormalizeAcceptEncoding(in, true, true); got != want {
			t.Errorf("NormalizeAcceptEncoding(%q) = %q, want %q", in, got, want)
		}
	}
	if got := NormalizeAcceptEncoding("gzip, br", true, false); got != "gzip" {
		t.Errorf("gzip only: %q", got)
	}
}

func TestMatchInvalidation(t *testing.T) {
	tests := []struct {
		path, target string
		want         bool
	}{
		{"/a.jpg", "/a.jpg", true},
		{"/a.jpg", "/a.jpg?v=2", false},
		{"/a.jpg", "/A.jpg", false},
		{"/a.jpg*", "/a.jpg?v=2", true},
		{"/images/*", "/images/x/y.png", true},
		{"/images/*", "/images", false},
		{"/*", "/anything?x=1", true},
		{"/a.jpg?v=2", "/a.jpg?v=2", true},
		{"/a%20b.txt", "/a b.txt", true},
		{"/%E6%97%A5*", "/日本.txt", true},
		{"/index.html", "/", false},
		// An encoded "?" is part of the path (targets keep it as %3F).
		{"/app.js%3Fv=1", "/app.js%3Fv=1", true},
		{"/app.js%3fv=1", "/app.js%3Fv=1", true},
		{"/app.js%3Fv=1", "/app.js?v=1", false},
		{"/app.js?v=1", "/app.js%3Fv=1", false},
		{"/app.js%3F*", "/app.js%3Fv=1", true},
		{"/app.js%3F*", "/app.js?v=1", false},
		{"/app.js*", "/app.js%3Fv=1", true},
		{"/app.js*", "/app.js?v=1", true},
		{"/a%253F", "/a%253F", true},
		{"/a%253F", "/a%3F", false},
		{"/a%20b*", "/a b.txt?x=1", true},
	}
	for _, tt := range tests {
		if got := MatchInvalidation(tt.path, tt.target); got != tt.want {
			t.Errorf("MatchInvalidation(%q, %q) = %v", tt.path, tt.target, got)
		}
	}
}

func TestSelectsNothing(t *testing.T) {
	tests := []struct {
		sel  Selector
		want bool
	}{
		{nil, true},
		{List{}, true},
		{List{Mode: Whitelist}, true},
		{List{Mode: Whitelist, Names: []string{"a"}}, false},
		{List{Mode: AllExcept, Names: []string{"a"}}, false},
		{List{Mode: All}, false},
		{Union{List{}, List{Mode: Whitelist}}, true},
		{Union{List{}, List{Mode: All}}, false},
	}
	for _, tt := range tests {
		if got := SelectsNothing(tt.sel); got != tt.want {
			t.Errorf("SelectsNothing(%#v) = %v", tt.sel, got)
		}
	}
}
