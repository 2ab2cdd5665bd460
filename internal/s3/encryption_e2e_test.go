package s3_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/server"
	"github.com/edgegate/edgegate/internal/testenv"
)

const chunk = 64 << 10 // internal/sse's default chunk size

// TestEncryptedRoundTrip: objects of sizes around the chunk size come back
// byte for byte, whole and in ranges that cross chunk (and buffer)
// boundaries, with x-amz-server-side-encryption on PUT, GET and HEAD.
func TestEncryptedRoundTrip(t *testing.T) {
	_, c, b := setup(t)
	ctx := context.Background()
	sizes := []int{0, 1, chunk - 1, chunk, chunk + 1, 1 << 20, 6 << 20}
	data := map[int][]byte{}
	for _, n := range sizes {
		key := "rt-" + strconv.Itoa(n)
		data[n] = randBytes(n)
		out := put(t, c, b, key, data[n])
		if out.ServerSideEncryption != types.ServerSideEncryptionAes256 || aws.ToString(out.ETag) != `"`+md5hex(data[n])+`"` {
			t.Errorf("PUT %d: SSE %q ETag %s", n, out.ServerSideEncryption, aws.ToString(out.ETag))
		}
		got, body := getBytes(t, c, b, key)
		if !bytes.Equal(body, data[n]) || got.ServerSideEncryption != types.ServerSideEncryptionAes256 {
			t.Errorf("GET %d: %d bytes, equal %v, SSE %q", n, len(body), bytes.Equal(body, data[n]), got.ServerSideEncryption)
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		if err != nil || aws.ToInt64(head.ContentLength) != int64(n) || head.ServerSideEncryption != types.ServerSideEncryptionAes256 {
			t.Errorf("HEAD %d: %v %v", n, head, err)
		}
	}
	big := data[6<<20]
	ranges := [][2]int{
		{0, 0}, {chunk - 1, chunk}, {chunk - 5, 2*chunk + 5}, {chunk, 2*chunk - 1},
		{256<<10 - 3, 256<<10 + 3}, // the GET path's buffer boundary
		{100000, 5000000}, {len(big) - chunk - 1, len(big) - 1}, {1, len(big) - 2},
	}
	for _, r := range ranges {
		spec := fmt.Sprintf("bytes=%d-%d", r[0], r[1])
		out, body := getBytes(t, c, b, "rt-"+strconv.Itoa(6<<20), func(in *s3.GetObjectInput) { in.Range = aws.String(spec) })
		if !bytes.Equal(body, big[r[0]:r[1]+1]) || aws.ToString(out.ContentRange) != fmt.Sprintf("bytes %d-%d/%d", r[0], r[1], len(big)) {
			t.Errorf("GET %s: %d bytes, equal %v, %s", spec, len(body), bytes.Equal(body, big[r[0]:r[1]+1]), aws.ToString(out.ContentRange))
		}
	}
	// Suffix and open-ended ranges.
	_, body := getBytes(t, c, b, "rt-"+strconv.Itoa(chunk+1), func(in *s3.GetObjectInput) { in.Range = aws.String("bytes=-2") })
	if !bytes.Equal(body, data[chunk+1][chunk-1:]) {
		t.Errorf("suffix range: %x", body)
	}
	_, body = getBytes(t, c, b, "rt-"+strconv.Itoa(1<<20), func(in *s3.GetObjectInput) { in.Range = aws.String("bytes=1000-") })
	if !bytes.Equal(body, data[1<<20][1000:]) {
		t.Error("open-ended range")
	}
}

// TestEncryptedMultipart: a completed upload's parts are blobs encrypted
// each with its own key; the object reads back whole, by part and in
// ranges across parts; every multipart response says AES256.
func TestEncryptedMultipart(t *testing.T) {
	_, c, b := setup(t)
	ctx := context.Background()
	put(t, c, b, "src", randBytes(300<<10))
	_, src := getBytes(t, c, b, "src")
	create, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp")})
	if err != nil || create.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("CreateMultipartUpload: %v %v", create, err)
	}
	p1, p2 := randBytes(5<<20+1), randBytes(chunk+3)
	var parts []types.CompletedPart
	for i, p := range [][]byte{p1, p2} {
		out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: create.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		if err != nil || out.ServerSideEncryption != types.ServerSideEncryptionAes256 {
			t.Fatalf("UploadPart %d: %v %v", i+1, out, err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	cp, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: create.UploadId,
		PartNumber: aws.Int32(3), CopySource: aws.String(b + "/src"), CopySourceRange: aws.String("bytes=70000-270000")})
	if err != nil || cp.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("UploadPartCopy: %v %v", cp, err)
	}
	p3 := src[70000:270001]
	// Part 2 is small, so it can only be last: complete with 1 and 3, then
	// check a second upload with 1 and 2.
	parts = []types.CompletedPart{parts[0], {PartNumber: aws.Int32(3), ETag: cp.CopyPartResult.ETag}}
	done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mp"), UploadId: create.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if err != nil || done.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("CompleteMultipartUpload: %v %v", done, err)
	}
	whole := append(bytes.Clone(p1), p3...)
	out, body := getBytes(t, c, b, "mp")
	if !bytes.Equal(body, whole) || out.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("GET mp: %d bytes, equal %v", len(body), bytes.Equal(body, whole))
	}
	for _, r := range [][2]int{{len(p1) - 10, len(p1) + 10}, {len(p1) - chunk, len(whole) - 1}, {5 << 20, 5<<20 + 1}} {
		spec := fmt.Sprintf("bytes=%d-%d", r[0], r[1])
		_, body := getBytes(t, c, b, "mp", func(in *s3.GetObjectInput) { in.Range = aws.String(spec) })
		if !bytes.Equal(body, whole[r[0]:r[1]+1]) {
			t.Errorf("GET mp %s: wrong bytes", spec)
		}
	}
	_, body = getBytes(t, c, b, "mp", func(in *s3.GetObjectInput) { in.PartNumber = aws.Int32(2) })
	if !bytes.Equal(body, p3) {
		t.Error("GET mp partNumber=2: wrong bytes")
	}
	// CopyObject of the multipart object re-encrypts it into one blob.
	co, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(b + "/mp")})
	if err != nil || co.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("CopyObject: %v %v", co, err)
	}
	if _, body := getBytes(t, c, b, "copy"); !bytes.Equal(body, whole) {
		t.Error("GET copy: wrong bytes")
	}
}

// blobSet returns the blob files under the server's data directory.
func blobSet(t *testing.T, env *testenv.Env) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(env.DataDir, "blobs", "blobs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// putBlob PUTs an object and returns the blob file it created.
func putBlob(t *testing.T, env *testenv.Env, c *s3.Client, bucket, key string, data []byte) string {
	t.Helper()
	before := blobSet(t, env)
	put(t, c, bucket, key, data)
	for _, p := range blobSet(t, env) {
		if !slices.Contains(before, p) {
			return p
		}
	}
	t.Fatal("no new blob file")
	return ""
}

func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b[:], off); err != nil {
		t.Fatal(err)
	}
}

// TestTamperedBlob: a byte changed in a blob on disk is detected: 500
// InternalError before anything is sent when it is in the first piece of
// the response; a body cut short (never wrong bytes) when the status line
// was already out; unaffected ranges still read.
func TestTamperedBlob(t *testing.T) {
	env, c, b := setup(t)
	ctx := context.Background()
	small, large := randBytes(1000), randBytes(2<<20)
	smallBlob := putBlob(t, env, c, b, "small", small)
	largeBlob := putBlob(t, env, c, b, "large", large)
	early := putBlob(t, env, c, b, "early", large)

	flipByte(t, smallBlob, 200)
	flipByte(t, largeBlob, 1<<20+12345) // in a chunk after the first 256 KiB
	flipByte(t, early, 1000)            // in the first chunk

	for _, key := range []string{"small", "early"} {
		_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
		wantErr(t, "GET tampered "+key, err, "InternalError", 500)
	}
	resp, body := rawGet(t, env, "/"+b+"/large", nil)
	if resp.StatusCode != 200 || len(body) >= len(large) || !bytes.Equal(body, large[:len(body)]) {
		t.Errorf("GET large tampered: %d, %d of %d bytes, a prefix: %v", resp.StatusCode, len(body), len(large), bytes.Equal(body, large[:len(body)]))
	}
	if len(body) > 1<<20+12345 {
		t.Errorf("GET large tampered: %d bytes came back, past the tampered chunk", len(body))
	}
	// A range away from the tampered chunk reads; one over it fails.
	_, got := getBytes(t, c, b, "large", func(in *s3.GetObjectInput) { in.Range = aws.String("bytes=0-99999") })
	if !bytes.Equal(got, large[:100000]) {
		t.Error("untampered range: wrong bytes")
	}
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("large"), Range: aws.String("bytes=1048000-1100000")})
	wantErr(t, "GET tampered range", err, "InternalError", 500)
	// CopyObject of a tampered source fails; nothing is created.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy"), CopySource: aws.String(b + "/large")})
	wantErr(t, "CopyObject of a tampered source", err, "InternalError", 500)
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("copy")}); err == nil {
		t.Error("the failed copy left an object")
	}
}

// rawGet GETs a path with a signed request and reads as much of the body
// as arrives (a cut connection is not a test failure).
func rawGet(t *testing.T, env *testenv.Env, path string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", env.Endpoint+path, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	signRequest(t, req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// TestSSEHeaders: the x-amz-server-side-encryption* request headers S3
// accepts and refuses.
func TestSSEHeaders(t *testing.T) {
	env, c, b := setup(t)
	ctx := context.Background()
	out := put(t, c, b, "aes", []byte("x"), func(in *s3.PutObjectInput) { in.ServerSideEncryption = types.ServerSideEncryptionAes256 })
	if out.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Errorf("PUT AES256: %q", out.ServerSideEncryption)
	}
	// The server serves SSE-KMS (internal/ssekms): aws:kms without a key
	// uses the account's alias/aws/s3.
	kp, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("kms"), Body: strings.NewReader("x"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms})
	if err != nil || kp.ServerSideEncryption != types.ServerSideEncryptionAwsKms || !strings.Contains(aws.ToString(kp.SSEKMSKeyId), ":key/") {
		t.Errorf("PUT aws:kms: %+v %v", kp, err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("x"),
		ServerSideEncryption: "AES512"})
	wantErr(t, "PUT with an unknown algorithm", err, "InvalidArgument", 400)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("x"),
		ServerSideEncryption: types.ServerSideEncryptionAes256, SSEKMSKeyId: aws.String("alias/mine")})
	wantErr(t, "PUT AES256 with a KMS key id", err, "InvalidArgument", 400)
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("x"),
		SSEKMSKeyId: aws.String("alias/mine")})
	wantErr(t, "PUT with a KMS key id only", err, "InvalidArgument", 400)
	cm, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("k"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms})
	if err != nil || cm.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
		t.Errorf("CreateMultipartUpload aws:kms: %v", err)
	}
	cp, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("k"), CopySource: aws.String(b + "/aes"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms})
	if err != nil || cp.ServerSideEncryption != types.ServerSideEncryptionAwsKms {
		t.Errorf("CopyObject aws:kms: %v", err)
	}
	resp, _ := rawGet(t, env, "/"+b+"/aes", http.Header{"X-Amz-Server-Side-Encryption": {"AES256"}})
	if resp.StatusCode != 400 {
		t.Errorf("GET with x-amz-server-side-encryption: %d, want 400", resp.StatusCode)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: strings.NewReader("x"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String("MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="),
		SSECustomerKeyMD5: aws.String("x")})
	if errStatus(err) != 501 && errStatus(err) != 400 {
		t.Errorf("PUT SSE-C: %v", err)
	}

	// Copying an object onto itself: without a change it is refused; the
	// encryption header counts as a change.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("aes"), CopySource: aws.String(b + "/aes")})
	wantErr(t, "copy onto itself", err, "InvalidRequest", 400)
	co, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("aes"), CopySource: aws.String(b + "/aes"),
		ServerSideEncryption: types.ServerSideEncryptionAes256})
	if err != nil || co.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Errorf("copy onto itself with AES256: %v", err)
	}
}

// TestBucketEncryptionAPI drives Get/Put/DeleteBucketEncryption with the
// SDK and raw documents.
func TestBucketEncryptionAPI(t *testing.T) {
	env := startTwoAccounts(t)
	c := env.S3()
	b := "encryption-api"
	mkBucket(t, c, b)
	ctx := context.Background()
	rule := func(out *s3.GetBucketEncryptionOutput) types.ServerSideEncryptionRule {
		t.Helper()
		if out == nil || out.ServerSideEncryptionConfiguration == nil || len(out.ServerSideEncryptionConfiguration.Rules) != 1 {
			t.Fatalf("GetBucketEncryption: %+v", out)
		}
		return out.ServerSideEncryptionConfiguration.Rules[0]
	}
	out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b)})
	if err != nil {
		t.Fatal(err)
	}
	if r := rule(out); r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 ||
		aws.ToBool(r.BucketKeyEnabled) || r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID != nil {
		t.Errorf("new bucket's default: %+v", r)
	}
	_, err = c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(b),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256},
			BucketKeyEnabled:                   aws.Bool(true),
		}}}})
	if err != nil {
		t.Fatalf("PutBucketEncryption AES256: %v", err)
	}
	out, _ = c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b)})
	if r := rule(out); r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 || !aws.ToBool(r.BucketKeyEnabled) {
		t.Errorf("after Put: %+v", r)
	}
	// Objects written meanwhile are SSE-S3 (a Bucket Key is an SSE-KMS
	// matter: no bucket-key header).
	po := put(t, c, b, "k", []byte("x"))
	if po.ServerSideEncryption != types.ServerSideEncryptionAes256 || aws.ToBool(po.BucketKeyEnabled) {
		t.Errorf("PUT under the default: %+v", po)
	}
	_, err = c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(b),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("alias/x")},
		}}}})
	if err != nil { // the key is not checked until an object uses it
		t.Errorf("PutBucketEncryption aws:kms: %v", err)
	}
	_, err = c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(b),
		ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256, KMSMasterKeyID: aws.String("alias/x")},
		}}}})
	wantErr(t, "PutBucketEncryption AES256 with a key", err, "InvalidArgument", 400)

	bad := []string{
		`<ServerSideEncryptionConfiguration`,
		`<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></ServerSideEncryptionConfiguration>`,
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>DES</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`,
		`<ServerSideEncryptionConfiguration><Rule><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>yes</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`,
		`<Other/>`,
	}
	for _, doc := range bad {
		resp, body := rawS3(t, env, "PUT", "/"+b+"?encryption", []byte(doc), http.Header{"Content-Md5": {md5b64([]byte(doc))}})
		if resp.StatusCode != 400 || !strings.Contains(string(body), "<Code>MalformedXML</Code>") {
			t.Errorf("PUT ?encryption %s: %d %s", doc, resp.StatusCode, body)
		}
	}
	doc := []byte(`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`)
	if resp, body := rawS3(t, env, "PUT", "/"+b+"?encryption", doc, nil); resp.StatusCode != 400 {
		t.Errorf("PUT ?encryption without Content-MD5: %d %s", resp.StatusCode, body)
	}

	if _, err := c.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String(b)}); err != nil {
		t.Fatal(err)
	}
	out, _ = c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b)})
	if r := rule(out); r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 || aws.ToBool(r.BucketKeyEnabled) {
		t.Errorf("after Delete: %+v", r)
	}
	_, err = c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("no-such-bucket-x")})
	wantErr(t, "GetBucketEncryption of a missing bucket", err, "NoSuchBucket", 404)

	// Another account is denied (the bucket owner has the permission).
	other := s3.NewFromConfig(env.Config(otherKey, otherSecret), func(o *s3.Options) { o.UsePathStyle = true })
	_, err = other.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b)})
	wantErr(t, "GetBucketEncryption by another account", err, "AccessDenied", 403)
	_, err = other.DeleteBucketEncryption(ctx, &s3.DeleteBucketEncryptionInput{Bucket: aws.String(b)})
	wantErr(t, "DeleteBucketEncryption by another account", err, "AccessDenied", 403)
}

func md5b64(b []byte) string {
	s := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

// signRequest signs req (without a body) as the default account.
func signRequest(t *testing.T, req *http.Request) {
	t.Helper()
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	if err := v4.NewSigner().SignHTTP(context.Background(), benchCreds, req, emptySHA256, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
}

// testenvOpenFails opens (and closes) a server on dir, returning the
// error Open fails with.
func testenvOpenFails(dir string) error {
	srv, err := server.Open(context.Background(), server.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		srv.Close()
	}
	return err
}

// TestEncryptionSurvivesRestart: the SSE-S3 master key is kept in
// DATADIR/sse (mode 0600), so objects read after a restart; a key file
// others can read stops the server from starting.
func TestEncryptionSurvivesRestart(t *testing.T) {
	env, c, b := setup(t)
	data := randBytes(100 << 10)
	put(t, c, b, "k", data)
	keyFile := filepath.Join(env.DataDir, "sse", "s3-master.key")
	st, err := os.Stat(keyFile)
	if err != nil || st.Mode().Perm() != 0o600 || st.Size() != 32 {
		t.Fatalf("master key file: %v %v", st, err)
	}
	env2 := restart(t, env, "", env.DataDir)
	if _, body := getBytes(t, env2.S3(), b, "k"); !bytes.Equal(body, data) {
		t.Error("object unreadable after restart")
	}
	if err := env2.Stop(); err != nil {
		t.Fatal(err)
	}
	os.Chmod(keyFile, 0o644)
	if err := testenvOpenFails(env.DataDir); err == nil {
		t.Error("the server started with a world-readable master key")
	} else if !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("start-up error does not say how to fix it: %v", err)
	}
}
