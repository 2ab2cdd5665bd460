package s3_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/edgegate/edgegate/internal/sigv4"
	"github.com/edgegate/edgegate/internal/testenv"
)

var bucketSeq atomic.Int64

// setup starts a server and creates a bucket.
func setup(t testing.TB) (*testenv.Env, *s3.Client, string) {
	t.Helper()
	env := testenv.Start(t, testenv.Options{})
	c := env.S3()
	b := fmt.Sprintf("objects-%d", bucketSeq.Add(1))
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
		t.Fatal(err)
	}
	return env, c, b
}

// whenRequired returns a client that sends checksums only where the API
// requires them.
func whenRequired(env *testenv.Env) *s3.Client {
	return s3.NewFromConfig(env.Config("test", "test"), func(o *s3.Options) {
		o.UsePathStyle = true
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
}

// tlsClient returns a client that talks HTTPS to the server through a TLS
// terminating proxy, so that the SDK uses its default for HTTPS: an
// aws-chunked body with a trailing CRC32 checksum.
func tlsClient(t testing.TB, env *testenv.Env) (*s3.Client, *atomic.Int64) {
	t.Helper()
	target, _ := url.Parse(env.Endpoint)
	var chunked atomic.Int64
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Host = pr.In.Host // the signature covers the client's Host
		if strings.HasPrefix(pr.In.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
			chunked.Add(1)
		}
	}}
	ts := httptest.NewTLSServer(proxy)
	t.Cleanup(ts.Close)
	hc := ts.Client()
	hc.Transport.(*http.Transport).TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
	cfg := env.Config("test", "test")
	cfg.BaseEndpoint = aws.String(ts.URL)
	cfg.HTTPClient = hc
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), &chunked
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func getBytes(t testing.TB, c *s3.Client, bucket, key string, mod ...func(*s3.GetObjectInput)) (*s3.GetObjectOutput, []byte) {
	t.Helper()
	in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
	for _, m := range mod {
		m(in)
	}
	out, err := c.GetObject(context.Background(), in)
	if err != nil {
		t.Fatalf("GetObject %q: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("GetObject %q body: %v", key, err)
	}
	return out, b
}

func put(t testing.TB, c *s3.Client, bucket, key string, body []byte, mod ...func(*s3.PutObjectInput)) *s3.PutObjectOutput {
	t.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)}
	for _, m := range mod {
		m(in)
	}
	out, err := c.PutObject(context.Background(), in)
	if err != nil {
		t.Fatalf("PutObject %q: %v", key, err)
	}
	return out
}

func md5hex(b []byte) string {
	s := md5.Sum(b)
	return fmt.Sprintf("%x", s)
}

func TestPutGetHeadSizes(t *testing.T) {
	env, c, b := setup(t)
	tc, chunked := tlsClient(t, env)
	clients := map[string]*s3.Client{
		"default-http":  c,
		"when-required": whenRequired(env),
		"https-trailer": tc,
	}
	ctx := context.Background()
	for name, cl := range clients {
		for _, size := range []int{0, 1, 1 << 10, 1 << 20, 6 << 20} {
			t.Run(fmt.Sprintf("%s/%d", name, size), func(t *testing.T) {
				key := fmt.Sprintf("%s/obj-%d", name, size)
				data := randBytes(size)
				pout := put(t, cl, b, key, data, func(in *s3.PutObjectInput) {
					if name == "https-trailer" {
						in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32
					}
				})
				if got := aws.ToString(pout.ETag); got != `"`+md5hex(data)+`"` {
					t.Errorf("ETag %s, want %q", got, md5hex(data))
				}
				if pout.ServerSideEncryption != types.ServerSideEncryptionAes256 {
					t.Errorf("PUT SSE %q", pout.ServerSideEncryption)
				}
				out, got := getBytes(t, cl, b, key, func(in *s3.GetObjectInput) { in.ChecksumMode = types.ChecksumModeEnabled })
				if !bytes.Equal(got, data) {
					t.Fatalf("GET returned %d bytes, differing from the %d put", len(got), len(data))
				}
				if aws.ToInt64(out.ContentLength) != int64(size) || aws.ToString(out.ETag) != aws.ToString(pout.ETag) {
					t.Errorf("GET length %d etag %s", aws.ToInt64(out.ContentLength), aws.ToString(out.ETag))
				}
				if out.ServerSideEncryption != types.ServerSideEncryptionAes256 {
					t.Errorf("GET sse %q", out.ServerSideEncryption)
				}
				if name == "https-trailer" {
					h := crc32.NewIEEE()
					h.Write(data)
					want := base64.StdEncoding.EncodeToString(h.Sum(nil))
					if aws.ToString(out.ChecksumCRC32) != want || aws.ToString(pout.ChecksumCRC32) != want {
						t.Errorf("ChecksumCRC32 GET %q PUT %q, want %q", aws.ToString(out.ChecksumCRC32), aws.ToString(pout.ChecksumCRC32), want)
					}
				} else if aws.ToString(out.ChecksumCRC64NVME) == "" {
					t.Errorf("no default CRC64NVME checksum")
				}
				head, err := cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String(key)})
				if err != nil {
					t.Fatal(err)
				}
				if aws.ToInt64(head.ContentLength) != int64(size) || aws.ToString(head.ETag) != aws.ToString(pout.ETag) ||
					head.LastModified == nil || aws.ToString(head.AcceptRanges) != "bytes" {
					t.Errorf("HEAD %+v", head)
				}
				if head.ChecksumCRC32 != nil || head.ChecksumCRC64NVME != nil {
					t.Errorf("HEAD without checksum mode returned checksums")
				}
			})
		}
	}
	// The HTTPS client did send aws-chunked bodies (empty ones go plain).
	if chunked.Load() < 4 {
		t.Errorf("only %d aws-chunked requests went through the TLS proxy", chunked.Load())
	}
}

func TestDefaultContentType(t *testing.T) {
	env, c, b := setup(t)
	req, _ := http.NewRequest("PUT", env.Endpoint+"/"+b+"/plain", strings.NewReader("x"))
	sigv4.SignRequest(req, "test", "test", "us-east-1", "s3", time.Now(), "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	out, _ := getBytes(t, c, b, "plain")
	if aws.ToString(out.ContentType) != "binary/octet-stream" {
		t.Errorf("Content-Type %q", aws.ToString(out.ContentType))
	}
}

func TestKeys(t *testing.T) {
	_, c, b := setup(t)
	ctx := context.Background()
	keys := []string{
		"with space", "plus+sign", "percent%20sign", "100%", "../dotdot", "a/../../b", "dir/sub/",
		"unicode-é-ü-€-日本", "emoji-🙂", "q?x=1&y", "hash#frag", "semi;colon", "tilde~", "  leading",
		"double//slash", strings.Repeat("k", 1024),
	}
	for _, k := range keys {
		data := []byte("body of " + k)
		put(t, c, b, k, data)
		_, got := getBytes(t, c, b, k)
		if !bytes.Equal(got, data) {
			t.Errorf("%q: got %q", k, got)
		}
	}
	// Every key comes back by its exact name in a listing.
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	if err == nil {
		seen := map[string]bool{}
		for _, o := range out.Contents {
			seen[aws.ToString(o.Key)] = true
		}
		for _, k := range keys {
			if !seen[k] {
				t.Errorf("listing lacks %q", k)
			}
		}
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(strings.Repeat("k", 1025)), Body: strings.NewReader("x")})
	if apiCode(err) != "KeyTooLongError" {
		t.Errorf("1025-byte key: %v", err)
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	_, c, b := setup(t)
	ctx := context.Background()
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	put(t, c, b, "meta", []byte("x"), func(in *s3.PutObjectInput) {
		in.ContentType = aws.String("text/plain; charset=utf-8")
		in.ContentEncoding = aws.String("x-custom")
		in.ContentDisposition = aws.String(`attachment; filename="a.txt"`)
		in.ContentLanguage = aws.String("de-CH")
		in.CacheControl = aws.String("max-age=3600")
		in.Expires = aws.Time(exp)
		in.Metadata = map[string]string{"color": "blue", "Mixed-Case": "Value With Spaces"}
		in.StorageClass = types.StorageClassStandardIa
	})
	for _, head := range []bool{false, true} {
		var (
			ct, ce, cd, cl, cc *string
			expires            *time.Time
			meta               map[string]string
			sc                 types.StorageClass
		)
		if head {
			o, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("meta")})
			if err != nil {
				t.Fatal(err)
			}
			ct, ce, cd, cl, cc, expires, meta, sc = o.ContentType, o.ContentEncoding, o.ContentDisposition, o.ContentLanguage, o.CacheControl, o.Expires, o.Metadata, o.StorageClass
		} else {
			o, _ := getBytes(t, c, b, "meta")
			ct, ce, cd, cl, cc, expires, meta, sc = o.ContentType, o.ContentEncoding, o.ContentDisposition, o.ContentLanguage, o.CacheControl, o.Expires, o.Metadata, o.StorageClass
		}
		if aws.ToString(ct) != "text/plain; charset=utf-8" || aws.ToString(ce) != "x-custom" ||
			aws.ToString(cd) != `attachment; filename="a.txt"` || aws.ToString(cl) != "de-CH" ||
			aws.ToString(cc) != "max-age=3600" || expires == nil || !expires.Equal(exp) {
			t.Errorf("head=%v: %q %q %q %q %q %v", head, aws.ToString(ct), aws.ToString(ce), aws.ToString(cd), aws.ToString(cl), aws.ToString(cc), expires)
		}
		if len(meta) != 2 || meta["color"] != "blue" || meta["mixed-case"] != "Value With Spaces" {
			t.Errorf("head=%v: metadata %v", head, meta)
		}
		if sc != types.StorageClassStandardIa {
			t.Errorf("head=%v: storage class %q", head, sc)
		}
	}
	// STANDARD is not announced.
	put(t, c, b, "std", []byte("x"))
	o, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("std")})
	if err != nil || o.StorageClass != "" {
		t.Errorf("STANDARD object: %v %q", err, o.StorageClass)
	}
	// Too much metadata.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("big"), Body: strings.NewReader("x"),
		Metadata: map[string]string{"k": strings.Repeat("v", 2100)}})
	if apiCode(err) != "MetadataTooLarge" {
		t.Errorf("2 KB metadata: %v", err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("sc"), Body: strings.NewReader("x"),
		StorageClass: "COLD"})
	if apiCode(err) != "InvalidStorageClass" {
		t.Errorf("bad storage class: %v", err)
	}
}

func TestRanges(t *testing.T) {
	_, c, b := setup(t)
	ctx := context.Background()
	data := []byte("0123456789")
	put(t, c, b, "r", data)
	tests := []struct {
		rng, want, contentRange string
	}{
		{"bytes=0-4", "01234", "bytes 0-4/10"},
		{"bytes=5-", "56789", "bytes 5-9/10"},
		{"bytes=-3", "789", "bytes 7-9/10"},
		{"bytes=8-100", "89", "bytes 8-9/10"},
		{"bytes=-100", "0123456789", "bytes 0-9/10"},
		{"bytes=0-1,4-5", "0123456789", ""}, // several ranges: whole object
		{"bytes=x-y", "0123456789", ""},     // unparsable: whole object
	}
	for _, tt := range tests {
		out, got := getBytes(t, c, b, "r", func(in *s3.GetObjectInput) { in.Range = aws.String(tt.rng) })
		if string(got) != tt.want || aws.ToString(out.ContentRange) != tt.contentRange {
			t.Errorf("%s: %q %q", tt.rng, got, aws.ToString(out.ContentRange))
		}
		if aws.ToInt64(out.ContentLength) != int64(len(tt.want)) {
			t.Errorf("%s: length %d", tt.rng, aws.ToInt64(out.ContentLength))
		}
	}
	for _, rng := range []string{"bytes=10-", "bytes=20-30", "bytes=-0"} {
		_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("r"), Range: aws.String(rng)})
		if apiCode(err) != "InvalidRange" || httpStatus(err) != 416 {
			t.Errorf("%s: %v", rng, err)
		}
	}
	// HEAD with a range answers like the GET would.
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("r"), Range: aws.String("bytes=2-3")})
	if err != nil || aws.ToInt64(h.ContentLength) != 2 {
		t.Errorf("HEAD range: %v %v", err, h)
	}
	// partNumber=1 of a simple object is the whole object.
	out, got := getBytes(t, c, b, "r", func(in *s3.GetObjectInput) { in.PartNumber = aws.Int32(1) })
	if string(got) != string(data) || out.PartsCount != nil {
		t.Errorf("partNumber=1: %q %v", got, out.PartsCount)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("r"), PartNumber: aws.Int32(2)})
	if apiCode(err) != "InvalidPartNumber" {
		t.Errorf("partNumber=2: %v", err)
	}
}

func TestConditionalGet(t *testing.T) {
	_, c, b := setup(t)
	ctx := context.Background()
	pout := put(t, c, b, "c", []byte("conditional"))
	etag := aws.ToString(pout.ETag)
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("c")})
	if err != nil {
		t.Fatal(err)
	}
	lm := *h.LastModified
	past, future := lm.Add(-time.Hour), lm.Add(time.Hour)
	tests := []struct {
		name   string
		in     s3.GetObjectInput
		status int // 200, 304, 412
	}{
		{"if-match", s3.GetObjectInput{IfMatch: aws.String(etag)}, 200},
		{"if-match wrong", s3.GetObjectInput{IfMatch: aws.String(`"nope"`)}, 412},
		{"if-none-match", s3.GetObjectInput{IfNoneMatch: aws.String(etag)}, 304},
		{"if-none-match other", s3.GetObjectInput{IfNoneMatch: aws.String(`"nope"`)}, 200},
		{"if-modified-since past", s3.GetObjectInput{IfModifiedSince: &past}, 200},
		{"if-modified-since future", s3.GetObjectInput{IfModifiedSince: &future}, 304},
		{"if-modified-since exact", s3.GetObjectInput{IfModifiedSince: &lm}, 304},
		{"if-unmodified-since future", s3.GetObjectInput{IfUnmodifiedSince: &future}, 200},
		{"if-unmodified-since past", s3.GetObjectInput{IfUnmodifiedSince: &past}, 412},
		{"if-match true + if-unmodified-since false", s3.GetObjectInput{IfMatch: aws.String(etag), IfUnmodifiedSince: &past}, 200},
		{"if-none-match false + if-modified-since true", s3.GetObjectInput{IfNoneMatch: aws.String(etag), IfModifiedSince: &past}, 304},
	}
	for _, tt := range tests {
		for _, head := range []bool{false, true} {
			in := tt.in
			in.Bucket, in.Key = aws.String(b), aws.String("c")
			var err error
			if head {
				_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: in.Bucket, Key: in.Key, IfMatch: in.IfMatch,
					IfNoneMatch: in.IfNoneMatch, IfModifiedSince: in.IfModifiedSince, IfUnmodifiedSince: in.IfUnmodifiedSince})
			} else {
				var out *s3.GetObjectOutput
				out, err = c.GetObject(ctx, &in)
				if err == nil {
					out.Body.Close()
				}
			}
			got := 200
			if err != nil {
				got = httpStatus(err)
			}
			if got != tt.status {
				t.Errorf("%s (head=%v): status %d (%v), want %d", tt.name, head, got, err, tt.status)
			}
			if tt.status == 412 && !head && apiCode(err) != "PreconditionFailed" {
				t.Errorf("%s: code %q", tt.name, apiCode(err))
			}
		}
	}
}

func TestNotModifiedRaw(t *testing.T) {
	env, c, b := setup(t)
	pout := put(t, c, b, "c", []byte("conditional"))
	req, _ := http.NewRequest("GET", env.Endpoint+"/"+b+"/c", nil)
	req.Header.Set("If-None-Match", aws.ToString(pout.ETag))
	sigv4.SignRequest(req, "test", "test", "us-east-1", "s3", time.Now(), "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 304 || len(body) != 0 || resp.Header.Get("ETag") != aws.ToString(pout.ETag) || resp.Header.Get("Last-Modified") == "" {
		t.Errorf("304: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	// 412 names the condition.
	req, _ = http.NewRequest("GET", env.Endpoint+"/"+b+"/c", nil)
	req.Header.Set("If-Match", `"nope"`)
	sigv4.SignRequest(req, "test", "test", "us-east-1", "s3", time.Now(), "")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 412 || !bytes.Contains(body, []byte("<Condition>If-Match</Condition>")) {
		t.Errorf("412: %d %s", resp.StatusCode, body)
	}
}

func TestResponseOverrides(t *testing.T) {
	_, c, b := setup(t)
	put(t, c, b, "o", []byte("x"), func(in *s3.PutObjectInput) { in.ContentType = aws.String("text/plain") })
	exp := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	out, _ := getBytes(t, c, b, "o", func(in *s3.GetObjectInput) {
		in.ResponseContentType = aws.String("application/json")
		in.ResponseContentLanguage = aws.String("en")
		in.ResponseExpires = &exp
		in.ResponseCacheControl = aws.String("no-cache")
		in.ResponseContentDisposition = aws.String("inline")
		in.ResponseContentEncoding = aws.String("identity")
	})
	if aws.ToString(out.ContentType) != "application/json" || aws.ToString(out.ContentLanguage) != "en" ||
		out.Expires == nil || !out.Expires.Equal(exp) || aws.ToString(out.CacheControl) != "no-cache" ||
		aws.ToString(out.ContentDisposition) != "inline" || aws.ToString(out.ContentEncoding) != "identity" {
		t.Errorf("overrides: %q %q %v %q %q %q", aws.ToString(out.ContentType), aws.ToString(out.ContentLanguage), out.Expires,
			aws.ToString(out.CacheControl), aws.ToString(out.ContentDisposition), aws.ToString(out.ContentEncoding))
	}
}

func TestCopyObject(t *testing.T) {
	_, c, b := setup(t)
	ctx := context.Background()
	data := randBytes(300 << 10)
	src := put(t, c, b, "src key+%", data, func(in *s3.PutObjectInput) {
		in.ContentType = aws.String("text/x-src")
		in.Metadata = map[string]string{"a": "1"}
	})
	copySource := url.PathEscape(b) + "/" + url.PathEscape("src key+%")

	// COPY (default): bytes and metadata copied.
	out, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("dst1"), CopySource: aws.String(copySource)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.CopyObjectResult.ETag) != aws.ToString(src.ETag) || out.CopyObjectResult.LastModified == nil {
		t.Errorf("copy result %+v", out.CopyObjectResult)
	}
	o, got := getBytes(t, c, b, "dst1")
	if !bytes.Equal(got, data) || aws.ToString(o.ContentType) != "text/x-src" || o.Metadata["a"] != "1" {
		t.Errorf("COPY: %d bytes, %q %v", len(got), aws.ToString(o.ContentType), o.Metadata)
	}

	// REPLACE: metadata from the request.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("dst2"), CopySource: aws.String(copySource),
		MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("text/x-new"), Metadata: map[string]string{"b": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	o, got = getBytes(t, c, b, "dst2")
	if !bytes.Equal(got, data) || aws.ToString(o.ContentType) != "text/x-new" || o.Metadata["b"] != "2" || o.Metadata["a"] != "" {
		t.Errorf("REPLACE: %q %v", aws.ToString(o.ContentType), o.Metadata)
	}

	// Self-copy without a change is illegal.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("src key+%"), CopySource: aws.String(copySource)})
	if apiCode(err) != "InvalidRequest" || !strings.Contains(err.Error(), "copy an object to itself") {
		t.Errorf("self copy: %v", err)
	}
	// ... but changing the storage class is a change.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("src key+%"), CopySource: aws.String(copySource),
		StorageClass: types.StorageClassStandardIa})
	if err != nil {
		t.Fatalf("self copy with storage class: %v", err)
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("src key+%")})
	if err != nil || h.StorageClass != types.StorageClassStandardIa || h.Metadata["a"] != "1" {
		t.Errorf("after storage class change: %v %+v", err, h)
	}
	_, got = getBytes(t, c, b, "src key+%")
	if !bytes.Equal(got, data) {
		t.Errorf("self copy changed the bytes")
	}
	// ... and so is REPLACE.
	if _, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("src key+%"), CopySource: aws.String(copySource),
		MetadataDirective: types.MetadataDirectiveReplace}); err != nil {
		t.Errorf("self copy REPLACE: %v", err)
	}

	// Source conditions.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("dst3"), CopySource: aws.String(copySource),
		CopySourceIfMatch: aws.String(`"nope"`)})
	if apiCode(err) != "PreconditionFailed" {
		t.Errorf("copy-source-if-match: %v", err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("dst3"), CopySource: aws.String(copySource),
		CopySourceIfNoneMatch: aws.String(aws.ToString(src.ETag))})
	if apiCode(err) != "PreconditionFailed" {
		t.Errorf("copy-source-if-none-match: %v", err)
	}
	future := time.Now().Add(time.Hour)
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("dst3"), CopySource: aws.String(copySource),
		CopySourceIfModifiedSince: &future})
	if apiCode(err) != "PreconditionFailed" {
		t.Errorf("copy-source-if-modified-since: %v", err)
	}
	if _, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("dst3"), CopySource: aws.String(copySource),
		CopySourceIfUnmodifiedSince: &future, CopySourceIfMatch: aws.String(aws.ToString(src.ETag))}); err != nil {
		t.Errorf("copy with true conditions: %v", err)
	}

	// Errors.
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("d"), CopySource: aws.String(b + "/missing")})
	if apiCode(err) != "NoSuchKey" {
		t.Errorf("missing source: %v", err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("d"), CopySource: aws.String("no-such-bucket-x/k")})
	if apiCode(err) != "NoSuchBucket" {
		t.Errorf("missing source bucket: %v", err)
	}
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("d"), CopySource: aws.String(copySource),
		MetadataDirective: "MOVE"})
	if apiCode(err) != "InvalidArgument" {
		t.Errorf("bad directive: %v", err)
	}
	put(t, c, b, "cold", []byte("x"), func(in *s3.PutObjectInput) { in.StorageClass = types.StorageClassGlacier })
	_, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("d"), CopySource: aws.String(b + "/cold")})
	if apiCode(err) != "InvalidObjectState" {
		t.Errorf("glacier source: %v", err)
	}

	// Copy across buckets, with a checksum algorithm.
	b2 := b + "-other"
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b2)}); err != nil {
		t.Fatal(err)
	}
	out, err = c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b2), Key: aws.String("x"), CopySource: aws.String(copySource),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.CopyObjectResult.ChecksumSHA256) == "" {
		t.Errorf("no SHA256 in the copy result")
	}
	_, got = getBytes(t, c, b2, "x")
	if !bytes.Equal(got, data) {
		t.Errorf("cross-bucket copy differs")
	}
	// The copy does not share bytes with the source: deleting the source
	// leaves it whole.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("src key+%")}); err != nil {
		t.Fatal(err)
	}
	_, got = getBytes(t, c, b2, "x")
	if !bytes.Equal(got, data) {
		t.Errorf("copy lost its bytes with the source")
	}
}

func TestDeleteObjects(t *testing.T) {
	env, c, b := setup(t)
	ctx := context.Background()
	for i := range 5 {
		put(t, c, b, fmt.Sprintf("d%d", i), []byte("x"))
	}
	// DeleteObject: 204, even for a missing key.
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("d0")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("never")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("d0")})
	if apiCode(err) != "NoSuchKey" {
		t.Errorf("deleted object: %v", err)
	}

	out, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("d1")}, {Key: aws.String("d2")}, {Key: aws.String("missing")},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 3 || len(out.Errors) != 0 || aws.ToString(out.Deleted[0].Key) != "d1" {
		t.Errorf("deleted %+v errors %+v", out.Deleted, out.Errors)
	}
	out, err = c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Quiet: aws.Bool(true),
		Objects: []types.ObjectIdentifier{{Key: aws.String("d3")}, {Key: aws.String("d4")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 0 || len(out.Errors) != 0 {
		t.Errorf("quiet: deleted %+v errors %+v", out.Deleted, out.Errors)
	}
	lo, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b)})
	if err == nil && len(lo.Contents) != 0 {
		t.Errorf("objects left: %d", len(lo.Contents))
	}
	// With the when-required client too (it still sends a checksum:
	// DeleteObjects requires one).
	put(t, c, b, "w", []byte("x"))
	if _, err := whenRequired(env).DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("w")}}}}); err != nil {
		t.Errorf("when-required DeleteObjects: %v", err)
	}

	// Raw requests: malformed XML, missing digest, too many keys.
	post := func(body string, md5ok bool) (int, string) {
		req, _ := http.NewRequest("POST", env.Endpoint+"/"+b+"?delete", strings.NewReader(body))
		if md5ok {
			s := md5.Sum([]byte(body))
			req.Header.Set("Content-MD5", base64.StdEncoding.EncodeToString(s[:]))
		}
		sigv4.SignRequest(req, "test", "test", "us-east-1", "s3", time.Now(), "")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		rb, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(rb)
	}
	if st, body := post("<Delete><Object><Key>a</Key></Object>", true); st != 400 || !strings.Contains(body, "MalformedXML") {
		t.Errorf("malformed: %d %s", st, body)
	}
	if st, body := post("<Delete></Delete>", true); st != 400 || !strings.Contains(body, "MalformedXML") {
		t.Errorf("empty: %d %s", st, body)
	}
	if st, body := post("<Delete><Object><Key>a</Key></Object></Delete>", false); st != 400 || !strings.Contains(body, "Missing required header for this request: Content-MD5") {
		t.Errorf("no digest: %d %s", st, body)
	}
	var many strings.Builder
	many.WriteString("<Delete>")
	for i := range 1001 {
		fmt.Fprintf(&many, "<Object><Key>k%d</Key></Object>", i)
	}
	many.WriteString("</Delete>")
	if st, body := post(many.String(), true); st != 400 || !strings.Contains(body, "MalformedXML") {
		t.Errorf("1001 keys: %d %s", st, body)
	}
	if st, body := post(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a&amp;b</Key></Object></Delete>`, true); st != 200 ||
		!strings.Contains(body, "<Deleted><Key>a&amp;b</Key></Deleted>") || !strings.Contains(body, `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`) {
		t.Errorf("raw delete: %d %s", st, body)
	}
}

func TestIntegrityFailuresStoreNothing(t *testing.T) {
	env, c, b := setup(t)
	ctx := context.Background()
	wr := whenRequired(env)
	zero := base64.StdEncoding.EncodeToString(make([]byte, 16))
	_, err := wr.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("md5"), Body: strings.NewReader("data"), ContentMD5: aws.String(zero)})
	if apiCode(err) != "BadDigest" {
		t.Errorf("wrong Content-MD5: %v", err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("md5")})
	if apiCode(err) != "NoSuchKey" {
		t.Errorf("after BadDigest: %v", err)
	}
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("crc"), Body: strings.NewReader("data"), ChecksumCRC32: aws.String("AAAAAA==")})
	if apiCode(err) != "BadDigest" || !strings.Contains(err.Error(), "The CRC32 you specified did not match the calculated checksum.") {
		t.Errorf("wrong CRC32: %v", err)
	}
	_, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("crc")})
	if apiCode(err) != "NoSuchKey" {
		t.Errorf("after bad CRC32: %v", err)
	}
	// A correct checksum given by the caller is stored and echoed.
	out := put(t, wr, b, "ok", []byte("hello world"), func(in *s3.PutObjectInput) { in.ChecksumSHA1 = aws.String("Kq5sNclPz7QV2+lfQIuc6R7oRu0=") })
	if aws.ToString(out.ChecksumSHA1) != "Kq5sNclPz7QV2+lfQIuc6R7oRu0=" {
		t.Errorf("PUT echo %v", aws.ToString(out.ChecksumSHA1))
	}
	g, _ := getBytes(t, c, b, "ok", func(in *s3.GetObjectInput) { in.ChecksumMode = types.ChecksumModeEnabled })
	if aws.ToString(g.ChecksumSHA1) != "Kq5sNclPz7QV2+lfQIuc6R7oRu0=" {
		t.Errorf("GET checksum %v", aws.ToString(g.ChecksumSHA1))
	}
}

func TestGlacier(t *testing.T) {
	_, c, b := setup(t)
	ctx := context.Background()
	put(t, c, b, "cold", []byte("x"), func(in *s3.PutObjectInput) { in.StorageClass = types.StorageClassDeepArchive })
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("cold")})
	if apiCode(err) != "InvalidObjectState" || httpStatus(err) != 403 {
		t.Errorf("GET: %v", err)
	}
	h, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("cold")})
	if err != nil || h.StorageClass != types.StorageClassDeepArchive {
		t.Errorf("HEAD: %v %+v", err, h)
	}
}

func TestMissingKey(t *testing.T) {
	env, c, b := setup(t)
	ctx := context.Background()
	_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("nope")})
	if apiCode(err) != "NoSuchKey" || httpStatus(err) != 404 {
		t.Errorf("GET: %v", err)
	}
	_, err = c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("nope")})
	if httpStatus(err) != 404 {
		t.Errorf("HEAD: %v", err)
	}
	req, _ := http.NewRequest("GET", env.Endpoint+"/"+b+"/nope", nil)
	sigv4.SignRequest(req, "test", "test", "us-east-1", "s3", time.Now(), "")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte("<Key>nope</Key>")) {
		t.Errorf("NoSuchKey without Key: %s", body)
	}
}

// awsChunked frames payload as an unsigned aws-chunked body with the given
// trailer lines.
func awsChunked(payload []byte, chunk int, trailer string) []byte {
	var b bytes.Buffer
	for len(payload) > 0 {
		n := min(chunk, len(payload))
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(payload[:n])
		b.WriteString("\r\n")
		payload = payload[n:]
	}
	b.WriteString("0\r\n")
	b.WriteString(trailer)
	b.WriteString("\r\n")
	return b.Bytes()
}

func TestAWSChunkedRaw(t *testing.T) {
	env, c, b := setup(t)
	ctx := context.Background()
	payload := randBytes(100 << 10)
	h := crc32.NewIEEE()
	h.Write(payload)
	good := base64.StdEncoding.EncodeToString(h.Sum(nil))

	send := func(key string, body []byte) (int, string) {
		req, _ := http.NewRequest("PUT", env.Endpoint+"/"+b+"/"+key, bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Encoding", "aws-chunked")
		req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(payload)))
		req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
		req.Header.Set("X-Amz-Sdk-Checksum-Algorithm", "CRC32")
		sigv4.SignRequest(req, "test", "test", "us-east-1", "s3", time.Now(), "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		rb, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(rb)
	}
	full := awsChunked(payload, 64<<10, "x-amz-checksum-crc32:"+good+"\r\n")
	if st, body := send("good", full); st != 200 {
		t.Fatalf("good: %d %s", st, body)
	}
	o, got := getBytes(t, c, b, "good", func(in *s3.GetObjectInput) { in.ChecksumMode = types.ChecksumModeEnabled })
	if !bytes.Equal(got, payload) || aws.ToString(o.ChecksumCRC32) != good || aws.ToString(o.ContentEncoding) != "" {
		t.Errorf("good: %d bytes, crc %q, encoding %q", len(got), aws.ToString(o.ChecksumCRC32), aws.ToString(o.ContentEncoding))
	}

	// Wrong trailer checksum.
	bad := awsChunked(payload, 64<<10, "x-amz-checksum-crc32:AAAAAA==\r\n")
	if st, body := send("badcrc", bad); st != 400 || !strings.Contains(body, "BadDigest") {
		t.Errorf("bad trailer: %d %s", st, body)
	}
	// Truncated in the middle of a chunk.
	if st, body := send("cut", full[:len(full)/2]); st != 400 {
		t.Errorf("truncated: %d %s", st, body)
	}
	for _, k := range []string{"badcrc", "cut"} {
		_, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(k)})
		if apiCode(err) != "NoSuchKey" {
			t.Errorf("%s stored: %v", k, err)
		}
	}
}
