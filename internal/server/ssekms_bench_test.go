package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
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
				testenv.BenchSignedGET(b, url, int64(sz.size))
			})
		}
	}
}
