package s3

import (
	"encoding/xml"
	"net/http"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// Bucket configurations edgegate cannot set yet (CORS, lifecycle,
// replication, Object Lock, Transfer Acceleration, Requester Pays,
// versioning; logging is bucket_logging.go's). Their Get answers exactly what S3 answers for a
// bucket that has none of that configuration, which is what every bucket
// here is: an empty document, or the 404 that configuration's Get gives.
// Each Get is authorized with its own IAM action. Their Put and Delete
// answer 501 NotImplemented (see unsetBucketConfigs in router.go), so a
// configuration is never accepted and then ignored.
var (
	opGetBucketCors = operation{
		name: "GetBucketCors", action: "s3:GetBucketCORS", target: targetBucket,
		handle: notConfigured(errNoSuchCORSConfiguration),
	}
	opGetBucketLifecycleConfiguration = operation{
		name: "GetBucketLifecycleConfiguration", action: "s3:GetLifecycleConfiguration", target: targetBucket,
		handle: notConfigured(errNoSuchLifecycleConfiguration),
	}
	opGetBucketReplication = operation{
		name: "GetBucketReplication", action: "s3:GetReplicationConfiguration", target: targetBucket,
		handle: notConfigured(errReplicationConfigurationNotFound),
	}
	opGetObjectLockConfiguration = operation{
		name: "GetObjectLockConfiguration", action: "s3:GetBucketObjectLockConfiguration", target: targetBucket,
		handle: notConfigured(errObjectLockConfigurationNotFound),
	}
	opGetBucketAccelerateConfiguration = operation{
		name: "GetBucketAccelerateConfiguration", action: "s3:GetAccelerateConfiguration", target: targetBucket,
		handle: emptyConfig(&accelerateConfigurationXML{Xmlns: s3Namespace}),
	}
	opGetBucketRequestPayment = operation{
		name: "GetBucketRequestPayment", action: "s3:GetBucketRequestPayment", target: targetBucket,
		handle: emptyConfig(&requestPaymentConfigurationXML{Xmlns: s3Namespace, Payer: "BucketOwner"}),
	}
	opGetBucketVersioning = operation{
		name: "GetBucketVersioning", action: "s3:GetBucketVersioning", target: targetBucket,
		handle: emptyConfig(&versioningConfigurationXML{Xmlns: s3Namespace}),
	}
)

// The 404s of the Gets of configurations a bucket does not have, as S3
// words them; each names the bucket (BucketName).
var (
	errNoSuchCORSConfiguration          = awsapi.New(http.StatusNotFound, "NoSuchCORSConfiguration", "The CORS configuration does not exist")
	errNoSuchLifecycleConfiguration     = awsapi.New(http.StatusNotFound, "NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
	errReplicationConfigurationNotFound = awsapi.New(http.StatusNotFound, "ReplicationConfigurationNotFoundError", "The replication configuration was not found")
	errObjectLockConfigurationNotFound  = awsapi.New(http.StatusNotFound, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket")
)

// notConfigured returns a handler answering err (naming the bucket): the
// Get of a configuration no bucket here can have.
func notConfigured(err *awsapi.Error) func(*Service, http.ResponseWriter, *http.Request, *request) error {
	return func(_ *Service, _ http.ResponseWriter, _ *http.Request, q *request) error {
		return err.With("BucketName", q.bucket)
	}
}

// emptyConfig returns a handler answering 200 with doc: the document S3
// gives for a bucket that never had that configuration.
func emptyConfig(doc any) func(*Service, http.ResponseWriter, *http.Request, *request) error {
	return func(_ *Service, w http.ResponseWriter, _ *http.Request, _ *request) error {
		writeXML(w, http.StatusOK, doc)
		return nil
	}
}

// accelerateConfigurationXML is GetBucketAccelerateConfiguration's answer
// for a bucket on which Transfer Acceleration was never set: no Status.
type accelerateConfigurationXML struct {
	XMLName xml.Name `xml:"AccelerateConfiguration"`
	Xmlns   string   `xml:"xmlns,attr"`
}

// requestPaymentConfigurationXML is GetBucketRequestPayment's answer.
type requestPaymentConfigurationXML struct {
	XMLName xml.Name `xml:"RequestPaymentConfiguration"`
	Xmlns   string   `xml:"xmlns,attr"`
	Payer   string   `xml:"Payer"`
}

// versioningConfigurationXML is GetBucketVersioning's answer for a bucket
// that was never versioned: neither Status nor MfaDelete.
type versioningConfigurationXML struct {
	XMLName xml.Name `xml:"VersioningConfiguration"`
	Xmlns   string   `xml:"xmlns,attr"`
}
