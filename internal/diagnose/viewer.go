package diagnose

import (
	"fmt"
	"path"
	"strings"
)

// ViewerContext is the configuration a viewer request went through at
// the edge: the distribution, the cache behavior its path selected, the
// origin and how the origin request was authenticated. The edge fills it
// from the distribution's configuration (edge.Edge.ViewerContext); Refine
// reads it to name the specific catalog cause of what the authorization
// code recorded. It decides nothing itself.
type ViewerContext struct {
	DistributionID, DistributionARN string
	// Method, Path and Scheme are the viewer's.
	Method, Path, Scheme string
	DefaultRootObject    string
	// Behavior is the selected cache behavior's PathPattern ("*" for the
	// default behavior); ViewerProtocolPolicy its setting.
	Behavior             string
	ViewerProtocolPolicy string
	// OriginID is the behavior's TargetOriginId; OriginKind "s3" (REST),
	// "website", "custom", or "" when the distribution has no such origin.
	OriginID, OriginDomain, OriginKind string
	// Bucket and OriginPath are the S3 origin's; Key is the key the
	// origin request asked for ("" for the bucket itself).
	Bucket, OriginPath, Key string
	// OAC is the origin's origin access control id and OACSigning its
	// SigningBehavior; OAI the origin access identity id.
	OAC, OACSigning, OAI string
	// OriginQuery is the query string the origin request carried: the
	// viewer's parameters the behavior's cache and origin request
	// policies (or legacy ForwardedValues) forward, "" when none or
	// unknown (explain by request id: the edge keeps no query string).
	// CachePolicyID and OriginRequestPolicyID are the behavior's ("" for
	// legacy ForwardedValues, or none); QueryInCacheKey reports that the
	// cache policy itself forwards some of OriginQuery.
	OriginQuery                          string
	CachePolicyID, OriginRequestPolicyID string
	QueryInCacheKey                      bool
	// HostForwarded: the behavior's origin request policy (or legacy
	// ForwardedValues) forwards the viewer's Host header to an S3 REST
	// origin. The edge does not (it cannot reach S3 by another name), so
	// the request is not simulated as AWS answers it: ORG-HOST-FWD.
	HostForwarded bool
	// WebACL, Functions (CloudFront Functions and Lambda@Edge ARNs on the
	// behavior) and SignedURLs (TrustedKeyGroups or TrustedSigners
	// enabled) are what the edge does not simulate.
	WebACL     string
	Functions  []string
	SignedURLs bool
	// CustomErrorPage and CustomErrorCode are the custom error response
	// that replaced the origin's error ("" and 0 when none did).
	CustomErrorPage string
	CustomErrorCode int
	// ViewerStatus is the status the viewer got (differs from the
	// explanation's when a custom error page replaced it).
	ViewerStatus int
	// Keys lists up to max keys of Bucket starting with prefix, in byte
	// order; truncated reports more exist. nil when the caller may not
	// see the bucket's keys: the KEY-* refinements then stay generic.
	Keys func(prefix string, max int) (keys []string, truncated bool)
}

// nearMissScan is how many keys Refine reads to find a near miss.
const nearMissScan = 10000

// edgeIDs maps the edge's own refusal reasons to catalog ids.
var edgeIDs = map[string]string{
	"CloudFrontUnknownAlias":     "CF-CNAME",
	"CloudFrontHttpsRequired":    "CF-HTTPS-ONLY",
	"CloudFrontMethodNotAllowed": "CF-METHOD",
	"CloudFrontGeoBlocked":       "CF-GEO",
}

// CatalogID returns the catalog id of an edge refusal reason, the reason
// itself when the catalog has none (CloudFrontBadRequest, ...).
func CatalogID(reason string) string {
	if id, ok := edgeIDs[reason]; ok {
		return id
	}
	return reason
}

// Refine names, with vc, the specific catalog cause of x's findings (spec
// §1.2's order: origin authentication, then the key mapping, then the
// error pages), and adds POSSIBLE findings for what the edge does not
// simulate on the matched behavior. A finding Refine cannot make more
// specific is kept as the authorization code's reading gave it.
func Refine(x *Explanation, vc *ViewerContext) {
	if x == nil || vc == nil {
		return
	}
	for i := range x.Findings {
		f := &x.Findings[i]
		f.ID = CatalogID(f.ID)
		if g, ok := queryFinding(x, vc, f); ok {
			*f = g
			continue
		}
		switch f.ID {
		case "POL-NO-ALLOW":
			// The origin request is built (default root object, spec
			// §1.2 step 5) before it is authenticated (step 6).
			if vc.Path == "/" && vc.DefaultRootObject == "" && vc.OriginKind == "s3" {
				*f = rootNoDRO(vc, f)
				continue
			}
			if vc.OriginKind == "s3" && vc.OAC != "" && vc.OACSigning == "no-override" && x.Principal != "cloudfront.amazonaws.com" {
				// CloudFront did not sign: the viewer sent Authorization.
				*f = OACNoOverrideFinding(vc, x.Principal, f.Evidence)
				continue
			}
			if g, ok := originAuthFinding(x, vc, f); ok {
				*f = g
			}
		case "KEY-MISSING":
			if g, ok := keyFinding(vc, f); ok {
				*f = g
			}
		case "POL-TLS-HTTP", "CF-HTTPS-ONLY":
			if vc.Behavior != "" {
				if f.Fix == nil {
					f.Fix = &Fix{}
				}
				f.Fix.Summary = "set the cache behavior " + vc.Behavior + "'s ViewerProtocolPolicy to redirect-to-https: " +
					"http:// viewers are redirected, and CloudFront reaches S3 over HTTPS"
				f.Fix.Terraform = "viewer_protocol_policy = \"redirect-to-https\" in the cache behavior"
				f.Fix.Commands = []string{"aws cloudfront get-distribution-config --id " + vc.DistributionID + " > dist.json",
					"# set the behavior's ViewerProtocolPolicy to redirect-to-https, then aws cloudfront update-distribution --id " +
						vc.DistributionID + " --if-match ETAG --distribution-config file://config.json"}
				f.Fix.Change = &Change{Kind: ChangeViewerProtocol, Target: behaviorTarget(vc.Behavior), Value: "redirect-to-https"}
			}
		}
	}
	if vc.CustomErrorCode >= 200 && vc.CustomErrorCode < 400 && x.Status >= 400 {
		x.Findings = append([]Finding{spaMask(x, vc)}, x.Findings...)
	}
	x.Findings = append(x.Findings, possibleFindings(vc)...)
}

// behaviorTarget is Change.Target for a behavior's PathPattern: "" for
// the default behavior ("*").
func behaviorTarget(pattern string) string {
	if pattern == "*" {
		return ""
	}
	return pattern
}

// originAuthFinding: an anonymous origin request denied because the
// origin does not authenticate (ORG-OAC-NEVER, ORG-NO-AUTH,
// ORG-WEBSITE-PRIVATE).
func originAuthFinding(x *Explanation, vc *ViewerContext, f *Finding) (Finding, bool) {
	if x.Principal != "anonymous" {
		return Finding{}, false
	}
	ev := append([]string{"origin " + vc.OriginID + ": " + vc.OriginDomain}, f.Evidence...)
	switch {
	case vc.OriginKind == "website":
		return Finding{ID: "ORG-WEBSITE-PRIVATE", Certainty: Definite,
			Summary: "the origin is the bucket's S3 website endpoint, which CloudFront reaches as a custom origin, anonymously " +
				"(no OAC or OAI can be attached), and the bucket is not public",
			Evidence: ev,
			Fix: &Fix{Summary: "use the bucket's REST endpoint (" + vc.Bucket + ".s3.REGION.amazonaws.com) with an origin access control " +
				"and its bucket-policy statement, and a CloudFront Function for index documents",
				Unverified: "changing the origin's type changes how every path maps to keys: check it with edgegate doctor --all"}}, true
	case vc.OriginKind != "s3":
		return Finding{}, false
	case vc.OAC != "" && vc.OACSigning == "never":
		return Finding{ID: "ORG-OAC-NEVER", Certainty: Definite,
			Summary: "origin access control " + vc.OAC + " has SigningBehavior never: CloudFront does not sign, so S3 sees an anonymous caller " +
				"whom the bucket policy's CloudFront statement does not cover",
			Evidence: append(ev, "origin access control "+vc.OAC+": SigningBehavior never"),
			Fix: &Fix{Summary: "set the origin access control's SigningBehavior to always",
				Commands: []string{"aws cloudfront get-origin-access-control-config --id " + vc.OAC + " > oac.json",
					"# set OriginAccessControlConfig.SigningBehavior to always, then:",
					"aws cloudfront update-origin-access-control --id " + vc.OAC + " --if-match ETAG --origin-access-control-config file://oac-config.json"},
				Terraform: "aws_cloudfront_origin_access_control: signing_behavior = \"always\"",
				Change:    &Change{Kind: ChangeOACSigning, Target: vc.OAC, Value: "always"}}}, true
	case vc.OAC == "" && vc.OAI == "":
		stmt := oacStatement(vc)
		return Finding{ID: "ORG-NO-AUTH", Certainty: Definite,
			Summary: "origin " + vc.OriginID + " is an S3 REST endpoint with neither origin access control nor an origin access identity: " +
				"CloudFront reads it anonymously, and the bucket is private",
			Evidence: ev,
			Fix: &Fix{Summary: "add an origin access control (signing always) to the origin and the statement below to the bucket policy of " + vc.Bucket,
				Statement: rawJSON(stmt),
				Commands: []string{"aws cloudfront create-origin-access-control --origin-access-control-config " +
					"Name=" + vc.Bucket + "-oac,SigningProtocol=sigv4,SigningBehavior=always,OriginAccessControlOriginType=s3",
					"# set Origins[" + vc.OriginID + "].OriginAccessControlId to the new id (aws cloudfront update-distribution), then:",
					"edgegate grant-origin-access --distribution-id " + vc.DistributionID + "   # or put the statement with aws s3api put-bucket-policy"},
				Terraform: "aws_cloudfront_distribution origin { origin_access_control_id = aws_cloudfront_origin_access_control.X.id } and the bucket-policy statement",
				Change:    &Change{Kind: ChangeOriginOAC, Target: vc.OriginID, Bucket: vc.Bucket, Sid: "AllowCloudFrontServicePrincipal", Statement: rawJSON(stmt)}}}, true
	}
	return Finding{}, false
}

// oacStatement is the console's AllowCloudFrontServicePrincipal statement
// for vc's distribution and bucket.
func oacStatement(vc *ViewerContext) map[string]any {
	return map[string]any{"Sid": "AllowCloudFrontServicePrincipal", "Effect": "Allow",
		"Principal": map[string]string{"Service": "cloudfront.amazonaws.com"},
		"Action":    "s3:GetObject", "Resource": "arn:aws:s3:::" + vc.Bucket + "/*",
		"Condition": map[string]any{"StringEquals": map[string]string{"AWS:SourceArn": vc.DistributionARN}}}
}

func rootNoDRO(vc *ViewerContext, f *Finding) Finding {
	g := Finding{ID: "KEY-ROOT-NO-DRO", Certainty: Definite,
		Summary: "the distribution has no DefaultRootObject, so / asks S3 for the bucket itself: a ListObjects the origin may not make " +
			"(or, if it may, an XML bucket listing)",
		Evidence: append([]string{"DefaultRootObject: \"\"", "viewer path: /"}, f.Evidence...),
	}
	dro := ""
	if vc.Keys != nil {
		if ks, _ := vc.Keys(strings.TrimPrefix(vc.OriginPath+"/", "/")+"index.html", 1); len(ks) > 0 &&
			ks[0] == strings.TrimPrefix(strings.TrimSuffix(vc.OriginPath, "/")+"/index.html", "/") {
			dro = "index.html"
		}
	}
	if dro == "" {
		g.Fix = &Fix{Summary: "set the distribution's DefaultRootObject to the home page's key (for example index.html), and upload it",
			Unverified: "no index.html in the bucket to point it at"}
		return g
	}
	g.Fix = &Fix{Summary: "set the distribution's DefaultRootObject to index.html",
		Commands: []string{"aws cloudfront get-distribution-config --id " + vc.DistributionID + " > dist.json",
			"# set DistributionConfig.DefaultRootObject to \"index.html\", then:",
			"aws cloudfront update-distribution --id " + vc.DistributionID + " --if-match ETAG --distribution-config file://config.json"},
		Terraform: "aws_cloudfront_distribution: default_root_object = \"index.html\"",
		Change:    &Change{Kind: ChangeDefaultRootObject, Value: dro}}
	return g
}

// keyFinding refines KEY-MISSING with the bucket's keys: an index
// document under the "folder" (KEY-SUBDIR-INDEX), the OriginPath prefix
// that no key has (KEY-ORIGIN-PATH), a key differing only in case
// (KEY-CASE).
func keyFinding(vc *ViewerContext, f *Finding) (Finding, bool) {
	if vc.Keys == nil || vc.OriginKind != "s3" {
		return Finding{}, false
	}
	key := vc.Key
	ev := append([]string{"requested key: " + key}, f.Evidence...)
	// A "folder": /docs/ or /docs (no extension) with docs/index.html.
	if key != "" && (strings.HasSuffix(key, "/") || path.Ext(key) == "") {
		idx := strings.TrimSuffix(key, "/") + "/index.html"
		if ks, _ := vc.Keys(idx, 1); len(ks) > 0 && ks[0] == idx {
			return Finding{ID: "KEY-SUBDIR-INDEX", Certainty: Definite,
				Summary: "the S3 REST endpoint has no index documents: " + vc.Path + " asks for the key " + key + ", which does not exist, " +
					"while " + idx + " does (DefaultRootObject applies only to /)",
				Evidence: append(ev, "existing key: "+idx),
				Fix: &Fix{Summary: "rewrite folder URLs to their index document with a viewer-request CloudFront Function " +
					"(append index.html to URIs ending in / or without an extension), or link to " + strings.TrimSuffix(vc.Path, "/") + "/index.html",
					Unverified: "CloudFront Functions are not simulated"}}, true
		}
	}
	if op := strings.Trim(vc.OriginPath, "/"); op != "" {
		if ks, _ := vc.Keys(op+"/", 1); len(ks) == 0 {
			bare := strings.TrimPrefix(strings.TrimPrefix(key, op), "/")
			extra := ""
			if ks, _ := vc.Keys(bare, 1); len(ks) > 0 && ks[0] == bare {
				extra = "; the key " + bare + " exists without the prefix"
				ev = append(ev, "existing key: "+bare)
			}
			return Finding{ID: "KEY-ORIGIN-PATH", Certainty: Definite,
				Summary:  "the origin's OriginPath " + vc.OriginPath + " is prepended to every path, and no key of bucket " + vc.Bucket + " starts with " + op + "/" + extra,
				Evidence: append(ev, "OriginPath: "+vc.OriginPath),
				Fix: &Fix{Summary: "clear the origin's OriginPath (or upload the objects under " + op + "/)",
					Commands: []string{"aws cloudfront get-distribution-config --id " + vc.DistributionID + " > dist.json",
						"# set Origins[" + vc.OriginID + "].OriginPath to \"\", then aws cloudfront update-distribution"},
					Terraform: "aws_cloudfront_distribution origin { origin_path = \"\" }",
					Change:    &Change{Kind: ChangeOriginPath, Target: vc.OriginID, Value: ""}}}, true
		}
	}
	if key != "" {
		keys, _ := vc.Keys("", nearMissScan)
		for _, k := range keys {
			if k != key && strings.EqualFold(k, key) {
				return Finding{ID: "KEY-CASE", Certainty: Definite,
					Summary:  "S3 keys are case-sensitive: " + key + " does not exist, " + k + " does",
					Evidence: append(ev, "existing key: "+k),
					Fix: &Fix{Summary: "link to /" + strings.TrimPrefix(k, strings.Trim(vc.OriginPath, "/")+"/") + " (the key's own spelling), or upload the object under the spelling viewers use",
						Commands:   []string{fmt.Sprintf("aws s3 cp s3://%s/%s s3://%s/%s", vc.Bucket, k, vc.Bucket, key)},
						Unverified: "changing links or copying an object is not a configuration change"}}, true
			}
		}
	}
	return Finding{}, false
}

func spaMask(x *Explanation, vc *ViewerContext) Finding {
	return Finding{ID: "CACHE-SPA-MASK", Certainty: Definite,
		Summary: fmt.Sprintf("a custom error response replaced the origin's %d with %s and status %d: the viewer sees a success "+
			"(an app page where it asked for %s) that hides the real error explained below", x.Status, vc.CustomErrorPage, vc.CustomErrorCode, vc.Path),
		Evidence: []string{fmt.Sprintf("CustomErrorResponses: %d → %s (%d)", x.Status, vc.CustomErrorPage, vc.CustomErrorCode),
			fmt.Sprintf("origin status: %d %s", x.Status, x.ErrorCode)},
		Fix: &Fix{Summary: "fix the underlying error below; map errors to the app page only for extension-less paths (a viewer-request function) " +
			"so that missing assets keep their status",
			Unverified: "the underlying cause's fix is what changes the answer"}}
}

// possibleFindings are the POSSIBLE findings of what the edge does not
// simulate on the matched behavior (spec §1.2 steps 1-3).
func possibleFindings(vc *ViewerContext) []Finding {
	var fs []Finding
	if vc.WebACL != "" {
		fs = append(fs, Finding{ID: "CF-WAF", Certainty: Possible,
			Summary:  "the distribution has a web ACL; its rules are not exported, so a WAF block (403 \"Request blocked\") cannot be ruled out",
			Evidence: []string{"WebACLId: " + vc.WebACL},
			Fix:      &Fix{Summary: "check the web ACL's sampled requests or logs; use count mode for the rule that blocks", Unverified: "WAF rules are not simulated"}})
	}
	if len(vc.Functions) > 0 {
		fs = append(fs, Finding{ID: "CF-FUNCTION", Certainty: Possible,
			Summary:  "the cache behavior " + vc.Behavior + " runs functions whose code is not simulated; they may answer or rewrite the request",
			Evidence: append([]string{"behavior: " + vc.Behavior}, vc.Functions...),
			Fix:      &Fix{Summary: "test the function with the request (aws cloudfront test-function)", Unverified: "function code is not simulated"}})
	}
	if vc.HostForwarded {
		fs = append(fs, Finding{ID: "ORG-HOST-FWD", Certainty: Possible,
			Summary: "the cache behavior " + vc.Behavior + " forwards the viewer's Host header to the S3 origin " + vc.OriginDomain +
				": S3 then resolves the bucket from (and CloudFront signs for) the distribution's name, not the bucket's, and refuses the request " +
				"(403; S3's exact error is UNCONFIRMED); edgegate always sends the origin's own Host, so it does not simulate this",
			Evidence: []string{"behavior " + vc.Behavior + ": origin request policy " + orNone(vc.OriginRequestPolicyID) + " forwards Host",
				"origin " + vc.OriginID + ": " + vc.OriginDomain + " (S3 REST)"},
			Fix: &Fix{Summary: "use an origin request policy that does not forward Host: Managed-CORS-S3Origin (" + managedCORSS3Origin +
				") or Managed-AllViewerExceptHostHeader (b689b0a8-53d0-40ab-baf2-68738e2966ac)",
				Commands: []string{"aws cloudfront get-distribution-config --id " + vc.DistributionID + " > dist.json",
					"# set the behavior's OriginRequestPolicyId to " + managedCORSS3Origin + " (or remove Host from ForwardedValues.Headers), then aws cloudfront update-distribution"},
				Terraform:  "origin_request_policy_id = \"" + managedCORSS3Origin + "\" in the cache behavior",
				Unverified: "edgegate never forwards Host to S3, so the change makes no difference it can simulate"}})
	}
	if vc.SignedURLs {
		fs = append(fs, Finding{ID: "CF-SIGNED", Certainty: Possible,
			Summary:  "the cache behavior " + vc.Behavior + " requires signed URLs or cookies (trusted key groups or signers), which edgegate does not check",
			Evidence: []string{"behavior: " + vc.Behavior},
			Fix:      &Fix{Summary: "sign the URL with a key of the key group, or move public paths to a behavior without trusted key groups", Unverified: "signed URLs are not simulated"}})
	}
	return fs
}

// RefineQuery names KEY-QUERY in x's findings with vc (queryFinding).
// Refine does it too; RefineQuery is for an explanation already refined
// with a context that lacked the origin request's query string (the edge
// keeps none in its links: a simulated request's context has it).
func RefineQuery(x *Explanation, vc *ViewerContext) {
	if x == nil || vc == nil {
		return
	}
	for i := range x.Findings {
		if g, ok := queryFinding(x, vc, &x.Findings[i]); ok {
			x.Findings[i] = g
		}
	}
}

// Managed policy ids the KEY-QUERY fix points a behavior at (spec §1.3).
const (
	managedCachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	managedCORSS3Origin     = "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"
)

// objectReadActions are the actions a viewer GET or HEAD of a key (or of
// the bucket, for /) makes S3 authorize when no query string is
// forwarded: GetObject, and ListBucket for a missing key or the bucket.
var objectReadActions = map[string]bool{"s3:GetObject": true, "s3:ListBucket": true}

// queryFinding is KEY-QUERY: an S3 authorization failure of an origin
// request whose forwarded query string made S3 authorize another action
// than a plain read (?acl: s3:GetObjectAcl, ?versionId=: s3:GetObjectVersion,
// ?tagging: s3:GetObjectTagging, ...). It needs the query string the
// origin request carried (vc.OriginQuery), so explain by request id,
// which keeps none, leaves the finding as the authorization code gave it.
func queryFinding(x *Explanation, vc *ViewerContext, f *Finding) (Finding, bool) {
	if vc.OriginQuery == "" || vc.OriginKind != "s3" || !strings.HasPrefix(f.ID, "POL-") || x.Responder != "origin" {
		return Finding{}, false
	}
	action := ""
	for i := len(x.Trace) - 1; i >= 0; i-- {
		if a := x.Trace[i].Action; strings.HasPrefix(a, "s3:") {
			action = a
			break
		}
	}
	if action == "" || objectReadActions[action] {
		return Finding{}, false
	}
	op := x.Operation
	ev := append([]string{"forwarded query string: ?" + vc.OriginQuery,
		"S3 operation: " + op + " (" + action + "), not GetObject (s3:GetObject)",
		"behavior " + vc.Behavior + ": cache policy " + orNone(vc.CachePolicyID) + ", origin request policy " + orNone(vc.OriginRequestPolicyID)},
		f.Evidence...)
	g := Finding{ID: "KEY-QUERY", Certainty: Definite,
		Summary: "the behavior forwards the viewer's query string ?" + vc.OriginQuery + " to S3, which makes it authorize the read of " + vc.Key +
			" as " + op + " (" + action + "), an action " + x.Principal + " is not allowed (nor needs to be)",
		Evidence: ev}
	cmds := []string{"aws cloudfront get-distribution-config --id " + vc.DistributionID + " > dist.json"}
	switch {
	case vc.QueryInCacheKey:
		g.Fix = &Fix{Summary: "stop forwarding query strings to S3: set the cache behavior " + vc.Behavior + "'s cache policy to " +
			"Managed-CachingOptimized (" + managedCachingOptimized + "), which forwards none, or allow-list in its cache policy only " +
			"query strings S3 ignores (not acl, versionId, tagging, torrent, attributes, uploadId, partNumber, response-*)",
			Commands: append(cmds, "# set the behavior's CachePolicyId to "+managedCachingOptimized+", then aws cloudfront update-distribution --id "+
				vc.DistributionID+" --if-match ETAG --distribution-config file://config.json"),
			Terraform: "cache_policy_id = \"" + managedCachingOptimized + "\" in the cache behavior",
			Change:    &Change{Kind: ChangeCachePolicy, Target: behaviorTarget(vc.Behavior), Value: managedCachingOptimized}}
	case vc.OriginRequestPolicyID != "":
		g.Fix = &Fix{Summary: "stop forwarding query strings to S3: set the cache behavior " + vc.Behavior + "'s origin request policy to " +
			"Managed-CORS-S3Origin (" + managedCORSS3Origin + "), which forwards none, or use one that allow-lists only query strings S3 ignores",
			Commands: append(cmds, "# set the behavior's OriginRequestPolicyId to "+managedCORSS3Origin+", then aws cloudfront update-distribution --id "+
				vc.DistributionID+" --if-match ETAG --distribution-config file://config.json"),
			Terraform: "origin_request_policy_id = \"" + managedCORSS3Origin + "\" in the cache behavior",
			Change:    &Change{Kind: ChangeOriginRequestPolicy, Target: behaviorTarget(vc.Behavior), Value: managedCORSS3Origin}}
	default:
		g.Fix = &Fix{Summary: "stop forwarding query strings to S3: set the cache behavior " + vc.Behavior + "'s ForwardedValues.QueryString to false " +
			"(or move to the cache policy Managed-CachingOptimized)",
			Commands:   append(cmds, "# set the behavior's ForwardedValues.QueryString to false, then aws cloudfront update-distribution"),
			Terraform:  "forwarded_values { query_string = false } in the cache behavior",
			Unverified: "legacy ForwardedValues are not a change edgegate applies"}
	}
	return g, true
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// OACNoOverrideFinding is ORG-OAC-NO-OVERRIDE: the origin's OAC has
// SigningBehavior no-override and the viewer sent an Authorization
// header, so CloudFront did not sign the origin request. S3 then saw
// the viewer's own Authorization (when the cache policy forwards it):
// it refused it (caller "" and the error code in evidence:
// SignatureDoesNotMatch, InvalidAccessKeyId, 400 InvalidArgument for a
// Bearer or Basic header) or authenticated the viewer, whom the bucket
// policy does not allow (caller the viewer's ARN); or, the header not
// forwarded, an anonymous caller. The fix is signing always.
func OACNoOverrideFinding(vc *ViewerContext, caller string, evidence []string) Finding {
	seen := "S3 refused the viewer's Authorization header"
	switch caller {
	case "":
	case "anonymous":
		seen = "the cache policy does not forward Authorization, so S3 saw an anonymous caller"
	default:
		seen = "S3 authenticated the viewer's own signature (" + caller + "), whom the bucket policy does not allow"
	}
	return Finding{ID: "ORG-OAC-NO-OVERRIDE", Certainty: Definite,
		Summary: "origin access control " + vc.OAC + " has SigningBehavior no-override and the viewer sent an Authorization header: " +
			"CloudFront does not sign such a request and passes the viewer's header along instead; " + seen,
		Evidence: append([]string{"origin " + vc.OriginID + ": " + vc.OriginDomain,
			"origin access control " + vc.OAC + ": SigningBehavior no-override", "viewer request: Authorization header present"}, evidence...),
		Fix: &Fix{Summary: "set the origin access control's SigningBehavior to always (CloudFront then signs every origin request, " +
			"replacing the viewer's Authorization), or stop forwarding Authorization in the cache policy of behavior " + vc.Behavior,
			Commands: []string{"aws cloudfront get-origin-access-control-config --id " + vc.OAC + " > oac.json",
				"# set OriginAccessControlConfig.SigningBehavior to always, then:",
				"aws cloudfront update-origin-access-control --id " + vc.OAC + " --if-match ETAG --origin-access-control-config file://oac-config.json"},
			Terraform: "aws_cloudfront_origin_access_control: signing_behavior = \"always\"",
			Change:    &Change{Kind: ChangeOACSigning, Target: vc.OAC, Value: "always"}}}
}
