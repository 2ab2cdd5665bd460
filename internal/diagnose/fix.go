package diagnose

import (
	"encoding/json"
	"strings"
)

// Fix is a finding's remedy as a concrete change (docs/doctor.md, "fix").
//
// Summary says in one sentence what to change. Commands are the exact aws
// CLI commands, Terraform the resource attribute to set, Statement the
// exact policy statement (with the right ARNs) when the change is one.
// Change is the same change in a form a program applies to an exported
// configuration (internal/diagnose/doctor applies it to a bundle and
// proves it): nil when the change cannot be expressed on a configuration
// (upload an object, wait for a TTL).
//
// Verified is true only when the fix was applied to a copy of the world
// and the request simulated again succeeded while no probe gained access
// (Probes lists what was probed); otherwise Unverified says why the fix
// is advice.
type Fix struct {
	Summary    string          `json:"summary"`
	Commands   []string        `json:"commands,omitempty"`
	Terraform  string          `json:"terraform,omitempty"`
	Statement  json.RawMessage `json:"statement,omitempty"`
	Change     *Change         `json:"change,omitempty"`
	Verified   bool            `json:"verified"`
	Probes     []Probe         `json:"probes,omitempty"`
	Unverified string          `json:"unverified,omitempty"`
}

// Probe is one access check of a fix's verification: a request that must
// not be allowed after the fix unless it was allowed before.
type Probe struct {
	// Name is "anonymous read from S3", "same path through another
	// distribution", "signed read from another account".
	Name   string `json:"name"`
	Before int    `json:"before"` // HTTP status before the fix
	After  int    `json:"after"`  // HTTP status after the fix
	// OK is false when the probe gained access it did not have.
	OK bool `json:"ok"`
	// Note says why a probe was not made ("" when it was).
	Note string `json:"note,omitempty"`
}

// Change kinds: what Change.Kind may be, and the fields each uses.
const (
	// ChangeBucketPolicyStatement puts Statement into Bucket's policy:
	// it replaces the statement with the same Sid, else is appended (a
	// bucket without a policy gets one).
	ChangeBucketPolicyStatement = "bucket-policy-statement"
	// ChangeBucketPolicyExempt adds to the Deny statement Sid (or "#N",
	// its index) of Bucket's policy the condition StringNotEquals
	// AWS:SourceArn Value, exempting the distribution.
	ChangeBucketPolicyExempt = "bucket-policy-exempt-source-arn"
	// ChangeKeyPolicyStatement puts Statement into KeyID's key policy,
	// as ChangeBucketPolicyStatement does.
	ChangeKeyPolicyStatement = "key-policy-statement"
	// ChangeKeyEnable enables KeyID (cancelling a pending deletion).
	ChangeKeyEnable = "kms-enable-key"
	// ChangeOwnership sets Bucket's ObjectOwnership to Value.
	ChangeOwnership = "bucket-ownership-controls"
	// ChangeDefaultRootObject sets the distribution's DefaultRootObject
	// to Value.
	ChangeDefaultRootObject = "distribution-default-root-object"
	// ChangeOACSigning sets the SigningBehavior of OAC Target to Value.
	ChangeOACSigning = "oac-signing-behavior"
	// ChangeOriginOAC attaches a new origin access control (signing
	// always) to origin Target and adds Statement to Bucket's policy.
	ChangeOriginOAC = "origin-access-control"
	// ChangeOriginPath sets origin Target's OriginPath to Value.
	ChangeOriginPath = "origin-path"
	// ChangeViewerProtocol sets the ViewerProtocolPolicy of the behavior
	// whose PathPattern is Target ("" for the default) to Value.
	ChangeViewerProtocol = "behavior-viewer-protocol-policy"
	// ChangeAllowedMethods sets the AllowedMethods of behavior Target to
	// Value (comma-separated).
	ChangeAllowedMethods = "behavior-allowed-methods"
	// ChangeAddAlias adds Value to the distribution's Aliases.
	ChangeAddAlias = "distribution-alias"
	// ChangeGeoNone removes the distribution's geo restriction.
	ChangeGeoNone = "geo-restriction-none"
	// ChangeCachePolicy sets the CachePolicyId of behavior Target ("" for
	// the default) to Value.
	ChangeCachePolicy = "behavior-cache-policy"
	// ChangeOriginRequestPolicy sets the OriginRequestPolicyId of
	// behavior Target ("" for the default) to Value ("" removes it).
	ChangeOriginRequestPolicy = "behavior-origin-request-policy"
)

// Change is a machine-applicable change of an exported configuration.
// Which fields a kind uses is documented on its constant.
type Change struct {
	Kind      string          `json:"kind"`
	Bucket    string          `json:"bucket,omitempty"`
	KeyID     string          `json:"key_id,omitempty"`
	Target    string          `json:"target,omitempty"`
	Sid       string          `json:"sid,omitempty"`
	Value     string          `json:"value,omitempty"`
	Statement json.RawMessage `json:"statement,omitempty"`
}

// textFix is a fix known only as advice in words.
func textFix(summary string) *Fix { return &Fix{Summary: summary} }

// String renders the fix on one line: the summary, then the commands.
func (f *Fix) String() string {
	if f == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(f.Summary)
	for _, c := range f.Commands {
		b.WriteString("; " + c)
	}
	if len(f.Statement) > 0 && !strings.Contains(f.Summary, string(f.Statement)) {
		b.WriteString("; statement: " + string(f.Statement))
	}
	return b.String()
}

// rawJSON marshals v (a statement) for Fix.Statement.
func rawJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}
