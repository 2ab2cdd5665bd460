package iam

import (
	"slices"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// holderKind describes users or roles to the handlers they share: inline
// policies (Put/Get/Delete/List UserPolicy, RolePolicy) and attached
// managed policies (Attach/Detach/ListAttached UserPolicies, RolePolicies).
type holderKind struct {
	kind   string // "user" or "role"
	param  string // UserName, RoleName
	member string // userName, roleName
	rule   strRule
	// inlineQuota is the limit of the summed size of one entity's inline
	// policies; attachQuota the number of managed policies it may have.
	inlineQuota int
	attachQuota int
	quotaName   string // PoliciesPerUser, PoliciesPerRole
	find        func(a *account, name string) (h *policyHolder, arn, canonical string, ok bool)
	notFound    func(name string) *awsapi.Error
	noSuchPol   func(policyName string) *awsapi.Error
}

// Default IAM quotas.
const (
	userInlineQuota  = 2048
	roleInlineQuota  = 10240
	attachedPerActor = 10
)

var userHolder = &holderKind{
	kind: "user", param: "UserName", member: "userName", rule: userNameRule,
	inlineQuota: userInlineQuota, attachQuota: attachedPerActor, quotaName: "PoliciesPerUser",
	find: func(a *account, name string) (*policyHolder, string, string, bool) {
		u, ok := a.lookupUser(name)
		if !ok {
			return nil, userARN(a.ID, "/", name), name, false
		}
		return &u.policyHolder, userARN(a.ID, u.path, u.name), u.name, true
	},
	notFound: noSuchUser,
	noSuchPol: func(n string) *awsapi.Error {
		return errNoSuchEntity.WithMessage("The user policy with name " + n + " cannot be found.")
	},
}

var roleHolder = &holderKind{
	kind: "role", param: "RoleName", member: "roleName", rule: roleNameRule,
	inlineQuota: roleInlineQuota, attachQuota: attachedPerActor, quotaName: "PoliciesPerRole",
	find: func(a *account, name string) (*policyHolder, string, string, bool) {
		ro, ok := a.roles[strings.ToLower(name)]
		if !ok {
			return nil, roleARN(a.ID, "/", name), name, false
		}
		return &ro.policyHolder, ro.arn(a.ID), ro.name, true
	},
	notFound: noSuchRole,
	noSuchPol: func(n string) *awsapi.Error {
		return errNoSuchEntity.WithMessage("The role policy with name " + n + " cannot be found.")
	},
}

// holderTarget resolves the user or role a request names, authorizing on
// its ARN before reporting that it does not exist, as IAM does. The caller
// holds the lock.
func (r *Registry) holderTarget(k *holderKind, q *iamRequest, name string) (*account, *policyHolder, string, *awsapi.Error) {
	a, err := r.callerAccount(q)
	if err != nil {
		return nil, nil, "", err
	}
	h, arn, canonical, found := k.find(a, name)
	if err := q.authorize(arn); err != nil {
		return nil, nil, "", err
	}
	if !found {
		return nil, nil, "", k.notFound(name)
	}
	return a, h, canonical, nil
}

// ---- inline policies ----

func (r *Registry) putInlinePolicy(k *holderKind, q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	polName, _ := q.str("PolicyName", "policyName", true, policyNameRule)
	doc, _ := q.str("PolicyDocument", "policyDocument", true, policyDocumentRule)
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, h, canonical, err := r.holderTarget(k, q, name)
	if err != nil {
		return nil, err
	}
	pol, err := parseInlinePolicy(doc)
	if err != nil {
		return nil, err
	}
	if h.inlineSize(polName, policySize(doc)) > k.inlineQuota {
		return nil, errLimitExceeded.WithMessage("Maximum policy size of " + strconv.Itoa(k.inlineQuota) + " bytes exceeded for " + k.kind + " " + canonical)
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
}

// inlinePolicyResult is GetUserPolicyResult / GetRolePolicyResult.
type inlinePolicyResult struct {
	UserName       string `xml:"UserName,omitempty"`
	RoleName       string `xml:"RoleName,omitempty"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

func (r *Registry) getInlinePolicy(k *holderKind, q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	polName, _ := q.str("PolicyName", "policyName", true, policyNameRule)
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, h, canonical, err := r.holderTarget(k, q, name)
	if err != nil {
		return nil, err
	}
	p, ok := h.inline[polName]
	if !ok {
		return nil, k.noSuchPol(polName)
	}
	res := inlinePolicyResult{PolicyName: p.name, PolicyDocument: encodeDocument(p.doc)}
	if k == userHolder {
		res.UserName = canonical
	} else {
		res.RoleName = canonical
	}
	return res, nil
}

func (r *Registry) deleteInlinePolicy(k *holderKind, q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	polName, _ := q.str("PolicyName", "policyName", true, policyNameRule)
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, h, _, err := r.holderTarget(k, q, name)
	if err != nil {
		return nil, err
	}
	prev, ok := h.inline[polName]
	if !ok {
		return nil, k.noSuchPol(polName)
	}
	delete(h.inline, polName)
	return nil, r.commitLocked(func() { h.inline[polName] = prev })
}

// listPolicyNamesResult is ListUserPoliciesResult / ListRolePoliciesResult.
type listPolicyNamesResult struct {
	PolicyNames struct {
		Members []string `xml:"member"`
	} `xml:"PolicyNames"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

func (r *Registry) listInlinePolicies(k *holderKind, q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	l, markerOK := q.listing()
	if err := q.err(); err != nil {
		return nil, err
	}
	if !markerOK {
		return nil, errBadMarker
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, h, _, err := r.holderTarget(k, q, name)
	if err != nil {
		return nil, err
	}
	var res listPolicyNamesResult
	res.PolicyNames.Members, res.Marker = page(l, h.inlineNames(), func(s string) string { return s })
	res.IsTruncated = res.Marker != ""
	return res, nil
}

// ---- attached managed policies ----

func (r *Registry) attachPolicy(k *holderKind, q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	arn, _ := q.str("PolicyArn", "policyArn", true, arnRule)
	if err := q.err(); err != nil {
		return nil, err
	}
	q.ctx.set("iam:PolicyARN", arn)
	r.mu.Lock()
	defer r.mu.Unlock()
	a, h, _, err := r.holderTarget(k, q, name)
	if err != nil {
		return nil, err
	}
	if _, ok := r.lookupPolicy(a, arn); !ok {
		return nil, notAttachable(arn)
	}
	if h.isAttached(arn) {
		return nil, nil
	}
	if len(h.attached) >= k.attachQuota {
		return nil, errLimitExceeded.WithMessage("Cannot exceed quota for " + k.quotaName + ": " + strconv.Itoa(k.attachQuota))
	}
	h.attached = append(h.attached, arn)
	return nil, r.commitLocked(func() { h.attached = h.attached[:len(h.attached)-1] })
}

func (r *Registry) detachPolicy(k *holderKind, q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	arn, _ := q.str("PolicyArn", "policyArn", true, arnRule)
	if err := q.err(); err != nil {
		return nil, err
	}
	q.ctx.set("iam:PolicyARN", arn)
	r.mu.Lock()
	defer r.mu.Unlock()
	_, h, _, err := r.holderTarget(k, q, name)
	if err != nil {
		return nil, err
	}
	i := slices.Index(h.attached, arn)
	if i < 0 {
		return nil, noSuchPolicy(arn)
	}
	old := h.attached
	h.attached = slices.Delete(slices.Clone(old), i, i+1)
	return nil, r.commitLocked(func() { h.attached = old })
}

type xmlAttachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

// listAttachedResult is ListAttachedUserPoliciesResult / …RolePoliciesResult.
type listAttachedResult struct {
	AttachedPolicies struct {
		Members []xmlAttachedPolicy `xml:"member"`
	} `xml:"AttachedPolicies"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

func (r *Registry) listAttachedPolicies(k *holderKind, q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str(k.param, k.member, true, k.rule)
	prefix, ok := q.str("PathPrefix", "pathPrefix", false, policyPathRule)
	if !ok {
		prefix = "/"
	}
	l, markerOK := q.listing()
	if err := q.err(); err != nil {
		return nil, err
	}
	if !markerOK {
		return nil, errBadMarker
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	a, h, _, err := r.holderTarget(k, q, name)
	if err != nil {
		return nil, err
	}
	// Attachment order is the listing order; the marker is the position.
	type item struct {
		key string
		x   xmlAttachedPolicy
	}
	var items []item
	for i, arn := range h.attached {
		m, ok := r.lookupPolicy(a, arn)
		if !ok || !strings.HasPrefix(m.path, prefix) {
			continue
		}
		items = append(items, item{key: positionKey(i), x: xmlAttachedPolicy{PolicyName: m.name, PolicyArn: arn}})
	}
	got, next := page(l, items, func(it item) string { return it.key })
	var res listAttachedResult
	res.AttachedPolicies.Members = make([]xmlAttachedPolicy, len(got))
	for i, it := range got {
		res.AttachedPolicies.Members[i] = it.x
	}
	res.Marker, res.IsTruncated = next, next != ""
	return res, nil
}

// positionKey is a sort key that orders by position.
func positionKey(i int) string {
	s := strconv.Itoa(i)
	return strings.Repeat("0", 10-len(s)) + s
}
