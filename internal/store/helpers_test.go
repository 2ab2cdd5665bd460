package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/store/boltmeta"
	"github.com/edgegate/edgegate/internal/store/fsblob"
)

// openStores opens the embedded stores in dir, as the server does.
func openStores(t testing.TB, dir string) (*boltmeta.DB, *fsblob.Store) {
	t.Helper()
	m, err := boltmeta.Open(filepath.Join(dir, "meta.db"), &boltmeta.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b, err := fsblob.Open(filepath.Join(dir, "data"))
	if err != nil {
		m.Close()
		t.Fatal(err)
	}
	return m, b
}
