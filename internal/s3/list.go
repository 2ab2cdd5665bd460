package s3

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/store"
)

// Listing operations: ListObjects (v1) and ListObjectsV2. Both need
// s3:ListBucket.
var (
	opListObjects = operation{
		name: "ListObjects", action: "s3:ListBucket", target: targetBucket,
		handle: (*Service).listObjectsV1,
	}
	opListObjectsV2 = operation{
		name: "ListObjectsV2", action: "s3:ListBucket", target: targetBucket,
		handle: (*Service).listObjectsV2,
	}
)

// maxListKeys is S3's default and largest page of ListObjects,
// ListObjectsV2, ListMultipartUploads and ListParts.
const maxListKeys = 1000

// listParams are the query parameters of a ListObjects or ListObjectsV2
// request, validated.
type listParams struct {
	prefix    string
	delimiter string
	// maxKeys is the max-keys the request asked for (echoed in MaxKeys);
	// limit is the page size used: maxKeys capped at 1000.
	maxKeys, limit int
	urlEncode      bool // encoding-type=url

	// v1
	marker string
	// v2
	startAfter string
	token      string // the continuation-token as sent ("" if none)
	tokenKey   string // the key the token stands for
	fetchOwner bool
}

// parseListParams validates the query of a listing. v2 selects
// ListObjectsV2's parameters (continuation-token, start-after,
// fetch-owner) instead of v1's marker.
func parseListParams(query url.Values, v2 bool) (*listParams, error) {
	p := &listParams{
		prefix:    query.Get("prefix"),
		delimiter: query.Get("delimiter"),
		maxKeys:   maxListKeys,
	}
	if v, ok := query["max-keys"]; ok {
		n, err := parseMaxArg(v[0], "max-keys", "maxKeys")
		if err != nil {
			return nil, err
		}
		p.maxKeys = n
	}
	p.limit = min(p.maxKeys, maxListKeys)
	enc, err := parseEncodingType(query)
	if err != nil {
		return nil, err
	}
	p.urlEncode = enc
	if !v2 {
		p.marker = query.Get("marker")
		return p, nil
	}
	p.startAfter = query.Get("start-after")
	if v, ok := query["continuation-token"]; ok {
		key, ok := decodeToken(v[0])
		if !ok {
			return nil, errInvalidArgument.WithMessage("The continuation token provided is incorrect").
				With("ArgumentName", "continuation-token")
		}
		p.token, p.tokenKey = v[0], key
	}
	p.fetchOwner = strings.EqualFold(query.Get("fetch-owner"), "true")
	return p, nil
}

// parseMaxArg parses a page-size argument (max-keys, max-uploads,
// max-parts) as S3 does: a 32-bit integer, not negative. A value that is
// not an integer in range and a negative value get S3's two different
// messages; argName is the name S3 uses in the latter ("maxKeys").
func parseMaxArg(v, param, argName string) (int, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil {
		return 0, errInvalidArgument.WithMessage("Provided "+param+" not an integer or within integer range").
			With("ArgumentName", param).With("ArgumentValue", v)
	}
	if n < 0 {
		return 0, errInvalidArgument.WithMessage("Argument "+argName+" must be an integer between 0 and 2147483647").
			With("ArgumentName", argName).With("ArgumentValue", v)
	}
	return int(n), nil
}

// parseEncodingType validates encoding-type: absent, or "url".
func parseEncodingType(query url.Values) (bool, error) {
	v, ok := query["encoding-type"]
	if !ok {
		return false, nil
	}
	if !strings.EqualFold(v[0], "url") {
		return false, errInvalidArgument.WithMessage("Invalid Encoding Method specified in Request").
			With("ArgumentName", "encoding-type").With("ArgumentValue", v[0])
	}
	return true, nil
}

// s3URLEncode encodes a key (or prefix, delimiter, marker) the way S3 does
// for encoding-type=url: unreserved characters (A-Z a-z 0-9 - . _ ~) and
// "/" stay, a space becomes "+", every other byte of the UTF-8 form is
// %XX with uppercase hex. So "a b+c%/é" is "a+b%2Bc%25/%C3%A9"; clients
// decode it with a form decoder (botocore uses unquote_plus).
func s3URLEncode(s string) string {
	const hex = "0123456789ABCDEF"
	extra, same := 0, true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case keepInURL(c):
		case c == ' ':
			same = false
		default:
			extra += 2
			same = false
		}
	}
	if same {
		return s
	}
	b := make([]byte, 0, len(s)+extra)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case keepInURL(c):
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

func keepInURL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~' || c == '/'
}

// enc returns s URL-encoded when the listing asked for encoding-type=url.
func (p *listParams) enc(s string) string {
	if p.urlEncode {
		return s3URLEncode(s)
	}
	return s
}

func (p *listParams) encodingType() string {
	if p.urlEncode {
		return "url"
	}
	return ""
}

// objectEntry is a Contents element of a listing, in S3's element order.
type objectEntry struct {
	Key               string     `xml:"Key"`
	LastModified      string     `xml:"LastModified"`
	ETag              string     `xml:"ETag"`
	ChecksumAlgorithm []string   `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string     `xml:"ChecksumType,omitempty"`
	Size              int64      `xml:"Size"`
	Owner             *ownerElem `xml:"Owner,omitempty"`
	StorageClass      string     `xml:"StorageClass"`
}

type commonPrefixElem struct {
	Prefix string `xml:"Prefix"`
}

// checksumAlgorithmsOf lists the algorithms of sums in S3's order.
func checksumAlgorithmsOf(sums map[string]string) []string {
	if len(sums) == 0 {
		return nil
	}
	var out []string
	for _, a := range checksumAlgos {
		if _, ok := sums[a.Name]; ok {
			out = append(out, a.Name)
		}
	}
	return out
}

// storageClassOf returns an object's storage class as listings show it.
func storageClassOf(sc string) string {
	if sc == "" {
		return "STANDARD"
	}
	return sc
}

// entries renders a page's objects and common prefixes. Owners, when
// shown, are the objects' owners in bucket b (access.ObjectOwner: the
// bucket owner for all of them under BucketOwnerEnforced).
func (s *Service) entries(p *listParams, res *store.ListResult, b *store.Bucket, withOwner bool) ([]objectEntry, []commonPrefixElem) {
	var owners ownerCache
	owners.s = s
	objs := make([]objectEntry, len(res.Objects))
	for i := range res.Objects {
		o := &res.Objects[i]
		e := objectEntry{
			Key:          p.enc(o.Key),
			LastModified: xmlTime(o.LastModified),
			ETag:         `"` + o.ETag + `"`,
			Size:         o.Size,
			StorageClass: storageClassOf(o.StorageClass),
		}
		if algs := checksumAlgorithmsOf(o.Checksums); algs != nil {
			e.ChecksumAlgorithm = algs
			e.ChecksumType = o.ChecksumType
			if e.ChecksumType == "" {
				e.ChecksumType = checksumFullObject
			}
		}
		if withOwner {
			e.Owner = owners.get(access.ObjectOwner(b, o))
		}
		objs[i] = e
	}
	cps := make([]commonPrefixElem, len(res.CommonPrefixes))
	for i, cp := range res.CommonPrefixes {
		cps[i] = commonPrefixElem{Prefix: p.enc(cp)}
	}
	return objs, cps
}

// list runs the store listing for p, starting after startAfter.
func (s *Service) list(q *request, r *http.Request, p *listParams, startAfter string) (store.ListResult, error) {
	if p.limit == 0 {
		// max-keys=0: an empty page that S3 reports as not truncated.
		return store.ListResult{}, nil
	}
	res, err := s.meta.ListObjects(r.Context(), q.bucket, store.ListOptions{
		Prefix: p.prefix, Delimiter: p.delimiter, StartAfter: startAfter, MaxKeys: p.limit,
	})
	if err != nil {
		return res, s.storeError(q, err)
	}
	return res, nil
}

// listBucketResultV1 is ListObjects' response, in S3's element order.
type listBucketResultV1 struct {
	XMLName        xml.Name           `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name           string             `xml:"Name"`
	Prefix         string             `xml:"Prefix"`
	Marker         string             `xml:"Marker"`
	NextMarker     string             `xml:"NextMarker,omitempty"`
	MaxKeys        int                `xml:"MaxKeys"`
	Delimiter      string             `xml:"Delimiter,omitempty"`
	EncodingType   string             `xml:"EncodingType,omitempty"`
	IsTruncated    bool               `xml:"IsTruncated"`
	Contents       []objectEntry      `xml:"Contents"`
	CommonPrefixes []commonPrefixElem `xml:"CommonPrefixes"`
}

// listObjectsV1 answers ListObjects (GET /bucket). As S3 does, it sends
// NextMarker only when a delimiter was given (without one, clients continue
// from the last key), and always shows each object's Owner.
func (s *Service) listObjectsV1(w http.ResponseWriter, r *http.Request, q *request) error {
	p, err := parseListParams(q.query, false)
	if err != nil {
		return err
	}
	res, err := s.list(q, r, p, p.marker)
	if err != nil {
		return err
	}
	out := listBucketResultV1{
		Name:         q.bucket,
		Prefix:       p.enc(p.prefix),
		Marker:       p.enc(p.marker),
		MaxKeys:      p.maxKeys,
		Delimiter:    p.enc(p.delimiter),
		EncodingType: p.encodingType(),
		IsTruncated:  res.IsTruncated,
	}
	if res.IsTruncated && p.delimiter != "" {
		out.NextMarker = p.enc(res.NextMarker)
	}
	out.Contents, out.CommonPrefixes = s.entries(p, &res, q.bkt, true)
	writeXML(w, http.StatusOK, out)
	return nil
}

// listBucketResultV2 is ListObjectsV2's response, in S3's element order.
type listBucketResultV2 struct {
	XMLName               xml.Name           `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListBucketResult"`
	Name                  string             `xml:"Name"`
	Prefix                string             `xml:"Prefix"`
	StartAfter            string             `xml:"StartAfter,omitempty"`
	ContinuationToken     string             `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string             `xml:"NextContinuationToken,omitempty"`
	KeyCount              int                `xml:"KeyCount"`
	MaxKeys               int                `xml:"MaxKeys"`
	Delimiter             string             `xml:"Delimiter,omitempty"`
	EncodingType          string             `xml:"EncodingType,omitempty"`
	IsTruncated           bool               `xml:"IsTruncated"`
	Contents              []objectEntry      `xml:"Contents"`
	CommonPrefixes        []commonPrefixElem `xml:"CommonPrefixes"`
}

// listObjectsV2 answers ListObjectsV2 (GET /bucket?list-type=2). A
// continuation token wins over start-after (which is still echoed); Owner
// is shown only with fetch-owner=true.
func (s *Service) listObjectsV2(w http.ResponseWriter, r *http.Request, q *request) error {
	p, err := parseListParams(q.query, true)
	if err != nil {
		return err
	}
	after := p.startAfter
	if p.token != "" {
		after = p.tokenKey
	}
	res, err := s.list(q, r, p, after)
	if err != nil {
		return err
	}
	out := listBucketResultV2{
		Name:              q.bucket,
		Prefix:            p.enc(p.prefix),
		StartAfter:        p.enc(p.startAfter),
		ContinuationToken: p.token,
		KeyCount:          len(res.Objects) + len(res.CommonPrefixes),
		MaxKeys:           p.maxKeys,
		Delimiter:         p.enc(p.delimiter),
		EncodingType:      p.encodingType(),
		IsTruncated:       res.IsTruncated,
	}
	if res.IsTruncated {
		out.NextContinuationToken = encodeToken(res.NextMarker)
	}
	out.Contents, out.CommonPrefixes = s.entries(p, &res, q.bkt, p.fetchOwner)
	writeXML(w, http.StatusOK, out)
	return nil
}
