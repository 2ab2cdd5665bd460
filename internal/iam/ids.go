package iam

import (
	"crypto/rand"
	"io"
	"time"
)

// Identifier shapes, as AWS forms them:
//
//   - access key id: "AKIA" + 16 characters of the base32 alphabet
//     (AKIAIOSFODNN7EXAMPLE), 20 characters in all;
//   - IAM user, role and managed policy unique ids: "AIDA", "AROA" or
//     "ANPA" + 17 base32 characters (AIDAJ45Q7YFFAREXAMPLE), 21 in all,
//     the length AWS issues;
//   - temporary (STS) access key id: "ASIA" + 16 base32 characters;
//   - secret access key: 40 characters of the base64 alphabet
//     (wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY).
const (
	accessKeyPrefix = "AKIA"
	accessKeyIDLen  = 20
	tempKeyPrefix   = "ASIA"
	userIDPrefix    = "AIDA"
	roleIDPrefix    = "AROA"
	policyIDPrefix  = "ANPA"
	uniqueIDLen     = 21
	secretKeyLen    = 40
)

const (
	base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	base64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// randomString returns prefix followed by n-len(prefix) characters drawn
// uniformly from alphabet (whose length must divide 256) using src.
func randomString(src io.Reader, prefix string, n int, alphabet string) (string, error) {
	b := make([]byte, n)
	copy(b, prefix)
	rest := b[len(prefix):]
	if _, err := io.ReadFull(src, rest); err != nil {
		return "", err
	}
	for i, v := range rest {
		rest[i] = alphabet[int(v)%len(alphabet)]
	}
	return string(b), nil
}

func defaultRand() io.Reader { return rand.Reader }

// isoTime formats t as IAM does: ISO 8601 in UTC with second precision.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
