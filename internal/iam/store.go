package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/atomicfile"
)

// stateVersion is the version of the iam.json layout. Version 2 added
// roles, managed policies, inline policies and attachments; a version 1
// file (users and keys only) is read as is and rewritten as version 2 at
// the next change.
const stateVersion = 2

// stateFile is the persisted IAM state (DATADIR/iam.json).
type stateFile struct {
	Version  int            `json:"version"`
	Accounts []stateAccount `json:"accounts"`
}

// stateAccount is one account's state. Created is when edgegate first saw
// the account (the root user's CreateDate).
type stateAccount struct {
	ID       string        `json:"id"`
	Created  string        `json:"created"`
	RootKeys []stateKey    `json:"root_access_keys,omitempty"`
	Users    []stateUser   `json:"users,omitempty"`
	Roles    []stateRole   `json:"roles,omitempty"`
	Policies []statePolicy `json:"policies,omitempty"`
}

// stateEntity is what the records of users, roles and customer managed
// policies begin with.
type stateEntity struct {
	Name    string `json:"name"`
	Path    string `json:"path"`
	ID      string `json:"id"`
	Created string `json:"created"`
}

// stateHeld are the identity policies of a user or role.
type stateHeld struct {
	InlinePolicies   []stateInline `json:"inline_policies,omitempty"`
	AttachedPolicies []string      `json:"attached_policies,omitempty"`
}

type stateUser struct {
	stateEntity
	Tags       []Tag      `json:"tags,omitempty"`
	AccessKeys []stateKey `json:"access_keys,omitempty"`
	stateHeld
}

// stateRole is a role; TrustPolicy is the document as it was given.
type stateRole struct {
	stateEntity
	Description        string `json:"description,omitempty"`
	MaxSessionDuration int    `json:"max_session_duration"`
	TrustPolicy        string `json:"trust_policy"`
	Tags               []Tag  `json:"tags,omitempty"`
	stateHeld
}

// stateInline is an inline policy; Document is as it was given.
type stateInline struct {
	Name     string `json:"name"`
	Document string `json:"document"`
}

// statePolicy is a customer managed policy.
type statePolicy struct {
	stateEntity
	Description    string               `json:"description,omitempty"`
	DefaultVersion string               `json:"default_version"`
	NextVersion    int                  `json:"next_version"`
	Versions       []statePolicyVersion `json:"versions"`
	Tags           []Tag                `json:"tags,omitempty"`
}

type statePolicyVersion struct {
	ID       string `json:"id"`
	Document string `json:"document"`
	Created  string `json:"created"`
}

type stateKey struct {
	ID      string `json:"id"`
	Secret  string `json:"secret"`
	Status  string `json:"status"`
	Created string `json:"created"`
}

// readState reads the state file; a missing file is an empty state.
func readState(path string) (*stateFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &stateFile{Version: stateVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("iam: reading state: %w", err)
	}
	var st stateFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("iam: %s: corrupt state file: %w", path, err)
	}
	if st.Version != 1 && st.Version != stateVersion {
		return nil, fmt.Errorf("iam: %s: state version %d, this edgegate reads versions 1 and %d", path, st.Version, stateVersion)
	}
	return &st, nil
}

// restore loads persisted users and keys into the configured accounts and
// keeps the records of unconfigured accounts aside.
func (r *Registry) restore(st *stateFile) (err error) {
	seen := map[string]bool{}
	for _, sa := range st.Accounts {
		if seen[sa.ID] {
			return fmt.Errorf("account %s appears twice", sa.ID)
		}
		seen[sa.ID] = true
		for _, id := range stateIDs(&sa) {
			if _, dup := r.uniqueIDs[id]; dup {
				return fmt.Errorf("unique id %s appears twice", id)
			}
			r.uniqueIDs[id] = struct{}{}
		}
		a, ok := r.accounts[sa.ID]
		if !ok {
			r.orphans = append(r.orphans, sa)
			continue
		}
		if a.created, err = parseTime(sa.Created); err != nil {
			return fmt.Errorf("account %s: %w", sa.ID, err)
		}
		for _, sk := range sa.RootKeys {
			k, err := restoreKey(sk)
			if err != nil {
				return fmt.Errorf("account %s: %w", sa.ID, err)
			}
			a.rootKeys = append(a.rootKeys, k)
		}
		for _, su := range sa.Users {
			if !validUserName(su.Name) || !validPath(su.Path) {
				return fmt.Errorf("account %s: invalid user %q (path %q)", sa.ID, su.Name, su.Path)
			}
		}
		if err := restoreAll(sa.ID, "user", sa.Users, a.users, restoreUser); err != nil {
			return err
		}
		restoreOwn := func(sp statePolicy) (*managedPolicy, error) { return restorePolicy(a.ID, sp) }
		if err := restoreAll(sa.ID, "policy", sa.Policies, a.policies, restoreOwn); err != nil {
			return err
		}
		if err := restoreAll(sa.ID, "role", sa.Roles, a.roles, restoreRole); err != nil {
			return err
		}
		// Every attachment must name a policy that exists.
		for _, u := range a.users {
			if err := r.checkAttachments(a, "user "+u.name, u.attached); err != nil {
				return err
			}
		}
		for _, ro := range a.roles {
			if err := r.checkAttachments(a, "role "+ro.name, ro.attached); err != nil {
				return err
			}
		}
	}
	return nil
}

// restoreAll files the records of one kind (users, roles or policies) into
// m, by lowercased name.
func restoreAll[S interface{ recordName() string }, T any](accountID, kind string, recs []S, m map[string]T, restore func(S) (T, error)) error {
	for _, rec := range recs {
		name := rec.recordName()
		v, err := restore(rec)
		if err != nil {
			return fmt.Errorf("account %s, %s %s: %w", accountID, kind, name, err)
		}
		lk := strings.ToLower(name)
		if _, dup := m[lk]; dup {
			return fmt.Errorf("account %s: %s %s appears twice", accountID, kind, name)
		}
		m[lk] = v
	}
	return nil
}

func (se stateEntity) recordName() string { return se.Name }

// stateIDs lists the unique ids an account's records use.
func stateIDs(sa *stateAccount) []string {
	var ids []string
	for _, su := range sa.Users {
		ids = append(ids, su.ID)
	}
	for _, sr := range sa.Roles {
		ids = append(ids, sr.ID)
	}
	for _, sp := range sa.Policies {
		ids = append(ids, sp.ID)
	}
	return ids
}

func (r *Registry) checkAttachments(a *account, owner string, arns []string) error {
	for i, arn := range arns {
		if _, ok := r.lookupPolicy(a, arn); !ok {
			return fmt.Errorf("account %s, %s: attached policy %s does not exist", a.ID, owner, arn)
		}
		if slices.Contains(arns[:i], arn) {
			return fmt.Errorf("account %s, %s: policy %s is attached twice", a.ID, owner, arn)
		}
	}
	return nil
}

// restoreInline re-parses persisted inline policies. A document the
// policy parser no longer accepts is an error: silently dropping it could
// drop a Deny.
func restoreInline(sis []stateInline) (map[string]*inlinePolicy, error) {
	if len(sis) == 0 {
		return nil, nil
	}
	out := make(map[string]*inlinePolicy, len(sis))
	for _, si := range sis {
		if !policyNameRule.valid(si.Name) {
			return nil, fmt.Errorf("invalid inline policy name %q", si.Name)
		}
		if _, dup := out[si.Name]; dup {
			return nil, fmt.Errorf("inline policy %s appears twice", si.Name)
		}
		pol, perr := parseInlinePolicy(si.Document)
		if perr != nil {
			return nil, fmt.Errorf("inline policy %s no longer parses: %s", si.Name, perr.Message)
		}
		out[si.Name] = &inlinePolicy{name: si.Name, doc: si.Document, pol: pol}
	}
	return out, nil
}

// restoreUser restores a user whose name and path have been checked.
func restoreUser(su stateUser) (*user, error) {
	u := &user{entity: entity{name: su.Name, path: su.Path, id: su.ID, tags: su.Tags, attached: su.AttachedPolicies}}
	var err error
	if u.created, err = parseTime(su.Created); err != nil {
		return nil, err
	}
	for _, sk := range su.AccessKeys {
		k, err := restoreKey(sk)
		if err != nil {
			return nil, err
		}
		u.keys = append(u.keys, k)
	}
	u.inline, err = restoreInline(su.InlinePolicies)
	return u, err
}

func restoreRole(sr stateRole) (*role, error) {
	if !roleNameRule.valid(sr.Name) || !validPath(sr.Path) || sr.ID == "" {
		return nil, fmt.Errorf("invalid role record (path %q)", sr.Path)
	}
	if sr.MaxSessionDuration < minMaxSession || sr.MaxSessionDuration > maxMaxSession {
		return nil, fmt.Errorf("invalid max_session_duration %d", sr.MaxSessionDuration)
	}
	created, err := parseTime(sr.Created)
	if err != nil {
		return nil, err
	}
	trust, perr := parseTrustPolicy(sr.TrustPolicy)
	if perr != nil {
		return nil, fmt.Errorf("trust policy no longer parses: %s", perr.Message)
	}
	inline, err := restoreInline(sr.InlinePolicies)
	if err != nil {
		return nil, err
	}
	return &role{
		entity:      entity{name: sr.Name, path: sr.Path, id: sr.ID, created: created, tags: sr.Tags, inline: inline, attached: sr.AttachedPolicies},
		description: sr.Description, maxSession: sr.MaxSessionDuration, trustDoc: sr.TrustPolicy, trust: trust,
	}, nil
}

func restorePolicy(accountID string, sp statePolicy) (*managedPolicy, error) {
	if !policyNameRule.valid(sp.Name) || !policyPathRule.valid(sp.Path) || sp.ID == "" || len(sp.Versions) == 0 {
		return nil, fmt.Errorf("invalid policy record (path %q)", sp.Path)
	}
	m := &managedPolicy{
		account: accountID, name: sp.Name, path: sp.Path, id: sp.ID, description: sp.Description,
		defaultVersion: sp.DefaultVersion, nextVersion: sp.NextVersion, tags: sp.Tags,
	}
	var err error
	if m.created, err = parseTime(sp.Created); err != nil {
		return nil, err
	}
	for _, sv := range sp.Versions {
		if !versionIDRule.valid(sv.ID) || m.version(sv.ID) != nil {
			return nil, fmt.Errorf("invalid or repeated version %q", sv.ID)
		}
		pol, perr := parseManagedPolicy(sv.Document)
		if perr != nil {
			return nil, fmt.Errorf("version %s no longer parses: %s", sv.ID, perr.Message)
		}
		created, err := parseTime(sv.Created)
		if err != nil {
			return nil, err
		}
		m.versions = append(m.versions, &policyVersion{id: sv.ID, doc: sv.Document, pol: pol, created: created})
	}
	if m.current() == nil {
		return nil, fmt.Errorf("default version %q does not exist", sp.DefaultVersion)
	}
	if m.nextVersion <= len(m.versions) {
		return nil, fmt.Errorf("next_version %d is not above the versions' count", m.nextVersion)
	}
	return m, nil
}

func restoreKey(sk stateKey) (*accessKey, error) {
	if sk.ID == "" || sk.Secret == "" || (sk.Status != statusActive && sk.Status != statusInactive) {
		return nil, fmt.Errorf("invalid access key record %q", sk.ID)
	}
	t, err := parseTime(sk.Created)
	if err != nil {
		return nil, fmt.Errorf("access key %s: %w", sk.ID, err)
	}
	return &accessKey{id: sk.ID, secret: sk.Secret, status: sk.Status, created: t}, nil
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad time %q", s)
	}
	return t.UTC(), nil
}

// snapshotLocked renders the state to persist. The caller holds the lock.
func (r *Registry) snapshotLocked() *stateFile {
	st := &stateFile{Version: stateVersion}
	for _, a := range r.order {
		sa := stateAccount{ID: a.ID, Created: isoTime(a.created)}
		for _, k := range a.rootKeys {
			if !k.configured {
				sa.RootKeys = append(sa.RootKeys, snapKey(k))
			}
		}
		for _, u := range sorted(a.users) {
			su := stateUser{stateEntity: snapEntity(&u.entity), Tags: u.tags, stateHeld: snapHeld(&u.entity)}
			for _, k := range u.keys {
				su.AccessKeys = append(su.AccessKeys, snapKey(k))
			}
			sa.Users = append(sa.Users, su)
		}
		for _, ro := range sorted(a.roles) {
			sa.Roles = append(sa.Roles, stateRole{
				stateEntity: snapEntity(&ro.entity), Description: ro.description,
				MaxSessionDuration: ro.maxSession, TrustPolicy: ro.trustDoc, Tags: ro.tags, stateHeld: snapHeld(&ro.entity),
			})
		}
		for _, m := range sorted(a.policies) {
			sp := statePolicy{
				stateEntity: stateEntity{Name: m.name, Path: m.path, ID: m.id, Created: isoTime(m.created)},
				Description: m.description, DefaultVersion: m.defaultVersion, NextVersion: m.nextVersion, Tags: m.tags,
			}
			for _, v := range m.versions {
				sp.Versions = append(sp.Versions, statePolicyVersion{ID: v.id, Document: v.doc, Created: isoTime(v.created)})
			}
			sa.Policies = append(sa.Policies, sp)
		}
		st.Accounts = append(st.Accounts, sa)
	}
	st.Accounts = append(st.Accounts, r.orphans...)
	return st
}

func snapEntity(e *entity) stateEntity {
	return stateEntity{Name: e.name, Path: e.path, ID: e.id, Created: isoTime(e.created)}
}

func snapHeld(e *entity) stateHeld {
	var inline []stateInline
	for _, name := range e.inlineNames() {
		inline = append(inline, stateInline{Name: name, Document: e.inline[name].doc})
	}
	return stateHeld{InlinePolicies: inline, AttachedPolicies: e.attached}
}

func snapKey(k *accessKey) stateKey {
	return stateKey{ID: k.id, Secret: k.secret, Status: k.status, Created: isoTime(k.created)}
}

// saveLocked persists the state durably; a no-op without a data directory.
// The caller holds the write lock (or owns r exclusively).
func (r *Registry) saveLocked() error {
	if r.statePath == "" {
		return nil
	}
	data, err := json.MarshalIndent(r.snapshotLocked(), "", "  ")
	if err != nil {
		return fmt.Errorf("iam: encoding state: %w", err)
	}
	data = append(data, '\n')
	if err := atomicfile.Write(r.statePath, data, 0o600); err != nil {
		return fmt.Errorf("iam: saving state: %w", err)
	}
	return nil
}
