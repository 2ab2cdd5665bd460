package h1

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// smallBody is how much body a response without Content-Length may write
// before its header is sent chunked; a handler that returns within it
// gets a Content-Length (as net/http's 2 KiB+ buffer does).
const smallBody = 4 << 10

// writeBufSize is the write buffer's capacity: responses collect there
// (pipelined ones too) until the connection has nothing more to read.
const writeBufSize = 16 << 10

// directWrite: a body write at least this long is not copied into the
// write buffer but sent with it in one writev.
const directWrite = 4 << 10

// response is the http.ResponseWriter of one request, reused by its
// connection. It implements http.Flusher and io.ReaderFrom (sendfile
// for an *os.File body).
type response struct {
	c    *conn
	req  *http.Request
	h    http.Header
	wbuf []byte // responses not yet written to the connection
	vec  [2][]byte
	nb   net.Buffers

	status      int
	wroteHeader bool // WriteHeader (or a Write) fixed the status
	sentHeader  bool // the header is in wbuf
	head        bool
	bodyOK      bool  // status and method allow a body
	cl          int64 // Content-Length, -1 unknown
	chunked     bool
	written     int64  // body bytes written by the handler
	pending     []byte // body held back while the length is unknown
	closeAfter  bool
	err         error // the connection failed
}

func (w *response) reset(r *http.Request, closeAfter bool) {
	w.req = r
	clear(w.h)
	w.status, w.wroteHeader, w.sentHeader = 0, false, false
	w.head = r.Method == http.MethodHead
	w.cl, w.chunked, w.written = -1, false, 0
	w.pending = w.pending[:0]
	w.closeAfter = closeAfter
}

func (w *response) Header() http.Header { return w.h }

func (w *response) WriteHeader(code int) {
	if w.wroteHeader {
		if !w.sentHeader || code < 100 || code > 199 {
			w.c.s.logf("h1: superfluous WriteHeader(%d) for %s %s", code, w.req.Method, w.req.URL.Path)
		}
		return
	}
	if code < 100 || code > 999 {
		panic("h1: invalid WriteHeader code " + strconv.Itoa(code))
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		// An informational response goes out now; the final one follows.
		w.wbuf = appendStatusLine(w.wbuf, code)
		w.wbuf = w.appendHeaderLines(w.wbuf, code, false)
		w.wbuf = append(w.wbuf, "\r\n"...)
		return
	}
	w.wroteHeader = true
	w.status = code
	w.bodyOK = bodyAllowed(code) && !w.head
	if v := w.h.Get("Content-Length"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			w.cl = n
		} else {
			w.c.s.logf("h1: invalid Content-Length %q", v)
			delete(w.h, "Content-Length")
		}
	}
}

func bodyAllowed(code int) bool {
	return code >= 200 && code != http.StatusNoContent && code != http.StatusNotModified
}

// Write sends body bytes: held back (up to smallBody) while the length
// is unknown, else into the write buffer or, when long, straight to the
// connection with the buffer in one writev.
func (w *response) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if w.cl >= 0 && w.written+int64(len(p)) > w.cl {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	if !w.sentHeader {
		if w.cl < 0 && len(w.pending)+len(p) <= smallBody {
			w.pending = append(w.pending, p...)
			return len(p), nil
		}
		w.sendHeader(p)
		if len(w.pending) > 0 {
			w.body(w.pending)
			w.pending = w.pending[:0]
		}
	}
	w.body(p)
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// body sends p as body bytes (nothing for HEAD), chunked if need be.
func (w *response) body(p []byte) {
	if w.head || w.err != nil {
		return
	}
	if w.chunked {
		w.wbuf = strconv.AppendInt(w.wbuf, int64(len(p)), 16)
		w.wbuf = append(w.wbuf, "\r\n"...)
		w.out(p)
		w.wbuf = append(w.wbuf, "\r\n"...)
		return
	}
	w.out(p)
}

// out appends p to the write buffer, or writes buffer and p together
// when p is long.
func (w *response) out(p []byte) {
	if len(p) < directWrite && len(w.wbuf)+len(p) <= cap(w.wbuf) {
		w.wbuf = append(w.wbuf, p...)
		return
	}
	if w.c.raw != nil {
		_, w.err = w.c.raw.Write2(w.wbuf, p)
		w.wbuf = w.wbuf[:0]
		return
	}
	if len(w.wbuf) == 0 {
		_, w.err = w.c.rwc.Write(p)
		return
	}
	w.vec[0], w.vec[1] = w.wbuf, p
	w.nb = w.vec[:]
	_, w.err = w.nb.WriteTo(w.c.rwc)
	w.wbuf = w.wbuf[:0]
	w.vec = [2][]byte{}
}

// ReadFrom copies src as the body; an *os.File (possibly in an
// io.LimitedReader) goes out with sendfile once the header is written.
func (w *response) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	_, typed := w.h["Content-Type"]
	if w.cl >= 0 && w.bodyOK && !w.chunked && (typed || w.sentHeader) && len(w.pending) == 0 && isFile(src) {
		if !w.sentHeader {
			w.sendHeader(nil)
		}
		if !w.c.flush() {
			return 0, w.c.resp.err
		}
		before := w.written
		// One LimitedReader around the *os.File itself: what
		// (*net.TCPConn).ReadFrom sends with sendfile.
		lr := io.LimitedReader{R: src, N: w.cl - w.written}
		if in, ok := src.(*io.LimitedReader); ok {
			lr.R, lr.N = in.R, min(lr.N, in.N)
			defer func() { in.N -= w.written - before }()
		}
		var n int64
		var err error
		if rf, ok := w.c.rwc.(io.ReaderFrom); ok {
			n, err = rf.ReadFrom(&lr)
		} else {
			n, err = io.Copy(w.c.rwc, &lr)
		}
		w.written += n
		if err != nil {
			w.err = err
		}
		return n, err
	}
	return io.CopyBuffer(writerOnly{w}, src, nil)
}

type writerOnly struct{ io.Writer }

// isFile reports whether src is a file (sendfile can send it) and the
// connection can take it.
func isFile(src io.Reader) bool {
	if lr, ok := src.(*io.LimitedReader); ok {
		src = lr.R
	}
	_, ok := src.(*os.File)
	return ok
}

// Flush sends the header (chunked when the length is unknown) and
// everything buffered.
func (w *response) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sentHeader {
		w.sendHeader(nil)
		if len(w.pending) > 0 {
			w.body(w.pending)
			w.pending = w.pending[:0]
		}
	}
	w.c.flush()
}

// finish completes the response after the handler returned.
func (w *response) finish() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.sentHeader {
		if w.cl < 0 && bodyAllowed(w.status) && (!w.head || w.written > 0) {
			// The whole body is known: its length is sent.
			w.cl = w.written
			w.h["Content-Length"] = []string{strconv.FormatInt(w.written, 10)}
		}
		w.sendHeader(nil)
		if len(w.pending) > 0 {
			w.body(w.pending)
			w.pending = w.pending[:0]
		}
	}
	switch {
	case w.chunked:
		w.wbuf = append(w.wbuf, "0\r\n\r\n"...)
	case w.bodyOK && w.cl >= 0 && w.written < w.cl:
		// Shorter than announced: the connection cannot be reused.
		w.closeAfter = true
	}
	if len(w.wbuf) >= writeBufSize {
		w.c.flush() // pipelined responses: no need to hold more
	}
}

// sendHeader appends the status line and header to the write buffer,
// choosing the framing.
func (w *response) sendHeader(next []byte) {
	w.sentHeader = true
	if w.bodyOK && w.cl < 0 {
		w.chunked = true
	}
	w.noteConnectionClose()
	if _, ok := w.h["Content-Type"]; !ok && bodyAllowed(w.status) {
		// Sniffed from the first body bytes, as net/http does.
		sniff := w.pending
		if len(sniff) == 0 {
			sniff = next
		}
		if len(sniff) > 0 {
			w.h["Content-Type"] = []string{http.DetectContentType(sniff)}
		}
	}
	w.wbuf = appendStatusLine(w.wbuf, w.status)
	w.wbuf = w.appendHeaderLines(w.wbuf, w.status, true)
}

// noteConnectionClose makes the connection close after the response
// when the handler set Connection: close.
func (w *response) noteConnectionClose() {
	if w.closeAfter {
		return
	}
	if w.c.s.shutdown.Load() {
		w.closeAfter = true // the last response of a draining server
		return
	}
	for _, s := range w.h["Connection"] {
		if strings.EqualFold(strings.TrimSpace(s), "close") {
			w.closeAfter = true
		}
	}
}

// appendHeaderLines appends the handler's header (what net/http would
// drop for the status left out, lines with invalid names skipped, CR and
// LF in values made spaces), then Date, the framing and Connection:
// close.
func (w *response) appendHeaderLines(b []byte, status int, final bool) []byte {
	_, hasDate := w.h["Date"]
	for k, vs := range w.h {
		switch k {
		case "Content-Length", "Transfer-Encoding":
			if !final || !bodyAllowed(status) || k == "Transfer-Encoding" {
				continue // net/http drops them for 1xx, 204 and 304; framing is ours
			}
		case "Content-Type":
			if status == http.StatusNotModified {
				continue
			}
		case "Connection":
			if !final {
				continue
			}
		case "Date":
			if !final {
				continue
			}
		}
		if !validHeaderName(k) {
			continue
		}
		for _, v := range vs {
			b = append(b, k...)
			b = append(b, ": "...)
			b = appendValue(b, v)
			b = append(b, "\r\n"...)
		}
	}
	if !final {
		return b
	}
	if !hasDate {
		b = append(b, "Date: "...)
		b = append(b, dateNow()...)
		b = append(b, "\r\n"...)
	}
	if w.chunked {
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	}
	if w.closeAfter {
		if _, ok := w.h["Connection"]; !ok {
			b = append(b, "Connection: close\r\n"...)
		}
	}
	return append(b, "\r\n"...)
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !tokenChar[k[i]] {
			return false
		}
	}
	return true
}

// appendValue appends v with CR and LF replaced by spaces and leading or
// trailing whitespace trimmed, as net/http writes header values.
func appendValue(b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\r' || c == '\n' {
			b = append(b, ' ')
		} else {
			b = append(b, c)
		}
	}
	return b
}

// statusLines are the status lines of common codes, ready to append.
var statusLines = func() map[int]string {
	m := map[int]string{}
	for code := 100; code < 600; code++ {
		if t := http.StatusText(code); t != "" {
			m[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + t + "\r\n"
		}
	}
	return m
}()

func appendStatusLine(b []byte, code int) []byte {
	if l, ok := statusLines[code]; ok {
		return append(b, l...)
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	return append(b, " status code "+strconv.Itoa(code)+"\r\n"...)
}

// dateCache holds the Date header value of the current second.
type dateVal struct {
	sec int64
	s   string
}

var dateCache atomic.Pointer[dateVal]

func dateNow() string {
	now := time.Now()
	sec := now.Unix()
	if d := dateCache.Load(); d != nil && d.sec == sec {
		return d.s
	}
	d := &dateVal{sec: sec, s: now.UTC().Format(http.TimeFormat)}
	dateCache.Store(d)
	return d.s
}

// RawHeaderWriter is implemented by this package's ResponseWriter (and
// should be passed on by wrappers of it): a response whose header is
// mostly ready-made lines, such as a cached object's stored header, is
// written without building a header map.
type RawHeaderWriter interface {
	// WriteRawHeader is WriteHeader(status) with header lines a, then b,
	// then Content-Length contentLength (for a status that allows a body;
	// HEAD included) added to the Header map's entries. a and b hold
	// "Name: value\r\n" lines, copied as they are: the caller guarantees
	// that every line ends with CRLF, that the names are valid,
	// canonical, not repeated across a, b and the map, and not
	// Content-Length, Transfer-Encoding, Connection or Date, and that the
	// values hold no CR or LF. The bytes are copied before it returns.
	WriteRawHeader(status int, contentLength int64, a, b []byte)
}

// RawHeaderOK is what a wrapper that implements RawHeaderWriter but
// passes it on only sometimes (else adding the lines to its header map)
// also implements, so that a caller with a header map at hand uses
// WriteHeader instead when the lines would not go out raw.
type RawHeaderOK interface {
	RawHeaderOK() bool
}

// TakesRawHeader reports whether w takes WriteRawHeader without a header
// map: it implements RawHeaderWriter and, if it implements RawHeaderOK,
// says yes.
func TakesRawHeader(w http.ResponseWriter) (RawHeaderWriter, bool) {
	rw, ok := w.(RawHeaderWriter)
	if !ok {
		return nil, false
	}
	if c, ok := w.(RawHeaderOK); ok && !c.RawHeaderOK() {
		return nil, false
	}
	return rw, true
}

// AddHeaderLines adds the "Name: value" lines of b (LF or CRLF ends) to h:
// what a RawHeaderWriter's caller does on a writer that is not one.
func AddHeaderLines(h http.Header, b []byte) {
	for len(b) > 0 {
		line := b
		if i := bytesIndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		k, v, ok := strings.Cut(string(line), ":")
		if !ok {
			continue
		}
		h[k] = append(h[k], trimOWS(v))
	}
}

func (w *response) WriteRawHeader(status int, n int64, a, b []byte) {
	if w.wroteHeader {
		w.c.s.logf("h1: superfluous WriteRawHeader(%d) for %s %s", status, w.req.Method, w.req.URL.Path)
		return
	}
	if status < 200 || status > 999 {
		panic("h1: invalid WriteRawHeader code " + strconv.Itoa(status))
	}
	w.wroteHeader, w.sentHeader = true, true
	w.status = status
	w.bodyOK = bodyAllowed(status) && !w.head
	w.cl = -1
	if bodyAllowed(status) {
		w.cl = n
	}
	w.noteConnectionClose()
	w.wbuf = appendStatusLine(w.wbuf, status)
	w.wbuf = append(w.wbuf, a...)
	w.wbuf = append(w.wbuf, b...)
	if w.cl >= 0 {
		w.wbuf = append(w.wbuf, "Content-Length: "...)
		w.wbuf = strconv.AppendInt(w.wbuf, w.cl, 10)
		w.wbuf = append(w.wbuf, "\r\n"...)
	}
	delete(w.h, "Content-Length")
	delete(w.h, "Transfer-Encoding")
	w.wbuf = w.appendHeaderLines(w.wbuf, status, true)
}

func bytesIndexByte(b []byte, c byte) int { return bytes.IndexByte(b, c) }
