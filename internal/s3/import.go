package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/sse"
	"github.com/edgegate/edgegate/internal/store"
)

// This file holds entry points used only to load exported configurations
// (internal/world loading a doctor bundle); the API never uses them. They
// validate what they load with the same parsers and checks the Put
// operations use, so an export S3 would not have accepted is refused.

// ImportedBucket is a bucket as an export describes it. The
// subresources are given in the wire form their Put operation takes.
type ImportedBucket struct {
	Name string
	// Owner is the owning account's id (it must be known to Owners).
	Owner string
	// Region is the bucket's region ("" is the service's); Location is
	// the LocationConstraint when it differs from Region's name ("EU").
	Region, Location string
	Created          time.Time
	// Policy is the bucket policy document (nil: none). Its principals
	// (accounts, OAIs) must already exist.
	Policy []byte
	// Ownership is BucketOwnerEnforced, BucketOwnerPreferred or
	// ObjectWriter; "" is no ownership controls (ObjectWriter behaviour).
	Ownership string
	// PublicAccessBlock is the bucket's Block Public Access (nil: none).
	PublicAccessBlock *access.PublicAccessBlock
	// ACL is an AccessControlPolicy document as PutBucketAcl takes it
	// (nil: private to the owner). Its grantees must exist.
	ACL []byte
	// Encryption is a ServerSideEncryptionConfiguration document (nil:
	// SSE-S3, S3's default).
	Encryption []byte
	// Website is a WebsiteConfiguration document (nil: none).
	Website []byte
}

// ImportBucket creates a bucket with its configuration. Errors name the
// part that S3 would have refused (the API's own error, wrapped).
func (s *Service) ImportBucket(ctx context.Context, in ImportedBucket) error {
	fail := func(part string, err error) error {
		return fmt.Errorf("s3: import bucket %s: %s: %w", in.Name, part, err)
	}
	if !validBucketName(in.Name) {
		return fail("name", invalidBucketName(in.Name))
	}
	if in.Owner == "" {
		return fail("owner", errors.New("no owner account"))
	}
	region := in.Region
	if region == "" {
		region = s.region
	}
	cid := s.canonicalOf(in.Owner)
	attrs := map[string][]byte{}
	own := access.ObjectWriter
	if in.Ownership != "" {
		o, ok := access.ParseOwnership(in.Ownership)
		if !ok {
			return fail("ownership controls", access.ErrInvalidOwnershipHeader(in.Ownership))
		}
		own = o
		attrs[access.AttrOwnership] = access.EncodeOwnership(o)
	}
	acl := access.Private(cid)
	if in.ACL != nil {
		a, err := access.ParseACL(in.ACL)
		if err != nil {
			return fail("ACL", err)
		}
		if e := a.Resolve(aclResolver{s}); e != nil {
			return fail("ACL", e)
		}
		acl = a
	}
	if own == access.BucketOwnerEnforced && !acl.GrantsOnlyTo(cid) {
		return fail("ACL", access.ErrInvalidBucketACLWithObjectOwnership)
	}
	attrs[access.AttrACL] = access.Encode(acl)
	if in.PublicAccessBlock != nil {
		attrs[access.AttrPublicAccessBlock] = access.EncodePAB(*in.PublicAccessBlock)
	}
	if in.Policy != nil {
		doc, _, err := s.bucketPolicyToStore(in.Policy, in.Name)
		if err != nil {
			return fail("bucket policy", err)
		}
		attrs[access.AttrPolicy] = doc
	}
	if in.Encryption != nil {
		d, err := parseBucketEncryption(in.Encryption)
		if err != nil {
			return fail("encryption", err)
		}
		raw, _ := json.Marshal(d)
		attrs[attrBucketEncryption] = raw
	}
	if in.Website != nil {
		c, err := ParseWebsiteConfiguration(in.Website)
		if err != nil {
			return fail("website", err)
		}
		raw, err := json.Marshal(c)
		if err != nil {
			return fail("website", err)
		}
		attrs[attrBucketWebsite] = raw
	}
	if in.Location != "" && in.Location != region {
		attrs[attrLocationConstraint] = []byte(in.Location)
	}
	created := in.Created
	if created.IsZero() {
		created = time.Now()
	}
	b := &store.Bucket{Name: in.Name, Owner: in.Owner, Region: region, Created: created.UTC().Truncate(time.Second), Attrs: attrs}
	defer s.buckets.invalidate(in.Name)
	if err := s.meta.CreateBucket(ctx, b); err != nil {
		return fail("create", err)
	}
	return nil
}

// ImportAccountPublicAccessBlock sets an account's Block Public Access.
func (s *Service) ImportAccountPublicAccessBlock(ctx context.Context, account string, p access.PublicAccessBlock) error {
	if s.settings == nil {
		return errors.New("s3: import account public access block: no account settings store")
	}
	return s.settings.PutAccountPAB(ctx, account, &p)
}

// ImportSealer seals the data key of an imported SSE-KMS object without
// authorization (the object was encrypted when AWS stored it): keyID is
// the key's id or ARN; it returns the data key, the sealed key and the
// key's ARN.
type ImportSealer interface {
	ImportSeal(keyID string, encryptionContext map[string]string) (dataKey, sealed []byte, keyARN string, err error)
}

// ImportedObject is an object as an export describes it (list-objects-v2,
// head-object, get-object-acl). Its body is Size zero bytes.
type ImportedObject struct {
	Bucket, Key string
	// Owner is the owning account's id ("" for the bucket owner).
	Owner        string
	Size         int64
	ETag         string // without quotes; "" is the MD5 of the placeholder body
	LastModified time.Time
	ContentType  string
	CacheControl string
	StorageClass string // "" is STANDARD
	UserMeta     map[string]string
	// SSE is "AES256" ("" too), "aws:kms" or "aws:kms:dsse"; KMSKeyID the
	// key (id or ARN) of SSE-KMS, sealed through Sealer.
	SSE, KMSKeyID string
	BucketKey     bool
	Sealer        ImportSealer
	// ACL is an AccessControlPolicy document as PutObjectAcl takes it
	// (nil: private to the owner; ignored where the bucket enforces
	// ownership, as S3 does).
	ACL []byte
}

// MaxImportBody bounds the placeholder body of an imported object; larger
// objects are stored with a body of this size (their Size is reduced to
// it; ImportObject reports it).
const MaxImportBody = 1 << 20

// ErrBodyTruncated is returned (wrapped, with the object imported) when an
// object's placeholder body was cut to MaxImportBody.
var ErrBodyTruncated = errors.New("placeholder body truncated")

// ImportObject stores an object with a placeholder body, encrypted as the
// export says, owned by the given account.
func (s *Service) ImportObject(ctx context.Context, in ImportedObject) error {
	fail := func(part string, err error) error {
		return fmt.Errorf("s3: import object s3://%s/%s: %s: %w", in.Bucket, in.Key, part, err)
	}
	if in.Key == "" || len(in.Key) > 1024 {
		return fail("key", errors.New("empty or longer than 1024 bytes"))
	}
	if in.Size < 0 {
		return fail("size", errors.New("negative"))
	}
	bkt, err := s.meta.GetBucket(ctx, in.Bucket)
	if err != nil {
		return fail("bucket", err)
	}
	sc := in.StorageClass
	if sc == "" {
		sc = storageStandard
	}
	if !storageClasses[sc] {
		return fail("storage class", errInvalidStorageClass.With("StorageClassRequested", sc))
	}
	owner := in.Owner
	if owner == "" {
		owner = bkt.Owner
	}
	obj := &store.Object{
		Bucket: in.Bucket, Key: in.Key, ContentType: in.ContentType, CacheControl: in.CacheControl,
		StorageClass: sc, Owner: owner, UserMeta: in.UserMeta, Attrs: map[string][]byte{},
		LastModified: in.LastModified.UTC(),
	}
	if obj.ContentType == "" {
		obj.ContentType = defaultContentType
	}
	if obj.LastModified.IsZero() {
		obj.LastModified = time.Now().UTC().Truncate(time.Millisecond)
	}
	if access.BucketOwnership(bkt).ACLsEnabled() {
		acl := access.Private(s.canonicalOf(owner))
		if in.ACL != nil {
			a, err := access.ParseACL(in.ACL)
			if err != nil {
				return fail("ACL", err)
			}
			if e := a.Resolve(aclResolver{s}); e != nil {
				return fail("ACL", e)
			}
			acl = a
		}
		obj.Attrs[access.AttrACL] = access.Encode(acl)
	}
	enc := &objectSSE{Algorithm: in.SSE}
	if enc.Algorithm == "" {
		enc.Algorithm = sseAES256
	}
	var seal *blobSeal
	switch {
	case enc.Algorithm == sseAES256:
		dk, sealed, keyID, err := s.sseS3.Seal(ctx, sse.SealRequest{EncryptionContext: enc.encryptionContext(in.Bucket, in.Key), BucketOwner: bkt.Owner})
		if err != nil {
			return fail("SSE-S3", err)
		}
		seal = &blobSeal{key: dk, hdr: sse.Header{KeyID: keyID, SealedKey: sealed}}
	case enc.isKMS():
		if in.KMSKeyID == "" || in.Sealer == nil {
			return fail("SSE-KMS", errors.New("no key id or sealer"))
		}
		enc.KMSKeyID, enc.BucketKey = in.KMSKeyID, in.BucketKey
		dk, sealed, arn, err := in.Sealer.ImportSeal(in.KMSKeyID, enc.encryptionContext(in.Bucket, in.Key))
		if err != nil {
			return fail("SSE-KMS", err)
		}
		enc.KMSKeyID = arn
		seal = &blobSeal{key: dk, hdr: sse.Header{KeyID: arn, SealedKey: sealed}}
	default:
		return fail("SSE", fmt.Errorf("algorithm %q is not AES256, aws:kms or aws:kms:dsse", in.SSE))
	}
	obj.Attrs[attrSSE] = enc.encode()
	size, truncated := in.Size, false
	if size > MaxImportBody {
		size, truncated = MaxImportBody, true
	}
	blob, err := s.copyToBlob(ctx, seal, io.LimitReader(zeroReader{}, size), size, checksumAlgos[0])
	if err != nil {
		return fail("body", err)
	}
	obj.Size = size
	obj.Segments = []store.Segment{{BlobID: blob.id, Size: size}}
	obj.ETag = strings.Trim(in.ETag, `"`)
	if obj.ETag == "" {
		obj.ETag = blob.md5
	}
	if _, err := s.meta.PutObject(ctx, obj); err != nil {
		s.dropBlob(ctx, blob.id)
		return fail("store", err)
	}
	if truncated {
		return fail("body", fmt.Errorf("%w to %d bytes (size %d)", ErrBodyTruncated, MaxImportBody, in.Size))
	}
	return nil
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
