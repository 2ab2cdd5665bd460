package s3

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/kms"
	"github.com/edgegate/edgegate/internal/sse"
	"github.com/edgegate/edgegate/internal/store"
	"github.com/edgegate/edgegate/internal/traces"
)

// Encryption at rest.
//
// Every object and part blob is written in internal/sse's chunked
// AES-256-GCM format, with a data key of its own sealed by the object's
// KeySealer: Config.SSES3 for SSE-S3 (AES256, the default), Config.KMS for
// SSE-KMS (aws:kms, aws:kms:dsse). The object records how it is encrypted
// in Object.Attrs[attrSSE] (objectSSE); a multipart upload records it in
// its template, so that every part is sealed alike and the completed
// object inherits it.
//
// Sizes: store.Segment.Size, store.Part.Size and Object.Size are plaintext
// sizes, the blob files are longer (sse's header and a 16-byte tag per
// 64 KiB chunk). Reads go through decryptingBlobs, a store.Blobs whose
// blobs present their plaintext, so store.OpenObject's contract (segment
// sizes add up to Size) holds unchanged and ranges, parts and multi-part
// objects work as before. An encrypted blob is never a FileBlob: GET
// streams decrypted chunks instead of using sendfile.
//
// Objects written before encryption at rest have no attrSSE: they are read
// as they are (plaintext blobs). Copying such an object onto itself
// rewrites it encrypted.
//
// The encryption context that a data key is sealed with is
// {"aws:s3:arn": object ARN} (the bucket ARN for SSE-KMS with an S3 Bucket
// Key, as S3 uses it) plus, for SSE-KMS, the context the client sent in
// x-amz-server-side-encryption-context. A blob moved under another key in
// the metadata therefore fails to unseal.

// attrSSE is the Object.Attrs (and upload template) entry that records the
// object's encryption: "AES256" for SSE-S3, else the JSON of objectSSE.
const attrSSE = "sse"

// SSE algorithms, as x-amz-server-side-encryption names them.
const (
	sseKMS     = "aws:kms"
	sseKMSDSSE = "aws:kms:dsse"
)

// defaultKMSKey is the key SSE-KMS uses when neither the request nor the
// bucket's default encryption names one: the account's AWS managed key
// for S3.
const defaultKMSKey = "alias/aws/s3"

// objectSSE is how an object is encrypted.
type objectSSE struct {
	// Algorithm is "AES256", "aws:kms" or "aws:kms:dsse".
	Algorithm string `json:"alg"`
	// KMSKeyID is, for SSE-KMS, the key: as requested (id, ARN or alias)
	// until the first data key is sealed, then the key's ARN as the sealer
	// reported it (x-amz-server-side-encryption-aws-kms-key-id).
	KMSKeyID string `json:"key,omitempty"`
	// BucketKey: SSE-KMS with an S3 Bucket Key.
	BucketKey bool `json:"bk,omitempty"`
	// Context is the encryption context the client asked for (SSE-KMS),
	// without aws:s3:arn.
	Context map[string]string `json:"ctx,omitempty"`
}

// sseS3 is the (shared, read-only) encryption of SSE-S3 objects.
var sseS3 = &objectSSE{Algorithm: sseAES256}

func (e *objectSSE) isKMS() bool { return e.Algorithm == sseKMS || e.Algorithm == sseKMSDSSE }

// encode returns the attribute value recording e.
func (e *objectSSE) encode() []byte {
	if e.Algorithm == sseAES256 {
		return []byte(sseAES256)
	}
	b, _ := json.Marshal(e) // strings and a map of strings: cannot fail
	return b
}

// objectEncryption returns how obj (an object or an upload template) is
// encrypted: nil for an object written before encryption at rest. The
// result is shared: read-only (copy it to change it).
func objectEncryption(attrs map[string][]byte) (*objectSSE, error) {
	v, ok := attrs[attrSSE]
	if !ok {
		return nil, nil
	}
	if string(v) == sseAES256 {
		return sseS3, nil
	}
	if e := sseRecords.get(v); e != nil {
		return e, nil
	}
	e := new(objectSSE)
	if err := json.Unmarshal(v, e); err != nil || (e.Algorithm != sseAES256 && !e.isKMS()) {
		return nil, fmt.Errorf("%w: object encryption record %q", store.ErrCorrupt, v)
	}
	sseRecords.put(v, e)
	return e, nil
}

// sseRecords keeps decoded SSE-KMS records by their bytes: objects share a
// few (one per key, Bucket Key setting and client context), and decoding
// JSON on every GET and HEAD would cost more than the rest of the
// encryption's bookkeeping. Bounded: it starts over when full.
var sseRecords = recordCache{max: 1024}

type recordCache struct {
	mu  sync.RWMutex
	m   map[string]*objectSSE
	max int
}

func (c *recordCache) get(b []byte) *objectSSE {
	c.mu.RLock()
	e := c.m[string(b)]
	c.mu.RUnlock()
	return e
}

func (c *recordCache) put(b []byte, e *objectSSE) {
	c.mu.Lock()
	if c.m == nil || len(c.m) >= c.max {
		c.m = make(map[string]*objectSSE)
	}
	c.m[string(b)] = e
	c.mu.Unlock()
}

// equal reports whether two encryptions are the same (a nil one, an
// object stored in plaintext, equals none).
func (e *objectSSE) equal(o *objectSSE) bool {
	if e == nil || o == nil {
		return e == o
	}
	return e.Algorithm == o.Algorithm && e.KMSKeyID == o.KMSKeyID && e.BucketKey == o.BucketKey && maps.Equal(e.Context, o.Context)
}

// encryptionContext returns the context e's data keys for bucket/key are
// sealed with.
func (e *objectSSE) encryptionContext(bucket, key string) map[string]string {
	arn := awsapi.S3ObjectARN(bucket, key)
	if e.isKMS() && e.BucketKey {
		arn = awsapi.S3BucketARN(bucket)
	}
	ec := make(map[string]string, len(e.Context)+1)
	maps.Copy(ec, e.Context)
	ec["aws:s3:arn"] = arn
	return ec
}

// setHeaders writes the x-amz-server-side-encryption* response headers
// for an object encrypted with e (a plaintext object from before
// encryption at rest answers AES256, as it always did).
func (e *objectSSE) setHeaders(h http.Header) {
	if e == nil || e.Algorithm == sseAES256 {
		h["X-Amz-Server-Side-Encryption"] = []string{sseAES256}
		return
	}
	h["X-Amz-Server-Side-Encryption"] = []string{e.Algorithm}
	h["X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"] = []string{e.KMSKeyID}
	if e.BucketKey {
		h["X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"] = []string{"true"}
	}
}

// sealerFor returns the KeySealer of e's algorithm.
func (s *Service) sealerFor(e *objectSSE) (sse.KeySealer, error) {
	if e.isKMS() {
		if s.kms == nil {
			return nil, errors.New("s3: an SSE-KMS object, but no KMS sealer is configured")
		}
		return s.kms, nil
	}
	return s.sseS3, nil
}

// SSE-C's request headers: edgegate does not implement customer-provided
// keys.
var sseCustomerHeaders = []string{
	"X-Amz-Server-Side-Encryption-Customer-Algorithm",
	"X-Amz-Server-Side-Encryption-Customer-Key",
	"X-Amz-Server-Side-Encryption-Customer-Key-Md5",
	"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Algorithm",
	"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key",
	"X-Amz-Copy-Source-Server-Side-Encryption-Customer-Key-Md5",
}

func errSSEKMSArgument(header string) error {
	return errInvalidArgument.WithMessage("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms").
		With("ArgumentName", header)
}

// writeEncryption resolves the encryption of an object write (PutObject,
// CopyObject, CreateMultipartUpload) from its x-amz-server-side-encryption*
// headers and the bucket's default encryption:
//
//   - no x-amz-server-side-encryption: the bucket default (SSE-S3 unless
//     PutBucketEncryption said otherwise);
//   - AES256: SSE-S3;
//   - aws:kms or aws:kms:dsse: SSE-KMS with the key of
//     x-amz-server-side-encryption-aws-kms-key-id, else the bucket
//     default's key when it is SSE-KMS, else alias/aws/s3; the S3 Bucket
//     Key from x-amz-server-side-encryption-bucket-key-enabled, else the
//     bucket's BucketKeyEnabled; the context of
//     x-amz-server-side-encryption-context (base64 JSON of strings).
//
// A KMS key id or context without aws:kms, or any other algorithm, is
// InvalidArgument; SSE-C is NotImplemented, and so is SSE-KMS while no
// KMS sealer is configured (Config.KMS).
func (s *Service) writeEncryption(h http.Header, bkt *store.Bucket) (*objectSSE, error) {
	for _, name := range sseCustomerHeaders {
		if _, ok := h[name]; ok {
			return nil, errNotImplemented.WithMessage("edgegate does not implement server-side encryption with customer-provided keys (SSE-C)").
				With("Header", strings.ToLower(name))
		}
	}
	def := bucketEncryption(bkt)
	bucketKey := def.BucketKeyEnabled
	if v, ok := h["X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"]; ok {
		switch strings.ToLower(strings.TrimSpace(v[0])) {
		case "true":
			bucketKey = true
		case "false":
			bucketKey = false
		default:
			return nil, errInvalidArgument.WithMessage("Invalid value for x-amz-server-side-encryption-bucket-key-enabled").
				With("ArgumentName", "x-amz-server-side-encryption-bucket-key-enabled").With("ArgumentValue", v[0])
		}
	}
	keyHeader, hasKey := h["X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"]
	ctxHeader, hasCtx := h["X-Amz-Server-Side-Encryption-Context"]
	algo := def.Algorithm
	v, explicit := h["X-Amz-Server-Side-Encryption"]
	if explicit {
		algo = v[0]
	}
	switch algo {
	case sseAES256:
		switch {
		case hasKey:
			return nil, errSSEKMSArgument("x-amz-server-side-encryption-aws-kms-key-id")
		case hasCtx:
			return nil, errSSEKMSArgument("x-amz-server-side-encryption-context")
		}
		return sseS3, nil
	case sseKMS, sseKMSDSSE:
		if (hasKey || hasCtx) && !explicit {
			// S3 wants the algorithm stated with a key or context, even
			// when the bucket default is SSE-KMS.
			if hasKey {
				return nil, errSSEKMSArgument("x-amz-server-side-encryption-aws-kms-key-id")
			}
			return nil, errSSEKMSArgument("x-amz-server-side-encryption-context")
		}
		e := &objectSSE{Algorithm: algo, KMSKeyID: defaultKMSKey, BucketKey: bucketKey}
		if def.Algorithm == sseKMS || def.Algorithm == sseKMSDSSE {
			if def.KMSMasterKeyID != "" {
				e.KMSKeyID = def.KMSMasterKeyID
			}
		}
		if hasKey {
			if k := strings.TrimSpace(keyHeader[0]); k != "" {
				e.KMSKeyID = k
			}
		}
		if hasCtx {
			ec, err := parseEncryptionContext(ctxHeader[0])
			if err != nil {
				return nil, err
			}
			e.Context = ec
		}
		if s.kms == nil {
			return nil, errNotImplemented.WithMessage("edgegate does not implement SSE-KMS yet: no KMS service is configured, so objects can be encrypted with SSE-S3 (AES256) only").
				With("Header", "x-amz-server-side-encryption")
		}
		return e, nil
	}
	if !explicit { // a stored default we cannot apply: a bug or corruption
		return nil, fmt.Errorf("%w: bucket default encryption %q", store.ErrCorrupt, algo)
	}
	return nil, errInvalidArgument.WithMessage("The encryption method specified is not supported").
		With("ArgumentName", "x-amz-server-side-encryption").With("ArgumentValue", v[0])
}

// parseEncryptionContext decodes x-amz-server-side-encryption-context:
// base64 of a JSON object of strings.
func parseEncryptionContext(v string) (map[string]string, error) {
	bad := errInvalidArgument.WithMessage("The header 'x-amz-server-side-encryption-context' shall be Base64-encoded UTF-8 string holding JSON which represents a string-string map").
		With("ArgumentName", "x-amz-server-side-encryption-context").With("ArgumentValue", v)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	if err != nil || !utf8.Valid(raw) {
		return nil, bad
	}
	var ec map[string]string
	if err := json.Unmarshal(raw, &ec); err != nil || ec == nil {
		return nil, bad
	}
	delete(ec, "aws:s3:arn") // S3's own entry
	if len(ec) == 0 {
		return nil, nil
	}
	return ec, nil
}

// checkReadSSEHeaders refuses x-amz-server-side-encryption on GET and
// HEAD: S3 answers 400 to encryption request headers on reads of SSE-S3
// and SSE-KMS objects (the keys are S3's to choose).
func checkReadSSEHeaders(h http.Header) error {
	for _, name := range [...]string{"X-Amz-Server-Side-Encryption", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"} {
		if _, ok := h[name]; ok {
			return errInvalidArgument.WithMessage(strings.ToLower(name)+" header is not supported for this operation.").
				With("ArgumentName", strings.ToLower(name))
		}
	}
	for _, name := range sseCustomerHeaders[:3] {
		if _, ok := h[name]; ok {
			return errInvalidRequest.WithMessage("The encryption parameters are not applicable to this object.")
		}
	}
	return nil
}

// errKMSNeedsSigV4 is S3's answer to an anonymous (or SigV2) read of an
// SSE-KMS object (spec §3.1). Status, code and the ArgumentName /
// ArgumentValue fields are as widely reported, UNCONFIRMED from a primary
// source.
var errKMSNeedsSigV4 = errInvalidArgument.
	WithMessage("Requests specifying Server Side Encryption with AWS KMS managed keys require AWS Signature Version 4.").
	With("ArgumentName", "Authorization").With("ArgumentValue", "null")

// checkKMSSigV4 refuses a read of an SSE-KMS object by a request that is
// not signed with SigV4: edgegate verifies SigV4 only, so that is an
// anonymous request (judged by the principal, not by call.Auth, so that
// requests made in-process for an authenticated caller, such as an OAC
// origin request, pass). S3 authorizes first (spec §3.1: order
// UNCONFIRMED), so the caller runs this after authorization.
func checkKMSSigV4(q *request, obj *store.Object) error {
	if !q.call.Principal.IsAnonymous() || obj == nil {
		return nil
	}
	if enc, err := objectEncryption(obj.Attrs); err == nil && enc != nil && enc.isKMS() {
		q.notes = append(q.notes, "s3://"+obj.Bucket+"/"+obj.Key+" is encrypted with SSE-KMS, which only SigV4-signed requests may read; this request is anonymous")
		return errKMSNeedsSigV4
	}
	return nil
}

// bucketOwner returns the account owning the addressed bucket ("" if none
// is loaded).
func (q *request) bucketOwner() string {
	if q.bkt != nil {
		return q.bkt.Owner
	}
	return ""
}

// blobSeal is what encrypting one new blob takes: a fresh data key and
// the header carrying it sealed.
type blobSeal struct {
	key []byte
	hdr sse.Header
}

// newBlobSeal seals a fresh data key for a blob of bucket/key encrypted
// with e, as q's principal. For SSE-KMS it records in e (which must be the
// caller's own, not a shared record from objectEncryption) the ARN of the
// key the sealer used.
func (s *Service) newBlobSeal(ctx context.Context, q *request, e *objectSSE, bucket, key string) (*blobSeal, error) {
	sealer, err := s.sealerFor(e)
	if err != nil {
		return nil, err
	}
	if e.isKMS() && q.call.Principal.IsAnonymous() {
		// An anonymous write S3 allowed, encrypted with SSE-KMS (asked for,
		// or the bucket default): S3 wants SigV4 as for reads (spec §3.1).
		q.notes = append(q.notes, "s3://"+bucket+"/"+key+" would be encrypted with SSE-KMS, which only SigV4-signed requests may use; this request is anonymous")
		return nil, errKMSNeedsSigV4
	}
	req := sse.SealRequest{
		Principal: q.call.Principal, Conditions: q.call.Context,
		EncryptionContext: e.encryptionContext(bucket, key), BucketKey: e.BucketKey,
		BucketOwner: q.bucketOwner(),
	}
	if e.isKMS() {
		req.KeyID = e.KMSKeyID
	}
	dk, sealed, keyID, err := sealer.Seal(ctx, req)
	if err != nil {
		return nil, s.keyError(q, err)
	}
	if e.isKMS() {
		e.KMSKeyID = keyID
	}
	return &blobSeal{key: dk, hdr: sse.Header{KeyID: keyID, SealedKey: sealed}}, nil
}

// keyError maps a KeySealer's error: an S3 error passes through (a KMS
// error S3 relays, "KMS.…", is noted for explain); a denial is 403
// AccessDenied, its KMS decision and trace kept in the request's record
// for explain (spec §3.3); an unknown key is 400 KMS.NotFoundException
// (UNCONFIRMED: the code S3 relays); the rest (ErrTampered, I/O) are
// internal errors.
func (s *Service) keyError(q *request, err error) error {
	var ae *awsapi.Error
	if errors.As(err, &ae) {
		if strings.HasPrefix(ae.Code, "KMS.") {
			q.notes = append(q.notes, "KMS answered "+ae.Code+": "+ae.Message)
		}
		return ae
	}
	var de *sse.AccessError
	if errors.As(err, &de) {
		q.notes = append(q.notes, de.Action+" on "+de.KeyARN+" was denied: "+de.Reason)
		q.kms = &traces.KMSCheck{KeyARN: de.KeyARN, Action: de.Action, Reason: de.Reason}
		var kd *kms.AccessDeniedError
		if errors.As(de, &kd) {
			q.kms.Decision, q.kms.Trace = kd.Decision, kd.Trace
		}
		if s.reasonHeader {
			return errAccessDenied.WithHeader("X-Edgegate-Denial-Reason", "KMS:"+string(q.kms.Decision.Reason))
		}
		return errAccessDenied
	}
	if errors.Is(err, sse.ErrNoSuchKey) {
		return errKMSNotFound
	}
	return err
}

// errKMSNotFound is S3's relay of KMS's NotFoundException (a KMS sealer
// that wants KMS's exact message returns an *awsapi.Error instead).
var errKMSNotFound = awsapi.New(http.StatusBadRequest, "KMS.NotFoundException", "Invalid keyId")

// decryptingBlobs is a store.Blobs whose Open returns a blob's plaintext
// (decrypted as it is read), for the objects encrypted with enc. It is
// built per read: Unseal runs as the request's principal.
type decryptingBlobs struct {
	store.Blobs
	s   *Service
	q   *request
	obj *store.Object
	enc *objectSSE
	ec  map[string]string

	mu    sync.Mutex // guards ec, sizes (ReadAt may run concurrently)
	sizes map[string]int64
}

// openObject opens obj's plaintext: through decryptingBlobs for an
// encrypted object, as stored for one written before encryption at rest.
// Errors are store.OpenObject's, the object's sealer's (mapped by
// keyError), sse.ErrTampered and sse.ErrFormat.
func (s *Service) openObject(ctx context.Context, q *request, obj *store.Object) (*store.ObjectReader, error) {
	enc, err := objectEncryption(obj.Attrs)
	if err != nil || enc == nil {
		if err != nil {
			return nil, err
		}
		return store.OpenObject(ctx, s.blobs, obj)
	}
	db := &decryptingBlobs{Blobs: s.blobs, s: s, q: q, obj: obj, enc: enc}
	rd, err := store.OpenObject(ctx, db, obj)
	if err != nil {
		return nil, s.keyError(q, err)
	}
	return rd, nil
}

// Open opens the blob and its decrypting reader. The plaintext must be as
// long as the object's segment says.
func (d *decryptingBlobs) Open(ctx context.Context, id string) (store.Blob, error) {
	b, err := d.Blobs.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	r, err := d.s.openSealed(ctx, d.q, b, d.enc, d.context())
	if err != nil {
		b.Close()
		return nil, err
	}
	if want, ok := d.segmentSize(id); ok && want != r.Size() {
		r.Close()
		b.Close()
		return nil, fmt.Errorf("%w: blob %s holds %d bytes of plaintext, its segment %d", store.ErrCorrupt, id, r.Size(), want)
	}
	return &plainBlob{r: r, b: b}, nil
}

// segmentSize returns the size of the object's segment held by blob id.
// Segments are opened one at a time, in order, so a map is built only for
// objects of many parts.
func (d *decryptingBlobs) segmentSize(id string) (int64, bool) {
	segs := d.obj.Segments
	if len(segs) <= 16 {
		for _, seg := range segs {
			if seg.BlobID == id {
				return seg.Size, true
			}
		}
		return 0, false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.sizes == nil {
		d.sizes = make(map[string]int64, len(segs))
		for _, seg := range segs {
			d.sizes[seg.BlobID] = seg.Size
		}
	}
	n, ok := d.sizes[id]
	return n, ok
}

func (d *decryptingBlobs) context() map[string]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ec == nil {
		d.ec = d.enc.encryptionContext(d.obj.Bucket, d.obj.Key)
	}
	return d.ec
}

// openSealed opens an encrypted blob b of an object encrypted with enc,
// unsealing its data key as q's principal with the context ec.
func (s *Service) openSealed(ctx context.Context, q *request, b store.Blob, enc *objectSSE, ec map[string]string) (*sse.Reader, error) {
	size, err := b.Size()
	if err != nil {
		return nil, err
	}
	sealer, err := s.sealerFor(enc)
	if err != nil {
		return nil, err
	}
	return sse.OpenReader(b, size, func(h sse.Header) ([]byte, error) {
		return sealer.Unseal(ctx, h.SealedKey, h.KeyID, sse.UnsealRequest{
			Principal: q.call.Principal, Conditions: q.call.Context, EncryptionContext: ec,
			BucketOwner: q.bucketOwner(),
		})
	})
}

// plainBlob is an encrypted blob seen as its plaintext. It is not a
// store.FileBlob: its file holds ciphertext.
type plainBlob struct {
	r *sse.Reader
	b store.Blob
}

func (p *plainBlob) ReadAt(b []byte, off int64) (int, error) { return p.r.ReadAt(b, off) }
func (p *plainBlob) Size() (int64, error)                    { return p.r.Size(), nil }
func (p *plainBlob) Close() error {
	p.r.Close()
	return p.b.Close()
}

// errShortCopy: a copy source ended before its declared size.
var errShortCopy = errors.New("s3: copy source ended early")

// copiedBlob is a blob written from another object's bytes.
type copiedBlob struct {
	id       string
	md5      string // hex MD5 of the plaintext
	checksum string // the algorithm's checksum, base64
}

// copyToBlob writes exactly n bytes of src into a new blob encrypted with
// seal, hashing them with MD5 and algo, and commits it (CopyObject and
// UploadPartCopy: objects never share blobs). Errors are src's read errors
// (unmapped, for the caller), errShortCopy, or the blob store's.
func (s *Service) copyToBlob(ctx context.Context, seal *blobSeal, src io.Reader, n int64, algo *checksumAlgo) (copiedBlob, error) {
	bw, err := s.blobs.Create(ctx)
	if err != nil {
		return copiedBlob{}, err
	}
	defer bw.Abort()
	ew := sse.NewWriter(bw, seal.key, seal.hdr)
	md, ck := md5.New(), algo.New()
	copied, err := copyHashing(ew, src, n, md, ck)
	if err != nil {
		return copiedBlob{}, err
	}
	if copied != n {
		return copiedBlob{}, errShortCopy
	}
	if err := ctx.Err(); err != nil {
		return copiedBlob{}, err
	}
	if err := ew.Close(); err != nil {
		return copiedBlob{}, err
	}
	id, err := bw.Commit()
	if err != nil {
		return copiedBlob{}, err
	}
	return copiedBlob{id: id, md5: hex.EncodeToString(md.Sum(nil)), checksum: checksumString(ck)}, nil
}
