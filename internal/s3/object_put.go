package s3

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/store"
)

var opPutObject = operation{
	name:   "PutObject",
	action: "s3:PutObject",
	target: targetObject,
	handle: (*Service).putObject,
}

// putObject answers PutObject: headers are validated first, then the body
// is ingested into a committed blob, then the metadata commit makes the
// object visible, then the replaced object's blobs are released.
func (s *Service) putObject(w http.ResponseWriter, r *http.Request, q *request) error {
	ctx := r.Context()
	obj := &store.Object{Bucket: q.bucket, Key: q.key}
	if err := contentHeadersFrom(r.Header, obj); err != nil {
		return err
	}
	sc, err := storageClassFrom(r.Header)
	if err != nil {
		return err
	}
	obj.StorageClass = sc
	enc, err := s.writeEncryption(r.Header, q.bkt)
	if err != nil {
		return err
	}
	owner, acl, err := s.objectWriteACL(ctx, q, r.Header)
	if err != nil {
		return err
	}
	obj.Attrs = map[string][]byte{}
	if acl != nil {
		obj.Attrs[access.AttrACL] = acl
	}
	cond := writeConditionsFrom(r.Header)
	if err := s.checkWriteConditions(ctx, q, cond); err != nil {
		return err
	}

	seal, err := s.newBlobSeal(ctx, q, enc, q.bucket, q.key)
	if err != nil {
		return err
	}
	obj.Attrs[attrSSE] = enc.encode()
	in, err := s.ingest(ctx, r, q, seal)
	if err != nil {
		return err
	}
	obj.Size = in.Size
	obj.ETag = in.MD5
	obj.Checksums = in.Checksums
	obj.ChecksumType = in.ChecksumType
	obj.Segments = []store.Segment{{BlobID: in.BlobID, Size: in.Size}}
	obj.Owner = owner
	obj.LastModified = time.Now().UTC().Truncate(time.Millisecond)

	// Conditional writes are checked again just before the commit; the
	// window between the two is not atomic (the store has no
	// compare-and-swap yet).
	if err := s.checkWriteConditions(ctx, q, cond); err != nil {
		s.dropBlob(ctx, in.BlobID)
		return err
	}
	if err := s.commitObject(ctx, q, obj); err != nil {
		return err
	}
	h := w.Header()
	h["Etag"] = []string{quoteETag(obj.ETag)}
	setChecksumHeaders(h, obj.Checksums, obj.ChecksumType)
	enc.setHeaders(h)
	h["Content-Length"] = []string{"0"}
	w.WriteHeader(http.StatusOK)
	return nil
}

// commitObject stores obj, whose segments are freshly committed blobs
// owned by this request, and releases what it replaced. If the metadata
// commit fails the new blobs are deleted.
func (s *Service) commitObject(ctx context.Context, q *request, obj *store.Object) error {
	replaced, err := s.meta.PutObject(ctx, obj)
	if err != nil {
		for _, seg := range obj.Segments {
			s.dropBlob(ctx, seg.BlobID)
		}
		return s.storeError(q, err)
	}
	if err := store.ReleaseObject(context.WithoutCancel(ctx), s.blobs, replaced); err != nil {
		slog.Warn("s3: releasing replaced object's blobs (the start-up sweep will retry)",
			"bucket", obj.Bucket, "key", obj.Key, "err", err)
	}
	return nil
}

// dropBlob deletes a committed blob that no metadata references, even if
// the request was cancelled; a failure leaves an orphan for the start-up
// sweep.
func (s *Service) dropBlob(ctx context.Context, id string) {
	if err := s.blobs.Delete(context.WithoutCancel(ctx), id); err != nil {
		slog.Warn("s3: deleting unreferenced blob (the start-up sweep will retry)", "blob", id, "err", err)
	}
}

// writeConditions are PutObject's conditional-write headers.
type writeConditions struct {
	ifMatch, ifNoneMatch       string
	hasIfMatch, hasIfNoneMatch bool
}

func writeConditionsFrom(h http.Header) writeConditions {
	var c writeConditions
	if v, ok := h["If-Match"]; ok {
		c.ifMatch, c.hasIfMatch = v[0], true
	}
	if v, ok := h["If-None-Match"]; ok {
		c.ifNoneMatch, c.hasIfNoneMatch = v[0], true
	}
	return c
}

// checkWriteConditions applies S3's conditional writes: If-None-Match: *
// fails with 412 when the key exists; If-Match fails with 404 NoSuchKey
// when it does not and 412 when the ETag differs.
func (s *Service) checkWriteConditions(ctx context.Context, q *request, c writeConditions) error {
	if !c.hasIfMatch && !c.hasIfNoneMatch {
		return nil
	}
	if c.hasIfNoneMatch && c.ifNoneMatch != "*" {
		return errNotImplemented.WithMessage("A header you provided implies functionality that is not implemented").
			With("Header", "If-None-Match")
	}
	cur, err := s.meta.GetObject(ctx, q.bucket, q.key)
	if err != nil && !errors.Is(err, store.ErrNoSuchKey) {
		return s.storeError(q, err)
	}
	if c.hasIfNoneMatch && cur != nil {
		return errPreconditionFailed.With("Condition", "If-None-Match")
	}
	if c.hasIfMatch {
		if cur == nil {
			return noSuchKey(q.key)
		}
		if !etagListMatches(c.ifMatch, cur.ETag) {
			return errPreconditionFailed.With("Condition", "If-Match")
		}
	}
	return nil
}
