package sse

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// Errors. Functions wrap them with detail: test with errors.Is.
var (
	// ErrTampered: a blob failed authentication (a chunk's tag, hence its
	// bytes, its position, the header or the blob's length were changed),
	// or its length does not fit the layout the header implies (cut short
	// or extended). No plaintext of the failing chunk is returned.
	ErrTampered = errors.New("sse: ciphertext failed authentication (tampered or corrupt)")
	// ErrFormat: the bytes are not a blob of this format (bad magic), or
	// of a version, algorithm or parameter this package does not support.
	ErrFormat = errors.New("sse: not an encrypted blob of a supported format")
)

// Algorithm identifies a blob's cipher construction.
type Algorithm uint8

// AlgAES256GCMChunked is AES-256-GCM over fixed-size chunks, as the
// package documentation describes.
const AlgAES256GCMChunked Algorithm = 1

const (
	// Version is the format version this package writes.
	Version = 1
	// DefaultChunkSize is the plaintext size of a chunk: 64 KiB.
	DefaultChunkSize = 64 << 10
	// MinChunkSize and MaxChunkSize bound the chunk sizes a header may
	// name.
	MinChunkSize = 1 << 10
	MaxChunkSize = 16 << 20
	// MaxKeyIDLen bounds the key id a header carries (a KMS key ARN is
	// about 75 bytes).
	MaxKeyIDLen = 1024
	// MaxSealedKeyLen bounds the sealed data key a header carries.
	MaxSealedKeyLen = 4096
	// DataKeySize is the length of a data key: AES-256.
	DataKeySize = 32
	// TagSize is the length of a chunk's GCM tag.
	TagSize = 16

	fixedHeaderLen = 24
	magic          = "EGSE"
	maxChunks      = 1 << 32
)

// Header is a blob's header: how its chunks are sealed and which key
// sealed its data key.
type Header struct {
	// Algorithm is the cipher construction; 0 means AlgAES256GCMChunked.
	Algorithm Algorithm
	// ChunkSize is the plaintext size of a chunk; 0 means
	// DefaultChunkSize. It must be a power of two in [MinChunkSize,
	// MaxChunkSize].
	ChunkSize int
	// KeyID names the key that sealed the data key (KeySealer.Seal's
	// keyID): the sealer needs it to unseal.
	KeyID string
	// SealedKey is the data key as KeySealer.Seal sealed it.
	SealedKey []byte
	// NoncePrefix is the first 8 bytes of every chunk's nonce. NewWriter
	// fills it with random bytes when it is all zero.
	NoncePrefix [8]byte
}

func (h *Header) normalize() {
	if h.Algorithm == 0 {
		h.Algorithm = AlgAES256GCMChunked
	}
	if h.ChunkSize == 0 {
		h.ChunkSize = DefaultChunkSize
	}
}

func (h *Header) validate() error {
	if h.Algorithm != AlgAES256GCMChunked {
		return fmt.Errorf("%w: algorithm %d", ErrFormat, h.Algorithm)
	}
	if h.ChunkSize < MinChunkSize || h.ChunkSize > MaxChunkSize || bits.OnesCount(uint(h.ChunkSize)) != 1 {
		return fmt.Errorf("%w: chunk size %d", ErrFormat, h.ChunkSize)
	}
	if len(h.KeyID) > MaxKeyIDLen {
		return fmt.Errorf("%w: key id of %d bytes", ErrFormat, len(h.KeyID))
	}
	if len(h.SealedKey) == 0 || len(h.SealedKey) > MaxSealedKeyLen {
		return fmt.Errorf("%w: sealed key of %d bytes", ErrFormat, len(h.SealedKey))
	}
	return nil
}

// Len returns the header's encoded length in bytes.
func (h *Header) Len() int { return fixedHeaderLen + len(h.KeyID) + len(h.SealedKey) }

// MarshalBinary encodes the header (zero Algorithm and ChunkSize as their
// defaults). It fails with ErrFormat for a header this package cannot
// write.
func (h Header) MarshalBinary() ([]byte, error) {
	h.normalize()
	if err := h.validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, h.Len())
	b = append(b, magic...)
	b = append(b, Version, byte(h.Algorithm), 0, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(h.ChunkSize))
	b = append(b, h.NoncePrefix[:]...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(h.KeyID)))
	b = append(b, h.KeyID...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(h.SealedKey)))
	b = append(b, h.SealedKey...)
	return b, nil
}

var errTruncatedHeader = fmt.Errorf("%w: header cut short: %w", ErrTampered, io.ErrUnexpectedEOF)

// ParseHeader decodes the header at the start of b, returning it and its
// length. It fails with ErrFormat when b does not start with a supported
// header, and with ErrTampered (wrapping io.ErrUnexpectedEOF) when b ends
// inside it.
func ParseHeader(b []byte) (Header, int, error) {
	var h Header
	truncated := errTruncatedHeader
	if len(b) < len(magic) {
		if string(b) == magic[:len(b)] {
			return h, 0, truncated
		}
		return h, 0, fmt.Errorf("%w: bad magic", ErrFormat)
	}
	if string(b[:len(magic)]) != magic {
		return h, 0, fmt.Errorf("%w: bad magic", ErrFormat)
	}
	if len(b) < 8 {
		return h, 0, truncated
	}
	if b[4] != Version {
		return h, 0, fmt.Errorf("%w: version %d", ErrFormat, b[4])
	}
	if b[6] != 0 || b[7] != 0 {
		return h, 0, fmt.Errorf("%w: reserved bytes set", ErrFormat)
	}
	if len(b) < fixedHeaderLen-2 {
		return h, 0, truncated
	}
	h.Algorithm = Algorithm(b[5])
	h.ChunkSize = int(binary.BigEndian.Uint32(b[8:12]))
	copy(h.NoncePrefix[:], b[12:20])
	k := int(binary.BigEndian.Uint16(b[20:22]))
	if k > MaxKeyIDLen {
		return h, 0, fmt.Errorf("%w: key id of %d bytes", ErrFormat, k)
	}
	if len(b) < 22+k+2 {
		return h, 0, truncated
	}
	h.KeyID = string(b[22 : 22+k])
	s := int(binary.BigEndian.Uint16(b[22+k : 24+k]))
	if s == 0 || s > MaxSealedKeyLen {
		return h, 0, fmt.Errorf("%w: sealed key of %d bytes", ErrFormat, s)
	}
	if len(b) < 24+k+s {
		return h, 0, truncated
	}
	h.SealedKey = append([]byte(nil), b[24+k:24+k+s]...)
	if err := h.validate(); err != nil {
		return h, 0, err
	}
	return h, 24 + k + s, nil
}

// maxHeaderLen is the longest header ParseHeader accepts.
const maxHeaderLen = fixedHeaderLen + MaxKeyIDLen + MaxSealedKeyLen

// ReadHeader reads and decodes the header of the blob r of size bytes.
func ReadHeader(r io.ReaderAt, size int64) (Header, int, error) {
	// One read covers the usual header (a key ARN and a sealed key of a
	// few hundred bytes); a longer one is read again in full.
	buf := make([]byte, min(size, 512))
	if _, err := readFull(r, buf, 0); err != nil {
		return Header{}, 0, err
	}
	h, n, err := ParseHeader(buf)
	if errors.Is(err, io.ErrUnexpectedEOF) && size > int64(len(buf)) {
		buf = make([]byte, min(size, maxHeaderLen))
		if _, err := readFull(r, buf, 0); err != nil {
			return Header{}, 0, err
		}
		h, n, err = ParseHeader(buf)
	}
	return h, n, err
}

// readFull reads len(p) bytes at off; a source that ends early is
// ErrTampered (the blob is shorter than its layout says).
func readFull(r io.ReaderAt, p []byte, off int64) (int, error) {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return n, nil
	}
	if err == nil || err == io.EOF {
		err = fmt.Errorf("%w: blob ends early: %w", ErrTampered, io.ErrUnexpectedEOF)
	}
	return n, err
}

// CiphertextSize returns the length of the blob that holds plainSize
// bytes under h.
func (h Header) CiphertextSize(plainSize int64) int64 {
	h.normalize()
	c := int64(h.ChunkSize)
	n := max(1, (plainSize+c-1)/c)
	return int64(h.Len()) + plainSize + n*TagSize
}

// PlaintextSize returns the plaintext length of a blob of cipherSize bytes
// with header h, or ErrTampered when no plaintext length gives that blob
// length (the blob was cut or extended).
func (h Header) PlaintextSize(cipherSize int64) (int64, error) {
	h.normalize()
	_, plain, err := layout(int64(h.Len()), int64(h.ChunkSize), cipherSize)
	return plain, err
}

// layout returns the chunk count and plaintext size of a blob.
func layout(headerLen, chunkSize, cipherSize int64) (chunks, plain int64, err error) {
	body := cipherSize - headerLen
	if body < TagSize {
		return 0, 0, fmt.Errorf("%w: blob of %d bytes holds no chunk", ErrTampered, cipherSize)
	}
	full := chunkSize + TagSize
	chunks = (body + full - 1) / full
	if last := body - (chunks-1)*full; last < TagSize {
		return 0, 0, fmt.Errorf("%w: blob length %d does not fit the chunk layout", ErrTampered, cipherSize)
	}
	if chunks > maxChunks {
		return 0, 0, fmt.Errorf("%w: %d chunks", ErrFormat, chunks)
	}
	return chunks, body - chunks*TagSize, nil
}

// chunkCipher is what both directions need: the AEAD and the additional
// data prefix (the header hash).
type chunkCipher struct {
	aead   cipher.AEAD
	prefix [8]byte
	hhash  [sha256.Size]byte
}

func newChunkCipher(dataKey, header []byte, prefix [8]byte) (*chunkCipher, error) {
	if len(dataKey) != DataKeySize {
		return nil, fmt.Errorf("sse: data key of %d bytes, want %d", len(dataKey), DataKeySize)
	}
	block, err := aes.NewCipher(dataKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &chunkCipher{aead: aead, prefix: prefix, hhash: sha256.Sum256(header)}, nil
}

// nonceAD fills the nonce and additional data of chunk i.
func (c *chunkCipher) nonceAD(nonce *[12]byte, ad *[sha256.Size + 5]byte, i uint32, final bool) {
	copy(nonce[:8], c.prefix[:])
	binary.BigEndian.PutUint32(nonce[8:], i)
	copy(ad[:sha256.Size], c.hhash[:])
	binary.BigEndian.PutUint32(ad[sha256.Size:], i)
	ad[sha256.Size+4] = 0
	if final {
		ad[sha256.Size+4] = 1
	}
}

// randomPrefix returns 8 random bytes.
func randomPrefix() [8]byte {
	var p [8]byte
	_, _ = rand.Read(p[:]) // crypto/rand never fails (it panics instead)
	return p
}
