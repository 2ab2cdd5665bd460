package sigv4

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ignoredHeaders are never signed: they are added or changed by proxies
// and HTTP libraries on the way (the AWS SDKs leave out the same ones).
// Content-Length is signed from r.ContentLength instead.
var ignoredHeaders = map[string]bool{
	"authorization":     true,
	"user-agent":        true,
	"x-amzn-trace-id":   true,
	"expect":            true,
	"transfer-encoding": true,
	"content-length":    true,
	"connection":        true,
}

// signedHeaderList returns the SignedHeaders list for r: host, the
// content-length when positive, and every header of r except the ignored
// ones, lower-case, sorted and separated by ';'.
func signedHeaderList(r *http.Request) string {
	names := []string{"host"}
	if r.ContentLength > 0 {
		names = append(names, "content-length")
	}
	for k := range r.Header {
		n := strings.ToLower(k)
		if ignoredHeaders[n] || n == "host" {
			continue
		}
		names = append(names, n)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	return strings.Join(names, ";")
}

func requestHost(r *http.Request) string {
	if r.Host != "" {
		return r.Host
	}
	return r.URL.Host
}

// strictPath returns the URI-encoding of the decoded path p with '/' kept:
// the canonical URI AWS computes for an S3 object key.
func strictPath(p string) string {
	if p == "" {
		return "/"
	}
	return string(appendURIEncode(nil, p, true))
}

// canonicalPath returns the escaped path to sign for service and, for S3,
// makes the URL carry exactly that encoding on the wire.
func canonicalPath(u *url.URL, service string) string {
	if service == "s3" {
		p := strictPath(u.Path)
		if u.Path != "" {
			u.RawPath = p
		}
		return p
	}
	return u.EscapedPath()
}

// signParts signs a canonical request and returns the canonical request,
// the string to sign and the hex signature.
func signParts(c *canonRequest, secret, amzDate, region, service string) (canonical, stringToSign, signature string) {
	s := getScratch()
	defer putScratch(s)
	s.canon = s.appendCanonicalRequest(s.canon[:0], c)
	scope := amzDate[:8] + "/" + region + "/" + service + "/aws4_request"
	key := signingKey(secret, amzDate[:8], region, service)
	sig := s.sign(&key, amzDate, scope)
	return string(s.canon), s.stringToSignText(), string(appendHex(nil, sig[:]))
}

// SignRequest signs r in place with the Authorization header, as an AWS
// SDK would. It sets X-Amz-Date (from t) and, for service "s3",
// x-amz-content-sha256. payloadHash is the hex SHA-256 of the body, or
// UNSIGNED-PAYLOAD / STREAMING-...; "" means UNSIGNED-PAYLOAD for s3 and
// the empty-body hash for other services (pass the real hash for a
// non-empty body). Every header already on r (except Authorization,
// User-Agent, Expect, Transfer-Encoding, X-Amzn-Trace-Id, Connection) is
// signed, with host and a positive r.ContentLength. To sign with temporary
// credentials, set the X-Amz-Security-Token header before calling.
//
// For s3 the path is signed as AWS expects for object keys (each byte but
// the unreserved ones and '/' percent-encoded) and r.URL.RawPath is set so
// the request line carries that same encoding.
func SignRequest(r *http.Request, accessKeyID, secret, region, service string, t time.Time, payloadHash string) {
	amzDate := t.UTC().Format(amzDateLayout)
	if r.Header == nil {
		r.Header = http.Header{}
	}
	r.Header.Del("Authorization")
	r.Header.Set("X-Amz-Date", amzDate)
	if payloadHash == "" {
		payloadHash = EmptyPayloadHash
		if service == "s3" {
			payloadHash = UnsignedPayload
		}
	}
	if service == "s3" {
		r.Header.Set("X-Amz-Content-Sha256", payloadHash)
	}
	signed := signedHeaderList(r)
	c := canonRequest{
		method:           r.Method,
		path:             canonicalPath(r.URL, service),
		query:            r.URL.RawQuery,
		pathMode:         PathAuto.resolve(service),
		signed:           signed,
		header:           r.Header,
		host:             requestHost(r),
		contentLength:    r.ContentLength,
		transferEncoding: r.TransferEncoding,
		payloadHash:      payloadHash,
	}
	_, _, sig := signParts(&c, secret, amzDate, region, service)
	r.Header.Set("Authorization", Algorithm+" Credential="+accessKeyID+"/"+amzDate[:8]+"/"+region+"/"+service+
		"/aws4_request, SignedHeaders="+signed+", Signature="+sig)
}

// Presign returns a presigned URL for r, valid for expires from t (at most
// a week; S3 refuses longer). r is not modified. The signed headers are
// host and the headers already on r (the caller must send those same
// headers with the URL). For s3 the payload is UNSIGNED-PAYLOAD unless r
// carries x-amz-content-sha256; for other services it is the empty-body
// hash. To presign with temporary credentials, put X-Amz-Security-Token in
// r.URL's query before calling.
func Presign(r *http.Request, accessKeyID, secret, region, service string, t time.Time, expires time.Duration) string {
	amzDate := t.UTC().Format(amzDateLayout)
	u := *r.URL
	if u.Host == "" {
		u.Host = r.Host
	}
	if u.Scheme == "" {
		u.Scheme = "https"
	}
	signed := signedHeaderList(r)
	var q []byte
	q = append(q, u.RawQuery...)
	add := func(k, v string) {
		if len(q) > 0 {
			q = append(q, '&')
		}
		q = append(q, k...)
		q = append(q, '=')
		q = appendURIEncode(q, v, false)
	}
	add("X-Amz-Algorithm", Algorithm)
	add("X-Amz-Credential", accessKeyID+"/"+amzDate[:8]+"/"+region+"/"+service+"/aws4_request")
	add("X-Amz-Date", amzDate)
	add("X-Amz-Expires", strconv.FormatInt(int64(expires/time.Second), 10))
	add("X-Amz-SignedHeaders", signed)
	payloadHash := EmptyPayloadHash
	if service == "s3" {
		payloadHash = UnsignedPayload
		if v := r.Header.Get("X-Amz-Content-Sha256"); v != "" {
			payloadHash = v
		}
	}
	c := canonRequest{
		method:           r.Method,
		path:             canonicalPath(&u, service),
		query:            string(q),
		presigned:        true,
		pathMode:         PathAuto.resolve(service),
		signed:           signed,
		header:           r.Header,
		host:             requestHost(r),
		contentLength:    r.ContentLength,
		transferEncoding: r.TransferEncoding,
		payloadHash:      payloadHash,
	}
	_, _, sig := signParts(&c, secret, amzDate, region, service)
	u.RawQuery = c.query + "&X-Amz-Signature=" + sig
	return u.String()
}
