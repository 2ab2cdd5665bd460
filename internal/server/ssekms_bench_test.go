package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/testenv"
)

// BenchmarkSSEGet measures signed GETs over loopback through the real
// server of one object encrypted with SSE-S3 and one with SSE-KMS (a
// customer managed key with the default key policy, read by the account's
// root user): every SSE-KMS GET authorizes kms:Decrypt, small-object
// cache hits included.
func BenchmarkSSEGet(b *testing.B) {
	bg := context.Background()
	env := testenv.Start(b, testenv.Options{})
	sc := env.S3()
	kc := kmsClient(env, "test", "test")
	ck, err := kc.CreateKey(bg, &kms.CreateKeyInput{})
	if err != nil {
		b.Fatal(err)
	}
	const bucket = "bench-sse"
	if _, err := sc.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		b.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	for _, sz := range []struct {
		name string
		size int
	}{{"1KiB", 1 << 10}, {"1MiB", 1 << 20}} {
		for _, mode := range []string{"SSE-S3", "SSE-KMS"} {
			b.Run(sz.name+"/"+mode, func(b *testing.B) {
				data := make([]byte, sz.size)
				rand.Read(data)
				key := "obj-" + sz.name + "-" + mode
				in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)}
				if mode == "SSE-KMS" {
					in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, ck.KeyMetadata.Arn
				}
				if _, err := sc.PutObject(bg, in); err != nil {
					b.Fatal(err)
				}
				url := env.Endpoint + "/" + bucket + "/" + key
				n := runtime.GOMAXPROCS(0) * 4
				hc := &http.Client{Transport: &http.Transport{MaxIdleConns: n, MaxIdleConnsPerHost: n, DisableCompression: true}}
				signer := v4.NewSigner()
				b.SetBytes(int64(sz.size))
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
						if resp.StatusCode != 200 || got != int64(sz.size) {
							b.Fatalf("GET: %d, %d bytes", resp.StatusCode, got)
						}
					}
				})
			})
		}
	}
}
