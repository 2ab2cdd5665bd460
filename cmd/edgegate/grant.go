package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	cfsdk "github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/originaccess"
	"github.com/edgegate/edgegate/internal/policy"
)

// Exit codes of grant-origin-access.
const (
	grantOK     = 0 // every grant made, or none needed
	grantFailed = 1 // a grant could not be made: explicit deny, aws/s3 key, OAI on SSE-KMS, missing bucket, refused write
	grantUsage  = 2 // bad input or usage, or a service error before anything was written
)

// grantTimeout bounds one run.
const grantTimeout = 2 * time.Minute

// grantOriginAccess is `edgegate grant-origin-access`: the CloudFront
// console's "Yes, update bucket policy" as a command. For each S3 origin of
// the distribution that reads through an origin access control or an
// origin access identity, it merges the statement the grantee needs into
// the bucket policy and, for an SSE-KMS bucket under a customer managed
// key, into the key policy; prints each change as a unified diff; and
// writes the documents unless --dry-run. Exit codes: 0 done or no change
// needed, 1 a grant could not be made, 2 bad input or usage (or a service
// error before anything was written).
func grantOriginAccess(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("grant-origin-access", flag.ContinueOnError)
	fs.SetOutput(stderr)
	distID := fs.String("distribution-id", "", "the distribution whose origins to grant access to (required)")
	endpoint := fs.String("endpoint", envOr("EDGEGATE_ENDPOINT", "http://127.0.0.1:4566"), "edgegate endpoint (S3 path-style)")
	useAWS := fs.Bool("aws", false, "talk to AWS itself instead of edgegate (standard endpoints, virtual-hosted S3)")
	region := fs.String("region", "us-east-1", "region of the clients (with --aws, each bucket's own region is used for S3 and KMS)")
	listBucket := fs.Bool("list-bucket", false, "also grant s3:ListBucket on the bucket, so missing objects are 404 instead of 403")
	writes := fs.Bool("writes", false, "also grant s3:PutObject and s3:DeleteObject (and kms:Encrypt, kms:GenerateDataKey* on an SSE-KMS key)")
	dryRun := fs.Bool("dry-run", false, "print the changes without writing them")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: edgegate grant-origin-access --distribution-id ID [--endpoint URL | --aws] [--region R] [--list-bucket] [--writes] [--dry-run]")
		fmt.Fprintln(stderr, "Writes the bucket-policy (and SSE-KMS key-policy) statements the distribution's origin access")
		fmt.Fprintln(stderr, "control or origin access identity needs, and prints the diff. Credentials: the standard AWS")
		fmt.Fprintln(stderr, "environment variables and shared config files. Exit: 0 done, 1 a grant could not be made, 2 bad input.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return grantUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "edgegate grant-origin-access: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return grantUsage
	}
	if *distID == "" {
		fmt.Fprintln(stderr, "edgegate grant-origin-access: --distribution-id is required")
		fs.Usage()
		return grantUsage
	}
	endpointSet := false
	fs.Visit(func(f *flag.Flag) { endpointSet = endpointSet || f.Name == "endpoint" })
	if *useAWS && endpointSet {
		fmt.Fprintln(stderr, "edgegate grant-origin-access: --aws and --endpoint exclude each other")
		return grantUsage
	}
	if !*useAWS {
		if u, err := url.Parse(*endpoint); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			fmt.Fprintf(stderr, "edgegate grant-origin-access: bad --endpoint %q\n", *endpoint)
			return grantUsage
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, grantTimeout)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(*region))
	if err != nil {
		fmt.Fprintf(stderr, "edgegate grant-origin-access: loading the AWS configuration: %v\n", err)
		return grantUsage
	}
	if !*useAWS {
		cfg.BaseEndpoint = aws.String(strings.TrimRight(*endpoint, "/"))
	}
	g := &granter{
		out: stdout, errOut: stderr,
		cf:     cfsdk.NewFromConfig(cfg),
		s3:     s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = !*useAWS }),
		kms:    kms.NewFromConfig(cfg),
		region: *region, realAWS: *useAWS,
		opts:   originaccess.Options{ListBucket: *listBucket, Writes: *writes},
		dryRun: *dryRun,
	}
	return g.run(ctx, *distID)
}

// granter holds one run's clients and findings.
type granter struct {
	out, errOut io.Writer
	cf          *cfsdk.Client
	s3          *s3.Client
	kms         *kms.Client
	region      string
	realAWS     bool
	opts        originaccess.Options
	dryRun      bool

	failed bool // a grant could not be made
}

// bucketWork is what one origin bucket needs.
type bucketWork struct {
	name, region string
	grantees     []originaccess.Grantee
}

// keyWork is what one SSE-KMS key needs.
type keyWork struct {
	arn      string
	grantees []originaccess.Grantee
}

// docWork is one document to write.
type docWork struct {
	label  string // "bucket policy of s3://site", "key policy of arn:..."
	result *originaccess.Result
	write  func(ctx context.Context, doc string) error
}

func (g *granter) printf(format string, args ...any) { fmt.Fprintf(g.out, format, args...) }

// cannot reports a grant that cannot be made.
func (g *granter) cannot(format string, args ...any) {
	g.failed = true
	fmt.Fprintf(g.out, "cannot grant: "+format+"\n", args...)
}

func (g *granter) run(ctx context.Context, distID string) int {
	out, err := g.cf.GetDistribution(ctx, &cfsdk.GetDistributionInput{Id: aws.String(distID)})
	if err != nil {
		fmt.Fprintf(g.errOut, "edgegate grant-origin-access: GetDistribution %s: %v\n", distID, err)
		return grantUsage
	}
	d := out.Distribution
	if d == nil || d.DistributionConfig == nil {
		fmt.Fprintf(g.errOut, "edgegate grant-origin-access: GetDistribution %s answered no distribution\n", distID)
		return grantUsage
	}
	distARN := aws.ToString(d.ARN)
	if _, _, err := originaccess.ParseDistributionARN(distARN); err != nil {
		fmt.Fprintf(g.errOut, "edgegate grant-origin-access: GetDistribution %s: %v\n", distID, err)
		return grantUsage
	}
	g.printf("distribution %s (%s)\n", aws.ToString(d.Id), distARN)

	buckets := g.planOrigins(d.DistributionConfig.Origins, distARN)
	var docs []docWork
	var keys []*keyWork
	for _, b := range buckets {
		doc, bucketKeys, code := g.planBucket(ctx, b)
		if code != grantOK {
			return code
		}
		if doc != nil {
			docs = append(docs, *doc)
		}
		for _, k := range bucketKeys {
			keys = addKeyWork(keys, k)
		}
	}
	for _, k := range keys {
		doc, code := g.planKey(ctx, k)
		if code != grantOK {
			return code
		}
		if doc != nil {
			docs = append(docs, *doc)
		}
	}

	changed := 0
	for _, doc := range docs {
		if doc.result.Changed && len(doc.result.Denied()) == 0 {
			changed++
			from := doc.label
			if doc.result.Before == nil {
				from += " (none)"
			}
			g.printf("\n%s", originaccess.UnifiedDiff(from, doc.label+" (granted)", doc.result.Before, doc.result.After))
		}
	}
	if changed == 0 {
		if !g.failed {
			g.printf("no change needed\n")
		}
	} else if g.dryRun {
		g.printf("\ndry run: nothing written\n")
	} else {
		g.printf("\n")
		for _, doc := range docs {
			if !doc.result.Changed || len(doc.result.Denied()) > 0 {
				continue
			}
			if err := doc.write(ctx, string(doc.result.Document)); err != nil {
				g.cannot("writing the %s: %v", doc.label, err)
				continue
			}
			g.printf("wrote the %s\n", doc.label)
		}
	}
	if g.failed {
		return grantFailed
	}
	return grantOK
}

// planOrigins classifies the distribution's origins and collects, per S3
// bucket in origin order, the grantees that read it.
func (g *granter) planOrigins(origins *cftypes.Origins, distARN string) []*bucketWork {
	var buckets []*bucketWork
	if origins == nil {
		return nil
	}
	for _, o := range origins.Items {
		id, domain := aws.ToString(o.Id), aws.ToString(o.DomainName)
		target := cloudfront.ClassifyOrigin(domain)
		oacID := aws.ToString(o.OriginAccessControlId)
		oaiPath := ""
		if o.S3OriginConfig != nil {
			oaiPath = aws.ToString(o.S3OriginConfig.OriginAccessIdentity)
		}
		head := fmt.Sprintf("origin %q (%s)", id, domain)
		if oacID == "" && oaiPath == "" {
			switch target.Kind {
			case cloudfront.OriginS3REST:
				g.printf("%s: bucket %s, no origin access configured; nothing to grant "+
					"(CloudFront reads it anonymously, so the bucket must be public: attach an origin access control "+
					"to the origin to keep it private, then run this again)\n", head, target.Bucket)
			case cloudfront.OriginS3Website:
				g.printf("%s: S3 website endpoint of bucket %s, a custom origin CloudFront reads anonymously; nothing to grant\n", head, target.Bucket)
			default:
				g.printf("%s: custom origin; nothing to grant\n", head)
			}
			continue
		}
		if target.Kind != cloudfront.OriginS3REST {
			g.cannot("%s: origin access is configured, but the domain is not an S3 REST endpoint (it is %v): "+
				"CloudFront signs only for bucket REST endpoints (BUCKET.s3.REGION.amazonaws.com)", head, target.Kind)
			continue
		}
		var grantees []originaccess.Grantee
		var how []string
		if oacID != "" {
			grantees = append(grantees, originaccess.Grantee{DistributionARN: distARN})
			how = append(how, "origin access control "+oacID)
		}
		if oaiPath != "" {
			oai, ok := originaccess.ParseOAIPath(oaiPath)
			if !ok {
				g.cannot("%s: the origin access identity %q is not of the form origin-access-identity/cloudfront/ID", head, oaiPath)
				continue
			}
			grantees = append(grantees, originaccess.Grantee{DistributionARN: distARN, OAI: oai})
			how = append(how, "origin access identity "+oai)
		}
		g.printf("%s: bucket %s, %s\n", head, target.Bucket, strings.Join(how, " and "))
		var b *bucketWork
		for _, x := range buckets {
			if x.name == target.Bucket {
				b = x
			}
		}
		if b == nil {
			b = &bucketWork{name: target.Bucket, region: target.Region}
			buckets = append(buckets, b)
		}
		for _, gr := range grantees {
			b.grantees = addGrantee(b.grantees, gr)
		}
	}
	return buckets
}

func addGrantee(list []originaccess.Grantee, g originaccess.Grantee) []originaccess.Grantee {
	for _, x := range list {
		if x == g {
			return list
		}
	}
	return append(list, g)
}

func addKeyWork(list []*keyWork, k *keyWork) []*keyWork {
	for _, x := range list {
		if x.arn == k.arn {
			for _, gr := range k.grantees {
				x.grantees = addGrantee(x.grantees, gr)
			}
			return list
		}
	}
	return append(list, k)
}

// s3Region is the per-call option that sends a bucket's requests to its
// own region (with --aws only: edgegate serves one region).
func (g *granter) s3Region(region string) func(*s3.Options) {
	return func(o *s3.Options) {
		if g.realAWS && region != "" {
			o.Region = region
		}
	}
}

// planBucket merges b's grants into its bucket policy and finds the SSE-KMS
// key its objects need, if any.
func (g *granter) planBucket(ctx context.Context, b *bucketWork) (*docWork, []*keyWork, int) {
	if g.realAWS && b.region == "" {
		loc, err := g.s3.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(b.name)})
		if err != nil {
			return g.bucketError(b, "GetBucketLocation", err)
		}
		switch r := string(loc.LocationConstraint); r {
		case "":
			b.region = "us-east-1"
		case "EU":
			b.region = "eu-west-1"
		default:
			b.region = r
		}
	}
	opt := g.s3Region(b.region)
	current := ""
	pol, err := g.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(b.name)}, opt)
	switch {
	case err == nil:
		current = aws.ToString(pol.Policy)
	case apiCode(err) == "NoSuchBucketPolicy":
	default:
		return g.bucketError(b, "GetBucketPolicy", err)
	}
	var grants []originaccess.Grant
	for _, gr := range b.grantees {
		grants = append(grants, originaccess.BucketGrant(gr, b.name, g.opts))
	}
	label := "bucket policy of s3://" + b.name
	var doc *docWork
	if res, err := originaccess.Merge(policy.BucketPolicy, []byte(current), grants...); err != nil {
		g.cannot("%s: %v", label, err)
	} else {
		g.printSteps(label, res)
		doc = &docWork{label: label, result: res, write: func(ctx context.Context, doc string) error {
			_, err := g.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(b.name), Policy: aws.String(doc)}, opt)
			return err
		}}
	}

	keys, code := g.bucketKeys(ctx, b, opt)
	if code != grantOK {
		return nil, nil, code
	}
	return doc, keys, grantOK
}

// bucketError reports a failed S3 call on an origin bucket: a missing
// bucket is a grant that cannot be made; anything else stops the run.
func (g *granter) bucketError(b *bucketWork, op string, err error) (*docWork, []*keyWork, int) {
	if apiCode(err) == "NoSuchBucket" {
		g.cannot("bucket %s does not exist (or is not in this region)", b.name)
		return nil, nil, grantOK
	}
	fmt.Fprintf(g.errOut, "edgegate grant-origin-access: %s %s: %v\n", op, b.name, err)
	return nil, nil, grantUsage
}

// bucketKeys reads b's default encryption. SSE-KMS under a customer managed
// key gives the key to grant; under aws/s3, or read through an OAI, it is
// a grant that cannot be made.
func (g *granter) bucketKeys(ctx context.Context, b *bucketWork, opt func(*s3.Options)) ([]*keyWork, int) {
	enc, err := g.s3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String(b.name)}, opt)
	if err != nil {
		if apiCode(err) == "ServerSideEncryptionConfigurationNotFoundError" {
			return nil, grantOK
		}
		fmt.Fprintf(g.errOut, "edgegate grant-origin-access: GetBucketEncryption %s: %v\n", b.name, err)
		return nil, grantUsage
	}
	if enc.ServerSideEncryptionConfiguration == nil {
		return nil, grantOK
	}
	var keyID string
	kmsEnc := false
	for _, r := range enc.ServerSideEncryptionConfiguration.Rules {
		if d := r.ApplyServerSideEncryptionByDefault; d != nil {
			alg := string(d.SSEAlgorithm)
			if alg == "aws:kms" || alg == "aws:kms:dsse" {
				kmsEnc, keyID = true, aws.ToString(d.KMSMasterKeyID)
			}
			break
		}
	}
	if !kmsEnc {
		return nil, grantOK
	}
	var oac []originaccess.Grantee
	for _, gr := range b.grantees {
		if gr.IsOAI() {
			g.cannot("%v", originaccess.OAIKMSProblem(b.name, gr.OAI))
		} else {
			oac = append(oac, gr)
		}
	}
	if len(oac) == 0 {
		return nil, grantOK
	}
	if keyID == "" || keyID == "alias/aws/s3" || strings.HasSuffix(keyID, ":alias/aws/s3") {
		g.cannot("%v", originaccess.AWSManagedKeyProblem(b.name, ""))
		return nil, grantOK
	}
	kopt := func(o *kms.Options) {
		if !g.realAWS {
			return
		}
		if parts := strings.SplitN(keyID, ":", 6); len(parts) == 6 && parts[3] != "" {
			o.Region = parts[3] // a key or alias ARN names its region
		} else if b.region != "" {
			o.Region = b.region
		}
	}
	desc, err := g.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(keyID)}, kopt)
	if err != nil {
		fmt.Fprintf(g.errOut, "edgegate grant-origin-access: DescribeKey %s (default encryption key of bucket %s): %v\n", keyID, b.name, err)
		return nil, grantUsage
	}
	meta := desc.KeyMetadata
	if meta == nil || meta.Arn == nil {
		fmt.Fprintf(g.errOut, "edgegate grant-origin-access: DescribeKey %s answered no key\n", keyID)
		return nil, grantUsage
	}
	arn := aws.ToString(meta.Arn)
	if meta.KeyManager == kmstypes.KeyManagerTypeAws {
		g.cannot("%v", originaccess.AWSManagedKeyProblem(b.name, arn))
		return nil, grantOK
	}
	g.printf("bucket %s: default encryption SSE-KMS with customer managed key %s\n", b.name, arn)
	return []*keyWork{{arn: arn, grantees: oac}}, grantOK
}

// planKey merges the grants of k into its key policy.
func (g *granter) planKey(ctx context.Context, k *keyWork) (*docWork, int) {
	kopt := func(o *kms.Options) {
		if parts := strings.SplitN(k.arn, ":", 6); g.realAWS && len(parts) == 6 {
			o.Region = parts[3]
		}
	}
	label := "key policy of " + k.arn
	var grants []originaccess.Grant
	for _, gr := range k.grantees {
		kg, err := originaccess.KeyGrant(gr, k.arn, g.opts)
		if err != nil {
			g.cannot("%s: %v", label, err)
			return nil, grantOK
		}
		grants = append(grants, kg)
	}
	pol, err := g.kms.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(k.arn), PolicyName: aws.String("default")}, kopt)
	if err != nil {
		fmt.Fprintf(g.errOut, "edgegate grant-origin-access: GetKeyPolicy %s: %v\n", k.arn, err)
		return nil, grantUsage
	}
	res, err := originaccess.Merge(policy.KeyPolicy, []byte(aws.ToString(pol.Policy)), grants...)
	if err != nil {
		g.cannot("%s: %v", label, err)
		return nil, grantOK
	}
	g.printSteps(label, res)
	return &docWork{label: label, result: res, write: func(ctx context.Context, doc string) error {
		_, err := g.kms.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(k.arn), PolicyName: aws.String("default"), Policy: aws.String(doc)}, kopt)
		return err
	}}, grantOK
}

// printSteps prints what a merge did, and reports its explicit denials.
func (g *granter) printSteps(label string, res *originaccess.Result) {
	g.printf("%s:\n", label)
	for _, s := range res.Steps {
		if s.How == originaccess.Denied {
			continue
		}
		g.printf("  %s\n", s)
	}
	denied := res.Denied()
	for _, s := range denied {
		exempt := "a StringNotEquals condition on AWS:SourceArn " + s.Grantee.DistributionARN
		if s.Grantee.IsOAI() {
			exempt = "an ArnNotEquals condition on aws:PrincipalArn " + originaccess.OAIARN(s.Grantee.OAI)
		}
		g.cannot("%s: %s, for %v; narrow that Deny statement (to exempt the grantee, add %s to it)", label, s, s.Grantee, exempt)
		g.printf("  %s\n", s.Trace)
	}
	if len(denied) > 0 {
		g.printf("  not writing the %s: the grant would still be denied\n", label)
	}
}

// apiCode is the error code of an AWS API error, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
