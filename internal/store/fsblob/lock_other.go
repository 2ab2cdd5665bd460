//go:build !unix

package fsblob

import "os"

// lockFile is a no-op where flock is not available; the metadata store's
// own lock still keeps a second server out.
func lockFile(f *os.File) error { return nil }
