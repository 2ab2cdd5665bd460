package policy

// Statement is one compiled statement. Its fields are read through methods;
// slices returned are fresh copies, so the policy stays immutable.
type Statement struct {
	index        int
	sid          string
	effect       Effect
	hasPrincipal bool
	notPrincipal bool
	principals   []principalPat
	notAction    bool
	actions      []pattern
	hasResource  bool
	notResource  bool
	resources    []arnPattern
	conds        []cond
}

// Index is the statement's position in the document (0-based).
func (s *Statement) Index() int { return s.index }

// Sid is the statement id, or "".
func (s *Statement) Sid() string { return s.sid }

// Effect is Allow or Deny.
func (s *Statement) Effect() Effect { return s.effect }

// HasPrincipal reports whether the statement has a Principal or NotPrincipal
// element (never for identity policies).
func (s *Statement) HasPrincipal() bool { return s.hasPrincipal }

// NotPrincipal reports whether the principals are a NotPrincipal element.
func (s *Statement) NotPrincipal() bool { return s.notPrincipal }

// Principals returns the Principal (or NotPrincipal) entries as written.
func (s *Statement) Principals() []PrincipalValue {
	out := make([]PrincipalValue, len(s.principals))
	for i := range s.principals {
		out[i] = s.principals[i].raw
	}
	return out
}

// NotAction reports whether the actions are a NotAction element.
func (s *Statement) NotAction() bool { return s.notAction }

// Actions returns the Action (or NotAction) patterns as written.
func (s *Statement) Actions() []string {
	out := make([]string, len(s.actions))
	for i := range s.actions {
		out[i] = s.actions[i].raw
	}
	return out
}

// HasResource reports whether the statement has a Resource or NotResource
// element (never for trust policies).
func (s *Statement) HasResource() bool { return s.hasResource }

// NotResource reports whether the resources are a NotResource element.
func (s *Statement) NotResource() bool { return s.notResource }

// Resources returns the Resource (or NotResource) patterns as written.
func (s *Statement) Resources() []string {
	out := make([]string, len(s.resources))
	for i := range s.resources {
		out[i] = s.resources[i].raw
	}
	return out
}

// Condition is one (operator, key) pair of a Condition element as written.
type Condition struct {
	// Operator is the full operator name, e.g. "ForAnyValue:StringLikeIfExists".
	Operator string
	// Key is the condition key as written (key names are case-insensitive).
	Key string
	// Values are the policy values; JSON numbers and booleans appear as
	// their JSON text.
	Values []string
}

// Negated reports whether the operator is a negated one (StringNotEquals,
// NotIpAddress, ArnNotLike...).
func (c Condition) Negated() bool {
	op, _, _, ok := parseOperator(c.Operator)
	return ok && op.neg
}

// Conditions returns the statement's conditions in document order.
func (s *Statement) Conditions() []Condition {
	out := make([]Condition, len(s.conds))
	for i := range s.conds {
		c := &s.conds[i]
		out[i] = Condition{Operator: c.opName, Key: c.keyRaw, Values: append([]string(nil), c.raw...)}
	}
	return out
}
