package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"hash"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/store"
)

var opDeleteObject = operation{
	name:   "DeleteObject",
	action: "s3:DeleteObject",
	target: targetObject,
	handle: (*Service).deleteObject,
}

// DeleteObjects is a bucket request, but AWS authorizes it as
// s3:DeleteObject on every key it names.
var opDeleteObjects = operation{
	name:             "DeleteObjects",
	action:           "s3:DeleteObject",
	target:           targetBucket,
	handle:           (*Service).deleteObjects,
	authorizesItself: true,
}

// deleteObject answers DeleteObject: 204 whether or not the key existed.
func (s *Service) deleteObject(w http.ResponseWriter, r *http.Request, q *request) error {
	if v := q.query.Get("versionId"); v != "" && v != "null" {
		return errInvalidArgument.WithMessage("Invalid version id specified").
			With("ArgumentName", "versionId").With("ArgumentValue", v)
	}
	if err := s.removeObject(r.Context(), q.bucket, q.key); err != nil {
		return s.storeError(q, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// removeObject deletes the key's metadata, then its blobs.
func (s *Service) removeObject(ctx context.Context, bucket, key string) error {
	old, err := s.meta.DeleteObject(ctx, bucket, key)
	if err != nil {
		return err
	}
	if err := store.ReleaseObject(context.WithoutCancel(ctx), s.blobs, old); err != nil {
		slog.Warn("s3: releasing deleted object's blobs (the start-up sweep will retry)",
			"bucket", bucket, "key", key, "err", err)
	}
	return nil
}

// maxDeleteObjects is S3's limit on keys in one DeleteObjects request.
const maxDeleteObjects = 1000

// maxDeleteBody bounds the DeleteObjects document read into memory: 1000
// keys of 1024 bytes, XML-escaped, fit well below it.
const maxDeleteBody = 2 << 20

type deleteRequest struct {
	XMLName xml.Name       `xml:"Delete"`
	Quiet   bool           `xml:"Quiet"`
	Objects []deleteObject `xml:"Object"`
}

type deleteObject struct {
	Key       *string `xml:"Key"`
	VersionID string  `xml:"VersionId"`
}

type deleteResult struct {
	XMLName xml.Name        `xml:"DeleteResult"`
	Xmlns   string          `xml:"xmlns,attr"`
	Deleted []deletedEntry  `xml:"Deleted"`
	Errors  []deleteErrItem `xml:"Error"`
}

type deletedEntry struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
}

type deleteErrItem struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
	Code      string `xml:"Code"`
	Message   string `xml:"Message"`
}

// deleteObjects answers DeleteObjects (POST /bucket?delete).
func (s *Service) deleteObjects(w http.ResponseWriter, r *http.Request, q *request) error {
	ctx := r.Context()
	body, err := readVerifiedBody(r, q, maxDeleteBody, true)
	if err != nil {
		return err
	}
	var req deleteRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		return errMalformedXML
	}
	if len(req.Objects) == 0 || len(req.Objects) > maxDeleteObjects {
		return errMalformedXML
	}
	for _, o := range req.Objects {
		if o.Key == nil {
			return errMalformedXML
		}
	}
	res := deleteResult{Xmlns: s3Namespace}
	for _, o := range req.Objects {
		key := *o.Key
		fail := func(code, msg string) {
			res.Errors = append(res.Errors, deleteErrItem{Key: key, VersionID: o.VersionID, Code: code, Message: msg})
		}
		switch {
		case key == "":
			fail("UserKeyMustBeSpecified", "The bucket POST must contain the specified field name. If it is specified, please check the order of the fields.")
			continue
		case len(key) > maxKeyLength:
			fail(errKeyTooLong.Code, errKeyTooLong.Message)
			continue
		case o.VersionID != "" && o.VersionID != "null":
			fail("NoSuchVersion", "The specified version does not exist.")
			continue
		}
		resource := awsapi.S3ObjectARN(q.bucket, key)
		allowed, err := s.decide(ctx, q, "s3:DeleteObject", resource, q.bs, nil)
		if err != nil {
			return err
		}
		if !allowed.Allowed {
			ae := s.denied(q, allowed, "s3:DeleteObject", resource)
			fail(ae.Code, ae.Message)
			continue
		}
		if err := s.removeObject(ctx, q.bucket, key); err != nil {
			var ae *awsapi.Error
			if !errors.As(s.storeError(q, err), &ae) {
				slog.Error("s3: DeleteObjects", "bucket", q.bucket, "key", key, "err", err)
				ae = errInternal
			}
			fail(ae.Code, ae.Message)
			continue
		}
		if !req.Quiet {
			res.Deleted = append(res.Deleted, deletedEntry{Key: key, VersionID: o.VersionID})
		}
	}
	writeXML(w, http.StatusOK, &res)
	return nil
}

// readVerifiedBody reads a small request body (an XML document) of at
// most max bytes, verifying Content-MD5 and any x-amz-checksum-* (header
// or aws-chunked trailer) the request carries. With requireDigest, a
// request carrying neither fails with InvalidRequest, as S3 answers
// DeleteObjects without Content-MD5 or a checksum. Larger bodies fail with
// MaxMessageLengthExceeded before more than max+1 bytes are read.
func readVerifiedBody(r *http.Request, q *request, max int64, requireDigest bool) ([]byte, error) {
	ck, err := requestedChecksum(r.Header)
	if err != nil {
		return nil, err
	}
	md5Header, hasMD5 := r.Header["Content-Md5"]
	if requireDigest && !hasMD5 && ck.algo == nil {
		return nil, errInvalidRequest.WithMessage("Missing required header for this request: Content-MD5")
	}
	if n, err := declaredLength(r); err == nil && n > max {
		return nil, errMaxMessageLengthExceeded
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(r.Body, max+1)); err != nil {
		return nil, bodyError(err)
	}
	if int64(buf.Len()) > max {
		return nil, errMaxMessageLengthExceeded
	}
	body := buf.Bytes()
	if hasMD5 {
		want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(md5Header[0]))
		if err != nil || len(want) != md5.Size {
			return nil, errInvalidDigest.With("Content-MD5", md5Header[0])
		}
		got := md5.Sum(body)
		if !equalBytes(got[:], want) {
			return nil, errBadDigest
		}
	}
	if ck.algo != nil {
		want := ck.value
		if ck.trailer {
			if err := expectEOF(r.Body); err != nil {
				return nil, err
			}
			want = strings.TrimSpace(trailerValue(q, r, ck.algo.Header))
		}
		var h hash.Hash = ck.algo.New()
		h.Write(body)
		if want != checksumString(h) {
			return nil, errBadChecksum(ck.algo)
		}
	}
	return body, nil
}
