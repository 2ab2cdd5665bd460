package kms

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// KMS's error codes and statuses. The codes are the botocore kms model's
// exception shapes and the common errors of the JSON protocol; the
// statuses are what KMS sends on the wire (observed: AccessDeniedException,
// DisabledException and KMSInvalidStateException all arrive with 400,
// although the API reference lists 409 for the last two). Handlers return
// these; WriteError renders them.
var (
	errNotFound            = awsapi.New(http.StatusBadRequest, "NotFoundException", "")
	errDisabled            = awsapi.New(http.StatusBadRequest, "DisabledException", "")
	errInvalidState        = awsapi.New(http.StatusBadRequest, "KMSInvalidStateException", "")
	errAccessDenied        = awsapi.New(http.StatusBadRequest, "AccessDeniedException", "")
	errAlreadyExists       = awsapi.New(http.StatusBadRequest, "AlreadyExistsException", "")
	errInvalidAliasName    = awsapi.New(http.StatusBadRequest, "InvalidAliasNameException", "")
	errInvalidArn          = awsapi.New(http.StatusBadRequest, "InvalidArnException", "")
	errInvalidCiphertext   = awsapi.New(http.StatusBadRequest, "InvalidCiphertextException", "")
	errIncorrectKey        = awsapi.New(http.StatusBadRequest, "IncorrectKeyException", "The key ID in the request does not identify a CMK that can perform this operation.")
	errInvalidKeyUsage     = awsapi.New(http.StatusBadRequest, "InvalidKeyUsageException", "")
	errInvalidMarker       = awsapi.New(http.StatusBadRequest, "InvalidMarkerException", "Invalid marker")
	errInvalidGrantID      = awsapi.New(http.StatusBadRequest, "InvalidGrantIdException", "")
	errMalformedPolicy     = awsapi.New(http.StatusBadRequest, "MalformedPolicyDocumentException", "")
	errLimitExceeded       = awsapi.New(http.StatusBadRequest, "LimitExceededException", "")
	errUnsupported         = awsapi.New(http.StatusBadRequest, "UnsupportedOperationException", "")
	errTag                 = awsapi.New(http.StatusBadRequest, "TagException", "")
	errDryRun              = awsapi.New(http.StatusPreconditionFailed, "DryRunOperationException", "The request would have succeeded, but the DryRun option is set.")
	errValidation          = awsapi.New(http.StatusBadRequest, "ValidationException", "")
	errSerialization       = awsapi.New(http.StatusBadRequest, "SerializationException", "")
	errUnknownOperation    = awsapi.New(http.StatusBadRequest, "UnknownOperationException", "")
	errMissingAuth         = awsapi.New(http.StatusBadRequest, "MissingAuthenticationTokenException", "Missing Authentication Token")
	errUnrecognizedClient  = awsapi.New(http.StatusBadRequest, "UnrecognizedClientException", "The security token included in the request is invalid.")
	errInvalidSignature    = awsapi.New(http.StatusBadRequest, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	errExpiredToken        = awsapi.New(http.StatusBadRequest, "ExpiredTokenException", "The security token included in the request is expired")
	errInternal            = awsapi.New(http.StatusInternalServerError, "KMSInternalException", "The request was rejected because an internal exception occurred. The request can be retried.")
	errRequestEntityTooBig = awsapi.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLargeException", "Request body is too large")
)

// keyNotFound is NotFoundException for a key named by id or ARN.
func keyNotFound(arn string) *awsapi.Error {
	return errNotFound.WithMessage("Key '" + arn + "' does not exist")
}

// invalidKeyID is NotFoundException for a key identifier that is neither a
// key id, a key ARN, an alias name nor an alias ARN, or an alias where the
// operation accepts only key ids and key ARNs (that wording is
// UNCONFIRMED).
func invalidKeyID(id string) *awsapi.Error {
	return errNotFound.WithMessage("Invalid keyId " + id)
}

// aliasNotFound is NotFoundException for an alias that does not exist.
func aliasNotFound(aliasARN string) *awsapi.Error {
	return errNotFound.WithMessage("Alias " + aliasARN + " is not found.")
}

func keyDisabled(arn string) *awsapi.Error {
	return errDisabled.WithMessage(arn + " is disabled.")
}

func keyPendingDeletion(arn string) *awsapi.Error {
	return errInvalidState.WithMessage(arn + " is pending deletion.")
}

func keyNotPendingDeletion(arn string) *awsapi.Error {
	return errInvalidState.WithMessage(arn + " is not pending deletion.")
}

// validation collects constraint violations of one request and renders
// them as the AWS JSON services do: "1 validation error detected: Value
// 'x' at 'keyId' failed to satisfy constraint: Member must ...".
type validation struct{ msgs []string }

// fail records that member (camelCase) with value (nil for null, or for a
// sensitive value, which AWS does not echo) violates constraint.
func (v *validation) fail(member string, value *string, constraint string) {
	val := "Value null at"
	if value != nil {
		val = "Value '" + *value + "' at"
	}
	v.msgs = append(v.msgs, val+" '"+member+"' failed to satisfy constraint: Member "+constraint)
}

// sensitive records a violation of a sensitive member (Plaintext): AWS
// names the member without its value.
func (v *validation) sensitive(member, constraint string) {
	v.msgs = append(v.msgs, "Value at '"+member+"' failed to satisfy constraint: Member "+constraint)
}

func (v *validation) required(member string, present bool) {
	if !present {
		v.fail(member, nil, "must not be null")
	}
}

func (v *validation) length(member string, s *string, lo, hi int) {
	if s == nil {
		return
	}
	n := len([]rune(*s))
	switch {
	case n < lo:
		v.fail(member, s, "must have length greater than or equal to "+strconv.Itoa(lo))
	case n > hi:
		v.fail(member, s, "must have length less than or equal to "+strconv.Itoa(hi))
	}
}

func (v *validation) intRange(member string, n *int, lo, hi int) {
	if n == nil {
		return
	}
	s := strconv.Itoa(*n)
	switch {
	case *n < lo:
		v.fail(member, &s, "must have value greater than or equal to "+strconv.Itoa(lo))
	case *n > hi:
		v.fail(member, &s, "must have value less than or equal to "+strconv.Itoa(hi))
	}
}

func (v *validation) enum(member string, s *string, values []string) {
	if s == nil {
		return
	}
	for _, x := range values {
		if *s == x {
			return
		}
	}
	v.fail(member, s, "must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
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

// WriteError renders err as a KMS JSON error document
// {"__type":CODE,"message":MSG} with its status and the request-id headers,
// and returns the error sent. Errors that are not *awsapi.Error (nor an
// *AccessDeniedError) become 500 KMSInternalException and are logged; the
// S3 spellings of the shared SigV4 errors are sent as KMS spells them
// (InvalidAccessKeyId becomes UnrecognizedClientException,
// SignatureDoesNotMatch InvalidSignatureException).
func WriteError(w http.ResponseWriter, requestID string, err error) *awsapi.Error {
	e := toAPIError(requestID, err)
	var buf bytes.Buffer
	buf.WriteString(`{"__type":`)
	writeJSONString(&buf, e.Code)
	if e.Message != "" {
		buf.WriteString(`,"message":`)
		writeJSONString(&buf, e.Message)
	}
	buf.WriteByte('}')
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	setHeaders(w, requestID, buf.Len())
	w.WriteHeader(e.Status)
	_, _ = w.Write(buf.Bytes())
	return e
}

func writeJSONString(buf *bytes.Buffer, s string) {
	b, _ := json.Marshal(s)
	buf.Write(b)
}

func setHeaders(w http.ResponseWriter, requestID string, n int) {
	h := w.Header()
	h.Set("Content-Type", "application/x-amz-json-1.1")
	h.Set("Content-Length", strconv.Itoa(n))
	h.Set("X-Amz-Request-Id", requestID)
	h["x-amzn-RequestId"] = []string{requestID}
}

// toAPIError translates any error a handler or the front door produced
// into the error KMS sends.
func toAPIError(requestID string, err error) *awsapi.Error {
	var ad *AccessDeniedError
	if errors.As(err, &ad) {
		return ad.APIError()
	}
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae == nil {
		slog.Error("kms: internal error", "request_id", requestID, "err", err)
		return errInternal
	}
	switch ae.Code {
	case awsapi.ErrInvalidAccessKeyID.Code, "InvalidToken":
		return errUnrecognizedClient
	case "ExpiredToken":
		return errExpiredToken
	case awsapi.ErrSignatureDoesNotMatch.Code:
		if ae.Message == awsapi.ErrSignatureDoesNotMatch.Message {
			return errInvalidSignature
		}
		return errInvalidSignature.WithMessage(ae.Message)
	case awsapi.ErrRequestTimeTooSkewed.Code:
		return errInvalidSignature.WithMessage("Signature expired: the request time is too far from the server's time (more than 15 minutes).")
	case awsapi.ErrAccessDenied.Code:
		return errAccessDenied.WithMessage(ae.Message)
	case awsapi.ErrInternal.Code:
		return errInternal
	}
	return ae
}
