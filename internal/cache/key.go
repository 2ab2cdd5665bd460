package cache

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Mode is how a list of query strings, headers or cookies selects from a
// viewer request: the QueryStringBehavior, HeaderBehavior and
// CookieBehavior values of cache and origin request policies.
type Mode uint8

// Modes. AllViewer (origin request policies' allViewer and
// allViewerAndWhitelistCloudFront for headers) is All for selection.
const (
	None      Mode = iota // nothing
	Whitelist             // only Names
	AllExcept             // everything but Names
	All                   // everything
)

// ParseMode maps a policy's behavior value to a Mode: "none",
// "whitelist", "allExcept", "all", "allViewer",
// "allViewerAndWhitelistCloudFront". Unknown values select nothing.
func ParseMode(s string) Mode {
	switch s {
	case "whitelist":
		return Whitelist
	case "allExcept":
		return AllExcept
	case "all", "allViewer", "allViewerAndWhitelistCloudFront":
		return All
	}
	return None
}

// List selects names from a viewer request.
type List struct {
	Mode  Mode
	Names []string
	// Fold compares names case-insensitively (headers); query string and
	// cookie names are case-sensitive.
	Fold bool
}

// Includes reports whether the list selects name.
func (l List) Includes(name string) bool {
	switch l.Mode {
	case All:
		return true
	case None:
		return false
	}
	in := slices.ContainsFunc(l.Names, func(n string) bool {
		if l.Fold {
			return strings.EqualFold(n, name)
		}
		return n == name
	})
	return in == (l.Mode == Whitelist)
}

// Union is a selection of names that either of two lists selects.
type Union []List

// Includes reports whether any list selects name.
func (u Union) Includes(name string) bool {
	for _, l := range u {
		if l.Includes(name) {
			return true
		}
	}
	return false
}

// Selector is what both Lists and Unions are.
type Selector interface{ Includes(name string) bool }

// SelectsNothing reports whether sel, a List or a Union of Lists, can
// select no name at all: every list is None, or a whitelist of no names.
// Other Selectors are assumed to select something.
func SelectsNothing(sel Selector) bool {
	switch s := sel.(type) {
	case List:
		return s.Mode == None || s.Mode == Whitelist && len(s.Names) == 0
	case Union:
		for _, l := range s {
			if !SelectsNothing(l) {
				return false
			}
		}
		return true
	case nil:
		return true
	}
	return false
}

// KeyPolicy is what, besides the distribution and the path, goes into the
// cache key: the ParametersInCacheKeyAndForwardedToOrigin of a cache
// policy, or what legacy ForwardedValues caches on.
type KeyPolicy struct {
	QueryStrings, Headers, Cookies List
	// Gzip and Brotli are EnableAcceptEncodingGzip/Brotli: the viewer's
	// Accept-Encoding, normalized to the encodings enabled, is in the key.
	Gzip, Brotli bool
}

// Key is a cache key. Its first two fields (distribution id and the path
// with the query strings in the key) are what invalidations match.
type Key string

// keySep separates the fields of a Key; it cannot occur in a request's
// path or header values (control characters are refused at the edge).
const keySep = "\x00"

// BuildKey returns the cache key of viewer request r for distribution
// dist: path (the viewer path after the default root object), the query
// strings of p in the viewer's order (CloudFront caches ?a=1&b=2 and
// ?b=2&a=1 separately), the headers of p by lower-case name (Host, when p
// includes it, is the viewer's r.Host, lower-cased), the cookies
// of p sorted by name, and the normalized Accept-Encoding. method is part
// of the key only when it is OPTIONS (OPTIONS responses are cached apart
// from GET/HEAD ones).
func BuildKey(dist, method, path string, r *http.Request, p KeyPolicy) Key {
	return Key(AppendKey(make([]byte, 0, len(dist)+len(path)+16), dist, method, path, r, p))
}

// AppendKey appends BuildKey's key to dst, allocating nothing in the
// common case (a plain path, no headers or cookies in the key), so that a
// lookup (Cache.GetBytes) needs no key string.
func AppendKey(dst []byte, dist, method, path string, r *http.Request, p KeyPolicy) []byte {
	b := dst
	b = append(b, dist...)
	b = append(b, keySep...)
	b = append(b, escapeKeyPath(path)...)
	// (The common modes are handled here: passing the List as a
	// Selector would allocate.)
	if raw := r.URL.RawQuery; raw != "" && p.QueryStrings.Mode != None {
		q := raw
		if p.QueryStrings.Mode != All {
			q = FilterQuery(raw, p.QueryStrings)
		}
		if q != "" {
			b = append(b, '?')
			b = append(b, q...)
		}
	}
	b = append(b, keySep...)
	if method == http.MethodOptions {
		b = append(b, method...)
	}
	b = append(b, keySep...)
	if p.Headers.Mode != None {
		names := make([]string, 0, len(r.Header))
		for k := range r.Header {
			if p.Headers.Includes(k) && !strings.EqualFold(k, "Accept-Encoding") && !strings.EqualFold(k, "Host") {
				names = append(names, strings.ToLower(k))
			}
		}
		// net/http moves the Host header out of r.Header into r.Host: a
		// policy that includes Host keys on the viewer's Host (the
		// alternate domain name it asked for), as custom origins are then
		// sent that Host (edge.fetchCustom).
		host := p.Headers.Includes("Host") && r.Host != ""
		if host {
			names = append(names, "host")
		}
		slices.Sort(names)
		for _, n := range names {
			b = append(b, n...)
			b = append(b, ':')
			if host && n == "host" {
				b = append(b, strings.ToLower(r.Host)...)
			} else {
				b = append(b, strings.Join(r.Header.Values(n), ",")...)
			}
			b = append(b, '\n')
		}
	}
	b = append(b, keySep...)
	if p.Cookies.Mode != None {
		b = append(b, FilterCookies(r.Header, p.Cookies)...)
	}
	b = append(b, keySep...)
	b = append(b, NormalizeAcceptEncoding(r.Header.Get("Accept-Encoding"), p.Gzip, p.Brotli)...)
	return b
}

// keyPathEscaper re-escapes the two characters of a decoded path that
// would make a key's target ambiguous: "?" (so that /app.js%3Fv=1, whose
// decoded path holds a "?", is not the target of /app.js?v=1) and "%"
// (so that /a%253F, decoded "/a%3F", is not the target of /a%3F).
var keyPathEscaper = strings.NewReplacer("%", "%25", "?", "%3F")

// escapeKeyPath is decoded path p as it appears in a key's target: "%"
// and "?" percent-encoded, everything else decoded.
func escapeKeyPath(p string) string {
	if !strings.ContainsAny(p, "%?") {
		return p
	}
	return keyPathEscaper.Replace(p)
}

// Distribution returns the distribution id of k.
func (k Key) Distribution() string {
	d, _, _ := strings.Cut(string(k), keySep)
	return d
}

// Target returns the path of k with the query strings in the key
// ("/a/b.jpg?size=2"): what invalidation paths are matched against. The
// path is decoded except for "%" and "?" (escapeKeyPath), so the first
// "?" of a target always starts its query strings.
func (k Key) Target() string {
	_, rest, _ := strings.Cut(string(k), keySep)
	t, _, _ := strings.Cut(rest, keySep)
	return t
}

// FilterQuery returns the parameters of a raw query string that sel
// selects, in their order, as sent (not re-encoded). Names are compared
// decoded.
func FilterQuery(raw string, sel Selector) string {
	if raw == "" {
		return ""
	}
	if l, ok := sel.(List); ok {
		switch l.Mode {
		case None:
			return ""
		case All:
			return raw
		}
	}
	var out []string
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if sel.Includes(name) {
			out = append(out, part)
		}
	}
	return strings.Join(out, "&")
}

// FilterCookies returns the cookies of the Cookie headers of h that sel
// selects, sorted by name (CloudFront sorts cookies in natural order by
// name before forwarding them), as one Cookie header value.
func FilterCookies(h http.Header, sel Selector) string {
	if l, ok := sel.(List); ok && l.Mode == None {
		return ""
	}
	var out []string
	for _, line := range h.Values("Cookie") {
		for part := range strings.SplitSeq(line, ";") {
			part = strings.TrimSpace(part)
			name, _, _ := strings.Cut(part, "=")
			if name != "" && sel.Includes(name) {
				out = append(out, part)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b string) int {
		an, _, _ := strings.Cut(a, "=")
		bn, _, _ := strings.Cut(b, "=")
		return strings.Compare(an, bn)
	})
	return strings.Join(out, "; ")
}

// NormalizeAcceptEncoding is the Accept-Encoding CloudFront puts in the
// key and sends to the origin when EnableAcceptEncodingGzip (gzip) or
// EnableAcceptEncodingBrotli (br) is set: of the viewer's codings, only
// those enabled and not refused with q=0, as "br,gzip", "br" or "gzip";
// "" when none (the header is then neither in the key nor forwarded).
func NormalizeAcceptEncoding(v string, gzip, br bool) string {
	if v == "" || !gzip && !br {
		return ""
	}
	var hasGzip, hasBr bool
	for part := range strings.SplitSeq(v, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if q, ok := strings.CutPrefix(strings.ReplaceAll(strings.ToLower(params), " ", ""), "q="); ok && strings.Trim(q, "0.") == "" {
			continue // q=0: refused
		}
		switch coding {
		case "gzip":
			hasGzip = gzip
		case "br":
			hasBr = br
		}
	}
	switch {
	case hasBr && hasGzip:
		return "br,gzip"
	case hasBr:
		return "br"
	case hasGzip:
		return "gzip"
	}
	return ""
}
