package cache

import "unsafe"

// An entry's data is a string built once from a byte slice and never
// written again; a Response hands out its header block and body as
// []byte views of it (for a single Write with no copy). The views must
// not be modified: Response's contract says so, and io.Writer's forbids
// a writer to modify what it is given.

// stringOf returns b's bytes as a string without copying; b must not be
// modified afterwards.
func stringOf(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// bytesOf returns a read-only []byte view of s (nil for "").
func bytesOf(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}
