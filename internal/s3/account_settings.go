package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/edgegate/edgegate/internal/atomicfile"
	"github.com/edgegate/edgegate/internal/s3/access"
)

// AccountSettings keeps S3's account-level settings: what S3 Control's
// account configuration APIs set. Today that is the account's Block Public
// Access configuration, which the authorization combines with each
// bucket's (access.Effective). Methods are safe for concurrent use.
type AccountSettings interface {
	// GetAccountPAB returns the account's Block Public Access
	// configuration, or nil, nil when none is set. Errors are internal
	// failures.
	GetAccountPAB(ctx context.Context, accountID string) (*access.PublicAccessBlock, error)
	// PutAccountPAB sets the account's configuration durably; nil deletes
	// it (deleting an absent one is not an error). Errors are internal
	// failures; on error the previous configuration stays in force.
	PutAccountPAB(ctx context.Context, accountID string, pab *access.PublicAccessBlock) error
}

// FileAccountSettings is the embedded AccountSettings: a small JSON
// document in the data directory, read once at start and rewritten whole
// on every change (temp file in the same directory, fsync, rename, fsync of
// the directory), so a crash leaves either the old or the new document.
// Account settings change rarely and are few (one record per account), so
// they do not go through the object metadata store: that store's records
// are buckets, objects and uploads, and a reserved pseudo-bucket would leak
// into listings.
type FileAccountSettings struct {
	path string // "" keeps the settings in memory only
	mu   sync.RWMutex
	doc  accountSettingsDoc
}

// accountSettingsDoc is the file's content.
type accountSettingsDoc struct {
	Version  int                        `json:"version"`
	Accounts map[string]accountSettings `json:"accounts"`
}

type accountSettings struct {
	PublicAccessBlock *access.PublicAccessBlock `json:"public_access_block,omitempty"`
}

// OpenAccountSettings loads the settings file at path (a missing file is
// an empty one). With path "" the settings live in memory only (tests).
func OpenAccountSettings(path string) (*FileAccountSettings, error) {
	s := &FileAccountSettings{path: path, doc: accountSettingsDoc{Version: 1, Accounts: map[string]accountSettings{}}}
	if path == "" {
		return s, nil
	}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("s3: reading account settings: %w", err)
	}
	var doc accountSettingsDoc
	if err := json.Unmarshal(b, &doc); err != nil || doc.Version != 1 {
		return nil, fmt.Errorf("s3: account settings file %s is corrupt (version %d): %v", path, doc.Version, err)
	}
	if doc.Accounts == nil {
		doc.Accounts = map[string]accountSettings{}
	}
	s.doc = doc
	return s, nil
}

// GetAccountPAB implements AccountSettings.
func (s *FileAccountSettings) GetAccountPAB(ctx context.Context, accountID string) (*access.PublicAccessBlock, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	p := s.doc.Accounts[accountID].PublicAccessBlock
	if p == nil {
		return nil, nil
	}
	c := *p
	return &c, nil
}

// PutAccountPAB implements AccountSettings.
func (s *FileAccountSettings) PutAccountPAB(ctx context.Context, accountID string, pab *access.PublicAccessBlock) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := accountSettingsDoc{Version: 1, Accounts: make(map[string]accountSettings, len(s.doc.Accounts)+1)}
	for k, v := range s.doc.Accounts {
		next.Accounts[k] = v
	}
	a := next.Accounts[accountID]
	if pab != nil {
		c := *pab
		a.PublicAccessBlock = &c
	} else {
		a.PublicAccessBlock = nil
	}
	if a == (accountSettings{}) {
		delete(next.Accounts, accountID)
	} else {
		next.Accounts[accountID] = a
	}
	if err := s.save(&next); err != nil {
		return err
	}
	s.doc = next
	return nil
}

// save writes doc durably to s.path.
func (s *FileAccountSettings) save(doc *accountSettingsDoc) error {
	if s.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(s.path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("s3: saving account settings: %w", err)
	}
	return nil
}
