package s3

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// target is what an S3 request addresses.
type target uint8

const (
	targetService target = iota // no bucket: ListBuckets
	targetBucket                // a bucket, no key
	targetObject                // a key in a bucket
)

// operation is one row of the operations table: the S3 API operation a
// request is, the IAM action it needs, and the handler that answers it.
// The authorization issue extends rows with resource kinds and condition
// keys; the table test checks every row.
type operation struct {
	name   string // S3 API name, as in the API reference: "GetObject"
	action string // IAM action the request needs: "s3:GetObject"
	target target
	handle func(s *Service, w http.ResponseWriter, r *http.Request, q *request) error
	// loadsObject: the operation reads an existing object, which ServeS3
	// loads before authorizing (object ACL and owner take part in the
	// decision; a missing key gets the 403-or-404 rule).
	loadsObject bool
	// authorizesItself: the handler makes its own decisions (DeleteObjects
	// decides each key) instead of one for the operation.
	authorizesItself bool
	// policyLockoutExempt: the bucket owner's root may always do it
	// (Get/Put/DeleteBucketPolicy).
	policyLockoutExempt bool
}

// Subresources S3 knows on buckets that edgegate does not serve yet. A GET,
// PUT or DELETE naming one answers 501 NotImplemented instead of being
// mistaken for ListObjects or CreateBucket.
var unservedBucketSubresources = []string{
	"analytics", "intelligent-tiering", "inventory", "metrics",
	"notification", "versions",
}

// Bucket configurations edgegate cannot set yet (bucket_config.go): a GET
// is the row that answers as S3 does for a bucket without that
// configuration; any other method answers 501 NotImplemented.
var unsetBucketConfigs = []struct {
	sub string
	get *operation
}{
	{"accelerate", &opGetBucketAccelerateConfiguration},
	{"cors", &opGetBucketCors},
	{"lifecycle", &opGetBucketLifecycleConfiguration},
	{"object-lock", &opGetObjectLockConfiguration},
	{"replication", &opGetBucketReplication},
	{"requestPayment", &opGetBucketRequestPayment},
	{"versioning", &opGetBucketVersioning},
}

var unservedObjectSubresources = []string{
	"tagging", "legal-hold", "retention", "restore", "torrent",
	"attributes", "select",
}

// selectOperation picks the table row for a request, or returns the error S3
// gives for a method that has none.
func selectOperation(method string, t target, query url.Values, header http.Header) (*operation, error) {
	has := func(name string) bool { _, ok := query[name]; return ok }
	switch t {
	case targetService:
		if method == http.MethodGet || method == http.MethodHead {
			return &opListBuckets, nil
		}
	case targetBucket:
		for _, sub := range unservedBucketSubresources {
			if has(sub) {
				return nil, errNotImplemented.WithMessage("edgegate does not implement the ?" + sub + " subresource yet")
			}
		}
		for _, c := range unsetBucketConfigs {
			if has(c.sub) {
				if method == http.MethodGet {
					return c.get, nil
				}
				return nil, errNotImplemented.WithMessage("edgegate does not implement " + method + " of the ?" + c.sub + " subresource yet")
			}
		}
		switch method {
		case http.MethodGet:
			switch {
			case has("acl"):
				return &opGetBucketAcl, nil
			case has("tagging"):
				return &opGetBucketTagging, nil
			case has("policy"):
				return &opGetBucketPolicy, nil
			case has("policyStatus"):
				return &opGetBucketPolicyStatus, nil
			case has("ownershipControls"):
				return &opGetBucketOwnershipControls, nil
			case has("publicAccessBlock"):
				return &opGetPublicAccessBlock, nil
			case has("encryption"):
				return &opGetBucketEncryption, nil
			case has("website"):
				return &opGetBucketWebsite, nil
			case has("location"):
				return &opGetBucketLocation, nil
			case has("logging"):
				return &opGetBucketLogging, nil
			case has("uploads"):
				return &opListMultipartUploads, nil
			case query.Get("list-type") == "2":
				return &opListObjectsV2, nil
			default:
				return &opListObjects, nil
			}
		case http.MethodHead:
			return &opHeadBucket, nil
		case http.MethodPut:
			switch {
			case has("acl"):
				return &opPutBucketAcl, nil
			case has("policy"):
				return &opPutBucketPolicy, nil
			case has("ownershipControls"):
				return &opPutBucketOwnershipControls, nil
			case has("publicAccessBlock"):
				return &opPutPublicAccessBlock, nil
			case has("encryption"):
				return &opPutBucketEncryption, nil
			case has("tagging"):
				return &opPutBucketTagging, nil
			case has("website"):
				return &opPutBucketWebsite, nil
			case has("logging"):
				return &opPutBucketLogging, nil
			}
			return &opCreateBucket, nil
		case http.MethodDelete:
			switch {
			case has("ownershipControls"):
				return &opDeleteBucketOwnershipControls, nil
			case has("policy"):
				return &opDeleteBucketPolicy, nil
			case has("publicAccessBlock"):
				return &opDeletePublicAccessBlock, nil
			case has("encryption"):
				return &opDeleteBucketEncryption, nil
			case has("tagging"):
				return &opDeleteBucketTagging, nil
			case has("website"):
				return &opDeleteBucketWebsite, nil
			case has("acl"), has("logging"):
				return nil, errMethodNotAllowed
			}
			return &opDeleteBucket, nil
		case http.MethodPost:
			if has("delete") {
				return &opDeleteObjects, nil
			}
		}
	case targetObject:
		for _, sub := range unservedObjectSubresources {
			if has(sub) {
				return nil, errNotImplemented.WithMessage("edgegate does not implement the ?" + sub + " subresource yet")
			}
		}
		switch method {
		case http.MethodGet:
			if has("acl") {
				return &opGetObjectAcl, nil
			}
			if has("uploadId") {
				return &opListParts, nil
			}
			return &opGetObject, nil
		case http.MethodHead:
			return &opHeadObject, nil
		case http.MethodPut:
			if has("acl") {
				return &opPutObjectAcl, nil
			}
			copying := header.Get("X-Amz-Copy-Source") != ""
			if has("uploadId") || has("partNumber") {
				if copying {
					return &opUploadPartCopy, nil
				}
				return &opUploadPart, nil
			}
			if copying {
				return &opCopyObject, nil
			}
			return &opPutObject, nil
		case http.MethodDelete:
			if has("acl") {
				return nil, errMethodNotAllowed
			}
			if has("uploadId") {
				return &opAbortMultipartUpload, nil
			}
			return &opDeleteObject, nil
		case http.MethodPost:
			if has("uploads") {
				return &opCreateMultipartUpload, nil
			}
			if has("uploadId") {
				return &opCompleteMultipartUpload, nil
			}
		}
	}
	return nil, errMethodNotAllowed
}

// s3HostSuffixes are the endpoint host names under which a leading label
// names a bucket (virtual-hosted-style addressing). Regional forms
// (s3.REGION.amazonaws.com, s3-REGION.amazonaws.com) are matched by
// bucketFromHost too.
var s3HostSuffixes = []string{".s3.localhost", ".s3.amazonaws.com", ".localhost.localstack.cloud"}

// bucketFromHost returns the bucket a virtual-hosted-style Host names, or ""
// for path-style hosts (an IP, localhost, s3.localhost, s3.REGION.amazonaws.com).
func bucketFromHost(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	for _, suffix := range s3HostSuffixes {
		if strings.HasSuffix(host, suffix) {
			return host[:len(host)-len(suffix)]
		}
	}
	if !strings.HasSuffix(host, ".amazonaws.com") {
		return ""
	}
	// BUCKET.s3.REGION.amazonaws.com or BUCKET.s3-REGION.amazonaws.com;
	// BUCKET may itself contain dots, so look for the s3 label from the right.
	rest := strings.TrimSuffix(host, ".amazonaws.com")
	labels := strings.Split(rest, ".")
	for i := len(labels) - 1; i >= 1; i-- {
		if labels[i] == "s3" || strings.HasPrefix(labels[i], "s3-") {
			if strings.HasPrefix(labels[i], "s3-website") {
				return "" // website endpoints are served elsewhere
			}
			return strings.Join(labels[:i], ".")
		}
	}
	return ""
}

// splitPath splits a path-style request path into bucket and key. The key
// is everything after the first slash following the bucket, verbatim
// (S3 keys may contain "//", "../" and trailing slashes).
func splitPath(path string) (bucket, key string) {
	path = strings.TrimPrefix(path, "/")
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}
