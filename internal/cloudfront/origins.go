package cloudfront

import (
	"strings"
)

// OriginKind is what an origin's domain name says it is. CloudFront infers
// the origin type from the domain (spec §7.1): an S3 REST endpoint is an
// S3 origin, an S3 website endpoint is a custom origin in front of a
// bucket, anything else is a custom origin.
type OriginKind int

const (
	// OriginCustom is any origin that is not an S3 endpoint.
	OriginCustom OriginKind = iota
	// OriginS3REST is a bucket's REST endpoint: S3 API requests, signed
	// or anonymous, XML errors.
	OriginS3REST
	// OriginS3Website is a bucket's static website endpoint: anonymous
	// GET/HEAD only, index documents, HTML errors.
	OriginS3Website
)

// String returns the kind's name (Custom, S3REST, S3Website).
func (k OriginKind) String() string {
	switch k {
	case OriginS3REST:
		return "S3REST"
	case OriginS3Website:
		return "S3Website"
	}
	return "Custom"
}

// OriginTarget is the classification of an origin domain name.
type OriginTarget struct {
	Kind OriginKind
	// Bucket is the bucket of an S3 endpoint ("" for Custom).
	Bucket string
	// Region is the Region named in the endpoint; "" for the legacy
	// global endpoint (BUCKET.s3.amazonaws.com, served from the bucket's
	// own Region), for the local forms and for Custom origins.
	Region string
}

// Local S3 endpoint suffixes: edgegate's own S3 under the loopback name
// localhost, so a distribution can name a local bucket without a DNS
// entry for it. (edgegate's forms, documented in docs/cloudfront.md.)
const (
	localS3RESTSuffix    = ".s3.localhost"
	localS3WebsiteSuffix = ".s3-website.localhost"
)

// ClassifyOrigin tells what an origin domain name refers to. It accepts,
// case-insensitively and with or without a trailing dot:
//
//	BUCKET.s3.REGION.amazonaws.com          S3REST, Region REGION
//	BUCKET.s3-REGION.amazonaws.com          S3REST, Region REGION (legacy dash form)
//	BUCKET.s3-external-1.amazonaws.com      S3REST, Region us-east-1 (legacy)
//	BUCKET.s3.amazonaws.com                 S3REST, Region "" (legacy global endpoint)
//	BUCKET.s3-website-REGION.amazonaws.com  S3Website, Region REGION
//	BUCKET.s3-website.REGION.amazonaws.com  S3Website, Region REGION
//	BUCKET.s3.localhost                     S3REST, Region "" (edgegate's local form)
//	BUCKET.s3-website.localhost             S3Website, Region "" (edgegate's local form)
//
// BUCKET may contain dots (my.site.s3.us-east-1.amazonaws.com is bucket
// my.site) but must be a valid S3 bucket name, and REGION must look like a
// Region code; any other domain, including one with a port, is Custom.
func ClassifyOrigin(domain string) OriginTarget {
	d := strings.TrimSuffix(strings.ToLower(domain), ".")
	custom := OriginTarget{Kind: OriginCustom}
	if d == "" || strings.ContainsAny(d, ":/ ") {
		return custom
	}
	s3 := func(kind OriginKind, bucket, region string) OriginTarget {
		if !validBucketName(bucket) {
			return custom
		}
		return OriginTarget{Kind: kind, Bucket: bucket, Region: region}
	}
	if b, ok := strings.CutSuffix(d, localS3WebsiteSuffix); ok {
		return s3(OriginS3Website, b, "")
	}
	if b, ok := strings.CutSuffix(d, localS3RESTSuffix); ok {
		return s3(OriginS3REST, b, "")
	}
	rest, ok := strings.CutSuffix(d, ".amazonaws.com")
	if !ok {
		return custom
	}
	// rest is BUCKET.ENDPOINT, where ENDPOINT is one or two labels.
	dot := strings.LastIndexByte(rest, '.')
	if dot < 0 {
		return custom
	}
	head, last := rest[:dot], rest[dot+1:]
	switch {
	case last == "s3":
		return s3(OriginS3REST, head, "")
	case last == "s3-external-1":
		return s3(OriginS3REST, head, "us-east-1")
	case strings.HasPrefix(last, "s3-website-"):
		if r := strings.TrimPrefix(last, "s3-website-"); validRegionCode(r) {
			return s3(OriginS3Website, head, r)
		}
		return custom
	case strings.HasPrefix(last, "s3-"):
		if r := strings.TrimPrefix(last, "s3-"); validRegionCode(r) {
			return s3(OriginS3REST, head, r)
		}
		return custom
	}
	// Two-label endpoints: s3.REGION and s3-website.REGION.
	if !validRegionCode(last) {
		return custom
	}
	dot = strings.LastIndexByte(head, '.')
	if dot < 0 {
		return custom
	}
	bucket, ep := head[:dot], head[dot+1:]
	switch ep {
	case "s3":
		return s3(OriginS3REST, bucket, last)
	case "s3-website":
		return s3(OriginS3Website, bucket, last)
	}
	return custom
}

// validBucketName reports whether b follows S3's bucket naming rules: 3
// to 63 lowercase letters, digits, dots and hyphens, beginning and ending
// with a letter or digit, no empty label.
func validBucketName(b string) bool {
	if len(b) < 3 || len(b) > 63 {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '.' || c == '-':
			if i == 0 || i == len(b)-1 {
				return false
			}
			if c == '.' && b[i-1] == '.' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// validRegionCode reports whether r has the form of an AWS Region code:
// letters-and-hyphens words ending in a number (us-east-1,
// ap-southeast-2, us-gov-west-1, eu-central-2).
func validRegionCode(r string) bool {
	parts := strings.Split(r, "-")
	if len(parts) < 3 || len(parts[0]) != 2 {
		return false
	}
	for i, p := range parts {
		if p == "" {
			return false
		}
		last := i == len(parts)-1
		for j := 0; j < len(p); j++ {
			c := p[j]
			if last && !(c >= '0' && c <= '9') || !last && !(c >= 'a' && c <= 'z') {
				return false
			}
		}
	}
	return true
}
