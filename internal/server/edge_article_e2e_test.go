package server_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/server"
	"github.com/edgegate/edgegate/internal/testenv"
)

// The tests of this file follow the re:Post article "Why do I get 403
// Access Denied errors when I use an S3 REST API endpoint as the origin of
// my CloudFront distribution?" (shared/seed) cause by cause: each sets the
// cause up with the SDK, asks the edge as a plain HTTP viewer, checks the
// status, S3's error code, X-Cache and the explanation of the
// X-Amz-Cf-Id (the catalog id of shared/spec/403-catalog.md), then applies
// the article's fix and checks that the viewer gets the object.
//
// Causes the other edge tests already cover are not repeated: SSE-KMS
// through OAC without and with the key-policy statement (TestEdgeSSEKMS),
// the cached 403 purged by an invalidation or outlived (TestEdgeCachedError),
// "/docs/" on a website origin (TestEdgeWebsiteOrigin), and the SPA page
// replacing 403 and 404 (TestEdgeCustomErrorResponses, TestEdgeCacheSPA).

const cachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"

// articleEnv is one cause's world: its bucket and distribution.
type articleEnv struct {
	t      *testing.T
	h      *edgeHarness
	bucket string
	d      edgeDist
	oac    string // the OAC id, "" without one
}

// articlePhase is one viewer request of a cause, after do changed the
// configuration.
type articlePhase struct {
	what string
	do   func(a *articleEnv)
	// path is the viewer path (default: the case's).
	path   string
	status int
	// code is the S3 error code of the XML body, "" for none (a success,
	// or a body that is not S3's).
	code string
	// body, when set, is the whole body expected.
	body   string
	xcache string
	// finding is the catalog id the explanation must carry.
	finding string
}

// articleCase is one cause of the article: setup makes the broken world,
// phases show the symptom and the fix.
type articleCase struct {
	name   string
	path   string
	setup  func(a *articleEnv)
	phases []articlePhase
}

// updateDist changes a distribution's configuration with
// GetDistributionConfig and UpdateDistribution.
func (h *edgeHarness) updateDist(id string, edit func(cfg *cftypes.DistributionConfig)) {
	h.t.Helper()
	bg := context.Background()
	got, err := h.cf.GetDistributionConfig(bg, &cloudfront.GetDistributionConfigInput{Id: aws.String(id)})
	if err != nil {
		h.t.Fatal(err)
	}
	edit(got.DistributionConfig)
	if _, err := h.cf.UpdateDistribution(bg, &cloudfront.UpdateDistributionInput{Id: aws.String(id), IfMatch: got.ETag,
		DistributionConfig: got.DistributionConfig}); err != nil {
		h.t.Fatal(err)
	}
}

// setSigning changes an OAC's SigningBehavior.
func (h *edgeHarness) setSigning(oacID, signing string) {
	h.t.Helper()
	bg := context.Background()
	got, err := h.cf.GetOriginAccessControl(bg, &cloudfront.GetOriginAccessControlInput{Id: aws.String(oacID)})
	if err != nil {
		h.t.Fatal(err)
	}
	cfg := got.OriginAccessControl.OriginAccessControlConfig
	cfg.SigningBehavior = cftypes.OriginAccessControlSigningBehaviors(signing)
	if _, err := h.cf.UpdateOriginAccessControl(bg, &cloudfront.UpdateOriginAccessControlInput{Id: aws.String(oacID),
		IfMatch: got.ETag, OriginAccessControlConfig: cfg}); err != nil {
		h.t.Fatal(err)
	}
}

// newOAI creates an origin access identity and returns its id.
func (h *edgeHarness) newOAI(ref string) string {
	h.t.Helper()
	out, err := h.cf.CreateCloudFrontOriginAccessIdentity(context.Background(), &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
		CloudFrontOriginAccessIdentityConfig: &cftypes.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String(ref), Comment: aws.String("")}})
	if err != nil {
		h.t.Fatal(err)
	}
	return *out.CloudFrontOriginAccessIdentity.Id
}

func oaiPolicy(bucket, oaiID string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ` +
		oaiID + `"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
}

func publicReadPolicy(bucket string) string {
	return `{"Version":"2012-10-17","Statement":[{"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
}

func findingIDs(x *diagnose.Explanation) []string {
	ids := []string{}
	for _, f := range x.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}

// check makes phase p's viewer request and checks its answer and
// explanation.
func (a *articleEnv) check(p articlePhase, path string) {
	t := a.t
	t.Helper()
	// The same request simulated first (explain --url, doctor): the same
	// pipeline must give the same status and finding, and change nothing
	// the real request then sees.
	sim, err := a.h.env.Server.SimulateViewer(context.Background(), server.ViewerRequest{URL: "http://" + a.d.domain + path,
		// Go's client asks for gzip: the cache key includes it.
		Header: http.Header{"Accept-Encoding": {"gzip"}}})
	if err != nil {
		t.Fatalf("%s: simulate: %v", p.what, err)
	}
	if sim.Status != p.status {
		t.Errorf("%s: simulated status %d, want %d (findings %v)", p.what, sim.Status, p.status, findingIDs(sim.Explanation))
	}
	if p.finding != "" && findingOf(sim.Explanation, p.finding) == nil {
		t.Errorf("%s: simulated findings %v, want %s", p.what, findingIDs(sim.Explanation), p.finding)
	}
	if p.finding == "" && len(sim.Explanation.Findings) > 0 {
		t.Errorf("%s: a simulated success with findings %v", p.what, findingIDs(sim.Explanation))
	}
	r := a.h.get("GET", a.d.domain, path)
	r.want(t, p.what, p.status, p.xcache)
	if got := s3Code(r.body); got != p.code {
		t.Errorf("%s: S3 error code %q, want %q\n%s", p.what, got, p.code, r.body)
	}
	if p.code != "" && r.header.Get("Server") != "AmazonS3" {
		t.Errorf("%s: an S3 error without Server: AmazonS3: %v", p.what, r.header)
	}
	if p.body != "" && r.body != p.body {
		t.Errorf("%s: body %q, want %q", p.what, r.body, p.body)
	}
	x := explainAs(t, a.h.env, "test", "test", r.header.Get("X-Amz-Cf-Id"))
	if p.finding == "" {
		if x.Status != p.status {
			t.Errorf("%s: explained status %d, want %d", p.what, x.Status, p.status)
		}
		// A success has no findings (docs/explain.md), a website
		// endpoint's included (its decision is recorded too).
		for _, f := range x.Findings {
			t.Errorf("%s: a success explained with finding %s", p.what, f.ID)
		}
		return
	}
	if findingOf(x, p.finding) == nil {
		t.Errorf("%s: explanation findings %v, want %s (status %d %s, responder %s)", p.what, findingIDs(x), p.finding, x.Status, x.ErrorCode, x.Responder)
	}
}

// TestEdgeArticleCauses: one subtest per cause of the article that the
// other edge tests do not cover with its explanation, each followed by
// its fix.
func TestEdgeArticleCauses(t *testing.T) {
	env := startSSEKMS(t) // a second account owns objects in "ownership"
	h := newEdgeHarness(t, env)
	bg := context.Background()
	const wrongArn = "arn:aws:cloudfront::000000000000:distribution/EWRONGDIST0001"
	const denied, miss, errX = 403, "Miss from cloudfront", "Error from cloudfront"

	// oacSetup makes a bucket with objects behind an OAC that signs with
	// signing; the bucket policy is left to the case.
	oacSetup := func(objects map[string]string, signing string) func(a *articleEnv) {
		return func(a *articleEnv) {
			a.h.bucket(a.bucket, objects)
			a.oac = a.h.oac(a.bucket, signing)
			a.d = a.h.dist(a.bucket, func(o *cftypes.Origin, _ *cftypes.DistributionConfig) { o.OriginAccessControlId = aws.String(a.oac) })
		}
	}
	grantOAC := func(a *articleEnv) { a.h.policy(a.bucket, oacPolicy(a.bucket, a.d.arn, false)) }

	cases := []articleCase{{
		name: "OAC without a bucket-policy statement", path: "/a.txt",
		setup: oacSetup(map[string]string{"a.txt": "A"}, "always"),
		phases: []articlePhase{
			{what: "no statement for the service principal", status: denied, code: "AccessDenied", xcache: errX, finding: "POL-NO-ALLOW"},
			{what: "AllowCloudFrontServicePrincipal added", do: grantOAC, status: 200, body: "A", xcache: miss},
		},
	}, {
		name: "OAC with a wrong SourceArn", path: "/a.txt",
		setup: func(a *articleEnv) {
			oacSetup(map[string]string{"a.txt": "A"}, "always")(a)
			a.h.policy(a.bucket, oacPolicy(a.bucket, wrongArn, false))
		},
		phases: []articlePhase{
			{what: "SourceArn of another distribution", status: denied, code: "AccessDenied", xcache: errX,
				finding: "POL-SOURCEARN-MISMATCH"},
			{what: "SourceArn corrected", do: grantOAC, status: 200, body: "A", xcache: miss},
		},
	}, {
		name: "OAC with signing never", path: "/a.txt",
		setup: func(a *articleEnv) {
			oacSetup(map[string]string{"a.txt": "A"}, "never")(a)
			grantOAC(a)
		},
		phases: []articlePhase{
			{what: "never signs: S3 sees an anonymous caller", status: denied, code: "AccessDenied", xcache: errX,
				finding: "ORG-OAC-NEVER"},
			{what: "signing always", do: func(a *articleEnv) { a.h.setSigning(a.oac, "always") }, status: 200, body: "A", xcache: miss},
		},
	}, {
		// The classic OAI mistake: the bucket policy names the service
		// principal (OAC's), the origin reads as the OAI.
		name: "OAI not in the bucket policy", path: "/o.txt",
		setup: func(a *articleEnv) {
			a.h.bucket(a.bucket, map[string]string{"o.txt": "via oai"})
			oai := a.h.newOAI(a.bucket)
			a.oac = oai
			a.d = a.h.dist(a.bucket, func(o *cftypes.Origin, _ *cftypes.DistributionConfig) {
				o.S3OriginConfig.OriginAccessIdentity = aws.String("origin-access-identity/cloudfront/" + oai)
			})
			a.h.policy(a.bucket, oacPolicy(a.bucket, a.d.arn, false))
		},
		phases: []articlePhase{
			{what: "policy names the service principal, origin uses the OAI", status: denied, code: "AccessDenied", xcache: errX, finding: "POL-NO-ALLOW"},
			{what: "OAI statement added", do: func(a *articleEnv) { a.h.policy(a.bucket, oaiPolicy(a.bucket, a.oac)) }, status: 200, body: "via oai", xcache: miss},
		},
	}, {
		name: "SSE-KMS behind an OAI", path: "/k.txt",
		setup: func(a *articleEnv) {
			a.h.bucket(a.bucket, nil)
			kc := kmsClient(env, "test", "test")
			// A key policy allowing everything in the account: no key policy
			// can name an OAI, so even this one does not help.
			ck, err := kc.CreateKey(bg, &kms.CreateKeyInput{})
			if err != nil {
				a.t.Fatal(err)
			}
			if _, err := a.h.s3.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(a.bucket), Key: aws.String("k.txt"), Body: strings.NewReader("kms via oai"),
				ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: ck.KeyMetadata.Arn}); err != nil {
				a.t.Fatal(err)
			}
			oai := a.h.newOAI(a.bucket)
			a.d = a.h.dist(a.bucket, func(o *cftypes.Origin, _ *cftypes.DistributionConfig) {
				o.S3OriginConfig.OriginAccessIdentity = aws.String("origin-access-identity/cloudfront/" + oai)
			})
			a.h.policy(a.bucket, oaiPolicy(a.bucket, oai))
		},
		phases: []articlePhase{
			{what: "OAI reads an SSE-KMS object", status: denied, code: "AccessDenied", xcache: errX, finding: "KMS-OAI"},
			{what: "re-encrypted with SSE-S3", do: func(a *articleEnv) {
				if _, err := a.h.s3.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(a.bucket), Key: aws.String("k.txt"), Body: strings.NewReader("kms via oai"),
					ServerSideEncryption: s3types.ServerSideEncryptionAes256}); err != nil {
					a.t.Fatal(err)
				}
			}, status: 200, body: "kms via oai", xcache: miss},
		},
	}, {
		name: "explicit Deny on aws:sourceVpce", path: "/a.txt",
		setup: func(a *articleEnv) {
			oacSetup(map[string]string{"a.txt": "A"}, "always")(a)
			a.h.policy(a.bucket, `{"Version":"2012-10-17","Statement":[`+allowOACStmt(a.bucket, a.d.arn)+`,`+
				`{"Sid":"Access-to-specific-VPCE-only","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::`+a.bucket+`/*",`+
				`"Condition":{"StringNotEquals":{"aws:sourceVpce":"vpce-1a2b3c4d"}}}]}`)
		},
		phases: []articlePhase{
			{what: "CloudFront's origin request has no VPC endpoint", status: denied, code: "AccessDenied", xcache: errX, finding: "POL-EXPLICIT-DENY-NETWORK"},
			{what: "the Deny exempts the distribution", do: func(a *articleEnv) {
				a.h.policy(a.bucket, `{"Version":"2012-10-17","Statement":[`+allowOACStmt(a.bucket, a.d.arn)+`,`+
					`{"Sid":"Access-to-specific-VPCE-only","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::`+a.bucket+`/*",`+
					`"Condition":{"StringNotEquals":{"aws:sourceVpce":"vpce-1a2b3c4d","AWS:SourceArn":"`+a.d.arn+`"}}}]}`)
			}, status: 200, body: "A", xcache: miss},
		},
	}, {
		name: "object owned by another account", path: "/theirs.txt",
		setup: func(a *articleEnv) {
			if _, err := a.h.s3.CreateBucket(bg, &s3.CreateBucketInput{Bucket: aws.String(a.bucket), ObjectOwnership: s3types.ObjectOwnershipObjectWriter}); err != nil {
				a.t.Fatal(err)
			}
			a.oac = a.h.oac(a.bucket, "always")
			a.d = a.h.dist(a.bucket, func(o *cftypes.Origin, _ *cftypes.DistributionConfig) { o.OriginAccessControlId = aws.String(a.oac) })
			a.h.policy(a.bucket, `{"Version":"2012-10-17","Statement":[`+allowOACStmt(a.bucket, a.d.arn)+`,`+
				`{"Sid":"OtherWrites","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+sseOtherAccount+`:root"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::`+a.bucket+`/*"}]}`)
			other := env.S3As(sseOtherKey, sseOtherSecret)
			if _, err := other.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(a.bucket), Key: aws.String("theirs.txt"), Body: strings.NewReader("uploaded by 111111111111")}); err != nil {
				a.t.Fatal(err)
			}
		},
		phases: []articlePhase{
			{what: "the bucket policy does not cover another account's object", status: denied, code: "AccessDenied", xcache: errX, finding: "POL-OBJECT-OWNERSHIP"},
			{what: "BucketOwnerEnforced", do: func(a *articleEnv) {
				if _, err := a.h.s3.PutBucketOwnershipControls(bg, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String(a.bucket),
					OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}}}}); err != nil {
					a.t.Fatal(err)
				}
			}, status: 200, body: "uploaded by 111111111111", xcache: miss},
		},
	}, {
		// 403 without s3:ListBucket, an honest (and cached) 404 with it,
		// the object once uploaded and the cached 404 invalidated.
		name: "missing object", path: "/later.txt",
		setup: func(a *articleEnv) {
			oacSetup(nil, "always")(a)
			grantOAC(a)
		},
		phases: []articlePhase{
			{what: "missing, no s3:ListBucket", status: denied, code: "AccessDenied", xcache: errX, finding: "KEY-MISSING"},
			{what: "missing, s3:ListBucket", do: func(a *articleEnv) { a.h.policy(a.bucket, oacPolicy(a.bucket, a.d.arn, true)) },
				status: 404, code: "NoSuchKey", xcache: errX, finding: "KEY-MISSING"},
			{what: "uploaded, the 404 still cached", do: func(a *articleEnv) { a.h.put(a.bucket, "later.txt", "here now", "") },
				status: 404, code: "NoSuchKey", xcache: errX, finding: "CACHE-ERROR-TTL"},
			{what: "uploaded and invalidated", do: func(a *articleEnv) { a.h.invalidate(a.d.id, "/later.txt") }, status: 200, body: "here now", xcache: miss},
		},
	}, {
		name: "case-sensitive key", path: "/Index.html",
		setup: func(a *articleEnv) {
			oacSetup(map[string]string{"index.html": "lower"}, "always")(a)
			grantOAC(a)
		},
		phases: []articlePhase{
			{what: "/Index.html for index.html", status: denied, code: "AccessDenied", xcache: errX, finding: "KEY-CASE"},
			{what: "the key itself", path: "/index.html", status: 200, body: "lower", xcache: miss},
			{what: "/Index.html with s3:ListBucket", do: func(a *articleEnv) { a.h.policy(a.bucket, oacPolicy(a.bucket, a.d.arn, true)) },
				status: 404, code: "NoSuchKey", xcache: errX, finding: "KEY-CASE"},
			{what: "the viewer's spelling uploaded too, invalidated", do: func(a *articleEnv) {
				a.h.put(a.bucket, "Index.html", "upper", "")
				a.h.invalidate(a.d.id, "/Index.html")
			}, status: 200, body: "upper", xcache: miss},
		},
	}, {
		name: "root without a default root object", path: "/",
		setup: func(a *articleEnv) {
			oacSetup(map[string]string{"index.html": "home"}, "always")(a)
			grantOAC(a)
		},
		phases: []articlePhase{
			{what: "/ is a bucket listing", status: denied, code: "AccessDenied", xcache: errX, finding: "KEY-ROOT-NO-DRO"},
			{what: "DefaultRootObject index.html", do: func(a *articleEnv) {
				a.h.updateDist(a.d.id, func(cfg *cftypes.DistributionConfig) { cfg.DefaultRootObject = aws.String("index.html") })
			}, status: 200, body: "home", xcache: miss},
		},
	}, {
		// The REST endpoint has no index documents below the root: /docs/
		// is the key "docs/". The article's other road: the website
		// endpoint (public), which has them.
		name: "/docs/ on a REST origin", path: "/docs/",
		setup: func(a *articleEnv) {
			oacSetup(map[string]string{"docs/index.html": "the docs"}, "always")(a)
			grantOAC(a)
		},
		phases: []articlePhase{
			{what: "/docs/ is the key docs/", status: denied, code: "AccessDenied", xcache: errX, finding: "KEY-SUBDIR-INDEX"},
			{what: "website endpoint origin", do: func(a *articleEnv) {
				if _, err := a.h.s3.PutBucketWebsite(bg, &s3.PutBucketWebsiteInput{Bucket: aws.String(a.bucket), WebsiteConfiguration: &s3types.WebsiteConfiguration{
					IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")}}}); err != nil {
					a.t.Fatal(err)
				}
				if _, err := a.h.s3.DeletePublicAccessBlock(bg, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(a.bucket)}); err != nil {
					a.t.Fatal(err)
				}
				a.h.policy(a.bucket, publicReadPolicy(a.bucket))
				a.h.updateDist(a.d.id, func(cfg *cftypes.DistributionConfig) {
					o := &cfg.Origins.Items[0]
					o.DomainName = aws.String(a.bucket + ".s3-website-us-east-1.amazonaws.com")
					o.OriginAccessControlId, o.S3OriginConfig = aws.String(""), nil
					o.CustomOriginConfig = &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443),
						OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly}
				})
			}, status: 200, body: "the docs", xcache: miss},
		},
	}, {
		// The SPA pattern hides the denial: the viewer gets the app with 200,
		// the explanation still names the missing asset.
		name: "SPA page masks a missing asset", path: "/app.js",
		setup: func(a *articleEnv) {
			oacSetup(map[string]string{"index.html": "<app/>"}, "always")(a)
			a.h.updateDist(a.d.id, func(cfg *cftypes.DistributionConfig) {
				cfg.CustomErrorResponses = &cftypes.CustomErrorResponses{Quantity: aws.Int32(1), Items: []cftypes.CustomErrorResponse{
					{ErrorCode: aws.Int32(403), ResponsePagePath: aws.String("/index.html"), ResponseCode: aws.String("200"), ErrorCachingMinTTL: aws.Int64(0)}}}
			})
			grantOAC(a)
		},
		phases: []articlePhase{
			{what: "missing asset answered with the app", status: 200, body: "<app/>", xcache: errX, finding: "CACHE-SPA-MASK"},
			{what: "asset uploaded", do: func(a *articleEnv) { a.h.put(a.bucket, "app.js", "js", "") }, status: 200, body: "js", xcache: miss},
		},
	}}

	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Each case's harness numbers its caller references from its
			// own base, so that they never collide across cases.
			a := &articleEnv{t: t, h: &edgeHarness{t: t, env: env, s3: h.s3, cf: h.cf, n: 100 * (i + 1)}, bucket: "article-" + string(rune('a'+i))}
			c.setup(a)
			for _, p := range c.phases {
				if p.do != nil {
					p.do(a)
				}
				path := p.path
				if path == "" {
					path = c.path
				}
				a.check(p, path)
			}
		})
	}
}

// allowOACStmt is the article's Allow-OAC-Access-To-Bucket statement.
func allowOACStmt(bucket, sourceArn string) string {
	return `{"Sid":"Allow-OAC-Access-To-Bucket","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject",` +
		`"Resource":"arn:aws:s3:::` + bucket + `/*","Condition":{"StringEquals":{"AWS:SourceArn":"` + sourceArn + `"}}}`
}

// TestEdgeArticlePublicBucket: the article's first road, a public bucket
// behind an origin without OAC or OAI (CachingDisabled, so every request
// reaches S3): private → 403; Block Public Access removed and a
// public-read policy → 200; BlockPublicPolicy alone leaves the existing
// policy working (it only refuses new public policies); RestrictPublicBuckets
// → 403 POL-BPA-PUBLIC; the catalog's fix, OAC with its statement → 200.
func TestEdgeArticlePublicBucket(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	bg := context.Background()
	const b = "article-public"
	h.bucket(b, map[string]string{"p.txt": "public"})
	d := h.dist(b, func(_ *cftypes.Origin, cfg *cftypes.DistributionConfig) {
		cfg.DefaultCacheBehavior.CachePolicyId = aws.String(cachingDisabled)
	})
	a := &articleEnv{t: t, h: h, bucket: b, d: d}
	a.check(articlePhase{what: "no origin access, private bucket", status: 403, code: "AccessDenied", xcache: "Error from cloudfront",
		finding: "ORG-NO-AUTH"}, "/p.txt")

	if _, err := h.s3.DeletePublicAccessBlock(bg, &s3.DeletePublicAccessBlockInput{Bucket: aws.String(b)}); err != nil {
		t.Fatal(err)
	}
	h.policy(b, publicReadPolicy(b))
	a.check(articlePhase{what: "public-read", status: 200, body: "public", xcache: "Miss from cloudfront"}, "/p.txt")
	a.check(articlePhase{what: "public-read again (CachingDisabled)", status: 200, body: "public", xcache: "Miss from cloudfront"}, "/p.txt")

	bpa := func(cfg s3types.PublicAccessBlockConfiguration) {
		t.Helper()
		if _, err := h.s3.PutPublicAccessBlock(bg, &s3.PutPublicAccessBlockInput{Bucket: aws.String(b), PublicAccessBlockConfiguration: &cfg}); err != nil {
			t.Fatal(err)
		}
	}
	bpa(s3types.PublicAccessBlockConfiguration{BlockPublicPolicy: aws.Bool(true)})
	a.check(articlePhase{what: "BlockPublicPolicy only", status: 200, body: "public", xcache: "Miss from cloudfront"}, "/p.txt")
	bpa(s3types.PublicAccessBlockConfiguration{BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)})
	a.check(articlePhase{what: "RestrictPublicBuckets", status: 403, code: "AccessDenied", xcache: "Error from cloudfront", finding: "POL-BPA-PUBLIC"}, "/p.txt")

	// The fix: OAC and a statement for it (not public: BlockPublicPolicy
	// accepts it).
	oac := h.oac("public-fix", "always")
	h.updateDist(d.id, func(cfg *cftypes.DistributionConfig) { cfg.Origins.Items[0].OriginAccessControlId = aws.String(oac) })
	h.policy(b, oacPolicy(b, d.arn, false))
	a.check(articlePhase{what: "OAC", status: 200, body: "public", xcache: "Miss from cloudfront"}, "/p.txt")
}

// rawViewer sends req (a whole HTTP/1.1 request, written as is) to the
// server and returns the response, body read.
func rawViewer(t *testing.T, env *testenv.Env, req string) viewerResp {
	t.Helper()
	c, err := net.DialTimeout("tcp", env.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%q: %v", req, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return viewerResp{resp.StatusCode, resp.Header, string(body)}
}

// rawGet is rawViewer for a GET of target (sent verbatim on the request
// line) with Host host.
func rawGet(t *testing.T, env *testenv.Env, host, target string) viewerResp {
	t.Helper()
	return rawViewer(t, env, "GET "+target+" HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\n\r\n")
}

// TestEdgeArticleBadInput: viewer paths with dot segments and encodings
// are S3 keys verbatim (docs/edge.md) and never reach another bucket,
// even one the distribution could read; control characters and
// non-origin-form targets are CloudFront's 400; an overlong key is S3's
// KeyTooLongError; headers over MaxHeaderBytes are 431.
func TestEdgeArticleBadInput(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	d := h.oacDist("article-site", map[string]string{"dir/a.txt": "a in dir", "hello.txt": "hello"}, nil)
	h.policy("article-site", oacPolicy("article-site", d.arn, true)) // honest 404s name the key
	// "secret" lets this very distribution read it: only the path could
	// keep a viewer of article-site out.
	h.bucket("secret", map[string]string{"x": "top secret"})
	h.policy("secret", oacPolicy("secret", d.arn, true))

	for _, c := range []struct{ target, key string }{
		{"/../secret/x", "../secret/x"},
		{"/%2e%2e/secret/x", "../secret/x"},
		{"/%2E%2E%2Fsecret%2Fx", "../secret/x"},
		{"/..%2fsecret/x", "../secret/x"},
		{"/dir/../../secret/x", "dir/../../secret/x"},
		{"/./../secret/x", "./../secret/x"},
		{"//secret/x", "/secret/x"},
		{"/%2Fsecret/x", "/secret/x"},
		{"/secret/x", "secret/x"},
	} {
		r := rawGet(t, env, d.domain, c.target)
		if strings.Contains(r.body, "top secret") {
			t.Fatalf("%s reached bucket secret: %d %v", c.target, r.status, r.header)
		}
		r.want(t, c.target, 404, "Error from cloudfront")
		if s3Code(r.body) != "NoSuchKey" || !strings.Contains(r.body, "<Key>"+c.key+"</Key>") {
			t.Errorf("%s: want NoSuchKey for key %q: %s", c.target, c.key, r.body)
		}
		if x := explainAs(t, env, "test", "test", r.header.Get("X-Amz-Cf-Id")); findingOf(x, "KEY-MISSING") == nil {
			t.Errorf("%s: explanation %v, want KEY-MISSING", c.target, findingIDs(x))
		}
	}
	// An encoded slash is a slash of the key, as in S3 REST requests.
	r := rawGet(t, env, d.domain, "/dir%2Fa.txt")
	r.want(t, "/dir%2Fa.txt", 200, "Miss from cloudfront")
	if r.body != "a in dir" {
		t.Errorf("/dir%%2Fa.txt: %q", r.body)
	}

	// Control characters once decoded: CloudFront's 400 page.
	for _, target := range []string{"/hello.txt%00", "/a%0d%0aSet-Cookie:x=1", "/%7f"} {
		r := rawGet(t, env, d.domain, target)
		r.want(t, target, 400, "Error from cloudfront")
		if r.header.Get("Server") != "CloudFront" || !strings.Contains(r.body, "400 ERROR") || r.header.Get("Set-Cookie") != "" {
			t.Errorf("%s: not CloudFront's 400 page: %v\n%s", target, r.header, r.body)
		}
		if x := explainAs(t, env, "test", "test", r.header.Get("X-Amz-Cf-Id")); x.Responder != "edge" || findingOf(x, "CloudFrontBadRequest") == nil {
			t.Errorf("%s: explanation %s %v", target, x.Responder, findingIDs(x))
		}
	}
	// Not origin-form: the asterisk form.
	r = rawViewer(t, env, "OPTIONS * HTTP/1.1\r\nHost: "+d.domain+"\r\nConnection: close\r\n\r\n")
	r.want(t, "OPTIONS *", 400, "Error from cloudfront")

	// Absolute form naming the distribution: HTTP/1.1 servers must accept
	// it (RFC 9112 §3.2.2), and the request is the distribution's.
	r = rawGet(t, env, d.domain, "http://"+d.domain+"/hello.txt")
	r.want(t, "absolute-form", 200, "Miss from cloudfront")
	if r.body != "hello" {
		t.Errorf("absolute-form: %q", r.body)
	}
	// Absolute form naming the secret bucket's S3 host with the
	// distribution's Host header: the target's host wins (RFC 9112
	// §3.2.2), so this is an anonymous S3 request, not the edge's, and
	// S3 refuses it.
	r = rawGet(t, env, d.domain, "http://secret.s3.localhost/x")
	if r.status != 403 || strings.Contains(r.body, "top secret") || r.header.Get("X-Amz-Cf-Id") != "" || s3Code(r.body) != "AccessDenied" {
		t.Errorf("absolute-form to the secret bucket: %d %v %s", r.status, r.header, r.body)
	}

	// Overlong: a key over 1024 bytes is S3's 400 KeyTooLongError.
	long := "/" + strings.Repeat("k", 1100)
	r = rawGet(t, env, d.domain, long)
	r.want(t, "1100-byte key", 400, "Error from cloudfront")
	if s3Code(r.body) != "KeyTooLongError" {
		t.Errorf("1100-byte key: %s", r.body)
	}

	// Headers beyond MaxHeaderBytes (64 KiB): 431 from the HTTP server,
	// before the edge.
	r = rawViewer(t, env, "GET /hello.txt HTTP/1.1\r\nHost: "+d.domain+"\r\nX-Big: "+strings.Repeat("b", 80<<10)+"\r\nConnection: close\r\n\r\n")
	if r.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("80 KiB header: %d %v", r.status, r.header)
	}
	// Below the limit: served.
	r = rawViewer(t, env, "GET /hello.txt HTTP/1.1\r\nHost: "+d.domain+"\r\nX-Big: "+strings.Repeat("b", 30<<10)+"\r\nConnection: close\r\n\r\n")
	if r.status != 200 || r.body != "hello" {
		t.Errorf("30 KiB header: %d %q", r.status, r.body)
	}
}

// TestEdgeArticleInvalidRange: Range headers on a cached object are
// answered by the edge as S3 would, without origin requests: a
// syntactically invalid range (bytes=abc), a reversed one (bytes=5-1) and
// several ranges are ignored (200, the whole object); an unsatisfiable
// one is S3's 416 InvalidRange.
func TestEdgeArticleInvalidRange(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	h := newEdgeHarness(t, env)
	d := h.oacDist("article-range", map[string]string{"r.txt": "0123456789"}, nil)
	h.get("GET", d.domain, "/r.txt").want(t, "first", 200, "Miss from cloudfront")
	n := fetches(env)
	for _, c := range []struct {
		rng    string
		status int
		body   string
		xcache string
	}{
		{"bytes=abc", 200, "0123456789", "Hit from cloudfront"},
		{"bytes=5-1", 200, "0123456789", "Hit from cloudfront"},
		{"bytes=0-1,4-5", 200, "0123456789", "Hit from cloudfront"},
		{"items=0-1", 200, "0123456789", "Hit from cloudfront"},
		{"bytes=2-4", 206, "234", "Hit from cloudfront"},
		{"bytes=100000-", 416, "", "Error from cloudfront"},
	} {
		r := h.getWith("GET", d.domain, "/r.txt", map[string]string{"Range": c.rng})
		r.want(t, c.rng, c.status, c.xcache)
		if c.status == 416 {
			if s3Code(r.body) != "InvalidRange" || r.header.Get("Content-Range") != "bytes */10" {
				t.Errorf("%s: %v %s", c.rng, r.header, r.body)
			}
		} else if r.body != c.body || (c.status == 200 && r.header.Get("Content-Range") != "") {
			t.Errorf("%s: %v %q", c.rng, r.header, r.body)
		}
		// A hit is explained as the origin request that filled the cache
		// (200, no findings). The edge's own 206 and 416 are not told
		// apart from it yet: logged as a gap, not asserted.
		x := explainAs(t, env, "test", "test", r.header.Get("X-Amz-Cf-Id"))
		switch {
		case x.Status == c.status:
		case c.status == 200:
			t.Errorf("%s: explained as %d %s, want 200", c.rng, x.Status, x.ErrorCode)
		default:
			t.Logf("GAP %s: the edge's %d is explained as the cache fill's %d %q (responder %s, findings %v)",
				c.rng, c.status, x.Status, x.ErrorCode, x.Responder, findingIDs(x))
		}
	}
	if got := fetches(env) - n; got != 0 {
		t.Errorf("Range requests on a cached object made %d origin requests", got)
	}
}

// TestEdgeArticleSlowClient: a client that sends a request line and then
// stalls its headers is disconnected after the read-header timeout (30 s
// in production, 300 ms here), and the server keeps serving others.
func TestEdgeArticleSlowClient(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.Open(ctx, server.Config{Listen: ln.Addr().String(), DataDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	server.SetReadHeaderTimeout(srv, 300*time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- srv.ServeListener(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	})

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := io.WriteString(c, "GET /x HTTP/1.1\r\nHost: dslowclient00000.cloudfront.localhost\r\nX-Partial: "); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c) // until the server closes the connection
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("stalled client not disconnected after %v: %v", elapsed, err)
	}
	if elapsed < 250*time.Millisecond || elapsed > 3*time.Second {
		t.Errorf("disconnected after %v, want about 300 ms", elapsed)
	}
	// Go's server closes a connection whose headers time out without an
	// answer (or with a bare 408): nothing of the edge's.
	if bytes.Contains(got, []byte("X-Amz-Cf-Id")) {
		t.Errorf("a stalled request reached the edge: %q", got)
	}
	if resp, err := http.Get("http://" + ln.Addr().String() + "/_edgegate/health"); err != nil || resp.StatusCode != 200 {
		t.Errorf("health after the stalled client: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}
