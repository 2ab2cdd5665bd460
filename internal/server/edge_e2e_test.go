package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/sigv4"
	"github.com/edgegate/edgegate/internal/testenv"
)

// edgeHarness drives the edge of a running server: distributions made
// with the SDK, viewer requests made with plain net/http and the
// distribution's domain name as Host.
type edgeHarness struct {
	t   testing.TB
	env *testenv.Env
	s3  *s3.Client
	cf  *cloudfront.Client
	n   int
}

type edgeDist struct {
	id, domain, arn, etag string
	cfg                   *cftypes.DistributionConfig
}

const cachingOptimized = "658327ea-f89d-4fab-a63d-7e88639e58f6"

func newEdgeHarness(t testing.TB, env *testenv.Env) *edgeHarness {
	return &edgeHarness{t: t, env: env, s3: env.S3(), cf: env.CloudFront("test", "test")}
}

func (h *edgeHarness) bucket(name string, objects map[string]string) {
	h.t.Helper()
	bg := context.Background()
	if _, err := h.s3.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		h.t.Fatal(err)
	}
	for k, v := range objects {
		if _, err := h.s3.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(name), Key: aws.String(k), Body: strings.NewReader(v)}); err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *edgeHarness) policy(bucket, doc string) {
	h.t.Helper()
	if _, err := h.s3.PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{Bucket: aws.String(bucket), Policy: aws.String(doc)}); err != nil {
		h.t.Fatal(err)
	}
}

func (h *edgeHarness) oac(name, signing string) string {
	h.t.Helper()
	out, err := h.cf.CreateOriginAccessControl(context.Background(), &cloudfront.CreateOriginAccessControlInput{
		OriginAccessControlConfig: &cftypes.OriginAccessControlConfig{
			Name: aws.String(name), SigningProtocol: cftypes.OriginAccessControlSigningProtocolsSigv4,
			SigningBehavior:               cftypes.OriginAccessControlSigningBehaviors(signing),
			OriginAccessControlOriginType: cftypes.OriginAccessControlOriginTypesS3,
		}})
	if err != nil {
		h.t.Fatal(err)
	}
	return *out.OriginAccessControl.Id
}

// dist creates a distribution whose default behavior targets one origin
// for bucket; edit adjusts the configuration first.
func (h *edgeHarness) dist(bucket string, edit func(o *cftypes.Origin, cfg *cftypes.DistributionConfig)) edgeDist {
	h.t.Helper()
	h.n++
	o := cftypes.Origin{Id: aws.String("s3"), DomainName: aws.String(bucket + ".s3.us-east-1.amazonaws.com"),
		S3OriginConfig: &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("")}}
	cfg := &cftypes.DistributionConfig{
		CallerReference: aws.String("edge-" + string(rune('a'+h.n))), Comment: aws.String(""), Enabled: aws.Bool(true),
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: aws.String("s3"),
			ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll, CachePolicyId: aws.String(cachingOptimized)},
	}
	if edit != nil {
		edit(&o, cfg)
	}
	cfg.Origins = &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{o}}
	out, err := h.cf.CreateDistribution(context.Background(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	if err != nil {
		h.t.Fatal(err)
	}
	d := out.Distribution
	return edgeDist{id: *d.Id, domain: *d.DomainName, arn: *d.ARN, etag: *out.ETag, cfg: cfg}
}

type viewerResp struct {
	status int
	header http.Header
	body   string
}

// get makes a viewer request to host.
func (h *edgeHarness) get(method, host, path string) viewerResp {
	h.t.Helper()
	req, err := http.NewRequest(method, h.env.Endpoint+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Host = host
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return viewerResp{resp.StatusCode, resp.Header, string(body)}
}

// want checks a viewer response's status, X-Cache and that the edge
// headers are there.
func (r viewerResp) want(t *testing.T, what string, status int, xcache string) {
	t.Helper()
	if r.status != status || r.header.Get("X-Cache") != xcache {
		t.Fatalf("%s: status %d X-Cache %q, want %d %q\n%v\n%s", what, r.status, r.header.Get("X-Cache"), status, xcache, r.header, r.body)
	}
	if id := r.header.Get("X-Amz-Cf-Id"); !strings.HasSuffix(id, "==") || r.header.Get("X-Amz-Cf-Pop") == "" ||
		!strings.HasSuffix(r.header.Get("Via"), ".cloudfront.net (CloudFront)") {
		t.Errorf("%s: edge headers missing: %v", what, r.header)
	}
}

// s3Code is the <Code> of an S3 XML error body.
func s3Code(body string) string {
	_, rest, ok := strings.Cut(body, "<Code>")
	if !ok {
		return ""
	}
	code, _, _ := strings.Cut(rest, "</Code>")
	return code
}

func oacPolicy(bucket, sourceArn string, listBucket bool) string {
	stmts := `{"Sid":"AllowCloudFront","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject",` +
		`"Resource":"arn:aws:s3:::` + bucket + `/*","Condition":{"StringEquals":{"AWS:SourceArn":"` + sourceArn + `"}}}`
	if listBucket {
		stmts += `,{"Sid":"List","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:ListBucket",` +
			`"Resource":"arn:aws:s3:::` + bucket + `","Condition":{"StringEquals":{"AWS:SourceArn":"` + sourceArn + `"}}}`
	}
	return `{"Version":"2012-10-17","Statement":[` + stmts + `]}`
}

// TestEdgeOAC: a private bucket behind an OAC distribution. The bucket
// policy naming the distribution lets it read (Miss); one naming another
// distribution is S3's 403 AccessDenied passed through (Error); "/" is a
// ListBucket request without a default root object; missing keys are 403
// without s3:ListBucket and 404 with it; the X-Amz-Cf-Id explains as the
// origin decision.
func TestEdgeOAC(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	h.bucket("edge-private", map[string]string{"hello.txt": "hello from s3", "index.html": "<h1>home</h1>", "a/../b": "dotdot"})
	oac := h.oac("private", "always")
	d := h.dist("edge-private", func(o *cftypes.Origin, _ *cftypes.DistributionConfig) { o.OriginAccessControlId = aws.String(oac) })

	r := h.get("GET", d.domain, "/hello.txt")
	r.want(t, "no bucket policy", 403, "Error from cloudfront")

	h.policy("edge-private", oacPolicy("edge-private", d.arn, false))
	r = h.get("GET", d.domain, "/hello.txt")
	r.want(t, "right SourceArn", 200, "Miss from cloudfront")
	if r.body != "hello from s3" || r.header.Get("Server") != "AmazonS3" || r.header.Get("X-Amz-Request-Id") == "" {
		t.Errorf("right SourceArn: %v %q", r.header, r.body)
	}
	// The viewer path is the key verbatim, ".." included.
	if r := h.get("GET", strings.ToUpper(d.domain)+":80", "/a/../b"); r.status != 200 || r.body != "dotdot" {
		t.Errorf("verbatim path: %d %q", r.status, r.body)
	}
	// Range passes through.
	req, _ := http.NewRequest("GET", env.Endpoint+"/hello.txt", nil)
	req.Host = d.domain
	req.Header.Set("Range", "bytes=0-4")
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 206 || string(b) != "hello" || resp.Header.Get("X-Cache") != "Miss from cloudfront" {
			t.Errorf("range: %d %q %v", resp.StatusCode, b, resp.Header)
		}
	}

	// "/" without a default root object is ListObjects: not granted.
	r = h.get("GET", d.domain, "/")
	r.want(t, "root without DRO", 403, "Error from cloudfront")
	if s3Code(r.body) != "AccessDenied" {
		t.Errorf("root without DRO: %s", r.body)
	}
	// A missing key: 403 without s3:ListBucket, 404 with it.
	r = h.get("GET", d.domain, "/missing.txt")
	r.want(t, "missing without ListBucket", 403, "Error from cloudfront")
	cfID := r.header.Get("X-Amz-Cf-Id")
	h.policy("edge-private", oacPolicy("edge-private", d.arn, true))
	r = h.get("GET", d.domain, "/missing.txt")
	r.want(t, "missing with ListBucket", 404, "Error from cloudfront")
	if s3Code(r.body) != "NoSuchKey" {
		t.Errorf("missing with ListBucket: %s", r.body)
	}

	// The edge id explains as the origin's decision, to the
	// distribution's account.
	x := explainAs(t, env, "test", "test", cfID)
	if x.Responder != "origin" || x.Status != 403 || x.Operation != "GetObject" || !strings.Contains(x.Principal, "cloudfront") {
		t.Errorf("explain %s: %+v", cfID, x)
	}
	req, _ = http.NewRequest(http.MethodGet, env.Endpoint+"/_edgegate/explain/"+cfID, nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("anonymous explain: %v %v", resp, err)
	}

	// Another distribution with the same OAC: wrong SourceArn.
	d2 := h.dist("edge-private", func(o *cftypes.Origin, _ *cftypes.DistributionConfig) { o.OriginAccessControlId = aws.String(oac) })
	r = h.get("GET", d2.domain, "/hello.txt")
	r.want(t, "wrong SourceArn", 403, "Error from cloudfront")
	if s3Code(r.body) != "AccessDenied" || r.header.Get("Server") != "AmazonS3" {
		t.Errorf("wrong SourceArn: %v %s", r.header, r.body)
	}

	// With a default root object, "/" is that object; "/a/" is not.
	d3 := h.dist("edge-private", func(o *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		o.OriginAccessControlId = aws.String(oac)
		cfg.DefaultRootObject = aws.String("index.html")
	})
	h.policy("edge-private", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},`+
		`"Action":"s3:GetObject","Resource":"arn:aws:s3:::edge-private/*","Condition":{"StringEquals":{"AWS:SourceArn":["`+d.arn+`","`+d3.arn+`"]}}}]}`)
	r = h.get("GET", d3.domain, "/")
	r.want(t, "root with DRO", 200, "Miss from cloudfront")
	if r.body != "<h1>home</h1>" {
		t.Errorf("root with DRO: %q", r.body)
	}
	h.get("GET", d3.domain, "/a/").want(t, "sub-folder with DRO", 403, "Error from cloudfront")
	if r := h.get("HEAD", d3.domain, "/"); r.status != 200 || r.body != "" || r.header.Get("Content-Length") != "13" {
		t.Errorf("HEAD root: %d %v", r.status, r.header)
	}
}

// TestEdgeSigningNeverAndOAI: an OAC that never signs reaches S3 as the
// anonymous user; an OAI reaches it as its own principal.
func TestEdgeSigningNeverAndOAI(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	h.bucket("edge-never", map[string]string{"a.txt": "public now"})
	never := h.oac("never", "never")
	d := h.dist("edge-never", func(o *cftypes.Origin, _ *cftypes.DistributionConfig) { o.OriginAccessControlId = aws.String(never) })
	h.get("GET", d.domain, "/a.txt").want(t, "never, private", 403, "Error from cloudfront")
	if _, err := h.s3.DeletePublicAccessBlock(context.Background(), &s3.DeletePublicAccessBlockInput{Bucket: aws.String("edge-never")}); err != nil {
		t.Fatal(err)
	}
	h.policy("edge-never", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::edge-never/*"}]}`)
	r := h.get("GET", d.domain, "/a.txt")
	r.want(t, "never, public-read policy", 200, "Miss from cloudfront")
	if r.body != "public now" {
		t.Errorf("public read: %q", r.body)
	}

	h.bucket("edge-oai", map[string]string{"o.txt": "via oai"})
	oai, err := h.cf.CreateCloudFrontOriginAccessIdentity(context.Background(), &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
		CloudFrontOriginAccessIdentityConfig: &cftypes.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String("oai"), Comment: aws.String("")}})
	if err != nil {
		t.Fatal(err)
	}
	oaiID := *oai.CloudFrontOriginAccessIdentity.Id
	d2 := h.dist("edge-oai", func(o *cftypes.Origin, _ *cftypes.DistributionConfig) {
		o.S3OriginConfig.OriginAccessIdentity = aws.String("origin-access-identity/cloudfront/" + oaiID)
	})
	h.get("GET", d2.domain, "/o.txt").want(t, "OAI without policy", 403, "Error from cloudfront")
	h.policy("edge-oai", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity `+oaiID+`"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::edge-oai/*"}]}`)
	r = h.get("GET", d2.domain, "/o.txt")
	r.want(t, "OAI with policy", 200, "Miss from cloudfront")
	if r.body != "via oai" {
		t.Errorf("OAI: %q", r.body)
	}
}

// TestEdgeViewerChecks: the edge's own refusals, answered with
// CloudFront's page and explained as the edge's reason.
func TestEdgeViewerChecks(t *testing.T) {
	env := startSSEKMS(t) // with a second account
	h := newEdgeHarness(t, env)
	h.bucket("edge-checks", map[string]string{"x": "x"})
	d := h.dist("edge-checks", func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		cfg.CacheBehaviors = &cftypes.CacheBehaviors{Quantity: aws.Int32(2), Items: []cftypes.CacheBehavior{
			{PathPattern: aws.String("/secure/*"), TargetOriginId: aws.String("s3"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyHttpsOnly,
				CachePolicyId: aws.String(cachingOptimized)},
			{PathPattern: aws.String("/redirect/*"), TargetOriginId: aws.String("s3"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
				CachePolicyId: aws.String(cachingOptimized)},
		}}
	})
	page := func(what string, r viewerResp) {
		t.Helper()
		r.want(t, what, 403, "Error from cloudfront")
		if r.header.Get("Server") != "CloudFront" || !strings.Contains(r.body, "403 ERROR") ||
			!strings.Contains(r.body, "The request could not be satisfied.") || !strings.Contains(r.body, "Generated by cloudfront (CloudFront)") ||
			!strings.Contains(r.body, "Request ID: "+r.header.Get("X-Amz-Cf-Id")) {
			t.Errorf("%s: not CloudFront's page: %v\n%s", what, r.header, r.body)
		}
	}
	page("unknown host", h.get("GET", "dnosuchdist0000.cloudfront.localhost", "/x"))
	r := h.get("POST", d.domain, "/x")
	page("POST on GET/HEAD", r)
	x := explainAs(t, env, "test", "test", r.header.Get("X-Amz-Cf-Id"))
	if x.Responder != "edge" || findingOf(x, "CF-METHOD") == nil {
		t.Errorf("explain method: %+v", x)
	}
	if status, _ := explainRaw(t, env, sseOtherKey, sseOtherSecret, r.header.Get("X-Amz-Cf-Id")); status != 403 {
		t.Errorf("another account read the distribution's explanation: %d", status)
	}
	page("https-only over http", h.get("GET", d.domain, "/secure/x"))
	r = h.get("GET", d.domain, "/redirect/x?q=1")
	if r.status != 301 || r.header.Get("Location") != "https://"+d.domain+"/redirect/x?q=1" || r.header.Get("Server") != "CloudFront" {
		t.Errorf("redirect-to-https: %d %v", r.status, r.header)
	}

	// The S3 API, health and edgegate paths are untouched.
	if resp, err := http.Get(env.Endpoint + "/_edgegate/health"); err != nil || resp.StatusCode != 200 {
		t.Errorf("health: %v %v", resp, err)
	}
	if _, err := h.s3.HeadBucket(context.Background(), &s3.HeadBucketInput{Bucket: aws.String("edge-checks")}); err != nil {
		t.Errorf("S3 API: %v", err)
	}

	// Disabled: CloudFront's 403.
	cfg := d.cfg
	cfg.Enabled = aws.Bool(false)
	cfg.Origins.Items[0].OriginAccessControlId = nil
	if _, err := h.cf.UpdateDistribution(context.Background(), &cloudfront.UpdateDistributionInput{Id: aws.String(d.id), IfMatch: aws.String(d.etag), DistributionConfig: cfg}); err != nil {
		t.Fatal(err)
	}
	page("disabled", h.get("GET", d.domain, "/x"))
}

// TestEdgeSSEKMS: an SSE-KMS object read through OAC needs the key policy
// to let CloudFront's service principal decrypt for this distribution
// (KMS-KEY-POLICY).
func TestEdgeSSEKMS(t *testing.T) {
	bg := context.Background()
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	kc := kmsClient(env, "test", "test")
	rootOnly := `{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"kms:*","Resource":"*"}`
	ck, err := kc.CreateKey(bg, &kms.CreateKeyInput{Policy: aws.String(`{"Version":"2012-10-17","Statement":[` + rootOnly + `]}`)})
	if err != nil {
		t.Fatal(err)
	}
	keyID, keyARN := *ck.KeyMetadata.KeyId, *ck.KeyMetadata.Arn
	h.bucket("edge-kms", nil)
	if _, err := h.s3.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String("edge-kms"), Key: aws.String("secret.txt"),
		Body: bytes.NewReader([]byte("kms protected")), ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(keyARN)}); err != nil {
		t.Fatal(err)
	}
	oac := h.oac("kms", "always")
	d := h.dist("edge-kms", func(o *cftypes.Origin, _ *cftypes.DistributionConfig) { o.OriginAccessControlId = aws.String(oac) })
	h.policy("edge-kms", oacPolicy("edge-kms", d.arn, false))

	r := h.get("GET", d.domain, "/secret.txt")
	r.want(t, "key policy without CloudFront", 403, "Error from cloudfront")
	x := explainAs(t, env, "test", "test", r.header.Get("X-Amz-Cf-Id"))
	if findingOf(x, "KMS-KEY-POLICY") == nil {
		ids := []string{}
		for _, f := range x.Findings {
			ids = append(ids, f.ID)
		}
		t.Errorf("explain: findings %v", ids)
	}

	cfStmt := `{"Sid":"CloudFront","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*",` +
		`"Condition":{"StringEquals":{"AWS:SourceArn":"` + d.arn + `"}}}`
	if _, err := kc.PutKeyPolicy(bg, &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[` + rootOnly + `,` + cfStmt + `]}`)}); err != nil {
		t.Fatal(err)
	}
	r = h.get("GET", d.domain, "/secret.txt")
	r.want(t, "key policy with CloudFront", 200, "Miss from cloudfront")
	if r.body != "kms protected" {
		t.Errorf("SSE-KMS body %q", r.body)
	}
	// Another distribution, same OAC and bucket policy statement for it:
	// the key policy names only the first.
	d2 := h.dist("edge-kms", func(o *cftypes.Origin, _ *cftypes.DistributionConfig) { o.OriginAccessControlId = aws.String(oac) })
	h.policy("edge-kms", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},`+
		`"Action":"s3:GetObject","Resource":"arn:aws:s3:::edge-kms/*","Condition":{"StringEquals":{"AWS:SourceArn":["`+d.arn+`","`+d2.arn+`"]}}}]}`)
	h.get("GET", d2.domain, "/secret.txt").want(t, "key policy naming another distribution", 403, "Error from cloudfront")
}

// explainRaw is explainAs without failing: the status and the decoded
// answer.
func explainRaw(t *testing.T, env *testenv.Env, akid, secret, id string) (int, *diagnose.Explanation) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.Endpoint+"/_edgegate/explain/"+id, nil)
	sigv4.SignRequest(req, akid, secret, "us-east-1", "s3", time.Now(), sigv4.EmptyPayloadHash)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	x := new(diagnose.Explanation)
	_ = json.NewDecoder(resp.Body).Decode(x)
	return resp.StatusCode, x
}

// TestEdgeCustomErrorResponses: the SPA pattern (403 → /index.html, 200)
// and a custom page that is itself missing (the failed fetch's status).
func TestEdgeCustomErrorResponses(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	h.bucket("edge-spa", map[string]string{"index.html": "<app/>", "ok.txt": "ok"})
	oac := h.oac("spa", "always")
	d := h.dist("edge-spa", func(o *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		o.OriginAccessControlId = aws.String(oac)
		cfg.CustomErrorResponses = &cftypes.CustomErrorResponses{Quantity: aws.Int32(2), Items: []cftypes.CustomErrorResponse{
			{ErrorCode: aws.Int32(403), ResponsePagePath: aws.String("/index.html"), ResponseCode: aws.String("200")},
			{ErrorCode: aws.Int32(404), ResponsePagePath: aws.String("/errors/404.html"), ResponseCode: aws.String("404")},
		}}
	})
	h.policy("edge-spa", oacPolicy("edge-spa", d.arn, false))
	r := h.get("GET", d.domain, "/app/route/42") // missing, no ListBucket: 403 → the SPA page
	r.want(t, "SPA route", 200, "Error from cloudfront")
	if r.body != "<app/>" {
		t.Errorf("SPA route body %q", r.body)
	}
	// The explanation is the original origin decision (the 403).
	if x := explainAs(t, env, "test", "test", r.header.Get("X-Amz-Cf-Id")); x.Status != 403 || x.Operation != "GetObject" {
		t.Errorf("SPA route explanation: %+v", x)
	}
	h.get("GET", d.domain, "/ok.txt").want(t, "plain object", 200, "Miss from cloudfront")

	// With ListBucket the missing key is 404, whose page is missing too:
	// the viewer gets the failed page fetch's answer.
	h.policy("edge-spa", oacPolicy("edge-spa", d.arn, true))
	r = h.get("GET", d.domain, "/nothing")
	r.want(t, "missing custom page", 404, "Error from cloudfront")
	if s3Code(r.body) != "NoSuchKey" || !strings.Contains(r.body, "<Key>errors/404.html</Key>") {
		t.Errorf("missing custom page body: %s", r.body)
	}
}

// TestEdgeCustomOrigin: a custom origin is fetched over HTTP with the
// origin's custom headers, and its answer passed through; an origin that
// refuses connections is CloudFront's 502.
func TestEdgeCustomOrigin(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	seen := make(chan *http.Request, 1)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r
		w.Header().Set("Cache-Control", "max-age=60")
		w.WriteHeader(http.StatusTeapot)
		_, _ = io.WriteString(w, "from the custom origin")
	}))
	defer origin.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(origin.URL, "http://"))
	p, _ := strconv.Atoi(port)
	custom := func(port int32) func(o *cftypes.Origin, _ *cftypes.DistributionConfig) {
		return func(o *cftypes.Origin, _ *cftypes.DistributionConfig) {
			o.DomainName = aws.String("127.0.0.1")
			o.OriginPath = aws.String("/base")
			o.S3OriginConfig = nil
			o.CustomOriginConfig = &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(port), HTTPSPort: aws.Int32(443),
				OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly}
			o.CustomHeaders = &cftypes.CustomHeaders{Quantity: aws.Int32(1), Items: []cftypes.OriginCustomHeader{
				{HeaderName: aws.String("X-Origin-Secret"), HeaderValue: aws.String("s3cr3t")}}}
		}
	}
	d := h.dist("unused", custom(int32(p)))
	r := h.get("GET", d.domain, "/x/y?q=1")
	r.want(t, "custom origin", http.StatusTeapot, "Error from cloudfront")
	if r.body != "from the custom origin" || r.header.Get("Cache-Control") != "max-age=60" {
		t.Errorf("custom origin: %v %q", r.header, r.body)
	}
	got := <-seen
	if got.URL.Path != "/base/x/y" || got.Header.Get("X-Origin-Secret") != "s3cr3t" || got.UserAgent() != "Amazon CloudFront" ||
		got.Header.Get("X-Amz-Cf-Id") != r.header.Get("X-Amz-Cf-Id") || got.Host != "127.0.0.1:"+port {
		t.Errorf("origin saw %s %s host %s %v", got.Method, got.URL, got.Host, got.Header)
	}

	// A closed port: 502 with CloudFront's page.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, closedPort, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	cp, _ := strconv.Atoi(closedPort)
	d2 := h.dist("unused", custom(int32(cp)))
	r = h.get("GET", d2.domain, "/x")
	r.want(t, "unreachable custom origin", http.StatusBadGateway, "Error from cloudfront")
	if r.header.Get("Server") != "CloudFront" || !strings.Contains(r.body, "502 ERROR") {
		t.Errorf("unreachable custom origin: %v %s", r.header, r.body)
	}
}
