package cloudfront

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// Validation of distribution configurations, as CloudFront answers
// CreateDistribution, CreateDistributionWithTags and UpdateDistribution.
//
// Checks run in three layers, as CloudFront's own: the request model
// (enum values: MalformedXML naming every offending member, like the
// absent required members readDocument reports), list consistency
// (InconsistentQuantities), then the service's rules on the content and on
// the resources it names. The first failing rule answers.
//
// Messages are CloudFront's where a public source shows them (issue
// trackers quoting CloudFront errors, the botocore model's error docs);
// a check whose trigger or wording no source shows is marked UNCONFIRMED
// here and listed in docs/cloudfront.md ("Validation").

// CloudFront's quotas on one distribution (cloudfront-limits.html,
// "General quotas on distributions"; TooMany* errors).
const (
	maxDistributionComment   = 128
	maxOriginsPerDist        = 100 // UNCONFIRMED: 25 in older guides; 100 per current quota tables
	maxOriginGroupsPerDist   = 10
	maxCacheBehaviorsPerDist = 75
	maxCNAMEsPerDist         = 100
	maxOriginCustomHeaders   = 10
	maxForwardedHeaders      = 10 // whitelisted headers per cache behaviour (legacy settings)
	maxWhitelistedCookies    = 10
	maxQueryStringCacheKeys  = 10
	maxDistributionsPerAcct  = 500
	maxPathPatternLen        = 255
	maxDefaultRootObjectLen  = 255
)

// memberEnums maps "Shape.Member" of the generated shapes to the model's
// enum shape constraining the member (for a list member, its items). It
// covers every enum-typed member of the shapes in shapes_gen.go;
// TestMemberEnumsMatchModel checks it against the botocore model.
var memberEnums = map[string]string{
	"AliasICPRecordal.ICPRecordalStatus":                        "ICPRecordalStatus",
	"AllowedMethods.Items":                                      "Method",
	"CacheBehavior.ViewerProtocolPolicy":                        "ViewerProtocolPolicy",
	"CachePolicyCookiesConfig.CookieBehavior":                   "CachePolicyCookieBehavior",
	"CachePolicyHeadersConfig.HeaderBehavior":                   "CachePolicyHeaderBehavior",
	"CachePolicyQueryStringsConfig.QueryStringBehavior":         "CachePolicyQueryStringBehavior",
	"CachePolicySummary.Type":                                   "CachePolicyType",
	"CachedMethods.Items":                                       "Method",
	"CookiePreference.Forward":                                  "ItemSelection",
	"CustomOriginConfig.OriginProtocolPolicy":                   "OriginProtocolPolicy",
	"CustomOriginConfig.IpAddressType":                          "IpAddressType",
	"DefaultCacheBehavior.ViewerProtocolPolicy":                 "ViewerProtocolPolicy",
	"DistributionConfig.PriceClass":                             "PriceClass",
	"DistributionConfig.HttpVersion":                            "HttpVersion",
	"DistributionConfig.ConnectionMode":                         "ConnectionMode",
	"DistributionSummary.PriceClass":                            "PriceClass",
	"DistributionSummary.HttpVersion":                           "HttpVersion",
	"DistributionSummary.ConnectionMode":                        "ConnectionMode",
	"FunctionAssociation.EventType":                             "EventType",
	"GeoRestriction.RestrictionType":                            "GeoRestrictionType",
	"LambdaFunctionAssociation.EventType":                       "EventType",
	"OriginAccessControlConfig.SigningProtocol":                 "OriginAccessControlSigningProtocols",
	"OriginAccessControlConfig.SigningBehavior":                 "OriginAccessControlSigningBehaviors",
	"OriginAccessControlConfig.OriginAccessControlOriginType":   "OriginAccessControlOriginTypes",
	"OriginAccessControlSummary.SigningProtocol":                "OriginAccessControlSigningProtocols",
	"OriginAccessControlSummary.SigningBehavior":                "OriginAccessControlSigningBehaviors",
	"OriginAccessControlSummary.OriginAccessControlOriginType":  "OriginAccessControlOriginTypes",
	"OriginGroup.SelectionCriteria":                             "OriginGroupSelectionCriteria",
	"OriginRequestPolicyCookiesConfig.CookieBehavior":           "OriginRequestPolicyCookieBehavior",
	"OriginRequestPolicyHeadersConfig.HeaderBehavior":           "OriginRequestPolicyHeaderBehavior",
	"OriginRequestPolicyQueryStringsConfig.QueryStringBehavior": "OriginRequestPolicyQueryStringBehavior",
	"OriginRequestPolicySummary.Type":                           "OriginRequestPolicyType",
	"OriginSslProtocols.Items":                                  "SslProtocol",
	"ViewerCertificate.SSLSupportMethod":                        "SSLSupportMethod",
	"ViewerCertificate.MinimumProtocolVersion":                  "MinimumProtocolVersion",
	"ViewerCertificate.CertificateSource":                       "CertificateSource",
	"ViewerMtlsConfig.Mode":                                     "ViewerMtlsMode",
}

// checkEnums reports every enum-typed member of v (a generated shape)
// whose value is not in its enum, as CloudFront's request validation does:
// MalformedXML, "N validation error(s) detected: Value 'X' at 'PATH' failed
// to satisfy constraint: Member must satisfy enum value set: [...]", PATH
// in lower camel case from root, list items as items.N.member (1-based).
// (Wording as CloudFront answered aws-cli issue #6275.)
func checkEnums(root string, v any) *awsapi.Error {
	var errs []string
	walkEnums(reflect.ValueOf(v), lowerPath(root), &errs)
	if len(errs) == 0 {
		return nil
	}
	noun := "validation errors"
	if len(errs) == 1 {
		noun = "validation error"
	}
	return cfError("MalformedXML", "%d %s detected: %s", len(errs), noun, strings.Join(errs, "; "))
}

func walkEnums(v reflect.Value, path string, errs *[]string) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.Type().PkgPath() != reflect.TypeOf(Tag{}).PkgPath() {
		return
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("xml"), ",")
		outer, _, _ := strings.Cut(tag, ">")
		p := path + "." + lowerPath(outer)
		if enum, ok := memberEnums[t.Name()+"."+f.Name]; ok {
			allowed := enumValues[enum]
			set := "[" + strings.Join(allowed, ", ") + "]"
			switch fv.Kind() {
			case reflect.Pointer:
				if !fv.IsNil() && !slices.Contains(allowed, fv.Elem().String()) {
					*errs = append(*errs, fmt.Sprintf("Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: %s", fv.Elem().String(), p, set))
				}
			case reflect.Slice:
				items := fv.Interface().([]string)
				bad := false
				for _, it := range items {
					if !slices.Contains(allowed, it) {
						bad = true
					}
				}
				if bad {
					*errs = append(*errs, fmt.Sprintf("Value '[%s]' at '%s' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: %s]", strings.Join(items, ", "), p, set))
				}
			}
			continue
		}
		switch fv.Kind() {
		case reflect.Pointer:
			walkEnums(fv, p, errs)
		case reflect.Slice:
			if structOf(f.Type.Elem()) != nil {
				for j := 0; j < fv.Len(); j++ {
					walkEnums(fv.Index(j), fmt.Sprintf("%s.%d.member", p, j+1), errs)
				}
			}
		}
	}
}

// checkQuantities walks v (a generated shape whose element is named root)
// and answers InconsistentQuantities for the first list whose Quantity
// differs from the number of its Items, in CloudFront's words ("The
// specified quantity of Aliases (1) does not match the actual quantity
// supplied (2)."). A list without Quantity is left to the required-member
// check. Any shape works: it is the generic rule of CloudFront's
// {Quantity, Items} lists.
func checkQuantities(root string, v any) *awsapi.Error {
	return walkQuantities(reflect.ValueOf(v), root)
}

func walkQuantities(v reflect.Value, name string) *awsapi.Error {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || structOf(v.Type()) == nil {
		return nil
	}
	t := v.Type()
	if q, items := v.FieldByName("Quantity"), v.FieldByName("Items"); q.IsValid() && items.IsValid() &&
		q.Kind() == reflect.Pointer && !q.IsNil() && items.Kind() == reflect.Slice {
		if want, got := q.Elem().Int(), items.Len(); want != int64(got) {
			return cfError("InconsistentQuantities", "The specified quantity of %s (%d) does not match the actual quantity supplied (%d).", name, want, got)
		}
	}
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("xml"), ",")
		outer, item, isList := strings.Cut(tag, ">")
		switch {
		case fv.Kind() == reflect.Pointer:
			if e := walkQuantities(fv, outer); e != nil {
				return e
			}
		case isList && structOf(f.Type.Elem()) != nil:
			for j := 0; j < fv.Len(); j++ {
				if e := walkQuantities(fv.Index(j), item); e != nil {
					return e
				}
			}
		}
	}
	return nil
}

// validateDistributionConfigLocked checks cfg, sent by account for a new
// distribution (selfID "") or as the new configuration of distribution
// selfID, before defaults are filled in. root is the request's document
// element (DistributionConfig or DistributionConfigWithTags) and v the
// decoded document, for the paths of model-level errors. The caller holds
// s.mu (read or write).
func (s *Service) validateDistributionConfigLocked(account, selfID, root string, v any, cfg *DistributionConfig) *awsapi.Error {
	if e := checkEnums(root, v); e != nil {
		return e
	}
	if e := checkQuantities(root, v); e != nil {
		return e
	}
	if e := validateDistributionContent(cfg); e != nil {
		return e
	}
	return s.validateDistributionRefsLocked(account, selfID, cfg)
}

// validateDistributionContent applies the rules that depend on the
// configuration alone.
func validateDistributionContent(cfg *DistributionConfig) *awsapi.Error {
	if utf8.RuneCountInString(cfg.GetComment()) > maxDistributionComment {
		// Wording: CloudFront via aws-cdk issues #10211, #14020.
		return cfError("InvalidArgument", "The parameter Comment is too big.")
	}
	if e := validateDefaultRootObject(cfg.DefaultRootObject); e != nil {
		return e
	}
	if e := validateAliases(cfg.GetAliases().GetItems()); e != nil {
		return e
	}
	origins := cfg.GetOrigins().GetItems()
	if len(origins) > maxOriginsPerDist {
		return cfError("TooManyOrigins", "You cannot create more origins for the distribution.")
	}
	targets := map[string]bool{} // origin and origin group ids
	for i := range origins {
		o := &origins[i]
		if targets[o.GetId()] {
			// UNCONFIRMED: code and wording for a repeated origin id.
			return cfError("InvalidArgument", "The parameter Origin Id must be unique within the distribution: %q is used more than once.", o.GetId())
		}
		targets[o.GetId()] = true
		if e := validateOrigin(o); e != nil {
			return e
		}
	}
	if e := validateOriginGroups(cfg.GetOriginGroups().GetItems(), targets); e != nil {
		return e
	}
	if n := len(cfg.GetCacheBehaviors().GetItems()); n > maxCacheBehaviorsPerDist {
		// Wording: CloudFront via sst issue #4141.
		return cfError("TooManyCacheBehaviors", "Your request contains more CacheBehaviors than are allowed per distribution.")
	}
	for _, b := range distributionBehaviors(cfg) {
		if e := validateBehavior(b, targets); e != nil {
			return e
		}
	}
	for _, r := range cfg.GetCustomErrorResponses().GetItems() {
		if e := validateCustomErrorResponse(&r); e != nil {
			return e
		}
	}
	if e := validateGeoRestriction(cfg.GetRestrictions().GetGeoRestriction()); e != nil {
		return e
	}
	return validateViewerCertificate(cfg.ViewerCertificate)
}

// validateDefaultRootObject applies the DefaultRootObject rules of the
// developer guide: at most 255 characters from A-Z a-z 0-9 _ - . * $ / ~
// " ' &. A leading "/" is accepted: the API reference says the name can't
// begin with one, but CloudFront takes "/" and "/index.html" (reports in
// HHS/simpler-grants-gov#3139 and ansible-collections/community.aws#1424).
func validateDefaultRootObject(p *string) *awsapi.Error {
	dro := strValue(p)
	bad := len(dro) > maxDefaultRootObjectLen
	for i := 0; i < len(dro) && !bad; i++ {
		bad = !isASCIIAlnum(dro[i]) && !strings.ContainsRune(`_-.*$/~"'&`, rune(dro[i]))
	}
	if bad {
		// UNCONFIRMED wording (the model's description of the error).
		return cfError("InvalidDefaultRootObject", "The default root object file name is too big or contains an invalid character.")
	}
	return nil
}

// validateAliases checks the alternate domain names: at most 100, each a
// domain name (optionally a wildcard *.domain), no repeats.
func validateAliases(aliases []string) *awsapi.Error {
	if len(aliases) > maxCNAMEsPerDist {
		return cfError("TooManyDistributionCNAMEs", "Your request contains more CNAMEs than are allowed per distribution.")
	}
	seen := map[string]bool{}
	for _, a := range aliases {
		name := strings.ToLower(a)
		if !isDomainName(strings.TrimPrefix(name, "*.")) {
			// UNCONFIRMED: wording for a malformed alternate domain name.
			return cfError("InvalidArgument", "The parameter CNAME contains one or more invalid characters: %q.", a)
		}
		if seen[name] {
			// UNCONFIRMED: code and wording for a repeated alias.
			return cfError("InvalidArgument", "The parameter Aliases contains %q more than once.", a)
		}
		seen[name] = true
	}
	return nil
}

// validateOrigin checks one origin on its own.
func validateOrigin(o *Origin) *awsapi.Error {
	domain := o.GetDomainName()
	if !isDomainName(strings.ToLower(strings.TrimSuffix(domain, "."))) {
		// Wording: CloudFront via laurilehmijoki/s3_website#83.
		return cfError("InvalidArgument", "The parameter origin name must be a domain name.")
	}
	if p := o.GetOriginPath(); p != "" && (!strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/")) {
		// UNCONFIRMED wording; the rule is the API reference's.
		return cfError("InvalidArgument", "The parameter OriginPath must begin with a slash (/) and must not end with a slash (/).")
	}
	if n := len(o.GetCustomHeaders().GetItems()); n > maxOriginCustomHeaders {
		return cfError("TooManyOriginCustomHeaders", "Your request contains too many origin custom headers.")
	}
	if o.ConnectionAttempts != nil && (*o.ConnectionAttempts < 1 || *o.ConnectionAttempts > 3) {
		// UNCONFIRMED wording; range from the API reference.
		return cfError("InvalidArgument", "The parameter ConnectionAttempts must be between 1 and 3.")
	}
	if o.ConnectionTimeout != nil && (*o.ConnectionTimeout < 1 || *o.ConnectionTimeout > 10) {
		// UNCONFIRMED wording; range from the API reference.
		return cfError("InvalidArgument", "The parameter ConnectionTimeout must be between 1 and 10.")
	}
	if sh := o.OriginShield; sh != nil && sh.GetEnabled() && sh.GetOriginShieldRegion() == "" {
		// UNCONFIRMED wording; the rule is the API reference's.
		return cfError("InvalidArgument", "The parameter OriginShieldRegion is required when Origin Shield is enabled.")
	}
	configs := 0
	for _, present := range []bool{o.S3OriginConfig != nil, o.CustomOriginConfig != nil, o.VpcOriginConfig != nil} {
		if present {
			configs++
		}
	}
	if configs > 1 {
		// Wording: CloudFront via aws-cdk issue #31016.
		return cfError("InvalidArgument", "Exactly one of CustomOriginConfig and S3OriginConfig must be specified")
	}
	if c := o.CustomOriginConfig; c != nil {
		for _, port := range []struct {
			name string
			v    int64
		}{{"HTTPPort", c.GetHTTPPort()}, {"HTTPSPort", c.GetHTTPSPort()}} {
			if !(port.v == 80 || port.v == 443 || port.v >= 1024 && port.v <= 65535) {
				// UNCONFIRMED wording; valid ports from the developer guide.
				return cfError("InvalidArgument", "The parameter %s must be 80, 443, or between 1024 and 65535.", port.name)
			}
		}
		if c.OriginReadTimeout != nil && (*c.OriginReadTimeout < 1 || *c.OriginReadTimeout > 120) {
			return cfError("InvalidOriginReadTimeout", "The read timeout specified for the origin is not valid.")
		}
		if c.OriginKeepaliveTimeout != nil && (*c.OriginKeepaliveTimeout < 1 || *c.OriginKeepaliveTimeout > 120) {
			return cfError("InvalidOriginKeepaliveTimeout", "The keep alive timeout specified for the origin is not valid.")
		}
	}
	if o.CustomOriginConfig == nil && o.VpcOriginConfig == nil {
		// An S3 origin (S3OriginConfig, or no origin config at all) must
		// name a bucket's REST endpoint; a website endpoint is a custom
		// origin. Wording: CloudFront via terraform-provider-aws#33214.
		if ClassifyOrigin(domain).Kind != OriginS3REST {
			return cfError("InvalidArgument", "The parameter Origin DomainName does not refer to a valid S3 bucket.")
		}
	}
	if o.GetOriginAccessControlId() != "" && o.GetS3OriginConfig().GetOriginAccessIdentity() != "" {
		// Wording: CloudFront via awslabs/aws-solutions-constructs#1206.
		return cfError("IllegalOriginAccessConfiguration", "Cannot use both Origin Access Control and Origin Access Identity on an origin")
	}
	return nil
}

// validateOriginGroups checks the origin groups: at most 10, ids distinct
// from every origin and group, members naming origins. targets gains the
// group ids.
func validateOriginGroups(groups []OriginGroup, targets map[string]bool) *awsapi.Error {
	if len(groups) > maxOriginGroupsPerDist {
		return cfError("TooManyOriginGroupsPerDistribution", "Processing your request would cause you to exceed the maximum number of origin groups allowed.")
	}
	origins := make(map[string]bool, len(targets))
	for id := range targets {
		origins[id] = true
	}
	for _, g := range groups {
		if targets[g.GetId()] {
			// UNCONFIRMED: code and wording.
			return cfError("InvalidArgument", "The parameter OriginGroup Id must be unique among the origins and origin groups: %q is used more than once.", g.GetId())
		}
		targets[g.GetId()] = true
		for _, m := range g.GetMembers().GetItems() {
			if !origins[m.GetOriginId()] {
				// UNCONFIRMED: code for a member naming no origin.
				return cfError("NoSuchOrigin", "One or more of your origins or origin groups do not exist.")
			}
		}
	}
	return nil
}

// allowedMethodSets are the AllowedMethods CloudFront accepts, and
// cachedMethodSets the CachedMethods (API reference, AllowedMethods).
var (
	allowedMethodSets = [][]string{
		{"GET", "HEAD"},
		{"GET", "HEAD", "OPTIONS"},
		{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"},
	}
	cachedMethodSets = [][]string{{"GET", "HEAD"}, {"GET", "HEAD", "OPTIONS"}}
)

// validateBehavior checks one cache behaviour. targets holds the origin
// and origin group ids.
func validateBehavior(b behaviorView, targets map[string]bool) *awsapi.Error {
	if b.PathPattern != nil {
		if e := validatePathPattern(*b.PathPattern); e != nil {
			return e
		}
	}
	if !targets[strValue(b.TargetOriginId)] {
		// Wording: CloudFront via hashicorp/terraform#18283 (which
		// predates origin groups) and the developer guide's "Origin or
		// Origin Group".
		return cfError("NoSuchOrigin", "One or more of your origins or origin groups do not exist.")
	}
	fv := *b.ForwardedValues
	switch {
	case !b.usesCachePolicy() && fv == nil:
		// Wording: CloudFront via cloudposse/terraform-aws-cloudfront-s3-cdn#252.
		return cfError("InvalidArgument", "The parameter ForwardedValues is required.")
	case b.usesCachePolicy() && fv != nil:
		// Wording: CloudFront via terraform-aws-modules/terraform-aws-cloudfront#20.
		return cfError("InvalidArgument", "The parameter ForwardedValues cannot be used when a cache policy is associated to the cache behavior.")
	}
	if am := *b.AllowedMethods; am != nil {
		if !isMethodSet(am.Items, allowedMethodSets) {
			// UNCONFIRMED wording; the three sets are the API reference's.
			return cfError("InvalidArgument", "The parameter AllowedMethods must be GET,HEAD or GET,HEAD,OPTIONS or DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT in %s.", b.label())
		}
		if cm := am.CachedMethods; cm != nil {
			if !isMethodSet(cm.Items, cachedMethodSets) {
				// UNCONFIRMED wording.
				return cfError("InvalidArgument", "The parameter CachedMethods must be GET,HEAD or GET,HEAD,OPTIONS in %s.", b.label())
			}
			if slices.Contains(cm.Items, "OPTIONS") && !slices.Contains(am.Items, "OPTIONS") {
				// UNCONFIRMED: code and wording.
				return cfError("InvalidArgument", "The parameter CachedMethods can include OPTIONS only when AllowedMethods does, in %s.", b.label())
			}
		}
	}
	if fv != nil {
		if e := validateForwardedValues(fv); e != nil {
			return e
		}
		minTTL, defTTL, maxTTL := b.effectiveTTLs()
		if minTTL > defTTL || defTTL > maxTTL {
			// Wording: CloudFront via terraform-provider-aws#17878.
			return cfError("InvalidTTLOrder", "MinTTL, MaxTTL and DefaultTTL should follow order MinTTL less than or equal to DefaultTTL less than or equal to MaxTTL")
		}
	}
	return nil
}

// validatePathPattern applies the developer guide's path pattern rules:
// 1 to 255 characters from A-Z a-z 0-9 _ - . * $ / ~ " ' @ : + & and the
// wildcard ?.
func validatePathPattern(p string) *awsapi.Error {
	bad := p == "" || len(p) > maxPathPatternLen
	for i := 0; i < len(p) && !bad; i++ {
		bad = !isASCIIAlnum(p[i]) && !strings.ContainsRune(`_-.*$/~"'@:+&?`, rune(p[i]))
	}
	if bad {
		// UNCONFIRMED: wording (the code is CloudFront's generic one).
		return cfError("InvalidArgument", "The parameter PathPattern %q is not valid: use 1 to 255 of the characters A-Z a-z 0-9 _ - . * $ / ~ \" ' @ : + & ?.", p)
	}
	return nil
}

// validateForwardedValues checks a behaviour's legacy cache settings.
func validateForwardedValues(fv *ForwardedValues) *awsapi.Error {
	if len(fv.GetHeaders().GetItems()) > maxForwardedHeaders {
		return cfError("TooManyHeadersInForwardedValues", "Your request contains too many headers in forwarded values.")
	}
	if len(fv.GetQueryStringCacheKeys().GetItems()) > maxQueryStringCacheKeys {
		return cfError("TooManyQueryStringParameters", "Your request contains too many query string parameters.")
	}
	if !fv.GetQueryString() && len(fv.GetQueryStringCacheKeys().GetItems()) > 0 {
		// Wording: CloudFront via terraform-provider-aws#17879.
		return cfError("InvalidArgument", "The parameter QueryString cannot be false if query strings are set in QueryStringCacheKeys")
	}
	c := fv.GetCookies()
	names := c.GetWhitelistedNames().GetItems()
	if len(names) > maxWhitelistedCookies {
		return cfError("TooManyCookieNamesInWhiteList", "Your request contains more cookie names in the whitelist than are allowed per cache behavior.")
	}
	if c != nil && (c.GetForward() == "whitelist") != (len(names) > 0) {
		// UNCONFIRMED wording (the model's description of the error).
		return cfError("InvalidForwardCookies", "Your request contains forward cookies option which doesn't match with the expectation for the whitelisted list of cookie names. Either list of cookie names has been specified when not allowed or list of cookie names is missing when expected.")
	}
	return nil
}

// isMethodSet reports whether items, as a set, is one of sets.
func isMethodSet(items []string, sets [][]string) bool {
	got := slices.Clone(items)
	slices.Sort(got)
	got = slices.Compact(got)
	if len(got) != len(items) {
		return false
	}
	for _, s := range sets {
		want := slices.Clone(s)
		slices.Sort(want)
		if slices.Equal(got, want) {
			return true
		}
	}
	return false
}

// Custom error response codes (API reference, CustomErrorResponse).
var (
	customErrorCodes    = []int64{400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504}
	customResponseCodes = []string{"200", "400", "403", "404", "405", "414", "416", "500", "501", "502", "503", "504"}
)

// validateCustomErrorResponse checks one custom error response. An empty
// ResponseCode and ResponsePagePath (which Terraform sends when neither is
// set) mean "none".
func validateCustomErrorResponse(r *CustomErrorResponse) *awsapi.Error {
	if !slices.Contains(customErrorCodes, r.GetErrorCode()) {
		// UNCONFIRMED wording (the model's description of the error).
		return cfError("InvalidErrorCode", "An invalid error code was specified.")
	}
	code, page := r.GetResponseCode(), r.GetResponsePagePath()
	if code != "" && !slices.Contains(customResponseCodes, code) || (code == "") != (page == "") {
		// UNCONFIRMED wording (the model's description of the error).
		return cfError("InvalidResponseCode", "A response code is not valid.")
	}
	if page != "" && !strings.HasPrefix(page, "/") {
		// UNCONFIRMED wording (the model's description of the error).
		return cfError("InvalidRelativePath", "The relative path is too big, is not URL-encoded, or does not begin with a slash (/).")
	}
	return nil
}

// validateGeoRestriction checks the geo restriction: none takes no
// locations, whitelist and blacklist need at least one ISO 3166-1 alpha-2
// code.
func validateGeoRestriction(g *GeoRestriction) *awsapi.Error {
	if g == nil {
		return nil
	}
	items := g.GetItems()
	if (g.GetRestrictionType() == "none") != (len(items) == 0) {
		// Wording: CloudFront via terraform-provider-aws#19243 and
		// #20807 (none with locations). UNCONFIRMED: the same error for
		// whitelist/blacklist without locations.
		return cfError("InvalidGeoRestrictionParameter", "Your request contains invalid Restriction parameters.")
	}
	for _, c := range items {
		if !isISOCountryCode(c) {
			// UNCONFIRMED wording (the model's description of the error).
			return cfError("InvalidLocationCode", "The location code specified is not valid.")
		}
	}
	return nil
}

// validateViewerCertificate checks that the certificate members name one
// certificate.
func validateViewerCertificate(vc *ViewerCertificate) *awsapi.Error {
	if vc == nil {
		return nil
	}
	n := 0
	if vc.GetCloudFrontDefaultCertificate() {
		n++
	}
	if vc.GetACMCertificateArn() != "" {
		n++
	}
	if vc.GetIAMCertificateId() != "" {
		n++
	}
	if n > 1 {
		// UNCONFIRMED wording (the model's description of the error).
		return cfError("InvalidViewerCertificate", "A viewer certificate specified is not valid.")
	}
	return nil
}

// validateDistributionRefsLocked applies the rules that depend on other
// resources: origin access controls and identities of the account, cache
// and origin request policies, and alternate domain names of every other
// distribution (of any account: CNAMEs are global). The caller holds s.mu.
func (s *Service) validateDistributionRefsLocked(account, selfID string, cfg *DistributionConfig) *awsapi.Error {
	for _, o := range cfg.GetOrigins().GetItems() {
		if e := s.validateOriginAccessLocked(account, &o); e != nil {
			return e
		}
	}
	for _, b := range distributionBehaviors(cfg) {
		if id := strValue(*b.CachePolicyId); id != "" && !s.cachePolicyExistsLocked(account, id) {
			return cfError("NoSuchCachePolicy", "The cache policy does not exist.")
		}
		if id := strValue(*b.OriginRequestPolicyId); id != "" && !s.originRequestPolicyExistsLocked(account, id) {
			return cfError("NoSuchOriginRequestPolicy", "The origin request policy does not exist.")
		}
	}
	aliases := cfg.GetAliases().GetItems()
	if len(aliases) > 0 {
		mine := make(map[string]bool, len(aliases))
		for _, a := range aliases {
			mine[strings.ToLower(a)] = true
		}
		for id, d := range s.state.Distributions {
			if id == selfID {
				continue
			}
			for _, a := range d.Config.GetAliases().GetItems() {
				if mine[strings.ToLower(a)] {
					// Wording: CloudFront via klaemo/s3-website#25.
					return cfError("CNAMEAlreadyExists", "One or more of the CNAMEs you provided are already associated with a different resource.")
				}
			}
		}
	}
	return nil
}

// oacServiceDomain reports, for each non-S3 origin type an origin access
// control can sign for (OriginAccessControlOriginType), whether a custom
// origin's domain is an endpoint of that service.
var oacServiceDomain = map[string]func(domain string) bool{
	// Lambda function URLs: ID.lambda-url.REGION.on.aws
	"lambda": func(d string) bool { return strings.Contains(d, ".lambda-url.") && strings.HasSuffix(d, ".on.aws") },
	// MediaStore containers: ID.data.mediastore.REGION.amazonaws.com
	"mediastore": func(d string) bool {
		return strings.Contains(d, ".mediastore.") && strings.HasSuffix(d, ".amazonaws.com")
	},
	// MediaPackage v2 egress: ID.egress.REGION.mediapackagev2.amazonaws.com
	"mediapackagev2": func(d string) bool {
		return strings.Contains(d, ".mediapackagev2.") && strings.HasSuffix(d, ".amazonaws.com")
	},
}

// validateOriginAccessLocked checks the origin access control and origin
// access identity an origin names.
func (s *Service) validateOriginAccessLocked(account string, o *Origin) *awsapi.Error {
	kind := ClassifyOrigin(o.GetDomainName()).Kind
	if id := o.GetOriginAccessControlId(); id != "" {
		oac, ok := s.state.OACs[id]
		if !ok || oac.Account != account {
			// UNCONFIRMED wording (the model's description of the error).
			return cfError("InvalidOriginAccessControl", "The origin access control is not valid.")
		}
		typ := oac.Config.GetOriginAccessControlOriginType()
		switch kind {
		case OriginS3REST:
			if typ != "s3" {
				// UNCONFIRMED: code and wording for an OAC of another
				// origin type on an S3 origin.
				return cfError("InvalidOriginAccessControl", "The origin access control is not valid: its origin type %s is not s3.", typ)
			}
		default:
			// An S3 website endpoint is a custom origin, and a custom
			// origin takes only an OAC of its own service's type.
			match := oacServiceDomain[typ]
			if kind != OriginCustom || match == nil || !match(strings.ToLower(o.GetDomainName())) {
				// UNCONFIRMED wording (the model's description of the error).
				return cfError("InvalidDomainNameForOriginAccessControl", "An origin access control is associated with an origin whose domain name is not supported.")
			}
		}
	}
	if oai := o.GetS3OriginConfig().GetOriginAccessIdentity(); oai != "" {
		id, ok := strings.CutPrefix(oai, "origin-access-identity/cloudfront/")
		rec, exists := s.state.OAIs[id]
		if !ok || !exists || rec.Account != account {
			// Wording: CloudFront via ansible-collections/community.aws#39.
			return cfError("InvalidOriginAccessIdentity", "The specified origin access identity does not exist or is not valid.")
		}
	}
	return nil
}

// isDomainName reports whether d (lower case) is a DNS name: labels of
// letters, digits and inner hyphens (underscores tolerated), up to 63
// characters each and 253 in all, at least one dot.
func isDomainName(d string) bool {
	if d == "" || len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if c := label[i]; !isASCIIAlnum(c) && c != '-' && c != '_' {
				return false
			}
		}
	}
	return true
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isoCountryCodes are the officially assigned ISO 3166-1 alpha-2 codes,
// the Location values of a geo restriction.
var isoCountryCodes = func() map[string]bool {
	const all = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
		"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
		"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
		"DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
		"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
		"HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
		"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY " +
		"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
		"NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA " +
		"RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
		"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ " +
		"VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
	m := map[string]bool{}
	for _, c := range strings.Fields(all) {
		m[c] = true
	}
	return m
}()

// isISOCountryCode reports whether c is an ISO 3166-1 alpha-2 code
// (upper case, as CloudFront requires).
func isISOCountryCode(c string) bool { return isoCountryCodes[c] }
