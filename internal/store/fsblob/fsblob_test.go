package fsblob

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/store"
	"github.com/edgegate/edgegate/internal/store/storetest"
)

func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.RunBlobs(t, func(t *testing.T) store.Blobs { return open(t) })
}

func TestLayout(t *testing.T) {
	for _, anon := range []bool{false, true} {
		t.Run(map[bool]string{false: "named temp file", true: "unnamed temp file"}[anon], func(t *testing.T) {
			testLayout(t, anon)
		})
	}
}

// TestConformanceNamed runs the conformance suite with named temp files,
// the path taken where O_TMPFILE is not available.
func TestConformanceNamed(t *testing.T) {
	storetest.RunBlobs(t, func(t *testing.T) store.Blobs {
		s := open(t)
		s.anon = false
		return s
	})
}

func testLayout(t *testing.T, anon bool) {
	s := open(t)
	if anon && !s.anon {
		t.Skip("O_TMPFILE is not available on this filesystem")
	}
	s.anon = anon
	ctx := context.Background()
	w, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tmps, _ := os.ReadDir(filepath.Join(s.Dir(), "tmp"))
	if anon {
		if len(tmps) != 0 {
			t.Fatalf("tmp/ while writing an unnamed temp file: %v", tmps)
		}
	} else if len(tmps) != 1 || !strings.HasSuffix(tmps[0].Name(), ".tmp") {
		t.Fatalf("tmp/ while writing: %v", tmps)
	}
	w.Write([]byte("data"))
	id, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if !validID(id) {
		t.Fatalf("id %q is not 32 hex digits", id)
	}
	p := filepath.Join(s.Dir(), "blobs", id[:2], id)
	if b, err := os.ReadFile(p); err != nil || string(b) != "data" {
		t.Fatalf("committed blob at %s: %q, %v", p, b, err)
	}
	if tmps, _ := os.ReadDir(filepath.Join(s.Dir(), "tmp")); len(tmps) != 0 {
		t.Fatalf("tmp/ after commit: %v", tmps)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
		t.Fatalf("blob mode %v", fi.Mode())
	}
}

func TestSweepStrays(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	id := storetest.PutBlob(t, s, []byte("keep"))
	wrongFan := "ffffffffffffffffffffffffffffffff"
	if id[:2] == "ff" {
		wrongFan = "00000000000000000000000000000000"
	}
	strays := []string{
		filepath.Join(s.Dir(), "blobs", "stray"),
		filepath.Join(s.Dir(), "blobs", id[:2], "not-an-id"),
		filepath.Join(s.Dir(), "blobs", id[:2], wrongFan), // a valid id in the wrong fan-out directory
		filepath.Join(s.Dir(), "tmp", "leftover.tmp"),
	}
	for _, p := range strays {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Sweep(ctx, func(string) bool { return true })
	if err != nil || n != len(strays) {
		t.Fatalf("Sweep = %d, %v; want %d", n, err, len(strays))
	}
	for _, p := range strays {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("%s survived", p)
		}
	}
	if _, err := s.Open(ctx, id); err != nil {
		t.Fatal(err)
	}
}

// A fan-out directory removed behind the store's back is made again.
func TestFanoutRecreated(t *testing.T) {
	s := open(t)
	for i := 0; i < 256; i++ {
		if err := os.Remove(filepath.Join(s.Dir(), "blobs", fmt.Sprintf("%02x", i))); err != nil {
			t.Fatal(err)
		}
	}
	id := storetest.PutBlob(t, s, []byte("again"))
	b, err := s.Open(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Open = %v, want an in-use error", err)
	}
	s.Close()
	s2, err := Open(dir)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	s2.Close()
}
