package iam

import (
	"context"
	"crypto/rand"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// testClock is a settable clock for the registry (not for SigV4, whose
// skew check keeps using the real time).
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func sessionConfig(akid, secret, token string) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(akid, secret, token),
		RetryMaxAttempts: 1,
	}
}

// TestRolesAndSessionsWithSDK drives roles, policies and AssumeRole with
// the aws-sdk-go-v2 IAM and STS clients.
func TestRolesAndSessionsWithSDK(t *testing.T) {
	ctx := context.Background()
	clock := &testClock{t: time.Now()}
	reg, err := newRegistry(t.TempDir(), nil, true, clock.now, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srv := newTestServer(t, reg)
	admin := iamClient(srv.URL, "test", "test")

	newKey := func(user string) (string, string) {
		t.Helper()
		if _, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(user)}); err != nil {
			t.Fatal(err)
		}
		k, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(user)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey)
	}
	aliceKey, aliceSecret := newKey("alice")
	bobKey, bobSecret := newKey("bob")

	// A role trusting the account, with a policy of its own.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`
	cr, err := admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("app"), AssumeRolePolicyDocument: aws.String(trust), Description: aws.String("the app")})
	if err != nil {
		t.Fatal(err)
	}
	roleArn := aws.ToString(cr.Role.Arn)
	if roleArn != "arn:aws:iam::000000000000:role/app" || !strings.HasPrefix(aws.ToString(cr.Role.RoleId), "AROA") {
		t.Fatalf("CreateRole: %+v", cr.Role)
	}
	gr, err := admin.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, err := url.QueryUnescape(aws.ToString(gr.Role.AssumeRolePolicyDocument)); err != nil || doc != trust ||
		aws.ToInt32(gr.Role.MaxSessionDuration) != 3600 || aws.ToString(gr.Role.Description) != "the app" {
		t.Fatalf("GetRole: %+v (%v)", gr.Role, err)
	}
	if _, err := admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("list"), PolicyDocument: aws.String(allowListUsers)}); err != nil {
		t.Fatal(err)
	}
	// What Terraform reads after creating a role.
	if lp, err := admin.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("app")}); err != nil || len(lp.PolicyNames) != 1 {
		t.Fatalf("ListRolePolicies: %+v %v", lp, err)
	}
	if la, err := admin.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("app")}); err != nil || len(la.AttachedPolicies) != 0 {
		t.Fatalf("ListAttachedRolePolicies: %+v %v", la, err)
	}
	if ip, err := admin.ListInstanceProfilesForRole(ctx, &iam.ListInstanceProfilesForRoleInput{RoleName: aws.String("app")}); err != nil || len(ip.InstanceProfiles) != 0 {
		t.Fatalf("ListInstanceProfilesForRole: %+v %v", ip, err)
	}

	// alice gets sts:AssumeRole on the role through a managed policy.
	cp, err := admin.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("assume-app"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"` + roleArn + `"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("alice"), PolicyArn: cp.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	out, err := stsClient(srv.URL, aliceKey, aliceSecret).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleArn), RoleSessionName: aws.String("alice-session"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatalf("AssumeRole as alice: %v", err)
	}
	c := out.Credentials
	if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || c.Expiration == nil || c.Expiration.Sub(clock.now()) > 901*time.Second ||
		aws.ToString(out.AssumedRoleUser.Arn) != "arn:aws:sts::000000000000:assumed-role/app/alice-session" ||
		!strings.HasSuffix(aws.ToString(out.AssumedRoleUser.AssumedRoleId), ":alice-session") {
		t.Fatalf("AssumeRole result: %+v %+v", c, out.AssumedRoleUser)
	}
	sessCfg := sessionConfig(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken))
	sessSTS := sts.NewFromConfig(sessCfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	sessIAM := iam.NewFromConfig(sessCfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	who, err := sessSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:sts::000000000000:assumed-role/app/alice-session" ||
		aws.ToString(who.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) || aws.ToString(who.Account) != "000000000000" {
		t.Fatalf("GetCallerIdentity as the session: %+v %v", who, err)
	}
	// The session may do what the role's policies allow, nothing more.
	if _, err := sessIAM.ListUsers(ctx, &iam.ListUsersInput{}); err != nil {
		t.Fatalf("ListUsers as the session: %v", err)
	}
	_, err = sessIAM.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("eve")})
	wantAPIError(t, "CreateUser as the session", err, 403, "AccessDenied")

	// bob has no permission to assume it.
	_, err = stsClient(srv.URL, bobKey, bobSecret).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleArn), RoleSessionName: aws.String("bob")})
	ae := wantAPIError(t, "AssumeRole as bob", err, 403, "AccessDenied")
	if ae.ErrorMessage() != "User: arn:aws:iam::000000000000:user/bob is not authorized to perform: sts:AssumeRole on resource: "+roleArn {
		t.Errorf("AssumeRole as bob: %q", ae.ErrorMessage())
	}

	// A wrong token, and a session token with a long-term key.
	bad := sessionConfig(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)+"x")
	_, err = sts.NewFromConfig(bad, func(o *sts.Options) { o.BaseEndpoint = aws.String(srv.URL) }).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	ae = wantAPIError(t, "wrong token", err, 403, "InvalidClientTokenId")
	if ae.ErrorMessage() != "The security token included in the request is invalid." {
		t.Errorf("wrong token message %q", ae.ErrorMessage())
	}
	mixed := sessionConfig(aliceKey, aliceSecret, aws.ToString(c.SessionToken))
	_, err = iam.NewFromConfig(mixed, func(o *iam.Options) { o.BaseEndpoint = aws.String(srv.URL) }).ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, "long-term key with a token", err, 403, "InvalidClientTokenId")
	noToken := sessionConfig(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), "")
	_, err = sts.NewFromConfig(noToken, func(o *sts.Options) { o.BaseEndpoint = aws.String(srv.URL) }).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, "session key without its token", err, 403, "InvalidClientTokenId")

	// After 15 minutes the session has expired.
	clock.advance(15 * time.Minute)
	_, err = sessSTS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	ae = wantAPIError(t, "expired session", err, 403, "ExpiredToken")
	if ae.ErrorMessage() != "The security token included in the request is expired" {
		t.Errorf("expired message %q", ae.ErrorMessage())
	}

	// alice's IAM rights follow her policies: none allows ListUsers yet.
	aliceIAM := iamClient(srv.URL, aliceKey, aliceSecret)
	_, err = aliceIAM.ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, "alice ListUsers", err, 403, "AccessDenied")
	if _, err := admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("list"), PolicyDocument: aws.String(allowListUsers)}); err != nil {
		t.Fatal(err)
	}
	if lu, err := aliceIAM.ListUsers(ctx, &iam.ListUsersInput{}); err != nil || len(lu.Users) != 2 {
		t.Fatalf("alice ListUsers with a policy: %+v %v", lu, err)
	}
	gp, err := admin.GetUserPolicy(ctx, &iam.GetUserPolicyInput{UserName: aws.String("alice"), PolicyName: aws.String("list")})
	if err != nil {
		t.Fatal(err)
	}
	if doc, _ := url.QueryUnescape(aws.ToString(gp.PolicyDocument)); doc != allowListUsers {
		t.Errorf("GetUserPolicy document %q", doc)
	}

	// Managed policy versions, the way Terraform's aws_iam_policy updates.
	if _, err := admin.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: cp.Policy.Arn, PolicyDocument: aws.String(allowAssumeRole), SetAsDefault: true}); err != nil {
		t.Fatal(err)
	}
	pv, err := admin.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: cp.Policy.Arn})
	if err != nil || len(pv.Versions) != 2 || aws.ToString(pv.Versions[0].VersionId) != "v2" || !pv.Versions[0].IsDefaultVersion {
		t.Fatalf("ListPolicyVersions: %+v %v", pv, err)
	}
	gv, err := admin.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: cp.Policy.Arn, VersionId: aws.String("v2")})
	if doc, _ := url.QueryUnescape(aws.ToString(gv.PolicyVersion.Document)); err != nil || doc != allowAssumeRole {
		t.Fatalf("GetPolicyVersion: %q %v", doc, err)
	}
	var names []string
	pager := iam.NewListPoliciesPaginator(admin, &iam.ListPoliciesInput{MaxItems: aws.Int32(2)})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page.Policies {
			names = append(names, aws.ToString(p.PolicyName))
		}
	}
	if strings.Join(names, ",") != "AdministratorAccess,AmazonS3FullAccess,AmazonS3ReadOnlyAccess,assume-app" {
		t.Errorf("ListPolicies: %v", names)
	}

	// DeleteConflict cases.
	_, err = admin.DeletePolicy(ctx, &iam.DeletePolicyInput{PolicyArn: cp.Policy.Arn})
	var conflict *types.DeleteConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("DeletePolicy attached: %v", err)
	}
	_, err = admin.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")})
	wantAPIError(t, "DeleteRole with a policy", err, 409, "DeleteConflict")

	// Malformed documents.
	_, err = admin.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`)})
	var malformed *types.MalformedPolicyDocumentException
	if !errors.As(err, &malformed) || aws.ToString(malformed.Message) != "Policy statement must contain resources." {
		t.Fatalf("CreatePolicy malformed: %v", err)
	}
	_, err = admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bad"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*","Principal":{"AWS":"*"}}]}`)})
	wantAPIError(t, "CreateRole with a Resource", err, 400, "MalformedPolicyDocument")

	// Clean up the way Terraform destroys a role.
	if _, err := admin.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("app"), PolicyName: aws.String("list")}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	_, err = admin.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("app")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("GetRole after delete: %v", err)
	}
}
