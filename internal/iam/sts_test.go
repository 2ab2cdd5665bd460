package iam

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
)

// trustOf is a trust policy allowing sts:AssumeRole to one AWS principal,
// with an optional condition block.
func trustOf(principal, condition string) string {
	c := ""
	if condition != "" {
		c = `,"Condition":` + condition
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"` + c + `}]}`
}

// assumeArgs are AssumeRole's parameters: role, session "s1" unless kv
// names another, and kv.
func assumeArgs(roleArn string, kv ...string) []string {
	args := []string{"Version", stsVersion, "Action", "AssumeRole", "RoleArn", roleArn}
	for i := 0; i < len(kv); i += 2 {
		if kv[i] == "RoleSessionName" {
			return append(args, kv...)
		}
	}
	return append(append(args, "RoleSessionName", "s1"), kv...)
}

// assume calls AssumeRole as p and returns the response.
func assume(t *testing.T, r *Registry, p identity.Principal, roleArn string, kv ...string) (int, string) {
	t.Helper()
	w := call(t, r, p, assumeArgs(roleArn, kv...)...)
	return w.Code, w.Body.String()
}

func TestAssumeRoleDecisions(t *testing.T) {
	r := mustRegistry(t, "", []AccountSpec{siteAccount}, true)
	root := principal(t, r, "test")
	alice := newUser(t, r, "alice") // no policies
	bob := newUser(t, r, "bob")     // allowed sts:AssumeRole by identity policy
	mustOK(t, r, root, "Action", "PutUserPolicy", "UserName", "bob", "PolicyName", "assume", "PolicyDocument", allowAssumeRole)
	carol := newUser(t, r, "carol") // named in a trust policy but denied by her identity policy
	mustOK(t, r, root, "Action", "PutUserPolicy", "UserName", "carol", "PolicyName", "deny", "PolicyDocument",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}`)

	// Users of the site account, with and without permission.
	siteRoot := principal(t, r, "AKIASITEROOT00000001")
	mustOK(t, r, siteRoot, "Action", "CreateUser", "UserName", "sam")
	body := mustOK(t, r, siteRoot, "Action", "CreateAccessKey", "UserName", "sam")
	sam := principal(t, r, element(t, body, "AccessKeyId"))
	mustOK(t, r, siteRoot, "Action", "CreateUser", "UserName", "sid")
	body = mustOK(t, r, siteRoot, "Action", "CreateAccessKey", "UserName", "sid")
	sid := principal(t, r, element(t, body, "AccessKeyId"))
	mustOK(t, r, siteRoot, "Action", "PutUserPolicy", "UserName", "sid", "PolicyName", "assume", "PolicyDocument", allowAssumeRole)

	roles := map[string]string{
		"account":   trustOf("arn:aws:iam::000000000000:root", ""),
		"accountid": trustOf("000000000000", ""),
		"alice":     trustOf("arn:aws:iam::000000000000:user/alice", ""),
		"carol":     trustOf("arn:aws:iam::000000000000:user/carol", ""),
		"anyone":    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`,
		"site":      trustOf("111122223333", ""),
		"sam":       trustOf("arn:aws:iam::111122223333:user/sam", ""),
		"external":  trustOf("000000000000", `{"StringEquals":{"sts:ExternalId":"secret-id"}}`),
		"denyalice": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"sts:AssumeRole"},` +
			`{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/bob"},"Action":"sts:AssumeRole"}]}`,
		"tagonly": strings.Replace(trustOf("000000000000", ""), "sts:AssumeRole", "sts:TagSession", 1),
	}
	for name, doc := range roles {
		mustOK(t, r, root, "Action", "CreateRole", "RoleName", name, "AssumeRolePolicyDocument", doc)
	}
	arn := func(name string) string { return "arn:aws:iam::000000000000:role/" + name }

	tests := []struct {
		name   string
		as     identity.Principal
		role   string
		kv     []string
		status int
		code   string
	}{
		// Same account, trust names the account: the identity policy decides.
		{"account trust, no identity policy", alice, "account", nil, 403, "AccessDenied"},
		{"account trust, identity allows", bob, "account", nil, 200, ""},
		{"account id trust, identity allows", bob, "accountid", nil, 200, ""},
		// Same account, trust names the user: the trust policy suffices.
		{"user trust, no identity policy", alice, "alice", nil, 200, ""},
		{"user trust, other user", bob, "alice", nil, 403, "AccessDenied"},
		{"user trust, identity denies", carol, "carol", nil, 403, "AccessDenied"},
		{"wildcard trust, no identity policy", alice, "anyone", nil, 200, ""},
		{"wildcard trust, identity denies", carol, "anyone", nil, 403, "AccessDenied"},
		{"trust denies explicitly", bob, "denyalice", nil, 403, "AccessDenied"},
		{"trust allows another action", bob, "tagonly", nil, 403, "AccessDenied"},
		// Cross account: both sides, always.
		{"cross account, identity allows", sid, "site", nil, 200, ""},
		{"cross account, no identity policy", sam, "site", nil, 403, "AccessDenied"},
		{"cross account, user trust, no identity policy", sam, "sam", nil, 403, "AccessDenied"},
		{"cross account, not trusted", sid, "account", nil, 403, "AccessDenied"},
		// Conditions on sts:ExternalId.
		{"external id missing", bob, "external", nil, 403, "AccessDenied"},
		{"external id wrong", bob, "external", []string{"ExternalId", "other-id"}, 403, "AccessDenied"},
		{"external id right", bob, "external", []string{"ExternalId", "secret-id"}, 200, ""},
		// Unknown roles are denied, not reported missing.
		{"unknown role", bob, "ghost", nil, 403, "AccessDenied"},
		{"wrong path", bob, "ci/account", nil, 403, "AccessDenied"},
		{"root", root, "account", nil, 403, "AccessDenied"},
		// Parameters.
		{"duration over max", bob, "account", []string{"DurationSeconds", "3601"}, 400, "ValidationError"},
		{"duration too short", bob, "account", []string{"DurationSeconds", "899"}, 400, "ValidationError"},
		{"bad session name", bob, "account", []string{"RoleSessionName", "no spaces"}, 400, "ValidationError"},
		{"session policy", bob, "account", []string{"Policy", allowS3Read}, 400, "ValidationError"},
		{"session tags", bob, "account", []string{"Tags.member.1.Key", "k", "Tags.member.1.Value", "v"}, 400, "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kv := append([]string{}, tt.kv...)
			status, body := assume(t, r, tt.as, arn(tt.role), kv...)
			if status != tt.status {
				t.Fatalf("got %d %s, want %d", status, body, tt.status)
			}
			if tt.status == 200 {
				return
			}
			w := call(t, r, tt.as, assumeArgs(arn(tt.role), kv...)...)
			code, msg := errorOf(t, w)
			if code != tt.code {
				t.Fatalf("code %s (%s), want %s", code, msg, tt.code)
			}
			if code == "AccessDenied" && tt.as.Type != identity.Root {
				want := "User: " + tt.as.ARN + " is not authorized to perform: sts:AssumeRole on resource: " + arn(tt.role)
				if msg != want {
					t.Errorf("message %q, want %q", msg, want)
				}
			}
		})
	}
	w := call(t, r, root, "Version", stsVersion, "Action", "AssumeRole", "RoleArn", arn("account"), "RoleSessionName", "s1")
	if _, msg := errorOf(t, w); msg != "Roles may not be assumed by root accounts." {
		t.Errorf("root: %q", msg)
	}
	w = call(t, r, bob, "Version", stsVersion, "Action", "AssumeRole", "RoleArn", arn("account"), "RoleSessionName", "s1", "DurationSeconds", "7200")
	if _, msg := errorOf(t, w); msg != "The requested DurationSeconds exceeds the MaxSessionDuration set for this role." {
		t.Errorf("duration: %q", msg)
	}
}

func TestAssumeRoleSession(t *testing.T) {
	clock := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	r, err := newRegistry("", nil, true, func() time.Time { return clock }, defaultRand())
	if err != nil {
		t.Fatal(err)
	}
	root := principal(t, r, "test")
	bob := newUser(t, r, "bob")
	mustOK(t, r, root, "Action", "PutUserPolicy", "UserName", "bob", "PolicyName", "assume", "PolicyDocument", allowAssumeRole)
	body := mustOK(t, r, root, "Action", "CreateRole", "RoleName", "Deployer", "Path", "/ci/", "MaxSessionDuration", "7200",
		"AssumeRolePolicyDocument", trustOf("000000000000", ""))
	roleID := element(t, body, "RoleId")
	roleArn := "arn:aws:iam::000000000000:role/ci/Deployer"
	mustOK(t, r, root, "Action", "PutRolePolicy", "RoleName", "Deployer", "PolicyName", "list", "PolicyDocument", allowListUsers)

	status, body := assume(t, r, bob, roleArn, "RoleSessionName", "build-42", "DurationSeconds", "7200")
	if status != 200 {
		t.Fatalf("AssumeRole: %d %s", status, body)
	}
	akid, secret, token := element(t, body, "AccessKeyId"), element(t, body, "SecretAccessKey"), element(t, body, "SessionToken")
	if !regexp.MustCompile(`^ASIA[A-Z2-7]{16}$`).MatchString(akid) || len(secret) != 40 || len(token) < 200 ||
		element(t, body, "Expiration") != "2025-03-04T07:06:07Z" ||
		element(t, body, "AssumedRoleId") != roleID+":build-42" ||
		element(t, body, "Arn") != "arn:aws:sts::000000000000:assumed-role/Deployer/build-42" {
		t.Fatalf("AssumeRole result: %s", body)
	}
	if got, ok := r.SecretKey(akid); !ok || got != secret {
		t.Fatalf("SecretKey(session) = %q %v", got, ok)
	}
	session := principal(t, r, akid)
	want := identity.Principal{
		Type: identity.AssumedRole, Account: DefaultAccountID, ARN: "arn:aws:sts::000000000000:assumed-role/Deployer/build-42",
		RoleARN: roleArn, UserID: roleID + ":build-42", CanonicalID: DeriveCanonicalID(DefaultAccountID),
		DisplayName: DefaultAccountName, AccessKeyID: akid,
	}
	if session != want {
		t.Fatalf("session principal\n got %+v\nwant %+v", session, want)
	}

	// The per-request checks of a session allocate nothing.
	if n := testing.AllocsPerRun(1000, func() {
		if r.CheckSessionToken(akid, token, clock) != nil || len(r.IdentityPolicies(session)) != 1 {
			t.Fatal("session refused")
		}
	}); n != 0 {
		t.Errorf("CheckSessionToken + IdentityPolicies (session) allocate %v times per call", n)
	}

	// GetCallerIdentity, and IAM actions by the role's policies.
	body = mustOK(t, r, session, "Version", stsVersion, "Action", "GetCallerIdentity")
	if element(t, body, "Arn") != want.ARN || element(t, body, "UserId") != want.UserID || element(t, body, "Account") != DefaultAccountID {
		t.Errorf("GetCallerIdentity: %s", body)
	}
	mustOK(t, r, session, "Action", "ListUsers")
	wantError(t, r, session, 403, "AccessDenied",
		"^User: arn:aws:sts::000000000000:assumed-role/Deployer/build-42 is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::000000000000:user/x because no identity-based policy allows",
		"Action", "CreateUser", "UserName", "x")
	wantError(t, r, session, 400, "ValidationError", "non-User credentials", "Action", "GetUser")

	// Role chaining: the role may assume itself (it trusts its account and
	// its policy will allow it), for at most an hour.
	mustOK(t, r, root, "Action", "PutRolePolicy", "RoleName", "Deployer", "PolicyName", "assume", "PolicyDocument", allowAssumeRole)
	if status, body := assume(t, r, session, roleArn, "DurationSeconds", "3601"); status != 400 || !strings.Contains(body, "role chaining") {
		t.Errorf("chained over an hour: %d %s", status, body)
	}
	if status, body := assume(t, r, session, roleArn); status != 200 {
		t.Errorf("chained: %d %s", status, body)
	}

	// The token check.
	tests := []struct {
		name, key, token string
		at               time.Time
		code             string
		status           int
	}{
		{"valid", akid, token, clock, "", 0},
		{"no token", akid, "", clock, "InvalidAccessKeyId", 403},
		{"wrong token", akid, token[:len(token)-1] + otherChar(token[len(token)-1]), clock, "InvalidToken", 400},
		{"short token", akid, "abc", clock, "InvalidToken", 400},
		{"last second", akid, token, clock.Add(2*time.Hour - time.Second), "", 0},
		{"expired", akid, token, clock.Add(2 * time.Hour), "ExpiredToken", 400},
		{"long-term key with token", "test", token, clock, "InvalidToken", 400},
		{"long-term key", "test", "", clock, "", 0},
		{"unknown key", "ASIANOSUCHKEY0000000", token, clock, "InvalidAccessKeyId", 403},
	}
	for _, tt := range tests {
		e := r.CheckSessionToken(tt.key, tt.token, tt.at)
		switch {
		case tt.code == "" && e != nil:
			t.Errorf("%s: %v", tt.name, e)
		case tt.code != "" && (e == nil || e.Code != tt.code || e.Status != tt.status):
			t.Errorf("%s: %v, want %d %s", tt.name, e, tt.status, tt.code)
		}
	}
	if e := r.CheckSessionToken(akid, token, clock.Add(3*time.Hour)); e.Field("Token-0") != token || e.Message != "The provided token has expired." {
		t.Errorf("ExpiredToken: %+v", e)
	}
	// IAM and STS spell them their way.
	for _, tt := range []struct {
		in     *awsapi.Error
		status int
		code   string
		msg    string
	}{
		{r.CheckSessionToken(akid, "bad", clock), 403, "InvalidClientTokenId", "The security token included in the request is invalid."},
		{r.CheckSessionToken("test", "bad", clock), 403, "InvalidClientTokenId", "The security token included in the request is invalid."},
		{r.CheckSessionToken(akid, "", clock), 403, "InvalidClientTokenId", "The security token included in the request is invalid."},
		{r.CheckSessionToken(akid, token, clock.Add(3*time.Hour)), 403, "ExpiredToken", "The security token included in the request is expired"},
	} {
		got := queryError(tt.in, errInternalFailure)
		if got.Status != tt.status || got.Code != tt.code || got.Message != tt.msg {
			t.Errorf("queryError(%v) = %v", tt.in, got)
		}
	}

	// A deleted role's sessions keep authenticating but lose its policies.
	mustOK(t, r, root, "Action", "DeleteRolePolicy", "RoleName", "Deployer", "PolicyName", "list")
	wantError(t, r, session, 403, "AccessDenied", "", "Action", "ListUsers")

	// Expired sessions are swept a day after they expire (at the next
	// AssumeRole), after which the key is unknown.
	clock = clock.Add(2*time.Hour + sessionRetention + time.Minute)
	if status, body := assume(t, r, bob, roleArn); status != 200 {
		t.Fatalf("AssumeRole: %d %s", status, body)
	}
	if _, ok := r.SecretKey(akid); ok {
		t.Error("expired session not swept")
	}
}

func TestSessionsDoNotSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	r1 := mustRegistry(t, dir, nil, true)
	root := principal(t, r1, "test")
	bob := newUser(t, r1, "bob")
	mustOK(t, r1, root, "Action", "PutUserPolicy", "UserName", "bob", "PolicyName", "assume", "PolicyDocument", allowAssumeRole)
	mustOK(t, r1, root, "Action", "CreateRole", "RoleName", "R", "AssumeRolePolicyDocument", trustOf("000000000000", ""))
	status, body := assume(t, r1, bob, "arn:aws:iam::000000000000:role/R")
	if status != 200 {
		t.Fatalf("AssumeRole: %d %s", status, body)
	}
	akid := element(t, body, "AccessKeyId")
	r2 := mustRegistry(t, dir, nil, true)
	if _, ok := r2.PrincipalForKey(akid); ok {
		t.Error("a session survived a restart")
	}
	if _, ok := r2.PrincipalForKey(bob.AccessKeyID); !ok {
		t.Error("bob's key did not survive a restart")
	}
}

// otherChar returns a one-character string different from c, so that a
// changed token really differs (a fixed replacement is a no-op when the
// random token already ends with it).
func otherChar(c byte) string {
	if c == 'x' {
		return "y"
	}
	return "x"
}
