package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/edgegate/edgegate/internal/sigv4"
	"github.com/edgegate/edgegate/internal/testenv"
)

// TestS3WithIdentityPolicies drives S3 authorization from IAM: a user
// allowed by an attached identity policy, the richer same-account
// AccessDenied message, and a role session allowed through its role's
// inline policy.
func TestS3WithIdentityPolicies(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	root := env.IAM("test", "test")
	owner := env.S3()
	if _, err := owner.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("team")}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("team"), Key: aws.String("doc.txt"), Body: strings.NewReader("doc")}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("carol")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("carol")})
	if err != nil {
		t.Fatal(err)
	}
	carol := env.S3As(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey))

	// No policy yet: denied, with S3's same-account message.
	_, err = carol.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("team"), Key: aws.String("doc.txt")})
	if apiCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "because no identity-based policy allows the s3:GetObject action") {
		t.Fatalf("carol without a policy: %v", err)
	}

	pol, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("TeamRead"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::team/*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("carol"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	got, err := carol.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("team"), Key: aws.String("doc.txt")})
	if err != nil {
		t.Fatalf("carol with TeamRead: %v", err)
	}
	got.Body.Close()
	// GetObject only: a missing key is 403, and writes are denied.
	if _, err := carol.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("team"), Key: aws.String("nope")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("carol reads a missing key without ListBucket: %v", err)
	}
	if _, err := carol.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("team"), Key: aws.String("x"), Body: strings.NewReader("x")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("carol writes: %v", err)
	}

	// A role whose inline policy allows listing; carol may assume it.
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("lister"), AssumeRolePolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/carol"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("lister"), PolicyName: aws.String("List"), PolicyDocument: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::team"}]}`)}); err != nil {
		t.Fatal(err)
	}
	creds, err := env.STS(aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/lister"), RoleSessionName: aws.String("s1")})
	if err != nil {
		t.Fatal(err)
	}
	session := s3.NewFromConfig(env.Config(aws.ToString(creds.Credentials.AccessKeyId), aws.ToString(creds.Credentials.SecretAccessKey)),
		func(o *s3.Options) {
			o.UsePathStyle = true
			o.Credentials = aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: aws.ToString(creds.Credentials.AccessKeyId),
					SecretAccessKey: aws.ToString(creds.Credentials.SecretAccessKey), SessionToken: aws.ToString(creds.Credentials.SessionToken)}, nil
			})
		})
	list, err := session.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("team")})
	if err != nil || len(list.Contents) != 1 {
		t.Fatalf("role session lists: %v %v", list, err)
	}
	if _, err := session.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("team"), Key: aws.String("doc.txt")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("role session reads (its role allows only listing): %v", err)
	}
}

// TestExplainControlRequest: S3 Control requests are kept for explain too.
func TestExplainControlRequest(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	root := env.IAM("test", "test")
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dave")}); err != nil {
		t.Fatal(err)
	}
	key, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("dave")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", env.Endpoint+"/v20180820/configuration/publicAccessBlock", nil)
	req.Header.Set("X-Amz-Account-Id", "000000000000")
	sigv4.SignRequest(req, aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey), "us-east-1", "s3", time.Now(), sigv4.EmptyPayloadHash)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get("X-Amz-Request-Id")
	if resp.StatusCode != 403 || id == "" {
		t.Fatalf("dave's account PAB read: %d (id %q), want 403", resp.StatusCode, id)
	}
	x, _ := http.NewRequest("GET", env.Endpoint+"/_edgegate/explain/"+id, nil)
	sigv4.SignRequest(x, "test", "test", "us-east-1", "s3", time.Now(), sigv4.EmptyPayloadHash)
	xr, err := http.DefaultClient.Do(x)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(xr.Body)
	xr.Body.Close()
	if xr.StatusCode != 200 || !strings.Contains(string(body), "POL-NO-ALLOW") || !strings.Contains(string(body), "s3:GetAccountPublicAccessBlock") {
		t.Fatalf("explain of the S3 Control request: %d %s", xr.StatusCode, body)
	}
}
