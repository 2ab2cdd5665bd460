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
	"time"

	"github.com/edgegate/edgegate/internal/cloudfront"
)

// Custom origins (any origin that is not an S3 endpoint) are fetched over
// the network with net/http, as CloudFront does: the protocol and port
// come from CustomOriginConfig, Host is the origin's domain name, the
// request carries the same forwarded headers as an S3 origin request plus
// the origin's custom headers, and nothing is signed (origin access
// control applies to S3 origins only). S3 website endpoints are custom
// origins to CloudFront too, but edgegate does not serve website
// endpoints, so those get a 502 (docs/edge.md).

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

// fetchCustom forwards viewer request r for path to custom origin o and
// passes the answer through to w. A connection failure is CloudFront's
// 502 page, no response headers within OriginReadTimeout its 504.
func (e *Edge) fetchCustom(w http.ResponseWriter, r *http.Request, d *cloudfront.DistributionView, o *cloudfront.Origin, path string, out *Outcome) {
	u := CustomOriginURL(o, path, r.TLS != nil)
	or := e.NewOriginRequest(r.Context(), r, "", "", out.RequestID)
	or.URL, or.Host, or.RequestURI, or.TLS = u, u.Host, "", nil
	addCustomHeaders(or.Header, o)
	c := o.CustomOriginConfig
	if c == nil {
		c = &cloudfront.CustomOriginConfig{}
	}
	connect := secondsOr(o.ConnectionTimeout, defaultConnectionTimeout)
	read := secondsOr(c.OriginReadTimeout, defaultReadTimeout)
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: connect}).DialContext,
		TLSHandshakeTimeout:   connect,
		ResponseHeaderTimeout: read,
		DisableCompression:    true, // pass Content-Encoding through untouched
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	e.links.put(out.RequestID, link{distribution: d.ID, account: d.Account, reason: ReasonCustomOrigin, access: u.Redacted()})
	out.OriginAccess = "custom origin " + u.Scheme + "://" + u.Host
	resp, err := client.Do(or)
	if err != nil {
		status, reason := http.StatusBadGateway, ReasonOriginConnect
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			status, reason = http.StatusGatewayTimeout, ReasonOriginTimeout
		}
		e.log.Warn("edge: custom origin request failed", "cf_id", out.RequestID, "distribution", d.ID,
			"origin", deref(o.Id), "url", u.Redacted(), "err", err)
		e.refuse(w, r, out, d.Account, status, reason)
		return
	}
	defer resp.Body.Close()
	h := w.Header()
	for k, vs := range resp.Header {
		if !hopByHop[k] {
			h[k] = vs
		}
	}
	e.setEdgeHeaders(h, out.RequestID, xCacheFor(resp.StatusCode))
	w.WriteHeader(resp.StatusCode)
	out.Status = resp.StatusCode
	e.links.put(out.RequestID, link{distribution: d.ID, account: d.Account, reason: ReasonCustomOrigin, status: resp.StatusCode, access: u.Redacted()})
	if r.Method != http.MethodHead {
		_, _ = io.Copy(w, resp.Body)
	}
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
