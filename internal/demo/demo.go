// Package demo seeds a running edgegate with the first-minute scenario of
// `edgegate serve --demo`: a private SSE-KMS bucket behind a CloudFront
// distribution with origin access control, one page that works and one
// path that is deliberately broken, so that a newcomer sees a 200, a 403
// and the 403's explanation at once.
//
// Everything is created through edgegate's own AWS APIs (aws-sdk-go-v2
// against the server's listener), as a user would with the aws CLI, and
// only what is missing is created: a restart with the same data directory
// finds the demo as it was left, including any fix the user made.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// The demo's names.
const (
	Bucket       = "edgegate-demo"
	KeyAlias     = "alias/edgegate-demo"         // the bucket's default key; CloudFront may decrypt
	ArchiveAlias = "alias/edgegate-demo-archive" // another pipeline's key; its policy lacks CloudFront
	OACName      = "edgegate-demo-oac"
	Comment      = "edgegate demo: private SSE-KMS bucket behind origin access control"
	// WorkingPath is the page that answers 200 (also served for "/", the
	// DefaultRootObject); BrokenPath answers 403.
	WorkingPath = "/index.html"
	BrokenPath  = "/archive/report.html"
	// cachingDisabled is the managed cache policy Managed-CachingDisabled:
	// a fix shows at the next request, with no cached error in the way.
	cachingDisabled = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
)

// Config is how to reach the server.
type Config struct {
	// Endpoint is the server's base URL, http://127.0.0.1:4566.
	Endpoint string
	// AccessKey and SecretKey sign the calls (the default account's
	// test/test); Region is the server's Region.
	AccessKey, SecretKey, Region string
}

// Result is the seeded demo.
type Result struct {
	Endpoint       string
	DistributionID string
	DomainName     string
	// BaseURL is the distribution's viewer URL, http://DOMAIN:PORT.
	BaseURL string
	// Created lists what this run created ("" on a restart that found
	// everything in place).
	Created []string
	// Probes are the viewer requests the demo made once seeded.
	Probes []Probe
}

// Probe is one viewer request and its answer.
type Probe struct {
	URL    string
	Status int
	// CfID is the answer's X-Amz-Cf-Id, the id `edgegate explain` takes.
	CfID string
}

// Seed creates what is missing of the demo, then requests the working and
// the broken path through the distribution once.
func Seed(ctx context.Context, c Config) (*Result, error) {
	u, err := url.Parse(c.Endpoint)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("demo: bad endpoint %q", c.Endpoint)
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	cfg := aws.Config{Region: c.Region, BaseEndpoint: aws.String(c.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, "")}
	s := &seeder{cfg: c, s3: s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }),
		kms: kms.NewFromConfig(cfg), cf: cloudfront.NewFromConfig(cfg), res: &Result{Endpoint: c.Endpoint}}
	if err := s.seed(ctx); err != nil {
		return nil, err
	}
	s.res.BaseURL = "http://" + s.res.DomainName
	if p := u.Port(); p != "" && p != "80" {
		s.res.BaseURL += ":" + p
	}
	for _, p := range []string{"/", WorkingPath, BrokenPath} {
		pr, err := s.probe(ctx, u.Host, p)
		if err != nil {
			return nil, err
		}
		s.res.Probes = append(s.res.Probes, pr)
	}
	return s.res, nil
}

type seeder struct {
	cfg Config
	s3  *s3.Client
	kms *kms.Client
	cf  *cloudfront.Client
	res *Result
}

func (s *seeder) created(what string) { s.res.Created = append(s.res.Created, what) }

func (s *seeder) seed(ctx context.Context) error {
	key, err := s.key(ctx, KeyAlias, "edgegate demo: the bucket's default key")
	if err != nil {
		return err
	}
	archive, err := s.key(ctx, ArchiveAlias, "edgegate demo: the archive pipeline's key")
	if err != nil {
		return err
	}
	if err := s.bucket(ctx, key); err != nil {
		return err
	}
	if err := s.object(ctx, strings.TrimPrefix(WorkingPath, "/"), indexHTML, ""); err != nil {
		return err
	}
	// Uploaded by "another pipeline" with its own key: S3 lets CloudFront
	// read it, KMS does not let CloudFront decrypt it.
	if err := s.object(ctx, strings.TrimPrefix(BrokenPath, "/"), reportHTML, archive); err != nil {
		return err
	}
	oac, err := s.oac(ctx)
	if err != nil {
		return err
	}
	arn, err := s.distribution(ctx, oac)
	if err != nil {
		return err
	}
	if err := s.bucketPolicy(ctx, arn); err != nil {
		return err
	}
	return s.keyPolicy(ctx, key, arn)
}

// key returns the id of the key behind alias, creating both if missing.
func (s *seeder) key(ctx context.Context, alias, desc string) (string, error) {
	out, err := s.kms.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
	if err == nil {
		return aws.ToString(out.KeyMetadata.KeyId), nil
	}
	if !hasCode(err, "NotFoundException") {
		return "", fmt.Errorf("demo: describe %s: %w", alias, err)
	}
	k, err := s.kms.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String(desc)})
	if err != nil {
		return "", fmt.Errorf("demo: create key: %w", err)
	}
	id := aws.ToString(k.KeyMetadata.KeyId)
	if _, err := s.kms.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: aws.String(id)}); err != nil {
		return "", fmt.Errorf("demo: create %s: %w", alias, err)
	}
	s.created("KMS key " + alias)
	return id, nil
}

// bucket creates the private bucket: BucketOwnerEnforced, every Block
// Public Access setting on, SSE-KMS with key by default.
func (s *seeder) bucket(ctx context.Context, key string) error {
	if _, err := s.s3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(Bucket)}); err == nil {
		return nil
	}
	in := &s3.CreateBucketInput{Bucket: aws.String(Bucket), ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}
	if s.cfg.Region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(s.cfg.Region)}
	}
	if _, err := s.s3.CreateBucket(ctx, in); err != nil {
		return fmt.Errorf("demo: create bucket: %w", err)
	}
	on := aws.Bool(true)
	if _, err := s.s3.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: aws.String(Bucket),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: on, IgnorePublicAcls: on, BlockPublicPolicy: on, RestrictPublicBuckets: on}}); err != nil {
		return fmt.Errorf("demo: block public access: %w", err)
	}
	if _, err := s.s3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String(Bucket),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{
				SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(key)},
			BucketKeyEnabled: on}}}}); err != nil {
		return fmt.Errorf("demo: bucket encryption: %w", err)
	}
	s.created("bucket s3://" + Bucket)
	return nil
}

// object uploads key if it is missing, with kmsKey ("" for the bucket's
// default encryption).
func (s *seeder) object(ctx context.Context, key, body, kmsKey string) error {
	_, err := s.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(Bucket), Key: aws.String(key)})
	if err == nil {
		return nil
	}
	in := &s3.PutObjectInput{Bucket: aws.String(Bucket), Key: aws.String(key), Body: strings.NewReader(body),
		ContentType: aws.String("text/html; charset=utf-8")}
	if kmsKey != "" {
		in.ServerSideEncryption, in.SSEKMSKeyId = s3types.ServerSideEncryptionAwsKms, aws.String(kmsKey)
	}
	if _, err := s.s3.PutObject(ctx, in); err != nil {
		return fmt.Errorf("demo: upload %s: %w", key, err)
	}
	s.created("object s3://" + Bucket + "/" + key)
	return nil
}

// oac returns the demo's origin access control id, creating it if missing.
func (s *seeder) oac(ctx context.Context) (string, error) {
	var marker *string
	for {
		l, err := s.cf.ListOriginAccessControls(ctx, &cloudfront.ListOriginAccessControlsInput{Marker: marker})
		if err != nil {
			return "", fmt.Errorf("demo: list origin access controls: %w", err)
		}
		if l.OriginAccessControlList == nil {
			break
		}
		for _, o := range l.OriginAccessControlList.Items {
			if aws.ToString(o.Name) == OACName {
				return aws.ToString(o.Id), nil
			}
		}
		if !aws.ToBool(l.OriginAccessControlList.IsTruncated) {
			break
		}
		marker = l.OriginAccessControlList.NextMarker
	}
	out, err := s.cf.CreateOriginAccessControl(ctx, &cloudfront.CreateOriginAccessControlInput{
		OriginAccessControlConfig: &cftypes.OriginAccessControlConfig{Name: aws.String(OACName),
			Description:                   aws.String("edgegate demo"),
			OriginAccessControlOriginType: cftypes.OriginAccessControlOriginTypesS3,
			SigningBehavior:               cftypes.OriginAccessControlSigningBehaviorsAlways,
			SigningProtocol:               cftypes.OriginAccessControlSigningProtocolsSigv4}})
	if err != nil {
		return "", fmt.Errorf("demo: create origin access control: %w", err)
	}
	s.created("origin access control " + OACName)
	return aws.ToString(out.OriginAccessControl.Id), nil
}

// distribution finds the demo distribution by its comment or creates it,
// and returns its ARN.
func (s *seeder) distribution(ctx context.Context, oac string) (string, error) {
	var marker *string
	for {
		l, err := s.cf.ListDistributions(ctx, &cloudfront.ListDistributionsInput{Marker: marker})
		if err != nil {
			return "", fmt.Errorf("demo: list distributions: %w", err)
		}
		if l.DistributionList == nil {
			break
		}
		for _, d := range l.DistributionList.Items {
			if aws.ToString(d.Comment) == Comment {
				s.res.DistributionID, s.res.DomainName = aws.ToString(d.Id), aws.ToString(d.DomainName)
				return aws.ToString(d.ARN), nil
			}
		}
		if !aws.ToBool(l.DistributionList.IsTruncated) {
			break
		}
		marker = l.DistributionList.NextMarker
	}
	origin := Bucket + ".s3." + s.cfg.Region + ".amazonaws.com"
	out, err := s.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &cftypes.DistributionConfig{
		CallerReference: aws.String("edgegate-demo"), Comment: aws.String(Comment), Enabled: aws.Bool(true),
		DefaultRootObject: aws.String(strings.TrimPrefix(WorkingPath, "/")),
		Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{
			Id: aws.String(Bucket), DomainName: aws.String(origin), OriginAccessControlId: aws.String(oac),
			S3OriginConfig: &cftypes.S3OriginConfig{OriginAccessIdentity: aws.String("")}}}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: aws.String(Bucket),
			ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyAllowAll, CachePolicyId: aws.String(cachingDisabled)},
	}})
	if err != nil {
		return "", fmt.Errorf("demo: create distribution: %w", err)
	}
	s.res.DistributionID, s.res.DomainName = aws.ToString(out.Distribution.Id), aws.ToString(out.Distribution.DomainName)
	s.created("distribution " + s.res.DistributionID)
	return aws.ToString(out.Distribution.ARN), nil
}

// bucketPolicy puts the console's OAC statement if the bucket has no
// policy yet.
func (s *seeder) bucketPolicy(ctx context.Context, distARN string) error {
	_, err := s.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(Bucket)})
	if err == nil {
		return nil
	}
	if !hasCode(err, "NoSuchBucketPolicy") {
		return fmt.Errorf("demo: bucket policy: %w", err)
	}
	doc := policy("PolicyForCloudFrontPrivateContent", statement("AllowCloudFrontServicePrincipal",
		"s3:GetObject", "arn:aws:s3:::"+Bucket+"/*", distARN))
	if _, err := s.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(Bucket), Policy: aws.String(doc)}); err != nil {
		return fmt.Errorf("demo: put bucket policy: %w", err)
	}
	s.created("bucket policy (CloudFront may read, this distribution only)")
	return nil
}

// keyPolicy gives the bucket's key the statement that lets the
// distribution decrypt, unless its policy already names CloudFront.
func (s *seeder) keyPolicy(ctx context.Context, key, distARN string) error {
	out, err := s.kms.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(key), PolicyName: aws.String("default")})
	if err != nil {
		return fmt.Errorf("demo: key policy: %w", err)
	}
	if strings.Contains(aws.ToString(out.Policy), "cloudfront.amazonaws.com") {
		return nil
	}
	account := strings.Split(distARN, ":")[4]
	root := map[string]any{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
		"Principal": map[string]any{"AWS": "arn:aws:iam::" + account + ":root"}, "Action": "kms:*", "Resource": "*"}
	doc := policy("key-default-1", root, statement("AllowCloudFrontServicePrincipalSSE-KMS",
		"kms:Decrypt", "*", distARN))
	if _, err := s.kms.PutKeyPolicy(ctx, &kms.PutKeyPolicyInput{KeyId: aws.String(key),
		PolicyName: aws.String("default"), Policy: aws.String(doc)}); err != nil {
		return fmt.Errorf("demo: put key policy: %w", err)
	}
	s.created("key policy of " + KeyAlias + " (CloudFront may decrypt, this distribution only)")
	return nil
}

// statement is the CloudFront service principal allowed action on
// resource for one distribution.
func statement(sid, action, resource, distARN string) map[string]any {
	return map[string]any{"Sid": sid, "Effect": "Allow",
		"Principal": map[string]any{"Service": "cloudfront.amazonaws.com"},
		"Action":    action, "Resource": resource,
		"Condition": map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": distARN}}}
}

func policy(id string, statements ...map[string]any) string {
	b, _ := json.MarshalIndent(map[string]any{"Version": "2012-10-17", "Id": id, "Statement": statements}, "", "  ")
	return string(b)
}

// probe requests path from the distribution, as curl would with
// http://DOMAIN:PORT/path (the edge routes by Host).
func (s *seeder) probe(ctx context.Context, hostPort, path string) (Probe, error) {
	u := s.res.BaseURL + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Probe{}, err
	}
	var d net.Dialer
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		Proxy: nil, // *.localhost is dialled to the server, never through a proxy
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, hostPort)
		}}}
	resp, err := client.Do(req)
	if err != nil {
		return Probe{}, fmt.Errorf("demo: GET %s: %w", u, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return Probe{URL: u, Status: resp.StatusCode, CfID: resp.Header.Get("X-Amz-Cf-Id")}, nil
}

func hasCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

const indexHTML = `<!doctype html>
<title>edgegate demo</title>
<h1>It works</h1>
<p>This page comes from the private bucket edgegate-demo (SSE-KMS, Block Public Access on),
read by CloudFront through origin access control.</p>
<p><a href="/archive/report.html">The archived report</a> does not load. <code>edgegate explain</code> says why.</p>
`

const reportHTML = `<!doctype html>
<title>Archived report</title>
<h1>Archived report</h1>
<p>If you can read this, the 403 is fixed.</p>
`

// Print writes the demo's banner: the distribution, a curl command per
// path with the status it answered, and the explain command for the 403
// (edgegate names the command that runs edgegate, e.g. "edgegate" or
// "go run ./cmd/edgegate").
func (r *Result) Print(w io.Writer, edgegate string) {
	fmt.Fprintln(w, "edgegate demo: a private SSE-KMS bucket (BucketOwnerEnforced, Block Public Access on)")
	fmt.Fprintln(w, "behind a CloudFront distribution with origin access control.")
	if len(r.Created) > 0 {
		fmt.Fprintf(w, "  created: %s\n", strings.Join(r.Created, "; "))
	} else {
		fmt.Fprintln(w, "  found in the data directory as it was left")
	}
	fmt.Fprintf(w, "  distribution %s: %s\n\n", r.DistributionID, r.BaseURL)
	var broken *Probe
	for i, p := range r.Probes {
		fmt.Fprintf(w, "  %d  curl -i %s\n", p.Status, p.URL)
		if p.Status == http.StatusForbidden && broken == nil {
			broken = &r.Probes[i]
		}
	}
	if broken == nil {
		fmt.Fprintln(w, "\nNo path answers 403 any more: the demo's broken path has been fixed.")
		return
	}
	fmt.Fprintf(w, "\nWhy the 403? Ask edgegate, by the X-Amz-Cf-Id of the request the demo just made\n(or of any request: curl -si %s | grep -i x-amz-cf-id):\n", broken.URL)
	fmt.Fprintf(w, "  %s\n", ExplainCommand(edgegate, r.Endpoint, broken.CfID))
	fmt.Fprintln(w, "or simulate the same request again without sending it:")
	fmt.Fprintf(w, "  %s\n", ExplainURLCommand(edgegate, r.Endpoint, broken.URL))
	fmt.Fprintln(w, "Each fix is proven before it is offered (--no-verify skips that).")
	fmt.Fprintln(w)
}

// ExplainCommand is the command line that explains request id as the
// bucket owner (the default account's key). The id comes after "--": an
// X-Amz-Cf-Id may start with "-".
func ExplainCommand(edgegate, endpoint, id string) string {
	return "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test " + edgegate + " explain --endpoint " + endpoint + " -- " + id
}

// ExplainURLCommand is the command line that explains a simulated GET of
// viewerURL as the distribution's owner (the default account's key).
func ExplainURLCommand(edgegate, endpoint, viewerURL string) string {
	return "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test " + edgegate + " explain --endpoint " + endpoint + " --url " + viewerURL
}
