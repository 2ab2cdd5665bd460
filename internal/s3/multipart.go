package s3

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/store"
)

// Multipart upload operations. Creating, uploading to and completing an
// upload need s3:PutObject on the object, as S3 authorizes them.
var (
	opListMultipartUploads = operation{
		name: "ListMultipartUploads", action: "s3:ListBucketMultipartUploads", target: targetBucket,
		handle: (*Service).listMultipartUploads,
	}
	opCreateMultipartUpload = operation{
		name: "CreateMultipartUpload", action: "s3:PutObject", target: targetObject,
		handle: (*Service).createMultipartUpload,
	}
	opUploadPart = operation{
		name: "UploadPart", action: "s3:PutObject", target: targetObject,
		handle: (*Service).uploadPart,
	}
	opUploadPartCopy = operation{
		name: "UploadPartCopy", action: "s3:PutObject", target: targetObject,
		handle: (*Service).uploadPartCopy,
	}
	opCompleteMultipartUpload = operation{
		name: "CompleteMultipartUpload", action: "s3:PutObject", target: targetObject,
		handle: (*Service).completeMultipartUpload,
	}
	opAbortMultipartUpload = operation{
		name: "AbortMultipartUpload", action: "s3:AbortMultipartUpload", target: targetObject,
		handle: (*Service).abortMultipartUpload,
	}
	opListParts = operation{
		name: "ListParts", action: "s3:ListMultipartUploadParts", target: targetObject,
		handle: (*Service).listParts,
	}
)

// minPartSize is the smallest size of every part but the last of a
// completed multipart upload: 5 MiB.
const minPartSize = 5 << 20

// Upload template attributes this file keeps in store.Upload.Template.Attrs
// and strips from the completed object: who initiated the upload, as
// ListParts and ListMultipartUploads show it.
const (
	attrInitiatorID   = "s3:mpu-initiator-id"
	attrInitiatorName = "s3:mpu-initiator-name"
	// attrObjectOwner is the account that will own the completed object,
	// as objectWriteACL decided at CreateMultipartUpload from the bucket's
	// Object Ownership and the request's ACL ("" = anonymous). The ACL
	// itself, if not the default, travels as access.AttrACL.
	attrObjectOwner = "s3:mpu-object-owner"
)

// newUploadID returns an opaque, URL-safe upload id: 48 random bytes in
// unpadded base64url (64 characters; S3's are of similar length and
// alphabet).
func newUploadID() string {
	var b [48]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics on failure)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// uploadAlgorithm returns the checksum algorithm an upload was created
// with ("" if none). The template records it as the only key of
// Checksums, with an empty value.
func uploadAlgorithm(u *store.Upload) string {
	for k := range u.Template.Checksums {
		return k
	}
	return ""
}

// uploadFor returns the upload the request's uploadId names, or
// NoSuchUpload when it is unknown or belongs to another bucket or key.
func (s *Service) uploadFor(ctx context.Context, q *request) (*store.Upload, error) {
	id := q.query.Get("uploadId")
	if id == "" {
		return nil, errNoSuchUpload.With("UploadId", id)
	}
	u, err := s.meta.GetUpload(ctx, id)
	if err != nil {
		return nil, s.storeError(q, err)
	}
	if u.Bucket != q.bucket || u.Key != q.key {
		return nil, errNoSuchUpload.With("UploadId", id)
	}
	return u, nil
}

// parsePartNumber reads partNumber: an integer in 1..10000.
func parsePartNumber(query url.Values) (int, error) {
	v := query.Get("partNumber")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPartNumber {
		return 0, errInvalidArgument.WithMessage("Part number must be an integer between 1 and 10000, inclusive").
			With("ArgumentName", "partNumber").With("ArgumentValue", v)
	}
	return n, nil
}

// ---- CreateMultipartUpload ----

// multipartChecksumFrom reads CreateMultipartUpload's
// x-amz-checksum-algorithm and x-amz-checksum-type. A type without an
// algorithm, or a combination S3 does not support (FULL_OBJECT works with
// the CRCs only, COMPOSITE with all but CRC64NVME), is InvalidRequest. The
// default type is FULL_OBJECT for CRC64NVME and COMPOSITE for the others.
func multipartChecksumFrom(h http.Header) (algo, typ string, err error) {
	av, hasAlgo := h["X-Amz-Checksum-Algorithm"]
	tv, hasType := h["X-Amz-Checksum-Type"]
	if hasType {
		typ = strings.ToUpper(strings.TrimSpace(tv[0]))
		if typ != checksumComposite && typ != checksumFullObject {
			return "", "", errInvalidRequest.WithMessage("Value for x-amz-checksum-type header is invalid.")
		}
	}
	if !hasAlgo {
		if hasType {
			return "", "", errInvalidRequest.WithMessage("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
		}
		return "", "", nil
	}
	a := checksumAlgoByName(strings.TrimSpace(av[0]))
	if a == nil {
		return "", "", errUnsupportedChecksumAlgorithm
	}
	algo = a.Name
	crc := algo == algCRC32 || algo == algCRC32C || algo == algCRC64NVME
	switch {
	case typ == "" && algo == algCRC64NVME:
		typ = checksumFullObject
	case typ == "":
		typ = checksumComposite
	case typ == checksumFullObject && !crc, typ == checksumComposite && algo == algCRC64NVME:
		return "", "", errInvalidRequest.WithMessage("The " + typ + " checksum type cannot be used with the " +
			strings.ToLower(algo) + " checksum algorithm.")
	}
	return algo, typ, nil
}

// initiatorOf returns the Initiator element values for a principal: the
// account's canonical id and display name for the root user, the ARN and
// user (or session) name for IAM identities, as S3 shows them.
func initiatorOf(p identity.Principal) (id, name string) {
	if p.Type == identity.Root {
		return p.CanonicalID, p.DisplayName
	}
	name = p.UserName
	if name == "" {
		if i := strings.LastIndexByte(p.ARN, '/'); i >= 0 {
			name = p.ARN[i+1:]
		}
	}
	return p.ARN, name
}

type initiateMultipartUploadResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ InitiateMultipartUploadResult"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

// createMultipartUpload answers CreateMultipartUpload (POST ?uploads):
// the object's content headers, user metadata and storage class are
// validated and kept in the upload's template, as PutObject takes them.
func (s *Service) createMultipartUpload(w http.ResponseWriter, r *http.Request, q *request) error {
	tmpl := store.Object{Bucket: q.bucket, Key: q.key}
	if err := contentHeadersFrom(r.Header, &tmpl); err != nil {
		return err
	}
	sc, err := storageClassFrom(r.Header)
	if err != nil {
		return err
	}
	tmpl.StorageClass = sc
	enc, err := s.writeEncryption(r.Header, q.bkt)
	if err != nil {
		return err
	}
	algo, typ, err := multipartChecksumFrom(r.Header)
	if err != nil {
		return err
	}
	if algo != "" {
		tmpl.Checksums = map[string]string{algo: ""}
		tmpl.ChecksumType = typ
	}
	owner, acl, err := s.objectWriteACL(r.Context(), q, r.Header)
	if err != nil {
		return err
	}
	if enc.isKMS() {
		// S3 checks kms:GenerateDataKey when the upload is created; the
		// key's ARN, resolved here, seals every part.
		if _, err := s.newBlobSeal(r.Context(), q, enc, q.bucket, q.key); err != nil {
			return err
		}
	}
	p := q.call.Principal
	tmpl.Attrs = map[string][]byte{attrObjectOwner: []byte(owner), attrSSE: enc.encode()}
	if acl != nil {
		tmpl.Attrs[access.AttrACL] = acl
	}
	if p.Type != identity.Root {
		id, name := initiatorOf(p)
		tmpl.Attrs[attrInitiatorID] = []byte(id)
		tmpl.Attrs[attrInitiatorName] = []byte(name)
	}
	u := &store.Upload{
		Bucket: q.bucket, Key: q.key, Owner: p.Account,
		Initiated: time.Now().UTC().Truncate(time.Millisecond), Template: tmpl,
	}
	for attempt := 0; ; attempt++ {
		u.ID = newUploadID()
		err = s.meta.CreateUpload(r.Context(), u)
		if !errors.Is(err, store.ErrUploadExists) || attempt == 2 {
			break
		}
	}
	if err != nil {
		return s.storeError(q, err)
	}
	h := w.Header()
	if algo != "" {
		h["X-Amz-Checksum-Algorithm"] = []string{algo}
		h["X-Amz-Checksum-Type"] = []string{typ}
	}
	enc.setHeaders(h)
	writeXML(w, http.StatusOK, initiateMultipartUploadResult{Bucket: q.bucket, Key: q.key, UploadID: u.ID})
	return nil
}

// ---- UploadPart, UploadPartCopy ----

// uploadPart answers UploadPart (PUT ?partNumber&uploadId): the body is
// ingested into a new blob (with the upload's checksum algorithm required,
// else S3's default CRC64NVME computed), then the part is recorded,
// replacing any part of the same number, whose blob is then released.
func (s *Service) uploadPart(w http.ResponseWriter, r *http.Request, q *request) error {
	ctx := r.Context()
	num, err := parsePartNumber(q.query)
	if err != nil {
		return err
	}
	u, err := s.uploadFor(ctx, q)
	if err != nil {
		return err
	}
	if err := checkPartSSEHeaders(r.Header); err != nil {
		return err
	}
	enc, seal, err := s.partSeal(ctx, q, u)
	if err != nil {
		return err
	}
	opts := ingestOptions{DefaultAlgorithm: algCRC64NVME}
	if algo := uploadAlgorithm(u); algo != "" {
		opts = ingestOptions{Require: algo}
	}
	in, err := s.ingestWith(ctx, r, q, seal, opts)
	if err != nil {
		return err
	}
	part := &store.Part{
		Number: num, Size: in.Size, ETag: in.MD5, Checksums: in.Checksums, BlobID: in.BlobID,
		LastModified: time.Now().UTC().Truncate(time.Millisecond),
	}
	if err := s.putPart(ctx, q, u, part); err != nil {
		return err
	}
	h := w.Header()
	h["Etag"] = []string{quoteETag(part.ETag)}
	setPartChecksumHeaders(h, part.Checksums)
	enc.setHeaders(h)
	h["Content-Length"] = []string{"0"}
	w.WriteHeader(http.StatusOK)
	return nil
}

// checkPartSSEHeaders checks the encryption headers of UploadPart and
// UploadPartCopy, whose encryption is the upload's: SSE-C is not
// implemented; an x-amz-server-side-encryption must name a known
// algorithm.
func checkPartSSEHeaders(h http.Header) error {
	for _, name := range sseCustomerHeaders {
		if _, ok := h[name]; ok {
			return errNotImplemented.WithMessage("edgegate does not implement server-side encryption with customer-provided keys (SSE-C)").
				With("Header", strings.ToLower(name))
		}
	}
	if v, ok := h["X-Amz-Server-Side-Encryption"]; ok && v[0] != sseAES256 && v[0] != sseKMS && v[0] != sseKMSDSSE {
		return errInvalidArgument.WithMessage("The encryption method specified is not supported").
			With("ArgumentName", "x-amz-server-side-encryption").With("ArgumentValue", v[0])
	}
	return nil
}

// partSeal returns the upload's encryption and a fresh data key for one
// of its parts, sealed as the upload's settings say. An upload created
// before encryption at rest takes no new parts: its parts are plaintext,
// and mixing would make the completed object unreadable.
func (s *Service) partSeal(ctx context.Context, q *request, u *store.Upload) (*objectSSE, *blobSeal, error) {
	enc, err := objectEncryption(u.Template.Attrs)
	if err != nil {
		return nil, nil, err
	}
	if enc == nil {
		return nil, nil, errInvalidRequest.WithMessage("This multipart upload was created before edgegate encrypted objects at rest and cannot take new parts; abort it and upload again.")
	}
	c := *enc // newBlobSeal records the key's ARN; the record is shared
	enc = &c
	seal, err := s.newBlobSeal(ctx, q, enc, u.Bucket, u.Key)
	if err != nil {
		return nil, nil, err
	}
	return enc, seal, nil
}

// putPart records part, whose blob this request owns: on failure the blob
// is deleted; on success the replaced part's blob is released.
func (s *Service) putPart(ctx context.Context, q *request, u *store.Upload, part *store.Part) error {
	replaced, err := s.meta.PutPart(ctx, u.ID, part)
	if err != nil {
		s.dropBlob(ctx, part.BlobID)
		return s.storeError(q, err)
	}
	if replaced != nil {
		s.releaseBlobs(ctx, nil, []store.Part{*replaced})
	}
	return nil
}

// setPartChecksumHeaders writes x-amz-checksum-* for a part (parts have no
// checksum type of their own).
func setPartChecksumHeaders(h http.Header, sums map[string]string) {
	for _, a := range checksumAlgos {
		if v, ok := sums[a.Name]; ok {
			h[a.Header] = []string{v}
		}
	}
}

// parseCopySourceRange parses x-amz-copy-source-range for a source of size
// bytes: exactly "bytes=first-last" with 0 <= first <= last. A value of
// another form is InvalidArgument; a range that does not fit the source is
// InvalidArgument "Range specified is not valid for source object of size:
// N", as S3 answers UploadPartCopy (not 416).
func parseCopySourceRange(v string, size int64) (start, n int64, err error) {
	bad := errInvalidArgument.WithMessage("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy").
		With("ArgumentName", "x-amz-copy-source-range").With("ArgumentValue", v)
	spec, ok := strings.CutPrefix(strings.TrimSpace(v), "bytes=")
	if !ok {
		return 0, 0, bad
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok {
		return 0, 0, bad
	}
	first, e1 := parseDigits(a)
	last, e2 := parseDigits(b)
	if e1 || e2 || last < first {
		return 0, 0, bad
	}
	if last >= size {
		return 0, 0, errInvalidArgument.WithMessage("Range specified is not valid for source object of size: "+strconv.FormatInt(size, 10)).
			With("ArgumentName", "x-amz-copy-source-range").With("ArgumentValue", v)
	}
	return first, last - first + 1, nil
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyPartResult"`
	LastModified string   `xml:"LastModified"`
	ETag         string   `xml:"ETag"`
	checksumElems
}

// uploadPartCopy answers UploadPartCopy (PUT ?partNumber&uploadId with
// x-amz-copy-source): the source's bytes (or the x-amz-copy-source-range
// of them) are copied into a new blob, hashed as UploadPart hashes a body.
func (s *Service) uploadPartCopy(w http.ResponseWriter, r *http.Request, q *request) error {
	ctx := r.Context()
	num, err := parsePartNumber(q.query)
	if err != nil {
		return err
	}
	u, err := s.uploadFor(ctx, q)
	if err != nil {
		return err
	}
	srcBucket, srcKey, versionID, err := parseCopySource(r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	if len(srcKey) > maxKeyLength {
		return errKeyTooLong.With("Size", strconv.Itoa(len(srcKey))).With("MaxSizeAllowed", strconv.Itoa(maxKeyLength))
	}
	if versionID != "" && versionID != "null" {
		return errInvalidArgument.WithMessage("Invalid version id specified").
			With("ArgumentName", "x-amz-copy-source").With("ArgumentValue", r.Header.Get("X-Amz-Copy-Source"))
	}
	if err := checkPartSSEHeaders(r.Header); err != nil {
		return err
	}
	// A concurrent overwrite of the source can release its blobs between
	// reading its metadata and opening them: read (and decide on) the
	// source again once.
	var src *store.Object
	var rd *store.ObjectReader
	for attempt := 0; ; attempt++ {
		if src, err = s.authorizeSource(ctx, q, srcBucket, srcKey); err != nil {
			return err
		}
		rd, err = s.openObject(ctx, q, src)
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrBlobNotFound) || attempt == 1 {
			return err
		}
	}
	defer rd.Close()

	if res, failed := conditionsFrom(r.Header, "X-Amz-Copy-Source-").evaluate(src.ETag, src.LastModified); res != condProceed {
		return errPreconditionFailed.With("Condition", "x-amz-copy-source-"+strings.ToLower(failed))
	}
	if archived(src.StorageClass) {
		return errInvalidObjectState.With("StorageClass", src.StorageClass)
	}
	start, n := int64(0), src.Size
	if v, ok := r.Header["X-Amz-Copy-Source-Range"]; ok {
		if start, n, err = parseCopySourceRange(v[0], src.Size); err != nil {
			return err
		}
	}
	if n > maxCopySize { // 5 GiB, as for CopyObject
		return errInvalidRequest.WithMessage("The specified copy source is larger than the maximum allowable size for a copy source: " +
			strconv.Itoa(maxCopySize))
	}

	algo := checksumAlgoByName(uploadAlgorithm(u))
	if algo == nil {
		algo = checksumAlgoByName(algCRC64NVME)
	}
	enc, seal, err := s.partSeal(ctx, q, u)
	if err != nil {
		return err
	}
	blob, err := s.copyToBlob(ctx, seal, io.NewSectionReader(rd, start, n), n, algo)
	switch {
	case errors.Is(err, errShortCopy):
		return store.ErrCorrupt
	case err != nil:
		return s.keyError(q, err)
	}
	part := &store.Part{
		Number: num, Size: n, ETag: blob.md5,
		Checksums: map[string]string{algo.Name: blob.checksum}, BlobID: blob.id,
		LastModified: time.Now().UTC().Truncate(time.Millisecond),
	}
	if err := s.putPart(ctx, q, u, part); err != nil {
		return err
	}
	res := copyPartResult{LastModified: xmlTime(part.LastModified), ETag: quoteETag(part.ETag)}
	if uploadAlgorithm(u) != "" {
		res.set(part.Checksums)
	}
	enc.setHeaders(w.Header())
	writeXML(w, http.StatusOK, res)
	return nil
}

// checksumElems are the ChecksumCRC32 … ChecksumSHA256 elements of S3's
// documents, in S3's order; embedded, they are rendered inline.
type checksumElems struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
}

// set fills the elements from stored checksums (algorithm → base64).
func (c *checksumElems) set(sums map[string]string) {
	for a, v := range sums {
		switch a {
		case algCRC32:
			c.ChecksumCRC32 = v
		case algCRC32C:
			c.ChecksumCRC32C = v
		case algCRC64NVME:
			c.ChecksumCRC64NVME = v
		case algSHA1:
			c.ChecksumSHA1 = v
		case algSHA256:
			c.ChecksumSHA256 = v
		}
	}
}

// ---- CompleteMultipartUpload ----

// completeMultipartUpload is CompleteMultipartUpload's request body.
type completeMultipartUpload struct {
	XMLName xml.Name
	Parts   []completedPart `xml:"Part"`
}

type completedPart struct {
	PartNumber        string `xml:"PartNumber"`
	ETag              string `xml:"ETag"`
	ChecksumCRC32     string `xml:"ChecksumCRC32"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME"`
	ChecksumSHA1      string `xml:"ChecksumSHA1"`
	ChecksumSHA256    string `xml:"ChecksumSHA256"`

	number int // PartNumber, parsed
}

// checksums returns the part checksums the client listed, by algorithm.
func (p *completedPart) checksums() map[string]string {
	var m map[string]string
	for _, kv := range [...]struct{ k, v string }{
		{algCRC32, p.ChecksumCRC32}, {algCRC32C, p.ChecksumCRC32C}, {algCRC64NVME, p.ChecksumCRC64NVME},
		{algSHA1, p.ChecksumSHA1}, {algSHA256, p.ChecksumSHA256},
	} {
		if v := strings.TrimSpace(kv.v); v != "" {
			if m == nil {
				m = make(map[string]string, 1)
			}
			m[kv.k] = v
		}
	}
	return m
}

// parseCompleteMultipartUpload parses and checks the shape of the body:
// well-formed, a CompleteMultipartUpload root, at least one Part, each
// with a PartNumber in 1..10000 (else MalformedXML or InvalidArgument),
// numbers strictly ascending (else InvalidPartOrder).
func parseCompleteMultipartUpload(body []byte, uploadID string) ([]completedPart, error) {
	var c completeMultipartUpload
	if err := xml.Unmarshal(body, &c); err != nil {
		return nil, errMalformedXML
	}
	if c.XMLName.Local != "CompleteMultipartUpload" || (c.XMLName.Space != "" && c.XMLName.Space != s3Namespace) || len(c.Parts) == 0 {
		return nil, errMalformedXML
	}
	prev := 0
	for i := range c.Parts {
		p := &c.Parts[i]
		v := strings.TrimSpace(p.PartNumber)
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, errMalformedXML
		}
		if n < 1 || n > maxPartNumber {
			return nil, errInvalidArgument.WithMessage("Part number must be an integer between 1 and 10000, inclusive").
				With("ArgumentName", "partNumber").With("ArgumentValue", v)
		}
		if n <= prev {
			return nil, errInvalidPartOrder.With("UploadId", uploadID).With("PartNumber", v).With("ETag", trimETag(p.ETag))
		}
		p.number, prev = n, n
	}
	return c.Parts, nil
}

// trimETag removes surrounding whitespace and quotes from a client's ETag.
func trimETag(s string) string { return strings.Trim(strings.TrimSpace(s), `"`) }

// multipartETag is the ETag of a completed upload: the hex MD5 of the
// concatenated binary MD5s of its parts, "-" and the number of parts.
func multipartETag(partETags []string) (string, error) {
	h := md5.New()
	for _, e := range partETags {
		b, err := hex.DecodeString(e)
		if err != nil || len(b) != md5.Size {
			return "", errors.New("s3: part ETag " + strconv.Quote(e) + " is not a hex MD5")
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(len(partETags)), nil
}

type completeMultipartUploadResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUploadResult"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
	checksumElems
	ChecksumType string `xml:"ChecksumType,omitempty"`
}

// objectLocation is the URL of the object q names, as
// CompleteMultipartUploadResult's Location gives it: the address the
// request used, virtual-hosted or path style.
func objectLocation(r *http.Request, q *request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	path := "/" + q.bucket + "/" + q.key
	if bucketFromHost(r.Host) != "" {
		path = "/" + q.key
	}
	return scheme + "://" + r.Host + (&url.URL{Path: path}).EscapedPath()
}

// completeMultipartUpload answers CompleteMultipartUpload (POST
// ?uploadId). The listed parts must exist with the given ETags (and
// checksums), ascend, and all but the last be at least 5 MiB. The object
// references the chosen parts' blobs (nothing is copied); its ETag is the
// multipart ETag, its checksum the upload's composite or full-object
// checksum; its owner is the completer's account. Parts not chosen and the
// replaced object are released after the commit.
func (s *Service) completeMultipartUpload(w http.ResponseWriter, r *http.Request, q *request) error {
	ctx := r.Context()
	u, err := s.uploadFor(ctx, q)
	if err != nil {
		return err
	}
	body, err := readXMLBody(r, maxXMLRequestBody)
	if err != nil {
		return err
	}
	req, err := parseCompleteMultipartUpload(body, u.ID)
	if err != nil {
		return err
	}
	stored, err := s.meta.ListParts(ctx, u.ID, 0, maxPartNumber)
	if err != nil {
		return s.storeError(q, err)
	}
	byNum := make(map[int]*store.Part, len(stored.Parts))
	for i := range stored.Parts {
		byNum[stored.Parts[i].Number] = &stored.Parts[i]
	}

	algo := uploadAlgorithm(u)
	typ := u.Template.ChecksumType
	chosen := make([]*store.Part, len(req))
	for i := range req {
		rp := &req[i]
		p, ok := byNum[rp.number]
		invalid := func() error {
			return errInvalidPart.With("UploadId", u.ID).With("PartNumber", strconv.Itoa(rp.number)).With("ETag", trimETag(rp.ETag))
		}
		if !ok || !strings.EqualFold(trimETag(rp.ETag), p.ETag) {
			return invalid()
		}
		given := rp.checksums()
		for a, v := range given {
			if p.Checksums[a] != v {
				return invalid()
			}
		}
		if algo != "" && typ == checksumComposite && given[algo] == "" {
			return errInvalidRequest.WithMessage("The upload was created using a " + strings.ToLower(algo) +
				" checksum. The complete request must include the checksum for each part. It was missing for part " +
				strconv.Itoa(rp.number) + " in the request.")
		}
		chosen[i] = p
	}
	var total int64
	etags := make([]string, len(chosen))
	for i, p := range chosen {
		if i < len(chosen)-1 && p.Size < minPartSize {
			return errEntityTooSmall.WithMessage("Your proposed upload is smaller than the minimum allowed size").
				With("ProposedSize", strconv.FormatInt(p.Size, 10)).With("MinSizeAllowed", strconv.Itoa(minPartSize)).
				With("PartNumber", strconv.Itoa(p.Number)).With("ETag", p.ETag)
		}
		total += p.Size
		etags[i] = p.ETag
	}
	if v, ok := r.Header["X-Amz-Mp-Object-Size"]; ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(v[0]), 10, 64); err != nil || n != total {
			return errInvalidRequest.WithMessage("The provided 'x-amz-mp-object-size' header value " + v[0] +
				" does not match what was computed: " + strconv.FormatInt(total, 10))
		}
	}
	etag, err := multipartETag(etags)
	if err != nil {
		return err
	}
	sums, sumType, err := multipartChecksum(algo, typ, chosen)
	if err != nil {
		return err
	}
	if err := checkCompleteChecksumHeaders(r.Header, sums, sumType); err != nil {
		return err
	}
	cond := writeConditionsFrom(r.Header)
	if err := s.checkWriteConditions(ctx, q, cond); err != nil {
		return err
	}

	obj := u.Template
	obj.Bucket, obj.Key = q.bucket, q.key
	obj.Size = total
	obj.ETag = etag
	obj.LastModified = time.Now().UTC().Truncate(time.Millisecond)
	obj.Owner = q.call.Principal.Account
	obj.Checksums, obj.ChecksumType = sums, sumType
	obj.PartCount = len(chosen)
	obj.UserMeta = maps.Clone(u.Template.UserMeta)
	obj.Attrs = maps.Clone(u.Template.Attrs)
	delete(obj.Attrs, attrInitiatorID)
	delete(obj.Attrs, attrInitiatorName)
	// The owner and ACL decided at CreateMultipartUpload; if the bucket
	// has turned BucketOwnerEnforced since, the bucket owner owns the
	// object and ACLs no longer apply.
	if v, ok := obj.Attrs[attrObjectOwner]; ok {
		obj.Owner = string(v)
		delete(obj.Attrs, attrObjectOwner)
	}
	if access.BucketOwnership(q.bkt) == access.BucketOwnerEnforced {
		obj.Owner = q.bkt.Owner
		delete(obj.Attrs, access.AttrACL)
	}
	if len(obj.Attrs) == 0 {
		obj.Attrs = nil
	}
	obj.Segments = make([]store.Segment, len(chosen))
	for i, p := range chosen {
		obj.Segments[i] = store.Segment{BlobID: p.BlobID, Size: p.Size}
	}
	replaced, unused, err := s.meta.CompleteUpload(ctx, u.ID, &obj)
	if err != nil {
		if errors.Is(err, store.ErrInvalidPart) {
			// A part was replaced by a concurrent UploadPart after we
			// listed them: its ETag no longer matches.
			return errInvalidPart.With("UploadId", u.ID)
		}
		return s.storeError(q, err)
	}
	var objs []*store.Object
	if replaced != nil {
		objs = []*store.Object{replaced}
	}
	s.releaseBlobs(ctx, objs, unused)

	res := completeMultipartUploadResult{Location: objectLocation(r, q), Bucket: q.bucket, Key: q.key, ETag: quoteETag(etag)}
	res.set(sums)
	if len(sums) > 0 {
		res.ChecksumType = sumType
	}
	// A plaintext upload from before encryption at rest (no record) is
	// answered AES256, as it always was.
	enc, _ := objectEncryption(obj.Attrs)
	enc.setHeaders(w.Header())
	writeXML(w, http.StatusOK, res)
	return nil
}

// checkCompleteChecksumHeaders verifies an x-amz-checksum-* value sent with
// CompleteMultipartUpload (the full-object CRC, or the composite "sum-N")
// against the computed one, and x-amz-checksum-type against the upload's.
func checkCompleteChecksumHeaders(h http.Header, sums map[string]string, typ string) error {
	if v, ok := h["X-Amz-Checksum-Type"]; ok && len(sums) > 0 && !strings.EqualFold(strings.TrimSpace(v[0]), typ) {
		return errInvalidRequest.WithMessage("The upload was created using the " + typ +
			" checksum mode. The complete request must use the same checksum mode.")
	}
	for _, a := range checksumAlgos {
		v, ok := h[a.Header]
		if !ok {
			continue
		}
		want, have := sums[a.Name]
		if !have {
			continue // not a checksum of this upload: nothing to check it against
		}
		if strings.TrimSpace(v[0]) != want {
			return errBadChecksum(a)
		}
	}
	return nil
}

// multipartChecksum computes a completed upload's checksum from its parts'
// checksums, without reading the data:
//
//   - COMPOSITE (CRC32, CRC32C, SHA1, SHA256): the algorithm over the
//     concatenated binary part checksums, base64, "-" and the part count;
//   - FULL_OBJECT (CRC32, CRC32C, CRC64NVME): the CRC of the whole object,
//     combined from the part CRCs and sizes (crcCombine).
//
// An upload created without an algorithm gets S3's default, a full-object
// CRC64NVME, when every chosen part carries a CRC64NVME (ingest computes it
// for parts sent without a checksum); when a client chose another
// algorithm for some part, the object gets no checksum (computing one would
// mean reading every part again).
func multipartChecksum(algo, typ string, parts []*store.Part) (map[string]string, string, error) {
	if algo == "" {
		algo, typ = algCRC64NVME, checksumFullObject
		for _, p := range parts {
			if p.Checksums[algCRC64NVME] == "" {
				return nil, "", nil
			}
		}
	}
	a := checksumAlgoByName(algo)
	if a == nil {
		return nil, "", errors.New("s3: upload has unknown checksum algorithm " + algo)
	}
	raw := make([][]byte, len(parts))
	for i, p := range parts {
		b, err := base64.StdEncoding.DecodeString(p.Checksums[algo])
		if err != nil || len(b) != a.Size {
			return nil, "", errors.New("s3: part " + strconv.Itoa(p.Number) + " has no valid " + algo + " checksum")
		}
		raw[i] = b
	}
	if typ == checksumComposite {
		h := a.New()
		for _, b := range raw {
			h.Write(b)
		}
		return map[string]string{algo: checksumString(h) + "-" + strconv.Itoa(len(parts))}, checksumComposite, nil
	}
	c := crcCombinerFor(algo)
	if c == nil {
		return nil, "", errors.New("s3: no full-object combination for " + algo)
	}
	var crc uint64
	for i, b := range raw {
		v := beUint(b)
		if i == 0 {
			crc = v
		} else {
			crc = c.combine(crc, v, parts[i].Size)
		}
	}
	out := make([]byte, a.Size)
	if a.Size == 4 {
		binary.BigEndian.PutUint32(out, uint32(crc))
	} else {
		binary.BigEndian.PutUint64(out, crc)
	}
	return map[string]string{algo: base64.StdEncoding.EncodeToString(out)}, checksumFullObject, nil
}

func beUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// crcCombiner combines the CRCs of two adjacent byte strings into the CRC
// of their concatenation, for a reflected CRC whose initial value and final
// XOR are all ones (CRC-32, CRC-32C, CRC-64/NVME): with A and B the
// strings, crc(A‖B) = crc(A)·x^(8·len(B)) mod P ⊕ crc(B), because the
// contributions of the initial value and the final XOR cancel. Polynomials
// are kept in the reflected bit order the CRCs use: the most significant
// of the width's bits is the coefficient of x^0.
type crcCombiner struct {
	width uint
	poly  uint64     // reflected polynomial, without the x^width term
	pow2  [64]uint64 // pow2[k] = x^(2^k) mod P
}

func newCRCCombiner(width uint, poly uint64) *crcCombiner {
	c := &crcCombiner{width: width, poly: poly}
	p := uint64(1) << (width - 2) // x^1
	for k := range c.pow2 {
		c.pow2[k] = p
		p = c.mul(p, p)
	}
	return c
}

var (
	crc32Combiner     = newCRCCombiner(32, 0xedb88320)
	crc32cCombiner    = newCRCCombiner(32, 0x82f63b78)
	crc64nvmeCombiner = newCRCCombiner(64, 0x9a6c9329ac4bc9b5)
)

func crcCombinerFor(algo string) *crcCombiner {
	switch algo {
	case algCRC32:
		return crc32Combiner
	case algCRC32C:
		return crc32cCombiner
	case algCRC64NVME:
		return crc64nvmeCombiner
	}
	return nil
}

// mul returns a·b mod P.
func (c *crcCombiner) mul(a, b uint64) uint64 {
	var p uint64
	for m := uint64(1) << (c.width - 1); m != 0; m >>= 1 { // a's terms from x^0 up
		if a&m != 0 {
			p ^= b
		}
		if b&1 != 0 { // b·x, reduced
			b = b>>1 ^ c.poly
		} else {
			b >>= 1
		}
	}
	return p
}

// xpow8 returns x^(8·n) mod P.
func (c *crcCombiner) xpow8(n uint64) uint64 {
	r := uint64(1) << (c.width - 1) // x^0
	for k := 3; n != 0 && k < len(c.pow2); k++ {
		if n&1 != 0 {
			r = c.mul(r, c.pow2[k])
		}
		n >>= 1
	}
	return r
}

// combine returns the CRC of A‖B from crcA, crcB and len(B).
func (c *crcCombiner) combine(crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA
	}
	return c.mul(crcA, c.xpow8(uint64(lenB))) ^ crcB
}

// ---- AbortMultipartUpload ----

// abortMultipartUpload answers AbortMultipartUpload (DELETE ?uploadId):
// 204, the parts' blobs released after the metadata commit.
func (s *Service) abortMultipartUpload(w http.ResponseWriter, r *http.Request, q *request) error {
	ctx := r.Context()
	u, err := s.uploadFor(ctx, q)
	if err != nil {
		return err
	}
	parts, err := s.meta.AbortUpload(ctx, u.ID)
	if err != nil {
		return s.storeError(q, err)
	}
	s.releaseBlobs(ctx, nil, parts)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- ListParts ----

type partElem struct {
	PartNumber   int    `xml:"PartNumber"`
	LastModified string `xml:"LastModified"`
	ETag         string `xml:"ETag"`
	Size         int64  `xml:"Size"`
	checksumElems
}

type listPartsResult struct {
	XMLName              xml.Name   `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListPartsResult"`
	Bucket               string     `xml:"Bucket"`
	Key                  string     `xml:"Key"`
	UploadID             string     `xml:"UploadId"`
	Initiator            *ownerElem `xml:"Initiator,omitempty"`
	Owner                *ownerElem `xml:"Owner,omitempty"`
	StorageClass         string     `xml:"StorageClass"`
	ChecksumAlgorithm    string     `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType         string     `xml:"ChecksumType,omitempty"`
	PartNumberMarker     int        `xml:"PartNumberMarker"`
	NextPartNumberMarker int        `xml:"NextPartNumberMarker"`
	MaxParts             int        `xml:"MaxParts"`
	IsTruncated          bool       `xml:"IsTruncated"`
	Parts                []partElem `xml:"Part"`
}

// initiatorElem returns the Initiator element of an upload: the IAM
// identity recorded at creation, else (root) the owner.
func (s *Service) initiatorElem(u *store.Upload, owner *ownerElem) *ownerElem {
	if id, ok := u.Template.Attrs[attrInitiatorID]; ok {
		return &ownerElem{ID: string(id), DisplayName: string(u.Template.Attrs[attrInitiatorName])}
	}
	return owner
}

// listParts answers ListParts (GET ?uploadId): max-parts (default and cap
// 1000) parts numbered above part-number-marker.
func (s *Service) listParts(w http.ResponseWriter, r *http.Request, q *request) error {
	ctx := r.Context()
	maxParts := maxListKeys
	if v, ok := q.query["max-parts"]; ok {
		n, err := parseMaxArg(v[0], "max-parts", "max-parts")
		if err != nil {
			return err
		}
		maxParts = n
	}
	marker := 0
	if v, ok := q.query["part-number-marker"]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v[0]), 10, 32)
		if err != nil || n < 0 {
			return errInvalidArgument.WithMessage("Provided part-number-marker not an integer or within integer range").
				With("ArgumentName", "part-number-marker").With("ArgumentValue", v[0])
		}
		marker = int(n)
	}
	u, err := s.uploadFor(ctx, q)
	if err != nil {
		return err
	}
	var res store.ListPartsResult
	if limit := min(maxParts, maxListKeys); limit > 0 {
		if res, err = s.meta.ListParts(ctx, u.ID, marker, limit); err != nil {
			return s.storeError(q, err)
		}
	}
	owner := s.ownerOf(u.Owner)
	out := listPartsResult{
		Bucket: q.bucket, Key: q.key, UploadID: u.ID,
		Initiator: s.initiatorElem(u, owner), Owner: owner,
		StorageClass:      storageClassOf(u.Template.StorageClass),
		ChecksumAlgorithm: uploadAlgorithm(u), ChecksumType: u.Template.ChecksumType,
		PartNumberMarker: marker, NextPartNumberMarker: res.NextPartNumberMarker,
		MaxParts: maxParts, IsTruncated: res.IsTruncated,
	}
	out.Parts = make([]partElem, len(res.Parts))
	for i, p := range res.Parts {
		e := partElem{PartNumber: p.Number, LastModified: xmlTime(p.LastModified), ETag: quoteETag(p.ETag), Size: p.Size}
		e.set(p.Checksums)
		out.Parts[i] = e
	}
	writeXML(w, http.StatusOK, out)
	return nil
}

// ---- ListMultipartUploads ----

type uploadElem struct {
	Key               string     `xml:"Key"`
	UploadID          string     `xml:"UploadId"`
	Initiator         *ownerElem `xml:"Initiator,omitempty"`
	Owner             *ownerElem `xml:"Owner,omitempty"`
	StorageClass      string     `xml:"StorageClass"`
	Initiated         string     `xml:"Initiated"`
	ChecksumAlgorithm string     `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType      string     `xml:"ChecksumType,omitempty"`
}

type listMultipartUploadsResult struct {
	XMLName            xml.Name           `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListMultipartUploadsResult"`
	Bucket             string             `xml:"Bucket"`
	KeyMarker          string             `xml:"KeyMarker"`
	UploadIDMarker     string             `xml:"UploadIdMarker"`
	NextKeyMarker      string             `xml:"NextKeyMarker"`
	NextUploadIDMarker string             `xml:"NextUploadIdMarker"`
	Delimiter          string             `xml:"Delimiter,omitempty"`
	Prefix             string             `xml:"Prefix"`
	MaxUploads         int                `xml:"MaxUploads"`
	EncodingType       string             `xml:"EncodingType,omitempty"`
	IsTruncated        bool               `xml:"IsTruncated"`
	Uploads            []uploadElem       `xml:"Upload"`
	CommonPrefixes     []commonPrefixElem `xml:"CommonPrefixes"`
}

// listMultipartUploads answers ListMultipartUploads (GET /bucket?uploads):
// prefix, delimiter, key-marker, upload-id-marker, max-uploads (default
// and cap 1000) and encoding-type (which encodes Key, Prefix, Delimiter,
// KeyMarker and NextKeyMarker). As S3 does, NextKeyMarker and
// NextUploadIdMarker name the last entry returned even when the listing is
// complete.
func (s *Service) listMultipartUploads(w http.ResponseWriter, r *http.Request, q *request) error {
	p := &listParams{prefix: q.query.Get("prefix"), delimiter: q.query.Get("delimiter"), maxKeys: maxListKeys}
	if v, ok := q.query["max-uploads"]; ok {
		n, err := parseMaxArg(v[0], "max-uploads", "max-uploads")
		if err != nil {
			return err
		}
		p.maxKeys = n
	}
	p.limit = min(p.maxKeys, maxListKeys)
	enc, err := parseEncodingType(q.query)
	if err != nil {
		return err
	}
	p.urlEncode = enc
	keyMarker, idMarker := q.query.Get("key-marker"), q.query.Get("upload-id-marker")

	var res store.ListUploadsResult
	if p.limit > 0 {
		res, err = s.meta.ListUploads(r.Context(), q.bucket, store.ListUploadsOptions{
			Prefix: p.prefix, Delimiter: p.delimiter, KeyMarker: keyMarker, UploadIDMarker: idMarker, MaxUploads: p.limit,
		})
		if err != nil {
			return s.storeError(q, err)
		}
	}
	out := listMultipartUploadsResult{
		Bucket: q.bucket, KeyMarker: p.enc(keyMarker), UploadIDMarker: idMarker,
		Delimiter: p.enc(p.delimiter), Prefix: p.enc(p.prefix), MaxUploads: p.maxKeys,
		EncodingType: p.encodingType(), IsTruncated: res.IsTruncated,
	}
	nextKey, nextID := res.NextKeyMarker, res.NextUploadIDMarker
	if !res.IsTruncated {
		nextKey, nextID = lastUploadEntry(&res)
	}
	out.NextKeyMarker, out.NextUploadIDMarker = p.enc(nextKey), nextID

	var owners ownerCache
	owners.s = s
	out.Uploads = make([]uploadElem, len(res.Uploads))
	for i := range res.Uploads {
		u := &res.Uploads[i]
		owner := owners.get(u.Owner)
		out.Uploads[i] = uploadElem{
			Key: p.enc(u.Key), UploadID: u.ID, Initiator: s.initiatorElem(u, owner), Owner: owner,
			StorageClass: storageClassOf(u.Template.StorageClass), Initiated: xmlTime(u.Initiated),
			ChecksumAlgorithm: uploadAlgorithm(u), ChecksumType: u.Template.ChecksumType,
		}
	}
	out.CommonPrefixes = make([]commonPrefixElem, len(res.CommonPrefixes))
	for i, cp := range res.CommonPrefixes {
		out.CommonPrefixes[i] = commonPrefixElem{Prefix: p.enc(cp)}
	}
	writeXML(w, http.StatusOK, out)
	return nil
}

// lastUploadEntry returns the key and upload id of the last entry of a
// complete page (a common prefix has no id), "" when the page is empty.
func lastUploadEntry(res *store.ListUploadsResult) (key, id string) {
	if n := len(res.Uploads); n > 0 {
		key, id = res.Uploads[n-1].Key, res.Uploads[n-1].ID
	}
	if n := len(res.CommonPrefixes); n > 0 && res.CommonPrefixes[n-1] > key {
		key, id = res.CommonPrefixes[n-1], ""
	}
	return key, id
}
