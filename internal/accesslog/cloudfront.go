package accesslog

import (
	"crypto/tls"
	"strconv"
	"strings"
	"time"
)

// CloudFront x-edge-result-type values (spec §6.2).
const (
	ResultHit              = "Hit"
	ResultRefreshHit       = "RefreshHit"
	ResultMiss             = "Miss"
	ResultLimitExceeded    = "LimitExceeded"
	ResultCapacityExceeded = "CapacityExceeded"
	ResultError            = "Error"
	ResultRedirect         = "Redirect"
)

// CloudFrontRecord is one CloudFront standard log record (legacy standard
// logging, spec §6.2). Empty strings and negative numbers are written as
// "-"; text fields are URL-encoded as CloudFront encodes them.
type CloudFrontRecord struct {
	// Time is when the edge finished responding; date and time fields
	// are written from it in UTC.
	Time time.Time
	// EdgeLocation is x-edge-location, the POP ("EDG1-C1").
	EdgeLocation string
	// SCBytes is sc-bytes: every byte sent to the viewer, headers
	// included.
	SCBytes int64
	// ClientIP is c-ip, ClientPort c-port (0 is "-").
	ClientIP   string
	ClientPort int
	// Method is cs-method.
	Method string
	// DistributionHost is cs(Host): the distribution's domain name
	// (d111111abcdef8.cloudfront.net), whatever Host the viewer used.
	DistributionHost string
	// URIStem is cs-uri-stem: the request path as sent (still
	// percent-encoded), no query string.
	URIStem string
	// Status is sc-status; 0 is written "000" (the viewer went away
	// before a response).
	Status int
	// Referer, UserAgent are the request headers.
	Referer   string
	UserAgent string
	// URIQuery is cs-uri-query, the raw query string without "?".
	URIQuery string
	// Cookie is cs(Cookie), logged only when the distribution's Logging
	// IncludeCookies is true (the caller decides).
	Cookie string
	// ResultType is x-edge-result-type (Hit, Miss, Error, ...);
	// ResponseResultType is x-edge-response-result-type ("" means the
	// same as ResultType); DetailedResultType x-edge-detailed-result-type
	// ("" means the same as ResultType).
	ResultType         string
	ResponseResultType string
	DetailedResultType string
	// RequestID is x-edge-request-id, the X-Amz-Cf-Id.
	RequestID string
	// HostHeader is x-host-header: the Host the viewer sent.
	HostHeader string
	// Protocol is cs-protocol: "http" or "https".
	Protocol string
	// CSBytes is cs-bytes: every byte the viewer sent, headers included.
	CSBytes int64
	// TimeTaken is time-taken, TimeToFirstByte time-to-first-byte; both
	// written in seconds with three decimals.
	TimeTaken       time.Duration
	TimeToFirstByte time.Duration
	// ForwardedFor is x-forwarded-for: the X-Forwarded-For the viewer's
	// proxy sent, "" when none.
	ForwardedFor string
	// SSLProtocol, SSLCipher are ssl-protocol ("TLSv1.3") and ssl-cipher
	// (OpenSSL's name), "" over HTTP.
	SSLProtocol string
	SSLCipher   string
	// ProtocolVersion is cs-protocol-version ("HTTP/1.1", "HTTP/2.0").
	ProtocolVersion string
	// FLEStatus, FLEEncryptedFields: field-level encryption, which
	// edgegate does not do: "-".
	FLEStatus          string
	FLEEncryptedFields string
	// ContentType is sc-content-type, ContentLength sc-content-len (<0:
	// "-"), RangeStart and RangeEnd sc-range-start/-end (<0: "-").
	ContentType   string
	ContentLength int64
	RangeStart    int64
	RangeEnd      int64
}

// CloudFrontFields are the names of the 33 fields, in order, as the
// #Fields header line lists them.
var CloudFrontFields = []string{
	"date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)", "cs-uri-stem",
	"sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)", "x-edge-result-type",
	"x-edge-request-id", "x-host-header", "cs-protocol", "cs-bytes", "time-taken", "x-forwarded-for",
	"ssl-protocol", "ssl-cipher", "x-edge-response-result-type", "cs-protocol-version", "fle-status",
	"fle-encrypted-fields", "c-port", "time-to-first-byte", "x-edge-detailed-result-type",
	"sc-content-type", "sc-content-len", "sc-range-start", "sc-range-end",
}

// CloudFrontHeader is the two header lines every standard log file
// starts with.
var CloudFrontHeader = "#Version: 1.0\n#Fields: " + strings.Join(CloudFrontFields, " ") + "\n"

// AppendLine appends the record's tab-separated line, with its newline.
func (r *CloudFrontRecord) AppendLine(b []byte) []byte {
	t := r.Time.UTC()
	b = t.AppendFormat(b, "2006-01-02")
	b = append(b, '\t')
	b = t.AppendFormat(b, "15:04:05")
	b = append(b, '\t')
	b = appendCF(b, r.EdgeLocation)
	b = append(b, '\t')
	b = appendCFInt(b, r.SCBytes)
	b = append(b, '\t')
	b = appendCF(b, r.ClientIP)
	b = append(b, '\t')
	b = appendCF(b, r.Method)
	b = append(b, '\t')
	b = appendCF(b, r.DistributionHost)
	b = append(b, '\t')
	b = appendCF(b, r.URIStem)
	b = append(b, '\t')
	if r.Status == 0 {
		b = append(b, "000"...)
	} else {
		b = strconv.AppendInt(b, int64(r.Status), 10)
	}
	b = append(b, '\t')
	b = appendCF(b, r.Referer)
	b = append(b, '\t')
	b = appendCF(b, r.UserAgent)
	b = append(b, '\t')
	b = appendCF(b, r.URIQuery)
	b = append(b, '\t')
	b = appendCF(b, r.Cookie)
	b = append(b, '\t')
	b = appendCF(b, r.ResultType)
	b = append(b, '\t')
	b = appendCF(b, r.RequestID)
	b = append(b, '\t')
	b = appendCF(b, r.HostHeader)
	b = append(b, '\t')
	b = appendCF(b, r.Protocol)
	b = append(b, '\t')
	b = appendCFInt(b, r.CSBytes)
	b = append(b, '\t')
	b = appendSeconds(b, r.TimeTaken)
	b = append(b, '\t')
	b = appendCF(b, r.ForwardedFor)
	b = append(b, '\t')
	b = appendCF(b, r.SSLProtocol)
	b = append(b, '\t')
	b = appendCF(b, r.SSLCipher)
	b = append(b, '\t')
	b = appendCF(b, orDefault(r.ResponseResultType, r.ResultType))
	b = append(b, '\t')
	b = appendCF(b, r.ProtocolVersion)
	b = append(b, '\t')
	b = appendCF(b, r.FLEStatus)
	b = append(b, '\t')
	b = appendCF(b, r.FLEEncryptedFields)
	b = append(b, '\t')
	if r.ClientPort <= 0 {
		b = append(b, '-')
	} else {
		b = strconv.AppendInt(b, int64(r.ClientPort), 10)
	}
	b = append(b, '\t')
	b = appendSeconds(b, r.TimeToFirstByte)
	b = append(b, '\t')
	b = appendCF(b, orDefault(r.DetailedResultType, r.ResultType))
	b = append(b, '\t')
	b = appendCF(b, r.ContentType)
	b = append(b, '\t')
	b = appendCFInt(b, r.ContentLength)
	b = append(b, '\t')
	b = appendCFInt(b, r.RangeStart)
	b = append(b, '\t')
	b = appendCFInt(b, r.RangeEnd)
	return append(b, '\n')
}

// Line returns the record's line without its newline.
func (r *CloudFrontRecord) Line() string {
	b := r.AppendLine(nil)
	return string(b[:len(b)-1])
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func appendCFInt(b []byte, n int64) []byte {
	if n < 0 {
		return append(b, '-')
	}
	return strconv.AppendInt(b, n, 10)
}

// appendSeconds writes d in seconds with three decimals ("0.082").
func appendSeconds(b []byte, d time.Duration) []byte {
	if d < 0 {
		return append(b, '-')
	}
	ms := d.Milliseconds()
	b = strconv.AppendInt(b, ms/1000, 10)
	b = append(b, '.')
	frac := ms % 1000
	if frac < 100 {
		b = append(b, '0')
	}
	if frac < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, frac, 10)
}

// appendCF appends s URL-encoded as CloudFront's standard logs encode
// field values, "-" when empty: the bytes 0-32 and 127-255 and the
// characters < > " # % { } | \ ^ ~ [ ] ` ' are written as %XX (uppercase
// hex); everything else, tab-safe, is kept. Because % itself is encoded, a
// value that was already percent-encoded (the URI stem as sent) comes out
// encoded twice: a space in a path reads %2520.
func appendCF(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if cfEncoded(c) {
			b = appendPercent(b, c)
		} else {
			b = append(b, c)
		}
	}
	return b
}

func cfEncoded(c byte) bool {
	if c <= 32 || c >= 127 {
		return true
	}
	switch c {
	case '<', '>', '"', '#', '%', '{', '}', '|', '\\', '^', '~', '[', ']', '`', '\'':
		return true
	}
	return false
}

// CloudFrontEncode returns s encoded as a standard log field ("-" when
// empty).
func CloudFrontEncode(s string) string { return string(appendCF(nil, s)) }

// TLSVersionName names a tls.Version* constant as the logs do ("TLSv1.2");
// "" for 0 (no TLS).
func TLSVersionName(v uint16) string {
	switch v {
	case 0:
		return ""
	case tls.VersionTLS10:
		return "TLSv1"
	case tls.VersionTLS11:
		return "TLSv1.1"
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return "TLS-0x" + strconv.FormatUint(uint64(v), 16)
}

// openSSLNames maps the IANA names Go uses for TLS 1.2 cipher suites to
// the OpenSSL names S3 and CloudFront logs show. TLS 1.3 suites have the
// same name in both (TLS_AES_128_GCM_SHA256).
var openSSLNames = map[string]string{
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256":         "ECDHE-RSA-AES128-GCM-SHA256",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384":         "ECDHE-RSA-AES256-GCM-SHA384",
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256":       "ECDHE-ECDSA-AES128-GCM-SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384":       "ECDHE-ECDSA-AES256-GCM-SHA384",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256":   "ECDHE-RSA-CHACHA20-POLY1305",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
	"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA":            "ECDHE-RSA-AES128-SHA",
	"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA":            "ECDHE-RSA-AES256-SHA",
	"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA":          "ECDHE-ECDSA-AES128-SHA",
	"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA":          "ECDHE-ECDSA-AES256-SHA",
	"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256":         "ECDHE-RSA-AES128-SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256":       "ECDHE-ECDSA-AES128-SHA256",
	"TLS_RSA_WITH_AES_128_GCM_SHA256":               "AES128-GCM-SHA256",
	"TLS_RSA_WITH_AES_256_GCM_SHA384":               "AES256-GCM-SHA384",
	"TLS_RSA_WITH_AES_128_CBC_SHA":                  "AES128-SHA",
	"TLS_RSA_WITH_AES_256_CBC_SHA":                  "AES256-SHA",
	"TLS_RSA_WITH_AES_128_CBC_SHA256":               "AES128-SHA256",
}

// CipherSuiteName names a negotiated cipher suite as the logs do
// (OpenSSL's names: ECDHE-RSA-AES128-GCM-SHA256); "" for 0 (no TLS).
func CipherSuiteName(id uint16) string {
	if id == 0 {
		return ""
	}
	name := tls.CipherSuiteName(id)
	if o, ok := openSSLNames[name]; ok {
		return o
	}
	return name
}

// ResultTypeFromXCache derives x-edge-result-type from the X-Cache
// response header the edge sent ("Hit from cloudfront" -> Hit), ok=false
// when there is none or it is not of that form.
func ResultTypeFromXCache(xcache string) (string, bool) {
	v, ok := strings.CutSuffix(xcache, " from cloudfront")
	if !ok || v == "" {
		return "", false
	}
	return v, true
}

// ResultTypeForStatus is the result type of a response without X-Cache:
// Error for 4xx/5xx (and 000), Miss otherwise.
func ResultTypeForStatus(status int) string {
	switch {
	case status == 0 || status >= 400:
		return ResultError
	default:
		return ResultMiss
	}
}
