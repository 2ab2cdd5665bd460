package sse

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

var fuzzKey = bytes.Repeat([]byte{7}, DataKeySize)

// fuzzPlain is the plaintext of the valid blobs the fuzzers start from: a
// few small chunks.
var fuzzPlain = func() []byte {
	b := make([]byte, 3*MinChunkSize+77)
	for i := range b {
		b[i] = byte(i * 31)
	}
	return b
}()

func fuzzBlob(tb testing.TB) []byte {
	var buf bytes.Buffer
	w := NewWriter(&buf, fuzzKey, Header{ChunkSize: MinChunkSize, KeyID: "k", SealedKey: []byte("s"), NoncePrefix: [8]byte{1}})
	w.Write(fuzzPlain)
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// readBlob opens b with the fuzz key and reads [off, off+n): it must not
// panic, must fail with one of the package's errors (or io.EOF past the
// end), and may only return bytes that equal the plaintext there.
func readBlob(t *testing.T, b []byte, off, n int64, intact bool) {
	r, err := OpenReader(bytes.NewReader(b), int64(len(b)), keyFunc(fuzzKey))
	if err != nil {
		if intact {
			t.Fatalf("intact blob: %v", err)
		}
		if !errors.Is(err, ErrTampered) && !errors.Is(err, ErrFormat) {
			t.Fatalf("OpenReader: unexpected error %v", err)
		}
		return
	}
	defer r.Close()
	p := make([]byte, n)
	got, err := r.ReadAt(p, off)
	if err != nil && err != io.EOF && !errors.Is(err, ErrTampered) {
		t.Fatalf("ReadAt: unexpected error %v", err)
	}
	if got > 0 {
		// Whatever came back authenticated, so it is the plaintext at off
		// (only the fuzz key's blobs of fuzzPlain can authenticate).
		if off+int64(got) > int64(len(fuzzPlain)) || !bytes.Equal(p[:got], fuzzPlain[off:off+int64(got)]) {
			t.Fatalf("ReadAt(%d, %d) returned %d bytes that are not the plaintext", n, off, got)
		}
	}
	if intact && err != nil && err != io.EOF {
		t.Fatalf("intact blob: %v", err)
	}
}

// FuzzReader feeds arbitrary bytes as a blob: no panic, and nothing but
// errors (the fuzz key's blobs of fuzzPlain are the only ones that can
// authenticate).
func FuzzReader(f *testing.F) {
	blob := fuzzBlob(f)
	f.Add(blob, int64(0), int64(100))
	f.Add(blob[:40], int64(0), int64(10))
	f.Add([]byte("EGSE\x01\x01\x00\x00\x00\x00\x04\x00"), int64(5), int64(5000))
	f.Add([]byte{}, int64(0), int64(1))
	f.Fuzz(func(t *testing.T, b []byte, off, n int64) {
		if off < 0 || n < 0 || n > 1<<16 {
			return
		}
		readBlob(t, b, off, n, false)
	})
}

// FuzzTamper changes a valid blob (flips bits at a position, cuts it, or
// inserts bytes): a changed blob never yields bytes other than the
// plaintext, and an unchanged one reads in full.
func FuzzTamper(f *testing.F) {
	blob := fuzzBlob(f)
	f.Add(uint32(30), byte(1), uint32(0), []byte{}, int64(0), int64(4000))
	f.Add(uint32(len(blob)-1), byte(0x80), uint32(0), []byte{}, int64(2000), int64(100))
	f.Add(uint32(0), byte(0), uint32(len(blob)-MinChunkSize), []byte{}, int64(0), int64(4000))
	f.Add(uint32(100), byte(0), uint32(0), []byte("xyz"), int64(1000), int64(3000))
	f.Fuzz(func(t *testing.T, pos uint32, mask byte, cut uint32, insert []byte, off, n int64) {
		if off < 0 || n < 0 || n > 1<<16 {
			return
		}
		b := bytes.Clone(blob)
		if int(pos) < len(b) {
			b[pos] ^= mask
		}
		if int(cut) < len(b) && cut > 0 {
			b = b[:len(b)-int(cut)]
		}
		if len(insert) > 0 {
			at := int(binary.BigEndian.Uint32(append(bytes.Clone(insert), 0, 0, 0, 0)[:4])) % (len(b) + 1)
			b = append(b[:at:at], append(insert, b[at:]...)...)
		}
		readBlob(t, b, off, n, bytes.Equal(b, blob))
	})
}
