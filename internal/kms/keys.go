package kms

import (
	"errors"
	"strconv"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
)

// Enumerations of the botocore model that inputs are validated against.
var (
	keySpecs = []string{"RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
		"SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "ECC_NIST_EDWARDS25519"}
	cmkSpecs = []string{"RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
		"SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2"}
	keyUsages            = []string{"SIGN_VERIFY", "ENCRYPT_DECRYPT", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"}
	origins              = []string{"AWS_KMS", "EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"}
	encryptionAlgorithms = []string{"SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "SM2PKE"}
)

// keyMetadata is the KeyMetadata shape.
type keyMetadata struct {
	AWSAccountID                string   `json:"AWSAccountId"`
	KeyID                       string   `json:"KeyId"`
	Arn                         string   `json:"Arn"`
	CreationDate                epoch    `json:"CreationDate"`
	Enabled                     bool     `json:"Enabled"`
	Description                 string   `json:"Description"`
	KeyUsage                    string   `json:"KeyUsage"`
	KeyState                    KeyState `json:"KeyState"`
	DeletionDate                *epoch   `json:"DeletionDate,omitempty"`
	Origin                      string   `json:"Origin"`
	KeyManager                  string   `json:"KeyManager"`
	CustomerMasterKeySpec       string   `json:"CustomerMasterKeySpec"`
	KeySpec                     string   `json:"KeySpec"`
	EncryptionAlgorithms        []string `json:"EncryptionAlgorithms"`
	MultiRegion                 bool     `json:"MultiRegion"`
	PendingDeletionWindowInDays *int     `json:"PendingDeletionWindowInDays,omitempty"`
}

func metadata(k *KeyInfo) keyMetadata {
	m := keyMetadata{
		AWSAccountID: k.Account, KeyID: k.ID, Arn: k.ARN, CreationDate: epoch(k.Created),
		Enabled: k.State == StateEnabled, Description: k.Description, KeyUsage: "ENCRYPT_DECRYPT",
		KeyState: k.State, Origin: "AWS_KMS", KeyManager: k.Manager,
		CustomerMasterKeySpec: "SYMMETRIC_DEFAULT", KeySpec: "SYMMETRIC_DEFAULT",
		EncryptionAlgorithms: []string{"SYMMETRIC_DEFAULT"},
	}
	if k.State == StatePendingDeletion {
		m.DeletionDate = epochPtr(k.DeletionDate)
		if k.PendingWindow > 0 {
			w := k.PendingWindow
			m.PendingDeletionWindowInDays = &w
		}
	}
	return m
}

type keyMetadataOutput struct {
	KeyMetadata keyMetadata `json:"KeyMetadata"`
}

// parseKeyPolicy validates a key policy document: KMS's
// MalformedPolicyDocumentException with the parser's message, or
// LimitExceededException for one over 32 KB.
func parseKeyPolicy(doc string) (*policy.Policy, error) {
	p, err := policy.Parse([]byte(doc), policy.KeyPolicy)
	if err != nil {
		var pe *policy.ParseError
		if errors.As(err, &pe) {
			if pe.Code == errLimitExceeded.Code {
				return nil, errLimitExceeded.WithMessage(pe.Message)
			}
			return nil, errMalformedPolicy.WithMessage(pe.Message)
		}
		return nil, errMalformedPolicy.WithMessage(err.Error())
	}
	return p, nil
}

// errLockout is the safety check's refusal of a policy that would lock
// the caller out of the key.
var errLockout = errMalformedPolicy.WithMessage("The new key policy will not allow you to update the key policy in the future.")

// lockoutCheck applies KMS's policy lockout safety check: the principal
// setting the policy must be able to call PutKeyPolicy under it.
func (s *Service) lockoutCheck(caller identity.Principal, info *KeyInfo, ctx *Context) error {
	if !s.Authorize(caller, "kms:PutKeyPolicy", info, ctx, nil).Allowed {
		return errLockout
	}
	return nil
}

// authorizeKey authorizes caller for action on key; on denial it re-runs
// the decision with a trace and returns an *AccessDeniedError.
func (s *Service) authorizeKey(caller identity.Principal, action string, key *KeyInfo, ctx *Context) error {
	d := s.Authorize(caller, action, key, ctx, nil)
	if d.Allowed {
		return nil
	}
	tr := new(Trace)
	s.Authorize(caller, action, key, ctx, tr)
	return &AccessDeniedError{Principal: caller.ARN, Action: action, Resource: key.ARN, Decision: d, Trace: tr}
}

type tagInput struct {
	TagKey   *string `json:"TagKey"`
	TagValue *string `json:"TagValue"`
}

type createKeyInput struct {
	Policy                         *string    `json:"Policy"`
	Description                    *string    `json:"Description"`
	KeyUsage                       *string    `json:"KeyUsage"`
	CustomerMasterKeySpec          *string    `json:"CustomerMasterKeySpec"`
	KeySpec                        *string    `json:"KeySpec"`
	Origin                         *string    `json:"Origin"`
	CustomKeyStoreID               *string    `json:"CustomKeyStoreId"`
	BypassPolicyLockoutSafetyCheck bool       `json:"BypassPolicyLockoutSafetyCheck"`
	Tags                           []tagInput `json:"Tags"`
	MultiRegion                    *bool      `json:"MultiRegion"`
	XksKeyID                       *string    `json:"XksKeyId"`
}

func (s *Service) apiCreateKey(q *request) (any, error) {
	var in createKeyInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	v.length("policy", in.Policy, 1, 131072)
	v.length("description", in.Description, 0, 8192)
	v.enum("keyUsage", in.KeyUsage, keyUsages)
	v.enum("customerMasterKeySpec", in.CustomerMasterKeySpec, cmkSpecs)
	v.enum("keySpec", in.KeySpec, keySpecs)
	v.enum("origin", in.Origin, origins)
	if err := v.err(); err != nil {
		return nil, err
	}
	tags, err := checkTags("tags", in.Tags)
	if err != nil {
		return nil, err
	}
	if tags = mergeTags(nil, tags); len(tags) > maxKeyTags {
		return nil, errTooManyTags
	}
	if in.KeySpec != nil && in.CustomerMasterKeySpec != nil {
		return nil, errValidation.WithMessage("You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.")
	}
	spec := "SYMMETRIC_DEFAULT"
	if in.KeySpec != nil {
		spec = *in.KeySpec
	} else if in.CustomerMasterKeySpec != nil {
		spec = *in.CustomerMasterKeySpec
	}
	usage := deref(in.KeyUsage, "ENCRYPT_DECRYPT")
	origin := deref(in.Origin, "AWS_KMS")
	multi := in.MultiRegion != nil && *in.MultiRegion

	ctx := q.context()
	ctx.Set("kms:KeySpec", spec)
	ctx.Set("kms:KeyUsage", usage)
	ctx.Set("kms:KeyOrigin", origin)
	ctx.Set("kms:MultiRegion", strconv.FormatBool(multi))
	ctx.Set("kms:BypassPolicyLockoutSafetyCheck", strconv.FormatBool(in.BypassPolicyLockoutSafetyCheck))
	if err := s.authorizeIdentity(q.caller, "kms:CreateKey", "*", ctx); err != nil {
		return nil, err
	}
	if spec != "SYMMETRIC_DEFAULT" || usage != "ENCRYPT_DECRYPT" || origin != "AWS_KMS" || multi ||
		in.CustomKeyStoreID != nil || in.XksKeyID != nil {
		return nil, errUnsupported.WithMessage("edgegate supports only symmetric encryption keys: KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT, Origin AWS_KMS, single-Region, no custom key store.")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := s.newKeyRec(q.caller.Account, q.now)
	if err != nil {
		return nil, err
	}
	k.description = deref(in.Description, "")
	k.policyDoc = defaultKeyPolicy(q.caller.Account)
	if in.Policy != nil {
		k.policyDoc = *in.Policy
	}
	if k.policy, err = parseKeyPolicy(k.policyDoc); err != nil {
		return nil, err
	}
	if len(tags) > 0 {
		k.tags = tags
	}
	info := k.info()
	// The safety check applies to a policy the caller gives; the default
	// policy delegates to the account, whose identity policies decide.
	if in.Policy != nil && !in.BypassPolicyLockoutSafetyCheck {
		if err := s.lockoutCheck(q.caller, info, ctx); err != nil {
			return nil, err
		}
	}
	s.addKeyLocked(k)
	if err := s.commitLocked(func() { s.removeKeyLocked(k.id) }); err != nil {
		return nil, err
	}
	return keyMetadataOutput{metadata(info)}, nil
}

func deref(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

type keyIDInput struct {
	KeyID       *string  `json:"KeyId"`
	GrantTokens []string `json:"GrantTokens"`
}

// checkKeyID validates a required KeyId member.
func checkKeyID(v *validation, member string, id *string) {
	v.required(member, id != nil)
	v.length(member, id, 1, 2048)
}

// lookup resolves a key identifier of q's caller and returns its
// snapshot, creating an AWS managed key on first use of its alias.
func (s *Service) lookup(account, keyID string, o resolveOpts) (*KeyInfo, error) {
	ref, e := parseKeyRef(keyID)
	if e != nil {
		return nil, e
	}
	if err := s.prepareRef(account, ref, o); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, e := s.resolveLocked(account, ref, o)
	if e != nil {
		return nil, e
	}
	return k.info(), nil
}

func (s *Service) apiDescribeKey(q *request) (any, error) {
	var in keyIDInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	if err := v.err(); err != nil {
		return nil, err
	}
	info, err := s.lookup(q.caller.Account, *in.KeyID, resolveOpts{aliases: true, crossAccount: true})
	if err != nil {
		return nil, err
	}
	if err := s.authorizeKey(q.caller, "kms:DescribeKey", info, q.context()); err != nil {
		return nil, err
	}
	return keyMetadataOutput{metadata(info)}, nil
}

type listInput struct {
	Limit  *int    `json:"Limit"`
	Marker *string `json:"Marker"`
}

func (in *listInput) validate(v *validation) {
	v.intRange("limit", in.Limit, 1, 1000)
	v.length("marker", in.Marker, 1, 1024)
}

func (in *listInput) limit() int {
	if in.Limit == nil {
		return 100
	}
	return *in.Limit
}

// page cuts items (identified by id) at the marker and the limit.
func page[T any](items []T, id func(T) string, in *listInput) (out []T, next string, err error) {
	start := 0
	if in.Marker != nil {
		start = -1
		for i, it := range items {
			if id(it) == *in.Marker {
				start = i
				break
			}
		}
		if start < 0 {
			return nil, "", errInvalidMarker
		}
	}
	end := min(start+in.limit(), len(items))
	if end < len(items) {
		next = id(items[end])
	}
	return items[start:end], next, nil
}

type keyListEntry struct {
	KeyID  string `json:"KeyId"`
	KeyArn string `json:"KeyArn"`
}

type listKeysOutput struct {
	Keys       []keyListEntry `json:"Keys"`
	NextMarker string         `json:"NextMarker,omitempty"`
	Truncated  bool           `json:"Truncated"`
}

func (s *Service) apiListKeys(q *request) (any, error) {
	var in listInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	in.validate(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.authorizeIdentity(q.caller, "kms:ListKeys", "*", q.context()); err != nil {
		return nil, err
	}
	s.mu.RLock()
	var all []keyListEntry
	for _, k := range s.order {
		if k.account == q.caller.Account && k.region == s.region {
			all = append(all, keyListEntry{KeyID: k.id, KeyArn: k.arn})
		}
	}
	s.mu.RUnlock()
	items, next, err := page(all, func(e keyListEntry) string { return e.KeyID }, &in)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []keyListEntry{}
	}
	return listKeysOutput{Keys: items, NextMarker: next, Truncated: next != ""}, nil
}

// mutateKey runs the common part of the key-management operations that
// take a key id or key ARN of the caller's own account: it resolves the
// key under the write lock, authorizes action, and calls change, which
// may change the record and returns the output and an undo function;
// then it persists. AWS managed keys cannot be changed: their policy
// denies every such action (AccessDeniedException); errManagedKey is the
// second line.
func (s *Service) mutateKey(q *request, keyID *string, action string, change func(k *keyRec) (any, func(), error)) (any, error) {
	return s.mutateKeyWith(q, keyID, action, q.context(), change)
}

// mutateKeyWith is mutateKey authorizing in the condition context ctx
// (an operation's own keys, such as TagResource's aws:RequestTag/KEY).
func (s *Service) mutateKeyWith(q *request, keyID *string, action string, ctx *Context, change func(k *keyRec) (any, func(), error)) (any, error) {
	var v validation
	checkKeyID(&v, "keyId", keyID)
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, e := parseKeyRef(*keyID)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, e := s.resolveLocked(q.caller.Account, ref, resolveOpts{})
	if e != nil {
		return nil, e
	}
	if err := s.authorizeKey(q.caller, action, k.info(), ctx); err != nil {
		return nil, err
	}
	if k.manager == ManagerAWS {
		return nil, errManagedKey(k.arn)
	}
	out, undo, err := change(k)
	if err != nil {
		return nil, err
	}
	if undo == nil {
		return out, nil
	}
	if err := s.commitLocked(undo); err != nil {
		return nil, err
	}
	return out, nil
}

// saveFields returns an undo function restoring k's mutable fields. Slices
// (grants, tags) are replaced by the changes, never modified in place, so
// keeping them is enough.
func saveFields(k *keyRec) func() {
	state, deletion, window, doc, pol, grants := k.state, k.deletion, k.window, k.policyDoc, k.policy, k.grants
	description, tags := k.description, k.tags
	rotation, period, since := k.rotation, k.rotationPeriod, k.rotationSince
	return func() {
		k.state, k.deletion, k.window, k.policyDoc, k.policy, k.grants = state, deletion, window, doc, pol, grants
		k.description, k.tags = description, tags
		k.rotation, k.rotationPeriod, k.rotationSince = rotation, period, since
	}
}

func (s *Service) apiEnableKey(q *request) (any, error) {
	var in keyIDInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	return s.mutateKey(q, in.KeyID, "kms:EnableKey", func(k *keyRec) (any, func(), error) {
		if k.state == StatePendingDeletion {
			return nil, nil, keyPendingDeletion(k.arn)
		}
		if k.state == StateEnabled {
			return nil, nil, nil
		}
		undo := saveFields(k)
		k.state = StateEnabled
		return nil, undo, nil
	})
}

func (s *Service) apiDisableKey(q *request) (any, error) {
	var in keyIDInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	return s.mutateKey(q, in.KeyID, "kms:DisableKey", func(k *keyRec) (any, func(), error) {
		if k.state == StatePendingDeletion {
			return nil, nil, keyPendingDeletion(k.arn)
		}
		if k.state == StateDisabled {
			return nil, nil, nil
		}
		undo := saveFields(k)
		k.state = StateDisabled
		return nil, undo, nil
	})
}

type scheduleInput struct {
	KeyID               *string `json:"KeyId"`
	PendingWindowInDays *int    `json:"PendingWindowInDays"`
}

type scheduleOutput struct {
	KeyID               string   `json:"KeyId"`
	DeletionDate        epoch    `json:"DeletionDate"`
	KeyState            KeyState `json:"KeyState"`
	PendingWindowInDays int      `json:"PendingWindowInDays"`
}

func (s *Service) apiScheduleKeyDeletion(q *request) (any, error) {
	var in scheduleInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	v.intRange("pendingWindowInDays", in.PendingWindowInDays, 7, 30)
	if err := v.err(); err != nil {
		return nil, err
	}
	days := 30
	if in.PendingWindowInDays != nil {
		days = *in.PendingWindowInDays
	}
	return s.mutateKey(q, in.KeyID, "kms:ScheduleKeyDeletion", func(k *keyRec) (any, func(), error) {
		if k.state == StatePendingDeletion {
			return nil, nil, keyPendingDeletion(k.arn)
		}
		undo := saveFields(k)
		k.state = StatePendingDeletion
		k.deletion = q.now.Add(time.Duration(days) * 24 * time.Hour)
		k.window = days
		return scheduleOutput{KeyID: k.arn, DeletionDate: epoch(k.deletion), KeyState: k.state, PendingWindowInDays: days}, undo, nil
	})
}

type keyIDOutput struct {
	KeyID string `json:"KeyId"`
}

func (s *Service) apiCancelKeyDeletion(q *request) (any, error) {
	var in keyIDInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	return s.mutateKey(q, in.KeyID, "kms:CancelKeyDeletion", func(k *keyRec) (any, func(), error) {
		if k.state != StatePendingDeletion {
			return nil, nil, keyNotPendingDeletion(k.arn)
		}
		undo := saveFields(k)
		k.state, k.deletion, k.window = StateDisabled, time.Time{}, 0
		return keyIDOutput{KeyID: k.arn}, undo, nil
	})
}

type policyNameInput struct {
	KeyID      *string `json:"KeyId"`
	PolicyName *string `json:"PolicyName"`
}

type getKeyPolicyOutput struct {
	Policy     string `json:"Policy"`
	PolicyName string `json:"PolicyName"`
}

// checkPolicyName validates PolicyName: "default" is the only name a key
// policy has (the error for another name is UNCONFIRMED).
func checkPolicyName(v *validation, name *string) {
	v.length("policyName", name, 1, 128)
	if name != nil && *name != "" && !isWord(*name) {
		v.fail("policyName", name, `must satisfy regular expression pattern: [\w]+`)
	}
}

func isWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
			return false
		}
	}
	return true
}

func policyNotFound(name string) *awsapi.Error {
	return errNotFound.WithMessage("Policy " + name + " does not exist. The only key policy name is default.")
}

func (s *Service) apiGetKeyPolicy(q *request) (any, error) {
	var in policyNameInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	checkPolicyName(&v, in.PolicyName)
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, e := parseKeyRef(*in.KeyID)
	if e != nil {
		return nil, e
	}
	s.mu.RLock()
	k, e := s.resolveLocked(q.caller.Account, ref, resolveOpts{})
	var info *KeyInfo
	var doc string
	if e == nil {
		info, doc = k.info(), k.policyDoc
	}
	s.mu.RUnlock()
	if e != nil {
		return nil, e
	}
	if err := s.authorizeKey(q.caller, "kms:GetKeyPolicy", info, q.context()); err != nil {
		return nil, err
	}
	if in.PolicyName != nil && *in.PolicyName != "default" {
		return nil, policyNotFound(*in.PolicyName)
	}
	return getKeyPolicyOutput{Policy: doc, PolicyName: "default"}, nil
}

type putKeyPolicyInput struct {
	KeyID                          *string `json:"KeyId"`
	PolicyName                     *string `json:"PolicyName"`
	Policy                         *string `json:"Policy"`
	BypassPolicyLockoutSafetyCheck bool    `json:"BypassPolicyLockoutSafetyCheck"`
}

func (s *Service) apiPutKeyPolicy(q *request) (any, error) {
	var in putKeyPolicyInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	checkPolicyName(&v, in.PolicyName)
	v.required("policy", in.Policy != nil)
	v.length("policy", in.Policy, 1, 131072)
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.mutateKey(q, in.KeyID, "kms:PutKeyPolicy", func(k *keyRec) (any, func(), error) {
		if in.PolicyName != nil && *in.PolicyName != "default" {
			return nil, nil, policyNotFound(*in.PolicyName)
		}
		p, err := parseKeyPolicy(*in.Policy)
		if err != nil {
			return nil, nil, err
		}
		info := k.info()
		info.Policy = p
		if !in.BypassPolicyLockoutSafetyCheck {
			ctx := q.context()
			ctx.Set("kms:BypassPolicyLockoutSafetyCheck", "false")
			if err := s.lockoutCheck(q.caller, info, ctx); err != nil {
				return nil, nil, err
			}
		}
		undo := saveFields(k)
		k.policyDoc, k.policy = *in.Policy, p
		return nil, undo, nil
	})
}

type listKeyPoliciesInput struct {
	KeyID *string `json:"KeyId"`
	listInput
}

type listKeyPoliciesOutput struct {
	PolicyNames []string `json:"PolicyNames"`
	Truncated   bool     `json:"Truncated"`
}

func (s *Service) apiListKeyPolicies(q *request) (any, error) {
	var in listKeyPoliciesInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	in.validate(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	info, err := s.lookup(q.caller.Account, *in.KeyID, resolveOpts{})
	if err != nil {
		return nil, err
	}
	if err := s.authorizeKey(q.caller, "kms:ListKeyPolicies", info, q.context()); err != nil {
		return nil, err
	}
	if in.Marker != nil && *in.Marker != "default" {
		return nil, errInvalidMarker
	}
	return listKeyPoliciesOutput{PolicyNames: []string{"default"}}, nil
}
