package world_test

import (
	"context"
	"io"
	"net/http"
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
