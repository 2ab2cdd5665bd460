package cache

import (
	"net/http"
	"testing"
	"time"
)

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// TestTTL is spec §5.6's table: s-maxage > max-age > Expires, clamped to
// [MinTTL, MaxTTL]; DefaultTTL without headers; no-cache, no-store and
// private not cached with MinTTL 0, else cached for MinTTL.
func TestTTL(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := time.Second
	def := TTLs{Min: 0, Default: 86400 * s, Max: 31536000 * s}
	min60 := TTLs{Min: 60 * s, Default: 3600 * s, Max: 7200 * s}
	expires := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	tests := []struct {
		name  string
		ttls  TTLs
		h     http.Header
		want  time.Duration
		store bool
	}{
		{"no headers: DefaultTTL", def, hdr(), 86400 * s, true},
		{"no headers, MinTTL above default", TTLs{Min: 100 * s, Default: 50 * s, Max: 200 * s}, hdr(), 100 * s, true},
		{"max-age", def, hdr("Cache-Control", "max-age=300"), 300 * s, true},
		{"s-maxage beats max-age", def, hdr("Cache-Control", "max-age=300, s-maxage=30"), 30 * s, true},
		{"s-maxage in a second header", def, hdr("Cache-Control", "public, max-age=300", "Cache-Control", "s-maxage=40"), 40 * s, true},
		{"max-age beats Expires", def, hdr("Cache-Control", "max-age=10", "Expires", expires(time.Hour)), 10 * s, true},
		{"Expires alone", def, hdr("Expires", expires(time.Hour)), 3600 * s, true},
		{"Expires in the past", def, hdr("Expires", expires(-time.Hour)), 0, true},
		{"invalid Expires: expired", def, hdr("Expires", "0"), 0, true},
		{"max-age below MinTTL", min60, hdr("Cache-Control", "max-age=5"), 60 * s, true},
		{"max-age above MaxTTL", min60, hdr("Cache-Control", "max-age=99999"), 7200 * s, true},
		{"Expires above MaxTTL", min60, hdr("Expires", expires(24*time.Hour)), 7200 * s, true},
		{"max-age=0", def, hdr("Cache-Control", "max-age=0"), 0, true},
		{"no-store, MinTTL 0", def, hdr("Cache-Control", "no-store"), 0, false},
		{"no-cache, MinTTL 0", def, hdr("Cache-Control", "no-cache"), 0, false},
		{"private, MinTTL 0", def, hdr("Cache-Control", "private, max-age=600"), 0, false},
		{"no-store, MinTTL 60", min60, hdr("Cache-Control", "no-store"), 60 * s, true},
		{"private, MinTTL 60", min60, hdr("Cache-Control", "private"), 60 * s, true},
		{"directive case", def, hdr("Cache-Control", "Max-Age=12"), 12 * s, true},
		{"malformed max-age ignored", def, hdr("Cache-Control", "max-age=abc"), 86400 * s, true},
		{"quoted max-age", def, hdr("Cache-Control", `max-age="20"`), 20 * s, true},
	}
	for _, tt := range tests {
		got, store := TTL(tt.ttls, ParseDirectives(tt.h), now)
		if got != tt.want || store != tt.store {
			t.Errorf("%s: TTL = %v, %v; want %v, %v", tt.name, got, store, tt.want, tt.store)
		}
	}
}

// TestErrorTTL is spec §5.7's table.
func TestErrorTTL(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := time.Second
	maxTTL := 3600 * s
	def := ErrorRule{MinTTL: 10 * s}
	custom403 := ErrorRule{MinTTL: 1 * s, Custom: true}
	zero := ErrorRule{}
	tests := []struct {
		name   string
		status int
		rule   ErrorRule
		h      http.Header
		want   time.Duration
		store  bool
	}{
		{"404 always", 404, def, hdr(), 10 * s, true},
		{"414 always", 414, def, hdr(), 10 * s, true},
		{"500 always", 500, def, hdr(), 10 * s, true},
		{"501", 501, def, hdr(), 10 * s, true},
		{"502", 502, def, hdr(), 10 * s, true},
		{"503", 503, def, hdr(), 10 * s, true},
		{"504", 504, def, hdr(), 10 * s, true},
		{"404 max-age above min", 404, def, hdr("Cache-Control", "max-age=60"), 60 * s, true},
		{"404 max-age below min", 404, def, hdr("Cache-Control", "max-age=3"), 10 * s, true},
		{"404 max-age capped at MaxTTL", 404, def, hdr("Cache-Control", "max-age=99999"), 3600 * s, true},
		{"404 Expires", 404, def, hdr("Expires", now.Add(time.Minute).Format(http.TimeFormat)), 60 * s, true},
		{"404 min 0, no headers: not kept", 404, zero, hdr(), 0, false},
		{"400 without headers", 400, def, hdr(), 0, false},
		{"403 without headers", 403, def, hdr(), 0, false},
		{"405 without headers", 405, def, hdr(), 0, false},
		{"412 without headers", 412, def, hdr(), 0, false},
		{"415 without headers", 415, def, hdr(), 0, false},
		{"403 Expires only: not kept", 403, def, hdr("Expires", now.Add(time.Minute).Format(http.TimeFormat)), 0, false},
		{"403 max-age", 403, def, hdr("Cache-Control", "max-age=30"), 30 * s, true},
		{"400 s-maxage below min", 400, def, hdr("Cache-Control", "s-maxage=2"), 10 * s, true},
		{"403 custom error response, no headers (UNCONFIRMED rule)", 403, custom403, hdr(), 1 * s, true},
		{"403 custom, max-age", 403, custom403, hdr("Cache-Control", "max-age=30"), 30 * s, true},
		{"404 custom page min", 404, custom403, hdr(), 1 * s, true},
		{"416 never", 416, def, hdr("Cache-Control", "max-age=30"), 0, false},
		{"401 never", 401, def, hdr("Cache-Control", "max-age=30"), 0, false},
		{"429 never", 429, def, hdr(), 0, false},
	}
	for _, tt := range tests {
		got, store := ErrorTTL(tt.status, tt.rule, maxTTL, ParseDirectives(tt.h), now)
		if got != tt.want || store != tt.store {
			t.Errorf("%s: ErrorTTL = %v, %v; want %v, %v", tt.name, got, store, tt.want, tt.store)
		}
	}
}

func TestCacheable(t *testing.T) {
	for status, want := range map[int]bool{200: true, 203: true, 301: true, 302: true, 206: false, 304: false,
		403: true, 404: true, 416: false, 401: false, 500: true, 505: false} {
		if Cacheable(status) != want {
			t.Errorf("Cacheable(%d) = %v", status, !want)
		}
	}
}
