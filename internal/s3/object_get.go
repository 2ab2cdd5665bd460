package s3

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

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
		} else if obj, err = s.meta.GetObject(ctx, q.bucket, q.key); err != nil {
			return s.storeError(q, err)
		}
		if head {
			break
		}
		if small, err = s.smallObject(ctx, obj); err == nil && small != nil {
			break
		}
		if err == nil {
			rd, err = store.OpenObject(ctx, s.blobs, obj)
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
	w.WriteHeader(status)
	if head || span.Length == 0 {
		return nil
	}
	if small != nil {
		_, err := w.Write(small[span.Start : span.Start+span.Length])
		if err != nil {
			slog.Debug("s3: GetObject body", "bucket", q.bucket, "key", q.key, "err", err)
		}
		return nil
	}
	if err := sendBody(ctx, w, rd, span); err != nil {
		// The status line is out: all that is left is to cut the
		// connection short, which net/http does when the handler
		// returns having written less than Content-Length.
		slog.Debug("s3: GetObject body", "bucket", q.bucket, "key", q.key, "err", err)
	}
	return nil
}

// sendBody writes span of the object to w. A single-segment object on a
// file goes through the file itself, so that net/http's ReaderFrom path
// hands it to sendfile(2).
func sendBody(ctx context.Context, w io.Writer, rd *store.ObjectReader, span byteRange) error {
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

// smallObject returns the bytes of a small single-blob object from the
// small-object cache, reading and caching them on a miss; nil, nil for an
// object that is not small. Errors are Blobs.Open's.
func (s *Service) smallObject(ctx context.Context, obj *store.Object) ([]byte, error) {
	if obj.Size == 0 || obj.Size > smallObjectMax || len(obj.Segments) != 1 {
		return nil, nil
	}
	id := obj.Segments[0].BlobID
	if b, ok := s.small.get(id); ok {
		return b, nil
	}
	blob, err := s.blobs.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	defer blob.Close()
	b := make([]byte, obj.Size)
	if n, err := blob.ReadAt(b, 0); n != len(b) {
		if err == nil || err == io.EOF {
			err = store.ErrCorrupt
		}
		return nil, err
	}
	s.small.put(id, b)
	return b, nil
}
