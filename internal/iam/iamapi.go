package iam

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/reqctx"
)

// iamOp is one IAM API operation: the IAM action it is authorized as and
// its handler. Handlers validate their parameters, authorize (through
// iamRequest.authorize, on the resource they act on) and return the
// <ActionResult> body (nil for operations without output) or an error.
type iamOp struct {
	action string
	run    func(r *Registry, q *iamRequest) (any, *awsapi.Error)
}

// iamOps is the operations table; a table test checks that every entry's
// action is "iam:" + its name.
var iamOps = map[string]iamOp{
	"CreateUser":      {"iam:CreateUser", (*Registry).createUser},
	"GetUser":         {"iam:GetUser", (*Registry).getUser},
	"ListUsers":       {"iam:ListUsers", (*Registry).listUsers},
	"DeleteUser":      {"iam:DeleteUser", holderOp(deleteHolder, userHolder)},
	"CreateAccessKey": {"iam:CreateAccessKey", (*Registry).createAccessKey},
	"ListAccessKeys":  {"iam:ListAccessKeys", (*Registry).listAccessKeys},
	"DeleteAccessKey": {"iam:DeleteAccessKey", (*Registry).deleteAccessKey},
	"UpdateAccessKey": {"iam:UpdateAccessKey", (*Registry).updateAccessKey},

	"PutUserPolicy":            {"iam:PutUserPolicy", holderOp(putInlinePolicy, userHolder)},
	"GetUserPolicy":            {"iam:GetUserPolicy", holderOp(getInlinePolicy, userHolder)},
	"DeleteUserPolicy":         {"iam:DeleteUserPolicy", holderOp(deleteInlinePolicy, userHolder)},
	"ListUserPolicies":         {"iam:ListUserPolicies", holderOp(listInlinePolicies, userHolder)},
	"AttachUserPolicy":         {"iam:AttachUserPolicy", holderOp(attachPolicy, userHolder)},
	"DetachUserPolicy":         {"iam:DetachUserPolicy", holderOp(detachPolicy, userHolder)},
	"ListAttachedUserPolicies": {"iam:ListAttachedUserPolicies", holderOp(listAttachedPolicies, userHolder)},

	"CreateRole":                  {"iam:CreateRole", (*Registry).createRole},
	"GetRole":                     {"iam:GetRole", (*Registry).getRole},
	"ListRoles":                   {"iam:ListRoles", (*Registry).listRoles},
	"DeleteRole":                  {"iam:DeleteRole", holderOp(deleteHolder, roleHolder)},
	"UpdateAssumeRolePolicy":      {"iam:UpdateAssumeRolePolicy", (*Registry).updateAssumeRolePolicy},
	"UpdateRole":                  {"iam:UpdateRole", (*Registry).updateRole},
	"UpdateRoleDescription":       {"iam:UpdateRoleDescription", (*Registry).updateRole},
	"ListInstanceProfilesForRole": {"iam:ListInstanceProfilesForRole", (*Registry).listInstanceProfilesForRole},
	"PutRolePolicy":               {"iam:PutRolePolicy", holderOp(putInlinePolicy, roleHolder)},
	"GetRolePolicy":               {"iam:GetRolePolicy", holderOp(getInlinePolicy, roleHolder)},
	"DeleteRolePolicy":            {"iam:DeleteRolePolicy", holderOp(deleteInlinePolicy, roleHolder)},
	"ListRolePolicies":            {"iam:ListRolePolicies", holderOp(listInlinePolicies, roleHolder)},
	"AttachRolePolicy":            {"iam:AttachRolePolicy", holderOp(attachPolicy, roleHolder)},
	"DetachRolePolicy":            {"iam:DetachRolePolicy", holderOp(detachPolicy, roleHolder)},
	"ListAttachedRolePolicies":    {"iam:ListAttachedRolePolicies", holderOp(listAttachedPolicies, roleHolder)},

	"CreatePolicy":            {"iam:CreatePolicy", (*Registry).createPolicy},
	"GetPolicy":               {"iam:GetPolicy", (*Registry).getPolicy},
	"DeletePolicy":            {"iam:DeletePolicy", (*Registry).deletePolicy},
	"ListPolicies":            {"iam:ListPolicies", (*Registry).listPolicies},
	"GetPolicyVersion":        {"iam:GetPolicyVersion", (*Registry).getPolicyVersion},
	"CreatePolicyVersion":     {"iam:CreatePolicyVersion", (*Registry).createPolicyVersion},
	"DeletePolicyVersion":     {"iam:DeletePolicyVersion", (*Registry).deletePolicyVersion},
	"ListPolicyVersions":      {"iam:ListPolicyVersions", (*Registry).listPolicyVersions},
	"SetDefaultPolicyVersion": {"iam:SetDefaultPolicyVersion", (*Registry).setDefaultPolicyVersion},
	"ListEntitiesForPolicy":   {"iam:ListEntitiesForPolicy", (*Registry).listEntitiesForPolicy},

	"SimulatePrincipalPolicy": {"iam:SimulatePrincipalPolicy", (*Registry).simulatePrincipalPolicy},
	"SimulateCustomPolicy":    {"iam:SimulateCustomPolicy", (*Registry).simulateCustomPolicy},
}

// maxAccessKeys is IAM's AccessKeysPerUser quota (root users too).
const maxAccessKeys = 2

// iamRequest is one parsed IAM call.
type iamRequest struct {
	params
	reg    *Registry
	caller identity.Principal
	action string
	now    time.Time
	// ctx is the request's condition keys; handlers may add
	// action-specific ones (iam:PolicyARN) before authorizing.
	ctx condContext
}

// authorize decides the request's action on resource. The caller holds
// the registry's lock.
func (q *iamRequest) authorize(resource string) *awsapi.Error {
	return q.reg.authorizeLocked(q.caller, q.ctx, q.action, resource)
}

// errBadMarker answers a Marker that no listing issued.
var errBadMarker = errInvalidInput.WithMessage("The specified value for marker is not valid.")

// commitLocked makes a change durable: it saves the state and rebuilds the
// identity-policy index. If the save fails it calls undo, which must put
// the in-memory state back as it was, and answers 500. The caller holds
// the write lock, so no request sees the change before it is durable.
func (r *Registry) commitLocked(undo func()) *awsapi.Error {
	if err := r.saveLocked(); err != nil {
		undo()
		return storageFailure(err)
	}
	r.reindexPoliciesLocked()
	return nil
}

// stsOps is the STS operations table.
var stsOps = map[string]iamOp{
	"GetCallerIdentity": {"sts:GetCallerIdentity", (*Registry).getCallerIdentity},
	"AssumeRole":        {"sts:AssumeRole", (*Registry).assumeRole},
}

// queryAPI is IAM or STS: its namespace, API version, operations and the
// error it answers for internal failures.
type queryAPI struct {
	ns, version string
	ops         map[string]iamOp
	internal    *awsapi.Error
}

var (
	iamAPI = &queryAPI{iamNamespace, iamVersion, iamOps, errServiceFailure}
	stsAPI = &queryAPI{stsNamespace, stsVersion, stsOps, errInternalFailure}
)

// ServeIAM answers an IAM Query API request (Version 2010-05-08; the
// parameters form-encoded in a POST body or in a GET query). Every
// response carries x-amz-request-id = c.RequestID.
func (r *Registry) ServeIAM(w http.ResponseWriter, req *http.Request, c *reqctx.Call) {
	r.serveQuery(w, req, c, iamAPI)
}

// ServeSTS answers an STS Query API request (Version 2011-06-15):
// GetCallerIdentity and AssumeRole; other actions are InvalidAction. Every
// response carries x-amz-request-id = c.RequestID.
func (r *Registry) ServeSTS(w http.ResponseWriter, req *http.Request, c *reqctx.Call) {
	r.serveQuery(w, req, c, stsAPI)
}

func (r *Registry) serveQuery(w http.ResponseWriter, req *http.Request, c *reqctx.Call, api *queryAPI) {
	action, result, err := r.dispatch(w, req, c, api)
	if err != nil {
		writeQueryError(w, c.RequestID, api.ns, queryError(err, api.internal))
		return
	}
	writeResult(w, c.RequestID, api, action, result)
}

func (r *Registry) dispatch(w http.ResponseWriter, req *http.Request, c *reqctx.Call, api *queryAPI) (string, any, *awsapi.Error) {
	if c.Principal.IsAnonymous() {
		return "", nil, errMissingAuthToken
	}
	form, err := parseForm(w, req)
	if err != nil {
		return "", nil, err
	}
	p := params{form: form}
	action, _ := p.get("Action")
	if action == "" {
		return "", nil, errMissingAction
	}
	version, _ := p.get("Version")
	op, known := api.ops[action]
	if !known || version != api.version {
		return "", nil, invalidOperation(action, version)
	}
	now := r.now().UTC().Truncate(time.Second)
	q := &iamRequest{params: p, reg: r, caller: c.Principal, action: op.action, now: now, ctx: callContext(req, c, now)}
	result, err := op.run(r, q)
	return action, result, err
}

// storageFailure reports a failed state write as IAM's 500.
func storageFailure(err error) *awsapi.Error {
	slog.Error("iam: persisting state", "err", err)
	return errServiceFailure
}

// callerAccount returns the caller's account. The caller holds the lock.
func (r *Registry) callerAccount(q *iamRequest) (*account, *awsapi.Error) {
	a, ok := r.accounts[q.caller.Account]
	if !ok {
		return nil, accessDenied(q.caller.ARN, q.action, "*")
	}
	return a, nil
}

// onUser is inAccount for fn on whom a GetUser or access-key request is
// about: the named user of the caller's account or, without a name, the
// caller itself (u == nil is the account's root user). It authorizes on
// that user's ARN before it reports that a named user does not exist, as
// IAM does.
func (r *Registry) onUser(q *iamRequest, name string, named, write bool, fn func(a *account, u *user) (any, *awsapi.Error)) (any, *awsapi.Error) {
	if named {
		return onHolder(r, userHolder, q, name, write, fn)
	}
	return r.inAccount(q, write, func(a *account) (any, *awsapi.Error) {
		var u *user
		var err *awsapi.Error
		switch q.caller.Type {
		case identity.Root:
			err = q.authorize(rootARN(a.ID))
		case identity.User:
			if err = q.authorize(q.caller.ARN); err == nil {
				if u = a.users[strings.ToLower(q.caller.UserName)]; u == nil {
					err = noSuchEntity("user", q.caller.UserName)
				}
			}
		default:
			err = errValidation.WithMessage("Must specify userName when calling with non-User credentials")
		}
		if err != nil {
			return nil, err
		}
		return fn(a, u)
	})
}

// ---- users ----

func (r *Registry) createUser(q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str("UserName", "userName", true, userNameRule)
	path := q.strOr("Path", "path", "/", pathRule)
	tags := q.tags()
	if err := q.err(); err != nil {
		return nil, err
	}
	if err := checkTagKeys(tags); err != nil {
		return nil, err
	}
	defer r.lock(true)()
	a, u, err := create(r, q, &userHolder.entityKind, path, name, "", nil, func(_ *account, id string, _ *policy.Policy) *user {
		return &user{entity: entity{name: name, path: path, id: id, created: q.now, tags: tags}}
	})
	if err != nil {
		return nil, err
	}
	return userResult{User: userXML(a, u, true)}, nil
}

// checkTagKeys refuses repeated tag keys (compared case-insensitively).
func checkTagKeys(tags []Tag) *awsapi.Error {
	seen := map[string]bool{}
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return errInvalidInput.WithMessage("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}

func (r *Registry) getUser(q *iamRequest) (any, *awsapi.Error) {
	name, named := q.str("UserName", "userName", false, userNameRule)
	return r.onUser(q, name, named, false, func(a *account, u *user) (any, *awsapi.Error) {
		if u == nil {
			// The root user, as IAM shows it: no Path or UserName.
			return userResult{User: xmlUser{UserID: a.ID, Arn: rootARN(a.ID), CreateDate: isoTime(a.created)}}, nil
		}
		return userResult{User: userXML(a, u, true)}, nil
	})
}

func (r *Registry) listUsers(q *iamRequest) (any, *awsapi.Error) {
	return listHolders(r, userHolder, q, "Users", func(a *account, u *user) xmlUser { return userXML(a, u, false) })
}

// ---- access keys ----

// keysOf returns the access keys of user u, or of a's root user when u is nil.
func keysOf(a *account, u *user) *[]*accessKey {
	if u == nil {
		return &a.rootKeys
	}
	return &u.keys
}

func (r *Registry) createAccessKey(q *iamRequest) (any, *awsapi.Error) {
	name, named := q.str("UserName", "userName", false, userNameRule)
	return r.onUser(q, name, named, true, func(a *account, u *user) (any, *awsapi.Error) {
		keys := keysOf(a, u)
		if len(*keys) >= maxAccessKeys {
			return nil, errKeyLimitExceeded
		}
		id, gerr := r.newID(accessKeyPrefix, accessKeyIDLen, "access key id", r.keyUsed)
		if gerr != nil {
			return nil, storageFailure(gerr)
		}
		secret, gerr := randomString(r.rand, "", secretKeyLen, base64Alphabet)
		if gerr != nil {
			return nil, storageFailure(gerr)
		}
		k := &accessKey{id: id, secret: secret, status: statusActive, created: q.now}
		*keys = append(*keys, k)
		r.indexKey(a, u, k)
		if err := r.commitLocked(func() { *keys = (*keys)[:len(*keys)-1]; delete(r.keys, id) }); err != nil {
			return nil, err
		}
		return createAccessKeyResult{AccessKey: xmlAccessKey{
			UserName:        userNameOf(u),
			AccessKeyID:     k.id,
			Status:          k.status,
			SecretAccessKey: k.secret,
			CreateDate:      isoTime(k.created),
		}}, nil
	})
}

func (r *Registry) listAccessKeys(q *iamRequest) (any, *awsapi.Error) {
	name, named := q.str("UserName", "userName", false, userNameRule)
	marker, hasMarker := q.str("Marker", "marker", false, markerRule)
	limit := q.maxItems(100)
	return r.onUser(q, name, named, false, func(a *account, u *user) (any, *awsapi.Error) {
		keys := *keysOf(a, u)
		start := 0
		if hasMarker {
			b, derr := base64.RawURLEncoding.DecodeString(marker)
			start = slices.IndexFunc(keys, func(k *accessKey) bool { return k.id == string(b) })
			if derr != nil || start < 0 {
				return nil, errBadMarker
			}
		}
		// The marker is the id of the first key of the next page.
		return page(listing{limit: limit}, "AccessKeyMetadata", keys[start:], func(k *accessKey) string { return k.id },
			func(k *accessKey) xmlAccessKeyMetadata {
				return xmlAccessKeyMetadata{UserName: userNameOf(u), AccessKeyID: k.id, Status: k.status, CreateDate: isoTime(k.created)}
			}), nil
	})
}

// findKey returns the index of key id among keys, or a NoSuchEntity error;
// configured (accounts-file) keys cannot be changed through the API.
func findKey(keys []*accessKey, id string) (int, *awsapi.Error) {
	i := slices.IndexFunc(keys, func(k *accessKey) bool { return k.id == id })
	if i < 0 {
		return -1, noSuchAccessKey(id)
	}
	if keys[i].configured {
		return -1, errUnmodifiableEntity.WithMessage("The access key " + id + " is configured in the accounts file; edgegate cannot delete or change it through the API.")
	}
	return i, nil
}

func (r *Registry) deleteAccessKey(q *iamRequest) (any, *awsapi.Error) {
	id, _ := q.str("AccessKeyId", "accessKeyId", true, accessKeyIDRule)
	name, named := q.str("UserName", "userName", false, userNameRule)
	return r.onUser(q, name, named, true, func(a *account, u *user) (any, *awsapi.Error) {
		keys := keysOf(a, u)
		i, err := findKey(*keys, id)
		if err != nil {
			return nil, err
		}
		old := slices.Clone(*keys)
		entry := r.keys[id]
		*keys = slices.Delete(*keys, i, i+1)
		delete(r.keys, id)
		return nil, r.commitLocked(func() { *keys = old; r.keys[id] = entry })
	})
}

func (r *Registry) updateAccessKey(q *iamRequest) (any, *awsapi.Error) {
	id, _ := q.str("AccessKeyId", "accessKeyId", true, accessKeyIDRule)
	status := q.enum("Status", "status", statusActive, statusInactive)
	name, named := q.str("UserName", "userName", false, userNameRule)
	return r.onUser(q, name, named, true, func(a *account, u *user) (any, *awsapi.Error) {
		keys := *keysOf(a, u)
		i, err := findKey(keys, id)
		if err != nil {
			return nil, err
		}
		k := keys[i]
		prev := k.status
		k.status = status
		r.indexKey(a, u, k)
		return nil, r.commitLocked(func() { k.status = prev; r.indexKey(a, u, k) })
	})
}

// ---- XML shapes (botocore iam model) ----

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type xmlTags struct {
	Members []xmlTag `xml:"member"`
}

// tagsXML is the Tags shape of tags: nil (no element) for none.
func tagsXML(tags []Tag) *xmlTags {
	if len(tags) == 0 {
		return nil
	}
	x := &xmlTags{Members: make([]xmlTag, len(tags))}
	for i, t := range tags {
		x.Members[i] = xmlTag(t)
	}
	return x
}

// xmlUser is the User shape. The root user has no Path or UserName.
type xmlUser struct {
	Path       string   `xml:"Path,omitempty"`
	UserName   string   `xml:"UserName,omitempty"`
	UserID     string   `xml:"UserId"`
	Arn        string   `xml:"Arn"`
	CreateDate string   `xml:"CreateDate"`
	Tags       *xmlTags `xml:"Tags,omitempty"`
}

func userXML(a *account, u *user, withTags bool) xmlUser {
	x := xmlUser{
		Path:       u.path,
		UserName:   u.name,
		UserID:     u.id,
		Arn:        userARN(a.ID, u.path, u.name),
		CreateDate: isoTime(u.created),
	}
	if withTags {
		x.Tags = tagsXML(u.tags)
	}
	return x
}

func userNameOf(u *user) string {
	if u == nil {
		return ""
	}
	return u.name
}

type userResult struct {
	User xmlUser `xml:"User"`
}

type xmlAccessKey struct {
	UserName        string `xml:"UserName,omitempty"`
	AccessKeyID     string `xml:"AccessKeyId"`
	Status          string `xml:"Status"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	CreateDate      string `xml:"CreateDate"`
}

type createAccessKeyResult struct {
	AccessKey xmlAccessKey `xml:"AccessKey"`
}

type xmlAccessKeyMetadata struct {
	UserName    string `xml:"UserName,omitempty"`
	AccessKeyID string `xml:"AccessKeyId"`
	Status      string `xml:"Status"`
	CreateDate  string `xml:"CreateDate"`
}
