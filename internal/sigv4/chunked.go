package sigv4

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"hash"
	"io"
	"net/http"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// chunkMode is the aws-chunked variant of a body.
type chunkMode uint8

const (
	// chunkSigned: "hex;chunk-signature=SIG\r\n data \r\n", no trailers
	// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD).
	chunkSigned chunkMode = iota
	// chunkSignedTrailer: signed chunks, then trailers and
	// x-amz-trailer-signature (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER).
	chunkSignedTrailer
	// chunkUnsignedTrailer: "hex\r\n data \r\n", then trailers
	// (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
	chunkUnsignedTrailer
)

const (
	chunkBufSize    = 16 << 10
	maxChunkLine    = 4096
	maxTrailerBytes = 16 << 10
	maxTrailers     = 64
	trailerSigName  = "x-amz-trailer-signature"
)

type chunkState uint8

const (
	stHeader chunkState = iota
	stData
	stDataEnd
	stTrailer
	stDone
)

// chunkReader decodes an aws-chunked body, verifying chunk and trailer
// signatures, the decoded length and the declared trailers as it goes.
type chunkReader struct {
	src  io.ReadCloser
	mode chunkMode
	buf  []byte
	r, w int

	// signing state (signed modes)
	key     [32]byte
	amzDate string
	scope   string
	prev    [32]byte // previous signature: the seed, then each chunk's
	sts     []byte   // 64 pad bytes, then a string to sign
	h       hash.Hash
	want    [32]byte // signature the current chunk header announced

	state      chunkState
	remaining  int64
	total      int64
	decodedLen int64
	declared   []string // lower-case names from x-amz-trailer
	trailer    http.Header
	done       bool
	err        error
	zeroReads  int
}

// newChunkReader decodes src in the given mode. declared holds the values
// of the x-amz-trailer header (comma-separated names).
func newChunkReader(src io.ReadCloser, mode chunkMode, decodedLen int64, declared []string) *chunkReader {
	c := &chunkReader{src: src, mode: mode, decodedLen: decodedLen, buf: make([]byte, chunkBufSize)}
	for _, v := range declared {
		for v != "" {
			var name string
			name, v, _ = strings.Cut(v, ",")
			name = strings.ToLower(strings.TrimSpace(name))
			if name != "" {
				c.declared = append(c.declared, name)
			}
		}
	}
	if mode != chunkUnsignedTrailer {
		c.h = sha256.New()
	}
	return c
}

// setSigning gives the reader the request's signing key, timestamp, scope
// and seed signature (the signature of the request itself).
func (c *chunkReader) setSigning(key [32]byte, amzDate, scope string, seed [32]byte) {
	c.key, c.amzDate, c.scope, c.prev = key, amzDate, scope, seed
	c.sts = make([]byte, 64, 64+len("AWS4-HMAC-SHA256-PAYLOAD")+len(amzDate)+len(scope)+4*64+8)
}

// Close closes the underlying body.
func (c *chunkReader) Close() error { return c.src.Close() }

// Read implements io.Reader: it returns decoded payload bytes, then io.EOF
// once the final chunk, the trailers and every check have passed. Any
// failure is returned instead of io.EOF (and on every later call).
func (c *chunkReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	n := 0
	for {
		switch c.state {
		case stHeader:
			if err := c.readChunkHeader(); err != nil {
				return c.fail(n, err)
			}
		case stData:
			if c.remaining == 0 {
				c.state = stDataEnd
				continue
			}
			if n == len(p) {
				return n, nil
			}
			m, err := c.readData(p[n:])
			n += m
			if err != nil {
				return c.fail(n, err)
			}
			if c.remaining > 0 && m > 0 {
				return n, nil
			}
		case stDataEnd:
			if err := c.endChunk(); err != nil {
				return c.fail(n, err)
			}
			c.state = stHeader
		case stTrailer:
			if err := c.readTrailers(); err != nil {
				return c.fail(n, err)
			}
			c.state, c.done = stDone, true
			c.err = io.EOF
			return n, io.EOF
		default:
			return n, io.EOF
		}
	}
}

func (c *chunkReader) fail(n int, err error) (int, error) {
	c.err = err
	return n, err
}

// fill reads more of the source into the buffer. It returns io.EOF at the
// end of the source, ErrIncompleteBody when the source ended early
// (io.ErrUnexpectedEOF), and other source errors as they are.
func (c *chunkReader) fill() error {
	if c.r == c.w {
		c.r, c.w = 0, 0
	} else if c.w == len(c.buf) {
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	}
	n, err := c.src.Read(c.buf[c.w:])
	c.w += n
	if err != nil && err != io.EOF {
		return readErr(err)
	}
	if n > 0 {
		c.zeroReads = 0
		return nil
	}
	if err != nil {
		return err
	}
	if c.zeroReads++; c.zeroReads > 100 {
		return io.ErrNoProgress
	}
	return nil
}

// readLine returns the next CRLF-terminated line without its CRLF. The
// line is only valid until the next read. At a clean end of the source it
// returns io.EOF; a partial line at the end is ErrIncompleteBody.
func (c *chunkReader) readLine() ([]byte, error) {
	for {
		if i := bytes.IndexByte(c.buf[c.r:c.w], '\n'); i >= 0 {
			line := c.buf[c.r : c.r+i]
			c.r += i + 1
			if len(line) == 0 || line[len(line)-1] != '\r' {
				return nil, ErrIncompleteBody
			}
			return line[:len(line)-1], nil
		}
		if c.w-c.r >= maxChunkLine {
			return nil, ErrIncompleteBody
		}
		if err := c.fill(); err != nil {
			if err == io.EOF {
				if c.w > c.r {
					return nil, ErrIncompleteBody
				}
				return nil, io.EOF
			}
			return nil, err
		}
	}
}

// readChunkHeader parses "hex-size[;chunk-signature=SIG]".
func (c *chunkReader) readChunkHeader() error {
	line, err := c.readLine()
	if err != nil {
		if err == io.EOF {
			return ErrIncompleteBody
		}
		return err
	}
	var size int64
	i := 0
	for ; i < len(line) && line[i] != ';'; i++ {
		d, ok := unhex(line[i])
		if !ok || i >= 15 {
			return ErrIncompleteBody
		}
		size = size<<4 | int64(d)
	}
	if i == 0 {
		return ErrIncompleteBody
	}
	if c.mode != chunkUnsignedTrailer {
		ext := line[i:]
		const prefix = ";chunk-signature="
		if len(ext) != len(prefix)+64 || string(ext[:len(prefix)]) != prefix {
			return awsapi.ErrSignatureDoesNotMatch
		}
		var ok bool
		if c.want, ok = decodeSignature(string(ext[len(prefix):])); !ok {
			return awsapi.ErrSignatureDoesNotMatch
		}
	}
	if size > c.decodedLen-c.total {
		return errDecodedLengthMismatch
	}
	if size == 0 {
		if c.mode != chunkUnsignedTrailer {
			c.h.Reset()
			if err := c.checkChunkSignature(); err != nil {
				return err
			}
		}
		if c.total != c.decodedLen {
			return errDecodedLengthMismatch
		}
		c.state = stTrailer
		return nil
	}
	c.remaining = size
	if c.h != nil {
		c.h.Reset()
	}
	c.state = stData
	return nil
}

// readData copies payload bytes of the current chunk into p.
func (c *chunkReader) readData(p []byte) (int, error) {
	if int64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	var n int
	if c.r < c.w {
		n = copy(p, c.buf[c.r:c.w])
		c.r += n
	} else {
		var err error
		n, err = c.src.Read(p)
		if err != nil && err != io.EOF {
			return 0, readErr(err)
		}
		if n == 0 {
			if err == io.EOF {
				return 0, ErrIncompleteBody
			}
			if err != nil {
				return 0, readErr(err)
			}
			if c.zeroReads++; c.zeroReads > 100 {
				return 0, io.ErrNoProgress
			}
			return 0, nil
		}
		c.zeroReads = 0
	}
	if c.h != nil {
		c.h.Write(p[:n])
	}
	c.remaining -= int64(n)
	c.total += int64(n)
	return n, nil
}

// endChunk consumes the CRLF after a chunk's data and checks its signature.
func (c *chunkReader) endChunk() error {
	for c.w-c.r < 2 {
		if err := c.fill(); err != nil {
			if err == io.EOF {
				return ErrIncompleteBody
			}
			return err
		}
	}
	if c.buf[c.r] != '\r' || c.buf[c.r+1] != '\n' {
		return ErrIncompleteBody
	}
	c.r += 2
	if c.mode != chunkUnsignedTrailer {
		return c.checkChunkSignature()
	}
	return nil
}

// checkChunkSignature verifies c.want against the chunk hashed in c.h and
// advances the chain.
func (c *chunkReader) checkChunkSignature() error {
	var sum [32]byte
	c.h.Sum(sum[:0])
	b := c.sts[:64]
	b = append(b, "AWS4-HMAC-SHA256-PAYLOAD\n"...)
	b = append(b, c.amzDate...)
	b = append(b, '\n')
	b = append(b, c.scope...)
	b = append(b, '\n')
	b = appendHex(b, c.prev[:])
	b = append(b, '\n')
	b = append(b, EmptyPayloadHash...)
	b = append(b, '\n')
	b = appendHex(b, sum[:])
	c.sts = b
	sig := hmacSHA256(c.key[:], b)
	if subtle.ConstantTimeCompare(sig[:], c.want[:]) != 1 {
		return awsapi.ErrSignatureDoesNotMatch
	}
	c.prev = sig
	return nil
}

// more reports whether the source has bytes left after the buffer's.
func (c *chunkReader) more() (bool, error) {
	for c.r == c.w {
		if err := c.fill(); err != nil {
			if err == io.EOF {
				return false, nil
			}
			return false, err
		}
	}
	return true, nil
}

func trimSpaceBytes(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// readTrailers reads the trailer section after the final chunk, up to the
// empty line (or the end of the body), and checks it.
func (c *chunkReader) readTrailers() error {
	var text []byte // "name:value\n" per trailer, as signed
	var sig string
	size, lines := 0, 0
	for {
		line, err := c.readLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if len(line) == 0 {
			if lines == 0 && c.mode != chunkSigned {
				// Tolerate an empty line between the final chunk and the
				// trailers: go on if anything follows.
				more, err := c.more()
				if err != nil {
					return err
				}
				if more {
					lines++
					continue
				}
			}
			break
		}
		lines++
		if size += len(line); size > maxTrailerBytes || lines > maxTrailers {
			return ErrMalformedTrailer
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return ErrMalformedTrailer
		}
		name := strings.ToLower(string(trimSpaceBytes(line[:colon])))
		value := string(trimSpaceBytes(line[colon+1:]))
		if name == trailerSigName {
			if c.mode == chunkSignedTrailer {
				if sig != "" {
					return ErrMalformedTrailer
				}
				sig = value
			}
			continue
		}
		if c.mode == chunkSigned || !c.isDeclared(name) {
			return ErrMalformedTrailer
		}
		key := http.CanonicalHeaderKey(name)
		if c.trailer == nil {
			c.trailer = make(http.Header, len(c.declared))
		}
		if _, dup := c.trailer[key]; dup {
			return ErrMalformedTrailer
		}
		c.trailer[key] = []string{value}
		text = append(text, line...)
		text = append(text, '\n')
	}
	for _, d := range c.declared {
		if _, ok := c.trailer[http.CanonicalHeaderKey(d)]; !ok {
			return ErrMalformedTrailer
		}
	}
	if c.mode == chunkSignedTrailer && (len(text) > 0 || sig != "") {
		want, ok := decodeSignature(sig)
		if !ok {
			return awsapi.ErrSignatureDoesNotMatch
		}
		sum := sha256.Sum256(text)
		b := c.sts[:64]
		b = append(b, "AWS4-HMAC-SHA256-TRAILER\n"...)
		b = append(b, c.amzDate...)
		b = append(b, '\n')
		b = append(b, c.scope...)
		b = append(b, '\n')
		b = appendHex(b, c.prev[:])
		b = append(b, '\n')
		b = appendHex(b, sum[:])
		c.sts = b
		got := hmacSHA256(c.key[:], b)
		if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
			return awsapi.ErrSignatureDoesNotMatch
		}
	}
	return nil
}

func (c *chunkReader) isDeclared(name string) bool {
	for _, d := range c.declared {
		if d == name {
			return true
		}
	}
	return false
}
