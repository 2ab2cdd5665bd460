package s3_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/s3control/types"

	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/testenv"
)

// controlClient returns an S3 Control client for the server. The SDK sends
// account operations to {AccountId}.HOST, which does not resolve here, so
// its HTTP client dials the server whatever the host.
func controlClient(env *testenv.Env, key, secret string) *s3control.Client {
	var d net.Dialer
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, env.Addr)
		},
	}}
	return s3control.NewFromConfig(env.Config(key, secret), func(o *s3control.Options) { o.HTTPClient = hc })
}

// TestAccountPublicAccessBlock drives S3 Control's account Block Public
// Access with the SDK: 404 when unset, put/get/delete, another account's id
// refused, the setting combined with the bucket's, and kept across a
// restart.
func TestAccountPublicAccessBlock(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := dir + "/accounts.json"
	doc := `{"accounts":[{"id":"` + otherAccount + `","name":"other","access_keys":[{"id":"` + otherKey + `","secret":"` + otherSecret + `"}]}]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	env := testenv.Start(t, testenv.Options{AccountsFile: path, DataDir: data})
	ctl := controlClient(env, "test", "test")
	me := aws.String(iam.DefaultAccountID)

	_, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: me})
	wantErr(t, "GetPublicAccessBlock(unset)", err, "NoSuchPublicAccessBlockConfiguration", 404)
	var nf *types.NoSuchPublicAccessBlockConfiguration
	if err != nil && !asErr(err, &nf) {
		t.Errorf("error is not the modeled NoSuchPublicAccessBlockConfiguration: %T %v", err, err)
	}
	_, err = ctl.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: me,
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}})
	if err != nil {
		t.Fatalf("PutPublicAccessBlock: %v", err)
	}
	got, err := ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: me})
	if err != nil {
		t.Fatal(err)
	}
	if p := got.PublicAccessBlockConfiguration; !aws.ToBool(p.BlockPublicAcls) || aws.ToBool(p.IgnorePublicAcls) ||
		aws.ToBool(p.BlockPublicPolicy) || !aws.ToBool(p.RestrictPublicBuckets) {
		t.Errorf("GetPublicAccessBlock: %+v", p)
	}

	// Another account's configuration, or a signature from the other
	// account for ours: AccessDenied.
	_, err = ctl.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(otherAccount)})
	wantErr(t, "GetPublicAccessBlock(other account)", err, "AccessDenied", 403)
	_, err = controlClient(env, otherKey, otherSecret).PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: me,
		PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{}})
	wantErr(t, "PutPublicAccessBlock(by other account)", err, "AccessDenied", 403)
	if _, err := controlClient(env, otherKey, otherSecret).GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(otherAccount)}); errCode(err) != "NoSuchPublicAccessBlockConfiguration" {
		t.Errorf("other account's own: %v", err)
	}

	// The account's BlockPublicAcls applies to its buckets even when a
	// bucket's own configuration is all off.
	c := env.S3()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acct-pab"), ObjectOwnership: s3types.ObjectOwnershipObjectWriter}); err != nil {
		t.Fatal(err)
	}
	openPAB(t, c, "acct-pab")
	_, err = c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("acct-pab"), ACL: s3types.BucketCannedACLPublicRead})
	wantErr(t, "PutBucketAcl(public-read) under account BlockPublicAcls", err, "AccessDenied", 403)

	// The setting survives a restart.
	env2 := restart(t, env, path, data)
	ctl2 := controlClient(env2, "test", "test")
	got, err = ctl2.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: me})
	if err != nil || !aws.ToBool(got.PublicAccessBlockConfiguration.BlockPublicAcls) {
		t.Fatalf("after restart: %+v %v", got, err)
	}
	if _, err := ctl2.DeletePublicAccessBlock(ctx, &s3control.DeletePublicAccessBlockInput{AccountId: me}); err != nil {
		t.Fatal(err)
	}
	_, err = ctl2.GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: me})
	wantErr(t, "GetPublicAccessBlock(deleted)", err, "NoSuchPublicAccessBlockConfiguration", 404)
	if _, err := env2.S3().PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: aws.String("acct-pab"), ACL: s3types.BucketCannedACLPublicRead}); err != nil {
		t.Errorf("PutBucketAcl(public-read) after the account setting is gone: %v", err)
	}
}

// restart stops env's server and starts another on the same data
// directory.
func restart(t *testing.T, env *testenv.Env, accounts, data string) *testenv.Env {
	t.Helper()
	if err := env.Stop(); err != nil {
		t.Fatalf("stopping the server: %v", err)
	}
	return testenv.Start(t, testenv.Options{AccountsFile: accounts, DataDir: data})
}

func asErr[T error](err error, target *T) bool {
	for e := err; e != nil; {
		if v, ok := e.(T); ok {
			*target = v
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// TestAccountPublicAccessBlockCLI drives the same API with the aws CLI
// (skipped when it is not installed).
func TestAccountPublicAccessBlockCLI(t *testing.T) {
	awsPath, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("aws CLI not installed")
	}
	env := testenv.Start(t, testenv.Options{})
	run := func(args ...string) (string, error) {
		cmd := exec.Command(awsPath, append([]string{"--endpoint-url", env.Endpoint, "--region", "us-east-1", "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_SESSION_TOKEN=",
			"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=",
			// S3 Control requests go to {AccountId}.ENDPOINT-HOST, which
			// does not resolve; the server as the CLI's HTTP proxy receives
			// them whatever the host (the Host header and signature are
			// unchanged: a proxied http request carries the absolute URL).
			"HTTP_PROXY="+env.Endpoint, "http_proxy="+env.Endpoint, "NO_PROXY=", "no_proxy=")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run("s3control", "get-public-access-block", "--account-id", iam.DefaultAccountID)
	if err == nil || !strings.Contains(out, "NoSuchPublicAccessBlockConfiguration") {
		t.Fatalf("get (unset): %v\n%s", err, out)
	}
	out, err = run("s3control", "put-public-access-block", "--account-id", iam.DefaultAccountID,
		"--public-access-block-configuration", "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=false,RestrictPublicBuckets=false")
	if err != nil {
		t.Fatalf("put: %v\n%s", err, out)
	}
	out, err = run("s3control", "get-public-access-block", "--account-id", iam.DefaultAccountID)
	if err != nil || !strings.Contains(out, `"BlockPublicAcls": true`) || !strings.Contains(out, `"BlockPublicPolicy": false`) {
		t.Fatalf("get: %v\n%s", err, out)
	}
	out, err = run("s3control", "get-public-access-block", "--account-id", otherAccount)
	if err == nil || !strings.Contains(out, "AccessDenied") {
		t.Errorf("get (other account): %v\n%s", err, out)
	}
	out, err = run("s3control", "delete-public-access-block", "--account-id", iam.DefaultAccountID)
	if err != nil {
		t.Fatalf("delete: %v\n%s", err, out)
	}
	// The bucket-level APIs through the CLI too.
	if out, err := run("s3api", "create-bucket", "--bucket", "cli-acl", "--object-ownership", "ObjectWriter"); err != nil {
		t.Fatalf("create-bucket: %v\n%s", err, out)
	}
	out, err = run("s3api", "put-bucket-acl", "--bucket", "cli-acl", "--acl", "public-read")
	if err == nil || !strings.Contains(out, "AccessDenied") {
		t.Errorf("put-bucket-acl public-read under BPA: %v\n%s", err, out)
	}
	out, err = run("s3api", "get-bucket-acl", "--bucket", "cli-acl")
	if err != nil || !strings.Contains(out, `"Permission": "FULL_CONTROL"`) || !strings.Contains(out, iam.DeriveCanonicalID(iam.DefaultAccountID)) {
		t.Errorf("get-bucket-acl: %v\n%s", err, out)
	}
	out, err = run("s3api", "get-bucket-ownership-controls", "--bucket", "cli-acl")
	if err != nil || !strings.Contains(out, `"ObjectOwnership": "ObjectWriter"`) {
		t.Errorf("get-bucket-ownership-controls: %v\n%s", err, out)
	}
}
