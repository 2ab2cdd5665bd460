package iam

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/edgegate/edgegate/internal/atomicfile"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
)

// Account is one configured account as the other services see it.
type Account struct {
	// ID is the 12-digit account id.
	ID string
	// Name is the configured name (the account id when none was given).
	Name string
	// Email is the configured e-mail address, possibly "".
	Email string
	// CanonicalID is the account's S3 canonical user id (64 hex digits).
	CanonicalID string
	// DisplayName is the owner display name S3 shows (= Name).
	DisplayName string
}

// Tag is an IAM resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Access key statuses.
const (
	statusActive   = "Active"
	statusInactive = "Inactive"
)

// accessKey is one access key of a root user or an IAM user.
type accessKey struct {
	id, secret, status string
	created            time.Time
	// configured keys come from the accounts file: they are neither
	// persisted nor changeable through the API.
	configured bool
}

// entity is what users and roles share: their name, path, unique id,
// creation time and tags, and their identity policies: inline policies (by
// exact name) and attached managed policies (ARNs, in attachment order).
type entity struct {
	name, path, id string
	created        time.Time
	tags           []Tag
	inline         map[string]*inlinePolicy
	attached       []string
}

// base makes users and roles holders (see holderKind).
func (e *entity) base() *entity { return e }

// user is an IAM user.
type user struct {
	entity
	keys []*accessKey
}

// role is an IAM role.
type role struct {
	entity
	description string
	maxSession  int // seconds, 3600..43200
	trustDoc    string
	trust       *policy.Policy
}

func (ro *role) arn(accountID string) string { return roleARN(accountID, ro.path, ro.name) }

// userARN returns arn:aws:iam::ACCT:user/PATH/NAME (path "/" gives user/NAME).
func userARN(accountID, path, name string) string {
	return "arn:aws:iam::" + accountID + ":user" + path + name
}

// rootARN returns arn:aws:iam::ACCT:root.
func rootARN(accountID string) string { return "arn:aws:iam::" + accountID + ":root" }

// account is a configured account with its state.
type account struct {
	Account
	created  time.Time
	rootKeys []*accessKey     // configured keys first, then API-created ones
	users    map[string]*user // by strings.ToLower(name): IAM names are case-insensitive
	roles    map[string]*role // by strings.ToLower(name)
	// policies are the customer managed policies, by strings.ToLower(name).
	policies map[string]*managedPolicy
}

// keyEntry is what the hot path needs for one access key: a long-term key
// of a root or IAM user, or the temporary key of a role session (token
// set, expires non-zero).
type keyEntry struct {
	secret    string
	active    bool
	principal identity.Principal
	token     string
	expires   time.Time
}

// Registry holds the accounts, IAM users and access keys. It is safe for
// concurrent use. SecretKey and PrincipalForKey, called on every request,
// are one map lookup under a read lock and do not allocate.
type Registry struct {
	mu          sync.RWMutex
	keys        map[string]keyEntry // long-term and session keys
	accounts    map[string]*account
	byCanonical map[string]*account
	order       []*account
	// uniqueIDs holds every user, role and policy unique id in use
	// (persisted records of unconfigured accounts included).
	uniqueIDs map[string]struct{}
	// awsPolicies are the built-in AWS managed policies, by ARN.
	awsPolicies map[string]*managedPolicy
	// polIndex maps a user's or role's unique id to its identity
	// policies (see IdentityPolicies).
	polIndex map[string][]NamedPolicy
	// sessions counts the role sessions in keys, for sweeping.
	sessions int
	// orphans are persisted records of accounts not configured in this
	// run; they are written back unchanged.
	orphans []stateAccount

	statePath string // "" = in-memory only
	now       func() time.Time
	rand      io.Reader
}

// stateFileName is the file under the data directory that holds IAM state.
const stateFileName = "iam.json"

// NewRegistry builds the registry: the default account (id 000000000000,
// root key test/test) when withDefault is set, then the given accounts, then
// the users and access keys persisted in dataDir/iam.json. An empty dataDir
// keeps all state in memory (tests, offline tools).
//
// It fails when the accounts are invalid (see LoadAccountsFile), when an
// account or access key of the file collides with the default account's,
// or when the state file is unreadable or conflicts with the configuration
// (an access key id used twice).
func NewRegistry(dataDir string, accounts []AccountSpec, withDefault bool) (*Registry, error) {
	return newRegistry(dataDir, accounts, withDefault, time.Now, defaultRand())
}

func newRegistry(dataDir string, specs []AccountSpec, withDefault bool, now func() time.Time, rnd io.Reader) (*Registry, error) {
	if err := validateSpecs(specs); err != nil {
		return nil, fmt.Errorf("iam: invalid accounts: %w", err)
	}
	awsPolicies, err := buildAWSManagedPolicies()
	if err != nil {
		return nil, err
	}
	r := &Registry{
		keys:        map[string]keyEntry{},
		accounts:    map[string]*account{},
		byCanonical: map[string]*account{},
		uniqueIDs:   map[string]struct{}{},
		awsPolicies: awsPolicies,
		polIndex:    map[string][]NamedPolicy{},
		now:         now,
		rand:        rnd,
	}
	all := specs
	if withDefault {
		def := AccountSpec{
			ID:         DefaultAccountID,
			Name:       DefaultAccountName,
			AccessKeys: []AccessKeySpec{{ID: DefaultAccessKeyID, Secret: DefaultSecretKey}},
		}
		for i, s := range specs {
			if s.ID == DefaultAccountID {
				return nil, fmt.Errorf("iam: accounts[%d] is account %s, which is the default account; turn the default account off to configure it yourself", i, s.ID)
			}
			for j, k := range s.AccessKeys {
				if k.ID == DefaultAccessKeyID {
					return nil, fmt.Errorf("iam: accounts[%d].access_keys[%d]: access key %q is the default account's root key; use another id or turn the default account off", i, j, k.ID)
				}
			}
			if cid := s.CanonicalID; cid == DeriveCanonicalID(DefaultAccountID) {
				return nil, fmt.Errorf("iam: accounts[%d].canonical_id: %s is the default account's canonical id", i, cid)
			}
		}
		all = append([]AccountSpec{def}, specs...)
	}
	for _, s := range all {
		a := &account{
			Account:  Account{ID: s.ID, Name: s.Name, Email: s.Email, CanonicalID: s.CanonicalID},
			users:    map[string]*user{},
			roles:    map[string]*role{},
			policies: map[string]*managedPolicy{},
		}
		if a.Name == "" {
			a.Name = s.ID
		}
		a.DisplayName = a.Name
		if a.CanonicalID == "" {
			a.CanonicalID = DeriveCanonicalID(s.ID)
		}
		for _, k := range s.AccessKeys {
			a.rootKeys = append(a.rootKeys, &accessKey{id: k.ID, secret: k.Secret, status: statusActive, configured: true})
		}
		r.accounts[a.ID] = a
		r.byCanonical[a.CanonicalID] = a
		r.order = append(r.order, a)
	}

	dirty := false
	if dataDir != "" {
		if err := os.MkdirAll(dataDir, 0o700); err != nil {
			return nil, fmt.Errorf("iam: creating data directory: %w", err)
		}
		r.statePath = filepath.Join(dataDir, stateFileName)
		atomicfile.SweepTemps(r.statePath)
		st, err := readState(r.statePath)
		if err != nil {
			return nil, err
		}
		if err := r.restore(st); err != nil {
			return nil, fmt.Errorf("iam: %s: %w", r.statePath, err)
		}
	}
	start := now().UTC().Truncate(time.Second)
	for _, a := range r.order {
		if a.created.IsZero() {
			a.created = start
			dirty = true
		}
		for _, k := range a.rootKeys {
			if k.created.IsZero() {
				k.created = a.created
			}
		}
	}
	if err := r.indexAll(); err != nil {
		return nil, fmt.Errorf("iam: %w", err)
	}
	r.reindexPoliciesLocked()
	if dirty {
		if err := r.saveLocked(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// indexAll fills the access-key index from the accounts.
func (r *Registry) indexAll() error {
	for _, a := range r.order {
		for _, k := range a.rootKeys {
			if _, dup := r.keys[k.id]; dup {
				return fmt.Errorf("access key %s is configured twice", k.id)
			}
			r.indexKey(a, nil, k)
		}
		for _, u := range a.users {
			for _, k := range u.keys {
				if _, dup := r.keys[k.id]; dup {
					return fmt.Errorf("access key %s of user %s (account %s) is also another key's id", k.id, u.name, a.ID)
				}
				r.indexKey(a, u, k)
			}
		}
	}
	return nil
}

// indexKey (re)enters k, owned by a's root (u == nil) or by user u, into
// the hot-path index. The caller holds the write lock.
func (r *Registry) indexKey(a *account, u *user, k *accessKey) {
	p := identity.Principal{
		Account:     a.ID,
		CanonicalID: a.CanonicalID,
		DisplayName: a.DisplayName,
		AccessKeyID: k.id,
	}
	if u == nil {
		p.Type = identity.Root
		p.ARN = rootARN(a.ID)
		p.UserID = a.ID
	} else {
		p.Type = identity.User
		p.ARN = userARN(a.ID, u.path, u.name)
		p.UserID = u.id
		p.UserName = u.name
	}
	r.keys[k.id] = keyEntry{secret: k.secret, active: k.status == statusActive, principal: p}
}

// SecretKey returns the secret of an active access key. It satisfies the
// sigv4 credentials contract: ok is false for unknown and inactive keys.
// The temporary key of a role session has a secret until the session is
// swept, a while after it expires, so that a request signed with expired
// credentials is answered ExpiredToken (by CheckSessionToken) rather than
// as an unknown key.
func (r *Registry) SecretKey(accessKeyID string) (secret string, ok bool) {
	r.mu.RLock()
	e, found := r.keys[accessKeyID]
	r.mu.RUnlock()
	if !found || !e.active {
		return "", false
	}
	return e.secret, true
}

// PrincipalForKey returns who an active access key belongs to: the root
// user of an account (Type Root, ARN arn:aws:iam::ACCT:root, UserID the
// account id), an IAM user (Type User, ARN arn:aws:iam::ACCT:user/PATH/NAME,
// UserID its AIDA… unique id, UserName), or a role session (Type
// AssumedRole, ARN arn:aws:sts::ACCT:assumed-role/ROLE/SESSION, RoleARN the
// role's ARN, UserID "AROA…:SESSION"). ok is false for unknown and
// inactive keys.
//
// A session key resolves even when expired or presented without its
// token: the caller must then call CheckSessionToken, which decides.
func (r *Registry) PrincipalForKey(accessKeyID string) (identity.Principal, bool) {
	r.mu.RLock()
	e, found := r.keys[accessKeyID]
	r.mu.RUnlock()
	if !found || !e.active {
		return identity.Principal{}, false
	}
	return e.principal, true
}

// Account returns the configured account with the given id.
func (r *Registry) Account(id string) (Account, bool) { return r.accountIn(r.accounts, id) }

// AccountByCanonicalID returns the account whose S3 canonical user id is cid.
func (r *Registry) AccountByCanonicalID(cid string) (Account, bool) {
	return r.accountIn(r.byCanonical, cid)
}

func (r *Registry) accountIn(m map[string]*account, key string) (Account, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if a, ok := m[key]; ok {
		return a.Account, true
	}
	return Account{}, false
}

// Accounts returns every configured account: the default account first
// (when on), then the accounts file's in file order.
func (r *Registry) Accounts() []Account {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Account, len(r.order))
	for i, a := range r.order {
		out[i] = a.Account
	}
	return out
}

// sorted returns the values of m (users, roles or managed policies, by
// lowercased name) ordered by name, case-insensitively.
func sorted[T any](m map[string]T) []T {
	out := make([]T, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

// newID returns an id no entity or key has: prefix and random base32
// characters, n in all, that used does not refuse. what names it in the
// error. The caller holds the lock.
func (r *Registry) newID(prefix string, n int, what string, used func(id string) bool) (string, error) {
	for range 100 {
		id, err := randomString(r.rand, prefix, n, base32Alphabet)
		if err != nil {
			return "", err
		}
		if !used(id) {
			return id, nil
		}
	}
	return "", errors.New("iam: could not find an unused " + what)
}

// keyUsed reports whether an access key id is in use, in the records of
// unconfigured accounts too. The caller holds the lock.
func (r *Registry) keyUsed(id string) bool {
	_, used := r.keys[id]
	return used || r.orphanHasKey(id)
}

// newUniqueID returns a unique id (prefix AIDA, AROA or ANPA) no entity
// has. The caller holds the lock.
func (r *Registry) newUniqueID(prefix string) (string, error) {
	return r.newID(prefix, uniqueIDLen, "unique id", func(id string) bool {
		_, used := r.uniqueIDs[id]
		return used
	})
}

func (r *Registry) orphanHasKey(id string) bool {
	for _, a := range r.orphans {
		for _, k := range a.RootKeys {
			if k.ID == id {
				return true
			}
		}
		for _, u := range a.Users {
			for _, k := range u.AccessKeys {
				if k.ID == id {
					return true
				}
			}
		}
	}
	return false
}
