package cache

import (
	"net/url"
	"strings"
)

// MatchInvalidation reports whether invalidation path p (as accepted by
// CreateInvalidation: starting with "/", "*" only as the last character)
// covers target, a Key's Target (path plus the query strings in the key):
//
//   - p ending in "*" matches every target with the prefix before it,
//     query strings included ("/images/*" and "/a.jpg*" match
//     "/a.jpg?v=2");
//   - any other p matches the target exactly: "/a.jpg" does not
//     invalidate "/a.jpg?v=2" (query-string variants must be listed or
//     wildcarded, spec §5.8).
//
// Paths compare case-sensitively. Percent-encoded characters in p are
// decoded first in its path part, as targets hold decoded paths, and "%"
// and "?" are then re-escaped as in targets (escapeKeyPath): "/a%3Fv=1"
// names the object whose path is "/a?v=1", not /a with query v=1. Every
// header and cookie variant of a target is covered (they are not in the
// target).
func MatchInvalidation(p, target string) bool {
	p = decodePath(p)
	if prefix, ok := strings.CutSuffix(p, "*"); ok {
		return strings.HasPrefix(target, prefix)
	}
	return p == target
}

// decodePath percent-decodes the path part of an invalidation path and
// re-escapes it as a key's target holds it (escapeKeyPath), leaving it
// as is when it is not valid percent-encoding.
func decodePath(p string) string {
	path, query, hasQuery := strings.Cut(p, "?")
	if !strings.Contains(path, "%") {
		return p
	}
	if d, err := url.PathUnescape(path); err == nil {
		path = escapeKeyPath(d)
	}
	if hasQuery {
		return path + "?" + query
	}
	return path
}
