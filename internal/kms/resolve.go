package kms

import (
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// refKind is the form a key identifier takes.
type refKind uint8

const (
	refKeyID     refKind = iota + 1 // 1234abcd-12ab-34cd-56ef-1234567890ab
	refKeyARN                       // arn:aws:kms:REGION:ACCT:key/ID
	refAliasName                    // alias/NAME
	refAliasARN                     // arn:aws:kms:REGION:ACCT:alias/NAME
)

// keyRef is a parsed key identifier.
type keyRef struct {
	kind            refKind
	raw             string
	account, region string // from an ARN
	id              string // key id (refKeyID, refKeyARN)
	alias           string // alias/NAME (refAliasName, refAliasARN)
}

func (r keyRef) isAlias() bool { return r.kind == refAliasName || r.kind == refAliasARN }

// parseKeyRef classifies a KeyId parameter. A malformed ARN is
// InvalidArnException, anything else unrecognizable NotFoundException
// "Invalid keyId" (both wordings UNCONFIRMED).
func parseKeyRef(s string) (keyRef, *awsapi.Error) {
	r := keyRef{raw: s}
	switch {
	case isKeyID(s):
		r.kind, r.id = refKeyID, s
	case strings.HasPrefix(s, "alias/"):
		r.kind, r.alias = refAliasName, s
	case strings.HasPrefix(s, "arn:"):
		a, ok := awsapi.ParseARN(s)
		if !ok || a.Service != "kms" || !isAccount(a.Account) || a.Region == "" {
			return r, errInvalidArn.WithMessage("Invalid arn " + s)
		}
		r.account, r.region = a.Account, a.Region
		switch {
		case strings.HasPrefix(a.Resource, "key/"):
			r.kind, r.id = refKeyARN, a.Resource[len("key/"):]
			if !isKeyID(r.id) {
				return r, errInvalidArn.WithMessage("Invalid arn " + s)
			}
		case strings.HasPrefix(a.Resource, "alias/"):
			r.kind, r.alias = refAliasARN, a.Resource
		default:
			return r, errInvalidArn.WithMessage("Invalid arn " + s)
		}
	default:
		return r, invalidKeyID(s)
	}
	return r, nil
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// resolveOpts says which identifier forms an operation accepts.
type resolveOpts struct {
	// aliases: the operation accepts alias names and alias ARNs
	// (DescribeKey and the cryptographic operations); the others accept
	// only key ids and key ARNs.
	aliases bool
	// crossAccount: the operation may use a key of another account, named
	// by its key ARN or alias ARN (AWS's "Cross-account use: Yes");
	// otherwise an ARN of another account names nothing.
	crossAccount bool
}

// resolveLocked finds the key ref names, relative to account (the
// caller's). The caller holds the lock (read or write).
func (s *Service) resolveLocked(account string, r keyRef, o resolveOpts) (*keyRec, *awsapi.Error) {
	region, owner := s.region, account
	if r.kind == refKeyARN || r.kind == refAliasARN {
		region, owner = r.region, r.account
		if owner != account && !o.crossAccount {
			if r.kind == refKeyARN {
				return nil, keyNotFound(r.raw)
			}
			return nil, aliasNotFound(r.raw)
		}
	}
	if r.isAlias() {
		if !o.aliases {
			return nil, invalidKeyID(r.raw)
		}
		a, ok := s.aliases[aliasKey{owner, region, r.alias}]
		if !ok {
			return nil, aliasNotFound(aliasARN(region, owner, r.alias))
		}
		k, ok := s.keys[a.target]
		if !ok {
			return nil, aliasNotFound(aliasARN(region, owner, r.alias))
		}
		return k, nil
	}
	arn := keyARN(region, owner, r.id)
	k, ok := s.keys[r.id]
	if !ok || k.account != owner || k.region != region {
		return nil, keyNotFound(arn)
	}
	return k, nil
}

// prepareRef creates the AWS managed key an alias like alias/aws/s3
// names, on its first use, as AWS does (only in the caller's own
// account). It takes the write lock only when the key must be created.
func (s *Service) prepareRef(account string, r keyRef, o resolveOpts) error {
	if !r.isAlias() || !o.aliases {
		return nil
	}
	owner, region := account, s.region
	if r.kind == refAliasARN {
		owner, region = r.account, r.region
	}
	svc, ok := managedServiceForAlias(r.alias)
	if !ok || region != s.region || owner != account {
		return nil
	}
	_, err := s.ensureManagedKey(owner, svc)
	return err
}
