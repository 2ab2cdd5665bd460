// Package edge is the viewer side of CloudFront: it answers requests sent
// to a distribution's domain name (or one of its aliases) for the
// distributions of internal/cloudfront, fetching from edgegate's own S3
// in-process.
//
// Responses are cached in internal/cache as the behavior's cache policy
// (or legacy settings) says, keyed per distribution; concurrent misses of
// one key make one origin request; invalidations purge at once. What it
// does and what is not done yet is in docs/edge.md.
//
// Because origin requests never leave the process, the principal S3 sees
// (CloudFront's service principal for origin access control, an origin
// access identity, or the anonymous user) is chosen by the edge from the
// distribution's configuration alone: no viewer can present it.
package edge

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/cache"
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/traces"
)

// S3Origin is the S3 service the edge fetches from: internal/s3's
// Service.ServeS3.
type S3Origin interface {
	ServeS3(w http.ResponseWriter, r *http.Request, c *reqctx.Call) *awsapi.Error
}

// Config is what an Edge is built from.
type Config struct {
	// CloudFront holds the distributions, OACs and OAIs.
	CloudFront *cloudfront.Service
	// S3 answers origin requests to S3 REST origins.
	S3 S3Origin
	// Website answers origin requests to S3 website origins
	// (internal/s3website's Endpoint, which takes the bucket from the
	// request's Host). nil: website origins get CloudFront's 502.
	Website http.Handler
	// Traces is where S3 records its decisions; Explain reads the origin
	// request's record from it. May be nil (Explain then only explains
	// the edge's own refusals).
	Traces *traces.Store
	// Logger receives the edge's own events (origins it cannot reach).
	Logger *slog.Logger
	// DenialReasonHeader adds X-Edgegate-Denial-Reason to the responses
	// the edge generates itself, as the S3 option does for S3's.
	DenialReasonHeader bool
	// LinkCapacity is how many requests' edge-to-origin links are kept
	// for Explain (default traces.DefaultCapacity).
	LinkCapacity int
	// Cache holds cached responses. nil: nothing is cached (every request
	// is a miss).
	Cache *cache.Cache
	// DefaultErrorCachingMinTTL is how long an error response is cached
	// when no CustomErrorResponse for its code sets ErrorCachingMinTTL
	// (spec §5.7): 0 means the default, 10 s; negative means 0.
	DefaultErrorCachingMinTTL time.Duration
}

// DefaultErrorCachingMinTTL is CloudFront's current default error caching
// minimum TTL (older documentation says 300 s; spec §5.7).
const DefaultErrorCachingMinTTL = 10 * time.Second

// Pop is the X-Amz-Cf-Pop every response carries: edgegate has a single
// edge location. Real values are an airport code and a number ("IAD89-C1");
// EDG is no airport's code, so it cannot be mistaken for a real POP.
const Pop = "EDG1-C1"

// Edge serves viewer requests. It is safe for concurrent use.
type Edge struct {
	cf      *cloudfront.Service
	s3      S3Origin
	website http.Handler
	// transports holds one *http.Transport per custom-origin timeout
	// setting (transportFor).
	transports sync.Map
	// policies memoizes resolved cache policies (policyFor); policyGen
	// is bumped on every control-plane change, which retires them.
	policies  sync.Map
	policyGen atomic.Uint64
	// routes memoizes Route by Host (routeMemo), nroutes counts them;
	// origins memoizes ClassifyOrigin by origin domain name.
	routes       sync.Map
	nroutes      atomic.Int64
	origins      sync.Map
	norigins     atomic.Int64
	traces       *traces.Store
	log          *slog.Logger
	reasonHeader bool
	// via is the Via header value, fixed for the process as a single
	// edge server's is: "1.1 <32 hex>.cloudfront.net (CloudFront)".
	via   string
	links *linkRing

	cache   *cache.Cache
	caching bool // cache is the configured one, not a recorder-only stand-in
	// rawHits: the cache stores none of HitHeaders, so a hit's stored
	// header block can be written as it is (send).
	rawHits bool
	// hitLines are the fixed header lines of every hit but X-Cache:
	// "Via: ...\r\nX-Amz-Cf-Pop: ...\r\n".
	hitLines string
	flight   cache.Flight[result]
	errorTTL time.Duration
	// originFetches counts the origin requests made for the cache (misses
	// and revalidations); OriginFetches reads it.
	originFetches atomic.Int64
}

// New returns an Edge over cfg's services.
func New(cfg Config) *Edge {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	e := &Edge{
		cf: cfg.CloudFront, s3: cfg.S3, website: cfg.Website, traces: cfg.Traces, log: cfg.Logger,
		reasonHeader: cfg.DenialReasonHeader,
		via:          "1.1 " + hex.EncodeToString(b[:]) + ".cloudfront.net (CloudFront)",
		links:        newLinkRing(cfg.LinkCapacity),
		cache:        cfg.Cache,
		caching:      cfg.Cache != nil,
		errorTTL:     cfg.DefaultErrorCachingMinTTL,
	}
	switch {
	case e.errorTTL == 0:
		e.errorTTL = DefaultErrorCachingMinTTL
	case e.errorTTL < 0:
		e.errorTTL = 0
	}
	if e.cache == nil {
		// Responses are still recorded before they are sent; nothing is
		// kept (no memory tier, no disk tier).
		e.cache, _ = cache.New(cache.Config{MemoryBytes: -1, DiskBytes: -1})
	}
	e.rawHits = true
	for _, k := range HitHeaders {
		e.rawHits = e.rawHits && e.cache.Unstored(k)
	}
	e.hitLines = "Via: " + e.via + "\r\nX-Amz-Cf-Pop: " + Pop + "\r\n"
	if e.cf != nil {
		e.cf.OnChange(func() { e.policyGen.Add(1) })
	}
	if e.caching && e.cf != nil {
		e.cf.OnInvalidation(func(distID string, paths []string) {
			n := e.cache.Invalidate(distID, paths)
			e.log.Debug("edge: invalidation purged the cache", "distribution", distID, "paths", len(paths), "entries", n)
		})
	}
	return e
}

// OriginFetches returns how many origin requests the edge made for its
// cache (misses and revalidations, coalesced requests counted once).
func (e *Edge) OriginFetches() int64 { return e.originFetches.Load() }

// Via returns the Via header value of this edge.
func (e *Edge) Via() string { return e.via }

// Route tells whether a viewer's Host belongs to the edge: a distribution's
// domain name or alias (d set), or a name under the distribution domain
// suffix that no distribution has (d nil, mine true: CloudFront answers it
// with its own 403). Any other host (mine false) is not the edge's.
func (e *Edge) Route(host string) (d *cloudfront.DistributionView, mine bool) {
	// Answers are memoized by Host until the control plane changes
	// (policyGen), for at most maxRoutes hosts: a hit must not look the
	// distribution up (and copy its view) twice.
	gen := e.policyGen.Load()
	if v, ok := e.routes.Load(host); ok {
		if m := v.(routeMemo); m.gen == gen {
			return m.d, m.mine
		}
	}
	d, mine = e.route(host)
	if _, ok := e.routes.Load(host); ok || e.nroutes.Add(1) <= maxRoutes {
		e.routes.Store(strings.Clone(host), routeMemo{gen: gen, d: d, mine: mine})
	}
	return d, mine
}

// maxRoutes bounds Route's memo (a viewer picks the Host it sends).
const maxRoutes = 4096

// routeMemo is a memoized Route answer and the control-plane generation
// it was found in.
type routeMemo struct {
	gen  uint64
	d    *cloudfront.DistributionView
	mine bool
}

// route is Route without the memo.
func (e *Edge) route(host string) (d *cloudfront.DistributionView, mine bool) {
	if d, ok := e.cf.DistributionByHost(host); ok {
		return d, true
	}
	h := strings.ToLower(host)
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	return nil, strings.HasSuffix(h, "."+strings.ToLower(e.cf.DomainSuffix()))
}

// Outcome is what one viewer request came to, for the request log.
type Outcome struct {
	// RequestID is the edge's request id, the X-Amz-Cf-Id.
	RequestID CfID
	// DistributionID is "" for a host no distribution has.
	DistributionID string
	// OriginRequestID is the x-amz-request-id of the origin request, ""
	// when none was made.
	OriginRequestID string
	// CustomErrorPage is the ResponsePagePath sent instead of the
	// origin's error, "" if none.
	CustomErrorPage string
	// OriginAccess says who the origin request was made as ("OAC E1
	// signs (always)", "OAI E2", "no OAC or OAI: anonymous").
	OriginAccess string
	Status       int
	// Reason is why the edge refused the request (CloudFrontUnknownAlias,
	// CloudFrontMethodNotAllowed, ...), the origin's error code, or
	// CachedError for an error served from the cache; "" for a success.
	Reason string
	// XCache is the X-Cache sent: Hit, RefreshHit, Miss, Error, Redirect
	// (without " from cloudfront").
	XCache string
}

// Serve answers one viewer request for distribution d (nil: a host under
// the distribution domain suffix that names no distribution). Route
// chose d. The pipeline (spec §5.1; no WAF or signed URLs yet):
// distribution enabled, geo restriction, request-URI valid, cache
// behavior selection, method check, viewer protocol policy, default root
// object, then the cache or the origin (forward).
func (e *Edge) Serve(w http.ResponseWriter, r *http.Request, d *cloudfront.DistributionView) Outcome {
	out := Outcome{RequestID: newCfID()}
	if d == nil {
		e.refuse(w, r, &out, "", http.StatusForbidden, ReasonUnknownAlias)
		return out
	}
	out.DistributionID = d.ID
	if !d.Enabled {
		e.refuse(w, r, &out, d.Account, http.StatusForbidden, ReasonDistributionDisabled)
		return out
	}
	if e.refuseGeoBlocked(w, r, d, &out) {
		return out
	}
	if !validViewerPath(r) {
		e.refuse(w, r, &out, d.Account, http.StatusBadRequest, ReasonBadRequest)
		return out
	}
	b, ok := SelectBehavior(d.Config, r.URL.Path)
	if !ok {
		e.refuse(w, r, &out, d.Account, http.StatusBadGateway, ReasonNoOrigin)
		return out
	}
	if !b.Allows(r.Method) {
		e.refuse(w, r, &out, d.Account, http.StatusForbidden, ReasonMethodNotAllowed)
		return out
	}
	if r.TLS == nil {
		switch b.ViewerProtocolPolicy {
		case "https-only":
			e.refuse(w, r, &out, d.Account, http.StatusForbidden, ReasonHTTPSRequired)
			return out
		case "redirect-to-https":
			e.redirectToHTTPS(w, r, &out)
			return out
		}
	}
	path := r.URL.Path
	if path == "/" {
		if dro := deref(d.Config.DefaultRootObject); dro != "" {
			path = "/" + dro
		}
	}
	e.forward(w, r, d, b, path, &out)
	return out
}

// forward answers the viewer from the cache or behavior b's origin
// (obtain). An error whose status has a custom error response with a
// ResponsePagePath (spec §5.7) is not sent: the page is obtained instead,
// through the behavior its path selects (and cached like any object), and
// sent with the ResponseCode. The explanation stays the original error's.
func (e *Edge) forward(w http.ResponseWriter, r *http.Request, d *cloudfront.DistributionView, b Behavior, path string, out *Outcome) {
	res := e.obtain(r, d, b, path, &out.RequestID)
	if res.refusal == "" && res.resp.OnDisk() {
		// A body in memory cannot be gone; one in a file can.
		if body, err := res.resp.Open(); err == nil {
			body.Close()
		} else if errGone(err) {
			// Evicted or invalidated between the lookup and now: ask again.
			e.cache.Delete(res.key)
			res = e.obtain(r, d, b, path, &out.RequestID)
		}
	}
	if res.refusal != "" {
		e.refuse(w, r, out, d.Account, res.refusalStatus, res.refusal)
		return
	}
	defer res.release()
	e.noteResult(out, d, res, r)
	xcache := res.xcache
	ce, found := customErrorFor(d.Config, res.resp.Status)
	if !found {
		var sent string
		out.Status, sent, _ = e.sendOrRetry(w, r, res, xcache, &out.RequestID, 0)
		out.XCache = strings.TrimSuffix(sent, " from cloudfront")
		return
	}
	// The error is replaced by the custom error page, asked for as a
	// GET (HEAD for a HEAD) with none of the viewer's headers.
	out.CustomErrorPage = ce.page
	pr := r.Clone(r.Context())
	if pr.Method != http.MethodHead {
		pr.Method = http.MethodGet
	}
	pr.Header = http.Header{}
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		pr.Header.Set("X-Forwarded-For", xff)
	}
	pr.URL = &url.URL{Path: ce.page}
	pr.Body, pr.ContentLength = http.NoBody, 0
	pb, _ := SelectBehavior(d.Config, ce.page)
	page := e.obtain(pr, d, pb, ce.page, &out.RequestID)
	if page.refusal != "" {
		e.refuse(w, r, out, d.Account, page.refusalStatus, page.refusal)
		return
	}
	defer page.release()
	out.Status, _, _ = e.sendOrRetry(w, pr, page, xError, &out.RequestID, ce.code)
	out.XCache = "Error"
}

// sendOrRetry sends res; a body evicted since the lookup is answered with
// CloudFront's 502 (the next request fetches it again). It returns the
// status and the X-Cache sent.
func (e *Edge) sendOrRetry(w http.ResponseWriter, r *http.Request, res result, xcache string, cfID *CfID, override int) (int, string, error) {
	status, sent, err := e.send(w, r, res, xcache, cfID, override)
	if err != nil {
		e.cache.Delete(res.key)
		out := Outcome{RequestID: *cfID}
		e.refuse(w, r, &out, "", http.StatusBadGateway, ReasonCacheFailure)
		return http.StatusBadGateway, w.Header().Get("X-Cache"), err
	}
	return status, sent, nil
}

// noteResult records, for Explain and the request log, what answered the
// request: the origin request (a miss), the cached entry's origin request
// (a hit), or a cached error with its remaining TTL.
func (e *Edge) noteResult(out *Outcome, d *cloudfront.DistributionView, res result, r *http.Request) {
	l := link{distribution: d.ID, account: d.Account, status: res.resp.Status, access: res.access, viewer: viewerOf(r)}
	switch {
	case res.hit:
		l.origin, l.access = res.resp.OriginRequestID, "edge cache"
		if res.resp.Status >= 400 {
			// Copies: the entry's strings share one allocation with its
			// body, which the link must not keep alive.
			l.cached = &cachedError{
				reason: strings.Clone(res.resp.Reason), target: strings.Clone(res.key.Target()),
				stored: res.resp.Stored, expires: res.resp.Expires,
			}
			if l.origin == "" {
				l.reason = ReasonCustomOrigin
			}
			out.Reason = ReasonCachedError
		}
	case res.custom:
		l.reason, l.access = ReasonCustomOrigin, res.customURL
		l.website = websiteRequestID(d, res)
		out.OriginAccess = res.access
	default:
		l.origin = res.originID
		out.OriginRequestID, out.OriginAccess = res.originID, res.access
		out.Reason = res.resp.Reason
	}
	e.links.put(&out.RequestID, l)
}

// resolveOrigin returns the origin behavior b targets and what its
// domain is: an S3 REST endpoint or a custom origin. A missing origin,
// or an S3 website endpoint when the edge has no website endpoint, is a
// refusal (502).
func (e *Edge) resolveOrigin(d *cloudfront.DistributionView, b Behavior, cfID *CfID) (*cloudfront.Origin, cloudfront.OriginTarget, string) {
	o := originByID(d.Config, b.TargetOriginID)
	if o == nil {
		return nil, cloudfront.OriginTarget{}, ReasonNoOrigin
	}
	target := e.classifyOrigin(deref(o.DomainName))
	if target.Kind == cloudfront.OriginS3Website && e.website == nil {
		e.log.Warn("edge: no S3 website endpoint to fetch from; answering 502",
			"cf_id", cfID.String(), "distribution", d.ID, "origin", deref(o.Id), "domain", deref(o.DomainName))
		return nil, cloudfront.OriginTarget{}, ReasonOriginNotSupported
	}
	if target.Kind == cloudfront.OriginS3Website {
		// A website endpoint is a custom origin to CloudFront (no OAC or
		// OAI): fetched as one, which fetchCustom hands to e.website.
		target.Kind = cloudfront.OriginCustom
	}
	return o, target, ""
}

// classifyOrigin is cloudfront.ClassifyOrigin, memoized (a pure function
// of the domain; the memo holds the domains of configured origins, and
// is emptied when it passes maxRoutes entries).
func (e *Edge) classifyOrigin(domain string) cloudfront.OriginTarget {
	if v, ok := e.origins.Load(domain); ok {
		return v.(cloudfront.OriginTarget)
	}
	t := cloudfront.ClassifyOrigin(domain)
	if e.norigins.Add(1) > maxRoutes {
		e.origins.Clear()
		e.norigins.Store(0)
	}
	e.origins.Store(domain, t)
	return t
}

// customError is a CustomErrorResponse with a page.
type customError struct {
	page string
	code int // the status sent with the page
}

// customErrorFor returns the custom error response of cfg for an origin
// error status, ok=false when none has a ResponsePagePath. (One with only
// ErrorCachingMinTTL is about caching: errorRule.)
func customErrorFor(cfg *cloudfront.DistributionConfig, status int) (customError, bool) {
	if status < 400 || cfg == nil || cfg.CustomErrorResponses == nil {
		return customError{}, false
	}
	for _, c := range cfg.CustomErrorResponses.Items {
		if c.ErrorCode == nil || int(*c.ErrorCode) != status || deref(c.ResponsePagePath) == "" {
			continue
		}
		code, err := strconv.Atoi(deref(c.ResponseCode))
		if err != nil {
			code = status
		}
		return customError{page: *c.ResponsePagePath, code: code}, true
	}
	return customError{}, false
}

// originByID returns the origin of cfg with id, nil if none.
func originByID(cfg *cloudfront.DistributionConfig, id string) *cloudfront.Origin {
	if cfg == nil || cfg.Origins == nil {
		return nil
	}
	for i := range cfg.Origins.Items {
		if deref(cfg.Origins.Items[i].Id) == id {
			return &cfg.Origins.Items[i]
		}
	}
	return nil
}

// validViewerPath reports whether the request-URI is one CloudFront would
// forward: an origin-form path starting with "/" with no control
// characters once decoded. The path is otherwise kept verbatim: S3 keys
// may contain "..", "//" and "./", and CloudFront does not normalise them
// for S3 origins.
func validViewerPath(r *http.Request) bool {
	if r.URL == nil || r.URL.Opaque != "" || !strings.HasPrefix(r.URL.Path, "/") {
		return false
	}
	for i := 0; i < len(r.URL.Path); i++ {
		if c := r.URL.Path[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// setEdgeHeaders adds the headers CloudFront puts on every viewer response
// (spec §5.9): X-Cache, Via, X-Amz-Cf-Pop and X-Amz-Cf-Id.
func (e *Edge) setEdgeHeaders(h http.Header, id, xcache string) {
	h.Set("X-Cache", xcache)
	h.Set("Via", e.via)
	h.Set("X-Amz-Cf-Pop", Pop)
	h.Set("X-Amz-Cf-Id", id)
}

// xCacheFor is the X-Cache value of an uncached response with status.
func xCacheFor(status int) string {
	if status >= 400 {
		return "Error from cloudfront"
	}
	return "Miss from cloudfront"
}

// HitHeaders are the response headers the edge sets itself on every
// response from its cache (spec §5.9, and the framing): a cache built
// with these as cache.Config.Unstored keeps none of them, so that a
// stored header block is sent as it is next to them (send).
var HitHeaders = []string{"X-Cache", "Via", "X-Amz-Cf-Pop", "X-Amz-Cf-Id", "Age", "Content-Length"}

// received is the time origin requests are stamped with; a variable for
// tests.
var received = time.Now
