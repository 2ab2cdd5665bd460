package iam

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// stateVersion is the version of the iam.json layout.
const stateVersion = 1

// stateFile is the persisted IAM state (DATADIR/iam.json).
type stateFile struct {
	Version  int            `json:"version"`
	Accounts []stateAccount `json:"accounts"`
}

// stateAccount is one account's state. Created is when edgegate first saw
// the account (the root user's CreateDate).
type stateAccount struct {
	ID       string      `json:"id"`
	Created  string      `json:"created"`
	RootKeys []stateKey  `json:"root_access_keys,omitempty"`
	Users    []stateUser `json:"users,omitempty"`
}

type stateUser struct {
	Name       string     `json:"name"`
	Path       string     `json:"path"`
	ID         string     `json:"id"`
	Created    string     `json:"created"`
	Tags       []Tag      `json:"tags,omitempty"`
	AccessKeys []stateKey `json:"access_keys,omitempty"`
}

type stateKey struct {
	ID      string `json:"id"`
	Secret  string `json:"secret"`
	Status  string `json:"status"`
	Created string `json:"created"`
}

const tempPrefix = ".iam-"

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
	if st.Version != stateVersion {
		return nil, fmt.Errorf("iam: %s: state version %d, this edgegate reads version %d", path, st.Version, stateVersion)
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
		for _, su := range sa.Users {
			if _, dup := r.userIDs[su.ID]; dup {
				return fmt.Errorf("user id %s appears twice", su.ID)
			}
			r.userIDs[su.ID] = struct{}{}
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
			u := &user{name: su.Name, path: su.Path, id: su.ID, tags: su.Tags}
			if u.created, err = parseTime(su.Created); err != nil {
				return fmt.Errorf("account %s, user %s: %w", sa.ID, su.Name, err)
			}
			for _, sk := range su.AccessKeys {
				k, err := restoreKey(sk)
				if err != nil {
					return fmt.Errorf("account %s, user %s: %w", sa.ID, su.Name, err)
				}
				u.keys = append(u.keys, k)
			}
			lk := strings.ToLower(u.name)
			if _, dup := a.users[lk]; dup {
				return fmt.Errorf("account %s: user %s appears twice", sa.ID, su.Name)
			}
			a.users[lk] = u
		}
	}
	return nil
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
		for _, u := range a.sortedUsers() {
			su := stateUser{Name: u.name, Path: u.path, ID: u.id, Created: isoTime(u.created), Tags: u.tags}
			for _, k := range u.keys {
				su.AccessKeys = append(su.AccessKeys, snapKey(k))
			}
			sa.Users = append(sa.Users, su)
		}
		st.Accounts = append(st.Accounts, sa)
	}
	st.Accounts = append(st.Accounts, r.orphans...)
	return st
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
	if err := writeFileAtomic(r.statePath, data, 0o600); err != nil {
		return fmt.Errorf("iam: saving state: %w", err)
	}
	return nil
}

// writeFileAtomic replaces path with data so that a crash leaves either the
// old or the new file: temp file in the same directory, fsync, rename,
// fsync the directory.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPrefix+"*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err = f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err = f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// sweepTemps removes temporary files a crash mid-save left behind.
func sweepTemps(dir string) {
	matches, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"*.tmp"))
	for _, m := range matches {
		os.Remove(m)
	}
}
