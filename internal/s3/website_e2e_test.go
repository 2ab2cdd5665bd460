package s3_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/testenv"
)

// websiteGet makes a plain (unsigned) request to the website endpoint of
// bucket: Host BUCKET.s3-website.localhost, sent to the server's address.
func websiteGet(t *testing.T, env *testenv.Env, method, host, path string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, env.Endpoint+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestBucketWebsiteCLI: put/get/delete-bucket-website and `aws s3
// website` with the real aws CLI; S3's validation errors; the
// configuration goes with the bucket.
func TestBucketWebsiteCLI(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	cli := env.AWSCLI(t)
	ctx := context.Background()
	c := env.S3()
	mkBucket(t, c, "site")

	if _, errOut, err := cli.Try(nil, "s3api", "get-bucket-website", "--bucket", "site"); err == nil || !strings.Contains(errOut, "NoSuchWebsiteConfiguration") {
		t.Fatalf("get-bucket-website before any: %v %s", err, errOut)
	}
	cfg := `{"IndexDocument":{"Suffix":"index.html"},"ErrorDocument":{"Key":"error.html"},` +
		`"RoutingRules":[{"Condition":{"KeyPrefixEquals":"docs/"},"Redirect":{"ReplaceKeyPrefixWith":"documents/","HttpRedirectCode":"302"}}]}`
	file := filepath.Join(cli.Dir(), "website.json")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cli.Run(nil, "s3api", "put-bucket-website", "--bucket", "site", "--website-configuration", "file://"+file)
	got := cli.JSON(nil, "s3api", "get-bucket-website", "--bucket", "site")
	delete(got, "ResponseMetadata")
	var want map[string]any
	_ = json.Unmarshal([]byte(cfg), &want)
	if a, b := mustJSON(got), mustJSON(want); a != b {
		t.Errorf("get-bucket-website:\n got %s\nwant %s", a, b)
	}

	cli.Run(nil, "s3api", "delete-bucket-website", "--bucket", "site")
	if _, errOut, err := cli.Try(nil, "s3api", "get-bucket-website", "--bucket", "site"); err == nil || !strings.Contains(errOut, "NoSuchWebsiteConfiguration") {
		t.Errorf("get-bucket-website after delete: %v %s", err, errOut)
	}
	cli.Run(nil, "s3api", "delete-bucket-website", "--bucket", "site") // again: still 204

	// The high-level command.
	cli.Run(nil, "s3", "website", "s3://site", "--index-document", "index.html", "--error-document", "error.html")
	out, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: aws.String("site")})
	if err != nil || aws.ToString(out.IndexDocument.Suffix) != "index.html" || aws.ToString(out.ErrorDocument.Key) != "error.html" || out.RedirectAllRequestsTo != nil {
		t.Errorf("after aws s3 website: %+v %v", out, err)
	}

	// Validation, through the CLI and the SDK.
	for _, bad := range []struct{ cfg, code, msg string }{
		{`{"IndexDocument":{"Suffix":"a/index.html"}}`, "InvalidArgument", "The IndexDocument Suffix is not well formed"},
		{`{"IndexDocument":{"Suffix":""}}`, "InvalidArgument", "The IndexDocument Suffix is not well formed"},
		{`{"ErrorDocument":{"Key":"e.html"}}`, "InvalidArgument", "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty"},
		{`{"RedirectAllRequestsTo":{"HostName":"example.com"},"IndexDocument":{"Suffix":"index.html"}}`, "InvalidArgument", "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules."},
		{`{"IndexDocument":{"Suffix":"index.html"},"RoutingRules":[{"Redirect":{"ReplaceKeyWith":"a","ReplaceKeyPrefixWith":"b"}}]}`, "InvalidRequest", "You can only define ReplaceKeyPrefix or ReplaceKey but not both."},
	} {
		if err := os.WriteFile(file, []byte(bad.cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		_, errOut, err := cli.Try(nil, "s3api", "put-bucket-website", "--bucket", "site", "--website-configuration", "file://"+file)
		if err == nil || !strings.Contains(errOut, "("+bad.code+")") || !strings.Contains(errOut, bad.msg) {
			t.Errorf("put-bucket-website %s: %v %s", bad.cfg, err, errOut)
		}
	}
	_, err = c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: aws.String("no-such-site"),
		WebsiteConfiguration: &types.WebsiteConfiguration{IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")}}})
	wantErr(t, "PutBucketWebsite of a missing bucket", err, "NoSuchBucket", 404)
	body := []byte(`<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument></WebsiteConfiguration>`)
	if resp, b := rawS3(t, env, "PUT", "/site?website", body, nil); resp.StatusCode != 400 || !strings.Contains(string(b), "Content-MD5") {
		t.Errorf("PUT ?website without Content-MD5: %d %s", resp.StatusCode, b)
	}
	if resp, b := rawS3(t, env, "PUT", "/site?website", body, http.Header{"Content-Md5": {md5b64(body)}}); resp.StatusCode != 200 || len(b) != 0 {
		t.Errorf("PUT ?website: %d %s", resp.StatusCode, b)
	}
	resp, b := rawS3(t, env, "GET", "/site?website", nil, nil)
	if want := `<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IndexDocument><Suffix>index.html</Suffix></IndexDocument></WebsiteConfiguration>`; resp.StatusCode != 200 || !strings.HasSuffix(string(b), want) {
		t.Errorf("GET ?website: %d %s", resp.StatusCode, b)
	}
	if resp, _ := rawS3(t, env, "DELETE", "/site?website", nil, nil); resp.StatusCode != 204 {
		t.Errorf("DELETE ?website: %d", resp.StatusCode)
	}

	// The configuration goes with the bucket.
	cli.Run(nil, "s3", "website", "s3://site", "--index-document", "index.html")
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("site")}); err != nil {
		t.Fatal(err)
	}
	mkBucket(t, c, "site")
	_, err = c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: aws.String("site")})
	wantErr(t, "GetBucketWebsite of a re-created bucket", err, "NoSuchWebsiteConfiguration", 404)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestWebsiteActions: each operation is authorized with its own action,
// DeleteBucketWebsite with s3:DeleteBucketWebsite.
func TestWebsiteActions(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	ctx := context.Background()
	c := env.S3()
	mkBucket(t, c, "guarded")
	calls := map[string]func() error{
		"s3:PutBucketWebsite": func() error {
			_, err := c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: aws.String("guarded"),
				WebsiteConfiguration: &types.WebsiteConfiguration{IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")}}})
			return err
		},
		"s3:GetBucketWebsite": func() error {
			_, err := c.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: aws.String("guarded")})
			return err
		},
		"s3:DeleteBucketWebsite": func() error {
			_, err := c.DeleteBucketWebsite(ctx, &s3.DeleteBucketWebsiteInput{Bucket: aws.String("guarded")})
			return err
		},
	}
	for _, action := range []string{"s3:PutBucketWebsite", "s3:GetBucketWebsite", "s3:DeleteBucketWebsite"} {
		deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"` + action + `","Resource":"arn:aws:s3:::guarded"}]}`
		if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("guarded"), Policy: aws.String(deny)}); err != nil {
			t.Fatal(err)
		}
		for other, call := range calls {
			err := call()
			if other == action {
				wantErr(t, other+" denied", err, "AccessDenied", 403)
			} else if err != nil && apiCode(err) != "NoSuchWebsiteConfiguration" {
				t.Errorf("%s with %s denied: %v", other, action, err)
			}
		}
	}
}

// TestWebsiteEndpoint: plain HTTP requests with Host
// BUCKET.s3-website.localhost, against a bucket made public as on AWS
// (Block Public Access removed, a "Principal":"*" s3:GetObject policy).
func TestWebsiteEndpoint(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	cli := env.AWSCLI(t)
	ctx := context.Background()
	c := env.S3()
	mkBucket(t, c, "site")
	const host = "site.s3-website.localhost"
	put := func(key, body string) {
		t.Helper()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String(key), Body: strings.NewReader(body),
			ContentType: aws.String("text/html")}); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range map[string]string{
		"index.html": "home", "photos/index.html": "photos", "photos/a.jpg": "jpeg", "error.html": "custom error page",
		"private/x.html": "secret", "page": "a page",
	} {
		put(k, v)
	}

	// No website configuration yet.
	status, h, body := websiteGet(t, env, "GET", host, "/")
	if status != 404 || !strings.Contains(body, "<li>Code: NoSuchWebsiteConfiguration</li>") || h.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("no configuration: %d %v %s", status, h, body)
	}
	if status, _, body := websiteGet(t, env, "GET", "nothing-here.s3-website.localhost", "/"); status != 404 || !strings.Contains(body, "<li>Code: NoSuchBucket</li>") {
		t.Errorf("missing bucket: %d %s", status, body)
	}
	cli.Run(nil, "s3", "website", "s3://site", "--index-document", "index.html")

	// Block Public Access is on for new buckets: nothing is public.
	if status, _, body := websiteGet(t, env, "GET", host, "/"); status != 403 || !strings.Contains(body, "<li>Code: AccessDenied</li>") {
		t.Errorf("before the bucket is public: %d %s", status, body)
	}
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("site")}); err != nil {
		t.Fatal(err)
	}
	public := `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"},` +
		`{"Sid":"HidePrivate","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/private/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("site"), Policy: aws.String(public)}); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		method, path string
		status       int
		body         string
		location     string
	}{
		{"GET", "/", 200, "home", ""},
		{"GET", "/index.html", 200, "home", ""},
		{"GET", "/photos/", 200, "photos", ""},
		{"GET", "/photos", 302, "", "/photos/"},
		{"GET", "/photos/a.jpg", 200, "jpeg", ""},
		{"GET", "/page", 200, "a page", ""},
		{"HEAD", "/photos/", 200, "", ""},
		{"GET", "/missing.html", 404, "<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n<li>Key: missing.html</li>", ""},
		{"GET", "/nofolder/", 404, "<li>Key: nofolder/index.html</li>", ""},
		{"GET", "/private/x.html", 403, "<h1>403 Forbidden</h1>\n<ul>\n<li>Code: AccessDenied</li>\n<li>Message: Access Denied</li>", ""},
		{"POST", "/page", 405, "<li>Method: POST</li>", ""},
		{"PUT", "/page", 405, "<li>Code: MethodNotAllowed</li>", ""},
	} {
		status, h, body := websiteGet(t, env, tt.method, host, tt.path)
		if status != tt.status || !strings.Contains(body, tt.body) || h.Get("Location") != tt.location || h.Get("Server") != "AmazonS3" || h.Get("X-Amz-Request-Id") == "" {
			t.Errorf("%s %s: %d %q Location %q %v; want %d %q %q", tt.method, tt.path, status, body, h.Get("Location"), h, tt.status, tt.body, tt.location)
		}
	}
	// The regional names of the endpoint work too; another Region's does not.
	if status, _, body := websiteGet(t, env, "GET", "site.s3-website-us-east-1.amazonaws.com", "/photos/"); status != 200 || body != "photos" {
		t.Errorf("s3-website-us-east-1: %d %s", status, body)
	}
	if status, _, body := websiteGet(t, env, "GET", "site.s3-website.us-east-1.amazonaws.com", "/"); status != 200 || body != "home" {
		t.Errorf("s3-website.us-east-1: %d %s", status, body)
	}
	if status, _, body := websiteGet(t, env, "GET", "site.s3-website-eu-west-1.amazonaws.com", "/"); status != 400 || !strings.Contains(body, "<li>Code: IncorrectEndpoint</li>") {
		t.Errorf("another Region: %d %s", status, body)
	}
	// A website request is never signed: a signature is ignored, and a
	// private object stays private.
	req, _ := http.NewRequest("GET", env.Endpoint+"/private/x.html", nil)
	req.Host = host
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("signed website request: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}

	// Error document: served with the error's status.
	cli.Run(nil, "s3", "website", "s3://site", "--index-document", "index.html", "--error-document", "error.html")
	if status, h, body := websiteGet(t, env, "GET", host, "/missing.html"); status != 404 || body != "custom error page" || h.Get("X-Amz-Error-Code") != "NoSuchKey" {
		t.Errorf("error document for 404: %d %v %s", status, h, body)
	}
	if status, _, body := websiteGet(t, env, "GET", host, "/private/x.html"); status != 403 || body != "custom error page" {
		t.Errorf("error document for 403: %d %s", status, body)
	}
	cli.Run(nil, "s3", "website", "s3://site", "--index-document", "index.html", "--error-document", "private/x.html")
	if status, _, body := websiteGet(t, env, "GET", host, "/missing.html"); status != 404 ||
		!strings.Contains(body, "<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n<li>Code: AccessDenied</li>") {
		t.Errorf("unreadable error document: %d %s", status, body)
	}

	// Routing rules.
	rules := `{"IndexDocument":{"Suffix":"index.html"},"RoutingRules":[` +
		`{"Condition":{"KeyPrefixEquals":"docs/"},"Redirect":{"ReplaceKeyPrefixWith":"documents/"}},` +
		`{"Condition":{"HttpErrorCodeReturnedEquals":"404"},"Redirect":{"HostName":"fallback.example","Protocol":"https","ReplaceKeyPrefixWith":"report-404/","HttpRedirectCode":"307"}}]}`
	file := filepath.Join(cli.Dir(), "rules.json")
	if err := os.WriteFile(file, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	cli.Run(nil, "s3api", "put-bucket-website", "--bucket", "site", "--website-configuration", "file://"+file)
	if status, h, body := websiteGet(t, env, "GET", host, "/docs/a.html"); status != 301 || h.Get("Location") != "http://"+host+"/documents/a.html" || body != "" {
		t.Errorf("prefix rule: %d %v %q", status, h, body)
	}
	if status, h, _ := websiteGet(t, env, "GET", host, "/gone.html"); status != 307 || h.Get("Location") != "https://fallback.example/report-404/gone.html" {
		t.Errorf("404 rule: %d %v", status, h)
	}
	if status, _, _ := websiteGet(t, env, "GET", host, "/page"); status != 200 {
		t.Errorf("no rule: %d", status)
	}

	// Redirect all requests.
	file = filepath.Join(cli.Dir(), "all.json")
	if err := os.WriteFile(file, []byte(`{"RedirectAllRequestsTo":{"HostName":"www.example.com"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cli.Run(nil, "s3api", "put-bucket-website", "--bucket", "site", "--website-configuration", "file://"+file)
	if status, h, body := websiteGet(t, env, "GET", host, "/photos/a.jpg"); status != 301 || h.Get("Location") != "http://www.example.com/photos/a.jpg" || body != "" {
		t.Errorf("redirect all: %d %v %q", status, h, body)
	}
}

// TestWebsiteMissingAndPrivate: on the website endpoint a missing key is
// 404 when an anonymous read would be allowed, without s3:ListBucket (the
// REST endpoint says 403 there), and 403 when it would not; an existing
// unreadable object is 403; SSE-KMS objects cannot be served anonymously.
func TestWebsiteMissingAndPrivate(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	ctx := context.Background()
	c := env.S3()
	mkBucket(t, c, "half")
	const host = "half.s3-website.localhost"
	if _, err := c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: aws.String("half"),
		WebsiteConfiguration: &types.WebsiteConfiguration{IndexDocument: &types.IndexDocument{Suffix: aws.String("index.html")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("half")}); err != nil {
		t.Fatal(err)
	}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::half/pub/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("half"), Policy: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"pub/a.html", "priv/a.html"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("half"), Key: aws.String(k), Body: strings.NewReader("x")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("half"), Key: aws.String("pub/kms.html"), Body: strings.NewReader("x"),
		ServerSideEncryption: types.ServerSideEncryptionAwsKms}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path   string
		status int
		code   string
	}{
		{"/pub/a.html", 200, ""},
		{"/pub/kms.html", 400, "InvalidArgument"},
		{"/pub/missing.html", 404, "NoSuchKey"},
		{"/priv/a.html", 403, "AccessDenied"},
		{"/priv/missing.html", 403, "AccessDenied"},
	} {
		status, h, _ := websiteGet(t, env, "GET", host, tt.path)
		if status != tt.status || h.Get("X-Amz-Error-Code") != tt.code {
			t.Errorf("%s: %d %q, want %d %q", tt.path, status, h.Get("X-Amz-Error-Code"), tt.status, tt.code)
		}
	}
	// The REST endpoint keeps its rule: 403 without s3:ListBucket.
	req, _ := http.NewRequest("GET", env.Endpoint+"/half/pub/missing.html", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("REST anonymous missing key: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}
