package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/sse"
	"github.com/edgegate/edgegate/internal/store"
)

var opGetObject = operation{
	name:        "GetObject",
	action:      "s3:GetObject",
	target:      targetObject,
	loadsObject: true,
	handle: func(s *Service, w http.ResponseWriter, r *http.Request, q *request) error {
		return s.getObject(w, r, q, false)
	},
}

// HeadObject needs s3:GetObject: there is no s3:HeadObject action.
var opHeadObject = operation{
	name:        "HeadObject",
	action:      "s3:GetObject",
	target:      targetObject,
	loadsObject: true,
	handle: func(s *Service, w http.ResponseWriter, r *http.Request, q *request) error {
		return s.getObject(w, r, q, true)
	},
}

const maxPartNumber = 10000

// getObject answers GetObject and (head) HeadObject.
func (s *Service) getObject(w http.ResponseWriter, r *http.Request, q *request, head bool) error {
	ctx := r.Context()
	if err := checkReadSSEHeaders(r.Header); err != nil {
		return err
	}
	if err := checkKMSSigV4(q, q.obj); err != nil {
		return err
	}
	partNumber := 0
	if v, ok := q.query["partNumber"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > maxPartNumber {
			return errInvalidArgument.WithMessage("Part number must be an integer between 1 and 10000, inclusive").
				With("ArgumentName", "partNumber").With("ArgumentValue", v[0])
		}
		if r.Header.Get("Range") != "" {
			return errInvalidRequest.WithMessage("Cannot specify both Range header and partNumber query parameter")
		}
		partNumber = n
	}
	if v := q.query.Get("versionId"); v != "" && v != "null" {
		return errInvalidArgument.WithMessage("Invalid version id specified").
			With("ArgumentName", "versionId").With("ArgumentValue", v)
	}

	// A concurrent overwrite can release the blobs between reading the
	// metadata and opening them: read the metadata again once.
	var obj *store.Object
	var rd *store.ObjectReader
	var small []byte // the whole object, when it is small and in memory
	for attempt := 0; ; attempt++ {
		var err error
		if attempt == 0 && q.obj != nil {
			obj = q.obj // loaded and authorized by ServeS3
		} else {
			if obj, err = s.meta.GetObject(ctx, q.bucket, q.key); err != nil {
				return s.storeError(q, err)
			}
			// A concurrent overwrite replaced the object ServeS3
			// authorized: its owner and ACL may differ, so decide again.
			if q.obj != nil {
				q.obj = obj
				if err := s.authorize(ctx, q); err != nil {
					return err
				}
			}
		}
		if head {
			break
		}
		if small, err = s.smallObject(ctx, q, obj); err == nil && small != nil {
			break
		}
		if err == nil {
			rd, err = s.openObject(ctx, q, obj)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrBlobNotFound) {
			return err
		}
		if attempt == 1 {
			return noSuchKey(q.key)
		}
	}
	if rd != nil {
		defer rd.Close()
	}

	h := w.Header()
	switch res, failed := conditionsFrom(r.Header, "").evaluate(obj.ETag, obj.LastModified); res {
	case condFailed:
		return errPreconditionFailed.With("Condition", failed)
	case condNotModified:
		h["Etag"] = []string{quoteETag(obj.ETag)}
		h["Last-Modified"] = []string{httpTime(obj.LastModified)}
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if !head && archived(obj.StorageClass) {
		return errInvalidObjectState.With("StorageClass", obj.StorageClass)
	}

	// What to send: the whole object, a range, or a part.
	status := http.StatusOK
	span := byteRange{Start: 0, Length: obj.Size}
	partial := false
	if partNumber > 0 {
		sizes := obj.PartSizes()
		count := obj.PartCount
		if count == 0 { // a simple PUT is one part
			count = 1
			sizes = []int64{obj.Size}
		}
		if partNumber > count || partNumber > len(sizes) {
			return errInvalidPartNumber.With("PartNumberRequested", strconv.Itoa(partNumber)).
				With("ActualPartCount", strconv.Itoa(count))
		}
		for _, sz := range sizes[:partNumber-1] {
			span.Start += sz
		}
		span.Length = sizes[partNumber-1]
		if obj.PartCount > 0 {
			h["X-Amz-Mp-Parts-Count"] = []string{strconv.Itoa(obj.PartCount)}
		}
		if obj.Size > 0 {
			partial = true
		}
	} else {
		br, ok, err := parseRange(r.Header.Get("Range"), obj.Size)
		if err != nil {
			return err
		}
		if ok {
			span, partial = br, true
		}
	}

	setObjectHeaders(h, obj)
	if err := applyResponseOverrides(h, q); err != nil {
		return err
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") && !partial && partNumber == 0 {
		setChecksumHeaders(h, obj.Checksums, obj.ChecksumType)
	}
	if partial {
		status = http.StatusPartialContent
		h["Content-Range"] = []string{span.contentRange(obj.Size)}
	}
	h["Content-Length"] = []string{strconv.FormatInt(span.Length, 10)}

	// An encrypted object streams decrypted chunks. Its first piece is read
	// (and so authenticated) before the status line, so that tampered
	// bytes there fail cleanly with 500 InternalError.
	var buf []byte
	var first int64
	if !head && span.Length > 0 && small == nil && rd.File() == nil {
		bp := copyBufPool.Get().(*[]byte)
		defer copyBufPool.Put(bp)
		buf = *bp
		first = min(span.Length, int64(len(buf)))
		if n, err := rd.ReadAt(buf[:first], span.Start); int64(n) < first {
			if err == nil || err == io.EOF {
				err = fmt.Errorf("%w: object %s/%s ends early", store.ErrCorrupt, q.bucket, q.key)
			}
			return s.keyError(q, err)
		}
	}
	w.WriteHeader(status)
	if head || span.Length == 0 {
		return nil
	}
	var err error
	switch {
	case small != nil:
		_, err = w.Write(small[span.Start : span.Start+span.Length])
	case buf != nil:
		if _, err = w.Write(buf[:first]); err == nil {
			err = streamBody(w, rd, buf, span.Start+first, span.Length-first)
		}
	default:
		err = sendFile(w, rd, span)
	}
	if err != nil {
		// The status line is out: all that is left is to cut the
		// connection short, which net/http does when the handler
		// returns having written less than Content-Length. Bytes that
		// failed authentication are never sent.
		level := slog.LevelDebug
		if errors.Is(err, sse.ErrTampered) || errors.Is(err, store.ErrCorrupt) {
			level = slog.LevelError
		}
		slog.Log(ctx, level, "s3: GetObject body cut short", "bucket", q.bucket, "key", q.key, "request_id", q.call.RequestID, "err", err)
	}
	return nil
}

// sendFile writes span of a plaintext single-blob object (written before
// encryption at rest) through its file, so that net/http's ReaderFrom path
// hands it to sendfile(2); other objects go through streamBody.
func sendFile(w io.Writer, rd *store.ObjectReader, span byteRange) error {
	if f := rd.File(); f != nil {
		if _, err := f.Seek(span.Start, io.SeekStart); err != nil {
			return err
		}
		_, err := io.Copy(w, &io.LimitedReader{R: f, N: span.Length})
		return err
	}
	_, err := io.Copy(w, io.NewSectionReader(rd, span.Start, span.Length))
	return err
}

// streamBody writes n bytes of rd from off to w through buf. Reads of an
// encrypted object decrypt whole chunks, straight into buf when aligned;
// an error stops the copy before any byte that did not authenticate.
func streamBody(w io.Writer, rd io.ReaderAt, buf []byte, off, n int64) error {
	for n > 0 {
		p := buf[:min(n, int64(len(buf)))]
		m, err := rd.ReadAt(p, off)
		if m > 0 {
			if _, werr := w.Write(p[:m]); werr != nil {
				return werr
			}
		}
		if m < len(p) {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		off += int64(m)
		n -= int64(m)
	}
	return nil
}

// smallObject returns the plaintext of a small single-blob object from the
// small-object cache, reading (and decrypting) and caching it on a miss;
// nil, nil for an object that is not small. An SSE-KMS object's data key
// is unsealed again on every hit, so that kms:Decrypt is authorized for
// every read as S3 does. Errors are Blobs.Open's, the sealer's (mapped by
// keyError), sse.ErrTampered and store.ErrCorrupt.
func (s *Service) smallObject(ctx context.Context, q *request, obj *store.Object) ([]byte, error) {
	if obj.Size == 0 || obj.Size > smallObjectMax || len(obj.Segments) != 1 {
		return nil, nil
	}
	enc, err := objectEncryption(obj.Attrs)
	if err != nil {
		return nil, err
	}
	id := obj.Segments[0].BlobID
	if e, ok := s.small.get(id); ok {
		if e.sealed != nil {
			if _, err := s.kms.Unseal(ctx, e.sealed, e.keyID, sse.UnsealRequest{
				Principal: q.call.Principal, Conditions: q.call.Context,
				EncryptionContext: enc.encryptionContext(obj.Bucket, obj.Key),
				BucketOwner:       q.bucketOwner(),
			}); err != nil {
				return nil, s.keyError(q, err)
			}
		}
		return e.data, nil
	}
	blob, err := s.blobs.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	defer blob.Close()
	e := &smallEntry{data: make([]byte, obj.Size)}
	var src io.ReaderAt = blob
	if enc != nil {
		r, err := s.openSealed(ctx, q, blob, enc, enc.encryptionContext(obj.Bucket, obj.Key))
		if err != nil {
			return nil, s.keyError(q, err)
		}
		defer r.Close()
		if r.Size() != obj.Size {
			return nil, fmt.Errorf("%w: blob %s holds %d bytes of plaintext, the object %d", store.ErrCorrupt, id, r.Size(), obj.Size)
		}
		if enc.isKMS() {
			e.sealed, e.keyID = r.Header().SealedKey, r.Header().KeyID
		}
		src = r
	}
	if n, err := src.ReadAt(e.data, 0); n != len(e.data) {
		if err == nil || err == io.EOF {
			err = store.ErrCorrupt
		}
		return nil, err
	}
	s.small.put(id, e)
	return e.data, nil
}
