package edge

import (
	"strings"
	"unicode/utf8"

	"github.com/edgegate/edgegate/internal/cloudfront"
)

// MatchPathPattern reports whether a viewer path matches a cache
// behavior's PathPattern as CloudFront matches them (spec §5.2): `*`
// matches any run of characters, `/` included, `?` exactly one character,
// every other character itself, case-sensitively. The pattern's leading
// `/` is optional (`images/*` and `/images/*` are the same pattern). path
// is the viewer's URI path, starting with `/`, without the query string.
func MatchPathPattern(pattern, path string) bool {
	if !strings.HasPrefix(pattern, "/") {
		pattern = "/" + pattern // every viewer path starts with "/"
	}
	return globMatch(pattern, path)
}

// globMatch matches s against a pattern of literal bytes, `*` and `?`,
// in O(len(p)·len(s)) at worst: on a mismatch it retries from the last
// `*`, letting that star absorb one more character. A `?` stands for one
// UTF-8 character, not one byte.
func globMatch(p, s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && p[pi] == '?':
			pi++
			si += runeLen(s[si:])
		case pi < len(p) && p[pi] == s[si]:
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark += runeLen(s[mark:])
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// runeLen is the byte length of the UTF-8 character s starts with (1 for
// an invalid byte), so that `?` never stops inside a character.
func runeLen(s string) int {
	if _, n := utf8.DecodeRuneInString(s); n > 0 {
		return n
	}
	return 1
}

// Behavior is the part of a cache behavior the edge acts on, the same for
// the DefaultCacheBehavior and the ordered CacheBehaviors.
type Behavior struct {
	// Index is the behavior's position in CacheBehaviors, -1 for the
	// default behavior.
	Index int
	// PathPattern is the pattern as configured ("*" for the default).
	PathPattern          string
	TargetOriginID       string
	ViewerProtocolPolicy string // allow-all, redirect-to-https, https-only
	// AllowedMethods are the methods the behavior accepts (GET and HEAD
	// when the configuration names none).
	AllowedMethods []string
	// CachedMethods are the methods whose responses are cached (GET and
	// HEAD, plus OPTIONS when configured).
	CachedMethods []string
	// CachePolicyID and OriginRequestPolicyID name the behavior's
	// policies; without a cache policy the legacy fields apply.
	CachePolicyID, OriginRequestPolicyID string
	// ForwardedValues and the TTLs are the legacy cache settings.
	ForwardedValues            *cloudfront.ForwardedValues
	MinTTL, DefaultTTL, MaxTTL *int64
}

// Caches reports whether the behavior caches responses to method.
func (b Behavior) Caches(method string) bool {
	if method == "GET" || method == "HEAD" {
		return true
	}
	for _, m := range b.CachedMethods {
		if m == method {
			return true
		}
	}
	return false
}

// Allows reports whether the behavior accepts method.
func (b Behavior) Allows(method string) bool {
	for _, m := range b.AllowedMethods {
		if m == method {
			return true
		}
	}
	return false
}

// SelectBehavior returns the cache behavior a viewer path selects: the
// first of CacheBehaviors, in order, whose PathPattern matches, else the
// DefaultCacheBehavior (spec §5.2). ok=false only for a configuration
// without a DefaultCacheBehavior, which CloudFront never stores.
func SelectBehavior(cfg *cloudfront.DistributionConfig, path string) (Behavior, bool) {
	if cfg == nil {
		return Behavior{}, false
	}
	if cbs := cfg.CacheBehaviors; cbs != nil {
		for i := range cbs.Items {
			cb := &cbs.Items[i]
			if cb.PathPattern != nil && MatchPathPattern(*cb.PathPattern, path) {
				return Behavior{
					Index: i, PathPattern: *cb.PathPattern, TargetOriginID: deref(cb.TargetOriginId),
					ViewerProtocolPolicy: deref(cb.ViewerProtocolPolicy), AllowedMethods: methods(cb.AllowedMethods),
					CachedMethods: cachedMethods(cb.AllowedMethods), CachePolicyID: deref(cb.CachePolicyId),
					OriginRequestPolicyID: deref(cb.OriginRequestPolicyId), ForwardedValues: cb.ForwardedValues,
					MinTTL: cb.MinTTL, DefaultTTL: cb.DefaultTTL, MaxTTL: cb.MaxTTL,
				}, true
			}
		}
	}
	d := cfg.DefaultCacheBehavior
	if d == nil {
		return Behavior{}, false
	}
	return Behavior{
		Index: -1, PathPattern: "*", TargetOriginID: deref(d.TargetOriginId),
		ViewerProtocolPolicy: deref(d.ViewerProtocolPolicy), AllowedMethods: methods(d.AllowedMethods),
		CachedMethods: cachedMethods(d.AllowedMethods), CachePolicyID: deref(d.CachePolicyId),
		OriginRequestPolicyID: deref(d.OriginRequestPolicyId), ForwardedValues: d.ForwardedValues,
		MinTTL: d.MinTTL, DefaultTTL: d.DefaultTTL, MaxTTL: d.MaxTTL,
	}, true
}

// cachedMethods returns AllowedMethods.CachedMethods, upper-cased (GET
// and HEAD when absent).
func cachedMethods(a *cloudfront.AllowedMethods) []string {
	c := a.GetCachedMethods()
	if c == nil || len(c.Items) == 0 {
		return getHead
	}
	if allUpper(c.Items) {
		return c.Items // shared read-only with the configuration
	}
	out := make([]string, len(c.Items))
	for i, m := range c.Items {
		out[i] = strings.ToUpper(m)
	}
	return out
}

func methods(a *cloudfront.AllowedMethods) []string {
	if a == nil || len(a.Items) == 0 {
		return getHead
	}
	if allUpper(a.Items) {
		return a.Items // shared read-only with the configuration
	}
	out := make([]string, len(a.Items))
	for i, m := range a.Items {
		out[i] = strings.ToUpper(m)
	}
	return out
}

// getHead is the default method list; shared, never modified.
var getHead = []string{"GET", "HEAD"}

// allUpper reports whether every method of ms is upper case already.
func allUpper(ms []string) bool {
	for _, m := range ms {
		for i := 0; i < len(m); i++ {
			if c := m[i]; 'a' <= c && c <= 'z' || c >= 0x80 {
				return false
			}
		}
	}
	return true
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
