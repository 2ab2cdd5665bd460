package iam

// The IAM policy simulator: SimulatePrincipalPolicy and
// SimulateCustomPolicy (IAM API reference; response shapes from the
// botocore iam model). The evaluation uses internal/policy directly (the
// S3 decision in internal/s3/authz imports this package, so it cannot be
// used here) and follows the simulator's documented semantics: the
// caller's identity policies and at most one resource policy; an explicit
// deny in any of them wins; in the same account either side may allow;
// across accounts (the resource's owner is not the caller's account) both
// must. docs/simulate.md describes the operations, what edgegate adds to
// AWS's simulator (callers it refuses: roles, service principals,
// CloudFront origin access identities, anonymous) and what it leaves out.

import (
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
)

// What the simulator calls its policy sources. AWS documents the
// PolicySourceType enum (user, group, role, aws-managed, ...), but its
// responses say "IAM Policy" for every identity-based policy and
// "Resource Policy" for the resource policy (observed), and
// EvalDecisionDetails uses the same two names as keys.
const (
	simSourceIAM      = "IAM Policy"
	simSourceResource = "Resource Policy"
	// simResourcePolicyID is the resource policy's SourcePolicyId.
	simResourcePolicyID = "ResourcePolicy"
	// simSessionName is the session name of a simulated role session
	// (a role ARN given as CallerArn, an edgegate extension).
	simSessionName = "edgegate-simulation"
)

// The simulator's string members (botocore iam model).
var (
	actionNameRule     = strRule{3, 128, `.*`, allRunes(func(rune) bool { return true })}
	resourceNameRule   = strRule{1, 2048, `.*`, allRunes(func(rune) bool { return true })}
	contextKeyNameRule = strRule{5, 256, `.*`, allRunes(func(rune) bool { return true })}
	handlingOptionRule = strRule{1, 64, `.*`, allRunes(func(rune) bool { return true })}
)

// contextKeyTypes is the ContextKeyTypeEnum.
var contextKeyTypes = []string{"string", "stringList", "numeric", "numericList", "boolean", "booleanList",
	"ip", "ipList", "binary", "binaryList", "date", "dateList"}

// resourceHandlingOptions are the EC2 scenarios AWS defines. edgegate
// accepts them; they do not change its evaluation (every resource is
// simulated on its own and the top-level decision is the most restrictive).
var resourceHandlingOptions = []string{"EC2-VPC-InstanceStore", "EC2-VPC-InstanceStore-Subnet", "EC2-VPC-EBS", "EC2-VPC-EBS-Subnet"}

// ---- request parameters ----

// strList reads a query-protocol list of strings, NAME.member.N (N from 1),
// checking each member against rule. A bare NAME= is an empty list (the
// SDKs send empty lists so). present reports whether the list was sent.
func (p *params) strList(name, member string, rule strRule) (vals []string, present bool) {
	prefix := name + ".member."
	byIndex := map[int]string{}
	for k, vs := range p.form {
		if k == name {
			present = true
			continue
		}
		rest, ok := strings.CutPrefix(k, prefix)
		if !ok || len(vs) == 0 {
			continue
		}
		n, err := strconv.Atoi(rest)
		if err != nil || n < 1 {
			continue
		}
		byIndex[n] = vs[0]
		present = true
	}
	idx := make([]int, 0, len(byIndex))
	for n := range byIndex {
		idx = append(idx, n)
	}
	slices.Sort(idx)
	for _, n := range idx {
		v := byIndex[n]
		p.check(member+"."+strconv.Itoa(n)+".member", v, rule)
		vals = append(vals, v)
	}
	return vals, present
}

// ctxEntry is one ContextEntries member.
type ctxEntry struct {
	name, typ string
	values    []string
}

// contextEntries reads ContextEntries.member.N.{ContextKeyName,
// ContextKeyType, ContextKeyValues.member.M}.
func (p *params) contextEntries() []ctxEntry {
	const prefix = "ContextEntries.member."
	var out []ctxEntry
	for _, n := range p.indexes(prefix) {
		base := prefix + strconv.Itoa(n) + "."
		member := "contextEntries." + strconv.Itoa(n) + ".member."
		e := ctxEntry{typ: "string"}
		e.name, _ = p.str(base+"ContextKeyName", member+"contextKeyName", false, contextKeyNameRule)
		if t, ok := p.get(base + "ContextKeyType"); ok {
			e.typ = t
			if !slices.Contains(contextKeyTypes, t) {
				p.fail(member+"contextKeyType", &t, "must satisfy enum value set: ["+strings.Join(contextKeyTypes, ", ")+"]")
			}
		}
		e.values, _ = p.strList(base+"ContextKeyValues", member+"contextKeyValues", strRule{0, 1 << 20, `.*`, allRunes(func(rune) bool { return true })})
		out = append(out, e)
	}
	return out
}

// simParams are the parameters both operations share.
type simParams struct {
	actions        []string
	resources      []string // as sent; nil when absent
	policyDocs     []string
	hasPolicyList  bool
	boundaryDocs   []string
	resourcePolicy string
	hasResPolicy   bool
	owner          string
	hasOwner       bool
	callerARN      string
	hasCaller      bool
	entries        []ctxEntry
	start, limit   int // pagination over EvaluationResults
	badMarker      bool
}

// simParams reads the shared parameters; constraint violations are
// collected in q (see params.err).
func (q *iamRequest) simParams() *simParams {
	sp := &simParams{}
	var hasActions bool
	sp.actions, hasActions = q.strList("ActionNames", "actionNames", actionNameRule)
	if !hasActions {
		q.fail("actionNames", nil, "must not be null")
	}
	sp.resources, _ = q.strList("ResourceArns", "resourceArns", resourceNameRule)
	sp.policyDocs, sp.hasPolicyList = q.strList("PolicyInputList", "policyInputList", policyDocumentRule)
	sp.boundaryDocs, _ = q.strList("PermissionsBoundaryPolicyInputList", "permissionsBoundaryPolicyInputList", policyDocumentRule)
	sp.resourcePolicy, sp.hasResPolicy = q.str("ResourcePolicy", "resourcePolicy", false, policyDocumentRule)
	sp.owner, sp.hasOwner = q.str("ResourceOwner", "resourceOwner", false, resourceNameRule)
	sp.callerARN, sp.hasCaller = q.str("CallerArn", "callerArn", false, resourceNameRule)
	q.str("ResourceHandlingOption", "resourceHandlingOption", false, handlingOptionRule)
	sp.entries = q.contextEntries()
	marker, hasMarker := q.str("Marker", "marker", false, markerRule)
	sp.limit = q.maxItems(100)
	if hasMarker {
		b, err := base64.RawURLEncoding.DecodeString(marker)
		n, cerr := strconv.Atoi(string(b))
		if err != nil || cerr != nil || n < 1 {
			sp.badMarker = true
		}
		sp.start = n
	}
	return sp
}

func (p *params) hasPrefix(prefix string) bool {
	for k := range p.form {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// semantic checks the parameters beyond their constraints: what AWS
// answers InvalidInput (or edgegate refuses rather than ignores).
func (sp *simParams) semantic(q *iamRequest) *awsapi.Error {
	if sp.badMarker {
		return errBadMarker
	}
	if v, ok := q.get("ResourceHandlingOption"); ok && !slices.Contains(resourceHandlingOptions, v) {
		return errInvalidInput.WithMessage("Invalid ResourceHandlingOption " + v + ": it must be one of " + strings.Join(resourceHandlingOptions, ", ") + ".")
	}
	for _, name := range []string{"PolicyExclusionList", "OrderedOrganizationPolicyInputList"} {
		if _, ok := q.form[name]; ok || q.hasPrefix(name+".") {
			return errValidation.WithMessage("edgegate does not support " + name + " (it has no organizations or service control policies and does not exclude policies from a simulation); simulate without it.")
		}
	}
	if len(sp.boundaryDocs) > 1 {
		return errInvalidInput.WithMessage("Only one permissions boundary policy can be simulated: PermissionsBoundaryPolicyInputList has " + strconv.Itoa(len(sp.boundaryDocs)) + ".")
	}
	for _, a := range sp.actions {
		svc, name, ok := strings.Cut(a, ":")
		if !ok || svc == "" || name == "" || strings.ContainsAny(a, "*?") {
			return errInvalidInput.WithMessage("Invalid action name " + a + ": an action name is service:Operation (for example s3:GetObject), without wildcards.")
		}
	}
	if sp.hasOwner {
		if _, ok := parseResourceOwner(sp.owner); !ok {
			return errInvalidInput.WithMessage("Invalid ResourceOwner " + sp.owner + ": it must be an account id or arn:aws:iam::ACCOUNT-ID:root.")
		}
	}
	return nil
}

// parseResourceOwner accepts an account id or arn:PARTITION:iam::ACCOUNT:root.
func parseResourceOwner(s string) (string, bool) {
	if isAccountID(s) {
		return s, true
	}
	a, ok := awsapi.ParseARN(s)
	if ok && a.Service == "iam" && a.Region == "" && a.Resource == "root" && isAccountID(a.Account) {
		return a.Account, true
	}
	return "", false
}

// context builds the request context from ContextEntries, checking each
// value against its declared type. Keys are case-insensitive; repeated
// keys add values. Binary values are base64 and enter the context
// decoded (BinaryEquals compares bytes).
func (sp *simParams) context() (policy.MapContext, *awsapi.Error) {
	ctx := policy.MapContext{}
	for _, e := range sp.entries {
		if e.name == "" {
			return nil, errInvalidInput.WithMessage("Every ContextEntries member needs a ContextKeyName.")
		}
		if pfx, rest, ok := strings.Cut(e.name, ":"); !ok || pfx == "" || rest == "" {
			return nil, errInvalidInput.WithMessage("Invalid context key name " + e.name + ": a context key name is prefix:name (for example aws:SourceArn).")
		}
		base := strings.TrimSuffix(e.typ, "List")
		k := strings.ToLower(e.name)
		for _, v := range e.values {
			cv, ok := contextValue(base, v)
			if !ok {
				return nil, errInvalidInput.WithMessage("Invalid value " + v + " for context key " + e.name + " of type " + e.typ + ".")
			}
			ctx[k] = append(ctx[k], cv)
		}
		if _, seen := ctx[k]; !seen {
			ctx[k] = nil // present without values: absent to conditions
		}
	}
	return ctx, nil
}

// contextValue checks v as a value of type typ (without "List") and
// returns it as the policy engine compares it.
func contextValue(typ, v string) (string, bool) {
	switch typ {
	case "numeric":
		return v, isDecimal(v)
	case "boolean":
		return v, strings.EqualFold(v, "true") || strings.EqualFold(v, "false")
	case "ip":
		_, err := netip.ParseAddr(v)
		return v, err == nil
	case "binary":
		b, err := base64.StdEncoding.DecodeString(v)
		return string(b), err == nil
	case "date":
		return v, isPolicyDate(v)
	}
	return v, true
}

// isDecimal accepts what numeric condition operators compare: an integer
// or a decimal, optionally signed, without exponent.
func isDecimal(s string) bool {
	s = strings.TrimLeft(s, "+-")
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0 && len(s) > 0
}

// isPolicyDate accepts what date condition operators compare (ISO 8601 or
// epoch seconds), by asking the policy parser itself.
func isPolicyDate(v string) bool {
	q, _ := json.Marshal(v)
	doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateEquals":{"aws:CurrentTime":` + string(q) + `}}}}`
	_, err := policy.Parse([]byte(doc), policy.IdentityPolicy)
	return err == nil
}

// ---- callers ----

// simCaller is who a simulation calls as.
type simCaller struct {
	// principal is what a resource policy's Principal element sees.
	principal policy.Principal
	// account is the caller's account; "" for callers outside accounts.
	account string
	// resourceOnly: the caller has no identity policies (service
	// principals, origin access identities, anonymous), so the resource
	// policy alone decides.
	resourceOnly bool
	// user: an IAM user (a resource policy naming it directly is not
	// limited by a permissions boundary).
	user bool
}

var errCallerRequired = errInvalidInput.WithMessage("CallerArn is required when a ResourcePolicy is simulated, so that the policy's Principal element has a caller to match.")

// simCallerLocked resolves a CallerArn (or a PolicySourceArn used as the
// caller). AWS accepts only IAM users; edgegate also accepts a role (a
// session of it), an AWS service principal (*.amazonaws.com), a
// CloudFront origin access identity ARN and "anonymous". The caller holds
// the lock.
func (r *Registry) simCallerLocked(s string) (simCaller, *awsapi.Error) {
	switch {
	case s == "anonymous":
		return simCaller{principal: policy.Principal{Anonymous: true, CanonicalID: identity.AnonymousCanonicalID}, resourceOnly: true}, nil
	case isServicePrincipal(s):
		return simCaller{principal: policy.Principal{Service: s}, resourceOnly: true}, nil
	case strings.HasPrefix(s, policy.OAIARNPrefix):
		id := strings.TrimPrefix(s, policy.OAIARNPrefix)
		if id != "" && allRunes(func(r rune) bool { return r < utf8.RuneSelf && isWordRune(r) && r != '_' })(id) {
			// Its S3 canonical user id is not known here: CanonicalUser
			// principals do not match it.
			return simCaller{principal: policy.Principal{ARN: s}, resourceOnly: true}, nil
		}
	}
	if a, ok := parseIAMARN(s); ok && isAccountID(a.account) && validUserName(a.name) && validPath(a.path) {
		cid := DeriveCanonicalID(a.account)
		if acct, ok := r.accounts[a.account]; ok {
			cid = acct.CanonicalID
		}
		switch a.kind {
		case "user":
			return simCaller{principal: policy.Principal{Account: a.account, ARN: s, CanonicalID: cid}, account: a.account, user: true}, nil
		case "role":
			return simCaller{principal: policy.Principal{
				Account:     a.account,
				ARN:         assumedRoleARN(a.account, a.name, simSessionName),
				RoleARN:     s,
				CanonicalID: cid,
			}, account: a.account}, nil
		}
	}
	return simCaller{}, errInvalidInput.WithMessage("Invalid caller " + s + " - Caller must be an IAM user or role ARN, an AWS service principal (such as cloudfront.amazonaws.com), a CloudFront origin access identity ARN (" + policy.OAIARNPrefix + "E...) or anonymous.")
}

// isServicePrincipal accepts NAME.amazonaws.com.
func isServicePrincipal(s string) bool {
	name, ok := strings.CutSuffix(s, ".amazonaws.com")
	if !ok || name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// ---- policies ----

// simPolicy is one policy of a simulation.
type simPolicy struct {
	id, typ string
	pol     *policy.Policy
	spans   []stmtSpan
}

func newSimPolicy(id, typ string, pol *policy.Policy) *simPolicy {
	return &simPolicy{id: id, typ: typ, pol: pol, spans: statementSpans(pol.Raw())}
}

// parseSimIdentityPolicy parses a PolicyInputList or permissions boundary
// document (an identity policy; the managed-policy size quota does not
// apply to simulations).
func parseSimIdentityPolicy(doc string) (*policy.Policy, *awsapi.Error) {
	return parsePolicy(doc, policy.IdentityPolicy, policy.ParseOptions{MaxSize: -1})
}

// parseSimResourcePolicy parses the ResourcePolicy (a policy with a
// Principal and a Resource, as bucket and key policies are).
func parseSimResourcePolicy(doc string) (*policy.Policy, *awsapi.Error) {
	return parsePolicy(doc, policy.BucketPolicy, policy.ParseOptions{MaxSize: -1})
}

// stmtPos is a position in a policy document: 1-based line and column,
// columns counted in characters.
type stmtPos struct{ line, col int }

// stmtSpan is where one statement is, as the simulator reports it.
type stmtSpan struct{ start, end stmtPos }

// statementSpans locates the statements of a (valid) policy document the
// way AWS's simulator reports them, which is where its JSON parser stands
// (observed): a statement of a Statement array starts right after the
// token before it (the "[" for the first, the previous statement's "}"
// for the others: so at the separating comma); a lone Statement object
// starts right after its "{"; every statement ends right after its "}".
// "\r\n" and a lone "\r" end a line as "\n" does. It returns nil if the
// document cannot be scanned (it was parsed before, so that means a bug).
func statementSpans(doc []byte) []stmtSpan {
	s := &posScanner{src: doc, line: 1, col: 1}
	s.ws()
	if !s.eat('{') {
		return nil
	}
	for {
		s.ws()
		if s.eat('}') {
			return s.spans
		}
		key, ok := s.str()
		if !ok {
			return nil
		}
		s.ws()
		if !s.eat(':') {
			return nil
		}
		s.ws()
		if key == "Statement" {
			if !s.statements() {
				return nil
			}
		} else if !s.value() {
			return nil
		}
		s.ws()
		if !s.eat(',') && !s.peek('}') {
			return nil
		}
	}
}

// posScanner walks a JSON document keeping the line and column.
type posScanner struct {
	src       []byte
	i         int
	line, col int
	spans     []stmtSpan
}

func (s *posScanner) pos() stmtPos { return stmtPos{s.line, s.col} }

func (s *posScanner) peek(c byte) bool { return s.i < len(s.src) && s.src[s.i] == c }

// advance consumes one character.
func (s *posScanner) advance() {
	c := s.src[s.i]
	switch c {
	case '\n':
		s.i++
		s.line, s.col = s.line+1, 1
	case '\r':
		s.i++
		if s.peek('\n') {
			s.i++
		}
		s.line, s.col = s.line+1, 1
	default:
		_, n := utf8.DecodeRune(s.src[s.i:])
		s.i += n
		s.col++
	}
}

func (s *posScanner) eat(c byte) bool {
	if !s.peek(c) {
		return false
	}
	s.advance()
	return true
}

func (s *posScanner) ws() {
	for s.i < len(s.src) && isJSONSpace(s.src[s.i]) {
		s.advance()
	}
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// str consumes a string and returns its decoded value.
func (s *posScanner) str() (string, bool) {
	start := s.i
	if !s.eat('"') {
		return "", false
	}
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case '\\':
			s.advance()
			if s.i < len(s.src) {
				s.advance()
			}
		case '"':
			s.advance()
			var v string
			if err := json.Unmarshal(s.src[start:s.i], &v); err != nil {
				return "", false
			}
			return v, true
		default:
			s.advance()
		}
	}
	return "", false
}

// value consumes any JSON value.
func (s *posScanner) value() bool {
	if s.i >= len(s.src) {
		return false
	}
	switch s.src[s.i] {
	case '"':
		_, ok := s.str()
		return ok
	case '{':
		s.advance()
		return s.objectRest()
	case '[':
		s.advance()
		for {
			s.ws()
			if s.eat(']') {
				return true
			}
			if !s.value() {
				return false
			}
			s.ws()
			if !s.eat(',') && !s.peek(']') {
				return false
			}
		}
	}
	n := 0
	for s.i < len(s.src) && !strings.ContainsRune(",}] \t\r\n", rune(s.src[s.i])) {
		s.advance()
		n++
	}
	return n > 0
}

// objectRest consumes an object whose "{" was consumed.
func (s *posScanner) objectRest() bool {
	for {
		s.ws()
		if s.eat('}') {
			return true
		}
		if _, ok := s.str(); !ok {
			return false
		}
		s.ws()
		if !s.eat(':') {
			return false
		}
		s.ws()
		if !s.value() {
			return false
		}
		s.ws()
		if !s.eat(',') && !s.peek('}') {
			return false
		}
	}
}

// statements consumes the Statement value, recording each statement.
func (s *posScanner) statements() bool {
	if s.eat('{') {
		start := s.pos()
		if !s.objectRest() {
			return false
		}
		s.spans = append(s.spans, stmtSpan{start, s.pos()})
		return true
	}
	if !s.eat('[') {
		return false
	}
	prev := s.pos()
	for {
		s.ws()
		if s.eat(']') {
			return true
		}
		if !s.eat('{') || !s.objectRest() {
			return false
		}
		end := s.pos()
		s.spans = append(s.spans, stmtSpan{prev, end})
		prev = end
		s.ws()
		if !s.eat(',') && !s.peek(']') {
			return false
		}
	}
}

// ---- evaluation ----

// simulation is everything one simulation depends on.
type simulation struct {
	identity []*simPolicy
	boundary *simPolicy // nil: none
	resource *simPolicy // nil: none
	caller   simCaller
	// owner is the ResourceOwner account ("" when not given): the owner of
	// resources whose ARN names no account, and of the resource policy.
	owner string
	ctx   policy.MapContext
}

// simOutcome is the simulation of one action on one resource.
type simOutcome struct {
	decision policy.Decision
	matched  []xmlSimStatement
	missing  []string
	// details is EvalDecisionDetails (nil when AWS gives none for the
	// case: same-account simulations).
	details map[string]policy.Decision
	// boundary is set when a permissions boundary was simulated: whether
	// it allows.
	boundary *bool
}

// policyRun is one policy's evaluation.
type policyRun struct {
	decision      policy.Decision
	denies        []xmlSimStatement
	allows        []xmlSimStatement
	namesCallerAs bool // an applied Allow names the caller's own ARN
}

// run evaluates p for req, adding the condition keys that statements
// relevant to the request use and the context lacks to missing.
func (sim *simulation) run(p *simPolicy, req *policy.Request, missing *keySet) policyRun {
	var tr policy.Trace
	out := policyRun{decision: p.pol.Evaluate(req, &tr)}
	for i := range tr.Statements {
		st := &tr.Statements[i]
		relevant := st.Action.Matched &&
			(!st.Resource.Checked || st.Resource.Matched) &&
			(!st.Principal.Checked || st.Principal.Matched)
		if relevant {
			for j := range st.Conditions {
				if c := &st.Conditions[j]; !c.Present {
					missing.add(c.Key)
				}
			}
		}
		if !st.Applied {
			continue
		}
		ms := p.statement(st.Index)
		if st.Effect == policy.EffectDeny {
			out.denies = append(out.denies, ms)
			continue
		}
		out.allows = append(out.allows, ms)
		if st.Principal.Checked && !st.Principal.Negated && req.Principal.ARN != "" &&
			st.Principal.Pattern == "AWS "+req.Principal.ARN {
			out.namesCallerAs = true
		}
	}
	return out
}

// statement is the MatchedStatements entry of statement i of p.
func (p *simPolicy) statement(i int) xmlSimStatement {
	ms := xmlSimStatement{SourcePolicyID: p.id, SourcePolicyType: p.typ}
	if i >= 0 && i < len(p.spans) {
		sp := p.spans[i]
		ms.StartPosition = &xmlSimPosition{Line: sp.start.line, Column: sp.start.col}
		ms.EndPosition = &xmlSimPosition{Line: sp.end.line, Column: sp.end.col}
	}
	return ms
}

// keySet collects condition keys, case-insensitively, in first-seen order
// and spelling.
type keySet struct {
	seen map[string]bool
	keys []string
}

func (k *keySet) add(key string) {
	lk := strings.ToLower(key)
	if k.seen == nil {
		k.seen = map[string]bool{}
	}
	if !k.seen[lk] {
		k.seen[lk] = true
		k.keys = append(k.keys, key)
	}
}

// resourceOwner is the account that owns resource: the account of its ARN
// when the ARN names one, else ResourceOwner, else the caller's account.
func (sim *simulation) resourceOwner(resource string) string {
	if a, ok := awsapi.ParseARN(resource); ok && isAccountID(a.Account) {
		return a.Account
	}
	if sim.owner != "" {
		return sim.owner
	}
	return sim.caller.account
}

// evaluate simulates action on resource ("*" for no specific resource).
func (sim *simulation) evaluate(action, resource string) simOutcome {
	reqResource := resource
	if resource == "*" {
		reqResource = "" // only a Resource of "*" matches
	}
	req := &policy.Request{Principal: sim.caller.principal, Action: action, Resource: reqResource, Context: sim.ctx}
	var missing keySet
	var out simOutcome

	var res, id, bound policyRun
	if sim.resource != nil {
		res = sim.run(sim.resource, req, &missing)
	}
	boundaryAllows := true
	if !sim.caller.resourceOnly {
		for _, p := range sim.identity {
			r := sim.run(p, req, &missing)
			id.decision = policy.Merge(id.decision, r.decision)
			id.denies = append(id.denies, r.denies...)
			id.allows = append(id.allows, r.allows...)
		}
		if sim.boundary != nil {
			bound = sim.run(sim.boundary, req, &missing)
			boundaryAllows = bound.decision == policy.Allow
			out.boundary = &boundaryAllows
		}
	}
	out.missing = missing.keys

	// What each side contributes. A permissions boundary that does not
	// allow takes away the identity policies' Allow, and a resource
	// policy's, except one that names an IAM user caller itself.
	idSide, resSide := id.decision, res.decision
	if bound.decision == policy.ExplicitDeny {
		idSide = policy.ExplicitDeny
	}
	if !boundaryAllows {
		if idSide == policy.Allow {
			idSide = policy.ImplicitDeny
		}
		if resSide == policy.Allow && !(sim.caller.user && res.namesCallerAs) {
			resSide = policy.ImplicitDeny
		}
	}
	cross := !sim.caller.resourceOnly && sim.resourceOwner(resource) != sim.caller.account
	switch {
	case idSide == policy.ExplicitDeny || resSide == policy.ExplicitDeny:
		out.decision = policy.ExplicitDeny
	case sim.caller.resourceOnly:
		out.decision = resSide
	case cross:
		if idSide == policy.Allow && resSide == policy.Allow {
			out.decision = policy.Allow
		}
	case idSide == policy.Allow || resSide == policy.Allow:
		out.decision = policy.Allow
	}

	switch out.decision {
	case policy.ExplicitDeny:
		out.matched = slices.Concat(res.denies, id.denies, bound.denies)
	case policy.Allow:
		if resSide == policy.Allow {
			out.matched = append(out.matched, res.allows...)
		}
		if idSide == policy.Allow {
			out.matched = append(out.matched, id.allows...)
		}
	}

	switch {
	case sim.caller.resourceOnly:
		out.details = map[string]policy.Decision{simSourceResource: resSide}
	case cross:
		out.details = map[string]policy.Decision{simSourceIAM: idSide, simSourceResource: resSide}
	}
	return out
}

// ---- results ----

func decisionName(d policy.Decision) string {
	switch d {
	case policy.Allow:
		return "allowed"
	case policy.ExplicitDeny:
		return "explicitDeny"
	}
	return "implicitDeny"
}

// restrictiveness orders decisions: allowed < implicitDeny < explicitDeny.
func restrictiveness(d policy.Decision) int {
	switch d {
	case policy.Allow:
		return 0
	case policy.ImplicitDeny:
		return 1
	}
	return 2
}

func detailsXML(m map[string]policy.Decision) *xmlDecisionDetails {
	x := &xmlDecisionDetails{}
	for _, k := range []string{simSourceIAM, simSourceResource} {
		if d, ok := m[k]; ok {
			x.Entries = append(x.Entries, xmlDecisionEntry{Key: k, Value: decisionName(d)})
		}
	}
	return x
}

// results simulates every action on every resource: one EvaluationResult
// per action, whose top-level decision is the most restrictive of its
// resources' (the simulator's current behaviour). resources nil (or just
// "*") simulates "*" without ResourceSpecificResults.
func (sim *simulation) results(actions, resources []string) []xmlEvalResult {
	specific := len(resources) > 0 && !(len(resources) == 1 && resources[0] == "*")
	if !specific {
		resources = []string{"*"}
	}
	out := make([]xmlEvalResult, 0, len(actions))
	for _, action := range actions {
		ev := xmlEvalResult{EvalActionName: action, EvalResourceName: "*"}
		if specific && len(resources) == 1 {
			ev.EvalResourceName = resources[0]
		}
		outcomes := make([]simOutcome, len(resources))
		top := policy.Allow
		for i, res := range resources {
			outcomes[i] = sim.evaluate(action, res)
			if restrictiveness(outcomes[i].decision) > restrictiveness(top) {
				top = outcomes[i].decision
			}
		}
		ev.EvalDecision = decisionName(top)

		var missing keySet
		var details map[string]policy.Decision
		seen := map[stmtKey]bool{}
		var boundary *bool
		for i, o := range outcomes {
			for _, k := range o.missing {
				missing.add(k)
			}
			if o.decision == top {
				for _, ms := range o.matched {
					key := ms.key()
					if !seen[key] {
						seen[key] = true
						ev.MatchedStatements.Members = append(ev.MatchedStatements.Members, ms)
					}
				}
			}
			if o.details != nil {
				if details == nil {
					details = map[string]policy.Decision{}
				}
				for k, d := range o.details {
					if cur, ok := details[k]; !ok || restrictiveness(d) > restrictiveness(cur) {
						details[k] = d
					}
				}
			}
			if o.boundary != nil {
				allowed := *o.boundary && (boundary == nil || *boundary)
				boundary = &allowed
			}
			if specific {
				rr := xmlResourceResult{EvalResourceName: resources[i], EvalResourceDecision: decisionName(o.decision)}
				if len(o.matched) > 0 {
					rr.MatchedStatements = &xmlSimStatements{Members: o.matched}
				}
				if len(o.missing) > 0 {
					rr.MissingContextValues = &xmlStringList{Members: o.missing}
				}
				if o.details != nil {
					rr.EvalDecisionDetails = detailsXML(o.details)
				}
				if o.boundary != nil {
					rr.PermissionsBoundaryDecisionDetail = &xmlBoundaryDetail{Allowed: *o.boundary}
				}
				if ev.ResourceSpecificResults == nil {
					ev.ResourceSpecificResults = &xmlResourceResults{}
				}
				ev.ResourceSpecificResults.Members = append(ev.ResourceSpecificResults.Members, rr)
			}
		}
		ev.MissingContextValues.Members = missing.keys
		switch {
		case details != nil:
			ev.EvalDecisionDetails = detailsXML(details)
		case specific:
			// Same account with resources named: present but empty.
			ev.EvalDecisionDetails = &xmlDecisionDetails{}
		}
		if boundary != nil {
			ev.PermissionsBoundaryDecisionDetail = &xmlBoundaryDetail{Allowed: *boundary}
		}
		out = append(out, ev)
	}
	return out
}

// ---- handlers ----

// simulatePrincipalPolicy is SimulatePrincipalPolicy: the identity
// policies (inline, then attached) of the user or role PolicySourceArn
// names, plus PolicyInputList, simulated as CallerArn (default: the
// source itself; a role simulates a session of it).
func (r *Registry) simulatePrincipalPolicy(q *iamRequest) (any, *awsapi.Error) {
	source, _ := q.str("PolicySourceArn", "policySourceArn", true, arnRule)
	sp := q.simParams()
	if err := q.err(); err != nil {
		return nil, err
	}
	src, srcOK := parseIAMARN(source)
	if !srcOK || (src.kind != "user" && src.kind != "role" && src.kind != "group") {
		return nil, errInvalidInput.WithMessage("Invalid PolicySourceArn " + source + ": it must be the ARN of an IAM user, group or role.")
	}

	r.mu.RLock()
	a, err := r.callerAccount(q)
	if err == nil {
		err = q.authorize(source)
	}
	var named []NamedPolicy
	switch {
	case err != nil:
	case src.account != a.ID:
		err = errNoSuchEntity.WithMessage("The entity " + source + " cannot be found.")
	case src.kind == "user":
		named, err = sourcePolicies(r, userHolder, a, src.name, source)
	case src.kind == "role":
		named, err = sourcePolicies(r, roleHolder, a, src.name, source)
	default: // edgegate has no groups
		err = noSuchEntity("group", src.name)
	}
	var caller simCaller
	if err == nil {
		callerARN := source
		if sp.hasCaller {
			callerARN = sp.callerARN
		}
		caller, err = r.simCallerLocked(callerARN)
	}
	r.mu.RUnlock()
	if err != nil {
		return nil, err
	}

	sim := &simulation{caller: caller}
	for _, np := range named {
		sim.identity = append(sim.identity, newSimPolicy(np.Name, simSourceIAM, np.Policy))
	}
	return r.simulate(q, sp, sim)
}

// sourcePolicies are the identity policies of the user or role named name
// in account a, whose ARN must be source. The caller holds the lock.
func sourcePolicies[T holder](r *Registry, k *holderKind[T], a *account, name, source string) ([]NamedPolicy, *awsapi.Error) {
	h, arn, ok := k.find(a, name)
	if !ok || arn != source {
		return nil, noSuchEntity(k.kind, name)
	}
	return r.namedPolicies(a, k.kind, h.base()), nil
}

// simulateCustomPolicy is SimulateCustomPolicy: the policies of
// PolicyInputList, simulated as CallerArn (default: the requester's
// account, without a principal for resource policies).
func (r *Registry) simulateCustomPolicy(q *iamRequest) (any, *awsapi.Error) {
	sp := q.simParams()
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.RLock()
	// SimulateCustomPolicy has no resource; IAM's authorization here needs
	// one in the caller's account (as ListPolicies does).
	a, err := r.authorizedAccount(q, policyARN, "/", "")
	var caller simCaller
	if err == nil {
		caller = simCaller{principal: policy.Principal{Account: a.ID}, account: a.ID}
		if sp.hasCaller {
			caller, err = r.simCallerLocked(sp.callerARN)
		}
	}
	r.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	// PolicyInputList is required, except (an edgegate extension) for
	// callers without identity policies, for whom it is not evaluated.
	if !sp.hasPolicyList && !caller.resourceOnly {
		return nil, errValidation.WithMessage("1 validation error detected: Value null at 'policyInputList' failed to satisfy constraint: Member must not be null")
	}
	if sp.hasResPolicy && !sp.hasCaller {
		return nil, errCallerRequired
	}
	return r.simulate(q, sp, &simulation{caller: caller})
}

// simulate completes sim from the shared parameters and answers.
func (r *Registry) simulate(q *iamRequest, sp *simParams, sim *simulation) (any, *awsapi.Error) {
	if err := sp.semantic(q); err != nil {
		return nil, err
	}
	for i, doc := range sp.policyDocs {
		pol, err := parseSimIdentityPolicy(doc)
		if err != nil {
			return nil, err
		}
		sim.identity = append(sim.identity, newSimPolicy("PolicyInputList."+strconv.Itoa(i+1), simSourceIAM, pol))
	}
	for i, doc := range sp.boundaryDocs {
		pol, err := parseSimIdentityPolicy(doc)
		if err != nil {
			return nil, err
		}
		sim.boundary = newSimPolicy("PermissionsBoundaryPolicyInputList."+strconv.Itoa(i+1), simSourceIAM, pol)
	}
	if sp.hasResPolicy {
		pol, err := parseSimResourcePolicy(sp.resourcePolicy)
		if err != nil {
			return nil, err
		}
		sim.resource = newSimPolicy(simResourcePolicyID, simSourceResource, pol)
	}
	if sp.hasOwner {
		sim.owner, _ = parseResourceOwner(sp.owner)
	}
	ctx, err := sp.context()
	if err != nil {
		return nil, err
	}
	sim.ctx = ctx

	all := sim.results(sp.actions, sp.resources)
	res := simulateResult{}
	res.EvaluationResults.Members = []xmlEvalResult{}
	if sp.start > len(all) {
		return nil, errBadMarker
	}
	page := all[sp.start:]
	if len(page) > sp.limit {
		page = page[:sp.limit]
		res.IsTruncated = true
		res.Marker = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(sp.start + sp.limit)))
	}
	res.EvaluationResults.Members = append(res.EvaluationResults.Members, page...)
	return res, nil
}

// ---- XML shapes (botocore iam model) ----

type simulateResult struct {
	EvaluationResults struct {
		Members []xmlEvalResult `xml:"member"`
	} `xml:"EvaluationResults"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

type xmlEvalResult struct {
	EvalActionName                    string              `xml:"EvalActionName"`
	EvalResourceName                  string              `xml:"EvalResourceName"`
	EvalDecision                      string              `xml:"EvalDecision"`
	MatchedStatements                 xmlSimStatements    `xml:"MatchedStatements"`
	MissingContextValues              xmlStringList       `xml:"MissingContextValues"`
	PermissionsBoundaryDecisionDetail *xmlBoundaryDetail  `xml:"PermissionsBoundaryDecisionDetail,omitempty"`
	EvalDecisionDetails               *xmlDecisionDetails `xml:"EvalDecisionDetails,omitempty"`
	ResourceSpecificResults           *xmlResourceResults `xml:"ResourceSpecificResults,omitempty"`
}

type xmlResourceResults struct {
	Members []xmlResourceResult `xml:"member"`
}

type xmlResourceResult struct {
	EvalResourceName                  string              `xml:"EvalResourceName"`
	EvalResourceDecision              string              `xml:"EvalResourceDecision"`
	MatchedStatements                 *xmlSimStatements   `xml:"MatchedStatements,omitempty"`
	MissingContextValues              *xmlStringList      `xml:"MissingContextValues,omitempty"`
	EvalDecisionDetails               *xmlDecisionDetails `xml:"EvalDecisionDetails,omitempty"`
	PermissionsBoundaryDecisionDetail *xmlBoundaryDetail  `xml:"PermissionsBoundaryDecisionDetail,omitempty"`
}

type xmlSimStatements struct {
	Members []xmlSimStatement `xml:"member"`
}

type xmlSimStatement struct {
	SourcePolicyID   string          `xml:"SourcePolicyId"`
	SourcePolicyType string          `xml:"SourcePolicyType"`
	StartPosition    *xmlSimPosition `xml:"StartPosition,omitempty"`
	EndPosition      *xmlSimPosition `xml:"EndPosition,omitempty"`
}

// stmtKey identifies a matched statement: its policy and where it starts
// (distinct for every statement of one policy).
type stmtKey struct {
	id, typ   string
	line, col int
}

func (s xmlSimStatement) key() stmtKey {
	k := stmtKey{id: s.SourcePolicyID, typ: s.SourcePolicyType}
	if s.StartPosition != nil {
		k.line, k.col = s.StartPosition.Line, s.StartPosition.Column
	}
	return k
}

type xmlSimPosition struct {
	Line   int `xml:"Line"`
	Column int `xml:"Column"`
}

type xmlStringList struct {
	Members []string `xml:"member"`
}

type xmlDecisionDetails struct {
	Entries []xmlDecisionEntry `xml:"entry"`
}

type xmlDecisionEntry struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type xmlBoundaryDetail struct {
	Allowed bool `xml:"AllowedByPermissionsBoundary"`
}
