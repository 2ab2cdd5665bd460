package awsapi

import "strings"

// ARN is a parsed Amazon Resource Name:
// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
type ARN struct {
	Partition, Service, Region, Account, Resource string
}

// String formats the ARN.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// ParseARN splits s into its six parts; ok is false when s is not an ARN.
// The resource part may itself contain colons.
func ParseARN(s string) (a ARN, ok bool) {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" {
		return ARN{}, false
	}
	return ARN{parts[1], parts[2], parts[3], parts[4], parts[5]}, true
}

// S3BucketARN returns arn:aws:s3:::BUCKET.
func S3BucketARN(bucket string) string { return "arn:aws:s3:::" + bucket }

// S3ObjectARN returns arn:aws:s3:::BUCKET/KEY.
func S3ObjectARN(bucket, key string) string { return "arn:aws:s3:::" + bucket + "/" + key }
