package kms

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/edgegate/edgegate/internal/policy"
)

// This file holds entry points used only to load exported configurations
// (internal/world loading a doctor bundle, the key as describe-key and
// get-key-policy printed it); the API never uses them.

// ImportedKey is a key as an export describes it.
type ImportedKey struct {
	// ID is the key id (a UUID); Account and Region place it (its ARN is
	// arn:aws:kms:REGION:ACCOUNT:key/ID). Region "" is the service's.
	ID, Account, Region string
	Description         string
	// State is Enabled, Disabled or PendingDeletion ("" is Enabled). Other
	// states AWS has (PendingImport, Unavailable, Creating, ...) are refused.
	State KeyState
	// Manager is ManagerCustomer ("" too) or ManagerAWS; an AWS managed key
	// is the account's aws/s3 key (alias/aws/s3 points at it).
	Manager      string
	Created      time.Time
	DeletionDate time.Time
	// Policy is the key policy document; "" gives the policy KMS would
	// have: CreateKey's default for a customer managed key, aws/s3's for
	// an AWS managed key.
	Policy string
}

// ImportKey adds a key with the exported id, state and policy and fresh
// key material. The policy is parsed and validated as PutKeyPolicy does
// (without the lockout safety check: the export is what AWS holds). Errors:
// a malformed id or account, an unsupported state, a policy KMS would
// refuse (*awsapi.Error MalformedPolicyDocumentException), an id already
// taken, or a storage failure.
func (s *Service) ImportKey(in ImportedKey) (*KeyInfo, error) {
	if !isKeyID(in.ID) {
		return nil, fmt.Errorf("kms: import: %q is not a key id", in.ID)
	}
	if !isAccount(in.Account) {
		return nil, fmt.Errorf("kms: import: %q is not an account id", in.Account)
	}
	state := in.State
	switch state {
	case "":
		state = StateEnabled
	case StateEnabled, StateDisabled, StatePendingDeletion:
	default:
		return nil, fmt.Errorf("kms: import: key state %q is not modelled (Enabled, Disabled, PendingDeletion)", in.State)
	}
	manager := in.Manager
	switch manager {
	case "":
		manager = ManagerCustomer
	case ManagerCustomer, ManagerAWS:
	default:
		return nil, fmt.Errorf("kms: import: KeyManager %q is not AWS or CUSTOMER", in.Manager)
	}
	region := in.Region
	if region == "" {
		region = s.region
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[in.ID]; ok {
		return nil, fmt.Errorf("kms: import: key %s already exists", in.ID)
	}
	created := in.Created
	if created.IsZero() {
		created = s.now().UTC()
	}
	k := &keyRec{
		id: in.ID, account: in.Account, region: region, arn: keyARN(region, in.Account, in.ID),
		created: created, state: state, manager: manager, description: in.Description,
		material: make([]byte, materialLen),
	}
	if state == StatePendingDeletion {
		k.deletion = in.DeletionDate
		if k.deletion.IsZero() {
			return nil, errors.New("kms: import: a PendingDeletion key needs its DeletionDate")
		}
		k.window = 30
	}
	if _, err := io.ReadFull(s.rand, k.material); err != nil {
		return nil, err
	}
	var err error
	if k.sealed, err = s.seal.seal(k.arn, k.material); err != nil {
		return nil, err
	}
	k.policyDoc = in.Policy
	m := managedServices["s3"]
	if manager == ManagerAWS {

		k.service = "s3"
		if k.policyDoc == "" {
			k.policyDoc = managedKeyPolicy("s3", region, in.Account)
		}
	} else if k.policyDoc == "" {
		k.policyDoc = defaultKeyPolicy(in.Account)
	}
	if manager == ManagerAWS {
		k.policy, err = policy.Parse([]byte(k.policyDoc), policy.KeyPolicy)
	} else {
		k.policy, err = parseKeyPolicy(k.policyDoc)
	}
	if err != nil {
		return nil, err
	}
	s.addKeyLocked(k)
	if manager == ManagerAWS {
		ak := aliasKey{in.Account, region, m.alias}
		if _, ok := s.aliases[ak]; !ok {
			s.aliases[ak] = &aliasRec{account: in.Account, region: region, name: m.alias, target: k.id, created: created, updated: created}
		}
	}
	if err := s.commitLocked(func() { s.removeKeyLocked(k.id) }); err != nil {
		return nil, err
	}
	return k.info(), nil
}

// ImportDataKey generates a data key under the key keyID names (id or ARN,
// any account) bound to ec, without authorization and whatever the key's
// state: it seals the bodies of objects an export lists, which AWS
// encrypted when they were written. Decrypting them later goes through
// Decrypt's full authorization.
func (s *Service) ImportDataKey(keyID string, ec map[string]string, n int) (DataKey, error) {
	ref, e := parseKeyRef(keyID)
	if e != nil {
		return DataKey{}, e
	}
	if ref.isAlias() {
		return DataKey{}, fmt.Errorf("kms: import: data key under an alias (%s): name the key", keyID)
	}
	s.mu.RLock()
	k, ok := s.keys[ref.id]
	var material []byte
	var info *KeyInfo
	if ok {
		material, info = k.material, k.info()
	}
	s.mu.RUnlock()
	if !ok || (ref.kind == refKeyARN && (ref.account != info.Account || ref.region != info.Region)) {
		return DataKey{}, keyNotFound(keyID)
	}
	pt := make([]byte, n)
	if _, err := io.ReadFull(s.rand, pt); err != nil {
		return DataKey{}, err
	}
	blob, err := encryptBlob(s.rand, info.ID, material, pt, ec)
	if err != nil {
		return DataKey{}, err
	}
	return DataKey{Plaintext: pt, CiphertextBlob: blob, KeyARN: info.ARN}, nil
}
