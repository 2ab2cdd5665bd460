package awsapi

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"sync/atomic"
)

// requestIDState makes request ids unique within a process and unlikely to
// repeat across restarts: a random 64-bit base plus an atomic counter.
var requestIDState = func() *atomic.Uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	v := new(atomic.Uint64)
	v.Store(binary.LittleEndian.Uint64(b[:]))
	return v
}()

const hexUpper = "0123456789ABCDEF"

// NewRequestID returns a fresh request id in S3's observed shape: 16
// uppercase hexadecimal characters. It does not allocate beyond the string.
func NewRequestID() string {
	n := requestIDState.Add(0x9E3779B97F4A7C15) // Weyl sequence: distinct for 2^64 calls
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = hexUpper[n&0xF]
		n >>= 4
	}
	return string(b[:])
}

// HostID returns the x-amz-id-2 value for a request id: an opaque base64
// string, derived from the id so it costs no randomness per request.
func HostID(requestID string) string {
	var b [24]byte
	copy(b[:], "edgegate")
	copy(b[8:], requestID)
	return base64.StdEncoding.EncodeToString(b[:])
}
