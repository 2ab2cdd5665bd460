package server_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/edgegate/edgegate/internal/testenv"
)

const (
	trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`
	allowAssume  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::000000000000:role/app"}]}`
	allowList    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`
)

// apiStatus returns an error's HTTP status (0 if none).
func apiStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func apiMessage(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	return ""
}

// sessionConfig is an aws.Config with temporary credentials for env.
func sessionConfig(env *testenv.Env, akid, secret, token string) aws.Config {
	cfg := env.Config(akid, secret)
	cfg.Credentials = credentials.NewStaticCredentialsProvider(akid, secret, token)
	cfg.RetryMaxAttempts = 1
	return cfg
}

// newUserKey creates an IAM user with an access key.
func newUserKey(t *testing.T, root *iam.Client, name string) (string, string) {
	t.Helper()
	if _, err := root.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	k, err := root.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)
}

// TestAssumeRoleEndToEnd drives roles, identity policies and role sessions
// through the real server with the SDK's IAM, STS and S3 clients.
func TestAssumeRoleEndToEnd(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	root := env.IAM("test", "test")

	// A role trusting the account; alice is allowed to assume it by an
	// attached managed policy, bob is not.
	if _, err := root.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trustAccount)}); err != nil {
		t.Fatal(err)
	}
	if _, err := root.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("list"), PolicyDocument: aws.String(allowList)}); err != nil {
		t.Fatal(err)
	}
	pol, err := root.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("assume-app"), PolicyDocument: aws.String(allowAssume)})
	if err != nil {
		t.Fatal(err)
	}
	aliceKey, aliceSecret := newUserKey(t, root, "alice")
	bobKey, bobSecret := newUserKey(t, root, "bob")
	if _, err := root.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: pol.Policy.Arn}); err != nil {
		t.Fatal(err)
	}

	out, err := env.STS(aliceKey, aliceSecret).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/app"), RoleSessionName: aws.String("ci")})
	if err != nil {
		t.Fatalf("AssumeRole as alice: %v", err)
	}
	c := out.Credentials
	akid, secret, token := aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)
	sess := sessionConfig(env, akid, secret, token)
	who, err := sts.NewFromConfig(sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:sts::000000000000:assumed-role/app/ci" || aws.ToString(who.Account) != "000000000000" ||
		aws.ToString(who.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) {
		t.Fatalf("GetCallerIdentity as the session: %+v %v", who, err)
	}
	// The role's policy allows iam:ListUsers and nothing else.
	if _, err := iam.NewFromConfig(sess).ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("ListUsers as the session: %v", err)
	}
	if _, err := iam.NewFromConfig(sess).ListRoles(ctx, &iam.ListRolesInput{}); apiCode(err) != "AccessDenied" {
		t.Fatalf("ListRoles as the session: %v", err)
	}

	// bob may not assume the role.
	_, err = env.STS(bobKey, bobSecret).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/app"), RoleSessionName: aws.String("ci")})
	if apiCode(err) != "AccessDenied" || apiStatus(err) != 403 ||
		apiMessage(err) != "User: arn:aws:iam::000000000000:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role/app" {
		t.Fatalf("AssumeRole as bob: %v", err)
	}
	// Nor may a root user, in AWS.
	_, err = env.STS("test", "test").AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::000000000000:role/app"), RoleSessionName: aws.String("ci")})
	if apiCode(err) != "AccessDenied" || apiMessage(err) != "Roles may not be assumed by root accounts." {
		t.Fatalf("AssumeRole as root: %v", err)
	}

	// Tokens: each service answers in its own words.
	wrong := sessionConfig(env, akid, secret, token+"x")
	if _, err := sts.NewFromConfig(wrong).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" || apiStatus(err) != 403 {
		t.Errorf("wrong token on STS: %v", err)
	}
	if _, err := iam.NewFromConfig(wrong).ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "InvalidClientTokenId" || apiStatus(err) != 403 {
		t.Errorf("wrong token on IAM: %v", err)
	}
	s3wrong := s3.NewFromConfig(wrong, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3wrong.ListBuckets(ctx, &s3.ListBucketsInput{}); apiCode(err) != "InvalidToken" || apiStatus(err) != 400 {
		t.Errorf("wrong token on S3: %v", err)
	}
	longTermWithToken := sessionConfig(env, aliceKey, aliceSecret, token)
	if _, err := s3.NewFromConfig(longTermWithToken, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{}); apiCode(err) != "InvalidToken" {
		t.Errorf("long-term key with a token on S3: %v", err)
	}
	if _, err := sts.NewFromConfig(longTermWithToken).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); apiCode(err) != "InvalidClientTokenId" {
		t.Errorf("long-term key with a token on STS: %v", err)
	}
	noToken := sessionConfig(env, akid, secret, "")
	if _, err := s3.NewFromConfig(noToken, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{}); apiCode(err) != "InvalidAccessKeyId" {
		t.Errorf("session key without its token on S3: %v", err)
	}

	// IAM actions follow identity policies: bob cannot list users until a
	// policy allows it.
	bobIAM := env.IAM(bobKey, bobSecret)
	if _, err := bobIAM.ListUsers(ctx, &iam.ListUsersInput{}); apiCode(err) != "AccessDenied" {
		t.Fatalf("bob ListUsers without a policy: %v", err)
	}
	if _, err := root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("list"), PolicyDocument: aws.String(allowList)}); err != nil {
		t.Fatal(err)
	}
	if lu, err := bobIAM.ListUsers(ctx, &iam.ListUsersInput{}); err != nil || len(lu.Users) != 2 {
		t.Fatalf("bob ListUsers with a policy: %+v %v", lu, err)
	}

	// DeleteConflict and MalformedPolicyDocument.
	if _, err := root.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: pol.Policy.Arn}); apiCode(err) != "DeleteConflict" || apiStatus(err) != 409 {
		t.Errorf("DeletePolicy attached: %v", err)
	}
	if _, err := root.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")}); apiCode(err) != "DeleteConflict" {
		t.Errorf("DeleteRole with an inline policy: %v", err)
	}
	if _, err := root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("nobody")}); apiCode(err) != "NoSuchEntity" {
		t.Errorf("DeleteUser unknown: %v", err)
	}
	_, err = root.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:ListUsers"}}`)})
	if apiCode(err) != "MalformedPolicyDocument" || apiStatus(err) != 400 {
		t.Errorf("PutUserPolicy malformed: %v", err)
	}
}

// TestAssumeRoleWithCLI runs the aws CLI against the server: create-role,
// put-role-policy, sts assume-role, and get-caller-identity with the
// session's credentials.
func TestAssumeRoleWithCLI(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	cli := env.AWSCLI(t, "alice")
	run := cli.JSON
	get := func(m map[string]any, path ...string) any {
		var v any = m
		for _, p := range path {
			mm, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = mm[p]
		}
		return v
	}

	run(nil, "iam", "create-user", "--user-name", "alice")
	key := run(nil, "iam", "create-access-key", "--user-name", "alice")
	akid, _ := get(key, "AccessKey", "AccessKeyId").(string)
	secret, _ := get(key, "AccessKey", "SecretAccessKey").(string)
	writeFile(t, filepath.Join(cli.Dir(), "credentials"), "[default]\naws_access_key_id = test\naws_secret_access_key = test\n\n[alice]\naws_access_key_id = "+akid+"\naws_secret_access_key = "+secret+"\n")
	run(nil, "iam", "put-user-policy", "--user-name", "alice", "--policy-name", "assume", "--policy-document", allowAssume)

	role := run(nil, "iam", "create-role", "--role-name", "app", "--assume-role-policy-document", trustAccount)
	if get(role, "Role", "Arn") != "arn:aws:iam::000000000000:role/app" {
		t.Fatalf("create-role: %v", role)
	}
	// botocore decodes IAM's URL-encoded policy documents into JSON.
	role = run(nil, "iam", "get-role", "--role-name", "app")
	if get(role, "Role", "AssumeRolePolicyDocument", "Version") != "2012-10-17" {
		t.Fatalf("get-role document: %v", get(role, "Role", "AssumeRolePolicyDocument"))
	}
	run(nil, "iam", "put-role-policy", "--role-name", "app", "--policy-name", "list", "--policy-document", allowList)
	rp := run(nil, "iam", "get-role-policy", "--role-name", "app", "--policy-name", "list")
	if get(rp, "PolicyDocument", "Statement") == nil {
		t.Fatalf("get-role-policy: %v", rp)
	}

	creds := run([]string{"AWS_PROFILE=alice"}, "sts", "assume-role", "--role-arn", "arn:aws:iam::000000000000:role/app", "--role-session-name", "cli")
	if get(creds, "AssumedRoleUser", "Arn") != "arn:aws:sts::000000000000:assumed-role/app/cli" {
		t.Fatalf("assume-role: %v", creds)
	}
	sessEnv := []string{
		"AWS_ACCESS_KEY_ID=" + get(creds, "Credentials", "AccessKeyId").(string),
		"AWS_SECRET_ACCESS_KEY=" + get(creds, "Credentials", "SecretAccessKey").(string),
		"AWS_SESSION_TOKEN=" + get(creds, "Credentials", "SessionToken").(string),
	}
	who := run(sessEnv, "sts", "get-caller-identity")
	if who["Arn"] != "arn:aws:sts::000000000000:assumed-role/app/cli" {
		t.Fatalf("get-caller-identity with the session: %v", who)
	}
	users := run(sessEnv, "iam", "list-users")
	if list, _ := users["Users"].([]any); len(list) != 1 {
		t.Fatalf("list-users with the session: %v", users)
	}
}
