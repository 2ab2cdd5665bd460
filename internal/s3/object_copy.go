package s3

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/store"
)

// CopyObject needs s3:PutObject on the destination and s3:GetObject on the
// source (checked by authorizeSource).
var opCopyObject = operation{
	name:   "CopyObject",
	action: "s3:PutObject",
	target: targetObject,
	handle: (*Service).copyObject,
}

// maxCopySize is the largest source CopyObject copies; bigger objects are
// copied with UploadPartCopy.
const maxCopySize = 5 << 30

type copyObjectResult struct {
	XMLName           xml.Name `xml:"CopyObjectResult"`
	Xmlns             string   `xml:"xmlns,attr"`
	ETag              string   `xml:"ETag"`
	LastModified      string   `xml:"LastModified"`
	ChecksumType      string   `xml:"ChecksumType,omitempty"`
	ChecksumCRC32     string   `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string   `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string   `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string   `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string   `xml:"ChecksumSHA256,omitempty"`
}

// authorizeSource decides whether q's principal may read (s3:GetObject)
// the copy source srcBucket/srcKey, judged like a GetObject of it: with the
// source bucket's policy, ownership and ACLs and the source object's owner
// and ACL (a missing source as if the bucket owner owned it, so that a
// caller without read access learns nothing of it). It returns the object
// it decided on, so that the copy reads exactly that one, or NoSuchKey.
func (s *Service) authorizeSource(ctx context.Context, q *request, srcBucket, srcKey string) (*store.Object, error) {
	bs := q.bs
	if srcBucket != q.bucket || bs == nil {
		var err error
		if bs, err = s.loadBucket(ctx, srcBucket); err != nil {
			if errors.Is(err, store.ErrNoSuchBucket) {
				return nil, noSuchBucket(srcBucket)
			}
			return nil, err
		}
	}
	if want := q.srcExpectedOwner; want != "" && want != bs.rec.Owner {
		return nil, errAccessDenied
	}
	obj, err := s.meta.GetObject(ctx, srcBucket, srcKey)
	missing := errors.Is(err, store.ErrNoSuchKey)
	switch {
	case missing:
		obj = &store.Object{Owner: bs.rec.Owner}
	case err != nil:
		return nil, err
	}
	resource := awsapi.S3ObjectARN(srcBucket, srcKey)
	res, err := s.decide(ctx, q, "s3:GetObject", resource, bs, obj)
	if err != nil {
		return nil, err
	}
	if !res.Allowed {
		return nil, s.denied(q, res, "s3:GetObject", resource)
	}
	if missing {
		return nil, noSuchKey(srcKey)
	}
	return obj, nil
}

// copyObject answers CopyObject.
func (s *Service) copyObject(w http.ResponseWriter, r *http.Request, q *request) error {
	ctx := r.Context()
	h := r.Header
	srcBucket, srcKey, srcVersion, err := parseCopySource(h.Get("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	if len(srcKey) > maxKeyLength {
		return errKeyTooLong.With("Size", strconv.Itoa(len(srcKey))).With("MaxSizeAllowed", strconv.Itoa(maxKeyLength))
	}
	if srcVersion != "" && srcVersion != "null" {
		return errInvalidArgument.WithMessage("Invalid version id specified").
			With("ArgumentName", "x-amz-copy-source").With("ArgumentValue", srcVersion)
	}
	directive := "COPY"
	if v, ok := h["X-Amz-Metadata-Directive"]; ok {
		directive = v[0]
		if directive != "COPY" && directive != "REPLACE" {
			return errInvalidArgument.WithMessage("Unknown metadata directive.").
				With("ArgumentName", "x-amz-metadata-directive").With("ArgumentValue", directive)
		}
	}
	storageClass, err := storageClassFrom(h)
	if err != nil {
		return err
	}
	// The destination's encryption: the request's, else the destination
	// bucket's default (never the source's, as S3 does).
	enc, err := s.writeEncryption(h, q.bkt)
	if err != nil {
		return err
	}
	var wantAlgo *checksumAlgo
	if v := h.Get("X-Amz-Checksum-Algorithm"); v != "" {
		if wantAlgo = checksumAlgoByName(v); wantAlgo == nil {
			return errUnsupportedChecksumAlgorithm
		}
	}

	// The destination's owner and ACL (x-amz-acl and grants of the copy
	// request; S3 does not copy the source's ACL).
	owner, acl, err := s.objectWriteACL(ctx, q, h)
	if err != nil {
		return err
	}

	// The source: authorization, then the object.
	src, err := s.authorizeSource(ctx, q, srcBucket, srcKey)
	if err != nil {
		return err
	}
	if res, failed := conditionsFrom(h, "X-Amz-Copy-Source-").evaluate(src.ETag, src.LastModified); res != condProceed {
		return errPreconditionFailed.With("Condition", "x-amz-copy-source-"+failed)
	}
	if archived(src.StorageClass) {
		return errInvalidObjectState.WithMessage("Operation is not valid for the source object's storage class").
			With("StorageClass", src.StorageClass)
	}
	if src.Size > maxCopySize {
		return errInvalidRequest.WithMessage("The specified copy source is larger than the maximum allowable size for a copy source: " + strconv.Itoa(maxCopySize))
	}
	srcEnc, err := objectEncryption(src.Attrs)
	if err != nil {
		return err
	}
	// The data key of the copy (for SSE-KMS, kms:GenerateDataKey as the
	// requester; it also resolves the key's ARN for the comparison below).
	seal, err := s.newBlobSeal(ctx, q, enc, q.bucket, q.key)
	if err != nil {
		return err
	}
	_, hasStorageClass := h["X-Amz-Storage-Class"]
	_, hasSSE := h["X-Amz-Server-Side-Encryption"]
	_, hasRedirect := h["X-Amz-Website-Redirect-Location"]
	// Changing the encryption (an object written before encryption at
	// rest counts as unencrypted) is a change.
	if srcBucket == q.bucket && srcKey == q.key && directive == "COPY" &&
		!(hasStorageClass && storageClass != storageClassOf(src.StorageClass)) && !hasSSE && !hasRedirect &&
		enc.equal(srcEnc) &&
		!(wantAlgo != nil && src.Checksums[wantAlgo.Name] == "") {
		return errInvalidRequest.WithMessage("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}

	// The destination's metadata.
	dst := &store.Object{Bucket: q.bucket, Key: q.key, StorageClass: storageClass}
	if directive == "REPLACE" {
		if err := contentHeadersFrom(h, dst); err != nil {
			return err
		}
	} else {
		dst.ContentType = src.ContentType
		dst.ContentEncoding = src.ContentEncoding
		dst.ContentDisposition = src.ContentDisposition
		dst.ContentLanguage = src.ContentLanguage
		dst.CacheControl = src.CacheControl
		dst.Expires = src.Expires
		dst.UserMeta = src.UserMeta
	}
	// The checksum: the one asked for, else the source's algorithm, else
	// S3's default.
	algo := wantAlgo
	if algo == nil {
		for _, a := range checksumAlgos {
			if _, ok := src.Checksums[a.Name]; ok {
				algo = a
				break
			}
		}
	}
	if algo == nil {
		algo = checksumAlgoByName(algCRC64NVME)
	}

	// The bytes: decrypted from the source's blobs (as the requester) and
	// encrypted into a new blob with the destination's data key (objects
	// never share blobs).
	rd, err := s.openObject(ctx, q, src)
	if err != nil {
		if errors.Is(err, store.ErrBlobNotFound) { // overwritten meanwhile
			return noSuchKey(srcKey)
		}
		return err
	}
	defer rd.Close()
	blob, err := s.copyToBlob(ctx, seal, rd, src.Size, algo)
	switch {
	case errors.Is(err, store.ErrBlobNotFound):
		return noSuchKey(srcKey)
	case errors.Is(err, errShortCopy):
		return err
	case err != nil:
		return s.keyError(q, err)
	}
	id, n := blob.id, src.Size
	dst.Size = n
	dst.ETag = blob.md5
	dst.Checksums = map[string]string{algo.Name: blob.checksum}
	dst.ChecksumType = checksumFullObject
	dst.Segments = []store.Segment{{BlobID: id, Size: n}}
	dst.Owner = owner
	dst.Attrs = map[string][]byte{attrSSE: enc.encode()}
	if acl != nil {
		dst.Attrs[access.AttrACL] = acl
	}
	dst.LastModified = time.Now().UTC().Truncate(time.Millisecond)
	if err := s.commitObject(ctx, q, dst); err != nil {
		return err
	}

	res := copyObjectResult{Xmlns: s3Namespace, ETag: quoteETag(dst.ETag), LastModified: xmlTime(dst.LastModified)}
	// S3 reports the checksum in the result only when the source had one
	// or the request asked for one; the default CRC64NVME is stored either
	// way.
	if wantAlgo != nil || len(src.Checksums) > 0 {
		res.ChecksumType = dst.ChecksumType
		v := dst.Checksums[algo.Name]
		switch algo.Name {
		case algCRC32:
			res.ChecksumCRC32 = v
		case algCRC32C:
			res.ChecksumCRC32C = v
		case algCRC64NVME:
			res.ChecksumCRC64NVME = v
		case algSHA1:
			res.ChecksumSHA1 = v
		case algSHA256:
			res.ChecksumSHA256 = v
		}
	}
	enc.setHeaders(w.Header())
	writeXML(w, http.StatusOK, &res)
	return nil
}
