package s3

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/edgegate/edgegate/internal/accesslog"
	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/s3/authz"
	"github.com/edgegate/edgegate/internal/sigv4"
	"github.com/edgegate/edgegate/internal/store"
)

// Server access logging (spec §6.1): every request to a bucket whose
// logging is enabled (bucket_logging.go), answered or refused, becomes
// one accesslog.S3Record handed to Config.AccessLog after the response,
// with the Target (the configured target bucket and prefix) its log
// object goes to. The server batches the records (accesslog.Writer) and
// delivers each batch with DeliverLog: an in-process PutObject made as
// S3's log delivery service, authorized like any other request.

// AccessLogFunc receives one server access log record and where it goes.
// It is called on the request's goroutine after the response was sent;
// it must not block.
type AccessLogFunc func(t accesslog.Target, rec *accesslog.S3Record)

// LogDeliveryService is the service principal S3 delivers server access
// logs as: a target bucket's policy grants it s3:PutObject (with
// aws:SourceArn the source bucket's ARN and aws:SourceAccount its owner),
// or its ACL grants the LogDelivery group WRITE.
const LogDeliveryService = "logging.s3.amazonaws.com"

// LogDeliveryPrincipal is the caller of server access log deliveries.
var LogDeliveryPrincipal = identity.Principal{Type: identity.Service, ARN: LogDeliveryService, UserID: LogDeliveryService}

// AWSLogsDeliveryCanonicalID is the canonical user id of the
// awslogsdelivery account, which writes CloudFront standard logs
// (legacy): the log bucket's ACL must grant it FULL_CONTROL.
const AWSLogsDeliveryCanonicalID = "c4c1ede66af53448b93c283ce9448c4ba468c9432aa01d700d3878632f77d2d0"

// CloudFrontLogDeliveryPrincipal is the caller of CloudFront standard log
// deliveries: the awslogsdelivery account, known to S3 by its canonical
// user id only. (An account id is not needed: S3 resolves it as an ACL
// grantee by canonical id.)
var CloudFrontLogDeliveryPrincipal = identity.Principal{
	Type: identity.Service, ARN: "awslogsdelivery", UserID: "awslogsdelivery",
	CanonicalID: AWSLogsDeliveryCanonicalID, DisplayName: "awslogsdelivery",
}

// responseStats is what the front door's response writer counts: body
// bytes written and when the first was. ServeS3 finds it through the
// writers' Unwrap chain (the edge wraps the front door's writer).
type responseStats interface {
	BytesWritten() int64
	FirstByte() time.Time
}

func statsOf(w http.ResponseWriter) responseStats {
	for w != nil {
		if s, ok := w.(responseStats); ok {
			return s
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// logAccess hands the record of a request answered with status and
// errCode to the access log, if the addressed bucket has logging on.
func (s *Service) logAccess(w http.ResponseWriter, r *http.Request, q *request, status int, errCode string) {
	s.logAccessAs(w, r, q, status, errCode, "")
}

// logAccessAs is logAccess with the Operation field given (a website
// endpoint request: WEBSITE.GET.OBJECT); "" derives it from q.op.
func (s *Service) logAccessAs(w http.ResponseWriter, r *http.Request, q *request, status int, errCode, operation string) {
	if s.accessLog == nil || q.bkt == nil {
		return
	}
	cfg, ok := bucketLogging(q.bkt)
	if !ok {
		return
	}
	if operation == "" {
		operation = logOperation(r.Method, q)
	}
	rec := s.newS3Record(w, r, q.call, q.bkt, operation, status, errCode)
	if q.op != nil && q.op.target == targetObject {
		rec.Key = q.key
	}
	rec.ACLRequired = status < 400 && aclRequired(q)
	// Object Size: of the object read, or written, when the request
	// succeeded (a refused request reveals no size; UNCONFIRMED).
	switch {
	case status >= 400:
	case q.obj != nil:
		rec.ObjectSize = q.obj.Size
	case r.Method == http.MethodPut && q.op != nil && q.op.target == targetObject:
		rec.ObjectSize = uploadedSize(r, q.call)
	}
	s.accessLog(logTarget(q.bkt, cfg), rec)
}

// aclRequired reports whether an ACL was needed to allow q: some allowed
// decision of q is a denial once the bucket's and object's ACLs are
// taken away (left private to their owners). That is S3's aclRequired
// field, which flags the requests that would break with ACLs disabled.
func aclRequired(q *request) bool {
	for i := range q.checks {
		c := &q.checks[i]
		if !c.Result.Allowed || c.Input.Bucket == nil || !c.Input.Bucket.Ownership.ACLsEnabled() {
			continue
		}
		in := c.Input
		ctx := c.Context
		in.Context = &ctx
		b := *in.Bucket
		b.ACL = nil
		in.Bucket = &b
		if in.Object != nil {
			o := *in.Object
			o.ACL = nil
			in.Object = &o
		}
		if !authz.Authorize(&in, nil).Allowed {
			return true
		}
	}
	return false
}

// logTarget is where the records of source bucket b go.
func logTarget(b *store.Bucket, cfg loggingConfig) accesslog.Target {
	return accesslog.Target{
		Kind: accesslog.KindS3, Bucket: cfg.TargetBucket, Prefix: cfg.TargetPrefix,
		SourceBucket: b.Name, SourceAccount: b.Owner, SourceRegion: b.Region,
		Partitioned: cfg.Partitioned, DeliveryTime: cfg.DateSource == "DeliveryTime",
	}
}

// uploadedSize is the object size a PUT carried: the decoded length of an
// aws-chunked body, else Content-Length; -1 when unknown.
func uploadedSize(r *http.Request, c *reqctx.Call) int64 {
	if c.Auth != nil && c.Auth.DecodedLength >= 0 {
		return c.Auth.DecodedLength
	}
	if v := r.Header.Get("X-Amz-Decoded-Content-Length"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	}
	return r.ContentLength
}

// newS3Record fills the fields every record has.
func (s *Service) newS3Record(w http.ResponseWriter, r *http.Request, c *reqctx.Call, b *store.Bucket, operation string, status int, errCode string) *accesslog.S3Record {
	now := time.Now()
	rec := &accesslog.S3Record{
		BucketOwner: s.canonicalOf(b.Owner),
		Bucket:      b.Name,
		Time:        c.Received,
		RemoteIP:    c.SourceIP,
		Requester:   logRequester(c.Principal),
		RequestID:   c.RequestID,
		Operation:   operation,
		Method:      r.Method,
		RequestURI:  r.RequestURI,
		Proto:       r.Proto,
		HTTPStatus:  status,
		ErrorCode:   errCode,
		ObjectSize:  -1,
		TotalTime:   now.Sub(c.Received),
		TurnAround:  -1,
		Referer:     r.Header.Get("Referer"),
		UserAgent:   r.Header.Get("User-Agent"),
		VersionID:   r.URL.Query().Get("versionId"),
		HostID:      awsapi.HostID(c.RequestID),
		HostHeader:  r.Host,
	}
	if rec.RequestURI == "" {
		rec.RequestURI = r.URL.RequestURI()
	}
	if st := statsOf(w); st != nil {
		rec.BytesSent = st.BytesWritten()
		if fb := st.FirstByte(); !fb.IsZero() {
			rec.TurnAround = fb.Sub(c.Received)
		}
	}
	if c.Auth != nil {
		switch c.Auth.AuthType {
		case sigv4.Header:
			rec.SignatureVersion, rec.AuthType = "SigV4", "AuthHeader"
		case sigv4.Query:
			rec.SignatureVersion, rec.AuthType = "SigV4", "QueryString"
		}
	}
	if r.TLS != nil {
		rec.TLSVersion = accesslog.TLSVersionName(r.TLS.Version)
		rec.CipherSuite = accesslog.CipherSuiteName(r.TLS.CipherSuite)
	}
	return rec
}

// logRequester is the Requester field for p: the canonical user id of an
// account's root user, the ARN of an IAM user or role session, "-" for
// the anonymous user. UNCONFIRMED: what S3 shows for service principals
// (CloudFront's origin access control, the log delivery service; here
// the service name) and origin access identities (here the OAI's S3
// canonical user id).
func logRequester(p identity.Principal) string {
	switch p.Type {
	case identity.Anonymous:
		return ""
	case identity.Root:
		if p.CanonicalID != "" {
			return p.CanonicalID
		}
		return p.ARN
	case identity.OAI:
		if p.CanonicalID != "" {
			return p.CanonicalID
		}
	}
	return p.ARN
}

// logOperations maps operations to the Operation field S3 logs them with
// (REST.HTTP_METHOD.RESOURCE_TYPE). UNCONFIRMED beyond the names seen in
// S3's documentation (REST.GET.VERSIONING, REST.GET.LOGGING_STATUS,
// REST.GET.BUCKETPOLICY, REST.PUT.OBJECT, REST.GET.OBJECT,
// REST.COPY.OBJECT_GET, REST.GET.BUCKET) and commonly reported ones.
var logOperations = map[string]string{
	"GetObject":                        "REST.GET.OBJECT",
	"HeadObject":                       "REST.HEAD.OBJECT",
	"PutObject":                        "REST.PUT.OBJECT",
	"CopyObject":                       "REST.COPY.OBJECT",
	"DeleteObject":                     "REST.DELETE.OBJECT",
	"DeleteObjects":                    "REST.POST.MULTI_OBJECT_DELETE",
	"GetObjectAcl":                     "REST.GET.ACL",
	"PutObjectAcl":                     "REST.PUT.ACL",
	"CreateMultipartUpload":            "REST.POST.UPLOADS",
	"UploadPart":                       "REST.PUT.PART",
	"UploadPartCopy":                   "REST.COPY.PART",
	"CompleteMultipartUpload":          "REST.POST.UPLOAD",
	"AbortMultipartUpload":             "REST.DELETE.UPLOAD",
	"ListParts":                        "REST.GET.UPLOAD",
	"ListMultipartUploads":             "REST.GET.UPLOADS",
	"ListObjects":                      "REST.GET.BUCKET",
	"ListObjectsV2":                    "REST.GET.BUCKET",
	"HeadBucket":                       "REST.HEAD.BUCKET",
	"CreateBucket":                     "REST.PUT.BUCKET",
	"DeleteBucket":                     "REST.DELETE.BUCKET",
	"GetBucketLocation":                "REST.GET.LOCATION",
	"GetBucketAcl":                     "REST.GET.ACL",
	"PutBucketAcl":                     "REST.PUT.ACL",
	"GetBucketPolicy":                  "REST.GET.BUCKETPOLICY",
	"PutBucketPolicy":                  "REST.PUT.BUCKETPOLICY",
	"DeleteBucketPolicy":               "REST.DELETE.BUCKETPOLICY",
	"GetBucketPolicyStatus":            "REST.GET.POLICY_STATUS",
	"GetBucketLogging":                 "REST.GET.LOGGING_STATUS",
	"PutBucketLogging":                 "REST.PUT.LOGGING_STATUS",
	"GetBucketVersioning":              "REST.GET.VERSIONING",
	"GetBucketTagging":                 "REST.GET.TAGGING",
	"PutBucketTagging":                 "REST.PUT.TAGGING",
	"DeleteBucketTagging":              "REST.DELETE.TAGGING",
	"GetBucketEncryption":              "REST.GET.ENCRYPTION",
	"PutBucketEncryption":              "REST.PUT.ENCRYPTION",
	"DeleteBucketEncryption":           "REST.DELETE.ENCRYPTION",
	"GetPublicAccessBlock":             "REST.GET.PUBLIC_ACCESS_BLOCK",
	"PutPublicAccessBlock":             "REST.PUT.PUBLIC_ACCESS_BLOCK",
	"DeletePublicAccessBlock":          "REST.DELETE.PUBLIC_ACCESS_BLOCK",
	"GetBucketOwnershipControls":       "REST.GET.OWNERSHIP_CONTROLS",
	"PutBucketOwnershipControls":       "REST.PUT.OWNERSHIP_CONTROLS",
	"DeleteBucketOwnershipControls":    "REST.DELETE.OWNERSHIP_CONTROLS",
	"GetBucketCors":                    "REST.GET.CORS",
	"GetBucketWebsite":                 "REST.GET.WEBSITE",
	"PutBucketWebsite":                 "REST.PUT.WEBSITE",
	"DeleteBucketWebsite":              "REST.DELETE.WEBSITE",
	"GetBucketLifecycleConfiguration":  "REST.GET.LIFECYCLE",
	"GetBucketReplication":             "REST.GET.REPLICATION",
	"GetObjectLockConfiguration":       "REST.GET.OBJECT_LOCK_CONFIGURATION",
	"GetBucketAccelerateConfiguration": "REST.GET.ACCELERATE",
	"GetBucketRequestPayment":          "REST.GET.REQUEST_PAYMENT",
}

// logOperation is the Operation field of q: its table entry, or, for an
// operation without one or a request no operation matched (a 405, a
// 501), REST.METHOD.OBJECT or REST.METHOD.BUCKET by what it addressed.
func logOperation(method string, q *request) string {
	if q.op != nil {
		if op, ok := logOperations[q.op.name]; ok {
			return op
		}
	}
	kind := "BUCKET"
	if q.key != "" {
		kind = "OBJECT"
	}
	return "REST." + method + "." + kind
}

// LogRejected logs a request the front door refused before S3 saw it
// (authentication errors: SignatureDoesNotMatch, InvalidAccessKeyId,
// ...) when the bucket it addressed exists and has logging on, as S3
// logs those too. c.Principal is the anonymous user: the request was not
// authenticated.
func (s *Service) LogRejected(w http.ResponseWriter, r *http.Request, c *reqctx.Call, ae *awsapi.Error) {
	if s.accessLog == nil || isControlRequest(r) {
		return
	}
	q := &request{call: c, query: r.URL.Query()}
	if b := bucketFromHost(r.Host); b != "" {
		q.bucket, q.key = b, trimLeadingSlash(r.URL.Path)
	} else {
		q.bucket, q.key = splitPath(r.URL.Path)
	}
	if q.bucket == "" {
		return
	}
	bs, err := s.loadBucket(r.Context(), q.bucket)
	if err != nil {
		return
	}
	q.bkt = bs.rec
	t := targetBucket
	if q.key != "" {
		t = targetObject
	}
	q.op, _ = selectOperation(r.Method, t, q.query, r.Header)
	s.logAccess(w, r, q, ae.Status, ae.Code)
}

// DeliverLog writes one log object to its target bucket in-process, as S3
// or CloudFront's log delivery would: a PutObject made by principal
// (LogDeliveryPrincipal or CloudFrontLogDeliveryPrincipal) with the
// condition keys of ctxKeys (lowercased; aws:SourceArn and
// aws:SourceAccount for server access logs), authorized by the target
// bucket's policy and ACL like any request, with the
// bucket-owner-full-control canned ACL (honoured where ACLs are enabled).
// It returns the S3 error that refused it, if any.
func (s *Service) DeliverLog(ctx context.Context, principal identity.Principal, ctxKeys map[string][]string, bucket, key, contentType string, body []byte) error {
	u := &url.URL{Path: "/" + bucket + "/" + key}
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Amz-Acl", "bucket-owner-full-control")
	h.Set("User-Agent", principal.ARN)
	r := (&http.Request{
		Method: http.MethodPut, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Host: s.regionalHost(), RequestURI: u.EscapedPath(),
		Body: nopCloser{bytes.NewReader(body)}, ContentLength: int64(len(body)),
	}).WithContext(context.WithoutCancel(ctx))
	c := &reqctx.Call{
		RequestID: awsapi.NewRequestID(),
		Principal: principal,
		SourceIP:  "127.0.0.1",
		Received:  time.Now(),
		Context:   ctxKeys,
	}
	w := &discardWriter{h: http.Header{}}
	if ae := s.ServeS3(w, r, c); ae != nil {
		return ae
	}
	return nil
}

// regionalHost is the path-style endpoint of the service's region.
func (s *Service) regionalHost() string {
	if s.region == "" || s.region == "us-east-1" {
		return "s3.amazonaws.com"
	}
	return "s3." + s.region + ".amazonaws.com"
}

// SourceContext is the condition-key context of a server access log
// delivery for source bucket b of account: aws:SourceArn and
// aws:SourceAccount, which S3's documented target bucket policy checks.
func SourceContext(bucket, account string) map[string][]string {
	return map[string][]string{
		"aws:sourcearn":     {awsapi.S3BucketARN(bucket)},
		"aws:sourceaccount": {account},
	}
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// discardWriter is the response writer of an in-process delivery: the
// answer is the returned error.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}
func (w *discardWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

// Status is the status written, for ServeS3's own bookkeeping.
func (w *discardWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
