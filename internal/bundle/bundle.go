// Package bundle is the typed, mutable in-memory form of a doctor bundle: a
// directory of raw aws CLI JSON outputs describing one CloudFront
// distribution and what it serves (layout in docs/bundle.md).
//
// Read never fails because of a file: a file that is not there is listed
// in Missing (when something else in the bundle says it should be there), a
// file that cannot be used (truncated, not JSON, the wrong shape, a policy
// that does not parse) is listed in Problems, and a file that records the
// error a call got instead of its output ({"Error":{"Code":...}}) is listed
// in Absent (AWS said the thing does not exist: NoSuchBucketPolicy, ...) or
// Refused (any other error: the thing may exist but was not exported). The
// doctor lowers its certainty from Missing, Refused and Problems; it never
// guesses what they would have held.
//
// A Bundle is plain data: the doctor applies a candidate fix by editing a
// Clone and rebuilding a world from it (internal/world).
package bundle

import (
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/internal/cloudfront"
)

// Bundle is a bundle directory's content. Every member is optional: nil
// (or absent from its map) when the bundle does not hold it.
type Bundle struct {
	// Dir is the directory Read read ("" for a bundle built in memory).
	Dir string

	// Distribution is cloudfront/get-distribution.json.
	Distribution *GetDistribution
	// OriginAccessControls are cloudfront/get-origin-access-control/ID.json, by ID.
	OriginAccessControls map[string]*GetOriginAccessControl
	// OriginAccessIdentities are
	// cloudfront/get-cloud-front-origin-access-identity/ID.json, by ID.
	OriginAccessIdentities map[string]*GetOriginAccessIdentity
	// CachePolicies are cloudfront/get-cache-policy/ID.json, by ID.
	CachePolicies map[string]*GetCachePolicy
	// OriginRequestPolicies are cloudfront/get-origin-request-policy/ID.json, by ID.
	OriginRequestPolicies map[string]*GetOriginRequestPolicy
	// Invalidations is cloudfront/list-invalidations.json.
	Invalidations *ListInvalidations

	// ListBuckets is s3/list-buckets.json (the owner's canonical id).
	ListBuckets *ListBuckets
	// Buckets are the s3/BUCKET/ directories, by bucket name.
	Buckets map[string]*Bucket
	// AccountPublicAccessBlock is s3control/get-public-access-block.json.
	AccountPublicAccessBlock *GetPublicAccessBlock

	// KMSKeys are the kms/KEYID/ directories, by directory name (the
	// key id, url.PathEscape'd if it is an ARN or alias).
	KMSKeys map[string]*KMSKey

	// CallerIdentity is sts/get-caller-identity.json.
	CallerIdentity *CallerIdentity

	// Missing are the paths (relative, slash-separated) of files the bundle
	// should hold, judging by what it does hold, but does not, sorted.
	Missing []string
	// Absent are the paths of files that record an error saying the thing
	// does not exist (NoSuchBucketPolicy, OwnershipControlsNotFoundError,
	// NoSuchPublicAccessBlockConfiguration, NoSuchKey, ...), sorted.
	Absent []string
	// Refused are the files that record any other error (AccessDenied, ...):
	// the thing may exist but is unknown. By path.
	Refused map[string]APIError
	// Problems are the files that could not be used, in path order.
	Problems []Problem
}

// Bucket is one s3/BUCKET/ directory.
type Bucket struct {
	// Name is the bucket name (the directory name).
	Name string
	// NoSuchBucket is true when a file of the directory records
	// NoSuchBucket: the origin's bucket does not exist.
	NoSuchBucket bool

	Policy            *GetBucketPolicy            // get-bucket-policy.json
	OwnershipControls *GetBucketOwnershipControls // get-bucket-ownership-controls.json
	PublicAccessBlock *GetPublicAccessBlock       // get-public-access-block.json
	ACL               *AccessControlPolicy        // get-bucket-acl.json
	Location          *GetBucketLocation          // get-bucket-location.json
	Encryption        *GetBucketEncryption        // get-bucket-encryption.json
	RequestPayment    *GetBucketRequestPayment    // get-bucket-request-payment.json
	Website           *GetBucketWebsite           // get-bucket-website.json
	Objects           *ListObjectsV2              // list-objects-v2.json

	// PrefixListings are list-objects-v2/PREFIX.json, by prefix
	// (decoded): the keys around requested ones when the main listing
	// was cut (docs/collect.md).
	PrefixListings map[string]*ListObjectsV2
	// HeadObjects are head-object/KEY.json, by object key (decoded).
	HeadObjects map[string]*HeadObject
	// ObjectACLs are get-object-acl/KEY.json, by object key (decoded).
	ObjectACLs map[string]*AccessControlPolicy
}

// KMSKey is one kms/KEYID/ directory.
type KMSKey struct {
	// Dir is the directory name.
	Dir         string
	DescribeKey *DescribeKey  // describe-key.json
	KeyPolicy   *GetKeyPolicy // get-key-policy.json
}

// Problem is a file of the bundle that could not be used.
type Problem struct {
	// Path is the file's path relative to the bundle, slash-separated.
	Path string
	// Err says what is wrong with it.
	Err error
}

// Error returns "PATH: ERR".
func (p Problem) Error() string { return p.Path + ": " + p.Err.Error() }

// Fixed paths of the layout.
const (
	PathDistribution             = "cloudfront/get-distribution.json"
	PathInvalidations            = "cloudfront/list-invalidations.json"
	PathListBuckets              = "s3/list-buckets.json"
	PathAccountPublicAccessBlock = "s3control/get-public-access-block.json"
	PathCallerIdentity           = "sts/get-caller-identity.json"
)

// Per-bucket file names (under s3/BUCKET/).
const (
	FileBucketPolicy            = "get-bucket-policy.json"
	FileBucketOwnershipControls = "get-bucket-ownership-controls.json"
	FileBucketPublicAccessBlock = "get-public-access-block.json"
	FileBucketACL               = "get-bucket-acl.json"
	FileBucketLocation          = "get-bucket-location.json"
	FileBucketEncryption        = "get-bucket-encryption.json"
	FileBucketRequestPayment    = "get-bucket-request-payment.json"
	FileBucketWebsite           = "get-bucket-website.json"
	FileListObjectsV2           = "list-objects-v2.json"
	DirHeadObject               = "head-object"
	DirPrefixListings           = "list-objects-v2"
	DirObjectACL                = "get-object-acl"
)

// BucketFiles are the per-bucket files every exported bucket should have.
var BucketFiles = []string{
	FileBucketPolicy, FileBucketOwnershipControls, FileBucketPublicAccessBlock,
	FileBucketACL, FileBucketLocation, FileBucketEncryption,
	FileBucketRequestPayment, FileBucketWebsite, FileListObjectsV2,
}

// Per-key file names (under kms/KEYID/).
const (
	FileDescribeKey  = "describe-key.json"
	FileGetKeyPolicy = "get-key-policy.json"
)

// OACPath returns the path of an origin access control's file.
func OACPath(id string) string { return "cloudfront/get-origin-access-control/" + id + ".json" }

// OAIPath returns the path of an origin access identity's file.
func OAIPath(id string) string {
	return "cloudfront/get-cloud-front-origin-access-identity/" + id + ".json"
}

// CachePolicyPath returns the path of a cache policy's file.
func CachePolicyPath(id string) string { return "cloudfront/get-cache-policy/" + id + ".json" }

// OriginRequestPolicyPath returns the path of an origin request policy's file.
func OriginRequestPolicyPath(id string) string {
	return "cloudfront/get-origin-request-policy/" + id + ".json"
}

// BucketPath returns the path of a per-bucket file (one of the File* names).
func BucketPath(bucket, file string) string { return "s3/" + bucket + "/" + file }

// KeyFileName returns the file name of an object key under head-object/ or
// get-object-acl/: url.PathEscape(key) + ".json" (a "/" in the key is
// written %2F; Read also accepts nested directories).
func KeyFileName(key string) string { return url.PathEscape(key) + ".json" }

// HeadObjectPath returns the path of an object's head-object file.
func HeadObjectPath(bucket, key string) string {
	return "s3/" + bucket + "/" + DirHeadObject + "/" + KeyFileName(key)
}

// ObjectACLPath returns the path of an object's get-object-acl file.
func ObjectACLPath(bucket, key string) string {
	return "s3/" + bucket + "/" + DirObjectACL + "/" + KeyFileName(key)
}

// KMSDirName returns the kms/ directory name for a key reference: the key
// id of a key ARN (arn:aws:kms:R:A:key/ID) or of a bare key id, else the
// reference url.PathEscape'd (an alias name or alias ARN).
func KMSDirName(ref string) string {
	if i := strings.Index(ref, ":key/"); i >= 0 && strings.HasPrefix(ref, "arn:") {
		return url.PathEscape(ref[i+len(":key/"):])
	}
	return url.PathEscape(ref)
}

// KMSPath returns the path of a per-key file (FileDescribeKey or FileGetKeyPolicy).
func KMSPath(keyRef, file string) string { return "kms/" + KMSDirName(keyRef) + "/" + file }

// DistributionConfig returns the distribution's configuration, or nil.
func (b *Bundle) DistributionConfig() *cloudfront.DistributionConfig {
	if b == nil || b.Distribution == nil || b.Distribution.Distribution == nil {
		return nil
	}
	return b.Distribution.Distribution.DistributionConfig
}

// AccountID returns the distribution's account: from the caller identity,
// else the distribution ARN (arn:aws:cloudfront::ACCOUNT:distribution/ID),
// else a KMS key's AWSAccountId; "" when the bundle does not say.
func (b *Bundle) AccountID() string {
	if b.CallerIdentity != nil && b.CallerIdentity.Account != "" {
		return b.CallerIdentity.Account
	}
	if b.Distribution != nil && b.Distribution.Distribution != nil {
		if a := ARNAccount(b.Distribution.Distribution.GetARN()); a != "" {
			return a
		}
	}
	for _, name := range sortedKeys(b.KMSKeys) {
		k := b.KMSKeys[name]
		if k.DescribeKey != nil && k.DescribeKey.KeyMetadata != nil && k.DescribeKey.KeyMetadata.KeyManager != "AWS" {
			if a := k.DescribeKey.KeyMetadata.AWSAccountId; a != "" {
				return a
			}
		}
	}
	return ""
}

// ARNAccount returns the account field of an ARN, or "".
func ARNAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}

// CanonicalID returns the account's S3 canonical user id from
// list-buckets' Owner, else from a bucket ACL's owner; "" when unknown.
func (b *Bundle) CanonicalID() string {
	if b.ListBuckets != nil && b.ListBuckets.Owner != nil && b.ListBuckets.Owner.ID != "" {
		return b.ListBuckets.Owner.ID
	}
	for _, name := range sortedKeys(b.Buckets) {
		if acl := b.Buckets[name].ACL; acl != nil && acl.Owner != nil && acl.Owner.ID != "" {
			return acl.Owner.ID
		}
	}
	return ""
}

// Bucket returns the named bucket's directory, or nil.
func (b *Bundle) Bucket(name string) *Bucket {
	if b == nil {
		return nil
	}
	return b.Buckets[name]
}

// AWSManagedS3Key is the alias of the AWS managed key SSE-KMS uses when
// nothing names a key.
const AWSManagedS3Key = "alias/aws/s3"

// KMSKey returns the key a reference names: a directory name, a key id, a
// key ARN, or alias/aws/s3 (the described key whose KeyManager is AWS).
// nil when the bundle does not hold it (other aliases cannot be resolved:
// describe-key does not print them).
func (b *Bundle) KMSKey(ref string) *KMSKey {
	if b == nil || ref == "" {
		return nil
	}
	if k := b.KMSKeys[KMSDirName(ref)]; k != nil {
		return k
	}
	if ref == AWSManagedS3Key || (strings.HasPrefix(ref, "arn:") && strings.HasSuffix(ref, ":"+AWSManagedS3Key)) {
		for _, name := range sortedKeys(b.KMSKeys) {
			k := b.KMSKeys[name]
			if k.DescribeKey != nil && k.DescribeKey.KeyMetadata != nil && k.DescribeKey.KeyMetadata.KeyManager == "AWS" &&
				(!strings.HasPrefix(ref, "arn:") || ARNAccount(ref) == k.DescribeKey.KeyMetadata.AWSAccountId) {
				return k
			}
		}
		return nil
	}
	for _, name := range sortedKeys(b.KMSKeys) {
		k := b.KMSKeys[name]
		if k.DescribeKey == nil || k.DescribeKey.KeyMetadata == nil {
			continue
		}
		if m := k.DescribeKey.KeyMetadata; m.KeyId == ref || m.Arn == ref {
			return k
		}
	}
	return nil
}

// Policy returns the bucket's policy document text, or "" when there is none
// in the bundle.
func (bk *Bucket) PolicyText() string {
	if bk == nil || bk.Policy == nil {
		return ""
	}
	return bk.Policy.Policy
}

// Region returns the bucket's region from get-bucket-location, or "" when
// the bundle does not hold it.
func (bk *Bucket) Region() string {
	if bk == nil || bk.Location == nil {
		return ""
	}
	return bk.Location.Region()
}

// ObjectOwnership returns the bucket's Object Ownership setting, or "" when
// the bundle does not hold it (AWS's default for a bucket without
// ownership controls is ObjectWriter).
func (bk *Bucket) ObjectOwnership() string {
	if bk == nil || bk.OwnershipControls == nil || bk.OwnershipControls.OwnershipControls == nil {
		return ""
	}
	for _, r := range bk.OwnershipControls.OwnershipControls.Rules {
		return r.ObjectOwnership
	}
	return ""
}

// IsMissing reports whether path is listed in Missing or Refused, or is a
// Problem: the bundle cannot say what it would hold.
func (b *Bundle) IsMissing(path string) bool {
	if i := sort.SearchStrings(b.Missing, path); i < len(b.Missing) && b.Missing[i] == path {
		return true
	}
	if _, ok := b.Refused[path]; ok {
		return true
	}
	for _, p := range b.Problems {
		if p.Path == path {
			return true
		}
	}
	return false
}

// IsAbsent reports whether path records that AWS said the thing does not exist.
func (b *Bundle) IsAbsent(path string) bool {
	i := sort.SearchStrings(b.Absent, path)
	return i < len(b.Absent) && b.Absent[i] == path
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// errorf is a Problem error.
func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }

// Lookup says what the bundle knows of an object: its listing entry, and
// whether the bundle knows that it exists or not (known false: the
// listings that could hold it were cut or are not in the bundle). A key
// is looked up in the longest prefix listing it starts with, else in the
// main listing; a head-object of the key makes it known to exist. A key
// absent from a listing that was not cut (no NextToken) does not exist.
func (bk *Bucket) Lookup(key string) (obj *Object, known bool) {
	if bk == nil {
		return nil, false
	}
	_, headed := bk.HeadObjects[key]
	l, best := bk.Objects, -1
	for p, pl := range bk.PrefixListings {
		if strings.HasPrefix(key, p) && len(p) > best {
			l, best = pl, len(p)
		}
	}
	if l != nil {
		for i := range l.Contents {
			if l.Contents[i].Key == key {
				return &l.Contents[i], true
			}
		}
	}
	if headed {
		return nil, true
	}
	return nil, l != nil && l.NextToken == "" && !l.IsTruncated
}
