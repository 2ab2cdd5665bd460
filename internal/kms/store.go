package kms

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/edgegate/edgegate/internal/atomicfile"
	"github.com/edgegate/edgegate/internal/policy"
)

// Files under the KMS state directory.
const (
	masterKeyFile = "master.key"
	stateFile     = "keys.json"
	stateVersion  = 1
)

// loadMasterKey reads dir/master.key, creating dir (0700) and the key (32
// random bytes, 0600) when absent. It refuses a key file that group or
// other may access, or that is not 32 bytes.
func loadMasterKey(dir string, rnd io.Reader) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, errStorage("creating %s: %v", dir, err)
	}
	path := filepath.Join(dir, masterKeyFile)
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return createMasterKey(dir, path, rnd)
	}
	if err != nil {
		return nil, errStorage("opening master key: %v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, errStorage("master key: %v", err)
	}
	if !st.Mode().IsRegular() {
		return nil, errStorage("master key %s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, errStorage("master key %s is accessible to group or other (mode %04o); it must be readable only by the server's user: chmod 600 %s", path, perm, path)
	}
	key, err := io.ReadAll(io.LimitReader(f, materialLen+1))
	if err != nil {
		return nil, errStorage("reading master key: %v", err)
	}
	if len(key) != materialLen {
		return nil, errStorage("master key %s must hold exactly %d bytes, has %d", path, materialLen, len(key))
	}
	return key, nil
}

func createMasterKey(dir, path string, rnd io.Reader) ([]byte, error) {
	if _, err := os.Stat(filepath.Join(dir, stateFile)); err == nil {
		// Without its master key the stored key material cannot be
		// opened; a fresh master key would make every key unusable.
		return nil, errStorage("%s exists but %s is missing: restore the master key (the stored keys cannot be opened without it)", stateFile, path)
	}
	key := make([]byte, materialLen)
	if _, err := io.ReadFull(rnd, key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, errStorage("creating master key: %v", err)
	}
	if _, err = f.Write(key); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = atomicfile.SyncDir(dir)
	}
	if err != nil {
		os.Remove(path)
		return nil, errStorage("writing master key: %v", err)
	}
	return key, nil
}

// The persisted state: DATADIR/kms/keys.json.
type stateDoc struct {
	Version int          `json:"version"`
	Keys    []stateKey   `json:"keys"`
	Aliases []stateAlias `json:"aliases"`
}

type stateKey struct {
	ID            string       `json:"id"`
	Account       string       `json:"account"`
	Region        string       `json:"region"`
	Created       string       `json:"created"`
	Description   string       `json:"description"`
	State         KeyState     `json:"state"`
	Manager       string       `json:"manager"`
	Service       string       `json:"service,omitempty"`
	DeletionDate  string       `json:"deletion_date,omitempty"`
	PendingWindow int          `json:"pending_window,omitempty"`
	Policy        string       `json:"policy"`
	SealedKey     string       `json:"sealed_key"`
	Tags          []Tag        `json:"tags,omitempty"`
	Grants        []stateGrant `json:"grants,omitempty"`
	// Rotation is set while automatic key rotation is enabled.
	Rotation *stateRotation `json:"rotation,omitempty"`
}

// stateRotation is a key's automatic rotation setting.
type stateRotation struct {
	PeriodDays int    `json:"period_days"`
	Since      string `json:"since"`
}

type stateGrant struct {
	ID             string            `json:"id"`
	Name           string            `json:"name,omitempty"`
	Grantee        string            `json:"grantee"`
	Retiring       string            `json:"retiring,omitempty"`
	IssuingAccount string            `json:"issuing_account"`
	Operations     []string          `json:"operations"`
	Subset         map[string]string `json:"encryption_context_subset,omitempty"`
	Equals         map[string]string `json:"encryption_context_equals,omitempty"`
	Created        string            `json:"created"`
	Token          string            `json:"token"`
}

type stateAlias struct {
	Account string `json:"account"`
	Region  string `json:"region"`
	Name    string `json:"name"`
	Target  string `json:"target"`
	Created string `json:"created"`
	Updated string `json:"updated"`
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// load reads keys.json (absent: no keys). The caller owns s exclusively.
func (s *Service) load() error {
	atomicfile.SweepTemps(filepath.Join(s.dir, stateFile))
	data, err := os.ReadFile(filepath.Join(s.dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return errStorage("reading state: %v", err)
	}
	var doc stateDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return errStorage("%s: %v", stateFile, err)
	}
	if doc.Version != stateVersion {
		return errStorage("%s: unsupported version %d", stateFile, doc.Version)
	}
	for i := range doc.Keys {
		k, err := s.restoreKey(&doc.Keys[i])
		if err != nil {
			return errStorage("%s: key %s: %v", stateFile, doc.Keys[i].ID, err)
		}
		if _, dup := s.keys[k.id]; dup {
			return errStorage("%s: key %s appears twice", stateFile, k.id)
		}
		s.addKeyLocked(k)
	}
	for _, sa := range doc.Aliases {
		a := &aliasRec{account: sa.Account, region: sa.Region, name: sa.Name, target: sa.Target}
		if a.created, err = parseTime(sa.Created); err == nil {
			a.updated, err = parseTime(sa.Updated)
		}
		if err != nil {
			return errStorage("%s: alias %s: %v", stateFile, sa.Name, err)
		}
		if _, ok := s.keys[a.target]; !ok {
			return errStorage("%s: alias %s targets unknown key %s", stateFile, sa.Name, sa.Target)
		}
		s.aliases[aliasKey{a.account, a.region, a.name}] = a
	}
	return nil
}

func (s *Service) restoreKey(sk *stateKey) (*keyRec, error) {
	if !isKeyID(sk.ID) {
		return nil, fmt.Errorf("bad key id")
	}
	k := &keyRec{
		id: sk.ID, account: sk.Account, region: sk.Region, arn: keyARN(sk.Region, sk.Account, sk.ID),
		description: sk.Description, state: sk.State, manager: sk.Manager, service: sk.Service,
		window: sk.PendingWindow, policyDoc: sk.Policy, tags: sk.Tags,
	}
	switch k.state {
	case StateEnabled, StateDisabled, StatePendingDeletion:
	default:
		return nil, fmt.Errorf("bad key state %q", k.state)
	}
	var err error
	if k.created, err = parseTime(sk.Created); err != nil {
		return nil, err
	}
	if k.deletion, err = parseTime(sk.DeletionDate); err != nil {
		return nil, err
	}
	if r := sk.Rotation; r != nil {
		if r.PeriodDays < minRotationDays || r.PeriodDays > maxRotationDays {
			return nil, fmt.Errorf("bad rotation period %d", r.PeriodDays)
		}
		k.rotation, k.rotationPeriod = true, r.PeriodDays
		if k.rotationSince, err = parseTime(r.Since); err != nil {
			return nil, err
		}
	}
	// A stored policy the parser no longer accepts stops the start:
	// dropping it could drop a Deny.
	if k.policy, err = policy.ParseWithOptions([]byte(sk.Policy), policy.KeyPolicy, policy.ParseOptions{MaxSize: -1}); err != nil {
		return nil, fmt.Errorf("key policy no longer parses: %v", err)
	}
	if k.sealed, err = base64.StdEncoding.DecodeString(sk.SealedKey); err != nil {
		return nil, fmt.Errorf("sealed key: %v", err)
	}
	if k.material, err = s.seal.unseal(k.arn, k.sealed); err != nil {
		return nil, err
	}
	if len(k.material) != materialLen {
		return nil, fmt.Errorf("key material has %d bytes", len(k.material))
	}
	for _, sg := range sk.Grants {
		g := Grant{
			ID: sg.ID, Name: sg.Name, Grantee: sg.Grantee, Retiring: sg.Retiring, IssuingAccount: sg.IssuingAccount,
			Operations: sg.Operations, EncryptionContextSubset: sg.Subset, EncryptionContextEquals: sg.Equals, Token: sg.Token,
		}
		if g.Created, err = parseTime(sg.Created); err != nil {
			return nil, err
		}
		k.grants = append(k.grants, g)
	}
	return k, nil
}

func (s *Service) snapshotLocked() *stateDoc {
	doc := &stateDoc{Version: stateVersion, Keys: []stateKey{}, Aliases: []stateAlias{}}
	for _, k := range s.order {
		sk := stateKey{
			ID: k.id, Account: k.account, Region: k.region, Created: fmtTime(k.created), Description: k.description,
			State: k.state, Manager: k.manager, Service: k.service, DeletionDate: fmtTime(k.deletion),
			PendingWindow: k.window, Policy: k.policyDoc, SealedKey: base64.StdEncoding.EncodeToString(k.sealed), Tags: k.tags,
		}
		if k.rotation {
			sk.Rotation = &stateRotation{PeriodDays: k.rotationPeriod, Since: fmtTime(k.rotationSince)}
		}
		for _, g := range k.grants {
			sk.Grants = append(sk.Grants, stateGrant{
				ID: g.ID, Name: g.Name, Grantee: g.Grantee, Retiring: g.Retiring, IssuingAccount: g.IssuingAccount,
				Operations: g.Operations, Subset: g.EncryptionContextSubset, Equals: g.EncryptionContextEquals,
				Created: fmtTime(g.Created), Token: g.Token,
			})
		}
		doc.Keys = append(doc.Keys, sk)
	}
	for _, a := range sortedAliases(s.aliases) {
		doc.Aliases = append(doc.Aliases, stateAlias{
			Account: a.account, Region: a.region, Name: a.name, Target: a.target,
			Created: fmtTime(a.created), Updated: fmtTime(a.updated),
		})
	}
	return doc
}

// saveLocked persists the state durably; a no-op without a directory.
// The caller holds the write lock (or owns s exclusively).
func (s *Service) saveLocked() error {
	if s.dir == "" {
		return nil
	}
	data, err := json.MarshalIndent(s.snapshotLocked(), "", "  ")
	if err != nil {
		return fmt.Errorf("encoding state: %w", err)
	}
	data = append(data, '\n')
	return atomicfile.Write(filepath.Join(s.dir, stateFile), data, 0o600)
}
