package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/diagnose"
)

func TestDoctorUsage(t *testing.T) {
	example := filepath.Join("..", "..", "testdata", "doctor", "healthy-oac", "bundle")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no bundle", []string{"--url", "/"}, "usage: edgegate doctor"},
		{"url and all", []string{"--bundle", example, "--url", "/", "--all"}, "exactly one of --url and --all"},
		{"neither", []string{"--bundle", example}, "exactly one of --url and --all"},
		{"stray", []string{"--bundle", example, "--all", "x"}, `unexpected argument "x"`},
		{"missing dir", []string{"--bundle", filepath.Join(t.TempDir(), "none"), "--all"}, "no such file"},
		{"empty dir", []string{"--bundle", t.TempDir(), "--all"}, "no usable distribution"},
		{"foreign scheme", []string{"--bundle", example, "--url", "ftp://x/"}, "neither https://HOST/PATH nor /PATH"},
		{"bad header", []string{"--bundle", example, "--url", "/", "--header", "x"}, "NAME:VALUE"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(append([]string{"doctor"}, tt.args...), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tt.name, code, errb.String(), tt.want)
		}
	}
}

// TestDoctorExitCodes: 0 for a healthy request, 1 for a failing one, with
// the JSON schema of docs/doctor.md.
func TestDoctorExitCodes(t *testing.T) {
	corpus := filepath.Join("..", "..", "testdata", "doctor")
	for _, tt := range []struct {
		scenario, url string
		code          int
		ids           string
	}{
		{"healthy-oac", "/index.html", 0, ""},
		{"pol-no-allow", "/index.html", 1, "POL-NO-ALLOW"},
		{"key-root-no-dro", "/", 1, "KEY-ROOT-NO-DRO"},
	} {
		var out, errb bytes.Buffer
		code := run([]string{"doctor", "--bundle", filepath.Join(corpus, tt.scenario, "bundle"), "--url", tt.url, "--json"}, &out, &errb)
		var res struct {
			Status    int                `json:"status"`
			ErrorCode string             `json:"error_code"`
			Responder string             `json:"responder"`
			Findings  []diagnose.Finding `json:"findings"`
			Trace     []diagnose.Step    `json:"trace"`
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("%s: %v\n%s%s", tt.scenario, err, out.String(), errb.String())
		}
		if code != tt.code || strings.Join(findingIDs(res.Findings), ",") != tt.ids || res.Responder == "" || res.Trace == nil {
			t.Errorf("%s: exit %d %+v", tt.scenario, code, res)
		}
		for _, f := range res.Findings {
			if f.Fix == nil || (f.Fix.Change != nil && !f.Fix.Verified) {
				t.Errorf("%s: %s fix %+v", tt.scenario, f.ID, f.Fix)
			}
		}
	}
	// --all, human output: the root fails, the rest is flagged ok.
	var out, errb bytes.Buffer
	code := run([]string{"doctor", "--bundle", filepath.Join(corpus, "key-root-no-dro", "bundle"), "--all"}, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), "FAIL the root (/)") || !strings.Contains(out.String(), "KEY-ROOT-NO-DRO") ||
		!strings.Contains(out.String(), "ok   the default cache behavior") || !strings.Contains(out.String(), "fix (verified)") {
		t.Errorf("--all: exit %d\n%s%s", code, out.String(), errb.String())
	}
}

func findingIDs(fs []diagnose.Finding) []string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.ID)
	}
	return ids
}

// TestDoctorRoundTrip: a scenario set up in a live edgegate with the aws
// CLI, the viewer request sent, explained by its X-Amz-Cf-Id
// (`edgegate explain`), the server collected into a bundle (`edgegate
// doctor collect`) and diagnosed offline (`edgegate doctor`): the same
// finding ids, phase after phase.
func TestDoctorRoundTrip(t *testing.T) {
	g := startGrantEnv(t)
	cli := g.env.AWSCLI(t)
	dir := cli.Dir()
	writeFile := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cli.Run(nil, "s3api", "create-bucket", "--bucket", "rt-site")
	cli.Run(nil, "s3api", "put-object", "--bucket", "rt-site", "--key", "index.html", "--body", writeFile("index.html", "<h1>home</h1>"))
	var oac struct{ OriginAccessControl struct{ Id string } }
	mustJSON(t, cli.Run(nil, "cloudfront", "create-origin-access-control", "--origin-access-control-config",
		"Name=rt-oac,SigningProtocol=sigv4,SigningBehavior=always,OriginAccessControlOriginType=s3"), &oac)
	distCfg := `{"CallerReference":"rt","Comment":"","Enabled":true,
	  "Origins":{"Quantity":1,"Items":[{"Id":"s3","DomainName":"rt-site.s3.us-east-1.amazonaws.com",
	    "S3OriginConfig":{"OriginAccessIdentity":""},"OriginAccessControlId":"` + oac.OriginAccessControl.Id + `"}]},
	  "DefaultCacheBehavior":{"TargetOriginId":"s3","ViewerProtocolPolicy":"allow-all",
	    "CachePolicyId":"4135ea2d-6df8-44a3-9df3-4b5a84be39ad"}}`
	var dist struct {
		Distribution struct{ Id, ARN, DomainName string }
	}
	mustJSON(t, cli.Run(nil, "cloudfront", "create-distribution", "--distribution-config", "file://"+writeFile("dist.json", distCfg)), &dist)
	d := dist.Distribution
	stmt := func(arn string) string {
		return `{"Version":"2012-10-17","Statement":[{"Sid":"AllowCloudFrontServicePrincipal","Effect":"Allow",` +
			`"Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::rt-site/*",` +
			`"Condition":{"StringEquals":{"AWS:SourceArn":"` + arn + `"}}}]}`
	}
	phases := []struct {
		what, path string
		setup      func()
		want       string
	}{
		{"no bucket policy", "/index.html", nil, "POL-NO-ALLOW"},
		{"another distribution's ARN", "/index.html", func() {
			cli.Run(nil, "s3api", "put-bucket-policy", "--bucket", "rt-site", "--policy", stmt("arn:aws:cloudfront::000000000000:distribution/EOTHER0000001"))
		}, "POL-SOURCEARN-MISMATCH"},
		{"the key in another case", "/Index.html", func() {
			cli.Run(nil, "s3api", "put-bucket-policy", "--bucket", "rt-site", "--policy", stmt(d.ARN))
		}, "KEY-CASE"},
		{"the root without a default root object", "/", nil, "KEY-ROOT-NO-DRO"},
		{"healthy", "/index.html", nil, ""},
	}
	for i, p := range phases {
		if p.setup != nil {
			p.setup()
		}
		req, _ := http.NewRequest("GET", g.env.Endpoint+p.path, nil)
		req.Host = d.DomainName
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cfID := resp.Header.Get("X-Amz-Cf-Id")

		var out, errb bytes.Buffer
		code := run([]string{"explain", "--endpoint", g.env.Endpoint, "--json", cfID}, &out, &errb)
		var live diagnose.Explanation
		if code == 2 || json.Unmarshal(out.Bytes(), &live) != nil {
			t.Fatalf("%s: explain: exit %d\n%s%s", p.what, code, out.String(), errb.String())
		}

		bundleDir := filepath.Join(t.TempDir(), "bundle")
		out.Reset()
		errb.Reset()
		if code := run([]string{"doctor", "collect", "--distribution-id", d.Id, "--key", p.path, "--out", bundleDir, "--endpoint", g.env.Endpoint},
			&out, &errb); code == 2 {
			t.Fatalf("%s: collect: exit 2\n%s%s", p.what, out.String(), errb.String())
		}
		out.Reset()
		errb.Reset()
		dcode := run([]string{"doctor", "--bundle", bundleDir, "--url", "http://" + d.DomainName + p.path, "--json"}, &out, &errb)
		var offline diagnose.Explanation
		if dcode == 2 || json.Unmarshal(out.Bytes(), &offline) != nil {
			t.Fatalf("%s: doctor: exit %d\n%s%s", p.what, dcode, out.String(), errb.String())
		}
		liveIDs, offIDs := strings.Join(findingIDs(live.Findings), ","), strings.Join(findingIDs(offline.Findings), ",")
		if liveIDs != p.want || offIDs != p.want || live.Status != offline.Status || code != dcode {
			t.Errorf("phase %d %s: live %d %s (exit %d), offline %d %s (exit %d), want %s", i, p.what, live.Status, liveIDs, code,
				offline.Status, offIDs, dcode, p.want)
		}
	}
}

func mustJSON(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
}
