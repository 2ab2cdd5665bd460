package s3website

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/s3"
)

// ParseHost tells whether host (a Host header, port allowed) names a
// bucket's website endpoint, and which: BUCKET.s3-website-REGION.amazonaws.com,
// BUCKET.s3-website.REGION.amazonaws.com, or edgegate's local form
// BUCKET.s3-website.localhost (region ""). The forms are
// cloudfront.ClassifyOrigin's, so that a distribution's website origin
// and a viewer's Host agree on the bucket.
func ParseHost(host string) (bucket, region string, ok bool) {
	h := host
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	t := cloudfront.ClassifyOrigin(h)
	if t.Kind != cloudfront.OriginS3Website {
		return "", "", false
	}
	return t.Bucket, t.Region, true
}

// requestKey is the key a website request path names: the decoded path
// without its leading slash ("" for the root).
func requestKey(path string) string { return strings.TrimPrefix(path, "/") }

// indexKey is the object a request for key reads: key itself, or for the
// root and any "folder" (a key ending in "/") the index document in it.
func indexKey(key, suffix string) string {
	if key == "" || strings.HasSuffix(key, "/") {
		return key + suffix
	}
	return key
}

// folderIndex is the index document whose existence turns a request for
// key (no trailing slash, no object of that name) into a 302 to key + "/";
// "" when key cannot be a folder (the root, or already ending in "/").
func folderIndex(key, suffix string) string {
	if key == "" || strings.HasSuffix(key, "/") {
		return ""
	}
	return key + "/" + suffix
}

// redirect is a redirect the website endpoint answers with.
type redirect struct {
	status   int
	location string
}

// redirectAll is the 301 of RedirectAllRequestsTo for key: to HostName,
// with the configured protocol or the request's (always http on the
// website endpoint), and the same path. The query string is not carried
// over (UNCONFIRMED).
func redirectAll(ra *s3.WebsiteRedirectAll, key string) redirect {
	proto := "http"
	if ra.Protocol != nil {
		proto = *ra.Protocol
	}
	return redirect{status: 301, location: proto + "://" + ra.HostName + escapeKeyPath(key)}
}

// matchRule returns the first routing rule that applies to a request for
// key: before the object is read (errStatus 0), the rules without an
// HttpErrorCodeReturnedEquals (a rule without Condition applies to every
// request); once the read failed with errStatus, the rules whose
// HttpErrorCodeReturnedEquals is that status. KeyPrefixEquals, when set,
// must prefix key (the requested key, before any index document is
// appended) in both cases.
func matchRule(rules []s3.WebsiteRoutingRule, key string, errStatus int) (*s3.WebsiteRoutingRule, bool) {
	for i := range rules {
		r := &rules[i]
		c := r.Condition
		if c == nil {
			if errStatus == 0 {
				return r, true
			}
			continue
		}
		if c.KeyPrefixEquals != nil && !strings.HasPrefix(key, *c.KeyPrefixEquals) {
			continue
		}
		if errStatus == 0 {
			if c.HTTPErrorCodeReturnedEquals == nil {
				return r, true
			}
			continue
		}
		if c.HTTPErrorCodeReturnedEquals != nil && strings.TrimSpace(*c.HTTPErrorCodeReturnedEquals) == strconv.Itoa(errStatus) {
			return r, true
		}
	}
	return nil, false
}

// ruleRedirect is the redirect rule r makes of a request for key sent to
// host: HttpRedirectCode (default 301); Location
// PROTOCOL://HOST/NEWKEY with Protocol (default the request's, http),
// HostName (default the request's Host), and NEWKEY ReplaceKeyWith, or key
// with the matched KeyPrefixEquals ("" without one) replaced by
// ReplaceKeyPrefixWith, or key unchanged.
func ruleRedirect(r *s3.WebsiteRoutingRule, key, host string) redirect {
	rd := r.Redirect
	status := 301
	if rd.HTTPRedirectCode != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(*rd.HTTPRedirectCode)); err == nil {
			status = n
		}
	}
	proto := "http"
	if rd.Protocol != nil {
		proto = *rd.Protocol
	}
	if rd.HostName != nil && *rd.HostName != "" {
		host = *rd.HostName
	}
	newKey := key
	switch {
	case rd.ReplaceKeyWith != nil:
		newKey = *rd.ReplaceKeyWith
	case rd.ReplaceKeyPrefixWith != nil:
		prefix := ""
		if r.Condition != nil && r.Condition.KeyPrefixEquals != nil {
			prefix = *r.Condition.KeyPrefixEquals
		}
		newKey = *rd.ReplaceKeyPrefixWith + strings.TrimPrefix(key, prefix)
	}
	return redirect{status: status, location: proto + "://" + host + escapeKeyPath(newKey)}
}

// escapeKeyPath is "/" + key as a URL path, percent-encoded where a path
// must be (spaces, "?", "#", non-ASCII), slashes kept.
func escapeKeyPath(key string) string {
	return (&url.URL{Path: "/" + key}).EscapedPath()
}
