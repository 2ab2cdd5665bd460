package authz

import (
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/s3/access"
)

// ---- RequestContext --------------------------------------------------------

func TestKeyNames(t *testing.T) {
	seen := map[string]Key{}
	for k := Key(0); k < numKeys; k++ {
		name := k.Name()
		if name == "" {
			t.Errorf("key %d has no name", k)
			continue
		}
		if name != strings.ToLower(name) {
			t.Errorf("key %d name %q is not lowercase", k, name)
		}
		if !strings.HasPrefix(name, "aws:") && !strings.HasPrefix(name, "s3:") {
			t.Errorf("key %d name %q is neither aws: nor s3:", k, name)
		}
		if prev, dup := seen[name]; dup {
			t.Errorf("keys %d and %d share the name %q", prev, k, name)
		}
		seen[name] = k
		// Policies write key names in any case.
		for _, spelled := range []string{name, strings.ToUpper(name), strings.ToUpper(name[:1]) + name[1:]} {
			if got, ok := LookupKey(spelled); !ok || got != k {
				t.Errorf("LookupKey(%q) = %d, %v; want %d", spelled, got, ok, k)
			}
		}
	}
	for _, name := range []string{"", "aws:currenttime", "aws:principalorgid", "s3:prefixx", "sourceip"} {
		if k, ok := LookupKey(name); ok {
			t.Errorf("LookupKey(%q) = %d, want not found", name, k)
		}
	}
}

func TestRequestContextValues(t *testing.T) {
	for k := Key(0); k < numKeys; k++ {
		name := k.Name()
		t.Run(name, func(t *testing.T) {
			var c RequestContext
			if v, ok := c.Values(name); ok || v != nil {
				t.Fatalf("unset key: Values = %q, %v; want absent", v, ok)
			}
			if _, ok := c.Get(k); ok {
				t.Fatalf("unset key: Get reports present")
			}
			want := "value-of-" + name
			c.Set(k, want)
			v, ok := c.Values(name)
			if !ok || len(v) != 1 || v[0] != want {
				t.Fatalf("Values(%q) = %q, %v; want [%q], true", name, v, ok, want)
			}
			if g, ok := c.Get(k); !ok || g != want {
				t.Fatalf("Get = %q, %v", g, ok)
			}
			// Setting one key leaves every other fixed key absent.
			for o := Key(0); o < numKeys; o++ {
				if o == k {
					continue
				}
				if _, ok := c.Values(o.Name()); ok {
					t.Errorf("setting %s made %s present", name, o.Name())
				}
			}
			// A present empty value is present (e.g. s3:prefix=""), unlike
			// an absent key.
			c.Set(k, "")
			if v, ok := c.Values(name); !ok || len(v) != 1 || v[0] != "" {
				t.Errorf("empty value: Values = %q, %v; want [\"\"], true", v, ok)
			}
		})
	}
}

func TestRequestContextSetBool(t *testing.T) {
	var c RequestContext
	c.SetBool(KeySecureTransport, true)
	c.SetBool(KeyPrincipalIsAWSService, false)
	for key, want := range map[string]string{"aws:securetransport": "true", "aws:principalisawsservice": "false"} {
		if v, ok := c.Values(key); !ok || len(v) != 1 || v[0] != want {
			t.Errorf("Values(%q) = %q, %v; want [%q]", key, v, ok, want)
		}
	}
}

func TestRequestContextExtra(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(c *RequestContext)
		key    string
		want   []string
		absent bool
	}{
		{"extra key outside the fixed set",
			func(c *RequestContext) { c.SetExtra("aws:PrincipalOrgID", "o-a1b2c3d4e5") },
			"aws:principalorgid", []string{"o-a1b2c3d4e5"}, false},
		{"extra name lowercased",
			func(c *RequestContext) { c.SetExtra("AWS:PrincipalTag/Team", "blue") },
			"aws:principaltag/team", []string{"blue"}, false},
		{"extra overrides a fixed key set before",
			func(c *RequestContext) {
				c.Set(KeySourceARN, "arn:aws:cloudfront::111122223333:distribution/E1")
				c.SetExtra("aws:SourceArn", "arn:aws:cloudfront::111122223333:distribution/E2")
			},
			"aws:sourcearn", []string{"arn:aws:cloudfront::111122223333:distribution/E2"}, false},
		{"extra overrides a fixed key set after",
			func(c *RequestContext) {
				c.SetExtra("aws:SourceIp", "192.0.2.1")
				c.Set(KeySourceIP, "203.0.113.9")
			},
			"aws:sourceip", []string{"192.0.2.1"}, false},
		{"extra gives a fixed key several values",
			func(c *RequestContext) { c.SetExtra("s3:prefix", "a/", "b/") },
			"s3:prefix", []string{"a/", "b/"}, false},
		{"extra with no values removes a fixed key",
			func(c *RequestContext) {
				c.Set(KeySourceVpce, "vpce-1a2b3c4d")
				c.SetExtra("aws:SourceVpce")
			},
			"aws:sourcevpce", nil, true},
		{"extra overrides aws:CurrentTime",
			func(c *RequestContext) {
				c.Time = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
				c.SetExtra("aws:CurrentTime", "2030-06-01T00:00:00Z")
			},
			"aws:currenttime", []string{"2030-06-01T00:00:00Z"}, false},
		{"extra replaced by a later SetExtra",
			func(c *RequestContext) {
				c.SetExtra("aws:Referer", "https://a.example/")
				c.SetExtra("AWS:REFERER", "https://b.example/")
			},
			"aws:referer", []string{"https://b.example/"}, false},
		{"other fixed keys unaffected by extra",
			func(c *RequestContext) {
				c.Set(KeyUserAgent, "curl/8")
				c.SetExtra("aws:Referer", "https://a.example/")
			},
			"aws:useragent", []string{"curl/8"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c RequestContext
			tt.setup(&c)
			v, ok := c.Values(tt.key)
			if tt.absent {
				if ok {
					t.Fatalf("Values(%q) = %q, present; want absent", tt.key, v)
				}
				return
			}
			if !ok || strings.Join(v, "|") != strings.Join(tt.want, "|") || len(v) != len(tt.want) {
				t.Fatalf("Values(%q) = %q, %v; want %q", tt.key, v, ok, tt.want)
			}
		})
	}
}

func TestRequestContextTime(t *testing.T) {
	var c RequestContext
	for _, key := range []string{"aws:currenttime", "aws:epochtime"} {
		if v, ok := c.Values(key); ok {
			t.Errorf("zero Time: Values(%q) = %q, want absent", key, v)
		}
	}
	// A time in another zone is rendered in UTC (ISO 8601, "Z").
	c.Time = time.Date(2025, 3, 14, 16, 9, 26, 999_000_000, time.FixedZone("CET", 3600))
	check := func(key, want string) {
		t.Helper()
		if v, ok := c.Values(key); !ok || len(v) != 1 || v[0] != want {
			t.Errorf("Values(%q) = %q, %v; want [%q]", key, v, ok, want)
		}
	}
	check("aws:currenttime", "2025-03-14T15:09:26Z")
	check("aws:epochtime", "1741964966")
	// Asked again: the same (cached) answer.
	check("aws:currenttime", "2025-03-14T15:09:26Z")
	// A context reused with a new Time answers with the new time.
	c.Time = time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC)
	check("aws:epochtime", "1798761599")
	check("aws:currenttime", "2026-12-31T23:59:59Z")
	// A copy taken after formatting, given a new Time, follows its own Time.
	d := c
	d.Time = time.Unix(0, 0)
	if v, _ := d.Values("aws:epochtime"); len(v) != 1 || v[0] != "0" {
		t.Errorf("copy: aws:epochtime = %q, want [0]", v)
	}
	if v, _ := c.Values("aws:epochtime"); len(v) != 1 || v[0] != "1798761599" {
		t.Errorf("original after copy: aws:epochtime = %q", v)
	}
	// Time keys are not in the fixed set: LookupKey does not know them,
	// but policies comparing dates see them.
	p := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Sid":"Until2027","Effect":"Allow","Principal":"*",
		"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",
		"Condition":{"DateLessThan":{"aws:CurrentTime":"2027-01-01T00:00:00Z"},"NumericLessThan":{"aws:EpochTime":"1800000000"}}}]}`,
		policy.BucketPolicy)
	req := &policy.Request{Principal: policy.Principal{Anonymous: true}, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: &c}
	if d := p.Evaluate(req, nil); d != policy.Allow {
		t.Errorf("date conditions with the 2026 time: %v, want Allow", d)
	}
	c.Time = time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	if d := p.Evaluate(req, nil); d != policy.ImplicitDeny {
		t.Errorf("date conditions with the 2027 time: %v, want ImplicitDeny", d)
	}
}

func TestRequestContextNoAllocs(t *testing.T) {
	c := &RequestContext{Time: time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)}
	c.Set(KeySourceARN, "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE")
	c.SetExtra("aws:PrincipalOrgID", "o-a1b2c3d4e5")
	var ctx policy.Context = c // as Evaluate sees it
	var sink []string
	for _, key := range []string{"aws:sourcearn", "aws:sourceip", "aws:principalorgid", "aws:currenttime", "aws:epochtime", "no:such-key"} {
		if n := testing.AllocsPerRun(1000, func() { sink, _ = ctx.Values(key) }); n != 0 {
			t.Errorf("Values(%q) allocates %v times per call, want 0", key, n)
		}
	}
	without := &RequestContext{}
	without.Set(KeyPrefix, "photos/")
	if n := testing.AllocsPerRun(1000, func() { sink, _ = without.Values("s3:prefix") }); n != 0 {
		t.Errorf("Values without Extra allocates %v times per call, want 0", n)
	}
	_ = sink
}

// ---- Trace -----------------------------------------------------------------

func mustParse(t testing.TB, doc string, kind policy.Kind) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(doc), kind)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, doc)
	}
	return p
}

const (
	tOwner   = "111122223333"
	tPartner = "444455556666"
)

func tBucket(t testing.TB, policyDoc string, own access.Ownership, pab access.PublicAccessBlock) *Bucket {
	b := &Bucket{Name: "amzn-s3-demo-bucket", Owner: tOwner, OwnerCanonicalID: canonicalID(tOwner), Ownership: own, PAB: pab}
	if policyDoc != "" {
		b.Policy = mustParse(t, policyDoc, policy.BucketPolicy)
		b.PolicyIsPublic = b.Policy.IsPublic(policy.PublicOptions{})
	}
	return b
}

func partnerUser() identity.Principal {
	return identity.Principal{Type: identity.User, Account: tPartner, ARN: "arn:aws:iam::" + tPartner + ":user/Carlos",
		UserID: "AIDACARLOS", UserName: "Carlos", CanonicalID: canonicalID(tPartner)}
}

func TestTraceStringCrossAccountDenial(t *testing.T) {
	in := &Input{
		Principal: partnerUser(),
		Identity: []NamedPolicy{{Name: "partner-read", Policy: mustParse(t, `{"Version":"2012-10-17","Statement":[
			{"Sid":"ReadOtherBucket","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`, policy.IdentityPolicy)}},
		Action:   "s3:GetObject",
		Resource: "arn:aws:s3:::amzn-s3-demo-bucket/photos/cat.jpg",
		Bucket: tBucket(t, `{"Version":"2012-10-17","Statement":[
			{"Sid":"PartnerRead","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`,
			access.BucketOwnerEnforced, access.PublicAccessBlock{}),
		Object:  &Object{Owner: tOwner, OwnerCanonicalID: canonicalID(tOwner)},
		Context: &RequestContext{},
	}
	tr := &Trace{}
	res := Authorize(in, tr)
	if res.Reason != ReasonCrossAccountNoIdentityAllow {
		t.Fatalf("reason %q, want %q\n%s", res.Reason, ReasonCrossAccountNoIdentityAllow, tr)
	}
	got := tr.String()
	want := []string{
		"identity policy (partner-read): ImplicitDeny",
		`    #0 Sid "ReadOtherBucket" (Allow): action ✓ (s3:GetObject) resource ✗ (request arn:aws:s3:::amzn-s3-demo-bucket/photos/cat.jpg) → not applied`,
		"    decision: ImplicitDeny (no statement applied)",
		"bucket policy (bucket policy of amzn-s3-demo-bucket): Allow",
		`    #0 Sid "PartnerRead" (Allow): principal ✓ (AWS arn:aws:iam::444455556666:root) action ✓ (s3:GetObject) resource ✓ (arn:aws:s3:::amzn-s3-demo-bucket/*) → applied`,
		`    decision: Allow by #0 Sid "PartnerRead"`,
		"object ownership (BucketOwnerEnforced): ImplicitDeny — ACLs are disabled (BucketOwnerEnforced): ACL grants are not consulted",
		"identity policy (arn:aws:iam::444455556666:user/Carlos): ImplicitDeny — cross-account request: the resource side allows, but no identity-based policy of account 444455556666 allows s3:GetObject",
		"reason: CrossAccountNoIdentityAllow",
	}
	checkLines(t, got, want)
}

func TestTraceStringObjectOwnershipAndACL(t *testing.T) {
	// The article's "bucket owner must own the object" cause, for an OAC
	// read under ObjectWriter.
	in := &Input{
		Principal: identity.Principal{Type: identity.Service, ARN: "cloudfront.amazonaws.com"},
		Action:    "s3:GetObject",
		Resource:  "arn:aws:s3:::amzn-s3-demo-bucket/photos/cat.jpg",
		Bucket: tBucket(t, `{"Version":"2012-10-17","Statement":[{"Sid":"AllowCloudFront","Effect":"Allow",
			"Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
			"Condition":{"StringEquals":{"AWS:SourceArn":"arn:aws:cloudfront::111122223333:distribution/E1"}}}]}`,
			access.ObjectWriter, access.PublicAccessBlock{}),
		Object: &Object{Owner: tPartner, OwnerCanonicalID: canonicalID(tPartner)},
	}
	rc := &RequestContext{}
	rc.Set(KeySourceARN, "arn:aws:cloudfront::111122223333:distribution/E1")
	in.Context = rc
	tr := &Trace{}
	res := Authorize(in, tr)
	if res.Reason != ReasonBucketPolicyNotApplicableObjectOwner {
		t.Fatalf("reason %q\n%s", res.Reason, tr)
	}
	checkLines(t, tr.String(), []string{
		"bucket policy (bucket policy of amzn-s3-demo-bucket): Allow (does not count)",
		`    #0 Sid "AllowCloudFront" (Allow): principal ✓ (Service cloudfront.amazonaws.com) action ✓ (s3:GetObject) resource ✓ (arn:aws:s3:::amzn-s3-demo-bucket/*) condition StringEquals AWS:SourceArn = arn:aws:cloudfront::111122223333:distribution/E1 vs request arn:aws:cloudfront::111122223333:distribution/E1 ✓ → applied`,
		`    decision: Allow by #0 Sid "AllowCloudFront"`,
		"bucket policy (amzn-s3-demo-bucket): ImplicitDeny — the bucket policy allows, but a bucket policy grants only on objects the bucket owner owns, and account 444455556666 owns this object: its owner must grant through the object ACL",
		"object ACL: ImplicitDeny — no grant gives the caller READ",
		"reason: BucketPolicyNotApplicableObjectNotOwnedByBucketOwner",
	})
	if _, _, ok := tr.Deciding(policy.Allow); ok {
		t.Errorf("Deciding(Allow) names a statement of a bucket policy that did not count")
	}
}

func TestTraceStringBlockPublicAccess(t *testing.T) {
	in := &Input{
		Principal: identity.AnonymousPrincipal,
		Action:    "s3:GetObject",
		Resource:  "arn:aws:s3:::amzn-s3-demo-bucket/index.html",
		Bucket: tBucket(t, `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*",
			"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`,
			access.ObjectWriter, access.AllBlocked),
		Context: &RequestContext{},
	}
	acl, err := access.Canned(access.CannedPublicRead, canonicalID(tOwner), canonicalID(tOwner), false)
	if err != nil {
		t.Fatal(err)
	}
	in.Object = &Object{Owner: tOwner, OwnerCanonicalID: canonicalID(tOwner), ACL: &acl}
	tr := &Trace{}
	if res := Authorize(in, tr); res.Reason != ReasonBPARestrictPublicBucket {
		t.Fatalf("reason %q\n%s", res.Reason, tr)
	}
	checkLines(t, tr.String(), []string{
		"bucket policy (bucket policy of amzn-s3-demo-bucket): Allow (does not count)",
		"block public access (RestrictPublicBuckets): ImplicitDeny — the bucket policy is public, so with RestrictPublicBuckets its Allow counts only for AWS service principals and the bucket owner's account",
		"object ACL: ImplicitDeny — a public grant gives READ, but IgnorePublicAcls (Block Public Access) ignores it",
		"reason: BlockPublicAccessRestrictPublicBucket",
	})

	// Without IgnorePublicAcls the public-read ACL allows; the public
	// policy still does not count, so no policy statement decided.
	in.Bucket.PAB = access.PublicAccessBlock{RestrictPublicBuckets: true}
	tr = &Trace{}
	if res := Authorize(in, tr); !res.Allowed {
		t.Fatalf("RestrictPublicBuckets blocked an ACL grant: %+v\n%s", res, tr)
	}
	checkLines(t, tr.String(), []string{
		"object ACL: Allow — grant to group http://acs.amazonaws.com/groups/global/AllUsers gives READ",
	})
	if strings.Contains(tr.String(), "reason:") {
		t.Errorf("an allowed decision renders a reason:\n%s", tr)
	}
	if step, st, ok := tr.Deciding(policy.Allow); ok {
		t.Errorf("Deciding(Allow) = %s %q; want none (the ACL decided)", step.Name, st.Sid)
	}
}

func TestTraceStringOwnAccountACL(t *testing.T) {
	// An IAM user of the owner account without any policy: the owner's
	// FULL_CONTROL grant is the account's, not the user's.
	in := &Input{
		Principal: identity.Principal{Type: identity.User, Account: tOwner, ARN: "arn:aws:iam::" + tOwner + ":user/Dave",
			CanonicalID: canonicalID(tOwner)},
		Action:   "s3:ListBucket",
		Resource: "arn:aws:s3:::amzn-s3-demo-bucket",
		Bucket:   tBucket(t, "", access.ObjectWriter, access.PublicAccessBlock{}),
		Context:  &RequestContext{},
	}
	tr := &Trace{}
	res := Authorize(in, tr)
	if res.Allowed || res.Reason != ReasonImplicitDeny {
		t.Fatalf("result %+v\n%s", res, tr)
	}
	checkLines(t, tr.String(), []string{
		"bucket ACL: Allow — grant to canonical user " + canonicalID(tOwner) + " gives READ",
		"identity policy (arn:aws:iam::111122223333:user/Dave): ImplicitDeny — an ACL grant to account 111122223333 reaches its IAM users only through their policies, and no identity-based or bucket policy allows s3:ListBucket",
		"reason: ImplicitDeny",
	})
}

func TestTraceStringServiceLevel(t *testing.T) {
	for _, tt := range []struct {
		p    identity.Principal
		want string
	}{
		{identity.Principal{Type: identity.Root, Account: tOwner, ARN: "arn:aws:iam::" + tOwner + ":root"},
			"identity policy (account root): Allow — the root user may perform every action of its own account"},
		{identity.Principal{Type: identity.User, Account: tOwner, ARN: "arn:aws:iam::" + tOwner + ":user/Dave"},
			"identity policy (arn:aws:iam::111122223333:user/Dave): ImplicitDeny — no identity-based policy allows s3:ListAllMyBuckets"},
		{identity.AnonymousPrincipal,
			"identity policy (anonymous): ImplicitDeny — an anonymous or service caller has no identity to allow s3:ListAllMyBuckets"},
		{identity.Principal{Type: identity.Service, ARN: "cloudfront.amazonaws.com"},
			"identity policy (cloudfront.amazonaws.com): ImplicitDeny — an anonymous or service caller has no identity to allow s3:ListAllMyBuckets"},
	} {
		tr := &Trace{}
		Authorize(&Input{Principal: tt.p, Action: "s3:ListAllMyBuckets"}, tr)
		checkLines(t, tr.String(), []string{tt.want})
	}
}

// checkLines reports each wanted line missing from got, and wanted lines
// out of order.
func checkLines(t *testing.T, got string, want []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	pos := 0
	for _, w := range want {
		found := -1
		for i := pos; i < len(lines); i++ {
			if lines[i] == w {
				found = i
				break
			}
		}
		if found < 0 {
			t.Errorf("trace lacks line (in order):\n  %s\ntrace:\n%s", w, got)
			return
		}
		pos = found + 1
	}
	if !strings.HasSuffix(got, "\n") {
		t.Errorf("trace does not end with a newline: %q", got)
	}
	for _, l := range lines {
		if strings.Contains(l, "%!") || strings.TrimSpace(l) == "" {
			t.Errorf("unreadable trace line %q", l)
		}
	}
}

func TestTraceEmpty(t *testing.T) {
	var tr Trace
	if s := tr.String(); s != "" {
		t.Errorf("empty trace renders %q", s)
	}
	if _, _, ok := tr.Deciding(policy.Allow); ok {
		t.Errorf("empty trace has a deciding statement")
	}
}

// TestTraceDoesNotChangeDecision checks that Authorize with and without a
// Trace agree on a decision that walks every step (cross-account, ACL, BPA).
func TestTraceDoesNotChangeDecision(t *testing.T) {
	in := &Input{
		Principal: partnerUser(),
		Action:    "s3:GetObject",
		Resource:  "arn:aws:s3:::amzn-s3-demo-bucket/k",
		Bucket:    tBucket(t, "", access.ObjectWriter, access.PublicAccessBlock{IgnorePublicAcls: true}),
		Object:    &Object{Owner: tOwner, OwnerCanonicalID: canonicalID(tOwner)},
		Context:   &RequestContext{},
	}
	acl, _ := access.Canned(access.CannedAuthenticatedRead, canonicalID(tOwner), canonicalID(tOwner), false)
	in.Object.ACL = &acl
	plain := Authorize(in, nil)
	tr := &Trace{}
	traced := Authorize(in, tr)
	if plain != traced || traced.Reason != ReasonBPAIgnoredACL {
		t.Errorf("without trace %+v, with trace %+v; want reason %q", plain, traced, ReasonBPAIgnoredACL)
	}
}
