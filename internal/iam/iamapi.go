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
	"DeleteUser":      {"iam:DeleteUser", (*Registry).deleteUser},
	"CreateAccessKey": {"iam:CreateAccessKey", (*Registry).createAccessKey},
	"ListAccessKeys":  {"iam:ListAccessKeys", (*Registry).listAccessKeys},
	"DeleteAccessKey": {"iam:DeleteAccessKey", (*Registry).deleteAccessKey},
	"UpdateAccessKey": {"iam:UpdateAccessKey", (*Registry).updateAccessKey},

	"PutUserPolicy":            {"iam:PutUserPolicy", holderOp((*Registry).putInlinePolicy, userHolder)},
	"GetUserPolicy":            {"iam:GetUserPolicy", holderOp((*Registry).getInlinePolicy, userHolder)},
	"DeleteUserPolicy":         {"iam:DeleteUserPolicy", holderOp((*Registry).deleteInlinePolicy, userHolder)},
	"ListUserPolicies":         {"iam:ListUserPolicies", holderOp((*Registry).listInlinePolicies, userHolder)},
	"AttachUserPolicy":         {"iam:AttachUserPolicy", holderOp((*Registry).attachPolicy, userHolder)},
	"DetachUserPolicy":         {"iam:DetachUserPolicy", holderOp((*Registry).detachPolicy, userHolder)},
	"ListAttachedUserPolicies": {"iam:ListAttachedUserPolicies", holderOp((*Registry).listAttachedPolicies, userHolder)},

	"CreateRole":                  {"iam:CreateRole", (*Registry).createRole},
	"GetRole":                     {"iam:GetRole", (*Registry).getRole},
	"ListRoles":                   {"iam:ListRoles", (*Registry).listRoles},
	"DeleteRole":                  {"iam:DeleteRole", (*Registry).deleteRole},
	"UpdateAssumeRolePolicy":      {"iam:UpdateAssumeRolePolicy", (*Registry).updateAssumeRolePolicy},
	"UpdateRole":                  {"iam:UpdateRole", (*Registry).updateRole},
	"UpdateRoleDescription":       {"iam:UpdateRoleDescription", (*Registry).updateRole},
	"ListInstanceProfilesForRole": {"iam:ListInstanceProfilesForRole", (*Registry).listInstanceProfilesForRole},
	"PutRolePolicy":               {"iam:PutRolePolicy", holderOp((*Registry).putInlinePolicy, roleHolder)},
	"GetRolePolicy":               {"iam:GetRolePolicy", holderOp((*Registry).getInlinePolicy, roleHolder)},
	"DeleteRolePolicy":            {"iam:DeleteRolePolicy", holderOp((*Registry).deleteInlinePolicy, roleHolder)},
	"ListRolePolicies":            {"iam:ListRolePolicies", holderOp((*Registry).listInlinePolicies, roleHolder)},
	"AttachRolePolicy":            {"iam:AttachRolePolicy", holderOp((*Registry).attachPolicy, roleHolder)},
	"DetachRolePolicy":            {"iam:DetachRolePolicy", holderOp((*Registry).detachPolicy, roleHolder)},
	"ListAttachedRolePolicies":    {"iam:ListAttachedRolePolicies", holderOp((*Registry).listAttachedPolicies, roleHolder)},

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

// holderOp binds a handler shared by users and roles to one of them.
func holderOp(f func(*Registry, *holderKind, *iamRequest) (any, *awsapi.Error), k *holderKind) func(*Registry, *iamRequest) (any, *awsapi.Error) {
	return func(r *Registry, q *iamRequest) (any, *awsapi.Error) { return f(r, k, q) }
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

// ServeIAM answers an IAM Query API request (Version 2010-05-08; the
// parameters form-encoded in a POST body or in a GET query). Every
// response carries x-amz-request-id = c.RequestID.
func (r *Registry) ServeIAM(w http.ResponseWriter, req *http.Request, c *reqctx.Call) {
	action, result, err := r.serveIAM(w, req, c)
	if err != nil {
		writeQueryError(w, c.RequestID, iamNamespace, queryError(err, errServiceFailure))
		return
	}
	writeResult(w, c.RequestID, iamNamespace, action, result)
}

func (r *Registry) serveIAM(w http.ResponseWriter, req *http.Request, c *reqctx.Call) (string, any, *awsapi.Error) {
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
	op, known := iamOps[action]
	if !known || version != iamVersion {
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

// target resolves whom a GetUser or access-key request is about: the
// named user of the caller's account or, without a name, the caller itself
// (u == nil is the account's root user). It authorizes on that user's ARN
// before it reports that a named user does not exist, as IAM does. The
// caller holds the lock.
func (r *Registry) target(q *iamRequest, name string, named bool) (a *account, u *user, err *awsapi.Error) {
	if a, err = r.callerAccount(q); err != nil {
		return nil, nil, err
	}
	if named {
		u, found := a.lookupUser(name)
		resource := userARN(a.ID, "/", name)
		if found {
			resource = userARN(a.ID, u.path, u.name)
		}
		if err := q.authorize(resource); err != nil {
			return nil, nil, err
		}
		if !found {
			return nil, nil, noSuchUser(name)
		}
		return a, u, nil
	}
	switch q.caller.Type {
	case identity.Root:
		if err := q.authorize(rootARN(a.ID)); err != nil {
			return nil, nil, err
		}
		return a, nil, nil
	case identity.User:
		if err := q.authorize(q.caller.ARN); err != nil {
			return nil, nil, err
		}
		u, found := a.lookupUser(q.caller.UserName)
		if !found {
			return nil, nil, noSuchUser(q.caller.UserName)
		}
		return a, u, nil
	}
	return nil, nil, errValidation.WithMessage("Must specify userName when calling with non-User credentials")
}

// ---- users ----

func (r *Registry) createUser(q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str("UserName", "userName", true, userNameRule)
	path, ok := q.str("Path", "path", false, pathRule)
	if !ok {
		path = "/"
	}
	tags := q.tags()
	if err := q.err(); err != nil {
		return nil, err
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
	if err := q.authorize(userARN(a.ID, path, name)); err != nil {
		return nil, err
	}
	if _, exists := a.lookupUser(name); exists {
		return nil, userExists(name)
	}
	id, gerr := r.newUniqueID(userIDPrefix)
	if gerr != nil {
		return nil, storageFailure(gerr)
	}
	u := &user{name: name, path: path, id: id, created: q.now, tags: tags}
	lk := strings.ToLower(name)
	a.users[lk] = u
	r.uniqueIDs[id] = struct{}{}
	if err := r.saveLocked(); err != nil {
		delete(a.users, lk)
		delete(r.uniqueIDs, id)
		return nil, storageFailure(err)
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
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	a, u, err := r.target(q, name, named)
	if err != nil {
		return nil, err
	}
	if u == nil {
		// The root user, as IAM shows it: no Path or UserName.
		return userResult{User: xmlUser{UserID: a.ID, Arn: rootARN(a.ID), CreateDate: isoTime(a.created)}}, nil
	}
	return userResult{User: userXML(a, u, true)}, nil
}

func (r *Registry) listUsers(q *iamRequest) (any, *awsapi.Error) {
	prefix, ok := q.str("PathPrefix", "pathPrefix", false, pathPrefixRule)
	if !ok {
		prefix = "/"
	}
	marker, hasMarker := q.str("Marker", "marker", false, markerRule)
	limit := q.maxItems(100)
	if err := q.err(); err != nil {
		return nil, err
	}
	from := ""
	if hasMarker {
		b, err := base64.RawURLEncoding.DecodeString(marker)
		if err != nil || len(b) == 0 {
			return nil, errInvalidInput.WithMessage("The specified value for marker is not valid.")
		}
		from = string(b)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	a, err := r.callerAccount(q)
	if err != nil {
		return nil, err
	}
	if err := q.authorize(userARN(a.ID, "/", "")); err != nil {
		return nil, err
	}
	res := listUsersResult{}
	res.Users.Members = []xmlUser{}
	for _, u := range a.sortedUsers() {
		if !strings.HasPrefix(u.path, prefix) || strings.ToLower(u.name) < from {
			continue
		}
		if len(res.Users.Members) == limit {
			res.IsTruncated = true
			res.Marker = base64.RawURLEncoding.EncodeToString([]byte(strings.ToLower(u.name)))
			break
		}
		res.Users.Members = append(res.Users.Members, userXML(a, u, false))
	}
	return res, nil
}

func (r *Registry) deleteUser(q *iamRequest) (any, *awsapi.Error) {
	name, _ := q.str("UserName", "userName", true, userNameRule)
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	a, u, err := r.target(q, name, true)
	if err != nil {
		return nil, err
	}
	switch {
	case len(u.keys) > 0:
		return nil, errDeleteConflict
	case len(u.inline) > 0:
		return nil, errDeleteConflict.WithMessage("Cannot delete entity, must delete policies first.")
	case len(u.attached) > 0:
		return nil, errDeleteConflict.WithMessage("Cannot delete entity, must detach all policies first.")
	}
	lk := strings.ToLower(u.name)
	delete(a.users, lk)
	delete(r.uniqueIDs, u.id)
	if err := r.saveLocked(); err != nil {
		a.users[lk] = u
		r.uniqueIDs[u.id] = struct{}{}
		return nil, storageFailure(err)
	}
	return nil, nil
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
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	a, u, err := r.target(q, name, named)
	if err != nil {
		return nil, err
	}
	keys := keysOf(a, u)
	if len(*keys) >= maxAccessKeys {
		return nil, errKeyLimitExceeded
	}
	id, gerr := r.newKeyID()
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
	if err := r.saveLocked(); err != nil {
		*keys = (*keys)[:len(*keys)-1]
		delete(r.keys, id)
		return nil, storageFailure(err)
	}
	return createAccessKeyResult{AccessKey: xmlAccessKey{
		UserName:        userNameOf(u),
		AccessKeyID:     k.id,
		Status:          k.status,
		SecretAccessKey: k.secret,
		CreateDate:      isoTime(k.created),
	}}, nil
}

func (r *Registry) listAccessKeys(q *iamRequest) (any, *awsapi.Error) {
	name, named := q.str("UserName", "userName", false, userNameRule)
	marker, hasMarker := q.str("Marker", "marker", false, markerRule)
	limit := q.maxItems(100)
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	a, u, err := r.target(q, name, named)
	if err != nil {
		return nil, err
	}
	keys := *keysOf(a, u)
	start := 0
	if hasMarker {
		b, derr := base64.RawURLEncoding.DecodeString(marker)
		start = slices.IndexFunc(keys, func(k *accessKey) bool { return k.id == string(b) })
		if derr != nil || start < 0 {
			return nil, errInvalidInput.WithMessage("The specified value for marker is not valid.")
		}
	}
	res := listAccessKeysResult{}
	res.AccessKeyMetadata.Members = []xmlAccessKeyMetadata{}
	for i := start; i < len(keys); i++ {
		k := keys[i]
		if len(res.AccessKeyMetadata.Members) == limit {
			res.IsTruncated = true
			res.Marker = base64.RawURLEncoding.EncodeToString([]byte(k.id))
			break
		}
		res.AccessKeyMetadata.Members = append(res.AccessKeyMetadata.Members, xmlAccessKeyMetadata{
			UserName:    userNameOf(u),
			AccessKeyID: k.id,
			Status:      k.status,
			CreateDate:  isoTime(k.created),
		})
	}
	return res, nil
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
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	a, u, err := r.target(q, name, named)
	if err != nil {
		return nil, err
	}
	keys := keysOf(a, u)
	i, err := findKey(*keys, id)
	if err != nil {
		return nil, err
	}
	old := slices.Clone(*keys)
	entry := r.keys[id]
	*keys = slices.Delete(*keys, i, i+1)
	delete(r.keys, id)
	if err := r.saveLocked(); err != nil {
		*keys = old
		r.keys[id] = entry
		return nil, storageFailure(err)
	}
	return nil, nil
}

func (r *Registry) updateAccessKey(q *iamRequest) (any, *awsapi.Error) {
	id, _ := q.str("AccessKeyId", "accessKeyId", true, accessKeyIDRule)
	status := q.enum("Status", "status", statusActive, statusInactive)
	name, named := q.str("UserName", "userName", false, userNameRule)
	if err := q.err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	a, u, err := r.target(q, name, named)
	if err != nil {
		return nil, err
	}
	keys := *keysOf(a, u)
	i, err := findKey(keys, id)
	if err != nil {
		return nil, err
	}
	k := keys[i]
	prev := k.status
	k.status = status
	r.indexKey(a, u, k)
	if err := r.saveLocked(); err != nil {
		k.status = prev
		r.indexKey(a, u, k)
		return nil, storageFailure(err)
	}
	return nil, nil
}

// ---- XML shapes (botocore iam model) ----

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type xmlTags struct {
	Members []xmlTag `xml:"member"`
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
	if withTags && len(u.tags) > 0 {
		x.Tags = &xmlTags{}
		for _, t := range u.tags {
			x.Tags.Members = append(x.Tags.Members, xmlTag(t))
		}
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

type listUsersResult struct {
	Users struct {
		Members []xmlUser `xml:"member"`
	} `xml:"Users"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
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

type listAccessKeysResult struct {
	AccessKeyMetadata struct {
		Members []xmlAccessKeyMetadata `xml:"member"`
	} `xml:"AccessKeyMetadata"`
	IsTruncated bool   `xml:"IsTruncated"`
	Marker      string `xml:"Marker,omitempty"`
}
