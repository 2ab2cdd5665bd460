package cache

import (
	"net/http"
	"os"
)

// hopByHop are the headers a cache neither stores nor passes on (RFC
// 9110 §7.6.1).
var hopByHop = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Proxy-Authenticate": true, "Proxy-Authorization": true,
}

// IsHopByHop reports whether header name (canonical form) is hop-by-hop.
func IsHopByHop(name string) bool { return hopByHop[name] }

// Recorder is an http.ResponseWriter that records an origin response for
// the cache: the body in memory up to the disk threshold, beyond it
// spooled to a temporary file in the disk tier's directory (so that Put
// can rename it into place). Not safe for concurrent use.
type Recorder struct {
	c      *Cache
	header http.Header
	status int
	buf    []byte
	file   *os.File
	size   int64
	err    error
}

// NewRecorder returns a Recorder for c.
func (c *Cache) NewRecorder() *Recorder { return &Recorder{c: c, header: make(http.Header)} }

// Header is the response header being recorded.
func (w *Recorder) Header() http.Header { return w.header }

// WriteHeader records the status; later calls are ignored.
func (w *Recorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

// Write records body bytes. A spool file that cannot be written makes
// Finish fail.
func (w *Recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.file == nil && int64(len(w.buf)+len(p)) > w.c.threshold {
		dir := w.c.dir
		if dir == "" {
			dir = os.TempDir()
		}
		f, err := os.CreateTemp(dir, tmpPrefix+"*")
		if err != nil {
			w.err = err
			return 0, err
		}
		w.file = f
		if _, err := f.Write(w.buf); err != nil {
			w.err = err
			return 0, err
		}
		w.buf = nil
	}
	w.size += int64(len(p))
	if w.file != nil {
		n, err := w.file.Write(p)
		if err != nil {
			w.err = err
		}
		return n, err
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// Finish returns the recorded response, stamped as fetched now, with one
// user (see Share and Release). originID and reason are kept with it.
// When the body could not be spooled, Finish returns the error and the
// response is unusable.
func (w *Recorder) Finish(originID, reason string) (*Response, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	h := make(http.Header, len(w.header))
	for k, v := range w.header {
		if !hopByHop[k] {
			h[k] = v
		}
	}
	h.Del("Date") // set when sent
	now := w.c.now()
	r := &Response{Status: w.status, header: h, Size: w.size, Stored: now, Expires: now,
		OriginRequestID: originID, Reason: reason, body: w.buf}
	r.refs.Store(1)
	if w.file != nil {
		r.tmp, r.tmpName, r.body = w.file, w.file.Name(), nil
	}
	if w.err != nil {
		if w.file != nil {
			_ = os.Remove(w.file.Name())
			_ = w.file.Close()
		}
		return nil, w.err
	}
	return r, nil
}

// Uncached is called by the owner of a recorded response that will not be
// Put: its spool file is unlinked at once (readers keep the descriptor
// until the last Release).
func (r *Response) Uncached() {
	if r.tmpName != "" {
		_ = os.Remove(r.tmpName)
		r.tmpName = ""
	}
}

// Abort discards what was recorded (its spool file included); the
// Recorder is not used afterwards.
func (w *Recorder) Abort() {
	if w.file != nil {
		_ = os.Remove(w.file.Name())
		_ = w.file.Close()
		w.file = nil
	}
	w.buf = nil
}
