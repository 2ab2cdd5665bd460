package sigv4

import (
	"net/http"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// S3 and the other AWS services word the same authentication failures
// differently. Verify builds S3's errors and, once the credential scope
// names another service, rewrites them as that service answers:
//
//   - query and REST-XML services (iam, sts, cloudfront, ...):
//     InvalidClientTokenId (403) for an unknown key, SignatureDoesNotMatch
//     (403) with their own message for a bad signature and for clock skew
//     ("Signature expired: ..."), IncompleteSignature (400) for a malformed
//     Authorization header or presign parameters;
//   - JSON services (kms): UnrecognizedClientException (400),
//     InvalidSignatureException (400) and IncompleteSignatureException (400).
//
// The diagnostic fields (StringToSign, CanonicalRequest, ...) are kept.

const (
	msgInvalidToken = "The security token included in the request is invalid."
	msgBadSignature = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

var jsonServices = map[string]bool{"kms": true}

// forService rewrites an S3-worded authentication error for service.
// now is the server time (for the skew message).
func forService(e *awsapi.Error, service string, now time.Time, maxSkew time.Duration) *awsapi.Error {
	if service == "s3" || service == "" {
		return e
	}
	json := jsonServices[service]
	c := *e
	switch e.Code {
	case "InvalidAccessKeyId":
		c.Code, c.Status, c.Message = "InvalidClientTokenId", http.StatusForbidden, msgInvalidToken
		if json {
			c.Code, c.Status = "UnrecognizedClientException", http.StatusBadRequest
		}
		c.Fields = nil
	case "SignatureDoesNotMatch":
		c.Message = msgBadSignature
		if json {
			c.Code, c.Status = "InvalidSignatureException", http.StatusBadRequest
		}
	case "RequestTimeTooSkewed":
		reqTime := e.Field("RequestTime")
		nowS := now.UTC().Format(amzDateLayout)
		mins := formatMinutes(maxSkew)
		if t, ok := parseAmzDate(reqTime); ok && t.After(now) {
			c.Message = "Signature not yet current: " + reqTime + " is still later than " +
				now.Add(maxSkew).UTC().Format(amzDateLayout) + " (" + nowS + " + " + mins + " min.)"
		} else {
			c.Message = "Signature expired: " + reqTime + " is now earlier than " +
				now.Add(-maxSkew).UTC().Format(amzDateLayout) + " (" + nowS + " - " + mins + " min.)"
		}
		c.Code, c.Status, c.Fields = "SignatureDoesNotMatch", http.StatusForbidden, nil
		if json {
			c.Code, c.Status = "InvalidSignatureException", http.StatusBadRequest
		}
	case "AuthorizationHeaderMalformed", "AuthorizationQueryParametersError":
		c.Code, c.Status = "IncompleteSignature", http.StatusBadRequest
		if json {
			c.Code = "IncompleteSignatureException"
		}
	default:
		return e
	}
	return &c
}

func formatMinutes(d time.Duration) string {
	m := int64(d / time.Minute)
	if m <= 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for m > 0 {
		i--
		b[i] = byte('0' + m%10)
		m /= 10
	}
	return string(b[i:])
}
