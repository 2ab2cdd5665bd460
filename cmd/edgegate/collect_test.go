package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfsdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgegate/edgegate/internal/testenv"
)

func TestRunCollectUsage(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	out := t.TempDir()
	nonEmpty := t.TempDir()
	if err := os.WriteFile(filepath.Join(nonEmpty, "old.json"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no distribution", []string{"--out", out}, "--distribution-id is required"},
		{"no out", []string{"--distribution-id", "E1"}, "--out is required"},
		{"bad id", []string{"--distribution-id", "../E1", "--out", out}, "bad distribution id"},
		{"bad endpoint", []string{"--distribution-id", "E1", "--out", out, "--endpoint", "127.0.0.1:4566"}, "bad --endpoint"},
		{"relative key", []string{"--distribution-id", "E1", "--out", out, "--key", "index.html"}, `bad --key "index.html"`},
		{"stray argument", []string{"--distribution-id", "E1", "--out", out, "extra"}, `unexpected argument "extra"`},
		{"out is a file", []string{"--distribution-id", "E1", "--out", "/dev/null/x"}, "output directory"},
		{"out not empty", []string{"--distribution-id", "E1", "--out", nonEmpty}, "is not empty"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if code := runCollect(tt.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tt.name, code, stderr.String(), tt.want)
		}
	}
}

// TestRunCollectExitCodes runs the command against a live edgegate: the
// owner's collection answers everything (exit 0); another account's is
// refused (exit 1, refused calls listed, no file for them, the bundle
// still written).
func TestRunCollectExitCodes(t *testing.T) {
	accounts := filepath.Join(t.TempDir(), "accounts.json")
	if err := os.WriteFile(accounts, []byte(`{"accounts":[{"id":"444455556666","name":"other","access_keys":[{"id":"AKIAOTHER","secret":"othersecret"}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := testenv.Start(t, testenv.Options{AccountsFile: accounts})
	ctx := context.Background()
	if _, err := env.S3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("site")}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.S3().PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("site"), Key: aws.String("index.html"), Body: strings.NewReader("hi")}); err != nil {
		t.Fatal(err)
	}
	cf := env.CloudFront("test", "test")
	d, err := cf.CreateDistribution(ctx, &cfsdk.CreateDistributionInput{DistributionConfig: &cftypes.DistributionConfig{
		CallerReference: aws.String("c1"), Comment: aws.String(""), Enabled: aws.Bool(true), DefaultRootObject: aws.String("index.html"),
		Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{Id: aws.String("o"),
			DomainName: aws.String("site.s3.us-east-1.amazonaws.com"), S3OriginConfig: &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("")}}}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: aws.String("o"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(d.Distribution.Id)
	// An IAM user of the same account without any policy: refused.
	ic := env.IAM("test", "test")
	if _, err := ic.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("nobody")}); err != nil {
		t.Fatal(err)
	}
	key, err := ic.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("nobody")})
	if err != nil {
		t.Fatal(err)
	}
	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("AWS_CONFIG_FILE", none)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", none)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")

	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := runCollect([]string{"--distribution-id", id, "--key", "/", "--out", out, "--endpoint", env.Endpoint}, &stdout, &stderr)
	if code != 0 || !strings.Contains(stdout.String(), "/ -> s3://site/index.html") || !strings.Contains(stdout.String(), "0 refused or failed") {
		t.Errorf("owner: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "s3/site/head-object/index.html.json")); err != nil {
		t.Error(err)
	}

	t.Setenv("AWS_ACCESS_KEY_ID", aws.ToString(key.AccessKey.AccessKeyId))
	t.Setenv("AWS_SECRET_ACCESS_KEY", aws.ToString(key.AccessKey.SecretAccessKey))
	out = t.TempDir()
	stdout.Reset()
	stderr.Reset()
	code = runCollect([]string{"--distribution-id", id, "--key", "/", "--out", out, "--endpoint", env.Endpoint}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stdout.String(), "refused  aws cloudfront get-distribution --id "+id+": AccessDenied") {
		t.Errorf("other account: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	if _, err := os.Stat(filepath.Join(out, "cloudfront/get-distribution.json")); !os.IsNotExist(err) {
		t.Errorf("a refused call wrote its file: %v", err)
	}
	for _, f := range []string{"_collect.json", "sts/get-caller-identity.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}

	// Another account's distribution id: NoSuchDistribution, nothing to
	// follow, exit 1.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAOTHER")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "othersecret")
	stdout.Reset()
	code = runCollect([]string{"--distribution-id", id, "--out", t.TempDir(), "--endpoint", env.Endpoint}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stdout.String(), "was not collected") {
		t.Errorf("foreign distribution: exit %d\n%s", code, stdout.String())
	}
}
