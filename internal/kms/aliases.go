package kms

import (
	"cmp"
	"slices"
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// aliasPrefix starts every alias name; aliasAWSPrefix the reserved names
// of AWS managed keys.
const (
	aliasPrefix    = "alias/"
	aliasAWSPrefix = "alias/aws/"
)

func sortedAliases(m map[aliasKey]*aliasRec) []*aliasRec {
	out := make([]*aliasRec, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b *aliasRec) int {
		return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.region, b.region), cmp.Compare(a.name, b.name))
	})
	return out
}

// checkAliasName validates an AliasName member: the model's pattern
// first (ValidationException), then KMS's own rules: the alias/ prefix,
// no colon, and (for new aliases) not the reserved alias/aws/ prefix.
func checkAliasName(name *string, creating bool) error {
	var v validation
	v.required("aliasName", name != nil)
	v.length("aliasName", name, 1, 256)
	if name != nil && *name != "" && !validAliasChars(*name, true) {
		v.fail("aliasName", name, "must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
	}
	if err := v.err(); err != nil {
		return err
	}
	n := *name
	if !strings.HasPrefix(n, aliasPrefix) {
		return errValidation.WithMessage(`Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	}
	if len(n) == len(aliasPrefix) || !validAliasChars(n, false) {
		return errValidation.WithMessage(n + " contains invalid characters for an alias")
	}
	if creating && strings.HasPrefix(n, aliasAWSPrefix) {
		return errInvalidAliasName.WithMessage("Alias names that begin with alias/aws/ are reserved for AWS managed keys.")
	}
	return nil
}

func validAliasChars(s string, colon bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '_' || c == '-' || colon && c == ':') {
			return false
		}
	}
	return true
}

type createAliasInput struct {
	AliasName   *string `json:"AliasName"`
	TargetKeyID *string `json:"TargetKeyId"`
}

func (s *Service) apiCreateAlias(q *request) (any, error) {
	var in createAliasInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	checkKeyID(&v, "targetKeyId", in.TargetKeyID)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := checkAliasName(in.AliasName, true); err != nil {
		return nil, err
	}
	ref, e := parseKeyRef(*in.TargetKeyID)
	if e != nil {
		return nil, e
	}
	account, name := q.caller.Account, *in.AliasName
	aARN := aliasARN(s.region, account, name)
	s.mu.Lock()
	defer s.mu.Unlock()
	k, e := s.resolveLocked(account, ref, resolveOpts{})
	if e != nil {
		return nil, e
	}
	ctx := q.context()
	if err := s.authorizeIdentity(q.caller, "kms:CreateAlias", aARN, ctx); err != nil {
		return nil, err
	}
	if err := s.authorizeKey(q.caller, "kms:CreateAlias", k.info(), ctx); err != nil {
		return nil, err
	}
	if k.manager == ManagerAWS {
		return nil, errManagedKey(k.arn)
	}
	if k.state == StatePendingDeletion {
		return nil, keyPendingDeletion(k.arn)
	}
	ak := aliasKey{account, s.region, name}
	if _, exists := s.aliases[ak]; exists {
		return nil, errAlreadyExists.WithMessage("An alias with the name " + aARN + " already exists")
	}
	s.aliases[ak] = &aliasRec{account: account, region: s.region, name: name, target: k.id, created: q.now, updated: q.now}
	if err := s.commitLocked(func() { delete(s.aliases, ak) }); err != nil {
		return nil, err
	}
	return nil, nil
}

type deleteAliasInput struct {
	AliasName *string `json:"AliasName"`
}

func (s *Service) apiDeleteAlias(q *request) (any, error) {
	var in deleteAliasInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	if err := checkAliasName(in.AliasName, false); err != nil {
		return nil, err
	}
	account, name := q.caller.Account, *in.AliasName
	aARN := aliasARN(s.region, account, name)
	ak := aliasKey{account, s.region, name}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.aliases[ak]
	if !ok {
		return nil, aliasNotFound(aARN)
	}
	k, ok := s.keys[a.target]
	if !ok {
		return nil, aliasNotFound(aARN)
	}
	ctx := q.context()
	if err := s.authorizeIdentity(q.caller, "kms:DeleteAlias", aARN, ctx); err != nil {
		return nil, err
	}
	if err := s.authorizeKey(q.caller, "kms:DeleteAlias", k.info(), ctx); err != nil {
		return nil, err
	}
	if k.manager == ManagerAWS {
		return nil, errManagedKey(k.arn)
	}
	delete(s.aliases, ak)
	if err := s.commitLocked(func() { s.aliases[ak] = a }); err != nil {
		return nil, err
	}
	return nil, nil
}

type listAliasesInput struct {
	KeyID *string `json:"KeyId"`
	listInput
}

type aliasListEntry struct {
	AliasName       string `json:"AliasName"`
	AliasArn        string `json:"AliasArn"`
	TargetKeyID     string `json:"TargetKeyId"`
	CreationDate    epoch  `json:"CreationDate"`
	LastUpdatedDate epoch  `json:"LastUpdatedDate"`
}

type listAliasesOutput struct {
	Aliases    []aliasListEntry `json:"Aliases"`
	NextMarker string           `json:"NextMarker,omitempty"`
	Truncated  bool             `json:"Truncated"`
}

func (s *Service) apiListAliases(q *request) (any, error) {
	var in listAliasesInput
	if err := q.decode(&in); err != nil {
		return nil, err
	}
	var v validation
	v.length("keyId", in.KeyID, 1, 2048)
	in.validate(&v)
	if err := v.err(); err != nil {
		return nil, err
	}
	if err := s.authorizeIdentity(q.caller, "kms:ListAliases", "*", q.context()); err != nil {
		return nil, err
	}
	account := q.caller.Account
	var ref keyRef
	if in.KeyID != nil {
		var e *awsapi.Error
		if ref, e = parseKeyRef(*in.KeyID); e != nil {
			return nil, e
		}
	}
	s.mu.RLock()
	target := ""
	if in.KeyID != nil {
		k, e := s.resolveLocked(account, ref, resolveOpts{})
		if e != nil {
			s.mu.RUnlock()
			return nil, e
		}
		target = k.id
	}
	var all []aliasListEntry
	for _, a := range sortedAliases(s.aliases) {
		if a.account != account || a.region != s.region || target != "" && a.target != target {
			continue
		}
		all = append(all, aliasListEntry{AliasName: a.name, AliasArn: a.arn(), TargetKeyID: a.target,
			CreationDate: epoch(a.created), LastUpdatedDate: epoch(a.updated)})
	}
	s.mu.RUnlock()
	items, next, err := page(all, func(e aliasListEntry) string { return e.AliasName }, &in.listInput)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []aliasListEntry{}
	}
	return listAliasesOutput{Aliases: items, NextMarker: next, Truncated: next != ""}, nil
}
