package authz

import (
	"strings"

	"github.com/edgegate/edgegate/internal/policy"
)

// Source names what a trace step consulted.
type Source string

// The sources of an S3 decision, in the order S3 consults them.
const (
	SourceIdentityPolicy    Source = "identity policy"
	SourceBucketPolicy      Source = "bucket policy"
	SourceBlockPublicAccess Source = "block public access"
	SourceOwnership         Source = "object ownership"
	SourceBucketACL         Source = "bucket ACL"
	SourceObjectACL         Source = "object ACL"
)

// Trace is the record of one decision: every source consulted, in order,
// and the reason for a denial. The zero value is ready to use.
type Trace struct {
	Steps  []Step
	Reason Reason
}

// Step is one source consulted.
type Step struct {
	Source Source
	// Name identifies the policy, ACL or setting ("bucket policy of b",
	// an identity policy's ARN, "RestrictPublicBuckets").
	Name     string
	Decision policy.Decision
	// Policy is the statement-by-statement trace of a policy step.
	Policy *policy.Trace
	// Grant is the index of the ACL grant that allowed, -1 otherwise;
	// Permission the ACL permission the action needed.
	Grant      int
	Permission string
	// Note explains a non-policy step in a sentence.
	Note string

	// discounted marks a policy step whose Allow did not count toward the
	// decision (RestrictPublicBuckets, or a bucket policy on an object the
	// bucket owner does not own); a later step's Note says why.
	discounted bool
}

// Deciding returns the step and statement that decided a policy-decided
// outcome: the first step whose Decision equals d with a deciding
// statement, skipping policies whose Allow did not count. ok is false when
// no policy statement decided (an ACL, the owner rule or nothing at all
// did).
func (t *Trace) Deciding(d policy.Decision) (step *Step, stmt *policy.StatementTrace, ok bool) {
	for i := range t.Steps {
		s := &t.Steps[i]
		if s.Policy == nil || s.Decision != d || s.Policy.Deciding < 0 || s.discounted {
			continue
		}
		return s, &s.Policy.Statements[s.Policy.Deciding], true
	}
	return nil, nil, false
}

// String renders the trace for a person, one step per line, with each
// policy's statements indented under it.
func (t *Trace) String() string {
	var b strings.Builder
	for _, s := range t.Steps {
		b.WriteString(string(s.Source))
		if s.Name != "" && s.Name != string(s.Source) {
			b.WriteString(" (" + s.Name + ")")
		}
		b.WriteString(": " + s.Decision.String())
		if s.discounted {
			b.WriteString(" (does not count)")
		}
		if s.Note != "" {
			b.WriteString(" — " + s.Note)
		}
		b.WriteByte('\n')
		if s.Policy != nil {
			for _, line := range strings.Split(strings.TrimRight(s.Policy.String(), "\n"), "\n") {
				b.WriteString("    " + line + "\n")
			}
		}
	}
	if t.Reason != "" {
		b.WriteString("reason: " + string(t.Reason) + "\n")
	}
	return b.String()
}
