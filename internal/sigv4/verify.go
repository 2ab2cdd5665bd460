package sigv4

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// Credentials looks up the secret of an access key id. ok=false means the
// key is unknown (Verify then answers InvalidAccessKeyId). Implementations
// must be safe for concurrent use and should not allocate on the hot path.
type Credentials interface {
	SecretKey(accessKeyID string) (secret string, ok bool)
}

// DefaultMaxSkew is AWS's allowed difference between the request time and
// the server's clock.
const DefaultMaxSkew = 15 * time.Minute

// DefaultMaxBufferedBody bounds the body Verify reads into memory to hash
// it, for services other than S3 that sign the body without sending
// x-amz-content-sha256.
const DefaultMaxBufferedBody = 16 << 20

// MaxPresignExpires is the longest X-Amz-Expires S3 accepts: one week.
const MaxPresignExpires = 604800

// Verifier checks SigV4 signatures. Its zero value is not usable: Creds
// must be set. A Verifier is safe for concurrent use and must not be
// modified while in use.
type Verifier struct {
	// Creds resolves access key ids to secrets.
	Creds Credentials
	// Now returns the server time; nil means time.Now.
	Now func() time.Time
	// MaxSkew is the allowed clock difference; 0 means DefaultMaxSkew.
	MaxSkew time.Duration
	// PathMode chooses the canonical URI rule; PathAuto (the zero value)
	// decides by the credential scope's service, as AWS does.
	PathMode PathMode
	// MaxBufferedBody bounds the body read into memory for hashing (see
	// DefaultMaxBufferedBody, used when 0).
	MaxBufferedBody int64
}

// AuthType says how a request was authenticated.
type AuthType uint8

const (
	// None is an anonymous (unsigned) request.
	None AuthType = iota
	// Header is a request signed in the Authorization header.
	Header
	// Query is a presigned request (signature in the query string).
	Query
)

// String returns "None", "Header" or "Query".
func (a AuthType) String() string {
	switch a {
	case Header:
		return "Header"
	case Query:
		return "Query"
	}
	return "None"
}

// Result is what Verify learned about an authenticated (or anonymous)
// request. All its fields are read-only for callers.
type Result struct {
	AuthType AuthType
	// AccessKeyID is the signer's access key id ("" when anonymous).
	AccessKeyID string
	// SecurityToken is X-Amz-Security-Token (header or query), "" if none.
	// Verify does not validate it: the owner of temporary credentials does.
	SecurityToken string
	// Region and Service come from the credential scope.
	Region, Service string
	// Date is the signing time (X-Amz-Date, or the Date header).
	Date time.Time
	// Expires is X-Amz-Expires of a presigned request, 0 otherwise.
	Expires time.Duration
	// SignedHeaders is the SignedHeaders list as sent: lower-case names
	// separated by ';'.
	SignedHeaders string
	// Signature is the verified signature (hex).
	Signature string
	// ContentSHA256 is the x-amz-content-sha256 value as sent (a hex hash,
	// UNSIGNED-PAYLOAD, STREAMING-...), or "" when absent.
	ContentSHA256 string
	// Body replaces the request's Body for handlers: it yields the decoded
	// payload (aws-chunked framing removed) and, when the whole payload has
	// been read, checks what the signature promised. Read returns an
	// *awsapi.Error instead of io.EOF when the payload does not match its
	// hash, a chunk or trailer signature is wrong, the body is cut short or
	// malformed, or the decoded length differs from
	// x-amz-decoded-content-length. Read it to io.EOF before trusting it.
	Body io.ReadCloser
	// DecodedLength is the payload length when known:
	// x-amz-decoded-content-length for aws-chunked bodies, else the
	// request's Content-Length; -1 when unknown.
	DecodedLength int64

	chunks *chunkReader
}

// Trailer returns the trailing headers of an aws-chunked body (for example
// X-Amz-Checksum-Crc32), keyed in canonical form, once Body has returned
// io.EOF. It returns nil before that, and for bodies without trailers. The
// values are as sent: checking a checksum is the caller's business.
func (r *Result) Trailer() http.Header {
	if r == nil || r.chunks == nil || !r.chunks.done {
		return nil
	}
	return r.chunks.trailer
}

// IsSigned reports whether r carries any authentication: an Authorization
// header, or an X-Amz-Algorithm, X-Amz-Credential or AWSAccessKeyId query
// parameter. Requests for which it is false are anonymous.
func IsSigned(r *http.Request) bool {
	if len(r.Header["Authorization"]) > 0 {
		return true
	}
	_, q := requestTarget(r)
	for i := 0; i < len(q); {
		j := i
		for j < len(q) && q[j] != '&' && q[j] != '=' {
			j++
		}
		switch q[i:j] {
		case "X-Amz-Algorithm", "X-Amz-Credential", "AWSAccessKeyId":
			return true
		}
		for j < len(q) && q[j] != '&' {
			j++
		}
		i = j + 1
	}
	return false
}

// requestTarget returns the escaped path and raw query the client sent:
// from r.RequestURI on the server side, else from r.URL.
func requestTarget(r *http.Request) (path, query string) {
	u := r.RequestURI
	if u == "" || u == "*" {
		if r.URL == nil {
			return "/", ""
		}
		return r.URL.EscapedPath(), r.URL.RawQuery
	}
	if u[0] != '/' {
		// absolute-form: scheme://authority/path?query
		if i := strings.Index(u, "://"); i >= 0 {
			rest := u[i+3:]
			j := strings.IndexAny(rest, "/?")
			if j < 0 {
				return "/", ""
			}
			u = rest[j:]
		}
	}
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i], u[i+1:]
	}
	return u, ""
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// queryAuth holds the raw (still escaped) authentication parameters of a
// query string.
type queryAuth struct {
	algorithm, credential, date, expires, signedHeaders, signature, token string
	has                                                                   uint8 // bit set of present parameters
	sigV2                                                                 bool
}

const (
	hasAlgorithm = 1 << iota
	hasCredential
	hasDate
	hasExpires
	hasSignedHeaders
	hasSignature
	hasAll = hasAlgorithm | hasCredential | hasDate | hasExpires | hasSignedHeaders | hasSignature
)

func (qa *queryAuth) scan(q string) {
	for i := 0; i < len(q); {
		j := i
		for j < len(q) && q[j] != '&' {
			j++
		}
		kv := q[i:j]
		i = j + 1
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "X-Amz-Algorithm":
			qa.algorithm, qa.has = v, qa.has|hasAlgorithm
		case "X-Amz-Credential":
			qa.credential, qa.has = v, qa.has|hasCredential
		case "X-Amz-Date":
			qa.date, qa.has = v, qa.has|hasDate
		case "X-Amz-Expires":
			qa.expires, qa.has = v, qa.has|hasExpires
		case "X-Amz-SignedHeaders":
			qa.signedHeaders, qa.has = v, qa.has|hasSignedHeaders
		case "X-Amz-Signature":
			qa.signature, qa.has = v, qa.has|hasSignature
		case "X-Amz-Security-Token":
			qa.token = v
		case "AWSAccessKeyId", "Signature":
			qa.sigV2 = true
		}
	}
}

// unescape decodes a query value, allocating only when it has escapes.
func unescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	u, err := url.QueryUnescape(s)
	if err != nil {
		return s
	}
	return u
}

// parsed is a request's authentication material, from either form.
type parsed struct {
	presigned     bool
	akid          string
	scope         string // DATE/REGION/SERVICE/aws4_request
	region        string
	service       string
	amzDate       string // the timestamp of the string to sign
	t             time.Time
	signedHeaders string
	signature     string
	token         string
	expires       time.Duration
}

// Verify authenticates r. It returns a Result for a valid signature or an
// anonymous request (AuthType None), and otherwise an *awsapi.Error:
//
//   - 400 InvalidRequest for Signature Version 2 and for an S3 request
//     without x-amz-content-sha256;
//   - 400 InvalidArgument for an unknown Authorization scheme, for both an
//     Authorization header and query authentication, and for a bad
//     x-amz-content-sha256 value; 501 NotImplemented for SigV4A;
//   - 400 AuthorizationHeaderMalformed / AuthorizationQueryParametersError
//     for a malformed header, credential, scope or presign parameter;
//   - 403 AccessDenied for a missing or invalid date, an expired or not yet
//     valid presigned URL, or x-amz-* headers that were not signed (S3);
//   - 403 RequestTimeTooSkewed, 403 InvalidAccessKeyId,
//     403 SignatureDoesNotMatch (with S3's diagnostic fields);
//   - 400 XAmzContentSHA256Mismatch for a request with no body whose
//     x-amz-content-sha256 is not the empty hash; 411 MissingContentLength
//     for an aws-chunked body without x-amz-decoded-content-length.
//
// On success the caller should replace r.Body with Result.Body. Verify
// reads the body itself only for non-S3 services that sign it without
// x-amz-content-sha256 (see Verifier.MaxBufferedBody).
func (v *Verifier) Verify(r *http.Request) (*Result, error) {
	path, query := requestTarget(r)
	var qa queryAuth
	if query != "" {
		qa.scan(query)
	}
	if auth := first(r.Header["Authorization"]); auth != "" {
		if qa.has&hasAlgorithm != 0 || qa.sigV2 {
			return nil, errTwoAuthMechanisms.With("ArgumentName", "Authorization").With("ArgumentValue", auth)
		}
		var p parsed
		if err := parseHeaderAuth(r, auth, &p); err != nil {
			return nil, v.serviceError(err, &p)
		}
		res, err := v.finish(r, &p, path, query)
		if err != nil {
			return nil, v.serviceError(err, &p)
		}
		return res, nil
	}
	if qa.has != 0 {
		var p parsed
		if err := v.parseQueryAuth(&qa, &p); err != nil {
			return nil, v.serviceError(err, &p)
		}
		res, err := v.finish(r, &p, path, query)
		if err != nil {
			return nil, v.serviceError(err, &p)
		}
		return res, nil
	}
	if qa.sigV2 {
		return nil, errSigV2
	}
	return v.anonymous(r)
}

// serviceError words err as the service of the credential scope does (see
// forService), once the scope has been parsed.
func (v *Verifier) serviceError(err error, p *parsed) error {
	if ae, ok := err.(*awsapi.Error); ok && p.service != "" {
		return forService(ae, p.service, v.now(), v.maxSkew())
	}
	return err
}

func (v *Verifier) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Verifier) maxSkew() time.Duration {
	if v.MaxSkew > 0 {
		return v.MaxSkew
	}
	return DefaultMaxSkew
}

// parseHeaderAuth parses an Authorization header and the request date.
func parseHeaderAuth(r *http.Request, auth string, p *parsed) error {
	rest, ok := strings.CutPrefix(auth, Algorithm)
	if !ok || rest != "" && rest[0] != ' ' {
		switch {
		case strings.HasPrefix(auth, "AWS "):
			return errSigV2
		case strings.HasPrefix(auth, "AWS4-ECDSA-P256-SHA256"):
			return errNotImplemented.With("Header", "Authorization")
		}
		return errUnsupportedAuthType.With("ArgumentName", "Authorization").With("ArgumentValue", auth)
	}
	var cred string
	for rest != "" {
		var part string
		part, rest, _ = strings.Cut(rest, ",")
		part = strings.Trim(part, " \t")
		switch {
		case strings.HasPrefix(part, "Credential="):
			cred = part[len("Credential="):]
		case strings.HasPrefix(part, "SignedHeaders="):
			p.signedHeaders = part[len("SignedHeaders="):]
		case strings.HasPrefix(part, "Signature="):
			p.signature = part[len("Signature="):]
		}
	}
	if cred == "" || p.signedHeaders == "" || p.signature == "" {
		return errHeaderMalformed
	}
	if err := parseCredential(cred, p); err != nil {
		return err
	}
	if d := first(r.Header["X-Amz-Date"]); d != "" {
		t, ok := parseAmzDate(d)
		if !ok {
			return errMissingDate
		}
		p.amzDate, p.t = d, t
	} else if d := first(r.Header["Date"]); d != "" {
		t, err := http.ParseTime(d)
		if err != nil {
			return errMissingDate
		}
		p.t = t.UTC()
		p.amzDate = p.t.Format(amzDateLayout)
	} else {
		return errMissingDate
	}
	if p.scope[:8] != p.amzDate[:8] {
		return badCredentialDate(false)
	}
	p.token = first(r.Header["X-Amz-Security-Token"])
	return nil
}

// parseQueryAuth parses the presign parameters of a query string.
func (v *Verifier) parseQueryAuth(qa *queryAuth, p *parsed) error {
	p.presigned = true
	if qa.has&hasAlgorithm != 0 && qa.algorithm != Algorithm {
		return errQueryParams.WithMessage(`X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"`)
	}
	if qa.has&hasAll != hasAll {
		return errQueryParams
	}
	d := unescape(qa.date)
	t, ok := parseAmzDate(d)
	if !ok {
		return errQueryParams.WithMessage(`X-Amz-Date must be in the ISO8601 Long Format "yyyyMMdd'T'HHmmss'Z'"`)
	}
	p.amzDate, p.t = d, t
	exp := unescape(qa.expires)
	n, err := strconv.ParseInt(exp, 10, 64)
	switch {
	case err != nil:
		return errQueryParams.WithMessage("X-Amz-Expires should be a number")
	case n < 0:
		return errQueryParams.WithMessage("X-Amz-Expires must be non-negative")
	case n > MaxPresignExpires:
		return errQueryParams.WithMessage("X-Amz-Expires must be less than a week (in seconds) that is; 604800")
	}
	p.expires = time.Duration(n) * time.Second
	if err := parseCredential(unescape(qa.credential), p); err != nil {
		return err
	}
	if p.scope[:8] != p.amzDate[:8] {
		return badCredentialDate(true)
	}
	p.signedHeaders = unescape(qa.signedHeaders)
	p.signature = unescape(qa.signature)
	p.token = unescape(qa.token)
	now := v.now()
	if t.Sub(now) > v.maxSkew() {
		return errNotYetValid
	}
	if at := t.Add(p.expires); now.After(at) {
		return expired(exp, at, now)
	}
	return nil
}

// parseCredential splits AKID/DATE/REGION/SERVICE/aws4_request.
func parseCredential(cred string, p *parsed) error {
	akid, scope, ok := strings.Cut(cred, "/")
	if !ok || akid == "" {
		return credentialMalformed(p.presigned)
	}
	date, rest, ok1 := strings.Cut(scope, "/")
	region, rest, ok2 := strings.Cut(rest, "/")
	service, term, ok3 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || !ok3 || region == "" || service == "" || !isDate(date) || strings.IndexByte(term, '/') >= 0 {
		return credentialMalformed(p.presigned)
	}
	p.akid, p.scope, p.region, p.service = akid, scope, region, service
	if term != "aws4_request" {
		return badTerminal(p.presigned, term)
	}
	return nil
}

func isDate(s string) bool {
	if len(s) != 8 {
		return false
	}
	for i := 0; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

const amzDateLayout = "20060102T150405Z"

// parseAmzDate parses YYYYMMDDTHHMMSSZ without allocating.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != 16 || s[8] != 'T' || s[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(a, b int) int {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, mo, d := num(0, 4), num(4, 6), num(6, 8)
	h, mi, se := num(9, 11), num(11, 13), num(13, 15)
	if y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, se, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // 31 February
	}
	return t, true
}

// payloadKind is what x-amz-content-sha256 promises about the body.
type payloadKind uint8

const (
	payloadUnsigned payloadKind = iota
	payloadHex
	payloadBuffered // not sent: the body is hashed by Verify (non-S3)
	payloadStreamSigned
	payloadStreamSignedTrailer
	payloadStreamUnsignedTrailer
)

// classify validates an x-amz-content-sha256 value.
// For a hex hash it also returns the decoded hash.
func classify(v string) (payloadKind, [32]byte, *awsapi.Error) {
	var sum [32]byte
	switch v {
	case UnsignedPayload:
		return payloadUnsigned, sum, nil
	case StreamingSignedPayload:
		return payloadStreamSigned, sum, nil
	case StreamingSignedPayloadTrailer:
		return payloadStreamSignedTrailer, sum, nil
	case StreamingUnsignedPayloadTrailer:
		return payloadStreamUnsignedTrailer, sum, nil
	case streamingECDSAPayload, streamingECDSAPayloadTrailer:
		return 0, sum, errNotImplemented.With("Header", "x-amz-content-sha256")
	case EmptyPayloadHash:
		return payloadHex, emptySum, nil
	}
	if sum, ok := decodeHexFold(v); ok {
		return payloadHex, sum, nil
	}
	return 0, sum, errBadContentSHA256.With("ArgumentName", "x-amz-content-sha256").With("ArgumentValue", v)
}

// decodeHexFold decodes 64 hex digits of either case.
func decodeHexFold(s string) (out [32]byte, ok bool) {
	if len(s) != 64 {
		return out, false
	}
	for i := 0; i < 32; i++ {
		h, ok1 := unhex(s[2*i])
		l, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return out, false
		}
		out[i] = h<<4 | l
	}
	return out, true
}

// signedHas reports whether the ';'-separated list holds name (ASCII
// case-insensitively).
func signedHas(list, name string) bool {
	for i := 0; i < len(list); {
		j := i
		for j < len(list) && list[j] != ';' {
			j++
		}
		if j-i == len(name) && equalFoldASCII(list[i:j], name) {
			return true
		}
		i = j + 1
	}
	return false
}

func isAmzHeader(k string) bool {
	return len(k) > 6 && k[0]|0x20 == 'x' && k[1] == '-' && equalFoldASCII(k[2:6], "amz-")
}

// countAmzHeaders counts the x-amz-* keys of h.
func countAmzHeaders(h http.Header) int {
	n := 0
	for k := range h {
		if isAmzHeader(k) {
			n++
		}
	}
	return n
}

// unsignedAmzHeaders returns the x-amz-* headers of h (lower case), and
// "host", that the signed list lacks; nil when nothing is missing.
func unsignedAmzHeaders(h http.Header, signed string) []string {
	var missing []string
	for k := range h {
		if !isAmzHeader(k) {
			continue
		}
		if !signedHas(signed, k) {
			missing = append(missing, strings.ToLower(k))
		}
	}
	if !signedHas(signed, "host") {
		missing = append(missing, "host")
	}
	return missing
}

// finish runs the checks both forms share and verifies the signature.
func (v *Verifier) finish(r *http.Request, p *parsed, path, query string) (*Result, error) {
	if !p.presigned {
		now := v.now()
		if d := now.Sub(p.t); d > v.maxSkew() || d < -v.maxSkew() {
			return nil, tooSkewed(p.amzDate, now, v.maxSkew())
		}
	}
	secret, ok := v.Creds.SecretKey(p.akid)
	if !ok {
		return nil, invalidAccessKey(p.akid)
	}
	isS3 := p.service == "s3"
	csha := first(r.Header["X-Amz-Content-Sha256"])
	kind := payloadUnsigned
	payloadHash := UnsignedPayload
	var want [32]byte // the hex payload hash, decoded
	useHeader := csha != "" && (!p.presigned || signedHas(p.signedHeaders, "x-amz-content-sha256"))
	switch {
	case useHeader:
		k, sum, err := classify(csha)
		if err != nil {
			return nil, err
		}
		kind, payloadHash, want = k, csha, sum
	case isS3 && !p.presigned:
		return nil, errMissingContentSHA256
	case isS3:
		// presigned S3: UNSIGNED-PAYLOAD
	default:
		kind = payloadBuffered
	}
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	var buffered []byte
	if kind == payloadBuffered {
		var err error
		if buffered, err = v.readBody(body); err != nil {
			return nil, err
		}
		h := sha256.Sum256(buffered)
		payloadHash = string(appendHex(make([]byte, 0, 64), h[:]))
	}

	key := signingKey(secret, p.scope[:8], p.region, p.service)
	var sig [32]byte
	{
		s := getScratch()
		c := canonRequest{
			method:           r.Method,
			path:             path,
			query:            query,
			presigned:        p.presigned,
			pathMode:         v.PathMode.resolve(p.service),
			signed:           p.signedHeaders,
			header:           r.Header,
			host:             r.Host,
			contentLength:    r.ContentLength,
			transferEncoding: r.TransferEncoding,
			payloadHash:      payloadHash,
		}
		if c.host == "" && r.URL != nil {
			c.host = r.URL.Host
		}
		s.canon = s.appendCanonicalRequest(s.canon[:0], &c)
		if isS3 && !(s.hostSigned && s.signedSorted && s.amzSigned == countAmzHeaders(r.Header)) {
			if missing := unsignedAmzHeaders(r.Header, p.signedHeaders); missing != nil {
				putScratch(s)
				return nil, errNotSigned.With("HeadersNotSigned", strings.Join(missing, ", "))
			}
		}
		sig = s.sign(&key, p.amzDate, p.scope)
		provided, ok := decodeSignature(p.signature)
		if !ok || subtle.ConstantTimeCompare(sig[:], provided[:]) != 1 {
			err := signatureMismatch(p.akid, s.stringToSignText(), p.signature, string(s.canon))
			putScratch(s)
			return nil, err
		}
		putScratch(s)
	}

	res := &Result{
		AuthType:      Header,
		AccessKeyID:   p.akid,
		SecurityToken: p.token,
		Region:        p.region,
		Service:       p.service,
		Date:          p.t,
		Expires:       p.expires,
		SignedHeaders: p.signedHeaders,
		Signature:     p.signature,
		ContentSHA256: csha,
		Body:          body,
		DecodedLength: r.ContentLength,
	}
	if p.presigned {
		res.AuthType = Query
	}
	if err := res.setBody(r, kind, csha, want, buffered); err != nil {
		return nil, err
	}
	if res.chunks != nil {
		res.chunks.setSigning(key, p.amzDate, p.scope, sig)
	}
	return res, nil
}

// setBody installs the Body that delivers and checks the payload.
func (res *Result) setBody(r *http.Request, kind payloadKind, csha string, want [32]byte, buffered []byte) error {
	switch kind {
	case payloadUnsigned:
	case payloadBuffered:
		res.Body = &bufferedBody{Reader: bytes.NewReader(buffered), src: res.Body}
		res.DecodedLength = int64(len(buffered))
	case payloadHex:
		if r.ContentLength == 0 && (r.Body == nil || r.Body == http.NoBody) {
			if want != emptySum {
				return contentMismatch(csha, emptySum)
			}
			return nil
		}
		res.Body = newHashReader(res.Body, want, csha)
	default:
		dl := first(r.Header["X-Amz-Decoded-Content-Length"])
		if dl == "" {
			return errMissingDecodedLength
		}
		n, err := strconv.ParseInt(dl, 10, 64)
		if err != nil || n < 0 {
			return errBadDecodedLength.With("ArgumentName", "x-amz-decoded-content-length").With("ArgumentValue", dl)
		}
		mode := chunkSigned
		switch kind {
		case payloadStreamSignedTrailer:
			mode = chunkSignedTrailer
		case payloadStreamUnsignedTrailer:
			mode = chunkUnsignedTrailer
		}
		cr := newChunkReader(res.Body, mode, n, headerValues(r.Header, "x-amz-trailer"))
		res.chunks = cr
		res.Body = cr
		res.DecodedLength = n
	}
	return nil
}

// anonymous builds the Result of an unsigned request. An
// x-amz-content-sha256 it carries is still honoured for the payload
// (a hex hash is checked, STREAMING-UNSIGNED-PAYLOAD-TRAILER is decoded);
// the signed streaming forms need a signature and are refused.
func (v *Verifier) anonymous(r *http.Request) (*Result, error) {
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	res := &Result{Body: body, DecodedLength: r.ContentLength}
	csha := first(r.Header["X-Amz-Content-Sha256"])
	if csha == "" {
		return res, nil
	}
	res.ContentSHA256 = csha
	kind, want, err := classify(csha)
	if err != nil {
		return nil, err
	}
	if kind == payloadStreamSigned || kind == payloadStreamSignedTrailer {
		return nil, awsapi.ErrAccessDenied
	}
	if err := res.setBody(r, kind, csha, want, nil); err != nil {
		return nil, err
	}
	return res, nil
}

func (v *Verifier) readBody(body io.Reader) ([]byte, error) {
	limit := v.MaxBufferedBody
	if limit <= 0 {
		limit = DefaultMaxBufferedBody
	}
	b, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		if err == io.ErrUnexpectedEOF {
			return nil, ErrIncompleteBody
		}
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errBodyTooLarge
	}
	return b, nil
}

// bufferedBody serves a body Verify already read, and closes the original.
type bufferedBody struct {
	*bytes.Reader
	src io.Closer
}

func (b *bufferedBody) Close() error { return b.src.Close() }
