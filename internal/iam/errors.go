package iam

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// IAM's and STS's error codes and statuses (botocore iam/sts models and the
// IAM API reference's Common Errors). Handlers return these; WriteIAMError
// and WriteSTSError render them.
var (
	errNoSuchEntity        = awsapi.New(http.StatusNotFound, "NoSuchEntity", "The request was rejected because it referenced a resource entity that does not exist.")
	errEntityAlreadyExists = awsapi.New(http.StatusConflict, "EntityAlreadyExists", "The request was rejected because it attempted to create a resource that already exists.")
	errDeleteConflict      = awsapi.New(http.StatusConflict, "DeleteConflict", "Cannot delete entity, must delete access keys first.")
	errKeyLimitExceeded    = awsapi.New(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
	errUnmodifiableEntity  = awsapi.New(http.StatusBadRequest, "UnmodifiableEntity", "The entity cannot be modified.")
	errValidation          = awsapi.New(http.StatusBadRequest, "ValidationError", "The input fails to satisfy the constraints specified by an AWS service.")
	errInvalidInput        = awsapi.New(http.StatusBadRequest, "InvalidInput", "The request was rejected because an invalid or out-of-range value was supplied for an input parameter.")
	errInvalidAction       = awsapi.New(http.StatusBadRequest, "InvalidAction", "The action or operation requested is invalid.")
	errMissingAction       = awsapi.New(http.StatusBadRequest, "MissingAction", "Missing Action")
	errMalformedQuery      = awsapi.New(http.StatusNotFound, "MalformedQueryString", "The query string contains a syntax error.")
	errMissingAuthToken    = awsapi.New(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	errAccessDenied        = awsapi.New(http.StatusForbidden, "AccessDenied", "Access Denied")
	errInvalidClientToken  = awsapi.New(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
	errSignatureMismatch   = awsapi.New(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	errServiceFailure      = awsapi.New(http.StatusInternalServerError, "ServiceFailure", "The request processing has failed because of an unknown error, exception or failure.")
	errInternalFailure     = awsapi.New(http.StatusInternalServerError, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.")
	errMalformedPolicy     = awsapi.New(http.StatusBadRequest, "MalformedPolicyDocument", "The request was rejected because the policy document was malformed.")
	errLimitExceeded       = awsapi.New(http.StatusConflict, "LimitExceeded", "The request was rejected because it attempted to create resources beyond the current AWS account limits.")
	errExpiredTokenQuery   = awsapi.New(http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired")
)

// The session-token errors of CheckSessionToken, spelled as S3 sends them
// (the front door renders them in the called service's format; IAM and
// STS send InvalidClientTokenId and 403 ExpiredToken instead, see
// queryError).
var (
	errSessionTokenInvalid = awsapi.New(http.StatusBadRequest, "InvalidToken", "The provided token is malformed or otherwise invalid.")
	errSessionTokenExpired = awsapi.New(http.StatusBadRequest, "ExpiredToken", "The provided token has expired.")
)

// noSuchEntity is NoSuchEntity for the user, role, group, user policy or
// role policy (kind) named name.
func noSuchEntity(kind, name string) *awsapi.Error {
	return errNoSuchEntity.WithMessage("The " + kind + " with name " + name + " cannot be found.")
}

func roleExists(name string) *awsapi.Error {
	return errEntityAlreadyExists.WithMessage("Role with name " + name + " already exists.")
}

func policyExists(name string) *awsapi.Error {
	return errEntityAlreadyExists.WithMessage("A policy called " + name + " already exists. Duplicate names are not allowed.")
}

func noSuchPolicy(arn string) *awsapi.Error {
	return errNoSuchEntity.WithMessage("Policy " + arn + " was not found.")
}

func notAttachable(arn string) *awsapi.Error {
	return errNoSuchEntity.WithMessage("Policy " + arn + " does not exist or is not attachable.")
}

func noSuchPolicyVersion(arn, version string) *awsapi.Error {
	return errNoSuchEntity.WithMessage("Policy " + arn + " version " + version + " does not exist or is not attachable.")
}

// explicitDenied is IAM's denial by a Deny statement of an identity policy.
func explicitDenied(principalARN, action, resource string) *awsapi.Error {
	return errAccessDenied.WithMessage(fmt.Sprintf(
		"User: %s is not authorized to perform: %s on resource: %s with an explicit deny in an identity-based policy",
		principalARN, action, resource))
}

// notAuthorized is the plain form of AccessDenied that STS AssumeRole sends.
func notAuthorized(principalARN, action, resource string) *awsapi.Error {
	return errAccessDenied.WithMessage("User: " + principalARN + " is not authorized to perform: " + action + " on resource: " + resource)
}

func noSuchAccessKey(id string) *awsapi.Error {
	return errNoSuchEntity.WithMessage("The Access Key with id " + id + " cannot be found.")
}

func userExists(name string) *awsapi.Error {
	return errEntityAlreadyExists.WithMessage("User with name " + name + " already exists.")
}

func invalidOperation(action, version string) *awsapi.Error {
	if version == "" {
		version = "NO_VERSION_SPECIFIED"
	}
	return errInvalidAction.WithMessage("Could not find operation " + action + " for version " + version)
}

// accessDenied is IAM's denial of an action for want of an allowing
// identity policy, in the form AWS uses for same-account callers.
func accessDenied(principalARN, action, resource string) *awsapi.Error {
	return errAccessDenied.WithMessage(fmt.Sprintf(
		"User: %s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
		principalARN, action, resource, action))
}

// queryError translates an error that the front door (SigV4 verification)
// or a handler produced into the form IAM and STS send: S3 spellings of the
// shared authentication errors become the query-protocol ones. internal is
// the code the service uses for 500s.
func queryError(e *awsapi.Error, internal *awsapi.Error) *awsapi.Error {
	switch e.Code {
	case awsapi.ErrInvalidAccessKeyID.Code, errSessionTokenInvalid.Code:
		return errInvalidClientToken
	case errSessionTokenExpired.Code:
		return errExpiredTokenQuery
	case awsapi.ErrSignatureDoesNotMatch.Code:
		if e.Message == awsapi.ErrSignatureDoesNotMatch.Message {
			return errSignatureMismatch
		}
		return errSignatureMismatch.WithMessage(e.Message)
	case awsapi.ErrRequestTimeTooSkewed.Code:
		// IAM and STS report clock skew as an expired signature.
		msg := e.Message
		if msg == awsapi.ErrRequestTimeTooSkewed.Message {
			msg = "Signature expired: the request time is too far from the server's time (more than 15 minutes)."
		}
		return errSignatureMismatch.WithMessage(msg)
	case awsapi.ErrInternal.Code:
		return internal
	}
	return e
}

// validation collects constraint violations of one request and renders them
// as IAM does: "1 validation error detected: Value 'x' at 'userName' failed
// to satisfy constraint: Member must satisfy regular expression pattern: …".
type validation struct {
	msgs []string
}

// fail records that member (camelCase, as AWS names it) with value v (nil
// for a missing value) violates constraint.
func (v *validation) fail(member string, value *string, constraint string) {
	val := "null"
	if value != nil {
		val = "'" + *value + "'"
	}
	v.msgs = append(v.msgs, "Value "+val+" at '"+member+"' failed to satisfy constraint: Member "+constraint)
}

func (v *validation) err() *awsapi.Error {
	switch len(v.msgs) {
	case 0:
		return nil
	case 1:
		return errValidation.WithMessage("1 validation error detected: " + v.msgs[0])
	}
	return errValidation.WithMessage(fmt.Sprintf("%d validation errors detected: %s", len(v.msgs), strings.Join(v.msgs, "; ")))
}
