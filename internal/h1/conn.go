package h1

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sync/atomic"
	"time"
)

// Connection states, for Shutdown.
const (
	stateActive int32 = iota // reading or answering a request
	stateIdle                // waiting for a request's first byte
)

// maxHeaderBlock is the largest request line plus header block served
// here; a longer one is handed to Fallback (whose MaxHeaderBytes decides
// between serving it and 431).
const maxHeaderBlock = 8 << 10

// conn is one connection and the objects reused for its requests.
type conn struct {
	s     *Server
	rwc   net.Conn
	raw   *rawIO // nil: read and write through rwc (rawio_unix.go)
	state atomic.Int32

	buf  []byte // read buffer: buf[r:w] read and not consumed
	r, w int

	// deadline is the read deadline set (zero: none), deadlineIdle
	// whether it is an idle one (setReadDeadline).
	deadline     time.Time
	deadlineIdle bool

	ctx    context.Context
	cancel context.CancelFunc
	remote string

	tmpl   http.Request // zero request carrying ctx, copied into req
	req    http.Request
	url    url.URL
	header http.Header
	vals   []string // backing array of header's value slices
	// head is the previous request's head as parse made it a string; a
	// request whose head is byte for byte the same reuses it (strings are
	// immutable, so whoever kept parts of the old request is unaffected).
	head string
	resp response
}

func (s *Server) newConn(rwc net.Conn) *conn {
	c := &conn{s: s, rwc: rwc, raw: newRawIO(rwc), buf: make([]byte, 4096)}
	c.state.Store(stateActive)
	return c
}

// serve answers c's requests until the connection ends or is handed off.
func (c *conn) serve() {
	handedOff := false
	defer func() {
		if v := recover(); v != nil && v != http.ErrAbortHandler {
			const size = 64 << 10
			buf := make([]byte, size)
			buf = buf[:runtime.Stack(buf, false)]
			c.s.logf("h1: panic serving %v: %v\n%s", c.remote, v, buf)
		}
		if c.cancel != nil {
			c.cancel()
		}
		if !handedOff {
			c.rwc.Close()
			c.s.untrack(c)
		}
	}()
	c.remote = c.rwc.RemoteAddr().String()
	base := context.WithValue(context.Background(), http.ServerContextKey, c.s.Fallback)
	base = context.WithValue(base, http.LocalAddrContextKey, c.rwc.LocalAddr())
	if c.s.ConnContext != nil {
		base = c.s.ConnContext(base, c.rwc)
	}
	c.ctx, c.cancel = context.WithCancel(base)
	c.tmpl = *(&http.Request{}).WithContext(c.ctx)
	c.header = make(http.Header, 16)
	c.resp.c = c
	c.resp.wbuf = make([]byte, 0, writeBufSize)
	c.resp.h = make(http.Header, 16)
	first := true
	for {
		end, ok := c.readHeader(first)
		if !ok {
			return
		}
		first = false
		var p parsed
		take := end >= 0
		if take {
			p, take = c.parse(end)
		}
		if !take {
			handedOff = true
			c.handOff()
			return
		}
		c.resp.reset(&c.req, p.closeAfter)
		c.s.Handler.ServeHTTP(&c.resp, &c.req)
		c.resp.finish()
		c.r = end
		if c.resp.closeAfter || c.resp.err != nil || c.s.shutdown.Load() {
			c.flush()
			return
		}
		if c.r == c.w { // nothing more buffered: the response goes now
			if !c.flush() {
				return
			}
		}
	}
}

// readHeader reads until buf[c.r:] holds a whole request line and header
// block and returns the index past its blank line. ok false: the
// connection is to be closed (EOF, timeout, error, or shutdown while
// idle); a block too long to hold, or a bare LF, returns ok true with end
// -1 so that the connection is handed off.
func (c *conn) readHeader(first bool) (end int, ok bool) {
	scanned := c.r
	headerDeadline := false
	for {
		if i := bytes.Index(c.buf[scanned:c.w], crlfcrlf); i >= 0 {
			return scanned + i + 4, true
		}
		if c.w-c.r >= maxHeaderBlock || bareLF(c.buf[c.r:c.w]) {
			return -1, true // too long, or not CRLF: Fallback decides
		}
		scanned = max(c.r, c.w-3)
		// Make room: move the unconsumed bytes to the front, grow if full.
		if c.r > 0 {
			n := copy(c.buf, c.buf[c.r:c.w])
			scanned -= c.r
			c.r, c.w = 0, n
		}
		if c.w == len(c.buf) {
			nb := make([]byte, min(2*len(c.buf), maxHeaderBlock+4))
			copy(nb, c.buf[:c.w])
			c.buf = nb
		}
		if c.w == c.r {
			// Waiting for a request's first byte: idle for Shutdown (a
			// connection opened and not used yet too, as a browser's
			// preconnect).
			c.state.Store(stateIdle)
			if c.s.shutdown.Load() {
				return 0, false
			}
		}
		switch {
		case c.w == c.r && !first:
			c.setReadDeadline(c.s.IdleTimeout, true)
		case !headerDeadline:
			// The request has started (or this is the connection's
			// first): its header has ReadHeaderTimeout from now.
			c.setReadDeadline(c.s.ReadHeaderTimeout, false)
			headerDeadline = true
		}
		n, err := c.read(c.buf[c.w:])
		c.state.Store(stateActive)
		if n > 0 {
			c.w += n
			continue
		}
		if err != nil {
			return 0, false
		}
	}
}

// read reads from the connection: through raw where there is one.
func (c *conn) read(p []byte) (int, error) {
	if c.raw != nil {
		return c.raw.Read(p)
	}
	return c.rwc.Read(p)
}

// deadlineSlack is how far a kept-alive connection's idle deadline may
// lag behind IdleTimeout: setting a deadline has a cost, so while
// requests keep coming the idle deadline is moved only once it is this
// much older than wanted (the wait for a request is then between
// IdleTimeout-deadlineSlack and IdleTimeout).
const deadlineSlack = time.Second

// setReadDeadline sets the read deadline d from now (none for d 0). An
// idle deadline less than deadlineSlack older than wanted is kept.
func (c *conn) setReadDeadline(d time.Duration, idle bool) {
	var dl time.Time
	if d > 0 {
		dl = time.Now().Add(d)
	}
	if idle && c.deadlineIdle && !dl.IsZero() && !c.deadline.IsZero() && dl.Sub(c.deadline) < deadlineSlack {
		return
	}
	if dl.IsZero() && c.deadline.IsZero() {
		return
	}
	c.deadline, c.deadlineIdle = dl, idle
	_ = c.rwc.SetReadDeadline(dl)
}

var crlfcrlf = []byte("\r\n\r\n")

// bareLF reports whether b has a LF not preceded by CR (net/http accepts
// bare LF line ends; this server leaves such requests to it).
func bareLF(b []byte) bool {
	for i := bytes.IndexByte(b, '\n'); i >= 0; {
		if i == 0 || b[i-1] != '\r' {
			return true
		}
		j := bytes.IndexByte(b[i+1:], '\n')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// handOff gives the connection, with what was read and not consumed, to
// Fallback; the Server forgets it.
func (c *conn) handOff() {
	c.s.untrack(c)
	if !c.flush() {
		c.rwc.Close()
		return
	}
	_ = c.rwc.SetReadDeadline(time.Time{})
	c.deadline = time.Time{}
	var pending []byte
	if c.w > c.r {
		pending = append([]byte(nil), c.buf[c.r:c.w]...)
	}
	c.s.handoff.give(&replayConn{Conn: c.rwc, pending: pending})
}

// flush writes the buffered responses; false when the connection failed.
func (c *conn) flush() bool {
	if c.resp.err != nil {
		return false
	}
	if len(c.resp.wbuf) == 0 {
		return true
	}
	var err error
	if c.raw != nil {
		_, err = c.raw.Write(c.resp.wbuf)
	} else {
		_, err = c.rwc.Write(c.resp.wbuf)
	}
	c.resp.wbuf = c.resp.wbuf[:0]
	if err != nil {
		c.resp.err = err
		return false
	}
	return true
}
