package world

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/kms"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/s3"
	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/sse"
)

// load imports the bundle, in dependency order: account settings, KMS
// keys, CloudFront OAIs, OACs and policies, buckets (their policies name
// OAIs and accounts), objects (sealed under the keys), the distribution.
func (bl *builder) load(ctx context.Context) {
	bl.loadAccountPAB(ctx)
	bl.loadKeys()
	bl.loadCloudFront()
	bl.loadBuckets(ctx)
	bl.loadDistribution()
}

func pab(c *bundle.PublicAccessBlockConfiguration) access.PublicAccessBlock {
	v := func(b *bool) bool { return b != nil && *b }
	return access.PublicAccessBlock{
		BlockPublicAcls: v(c.BlockPublicAcls), IgnorePublicAcls: v(c.IgnorePublicAcls),
		BlockPublicPolicy: v(c.BlockPublicPolicy), RestrictPublicBuckets: v(c.RestrictPublicBuckets),
	}
}

func (bl *builder) loadAccountPAB(ctx context.Context) {
	a := bl.b.AccountPublicAccessBlock
	if a == nil || a.PublicAccessBlockConfiguration == nil {
		return
	}
	if err := bl.w.Server.S3().ImportAccountPublicAccessBlock(ctx, bl.owner, pab(a.PublicAccessBlockConfiguration)); err != nil {
		bl.skip(bundle.PathAccountPublicAccessBlock, err)
	}
}

// loadKeys imports every described key; a key the bundle's buckets or
// objects name but does not describe is loaded with the policy KMS gives a
// new key (noted), so that objects encrypted under it exist.
func (bl *builder) loadKeys() {
	svc := bl.w.Server.KMS()
	for _, dir := range sortedNames(bl.b.KMSKeys) {
		k := bl.b.KMSKeys[dir]
		path := "kms/" + dir + "/" + bundle.FileDescribeKey
		if k.DescribeKey == nil || k.DescribeKey.KeyMetadata == nil {
			continue
		}
		m := k.DescribeKey.KeyMetadata
		in := kms.ImportedKey{
			ID: m.KeyId, Account: m.AWSAccountId, Region: arnRegion(m.Arn), Description: m.Description,
			State: kms.KeyState(m.KeyState), Manager: m.KeyManager, Created: m.CreationDate.Time,
		}
		if m.DeletionDate != nil {
			in.DeletionDate = m.DeletionDate.Time
		}
		if in.State == "" && !m.Enabled {
			in.State = kms.StateDisabled
		}
		if k.KeyPolicy != nil {
			in.Policy = k.KeyPolicy.Policy
		} else {
			bl.note("KMS key %s: no key policy in the bundle; loaded with the policy KMS gives a new key", m.KeyId)
		}
		if _, err := svc.ImportKey(in); err != nil {
			if k.KeyPolicy != nil && isPolicyError(err) {
				path = "kms/" + dir + "/" + bundle.FileGetKeyPolicy
			}
			bl.skip(path, err)
		}
	}
}

func isPolicyError(err error) bool {
	return strings.Contains(err.Error(), "MalformedPolicyDocument") || strings.Contains(strings.ToLower(err.Error()), "policy")
}

// ensureKey makes sure the key ref names exists, loading a stand-in for one
// the bundle does not describe. It returns false when there can be none.
func (bl *builder) ensureKey(ref, account, region string) bool {
	if ref == "" || strings.HasPrefix(ref, "alias/") || strings.Contains(ref, ":alias/") {
		return false
	}
	id := ref
	if strings.HasPrefix(ref, "arn:") {
		i := strings.Index(ref, ":key/")
		if i < 0 {
			return false
		}
		id = ref[i+len(":key/"):]
		if a := bundle.ARNAccount(ref); a != "" {
			account = a
		}
		if r := arnRegion(ref); r != "" {
			region = r
		}
	}
	if _, err := bl.w.Server.KMS().ImportDataKey(keyARN(region, account, id), nil, 1); err == nil {
		return true
	}
	if bl.b.KMSKey(ref) != nil {
		return false // described but refused: Skipped says why
	}
	if _, ok := bl.accounts[account]; !ok {
		return false
	}
	if _, err := bl.w.Server.KMS().ImportKey(kms.ImportedKey{ID: id, Account: account, Region: region}); err != nil {
		return false
	}
	bl.note("KMS key %s: not described in the bundle; loaded enabled with the policy KMS gives a new key", ref)
	return true
}

func keyARN(region, account, id string) string {
	return "arn:aws:kms:" + region + ":" + account + ":key/" + id
}

func (bl *builder) loadCloudFront() {
	cf := bl.w.Server.CloudFront()
	for _, id := range sortedNames(bl.b.OriginAccessIdentities) {
		o := bl.b.OriginAccessIdentities[id].CloudFrontOriginAccessIdentity
		oid := o.GetId()
		if oid == "" {
			oid = id
		}
		if err := cf.ImportOAI(bl.owner, oid, strings.ToLower(o.GetS3CanonicalUserId()), o.CloudFrontOriginAccessIdentityConfig); err != nil {
			bl.skip(bundle.OAIPath(id), err)
		}
	}
	for _, id := range sortedNames(bl.b.OriginAccessControls) {
		o := bl.b.OriginAccessControls[id].OriginAccessControl
		oid := o.GetId()
		if oid == "" {
			oid = id
		}
		if err := cf.ImportOAC(bl.owner, oid, o.OriginAccessControlConfig); err != nil {
			bl.skip(bundle.OACPath(id), err)
		}
	}
	for _, id := range sortedNames(bl.b.CachePolicies) {
		p := bl.b.CachePolicies[id].CachePolicy
		if cloudfront.IsManagedCachePolicy(p.GetId()) || cloudfront.IsManagedCachePolicy(id) {
			continue // edgegate has the managed policies
		}
		if err := cf.ImportCachePolicy(bl.owner, firstNonEmpty(p.GetId(), id), p.GetLastModifiedTime(), p.CachePolicyConfig); err != nil {
			bl.skip(bundle.CachePolicyPath(id), err)
		}
	}
	for _, id := range sortedNames(bl.b.OriginRequestPolicies) {
		p := bl.b.OriginRequestPolicies[id].OriginRequestPolicy
		if cloudfront.IsManagedOriginRequestPolicy(p.GetId()) || cloudfront.IsManagedOriginRequestPolicy(id) {
			continue
		}
		if err := cf.ImportOriginRequestPolicy(bl.owner, firstNonEmpty(p.GetId(), id), p.GetLastModifiedTime(), p.OriginRequestPolicyConfig); err != nil {
			bl.skip(bundle.OriginRequestPolicyPath(id), err)
		}
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// policyOAIs loads a stand-in for every OAI a bucket policy names that the
// bundle does not hold: S3 accepted the policy, so the OAI existed.
func (bl *builder) policyOAIs(doc string) {
	p, err := policy.ParseWithOptions([]byte(doc), policy.BucketPolicy, policy.ParseOptions{MaxSize: -1})
	if err != nil {
		return
	}
	cf := bl.w.Server.CloudFront()
	for _, st := range p.Statements() {
		for _, pv := range st.Principals() {
			id, ok := strings.CutPrefix(pv.Value, policy.OAIARNPrefix)
			if pv.Type != "AWS" || !ok {
				continue
			}
			if _, exists := cf.OAIByID(id); exists {
				continue
			}
			ref, comment := "edgegate-world-"+id, ""
			cid := fmt.Sprintf("%x", sha256Sum("edgegate world oai\x00"+id))
			cid += cid[:32] // OAI canonical ids are 96 hex digits
			if cf.ImportOAI(bl.owner, id, cid, &cloudfront.CloudFrontOriginAccessIdentityConfig{CallerReference: &ref, Comment: &comment}) == nil {
				bl.note("origin access identity %s: named by a bucket policy but not in the bundle; loaded with a stand-in canonical id", id)
			}
		}
	}
}

// originRegions maps the origin buckets of the distribution to the region
// their endpoint names.
func (bl *builder) originRegions() map[string]string {
	out := map[string]string{}
	for _, o := range bl.b.DistributionConfig().GetOrigins().GetItems() {
		t := cloudfront.ClassifyOrigin(o.GetDomainName())
		if t.Kind != cloudfront.OriginCustom && t.Region != "" {
			out[t.Bucket] = t.Region
		}
	}
	return out
}

func (bl *builder) loadBuckets(ctx context.Context) {
	svc := bl.w.Server.S3()
	regions := bl.originRegions()
	for _, name := range sortedNames(bl.b.Buckets) {
		bk := bl.b.Buckets[name]
		if bk.NoSuchBucket {
			continue
		}
		in := s3.ImportedBucket{Name: name, Owner: bl.bucketOwner[name], Region: bk.Region()}
		if in.Region == "" {
			in.Region = regions[name]
			if in.Region == "" {
				in.Region = bl.w.Region
			}
			bl.note("bucket %s: no get-bucket-location in the bundle; region %s assumed", name, in.Region)
		}
		if bk.Location != nil && bk.Location.LocationConstraint != nil && *bk.Location.LocationConstraint == "EU" {
			in.Location = "EU"
		}
		if bl.b.ListBuckets != nil {
			for _, s := range bl.b.ListBuckets.Buckets {
				if s.Name == name {
					in.Created = s.CreationDate.Time
				}
			}
		}
		if bk.OwnershipControls != nil && bk.OwnershipControls.OwnershipControls != nil {
			in.Ownership = bk.ObjectOwnership()
		}
		if bk.PublicAccessBlock != nil && bk.PublicAccessBlock.PublicAccessBlockConfiguration != nil {
			p := pab(bk.PublicAccessBlock.PublicAccessBlockConfiguration)
			in.PublicAccessBlock = &p
		}
		if bk.ACL != nil {
			in.ACL, _ = aclDocument(bk.ACL)
		}
		if e := bk.Encryption; e != nil && e.ServerSideEncryptionConfiguration != nil {
			in.Encryption, _ = encryptionDocument(e.ServerSideEncryptionConfiguration)
			for _, r := range e.ServerSideEncryptionConfiguration.Rules {
				if d := r.ApplyServerSideEncryptionByDefault; d != nil && d.KMSMasterKeyID != "" {
					bl.ensureKey(d.KMSMasterKeyID, in.Owner, in.Region)
				}
			}
		}
		if bk.Website != nil {
			in.Website, _ = websiteDocument(bk.Website)
		}
		if bk.RequestPayment != nil && bk.RequestPayment.Payer == "Requester" {
			bl.note("bucket %s: Requester Pays is not modelled by edgegate; loaded as BucketOwner pays", name)
		}
		if bk.Policy != nil {
			bl.policyOAIs(bk.Policy.Policy)
			in.Policy = []byte(bk.Policy.Policy)
		}
		// A part S3 refuses is left out (and reported); the rest of the
		// bucket still decides requests.
		err := svc.ImportBucket(ctx, in)
		for tries := 0; err != nil && tries < 5; tries++ {
			msg := err.Error()
			var file string
			switch {
			case in.Policy != nil && strings.Contains(msg, ": bucket policy:"):
				in.Policy, file = nil, bundle.FileBucketPolicy
			case in.ACL != nil && strings.Contains(msg, ": ACL:"):
				in.ACL, file = nil, bundle.FileBucketACL
			case in.Ownership != "" && strings.Contains(msg, ": ownership controls:"):
				in.Ownership, file = "", bundle.FileBucketOwnershipControls
			case in.Encryption != nil && strings.Contains(msg, ": encryption:"):
				in.Encryption, file = nil, bundle.FileBucketEncryption
			case in.Website != nil && strings.Contains(msg, ": website:"):
				in.Website, file = nil, bundle.FileBucketWebsite
			}
			if file == "" {
				break
			}
			bl.skip(bundle.BucketPath(name, file), err)
			err = svc.ImportBucket(ctx, in)
		}
		if err != nil {
			bl.skip(bundle.BucketPath(name, bundle.FileBucketLocation), err)
			continue
		}
		bl.loadObjects(ctx, name, bk, in)
	}
}

// importSealer seals imported objects' data keys through KMS's import
// entry point.
type importSealer struct{ k *kms.Service }

func (s importSealer) ImportSeal(keyID string, ec map[string]string) ([]byte, []byte, string, error) {
	dk, err := s.k.ImportDataKey(keyID, ec, sse.DataKeySize)
	if err != nil {
		return nil, nil, "", err
	}
	return dk.Plaintext, dk.CiphertextBlob, dk.KeyARN, nil
}

func (bl *builder) loadObjects(ctx context.Context, name string, bk *bundle.Bucket, in s3.ImportedBucket) {
	type entry struct {
		list *bundle.Object
		head *bundle.HeadObject
	}
	objs := map[string]*entry{}
	listings := []*bundle.ListObjectsV2{bk.Objects}
	for _, p := range sortedNames(bk.PrefixListings) {
		listings = append(listings, bk.PrefixListings[p])
	}
	for _, l := range listings {
		if l == nil {
			continue
		}
		for i := range l.Contents {
			o := &l.Contents[i]
			objs[o.Key] = &entry{list: o}
		}
	}
	for key, h := range bk.HeadObjects {
		e := objs[key]
		if e == nil {
			e = &entry{}
			objs[key] = e
		}
		e.head = h
	}
	var def bundle.ServerSideEncryptionByDefault
	if bk.Encryption != nil && bk.Encryption.ServerSideEncryptionConfiguration != nil {
		for _, r := range bk.Encryption.ServerSideEncryptionConfiguration.Rules {
			if r.ApplyServerSideEncryptionByDefault != nil {
				def = *r.ApplyServerSideEncryptionByDefault
			}
		}
	}
	sealer := importSealer{bl.w.Server.KMS()}
	noHead := 0
	var jobs []objectJob
	for _, key := range sortedNames(objs) {
		e := objs[key]
		o := s3.ImportedObject{Bucket: name, Key: key, Sealer: sealer}
		path := bundle.HeadObjectPath(name, key)
		if e.list != nil {
			o.Size, o.ETag, o.LastModified, o.StorageClass = e.list.Size, e.list.ETag, e.list.LastModified.Time, e.list.StorageClass
			if e.list.Owner != nil && e.list.Owner.ID != "" {
				o.Owner = bl.ownerOf(e.list.Owner.ID)
			}
			path = bundle.BucketPath(name, bundle.FileListObjectsV2)
		}
		if h := e.head; h != nil {
			path = bundle.HeadObjectPath(name, key)
			o.Size, o.ETag, o.LastModified = h.ContentLength, h.ETag, h.LastModified.Time
			o.ContentType, o.CacheControl, o.UserMeta = h.ContentType, h.CacheControl, h.Metadata
			if h.StorageClass != "" {
				o.StorageClass = h.StorageClass
			}
			o.SSE, o.KMSKeyID = h.ServerSideEncryption, h.SSEKMSKeyId
			o.BucketKey = h.BucketKeyEnabled != nil && *h.BucketKeyEnabled
		} else {
			noHead++
			o.SSE, o.KMSKeyID = def.SSEAlgorithm, def.KMSMasterKeyID
		}
		if strings.HasPrefix(o.SSE, "aws:kms") {
			if o.KMSKeyID == "" || o.KMSKeyID == bundle.AWSManagedS3Key || strings.HasSuffix(o.KMSKeyID, ":"+bundle.AWSManagedS3Key) {
				o.KMSKeyID = bl.managedKey(in.Owner, in.Region)
			}
			bl.ensureKey(o.KMSKeyID, in.Owner, in.Region)
			if !strings.HasPrefix(o.KMSKeyID, "arn:") && !strings.HasPrefix(o.KMSKeyID, "alias/") {
				o.KMSKeyID = keyARN(in.Region, in.Owner, o.KMSKeyID)
			}
		}
		if a := bk.ObjectACLs[key]; a != nil {
			if a.Owner != nil && a.Owner.ID != "" {
				o.Owner = bl.ownerOf(a.Owner.ID)
			}
			o.ACL, _ = aclDocument(a)
		}
		if o.LastModified.IsZero() {
			o.LastModified = time.Now()
		}
		jobs = append(jobs, objectJob{o: o, path: path})
	}
	// The imports run a few at a time: the metadata store commits
	// concurrent writes together, and blob writes overlap.
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(importWorkers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if errs[i] = ctx.Err(); errs[i] == nil {
					errs[i] = bl.w.Server.S3().ImportObject(ctx, jobs[i].o)
				}
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, j := range jobs {
		err := errs[i]
		if errors.Is(err, s3.ErrBodyTruncated) {
			bl.note("%v", err)
			continue
		}
		if err != nil && j.o.ACL != nil && strings.Contains(err.Error(), "ACL") {
			bl.skip(bundle.ObjectACLPath(name, j.o.Key), err)
			j.o.ACL = nil
			err = bl.w.Server.S3().ImportObject(ctx, j.o)
		}
		if err != nil && !errors.Is(err, s3.ErrBodyTruncated) {
			bl.skip(j.path, err)
		}
	}
	if noHead > 0 {
		bl.note("bucket %s: %d object(s) without head-object in the bundle: their encryption is assumed to be the bucket default", name, noHead)
	}
}

// objectJob is one object to import and the bundle file it comes from.
type objectJob struct {
	o    s3.ImportedObject
	path string
}

// importWorkers is how many objects are imported at once.
const importWorkers = 2

// managedKey returns the ARN of the account's aws/s3 key when the bundle
// describes it, else the alias (the S3 service creates it on first use).
func (bl *builder) managedKey(account, region string) string {
	for _, dir := range sortedNames(bl.b.KMSKeys) {
		k := bl.b.KMSKeys[dir]
		if k.DescribeKey != nil && k.DescribeKey.KeyMetadata != nil && k.DescribeKey.KeyMetadata.KeyManager == "AWS" &&
			k.DescribeKey.KeyMetadata.AWSAccountId == account {
			return k.DescribeKey.KeyMetadata.Arn
		}
	}
	if info, err := bl.w.Server.KMS().GetOrCreateManagedKey(account, "s3"); err == nil {
		return info.ARN
	}
	return ""
}

func (bl *builder) ownerOf(cid string) string {
	cid = strings.ToLower(cid)
	if id, ok := bl.byCanonical[cid]; ok {
		return id
	}
	return ""
}

func (bl *builder) loadDistribution() {
	d := bl.b.Distribution
	if d == nil || d.Distribution == nil || d.Distribution.DistributionConfig == nil {
		return
	}
	dist := d.Distribution
	account := bundle.ARNAccount(dist.GetARN())
	if account == "" {
		account = bl.owner
	}
	unchecked := false
	for p := range bl.b.ExpectedFiles() {
		if strings.HasPrefix(p, "cloudfront/") && bl.b.IsMissing(p) {
			unchecked = true
		}
	}
	for _, s := range bl.w.Skipped {
		if strings.HasPrefix(s.Path, "cloudfront/") {
			unchecked = true
		}
	}
	v, err := bl.w.Server.CloudFront().ImportDistribution(cloudfront.ImportedDistribution{
		ID: dist.GetId(), ARN: dist.GetARN(), DomainName: dist.GetDomainName(), Account: account,
		ETag: d.ETag, Modified: dist.GetLastModifiedTime(), Config: dist.DistributionConfig, UncheckedRefs: unchecked,
	})
	if err != nil {
		bl.skip(bundle.PathDistribution, err)
		return
	}
	if unchecked {
		bl.note("distribution %s: loaded although some OACs, OAIs or policies it names are not in the bundle (the edge treats a missing OAC or OAI as no origin access)", v.ID)
	}
	bl.w.Distribution = v
}
