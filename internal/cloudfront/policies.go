package cloudfront

import (
	"net/http"
	"regexp"
	"slices"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// Cache policies and origin request policies: the AWS managed ones
// (managed.go) visible to every account and read-only, and each account's
// custom ones with Create/Get/GetConfig/Update/Delete/List. A cache
// behavior names them by CachePolicyId and OriginRequestPolicyId; the edge
// reads them with CachePolicy and OriginRequestPolicy.

const (
	cachePolicyKind = "cache-policy"
	orPolicyKind    = "origin-request-policy"

	// Quotas ("General quotas on policies"): 20 custom policies of each
	// kind per account, 10 headers, 10 cookies and 10 query strings per
	// policy.
	maxPoliciesPerAccount = 20
	maxPolicyNames        = 10

	// maxPolicyNameLen bounds a policy name (UNCONFIRMED).
	maxPolicyNameLen = 128

	// TTL defaults of a cache policy (API reference of CachePolicyConfig).
	defaultPolicyDefaultTTL = 86400
	defaultPolicyMaxTTL     = 31536000
)

// policyName is the character set of policy names: letters, digits, "-"
// and "_" (the rule the AWS CDK enforces for CloudFront; UNCONFIRMED).
var policyName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

var (
	cachePolicyHeaderBehaviors = map[string]bool{"none": true, "whitelist": true}
	cachePolicyListBehaviors   = map[string]bool{"none": true, "whitelist": true, "allExcept": true, "all": true}
	orpHeaderBehaviors         = map[string]bool{"none": true, "whitelist": true, "allViewer": true, "allViewerAndWhitelistCloudFront": true, "allExcept": true}
	orpListBehaviors           = map[string]bool{"none": true, "whitelist": true, "all": true, "allExcept": true}
	// namesRequired are the behaviors whose list must name at least one
	// value; namesAllowed those that may carry a list at all.
	namesRequired = map[string]bool{"whitelist": true, "allExcept": true}
	namesAllowed  = map[string]bool{"whitelist": true, "allExcept": true, "allViewerAndWhitelistCloudFront": true}
)

// validatePolicyNameComment checks the Name and Comment every policy has.
func validatePolicyNameComment(name string, comment *string) *awsapi.Error {
	if utf8.RuneCountInString(name) > maxPolicyNameLen || !policyName.MatchString(name) {
		return cfError("InvalidArgument", "The policy name %q is not valid: use 1 to %d letters, digits, hyphens (-) and underscores (_).", name, maxPolicyNameLen)
	}
	if comment != nil && utf8.RuneCountInString(*comment) > maxCommentLen {
		return cfError("InvalidArgument", "The parameter Comment is too long (maximum %d characters).", maxCommentLen)
	}
	return nil
}

// nameListShape is the Quantity and Items of a Headers, CookieNames or
// QueryStringNames (both zero when the list is absent).
type nameListShape struct {
	quantity *int64
	items    []string
}

// qtyItems returns the Quantity and Items of one of the name lists.
func qtyItems[T *Headers | *CookieNames | *QueryStringNames](l T) nameListShape {
	switch v := any(l).(type) {
	case *Headers:
		if v != nil {
			return nameListShape{v.Quantity, v.Items}
		}
	case *CookieNames:
		if v != nil {
			return nameListShape{v.Quantity, v.Items}
		}
	case *QueryStringNames:
		if v != nil {
			return nameListShape{v.Quantity, v.Items}
		}
	}
	return nameListShape{}
}

// validateNames checks one behavior and its list of names (headers,
// cookies or query strings): a known behavior (InvalidArgument), Quantity
// equal to the number of items (InconsistentQuantities), items only for
// the behaviors that take them and at least one for whitelist/allExcept
// (InvalidArgument, UNCONFIRMED), at most 10 (tooMany).
func validateNames(what, behavior string, valid map[string]bool, list nameListShape, tooMany, policy string) *awsapi.Error {
	quantity, items := list.quantity, list.items
	if !valid[behavior] {
		return cfError("InvalidArgument", "The %s behavior %q is not valid.", what, behavior)
	}
	if quantity != nil && *quantity != int64(len(items)) {
		return cfError("InconsistentQuantities", "The value of Quantity and the size of Items don't match.")
	}
	switch {
	case len(items) > 0 && !namesAllowed[behavior]:
		return cfError("InvalidArgument", "The %s behavior %s does not take a list of %ss.", what, behavior, what)
	case len(items) == 0 && namesRequired[behavior]:
		return cfError("InvalidArgument", "The %s behavior %s requires at least one %s.", what, behavior, what)
	case len(items) > maxPolicyNames:
		return cfError(tooMany, "The %s policy has %d %ss; the maximum is %d.", policy, len(items), what, maxPolicyNames)
	}
	return nil
}

// validateCachePolicyConfig checks a CachePolicyConfig and fills in the
// TTL defaults CloudFront returns: DefaultTTL 86400 (MinTTL when that is
// larger), MaxTTL 31536000 (DefaultTTL when that is larger). TTLs must be
// non-negative with MinTTL ≤ DefaultTTL ≤ MaxTTL, and a policy that
// caches nothing (MaxTTL 0) cannot put headers, cookies or query strings
// in the cache key (InvalidArgument; both UNCONFIRMED as to the code).
func validateCachePolicyConfig(c *CachePolicyConfig) *awsapi.Error {
	if e := validatePolicyNameComment(*c.Name, c.Comment); e != nil {
		return e
	}
	if c.DefaultTTL == nil {
		c.DefaultTTL = ptr(max(int64(defaultPolicyDefaultTTL), *c.MinTTL))
	}
	if c.MaxTTL == nil {
		c.MaxTTL = ptr(max(int64(defaultPolicyMaxTTL), *c.DefaultTTL))
	}
	minTTL, defTTL, maxTTL := *c.MinTTL, *c.DefaultTTL, *c.MaxTTL
	if minTTL < 0 || defTTL < 0 || maxTTL < 0 {
		return cfError("InvalidArgument", "MinTTL, DefaultTTL and MaxTTL must not be negative.")
	}
	if minTTL > defTTL || defTTL > maxTTL {
		return cfError("InvalidArgument", "MinTTL, DefaultTTL and MaxTTL should follow order MinTTL less than or equal to DefaultTTL less than or equal to MaxTTL.")
	}
	p := c.ParametersInCacheKeyAndForwardedToOrigin
	if p == nil {
		return nil
	}
	h, ck, q := p.HeadersConfig, p.CookiesConfig, p.QueryStringsConfig
	if e := validateNames("header", *h.HeaderBehavior, cachePolicyHeaderBehaviors, qtyItems(h.Headers), "TooManyHeadersInCachePolicy", "cache"); e != nil {
		return e
	}
	if e := validateNames("cookie", *ck.CookieBehavior, cachePolicyListBehaviors, qtyItems(ck.Cookies), "TooManyCookiesInCachePolicy", "cache"); e != nil {
		return e
	}
	if e := validateNames("query string", *q.QueryStringBehavior, cachePolicyListBehaviors, qtyItems(q.QueryStrings), "TooManyQueryStringsInCachePolicy", "cache"); e != nil {
		return e
	}
	if maxTTL == 0 && (*h.HeaderBehavior != "none" || *ck.CookieBehavior != "none" || *q.QueryStringBehavior != "none") {
		return cfError("InvalidArgument", "A cache policy whose MaxTTL is 0 caches nothing, so it cannot include headers, cookies or query strings in the cache key.")
	}
	return nil
}

// validateOriginRequestPolicyConfig checks an OriginRequestPolicyConfig.
func validateOriginRequestPolicyConfig(c *OriginRequestPolicyConfig) *awsapi.Error {
	if e := validatePolicyNameComment(*c.Name, c.Comment); e != nil {
		return e
	}
	h, ck, q := c.HeadersConfig, c.CookiesConfig, c.QueryStringsConfig
	if e := validateNames("header", *h.HeaderBehavior, orpHeaderBehaviors, qtyItems(h.Headers), "TooManyHeadersInOriginRequestPolicy", "origin request"); e != nil {
		return e
	}
	if e := validateNames("cookie", *ck.CookieBehavior, orpListBehaviors, qtyItems(ck.Cookies), "TooManyCookiesInOriginRequestPolicy", "origin request"); e != nil {
		return e
	}
	return validateNames("query string", *q.QueryStringBehavior, orpListBehaviors, qtyItems(q.QueryStrings), "TooManyQueryStringsInOriginRequestPolicy", "origin request")
}

// cachePolicyExistsLocked reports whether account may use cache policy id:
// an AWS managed policy or one of its own.
func (s *Service) cachePolicyExistsLocked(account, id string) bool {
	if managedCachePolicyByID[id] != nil {
		return true
	}
	p, ok := s.state.CachePolicies[id]
	return ok && p.Account == account
}

// originRequestPolicyExistsLocked is cachePolicyExistsLocked for origin
// request policies.
func (s *Service) originRequestPolicyExistsLocked(account, id string) bool {
	if managedOriginRequestPolicyByID[id] != nil {
		return true
	}
	p, ok := s.state.ORPolicies[id]
	return ok && p.Account == account
}

// CachePolicy returns a copy of the configuration of cache policy id as
// account sees it (a managed policy or one of account's own).
func (s *Service) CachePolicy(account, id string) (*CachePolicyConfig, bool) {
	if m := managedCachePolicyByID[id]; m != nil {
		return cloneCachePolicyConfig(m.config), true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.state.CachePolicies[id]
	if !ok || p.Account != account {
		return nil, false
	}
	return cloneCachePolicyConfig(p.Config), true
}

// OriginRequestPolicy returns a copy of the configuration of origin
// request policy id as account sees it.
func (s *Service) OriginRequestPolicy(account, id string) (*OriginRequestPolicyConfig, bool) {
	if m := managedOriginRequestPolicyByID[id]; m != nil {
		return cloneOriginRequestPolicyConfig(m.config), true
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	p, ok := s.state.ORPolicies[id]
	if !ok || p.Account != account {
		return nil, false
	}
	return cloneOriginRequestPolicyConfig(p.Config), true
}

// --- policy lookup shared by the handlers ---------------------------------

// policyView is one cache or origin request policy as the API shows it.
type policyView struct {
	id       string
	managed  bool
	etag     string
	modified time.Time
}

func (s *Service) cachePolicyLocked(account, id string) (policyView, *CachePolicyConfig, *awsapi.Error) {
	if m := managedCachePolicyByID[id]; m != nil {
		return policyView{id: id, managed: true, etag: managedETag(id), modified: managedModified}, m.config, nil
	}
	p, ok := s.state.CachePolicies[id]
	if !ok || p.Account != account {
		return policyView{}, nil, cfError("NoSuchCachePolicy", "The cache policy does not exist.")
	}
	return policyView{id: id, etag: p.ETag, modified: p.Modified}, p.Config, nil
}

func (s *Service) originRequestPolicyLocked(account, id string) (policyView, *OriginRequestPolicyConfig, *awsapi.Error) {
	if m := managedOriginRequestPolicyByID[id]; m != nil {
		return policyView{id: id, managed: true, etag: managedETag(id), modified: managedModified}, m.config, nil
	}
	p, ok := s.state.ORPolicies[id]
	if !ok || p.Account != account {
		return policyView{}, nil, cfError("NoSuchOriginRequestPolicy", "The origin request policy does not exist.")
	}
	return policyView{id: id, etag: p.ETag, modified: p.Modified}, p.Config, nil
}

// behaviorsOfLocked calls f with the CachePolicyId and
// OriginRequestPolicyId of every cache behavior (default included) of
// account's distributions, until f returns true.
func (s *Service) behaviorsOfLocked(account string, f func(cachePolicyID, orPolicyID *string) bool) bool {
	for _, d := range s.state.Distributions {
		if d.Account != account || d.Config == nil {
			continue
		}
		if b := d.Config.DefaultCacheBehavior; b != nil && f(b.CachePolicyId, b.OriginRequestPolicyId) {
			return true
		}
		if d.Config.CacheBehaviors != nil {
			for _, b := range d.Config.CacheBehaviors.Items {
				if f(b.CachePolicyId, b.OriginRequestPolicyId) {
					return true
				}
			}
		}
	}
	return false
}

func strIs(p *string, v string) bool { return p != nil && *p == v }

func policyModifiedNow(s *Service) time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// parsePolicyType reads ListCachePolicies' and
// ListOriginRequestPolicies' Type filter: managed, custom or absent.
func (k *call) parsePolicyType() (string, *awsapi.Error) {
	t := k.r.URL.Query().Get("Type")
	if t != "" && t != "managed" && t != "custom" {
		return "", cfError("InvalidArgument", "The Type %q is not valid: use managed or custom.", t)
	}
	return t, nil
}

// --- cache policies --------------------------------------------------------

func cachePolicyDocument(v policyView, c *CachePolicyConfig) *CachePolicy {
	return &CachePolicy{Id: ptr(v.id), LastModifiedTime: ptr(v.modified), CachePolicyConfig: c}
}

// createCachePolicy is CreateCachePolicy: 201 with the policy, Location
// and ETag. Names are unique in the account (CachePolicyAlreadyExists);
// an account has at most 20 (TooManyCachePolicies).
func createCachePolicy(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:CreateCachePolicy", resourceARN(acct, cachePolicyKind, "*")); e != nil {
		return e
	}
	cfg := &CachePolicyConfig{}
	if e := readDocument(k.r, "CachePolicyConfig", cfg); e != nil {
		return e
	}
	if e := validateCachePolicyConfig(cfg); e != nil {
		return e
	}
	s.mu.Lock()
	n := 0
	for _, p := range s.state.CachePolicies {
		if p.Account != acct {
			continue
		}
		n++
		if *p.Config.Name == *cfg.Name {
			s.mu.Unlock()
			return cfError("CachePolicyAlreadyExists", "A cache policy with the name %s already exists.", *cfg.Name)
		}
	}
	if n >= maxPoliciesPerAccount {
		s.mu.Unlock()
		return cfError("TooManyCachePolicies", "Your account already has the maximum number of cache policies (%d).", maxPoliciesPerAccount)
	}
	id := s.newPolicyID()
	rec := &cachePolicyRec{ID: id, Account: acct, ETag: s.newETag(), Modified: policyModifiedNow(s), Config: cfg}
	s.state.CachePolicies[id] = rec
	if e := s.commitUnlock(func() { delete(s.state.CachePolicies, id) }); e != nil {
		return e
	}
	v := policyView{id: id, etag: rec.ETag, modified: rec.Modified}
	return k.writeResource(http.StatusCreated, "CachePolicy", cachePolicyDocument(v, cfg), rec.ETag, k.location(cachePolicyKind+"/"+id))
}

// getCachePolicy is GetCachePolicy.
func getCachePolicy(k *call) *awsapi.Error {
	if e := k.authorize("cloudfront:GetCachePolicy", resourceARN(k.account(), cachePolicyKind, k.id)); e != nil {
		return e
	}
	k.s.mu.RLock()
	v, cfg, e := k.s.cachePolicyLocked(k.account(), k.id)
	k.s.mu.RUnlock()
	if e != nil {
		return e
	}
	return k.writeResource(http.StatusOK, "CachePolicy", cachePolicyDocument(v, cfg), v.etag, "")
}

// getCachePolicyConfig is GetCachePolicyConfig.
func getCachePolicyConfig(k *call) *awsapi.Error {
	if e := k.authorize("cloudfront:GetCachePolicyConfig", resourceARN(k.account(), cachePolicyKind, k.id)); e != nil {
		return e
	}
	k.s.mu.RLock()
	v, cfg, e := k.s.cachePolicyLocked(k.account(), k.id)
	k.s.mu.RUnlock()
	if e != nil {
		return e
	}
	return k.writeResource(http.StatusOK, "CachePolicyConfig", cfg, v.etag, "")
}

// updateCachePolicy is UpdateCachePolicy (PUT cache-policy/{Id}, If-Match):
// the whole configuration is replaced. A managed policy is IllegalUpdate
// (UNCONFIRMED).
func updateCachePolicy(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:UpdateCachePolicy", resourceARN(acct, cachePolicyKind, k.id)); e != nil {
		return e
	}
	cfg := &CachePolicyConfig{}
	if e := readDocument(k.r, "CachePolicyConfig", cfg); e != nil {
		return e
	}
	s.mu.Lock()
	v, _, e := s.cachePolicyLocked(acct, k.id)
	if e == nil && v.managed {
		e = cfError("IllegalUpdate", "AWS managed cache policies cannot be updated.")
	}
	if e == nil {
		e = k.checkIfMatch(v.etag)
	}
	if e == nil {
		e = validateCachePolicyConfig(cfg)
	}
	if e == nil {
		for id, p := range s.state.CachePolicies {
			if id != k.id && p.Account == acct && *p.Config.Name == *cfg.Name {
				e = cfError("CachePolicyAlreadyExists", "A cache policy with the name %s already exists.", *cfg.Name)
				break
			}
		}
	}
	if e != nil {
		s.mu.Unlock()
		return e
	}
	old := s.state.CachePolicies[k.id]
	rec := &cachePolicyRec{ID: k.id, Account: acct, ETag: s.newETag(), Modified: policyModifiedNow(s), Config: cfg}
	s.state.CachePolicies[k.id] = rec
	if e := s.commitUnlock(func() { s.state.CachePolicies[k.id] = old }); e != nil {
		return e
	}
	v = policyView{id: k.id, etag: rec.ETag, modified: rec.Modified}
	return k.writeResource(http.StatusOK, "CachePolicy", cachePolicyDocument(v, cfg), rec.ETag, "")
}

// deleteCachePolicy is DeleteCachePolicy: 204; IllegalDelete for a managed
// policy, CachePolicyInUse while a cache behavior of the account uses it.
func deleteCachePolicy(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:DeleteCachePolicy", resourceARN(acct, cachePolicyKind, k.id)); e != nil {
		return e
	}
	s.mu.Lock()
	v, _, e := s.cachePolicyLocked(acct, k.id)
	if e == nil && v.managed {
		e = cfError("IllegalDelete", "AWS managed cache policies cannot be deleted.")
	}
	if e == nil {
		e = k.checkIfMatch(v.etag)
	}
	if e == nil && s.behaviorsOfLocked(acct, func(cp, _ *string) bool { return strIs(cp, k.id) }) {
		e = cfError("CachePolicyInUse", "Cannot delete the cache policy because it is attached to one or more cache behaviors.")
	}
	if e != nil {
		s.mu.Unlock()
		return e
	}
	old := s.state.CachePolicies[k.id]
	delete(s.state.CachePolicies, k.id)
	if e := s.commitUnlock(func() { s.state.CachePolicies[k.id] = old }); e != nil {
		return e
	}
	k.w.WriteHeader(http.StatusNoContent)
	return nil
}

// listCachePolicies is ListCachePolicies: the managed policies (in AWS's
// order), then the account's own ordered by id; Type=managed|custom
// filters.
func listCachePolicies(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:ListCachePolicies", "*"); e != nil {
		return e
	}
	typ, e := k.parsePolicyType()
	if e != nil {
		return e
	}
	marker, maxItems, e := k.listParams()
	if e != nil {
		return e
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := policyIDs(typ, len(managedCachePolicies), func(i int) string { return managedCachePolicies[i].id }, func(yield func(id, account string)) {
		for id, p := range s.state.CachePolicies {
			yield(id, p.Account)
		}
	}, acct)
	page, truncated := pageAfter(ids, marker, maxItems)
	list := &CachePolicyList{MaxItems: ptr(int64(maxItems)), Quantity: ptr(int64(len(page))), NextMarker: nextMarker(page, truncated)}
	for _, id := range page {
		v, cfg, _ := s.cachePolicyLocked(acct, id)
		typ := "custom"
		if v.managed {
			typ = "managed"
		}
		list.Items = append(list.Items, CachePolicySummary{Type: ptr(typ), CachePolicy: cachePolicyDocument(v, cfg)})
	}
	return k.writeResource(http.StatusOK, "CachePolicyList", list, "", "")
}

// policyIDs lists the ids of a List operation: the n managed ones (unless
// typ is custom), then account's custom ones by id (unless typ is
// managed).
func policyIDs(typ string, n int, managedID func(int) string, custom func(yield func(id, account string)), account string) []string {
	var ids []string
	if typ != "custom" {
		for i := 0; i < n; i++ {
			ids = append(ids, managedID(i))
		}
	}
	if typ != "managed" {
		var own []string
		custom(func(id, acct string) {
			if acct == account {
				own = append(own, id)
			}
		})
		sort.Strings(own)
		ids = append(ids, own...)
	}
	return ids
}

// --- origin request policies -----------------------------------------------

func originRequestPolicyDocument(v policyView, c *OriginRequestPolicyConfig) *OriginRequestPolicy {
	return &OriginRequestPolicy{Id: ptr(v.id), LastModifiedTime: ptr(v.modified), OriginRequestPolicyConfig: c}
}

// createOriginRequestPolicy is CreateOriginRequestPolicy.
func createOriginRequestPolicy(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:CreateOriginRequestPolicy", resourceARN(acct, orPolicyKind, "*")); e != nil {
		return e
	}
	cfg := &OriginRequestPolicyConfig{}
	if e := readDocument(k.r, "OriginRequestPolicyConfig", cfg); e != nil {
		return e
	}
	if e := validateOriginRequestPolicyConfig(cfg); e != nil {
		return e
	}
	s.mu.Lock()
	n := 0
	for _, p := range s.state.ORPolicies {
		if p.Account != acct {
			continue
		}
		n++
		if *p.Config.Name == *cfg.Name {
			s.mu.Unlock()
			return cfError("OriginRequestPolicyAlreadyExists", "An origin request policy with the name %s already exists.", *cfg.Name)
		}
	}
	if n >= maxPoliciesPerAccount {
		s.mu.Unlock()
		return cfError("TooManyOriginRequestPolicies", "Your account already has the maximum number of origin request policies (%d).", maxPoliciesPerAccount)
	}
	id := s.newPolicyID()
	rec := &originRequestPolicyRec{ID: id, Account: acct, ETag: s.newETag(), Modified: policyModifiedNow(s), Config: cfg}
	s.state.ORPolicies[id] = rec
	if e := s.commitUnlock(func() { delete(s.state.ORPolicies, id) }); e != nil {
		return e
	}
	v := policyView{id: id, etag: rec.ETag, modified: rec.Modified}
	return k.writeResource(http.StatusCreated, "OriginRequestPolicy", originRequestPolicyDocument(v, cfg), rec.ETag, k.location(orPolicyKind+"/"+id))
}

// getOriginRequestPolicy is GetOriginRequestPolicy.
func getOriginRequestPolicy(k *call) *awsapi.Error {
	if e := k.authorize("cloudfront:GetOriginRequestPolicy", resourceARN(k.account(), orPolicyKind, k.id)); e != nil {
		return e
	}
	k.s.mu.RLock()
	v, cfg, e := k.s.originRequestPolicyLocked(k.account(), k.id)
	k.s.mu.RUnlock()
	if e != nil {
		return e
	}
	return k.writeResource(http.StatusOK, "OriginRequestPolicy", originRequestPolicyDocument(v, cfg), v.etag, "")
}

// getOriginRequestPolicyConfig is GetOriginRequestPolicyConfig.
func getOriginRequestPolicyConfig(k *call) *awsapi.Error {
	if e := k.authorize("cloudfront:GetOriginRequestPolicyConfig", resourceARN(k.account(), orPolicyKind, k.id)); e != nil {
		return e
	}
	k.s.mu.RLock()
	v, cfg, e := k.s.originRequestPolicyLocked(k.account(), k.id)
	k.s.mu.RUnlock()
	if e != nil {
		return e
	}
	return k.writeResource(http.StatusOK, "OriginRequestPolicyConfig", cfg, v.etag, "")
}

// updateOriginRequestPolicy is UpdateOriginRequestPolicy (PUT, If-Match).
func updateOriginRequestPolicy(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:UpdateOriginRequestPolicy", resourceARN(acct, orPolicyKind, k.id)); e != nil {
		return e
	}
	cfg := &OriginRequestPolicyConfig{}
	if e := readDocument(k.r, "OriginRequestPolicyConfig", cfg); e != nil {
		return e
	}
	s.mu.Lock()
	v, _, e := s.originRequestPolicyLocked(acct, k.id)
	if e == nil && v.managed {
		e = cfError("IllegalUpdate", "AWS managed origin request policies cannot be updated.")
	}
	if e == nil {
		e = k.checkIfMatch(v.etag)
	}
	if e == nil {
		e = validateOriginRequestPolicyConfig(cfg)
	}
	if e == nil {
		for id, p := range s.state.ORPolicies {
			if id != k.id && p.Account == acct && *p.Config.Name == *cfg.Name {
				e = cfError("OriginRequestPolicyAlreadyExists", "An origin request policy with the name %s already exists.", *cfg.Name)
				break
			}
		}
	}
	if e != nil {
		s.mu.Unlock()
		return e
	}
	old := s.state.ORPolicies[k.id]
	rec := &originRequestPolicyRec{ID: k.id, Account: acct, ETag: s.newETag(), Modified: policyModifiedNow(s), Config: cfg}
	s.state.ORPolicies[k.id] = rec
	if e := s.commitUnlock(func() { s.state.ORPolicies[k.id] = old }); e != nil {
		return e
	}
	v = policyView{id: k.id, etag: rec.ETag, modified: rec.Modified}
	return k.writeResource(http.StatusOK, "OriginRequestPolicy", originRequestPolicyDocument(v, cfg), rec.ETag, "")
}

// deleteOriginRequestPolicy is DeleteOriginRequestPolicy: 204;
// IllegalDelete for a managed policy, OriginRequestPolicyInUse while a
// cache behavior of the account uses it.
func deleteOriginRequestPolicy(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:DeleteOriginRequestPolicy", resourceARN(acct, orPolicyKind, k.id)); e != nil {
		return e
	}
	s.mu.Lock()
	v, _, e := s.originRequestPolicyLocked(acct, k.id)
	if e == nil && v.managed {
		e = cfError("IllegalDelete", "AWS managed origin request policies cannot be deleted.")
	}
	if e == nil {
		e = k.checkIfMatch(v.etag)
	}
	if e == nil && s.behaviorsOfLocked(acct, func(_, orp *string) bool { return strIs(orp, k.id) }) {
		e = cfError("OriginRequestPolicyInUse", "Cannot delete the origin request policy because it is attached to one or more cache behaviors.")
	}
	if e != nil {
		s.mu.Unlock()
		return e
	}
	old := s.state.ORPolicies[k.id]
	delete(s.state.ORPolicies, k.id)
	if e := s.commitUnlock(func() { s.state.ORPolicies[k.id] = old }); e != nil {
		return e
	}
	k.w.WriteHeader(http.StatusNoContent)
	return nil
}

// listOriginRequestPolicies is ListOriginRequestPolicies.
func listOriginRequestPolicies(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:ListOriginRequestPolicies", "*"); e != nil {
		return e
	}
	typ, e := k.parsePolicyType()
	if e != nil {
		return e
	}
	marker, maxItems, e := k.listParams()
	if e != nil {
		return e
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := policyIDs(typ, len(managedOriginRequestPolicies), func(i int) string { return managedOriginRequestPolicies[i].id }, func(yield func(id, account string)) {
		for id, p := range s.state.ORPolicies {
			yield(id, p.Account)
		}
	}, acct)
	page, truncated := pageAfter(ids, marker, maxItems)
	list := &OriginRequestPolicyList{MaxItems: ptr(int64(maxItems)), Quantity: ptr(int64(len(page))), NextMarker: nextMarker(page, truncated)}
	for _, id := range page {
		v, cfg, _ := s.originRequestPolicyLocked(acct, id)
		typ := "custom"
		if v.managed {
			typ = "managed"
		}
		list.Items = append(list.Items, OriginRequestPolicySummary{Type: ptr(typ), OriginRequestPolicy: originRequestPolicyDocument(v, cfg)})
	}
	return k.writeResource(http.StatusOK, "OriginRequestPolicyList", list, "", "")
}

// --- copies for the edge ---------------------------------------------------

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneHeaders(h *Headers) *Headers {
	if h == nil {
		return nil
	}
	return &Headers{Quantity: clonePtr(h.Quantity), Items: slices.Clone(h.Items)}
}

func cloneCookieNames(c *CookieNames) *CookieNames {
	if c == nil {
		return nil
	}
	return &CookieNames{Quantity: clonePtr(c.Quantity), Items: slices.Clone(c.Items)}
}

func cloneQueryStringNames(q *QueryStringNames) *QueryStringNames {
	if q == nil {
		return nil
	}
	return &QueryStringNames{Quantity: clonePtr(q.Quantity), Items: slices.Clone(q.Items)}
}

// cloneCachePolicyConfig returns a deep copy of c.
func cloneCachePolicyConfig(c *CachePolicyConfig) *CachePolicyConfig {
	out := &CachePolicyConfig{
		Comment: clonePtr(c.Comment), Name: clonePtr(c.Name),
		DefaultTTL: clonePtr(c.DefaultTTL), MaxTTL: clonePtr(c.MaxTTL), MinTTL: clonePtr(c.MinTTL),
	}
	if p := c.ParametersInCacheKeyAndForwardedToOrigin; p != nil {
		q := &ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: clonePtr(p.EnableAcceptEncodingGzip), EnableAcceptEncodingBrotli: clonePtr(p.EnableAcceptEncodingBrotli),
		}
		if h := p.HeadersConfig; h != nil {
			q.HeadersConfig = &CachePolicyHeadersConfig{HeaderBehavior: clonePtr(h.HeaderBehavior), Headers: cloneHeaders(h.Headers)}
		}
		if ck := p.CookiesConfig; ck != nil {
			q.CookiesConfig = &CachePolicyCookiesConfig{CookieBehavior: clonePtr(ck.CookieBehavior), Cookies: cloneCookieNames(ck.Cookies)}
		}
		if qs := p.QueryStringsConfig; qs != nil {
			q.QueryStringsConfig = &CachePolicyQueryStringsConfig{QueryStringBehavior: clonePtr(qs.QueryStringBehavior), QueryStrings: cloneQueryStringNames(qs.QueryStrings)}
		}
		out.ParametersInCacheKeyAndForwardedToOrigin = q
	}
	return out
}

// cloneOriginRequestPolicyConfig returns a deep copy of c.
func cloneOriginRequestPolicyConfig(c *OriginRequestPolicyConfig) *OriginRequestPolicyConfig {
	out := &OriginRequestPolicyConfig{Comment: clonePtr(c.Comment), Name: clonePtr(c.Name)}
	if h := c.HeadersConfig; h != nil {
		out.HeadersConfig = &OriginRequestPolicyHeadersConfig{HeaderBehavior: clonePtr(h.HeaderBehavior), Headers: cloneHeaders(h.Headers)}
	}
	if ck := c.CookiesConfig; ck != nil {
		out.CookiesConfig = &OriginRequestPolicyCookiesConfig{CookieBehavior: clonePtr(ck.CookieBehavior), Cookies: cloneCookieNames(ck.Cookies)}
	}
	if qs := c.QueryStringsConfig; qs != nil {
		out.QueryStringsConfig = &OriginRequestPolicyQueryStringsConfig{QueryStringBehavior: clonePtr(qs.QueryStringBehavior), QueryStrings: cloneQueryStringNames(qs.QueryStrings)}
	}
	return out
}
