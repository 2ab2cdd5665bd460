package cloudfront

import "fmt"

// Defaults CloudFront fills into a distribution configuration.
//
// CloudFront returns a complete DistributionConfig from Get*/Update even
// when the client left optional members out. The values below are the ones
// the API reference and the aws CLI's documented outputs show
// (awscli/examples/cloudfront/{create,get}-distribution*.rst,
// list-distributions.rst) and the botocore model's member docs state
// ("the default (if you don't specify otherwise) is ..."). A member the
// client sent is never changed, so a client that compares what it sent with
// what it reads back (Terraform) sees its own values.

const (
	defaultConnectionAttempts     = 3
	defaultConnectionTimeout      = 10
	defaultOriginReadTimeout      = 30
	defaultOriginKeepaliveTimeout = 5
	defaultMinTTL                 = 0
	defaultDefaultTTL             = 86400    // one day
	defaultMaxTTL                 = 31536000 // one year
)

// behaviorView gives uniform access to the members DefaultCacheBehavior and
// CacheBehavior share, as pointers to the behaviour's own fields, so that
// default-filling and validation treat both alike.
type behaviorView struct {
	// index is the position in CacheBehaviors.Items, or -1 for the
	// default cache behaviour.
	index int

	PathPattern                *string // nil for the default behaviour
	TargetOriginId             *string
	TrustedSigners             **TrustedSigners
	TrustedKeyGroups           **TrustedKeyGroups
	ViewerProtocolPolicy       *string
	AllowedMethods             **AllowedMethods
	SmoothStreaming            **bool
	Compress                   **bool
	LambdaFunctionAssociations **LambdaFunctionAssociations
	FunctionAssociations       **FunctionAssociations
	FieldLevelEncryptionId     **string
	CachePolicyId              **string
	OriginRequestPolicyId      **string
	GrpcConfig                 **GrpcConfig
	ForwardedValues            **ForwardedValues
	MinTTL, DefaultTTL, MaxTTL **int64
}

// label names the behaviour in error messages.
func (b behaviorView) label() string {
	if b.index < 0 {
		return "DefaultCacheBehavior"
	}
	return fmt.Sprintf("CacheBehavior %q", strValue(b.PathPattern))
}

// distributionBehaviors returns the default cache behaviour (if present)
// followed by the ordered cache behaviours of cfg.
func distributionBehaviors(cfg *DistributionConfig) []behaviorView {
	var out []behaviorView
	if d := cfg.DefaultCacheBehavior; d != nil {
		out = append(out, behaviorView{
			index: -1, TargetOriginId: d.TargetOriginId, TrustedSigners: &d.TrustedSigners,
			TrustedKeyGroups: &d.TrustedKeyGroups, ViewerProtocolPolicy: d.ViewerProtocolPolicy,
			AllowedMethods: &d.AllowedMethods, SmoothStreaming: &d.SmoothStreaming, Compress: &d.Compress,
			LambdaFunctionAssociations: &d.LambdaFunctionAssociations, FunctionAssociations: &d.FunctionAssociations,
			FieldLevelEncryptionId: &d.FieldLevelEncryptionId, CachePolicyId: &d.CachePolicyId,
			OriginRequestPolicyId: &d.OriginRequestPolicyId, GrpcConfig: &d.GrpcConfig,
			ForwardedValues: &d.ForwardedValues, MinTTL: &d.MinTTL, DefaultTTL: &d.DefaultTTL, MaxTTL: &d.MaxTTL,
		})
	}
	if cfg.CacheBehaviors != nil {
		for i := range cfg.CacheBehaviors.Items {
			c := &cfg.CacheBehaviors.Items[i]
			out = append(out, behaviorView{
				index: i, PathPattern: c.PathPattern, TargetOriginId: c.TargetOriginId, TrustedSigners: &c.TrustedSigners,
				TrustedKeyGroups: &c.TrustedKeyGroups, ViewerProtocolPolicy: c.ViewerProtocolPolicy,
				AllowedMethods: &c.AllowedMethods, SmoothStreaming: &c.SmoothStreaming, Compress: &c.Compress,
				LambdaFunctionAssociations: &c.LambdaFunctionAssociations, FunctionAssociations: &c.FunctionAssociations,
				FieldLevelEncryptionId: &c.FieldLevelEncryptionId, CachePolicyId: &c.CachePolicyId,
				OriginRequestPolicyId: &c.OriginRequestPolicyId, GrpcConfig: &c.GrpcConfig,
				ForwardedValues: &c.ForwardedValues, MinTTL: &c.MinTTL, DefaultTTL: &c.DefaultTTL, MaxTTL: &c.MaxTTL,
			})
		}
	}
	return out
}

// usesCachePolicy reports whether the behaviour names a cache policy (an
// empty CachePolicyId, which Terraform always sends, names none).
func (b behaviorView) usesCachePolicy() bool { return strValue(*b.CachePolicyId) != "" }

// effectiveTTLs returns the TTLs a legacy (ForwardedValues) behaviour ends
// up with once defaults are filled: MinTTL 0, DefaultTTL 86400 and MaxTTL
// 31536000 unless given, where a default never undercuts a value given
// below it (the console rule of distribution-web-values-specify.html: a
// MinTTL above 86400 raises the DefaultTTL default to it, a DefaultTTL
// above 31536000 raises the MaxTTL default to it).
func (b behaviorView) effectiveTTLs() (minTTL, defTTL, maxTTL int64) {
	minTTL = defaultMinTTL
	if *b.MinTTL != nil {
		minTTL = **b.MinTTL
	}
	defTTL = max(defaultDefaultTTL, minTTL)
	if *b.DefaultTTL != nil {
		defTTL = **b.DefaultTTL
	}
	maxTTL = max(defaultMaxTTL, defTTL)
	if *b.MaxTTL != nil {
		maxTTL = **b.MaxTTL
	}
	return minTTL, defTTL, maxTTL
}

// applyDistributionDefaults fills into cfg, in place, every optional
// member CloudFront returns when the client left it out. Members present
// are left exactly as sent. It expects a configuration that passed
// validation.
func applyDistributionDefaults(cfg *DistributionConfig) {
	fillDefault(&cfg.Aliases, &Aliases{Quantity: ptr[int64](0)})
	fillDefault(&cfg.DefaultRootObject, ptr(""))
	fillDefault(&cfg.OriginGroups, &OriginGroups{Quantity: ptr[int64](0)})
	fillDefault(&cfg.CacheBehaviors, &CacheBehaviors{Quantity: ptr[int64](0)})
	fillDefault(&cfg.CustomErrorResponses, &CustomErrorResponses{Quantity: ptr[int64](0)})
	fillDefault(&cfg.Logging, &LoggingConfig{})
	fillDefault(&cfg.Logging.Enabled, ptr(false))
	fillDefault(&cfg.Logging.IncludeCookies, ptr(false))
	fillDefault(&cfg.Logging.Bucket, ptr(""))
	fillDefault(&cfg.Logging.Prefix, ptr(""))
	fillDefault(&cfg.PriceClass, ptr("PriceClass_All"))
	fillDefault(&cfg.ViewerCertificate, &ViewerCertificate{})
	defaultViewerCertificate(cfg.ViewerCertificate)
	fillDefault(&cfg.Restrictions, &Restrictions{})
	fillDefault(&cfg.Restrictions.GeoRestriction, &GeoRestriction{RestrictionType: ptr("none"), Quantity: ptr[int64](0)})
	fillDefault(&cfg.WebACLId, ptr(""))
	fillDefault(&cfg.HttpVersion, ptr("http2"))
	// UNCONFIRMED: the API's default for IsIPV6Enabled (the console's is
	// true); edgegate fills false, as the API reference example for
	// multi-tenant listings shows.
	fillDefault(&cfg.IsIPV6Enabled, ptr(false))
	fillDefault(&cfg.Staging, ptr(false))

	if cfg.Origins != nil {
		for i := range cfg.Origins.Items {
			defaultOrigin(&cfg.Origins.Items[i])
		}
	}
	for _, b := range distributionBehaviors(cfg) {
		defaultBehavior(b)
	}
}

// defaultOrigin fills an origin's optional members.
func defaultOrigin(o *Origin) {
	fillDefault(&o.OriginPath, ptr(""))
	fillDefault(&o.CustomHeaders, &CustomHeaders{Quantity: ptr[int64](0)})
	fillDefault(&o.ConnectionAttempts, ptr[int64](defaultConnectionAttempts))
	fillDefault(&o.ConnectionTimeout, ptr[int64](defaultConnectionTimeout))
	fillDefault(&o.OriginShield, &OriginShield{Enabled: ptr(false)})
	fillDefault(&o.OriginAccessControlId, ptr(""))
	if c := o.CustomOriginConfig; c != nil {
		fillDefault(&c.OriginReadTimeout, ptr[int64](defaultOriginReadTimeout))
		fillDefault(&c.OriginKeepaliveTimeout, ptr[int64](defaultOriginKeepaliveTimeout))
	}
}

// defaultBehavior fills a cache behaviour's optional members.
func defaultBehavior(b behaviorView) {
	fillDefault(b.TrustedSigners, &TrustedSigners{Enabled: ptr(false), Quantity: ptr[int64](0)})
	fillDefault(b.TrustedKeyGroups, &TrustedKeyGroups{Enabled: ptr(false), Quantity: ptr[int64](0)})
	fillDefault(b.AllowedMethods, &AllowedMethods{Quantity: ptr[int64](2), Items: []string{"HEAD", "GET"}})
	// UNCONFIRMED: CachedMethods when AllowedMethods is given without it;
	// GET and HEAD are always cached, so edgegate fills exactly those.
	fillDefault(&(*b.AllowedMethods).CachedMethods, &CachedMethods{Quantity: ptr[int64](2), Items: []string{"HEAD", "GET"}})
	fillDefault(b.SmoothStreaming, ptr(false))
	fillDefault(b.Compress, ptr(false))
	fillDefault(b.LambdaFunctionAssociations, &LambdaFunctionAssociations{Quantity: ptr[int64](0)})
	fillDefault(b.FunctionAssociations, &FunctionAssociations{Quantity: ptr[int64](0)})
	fillDefault(b.FieldLevelEncryptionId, ptr(""))
	fillDefault(b.GrpcConfig, &GrpcConfig{Enabled: ptr(false)})
	if fv := *b.ForwardedValues; fv != nil {
		fillDefault(&fv.Headers, &Headers{Quantity: ptr[int64](0)})
		fillDefault(&fv.QueryStringCacheKeys, &QueryStringCacheKeys{Quantity: ptr[int64](0)})
	}
	if !b.usesCachePolicy() {
		// Legacy cache settings: the TTL triple (a cache policy holds
		// its own TTLs, and CloudFront then returns none here).
		minTTL, defTTL, maxTTL := b.effectiveTTLs()
		fillDefault(b.MinTTL, ptr(minTTL))
		fillDefault(b.DefaultTTL, ptr(defTTL))
		fillDefault(b.MaxTTL, ptr(maxTTL))
	}
}

// defaultViewerCertificate fills the certificate members CloudFront
// reports: for the default *.cloudfront.net certificate
// CloudFrontDefaultCertificate true, SSLSupportMethod vip,
// MinimumProtocolVersion TLSv1 and CertificateSource cloudfront; for an
// ACM or IAM certificate CloudFrontDefaultCertificate false and the
// deprecated Certificate/CertificateSource pair naming it.
func defaultViewerCertificate(vc *ViewerCertificate) {
	switch {
	case strValue(vc.ACMCertificateArn) != "":
		fillDefault(&vc.CloudFrontDefaultCertificate, ptr(false))
		fillDefault(&vc.Certificate, ptr(*vc.ACMCertificateArn))
		fillDefault(&vc.CertificateSource, ptr("acm"))
	case strValue(vc.IAMCertificateId) != "":
		fillDefault(&vc.CloudFrontDefaultCertificate, ptr(false))
		fillDefault(&vc.Certificate, ptr(*vc.IAMCertificateId))
		fillDefault(&vc.CertificateSource, ptr("iam"))
	default:
		fillDefault(&vc.CloudFrontDefaultCertificate, ptr(true))
		if *vc.CloudFrontDefaultCertificate {
			fillDefault(&vc.SSLSupportMethod, ptr("vip"))
			fillDefault(&vc.CertificateSource, ptr("cloudfront"))
		}
	}
	// UNCONFIRMED for custom certificates: CloudFront's default security
	// policy when none is given; TLSv1 is the one it reports for the
	// default certificate.
	fillDefault(&vc.MinimumProtocolVersion, ptr("TLSv1"))
}

// fillDefault sets *field to v when it is nil.
func fillDefault[T any](field **T, v *T) {
	if *field == nil {
		*field = v
	}
}

// strValue returns *p, or "" for nil.
func strValue(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
