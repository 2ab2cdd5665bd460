package sse

import (
	"bytes"
	"context"
	"io"
	"testing"
)

var benchSizes = []struct {
	name string
	size int
}{{"1KiB", 1 << 10}, {"1MiB", 1 << 20}}

func BenchmarkEncrypt(b *testing.B) {
	key := testKey(b)
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			plain := randBytes(sz.size)
			h := Header{KeyID: S3KeyID, SealedKey: make([]byte, 61)}
			var buf bytes.Buffer
			buf.Grow(int(h.CiphertextSize(int64(sz.size))))
			b.SetBytes(int64(sz.size))
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				w := NewWriter(&buf, key, h)
				w.Write(plain)
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecrypt(b *testing.B) {
	key := testKey(b)
	for _, sz := range benchSizes {
		b.Run(sz.name, func(b *testing.B) {
			blob := seal(b, key, randBytes(sz.size), 0)
			p := make([]byte, sz.size)
			src := bytes.NewReader(blob)
			b.SetBytes(int64(sz.size))
			b.ReportAllocs()
			for b.Loop() {
				r, err := OpenReader(src, int64(len(blob)), keyFunc(key))
				if err != nil {
					b.Fatal(err)
				}
				if n, err := r.ReadAt(p, 0); n != len(p) || (err != nil && err != io.EOF) {
					b.Fatal(n, err)
				}
				r.Close()
			}
		})
	}
}

// BenchmarkRangeRead4KiB reads 4 KiB at varying offsets of an open 1 MiB
// blob: one chunk decrypted per read.
func BenchmarkRangeRead4KiB(b *testing.B) {
	key := testKey(b)
	blob := seal(b, key, randBytes(1<<20), 0)
	r := open(b, blob, key)
	defer r.Close()
	p := make([]byte, 4<<10)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	off := int64(0)
	for b.Loop() {
		off = (off + 200<<10) % (1<<20 - int64(len(p)))
		if n, err := r.ReadAt(p, off); n != len(p) || err != nil {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkUnseal compares unsealing an SSE-S3 data key with a KeyCache
// lookup of it (why S3Sealer keeps no cache).
func BenchmarkUnseal(b *testing.B) {
	ctx := context.Background()
	s, _ := NewS3Sealer(testKey(b))
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/some/key.txt"}
	dk, sealed, id, _ := s.Seal(ctx, SealRequest{EncryptionContext: ec})
	b.Run("S3Sealer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Unseal(ctx, sealed, id, UnsealRequest{EncryptionContext: ec}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("KeyCache", func(b *testing.B) {
		c := NewKeyCache(0, 0)
		c.Put(id, sealed, ec, dk)
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := c.Get(id, sealed, ec); !ok {
				b.Fatal("miss")
			}
		}
	})
}
