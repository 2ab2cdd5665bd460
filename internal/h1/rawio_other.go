//go:build !unix

package h1

// rawIO is unix-only (rawio_unix.go); elsewhere connections are read and
// written through net.Conn.
type rawIO struct{}

func newRawIO(any) *rawIO { return nil }

func (*rawIO) Read([]byte) (int, error)        { panic("h1: no rawIO") }
func (*rawIO) Write([]byte) (int, error)       { panic("h1: no rawIO") }
func (*rawIO) Write2(_, _ []byte) (int, error) { panic("h1: no rawIO") }
