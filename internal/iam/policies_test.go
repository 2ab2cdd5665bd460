package iam

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/identity"
)

// Documents used across the tests.
const (
	allowListUsers  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`
	denyListUsers   = `{"Version":"2012-10-17","Statement":[{"Sid":"NoList","Effect":"Deny","Action":"iam:List*","Resource":"*"}]}`
	allowAssumeRole = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	allowS3Read     = `{
  "Version": "2012-10-17",
  "Statement": [ { "Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*" } ]
}`
	trustDefaultAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`
)

// mustOK runs a call and fails the test unless it answered 200.
func mustOK(t *testing.T, r *Registry, p identity.Principal, kv ...string) string {
	t.Helper()
	w := call(t, r, p, kv...)
	if w.Code != 200 {
		t.Fatalf("%v: %d %s", kv, w.Code, w.Body)
	}
	return w.Body.String()
}

// wantError runs a call and checks status, code and (regexp) message.
func wantError(t *testing.T, r *Registry, p identity.Principal, status int, code, message string, kv ...string) {
	t.Helper()
	w := call(t, r, p, kv...)
	gotCode, msg := errorOf(t, w)
	if w.Code != status || gotCode != code {
		t.Fatalf("%v: got %d %s (%s), want %d %s", kv, w.Code, gotCode, msg, status, code)
	}
	if message != "" && !regexp.MustCompile(message).MatchString(msg) {
		t.Fatalf("%v: message %q does not match %q", kv, msg, message)
	}
}

// element returns the text of the first <name>…</name> in body.
func element(t *testing.T, body, name string) string {
	t.Helper()
	m := regexp.MustCompile("<" + name + ">([^<]*)</" + name + ">").FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no <%s> in %s", name, body)
	}
	return m[1]
}

func elements(body, name string) []string {
	var out []string
	for _, m := range regexp.MustCompile("<"+name+">([^<]*)</"+name+">").FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// decodeDoc undoes IAM's URL-encoding of a policy document, checking that
// both percent-decoding (botocore) and form-decoding (Terraform) agree.
func decodeDoc(t *testing.T, enc string) string {
	t.Helper()
	enc = strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&").Replace(enc)
	a, err := url.PathUnescape(enc)
	if err != nil {
		t.Fatalf("PathUnescape(%q): %v", enc, err)
	}
	b, err := url.QueryUnescape(enc)
	if err != nil || a != b {
		t.Fatalf("document %q decodes differently: %q vs %q (%v)", enc, a, b, err)
	}
	return a
}

// newUser creates an IAM user with an access key and returns its principal.
func newUser(t *testing.T, r *Registry, name string) identity.Principal {
	t.Helper()
	root := principal(t, r, "test")
	mustOK(t, r, root, "Action", "CreateUser", "UserName", name)
	body := mustOK(t, r, root, "Action", "CreateAccessKey", "UserName", name)
	return principal(t, r, element(t, body, "AccessKeyId"))
}

func TestInlineUserPolicies(t *testing.T) {
	r := mustRegistry(t, "", nil, true)
	root := principal(t, r, "test")
	newUser(t, r, "alice")

	mustOK(t, r, root, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "read", "PolicyDocument", allowS3Read)
	mustOK(t, r, root, "Action", "PutUserPolicy", "UserName", "ALICE", "PolicyName", "list", "PolicyDocument", allowListUsers)
	body := mustOK(t, r, root, "Action", "GetUserPolicy", "UserName", "alice", "PolicyName", "read")
	if element(t, body, "UserName") != "alice" || element(t, body, "PolicyName") != "read" {
		t.Errorf("GetUserPolicy: %s", body)
	}
	enc := element(t, body, "PolicyDocument")
	if strings.ContainsAny(enc, " {\"+") {
		t.Errorf("document not URL-encoded: %s", enc)
	}
	if got := decodeDoc(t, enc); got != allowS3Read {
		t.Errorf("document round trip:\n got %q\nwant %q", got, allowS3Read)
	}
	body = mustOK(t, r, root, "Action", "ListUserPolicies", "UserName", "alice")
	if got := strings.Join(elements(body, "member"), ","); got != "list,read" || !strings.Contains(body, "<IsTruncated>false</IsTruncated>") {
		t.Errorf("ListUserPolicies: %s", body)
	}
	body = mustOK(t, r, root, "Action", "ListUserPolicies", "UserName", "alice", "MaxItems", "1")
	marker := element(t, body, "Marker")
	if got := strings.Join(elements(body, "member"), ","); got != "list" {
		t.Errorf("page 1: %s", body)
	}
	body = mustOK(t, r, root, "Action", "ListUserPolicies", "UserName", "alice", "MaxItems", "1", "Marker", marker)
	if got := strings.Join(elements(body, "member"), ","); got != "read" || strings.Contains(body, "<Marker>") {
		t.Errorf("page 2: %s", body)
	}

	// The identity-policy index follows: inline policies by name.
	pols := r.IdentityPolicies(principal(t, r, r.accounts[DefaultAccountID].users["alice"].keys[0].id))
	if len(pols) != 2 || pols[0].ARN != "inline:user/alice/list" || pols[1].Name != "read" || pols[1].Policy == nil {
		t.Fatalf("IdentityPolicies = %+v", pols)
	}

	big := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("x", 1900) + `"}]}`
	tests := []struct {
		name, code, message string
		status              int
		kv                  []string
	}{
		{"not json", "MalformedPolicyDocument", "^Syntax errors in policy.$", 400,
			[]string{"Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "p", "PolicyDocument", "{nope"}},
		{"principal in identity policy", "MalformedPolicyDocument", "^Policy document should not specify a principal.$", 400,
			[]string{"Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "p", "PolicyDocument", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`}},
		{"bad effect", "MalformedPolicyDocument", "Invalid effect", 400,
			[]string{"Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "p", "PolicyDocument", `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}`}},
		{"aggregate over 2048", "LimitExceeded", "^Maximum policy size of 2048 bytes exceeded for user alice$", 409,
			[]string{"Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "big", "PolicyDocument", big}},
		{"bad policy name", "ValidationError", "at 'policyName' failed to satisfy constraint", 400,
			[]string{"Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "a/b", "PolicyDocument", allowListUsers}},
		{"missing document", "ValidationError", "Value null at 'policyDocument'", 400,
			[]string{"Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "p"}},
		{"unknown user", "NoSuchEntity", "^The user with name bob cannot be found.$", 404,
			[]string{"Action", "PutUserPolicy", "UserName", "bob", "PolicyName", "p", "PolicyDocument", allowListUsers}},
		{"unknown policy", "NoSuchEntity", "^The user policy with name nope cannot be found.$", 404,
			[]string{"Action", "GetUserPolicy", "UserName", "alice", "PolicyName", "nope"}},
		{"delete unknown policy", "NoSuchEntity", "^The user policy with name nope cannot be found.$", 404,
			[]string{"Action", "DeleteUserPolicy", "UserName", "alice", "PolicyName", "nope"}},
		{"delete user with keys", "DeleteConflict", "must delete access keys first", 409,
			[]string{"Action", "DeleteUser", "UserName", "alice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantError(t, r, root, tt.status, tt.code, tt.message, tt.kv...) })
	}

	// Replacing a policy counts its new size, not both: this fits.
	mustOK(t, r, root, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "read", "PolicyDocument", allowListUsers)

	// Once the keys are gone, the inline policies still block DeleteUser.
	a := r.accounts[DefaultAccountID]
	mustOK(t, r, root, "Action", "DeleteAccessKey", "UserName", "alice", "AccessKeyId", a.users["alice"].keys[0].id)
	wantError(t, r, root, 409, "DeleteConflict", "^Cannot delete entity, must delete policies first.$", "Action", "DeleteUser", "UserName", "alice")
	mustOK(t, r, root, "Action", "DeleteUserPolicy", "UserName", "alice", "PolicyName", "read")
	mustOK(t, r, root, "Action", "DeleteUserPolicy", "UserName", "alice", "PolicyName", "list")
	mustOK(t, r, root, "Action", "DeleteUser", "UserName", "alice")
}

func TestManagedPolicies(t *testing.T) {
	r := mustRegistry(t, "", []AccountSpec{siteAccount}, true)
	root := principal(t, r, "test")
	newUser(t, r, "alice")

	body := mustOK(t, r, root, "Action", "CreatePolicy", "PolicyName", "Readers", "Path", "/team/", "PolicyDocument", allowS3Read, "Description", "read b")
	arn := "arn:aws:iam::000000000000:policy/team/Readers"
	if element(t, body, "Arn") != arn || element(t, body, "DefaultVersionId") != "v1" || element(t, body, "AttachmentCount") != "0" ||
		!regexp.MustCompile(`^ANPA[A-Z2-7]{17}$`).MatchString(element(t, body, "PolicyId")) || element(t, body, "IsAttachable") != "true" {
		t.Fatalf("CreatePolicy: %s", body)
	}
	body = mustOK(t, r, root, "Action", "GetPolicy", "PolicyArn", arn)
	if element(t, body, "Description") != "read b" || element(t, body, "Path") != "/team/" {
		t.Errorf("GetPolicy: %s", body)
	}
	body = mustOK(t, r, root, "Action", "GetPolicyVersion", "PolicyArn", arn, "VersionId", "v1")
	if decodeDoc(t, element(t, body, "Document")) != allowS3Read || element(t, body, "IsDefaultVersion") != "true" {
		t.Errorf("GetPolicyVersion: %s", body)
	}

	// Versions: up to five.
	for i := 2; i <= 5; i++ {
		body = mustOK(t, r, root, "Action", "CreatePolicyVersion", "PolicyArn", arn, "PolicyDocument", allowListUsers, "SetAsDefault", "true")
		if v := element(t, body, "VersionId"); v != "v"+string(rune('0'+i)) || element(t, body, "IsDefaultVersion") != "true" || strings.Contains(body, "<Document>") {
			t.Fatalf("CreatePolicyVersion %d: %s", i, body)
		}
	}
	wantError(t, r, root, 409, "LimitExceeded", "^A managed policy can have up to 5 versions", "Action", "CreatePolicyVersion", "PolicyArn", arn, "PolicyDocument", allowListUsers)
	body = mustOK(t, r, root, "Action", "ListPolicyVersions", "PolicyArn", arn)
	if got := strings.Join(elements(body, "VersionId"), ","); got != "v5,v4,v3,v2,v1" {
		t.Errorf("ListPolicyVersions order %s", got)
	}
	body = mustOK(t, r, root, "Action", "ListPolicyVersions", "PolicyArn", arn, "MaxItems", "2")
	marker := element(t, body, "Marker")
	body = mustOK(t, r, root, "Action", "ListPolicyVersions", "PolicyArn", arn, "MaxItems", "2", "Marker", marker)
	if got := strings.Join(elements(body, "VersionId"), ","); got != "v3,v2" {
		t.Errorf("ListPolicyVersions page 2: %s", got)
	}
	mustOK(t, r, root, "Action", "SetDefaultPolicyVersion", "PolicyArn", arn, "VersionId", "v1")
	wantError(t, r, root, 409, "DeleteConflict", "^Cannot delete the default version of a policy.$", "Action", "DeletePolicyVersion", "PolicyArn", arn, "VersionId", "v1")
	mustOK(t, r, root, "Action", "DeletePolicyVersion", "PolicyArn", arn, "VersionId", "v5")
	body = mustOK(t, r, root, "Action", "CreatePolicyVersion", "PolicyArn", arn, "PolicyDocument", allowListUsers)
	if element(t, body, "VersionId") != "v6" || element(t, body, "IsDefaultVersion") != "false" {
		t.Errorf("version ids are not reused: %s", body)
	}

	// Attach to alice; the index serves the default version.
	mustOK(t, r, root, "Action", "AttachUserPolicy", "UserName", "alice", "PolicyArn", arn)
	mustOK(t, r, root, "Action", "AttachUserPolicy", "UserName", "alice", "PolicyArn", arn) // idempotent
	mustOK(t, r, root, "Action", "AttachUserPolicy", "UserName", "alice", "PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	alice := principal(t, r, r.accounts[DefaultAccountID].users["alice"].keys[0].id)
	pols := r.IdentityPolicies(alice)
	if len(pols) != 2 || pols[0].ARN != arn || pols[0].Version != "v1" || pols[1].Name != "AmazonS3ReadOnlyAccess" || pols[1].Version != "v3" {
		t.Fatalf("IdentityPolicies = %+v", pols)
	}
	body = mustOK(t, r, root, "Action", "ListAttachedUserPolicies", "UserName", "alice")
	if got := strings.Join(elements(body, "PolicyName"), ","); got != "Readers,AmazonS3ReadOnlyAccess" {
		t.Errorf("ListAttachedUserPolicies: %s", body)
	}
	body = mustOK(t, r, root, "Action", "ListAttachedUserPolicies", "UserName", "alice", "PathPrefix", "/team/")
	if got := strings.Join(elements(body, "PolicyArn"), ","); got != arn {
		t.Errorf("ListAttachedUserPolicies with prefix: %s", body)
	}
	body = mustOK(t, r, root, "Action", "GetPolicy", "PolicyArn", arn)
	if element(t, body, "AttachmentCount") != "1" {
		t.Errorf("AttachmentCount: %s", body)
	}
	body = mustOK(t, r, root, "Action", "ListEntitiesForPolicy", "PolicyArn", arn)
	if element(t, body, "UserName") != "alice" || strings.Contains(body, "<RoleName>") {
		t.Errorf("ListEntitiesForPolicy: %s", body)
	}

	// Listing: scope, attachment.
	names := func(kv ...string) string {
		return strings.Join(elements(mustOK(t, r, root, append([]string{"Action", "ListPolicies"}, kv...)...), "PolicyName"), ",")
	}
	if got := names("Scope", "Local"); got != "Readers" {
		t.Errorf("Local: %s", got)
	}
	if got := names("Scope", "AWS"); got != "AdministratorAccess,AmazonS3FullAccess,AmazonS3ReadOnlyAccess" {
		t.Errorf("AWS: %s", got)
	}
	if got := names("OnlyAttached", "true"); got != "AmazonS3ReadOnlyAccess,Readers" {
		t.Errorf("OnlyAttached: %s", got)
	}
	var all []string
	for marker := ""; ; {
		kv := []string{"MaxItems", "1"}
		if marker != "" {
			kv = append(kv, "Marker", marker)
		}
		body := mustOK(t, r, root, append([]string{"Action", "ListPolicies"}, kv...)...)
		all = append(all, elements(body, "PolicyName")...)
		if !strings.Contains(body, "<Marker>") {
			break
		}
		marker = element(t, body, "Marker")
	}
	if strings.Join(all, ",") != "AdministratorAccess,AmazonS3FullAccess,AmazonS3ReadOnlyAccess,Readers" {
		t.Errorf("paged ListPolicies: %v", all)
	}
	// The AWS managed policies: readable, their document the real one.
	body = mustOK(t, r, root, "Action", "GetPolicyVersion", "PolicyArn", "arn:aws:iam::aws:policy/AmazonS3FullAccess", "VersionId", "v2")
	if doc := decodeDoc(t, element(t, body, "Document")); !strings.Contains(doc, `"s3:*"`) || !strings.Contains(doc, `"s3-object-lambda:*"`) {
		t.Errorf("AmazonS3FullAccess document: %s", doc)
	}

	limit := 10
	tests := []struct {
		name, code, message string
		status              int
		kv                  []string
	}{
		{"duplicate name", "EntityAlreadyExists", "^A policy called readers already exists. Duplicate names are not allowed.$", 409,
			[]string{"Action", "CreatePolicy", "PolicyName", "readers", "PolicyDocument", allowS3Read}},
		{"too large", "LimitExceeded", "^Cannot exceed quota for PolicySize: 6144$", 409,
			[]string{"Action", "CreatePolicy", "PolicyName", "big", "PolicyDocument", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("x", 6200) + `"}]}`}},
		{"malformed", "MalformedPolicyDocument", "", 400,
			[]string{"Action", "CreatePolicy", "PolicyName", "m", "PolicyDocument", `{"Statement":[]}`}},
		{"bad path", "ValidationError", "at 'path' failed", 400,
			[]string{"Action", "CreatePolicy", "PolicyName", "p", "Path", "/a//", "PolicyDocument", allowS3Read}},
		{"unknown policy", "NoSuchEntity", "^Policy arn:aws:iam::000000000000:policy/nope was not found.$", 404,
			[]string{"Action", "GetPolicy", "PolicyArn", "arn:aws:iam::000000000000:policy/nope"}},
		{"wrong path", "NoSuchEntity", "", 404,
			[]string{"Action", "GetPolicy", "PolicyArn", "arn:aws:iam::000000000000:policy/Readers"}},
		{"unknown version", "NoSuchEntity", "version v9 does not exist or is not attachable", 404,
			[]string{"Action", "GetPolicyVersion", "PolicyArn", arn, "VersionId", "v9"}},
		{"bad version id", "ValidationError", "versionId", 400,
			[]string{"Action", "GetPolicyVersion", "PolicyArn", arn, "VersionId", "1"}},
		{"attached", "DeleteConflict", "^Cannot delete a policy attached to entities.$", 409,
			[]string{"Action", "DeletePolicy", "PolicyArn", arn}},
		{"attach unknown", "NoSuchEntity", "^Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable.$", 404,
			[]string{"Action", "AttachUserPolicy", "UserName", "alice", "PolicyArn", "arn:aws:iam::aws:policy/Nope"}},
		{"attach other account's", "NoSuchEntity", "", 404,
			[]string{"Action", "AttachUserPolicy", "UserName", "alice", "PolicyArn", "arn:aws:iam::111122223333:policy/x"}},
		{"detach unattached", "NoSuchEntity", "^Policy arn:aws:iam::aws:policy/AdministratorAccess was not found.$", 404,
			[]string{"Action", "DetachUserPolicy", "UserName", "alice", "PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"}},
		{"change AWS policy", "AccessDenied", "", 403,
			[]string{"Action", "CreatePolicyVersion", "PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess", "PolicyDocument", allowS3Read}},
		{"delete AWS policy", "AccessDenied", "", 403,
			[]string{"Action", "DeletePolicy", "PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"}},
		{"attached user", "DeleteConflict", "^Cannot delete entity, must detach all policies first.$", 409,
			[]string{"Action", "DeleteUser", "UserName", "bob"}},
		{"bad scope", "ValidationError", `enum value set: \[All, AWS, Local\]`, 400,
			[]string{"Action", "ListPolicies", "Scope", "Mine"}},
	}
	mustOK(t, r, root, "Action", "CreateUser", "UserName", "bob")
	mustOK(t, r, root, "Action", "AttachUserPolicy", "UserName", "bob", "PolicyArn", "arn:aws:iam::aws:policy/AmazonS3FullAccess")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantError(t, r, root, tt.status, tt.code, tt.message, tt.kv...) })
	}

	// The quota of attached policies per user.
	for i := range limit - 1 {
		n := "p" + string(rune('a'+i))
		mustOK(t, r, root, "Action", "CreatePolicy", "PolicyName", n, "PolicyDocument", allowS3Read)
		mustOK(t, r, root, "Action", "AttachUserPolicy", "UserName", "bob", "PolicyArn", "arn:aws:iam::000000000000:policy/"+n)
	}
	wantError(t, r, root, 409, "LimitExceeded", "^Cannot exceed quota for PoliciesPerUser: 10$", "Action", "AttachUserPolicy", "UserName", "bob", "PolicyArn", arn)

	// Detach, delete the extra versions, then the policy goes.
	mustOK(t, r, root, "Action", "DetachUserPolicy", "UserName", "alice", "PolicyArn", arn)
	wantError(t, r, root, 409, "DeleteConflict", "^This policy has more than one version.", "Action", "DeletePolicy", "PolicyArn", arn)
	for _, v := range []string{"v2", "v3", "v4", "v6"} {
		mustOK(t, r, root, "Action", "DeletePolicyVersion", "PolicyArn", arn, "VersionId", v)
	}
	mustOK(t, r, root, "Action", "DeletePolicy", "PolicyArn", arn)
	if pols := r.IdentityPolicies(alice); len(pols) != 1 || pols[0].Name != "AmazonS3ReadOnlyAccess" {
		t.Errorf("IdentityPolicies after detach = %+v", pols)
	}
}

func TestRoles(t *testing.T) {
	r := mustRegistry(t, "", nil, true)
	root := principal(t, r, "test")

	body := mustOK(t, r, root, "Action", "CreateRole", "RoleName", "Deployer", "Path", "/ci/", "AssumeRolePolicyDocument", trustDefaultAccount,
		"Description", "deploys", "Tags.member.1.Key", "team", "Tags.member.1.Value", "web")
	arn := "arn:aws:iam::000000000000:role/ci/Deployer"
	if element(t, body, "Arn") != arn || !regexp.MustCompile(`^AROA[A-Z2-7]{17}$`).MatchString(element(t, body, "RoleId")) ||
		element(t, body, "MaxSessionDuration") != "3600" || decodeDoc(t, element(t, body, "AssumeRolePolicyDocument")) != trustDefaultAccount {
		t.Fatalf("CreateRole: %s", body)
	}
	body = mustOK(t, r, root, "Action", "GetRole", "RoleName", "deployer")
	if element(t, body, "RoleName") != "Deployer" || element(t, body, "Description") != "deploys" || element(t, body, "Value") != "web" ||
		!strings.Contains(body, "<RoleLastUsed></RoleLastUsed>") {
		t.Errorf("GetRole: %s", body)
	}
	mustOK(t, r, root, "Action", "CreateRole", "RoleName", "other", "AssumeRolePolicyDocument", trustDefaultAccount, "MaxSessionDuration", "43200")
	body = mustOK(t, r, root, "Action", "ListRoles")
	if got := strings.Join(elements(body, "RoleName"), ","); got != "Deployer,other" || strings.Contains(body, "<Tags>") {
		t.Errorf("ListRoles: %s", body)
	}
	body = mustOK(t, r, root, "Action", "ListRoles", "PathPrefix", "/ci/")
	if got := strings.Join(elements(body, "RoleName"), ","); got != "Deployer" {
		t.Errorf("ListRoles /ci/: %s", body)
	}
	mustOK(t, r, root, "Action", "UpdateRole", "RoleName", "Deployer", "MaxSessionDuration", "7200")
	mustOK(t, r, root, "Action", "UpdateAssumeRolePolicy", "RoleName", "Deployer", "PolicyDocument", strings.Replace(trustDefaultAccount, "arn:aws:iam::000000000000:root", "000000000000", 1))
	body = mustOK(t, r, root, "Action", "GetRole", "RoleName", "Deployer")
	if element(t, body, "MaxSessionDuration") != "7200" || !strings.Contains(decodeDoc(t, element(t, body, "AssumeRolePolicyDocument")), `"AWS":"000000000000"`) {
		t.Errorf("after updates: %s", body)
	}

	// Inline and attached role policies.
	mustOK(t, r, root, "Action", "PutRolePolicy", "RoleName", "Deployer", "PolicyName", "read", "PolicyDocument", allowS3Read)
	body = mustOK(t, r, root, "Action", "GetRolePolicy", "RoleName", "Deployer", "PolicyName", "read")
	if element(t, body, "RoleName") != "Deployer" || decodeDoc(t, element(t, body, "PolicyDocument")) != allowS3Read {
		t.Errorf("GetRolePolicy: %s", body)
	}
	if got := strings.Join(elements(mustOK(t, r, root, "Action", "ListRolePolicies", "RoleName", "Deployer"), "member"), ","); got != "read" {
		t.Errorf("ListRolePolicies: %s", got)
	}
	mustOK(t, r, root, "Action", "AttachRolePolicy", "RoleName", "Deployer", "PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	if got := strings.Join(elements(mustOK(t, r, root, "Action", "ListAttachedRolePolicies", "RoleName", "Deployer"), "PolicyName"), ","); got != "AmazonS3ReadOnlyAccess" {
		t.Errorf("ListAttachedRolePolicies: %s", got)
	}
	body = mustOK(t, r, root, "Action", "ListInstanceProfilesForRole", "RoleName", "Deployer")
	if !strings.Contains(body, "<InstanceProfiles></InstanceProfiles><IsTruncated>false</IsTruncated>") {
		t.Errorf("ListInstanceProfilesForRole: %s", body)
	}
	ro := r.accounts[DefaultAccountID].roles["deployer"]
	session := identity.Principal{Type: identity.AssumedRole, Account: DefaultAccountID, UserID: ro.id + ":s", ARN: "arn:aws:sts::000000000000:assumed-role/Deployer/s", RoleARN: arn}
	if pols := r.IdentityPolicies(session); len(pols) != 2 || pols[0].ARN != "inline:role/Deployer/read" || pols[1].Name != "AmazonS3ReadOnlyAccess" {
		t.Errorf("IdentityPolicies(session) = %+v", pols)
	}

	bigRole := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + strings.Repeat("x", 9000) + `"}]}`
	bigTrust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"000000000000"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"` + strings.Repeat("x", 2000) + `"}}}]}`
	tests := []struct {
		name, code, message string
		status              int
		kv                  []string
	}{
		{"duplicate", "EntityAlreadyExists", "^Role with name deployer already exists.$", 409,
			[]string{"Action", "CreateRole", "RoleName", "deployer", "AssumeRolePolicyDocument", trustDefaultAccount}},
		{"trust without principal", "MalformedPolicyDocument", "^Missing required field Principal$", 400,
			[]string{"Action", "CreateRole", "RoleName", "x", "AssumeRolePolicyDocument", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`}},
		{"trust with wildcard principal ARN", "MalformedPolicyDocument", "Invalid principal in policy", 400,
			[]string{"Action", "CreateRole", "RoleName", "x", "AssumeRolePolicyDocument", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/*"},"Action":"sts:AssumeRole"}]}`}},
		{"trust too large", "LimitExceeded", "^Cannot exceed quota for ACLSizePerRole: 2048$", 409,
			[]string{"Action", "CreateRole", "RoleName", "x", "AssumeRolePolicyDocument", bigTrust}},
		{"session too short", "ValidationError", "must have value greater than or equal to 3600", 400,
			[]string{"Action", "CreateRole", "RoleName", "x", "AssumeRolePolicyDocument", trustDefaultAccount, "MaxSessionDuration", "100"}},
		{"session too long", "ValidationError", "must have value less than or equal to 43200", 400,
			[]string{"Action", "UpdateRole", "RoleName", "Deployer", "MaxSessionDuration", "50000"}},
		{"boundary", "ValidationError", "permissions boundaries", 400,
			[]string{"Action", "CreateRole", "RoleName", "x", "AssumeRolePolicyDocument", trustDefaultAccount, "PermissionsBoundary", "arn:aws:iam::aws:policy/AdministratorAccess"}},
		{"unknown role", "NoSuchEntity", "^The role with name ghost cannot be found.$", 404,
			[]string{"Action", "GetRole", "RoleName", "ghost"}},
		{"unknown role policy", "NoSuchEntity", "^The role policy with name nope cannot be found.$", 404,
			[]string{"Action", "GetRolePolicy", "RoleName", "Deployer", "PolicyName", "nope"}},
		{"role inline over 10240", "LimitExceeded", "^Maximum policy size of 10240 bytes exceeded for role Deployer$", 409,
			[]string{"Action", "PutRolePolicy", "RoleName", "Deployer", "PolicyName", "big", "PolicyDocument", bigRole}},
		{"instance profiles of unknown role", "NoSuchEntity", "", 404,
			[]string{"Action", "ListInstanceProfilesForRole", "RoleName", "ghost"}},
		{"delete with inline", "DeleteConflict", "^Cannot delete entity, must delete policies first.$", 409,
			[]string{"Action", "DeleteRole", "RoleName", "Deployer"}},
	}
	// A single 9,000-character role policy fits the role's 10,240; with
	// the 1,000 more of another it does not.
	mustOK(t, r, root, "Action", "PutRolePolicy", "RoleName", "other", "PolicyName", "big", "PolicyDocument", bigRole)
	mustOK(t, r, root, "Action", "PutRolePolicy", "RoleName", "Deployer", "PolicyName", "filler", "PolicyDocument", strings.Replace(bigRole, strings.Repeat("x", 9000), strings.Repeat("y", 1000), 1))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { wantError(t, r, root, tt.status, tt.code, tt.message, tt.kv...) })
	}

	mustOK(t, r, root, "Action", "DeleteRolePolicy", "RoleName", "Deployer", "PolicyName", "read")
	mustOK(t, r, root, "Action", "DeleteRolePolicy", "RoleName", "Deployer", "PolicyName", "filler")
	wantError(t, r, root, 409, "DeleteConflict", "^Cannot delete entity, must detach all policies first.$", "Action", "DeleteRole", "RoleName", "Deployer")
	mustOK(t, r, root, "Action", "DetachRolePolicy", "RoleName", "Deployer", "PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	mustOK(t, r, root, "Action", "DeleteRole", "RoleName", "Deployer")
	wantError(t, r, root, 404, "NoSuchEntity", "", "Action", "GetRole", "RoleName", "Deployer")
	if pols := r.IdentityPolicies(session); pols != nil {
		t.Errorf("a deleted role's session keeps policies: %+v", pols)
	}
}

// TestIdentityPolicyAuthorization checks that IAM actions follow the
// caller's identity policies.
func TestIdentityPolicyAuthorization(t *testing.T) {
	r := mustRegistry(t, "", []AccountSpec{siteAccount}, true)
	root := principal(t, r, "test")
	alice := newUser(t, r, "alice")

	wantError(t, r, alice, 403, "AccessDenied",
		`^User: arn:aws:iam::000000000000:user/alice is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::000000000000:user/ because no identity-based policy allows the iam:ListUsers action$`,
		"Action", "ListUsers")
	mustOK(t, r, root, "Action", "CreatePolicy", "PolicyName", "lister", "PolicyDocument", allowListUsers)
	mustOK(t, r, root, "Action", "AttachUserPolicy", "UserName", "alice", "PolicyArn", "arn:aws:iam::000000000000:policy/lister")
	if body := mustOK(t, r, alice, "Action", "ListUsers"); !strings.Contains(body, "<UserName>alice</UserName>") {
		t.Errorf("ListUsers as alice: %s", body)
	}
	// The policy allows nothing else.
	wantError(t, r, alice, 403, "AccessDenied", "iam:CreateUser on resource: arn:aws:iam::000000000000:user/eve because", "Action", "CreateUser", "UserName", "eve")
	// An explicit deny wins over the allow.
	mustOK(t, r, root, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "deny", "PolicyDocument", denyListUsers)
	wantError(t, r, alice, 403, "AccessDenied", "iam:ListUsers on resource: arn:aws:iam::000000000000:user/ with an explicit deny in an identity-based policy$", "Action", "ListUsers")
	mustOK(t, r, root, "Action", "DeleteUserPolicy", "UserName", "alice", "PolicyName", "deny")

	// Resource-level permissions and conditions: alice may manage only
	// her own inline policies, and only attach one managed policy.
	self := `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":["iam:PutUserPolicy","iam:GetUserPolicy"],"Resource":"arn:aws:iam::*:user/${aws:username}"},
	  {"Effect":"Allow","Action":"iam:AttachUserPolicy","Resource":"*","Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}}}]}`
	mustOK(t, r, root, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "self", "PolicyDocument", self)
	mustOK(t, r, alice, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "mine", "PolicyDocument", allowS3Read)
	mustOK(t, r, root, "Action", "CreateUser", "UserName", "bob")
	wantError(t, r, alice, 403, "AccessDenied", "iam:PutUserPolicy on resource: arn:aws:iam::000000000000:user/bob", "Action", "PutUserPolicy", "UserName", "bob", "PolicyName", "x", "PolicyDocument", allowS3Read)
	mustOK(t, r, alice, "Action", "AttachUserPolicy", "UserName", "bob", "PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	wantError(t, r, alice, 403, "AccessDenied", "", "Action", "AttachUserPolicy", "UserName", "bob", "PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess")

	// AdministratorAccess lets a user do everything in its account, not
	// in another.
	mustOK(t, r, root, "Action", "AttachUserPolicy", "UserName", "alice", "PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess")
	mustOK(t, r, alice, "Action", "CreateRole", "RoleName", "r", "AssumeRolePolicyDocument", trustDefaultAccount)
	wantError(t, r, alice, 403, "AccessDenied", "", "Action", "GetPolicy", "PolicyArn", "arn:aws:iam::111122223333:policy/x")
	mustOK(t, r, alice, "Action", "GetPolicy", "PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess")

	// The root of another account sees none of it.
	site := principal(t, r, "AKIASITEROOT00000001")
	wantError(t, r, site, 404, "NoSuchEntity", "", "Action", "GetRole", "RoleName", "r")
	wantError(t, r, site, 403, "AccessDenied", "", "Action", "GetPolicy", "PolicyArn", "arn:aws:iam::000000000000:policy/lister")
}

func TestIdentityPoliciesDoesNotAllocate(t *testing.T) {
	r := mustRegistry(t, "", nil, true)
	alice := newUser(t, r, "alice")
	root := principal(t, r, "test")
	mustOK(t, r, root, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "p", "PolicyDocument", allowListUsers)
	n := testing.AllocsPerRun(1000, func() {
		if len(r.IdentityPolicies(alice)) != 1 || r.IdentityPolicies(root) != nil {
			t.Fatal("wrong policies")
		}
		if r.CheckSessionToken(alice.AccessKeyID, "", time.Time{}) != nil {
			t.Fatal("long-term key refused")
		}
	})
	if n != 0 {
		t.Errorf("IdentityPolicies + CheckSessionToken allocate %v times per call", n)
	}
}

func TestPolicyPersistence(t *testing.T) {
	dir := t.TempDir()
	r1 := mustRegistry(t, dir, nil, true)
	root := principal(t, r1, "test")
	alice := newUser(t, r1, "alice")
	mustOK(t, r1, root, "Action", "PutUserPolicy", "UserName", "alice", "PolicyName", "list", "PolicyDocument", allowListUsers)
	mustOK(t, r1, root, "Action", "CreatePolicy", "PolicyName", "readers", "Path", "/t/", "PolicyDocument", allowS3Read, "Description", "d")
	parn := "arn:aws:iam::000000000000:policy/t/readers"
	mustOK(t, r1, root, "Action", "CreatePolicyVersion", "PolicyArn", parn, "PolicyDocument", allowListUsers, "SetAsDefault", "true")
	mustOK(t, r1, root, "Action", "AttachUserPolicy", "UserName", "alice", "PolicyArn", parn)
	mustOK(t, r1, root, "Action", "AttachUserPolicy", "UserName", "alice", "PolicyArn", "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
	mustOK(t, r1, root, "Action", "CreateRole", "RoleName", "R", "Path", "/ci/", "AssumeRolePolicyDocument", trustDefaultAccount,
		"Description", "role r", "MaxSessionDuration", "7200")
	mustOK(t, r1, root, "Action", "PutRolePolicy", "RoleName", "R", "PolicyName", "read", "PolicyDocument", allowS3Read)
	mustOK(t, r1, root, "Action", "AttachRolePolicy", "RoleName", "R", "PolicyArn", parn)
	before := mustOK(t, r1, root, "Action", "GetRole", "RoleName", "R")

	r2 := mustRegistry(t, dir, nil, true)
	root2 := principal(t, r2, "test")
	if after := mustOK(t, r2, root2, "Action", "GetRole", "RoleName", "R"); after[:strings.Index(after, "<ResponseMetadata>")] != before[:strings.Index(before, "<ResponseMetadata>")] {
		t.Errorf("role changed across restart:\n%s\n%s", before, after)
	}
	pols := r2.IdentityPolicies(principal(t, r2, alice.AccessKeyID))
	if len(pols) != 3 || pols[0].Name != "list" || pols[1].ARN != parn || pols[1].Version != "v2" || pols[2].Name != "AmazonS3ReadOnlyAccess" {
		t.Fatalf("IdentityPolicies after restart = %+v", pols)
	}
	body := mustOK(t, r2, root2, "Action", "GetPolicy", "PolicyArn", parn)
	if element(t, body, "DefaultVersionId") != "v2" || element(t, body, "Description") != "d" || element(t, body, "AttachmentCount") != "2" {
		t.Errorf("GetPolicy after restart: %s", body)
	}
	body = mustOK(t, r2, root2, "Action", "CreatePolicyVersion", "PolicyArn", parn, "PolicyDocument", allowS3Read)
	if element(t, body, "VersionId") != "v3" {
		t.Errorf("version counter lost: %s", body)
	}

	// A stored document the parser refuses stops the start: dropping it
	// could drop a Deny.
	path := filepath.Join(dir, stateFileName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), `"Effect\":\"Allow\",\"Action\":\"iam:ListUsers\"`, `"Effect\":\"Perhaps\",\"Action\":\"iam:ListUsers\"`, 1)
	if bad == string(data) {
		t.Fatalf("test document not found in %s", data)
	}
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewRegistry(dir, nil, true); err == nil || !strings.Contains(err.Error(), "no longer parses") {
		t.Errorf("corrupt policy: %v", err)
	}

	// A version 1 file (users and keys only) is still read.
	v1 := `{"version":1,"accounts":[{"id":"000000000000","created":"2024-01-02T03:04:05Z","users":[{"name":"old","path":"/","id":"AIDAAAAAAAAAAAAAAAAAA","created":"2024-01-02T03:04:05Z"}]}]}`
	dir2 := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir2, stateFileName), []byte(v1), 0o600); err != nil {
		t.Fatal(err)
	}
	r3 := mustRegistry(t, dir2, nil, true)
	mustOK(t, r3, principal(t, r3, "test"), "Action", "GetUser", "UserName", "old")
}
