package access

import (
	"net/http"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// S3's errors for ACLs, Object Ownership and Block Public Access. Codes,
// statuses and messages are S3's (ErrorResponses page, the Object Ownership
// troubleshooting page, and observed responses where noted). Functions
// return copies carrying the extra elements S3 adds.
var (
	// ErrMalformedACL: an AccessControlPolicy document that is not XML or
	// does not validate (no Owner, an unknown Permission or grantee type,
	// a grantee without its ID/URI/EmailAddress, more than MaxGrants grants).
	ErrMalformedACL = awsapi.New(http.StatusBadRequest, "MalformedACLError",
		"The XML you provided was not well-formed or did not validate against our published schema")

	// ErrMalformedXML: an OwnershipControls or PublicAccessBlockConfiguration
	// document that is not XML or does not validate.
	ErrMalformedXML = awsapi.New(http.StatusBadRequest, "MalformedXML",
		"The XML you provided was not well-formed or did not validate against our published schema")

	// ErrCannedAndGrants: x-amz-acl together with an x-amz-grant-* header.
	ErrCannedAndGrants = awsapi.New(http.StatusBadRequest, "InvalidRequest",
		"Specifying both Canned ACLs and Header Grants is not allowed")

	// ErrACLNotSupported: an ACL other than a bucket-owner-full-control one
	// sent to a bucket whose Object Ownership is BucketOwnerEnforced.
	ErrACLNotSupported = awsapi.New(http.StatusBadRequest, "AccessControlListNotSupported",
		"The bucket does not allow ACLs")

	// ErrInvalidBucketACLWithObjectOwnership: BucketOwnerEnforced set (by
	// CreateBucket or PutBucketOwnershipControls) on a bucket whose ACL
	// grants to anyone but the bucket owner.
	ErrInvalidBucketACLWithObjectOwnership = awsapi.New(http.StatusBadRequest, "InvalidBucketAclWithObjectOwnership",
		"Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")

	// ErrOwnershipControlsNotFound: GetBucketOwnershipControls on a bucket
	// without ownership controls.
	ErrOwnershipControlsNotFound = awsapi.New(http.StatusNotFound, "OwnershipControlsNotFoundError",
		"The bucket ownership controls were not found")

	// ErrNoSuchPublicAccessBlock: GetPublicAccessBlock (bucket or account)
	// with none set.
	ErrNoSuchPublicAccessBlock = awsapi.New(http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration",
		"The public access block configuration was not found")

	// ErrUnexpectedContent: PutBucketAcl/PutObjectAcl with both ACL
	// headers and an XML body (observed S3 answer).
	ErrUnexpectedContent = awsapi.New(http.StatusBadRequest, "UnexpectedContent",
		"This request does not support content")

	// ErrMissingSecurityHeader: PutBucketAcl/PutObjectAcl with neither ACL
	// headers nor a body.
	ErrMissingSecurityHeader = awsapi.New(http.StatusBadRequest, "MissingSecurityHeader",
		"Your request was missing a required header").With("MissingHeaderName", "x-amz-acl")

	// ErrPublicACLBlocked: a public ACL refused because BlockPublicAcls is
	// on (for the bucket or its account). UNCONFIRMED code (spec §1.6):
	// S3 is reported to answer 403 AccessDenied, which this is.
	ErrPublicACLBlocked = awsapi.ErrAccessDenied
)

// errInvalidCanned is x-amz-acl naming no canned ACL: S3 answers
// InvalidArgument with an empty message.
func errInvalidCanned(name string) *awsapi.Error {
	return awsapi.New(http.StatusBadRequest, "InvalidArgument", "").
		With("ArgumentName", "x-amz-acl").With("ArgumentValue", name)
}

// errGrantFormat is an x-amz-grant-* header that does not parse.
func errGrantFormat(header, value string) *awsapi.Error {
	return awsapi.New(http.StatusBadRequest, "InvalidArgument", "Argument format not recognized").
		With("ArgumentName", header).With("ArgumentValue", value)
}

// ErrInvalidID is a canonical user id grantee that names no account.
func ErrInvalidID(id string) *awsapi.Error {
	return awsapi.New(http.StatusBadRequest, "InvalidArgument", "Invalid id").
		With("ArgumentName", "CanonicalUser/ID").With("ArgumentValue", id)
}

// ErrInvalidGroupURI is a group grantee that names no S3 group.
func ErrInvalidGroupURI(uri string) *awsapi.Error {
	return awsapi.New(http.StatusBadRequest, "InvalidArgument", "Invalid group uri").
		With("ArgumentName", "Group/URI").With("ArgumentValue", uri)
}

// ErrUnresolvableEmail is an e-mail grantee that names no account.
func ErrUnresolvableEmail(email string) *awsapi.Error {
	return awsapi.New(http.StatusBadRequest, "UnresolvableGrantByEmailAddress",
		"The e-mail address you provided does not match any account on record.").
		With("EmailAddress", email)
}

// ErrInvalidOwnershipHeader is CreateBucket's x-amz-object-ownership naming
// no Object Ownership setting.
func ErrInvalidOwnershipHeader(v string) *awsapi.Error {
	return awsapi.New(http.StatusBadRequest, "InvalidArgument", "Invalid x-amz-object-ownership header: "+v).
		With("ArgumentName", "x-amz-object-ownership").With("ArgumentValue", v)
}
