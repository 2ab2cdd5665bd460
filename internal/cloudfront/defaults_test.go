package cloudfront

import (
	"encoding/json"
	"reflect"
	"testing"
)

// minimalDistConfig is the smallest valid configuration: one S3 origin and
// a legacy default behaviour.
func minimalDistConfig() *DistributionConfig {
	return &DistributionConfig{
		CallerReference: ptr("ref"), Comment: ptr(""), Enabled: ptr(true),
		Origins: &Origins{Quantity: ptr[int64](1), Items: []Origin{{
			Id: ptr("s3"), DomainName: ptr("site.s3.us-east-1.amazonaws.com"),
			S3OriginConfig: &S3OriginConfig{OriginAccessIdentity: ptr("")},
		}}},
		DefaultCacheBehavior: &DefaultCacheBehavior{
			TargetOriginId: ptr("s3"), ViewerProtocolPolicy: ptr("allow-all"),
			ForwardedValues: &ForwardedValues{QueryString: ptr(false), Cookies: &CookiePreference{Forward: ptr("none")}},
		},
	}
}

// cloneDistConfig deep-copies a configuration (test helper).
func cloneDistConfig(t *testing.T, c *DistributionConfig) *DistributionConfig {
	t.Helper()
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	out := &DistributionConfig{}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestApplyDistributionDefaultsFillsWhatCloudFrontReturns(t *testing.T) {
	cfg := minimalDistConfig()
	applyDistributionDefaults(cfg)
	o := cfg.Origins.Items[0]
	d := cfg.DefaultCacheBehavior
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"Aliases", cfg.Aliases, &Aliases{Quantity: ptr[int64](0)}},
		{"DefaultRootObject", cfg.DefaultRootObject, ptr("")},
		{"OriginGroups", cfg.OriginGroups, &OriginGroups{Quantity: ptr[int64](0)}},
		{"CacheBehaviors", cfg.CacheBehaviors, &CacheBehaviors{Quantity: ptr[int64](0)}},
		{"CustomErrorResponses", cfg.CustomErrorResponses, &CustomErrorResponses{Quantity: ptr[int64](0)}},
		{"Logging", cfg.Logging, &LoggingConfig{Enabled: ptr(false), IncludeCookies: ptr(false), Bucket: ptr(""), Prefix: ptr("")}},
		{"PriceClass", cfg.PriceClass, ptr("PriceClass_All")},
		{"ViewerCertificate", cfg.ViewerCertificate, &ViewerCertificate{CloudFrontDefaultCertificate: ptr(true),
			SSLSupportMethod: ptr("vip"), MinimumProtocolVersion: ptr("TLSv1"), CertificateSource: ptr("cloudfront")}},
		{"Restrictions", cfg.Restrictions, &Restrictions{GeoRestriction: &GeoRestriction{RestrictionType: ptr("none"), Quantity: ptr[int64](0)}}},
		{"WebACLId", cfg.WebACLId, ptr("")},
		{"HttpVersion", cfg.HttpVersion, ptr("http2")},
		{"IsIPV6Enabled", cfg.IsIPV6Enabled, ptr(false)},
		{"Staging", cfg.Staging, ptr(false)},
		{"ContinuousDeploymentPolicyId (not filled)", cfg.ContinuousDeploymentPolicyId, (*string)(nil)},
		{"Origin.OriginPath", o.OriginPath, ptr("")},
		{"Origin.CustomHeaders", o.CustomHeaders, &CustomHeaders{Quantity: ptr[int64](0)}},
		{"Origin.ConnectionAttempts", o.ConnectionAttempts, ptr[int64](3)},
		{"Origin.ConnectionTimeout", o.ConnectionTimeout, ptr[int64](10)},
		{"Origin.OriginShield", o.OriginShield, &OriginShield{Enabled: ptr(false)}},
		{"Origin.OriginAccessControlId", o.OriginAccessControlId, ptr("")},
		{"Behavior.TrustedSigners", d.TrustedSigners, &TrustedSigners{Enabled: ptr(false), Quantity: ptr[int64](0)}},
		{"Behavior.TrustedKeyGroups", d.TrustedKeyGroups, &TrustedKeyGroups{Enabled: ptr(false), Quantity: ptr[int64](0)}},
		{"Behavior.AllowedMethods", d.AllowedMethods, &AllowedMethods{Quantity: ptr[int64](2), Items: []string{"HEAD", "GET"},
			CachedMethods: &CachedMethods{Quantity: ptr[int64](2), Items: []string{"HEAD", "GET"}}}},
		{"Behavior.SmoothStreaming", d.SmoothStreaming, ptr(false)},
		{"Behavior.Compress", d.Compress, ptr(false)},
		{"Behavior.LambdaFunctionAssociations", d.LambdaFunctionAssociations, &LambdaFunctionAssociations{Quantity: ptr[int64](0)}},
		{"Behavior.FunctionAssociations", d.FunctionAssociations, &FunctionAssociations{Quantity: ptr[int64](0)}},
		{"Behavior.FieldLevelEncryptionId", d.FieldLevelEncryptionId, ptr("")},
		{"Behavior.GrpcConfig", d.GrpcConfig, &GrpcConfig{Enabled: ptr(false)}},
		{"Behavior.ForwardedValues", d.ForwardedValues, &ForwardedValues{QueryString: ptr(false),
			Cookies: &CookiePreference{Forward: ptr("none")}, Headers: &Headers{Quantity: ptr[int64](0)},
			QueryStringCacheKeys: &QueryStringCacheKeys{Quantity: ptr[int64](0)}}},
		{"Behavior.MinTTL", d.MinTTL, ptr[int64](0)},
		{"Behavior.DefaultTTL", d.DefaultTTL, ptr[int64](86400)},
		{"Behavior.MaxTTL", d.MaxTTL, ptr[int64](31536000)},
		{"Behavior.CachePolicyId (not filled)", d.CachePolicyId, (*string)(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				g, _ := json.Marshal(tt.got)
				w, _ := json.Marshal(tt.want)
				t.Errorf("got %s, want %s", g, w)
			}
		})
	}
}

// fullDistConfig sets every member defaults could fill, to values that
// differ from the defaults.
func fullDistConfig() *DistributionConfig {
	cfg := minimalDistConfig()
	cfg.Aliases = &Aliases{Quantity: ptr[int64](1), Items: []string{"www.example.com"}}
	cfg.DefaultRootObject = ptr("index.html")
	cfg.OriginGroups = &OriginGroups{Quantity: ptr[int64](0)}
	cfg.CustomErrorResponses = &CustomErrorResponses{Quantity: ptr[int64](1), Items: []CustomErrorResponse{{
		ErrorCode: ptr[int64](404), ResponsePagePath: ptr("/404.html"), ResponseCode: ptr("404"), ErrorCachingMinTTL: ptr[int64](7)}}}
	cfg.Logging = &LoggingConfig{Enabled: ptr(true), IncludeCookies: ptr(true), Bucket: ptr("logs.s3.amazonaws.com"), Prefix: ptr("p/")}
	cfg.PriceClass = ptr("PriceClass_100")
	cfg.ViewerCertificate = &ViewerCertificate{CloudFrontDefaultCertificate: ptr(false), ACMCertificateArn: ptr("arn:aws:acm:us-east-1:000000000000:certificate/x"),
		SSLSupportMethod: ptr("sni-only"), MinimumProtocolVersion: ptr("TLSv1.2_2021"), Certificate: ptr("arn:aws:acm:us-east-1:000000000000:certificate/x"), CertificateSource: ptr("acm")}
	cfg.Restrictions = &Restrictions{GeoRestriction: &GeoRestriction{RestrictionType: ptr("whitelist"), Quantity: ptr[int64](1), Items: []string{"FR"}}}
	cfg.WebACLId = ptr("acl")
	cfg.HttpVersion = ptr("http2and3")
	cfg.IsIPV6Enabled = ptr(true)
	cfg.Staging = ptr(false)
	o := &cfg.Origins.Items[0]
	o.OriginPath = ptr("/root")
	o.CustomHeaders = &CustomHeaders{Quantity: ptr[int64](1), Items: []OriginCustomHeader{{HeaderName: ptr("X-A"), HeaderValue: ptr("b")}}}
	o.ConnectionAttempts, o.ConnectionTimeout = ptr[int64](1), ptr[int64](2)
	o.OriginShield = &OriginShield{Enabled: ptr(true), OriginShieldRegion: ptr("us-east-2")}
	o.OriginAccessControlId = ptr("")
	cfg.Origins.Items = append(cfg.Origins.Items, Origin{Id: ptr("web"), DomainName: ptr("www.example.net"), OriginPath: ptr(""),
		CustomHeaders: &CustomHeaders{Quantity: ptr[int64](0)}, ConnectionAttempts: ptr[int64](2), ConnectionTimeout: ptr[int64](5),
		OriginShield: &OriginShield{Enabled: ptr(false)}, OriginAccessControlId: ptr(""),
		CustomOriginConfig: &CustomOriginConfig{HTTPPort: ptr[int64](8080), HTTPSPort: ptr[int64](8443), OriginProtocolPolicy: ptr("https-only"),
			OriginSslProtocols: &OriginSslProtocols{Quantity: ptr[int64](1), Items: []string{"TLSv1.2"}}, OriginReadTimeout: ptr[int64](60), OriginKeepaliveTimeout: ptr[int64](20)}})
	cfg.Origins.Quantity = ptr[int64](2)
	d := cfg.DefaultCacheBehavior
	d.TrustedSigners = &TrustedSigners{Enabled: ptr(true), Quantity: ptr[int64](1), Items: []string{"self"}}
	d.TrustedKeyGroups = &TrustedKeyGroups{Enabled: ptr(false), Quantity: ptr[int64](0)}
	d.AllowedMethods = &AllowedMethods{Quantity: ptr[int64](3), Items: []string{"GET", "HEAD", "OPTIONS"},
		CachedMethods: &CachedMethods{Quantity: ptr[int64](3), Items: []string{"GET", "HEAD", "OPTIONS"}}}
	d.SmoothStreaming, d.Compress = ptr(true), ptr(true)
	d.LambdaFunctionAssociations = &LambdaFunctionAssociations{Quantity: ptr[int64](0)}
	d.FunctionAssociations = &FunctionAssociations{Quantity: ptr[int64](0)}
	d.FieldLevelEncryptionId = ptr("")
	d.GrpcConfig = &GrpcConfig{Enabled: ptr(true)}
	d.ForwardedValues.Headers = &Headers{Quantity: ptr[int64](1), Items: []string{"Origin"}}
	d.ForwardedValues.QueryStringCacheKeys = &QueryStringCacheKeys{Quantity: ptr[int64](0)}
	d.MinTTL, d.DefaultTTL, d.MaxTTL = ptr[int64](1), ptr[int64](2), ptr[int64](3)
	cfg.CacheBehaviors = &CacheBehaviors{Quantity: ptr[int64](1), Items: []CacheBehavior{{
		PathPattern: ptr("/api/*"), TargetOriginId: ptr("web"), ViewerProtocolPolicy: ptr("https-only"),
		TrustedSigners: &TrustedSigners{Enabled: ptr(false), Quantity: ptr[int64](0)}, TrustedKeyGroups: &TrustedKeyGroups{Enabled: ptr(false), Quantity: ptr[int64](0)},
		AllowedMethods:  &AllowedMethods{Quantity: ptr[int64](2), Items: []string{"GET", "HEAD"}, CachedMethods: &CachedMethods{Quantity: ptr[int64](2), Items: []string{"GET", "HEAD"}}},
		SmoothStreaming: ptr(false), Compress: ptr(true), LambdaFunctionAssociations: &LambdaFunctionAssociations{Quantity: ptr[int64](0)},
		FunctionAssociations: &FunctionAssociations{Quantity: ptr[int64](0)}, FieldLevelEncryptionId: ptr(""), CachePolicyId: ptr("658327ea-f89d-4fab-a63d-7e88639e58f6"),
		GrpcConfig: &GrpcConfig{Enabled: ptr(false)},
	}}}
	return cfg
}

func TestApplyDistributionDefaultsKeepsWhatWasSent(t *testing.T) {
	cfg := fullDistConfig()
	want := cloneDistConfig(t, cfg)
	applyDistributionDefaults(cfg)
	if !reflect.DeepEqual(cfg, want) {
		g, _ := json.MarshalIndent(cfg, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Fatalf("defaults changed a configuration that set every member:\n got %s\nwant %s", g, w)
	}
}

func TestApplyDistributionDefaultsIsIdempotent(t *testing.T) {
	cfg := minimalDistConfig()
	applyDistributionDefaults(cfg)
	once := cloneDistConfig(t, cfg)
	applyDistributionDefaults(cfg)
	if !reflect.DeepEqual(cfg, once) {
		t.Fatal("a second pass changed the configuration")
	}
}

func TestApplyDistributionDefaultsCases(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*DistributionConfig)
		check func(*DistributionConfig) (got, want any)
	}{
		{"MinTTL above a day raises the DefaultTTL default",
			func(c *DistributionConfig) { c.DefaultCacheBehavior.MinTTL = ptr[int64](100000) },
			func(c *DistributionConfig) (any, any) {
				d := c.DefaultCacheBehavior
				return []int64{*d.MinTTL, *d.DefaultTTL, *d.MaxTTL}, []int64{100000, 100000, 31536000}
			}},
		{"DefaultTTL above a year raises the MaxTTL default",
			func(c *DistributionConfig) { c.DefaultCacheBehavior.DefaultTTL = ptr[int64](40000000) },
			func(c *DistributionConfig) (any, any) {
				d := c.DefaultCacheBehavior
				return []int64{*d.MinTTL, *d.DefaultTTL, *d.MaxTTL}, []int64{0, 40000000, 40000000}
			}},
		{"a cache policy behaviour gets no TTLs",
			func(c *DistributionConfig) {
				c.DefaultCacheBehavior.ForwardedValues = nil
				c.DefaultCacheBehavior.CachePolicyId = ptr("658327ea-f89d-4fab-a63d-7e88639e58f6")
			},
			func(c *DistributionConfig) (any, any) {
				d := c.DefaultCacheBehavior
				return []*int64{d.MinTTL, d.DefaultTTL, d.MaxTTL}, []*int64{nil, nil, nil}
			}},
		{"an empty CachePolicyId is legacy settings (Terraform sends it)",
			func(c *DistributionConfig) { c.DefaultCacheBehavior.CachePolicyId = ptr("") },
			func(c *DistributionConfig) (any, any) { return *c.DefaultCacheBehavior.DefaultTTL, int64(86400) }},
		{"AllowedMethods without CachedMethods",
			func(c *DistributionConfig) {
				c.DefaultCacheBehavior.AllowedMethods = &AllowedMethods{Quantity: ptr[int64](3), Items: []string{"GET", "HEAD", "OPTIONS"}}
			},
			func(c *DistributionConfig) (any, any) {
				am := c.DefaultCacheBehavior.AllowedMethods
				return []any{am.Items, am.CachedMethods.Items}, []any{[]string{"GET", "HEAD", "OPTIONS"}, []string{"HEAD", "GET"}}
			}},
		{"custom origin timeouts",
			func(c *DistributionConfig) {
				c.Origins.Items[0].S3OriginConfig = nil
				c.Origins.Items[0].DomainName = ptr("www.example.com")
				c.Origins.Items[0].CustomOriginConfig = &CustomOriginConfig{HTTPPort: ptr[int64](80), HTTPSPort: ptr[int64](443), OriginProtocolPolicy: ptr("http-only")}
			},
			func(c *DistributionConfig) (any, any) {
				co := c.Origins.Items[0].CustomOriginConfig
				return []any{*co.OriginReadTimeout, *co.OriginKeepaliveTimeout, co.OriginSslProtocols}, []any{int64(30), int64(5), (*OriginSslProtocols)(nil)}
			}},
		{"ACM certificate",
			func(c *DistributionConfig) {
				c.ViewerCertificate = &ViewerCertificate{ACMCertificateArn: ptr("arn:acm"), SSLSupportMethod: ptr("sni-only"), MinimumProtocolVersion: ptr("TLSv1.2_2021")}
			},
			func(c *DistributionConfig) (any, any) {
				return c.ViewerCertificate, &ViewerCertificate{CloudFrontDefaultCertificate: ptr(false), ACMCertificateArn: ptr("arn:acm"),
					SSLSupportMethod: ptr("sni-only"), MinimumProtocolVersion: ptr("TLSv1.2_2021"), Certificate: ptr("arn:acm"), CertificateSource: ptr("acm")}
			}},
		{"IAM certificate",
			func(c *DistributionConfig) {
				c.ViewerCertificate = &ViewerCertificate{IAMCertificateId: ptr("ASCAEXAMPLE"), SSLSupportMethod: ptr("vip")}
			},
			func(c *DistributionConfig) (any, any) {
				return c.ViewerCertificate, &ViewerCertificate{CloudFrontDefaultCertificate: ptr(false), IAMCertificateId: ptr("ASCAEXAMPLE"),
					SSLSupportMethod: ptr("vip"), MinimumProtocolVersion: ptr("TLSv1"), Certificate: ptr("ASCAEXAMPLE"), CertificateSource: ptr("iam")}
			}},
		{"default certificate as Terraform sends it",
			func(c *DistributionConfig) {
				c.ViewerCertificate = &ViewerCertificate{CloudFrontDefaultCertificate: ptr(true), MinimumProtocolVersion: ptr("TLSv1")}
			},
			func(c *DistributionConfig) (any, any) {
				return c.ViewerCertificate, &ViewerCertificate{CloudFrontDefaultCertificate: ptr(true), SSLSupportMethod: ptr("vip"),
					MinimumProtocolVersion: ptr("TLSv1"), CertificateSource: ptr("cloudfront")}
			}},
		{"a partial Logging is completed",
			func(c *DistributionConfig) {
				c.Logging = &LoggingConfig{Enabled: ptr(true), Bucket: ptr("logs.s3.amazonaws.com")}
			},
			func(c *DistributionConfig) (any, any) {
				return c.Logging, &LoggingConfig{Enabled: ptr(true), IncludeCookies: ptr(false), Bucket: ptr("logs.s3.amazonaws.com"), Prefix: ptr("")}
			}},
		{"ordered behaviours are filled like the default one",
			func(c *DistributionConfig) {
				c.CacheBehaviors = &CacheBehaviors{Quantity: ptr[int64](1), Items: []CacheBehavior{{PathPattern: ptr("*.jpg"), TargetOriginId: ptr("s3"),
					ViewerProtocolPolicy: ptr("allow-all"), ForwardedValues: &ForwardedValues{QueryString: ptr(true), Cookies: &CookiePreference{Forward: ptr("all")}}}}}
			},
			func(c *DistributionConfig) (any, any) {
				b := c.CacheBehaviors.Items[0]
				return []any{*b.MaxTTL, *b.SmoothStreaming, b.TrustedSigners.GetQuantity(), b.AllowedMethods.Items}, []any{int64(31536000), false, int64(0), []string{"HEAD", "GET"}}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := minimalDistConfig()
			tt.edit(cfg)
			applyDistributionDefaults(cfg)
			if got, want := tt.check(cfg); !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				t.Errorf("got %s, want %s", g, w)
			}
		})
	}
}
