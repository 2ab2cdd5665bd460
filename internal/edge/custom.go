package edge

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/edgegate/edgegate/internal/cloudfront"
)

// Custom origins (any origin that is not an S3 endpoint) are fetched over
// the network with net/http, as CloudFront does: the protocol and port
// come from CustomOriginConfig, Host is the origin's domain name, the
// request carries the same forwarded headers as an S3 origin request plus
// the origin's custom headers, and nothing is signed (origin access
// control applies to S3 origins only). S3 website endpoints are custom
// origins to CloudFront too: edgegate's own website endpoint answers them
// in-process (Config.Website), with the request it would receive over
// the network.

// Default CustomOriginConfig values (the control plane stores them when
// absent; these cover configurations made before it did).
const (
	defaultHTTPPort          = 80
	defaultHTTPSPort         = 443
	defaultConnectionTimeout = 10 * time.Second
	defaultReadTimeout       = 30 * time.Second
)

// hopByHop are the headers a proxy does not pass on (RFC 9110 §7.6.1).
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
}

// CustomOriginURL returns the URL of the origin request for viewer path p
// (no query string) to custom origin o: http or https per
// OriginProtocolPolicy (http-only, https-only, match-viewer with the
// viewer's secure flag), the matching port, OriginPath + p.
func CustomOriginURL(o *cloudfront.Origin, p string, viewerSecure bool) *url.URL {
	c := o.CustomOriginConfig
	if c == nil {
		c = &cloudfront.CustomOriginConfig{}
	}
	scheme := "https"
	switch deref(c.OriginProtocolPolicy) {
	case "http-only":
		scheme = "http"
	case "match-viewer":
		if !viewerSecure {
			scheme = "http"
		}
	}
	port := int64(defaultHTTPSPort)
	if scheme == "http" {
		port = defaultHTTPPort
		if c.HTTPPort != nil && *c.HTTPPort > 0 {
			port = *c.HTTPPort
		}
	} else if c.HTTPSPort != nil && *c.HTTPSPort > 0 {
		port = *c.HTTPSPort
	}
	host := strings.TrimSuffix(deref(o.DomainName), ".")
	if !(scheme == "http" && port == 80) && !(scheme == "https" && port == 443) {
		host = net.JoinHostPort(host, strconv.FormatInt(port, 10))
	}
	return &url.URL{Scheme: scheme, Host: host, Path: strings.TrimSuffix(deref(o.OriginPath), "/") + p}
}

// secondsOr converts a configured number of seconds, def when unset.
func secondsOr(v *int64, def time.Duration) time.Duration {
	if v == nil || *v <= 0 {
		return def
	}
	return time.Duration(*v) * time.Second
}

// fetchCustom forwards viewer request r for path to custom origin o,
// with what policy p forwards (forCache: a whole-object fetch for the
// cache, method set by the caller; validators revalidate a stale
// entry), and writes the answer to w
// (hop-by-hop headers dropped). A connection failure is no answer:
// refusal is then CloudFront's reason (502 CloudFrontOriginConnectError,
// or 504 CloudFrontOriginTimeout when no response headers came within
// OriginReadTimeout) and status its status; nothing was written to w. A
// body that breaks off is a 502 refusal too, after w got part of it, and
// one that stalls for OriginReadTimeout between two reads a 504.
func (e *Edge) fetchCustom(w http.ResponseWriter, r *http.Request, d *cloudfront.DistributionView, o *cloudfront.Origin, path, method, cfID string,
	p cachePolicy, forCache bool, validators http.Header) (u *url.URL, status int, refusal string) {
	u = CustomOriginURL(o, path, r.TLS != nil)
	// The origin request has a context of its own, cancelled when the
	// origin stalls mid-body (readTimeoutBody) or when this returns.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	or := e.NewOriginRequest(ctx, r, "", "", cfID)
	or.URL, or.Host, or.RequestURI, or.TLS, or.Method = u, u.Host, "", nil, method
	applyPolicy(or, r, p, forCache)
	for k, v := range validators {
		or.Header[k] = v
	}
	if p.headers.Includes("Host") {
		or.Host = r.Host // a custom origin may be given the viewer's Host
	}
	addCustomHeaders(or.Header, o)
	if e.website != nil && cloudfront.ClassifyOrigin(deref(o.DomainName)).Kind == cloudfront.OriginS3Website {
		if u.Scheme == "https" {
			// S3 website endpoints speak HTTP only: an https-only (or
			// match-viewer over https) website origin cannot be reached.
			e.log.Warn("edge: S3 website endpoints have no HTTPS; answering 502", "cf_id", cfID,
				"distribution", d.ID, "origin", deref(o.Id))
			return u, http.StatusBadGateway, ReasonOriginConnect
		}
		// edgegate's own website endpoint, in-process: the request is
		// what it would receive over the network (Host = the website
		// domain, anonymous).
		or.Host = strings.TrimSuffix(deref(o.DomainName), ".")
		or.RequestURI = or.URL.RequestURI()
		ww := &statusRecorder{ResponseWriter: w}
		e.website.ServeHTTP(ww, or)
		return u, ww.status(), ""
	}
	c := o.CustomOriginConfig
	if c == nil {
		c = &cloudfront.CustomOriginConfig{}
	}
	connect := secondsOr(o.ConnectionTimeout, defaultConnectionTimeout)
	read := secondsOr(c.OriginReadTimeout, defaultReadTimeout)
	client := &http.Client{Transport: e.transportFor(connect, read), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(or)
	if err != nil {
		status, refusal = http.StatusBadGateway, ReasonOriginConnect
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			status, refusal = http.StatusGatewayTimeout, ReasonOriginTimeout
		}
		e.log.Warn("edge: custom origin request failed", "cf_id", cfID, "distribution", d.ID,
			"origin", deref(o.Id), "url", u.Redacted(), "err", err)
		return u, status, refusal
	}
	body := newReadTimeoutBody(resp.Body, read, cancel)
	defer body.Close()
	h := w.Header()
	for k, vs := range resp.Header {
		if !hopByHop[k] {
			h[k] = vs
		}
	}
	w.WriteHeader(resp.StatusCode)
	if method != http.MethodHead {
		if _, err := io.Copy(w, body); err != nil {
			// A body cut short must not be cached: the answer is CloudFront's
			// 502, or 504 when the origin sent nothing for OriginReadTimeout
			// (the recorder's part is discarded by the caller).
			e.log.Warn("edge: custom origin response body failed", "cf_id", cfID, "distribution", d.ID,
				"origin", deref(o.Id), "url", u.Redacted(), "err", err)
			if body.timedOut() {
				return u, http.StatusGatewayTimeout, ReasonOriginTimeout
			}
			return u, http.StatusBadGateway, ReasonOriginConnect
		}
	}
	return u, resp.StatusCode, ""
}

// readTimeoutBody is an origin response body each Read of which must
// complete within a timeout: CloudFront's OriginReadTimeout applies to
// every wait for the origin, between packets of the body too, not only
// to the wait for the response headers (which the transport's
// ResponseHeaderTimeout covers). When a Read overruns, the origin
// request's context is cancelled, which makes the blocked Read fail.
type readTimeoutBody struct {
	rc      io.ReadCloser
	timeout time.Duration
	timer   *time.Timer
	fired   atomic.Bool
}

// newReadTimeoutBody wraps rc, calling cancel when a Read takes longer
// than timeout.
func newReadTimeoutBody(rc io.ReadCloser, timeout time.Duration, cancel context.CancelFunc) *readTimeoutBody {
	b := &readTimeoutBody{rc: rc, timeout: timeout}
	b.timer = time.AfterFunc(timeout, func() {
		b.fired.Store(true)
		cancel()
	})
	b.timer.Stop()
	return b
}

// Read reads from the body, for at most the timeout.
func (b *readTimeoutBody) Read(p []byte) (int, error) {
	if b.fired.Load() {
		return 0, context.DeadlineExceeded
	}
	b.timer.Reset(b.timeout)
	n, err := b.rc.Read(p)
	b.timer.Stop()
	if err != nil && err != io.EOF && b.fired.Load() {
		err = context.DeadlineExceeded
	}
	return n, err
}

// Close stops the timer and closes the body.
func (b *readTimeoutBody) Close() error {
	b.timer.Stop()
	return b.rc.Close()
}

// timedOut reports whether a Read overran the timeout.
func (b *readTimeoutBody) timedOut() bool { return b.fired.Load() }

// statusRecorder remembers the status written through it.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

func (w *statusRecorder) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// addCustomHeaders sets the origin's custom headers (Origin.CustomHeaders)
// on an origin request; they replace viewer headers of the same name.
func addCustomHeaders(h http.Header, o *cloudfront.Origin) {
	if o.CustomHeaders == nil {
		return
	}
	for _, ch := range o.CustomHeaders.Items {
		if n := deref(ch.HeaderName); n != "" {
			h.Set(n, deref(ch.HeaderValue))
		}
	}
}

// transportKey identifies the timeouts a custom-origin transport uses.
type transportKey struct{ connect, read time.Duration }

// transportFor returns the shared transport for these timeouts, so that
// requests to custom origins reuse their connections (keep-alive), as
// CloudFront keeps connections to origins open.
func (e *Edge) transportFor(connect, read time.Duration) *http.Transport {
	k := transportKey{connect, read}
	if t, ok := e.transports.Load(k); ok {
		return t.(*http.Transport)
	}
	t := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: connect}).DialContext,
		TLSHandshakeTimeout:   connect,
		ResponseHeaderTimeout: read,
		DisableCompression:    true, // pass Content-Encoding through untouched
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
	}
	actual, _ := e.transports.LoadOrStore(k, t)
	return actual.(*http.Transport)
}
