package h1

import (
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// parsed is what parse learned beyond the request itself.
type parsed struct {
	closeAfter bool // Connection: close
}

// parse reads the request line and header block in c.buf[c.r:end] into
// c.req (with c.header and c.url). take false: the request is not one
// served here (the caller hands the connection off); nothing was
// consumed.
func (c *conn) parse(end int) (p parsed, take bool) {
	raw := c.buf[c.r : end-2] // each line ends with CRLF; the blank one is dropped
	nl := 0
	for _, b := range raw {
		if b == '\n' {
			nl++
		}
	}
	// One allocation holds every string of the request, none when the
	// connection's previous request had the same head (a client repeating
	// a request on a keep-alive connection; the comparison does not
	// allocate).
	block := c.head
	if string(raw) != block {
		block = string(raw)
		c.head = block
	}
	eol := strings.Index(block, "\r\n")
	if eol <= 0 {
		return p, false
	}
	method, rest, ok1 := strings.Cut(block[:eol], " ")
	target, proto, ok2 := strings.Cut(rest, " ")
	if !ok1 || !ok2 || proto != "HTTP/1.1" || !validMethod(method) || target == "" || target[0] != '/' {
		return p, false
	}
	h := c.header
	clear(h)
	// The value slices share one backing array, reused by the connection
	// (cap 1 each: an append to one never writes into another).
	if cap(c.vals) < nl-1 {
		c.vals = make([]string, nl-1)
	}
	vals := c.vals[:nl-1]
	clear(vals)
	nv := 0
	var host string
	hosts := 0
	for line := block[eol+2:]; line != ""; {
		i := strings.Index(line, "\r\n")
		if i < 0 {
			return p, false
		}
		l := line[:i]
		line = line[i+2:]
		colon := strings.IndexByte(l, ':')
		if colon <= 0 {
			return p, false // also an obs-fold line (leading space)
		}
		name, v := l[:colon], trimOWS(l[colon+1:])
		key, ok := canonicalKey(name)
		if !ok || !validValue(v) {
			return p, false
		}
		switch key {
		case "Host":
			// net/http moves it to r.Host, out of the header map.
			host = v
			hosts++
			continue
		case "Content-Length":
			if v != "0" {
				return p, false
			}
		case "Transfer-Encoding", "Expect", "Upgrade", "Trailer":
			return p, false
		case "Connection":
			for tok := range strings.SplitSeq(v, ",") {
				switch tok = trimOWS(tok); {
				case strings.EqualFold(tok, "close"):
					p.closeAfter = true
				case strings.EqualFold(tok, "upgrade"):
					return p, false
				}
			}
		}
		if old, ok := h[key]; ok {
			h[key] = append(old, v)
			continue
		}
		vals[nv] = v
		h[key] = vals[nv : nv+1 : nv+1]
		nv++
	}
	// As net/http: Pragma: no-cache without Cache-Control also says
	// Cache-Control: no-cache (RFC 7234 section 5.4).
	if pr, ok := h["Pragma"]; ok && len(pr) > 0 && pr[0] == "no-cache" {
		if _, ok := h["Cache-Control"]; !ok {
			h["Cache-Control"] = []string{"no-cache"}
		}
	}
	if hosts != 1 || !validHost(host) || (c.s.Take != nil && !c.s.Take(host, pathOf(target))) {
		return p, false
	}
	u := &c.url
	if !parseTarget(u, target) {
		return p, false
	}
	c.req = c.tmpl
	r := &c.req
	r.Method = method
	r.URL = u
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/1.1", 1, 1
	r.Header = h
	r.Body = http.NoBody
	r.Host = host
	r.RemoteAddr = c.remote
	r.RequestURI = target
	r.Close = p.closeAfter
	return p, true
}

// pathOf is target's path: before any '?'.
func pathOf(target string) string {
	if i := strings.IndexByte(target, '?'); i >= 0 {
		return target[:i]
	}
	return target
}

// parseTarget sets *u as url.ParseRequestURI(target) would: directly
// when the path has only characters url keeps unescaped and the query
// only printable ASCII, else through url.ParseRequestURI (false when it
// fails: net/http answers such a request 400).
func parseTarget(u *url.URL, target string) bool {
	path, query, hasQuery := strings.Cut(target, "?")
	simple := !(hasQuery && query == "")
	for i := 0; simple && i < len(path); i++ {
		simple = plainPath[path[i]]
	}
	for i := 0; simple && i < len(query); i++ {
		b := query[i]
		simple = b > 0x20 && b < 0x7f && b != '#'
	}
	if simple {
		*u = url.URL{Path: path, RawQuery: query}
		return true
	}
	pu, err := url.ParseRequestURI(target)
	if err != nil {
		return false
	}
	*u = *pu
	return true
}

// plainPath marks the bytes url.URL keeps as they are in a path (its
// EscapedPath is then the path itself, RawPath empty).
var plainPath = alnumAnd("-_.~$&+,/:;=@")

// tokenChar marks RFC 9110 tchar.
var tokenChar = alnumAnd("!#$%&'*+-.^_`|~")

// alnumAnd returns the table of ASCII letters, digits and the bytes of extra.
func alnumAnd(extra string) (t [256]bool) {
	for b := range t {
		c := byte(b)
		t[b] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	for i := 0; i < len(extra); i++ {
		t[extra[i]] = true
	}
	return t
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		if !tokenChar[m[i]] {
			return false
		}
	}
	return true
}

// canonicalKey returns name in canonical form (textproto's), name itself
// when it already is; ok false for a name that is not a token.
func canonicalKey(name string) (string, bool) {
	upper := true
	canonical := true
	for i := 0; i < len(name); i++ {
		b := name[i]
		if !tokenChar[b] {
			return "", false
		}
		if upper && 'a' <= b && b <= 'z' || !upper && 'A' <= b && b <= 'Z' {
			canonical = false
		}
		upper = b == '-'
	}
	if canonical {
		return name, true
	}
	return textproto.CanonicalMIMEHeaderKey(name), true
}

// validValue rejects control characters other than HTAB (as net/http).
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}

// validHost accepts the bytes of a reg-name, IPv4/IPv6 literal and port;
// anything else goes to net/http (which may answer 400).
func validHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		b := h[i]
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("-._:[]", b) >= 0) {
			return false
		}
	}
	return true
}

func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
