package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/edge"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/s3"
	"github.com/edgegate/edgegate/internal/s3website"
	"github.com/edgegate/edgegate/internal/store"
	"github.com/edgegate/edgegate/internal/traces"
)

// ViewerRequest is a viewer request to simulate: what a browser would send
// to a distribution.
type ViewerRequest struct {
	// Method defaults to GET.
	Method string
	// URL is absolute: http(s)://HOST[:PORT]/PATH[?QUERY]; HOST is the
	// distribution's domain name or an alias, the scheme says whether the
	// viewer used TLS.
	URL    string
	Header http.Header
	// Country is the viewer's ISO 3166-1 alpha-2 country for geo
	// restriction ("" the server's --viewer-country).
	Country string
	// Reader, when not nil, is who will read the result: the explanation
	// is redacted to what that principal may see (another account's
	// policies and keys are not shown, as for explain by request id). nil
	// shows everything (the operator, the offline doctor).
	Reader *identity.Principal
}

// ViewerResult is what a simulated viewer request came to.
type ViewerResult struct {
	// Status, Code and Responder are the viewer's answer: the status, the
	// error code (S3's, or the edge's reason) and who produced it ("edge",
	// "origin", "cache").
	Status    int
	Code      string
	Responder string
	Header    http.Header
	// Explanation is the simulated request's explanation: the decision
	// trace and the findings, refined with Context. Its RequestID is the
	// simulation's own X-Amz-Cf-Id (it names no real request).
	Explanation *diagnose.Explanation
	Context     *diagnose.ViewerContext
	// DistributionAccount owns the distribution ("" for an unknown host).
	DistributionAccount string
}

// simulator is the edge pipeline SimulateViewer runs: the live server's
// CloudFront configuration, KMS and S3 data, through its own edge (no
// cache store, no request log), its own S3 service (no server access
// logs) and its own trace store, so that a simulation leaves no trace in
// the live server's logs, cache or explanations.
type simulator struct {
	edge   *edge.Edge
	traces *traces.Store
}

// simCapacity is how many simulated requests' decisions are kept.
const simCapacity = 1024

// newSimulator builds the simulation pipeline over the live S3 service's
// stores and caches (s3.Service.View).
func (s *Server) newSimulator() *simulator {
	tr := traces.New(simCapacity)
	origin := s.s3.View(tr)
	return &simulator{
		traces: tr,
		edge: edge.New(edge.Config{
			CloudFront: s.cf, S3: readOnlyOrigin{origin, s.authenticateForwarded}, Website: s3website.New(origin), Traces: tr, Logger: s.log,
			LinkCapacity: simCapacity, DefaultErrorCachingMinTTL: s.cfg.EdgeCache.ErrorTTL,
		}),
	}
}

// readOnlyOrigin answers origin requests that would change S3 (PUT, POST,
// DELETE, PATCH) with 501 instead of making them: a simulation reads.
type readOnlyOrigin struct {
	s    *s3.Service
	auth func(http.ResponseWriter, *http.Request, *reqctx.Call) *awsapi.Error
}

// errSimulatedWrite is the answer to a simulated write.
var errSimulatedWrite = awsapi.New(http.StatusNotImplemented, "NotImplemented",
	"edgegate simulates reads only: a write reaching the origin is not made")

func (o readOnlyOrigin) ServeS3(w http.ResponseWriter, r *http.Request, c *reqctx.Call) *awsapi.Error {
	if readMethod(r.Method) {
		return o.s.ServeS3(w, r, c)
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(errSimulatedWrite.Status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId></Error>",
		errSimulatedWrite.Code, errSimulatedWrite.Message, c.RequestID)
	return errSimulatedWrite
}

// errNotReadable: the Reader may not read the simulated request's
// explanation.
var errNotReadable = errors.New("not readable")

// ErrBadViewerRequest wraps SimulateViewer's input errors.
var ErrBadViewerRequest = errors.New("bad viewer request")

// SimulateViewer runs viewer request vr through the same edge pipeline
// live requests take (distribution, geo restriction, behavior, method,
// viewer protocol, default root object, origin access, S3 authorization,
// KMS, custom error pages) against the server's state now, without
// sending it: no cache is read or filled by the pipeline, no log or
// metric records it, and no write reaches S3 (a write is answered 501).
// The live cache is consulted once, read-only: a fresh cached error for
// the request's cache key is what the viewer would get, and leads the
// findings as CACHE-ERROR-TTL, followed by what the origin says now.
//
// Errors wrap ErrBadViewerRequest for a URL that is not absolute http(s)
// or a Host that is not the edge's (no distribution domain, alias or name
// under the distribution domain suffix).
func (s *Server) SimulateViewer(ctx context.Context, vr ViewerRequest) (*ViewerResult, error) {
	r, err := viewerHTTPRequest(ctx, vr)
	if err != nil {
		return nil, err
	}
	d, mine := s.edge.Route(r.Host)
	if !mine {
		return nil, fmt.Errorf("%w: %s is not a distribution's domain name or alias (nor under .%s)", ErrBadViewerRequest, r.Host, s.cf.DomainSuffix())
	}
	country := s.cfg.ViewerCountry
	if vr.Country != "" {
		if !edge.ValidCountryCode(vr.Country) {
			return nil, fmt.Errorf("%w: country %q is not an ISO 3166-1 alpha-2 code", ErrBadViewerRequest, vr.Country)
		}
		country = strings.ToUpper(vr.Country)
	}
	r = r.WithContext(edge.WithViewerCountry(r.Context(), country))
	w := httptest.NewRecorder()
	out := s.sim.edge.Serve(w, r, d)
	res := &ViewerResult{Status: w.Code, Header: w.Header(), Code: out.Reason}
	reader, operator := identity.Principal{}, true
	if vr.Reader != nil && d != nil {
		// (A Host that names no distribution has nothing to hide.)
		reader, operator = *vr.Reader, false
	}
	keys := s.keyLister(reader, operator)
	if d != nil {
		res.DistributionAccount = d.Account
		res.Context = s.sim.edge.ViewerContext(d, r, keys)
	}
	x, xerr, ok := s.sim.edge.ExplainWith(out.RequestID.String(), reader, operator, keys)
	switch {
	case !ok && w.Code >= 300 && w.Code < 400:
		// redirect-to-https: the edge answers alone and keeps no link.
		x = &diagnose.Explanation{RequestID: out.RequestID.String(), Status: w.Code, Responder: "edge", Operation: "CloudFront",
			Principal: "viewer", Findings: []diagnose.Finding{}, Trace: []diagnose.Step{}}
	case !ok:
		return nil, fmt.Errorf("server: the simulated request %s left no explanation", out.RequestID.String())
	case xerr != nil && xerr.Code == "NoSuchRequest":
		// S3 answered before any decision it records (a bucket that does
		// not exist): explain from the answer itself.
		x = untracedOrigin(out, w.Code, res.Context)
	case xerr != nil && xerr.Status == http.StatusForbidden:
		return nil, fmt.Errorf("%w: %s", errNotReadable, xerr.Message)
	case xerr != nil:
		return nil, fmt.Errorf("server: explaining the simulated request: %s", xerr.Message)
	}
	// The edge's links keep no query string: name KEY-QUERY with the
	// simulated request's context, which has the one forwarded.
	diagnose.RefineQuery(x, res.Context)
	res.Responder = x.Responder
	if out.Reason == edge.ReasonCustomOrigin || x.Responder == "origin" {
		res.Code = x.ErrorCode
	}
	if res.Status < 400 && out.CustomErrorPage == "" {
		res.Code = ""
	}
	if x.ErrorCode == errSimulatedWrite.Code && !readMethod(r.Method) {
		x.Findings = append(x.Findings, diagnose.Finding{ID: "SIM-WRITE", Certainty: diagnose.Possible,
			Summary:  "the request passed the edge's checks and would write to the origin; edgegate simulates reads only, so the origin's decision is not known",
			Evidence: []string{"method: " + r.Method}})
	}
	if ce, ok := s.edge.CachedError(r, d); ok {
		now := *x
		x = &diagnose.Explanation{RequestID: out.RequestID.String(), Status: ce.Status, ErrorCode: ce.Code, Responder: "cache",
			Operation: now.Operation, Principal: now.Principal, Trace: now.Trace,
			Findings: append([]diagnose.Finding{diagnose.CachedErrorFinding(ce)}, now.Findings...)}
		res.Status, res.Code, res.Responder = ce.Status, ce.Code, "cache"
	}
	x.Status, x.ErrorCode = res.Status, res.Code
	res.Explanation = x
	return res, nil
}

// untracedOrigin explains an origin answer S3 kept no decision trace for:
// ORG-FOREIGN-BUCKET for a bucket that does not exist, else the bare
// status with no finding.
func untracedOrigin(out edge.Outcome, status int, vc *diagnose.ViewerContext) *diagnose.Explanation {
	x := &diagnose.Explanation{RequestID: out.RequestID.String(), Status: status, ErrorCode: out.Reason, Responder: "origin",
		Operation: "CloudFront", Principal: "viewer", Findings: []diagnose.Finding{}, Trace: []diagnose.Step{}}
	if vc != nil && vc.OriginKind == "s3" && vc.OAC != "" && vc.OACSigning == "no-override" && forwardedAuthError[out.Reason] {
		// S3 refused the viewer's Authorization, which CloudFront passed
		// along unsigned.
		x.Findings = append(x.Findings, diagnose.OACNoOverrideFinding(vc, "",
			[]string{fmt.Sprintf("S3 answered %d %s to the viewer's Authorization", status, out.Reason)}))
	}
	if out.Reason == "NoSuchBucket" && vc != nil {
		x.Findings = append(x.Findings, diagnose.Finding{ID: "ORG-FOREIGN-BUCKET", Certainty: diagnose.Definite,
			Summary:  "the origin's bucket " + vc.Bucket + " does not exist (deleted, or never created in this account): S3 answers 404 NoSuchBucket",
			Evidence: []string{"origin " + vc.OriginID + ": " + vc.OriginDomain},
			Fix: &diagnose.Fix{Summary: "create the bucket " + vc.Bucket + " again (and its policy), or point the origin at the bucket that holds the content",
				Commands:   []string{"aws s3api create-bucket --bucket " + vc.Bucket},
				Unverified: "creating a bucket and its content is not a change of the exported configuration"}})
	}
	return x
}

// forwardedAuthError are S3's answers to an Authorization header it
// cannot authenticate (sigv4.Verifier.Verify).
var forwardedAuthError = map[string]bool{"SignatureDoesNotMatch": true, "InvalidAccessKeyId": true, "InvalidArgument": true,
	"AuthorizationHeaderMalformed": true, "InvalidRequest": true, "AccessDenied": true, "RequestTimeTooSkewed": true,
	"InvalidToken": true, "ExpiredToken": true, "XAmzContentSHA256Mismatch": true}

func readMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// viewerHTTPRequest builds the viewer's request as the listener would
// have received it.
func viewerHTTPRequest(ctx context.Context, vr ViewerRequest) (*http.Request, error) {
	u, err := url.Parse(vr.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: url %q: %v", ErrBadViewerRequest, vr.URL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: url %q is not an absolute http:// or https:// URL", ErrBadViewerRequest, vr.URL)
	}
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	method := strings.ToUpper(strings.TrimSpace(vr.Method))
	if method == "" {
		method = http.MethodGet
	}
	if strings.ContainsAny(method, " \t\r\n") {
		return nil, fmt.Errorf("%w: method %q", ErrBadViewerRequest, vr.Method)
	}
	r, err := http.NewRequestWithContext(ctx, method, u.String(), http.NoBody)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadViewerRequest, err)
	}
	for k, vs := range vr.Header {
		ck := http.CanonicalHeaderKey(k)
		if ck == "Host" {
			continue
		}
		for _, v := range vs {
			r.Header.Add(ck, v)
		}
	}
	// edgegate's control headers are the operator's, never a viewer's.
	for k := range r.Header {
		if strings.HasPrefix(k, "X-Edgegate-") {
			r.Header.Del(k)
		}
	}
	r.Host = u.Host
	r.RequestURI = u.RequestURI()
	r.RemoteAddr = "127.0.0.1:0"
	if u.Scheme == "https" {
		r.TLS = &tls.ConnectionState{HandshakeComplete: true, ServerName: u.Hostname()}
	}
	return r, nil
}

// keyLister lists a bucket's keys for near-miss findings, to the
// operator and to the bucket's owner.
func (s *Server) keyLister(caller identity.Principal, operator bool) edge.KeyLister {
	return func(bucket string) func(string, int) ([]string, bool) {
		ctx := context.Background()
		b, err := s.meta.GetBucket(ctx, bucket)
		if err != nil || (!operator && (caller.Account == "" || caller.Account != b.Owner)) {
			return nil
		}
		return func(prefix string, max int) ([]string, bool) {
			res, err := s.meta.ListObjects(ctx, bucket, store.ListOptions{Prefix: prefix, MaxKeys: max})
			if err != nil {
				return nil, false
			}
			keys := make([]string, 0, len(res.Objects))
			for i := range res.Objects {
				keys = append(keys, res.Objects[i].Key)
			}
			return keys, res.IsTruncated
		}
	}
}

// AuthenticateForwarded authenticates an origin request's forwarded
// viewer Authorization as the server does any S3 request
// (edge.ForwardedAuthenticator).
func (o readOnlyOrigin) AuthenticateForwarded(w http.ResponseWriter, r *http.Request, c *reqctx.Call) *awsapi.Error {
	return o.auth(w, r, c)
}
