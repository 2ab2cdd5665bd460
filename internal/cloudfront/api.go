package cloudfront

import (
	"net/http"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/reqctx"
)

// apiPrefix starts every CloudFront 2020-05-31 request path.
const apiPrefix = "/2020-05-31/"

// call is one API request as a handler sees it.
type call struct {
	s  *Service
	w  http.ResponseWriter
	r  *http.Request
	c  *reqctx.Call
	id string // {Id} / {DistributionId} of the path, if any
	// sub is the second id ({Id} of an invalidation), if any.
	sub string
}

// account is the caller's account: resources are created in it and only
// its resources are visible.
func (k *call) account() string { return k.c.Principal.Account }

// authorize checks the caller may perform action on resource.
func (k *call) authorize(action, resource string) *awsapi.Error {
	if k.s.authz == nil {
		if k.c.Principal.IsAnonymous() {
			return cfError("AccessDenied", "Access denied")
		}
		return nil
	}
	return k.s.authz.AuthorizeCall(k.r, k.c, action, resource)
}

// route is one row of the API table: method, the path's shape after
// apiPrefix (with {} for an id), an optional query flag, and the handler.
type route struct {
	method  string
	pattern string // e.g. "distribution/{}/config"
	query   string // a query parameter that must be present ("WithTags"), or ""
	name    string // the API operation
	handle  func(k *call) *awsapi.Error
}

// routes lists the operations edgegate serves. Rows with a query flag come
// before the row without it for the same method and pattern.
var routes = []route{
	{"POST", "distribution", "WithTags", "CreateDistributionWithTags", createDistributionWithTags},
	{"POST", "distribution", "", "CreateDistribution", createDistribution},
	{"GET", "distribution", "", "ListDistributions", listDistributions},
	{"GET", "distribution/{}", "", "GetDistribution", getDistribution},
	{"DELETE", "distribution/{}", "", "DeleteDistribution", deleteDistribution},
	{"GET", "distribution/{}/config", "", "GetDistributionConfig", getDistributionConfig},
	{"PUT", "distribution/{}/config", "", "UpdateDistribution", updateDistribution},

	{"POST", "distribution/{}/invalidation", "", "CreateInvalidation", createInvalidation},
	{"GET", "distribution/{}/invalidation", "", "ListInvalidations", listInvalidations},
	{"GET", "distribution/{}/invalidation/{}", "", "GetInvalidation", getInvalidation},

	{"POST", "origin-access-control", "", "CreateOriginAccessControl", createOAC},
	{"GET", "origin-access-control", "", "ListOriginAccessControls", listOACs},
	{"GET", "origin-access-control/{}", "", "GetOriginAccessControl", getOAC},
	{"GET", "origin-access-control/{}/config", "", "GetOriginAccessControlConfig", getOACConfig},
	{"PUT", "origin-access-control/{}/config", "", "UpdateOriginAccessControl", updateOAC},
	{"DELETE", "origin-access-control/{}", "", "DeleteOriginAccessControl", deleteOAC},

	{"POST", "origin-access-identity/cloudfront", "", "CreateCloudFrontOriginAccessIdentity", createOAI},
	{"GET", "origin-access-identity/cloudfront", "", "ListCloudFrontOriginAccessIdentities", listOAIs},
	{"GET", "origin-access-identity/cloudfront/{}", "", "GetCloudFrontOriginAccessIdentity", getOAI},
	{"GET", "origin-access-identity/cloudfront/{}/config", "", "GetCloudFrontOriginAccessIdentityConfig", getOAIConfig},
	{"PUT", "origin-access-identity/cloudfront/{}/config", "", "UpdateCloudFrontOriginAccessIdentity", updateOAI},
	{"DELETE", "origin-access-identity/cloudfront/{}", "", "DeleteCloudFrontOriginAccessIdentity", deleteOAI},

	{"POST", "cache-policy", "", "CreateCachePolicy", createCachePolicy},
	{"GET", "cache-policy", "", "ListCachePolicies", listCachePolicies},
	{"GET", "cache-policy/{}", "", "GetCachePolicy", getCachePolicy},
	{"GET", "cache-policy/{}/config", "", "GetCachePolicyConfig", getCachePolicyConfig},
	{"PUT", "cache-policy/{}", "", "UpdateCachePolicy", updateCachePolicy},
	{"DELETE", "cache-policy/{}", "", "DeleteCachePolicy", deleteCachePolicy},

	{"POST", "origin-request-policy", "", "CreateOriginRequestPolicy", createOriginRequestPolicy},
	{"GET", "origin-request-policy", "", "ListOriginRequestPolicies", listOriginRequestPolicies},
	{"GET", "origin-request-policy/{}", "", "GetOriginRequestPolicy", getOriginRequestPolicy},
	{"GET", "origin-request-policy/{}/config", "", "GetOriginRequestPolicyConfig", getOriginRequestPolicyConfig},
	{"PUT", "origin-request-policy/{}", "", "UpdateOriginRequestPolicy", updateOriginRequestPolicy},
	{"DELETE", "origin-request-policy/{}", "", "DeleteOriginRequestPolicy", deleteOriginRequestPolicy},

	{"GET", "tagging", "", "ListTagsForResource", listTagsForResource},
	{"POST", "tagging", "Operation=Tag", "TagResource", tagResource},
	{"POST", "tagging", "Operation=Untag", "UntagResource", untagResource},
}

// match finds the route for method and path (the part after apiPrefix)
// and returns the path's ids. pathKnown is true when some route has the
// path's shape (a wrong method is then 405, else 404).
func match(method, path string, query map[string][]string) (rt *route, ids []string, pathKnown bool) {
	segs := strings.Split(strings.TrimSuffix(path, "/"), "/")
	for i := range routes {
		r := &routes[i]
		pat := strings.Split(r.pattern, "/")
		if len(pat) != len(segs) {
			continue
		}
		var got []string
		ok := true
		for j, p := range pat {
			switch {
			case p == "{}":
				if segs[j] == "" {
					ok = false
				}
				got = append(got, segs[j])
			case p != segs[j]:
				ok = false
			}
		}
		if !ok {
			continue
		}
		pathKnown = true
		if r.method != method {
			continue
		}
		if r.query != "" {
			k, v, hasValue := strings.Cut(r.query, "=")
			vals, present := query[k]
			if !present || hasValue && (len(vals) == 0 || vals[0] != v) {
				continue
			}
		}
		return r, got, true
	}
	return nil, nil, pathKnown
}

// ServeCloudFront answers one CloudFront API request whose caller the
// front door has authenticated. It returns the error it sent, if any.
func (s *Service) ServeCloudFront(w http.ResponseWriter, r *http.Request, c *reqctx.Call) *awsapi.Error {
	w.Header().Set("x-amz-request-id", c.RequestID)
	path, ok := strings.CutPrefix(r.URL.Path, apiPrefix)
	var e *awsapi.Error
	if !ok {
		e = cfError("InvalidArgument", "edgegate serves the CloudFront API version 2020-05-31 only (paths under %s).", apiPrefix)
	} else if rt, ids, known := match(r.Method, path, r.URL.Query()); rt != nil {
		k := &call{s: s, w: w, r: r, c: c}
		if len(ids) > 0 {
			k.id = ids[0]
		}
		if len(ids) > 1 {
			k.sub = ids[1]
		}
		e = rt.handle(k)
	} else if known {
		e = cfError("MethodNotAllowed", "The specified method is not allowed against this resource.")
	} else {
		e = cfError("NotImplemented", "edgegate does not implement %s %s of the CloudFront API.", r.Method, r.URL.Path)
	}
	if e != nil {
		WriteError(w, c.RequestID, e)
	}
	return e
}

// ifMatch returns the If-Match header, or InvalidIfMatchVersion when it is
// absent (Update and Delete require it).
func (k *call) ifMatch() (string, *awsapi.Error) {
	v := k.r.Header.Get("If-Match")
	if v == "" {
		return "", cfError("InvalidIfMatchVersion", "The If-Match version is missing or not valid for the resource.")
	}
	return v, nil
}

// checkETag compares the If-Match value with the current ETag.
func checkETag(ifMatch, current string) *awsapi.Error {
	if ifMatch != current {
		return cfError("PreconditionFailed", "The precondition given in one or more of the request-header fields evaluated to false.")
	}
	return nil
}

// writeResource sends a resource document with its ETag (and Location for
// 201 Created).
func (k *call) writeResource(status int, root string, v any, etag, location string) *awsapi.Error {
	h := k.w.Header()
	if etag != "" {
		h.Set("ETag", etag)
	}
	if location != "" {
		h.Set("Location", location)
	}
	writeDocument(k.w, status, root, v)
	return nil
}

// location returns the URL of a created resource under this endpoint.
func (k *call) location(path string) string {
	scheme := "http"
	if k.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + k.r.Host + apiPrefix + path
}

func ptr[T any](v T) *T { return &v }
