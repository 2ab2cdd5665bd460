package s3

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// byteRange is a satisfiable single range of an object: Length bytes from
// Start.
type byteRange struct {
	Start, Length int64
}

// contentRange is the Content-Range header value of r within size bytes.
func (r byteRange) contentRange(size int64) string {
	return "bytes " + strconv.FormatInt(r.Start, 10) + "-" + strconv.FormatInt(r.Start+r.Length-1, 10) + "/" + strconv.FormatInt(size, 10)
}

// parseRange interprets a Range header for an object of size bytes as S3
// does. ok is false when the header is absent or is to be ignored (S3
// serves the whole object for a Range it cannot parse or for several
// ranges). err is 416 InvalidRange (with the object's size) when the range
// is well formed but unsatisfiable: a first byte at or past the end, or a
// zero-length suffix; any range of an empty object.
func parseRange(header string, size int64) (r byteRange, ok bool, err error) {
	if header == "" {
		return r, false, nil
	}
	spec, found := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return r, false, nil
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return r, false, nil
	}
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	unsatisfiable := func() error {
		return errInvalidRange.With("RangeRequested", header).With("ActualObjectSize", strconv.FormatInt(size, 10)).
			WithHeader("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
	}
	if first == "" { // suffix: the last N bytes
		n, perr := parseDigits(last)
		if perr {
			return r, false, nil
		}
		if n == 0 || size == 0 {
			return r, false, unsatisfiable()
		}
		n = min(n, size)
		return byteRange{Start: size - n, Length: n}, true, nil
	}
	a, perr := parseDigits(first)
	if perr {
		return r, false, nil
	}
	end := size - 1
	if last != "" {
		b, perr := parseDigits(last)
		if perr || b < a {
			return r, false, nil
		}
		end = min(b, size-1)
	}
	if a >= size {
		return r, false, unsatisfiable()
	}
	return byteRange{Start: a, Length: end - a + 1}, true, nil
}

// parseDigits parses a non-empty run of ASCII digits; bad reports any
// other input or overflow.
func parseDigits(s string) (n int64, bad bool) {
	if s == "" {
		return 0, true
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, true
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err != nil
}

// condResult is the outcome of evaluating conditional headers.
type condResult uint8

const (
	condProceed     condResult = iota
	condNotModified            // 304 (GET/HEAD)
	condFailed                 // 412 PreconditionFailed
)

// conditions are the four conditional request headers, by value.
type conditions struct {
	IfMatch, IfNoneMatch           string // raw header values; "" absent
	IfModifiedSince, IfUnmodSince  string
	hasIfMatch, hasIfNoneMatch     bool
	hasIfModSince, hasIfUnmodSince bool
}

// conditionsFrom reads If-Match, If-None-Match, If-Modified-Since and
// If-Unmodified-Since from h, under the given name prefix ("" for GET and
// HEAD, "X-Amz-Copy-Source-" for CopyObject's source conditions).
func conditionsFrom(h http.Header, prefix string) conditions {
	var c conditions
	get := func(name string) (string, bool) {
		v, ok := h[prefix+name]
		if !ok || len(v) == 0 {
			return "", false
		}
		return v[0], true
	}
	c.IfMatch, c.hasIfMatch = get("If-Match")
	c.IfNoneMatch, c.hasIfNoneMatch = get("If-None-Match")
	c.IfModifiedSince, c.hasIfModSince = get("If-Modified-Since")
	c.IfUnmodSince, c.hasIfUnmodSince = get("If-Unmodified-Since")
	return c
}

// evaluate decides the conditions against an object's ETag (unquoted)
// and Last-Modified, with S3's precedence (RFC 9110 §13.2.2):
//
//   - If-Match, when present, decides the precondition and
//     If-Unmodified-Since is ignored (If-Match true + If-Unmodified-Since
//     false → proceed); otherwise a false If-Unmodified-Since fails.
//   - If-None-Match, when present, decides and If-Modified-Since is
//     ignored; a matching ETag → not modified (If-None-Match false +
//     If-Modified-Since true → 304). Otherwise If-Modified-Since with an
//     object not modified since → not modified.
//
// failed names the header that failed (for the 412's Condition element).
// Dates that do not parse are ignored, as S3 ignores them. Times compare
// at second precision, the precision of the HTTP date.
func (c conditions) evaluate(etag string, lastModified time.Time) (res condResult, failed string) {
	lm := lastModified.Truncate(time.Second)
	if c.hasIfMatch {
		if !etagListMatches(c.IfMatch, etag) {
			return condFailed, "If-Match"
		}
	} else if c.hasIfUnmodSince {
		if t, err := http.ParseTime(c.IfUnmodSince); err == nil && lm.After(t) {
			return condFailed, "If-Unmodified-Since"
		}
	}
	if c.hasIfNoneMatch {
		if etagListMatches(c.IfNoneMatch, etag) {
			return condNotModified, "If-None-Match"
		}
	} else if c.hasIfModSince {
		if t, err := http.ParseTime(c.IfModifiedSince); err == nil && !lm.After(t) {
			return condNotModified, "If-Modified-Since"
		}
	}
	return condProceed, ""
}

// etagListMatches reports whether a list of entity tags ("*", `"a", "b"`,
// W/"a", or an unquoted tag as some clients send) names etag.
func etagListMatches(list, etag string) bool {
	for tag := range strings.SplitSeq(list, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" {
			return true
		}
		tag = strings.TrimPrefix(tag, "W/")
		tag = strings.Trim(tag, `"`)
		if tag == etag {
			return true
		}
	}
	return false
}
