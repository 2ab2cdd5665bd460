package originaccess

import (
	"fmt"
	"strings"

	"github.com/edgegate/edgegate/internal/policy"
)

// DistributionARN is the ARN of a distribution:
// arn:aws:cloudfront::ACCOUNT:distribution/ID.
func DistributionARN(account, id string) string {
	return "arn:aws:cloudfront::" + account + ":distribution/" + id
}

// ParseDistributionARN splits a distribution ARN into its account and id.
func ParseDistributionARN(arn string) (account, id string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "cloudfront" || parts[3] != "" {
		return "", "", fmt.Errorf("%q is not a CloudFront ARN", arn)
	}
	id, ok := strings.CutPrefix(parts[5], "distribution/")
	if !ok || id == "" || !isAccountID(parts[4]) {
		return "", "", fmt.Errorf("%q is not a distribution ARN", arn)
	}
	return parts[4], id, nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// oaiPathPrefix starts S3OriginConfig.OriginAccessIdentity.
const oaiPathPrefix = "origin-access-identity/cloudfront/"

// ParseOAIPath returns the id of an origin access identity as an origin's
// S3OriginConfig names it ("origin-access-identity/cloudfront/E2QWRUHAPOMQZL").
// ok is false for "" (no OAI) and for any other form.
func ParseOAIPath(s string) (id string, ok bool) {
	id, ok = strings.CutPrefix(s, oaiPathPrefix)
	if !ok || !isAlnum(id) {
		return "", false
	}
	return id, true
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// OAIARN is the IAM ARN a bucket policy names an origin access identity by:
// arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID.
func OAIARN(id string) string { return policy.OAIARNPrefix + id }
