package cloudfront

import (
	"encoding/hex"
	"io"
)

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	lowerAlnum = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// randomString returns prefix followed by n characters of alphabet.
func (s *Service) randomString(prefix string, n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		panic("cloudfront: reading randomness: " + err.Error())
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// newResourceID returns an id in the form of CloudFront's distribution,
// origin access control and origin access identity ids: E followed by 13
// uppercase letters and digits (EDFDVBD6EXAMPLE has 15; ids seen on AWS
// have 13 to 14 characters in all, UNCONFIRMED).
func (s *Service) newResourceID() string { return s.randomString("E", 13, upperAlnum) }

// newETag returns a fresh opaque ETag for a configuration version, in the
// form CloudFront uses (E2QWRUHAPOMQZL).
func (s *Service) newETag() string { return s.randomString("E", 13, upperAlnum) }

// newDomainLabel returns the first label of a distribution's domain name:
// d followed by 13 lowercase letters and digits (d111111abcdef8).
func (s *Service) newDomainLabel() string { return s.randomString("d", 13, lowerAlnum) }

// newInvalidationID returns an invalidation id: I followed by 25
// uppercase letters and digits (ids seen on AWS: I2J0I21PCUYOIK and,
// recently, 26 characters; UNCONFIRMED).
func (s *Service) newInvalidationID() string { return s.randomString("I", 25, upperAlnum) }

// newPolicyID returns a cache or origin request policy id: a random UUID,
// as CloudFront's policy ids are.
func (s *Service) newPolicyID() string {
	b := make([]byte, 16)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		panic("cloudfront: reading randomness: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newOAICanonicalID returns the S3 canonical user id of a new origin
// access identity: 96 lowercase hex digits (the length OAI canonical ids
// have on AWS, UNCONFIRMED), distinct from the 64-digit ids of accounts.
func (s *Service) newOAICanonicalID() string {
	b := make([]byte, 48)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		panic("cloudfront: reading randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// DistributionARN returns arn:aws:cloudfront::ACCOUNT:distribution/ID
// (CloudFront ARNs have no region).
func DistributionARN(account, id string) string {
	return "arn:aws:cloudfront::" + account + ":distribution/" + id
}

// resourceARN returns arn:aws:cloudfront::ACCOUNT:KIND/ID.
func resourceARN(account, kind, id string) string {
	return "arn:aws:cloudfront::" + account + ":" + kind + "/" + id
}
