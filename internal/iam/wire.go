package iam

import (
	"bytes"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// The query protocol's namespaces and API versions.
const (
	iamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/"
	stsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/"
	iamVersion   = "2010-05-08"
	stsVersion   = "2011-06-15"
)

// maxFormBytes bounds a query-protocol request body.
const maxFormBytes = 1 << 20

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// parseForm returns the request's parameters: the form-encoded body of a
// POST, merged after the URL query (GET requests carry them there).
func parseForm(w http.ResponseWriter, req *http.Request) (url.Values, *awsapi.Error) {
	if req.Body != nil {
		req.Body = http.MaxBytesReader(w, req.Body, maxFormBytes)
	}
	if err := req.ParseForm(); err != nil {
		return nil, errMalformedQuery
	}
	return req.Form, nil
}

// responseMetadata is the trailer of every query-protocol response.
type responseMetadata struct {
	RequestID string `xml:"RequestId"`
}

// writeResult renders <ActionResponse xmlns=NS><ActionResult>result
// </ActionResult><ResponseMetadata/></ActionResponse>, NS api's. A nil
// result (the operation has no output, like DeleteUser) omits the Result
// element.
func writeResult(w http.ResponseWriter, requestID string, api *queryAPI, action string, result any) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	enc := xml.NewEncoder(buf)
	root := xml.StartElement{
		Name: xml.Name{Local: action + "Response"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: api.ns}},
	}
	err := enc.EncodeToken(root)
	if err == nil && result != nil {
		err = enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}})
	}
	if err == nil {
		err = enc.EncodeElement(responseMetadata{RequestID: requestID}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	}
	if err == nil {
		err = enc.EncodeToken(root.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		slog.Error("iam: encoding response", "request_id", requestID, "action", action, "err", err)
		writeQueryError(w, requestID, api.ns, api.internal)
		return
	}
	setHeaders(w, requestID, buf.Len())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

func setHeaders(w http.ResponseWriter, requestID string, n int) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(n))
	h.Set("X-Amz-Request-Id", requestID)
	h["x-amzn-RequestId"] = []string{requestID} // IAM's and STS's own spelling
}

// WriteIAMError renders err as IAM's ErrorResponse document and returns the
// error sent. Errors that are not *awsapi.Error become 500 ServiceFailure
// (and are logged); the S3 spellings of the shared SigV4 errors are sent as
// IAM spells them (InvalidAccessKeyId becomes InvalidClientTokenId).
func WriteIAMError(w http.ResponseWriter, requestID string, err error) *awsapi.Error {
	return writeQueryError(w, requestID, iamNamespace, toAPIError(requestID, err, errServiceFailure))
}

// WriteSTSError is WriteIAMError for STS (500s are InternalFailure).
func WriteSTSError(w http.ResponseWriter, requestID string, err error) *awsapi.Error {
	return writeQueryError(w, requestID, stsNamespace, toAPIError(requestID, err, errInternalFailure))
}

func toAPIError(requestID string, err error, internal *awsapi.Error) *awsapi.Error {
	var ae *awsapi.Error
	if !errors.As(err, &ae) || ae == nil {
		slog.Error("iam: internal error", "request_id", requestID, "err", err)
		return internal
	}
	return queryError(ae, internal)
}

// writeQueryError renders
// <ErrorResponse xmlns=ns><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>.
func writeQueryError(w http.ResponseWriter, requestID, ns string, e *awsapi.Error) *awsapi.Error {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	buf.WriteString(`<ErrorResponse xmlns="`)
	buf.WriteString(ns)
	buf.WriteString(`"><Error><Type>`)
	buf.WriteString(typ)
	buf.WriteString("</Type><Code>")
	xmlEscape(buf, e.Code)
	buf.WriteString("</Code><Message>")
	xmlEscape(buf, e.Message)
	buf.WriteString("</Message>")
	for _, f := range e.Fields {
		buf.WriteByte('<')
		buf.WriteString(f.Name)
		buf.WriteByte('>')
		xmlEscape(buf, f.Value)
		buf.WriteString("</")
		buf.WriteString(f.Name)
		buf.WriteByte('>')
	}
	buf.WriteString("</Error><RequestId>")
	xmlEscape(buf, requestID)
	buf.WriteString("</RequestId></ErrorResponse>")
	h := w.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	setHeaders(w, requestID, buf.Len())
	w.WriteHeader(e.Status)
	_, _ = w.Write(buf.Bytes())
	return e
}

func xmlEscape(buf *bytes.Buffer, s string) { _ = xml.EscapeText(buf, []byte(s)) }
