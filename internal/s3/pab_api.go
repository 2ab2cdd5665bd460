package s3

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/s3/access"
	"github.com/edgegate/edgegate/internal/store"
)

// Block Public Access: the bucket's configuration (S3 API) and the
// account's (S3 Control API). Deleting needs the Put action, as S3
// authorizes it.
var (
	opGetPublicAccessBlock = operation{
		name: "GetPublicAccessBlock", action: "s3:GetBucketPublicAccessBlock", target: targetBucket,
		handle: (*Service).getPublicAccessBlock,
	}
	opPutPublicAccessBlock = operation{
		name: "PutPublicAccessBlock", action: "s3:PutBucketPublicAccessBlock", target: targetBucket,
		handle: (*Service).putPublicAccessBlock,
	}
	opDeletePublicAccessBlock = operation{
		name: "DeletePublicAccessBlock", action: "s3:PutBucketPublicAccessBlock", target: targetBucket,
		handle: (*Service).deletePublicAccessBlock,
	}

	// S3 Control's GetPublicAccessBlock, PutPublicAccessBlock and
	// DeletePublicAccessBlock, named here after their IAM actions so that
	// operation names stay unique. They address no bucket: their target is
	// the service (the account named by x-amz-account-id).
	opGetAccountPublicAccessBlock = operation{
		name: "GetAccountPublicAccessBlock", action: "s3:GetAccountPublicAccessBlock", target: targetService,
		handle: (*Service).getAccountPublicAccessBlock,
	}
	opPutAccountPublicAccessBlock = operation{
		name: "PutAccountPublicAccessBlock", action: "s3:PutAccountPublicAccessBlock", target: targetService,
		handle: (*Service).putAccountPublicAccessBlock,
	}
	opDeleteAccountPublicAccessBlock = operation{
		name: "DeleteAccountPublicAccessBlock", action: "s3:PutAccountPublicAccessBlock", target: targetService,
		handle: (*Service).deleteAccountPublicAccessBlock,
	}
)

// maxConfigBody bounds the small configuration documents (ownership
// controls, public access block, ACLs: an ACL of 100 grants is ~30 KB).
const maxConfigBody = 1 << 20

// writeDoc answers 200 with a rendered XML document.
func writeDoc(w http.ResponseWriter, doc []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(doc)
}

// writeEmpty answers status with no body.
func writeEmpty(w http.ResponseWriter, status int) {
	if status != http.StatusNoContent {
		w.Header().Set("Content-Length", "0")
	}
	w.WriteHeader(status)
}

// effectivePAB returns the Block Public Access in force for bucket b: its
// own configuration combined with its owner account's.
func (s *Service) effectivePAB(ctx context.Context, b *store.Bucket) (access.PublicAccessBlock, error) {
	acct, err := s.settings.GetAccountPAB(ctx, b.Owner)
	if err != nil {
		return access.PublicAccessBlock{}, err
	}
	return access.Effective(acct, access.BucketPAB(b)), nil
}

// ---- bucket ----

// getPublicAccessBlock answers GetPublicAccessBlock: the bucket's own
// configuration (not combined with the account's, as S3 answers), or 404
// NoSuchPublicAccessBlockConfiguration.
func (s *Service) getPublicAccessBlock(w http.ResponseWriter, r *http.Request, q *request) error {
	p := access.BucketPAB(q.bkt)
	if p == nil {
		return access.ErrNoSuchPublicAccessBlock.With("BucketName", q.bucket)
	}
	writeDoc(w, access.MarshalPublicAccessBlock(*p, access.S3Namespace))
	return nil
}

// putPublicAccessBlock answers PutPublicAccessBlock: the body replaces the
// bucket's configuration (settings it omits are false).
func (s *Service) putPublicAccessBlock(w http.ResponseWriter, r *http.Request, q *request) error {
	body, err := readVerifiedBody(r, q, maxConfigBody, false)
	if err != nil {
		return err
	}
	p, err := access.ParsePublicAccessBlock(body)
	if err != nil {
		return err
	}
	if err := s.putBucketAttr(r.Context(), q.bucket, access.AttrPublicAccessBlock, access.EncodePAB(p)); err != nil {
		return s.storeError(q, err)
	}
	writeEmpty(w, http.StatusOK)
	return nil
}

// deletePublicAccessBlock answers DeletePublicAccessBlock: 204, also when
// the bucket had none.
func (s *Service) deletePublicAccessBlock(w http.ResponseWriter, r *http.Request, q *request) error {
	if err := s.putBucketAttr(r.Context(), q.bucket, access.AttrPublicAccessBlock, nil); err != nil {
		return s.storeError(q, err)
	}
	writeEmpty(w, http.StatusNoContent)
	return nil
}

// ---- S3 Control ----

// controlPrefix starts every S3 Control REST path.
const controlPrefix = "/v20180820/"

// isControlRequest reports whether r is an S3 Control request (see
// ServeS3).
func isControlRequest(r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, controlPrefix) {
		return false
	}
	_, ok := r.Header["X-Amz-Account-Id"]
	return ok
}

// serveControl answers an S3 Control request: it routes it to an operation,
// checks that x-amz-account-id names the caller's own account (another
// account's configuration is AccessDenied), authorizes it with the same
// rule as every S3 operation, and runs it.
func (s *Service) serveControl(w http.ResponseWriter, r *http.Request, q *request) error {
	var op *operation
	switch path := strings.TrimSuffix(r.URL.Path, "/"); path {
	case controlPrefix + "configuration/publicAccessBlock":
		switch r.Method {
		case http.MethodGet:
			op = &opGetAccountPublicAccessBlock
		case http.MethodPut:
			op = &opPutAccountPublicAccessBlock
		case http.MethodDelete:
			op = &opDeleteAccountPublicAccessBlock
		default:
			return errMethodNotAllowed
		}
	default:
		return errNotImplemented.WithMessage("edgegate does not implement the S3 Control operation " + r.Method + " " + path)
	}
	q.op = op
	s.fillContext(r, q)
	if err := s.authorize(r.Context(), q); err != nil {
		return err
	}
	if acct := r.Header.Get("X-Amz-Account-Id"); acct != q.call.Principal.Account {
		return errAccessDenied
	}
	return op.handle(s, w, r, q)
}

// getAccountPublicAccessBlock answers S3 Control's GetPublicAccessBlock.
func (s *Service) getAccountPublicAccessBlock(w http.ResponseWriter, r *http.Request, q *request) error {
	p, err := s.settings.GetAccountPAB(r.Context(), q.call.Principal.Account)
	if err != nil {
		return err
	}
	if p == nil {
		return access.ErrNoSuchPublicAccessBlock
	}
	writeDoc(w, access.MarshalPublicAccessBlock(*p, access.S3ControlNamespace))
	return nil
}

// putAccountPublicAccessBlock answers S3 Control's PutPublicAccessBlock.
func (s *Service) putAccountPublicAccessBlock(w http.ResponseWriter, r *http.Request, q *request) error {
	body, err := readVerifiedBody(r, q, maxConfigBody, false)
	if err != nil {
		return err
	}
	p, err := access.ParsePublicAccessBlock(body)
	if err != nil {
		return err
	}
	if err := s.settings.PutAccountPAB(r.Context(), q.call.Principal.Account, &p); err != nil {
		return err
	}
	writeEmpty(w, http.StatusOK)
	return nil
}

// deleteAccountPublicAccessBlock answers S3 Control's
// DeletePublicAccessBlock: 204, also when the account had none.
func (s *Service) deleteAccountPublicAccessBlock(w http.ResponseWriter, r *http.Request, q *request) error {
	if err := s.settings.PutAccountPAB(r.Context(), q.call.Principal.Account, nil); err != nil {
		return err
	}
	writeEmpty(w, http.StatusNoContent)
	return nil
}

// writeControlError renders err in S3 Control's error format, which wraps
// the Error element (the SDKs parse it with that wrapping):
//
//	<ErrorResponse><Error><Code>…</Code><Message>…</Message></Error><RequestId>…</RequestId><HostId>…</HostId></ErrorResponse>
func writeControlError(w http.ResponseWriter, r *http.Request, requestID string, err error) *awsapi.Error {
	var ae *awsapi.Error
	if !errors.As(err, &ae) {
		slog.Error("s3control: internal error", "request_id", requestID, "err", err)
		ae = errInternal
	}
	h := w.Header()
	for k, v := range ae.Header {
		h[k] = v
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(ae.Status)
		return ae
	}
	var b bytes.Buffer
	b.WriteString(xmlHeader)
	b.WriteString("<ErrorResponse><Error><Code>")
	xmlEscape(&b, ae.Code)
	b.WriteString("</Code><Message>")
	xmlEscape(&b, ae.Message)
	b.WriteString("</Message>")
	for _, f := range ae.Fields {
		b.WriteString("<" + f.Name + ">")
		xmlEscape(&b, f.Value)
		b.WriteString("</" + f.Name + ">")
	}
	b.WriteString("</Error><RequestId>" + requestID + "</RequestId><HostId>" + awsapi.HostID(requestID) + "</HostId></ErrorResponse>")
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(ae.Status)
	_, _ = w.Write(b.Bytes())
	return ae
}
