package s3

import (
	"bytes"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"

	"github.com/edgegate/edgegate/internal/awsapi"
)

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// s3Namespace is the xmlns of S3 response documents.
const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeXML renders v as an S3 XML document with the given status.
func writeXML(w http.ResponseWriter, status int, v any) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	buf.WriteString(xmlHeader)
	if err := xml.NewEncoder(buf).Encode(v); err != nil {
		slog.Error("s3: encoding response", "err", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// WriteError renders err as S3's error document. Errors that are not
// *awsapi.Error become 500 InternalError (and are logged). HEAD responses
// carry the status and headers only, as S3's do.
func WriteError(w http.ResponseWriter, r *http.Request, requestID string, err error) *awsapi.Error {
	var ae *awsapi.Error
	if !errors.As(err, &ae) {
		slog.Error("s3: internal error", "request_id", requestID, "err", err)
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
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	buf.WriteString(xmlHeader)
	buf.WriteString("<Error><Code>")
	xmlEscape(buf, ae.Code)
	buf.WriteString("</Code><Message>")
	xmlEscape(buf, ae.Message)
	buf.WriteString("</Message>")
	for _, f := range ae.Fields {
		buf.WriteByte('<')
		buf.WriteString(f.Name)
		buf.WriteByte('>')
		xmlEscape(buf, f.Value)
		buf.WriteString("</")
		buf.WriteString(f.Name)
		buf.WriteByte('>')
	}
	buf.WriteString("<RequestId>")
	buf.WriteString(requestID)
	buf.WriteString("</RequestId><HostId>")
	buf.WriteString(awsapi.HostID(requestID))
	buf.WriteString("</HostId></Error>")
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(ae.Status)
	_, _ = w.Write(buf.Bytes())
	return ae
}

func xmlEscape(buf *bytes.Buffer, s string) {
	_ = xml.EscapeText(buf, []byte(s))
}
