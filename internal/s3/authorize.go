package s3

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/s3/authz"
	"github.com/edgegate/edgegate/internal/sigv4"
	"github.com/edgegate/edgegate/internal/store"
	"github.com/edgegate/edgegate/internal/traces"
)

// Identities hands out a principal's identity policies (IAM users and role
// sessions); it must not allocate: it is called on every signed request.
type Identities interface {
	IdentityPolicies(p identity.Principal) []iam.NamedPolicy
}

// bucketState is a bucket record with its authorization state decoded
// once: the compiled bucket policy, the ACL, Object Ownership and the
// bucket's own Block Public Access setting.
type bucketState struct {
	rec *store.Bucket
	az  authz.Bucket // PAB holds the bucket's own setting; see authzBucket
	pab *access.PublicAccessBlock
}

// bucketCache keeps bucketStates by name. Every write of a bucket record
// goes through Service.putBucketAttr, createBucket or deleteBucket, which
// invalidate; gen guards against a load racing an invalidation.
type bucketCache struct {
	mu  sync.RWMutex
	m   map[string]*bucketState
	gen atomic.Uint64
}

func (c *bucketCache) get(name string) *bucketState {
	c.mu.RLock()
	bs := c.m[name]
	c.mu.RUnlock()
	return bs
}

func (c *bucketCache) invalidate(name string) {
	c.mu.Lock()
	c.gen.Add(1)
	delete(c.m, name)
	c.mu.Unlock()
}

// loadBucket returns the bucket's state, from the cache or the store.
func (s *Service) loadBucket(ctx context.Context, name string) (*bucketState, error) {
	if bs := s.buckets.get(name); bs != nil {
		return bs, nil
	}
	gen := s.buckets.gen.Load()
	rec, err := s.meta.GetBucket(ctx, name)
	if err != nil {
		return nil, err
	}
	bs := newBucketState(rec, s.owners)
	s.buckets.mu.Lock()
	if s.buckets.gen.Load() == gen {
		if s.buckets.m == nil {
			s.buckets.m = make(map[string]*bucketState)
		}
		s.buckets.m[name] = bs
	}
	s.buckets.mu.Unlock()
	return bs, nil
}

func newBucketState(rec *store.Bucket, owners Owners) *bucketState {
	bs := &bucketState{rec: rec, pab: access.BucketPAB(rec)}
	bs.az.Name = rec.Name
	bs.az.Owner = rec.Owner
	if owners != nil {
		bs.az.OwnerCanonicalID, _, _ = owners.Owner(rec.Owner)
	}
	if raw := rec.Attrs[access.AttrPolicy]; len(raw) > 0 {
		// The size limit is checked when a policy is put, on the document
		// sent; the one stored may differ (OAI principals rewritten).
		p, err := policy.ParseWithOptions(raw, policy.BucketPolicy, policy.ParseOptions{MaxSize: -1})
		if err != nil {
			// Policies are validated when put; one that no longer parses
			// (a parser change) grants nothing rather than everything.
			slog.Error("s3: stored bucket policy does not parse; treating it as absent", "bucket", rec.Name, "err", err)
		} else {
			bs.az.Policy = p
			bs.az.PolicyIsPublic = p.IsPublic(policy.PublicOptions{})
		}
	}
	if acl, ok := access.BucketACL(rec); ok {
		bs.az.ACL = &acl
	}
	bs.az.Ownership = access.BucketOwnership(rec)
	return bs
}

// putBucketAttr writes a bucket attribute and drops the cached state.
func (s *Service) putBucketAttr(ctx context.Context, bucket, name string, value []byte) error {
	defer s.buckets.invalidate(bucket)
	return s.meta.PutBucketAttr(ctx, bucket, name, value)
}

// authzBucket is bs's authorization view with the effective Block Public
// Access: the owner account's setting combined with the bucket's.
func (s *Service) authzBucket(ctx context.Context, bs *bucketState) (authz.Bucket, error) {
	b := bs.az
	acct, err := s.settings.GetAccountPAB(ctx, bs.rec.Owner)
	if err != nil {
		return b, err
	}
	b.PAB = access.Effective(acct, bs.pab)
	return b, nil
}

// fillContext sets the request's condition keys (spec §2.8) once.
func (s *Service) fillContext(r *http.Request, q *request) {
	c := &q.rctx
	call := q.call
	p := call.Principal
	c.Time = call.Received
	c.Set(authz.KeySourceIP, call.SourceIP)
	c.SetBool(authz.KeySecureTransport, call.Secure)
	if v := r.Header.Get("User-Agent"); v != "" {
		c.Set(authz.KeyUserAgent, v)
	}
	if v := r.Header.Get("Referer"); v != "" {
		c.Set(authz.KeyReferer, v)
	}
	c.Set(authz.KeyRequestedRegion, s.region)
	c.Set(authz.KeyPrincipalType, p.Type.String())
	switch p.Type {
	case identity.Anonymous:
		c.Set(authz.KeyUserID, "anonymous")
	case identity.Service:
		c.Set(authz.KeyPrincipalServiceName, p.ARN)
		c.SetBool(authz.KeyPrincipalIsAWSService, true)
	default:
		arn := p.ARN
		if p.Type == identity.AssumedRole && p.RoleARN != "" {
			arn = p.RoleARN // aws:PrincipalArn names the role, not the session
		}
		c.Set(authz.KeyPrincipalARN, arn)
		if p.Account != "" {
			c.Set(authz.KeyPrincipalAccount, p.Account)
		}
		c.Set(authz.KeyUserID, p.UserID)
		if p.Type == identity.User {
			c.Set(authz.KeyUsername, p.UserName)
		}
		c.SetBool(authz.KeyPrincipalIsAWSService, false)
	}
	if a := call.Auth; a != nil {
		c.Set(authz.KeySignatureVersion, sigv4.Algorithm)
		if a.AuthType == sigv4.Query {
			c.Set(authz.KeyAuthType, "REST-QUERY-STRING")
		} else {
			c.Set(authz.KeyAuthType, "REST-HEADER")
		}
		if a.ContentSHA256 != "" {
			c.Set(authz.KeyContentSHA256, a.ContentSHA256)
		}
	}
	if r.TLS != nil {
		c.Set(authz.KeyTLSVersion, tlsVersionName(r.TLS.Version))
	}
	for k, v := range q.query {
		switch k {
		case "prefix":
			c.Set(authz.KeyPrefix, v[0])
		case "delimiter":
			c.Set(authz.KeyDelimiter, v[0])
		case "max-keys":
			c.Set(authz.KeyMaxKeys, v[0])
		case "versionId":
			c.Set(authz.KeyVersionID, v[0])
		}
	}
	h := r.Header
	for name, key := range headerKeys {
		if v, ok := h[name]; ok && len(v) > 0 {
			c.Set(key, v[0])
		}
	}
	for k, v := range call.Context {
		c.SetExtra(k, v...)
	}
}

// headerKeys maps canonical request header names to the condition keys
// they populate.
var headerKeys = map[string]authz.Key{
	"X-Amz-Acl":                                   authz.KeyACL,
	"X-Amz-Server-Side-Encryption":                authz.KeySSE,
	"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": authz.KeySSEKMSKeyID,
	"X-Amz-Copy-Source":                           authz.KeyCopySource,
	"X-Amz-Metadata-Directive":                    authz.KeyMetadataDirective,
	"X-Amz-Storage-Class":                         authz.KeyStorageClass,
	"X-Amz-Grant-Read":                            authz.KeyGrantRead,
	"X-Amz-Grant-Write":                           authz.KeyGrantWrite,
	"X-Amz-Grant-Read-Acp":                        authz.KeyGrantReadACP,
	"X-Amz-Grant-Write-Acp":                       authz.KeyGrantWriteACP,
	"X-Amz-Grant-Full-Control":                    authz.KeyGrantFullControl,
	"X-Amz-Object-Ownership":                      authz.KeyObjectOwnership,
}

func tlsVersionName(v uint16) string {
	switch v {
	case 0x0301:
		return "TLSv1"
	case 0x0302:
		return "TLSv1.1"
	case 0x0303:
		return "TLSv1.2"
	case 0x0304:
		return "TLSv1.3"
	}
	return "TLS"
}

// decide runs one authorization for q and keeps its snapshot for explain.
// bs is nil for service-level actions; obj is the existing object for
// object actions (nil for bucket actions and writes of new objects).
func (s *Service) decide(ctx context.Context, q *request, action, resource string, bs *bucketState, obj *store.Object) (authz.Result, error) {
	// The decision's snapshot lives in q.checks (backed by q.checkBuf), so
	// the pointers the Input holds stay valid while the trace store keeps
	// it.
	q.checks = append(q.checks, traces.Check{})
	chk := &q.checks[len(q.checks)-1]
	in := &chk.Input
	in.Principal = q.call.Principal
	if s.identities != nil {
		in.Identity = s.identities.IdentityPolicies(q.call.Principal)
	}
	in.Action, in.Resource = action, resource
	if bs != nil {
		b, err := s.authzBucket(ctx, bs)
		if err != nil {
			q.checks = q.checks[:len(q.checks)-1]
			return authz.Result{}, err
		}
		chk.Bucket = b
		in.Bucket = &chk.Bucket
		q.rctx.Set(authz.KeyResourceAccount, bs.rec.Owner)
		if obj != nil {
			o := &chk.Object
			o.Owner = obj.Owner
			if s.owners != nil && obj.Owner != "" {
				o.OwnerCanonicalID, _, _ = s.owners.Owner(obj.Owner)
			} else if obj.Owner == "" {
				o.OwnerCanonicalID = identity.AnonymousCanonicalID
			}
			if acl, ok := access.ObjectACL(obj); ok {
				o.ACL = &acl
			}
			chk.Object = *o
			in.Object = &chk.Object
		}
	}
	in.Context = &q.rctx
	chk.Result = authz.Authorize(in, nil)
	if s.traces != nil {
		chk.Context = q.rctx
		in.Context = nil // Replay points it at the kept copy
	} else {
		q.checks = q.checks[:len(q.checks)-1]
	}
	return chk.Result, nil
}

// denied is the error a denial answers with: S3's AccessDenied, with the
// richer message S3 gives same-account IAM principals (spec §1.8), and
// the operator's reason header when turned on.
func (s *Service) denied(q *request, res authz.Result, action, resource string) *awsapi.Error {
	e := errAccessDenied
	p := q.call.Principal
	if (p.Type == identity.User || p.Type == identity.AssumedRole) && q.bkt != nil && p.Account == q.bkt.Owner {
		why := "because no identity-based policy allows the " + action + " action"
		switch res.Reason {
		case authz.ReasonExplicitDenyIdentityPolicy:
			why = "with an explicit deny in an identity-based policy"
		case authz.ReasonExplicitDenyBucketPolicy:
			why = "with an explicit deny in a resource-based policy"
		}
		e = e.WithMessage("User: " + p.ARN + " is not authorized to perform: " + action + " on resource: \"" + resource + "\" " + why)
	}
	if s.reasonHeader {
		e = e.WithHeader("X-Edgegate-Denial-Reason", string(res.Reason))
	}
	return e
}

// record keeps q's decisions under its request id.
func (s *Service) record(q *request, status int, errCode string) {
	if s.traces == nil || len(q.checks) == 0 {
		return
	}
	rec := traces.Record{
		RequestID: q.call.RequestID,
		Time:      q.call.Received,
		Service:   "s3",
		Principal: q.call.Principal,
		Bucket:    q.bucket,
		Key:       q.key,
		Status:    status,
		ErrorCode: errCode,
		Checks:    q.checks,
		Notes:     q.notes,
		KMS:       q.kms,
	}
	if q.op != nil {
		rec.Operation = q.op.name
	}
	if q.bkt != nil {
		rec.Owners = append(rec.Owners, q.bkt.Owner)
	}
	for i := range q.checks { // a copy source's owner too
		if b := q.checks[i].Input.Bucket; b != nil && !slices.Contains(rec.Owners, b.Owner) {
			rec.Owners = append(rec.Owners, b.Owner)
		}
	}
	if q.obj != nil && q.obj.Owner != "" && (q.bkt == nil || q.obj.Owner != q.bkt.Owner) {
		rec.Owners = append(rec.Owners, q.obj.Owner)
	}
	if q.bkt == nil && q.call.Principal.Account != "" {
		rec.Owners = append(rec.Owners, q.call.Principal.Account) // service-level: the caller's own account
	}
	s.traces.Put(&rec)
}

// objectARNFor returns the resource ARN of an object action.
func objectARNFor(bucket, key string) string { return awsapi.S3ObjectARN(bucket, key) }

// authorizeExtra decides one more action a request needs besides its
// operation's (an ACL header on a write needs s3:PutObjectAcl too), with
// the bucket context bs (nil for a bucket not created yet).
func (s *Service) authorizeExtra(ctx context.Context, q *request, action, resource string, bs *bucketState) error {
	res, err := s.decide(ctx, q, action, resource, bs, nil)
	if err != nil {
		return err
	}
	if !res.Allowed {
		return s.denied(q, res, action, resource)
	}
	return nil
}
