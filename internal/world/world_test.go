package world_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/world"
)

// TestBuildBadBundles builds worlds from broken or partial bundles: Build
// fails only when no account can be named, never panics, and records what
// it could not load in Skipped with the bundle file it came from.
func TestBuildBadBundles(t *testing.T) {
	str := func(s string) *string { return &s }
	cases := []struct {
		name    string
		edit    func(b *bundle.Bundle)
		wantErr string
		// skipped are paths that must be in Skipped; notes substrings of
		// a note.
		skipped []string
		notes   []string
		noDist  bool
	}{
		{name: "empty", edit: func(b *bundle.Bundle) { *b = *bundle.New() }, wantErr: "names no account"},
		{name: "only the caller", edit: func(b *bundle.Bundle) {
			ci := b.CallerIdentity
			*b = *bundle.New()
			b.CallerIdentity = ci
		}, noDist: true},
		{name: "bucket policy S3 refuses", edit: func(b *bundle.Bundle) {
			b.Bucket("site").Policy.Policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ec2:RunInstances","Resource":"*"}]}`
		}, skipped: []string{bundle.BucketPath("site", bundle.FileBucketPolicy)}},
		{name: "bucket policy not JSON", edit: func(b *bundle.Bundle) { b.Bucket("site").Policy.Policy = "{" },
			skipped: []string{bundle.BucketPath("site", bundle.FileBucketPolicy)}},
		{name: "key policy not JSON", edit: func(b *bundle.Bundle) {
			for _, k := range b.KMSKeys {
				k.KeyPolicy.Policy = "nope"
			}
		}, skipped: []string{"kms/"}},
		{name: "key policy missing", edit: func(b *bundle.Bundle) {
			for _, k := range b.KMSKeys {
				k.KeyPolicy = nil
			}
		}, notes: []string{"no key policy in the bundle"}},
		{name: "key not described", edit: func(b *bundle.Bundle) { b.KMSKeys = map[string]*bundle.KMSKey{} },
			notes: []string{"not described in the bundle"}},
		{name: "bad key state", edit: func(b *bundle.Bundle) {
			for _, k := range b.KMSKeys {
				k.DescribeKey.KeyMetadata.KeyState = "Exploded"
			}
		}, skipped: []string{"kms/"}},
		{name: "behaviour names a missing origin", edit: func(b *bundle.Bundle) {
			b.DistributionConfig().CacheBehaviors.Items[0].TargetOriginId = str("nowhere")
		}, skipped: []string{bundle.PathDistribution}, noDist: true},
		{name: "distribution without config", edit: func(b *bundle.Bundle) { b.Distribution.Distribution.DistributionConfig = nil }, noDist: true},
		{name: "OAC file missing", edit: func(b *bundle.Bundle) {
			b.OriginAccessControls = map[string]*bundle.GetOriginAccessControl{}
			b.Missing = append(b.Missing, bundle.OACPath(b.DistributionConfig().Origins.Items[0].GetOriginAccessControlId()))
		}, notes: []string{"not in the bundle"}},
		{name: "OAC without required members", edit: func(b *bundle.Bundle) {
			for _, o := range b.OriginAccessControls {
				o.OriginAccessControl.OriginAccessControlConfig.SigningBehavior = nil
			}
		}, skipped: []string{"cloudfront/get-origin-access-control/"}, notes: []string{"not in the bundle"}},
		{name: "ownership value unknown", edit: func(b *bundle.Bundle) {
			b.Bucket("pub").OwnershipControls.OwnershipControls.Rules[0].ObjectOwnership = "Whoever"
		}, skipped: []string{bundle.BucketPath("pub", bundle.FileBucketOwnershipControls)}},
		{name: "website S3 refuses", edit: func(b *bundle.Bundle) {
			b.Bucket("pub").Website = &bundle.GetBucketWebsite{ErrorDocument: &bundle.ErrorDocument{Key: "e.html"}}
		}, skipped: []string{bundle.BucketPath("pub", bundle.FileBucketWebsite)}},
		{name: "ACL grantee type unknown", edit: func(b *bundle.Bundle) {
			b.Bucket("pub").ACL.Grants[0].Grantee.Type = "Martian"
		}, skipped: []string{bundle.BucketPath("pub", bundle.FileBucketACL)}},
		{name: "object with an unknown storage class and a foreign key", edit: func(b *bundle.Bundle) {
			h := b.Bucket("site").HeadObjects["index.html"]
			h.StorageClass = "TAPE"
			b.Bucket("site").HeadObjects["docs/a.txt"].SSEKMSKeyId = "not-a-key"
		}, skipped: []string{bundle.HeadObjectPath("site", "index.html"), bundle.HeadObjectPath("site", "docs/a.txt")}},
		{name: "huge object", edit: func(b *bundle.Bundle) {
			b.Bucket("site").HeadObjects["index.html"].ContentLength = 5 << 30
		}, notes: []string{"placeholder body truncated"}},
		{name: "bucket that does not exist", edit: func(b *bundle.Bundle) { b.Bucket("pub").NoSuchBucket = true }},
		{name: "canonical id not hex", edit: func(b *bundle.Bundle) { b.ListBuckets.Owner.ID = "xyz" },
			notes: []string{"not 64 hex digits"}},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := exampleBundle(t)
			tc.edit(b)
			w, err := world.Build(ctx, b)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Build: %v, want an error saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer w.Close()
			for _, want := range tc.skipped {
				found := false
				for _, s := range w.Skipped {
					found = found || strings.HasPrefix(s.Path, want)
				}
				if !found {
					t.Errorf("Skipped %v lacks %s", w.Skipped, want)
				}
			}
			for _, want := range tc.notes {
				if !strings.Contains(strings.Join(w.Notes, "\n"), want) {
					t.Errorf("Notes %q lack %q", w.Notes, want)
				}
			}
			if (w.Distribution == nil) != tc.noDist {
				t.Errorf("distribution loaded: %v, want %v (skipped %v)", w.Distribution != nil, !tc.noDist, w.Skipped)
			}
			// The world still answers.
			req, _ := w.S3Request(ctx, http.MethodGet, "site", "index.html", nil)
			w.SignAs(req, w.Owner, "s3")
			resp, err := w.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
		})
	}
}

// TestBuildDoesNotAliasTheBundle: a world keeps copies, so editing the
// bundle afterwards (a candidate fix) changes nothing in the world, and
// Build leaves the bundle as it was.
func TestBuildDoesNotAliasTheBundle(t *testing.T) {
	b := exampleBundle(t)
	before := b.Clone()
	w, err := world.Build(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	b.DistributionConfig().DefaultRootObject = nil
	if w.Distribution.Config.GetDefaultRootObject() != "index.html" {
		t.Error("the world's distribution changed with the bundle")
	}
	b.DistributionConfig().DefaultRootObject = before.DistributionConfig().DefaultRootObject
	// Build filled no defaults into the caller's configuration.
	if got, want := len(b.DistributionConfig().GetCustomErrorResponses().GetItems()), len(before.DistributionConfig().GetCustomErrorResponses().GetItems()); got != want {
		t.Error("Build changed the bundle")
	}
}

// TestFixChangesTheAnswer: the doctor's loop in miniature. The example's
// key policy does not let CloudFront decrypt, so the viewer gets 403; the
// key policy with the service-principal statement, in a rebuilt world,
// gives 200.
func TestFixChangesTheAnswer(t *testing.T) {
	ctx := context.Background()
	b := exampleBundle(t)
	get := func(b *bundle.Bundle) int {
		w, err := world.Build(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+w.Distribution.DomainName+"/docs/a.txt", nil)
		resp, err := w.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get(b); got != http.StatusForbidden {
		t.Fatalf("before the fix: %d, want 403", got)
	}
	fixed := b.Clone()
	arn := fixed.Distribution.Distribution.GetARN()
	for _, k := range fixed.KMSKeys {
		p := k.KeyPolicy.Policy
		i := strings.LastIndex(p, "]")
		k.KeyPolicy.Policy = p[:i] + `,{"Sid":"AllowCloudFrontServicePrincipalSSE-KMS","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},` +
			`"Action":["kms:Decrypt","kms:Encrypt","kms:GenerateDataKey*"],"Resource":"*","Condition":{"StringEquals":{"AWS:SourceArn":"` + arn + `"}}}` + p[i:]
	}
	if got := get(fixed); got != http.StatusOK {
		t.Fatalf("after the fix: %d, want 200", got)
	}
	if got := get(b); got != http.StatusForbidden {
		t.Fatalf("the original bundle after the fix: %d, want 403", got)
	}
}

// awsShaped returns the example bundle rewritten to look like one from a
// real account: account 123456789012, region eu-west-1 (buckets, key,
// origin endpoints), the domain under cloudfront.net.
func awsShaped(t *testing.T) *bundle.Bundle {
	t.Helper()
	src := exampleBundle(t)
	dir := t.TempDir()
	if err := src.Write(dir); err != nil {
		t.Fatal(err)
	}
	domain := src.Distribution.Distribution.GetDomainName()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := strings.NewReplacer(
			"000000000000", "123456789012",
			domain, "d111111abcdef8.cloudfront.net",
			"us-east-1", "eu-west-1",
			`"LocationConstraint": null`, `"LocationConstraint": "eu-west-1"`,
		).Replace(string(data))
		return os.WriteFile(p, []byte(s), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Problems) > 0 {
		t.Fatalf("problems: %v", b.Problems)
	}
	return b
}

// TestBuildAWSShapedBundle: a bundle with a real account's shape (another
// account id, region eu-west-1, a cloudfront.net domain) decides as the
// example does: the world takes its ids, region and domain as given.
func TestBuildAWSShapedBundle(t *testing.T) {
	ctx := context.Background()
	b := awsShaped(t)
	w, err := world.Build(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if len(w.Skipped) > 0 {
		t.Fatalf("skipped: %v", w.Skipped)
	}
	if w.Region != "eu-west-1" || w.Owner.AccountID != "123456789012" || w.Distribution.DomainName != "d111111abcdef8.cloudfront.net" ||
		w.Distribution.ARN != b.Distribution.Distribution.GetARN() {
		t.Fatalf("region %s, owner %s, distribution %+v", w.Region, w.Owner.AccountID, w.Distribution)
	}
	viewer := func(p string) int {
		resp, err := w.Do(must(http.NewRequestWithContext(ctx, http.MethodGet, "http://d111111abcdef8.cloudfront.net"+p, nil)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for p, want := range map[string]int{"/pub/p.txt": 200, "/pub/q.txt": 403, "/docs/a.txt": 403, "/": 403} {
		if got := viewer(p); got != want {
			t.Errorf("viewer GET %s: %d, want %d", p, got, want)
		}
	}
	req := must(w.S3Request(ctx, http.MethodGet, "site", "docs/a.txt", nil))
	w.SignAs(req, w.Owner, "s3")
	resp := must(w.Do(req))
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || len(body) != 5 || resp.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id") == "" ||
		!strings.Contains(resp.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"), ":eu-west-1:123456789012:key/") {
		t.Errorf("owner GET site/docs/a.txt: %d %q %v", resp.StatusCode, body, resp.Header)
	}
}

func TestBuildCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if w, err := world.Build(ctx, exampleBundle(t)); err == nil || !errors.Is(err, context.Canceled) {
		if w != nil {
			w.Close()
		}
		t.Fatalf("Build with a cancelled context: %v", err)
	}
}
