package kms

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
)

// addKey stores a key of account with the given policy document (the
// default policy when "") and grants, bypassing the API.
func addKey(t *testing.T, s *Service, account, doc string, grants ...Grant) *KeyInfo {
	t.Helper()
	if doc == "" {
		doc = defaultKeyPolicy(account)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.newKeyRec(account, s.now())
	if err != nil {
		t.Fatal(err)
	}
	k.policyDoc = doc
	if k.policy, err = policy.Parse([]byte(doc), policy.KeyPolicy); err != nil {
		t.Fatalf("key policy: %v", err)
	}
	k.grants = grants
	s.addKeyLocked(k)
	return k.info()
}

const (
	allowKMS      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`
	allowDecrypt  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`
	denyDecryptID = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}]}`
)

func keyPolicy(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

func stmt(effect, principal, action, cond string) string {
	s := `{"Sid":"` + effect + ` ` + action + `","Effect":"` + effect + `","Principal":` + principal + `,"Action":"` + action + `","Resource":"*"`
	if cond != "" {
		s += `,"Condition":` + cond
	}
	return s + "}"
}

func TestAuthorize(t *testing.T) {
	alice, bob := userOf(acctA, "alice"), userOf(acctA, "bob")
	carol := userOf(acctB, "carol") // another account
	app := sessionOf(acctA, "app", "s1")
	ids := fakeIdentities{}
	ids.attach(t, alice, "kms-all", allowKMS)
	ids.attach(t, carol, "decrypt", allowDecrypt)
	ids.attach(t, app, "decrypt", allowDecrypt)
	s := newTestService(t, ids)

	rootA := `{"AWS":"arn:aws:iam::` + acctA + `:root"}`
	rootB := `{"AWS":"` + acctB + `"}`
	distARN := "arn:aws:cloudfront::" + acctA + ":distribution/EDFDVBD6EXAMPLE"
	oac := stmt("Allow", `{"Service":"cloudfront.amazonaws.com"}`, "kms:Decrypt", `{"StringEquals":{"AWS:SourceArn":"`+distARN+`"}}`)

	def := addKey(t, s, acctA, "")
	bobOnly := addKey(t, s, acctA, keyPolicy(stmt("Allow", `{"AWS":"`+bob.ARN+`"}`, "kms:*", "")))
	denyAll := addKey(t, s, acctA, keyPolicy(stmt("Allow", rootA, "kms:*", ""), stmt("Deny", `"*"`, "kms:Decrypt", "")))
	crossB := addKey(t, s, acctA, keyPolicy(stmt("Allow", rootA, "kms:*", ""), stmt("Allow", rootB, "kms:Decrypt", "")))
	carolDirect := addKey(t, s, acctA, keyPolicy(stmt("Allow", `{"AWS":"`+carol.ARN+`"}`, "kms:Decrypt", "")))
	roleKey := addKey(t, s, acctA, keyPolicy(stmt("Allow", `{"AWS":"`+app.RoleARN+`"}`, "kms:Decrypt", "")))
	oacKey := addKey(t, s, acctA, keyPolicy(stmt("Allow", rootA, "kms:*", ""), oac))
	grantKey := addKey(t, s, acctA, keyPolicy(stmt("Allow", `{"AWS":"`+bob.ARN+`"}`, "kms:*", "")),
		Grant{ID: "g-user", Grantee: alice.ARN, Operations: []string{"Decrypt"}, EncryptionContextSubset: map[string]string{"dept": "eng"}},
		Grant{ID: "g-svc", Grantee: "cloudfront.amazonaws.com", Operations: []string{"Encrypt"}},
		Grant{ID: "g-acct", Grantee: "arn:aws:iam::" + acctB + ":root", Operations: []string{"GenerateDataKey"}})
	managed, err := s.GetOrCreateManagedKey(acctA, "s3")
	if err != nil {
		t.Fatal(err)
	}

	type tc struct {
		name   string
		caller identity.Principal
		action string
		key    *KeyInfo
		keys   map[string]string // extra condition keys
		ec     map[string]string
		allow  bool
		reason Reason
		msg    string // substring of the AccessDeniedException message
	}
	via := map[string]string{"kms:ViaService": "s3.us-east-1.amazonaws.com"}
	cases := []tc{
		{"default policy: root", rootOf(acctA), "kms:Decrypt", def, nil, nil, true, ReasonKeyPolicy, ""},
		{"default policy delegates: user with identity allow", alice, "kms:Decrypt", def, nil, nil, true, ReasonIdentityPolicy, ""},
		{"default policy delegates: user without identity policy", bob, "kms:Decrypt", def, nil, nil, false, ReasonNoIdentityPolicyAllow,
			"because no identity-based policy allows the kms:Decrypt action"},
		{"key policy names the user", bob, "kms:Encrypt", bobOnly, nil, nil, true, ReasonKeyPolicy, ""},
		{"no delegation: identity allow ignored", alice, "kms:Decrypt", bobOnly, nil, nil, false, ReasonNoKeyPolicyAllow,
			"because no resource-based policy allows the kms:Decrypt action"},
		{"no delegation: root not named", rootOf(acctA), "kms:Decrypt", bobOnly, nil, nil, false, ReasonNoKeyPolicyAllow, "resource-based"},
		{"explicit deny in key policy beats root", rootOf(acctA), "kms:Decrypt", denyAll, nil, nil, false, ReasonExplicitDenyKeyPolicy,
			"with an explicit deny in a resource-based policy"},
		{"explicit deny in key policy beats identity", alice, "kms:Decrypt", denyAll, nil, nil, false, ReasonExplicitDenyKeyPolicy, ""},
		{"deny only for Decrypt", alice, "kms:Encrypt", denyAll, nil, nil, true, ReasonIdentityPolicy, ""},
		{"role named: its session", app, "kms:Decrypt", roleKey, nil, nil, true, ReasonKeyPolicy, ""},
		{"role session via delegation", app, "kms:Decrypt", def, nil, nil, true, ReasonIdentityPolicy, ""},
		{"role session: action its policy lacks", app, "kms:Encrypt", def, nil, nil, false, ReasonNoIdentityPolicyAllow, ""},
		{"cross account: delegated to B, identity allows", carol, "kms:Decrypt", crossB, nil, nil, true, ReasonIdentityPolicy, ""},
		{"cross account: delegated to B, identity lacks action", carol, "kms:Encrypt", crossB, nil, nil, false, ReasonCrossAccountNoKeyPolicyAllow, ""},
		{"cross account: key policy silent", carol, "kms:Decrypt", def, nil, nil, false, ReasonCrossAccountNoKeyPolicyAllow, ""},
		{"cross account: root of B, delegated", rootOf(acctB), "kms:Decrypt", crossB, nil, nil, true, ReasonKeyPolicy, ""},
		{"cross account: user named, identity allows", carol, "kms:Decrypt", carolDirect, nil, nil, true, ReasonKeyPolicy, ""},
		{"cross account: both sides needed", userOf(acctB, "dave"), "kms:Decrypt", crossB, nil, nil, false, ReasonCrossAccountNoIdentityAllow, ""},
		{"cloudfront OAC: matching SourceArn", cloudfront, "kms:Decrypt", oacKey, map[string]string{"aws:SourceArn": distARN}, nil, true, ReasonKeyPolicy, ""},
		{"cloudfront OAC: other distribution", cloudfront, "kms:Decrypt", oacKey, map[string]string{"aws:SourceArn": distARN + "X"}, nil, false, ReasonNoKeyPolicyAllow, ""},
		{"cloudfront OAC: no SourceArn", cloudfront, "kms:Decrypt", oacKey, nil, nil, false, ReasonNoKeyPolicyAllow, ""},
		{"cloudfront: key policy without it", cloudfront, "kms:Decrypt", def, map[string]string{"aws:SourceArn": distARN}, nil, false, ReasonNoKeyPolicyAllow, ""},
		{"grant: grantee and constraint", alice, "kms:Decrypt", grantKey, nil, map[string]string{"dept": "eng", "x": "y"}, true, ReasonGrant, ""},
		{"grant: constraint not met", alice, "kms:Decrypt", grantKey, nil, map[string]string{"dept": "ops"}, false, ReasonNoKeyPolicyAllow, ""},
		{"grant: operation not granted", alice, "kms:Encrypt", grantKey, nil, map[string]string{"dept": "eng"}, false, ReasonNoKeyPolicyAllow, ""},
		{"grant: service principal grantee", cloudfront, "kms:Encrypt", grantKey, nil, nil, true, ReasonGrant, ""},
		{"grant to an account: needs identity allow", userOf(acctB, "dave"), "kms:GenerateDataKey", grantKey, nil, nil, false, ReasonCrossAccountNoKeyPolicyAllow, ""},
		{"grant to an account: root of it", rootOf(acctB), "kms:GenerateDataKey", grantKey, nil, nil, true, ReasonGrant, ""},
		{"anonymous", identity.AnonymousPrincipal, "kms:Decrypt", def, nil, nil, false, ReasonAnonymous, ""},
		{"aws/s3: user through S3", bob, "kms:Decrypt", managed, via, nil, true, ReasonKeyPolicy, ""},
		{"aws/s3: user directly", bob, "kms:Decrypt", managed, nil, nil, false, ReasonNoKeyPolicyAllow, ""},
		{"aws/s3: root may describe directly", rootOf(acctA), "kms:DescribeKey", managed, nil, nil, true, ReasonKeyPolicy, ""},
		{"aws/s3: root may not change the policy", rootOf(acctA), "kms:PutKeyPolicy", managed, nil, nil, false, ReasonNoKeyPolicyAllow, ""},
		{"aws/s3: other account through S3", carol, "kms:Decrypt", managed, via, nil, false, ReasonCrossAccountNoKeyPolicyAllow, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := NewContext(nil)
			if c.caller.Account != "" {
				ctx.Set("kms:CallerAccount", c.caller.Account)
			}
			for k, v := range c.keys {
				ctx.Set(k, v)
			}
			m := policy.MapContext{}
			principalKeys(m, c.caller)
			ctx.base = m
			ctx.SetEncryptionContext(c.ec)
			d := s.Authorize(c.caller, c.action, c.key, ctx, nil)
			var tr Trace
			d2 := s.Authorize(c.caller, c.action, c.key, ctx, &tr)
			if d != d2 || tr.Decision != d {
				t.Fatalf("traced decision %+v differs from %+v", d2, d)
			}
			if d.Allowed != c.allow || d.Reason != c.reason {
				t.Fatalf("got %+v, want allowed=%v reason=%s\n%s", d, c.allow, c.reason, tr.String())
			}
			if !d.Allowed {
				e := &AccessDeniedError{Principal: c.caller.ARN, Action: c.action, Resource: c.key.ARN, Decision: d, Trace: &tr}
				msg := e.APIError().Message
				if !strings.HasPrefix(msg, "User: "+c.caller.ARN+" is not authorized to perform: "+c.action+" on resource: "+c.key.ARN) {
					t.Errorf("message %q", msg)
				}
				if c.msg != "" && !strings.Contains(msg, c.msg) {
					t.Errorf("message %q lacks %q", msg, c.msg)
				}
				if e.APIError().Code != "AccessDeniedException" || e.APIError().Status != 400 {
					t.Errorf("error %v", e.APIError())
				}
			}
			if !strings.Contains(tr.String(), c.key.ARN) {
				t.Errorf("trace does not name the key:\n%s", tr.String())
			}
		})
	}
}

// TestAuthorizeTrace checks what explain will read: the key policy's
// statements, the delegation check and the identity policies.
func TestAuthorizeTrace(t *testing.T) {
	bob := userOf(acctA, "bob")
	ids := fakeIdentities{}
	ids.attach(t, bob, "deny-decrypt", denyDecryptID)
	s := newTestService(t, ids)
	key := addKey(t, s, acctA, "")
	ctx := NewContext(nil)
	var tr Trace
	d := s.Authorize(bob, "kms:Decrypt", key, ctx, &tr)
	if d.Allowed || d.Reason != ReasonExplicitDenyIdentityPolicy || d.By != "inline:deny-decrypt" {
		t.Fatalf("decision %+v", d)
	}
	if !tr.DelegationChecked || !tr.Delegated {
		t.Errorf("delegation not recorded: %+v", tr)
	}
	if tr.KeyPolicy.Decision != policy.ImplicitDeny || len(tr.KeyPolicy.Statements) != 1 {
		t.Errorf("key policy trace %+v", tr.KeyPolicy)
	}
	if tr.Delegation.Deciding != 0 || tr.Delegation.Statements[0].Sid != "Enable IAM User Permissions" {
		t.Errorf("delegation trace %+v", tr.Delegation)
	}
	if len(tr.Identity) != 1 || tr.Identity[0].Trace.Decision != policy.ExplicitDeny {
		t.Errorf("identity steps %+v", tr.Identity)
	}
	out := tr.String()
	for _, want := range []string{"denied (ExplicitDenyIdentityPolicy", "Enable IAM User Permissions", "delegates", "inline:deny-decrypt"} {
		if !strings.Contains(out, want) {
			t.Errorf("trace lacks %q:\n%s", want, out)
		}
	}
}

func TestAuthorizeDoesNotAllocateWithoutTrace(t *testing.T) {
	alice := userOf(acctA, "alice")
	ids := fakeIdentities{}
	ids.attach(t, alice, "kms-all", allowKMS)
	s := newTestService(t, ids)
	key := addKey(t, s, acctA, "")
	ctx := NewContext(policy.MapContext{"aws:principalarn": {alice.ARN}})
	n := testing.AllocsPerRun(100, func() {
		if !s.Authorize(alice, "kms:Decrypt", key, ctx, nil).Allowed {
			t.Fatal("denied")
		}
	})
	if n > 0 {
		t.Errorf("Authorize allocates %.0f times per call", n)
	}
}
