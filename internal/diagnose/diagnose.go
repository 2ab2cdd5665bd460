// Package diagnose turns the traces of edgegate's decisions into findings:
// a root-cause id from the 403 catalog (shared/spec/403-catalog.md), the
// evidence, and the fix. It never re-implements a decision: it reads the
// traces the authorization code produced.
package diagnose

// Certainty says how sure a finding is.
type Certainty string

// Certainties of the catalog.
const (
	Definite Certainty = "DEFINITE" // proven from the configuration
	Possible Certainty = "POSSIBLE" // depends on something not visible
	Not403   Certainty = "NOT-403"  // a lookalike: the status is not 403
)

// Finding is one root cause of an outcome.
type Finding struct {
	// ID is the catalog id, e.g. KEY-MISSING, POL-SOURCEARN-MISMATCH.
	ID        string    `json:"id"`
	Certainty Certainty `json:"certainty"`
	Summary   string    `json:"summary"`
	// Evidence lists the facts and statements involved.
	Evidence []string `json:"evidence"`
	// Fix is the remedy as a concrete change (fix.go); nil when there is
	// nothing to change (a lookalike the caller only needs to know about).
	Fix *Fix `json:"fix"`
}

// Explanation is the answer to "why did this request get this status".
// It is the --json output of `edgegate explain` (docs/explain.md).
type Explanation struct {
	RequestID string `json:"request_id"`
	Status    int    `json:"status"`
	ErrorCode string `json:"error_code"`
	// Responder is who produced the status: "origin" (S3), "edge" or "cache".
	Responder string    `json:"responder"`
	Operation string    `json:"operation"`
	Principal string    `json:"principal"`
	Findings  []Finding `json:"findings"`
	Trace     []Step    `json:"trace"`
	// Viewer is the viewer request a live edge explanation is about (by
	// X-Amz-Cf-Id, or simulated with explain --url): what edgegate
	// explain simulates again to prove the fixes. Nil for a request made
	// straight to S3, and in the doctor's output (which has its own
	// method and url).
	Viewer *ViewerRequest `json:"viewer,omitempty"`
}

// ViewerRequest identifies a viewer request well enough to simulate it
// again: its method, its URL (scheme, Host as the viewer sent it, port
// included, escaped path; the query string only for a simulated request:
// the edge keeps none of a real one), and the distribution that routed
// it ("" when the Host named none).
type ViewerRequest struct {
	Distribution string `json:"distribution,omitempty"`
	Method       string `json:"method"`
	URL          string `json:"url"`
}

// Step is one source consulted by one decision, in order.
type Step struct {
	// Check numbers the decision the step belongs to (a request may make
	// several: s3:GetObject then s3:ListBucket for a missing key).
	Check    int    `json:"check"`
	Action   string `json:"action"`
	Resource string `json:"resource"`
	Source   string `json:"source"`
	Name     string `json:"name,omitempty"`
	Decision string `json:"decision"`
	Note     string `json:"note,omitempty"`
	// Statements are a policy step's statements, one line each as
	// policy.StatementTrace renders them.
	Statements []string `json:"statements,omitempty"`
	// Deciding is the index in Statements of the statement that decided,
	// -1 when none did.
	Deciding int `json:"deciding"`
}

// Failed reports whether the request failed: an error status, or a
// DEFINITE finding on a success (a custom error page masking an error).
func (x *Explanation) Failed() bool {
	if x.Status >= 400 {
		return true
	}
	for _, f := range x.Findings {
		if f.Certainty == Definite {
			return true
		}
	}
	return false
}

// ExitCode is the exit code of explain and doctor for x: 0 when the
// request succeeded, 1 when it failed (docs/doctor.md).
func (x *Explanation) ExitCode() int {
	if x.Failed() {
		return 1
	}
	return 0
}
