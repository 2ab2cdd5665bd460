package store_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/store"
)

// benchPut is the whole durable PUT path of the store: blob write, fsync,
// rename, directory fsync, metadata commit.
func benchPut(b *testing.B, size int, parallel bool) {
	m, bl := openStores(b, b.TempDir())
	defer m.Close()
	defer bl.Close()
	ctx := context.Background()
	if err := m.CreateBucket(ctx, &store.Bucket{Name: "bench", Owner: "111111111111"}); err != nil {
		b.Fatal(err)
	}
	data := make([]byte, size)
	sum := md5.Sum(data)
	etag := hex.EncodeToString(sum[:])
	var n atomic.Int64
	put := func() {
		w, err := bl.Create(ctx)
		if err != nil {
			b.Fatal(err)
		}
		w.Write(data)
		id, err := w.Commit()
		if err != nil {
			b.Fatal(err)
		}
		old, err := m.PutObject(ctx, &store.Object{Bucket: "bench", Key: fmt.Sprintf("obj-%d", n.Add(1)), Size: int64(size),
			ETag: etag, LastModified: time.Now(), Segments: []store.Segment{{BlobID: id, Size: int64(size)}}})
		if err != nil {
			b.Fatal(err)
		}
		store.ReleaseObject(ctx, bl, old)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	if parallel {
		b.SetParallelism(16) // 32 writers on 2 CPUs, like concurrent clients
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				put()
			}
		})
		return
	}
	for b.Loop() {
		put()
	}
}

func BenchmarkPutPath10KiB(b *testing.B)         { benchPut(b, 10<<10, false) }
func BenchmarkPutPath10KiBParallel(b *testing.B) { benchPut(b, 10<<10, true) }

// BenchmarkGetPath is the store's share of a GET: metadata lookup, blob
// open, and (here) reading the bytes; the server would sendfile File().
func BenchmarkGetPath10KiB(b *testing.B) {
	m, bl := openStores(b, b.TempDir())
	defer m.Close()
	defer bl.Close()
	ctx := context.Background()
	if err := m.CreateBucket(ctx, &store.Bucket{Name: "bench", Owner: "111111111111"}); err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 10<<10)
	for i := 0; i < 1000; i++ {
		w, _ := bl.Create(ctx)
		w.Write(data)
		id, err := w.Commit()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.PutObject(ctx, &store.Object{Bucket: "bench", Key: fmt.Sprintf("obj-%d", i), Size: int64(len(data)),
			ETag: "e", Segments: []store.Segment{{BlobID: id, Size: int64(len(data))}}}); err != nil {
			b.Fatal(err)
		}
	}
	buf := make([]byte, 32<<10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		o, err := m.GetObject(ctx, "bench", fmt.Sprintf("obj-%d", i%1000))
		if err != nil {
			b.Fatal(err)
		}
		r, err := store.OpenObject(ctx, bl, o)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{r.File()}, buf); err != nil {
			b.Fatal(err)
		}
		r.Close()
		i++
	}
}
