package sse

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func testKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, DataKeySize)
	rand.Read(k)
	return k
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// seal encrypts plain into a blob with key (chunk size cs, 0 = default).
func seal(t testing.TB, key, plain []byte, cs int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, key, Header{ChunkSize: cs, KeyID: "test-key", SealedKey: []byte("sealed")})
	// Write in uneven pieces, to exercise the chunk buffering.
	for rest := plain; len(rest) > 0; {
		n := min(len(rest), 1+len(rest)%7919)
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func keyFunc(key []byte) func(Header) ([]byte, error) {
	return func(Header) ([]byte, error) { return key, nil }
}

func open(t testing.TB, blob, key []byte) *Reader {
	t.Helper()
	r, err := OpenReader(bytes.NewReader(blob), int64(len(blob)), keyFunc(key))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRoundTrip(t *testing.T) {
	const c = DefaultChunkSize
	sizes := []int{0, 1, 15, 16, 17, c - 1, c, c + 1, 2*c - 1, 2 * c, 2*c + 1, 1 << 20, 6<<20 + 3}
	key := testKey(t)
	for _, n := range sizes {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			plain := randBytes(n)
			blob := seal(t, key, plain, 0)
			h := Header{KeyID: "test-key", SealedKey: []byte("sealed")}
			if want := h.CiphertextSize(int64(n)); int64(len(blob)) != want {
				t.Errorf("blob of %d bytes, CiphertextSize says %d", len(blob), want)
			}
			if p, err := h.PlaintextSize(int64(len(blob))); err != nil || p != int64(n) {
				t.Errorf("PlaintextSize = %d, %v; want %d", p, err, n)
			}
			if n >= 16 && bytes.Contains(blob, plain[:16]) {
				t.Error("the blob holds plaintext")
			}
			r := open(t, blob, key)
			defer r.Close()
			if r.Size() != int64(n) {
				t.Fatalf("Size = %d", r.Size())
			}
			got, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
			if err != nil || !bytes.Equal(got, plain) {
				t.Fatalf("ReadAll: %d bytes, %v; equal %v", len(got), err, bytes.Equal(got, plain))
			}
			// One ReadAt of everything, and one past the end.
			all := make([]byte, n+10)
			m, err := r.ReadAt(all, 0)
			if m != n || err != io.EOF || !bytes.Equal(all[:m], plain) {
				t.Errorf("ReadAt(all+10) = %d, %v", m, err)
			}
			if m, err := r.ReadAt(make([]byte, 1), int64(n)); m != 0 || err != io.EOF {
				t.Errorf("ReadAt at the end = %d, %v", m, err)
			}
		})
	}
}

// TestRanges reads ranges that start, end and cross chunk boundaries, in
// both cache states, with a small chunk size so that many chunks exist.
func TestRanges(t *testing.T) {
	const cs = MinChunkSize
	plain := randBytes(10*cs + 123)
	key := testKey(t)
	blob := seal(t, key, plain, cs)
	r := open(t, blob, key)
	defer r.Close()
	type rng struct{ off, n int }
	var ranges []rng
	for _, off := range []int{0, 1, cs - 1, cs, cs + 1, 3*cs - 5, 10 * cs, 10*cs + 100} {
		for _, n := range []int{1, 5, cs - 1, cs, cs + 1, 2*cs + 7, 5 * cs} {
			ranges = append(ranges, rng{off, n})
		}
	}
	for _, x := range ranges {
		p := make([]byte, x.n)
		m, err := r.ReadAt(p, int64(x.off))
		end := min(x.off+x.n, len(plain))
		wantN := end - x.off
		if m != wantN || !bytes.Equal(p[:m], plain[x.off:end]) {
			t.Errorf("ReadAt(%d, off %d) = %d, %v (want %d bytes)", x.n, x.off, m, err, wantN)
		}
		if (wantN < x.n) != (err == io.EOF) || (err != nil && err != io.EOF) {
			t.Errorf("ReadAt(%d, off %d) err = %v", x.n, x.off, err)
		}
	}
	// Sequential small reads through a chunk cache.
	got, err := io.ReadAll(io.NewSectionReader(r, 7, int64(len(plain)-7)))
	if err != nil || !bytes.Equal(got, plain[7:]) {
		t.Errorf("sequential read: %v", err)
	}
}

func TestHeaderRoundTrip(t *testing.T) {
	h := Header{ChunkSize: 4096, KeyID: "arn:aws:kms:us-east-1:000000000000:key/x", SealedKey: randBytes(200), NoncePrefix: [8]byte{1, 2, 3}}
	b, err := h.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != h.Len() {
		t.Errorf("Len %d, encoded %d", h.Len(), len(b))
	}
	got, n, err := ParseHeader(append(b, "trailing"...))
	if err != nil || n != len(b) || got.KeyID != h.KeyID || !bytes.Equal(got.SealedKey, h.SealedKey) ||
		got.ChunkSize != 4096 || got.NoncePrefix != h.NoncePrefix || got.Algorithm != AlgAES256GCMChunked {
		t.Errorf("ParseHeader = %+v, %d, %v", got, n, err)
	}
	for i := range len(b) {
		if _, _, err := ParseHeader(b[:i]); !errors.Is(err, ErrTampered) {
			t.Errorf("header cut at %d: %v, want ErrTampered", i, err)
		}
	}
	bad := []struct {
		name string
		h    Header
	}{
		{"chunk not a power of two", Header{ChunkSize: 5000, SealedKey: []byte{1}}},
		{"chunk too small", Header{ChunkSize: 512, SealedKey: []byte{1}}},
		{"chunk too large", Header{ChunkSize: 32 << 20, SealedKey: []byte{1}}},
		{"no sealed key", Header{}},
		{"algorithm", Header{Algorithm: 9, SealedKey: []byte{1}}},
		{"key id too long", Header{KeyID: string(make([]byte, MaxKeyIDLen+1)), SealedKey: []byte{1}}},
	}
	for _, tt := range bad {
		if _, err := tt.h.MarshalBinary(); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", tt.name, err)
		}
	}
	for _, b := range [][]byte{[]byte("XGSE\x01\x01\x00\x00"), []byte("EGSE\x02\x01\x00\x00"), []byte("EGSE\x01\x01\x00\x01"), []byte("plain text object")} {
		if _, _, err := ParseHeader(b); !errors.Is(err, ErrFormat) {
			t.Errorf("ParseHeader(%q): %v, want ErrFormat", b, err)
		}
	}
}

// TestTamper: every kind of change to a blob fails with ErrTampered (or
// ErrFormat for a header no longer recognised), and a read never returns
// bytes of a chunk that did not authenticate.
func TestTamper(t *testing.T) {
	const cs = MinChunkSize
	key := testKey(t)
	plain := randBytes(4*cs + 100)
	blob := seal(t, key, plain, cs)
	hlen := (&Header{KeyID: "test-key", SealedKey: []byte("sealed")}).Len()
	chunkAt := func(i int) int { return hlen + i*(cs+TagSize) }

	readAll := func(b []byte) ([]byte, error) {
		r, err := OpenReader(bytes.NewReader(b), int64(len(b)), keyFunc(key))
		if err != nil {
			return nil, err
		}
		defer r.Close()
		p := make([]byte, r.Size())
		n, err := r.ReadAt(p, 0)
		if err == nil && n != len(p) {
			err = io.ErrUnexpectedEOF
		}
		return p[:n], err
	}
	flip := func(off int) []byte {
		b := bytes.Clone(blob)
		b[off] ^= 0x01
		return b
	}
	otherKey := seal(t, testKey(t), plain, cs)
	swapped := bytes.Clone(blob)
	copy(swapped[chunkAt(1):chunkAt(2)], blob[chunkAt(2):chunkAt(3)])
	copy(swapped[chunkAt(2):chunkAt(3)], blob[chunkAt(1):chunkAt(2)])
	spliced := bytes.Clone(blob)
	copy(spliced[chunkAt(1):chunkAt(2)], otherKey[chunkAt(1):chunkAt(2)])

	cases := []struct {
		name string
		b    []byte
		good int // plaintext bytes that may come back before the error
	}{
		{"flip in chunk 0", flip(chunkAt(0) + 10), 0},
		{"flip in chunk 2", flip(chunkAt(2) + 10), 2 * cs},
		{"flip in the last tag", flip(len(blob) - 1), 4 * cs},
		{"flip in the key id", flip(22), 0},
		{"flip in the nonce prefix", flip(14), 0},
		{"flip in the sealed key", flip(hlen - 1), 0},
		{"cut at a chunk boundary", blob[:chunkAt(3)], 2 * cs},
		{"cut inside the last chunk", blob[:len(blob)-1], 4 * cs},
		{"cut to the header", blob[:hlen], 0},
		{"cut inside the header", blob[:hlen-3], 0},
		{"cut to nothing", nil, 0},
		{"chunk appended", append(bytes.Clone(blob), blob[chunkAt(1):chunkAt(2)]...), 4 * cs},
		{"chunks reordered", swapped, cs},
		{"chunk from another blob", spliced, cs},
		{"other data key", otherKey, 0},
	}
	for _, tt := range cases {
		got, err := readAll(tt.b)
		if err == nil {
			t.Errorf("%s: read succeeded", tt.name)
			continue
		}
		if !errors.Is(err, ErrTampered) && !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrTampered", tt.name, err)
		}
		if len(got) > tt.good || !bytes.Equal(got, plain[:len(got)]) {
			t.Errorf("%s: %d bytes came back (at most %d authenticated)", tt.name, len(got), tt.good)
		}
	}
	// The wrong data key for the header: every chunk fails.
	r, err := OpenReader(bytes.NewReader(blob), int64(len(blob)), keyFunc(testKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := r.ReadAt(make([]byte, 10), 3*cs); n != 0 || !errors.Is(err, ErrTampered) {
		t.Errorf("wrong key: %d, %v", n, err)
	}
	// A range that does not touch the tampered chunk still reads.
	r = open(t, flip(chunkAt(3)+5), key)
	p := make([]byte, 2*cs)
	if n, err := r.ReadAt(p, cs); n != len(p) || err != nil || !bytes.Equal(p, plain[cs:3*cs]) {
		t.Errorf("untouched range: %d, %v", n, err)
	}
	if _, err := r.ReadAt(p, 2*cs); !errors.Is(err, ErrTampered) {
		t.Errorf("range over the tampered chunk: %v", err)
	}
}

func TestUnsealErrorPassesThrough(t *testing.T) {
	key := testKey(t)
	blob := seal(t, key, []byte("x"), 0)
	denied := &AccessError{KeyARN: "arn:k", Action: "kms:Decrypt", Reason: "no statement"}
	_, err := OpenReader(bytes.NewReader(blob), int64(len(blob)), func(h Header) ([]byte, error) {
		if h.KeyID != "test-key" || string(h.SealedKey) != "sealed" {
			t.Errorf("unseal got header %+v", h)
		}
		return nil, denied
	})
	var ae *AccessError
	if !errors.As(err, &ae) || !errors.Is(err, ErrAccessDenied) {
		t.Errorf("OpenReader: %v", err)
	}
}

func TestWriterBadKey(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, make([]byte, 16), Header{SealedKey: []byte{1}})
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("Write with a 16-byte key succeeded")
	}
	if w.Close() == nil || buf.Len() != 0 {
		t.Error("Close with a bad key succeeded or wrote")
	}
	w = NewWriter(&buf, testKey(t), Header{})
	if w.Close() == nil {
		t.Error("a header without a sealed key was accepted")
	}
}

func TestS3Sealer(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "sse", "s3-master.key")
	s, err := OpenS3Sealer(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 || st.Size() != S3MasterKeySize {
		t.Fatalf("key file: %v %v", st, err)
	}
	if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
		t.Errorf("key directory mode %v", st.Mode())
	}
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::b/k"}
	dk, sealed, id, err := s.Seal(ctx, SealRequest{EncryptionContext: ec})
	if err != nil || len(dk) != DataKeySize || id != S3KeyID || len(sealed) != 61 {
		t.Fatalf("Seal: %d %d %q %v", len(dk), len(sealed), id, err)
	}
	if bytes.Contains(sealed, dk) {
		t.Error("the sealed key holds the data key")
	}
	dk2, _, _, _ := s.Seal(ctx, SealRequest{EncryptionContext: ec})
	if bytes.Equal(dk, dk2) {
		t.Error("two Seals returned the same data key")
	}
	// Reopened from the file: unseals what the first sealed.
	s2, err := OpenS3Sealer(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, sl := range []*S3Sealer{s, s2} {
		got, err := sl.Unseal(ctx, sealed, id, UnsealRequest{EncryptionContext: ec})
		if err != nil || !bytes.Equal(got, dk) {
			t.Errorf("Unseal: %v", err)
		}
	}
	// Another context, another key id, a changed sealed key: refused.
	if _, err := s2.Unseal(ctx, sealed, id, UnsealRequest{EncryptionContext: map[string]string{"aws:s3:arn": "arn:aws:s3:::b/other"}}); !errors.Is(err, ErrTampered) {
		t.Errorf("other context: %v", err)
	}
	if _, err := s2.Unseal(ctx, sealed, "alias/aws/s3", UnsealRequest{EncryptionContext: ec}); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("other key id: %v", err)
	}
	bad := bytes.Clone(sealed)
	bad[20] ^= 1
	if _, err := s2.Unseal(ctx, bad, id, UnsealRequest{EncryptionContext: ec}); !errors.Is(err, ErrTampered) {
		t.Errorf("changed sealed key: %v", err)
	}
	if _, _, _, err := s.Seal(ctx, SealRequest{KeyID: "alias/mine"}); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("Seal with a key id: %v", err)
	}
	// Another master key cannot unseal.
	other, _ := NewS3Sealer(testKey(t))
	if _, err := other.Unseal(ctx, sealed, id, UnsealRequest{EncryptionContext: ec}); !errors.Is(err, ErrTampered) {
		t.Errorf("other master key: %v", err)
	}

	// A key file group or others can read is refused; so is one of the
	// wrong size.
	for _, mode := range []os.FileMode{0o640, 0o604, 0o660, 0o601} {
		os.Chmod(path, mode)
		if _, err := OpenS3Sealer(path); err == nil {
			t.Errorf("mode %04o accepted", mode)
		}
	}
	os.Chmod(path, 0o400)
	if _, err := OpenS3Sealer(path); err != nil {
		t.Errorf("mode 0400 refused: %v", err)
	}
	short := filepath.Join(dir, "short.key")
	os.WriteFile(short, []byte("short"), 0o600)
	if _, err := OpenS3Sealer(short); err == nil {
		t.Error("a 5-byte key file accepted")
	}
	os.Mkdir(filepath.Join(dir, "adir"), 0o700)
	if _, err := OpenS3Sealer(filepath.Join(dir, "adir")); err == nil {
		t.Error("a directory accepted as the key file")
	}
}

func TestKeyCache(t *testing.T) {
	c := NewKeyCache(16, time.Minute)
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	ec := map[string]string{"a": "b"}
	k := testKey(t)
	c.Put("id", []byte("sealed"), ec, k)
	got, ok := c.Get("id", []byte("sealed"), map[string]string{"a": "b"})
	if !ok || !bytes.Equal(got, k) {
		t.Fatal("miss after Put")
	}
	got[0] ^= 0xff // the caller's copy
	if again, _ := c.Get("id", []byte("sealed"), ec); !bytes.Equal(again, k) {
		t.Error("changing a returned key changed the cache")
	}
	for _, miss := range []struct {
		id, sealed string
		ec         map[string]string
	}{{"id2", "sealed", ec}, {"id", "sealed2", ec}, {"id", "sealed", nil}, {"id", "sealed", map[string]string{"a": "c"}}} {
		if _, ok := c.Get(miss.id, []byte(miss.sealed), miss.ec); ok {
			t.Errorf("hit for %+v", miss)
		}
	}
	now = now.Add(time.Minute)
	if _, ok := c.Get("id", []byte("sealed"), ec); ok {
		t.Error("hit after the TTL")
	}
	for i := range 100 {
		c.Put("id", []byte(strconv.Itoa(i)), nil, k)
		if c.Len() > 16 {
			t.Fatalf("%d entries, bound 16", c.Len())
		}
	}
	if _, ok := c.Get("id", []byte("99"), nil); !ok {
		t.Error("the last key put is not cached")
	}
	var nilCache *KeyCache
	nilCache.Put("id", nil, nil, k)
	if _, ok := nilCache.Get("id", nil, nil); ok {
		t.Error("nil cache hit")
	}
}

func TestCanonicalContext(t *testing.T) {
	a := CanonicalContext(map[string]string{"b": "2", "a": "1"})
	b := CanonicalContext(map[string]string{"a": "1", "b": "2"})
	if !bytes.Equal(a, b) {
		t.Error("order-dependent encoding")
	}
	// Pairs that concatenate alike encode differently.
	if bytes.Equal(CanonicalContext(map[string]string{"ab": "c"}), CanonicalContext(map[string]string{"a": "bc"})) {
		t.Error("ambiguous encoding")
	}
	if CanonicalContext(nil) != nil || CanonicalContext(map[string]string{}) != nil {
		t.Error("empty context encodes")
	}
}
