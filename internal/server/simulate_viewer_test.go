package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/server"
)

// TestSimulateViewer: bad input is ErrBadViewerRequest; the distribution's
// owner reading a simulation through a bucket of another account sees
// neither that account's policy nor its keys (as with explain by id),
// the operator (Reader nil) sees both; a write past the edge's checks is
// not made (SIM-WRITE) and leaves the bucket as it was.
func TestSimulateViewer(t *testing.T) {
	env := startSSEKMS(t)
	ctx := context.Background()
	for _, u := range []string{"", "/relative", "ftp://x/", "http://example.com/"} {
		if _, err := env.Server.SimulateViewer(ctx, server.ViewerRequest{URL: u}); !errors.Is(err, server.ErrBadViewerRequest) {
			t.Errorf("%q: %v", u, err)
		}
	}
	// The other account's bucket, with a secret-looking statement and a
	// near-miss key; a distribution of the default account in front.
	other := env.S3As(sseOtherKey, sseOtherSecret)
	if _, err := other.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("theirs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := other.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("theirs"), Key: aws.String("SecretKeyName.txt"),
		Body: strings.NewReader("x")}); err != nil {
		t.Fatal(err)
	}
	h := newEdgeHarness(t, env)
	oac := h.oac("theirs-oac", "always")
	d := h.dist("theirs", func(o *cftypes.Origin, _ *cftypes.DistributionConfig) { o.OriginAccessControlId = aws.String(oac) })
	if _, err := other.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("theirs"), Policy: aws.String(
		`{"Version":"2012-10-17","Statement":[{"Sid":"SecretInternalOnly","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + sseOtherAccount +
			`:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::theirs/*"},` + allowOACStmt("theirs", d.arn) + `]}`)}); err != nil {
		t.Fatal(err)
	}
	url := "http://" + d.domain + "/secretkeyname.txt"

	owner := identity.Principal{Account: "000000000000", ARN: "arn:aws:iam::000000000000:root"}
	res, err := env.Server.SimulateViewer(ctx, server.ViewerRequest{URL: url, Reader: &owner})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(res.Explanation)
	if res.Status != 403 || findingOf(res.Explanation, "KEY-MISSING") == nil ||
		strings.Contains(string(out), "SecretInternalOnly") || strings.Contains(string(out), "SecretKeyName") {
		t.Errorf("the distribution's owner sees another account's bucket:\n%s", out)
	}
	res, err = env.Server.SimulateViewer(ctx, server.ViewerRequest{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	out, _ = json.Marshal(res.Explanation)
	if !strings.Contains(string(out), "SecretInternalOnly") || !strings.Contains(string(out), "KEY-CASE") {
		t.Errorf("the operator's view lacks the policy or the near miss:\n%s", out)
	}

	// A write: allowed at the edge (all seven methods), not made.
	h.bucket("writable", map[string]string{"keep.txt": "kept"})
	wd := h.dist("writable", func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		all := []cftypes.Method{"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}
		cfg.DefaultCacheBehavior.AllowedMethods = &cftypes.AllowedMethods{Quantity: aws.Int32(7), Items: all,
			CachedMethods: &cftypes.CachedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{"GET", "HEAD"}}}
	})
	res, err = env.Server.SimulateViewer(ctx, server.ViewerRequest{Method: http.MethodDelete, URL: "http://" + wd.domain + "/keep.txt"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 501 || findingOf(res.Explanation, "SIM-WRITE") == nil {
		t.Errorf("DELETE: %d %v", res.Status, findingIDs(res.Explanation))
	}
	if _, err := h.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("writable"), Key: aws.String("keep.txt")}); err != nil {
		t.Errorf("the simulated DELETE deleted: %v", err)
	}
}
