package sigv4

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sdkGET is a GetObject as aws-sdk-go-v2 signs it: six signed headers
// (amz-sdk-invocation-id, amz-sdk-request, host, x-amz-checksum-mode,
// x-amz-content-sha256, x-amz-date), as a net/http server hands it over.
func sdkGET(tb testing.TB, now time.Time) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:4566/my-bucket/photos/2024/cat%20picture.jpg?x-id=GetObject", nil)
	r.Body = http.NoBody
	r.Header.Set("User-Agent", "aws-sdk-go-v2/1.30.0 os/linux lang/go#1.26 md/GOOS#linux api/s3#1.58.0")
	r.Header.Set("Amz-Sdk-Invocation-Id", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6")
	r.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	r.Header.Set("X-Amz-Checksum-Mode", "ENABLED")
	r.Header.Set("X-Amz-Content-Sha256", EmptyPayloadHash)
	r.Header.Set("Accept-Encoding", "identity")
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	out := r.Clone(context.Background())
	out.URL.Host, out.Host = "127.0.0.1:4566", "127.0.0.1:4566"
	out.Header.Del("Accept-Encoding") // not signed by the SDK (added by the transport)
	if err := signer.SignHTTP(context.Background(), sdkCreds, out, EmptyPayloadHash, "s3", "us-east-1", now); err != nil {
		tb.Fatal(err)
	}
	r.Header.Set("Authorization", out.Header.Get("Authorization"))
	r.Header.Set("X-Amz-Date", out.Header.Get("X-Amz-Date"))
	return r
}

func BenchmarkVerifyGET(b *testing.B) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	r := sdkGET(b, now)
	v := &Verifier{Creds: staticCreds{sdkAKID: sdkSecret}, Now: func() time.Time { return now }}
	res, err := v.Verify(r)
	if err != nil {
		b.Fatal(err)
	}
	if res.SignedHeaders != "amz-sdk-invocation-id;amz-sdk-request;host;x-amz-checksum-mode;x-amz-content-sha256;x-amz-date" {
		b.Fatalf("signed headers %s", res.SignedHeaders)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyGETParallel(b *testing.B) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	v := &Verifier{Creds: staticCreds{sdkAKID: sdkSecret}, Now: func() time.Time { return now }}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := sdkGET(b, now)
		for pb.Next() {
			if _, err := v.Verify(r); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkVerifyPresignedGET(b *testing.B) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	u := Presign(httptest.NewRequest(http.MethodGet, "http://127.0.0.1:4566/my-bucket/photos/cat.jpg", nil),
		sdkAKID, sdkSecret, "us-east-1", "s3", now, time.Hour)
	r := httptest.NewRequest(http.MethodGet, u, nil)
	v := &Verifier{Creds: staticCreds{sdkAKID: sdkSecret}, Now: func() time.Time { return now }}
	if _, err := v.Verify(r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(r); err != nil {
			b.Fatal(err)
		}
	}
}

func TestVerifyGETAllocs(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	r := sdkGET(t, now)
	v := &Verifier{Creds: staticCreds{sdkAKID: sdkSecret}, Now: func() time.Time { return now }}
	if _, err := v.Verify(r); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { v.Verify(r) }); n > 2 {
		t.Errorf("Verify of a signed GET allocates %v times", n)
	}
}
