package collect_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/collect"
	"github.com/edgegate/edgegate/internal/testenv"
)

const (
	otherAccount = "444455556666"
	otherKey     = "AKIAOTHERCOLLECT"
	otherSecret  = "othersecret"
)

// scenario sets up, in a live edgegate, a distribution with an OAC S3
// origin (SSE-KMS, a bucket policy, Block Public Access), an S3 website
// origin and an OAI origin, ordered behaviours with managed policies, and
// an invalidation. It returns the distribution id.
func scenario(t *testing.T, env *testenv.Env, cli *testenv.CLI) string {
	t.Helper()
	ctx := context.Background()
	c := env.S3()
	kc := kms.NewFromConfig(env.Config("test", "test"))
	key, err := kc.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("site key")})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	for _, b := range []string{"site", "web", "legacy"} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("site"),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(keyARN)},
			BucketKeyEnabled:                   aws.Bool(true)}}}}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"index.html", "docs/a b.txt", "docs/ünï.txt"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String(k), Body: strings.NewReader("<p>" + k)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("web"), Key: aws.String("web/index.html"), Body: strings.NewReader("w")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: aws.String("web"), WebsiteConfiguration: &s3types.WebsiteConfiguration{
		IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")}}}); err != nil {
		t.Fatal(err)
	}
	oac := cli.JSON(nil, "cloudfront", "create-origin-access-control", "--origin-access-control-config",
		"Name=site-oac,SigningProtocol=sigv4,SigningBehavior=always,OriginAccessControlOriginType=s3")
	oacID := oac["OriginAccessControl"].(map[string]any)["Id"].(string)
	oai := cli.JSON(nil, "cloudfront", "create-cloud-front-origin-access-identity", "--cloud-front-origin-access-identity-config",
		"CallerReference=oai-1,Comment=legacy")
	oaiID := oai["CloudFrontOriginAccessIdentity"].(map[string]any)["Id"].(string)
	cfg := `{
  "CallerReference": "collect-e2e", "Comment": "collect", "Enabled": true, "DefaultRootObject": "index.html",
  "Origins": {"Quantity": 3, "Items": [
    {"Id": "site", "DomainName": "site.s3.us-east-1.amazonaws.com", "OriginAccessControlId": "` + oacID + `",
     "S3OriginConfig": {"OriginAccessIdentity": ""}},
    {"Id": "web", "DomainName": "web.s3-website-us-east-1.amazonaws.com",
     "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "http-only"}},
    {"Id": "legacy", "DomainName": "legacy.s3.amazonaws.com", "OriginPath": "/v1",
     "S3OriginConfig": {"OriginAccessIdentity": "origin-access-identity/cloudfront/` + oaiID + `"}}]},
  "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all",
    "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
  "CacheBehaviors": {"Quantity": 2, "Items": [
    {"PathPattern": "/web/*", "TargetOriginId": "web", "ViewerProtocolPolicy": "allow-all",
     "CachePolicyId": "b2884449-e4de-46a7-ac36-70bc7f1ddd6d", "OriginRequestPolicyId": "88a5eaf4-2fd4-4709-b370-b4c650ea3fcf"},
    {"PathPattern": "old/*", "TargetOriginId": "legacy", "ViewerProtocolPolicy": "allow-all",
     "ForwardedValues": {"QueryString": false, "Cookies": {"Forward": "none"}}, "MinTTL": 0}]}
}`
	cfgPath := filepath.Join(cli.Dir(), "dist.json")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	dist := cli.JSON(nil, "cloudfront", "create-distribution", "--distribution-config", "file://"+cfgPath)
	d := dist["Distribution"].(map[string]any)
	id, distARN := d["Id"].(string), d["ARN"].(string)
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"AllowCloudFrontServicePrincipal","Effect":"Allow",
"Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*",
"Condition":{"StringEquals":{"AWS:SourceArn":"` + distARN + `"}}}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("site"), Policy: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("site"),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true),
			IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	cli.Run(nil, "cloudfront", "create-invalidation", "--distribution-id", id, "--paths", "/index.html")
	return id
}

var viewerPaths = []string{"/", "/docs/a%20b.txt", "/docs/%C3%BCn%C3%AF.txt", "/web/", "/old/x.txt", "/missing.txt"}

// TestCollectMatchesCLI collects a live scenario and replays every call
// of the manifest with the aws CLI v1: each written file must parse to
// exactly what the CLI prints, and each call recorded as not-found or
// refused must fail in the CLI with the same error.
func TestCollectMatchesCLI(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	cli := env.AWSCLI(t)
	id := scenario(t, env, cli)
	out := t.TempDir()
	m, err := collect.Collect(context.Background(), collect.Options{
		DistributionID: id, Paths: viewerPaths, Out: out, Config: env.Config("test", "test"), Endpoint: env.Endpoint,
	})
	if err != nil {
		t.Fatal(err)
	}
	if f := m.Failed(); len(f) != 0 {
		t.Errorf("failed calls: %+v", f)
	}
	byFile := map[string]collect.Call{}
	for _, c := range m.Calls {
		if c.File != "" {
			byFile[c.File] = c
		}
	}
	// The layout the doctor reads.
	for _, f := range []string{
		"sts/get-caller-identity.json", "cloudfront/get-distribution.json", "cloudfront/list-invalidations.json",
		"s3/list-buckets.json", "s3/site/get-bucket-policy.json", "s3/site/get-bucket-ownership-controls.json",
		"s3/site/get-public-access-block.json", "s3/site/get-bucket-acl.json", "s3/site/get-bucket-location.json",
		"s3/site/get-bucket-encryption.json", "s3/site/get-bucket-request-payment.json", "s3/site/list-objects-v2.json",
		"s3/web/get-bucket-website.json", "s3/site/head-object/index.html.json", "s3/site/get-object-acl/index.html.json",
		"s3/site/head-object/docs%2Fa%20b.txt.json", "s3/site/head-object/docs%2F%C3%BCn%C3%AF.txt.json",
		"s3/web/head-object/web%2Findex.html.json",
		"cloudfront/get-cache-policy/658327ea-f89d-4fab-a63d-7e88639e58f6.json",
		"cloudfront/get-origin-request-policy/88a5eaf4-2fd4-4709-b370-b4c650ea3fcf.json",
	} {
		if _, ok := byFile[f]; !ok {
			t.Errorf("no %s in the manifest", f)
		}
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	counts := map[string]int{}
	for _, c := range m.Calls {
		counts[c.Outcome]++
		replay(t, cli, env.Endpoint, out, c)
	}
	for _, want := range []string{"get-bucket-website --bucket site", "get-bucket-policy --bucket legacy",
		"head-object --bucket legacy --key v1/old/x.txt", "head-object --bucket site --key missing.txt",
		"s3control get-public-access-block"} {
		found := false
		for _, c := range m.Calls {
			found = found || (c.Outcome == collect.OutcomeNotFound && strings.Contains(c.Command, want))
		}
		if !found {
			t.Errorf("no not-found call for %s", want)
		}
	}
	if counts[collect.OutcomeOK] < 25 || counts[collect.OutcomeNotFound] < 5 {
		t.Errorf("outcomes %v", counts)
	}
	// The KMS key of the bucket's encryption and of the objects.
	kmsFiles := 0
	for f := range byFile {
		if strings.HasPrefix(f, "kms/") {
			kmsFiles++
		}
	}
	if kmsFiles != 2 {
		t.Errorf("kms files: %d, want describe-key and get-key-policy of one key", kmsFiles)
	}
	wantKeys := map[string]string{"/": "site index.html", "/docs/a%20b.txt": "site docs/a b.txt", "/web/": "web web/index.html",
		"/old/x.txt": "legacy v1/old/x.txt", "/missing.txt": "site missing.txt", "/docs/%C3%BCn%C3%AF.txt": "site docs/ünï.txt"}
	for _, k := range m.Keys {
		if got := k.Bucket + " " + k.Key; got != wantKeys[k.Path] {
			t.Errorf("%s mapped to %q, want %q", k.Path, got, wantKeys[k.Path])
		}
	}
	// The manifest on disk is the one returned, and tells a reader which
	// missing files are known absent.
	disk, err := collect.ReadManifest(out)
	if err != nil || !reflect.DeepEqual(disk, m) {
		t.Fatalf("manifest on disk: %v\n%+v\n%+v", err, disk, m)
	}
	oc := disk.Outcomes()
	if c := oc["s3/site/get-bucket-website.json"]; c.Outcome != collect.OutcomeNotFound || c.ErrorCode != "NoSuchWebsiteConfiguration" || c.File != "" {
		t.Errorf("get-bucket-website of site: %+v", c)
	}
	if _, err := os.Stat(filepath.Join(out, "s3/site/get-bucket-website.json")); !os.IsNotExist(err) {
		t.Errorf("a not-found call wrote its file: %v", err)
	}
	if c := oc["s3/legacy/head-object/v1%2Fold%2Fx.txt.json"]; c.Outcome != collect.OutcomeNotFound {
		t.Errorf("head-object of a missing key: %+v", c)
	}
	for p, c := range oc {
		if c.Outcome == collect.OutcomeOK && c.File != p {
			t.Errorf("%s: file %q", p, c.File)
		}
	}

	// The doctor's reader takes the bundle whole: no problem, nothing
	// missing or refused, the not-found answers known absent.
	b, err := bundle.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Problems) != 0 || len(b.Missing) != 0 || len(b.Refused) != 0 {
		t.Errorf("bundle.Read: problems %v, missing %v, refused %v", b.Problems, b.Missing, b.Refused)
	}
	for _, p := range []string{"s3/site/get-bucket-website.json", "s3/legacy/get-bucket-policy.json", "s3control/get-public-access-block.json"} {
		if !b.IsAbsent(p) {
			t.Errorf("bundle.Read: %s not absent (%v)", p, b.Absent)
		}
	}
	if b.Distribution == nil || len(b.KMSKeys) != 1 || b.Buckets["site"] == nil || b.Buckets["site"].HeadObjects["docs/a b.txt"] == nil ||
		b.Buckets["site"].Policy == nil || b.Buckets["web"].Website == nil || len(b.OriginAccessControls) != 1 || len(b.OriginAccessIdentities) != 1 {
		t.Errorf("bundle.Read: %+v", b)
	}
}

// replay runs one manifest call with the aws CLI and compares.
func replay(t *testing.T, cli *testenv.CLI, endpoint, out string, c collect.Call) {
	t.Helper()
	args := shellWords(t, strings.TrimPrefix(c.Command, "aws "))
	var env []string
	if args[0] == "s3control" {
		// {AccountId}.HOST does not resolve: the server is the proxy.
		env = []string{"HTTP_PROXY=" + endpoint, "http_proxy=" + endpoint, "NO_PROXY=", "no_proxy="}
	}
	stdout, stderr, err := cli.Try(env, args...)
	switch c.Outcome {
	case collect.OutcomeOK:
		if err != nil {
			t.Errorf("%s: the CLI failed: %v %s", c.Command, err, stderr)
			return
		}
		got, rerr := os.ReadFile(filepath.Join(out, c.File))
		if rerr != nil {
			t.Errorf("%s: %v", c.File, rerr)
			return
		}
		if len(strings.TrimSpace(string(stdout))) == 0 || len(got) == 0 {
			if len(strings.TrimSpace(string(stdout))) != len(strings.TrimSpace(string(got))) {
				t.Errorf("%s: CLI printed %q, file holds %q", c.Command, stdout, got)
			}
			return
		}
		var want, have any
		if err := json.Unmarshal(stdout, &want); err != nil {
			t.Errorf("%s: CLI output: %v", c.Command, err)
			return
		}
		if err := json.Unmarshal(got, &have); err != nil {
			t.Errorf("%s: file: %v", c.File, err)
			return
		}
		if !reflect.DeepEqual(want, have) {
			t.Errorf("%s differs from the CLI:\nCLI:  %s\nfile: %s", c.File, stdout, got)
		}
	default:
		if err == nil {
			t.Errorf("%s: recorded %s (%s) but the CLI succeeded", c.Command, c.Outcome, c.ErrorCode)
			return
		}
		if !strings.Contains(stderr, "("+c.ErrorCode+")") && !strings.Contains(stderr, "("+itoa(c.HTTPStatus)+")") {
			t.Errorf("%s: recorded %s, the CLI said %s", c.Command, c.ErrorCode, stderr)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// shellWords splits a manifest command line: words separated by spaces,
// single-quoted words as quoteArg writes them.
func shellWords(t *testing.T, s string) []string {
	var out []string
	var cur strings.Builder
	in, any := false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case in && ch == '\'':
			in = false
		case in:
			cur.WriteByte(ch)
		case ch == '\'':
			in, any = true, true
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case ch == ' ':
			if cur.Len() > 0 || any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteByte(ch)
		}
	}
	if in {
		t.Fatalf("unterminated quote in %q", s)
	}
	if cur.Len() > 0 || any {
		out = append(out, cur.String())
	}
	return out
}

// TestCollectCutListing bounds the listing below the bucket's size: the
// main listing is cut with a NextToken, as `--max-items` prints it, and
// the requested keys' prefixes are listed on their own, each equal to the
// CLI's listing of that prefix.
func TestCollectCutListing(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	cli := env.AWSCLI(t)
	ctx := context.Background()
	c := env.S3()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("many")}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a.txt", "b.txt", "c.txt", "docs/index.html", "docs/x.html", "z"} {
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("many"), Key: aws.String(k), Body: strings.NewReader(k)}); err != nil {
			t.Fatal(err)
		}
	}
	dist := cli.JSON(nil, "cloudfront", "create-distribution", "--origin-domain-name", "many.s3.us-east-1.amazonaws.com")
	id := dist["Distribution"].(map[string]any)["Id"].(string)
	out := t.TempDir()
	m, err := collect.Collect(ctx, collect.Options{DistributionID: id, Paths: []string{"/docs/", "/z"}, Out: out,
		Config: env.Config("test", "test"), Endpoint: env.Endpoint, ListLimit: 2})
	if err != nil {
		t.Fatal(err)
	}
	var main map[string]any
	raw, err := os.ReadFile(filepath.Join(out, "s3/many/list-objects-v2.json"))
	if err != nil || json.Unmarshal(raw, &main) != nil {
		t.Fatalf("main listing: %v %s", err, raw)
	}
	if n := len(main["Contents"].([]any)); n != 2 || main["NextToken"] == nil {
		t.Errorf("main listing: %d keys, NextToken %v", n, main["NextToken"])
	}
	// The CLI agrees on everything but the token's text.
	var want map[string]any
	if err := json.Unmarshal(cli.Run(nil, "s3api", "list-objects-v2", "--bucket", "many", "--max-items", "2"), &want); err != nil {
		t.Fatal(err)
	}
	delete(main, "NextToken")
	if want["NextToken"] == nil {
		t.Error("the CLI printed no NextToken")
	}
	delete(want, "NextToken")
	if !reflect.DeepEqual(main, want) {
		t.Errorf("main listing differs from the CLI's:\n%v\n%v", main, want)
	}
	for _, c := range m.Calls {
		if strings.Contains(c.Command, "--prefix") {
			replay(t, cli, env.Endpoint, out, c)
		}
	}
	for _, f := range []string{"s3/many/list-objects-v2/docs%2F.json", "s3/many/list-objects-v2/z.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	b, err := bundle.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	if l := b.Buckets["many"].PrefixListings["docs/"]; l == nil || len(b.Problems) != 0 {
		t.Errorf("bundle.Read: prefix listing %+v, problems %v", l, b.Problems)
	}
}
