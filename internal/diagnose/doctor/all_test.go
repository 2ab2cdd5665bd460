package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/collect"
)

// largeBundle collects a distribution with 20 ordered cache behaviors
// (one per prefix, each with an object) in front of a bucket whose policy
// has 50 statements (the OAC's, then Allows and Denies for other
// principals, prefixes and conditions); brokenPrefix, when not "", is a
// prefix whose objects are missing.
func largeBundle(tb testing.TB, brokenPrefix string) *bundle.Bundle {
	b, _ := largeBundleDir(tb, brokenPrefix)
	return b
}

// largeBundleDir is largeBundle and the directory it was read from.
func largeBundleDir(tb testing.TB, brokenPrefix string) (*bundle.Bundle, string) {
	g := newGen(tb)
	var objects []string
	for i := 0; i < 20; i++ {
		p := fmt.Sprintf("p%02d", i)
		if p != brokenPrefix {
			objects = append(objects, p+"/a.html")
		}
	}
	g.mkBucket(append(objects, "index.html")...)
	g.mkOAC("always")
	g.mkDist(func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		cfg.DefaultRootObject = aws.String("index.html")
		var cbs []cftypes.CacheBehavior
		for i := 0; i < 20; i++ {
			cbs = append(cbs, cftypes.CacheBehavior{PathPattern: aws.String(fmt.Sprintf("/p%02d/*", i)), TargetOriginId: aws.String("s3"),
				ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps, CachePolicyId: aws.String(cachingOpt)})
		}
		cfg.CacheBehaviors = &cftypes.CacheBehaviors{Quantity: aws.Int32(20), Items: cbs}
	})
	stmts := []string{g.oacStmt("")}
	for i := 1; len(stmts) < 50; i++ {
		switch i % 3 {
		case 0:
			stmts = append(stmts, fmt.Sprintf(`{"Sid":"Reader%d","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%012d:root"},"Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":"arn:aws:s3:::%s/p%02d/*"}`,
				i, 200000000000+i, g.bucket, i%20))
		case 1:
			stmts = append(stmts, fmt.Sprintf(`{"Sid":"DenyDelete%d","Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::%s/p%02d/*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"000000000000"}}}`,
				i, g.bucket, i%20))
		default:
			stmts = append(stmts, fmt.Sprintf(`{"Sid":"Partner%d","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%012d:root"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::%s/in%02d/*","Condition":{"IpAddress":{"aws:SourceIp":"10.%d.0.0/16"}}}`,
				i, 300000000000+i, g.bucket, i, i%250))
		}
	}
	g.policy(`{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`)
	dir := filepath.Join(tb.TempDir(), "bundle")
	if _, err := collect.Collect(context.Background(), collect.Options{DistributionID: g.id, Out: dir,
		Config: g.env.Config("test", "test"), Endpoint: g.env.Endpoint}); err != nil {
		tb.Fatal(err)
	}
	b, err := bundle.Read(dir)
	if err != nil {
		tb.Fatal(err)
	}
	return b, dir
}

// TestDiagnoseAllLarge: --all over 20 behaviors, the root and the
// default behavior: all healthy; with one prefix's objects missing,
// exactly that behavior fails, as KEY-MISSING.
func TestDiagnoseAllLarge(t *testing.T) {
	rep, err := DiagnoseAll(context.Background(), largeBundle(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Checks) != 22 || rep.Failing != 0 {
		for _, c := range rep.Checks {
			t.Logf("%s %s %d %v", c.What, c.URL, c.Status, c.Findings)
		}
		t.Fatalf("%d checks, %d failing", len(rep.Checks), rep.Failing)
	}
	rep, err = DiagnoseAll(context.Background(), largeBundle(t, "p07"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failing != 1 {
		t.Fatalf("%d failing", rep.Failing)
	}
	for _, c := range rep.Checks {
		if c.Failed() != (c.What == "cache behavior /p07/*") {
			t.Errorf("%s: %d %v", c.What, c.Status, c.Findings)
		}
		if c.What == "cache behavior /p07/*" && (len(c.Findings) != 1 || c.Findings[0].ID != "KEY-MISSING" || c.URL != "https://"+strings.Split(c.URL, "/")[2]+"/p07/doctor-probe") {
			t.Errorf("p07: %s %v", c.URL, c.Findings)
		}
	}
}

// BenchmarkDiagnoseAll is `edgegate doctor --all` on a distribution with
// 20 behaviors and a 50-statement bucket policy (the target:
// under 1 s): reading the bundle directory, building the world, 22
// simulations.
func BenchmarkDiagnoseAll(b *testing.B) {
	_, dir := largeBundleDir(b, "")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bd, err := bundle.Read(dir)
		if err != nil {
			b.Fatal(err)
		}
		rep, err := DiagnoseAll(context.Background(), bd)
		if err != nil || rep.Failing != 0 {
			b.Fatal(err, rep.Failing)
		}
	}
}

// BenchmarkDiagnoseAllFailing is the worst case: the OAC's statement
// removed from the 50, so every path fails and every fix is proven (a
// world rebuilt, the request simulated again, three probes each).
func BenchmarkDiagnoseAllFailing(b *testing.B) {
	bd := largeBundle(b, "")
	bk := bd.Bucket("site")
	var doc map[string]any
	if err := json.Unmarshal([]byte(bk.Policy.Policy), &doc); err != nil {
		b.Fatal(err)
	}
	doc["Statement"] = doc["Statement"].([]any)[1:]
	text, _ := json.Marshal(doc)
	bk.Policy.Policy = string(text)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := DiagnoseAll(context.Background(), bd)
		if err != nil || rep.Failing != 22 {
			b.Fatal(err, rep.Failing)
		}
		for _, c := range rep.Checks {
			if f := c.Findings[0]; f.ID != "POL-NO-ALLOW" || !f.Fix.Verified {
				b.Fatalf("%s: %s %+v", c.What, f.ID, f.Fix)
			}
		}
	}
}
