package cloudfront

import "testing"

func TestClassifyOrigin(t *testing.T) {
	tests := []struct {
		domain string
		want   OriginTarget
	}{
		{"site.s3.us-east-1.amazonaws.com", OriginTarget{OriginS3REST, "site", "us-east-1"}},
		{"site.s3.eu-central-2.amazonaws.com", OriginTarget{OriginS3REST, "site", "eu-central-2"}},
		{"site.s3.us-gov-west-1.amazonaws.com", OriginTarget{OriginS3REST, "site", "us-gov-west-1"}},
		{"my.site.example.s3.ap-southeast-2.amazonaws.com", OriginTarget{OriginS3REST, "my.site.example", "ap-southeast-2"}},
		{"my.s3.bucket.s3.us-west-2.amazonaws.com", OriginTarget{OriginS3REST, "my.s3.bucket", "us-west-2"}},
		{"site.s3.amazonaws.com", OriginTarget{OriginS3REST, "site", ""}},
		{"a.b.s3.amazonaws.com", OriginTarget{OriginS3REST, "a.b", ""}},
		{"site.s3-eu-west-1.amazonaws.com", OriginTarget{OriginS3REST, "site", "eu-west-1"}},
		{"site.s3-external-1.amazonaws.com", OriginTarget{OriginS3REST, "site", "us-east-1"}},
		{"site.s3-website-us-east-1.amazonaws.com", OriginTarget{OriginS3Website, "site", "us-east-1"}},
		{"site.s3-website.eu-west-3.amazonaws.com", OriginTarget{OriginS3Website, "site", "eu-west-3"}},
		{"my.site.s3-website-us-west-2.amazonaws.com", OriginTarget{OriginS3Website, "my.site", "us-west-2"}},
		{"site.s3.localhost", OriginTarget{OriginS3REST, "site", ""}},
		{"my.site.s3.localhost", OriginTarget{OriginS3REST, "my.site", ""}},
		{"site.s3-website.localhost", OriginTarget{OriginS3Website, "site", ""}},
		{"Site.S3.US-EAST-1.AmazonAWS.com.", OriginTarget{OriginS3REST, "site", "us-east-1"}},

		// Custom origins.
		{"www.example.com", OriginTarget{Kind: OriginCustom}},
		{"example.com", OriginTarget{Kind: OriginCustom}},
		{"s3.amazonaws.com", OriginTarget{Kind: OriginCustom}},
		{"s3.us-east-1.amazonaws.com", OriginTarget{Kind: OriginCustom}},
		{"ab.s3.us-east-1.amazonaws.com", OriginTarget{Kind: OriginCustom}},   // bucket too short
		{"-ab.s3.us-east-1.amazonaws.com", OriginTarget{Kind: OriginCustom}},  // bucket starts with a hyphen
		{"a..b.s3.us-east-1.amazonaws.com", OriginTarget{Kind: OriginCustom}}, // empty label
		{"site.s3.nowhere.amazonaws.com", OriginTarget{Kind: OriginCustom}},   // not a Region
		{"site.s3-website-mars.amazonaws.com", OriginTarget{Kind: OriginCustom}},
		{"site.s3-accelerate.amazonaws.com", OriginTarget{Kind: OriginCustom}},
		{"elb-123.us-east-1.elb.amazonaws.com", OriginTarget{Kind: OriginCustom}},
		{"site.s3.us-east-1.amazonaws.com:443", OriginTarget{Kind: OriginCustom}},
		{"site.s3.localhost.example.com", OriginTarget{Kind: OriginCustom}},
		{"s3.localhost", OriginTarget{Kind: OriginCustom}},
		{"", OriginTarget{Kind: OriginCustom}},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			if got := ClassifyOrigin(tt.domain); got != tt.want {
				t.Errorf("ClassifyOrigin(%q) = %+v, want %+v", tt.domain, got, tt.want)
			}
		})
	}
}

func TestOriginKindString(t *testing.T) {
	for k, want := range map[OriginKind]string{OriginCustom: "Custom", OriginS3REST: "S3REST", OriginS3Website: "S3Website"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q, want %q", k, k.String(), want)
		}
	}
}
