//go:build unix

package h1

import (
	"io"
	"syscall"
	"unsafe"
)

// rawIO reads and writes a connection's non-blocking socket with raw
// system calls through its syscall.RawConn, for the hot path: the read
// of a request and the write of the buffered responses.
//
// net.Conn's Read and Write make their read(2) and write(2) as blocking
// system calls (entersyscall/exitsyscall): the goroutine's P may be taken
// by sysmon for another thread when the call lasts over 20 µs (a
// loopback write, which delivers to the peer inline, can), and the
// goroutine then returns to the global run queue. On a non-blocking
// socket neither call blocks (EAGAIN instead), so raw calls are safe:
// they try first and, on EAGAIN, RawConn parks the goroutine until the
// socket is ready, honouring deadlines and Close exactly as net.Conn
// does (the same poller, the same order: try, then wait).
type rawIO struct {
	rc    syscall.RawConn
	readF func(fd uintptr) bool // rc.Read's callback, made once
	wrF   func(fd uintptr) bool // rc.Write's callback, made once

	p   []byte // the read's buffer, or what is left to write
	q   []byte // Write2: what follows p
	n   int
	err error
	iov [2]syscall.Iovec
}

func newRawIO(c any) *rawIO {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	r := &rawIO{rc: rc}
	r.readF, r.wrF = r.readOnce, r.writeSome
	return r
}

func rawRW(trap, fd uintptr, p []byte) (int, syscall.Errno) {
	n, _, e := syscall.RawSyscall(trap, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), e
}

func (r *rawIO) readOnce(fd uintptr) bool {
	for {
		n, e := rawRW(syscall.SYS_READ, fd, r.p)
		switch e {
		case 0:
			r.n = n
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		r.err = e
		return true
	}
}

// Read reads into p (not empty), as net.Conn.Read: io.EOF at the end of
// the stream, the poller's error (deadline, closed) or the call's.
func (r *rawIO) Read(p []byte) (int, error) {
	r.p, r.n, r.err = p, 0, nil
	err := r.rc.Read(r.readF)
	r.p = nil
	switch {
	case err != nil:
		return 0, err
	case r.err != nil:
		return 0, r.err
	case r.n == 0:
		return 0, io.EOF
	}
	return r.n, nil
}

func (r *rawIO) writeSome(fd uintptr) bool {
	for len(r.p) > 0 || len(r.q) > 0 {
		var n int
		var e syscall.Errno
		if len(r.p) > 0 && len(r.q) > 0 {
			r.iov[0].Base, r.iov[1].Base = unsafe.SliceData(r.p), unsafe.SliceData(r.q)
			r.iov[0].SetLen(len(r.p))
			r.iov[1].SetLen(len(r.q))
			var n0 uintptr
			n0, _, e = syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&r.iov[0])), 2)
			n = int(n0)
			r.iov = [2]syscall.Iovec{}
		} else {
			if len(r.p) == 0 {
				r.p, r.q = r.q, nil
			}
			n, e = rawRW(syscall.SYS_WRITE, fd, r.p)
		}
		switch e {
		case 0:
			r.n += n
			if n >= len(r.p) {
				n -= len(r.p)
				r.p, r.q = r.q[n:], nil
			} else {
				r.p = r.p[n:]
			}
			continue
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // wait until writable, then go on
		}
		r.err = e
		return true
	}
	return true
}

// Write writes all of p, as net.Conn.Write: a socket buffer that is full
// parks the goroutine until it drains (or the write deadline, or Close).
func (r *rawIO) Write(p []byte) (int, error) { return r.Write2(p, nil) }

// Write2 writes p and then q, in one writev(2) while both have bytes
// left; otherwise as Write.
func (r *rawIO) Write2(p, q []byte) (int, error) {
	r.p, r.q, r.n, r.err = p, q, 0, nil
	err := r.rc.Write(r.wrF)
	r.p, r.q = nil, nil
	if err == nil {
		err = r.err
	}
	return r.n, err
}
