// Package accesslog holds the two AWS request logs edgegate writes, in
// AWS's exact line formats, and the batching writer that delivers them as
// log objects:
//
//   - the S3 server access log (spec §6.1): one space-separated line per
//     request to a bucket with server access logging enabled;
//   - the CloudFront standard log (spec §6.2, the legacy "access log"):
//     one tab-separated line of 33 fields per viewer request, in gzip
//     files that start with #Version and #Fields header lines.
//
// The package knows the formats and the object names; who may write the
// objects, and where, is decided by the Sink the Writer delivers to
// (internal/s3 delivers S3 logs in-process as the log delivery service).
// What is UNCONFIRMED about the formats is listed in docs/logs.md.
package accesslog

import (
	"strconv"
	"strings"
	"time"
)

// S3Record is one S3 server access log record (spec §6.1). Zero values
// are written as "-" ("unknown or not applicable", as S3 does), except
// HTTPStatus, which is always a number.
type S3Record struct {
	// BucketOwner is the canonical user id of the source bucket's owner.
	BucketOwner string
	// Bucket is the bucket the request was processed against.
	Bucket string
	// Time is when the request was received; written in UTC.
	Time time.Time
	// RemoteIP is the requester's apparent address.
	RemoteIP string
	// Requester is the canonical user id (account root), the IAM ARN
	// (users and role sessions) or the service principal name of the
	// caller; "" for anonymous requests.
	Requester string
	// RequestID is the x-amz-request-id.
	RequestID string
	// Operation is REST.HTTP_METHOD.RESOURCE_TYPE (REST.GET.OBJECT,
	// REST.PUT.LOGGING_STATUS, ...) or WEBSITE.GET.OBJECT.
	Operation string
	// Key is the object key, unencoded ("" for bucket operations): the
	// formatter URL-encodes it.
	Key string
	// RequestURI is the request line's target, path and query as sent
	// ("/bucket/key?acl").
	RequestURI string
	// Method and Proto complete the quoted request line
	// ("GET /bucket/key HTTP/1.1").
	Method string
	Proto  string
	// HTTPStatus is the response status.
	HTTPStatus int
	// ErrorCode is the S3 error code, "" on success.
	ErrorCode string
	// BytesSent is the response body length; 0 is written as "-".
	BytesSent int64
	// ObjectSize is the size of the object in question; <= 0 is "-".
	ObjectSize int64
	// TotalTime is from the request's receipt to the last response byte;
	// TurnAround from the last request byte to the first response byte
	// (edgegate: from receipt, as it does not see the last request byte
	// apart). Both are written in whole milliseconds; a negative value
	// is "-".
	TotalTime  time.Duration
	TurnAround time.Duration
	// Referer and UserAgent are the request headers ("" is "-").
	Referer   string
	UserAgent string
	// VersionID is the versionId the request named.
	VersionID string
	// HostID is the x-amz-id-2.
	HostID string
	// SignatureVersion is "SigV4", "SigV2" or "" (unauthenticated).
	SignatureVersion string
	// CipherSuite is the negotiated TLS cipher in OpenSSL's naming
	// (CipherSuiteName), "" for HTTP.
	CipherSuite string
	// AuthType is "AuthHeader", "QueryString" or "" (unauthenticated).
	AuthType string
	// HostHeader is the Host the request was sent to.
	HostHeader string
	// TLSVersion is "TLSv1.2", "TLSv1.3", ... or "" for HTTP
	// (TLSVersionName).
	TLSVersion string
	// AccessPointARN is the access point the request came through.
	AccessPointARN string
	// ACLRequired is true when an ACL was what allowed the request
	// (written "Yes", else "-").
	ACLRequired bool
	// SourceRegion is the AWS Region the request came from, "" when it
	// did not come from within AWS (always, for edgegate's callers).
	SourceRegion string
}

// S3TimeLayout is the Time field's layout, strftime [%d/%b/%Y:%H:%M:%S %z].
const S3TimeLayout = "[02/Jan/2006:15:04:05 -0700]"

// S3FieldCount is the number of fields AppendLine writes. S3 has added
// fields at the end over the years (aclRequired, Source Region); readers
// must tolerate more.
const S3FieldCount = 27

// AppendLine appends the record's log line, with its newline, to b.
func (r *S3Record) AppendLine(b []byte) []byte {
	b = appendField(b, r.BucketOwner)
	b = append(b, ' ')
	b = appendField(b, r.Bucket)
	b = append(b, ' ')
	b = r.Time.UTC().AppendFormat(b, S3TimeLayout)
	b = append(b, ' ')
	b = appendField(b, r.RemoteIP)
	b = append(b, ' ')
	b = appendField(b, r.Requester)
	b = append(b, ' ')
	b = appendField(b, r.RequestID)
	b = append(b, ' ')
	b = appendField(b, r.Operation)
	b = append(b, ' ')
	if r.Key == "" {
		b = append(b, '-')
	} else {
		b = AppendS3Key(b, r.Key)
	}
	b = append(b, ' ')
	if r.Method == "" && r.RequestURI == "" {
		b = append(b, `"-"`...)
	} else {
		proto := r.Proto
		if proto == "" {
			proto = "HTTP/1.1"
		}
		b = appendQuoted(b, r.Method+" "+r.RequestURI+" "+proto)
	}
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(r.HTTPStatus), 10)
	b = append(b, ' ')
	b = appendField(b, r.ErrorCode)
	b = append(b, ' ')
	b = appendCount(b, r.BytesSent)
	b = append(b, ' ')
	b = appendCount(b, r.ObjectSize)
	b = append(b, ' ')
	b = appendMillis(b, r.TotalTime)
	b = append(b, ' ')
	b = appendMillis(b, r.TurnAround)
	b = append(b, ' ')
	b = appendQuoted(b, r.Referer)
	b = append(b, ' ')
	b = appendQuoted(b, r.UserAgent)
	b = append(b, ' ')
	b = appendField(b, r.VersionID)
	b = append(b, ' ')
	b = appendField(b, r.HostID)
	b = append(b, ' ')
	b = appendField(b, r.SignatureVersion)
	b = append(b, ' ')
	b = appendField(b, r.CipherSuite)
	b = append(b, ' ')
	b = appendField(b, r.AuthType)
	b = append(b, ' ')
	b = appendField(b, r.HostHeader)
	b = append(b, ' ')
	b = appendField(b, r.TLSVersion)
	b = append(b, ' ')
	b = appendField(b, r.AccessPointARN)
	b = append(b, ' ')
	if r.ACLRequired {
		b = append(b, "Yes"...)
	} else {
		b = append(b, '-')
	}
	b = append(b, ' ')
	b = appendField(b, r.SourceRegion)
	return append(b, '\n')
}

// Line returns the record's log line without its newline.
func (r *S3Record) Line() string {
	b := r.AppendLine(nil)
	return string(b[:len(b)-1])
}

// appendField appends s, or "-" when s is empty. Unquoted fields never
// contain a space or a newline: any is replaced by its percent-encoding,
// so that a line always splits into the same fields.
func appendField(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\n', '\r', '\t':
			b = appendPercent(b, c)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendQuoted appends s in double quotes, "-" when empty. A double quote
// or backslash inside is escaped with a backslash and control characters
// are percent-encoded (UNCONFIRMED: how S3 escapes them).
func appendQuoted(b []byte, s string) []byte {
	if s == "" {
		return append(b, `"-"`...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c == 0x7f:
			b = appendPercent(b, c)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func appendCount(b []byte, n int64) []byte {
	if n <= 0 {
		return append(b, '-')
	}
	return strconv.AppendInt(b, n, 10)
}

func appendMillis(b []byte, d time.Duration) []byte {
	if d < 0 {
		return append(b, '-')
	}
	return strconv.AppendInt(b, d.Milliseconds(), 10)
}

const upperHex = "0123456789ABCDEF"

func appendPercent(b []byte, c byte) []byte {
	return append(b, '%', upperHex[c>>4], upperHex[c&15])
}

// AppendS3Key appends key URL-encoded as the Key field shows it: every
// byte other than the unreserved characters A-Z a-z 0-9 - _ . ~ and the
// path separator / is percent-encoded with uppercase hex, so a key with a
// space reads "a%20b". UNCONFIRMED: S3's exact set of characters left
// unencoded (the documentation says only "URL encoded").
func AppendS3Key(b []byte, key string) []byte {
	for i := 0; i < len(key); i++ {
		c := key[i]
		if unreserved(c) || c == '/' {
			b = append(b, c)
		} else {
			b = appendPercent(b, c)
		}
	}
	return b
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// ParseS3Line splits an S3 server access log line into its fields: space
// separated, with the bracketed time and the double-quoted fields
// (Request-URI, Referer, User-Agent) kept whole, brackets and quotes
// removed and backslash escapes undone. Fields beyond S3FieldCount are
// returned too. It is the reader tests and tools use.
func ParseS3Line(line string) []string {
	line = strings.TrimRight(line, "\r\n")
	var fields []string
	for i := 0; i < len(line); {
		switch line[i] {
		case ' ':
			i++
		case '[':
			j := strings.IndexByte(line[i:], ']')
			if j < 0 {
				return append(fields, line[i+1:])
			}
			fields = append(fields, line[i+1:i+j])
			i += j + 1
		case '"':
			var sb strings.Builder
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' && j+1 < len(line) {
					j++
				}
				sb.WriteByte(line[j])
			}
			fields = append(fields, sb.String())
			i = j + 1
		default:
			j := strings.IndexByte(line[i:], ' ')
			if j < 0 {
				return append(fields, line[i:])
			}
			fields = append(fields, line[i:i+j])
			i += j
		}
	}
	return fields
}

// The S3 field indexes of ParseS3Line's result.
const (
	S3BucketOwner = iota
	S3Bucket
	S3Time
	S3RemoteIP
	S3Requester
	S3RequestID
	S3Operation
	S3Key
	S3RequestURI
	S3HTTPStatus
	S3ErrorCode
	S3BytesSent
	S3ObjectSize
	S3TotalTime
	S3TurnAroundTime
	S3Referer
	S3UserAgent
	S3VersionID
	S3HostID
	S3SignatureVersion
	S3CipherSuite
	S3AuthenticationType
	S3HostHeader
	S3TLSVersion
	S3AccessPointARN
	S3ACLRequired
	S3SourceRegion
)
