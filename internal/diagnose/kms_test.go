package diagnose

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/kms"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/s3/authz"
	"github.com/edgegate/edgegate/internal/traces"
)

// TestExplainKMS: a KMS denial behind an S3 allow is KMS-KEY-POLICY, with
// the key-policy statement to add (for CloudFront the documented
// AllowCloudFrontServicePrincipalSSE-KMS statement with its SourceArn); a
// disabled key is KMS-STATE; an anonymous read KMS-ANON.
func TestExplainKMS(t *testing.T) {
	svc, err := kms.Open(kms.Config{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := "arn:aws:kms:us-east-1:" + owner + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	kp, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+owner+`:root"},"Action":"kms:*","Resource":"*"}]}`), policy.KeyPolicy)
	if err != nil {
		t.Fatal(err)
	}
	key := &kms.KeyInfo{ARN: keyARN, Account: owner, Policy: kp}
	cf := identity.Principal{Type: identity.Service, ARN: "cloudfront.amazonaws.com"}
	dist := "arn:aws:cloudfront::" + owner + ":distribution/EDFDVBD6EXAMPLE"
	tr := new(kms.Trace)
	d := svc.Authorize(cf, "kms:Decrypt", key, kms.NewContext(policy.MapContext{"aws:sourcearn": {dist}}), tr)
	if d.Allowed {
		t.Fatal("allowed")
	}
	public := authz.Bucket{Name: "b", Owner: owner, OwnerCanonicalID: "c1",
		Policy: mustPolicy(t, `{"Version":"2012-10-17","Statement":[{"Sid":"OAC","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`)}
	get := check(cf, public, &authz.Object{Owner: owner}, "s3:GetObject", "arn:aws:s3:::b/k", map[authz.Key]string{authz.KeySourceARN: dist})
	if !get.Result.Allowed {
		t.Fatalf("S3 denied: %+v", get.Result)
	}
	rec := traces.Record{Principal: cf, Status: 403, ErrorCode: "AccessDenied", Bucket: "b", Key: "k", Operation: "GetObject",
		Checks: []traces.Check{get},
		KMS:    &traces.KMSCheck{KeyARN: keyARN, Action: "kms:Decrypt", Reason: "denied", Decision: d, Trace: tr}}
	x := ExplainS3(&rec)
	if len(x.Findings) != 1 || x.Findings[0].ID != "KMS-KEY-POLICY" || x.Findings[0].Certainty != Definite {
		t.Fatalf("findings %+v", x.Findings)
	}
	f := x.Findings[0]
	for _, want := range []string{"AllowCloudFrontServicePrincipalSSE-KMS", `"AWS:SourceArn":"` + dist + `"`, `"Service":"cloudfront.amazonaws.com"`, "kms:Decrypt", keyARN} {
		if !strings.Contains(f.Fix.String(), want) {
			t.Errorf("fix lacks %s: %s", want, f.Fix)
		}
	}
	if ev := strings.Join(f.Evidence, "\n"); !strings.Contains(ev, keyARN) || !strings.Contains(ev, "Enable IAM User Permissions") {
		t.Errorf("evidence: %s", ev)
	}
	if last := x.Trace[len(x.Trace)-1]; last.Action != "kms:Decrypt" || last.Resource != keyARN || last.Decision != "ImplicitDeny" {
		t.Errorf("trace ends with %+v", last)
	}

	state := traces.Record{Principal: reader, Status: 400, ErrorCode: "KMS.DisabledException", Checks: []traces.Check{get},
		Notes: []string{"KMS answered KMS.DisabledException: " + keyARN + " is disabled."}}
	x = ExplainS3(&state)
	if len(x.Findings) != 1 || x.Findings[0].ID != "KMS-STATE" || x.Findings[0].Certainty != Not403 ||
		x.Findings[0].Fix.Commands[0] != "aws kms enable-key --key-id "+keyARN {
		t.Errorf("disabled key: %+v", x.Findings)
	}
	anon := traces.Record{Principal: anonymous, Status: 400, ErrorCode: "InvalidArgument", Checks: []traces.Check{get},
		Notes: []string{"s3://b/k is encrypted with SSE-KMS, which only SigV4-signed requests may read; this request is anonymous"}}
	if x = ExplainS3(&anon); len(x.Findings) != 1 || x.Findings[0].ID != "KMS-ANON" {
		t.Errorf("anonymous: %+v", x.Findings)
	}
}

// TestExplainKMSThroughOAI: an SSE-KMS object read through an origin access
// identity is KMS-OAI, whose fix is to move to OAC.
func TestExplainKMSThroughOAI(t *testing.T) {
	svc, err := kms.Open(kms.Config{})
	if err != nil {
		t.Fatal(err)
	}
	keyARN := "arn:aws:kms:us-east-1:" + owner + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
	kp, err := policy.Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+owner+`:root"},"Action":"kms:*","Resource":"*"}]}`), policy.KeyPolicy)
	if err != nil {
		t.Fatal(err)
	}
	oai := identity.Principal{Type: identity.OAI, ARN: "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2EXAMPLE", CanonicalID: "oaicanonical"}
	tr := new(kms.Trace)
	d := svc.Authorize(oai, "kms:Decrypt", &kms.KeyInfo{ARN: keyARN, Account: owner, Policy: kp}, kms.NewContext(nil), tr)
	if d.Allowed {
		t.Fatal("an OAI was allowed to use a KMS key")
	}
	rec := traces.Record{Principal: oai, Status: 403, ErrorCode: "AccessDenied", Bucket: "b", Key: "k", Operation: "GetObject",
		KMS: &traces.KMSCheck{KeyARN: keyARN, Action: "kms:Decrypt", Reason: "denied", Decision: d, Trace: tr}}
	x := ExplainS3(&rec)
	if len(x.Findings) != 1 || x.Findings[0].ID != "KMS-OAI" || !strings.Contains(x.Findings[0].Fix.String(), "origin access control") {
		t.Fatalf("findings %+v", x.Findings)
	}
}
