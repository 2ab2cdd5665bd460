package s3

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/edgegate/edgegate/internal/store"
)

// Default bucket encryption (the ?encryption subresource). Deleting needs
// the Put action, as S3 authorizes it.
var (
	opGetBucketEncryption = operation{
		name: "GetBucketEncryption", action: "s3:GetEncryptionConfiguration", target: targetBucket,
		handle: (*Service).getBucketEncryption,
	}
	opPutBucketEncryption = operation{
		name: "PutBucketEncryption", action: "s3:PutEncryptionConfiguration", target: targetBucket,
		handle: (*Service).putBucketEncryption,
	}
	opDeleteBucketEncryption = operation{
		name: "DeleteBucketEncryption", action: "s3:PutEncryptionConfiguration", target: targetBucket,
		handle: (*Service).deleteBucketEncryption,
	}
)

// attrBucketEncryption is the bucket attribute holding the default
// encryption PutBucketEncryption set (JSON of defaultEncryption); absent
// means S3's default, SSE-S3 without a Bucket Key.
const attrBucketEncryption = "encryption"

// defaultEncryption is a bucket's default encryption: what an object
// write without x-amz-server-side-encryption gets.
type defaultEncryption struct {
	Algorithm        string `json:"alg"`           // AES256, aws:kms, aws:kms:dsse
	KMSMasterKeyID   string `json:"key,omitempty"` // as given (id, ARN or alias); "" = alias/aws/s3
	BucketKeyEnabled bool   `json:"bk,omitempty"`
}

// bucketEncryption returns bkt's default encryption; SSE-S3 (which every
// bucket has had since January 2023) when none was set or the record is
// unreadable.
func bucketEncryption(bkt *store.Bucket) defaultEncryption {
	def := defaultEncryption{Algorithm: sseAES256}
	if bkt == nil {
		return def
	}
	if raw, ok := bkt.Attrs[attrBucketEncryption]; ok {
		var d defaultEncryption
		if json.Unmarshal(raw, &d) == nil && d.Algorithm != "" {
			return d
		}
	}
	return def
}

// The ServerSideEncryptionConfiguration document.
type sseConfigXML struct {
	XMLName xml.Name     `xml:"ServerSideEncryptionConfiguration"`
	Rules   []sseRuleXML `xml:"Rule"`
	Other   []anyElem    `xml:",any"`
}

// anyElem catches elements a document should not have.
type anyElem struct {
	XMLName xml.Name
}

type sseRuleXML struct {
	Default          *sseByDefaultXML `xml:"ApplyServerSideEncryptionByDefault"`
	BucketKeyEnabled *string          `xml:"BucketKeyEnabled"`
	Other            []anyElem        `xml:",any"`
}

type sseByDefaultXML struct {
	SSEAlgorithm   string    `xml:"SSEAlgorithm"`
	KMSMasterKeyID *string   `xml:"KMSMasterKeyID"`
	Other          []anyElem `xml:",any"`
}

// sseConfigOut is GetBucketEncryption's answer.
type sseConfigOut struct {
	XMLName xml.Name `xml:"ServerSideEncryptionConfiguration"`
	Xmlns   string   `xml:"xmlns,attr"`
	Rule    struct {
		Default struct {
			SSEAlgorithm   string `xml:"SSEAlgorithm"`
			KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
		} `xml:"ApplyServerSideEncryptionByDefault"`
		BucketKeyEnabled bool `xml:"BucketKeyEnabled"`
	} `xml:"Rule"`
}

// parseBucketEncryption parses and checks a PutBucketEncryption body: one
// Rule with ApplyServerSideEncryptionByDefault naming AES256, aws:kms or
// aws:kms:dsse (else MalformedXML); KMSMasterKeyID only with SSE-KMS
// (else InvalidArgument).
func parseBucketEncryption(body []byte) (defaultEncryption, error) {
	var c sseConfigXML
	if err := xml.Unmarshal(body, &c); err != nil {
		return defaultEncryption{}, errMalformedXML
	}
	if (c.XMLName.Space != "" && c.XMLName.Space != s3Namespace) || len(c.Rules) != 1 || len(c.Other) > 0 {
		return defaultEncryption{}, errMalformedXML
	}
	rule := c.Rules[0]
	if rule.Default == nil || len(rule.Other) > 0 || len(rule.Default.Other) > 0 {
		return defaultEncryption{}, errMalformedXML
	}
	d := defaultEncryption{Algorithm: strings.TrimSpace(rule.Default.SSEAlgorithm)}
	switch d.Algorithm {
	case sseAES256, sseKMS, sseKMSDSSE:
	default:
		return defaultEncryption{}, errMalformedXML
	}
	if k := rule.Default.KMSMasterKeyID; k != nil {
		if d.Algorithm == sseAES256 {
			return defaultEncryption{}, errInvalidArgument.WithMessage("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse").
				With("ArgumentName", "ApplyServerSideEncryptionByDefault")
		}
		d.KMSMasterKeyID = strings.TrimSpace(*k)
	}
	if b := rule.BucketKeyEnabled; b != nil {
		switch strings.TrimSpace(*b) {
		case "true":
			d.BucketKeyEnabled = true
		case "false":
		default:
			return defaultEncryption{}, errMalformedXML
		}
	}
	return d, nil
}

// getBucketEncryption answers GetBucketEncryption: the bucket's default
// encryption, SSE-S3 for a bucket that never had another (AWS answers so
// for every bucket since January 2023 instead of
// ServerSideEncryptionConfigurationNotFoundError).
func (s *Service) getBucketEncryption(w http.ResponseWriter, r *http.Request, q *request) error {
	d := bucketEncryption(q.bkt)
	out := sseConfigOut{Xmlns: s3Namespace}
	out.Rule.Default.SSEAlgorithm = d.Algorithm
	out.Rule.Default.KMSMasterKeyID = d.KMSMasterKeyID
	out.Rule.BucketKeyEnabled = d.BucketKeyEnabled
	writeXML(w, http.StatusOK, &out)
	return nil
}

// putBucketEncryption answers PutBucketEncryption (200, no body). SSE-KMS
// needs the KMS service: without it the default is refused with
// NotImplemented rather than accepted and then failing every write.
func (s *Service) putBucketEncryption(w http.ResponseWriter, r *http.Request, q *request) error {
	body, err := readVerifiedBody(r, q, maxConfigBody, true)
	if err != nil {
		return err
	}
	d, err := parseBucketEncryption(body)
	if err != nil {
		return err
	}
	if d.Algorithm != sseAES256 && s.kms == nil {
		return errNotImplemented.WithMessage("edgegate does not implement SSE-KMS yet: no KMS service is configured, so the default encryption can only be AES256")
	}
	raw, _ := json.Marshal(d) // strings and a bool: cannot fail
	if err := s.putBucketAttr(r.Context(), q.bucket, attrBucketEncryption, raw); err != nil {
		return s.storeError(q, err)
	}
	writeEmpty(w, http.StatusOK)
	return nil
}

// deleteBucketEncryption answers DeleteBucketEncryption: 204, and the
// bucket's default is SSE-S3 again.
func (s *Service) deleteBucketEncryption(w http.ResponseWriter, r *http.Request, q *request) error {
	if err := s.putBucketAttr(r.Context(), q.bucket, attrBucketEncryption, nil); err != nil {
		return s.storeError(q, err)
	}
	writeEmpty(w, http.StatusNoContent)
	return nil
}
