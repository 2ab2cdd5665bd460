package kms

import (
	"strings"
	"sync"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
)

// Identities hands out a principal's identity policies (IAM users and role
// sessions; none for root users, services and anonymous callers). It must
// not allocate: it is called on every authorization. *iam.Registry
// implements it.
type Identities interface {
	IdentityPolicies(p identity.Principal) []iam.NamedPolicy
}

// Reason says why Authorize decided as it did.
type Reason string

// The reasons of a Decision.
const (
	// ReasonKeyPolicy: the key policy allows the caller itself.
	ReasonKeyPolicy Reason = "KeyPolicyAllows"
	// ReasonIdentityPolicy: the key policy delegates to the caller's
	// account and one of the caller's identity policies allows.
	ReasonIdentityPolicy Reason = "IdentityPolicyAllows"
	// ReasonGrant: a grant on the key allows the caller the operation.
	ReasonGrant Reason = "GrantAllows"

	// ReasonExplicitDenyKeyPolicy: a Deny statement of the key policy
	// applies.
	ReasonExplicitDenyKeyPolicy Reason = "ExplicitDenyKeyPolicy"
	// ReasonExplicitDenyIdentityPolicy: a Deny statement of one of the
	// caller's identity policies applies (it counts even where the key
	// policy does not delegate to the account).
	ReasonExplicitDenyIdentityPolicy Reason = "ExplicitDenyIdentityPolicy"
	// ReasonNoKeyPolicyAllow: the key policy neither allows the caller nor
	// delegates to the caller's account, and no grant applies.
	ReasonNoKeyPolicyAllow Reason = "KeyPolicyNoAllow"
	// ReasonNoIdentityPolicyAllow: the key policy delegates to the
	// caller's account, but none of the caller's identity policies allows.
	ReasonNoIdentityPolicyAllow Reason = "IdentityPolicyNoAllow"
	// ReasonCrossAccountNoKeyPolicyAllow: the caller is in another account
	// and the key policy allows neither it nor its account.
	ReasonCrossAccountNoKeyPolicyAllow Reason = "CrossAccountKeyPolicyNoAllow"
	// ReasonCrossAccountNoIdentityAllow: the key policy allows the other
	// account (or the caller), but the caller's identity policies do not.
	ReasonCrossAccountNoIdentityAllow Reason = "CrossAccountNoIdentityAllow"
	// ReasonAnonymous: KMS serves only signed requests.
	ReasonAnonymous Reason = "Anonymous"
)

// Decision is the outcome of Authorize.
type Decision struct {
	Allowed bool
	Reason  Reason
	// By names what decided: "key policy", an identity policy's ARN, or
	// "grant ID"; "" when nothing allowed or denied explicitly.
	By string
}

// Context is the condition context of one KMS authorization: the keys KMS
// itself sets (kms:CallerAccount, kms:ViaService, kms:EncryptionContext:…,
// the aws:Principal* keys) layered over the caller's global keys
// (aws:SourceArn, aws:SourceIp, …), plus the request's encryption context,
// which grant constraints compare against. It implements policy.Context.
type Context struct {
	base policy.Context
	own  policy.MapContext
	ec   map[string]string
}

// NewContext returns a Context over base (nil for none). Keys set on the
// Context shadow base's.
func NewContext(base policy.Context) *Context {
	return &Context{base: base, own: policy.MapContext{}}
}

// Set sets a condition key (any case) to values.
func (c *Context) Set(key string, values ...string) {
	c.own[strings.ToLower(key)] = values
}

// SetEncryptionContext records the request's encryption context and sets
// kms:EncryptionContext:KEY for each pair and kms:EncryptionContextKeys.
// Condition-key names are case-insensitive, so the context keys match
// case-insensitively in policies.
func (c *Context) SetEncryptionContext(ec map[string]string) {
	c.ec = ec
	if len(ec) == 0 {
		return
	}
	keys := make([]string, 0, len(ec))
	for k, v := range ec {
		c.own["kms:encryptioncontext:"+strings.ToLower(k)] = []string{v}
		keys = append(keys, k)
	}
	c.own["kms:encryptioncontextkeys"] = keys
}

// EncryptionContext returns what SetEncryptionContext recorded.
func (c *Context) EncryptionContext() map[string]string { return c.ec }

// Values implements policy.Context.
func (c *Context) Values(key string) ([]string, bool) {
	if v, ok := c.own[key]; ok {
		return v, len(v) > 0
	}
	if c.base != nil {
		return c.base.Values(key)
	}
	return nil, false
}

// Trace records how Authorize reached its decision: the key policy as it
// applies to the caller, the delegation check (the key policy evaluated
// for the caller's account root), every identity policy considered and
// every grant of the key.
type Trace struct {
	Action    string
	KeyARN    string
	Principal string
	// CrossAccount is set when the caller is in another account than the
	// key.
	CrossAccount bool
	KeyPolicy    policy.Trace
	// DelegationChecked is set when the key policy was also evaluated for
	// the caller's account root (IAM users and role sessions); Delegated
	// is its outcome: whether the account's identity policies count.
	DelegationChecked bool
	Delegation        policy.Trace
	Delegated         bool
	Identity          []IdentityStep
	Grants            []GrantStep
	Decision          Decision
}

// IdentityStep is one identity policy considered.
type IdentityStep struct {
	Name, ARN string
	Trace     policy.Trace
}

// GrantStep is one grant of the key, and which of its parts matched.
type GrantStep struct {
	GrantID, Name, Grantee string
	Operations             []string
	GranteeMatched         bool
	OperationMatched       bool
	ConstraintsMet         bool
}

// String renders the trace for a person.
func (t *Trace) String() string {
	var b strings.Builder
	b.WriteString(t.Principal + " " + t.Action + " on " + t.KeyARN + ": ")
	if t.Decision.Allowed {
		b.WriteString("allowed")
	} else {
		b.WriteString("denied")
	}
	b.WriteString(" (" + string(t.Decision.Reason))
	if t.Decision.By != "" {
		b.WriteString(", by " + t.Decision.By)
	}
	b.WriteString(")\n")
	b.WriteString("key policy, for the caller: " + t.KeyPolicy.Decision.String() + "\n")
	writeIndented(&b, t.KeyPolicy.String())
	if t.DelegationChecked {
		d := "does not delegate"
		if t.Delegated {
			d = "delegates"
		}
		b.WriteString("key policy, for the caller's account root (" + d + " to the account's identity policies): " + t.Delegation.Decision.String() + "\n")
		writeIndented(&b, t.Delegation.String())
	}
	for _, s := range t.Identity {
		b.WriteString("identity policy " + s.ARN + ": " + s.Trace.Decision.String() + "\n")
		writeIndented(&b, s.Trace.String())
	}
	for _, g := range t.Grants {
		b.WriteString("grant " + g.GrantID)
		if g.Name != "" {
			b.WriteString(" (" + g.Name + ")")
		}
		b.WriteString(" to " + g.Grantee + " for " + strings.Join(g.Operations, ",") + ": grantee " + mark(g.GranteeMatched) +
			", operation " + mark(g.OperationMatched) + ", constraints " + mark(g.ConstraintsMet) + "\n")
	}
	return b.String()
}

func writeIndented(b *strings.Builder, s string) {
	for _, line := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if line != "" {
			b.WriteString("  " + line + "\n")
		}
	}
}

func mark(ok bool) string {
	if ok {
		return "matches"
	}
	return "does not match"
}

// keyPolicyPrincipal is the caller as a key policy's Principal element
// sees it. For IAM users and role sessions the account is left out: in a
// key policy a statement naming the account (arn:aws:iam::A:root) does not
// allow the account's principals directly, it delegates to their identity
// policies (checked separately). The root user is the account principal
// itself.
func keyPolicyPrincipal(p identity.Principal) policy.Principal {
	switch p.Type {
	case identity.Root:
		return policy.Principal{Account: p.Account, ARN: p.ARN, CanonicalID: p.CanonicalID}
	case identity.Service:
		return policy.Principal{Service: p.ARN}
	case identity.Anonymous:
		return policy.Principal{Anonymous: true}
	}
	return policy.Principal{ARN: p.ARN, RoleARN: p.RoleARN}
}

func rootARN(account string) string { return "arn:aws:iam::" + account + ":root" }

// authzState is the scratch of one authorization, pooled so that a
// decision without a trace does not allocate.
type authzState struct{ req, root policy.Request }

var authzPool = sync.Pool{New: func() any { return new(authzState) }}

// Authorize decides whether caller may perform action (kms:Decrypt, ...)
// on key, in the condition context ctx (nil for none), as KMS does:
//
//   - the key policy is the root of trust: a statement allowing the caller
//     itself (its user, role, session or service principal, or "*")
//     allows it;
//   - a statement that allows the caller's account root (the default key
//     policy's "Enable IAM User Permissions") delegates to the account:
//     then the caller's identity policies count, and one must allow;
//     without it identity-policy allows are ignored;
//   - grants on the key allow their grantee the listed operations (when
//     the request's encryption context meets the grant's constraints);
//   - an explicit Deny in the key policy or in any of the caller's
//     identity policies wins over everything (delegated or not);
//   - a caller of another account needs both sides: the key policy must
//     allow it or delegate to its account, and (unless it is that
//     account's root user) its identity policies must allow; a grant
//     naming the caller suffices alone;
//   - anonymous callers are always denied.
//
// When tr is non-nil it is reset and filled. Authorize does not look at
// the key's state (Disabled, PendingDeletion): callers check that after
// authorization, as KMS does.
func (s *Service) Authorize(caller identity.Principal, action string, key *KeyInfo, ctx *Context, tr *Trace) Decision {
	var pctx policy.Context
	if ctx != nil {
		pctx = ctx
	}
	var ec map[string]string
	if ctx != nil {
		ec = ctx.ec
	}
	d := authorize(s.ids, caller, action, key, pctx, ec, tr)
	if tr != nil {
		tr.Decision = d
	}
	return d
}

func authorize(ids Identities, caller identity.Principal, action string, key *KeyInfo, ctx policy.Context, ec map[string]string, tr *Trace) Decision {
	if tr != nil {
		*tr = Trace{Action: action, KeyARN: key.ARN, Principal: caller.ARN}
	}
	if caller.IsAnonymous() {
		return Decision{Reason: ReasonAnonymous}
	}
	if key.Policy == nil { // a KeyInfo not from this service: nothing allows
		return Decision{Reason: ReasonNoKeyPolicyAllow}
	}
	// Service principals belong to no account: only the key policy (or a
	// grant) can allow them.
	cross := caller.Account != "" && caller.Account != key.Account
	if tr != nil {
		tr.CrossAccount = cross
	}
	st := authzPool.Get().(*authzState)
	defer func() { *st = authzState{}; authzPool.Put(st) }()
	req := &st.req
	*req = policy.Request{Principal: keyPolicyPrincipal(caller), Action: action, Resource: key.ARN, Context: ctx}
	var ptr *policy.Trace
	if tr != nil {
		ptr = &tr.KeyPolicy
	}
	direct := key.Policy.Evaluate(req, ptr)
	if direct == policy.ExplicitDeny {
		return Decision{Reason: ReasonExplicitDenyKeyPolicy, By: "key policy"}
	}

	hasIdentity := caller.Type == identity.User || caller.Type == identity.AssumedRole
	delegated := false
	if hasIdentity && caller.Account != "" {
		// The account principal: matching it takes only the account (the
		// root ARN is spelled out for the trace).
		rootReq := &st.root
		*rootReq = *req
		rootReq.Principal = policy.Principal{Account: caller.Account}
		var dtr *policy.Trace
		if tr != nil {
			tr.DelegationChecked = true
			dtr = &tr.Delegation
			rootReq.Principal.ARN = rootARN(caller.Account)
		}
		switch key.Policy.Evaluate(rootReq, dtr) {
		case policy.ExplicitDeny:
			// A Deny naming the account applies to its principals.
			return Decision{Reason: ReasonExplicitDenyKeyPolicy, By: "key policy"}
		case policy.Allow:
			delegated = true
		}
		if tr != nil {
			tr.Delegated = delegated
		}
	}

	idDecision, idBy := policy.ImplicitDeny, ""
	if hasIdentity && ids != nil {
		pols := ids.IdentityPolicies(caller)
		if tr != nil {
			tr.Identity = make([]IdentityStep, len(pols))
		}
		for i := range pols {
			var itr *policy.Trace
			if tr != nil {
				tr.Identity[i] = IdentityStep{Name: pols[i].Name, ARN: pols[i].ARN}
				itr = &tr.Identity[i].Trace
			}
			switch pols[i].Policy.Evaluate(req, itr) {
			case policy.ExplicitDeny:
				if tr != nil {
					tr.Identity = tr.Identity[:i+1]
				}
				return Decision{Reason: ReasonExplicitDenyIdentityPolicy, By: pols[i].ARN}
			case policy.Allow:
				if idDecision != policy.Allow {
					idDecision, idBy = policy.Allow, pols[i].ARN
				}
			}
		}
	}
	identityOK := caller.Type == identity.Root || idDecision == policy.Allow

	if !cross {
		if direct == policy.Allow {
			return Decision{Allowed: true, Reason: ReasonKeyPolicy, By: "key policy"}
		}
		if delegated && idDecision == policy.Allow {
			return Decision{Allowed: true, Reason: ReasonIdentityPolicy, By: idBy}
		}
	} else if direct == policy.Allow || delegated {
		if identityOK {
			if direct == policy.Allow {
				return Decision{Allowed: true, Reason: ReasonKeyPolicy, By: "key policy"}
			}
			return Decision{Allowed: true, Reason: ReasonIdentityPolicy, By: idBy}
		}
	}
	if g := matchGrants(key, caller, action, ec, identityOK, tr); g != "" {
		return Decision{Allowed: true, Reason: ReasonGrant, By: "grant " + g}
	}
	switch {
	case cross && direct != policy.Allow && !delegated:
		return Decision{Reason: ReasonCrossAccountNoKeyPolicyAllow}
	case cross:
		return Decision{Reason: ReasonCrossAccountNoIdentityAllow}
	case delegated:
		return Decision{Reason: ReasonNoIdentityPolicyAllow}
	}
	return Decision{Reason: ReasonNoKeyPolicyAllow}
}

// matchGrants returns the id of the first grant that allows caller the
// action, or "". A grant's grantee is matched by the caller's ARN, its
// role's ARN, its service name, or its account's root ARN (then, for an
// IAM user or role session, an identity policy must allow too).
func matchGrants(key *KeyInfo, caller identity.Principal, action string, ec map[string]string, identityOK bool, tr *Trace) string {
	op, _ := strings.CutPrefix(action, "kms:")
	found := ""
	for i := range key.Grants {
		g := &key.Grants[i]
		grantee := g.Grantee == caller.ARN ||
			caller.RoleARN != "" && g.Grantee == caller.RoleARN ||
			caller.Account != "" && isRootARN(g.Grantee, caller.Account) && identityOK
		opOK := false
		for _, o := range g.Operations {
			if o == op {
				opOK = true
				break
			}
		}
		cons := g.constraintsMet(ec)
		if tr != nil {
			tr.Grants = append(tr.Grants, GrantStep{GrantID: g.ID, Name: g.Name, Grantee: g.Grantee, Operations: g.Operations,
				GranteeMatched: grantee, OperationMatched: opOK, ConstraintsMet: cons})
		}
		if grantee && opOK && cons && found == "" {
			found = g.ID
			if tr == nil {
				break
			}
		}
	}
	return found
}

// isRootARN reports whether arn is arn:aws:iam::ACCOUNT:root.
func isRootARN(arn, account string) bool {
	rest, ok := strings.CutPrefix(arn, "arn:aws:iam::")
	if !ok {
		return false
	}
	acct, ok := strings.CutSuffix(rest, ":root")
	return ok && acct == account
}

// constraintsMet applies a grant's constraints to a request's encryption
// context: EncryptionContextEquals must equal it exactly, every pair of
// EncryptionContextSubset must be in it.
func (g *Grant) constraintsMet(ec map[string]string) bool {
	if g.EncryptionContextEquals != nil {
		if len(g.EncryptionContextEquals) != len(ec) {
			return false
		}
		for k, v := range g.EncryptionContextEquals {
			if w, ok := ec[k]; !ok || w != v {
				return false
			}
		}
	}
	for k, v := range g.EncryptionContextSubset {
		if w, ok := ec[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// AccessDeniedError is a KMS denial: the in-process API (Encrypt, Decrypt,
// GenerateDataKey) returns it so that S3 can answer 403 AccessDenied and
// keep the explanation; the KMS API sends it as AccessDeniedException.
// Trace is always filled (the decision is re-run with tracing on only
// when it denies).
type AccessDeniedError struct {
	// Principal is the caller's ARN (a session ARN for role sessions).
	Principal string
	Action    string
	// Resource is the key ARN, or "*" / an alias ARN for the identity-only
	// checks of CreateKey, ListKeys, ListAliases and CreateAlias.
	Resource string
	Decision Decision
	// Trace is the key authorization's trace; nil for identity-only
	// checks.
	Trace *Trace
}

// Error implements error.
func (e *AccessDeniedError) Error() string { return "AccessDeniedException: " + e.Message() }

// Message is the message AWS KMS sends: the detailed forms for callers of
// the key's account, the plain form for other accounts and services.
func (e *AccessDeniedError) Message() string {
	base := "User: " + e.Principal + " is not authorized to perform: " + e.Action + " on resource: " + e.Resource
	switch e.Decision.Reason {
	case ReasonExplicitDenyKeyPolicy:
		return base + " with an explicit deny in a resource-based policy"
	case ReasonExplicitDenyIdentityPolicy:
		return base + " with an explicit deny in an identity-based policy"
	case ReasonNoKeyPolicyAllow:
		return base + " because no resource-based policy allows the " + e.Action + " action"
	case ReasonNoIdentityPolicyAllow:
		return base + " because no identity-based policy allows the " + e.Action + " action"
	}
	return base
}

// APIError is the error as the KMS API sends it (400
// AccessDeniedException).
func (e *AccessDeniedError) APIError() *awsapi.Error {
	return errAccessDenied.WithMessage(e.Message())
}

// authorizeIdentity decides the actions that only identity policies
// govern (kms:CreateKey, kms:ListKeys, kms:ListAliases, and kms:CreateAlias
// / kms:DeleteAlias on the alias): an account's root user may, an IAM user
// or role session needs an allowing identity policy and no Deny.
func (s *Service) authorizeIdentity(caller identity.Principal, action, resource string, ctx policy.Context) error {
	d := Decision{Allowed: true}
	switch caller.Type {
	case identity.Root:
	case identity.User, identity.AssumedRole:
		d = Decision{Reason: ReasonNoIdentityPolicyAllow}
		if s.ids != nil {
			req := policy.Request{Principal: keyPolicyPrincipal(caller), Action: action, Resource: resource, Context: ctx}
			for _, p := range s.ids.IdentityPolicies(caller) {
				switch p.Policy.Evaluate(&req, nil) {
				case policy.ExplicitDeny:
					d = Decision{Reason: ReasonExplicitDenyIdentityPolicy, By: p.ARN}
					return &AccessDeniedError{Principal: caller.ARN, Action: action, Resource: resource, Decision: d}
				case policy.Allow:
					d = Decision{Allowed: true, Reason: ReasonIdentityPolicy, By: p.ARN}
				}
			}
		}
	default:
		d = Decision{Reason: ReasonNoIdentityPolicyAllow}
	}
	if !d.Allowed {
		return &AccessDeniedError{Principal: caller.ARN, Action: action, Resource: resource, Decision: d}
	}
	return nil
}
