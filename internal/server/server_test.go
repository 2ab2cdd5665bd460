package server_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/edgegate/edgegate/internal/testenv"
)

var ctx = context.Background()

func apiCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// TestOneEndpointThreeServices drives IAM, STS and S3 through the same
// listener with the real SDK clients, routing by credential scope.
func TestOneEndpointThreeServices(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	root := env.IAM("test", "test")
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("bob")})
	if err != nil {
		t.Fatal(err)
	}
	akid, secret := aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)

	who, err := env.STS(akid, secret).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Arn) != "arn:aws:iam::000000000000:user/bob" || aws.ToString(who.Account) != "000000000000" {
		t.Fatalf("GetCallerIdentity as bob: %s %s", aws.ToString(who.Arn), aws.ToString(who.Account))
	}

	// The root creates a bucket; bob, an IAM user with no policy, is denied
	// as AWS denies a user no policy allows.
	if _, err := env.S3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("shared")}); err != nil {
		t.Fatal(err)
	}
	_, err = env.S3As(akid, secret).ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("shared")})
	if apiCode(err) != "AccessDenied" {
		t.Fatalf("bob lists the root's bucket: %v, want AccessDenied", err)
	}
	// bob's IAM calls are denied too.
	if _, err := env.IAM(akid, secret).ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "AccessDenied" {
		t.Fatalf("bob lists users: %v, want AccessDenied", err)
	}

	// Deleting the key makes it unknown to every service at once.
	if _, err := root.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(akid)}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.S3As(akid, secret).ListBuckets(ctx, &s3.ListBucketsInput{}); apiCode(err) != "InvalidAccessKeyId" {
		t.Fatalf("deleted key on S3: %v, want InvalidAccessKeyId", err)
	}
	if _, err := env.STS(akid, secret).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Fatalf("deleted key on STS: %v, want InvalidClientTokenId", err)
	}
}

func TestHealth(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	resp, err := http.Get(env.Endpoint + "/_edgegate/health")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"status":"ok"`) || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("health: %d %q", resp.StatusCode, body)
	}
}

// TestSecondAccount checks accounts from --accounts sign in with their own
// keys and see only their own buckets.
func TestSecondAccount(t *testing.T) {
	path := t.TempDir() + "/accounts.json"
	writeFile(t, path, `{"accounts":[{"id":"111122223333","name":"site","access_keys":[{"id":"AKIASITE","secret":"sitesecret"}]}]}`)
	env := testenv.Start(t, testenv.Options{AccountsFile: path})
	site := env.S3As("AKIASITE", "sitesecret")
	if _, err := site.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("site-bucket")}); err != nil {
		t.Fatal(err)
	}
	out, err := site.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Buckets) != 1 || aws.ToString(out.Owner.DisplayName) != "site" || len(aws.ToString(out.Owner.ID)) != 64 {
		t.Fatalf("site's ListBuckets: %d buckets, owner %+v", len(out.Buckets), out.Owner)
	}
	def, err := env.S3().ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(def.Buckets) != 0 {
		t.Fatalf("default account sees %d buckets of another account", len(def.Buckets))
	}
	// The default account may not read the site account's bucket.
	if _, err := env.S3().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("site-bucket")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("cross-account list: %v, want AccessDenied", err)
	}
	who, err := env.STS("AKIASITE", "sitesecret").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::111122223333:root" {
		t.Fatalf("site GetCallerIdentity: %v %v", who, err)
	}
}
