package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cfsdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/testenv"
)

func TestGrantOriginAccessUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no distribution", nil, "--distribution-id is required"},
		{"stray argument", []string{"--distribution-id", "E1", "extra"}, `unexpected argument "extra"`},
		{"aws and endpoint", []string{"--distribution-id", "E1", "--aws", "--endpoint", "http://127.0.0.1:1"}, "exclude each other"},
		{"bad endpoint", []string{"--distribution-id", "E1", "--endpoint", "127.0.0.1:4566"}, "bad --endpoint"},
		{"unknown flag", []string{"--distribution", "E1"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		code := run(append([]string{"grant-origin-access"}, tt.args...), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", tt.name, code, errb.String(), tt.want)
		}
	}
}

// grantEnv is a running edgegate with the AWS environment of the command
// pointed at it (the default account's test/test key, no shared files).
type grantEnv struct {
	env *testenv.Env
	ctx context.Context
	s3  *s3.Client
	kms *kms.Client
	cf  *cfsdk.Client
	iam *iam.Client
}

func startGrantEnv(t *testing.T) *grantEnv {
	env := testenv.Start(t, testenv.Options{})
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_CONFIG_FILE": none, "AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "", "AWS_DEFAULT_REGION": "", "EDGEGATE_ENDPOINT": "",
	} {
		t.Setenv(k, v)
	}
	return &grantEnv{env: env, ctx: context.Background(), s3: env.S3(), kms: kms.NewFromConfig(env.Config("test", "test")),
		cf: env.CloudFront("test", "test"), iam: env.IAM("test", "test")}
}

// grant runs the command and returns its exit code and output.
func (g *grantEnv) grant(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"grant-origin-access", "--endpoint", g.env.Endpoint}, args...), &out, &errb)
	t.Logf("grant-origin-access %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
	return code, out.String() + errb.String()
}

// bucket creates a bucket with the given default encryption ("" keeps
// SSE-S3; "aws:kms" with keyID, which may be "" for aws/s3).
func (g *grantEnv) bucket(t *testing.T, name, sse, keyID string) {
	t.Helper()
	if _, err := g.s3.CreateBucket(g.ctx, &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if sse == "" {
		return
	}
	def := &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryption(sse)}
	if keyID != "" {
		def.KMSMasterKeyID = aws.String(keyID)
	}
	if _, err := g.s3.PutBucketEncryption(g.ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(name),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
			Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: def}}}}); err != nil {
		t.Fatal(err)
	}
}

func (g *grantEnv) customerKey(t *testing.T) string {
	t.Helper()
	k, err := g.kms.CreateKey(g.ctx, &kms.CreateKeyInput{Description: aws.String("origin key")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(k.KeyMetadata.Arn)
}

func (g *grantEnv) oac(t *testing.T, name string) string {
	t.Helper()
	o, err := g.cf.CreateOriginAccessControl(g.ctx, &cfsdk.CreateOriginAccessControlInput{
		OriginAccessControlConfig: &cftypes.OriginAccessControlConfig{
			Name: aws.String(name), OriginAccessControlOriginType: cftypes.OriginAccessControlOriginTypesS3,
			SigningBehavior: cftypes.OriginAccessControlSigningBehaviorsAlways, SigningProtocol: cftypes.OriginAccessControlSigningProtocolsSigv4,
		}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(o.OriginAccessControl.Id)
}

func (g *grantEnv) oai(t *testing.T, ref string) string {
	t.Helper()
	o, err := g.cf.CreateCloudFrontOriginAccessIdentity(g.ctx, &cfsdk.CreateCloudFrontOriginAccessIdentityInput{
		CloudFrontOriginAccessIdentityConfig: &cftypes.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String(ref), Comment: aws.String("")}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(o.CloudFrontOriginAccessIdentity.Id)
}

// s3Origin is an S3 origin reading bucket through an OAC (oac != "") or an
// OAI (oai != "").
func s3Origin(id, bucket, oac, oai string) cftypes.Origin {
	o := cftypes.Origin{Id: aws.String(id), DomainName: aws.String(bucket + ".s3.us-east-1.amazonaws.com"),
		S3OriginConfig: &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("")}}
	if oac != "" {
		o.OriginAccessControlId = aws.String(oac)
	}
	if oai != "" {
		o.S3OriginConfig.OriginAccessIdentity = aws.String("origin-access-identity/cloudfront/" + oai)
	}
	return o
}

// distribution creates a distribution of the origins (the first is the
// default behaviour's target) and returns its id and ARN.
func (g *grantEnv) distribution(t *testing.T, ref string, origins ...cftypes.Origin) (string, string) {
	t.Helper()
	d, err := g.cf.CreateDistribution(g.ctx, &cfsdk.CreateDistributionInput{DistributionConfig: &cftypes.DistributionConfig{
		CallerReference: aws.String(ref), Comment: aws.String(""), Enabled: aws.Bool(true),
		Origins: &cftypes.Origins{Quantity: aws.Int32(int32(len(origins))), Items: origins},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{
			TargetOriginId: origins[0].Id, ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
			CachePolicyId: aws.String("658327ea-f89d-4fab-a63d-7e88639e58f6"), // Managed-CachingOptimized
		},
	}})
	if err != nil {
		t.Fatalf("CreateDistribution: %v", err)
	}
	return aws.ToString(d.Distribution.Id), aws.ToString(d.Distribution.ARN)
}

func (g *grantEnv) bucketPolicy(t *testing.T, bucket string) string {
	t.Helper()
	p, err := g.s3.GetBucketPolicy(g.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("GetBucketPolicy %s: %v", bucket, err)
	}
	return aws.ToString(p.Policy)
}

func (g *grantEnv) keyPolicy(t *testing.T, key string) string {
	t.Helper()
	p, err := g.kms.GetKeyPolicy(g.ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(key), PolicyName: aws.String("default")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(p.Policy)
}

// simulate asks edgegate's IAM policy simulator (extended to service
// principals, docs/simulate.md) what resourcePolicy decides for
// cloudfront.amazonaws.com calling action on resource for distribution
// sourceARN.
func (g *grantEnv) simulate(t *testing.T, resourcePolicy, action, resource, sourceARN string) string {
	t.Helper()
	out, err := g.iam.SimulateCustomPolicy(g.ctx, &iam.SimulateCustomPolicyInput{
		PolicyInputList: []string{`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`},
		CallerArn:       aws.String("cloudfront.amazonaws.com"),
		ResourcePolicy:  aws.String(resourcePolicy),
		ActionNames:     []string{action},
		ResourceArns:    []string{resource},
		ContextEntries: []iamtypes.ContextEntry{{ContextKeyName: aws.String("aws:SourceArn"),
			ContextKeyType: iamtypes.ContextKeyTypeEnumString, ContextKeyValues: []string{sourceARN}}},
	})
	if err != nil {
		t.Fatalf("SimulateCustomPolicy: %v", err)
	}
	return string(out.EvaluationResults[0].EvalDecision)
}

// statementSids lists the Sids of a policy document's statements.
func statementSids(t *testing.T, doc string) []string {
	t.Helper()
	var p struct {
		Statement []struct{ Sid string }
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("%v: %s", err, doc)
	}
	var sids []string
	for _, s := range p.Statement {
		sids = append(sids, s.Sid)
	}
	return sids
}

func mustContain(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s does not contain %q:\n%s", what, sub, s)
		}
	}
}

// TestGrantOriginAccessE2E drives the command against a real edgegate: an
// SSE-KMS bucket behind an OAC gets the bucket and key statements, the
// grant works (the IAM simulator allows the distribution and not another
// one), a second run changes nothing, and the cases no grant can fix exit 1
// without writing.
func TestGrantOriginAccessE2E(t *testing.T) {
	g := startGrantEnv(t)
	key := g.customerKey(t)
	g.bucket(t, "site-bucket", "aws:kms", key)
	oac := g.oac(t, "site-oac")
	custom := cftypes.Origin{Id: aws.String("api"), DomainName: aws.String("api.example.com"),
		CustomOriginConfig: &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443),
			OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpsOnly}}
	distID, distARN := g.distribution(t, "site", s3Origin("site", "site-bucket", oac, ""), custom)
	keyBefore := g.keyPolicy(t, key)

	t.Run("dry run writes nothing", func(t *testing.T) {
		code, out := g.grant(t, "--distribution-id", distID, "--dry-run", "--list-bucket")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		mustContain(t, "output", out, "--- bucket policy of s3://site-bucket (none)", "+++ key policy of "+key+" (granted)",
			"dry run: nothing written", `origin "api" (api.example.com): custom origin; nothing to grant`)
		if _, err := g.s3.GetBucketPolicy(g.ctx, &s3.GetBucketPolicyInput{Bucket: aws.String("site-bucket")}); apiCode(err) != "NoSuchBucketPolicy" {
			t.Errorf("GetBucketPolicy after a dry run: %v", err)
		}
		if got := g.keyPolicy(t, key); got != keyBefore {
			t.Errorf("key policy changed by a dry run:\n%s", got)
		}
	})

	t.Run("grant", func(t *testing.T) {
		code, out := g.grant(t, "--distribution-id", distID, "--list-bucket")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		mustContain(t, "output", out,
			"distribution "+distID+" ("+distARN+")",
			`origin "site" (site-bucket.s3.us-east-1.amazonaws.com): bucket site-bucket, origin access control `+oac,
			"bucket site-bucket: default encryption SSE-KMS with customer managed key "+key,
			`+      "Sid": "AllowCloudFrontServicePrincipal",`,
			`+      "Sid": "AllowCloudFrontServicePrincipalSSE-KMS",`,
			"wrote the bucket policy of s3://site-bucket", "wrote the key policy of "+key)
		bp := g.bucketPolicy(t, "site-bucket")
		if got := statementSids(t, bp); strings.Join(got, ",") != "AllowCloudFrontServicePrincipal,AllowCloudFrontServicePrincipalListBucket" {
			t.Errorf("bucket policy statements %v:\n%s", got, bp)
		}
		mustContain(t, "bucket policy", bp, `"Version": "2008-10-17"`, `"Id": "PolicyForCloudFrontPrivateContent"`, `"AWS:SourceArn": "`+distARN+`"`)
		kp := g.keyPolicy(t, key)
		sids := statementSids(t, kp)
		if len(sids) < 2 || sids[len(sids)-1] != "AllowCloudFrontServicePrincipalSSE-KMS" {
			t.Errorf("key policy statements %v:\n%s", sids, kp)
		}
		// Everything the key policy had is kept, in order.
		var was, now struct {
			Version, Id string
			Statement   []any
		}
		if json.Unmarshal([]byte(keyBefore), &was) != nil || json.Unmarshal([]byte(kp), &now) != nil ||
			was.Version != now.Version || was.Id != now.Id || len(now.Statement) != len(was.Statement)+1 ||
			!reflect.DeepEqual(now.Statement[:len(was.Statement)], was.Statement) {
			t.Errorf("key policy did not keep what it had:\n%s\nwas:\n%s", kp, keyBefore)
		}

		// Proof that the grant works: the simulator, as the service
		// principal of this distribution, is allowed; another
		// distribution of the account is not.
		other := strings.TrimSuffix(distARN, distID) + "EOTHERDIST1234"
		for _, c := range []struct{ doc, action, resource, source, want string }{
			{bp, "s3:GetObject", "arn:aws:s3:::site-bucket/index.html", distARN, "allowed"},
			{bp, "s3:ListBucket", "arn:aws:s3:::site-bucket", distARN, "allowed"},
			{bp, "s3:GetObject", "arn:aws:s3:::site-bucket/index.html", other, "implicitDeny"},
			{kp, "kms:Decrypt", key, distARN, "allowed"},
			{kp, "kms:Decrypt", key, other, "implicitDeny"},
		} {
			if got := g.simulate(t, c.doc, c.action, c.resource, c.source); got != c.want {
				t.Errorf("simulate %s on %s for %s: %s, want %s", c.action, c.resource, c.source, got, c.want)
			}
		}
	})

	t.Run("second run: no change needed", func(t *testing.T) {
		bp, kp := g.bucketPolicy(t, "site-bucket"), g.keyPolicy(t, key)
		code, out := g.grant(t, "--distribution-id", distID, "--list-bucket")
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		mustContain(t, "output", out, "no change needed", `already allowed by statement #0 "AllowCloudFrontServicePrincipal"`)
		if strings.Contains(out, "wrote") || strings.Contains(out, "+++") {
			t.Errorf("second run wrote or diffed:\n%s", out)
		}
		if g.bucketPolicy(t, "site-bucket") != bp || g.keyPolicy(t, key) != kp {
			t.Error("second run changed a policy")
		}
	})

	t.Run("a second distribution joins the statements", func(t *testing.T) {
		id2, arn2 := g.distribution(t, "site-2", s3Origin("site", "site-bucket", oac, ""))
		code, out := g.grant(t, "--distribution-id", id2)
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		mustContain(t, "output", out, "to the AWS:SourceArn condition of statement #0", `+            "`+arn2+`"`)
		bp := g.bucketPolicy(t, "site-bucket")
		if got := g.simulate(t, bp, "s3:GetObject", "arn:aws:s3:::site-bucket/a", arn2); got != "allowed" {
			t.Errorf("second distribution: %s", got)
		}
		if got := g.simulate(t, g.keyPolicy(t, key), "kms:Decrypt", key, arn2); got != "allowed" {
			t.Errorf("second distribution, key: %s", got)
		}
	})

	t.Run("explicit deny: reported, nothing written", func(t *testing.T) {
		g.bucket(t, "vpce-only", "", "")
		// A network perimeter that exempts the account's own principals but
		// not AWS services (catalog POL-PERIMETER / POL-EXPLICIT-DENY-NETWORK).
		deny := `{"Version":"2012-10-17","Statement":[{"Sid":"OnlyThroughVPCE","Effect":"Deny","Principal":"*","Action":"s3:*",` +
			`"Resource":["arn:aws:s3:::vpce-only","arn:aws:s3:::vpce-only/*"],` +
			`"Condition":{"StringNotEquals":{"aws:SourceVpce":"vpce-1a2b3c4d","aws:PrincipalAccount":"000000000000"}}}]}`
		if _, err := g.s3.PutBucketPolicy(g.ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("vpce-only"), Policy: aws.String(deny)}); err != nil {
			t.Fatal(err)
		}
		before := g.bucketPolicy(t, "vpce-only")
		id, _ := g.distribution(t, "vpce", s3Origin("vpce", "vpce-only", oac, ""))
		code, out := g.grant(t, "--distribution-id", id)
		if code != 1 {
			t.Fatalf("exit %d, want 1", code)
		}
		mustContain(t, "output", out, `cannot grant: bucket policy of s3://vpce-only: s3:GetObject on arn:aws:s3:::vpce-only/*: explicitly denied by statement #0 "OnlyThroughVPCE", `+
			`for cloudfront.amazonaws.com (distribution `+id+`); narrow that Deny statement`,
			`  #0 Sid "OnlyThroughVPCE" (Deny): principal ✓ (*)`,
			"not writing the bucket policy of s3://vpce-only")
		if g.bucketPolicy(t, "vpce-only") != before {
			t.Error("the denied bucket policy was written")
		}
	})

	t.Run("aws/s3 key: cannot grant", func(t *testing.T) {
		g.bucket(t, "managed-key", "aws:kms", "")
		id, _ := g.distribution(t, "managed", s3Origin("m", "managed-key", oac, ""))
		code, out := g.grant(t, "--distribution-id", id)
		if code != 1 {
			t.Fatalf("exit %d, want 1", code)
		}
		mustContain(t, "output", out, "cannot grant: KMS-KEY-POLICY: bucket managed-key encrypts objects with the AWS managed key aws/s3,",
			"wrote the bucket policy of s3://managed-key")

		// The same key named by its ARN: DescribeKey says it is AWS managed.
		mk, err := g.kms.DescribeKey(g.ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/aws/s3")})
		if err != nil {
			t.Fatal(err)
		}
		managedARN := aws.ToString(mk.KeyMetadata.Arn)
		g.bucket(t, "managed-key-arn", "aws:kms", managedARN)
		id, _ = g.distribution(t, "managed-arn", s3Origin("m", "managed-key-arn", oac, ""))
		before := g.keyPolicy(t, managedARN)
		code, out = g.grant(t, "--distribution-id", id)
		if code != 1 {
			t.Fatalf("exit %d, want 1", code)
		}
		mustContain(t, "output", out, "cannot grant: KMS-KEY-POLICY: bucket managed-key-arn encrypts objects with the AWS managed key aws/s3 ("+managedARN+")")
		if g.keyPolicy(t, managedARN) != before {
			t.Error("the aws/s3 key policy changed")
		}
	})

	t.Run("OAI on SSE-KMS: cannot grant the key, bucket policy written", func(t *testing.T) {
		g.bucket(t, "oai-kms", "aws:kms", key)
		oai := g.oai(t, "oai-kms")
		id, _ := g.distribution(t, "oai", s3Origin("o", "oai-kms", "", oai))
		keyBefore := g.keyPolicy(t, key)
		code, out := g.grant(t, "--distribution-id", id)
		if code != 1 {
			t.Fatalf("exit %d, want 1", code)
		}
		mustContain(t, "output", out, "origin access identity "+oai, "cannot grant: KMS-OAI:", "wrote the bucket policy of s3://oai-kms")
		bp := g.bucketPolicy(t, "oai-kms")
		mustContain(t, "bucket policy", bp, `"Sid": "1"`, `"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity `+oai+`"`)
		if g.keyPolicy(t, key) != keyBefore {
			t.Error("an OAI grant changed the key policy")
		}
	})

	t.Run("unknown distribution", func(t *testing.T) {
		code, out := g.grant(t, "--distribution-id", "ENOSUCHDIST123")
		if code != 2 || !strings.Contains(out, "NoSuchDistribution") {
			t.Fatalf("exit %d, want 2 and NoSuchDistribution", code)
		}
	})
}
