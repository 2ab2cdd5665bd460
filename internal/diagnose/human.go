package diagnose

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Human renders the explanation as a person reads it: the outcome, the
// root cause and its fix, then the chain of decisions.
func (x *Explanation) Human() string {
	var b strings.Builder
	b.WriteString("Request " + x.RequestID + ": " + x.Operation + " by " + x.Principal + " → " + strconv.Itoa(x.Status))
	if x.ErrorCode != "" {
		b.WriteString(" " + x.ErrorCode)
	}
	b.WriteString(" (answered by " + x.Responder + ")\n")
	if len(x.Findings) == 0 {
		b.WriteString("\nNo problem found: the request was allowed.\n")
	}
	for _, f := range x.Findings {
		b.WriteString("\nRoot cause: " + f.ID + " [" + string(f.Certainty) + "]\n  " + f.Summary + "\n")
		for _, e := range f.Evidence {
			b.WriteString("  evidence: " + e + "\n")
		}
		if f.Fix != nil {
			b.WriteString("  fix: " + f.Fix.Summary + "\n")
			for _, c := range f.Fix.Commands {
				b.WriteString("    $ " + c + "\n")
			}
			if f.Fix.Terraform != "" {
				b.WriteString("    terraform: " + f.Fix.Terraform + "\n")
			}
			if len(f.Fix.Statement) > 0 {
				var c bytes.Buffer
				if json.Compact(&c, f.Fix.Statement) != nil {
					c.Reset()
					c.Write(f.Fix.Statement)
				}
				b.WriteString("    statement: " + c.String() + "\n")
			}
			switch {
			case f.Fix.Verified:
				b.WriteString("    verified: the request succeeds with this change, and no probe gains access (")
				for i, p := range f.Fix.Probes {
					if i > 0 {
						b.WriteString(", ")
					}
					b.WriteString(p.Name)
				}
				b.WriteString(")\n")
			case f.Fix.Unverified != "":
				b.WriteString("    not verified: " + f.Fix.Unverified + "\n")
			}
		}
	}
	if len(x.Trace) > 0 {
		b.WriteString("\nDecision chain:\n")
		check := -1
		for _, s := range x.Trace {
			if s.Check != check {
				check = s.Check
				b.WriteString("  " + s.Action + " on " + s.Resource + "\n")
			}
			b.WriteString("    " + s.Source)
			if s.Name != "" && s.Name != s.Source {
				b.WriteString(" (" + s.Name + ")")
			}
			b.WriteString(": " + s.Decision)
			if s.Note != "" {
				b.WriteString(" — " + s.Note)
			}
			b.WriteByte('\n')
			for i, st := range s.Statements {
				mark := "  "
				if i == s.Deciding {
					mark = "→ "
				}
				b.WriteString("      " + mark + st + "\n")
			}
		}
	}
	return b.String()
}
