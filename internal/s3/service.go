// Package s3 is edgegate's S3 REST API: it parses each request into an
// operation of the operations table, authorizes it and answers it from the
// metadata and blob stores, with S3's wire format and error codes.
package s3

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/s3/authz"
	"github.com/edgegate/edgegate/internal/sse"
	"github.com/edgegate/edgegate/internal/store"
	"github.com/edgegate/edgegate/internal/traces"
)

// Owners resolves accounts for the S3 owner fields shown in listings and
// ACLs, and for ACL grantees. ok is false for unknown accounts.
type Owners interface {
	// Owner returns the canonical user id and display name of an account.
	Owner(accountID string) (canonicalID, displayName string, ok bool)
	// AccountByCanonicalID returns the account whose S3 canonical user id
	// is canonicalID.
	AccountByCanonicalID(canonicalID string) (accountID, displayName string, ok bool)
	// AccountByEmail returns the account configured with that e-mail
	// address, compared case-insensitively (ACL e-mail grantees).
	AccountByEmail(email string) (accountID, canonicalID, displayName string, ok bool)
}

// OAIs resolves CloudFront origin access identities, which S3 bucket
// policies name by ARN (arn:aws:iam::cloudfront:user/CloudFront Origin
// Access Identity ID) or by S3 canonical user id. OAIs belong to no
// account here: an id is looked up across every account.
type OAIs interface {
	// OAIExists reports whether an origin access identity with this id
	// exists.
	OAIExists(id string) bool
	// OAIByCanonicalID returns the id of the origin access identity whose
	// S3 canonical user id is canonicalID (hex, compared
	// case-insensitively); ok is false when no OAI has it.
	OAIByCanonicalID(canonicalID string) (id string, ok bool)
}

// Config is what a Service is built from.
type Config struct {
	Meta   store.Meta
	Blobs  store.Blobs
	Owners Owners
	// Region is the region the endpoint serves (us-east-1 by default);
	// buckets created without a LocationConstraint live there.
	Region string
	// Settings keeps account-level settings (S3 Control's account Block
	// Public Access); nil keeps them in memory only.
	Settings AccountSettings
	// Identities gives callers' identity policies; nil means none.
	Identities Identities
	// OAIs resolves the CloudFront origin access identities bucket
	// policies name; nil means there are none, so that a policy naming
	// an OAI is refused (MalformedPolicy "Invalid principal in policy").
	OAIs OAIs
	// Traces keeps every decision for `edgegate explain`; nil keeps none.
	Traces *traces.Store
	// DenialReasonHeader adds X-Edgegate-Denial-Reason to denied
	// responses (an operator's local-debugging switch; off by default, as
	// AWS tells a denied caller nothing).
	DenialReasonHeader bool
	// SSES3 seals the data keys of SSE-S3 objects (every object not
	// encrypted with SSE-KMS): the server passes sse.OpenS3Sealer over
	// DATADIR/sse/s3-master.key. nil uses a random master key held in
	// memory only, so that objects written become unreadable when the
	// Service is gone: fit for tests, never for a data directory.
	SSES3 sse.KeySealer
	// KMS, when set, serves SSE-KMS (x-amz-server-side-encryption:
	// aws:kms and aws:kms:dsse, bucket default encryption with aws:kms):
	// it seals and unseals data keys with KMS keys, authorizing
	// kms:GenerateDataKey and kms:Decrypt as the requester (spec §3). Its
	// errors may be *awsapi.Error (answered as they are), *sse.AccessError
	// (403 AccessDenied, explained in the trace) or sse.ErrNoSuchKey (400
	// KMS.NotFoundException); others are 500. nil answers SSE-KMS requests
	// with 501 NotImplemented.
	KMS sse.KeySealer
	// AccessLog, when set, receives the server access log record of every
	// request to a bucket with logging enabled (accesslog.go); nil logs
	// nothing.
	AccessLog AccessLogFunc
}

// Service answers S3 REST API requests. It is safe for concurrent use.
type Service struct {
	meta     store.Meta
	blobs    store.Blobs
	owners   Owners
	region   string
	settings AccountSettings

	identities   Identities
	oais         OAIs
	traces       *traces.Store
	reasonHeader bool
	buckets      *bucketCache // shared with ReadOnlyView's views
	small        blobCache
	sseS3        sse.KeySealer
	kms          sse.KeySealer
	accessLog    AccessLogFunc
}

// New returns a Service over the given stores.
func New(cfg Config) *Service {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Settings == nil {
		cfg.Settings, _ = OpenAccountSettings("") // in memory: cannot fail
	}
	if cfg.SSES3 == nil {
		slog.Warn("s3: no SSE-S3 master key configured: using one held in memory; objects written become unreadable once this process ends")
		key := make([]byte, sse.S3MasterKeySize)
		_, _ = rand.Read(key)
		cfg.SSES3, _ = sse.NewS3Sealer(key) // a key of the right size: cannot fail
	}
	return &Service{
		meta: cfg.Meta, blobs: cfg.Blobs, owners: cfg.Owners, region: cfg.Region, settings: cfg.Settings,
		identities: cfg.Identities, oais: cfg.OAIs, traces: cfg.Traces, reasonHeader: cfg.DenialReasonHeader,
		small: blobCache{max: smallCacheBytes}, sseS3: cfg.SSES3, kms: cfg.KMS, accessLog: cfg.AccessLog,
		buckets: &bucketCache{},
	}
}

// AccountSettings returns the account-level settings the service uses
// (for the authorization, which combines account and bucket Block Public
// Access).
func (s *Service) AccountSettings() AccountSettings { return s.settings }

// request is one S3 request after routing.
type request struct {
	call   *reqctx.Call
	op     *operation
	bucket string
	key    string
	query  url.Values
	// bkt is the addressed bucket, loaded by ServeS3 for bucket and object
	// operations other than CreateBucket; bs its decoded authorization
	// state.
	bkt *store.Bucket
	bs  *bucketState
	// obj is the addressed object, loaded before authorization for the
	// operations that read an existing object (operation.loadsObject).
	obj *store.Object
	// rctx is the request's condition-key context; checks the decisions
	// made (kept for explain); notes facts for the explanation.
	rctx   authz.RequestContext
	checks []traces.Check
	notes  []string
	// kms is the KMS denial that decided the request, if one did.
	kms *traces.KMSCheck
	// srcExpectedOwner is x-amz-source-expected-bucket-owner: the copy
	// source bucket must belong to that account.
	srcExpectedOwner string
	// checkBuf backs checks for the usual one or two decisions, so that
	// keeping them costs no allocation beyond the request itself.
	checkBuf [2]traces.Check
}

func (q *request) ctx(r *http.Request) context.Context { return r.Context() }

// maxKeyLength is S3's limit on object key length, in bytes of UTF-8.
const maxKeyLength = 1024

// ServeS3 answers one S3 request. The server has authenticated it into c
// and replaced r.Body with the verified payload. It returns the error it
// answered with (nil on success), so the caller can log the code.
func (s *Service) ServeS3(w http.ResponseWriter, r *http.Request, c *reqctx.Call) *awsapi.Error {
	h := w.Header()
	h.Set("x-amz-request-id", c.RequestID)
	h.Set("x-amz-id-2", awsapi.HostID(c.RequestID))
	h.Set("Server", "AmazonS3")

	q := &request{call: c, query: r.URL.Query(), srcExpectedOwner: r.Header.Get("X-Amz-Source-Expected-Bucket-Owner")}
	q.checks = q.checkBuf[:0]
	// S3 Control (account-level APIs such as the account's Block Public
	// Access) shares SigV4's "s3" signing name, so its requests arrive here.
	// The SDKs send them to {AccountId}.s3-control.REGION.amazonaws.com, a
	// host edgegate does not control (clients reach us through
	// --endpoint-url with the account id prefixed), so they are recognised
	// by their path and the x-amz-account-id header every S3 Control
	// operation carries, whatever the Host: a path-style request to a
	// bucket named "v20180820" never carries that header.
	if isControlRequest(r) {
		if err := s.serveControl(w, r, q); err != nil {
			ae := writeControlError(w, r, c.RequestID, err)
			s.record(q, ae.Status, ae.Code)
			return ae
		}
		s.record(q, http.StatusOK, "")
		return nil
	}
	if b := bucketFromHost(r.Host); b != "" {
		q.bucket = b
		q.key = trimLeadingSlash(r.URL.Path)
	} else {
		q.bucket, q.key = splitPath(r.URL.Path)
	}
	if err := s.serve(w, r, q); err != nil {
		ae := WriteError(w, r, c.RequestID, err)
		s.record(q, ae.Status, ae.Code)
		s.logAccess(w, r, q, ae.Status, ae.Code)
		return ae
	}
	status := http.StatusOK
	if sw, ok := w.(interface{ Status() int }); ok {
		status = sw.Status()
	}
	s.record(q, status, "")
	s.logAccess(w, r, q, status, "")
	return nil
}

func trimLeadingSlash(p string) string {
	if len(p) > 0 && p[0] == '/' {
		return p[1:]
	}
	return p
}

func (s *Service) serve(w http.ResponseWriter, r *http.Request, q *request) error {
	t := targetService
	switch {
	case q.key != "":
		t = targetObject
	case q.bucket != "":
		t = targetBucket
	}
	op, err := selectOperation(r.Method, t, q.query, r.Header)
	if err != nil {
		return err
	}
	q.op = op
	if t == targetObject {
		if len(q.key) > maxKeyLength {
			return errKeyTooLong.With("Size", strconv.Itoa(len(q.key))).With("MaxSizeAllowed", "1024")
		}
		if !utf8.ValidString(q.key) {
			return errInvalidArgument.WithMessage("Object key is not valid UTF-8")
		}
	}
	ctx := r.Context()
	if t != targetService && op != &opCreateBucket {
		bs, err := s.loadBucket(ctx, q.bucket)
		if err != nil {
			return s.storeError(q, err)
		}
		q.bs, q.bkt = bs, bs.rec
		// The caller's guard against addressing another account's bucket.
		if want := r.Header.Get("X-Amz-Expected-Bucket-Owner"); want != "" && want != bs.rec.Owner {
			return errAccessDenied
		}
	}
	s.fillContext(r, q)
	if op.loadsObject {
		// No versioning yet: only the "null" version exists.
		if v := q.query.Get("versionId"); v != "" && v != "null" {
			return errInvalidArgument.WithMessage("Invalid version id specified").
				With("ArgumentName", "versionId").With("ArgumentValue", v)
		}
		obj, err := s.meta.GetObject(ctx, q.bucket, q.key)
		switch {
		case errors.Is(err, store.ErrNoSuchKey):
			return s.missingObject(ctx, q)
		case err != nil:
			return s.storeError(q, err)
		}
		q.obj = obj
	}
	if !op.authorizesItself {
		if err := s.authorize(ctx, q); err != nil {
			return err
		}
	}
	return op.handle(s, w, r, q)
}

// authorize decides whether q's principal may perform q's operation on
// the addressed resource (spec §1.2), keeping the decision for explain.
func (s *Service) authorize(ctx context.Context, q *request) error {
	action := q.action()
	// Service-level actions (s3:ListAllMyBuckets) have no resource type;
	// AWS's own examples grant them on "arn:aws:s3:::*", which must work as
	// well as "*": judge them against that ARN.
	resource := "arn:aws:s3:::*"
	switch q.op.target {
	case targetObject:
		resource = awsapi.S3ObjectARN(q.bucket, q.key)
	case targetBucket:
		resource = awsapi.S3BucketARN(q.bucket)
	}
	if q.op == &opCreateBucket {
		resource = awsapi.S3BucketARN(q.bucket)
	}
	res, err := s.decide(ctx, q, action, resource, q.bs, q.obj)
	if err != nil {
		return err
	}
	if res.Allowed {
		return nil
	}
	// The bucket owner's root may always read, change and delete the
	// bucket policy, whatever it says: S3's protection against lock-out.
	if q.bs != nil && q.op.policyLockoutExempt && q.call.Principal.Type == identity.Root && q.call.Principal.Account == q.bkt.Owner {
		q.notes = append(q.notes, "the bucket owner's root user may always manage the bucket policy")
		return nil
	}
	return s.denied(q, res, action, resource)
}

// decideMissing judges the read of a key that does not exist as if the
// object existed and the bucket owner owned it: nil when that read would
// be allowed, else the denial to send.
func (s *Service) decideMissing(ctx context.Context, q *request) error {
	q.notes = append(q.notes, "s3://"+q.bucket+"/"+q.key+" does not exist")
	resource := awsapi.S3ObjectARN(q.bucket, q.key)
	res, err := s.decide(ctx, q, q.action(), resource, q.bs, &store.Object{Owner: q.bkt.Owner})
	if err != nil {
		return err
	}
	if !res.Allowed {
		return s.denied(q, res, q.action(), resource)
	}
	return nil
}

// action is the action q's operation is authorized as: a GetObject or
// HeadObject of a version (a versionId parameter, "null" included) needs
// s3:GetObjectVersion (API reference, GetObject: "To access a specific
// version ... you need the s3:GetObjectVersion permission").
func (q *request) action() string {
	if (q.op.name == "GetObject" || q.op.name == "HeadObject") && q.query.Has("versionId") {
		return "s3:GetObjectVersion"
	}
	return q.op.action
}

// missingObject answers an object read of a key that does not exist: S3
// says 404 NoSuchKey only to a caller who may list the bucket, and 403
// AccessDenied otherwise, so that key names do not leak (spec §1.7). The
// read is judged as if the object existed and the bucket owner owned it.
func (s *Service) missingObject(ctx context.Context, q *request) error {
	if err := s.decideMissing(ctx, q); err != nil {
		return err
	}
	list := awsapi.S3BucketARN(q.bucket)
	res, err := s.decide(ctx, q, "s3:ListBucket", list, q.bs, nil)
	if err != nil {
		return err
	}
	if !res.Allowed {
		res.Reason = authz.ReasonMissingObjectNoListBucket
		q.checks[len(q.checks)-1].Result.Reason = authz.ReasonMissingObjectNoListBucket
		return s.denied(q, res, q.action(), awsapi.S3ObjectARN(q.bucket, q.key))
	}
	return noSuchKey(q.key)
}

// storeError maps a store sentinel to the S3 error for q.
func (s *Service) storeError(q *request, err error) error {
	switch {
	case errors.Is(err, store.ErrNoSuchBucket):
		return noSuchBucket(q.bucket)
	case errors.Is(err, store.ErrNoSuchKey):
		return noSuchKey(q.key)
	case errors.Is(err, store.ErrNoSuchUpload):
		return errNoSuchUpload.With("UploadId", q.query.Get("uploadId"))
	case errors.Is(err, store.ErrBucketNotEmpty):
		return errBucketNotEmpty.With("BucketName", q.bucket)
	}
	return err
}
