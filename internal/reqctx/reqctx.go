// Package reqctx carries what the front door learned about one API request
// (its id, its authenticated principal, how it was signed, where it came
// from) to the service handler that answers it.
package reqctx

import (
	"time"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/sigv4"
)

// Call is one authenticated API request. The server builds it before it
// hands the request to a service; services must treat it as read-only.
type Call struct {
	// RequestID is the x-amz-request-id the response carries.
	RequestID string
	// Principal is who signed the request (identity.AnonymousPrincipal
	// when it was unsigned).
	Principal identity.Principal
	// Auth is the verified signature; nil for anonymous requests. The
	// server has already replaced the http.Request's Body with Auth.Body,
	// so handlers read the (decoded, verified) payload from r.Body.
	Auth *sigv4.Result
	// SourceIP is the caller's address without port.
	SourceIP string
	// Secure reports whether the request arrived over TLS.
	Secure bool
	// Received is when the request arrived.
	Received time.Time
	// Context holds condition-key values the operator set for this request
	// (docs/usage.md, "Operator context"): values that exist only inside
	// AWS, such as aws:SourceVpce. Keys lowercased; nil for most requests.
	Context map[string][]string
	// Operator reports that the request carried the operator token.
	Operator bool
}
