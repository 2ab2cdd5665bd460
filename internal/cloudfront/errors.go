package cloudfront

import (
	"encoding/xml"
	"fmt"
	"net/http"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// errorStatus maps each CloudFront error code edgegate sends to its HTTP
// status, as the botocore model's error shapes give them.
var errorStatus = map[string]int{
	"AccessDenied": 403, "InvalidArgument": 400, "MissingBody": 400, "MalformedInput": 400, "MalformedXML": 400,
	"InconsistentQuantities": 400, "IllegalUpdate": 400, "InvalidIfMatchVersion": 400, "PreconditionFailed": 412,
	"DistributionNotDisabled": 409, "DistributionAlreadyExists": 409, "NoSuchDistribution": 404, "NoSuchOrigin": 404,
	"IllegalOriginAccessConfiguration": 400, "InvalidOriginAccessControl": 400, "InvalidOriginAccessIdentity": 400,
	"InvalidDomainNameForOriginAccessControl": 400, "InvalidDefaultRootObject": 400, "InvalidErrorCode": 400,
	"InvalidResponseCode": 400, "InvalidRelativePath": 400, "InvalidTTLOrder": 400,
	"OriginAccessControlInUse": 409, "OriginAccessControlAlreadyExists": 409, "NoSuchOriginAccessControl": 404,
	"CloudFrontOriginAccessIdentityAlreadyExists": 409, "CloudFrontOriginAccessIdentityInUse": 409,
	"NoSuchCloudFrontOriginAccessIdentity": 404, "NoSuchInvalidation": 404,
	// InvalidationBatchAlreadyExists is not in the model; 409 like the
	// other AlreadyExists errors (UNCONFIRMED, spec §5.8).
	"InvalidationBatchAlreadyExists": 409,
	"TooManyInvalidationsInProgress": 400, "BatchTooLarge": 413, "InvalidTagging": 400, "NoSuchResource": 404,
	"NoSuchCachePolicy": 404, "NoSuchOriginRequestPolicy": 404, "CachePolicyAlreadyExists": 409, "CachePolicyInUse": 409,
	"IllegalDelete": 400, "OriginRequestPolicyAlreadyExists": 409, "OriginRequestPolicyInUse": 409,
	"CNAMEAlreadyExists": 409, "InvalidOrigin": 400, "InvalidViewerCertificate": 400,
	"InvalidGeoRestrictionParameter": 400, "InvalidLocationCode": 400, "InvalidProtocolSettings": 400,
	"InvalidMinimumProtocolVersion": 400, "InvalidRequiredProtocol": 400, "InvalidForwardCookies": 400,
	"InvalidHeadersForS3Origin": 400, "InvalidQueryStringParameters": 400, "InvalidOriginReadTimeout": 400,
	"InvalidOriginKeepaliveTimeout": 400, "TooManyOrigins": 400, "TooManyCacheBehaviors": 400,
	"TooManyDistributionCNAMEs": 400, "TooManyOriginCustomHeaders": 400, "TooManyHeadersInForwardedValues": 400,
	"TooManyCookieNamesInWhiteList": 400, "TooManyQueryStringParameters": 400, "TooManyDistributions": 400,
	"TooManyOriginAccessControls": 400, "TooManyCloudFrontOriginAccessIdentities": 400, "InvalidWebACLId": 400,
	"ResourceInUse": 409, "TooManyCachePolicies": 400, "TooManyOriginRequestPolicies": 400,
	"TooManyHeadersInCachePolicy": 400, "TooManyCookiesInCachePolicy": 400, "TooManyQueryStringsInCachePolicy": 400,
	"TooManyHeadersInOriginRequestPolicy": 400, "TooManyCookiesInOriginRequestPolicy": 400,
	"TooManyQueryStringsInOriginRequestPolicy": 400, "NoSuchResponseHeadersPolicy": 404,
	"TrustedKeyGroupDoesNotExist": 400, "TrustedSignerDoesNotExist": 400, "EntityNotFound": 404,
	"MethodNotAllowed": 405, "NotImplemented": 501, "InternalError": 500,
}

// cfError returns the CloudFront error code with a formatted message; the
// status comes from errorStatus (400 for a code missing there).
func cfError(code, format string, args ...any) *awsapi.Error {
	status, ok := errorStatus[code]
	if !ok {
		status = http.StatusBadRequest
	}
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return awsapi.New(status, code, msg)
}

var (
	errInternal = cfError("InternalError", "We encountered an internal error. Please try again.")
)

// errorResponse is CloudFront's error document.
type errorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Type      string   `xml:"Error>Type"`
	Code      string   `xml:"Error>Code"`
	Message   string   `xml:"Error>Message"`
	RequestID string   `xml:"RequestId"`
}

// WriteError renders e as CloudFront does: an ErrorResponse document whose
// Type is Sender for 4xx and Receiver for 5xx, with the request id in the
// body and in x-amz-request-id.
func WriteError(w http.ResponseWriter, requestID string, e *awsapi.Error) {
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	h.Set("Content-Type", "text/xml")
	h.Set("x-amz-request-id", requestID)
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	body, _ := xml.Marshal(errorResponse{Xmlns: namespace, Type: typ, Code: e.Code, Message: e.Message, RequestID: requestID})
	w.WriteHeader(e.Status)
	_, _ = w.Write([]byte(xml.Header))
	_, _ = w.Write(body)
}
