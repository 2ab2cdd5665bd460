package s3

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/store"
)

// Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket,
// GetBucketLocation.
var (
	opListBuckets = operation{
		name: "ListBuckets", action: "s3:ListAllMyBuckets", target: targetService,
		handle: (*Service).listBuckets,
	}
	opCreateBucket = operation{
		name: "CreateBucket", action: "s3:CreateBucket", target: targetBucket,
		handle: (*Service).createBucket,
	}
	opHeadBucket = operation{
		name: "HeadBucket", action: "s3:ListBucket", target: targetBucket,
		handle: (*Service).headBucket,
	}
	opDeleteBucket = operation{
		name: "DeleteBucket", action: "s3:DeleteBucket", target: targetBucket,
		handle: (*Service).deleteBucket,
	}
	opGetBucketLocation = operation{
		name: "GetBucketLocation", action: "s3:GetBucketLocation", target: targetBucket,
		handle: (*Service).getBucketLocation,
	}
)

// ownerElem is the Owner (and Initiator) element of S3's listings.
type ownerElem struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

// ownerOf returns the Owner element for an account id, or nil when the
// account is unknown (or "", the anonymous user, who owns nothing listable).
func (s *Service) ownerOf(accountID string) *ownerElem {
	if accountID == "" || s.owners == nil {
		return nil
	}
	id, name, ok := s.owners.Owner(accountID)
	if !ok {
		return nil
	}
	return &ownerElem{ID: id, DisplayName: name}
}

// ownerCache memoizes ownerOf within one listing, which names the same few
// accounts over and over.
type ownerCache struct {
	s *Service
	m map[string]*ownerElem
}

func (c *ownerCache) get(accountID string) *ownerElem {
	if o, ok := c.m[accountID]; ok {
		return o
	}
	if c.m == nil {
		c.m = make(map[string]*ownerElem)
	}
	o := c.s.ownerOf(accountID)
	c.m[accountID] = o
	return o
}

// releaseBlobs deletes the blobs of objects and parts that a metadata
// commit stopped referencing. A failure leaves an orphan blob that the
// start-up sweep removes, so it is logged, not returned: the request
// itself succeeded.
func (s *Service) releaseBlobs(ctx context.Context, objs []*store.Object, parts []store.Part) {
	// Release even if the client has gone away: the commit happened.
	ctx = context.WithoutCancel(ctx)
	for _, o := range objs {
		if err := store.ReleaseObject(ctx, s.blobs, o); err != nil {
			slog.Warn("s3: releasing object blobs", "bucket", o.Bucket, "key", o.Key, "err", err)
		}
	}
	if len(parts) > 0 {
		if err := store.ReleaseParts(ctx, s.blobs, parts); err != nil {
			slog.Warn("s3: releasing part blobs", "err", err)
		}
	}
}

// maxXMLRequestBody bounds the XML documents bucket and multipart requests
// carry (CreateBucketConfiguration, CompleteMultipartUpload). The largest
// legitimate one, a CompleteMultipartUpload of 10000 parts with checksums,
// is under 2 MiB.
const maxXMLRequestBody = 4 << 20

// readXMLBody reads a request's XML body, at most limit bytes; a longer
// one fails with MaxMessageLengthExceeded before it is parsed.
func readXMLBody(r *http.Request, limit int64) ([]byte, error) {
	if r.ContentLength > limit {
		return nil, errMaxMessageLengthExceeded
	}
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, bodyError(err)
	}
	if int64(len(b)) > limit {
		return nil, errMaxMessageLengthExceeded
	}
	return b, nil
}

// ---- ListBuckets ----

type listAllMyBucketsResult struct {
	XMLName           xml.Name   `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
	Owner             *ownerElem `xml:"Owner"`
	Buckets           bucketList `xml:"Buckets"` // present even when empty, as S3 sends it
	ContinuationToken string     `xml:"ContinuationToken,omitempty"`
	Prefix            string     `xml:"Prefix,omitempty"`
}

type bucketList struct {
	Bucket []bucketElem `xml:"Bucket"`
}

type bucketElem struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion"`
}

// maxListBuckets is the largest max-buckets S3 accepts.
const maxListBuckets = 10000

// listBuckets answers ListBuckets (GET /) with the caller's account's
// buckets. It supports S3's optional paging and filters: max-buckets
// (1..10000), continuation-token (opaque: base64 of the last name
// returned), prefix and bucket-region.
func (s *Service) listBuckets(w http.ResponseWriter, r *http.Request, q *request) error {
	account := q.call.Principal.Account
	max := 0
	if v, ok := q.query["max-buckets"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > maxListBuckets {
			return errInvalidArgument.WithMessage("Argument max-buckets must be an integer between 1 and 10000").
				With("ArgumentName", "max-buckets").With("ArgumentValue", v[0])
		}
		max = n
	}
	after := ""
	if v, ok := q.query["continuation-token"]; ok {
		name, ok := decodeToken(v[0])
		if !ok {
			return errInvalidArgument.WithMessage("The continuation token provided is incorrect").
				With("ArgumentName", "continuation-token").With("ArgumentValue", v[0])
		}
		after = name
	}
	prefix := q.query.Get("prefix")
	region := q.query.Get("bucket-region")

	buckets, err := s.meta.ListBuckets(r.Context(), account)
	if err != nil {
		return err
	}
	res := listAllMyBucketsResult{Owner: s.ownerOf(account), Prefix: prefix}
	list := make([]bucketElem, 0, len(buckets))
	for _, b := range buckets {
		if b.Name <= after || !strings.HasPrefix(b.Name, prefix) {
			continue
		}
		if region != "" && b.Region != region {
			continue
		}
		if max > 0 && len(list) == max {
			res.ContinuationToken = encodeToken(list[len(list)-1].Name)
			break
		}
		list = append(list, bucketElem{Name: b.Name, CreationDate: xmlTime(b.Created), BucketRegion: b.Region})
	}
	res.Buckets.Bucket = list
	writeXML(w, http.StatusOK, res)
	return nil
}

// encodeToken and decodeToken make the opaque continuation tokens of
// ListBuckets and ListObjectsV2: standard base64 of the last name returned.
// Clients must treat them as opaque; decodeToken rejects anything that is
// not the base64 of a non-empty UTF-8 string.
func encodeToken(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func decodeToken(t string) (string, bool) {
	b, err := base64.StdEncoding.DecodeString(t)
	if err != nil || len(b) == 0 || !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

// ---- CreateBucket ----

// bucketLocationConstraints are the values S3 accepts as a
// CreateBucketConfiguration LocationConstraint (the BucketLocationConstraint
// enum of the API model), mapped to the region the bucket lives in. "EU" is
// the legacy name of eu-west-1. us-east-1 is absent on purpose: S3 refuses
// it explicitly (a bucket there is created without a constraint).
var bucketLocationConstraints = map[string]string{
	"af-south-1": "af-south-1", "ap-east-1": "ap-east-1", "ap-east-2": "ap-east-2",
	"ap-northeast-1": "ap-northeast-1", "ap-northeast-2": "ap-northeast-2", "ap-northeast-3": "ap-northeast-3",
	"ap-south-1": "ap-south-1", "ap-south-2": "ap-south-2",
	"ap-southeast-1": "ap-southeast-1", "ap-southeast-2": "ap-southeast-2", "ap-southeast-3": "ap-southeast-3",
	"ap-southeast-4": "ap-southeast-4", "ap-southeast-5": "ap-southeast-5", "ap-southeast-6": "ap-southeast-6",
	"ap-southeast-7": "ap-southeast-7",
	"ca-central-1":   "ca-central-1", "ca-west-1": "ca-west-1",
	"cn-north-1": "cn-north-1", "cn-northwest-1": "cn-northwest-1",
	"EU": "eu-west-1", "eu-central-1": "eu-central-1", "eu-central-2": "eu-central-2",
	"eu-north-1": "eu-north-1", "eu-south-1": "eu-south-1", "eu-south-2": "eu-south-2",
	"eu-west-1": "eu-west-1", "eu-west-2": "eu-west-2", "eu-west-3": "eu-west-3",
	"il-central-1": "il-central-1", "me-central-1": "me-central-1", "me-south-1": "me-south-1",
	"mx-central-1": "mx-central-1", "sa-east-1": "sa-east-1",
	"us-east-2": "us-east-2", "us-gov-east-1": "us-gov-east-1", "us-gov-west-1": "us-gov-west-1",
	"us-west-1": "us-west-1", "us-west-2": "us-west-2",
}

// attrLocationConstraint is the bucket attribute that keeps a
// LocationConstraint that differs from the region's name ("EU"), so that
// GetBucketLocation answers what the bucket was created with.
const attrLocationConstraint = "s3:location-constraint"

// createBucketConfiguration is CreateBucket's optional request body.
type createBucketConfiguration struct {
	XMLName            xml.Name
	LocationConstraint *string   `xml:"LocationConstraint"`
	Location           *struct{} `xml:"Location"`
	Bucket             *struct{} `xml:"Bucket"`
	Tags               *struct{} `xml:"Tags"`
	Unknown            []struct {
		XMLName xml.Name
	} `xml:",any"`
}

// parseCreateBucketConfiguration parses CreateBucket's body (empty: no
// configuration). Anything that is not a CreateBucketConfiguration document
// of known elements is MalformedXML.
func parseCreateBucketConfiguration(body []byte) (*createBucketConfiguration, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return &createBucketConfiguration{}, nil
	}
	var c createBucketConfiguration
	if err := xml.Unmarshal(body, &c); err != nil {
		return nil, errMalformedXML
	}
	if c.XMLName.Local != "CreateBucketConfiguration" || (c.XMLName.Space != "" && c.XMLName.Space != s3Namespace) || len(c.Unknown) > 0 {
		return nil, errMalformedXML
	}
	return &c, nil
}

// createBucket answers CreateBucket (PUT /bucket).
//
// The bucket's region is its LocationConstraint, or the endpoint's region
// (us-east-1 by default) when there is none. As S3 does, an explicit
// "us-east-1" constraint is InvalidLocationConstraint, and an endpoint
// configured for another region refuses a missing or different constraint
// with IllegalLocationConstraintException.
//
// Re-creating a bucket the caller's account already owns is 409
// BucketAlreadyOwnedByYou, except in the legacy case S3 keeps for
// us-east-1: the existing bucket is in us-east-1, the request reaches a
// us-east-1 endpoint and names no constraint. Then S3 answers 200 and
// resets the bucket's ACL (to the request's, private by default). A bucket
// of another account is 409 BucketAlreadyExists.
//
// The bucket's access settings come from its ACL and ownership headers
// (newBucketAttrs).
func (s *Service) createBucket(w http.ResponseWriter, r *http.Request, q *request) error {
	name := q.bucket
	if !validBucketName(name) {
		return invalidBucketName(name)
	}
	body, err := readXMLBody(r, maxXMLRequestBody)
	if err != nil {
		return err
	}
	cfg, err := parseCreateBucketConfiguration(body)
	if err != nil {
		return err
	}
	if cfg.Location != nil || cfg.Bucket != nil {
		return errNotImplemented.WithMessage("edgegate does not implement directory buckets")
	}
	// Object Lock cannot be honoured yet; creating the bucket without it
	// would silently drop the caller's retention guarantees.
	if strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Amz-Bucket-Object-Lock-Enabled")), "true") {
		return errNotImplemented.WithMessage("edgegate does not implement S3 Object Lock yet")
	}
	// ACL and Object Ownership headers need their own permissions too.
	if access.HasACLHeaders(r.Header) {
		if err := s.authorizeExtra(r.Context(), q, "s3:PutBucketAcl", awsapi.S3BucketARN(q.bucket), nil); err != nil {
			return err
		}
	}
	if r.Header.Get("X-Amz-Object-Ownership") != "" {
		if err := s.authorizeExtra(r.Context(), q, "s3:PutBucketOwnershipControls", awsapi.S3BucketARN(q.bucket), nil); err != nil {
			return err
		}
	}
	attrs, err := s.newBucketAttrs(r.Header, q.call.Principal.CanonicalID, q.call.Principal.Account)
	if err != nil {
		return err
	}

	constraint := ""
	if cfg.LocationConstraint != nil {
		constraint = strings.TrimSpace(*cfg.LocationConstraint)
	}
	region := s.region
	switch {
	case constraint == "" && s.region != "us-east-1":
		return errIllegalLocationConstraint
	case constraint == "":
	default:
		rg, ok := bucketLocationConstraints[constraint]
		if !ok {
			return errInvalidLocationConstraint.With("LocationConstraint", constraint)
		}
		if s.region != "us-east-1" && rg != s.region {
			return errIllegalLocationConstraint.WithMessage("The " + constraint +
				" location constraint is incompatible for the region specific endpoint this request was sent to.")
		}
		region = rg
	}

	account := q.call.Principal.Account
	// S3's bucket creation dates have whole seconds (ListBuckets shows
	// "…:09.000Z").
	b := &store.Bucket{Name: name, Owner: account, Region: region, Created: time.Now().UTC().Truncate(time.Second), Attrs: attrs}
	if constraint != "" && constraint != region {
		b.Attrs[attrLocationConstraint] = []byte(constraint)
	}
	defer s.buckets.invalidate(name)
	err = s.meta.CreateBucket(r.Context(), b)
	var exists *store.BucketExistsError
	switch {
	case err == nil:
	case errors.As(err, &exists):
		if exists.Owner != account {
			return errBucketAlreadyExists.With("BucketName", name)
		}
		if constraint != "" || s.region != "us-east-1" {
			return errBucketAlreadyOwnedByYou.With("BucketName", name)
		}
		old, gerr := s.meta.GetBucket(r.Context(), name)
		if gerr != nil || old.Region != "us-east-1" {
			return errBucketAlreadyOwnedByYou.With("BucketName", name)
		}
		// us-east-1 legacy: 200, and the bucket's ACL is reset to the one
		// the request names (private by default) where ACLs are enabled.
		if access.BucketOwnership(old).ACLsEnabled() {
			if err := s.putBucketAttr(r.Context(), name, access.AttrACL, attrs[access.AttrACL]); err != nil {
				return s.storeError(q, err)
			}
		}
	default:
		return err
	}
	h := w.Header()
	h.Set("Location", "/"+name)
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

// newBucketAttrs returns the access settings a new bucket starts with, from
// CreateBucket's x-amz-object-ownership, x-amz-acl and x-amz-grant-*
// headers, for the creating account (canonical id cid):
//
//   - Object Ownership: the header's, else BucketOwnerEnforced (AWS's
//     default since April 2023, recorded so GetBucketOwnershipControls
//     answers it); an unknown value is 400 InvalidArgument;
//   - Block Public Access: all four settings on, as AWS gives every new
//     bucket since April 2023;
//   - the bucket ACL: the headers' (private by default). Under
//     BucketOwnerEnforced an ACL granting to anyone but the owner is 400
//     InvalidBucketAclWithObjectOwnership (the Object Ownership
//     troubleshooting page); a public ACL is 403 AccessDenied, since the
//     new bucket's BlockPublicAcls is on ("PUT Bucket calls fail if the
//     request includes a public ACL"; code UNCONFIRMED, spec §1.6).
func (s *Service) newBucketAttrs(h http.Header, cid, account string) (map[string][]byte, error) {
	if cid == "" {
		cid = s.canonicalOf(account)
	}
	own := access.BucketOwnerEnforced
	if v, ok := h["X-Amz-Object-Ownership"]; ok {
		o, ok := access.ParseOwnership(strings.TrimSpace(v[0]))
		if !ok {
			return nil, access.ErrInvalidOwnershipHeader(v[0])
		}
		own = o
	}
	a, _, err := access.FromHeaders(h, cid, cid, true)
	if err != nil {
		return nil, err
	}
	if a == nil {
		p := access.Private(cid)
		a = &p
	}
	if own == access.BucketOwnerEnforced && !a.GrantsOnlyTo(cid) {
		return nil, access.ErrInvalidBucketACLWithObjectOwnership
	}
	if a.IsPublic() {
		return nil, access.ErrPublicACLBlocked
	}
	if err := a.Resolve(aclResolver{s}); err != nil {
		return nil, err
	}
	return map[string][]byte{
		access.AttrOwnership:         access.EncodeOwnership(own),
		access.AttrPublicAccessBlock: access.EncodePAB(access.AllBlocked),
		access.AttrACL:               access.Encode(*a),
	}, nil
}

// ---- HeadBucket, GetBucketLocation, DeleteBucket ----

// headBucket answers HeadBucket: 200 with the bucket's region. ServeS3 has
// already answered 404 for a missing bucket and 403 for a denied caller,
// without a body as for every HEAD.
func (s *Service) headBucket(w http.ResponseWriter, r *http.Request, q *request) error {
	h := w.Header()
	h.Set("X-Amz-Bucket-Region", q.bkt.Region)
	h.Set("X-Amz-Access-Point-Alias", "false")
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

type locationConstraintResult struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
	Value   string   `xml:",chardata"`
}

// getBucketLocation answers GetBucketLocation: the bucket's
// LocationConstraint, an empty element for us-east-1 (as S3 answers, for
// historical reasons), "EU" for a bucket created with that legacy name.
func (s *Service) getBucketLocation(w http.ResponseWriter, r *http.Request, q *request) error {
	v := q.bkt.Region
	if c, ok := q.bkt.Attrs[attrLocationConstraint]; ok {
		v = string(c)
	}
	if v == "us-east-1" {
		v = ""
	}
	writeXML(w, http.StatusOK, locationConstraintResult{Value: v})
	return nil
}

// deleteBucket answers DeleteBucket: 204, or 409 BucketNotEmpty. The
// bucket's in-progress multipart uploads are aborted with it (as for S3
// general purpose buckets); their parts' blobs are released after the
// metadata commit.
func (s *Service) deleteBucket(w http.ResponseWriter, r *http.Request, q *request) error {
	defer s.buckets.invalidate(q.bucket)
	parts, err := s.meta.DeleteBucket(r.Context(), q.bucket)
	if err != nil {
		return s.storeError(q, err)
	}
	s.releaseBlobs(r.Context(), nil, parts)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
