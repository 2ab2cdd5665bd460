package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	cfsdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/diagnose/doctor"
)

func TestExplainURLUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"nothing", nil, "usage: edgegate explain"},
		{"id and url", []string{"--url", "https://d.example/", "ID"}, "usage: edgegate explain"},
		{"relative url", []string{"--url", "/index.html"}, "not an absolute http:// or https:// URL"},
		{"bad header", []string{"--url", "https://d.example/", "--header", "NoColon"}, "want NAME:VALUE"},
		{"bad endpoint", []string{"--endpoint", "127.0.0.1:4566", "ID"}, "bad --endpoint"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(append([]string{"explain"}, tt.args...), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tt.name, code, errb.String(), tt.want)
		}
	}
}

// TestExplainURL simulates viewer requests against a running server with
// `explain --url`: the missing bucket-policy statement, then the same URL
// after grant-origin-access. (That a simulation leaves the cache alone is
// checked by the server's article tests, which simulate every request
// before sending it.)
func TestExplainURL(t *testing.T) {
	g := startGrantEnv(t)
	g.bucket(t, "explain-site", "", "")
	if _, err := g.s3.PutObject(g.ctx, &s3.PutObjectInput{Bucket: aws.String("explain-site"), Key: aws.String("index.html"),
		Body: strings.NewReader("home")}); err != nil {
		t.Fatal(err)
	}
	oac := g.oac(t, "explain-oac")
	id, arn := g.distribution(t, "explain", s3Origin("site", "explain-site", oac, ""))
	d, err := g.cf.GetDistribution(g.ctx, &cfsdk.GetDistributionInput{Id: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	domain := aws.ToString(d.Distribution.DomainName)
	explainURL := func(args ...string) (int, diagnose.Explanation, string) {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(append([]string{"explain", "--endpoint", g.env.Endpoint, "--json"}, args...), &out, &errb)
		var x diagnose.Explanation
		if code != 2 {
			if err := json.Unmarshal(out.Bytes(), &x); err != nil {
				t.Fatalf("explain %v: %v\n%s%s", args, err, out.String(), errb.String())
			}
		}
		return code, x, errb.String()
	}

	code, x, _ := explainURL("--url", "https://"+domain+"/index.html")
	if code != 1 || x.Status != 403 || x.Responder != "origin" || len(x.Findings) != 1 || x.Findings[0].ID != "POL-NO-ALLOW" {
		t.Fatalf("no statement: exit %d %+v", code, x)
	}
	f := x.Findings[0]
	if f.Fix == nil || !f.Fix.Verified || len(f.Fix.Probes) != 3 {
		t.Errorf("the simulated request's fix is not proven with the three probes: %+v", f.Fix)
	}
	if f.Fix == nil || f.Fix.Change == nil || f.Fix.Change.Kind != diagnose.ChangeBucketPolicyStatement ||
		!strings.Contains(string(f.Fix.Statement), arn) || !strings.Contains(string(f.Fix.Statement), "cloudfront.amazonaws.com") {
		t.Errorf("fix: %+v", f.Fix)
	}
	// http:// to a redirect-to-https behavior: a 301, a success.
	if code, x, _ := explainURL("--url", "http://"+domain+"/index.html"); code != 0 || x.Status != 301 {
		t.Errorf("http: exit %d status %d %v", code, x.Status, x.Findings)
	}
	// A method the behavior does not allow: CF-METHOD, at the edge.
	if code, x, _ := explainURL("--url", "https://"+domain+"/index.html", "--method", "DELETE"); code != 1 || x.Responder != "edge" ||
		len(x.Findings) != 1 || x.Findings[0].ID != "CF-METHOD" {
		t.Errorf("DELETE: exit %d %+v", code, x)
	}
	// Unknown host under the suffix: CF-CNAME.
	if code, x, _ := explainURL("--url", "https://dnosuchdist0000.cloudfront.localhost/"); code != 1 || len(x.Findings) != 1 || x.Findings[0].ID != "CF-CNAME" {
		t.Errorf("unknown host: exit %d %+v", code, x)
	}
	// A host that is not the edge's: bad input.
	if code, _, stderr := explainURL("--url", "https://example.com/"); code != 2 || !strings.Contains(stderr, "not a distribution") {
		t.Errorf("foreign host: exit %d %s", code, stderr)
	}

	if code, out := g.grant(t, "--distribution-id", id); code != 0 {
		t.Fatalf("grant-origin-access: %d %s", code, out)
	}
	if code, x, _ := explainURL("--url", "https://"+domain+"/index.html", "--header", "Accept-Encoding: gzip"); code != 0 || x.Status != 200 || len(x.Findings) != 0 {
		t.Errorf("after the grant: exit %d %+v", code, x)
	}

	// Another account may not simulate requests to this distribution;
	// anonymous callers may not simulate at all.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	if code, _, stderr := explainURL("--url", "https://"+domain+"/index.html"); code != 2 || !strings.Contains(stderr, "AccessDenied") {
		t.Errorf("anonymous: exit %d %s", code, stderr)
	}
}

func TestIDsLast(t *testing.T) {
	id := "-" + strings.Repeat("A", 53) + "=="
	for _, tt := range []struct{ in, want []string }{
		{[]string{"--json", id}, []string{"--json", "--", id}},
		{[]string{id, "--json"}, []string{"--json", "--", id}},
		{[]string{"--json", "--", id}, []string{"--json", "--", id}},
		{[]string{"--json", "ABC"}, []string{"--json", "ABC"}},
	} {
		if got := idsLast(tt.in); strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("idsLast(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestExplainVerify explains a real viewer request by its X-Amz-Cf-Id:
// the fix (the missing bucket-policy statement) is proven on a snapshot
// collected with the caller's credentials, with the three probes listed;
// --no-verify leaves it unproven; a request made straight to S3 says why
// its fix cannot be proven; once the fix is made, the old request's
// snapshot diagnoses differently and nothing is claimed.
func TestExplainVerify(t *testing.T) {
	g := startGrantEnv(t)
	g.bucket(t, "verify-site", "", "")
	if _, err := g.s3.PutObject(g.ctx, &s3.PutObjectInput{Bucket: aws.String("verify-site"), Key: aws.String("index.html"),
		Body: strings.NewReader("home")}); err != nil {
		t.Fatal(err)
	}
	o := s3Origin("site", "verify-site", g.oac(t, "verify-oac"), "")
	d, err := g.cf.CreateDistribution(g.ctx, &cfsdk.CreateDistributionInput{DistributionConfig: &cftypes.DistributionConfig{
		CallerReference: aws.String("verify"), Comment: aws.String(""), Enabled: aws.Bool(true),
		Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{o}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: o.Id, ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll,
			CachePolicyId: aws.String("4135ea2d-6df8-44a3-9df3-4b5a84be39ad")}, // Managed-CachingDisabled
	}})
	if err != nil {
		t.Fatal(err)
	}
	distID, domain := aws.ToString(d.Distribution.Id), aws.ToString(d.Distribution.DomainName)

	// The viewer request, as curl makes it.
	req, _ := http.NewRequest(http.MethodGet, g.env.Endpoint+"/index.html", nil)
	req.Host = domain
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cfID := resp.Header.Get("X-Amz-Cf-Id")
	if resp.StatusCode != 403 || cfID == "" {
		t.Fatalf("viewer GET: %d, X-Amz-Cf-Id %q", resp.StatusCode, cfID)
	}
	explainJSON := func(args ...string) (int, liveExplanation) {
		t.Helper()
		var out, errb bytes.Buffer
		code := run(append([]string{"explain", "--endpoint", g.env.Endpoint, "--json"}, args...), &out, &errb)
		var x liveExplanation
		if err := json.Unmarshal(out.Bytes(), &x); err != nil || x.Explanation == nil {
			t.Fatalf("explain %v: exit %d %v\n%s%s", args, code, err, out.String(), errb.String())
		}
		return code, x
	}
	fixOf := func(x liveExplanation, id string) *diagnose.Fix {
		t.Helper()
		for _, f := range x.Findings {
			if f.ID == id && f.Fix != nil {
				return f.Fix
			}
		}
		t.Fatalf("no fix of %s in %+v", id, x.Findings)
		return nil
	}

	code, x := explainJSON("--", cfID)
	if code != 1 || x.Viewer == nil || x.Viewer.Distribution != distID || x.Viewer.Method != "GET" ||
		x.Viewer.URL != "http://"+domain+"/index.html" {
		t.Fatalf("exit %d viewer %+v", code, x.Viewer)
	}
	f := fixOf(x, "POL-NO-ALLOW")
	names := map[string]bool{}
	for _, p := range f.Probes {
		names[p.Name] = p.OK && p.After == 403
	}
	if !f.Verified || f.Unverified != "" || len(f.Probes) != 3 || !names["anonymous read straight from S3"] ||
		!names["the same path through another distribution"] || !names["a signed read by a caller from another account"] {
		t.Errorf("fix not verified with the three probes: %+v", f)
	}
	if v := x.Verification; v == nil || !v.Matches || v.Skipped != "" || v.Status != 403 || v.Distribution != distID ||
		len(v.Findings) != 1 || v.Findings[0] != "POL-NO-ALLOW" {
		t.Errorf("verification %+v", x.Verification)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"explain", "--endpoint", g.env.Endpoint, "--", cfID}, &out, &errb); code != 1 ||
		!strings.Contains(out.String(), "verified: the request succeeds with this change") ||
		!strings.Contains(out.String(), "probes of the fix of POL-NO-ALLOW:") ||
		!strings.Contains(out.String(), "anonymous read straight from S3: 403 before, 403 after: no access gained") {
		t.Errorf("human: exit %d\n%s%s", code, out.String(), errb.String())
	}

	// --no-verify: the server's word, no verification.
	if _, x := explainJSON("--no-verify", cfID); x.Verification != nil || fixOf(x, "POL-NO-ALLOW").Verified ||
		!strings.Contains(fixOf(x, "POL-NO-ALLOW").Unverified, "live mode") {
		t.Errorf("--no-verify: %+v %+v", x.Verification, fixOf(x, "POL-NO-ALLOW"))
	}

	// Straight to S3: an object under a disabled key (KMS-STATE, whose
	// fix enables the key) cannot be proven, and says why.
	key := g.customerKey(t)
	g.bucket(t, "verify-kms", "aws:kms", key)
	if _, err := g.s3.PutObject(g.ctx, &s3.PutObjectInput{Bucket: aws.String("verify-kms"), Key: aws.String("k"),
		Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.kms.DisableKey(g.ctx, &kms.DisableKeyInput{KeyId: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
	_, err = g.s3.GetObject(g.ctx, &s3.GetObjectInput{Bucket: aws.String("verify-kms"), Key: aws.String("k")})
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.ServiceRequestID() == "" {
		t.Fatalf("GetObject under a disabled key: %v", err)
	}
	if _, x := explainJSON(re.ServiceRequestID()); x.Viewer != nil || x.Verification == nil ||
		!strings.Contains(x.Verification.Skipped, "straight to S3") || fixOf(x, "KMS-STATE").Verified ||
		!strings.Contains(fixOf(x, "KMS-STATE").Unverified, "straight to S3") {
		t.Errorf("S3 request: %+v %+v", x.Verification, x.Findings)
	}

	// The fix made: the old request is diagnosed differently now.
	if code, out := g.grant(t, "--distribution-id", distID); code != 0 {
		t.Fatalf("grant-origin-access: %d %s", code, out)
	}
	if _, x := explainJSON(cfID); x.Status != 403 || x.Verification == nil || x.Verification.Matches ||
		!strings.Contains(x.Verification.Differs, "the snapshot answers 200") || fixOf(x, "POL-NO-ALLOW").Verified ||
		!strings.Contains(fixOf(x, "POL-NO-ALLOW").Unverified, "the state may have changed") {
		t.Errorf("after the fix: %+v %+v", x.Verification, fixOf(x, "POL-NO-ALLOW"))
	}
}

// TestProveLiveSkips: what cannot be proven says why, on every fix with a
// change; fixes without one keep the doctor's reason; nothing to prove
// collects nothing.
func TestProveLiveSkips(t *testing.T) {
	withChange := func(v *diagnose.ViewerRequest) *diagnose.Explanation {
		return &diagnose.Explanation{Status: 403, Viewer: v, Findings: []diagnose.Finding{
			{ID: "POL-NO-ALLOW", Fix: &diagnose.Fix{Summary: "s", Change: &diagnose.Change{Kind: diagnose.ChangeBucketPolicyStatement}}},
			{ID: "KEY-MISSING", Fix: &diagnose.Fix{Summary: "upload"}}}}
	}
	dist := &diagnose.ViewerRequest{Distribution: "E1", Method: "GET", URL: "http://d.example/x"}
	tests := []struct {
		name    string
		x       *diagnose.Explanation
		p       liveProof
		noCreds bool
		want    string
	}{
		{"straight to S3", withChange(nil), liveProof{}, false, "straight to S3"},
		{"no distribution", withChange(&diagnose.ViewerRequest{Method: "GET", URL: "http://dnone.cloudfront.localhost/"}), liveProof{}, false, "names no distribution"},
		{"country", withChange(dist), liveProof{country: "FR"}, false, "without a country"},
		{"no credentials", withChange(dist), liveProof{}, true, "no AWS credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.noCreds {
				t.Setenv("AWS_ACCESS_KEY_ID", "")
			} else {
				t.Setenv("AWS_ACCESS_KEY_ID", "test")
				t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
			}
			v := proveLive(tt.x, tt.p)
			if v == nil || !strings.Contains(v.Skipped, tt.want) || v.Matches {
				t.Fatalf("verification %+v, want skipped %q", v, tt.want)
			}
			if f := tt.x.Findings[0].Fix; f.Verified || !strings.Contains(f.Unverified, tt.want) {
				t.Errorf("fix with a change: %+v", f)
			}
			if f := tt.x.Findings[1].Fix; f.Unverified != doctor.UnverifiedNoChange {
				t.Errorf("fix without a change: %+v", f)
			}
			if h := humanVerification(tt.x, v); !strings.Contains(h, "not done: ") || !strings.Contains(h, tt.want) {
				t.Errorf("human: %q", h)
			}
		})
	}
	x := &diagnose.Explanation{Status: 403, Findings: []diagnose.Finding{{ID: "KEY-MISSING", Fix: &diagnose.Fix{Summary: "upload"}}}}
	if v := proveLive(x, liveProof{}); v != nil || x.Findings[0].Fix.Unverified != doctor.UnverifiedNoChange {
		t.Errorf("nothing to prove: %+v %+v", v, x.Findings[0].Fix)
	}
}
