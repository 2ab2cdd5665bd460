package policy

// Request is one authorization question to a policy.
type Request struct {
	Principal Principal
	// Action is the IAM action, e.g. "s3:GetObject"; matched
	// case-insensitively.
	Action string
	// Resource is the resource ARN, matched case-sensitively. "" means the
	// action has no resource (s3:ListAllMyBuckets): only a Resource of "*"
	// matches it, and a NotResource matches it unless it lists "*".
	Resource string
	// Context supplies condition-key values; nil means no keys.
	Context Context
}

// Context supplies condition-key values. Keys arrive lowercased
// ("aws:sourcearn", "s3:prefix"). ok=false means the key is absent from the
// request context; a present key with no values counts as absent too.
// Implementations must not allocate: Evaluate calls Values on its hot path.
type Context interface {
	Values(key string) (vals []string, ok bool)
}

// MapContext is a Context backed by a map whose keys are lowercased.
type MapContext map[string][]string

// Values implements Context.
func (m MapContext) Values(key string) ([]string, bool) {
	v, ok := m[key]
	return v, ok
}

// Decision is the outcome of evaluating a policy (or several).
type Decision uint8

const (
	// ImplicitDeny: no statement applied (the policy is not applicable).
	ImplicitDeny Decision = iota
	// Allow: an Allow statement applied and no Deny statement did.
	Allow
	// ExplicitDeny: a Deny statement applied.
	ExplicitDeny
)

// NotApplicable is ImplicitDeny: nothing in the policy speaks to the request.
const NotApplicable = ImplicitDeny

func (d Decision) String() string {
	switch d {
	case ImplicitDeny:
		return "ImplicitDeny"
	case Allow:
		return "Allow"
	case ExplicitDeny:
		return "ExplicitDeny"
	}
	return "Decision(?)"
}

// Merge combines decisions from several policies the way AWS does within one
// account: an explicit deny wins, then any allow, else implicit deny.
// Cross-account and KMS rules (both sides must allow; key policy delegation)
// are the caller's to apply on top.
func Merge(ds ...Decision) Decision {
	out := ImplicitDeny
	for _, d := range ds {
		switch d {
		case ExplicitDeny:
			return ExplicitDeny
		case Allow:
			out = Allow
		}
	}
	return out
}

// reqView is the request with its resource ARN split on first need.
type reqView struct {
	*Request
	res arnView
}

// Evaluate evaluates the policy for req: ExplicitDeny if a Deny statement
// applies, else Allow if an Allow statement applies, else ImplicitDeny.
// A statement applies when its principal (for policies that have one),
// action, resource (for policies that have one) and every condition match.
// When tr is non-nil it is reset and filled with a record of every
// statement; when tr is nil nothing is recorded and nothing allocates.
func (p *Policy) Evaluate(req *Request, tr *Trace) Decision {
	rv := reqView{Request: req, res: arnView{s: req.Resource}}
	if tr != nil {
		return p.evaluateTraced(&rv, tr)
	}
	allowed := false
	for i := range p.stmts {
		s := &p.stmts[i]
		if !s.applies(&rv) {
			continue
		}
		if s.effect == EffectDeny {
			return ExplicitDeny
		}
		allowed = true
	}
	if allowed {
		return Allow
	}
	return ImplicitDeny
}

// applies checks the cheapest elements first and stops at the first miss.
func (s *Statement) applies(rv *reqView) bool {
	if _, ok := s.matchAction(rv.Action); !ok {
		return false
	}
	if s.hasPrincipal {
		if _, ok := s.matchPrincipal(&rv.Principal); !ok {
			return false
		}
	}
	if s.hasResource {
		if _, ok := s.matchResource(rv); !ok {
			return false
		}
	}
	for i := range s.conds {
		if !s.conds[i].eval(rv.Context) {
			return false
		}
	}
	return true
}

// matchAction returns the index of the matching pattern (-1 for a NotAction
// match, or none).
func (s *Statement) matchAction(action string) (int, bool) {
	for i := range s.actions {
		if s.actions[i].matchASCIIFold(action) {
			if s.notAction {
				return i, false
			}
			return i, true
		}
	}
	return -1, s.notAction
}

func (s *Statement) matchPrincipal(pr *Principal) (int, bool) {
	if s.notPrincipal {
		return -1, !notPrincipalExcludes(s.principals, pr)
	}
	return principalsMatch(s.principals, pr)
}

func (s *Statement) matchResource(rv *reqView) (int, bool) {
	for i := range s.resources {
		a := &s.resources[i]
		var ok bool
		if rv.Resource == "" {
			ok = a.any
		} else {
			ok = a.resolvable(rv.Context) && a.match(&rv.res, rv.Context)
		}
		if ok {
			if s.notResource {
				return i, false
			}
			return i, true
		}
	}
	return -1, s.notResource
}
