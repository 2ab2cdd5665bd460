package cloudfront

import (
	"fmt"
	"strings"
	"testing"
)

// cachePolicyBody is a CachePolicyConfig named name with MinTTL min and
// params (the ParametersInCacheKeyAndForwardedToOrigin element's content;
// "" for all-none with compression on).
func cachePolicyBody(name, minTTL, params string, extra ...string) string {
	if params == "" {
		params = `<EnableAcceptEncodingGzip>true</EnableAcceptEncodingGzip><EnableAcceptEncodingBrotli>true</EnableAcceptEncodingBrotli>` +
			`<HeadersConfig><HeaderBehavior>none</HeaderBehavior></HeadersConfig><CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig>` +
			`<QueryStringsConfig><QueryStringBehavior>none</QueryStringBehavior></QueryStringsConfig>`
	}
	return `<CachePolicyConfig` + axNS + `><Comment>c</Comment><Name>` + name + `</Name>` + strings.Join(extra, "") +
		`<MinTTL>` + minTTL + `</MinTTL><ParametersInCacheKeyAndForwardedToOrigin>` + params +
		`</ParametersInCacheKeyAndForwardedToOrigin></CachePolicyConfig>`
}

// keyParams builds ParametersInCacheKeyAndForwardedToOrigin content.
func keyParams(headers, cookies, queryStrings string) string {
	return `<EnableAcceptEncodingGzip>false</EnableAcceptEncodingGzip>` +
		`<HeadersConfig>` + headers + `</HeadersConfig><CookiesConfig>` + cookies + `</CookiesConfig>` +
		`<QueryStringsConfig>` + queryStrings + `</QueryStringsConfig>`
}

// nameItems is a behavior element and a list element with quantity q
// (-1: the number of names).
func nameItems(behaviorElem, behavior, listElem string, q int, names ...string) string {
	s := "<" + behaviorElem + ">" + behavior + "</" + behaviorElem + ">"
	if listElem == "" {
		return s
	}
	if q < 0 {
		q = len(names)
	}
	s += fmt.Sprintf("<%s><Quantity>%d</Quantity>", listElem, q)
	if len(names) > 0 {
		s += "<Items>"
		for _, n := range names {
			s += "<Name>" + n + "</Name>"
		}
		s += "</Items>"
	}
	return s + "</" + listElem + ">"
}

func nNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("n", i)
	}
	return out
}

func TestCachePolicyValidation(t *testing.T) {
	none := func(b string) string { return nameItems(b, "none", "", 0) }
	hNone, cNone, qNone := none("HeaderBehavior"), none("CookieBehavior"), none("QueryStringBehavior")
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"defaults", cachePolicyBody("p1", "0", ""), 201, ""},
		{"explicit TTLs", cachePolicyBody("p2", "5", "", "<DefaultTTL>10</DefaultTTL><MaxTTL>20</MaxTTL>"), 201, ""},
		{"min above default", cachePolicyBody("p3", "30", "", "<DefaultTTL>10</DefaultTTL><MaxTTL>20</MaxTTL>"), 400, "InvalidArgument"},
		{"default above max", cachePolicyBody("p4", "0", "", "<DefaultTTL>30</DefaultTTL><MaxTTL>20</MaxTTL>"), 400, "InvalidArgument"},
		{"negative min", cachePolicyBody("p5", "-1", ""), 400, "InvalidArgument"},
		{"non-numeric TTL", cachePolicyBody("p6", "soon", ""), 400, "MalformedInput"},
		{"bad name", cachePolicyBody("has space", "0", ""), 400, "InvalidArgument"},
		{"long comment", strings.Replace(cachePolicyBody("p7", "0", ""), "<Comment>c</Comment>", "<Comment>"+strings.Repeat("c", 129)+"</Comment>", 1), 400, "InvalidArgument"},
		{"whitelisted headers", cachePolicyBody("p8", "0", keyParams(nameItems("HeaderBehavior", "whitelist", "Headers", -1, "Origin", "Accept"), cNone, qNone)), 201, ""},
		{"10 headers", cachePolicyBody("p9", "0", keyParams(nameItems("HeaderBehavior", "whitelist", "Headers", -1, nNames(10)...), cNone, qNone)), 201, ""},
		{"11 headers", cachePolicyBody("p10", "0", keyParams(nameItems("HeaderBehavior", "whitelist", "Headers", -1, nNames(11)...), cNone, qNone)), 400, "TooManyHeadersInCachePolicy"},
		{"11 cookies", cachePolicyBody("p11", "0", keyParams(hNone, nameItems("CookieBehavior", "allExcept", "Cookies", -1, nNames(11)...), qNone)), 400, "TooManyCookiesInCachePolicy"},
		{"11 query strings", cachePolicyBody("p12", "0", keyParams(hNone, cNone, nameItems("QueryStringBehavior", "whitelist", "QueryStrings", -1, nNames(11)...))), 400, "TooManyQueryStringsInCachePolicy"},
		{"quantity mismatch", cachePolicyBody("p13", "0", keyParams(nameItems("HeaderBehavior", "whitelist", "Headers", 3, "a"), cNone, qNone)), 400, "InconsistentQuantities"},
		{"header behavior all", cachePolicyBody("p14", "0", keyParams(nameItems("HeaderBehavior", "all", "", 0), cNone, qNone)), 400, "InvalidArgument"},
		{"whitelist without names", cachePolicyBody("p15", "0", keyParams(hNone, nameItems("CookieBehavior", "whitelist", "Cookies", 0), qNone)), 400, "InvalidArgument"},
		{"none with names", cachePolicyBody("p16", "0", keyParams(hNone, cNone, nameItems("QueryStringBehavior", "none", "QueryStrings", -1, "q"))), 400, "InvalidArgument"},
		{"all cookies", cachePolicyBody("p17", "0", keyParams(hNone, nameItems("CookieBehavior", "all", "", 0), qNone)), 201, ""},
		{"no caching with a cache key", cachePolicyBody("p18", "0", keyParams(hNone, cNone, nameItems("QueryStringBehavior", "all", "", 0)), "<DefaultTTL>0</DefaultTTL><MaxTTL>0</MaxTTL>"), 400, "InvalidArgument"},
		{"no caching", cachePolicyBody("p19", "0", keyParams(hNone, cNone, qNone), "<DefaultTTL>0</DefaultTTL><MaxTTL>0</MaxTTL>"), 201, ""},
		{"missing HeadersConfig", cachePolicyBody("p20", "0", `<EnableAcceptEncodingGzip>true</EnableAcceptEncodingGzip>`), 400, "MalformedXML"},
		{"missing MinTTL", `<CachePolicyConfig><Name>p21</Name></CachePolicyConfig>`, 400, "MalformedXML"},
	}
	h := newAX(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(axAcct, "POST", "cache-policy", tt.body)
			if r.status != tt.status || r.code() != tt.code {
				t.Fatalf("got %d %q, want %d %q: %s", r.status, r.code(), tt.status, tt.code, r.body)
			}
		})
	}
}

func TestCachePolicyTTLDefaults(t *testing.T) {
	tests := []struct {
		extra             string
		min               string
		wantDef, wantMaxT int64
	}{
		{"", "0", 86400, 31536000},
		{"", "100000", 100000, 31536000},
		{"", "40000000", 40000000, 40000000},
		{"<DefaultTTL>60</DefaultTTL>", "0", 60, 31536000},
		{"<DefaultTTL>40000000</DefaultTTL>", "0", 40000000, 40000000},
	}
	h := newAX(t)
	for i, tt := range tests {
		r := h.do(axAcct, "POST", "cache-policy", cachePolicyBody(fmt.Sprint("ttl", i), tt.min, "", tt.extra)).must(t, 201)
		var p CachePolicy
		r.decode(t, &p)
		c := p.CachePolicyConfig
		if *c.DefaultTTL != tt.wantDef || *c.MaxTTL != tt.wantMaxT {
			t.Errorf("case %d: DefaultTTL %d MaxTTL %d, want %d %d", i, *c.DefaultTTL, *c.MaxTTL, tt.wantDef, tt.wantMaxT)
		}
	}
}

func TestManagedPolicies(t *testing.T) {
	h := newAX(t)
	for _, acct := range []string{axAcct, axOther} {
		r := h.do(acct, "GET", "cache-policy/658327ea-f89d-4fab-a63d-7e88639e58f6", "").must(t, 200)
		var p CachePolicy
		r.decode(t, &p)
		c := p.CachePolicyConfig
		k := c.ParametersInCacheKeyAndForwardedToOrigin
		if *c.Name != "Managed-CachingOptimized" || *c.MinTTL != 1 || *c.DefaultTTL != 86400 || *c.MaxTTL != 31536000 ||
			!*k.EnableAcceptEncodingGzip || !*k.EnableAcceptEncodingBrotli || *k.HeadersConfig.HeaderBehavior != "none" ||
			r.header.Get("ETag") != managedETag(*p.Id) {
			t.Fatalf("CachingOptimized for %s: %s", acct, r.body)
		}
		r = h.do(acct, "GET", "origin-request-policy/88a5eaf4-2fd4-4709-b370-b4c650ea3fcf/config", "").must(t, 200)
		if !strings.Contains(r.body, "<Name>Managed-CORS-S3Origin</Name>") || !strings.Contains(r.body, "<Name>access-control-request-method</Name>") {
			t.Fatalf("CORS-S3Origin: %s", r.body)
		}
	}
	disabled := "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
	etag := managedETag(disabled)
	h.do(axAcct, "PUT", "cache-policy/"+disabled, cachePolicyBody("x", "0", ""), "If-Match", etag).wantErr(t, 400, "IllegalUpdate")
	h.do(axAcct, "DELETE", "cache-policy/"+disabled, "", "If-Match", etag).wantErr(t, 400, "IllegalDelete")
	allViewer := "216adef6-5c7f-47e4-b989-5492eafa07d3"
	h.do(axAcct, "PUT", "origin-request-policy/"+allViewer, orpBody("x", "none"), "If-Match", managedETag(allViewer)).wantErr(t, 400, "IllegalUpdate")
	h.do(axAcct, "DELETE", "origin-request-policy/"+allViewer, "", "If-Match", managedETag(allViewer)).wantErr(t, 400, "IllegalDelete")

	// Every managed policy passes the custom-policy validation except for
	// the quota on names (AllViewerAndCloudFrontHeaders lists 21), and
	// its ids are unique.
	for _, m := range managedCachePolicies {
		if e := validateCachePolicyConfig(cloneCachePolicyConfig(m.config)); e != nil {
			t.Errorf("%s: %v", *m.config.Name, e)
		}
	}
	for _, m := range managedOriginRequestPolicies {
		if e := validateOriginRequestPolicyConfig(cloneOriginRequestPolicyConfig(m.config)); e != nil && *m.config.Name != "Managed-AllViewerAndCloudFrontHeaders-2022-06" {
			t.Errorf("%s: %v", *m.config.Name, e)
		}
	}
	if len(managedCachePolicyByID) != len(managedCachePolicies) || len(managedOriginRequestPolicyByID) != len(managedOriginRequestPolicies) {
		t.Error("duplicate managed policy ids")
	}
}

func TestCachePolicyLifecycle(t *testing.T) {
	h := newAX(t)
	r := h.do(axAcct, "POST", "cache-policy", cachePolicyBody("site", "0", "")).must(t, 201)
	var p CachePolicy
	r.decode(t, &p)
	id, etag := *p.Id, r.header.Get("ETag")
	if len(id) != 36 || !p.LastModifiedTime.Equal(h.now) || !strings.HasSuffix(r.header.Get("Location"), "/2020-05-31/cache-policy/"+id) {
		t.Fatalf("created: %v %s", r.header, r.body)
	}
	h.do(axAcct, "POST", "cache-policy", cachePolicyBody("site", "1", "")).wantErr(t, 409, "CachePolicyAlreadyExists")
	h.do(axOther, "POST", "cache-policy", cachePolicyBody("site", "1", "")).must(t, 201)
	h.do(axOther, "GET", "cache-policy/"+id, "").wantErr(t, 404, "NoSuchCachePolicy")
	h.do(axAcct, "GET", "cache-policy/"+id+"/config", "").must(t, 200)

	// The edge's view, and the existence check distributions use.
	cfg, ok := h.s.CachePolicy(axAcct, id)
	if !ok || *cfg.Name != "site" {
		t.Fatalf("CachePolicy: %v %v", cfg, ok)
	}
	*cfg.Name = "mutated"
	if again, _ := h.s.CachePolicy(axAcct, id); *again.Name != "site" {
		t.Error("CachePolicy returned shared state")
	}
	if _, ok := h.s.CachePolicy(axOther, id); ok {
		t.Error("another account's policy visible")
	}
	if m, ok := h.s.CachePolicy(axOther, "4cc15a8a-d715-48a4-82b8-cc0b614638fe"); !ok || *m.Name != "UseOriginCacheControlHeaders-QueryStrings" {
		t.Error("managed policy not visible")
	}
	h.s.mu.RLock()
	if !h.s.cachePolicyExistsLocked(axAcct, id) || h.s.cachePolicyExistsLocked(axOther, id) || !h.s.cachePolicyExistsLocked(axOther, "658327ea-f89d-4fab-a63d-7e88639e58f6") {
		t.Error("cachePolicyExistsLocked")
	}
	h.s.mu.RUnlock()

	// Update.
	h.now = h.now.Add(1e9)
	upd := cachePolicyBody("site-v2", "0", "", "<DefaultTTL>60</DefaultTTL>")
	h.do(axAcct, "PUT", "cache-policy/"+id, upd).wantErr(t, 400, "InvalidIfMatchVersion")
	h.do(axAcct, "PUT", "cache-policy/"+id, upd, "If-Match", "EBAD").wantErr(t, 412, "PreconditionFailed")
	r = h.do(axAcct, "POST", "cache-policy", cachePolicyBody("taken", "0", "")).must(t, 201)
	var taken CachePolicy
	r.decode(t, &taken)
	h.do(axAcct, "PUT", "cache-policy/"+id, cachePolicyBody("taken", "0", ""), "If-Match", etag).wantErr(t, 409, "CachePolicyAlreadyExists")
	h.do(axAcct, "PUT", "cache-policy/"+id, cachePolicyBody("site-v2", "9", "", "<DefaultTTL>1</DefaultTTL>"), "If-Match", etag).wantErr(t, 400, "InvalidArgument")
	r = h.do(axAcct, "PUT", "cache-policy/"+id, upd, "If-Match", etag).must(t, 200)
	var up CachePolicy
	r.decode(t, &up)
	etag2 := r.header.Get("ETag")
	if etag2 == etag || *up.CachePolicyConfig.Name != "site-v2" || *up.CachePolicyConfig.DefaultTTL != 60 || !up.LastModifiedTime.Equal(h.now) {
		t.Fatalf("updated: %s", r.body)
	}

	// List with the Type filter.
	names := func(q string) string {
		r := h.do(axAcct, "GET", "cache-policy"+q, "").must(t, 200)
		var l CachePolicyList
		r.decode(t, &l)
		var out []string
		for _, it := range l.Items {
			out = append(out, *it.Type+":"+*it.CachePolicy.CachePolicyConfig.Name)
		}
		return strings.Join(out, ",")
	}
	custom := []string{"custom:site-v2", "custom:taken"}
	if id > *taken.Id {
		custom[0], custom[1] = custom[1], custom[0]
	}
	if got := names("?Type=custom"); got != strings.Join(custom, ",") {
		t.Errorf("custom: %s", got)
	}
	if got := names("?Type=managed"); strings.Count(got, "managed:") != len(managedCachePolicies) || strings.Contains(got, "custom") {
		t.Errorf("managed: %s", got)
	}
	if got := names(""); strings.Count(got, ",") != len(managedCachePolicies)+1 {
		t.Errorf("all: %s", got)
	}
	h.do(axAcct, "GET", "cache-policy?Type=aws", "").wantErr(t, 400, "InvalidArgument")
	// Paging through all of them two at a time.
	var paged []string
	marker := ""
	for i := 0; i < 20; i++ {
		r := h.do(axAcct, "GET", "cache-policy?MaxItems=2&Marker="+marker, "").must(t, 200)
		var l CachePolicyList
		r.decode(t, &l)
		for _, it := range l.Items {
			paged = append(paged, *it.CachePolicy.Id)
		}
		if l.NextMarker == nil {
			break
		}
		marker = *l.NextMarker
	}
	if len(paged) != len(managedCachePolicies)+2 {
		t.Errorf("paged %d policies", len(paged))
	}

	// Delete: in use by a cache behavior of the account.
	dist := h.addDistribution(axAcct, "EDISTCP", func(c *DistributionConfig) {
		c.CacheBehaviors = &CacheBehaviors{Quantity: ptr(int64(1)), Items: []CacheBehavior{{PathPattern: ptr("/img/*"), TargetOriginId: ptr("o1"), CachePolicyId: ptr(id)}}}
	})
	h.do(axAcct, "DELETE", "cache-policy/"+id, "", "If-Match", etag2).wantErr(t, 409, "CachePolicyInUse")
	h.removeDistribution(dist)
	h.do(axAcct, "DELETE", "cache-policy/"+id, "").wantErr(t, 400, "InvalidIfMatchVersion")
	h.do(axAcct, "DELETE", "cache-policy/"+id, "", "If-Match", etag).wantErr(t, 412, "PreconditionFailed")
	h.do(axOther, "DELETE", "cache-policy/"+id, "", "If-Match", etag2).wantErr(t, 404, "NoSuchCachePolicy")
	h.do(axAcct, "DELETE", "cache-policy/"+id, "", "If-Match", etag2).must(t, 204)
	h.do(axAcct, "GET", "cache-policy/"+id, "").wantErr(t, 404, "NoSuchCachePolicy")

	// Quota: 20 custom policies per account.
	for i := 0; i < maxPoliciesPerAccount-1; i++ {
		h.do(axAcct, "POST", "cache-policy", cachePolicyBody(fmt.Sprint("q", i), "0", "")).must(t, 201)
	}
	h.do(axAcct, "POST", "cache-policy", cachePolicyBody("q-last", "0", "")).wantErr(t, 400, "TooManyCachePolicies")
}

// orpBody is an OriginRequestPolicyConfig with the header behavior and
// no cookies or query strings.
func orpBody(name, headerBehavior string, headerNames ...string) string {
	list := ""
	if len(headerNames) > 0 {
		list = "Headers"
	}
	return `<OriginRequestPolicyConfig` + axNS + `><Name>` + name + `</Name><HeadersConfig>` +
		nameItems("HeaderBehavior", headerBehavior, list, -1, headerNames...) + `</HeadersConfig>` +
		`<CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig>` +
		`<QueryStringsConfig><QueryStringBehavior>all</QueryStringBehavior></QueryStringsConfig></OriginRequestPolicyConfig>`
}

func TestOriginRequestPolicyValidation(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		code       string
	}{
		{"all viewer", orpBody("a", "allViewer"), 201, ""},
		{"whitelist", orpBody("b", "whitelist", "X-Custom"), 201, ""},
		{"allExcept host", orpBody("c", "allExcept", "host"), 201, ""},
		{"viewer and CloudFront headers", orpBody("d", "allViewerAndWhitelistCloudFront", "CloudFront-Viewer-Country"), 201, ""},
		{"allViewer with names", orpBody("e", "allViewer", "x"), 400, "InvalidArgument"},
		{"bad behavior", orpBody("f", "some"), 400, "InvalidArgument"},
		{"11 headers", orpBody("g", "whitelist", nNames(11)...), 400, "TooManyHeadersInOriginRequestPolicy"},
		{"missing CookiesConfig", `<OriginRequestPolicyConfig><Name>h</Name><HeadersConfig><HeaderBehavior>none</HeaderBehavior></HeadersConfig>` +
			`<QueryStringsConfig><QueryStringBehavior>all</QueryStringBehavior></QueryStringsConfig></OriginRequestPolicyConfig>`, 400, "MalformedXML"},
		{"11 cookies", `<OriginRequestPolicyConfig><Name>i</Name><HeadersConfig><HeaderBehavior>none</HeaderBehavior></HeadersConfig><CookiesConfig>` +
			nameItems("CookieBehavior", "whitelist", "Cookies", -1, nNames(11)...) + `</CookiesConfig>` +
			`<QueryStringsConfig><QueryStringBehavior>all</QueryStringBehavior></QueryStringsConfig></OriginRequestPolicyConfig>`, 400, "TooManyCookiesInOriginRequestPolicy"},
		{"11 query strings", `<OriginRequestPolicyConfig><Name>j</Name><HeadersConfig><HeaderBehavior>none</HeaderBehavior></HeadersConfig>` +
			`<CookiesConfig><CookieBehavior>all</CookieBehavior></CookiesConfig><QueryStringsConfig>` +
			nameItems("QueryStringBehavior", "allExcept", "QueryStrings", -1, nNames(11)...) + `</QueryStringsConfig></OriginRequestPolicyConfig>`, 400, "TooManyQueryStringsInOriginRequestPolicy"},
	}
	h := newAX(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(axAcct, "POST", "origin-request-policy", tt.body)
			if r.status != tt.status || r.code() != tt.code {
				t.Fatalf("got %d %q, want %d %q: %s", r.status, r.code(), tt.status, tt.code, r.body)
			}
		})
	}
}

func TestOriginRequestPolicyLifecycle(t *testing.T) {
	h := newAX(t)
	r := h.do(axAcct, "POST", "origin-request-policy", orpBody("fwd", "whitelist", "X-A")).must(t, 201)
	var p OriginRequestPolicy
	r.decode(t, &p)
	id, etag := *p.Id, r.header.Get("ETag")
	h.do(axAcct, "POST", "origin-request-policy", orpBody("fwd", "none")).wantErr(t, 409, "OriginRequestPolicyAlreadyExists")
	h.do(axOther, "GET", "origin-request-policy/"+id, "").wantErr(t, 404, "NoSuchOriginRequestPolicy")
	if cfg, ok := h.s.OriginRequestPolicy(axAcct, id); !ok || cfg.HeadersConfig.Headers.Items[0] != "X-A" {
		t.Fatalf("OriginRequestPolicy: %v %v", cfg, ok)
	}
	r = h.do(axAcct, "PUT", "origin-request-policy/"+id, orpBody("fwd", "allViewer"), "If-Match", etag).must(t, 200)
	etag2 := r.header.Get("ETag")
	r = h.do(axAcct, "GET", "origin-request-policy/"+id, "").must(t, 200)
	if r.header.Get("ETag") != etag2 || !strings.Contains(r.body, "<HeaderBehavior>allViewer</HeaderBehavior>") {
		t.Fatalf("after update: %s", r.body)
	}
	r = h.do(axAcct, "GET", "origin-request-policy?Type=custom", "").must(t, 200)
	var l OriginRequestPolicyList
	r.decode(t, &l)
	if *l.Quantity != 1 || *l.Items[0].Type != "custom" || *l.Items[0].OriginRequestPolicy.Id != id {
		t.Fatalf("list: %s", r.body)
	}
	r = h.do(axAcct, "GET", "origin-request-policy?Type=managed", "").must(t, 200)
	r.decode(t, &l)
	if int(*l.Quantity) != len(managedOriginRequestPolicies) {
		t.Fatalf("managed list: %s", r.body)
	}
	dist := h.addDistribution(axAcct, "EDISTORP", func(c *DistributionConfig) { c.DefaultCacheBehavior.OriginRequestPolicyId = ptr(id) })
	h.do(axAcct, "DELETE", "origin-request-policy/"+id, "", "If-Match", etag2).wantErr(t, 409, "OriginRequestPolicyInUse")
	h.removeDistribution(dist)
	h.do(axAcct, "DELETE", "origin-request-policy/"+id, "", "If-Match", etag).wantErr(t, 412, "PreconditionFailed")
	h.do(axAcct, "DELETE", "origin-request-policy/"+id, "", "If-Match", etag2).must(t, 204)
	h.s.mu.RLock()
	defer h.s.mu.RUnlock()
	if h.s.originRequestPolicyExistsLocked(axAcct, id) || !h.s.originRequestPolicyExistsLocked(axAcct, "b689b0a8-53d0-40ab-baf2-68738e2966ac") {
		t.Error("originRequestPolicyExistsLocked")
	}
}
