package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgegate/edgegate/internal/server"
	"github.com/edgegate/edgegate/internal/testenv"
)

// TestEdgeOACNoOverride: an OAC with SigningBehavior no-override signs
// viewer requests without Authorization; with one, CloudFront does not
// sign and S3 authenticates the viewer's header itself when the cache
// policy forwards it (a Bearer token: 400 InvalidArgument; a SigV4
// signature for the distribution's host or of an unknown key: 403), and
// sees an anonymous caller when the cache policy does not.
func TestEdgeOACNoOverride(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	h.bucket("edge-nooverride", map[string]string{"a.txt": "signed"})
	oac := h.oac("no-override", "no-override")
	cp, err := h.cf.CreateCachePolicy(context.Background(), &cloudfront.CreateCachePolicyInput{CachePolicyConfig: &cftypes.CachePolicyConfig{
		Name: aws.String("fwd-auth"), MinTTL: aws.Int64(1), DefaultTTL: aws.Int64(86400), MaxTTL: aws.Int64(31536000),
		ParametersInCacheKeyAndForwardedToOrigin: &cftypes.ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: aws.Bool(false),
			HeadersConfig: &cftypes.CachePolicyHeadersConfig{HeaderBehavior: cftypes.CachePolicyHeaderBehaviorWhitelist,
				Headers: &cftypes.Headers{Quantity: aws.Int32(3), Items: []string{"Authorization", "X-Amz-Date", "X-Amz-Content-Sha256"}}},
			CookiesConfig:      &cftypes.CachePolicyCookiesConfig{CookieBehavior: cftypes.CachePolicyCookieBehaviorNone},
			QueryStringsConfig: &cftypes.CachePolicyQueryStringsConfig{QueryStringBehavior: cftypes.CachePolicyQueryStringBehaviorNone}}}})
	if err != nil {
		t.Fatal(err)
	}
	fwd := h.dist("edge-nooverride", func(o *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		o.OriginAccessControlId = aws.String(oac)
		cfg.DefaultCacheBehavior.CachePolicyId = cp.CachePolicy.Id
	})
	plain := h.dist("edge-nooverride", func(o *cftypes.Origin, _ *cftypes.DistributionConfig) { o.OriginAccessControlId = aws.String(oac) })
	h.policy("edge-nooverride", `{"Version":"2012-10-17","Statement":[`+
		`{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::edge-nooverride/*",`+
		`"Condition":{"StringEquals":{"AWS:SourceArn":["`+fwd.arn+`","`+plain.arn+`"]}}}]}`)

	get := func(d edgeDist, header http.Header) viewerResp {
		t.Helper()
		req, err := http.NewRequest("GET", env.Endpoint+"/a.txt", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = d.domain
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return viewerResp{resp.StatusCode, resp.Header, string(body)}
	}
	// sigv4 signs the viewer's request for host with key id akid.
	sigv4 := func(host, akid, secret string) http.Header {
		req, _ := http.NewRequest("GET", "http://"+host+"/a.txt", nil)
		const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		req.Header.Set("X-Amz-Content-Sha256", empty)
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: akid, SecretAccessKey: secret}, req, empty, "s3", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		return http.Header{"Authorization": req.Header["Authorization"], "X-Amz-Date": req.Header["X-Amz-Date"], "X-Amz-Content-Sha256": req.Header["X-Amz-Content-Sha256"]}
	}
	bearer := http.Header{"Authorization": {"Bearer abc"}}

	r := get(fwd, nil)
	r.want(t, "no Authorization: signed", 200, "Miss from cloudfront")
	if r.body != "signed" {
		t.Errorf("body %q", r.body)
	}
	r = get(fwd, bearer)
	r.want(t, "Bearer forwarded", 400, "Error from cloudfront")
	if s3Code(r.body) != "InvalidArgument" || !strings.Contains(r.body, "Unsupported Authorization Type") {
		t.Errorf("Bearer: %v\n%s", r.header, r.body)
	}
	// The origin request carries CloudFront's X-Amz-Cf-Id, which no
	// viewer can sign: S3's rule on unsigned x-amz-* headers refuses it
	// (whether S3 exempts it is UNCONFIRMED, docs/edge.md).
	r = get(fwd, sigv4(fwd.domain, "test", "test"))
	r.want(t, "SigV4 of a known key", 403, "Error from cloudfront")
	if c := s3Code(r.body); c != "AccessDenied" || !strings.Contains(r.body, "<HeadersNotSigned>x-amz-cf-id</HeadersNotSigned>") {
		t.Errorf("SigV4 of a known key: %s\n%s", c, r.body)
	}
	r = get(fwd, sigv4(fwd.domain, "AKIAUNKNOWNKEY000001", "x"))
	r.want(t, "SigV4 of an unknown key", 403, "Error from cloudfront")
	if c := s3Code(r.body); c != "InvalidAccessKeyId" {
		t.Errorf("SigV4 of an unknown key: %s\n%s", c, r.body)
	}
	r = get(plain, bearer)
	r.want(t, "Bearer not forwarded: anonymous", 403, "Error from cloudfront")
	if c := s3Code(r.body); c != "AccessDenied" {
		t.Errorf("not forwarded: %s\n%s", c, r.body)
	}

	// The simulation of each names ORG-OAC-NO-OVERRIDE, fixed by signing
	// always; without Authorization there is nothing to find.
	for _, tc := range []struct {
		name   string
		d      edgeDist
		header http.Header
		status int
		want   string
	}{
		{"no Authorization", fwd, nil, 200, ""},
		{"Bearer forwarded", fwd, bearer, 400, "ORG-OAC-NO-OVERRIDE"},
		{"SigV4 of a known key", fwd, sigv4(fwd.domain, "test", "test"), 403, "ORG-OAC-NO-OVERRIDE"},
		{"Bearer not forwarded", plain, bearer, 403, "ORG-OAC-NO-OVERRIDE"},
	} {
		res, err := env.Server.SimulateViewer(context.Background(), server.ViewerRequest{URL: "https://" + tc.d.domain + "/a.txt", Header: tc.header})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, f := range res.Explanation.Findings {
			ids = append(ids, f.ID)
			if f.Fix == nil || f.Fix.Change == nil || f.Fix.Change.Kind != "oac-signing-behavior" || f.Fix.Change.Value != "always" {
				t.Errorf("%s: fix %+v", tc.name, f.Fix)
			}
		}
		if res.Status != tc.status || strings.Join(ids, ",") != tc.want {
			t.Errorf("%s: simulated %d %v, want %d %s\n%s", tc.name, res.Status, ids, tc.status, tc.want, res.Explanation.Human())
		}
	}
}
