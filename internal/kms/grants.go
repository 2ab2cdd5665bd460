package kms

import (
	"encoding/base64"
	"encoding/hex"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// grantOperations is the GrantOperation enumeration; symmetricGrantOps
// the operations a grant on a symmetric encryption key may list.
var (
	grantOperations = []string{"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom",
		"ReEncryptTo", "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey", "GenerateDataKeyPair",
		"GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac", "DeriveSharedSecret"}
	symmetricGrantOps = []string{"Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom",
		"ReEncryptTo", "CreateGrant", "RetireGrant", "DescribeKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"}
)

func validPrincipalID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("_+=,.@:/-", c) >= 0) {
			return false
		}
	}
	return true
}

type grantConstraints struct {
	EncryptionContextSubset map[string]string `json:"EncryptionContextSubset,omitempty"`
	EncryptionContextEquals map[string]string `json:"EncryptionContextEquals,omitempty"`
}

type createGrantInput struct {
	KeyID             *string           `json:"KeyId"`
	GranteePrincipal  *string           `json:"GranteePrincipal"`
	RetiringPrincipal *string           `json:"RetiringPrincipal"`
	Operations        []string          `json:"Operations"`
	Constraints       *grantConstraints `json:"Constraints"`
	GrantTokens       []string          `json:"GrantTokens"`
	Name              *string           `json:"Name"`
	DryRun            bool              `json:"DryRun"`
}

type createGrantOutput struct {
	GrantToken string `json:"GrantToken"`
	GrantID    string `json:"GrantId"`
}

func (in *createGrantInput) validate() error {
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	v.required("granteePrincipal", in.GranteePrincipal != nil)
	v.length("granteePrincipal", in.GranteePrincipal, 1, 256)
	if in.GranteePrincipal != nil && !validPrincipalID(*in.GranteePrincipal) {
		v.fail("granteePrincipal", in.GranteePrincipal, `must satisfy regular expression pattern: ^[\w+=,.@:/-]+$`)
	}
	v.length("retiringPrincipal", in.RetiringPrincipal, 1, 256)
	if in.RetiringPrincipal != nil && !validPrincipalID(*in.RetiringPrincipal) {
		v.fail("retiringPrincipal", in.RetiringPrincipal, `must satisfy regular expression pattern: ^[\w+=,.@:/-]+$`)
	}
	v.required("operations", in.Operations != nil)
	for i := range in.Operations {
		v.enum("operations."+strconv.Itoa(i+1)+".member", &in.Operations[i], grantOperations)
	}
	v.length("name", in.Name, 1, 256)
	if in.Name != nil && *in.Name != "" && !validAliasChars(*in.Name, true) {
		v.fail("name", in.Name, "must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
	}
	if err := v.err(); err != nil {
		return err
	}
	if len(in.Operations) == 0 {
		return errValidation.WithMessage("Grant operations must not be empty.")
	}
	for _, op := range in.Operations {
		if !slices.Contains(symmetricGrantOps, op) {
			return errValidation.WithMessage("Grant operation " + op + " is not valid for a symmetric encryption KMS key.")
		}
	}
	if in.Constraints != nil && in.Constraints.EncryptionContextEquals != nil && in.Constraints.EncryptionContextSubset != nil {
		return errValidation.WithMessage("You cannot specify both EncryptionContextEquals and EncryptionContextSubset in the same grant constraint.")
	}
	return nil
}

// sameGrant reports whether g was created with the same parameters (the
// idempotence of CreateGrant with a Name).
func sameGrant(g *Grant, in *createGrantInput) bool {
	var sub, eq map[string]string
	if in.Constraints != nil {
		sub, eq = in.Constraints.EncryptionContextSubset, in.Constraints.EncryptionContextEquals
	}
	return g.Name == *in.Name && g.Grantee == *in.GranteePrincipal && g.Retiring == deref(in.RetiringPrincipal, "") &&
		slices.Equal(g.Operations, in.Operations) && maps.Equal(g.EncryptionContextSubset, sub) && maps.Equal(g.EncryptionContextEquals, eq)
}

func (s *Service) apiCreateGrant(q *request) (any, error) {
	var in createGrantInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	ref, e := parseKeyRef(*in.KeyID)
	if e != nil {
		return nil, e
	}
	ctx := q.context()
	ctx.Set("kms:GranteePrincipal", *in.GranteePrincipal)
	if in.RetiringPrincipal != nil {
		ctx.Set("kms:RetiringPrincipal", *in.RetiringPrincipal)
	}
	ctx.Set("kms:GrantOperations", in.Operations...)
	ctx.Set("kms:GrantIsForAWSResource", "false")
	if in.Constraints != nil {
		var types []string
		if in.Constraints.EncryptionContextSubset != nil {
			types = append(types, "EncryptionContextSubset")
		}
		if in.Constraints.EncryptionContextEquals != nil {
			types = append(types, "EncryptionContextEquals")
		}
		ctx.Set("kms:GrantConstraintType", types...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, e := s.resolveLocked(q.caller.Account, ref, resolveOpts{crossAccount: true})
	if e != nil {
		return nil, e
	}
	info := k.info()
	if err := s.authorizeKey(q.caller, "kms:CreateGrant", info, ctx); err != nil {
		return nil, err
	}
	if err := usable(info); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, errDryRun
	}
	if in.Name != nil {
		for i := range k.grants {
			if sameGrant(&k.grants[i], &in) {
				return createGrantOutput{GrantToken: k.grants[i].Token, GrantID: k.grants[i].ID}, nil
			}
		}
	}
	var raw [32]byte
	if _, err := io.ReadFull(s.rand, raw[:]); err != nil {
		return nil, err
	}
	var tok [48]byte
	if _, err := io.ReadFull(s.rand, tok[:]); err != nil {
		return nil, err
	}
	g := Grant{
		ID: hex.EncodeToString(raw[:]), Name: deref(in.Name, ""), Grantee: *in.GranteePrincipal,
		Retiring: deref(in.RetiringPrincipal, ""), IssuingAccount: rootARN(q.caller.Account),
		Operations: slices.Clone(in.Operations), Created: q.now,
		Token: base64.RawURLEncoding.EncodeToString(tok[:]),
	}
	if in.Constraints != nil {
		g.EncryptionContextSubset = in.Constraints.EncryptionContextSubset
		g.EncryptionContextEquals = in.Constraints.EncryptionContextEquals
	}
	undo := saveFields(k)
	k.grants = append(slices.Clip(k.grants), g)
	if err := s.commitLocked(undo); err != nil {
		return nil, err
	}
	return createGrantOutput{GrantToken: g.Token, GrantID: g.ID}, nil
}

type listGrantsInput struct {
	KeyID            *string `json:"KeyId"`
	GrantID          *string `json:"GrantId"`
	GranteePrincipal *string `json:"GranteePrincipal"`
	listInput
}

type grantListEntry struct {
	KeyID             string            `json:"KeyId"`
	GrantID           string            `json:"GrantId"`
	Name              string            `json:"Name,omitempty"`
	CreationDate      epoch             `json:"CreationDate"`
	GranteePrincipal  string            `json:"GranteePrincipal"`
	RetiringPrincipal string            `json:"RetiringPrincipal,omitempty"`
	IssuingAccount    string            `json:"IssuingAccount"`
	Operations        []string          `json:"Operations"`
	Constraints       *grantConstraints `json:"Constraints,omitempty"`
}

type listGrantsOutput struct {
	Grants     []grantListEntry `json:"Grants"`
	NextMarker string           `json:"NextMarker,omitempty"`
	Truncated  bool             `json:"Truncated"`
}

func (s *Service) apiListGrants(q *request) (any, error) {
	var in listGrantsInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	v.length("grantId", in.GrantID, 1, 128)
	v.length("granteePrincipal", in.GranteePrincipal, 1, 256)
	in.validate(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	info, err := s.lookup(q.caller.Account, *in.KeyID, resolveOpts{crossAccount: true})
	if err != nil {
		return nil, err
	}
	if err := s.authorizeKey(q.caller, "kms:ListGrants", info, q.context()); err != nil {
		return nil, err
	}
	var all []grantListEntry
	for _, g := range info.Grants {
		if in.GrantID != nil && g.ID != *in.GrantID || in.GranteePrincipal != nil && g.Grantee != *in.GranteePrincipal {
			continue
		}
		e := grantListEntry{KeyID: info.ARN, GrantID: g.ID, Name: g.Name, CreationDate: epoch(g.Created),
			GranteePrincipal: g.Grantee, RetiringPrincipal: g.Retiring, IssuingAccount: g.IssuingAccount, Operations: g.Operations}
		if g.EncryptionContextSubset != nil || g.EncryptionContextEquals != nil {
			e.Constraints = &grantConstraints{EncryptionContextSubset: g.EncryptionContextSubset, EncryptionContextEquals: g.EncryptionContextEquals}
		}
		all = append(all, e)
	}
	items, next, err := page(all, func(e grantListEntry) string { return e.GrantID }, &in.listInput)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []grantListEntry{}
	}
	return listGrantsOutput{Grants: items, NextMarker: next, Truncated: next != ""}, nil
}

type revokeGrantInput struct {
	KeyID   *string `json:"KeyId"`
	GrantID *string `json:"GrantId"`
	DryRun  bool    `json:"DryRun"`
}

func (s *Service) apiRevokeGrant(q *request) (any, error) {
	var in revokeGrantInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "keyId", in.KeyID)
	v.required("grantId", in.GrantID != nil)
	v.length("grantId", in.GrantID, 1, 128)
	if err := v.err(); err != nil {
		return nil, err
	}
	ref, e := parseKeyRef(*in.KeyID)
	if e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, e := s.resolveLocked(q.caller.Account, ref, resolveOpts{crossAccount: true})
	if e != nil {
		return nil, e
	}
	if err := s.authorizeKey(q.caller, "kms:RevokeGrant", k.info(), q.context()); err != nil {
		return nil, err
	}
	i := slices.IndexFunc(k.grants, func(g Grant) bool { return g.ID == *in.GrantID })
	if i < 0 {
		if !isHex64(*in.GrantID) {
			return nil, errInvalidGrantID.WithMessage("Invalid grant ID " + *in.GrantID)
		}
		return nil, errNotFound.WithMessage("Grant ID " + *in.GrantID + " not found")
	}
	if in.DryRun {
		return nil, errDryRun
	}
	undo := saveFields(k)
	k.grants = slices.Delete(slices.Clone(k.grants), i, i+1)
	if err := s.commitLocked(undo); err != nil {
		return nil, err
	}
	return nil, nil
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}
