package kms

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/edgegate/edgegate/internal/policy"
)

// KeyState is a key's state, as DescribeKey reports it.
type KeyState string

// The key states a symmetric AWS_KMS key can be in.
const (
	StateEnabled         KeyState = "Enabled"
	StateDisabled        KeyState = "Disabled"
	StatePendingDeletion KeyState = "PendingDeletion"
)

// Key managers.
const (
	ManagerCustomer = "CUSTOMER"
	ManagerAWS      = "AWS"
)

// Tag is a key's resource tag (accepted by CreateKey and kept).
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Grant is a grant on a key. Grants are values: a key's grant list is
// replaced, never changed in place.
type Grant struct {
	ID, Name string
	// Grantee and Retiring are principals as given: an ARN (user, role,
	// assumed-role session, account root) or a service principal name.
	Grantee  string
	Retiring string
	// IssuingAccount is arn:aws:iam::ACCT:root of the account that
	// created the grant.
	IssuingAccount string
	Operations     []string
	// The constraints; nil when absent.
	EncryptionContextSubset map[string]string
	EncryptionContextEquals map[string]string
	Created                 time.Time
	Token                   string
}

// KeyInfo is a snapshot of one key: what authorization needs and what
// callers report. Its Policy and Grants are immutable.
type KeyInfo struct {
	ID, ARN, Account, Region string
	Description              string
	State                    KeyState
	Manager                  string
	Created                  time.Time
	// DeletionDate and PendingWindow are set for PendingDeletion keys.
	DeletionDate  time.Time
	PendingWindow int
	Policy        *policy.Policy
	Grants        []Grant
}

// keyRec is a key's record. Fields are changed only under the service's
// write lock; policy and grants are replaced, never modified, so a
// KeyInfo taken under the read lock stays valid.
type keyRec struct {
	id, account, region, arn string
	created                  time.Time
	description              string
	state                    KeyState
	manager                  string
	// service is set for AWS managed keys: "s3" for aws/s3.
	service   string
	deletion  time.Time
	window    int
	policyDoc string
	policy    *policy.Policy
	// material is the plaintext key material; it lives in memory only.
	material []byte
	// sealed is material sealed with the master key (what is persisted).
	sealed []byte
	grants []Grant
	tags   []Tag
	// rotation is set while automatic key rotation is enabled
	// (EnableKeyRotation): rotating every rotationPeriod days counted from
	// rotationSince.
	rotation       bool
	rotationPeriod int
	rotationSince  time.Time
}

func (k *keyRec) info() *KeyInfo {
	return &KeyInfo{
		ID: k.id, ARN: k.arn, Account: k.account, Region: k.region, Description: k.description,
		State: k.state, Manager: k.manager, Created: k.created, DeletionDate: k.deletion,
		PendingWindow: k.window, Policy: k.policy, Grants: k.grants,
	}
}

// aliasRec is an alias.
type aliasRec struct {
	account, region, name, target string
	created, updated              time.Time
}

func (a *aliasRec) arn() string { return aliasARN(a.region, a.account, a.name) }

func keyARN(region, account, id string) string {
	return "arn:aws:kms:" + region + ":" + account + ":key/" + id
}

func aliasARN(region, account, name string) string {
	return "arn:aws:kms:" + region + ":" + account + ":" + name
}

type aliasKey struct{ account, region, name string }

// Config configures a Service.
type Config struct {
	// Dir is the KMS state directory (DATADIR/kms); "" keeps everything in
	// memory with a random master key (tests, offline tools).
	Dir string
	// Region is the region the endpoint claims (key ARNs, kms:ViaService
	// of the AWS managed keys); default us-east-1.
	Region string
	// Identities gives callers' identity policies; nil means none.
	Identities Identities
	// Logger receives the service's own events; default slog.Default().
	Logger *slog.Logger
	// Now and Rand are the clock and the randomness; tests replace them.
	Now  func() time.Time
	Rand io.Reader
}

// Service is the KMS: keys, aliases and grants, the KMS API, and the
// in-process API S3 uses. It is safe for concurrent use.
type Service struct {
	mu      sync.RWMutex
	keys    map[string]*keyRec // by key id
	order   []*keyRec          // creation order, for ListKeys
	aliases map[aliasKey]*aliasRec

	region string
	ids    Identities
	log    *slog.Logger
	now    func() time.Time
	rand   io.Reader
	seal   *sealer
	dir    string // "" = in memory
}

// Open builds the service, loading its state from cfg.Dir (created if
// needed, with a new master key). It fails when the master key file is
// accessible to group or other, when it does not open the stored keys, or
// when a stored key policy no longer parses. Keys whose deletion date has
// passed are deleted now (with their aliases and grants).
func Open(cfg Config) (*Service, error) {
	s := &Service{
		keys: map[string]*keyRec{}, aliases: map[aliasKey]*aliasRec{},
		region: cfg.Region, ids: cfg.Identities, log: cfg.Logger, now: cfg.Now, rand: cfg.Rand, dir: cfg.Dir,
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	var master []byte
	var err error
	if s.dir == "" {
		master = make([]byte, materialLen)
		if _, err := io.ReadFull(s.rand, master); err != nil {
			return nil, err
		}
	} else if master, err = loadMasterKey(s.dir, s.rand); err != nil {
		return nil, err
	}
	if s.seal, err = newSealer(master, s.rand); err != nil {
		return nil, err
	}
	clear(master)
	if s.dir == "" {
		return s, nil
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	if n := s.purgeExpired(); n > 0 {
		if err := s.saveLocked(); err != nil {
			return nil, err
		}
		s.log.Info("kms: deleted keys whose deletion date passed", "count", n)
	}
	return s, nil
}

// Region returns the region the service's keys live in.
func (s *Service) Region() string { return s.region }

// purgeExpired deletes PendingDeletion keys whose deletion date has passed.
// The caller owns s exclusively (start-up).
func (s *Service) purgeExpired() int {
	now := s.now()
	n := 0
	for id, k := range s.keys {
		if k.state == StatePendingDeletion && !k.deletion.IsZero() && !now.Before(k.deletion) {
			s.removeKeyLocked(id)
			n++
		}
	}
	return n
}

func (s *Service) removeKeyLocked(id string) {
	delete(s.keys, id)
	for i, k := range s.order {
		if k.id == id {
			s.order = append(s.order[:i:i], s.order[i+1:]...)
			break
		}
	}
	for ak, a := range s.aliases {
		if a.target == id {
			delete(s.aliases, ak)
		}
	}
}

// addKeyLocked registers a new key.
func (s *Service) addKeyLocked(k *keyRec) {
	s.keys[k.id] = k
	s.order = append(s.order, k)
}

// newKeyRec creates a key record with fresh material, sealed.
func (s *Service) newKeyRec(account string, now time.Time) (*keyRec, error) {
	id, err := newKeyID(s.rand)
	if err != nil {
		return nil, err
	}
	k := &keyRec{
		id: id, account: account, region: s.region, arn: keyARN(s.region, account, id),
		created: now, state: StateEnabled, manager: ManagerCustomer,
		material: make([]byte, materialLen),
	}
	if _, err := io.ReadFull(s.rand, k.material); err != nil {
		return nil, err
	}
	if k.sealed, err = s.seal.seal(k.arn, k.material); err != nil {
		return nil, err
	}
	return k, nil
}

// commitLocked makes a change durable: it saves the state; if the save
// fails it calls undo, which must put the in-memory state back, and
// answers 500. The caller holds the write lock, so no request sees a
// change before it is durable.
func (s *Service) commitLocked(undo func()) error {
	if err := s.saveLocked(); err != nil {
		if undo != nil {
			undo()
		}
		s.log.Error("kms: persisting state", "err", err)
		return errInternal
	}
	return nil
}

// errStorage wraps start-up failures.
func errStorage(format string, args ...any) error {
	return fmt.Errorf("kms: "+format, args...)
}
