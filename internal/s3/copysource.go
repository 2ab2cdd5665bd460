package s3

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// parseCopySource parses an x-amz-copy-source header value
// ("bucket/key", "/bucket/key", either with "?versionId=ID"), as
// CopyObject and UploadPartCopy receive it. The bucket and key are
// URL-decoded (path decoding: "+" stays "+", "%2B" is "+", "%20" a space);
// the versionId, if present, is returned decoded ("" when absent). The
// query is split off before decoding, so an encoded "?" ("%3F") belongs to
// the key.
//
// A value without a bucket or a key, with bad percent-encoding or a key
// that is not UTF-8 fails with 400 InvalidArgument naming the header, as
// S3 answers. Key length and the existence of bucket and key are the
// caller's to check.
func parseCopySource(header string) (bucket, key, versionID string, err error) {
	bad := func() error {
		return errInvalidArgument.WithMessage("Copy Source must mention the source bucket and key: sourcebucket/sourcekey").
			With("ArgumentName", "x-amz-copy-source").With("ArgumentValue", header)
	}
	path, query, hasQuery := strings.Cut(header, "?")
	if hasQuery {
		vals, perr := url.ParseQuery(query)
		if perr != nil {
			return "", "", "", bad()
		}
		if v, ok := vals["versionId"]; ok {
			versionID = v[0]
			if versionID == "" {
				return "", "", "", errInvalidArgument.WithMessage("Version id cannot be the empty string").
					With("ArgumentName", "versionId").With("ArgumentValue", "")
			}
		}
	}
	dec, derr := url.PathUnescape(path)
	if derr != nil {
		return "", "", "", bad()
	}
	dec = strings.TrimPrefix(dec, "/")
	bucket, key, ok := strings.Cut(dec, "/")
	if !ok || bucket == "" || key == "" || !utf8.ValidString(key) {
		return "", "", "", bad()
	}
	return bucket, key, versionID, nil
}
