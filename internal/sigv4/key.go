package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"sync"
)

// Algorithm is the only signing algorithm edgegate accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// Payload hash values of x-amz-content-sha256 with a special meaning.
const (
	UnsignedPayload                 = "UNSIGNED-PAYLOAD"
	StreamingSignedPayload          = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingSignedPayloadTrailer   = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
	streamingECDSAPayload           = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
	streamingECDSAPayloadTrailer    = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
	// EmptyPayloadHash is the hex SHA-256 of an empty body.
	EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// hmacSHA256 computes HMAC-SHA256 with a key of at most 64 bytes without
// allocating: buf must hold 64 free bytes in front of the message, that is
// buf[:64] is scratch and buf[64:] is the message.
func hmacSHA256(key []byte, buf []byte) [32]byte {
	var pad [64]byte
	copy(pad[:], key)
	for i := range 64 {
		buf[i] = pad[i] ^ 0x36
	}
	inner := sha256.Sum256(buf)
	var outer [64 + 32]byte
	for i := range 64 {
		outer[i] = pad[i] ^ 0x5c
	}
	copy(outer[64:], inner[:])
	return sha256.Sum256(outer[:])
}

func hmacBytes(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

// deriveKey computes the SigV4 signing key for a secret and a scope.
func deriveKey(secret, date, region, service string) [32]byte {
	k := hmacBytes([]byte("AWS4"+secret), []byte(date))
	k = hmacBytes(k, []byte(region))
	k = hmacBytes(k, []byte(service))
	k = hmacBytes(k, []byte("aws4_request"))
	return [32]byte(k)
}

type keyID struct{ secret, date, region, service string }

// keyCacheMax bounds the signing-key cache; when it is full it is emptied
// (keys change daily, so a full cache is mostly stale anyway).
const keyCacheMax = 4096

var keyCache struct {
	mu sync.RWMutex
	m  map[keyID][32]byte
}

// signingKey returns the derived key for the scope, from the cache when it
// has it. It is safe for concurrent use.
func signingKey(secret, date, region, service string) [32]byte {
	id := keyID{secret, date, region, service}
	keyCache.mu.RLock()
	k, ok := keyCache.m[id]
	keyCache.mu.RUnlock()
	if ok {
		return k
	}
	k = deriveKey(secret, date, region, service)
	// The parts may be substrings of a large header: store copies.
	id = keyID{strings.Clone(secret), strings.Clone(date), strings.Clone(region), strings.Clone(service)}
	keyCache.mu.Lock()
	if keyCache.m == nil || len(keyCache.m) >= keyCacheMax {
		keyCache.m = make(map[keyID][32]byte)
	}
	keyCache.m[id] = k
	keyCache.mu.Unlock()
	return k
}

// scratch is the per-call working memory of signing and verification,
// recycled through scratchPool so the hot path does not allocate.
type scratch struct {
	canon []byte // canonical request
	sts   []byte // 64 bytes of HMAC pad space, then the string to sign
	qbuf  []byte
	pairs []qpair
	segs  []int

	// Set by appendCanonicalRequest: how many signed x-amz-* headers the
	// request has, whether host is signed, and whether the SignedHeaders
	// list is strictly sorted (so free of duplicates).
	amzSigned    int
	hostSigned   bool
	signedSorted bool
}

var scratchPool = sync.Pool{New: func() any {
	return &scratch{
		canon: make([]byte, 0, 1024),
		sts:   make([]byte, 64, 256),
		qbuf:  make([]byte, 0, 256),
		pairs: make([]qpair, 0, 16),
		segs:  make([]int, 0, 16),
	}
}}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

func putScratch(s *scratch) {
	if cap(s.canon) > 64<<10 || cap(s.qbuf) > 64<<10 {
		return // do not keep buffers grown by a huge request
	}
	scratchPool.Put(s)
}

// appendHex appends the lower-case hex form of b.
func appendHex(dst []byte, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, lowerHex[c>>4], lowerHex[c&15])
	}
	return dst
}

// stringToSign fills s.sts (after its 64 pad bytes) with the string to sign
// for the canonical request in s.canon and returns the signature.
func (s *scratch) sign(key *[32]byte, amzDate, scope string) [32]byte {
	h := sha256.Sum256(s.canon)
	b := s.sts[:64]
	b = append(b, Algorithm...)
	b = append(b, '\n')
	b = append(b, amzDate...)
	b = append(b, '\n')
	b = append(b, scope...)
	b = append(b, '\n')
	b = appendHex(b, h[:])
	s.sts = b
	return hmacSHA256(key[:], b)
}

// stringToSignText returns the string to sign held in s.sts.
func (s *scratch) stringToSignText() string { return string(s.sts[64:]) }

// decodeSignature decodes a 64-character lower-case hex signature.
func decodeSignature(sig string) (out [32]byte, ok bool) {
	if len(sig) != 64 {
		return out, false
	}
	for i := 0; i < 32; i++ {
		hi, lo := sig[2*i], sig[2*i+1]
		h, ok1 := lowerNibble(hi)
		l, ok2 := lowerNibble(lo)
		if !ok1 || !ok2 {
			return out, false
		}
		out[i] = h<<4 | l
	}
	return out, true
}

func lowerNibble(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
