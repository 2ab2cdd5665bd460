package boltmeta

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/store"
	"github.com/edgegate/edgegate/internal/store/storetest"
)

func openTemp(t testing.TB, o *Options) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "meta.db"), o)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Meta { return openTemp(t, nil) })
}

func TestLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	_, err = Open(path, &Options{Timeout: 200 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "locked by another process") {
		t.Fatalf("second Open = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("lock timeout took %v", d)
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := db.CreateBucket(ctx, &store.Bucket{Name: "bk", Owner: "111111111111"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutObject(ctx, &store.Object{Bucket: "bk", Key: "k", Size: 1, ETag: "e",
		Segments: []store.Segment{{BlobID: "b", Size: 1}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateUpload(ctx, &store.Upload{ID: "u", Bucket: "bk", Key: "k"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	o, err := db.GetObject(ctx, "bk", "k")
	if err != nil || o.ETag != "e" || o.Segments[0].BlobID != "b" {
		t.Fatalf("after reopen: %+v, %v", o, err)
	}
	if _, err := db.GetUpload(ctx, "u"); err != nil {
		t.Fatal(err)
	}
}
