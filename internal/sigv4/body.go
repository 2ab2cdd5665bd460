package sigv4

import (
	"crypto/sha256"
	"hash"
	"io"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// emptySum is the SHA-256 of nothing.
var emptySum = sha256.Sum256(nil)

func contentMismatch(client string, computed [32]byte) *awsapi.Error {
	return errContentSHA256Mismatch.
		With("ClientComputedContentSHA256", client).
		With("S3ComputedContentSHA256", string(appendHex(nil, computed[:])))
}

// readErr maps an error of the underlying body: a body that ends before its
// Content-Length is an IncompleteBody; other errors pass through.
func readErr(err error) error {
	if err == io.ErrUnexpectedEOF {
		return ErrIncompleteBody
	}
	return err
}

// hashReader passes a body through and, at its end, compares its SHA-256
// with the x-amz-content-sha256 the client signed.
type hashReader struct {
	src     io.ReadCloser
	h       hash.Hash
	want    [32]byte
	wantHex string
	err     error
}

func newHashReader(src io.ReadCloser, want [32]byte, wantHex string) *hashReader {
	return &hashReader{src: src, h: sha256.New(), want: want, wantHex: wantHex}
}

// Read implements io.Reader. At the end of the body it returns io.EOF when
// the hash matches and XAmzContentSHA256Mismatch otherwise; a body cut
// short returns IncompleteBody. Errors are sticky.
func (r *hashReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.src.Read(p)
	r.h.Write(p[:n])
	if err == io.EOF {
		var sum [32]byte
		r.h.Sum(sum[:0])
		if sum != r.want {
			err = contentMismatch(r.wantHex, sum)
		}
	} else if err != nil {
		err = readErr(err)
	}
	r.err = err
	return n, err
}

// Close closes the underlying body.
func (r *hashReader) Close() error { return r.src.Close() }
