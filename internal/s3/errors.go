package s3

import (
	"net/http"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// S3's error codes, statuses and messages (from the S3 API reference's
// ErrorResponses page). Handlers return these, adding fields with With.
var (
	errAccessDenied = awsapi.ErrAccessDenied

	errBadDigest                 = awsapi.New(http.StatusBadRequest, "BadDigest", "The Content-MD5 you specified did not match what we received.")
	errInvalidDigest             = awsapi.New(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified is not valid.")
	errBucketAlreadyExists       = awsapi.New(http.StatusConflict, "BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
	errBucketAlreadyOwnedByYou   = awsapi.New(http.StatusConflict, "BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.")
	errBucketNotEmpty            = awsapi.New(http.StatusConflict, "BucketNotEmpty", "The bucket you tried to delete is not empty")
	errEntityTooLarge            = awsapi.New(http.StatusBadRequest, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.")
	errEntityTooSmall            = awsapi.New(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.")
	errIncompleteBody            = awsapi.New(http.StatusBadRequest, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header")
	errInvalidArgument           = awsapi.New(http.StatusBadRequest, "InvalidArgument", "Invalid Argument")
	errInvalidBucketName         = awsapi.New(http.StatusBadRequest, "InvalidBucketName", "The specified bucket is not valid.")
	errInvalidLocationConstraint = awsapi.New(http.StatusBadRequest, "InvalidLocationConstraint", "The specified location-constraint is not valid")
	errIllegalLocationConstraint = awsapi.New(http.StatusBadRequest, "IllegalLocationConstraintException", "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	errInvalidObjectState        = awsapi.New(http.StatusForbidden, "InvalidObjectState", "The operation is not valid for the object's storage class")
	errInvalidPart               = awsapi.New(http.StatusBadRequest, "InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.")
	errInvalidPartOrder          = awsapi.New(http.StatusBadRequest, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.")
	errInvalidRange              = awsapi.New(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable")
	errInvalidRequest            = awsapi.New(http.StatusBadRequest, "InvalidRequest", "Invalid Request")
	errInvalidStorageClass       = awsapi.New(http.StatusBadRequest, "InvalidStorageClass", "The storage class you specified is not valid")
	errKeyTooLong                = awsapi.New(http.StatusBadRequest, "KeyTooLongError", "Your key is too long")
	errMalformedXML              = awsapi.New(http.StatusBadRequest, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	errMetadataTooLarge          = awsapi.New(http.StatusBadRequest, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size.")
	errMethodNotAllowed          = awsapi.New(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	errMissingContentLength      = awsapi.New(http.StatusLengthRequired, "MissingContentLength", "You must provide the Content-Length HTTP header.")
	errNoSuchBucket              = awsapi.New(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
	errNoSuchKey                 = awsapi.New(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
	errNoSuchUpload              = awsapi.New(http.StatusNotFound, "NoSuchUpload", "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
	errNotImplemented            = awsapi.New(http.StatusNotImplemented, "NotImplemented", "A header you provided implies functionality that is not implemented")
	errPreconditionFailed        = awsapi.New(http.StatusPreconditionFailed, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold")
	errTooManyBuckets            = awsapi.New(http.StatusBadRequest, "TooManyBuckets", "You have attempted to create more buckets than allowed")
	errMalformedACLError         = awsapi.New(http.StatusBadRequest, "MalformedACLError", "The XML you provided was not well-formed or did not validate against our published schema")
	errInvalidChecksum           = awsapi.New(http.StatusBadRequest, "BadDigest", "The checksum you specified did not match what we received.")
	errMaxMessageLengthExceeded  = awsapi.New(http.StatusBadRequest, "MaxMessageLengthExceeded", "Your request was too big.")
	errInternal                  = awsapi.ErrInternal
	errMalformedPolicyBase       = awsapi.New(http.StatusBadRequest, "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")
	errNoSuchBucketPolicy        = awsapi.New(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist")
)

// noSuchBucket returns NoSuchBucket naming the bucket, as S3 does.
func noSuchBucket(bucket string) *awsapi.Error { return errNoSuchBucket.With("BucketName", bucket) }

// noSuchKey returns NoSuchKey naming the key, as S3 does.
func noSuchKey(key string) *awsapi.Error { return errNoSuchKey.With("Key", key) }

// Added by the object operations (GetObject?partNumber beyond the parts).
var errInvalidPartNumber = awsapi.New(http.StatusRequestedRangeNotSatisfiable, "InvalidPartNumber", "The requested partnumber is not satisfiable")
