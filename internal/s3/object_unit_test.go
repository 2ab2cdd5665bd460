package s3

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/sse"
	"github.com/edgegate/edgegate/internal/store"
	"github.com/edgegate/edgegate/internal/store/fsblob"
)

func TestContentHeadersFrom(t *testing.T) {
	h := http.Header{}
	h.Set("Content-Type", "text/plain")
	h.Set("Content-Encoding", "aws-chunked, gzip")
	h.Set("Content-Disposition", `attachment; filename="a b.txt"`)
	h.Set("Content-Language", "fr")
	h.Set("Cache-Control", "max-age=60")
	h.Set("Expires", "Thu, 01 Dec 1994 16:00:00 GMT")
	h.Set("X-Amz-Meta-Color", "blue")
	h["x-amz-meta-MixedCase"] = []string{"v"}
	h.Add("X-Amz-Meta-Multi", "a")
	h.Add("X-Amz-Meta-Multi", "b")
	var obj store.Object
	if err := contentHeadersFrom(h, &obj); err != nil {
		t.Fatal(err)
	}
	want := store.Object{
		ContentType: "text/plain", ContentEncoding: "gzip",
		ContentDisposition: `attachment; filename="a b.txt"`, ContentLanguage: "fr",
		CacheControl: "max-age=60", Expires: "Thu, 01 Dec 1994 16:00:00 GMT",
	}
	if obj.ContentType != want.ContentType || obj.ContentEncoding != want.ContentEncoding ||
		obj.ContentDisposition != want.ContentDisposition || obj.ContentLanguage != want.ContentLanguage ||
		obj.CacheControl != want.CacheControl || obj.Expires != want.Expires {
		t.Errorf("got %+v", obj)
	}
	if len(obj.UserMeta) != 3 || obj.UserMeta["color"] != "blue" || obj.UserMeta["mixedcase"] != "v" || obj.UserMeta["multi"] != "a,b" {
		t.Errorf("user meta %v", obj.UserMeta)
	}

	// Defaults.
	var empty store.Object
	h2 := http.Header{"Content-Encoding": {"aws-chunked"}}
	if err := contentHeadersFrom(h2, &empty); err != nil {
		t.Fatal(err)
	}
	if empty.ContentType != "binary/octet-stream" || empty.ContentEncoding != "" || empty.UserMeta != nil {
		t.Errorf("defaults: %+v", empty)
	}
}

func TestUserMetaLimit(t *testing.T) {
	h := http.Header{}
	h.Set("X-Amz-Meta-K", strings.Repeat("v", 2047)) // 1 + 2047 = 2048: allowed
	if _, err := userMetaFrom(h); err != nil {
		t.Fatalf("2048 bytes: %v", err)
	}
	h.Set("X-Amz-Meta-K2", "")
	h.Set("X-Amz-Meta-K", strings.Repeat("v", 2047))
	h.Set("X-Amz-Meta-Kk", "x") // 2048 + 3
	if _, err := userMetaFrom(h); !isCode(err, "MetadataTooLarge") {
		t.Fatalf("over 2 KB: %v", err)
	}
}

func TestStorageClassFrom(t *testing.T) {
	for _, sc := range []string{"STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "OUTPOSTS", "SNOW", "EXPRESS_ONEZONE"} {
		got, err := storageClassFrom(http.Header{"X-Amz-Storage-Class": {sc}})
		if err != nil || got != sc {
			t.Errorf("%s: %q %v", sc, got, err)
		}
	}
	if got, err := storageClassFrom(http.Header{}); got != "STANDARD" || err != nil {
		t.Errorf("absent: %q %v", got, err)
	}
	for _, sc := range []string{"", "standard", "COLD"} {
		if _, err := storageClassFrom(http.Header{"X-Amz-Storage-Class": {sc}}); !isCode(err, "InvalidStorageClass") {
			t.Errorf("%q: %v", sc, err)
		}
	}
}

func TestStripAWSChunked(t *testing.T) {
	tests := map[string]string{
		"aws-chunked": "", "aws-chunked,gzip": "gzip", "gzip, aws-chunked": "gzip",
		"gzip,br": "gzip,br", "AWS-CHUNKED , identity": "identity",
	}
	for in, want := range tests {
		if got := stripAWSChunked([]string{in}); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}

func TestParseRange(t *testing.T) {
	tests := []struct {
		header string
		size   int64
		ok     bool
		start  int64
		length int64
		err    bool
	}{
		{"", 10, false, 0, 0, false},
		{"bytes=0-4", 10, true, 0, 5, false},
		{"bytes=2-2", 10, true, 2, 1, false},
		{"bytes=5-", 10, true, 5, 5, false},
		{"bytes=5-100", 10, true, 5, 5, false},
		{"bytes=-3", 10, true, 7, 3, false},
		{"bytes=-30", 10, true, 0, 10, false},
		{"bytes=9-9", 10, true, 9, 1, false},
		{"bytes=10-", 10, false, 0, 0, true},
		{"bytes=10-20", 10, false, 0, 0, true},
		{"bytes=-0", 10, false, 0, 0, true},
		{"bytes=0-", 0, false, 0, 0, true},
		{"bytes=-1", 0, false, 0, 0, true},
		// Ignored: the whole object is served.
		{"bytes=0-1,3-4", 10, false, 0, 0, false},
		{"bytes=4-2", 10, false, 0, 0, false},
		{"bytes=a-b", 10, false, 0, 0, false},
		{"items=0-1", 10, false, 0, 0, false},
		{"bytes=-", 10, false, 0, 0, false},
		{"bytes=1", 10, false, 0, 0, false},
		{"bytes=+1-2", 10, false, 0, 0, false},
	}
	for _, tt := range tests {
		r, ok, err := parseRange(tt.header, tt.size)
		if (err != nil) != tt.err || ok != tt.ok || (ok && (r.Start != tt.start || r.Length != tt.length)) {
			t.Errorf("parseRange(%q, %d) = %+v %v %v", tt.header, tt.size, r, ok, err)
		}
		if err != nil {
			if !isCode(err, "InvalidRange") {
				t.Errorf("%q: %v", tt.header, err)
			}
		}
	}
	if got := (byteRange{Start: 2, Length: 3}).contentRange(10); got != "bytes 2-4/10" {
		t.Errorf("contentRange = %q", got)
	}
}

func TestConditions(t *testing.T) {
	lm := time.Date(2024, 5, 6, 7, 8, 9, 500e6, time.UTC) // .5 s: compared at second precision
	const etag = "abc"
	before := httpTime(lm.Add(-time.Hour))
	at := httpTime(lm)
	after := httpTime(lm.Add(time.Hour))
	tests := []struct {
		name   string
		h      map[string]string
		res    condResult
		failed string
	}{
		{"none", nil, condProceed, ""},
		{"if-match ok", map[string]string{"If-Match": `"abc"`}, condProceed, ""},
		{"if-match unquoted", map[string]string{"If-Match": `abc`}, condProceed, ""},
		{"if-match list", map[string]string{"If-Match": `"x", "abc"`}, condProceed, ""},
		{"if-match star", map[string]string{"If-Match": `*`}, condProceed, ""},
		{"if-match fails", map[string]string{"If-Match": `"x"`}, condFailed, "If-Match"},
		{"if-unmodified-since ok", map[string]string{"If-Unmodified-Since": at}, condProceed, ""},
		{"if-unmodified-since fails", map[string]string{"If-Unmodified-Since": before}, condFailed, "If-Unmodified-Since"},
		{"if-match true beats if-unmodified-since false", map[string]string{"If-Match": `"abc"`, "If-Unmodified-Since": before}, condProceed, ""},
		{"if-none-match matches", map[string]string{"If-None-Match": `"abc"`}, condNotModified, "If-None-Match"},
		{"if-none-match star", map[string]string{"If-None-Match": `*`}, condNotModified, "If-None-Match"},
		{"if-none-match other", map[string]string{"If-None-Match": `"x"`}, condProceed, ""},
		{"if-modified-since not modified", map[string]string{"If-Modified-Since": at}, condNotModified, "If-Modified-Since"},
		{"if-modified-since later", map[string]string{"If-Modified-Since": after}, condNotModified, "If-Modified-Since"},
		{"if-modified-since modified", map[string]string{"If-Modified-Since": before}, condProceed, ""},
		{"if-none-match false + if-modified-since true → 304", map[string]string{"If-None-Match": `"abc"`, "If-Modified-Since": before}, condNotModified, "If-None-Match"},
		{"if-none-match true + if-modified-since false → 200", map[string]string{"If-None-Match": `"x"`, "If-Modified-Since": after}, condProceed, ""},
		{"bad date ignored", map[string]string{"If-Modified-Since": "yesterday"}, condProceed, ""},
		{"if-match fails before if-none-match", map[string]string{"If-Match": `"x"`, "If-None-Match": `"abc"`}, condFailed, "If-Match"},
	}
	for _, tt := range tests {
		h := http.Header{}
		for k, v := range tt.h {
			h.Set(k, v)
		}
		res, failed := conditionsFrom(h, "").evaluate(etag, lm)
		if res != tt.res || failed != tt.failed {
			t.Errorf("%s: %v %q, want %v %q", tt.name, res, failed, tt.res, tt.failed)
		}
	}
	// Copy-source conditions are read under their prefix.
	h := http.Header{}
	h.Set("X-Amz-Copy-Source-If-Match", `"x"`)
	if res, failed := conditionsFrom(h, "X-Amz-Copy-Source-").evaluate(etag, lm); res != condFailed || failed != "If-Match" {
		t.Errorf("copy source: %v %q", res, failed)
	}
}

func TestParseCopySource(t *testing.T) {
	tests := []struct {
		in                   string
		bucket, key, version string
		bad                  bool
	}{
		{in: "b/k", bucket: "b", key: "k"},
		{in: "/b/k", bucket: "b", key: "k"},
		{in: "b/dir/sub/k.txt", bucket: "b", key: "dir/sub/k.txt"},
		{in: "b/a%20b%2Bc+d", bucket: "b", key: "a b+c+d"},
		{in: "b/%E2%82%AC%25", bucket: "b", key: "€%"},
		{in: "b/../x", bucket: "b", key: "../x"},
		{in: "b/k?versionId=abc", bucket: "b", key: "k", version: "abc"},
		{in: "/b/k%3Fq?versionId=null", bucket: "b", key: "k?q", version: "null"},
		{in: "b/k/", bucket: "b", key: "k/"},
		{in: "b", bad: true},
		{in: "b/", bad: true},
		{in: "/k", bad: true},
		{in: "", bad: true},
		{in: "b/%zz", bad: true},
		{in: "b/%ff", bad: true},
		{in: "b/k?versionId=", bad: true},
	}
	for _, tt := range tests {
		b, k, v, err := parseCopySource(tt.in)
		if tt.bad {
			if !isCode(err, "InvalidArgument") {
				t.Errorf("%q: err %v, want InvalidArgument", tt.in, err)
			}
			continue
		}
		if err != nil || b != tt.bucket || k != tt.key || v != tt.version {
			t.Errorf("%q = %q %q %q %v", tt.in, b, k, v, err)
		}
	}
}

// ingestEnv is a Service over a real fsblob store, for ingest tests.
func ingestEnv(t *testing.T) (*Service, string) {
	t.Helper()
	dir := t.TempDir()
	blobs, err := fsblob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	key := make([]byte, sse.S3MasterKeySize)
	rand.Read(key)
	sealer, err := sse.NewS3Sealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return &Service{blobs: blobs, sseS3: sealer}, dir
}

// countFiles counts regular files under dir (blobs and temp files).
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && d.Name() != ".lock" {
			n++
		}
		return nil
	})
	return n
}

type shortReader struct {
	r io.Reader
}

func (s shortReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func TestIngest(t *testing.T) {
	body := "hello world"
	sum := md5.Sum([]byte(body))
	goodMD5 := base64.StdEncoding.EncodeToString(sum[:])
	tests := []struct {
		name   string
		header map[string]string
		body   io.Reader
		length int64
		code   string // "" = success
		sums   map[string]string
	}{
		{name: "plain", sums: map[string]string{algCRC64NVME: "jSnVw/bqjr4="}},
		{name: "content-md5", header: map[string]string{"Content-MD5": goodMD5}, sums: map[string]string{algCRC64NVME: "jSnVw/bqjr4="}},
		{name: "crc32 header", header: map[string]string{"X-Amz-Checksum-Crc32": "DUoRhQ=="}, sums: map[string]string{algCRC32: "DUoRhQ=="}},
		{name: "sha256 header", header: map[string]string{"X-Amz-Checksum-Sha256": "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="}, sums: map[string]string{algSHA256: "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="}},
		{name: "bad md5", header: map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(make([]byte, 16))}, code: "BadDigest"},
		{name: "malformed md5", header: map[string]string{"Content-MD5": "abc"}, code: "InvalidDigest"},
		{name: "bad crc32", header: map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA=="}, code: "BadDigest"},
		{name: "bad crc32c", header: map[string]string{"X-Amz-Checksum-Crc32c": "AAAAAA=="}, code: "BadDigest"},
		{name: "bad crc64", header: map[string]string{"X-Amz-Checksum-Crc64nvme": "AAAAAAAAAAA="}, code: "BadDigest"},
		{name: "bad sha1", header: map[string]string{"X-Amz-Checksum-Sha1": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}, code: "BadDigest"},
		{name: "short body", body: shortReader{strings.NewReader("hello")}, code: "IncompleteBody"},
		{name: "no length", length: -1, code: "MissingContentLength"},
		{name: "too large", length: 5<<30 + 1, code: "EntityTooLarge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, dir := ingestEnv(t)
			var rb io.Reader = strings.NewReader(body)
			if tt.body != nil {
				rb = tt.body
			}
			r, _ := http.NewRequest("PUT", "http://x/b/k", io.NopCloser(rb))
			r.ContentLength = int64(len(body))
			if tt.length != 0 {
				r.ContentLength = tt.length
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			q := &request{call: &reqctx.Call{Principal: identity.Principal{Type: identity.Root, Account: "111111111111"}}}
			seal, err := s.newBlobSeal(context.Background(), q, sseS3, "b", "k")
			if err != nil {
				t.Fatal(err)
			}
			in, err := s.ingest(context.Background(), r, q, seal)
			if tt.code != "" {
				if !isCode(err, tt.code) {
					t.Fatalf("err = %v, want %s", err, tt.code)
				}
				if n := countFiles(t, dir); n != 0 {
					t.Errorf("%d files left after a failed ingest", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if in.Size != int64(len(body)) || in.MD5 != hex.EncodeToString(sum[:]) || in.ChecksumType != "FULL_OBJECT" {
				t.Errorf("ingested %+v", in)
			}
			for k, v := range tt.sums {
				if in.Checksums[k] != v {
					t.Errorf("checksum %s = %q, want %q", k, in.Checksums[k], v)
				}
			}
			// The blob holds the body encrypted (never in plaintext), and
			// decrypts to it.
			b, err := s.blobs.Open(context.Background(), in.BlobID)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			raw, _ := io.ReadAll(io.NewSectionReader(b, 0, 1<<20))
			if strings.Contains(string(raw), body) {
				t.Errorf("blob holds the plaintext: %q", raw)
			}
			dr, err := s.openSealed(context.Background(), q, b, sseS3, sseS3.encryptionContext("b", "k"))
			if err != nil {
				t.Fatal(err)
			}
			defer dr.Close()
			got, _ := io.ReadAll(io.NewSectionReader(dr, 0, 1<<20))
			if string(got) != body {
				t.Errorf("blob decrypts to %q", got)
			}
			if n := countFiles(t, dir); n != 1 {
				t.Errorf("%d files, want 1", n)
			}
		})
	}
}

func TestResponseOverridesAnonymous(t *testing.T) {
	q := &request{call: &reqctx.Call{Principal: identity.AnonymousPrincipal}, query: map[string][]string{"response-content-type": {"a/b"}}}
	if err := applyResponseOverrides(http.Header{}, q); !isCode(err, "InvalidRequest") {
		t.Errorf("anonymous override: %v", err)
	}
	q.call.Principal = identity.Principal{Type: identity.Root, Account: "111111111111"}
	h := http.Header{}
	if err := applyResponseOverrides(h, q); err != nil || h.Get("Content-Type") != "a/b" {
		t.Errorf("signed override: %v %v", err, h)
	}
	q.query = nil
	q.call.Principal = identity.AnonymousPrincipal
	if err := applyResponseOverrides(http.Header{}, q); err != nil {
		t.Errorf("anonymous without overrides: %v", err)
	}
}
