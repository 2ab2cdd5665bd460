package s3

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/s3/access"
)

// The bucket policy operations. The bucket owner's root may always run
// them, whatever the policy says (S3's lock-out protection).
var (
	opPutBucketPolicy = operation{
		name: "PutBucketPolicy", action: "s3:PutBucketPolicy", target: targetBucket,
		handle: (*Service).putBucketPolicy, policyLockoutExempt: true,
	}
	opGetBucketPolicy = operation{
		name: "GetBucketPolicy", action: "s3:GetBucketPolicy", target: targetBucket,
		handle: (*Service).getBucketPolicy, policyLockoutExempt: true,
	}
	opDeleteBucketPolicy = operation{
		name: "DeleteBucketPolicy", action: "s3:DeleteBucketPolicy", target: targetBucket,
		handle: (*Service).deleteBucketPolicy, policyLockoutExempt: true,
	}
	opGetBucketPolicyStatus = operation{
		name: "GetBucketPolicyStatus", action: "s3:GetBucketPolicyStatus", target: targetBucket,
		handle: (*Service).getBucketPolicyStatus,
	}
)

// maxPolicyBody bounds how much of a PutBucketPolicy body is read; the
// policy language enforces S3's 20 KB limit on the document itself.
const maxPolicyBody = 256 << 10

func errMalformedPolicy(msg string) error {
	return errMalformedPolicyBase.WithMessage(msg)
}

func (s *Service) putBucketPolicy(w http.ResponseWriter, r *http.Request, q *request) error {
	ctx := r.Context()
	body, err := readVerifiedBody(r, q, maxPolicyBody, false)
	if err != nil {
		return err
	}
	doc, p, err := s.bucketPolicyToStore(body, q.bucket)
	if err != nil {
		return err
	}
	b, err := s.authzBucket(ctx, q.bs)
	if err != nil {
		return err
	}
	if b.PAB.BlockPublicPolicy && p.IsPublic(policy.PublicOptions{}) {
		// UNCONFIRMED (spec §1.6): the code S3 gives; 403 AccessDenied.
		return errAccessDenied.WithMessage("Access Denied: public policies are blocked by the BlockPublicPolicy block public access setting.")
	}
	if err := s.putBucketAttr(ctx, q.bucket, access.AttrPolicy, doc); err != nil {
		return s.storeError(q, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Service) getBucketPolicy(w http.ResponseWriter, r *http.Request, q *request) error {
	raw := q.bkt.Attrs[access.AttrPolicy]
	if len(raw) == 0 {
		return errNoSuchBucketPolicy.With("BucketName", q.bucket)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(raw)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(raw)
	}
	return nil
}

func (s *Service) deleteBucketPolicy(w http.ResponseWriter, r *http.Request, q *request) error {
	if err := s.putBucketAttr(r.Context(), q.bucket, access.AttrPolicy, nil); err != nil {
		return s.storeError(q, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type policyStatusXML struct {
	XMLName  struct{} `xml:"PolicyStatus"`
	Xmlns    string   `xml:"xmlns,attr"`
	IsPublic bool     `xml:"IsPublic"`
}

func (s *Service) getBucketPolicyStatus(w http.ResponseWriter, r *http.Request, q *request) error {
	if q.bs.az.Policy == nil {
		return errNoSuchBucketPolicy.With("BucketName", q.bucket)
	}
	writeXML(w, http.StatusOK, &policyStatusXML{Xmlns: s3Namespace, IsPublic: q.bs.az.PolicyIsPublic})
	return nil
}

// bucketPolicyToStore checks a policy sent to PutBucketPolicy for bucket
// as S3 does (the policy language, S3's actions and resources, principals
// that exist) and returns the document S3 stores, which is the one sent
// but for OAIs named by canonical user id (see rewriteOAIPrincipals), with
// its compiled policy. Errors are 400 MalformedPolicy.
func (s *Service) bucketPolicyToStore(body []byte, bucket string) ([]byte, *policy.Policy, error) {
	doc := rewriteOAIPrincipals(body, s.oaiByCanonicalID())
	p, err := parseBucketPolicy(body, doc)
	if err != nil {
		if pe, ok := err.(*policy.ParseError); ok {
			return nil, nil, errMalformedPolicy(pe.Message)
		}
		return nil, nil, errMalformedPolicy("This policy contains invalid Json")
	}
	// UNCONFIRMED: the order of S3's checks (actions and resources before
	// principals' existence) when a policy fails several.
	if msg := validateBucketPolicy(p, bucket); msg != "" {
		return nil, nil, errMalformedPolicy(msg)
	}
	if msg := s.checkPolicyPrincipals(p); msg != "" {
		return nil, nil, errMalformedPolicy(msg)
	}
	return doc, p, nil
}

// parseBucketPolicy parses doc, the policy a PutBucketPolicy request sent
// (sent) as S3 stores it (see rewriteOAIPrincipals). S3's 20 KB limit
// applies to the document sent: doc's limit moves by the size the
// rewriting added or removed.
func parseBucketPolicy(sent, doc []byte) (*policy.Policy, error) {
	if bytes.Equal(sent, doc) {
		return policy.Parse(doc, policy.BucketPolicy)
	}
	limit := policy.MaxBucketPolicySize + policy.CompactSize(doc, true) - policy.CompactSize(sent, true)
	return policy.ParseWithOptions(doc, policy.BucketPolicy, policy.ParseOptions{MaxSize: max(limit, 1)})
}

// validateBucketPolicy applies S3's own checks to a policy the language
// accepted, returning S3's MalformedPolicy message or "": every action is
// an S3 action, and every resource is this bucket or an object in it.
func validateBucketPolicy(p *policy.Policy, bucket string) string {
	bucketARN := "arn:aws:s3:::" + bucket
	for _, st := range p.Statements() {
		for _, a := range st.Actions() {
			if !validS3Action(a) {
				return "Policy has invalid action"
			}
		}
		for _, res := range st.Resources() {
			if res == "*" || res == bucketARN || strings.HasPrefix(res, bucketARN+"/") {
				continue
			}
			// A wildcard that can only name this bucket's objects, such as
			// arn:aws:s3:::bucket* is not accepted by S3 either.
			return "Policy has invalid resource"
		}
	}
	return ""
}

// validS3Action reports whether a policy's action names S3 actions:
// "*", "s3:*", or an s3: pattern matching at least one known S3 action.
func validS3Action(a string) bool {
	if a == "*" {
		return true
	}
	service, name, ok := strings.Cut(a, ":")
	if !ok || !strings.EqualFold(service, "s3") {
		return false
	}
	for _, known := range s3Actions {
		if globMatch(strings.ToLower(name), strings.ToLower(known)) {
			return true
		}
	}
	return false
}

// s3Actions are the IAM action names of S3 (Service Authorization
// Reference, "Actions defined by Amazon S3"), without the "s3:" prefix.
var s3Actions = []string{
	"AbortMultipartUpload", "BypassGovernanceRetention", "CreateAccessPoint", "CreateBucket", "CreateJob",
	"DeleteAccessPoint", "DeleteAccessPointPolicy", "DeleteBucket", "DeleteBucketOwnershipControls",
	"DeleteBucketPolicy", "DeleteBucketWebsite", "DeleteObject", "DeleteObjectTagging", "DeleteObjectVersion",
	"DeleteObjectVersionTagging", "GetAccelerateConfiguration", "GetAccessPoint", "GetAccountPublicAccessBlock",
	"GetAnalyticsConfiguration", "GetBucketAcl", "GetBucketCORS", "GetBucketLocation", "GetBucketLogging",
	"GetBucketNotification", "GetBucketObjectLockConfiguration", "GetBucketOwnershipControls", "GetBucketPolicy",
	"GetBucketPolicyStatus", "GetBucketPublicAccessBlock", "GetBucketRequestPayment", "GetBucketTagging",
	"GetBucketVersioning", "GetBucketWebsite", "GetEncryptionConfiguration", "GetIntelligentTieringConfiguration",
	"GetInventoryConfiguration", "GetLifecycleConfiguration", "GetMetricsConfiguration", "GetObject",
	"GetObjectAcl", "GetObjectAttributes", "GetObjectLegalHold", "GetObjectRetention", "GetObjectTagging",
	"GetObjectTorrent", "GetObjectVersion", "GetObjectVersionAcl", "GetObjectVersionAttributes",
	"GetObjectVersionForReplication", "GetObjectVersionTagging", "GetObjectVersionTorrent",
	"GetReplicationConfiguration", "ListAllMyBuckets", "ListBucket", "ListBucketMultipartUploads",
	"ListBucketVersions", "ListMultipartUploadParts", "ObjectOwnerOverrideToBucketOwner", "PutAccelerateConfiguration",
	"PutAccountPublicAccessBlock", "PutAnalyticsConfiguration", "PutBucketAcl", "PutBucketCORS", "PutBucketLogging",
	"PutBucketNotification", "PutBucketObjectLockConfiguration", "PutBucketOwnershipControls", "PutBucketPolicy",
	"PutBucketPublicAccessBlock", "PutBucketRequestPayment", "PutBucketTagging", "PutBucketVersioning",
	"PutBucketWebsite", "PutEncryptionConfiguration", "PutIntelligentTieringConfiguration",
	"PutInventoryConfiguration", "PutLifecycleConfiguration", "PutMetricsConfiguration", "PutObject",
	"PutObjectAcl", "PutObjectLegalHold", "PutObjectRetention", "PutObjectTagging", "PutObjectVersionAcl",
	"PutObjectVersionTagging", "PutReplicationConfiguration", "ReplicateDelete", "ReplicateObject",
	"ReplicateTags", "RestoreObject",
}

// globMatch matches s against pattern, where * is any run of characters
// and ? any one character.
func globMatch(pattern, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			star, mark = px, sx
			px++
		case star >= 0:
			px = star + 1
			mark++
			sx = mark
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}
