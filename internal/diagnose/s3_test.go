package diagnose

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/s3/authz"
	"github.com/edgegate/edgegate/internal/traces"
)

const owner = "111111111111"

var (
	anonymous = identity.AnonymousPrincipal
	reader    = identity.Principal{Type: identity.Root, Account: "222222222222", ARN: "arn:aws:iam::222222222222:root", CanonicalID: "c2"}
)

func mustPolicy(t *testing.T, doc string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(doc), policy.BucketPolicy)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// check decides one action the way the S3 layer does and returns the
// snapshot it would keep.
func check(p identity.Principal, b authz.Bucket, obj *authz.Object, action, resource string, ctx map[authz.Key]string) traces.Check {
	var c traces.Check
	c.Bucket = b
	c.Input = authz.Input{Principal: p, Action: action, Resource: resource, Bucket: &c.Bucket}
	if obj != nil {
		c.Object = *obj
		c.Input.Object = &c.Object
	}
	for k, v := range ctx {
		c.Context.Set(k, v)
	}
	in := c.Input
	in.Context = &c.Context
	c.Result = authz.Authorize(&in, nil)
	return c
}

func TestExplainS3Findings(t *testing.T) {
	enforced := authz.Bucket{Name: "b", Owner: owner, OwnerCanonicalID: "c1", Ownership: access.BucketOwnerEnforced}
	withPolicy := func(doc string) authz.Bucket {
		b := enforced
		b.Policy = mustPolicy(t, doc)
		b.PolicyIsPublic = b.Policy.IsPublic(policy.PublicOptions{})
		return b
	}
	readerGets := withPolicy(`{"Version":"2012-10-17","Statement":[{"Sid":"ReaderGets","Effect":"Allow","Principal":{"AWS":"222222222222"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)
	vpce := withPolicy(`{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
		{"Sid":"DenyOutsideVpce","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}}]}`)
	tls := withPolicy(`{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
		{"Sid":"HttpsOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	public := withPolicy(`{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)
	public.PAB.RestrictPublicBuckets = true
	writer := readerGets
	writer.Ownership = access.ObjectWriter
	obj := "arn:aws:s3:::b/k"

	missingGet := check(reader, readerGets, &authz.Object{Owner: owner}, "s3:GetObject", obj, nil)
	missingList := check(reader, readerGets, nil, "s3:ListBucket", "arn:aws:s3:::b", nil)
	missingList.Result.Reason = authz.ReasonMissingObjectNoListBucket

	tests := []struct {
		name      string
		rec       traces.Record
		id        string
		certainty Certainty
		sid       string // a Sid the evidence must name
	}{
		{"missing key hidden as 403", traces.Record{Principal: reader, Status: 403, ErrorCode: "AccessDenied", Bucket: "b", Key: "k",
			Checks: []traces.Check{missingGet, missingList}}, "KEY-MISSING", Definite, ""},
		{"honest 404", traces.Record{Principal: reader, Status: 404, ErrorCode: "NoSuchKey", Bucket: "b", Key: "k",
			Checks: []traces.Check{check(reader, readerGets, &authz.Object{Owner: owner}, "s3:GetObject", obj, nil)}}, "KEY-MISSING", Not403, ""},
		{"deny outside the VPC endpoint", traces.Record{Principal: anonymous, Status: 403, ErrorCode: "AccessDenied",
			Checks: []traces.Check{check(anonymous, vpce, &authz.Object{Owner: owner}, "s3:GetObject", obj, nil)}}, "POL-EXPLICIT-DENY-NETWORK", Definite, "DenyOutsideVpce"},
		{"deny over plain HTTP", traces.Record{Principal: anonymous, Status: 403, ErrorCode: "AccessDenied",
			Checks: []traces.Check{check(anonymous, tls, &authz.Object{Owner: owner}, "s3:GetObject", obj, map[authz.Key]string{authz.KeySecureTransport: "false"})}}, "POL-TLS-HTTP", Definite, "HttpsOnly"},
		{"nothing allows", traces.Record{Principal: anonymous, Status: 403, ErrorCode: "AccessDenied",
			Checks: []traces.Check{check(anonymous, enforced, &authz.Object{Owner: owner}, "s3:GetObject", obj, nil)}}, "POL-NO-ALLOW", Definite, ""},
		{"object owned by another account", traces.Record{Principal: reader, Status: 403, ErrorCode: "AccessDenied",
			Checks: []traces.Check{check(reader, writer, &authz.Object{Owner: "333333333333", OwnerCanonicalID: "c3"}, "s3:GetObject", obj, nil)}}, "POL-OBJECT-OWNERSHIP", Definite, ""},
		{"RestrictPublicBuckets", traces.Record{Principal: anonymous, Status: 403, ErrorCode: "AccessDenied",
			Checks: []traces.Check{check(anonymous, public, &authz.Object{Owner: owner}, "s3:GetObject", obj, nil)}}, "POL-BPA-PUBLIC", Definite, ""},
		{"archived object", traces.Record{Principal: reader, Status: 403, ErrorCode: "InvalidObjectState", Bucket: "b", Key: "k",
			Checks: []traces.Check{check(reader, readerGets, &authz.Object{Owner: owner}, "s3:GetObject", obj, nil)}}, "OBJ-ARCHIVED", Definite, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := ExplainS3(&tt.rec)
			if len(x.Findings) != 1 {
				t.Fatalf("findings %+v, want one %s", x.Findings, tt.id)
			}
			f := x.Findings[0]
			if f.ID != tt.id || f.Certainty != tt.certainty || f.Fix == nil {
				t.Fatalf("finding %+v, want %s %s with a fix", f, tt.id, tt.certainty)
			}
			if tt.sid != "" && !strings.Contains(strings.Join(f.Evidence, "\n"), `"`+tt.sid+`"`) {
				t.Fatalf("evidence %q does not name Sid %s", f.Evidence, tt.sid)
			}
			if len(x.Trace) == 0 || !strings.Contains(x.Human(), tt.id) {
				t.Fatalf("no trace, or the human output misses %s:\n%s", tt.id, x.Human())
			}
		})
	}

	allowed := traces.Record{Principal: reader, Status: 200, Checks: []traces.Check{check(reader, readerGets, &authz.Object{Owner: owner}, "s3:GetObject", obj, nil)}}
	if x := ExplainS3(&allowed); len(x.Findings) != 0 || !strings.Contains(x.Human(), "No problem found") {
		t.Fatalf("an allowed request has findings: %+v", x.Findings)
	}
}

// TestExplainHidesOtherAccountsPolicies: a copy's source bucket belongs to
// another account; explaining the request to the destination's owner shows
// the source decision's result but none of its statements.
func TestExplainHidesOtherAccountsPolicies(t *testing.T) {
	src := authz.Bucket{Name: "their-src", Owner: "333333333333", OwnerCanonicalID: "c3", Ownership: access.BucketOwnerEnforced}
	src.Policy = mustPolicy(t, `{"Version":"2012-10-17","Statement":[{"Sid":"SecretInternalOnly","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::their-src/*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.99.88.0/24"}}}]}`)
	copier := identity.Principal{Type: identity.Root, Account: owner, ARN: "arn:aws:iam::" + owner + ":root", CanonicalID: "c1"}
	c := check(copier, src, &authz.Object{Owner: "333333333333"}, "s3:GetObject", "arn:aws:s3:::their-src/k", map[authz.Key]string{authz.KeySourceIP: "127.0.0.1"})
	if c.Result.Allowed {
		t.Fatal("the source read was allowed")
	}
	rec := traces.Record{Principal: copier, Status: 403, ErrorCode: "AccessDenied", Checks: []traces.Check{c}, Owners: []string{owner, "333333333333"}}

	mine := rec.RedactFor(owner)
	x := ExplainS3(&mine)
	if out := x.Human(); strings.Contains(out, "SecretInternalOnly") || strings.Contains(out, "10.99.88.0") {
		t.Fatalf("another account's policy leaked into the explanation:\n%s", out)
	}
	if len(x.Trace) != 1 || x.Trace[0].Source != "another account's resource" || len(x.Findings) != 1 {
		t.Fatalf("redacted explanation: %+v", x)
	}
	// The source bucket's owner sees its own statement.
	theirs := rec.RedactFor("333333333333")
	if out := ExplainS3(&theirs).Human(); !strings.Contains(out, "SecretInternalOnly") {
		t.Fatalf("the policy's owner does not see it:\n%s", out)
	}
}
