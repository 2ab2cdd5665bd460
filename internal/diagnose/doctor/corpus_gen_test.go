package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/collect"
	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/server"
	"github.com/edgegate/edgegate/internal/testenv"
)

// The corpus is generated, not written by hand: each scenario is set up
// in a live edgegate with the SDK, its request is simulated live (the
// live findings must be the scenario's expected ones), and the bundle is
// what internal/collect (`edgegate doctor collect`) writes for it. The
// expected findings are the table's, never the doctor's own output.

const (
	genOther       = "111111111111" // a second account, writer of foreign objects
	genOtherKey    = "AKIAOTHERWRITER00001"
	genOtherSecret = "other-secret"
	cachingOpt     = "658327ea-f89d-4fab-a63d-7e88639e58f6"
	// allViewerExceptHost is the origin request policy
	// AllViewerExceptHostHeader: every query string forwarded.
	allViewerExceptHost = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
	// allViewer is the origin request policy AllViewer: Host included.
	allViewer = "216adef6-5c7f-47e4-b989-5492eafa07d3"
)

// gen is one scenario's live world.
type gen struct {
	t      testing.TB
	env    *testenv.Env
	s3     *s3.Client
	other  *s3.Client
	cf     *cloudfront.Client
	kms    *kms.Client
	bucket string
	oac    string // OAC id, "" for none
	oai    string // OAI id, "" for none
	key    string // KMS key ARN, "" for none
	id     string
	arn    string
	domain string
}

func newGen(t testing.TB) *gen {
	path := filepath.Join(t.TempDir(), "accounts.json")
	doc := `{"accounts":[{"id":"` + genOther + `","name":"other","access_keys":[{"id":"` + genOtherKey + `","secret":"` + genOtherSecret + `"}]}]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := testenv.Start(t, testenv.Options{AccountsFile: path})
	return &gen{t: t, env: env, s3: env.S3(), other: env.S3As(genOtherKey, genOtherSecret), cf: env.CloudFront("test", "test"),
		kms: kms.NewFromConfig(env.Config("test", "test")), bucket: "site"}
}

func (g *gen) must(err error) {
	g.t.Helper()
	if err != nil {
		g.t.Fatal(err)
	}
}

// mkBucket creates the bucket with objects "key=body" (body "" is the key).
func (g *gen) mkBucket(objects ...string) {
	g.t.Helper()
	_, err := g.s3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(g.bucket)})
	g.must(err)
	for _, o := range objects {
		k, v, _ := strings.Cut(o, "=")
		g.put(k, v, nil)
	}
}

func (g *gen) put(key, body string, edit func(*s3.PutObjectInput)) {
	g.t.Helper()
	if body == "" {
		body = key
	}
	in := &s3.PutObjectInput{Bucket: aws.String(g.bucket), Key: aws.String(key), Body: strings.NewReader(body)}
	if edit != nil {
		edit(in)
	}
	_, err := g.s3.PutObject(context.Background(), in)
	g.must(err)
}

func (g *gen) policy(doc string) {
	g.t.Helper()
	_, err := g.s3.PutBucketPolicy(context.Background(), &s3.PutBucketPolicyInput{Bucket: aws.String(g.bucket), Policy: aws.String(doc)})
	g.must(err)
}

// public turns Block Public Access off and makes the bucket public-read.
func (g *gen) public() {
	g.t.Helper()
	_, err := g.s3.DeletePublicAccessBlock(context.Background(), &s3.DeletePublicAccessBlockInput{Bucket: aws.String(g.bucket)})
	g.must(err)
	g.policy(`{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + g.bucket + `/*"}]}`)
}

func (g *gen) mkOAC(signing string) {
	g.t.Helper()
	out, err := g.cf.CreateOriginAccessControl(context.Background(), &cloudfront.CreateOriginAccessControlInput{
		OriginAccessControlConfig: &cftypes.OriginAccessControlConfig{Name: aws.String(g.bucket + "-oac"),
			SigningProtocol: cftypes.OriginAccessControlSigningProtocolsSigv4, SigningBehavior: cftypes.OriginAccessControlSigningBehaviors(signing),
			OriginAccessControlOriginType: cftypes.OriginAccessControlOriginTypesS3}})
	g.must(err)
	g.oac = *out.OriginAccessControl.Id
}

func (g *gen) mkOAI() {
	g.t.Helper()
	out, err := g.cf.CreateCloudFrontOriginAccessIdentity(context.Background(), &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
		CloudFrontOriginAccessIdentityConfig: &cftypes.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String(g.bucket), Comment: aws.String("")}})
	g.must(err)
	g.oai = *out.CloudFrontOriginAccessIdentity.Id
}

// mkKey creates a customer managed key (default key policy: the account).
func (g *gen) mkKey() {
	g.t.Helper()
	out, err := g.kms.CreateKey(context.Background(), &kms.CreateKeyInput{})
	g.must(err)
	g.key = *out.KeyMetadata.Arn
}

// mkDist creates the distribution: one S3 origin for the bucket (the
// OAC or OAI made before, if any), CachingOptimized, allow-all.
func (g *gen) mkDist(edit func(o *cftypes.Origin, cfg *cftypes.DistributionConfig)) {
	g.t.Helper()
	o := cftypes.Origin{Id: aws.String("s3"), DomainName: aws.String(g.bucket + ".s3.us-east-1.amazonaws.com"),
		S3OriginConfig: &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("")}}
	if g.oac != "" {
		o.OriginAccessControlId = aws.String(g.oac)
	}
	if g.oai != "" {
		o.S3OriginConfig.OriginAccessIdentity = aws.String("origin-access-identity/cloudfront/" + g.oai)
	}
	cfg := &cftypes.DistributionConfig{CallerReference: aws.String("corpus"), Comment: aws.String(""), Enabled: aws.Bool(true),
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: aws.String("s3"),
			ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll, CachePolicyId: aws.String(cachingOpt)}}
	if edit != nil {
		edit(&o, cfg)
	}
	cfg.Origins = &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{o}}
	out, err := g.cf.CreateDistribution(context.Background(), &cloudfront.CreateDistributionInput{DistributionConfig: cfg})
	g.must(err)
	g.id, g.arn, g.domain = *out.Distribution.Id, *out.Distribution.ARN, *out.Distribution.DomainName
}

// oacStmt is the console's statement for the distribution (sourceArn "":
// its own ARN).
func (g *gen) oacStmt(sourceArn string) string {
	if sourceArn == "" {
		sourceArn = g.arn
	}
	return `{"Sid":"AllowCloudFrontServicePrincipal","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject",` +
		`"Resource":"arn:aws:s3:::` + g.bucket + `/*","Condition":{"StringEquals":{"AWS:SourceArn":"` + sourceArn + `"}}}`
}

func (g *gen) grant() { g.policy(`{"Version":"2012-10-17","Statement":[` + g.oacStmt("") + `]}`) }

func (g *gen) grantOAI() {
	g.policy(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ` +
		g.oai + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + g.bucket + `/*"}]}`)
}

// keyPolicyForDist gives the key the console's SSE-KMS statement.
func (g *gen) keyPolicyForDist() {
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"kms:*","Resource":"*"},` +
		`{"Sid":"AllowCloudFrontServicePrincipalSSE-KMS","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},` +
		`"Action":["kms:Decrypt","kms:Encrypt","kms:GenerateDataKey*"],"Resource":"*","Condition":{"StringEquals":{"AWS:SourceArn":"` + g.arn + `"}}}]}`
	_, err := g.kms.PutKeyPolicy(context.Background(), &kms.PutKeyPolicyInput{KeyId: aws.String(g.key), PolicyName: aws.String("default"), Policy: aws.String(doc)})
	g.must(err)
}

func (g *gen) kmsObject(key string) {
	g.put(key, "", func(in *s3.PutObjectInput) {
		in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, aws.String(g.key)
	})
}

func (g *gen) updateDist(edit func(cfg *cftypes.DistributionConfig)) {
	g.t.Helper()
	got, err := g.cf.GetDistributionConfig(context.Background(), &cloudfront.GetDistributionConfigInput{Id: aws.String(g.id)})
	g.must(err)
	edit(got.DistributionConfig)
	_, err = g.cf.UpdateDistribution(context.Background(), &cloudfront.UpdateDistributionInput{Id: aws.String(g.id), IfMatch: got.ETag,
		DistributionConfig: got.DistributionConfig})
	g.must(err)
}

type scenario struct {
	name  string
	req   corpusRequest
	setup func(g *gen)
	want  corpusExpected
}

var (
	vTrue, vFalse = ptr(true), ptr(false)
)

func def(id string, verified *bool) expectedFinding {
	return expectedFinding{ID: id, Certainty: diagnose.Definite, Verified: verified}
}

func f(id string, c diagnose.Certainty, verified *bool) expectedFinding {
	return expectedFinding{ID: id, Certainty: c, Verified: verified}
}

func origin403(ids ...expectedFinding) corpusExpected {
	return corpusExpected{Status: 403, Responder: "origin", Findings: ids}
}

var healthy = corpusExpected{Status: 200, Responder: "origin", Findings: []expectedFinding{}}

// scenarios is the corpus: at least one per catalog id the engine
// simulates, and healthy controls.
var scenarios = []scenario{
	{"healthy-oac", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(nil)
		g.grant()
	}, healthy},
	{"healthy-oai", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAI()
		g.mkDist(nil)
		g.grantOAI()
	}, healthy},
	{"healthy-sse-kms", corpusRequest{Path: "/secret.txt"}, func(g *gen) {
		g.mkBucket()
		g.mkKey()
		g.kmsObject("secret.txt")
		g.mkOAC("always")
		g.mkDist(nil)
		g.grant()
		g.keyPolicyForDist()
	}, healthy},
	{"healthy-root-dro", corpusRequest{Path: "/"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
			cfg.DefaultRootObject = aws.String("index.html")
		})
		g.grant()
	}, healthy},
	{"healthy-public-no-auth", corpusRequest{Path: "/p.txt"}, func(g *gen) {
		g.mkBucket("p.txt")
		g.public()
		g.mkDist(nil)
	}, healthy},
	{"healthy-website", corpusRequest{Path: "/docs/"}, func(g *gen) {
		g.mkBucket("docs/index.html")
		_, err := g.s3.PutBucketWebsite(context.Background(), &s3.PutBucketWebsiteInput{Bucket: aws.String(g.bucket),
			WebsiteConfiguration: &s3types.WebsiteConfiguration{IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")}}})
		g.must(err)
		g.public()
		g.mkDist(websiteOrigin(g))
	}, healthy},
	{"pol-no-allow", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(nil)
	}, origin403(def("POL-NO-ALLOW", vTrue))},
	{"pol-no-allow-oai", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAI()
		g.mkDist(nil)
		g.policy(`{"Version":"2012-10-17","Statement":[` + g.oacStmt("") + `]}`)
	}, origin403(def("POL-NO-ALLOW", vTrue))},
	{"pol-sourcearn-mismatch", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(nil)
		g.policy(`{"Version":"2012-10-17","Statement":[` + g.oacStmt("arn:aws:cloudfront::000000000000:distribution/EOLDDIST000001") + `]}`)
	}, origin403(def("POL-SOURCEARN-MISMATCH", vTrue))},
	{"org-oac-never", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("never")
		g.mkDist(nil)
		g.grant()
	}, origin403(def("ORG-OAC-NEVER", vTrue))},
	{"org-no-auth", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkDist(nil)
	}, origin403(def("ORG-NO-AUTH", vTrue))},
	{"org-website-private", corpusRequest{Path: "/docs/"}, func(g *gen) {
		g.mkBucket("docs/index.html")
		_, err := g.s3.PutBucketWebsite(context.Background(), &s3.PutBucketWebsiteInput{Bucket: aws.String(g.bucket),
			WebsiteConfiguration: &s3types.WebsiteConfiguration{IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")}}})
		g.must(err)
		g.mkDist(websiteOrigin(g))
	}, origin403(def("ORG-WEBSITE-PRIVATE", vFalse))},
	{"kms-key-policy", corpusRequest{Path: "/secret.txt"}, func(g *gen) {
		g.mkBucket()
		g.mkKey()
		g.kmsObject("secret.txt")
		g.mkOAC("always")
		g.mkDist(nil)
		g.grant()
	}, origin403(def("KMS-KEY-POLICY", vTrue))},
	{"kms-oai", corpusRequest{Path: "/secret.txt"}, func(g *gen) {
		g.mkBucket()
		g.mkKey()
		g.kmsObject("secret.txt")
		g.mkOAI()
		g.mkDist(nil)
		g.grantOAI()
	}, origin403(def("KMS-OAI", vFalse))},
	{"kms-state", corpusRequest{Path: "/secret.txt"}, func(g *gen) {
		g.mkBucket()
		g.mkKey()
		g.kmsObject("secret.txt")
		g.mkOAC("always")
		g.mkDist(nil)
		g.grant()
		g.keyPolicyForDist()
		_, err := g.kms.DisableKey(context.Background(), &kms.DisableKeyInput{KeyId: aws.String(g.key)})
		g.must(err)
	}, corpusExpected{Status: 400, Responder: "origin", Findings: []expectedFinding{f("KMS-STATE", diagnose.Not403, vTrue)}}},
	{"kms-anon", corpusRequest{Path: "/secret.txt"}, func(g *gen) {
		g.mkBucket()
		g.mkKey()
		g.kmsObject("secret.txt")
		g.public()
		g.mkDist(nil)
	}, corpusExpected{Status: 400, Responder: "origin", Findings: []expectedFinding{f("KMS-ANON", diagnose.Not403, vFalse)}}},
	{"pol-explicit-deny-network", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(nil)
		g.policy(`{"Version":"2012-10-17","Statement":[` + g.oacStmt("") + `,{"Sid":"VpceOnly","Effect":"Deny","Principal":"*","Action":"s3:GetObject",` +
			`"Resource":"arn:aws:s3:::` + g.bucket + `/*","Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}}]}`)
	}, origin403(def("POL-EXPLICIT-DENY-NETWORK", vTrue))},
	{"pol-perimeter", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(nil)
		g.policy(`{"Version":"2012-10-17","Statement":[` + g.oacStmt("") + `,{"Sid":"OrgOnly","Effect":"Deny","Principal":"*","Action":"s3:*",` +
			`"Resource":["arn:aws:s3:::` + g.bucket + `","arn:aws:s3:::` + g.bucket + `/*"],"Condition":{"StringNotEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}]}`)
	}, offline(origin403(def("POL-PERIMETER", vTrue)), corpusExpected{Status: 403, Responder: "origin", Findings: []expectedFinding{
		// The perimeter denies the collector too: without the listing the
		// world does not know the object, so the fix cannot be proven.
		def("POL-PERIMETER", vFalse), f("KEY-MISSING", diagnose.Possible, vFalse)}})},
	{"pol-tls-http", corpusRequest{Scheme: "http", Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(nil)
		g.policy(`{"Version":"2012-10-17","Statement":[` + g.oacStmt("") + `,{"Sid":"TLSOnly","Effect":"Deny","Principal":"*","Action":"s3:*",` +
			`"Resource":["arn:aws:s3:::` + g.bucket + `","arn:aws:s3:::` + g.bucket + `/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	}, origin403(def("POL-TLS-HTTP", vTrue))},
	{"pol-bpa-public", corpusRequest{Path: "/p.txt"}, func(g *gen) {
		g.mkBucket("p.txt")
		g.public()
		_, err := g.s3.PutPublicAccessBlock(context.Background(), &s3.PutPublicAccessBlockInput{Bucket: aws.String(g.bucket),
			PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{RestrictPublicBuckets: aws.Bool(true)}})
		g.must(err)
		g.mkDist(nil)
	}, origin403(def("POL-BPA-PUBLIC", vFalse))},
	{"pol-object-ownership", corpusRequest{Path: "/theirs.txt"}, func(g *gen) {
		_, err := g.s3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(g.bucket), ObjectOwnership: s3types.ObjectOwnershipObjectWriter})
		g.must(err)
		g.mkOAC("always")
		g.mkDist(nil)
		g.policy(`{"Version":"2012-10-17","Statement":[` + g.oacStmt("") + `,{"Sid":"OtherWrites","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` +
			genOther + `:root"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::` + g.bucket + `/*"}]}`)
		_, err = g.other.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(g.bucket), Key: aws.String("theirs.txt"), Body: strings.NewReader("theirs")})
		g.must(err)
	}, offline(origin403(def("POL-OBJECT-OWNERSHIP", vTrue)), corpusExpected{Status: 403, Responder: "origin", Findings: []expectedFinding{
		// The listing (--fetch-owner) shows the other owner, but the
		// object's ACL is refused to the collector: it could still grant
		// AllUsers READ, so offline the cause stays POSSIBLE.
		f("POL-OBJECT-OWNERSHIP", diagnose.Possible, vTrue)}})},
	{"key-missing", corpusRequest{Path: "/later.txt"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(nil)
		g.grant()
	}, origin403(def("KEY-MISSING", vFalse))},
	{"key-case", corpusRequest{Path: "/Index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(nil)
		g.grant()
	}, origin403(def("KEY-CASE", vFalse))},
	{"key-subdir-index", corpusRequest{Path: "/docs/"}, func(g *gen) {
		g.mkBucket("index.html", "docs/index.html")
		g.mkOAC("always")
		g.mkDist(nil)
		g.grant()
	}, origin403(def("KEY-SUBDIR-INDEX", vFalse))},
	{"key-root-no-dro", corpusRequest{Path: "/"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(nil)
		g.grant()
	}, origin403(def("KEY-ROOT-NO-DRO", vTrue))},
	{"key-origin-path", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(func(o *cftypes.Origin, _ *cftypes.DistributionConfig) { o.OriginPath = aws.String("/site") })
		g.grant()
	}, origin403(def("KEY-ORIGIN-PATH", vTrue))},
	{"obj-archived", corpusRequest{Path: "/old.txt"}, func(g *gen) {
		g.mkBucket()
		g.put("old.txt", "", func(in *s3.PutObjectInput) { in.StorageClass = s3types.StorageClassGlacier })
		g.mkOAC("always")
		g.mkDist(nil)
		g.grant()
	}, origin403(def("OBJ-ARCHIVED", vFalse))},
	{"cache-spa-mask", corpusRequest{Path: "/app.js"}, func(g *gen) {
		g.mkBucket("index.html=<app/>")
		g.mkOAC("always")
		g.mkDist(func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
			cfg.CustomErrorResponses = &cftypes.CustomErrorResponses{Quantity: aws.Int32(1), Items: []cftypes.CustomErrorResponse{
				{ErrorCode: aws.Int32(403), ResponsePagePath: aws.String("/index.html"), ResponseCode: aws.String("200"), ErrorCachingMinTTL: aws.Int64(0)}}}
		})
		g.grant()
	}, corpusExpected{Status: 200, Responder: "origin", Findings: []expectedFinding{def("CACHE-SPA-MASK", vFalse), def("KEY-MISSING", vFalse)}}},
	{"cf-https-only", corpusRequest{Scheme: "http", Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
			cfg.DefaultCacheBehavior.ViewerProtocolPolicy = cftypes.ViewerProtocolPolicyHttpsOnly
		})
		g.grant()
	}, corpusExpected{Status: 403, Responder: "edge", Findings: []expectedFinding{def("CF-HTTPS-ONLY", vTrue)}}},
	{"cf-method", corpusRequest{Method: "DELETE", Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(nil)
		g.grant()
	}, corpusExpected{Status: 403, Responder: "edge", Findings: []expectedFinding{def("CF-METHOD", vFalse)}}},
	{"cf-geo", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
			cfg.Restrictions = &cftypes.Restrictions{GeoRestriction: &cftypes.GeoRestriction{RestrictionType: cftypes.GeoRestrictionTypeWhitelist,
				Quantity: aws.Int32(1), Items: []string{"DE"}}}
		})
		g.grant()
	}, corpusExpected{Status: 403, Responder: "edge", Findings: []expectedFinding{def("CF-GEO", vFalse)}}},
	{"cf-cname", corpusRequest{Host: "www.example.com", Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(nil)
		g.grant()
	}, corpusExpected{Status: 403, Responder: "edge", Findings: []expectedFinding{def("CF-CNAME", vTrue)}}},
	{"cf-waf-possible", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
			cfg.WebACLId = aws.String("arn:aws:wafv2:us-east-1:000000000000:global/webacl/site/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111")
		})
		g.grant()
	}, corpusExpected{Status: 200, Responder: "origin", Findings: []expectedFinding{f("CF-WAF", diagnose.Possible, vFalse)}}},
	{"cf-function-possible", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
			cfg.DefaultCacheBehavior.FunctionAssociations = &cftypes.FunctionAssociations{Quantity: aws.Int32(1), Items: []cftypes.FunctionAssociation{{
				EventType: cftypes.EventTypeViewerRequest, FunctionARN: aws.String("arn:aws:cloudfront::000000000000:function/add-index")}}}
		})
		g.grant()
	}, corpusExpected{Status: 200, Responder: "origin", Findings: []expectedFinding{f("CF-FUNCTION", diagnose.Possible, vFalse)}}},
	{"cf-signed-possible", corpusRequest{Path: "/private/report.pdf"}, func(g *gen) {
		g.mkBucket("private/report.pdf")
		g.mkOAC("always")
		g.mkDist(func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
			cfg.CacheBehaviors = &cftypes.CacheBehaviors{Quantity: aws.Int32(1), Items: []cftypes.CacheBehavior{{
				PathPattern: aws.String("/private/*"), TargetOriginId: aws.String("s3"), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll,
				CachePolicyId:    aws.String(cachingOpt),
				TrustedKeyGroups: &cftypes.TrustedKeyGroups{Enabled: aws.Bool(true), Quantity: aws.Int32(1), Items: []string{"a1b2c3d4-0000-1111-2222-333344445555"}}}}}
		})
		g.grant()
	}, corpusExpected{Status: 200, Responder: "origin", Findings: []expectedFinding{f("CF-SIGNED", diagnose.Possible, vFalse)}}},
	{"key-query", corpusRequest{Path: "/index.html?acl"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		pol := g.cachePolicy("query-strings", cftypes.CachePolicyQueryStringBehaviorAll)
		g.mkDist(func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
			cfg.DefaultCacheBehavior.CachePolicyId = aws.String(pol)
		})
		g.grant()
	}, origin403(def("KEY-QUERY", vTrue))},
	{"key-query-version", corpusRequest{Path: "/index.html?versionId=null"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		// The origin request policy forwards every query string.
		g.mkDist(func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
			cfg.DefaultCacheBehavior.OriginRequestPolicyId = aws.String(allViewerExceptHost)
		})
		g.grant()
	}, origin403(def("KEY-QUERY", vTrue))},
	{"org-host-fwd-possible", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
			cfg.DefaultCacheBehavior.OriginRequestPolicyId = aws.String(allViewer)
		})
		g.grant()
	}, corpusExpected{Status: 200, Responder: "origin", Findings: []expectedFinding{f("ORG-HOST-FWD", diagnose.Possible, vFalse)}}},
	{"pol-explicit-deny", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("always")
		g.mkDist(nil)
		g.policy(`{"Version":"2012-10-17","Statement":[` + g.oacStmt("") + `,{"Sid":"DenyCloudFront","Effect":"Deny","Principal":{"Service":"cloudfront.amazonaws.com"},` +
			`"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + g.bucket + `/*"}]}`)
	}, origin403(def("POL-EXPLICIT-DENY", vFalse))},
	{"org-foreign-bucket", corpusRequest{Path: "/index.html"}, func(g *gen) {
		g.mkOAC("always")
		g.mkDist(nil)
	}, corpusExpected{Status: 404, Responder: "origin", Findings: []expectedFinding{def("ORG-FOREIGN-BUCKET", vFalse)}}},
	{"org-oac-no-override", corpusRequest{Path: "/index.html", Headers: map[string][]string{"Authorization": {"Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"}}}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("no-override")
		pol := g.authCachePolicy()
		g.mkDist(func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
			cfg.DefaultCacheBehavior.CachePolicyId = aws.String(pol)
		})
		g.grant()
	}, corpusExpected{Status: 400, Responder: "origin", Findings: []expectedFinding{def("ORG-OAC-NO-OVERRIDE", vTrue)}}},
	{"org-oac-no-override-sigv4", corpusRequest{Path: "/index.html", Headers: map[string][]string{
		"Authorization": {"AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261128/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, " +
			"Signature=fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"},
		"X-Amz-Date": {"20261128T000000Z"}, "X-Amz-Content-Sha256": {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}}, func(g *gen) {
		g.mkBucket("index.html")
		g.mkOAC("no-override")
		pol := g.authCachePolicy("X-Amz-Date", "X-Amz-Content-Sha256")
		g.mkDist(func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
			cfg.DefaultCacheBehavior.CachePolicyId = aws.String(pol)
		})
		g.grant()
	}, corpusExpected{Status: 403, Responder: "origin", Findings: []expectedFinding{def("ORG-OAC-NO-OVERRIDE", vTrue)}}},
}

// authCachePolicy creates a cache policy whose key (so the origin
// request) includes the viewer's Authorization header and headers.
func (g *gen) authCachePolicy(headers ...string) string {
	return g.cachePolicy("forward-authorization", cftypes.CachePolicyQueryStringBehaviorNone, append([]string{"Authorization"}, headers...)...)
}

// cachePolicy creates a cache policy named name whose key (so the origin
// request) includes the query strings as qs says and the headers.
func (g *gen) cachePolicy(name string, qs cftypes.CachePolicyQueryStringBehavior, headers ...string) string {
	g.t.Helper()
	hc := &cftypes.CachePolicyHeadersConfig{HeaderBehavior: cftypes.CachePolicyHeaderBehaviorNone}
	if len(headers) > 0 {
		hc = &cftypes.CachePolicyHeadersConfig{HeaderBehavior: cftypes.CachePolicyHeaderBehaviorWhitelist,
			Headers: &cftypes.Headers{Quantity: aws.Int32(int32(len(headers))), Items: headers}}
	}
	out, err := g.cf.CreateCachePolicy(context.Background(), &cloudfront.CreateCachePolicyInput{CachePolicyConfig: &cftypes.CachePolicyConfig{
		Name: aws.String(name), MinTTL: aws.Int64(1), DefaultTTL: aws.Int64(86400), MaxTTL: aws.Int64(31536000),
		ParametersInCacheKeyAndForwardedToOrigin: &cftypes.ParametersInCacheKeyAndForwardedToOrigin{
			EnableAcceptEncodingGzip: aws.Bool(true),
			HeadersConfig:            hc,
			CookiesConfig:            &cftypes.CachePolicyCookiesConfig{CookieBehavior: cftypes.CachePolicyCookieBehaviorNone},
			QueryStringsConfig:       &cftypes.CachePolicyQueryStringsConfig{QueryStringBehavior: qs}}}})
	g.must(err)
	return *out.CachePolicy.Id
}

// offline makes off what the doctor must find, live what the live
// simulation finds: the collector was refused calls the live server did
// not need, and the doctor says so.
func offline(live, off corpusExpected) corpusExpected {
	live.offline = &off
	return live
}

func pending(e corpusExpected, why string) corpusExpected {
	e.Pending = why
	return e
}

// websiteOrigin points the distribution at the bucket's website endpoint
// (a custom origin, http-only).
func websiteOrigin(g *gen) func(o *cftypes.Origin, _ *cftypes.DistributionConfig) {
	return func(o *cftypes.Origin, _ *cftypes.DistributionConfig) {
		o.DomainName = aws.String(g.bucket + ".s3-website-us-east-1.amazonaws.com")
		o.S3OriginConfig = nil
		o.CustomOriginConfig = &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443),
			OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly}
	}
}

// TestGenerateCorpus (with -update) rebuilds testdata/doctor. For each
// scenario the live simulation must give the expected findings first.
func TestGenerateCorpus(t *testing.T) {
	if !*update {
		t.Skip("run with -update to regenerate testdata/doctor")
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			g := newGen(t)
			sc.setup(g)
			host := sc.req.Host
			if host == "" {
				host = g.domain
			}
			scheme := sc.req.Scheme
			if scheme == "" {
				scheme = "https"
			}
			if sc.req.Host == "" {
				res, err := g.env.Server.SimulateViewer(context.Background(), server.ViewerRequest{Method: sc.req.Method,
					URL: scheme + "://" + host + sc.req.Path, Header: http.Header(sc.req.Headers)})
				if err != nil {
					t.Fatal(err)
				}
				var got, want []string
				for _, f := range res.Explanation.Findings {
					got = append(got, f.ID+"/"+string(f.Certainty))
				}
				for _, f := range sc.want.Findings {
					want = append(want, f.ID+"/"+string(f.Certainty))
				}
				if res.Status != sc.want.Status || strings.Join(got, " ") != strings.Join(want, " ") || len(got) != len(want) {
					t.Fatalf("live: %d %v, want %d %v\n%s", res.Status, got, sc.want.Status, want, res.Explanation.Human())
				}
			}
			dir := filepath.Join(corpusDir, sc.name)
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			// The collector lists keys: the viewer's path without its
			// query string.
			p, _, _ := strings.Cut(sc.req.Path, "?")
			paths := []string{p}
			if _, err := collect.Collect(context.Background(), collect.Options{DistributionID: g.id, Paths: paths,
				Out: filepath.Join(dir, "bundle"), Config: g.env.Config("test", "test"), Endpoint: g.env.Endpoint}); err != nil {
				t.Fatal(err)
			}
			writeJSONFile(t, filepath.Join(dir, "request.json"), sc.req)
			want := sc.want
			if sc.want.offline != nil {
				want = *sc.want.offline
			}
			writeJSONFile(t, filepath.Join(dir, "expected.json"), want)
		})
	}
}

func writeJSONFile(t *testing.T, path string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
