package iam

import (
	"slices"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// A role's MaxSessionDuration bounds, in seconds (default one hour).
const (
	minMaxSession = 3600
	maxMaxSession = 43200
)

// sortedRoles returns a's roles ordered by name, case-insensitively.
func (a *account) sortedRoles() []*role {
	out := make([]*role, 0, len(a.roles))
	for _, ro := range a.roles {
		out = append(out, ro)
	}
	slices.SortFunc(out, func(x, y *role) int { return strings.Compare(strings.ToLower(x.name), strings.ToLower(y.name)) })
	return out
}

// roleTarget resolves the role a request names, authorizing on its ARN
// before reporting that it does not exist. The caller holds the lock.
func (r *Registry) roleTarget(q *iamRequest, name string) (*account, *role, *awsapi.Error) {
	a, err := r.callerAccount(q)
	if err != nil {
		return nil, nil, err
	}
	ro, found := a.roles[strings.ToLower(name)]
	resource := roleARN(a.ID, "/", name)
	if found {
		resource = ro.arn(a.ID)
	}
	if err := q.authorize(resource); err != nil {
		return nil, nil, err
	}
	if !found {
		return nil, nil, noSuchRole(name)
	}
	return a, ro, nil
}

// errNoBoundaries refuses what edgegate does not model rather than
// ignoring it: a permissions boundary only ever narrows access.
var errNoBoundaries = errValidation.WithMessage("edgegate does not support permissions boundaries (PermissionsBoundary); create the role without one.")

func (r *Registry) createRole(q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str("RoleName", "roleName", true, roleNameRule)
	path, ok := q.str("Path", "path", false, pathRule)
	if !ok {
		path = "/"
	}
	doc, _ := q.str("AssumeRolePolicyDocument", "assumeRolePolicyDocument", true, policyDocumentRule)
	desc, _ := q.str("Description", "description", false, roleDescriptionRule)
	maxSession, ok := q.intRange("MaxSessionDuration", "maxSessionDuration", minMaxSession, maxMaxSession)
	if !ok {
		maxSession = minMaxSession
	}
	tags := q.tags()
	if err := q.err(); err != nil {
		return nil, err
	}
	if _, ok := q.get("PermissionsBoundary"); ok {
		return nil, errNoBoundaries
	}
	if err := checkTagKeys(tags); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	a, err := r.callerAccount(q)
	if err != nil {
		return nil, err
	}
	if err := q.authorize(roleARN(a.ID, path, name)); err != nil {
		return nil, err
	}
	trust, err := parseTrustPolicy(doc)
	if err != nil {
		return nil, err
	}
	lk := strings.ToLower(name)
	if _, exists := a.roles[lk]; exists {
		return nil, roleExists(name)
	}
	id, gerr := r.newUniqueID(roleIDPrefix)
	if gerr != nil {
		return nil, storageFailure(gerr)
	}
	ro := &role{name: name, path: path, id: id, description: desc, created: q.now,
		maxSession: maxSession, trustDoc: doc, trust: trust, tags: tags}
	a.roles[lk] = ro
	r.uniqueIDs[id] = struct{}{}
	if err := r.commitLocked(func() { delete(a.roles, lk); delete(r.uniqueIDs, id) }); err != nil {
		return nil, err
	}
	return roleResult{Role: roleXML(a, ro, true, false)}, nil
}

func (r *Registry) getRole(q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str("RoleName", "roleName", true, roleNameRule)
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	a, ro, err := r.roleTarget(q, name)
	if err != nil {
		return nil, err
	}
	return roleResult{Role: roleXML(a, ro, true, true)}, nil
}

func (r *Registry) listRoles(q *iamRequest) (any, *awsapi.Error) {
	prefix, ok := q.str("PathPrefix", "pathPrefix", false, pathPrefixRule)
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
	a, err := r.callerAccount(q)
	if err != nil {
		return nil, err
	}
	if err := q.authorize(roleARN(a.ID, "/", "")); err != nil {
		return nil, err
	}
	var matching []*role
	for _, ro := range a.sortedRoles() {
		if strings.HasPrefix(ro.path, prefix) {
			matching = append(matching, ro)
		}
	}
	got, next := page(l, matching, func(ro *role) string { return strings.ToLower(ro.name) })
	res := listRolesResult{IsTruncated: next != "", Marker: next}
	res.Roles.Members = make([]xmlRole, len(got))
	for i, ro := range got {
		res.Roles.Members[i] = roleXML(a, ro, false, false)
	}
	return res, nil
}

func (r *Registry) deleteRole(q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str("RoleName", "roleName", true, roleNameRule)
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ro, err := r.roleTarget(q, name)
	if err != nil {
		return nil, err
	}
	switch {
	case len(ro.inline) > 0:
		return nil, errDeleteConflict.WithMessage("Cannot delete entity, must delete policies first.")
	case len(ro.attached) > 0:
		return nil, errDeleteConflict.WithMessage("Cannot delete entity, must detach all policies first.")
	}
	lk := strings.ToLower(ro.name)
	delete(a.roles, lk)
	delete(r.uniqueIDs, ro.id)
	return nil, r.commitLocked(func() { a.roles[lk] = ro; r.uniqueIDs[ro.id] = struct{}{} })
}

func (r *Registry) updateAssumeRolePolicy(q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str("RoleName", "roleName", true, roleNameRule)
	doc, _ := q.str("PolicyDocument", "policyDocument", true, policyDocumentRule)
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ro, err := r.roleTarget(q, name)
	if err != nil {
		return nil, err
	}
	trust, err := parseTrustPolicy(doc)
	if err != nil {
		return nil, err
	}
	oldDoc, oldTrust := ro.trustDoc, ro.trust
	ro.trustDoc, ro.trust = doc, trust
	return nil, r.commitLocked(func() { ro.trustDoc, ro.trust = oldDoc, oldTrust })
}

// updateRole changes a role's description and/or maximum session
// duration (UpdateRole; UpdateRoleDescription changes only the former and
// answers the role).
func (r *Registry) updateRole(q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str("RoleName", "roleName", true, roleNameRule)
	required := q.action == "iam:UpdateRoleDescription"
	desc, hasDesc := q.str("Description", "description", required, roleDescriptionRule)
	maxSession, hasMax := 0, false
	if !required {
		maxSession, hasMax = q.intRange("MaxSessionDuration", "maxSessionDuration", minMaxSession, maxMaxSession)
	}
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ro, err := r.roleTarget(q, name)
	if err != nil {
		return nil, err
	}
	oldDesc, oldMax := ro.description, ro.maxSession
	if hasDesc {
		ro.description = desc
	}
	if hasMax {
		ro.maxSession = maxSession
	}
	if err := r.commitLocked(func() { ro.description, ro.maxSession = oldDesc, oldMax }); err != nil {
		return nil, err
	}
	if required {
		return roleResult{Role: roleXML(a, ro, true, false)}, nil
	}
	return struct{}{}, nil
}

// listInstanceProfilesForRole answers that the role is in no instance
// profile: edgegate has none (Terraform asks before deleting a role).
func (r *Registry) listInstanceProfilesForRole(q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str("RoleName", "roleName", true, roleNameRule)
	if _, ok := q.listing(); !ok {
		return nil, errBadMarker
	}
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, _, err := r.roleTarget(q, name); err != nil {
		return nil, err
	}
	return listInstanceProfilesResult{}, nil
}

// ---- XML shapes ----

// xmlRole is the Role shape (botocore iam model).
type xmlRole struct {
	Path                     string           `xml:"Path"`
	RoleName                 string           `xml:"RoleName"`
	RoleID                   string           `xml:"RoleId"`
	Arn                      string           `xml:"Arn"`
	CreateDate               string           `xml:"CreateDate"`
	AssumeRolePolicyDocument string           `xml:"AssumeRolePolicyDocument,omitempty"`
	Description              string           `xml:"Description,omitempty"`
	MaxSessionDuration       int              `xml:"MaxSessionDuration,omitempty"`
	Tags                     *xmlTags         `xml:"Tags,omitempty"`
	RoleLastUsed             *xmlRoleLastUsed `xml:"RoleLastUsed,omitempty"`
}

// xmlRoleLastUsed is empty: edgegate does not track role use.
type xmlRoleLastUsed struct{}

func roleXML(a *account, ro *role, withTags, withLastUsed bool) xmlRole {
	x := xmlRole{
		Path: ro.path, RoleName: ro.name, RoleID: ro.id, Arn: ro.arn(a.ID),
		CreateDate:               isoTime(ro.created),
		AssumeRolePolicyDocument: encodeDocument(ro.trustDoc),
		Description:              ro.description,
		MaxSessionDuration:       ro.maxSession,
	}
	if withTags && len(ro.tags) > 0 {
		x.Tags = &xmlTags{}
		for _, t := range ro.tags {
			x.Tags.Members = append(x.Tags.Members, xmlTag(t))
		}
	}
	if withLastUsed {
		x.RoleLastUsed = &xmlRoleLastUsed{}
	}
	return x
}

type roleResult struct {
	Role xmlRole `xml:"Role"`
}

type listRolesResult struct {
	Roles struct {
		Members []xmlRole `xml:"member"`
	} `xml:"Roles"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}

type listInstanceProfilesResult struct {
	InstanceProfiles struct{} `xml:"InstanceProfiles"`
	IsTruncated      bool     `xml:"IsTruncated"`
}
