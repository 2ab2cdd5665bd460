package bundle

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/cloudfront"
)

// Timestamp is a time as the aws CLI prints it. It accepts every form the
// CLI uses, depending on its version and cli_timestamp_format: ISO 8601 /
// RFC 3339 strings ("2026-11-28T19:40:42.000Z", "2026-11-28T19:40:42+00:00"),
// the HTTP-date of REST headers ("Sat, 28 Nov 2026 19:40:42 GMT") and epoch
// seconds as a JSON number (JSON protocols such as KMS with format "none").
// It prints as RFC 3339 with the time in UTC.
type Timestamp struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if len(s) > 0 && s[0] != '"' {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("timestamp %s: not a string or epoch seconds", s)
		}
		sec := int64(f)
		t.Time = time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	pt, err := ParseTime(str)
	if err != nil {
		return err
	}
	t.Time = pt
	return nil
}

// MarshalJSON implements json.Marshaler.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339Nano))
}

// ParseTime parses a timestamp string in any of the forms Timestamp accepts.
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02 15:04:05.999999999-07:00", time.RFC1123, time.RFC1123Z} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("timestamp %q: not ISO 8601, an HTTP date or epoch seconds", s)
}

// GetDistribution is the output of `aws cloudfront get-distribution --id ID`.
type GetDistribution struct {
	ETag         string
	Distribution *cloudfront.Distribution
}

// GetOriginAccessControl is the output of
// `aws cloudfront get-origin-access-control --id ID`.
type GetOriginAccessControl struct {
	ETag                string
	OriginAccessControl *cloudfront.OriginAccessControl
}

// GetOriginAccessIdentity is the output of
// `aws cloudfront get-cloud-front-origin-access-identity --id ID`.
type GetOriginAccessIdentity struct {
	ETag                           string
	CloudFrontOriginAccessIdentity *cloudfront.CloudFrontOriginAccessIdentity
}

// GetCachePolicy is the output of `aws cloudfront get-cache-policy --id ID`.
type GetCachePolicy struct {
	ETag        string
	CachePolicy *cloudfront.CachePolicy
}

// GetOriginRequestPolicy is the output of
// `aws cloudfront get-origin-request-policy --id ID`.
type GetOriginRequestPolicy struct {
	ETag                string
	OriginRequestPolicy *cloudfront.OriginRequestPolicy
}

// ListInvalidations is the output of
// `aws cloudfront list-invalidations --distribution-id ID`.
type ListInvalidations struct {
	InvalidationList *cloudfront.InvalidationList
}

// Owner is an S3 owner (list-buckets, ACLs, list-objects-v2 --fetch-owner).
type Owner struct {
	DisplayName string `json:",omitempty"`
	ID          string
}

// ListBuckets is the output of `aws s3api list-buckets`.
type ListBuckets struct {
	Buckets []BucketSummary
	Owner   *Owner
}

// BucketSummary is one bucket of list-buckets.
type BucketSummary struct {
	Name         string
	CreationDate Timestamp
	BucketRegion string `json:",omitempty"`
}

// PublicAccessBlockConfiguration is a Block Public Access configuration,
// bucket (s3api get-public-access-block) or account (s3control
// get-public-access-block). A nil member is false, as in AWS.
type PublicAccessBlockConfiguration struct {
	BlockPublicAcls       *bool `json:",omitempty"`
	IgnorePublicAcls      *bool `json:",omitempty"`
	BlockPublicPolicy     *bool `json:",omitempty"`
	RestrictPublicBuckets *bool `json:",omitempty"`
}

// GetPublicAccessBlock is the output of s3api/s3control get-public-access-block.
type GetPublicAccessBlock struct {
	PublicAccessBlockConfiguration *PublicAccessBlockConfiguration
}

// GetBucketPolicy is the output of `aws s3api get-bucket-policy`: Policy is
// the policy document as a JSON string (the file is decoded twice: the
// file's JSON, then Policy).
type GetBucketPolicy struct {
	Policy string
}

// OwnershipControls is an S3 Object Ownership configuration.
type OwnershipControls struct {
	Rules []OwnershipControlsRule
}

// OwnershipControlsRule is one rule: ObjectOwnership is BucketOwnerEnforced,
// BucketOwnerPreferred or ObjectWriter.
type OwnershipControlsRule struct {
	ObjectOwnership string
}

// GetBucketOwnershipControls is the output of
// `aws s3api get-bucket-ownership-controls`.
type GetBucketOwnershipControls struct {
	OwnershipControls *OwnershipControls
}

// Grantee is an ACL grantee: Type CanonicalUser (ID), Group (URI) or
// AmazonCustomerByEmail (EmailAddress).
type Grantee struct {
	DisplayName  string `json:",omitempty"`
	EmailAddress string `json:",omitempty"`
	ID           string `json:",omitempty"`
	Type         string
	URI          string `json:",omitempty"`
}

// Grant is one ACL grant: Permission is FULL_CONTROL, WRITE, WRITE_ACP,
// READ or READ_ACP.
type Grant struct {
	Grantee    *Grantee
	Permission string
}

// AccessControlPolicy is the output of get-bucket-acl and get-object-acl.
type AccessControlPolicy struct {
	Owner  *Owner
	Grants []Grant
}

// GetBucketLocation is the output of `aws s3api get-bucket-location`.
type GetBucketLocation struct {
	// LocationConstraint is null (nil) or "" for us-east-1, "EU" for
	// eu-west-1, else the region.
	LocationConstraint *string
}

// Region returns the bucket's region: us-east-1 for a null or empty
// constraint, eu-west-1 for the legacy "EU".
func (l *GetBucketLocation) Region() string {
	if l == nil || l.LocationConstraint == nil || *l.LocationConstraint == "" {
		return "us-east-1"
	}
	if *l.LocationConstraint == "EU" {
		return "eu-west-1"
	}
	return *l.LocationConstraint
}

// ServerSideEncryptionByDefault is a bucket's default encryption.
type ServerSideEncryptionByDefault struct {
	SSEAlgorithm   string
	KMSMasterKeyID string `json:",omitempty"`
}

// ServerSideEncryptionRule is one rule of a bucket's encryption configuration.
type ServerSideEncryptionRule struct {
	ApplyServerSideEncryptionByDefault *ServerSideEncryptionByDefault
	BucketKeyEnabled                   *bool `json:",omitempty"`
}

// ServerSideEncryptionConfiguration is a bucket's encryption configuration.
type ServerSideEncryptionConfiguration struct {
	Rules []ServerSideEncryptionRule
}

// GetBucketEncryption is the output of `aws s3api get-bucket-encryption`.
type GetBucketEncryption struct {
	ServerSideEncryptionConfiguration *ServerSideEncryptionConfiguration
}

// GetBucketRequestPayment is the output of
// `aws s3api get-bucket-request-payment`: Payer is BucketOwner or Requester.
type GetBucketRequestPayment struct {
	Payer string
}

// IndexDocument is a website's index document suffix.
type IndexDocument struct{ Suffix string }

// ErrorDocument is a website's error document key.
type ErrorDocument struct{ Key string }

// RedirectAllRequestsTo redirects every website request.
type RedirectAllRequestsTo struct {
	HostName string
	Protocol string `json:",omitempty"`
}

// RoutingRuleCondition is when a website routing rule applies.
type RoutingRuleCondition struct {
	HttpErrorCodeReturnedEquals string `json:",omitempty"`
	KeyPrefixEquals             string `json:",omitempty"`
}

// RoutingRuleRedirect is where a website routing rule redirects.
type RoutingRuleRedirect struct {
	HostName             string `json:",omitempty"`
	HttpRedirectCode     string `json:",omitempty"`
	Protocol             string `json:",omitempty"`
	ReplaceKeyPrefixWith string `json:",omitempty"`
	ReplaceKeyWith       string `json:",omitempty"`
}

// RoutingRule is one website routing rule.
type RoutingRule struct {
	Condition *RoutingRuleCondition `json:",omitempty"`
	Redirect  *RoutingRuleRedirect
}

// GetBucketWebsite is the output of `aws s3api get-bucket-website`.
type GetBucketWebsite struct {
	IndexDocument         *IndexDocument         `json:",omitempty"`
	ErrorDocument         *ErrorDocument         `json:",omitempty"`
	RedirectAllRequestsTo *RedirectAllRequestsTo `json:",omitempty"`
	RoutingRules          []RoutingRule          `json:",omitempty"`
}

// RestoreStatus is list-objects-v2's restore state of an archived object.
type RestoreStatus struct {
	IsRestoreInProgress bool
	RestoreExpiryDate   Timestamp
}

// Object is one entry of list-objects-v2's Contents.
type Object struct {
	Key               string
	LastModified      Timestamp
	ETag              string `json:",omitempty"`
	Size              int64
	StorageClass      string         `json:",omitempty"`
	Owner             *Owner         `json:",omitempty"`
	ChecksumAlgorithm []string       `json:",omitempty"`
	RestoreStatus     *RestoreStatus `json:",omitempty"`
}

// ListObjectsV2 is the output of `aws s3api list-objects-v2 --bucket B`
// (the CLI pages through and merges Contents).
type ListObjectsV2 struct {
	Contents       []Object
	CommonPrefixes []struct{ Prefix string } `json:",omitempty"`
	Name           string                    `json:",omitempty"`
	Prefix         string                    `json:",omitempty"`
	KeyCount       int64                     `json:",omitempty"`
	IsTruncated    bool                      `json:",omitempty"`
	// NextToken is set when the listing was cut (--max-items).
	NextToken string `json:",omitempty"`
}

// HeadObject is the output of `aws s3api head-object --bucket B --key K`.
type HeadObject struct {
	AcceptRanges            string `json:",omitempty"`
	LastModified            Timestamp
	ContentLength           int64
	ETag                    string `json:",omitempty"`
	ContentType             string `json:",omitempty"`
	ContentEncoding         string `json:",omitempty"`
	CacheControl            string `json:",omitempty"`
	ServerSideEncryption    string `json:",omitempty"`
	SSEKMSKeyId             string `json:",omitempty"`
	BucketKeyEnabled        *bool  `json:",omitempty"`
	SSECustomerAlgorithm    string `json:",omitempty"`
	StorageClass            string `json:",omitempty"`
	Restore                 string `json:",omitempty"`
	ArchiveStatus           string `json:",omitempty"`
	WebsiteRedirectLocation string `json:",omitempty"`
	VersionId               string `json:",omitempty"`
	DeleteMarker            *bool  `json:",omitempty"`
	Metadata                map[string]string
}

// KeyMetadata is describe-key's KeyMetadata.
type KeyMetadata struct {
	AWSAccountId          string
	KeyId                 string
	Arn                   string
	CreationDate          Timestamp
	Enabled               bool
	Description           string `json:",omitempty"`
	KeyUsage              string `json:",omitempty"`
	KeyState              string
	DeletionDate          *Timestamp `json:",omitempty"`
	Origin                string     `json:",omitempty"`
	KeyManager            string
	CustomerMasterKeySpec string   `json:",omitempty"`
	KeySpec               string   `json:",omitempty"`
	EncryptionAlgorithms  []string `json:",omitempty"`
	MultiRegion           bool     `json:",omitempty"`
}

// DescribeKey is the output of `aws kms describe-key --key-id ID`.
type DescribeKey struct {
	KeyMetadata *KeyMetadata
}

// GetKeyPolicy is the output of `aws kms get-key-policy --key-id ID
// [--policy-name default]`: Policy is the key policy as a JSON string.
type GetKeyPolicy struct {
	Policy     string
	PolicyName string `json:",omitempty"`
}

// CallerIdentity is the output of `aws sts get-caller-identity`.
type CallerIdentity struct {
	UserId  string
	Account string
	Arn     string
}

// APIError is the content of a file that records a refused or failed call
// instead of its output: {"Error": {"Code": "...", "Message": "..."}}.
type APIError struct {
	Code    string
	Message string `json:",omitempty"`
}

// errorFile is the shape of a file recording an APIError.
type errorFile struct {
	Error *APIError
}
