package diagnose

import (
	"sort"
	"strings"
	"testing"
)

// keysOf is a ViewerContext.Keys over a fixed key set.
func keysOf(keys ...string) func(string, int) ([]string, bool) {
	sort.Strings(keys)
	return func(prefix string, max int) ([]string, bool) {
		var out []string
		for _, k := range keys {
			if strings.HasPrefix(k, prefix) {
				if len(out) == max {
					return out, true
				}
				out = append(out, k)
			}
		}
		return out, false
	}
}

func TestRefine(t *testing.T) {
	const arn = "arn:aws:cloudfront::111122223333:distribution/E1"
	s3vc := func(mod func(vc *ViewerContext)) *ViewerContext {
		vc := &ViewerContext{DistributionID: "E1", DistributionARN: arn, Method: "GET", Path: "/a.txt", Behavior: "*",
			OriginID: "o1", OriginKind: "s3", Bucket: "b", Key: "a.txt", OAC: "OAC1", OACSigning: "always", Keys: keysOf("index.html")}
		if mod != nil {
			mod(vc)
		}
		return vc
	}
	noAllow := func(principal string) *Explanation {
		return &Explanation{Status: 403, ErrorCode: "AccessDenied", Principal: principal, Responder: "origin",
			Findings: []Finding{{ID: "POL-NO-ALLOW", Certainty: Definite, Fix: textFix("x")}}}
	}
	query := func(action, op string) *Explanation {
		x := noAllow("cloudfront.amazonaws.com")
		x.Operation, x.Trace = op, []Step{{Action: action, Source: "bucket policy", Decision: "ImplicitDeny"}}
		return x
	}
	missing := &Explanation{Status: 403, Principal: "cloudfront.amazonaws.com", Findings: []Finding{{ID: "KEY-MISSING", Certainty: Definite}}}
	tests := []struct {
		name   string
		x      *Explanation
		vc     *ViewerContext
		want   []string
		change string // the first finding's Change.Kind, "" for none
	}{
		{"edge reason to catalog id", &Explanation{Status: 403, Findings: []Finding{{ID: "CloudFrontMethodNotAllowed"}}}, s3vc(nil), []string{"CF-METHOD"}, ""},
		{"edge reason without a catalog id", &Explanation{Status: 400, Findings: []Finding{{ID: "CloudFrontBadRequest"}}}, s3vc(nil), []string{"CloudFrontBadRequest"}, ""},
		{"https-only", &Explanation{Status: 403, Findings: []Finding{{ID: "CloudFrontHttpsRequired"}}}, s3vc(func(vc *ViewerContext) { vc.Behavior = "/api/*" }),
			[]string{"CF-HTTPS-ONLY"}, ChangeViewerProtocol},
		{"service principal: stays", noAllow("cloudfront.amazonaws.com"), s3vc(nil), []string{"POL-NO-ALLOW"}, ""},
		{"signing never", noAllow("anonymous"), s3vc(func(vc *ViewerContext) { vc.OACSigning = "never" }), []string{"ORG-OAC-NEVER"}, ChangeOACSigning},
		{"no OAC, no OAI", noAllow("anonymous"), s3vc(func(vc *ViewerContext) { vc.OAC, vc.OACSigning = "", "" }), []string{"ORG-NO-AUTH"}, ChangeOriginOAC},
		{"OAI: anonymous only when it is missing", noAllow("anonymous"), s3vc(func(vc *ViewerContext) { vc.OAC, vc.OAI = "", "X" }), []string{"POL-NO-ALLOW"}, ""},
		{"website endpoint", noAllow("anonymous"), s3vc(func(vc *ViewerContext) { vc.OriginKind, vc.OAC = "website", "" }), []string{"ORG-WEBSITE-PRIVATE"}, ""},
		{"root without DRO", noAllow("cloudfront.amazonaws.com"), s3vc(func(vc *ViewerContext) { vc.Path, vc.Key = "/", "" }),
			[]string{"KEY-ROOT-NO-DRO"}, ChangeDefaultRootObject},
		{"root without DRO, no index.html", noAllow("cloudfront.amazonaws.com"), s3vc(func(vc *ViewerContext) { vc.Path, vc.Key, vc.Keys = "/", "", keysOf("home.htm") }),
			[]string{"KEY-ROOT-NO-DRO"}, ""},
		{"subdir index", missing, s3vc(func(vc *ViewerContext) { vc.Path, vc.Key, vc.Keys = "/docs/", "docs/", keysOf("docs/index.html") }),
			[]string{"KEY-SUBDIR-INDEX"}, ""},
		{"subdir without slash", missing, s3vc(func(vc *ViewerContext) { vc.Path, vc.Key, vc.Keys = "/docs", "docs", keysOf("docs/index.html") }),
			[]string{"KEY-SUBDIR-INDEX"}, ""},
		{"case", missing, s3vc(func(vc *ViewerContext) { vc.Path, vc.Key, vc.Keys = "/Index.html", "Index.html", keysOf("index.html") }),
			[]string{"KEY-CASE"}, ""},
		{"origin path", missing, s3vc(func(vc *ViewerContext) { vc.OriginPath, vc.Key, vc.Keys = "/site", "site/a.txt", keysOf("a.txt") }),
			[]string{"KEY-ORIGIN-PATH"}, ChangeOriginPath},
		{"origin path that keys have: plain missing", missing, s3vc(func(vc *ViewerContext) { vc.OriginPath, vc.Key, vc.Keys = "/site", "site/a.txt", keysOf("site/b.txt") }),
			[]string{"KEY-MISSING"}, ""},
		{"no listing: stays generic", missing, s3vc(func(vc *ViewerContext) { vc.Path, vc.Key, vc.Keys = "/Index.html", "Index.html", nil }),
			[]string{"KEY-MISSING"}, ""},
		{"SPA mask first", &Explanation{Status: 403, Principal: "cloudfront.amazonaws.com", Findings: []Finding{{ID: "KEY-MISSING"}}},
			s3vc(func(vc *ViewerContext) { vc.CustomErrorPage, vc.CustomErrorCode, vc.Keys = "/index.html", 200, nil }), []string{"CACHE-SPA-MASK", "KEY-MISSING"}, ""},
		{"a 404 page is no mask", &Explanation{Status: 403, Principal: "cloudfront.amazonaws.com", Findings: []Finding{{ID: "KEY-MISSING"}}},
			s3vc(func(vc *ViewerContext) { vc.CustomErrorPage, vc.CustomErrorCode, vc.Keys = "/404.html", 404, nil }), []string{"KEY-MISSING"}, ""},
		{"what is not simulated", &Explanation{Status: 200, Findings: []Finding{}},
			s3vc(func(vc *ViewerContext) {
				vc.WebACL, vc.Functions, vc.SignedURLs = "arn:waf", []string{"viewer-request: arn:fn"}, true
			}),
			[]string{"CF-WAF", "CF-FUNCTION", "CF-SIGNED"}, ""},
		{"healthy", &Explanation{Status: 200, Findings: []Finding{}}, s3vc(nil), []string{}, ""},
		{"Host forwarded to S3", &Explanation{Status: 200, Findings: []Finding{}}, s3vc(func(vc *ViewerContext) { vc.HostForwarded = true }),
			[]string{"ORG-HOST-FWD"}, ""},
		{"query: acl via the cache policy", query("s3:GetObjectAcl", "GetObjectAcl"), s3vc(func(vc *ViewerContext) { vc.OriginQuery, vc.QueryInCacheKey = "acl", true }),
			[]string{"KEY-QUERY"}, ChangeCachePolicy},
		{"query: versionId via the origin request policy", query("s3:GetObjectVersion", "GetObject"),
			s3vc(func(vc *ViewerContext) { vc.OriginQuery, vc.OriginRequestPolicyID = "versionId=3", "216adef6" }), []string{"KEY-QUERY"}, ChangeOriginRequestPolicy},
		{"query: legacy forwarding is advice", query("s3:GetObjectTagging", "GetObjectTagging"), s3vc(func(vc *ViewerContext) { vc.OriginQuery = "tagging" }),
			[]string{"KEY-QUERY"}, ""},
		{"query: a harmless query string denied GetObject", query("s3:GetObject", "GetObject"), s3vc(func(vc *ViewerContext) { vc.OriginQuery, vc.QueryInCacheKey = "v=2", true }),
			[]string{"POL-NO-ALLOW"}, ""},
		{"query: none forwarded", query("s3:GetObjectAcl", "GetObjectAcl"), s3vc(nil), []string{"POL-NO-ALLOW"}, ""},
		{"query: website origin", query("s3:GetObjectAcl", "GetObjectAcl"), s3vc(func(vc *ViewerContext) { vc.OriginQuery, vc.OriginKind = "acl", "website" }),
			[]string{"POL-NO-ALLOW"}, ""},
		{"no-override: header not forwarded", noAllow("anonymous"), s3vc(func(vc *ViewerContext) { vc.OACSigning = "no-override" }),
			[]string{"ORG-OAC-NO-OVERRIDE"}, ChangeOACSigning},
		{"no-override: the viewer's own signature", noAllow("arn:aws:iam::111122223333:user/u"), s3vc(func(vc *ViewerContext) { vc.OACSigning = "no-override" }),
			[]string{"ORG-OAC-NO-OVERRIDE"}, ChangeOACSigning},
		{"no-override, signed by CloudFront: stays", noAllow("cloudfront.amazonaws.com"), s3vc(func(vc *ViewerContext) { vc.OACSigning = "no-override" }),
			[]string{"POL-NO-ALLOW"}, ""},
	}
	for _, tt := range tests {
		x := *tt.x
		x.Findings = append([]Finding(nil), tt.x.Findings...)
		Refine(&x, tt.vc)
		got := []string{}
		for _, f := range x.Findings {
			got = append(got, f.ID)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: findings %v, want %v", tt.name, got, tt.want)
			continue
		}
		if len(x.Findings) == 0 {
			continue
		}
		kind := ""
		if f := x.Findings[0].Fix; f != nil && f.Change != nil {
			kind = f.Change.Kind
		}
		if kind != tt.change {
			t.Errorf("%s: change %q, want %q", tt.name, kind, tt.change)
		}
	}
	// The ORG-NO-AUTH statement names the distribution's own ARN.
	x := noAllow("anonymous")
	Refine(x, s3vc(func(vc *ViewerContext) { vc.OAC, vc.OACSigning = "", "" }))
	if st := string(x.Findings[0].Fix.Statement); !strings.Contains(st, arn) || !strings.Contains(st, "arn:aws:s3:::b/*") {
		t.Errorf("statement %s", st)
	}
	Refine(nil, nil) // no panic
	RefineQuery(nil, nil)
	// RefineQuery names KEY-QUERY in an explanation already refined.
	x = query("s3:GetObjectAcl", "GetObjectAcl")
	RefineQuery(x, s3vc(func(vc *ViewerContext) { vc.OriginQuery, vc.QueryInCacheKey = "acl", true }))
	if f := x.Findings[0]; f.ID != "KEY-QUERY" || !strings.Contains(strings.Join(f.Evidence, "\n"), "?acl") {
		t.Errorf("RefineQuery: %+v", f)
	}
}
