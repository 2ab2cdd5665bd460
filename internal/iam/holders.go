package iam

import (
	"slices"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/policy"
)

// entityKind describes users, roles or customer managed policies to the
// code that creates and deletes them.
type entityKind[T any] struct {
	kind     string // "user", "role", "policy"
	arn      func(accountID, path, name string) string
	idPrefix string
	exists   func(name string) *awsapi.Error
	in       func(a *account) map[string]T // a's, by lowercased name
}

// holder is a user or a role: what holds identity policies.
type holder interface{ base() *entity }

// holderKind describes users or roles to the handlers they share: inline
// policies (Put/Get/Delete/List UserPolicy, RolePolicy), attached managed
// policies (Attach/Detach/ListAttached UserPolicies, RolePolicies) and
// DeleteUser, DeleteRole.
type holderKind[T holder] struct {
	entityKind[T]
	param  string // UserName, RoleName
	member string // userName, roleName
	rule   strRule
	// inlineQuota is the limit of the summed size of one entity's inline
	// policies.
	inlineQuota int
	quotaName   string // PoliciesPerUser, PoliciesPerRole
}

// Default IAM quotas.
const (
	userInlineQuota  = 2048
	roleInlineQuota  = 10240
	attachedPerActor = 10
)

var userHolder = &holderKind[*user]{
	entityKind: entityKind[*user]{kind: "user", arn: userARN, idPrefix: userIDPrefix, exists: userExists,
		in: func(a *account) map[string]*user { return a.users }},
	param: "UserName", member: "userName", rule: userNameRule, inlineQuota: userInlineQuota, quotaName: "PoliciesPerUser",
}

var roleHolder = &holderKind[*role]{
	entityKind: entityKind[*role]{kind: "role", arn: roleARN, idPrefix: roleIDPrefix, exists: roleExists,
		in: func(a *account) map[string]*role { return a.roles }},
	param: "RoleName", member: "roleName", rule: roleNameRule, inlineQuota: roleInlineQuota, quotaName: "PoliciesPerRole",
}

// holderOp binds a handler shared by users and roles to one of them.
func holderOp[T holder](f func(*Registry, *holderKind[T], *iamRequest) (any, *awsapi.Error), k *holderKind[T]) func(*Registry, *iamRequest) (any, *awsapi.Error) {
	return func(r *Registry, q *iamRequest) (any, *awsapi.Error) { return f(r, k, q) }
}

// find returns a's user or role named name (case-insensitively) and its
// ARN, or the ARN it would have with path "/" when there is none.
func (k *holderKind[T]) find(a *account, name string) (T, string, bool) {
	h, ok := k.in(a)[strings.ToLower(name)]
	if !ok {
		return h, k.arn(a.ID, "/", name), false
	}
	return h, k.arn(a.ID, h.base().path, h.base().name), true
}

// lock takes the registry's lock, the write lock when write is set, and
// returns its unlock.
func (r *Registry) lock(write bool) (unlock func()) {
	if write {
		r.mu.Lock()
		return r.mu.Unlock
	}
	r.mu.RLock()
	return r.mu.RUnlock
}

// inAccount reports the request's invalid parameters, or runs fn on the
// caller's account under the registry's lock, the write lock when write is
// set.
func (r *Registry) inAccount(q *iamRequest, write bool, fn func(*account) (any, *awsapi.Error)) (any, *awsapi.Error) {
	if err := q.err(); err != nil {
		return nil, err
	}
	defer r.lock(write)()
	a, err := r.callerAccount(q)
	if err != nil {
		return nil, err
	}
	return fn(a)
}

// onHolder is inAccount for fn on the user or role the request names. It
// authorizes on its ARN before reporting that it does not exist, as IAM
// does.
func onHolder[T holder](r *Registry, k *holderKind[T], q *iamRequest, name string, write bool, fn func(*account, T) (any, *awsapi.Error)) (any, *awsapi.Error) {
	return r.inAccount(q, write, func(a *account) (any, *awsapi.Error) {
		h, arn, found := k.find(a, name)
		if err := q.authorize(arn); err != nil {
			return nil, err
		}
		if !found {
			return nil, noSuchEntity(k.kind, name)
		}
		return fn(a, h)
	})
}

// authorizedAccount returns the caller's account once the request is
// authorized on the resource arn(account id, path, name). The caller holds
// the lock.
func (r *Registry) authorizedAccount(q *iamRequest, arn func(accountID, path, name string) string, path, name string) (*account, *awsapi.Error) {
	a, err := r.callerAccount(q)
	if err == nil {
		err = q.authorize(arn(a.ID, path, name))
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// create is the transaction of CreateUser, CreateRole and CreatePolicy.
// It authorizes on the new entity's ARN, parses its document doc with
// parse (none when parse is nil), refuses a name already taken and enters
// what build makes of a new unique id, durably. The caller holds the
// write lock.
func create[T any](r *Registry, q *iamRequest, k *entityKind[T], path, name, doc string,
	parse func(string) (*policy.Policy, *awsapi.Error),
	build func(a *account, id string, pol *policy.Policy) T) (*account, T, *awsapi.Error) {
	var none T
	a, err := r.authorizedAccount(q, k.arn, path, name)
	if err != nil {
		return nil, none, err
	}
	var pol *policy.Policy
	if parse != nil {
		if pol, err = parse(doc); err != nil {
			return nil, none, err
		}
	}
	m, lk := k.in(a), strings.ToLower(name)
	if _, exists := m[lk]; exists {
		return nil, none, k.exists(name)
	}
	id, gerr := r.newUniqueID(k.idPrefix)
	if gerr != nil {
		return nil, none, storageFailure(gerr)
	}
	v := build(a, id, pol)
	m[lk] = v
	r.uniqueIDs[id] = struct{}{}
	if err := r.commitLocked(func() { delete(m, lk); delete(r.uniqueIDs, id) }); err != nil {
		return nil, none, err
	}
	return a, v, nil
}

// remove takes the entity named name, with unique id id, out of m,
// durably. The caller holds the write lock.
func remove[T any](r *Registry, m map[string]T, name, id string) *awsapi.Error {
	lk := strings.ToLower(name)
	v := m[lk]
	delete(m, lk)
	delete(r.uniqueIDs, id)
	return r.commitLocked(func() { m[lk] = v; r.uniqueIDs[id] = struct{}{} })
}

// ---- users and roles ----

// listHolders is ListUsers and ListRoles: the caller's account's users or
// roles whose path starts with PathPrefix, by name, as the listing list.
func listHolders[T holder, X any](r *Registry, k *holderKind[T], q *iamRequest, list string, toXML func(*account, T) X) (any, *awsapi.Error) {
	prefix := q.strOr("PathPrefix", "pathPrefix", "/", pathPrefixRule)
	l, err := q.listing()
	if err != nil {
		return nil, err
	}
	defer r.lock(false)()
	a, err := r.authorizedAccount(q, k.arn, "/", "")
	if err != nil {
		return nil, err
	}
	hs := slices.DeleteFunc(sorted(k.in(a)), func(h T) bool { return !strings.HasPrefix(h.base().path, prefix) })
	return page(l, list, hs, func(h T) string { return strings.ToLower(h.base().name) },
		func(h T) X { return toXML(a, h) }), nil
}

// deleteHolder is DeleteUser and DeleteRole. IAM refuses to delete a user
// or role that still has policies, or a user that has access keys.
func deleteHolder[T holder](r *Registry, k *holderKind[T], q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	return onHolder(r, k, q, name, true, func(a *account, v T) (any, *awsapi.Error) {
		h := v.base()
		if u, ok := any(v).(*user); ok && len(u.keys) > 0 {
			return nil, errDeleteConflict
		}
		switch {
		case len(h.inline) > 0:
			return nil, errDeleteConflict.WithMessage("Cannot delete entity, must delete policies first.")
		case len(h.attached) > 0:
			return nil, errDeleteConflict.WithMessage("Cannot delete entity, must detach all policies first.")
		}
		return nil, remove(r, k.in(a), h.name, h.id)
	})
}

// ---- inline policies ----

func putInlinePolicy[T holder](r *Registry, k *holderKind[T], q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	polName, _ := q.str("PolicyName", "policyName", true, policyNameRule)
	doc, _ := q.str("PolicyDocument", "policyDocument", true, policyDocumentRule)
	return onHolder(r, k, q, name, true, func(_ *account, v T) (any, *awsapi.Error) {
		h := v.base()
		pol, err := parseInlinePolicy(doc)
		if err != nil {
			return nil, err
		}
		if h.inlineSize(polName, policySize(doc)) > k.inlineQuota {
			return nil, errLimitExceeded.WithMessage("Maximum policy size of " + strconv.Itoa(k.inlineQuota) + " bytes exceeded for " + k.kind + " " + h.name)
		}
		if h.inline == nil {
			h.inline = map[string]*inlinePolicy{}
		}
		prev, had := h.inline[polName]
		h.inline[polName] = &inlinePolicy{name: polName, doc: doc, pol: pol}
		return nil, r.commitLocked(func() {
			if had {
				h.inline[polName] = prev
			} else {
				delete(h.inline, polName)
			}
		})
	})
}

// inlinePolicyResult is GetUserPolicyResult / GetRolePolicyResult.
type inlinePolicyResult struct {
	UserName       string `xml:"UserName,omitempty"`
	RoleName       string `xml:"RoleName,omitempty"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

// onInline is onHolder for fn on the inline policy PolicyName of the user
// or role the request names.
func onInline[T holder](r *Registry, k *holderKind[T], q *iamRequest, write bool, fn func(*entity, *inlinePolicy) (any, *awsapi.Error)) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	polName, _ := q.str("PolicyName", "policyName", true, policyNameRule)
	return onHolder(r, k, q, name, write, func(_ *account, v T) (any, *awsapi.Error) {
		p, ok := v.base().inline[polName]
		if !ok {
			return nil, noSuchEntity(k.kind+" policy", polName)
		}
		return fn(v.base(), p)
	})
}

func getInlinePolicy[T holder](r *Registry, k *holderKind[T], q *iamRequest) (any, *awsapi.Error) {
	return onInline(r, k, q, false, func(h *entity, p *inlinePolicy) (any, *awsapi.Error) {
		res := inlinePolicyResult{PolicyName: p.name, PolicyDocument: encodeDocument(p.doc)}
		if k.kind == "user" {
			res.UserName = h.name
		} else {
			res.RoleName = h.name
		}
		return res, nil
	})
}

func deleteInlinePolicy[T holder](r *Registry, k *holderKind[T], q *iamRequest) (any, *awsapi.Error) {
	return onInline(r, k, q, true, func(h *entity, p *inlinePolicy) (any, *awsapi.Error) {
		delete(h.inline, p.name)
		return nil, r.commitLocked(func() { h.inline[p.name] = p })
	})
}

func listInlinePolicies[T holder](r *Registry, k *holderKind[T], q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	l, err := q.listing()
	if err != nil {
		return nil, err
	}
	return onHolder(r, k, q, name, false, func(_ *account, v T) (any, *awsapi.Error) {
		self := func(s string) string { return s }
		return page(l, "PolicyNames", v.base().inlineNames(), self, self), nil
	})
}

// ---- attached managed policies ----

func attachPolicy[T holder](r *Registry, k *holderKind[T], q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	arn, _ := q.str("PolicyArn", "policyArn", true, arnRule)
	q.ctx.set("iam:PolicyARN", arn)
	return onHolder(r, k, q, name, true, func(a *account, v T) (any, *awsapi.Error) {
		h := v.base()
		if _, ok := r.lookupPolicy(a, arn); !ok {
			return nil, notAttachable(arn)
		}
		if h.isAttached(arn) {
			return nil, nil
		}
		if len(h.attached) >= attachedPerActor {
			return nil, errLimitExceeded.WithMessage("Cannot exceed quota for " + k.quotaName + ": " + strconv.Itoa(attachedPerActor))
		}
		h.attached = append(h.attached, arn)
		return nil, r.commitLocked(func() { h.attached = h.attached[:len(h.attached)-1] })
	})
}

func detachPolicy[T holder](r *Registry, k *holderKind[T], q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	arn, _ := q.str("PolicyArn", "policyArn", true, arnRule)
	q.ctx.set("iam:PolicyARN", arn)
	return onHolder(r, k, q, name, true, func(_ *account, v T) (any, *awsapi.Error) {
		h := v.base()
		i := slices.Index(h.attached, arn)
		if i < 0 {
			return nil, noSuchPolicy(arn)
		}
		old := h.attached
		h.attached = slices.Delete(slices.Clone(old), i, i+1)
		return nil, r.commitLocked(func() { h.attached = old })
	})
}

type xmlAttachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

func listAttachedPolicies[T holder](r *Registry, k *holderKind[T], q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	prefix := q.strOr("PathPrefix", "pathPrefix", "/", policyPathRule)
	l, err := q.listing()
	if err != nil {
		return nil, err
	}
	return onHolder(r, k, q, name, false, func(a *account, v T) (any, *awsapi.Error) {
		// Attachment order is the listing order; the marker is the position.
		type item struct {
			key string
			x   xmlAttachedPolicy
		}
		var items []item
		for i, arn := range v.base().attached {
			if m, ok := r.lookupPolicy(a, arn); ok && strings.HasPrefix(m.path, prefix) {
				items = append(items, item{key: positionKey(i), x: xmlAttachedPolicy{PolicyName: m.name, PolicyArn: arn}})
			}
		}
		return page(l, "AttachedPolicies", items, func(it item) string { return it.key }, func(it item) xmlAttachedPolicy { return it.x }), nil
	})
}

// positionKey is a sort key that orders by position.
func positionKey(i int) string {
	s := strconv.Itoa(i)
	return strings.Repeat("0", 10-len(s)) + s
}
