package storetest

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/edgegate/edgegate/internal/store"
)

// RunBlobs runs the store.Blobs conformance suite, including OpenObject on
// top of the store. newBlobs must return a fresh, empty store.
func RunBlobs(t *testing.T, newBlobs func(t *testing.T) store.Blobs) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b store.Blobs)
	}{
		{"WriteRead", testBlobWriteRead},
		{"CommitAbort", testBlobCommitAbort},
		{"OpenDelete", testBlobOpenDelete},
		{"Concurrent", testBlobConcurrent},
		{"Sweep", testBlobSweep},
		{"OpenObject", testOpenObject},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newBlobs(t)) })
	}
}

// pattern returns n deterministic bytes that differ by seed.
func pattern(seed, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed*2654435761 + 1)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// PutBlob writes data as a committed blob and returns its id.
func PutBlob(t testing.TB, b store.Blobs, data []byte) string {
	t.Helper()
	w, err := b.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	// Write in uneven pieces.
	for len(data) > 0 {
		n := min(len(data), 1+len(data)/3)
		if _, err := w.Write(data[:n]); err != nil {
			t.Fatal(err)
		}
		data = data[n:]
	}
	id, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func readBlob(t *testing.T, b store.Blobs, id string) []byte {
	t.Helper()
	bl, err := b.Open(ctx, id)
	if err != nil {
		t.Fatalf("Open(%s): %v", id, err)
	}
	defer bl.Close()
	size, err := bl.Size()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, size)
	if n, err := bl.ReadAt(buf, 0); n != int(size) || (err != nil && err != io.EOF) {
		t.Fatalf("ReadAt = %d, %v", n, err)
	}
	return buf
}

func testBlobWriteRead(t *testing.T, b store.Blobs) {
	for _, size := range []int{0, 1, 4096, 1<<20 + 17} {
		data := pattern(size, size)
		id := PutBlob(t, b, data)
		if id == "" {
			t.Fatal("empty blob id")
		}
		if got := readBlob(t, b, id); !bytes.Equal(got, data) {
			t.Fatalf("size %d: bytes differ", size)
		}
		bl, err := b.Open(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// ReadAt past the end.
		if n, err := bl.ReadAt(make([]byte, 4), int64(size)); n != 0 || err != io.EOF {
			t.Fatalf("ReadAt(end) = %d, %v", n, err)
		}
		if fb, ok := bl.(store.FileBlob); ok {
			got, err := io.ReadAll(fb.File())
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("File(): %d bytes, %v", len(got), err)
			}
		}
		if err := bl.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// io.Copy into the writer (ReadFrom when implemented).
	w, err := b.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data := pattern(7, 100000)
	if n, err := io.Copy(w, bytes.NewReader(data)); n != int64(len(data)) || err != nil {
		t.Fatalf("io.Copy = %d, %v", n, err)
	}
	id, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if got := readBlob(t, b, id); !bytes.Equal(got, data) {
		t.Fatal("io.Copy: bytes differ")
	}
}

func testBlobCommitAbort(t *testing.T, b store.Blobs) {
	w, err := b.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("x"))
	id, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	w.Abort() // no-op after Commit
	if got := readBlob(t, b, id); string(got) != "x" {
		t.Fatalf("Abort after Commit removed the blob: %q", got)
	}
	if _, err := w.Commit(); err == nil {
		t.Fatal("Commit twice succeeded")
	}

	w, err = b.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("discarded"))
	w.Abort()
	w.Abort()
	if _, err := w.Commit(); err == nil {
		t.Fatal("Commit after Abort succeeded")
	}
	// Aborted data left nothing behind for the sweeper.
	if n, err := b.Sweep(ctx, func(string) bool { return true }); err != nil || n != 0 {
		t.Fatalf("Sweep after Abort removed %d, %v", n, err)
	}
}

func testBlobOpenDelete(t *testing.T, b store.Blobs) {
	id := PutBlob(t, b, []byte("hello"))
	for _, bad := range []string{"", "..", "../../etc/passwd", "/etc/passwd", id + "/..", id[:len(id)-1], "00000000000000000000000000000000",
		"ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"} {
		if _, err := b.Open(ctx, bad); !errors.Is(err, store.ErrBlobNotFound) {
			t.Errorf("Open(%q) = %v, want ErrBlobNotFound", bad, err)
		}
		if err := b.Delete(ctx, bad); err != nil {
			t.Errorf("Delete(%q) = %v, want nil", bad, err)
		}
	}
	// A reader keeps its bytes across Delete.
	bl, err := b.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Open(ctx, id); !errors.Is(err, store.ErrBlobNotFound) {
		t.Fatalf("Open(deleted) = %v", err)
	}
	buf := make([]byte, 5)
	if n, err := bl.ReadAt(buf, 0); n != 5 || string(buf) != "hello" {
		t.Fatalf("read after Delete = %q, %v", buf[:n], err)
	}
	bl.Close()
	if err := b.Delete(ctx, id); err != nil {
		t.Fatalf("Delete twice = %v", err)
	}
}

func testBlobConcurrent(t *testing.T, b store.Blobs) {
	const n = 32
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ids[i] = PutBlob(t, b, pattern(i, 1000+i))
		}(i)
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, id := range ids {
		if seen[id] {
			t.Fatalf("id %s returned twice", id)
		}
		seen[id] = true
		if got := readBlob(t, b, id); !bytes.Equal(got, pattern(i, 1000+i)) {
			t.Fatalf("blob %d differs", i)
		}
	}
}

func testBlobSweep(t *testing.T, b store.Blobs) {
	var live, dead []string
	for i := 0; i < 6; i++ {
		id := PutBlob(t, b, pattern(i, 10))
		if i%2 == 0 {
			live = append(live, id)
		} else {
			dead = append(dead, id)
		}
	}
	// Writers left open (a crash mid-upload leaves their temp files).
	for i := 0; i < 2; i++ {
		w, err := b.Create(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(pattern(100+i, 1000))
		defer w.Abort()
	}
	isLive := map[string]bool{}
	for _, id := range live {
		isLive[id] = true
	}
	n, err := b.Sweep(ctx, func(id string) bool { return isLive[id] })
	if err != nil {
		t.Fatal(err)
	}
	if n < len(dead) {
		t.Fatalf("Sweep removed %d, want at least %d", n, len(dead))
	}
	for i, id := range live {
		if got := readBlob(t, b, id); !bytes.Equal(got, pattern(2*i, 10)) {
			t.Fatalf("live blob %s damaged", id)
		}
	}
	for _, id := range dead {
		if _, err := b.Open(ctx, id); !errors.Is(err, store.ErrBlobNotFound) {
			t.Fatalf("dead blob %s survived: %v", id, err)
		}
	}
	// A second sweep finds nothing.
	if n, err := b.Sweep(ctx, func(id string) bool { return isLive[id] }); n != 0 || err != nil {
		t.Fatalf("second Sweep = %d, %v", n, err)
	}
}

func testOpenObject(t *testing.T, b store.Blobs) {
	sizes := []int{5, 0, 7, 1, 13}
	var want []byte
	obj := &store.Object{Bucket: "bk", Key: "k"}
	for i, n := range sizes {
		data := pattern(50+i, n)
		want = append(want, data...)
		obj.Segments = append(obj.Segments, store.Segment{BlobID: PutBlob(t, b, data), Size: int64(n)})
		obj.Size += int64(n)
	}
	r, err := store.OpenObject(ctx, b, obj)
	if err != nil {
		t.Fatal(err)
	}
	if r.File() != nil {
		t.Fatal("File() non-nil for a multi-segment object")
	}
	if r.Size() != int64(len(want)) {
		t.Fatalf("Size = %d", r.Size())
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("ReadAll = %v, %v; want %v", got, err, want)
	}
	// Every range, across every boundary.
	for off := 0; off <= len(want); off++ {
		for n := 0; n <= len(want)-off+2; n++ {
			buf := make([]byte, n)
			m, err := r.ReadAt(buf, int64(off))
			wantN := min(n, len(want)-off)
			if m != wantN || !bytes.Equal(buf[:m], want[off:off+wantN]) {
				t.Fatalf("ReadAt(%d bytes at %d) = %d, %v", n, off, m, err)
			}
			if m < n && err != io.EOF {
				t.Fatalf("ReadAt(%d bytes at %d): short read with err %v", n, off, err)
			}
			if m == n && err != nil {
				t.Fatalf("ReadAt(%d bytes at %d): full read with err %v", n, off, err)
			}
		}
	}
	// Seek and read, as http.ServeContent does for ranges.
	if pos, err := r.Seek(-7, io.SeekEnd); err != nil || pos != int64(len(want)-7) {
		t.Fatalf("Seek = %d, %v", pos, err)
	}
	if got, _ := io.ReadAll(r); !bytes.Equal(got, want[len(want)-7:]) {
		t.Fatalf("read after Seek = %v", got)
	}
	if _, err := r.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("negative Seek succeeded")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}

	// One segment: the file is exposed for sendfile (file-backed stores).
	data := pattern(99, 4096)
	one := &store.Object{Bucket: "bk", Key: "one", Size: 4096, Segments: []store.Segment{seg(PutBlob(t, b, data), 4096)}}
	r, err = store.OpenObject(ctx, b, one)
	if err != nil {
		t.Fatal(err)
	}
	if f := r.File(); f != nil {
		got, err := io.ReadAll(f)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("File() content: %d bytes, %v", len(got), err)
		}
	}
	if got, err := io.ReadAll(io.NewSectionReader(r, 100, 200)); err != nil || !bytes.Equal(got, data[100:300]) {
		t.Fatalf("SectionReader: %v", err)
	}
	r.Close()

	// No segments: an empty object.
	r, err = store.OpenObject(ctx, b, &store.Object{Bucket: "bk", Key: "empty"})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := r.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("Read(empty) = %d, %v", n, err)
	}
	r.Close()

	// Inconsistent metadata and missing blobs fail at open.
	bad := *one
	bad.Size = 4095
	if _, err := store.OpenObject(ctx, b, &bad); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("OpenObject(size mismatch) = %v", err)
	}
	missing := &store.Object{Bucket: "bk", Key: "m", Size: 2, Segments: []store.Segment{seg("0123456789abcdef0123456789abcdef", 1), seg(one.Segments[0].BlobID, 1)}}
	if _, err := store.OpenObject(ctx, b, missing); !errors.Is(err, store.ErrBlobNotFound) {
		t.Fatalf("OpenObject(missing blob) = %v", err)
	}
	// A blob shorter than its segment is reported, not silently truncated.
	short := &store.Object{Bucket: "bk", Key: "s", Size: 5000, Segments: []store.Segment{seg(one.Segments[0].BlobID, 5000)}}
	r, err = store.OpenObject(ctx, b, short)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("reading a short blob: %v", err)
	}
	r.Close()
}
