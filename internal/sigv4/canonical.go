package sigv4

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// PathMode selects how the canonical URI is derived from the request path.
type PathMode uint8

const (
	// PathAuto picks PathS3 when the credential scope's service is "s3"
	// and PathStandard for every other service. It is the zero value.
	PathAuto PathMode = iota
	// PathS3 uses the path as sent: no normalisation and no second
	// encoding (S3's rule). Bytes that cannot appear in a URI (spaces,
	// non-ASCII, controls) are percent-encoded once.
	PathS3
	// PathStandard removes dot segments and empty segments from the path
	// as sent and then URI-encodes it again (so "%20" becomes "%2520"):
	// the rule of every service other than S3.
	PathStandard
)

// resolve returns PathS3 or PathStandard for the given scope service.
func (m PathMode) resolve(service string) PathMode {
	if m != PathAuto {
		return m
	}
	if service == "s3" {
		return PathS3
	}
	return PathStandard
}

const upperHex = "0123456789ABCDEF"
const lowerHex = "0123456789abcdef"

// unreserved reports whether c is one of RFC 3986's unreserved characters,
// the only ones SigV4's UriEncode leaves alone.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// uriPathByte reports whether c may appear literally in a URI path: the
// unreserved characters, sub-delims, ':', '@', '/' and '%'.
func uriPathByte(c byte) bool {
	if unreserved(c) {
		return true
	}
	switch c {
	case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@', '/', '%':
		return true
	}
	return false
}

func appendEscaped(b []byte, c byte) []byte {
	return append(b, '%', upperHex[c>>4], upperHex[c&15])
}

// appendURIEncode appends s encoded with SigV4's UriEncode: every byte but
// the unreserved ones (and '/', when keepSlash) as %XX with upper-case hex.
func appendURIEncode(b []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || keepSlash && c == '/' {
			b = append(b, c)
		} else {
			b = appendEscaped(b, c)
		}
	}
	return b
}

// appendCanonicalURI appends the canonical URI of the escaped path p (the
// path as it travels in the request line) under mode, which must be
// resolved (PathS3 or PathStandard).
func appendCanonicalURI(b []byte, p string, mode PathMode, segs *[]int) []byte {
	if p == "" {
		return append(b, '/')
	}
	if mode == PathS3 {
		for i := 0; i < len(p); i++ {
			c := p[i]
			if uriPathByte(c) {
				b = append(b, c)
			} else {
				b = appendEscaped(b, c)
			}
		}
		return b
	}
	// PathStandard: remove "." and ".." segments and empty segments, keep
	// a leading slash, keep a trailing slash when the path had one and
	// something remains, then encode each segment again.
	start := len(b)
	stack := (*segs)[:0]
	if p[0] == '/' {
		b = append(b, '/')
	}
	base := len(b)
	for i := 0; i < len(p); {
		j := i
		for j < len(p) && p[j] != '/' {
			j++
		}
		seg := p[i:j]
		i = j + 1
		switch seg {
		case "", ".":
			continue
		case "..":
			if n := len(stack); n > 0 {
				b = b[:stack[n-1]]
				stack = stack[:n-1]
			}
			continue
		}
		stack = append(stack, len(b))
		if len(b) > base {
			b = append(b, '/')
		}
		b = appendURIEncode(b, seg, false)
	}
	*segs = stack
	if p[len(p)-1] == '/' && len(b) > base {
		b = append(b, '/')
	}
	if len(b) == start {
		b = append(b, '/')
	}
	return b
}

// unhex returns the value of a hex digit and whether c is one.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendQueryComponent decodes s as a query component (%XX escapes and '+'
// for space; a '%' that starts no valid escape is taken literally) and
// appends it encoded with UriEncode.
func appendQueryComponent(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '+':
			c = ' '
		case '%':
			if i+2 < len(s) {
				hi, ok1 := unhex(s[i+1])
				lo, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					c = hi<<4 | lo
					i += 2
				}
			}
		}
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = appendEscaped(b, c)
		}
	}
	return b
}

// qpair locates one encoded key and value in scratch.qbuf.
type qpair struct{ ks, ke, ve int }

// appendCanonicalQuery appends the canonical query string of the raw query
// q: every parameter decoded and re-encoded, sorted by key then value. With
// dropSignature the X-Amz-Signature parameter is left out (presigned URLs).
func (s *scratch) appendCanonicalQuery(b []byte, q string, dropSignature bool) []byte {
	if q == "" {
		return b
	}
	qb := s.qbuf[:0]
	pairs := s.pairs[:0]
	for i := 0; i < len(q); {
		j := i
		for j < len(q) && q[j] != '&' {
			j++
		}
		kv := q[i:j]
		i = j + 1
		if kv == "" {
			continue
		}
		k, v := kv, ""
		for e := 0; e < len(kv); e++ {
			if kv[e] == '=' {
				k, v = kv[:e], kv[e+1:]
				break
			}
		}
		if dropSignature && k == "X-Amz-Signature" {
			continue
		}
		ks := len(qb)
		qb = appendQueryComponent(qb, k)
		ke := len(qb)
		qb = appendQueryComponent(qb, v)
		pairs = append(pairs, qpair{ks, ke, len(qb)})
	}
	if len(pairs) > 1 {
		slices.SortFunc(pairs, func(x, y qpair) int {
			if c := bytes.Compare(qb[x.ks:x.ke], qb[y.ks:y.ke]); c != 0 {
				return c
			}
			return bytes.Compare(qb[x.ke:x.ve], qb[y.ke:y.ve])
		})
	}
	for n, p := range pairs {
		if n > 0 {
			b = append(b, '&')
		}
		b = append(b, qb[p.ks:p.ke]...)
		b = append(b, '=')
		b = append(b, qb[p.ke:p.ve]...)
	}
	s.qbuf, s.pairs = qb, pairs
	return b
}

// appendHeaderValue appends v with leading and trailing spaces and tabs
// removed and every run of spaces inside collapsed to one space (SigV4's
// Trimall).
func appendHeaderValue(b []byte, v string) []byte {
	if v == "" {
		return b
	}
	if c, d := v[0], v[len(v)-1]; c != ' ' && c != '\t' && d != ' ' && d != '\t' && !strings.Contains(v, "  ") {
		return append(b, v...)
	}
	i, j := 0, len(v)
	for i < j && (v[i] == ' ' || v[i] == '\t') {
		i++
	}
	for j > i && (v[j-1] == ' ' || v[j-1] == '\t') {
		j--
	}
	space := false
	for ; i < j; i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b = append(b, c)
	}
	return b
}

// headerValues returns the values of the header whose lower-case name is
// name, without allocating when the map key is in canonical form (as
// net/http's server always stores it).
func headerValues(h http.Header, name string) []string {
	var kb [64]byte
	if len(name) <= len(kb) {
		k := kb[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			} else if !upper && 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			k[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(k)]; ok {
			return v
		}
	}
	// Maps built by hand may hold non-canonical keys.
	var out []string
	for k, v := range h {
		if equalFoldASCII(k, name) {
			out = append(out, v...)
		}
	}
	return out
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// canonRequest is everything a canonical request is made of.
type canonRequest struct {
	method    string
	path      string // escaped path as in the request line
	query     string // raw query as in the request line
	presigned bool   // leave X-Amz-Signature out of the query
	pathMode  PathMode
	// signed is the SignedHeaders list: lower-case names separated by ';'.
	signed           string
	header           http.Header
	host             string
	contentLength    int64
	transferEncoding []string
	payloadHash      string
}

// appendCanonicalRequest appends the canonical request of c to b.
func (s *scratch) appendCanonicalRequest(b []byte, c *canonRequest) []byte {
	b = append(b, c.method...)
	b = append(b, '\n')
	b = appendCanonicalURI(b, c.path, c.pathMode, &s.segs)
	b = append(b, '\n')
	b = s.appendCanonicalQuery(b, c.query, c.presigned)
	b = append(b, '\n')
	sh := c.signed
	s.amzSigned, s.hostSigned, s.signedSorted = 0, false, true
	prev := ""
	for i := 0; i < len(sh); {
		j := i
		for j < len(sh) && sh[j] != ';' {
			j++
		}
		name := sh[i:j]
		i = j + 1
		if name <= prev {
			s.signedSorted = false
		}
		prev = name
		for k := 0; k < len(name); k++ {
			ch := name[k]
			if 'A' <= ch && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			b = append(b, ch)
		}
		b = append(b, ':')
		switch {
		case name == "host":
			s.hostSigned = true
			b = appendHeaderValue(b, c.host)
		case equalFoldASCII(name, "content-length") && len(c.header["Content-Length"]) == 0:
			if c.contentLength >= 0 {
				b = strconv.AppendInt(b, c.contentLength, 10)
			}
		case equalFoldASCII(name, "transfer-encoding") && len(c.header["Transfer-Encoding"]) == 0:
			for n, v := range c.transferEncoding {
				if n > 0 {
					b = append(b, ',')
				}
				b = appendHeaderValue(b, v)
			}
		default:
			vs := headerValues(c.header, name)
			if len(vs) > 0 && len(name) > 6 && name[:6] == "x-amz-" {
				s.amzSigned++
			}
			for n, v := range vs {
				if n > 0 {
					b = append(b, ',')
				}
				b = appendHeaderValue(b, v)
			}
		}
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, sh...)
	b = append(b, '\n')
	b = append(b, c.payloadHash...)
	return b
}
