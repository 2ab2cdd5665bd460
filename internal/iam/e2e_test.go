package iam

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/sigv4"
)

// newTestServer is a test-only front door: it verifies SigV4 with the real
// internal/sigv4 against the registry, builds the reqctx.Call the server
// would, and routes by the credential scope's service (unsigned requests go
// to IAM, or to STS when they name its API version).
func newTestServer(t *testing.T, reg *Registry) *httptest.Server {
	t.Helper()
	v := &sigv4.Verifier{Creds: reg}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &reqctx.Call{
			RequestID: awsapi.NewRequestID(),
			Principal: identity.AnonymousPrincipal,
			Received:  time.Now(),
		}
		service := "iam"
		if r.URL.Query().Get("Version") == stsVersion {
			service = "sts"
		}
		if sigv4.IsSigned(r) {
			res, err := v.Verify(r)
			if err != nil {
				if strings.Contains(r.Header.Get("Authorization"), "/sts/aws4_request") {
					WriteSTSError(w, c.RequestID, err)
				} else {
					WriteIAMError(w, c.RequestID, err)
				}
				return
			}
			p, ok := reg.PrincipalForKey(res.AccessKeyID)
			if !ok {
				WriteIAMError(w, c.RequestID, awsapi.ErrInvalidAccessKeyID)
				return
			}
			if e := reg.CheckSessionToken(res.AccessKeyID, res.SecurityToken, reg.now()); e != nil {
				if res.Service == "sts" {
					WriteSTSError(w, c.RequestID, e)
				} else {
					WriteIAMError(w, c.RequestID, e)
				}
				return
			}
			c.Principal, c.Auth, r.Body, service = p, res, res.Body, res.Service
		}
		switch service {
		case "sts":
			reg.ServeSTS(w, r, c)
		default:
			reg.ServeIAM(w, r, c)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func sdkConfig(key, secret string) aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(key, secret, ""),
		RetryMaxAttempts: 1,
	}
}

func iamClient(url, key, secret string) *iam.Client {
	return iam.NewFromConfig(sdkConfig(key, secret), func(o *iam.Options) { o.BaseEndpoint = aws.String(url) })
}

func stsClient(url, key, secret string) *sts.Client {
	return sts.NewFromConfig(sdkConfig(key, secret), func(o *sts.Options) { o.BaseEndpoint = aws.String(url) })
}

// wantAPIError checks err's HTTP status and error code.
func wantAPIError(t *testing.T, what string, err error, status int, code string) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("%s: error %v, want %s", what, err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("%s: code %s (%s), want %s", what, ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("%s: status %v, want %d", what, err, status)
	}
	return ae
}

func TestEndToEndWithSDK(t *testing.T) {
	ctx := context.Background()
	reg := mustRegistry(t, t.TempDir(), []AccountSpec{siteAccount}, true)
	srv := newTestServer(t, reg)
	admin := iamClient(srv.URL, "test", "test")

	// CreateUser.
	cu, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice"), Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("web")}}})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	u := cu.User
	if aws.ToString(u.Arn) != "arn:aws:iam::000000000000:user/alice" || aws.ToString(u.Path) != "/" || aws.ToString(u.UserName) != "alice" ||
		!strings.HasPrefix(aws.ToString(u.UserId), "AIDA") || u.CreateDate == nil || time.Since(*u.CreateDate) > time.Minute ||
		len(u.Tags) != 1 || aws.ToString(u.Tags[0].Value) != "web" {
		t.Fatalf("CreateUser returned %+v", u)
	}
	_, err = admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("alice")})
	var exists *types.EntityAlreadyExistsException
	if !errors.As(err, &exists) {
		t.Fatalf("duplicate CreateUser: %v", err)
	}
	wantAPIError(t, "duplicate CreateUser", err, 409, "EntityAlreadyExists")

	cu2, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("/eng/")})
	if err != nil || aws.ToString(cu2.User.Arn) != "arn:aws:iam::000000000000:user/eng/bob" {
		t.Fatalf("CreateUser with path: %+v, %v", cu2, err)
	}

	// Access keys: two, then the quota.
	var keys []types.AccessKey
	for range 2 {
		out, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
		if err != nil {
			t.Fatalf("CreateAccessKey: %v", err)
		}
		k := *out.AccessKey
		if len(aws.ToString(k.AccessKeyId)) != 20 || !strings.HasPrefix(aws.ToString(k.AccessKeyId), "AKIA") ||
			len(aws.ToString(k.SecretAccessKey)) != 40 || k.Status != types.StatusTypeActive || aws.ToString(k.UserName) != "alice" {
			t.Fatalf("CreateAccessKey returned %+v", k)
		}
		keys = append(keys, k)
	}
	_, err = admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("alice")})
	var limit *types.LimitExceededException
	if !errors.As(err, &limit) {
		t.Fatalf("third CreateAccessKey: %v", err)
	}
	wantAPIError(t, "third CreateAccessKey", err, 409, "LimitExceeded")

	// Listing.
	lk, err := admin.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("alice")})
	if err != nil || len(lk.AccessKeyMetadata) != 2 || lk.IsTruncated {
		t.Fatalf("ListAccessKeys: %+v, %v", lk, err)
	}
	for i, m := range lk.AccessKeyMetadata {
		if aws.ToString(m.AccessKeyId) != aws.ToString(keys[i].AccessKeyId) || aws.ToString(m.UserName) != "alice" || m.Status != types.StatusTypeActive {
			t.Errorf("ListAccessKeys[%d] = %+v", i, m)
		}
	}
	lu, err := admin.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil || len(lu.Users) != 2 || aws.ToString(lu.Users[0].UserName) != "alice" || aws.ToString(lu.Users[1].UserName) != "bob" {
		t.Fatalf("ListUsers: %+v, %v", lu, err)
	}
	// The SDK paginator follows Marker/IsTruncated.
	var paged []string
	pager := iam.NewListUsersPaginator(admin, &iam.ListUsersInput{MaxItems: aws.Int32(1)})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListUsers page: %v", err)
		}
		for _, u := range page.Users {
			paged = append(paged, aws.ToString(u.UserName))
		}
	}
	if strings.Join(paged, ",") != "alice,bob" {
		t.Errorf("paginated ListUsers = %v", paged)
	}

	// Error cases.
	_, err = admin.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
	var nse *types.NoSuchEntityException
	if !errors.As(err, &nse) || aws.ToString(nse.Message) != "The user with name nobody cannot be found." {
		t.Fatalf("GetUser unknown: %v", err)
	}
	wantAPIError(t, "GetUser unknown", err, 404, "NoSuchEntity")
	_, err = admin.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")})
	var conflict *types.DeleteConflictException
	if !errors.As(err, &conflict) {
		t.Fatalf("DeleteUser with keys: %v", err)
	}
	wantAPIError(t, "DeleteUser with keys", err, 409, "DeleteConflict")
	_, err = admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("no spaces")})
	wantAPIError(t, "CreateUser bad name", err, 400, "ValidationError")

	// GetUser without a name, as root: the root "user".
	gu, err := admin.GetUser(ctx, &iam.GetUserInput{})
	if err != nil || aws.ToString(gu.User.Arn) != "arn:aws:iam::000000000000:root" || aws.ToString(gu.User.UserId) != "000000000000" || gu.User.UserName != nil {
		t.Fatalf("root GetUser: %+v, %v", gu, err)
	}

	// STS with the root key and with alice's new key.
	ci, err := stsClient(srv.URL, "test", "test").GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(ci.Arn) != "arn:aws:iam::000000000000:root" || aws.ToString(ci.Account) != "000000000000" || aws.ToString(ci.UserId) != "000000000000" {
		t.Fatalf("root GetCallerIdentity: %+v, %v", ci, err)
	}
	aliceKey, aliceSecret := aws.ToString(keys[0].AccessKeyId), aws.ToString(keys[0].SecretAccessKey)
	ci, err = stsClient(srv.URL, aliceKey, aliceSecret).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(ci.Arn) != "arn:aws:iam::000000000000:user/alice" || aws.ToString(ci.Account) != "000000000000" || aws.ToString(ci.UserId) != aws.ToString(u.UserId) {
		t.Fatalf("alice GetCallerIdentity: %+v, %v", ci, err)
	}

	// alice has no policies: every IAM action is denied.
	_, err = iamClient(srv.URL, aliceKey, aliceSecret).ListUsers(ctx, &iam.ListUsersInput{})
	ae := wantAPIError(t, "alice ListUsers", err, 403, "AccessDenied")
	if !strings.HasPrefix(ae.ErrorMessage(), "User: arn:aws:iam::000000000000:user/alice is not authorized to perform: iam:ListUsers on resource: ") {
		t.Errorf("AccessDenied message %q", ae.ErrorMessage())
	}

	// Another account sees none of the default account's users.
	siteRoot := iamClient(srv.URL, "AKIASITEROOT00000001", "site-secret")
	lu, err = siteRoot.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil || len(lu.Users) != 0 {
		t.Fatalf("site ListUsers: %+v, %v", lu, err)
	}

	// Clean up: delete the keys, then the user; the keys stop working.
	for _, k := range keys {
		if _, err := admin.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("alice"), AccessKeyId: k.AccessKeyId}); err != nil {
			t.Fatalf("DeleteAccessKey: %v", err)
		}
	}
	if _, err := admin.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("alice")}); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	_, err = stsClient(srv.URL, aliceKey, aliceSecret).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, "deleted key GetCallerIdentity", err, 403, "InvalidClientTokenId")

	// Wrong secret.
	_, err = iamClient(srv.URL, "test", "wrong").ListUsers(ctx, &iam.ListUsersInput{})
	wantAPIError(t, "wrong secret", err, 403, "SignatureDoesNotMatch")
}

func TestUnsignedRequests(t *testing.T) {
	reg := mustRegistry(t, "", nil, true)
	srv := newTestServer(t, reg)
	for _, u := range []string{
		srv.URL + "/?Action=ListUsers&Version=2010-05-08",
		srv.URL + "/?Action=GetCallerIdentity&Version=2011-06-15",
	} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 || resp.Header.Get("X-Amz-Request-Id") == "" {
			t.Errorf("unsigned %s: %d %v", u, resp.StatusCode, resp.Header)
		}
	}
}
