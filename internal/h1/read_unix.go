//go:build unix

package h1

import (
	"io"
	"syscall"
)

// rawReader reads a connection through its syscall.RawConn so that a read
// after a drained socket waits for readiness first instead of trying.
//
// After a response, the next request of a kept-alive connection has
// almost never arrived yet (the client has not even read the response),
// so net.Conn.Read's first read(2) fails with EAGAIN before the goroutine
// parks: one wasted system call per request. When the previous read
// returned less than it asked for, the socket's queue was empty then (a
// stream socket's read returns what is queued, up to the length), and
// any byte arriving since raises a new readiness event (Go's poller is
// edge-triggered); so that read starts by waiting (RawConn.Read's
// callback returning false parks until readiness, or the deadline, or
// Close). Any other read tries first, as net.Conn does. The wait honours
// the read deadline and Close exactly as net.Conn.Read does.
type rawReader struct {
	rc      syscall.RawConn
	fn      func(fd uintptr) bool // rc.Read's callback, made once
	drained bool                  // the last read came back short
	skip    bool                  // the callback's first call only waits

	p   []byte
	n   int
	err error
}

func newRawReader(c any) *rawReader {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawReader{rc: rc}
	r.fn = r.callback
	return r
}

func (r *rawReader) callback(fd uintptr) bool {
	if r.skip {
		r.skip = false
		return false
	}
	for {
		n, err := syscall.Read(int(fd), r.p)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		if err != nil {
			n = 0
		}
		r.n, r.err = n, err
		return true
	}
}

// Read reads into p (not empty): io.EOF at the end of the stream, the
// poller's error (deadline, closed) or the system call's.
func (r *rawReader) Read(p []byte) (int, error) {
	r.p, r.n, r.err, r.skip = p, 0, nil, r.drained
	err := r.rc.Read(r.fn)
	r.p = nil
	if err != nil {
		r.drained = false
		return 0, err
	}
	if r.err != nil {
		r.drained = false
		return 0, r.err
	}
	if r.n == 0 {
		return 0, io.EOF
	}
	r.drained = r.n < len(p)
	return r.n, nil
}
