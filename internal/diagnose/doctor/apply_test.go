package doctor

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/diagnose"
)

func applyBundle() *bundle.Bundle {
	return &bundle.Bundle{
		Distribution: &bundle.GetDistribution{Distribution: &cloudfront.Distribution{Id: ptr("E1"),
			DistributionConfig: &cloudfront.DistributionConfig{
				Origins: &cloudfront.Origins{Items: []cloudfront.Origin{{Id: ptr("o1"), DomainName: ptr("b.s3.us-east-1.amazonaws.com"),
					S3OriginConfig: &cloudfront.S3OriginConfig{OriginAccessIdentity: ptr("origin-access-identity/cloudfront/X")}}}},
				DefaultCacheBehavior: &cloudfront.DefaultCacheBehavior{TargetOriginId: ptr("o1"), ViewerProtocolPolicy: ptr("allow-all")},
				CacheBehaviors:       &cloudfront.CacheBehaviors{Items: []cloudfront.CacheBehavior{{PathPattern: ptr("/api/*"), ViewerProtocolPolicy: ptr("https-only")}}},
			}}},
		Buckets: map[string]*bundle.Bucket{
			"b": {Name: "b", Policy: &bundle.GetBucketPolicy{Policy: `{"Version":"2012-10-17","Statement":{"Sid":"Old","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"x"}}`}},
			"deny": {Name: "deny", Policy: &bundle.GetBucketPolicy{Policy: `{"Statement":[{"Sid":"Vpce","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"x",` +
				`"Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}},{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"x"}]}`}},
			"nopolicy": {Name: "nopolicy"},
		},
		OriginAccessControls: map[string]*bundle.GetOriginAccessControl{"OAC1": {OriginAccessControl: &cloudfront.OriginAccessControl{Id: ptr("OAC1"),
			OriginAccessControlConfig: &cloudfront.OriginAccessControlConfig{SigningBehavior: ptr("never")}}}},
		KMSKeys: map[string]*bundle.KMSKey{"k1": {Dir: "k1",
			DescribeKey: &bundle.DescribeKey{KeyMetadata: &bundle.KeyMetadata{KeyId: "k1", Arn: "arn:aws:kms:us-east-1:111122223333:key/k1", KeyState: "Disabled"}},
			KeyPolicy:   &bundle.GetKeyPolicy{Policy: `{"Version":"2012-10-17","Statement":[]}`}}},
	}
}

func TestApply(t *testing.T) {
	stmt := json.RawMessage(`{"Sid":"Old","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`)
	tests := []struct {
		name  string
		c     diagnose.Change
		check func(b *bundle.Bundle) string // "" when as expected
		err   bool
	}{
		{"replace a statement by Sid", diagnose.Change{Kind: diagnose.ChangeBucketPolicyStatement, Bucket: "b", Sid: "Old", Statement: stmt},
			func(b *bundle.Bundle) string {
				p := b.Buckets["b"].Policy.Policy
				if strings.Count(p, `"Sid"`) != 1 || !strings.Contains(p, "cloudfront.amazonaws.com") {
					return p
				}
				return ""
			}, false},
		{"a policy for a bucket without one", diagnose.Change{Kind: diagnose.ChangeBucketPolicyStatement, Bucket: "nopolicy", Sid: "Old", Statement: stmt},
			func(b *bundle.Bundle) string {
				if p := b.Buckets["nopolicy"].Policy; p == nil || !strings.Contains(p.Policy, `"Version":"2012-10-17"`) {
					return "no policy"
				}
				return ""
			}, false},
		{"exempt by Sid", diagnose.Change{Kind: diagnose.ChangeBucketPolicyExempt, Bucket: "deny", Sid: "Vpce", Value: "arn:aws:cloudfront::1:distribution/E1"},
			func(b *bundle.Bundle) string {
				p := b.Buckets["deny"].Policy.Policy
				if !strings.Contains(p, `"AWS:SourceArn":"arn:aws:cloudfront::1:distribution/E1","aws:SourceVpce":"vpce-1"`) {
					return p
				}
				return ""
			}, false},
		{"exempt by index", diagnose.Change{Kind: diagnose.ChangeBucketPolicyExempt, Bucket: "deny", Sid: "#1", Value: "A"},
			func(b *bundle.Bundle) string {
				if p := b.Buckets["deny"].Policy.Policy; !strings.Contains(p, `"Condition":{"StringNotEquals":{"AWS:SourceArn":"A"}}`) {
					return p
				}
				return ""
			}, false},
		{"exempt an Allow", diagnose.Change{Kind: diagnose.ChangeBucketPolicyExempt, Bucket: "b", Sid: "Old", Value: "A"}, nil, true},
		{"no such bucket", diagnose.Change{Kind: diagnose.ChangeOwnership, Bucket: "zz", Value: "BucketOwnerEnforced"}, nil, true},
		{"ownership", diagnose.Change{Kind: diagnose.ChangeOwnership, Bucket: "b", Value: "BucketOwnerEnforced"},
			func(b *bundle.Bundle) string {
				if b.Buckets["b"].ObjectOwnership() != "BucketOwnerEnforced" {
					return b.Buckets["b"].ObjectOwnership()
				}
				return ""
			}, false},
		{"key policy statement", diagnose.Change{Kind: diagnose.ChangeKeyPolicyStatement, KeyID: "arn:aws:kms:us-east-1:111122223333:key/k1", Sid: "S", Statement: stmt},
			func(b *bundle.Bundle) string {
				if !strings.Contains(b.KMSKeys["k1"].KeyPolicy.Policy, "cloudfront.amazonaws.com") {
					return b.KMSKeys["k1"].KeyPolicy.Policy
				}
				return ""
			}, false},
		{"enable key", diagnose.Change{Kind: diagnose.ChangeKeyEnable, KeyID: "k1"},
			func(b *bundle.Bundle) string {
				if m := b.KMSKeys["k1"].DescribeKey.KeyMetadata; !m.Enabled || m.KeyState != "Enabled" {
					return m.KeyState
				}
				return ""
			}, false},
		{"OAC signing", diagnose.Change{Kind: diagnose.ChangeOACSigning, Target: "OAC1", Value: "always"},
			func(b *bundle.Bundle) string {
				if v := *b.OriginAccessControls["OAC1"].OriginAccessControl.OriginAccessControlConfig.SigningBehavior; v != "always" {
					return v
				}
				return ""
			}, false},
		{"default root object", diagnose.Change{Kind: diagnose.ChangeDefaultRootObject, Value: "index.html"},
			func(b *bundle.Bundle) string {
				if *b.DistributionConfig().DefaultRootObject != "index.html" {
					return "unchanged"
				}
				return ""
			}, false},
		{"origin path of a missing origin", diagnose.Change{Kind: diagnose.ChangeOriginPath, Target: "nope"}, nil, true},
		{"origin OAC", diagnose.Change{Kind: diagnose.ChangeOriginOAC, Target: "o1", Bucket: "b", Sid: "New", Statement: stmt},
			func(b *bundle.Bundle) string {
				o := b.DistributionConfig().Origins.Items[0]
				if o.OriginAccessControlId == nil || b.OriginAccessControls[*o.OriginAccessControlId] == nil || *o.S3OriginConfig.OriginAccessIdentity != "" {
					return "origin not switched"
				}
				return ""
			}, false},
		{"viewer protocol of an ordered behavior", diagnose.Change{Kind: diagnose.ChangeViewerProtocol, Target: "/api/*", Value: "redirect-to-https"},
			func(b *bundle.Bundle) string {
				if v := *b.DistributionConfig().CacheBehaviors.Items[0].ViewerProtocolPolicy; v != "redirect-to-https" {
					return v
				}
				return ""
			}, false},
		{"allowed methods of the default", diagnose.Change{Kind: diagnose.ChangeAllowedMethods, Value: "GET,HEAD,OPTIONS"},
			func(b *bundle.Bundle) string {
				if am := b.DistributionConfig().DefaultCacheBehavior.AllowedMethods; am == nil || len(am.Items) != 3 {
					return "unchanged"
				}
				return ""
			}, false},
		{"cache policy of the default", diagnose.Change{Kind: diagnose.ChangeCachePolicy, Value: "658327ea"},
			func(b *bundle.Bundle) string {
				if v := b.DistributionConfig().DefaultCacheBehavior.CachePolicyId; v == nil || *v != "658327ea" {
					return "unchanged"
				}
				return ""
			}, false},
		{"origin request policy of an ordered behavior", diagnose.Change{Kind: diagnose.ChangeOriginRequestPolicy, Target: "/api/*", Value: "88a5eaf4"},
			func(b *bundle.Bundle) string {
				if v := b.DistributionConfig().CacheBehaviors.Items[0].OriginRequestPolicyId; v == nil || *v != "88a5eaf4" {
					return "unchanged"
				}
				return ""
			}, false},
		{"origin request policy removed", diagnose.Change{Kind: diagnose.ChangeOriginRequestPolicy, Target: "*"},
			func(b *bundle.Bundle) string {
				if v := b.DistributionConfig().DefaultCacheBehavior.OriginRequestPolicyId; v != nil {
					return *v
				}
				return ""
			}, false},
		{"no cache policy id", diagnose.Change{Kind: diagnose.ChangeCachePolicy, Target: "/api/*"}, nil, true},
		{"cache policy of a missing behavior", diagnose.Change{Kind: diagnose.ChangeCachePolicy, Target: "/nope/*", Value: "x"}, nil, true},
		{"unknown kind", diagnose.Change{Kind: "paint-it-blue"}, nil, true},
	}
	for _, tt := range tests {
		b := applyBundle()
		err := Apply(b, &tt.c)
		if tt.err {
			if !errors.Is(err, ErrNotApplicable) {
				t.Errorf("%s: err %v, want ErrNotApplicable", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if msg := tt.check(b); msg != "" {
			t.Errorf("%s: %s", tt.name, msg)
		}
	}
	if err := Apply(applyBundle(), nil); err == nil {
		t.Error("nil change applied")
	}
}
