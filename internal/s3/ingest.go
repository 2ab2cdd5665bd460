package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/sse"
)

// maxPutSize is the largest object a single PUT (or one part) may carry:
// 5 GiB.
const maxPutSize = 5 << 30

// ingested is what ingest learned about a request body it stored.
type ingested struct {
	// BlobID is the committed blob holding the bytes. The caller owns it:
	// it must reference it from a metadata commit or delete it.
	BlobID string
	// Size is the number of bytes stored.
	Size int64
	// MD5 is the lowercase hex MD5 of the bytes (the ETag of a simple PUT,
	// without quotes).
	MD5 string
	// Checksums maps each computed additional checksum's algorithm
	// ("CRC32", "CRC64NVME", ...) to its base64 value. It holds the
	// algorithm the request named (x-amz-checksum-*, x-amz-trailer or
	// x-amz-sdk-checksum-algorithm), or else ingestOptions.DefaultAlgorithm
	// (CRC64NVME for ingest, as S3 has done for every upload since 2025).
	// Values the client sent have been verified.
	Checksums map[string]string
	// ChecksumType is "FULL_OBJECT" when Checksums is not empty, else "".
	ChecksumType string
}

// ingestOptions tune ingestWith.
type ingestOptions struct {
	// MaxSize bounds the body; larger ones fail with EntityTooLarge
	// before anything is read. 0 means maxPutSize (5 GiB).
	MaxSize int64
	// DefaultAlgorithm is computed when the request names no checksum
	// algorithm; "" computes none.
	DefaultAlgorithm string
	// Require, if set, is an algorithm the request must carry a value for
	// (header or trailer); it is computed even if the request names none,
	// and a request that names another algorithm fails with InvalidRequest.
	// UploadPart of an upload created with a checksum algorithm uses it.
	// A missing value is not an error here: Checksums then holds the
	// computed value, and the caller decides.
	Require string
}

// ingest streams r's (verified, decoded) body into a new blob, encrypted
// with the data key of seal (internal/sse's format), computing the MD5 and
// the requested additional checksum of the plaintext, and commits the blob
// only once every check passed:
//
//   - length: x-amz-decoded-content-length for aws-chunked bodies, else
//     Content-Length; missing → 411 MissingContentLength; more than 5 GiB
//     → EntityTooLarge; a body shorter than announced → IncompleteBody.
//   - Content-MD5: not base64 of 16 bytes → InvalidDigest; mismatch →
//     BadDigest.
//   - x-amz-checksum-{crc32,crc32c,crc64nvme,sha1,sha256}, as a header or
//     as an aws-chunked trailer announced by x-amz-trailer: malformed value
//     → InvalidRequest; mismatch → BadDigest "The CRC32 you specified did
//     not match the calculated checksum."; several value headers, an
//     unknown algorithm, or x-amz-sdk-checksum-algorithm without a value
//     header or trailer → InvalidRequest.
//
// On any error nothing is committed and the temporary blob is removed; the
// error is an *awsapi.Error for the client's faults and a plain error for
// internal failures. On success the caller owns Result.BlobID (see
// ingested); Result.Size is the plaintext size. Used by PutObject and
// UploadPart.
func (s *Service) ingest(ctx context.Context, r *http.Request, q *request, seal *blobSeal) (*ingested, error) {
	return s.ingestWith(ctx, r, q, seal, ingestOptions{DefaultAlgorithm: algCRC64NVME})
}

// ingestWith is ingest with options.
func (s *Service) ingestWith(ctx context.Context, r *http.Request, q *request, seal *blobSeal, opts ingestOptions) (*ingested, error) {
	maxSize := opts.MaxSize
	if maxSize <= 0 {
		maxSize = maxPutSize
	}
	size, err := declaredLength(r)
	if err != nil {
		return nil, err
	}
	if size > maxSize {
		return nil, errEntityTooLarge.With("ProposedSize", strconv.FormatInt(size, 10)).
			With("MaxSizeAllowed", strconv.FormatInt(maxSize, 10))
	}
	var wantMD5 []byte
	if v, ok := r.Header["Content-Md5"]; ok {
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v[0]))
		if err != nil || len(b) != md5.Size {
			return nil, errInvalidDigest.With("Content-MD5", v[0])
		}
		wantMD5 = b
	}
	ck, err := requestedChecksum(r.Header)
	if err != nil {
		return nil, err
	}
	if opts.Require != "" {
		req := checksumAlgoByName(opts.Require)
		if req == nil {
			return nil, errors.New("s3: ingest: unknown required checksum algorithm " + opts.Require)
		}
		switch {
		case ck.algo == nil:
			ck.algo = req
		case ck.algo != req:
			return nil, errInvalidRequest.WithMessage("Checksum Type mismatch occurred, expected checksum Type: " +
				strings.ToLower(req.Name) + ", actual checksum Type: " + strings.ToLower(ck.algo.Name))
		}
	}
	if ck.algo == nil && opts.DefaultAlgorithm != "" {
		ck.algo = checksumAlgoByName(opts.DefaultAlgorithm)
	}

	bw, err := s.blobs.Create(ctx)
	if err != nil {
		return nil, err
	}
	defer bw.Abort()
	ew := sse.NewWriter(bw, seal.key, seal.hdr)

	md := md5.New()
	var ckh hash.Hash
	if ck.algo != nil {
		ckh = ck.algo.New()
	}
	n, err := copyHashing(ew, r.Body, size, md, ckh)
	if err != nil {
		return nil, err
	}
	if n < size {
		return nil, errIncompleteBody
	}
	// The body must end where announced. net/http bounds a plain body by
	// Content-Length; an aws-chunked one is bounded by its decoder, which
	// also reads (and verifies) the trailer when it reaches EOF.
	if err := expectEOF(r.Body); err != nil {
		return nil, err
	}

	sum := md.Sum(nil)
	if wantMD5 != nil && !equalBytes(sum, wantMD5) {
		return nil, errBadDigest.With("ExpectedDigest", hex.EncodeToString(wantMD5)).
			With("CalculatedDigest", base64.StdEncoding.EncodeToString(sum))
	}
	res := &ingested{Size: n, MD5: hex.EncodeToString(sum)}
	if ck.algo != nil {
		got := checksumString(ckh)
		want := ck.value
		if ck.trailer {
			want = strings.TrimSpace(trailerValue(q, r, ck.algo.Header))
			if want != "" && !ck.algo.validValue(want) {
				return nil, errChecksumInvalid(ck.algo)
			}
			// A trailer the client announced but did not send fails as S3
			// fails it (the chunked decoder normally rejects that first).
			if want == "" {
				return nil, errIncompleteBody.WithMessage("The x-amz-trailer header was specified, but the trailing checksum was not sent.")
			}
		}
		if want != "" && want != got {
			return nil, errBadChecksum(ck.algo)
		}
		res.Checksums = map[string]string{ck.algo.Name: got}
		res.ChecksumType = checksumFullObject
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := ew.Close(); err != nil {
		return nil, err
	}
	id, err := bw.Commit()
	if err != nil {
		return nil, err
	}
	res.BlobID = id
	return res, nil
}

// isAWSChunked reports whether r's body is aws-chunked encoded (streaming
// SigV4 with or without trailers). The verifier has already decoded it.
func isAWSChunked(r *http.Request) bool {
	if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		return true
	}
	for _, v := range r.Header["Content-Encoding"] {
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "aws-chunked") {
				return true
			}
		}
	}
	return false
}

// declaredLength returns the payload length the request announces: the
// decoded length for aws-chunked bodies, else Content-Length. A request
// without one fails with 411 MissingContentLength, as S3's PUTs do.
func declaredLength(r *http.Request) (int64, error) {
	if isAWSChunked(r) {
		v := r.Header.Get("X-Amz-Decoded-Content-Length")
		if v == "" {
			return 0, errMissingContentLength
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, errInvalidArgument.WithMessage("Invalid x-amz-decoded-content-length").
				With("ArgumentName", "x-amz-decoded-content-length").With("ArgumentValue", v)
		}
		return n, nil
	}
	if r.ContentLength < 0 {
		return 0, errMissingContentLength
	}
	return r.ContentLength, nil
}

// checksumRequest is the additional checksum a request asks for.
type checksumRequest struct {
	algo    *checksumAlgo // nil: none named
	value   string        // from an x-amz-checksum-* header; "" otherwise
	trailer bool          // the value comes in the aws-chunked trailer
}

// requestedChecksum reads the additional checksum a request names through
// x-amz-checksum-*, x-amz-trailer and x-amz-sdk-checksum-algorithm.
func requestedChecksum(h http.Header) (checksumRequest, error) {
	var ck checksumRequest
	for _, a := range checksumAlgos {
		v, ok := h[a.Header]
		if !ok {
			continue
		}
		if ck.algo != nil {
			return ck, errInvalidRequest.WithMessage("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		ck.algo, ck.value = a, strings.TrimSpace(v[0])
	}
	if ck.algo != nil && !ck.algo.validValue(ck.value) {
		return ck, errChecksumInvalid(ck.algo)
	}
	var sdk *checksumAlgo
	if v := h.Get("X-Amz-Sdk-Checksum-Algorithm"); v != "" {
		if sdk = checksumAlgoByName(strings.TrimSpace(v)); sdk == nil {
			return ck, errUnsupportedChecksumAlgorithm
		}
	}
	if t := h.Get("X-Amz-Trailer"); t != "" {
		a := checksumAlgoByHeader(strings.TrimSpace(t))
		if a == nil {
			return ck, errInvalidRequest.WithMessage("The value specified in the x-amz-trailer header is not supported")
		}
		if ck.algo != nil && ck.algo != a {
			return ck, errInvalidRequest.WithMessage("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		if ck.algo == nil {
			ck.algo, ck.trailer = a, true
		}
	}
	if sdk != nil {
		switch {
		case ck.algo == nil:
			return ck, errInvalidRequest.WithMessage("x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.")
		case ck.algo != sdk:
			return ck, errBadChecksum(sdk)
		}
	}
	return ck, nil
}

// trailerValue returns the aws-chunked trailer named name (canonical
// header form), available once the body has been read to EOF; "" if the
// request sent none.
func trailerValue(q *request, r *http.Request, name string) string {
	if r.Trailer != nil {
		if v := r.Trailer.Get(name); v != "" {
			return v
		}
	}
	if q.call != nil && q.call.Auth != nil {
		return q.call.Auth.Trailer().Get(name)
	}
	return ""
}

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// copyHashing copies up to limit bytes from src to dst, feeding every byte
// to the hashes (nil ones are skipped). It returns the bytes copied; a
// source that ends early is not an error (the caller compares the count).
func copyHashing(dst io.Writer, src io.Reader, limit int64, hs ...hash.Hash) (int64, error) {
	bp := copyBufPool.Get().(*[]byte)
	defer copyBufPool.Put(bp)
	buf := *bp
	var n int64
	for n < limit {
		p := buf
		if rem := limit - n; rem < int64(len(p)) {
			p = p[:rem]
		}
		m, rerr := src.Read(p)
		if m > 0 {
			for _, h := range hs {
				if h != nil {
					h.Write(p[:m])
				}
			}
			if _, err := dst.Write(p[:m]); err != nil {
				return n, err
			}
			n += int64(m)
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, bodyError(rerr)
		}
	}
	return n, nil
}

// bodyError maps a failure reading the request body: AWS errors the
// SigV4 decoder returns (a chunk signature mismatch, a bad trailer) pass
// through; a body cut short becomes IncompleteBody; anything else (a
// client gone away) is returned as is.
func bodyError(err error) error {
	var ae *awsapi.Error
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errIncompleteBody
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errMaxMessageLengthExceeded
	}
	return err
}

// expectEOF reads src to its end, which must come at once: a body longer
// than declared fails with InvalidRequest. Reading to EOF also makes an
// aws-chunked decoder read and verify the trailer.
func expectEOF(src io.Reader) error {
	var one [1]byte
	for range 16 {
		m, err := src.Read(one[:])
		if m > 0 {
			return errInvalidRequest.WithMessage("The request body is longer than its declared length.")
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return bodyError(err)
		}
	}
	return errInvalidRequest.WithMessage("The request body did not end at its declared length.")
}

func equalBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var d byte
	for i := range a {
		d |= a[i] ^ b[i]
	}
	return d == 0
}
