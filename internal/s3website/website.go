// Package s3website is S3's static website endpoint: the answers a bucket
// with a website configuration gives at BUCKET.s3-website-REGION.amazonaws.com
// (or BUCKET.s3-website.REGION.amazonaws.com, or edgegate's local
// BUCKET.s3-website.localhost), to viewers and to CloudFront distributions
// whose origin is that endpoint.
//
// Unlike the REST endpoint it serves GET and HEAD only, anonymously (a
// request is never signed, and one that carries a signature is not
// verified), over plain HTTP; it answers with index documents for the root
// and every "folder", redirects (RedirectAllRequestsTo, routing rules, the
// 302 of a folder asked for without its slash), the bucket's custom error
// document for 4xx errors, and S3's HTML error pages otherwise. Object
// reads go through internal/s3 (Service.ServeWebsiteObject), which
// authorizes them exactly as anonymous REST GetObject requests. What is
// served and what is not is in docs/website.md.
package s3website

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/s3"
)

// Origin is what the website endpoint needs of internal/s3 (*s3.Service).
type Origin interface {
	// Website returns the bucket's website configuration and Region, or
	// NoSuchBucket / NoSuchWebsiteConfiguration.
	Website(ctx context.Context, bucket string) (*s3.WebsiteConfiguration, string, *awsapi.Error)
	// WebsiteObjectExists reports whether bucket holds key.
	WebsiteObjectExists(ctx context.Context, bucket, key string) (bool, error)
	// ServeWebsiteObject writes the object, or returns the error to render
	// without writing anything; status, if set, replaces a 200.
	ServeWebsiteObject(w http.ResponseWriter, r *http.Request, c *reqctx.Call, bucket, key string, status int) *awsapi.Error
}

// Endpoint answers website requests. It is safe for concurrent use.
type Endpoint struct {
	origin Origin
}

// New returns the website endpoint over origin.
func New(origin Origin) *Endpoint { return &Endpoint{origin: origin} }

// Outcome is what one website request came to, for the request log.
type Outcome struct {
	Bucket string
	Key    string // the object read ("" if none)
	Status int
	// Code is the S3 error code of an error answer ("" otherwise, and for
	// a redirect).
	Code string
}

// ServeHTTP answers r as a website request from the anonymous user whose
// address is r.RemoteAddr, with a fresh request id: what CloudFront's
// origin requests to a website origin are (internal/edge). The bucket
// comes from r.Host (ParseHost).
func (e *Endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := r.RemoteAddr
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	c := &reqctx.Call{
		RequestID: awsapi.NewRequestID(), Principal: identity.AnonymousPrincipal,
		SourceIP: ip, Secure: r.TLS != nil, Received: time.Now(),
	}
	e.Serve(w, r, c)
}

// Serve answers website request r as c (whose principal is the anonymous
// user), in S3's order. The bucket is the one r.Host names (ParseHost),
// or for any other Host the bucket named like it (cnameBucket).
//
//  1. a method other than GET or HEAD: 405 MethodNotAllowed;
//  2. the bucket must exist (404 NoSuchBucket) and have a website
//     configuration (404 NoSuchWebsiteConfiguration); a regional host
//     naming another Region than the bucket's is 400 IncorrectEndpoint;
//  3. RedirectAllRequestsTo: 301 to its host, same path;
//  4. the first routing rule without HttpErrorCodeReturnedEquals whose
//     KeyPrefixEquals prefixes the key: its redirect;
//  5. the root and keys ending in "/" read the index document under
//     them; another key that is no object, when KEY/INDEX exists, is
//     302 to /KEY/;
//  6. the object is read (internal/s3 authorizes it: 403 AccessDenied,
//     404 NoSuchKey, ...);
//  7. on an error, the first routing rule whose HttpErrorCodeReturnedEquals
//     is its status (and KeyPrefixEquals, if set, prefixes the key)
//     redirects; else a 4xx error sends the error document, if one is
//     configured and readable, with the error's status; else S3's HTML
//     error page, noting the error document's own failure.
//
// Every answer carries x-amz-request-id (c.RequestID), x-amz-id-2 and
// Server: AmazonS3; errors also x-amz-error-code and x-amz-error-message.
// The order of 1 and 2 and the exact 302 Location (a path, "/KEY/") are
// UNCONFIRMED.
func (e *Endpoint) Serve(w http.ResponseWriter, r *http.Request, c *reqctx.Call) Outcome {
	h := w.Header()
	h.Set("X-Amz-Request-Id", c.RequestID)
	h.Set("X-Amz-Id-2", awsapi.HostID(c.RequestID))
	h.Set("Server", "AmazonS3")
	bucket, region, ok := ParseHost(r.Host)
	if !ok {
		bucket = cnameBucket(r.Host)
	}
	out := Outcome{Bucket: bucket}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		e.fail(w, r, c, &out, errMethodNotAllowed.With("Method", r.Method).With("ResourceType", "OBJECT"), nil)
		return out
	}
	ctx := r.Context()
	cfg, bucketRegion, ae := e.origin.Website(ctx, bucket)
	if ae != nil {
		e.fail(w, r, c, &out, ae, nil)
		return out
	}
	if region != "" && bucketRegion != "" && region != bucketRegion {
		e.fail(w, r, c, &out, errIncorrectEndpoint.With("Endpoint", endpointFor(r.Host, bucket, bucketRegion)), nil)
		return out
	}
	key := requestKey(r.URL.Path)
	if ra := cfg.RedirectAllRequestsTo; ra != nil {
		e.redirect(w, &out, redirectAll(ra, key))
		return out
	}
	if rule, ok := matchRule(cfg.RoutingRules, key, 0); ok {
		e.redirect(w, &out, ruleRedirect(rule, key, r.Host))
		return out
	}
	objKey := indexKey(key, cfg.IndexDocumentSuffix)
	if idx := folderIndex(key, cfg.IndexDocumentSuffix); idx != "" {
		if exists, err := e.origin.WebsiteObjectExists(ctx, bucket, key); err == nil && !exists {
			if idxExists, err := e.origin.WebsiteObjectExists(ctx, bucket, idx); err == nil && idxExists {
				e.redirect(w, &out, redirect{status: http.StatusFound, location: escapeKeyPath(key + "/")})
				return out
			}
		}
	}
	out.Key = objKey
	ae = e.origin.ServeWebsiteObject(w, r, c, bucket, objKey, 0)
	if ae == nil {
		if sw, ok := w.(interface{ Status() int }); ok {
			out.Status = sw.Status()
		} else {
			out.Status = http.StatusOK
		}
		return out
	}
	if rule, ok := matchRule(cfg.RoutingRules, key, ae.Status); ok {
		e.redirect(w, &out, ruleRedirect(rule, key, r.Host))
		return out
	}
	var docErr *awsapi.Error
	if doc := cfg.ErrorDocumentKey; doc != "" && ae.Status >= 400 && ae.Status < 500 {
		setErrorHeaders(h, ae)
		// The error document is read as its own anonymous GET (HEAD for a
		// HEAD), recorded under its own request id so that explain of
		// c.RequestID shows the decision that failed.
		dc := *c
		dc.RequestID = awsapi.NewRequestID()
		if docErr = e.origin.ServeWebsiteObject(w, r, &dc, bucket, doc, ae.Status); docErr == nil {
			out.Status, out.Code = ae.Status, ae.Code
			return out
		}
	}
	e.fail(w, r, c, &out, ae, docErr)
	return out
}

// cnameBucket is the bucket a Host that is no website endpoint name
// addresses: the whole name, lowercased, without port or trailing dot, as
// S3 resolves a CNAME pointing at a website endpoint (user guide, "Adding
// a DNS CNAME"). A CloudFront origin request that forwards the viewer's
// Host therefore asks for a bucket named like the viewer's domain.
func cnameBucket(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.TrimSuffix(strings.ToLower(host), ".")
}

// Website errors of the endpoint itself (observed responses).
var (
	errMethodNotAllowed  = awsapi.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	errIncorrectEndpoint = awsapi.New(http.StatusBadRequest, "IncorrectEndpoint", "The specified bucket exists in another region. Please direct requests to the specified endpoint.")
)

// endpointFor is the website endpoint of bucket in region, in the form
// (dash or dot) of the host the request used (UNCONFIRMED: S3 may always
// name the Region's own form).
func endpointFor(host, bucket, region string) string {
	if strings.Contains(strings.ToLower(host), ".s3-website.") {
		return bucket + ".s3-website." + region + ".amazonaws.com"
	}
	return bucket + ".s3-website-" + region + ".amazonaws.com"
}

// redirect answers a redirect: status, Location, an empty body.
func (e *Endpoint) redirect(w http.ResponseWriter, out *Outcome, rd redirect) {
	h := w.Header()
	h.Set("Location", rd.location)
	h.Set("Content-Length", "0")
	w.WriteHeader(rd.status)
	out.Status = rd.status
}

// fail answers err as S3's HTML error page (headers only for HEAD), noting
// docErr, the error document's own failure, if any.
func (e *Endpoint) fail(w http.ResponseWriter, r *http.Request, c *reqctx.Call, out *Outcome, err, docErr *awsapi.Error) {
	h := w.Header()
	for k, v := range err.Header { // X-Edgegate-Denial-Reason, when turned on
		h[k] = v
	}
	setErrorHeaders(h, err)
	out.Status, out.Code = err.Status, err.Code
	body := errorPage(err, c.RequestID, docErr)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(err.Status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
