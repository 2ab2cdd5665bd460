package sigv4

import (
	"net/http"
	"strconv"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// The errors Verify and Result.Body return. Codes, statuses and messages
// are S3's; callers render them in their service's wire format.
var (
	errSigV2 = awsapi.New(http.StatusBadRequest, "InvalidRequest",
		"The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
	errUnsupportedAuthType = awsapi.New(http.StatusBadRequest, "InvalidArgument", "Unsupported Authorization Type")
	errTwoAuthMechanisms   = awsapi.New(http.StatusBadRequest, "InvalidArgument",
		"Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
	errNotImplemented = awsapi.New(http.StatusNotImplemented, "NotImplemented",
		"A header you provided implies functionality that is not implemented")

	errHeaderMalformed = awsapi.New(http.StatusBadRequest, "AuthorizationHeaderMalformed",
		"The authorization header is malformed; the authorization header requires three components: Credential, SignedHeaders, and Signature.")
	errQueryParams = awsapi.New(http.StatusBadRequest, "AuthorizationQueryParametersError",
		"Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")

	errMissingDate = awsapi.ErrAccessDenied.WithMessage("AWS authentication requires a valid Date or x-amz-date header")
	errExpired     = awsapi.ErrAccessDenied.WithMessage("Request has expired")
	errNotYetValid = awsapi.ErrAccessDenied.WithMessage("Request is not valid yet")
	errNotSigned   = awsapi.ErrAccessDenied.WithMessage("There were headers present in the request which were not signed")

	errMissingContentSHA256 = awsapi.New(http.StatusBadRequest, "InvalidRequest",
		"Missing required header for this request: x-amz-content-sha256")
	errBadContentSHA256 = awsapi.New(http.StatusBadRequest, "InvalidArgument",
		"x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD, STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER or a valid sha256 value.")
	errContentSHA256Mismatch = awsapi.New(http.StatusBadRequest, "XAmzContentSHA256Mismatch",
		"The provided 'x-amz-content-sha256' header does not match what was computed.")
	errMissingDecodedLength = awsapi.New(http.StatusLengthRequired, "MissingContentLength",
		"You must provide the Content-Length HTTP header.")
	errBadDecodedLength = awsapi.New(http.StatusBadRequest, "InvalidArgument",
		"x-amz-decoded-content-length must be a non-negative integer")

	// ErrIncompleteBody is returned by Result.Body's Read when the payload
	// ends early or its aws-chunked framing is broken.
	ErrIncompleteBody = awsapi.New(http.StatusBadRequest, "IncompleteBody",
		"The request body terminated unexpectedly")
	errDecodedLengthMismatch = awsapi.New(http.StatusBadRequest, "IncompleteBody",
		"You did not provide the number of bytes specified by the Content-Length HTTP header")
	// ErrMalformedTrailer is returned by Result.Body's Read when the
	// trailing headers of an aws-chunked body are malformed, not declared
	// in x-amz-trailer, or missing.
	ErrMalformedTrailer = awsapi.New(http.StatusBadRequest, "MalformedTrailerError",
		"The request contained trailing data that was not well-formed or did not conform to our published schema.")
	errBodyTooLarge = awsapi.New(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
		"Request body is larger than this service accepts")
)

const credentialForm = `the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`

// authError is how a header-auth or query-auth parse failure is reported:
// the same fact phrased as S3 phrases it for each form.
func malformed(presigned bool, detail string) *awsapi.Error {
	if presigned {
		return errQueryParams.WithMessage(detail)
	}
	return errHeaderMalformed.WithMessage("The authorization header is malformed; " + detail)
}

func credentialMalformed(presigned bool) *awsapi.Error {
	if presigned {
		return errQueryParams.WithMessage("Error parsing the X-Amz-Credential parameter; " + credentialForm)
	}
	return malformed(false, credentialForm)
}

func badTerminal(presigned bool, term string) *awsapi.Error {
	msg := "incorrect terminal " + strconv.Quote(term) + `. This endpoint uses "aws4_request".`
	if presigned {
		return errQueryParams.WithMessage("Error parsing the X-Amz-Credential parameter; " + msg)
	}
	return malformed(false, msg)
}

func badCredentialDate(presigned bool) *awsapi.Error {
	return malformed(presigned, "Invalid credential date. Date is not the same as X-Amz-Date.")
}

// WrongRegionError is S3's answer to a credential scope naming another
// region than the endpoint's (the verifier does not enforce the region;
// routing code that does can return this).
func WrongRegionError(region, expected string, presigned bool) *awsapi.Error {
	msg := "the region '" + region + "' is wrong; expecting '" + expected + "'"
	var e *awsapi.Error
	if presigned {
		e = errQueryParams.WithMessage("Error parsing the X-Amz-Credential parameter; " + msg)
	} else {
		e = malformed(false, msg)
	}
	return e.With("Region", expected)
}

func invalidAccessKey(akid string) *awsapi.Error {
	return awsapi.ErrInvalidAccessKeyID.With("AWSAccessKeyId", akid)
}

const isoExtended = "2006-01-02T15:04:05Z"

func tooSkewed(requestTime string, now time.Time, maxSkew time.Duration) *awsapi.Error {
	return awsapi.ErrRequestTimeTooSkewed.
		With("RequestTime", requestTime).
		With("ServerTime", now.UTC().Format(isoExtended)).
		With("MaxAllowedSkewMilliseconds", strconv.FormatInt(maxSkew.Milliseconds(), 10))
}

func expired(expires string, at, now time.Time) *awsapi.Error {
	return errExpired.
		With("X-Amz-Expires", expires).
		With("Expires", at.UTC().Format(isoExtended)).
		With("ServerTime", now.UTC().Format(isoExtended))
}

// hexBytes renders s as S3 does in StringToSignBytes: two lower-case hex
// digits per byte, separated by spaces.
func hexBytes(s string) string {
	if s == "" {
		return ""
	}
	b := make([]byte, 0, len(s)*3-1)
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, lowerHex[s[i]>>4], lowerHex[s[i]&15])
	}
	return string(b)
}

func signatureMismatch(akid, stringToSign, provided, canonical string) *awsapi.Error {
	e := *awsapi.ErrSignatureDoesNotMatch
	e.Fields = []awsapi.Field{
		{Name: "AWSAccessKeyId", Value: akid},
		{Name: "StringToSign", Value: stringToSign},
		{Name: "SignatureProvided", Value: provided},
		{Name: "StringToSignBytes", Value: hexBytes(stringToSign)},
		{Name: "CanonicalRequest", Value: canonical},
		{Name: "CanonicalRequestBytes", Value: hexBytes(canonical)},
	}
	return &e
}
