package edge

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/cache"
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/traces"
)

// link is what the edge keeps of one viewer request so that its
// X-Amz-Cf-Id can be explained: the origin request it made, or the reason
// it refused the request itself.
type link struct {
	distribution string
	// account owns the distribution ("" for an unknown host): it may read
	// the explanation.
	account string
	// origin is the origin request's id; "" when the edge answered alone.
	origin string
	// access says who the origin request was made as.
	access string
	status int
	reason string
	// cached marks a response that was an error served from the edge
	// cache: origin is then the id of the origin request that produced
	// the error, long before.
	cached *cachedError
	// viewer is the viewer request (for the explanation's context).
	viewer viewerInfo
	// website is the request id of a website origin's answer (edgegate's
	// own S3 website endpoint records its decision), "" otherwise.
	website string
}

// viewerInfo is what a link keeps of the viewer request: references to
// the request's own strings, no copies.
type viewerInfo struct {
	method, path, host string
	secure             bool
}

func viewerOf(r *http.Request) viewerInfo {
	v := viewerInfo{method: r.Method, host: r.Host, secure: r.TLS != nil}
	if r.URL != nil {
		v.path = r.URL.Path
	}
	return v
}

// websiteRequestID is the x-amz-request-id of res when it is edgegate's
// S3 website endpoint's answer to a website origin of d.
func websiteRequestID(d *cloudfront.DistributionView, res result) string {
	if res.resp == nil || res.customURL == "" {
		return ""
	}
	u, err := url.Parse(res.customURL)
	if err != nil || cloudfront.ClassifyOrigin(u.Hostname()).Kind != cloudfront.OriginS3Website {
		return ""
	}
	return res.resp.Header().Get("X-Amz-Request-Id")
}

// cachedError is what Explain says of an error served from the cache.
type cachedError struct {
	reason          string // the origin's error code ("" for a custom origin)
	target          string // the cached path (with its query strings)
	stored, expires time.Time
}

// ExplainError is why Explain cannot answer: Status is the HTTP status of
// the answer (403, 404), Code and Message its body.
type ExplainError struct {
	Status  int
	Code    string
	Message string
}

// KeyLister gives, for a bucket, a function listing its keys (for the
// near-miss findings: KEY-CASE, KEY-SUBDIR-INDEX, KEY-ORIGIN-PATH), or nil
// when the reader of the explanation may not see that bucket's keys.
type KeyLister func(bucket string) func(prefix string, max int) ([]string, bool)

// Explain is ExplainWith without key listings.
func (e *Edge) Explain(id string, caller identity.Principal, operator bool) (x *diagnose.Explanation, xerr *ExplainError, ok bool) {
	return e.ExplainWith(id, caller, operator, nil)
}

// ExplainWith returns the explanation of the viewer request whose
// X-Amz-Cf-Id is id, as caller (operator: the operator token was
// presented) may see it. ok=false when id is no edge request the edge
// keeps: the caller should then look it up as an S3 request id.
//
// For a request the edge forwarded, the answer is the origin S3
// request's explanation (S3's decision; for a website origin, edgegate's
// website endpoint's), readable by the operator, by the distribution's
// account and by any account whose resources the origin request touched;
// non-operators get it redacted to their own account's policies
// (traces.Record.RedactFor). For a request the edge refused itself, the
// answer is a single finding naming the reason (its catalog id: CF-CNAME,
// CF-METHOD, ...), readable by the operator and the distribution's
// account. Either way the findings are then refined with the
// distribution's current configuration (diagnose.Refine): keys, when
// keys gives a listing for the origin's bucket, name near misses.
func (e *Edge) ExplainWith(id string, caller identity.Principal, operator bool, keys KeyLister) (x *diagnose.Explanation, xerr *ExplainError, ok bool) {
	l, found := e.links.get(id)
	if !found {
		return nil, nil, false
	}
	x, xerr = e.explainLink(id, l, caller, operator)
	if xerr != nil {
		return nil, xerr, true
	}
	if l.distribution != "" && e.cf != nil {
		if d, ok := e.cf.Distribution(l.distribution); ok {
			vc := e.contextFor(d, l.viewer, keys)
			vc.ViewerStatus = l.status
			if x.Responder != "edge" {
				if ce, ok := customErrorFor(d.Config, x.Status); ok {
					vc.CustomErrorPage, vc.CustomErrorCode, vc.ViewerStatus = ce.page, ce.code, ce.code
				}
			}
			diagnose.Refine(x, vc)
		}
	} else {
		diagnose.Refine(x, &diagnose.ViewerContext{Method: l.viewer.method, Path: l.viewer.path})
	}
	if l.viewer.host != "" {
		u := url.URL{Scheme: "http", Host: l.viewer.host, Path: l.viewer.path}
		if l.viewer.secure {
			u.Scheme = "https"
		}
		x.Viewer = &diagnose.ViewerRequest{Distribution: l.distribution, Method: l.viewer.method, URL: u.String()}
	}
	return x, nil, true
}

func (e *Edge) explainLink(id string, l link, caller identity.Principal, operator bool) (*diagnose.Explanation, *ExplainError) {
	denied := &ExplainError{Status: 403, Code: "AccessDenied",
		Message: "only the distribution's account, the owner of a resource the request touched, or the operator may read its explanation"}
	ownsDist := l.account != "" && caller.Account == l.account
	if l.cached != nil {
		x, xerr, _ := e.explainCached(id, l, caller, operator, ownsDist, denied)
		return x, xerr
	}
	originID := l.origin
	if originID == "" && l.website != "" && e.traces != nil {
		if _, ok := e.traces.Get(l.website); ok {
			originID = l.website
		}
	}
	if originID == "" {
		if !operator && !ownsDist {
			return nil, denied
		}
		info := reasons[l.reason]
		evidence := []string{"distribution: " + orDash(l.distribution)}
		if l.viewer.host != "" && l.reason == ReasonUnknownAlias {
			evidence = append(evidence, "Host: "+l.viewer.host)
		}
		if l.access != "" {
			evidence = append(evidence, "origin: "+l.access)
		}
		certainty, responder, code := diagnose.Definite, "edge", l.reason
		if l.reason == ReasonCustomOrigin {
			certainty, responder, code = diagnose.Possible, "origin", ""
		}
		return &diagnose.Explanation{
			RequestID: id, Status: l.status, ErrorCode: code, Responder: responder, Operation: "CloudFront",
			Principal: "viewer",
			Findings: []diagnose.Finding{{
				ID: l.reason, Certainty: certainty, Summary: info.summary,
				Evidence: evidence, Fix: &diagnose.Fix{Summary: info.fix},
			}},
			Trace: []diagnose.Step{},
		}, nil
	}
	if e.traces == nil {
		return nil, &ExplainError{Status: 404, Code: "NoSuchRequest", Message: "the origin request " + originID + " was not recorded"}
	}
	rec, found := e.traces.Get(originID)
	if !found {
		return nil, &ExplainError{Status: 404, Code: "NoSuchRequest",
			Message: "the origin request " + originID + " of " + id + " is no longer kept (--trace-buffer)"}
	}
	if !operator && !ownsDist && !rec.Readable(caller) {
		return nil, denied
	}
	if !operator {
		rec = rec.RedactFor(caller.Account)
	}
	return diagnose.ExplainS3(&rec), nil
}

// ViewerContext returns the context of viewer request r to distribution
// d under d's configuration now: the behavior r's path selects, its
// origin, the origin access and the key the origin request asks for.
// keys, if not nil, supplies the bucket's key listing.
func (e *Edge) ViewerContext(d *cloudfront.DistributionView, r *http.Request, keys KeyLister) *diagnose.ViewerContext {
	vc := e.contextFor(d, viewerOf(r), keys)
	// The query string the origin request carries (applyPolicy): only a
	// simulated request has it, the links of real ones keep none.
	if r.URL != nil && r.URL.RawQuery != "" && d.Config != nil && vc.Behavior != "" {
		if b, ok := SelectBehavior(d.Config, r.URL.Path); ok {
			pol := e.policyFor(d, b)
			vc.OriginQuery = cache.FilterQuery(r.URL.RawQuery, pol.query)
			vc.QueryInCacheKey = b.CachePolicyID != "" && cache.FilterQuery(r.URL.RawQuery, pol.key.QueryStrings) != ""
		}
	}
	return vc
}

func (e *Edge) contextFor(d *cloudfront.DistributionView, v viewerInfo, keys KeyLister) *diagnose.ViewerContext {
	vc := &diagnose.ViewerContext{DistributionID: d.ID, DistributionARN: d.ARN, Method: v.method, Path: v.path, Scheme: "http"}
	if v.secure {
		vc.Scheme = "https"
	}
	cfg := d.Config
	if cfg == nil {
		return vc
	}
	vc.DefaultRootObject = deref(cfg.DefaultRootObject)
	vc.WebACL = deref(cfg.WebACLId)
	b, ok := SelectBehavior(cfg, v.path)
	if !ok {
		return vc
	}
	vc.Behavior, vc.ViewerProtocolPolicy, vc.OriginID = b.PathPattern, b.ViewerProtocolPolicy, b.TargetOriginID
	vc.CachePolicyID, vc.OriginRequestPolicyID = b.CachePolicyID, b.OriginRequestPolicyID
	var fa *cloudfront.FunctionAssociations
	var la *cloudfront.LambdaFunctionAssociations
	var tk *cloudfront.TrustedKeyGroups
	var ts *cloudfront.TrustedSigners
	if b.Index >= 0 && cfg.CacheBehaviors != nil && b.Index < len(cfg.CacheBehaviors.Items) {
		cb := &cfg.CacheBehaviors.Items[b.Index]
		fa, la, tk, ts = cb.FunctionAssociations, cb.LambdaFunctionAssociations, cb.TrustedKeyGroups, cb.TrustedSigners
	} else if db := cfg.DefaultCacheBehavior; db != nil {
		fa, la, tk, ts = db.FunctionAssociations, db.LambdaFunctionAssociations, db.TrustedKeyGroups, db.TrustedSigners
	}
	if fa != nil {
		for _, f := range fa.Items {
			vc.Functions = append(vc.Functions, deref(f.EventType)+": "+deref(f.FunctionARN))
		}
	}
	if la != nil {
		for _, f := range la.Items {
			vc.Functions = append(vc.Functions, deref(f.EventType)+": "+deref(f.LambdaFunctionARN))
		}
	}
	vc.SignedURLs = tk.GetEnabled() || ts.GetEnabled()
	o := originByID(cfg, b.TargetOriginID)
	if o == nil {
		return vc
	}
	vc.OriginDomain = deref(o.DomainName)
	target := cloudfront.ClassifyOrigin(vc.OriginDomain)
	switch target.Kind {
	case cloudfront.OriginS3Website:
		vc.OriginKind, vc.Bucket = "website", target.Bucket
	case cloudfront.OriginCustom:
		vc.OriginKind = "custom"
	default:
		vc.OriginKind, vc.Bucket = "s3", target.Bucket
	}
	vc.OriginPath = deref(o.OriginPath)
	if vc.OriginKind == "s3" && e.cf != nil {
		// applyPolicy never forwards Host (edgeOwned): the origin request
		// goes to S3's endpoint whatever the policy says.
		vc.HostForwarded = e.policyFor(d, b).headers.Includes("Host")
	}
	p := v.path
	if p == "/" && vc.DefaultRootObject != "" {
		p = "/" + vc.DefaultRootObject
	}
	if vc.Bucket != "" {
		vc.Key = strings.TrimPrefix(strings.TrimSuffix(vc.OriginPath, "/")+p, "/")
	}
	if id := deref(o.OriginAccessControlId); id != "" && e.cf != nil {
		vc.OAC = id
		if oc, _, ok := e.cf.OriginAccessControl(id); ok {
			vc.OACSigning = deref(oc.SigningBehavior)
		}
	}
	if o.S3OriginConfig != nil {
		vc.OAI = strings.TrimPrefix(deref(o.S3OriginConfig.OriginAccessIdentity), "origin-access-identity/cloudfront/")
	}
	if keys != nil && vc.Bucket != "" {
		vc.Keys = keys(vc.Bucket)
	}
	return vc
}

// explainCached explains an error answered from the cache (spec §8
// CachedError): a CACHE-ERROR-TTL finding with the original error, the
// origin request that produced it and the TTL left, followed by that
// origin request's own findings while the S3 trace buffer keeps them.
func (e *Edge) explainCached(id string, l link, caller identity.Principal, operator, ownsDist bool, denied *ExplainError) (*diagnose.Explanation, *ExplainError, bool) {
	var rec *traces.Record
	if l.origin != "" && e.traces != nil {
		if r, found := e.traces.Get(l.origin); found {
			rec = &r
		}
	}
	if !operator && !ownsDist && (rec == nil || !rec.Readable(caller)) {
		return nil, denied, true
	}
	remaining := max(l.cached.expires.Sub(e.cache.Now()), 0)
	x := &diagnose.Explanation{
		RequestID: id, Status: l.status, ErrorCode: l.cached.reason, Responder: "cache", Operation: "CloudFront",
		Principal: "viewer", Trace: []diagnose.Step{},
		Findings: []diagnose.Finding{diagnose.CachedErrorFinding(diagnose.CachedError{
			Distribution: l.distribution, Path: l.cached.target, Status: l.status, Code: l.cached.reason,
			OriginRequestID: l.origin, CachedAt: l.cached.stored, Remaining: remaining,
		})},
	}
	if rec != nil {
		r := *rec
		if !operator {
			r = r.RedactFor(caller.Account)
		}
		ox := diagnose.ExplainS3(&r)
		x.Operation, x.Principal, x.Trace = ox.Operation, ox.Principal, ox.Trace
		x.Findings = append(x.Findings, ox.Findings...)
	}
	return x, nil, true
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// CachedError returns the error response viewer request r would be
// answered with from distribution d's cache now, without asking the
// origin (spec §8 CachedError), ok=false when the cache holds no fresh
// error for r's cache key. It reads the cache as a lookup does (the
// entry's access counts for eviction and the hit/miss counters) and
// stores nothing. SimulateViewer uses it: a cached error is
// CACHE-ERROR-TTL whatever the configuration says now.
func (e *Edge) CachedError(r *http.Request, d *cloudfront.DistributionView) (diagnose.CachedError, bool) {
	if !e.caching || d == nil || !d.Enabled || r.URL == nil {
		return diagnose.CachedError{}, false
	}
	b, ok := SelectBehavior(d.Config, r.URL.Path)
	if !ok || !b.Caches(r.Method) {
		return diagnose.CachedError{}, false
	}
	pol := e.policyFor(d, b)
	if pol.disabled {
		return diagnose.CachedError{}, false
	}
	p := r.URL.Path
	if p == "/" {
		if dro := deref(d.Config.DefaultRootObject); dro != "" {
			p = "/" + dro
		}
	}
	method := http.MethodGet
	if r.Method == http.MethodOptions {
		method = http.MethodOptions
	}
	key := cache.BuildKey(d.ID, method, p, r, pol.key)
	ent, ok := e.cache.Get(key)
	now := e.cache.Now()
	if !ok || !ent.Fresh(now) || ent.Status < 400 {
		return diagnose.CachedError{}, false
	}
	return diagnose.CachedError{Distribution: d.ID, Path: key.Target(), Status: ent.Status, Code: ent.Reason,
		OriginRequestID: ent.OriginRequestID, CachedAt: ent.Stored, Remaining: max(ent.Expires.Sub(now), 0)}, true
}
