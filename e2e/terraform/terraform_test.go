// Package terraform applies real Terraform configurations to edgegate with
// the hashicorp/aws provider, unchanged, and checks what they built with
// aws-sdk-go-v2: apply, an empty second plan, destroy.
//
// The configuration is testdata/*.tf: providers.tf points the provider at
// edgegate, s3_kms.tf holds the origin bucket and its KMS key, and
// cloudfront.tf holds the origin access control and the distribution
// (default root object, an ordered cache behaviour, custom error
// responses, the managed CachingOptimized policy looked up by name).
//
// Terraform must be on PATH and the provider in a filesystem mirror
// (EDGEGATE_TF_PLUGIN_MIRROR, default /opt/tf-plugins, laid out as
// registry.terraform.io/hashicorp/aws/VERSION/OS_ARCH/); without them the
// test is skipped, except under CI=true, where it fails.
package terraform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/edgegate/edgegate/internal/testenv"
)

// providerVersion is the hashicorp/aws version providers.tf pins.
const providerVersion = "5.100.0"

// commandTimeout bounds one terraform command.
const commandTimeout = 5 * time.Minute

// needed skips the test, or fails it under CI=true, where it must run.
func needed(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format+" (required in CI)", args...)
	}
	t.Skipf(format, args...)
}

// workspace is a Terraform working directory with its own CLI
// configuration, driving one edgegate.
type workspace struct {
	t    *testing.T
	bin  string
	dir  string
	env  []string
	logs bool // TF_LOG was passed through: keep the output on success too
}

// newWorkspace copies testdata/*.tf into a fresh directory and writes a
// CLI configuration that installs hashicorp/aws from mirror only, so that
// nothing is fetched from the network. Terraform's environment is built
// from scratch: no AWS_* or TF_* variable of the test's own environment
// reaches it (AWS_CA_BUNDLE, a plugin cache, credentials), except TF_LOG
// and TF_LOG_PATH for debugging.
func newWorkspace(t *testing.T, bin, mirror, endpoint string) *workspace {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "config")
	home := filepath.Join(root, "home")
	for _, d := range []string{dir, home} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.tf: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// An unpacked mirror is linked into .terraform, not copied: init takes
	// about 2 s rather than copying the ~700 MB provider.
	rc := filepath.Join(root, "terraform.rc")
	cliConfig := `provider_installation {
  filesystem_mirror {
    path    = ` + hclString(mirror) + `
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
`
	if err := os.WriteFile(rc, []byte(cliConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"TF_CLI_CONFIG_FILE=" + rc,
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
		"TF_VAR_endpoint=" + endpoint,
		// The provider must take nothing from shared AWS files.
		"AWS_CONFIG_FILE=" + filepath.Join(home, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
	w := &workspace{t: t, bin: bin, dir: dir}
	for _, k := range []string{"TF_LOG", "TF_LOG_PATH"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
			w.logs = true
		}
	}
	w.env = env
	return w
}

// hclString quotes s as an HCL string (HCL's escapes are JSON's).
func hclString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// run runs terraform with args and returns its exit code and output.
func (w *workspace) run(args ...string) (int, string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.bin, args...)
	cmd.Dir, cmd.Env = w.dir, w.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	w.t.Logf("terraform %s: %v", args[0], time.Since(start).Round(time.Millisecond))
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee) && ctx.Err() == nil:
		return ee.ExitCode(), out.String()
	}
	w.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out.String())
	return -1, ""
}

// must runs terraform and fails the test unless it exits 0.
func (w *workspace) must(args ...string) string {
	w.t.Helper()
	code, out := w.run(args...)
	if code != 0 {
		w.t.Fatalf("terraform %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	if w.logs {
		w.t.Logf("terraform %s:\n%s", strings.Join(args, " "), out)
	}
	return out
}

// outputs returns terraform output's string values.
func (w *workspace) outputs() map[string]string {
	w.t.Helper()
	var raw map[string]struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal([]byte(w.must("output", "-json")), &raw); err != nil {
		w.t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range raw {
		if s, ok := v.Value.(string); ok {
			out[k] = s
		}
	}
	return out
}

// TestCloudFrontS3KMSOrigin applies an S3-backed CloudFront distribution:
// the private bucket (tags, a bucket policy from aws_iam_policy_document
// granting the distribution's ARN, BucketOwnerEnforced, Block Public
// Access, SSE-KMS default encryption with a Bucket Key), its KMS key
// (rotation, tags, a policy for CloudFront), an origin access control and
// the distribution. It requires the next plan to be empty, checks the
// result through the CloudFront, S3 and KMS APIs, and destroys it all.
func TestCloudFrontS3KMSOrigin(t *testing.T) {
	bin, err := exec.LookPath("terraform")
	if err != nil {
		needed(t, "terraform is not on PATH")
	}
	mirror := os.Getenv("EDGEGATE_TF_PLUGIN_MIRROR")
	if mirror == "" {
		mirror = "/opt/tf-plugins"
	}
	pkg := filepath.Join(mirror, "registry.terraform.io", "hashicorp", "aws", providerVersion, runtime.GOOS+"_"+runtime.GOARCH)
	if _, err := os.Stat(pkg); err != nil {
		needed(t, "hashicorp/aws %s is not in the provider mirror: %v", providerVersion, err)
	}

	env := testenv.Start(t, testenv.Options{})
	w := newWorkspace(t, bin, mirror, env.Endpoint)
	w.must("init", "-input=false", "-no-color")
	w.must("apply", "-auto-approve", "-input=false", "-no-color")
	// -detailed-exitcode: 0 no changes, 2 changes, 1 error.
	if code, out := w.run("plan", "-detailed-exitcode", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("second plan: exit %d, want 0 (no changes)\n%s", code, out)
	}
	outs := w.outputs()
	bucket, keyARN := outs["bucket"], outs["kms_key_arn"]
	if bucket == "" || !strings.HasPrefix(keyARN, "arn:aws:kms:us-east-1:000000000000:key/") {
		t.Fatalf("outputs: %v", outs)
	}

	ctx := context.Background()
	s3c := env.S3()
	kmsc := kms.NewFromConfig(env.Config("test", "test"))
	distID, distARN := outs["distribution_id"], outs["distribution_arn"]
	if distARN != "arn:aws:cloudfront::000000000000:distribution/"+distID {
		t.Fatalf("distribution ARN %q for id %q", distARN, distID)
	}
	cfc := env.CloudFront("test", "test")
	checkDistribution(t, ctx, cfc, distID, bucket, outs["oac_id"], outs["distribution_domain_name"])
	checkBucket(t, ctx, s3c, bucket, keyARN, distARN)
	checkKey(t, ctx, kmsc, keyARN, distARN)

	w.must("destroy", "-auto-approve", "-input=false", "-no-color")
	var nf *s3types.NotFound
	if _, err := s3c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket}); !errors.As(err, &nf) {
		t.Errorf("HeadBucket after destroy: %v, want NotFound", err)
	}
	var nsd *cftypes.NoSuchDistribution
	if _, err := cfc.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: &distID}); !errors.As(err, &nsd) {
		t.Errorf("GetDistribution after destroy: %v, want NoSuchDistribution", err)
	}
	d, err := kmsc.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &keyARN})
	if err != nil {
		t.Fatalf("DescribeKey after destroy: %v", err)
	}
	if m := d.KeyMetadata; m.KeyState != kmstypes.KeyStatePendingDeletion || m.DeletionDate == nil ||
		aws.ToInt32(m.PendingDeletionWindowInDays) != 7 {
		t.Errorf("key after destroy: %s, deletion %v, window %d; want PendingDeletion in 7 days",
			m.KeyState, m.DeletionDate, aws.ToInt32(m.PendingDeletionWindowInDays))
	}
}

// checkDistribution checks the distribution Terraform created, as
// CloudFront reports it: deployed, on the bucket's REST endpoint through
// the origin access control, with the behaviours and error responses of
// cloudfront.tf.
func checkDistribution(t *testing.T, ctx context.Context, c *cloudfront.Client, id, bucket, oacID, domain string) {
	t.Helper()
	out, err := c.GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: &id})
	if err != nil {
		t.Fatalf("GetDistribution: %v", err)
	}
	d := out.Distribution
	if aws.ToString(d.Status) != "Deployed" || aws.ToString(d.DomainName) != domain ||
		!strings.HasSuffix(domain, ".cloudfront.localhost") || aws.ToString(out.ETag) == "" {
		t.Errorf("distribution: status %q, domain %q (output %q), ETag %q", aws.ToString(d.Status), aws.ToString(d.DomainName), domain, aws.ToString(out.ETag))
	}
	cfg := d.DistributionConfig
	if aws.ToString(cfg.DefaultRootObject) != "index.html" || !aws.ToBool(cfg.Enabled) {
		t.Errorf("default root object %q, enabled %v", aws.ToString(cfg.DefaultRootObject), aws.ToBool(cfg.Enabled))
	}
	if n := len(cfg.Origins.Items); n != 1 {
		t.Fatalf("%d origins", n)
	}
	o := cfg.Origins.Items[0]
	if !strings.HasPrefix(aws.ToString(o.DomainName), bucket+".s3.") || aws.ToString(o.OriginAccessControlId) != oacID ||
		o.S3OriginConfig == nil || aws.ToString(o.S3OriginConfig.OriginAccessIdentity) != "" {
		t.Errorf("origin: domain %q, OAC %q (want %q)", aws.ToString(o.DomainName), aws.ToString(o.OriginAccessControlId), oacID)
	}
	if aws.ToString(cfg.DefaultCacheBehavior.CachePolicyId) != "658327ea-f89d-4fab-a63d-7e88639e58f6" {
		t.Errorf("default behaviour's cache policy %q, want Managed-CachingOptimized", aws.ToString(cfg.DefaultCacheBehavior.CachePolicyId))
	}
	if cb := cfg.CacheBehaviors; cb == nil || len(cb.Items) != 1 || aws.ToString(cb.Items[0].PathPattern) != "/assets/*" ||
		aws.ToInt64(cb.Items[0].DefaultTTL) != 3600 {
		t.Errorf("ordered cache behaviours: %+v", cb)
	}
	if ce := cfg.CustomErrorResponses; ce == nil || len(ce.Items) != 2 || aws.ToString(ce.Items[0].ResponsePagePath) != "/index.html" {
		t.Errorf("custom error responses: %+v", ce)
	}
	oac, err := c.GetOriginAccessControl(ctx, &cloudfront.GetOriginAccessControlInput{Id: &oacID})
	if err != nil {
		t.Fatalf("GetOriginAccessControl: %v", err)
	}
	if oc := oac.OriginAccessControl.OriginAccessControlConfig; oc.SigningBehavior != cftypes.OriginAccessControlSigningBehaviorsAlways ||
		oc.OriginAccessControlOriginType != cftypes.OriginAccessControlOriginTypesS3 {
		t.Errorf("origin access control: %+v", oc)
	}
}

// checkBucket checks what the configuration set on the bucket, and that an
// object written with no encryption header gets the default: SSE-KMS with
// the key and a Bucket Key.
func checkBucket(t *testing.T, ctx context.Context, c *s3.Client, bucket, keyARN, distributionARN string) {
	t.Helper()
	pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &bucket})
	if err != nil {
		t.Fatalf("GetBucketPolicy: %v", err)
	}
	var doc struct {
		Statement []struct {
			Effect    string
			Principal map[string]any
			Action    any
			Resource  any
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil || len(doc.Statement) != 1 {
		t.Fatalf("bucket policy %s: %v", aws.ToString(pol.Policy), err)
	}
	st := doc.Statement[0]
	if st.Effect != "Allow" || st.Principal["Service"] != "cloudfront.amazonaws.com" || st.Action != "s3:GetObject" ||
		st.Resource != "arn:aws:s3:::"+bucket+"/*" || st.Condition["StringEquals"]["AWS:SourceArn"] != distributionARN {
		t.Errorf("bucket policy statement: %+v", st)
	}

	own, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: &bucket})
	if err != nil || len(own.OwnershipControls.Rules) != 1 || own.OwnershipControls.Rules[0].ObjectOwnership != s3types.ObjectOwnershipBucketOwnerEnforced {
		t.Errorf("GetBucketOwnershipControls: %+v, %v", own, err)
	}

	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: &bucket})
	if err != nil {
		t.Fatalf("GetPublicAccessBlock: %v", err)
	}
	if p := pab.PublicAccessBlockConfiguration; !aws.ToBool(p.BlockPublicAcls) || !aws.ToBool(p.BlockPublicPolicy) ||
		!aws.ToBool(p.IgnorePublicAcls) || !aws.ToBool(p.RestrictPublicBuckets) {
		t.Errorf("public access block: %+v", p)
	}

	enc, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &bucket})
	if err != nil || len(enc.ServerSideEncryptionConfiguration.Rules) != 1 {
		t.Fatalf("GetBucketEncryption: %+v, %v", enc, err)
	}
	rule := enc.ServerSideEncryptionConfiguration.Rules[0]
	if d := rule.ApplyServerSideEncryptionByDefault; d == nil || d.SSEAlgorithm != s3types.ServerSideEncryptionAwsKms ||
		aws.ToString(d.KMSMasterKeyID) != keyARN || !aws.ToBool(rule.BucketKeyEnabled) {
		t.Errorf("default encryption: %+v (bucket key %v)", d, aws.ToBool(rule.BucketKeyEnabled))
	}

	tags, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &bucket})
	if err != nil {
		t.Fatalf("GetBucketTagging: %v", err)
	}
	got := map[string]string{}
	for _, tag := range tags.TagSet {
		got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	if len(got) != 2 || got["Project"] != "edgegate-e2e" || got["Origin"] != "s3" {
		t.Errorf("bucket tags: %v", got)
	}

	// The default encryption is in force: a plain PUT is SSE-KMS with the
	// key. The object is deleted again so that destroy finds the bucket
	// empty (the configuration does not use force_destroy).
	key := "index.html"
	put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader("<h1>origin</h1>")})
	if err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	if put.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(put.SSEKMSKeyId) != keyARN || !aws.ToBool(put.BucketKeyEnabled) {
		t.Errorf("PutObject encryption: %s, key %s, bucket key %v", put.ServerSideEncryption, aws.ToString(put.SSEKMSKeyId), aws.ToBool(put.BucketKeyEnabled))
	}
	if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key}); err != nil {
		t.Fatalf("DeleteObject: %v", err)
	}
}

// checkKey checks the KMS key the configuration created: enabled, its
// description, rotation, tags, and a policy holding both the account's
// statement and CloudFront's kms:Decrypt for the distribution.
func checkKey(t *testing.T, ctx context.Context, c *kms.Client, keyARN, distributionARN string) {
	t.Helper()
	d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &keyARN})
	if err != nil {
		t.Fatalf("DescribeKey: %v", err)
	}
	if m := d.KeyMetadata; m.KeyState != kmstypes.KeyStateEnabled || aws.ToString(m.Description) != "edgegate terraform e2e: origin objects" {
		t.Errorf("key: %s %q", m.KeyState, aws.ToString(m.Description))
	}
	rot, err := c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: &keyARN})
	if err != nil || !rot.KeyRotationEnabled || aws.ToInt32(rot.RotationPeriodInDays) != 365 {
		t.Errorf("GetKeyRotationStatus: %+v, %v", rot, err)
	}
	tags, err := c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: &keyARN})
	if err != nil {
		t.Fatalf("ListResourceTags: %v", err)
	}
	got := map[string]string{}
	for _, tag := range tags.Tags {
		got[aws.ToString(tag.TagKey)] = aws.ToString(tag.TagValue)
	}
	if len(got) != 2 || got["Project"] != "edgegate-e2e" || got["Origin"] != "s3" {
		t.Errorf("key tags: %v", got)
	}
	pol, err := c.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: &keyARN, PolicyName: aws.String("default")})
	if err != nil {
		t.Fatalf("GetKeyPolicy: %v", err)
	}
	var doc struct {
		Statement []struct {
			Sid       string
			Principal map[string]any
			Action    any
			Condition map[string]map[string]any
		}
	}
	if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil {
		t.Fatalf("key policy %s: %v", aws.ToString(pol.Policy), err)
	}
	var root, cloudfront bool
	for _, st := range doc.Statement {
		switch {
		case st.Principal["AWS"] == "arn:aws:iam::000000000000:root" && st.Action == "kms:*":
			root = true
		case st.Principal["Service"] == "cloudfront.amazonaws.com":
			acts, _ := st.Action.([]any)
			cloudfront = len(acts) == 1 && acts[0] == "kms:Decrypt" && st.Condition["StringEquals"]["AWS:SourceArn"] == distributionARN
		}
	}
	if !root || !cloudfront {
		t.Errorf("key policy (root statement %v, CloudFront statement %v): %s", root, cloudfront, aws.ToString(pol.Policy))
	}
}
