package sse

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Reader decrypts a blob of this package's format. ReadAt decrypts only
// the chunks a range touches, and keeps the last chunk it decrypted for a
// read that ends inside it, so that sequential reads of any size decrypt
// every chunk once. ReadAt is safe for concurrent use (calls are
// serialized).
type Reader struct {
	src       io.ReaderAt
	hdr       Header
	hlen      int64
	chunk     int64 // plaintext bytes per chunk
	chunks    int64
	size      int64 // plaintext
	c         *chunkCipher
	mu        sync.Mutex
	buf       *[]byte // ciphertext scratch; holds chunk cached's plaintext
	cached    int64   // index of the chunk whose plaintext buf holds; -1 none
	cachedLen int
	closed    bool
	nonce     [12]byte
	ad        [sha256.Size + 5]byte
}

// OpenReader opens the blob r of size bytes: it reads and checks the
// header and layout, then calls unseal with the header to get the data
// key. It fails with ErrFormat for bytes that are not a supported blob,
// ErrTampered for a header cut short or a length that does not fit the
// layout, and with unseal's error as is. Chunks are authenticated as they
// are read. Close the Reader to release its buffer (it does not close r).
func OpenReader(r io.ReaderAt, size int64, unseal func(Header) ([]byte, error)) (*Reader, error) {
	hdr, hlen, err := ReadHeader(r, size)
	if err != nil {
		return nil, err
	}
	chunks, plain, err := layout(int64(hlen), int64(hdr.ChunkSize), size)
	if err != nil {
		return nil, err
	}
	key, err := unseal(hdr)
	if err != nil {
		return nil, err
	}
	hb, err := hdr.MarshalBinary()
	if err != nil {
		return nil, err
	}
	c, err := newChunkCipher(key, hb, hdr.NoncePrefix)
	if err != nil {
		return nil, err
	}
	return &Reader{
		src: r, hdr: hdr, hlen: int64(hlen), chunk: int64(hdr.ChunkSize), chunks: chunks, size: plain,
		c: c, cached: -1,
	}, nil
}

// Header returns the blob's header.
func (r *Reader) Header() Header { return r.hdr }

// Size returns the plaintext size.
func (r *Reader) Size() int64 { return r.size }

// ReadAt reads plaintext bytes [off, off+len(p)). Like any io.ReaderAt it
// returns io.EOF when the blob ends before p is full. A chunk that fails
// authentication stops the read with ErrTampered: n counts only the bytes
// of the chunks before it, all authenticated; the rest of p is
// unspecified.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("sse: negative offset")
	}
	if off >= r.size {
		if len(p) == 0 {
			return 0, nil
		}
		return 0, io.EOF
	}
	want := len(p)
	if rem := r.size - off; int64(len(p)) > rem {
		p = p[:rem]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, errors.New("sse: read after Close")
	}
	if r.buf == nil {
		r.buf = getBuf(int(r.chunk) + TagSize)
	}
	n := 0
	for n < len(p) {
		pos := off + int64(n)
		i := pos / r.chunk
		within := int(pos - i*r.chunk)
		plainLen := int(min(r.chunk, r.size-i*r.chunk))
		need := min(plainLen-within, len(p)-n)
		if i == r.cached {
			n += copy(p[n:n+need], (*r.buf)[within:within+need])
			continue
		}
		if within == 0 && need == plainLen {
			// The whole chunk is wanted: decrypt straight into p.
			if err := r.open(i, plainLen, p[n:n:n+plainLen]); err != nil {
				return n, err
			}
			n += need
			continue
		}
		if err := r.open(i, plainLen, nil); err != nil {
			return n, err
		}
		r.cached, r.cachedLen = i, plainLen
		n += copy(p[n:n+need], (*r.buf)[within:within+need])
	}
	if n < want {
		return n, io.EOF
	}
	return n, nil
}

// open reads chunk i (plainLen plaintext bytes) into the scratch buffer
// and authenticates it, decrypting into dst (which has room for plainLen
// bytes) or, when dst is nil, in place in the buffer.
func (r *Reader) open(i int64, plainLen int, dst []byte) error {
	r.cached = -1
	b := (*r.buf)[:plainLen+TagSize]
	if _, err := readFull(r.src, b, r.hlen+i*(r.chunk+TagSize)); err != nil {
		return err
	}
	r.c.nonceAD(&r.nonce, &r.ad, uint32(i), i == r.chunks-1)
	if dst == nil {
		dst = b[:0]
	}
	if _, err := r.c.aead.Open(dst, r.nonce[:], b, r.ad[:]); err != nil {
		return fmt.Errorf("%w: chunk %d", ErrTampered, i)
	}
	return nil
}

// Close releases the Reader's buffer. It does not close the source.
func (r *Reader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		putBuf(r.buf)
		r.buf = nil
		r.cached = -1
	}
	return nil
}
