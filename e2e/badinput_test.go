package e2e

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// s3Error reads an S3 error response and returns its status and Code.
func s3Error(t *testing.T, resp *http.Response) (int, string) {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	code := ""
	if i := bytes.Index(body, []byte("<Code>")); i >= 0 {
		rest := body[i+6:]
		if j := bytes.Index(rest, []byte("</Code>")); j >= 0 {
			code = string(rest[:j])
		}
	}
	if resp.Header.Get("x-amz-request-id") == "" {
		t.Errorf("error response without x-amz-request-id: %s", body)
	}
	return resp.StatusCode, code
}

func emptyHash() string {
	h := sha256.Sum256(nil)
	return hex.EncodeToString(h[:])
}

// TestBadInput sends what clients get wrong and checks each gets AWS's code
// and that nothing is stored.
func TestBadInput(t *testing.T) {
	p := startEdgegate(t, t.TempDir(), "--log-requests=false")
	client := p.s3Client()
	if _, err := client.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("bad")}); err != nil {
		t.Fatal(err)
	}
	creds := aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
	signer := v4.NewSigner()
	do := func(req *http.Request) *http.Response {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	mustNotExist := func(key string) {
		t.Helper()
		_, err := client.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("bad"), Key: aws.String(key)})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NotFound" {
			t.Errorf("%s: stored after a rejected request (head: %v)", key, err)
		}
	}

	t.Run("expired presigned URL", func(t *testing.T) {
		req, _ := http.NewRequest("GET", p.endpoint+"/bad/x?X-Amz-Expires=60", nil)
		url, _, err := signer.PresignHTTP(bg, creds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now().Add(-time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		get, _ := http.NewRequest("GET", url, nil)
		if status, code := s3Error(t, do(get)); status != 403 || code != "AccessDenied" {
			t.Fatalf("expired presigned URL: %d %s, want 403 AccessDenied", status, code)
		}
	})

	t.Run("skewed clock", func(t *testing.T) {
		req, _ := http.NewRequest("GET", p.endpoint+"/bad", nil)
		req.Header.Set("X-Amz-Content-Sha256", emptyHash())
		if err := signer.SignHTTP(bg, creds, req, emptyHash(), "s3", "us-east-1", time.Now().Add(-20*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if status, code := s3Error(t, do(req)); status != 403 || code != "RequestTimeTooSkewed" {
			t.Fatalf("skewed request: %d %s, want 403 RequestTimeTooSkewed", status, code)
		}
	})

	t.Run("unknown access key", func(t *testing.T) {
		other := s3.NewFromConfig(aws.Config{
			Region: "us-east-1", BaseEndpoint: aws.String(p.endpoint),
			Credentials: credentials.NewStaticCredentialsProvider("AKIANOBODY", "secret", ""),
		}, func(o *s3.Options) { o.UsePathStyle = true })
		_, err := other.ListBuckets(bg, &s3.ListBucketsInput{})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidAccessKeyId" {
			t.Fatalf("unknown key: %v, want InvalidAccessKeyId", err)
		}
	})

	t.Run("wrong secret", func(t *testing.T) {
		req, _ := http.NewRequest("GET", p.endpoint+"/bad", nil)
		req.Header.Set("X-Amz-Content-Sha256", emptyHash())
		// A fresh signer: the SDK caches derived keys by access key id.
		v4.NewSigner().SignHTTP(bg, aws.Credentials{AccessKeyID: "test", SecretAccessKey: "wrong"}, req, emptyHash(), "s3", "us-east-1", time.Now())
		if status, code := s3Error(t, do(req)); status != 403 || code != "SignatureDoesNotMatch" {
			t.Fatalf("wrong secret: %d %s, want 403 SignatureDoesNotMatch", status, code)
		}
	})

	t.Run("payload hash mismatch", func(t *testing.T) {
		body := []byte("hello")
		req, _ := http.NewRequest("PUT", p.endpoint+"/bad/hash", bytes.NewReader(body))
		wrong := sha256.Sum256([]byte("other"))
		req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(wrong[:]))
		signer.SignHTTP(bg, creds, req, hex.EncodeToString(wrong[:]), "s3", "us-east-1", time.Now())
		if status, code := s3Error(t, do(req)); status != 400 || code != "XAmzContentSHA256Mismatch" {
			t.Fatalf("payload hash mismatch: %d %s", status, code)
		}
		mustNotExist("hash")
	})

	t.Run("wrong Content-MD5", func(t *testing.T) {
		_, err := client.PutObject(bg, &s3.PutObjectInput{
			Bucket: aws.String("bad"), Key: aws.String("md5"), Body: strings.NewReader("payload"),
			ContentMD5: aws.String("1B2M2Y8AsgTpgAmY7PhCfg=="), // md5 of ""
		})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "BadDigest" {
			t.Fatalf("wrong Content-MD5: %v", err)
		}
		mustNotExist("md5")
	})

	t.Run("wrong checksum", func(t *testing.T) {
		_, err := client.PutObject(bg, &s3.PutObjectInput{
			Bucket: aws.String("bad"), Key: aws.String("crc"), Body: strings.NewReader("payload"),
			ChecksumCRC32: aws.String("AAAAAA=="),
		})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "BadDigest" {
			t.Fatalf("wrong CRC32: %v", err)
		}
		mustNotExist("crc")
	})

	t.Run("key over 1024 bytes", func(t *testing.T) {
		_, err := client.PutObject(bg, &s3.PutObjectInput{
			Bucket: aws.String("bad"), Key: aws.String(strings.Repeat("k", 1025)), Body: strings.NewReader("x"),
		})
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "KeyTooLongError" {
			t.Fatalf("1025-byte key: %v", err)
		}
	})

	t.Run("bad bucket names", func(t *testing.T) {
		for _, name := range []string{"ab", "UPPER", "has_underscore", "192.168.0.1", "-dash", "a..b", strings.Repeat("a", 64)} {
			_, err := client.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String(name)})
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidBucketName" {
				t.Errorf("bucket %q: %v, want InvalidBucketName", name, err)
			}
		}
	})

	t.Run("malformed XML", func(t *testing.T) {
		for _, c := range []struct{ method, path, body string }{
			{"POST", "/bad?delete", "<Delete><Object><Key>a</Key></Object"},
			{"PUT", "/newbucket", "<CreateBucketConfiguration><LocationConstraint>"},
		} {
			req, _ := http.NewRequest(c.method, p.endpoint+c.path, strings.NewReader(c.body))
			sum := sha256.Sum256([]byte(c.body))
			req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
			req.Header.Set("Content-MD5", md5b64([]byte(c.body)))
			signer.SignHTTP(bg, creds, req, hex.EncodeToString(sum[:]), "s3", "us-east-1", time.Now())
			if status, code := s3Error(t, do(req)); status != 400 || code != "MalformedXML" {
				t.Errorf("%s %s with malformed XML: %d %s", c.method, c.path, status, code)
			}
		}
		if _, err := client.HeadBucket(bg, &s3.HeadBucketInput{Bucket: aws.String("newbucket")}); err == nil {
			t.Error("bucket created from malformed XML")
		}
	})

	t.Run("SigV2 refused", func(t *testing.T) {
		req, _ := http.NewRequest("GET", p.endpoint+"/bad", nil)
		req.Header.Set("Authorization", "AWS test:c2lnbmF0dXJl")
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		if status, code := s3Error(t, do(req)); status != 400 || code != "InvalidRequest" {
			t.Fatalf("SigV2: %d %s, want 400 InvalidRequest", status, code)
		}
	})

	t.Run("anonymous", func(t *testing.T) {
		resp, _ := http.Get(p.endpoint + "/bad/anything")
		if status, code := s3Error(t, resp); status != 403 || code != "AccessDenied" {
			t.Fatalf("anonymous GET: %d %s, want 403 AccessDenied", status, code)
		}
	})
}

func md5b64(b []byte) string {
	sum := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// TestAnonymousPayloadHash: an unsigned PUT allowed by a public policy
// still has its x-amz-content-sha256 checked, and stores nothing when it
// does not match; x-amz-expected-bucket-owner guards the bucket's owner.
func TestAnonymousPayloadHashAndExpectedOwner(t *testing.T) {
	p := startEdgegate(t, t.TempDir(), "--log-requests=false")
	client := p.s3Client()
	if _, err := client.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("drop")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeletePublicAccessBlock(bg, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("drop")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutBucketPolicy(bg, &s3.PutBucketPolicyInput{Bucket: aws.String("drop"), Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::drop/*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	put := func(key, body, hash string) (int, string) {
		req, _ := http.NewRequest("PUT", p.endpoint+"/drop/"+key, strings.NewReader(body))
		req.Header.Set("X-Amz-Content-Sha256", hash)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return s3Error(t, resp)
	}
	good := sha256.Sum256([]byte("hello"))
	if status, code := put("ok", "hello", hex.EncodeToString(good[:])); status != 200 {
		t.Fatalf("anonymous PUT with the right hash: %d %s", status, code)
	}
	if status, code := put("bad", "tampered", hex.EncodeToString(good[:])); status != 400 || code != "XAmzContentSHA256Mismatch" {
		t.Fatalf("anonymous PUT with a wrong hash: %d %s", status, code)
	}
	_, err := client.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("drop"), Key: aws.String("bad")})
	if err == nil {
		t.Fatal("the mismatched body was stored")
	}

	_, err = client.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("drop"), Key: aws.String("ok"), ExpectedBucketOwner: aws.String("999999999999")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "Forbidden" && apiErr.ErrorCode() != "AccessDenied" {
		t.Fatalf("HEAD with another expected owner: %v, want 403", err)
	}
	if _, err := client.HeadObject(bg, &s3.HeadObjectInput{Bucket: aws.String("drop"), Key: aws.String("ok"), ExpectedBucketOwner: aws.String("000000000000")}); err != nil {
		t.Fatalf("HEAD with the right expected owner: %v", err)
	}
}
