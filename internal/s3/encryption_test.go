package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/sse"
	"github.com/edgegate/edgegate/internal/store"
	"github.com/edgegate/edgegate/internal/store/boltmeta"
	"github.com/edgegate/edgegate/internal/store/fsblob"
)

const kmsAcct = "000000000000"

// fakeKMS is a KeySealer standing in for the KMS service, to exercise
// Config.KMS: it resolves aliases to ARNs, seals with an SSE-S3 sealer's
// crypto, records the contexts it saw, counts calls, and can deny.
type fakeKMS struct {
	inner          *sse.S3Sealer
	mu             sync.Mutex
	deny           string // "kms:GenerateDataKey" or "kms:Decrypt" to deny it
	quiet          bool   // record no contexts (benchmarks)
	seals, unseals int
	ctxs           []map[string]string
	principals     []identity.Principal
}

func newFakeKMS(t testing.TB) *fakeKMS {
	key := make([]byte, 32)
	rand.Read(key)
	s, err := sse.NewS3Sealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeKMS{inner: s}
}

func kmsARN(id string) string { return "arn:aws:kms:us-east-1:" + kmsAcct + ":key/" + id }

func (f *fakeKMS) resolve(id string) (string, bool) {
	switch id {
	case "alias/aws/s3":
		return kmsARN("aws-s3"), true
	case "alias/mine", "mine", kmsARN("mine"):
		return kmsARN("mine"), true
	case kmsARN("aws-s3"):
		return id, true
	}
	return "", false
}

func (f *fakeKMS) Seal(ctx context.Context, req sse.SealRequest) ([]byte, []byte, string, error) {
	f.mu.Lock()
	f.seals++
	if !f.quiet {
		f.ctxs = append(f.ctxs, maps.Clone(req.EncryptionContext))
		f.principals = append(f.principals, req.Principal)
	}
	deny := f.deny
	f.mu.Unlock()
	arn, ok := f.resolve(req.KeyID)
	if !ok {
		return nil, nil, "", errors.Join(sse.ErrNoSuchKey, errors.New(req.KeyID))
	}
	if deny == "kms:GenerateDataKey" {
		return nil, nil, "", &sse.AccessError{KeyARN: arn, Action: deny, Reason: "no key policy statement allows it"}
	}
	dk, sealed, _, err := f.inner.Seal(ctx, sse.SealRequest{EncryptionContext: req.EncryptionContext})
	return dk, sealed, arn, err
}

func (f *fakeKMS) Unseal(ctx context.Context, sealed []byte, keyID string, req sse.UnsealRequest) ([]byte, error) {
	f.mu.Lock()
	f.unseals++
	if !f.quiet {
		f.ctxs = append(f.ctxs, maps.Clone(req.EncryptionContext))
	}
	deny := f.deny
	f.mu.Unlock()
	if _, ok := f.resolve(keyID); !ok || !strings.HasPrefix(keyID, "arn:") {
		return nil, sse.ErrNoSuchKey
	}
	if deny == "kms:Decrypt" {
		return nil, &sse.AccessError{KeyARN: keyID, Action: deny, Reason: "no key policy statement allows it"}
	}
	return f.inner.Unseal(ctx, sealed, sse.S3KeyID, req)
}

func (f *fakeKMS) counts() (int, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seals, f.unseals
}

type testOwners struct{}

func (testOwners) Owner(id string) (string, string, bool) { return "cid-" + id, "name-" + id, true }
func (testOwners) AccountByCanonicalID(cid string) (string, string, bool) {
	return strings.TrimPrefix(cid, "cid-"), "name", strings.HasPrefix(cid, "cid-")
}
func (testOwners) AccountByEmail(string) (string, string, string, bool) { return "", "", "", false }

// sseEnv is a Service over real stores in a temp directory, driven
// through ServeS3 as the account's root user.
type sseEnv struct {
	t   testing.TB
	s   *Service
	dir string
	kms *fakeKMS
}

func newSSEEnv(t testing.TB, withKMS bool) *sseEnv {
	t.Helper()
	dir := t.TempDir()
	meta, err := boltmeta.Open(filepath.Join(dir, "meta.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	blobs, err := fsblob.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close(); meta.Close() })
	sealer, err := sse.OpenS3Sealer(filepath.Join(dir, "sse", "s3-master.key"))
	if err != nil {
		t.Fatal(err)
	}
	e := &sseEnv{t: t, dir: dir}
	cfg := Config{Meta: meta, Blobs: blobs, Owners: testOwners{}, SSES3: sealer}
	if withKMS {
		e.kms = newFakeKMS(t)
		cfg.KMS = e.kms
	}
	e.s = New(cfg)
	return e
}

var reqSeq int

func (e *sseEnv) do(method, target string, body []byte, h map[string]string) *httptest.ResponseRecorder {
	e.t.Helper()
	r := httptest.NewRequest(method, "http://localhost"+target, bytes.NewReader(body))
	for k, v := range h {
		r.Header.Set(k, v)
	}
	reqSeq++
	c := &reqctx.Call{RequestID: "req" + strconv.Itoa(reqSeq), Principal: identity.Principal{
		Type: identity.Root, Account: kmsAcct, ARN: "arn:aws:iam::" + kmsAcct + ":root", CanonicalID: "cid-" + kmsAcct,
	}}
	w := httptest.NewRecorder()
	e.s.ServeS3(w, r, c)
	return w
}

func (e *sseEnv) must(w *httptest.ResponseRecorder, status int, what string) *httptest.ResponseRecorder {
	e.t.Helper()
	if w.Code != status {
		e.t.Fatalf("%s: %d %s", what, w.Code, w.Body.String())
	}
	return w
}

func wantSSE(t *testing.T, what string, h http.Header, algo, key, bucketKey string) {
	t.Helper()
	if h.Get("X-Amz-Server-Side-Encryption") != algo || h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id") != key ||
		h.Get("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled") != bucketKey {
		t.Errorf("%s: SSE headers %q %q %q, want %q %q %q", what, h.Get("X-Amz-Server-Side-Encryption"),
			h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"), h.Get("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"), algo, key, bucketKey)
	}
}

// grepDir fails the test if any file under dir holds marker.
func grepDir(t *testing.T, dir string, marker []byte) int {
	t.Helper()
	files := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Errorf("reading %s: %v", p, err)
			return nil
		}
		files++
		if bytes.Contains(b, marker) {
			t.Errorf("%s holds the plaintext marker", p)
		}
		return nil
	})
	return files
}

// TestSSEKMSHook drives Config.KMS with a fake sealer: headers on every
// response, the key resolved to its ARN and recorded, the encryption
// context (object ARN, bucket ARN with a Bucket Key, the client's
// context), kms:Decrypt on every read (small-object cache hits included),
// denials as 403, and nothing in plaintext on disk.
func TestSSEKMSHook(t *testing.T) {
	e := newSSEEnv(t, true)
	e.must(e.do("PUT", "/kmsb", nil, nil), 200, "CreateBucket")
	marker := []byte("KMS-PLAINTEXT-MARKER-0123456789")
	small := append(bytes.Repeat([]byte("s"), 100), marker...)
	large := bytes.Repeat(append(bytes.Repeat([]byte("L"), 70000), marker...), 20)

	// PUT aws:kms without a key: alias/aws/s3, resolved to its ARN.
	w := e.must(e.do("PUT", "/kmsb/small", small, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms"}), 200, "PUT aws:kms")
	wantSSE(t, "PUT aws:kms", w.Header(), "aws:kms", kmsARN("aws-s3"), "")
	w = e.must(e.do("PUT", "/kmsb/large", large, map[string]string{
		"X-Amz-Server-Side-Encryption": "aws:kms", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": "alias/mine",
		"X-Amz-Server-Side-Encryption-Bucket-Key-Enabled": "true",
		"X-Amz-Server-Side-Encryption-Context":            base64.StdEncoding.EncodeToString([]byte(`{"team":"a"}`)),
	}), 200, "PUT aws:kms alias/mine")
	wantSSE(t, "PUT aws:kms alias/mine", w.Header(), "aws:kms", kmsARN("mine"), "true")
	f := e.kms
	if got := f.ctxs[len(f.ctxs)-1]; got["aws:s3:arn"] != "arn:aws:s3:::kmsb" || got["team"] != "a" {
		t.Errorf("bucket-key context: %v", got)
	}
	if got := f.ctxs[0]; got["aws:s3:arn"] != "arn:aws:s3:::kmsb/small" || len(got) != 1 {
		t.Errorf("object context: %v", got)
	}
	if f.principals[0].Account != kmsAcct {
		t.Errorf("Seal's principal: %+v", f.principals[0])
	}

	// GET and HEAD: headers, bytes, and one kms:Decrypt per GET even when
	// the small object comes from the cache.
	for i := range 3 {
		_, before := f.counts()
		w = e.must(e.do("GET", "/kmsb/small", nil, nil), 200, "GET small")
		if !bytes.Equal(w.Body.Bytes(), small) {
			t.Fatal("GET small: wrong bytes")
		}
		wantSSE(t, "GET small", w.Header(), "aws:kms", kmsARN("aws-s3"), "")
		if _, after := f.counts(); after != before+1 {
			t.Errorf("GET %d of a small SSE-KMS object: %d Unseal calls", i, after-before)
		}
	}
	w = e.must(e.do("GET", "/kmsb/large", nil, nil), 200, "GET large")
	if !bytes.Equal(w.Body.Bytes(), large) {
		t.Fatal("GET large: wrong bytes")
	}
	wantSSE(t, "GET large", w.Header(), "aws:kms", kmsARN("mine"), "true")
	w = e.must(e.do("GET", "/kmsb/large", nil, map[string]string{"Range": "bytes=65530-140000"}), 206, "GET large range")
	if !bytes.Equal(w.Body.Bytes(), large[65530:140001]) {
		t.Error("GET large range: wrong bytes")
	}
	wantSSE(t, "HEAD large", e.must(e.do("HEAD", "/kmsb/large", nil, nil), 200, "HEAD").Header(), "aws:kms", kmsARN("mine"), "true")

	// Bucket default SSE-KMS with a Bucket Key: PUT without headers uses it.
	doc := []byte(`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>mine</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`)
	e.must(e.do("PUT", "/kmsb?encryption", doc, map[string]string{"Content-Md5": md5B64(doc)}), 200, "PutBucketEncryption aws:kms")
	w = e.must(e.do("GET", "/kmsb?encryption", nil, nil), 200, "GetBucketEncryption")
	if !strings.Contains(w.Body.String(), "<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>mine</KMSMasterKeyID>") ||
		!strings.Contains(w.Body.String(), "<BucketKeyEnabled>true</BucketKeyEnabled>") {
		t.Errorf("GetBucketEncryption: %s", w.Body.String())
	}
	w = e.must(e.do("PUT", "/kmsb/default", small, nil), 200, "PUT under an SSE-KMS default")
	wantSSE(t, "PUT under an SSE-KMS default", w.Header(), "aws:kms", kmsARN("mine"), "true")
	w = e.must(e.do("PUT", "/kmsb/explicit-s3", small, map[string]string{"X-Amz-Server-Side-Encryption": "AES256"}), 200, "PUT AES256")
	wantSSE(t, "PUT AES256 under an SSE-KMS default", w.Header(), "AES256", "", "")

	// CopyObject re-encrypts with the destination's encryption: the
	// default (SSE-KMS) here, or what the request says.
	w = e.must(e.do("PUT", "/kmsb/copy", nil, map[string]string{"X-Amz-Copy-Source": "/kmsb/explicit-s3"}), 200, "CopyObject")
	wantSSE(t, "CopyObject to the default", w.Header(), "aws:kms", kmsARN("mine"), "true")
	w = e.must(e.do("PUT", "/kmsb/copy2", nil, map[string]string{"X-Amz-Copy-Source": "/kmsb/large", "X-Amz-Server-Side-Encryption": "AES256"}), 200, "CopyObject AES256")
	wantSSE(t, "CopyObject to AES256", w.Header(), "AES256", "", "")
	if w = e.must(e.do("GET", "/kmsb/copy2", nil, nil), 200, "GET copy2"); !bytes.Equal(w.Body.Bytes(), large) {
		t.Error("GET copy2: wrong bytes")
	}
	// Onto itself: the default differs from the object's encryption, so
	// this is a change (SSE-S3 → SSE-KMS).
	w = e.must(e.do("PUT", "/kmsb/explicit-s3", nil, map[string]string{"X-Amz-Copy-Source": "/kmsb/explicit-s3"}), 200, "copy onto itself, new encryption")
	wantSSE(t, "copy onto itself", w.Header(), "aws:kms", kmsARN("mine"), "true")
	// ... and again: now it is the same.
	e.must(e.do("PUT", "/kmsb/explicit-s3", nil, map[string]string{"X-Amz-Copy-Source": "/kmsb/explicit-s3"}), 400, "copy onto itself, no change")

	// Multipart under SSE-KMS: every response says so; parts and the
	// object read back.
	w = e.must(e.do("POST", "/kmsb/mp?uploads", nil, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": "alias/mine"}), 200, "CreateMultipartUpload")
	wantSSE(t, "CreateMultipartUpload", w.Header(), "aws:kms", kmsARN("mine"), "true")
	id := between(w.Body.String(), "<UploadId>", "</UploadId>")
	p1 := bytes.Repeat(append([]byte("P"), marker...), 5<<20/len(marker)+1)
	p2 := append([]byte("tail"), marker...)
	var etags []string
	for i, p := range [][]byte{p1, p2} {
		w = e.must(e.do("PUT", "/kmsb/mp?uploadId="+id+"&partNumber="+strconv.Itoa(i+1), p, nil), 200, "UploadPart")
		wantSSE(t, "UploadPart", w.Header(), "aws:kms", kmsARN("mine"), "true")
		etags = append(etags, w.Header().Get("Etag"))
	}
	w = e.must(e.do("PUT", "/kmsb/mp?uploadId="+id+"&partNumber=3", nil, map[string]string{"X-Amz-Copy-Source": "/kmsb/small"}), 200, "UploadPartCopy")
	wantSSE(t, "UploadPartCopy", w.Header(), "aws:kms", kmsARN("mine"), "true")
	complete := "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" + etags[0] + "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>" + etags[1] + "</ETag></Part></CompleteMultipartUpload>"
	w = e.must(e.do("POST", "/kmsb/mp?uploadId="+id, []byte(complete), nil), 200, "CompleteMultipartUpload")
	wantSSE(t, "CompleteMultipartUpload", w.Header(), "aws:kms", kmsARN("mine"), "true")
	if w = e.must(e.do("GET", "/kmsb/mp", nil, nil), 200, "GET mp"); !bytes.Equal(w.Body.Bytes(), append(bytes.Clone(p1), p2...)) {
		t.Error("GET mp: wrong bytes")
	}

	// Denials: 403 AccessDenied, explained in the request's notes.
	f.mu.Lock()
	f.deny = "kms:Decrypt"
	f.mu.Unlock()
	e.must(e.do("GET", "/kmsb/small", nil, nil), 403, "GET small, kms:Decrypt denied")
	e.must(e.do("GET", "/kmsb/large", nil, nil), 403, "GET large, kms:Decrypt denied")
	e.must(e.do("PUT", "/kmsb/c3", nil, map[string]string{"X-Amz-Copy-Source": "/kmsb/large", "X-Amz-Server-Side-Encryption": "AES256"}), 403, "copy, kms:Decrypt denied")
	e.must(e.do("GET", "/kmsb/explicit-s3-missing", nil, nil), 404, "missing key")
	f.mu.Lock()
	f.deny = "kms:GenerateDataKey"
	f.mu.Unlock()
	e.must(e.do("PUT", "/kmsb/denied", small, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms"}), 403, "PUT, kms:GenerateDataKey denied")
	e.must(e.do("POST", "/kmsb/denied?uploads", nil, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms"}), 403, "CreateMultipartUpload denied")
	f.mu.Lock()
	f.deny = ""
	f.mu.Unlock()
	w = e.must(e.do("PUT", "/kmsb/nokey", small, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": "alias/nope"}), 400, "PUT with an unknown key")
	if !strings.Contains(w.Body.String(), "KMS.NotFoundException") {
		t.Errorf("unknown key: %s", w.Body.String())
	}
	e.must(e.do("PUT", "/kmsb/badctx", small, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms", "X-Amz-Server-Side-Encryption-Context": "not base64!"}), 400, "bad context")

	// Nothing under the data directory holds the marker.
	if n := grepDir(t, e.dir, marker); n < 8 {
		t.Errorf("only %d files under the data directory", n)
	}
}

func between(s, a, b string) string {
	_, rest, _ := strings.Cut(s, a)
	v, _, _ := strings.Cut(rest, b)
	return v
}

func md5B64(b []byte) string {
	h := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(h[:])
}

// TestLegacyPlaintextObject: an object stored before encryption at rest
// (no encryption record, plaintext blob) still reads, by sendfile for a
// large one; a copy onto itself encrypts it; an upload from before takes
// no new parts.
func TestLegacyPlaintextObject(t *testing.T) {
	e := newSSEEnv(t, false)
	ctx := context.Background()
	e.must(e.do("PUT", "/legacyb", nil, nil), 200, "CreateBucket")
	marker := []byte("LEGACY-PLAINTEXT-MARKER")
	for _, n := range []int{10, 100 << 10} {
		data := append(bytes.Repeat([]byte("x"), n), marker...)
		bw, err := e.s.blobs.Create(ctx)
		if err != nil {
			t.Fatal(err)
		}
		bw.Write(data)
		id, err := bw.Commit()
		if err != nil {
			t.Fatal(err)
		}
		key := "legacy-" + strconv.Itoa(n)
		obj := &store.Object{Bucket: "legacyb", Key: key, Size: int64(len(data)), ETag: "e", ContentType: "a/b",
			Segments: []store.Segment{{BlobID: id, Size: int64(len(data))}}, Owner: kmsAcct}
		if _, err := e.s.meta.PutObject(ctx, obj); err != nil {
			t.Fatal(err)
		}
		w := e.must(e.do("GET", "/legacyb/"+key, nil, nil), 200, "GET legacy")
		if !bytes.Equal(w.Body.Bytes(), data) || w.Header().Get("X-Amz-Server-Side-Encryption") != "AES256" {
			t.Errorf("GET legacy %d: wrong bytes or headers %v", n, w.Header())
		}
		w = e.must(e.do("GET", "/legacyb/"+key, nil, map[string]string{"Range": "bytes=5-"}), 206, "GET legacy range")
		if !bytes.Equal(w.Body.Bytes(), data[5:]) {
			t.Errorf("GET legacy %d range: wrong bytes", n)
		}
		// Copy onto itself: unencrypted → SSE-S3 is a change.
		e.must(e.do("PUT", "/legacyb/"+key, nil, map[string]string{"X-Amz-Copy-Source": "/legacyb/" + key}), 200, "copy legacy onto itself")
		if w = e.must(e.do("GET", "/legacyb/"+key, nil, nil), 200, "GET re-encrypted"); !bytes.Equal(w.Body.Bytes(), data) {
			t.Errorf("GET re-encrypted %d: wrong bytes", n)
		}
	}
	grepDir(t, filepath.Join(e.dir, "blobs"), marker)

	// An upload created before encryption at rest (no record in its
	// template) refuses new parts.
	e2 := newSSEEnv(t, false)
	e2.must(e2.do("PUT", "/uploadb", nil, nil), 200, "CreateBucket")
	u := &store.Upload{ID: "legacy-upload", Bucket: "uploadb", Key: "k", Owner: kmsAcct, Template: store.Object{Bucket: "uploadb", Key: "k"}}
	if err := e2.s.meta.CreateUpload(ctx, u); err != nil {
		t.Fatal(err)
	}
	e2.must(e2.do("PUT", "/uploadb/k?uploadId=legacy-upload&partNumber=1", []byte("x"), nil), 400, "UploadPart to a legacy upload")
	e2.must(e2.do("DELETE", "/uploadb/k?uploadId=legacy-upload", nil, nil), 204, "AbortMultipartUpload of a legacy upload")
}

// TestWriteEncryption pins the resolution of a write's encryption.
func TestWriteEncryption(t *testing.T) {
	withKMS := &Service{kms: newFakeKMS(t)}
	noKMS := &Service{}
	kmsDefault := &store.Bucket{Attrs: map[string][]byte{attrBucketEncryption: []byte(`{"alg":"aws:kms","key":"arn:k","bk":true}`)}}
	s3Default := &store.Bucket{Attrs: map[string][]byte{attrBucketEncryption: []byte(`{"alg":"AES256","bk":true}`)}}
	ctx64 := base64.StdEncoding.EncodeToString([]byte(`{"a":"b","aws:s3:arn":"x"}`))
	tests := []struct {
		name string
		s    *Service
		bkt  *store.Bucket
		h    map[string]string
		want *objectSSE
		code string
	}{
		{"no header, no default", noKMS, nil, nil, sseS3, ""},
		{"AES256", noKMS, nil, map[string]string{"X-Amz-Server-Side-Encryption": "AES256"}, sseS3, ""},
		{"aws:kms without KMS", noKMS, nil, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms"}, nil, "NotImplemented"},
		{"aws:kms", withKMS, nil, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms"}, &objectSSE{Algorithm: "aws:kms", KMSKeyID: "alias/aws/s3"}, ""},
		{"aws:kms:dsse with key", withKMS, nil, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms:dsse", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": "k1"}, &objectSSE{Algorithm: "aws:kms:dsse", KMSKeyID: "k1"}, ""},
		{"aws:kms, bucket's key and bucket key", withKMS, kmsDefault, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms"}, &objectSSE{Algorithm: "aws:kms", KMSKeyID: "arn:k", BucketKey: true}, ""},
		{"default SSE-KMS", withKMS, kmsDefault, nil, &objectSSE{Algorithm: "aws:kms", KMSKeyID: "arn:k", BucketKey: true}, ""},
		{"default SSE-KMS, bucket key off by header", withKMS, kmsDefault, map[string]string{"X-Amz-Server-Side-Encryption-Bucket-Key-Enabled": "false"}, &objectSSE{Algorithm: "aws:kms", KMSKeyID: "arn:k"}, ""},
		{"default SSE-S3 with bucket key, aws:kms", withKMS, s3Default, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms"}, &objectSSE{Algorithm: "aws:kms", KMSKeyID: "alias/aws/s3", BucketKey: true}, ""},
		{"context", withKMS, nil, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms", "X-Amz-Server-Side-Encryption-Context": ctx64}, &objectSSE{Algorithm: "aws:kms", KMSKeyID: "alias/aws/s3", Context: map[string]string{"a": "b"}}, ""},
		{"bad context", withKMS, nil, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms", "X-Amz-Server-Side-Encryption-Context": "e30"}, nil, "InvalidArgument"},
		{"context is not an object", withKMS, nil, map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms", "X-Amz-Server-Side-Encryption-Context": base64.StdEncoding.EncodeToString([]byte(`[1]`))}, nil, "InvalidArgument"},
		{"key id without aws:kms", withKMS, kmsDefault, map[string]string{"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": "k"}, nil, "InvalidArgument"},
		{"key id with AES256", withKMS, nil, map[string]string{"X-Amz-Server-Side-Encryption": "AES256", "X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id": "k"}, nil, "InvalidArgument"},
		{"context with AES256", withKMS, nil, map[string]string{"X-Amz-Server-Side-Encryption": "AES256", "X-Amz-Server-Side-Encryption-Context": ctx64}, nil, "InvalidArgument"},
		{"unknown algorithm", withKMS, nil, map[string]string{"X-Amz-Server-Side-Encryption": "aes256"}, nil, "InvalidArgument"},
		{"bad bucket-key value", withKMS, nil, map[string]string{"X-Amz-Server-Side-Encryption-Bucket-Key-Enabled": "yes"}, nil, "InvalidArgument"},
		{"SSE-C", withKMS, nil, map[string]string{"X-Amz-Server-Side-Encryption-Customer-Algorithm": "AES256"}, nil, "NotImplemented"},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.h {
			h.Set(k, v)
		}
		got, err := tt.s.writeEncryption(h, tt.bkt)
		if tt.code != "" {
			if !isCode(err, tt.code) {
				t.Errorf("%s: %v, want %s", tt.name, err, tt.code)
			}
			continue
		}
		if err != nil || !got.equal(tt.want) {
			t.Errorf("%s: %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

// TestObjectEncryptionRecord: the attribute round-trips, SSE-S3 in its
// short form, and a corrupt one is an error.
func TestObjectEncryptionRecord(t *testing.T) {
	for _, e := range []*objectSSE{sseS3, {Algorithm: "aws:kms", KMSKeyID: "arn:k", BucketKey: true, Context: map[string]string{"a": "b"}}} {
		got, err := objectEncryption(map[string][]byte{attrSSE: e.encode()})
		if err != nil || !got.equal(e) {
			t.Errorf("%+v: %+v %v", e, got, err)
		}
	}
	if string(sseS3.encode()) != "AES256" {
		t.Errorf("SSE-S3 record %q", sseS3.encode())
	}
	if e, err := objectEncryption(nil); e != nil || err != nil {
		t.Errorf("no record: %v %v", e, err)
	}
	for _, bad := range []string{"{", `{"alg":"DES"}`, "aws:kms"} {
		if _, err := objectEncryption(map[string][]byte{attrSSE: []byte(bad)}); !errors.Is(err, store.ErrCorrupt) {
			t.Errorf("record %q: %v", bad, err)
		}
	}
}

// TestBucketEncryptionRows: the ?encryption operations select their rows
// with the IAM actions S3 uses.
func TestBucketEncryptionRows(t *testing.T) {
	for _, tt := range []struct {
		method string
		op     *operation
		action string
	}{
		{"GET", &opGetBucketEncryption, "s3:GetEncryptionConfiguration"},
		{"PUT", &opPutBucketEncryption, "s3:PutEncryptionConfiguration"},
		{"DELETE", &opDeleteBucketEncryption, "s3:PutEncryptionConfiguration"},
	} {
		got, err := selectOperation(tt.method, targetBucket, map[string][]string{"encryption": {""}}, http.Header{})
		if err != nil || got != tt.op || got.action != tt.action || got.target != targetBucket || got.handle == nil {
			t.Errorf("%s ?encryption: %v %v", tt.method, got, err)
		}
	}
}

// TestParseBucketEncryption covers the document's shapes.
func TestParseBucketEncryption(t *testing.T) {
	ok := map[string]defaultEncryption{
		`<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`:                                                               {Algorithm: "AES256"},
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`:                                                                     {Algorithm: "aws:kms", BucketKeyEnabled: true},
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms:dsse</SSEAlgorithm><KMSMasterKeyID>arn:aws:kms:us-east-1:1:key/x</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`: {Algorithm: "aws:kms:dsse", KMSMasterKeyID: "arn:aws:kms:us-east-1:1:key/x"},
	}
	for doc, want := range ok {
		got, err := parseBucketEncryption([]byte(doc))
		if err != nil || got != want {
			t.Errorf("%s: %+v %v", doc, got, err)
		}
	}
	for doc, code := range map[string]string{
		`<ServerSideEncryptionConfiguration xmlns="urn:other"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`:                 "MalformedXML",
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm><Extra/></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`:                           "MalformedXML",
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`: "InvalidArgument",
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`:                                                                      "MalformedXML",
	} {
		if _, err := parseBucketEncryption([]byte(doc)); !isCode(err, code) {
			t.Errorf("%s: %v, want %s", doc, err, code)
		}
	}
}

// BenchmarkGetSSE compares GETs (through ServeS3, no network) of objects
// under SSE-S3 and under SSE-KMS through Config.KMS. The fake KMS sealer
// authorizes nothing, so the difference is the S3 side's own cost of
// SSE-KMS (an Unseal on every read, small-object cache hits included);
// the real KMS sealer adds its authorization and KeyCache lookup.
func BenchmarkGetSSE(b *testing.B) {
	for _, mode := range []string{"SSE-S3", "SSE-KMS"} {
		for _, size := range []int{1 << 10, 1 << 20} {
			b.Run(mode+"/"+strconv.Itoa(size>>10)+"KiB", func(b *testing.B) {
				e := newSSEEnv(b, true)
				e.kms.quiet = true
				e.must(e.do("PUT", "/benchb", nil, nil), 200, "CreateBucket")
				h := map[string]string{"X-Amz-Server-Side-Encryption": "AES256"}
				if mode == "SSE-KMS" {
					h = map[string]string{"X-Amz-Server-Side-Encryption": "aws:kms"}
				}
				data := make([]byte, size)
				rand.Read(data)
				e.must(e.do("PUT", "/benchb/k", data, h), 200, "PUT")
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if w := e.do("GET", "/benchb/k", nil, nil); w.Code != 200 || w.Body.Len() != size {
						b.Fatalf("GET: %d", w.Code)
					}
				}
			})
		}
	}
}
