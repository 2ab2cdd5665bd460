package testenv

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// emptySHA256 is the SHA-256 of an empty payload.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// BenchSignedGET runs b's loop in parallel: each iteration signs (as the
// aws-sdk-go-v2 signer does) and sends a GET of url as the default
// account's root, and fails unless it gets 200 and size bytes.
func BenchSignedGET(b *testing.B, url string, size int64) {
	n := runtime.GOMAXPROCS(0) * 4
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n, DisableCompression: true}}
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	signer := v4.NewSigner()
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 64<<10)
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
			if err := signer.SignHTTP(context.Background(), creds, req, emptySHA256, "s3", "us-east-1", time.Now()); err != nil {
				b.Fatal(err)
			}
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			got, _ := io.CopyBuffer(io.Discard, resp.Body, buf)
			resp.Body.Close()
			if resp.StatusCode != 200 || got != size {
				b.Fatalf("GET: %d, %d bytes", resp.StatusCode, got)
			}
		}
	})
}
