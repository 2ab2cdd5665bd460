package edge

import (
	"html"
	"net/http"
	"strconv"
	"strings"
)

// Reasons the edge refuses a request itself (spec §8). They are the error
// field of the request log, the X-Edgegate-Denial-Reason header when
// enabled, and the finding id of the request's explanation.
const (
	// ReasonUnknownAlias: the Host is under the distribution domain
	// suffix but is no distribution's domain name or alias.
	ReasonUnknownAlias = "CloudFrontUnknownAlias"
	// ReasonDistributionDisabled: the distribution exists but Enabled is
	// false (edgegate's reason name; not in the spec's list).
	ReasonDistributionDisabled = "CloudFrontDistributionDisabled"
	// ReasonMethodNotAllowed: the method is not in the cache behavior's
	// AllowedMethods (CloudFront's log: InvalidRequestMethod).
	ReasonMethodNotAllowed = "CloudFrontMethodNotAllowed"
	// ReasonHTTPSRequired: an http:// request to a https-only behavior.
	ReasonHTTPSRequired = "CloudFrontHttpsRequired"
	// ReasonBadRequest: the request-URI is not one CloudFront forwards.
	ReasonBadRequest = "CloudFrontBadRequest"
	// ReasonNoOrigin: the behavior's target origin is missing from the
	// configuration (CloudFront never stores such a configuration).
	ReasonNoOrigin = "CloudFrontNoSuchOrigin"
	// ReasonOriginNotSupported: the origin is an S3 website endpoint and
	// the edge was built without one (Config.Website nil).
	ReasonOriginNotSupported = "CloudFrontOriginNotSupported"
	// ReasonOriginConnect: a custom origin could not be reached (502).
	ReasonOriginConnect = "CloudFrontOriginConnectError"
	// ReasonOriginTimeout: a custom origin sent no response headers within
	// OriginReadTimeout, or the connection timed out (504).
	ReasonOriginTimeout = "CloudFrontOriginTimeout"
	// ReasonCustomOrigin is not a refusal: it marks, for explanations,
	// a response that came from a custom origin, which keeps no decision
	// trace edgegate could show.
	ReasonCustomOrigin = "CustomOriginResponse"
	// ReasonCachedError is not a refusal either: the response is an
	// origin error served from the edge cache (spec §5.7, §8). Its
	// explanation names the original error and the remaining TTL.
	ReasonCachedError = "CachedError"
	// ReasonCacheFailure: the origin's response could not be recorded
	// (the disk tier's directory is not writable or full): 502.
	ReasonCacheFailure = "CloudFrontCacheWriteError"
)

// reasonInfo is what the edge says about a reason: the sentence of the
// error page and, for explanations, the cause and the fix.
type reasonInfo struct {
	page    string // the page's explanatory paragraph
	summary string
	fix     string
}

// The page texts are CloudFront's as commonly reported; the exact wording
// per cause is UNCONFIRMED.
const pageBadRequest = "Bad request. We can't connect to the server for this app or website at this time. There might be too much " +
	"traffic or a configuration error. Try again later, or contact the app or website owner."

var reasons = map[string]reasonInfo{
	ReasonUnknownAlias: {pageBadRequest,
		"The Host names no distribution: it is under the CloudFront domain suffix but is neither a distribution's domain name nor one of its alternate domain names (Aliases).",
		"Use the distribution's DomainName (aws cloudfront get-distribution --id ID), or add the name to the distribution's Aliases."},
	ReasonDistributionDisabled: {pageBadRequest,
		"The distribution is disabled (DistributionConfig.Enabled is false): CloudFront does not serve it.",
		"Enable it: aws cloudfront update-distribution with Enabled true in the configuration."},
	ReasonMethodNotAllowed: {"This distribution is not configured to allow the HTTP request method that was used for this request. " +
		"The distribution supports only cachable requests.",
		"The request's method is not in the AllowedMethods of the cache behavior its path selected.",
		"Add the method to that behavior's AllowedMethods (GET,HEAD | GET,HEAD,OPTIONS | all seven)."},
	ReasonHTTPSRequired: {pageBadRequest,
		"The cache behavior's ViewerProtocolPolicy is https-only and the request came over plain HTTP.",
		"Request https://, or set ViewerProtocolPolicy to redirect-to-https or allow-all."},
	ReasonBadRequest: {pageBadRequest,
		"The request-URI is not a valid origin-form path (it must start with / and contain no control characters).",
		"Percent-encode the path."},
	ReasonNoOrigin: {"CloudFront wasn't able to connect to the origin.",
		"The cache behavior's TargetOriginId names no origin of the distribution.",
		"Point the behavior at one of the distribution's Origins."},
	ReasonOriginNotSupported: {"CloudFront wasn't able to connect to the origin.",
		"The origin is an S3 website endpoint, and this edge was started without edgegate's website endpoint to fetch from.",
		"Use the bucket's REST endpoint (BUCKET.s3.REGION.amazonaws.com or BUCKET.s3.localhost) as the origin, or run edgegate serve (which has the website endpoint)."},
	ReasonOriginConnect: {"CloudFront wasn't able to connect to the origin.",
		"The custom origin could not be reached (connection refused, DNS failure or TLS failure).",
		"Check the origin's DomainName, CustomOriginConfig ports and OriginProtocolPolicy, and that the origin is up."},
	ReasonOriginTimeout: {"CloudFront attempted to establish a connection with the origin, but either the attempt failed or the origin " +
		"closed the connection.",
		"The custom origin did not answer within ConnectionTimeout or OriginReadTimeout.",
		"Make the origin answer faster, or raise the origin's timeouts."},
	ReasonCacheFailure: {"CloudFront wasn't able to connect to the origin.",
		"The edge could not write the origin's response to its cache directory (--edge-cache-dir): it is not writable or full.",
		"Free space in the edge cache directory, or point --edge-cache-dir at a writable place (tmpfs is fine)."},
	ReasonCustomOrigin: {"",
		"The response came from a custom origin; edgegate passes it through and keeps no decision trace for it.",
		"Look at the origin's own logs."},
}

// errorPage renders CloudFront's generated error page (spec §5.10; exact
// HTML UNCONFIRMED: it follows the page as commonly reported).
func errorPage(status int, text, requestID string) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">` + "\n")
	b.WriteString(`<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">` + "\n")
	b.WriteString("<TITLE>ERROR: The request could not be satisfied</TITLE>\n</HEAD><BODY>\n")
	b.WriteString("<H1>" + strconv.Itoa(status) + " ERROR</H1>\n")
	b.WriteString("<H2>The request could not be satisfied.</H2>\n")
	b.WriteString(`<HR noshade size="1px">` + "\n")
	b.WriteString(html.EscapeString(text) + "\n")
	b.WriteString("<BR clear=\"all\">\nIf you provide content to customers through CloudFront, you can find steps to troubleshoot " +
		"and help prevent this error by reviewing the CloudFront documentation.\n")
	b.WriteString("<BR clear=\"all\">\n" + `<HR noshade size="1px">` + "\n<PRE>\n")
	b.WriteString("Generated by cloudfront (CloudFront)\n")
	b.WriteString("Request ID: " + html.EscapeString(requestID) + "\n")
	b.WriteString("</PRE>\n<ADDRESS>\n</ADDRESS>\n</BODY></HTML>")
	return b.String()
}

// refuse answers with a CloudFront-generated error page and keeps the
// reason so that the request can be explained (to account, the
// distribution's owner, or to the operator when account is "").
func (e *Edge) refuse(w http.ResponseWriter, r *http.Request, out *Outcome, account string, status int, reason string) {
	out.Status, out.Reason, out.XCache = status, reason, "Error"
	e.links.put(&out.RequestID, link{distribution: out.DistributionID, account: account, status: status, reason: reason, viewer: viewerOf(r)})
	body := errorPage(status, reasons[reason].page, out.RequestID.String())
	h := w.Header()
	h.Set("Server", "CloudFront")
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	e.setEdgeHeaders(h, out.RequestID.String(), "Error from cloudfront")
	if e.reasonHeader {
		h.Set("X-Edgegate-Denial-Reason", reason)
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

// redirectToHTTPS answers an http:// request to a redirect-to-https
// behavior: 301 to the same URL over https for GET and HEAD (API
// reference, ViewerProtocolPolicy). Other methods get 307 so that the
// client repeats the method and body (developer guide; UNCONFIRMED
// here). X-Cache "Redirect from cloudfront" is UNCONFIRMED (spec §5.9).
func (e *Edge) redirectToHTTPS(w http.ResponseWriter, r *http.Request, out *Outcome) {
	status := http.StatusMovedPermanently
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		status = http.StatusTemporaryRedirect
	}
	out.Status, out.XCache = status, "Redirect"
	host := r.Host
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.HasPrefix(host, "[") {
		host = h // the redirect names the default https port
	}
	loc := "https://" + host + r.URL.RequestURI()
	title := strconv.Itoa(status) + " " + http.StatusText(status)
	body := "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
		"</h1></center>\r\n<hr><center>CloudFront</center>\r\n</body>\r\n</html>\r\n"
	h := w.Header()
	h.Set("Server", "CloudFront")
	h.Set("Location", loc)
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	e.setEdgeHeaders(h, out.RequestID.String(), "Redirect from cloudfront")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}
