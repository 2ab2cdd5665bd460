// Package authz decides S3 requests the way S3 does (spec §1.2): explicit
// denies in identity and bucket policies first, then the user context (the
// caller's own account), the bucket context and the object context, with
// Object Ownership, ACLs and Block Public Access folded in. It is one pure
// function over an Input snapshot, so the live server, `edgegate explain`
// and the offline doctor all run the same code: the server keeps the Input
// of each request and explain re-runs it with a Trace.
package authz

import (
	"strings"

	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/s3/access"
)

// NamedPolicy is an identity policy with the name explanations show; the
// IAM registry hands them out without allocating.
type NamedPolicy = iam.NamedPolicy

// Bucket is the bucket-side state of a decision. Values are immutable
// snapshots: a compiled policy is never modified after Parse.
type Bucket struct {
	Name string
	// Owner is the bucket owner's account id; OwnerCanonicalID its
	// canonical user id.
	Owner, OwnerCanonicalID string
	// Policy is the bucket policy, nil when the bucket has none.
	Policy *policy.Policy
	// PolicyIsPublic is Policy.IsPublic, computed once when the policy is
	// loaded (Block Public Access's RestrictPublicBuckets needs it).
	PolicyIsPublic bool
	// ACL is the bucket ACL; nil means the default private ACL.
	ACL       *access.ACL
	Ownership access.Ownership
	// PAB is the effective Block Public Access: account ∨ bucket settings.
	PAB access.PublicAccessBlock
}

// Object is the object-side state of a decision on an existing object.
type Object struct {
	// Owner is the object owner's account id ("" for the anonymous user);
	// OwnerCanonicalID its canonical id.
	Owner, OwnerCanonicalID string
	// ACL is the object ACL; nil means private to its owner.
	ACL *access.ACL
}

// Input is everything one decision depends on. The S3 layer builds it per
// request; it holds no reference to the HTTP request.
type Input struct {
	Principal identity.Principal
	// Identity holds the caller's identity policies (IAM users and role
	// sessions; none for root, anonymous and service principals).
	Identity []NamedPolicy
	// Action is the IAM action, e.g. "s3:GetObject"; Resource its ARN
	// ("" for actions without a resource such as s3:ListAllMyBuckets).
	Action, Resource string
	// Bucket is nil for service-level actions (ListBuckets, CreateBucket).
	Bucket *Bucket
	// Object is set for actions on an existing object; nil for bucket
	// actions and for writes of new objects (judged in the bucket's
	// context).
	Object *Object
	// Context supplies condition-key values.
	Context policy.Context
}

// Reason is the internal denial reason of spec §8 ("" when allowed).
type Reason string

// The reasons authz gives. Other layers (KMS, the edge) add their own.
const (
	ReasonExplicitDenyIdentityPolicy           Reason = "ExplicitDenyIdentityPolicy"
	ReasonExplicitDenyBucketPolicy             Reason = "ExplicitDenyBucketPolicy"
	ReasonImplicitDeny                         Reason = "ImplicitDeny"
	ReasonCrossAccountNoIdentityAllow          Reason = "CrossAccountNoIdentityAllow"
	ReasonBucketPolicyNotApplicableObjectOwner Reason = "BucketPolicyNotApplicableObjectNotOwnedByBucketOwner"
	ReasonObjectACLNoGrant                     Reason = "ObjectAclNoGrant"
	ReasonBPAIgnoredACL                        Reason = "BlockPublicAccessIgnoredAcl"
	ReasonBPARestrictPublicBucket              Reason = "BlockPublicAccessRestrictPublicBucket"
	ReasonMissingObjectNoListBucket            Reason = "MissingObjectNoListBucket"
)

// Result is a decision and, when denied, why.
type Result struct {
	Allowed bool
	// Decision is ExplicitDeny when a Deny statement decided, Allow when
	// allowed, ImplicitDeny otherwise.
	Decision policy.Decision
	Reason   Reason
}

// Authorize decides in. tr may be nil; when it is not, every source
// consulted is recorded in it (and nothing is recorded otherwise).
func Authorize(in *Input, tr *Trace) Result {
	e := evaluator{in: in, tr: tr, bpStep: -1}
	return e.run()
}

type evaluator struct {
	in *Input
	tr *Trace
	// bpStep is the index of the bucket policy's step in tr, -1 if none.
	bpStep int
}

func (e *evaluator) run() Result {
	in := e.in
	p := in.Principal
	req := policy.Request{Principal: policyPrincipal(p), Action: in.Action, Resource: in.Resource, Context: in.Context}

	// Step 3: explicit deny in identity policies or the bucket policy.
	idDec := policy.ImplicitDeny
	for i := range in.Identity {
		d := e.evalPolicy(SourceIdentityPolicy, "", in.Identity[i].Name, in.Identity[i].Policy, &req)
		idDec = policy.Merge(idDec, d)
	}
	if idDec == policy.ExplicitDeny {
		return e.deny(policy.ExplicitDeny, ReasonExplicitDenyIdentityPolicy)
	}
	bpDec := policy.ImplicitDeny
	if in.Bucket != nil && in.Bucket.Policy != nil {
		// The name is built only when tracing: a decision without a Trace
		// must not allocate for explanations nobody reads.
		bpDec = e.evalPolicy(SourceBucketPolicy, "bucket policy of ", in.Bucket.Name, in.Bucket.Policy, &req)
		if bpDec == policy.ExplicitDeny {
			return e.deny(policy.ExplicitDeny, ReasonExplicitDenyBucketPolicy)
		}
	}

	// Service-level actions: only the caller's own account can allow.
	if in.Bucket == nil {
		switch p.Type {
		case identity.Root:
			e.note(SourceIdentityPolicy, "account root", true, "the root user may perform every action of its own account")
			return allowed()
		case identity.User, identity.AssumedRole:
			if idDec == policy.Allow {
				return allowed()
			}
			e.note(SourceIdentityPolicy, p.ARN, false, "no identity-based policy allows ", in.Action)
		default:
			e.note(SourceIdentityPolicy, principalLabel(p), false, "an anonymous or service caller has no identity to allow ", in.Action)
		}
		return e.deny(policy.ImplicitDeny, ReasonImplicitDeny)
	}

	b := in.Bucket
	iamCaller := p.Type == identity.User || p.Type == identity.AssumedRole
	// Block Public Access, RestrictPublicBuckets: a public bucket policy
	// grants only to service principals and the bucket owner's account.
	bpAllow := bpDec == policy.Allow
	restricted := false
	if bpAllow && b.PAB.RestrictPublicBuckets && b.PolicyIsPublic && p.Type != identity.Service && p.Account != b.Owner {
		bpAllow, restricted = false, true
		e.discountBucketPolicy()
		e.note(SourceBlockPublicAccess, "RestrictPublicBuckets", false,
			"the bucket policy is public, so with RestrictPublicBuckets its Allow counts only for AWS service principals and the bucket owner's account")
	}

	// S3's server access log delivery service is the LogDelivery group.
	who := access.Requester{CanonicalID: p.CanonicalID, Anonymous: p.IsAnonymous(), Authenticated: !p.IsAnonymous(),
		LogDelivery: p.Type == identity.Service && p.ARN == "logging.s3.amazonaws.com"}
	aclsOn := b.Ownership.ACLsEnabled()

	// resourceAllow: the resource's owner grants the caller's account (or
	// everyone) — the bucket and object contexts of spec §1.2 steps 5-6.
	// aclGroupAllow: an ACL grant to a public group (AllUsers,
	// AuthenticatedUsers) allows, as opposed to a grant to the caller's
	// account by canonical id.
	var resourceOwner string
	var resourceAllow, aclGroupAllow, aclIgnoredPublic, policyNotApplicable bool
	if o := in.Object; o != nil {
		resourceOwner = o.Owner
		if !aclsOn {
			resourceOwner = b.Owner // BucketOwnerEnforced: the bucket owner owns every object
		}
		if bpAllow {
			if resourceOwner == b.Owner {
				resourceAllow = true
			} else {
				policyNotApplicable = true
				// The owner account's IAM principals still get the bucket
				// policy's Allow in their user context (example 3 of the
				// S3 walkthroughs): it does not count for anyone else.
				if !iamCaller || p.Account != b.Owner {
					e.discountBucketPolicy()
				}
				e.note(SourceBucketPolicy, b.Name, false,
					"the bucket policy allows, but a bucket policy grants only on objects the bucket owner owns, and account ",
					ownerLabel(resourceOwner), " owns this object: its owner must grant through the object ACL")
			}
		}
		if perm, ok := objectPermission(in.Action); ok && aclsOn {
			acl := o.ACL
			if acl == nil {
				private := access.Private(o.OwnerCanonicalID)
				acl = &private
			}
			ok, group, ignored := e.aclAllows(SourceObjectACL, acl, perm, who, b.PAB.IgnorePublicAcls)
			resourceAllow = resourceAllow || ok
			aclGroupAllow, aclIgnoredPublic = group, ignored
		}
	} else {
		resourceOwner = b.Owner
		resourceAllow = bpAllow
		if perm, ok := bucketPermission(in.Action); ok && aclsOn {
			acl := b.ACL
			if acl == nil {
				private := access.Private(b.OwnerCanonicalID)
				acl = &private
			}
			ok, group, ignored := e.aclAllows(SourceBucketACL, acl, perm, who, b.PAB.IgnorePublicAcls)
			resourceAllow = resourceAllow || ok
			aclGroupAllow, aclIgnoredPublic = group, ignored
		}
	}
	if !aclsOn {
		e.note(SourceOwnership, string(b.Ownership), false, "ACLs are disabled (BucketOwnerEnforced): ACL grants are not consulted")
	}

	sameAccount := p.Account != "" && p.Account == resourceOwner
	switch p.Type {
	case identity.Root:
		if sameAccount {
			e.note(SourceIdentityPolicy, "account root", true, "the root user of the resource owner's account is allowed everything policies do not deny")
			return allowed()
		}
		if resourceAllow {
			return allowed()
		}
	case identity.User, identity.AssumedRole:
		// User context (spec §1.2 step 4): the caller's own account must
		// allow — through its identity policies, or through the policies
		// of a resource it owns: the bucket policy when it owns the bucket
		// (even for an object another account owns, which that owner must
		// grant to the account: walkthrough example 3), a public-group
		// ACL grant on a resource it owns. An ACL grant to the account's
		// own canonical id (the owner's FULL_CONTROL of every default ACL)
		// is the account's authority, which reaches its IAM users only
		// through their policies: it must not allow them by itself.
		userAllow := idDec == policy.Allow || (p.Account == b.Owner && bpAllow) || (sameAccount && aclGroupAllow)
		// Bucket and object contexts: the resource's owner must grant the
		// caller's account; when that is the caller's own account, the
		// user context above already decided.
		resourceSide := sameAccount || resourceAllow
		if userAllow && resourceSide {
			return allowed()
		}
		if resourceSide && !sameAccount {
			e.note(SourceIdentityPolicy, p.ARN, false, "cross-account request: the resource side allows, but no identity-based policy of account ",
				p.Account, " allows ", in.Action)
			return e.deny(policy.ImplicitDeny, ReasonCrossAccountNoIdentityAllow)
		}
		if sameAccount && resourceAllow {
			e.note(SourceIdentityPolicy, p.ARN, false, "an ACL grant to account ", p.Account,
				" reaches its IAM users only through their policies, and no identity-based or bucket policy allows ", in.Action)
		}
	default: // anonymous, service principals, OAIs: the resource side alone decides
		if resourceAllow {
			return allowed()
		}
	}
	switch {
	case restricted:
		return e.deny(policy.ImplicitDeny, ReasonBPARestrictPublicBucket)
	case aclIgnoredPublic:
		return e.deny(policy.ImplicitDeny, ReasonBPAIgnoredACL)
	case policyNotApplicable:
		return e.deny(policy.ImplicitDeny, ReasonBucketPolicyNotApplicableObjectOwner)
	case in.Object != nil && aclsOn && resourceOwner != b.Owner && !sameAccount:
		// The object's owner is another account that granted nothing (when
		// the caller's own account owns it, its policies are what is
		// missing: a plain implicit deny).
		return e.deny(policy.ImplicitDeny, ReasonObjectACLNoGrant)
	}
	return e.deny(policy.ImplicitDeny, ReasonImplicitDeny)
}

func allowed() Result { return Result{Allowed: true, Decision: policy.Allow} }

func (e *evaluator) deny(d policy.Decision, r Reason) Result {
	if e.tr != nil {
		e.tr.Reason = r
	}
	return Result{Decision: d, Reason: r}
}

// evalPolicy evaluates one policy, recording it when tracing under the name
// namePrefix+name (concatenated only then).
func (e *evaluator) evalPolicy(src Source, namePrefix, name string, p *policy.Policy, req *policy.Request) policy.Decision {
	if e.tr == nil {
		return p.Evaluate(req, nil)
	}
	pt := new(policy.Trace)
	d := p.Evaluate(req, pt)
	if src == SourceBucketPolicy {
		e.bpStep = len(e.tr.Steps)
	}
	e.tr.Steps = append(e.tr.Steps, Step{Source: src, Name: namePrefix + name, Decision: d, Policy: pt, Grant: -1})
	return d
}

// discountBucketPolicy marks the traced bucket-policy step as one whose
// Allow did not count (RestrictPublicBuckets, or an object the bucket owner
// does not own), so Trace.Deciding does not name its statement.
func (e *evaluator) discountBucketPolicy() {
	if e.tr != nil && e.bpStep >= 0 {
		e.tr.Steps[e.bpStep].discounted = true
	}
}

// aclAllows checks an ACL: ok reports a grant to who; group that the grant
// is to a public group rather than to who's canonical id; ignoredPublic
// that a public grant would have allowed had IgnorePublicAcls not been on.
func (e *evaluator) aclAllows(src Source, acl *access.ACL, perm access.Permission, who access.Requester, ignorePublic bool) (ok, group, ignoredPublic bool) {
	ok, idx := acl.Allows(perm, who, ignorePublic)
	// The same requester without a canonical id matches group grants only.
	groups := access.Requester{Anonymous: who.Anonymous, Authenticated: who.Authenticated, LogDelivery: who.LogDelivery}
	if ok {
		group, _ = acl.Allows(perm, groups, ignorePublic)
	}
	// Also when a grant to who's own account allows: an IAM user of the
	// owner account cannot use that one, so an ignored public grant may be
	// what it lacks.
	if ignorePublic && !group {
		ignoredPublic, _ = acl.Allows(perm, groups, false)
	}
	if e.tr != nil {
		step := Step{Source: src, Name: string(src), Grant: idx, Permission: string(perm)}
		if ok {
			step.Decision = policy.Allow
			step.Note = "grant " + grantLabel(acl, idx) + " gives " + string(perm)
			if ignoredPublic {
				step.Note += "; a public grant would too, but IgnorePublicAcls (Block Public Access) ignores it"
			}
		} else if ignoredPublic {
			step.Note = "a public grant gives " + string(perm) + ", but IgnorePublicAcls (Block Public Access) ignores it"
		} else {
			step.Note = "no grant gives the caller " + string(perm)
		}
		e.tr.Steps = append(e.tr.Steps, step)
	}
	return ok, group, ignoredPublic
}

// note records a non-policy step when tracing; text is the concatenation
// of its parts, built only then.
func (e *evaluator) note(src Source, name string, allow bool, text ...string) {
	if e.tr == nil {
		return
	}
	d := policy.ImplicitDeny
	if allow {
		d = policy.Allow
	}
	e.tr.Steps = append(e.tr.Steps, Step{Source: src, Name: name, Decision: d, Note: strings.Join(text, ""), Grant: -1})
}

func grantLabel(acl *access.ACL, i int) string {
	if i < 0 || i >= len(acl.Grants) {
		return "?"
	}
	g := acl.Grants[i].Grantee
	switch {
	case g.URI != "":
		return "to group " + g.URI
	case g.Email != "":
		return "to " + g.Email
	}
	return "to canonical user " + g.ID
}

func ownerLabel(account string) string {
	if account == "" {
		return "anonymous"
	}
	return account
}

func principalLabel(p identity.Principal) string {
	switch {
	case p.IsAnonymous():
		return "anonymous"
	case p.ARN != "":
		return p.ARN
	}
	return p.Type.String()
}

// policyPrincipal is the caller as the policy language sees it.
func policyPrincipal(p identity.Principal) policy.Principal {
	pp := policy.Principal{
		Anonymous:   p.IsAnonymous(),
		Account:     p.Account,
		ARN:         p.ARN,
		CanonicalID: p.CanonicalID,
	}
	switch p.Type {
	case identity.Service:
		pp.Service = p.ARN
		pp.ARN = ""
	case identity.AssumedRole:
		pp.RoleARN = p.RoleARN
	}
	return pp
}
