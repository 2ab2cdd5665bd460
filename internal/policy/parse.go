package policy

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Kind is the kind of policy document: it decides which elements are
// required or forbidden, the size limit, and the service's error codes.
type Kind uint8

const (
	// BucketPolicy is an S3 bucket policy (PutBucketPolicy; MalformedPolicy).
	BucketPolicy Kind = iota + 1
	// IdentityPolicy is an IAM managed or inline policy attached to a user,
	// group or role (MalformedPolicyDocument). It has no Principal.
	IdentityPolicy
	// KeyPolicy is a KMS key policy (MalformedPolicyDocumentException).
	KeyPolicy
	// TrustPolicy is an IAM role's trust (assume-role) policy
	// (MalformedPolicyDocument). It has a Principal and no Resource.
	TrustPolicy
)

func (k Kind) String() string {
	switch k {
	case BucketPolicy:
		return "BucketPolicy"
	case IdentityPolicy:
		return "IdentityPolicy"
	case KeyPolicy:
		return "KeyPolicy"
	case TrustPolicy:
		return "TrustPolicy"
	}
	return "Kind(?)"
}

// Size limits.
const (
	// MaxBucketPolicySize is S3's limit: 20 KB, measured in bytes with the
	// whitespace outside strings removed (observed).
	MaxBucketPolicySize = 20480
	// MaxManagedPolicySize is IAM's limit for one managed policy, in
	// characters without whitespace ("Cannot exceed quota for PolicySize").
	MaxManagedPolicySize = 6144
	// MaxTrustPolicySize is IAM's default role trust policy limit
	// (ACLSizePerRole quota), in characters without whitespace.
	MaxTrustPolicySize = 2048
	// MaxKeyPolicySize is KMS's limit, 32 KB in bytes, whitespace included.
	MaxKeyPolicySize = 32768
	// The IAM inline-policy limits apply to the sum of all inline policies
	// of one entity, so the IAM layer enforces them (with ParseOptions'
	// MaxSize = 0 and its own sum of CompactSize): user 2048, role 10240,
	// group 5120 characters ("Maximum policy size of N bytes exceeded for
	// user X", LimitExceeded).
	MaxUserInlinePolicies  = 2048
	MaxRoleInlinePolicies  = 10240
	MaxGroupInlinePolicies = 5120
)

// Policy versions.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Effect is a statement's effect.
type Effect uint8

const (
	EffectAllow Effect = iota + 1
	EffectDeny
)

func (e Effect) String() string {
	switch e {
	case EffectAllow:
		return "Allow"
	case EffectDeny:
		return "Deny"
	}
	return "?"
}

// Policy is a parsed, validated and compiled policy document. It is
// immutable and safe for concurrent use.
type Policy struct {
	raw     []byte
	kind    Kind
	version string
	id      string
	stmts   []Statement
}

// Raw returns the document byte for byte as given to Parse (GetBucketPolicy
// and GetKeyPolicy return it as stored). The caller must not modify it.
func (p *Policy) Raw() []byte { return p.raw }

// Kind returns the kind the policy was parsed as.
func (p *Policy) Kind() Kind { return p.kind }

// Version returns the Version element: "2012-10-17", "2008-10-17" or "" when
// absent (then policy variables are literal text).
func (p *Policy) Version() string { return p.version }

// ID returns the Id element, or "".
func (p *Policy) ID() string { return p.id }

// Statements returns the statements in document order. The slice is the
// policy's own: do not modify it; Statement exposes its fields read-only.
func (p *Policy) Statements() []Statement { return p.stmts }

// ParseOptions adjusts Parse.
type ParseOptions struct {
	// MaxSize overrides the kind's size limit: > 0 sets a limit (measured
	// as for the kind), < 0 disables the check, 0 keeps the default.
	MaxSize int
}

// Parse parses, validates and compiles a policy document of the given kind.
// A rejected document yields a *ParseError carrying the service's code and
// message (any other error means a programming error, such as an unknown
// Kind). The policy keeps its own copy of doc.
func Parse(doc []byte, kind Kind) (*Policy, error) {
	return ParseWithOptions(doc, kind, ParseOptions{})
}

// ParseWithOptions is Parse with options.
func ParseWithOptions(doc []byte, kind Kind, opts ParseOptions) (*Policy, error) {
	switch kind {
	case BucketPolicy, IdentityPolicy, KeyPolicy, TrustPolicy:
	default:
		return nil, errors.New("policy: unknown Kind")
	}
	if err := checkSize(doc, kind, opts.MaxSize); err != nil {
		return nil, err
	}
	i := 0
	for i < len(doc) && isJSONSpace(doc[i]) {
		i++
	}
	if i == len(doc) || doc[i] != '{' {
		return nil, newError(kind, ReasonFirstByte)
	}
	root, err := decodeJSON(doc)
	if err != nil {
		var dup errDuplicateKey
		if errors.As(err, &dup) {
			return nil, newError(kind, ReasonDuplicateKey, dup.key)
		}
		return nil, newError(kind, ReasonInvalidJSON)
	}
	p := &Policy{raw: append([]byte(nil), doc...), kind: kind}
	if err := p.build(root); err != nil {
		return nil, err
	}
	return p, nil
}

func checkSize(doc []byte, kind Kind, override int) error {
	if override < 0 {
		if kind == KeyPolicy && !keyPolicyPrintable(doc) {
			return newError(kind, ReasonNonPrintable)
		}
		return nil
	}
	switch kind {
	case BucketPolicy:
		limit := pick(override, MaxBucketPolicySize)
		if CompactSize(doc, true) > limit {
			return newError(kind, ReasonTooLarge)
		}
	case IdentityPolicy:
		limit := pick(override, MaxManagedPolicySize)
		if CompactSize(doc, false) > limit {
			return newError(kind, ReasonTooLarge, "PolicySize", limit)
		}
	case TrustPolicy:
		limit := pick(override, MaxTrustPolicySize)
		if CompactSize(doc, false) > limit {
			return newError(kind, ReasonTooLarge, "ACLSizePerRole", limit)
		}
	case KeyPolicy:
		limit := pick(override, MaxKeyPolicySize)
		if len(doc) > limit {
			return newError(kind, ReasonTooLarge, limit)
		}
		if !keyPolicyPrintable(doc) {
			return newError(kind, ReasonNonPrintable)
		}
	}
	return nil
}

func pick(override, def int) int {
	if override > 0 {
		return override
	}
	return def
}

// keyPolicyPrintable applies KMS's character rule: printable ASCII and
// Latin-1 (U+0020 to U+00FF) plus tab, line feed and carriage return.
func keyPolicyPrintable(doc []byte) bool {
	for i := 0; i < len(doc); {
		r, n := utf8.DecodeRune(doc[i:])
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if !(r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xFF)) {
			return false
		}
		i += n
	}
	return true
}

func (p *Policy) build(root jval) error {
	k := p.kind
	var stmtVal *jval
	for i := range root.obj {
		m := &root.obj[i]
		switch m.key {
		case "Version":
			if m.val.kind != jStr {
				return newError(k, ReasonBadVersion)
			}
			if m.val.s != Version2012 && m.val.s != Version2008 {
				return newError(k, ReasonBadVersion)
			}
			p.version = m.val.s
		case "Id":
			if m.val.kind != jStr {
				return newError(k, ReasonInvalidJSON)
			}
			p.id = m.val.s
		case "Statement":
			stmtVal = &m.val
		default:
			return newError(k, ReasonUnknownField, m.key)
		}
	}
	if stmtVal == nil {
		return newError(k, ReasonMissingStatement)
	}
	var raws []*jval
	switch stmtVal.kind {
	case jObj:
		raws = []*jval{stmtVal}
	case jArr:
		if len(stmtVal.arr) == 0 {
			return newError(k, ReasonEmptyStatement)
		}
		for i := range stmtVal.arr {
			if stmtVal.arr[i].kind != jObj {
				return newError(k, ReasonInvalidJSON)
			}
			raws = append(raws, &stmtVal.arr[i])
		}
	default:
		return newError(k, ReasonInvalidJSON)
	}
	iam := k == IdentityPolicy || k == TrustPolicy
	sids := map[string]bool{}
	p.stmts = make([]Statement, 0, len(raws))
	for i, rv := range raws {
		s, err := p.buildStatement(i, rv)
		if err != nil {
			return err
		}
		if iam && s.sid != "" {
			if sids[s.sid] {
				return newError(k, ReasonDuplicateSid)
			}
			sids[s.sid] = true
		}
		p.stmts = append(p.stmts, s)
	}
	return nil
}

// stringList reads a string or a non-empty array of strings.
func stringList(v *jval) ([]string, bool) {
	switch v.kind {
	case jStr:
		return []string{v.s}, true
	case jArr:
		out := make([]string, 0, len(v.arr))
		for i := range v.arr {
			if v.arr[i].kind != jStr {
				return nil, false
			}
			out = append(out, v.arr[i].s)
		}
		return out, true
	}
	return nil, false
}

func (p *Policy) buildStatement(index int, v *jval) (Statement, error) {
	k := p.kind
	s := Statement{index: index}
	var effect, principal, notPrincipal, action, notAction, resource, notResource, condition *jval
	for i := range v.obj {
		m := &v.obj[i]
		switch m.key {
		case "Sid":
			if m.val.kind != jStr {
				return s, newError(k, ReasonInvalidJSON)
			}
			s.sid = m.val.s
		case "Effect":
			effect = &m.val
		case "Principal":
			principal = &m.val
		case "NotPrincipal":
			notPrincipal = &m.val
		case "Action":
			action = &m.val
		case "NotAction":
			notAction = &m.val
		case "Resource":
			resource = &m.val
		case "NotResource":
			notResource = &m.val
		case "Condition":
			condition = &m.val
		default:
			return s, newError(k, ReasonUnknownField, m.key)
		}
	}

	// Sid: IAM allows alphanumerics only; S3 and KMS accept any string.
	if (k == IdentityPolicy || k == TrustPolicy) && !isAlnum(s.sid) {
		return s, newError(k, ReasonBadSid)
	}

	// Effect.
	if effect == nil {
		return s, newError(k, ReasonMissingEffect)
	}
	if effect.kind != jStr {
		return s, newError(k, ReasonInvalidJSON)
	}
	switch effect.s {
	case "Allow":
		s.effect = EffectAllow
	case "Deny":
		s.effect = EffectDeny
	default:
		return s, newError(k, ReasonBadEffect, effect.s)
	}

	// Principal / NotPrincipal.
	switch {
	case principal != nil && notPrincipal != nil:
		if k == IdentityPolicy {
			return s, newError(k, ReasonPrincipalForbidden)
		}
		return s, newError(k, ReasonBothElements, "Principal", "Principal")
	case k == IdentityPolicy:
		if principal != nil || notPrincipal != nil {
			return s, newError(k, ReasonPrincipalForbidden)
		}
	case principal == nil && notPrincipal == nil:
		return s, newError(k, ReasonMissingPrincipal)
	default:
		pv := principal
		if pv == nil {
			pv = notPrincipal
			s.notPrincipal = true
		}
		pats, err := buildPrincipals(k, pv)
		if err != nil {
			return s, err
		}
		s.hasPrincipal = true
		s.principals = pats
	}

	// Action / NotAction.
	switch {
	case action != nil && notAction != nil:
		return s, newError(k, ReasonBothElements, "Action", "Action")
	case action == nil && notAction == nil:
		return s, newError(k, ReasonMissingAction)
	}
	av := action
	if av == nil {
		av, s.notAction = notAction, true
	}
	acts, ok := stringList(av)
	if !ok {
		return s, newError(k, ReasonInvalidJSON)
	}
	if len(acts) == 0 {
		return s, newError(k, ReasonMissingAction)
	}
	for _, a := range acts {
		if !validAction(a) {
			return s, newError(k, ReasonInvalidAction, a)
		}
		s.actions = append(s.actions, compilePattern(a, compileOptions{wildcards: true}))
	}

	// Resource / NotResource.
	switch {
	case resource != nil && notResource != nil:
		if k == TrustPolicy {
			return s, newError(k, ReasonResourceForbidden, "Resource")
		}
		return s, newError(k, ReasonBothElements, "Resource", "Resource")
	case k == TrustPolicy:
		if resource != nil {
			return s, newError(k, ReasonResourceForbidden, "Resource")
		}
		if notResource != nil {
			return s, newError(k, ReasonResourceForbidden, "NotResource")
		}
	case resource == nil && notResource == nil:
		return s, newError(k, ReasonMissingResource)
	default:
		rv := resource
		if rv == nil {
			rv, s.notResource = notResource, true
		}
		res, ok := stringList(rv)
		if !ok {
			return s, newError(k, ReasonInvalidJSON)
		}
		if len(res) == 0 {
			return s, newError(k, ReasonMissingResource)
		}
		vars := p.version == Version2012
		for _, r := range res {
			if !validResource(r) {
				return s, newError(k, ReasonInvalidResource, r)
			}
			s.resources = append(s.resources, compileARN(r, compileOptions{wildcards: true, variables: vars}, true))
		}
		s.hasResource = true
	}

	// Condition.
	if condition != nil {
		conds, err := p.buildConditions(condition)
		if err != nil {
			return s, err
		}
		s.conds = conds
	}
	return s, nil
}

// validAction accepts "*" and "service:Name" (wildcards allowed in both).
func validAction(a string) bool {
	if a == "*" {
		return true
	}
	svc, name, ok := strings.Cut(a, ":")
	if !ok || svc == "" || name == "" || strings.Contains(name, ":") {
		return false
	}
	for i := 0; i < len(svc); i++ {
		c := svc[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '*' || c == '?') {
			return false
		}
	}
	return true
}

// validResource accepts "*" and anything shaped like an ARN
// (arn:partition:service:region:account:resource).
func validResource(r string) bool {
	if r == "*" {
		return true
	}
	parts, ok := splitARN(r)
	return ok && parts[0] == "arn" && parts[1] != "" && parts[2] != ""
}

func buildPrincipals(k Kind, v *jval) ([]principalPat, error) {
	invalid := func(typ, val string) error {
		return newError(k, ReasonInvalidPrincipal, `"`+typ+`":"`+val+`"`)
	}
	if v.kind == jStr {
		if v.s != "*" {
			return nil, invalid("", v.s)
		}
		return []principalPat{{kind: pAny, raw: PrincipalValue{"*", "*"}}}, nil
	}
	if v.kind != jObj || len(v.obj) == 0 {
		return nil, newError(k, ReasonInvalidPrincipal, "{}")
	}
	var out []principalPat
	for i := range v.obj {
		m := &v.obj[i]
		vals, ok := stringList(&m.val)
		if !ok || len(vals) == 0 {
			return nil, invalid(m.key, "")
		}
		for _, val := range vals {
			var pp principalPat
			switch m.key {
			case "AWS":
				if pp, ok = parseAWSPrincipal(val); !ok {
					return nil, invalid(m.key, val)
				}
			case "Service":
				if !validService(val) {
					return nil, invalid(m.key, val)
				}
				pp = principalPat{kind: pService, value: val}
			case "CanonicalUser":
				if !validCanonicalID(val) {
					return nil, invalid(m.key, val)
				}
				pp = principalPat{kind: pCanonical, value: val}
			case "Federated":
				if val == "" || strings.ContainsAny(val, "*?") {
					return nil, invalid(m.key, val)
				}
				pp = principalPat{kind: pFederated, value: val}
			default:
				return nil, invalid(m.key, val)
			}
			pp.raw = PrincipalValue{m.key, val}
			out = append(out, pp)
		}
	}
	return out, nil
}

func (p *Policy) buildConditions(v *jval) ([]cond, error) {
	k := p.kind
	if v.kind != jObj {
		return nil, newError(k, ReasonInvalidJSON)
	}
	vars := p.version == Version2012
	var out []cond
	for i := range v.obj {
		opm := &v.obj[i]
		op, set, ifExists, ok := parseOperator(opm.key)
		if !ok {
			return nil, newError(k, ReasonBadOperator, opm.key)
		}
		if opm.val.kind != jObj {
			return nil, newError(k, ReasonInvalidJSON)
		}
		seen := map[string]bool{}
		for j := range opm.val.obj {
			km := &opm.val.obj[j]
			if !validConditionKey(km.key) {
				return nil, newError(k, ReasonBadConditionKey, km.key)
			}
			lk := strings.ToLower(km.key)
			if seen[lk] { // keys are case-insensitive: aws:SourceIp twice
				return nil, newError(k, ReasonDuplicateKey, km.key)
			}
			seen[lk] = true
			raw, ok := conditionValues(&km.val)
			if !ok {
				return nil, newError(k, ReasonInvalidJSON)
			}
			c, ok := compileCond(opm.key, km.key, op, set, ifExists, raw, vars)
			if !ok {
				return nil, newError(k, ReasonBadConditionValue, opm.key, km.key)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// validConditionKey accepts "prefix:name".
func validConditionKey(key string) bool {
	pfx, name, ok := strings.Cut(key, ":")
	return ok && pfx != "" && name != "" && !strings.ContainsAny(pfx, " *?")
}

// conditionValues reads a condition value: a string, number or boolean, or
// an array of them. Numbers and booleans are kept as their JSON text, which
// is how AWS compares them.
func conditionValues(v *jval) ([]string, bool) {
	switch v.kind {
	case jStr, jNum, jBool:
		return []string{v.s}, true
	case jArr:
		out := make([]string, 0, len(v.arr))
		for i := range v.arr {
			switch v.arr[i].kind {
			case jStr, jNum, jBool:
				out = append(out, v.arr[i].s)
			default:
				return nil, false
			}
		}
		return out, true
	}
	return nil, false
}
