package policy

import (
	"strconv"
	"strings"
)

// Trace records how one Evaluate call reached its decision, statement by
// statement. A Trace is reset by each Evaluate it is passed to; use one per
// policy evaluated.
type Trace struct {
	Kind       Kind
	Statements []StatementTrace
	Decision   Decision
	// Deciding is the index of the statement that decided: the first Deny
	// that applied, else the first Allow that applied; -1 when none applied.
	Deciding int
}

// StatementTrace is the record of one statement.
type StatementTrace struct {
	Index  int
	Sid    string
	Effect Effect
	// Principal, Action and Resource record each element; Principal and
	// Resource have Checked false when the policy kind has no such element.
	Principal  MatchTrace
	Action     MatchTrace
	Resource   MatchTrace
	Conditions []ConditionTrace
	// Applied is true when every element and condition matched.
	Applied bool
}

// MatchTrace is the record of one Principal/Action/Resource element.
type MatchTrace struct {
	Checked bool
	// Negated marks NotPrincipal, NotAction or NotResource.
	Negated bool
	// Matched is whether the element is satisfied (for a Not element: the
	// request is not among the listed values).
	Matched bool
	// Pattern is the policy value that matched the request; for a Not
	// element, the listed value that excluded it. "" when none did.
	Pattern string
	// Request is the request's value as compared.
	Request string
}

// ConditionTrace is the record of one (operator, key) condition.
type ConditionTrace struct {
	Operator string
	Key      string
	// PolicyValues are the values as written; Resolved has the policy
	// variables substituted ("<null>" for an absent one), nil when the
	// values have no variables.
	PolicyValues []string
	Resolved     []string
	// RequestValues are the context's values for the key; Present is false
	// when the key is absent.
	RequestValues []string
	Present       bool
	Result        bool
}

func (p *Policy) evaluateTraced(rv *reqView, tr *Trace) Decision {
	tr.Kind = p.kind
	tr.Statements = tr.Statements[:0]
	tr.Deciding = -1
	firstAllow, firstDeny := -1, -1
	for i := range p.stmts {
		st := p.stmts[i].trace(rv)
		tr.Statements = append(tr.Statements, st)
		if !st.Applied {
			continue
		}
		if st.Effect == EffectDeny && firstDeny < 0 {
			firstDeny = i
		}
		if st.Effect == EffectAllow && firstAllow < 0 {
			firstAllow = i
		}
	}
	switch {
	case firstDeny >= 0:
		tr.Decision, tr.Deciding = ExplicitDeny, firstDeny
	case firstAllow >= 0:
		tr.Decision, tr.Deciding = Allow, firstAllow
	default:
		tr.Decision = ImplicitDeny
	}
	return tr.Decision
}

// trace evaluates every element of the statement (no short cut), so the
// record shows all that failed, not only the first.
func (s *Statement) trace(rv *reqView) StatementTrace {
	st := StatementTrace{Index: s.index, Sid: s.sid, Effect: s.effect}
	ok := true

	i, m := s.matchAction(rv.Action)
	st.Action = MatchTrace{Checked: true, Negated: s.notAction, Matched: m, Request: rv.Action}
	if i >= 0 {
		st.Action.Pattern = s.actions[i].raw
	}
	ok = ok && m

	if s.hasPrincipal {
		st.Principal = MatchTrace{Checked: true, Negated: s.notPrincipal, Request: describePrincipal(&rv.Principal)}
		if s.notPrincipal {
			st.Principal.Matched = !notPrincipalExcludes(s.principals, &rv.Principal)
			if !st.Principal.Matched {
				st.Principal.Pattern = joinPrincipals(s.principals)
			}
		} else {
			j, m := principalsMatch(s.principals, &rv.Principal)
			st.Principal.Matched = m
			if m {
				st.Principal.Pattern = principalString(s.principals[j].raw)
			}
		}
		ok = ok && st.Principal.Matched
	}

	if s.hasResource {
		j, m := s.matchResource(rv)
		st.Resource = MatchTrace{Checked: true, Negated: s.notResource, Matched: m, Request: rv.Resource}
		if j >= 0 {
			st.Resource.Pattern = s.resources[j].render(rv.Context)
		}
		ok = ok && m
	}

	for j := range s.conds {
		c := &s.conds[j]
		ct := ConditionTrace{Operator: c.opName, Key: c.keyRaw, PolicyValues: c.raw}
		if rv.Context != nil {
			vs, present := rv.Context.Values(c.key)
			ct.Present = present && len(vs) > 0
			if ct.Present {
				ct.RequestValues = append([]string(nil), vs...)
			}
		}
		if hasVars(c) {
			ct.Resolved = c.resolved(rv.Context)
		}
		ct.Result = c.eval(rv.Context)
		st.Conditions = append(st.Conditions, ct)
		ok = ok && ct.Result
	}
	st.Applied = ok
	return st
}

func hasVars(c *cond) bool {
	for i := range c.strs {
		if c.strs[i].hasVar {
			return true
		}
	}
	for i := range c.arns {
		if c.arns[i].hasVar() {
			return true
		}
	}
	return false
}

func describePrincipal(p *Principal) string {
	switch {
	case p.Anonymous:
		return "anonymous"
	case p.Service != "":
		return "service " + p.Service
	case p.Federated != "":
		return "federated " + p.Federated
	case p.ARN != "":
		return p.ARN
	case p.CanonicalID != "":
		return "canonical user " + p.CanonicalID
	case p.Account != "":
		return "account " + p.Account
	}
	return "(none)"
}

func principalString(v PrincipalValue) string {
	if v.Type == "*" {
		return "*"
	}
	return v.Type + " " + v.Value
}

func joinPrincipals(ps []principalPat) string {
	out := make([]string, len(ps))
	for i := range ps {
		out[i] = principalString(ps[i].raw)
	}
	return strings.Join(out, ", ")
}

func mark(b bool) string {
	if b {
		return "✓"
	}
	return "✗"
}

// String renders the trace for humans: one line per statement, then the
// decision. Example:
//
//	#0 Sid "AllowCloudFront" (Allow): principal ✓ (Service cloudfront.amazonaws.com) action ✓ (s3:GetObject) resource ✓ (arn:aws:s3:::b/*) condition StringEquals aws:SourceArn = arn:aws:cloudfront::1:distribution/E1 vs request arn:aws:cloudfront::1:distribution/E2 ✗ → not applied
//	decision: ImplicitDeny (no statement applied)
func (t *Trace) String() string {
	if t == nil {
		return ""
	}
	var b strings.Builder
	for i := range t.Statements {
		t.Statements[i].write(&b)
		b.WriteByte('\n')
	}
	b.WriteString("decision: ")
	b.WriteString(t.Decision.String())
	if t.Deciding >= 0 && t.Deciding < len(t.Statements) {
		b.WriteString(" by ")
		b.WriteString(t.Statements[t.Deciding].label())
	} else {
		b.WriteString(" (no statement applied)")
	}
	return b.String()
}

func (st *StatementTrace) label() string {
	l := "#" + strconv.Itoa(st.Index)
	if st.Sid != "" {
		l += " Sid " + strconv.Quote(st.Sid)
	}
	return l
}

// String renders one statement's line.
func (st *StatementTrace) String() string {
	var b strings.Builder
	st.write(&b)
	return b.String()
}

func (st *StatementTrace) write(b *strings.Builder) {
	b.WriteString(st.label())
	b.WriteString(" (")
	b.WriteString(st.Effect.String())
	b.WriteString("):")
	writeMatch(b, "principal", "NotPrincipal", st.Principal)
	writeMatch(b, "action", "NotAction", st.Action)
	writeMatch(b, "resource", "NotResource", st.Resource)
	for i := range st.Conditions {
		c := &st.Conditions[i]
		b.WriteString(" condition ")
		b.WriteString(c.Operator)
		b.WriteByte(' ')
		b.WriteString(c.Key)
		b.WriteString(" = ")
		vals := c.PolicyValues
		if c.Resolved != nil {
			vals = c.Resolved
		}
		b.WriteString(strings.Join(vals, " | "))
		b.WriteString(" vs request ")
		if c.Present {
			b.WriteString(strings.Join(c.RequestValues, " | "))
		} else {
			b.WriteString("(absent)")
		}
		b.WriteByte(' ')
		b.WriteString(mark(c.Result))
	}
	if st.Applied {
		b.WriteString(" → applied")
	} else {
		b.WriteString(" → not applied")
	}
}

func writeMatch(b *strings.Builder, name, notName string, m MatchTrace) {
	if !m.Checked {
		return
	}
	b.WriteByte(' ')
	if m.Negated {
		b.WriteString(notName)
	} else {
		b.WriteString(name)
	}
	b.WriteByte(' ')
	b.WriteString(mark(m.Matched))
	switch {
	case m.Negated && !m.Matched:
		b.WriteString(" (request " + quoteEmpty(m.Request) + " is listed: " + m.Pattern + ")")
	case m.Negated:
		b.WriteString(" (request " + quoteEmpty(m.Request) + " not listed)")
	case m.Matched:
		b.WriteString(" (" + m.Pattern + ")")
	default:
		b.WriteString(" (request " + quoteEmpty(m.Request) + ")")
	}
}

func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}
