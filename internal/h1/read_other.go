//go:build !unix

package h1

import "io"

// rawReader is unix-only (read_unix.go); elsewhere connections are read
// through net.Conn.
type rawReader struct{ io.Reader }

func newRawReader(any) *rawReader { return nil }
