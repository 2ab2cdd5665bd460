package e2e

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/edgegate/edgegate/internal/sigv4"
)

func hmacSHA256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// signedChunkedPut builds a PUT with a STREAMING-AWS4-HMAC-SHA256-PAYLOAD
// body of the given chunks, signed as the SDKs sign it; tamper lets a test
// change the wire body after signing.
func signedChunkedPut(t *testing.T, url string, chunks [][]byte, tamper func([]byte) []byte) *http.Request {
	t.Helper()
	const region, service = "us-east-1", "s3"
	now := time.Now().UTC()
	total := 0
	for _, c := range chunks {
		total += len(c)
	}
	req, _ := http.NewRequest("PUT", url, nil)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(total))
	req.Header.Set("X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
	sigv4.SignRequest(req, "test", "test", region, service, now, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
	auth := req.Header.Get("Authorization")
	seed := auth[strings.Index(auth, "Signature=")+len("Signature="):]

	date := now.Format("20060102")
	amzDate := now.Format("20060102T150405Z")
	scope := date + "/" + region + "/" + service + "/aws4_request"
	key := hmacSHA256(hmacSHA256(hmacSHA256(hmacSHA256([]byte("AWS4test"), date), region), service), "aws4_request")
	emptyHash := sha256.Sum256(nil)
	var body bytes.Buffer
	prev := seed
	for _, c := range append(chunks, nil) {
		h := sha256.Sum256(c)
		sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + prev + "\n" +
			hex.EncodeToString(emptyHash[:]) + "\n" + hex.EncodeToString(h[:])
		sig := hex.EncodeToString(hmacSHA256(key, sts))
		fmt.Fprintf(&body, "%x;chunk-signature=%s\r\n", len(c), sig)
		body.Write(c)
		body.WriteString("\r\n")
		prev = sig
	}
	wire := body.Bytes()
	if tamper != nil {
		wire = tamper(wire)
	}
	req.Body = ioNopCloser{bytes.NewReader(wire)}
	req.ContentLength = int64(len(wire))
	return req
}

type ioNopCloser struct{ *bytes.Reader }

func (ioNopCloser) Close() error { return nil }

// TestSignedChunkedUpload sends hand-built signed aws-chunked bodies:
// intact (stored byte for byte), with a byte of chunk data changed, and
// truncated. The damaged ones are refused and store nothing.
func TestSignedChunkedUpload(t *testing.T) {
	p := startEdgegate(t, t.TempDir(), "--log-requests=false")
	client := p.s3Client()
	if _, err := client.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String("chunks")}); err != nil {
		t.Fatal(err)
	}
	chunks := [][]byte{bytes.Repeat([]byte("a"), 8192), bytes.Repeat([]byte("b"), 100)}

	resp, err := http.DefaultClient.Do(signedChunkedPut(t, p.endpoint+"/chunks/ok", chunks, nil))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("intact signed chunked PUT: %d", resp.StatusCode)
	}
	if status, _, _ := getObject(t, client, "chunks", "ok"); status != 200 {
		t.Fatalf("intact upload not readable")
	}

	cases := []struct {
		name   string
		tamper func([]byte) []byte
		code   string
	}{
		{"chunk data changed", func(b []byte) []byte {
			c := append([]byte(nil), b...)
			i := bytes.Index(c, []byte("aaaa"))
			c[i] = 'z'
			return c
		}, "SignatureDoesNotMatch"},
		{"truncated", func(b []byte) []byte { return b[:len(b)/2] }, "IncompleteBody"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			key := strings.ReplaceAll(tc.name, " ", "-")
			resp, err := http.DefaultClient.Do(signedChunkedPut(t, p.endpoint+"/chunks/"+key, chunks, tc.tamper))
			if err != nil {
				t.Fatal(err)
			}
			status, code := s3Error(t, resp)
			if status < 400 || code != tc.code {
				t.Fatalf("%s: %d %s, want %s", tc.name, status, code, tc.code)
			}
			if status, _, _ := getObject(t, client, "chunks", key); status != 404 {
				t.Fatalf("%s: something was stored (GET %d)", tc.name, status)
			}
		})
	}
}

// getObject GETs bucket/key with the SDK client and returns the HTTP status.
func getObject(t *testing.T, c *s3.Client, bucket, key string) (int, string, error) {
	t.Helper()
	out, err := c.GetObject(bg, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var re *smithyhttp.ResponseError
		if errors.As(err, &re) {
			return re.HTTPStatusCode(), "", err
		}
		return 0, "", err
	}
	out.Body.Close()
	return 200, "", nil
}
