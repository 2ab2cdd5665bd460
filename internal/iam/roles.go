package iam

import (
	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/policy"
)

// A role's MaxSessionDuration bounds, in seconds (default one hour).
const (
	minMaxSession = 3600
	maxMaxSession = 43200
)

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
	defer r.lock(true)()
	a, ro, err := create(r, q, &roleHolder.entityKind, path, name, doc, parseTrustPolicy, func(_ *account, id string, trust *policy.Policy) *role {
		return &role{entity: entity{name: name, path: path, id: id, created: q.now, tags: tags},
			description: desc, maxSession: maxSession, trustDoc: doc, trust: trust}
	})
	if err != nil {
		return nil, err
	}
	return roleResult{Role: roleXML(a, ro, true, false)}, nil
}

func (r *Registry) getRole(q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str("RoleName", "roleName", true, roleNameRule)
	return onHolder(r, roleHolder, q, name, false, func(a *account, ro *role) (any, *awsapi.Error) {
		return roleResult{Role: roleXML(a, ro, true, true)}, nil
	})
}

func (r *Registry) listRoles(q *iamRequest) (any, *awsapi.Error) {
	return listHolders(r, roleHolder, q, "Roles", func(a *account, ro *role) xmlRole { return roleXML(a, ro, false, false) })
}

func (r *Registry) updateAssumeRolePolicy(q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str("RoleName", "roleName", true, roleNameRule)
	doc, _ := q.str("PolicyDocument", "policyDocument", true, policyDocumentRule)
	return onHolder(r, roleHolder, q, name, true, func(_ *account, ro *role) (any, *awsapi.Error) {
		trust, err := parseTrustPolicy(doc)
		if err != nil {
			return nil, err
		}
		oldDoc, oldTrust := ro.trustDoc, ro.trust
		ro.trustDoc, ro.trust = doc, trust
		return nil, r.commitLocked(func() { ro.trustDoc, ro.trust = oldDoc, oldTrust })
	})
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
	return onHolder(r, roleHolder, q, name, true, func(a *account, ro *role) (any, *awsapi.Error) {
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
	})
}

// listInstanceProfilesForRole answers that the role is in no instance
// profile: edgegate has none (Terraform asks before deleting a role).
func (r *Registry) listInstanceProfilesForRole(q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str("RoleName", "roleName", true, roleNameRule)
	if _, err := q.listing(); err != nil {
		return nil, err
	}
	return onHolder(r, roleHolder, q, name, false, func(*account, *role) (any, *awsapi.Error) {
		return listInstanceProfilesResult{}, nil
	})
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
	if withTags {
		x.Tags = tagsXML(ro.tags)
	}
	if withLastUsed {
		x.RoleLastUsed = &xmlRoleLastUsed{}
	}
	return x
}

type roleResult struct {
	Role xmlRole `xml:"Role"`
}

type listInstanceProfilesResult struct {
	InstanceProfiles struct{} `xml:"InstanceProfiles"`
	IsTruncated      bool     `xml:"IsTruncated"`
}
