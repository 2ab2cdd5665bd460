package s3

import "strings"

// Bucket names reserved by S3 for its own features: a general purpose
// bucket may not start or end with these (S3 User Guide, "General purpose
// bucket naming rules").
var (
	reservedBucketPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
	reservedBucketSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}
)

// validBucketName reports whether name follows S3's naming rules for
// general purpose buckets:
//
//   - 3 to 63 characters;
//   - only lowercase letters, digits, dots and hyphens;
//   - begins and ends with a letter or digit;
//   - no two adjacent periods;
//   - not formatted as an IPv4 address (192.168.5.4);
//   - not starting with xn--, sthree- or amzn-s3-demo-, nor ending with
//     -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3.
//
// The legacy us-east-1 rules (uppercase letters, underscores, up to 255
// characters) have not been accepted for new buckets since 2018.
func validBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case c == '-':
		case c == '.':
			if i > 0 && name[i-1] == '.' {
				return false
			}
		default:
			return false
		}
	}
	if !isLowerAlnum(name[0]) || !isLowerAlnum(name[len(name)-1]) {
		return false
	}
	if looksLikeIPv4(name) {
		return false
	}
	for _, p := range reservedBucketPrefixes {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range reservedBucketSuffixes {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

func isLowerAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

// looksLikeIPv4 reports whether name is formatted as an IPv4 address: four
// dot-separated runs of digits (192.168.5.4, and also 192.168.05.4 or
// 999.1.1.1, which a stricter parser would refuse but S3's rule is about the
// format). S3 rejects those because virtual-hosted-style requests could not
// tell them from an endpoint address.
func looksLikeIPv4(name string) bool {
	labels := strings.Split(name, ".")
	if len(labels) != 4 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 3 {
			return false
		}
		for i := 0; i < len(l); i++ {
			if l[i] < '0' || l[i] > '9' {
				return false
			}
		}
	}
	return true
}

// invalidBucketName is S3's InvalidBucketName naming the bucket.
func invalidBucketName(name string) error {
	return errInvalidBucketName.With("BucketName", name)
}
