package edge

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/cache"
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
)

// ServicePrincipal is how S3 and KMS see an origin request CloudFront
// signs for an origin access control (spec §4.4).
var ServicePrincipal = identity.Principal{Type: identity.Service, ARN: "cloudfront.amazonaws.com", UserID: "cloudfront.amazonaws.com"}

// userAgent is the User-Agent of every origin request (spec §5.5).
const userAgent = "Amazon CloudFront"

// forwardedHeaders are the viewer headers an origin request always
// carries: Range and the conditional headers (spec §5.5; dropped again by
// applyPolicy when the cache fetches a whole object); for methods with a
// body, bodyHeaders too. Other viewer headers, query
// strings and cookies are forwarded only as the behavior's cache policy
// and origin request policy (or legacy ForwardedValues) say: applyPolicy.
var forwardedHeaders = []string{
	"Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since",
}

// bodyHeaders describe a request's body: an origin request carries them
// only for methods that forward the viewer's body (not GET, HEAD or
// OPTIONS), unless a policy forwards them (applyPolicy).
var bodyHeaders = []string{"Content-Type", "Content-Md5", "Content-Encoding", "Content-Disposition", "Content-Language"}

// OriginAccess is the identity an origin request is made as, and the
// condition keys that come with it.
type OriginAccess struct {
	Principal identity.Principal
	// Context holds extra condition keys, lowercased: aws:sourcearn and
	// aws:sourceaccount for origin access control.
	Context map[string][]string
	// Note says why, for logs ("OAC E123 signs (always)").
	Note string
	// ViewerAuthorization: an OAC with SigningBehavior no-override and a
	// viewer request with an Authorization header. CloudFront does not
	// sign; the origin request carries the viewer's Authorization when
	// the cache policy forwards it (applyPolicy), and S3 authenticates
	// that as it would any request (fetchS3). Principal is then the
	// anonymous user, who S3 sees when the header was not forwarded.
	ViewerAuthorization bool
}

// ForwardedAuthenticator is implemented by an S3Origin that
// authenticates an origin request's own Authorization header as S3
// authenticates any request: AuthenticateForwarded sets c.Principal and
// c.Auth (and r.Body) for a valid signature of a known key, otherwise
// writes S3's error response (SignatureDoesNotMatch, InvalidAccessKeyId,
// 400 InvalidArgument "Unsupported Authorization Type", ...) to w and
// returns it.
type ForwardedAuthenticator interface {
	AuthenticateForwarded(w http.ResponseWriter, r *http.Request, c *reqctx.Call) *awsapi.Error
}

// OriginAccessFor decides who S3 sees as the caller of an origin request
// to origin o of distribution d (spec §4.3, §4.4, §4.5, §4.6):
//
//   - an origin access control with SigningBehavior always: CloudFront's
//     service principal, with aws:SourceArn the distribution's ARN and
//     aws:SourceAccount its account;
//   - no-override: the same when the viewer sent no Authorization. With
//     one, CloudFront does not sign and passes the viewer's Authorization
//     along (when the cache policy forwards it): ViewerAuthorization, and
//     S3 authenticates the viewer's header itself (fetchS3);
//   - never: the anonymous user;
//   - an origin access identity (S3OriginConfig.OriginAccessIdentity
//     "origin-access-identity/cloudfront/ID"): the OAI's principal, its
//     ARN and S3 canonical user id;
//   - neither: the anonymous user.
//
// An OAC or OAI that no longer exists (it cannot be deleted while in use,
// so only a corrupted state gets here) also means anonymous.
func (e *Edge) OriginAccessFor(d *cloudfront.DistributionView, o *cloudfront.Origin, viewerAuthorization bool) OriginAccess {
	if id := deref(o.OriginAccessControlId); id != "" {
		cfg, _, ok := e.cf.OriginAccessControl(id)
		if !ok {
			return OriginAccess{Principal: identity.AnonymousPrincipal, Note: "OAC " + id + " not found: anonymous"}
		}
		switch b := deref(cfg.SigningBehavior); b {
		case "never":
			return OriginAccess{Principal: identity.AnonymousPrincipal, Note: "OAC " + id + " never signs: anonymous"}
		case "no-override":
			if viewerAuthorization {
				return OriginAccess{Principal: identity.AnonymousPrincipal, ViewerAuthorization: true,
					Note: "OAC " + id + " does not sign (no-override): the viewer sent Authorization"}
			}
		}
		{ // always, or no-override without a viewer Authorization
			note := "OAC " + id + " signs (" + deref(cfg.SigningBehavior) + ")"
			return OriginAccess{
				Principal: ServicePrincipal,
				Context: map[string][]string{
					"aws:sourcearn":     {d.ARN},
					"aws:sourceaccount": {d.Account},
				},
				Note: note,
			}
		}
	}
	if s3c := o.S3OriginConfig; s3c != nil {
		if ref := deref(s3c.OriginAccessIdentity); ref != "" {
			id := strings.TrimPrefix(ref, "origin-access-identity/cloudfront/")
			oai, ok := e.cf.OAIByID(id)
			if !ok {
				return OriginAccess{Principal: identity.AnonymousPrincipal, Note: "OAI " + id + " not found: anonymous"}
			}
			return OriginAccess{
				Principal: identity.Principal{
					Type: identity.OAI, ARN: cloudfront.OAIARN(oai.ID), CanonicalID: oai.CanonicalID,
					// aws:userid of an OAI is UNCONFIRMED: its id stands in.
					UserID:      oai.ID,
					DisplayName: "CloudFront Origin Access Identity " + oai.ID,
				},
				Note: "OAI " + oai.ID,
			}
		}
	}
	return OriginAccess{Principal: identity.AnonymousPrincipal, Note: "no OAC or OAI: anonymous"}
}

// S3OriginPath returns the path of the path-style origin request for
// viewer path p: "/" + bucket + OriginPath + p. p is kept verbatim (not
// cleaned: "a/../b" is a key of its own in S3).
func S3OriginPath(bucket, originPath, p string) string {
	return "/" + bucket + strings.TrimSuffix(originPath, "/") + p
}

// originHost is the Host of origin requests: the regional S3 endpoint in
// path style, which names no bucket itself.
func originHost(region string) string {
	if region == "" {
		return "s3.amazonaws.com"
	}
	return "s3." + region + ".amazonaws.com"
}

// NewOriginRequest builds the origin request for viewer request r, sent
// to bucket (in region, "" if unknown) at path (S3OriginPath): the
// viewer's method, no query string (this slice forwards none, as the
// CachingOptimized policy and ForwardedValues QueryString=false do),
// forwardedHeaders, User-Agent "Amazon CloudFront", X-Amz-Cf-Id cfID,
// Via, and X-Forwarded-For with the viewer's address appended. Only
// methods other than GET, HEAD and OPTIONS carry the viewer's body and
// the headers that describe it (bodyHeaders).
func (e *Edge) NewOriginRequest(ctx context.Context, r *http.Request, region, path, cfID string) *http.Request {
	u := &url.URL{Path: path}
	h := make(http.Header, len(forwardedHeaders)+4)
	for _, k := range forwardedHeaders {
		if v, ok := r.Header[k]; ok {
			h[k] = append([]string(nil), v...)
		}
	}
	h.Set("User-Agent", userAgent)
	h.Set("X-Amz-Cf-Id", cfID)
	h.Set("Via", e.via)
	viewerIP := r.RemoteAddr
	if host, _, err := net.SplitHostPort(viewerIP); err == nil {
		viewerIP = host
	}
	if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
		h.Set("X-Forwarded-For", xff+", "+viewerIP)
	} else if viewerIP != "" {
		h.Set("X-Forwarded-For", viewerIP)
	}
	or := &http.Request{
		Method: r.Method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Host: originHost(region), RemoteAddr: r.RemoteAddr, RequestURI: u.RequestURI(),
		TLS: r.TLS, Body: http.NoBody,
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		for _, k := range bodyHeaders {
			if v, ok := r.Header[k]; ok {
				h[k] = append([]string(nil), v...)
			}
		}
		or.Body, or.ContentLength = r.Body, r.ContentLength
		or.TransferEncoding = r.TransferEncoding
		if r.ContentLength >= 0 && len(r.TransferEncoding) == 0 {
			h.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
		}
	}
	return or.WithContext(ctx)
}

// fetchS3 makes origin request or (built by NewOriginRequest from
// viewer request r) to edgegate's S3 in-process as access says, with
// request id originID, writing S3's answer to w.
//
// An origin request CloudFront does not sign (an OAC with no-override and
// a viewer Authorization, access.ViewerAuthorization; never; no OAC or
// OAI) that carries the viewer's Authorization (a cache policy forwards
// it) is authenticated by the origin (ForwardedAuthenticator) as S3 would:
// the viewer's signature must be valid for the origin request as it is.
// A request CloudFront signs (always, an OAI) carries CloudFront's
// signature, never the viewer's.
// An origin that cannot authenticate gets the request without the header,
// as the anonymous user: edgegate never trusts a signature it has not
// verified.
func (e *Edge) fetchS3(w http.ResponseWriter, r, or *http.Request, access OriginAccess, originID string) *awsapi.Error {
	c := &reqctx.Call{
		RequestID: originID,
		Principal: access.Principal,
		// The origin request comes from the edge, not the viewer (whose
		// address is in X-Forwarded-For): aws:SourceIp is the address the
		// viewer reached this server on.
		SourceIP: localIP(r),
		Secure:   r.TLS != nil,
		Received: received(),
		Context:  access.Context,
	}
	if access.Principal.IsAnonymous() && or.Header.Get("Authorization") != "" {
		fa, ok := e.s3.(ForwardedAuthenticator)
		if !ok {
			or.Header.Del("Authorization")
		} else if ae := fa.AuthenticateForwarded(w, or, c); ae != nil {
			return ae
		}
	} else {
		// Only a verified viewer signature reaches S3 as one.
		or.Header.Del("Authorization")
	}
	return e.s3.ServeS3(w, or, c)
}

// localIP is the address the viewer's connection reached, without port;
// 127.0.0.1 when unknown.
func localIP(r *http.Request) string {
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		if host, _, err := net.SplitHostPort(a.String()); err == nil {
			return host
		}
	}
	return "127.0.0.1"
}

// edgeOwned are the origin request headers the edge sets itself, whatever
// the viewer sent and the policies forward.
var edgeOwned = map[string]bool{"X-Amz-Cf-Id": true, "Via": true, "X-Forwarded-For": true, "Cookie": true,
	"Accept-Encoding": true, "Host": true, "Content-Length": true}

// validationHeaders are the viewer's Range and conditional headers: the
// cache answers them itself from a whole object (serveResponse), so a
// fetch for the cache does not forward them.
var validationHeaders = []string{"Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"}

// applyPolicy adds to origin request or what policy p forwards of viewer
// request r (spec §5.5, cache and origin request policies): the selected
// query strings in the viewer's order, the selected headers (User-Agent
// and Authorization included when selected; hop-by-hop headers never),
// Authorization only when the cache policy names it (origin request
// policies cannot forward it), the selected cookies sorted by name, and the normalized Accept-Encoding
// when the cache policy enables gzip or brotli (the viewer's own when a
// policy forwards Accept-Encoding otherwise). forCache drops the Range and
// conditional headers: the cache fetches whole objects and revalidates
// with its own validators.
func applyPolicy(or, r *http.Request, p cachePolicy, forCache bool) {
	if q := cache.FilterQuery(r.URL.RawQuery, p.query); q != "" {
		or.URL.RawQuery = q
		if or.RequestURI != "" {
			or.RequestURI = or.URL.RequestURI()
		}
	}
	for k, v := range r.Header {
		if edgeOwned[k] || cache.IsHopByHop(k) || !p.headers.Includes(k) {
			continue
		}
		if strings.HasPrefix(k, "X-Edgegate-") {
			// edgegate's control headers (the operator token, operator
			// context, viewer country) never leave the edge, whatever a
			// policy forwards: an origin must not learn the token.
			continue
		}
		if k == "Authorization" && !p.key.Headers.Includes(k) {
			continue // only a cache policy can forward Authorization
		}
		or.Header[k] = append([]string(nil), v...)
	}
	if c := cache.FilterCookies(r.Header, p.cookies); c != "" {
		or.Header.Set("Cookie", c)
	}
	if ae := cache.NormalizeAcceptEncoding(r.Header.Get("Accept-Encoding"), p.key.Gzip, p.key.Brotli); ae != "" {
		or.Header.Set("Accept-Encoding", ae)
	} else if v := r.Header.Get("Accept-Encoding"); v != "" && p.headers.Includes("Accept-Encoding") {
		or.Header.Set("Accept-Encoding", v)
	}
	if forCache {
		for _, k := range validationHeaders {
			or.Header.Del(k)
		}
	}
}
