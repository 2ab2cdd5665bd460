package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A test-side aws-chunked encoder, written from the AWS documentation
// independently of the decoder (crypto/hmac, fmt-free but plain).

func testHMAC(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

func testSigningKey(secret, date, region, service string) []byte {
	k := testHMAC([]byte("AWS4"+secret), date)
	k = testHMAC(k, region)
	k = testHMAC(k, service)
	return testHMAC(k, "aws4_request")
}

type chunkSigner struct {
	key            []byte
	amzDate, scope string
	prev           string // hex
}

func (s *chunkSigner) chunk(data []byte) string {
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + s.amzDate + "\n" + s.scope + "\n" + s.prev + "\n" +
		EmptyPayloadHash + "\n" + sha256Hex(string(data))
	s.prev = hex.EncodeToString(testHMAC(s.key, sts))
	return s.prev
}

func (s *chunkSigner) trailer(text string) string {
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + s.amzDate + "\n" + s.scope + "\n" + s.prev + "\n" + sha256Hex(text)
	return hex.EncodeToString(testHMAC(s.key, sts))
}

// encodeChunks frames chunks (plus the final empty one) and trailers in the
// variant named by contentSHA. A nil signer means unsigned chunks.
func encodeChunks(s *chunkSigner, chunks [][]byte, trailers [][2]string, signTrailer bool) []byte {
	var b bytes.Buffer
	for _, c := range append(chunks, nil) {
		b.WriteString(strconv.FormatInt(int64(len(c)), 16))
		if s != nil {
			b.WriteString(";chunk-signature=" + s.chunk(c))
		}
		b.WriteString("\r\n")
		if len(c) > 0 {
			b.Write(c)
			b.WriteString("\r\n")
		}
	}
	var text string
	for _, tr := range trailers {
		text += tr[0] + ":" + tr[1] + "\n"
		b.WriteString(tr[0] + ":" + tr[1] + "\r\n")
	}
	if signTrailer {
		b.WriteString("x-amz-trailer-signature:" + s.trailer(text) + "\r\n")
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// TestChunkedAWSExamples decodes the two examples of the S3 documentation
// ("Signature calculations for the Authorization header: transferring
// payload in multiple chunks" and "... including trailing headers"), whose
// seed, chunk and trailer signatures are published.
func TestChunkedAWSExamples(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	v := &Verifier{
		Creds: staticCreds{"AKIAIOSFODNN7EXAMPLE": secret},
		Now:   func() time.Time { return time.Date(2013, 5, 24, 0, 5, 0, 0, time.UTC) },
	}
	a64k, a1k := bytes.Repeat([]byte{'a'}, 65536), bytes.Repeat([]byte{'a'}, 1024)
	frame := func(size int, sig string, data []byte) string {
		return strconv.FormatInt(int64(size), 16) + ";chunk-signature=" + sig + "\r\n" + string(data) + "\r\n"
	}
	cases := []struct {
		name, contentSHA, signed, seed, body, trailer string
		length                                        int64
	}{
		{
			name: "signed", contentSHA: StreamingSignedPayload, length: 66824,
			signed: "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
			seed:   "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
			body: frame(65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648", a64k) +
				frame(1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497", a1k) +
				"0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n",
		},
		{
			name: "signed trailer", contentSHA: StreamingSignedPayloadTrailer, length: 66946, trailer: "x-amz-checksum-crc32c",
			signed: "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer",
			seed:   "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
			body: frame(65536, "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2", a64k) +
				frame(1024, "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7", a1k) +
				"0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n" +
				"x-amz-checksum-crc32c:sOO8/Q==\r\n" +
				"x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodPut, "https://s3.amazonaws.com/examplebucket/chunkObject.txt", strings.NewReader(c.body))
			r.ContentLength = c.length
			r.Header.Set("Content-Encoding", "aws-chunked")
			r.Header.Set("X-Amz-Content-Sha256", c.contentSHA)
			r.Header.Set("X-Amz-Date", "20130524T000000Z")
			r.Header.Set("X-Amz-Decoded-Content-Length", "66560")
			r.Header.Set("X-Amz-Storage-Class", "REDUCED_REDUNDANCY")
			if c.trailer != "" {
				r.Header.Set("X-Amz-Trailer", c.trailer)
			}
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders="+c.signed+",Signature="+c.seed)
			res, err := v.Verify(r)
			if err != nil {
				t.Fatalf("Verify: %v %+v", err, asAWS(t, err).Fields)
			}
			got, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if len(got) != 66560 || bytes.Count(got, []byte{'a'}) != 66560 || res.DecodedLength != 66560 {
				t.Fatalf("decoded %d bytes", len(got))
			}
			if c.trailer != "" && res.Trailer().Get("X-Amz-Checksum-Crc32c") != "sOO8/Q==" {
				t.Errorf("trailer %v", res.Trailer())
			}
		})
	}
}

const (
	chunkAKID   = "AKIDCHUNK"
	chunkSecret = "chunk/secret+key"
)

var chunkNow = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

type streamOpts struct {
	contentSHA    string
	chunks        [][]byte
	trailers      [][2]string
	declared      string // x-amz-trailer
	decodedLength string // "" = the real length; "-" = no header
	tamper        func(body []byte) []byte
	signTrailer   bool
}

// streamRequest signs a streaming PUT and frames its body.
func streamRequest(o streamOpts) *http.Request {
	r, _ := http.NewRequest(http.MethodPut, "http://127.0.0.1:4566/bucket/key", nil)
	total := 0
	for _, c := range o.chunks {
		total += len(c)
	}
	r.Header.Set("Content-Encoding", "aws-chunked")
	switch o.decodedLength {
	case "":
		r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(total))
	case "-":
	default:
		r.Header.Set("X-Amz-Decoded-Content-Length", o.decodedLength)
	}
	if o.declared != "" {
		r.Header.Set("X-Amz-Trailer", o.declared)
	}
	SignRequest(r, chunkAKID, chunkSecret, "us-east-1", "s3", chunkNow, o.contentSHA)
	seed := r.Header.Get("Authorization")
	seed = seed[strings.LastIndex(seed, "=")+1:]
	var s *chunkSigner
	if o.contentSHA != StreamingUnsignedPayloadTrailer {
		amzDate := chunkNow.Format(amzDateLayout)
		s = &chunkSigner{
			key:     testSigningKey(chunkSecret, amzDate[:8], "us-east-1", "s3"),
			amzDate: amzDate, scope: amzDate[:8] + "/us-east-1/s3/aws4_request", prev: seed,
		}
	}
	body := encodeChunks(s, o.chunks, o.trailers, o.signTrailer)
	if o.tamper != nil {
		body = o.tamper(body)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	return r
}

func chunkVerifier() *Verifier {
	return &Verifier{Creds: staticCreds{chunkAKID: chunkSecret}, Now: func() time.Time { return chunkNow }}
}

// readWith drains r with reads of n bytes.
func readWith(r io.Reader, n int) ([]byte, error) {
	var out []byte
	buf := make([]byte, n)
	for {
		m, err := r.Read(buf)
		out = append(out, buf[:m]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

func TestChunkedDecode(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 5000) // 80000 bytes
	chunks := [][]byte{payload[:65536], payload[65536:70000], payload[70000:]}
	crc := [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}}
	variants := []streamOpts{
		{contentSHA: StreamingSignedPayload},
		{contentSHA: StreamingUnsignedPayloadTrailer, trailers: crc, declared: "x-amz-checksum-crc32"},
		{contentSHA: StreamingSignedPayloadTrailer, trailers: crc, declared: "x-amz-checksum-crc32", signTrailer: true},
	}
	for _, o := range variants {
		o.chunks = chunks
		for _, size := range []int{1, 7, 4096, 100000} {
			t.Run(o.contentSHA+"/"+strconv.Itoa(size), func(t *testing.T) {
				res, err := chunkVerifier().Verify(streamRequest(o))
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if res.Trailer() != nil {
					t.Errorf("Trailer before EOF: %v", res.Trailer())
				}
				got, err := readWith(res.Body, size)
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
				if !bytes.Equal(got, payload) || res.DecodedLength != int64(len(payload)) {
					t.Fatalf("decoded %d bytes, want %d", len(got), len(payload))
				}
				if o.trailers != nil && res.Trailer().Get("X-Amz-Checksum-Crc32") != "AAAAAA==" {
					t.Errorf("trailer %v", res.Trailer())
				}
				if n, err := res.Body.Read(make([]byte, 10)); n != 0 || err != io.EOF {
					t.Errorf("read after EOF: %d %v", n, err)
				}
			})
		}
	}
}

func TestChunkedErrors(t *testing.T) {
	chunks := [][]byte{bytes.Repeat([]byte{'x'}, 9000), []byte("tail")}
	crc := [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}}
	flipAt := func(sub string, off int) func([]byte) []byte {
		return func(b []byte) []byte {
			i := bytes.Index(b, []byte(sub))
			b = bytes.Clone(b)
			b[i+off] ^= 1
			return b
		}
	}
	cut := func(n int) func([]byte) []byte { return func(b []byte) []byte { return b[:n] } }
	cutEnd := func(n int) func([]byte) []byte { return func(b []byte) []byte { return b[:len(b)-n] } }
	type tc struct {
		name      string
		o         streamOpts
		verifyErr string // error code of Verify, else of Read
		readErr   string
	}
	var cases []tc
	for _, mode := range []string{StreamingSignedPayload, StreamingSignedPayloadTrailer, StreamingUnsignedPayloadTrailer} {
		base := streamOpts{contentSHA: mode, chunks: chunks}
		if mode != StreamingSignedPayload {
			base.trailers, base.declared = crc, "x-amz-checksum-crc32"
			base.signTrailer = mode == StreamingSignedPayloadTrailer
		}
		with := func(f func(*streamOpts)) streamOpts { o := base; f(&o); return o }
		signed := mode != StreamingUnsignedPayloadTrailer
		if signed {
			cases = append(cases,
				tc{name: mode + "/tampered data", o: with(func(o *streamOpts) { o.tamper = flipAt("xxxx", 100) }), readErr: "SignatureDoesNotMatch"},
				tc{name: mode + "/tampered last data", o: with(func(o *streamOpts) { o.tamper = flipAt("tail", 1) }), readErr: "SignatureDoesNotMatch"},
				tc{name: mode + "/tampered signature", o: with(func(o *streamOpts) { o.tamper = flipAt("chunk-signature=", 20) }), readErr: "SignatureDoesNotMatch"},
				tc{name: mode + "/tampered final signature", o: with(func(o *streamOpts) { o.tamper = flipAt("0;chunk-signature=", 30) }), readErr: "SignatureDoesNotMatch"},
				tc{name: mode + "/signature missing", o: with(func(o *streamOpts) {
					o.tamper = func(b []byte) []byte {
						i := bytes.Index(b, []byte(";chunk-signature="))
						return append(bytes.Clone(b[:i]), b[i+17+64:]...)
					}
				}), readErr: "SignatureDoesNotMatch"},
			)
		}
		cases = append(cases,
			tc{name: mode + "/truncated in data", o: with(func(o *streamOpts) { o.tamper = cut(5000) }), readErr: "IncompleteBody"},
			tc{name: mode + "/truncated in header", o: with(func(o *streamOpts) { o.tamper = cut(3) }), readErr: "IncompleteBody"},
			tc{name: mode + "/truncated before final chunk", o: with(func(o *streamOpts) {
				o.tamper = func(b []byte) []byte { return b[:bytes.LastIndex(b, []byte("\r\n0"))+2] }
			}), readErr: "IncompleteBody"},
			tc{name: mode + "/empty body", o: with(func(o *streamOpts) { o.tamper = cut(0) }), readErr: "IncompleteBody"},
			tc{name: mode + "/bad size", o: with(func(o *streamOpts) { o.tamper = func(b []byte) []byte { return append([]byte("zz"), b[4:]...) } }), readErr: "IncompleteBody"},
			tc{name: mode + "/missing CRLF after data", o: with(func(o *streamOpts) { o.tamper = flipAt("tail\r\n", 4) }), readErr: "IncompleteBody"},
			tc{name: mode + "/decoded length too small", o: with(func(o *streamOpts) { o.decodedLength = "9003" }), readErr: "IncompleteBody"},
			tc{name: mode + "/decoded length too large", o: with(func(o *streamOpts) { o.decodedLength = "9005" }), readErr: "IncompleteBody"},
			tc{name: mode + "/decoded length missing", o: with(func(o *streamOpts) { o.decodedLength = "-" }), verifyErr: "MissingContentLength"},
			tc{name: mode + "/undeclared trailer", o: with(func(o *streamOpts) {
				o.trailers = append(slicesClone(o.trailers), [2]string{"x-amz-checksum-sha256", "AAAA"})
			}), readErr: "MalformedTrailerError"},
		)
		if mode != StreamingSignedPayload {
			cases = append(cases,
				tc{name: mode + "/missing trailer", o: with(func(o *streamOpts) { o.trailers = nil; o.signTrailer = false }), readErr: "MalformedTrailerError"},
				tc{name: mode + "/trailer not declared", o: with(func(o *streamOpts) { o.declared = "" }), readErr: "MalformedTrailerError"},
				tc{name: mode + "/second declared trailer missing", o: with(func(o *streamOpts) { o.declared = "x-amz-checksum-crc32, x-amz-checksum-sha1" }), readErr: "MalformedTrailerError"},
				tc{name: mode + "/truncated in trailer", o: with(func(o *streamOpts) {
					o.tamper = func(b []byte) []byte { return b[:bytes.Index(b, []byte("AAAAAA=="))+4] }
				}), readErr: "IncompleteBody"},
				tc{name: mode + "/malformed trailer", o: with(func(o *streamOpts) {
					o.tamper = func(b []byte) []byte { return bytes.Replace(b, []byte("crc32:"), []byte("crc32="), 1) }
				}), readErr: "MalformedTrailerError"},
			)
		}
		if mode == StreamingSignedPayloadTrailer {
			cases = append(cases,
				tc{name: mode + "/tampered trailer value", o: with(func(o *streamOpts) { o.tamper = flipAt("AAAAAA==", 2) }), readErr: "SignatureDoesNotMatch"},
				tc{name: mode + "/trailer signature missing", o: with(func(o *streamOpts) { o.signTrailer = false }), readErr: "SignatureDoesNotMatch"},
			)
		} else {
			cases = append(cases, tc{name: mode + "/final CRLF missing is accepted", o: with(func(o *streamOpts) { o.tamper = cutEnd(2) })})
		}
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := chunkVerifier().Verify(streamRequest(c.o))
			if c.verifyErr != "" {
				if ae := asAWS(t, err); ae.Code != c.verifyErr {
					t.Fatalf("Verify: %s, want %s", ae.Code, c.verifyErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			for _, size := range []int{3, 32 << 10} {
				if size == 3 {
					// A fresh request for the second read pattern.
					if res, err = chunkVerifier().Verify(streamRequest(c.o)); err != nil {
						t.Fatal(err)
					}
				}
				_, err = readWith(res.Body, size)
				if c.readErr == "" {
					if err != nil {
						t.Fatalf("Read: %v", err)
					}
					continue
				}
				if err == nil {
					t.Fatalf("read size %d: clean EOF, want %s", size, c.readErr)
				}
				ae := asAWS(t, err)
				if ae.Code != c.readErr {
					t.Fatalf("read size %d: %s (%s), want %s", size, ae.Code, ae.Message, c.readErr)
				}
				if _, again := res.Body.Read(make([]byte, 8)); again != err {
					t.Errorf("error not sticky: %v", again)
				}
			}
		})
	}
}

func slicesClone(s [][2]string) [][2]string { return append([][2]string(nil), s...) }

// TestChunkedLenientFraming accepts a blank line between the final chunk
// and the trailers, as the S3 documentation's example shows it.
func TestChunkedLenientFraming(t *testing.T) {
	o := streamOpts{
		contentSHA: StreamingSignedPayloadTrailer, chunks: [][]byte{[]byte("hello")},
		trailers: [][2]string{{"x-amz-checksum-crc32", "NhCmhg=="}}, declared: "x-amz-checksum-crc32", signTrailer: true,
		tamper: func(b []byte) []byte {
			i := bytes.Index(b, []byte("x-amz-checksum"))
			return append(append(bytes.Clone(b[:i]), "\r\n"...), b[i:]...)
		},
	}
	res, err := chunkVerifier().Verify(streamRequest(o))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(res.Body); err != nil || string(got) != "hello" {
		t.Fatalf("%q %v", got, err)
	}
	if res.Trailer().Get("x-amz-checksum-crc32") != "NhCmhg==" {
		t.Errorf("trailer %v", res.Trailer())
	}
}

// errReader returns its data, then err.
type errReader struct {
	data []byte
	err  error
}

func (e *errReader) Read(p []byte) (int, error) {
	if len(e.data) == 0 {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

func TestPayloadHash(t *testing.T) {
	v := chunkVerifier()
	put := func(body string, hash string, src io.Reader) *http.Request {
		r, _ := http.NewRequest(http.MethodPut, "http://127.0.0.1/b/k", nil)
		SignRequest(r, chunkAKID, chunkSecret, "us-east-1", "s3", chunkNow, hash)
		r.Body = io.NopCloser(src)
		r.ContentLength = int64(len(body))
		return r
	}
	body := "some object data"
	t.Run("match", func(t *testing.T) {
		res, err := v.Verify(put(body, sha256Hex(body), strings.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := readWith(res.Body, 5); err != nil || string(got) != body {
			t.Fatalf("%q %v", got, err)
		}
	})
	t.Run("upper-case hash", func(t *testing.T) {
		res, err := v.Verify(put(body, strings.ToUpper(sha256Hex(body)), strings.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(res.Body); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("mismatch", func(t *testing.T) {
		res, err := v.Verify(put(body, sha256Hex("other"), strings.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(res.Body)
		ae := asAWS(t, err)
		if ae.Code != "XAmzContentSHA256Mismatch" || ae.Status != 400 ||
			ae.Field("ClientComputedContentSHA256") != sha256Hex("other") || ae.Field("S3ComputedContentSHA256") != sha256Hex(body) {
			t.Fatalf("%s %+v", ae.Code, ae.Fields)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		res, err := v.Verify(put(body, sha256Hex(body), &errReader{[]byte(body[:4]), io.ErrUnexpectedEOF}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(res.Body)
		if ae := asAWS(t, err); ae.Code != "IncompleteBody" {
			t.Fatalf("%s", ae.Code)
		}
	})
	t.Run("empty body with a non-empty hash", func(t *testing.T) {
		r := put("", sha256Hex(body), nil)
		r.Body = http.NoBody
		_, err := v.Verify(r)
		if ae := asAWS(t, err); ae.Code != "XAmzContentSHA256Mismatch" || ae.Field("S3ComputedContentSHA256") != EmptyPayloadHash {
			t.Fatalf("%s %+v", ae.Code, ae.Fields)
		}
	})
	t.Run("other read errors pass through", func(t *testing.T) {
		boom := errors.New("boom")
		res, err := v.Verify(put(body, sha256Hex(body), &errReader{[]byte("x"), boom}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadAll(res.Body); err != boom {
			t.Fatalf("%v", err)
		}
	})
}

// FuzzChunkedDecoder feeds arbitrary bytes to the decoder in every mode:
// it must not panic, must terminate, and must never report a clean end for
// a body whose decoded length is not the declared one.
func FuzzChunkedDecoder(f *testing.F) {
	s := &chunkSigner{key: testSigningKey(chunkSecret, "20240601", "us-east-1", "s3"), amzDate: "20240601T120000Z",
		scope: "20240601/us-east-1/s3/aws4_request", prev: strings.Repeat("ab", 32)}
	f.Add(encodeChunks(s, [][]byte{[]byte("hello world")}, nil, false), uint8(0), uint16(11))
	s.prev = strings.Repeat("ab", 32)
	f.Add(encodeChunks(s, [][]byte{[]byte("hello"), []byte(" world")}, [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}}, true), uint8(1), uint16(11))
	f.Add(encodeChunks(nil, [][]byte{[]byte("hello world")}, [][2]string{{"x-amz-checksum-crc32", "AAAAAA=="}}, false), uint8(2), uint16(11))
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\n"), uint8(2), uint16(5))
	f.Add([]byte("ffffffffffffffff\r\n"), uint8(2), uint16(5))
	f.Add([]byte("0\r\n\r\n\r\nx:y\r\n"), uint8(2), uint16(0))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8, decoded uint16) {
		m := chunkMode(mode % 3)
		c := newChunkReader(io.NopCloser(bytes.NewReader(data)), m, int64(decoded), []string{"x-amz-checksum-crc32"})
		var seed [32]byte
		for i := range seed {
			seed[i] = 0xab
		}
		c.setSigning([32]byte(testSigningKey(chunkSecret, "20240601", "us-east-1", "s3")), "20240601T120000Z", "20240601/us-east-1/s3/aws4_request", seed)
		buf := make([]byte, 1+int(decoded%97))
		total := 0
		for i := 0; ; i++ {
			if i > len(data)+10 {
				t.Fatalf("no progress after %d reads", i)
			}
			n, err := c.Read(buf)
			total += n
			if err == io.EOF {
				if total != int(decoded) {
					t.Fatalf("clean EOF after %d bytes, declared %d", total, decoded)
				}
				return
			}
			if err != nil {
				return
			}
		}
	})
}
