package sse

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Writer encrypts a stream into a blob of this package's format. It holds
// one chunk in memory: a chunk is sealed and written once the next byte
// arrives (or at Close, as the final chunk).
type Writer struct {
	w      io.Writer
	hdr    Header
	hbytes []byte
	c      *chunkCipher
	buf    *[]byte // chunk buffer: ChunkSize + TagSize
	n      int     // plaintext bytes in buf
	idx    uint64  // index of the chunk in buf
	wrote  bool    // header written
	closed bool
	err    error
	nonce  [12]byte
	ad     [sha256.Size + 5]byte
}

// NewWriter returns a Writer that encrypts what is written to it with
// dataKey (DataKeySize bytes, fresh for this blob) and writes the blob to
// w. The header carries the sealed data key and key id; its zero
// Algorithm and ChunkSize take the defaults and an all-zero NoncePrefix is
// replaced by random bytes. Close writes the final chunk and must be
// called, even for an empty blob. It does not close w. An invalid key or
// header makes every Write and Close fail.
func NewWriter(w io.Writer, dataKey []byte, header Header) *Writer {
	header.normalize()
	if header.NoncePrefix == ([8]byte{}) {
		header.NoncePrefix = randomPrefix()
	}
	sw := &Writer{w: w, hdr: header}
	sw.hbytes, sw.err = header.MarshalBinary()
	if sw.err == nil {
		sw.c, sw.err = newChunkCipher(dataKey, sw.hbytes, header.NoncePrefix)
	}
	if sw.err == nil {
		sw.buf = getBuf(header.ChunkSize + TagSize)
	}
	return sw
}

// Header returns the header the blob is written with (with its nonce
// prefix).
func (w *Writer) Header() Header { return w.hdr }

// Write encrypts p.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.closed {
		return 0, errors.New("sse: write after Close")
	}
	if !w.wrote {
		if err := w.writeHeader(); err != nil {
			return 0, err
		}
	}
	cs := w.hdr.ChunkSize
	written := 0
	for len(p) > 0 {
		if w.n == cs { // a full chunk, and more to come: it is not the last
			if err := w.flush(false); err != nil {
				return written, err
			}
		}
		m := copy((*w.buf)[w.n:cs], p)
		w.n += m
		p = p[m:]
		written += m
	}
	return written, nil
}

func (w *Writer) writeHeader() error {
	w.wrote = true
	if _, err := w.w.Write(w.hbytes); err != nil {
		w.err = err
		return err
	}
	return nil
}

// flush seals the buffered chunk and writes it.
func (w *Writer) flush(final bool) error {
	if w.idx >= maxChunks {
		w.err = fmt.Errorf("sse: blob exceeds %d chunks", uint64(maxChunks))
		return w.err
	}
	w.c.nonceAD(&w.nonce, &w.ad, uint32(w.idx), final)
	b := *w.buf
	sealed := w.c.aead.Seal(b[:0], w.nonce[:], b[:w.n], w.ad[:])
	if _, err := w.w.Write(sealed); err != nil {
		w.err = err
		return err
	}
	w.idx++
	w.n = 0
	return nil
}

// Close writes the final chunk (and the header, if nothing was written).
// It does not close the underlying writer. Calling it again returns the
// first call's result.
func (w *Writer) Close() error {
	if w.closed || w.err != nil {
		return w.err
	}
	w.closed = true
	if !w.wrote {
		if err := w.writeHeader(); err != nil {
			return err
		}
	}
	err := w.flush(true)
	putBuf(w.buf)
	w.buf = nil
	if err == nil {
		w.err = nil
	}
	return err
}

// Buffers of the default chunk size (plus a tag) are pooled: every read
// and write of a blob uses one.
var chunkPool = sync.Pool{New: func() any { b := make([]byte, DefaultChunkSize+TagSize); return &b }}

func getBuf(n int) *[]byte {
	if n == DefaultChunkSize+TagSize {
		return chunkPool.Get().(*[]byte)
	}
	b := make([]byte, n)
	return &b
}

func putBuf(b *[]byte) {
	if b != nil && len(*b) == DefaultChunkSize+TagSize {
		chunkPool.Put(b)
	}
}
