// Package identity defines who made a request: the principal kinds of
// spec §1.1 and the Principal value every authorization step receives.
package identity

// PrincipalType says what kind of caller made a request.
type PrincipalType uint8

// The principal kinds of spec §1.1.
const (
	Anonymous   PrincipalType = iota // unsigned request
	Root                             // an account's root user
	User                             // an IAM user
	AssumedRole                      // an STS role session
	Service                          // an AWS service principal (cloudfront.amazonaws.com)
	OAI                              // a CloudFront origin access identity
)

// String names the type as aws:PrincipalType does.
func (t PrincipalType) String() string {
	switch t {
	case Anonymous:
		return "Anonymous"
	case Root:
		return "Account"
	case User:
		return "User"
	case AssumedRole:
		return "AssumedRole"
	case Service:
		return "AWSService"
	case OAI:
		return "CloudFrontOriginAccessIdentity"
	}
	return "Unknown"
}

// AnonymousCanonicalID is the canonical user id S3 gives the anonymous user.
const AnonymousCanonicalID = "65a011a29cdf8ec533ec3d1ccaae921c"

// Principal is the authenticated caller of one request. It is a small value
// type: copy it freely.
type Principal struct {
	Type PrincipalType
	// Account is the 12-digit id of the principal's account; "" for the
	// anonymous user and for service principals.
	Account string
	// ARN is the principal's ARN (arn:aws:iam::ACCT:root, ...:user/NAME,
	// arn:aws:sts::ACCT:assumed-role/ROLE/SESSION for a role session);
	// for a service principal its service name; "" for anonymous.
	ARN string
	// RoleARN is set for role sessions (Type AssumedRole) only: the ARN of
	// the assumed role, path included (arn:aws:iam::ACCT:role/PATH/NAME).
	// It is aws:PrincipalArn, and what a policy naming the role matches.
	RoleARN string
	// UserID is aws:userid: the account id for root, the user's unique id
	// (AIDA...) for IAM users, "AROA...:SESSION" (role id and session name)
	// for role sessions, "anonymous" for anonymous.
	UserID string
	// UserName is set for IAM users only.
	UserName string
	// CanonicalID is the S3 canonical user id of the principal's account
	// (AnonymousCanonicalID for anonymous); objects written by the principal
	// are owned by it.
	CanonicalID string
	// DisplayName is the account's display name as S3 shows owners.
	DisplayName string
	// AccessKeyID is the key that signed the request, if any.
	AccessKeyID string
}

// AnonymousPrincipal is the caller of every unsigned request.
var AnonymousPrincipal = Principal{Type: Anonymous, UserID: "anonymous", CanonicalID: AnonymousCanonicalID}

// IsAnonymous reports whether p is the anonymous user.
func (p Principal) IsAnonymous() bool { return p.Type == Anonymous }
