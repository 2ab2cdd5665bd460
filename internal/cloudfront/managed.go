package cloudfront

import (
	"crypto/sha256"
	"time"
)

// The AWS managed cache and origin request policies: visible to every
// account under their well-known ids, attachable to any cache behavior,
// never editable (IllegalUpdate/IllegalDelete).
//
// Ids, names and settings (TTLs, header/cookie/query string behaviors and
// lists, compression flags) come from the CloudFront Developer Guide pages
// "Use managed cache policies" and "Use managed origin request policies",
// and the Comments and the exact spelling and order of the header lists
// from what ListCachePolicies/ListOriginRequestPolicies (Type=managed)
// return, as recorded in exports of real accounts (docs/cloudfront.md
// lists what is UNCONFIRMED). Only policies whose settings could be
// confirmed are here; AWS has more (Managed-Amplify-Default, ...).

// managedModified is the LastModifiedTime edgegate reports for every
// managed policy (UNCONFIRMED: AWS reports per-policy dates).
var managedModified = time.Date(2020, time.October, 1, 0, 0, 0, 0, time.UTC)

// managedETag returns the fixed ETag of a managed policy: E and 13
// uppercase letters and digits derived from its id, stable across
// restarts (managed policies never change).
func managedETag(id string) string {
	sum := sha256.Sum256([]byte("edgegate managed policy " + id))
	b := make([]byte, 13)
	for i := range b {
		b[i] = upperAlnum[int(sum[i])%len(upperAlnum)]
	}
	return "E" + string(b)
}

// managedCachePolicy is one AWS managed cache policy.
type managedCachePolicy struct {
	id     string
	config *CachePolicyConfig
}

// managedOriginRequestPolicy is one AWS managed origin request policy.
type managedOriginRequestPolicy struct {
	id     string
	config *OriginRequestPolicyConfig
}

// nameList returns the Quantity and Items of a Headers, CookieNames or
// QueryStringNames list.
func nameList(items []string) (*int64, []string) {
	return ptr(int64(len(items))), items
}

func cpHeaders(behavior string, items ...string) *CachePolicyHeadersConfig {
	c := &CachePolicyHeadersConfig{HeaderBehavior: ptr(behavior)}
	if len(items) > 0 {
		q, it := nameList(items)
		c.Headers = &Headers{Quantity: q, Items: it}
	}
	return c
}

func cpCookies(behavior string, items ...string) *CachePolicyCookiesConfig {
	c := &CachePolicyCookiesConfig{CookieBehavior: ptr(behavior)}
	if len(items) > 0 {
		q, it := nameList(items)
		c.Cookies = &CookieNames{Quantity: q, Items: it}
	}
	return c
}

func cpQueryStrings(behavior string, items ...string) *CachePolicyQueryStringsConfig {
	c := &CachePolicyQueryStringsConfig{QueryStringBehavior: ptr(behavior)}
	if len(items) > 0 {
		q, it := nameList(items)
		c.QueryStrings = &QueryStringNames{Quantity: q, Items: it}
	}
	return c
}

func orpHeaders(behavior string, items ...string) *OriginRequestPolicyHeadersConfig {
	c := &OriginRequestPolicyHeadersConfig{HeaderBehavior: ptr(behavior)}
	if len(items) > 0 {
		q, it := nameList(items)
		c.Headers = &Headers{Quantity: q, Items: it}
	}
	return c
}

func orpCookies(behavior string) *OriginRequestPolicyCookiesConfig {
	return &OriginRequestPolicyCookiesConfig{CookieBehavior: ptr(behavior)}
}

func orpQueryStrings(behavior string) *OriginRequestPolicyQueryStringsConfig {
	return &OriginRequestPolicyQueryStringsConfig{QueryStringBehavior: ptr(behavior)}
}

// managedCacheConfig builds a managed cache policy configuration.
func managedCacheConfig(name, comment string, minTTL, defaultTTL, maxTTL int64, gzip, brotli bool,
	h *CachePolicyHeadersConfig, c *CachePolicyCookiesConfig, q *CachePolicyQueryStringsConfig) *CachePolicyConfig {
	return &CachePolicyConfig{
		Comment: ptr(comment), Name: ptr(name), MinTTL: ptr(minTTL), DefaultTTL: ptr(defaultTTL), MaxTTL: ptr(maxTTL),
		ParametersInCacheKeyAndForwardedToOrigin: &ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: ptr(gzip), EnableAcceptEncodingBrotli: ptr(brotli),
			HeadersConfig: h, CookiesConfig: c, QueryStringsConfig: q,
		},
	}
}

// managedORPConfig builds a managed origin request policy configuration.
func managedORPConfig(name, comment string, h *OriginRequestPolicyHeadersConfig, c *OriginRequestPolicyCookiesConfig,
	q *OriginRequestPolicyQueryStringsConfig) *OriginRequestPolicyConfig {
	return &OriginRequestPolicyConfig{Comment: ptr(comment), Name: ptr(name), HeadersConfig: h, CookiesConfig: c, QueryStringsConfig: q}
}

// useOriginHeaders is the cache key header list of the two
// UseOriginCacheControlHeaders policies, spelled and ordered as AWS
// returns it.
var useOriginHeaders = []string{"x-method-override", "origin", "host", "x-http-method", "x-http-method-override"}

// managedCachePolicies are the AWS managed cache policies, in the order
// ListCachePolicies returns them.
var managedCachePolicies = []managedCachePolicy{
	{"2e54312d-136d-493c-8eb9-b001f22f67d2", managedCacheConfig("Managed-Amplify", "Policy for Amplify Origin", 2, 2, 600, true, true,
		cpHeaders("whitelist", "Authorization", "CloudFront-Viewer-Country", "Host"), cpCookies("all"), cpQueryStrings("all"))},
	{"4135ea2d-6df8-44a3-9df3-4b5a84be39ad", managedCacheConfig("Managed-CachingDisabled", "Policy with caching disabled", 0, 0, 0, false, false,
		cpHeaders("none"), cpCookies("none"), cpQueryStrings("none"))},
	{"658327ea-f89d-4fab-a63d-7e88639e58f6", managedCacheConfig("Managed-CachingOptimized", "Policy with caching enabled. Supports Gzip and Brotli compression.",
		1, 86400, 31536000, true, true, cpHeaders("none"), cpCookies("none"), cpQueryStrings("none"))},
	{"b2884449-e4de-46a7-ac36-70bc7f1ddd6d", managedCacheConfig("Managed-CachingOptimizedForUncompressedObjects", "Default policy when compression is disabled",
		1, 86400, 31536000, false, false, cpHeaders("none"), cpCookies("none"), cpQueryStrings("none"))},
	{"08627262-05a9-4f76-9ded-b50ca2e3a84f", managedCacheConfig("Managed-Elemental-MediaPackage", "Policy for Elemental MediaPackage Origin",
		0, 86400, 31536000, true, false, cpHeaders("whitelist", "origin"), cpCookies("none"),
		cpQueryStrings("whitelist", "aws.manifestfilter", "start", "end", "m"))},
	{"83da9c7e-98b4-4e11-a168-04f0df8e2c65", managedCacheConfig("UseOriginCacheControlHeaders",
		"Policy for origins that return Cache-Control headers. Query strings are not included in the cache key.",
		0, 0, 31536000, true, true, cpHeaders("whitelist", useOriginHeaders...), cpCookies("all"), cpQueryStrings("none"))},
	{"4cc15a8a-d715-48a4-82b8-cc0b614638fe", managedCacheConfig("UseOriginCacheControlHeaders-QueryStrings",
		"Policy for origins that return Cache-Control headers and serve different content based on values present in the query string.",
		0, 0, 31536000, true, true, cpHeaders("whitelist", useOriginHeaders...), cpCookies("all"), cpQueryStrings("all"))},
}

// managedOriginRequestPolicies are the AWS managed origin request
// policies, in the order ListOriginRequestPolicies returns them.
var managedOriginRequestPolicies = []managedOriginRequestPolicy{
	{"216adef6-5c7f-47e4-b989-5492eafa07d3", managedORPConfig("Managed-AllViewer", "Policy to forward all parameters in viewer requests",
		orpHeaders("allViewer"), orpCookies("all"), orpQueryStrings("all"))},
	{"33f36d7e-f396-46d9-90e0-52428a34d9dc", managedORPConfig("Managed-AllViewerAndCloudFrontHeaders-2022-06",
		"Policy to forward all parameters in viewer requests and all CloudFront headers as of June 2022",
		orpHeaders("allViewerAndWhitelistCloudFront",
			"CloudFront-Viewer-Time-Zone", "CloudFront-Viewer-Address", "CloudFront-Viewer-Country", "CloudFront-Is-IOS-Viewer",
			"CloudFront-Is-Tablet-Viewer", "CloudFront-Forwarded-Proto", "CloudFront-Viewer-Country-Name", "CloudFront-Is-Mobile-Viewer",
			"CloudFront-Is-SmartTV-Viewer", "CloudFront-Viewer-Country-Region", "CloudFront-Is-Android-Viewer",
			"CloudFront-Viewer-Country-Region-Name", "CloudFront-Viewer-City", "CloudFront-Viewer-Latitude", "CloudFront-Viewer-Longitude",
			"CloudFront-Viewer-Http-Version", "CloudFront-Viewer-Postal-Code", "CloudFront-Viewer-ASN", "CloudFront-Is-Desktop-Viewer",
			"CloudFront-Viewer-Metro-Code", "CloudFront-Viewer-TLS"),
		orpCookies("all"), orpQueryStrings("all"))},
	{"b689b0a8-53d0-40ab-baf2-68738e2966ac", managedORPConfig("Managed-AllViewerExceptHostHeader",
		"Policy to forward all parameters in viewer requests except for the Host header",
		orpHeaders("allExcept", "host"), orpCookies("all"), orpQueryStrings("all"))},
	{"59781a5b-3903-41f3-afcb-af62929ccde1", managedORPConfig("Managed-CORS-CustomOrigin", "Policy for custom origin with CORS",
		orpHeaders("whitelist", "origin"), orpCookies("none"), orpQueryStrings("none"))},
	{"88a5eaf4-2fd4-4709-b370-b4c650ea3fcf", managedORPConfig("Managed-CORS-S3Origin", "Policy for S3 origin with CORS",
		orpHeaders("whitelist", "origin", "access-control-request-headers", "access-control-request-method"), orpCookies("none"), orpQueryStrings("none"))},
	{"775133bc-15f2-49f9-abea-afb2e0bf67d2", managedORPConfig("Managed-Elemental-MediaTailor-PersonalizedManifests",
		"Policy for Elemental MediaTailor Origin",
		orpHeaders("whitelist", "origin", "access-control-request-headers", "x-forwarded-for", "access-control-request-method", "user-agent"),
		orpCookies("none"), orpQueryStrings("all"))},
	{"acba4595-bd28-49b8-b9fe-13317c0390fa", managedORPConfig("Managed-UserAgentRefererHeaders",
		"Policy to forward user-agent and referer headers to origin",
		orpHeaders("whitelist", "referer", "user-agent"), orpCookies("none"), orpQueryStrings("none"))},
}

var (
	managedCachePolicyByID         = map[string]*managedCachePolicy{}
	managedOriginRequestPolicyByID = map[string]*managedOriginRequestPolicy{}
)

func init() {
	for i := range managedCachePolicies {
		managedCachePolicyByID[managedCachePolicies[i].id] = &managedCachePolicies[i]
	}
	for i := range managedOriginRequestPolicies {
		managedOriginRequestPolicyByID[managedOriginRequestPolicies[i].id] = &managedOriginRequestPolicies[i]
	}
}
