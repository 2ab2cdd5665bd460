package iam

import (
	"slices"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/policy"
)

// maxPolicyVersions is IAM's limit of versions per managed policy.
const maxPolicyVersions = 5

// onPolicy is inAccount for fn on the managed policy arn names. It
// authorizes on the ARN before reporting that the policy does not exist;
// a change (write) must be to a customer managed policy: AWS managed
// policies cannot be changed by anyone.
func (r *Registry) onPolicy(q *iamRequest, arn string, write bool, fn func(*account, *managedPolicy) (any, *awsapi.Error)) (any, *awsapi.Error) {
	return r.inAccount(q, write, func(a *account) (any, *awsapi.Error) {
		if err := q.authorize(arn); err != nil {
			return nil, err
		}
		m, ok := r.lookupPolicy(a, arn)
		if !ok {
			return nil, noSuchPolicy(arn)
		}
		if write && m.isAWS() {
			return nil, accessDenied(q.caller.ARN, q.action, arn)
		}
		return fn(a, m)
	})
}

// policyKind describes customer managed policies to create.
var policyKind = &entityKind[*managedPolicy]{kind: "policy", arn: policyARN, idPrefix: policyIDPrefix, exists: policyExists,
	in: func(a *account) map[string]*managedPolicy { return a.policies }}

func (r *Registry) createPolicy(q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str("PolicyName", "policyName", true, policyNameRule)
	path := q.strOr("Path", "path", "/", policyPathRule)
	doc, _ := q.str("PolicyDocument", "policyDocument", true, policyDocumentRule)
	desc, _ := q.str("Description", "description", false, policyDescriptionRule)
	tags := q.tags()
	if err := q.err(); err != nil {
		return nil, err
	}
	if err := checkTagKeys(tags); err != nil {
		return nil, err
	}
	defer r.lock(true)()
	a, m, err := create(r, q, policyKind, path, name, doc, parseManagedPolicy, func(a *account, id string, pol *policy.Policy) *managedPolicy {
		return &managedPolicy{
			account: a.ID, name: name, path: path, id: id, description: desc, created: q.now, tags: tags,
			versions:       []*policyVersion{{id: "v1", doc: doc, pol: pol, created: q.now}},
			defaultVersion: "v1", nextVersion: 2,
		}
	})
	if err != nil {
		return nil, err
	}
	return policyResult{Policy: policyXML(a, m, true)}, nil
}

func (r *Registry) getPolicy(q *iamRequest) (any, *awsapi.Error) {
	arn, _ := q.str("PolicyArn", "policyArn", true, arnRule)
	return r.onPolicy(q, arn, false, func(a *account, m *managedPolicy) (any, *awsapi.Error) {
		return policyResult{Policy: policyXML(a, m, true)}, nil
	})
}

func (r *Registry) deletePolicy(q *iamRequest) (any, *awsapi.Error) {
	arn, _ := q.str("PolicyArn", "policyArn", true, arnRule)
	return r.onPolicy(q, arn, true, func(a *account, m *managedPolicy) (any, *awsapi.Error) {
		if attachmentCount(a, arn) > 0 {
			return nil, errDeleteConflict.WithMessage("Cannot delete a policy attached to entities.")
		}
		if len(m.versions) > 1 {
			return nil, errDeleteConflict.WithMessage("This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.")
		}
		return nil, remove(r, a.policies, m.name, m.id)
	})
}

func (r *Registry) listPolicies(q *iamRequest) (any, *awsapi.Error) {
	scope := "All"
	if v, ok := q.get("Scope"); ok {
		scope = v
		if v != "All" && v != "AWS" && v != "Local" {
			q.fail("scope", &v, "must satisfy enum value set: [All, AWS, Local]")
		}
	}
	onlyAttached := q.boolean("OnlyAttached", "onlyAttached")
	prefix := q.strOr("PathPrefix", "pathPrefix", "/", pathPrefixRule)
	l, err := q.listing()
	if err != nil {
		return nil, err
	}
	defer r.lock(false)()
	a, err := r.authorizedAccount(q, policyARN, "/", "")
	if err != nil {
		return nil, err
	}
	// AWS managed policies first, then the account's; each by name. The
	// sort key carries the scope so that a marker resumes in the right one.
	type item struct {
		key string
		m   *managedPolicy
	}
	var items []item
	if scope != "Local" {
		for _, m := range r.awsPolicies {
			items = append(items, item{"a/" + strings.ToLower(m.name), m})
		}
	}
	if scope != "AWS" {
		for _, m := range a.policies {
			items = append(items, item{"l/" + strings.ToLower(m.name), m})
		}
	}
	slices.SortFunc(items, func(x, y item) int { return strings.Compare(x.key, y.key) })
	items = slices.DeleteFunc(items, func(it item) bool {
		return !strings.HasPrefix(it.m.path, prefix) || onlyAttached && attachmentCount(a, it.m.arn()) == 0
	})
	return page(l, "Policies", items, func(it item) string { return it.key },
		func(it item) xmlPolicy { return policyXML(a, it.m, false) }), nil
}

func (r *Registry) getPolicyVersion(q *iamRequest) (any, *awsapi.Error) {
	arn, _ := q.str("PolicyArn", "policyArn", true, arnRule)
	vid, _ := q.str("VersionId", "versionId", true, versionIDRule)
	return r.onPolicy(q, arn, false, func(_ *account, m *managedPolicy) (any, *awsapi.Error) {
		v := m.version(vid)
		if v == nil {
			return nil, noSuchPolicyVersion(arn, vid)
		}
		x := versionXML(m, v)
		x.Document = encodeDocument(v.doc)
		return policyVersionResult{PolicyVersion: x}, nil
	})
}

func (r *Registry) createPolicyVersion(q *iamRequest) (any, *awsapi.Error) {
	arn, _ := q.str("PolicyArn", "policyArn", true, arnRule)
	doc, _ := q.str("PolicyDocument", "policyDocument", true, policyDocumentRule)
	setDefault := q.boolean("SetAsDefault", "setAsDefault")
	return r.onPolicy(q, arn, true, func(_ *account, m *managedPolicy) (any, *awsapi.Error) {
		pol, err := parseManagedPolicy(doc)
		if err != nil {
			return nil, err
		}
		if len(m.versions) >= maxPolicyVersions {
			return nil, errLimitExceeded.WithMessage("A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.")
		}
		v := &policyVersion{id: "v" + strconv.Itoa(m.nextVersion), doc: doc, pol: pol, created: q.now}
		oldVersions, oldDefault := m.versions, m.defaultVersion
		m.versions = append(slices.Clone(m.versions), v)
		m.nextVersion++
		if setDefault {
			m.defaultVersion = v.id
		}
		if err := r.commitLocked(func() { m.versions, m.defaultVersion = oldVersions, oldDefault; m.nextVersion-- }); err != nil {
			return nil, err
		}
		return policyVersionResult{PolicyVersion: versionXML(m, v)}, nil
	})
}

func (r *Registry) deletePolicyVersion(q *iamRequest) (any, *awsapi.Error) {
	arn, _ := q.str("PolicyArn", "policyArn", true, arnRule)
	vid, _ := q.str("VersionId", "versionId", true, versionIDRule)
	return r.onPolicy(q, arn, true, func(_ *account, m *managedPolicy) (any, *awsapi.Error) {
		i := slices.IndexFunc(m.versions, func(v *policyVersion) bool { return v.id == vid })
		if i < 0 {
			return nil, noSuchPolicyVersion(arn, vid)
		}
		if vid == m.defaultVersion {
			return nil, errDeleteConflict.WithMessage("Cannot delete the default version of a policy.")
		}
		old := m.versions
		m.versions = slices.Delete(slices.Clone(old), i, i+1)
		return nil, r.commitLocked(func() { m.versions = old })
	})
}

func (r *Registry) setDefaultPolicyVersion(q *iamRequest) (any, *awsapi.Error) {
	arn, _ := q.str("PolicyArn", "policyArn", true, arnRule)
	vid, _ := q.str("VersionId", "versionId", true, versionIDRule)
	return r.onPolicy(q, arn, true, func(_ *account, m *managedPolicy) (any, *awsapi.Error) {
		if m.version(vid) == nil {
			return nil, noSuchPolicyVersion(arn, vid)
		}
		old := m.defaultVersion
		m.defaultVersion = vid
		return nil, r.commitLocked(func() { m.defaultVersion = old })
	})
}

func (r *Registry) listPolicyVersions(q *iamRequest) (any, *awsapi.Error) {
	arn, _ := q.str("PolicyArn", "policyArn", true, arnRule)
	l, err := q.listing()
	if err != nil {
		return nil, err
	}
	return r.onPolicy(q, arn, false, func(_ *account, m *managedPolicy) (any, *awsapi.Error) {
		// Newest first, as IAM lists them.
		vs := slices.Clone(m.versions)
		slices.Reverse(vs)
		return page(l, "Versions", vs, func(v *policyVersion) string { return positionKey(1<<30 - versionNumber(v.id)) },
			func(v *policyVersion) xmlPolicyVersion { return versionXML(m, v) }), nil
	})
}

// versionNumber is N of "vN".
func versionNumber(id string) int {
	digits, _, _ := strings.Cut(id[1:], ".")
	n, _ := strconv.Atoi(digits)
	return n
}

// listEntitiesForPolicy lists the users and roles of the caller's account
// a policy is attached to (edgegate has no groups).
func (r *Registry) listEntitiesForPolicy(q *iamRequest) (any, *awsapi.Error) {
	arn, _ := q.str("PolicyArn", "policyArn", true, arnRule)
	filter := ""
	if v, ok := q.get("EntityFilter"); ok {
		filter = v
		if !slices.Contains([]string{"User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"}, v) {
			q.fail("entityFilter", &v, "must satisfy enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]")
		}
	}
	prefix := q.strOr("PathPrefix", "pathPrefix", "/", pathPrefixRule)
	if _, err := q.listing(); err != nil {
		return nil, err
	}
	return r.onPolicy(q, arn, false, func(a *account, m *managedPolicy) (any, *awsapi.Error) {
		var res listEntitiesResult
		res.PolicyUsers.Members = []xmlPolicyUser{}
		res.PolicyRoles.Members = []xmlPolicyRole{}
		want := func(kind string) bool {
			switch filter {
			case "":
				return true
			case "LocalManagedPolicy":
				return !m.isAWS()
			case "AWSManagedPolicy":
				return m.isAWS()
			}
			return filter == kind
		}
		if want("User") {
			for _, u := range sorted(a.users) {
				if u.isAttached(arn) && strings.HasPrefix(u.path, prefix) {
					res.PolicyUsers.Members = append(res.PolicyUsers.Members, xmlPolicyUser{UserName: u.name, UserID: u.id})
				}
			}
		}
		if want("Role") {
			for _, ro := range sorted(a.roles) {
				if ro.isAttached(arn) && strings.HasPrefix(ro.path, prefix) {
					res.PolicyRoles.Members = append(res.PolicyRoles.Members, xmlPolicyRole{RoleName: ro.name, RoleID: ro.id})
				}
			}
		}
		return res, nil
	})
}

// ---- XML shapes ----

// xmlPolicy is the Policy shape. Description and Tags are only in
// CreatePolicy and GetPolicy answers, not in ListPolicies.
type xmlPolicy struct {
	PolicyName                    string   `xml:"PolicyName"`
	PolicyID                      string   `xml:"PolicyId"`
	Arn                           string   `xml:"Arn"`
	Path                          string   `xml:"Path"`
	DefaultVersionID              string   `xml:"DefaultVersionId"`
	AttachmentCount               int      `xml:"AttachmentCount"`
	PermissionsBoundaryUsageCount int      `xml:"PermissionsBoundaryUsageCount"`
	IsAttachable                  bool     `xml:"IsAttachable"`
	Description                   string   `xml:"Description,omitempty"`
	CreateDate                    string   `xml:"CreateDate"`
	UpdateDate                    string   `xml:"UpdateDate"`
	Tags                          *xmlTags `xml:"Tags,omitempty"`
}

func policyXML(a *account, m *managedPolicy, detail bool) xmlPolicy {
	x := xmlPolicy{
		PolicyName: m.name, PolicyID: m.id, Arn: m.arn(), Path: m.path, DefaultVersionID: m.defaultVersion,
		AttachmentCount: attachmentCount(a, m.arn()), IsAttachable: true,
		CreateDate: isoTime(m.created), UpdateDate: isoTime(m.updateDate()),
	}
	if detail {
		x.Description = m.description
		x.Tags = tagsXML(m.tags)
	}
	return x
}

type policyResult struct {
	Policy xmlPolicy `xml:"Policy"`
}

// xmlPolicyVersion is the PolicyVersion shape; Document is only in
// GetPolicyVersion answers.
type xmlPolicyVersion struct {
	Document         string `xml:"Document,omitempty"`
	VersionID        string `xml:"VersionId"`
	IsDefaultVersion bool   `xml:"IsDefaultVersion"`
	CreateDate       string `xml:"CreateDate"`
}

func versionXML(m *managedPolicy, v *policyVersion) xmlPolicyVersion {
	return xmlPolicyVersion{VersionID: v.id, IsDefaultVersion: v.id == m.defaultVersion, CreateDate: isoTime(v.created)}
}

type policyVersionResult struct {
	PolicyVersion xmlPolicyVersion `xml:"PolicyVersion"`
}

type xmlPolicyUser struct {
	UserName string `xml:"UserName"`
	UserID   string `xml:"UserId"`
}

type xmlPolicyRole struct {
	RoleName string `xml:"RoleName"`
	RoleID   string `xml:"RoleId"`
}

type listEntitiesResult struct {
	PolicyGroups struct{} `xml:"PolicyGroups"`
	PolicyUsers  struct {
		Members []xmlPolicyUser `xml:"member"`
	} `xml:"PolicyUsers"`
	PolicyRoles struct {
		Members []xmlPolicyRole `xml:"member"`
	} `xml:"PolicyRoles"`
	IsTruncated bool `xml:"IsTruncated"`
}
