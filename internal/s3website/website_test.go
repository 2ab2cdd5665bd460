package s3website

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/s3"
)

// fakeOrigin is a bucket "site" in us-east-1 with objects whose value is
// their body, or "private" (403).
type fakeOrigin struct {
	cfg     *s3.WebsiteConfiguration
	objects map[string]string
	reads   []string
}

func (f *fakeOrigin) Website(_ context.Context, bucket string) (*s3.WebsiteConfiguration, string, *awsapi.Error) {
	if bucket != "site" {
		return nil, "", awsapi.New(404, "NoSuchBucket", "The specified bucket does not exist").With("BucketName", bucket)
	}
	if f.cfg == nil {
		return nil, "us-east-1", awsapi.New(404, "NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration").With("BucketName", bucket)
	}
	return f.cfg, "us-east-1", nil
}

func (f *fakeOrigin) WebsiteObjectExists(_ context.Context, _, key string) (bool, error) {
	_, ok := f.objects[key]
	return ok, nil
}

func (f *fakeOrigin) ServeWebsiteObject(w http.ResponseWriter, r *http.Request, _ *reqctx.Call, _, key string, status int) *awsapi.Error {
	f.reads = append(f.reads, key)
	v, ok := f.objects[key]
	switch {
	case !ok:
		return awsapi.New(404, "NoSuchKey", "The specified key does not exist.").With("Key", key)
	case v == "private":
		return awsapi.ErrAccessDenied
	}
	if status == 0 {
		status = 200
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(v)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, v)
	}
	return nil
}

type answer struct {
	status int
	header http.Header
	body   string
	out    Outcome
}

func serve(o Origin, method, host, path string) answer {
	r := httptest.NewRequest(method, "http://"+host+path, nil)
	w := httptest.NewRecorder()
	c := &reqctx.Call{RequestID: "0123456789ABCDEF", Principal: identity.AnonymousPrincipal}
	out := New(o).Serve(w, r, c)
	return answer{w.Code, w.Header(), w.Body.String(), out}
}

// TestErrorPages: S3's HTML pages, byte for byte, with their headers.
func TestErrorPages(t *testing.T) {
	o := &fakeOrigin{}
	a := serve(o, "GET", "site.s3-website-us-east-1.amazonaws.com", "/x")
	want := "<html>\n<head><title>404 Not Found</title></head>\n<body>\n<h1>404 Not Found</h1>\n<ul>\n" +
		"<li>Code: NoSuchWebsiteConfiguration</li>\n<li>Message: The specified bucket does not have a website configuration</li>\n" +
		"<li>BucketName: site</li>\n<li>RequestId: 0123456789ABCDEF</li>\n<li>HostId: " + awsapi.HostID("0123456789ABCDEF") + "</li>\n" +
		"</ul>\n<hr/>\n</body>\n</html>\n"
	if a.status != 404 || a.body != want {
		t.Errorf("NoSuchWebsiteConfiguration: %d\n%s\nwant\n%s", a.status, a.body, want)
	}
	if a.header.Get("Content-Type") != "text/html; charset=utf-8" || a.header.Get("X-Amz-Error-Code") != "NoSuchWebsiteConfiguration" ||
		a.header.Get("Server") != "AmazonS3" || a.header.Get("X-Amz-Request-Id") != "0123456789ABCDEF" || a.header.Get("X-Amz-Id-2") == "" {
		t.Errorf("headers: %v", a.header)
	}

	a = serve(o, "GET", "other.s3-website.localhost", "/")
	if a.status != 404 || !strings.Contains(a.body, "<li>Code: NoSuchBucket</li>\n<li>Message: The specified bucket does not exist</li>\n<li>BucketName: other</li>") {
		t.Errorf("NoSuchBucket: %d %s", a.status, a.body)
	}
	a = serve(o, "POST", "site.s3-website.localhost", "/x")
	if a.status != 405 || !strings.Contains(a.body, "<title>405 Method Not Allowed</title>") ||
		!strings.Contains(a.body, "<li>Code: MethodNotAllowed</li>\n<li>Message: The specified method is not allowed against this resource.</li>\n<li>Method: POST</li>\n<li>ResourceType: OBJECT</li>\n") {
		t.Errorf("405: %d %s", a.status, a.body)
	}
	o.cfg = &s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html"}
	a = serve(o, "GET", "site.s3-website-eu-west-1.amazonaws.com", "/")
	if a.status != 400 || !strings.Contains(a.body, "<li>Code: IncorrectEndpoint</li>\n<li>Message: The specified bucket exists in another region. Please direct requests to the specified endpoint.</li>\n<li>Endpoint: site.s3-website-us-east-1.amazonaws.com</li>") {
		t.Errorf("IncorrectEndpoint: %d %s", a.status, a.body)
	}
	a = serve(o, "HEAD", "site.s3-website.localhost", "/missing")
	if a.status != 404 || a.body != "" || a.header.Get("X-Amz-Error-Code") != "NoSuchKey" || a.header.Get("X-Amz-Error-Detail-Key") != "missing" {
		t.Errorf("HEAD missing: %d %v %q", a.status, a.header, a.body)
	}
	a = serve(o, "GET", "site.s3-website.localhost", "/<b>")
	if !strings.Contains(a.body, "<li>Key: &lt;b&gt;</li>") {
		t.Errorf("escaping: %s", a.body)
	}
}

// TestServe walks the website pipeline against a fake origin.
func TestServe(t *testing.T) {
	objects := map[string]string{
		"index.html": "root", "photos/index.html": "photos", "page": "page", "secret": "private",
		"error.html": "custom error", "docs/index.html": "docs",
	}
	host := "site.s3-website.localhost:4566"
	tests := []struct {
		name     string
		cfg      s3.WebsiteConfiguration
		method   string
		path     string
		status   int
		body     string // substring for HTML errors
		location string
		code     string
	}{
		{"root index", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html"}, "GET", "/", 200, "root", "", ""},
		{"folder index", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html"}, "GET", "/photos/", 200, "photos", "", ""},
		{"folder without slash", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html"}, "GET", "/photos", 302, "", "/photos/", ""},
		{"object", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html"}, "GET", "/page", 200, "page", "", ""},
		{"missing", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html"}, "GET", "/nope", 404, "<li>Key: nope</li>", "", "NoSuchKey"},
		{"missing folder index", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html"}, "GET", "/empty/", 404, "<li>Key: empty/index.html</li>", "", "NoSuchKey"},
		{"private", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html"}, "GET", "/secret", 403, "<title>403 Forbidden</title>", "", "AccessDenied"},
		{"error document for 404", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html", ErrorDocumentKey: "error.html"}, "GET", "/nope", 404, "custom error", "", "NoSuchKey"},
		{"error document for 403", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html", ErrorDocumentKey: "error.html"}, "GET", "/secret", 403, "custom error", "", "AccessDenied"},
		{"error document missing", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html", ErrorDocumentKey: "gone.html"}, "GET", "/nope", 404,
			"</ul>\n<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n<li>Code: NoSuchKey</li>\n<li>Message: The specified key does not exist.</li>\n<li>Key: gone.html</li>\n</ul>\n<hr/>", "", "NoSuchKey"},
		{"error document private", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html", ErrorDocumentKey: "secret"}, "GET", "/nope", 404,
			"<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n<li>Code: AccessDenied</li>", "", "NoSuchKey"},
		{"redirect all", s3.WebsiteConfiguration{RedirectAllRequestsTo: &s3.WebsiteRedirectAll{HostName: "example.com", Protocol: str("https")}}, "GET", "/a/b", 301, "", "https://example.com/a/b", ""},
		{"prefix rule", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html", RoutingRules: []s3.WebsiteRoutingRule{{
			Condition: &s3.WebsiteCondition{KeyPrefixEquals: str("docs/")}, Redirect: s3.WebsiteRedirect{ReplaceKeyPrefixWith: str("documents/")}}}},
			"GET", "/docs/a.html", 301, "", "http://" + host + "/documents/a.html", ""},
		{"error rule wins over the error document", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html", ErrorDocumentKey: "error.html", RoutingRules: []s3.WebsiteRoutingRule{{
			Condition: &s3.WebsiteCondition{HTTPErrorCodeReturnedEquals: str("404")}, Redirect: s3.WebsiteRedirect{HostName: str("fallback.example")}}}},
			"GET", "/nope", 301, "", "http://fallback.example/nope", ""},
		{"HEAD object", s3.WebsiteConfiguration{IndexDocumentSuffix: "index.html"}, "HEAD", "/", 200, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			o := &fakeOrigin{cfg: &cfg, objects: objects}
			a := serve(o, tt.method, host, tt.path)
			if a.status != tt.status || !strings.Contains(a.body, tt.body) || a.header.Get("Location") != tt.location || a.out.Code != tt.code || a.out.Status != tt.status {
				t.Errorf("%d %q Location %q outcome %+v\nwant %d %q %q %q", a.status, a.body, a.header.Get("Location"), a.out, tt.status, tt.body, tt.location, tt.code)
			}
			if tt.status >= 300 && tt.status < 400 && a.body != "" {
				t.Errorf("redirect with a body: %q", a.body)
			}
			if tt.code != "" && a.header.Get("X-Amz-Error-Code") != tt.code {
				t.Errorf("x-amz-error-code %q", a.header.Get("X-Amz-Error-Code"))
			}
		})
	}
}
