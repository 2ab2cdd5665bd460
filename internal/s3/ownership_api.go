package s3

import (
	"net/http"

	"github.com/edgegate/edgegate/internal/s3/access"
)

// Object Ownership (ownership controls). Deleting needs the Put action, as
// S3 authorizes it.
var (
	opGetBucketOwnershipControls = operation{
		name: "GetBucketOwnershipControls", action: "s3:GetBucketOwnershipControls", target: targetBucket,
		handle: (*Service).getBucketOwnershipControls,
	}
	opPutBucketOwnershipControls = operation{
		name: "PutBucketOwnershipControls", action: "s3:PutBucketOwnershipControls", target: targetBucket,
		handle: (*Service).putBucketOwnershipControls,
	}
	opDeleteBucketOwnershipControls = operation{
		name: "DeleteBucketOwnershipControls", action: "s3:PutBucketOwnershipControls", target: targetBucket,
		handle: (*Service).deleteBucketOwnershipControls,
	}
)

// getBucketOwnershipControls answers GetBucketOwnershipControls: the
// bucket's setting (BucketOwnerEnforced for a new bucket, as AWS records it
// at creation since April 2023), or 404 OwnershipControlsNotFoundError
// after DeleteBucketOwnershipControls.
func (s *Service) getBucketOwnershipControls(w http.ResponseWriter, r *http.Request, q *request) error {
	o, ok := access.BucketOwnershipControls(q.bkt)
	if !ok {
		return access.ErrOwnershipControlsNotFound.With("BucketName", q.bucket)
	}
	writeDoc(w, access.MarshalOwnershipControls(o))
	return nil
}

// putBucketOwnershipControls answers PutBucketOwnershipControls. Setting
// BucketOwnerEnforced on a bucket whose ACL grants to anyone but the bucket
// owner is 400 InvalidBucketAclWithObjectOwnership. Object ACLs are kept
// (ignored while enforced, in force again after switching back), as S3
// does.
func (s *Service) putBucketOwnershipControls(w http.ResponseWriter, r *http.Request, q *request) error {
	body, err := readVerifiedBody(r, q, maxConfigBody, false)
	if err != nil {
		return err
	}
	o, err := access.ParseOwnershipControls(body)
	if err != nil {
		return err
	}
	if o == access.BucketOwnerEnforced {
		if acl, ok := access.BucketACL(q.bkt); ok && !acl.GrantsOnlyTo(s.canonicalOf(q.bkt.Owner)) {
			return access.ErrInvalidBucketACLWithObjectOwnership
		}
	}
	if err := s.putBucketAttr(r.Context(), q.bucket, access.AttrOwnership, access.EncodeOwnership(o)); err != nil {
		return s.storeError(q, err)
	}
	writeEmpty(w, http.StatusOK)
	return nil
}

// deleteBucketOwnershipControls answers DeleteBucketOwnershipControls:
// 204; the bucket then has no ownership controls and behaves as
// ObjectWriter (ACLs enabled), as an S3 bucket without them does.
func (s *Service) deleteBucketOwnershipControls(w http.ResponseWriter, r *http.Request, q *request) error {
	if err := s.putBucketAttr(r.Context(), q.bucket, access.AttrOwnership, access.EncodeOwnership("")); err != nil {
		return s.storeError(q, err)
	}
	writeEmpty(w, http.StatusNoContent)
	return nil
}
