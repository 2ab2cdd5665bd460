package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/testenv"
)

// TestEdgeWebsiteOrigin: a distribution whose origin is a bucket's website
// endpoint (a custom origin to CloudFront) gets index documents in every
// folder, where the same bucket behind its REST endpoint has none (the
// article's point: "/docs/" is key "docs/" there); the website's HTML
// errors and redirects pass through. (A website origin with
// OriginProtocolPolicy https-only should be CloudFront's 502, website
// endpoints having no HTTPS; the edge does not do that yet: docs/website.md.)
func TestEdgeWebsiteOrigin(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	ctx := context.Background()
	h.bucket("site", map[string]string{"index.html": "home", "docs/index.html": "the docs", "docs/a.html": "a"})
	if _, err := h.s3.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: aws.String("site"), WebsiteConfiguration: &s3types.WebsiteConfiguration{
		IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.s3.DeletePublicAccessBlock(ctx, &s3.DeletePublicAccessBlockInput{Bucket: aws.String("site")}); err != nil {
		t.Fatal(err)
	}
	h.policy("site", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}`)

	website := func(policy cftypes.OriginProtocolPolicy) func(o *cftypes.Origin, _ *cftypes.DistributionConfig) {
		return func(o *cftypes.Origin, _ *cftypes.DistributionConfig) {
			o.DomainName = aws.String("site.s3-website-us-east-1.amazonaws.com")
			o.S3OriginConfig = nil
			o.CustomOriginConfig = &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: policy}
		}
	}
	d := h.dist("site", website(cftypes.OriginProtocolPolicyHttpOnly))
	r := h.get("GET", d.domain, "/docs/")
	r.want(t, "website origin /docs/", http.StatusOK, "Miss from cloudfront")
	if r.body != "the docs" {
		t.Errorf("website origin /docs/: %q", r.body)
	}
	if r := h.get("GET", d.domain, "/"); r.status != 200 || r.body != "home" {
		t.Errorf("website origin /: %d %q", r.status, r.body)
	}
	r = h.get("GET", d.domain, "/docs")
	if r.status != http.StatusFound || r.header.Get("Location") != "/docs/" {
		t.Errorf("website origin /docs: %d %v", r.status, r.header)
	}
	r = h.get("GET", d.domain, "/nope.html")
	if r.status != 404 || !strings.Contains(r.body, "<li>Code: NoSuchKey</li>") || r.header.Get("X-Cache") != "Error from cloudfront" {
		t.Errorf("website origin missing: %d %v %s", r.status, r.header, r.body)
	}

	// The same bucket behind its REST endpoint: no index document below
	// the root, so /docs/ asks for key "docs/" (403 without s3:ListBucket).
	rest := h.dist("site", nil)
	r = h.get("GET", rest.domain, "/docs/")
	if r.status != http.StatusForbidden || s3Code(r.body) != "AccessDenied" {
		t.Errorf("REST origin /docs/: %d %s", r.status, r.body)
	}
}
