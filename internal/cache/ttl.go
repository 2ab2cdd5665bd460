package cache

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// TTLs is the MinTTL/DefaultTTL/MaxTTL triple of a cache behavior's legacy
// fields or of its cache policy (spec §5.6).
type TTLs struct {
	Min, Default, Max time.Duration
}

// DefaultTTLs are CloudFront's defaults: 0 s, 1 day, 1 year.
var DefaultTTLs = TTLs{Min: 0, Default: 86400 * time.Second, Max: 31536000 * time.Second}

// Directives is what the caching headers of a response say.
type Directives struct {
	// SMaxAge and MaxAge are the Cache-Control values, -1 when absent.
	SMaxAge, MaxAge time.Duration
	// Expires is the Expires header's time, zero when absent; ExpiresSet
	// also reports an unparseable Expires (which means already expired).
	Expires    time.Time
	ExpiresSet bool
	// NoCache, NoStore, Private are the Cache-Control directives.
	NoCache, NoStore, Private bool
}

// ParseDirectives reads Cache-Control (every instance, comma-separated,
// directive names case-insensitive) and Expires from h. A malformed
// max-age/s-maxage value is ignored.
func ParseDirectives(h http.Header) Directives {
	d := Directives{SMaxAge: -1, MaxAge: -1}
	for _, line := range h.Values("Cache-Control") {
		for _, part := range strings.Split(line, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			name = strings.ToLower(strings.TrimSpace(name))
			val = strings.Trim(strings.TrimSpace(val), `"`)
			switch name {
			case "s-maxage":
				if n, ok := seconds(val); ok {
					d.SMaxAge = n
				}
			case "max-age":
				if n, ok := seconds(val); ok {
					d.MaxAge = n
				}
			case "no-cache":
				d.NoCache = true
			case "no-store":
				d.NoStore = true
			case "private":
				d.Private = true
			}
		}
	}
	if v, ok := h["Expires"]; ok && len(v) > 0 {
		d.ExpiresSet = true
		if t, err := http.ParseTime(v[0]); err == nil {
			d.Expires = t
		}
	}
	return d
}

// seconds parses a delta-seconds value; values past 2^31 saturate.
func seconds(v string) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	for _, c := range []byte(v) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > 1<<31 {
		n = 1 << 31
	}
	return time.Duration(n) * time.Second, true
}

// headerTTL returns the TTL the headers set (s-maxage, else max-age, else
// Expires − now), ok=false when they set none.
func (d Directives) headerTTL(now time.Time) (time.Duration, bool) {
	switch {
	case d.SMaxAge >= 0:
		return d.SMaxAge, true
	case d.MaxAge >= 0:
		return d.MaxAge, true
	case d.ExpiresSet:
		if d.Expires.IsZero() {
			return 0, true // an invalid date means already expired
		}
		return max(d.Expires.Sub(now).Truncate(time.Second), 0), true
	}
	return 0, false
}

// TTL is how long a successful (1xx–3xx) response may be served from the
// cache, as CloudFront decides it (spec §5.6):
//
//   - Cache-Control no-store, no-cache or private: not cached when MinTTL
//     is 0, else cached for MinTTL;
//   - s-maxage, else max-age, else Expires − now: clamped to [MinTTL,
//     MaxTTL] (s-maxage beats max-age, max-age beats Expires);
//   - none of them: DefaultTTL (never below MinTTL).
//
// store is false when the response is not to be kept. A TTL of 0 with
// store true means "keep it, but revalidate before every use" (CloudFront
// keeps objects with a TTL of 0 and revalidates them with a conditional
// GET); the caller decides whether it can revalidate (a validator).
func TTL(t TTLs, d Directives, now time.Time) (ttl time.Duration, store bool) {
	if d.NoStore || d.NoCache || d.Private {
		if t.Min <= 0 {
			return 0, false
		}
		return t.Min, true
	}
	if h, ok := d.headerTTL(now); ok {
		return clamp(h, t.Min, t.Max), true
	}
	return max(t.Min, t.Default), true
}

func clamp(v, lo, hi time.Duration) time.Duration {
	if v < lo {
		v = lo
	}
	if v > hi {
		v = hi
	}
	return v
}

// ErrorRule is the error-caching setting for one status: the
// ErrorCachingMinTTL of the distribution's CustomErrorResponse for that
// code, or the distribution default.
type ErrorRule struct {
	// MinTTL is the ErrorCachingMinTTL.
	MinTTL time.Duration
	// Custom reports that a CustomErrorResponse exists for the code.
	Custom bool
}

// ErrorTTL is how long an error response (status ≥ 400) is cached
// (spec §5.7):
//
//   - 404, 414, 500, 501, 502, 503, 504: always, for max(ErrorCachingMinTTL,
//     the header TTL capped at MaxTTL);
//   - 400, 403, 405, 412, 415: only when the response has Cache-Control
//     max-age or s-maxage, for the same max; a 403 with a
//     CustomErrorResponse for 403 is cached for its ErrorCachingMinTTL
//     even without (the spec's UNCONFIRMED rule);
//   - 416 and every other status: never.
//
// A TTL of 0 is not stored.
func ErrorTTL(status int, rule ErrorRule, maxTTL time.Duration, d Directives, now time.Time) (time.Duration, bool) {
	h, _ := d.headerTTL(now)
	h = min(h, maxTTL)
	var ttl time.Duration
	switch status {
	case 404, 414, 500, 501, 502, 503, 504:
		ttl = max(rule.MinTTL, h)
	case 400, 403, 405, 412, 415:
		explicit := d.SMaxAge >= 0 || d.MaxAge >= 0
		switch {
		case explicit:
			ttl = max(rule.MinTTL, h)
		case status == 403 && rule.Custom:
			ttl = rule.MinTTL
		default:
			return 0, false
		}
	default:
		return 0, false
	}
	return ttl, ttl > 0
}

// Cacheable reports whether a response of status is ever kept: 2xx
// except 206 (a partial body; the cache fetches whole objects), 3xx
// except 304, and the error statuses of ErrorTTL.
func Cacheable(status int) bool {
	switch {
	case status == http.StatusPartialContent, status == http.StatusNotModified:
		return false
	case status >= 200 && status < 400:
		return true
	}
	switch status {
	case 400, 403, 404, 405, 412, 414, 415, 500, 501, 502, 503, 504:
		return true
	}
	return false
}
