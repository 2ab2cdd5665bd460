package edge

import (
	"time"

	"github.com/edgegate/edgegate/internal/cache"
	"github.com/edgegate/edgegate/internal/cloudfront"
)

// cachePolicy is what a cache behavior says about caching and about what
// viewer values reach the origin: its cache policy and origin request
// policy, or its legacy ForwardedValues and TTL fields.
type cachePolicy struct {
	ttl cache.TTLs
	key cache.KeyPolicy
	// forward selects the viewer's query strings, headers and cookies
	// sent to the origin: those in the key plus the origin request
	// policy's (legacy: what ForwardedValues forwards).
	query, headers, cookies cache.Selector
	// disabled: nothing is cached (MaxTTL 0, or legacy forwarding of all
	// headers, which CloudFront does not cache).
	disabled bool
}

// policyFor resolves behavior b's caching settings for distribution d
// (spec §5.6; API reference of CachePolicyConfig, OriginRequestPolicyConfig
// and ForwardedValues). A cache policy that no longer exists (it cannot be
// deleted while in use) caches nothing and forwards nothing.
func (e *Edge) policyFor(d *cloudfront.DistributionView, b Behavior) cachePolicy {
	if b.CachePolicyID == "" {
		return legacyPolicy(b)
	}
	// Resolved policies are memoized until the control plane changes
	// (OnChange bumps the generation): a hit must not copy the policy
	// configurations.
	k := policyKey{d.Account, b.CachePolicyID, b.OriginRequestPolicyID}
	gen := e.policyGen.Load()
	if v, ok := e.policies.Load(k); ok {
		if m := v.(memoPolicy); m.gen == gen {
			return m.p
		}
	}
	p := e.resolvePolicy(d, b)
	e.policies.Store(k, memoPolicy{gen: gen, p: p})
	return p
}

// forwardsNoCookies reports whether neither the cache policy nor the
// origin request policy (legacy: Cookies Forward) sends any viewer cookie
// to the origin: CloudFront then removes Set-Cookie from the origin's
// responses (fetch).
func (p cachePolicy) forwardsNoCookies() bool { return cache.SelectsNothing(p.cookies) }

// policyKey names a resolved cache policy: the account that sees it, the
// cache policy id and the origin request policy id.
type policyKey struct{ account, cache, origin string }

// memoPolicy is a resolved policy and the control-plane generation it was
// resolved in.
type memoPolicy struct {
	gen uint64
	p   cachePolicy
}

// resolvePolicy is policyFor without the memo.
func (e *Edge) resolvePolicy(d *cloudfront.DistributionView, b Behavior) cachePolicy {
	var p cachePolicy
	cp, ok := e.cf.CachePolicy(d.Account, b.CachePolicyID)
	if !ok {
		p.disabled = true
		p.query, p.headers, p.cookies = cache.List{}, cache.List{}, cache.List{}
		return p
	}
	p.ttl = cache.TTLs{Min: secs(cp.MinTTL, 0), Default: secs(cp.DefaultTTL, cache.DefaultTTLs.Default), Max: secs(cp.MaxTTL, cache.DefaultTTLs.Max)}
	p.disabled = p.ttl.Max == 0
	if k := cp.ParametersInCacheKeyAndForwardedToOrigin; k != nil {
		p.key = cache.KeyPolicy{
			QueryStrings: cache.List{Mode: cache.ParseMode(k.QueryStringsConfig.GetQueryStringBehavior()), Names: k.QueryStringsConfig.GetQueryStrings().GetItems()},
			Headers:      cache.List{Mode: cache.ParseMode(k.HeadersConfig.GetHeaderBehavior()), Names: k.HeadersConfig.GetHeaders().GetItems(), Fold: true},
			Cookies:      cache.List{Mode: cache.ParseMode(k.CookiesConfig.GetCookieBehavior()), Names: k.CookiesConfig.GetCookies().GetItems()},
			Gzip:         k.GetEnableAcceptEncodingGzip(),
			Brotli:       k.GetEnableAcceptEncodingBrotli(),
		}
	}
	p.query, p.headers, p.cookies = p.key.QueryStrings, p.key.Headers, p.key.Cookies
	if b.OriginRequestPolicyID != "" {
		if op, ok := e.cf.OriginRequestPolicy(d.Account, b.OriginRequestPolicyID); ok {
			p.query = cache.Union{p.key.QueryStrings, cache.List{Mode: cache.ParseMode(op.QueryStringsConfig.GetQueryStringBehavior()), Names: op.QueryStringsConfig.GetQueryStrings().GetItems()}}
			p.headers = cache.Union{p.key.Headers, cache.List{Mode: cache.ParseMode(op.HeadersConfig.GetHeaderBehavior()), Names: op.HeadersConfig.GetHeaders().GetItems(), Fold: true}}
			p.cookies = cache.Union{p.key.Cookies, cache.List{Mode: cache.ParseMode(op.CookiesConfig.GetCookieBehavior()), Names: op.CookiesConfig.GetCookies().GetItems()}}
		}
	}
	return p
}

// legacyPolicy is the policy of a behavior with ForwardedValues:
// QueryString false forwards and caches on no query string; true forwards
// all and caches on QueryStringCacheKeys, or on all when it names none;
// Headers are forwarded and cached on ("*": all headers, which CloudFront
// does not cache); Cookies Forward none/whitelist/all likewise. TTLs are
// the behavior's MinTTL/DefaultTTL/MaxTTL.
func legacyPolicy(b Behavior) cachePolicy {
	p := cachePolicy{ttl: cache.TTLs{
		Min: secs(b.MinTTL, 0), Default: secs(b.DefaultTTL, cache.DefaultTTLs.Default), Max: secs(b.MaxTTL, cache.DefaultTTLs.Max),
	}}
	fv := b.ForwardedValues
	if fv.GetQueryString() {
		p.key.QueryStrings = cache.List{Mode: cache.All}
		if keys := fv.GetQueryStringCacheKeys().GetItems(); len(keys) > 0 {
			p.key.QueryStrings = cache.List{Mode: cache.Whitelist, Names: keys}
		}
		p.query = cache.List{Mode: cache.All}
	} else {
		p.query = cache.List{}
	}
	if hs := fv.GetHeaders().GetItems(); len(hs) > 0 {
		p.key.Headers = cache.List{Mode: cache.Whitelist, Names: hs, Fold: true}
		for _, h := range hs {
			if h == "*" {
				p.key.Headers = cache.List{Mode: cache.All}
				p.disabled = true
			}
		}
	}
	switch fv.GetCookies().GetForward() {
	case "all":
		p.key.Cookies = cache.List{Mode: cache.All}
	case "whitelist":
		p.key.Cookies = cache.List{Mode: cache.Whitelist, Names: fv.GetCookies().GetWhitelistedNames().GetItems()}
	}
	p.headers, p.cookies = p.key.Headers, p.key.Cookies
	p.disabled = p.disabled || p.ttl.Max == 0
	return p
}

// secs converts a configured number of seconds, def when unset.
func secs(v *int64, def time.Duration) time.Duration {
	if v == nil || *v < 0 {
		return def
	}
	return time.Duration(*v) * time.Second
}
