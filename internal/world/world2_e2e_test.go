package world_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/testenv"
	"github.com/edgegate/edgegate/internal/world"
)

// loadExport reads an exported bundle and builds its world, failing on
// any problem, missing file or skipped part.
func loadExport(t *testing.T, dir, distID, domain string) (*bundle.Bundle, *world.World) {
	t.Helper()
	b, err := bundle.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range b.Problems {
		t.Errorf("bundle problem: %v", p)
	}
	if len(b.Missing) > 0 {
		t.Errorf("bundle missing %v", b.Missing)
	}
	w, err := world.Build(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	for _, s := range w.Skipped {
		t.Errorf("world skipped %v", s)
	}
	for _, n := range w.Notes {
		t.Logf("world note: %s", n)
	}
	if w.Distribution == nil || w.Distribution.ID != distID || w.Distribution.DomainName != domain {
		t.Fatalf("world distribution %+v, want %s at %s", w.Distribution, distID, domain)
	}
	return b, w
}

// TestWorldDecidesLikeTheLiveServerOAIWebsite is the comparison on a
// second shape of distribution: an OAI origin with an OriginPath in front
// of a BucketOwnerPreferred bucket (an archived object, an object under a
// disabled key), an S3 website origin with index and error documents, a
// custom cache policy and origin request policy, a custom error response
// that turns 403 into the home page, and the account's Block Public Access
// ignoring public ACLs.
func TestWorldDecidesLikeTheLiveServerOAIWebsite(t *testing.T) {
	sc := setupScenario(t) // reuse its accounts; its distribution is left alone
	env := sc.env
	ctx := context.Background()
	s3c := env.S3()
	cf := env.CloudFront("test", "test")
	kc := kms.NewFromConfig(env.Config("test", "test"))

	var d net.Dialer
	ctl := s3control.NewFromConfig(env.Config("test", "test"), func(o *s3control.Options) {
		o.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, env.Addr)
		}}}
	})
	must(ctl.PutPublicAccessBlock(ctx, &s3control.PutPublicAccessBlockInput{AccountId: aws.String("000000000000"),
		PublicAccessBlockConfiguration: &s3ctypes.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(false), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false)}}))

	oai := must(cf.CreateCloudFrontOriginAccessIdentity(ctx, &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
		CloudFrontOriginAccessIdentityConfig: &cftypes.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String("oai-1"), Comment: aws.String("app")}}))
	oaiID := *oai.CloudFrontOriginAccessIdentity.Id

	must(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("app"), ObjectOwnership: s3types.ObjectOwnershipBucketOwnerPreferred}))
	must(s3c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("app"),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(false), IgnorePublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false)}}))
	must(s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("app"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"OAI","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ` + oaiID + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::app/*"}]}`)}))
	key := must(kc.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("soon disabled")}))
	put := func(in *s3.PutObjectInput) {
		t.Helper()
		if in.Body == nil {
			in.Body = strings.NewReader("body of " + *in.Key)
		}
		must(s3c.PutObject(ctx, in))
	}
	put(&s3.PutObjectInput{Bucket: aws.String("app"), Key: aws.String("app/index.html")})
	put(&s3.PutObjectInput{Bucket: aws.String("app"), Key: aws.String("app/public.txt"), ACL: s3types.ObjectCannedACLPublicRead})
	put(&s3.PutObjectInput{Bucket: aws.String("app"), Key: aws.String("app/archived.bin"), StorageClass: s3types.StorageClassGlacier})
	put(&s3.PutObjectInput{Bucket: aws.String("app"), Key: aws.String("app/disabled.txt"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: key.KeyMetadata.Arn})
	must(kc.DisableKey(ctx, &kms.DisableKeyInput{KeyId: key.KeyMetadata.KeyId}))

	must(s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("web")}))
	must(s3c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String("web"),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(false), IgnorePublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false)}}))
	must(s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("web"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[` +
		`{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::web/*"}]}`)}))
	must(s3c.PutBucketWebsite(ctx, &s3.PutBucketWebsiteInput{Bucket: aws.String("web"), WebsiteConfiguration: &s3types.WebsiteConfiguration{
		IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")}, ErrorDocument: &s3types.ErrorDocument{Key: aws.String("error.html")},
		RoutingRules: []s3types.RoutingRule{{Condition: &s3types.Condition{KeyPrefixEquals: aws.String("site/old/")},
			Redirect: &s3types.Redirect{ReplaceKeyPrefixWith: aws.String("site/docs/")}}},
	}}))
	for _, k := range []string{"site/index.html", "site/docs/index.html", "error.html"} {
		put(&s3.PutObjectInput{Bucket: aws.String("web"), Key: aws.String(k), ContentType: aws.String("text/html")})
	}

	cp := must(cf.CreateCachePolicy(ctx, &cloudfront.CreateCachePolicyInput{CachePolicyConfig: &cftypes.CachePolicyConfig{
		Name: aws.String("short"), MinTTL: aws.Int64(0), DefaultTTL: aws.Int64(5), MaxTTL: aws.Int64(60),
		ParametersInCacheKeyAndForwardedToOrigin: &cftypes.ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: aws.Bool(false),
			HeadersConfig:            &cftypes.CachePolicyHeadersConfig{HeaderBehavior: cftypes.CachePolicyHeaderBehaviorNone},
			CookiesConfig:            &cftypes.CachePolicyCookiesConfig{CookieBehavior: cftypes.CachePolicyCookieBehaviorNone},
			QueryStringsConfig:       &cftypes.CachePolicyQueryStringsConfig{QueryStringBehavior: cftypes.CachePolicyQueryStringBehaviorNone},
		}}}))
	orp := must(cf.CreateOriginRequestPolicy(ctx, &cloudfront.CreateOriginRequestPolicyInput{OriginRequestPolicyConfig: &cftypes.OriginRequestPolicyConfig{
		Name:               aws.String("lang"),
		HeadersConfig:      &cftypes.OriginRequestPolicyHeadersConfig{HeaderBehavior: cftypes.OriginRequestPolicyHeaderBehaviorWhitelist, Headers: &cftypes.Headers{Quantity: aws.Int32(1), Items: []string{"Accept-Language"}}},
		CookiesConfig:      &cftypes.OriginRequestPolicyCookiesConfig{CookieBehavior: cftypes.OriginRequestPolicyCookieBehaviorNone},
		QueryStringsConfig: &cftypes.OriginRequestPolicyQueryStringsConfig{QueryStringBehavior: cftypes.OriginRequestPolicyQueryStringBehaviorNone},
	}}))
	methods := &cftypes.AllowedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{"GET", "HEAD"},
		CachedMethods: &cftypes.CachedMethods{Quantity: aws.Int32(2), Items: []cftypes.Method{"GET", "HEAD"}}}
	dist := must(cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &cftypes.DistributionConfig{
		CallerReference: aws.String("world-test-2"), Comment: aws.String("oai and website"), Enabled: aws.Bool(true),
		DefaultRootObject: aws.String("index.html"),
		Origins: &cftypes.Origins{Quantity: aws.Int32(2), Items: []cftypes.Origin{
			{Id: aws.String("app"), DomainName: aws.String("app.s3.amazonaws.com"), OriginPath: aws.String("/app"),
				S3OriginConfig: &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("origin-access-identity/cloudfront/" + oaiID)}},
			{Id: aws.String("web"), DomainName: aws.String("web.s3-website-us-east-1.amazonaws.com"),
				CustomOriginConfig: &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443),
					OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly}},
		}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: aws.String("app"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll,
			AllowedMethods: methods, CachePolicyId: cp.CachePolicy.Id},
		CacheBehaviors: &cftypes.CacheBehaviors{Quantity: aws.Int32(1), Items: []cftypes.CacheBehavior{{
			PathPattern: aws.String("/site/*"), TargetOriginId: aws.String("web"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll,
			AllowedMethods: methods, CachePolicyId: aws.String(cachingDisabled), OriginRequestPolicyId: orp.OriginRequestPolicy.Id}}},
		CustomErrorResponses: &cftypes.CustomErrorResponses{Quantity: aws.Int32(1), Items: []cftypes.CustomErrorResponse{{
			ErrorCode: aws.Int32(403), ResponsePagePath: aws.String("/index.html"), ResponseCode: aws.String("200"), ErrorCachingMinTTL: aws.Int64(0)}}},
	}}))
	distID, domain := *dist.Distribution.Id, *dist.Distribution.DomainName

	dir := exportBundle(t, env.AWSCLI(t), exportSpec{
		distributionID: distID, account: "000000000000", endpoint: env.Endpoint,
		keys: map[string][]string{
			"app": {"app/index.html", "app/public.txt", "app/archived.bin", "app/disabled.txt"},
			"web": {"site/index.html", "error.html"},
		},
		kmsKeys: []string{*key.KeyMetadata.KeyId},
	})
	b, w := loadExport(t, dir, distID, domain)
	if o := b.OriginAccessIdentities[oaiID]; o == nil || o.CloudFrontOriginAccessIdentity.GetS3CanonicalUserId() == "" {
		t.Fatalf("OAI %s not exported: %v", oaiID, b.OriginAccessIdentities)
	}

	var targets []s3Target
	for _, k := range []string{"app/index.html", "app/public.txt", "app/archived.bin", "app/disabled.txt", "app/nope"} {
		targets = append(targets, s3Target{"GET", "app", k}, s3Target{"HEAD", "app", k})
	}
	for _, k := range []string{"site/index.html", "error.html", "nope"} {
		targets = append(targets, s3Target{"GET", "web", k})
	}
	compareWorld(t, env, domain, w, b, targets, []string{
		"/", "/index.html", "/public.txt", "/archived.bin", "/disabled.txt", "/nope",
		"/site/", "/site/index.html", "/site/docs/", "/site/old/x.html", "/site/nope.html",
	})
	// The scenario exercises what it says (the comparison alone would pass
	// on two servers that both ignore it).
	for _, c := range []struct {
		key   string
		owner bool
		want  answer
	}{
		{"app/public.txt", false, answer{Status: 403, Code: "AccessDenied"}}, // the account ignores public ACLs
		{"app/archived.bin", true, answer{Status: 403, Code: "InvalidObjectState"}},
		{"app/disabled.txt", true, answer{Status: 400, Code: "KMS.DisabledException"}},
		{"app/index.html", true, answer{Status: 200}},
	} {
		req := must(w.S3Request(ctx, "GET", "app", c.key, nil))
		if c.owner {
			w.SignAs(req, w.Owner, "s3")
		}
		if got := answerOf(t, must(w.Do(req))); got != c.want {
			t.Errorf("world GET app/%s: %+v, want %+v", c.key, got, c.want)
		}
	}
	// The website endpoint itself, anonymously.
	for _, p := range []string{"/site/", "/site/docs/", "/nope", "/site/old/a"} {
		lreq := must(http.NewRequestWithContext(ctx, "GET", env.Endpoint+p, nil))
		lreq.Host = "web.s3-website-us-east-1.amazonaws.com"
		live := answerOf(t, must(liveClient.Do(lreq)))
		got := answerOf(t, must(w.Do(must(http.NewRequestWithContext(ctx, "GET", "http://web.s3-website-us-east-1.amazonaws.com"+p, nil)))))
		if got != live {
			t.Errorf("website GET %s: world %+v, live %+v", p, got, live)
		}
	}
	_ = testenv.Env{}
}
