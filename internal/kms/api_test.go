package kms

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
)

// errCase is one API call expected to fail.
type errCase struct {
	name   string
	caller identity.Principal
	op     string
	body   any
	status int
	code   string
	msg    string // substring of the message; "-" means no message at all
}

func runErrCases(t *testing.T, s *Service, cases []errCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := api(t, s, c.caller, c.op, c.body)
			if r.status != c.status || r.code != c.code {
				t.Fatalf("%s: got %d %s (%s), want %d %s", c.op, r.status, r.code, r.msg, c.status, c.code)
			}
			switch {
			case c.msg == "-":
				if _, ok := r.body["message"]; ok {
					t.Errorf("message %q, want none", r.msg)
				}
			case !strings.Contains(r.msg, c.msg):
				t.Errorf("message %q, want it to contain %q", r.msg, c.msg)
			}
		})
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestProtocol(t *testing.T) {
	s := newTestService(t, nil)
	root := rootOf(acctA)
	runErrCases(t, s, []errCase{
		{"unknown operation", root, "Frobnicate", nil, 400, "UnknownOperationException", "-"},
		{"anonymous", identity.AnonymousPrincipal, "ListKeys", nil, 400, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{"malformed JSON", root, "CreateKey", `{"Description":`, 400, "SerializationException", ""},
		{"wrong member type", root, "CreateKey", `{"Description":5}`, 400, "SerializationException", "Description"},
		{"bad base64 blob", root, "Decrypt", `{"CiphertextBlob":"%%%"}`, 400, "SerializationException", ""},
	})

	// A GET, and a POST without X-Amz-Target.
	for _, req := range []*http.Request{
		httptest.NewRequest(http.MethodGet, "/", nil),
		httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}")),
	} {
		if req.Method == http.MethodGet {
			req.Header.Set("X-Amz-Target", "TrentService.ListKeys")
		}
		w := httptest.NewRecorder()
		e := s.ServeKMS(w, req, &reqctx.Call{RequestID: "R", Principal: root})
		if e == nil || e.Code != "UnknownOperationException" || w.Code != 400 {
			t.Errorf("%s: %v %d", req.Method, e, w.Code)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/x-amz-json-1.1" {
			t.Errorf("Content-Type %q", ct)
		}
	}

	// Unknown members are ignored; an empty body is an empty object.
	mustAPI(t, s, root, "ListKeys", `{"Unknown":1}`)
	mustAPI(t, s, root, "ListKeys", ``)

	// The shared SigV4 errors in KMS's spelling.
	for in, want := range map[*awsapi.Error]string{
		awsapi.ErrInvalidAccessKeyID:    "UnrecognizedClientException",
		awsapi.ErrSignatureDoesNotMatch: "InvalidSignatureException",
		awsapi.ErrRequestTimeTooSkewed:  "InvalidSignatureException",
	} {
		w := httptest.NewRecorder()
		if got := WriteError(w, "R", in); got.Code != want || w.Code != 400 {
			t.Errorf("%s sent as %s %d", in.Code, got.Code, w.Code)
		}
	}
}

func TestCreateAndDescribeKey(t *testing.T) {
	bob := userOf(acctA, "bob")
	s := newTestService(t, fakeIdentities{})
	root := rootOf(acctA)
	r := mustAPI(t, s, root, "CreateKey", map[string]any{"Description": "site key", "Tags": []map[string]string{{"TagKey": "env", "TagValue": "dev"}}})
	m := r.body["KeyMetadata"].(map[string]any)
	id := m["KeyId"].(string)
	arn := "arn:aws:kms:us-east-1:" + acctA + ":key/" + id
	want := map[string]any{
		"AWSAccountId": acctA, "Arn": arn, "Enabled": true, "Description": "site key", "KeyUsage": "ENCRYPT_DECRYPT",
		"KeyState": "Enabled", "Origin": "AWS_KMS", "KeyManager": "CUSTOMER", "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
		"KeySpec": "SYMMETRIC_DEFAULT", "MultiRegion": false, "CreationDate": float64(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC).Unix()),
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("KeyMetadata.%s = %v, want %v", k, m[k], v)
		}
	}
	if !isKeyID(id) {
		t.Errorf("KeyId %q", id)
	}
	if algs, _ := m["EncryptionAlgorithms"].([]any); len(algs) != 1 || algs[0] != "SYMMETRIC_DEFAULT" {
		t.Errorf("EncryptionAlgorithms %v", m["EncryptionAlgorithms"])
	}
	for _, absent := range []string{"DeletionDate", "PendingDeletionWindowInDays"} {
		if _, ok := m[absent]; ok {
			t.Errorf("%s present", absent)
		}
	}
	mustAPI(t, s, root, "CreateAlias", map[string]any{"AliasName": "alias/site", "TargetKeyId": id})
	for _, ref := range []string{id, arn, "alias/site", "arn:aws:kms:us-east-1:" + acctA + ":alias/site"} {
		if got := mustAPI(t, s, root, "DescribeKey", map[string]any{"KeyId": ref}).str("KeyMetadata", "KeyId"); got != id {
			t.Errorf("DescribeKey %s: %q", ref, got)
		}
	}
	// The AWS managed key comes into being on first use of its alias.
	mk := mustAPI(t, s, root, "DescribeKey", map[string]any{"KeyId": "alias/aws/s3"})
	if mk.str("KeyMetadata", "KeyManager") != "AWS" || !strings.HasPrefix(mk.str("KeyMetadata", "Description"), "Default key that protects my S3 objects") {
		t.Errorf("aws/s3: %v", mk.body)
	}
	if again := mustAPI(t, s, root, "DescribeKey", map[string]any{"KeyId": "alias/aws/s3"}); again.str("KeyMetadata", "KeyId") != mk.str("KeyMetadata", "KeyId") {
		t.Error("a second aws/s3 key was created")
	}

	unknown := "1234abcd-12ab-44cd-96ef-1234567890ab"
	big := `{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("x", 33000) + `","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}`
	runErrCases(t, s, []errCase{
		{"unsupported key spec", root, "CreateKey", map[string]any{"KeySpec": "RSA_2048"}, 400, "UnsupportedOperationException", "SYMMETRIC_DEFAULT"},
		{"unsupported key usage", root, "CreateKey", map[string]any{"KeyUsage": "SIGN_VERIFY"}, 400, "UnsupportedOperationException", ""},
		{"unsupported origin", root, "CreateKey", map[string]any{"Origin": "EXTERNAL"}, 400, "UnsupportedOperationException", ""},
		{"unsupported multi-Region", root, "CreateKey", map[string]any{"MultiRegion": true}, 400, "UnsupportedOperationException", ""},
		{"bad key spec", root, "CreateKey", map[string]any{"KeySpec": "FOO"}, 400, "ValidationException",
			"1 validation error detected: Value 'FOO' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: ["},
		{"both specs", root, "CreateKey", map[string]any{"KeySpec": "SYMMETRIC_DEFAULT", "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT"}, 400, "ValidationException", "KeySpec and CustomerMasterKeySpec"},
		{"policy not JSON", root, "CreateKey", map[string]any{"Policy": "nope"}, 400, "MalformedPolicyDocumentException", "invalid JSON"},
		{"policy without principal", root, "CreateKey", map[string]any{"Policy": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`},
			400, "MalformedPolicyDocumentException", "no principal"},
		{"policy over 32 KB", root, "CreateKey", map[string]any{"Policy": big}, 400, "LimitExceededException", ""},
		{"policy locks the caller out", root, "CreateKey", map[string]any{"Policy": keyPolicy(stmt("Allow", `{"AWS":"`+bob.ARN+`"}`, "kms:*", ""))},
			400, "MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future."},
		{"user without kms:CreateKey", bob, "CreateKey", nil, 400, "AccessDeniedException",
			"User: " + bob.ARN + " is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action"},
		{"describe: no key id", root, "DescribeKey", nil, 400, "ValidationException",
			"1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null"},
		{"describe: unknown id", root, "DescribeKey", map[string]any{"KeyId": unknown}, 400, "NotFoundException",
			"Key 'arn:aws:kms:us-east-1:" + acctA + ":key/" + unknown + "' does not exist"},
		{"describe: unknown alias", root, "DescribeKey", map[string]any{"KeyId": "alias/nope"}, 400, "NotFoundException",
			"Alias arn:aws:kms:us-east-1:" + acctA + ":alias/nope is not found."},
		{"describe: garbage", root, "DescribeKey", map[string]any{"KeyId": "garbage"}, 400, "NotFoundException", "Invalid keyId garbage"},
		{"describe: not a KMS ARN", root, "DescribeKey", map[string]any{"KeyId": "arn:aws:s3:::bucket"}, 400, "InvalidArnException", ""},
		{"describe: another account's key by bare id", rootOf(acctB), "DescribeKey", map[string]any{"KeyId": id}, 400, "NotFoundException", "does not exist"},
		{"describe: another account's key by ARN", rootOf(acctB), "DescribeKey", map[string]any{"KeyId": arn}, 400, "AccessDeniedException",
			"User: arn:aws:iam::" + acctB + ":root is not authorized to perform: kms:DescribeKey on resource: " + arn},
		{"describe: user, default policy, no identity policy", bob, "DescribeKey", map[string]any{"KeyId": id}, 400, "AccessDeniedException",
			"because no identity-based policy allows the kms:DescribeKey action"},
	})

	// With the lockout check bypassed, the same policy is accepted.
	createKey(t, s, root, keyPolicy(stmt("Allow", `{"AWS":"`+bob.ARN+`"}`, "kms:*", "")), true)
}

// TestLockoutCheckForUsers: the check evaluates the new policy with the
// caller's identity policies, and applies only to a policy the caller
// gives.
func TestLockoutCheckForUsers(t *testing.T) {
	dev, admin := userOf(acctA, "dev"), userOf(acctA, "admin")
	ids := fakeIdentities{}
	ids.attach(t, dev, "create", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateKey","Resource":"*"}]}`)
	ids.attach(t, admin, "all", allowKMS)
	s := newTestService(t, ids)
	createKey(t, s, dev, "", false) // default policy: no check
	delegating := defaultKeyPolicy(acctA)
	if r := api(t, s, dev, "CreateKey", map[string]any{"Policy": delegating}); r.code != "MalformedPolicyDocumentException" {
		t.Errorf("dev without kms:PutKeyPolicy: %s %s", r.code, r.msg)
	}
	createKey(t, s, admin, delegating, false) // delegated, and admin's policy allows PutKeyPolicy
	createKey(t, s, dev, keyPolicy(stmt("Allow", `{"AWS":"`+dev.ARN+`"}`, "kms:*", "")), false)
}

func TestListKeysPaging(t *testing.T) {
	s := newTestService(t, fakeIdentities{})
	root := rootOf(acctA)
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, createKey(t, s, root, "", false))
	}
	createKey(t, s, rootOf(acctB), "", false) // not listed for A
	p1 := mustAPI(t, s, root, "ListKeys", map[string]any{"Limit": 2})
	keys := p1.body["Keys"].([]any)
	if len(keys) != 2 || p1.body["Truncated"] != true || p1.str("NextMarker") == "" {
		t.Fatalf("page 1: %v", p1.body)
	}
	p2 := mustAPI(t, s, root, "ListKeys", map[string]any{"Limit": 2, "Marker": p1.str("NextMarker")})
	keys = append(keys, p2.body["Keys"].([]any)...)
	if len(keys) != 3 || p2.body["Truncated"] != false {
		t.Fatalf("page 2: %v", p2.body)
	}
	if _, ok := p2.body["NextMarker"]; ok {
		t.Error("NextMarker on the last page")
	}
	for i, k := range keys {
		e := k.(map[string]any)
		if e["KeyId"] != ids[i] || e["KeyArn"] != "arn:aws:kms:us-east-1:"+acctA+":key/"+ids[i] {
			t.Errorf("key %d: %v", i, e)
		}
	}
	// Another account sees only its own key.
	if got := mustAPI(t, s, rootOf(acctB), "ListKeys", nil).body["Keys"].([]any); len(got) != 1 {
		t.Errorf("account B lists %d keys", len(got))
	}
}

func TestListKeysErrors(t *testing.T) {
	s := newTestService(t, fakeIdentities{})
	root := rootOf(acctA)
	createKey(t, s, root, "", false)
	runErrCases(t, s, []errCase{
		{"limit 0", root, "ListKeys", map[string]any{"Limit": 0}, 400, "ValidationException", "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"limit 1001", root, "ListKeys", map[string]any{"Limit": 1001}, 400, "ValidationException", "less than or equal to 1000"},
		{"bad marker", root, "ListKeys", map[string]any{"Marker": "nope"}, 400, "InvalidMarkerException", ""},
		{"user without kms:ListKeys", userOf(acctA, "bob"), "ListKeys", nil, 400, "AccessDeniedException", "kms:ListKeys on resource: *"},
	})
}

func TestKeyStates(t *testing.T) {
	s := newTestService(t, fakeIdentities{})
	root := rootOf(acctA)
	id := createKey(t, s, root, "", false)
	arn := "arn:aws:kms:us-east-1:" + acctA + ":key/" + id
	mustAPI(t, s, root, "CreateAlias", map[string]any{"AliasName": "alias/k", "TargetKeyId": id})
	ct := mustAPI(t, s, root, "Encrypt", map[string]any{"KeyId": id, "Plaintext": b64([]byte("x"))}).str("CiphertextBlob")
	encrypt := map[string]any{"KeyId": id, "Plaintext": b64([]byte("x"))}
	decrypt := map[string]any{"CiphertextBlob": ct}
	state := func() map[string]any {
		return mustAPI(t, s, root, "DescribeKey", map[string]any{"KeyId": id}).body["KeyMetadata"].(map[string]any)
	}

	mustAPI(t, s, root, "DisableKey", map[string]any{"KeyId": arn})
	if m := state(); m["KeyState"] != "Disabled" || m["Enabled"] != false {
		t.Fatalf("after DisableKey: %v", m)
	}
	mustAPI(t, s, root, "DisableKey", map[string]any{"KeyId": id}) // again: no-op
	runErrCases(t, s, []errCase{
		{"encrypt disabled", root, "Encrypt", encrypt, 400, "DisabledException", arn + " is disabled."},
		{"decrypt disabled", root, "Decrypt", decrypt, 400, "DisabledException", arn + " is disabled."},
		{"data key disabled", root, "GenerateDataKey", map[string]any{"KeyId": "alias/k", "KeySpec": "AES_256"}, 400, "DisabledException", ""},
		{"grant on disabled", root, "CreateGrant", map[string]any{"KeyId": id, "GranteePrincipal": userOf(acctA, "bob").ARN, "Operations": []string{"Decrypt"}}, 400, "DisabledException", ""},
	})
	mustAPI(t, s, root, "GetKeyPolicy", map[string]any{"KeyId": id}) // fine while disabled
	mustAPI(t, s, root, "EnableKey", map[string]any{"KeyId": id})
	mustAPI(t, s, root, "Decrypt", decrypt)

	runErrCases(t, s, []errCase{
		{"window 6 days", root, "ScheduleKeyDeletion", map[string]any{"KeyId": id, "PendingWindowInDays": 6}, 400, "ValidationException",
			"Value '6' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7"},
		{"window 31 days", root, "ScheduleKeyDeletion", map[string]any{"KeyId": id, "PendingWindowInDays": 31}, 400, "ValidationException", "less than or equal to 30"},
		{"cancel when not pending", root, "CancelKeyDeletion", map[string]any{"KeyId": id}, 400, "KMSInvalidStateException", arn + " is not pending deletion."},
		{"alias refused", root, "DisableKey", map[string]any{"KeyId": "alias/k"}, 400, "NotFoundException", "Invalid keyId alias/k"},
		{"other account's ARN", rootOf(acctB), "DisableKey", map[string]any{"KeyId": arn}, 400, "NotFoundException", "does not exist"},
	})

	r := mustAPI(t, s, root, "ScheduleKeyDeletion", map[string]any{"KeyId": id})
	wantDate := float64(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC).Add(30 * 24 * time.Hour).Unix())
	if r.str("KeyId") != arn || r.str("KeyState") != "PendingDeletion" || r.body["PendingWindowInDays"] != float64(30) || r.body["DeletionDate"] != wantDate {
		t.Fatalf("ScheduleKeyDeletion: %v", r.body)
	}
	if m := state(); m["KeyState"] != "PendingDeletion" || m["Enabled"] != false || m["DeletionDate"] != wantDate || m["PendingDeletionWindowInDays"] != float64(30) {
		t.Fatalf("pending: %v", m)
	}
	pending := arn + " is pending deletion."
	runErrCases(t, s, []errCase{
		{"encrypt pending", root, "Encrypt", encrypt, 400, "KMSInvalidStateException", pending},
		{"decrypt pending", root, "Decrypt", decrypt, 400, "KMSInvalidStateException", pending},
		{"enable pending", root, "EnableKey", map[string]any{"KeyId": id}, 400, "KMSInvalidStateException", pending},
		{"disable pending", root, "DisableKey", map[string]any{"KeyId": id}, 400, "KMSInvalidStateException", pending},
		{"schedule pending", root, "ScheduleKeyDeletion", map[string]any{"KeyId": id}, 400, "KMSInvalidStateException", pending},
		{"alias to pending", root, "CreateAlias", map[string]any{"AliasName": "alias/k2", "TargetKeyId": id}, 400, "KMSInvalidStateException", pending},
	})
	mustAPI(t, s, root, "DescribeKey", map[string]any{"KeyId": "alias/k"}) // aliases stay
	if got := mustAPI(t, s, root, "CancelKeyDeletion", map[string]any{"KeyId": id}).str("KeyId"); got != arn {
		t.Errorf("CancelKeyDeletion KeyId %q", got)
	}
	if m := state(); m["KeyState"] != "Disabled" || m["DeletionDate"] != nil {
		t.Fatalf("after cancel: %v", m)
	}
}

func TestKeyPolicyOps(t *testing.T) {
	bob := userOf(acctA, "bob")
	ids := fakeIdentities{}
	s := newTestService(t, ids)
	root := rootOf(acctA)
	id := createKey(t, s, root, "", false)
	got := mustAPI(t, s, root, "GetKeyPolicy", map[string]any{"KeyId": id, "PolicyName": "default"})
	if got.str("Policy") != defaultKeyPolicy(acctA) || got.str("PolicyName") != "default" {
		t.Errorf("GetKeyPolicy: %v", got.body)
	}
	if !strings.Contains(got.str("Policy"), `"Sid" : "Enable IAM User Permissions"`) {
		t.Error("default policy wording")
	}
	names := mustAPI(t, s, root, "ListKeyPolicies", map[string]any{"KeyId": id})
	if p, _ := names.body["PolicyNames"].([]any); len(p) != 1 || p[0] != "default" || names.body["Truncated"] != false {
		t.Errorf("ListKeyPolicies: %v", names.body)
	}

	withBob := keyPolicy(stmt("Allow", `{"AWS":"arn:aws:iam::`+acctA+`:root"}`, "kms:*", ""), stmt("Allow", `{"AWS":"`+bob.ARN+`"}`, "kms:Decrypt", ""))
	mustAPI(t, s, root, "PutKeyPolicy", map[string]any{"KeyId": id, "PolicyName": "default", "Policy": withBob})
	if got := mustAPI(t, s, root, "GetKeyPolicy", map[string]any{"KeyId": id}).str("Policy"); got != withBob {
		t.Errorf("policy after put: %s", got)
	}
	bobOnly := keyPolicy(stmt("Allow", `{"AWS":"`+bob.ARN+`"}`, "kms:*", ""))
	runErrCases(t, s, []errCase{
		{"put: malformed", root, "PutKeyPolicy", map[string]any{"KeyId": id, "Policy": `{"Statement":[]}`}, 400, "MalformedPolicyDocumentException", ""},
		{"put: lockout", root, "PutKeyPolicy", map[string]any{"KeyId": id, "Policy": bobOnly}, 400, "MalformedPolicyDocumentException",
			"The new key policy will not allow you to update the key policy in the future."},
		{"put: policy name", root, "PutKeyPolicy", map[string]any{"KeyId": id, "PolicyName": "other", "Policy": withBob}, 400, "NotFoundException", ""},
		{"put: no policy", root, "PutKeyPolicy", map[string]any{"KeyId": id}, 400, "ValidationException", "Value null at 'policy'"},
		{"get: policy name", root, "GetKeyPolicy", map[string]any{"KeyId": id, "PolicyName": "other"}, 400, "NotFoundException", ""},
		{"get: bob may not", bob, "GetKeyPolicy", map[string]any{"KeyId": id}, 400, "AccessDeniedException", "because no identity-based policy allows the kms:GetKeyPolicy action"},
	})
	// Bypassing the check locks root out for good: even GetKeyPolicy.
	mustAPI(t, s, root, "PutKeyPolicy", map[string]any{"KeyId": id, "Policy": bobOnly, "BypassPolicyLockoutSafetyCheck": true})
	runErrCases(t, s, []errCase{
		{"locked out", root, "GetKeyPolicy", map[string]any{"KeyId": id}, 400, "AccessDeniedException", "because no resource-based policy allows the kms:GetKeyPolicy action"},
	})
	mustAPI(t, s, bob, "GetKeyPolicy", map[string]any{"KeyId": id})

	// The AWS managed key's policy cannot be changed, nor the key disabled.
	mk := mustAPI(t, s, root, "DescribeKey", map[string]any{"KeyId": "alias/aws/s3"}).str("KeyMetadata", "KeyId")
	for _, op := range []string{"PutKeyPolicy", "DisableKey", "ScheduleKeyDeletion"} {
		r := api(t, s, root, op, map[string]any{"KeyId": mk, "Policy": defaultKeyPolicy(acctA)})
		if r.code != "AccessDeniedException" {
			t.Errorf("%s on aws/s3: %d %s %s", op, r.status, r.code, r.msg)
		}
	}
	mustAPI(t, s, root, "GetKeyPolicy", map[string]any{"KeyId": mk})
}

func TestAliases(t *testing.T) {
	s := newTestService(t, fakeIdentities{})
	root := rootOf(acctA)
	k1, k2 := createKey(t, s, root, "", false), createKey(t, s, root, "", false)
	for _, a := range []string{"alias/a", "alias/b/c", "alias/x_y-z"} {
		mustAPI(t, s, root, "CreateAlias", map[string]any{"AliasName": a, "TargetKeyId": k1})
	}
	mustAPI(t, s, root, "CreateAlias", map[string]any{"AliasName": "alias/two", "TargetKeyId": "arn:aws:kms:us-east-1:" + acctA + ":key/" + k2})
	aliasARN := "arn:aws:kms:us-east-1:" + acctA + ":alias/a"
	runErrCases(t, s, []errCase{
		{"exists", root, "CreateAlias", map[string]any{"AliasName": "alias/a", "TargetKeyId": k2}, 400, "AlreadyExistsException",
			"An alias with the name " + aliasARN + " already exists"},
		{"no prefix", root, "CreateAlias", map[string]any{"AliasName": "a", "TargetKeyId": k1}, 400, "ValidationException", `Alias must start with the prefix "alias/"`},
		{"colon", root, "CreateAlias", map[string]any{"AliasName": "alias/a:b", "TargetKeyId": k1}, 400, "ValidationException", "alias/a:b contains invalid characters for an alias"},
		{"bad characters", root, "CreateAlias", map[string]any{"AliasName": "alias/a.b", "TargetKeyId": k1}, 400, "ValidationException", "regular expression pattern"},
		{"reserved", root, "CreateAlias", map[string]any{"AliasName": "alias/aws/mine", "TargetKeyId": k1}, 400, "InvalidAliasNameException", "alias/aws/"},
		{"unknown target", root, "CreateAlias", map[string]any{"AliasName": "alias/n", "TargetKeyId": "1234abcd-12ab-44cd-96ef-1234567890ab"}, 400, "NotFoundException", "does not exist"},
		{"alias as target", root, "CreateAlias", map[string]any{"AliasName": "alias/n", "TargetKeyId": "alias/a"}, 400, "NotFoundException", "Invalid keyId alias/a"},
		{"no target", root, "CreateAlias", map[string]any{"AliasName": "alias/n"}, 400, "ValidationException", "Value null at 'targetKeyId'"},
		{"delete unknown", root, "DeleteAlias", map[string]any{"AliasName": "alias/nope"}, 400, "NotFoundException",
			"Alias arn:aws:kms:us-east-1:" + acctA + ":alias/nope is not found."},
		{"user may not create", userOf(acctA, "bob"), "CreateAlias", map[string]any{"AliasName": "alias/n", "TargetKeyId": k1}, 400, "AccessDeniedException",
			"kms:CreateAlias on resource: arn:aws:kms:us-east-1:" + acctA + ":alias/n"},
	})

	list := func(body map[string]any) []string {
		r := mustAPI(t, s, root, "ListAliases", body)
		var out []string
		for _, a := range r.body["Aliases"].([]any) {
			out = append(out, a.(map[string]any)["AliasName"].(string))
		}
		return out
	}
	if got := strings.Join(list(nil), ","); got != "alias/a,alias/b/c,alias/two,alias/x_y-z" {
		t.Errorf("ListAliases: %s", got)
	}
	if got := strings.Join(list(map[string]any{"KeyId": k2}), ","); got != "alias/two" {
		t.Errorf("ListAliases KeyId: %s", got)
	}
	p1 := mustAPI(t, s, root, "ListAliases", map[string]any{"Limit": 3})
	if p1.body["Truncated"] != true {
		t.Fatalf("page 1: %v", p1.body)
	}
	p2 := mustAPI(t, s, root, "ListAliases", map[string]any{"Limit": 3, "Marker": p1.str("NextMarker")})
	if a := p2.body["Aliases"].([]any); len(a) != 1 || a[0].(map[string]any)["AliasName"] != "alias/x_y-z" || p2.body["Truncated"] != false {
		t.Fatalf("page 2: %v", p2.body)
	}
	e := p1.body["Aliases"].([]any)[0].(map[string]any)
	if e["AliasArn"] != aliasARN || e["TargetKeyId"] != k1 || e["CreationDate"] == nil || e["LastUpdatedDate"] == nil {
		t.Errorf("entry %v", e)
	}
	mustAPI(t, s, root, "DeleteAlias", map[string]any{"AliasName": "alias/a"})
	if got := strings.Join(list(map[string]any{"KeyId": k1}), ","); got != "alias/b/c,alias/x_y-z" {
		t.Errorf("after delete: %s", got)
	}
	// alias/aws/s3 belongs to AWS: it cannot be deleted.
	mustAPI(t, s, root, "DescribeKey", map[string]any{"KeyId": "alias/aws/s3"})
	if r := api(t, s, root, "DeleteAlias", map[string]any{"AliasName": "alias/aws/s3"}); r.code != "AccessDeniedException" {
		t.Errorf("DeleteAlias alias/aws/s3: %s %s", r.code, r.msg)
	}
}

func TestEncryptDecrypt(t *testing.T) {
	s := newTestService(t, fakeIdentities{})
	root := rootOf(acctA)
	k1, k2 := createKey(t, s, root, "", false), createKey(t, s, root, "", false)
	mustAPI(t, s, root, "CreateAlias", map[string]any{"AliasName": "alias/one", "TargetKeyId": k1})
	arn1 := "arn:aws:kms:us-east-1:" + acctA + ":key/" + k1
	ec := map[string]string{"purpose": "test", "aws:s3:arn": "arn:aws:s3:::b/k"}
	r := mustAPI(t, s, root, "Encrypt", map[string]any{"KeyId": "alias/one", "Plaintext": b64([]byte("hello")), "EncryptionContext": ec})
	if r.str("KeyId") != arn1 || r.str("EncryptionAlgorithm") != "SYMMETRIC_DEFAULT" {
		t.Errorf("Encrypt: %v", r.body)
	}
	ct := r.str("CiphertextBlob")
	d := mustAPI(t, s, root, "Decrypt", map[string]any{"CiphertextBlob": ct, "EncryptionContext": ec})
	if d.str("Plaintext") != b64([]byte("hello")) || d.str("KeyId") != arn1 {
		t.Errorf("Decrypt: %v", d.body)
	}
	mustAPI(t, s, root, "Decrypt", map[string]any{"CiphertextBlob": ct, "EncryptionContext": ec, "KeyId": "alias/one"})
	mustAPI(t, s, root, "Decrypt", map[string]any{"CiphertextBlob": ct, "EncryptionContext": ec, "KeyId": arn1})

	raw, _ := base64.StdEncoding.DecodeString(ct)
	tampered := bytes.Clone(raw)
	tampered[len(tampered)-1] ^= 1
	runErrCases(t, s, []errCase{
		{"wrong context", root, "Decrypt", map[string]any{"CiphertextBlob": ct, "EncryptionContext": map[string]string{"purpose": "test"}}, 400, "InvalidCiphertextException", "-"},
		{"no context", root, "Decrypt", map[string]any{"CiphertextBlob": ct}, 400, "InvalidCiphertextException", "-"},
		{"tampered", root, "Decrypt", map[string]any{"CiphertextBlob": b64(tampered), "EncryptionContext": ec}, 400, "InvalidCiphertextException", "-"},
		{"garbage", root, "Decrypt", map[string]any{"CiphertextBlob": b64([]byte("not a blob at all, really not one"))}, 400, "InvalidCiphertextException", "-"},
		{"other key id", root, "Decrypt", map[string]any{"CiphertextBlob": ct, "EncryptionContext": ec, "KeyId": k2}, 400, "IncorrectKeyException",
			"The key ID in the request does not identify a CMK that can perform this operation."},
		{"no blob", root, "Decrypt", nil, 400, "ValidationException", "Value null at 'ciphertextBlob'"},
		{"empty plaintext", root, "Encrypt", map[string]any{"KeyId": k1, "Plaintext": ""}, 400, "ValidationException",
			"Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"plaintext too long", root, "Encrypt", map[string]any{"KeyId": k1, "Plaintext": b64(make([]byte, 4097))}, 400, "ValidationException", "less than or equal to 4096"},
		{"no plaintext", root, "Encrypt", map[string]any{"KeyId": k1}, 400, "ValidationException", "Value null at 'plaintext'"},
		{"asymmetric algorithm", root, "Encrypt", map[string]any{"KeyId": k1, "Plaintext": b64([]byte("x")), "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}, 400, "InvalidKeyUsageException", ""},
		{"unknown algorithm", root, "Encrypt", map[string]any{"KeyId": k1, "Plaintext": b64([]byte("x")), "EncryptionAlgorithm": "ROT13"}, 400, "ValidationException", "encryptionAlgorithm"},
		{"dry run", root, "Encrypt", map[string]any{"KeyId": k1, "Plaintext": b64([]byte("x")), "DryRun": true}, 412, "DryRunOperationException", ""},
		{"unknown key", root, "Encrypt", map[string]any{"KeyId": "alias/nope", "Plaintext": b64([]byte("x"))}, 400, "NotFoundException", "is not found."},
	})

	// Data keys.
	dk := mustAPI(t, s, root, "GenerateDataKey", map[string]any{"KeyId": k1, "KeySpec": "AES_256", "EncryptionContext": ec})
	pt, _ := base64.StdEncoding.DecodeString(dk.str("Plaintext"))
	if len(pt) != 32 || dk.str("KeyId") != arn1 {
		t.Fatalf("GenerateDataKey: %v", dk.body)
	}
	if got := mustAPI(t, s, root, "Decrypt", map[string]any{"CiphertextBlob": dk.str("CiphertextBlob"), "EncryptionContext": ec}).str("Plaintext"); got != dk.str("Plaintext") {
		t.Error("data key does not decrypt to itself")
	}
	for spec, n := range map[string]int{"AES_128": 16} {
		dk := mustAPI(t, s, root, "GenerateDataKey", map[string]any{"KeyId": k1, "KeySpec": spec})
		if b, _ := base64.StdEncoding.DecodeString(dk.str("Plaintext")); len(b) != n {
			t.Errorf("%s: %d bytes", spec, len(b))
		}
	}
	dk = mustAPI(t, s, root, "GenerateDataKey", map[string]any{"KeyId": k1, "NumberOfBytes": 1024})
	if b, _ := base64.StdEncoding.DecodeString(dk.str("Plaintext")); len(b) != 1024 {
		t.Errorf("NumberOfBytes 1024: %d bytes", len(b))
	}
	wp := mustAPI(t, s, root, "GenerateDataKeyWithoutPlaintext", map[string]any{"KeyId": "alias/one", "KeySpec": "AES_256", "EncryptionContext": ec})
	if _, ok := wp.body["Plaintext"]; ok || wp.str("CiphertextBlob") == "" || wp.str("KeyId") != arn1 {
		t.Errorf("GenerateDataKeyWithoutPlaintext: %v", wp.body)
	}
	mustAPI(t, s, root, "Decrypt", map[string]any{"CiphertextBlob": wp.str("CiphertextBlob"), "EncryptionContext": ec})
	runErrCases(t, s, []errCase{
		{"neither size", root, "GenerateDataKey", map[string]any{"KeyId": k1}, 400, "ValidationException", "Please specify either number of bytes or key spec."},
		{"both sizes", root, "GenerateDataKey", map[string]any{"KeyId": k1, "KeySpec": "AES_256", "NumberOfBytes": 32}, 400, "ValidationException", "Please specify either"},
		{"too many bytes", root, "GenerateDataKey", map[string]any{"KeyId": k1, "NumberOfBytes": 1025}, 400, "ValidationException", "less than or equal to 1024"},
		{"bad spec", root, "GenerateDataKeyWithoutPlaintext", map[string]any{"KeyId": k1, "KeySpec": "AES_512"}, 400, "ValidationException", "enum value set: [AES_256, AES_128]"},
	})

	// ReEncrypt moves a ciphertext to another key and context.
	ec2 := map[string]string{"new": "ctx"}
	re := mustAPI(t, s, root, "ReEncrypt", map[string]any{"CiphertextBlob": ct, "SourceEncryptionContext": ec,
		"DestinationKeyId": k2, "DestinationEncryptionContext": ec2})
	if re.str("SourceKeyId") != arn1 || re.str("KeyId") != "arn:aws:kms:us-east-1:"+acctA+":key/"+k2 {
		t.Errorf("ReEncrypt: %v", re.body)
	}
	if got := mustAPI(t, s, root, "Decrypt", map[string]any{"CiphertextBlob": re.str("CiphertextBlob"), "EncryptionContext": ec2}).str("Plaintext"); got != b64([]byte("hello")) {
		t.Errorf("after ReEncrypt: %q", got)
	}
	runErrCases(t, s, []errCase{
		{"reencrypt: wrong source key", root, "ReEncrypt", map[string]any{"CiphertextBlob": ct, "SourceEncryptionContext": ec, "SourceKeyId": k2, "DestinationKeyId": k2}, 400, "IncorrectKeyException", ""},
		{"reencrypt: wrong source context", root, "ReEncrypt", map[string]any{"CiphertextBlob": ct, "DestinationKeyId": k2}, 400, "InvalidCiphertextException", "-"},
		{"reencrypt: no destination", root, "ReEncrypt", map[string]any{"CiphertextBlob": ct}, 400, "ValidationException", "destinationKeyId"},
	})
}

func TestGrants(t *testing.T) {
	bob := userOf(acctA, "bob")
	s := newTestService(t, fakeIdentities{})
	root := rootOf(acctA)
	id := createKey(t, s, root, "", false)
	ct := mustAPI(t, s, root, "Encrypt", map[string]any{"KeyId": id, "Plaintext": b64([]byte("x")), "EncryptionContext": map[string]string{"dept": "eng"}}).str("CiphertextBlob")
	decrypt := map[string]any{"CiphertextBlob": ct, "EncryptionContext": map[string]string{"dept": "eng"}}
	if r := api(t, s, bob, "Decrypt", decrypt); r.code != "AccessDeniedException" {
		t.Fatalf("bob before the grant: %s", r.code)
	}
	grant := map[string]any{"KeyId": id, "GranteePrincipal": bob.ARN, "Operations": []string{"Decrypt"}, "Name": "bob-decrypt",
		"Constraints": map[string]any{"EncryptionContextSubset": map[string]string{"dept": "eng"}}}
	g := mustAPI(t, s, root, "CreateGrant", grant)
	gid := g.str("GrantId")
	if len(gid) != 64 || g.str("GrantToken") == "" {
		t.Fatalf("CreateGrant: %v", g.body)
	}
	if again := mustAPI(t, s, root, "CreateGrant", grant); again.str("GrantId") != gid {
		t.Error("CreateGrant with the same name and parameters made a second grant")
	}
	mustAPI(t, s, bob, "Decrypt", decrypt)
	if r := api(t, s, bob, "Encrypt", map[string]any{"KeyId": id, "Plaintext": b64([]byte("x")), "EncryptionContext": map[string]string{"dept": "eng"}}); r.code != "AccessDeniedException" {
		t.Errorf("grant allowed an operation it does not list: %s", r.code)
	}
	lg := mustAPI(t, s, root, "ListGrants", map[string]any{"KeyId": id})
	grants := lg.body["Grants"].([]any)
	if len(grants) != 1 {
		t.Fatalf("ListGrants: %v", lg.body)
	}
	e := grants[0].(map[string]any)
	if e["GrantId"] != gid || e["GranteePrincipal"] != bob.ARN || e["Name"] != "bob-decrypt" || e["IssuingAccount"] != "arn:aws:iam::"+acctA+":root" ||
		e["KeyId"] != "arn:aws:kms:us-east-1:"+acctA+":key/"+id || e["Constraints"] == nil {
		t.Errorf("grant entry: %v", e)
	}
	if n := len(mustAPI(t, s, root, "ListGrants", map[string]any{"KeyId": id, "GranteePrincipal": "someone"}).body["Grants"].([]any)); n != 0 {
		t.Errorf("GranteePrincipal filter: %d grants", n)
	}
	runErrCases(t, s, []errCase{
		{"asymmetric operation", root, "CreateGrant", map[string]any{"KeyId": id, "GranteePrincipal": bob.ARN, "Operations": []string{"Sign"}}, 400, "ValidationException", "Sign"},
		{"unknown operation", root, "CreateGrant", map[string]any{"KeyId": id, "GranteePrincipal": bob.ARN, "Operations": []string{"Dance"}}, 400, "ValidationException", "enum value set"},
		{"no grantee", root, "CreateGrant", map[string]any{"KeyId": id, "Operations": []string{"Decrypt"}}, 400, "ValidationException", "granteePrincipal"},
		{"bob may not list", bob, "ListGrants", map[string]any{"KeyId": id}, 400, "AccessDeniedException", "kms:ListGrants"},
		{"revoke unknown", root, "RevokeGrant", map[string]any{"KeyId": id, "GrantId": strings.Repeat("0", 64)}, 400, "NotFoundException", ""},
		{"revoke malformed", root, "RevokeGrant", map[string]any{"KeyId": id, "GrantId": "zz"}, 400, "InvalidGrantIdException", ""},
	})
	mustAPI(t, s, root, "RevokeGrant", map[string]any{"KeyId": id, "GrantId": gid})
	if r := api(t, s, bob, "Decrypt", decrypt); r.code != "AccessDeniedException" {
		t.Errorf("bob after the revocation: %s", r.code)
	}
}
