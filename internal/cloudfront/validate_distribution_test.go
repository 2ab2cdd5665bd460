package cloudfront

import (
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// Accounts and resources of the validation tests.
const (
	vAcct        = "111122223333"
	vOther       = "444455556666"
	vOACS3       = "EOACS3EXAMPLE1"
	vOACLambda   = "EOACLAMBDAEXA1"
	vOACOther    = "EOACOTHEREXAM1"
	vOAI         = "EOAIEXAMPLE001"
	vOAIOther    = "EOAIOTHEREXAM1"
	vCachePolicy = "658327ea-f89d-4fab-a63d-7e88639e58f6" // Managed-CachingOptimized
	vORPolicy    = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf" // Managed-CORS-S3Origin
)

// validationService returns a service holding the resources a
// configuration can name: OACs and OAIs of vAcct and vOther, and a
// distribution of vOther with the alias taken.example.com.
func validationService(t *testing.T) *Service {
	t.Helper()
	s, err := Open(Config{})
	if err != nil {
		t.Fatal(err)
	}
	oac := func(id, acct, typ string) *oacRec {
		return &oacRec{ID: id, Account: acct, Config: &OriginAccessControlConfig{Name: ptr(id), SigningProtocol: ptr("sigv4"),
			SigningBehavior: ptr("always"), OriginAccessControlOriginType: ptr(typ)}}
	}
	s.state.OACs[vOACS3] = oac(vOACS3, vAcct, "s3")
	s.state.OACs[vOACLambda] = oac(vOACLambda, vAcct, "lambda")
	s.state.OACs[vOACOther] = oac(vOACOther, vOther, "s3")
	s.state.OAIs[vOAI] = &oaiRec{ID: vOAI, Account: vAcct}
	s.state.OAIs[vOAIOther] = &oaiRec{ID: vOAIOther, Account: vOther}
	taken := minimalDistConfig()
	taken.Aliases = &Aliases{Quantity: ptr[int64](1), Items: []string{"taken.example.com"}}
	s.state.Distributions["EOTHERDIST0001"] = &distributionRec{ID: "EOTHERDIST0001", Account: vOther, Config: taken}
	return s
}

func TestValidateDistributionConfig(t *testing.T) {
	type edit = func(*DistributionConfig)
	origin0 := func(f func(*Origin)) edit { return func(c *DistributionConfig) { f(&c.Origins.Items[0]) } }
	dcb := func(f func(*DefaultCacheBehavior)) edit {
		return func(c *DistributionConfig) { f(c.DefaultCacheBehavior) }
	}
	addOrigin := func(o Origin) edit {
		return func(c *DistributionConfig) {
			c.Origins.Items = append(c.Origins.Items, o)
			*c.Origins.Quantity++
		}
	}
	behaviour := func(f func(*CacheBehavior)) edit {
		return func(c *DistributionConfig) {
			b := CacheBehavior{PathPattern: ptr("/img/*.jpg"), TargetOriginId: ptr("s3"), ViewerProtocolPolicy: ptr("allow-all"),
				ForwardedValues: &ForwardedValues{QueryString: ptr(false), Cookies: &CookiePreference{Forward: ptr("none")}}}
			f(&b)
			c.CacheBehaviors = &CacheBehaviors{Quantity: ptr[int64](1), Items: []CacheBehavior{b}}
		}
	}
	customOrigin := func(domain string) Origin {
		return Origin{Id: ptr("web"), DomainName: ptr(domain),
			CustomOriginConfig: &CustomOriginConfig{HTTPPort: ptr[int64](80), HTTPSPort: ptr[int64](443), OriginProtocolPolicy: ptr("http-only")}}
	}
	errorResponse := func(r CustomErrorResponse) edit {
		return func(c *DistributionConfig) {
			c.CustomErrorResponses = &CustomErrorResponses{Quantity: ptr[int64](1), Items: []CustomErrorResponse{r}}
		}
	}
	geo := func(typ string, items ...string) edit {
		return func(c *DistributionConfig) {
			c.Restrictions = &Restrictions{GeoRestriction: &GeoRestriction{RestrictionType: ptr(typ), Quantity: ptr(int64(len(items))), Items: items}}
		}
	}
	aliases := func(items ...string) edit {
		return func(c *DistributionConfig) { c.Aliases = &Aliases{Quantity: ptr(int64(len(items))), Items: items} }
	}
	many := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	tests := []struct {
		name string
		edit edit
		code string // "" = valid
		msg  string // substring of the message, if checked
	}{
		{"minimal", func(*DistributionConfig) {}, "", ""},
		{"full", func(c *DistributionConfig) { *c = *fullDistConfig() }, "", ""},

		// Model layer: enums, answered like CloudFront's request validation.
		{"bad ViewerProtocolPolicy", dcb(func(d *DefaultCacheBehavior) { d.ViewerProtocolPolicy = ptr("http-only") }), "MalformedXML",
			"1 validation error detected: Value 'http-only' at 'distributionConfig.defaultCacheBehavior.viewerProtocolPolicy' failed to satisfy constraint: Member must satisfy enum value set: [allow-all, https-only, redirect-to-https]"},
		{"bad PriceClass and HttpVersion", func(c *DistributionConfig) { c.PriceClass, c.HttpVersion = ptr("PriceClass_1"), ptr("HTTP2") }, "MalformedXML",
			"2 validation errors detected: Value 'PriceClass_1' at 'distributionConfig.priceClass'"},
		{"bad origin protocol policy", addOrigin(Origin{Id: ptr("web"), DomainName: ptr("www.example.com"),
			CustomOriginConfig: &CustomOriginConfig{HTTPPort: ptr[int64](80), HTTPSPort: ptr[int64](443), OriginProtocolPolicy: ptr("tcp")}}), "MalformedXML",
			"at 'distributionConfig.origins.items.2.member.customOriginConfig.originProtocolPolicy'"},
		{"bad method", dcb(func(d *DefaultCacheBehavior) {
			d.AllowedMethods = &AllowedMethods{Quantity: ptr[int64](2), Items: []string{"GET", "FETCH"}}
		}), "MalformedXML", "Value '[GET, FETCH]' at 'distributionConfig.defaultCacheBehavior.allowedMethods.items' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [GET, HEAD, POST, PUT, PATCH, OPTIONS, DELETE]]"},
		{"bad restriction type", geo("deny", "FR"), "MalformedXML", "distributionConfig.restrictions.geoRestriction.restrictionType"},

		// Lists.
		{"aliases quantity", func(c *DistributionConfig) {
			c.Aliases = &Aliases{Quantity: ptr[int64](1), Items: []string{"a.example.com", "b.example.com"}}
		},
			"InconsistentQuantities", "The specified quantity of Aliases (1) does not match the actual quantity supplied (2)."},
		{"origins quantity", func(c *DistributionConfig) { c.Origins.Quantity = ptr[int64](2) }, "InconsistentQuantities", "quantity of Origins (2)"},
		{"nested headers quantity", dcb(func(d *DefaultCacheBehavior) {
			d.ForwardedValues.Headers = &Headers{Quantity: ptr[int64](3), Items: []string{"Origin"}}
		}),
			"InconsistentQuantities", "quantity of Headers (3) does not match the actual quantity supplied (1)"},
		{"cached methods quantity", dcb(func(d *DefaultCacheBehavior) {
			d.AllowedMethods = &AllowedMethods{Quantity: ptr[int64](2), Items: []string{"GET", "HEAD"}, CachedMethods: &CachedMethods{Quantity: ptr[int64](1), Items: []string{"GET", "HEAD"}}}
		}), "InconsistentQuantities", "CachedMethods (1)"},
		{"geo quantity", func(c *DistributionConfig) {
			c.Restrictions = &Restrictions{GeoRestriction: &GeoRestriction{RestrictionType: ptr("whitelist"), Quantity: ptr[int64](2), Items: []string{"FR"}}}
		}, "InconsistentQuantities", "GeoRestriction (2)"},
		{"quantity in an ordered behaviour", behaviour(func(b *CacheBehavior) {
			b.TrustedSigners = &TrustedSigners{Enabled: ptr(false), Quantity: ptr[int64](1)}
		}),
			"InconsistentQuantities", "TrustedSigners (1) does not match the actual quantity supplied (0)"},

		// Distribution-level rules.
		{"comment of 128", func(c *DistributionConfig) { c.Comment = ptr(strings.Repeat("é", 128)) }, "", ""},
		{"comment of 129", func(c *DistributionConfig) { c.Comment = ptr(strings.Repeat("c", 129)) }, "InvalidArgument", "The parameter Comment is too big."},
		{"default root object", func(c *DistributionConfig) { c.DefaultRootObject = ptr("dir/index.html") }, "", ""},
		{"default root object with leading slash (accepted by CloudFront)", func(c *DistributionConfig) { c.DefaultRootObject = ptr("/index.html") }, "", ""},
		{"default root object of 255", func(c *DistributionConfig) { c.DefaultRootObject = ptr(strings.Repeat("a", 255)) }, "", ""},
		{"default root object of 256", func(c *DistributionConfig) { c.DefaultRootObject = ptr(strings.Repeat("a", 256)) }, "InvalidDefaultRootObject", ""},
		{"default root object with a space", func(c *DistributionConfig) { c.DefaultRootObject = ptr("my page.html") }, "InvalidDefaultRootObject", ""},
		{"default root object with a query", func(c *DistributionConfig) { c.DefaultRootObject = ptr("index.html?x=1") }, "InvalidDefaultRootObject", ""},
		{"100 aliases", aliases(many(100, func(i int) string {
			return "a" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".example.com"
		})...), "", ""},
		{"101 aliases", aliases(many(101, func(i int) string { return string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".example.com" })...), "TooManyDistributionCNAMEs", ""},
		{"wildcard alias", aliases("*.example.com"), "", ""},
		{"bad alias", aliases("www.exa mple.com"), "InvalidArgument", ""},
		{"repeated alias", aliases("www.example.com", "WWW.example.com"), "InvalidArgument", ""},
		{"alias of another distribution", aliases("Taken.Example.com"), "CNAMEAlreadyExists",
			"One or more of the CNAMEs you provided are already associated with a different resource."},

		// Origins.
		{"100 origins", func(c *DistributionConfig) {
			for i := 1; i < 100; i++ {
				addOrigin(Origin{Id: ptr("o" + string(rune('A'+i%26)) + string(rune('A'+i/26))), DomainName: ptr("site.s3.us-east-1.amazonaws.com")})(c)
			}
		}, "", ""},
		{"101 origins", func(c *DistributionConfig) {
			for i := 1; i < 101; i++ {
				addOrigin(Origin{Id: ptr("o" + string(rune('A'+i%26)) + string(rune('A'+i/26))), DomainName: ptr("site.s3.us-east-1.amazonaws.com")})(c)
			}
		}, "TooManyOrigins", ""},
		{"repeated origin id", addOrigin(Origin{Id: ptr("s3"), DomainName: ptr("other.s3.us-east-1.amazonaws.com")}), "InvalidArgument", ""},
		{"origin domain not a domain", origin0(func(o *Origin) { o.DomainName = ptr("http://site/") }), "InvalidArgument", "The parameter origin name must be a domain name."},
		{"S3 config on a custom domain", origin0(func(o *Origin) { o.DomainName = ptr("www.example.com") }), "InvalidArgument",
			"The parameter Origin DomainName does not refer to a valid S3 bucket."},
		{"S3 config on a website endpoint", origin0(func(o *Origin) { o.DomainName = ptr("site.s3-website-us-east-1.amazonaws.com") }), "InvalidArgument",
			"does not refer to a valid S3 bucket"},
		{"no origin config on an S3 domain", origin0(func(o *Origin) { o.S3OriginConfig = nil }), "", ""},
		{"no origin config on a custom domain", origin0(func(o *Origin) { o.S3OriginConfig = nil; o.DomainName = ptr("www.example.com") }), "InvalidArgument",
			"does not refer to a valid S3 bucket"},
		{"both origin configs", origin0(func(o *Origin) {
			o.CustomOriginConfig = &CustomOriginConfig{HTTPPort: ptr[int64](80), HTTPSPort: ptr[int64](443), OriginProtocolPolicy: ptr("http-only")}
		}), "InvalidArgument", "Exactly one of CustomOriginConfig and S3OriginConfig must be specified"},
		{"website endpoint as custom origin", addOrigin(customOrigin("site.s3-website.eu-west-1.amazonaws.com")), "", ""},
		{"local website endpoint as custom origin", addOrigin(customOrigin("site.s3-website.localhost")), "", ""},
		{"local REST endpoint", origin0(func(o *Origin) { o.DomainName = ptr("site.s3.localhost") }), "", ""},
		{"origin path", origin0(func(o *Origin) { o.OriginPath = ptr("/production") }), "", ""},
		{"origin path without leading slash", origin0(func(o *Origin) { o.OriginPath = ptr("production") }), "InvalidArgument", "OriginPath"},
		{"origin path with trailing slash", origin0(func(o *Origin) { o.OriginPath = ptr("/production/") }), "InvalidArgument", "OriginPath"},
		{"10 custom headers", origin0(func(o *Origin) {
			o.CustomHeaders = &CustomHeaders{Quantity: ptr[int64](10)}
			for i := 0; i < 10; i++ {
				o.CustomHeaders.Items = append(o.CustomHeaders.Items, OriginCustomHeader{HeaderName: ptr("X-" + string(rune('A'+i))), HeaderValue: ptr("v")})
			}
		}), "", ""},
		{"11 custom headers", origin0(func(o *Origin) {
			o.CustomHeaders = &CustomHeaders{Quantity: ptr[int64](11)}
			for i := 0; i < 11; i++ {
				o.CustomHeaders.Items = append(o.CustomHeaders.Items, OriginCustomHeader{HeaderName: ptr("X-" + string(rune('A'+i))), HeaderValue: ptr("v")})
			}
		}), "TooManyOriginCustomHeaders", ""},
		{"connection attempts 0", origin0(func(o *Origin) { o.ConnectionAttempts = ptr[int64](0) }), "InvalidArgument", ""},
		{"connection timeout 11", origin0(func(o *Origin) { o.ConnectionTimeout = ptr[int64](11) }), "InvalidArgument", ""},
		{"origin shield without region", origin0(func(o *Origin) { o.OriginShield = &OriginShield{Enabled: ptr(true)} }), "InvalidArgument", ""},
		{"custom port 8080", addOrigin(func() Origin {
			o := customOrigin("www.example.com")
			o.CustomOriginConfig.HTTPPort = ptr[int64](8080)
			return o
		}()), "", ""},
		{"custom port 81", addOrigin(func() Origin {
			o := customOrigin("www.example.com")
			o.CustomOriginConfig.HTTPPort = ptr[int64](81)
			return o
		}()), "InvalidArgument", "HTTPPort"},
		{"custom https port 70000", addOrigin(func() Origin {
			o := customOrigin("www.example.com")
			o.CustomOriginConfig.HTTPSPort = ptr[int64](70000)
			return o
		}()), "InvalidArgument", "HTTPSPort"},
		{"read timeout 121", addOrigin(func() Origin {
			o := customOrigin("www.example.com")
			o.CustomOriginConfig.OriginReadTimeout = ptr[int64](121)
			return o
		}()), "InvalidOriginReadTimeout", ""},
		{"keepalive timeout 0", addOrigin(func() Origin {
			o := customOrigin("www.example.com")
			o.CustomOriginConfig.OriginKeepaliveTimeout = ptr[int64](0)
			return o
		}()), "InvalidOriginKeepaliveTimeout", ""},

		// Origin access.
		{"OAC on S3", origin0(func(o *Origin) { o.OriginAccessControlId = ptr(vOACS3) }), "", ""},
		{"OAC and OAI", origin0(func(o *Origin) {
			o.OriginAccessControlId = ptr(vOACS3)
			o.S3OriginConfig.OriginAccessIdentity = ptr("origin-access-identity/cloudfront/" + vOAI)
		}), "IllegalOriginAccessConfiguration", ""},
		{"unknown OAC", origin0(func(o *Origin) { o.OriginAccessControlId = ptr("EMISSING") }), "InvalidOriginAccessControl", ""},
		{"another account's OAC", origin0(func(o *Origin) { o.OriginAccessControlId = ptr(vOACOther) }), "InvalidOriginAccessControl", ""},
		{"lambda OAC on S3", origin0(func(o *Origin) { o.OriginAccessControlId = ptr(vOACLambda) }), "InvalidOriginAccessControl", ""},
		{"OAC on a website endpoint", addOrigin(func() Origin {
			o := customOrigin("site.s3-website-us-east-1.amazonaws.com")
			o.OriginAccessControlId = ptr(vOACS3)
			return o
		}()), "InvalidDomainNameForOriginAccessControl", ""},
		{"OAC on a custom origin", addOrigin(func() Origin { o := customOrigin("www.example.com"); o.OriginAccessControlId = ptr(vOACS3); return o }()),
			"InvalidDomainNameForOriginAccessControl", ""},
		{"lambda OAC on a function URL", addOrigin(func() Origin {
			o := customOrigin("abcdefgh.lambda-url.us-east-1.on.aws")
			o.OriginAccessControlId = ptr(vOACLambda)
			return o
		}()), "", ""},
		{"OAI", origin0(func(o *Origin) {
			o.S3OriginConfig.OriginAccessIdentity = ptr("origin-access-identity/cloudfront/" + vOAI)
		}), "", ""},
		{"OAI without prefix", origin0(func(o *Origin) { o.S3OriginConfig.OriginAccessIdentity = ptr(vOAI) }), "InvalidOriginAccessIdentity",
			"The specified origin access identity does not exist or is not valid."},
		{"unknown OAI", origin0(func(o *Origin) {
			o.S3OriginConfig.OriginAccessIdentity = ptr("origin-access-identity/cloudfront/EMISSING")
		}), "InvalidOriginAccessIdentity", ""},
		{"another account's OAI", origin0(func(o *Origin) {
			o.S3OriginConfig.OriginAccessIdentity = ptr("origin-access-identity/cloudfront/" + vOAIOther)
		}),
			"InvalidOriginAccessIdentity", ""},

		// Origin groups.
		{"origin group", func(c *DistributionConfig) {
			addOrigin(Origin{Id: ptr("s3b"), DomainName: ptr("backup.s3.us-west-2.amazonaws.com")})(c)
			c.OriginGroups = &OriginGroups{Quantity: ptr[int64](1), Items: []OriginGroup{{Id: ptr("group"),
				FailoverCriteria: &OriginGroupFailoverCriteria{StatusCodes: &StatusCodes{Quantity: ptr[int64](1), Items: []int64{500}}},
				Members:          &OriginGroupMembers{Quantity: ptr[int64](2), Items: []OriginGroupMember{{OriginId: ptr("s3")}, {OriginId: ptr("s3b")}}}}}}
			c.DefaultCacheBehavior.TargetOriginId = ptr("group")
		}, "", ""},
		{"origin group member missing", func(c *DistributionConfig) {
			c.OriginGroups = &OriginGroups{Quantity: ptr[int64](1), Items: []OriginGroup{{Id: ptr("group"),
				Members: &OriginGroupMembers{Quantity: ptr[int64](2), Items: []OriginGroupMember{{OriginId: ptr("s3")}, {OriginId: ptr("nope")}}}}}}
		}, "NoSuchOrigin", ""},

		// Behaviours.
		{"target origin missing", dcb(func(d *DefaultCacheBehavior) { d.TargetOriginId = ptr("nope") }), "NoSuchOrigin",
			"One or more of your origins or origin groups do not exist."},
		{"ordered target origin missing", behaviour(func(b *CacheBehavior) { b.TargetOriginId = ptr("nope") }), "NoSuchOrigin", ""},
		{"neither cache policy nor forwarded values", dcb(func(d *DefaultCacheBehavior) { d.ForwardedValues = nil }), "InvalidArgument",
			"The parameter ForwardedValues is required."},
		{"empty cache policy id and no forwarded values", dcb(func(d *DefaultCacheBehavior) { d.ForwardedValues, d.CachePolicyId = nil, ptr("") }),
			"InvalidArgument", "The parameter ForwardedValues is required."},
		{"cache policy", dcb(func(d *DefaultCacheBehavior) { d.ForwardedValues, d.CachePolicyId = nil, ptr(vCachePolicy) }), "", ""},
		{"cache policy and forwarded values", dcb(func(d *DefaultCacheBehavior) { d.CachePolicyId = ptr(vCachePolicy) }), "InvalidArgument",
			"The parameter ForwardedValues cannot be used when a cache policy is associated to the cache behavior."},
		{"unknown cache policy", dcb(func(d *DefaultCacheBehavior) {
			d.ForwardedValues, d.CachePolicyId = nil, ptr("00000000-0000-0000-0000-000000000000")
		}),
			"NoSuchCachePolicy", ""},
		{"origin request policy", dcb(func(d *DefaultCacheBehavior) {
			d.ForwardedValues, d.CachePolicyId, d.OriginRequestPolicyId = nil, ptr(vCachePolicy), ptr(vORPolicy)
		}), "", ""},
		{"unknown origin request policy", dcb(func(d *DefaultCacheBehavior) { d.OriginRequestPolicyId = ptr("00000000-0000-0000-0000-000000000000") }),
			"NoSuchOriginRequestPolicy", ""},
		{"empty origin request policy id (Terraform)", dcb(func(d *DefaultCacheBehavior) { d.OriginRequestPolicyId = ptr("") }), "", ""},
		{"allowed methods with OPTIONS", dcb(func(d *DefaultCacheBehavior) {
			d.AllowedMethods = &AllowedMethods{Quantity: ptr[int64](3), Items: []string{"OPTIONS", "GET", "HEAD"}}
		}), "", ""},
		{"all seven methods", dcb(func(d *DefaultCacheBehavior) {
			d.AllowedMethods = &AllowedMethods{Quantity: ptr[int64](7), Items: []string{"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"},
				CachedMethods: &CachedMethods{Quantity: ptr[int64](3), Items: []string{"GET", "HEAD", "OPTIONS"}}}
		}), "", ""},
		{"GET and POST", dcb(func(d *DefaultCacheBehavior) {
			d.AllowedMethods = &AllowedMethods{Quantity: ptr[int64](3), Items: []string{"GET", "HEAD", "POST"}}
		}), "InvalidArgument", "AllowedMethods"},
		{"GET twice", dcb(func(d *DefaultCacheBehavior) {
			d.AllowedMethods = &AllowedMethods{Quantity: ptr[int64](3), Items: []string{"GET", "HEAD", "GET"}}
		}), "InvalidArgument", "AllowedMethods"},
		{"cached GET only", dcb(func(d *DefaultCacheBehavior) {
			d.AllowedMethods = &AllowedMethods{Quantity: ptr[int64](2), Items: []string{"GET", "HEAD"}, CachedMethods: &CachedMethods{Quantity: ptr[int64](1), Items: []string{"GET"}}}
		}), "InvalidArgument", "CachedMethods"},
		{"cached OPTIONS not allowed", dcb(func(d *DefaultCacheBehavior) {
			d.AllowedMethods = &AllowedMethods{Quantity: ptr[int64](2), Items: []string{"GET", "HEAD"},
				CachedMethods: &CachedMethods{Quantity: ptr[int64](3), Items: []string{"GET", "HEAD", "OPTIONS"}}}
		}), "InvalidArgument", "CachedMethods"},
		{"TTLs in order", dcb(func(d *DefaultCacheBehavior) {
			d.MinTTL, d.DefaultTTL, d.MaxTTL = ptr[int64](5), ptr[int64](5), ptr[int64](5)
		}), "", ""},
		{"MinTTL above DefaultTTL", dcb(func(d *DefaultCacheBehavior) { d.MinTTL, d.DefaultTTL = ptr[int64](10), ptr[int64](5) }), "InvalidTTLOrder",
			"MinTTL, MaxTTL and DefaultTTL should follow order MinTTL less than or equal to DefaultTTL less than or equal to MaxTTL"},
		{"DefaultTTL above MaxTTL", dcb(func(d *DefaultCacheBehavior) { d.DefaultTTL, d.MaxTTL = ptr[int64](100), ptr[int64](50) }), "InvalidTTLOrder", ""},
		{"MaxTTL below the DefaultTTL default", dcb(func(d *DefaultCacheBehavior) { d.MaxTTL = ptr[int64](3600) }), "InvalidTTLOrder", ""},
		{"MinTTL above the defaults (defaults follow it)", dcb(func(d *DefaultCacheBehavior) { d.MinTTL = ptr[int64](100000000) }), "", ""},
		{"ordered TTL order", behaviour(func(b *CacheBehavior) { b.MinTTL, b.MaxTTL = ptr[int64](7), ptr[int64](6) }), "InvalidTTLOrder", ""},
		{"query string keys without query string", dcb(func(d *DefaultCacheBehavior) {
			d.ForwardedValues.QueryStringCacheKeys = &QueryStringCacheKeys{Quantity: ptr[int64](1), Items: []string{"v"}}
		}), "InvalidArgument", "The parameter QueryString cannot be false if query strings are set in QueryStringCacheKeys"},
		{"whitelist cookies without names", dcb(func(d *DefaultCacheBehavior) { d.ForwardedValues.Cookies.Forward = ptr("whitelist") }), "InvalidForwardCookies", ""},
		{"cookie names with forward all", dcb(func(d *DefaultCacheBehavior) {
			d.ForwardedValues.Cookies = &CookiePreference{Forward: ptr("all"), WhitelistedNames: &CookieNames{Quantity: ptr[int64](1), Items: []string{"s"}}}
		}), "InvalidForwardCookies", ""},
		{"empty cookie names with forward none (Terraform)", dcb(func(d *DefaultCacheBehavior) {
			d.ForwardedValues.Cookies.WhitelistedNames = &CookieNames{Quantity: ptr[int64](0)}
		}), "", ""},
		{"11 forwarded headers", dcb(func(d *DefaultCacheBehavior) {
			d.ForwardedValues.Headers = &Headers{Quantity: ptr[int64](11), Items: many(11, func(i int) string { return "X-" + string(rune('A'+i)) })}
		}), "TooManyHeadersInForwardedValues", ""},
		{"path pattern", behaviour(func(b *CacheBehavior) { b.PathPattern = ptr("/a-z_0~9/$x*.@:+&'\"?") }), "", ""},
		{"empty path pattern", behaviour(func(b *CacheBehavior) { b.PathPattern = ptr("") }), "InvalidArgument", "PathPattern"},
		{"path pattern with a space", behaviour(func(b *CacheBehavior) { b.PathPattern = ptr("/my images/*") }), "InvalidArgument", "PathPattern"},
		{"path pattern of 256", behaviour(func(b *CacheBehavior) { b.PathPattern = ptr("/" + strings.Repeat("p", 255)) }), "InvalidArgument", "PathPattern"},
		{"75 behaviours", func(c *DistributionConfig) {
			c.CacheBehaviors = &CacheBehaviors{Quantity: ptr[int64](75)}
			for i := 0; i < 75; i++ {
				c.CacheBehaviors.Items = append(c.CacheBehaviors.Items, CacheBehavior{PathPattern: ptr("/p" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + "/*"),
					TargetOriginId: ptr("s3"), ViewerProtocolPolicy: ptr("allow-all"), CachePolicyId: ptr(vCachePolicy)})
			}
		}, "", ""},
		{"76 behaviours", func(c *DistributionConfig) {
			c.CacheBehaviors = &CacheBehaviors{Quantity: ptr[int64](76)}
			for i := 0; i < 76; i++ {
				c.CacheBehaviors.Items = append(c.CacheBehaviors.Items, CacheBehavior{PathPattern: ptr("/p/*"), TargetOriginId: ptr("s3"),
					ViewerProtocolPolicy: ptr("allow-all"), CachePolicyId: ptr(vCachePolicy)})
			}
		}, "TooManyCacheBehaviors", "Your request contains more CacheBehaviors than are allowed per distribution."},

		// Custom error responses.
		{"SPA error pages", func(c *DistributionConfig) {
			c.CustomErrorResponses = &CustomErrorResponses{Quantity: ptr[int64](2), Items: []CustomErrorResponse{
				{ErrorCode: ptr[int64](403), ResponsePagePath: ptr("/index.html"), ResponseCode: ptr("200"), ErrorCachingMinTTL: ptr[int64](0)},
				{ErrorCode: ptr[int64](404), ResponsePagePath: ptr("/index.html"), ResponseCode: ptr("200")}}}
		}, "", ""},
		{"error caching only (Terraform sends empty strings)", errorResponse(CustomErrorResponse{ErrorCode: ptr[int64](503), ResponseCode: ptr(""),
			ResponsePagePath: ptr(""), ErrorCachingMinTTL: ptr[int64](1)}), "", ""},
		{"error code 401", errorResponse(CustomErrorResponse{ErrorCode: ptr[int64](401)}), "InvalidErrorCode", ""},
		{"error code 200", errorResponse(CustomErrorResponse{ErrorCode: ptr[int64](200)}), "InvalidErrorCode", ""},
		{"response code 302", errorResponse(CustomErrorResponse{ErrorCode: ptr[int64](404), ResponsePagePath: ptr("/e.html"), ResponseCode: ptr("302")}), "InvalidResponseCode", ""},
		{"response code without page", errorResponse(CustomErrorResponse{ErrorCode: ptr[int64](404), ResponseCode: ptr("404")}), "InvalidResponseCode", ""},
		{"page without response code", errorResponse(CustomErrorResponse{ErrorCode: ptr[int64](404), ResponsePagePath: ptr("/e.html")}), "InvalidResponseCode", ""},
		{"relative page path", errorResponse(CustomErrorResponse{ErrorCode: ptr[int64](404), ResponsePagePath: ptr("e.html"), ResponseCode: ptr("404")}), "InvalidRelativePath", ""},

		// Geo restriction.
		{"whitelist", geo("whitelist", "US", "CA", "GB", "DE"), "", ""},
		{"blacklist", geo("blacklist", "CN"), "", ""},
		{"none with locations", geo("none", "US"), "InvalidGeoRestrictionParameter", "Your request contains invalid Restriction parameters."},
		{"whitelist without locations", geo("whitelist"), "InvalidGeoRestrictionParameter", ""},
		{"UK is not ISO", geo("whitelist", "UK"), "InvalidLocationCode", ""},
		{"lower case code", geo("blacklist", "fr"), "InvalidLocationCode", ""},

		// Viewer certificate.
		{"default and ACM certificates", func(c *DistributionConfig) {
			c.ViewerCertificate = &ViewerCertificate{CloudFrontDefaultCertificate: ptr(true), ACMCertificateArn: ptr("arn:aws:acm:us-east-1:1:certificate/x")}
		}, "InvalidViewerCertificate", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validationService(t)
			cfg := minimalDistConfig()
			tt.edit(cfg)
			e := s.validateDistributionConfigLocked(vAcct, "", "DistributionConfig", cfg, cfg)
			switch {
			case tt.code == "" && e != nil:
				t.Fatalf("want valid, got %s: %s", e.Code, e.Message)
			case tt.code != "" && e == nil:
				t.Fatalf("want %s, got valid", tt.code)
			case tt.code != "" && (e.Code != tt.code || !strings.Contains(e.Message, tt.msg)):
				t.Fatalf("want %s %q, got %s %q", tt.code, tt.msg, e.Code, e.Message)
			}
			if e != nil && e.Status != errorStatus[e.Code] && errorStatus[e.Code] != 0 {
				t.Errorf("status %d for %s", e.Status, e.Code)
			}
		})
	}
}

func TestValidateDistributionCNAMEOfItself(t *testing.T) {
	// On update, a distribution's own aliases do not conflict with it.
	s := validationService(t)
	cfg := minimalDistConfig()
	cfg.Aliases = &Aliases{Quantity: ptr[int64](1), Items: []string{"taken.example.com"}}
	if e := s.validateDistributionConfigLocked(vOther, "EOTHERDIST0001", "DistributionConfig", cfg, cfg); e != nil {
		t.Fatalf("own alias: %v", e)
	}
}

func TestCheckEnumsWithTagsRoot(t *testing.T) {
	doc := &DistributionConfigWithTags{DistributionConfig: minimalDistConfig(), Tags: &Tags{}}
	doc.DistributionConfig.HttpVersion = ptr("HTTP2")
	e := checkEnums("DistributionConfigWithTags", doc)
	want := "1 validation error detected: Value 'HTTP2' at 'distributionConfigWithTags.distributionConfig.httpVersion' failed to satisfy constraint: Member must satisfy enum value set: [http1.1, http2, http3, http2and3]"
	if e == nil || e.Code != "MalformedXML" || e.Status != 400 || e.Message != want {
		t.Fatalf("got %v", e)
	}
}

func TestCheckQuantitiesAnyShape(t *testing.T) {
	tests := []struct {
		name string
		root string
		v    any
		msg  string
	}{
		{"invalidation paths", "InvalidationBatch", &InvalidationBatch{CallerReference: ptr("r"), Paths: &Paths{Quantity: ptr[int64](1), Items: []string{"/a", "/b"}}},
			"The specified quantity of Paths (1) does not match the actual quantity supplied (2)."},
		{"consistent paths", "InvalidationBatch", &InvalidationBatch{Paths: &Paths{Quantity: ptr[int64](2), Items: []string{"/a", "/b"}}}, ""},
		{"cache policy headers", "CachePolicyConfig", &CachePolicyConfig{ParametersInCacheKeyAndForwardedToOrigin: &ParametersInCacheKeyAndForwardedToOrigin{
			HeadersConfig: &CachePolicyHeadersConfig{Headers: &Headers{Quantity: ptr[int64](0), Items: []string{"h"}}}}}, "quantity of Headers (0)"},
		{"status codes of a group member list", "DistributionConfig", &DistributionConfig{OriginGroups: &OriginGroups{Quantity: ptr[int64](1), Items: []OriginGroup{{
			FailoverCriteria: &OriginGroupFailoverCriteria{StatusCodes: &StatusCodes{Quantity: ptr[int64](2), Items: []int64{500}}}}}}}, "quantity of StatusCodes (2)"},
		{"absent quantity is left alone", "DistributionConfig", &DistributionConfig{Aliases: &Aliases{Items: []string{"a"}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := checkQuantities(tt.root, tt.v)
			if tt.msg == "" {
				if e != nil {
					t.Fatalf("got %v", e)
				}
				return
			}
			if e == nil || e.Code != "InconsistentQuantities" || e.Status != 400 || !strings.Contains(e.Message, tt.msg) {
				t.Fatalf("got %v, want %q", e, tt.msg)
			}
		})
	}
}

func TestISOCountryCodes(t *testing.T) {
	if n := len(isoCountryCodes); n != 249 {
		t.Errorf("%d codes, ISO 3166-1 assigns 249", n)
	}
	for _, c := range []string{"US", "GB", "FR", "DE", "JP", "SS", "XK"} {
		if got, want := isISOCountryCode(c), c != "XK"; got != want {
			t.Errorf("%s: %v", c, got)
		}
	}
}

// TestMemberEnumsMatchModel checks memberEnums against the botocore model
// the shapes were generated from: every enum-typed member (or list of
// enum values) of a generated shape must be listed, with its enum.
func TestMemberEnumsMatchModel(t *testing.T) {
	matches, _ := filepath.Glob("/root/.pyenv/versions/*/lib/python*/site-packages/botocore/data/cloudfront/2020-05-31/service-2.json.gz")
	if p := os.Getenv("BOTOCORE_CLOUDFRONT_MODEL"); p != "" {
		matches = []string{p}
	}
	if len(matches) == 0 {
		t.Skip("botocore CloudFront model not found (set BOTOCORE_CLOUDFRONT_MODEL)")
	}
	f, err := os.Open(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var model struct {
		Shapes map[string]struct {
			Type    string   `json:"type"`
			Enum    []string `json:"enum"`
			Member  *struct{ Shape string }
			Members map[string]struct{ Shape string }
		} `json:"shapes"`
	}
	if err := json.NewDecoder(zr).Decode(&model); err != nil {
		t.Fatal(err)
	}
	// The generated structs, found through the types the package uses.
	generated := map[string]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || generated[t.Name()] || t.PkgPath() != reflect.TypeOf(Tag{}).PkgPath() {
			return
		}
		generated[t.Name()] = true
		for i := 0; i < t.NumField(); i++ {
			walk(t.Field(i).Type)
		}
	}
	for _, v := range []any{DistributionConfigWithTags{}, Distribution{}, DistributionList{}, OriginAccessControl{}, OriginAccessControlList{},
		CloudFrontOriginAccessIdentity{}, CloudFrontOriginAccessIdentityList{}, Invalidation{}, InvalidationList{}, TagKeys{},
		CachePolicy{}, CachePolicyList{}, OriginRequestPolicy{}, OriginRequestPolicyList{}} {
		walk(reflect.TypeOf(v))
	}
	want := map[string]string{}
	for name := range generated {
		for member, m := range model.Shapes[name].Members {
			ms := model.Shapes[m.Shape]
			switch {
			case len(ms.Enum) > 0:
				want[name+"."+member] = m.Shape
			case ms.Type == "list" && len(model.Shapes[ms.Member.Shape].Enum) > 0:
				want[name+"."+member] = ms.Member.Shape
			}
		}
	}
	var diffs []string
	for k, v := range want {
		if memberEnums[k] != v {
			diffs = append(diffs, k+": model "+v+", table "+memberEnums[k])
		}
	}
	for k := range memberEnums {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, k+": not an enum member of a generated shape")
		}
	}
	sort.Strings(diffs)
	for _, d := range diffs {
		t.Error(d)
	}
}
