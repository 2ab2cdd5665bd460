package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfsdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgegate/edgegate/internal/diagnose"
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
