package sigv4

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

// Round trips with the real aws-sdk-go-v2 signer: requests signed by the
// SDK travel through a real net/http client and server to Verify, and
// SignRequest/Presign must produce the SDK's signatures.

const (
	sdkAKID   = "AKIAIOSFODNN7EXAMPLE"
	sdkSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	sdkToken  = "FQoGZXIvYXdzEBYaDExampleSessionToken+/="
)

var sdkCreds = aws.Credentials{AccessKeyID: sdkAKID, SecretAccessKey: sdkSecret}

// verifyServer answers 200 with the decoded body when Verify accepts the
// request, and the error code with status otherwise. Each request's Result
// is sent on results.
func verifyServer(t *testing.T, v *Verifier) (*httptest.Server, chan *Result) {
	results := make(chan *Result, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res, err := v.Verify(r)
		if err != nil {
			ae := asAWS(t, err)
			w.WriteHeader(ae.Status)
			io.WriteString(w, ae.Code+"\n"+ae.Field("CanonicalRequest"))
			return
		}
		body, err := io.ReadAll(res.Body)
		if err != nil {
			ae := asAWS(t, err)
			w.WriteHeader(ae.Status)
			io.WriteString(w, ae.Code)
			return
		}
		results <- res
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv, results
}

func do(t *testing.T, r *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// s3URL builds the URL of an object the way the S3 client does: the key
// percent-encoded with '/' kept.
func s3URL(base, bucket, key string) *url.URL {
	u, _ := url.Parse(base)
	u.Path = "/" + bucket + "/" + key
	u.RawPath = "/" + bucket + "/" + httpbinding.EscapePath(key, false)
	return u
}

var sdkKeys = []string{
	"plain.txt",
	"with space/and more  spaces",
	"plus+sign+",
	"percent%20literal%2F%",
	"unicode/ሴ-ü-日本語.txt",
	"../dot/./segments/..",
	"dir//double//slash/",
	"special!$&'()*,;=:@[]{}^`|\"<>",
	"tilde~under_score-dash.dot",
}

func TestSDKHeaderRoundTrip(t *testing.T) {
	v := &Verifier{Creds: staticCreds{sdkAKID: sdkSecret}}
	srv, results := verifyServer(t, v)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	for _, key := range sdkKeys {
		t.Run(key, func(t *testing.T) {
			body := "hello " + key
			for _, payload := range []string{sha256Hex(body), UnsignedPayload} {
				r, _ := http.NewRequest(http.MethodPut, "", strings.NewReader(body))
				r.URL = s3URL(srv.URL, "bucket", key)
				r.Header.Set("X-Amz-Content-Sha256", payload)
				r.Header.Set("X-Amz-Meta-Note", "  spaced   value ")
				r.Header.Set("Content-Type", "text/plain")
				creds := sdkCreds
				creds.SessionToken = sdkToken
				if err := signer.SignHTTP(context.Background(), creds, r, payload, "s3", "us-east-1", time.Now()); err != nil {
					t.Fatal(err)
				}
				if code, got := do(t, r); code != 200 || got != body {
					t.Fatalf("payload %s: status %d: %s", payload, code, got)
				}
				res := <-results
				if res.AuthType != Header || res.AccessKeyID != sdkAKID || res.Service != "s3" ||
					res.Region != "us-east-1" || res.SecurityToken != sdkToken || res.ContentSHA256 != payload ||
					res.DecodedLength != int64(len(body)) {
					t.Errorf("result %+v", res)
				}
			}
		})
	}
	// A GET with the empty-body hash, query parameters and a range.
	r, _ := http.NewRequest(http.MethodGet, srv.URL+"/bucket?list-type=2&prefix=a%20b%2Bc&delimiter=%2F&empty=", nil)
	r.Header.Set("Range", "bytes=0-10")
	r.Header.Set("X-Amz-Content-Sha256", EmptyPayloadHash)
	if err := signer.SignHTTP(context.Background(), sdkCreds, r, EmptyPayloadHash, "s3", "us-west-2", time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, got := do(t, r); code != 200 {
		t.Fatalf("GET: status %d: %s", code, got)
	}
	if res := <-results; res.Region != "us-west-2" || res.SecurityToken != "" {
		t.Errorf("result %+v", res)
	}
}

func TestSDKPresignRoundTrip(t *testing.T) {
	v := &Verifier{Creds: staticCreds{sdkAKID: sdkSecret}}
	srv, results := verifyServer(t, v)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	for _, key := range sdkKeys {
		t.Run(key, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "", nil)
			r.URL = s3URL(srv.URL, "bucket", key)
			q := r.URL.Query()
			q.Set("X-Amz-Expires", "300")
			q.Set("response-content-disposition", `attachment; filename="a b.txt"`)
			r.URL.RawQuery = q.Encode()
			creds := sdkCreds
			creds.SessionToken = sdkToken
			signed, hdr, err := signer.PresignHTTP(context.Background(), creds, r, UnsignedPayload, "s3", "eu-west-1", time.Now())
			if err != nil {
				t.Fatal(err)
			}
			g, _ := http.NewRequest(http.MethodGet, signed, nil)
			for k, vs := range hdr {
				if k != "Host" {
					g.Header[k] = vs
				}
			}
			if code, got := do(t, g); code != 200 {
				t.Fatalf("status %d: %s", code, got)
			}
			res := <-results
			if res.AuthType != Query || res.Expires != 300*time.Second || res.SecurityToken != sdkToken || res.Region != "eu-west-1" {
				t.Errorf("result %+v", res)
			}
		})
	}
}

// TestSignRequestMatchesSDK checks that SignRequest and Presign produce the
// SDK's signatures, and that the SDK's default (non-S3) path escaping is
// what the verifier expects for other services.
func TestSignRequestMatchesSDK(t *testing.T) {
	now := time.Date(2024, 3, 1, 10, 20, 30, 0, time.UTC)
	s3Signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	for _, key := range sdkKeys {
		build := func() *http.Request {
			r, _ := http.NewRequest(http.MethodPut, "", bytes.NewReader([]byte("data")))
			r.URL = s3URL("https://s3.us-east-1.amazonaws.com", "bucket", key)
			r.URL.RawQuery = "partNumber=1&uploadId=a%2Bb"
			r.Header.Set("Content-Type", "application/octet-stream")
			r.Header.Set("X-Amz-Meta-A", "b  c")
			return r
		}
		want := build()
		want.Header.Set("X-Amz-Content-Sha256", sha256Hex("data"))
		if err := s3Signer.SignHTTP(context.Background(), sdkCreds, want, sha256Hex("data"), "s3", "us-east-1", now); err != nil {
			t.Fatal(err)
		}
		got := build()
		got.URL.RawPath = "" // SignRequest must produce the encoding itself
		SignRequest(got, sdkAKID, sdkSecret, "us-east-1", "s3", now, sha256Hex("data"))
		if g, w := got.Header.Get("Authorization"), want.Header.Get("Authorization"); g != w {
			t.Errorf("%q: SignRequest\n%s\nSDK\n%s", key, g, w)
		}
		if g, w := got.URL.EscapedPath(), want.URL.EscapedPath(); g != w {
			t.Errorf("%q: path %s, SDK %s", key, g, w)
		}

		p := build()
		p.Method = http.MethodGet
		p.Body, p.ContentLength = nil, 0
		p.Header.Del("Content-Type")
		p.Header.Del("X-Amz-Meta-A")
		q := p.URL.Query()
		q.Set("X-Amz-Expires", "900")
		p.URL.RawQuery = q.Encode()
		sdkURL, _, err := s3Signer.PresignHTTP(context.Background(), sdkCreds, p, UnsignedPayload, "s3", "us-east-1", now)
		if err != nil {
			t.Fatal(err)
		}
		p2 := build()
		p2.Method = http.MethodGet
		p2.Body, p2.ContentLength = nil, 0
		p2.Header = http.Header{}
		p2.URL.RawPath = ""
		ours := Presign(p2, sdkAKID, sdkSecret, "us-east-1", "s3", now, 900*time.Second)
		if g, w := querySig(t, ours), querySig(t, sdkURL); g != w {
			t.Errorf("%q: Presign signature %s, SDK %s\n%s\n%s", key, g, w, ours, sdkURL)
		}
	}

	// Another service: the SDK escapes the path a second time; so must we.
	r, _ := http.NewRequest(http.MethodGet, "https://cloudfront.amazonaws.com/2020-05-31/distribution/E1%20X/config?a=b", nil)
	if err := v4.NewSigner().SignHTTP(context.Background(), sdkCreds, r, EmptyPayloadHash, "cloudfront", "us-east-1", now); err != nil {
		t.Fatal(err)
	}
	got, _ := http.NewRequest(http.MethodGet, "https://cloudfront.amazonaws.com/2020-05-31/distribution/E1%20X/config?a=b", nil)
	SignRequest(got, sdkAKID, sdkSecret, "us-east-1", "cloudfront", now, "")
	if g, w := got.Header.Get("Authorization"), r.Header.Get("Authorization"); g != w {
		t.Errorf("cloudfront: SignRequest\n%s\nSDK\n%s", g, w)
	}
}

func querySig(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("X-Amz-Signature")
}

func TestSDKOtherServices(t *testing.T) {
	v := &Verifier{Creds: staticCreds{sdkAKID: sdkSecret}}
	srv, results := verifyServer(t, v)
	signer := v4.NewSigner()
	// IAM-style form POST: the body is signed without x-amz-content-sha256.
	form := "Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fa+b%2F"
	r, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(form))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := signer.SignHTTP(context.Background(), sdkCreds, r, sha256Hex(form), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, got := do(t, r); code != 200 || got != form {
		t.Fatalf("iam: status %d: %s", code, got)
	}
	if res := <-results; res.Service != "iam" || res.DecodedLength != int64(len(form)) {
		t.Errorf("result %+v", res)
	}
	// The same body, altered after signing.
	r, _ = http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(form))
	if err := signer.SignHTTP(context.Background(), sdkCreds, r, sha256Hex(form), "sts", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	r.Body = io.NopCloser(strings.NewReader(strings.Replace(form, "ListUsers", "ListRoles", 1)))
	if code, got := do(t, r); code != 403 || !strings.HasPrefix(got, "SignatureDoesNotMatch") {
		t.Fatalf("tampered sts body: status %d: %s", code, got)
	}
	// A REST path with characters that are escaped twice.
	r, _ = http.NewRequest(http.MethodGet, srv.URL+"/2020-05-31/distribution/E1%20X/config", nil)
	if err := signer.SignHTTP(context.Background(), sdkCreds, r, EmptyPayloadHash, "cloudfront", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, got := do(t, r); code != 200 {
		t.Fatalf("cloudfront: status %d: %s", code, got)
	}
	<-results
}
