// Package h1 is a lean HTTP/1.1 server for the requests it can answer
// exactly and cheaply (the edge's viewer requests without a body), in
// front of a net/http server that keeps everything else.
//
// A connection is served here request by request while each request is
// one Take accepts and is plain: HTTP/1.1, an origin-form target, a Host,
// no body (no Transfer-Encoding, Content-Length absent or 0), no Expect or
// Upgrade, and a header block that parses without doubt within
// maxHeaderBlock bytes. At the first request that is anything else the
// connection is handed, with the bytes already read replayed first, to
// Fallback (a *http.Server serving Listener()), which keeps it from then
// on and answers that request as it would have answered it anyway
// (400/431 for malformed or huge headers, S3's API, bodies, ...).
//
// Requests are parsed into an *http.Request, http.Header and url.URL
// reused for the whole connection, and answered through a ResponseWriter
// writing into a per-connection buffer, so a handler must not keep r,
// r.Header or r.URL (or the ResponseWriter) after it returns; strings
// taken from them may be kept. The request's context is the connection's:
// cancelled when the connection ends, not when a viewer goes away mid
// request (there is no background read). Responses follow net/http's
// framing: Content-Length when the handler set it or the whole body was
// small (≤ 4 KiB) and written before the handler returned, else chunked;
// Date added; Content-Type sniffed when unset; 204/304 bodies and
// HEAD bodies dropped. See docs/edge.md ("The viewer HTTP layer").
package h1

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves HTTP/1.1 connections; see the package comment. Its fields
// must be set before Serve and not changed afterwards.
type Server struct {
	// Handler answers the requests served here.
	Handler http.Handler
	// Take reports whether a request for host (the Host header as sent)
	// and path (the request target's path, not decoded) is served here;
	// false hands the connection to Fallback.
	Take func(host, path string) bool
	// Fallback serves handed-off connections; its Serve(Listener()) must
	// run (the caller runs it) while Serve does. Its value is also the
	// http.ServerContextKey of requests served here.
	Fallback *http.Server
	// ReadHeaderTimeout bounds the time from a request's first byte
	// (from the connection's start for the first request) to the end of
	// its header block; IdleTimeout the wait for the next request's first
	// byte. 0: no limit.
	ReadHeaderTimeout, IdleTimeout time.Duration
	// ConnContext, if set, derives a connection's base context (which
	// already carries http.LocalAddrContextKey and ServerContextKey).
	ConnContext func(ctx context.Context, c net.Conn) context.Context
	// ErrorLog receives handler panics (nil: the log package's logger).
	ErrorLog *log.Logger

	once    sync.Once
	handoff *handoffListener

	mu       sync.Mutex
	ln       net.Listener
	conns    map[*conn]struct{}
	shutdown atomic.Bool
}

// ErrServerClosed is what Serve returns after Shutdown or Close.
var ErrServerClosed = http.ErrServerClosed

func (s *Server) init() {
	s.once.Do(func() {
		s.handoff = newHandoffListener()
		s.conns = make(map[*conn]struct{})
	})
}

// Listener returns the listener Fallback must serve: it yields the
// connections handed off, and its Addr is Serve's listener's once Serve
// has started. Closing it (Fallback's Shutdown or Close does) makes later
// hand-offs close their connection instead.
func (s *Server) Listener() net.Listener {
	s.init()
	return s.handoff
}

// Serve accepts connections on ln until Shutdown or Close (then it
// returns ErrServerClosed) or an accept error that is not temporary.
// ln is closed on return.
func (s *Server) Serve(ln net.Listener) error {
	s.init()
	s.mu.Lock()
	if s.shutdown.Load() {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.ln = ln
	s.handoff.setAddr(ln.Addr())
	s.mu.Unlock()
	defer ln.Close()
	var backoff time.Duration
	for {
		rwc, err := ln.Accept()
		if err != nil {
			if s.shutdown.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		c := s.newConn(rwc)
		s.mu.Lock()
		if s.shutdown.Load() {
			s.mu.Unlock()
			rwc.Close()
			return ErrServerClosed
		}
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		go c.serve()
	}
}

// untrack forgets c (closed or handed off).
func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// shutdownPoll is how often Shutdown looks for connections gone idle.
const shutdownPoll = 10 * time.Millisecond

// Shutdown stops accepting, closes idle connections and waits for the
// others to finish their request (each is then closed) or be handed off,
// until ctx is done (then it closes them all and returns ctx's error). It
// does not shut Fallback down: call its Shutdown after this one.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.shutdown.Store(true)
	s.mu.Lock()
	if s.ln != nil {
		s.ln.Close()
	}
	s.mu.Unlock()
	t := time.NewTicker(shutdownPoll)
	defer t.Stop()
	for {
		if s.closeIdle() == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			s.closeAll()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Close closes the listener and every connection at once.
func (s *Server) Close() error {
	s.init()
	s.shutdown.Store(true)
	s.mu.Lock()
	if s.ln != nil {
		s.ln.Close()
	}
	s.mu.Unlock()
	s.closeAll()
	return nil
}

// closeIdle closes the connections waiting for a request and returns how
// many connections remain.
func (s *Server) closeIdle() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.state.Load() == stateIdle {
			c.rwc.Close()
			delete(s.conns, c)
		}
	}
	return len(s.conns)
}

func (s *Server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.rwc.Close()
		delete(s.conns, c)
	}
}

func (s *Server) logf(format string, args ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}
