// Package edge is the viewer side of CloudFront: it answers requests sent
// to a distribution's domain name (or one of its aliases) for the
// distributions of internal/cloudfront, fetching from edgegate's own S3
// in-process.
//
// This first slice has no cache: every request that passes the viewer
// checks becomes one origin request, and every response says "Miss from
// cloudfront" (or "Error from cloudfront"). What it does and what is not
// done yet is in docs/edge.md.
//
// Because origin requests never leave the process, the principal S3 sees
// (CloudFront's service principal for origin access control, an origin
// access identity, or the anonymous user) is chosen by the edge from the
// distribution's configuration alone: no viewer can present it.
package edge

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
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
}

// Pop is the X-Amz-Cf-Pop every response carries: edgegate has a single
// edge location. Real values are an airport code and a number ("IAD89-C1");
// EDG is no airport's code, so it cannot be mistaken for a real POP.
const Pop = "EDG1-C1"

// Edge serves viewer requests. It is safe for concurrent use.
type Edge struct {
	cf           *cloudfront.Service
	s3           S3Origin
	traces       *traces.Store
	log          *slog.Logger
	reasonHeader bool
	// via is the Via header value, fixed for the process as a single
	// edge server's is: "1.1 <32 hex>.cloudfront.net (CloudFront)".
	via   string
	links *linkStore
}

// New returns an Edge over cfg's services.
func New(cfg Config) *Edge {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	return &Edge{
		cf: cfg.CloudFront, s3: cfg.S3, traces: cfg.Traces, log: cfg.Logger,
		reasonHeader: cfg.DenialReasonHeader,
		via:          "1.1 " + hex.EncodeToString(b[:]) + ".cloudfront.net (CloudFront)",
		links:        newLinkStore(cfg.LinkCapacity),
	}
}

// Via returns the Via header value of this edge.
func (e *Edge) Via() string { return e.via }

// Route tells whether a viewer's Host belongs to the edge: a distribution's
// domain name or alias (d set), or a name under the distribution domain
// suffix that no distribution has (d nil, mine true: CloudFront answers it
// with its own 403). Any other host (mine false) is not the edge's.
func (e *Edge) Route(host string) (d *cloudfront.DistributionView, mine bool) {
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
	RequestID string
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
	// CloudFrontMethodNotAllowed, ...) or the origin's error code; "" for
	// a success.
	Reason string
}

// Serve answers one viewer request for distribution d (nil: a host under
// the distribution domain suffix that names no distribution). Route
// chose d. The pipeline (spec §5.1; no geo restriction, WAF or signed
// URLs yet): distribution enabled, request-URI valid, cache behavior
// selection, method check, viewer protocol policy, default root object,
// origin request.
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

// forward fetches path through behavior b's origin and answers the
// viewer. An origin error whose status has a custom error response with
// a ResponsePagePath (spec §5.7) is not passed through: the page is
// fetched instead, through the behavior its path selects, and sent with
// the ResponseCode. The explanation stays the original origin request's.
func (e *Edge) forward(w http.ResponseWriter, r *http.Request, d *cloudfront.DistributionView, b Behavior, path string, out *Outcome) {
	o, target, ok := e.originFor(w, r, d, b, out)
	if !ok {
		return
	}
	if target.Kind == cloudfront.OriginCustom {
		e.fetchCustom(w, r, d, o, path, out)
		return
	}
	var ce customError
	vw := &viewerWriter{ResponseWriter: w, e: e, id: out.RequestID, intercept: func(status int) bool {
		var found bool
		ce, found = customErrorFor(d.Config, status)
		return found
	}}
	access := e.OriginAccessFor(d, o, r.Header.Get("Authorization") != "")
	out.OriginAccess = access.Note
	out.OriginRequestID = awsapi.NewRequestID()
	e.links.put(out.RequestID, link{distribution: d.ID, account: d.Account, origin: out.OriginRequestID, access: access.Note})
	or := e.NewOriginRequest(r.Context(), r, target.Region, S3OriginPath(target.Bucket, deref(o.OriginPath), path), out.RequestID)
	addCustomHeaders(or.Header, o)
	if ae := e.fetchS3(vw, r, or, access, out.OriginRequestID); ae != nil {
		out.Reason = ae.Code
	}
	out.Status = vw.Status()
	if !vw.held {
		return
	}
	// The origin's error is replaced by the custom error page.
	out.CustomErrorPage = ce.page
	pb, _ := SelectBehavior(d.Config, ce.page)
	po, ptarget, ok := e.originFor(w, r, d, pb, out)
	if !ok {
		return
	}
	pr := r.Clone(r.Context())
	if pr.Method != http.MethodHead {
		pr.Method = http.MethodGet
	}
	pr.Header = http.Header{}
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		pr.Header.Set("X-Forwarded-For", xff)
	}
	pr.Body, pr.ContentLength = http.NoBody, 0
	if ptarget.Kind == cloudfront.OriginCustom {
		// A page on a custom origin is passed through with its own
		// status: ResponseCode is applied to S3 pages only (docs/edge.md).
		e.fetchCustom(w, pr, d, po, ce.page, out)
		return
	}
	paccess := e.OriginAccessFor(d, po, false)
	por := e.NewOriginRequest(r.Context(), pr, ptarget.Region, S3OriginPath(ptarget.Bucket, deref(po.OriginPath), ce.page), out.RequestID)
	addCustomHeaders(por.Header, po)
	pw := &viewerWriter{ResponseWriter: w, e: e, id: out.RequestID, override: ce.code}
	e.fetchS3(pw, pr, por, paccess, awsapi.NewRequestID())
	out.Status = pw.sent
}

// originFor returns the origin behavior b targets and what its domain
// is: an S3 REST endpoint or a custom origin. A missing origin, or an S3
// website endpoint (not served yet), is answered with CloudFront's 502
// and ok=false.
func (e *Edge) originFor(w http.ResponseWriter, r *http.Request, d *cloudfront.DistributionView, b Behavior, out *Outcome) (*cloudfront.Origin, cloudfront.OriginTarget, bool) {
	o := originByID(d.Config, b.TargetOriginID)
	if o == nil {
		e.refuse(w, r, out, d.Account, http.StatusBadGateway, ReasonNoOrigin)
		return nil, cloudfront.OriginTarget{}, false
	}
	target := cloudfront.ClassifyOrigin(deref(o.DomainName))
	if target.Kind == cloudfront.OriginS3Website {
		e.log.Warn("edge: S3 website origins are not served yet; answering 502",
			"cf_id", out.RequestID, "distribution", d.ID, "origin", deref(o.Id), "domain", deref(o.DomainName))
		e.refuse(w, r, out, d.Account, http.StatusBadGateway, ReasonOriginNotSupported)
		return nil, cloudfront.OriginTarget{}, false
	}
	return o, target, true
}

// customError is a CustomErrorResponse with a page.
type customError struct {
	page string
	code int // the status sent with the page
}

// customErrorFor returns the custom error response of cfg for an origin
// error status, ok=false when none has a ResponsePagePath. (One with only
// ErrorCachingMinTTL is about caching, which this slice does not do.)
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

// newCfID returns a fresh X-Amz-Cf-Id: 40 random bytes in URL-safe
// base64, 56 characters ending "==" like CloudFront's.
func newCfID() string {
	var b [40]byte
	_, _ = rand.Read(b[:])
	return base64.URLEncoding.EncodeToString(b[:])
}

// viewerWriter passes the origin's response through to the viewer, adding
// the edge's headers when the status is known.
type viewerWriter struct {
	http.ResponseWriter
	e  *Edge
	id string
	// intercept, if set, is asked when the status is known whether the
	// response is to be held back (a custom error response replaces it):
	// then its headers are dropped and its body discarded.
	intercept func(status int) bool
	// override, if set, replaces a successful status: the ResponseCode of
	// a custom error page. X-Cache then says Error.
	override int
	status   int // the origin's status
	sent     int // the status sent to the viewer
	held     bool
}

func (w *viewerWriter) WriteHeader(code int) {
	if w.status != 0 {
		if !w.held {
			w.ResponseWriter.WriteHeader(code) // net/http logs the superfluous call
		}
		return
	}
	w.status = code
	if w.intercept != nil && w.intercept(code) {
		w.held = true
		clear(w.ResponseWriter.Header())
		return
	}
	xcache := xCacheFor(code)
	if w.override != 0 && code < 300 {
		code, xcache = w.override, "Error from cloudfront"
	}
	w.sent = code
	w.e.setEdgeHeaders(w.ResponseWriter.Header(), w.id, xcache)
	w.ResponseWriter.WriteHeader(code)
}

func (w *viewerWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.held {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps net/http's sendfile path for object bodies.
func (w *viewerWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.held {
		return io.Copy(io.Discard, src)
	}
	return io.Copy(w.ResponseWriter, src)
}

// Status returns the origin's status so far (200 once a body was
// written): S3 records it as its own.
func (w *viewerWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *viewerWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// received is the time origin requests are stamped with; a variable for
// tests.
var received = time.Now
