package s3

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/store"
)

// Server access logging configuration (the ?logging subresource of a
// bucket): PutBucketLogging and GetBucketLogging. What is logged, and how
// the log objects reach the target bucket, is in accesslog.go.
var (
	opGetBucketLogging = operation{
		name: "GetBucketLogging", action: "s3:GetBucketLogging", target: targetBucket,
		handle: (*Service).getBucketLogging,
	}
	opPutBucketLogging = operation{
		name: "PutBucketLogging", action: "s3:PutBucketLogging", target: targetBucket,
		handle: (*Service).putBucketLogging,
	}
)

// attrBucketLogging is the bucket attribute holding the bucket's
// LoggingEnabled (JSON of loggingConfig); absent means logging is off.
const attrBucketLogging = "logging"

// loggingConfig is a bucket's LoggingEnabled, as stored.
type loggingConfig struct {
	TargetBucket string `json:"bucket"`
	TargetPrefix string `json:"prefix"`
	// Partitioned is TargetObjectKeyFormat PartitionedPrefix (else
	// SimplePrefix, or no TargetObjectKeyFormat: the same keys);
	// DateSource its PartitionDateSource ("" = EventTime).
	Partitioned bool   `json:"partitioned,omitempty"`
	DateSource  string `json:"dateSource,omitempty"`
	// KeyFormatSet records that TargetObjectKeyFormat was given, so Get
	// shows it back as it was put.
	KeyFormatSet bool `json:"keyFormat,omitempty"`
	// Grants is the TargetGrants element as sent (inner XML), shown back
	// by Get. edgegate does not add these grants to the log objects
	// (docs/logs.md).
	Grants string `json:"grants,omitempty"`
}

// bucketLogging returns bkt's logging configuration; ok is false when
// logging is off (or the record is unreadable, which Put never writes).
func bucketLogging(bkt *store.Bucket) (loggingConfig, bool) {
	raw, ok := bkt.Attrs[attrBucketLogging]
	if !ok || len(raw) == 0 {
		return loggingConfig{}, false
	}
	var c loggingConfig
	if json.Unmarshal(raw, &c) != nil || c.TargetBucket == "" {
		return loggingConfig{}, false
	}
	return c, true
}

// The BucketLoggingStatus document (request and response).
type bucketLoggingStatusXML struct {
	XMLName        xml.Name           `xml:"BucketLoggingStatus"`
	Xmlns          string             `xml:"xmlns,attr,omitempty"`
	LoggingEnabled *loggingEnabledXML `xml:"LoggingEnabled"`
	Other          []anyElem          `xml:",any"`
}

type loggingEnabledXML struct {
	TargetBucket          *string             `xml:"TargetBucket"`
	TargetGrants          *innerXML           `xml:"TargetGrants"`
	TargetPrefix          *string             `xml:"TargetPrefix"`
	TargetObjectKeyFormat *targetKeyFormatXML `xml:"TargetObjectKeyFormat"`
	Other                 []anyElem           `xml:",any"`
}

type innerXML struct {
	Inner string `xml:",innerxml"`
}

type targetKeyFormatXML struct {
	SimplePrefix      *innerXML             `xml:"SimplePrefix"`
	PartitionedPrefix *partitionedPrefixXML `xml:"PartitionedPrefix"`
	Other             []anyElem             `xml:",any"`
}

type partitionedPrefixXML struct {
	PartitionDateSource string    `xml:"PartitionDateSource,omitempty"`
	Other               []anyElem `xml:",any"`
}

// S3's PutBucketLogging errors. The first message is S3's as observed;
// the others are UNCONFIRMED.
var (
	errTargetBucketMissing = awsapi.New(http.StatusBadRequest, "InvalidTargetBucketForLogging",
		"The target bucket for logging does not exist")
	errTargetBucketOwner = awsapi.New(http.StatusBadRequest, "InvalidTargetBucketForLogging",
		"The owner for the bucket to be logged and the target bucket must be the same.")
	errTargetBucketGrants = awsapi.New(http.StatusBadRequest, "InvalidTargetBucketForLogging",
		"The target bucket for logging has the bucket owner enforced setting for Object Ownership; TargetGrants cannot be used.")
	errCrossLocationLogging = awsapi.New(http.StatusForbidden, "CrossLocationLoggingProhibited",
		"Cross S3 location logging not allowed.")
)

// parseBucketLogging parses a PutBucketLogging body: a BucketLoggingStatus
// with no LoggingEnabled turns logging off (ok=false); a LoggingEnabled
// must have TargetBucket and TargetPrefix (the model requires both; an
// empty prefix is allowed) and at most one key format. Anything else is
// MalformedXML.
func parseBucketLogging(body []byte) (cfg loggingConfig, ok bool, err error) {
	var doc bucketLoggingStatusXML
	if err := xml.Unmarshal(body, &doc); err != nil {
		return cfg, false, errMalformedXML
	}
	if (doc.XMLName.Space != "" && doc.XMLName.Space != s3Namespace) || len(doc.Other) > 0 {
		return cfg, false, errMalformedXML
	}
	le := doc.LoggingEnabled
	if le == nil {
		return cfg, false, nil
	}
	if le.TargetBucket == nil || *le.TargetBucket == "" || le.TargetPrefix == nil || len(le.Other) > 0 {
		return cfg, false, errMalformedXML
	}
	cfg = loggingConfig{TargetBucket: *le.TargetBucket, TargetPrefix: *le.TargetPrefix}
	if le.TargetGrants != nil {
		cfg.Grants = le.TargetGrants.Inner
	}
	if f := le.TargetObjectKeyFormat; f != nil {
		if len(f.Other) > 0 || (f.SimplePrefix != nil) == (f.PartitionedPrefix != nil) {
			return cfg, false, errMalformedXML
		}
		cfg.KeyFormatSet = true
		if p := f.PartitionedPrefix; p != nil {
			if len(p.Other) > 0 {
				return cfg, false, errMalformedXML
			}
			switch p.PartitionDateSource {
			case "", "EventTime", "DeliveryTime":
			default:
				return cfg, false, errMalformedXML
			}
			cfg.Partitioned, cfg.DateSource = true, p.PartitionDateSource
		}
	}
	return cfg, true, nil
}

// getBucketLogging answers GetBucketLogging: the LoggingEnabled put, or
// an empty BucketLoggingStatus when logging is off.
func (s *Service) getBucketLogging(w http.ResponseWriter, _ *http.Request, q *request) error {
	out := bucketLoggingStatusXML{Xmlns: s3Namespace}
	if c, ok := bucketLogging(q.bkt); ok {
		le := &loggingEnabledXML{TargetBucket: &c.TargetBucket, TargetPrefix: &c.TargetPrefix}
		if c.Grants != "" {
			le.TargetGrants = &innerXML{Inner: c.Grants}
		}
		if c.KeyFormatSet {
			le.TargetObjectKeyFormat = &targetKeyFormatXML{}
			if c.Partitioned {
				le.TargetObjectKeyFormat.PartitionedPrefix = &partitionedPrefixXML{PartitionDateSource: c.DateSource}
			} else {
				le.TargetObjectKeyFormat.SimplePrefix = &innerXML{}
			}
		}
		out.LoggingEnabled = le
	}
	writeXML(w, http.StatusOK, &out)
	return nil
}

// putBucketLogging answers PutBucketLogging (200, no body). The body
// needs Content-MD5 or an x-amz-checksum-* (the model marks the
// operation httpChecksum required). A LoggingEnabled is checked against
// the target bucket as S3 does: it must exist (400
// InvalidTargetBucketForLogging), belong to the source bucket's owner
// (the same code) and live in the same region (403
// CrossLocationLoggingProhibited); TargetGrants are refused for a target
// bucket whose ACLs are disabled. Whether the target bucket lets the log
// delivery service write is not checked here, as S3 does not either:
// deliveries it refuses are dropped (docs/logs.md).
func (s *Service) putBucketLogging(w http.ResponseWriter, r *http.Request, q *request) error {
	body, err := readVerifiedBody(r, q, maxConfigBody, true)
	if err != nil {
		return err
	}
	cfg, on, err := parseBucketLogging(body)
	if err != nil {
		return err
	}
	var raw []byte
	if on {
		tb, err := s.loadBucket(r.Context(), cfg.TargetBucket)
		switch {
		case errors.Is(err, store.ErrNoSuchBucket):
			return errTargetBucketMissing.With("TargetBucket", cfg.TargetBucket)
		case err != nil:
			return s.storeError(q, err)
		}
		if tb.rec.Owner != q.bkt.Owner {
			return errTargetBucketOwner.With("TargetBucket", cfg.TargetBucket)
		}
		if tb.rec.Region != q.bkt.Region {
			return errCrossLocationLogging.With("TargetBucket", cfg.TargetBucket)
		}
		if cfg.Grants != "" && access.BucketOwnership(tb.rec) == access.BucketOwnerEnforced {
			return errTargetBucketGrants.With("TargetBucket", cfg.TargetBucket)
		}
		raw, _ = json.Marshal(cfg) // strings and booleans: cannot fail
	}
	if err := s.putBucketAttr(r.Context(), q.bucket, attrBucketLogging, raw); err != nil {
		return s.storeError(q, err)
	}
	writeEmpty(w, http.StatusOK)
	return nil
}
