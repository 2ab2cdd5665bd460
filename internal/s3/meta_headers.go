package s3

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/store"
)

// defaultContentType is what S3 stores (and serves) for an object
// uploaded without a Content-Type.
const defaultContentType = "binary/octet-stream"

// maxUserMetaSize is S3's limit on user-defined metadata: the sum of the
// UTF-8 lengths of every x-amz-meta-* name (without the prefix) and value.
const maxUserMetaSize = 2 << 10

const userMetaPrefix = "x-amz-meta-"

const storageStandard = "STANDARD"

// storageClasses are the values S3 accepts in x-amz-storage-class.
var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true,
	"ONEZONE_IA": true, "INTELLIGENT_TIERING": true, "GLACIER": true,
	"DEEP_ARCHIVE": true, "GLACIER_IR": true, "OUTPOSTS": true, "SNOW": true,
	"EXPRESS_ONEZONE": true,
}

// archived reports whether objects of the storage class must be restored
// before they can be read (GetObject answers InvalidObjectState).
func archived(storageClass string) bool {
	return storageClass == "GLACIER" || storageClass == "DEEP_ARCHIVE"
}

// storageClassFrom returns the x-amz-storage-class of h ("STANDARD" when
// absent), or InvalidStorageClass.
func storageClassFrom(h http.Header) (string, error) {
	v, ok := h["X-Amz-Storage-Class"]
	if !ok {
		return storageStandard, nil
	}
	if !storageClasses[v[0]] {
		return "", errInvalidStorageClass.With("StorageClassRequested", v[0])
	}
	return v[0], nil
}

// contentHeadersFrom sets obj's content headers (Content-Type,
// Content-Encoding less aws-chunked, Content-Disposition,
// Content-Language, Cache-Control, Expires) and user metadata from a PUT's
// (or CopyObject REPLACE's, or CreateMultipartUpload's) request headers. It
// returns MetadataTooLarge when the user metadata exceeds 2 KB.
func contentHeadersFrom(h http.Header, obj *store.Object) error {
	obj.ContentType = h.Get("Content-Type")
	if obj.ContentType == "" {
		obj.ContentType = defaultContentType
	}
	obj.ContentEncoding = stripAWSChunked(h.Values("Content-Encoding"))
	obj.ContentDisposition = h.Get("Content-Disposition")
	obj.ContentLanguage = h.Get("Content-Language")
	obj.CacheControl = h.Get("Cache-Control")
	obj.Expires = h.Get("Expires")
	meta, err := userMetaFrom(h)
	if err != nil {
		return err
	}
	obj.UserMeta = meta
	return nil
}

// userMetaFrom collects x-amz-meta-* headers: names lowercased without the
// prefix, repeated headers joined with ",". nil when there are none.
func userMetaFrom(h http.Header) (map[string]string, error) {
	var meta map[string]string
	size := 0
	for name, vals := range h {
		if len(name) <= len(userMetaPrefix) || !strings.EqualFold(name[:len(userMetaPrefix)], userMetaPrefix) {
			continue
		}
		k := strings.ToLower(name[len(userMetaPrefix):])
		v := strings.Join(vals, ",")
		if meta == nil {
			meta = make(map[string]string)
		}
		meta[k] = v
		size += len(k) + len(v)
	}
	if size > maxUserMetaSize {
		return nil, errMetadataTooLarge.With("Size", strconv.Itoa(size)).With("MaxSizeAllowed", strconv.Itoa(maxUserMetaSize))
	}
	return meta, nil
}

// stripAWSChunked removes the aws-chunked transfer token from
// Content-Encoding values, keeping the content's own codings in order.
func stripAWSChunked(vals []string) string {
	var out []string
	for _, v := range vals {
		for tok := range strings.SplitSeq(v, ",") {
			tok = strings.TrimSpace(tok)
			if tok == "" || strings.EqualFold(tok, "aws-chunked") {
				continue
			}
			out = append(out, tok)
		}
	}
	return strings.Join(out, ",")
}

// httpTime formats t as HTTP headers carry it (second precision, GMT).
func httpTime(t time.Time) string { return t.UTC().Format(http.TimeFormat) }

// xmlTime formats t as S3's XML documents carry it (millisecond precision).
func xmlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// quoteETag returns the ETag header form of a stored ETag.
func quoteETag(etag string) string { return `"` + etag + `"` }

// setObjectHeaders writes the headers GetObject and HeadObject answer
// with for obj (Content-Length, Content-Range and checksums are the
// caller's).
func setObjectHeaders(h http.Header, obj *store.Object) {
	h["Last-Modified"] = []string{httpTime(obj.LastModified)}
	h["Etag"] = []string{quoteETag(obj.ETag)}
	ct := obj.ContentType
	if ct == "" {
		ct = defaultContentType
	}
	h["Content-Type"] = []string{ct}
	setIf(h, "Content-Encoding", obj.ContentEncoding)
	setIf(h, "Content-Disposition", obj.ContentDisposition)
	setIf(h, "Content-Language", obj.ContentLanguage)
	setIf(h, "Cache-Control", obj.CacheControl)
	setIf(h, "Expires", obj.Expires)
	for k, v := range obj.UserMeta {
		// S3 sends user metadata names in lower case; bypass
		// canonicalization.
		h[userMetaPrefix+k] = []string{v}
	}
	if obj.StorageClass != "" && obj.StorageClass != storageStandard {
		h["X-Amz-Storage-Class"] = []string{obj.StorageClass}
	}
	h["Accept-Ranges"] = []string{"bytes"}
	// An unreadable record fails the read itself; the headers say AES256.
	enc, _ := objectEncryption(obj.Attrs)
	enc.setHeaders(h)
}

func setIf(h http.Header, name, v string) {
	if v != "" {
		h[name] = []string{v}
	}
}

// sseAES256 is SSE-S3, which S3 applies to every object by default since
// January 2023.
const sseAES256 = "AES256"

// responseOverrides are GetObject's and HeadObject's response-* query
// parameters and the header each one sets.
var responseOverrides = [...]struct{ param, header string }{
	{"response-content-type", "Content-Type"},
	{"response-content-language", "Content-Language"},
	{"response-expires", "Expires"},
	{"response-cache-control", "Cache-Control"},
	{"response-content-disposition", "Content-Disposition"},
	{"response-content-encoding", "Content-Encoding"},
}

// applyResponseOverrides sets the headers the request's response-*
// parameters ask for. S3 refuses them on anonymous requests.
func applyResponseOverrides(h http.Header, q *request) error {
	for _, o := range responseOverrides {
		v, ok := q.query[o.param]
		if !ok {
			continue
		}
		if q.call.Principal.IsAnonymous() {
			return errInvalidRequest.WithMessage("Request specific response headers cannot be used for anonymous GET requests.")
		}
		h[o.header] = []string{v[0]}
	}
	return nil
}
