package s3

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"strings"
	"sync"
)

// S3's additional checksum algorithms, by the names the API uses
// (ChecksumAlgorithm, the keys of store.Object.Checksums).
const (
	algCRC32     = "CRC32"
	algCRC32C    = "CRC32C"
	algCRC64NVME = "CRC64NVME"
	algSHA1      = "SHA1"
	algSHA256    = "SHA256"
)

// Checksum types (x-amz-checksum-type, store.Object.ChecksumType).
const (
	checksumFullObject = "FULL_OBJECT"
	checksumComposite  = "COMPOSITE"
)

// checksumAlgo is one of S3's additional checksum algorithms.
type checksumAlgo struct {
	Name   string // "CRC32"
	Header string // canonical header name: "X-Amz-Checksum-Crc32"
	Size   int    // digest length in bytes
	New    func() hash.Hash
}

// crc64NVMETable is the table of the CRC-64/NVME polynomial, in the
// reflected form hash/crc64 takes (0xad93d23594c93659 bit-reversed).
var crc64NVMETable = sync.OnceValue(func() *crc64.Table { return crc64.MakeTable(0x9a6c9329ac4bc9b5) })

var crc32cTable = crc32.MakeTable(crc32.Castagnoli)

// checksumAlgos lists the algorithms in the order S3 documents them.
var checksumAlgos = []*checksumAlgo{
	{Name: algCRC32, Header: "X-Amz-Checksum-Crc32", Size: crc32.Size, New: func() hash.Hash { return crc32.NewIEEE() }},
	{Name: algCRC32C, Header: "X-Amz-Checksum-Crc32c", Size: crc32.Size, New: func() hash.Hash { return crc32.New(crc32cTable) }},
	{Name: algCRC64NVME, Header: "X-Amz-Checksum-Crc64nvme", Size: crc64.Size, New: func() hash.Hash { return crc64.New(crc64NVMETable()) }},
	{Name: algSHA1, Header: "X-Amz-Checksum-Sha1", Size: sha1.Size, New: sha1.New},
	{Name: algSHA256, Header: "X-Amz-Checksum-Sha256", Size: sha256.Size, New: sha256.New},
}

// checksumAlgoByName returns the algorithm named name (case-insensitive:
// "crc32", "CRC32"), or nil.
func checksumAlgoByName(name string) *checksumAlgo {
	for _, a := range checksumAlgos {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// checksumAlgoByHeader returns the algorithm whose value header is name
// (case-insensitive: "x-amz-checksum-crc32"), or nil.
func checksumAlgoByHeader(name string) *checksumAlgo {
	for _, a := range checksumAlgos {
		if strings.EqualFold(a.Header, name) {
			return a
		}
	}
	return nil
}

// validValue reports whether v is the standard base64 of a digest of the
// algorithm's length.
func (a *checksumAlgo) validValue(v string) bool {
	if len(v) != base64.StdEncoding.EncodedLen(a.Size) {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(v)
	return err == nil && len(b) == a.Size
}

// sum returns the base64 digest of h, as S3 sends checksums.
func checksumString(h hash.Hash) string {
	var buf [64]byte
	return base64.StdEncoding.EncodeToString(h.Sum(buf[:0]))
}

// checksumOf returns the base64 checksum of p under the algorithm.
func (a *checksumAlgo) checksumOf(p []byte) string {
	h := a.New()
	h.Write(p)
	return checksumString(h)
}

// errBadChecksum is BadDigest naming the algorithm, as S3 words it.
func errBadChecksum(a *checksumAlgo) error {
	return errBadDigest.WithMessage("The " + a.Name + " you specified did not match the calculated checksum.")
}

// errChecksumInvalid is S3's answer to a checksum value that is not base64
// of the algorithm's digest length.
func errChecksumInvalid(a *checksumAlgo) error {
	return errInvalidRequest.WithMessage("Value for " + strings.ToLower(a.Header) + " header is invalid.")
}

// errUnsupportedChecksumAlgorithm is S3's answer to an unknown algorithm in
// x-amz-sdk-checksum-algorithm (or x-amz-checksum-algorithm).
var errUnsupportedChecksumAlgorithm = errInvalidRequest.WithMessage("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")

// setChecksumHeaders writes x-amz-checksum-* for every stored checksum and,
// when there are any, x-amz-checksum-type.
func setChecksumHeaders(h http.Header, sums map[string]string, typ string) {
	n := 0
	for _, a := range checksumAlgos {
		if v, ok := sums[a.Name]; ok {
			h[a.Header] = []string{v}
			n++
		}
	}
	if n > 0 {
		if typ == "" {
			typ = checksumFullObject
		}
		h["X-Amz-Checksum-Type"] = []string{typ}
	}
}
