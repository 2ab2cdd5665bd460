// Package awsapi holds the wire pieces every edgegate AWS service shares:
// AWS-shaped errors, request ids and ARNs. It knows no service's semantics.
package awsapi

import "net/http"

// Error is an AWS error value: a code, the HTTP status it is sent with, a
// human message and, in order, any extra elements the service adds to its
// error document (S3's Key, BucketName, CanonicalRequest, StringToSign, ...).
//
// Handlers return *Error; one writer per service renders it in that service's
// wire format (S3 XML, IAM/STS query XML, KMS JSON, CloudFront ErrorResponse).
type Error struct {
	Code    string
	Message string
	Status  int
	Fields  []Field
	// Header holds response headers that travel with the error (for example
	// S3's x-amz-bucket-region); nil for most errors.
	Header http.Header
}

// Field is one extra element of an error document.
type Field struct {
	Name, Value string
}

// Error implements the error interface as "Code: Message".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// New returns an Error with the given status, code and message.
func New(status int, code, message string) *Error {
	return &Error{Code: code, Message: message, Status: status}
}

// With returns a copy of e with one more extra field appended. The receiver
// is never modified, so package-level error values stay shareable.
func (e *Error) With(name, value string) *Error {
	c := *e
	c.Fields = append(append([]Field(nil), e.Fields...), Field{name, value})
	return &c
}

// WithMessage returns a copy of e with another message.
func (e *Error) WithMessage(msg string) *Error {
	c := *e
	c.Message = msg
	return &c
}

// WithHeader returns a copy of e that also sends the given response header.
func (e *Error) WithHeader(name, value string) *Error {
	c := *e
	c.Header = e.Header.Clone()
	if c.Header == nil {
		c.Header = http.Header{}
	}
	c.Header.Set(name, value)
	return &c
}

// Field returns the value of the named extra field, or "".
func (e *Error) Field(name string) string {
	for _, f := range e.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// Errors shared by every service that authenticates with SigV4. Services
// render them in their own format; the codes and statuses are AWS's.
var (
	ErrAccessDenied          = New(http.StatusForbidden, "AccessDenied", "Access Denied")
	ErrInvalidAccessKeyID    = New(http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
	ErrSignatureDoesNotMatch = New(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	ErrRequestTimeTooSkewed  = New(http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
	ErrInternal              = New(http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
)
