package kms

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
)

// Limits of the botocore model.
const (
	maxPlaintext  = 4096
	maxCiphertext = 6144
	maxDataKey    = 1024
)

// Call is who makes an in-process KMS call, and in what context. S3 fills
// one for every SSE-KMS operation.
type Call struct {
	// Caller is the principal KMS authorizes: for SSE-KMS the S3
	// requester, or the service principal cloudfront.amazonaws.com of an
	// origin-access-control request.
	Caller identity.Principal
	// Account is the account in which a bare key id or an alias name is
	// resolved; "" means Caller.Account. Key ARNs and alias ARNs name
	// their own account.
	Account string
	// ViaService sets kms:ViaService (and aws:ViaAWSService true): for S3
	// s.ViaService("s3") = "s3.REGION.amazonaws.com". "" for direct calls.
	ViaService string
	// Context supplies the caller's global condition keys, lowercased
	// (aws:SourceArn, aws:SourceAccount, aws:SourceIp,
	// aws:SecureTransport, aws:PrincipalArn, ...). When nil KMS sets the
	// aws:Principal* keys from Caller and the time keys from Time.
	Context policy.Context
	// Time is when the request arrived; zero means now.
	Time time.Time
}

// ViaService returns the kms:ViaService value of an AWS service calling
// KMS in this region: ViaService("s3") is "s3.us-east-1.amazonaws.com".
func (s *Service) ViaService(service string) string {
	return service + "." + s.region + ".amazonaws.com"
}

// conditionContext builds the condition context of an in-process call.
func (s *Service) conditionContext(c *Call) *Context {
	base := c.Context
	if m, ok := base.(policy.MapContext); ok && m == nil {
		base = nil
	}
	ctx := NewContext(base)
	if base == nil {
		t := c.Time
		if t.IsZero() {
			t = s.now()
		}
		m := policy.MapContext{
			"aws:currenttime": {t.UTC().Format(time.RFC3339)},
			"aws:epochtime":   {strconv.FormatInt(t.Unix(), 10)},
		}
		principalKeys(m, c.Caller)
		ctx.base = m
	}
	if c.Caller.Account != "" {
		ctx.Set("kms:CallerAccount", c.Caller.Account)
	}
	if c.ViaService != "" {
		ctx.Set("kms:ViaService", c.ViaService)
		ctx.Set("aws:ViaAWSService", "true")
	}
	return ctx
}

// CallContext returns the condition context KMS builds for an in-process
// call whose Context is nil: the time keys of t and the aws:Principal* keys
// of caller. A caller that has further keys to supply (aws:SourceArn of an
// origin request) adds them to the map and passes it as Call.Context.
func CallContext(caller identity.Principal, t time.Time) policy.MapContext {
	m := policy.MapContext{
		"aws:currenttime": {t.UTC().Format(time.RFC3339)},
		"aws:epochtime":   {strconv.FormatInt(t.Unix(), 10)},
	}
	principalKeys(m, caller)
	return m
}

func (c *Call) account() string {
	if c.Account != "" {
		return c.Account
	}
	return c.Caller.Account
}

// EncryptResult is the outcome of Encrypt.
type EncryptResult struct {
	CiphertextBlob []byte
	// KeyARN is the ARN of the key that encrypted (whatever form keyID
	// took).
	KeyARN string
}

// DecryptResult is the outcome of Decrypt.
type DecryptResult struct {
	Plaintext []byte
	KeyARN    string
}

// DataKey is the outcome of GenerateDataKey: a data key in plaintext and
// encrypted under the KMS key.
type DataKey struct {
	Plaintext      []byte
	CiphertextBlob []byte
	KeyARN         string
}

// Encrypt encrypts plaintext (1 to 4096 bytes) under the key keyID (key
// id, key ARN, alias name or alias ARN) with the encryption context ec,
// as c.Caller. Errors: *AccessDeniedError when kms:Encrypt is denied
// (with the trace); *awsapi.Error NotFoundException (unknown key or
// alias), DisabledException, KMSInvalidStateException (pending
// deletion), ValidationException (plaintext size).
func (s *Service) Encrypt(_ context.Context, c Call, keyID string, plaintext []byte, ec map[string]string) (EncryptResult, error) {
	if len(plaintext) == 0 || len(plaintext) > maxPlaintext {
		var v validation
		v.sensitive("plaintext", "must have length between 1 and 4096")
		return EncryptResult{}, v.err()
	}
	ctx := s.conditionContext(&c)
	blob, info, err := s.encrypt(c.Caller, c.account(), keyID, plaintext, ec, ctx, "kms:Encrypt", false)
	if err != nil {
		return EncryptResult{}, err
	}
	return EncryptResult{CiphertextBlob: blob, KeyARN: info.ARN}, nil
}

// Decrypt decrypts a ciphertext blob that Encrypt or GenerateDataKey
// produced, with the encryption context it was made with, as c.Caller.
// The key is found from the blob; keyID, when not "", must name the same
// key. Errors: *AccessDeniedError (kms:Decrypt denied, with the trace);
// *awsapi.Error InvalidCiphertextException (tampered or foreign blob,
// wrong encryption context), IncorrectKeyException (keyID names another
// key), NotFoundException (keyID unknown), DisabledException,
// KMSInvalidStateException.
func (s *Service) Decrypt(_ context.Context, c Call, ciphertext []byte, ec map[string]string, keyID string) (DecryptResult, error) {
	ctx := s.conditionContext(&c)
	pt, info, err := s.decrypt(c.Caller, c.account(), ciphertext, ec, keyID, ctx, "kms:Decrypt", false)
	if err != nil {
		return DecryptResult{}, err
	}
	return DecryptResult{Plaintext: pt, KeyARN: info.ARN}, nil
}

// GenerateDataKey returns a new random data key of numberOfBytes bytes
// (1 to 1024; S3 uses 32), in plaintext and encrypted under keyID with
// the encryption context ec, as c.Caller (kms:GenerateDataKey). Errors as
// for Encrypt.
func (s *Service) GenerateDataKey(_ context.Context, c Call, keyID string, ec map[string]string, numberOfBytes int) (DataKey, error) {
	if numberOfBytes < 1 || numberOfBytes > maxDataKey {
		n := strconv.Itoa(numberOfBytes)
		var v validation
		v.fail("numberOfBytes", &n, "must have value between 1 and 1024")
		return DataKey{}, v.err()
	}
	ctx := s.conditionContext(&c)
	dk, _, err := s.generateDataKey(c.Caller, c.account(), keyID, ec, numberOfBytes, ctx, "kms:GenerateDataKey", false)
	return dk, err
}

// useKey resolves keyID (any form, any account) for a cryptographic
// operation, authorizes action and checks that the key is enabled. It
// returns the key and its material.
func (s *Service) useKey(caller identity.Principal, account, keyID, action string, ctx *Context) (*KeyInfo, []byte, error) {
	o := resolveOpts{aliases: true, crossAccount: true}
	ref, e := parseKeyRef(keyID)
	if e != nil {
		return nil, nil, e
	}
	if err := s.prepareRef(account, ref, o); err != nil {
		return nil, nil, err
	}
	s.mu.RLock()
	k, e := s.resolveLocked(account, ref, o)
	var info *KeyInfo
	var material []byte
	if e == nil {
		info, material = k.info(), k.material
	}
	s.mu.RUnlock()
	if e != nil {
		return nil, nil, e
	}
	if ref.isAlias() {
		ctx.Set("kms:RequestAlias", ref.alias)
	}
	if err := s.authorizeKey(caller, action, info, ctx); err != nil {
		return nil, nil, err
	}
	if err := usable(info); err != nil {
		return nil, nil, err
	}
	return info, material, nil
}

// usable is the key-state check of the cryptographic operations.
func usable(k *KeyInfo) error {
	switch k.State {
	case StateDisabled:
		return keyDisabled(k.ARN)
	case StatePendingDeletion:
		return keyPendingDeletion(k.ARN)
	}
	return nil
}

func (s *Service) encrypt(caller identity.Principal, account, keyID string, plaintext []byte, ec map[string]string, ctx *Context, action string, dryRun bool) ([]byte, *KeyInfo, error) {
	ctx.SetEncryptionContext(ec)
	ctx.Set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
	info, material, err := s.useKey(caller, account, keyID, action, ctx)
	if err != nil {
		return nil, nil, err
	}
	if dryRun {
		return nil, nil, errDryRun
	}
	blob, err := encryptBlob(s.rand, info.ID, material, plaintext, ec)
	if err != nil {
		return nil, nil, err
	}
	return blob, info, nil
}

func (s *Service) generateDataKey(caller identity.Principal, account, keyID string, ec map[string]string, n int, ctx *Context, action string, dryRun bool) (DataKey, *KeyInfo, error) {
	ctx.SetEncryptionContext(ec)
	ctx.Set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
	info, material, err := s.useKey(caller, account, keyID, action, ctx)
	if err != nil {
		return DataKey{}, nil, err
	}
	if dryRun {
		return DataKey{}, nil, errDryRun
	}
	pt := make([]byte, n)
	if _, err := io.ReadFull(s.rand, pt); err != nil {
		return DataKey{}, nil, err
	}
	blob, err := encryptBlob(s.rand, info.ID, material, pt, ec)
	if err != nil {
		return DataKey{}, nil, err
	}
	return DataKey{Plaintext: pt, CiphertextBlob: blob, KeyARN: info.ARN}, info, nil
}

// decrypt opens a blob as caller: the blob names its key; keyID, when
// not "", must resolve to the same key.
func (s *Service) decrypt(caller identity.Principal, account string, blob []byte, ec map[string]string, keyID string, ctx *Context, action string, dryRun bool) ([]byte, *KeyInfo, error) {
	ctx.SetEncryptionContext(ec)
	ctx.Set("kms:EncryptionAlgorithm", "SYMMETRIC_DEFAULT")
	id, ok := blobKeyID(blob)
	if !ok {
		return nil, nil, errInvalidCiphertext
	}
	if keyID != "" {
		o := resolveOpts{aliases: true, crossAccount: true}
		ref, e := parseKeyRef(keyID)
		if e != nil {
			return nil, nil, e
		}
		if err := s.prepareRef(account, ref, o); err != nil {
			return nil, nil, err
		}
		s.mu.RLock()
		k, e := s.resolveLocked(account, ref, o)
		s.mu.RUnlock()
		if e != nil {
			return nil, nil, e
		}
		if k.id != id {
			return nil, nil, errIncorrectKey
		}
		if ref.isAlias() {
			ctx.Set("kms:RequestAlias", ref.alias)
		}
	}
	s.mu.RLock()
	k, ok := s.keys[id]
	var info *KeyInfo
	var material []byte
	if ok {
		info, material = k.info(), k.material
	}
	s.mu.RUnlock()
	if !ok {
		// The blob names no key this KMS has (deleted, or not a blob of
		// ours).
		return nil, nil, errInvalidCiphertext
	}
	if err := s.authorizeKey(caller, action, info, ctx); err != nil {
		return nil, nil, err
	}
	if err := usable(info); err != nil {
		return nil, nil, err
	}
	if dryRun {
		return nil, nil, errDryRun
	}
	pt, err := decryptBlob(material, blob, ec)
	if err != nil {
		return nil, nil, errInvalidCiphertext
	}
	return pt, info, nil
}

// checkAlgorithm accepts only SYMMETRIC_DEFAULT, the one algorithm of a
// symmetric key (the message for another valid algorithm is UNCONFIRMED).
func checkAlgorithm(alg *string) error {
	if alg != nil && *alg != "SYMMETRIC_DEFAULT" {
		return errInvalidKeyUsage.WithMessage("The request was rejected because the specified encryption algorithm " + *alg + " is not valid for a symmetric encryption KMS key.")
	}
	return nil
}

type encryptInput struct {
	KeyID               *string           `json:"KeyId"`
	Plaintext           []byte            `json:"Plaintext"`
	EncryptionContext   map[string]string `json:"EncryptionContext"`
	GrantTokens         []string          `json:"GrantTokens"`
	EncryptionAlgorithm *string           `json:"EncryptionAlgorithm"`
	DryRun              bool              `json:"DryRun"`
}

type encryptOutput struct {
	CiphertextBlob      []byte `json:"CiphertextBlob"`
	KeyID               string `json:"KeyId"`
	EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
}

func (s *Service) apiEncrypt(q *request) (any, error) {
	var in encryptInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	if in.Plaintext == nil {
		v.fail("plaintext", nil, "must not be null")
	} else if len(in.Plaintext) == 0 {
		v.sensitive("plaintext", "must have length greater than or equal to 1")
	} else if len(in.Plaintext) > maxPlaintext {
		v.sensitive("plaintext", "must have length less than or equal to 4096")
	}
	v.enum("encryptionAlgorithm", in.EncryptionAlgorithm, encryptionAlgorithms)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkAlgorithm(in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	blob, info, err := s.encrypt(q.caller, q.caller.Account, *in.KeyID, in.Plaintext, in.EncryptionContext, q.context(), "kms:Encrypt", in.DryRun)
	if err != nil {
		return nil, err
	}
	return encryptOutput{CiphertextBlob: blob, KeyID: info.ARN, EncryptionAlgorithm: "SYMMETRIC_DEFAULT"}, nil
}

type decryptInput struct {
	CiphertextBlob      []byte            `json:"CiphertextBlob"`
	EncryptionContext   map[string]string `json:"EncryptionContext"`
	GrantTokens         []string          `json:"GrantTokens"`
	KeyID               *string           `json:"KeyId"`
	EncryptionAlgorithm *string           `json:"EncryptionAlgorithm"`
	Recipient           json.RawMessage   `json:"Recipient"`
	DryRun              bool              `json:"DryRun"`
}

type decryptOutput struct {
	KeyID               string `json:"KeyId"`
	Plaintext           []byte `json:"Plaintext"`
	EncryptionAlgorithm string `json:"EncryptionAlgorithm"`
}

func checkCiphertext(v *validation, member string, blob []byte) {
	switch {
	case blob == nil:
		v.fail(member, nil, "must not be null")
	case len(blob) == 0:
		v.sensitive(member, "must have length greater than or equal to 1")
	case len(blob) > maxCiphertext:
		v.sensitive(member, "must have length less than or equal to 6144")
	}
}

func (s *Service) apiDecrypt(q *request) (any, error) {
	var in decryptInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkCiphertext(&v, "ciphertextBlob", in.CiphertextBlob)
	v.length("keyId", in.KeyID, 1, 2048)
	v.enum("encryptionAlgorithm", in.EncryptionAlgorithm, encryptionAlgorithms)
	if err := v.err(); err != nil {
		return nil, err
	}
	if len(in.Recipient) > 0 && string(in.Recipient) != "null" {
		return nil, errUnsupported.WithMessage("edgegate does not support Recipient (Nitro Enclaves attestation).")
	}
	if err := checkAlgorithm(in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	pt, info, err := s.decrypt(q.caller, q.caller.Account, in.CiphertextBlob, in.EncryptionContext, deref(in.KeyID, ""), q.context(), "kms:Decrypt", in.DryRun)
	if err != nil {
		return nil, err
	}
	return decryptOutput{KeyID: info.ARN, Plaintext: pt, EncryptionAlgorithm: "SYMMETRIC_DEFAULT"}, nil
}

type generateDataKeyInput struct {
	KeyID             *string           `json:"KeyId"`
	EncryptionContext map[string]string `json:"EncryptionContext"`
	NumberOfBytes     *int              `json:"NumberOfBytes"`
	KeySpec           *string           `json:"KeySpec"`
	GrantTokens       []string          `json:"GrantTokens"`
	Recipient         json.RawMessage   `json:"Recipient"`
	DryRun            bool              `json:"DryRun"`
}

type generateDataKeyOutput struct {
	CiphertextBlob []byte `json:"CiphertextBlob"`
	Plaintext      []byte `json:"Plaintext,omitempty"`
	KeyID          string `json:"KeyId"`
}

// dataKeySize validates KeySpec / NumberOfBytes (exactly one).
func (in *generateDataKeyInput) dataKeySize() (int, error) {
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	v.intRange("numberOfBytes", in.NumberOfBytes, 1, maxDataKey)
	v.enum("keySpec", in.KeySpec, []string{"AES_256", "AES_128"})
	if err := v.err(); err != nil {
		return 0, err
	}
	if (in.NumberOfBytes == nil) == (in.KeySpec == nil) {
		return 0, errValidation.WithMessage("Please specify either number of bytes or key spec.")
	}
	if len(in.Recipient) > 0 && string(in.Recipient) != "null" {
		return 0, errUnsupported.WithMessage("edgegate does not support Recipient (Nitro Enclaves attestation).")
	}
	if in.NumberOfBytes != nil {
		return *in.NumberOfBytes, nil
	}
	if *in.KeySpec == "AES_128" {
		return 16, nil
	}
	return 32, nil
}

func (s *Service) apiGenerateDataKey(q *request) (any, error) {
	return s.apiDataKey(q, "kms:GenerateDataKey", true)
}

func (s *Service) apiGenerateDataKeyWithoutPlaintext(q *request) (any, error) {
	return s.apiDataKey(q, "kms:GenerateDataKeyWithoutPlaintext", false)
}

func (s *Service) apiDataKey(q *request, action string, withPlaintext bool) (any, error) {
	var in generateDataKeyInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	n, err := in.dataKeySize()
	if err != nil {
		return nil, err
	}
	ctx := q.context()
	if in.KeySpec != nil {
		ctx.Set("kms:DataKeyKeySpec", *in.KeySpec)
	}
	dk, info, err := s.generateDataKey(q.caller, q.caller.Account, *in.KeyID, in.EncryptionContext, n, ctx, action, in.DryRun)
	if err != nil {
		return nil, err
	}
	out := generateDataKeyOutput{CiphertextBlob: dk.CiphertextBlob, KeyID: info.ARN}
	if withPlaintext {
		out.Plaintext = dk.Plaintext
	}
	return out, nil
}

type reEncryptInput struct {
	CiphertextBlob                 []byte            `json:"CiphertextBlob"`
	SourceEncryptionContext        map[string]string `json:"SourceEncryptionContext"`
	SourceKeyID                    *string           `json:"SourceKeyId"`
	DestinationKeyID               *string           `json:"DestinationKeyId"`
	DestinationEncryptionContext   map[string]string `json:"DestinationEncryptionContext"`
	SourceEncryptionAlgorithm      *string           `json:"SourceEncryptionAlgorithm"`
	DestinationEncryptionAlgorithm *string           `json:"DestinationEncryptionAlgorithm"`
	GrantTokens                    []string          `json:"GrantTokens"`
	DryRun                         bool              `json:"DryRun"`
}

type reEncryptOutput struct {
	CiphertextBlob                 []byte `json:"CiphertextBlob"`
	SourceKeyID                    string `json:"SourceKeyId"`
	KeyID                          string `json:"KeyId"`
	SourceEncryptionAlgorithm      string `json:"SourceEncryptionAlgorithm"`
	DestinationEncryptionAlgorithm string `json:"DestinationEncryptionAlgorithm"`
}

// apiReEncrypt decrypts under the source key (kms:ReEncryptFrom) and
// encrypts under the destination key (kms:ReEncryptTo); the plaintext
// never leaves the service.
func (s *Service) apiReEncrypt(q *request) (any, error) {
	var in reEncryptInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkCiphertext(&v, "ciphertextBlob", in.CiphertextBlob)
	checkKeyID(&v, "destinationKeyId", in.DestinationKeyID)
	v.length("sourceKeyId", in.SourceKeyID, 1, 2048)
	v.enum("sourceEncryptionAlgorithm", in.SourceEncryptionAlgorithm, encryptionAlgorithms)
	v.enum("destinationEncryptionAlgorithm", in.DestinationEncryptionAlgorithm, encryptionAlgorithms)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkAlgorithm(in.SourceEncryptionAlgorithm); err != nil {
		return nil, err
	}
	if err := checkAlgorithm(in.DestinationEncryptionAlgorithm); err != nil {
		return nil, err
	}
	pt, src, err := s.decrypt(q.caller, q.caller.Account, in.CiphertextBlob, in.SourceEncryptionContext, deref(in.SourceKeyID, ""), q.context(), "kms:ReEncryptFrom", false)
	if err != nil {
		return nil, err
	}
	defer clear(pt)
	blob, dst, err := s.encrypt(q.caller, q.caller.Account, *in.DestinationKeyID, pt, in.DestinationEncryptionContext, q.context(), "kms:ReEncryptTo", in.DryRun)
	if err != nil {
		return nil, err
	}
	return reEncryptOutput{CiphertextBlob: blob, SourceKeyID: src.ARN, KeyID: dst.ARN,
		SourceEncryptionAlgorithm: "SYMMETRIC_DEFAULT", DestinationEncryptionAlgorithm: "SYMMETRIC_DEFAULT"}, nil
}
