package collect

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// callerIdentity is sts/get-caller-identity.json; it returns the account.
func (c *collector) callerIdentity(ctx context.Context) (string, bool) {
	out, err := c.sts().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if !c.record("aws sts get-caller-identity", "sts/get-caller-identity.json", err,
		func() map[string]any { return cliTree(out, isoMillis, c.wire) }) {
		return "", false
	}
	return aws.ToString(out.Account), out.Account != nil
}

// distribution is cloudfront/get-distribution.json.
func (c *collector) distribution(ctx context.Context) *distInfo {
	id := c.opts.DistributionID
	out, err := c.cloudfront().GetDistribution(ctx, &cloudfront.GetDistributionInput{Id: aws.String(id)})
	if !c.record("aws cloudfront get-distribution --id "+quoteArg(id), "cloudfront/get-distribution.json", err,
		func() map[string]any { return cliTree(out, isoMillis, c.wire) }) {
		return nil
	}
	if out.Distribution == nil || out.Distribution.DistributionConfig == nil {
		return nil
	}
	return &distInfo{cfg: out.Distribution.DistributionConfig}
}

// distributionParts collects what the distribution names: its OACs, OAIs,
// cache and origin request policies, and its invalidations.
func (c *collector) distributionParts(ctx context.Context, d *distInfo) {
	cf := c.cloudfront()
	for _, id := range d.oacIDs() {
		out, err := cf.GetOriginAccessControl(ctx, &cloudfront.GetOriginAccessControlInput{Id: aws.String(id)})
		c.record("aws cloudfront get-origin-access-control --id "+quoteArg(id),
			"cloudfront/get-origin-access-control/"+escapeName(id)+".json", err,
			func() map[string]any { return cliTree(out, isoMillis, c.wire) })
	}
	for _, id := range d.oaiIDs() {
		out, err := cf.GetCloudFrontOriginAccessIdentity(ctx, &cloudfront.GetCloudFrontOriginAccessIdentityInput{Id: aws.String(id)})
		c.record("aws cloudfront get-cloud-front-origin-access-identity --id "+quoteArg(id),
			"cloudfront/get-cloud-front-origin-access-identity/"+escapeName(id)+".json", err,
			func() map[string]any { return cliTree(out, isoMillis, c.wire) })
	}
	cache, origin := d.policyIDs()
	for _, id := range cache {
		out, err := cf.GetCachePolicy(ctx, &cloudfront.GetCachePolicyInput{Id: aws.String(id)})
		c.record("aws cloudfront get-cache-policy --id "+quoteArg(id),
			"cloudfront/get-cache-policy/"+escapeName(id)+".json", err,
			func() map[string]any { return cliTree(out, isoMillis, c.wire) })
	}
	for _, id := range origin {
		out, err := cf.GetOriginRequestPolicy(ctx, &cloudfront.GetOriginRequestPolicyInput{Id: aws.String(id)})
		c.record("aws cloudfront get-origin-request-policy --id "+quoteArg(id),
			"cloudfront/get-origin-request-policy/"+escapeName(id)+".json", err,
			func() map[string]any { return cliTree(out, isoMillis, c.wire) })
	}
	c.invalidations(ctx, cf)
}

// invalidations is cloudfront/list-invalidations.json as
// `aws cloudfront list-invalidations --distribution-id ID --max-items N`
// prints it: the pages' items merged under InvalidationList.Items, and
// NextToken when more remain.
func (c *collector) invalidations(ctx context.Context, cf *cloudfront.Client) {
	id := c.opts.DistributionID
	limit := c.opts.ListLimit
	var items []any
	var marker, next *string
	var err error
	for {
		var out *cloudfront.ListInvalidationsOutput
		in := &cloudfront.ListInvalidationsInput{DistributionId: aws.String(id), Marker: marker}
		if rest := limit - len(items); rest < 100 {
			in.MaxItems = aws.Int32(int32(rest)) // else CloudFront's default page (100), as the CLI asks
		}
		out, err = cf.ListInvalidations(ctx, in)
		if err != nil {
			break
		}
		if l := out.InvalidationList; l != nil {
			for _, it := range l.Items {
				if x, ok := cliValue(valueOf(it), isoMillis, c.wire, ""); ok {
					items = append(items, x)
				}
			}
			if !aws.ToBool(l.IsTruncated) || l.NextMarker == nil {
				next = nil
				break
			}
			marker, next = l.NextMarker, l.NextMarker
		} else {
			break
		}
		if len(items) >= limit {
			break
		}
	}
	c.record(fmt.Sprintf("aws cloudfront list-invalidations --distribution-id %s --max-items %d", quoteArg(id), limit),
		"cloudfront/list-invalidations.json", err, func() map[string]any {
			tree := map[string]any{}
			if len(items) > 0 {
				tree["InvalidationList"] = map[string]any{"Items": items}
			}
			if next != nil {
				tree["NextToken"] = nextToken("Marker", *next)
			}
			return tree
		})
}

// nextToken is the aws CLI's NextToken for a listing cut at a page
// boundary: base64 of {"INPUT": "TOKEN"} as Python's json.dumps writes it.
func nextToken(input, token string) string {
	b, _ := json.Marshal(token)
	return base64.StdEncoding.EncodeToString([]byte(`{"` + input + `": ` + string(b) + `}`))
}

// listBuckets is s3/list-buckets.json (all pages merged, as the CLI's
// paginator prints them).
func (c *collector) listBuckets(ctx context.Context) {
	cl := c.s3("")
	var buckets []any
	var owner, prefix any
	var token *string
	var err error
	for {
		var out *s3.ListBucketsOutput
		out, err = cl.ListBuckets(ctx, &s3.ListBucketsInput{ContinuationToken: token})
		if err != nil {
			break
		}
		for _, b := range out.Buckets {
			if x, ok := cliValue(valueOf(b), isoMillis, c.wire, ""); ok {
				buckets = append(buckets, x)
			}
		}
		if owner == nil && out.Owner != nil {
			owner, _ = cliValue(valueOf(out.Owner), isoMillis, c.wire, "")
		}
		if out.Prefix != nil {
			prefix = *out.Prefix
		}
		if out.ContinuationToken == nil || *out.ContinuationToken == "" {
			break
		}
		token = out.ContinuationToken
	}
	c.record("aws s3api list-buckets", "s3/list-buckets.json", err, func() map[string]any {
		// An account without buckets: S3 sends an empty <Buckets/>, which
		// the CLI prints as "Buckets": [].
		if buckets == nil {
			buckets = []any{}
		}
		tree := map[string]any{"Prefix": prefix, "Buckets": buckets}
		if owner != nil {
			tree["Owner"] = owner
		}
		return tree
	})
}

// accountPAB is s3control/get-public-access-block.json for the caller's
// account.
func (c *collector) accountPAB(ctx context.Context) {
	out, err := c.s3control().GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(c.account)})
	c.record("aws s3control get-public-access-block --account-id "+quoteArg(c.account),
		"s3control/get-public-access-block.json", err, func() map[string]any { return cliTree(out, isoMillis, c.wire) })
}

// bucket collects one S3 origin bucket's configuration and listing.
func (c *collector) bucket(ctx context.Context, b bucketRef, maps []KeyMapping) {
	name := b.Name
	arg := " --bucket " + quoteArg(name)
	region := b.Region
	loc, err := c.s3(region).GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(name)})
	if c.record("aws s3api get-bucket-location"+arg, bucketFile(name, "get-bucket-location.json"), err,
		func() map[string]any {
			// The CLI prints null for us-east-1's empty constraint.
			var v any
			if loc.LocationConstraint != "" {
				v = string(loc.LocationConstraint)
			}
			return map[string]any{"LocationConstraint": v}
		}) {
		switch lc := string(loc.LocationConstraint); lc {
		case "":
			region = "us-east-1"
		case "EU":
			region = "eu-west-1"
		default:
			region = lc
		}
	}
	if c.regions == nil {
		c.regions = map[string]string{}
	}
	c.regions[name] = region
	cl := c.s3(region)
	bkt := aws.String(name)
	file := func(n string) string { return bucketFile(name, n) }

	pol, err := cl.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: bkt})
	c.record("aws s3api get-bucket-policy"+arg, file("get-bucket-policy.json"), err,
		func() map[string]any { return cliTree(pol, isoMillis, c.wire) })
	own, err := cl.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: bkt})
	c.record("aws s3api get-bucket-ownership-controls"+arg, file("get-bucket-ownership-controls.json"), err,
		func() map[string]any { return cliTree(own, isoMillis, c.wire) })
	pab, err := cl.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bkt})
	c.record("aws s3api get-public-access-block"+arg, file("get-public-access-block.json"), err,
		func() map[string]any { return cliTree(pab, isoMillis, c.wire) })
	acl, err := cl.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: bkt})
	c.record("aws s3api get-bucket-acl"+arg, file("get-bucket-acl.json"), err,
		func() map[string]any { return cliTree(acl, isoMillis, c.wire) })
	enc, err := cl.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bkt})
	if c.record("aws s3api get-bucket-encryption"+arg, file("get-bucket-encryption.json"), err,
		func() map[string]any { return cliTree(enc, isoMillis, c.wire) }) && enc.ServerSideEncryptionConfiguration != nil {
		for _, r := range enc.ServerSideEncryptionConfiguration.Rules {
			d := r.ApplyServerSideEncryptionByDefault
			if d == nil || !strings.HasPrefix(string(d.SSEAlgorithm), "aws:kms") {
				continue
			}
			if k := aws.ToString(d.KMSMasterKeyID); k != "" {
				c.queueKMS(k, region)
			} else {
				c.queueKMS("alias/aws/s3", region) // SSE-KMS without a key: the AWS managed key
			}
		}
	}
	pay, err := cl.GetBucketRequestPayment(ctx, &s3.GetBucketRequestPaymentInput{Bucket: bkt})
	c.record("aws s3api get-bucket-request-payment"+arg, file("get-bucket-request-payment.json"), err,
		func() map[string]any { return cliTree(pay, isoMillis, c.wire) })
	web, err := cl.GetBucketWebsite(ctx, &s3.GetBucketWebsiteInput{Bucket: bkt})
	if c.record("aws s3api get-bucket-website"+arg, file("get-bucket-website.json"), err,
		func() map[string]any { return cliTree(web, isoMillis, c.wire) }) && web.IndexDocument != nil {
		if c.indexSuffix == nil {
			c.indexSuffix = map[string]string{}
		}
		c.indexSuffix[name] = aws.ToString(web.IndexDocument.Suffix)
	}

	truncated := c.listObjects(ctx, cl, name, "", file("list-objects-v2.json"))
	if !truncated {
		return
	}
	// The first page does not hold every key: list around each requested
	// key too (its "directory", or the key itself at the top level).
	done := map[string]bool{}
	for _, m := range maps {
		if m.Bucket != name || m.Key == "" {
			continue
		}
		p := listPrefix(m.Key)
		if done[p] {
			continue
		}
		done[p] = true
		c.listObjects(ctx, cl, name, p, file("list-objects-v2/"+escapeName(p)+".json"))
	}
}

// listPrefix is the prefix listed around key: up to its last "/", or the
// key itself when it has none.
func listPrefix(key string) string {
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[:i+1]
	}
	return key
}

// listObjects writes `aws s3api list-objects-v2 --bucket B --fetch-owner
// [--prefix P] --max-items N` as the CLI prints it (Contents and CommonPrefixes merged
// over pages, RequestCharged and Prefix, NextToken when cut) and reports
// whether the listing was cut.
func (c *collector) listObjects(ctx context.Context, cl *s3.Client, bucket, prefix, rel string) bool {
	limit := c.opts.ListLimit
	var contents, prefixes []any
	var charged, pfx any
	var token, next *string
	var err error
	for {
		// FetchOwner: an object written by another account is the one
		// whose head and ACL the bucket owner may not read, so the listing
		// is where its owner shows (POL-OBJECT-OWNERSHIP).
		in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), ContinuationToken: token, FetchOwner: aws.Bool(true),
			MaxKeys: aws.Int32(int32(min(limit-len(contents), 1000)))}
		if prefix != "" {
			in.Prefix = aws.String(prefix)
		}
		var out *s3.ListObjectsV2Output
		out, err = cl.ListObjectsV2(ctx, in)
		if err != nil {
			break
		}
		for _, o := range out.Contents {
			if x, ok := cliValue(valueOf(o), isoMillis, c.wire, ""); ok {
				contents = append(contents, x)
			}
		}
		for _, p := range out.CommonPrefixes {
			if x, ok := cliValue(valueOf(p), isoMillis, c.wire, ""); ok {
				prefixes = append(prefixes, x)
			}
		}
		if out.RequestCharged != "" {
			charged = string(out.RequestCharged)
		}
		if out.Prefix != nil {
			pfx = *out.Prefix
		}
		if !aws.ToBool(out.IsTruncated) || out.NextContinuationToken == nil {
			next = nil
			break
		}
		token, next = out.NextContinuationToken, out.NextContinuationToken
		if len(contents) >= limit {
			break
		}
	}
	cmd := "aws s3api list-objects-v2 --bucket " + quoteArg(bucket) + " --fetch-owner"
	if prefix != "" {
		cmd += " --prefix " + quoteArg(prefix)
	}
	cmd += fmt.Sprintf(" --max-items %d", limit)
	c.record(cmd, rel, err, func() map[string]any {
		tree := map[string]any{"RequestCharged": charged, "Prefix": pfx}
		if len(contents) > 0 {
			tree["Contents"] = contents
		}
		if len(prefixes) > 0 {
			tree["CommonPrefixes"] = prefixes
		}
		if next != nil {
			tree["NextToken"] = nextToken("ContinuationToken", *next)
		}
		return tree
	})
	return err == nil && next != nil
}

// object collects head-object and get-object-acl of one mapped key.
func (c *collector) object(ctx context.Context, m *KeyMapping) {
	if m.Bucket == "" {
		return
	}
	if m.Website && (m.Key == "" || strings.HasSuffix(m.Key, "/")) {
		if s := c.indexSuffix[m.Bucket]; s != "" {
			m.Key += s
			m.Note = "website endpoint: the bucket's index document " + s
		}
	}
	if m.Key == "" {
		if m.Note == "" {
			m.Note = "empty key: S3 answers the bucket itself"
		}
		return
	}
	region := c.regions[m.Bucket]
	cl := c.s3(region)
	arg := " --bucket " + quoteArg(m.Bucket) + " --key " + quoteArg(m.Key)
	name := escapeName(m.Key) + ".json"
	head, err := cl.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(m.Bucket), Key: aws.String(m.Key)})
	if c.record("aws s3api head-object"+arg, bucketFile(m.Bucket, "head-object/"+name), err,
		func() map[string]any {
			tree := cliTree(head, httpDate, c.wire)
			if _, ok := tree["Metadata"]; !ok {
				tree["Metadata"] = map[string]any{} // botocore always fills the header map
			}
			if head.ObjectLockRetainUntilDate != nil { // an ISO 8601 header
				tree["ObjectLockRetainUntilDate"] = c.wire.format("ObjectLockRetainUntilDate", *head.ObjectLockRetainUntilDate, isoMillis)
			}
			return tree
		}) {
		if k := aws.ToString(head.SSEKMSKeyId); k != "" {
			c.queueKMS(k, region)
		}
	}
	acl, err := cl.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: aws.String(m.Bucket), Key: aws.String(m.Key)})
	c.record("aws s3api get-object-acl"+arg, bucketFile(m.Bucket, "get-object-acl/"+name), err,
		func() map[string]any { return cliTree(acl, isoMillis, c.wire) })
}

// kmsRef is a KMS key as a bucket or object names it, and the Region to
// ask about it.
type kmsRef struct{ ID, Region string }

func (c *collector) queueKMS(id, region string) {
	if a, err := arn.Parse(id); err == nil {
		region = a.Region
	}
	r := kmsRef{ID: id, Region: region}
	key := r.ID + "\x00" + r.Region
	if c.kmsSeen[key] {
		return
	}
	c.kmsSeen[key] = true
	c.kmsRefs = append(c.kmsRefs, r)
}

// kmsKey writes kms/KEYID/describe-key.json and get-key-policy.json.
// KEYID is the key's id as describe-key answers it; when describe-key is
// refused, the id in the reference (a key ARN or a bare id) stands in.
func (c *collector) kmsKey(ctx context.Context, r kmsRef) {
	cl := c.kms(r.Region)
	desc, err := cl.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(r.ID)})
	keyID, policyRef := keyIDOf(r.ID), r.ID
	if err == nil && desc.KeyMetadata != nil && desc.KeyMetadata.KeyId != nil {
		keyID = *desc.KeyMetadata.KeyId
		if desc.KeyMetadata.Arn != nil {
			policyRef = *desc.KeyMetadata.Arn
		}
	}
	if c.kmsDirs == nil {
		c.kmsDirs = map[string]bool{}
	}
	if keyID != "" && c.kmsDirs[keyID] {
		return // another reference to a key already collected
	}
	dir := path.Join("kms", escapeName(keyID))
	if keyID == "" {
		dir = "" // an alias that could not be resolved: nowhere to file it
	}
	cmd := "aws kms describe-key --key-id " + quoteArg(r.ID) + regionArg(r.Region, c.cfg.Region)
	if dir == "" && err == nil {
		err = fmt.Errorf("describe-key answered without a KeyId")
	}
	rel := ""
	if dir != "" {
		rel = path.Join(dir, "describe-key.json")
	}
	if !c.record(cmd, rel, err,
		func() map[string]any { return cliTree(desc, epochSeconds, c.wire) }) && dir == "" {
		return
	}
	c.kmsDirs[keyID] = true
	pol, err := cl.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: aws.String(policyRef), PolicyName: aws.String("default")})
	c.record("aws kms get-key-policy --key-id "+quoteArg(policyRef)+" --policy-name default"+regionArg(r.Region, c.cfg.Region),
		path.Join(dir, "get-key-policy.json"), err, func() map[string]any { return cliTree(pol, epochSeconds, c.wire) })
}

// keyIDOf is the key id in a key reference: the last part of a key ARN, a
// bare id, or "" for an alias.
func keyIDOf(ref string) string {
	if a, err := arn.Parse(ref); err == nil {
		if id, ok := strings.CutPrefix(a.Resource, "key/"); ok {
			return id
		}
		return ""
	}
	if strings.HasPrefix(ref, "alias/") {
		return ""
	}
	return ref
}

func regionArg(region, def string) string {
	if region == "" || region == def {
		return ""
	}
	return " --region " + region
}

// --- the distribution's configuration ---

// distInfo reads what the collector follows from a distribution.
type distInfo struct{ cfg *cftypes.DistributionConfig }

// bucketRef is an S3 origin bucket.
type bucketRef struct {
	Name, Region string
	Website      bool
}

func (d *distInfo) origins() []cftypes.Origin {
	if d.cfg.Origins == nil {
		return nil
	}
	return d.cfg.Origins.Items
}

// s3Buckets lists the distinct buckets of the S3 (REST and website)
// origins, in origin order.
func (d *distInfo) s3Buckets() []bucketRef {
	var out []bucketRef
	seen := map[string]bool{}
	for _, o := range d.origins() {
		t := classify0(aws.ToString(o.DomainName))
		if t.bucket == "" || seen[t.bucket] {
			continue
		}
		seen[t.bucket] = true
		out = append(out, bucketRef{Name: t.bucket, Region: t.region, Website: t.website})
	}
	return out
}

func (d *distInfo) oacIDs() []string {
	var out []string
	for _, o := range d.origins() {
		if id := aws.ToString(o.OriginAccessControlId); id != "" && !contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func (d *distInfo) oaiIDs() []string {
	var out []string
	for _, o := range d.origins() {
		if o.S3OriginConfig == nil {
			continue
		}
		v := aws.ToString(o.S3OriginConfig.OriginAccessIdentity)
		if v == "" {
			continue
		}
		id := v[strings.LastIndexByte(v, '/')+1:]
		if id != "" && !contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// policyIDs lists the cache and origin request policies the behaviours
// name, default behaviour first.
func (d *distInfo) policyIDs() (cache, origin []string) {
	add := func(list *[]string, id *string) {
		if v := aws.ToString(id); v != "" && !contains(*list, v) {
			*list = append(*list, v)
		}
	}
	if b := d.cfg.DefaultCacheBehavior; b != nil {
		add(&cache, b.CachePolicyId)
		add(&origin, b.OriginRequestPolicyId)
	}
	if d.cfg.CacheBehaviors != nil {
		for _, b := range d.cfg.CacheBehaviors.Items {
			add(&cache, b.CachePolicyId)
			add(&origin, b.OriginRequestPolicyId)
		}
	}
	return cache, origin
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
