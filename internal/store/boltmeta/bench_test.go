package boltmeta

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/edgegate/edgegate/internal/store"
)

func benchDB(b *testing.B, o *Options, objects int) *DB {
	b.Helper()
	db := openTemp(b, o)
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.CreateBucket(ctx, &store.Bucket{Name: "bench", Owner: "111111111111"}); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < objects; i++ {
		obj := sampleObject()
		obj.Bucket, obj.Key = "bench", fmt.Sprintf("dir%03d/object-%06d.bin", i%100, i)
		if _, err := db.PutObject(ctx, obj); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

func BenchmarkDecodeObject(b *testing.B) {
	v := encodeObject(sampleObject())
	b.ReportAllocs()
	for b.Loop() {
		var o store.Object
		if err := decodeObject(&o, "bk", "k", v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeObjectPlain decodes the common record: a simple PUT with
// no user metadata, checksums or attributes.
func BenchmarkDecodeObjectPlain(b *testing.B) {
	o := sampleObject()
	o.UserMeta, o.Checksums, o.Attrs = nil, nil, nil
	v := encodeObject(o)
	b.ReportAllocs()
	for b.Loop() {
		var o store.Object
		if err := decodeObject(&o, "bk", "k", v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeObject(b *testing.B) {
	o := sampleObject()
	b.ReportAllocs()
	for b.Loop() {
		encodeObject(o)
	}
}

// BenchmarkGetObject is the hot path of every GET and HEAD: one read
// transaction, two bucket lookups, one decode.
func BenchmarkGetObject(b *testing.B) {
	db := benchDB(b, &Options{NoSync: true}, 10000)
	ctx := context.Background()
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("dir%03d/object-%06d.bin", (i*7)%100, (i*7)%10000)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if _, err := db.GetObject(ctx, "bench", keys[i&1023]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkGetObjectParallel(b *testing.B) {
	db := benchDB(b, &Options{NoSync: true}, 10000)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := int(n.Add(1)) * 7919
		for pb.Next() {
			k := fmt.Sprintf("dir%03d/object-%06d.bin", i%100, i%10000)
			if _, err := db.GetObject(ctx, "bench", k); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkPutObject measures durable (fsync'ed) writes, one writer.
func BenchmarkPutObject(b *testing.B) {
	db := benchDB(b, nil, 0)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		obj := sampleObject()
		obj.Bucket, obj.Key = "bench", fmt.Sprintf("k%08d", i)
		if _, err := db.PutObject(ctx, obj); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkPutObjectParallel measures durable writes from many writers
// (64 goroutines), which the group commit folds into shared fsyncs.
func BenchmarkPutObjectParallel(b *testing.B) {
	db := benchDB(b, nil, 0)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(32)
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			obj := sampleObject()
			obj.Bucket, obj.Key = "bench", fmt.Sprintf("k%08d", n.Add(1))
			if _, err := db.PutObject(ctx, obj); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkListObjects1000(b *testing.B) {
	db := benchDB(b, &Options{NoSync: true}, 10000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := db.ListObjects(ctx, "bench", store.ListOptions{Prefix: "dir050/", MaxKeys: 1000})
		if err != nil || len(res.Objects) != 100 {
			b.Fatal(err, len(res.Objects))
		}
		res, err = db.ListObjects(ctx, "bench", store.ListOptions{MaxKeys: 1000})
		if err != nil || len(res.Objects) != 1000 {
			b.Fatal(err)
		}
	}
}

func BenchmarkListObjectsDelimiter(b *testing.B) {
	db := benchDB(b, &Options{NoSync: true}, 10000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := db.ListObjects(ctx, "bench", store.ListOptions{Delimiter: "/", MaxKeys: 1000})
		if err != nil || len(res.CommonPrefixes) != 100 {
			b.Fatal(err)
		}
	}
}
