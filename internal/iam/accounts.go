package iam

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// DefaultAccountID is the account that exists unless turned off.
const DefaultAccountID = "000000000000"

// The default account's name (also its S3 display name) and root key.
const (
	DefaultAccountName = "default"
	DefaultAccessKeyID = "test"
	DefaultSecretKey   = "test"
)

// AccountsFile is the document --accounts names:
//
//	{"accounts":[{"id":"111122223333","name":"site","email":"ops@example.com",
//	  "canonical_id":"(optional, 64 lowercase hex)",
//	  "access_keys":[{"id":"AKIA...","secret":"..."}]}]}
//
// Decoding is strict: unknown or repeated fields are errors.
type AccountsFile struct {
	Accounts []AccountSpec `json:"accounts"`
}

// AccountSpec configures one account.
type AccountSpec struct {
	// ID is the 12-digit account id. Required.
	ID string `json:"id"`
	// Name is the account's name and its S3 display name; when empty the
	// account id is used.
	Name string `json:"name,omitempty"`
	// Email is informational (S3 ACL e-mail grantees may name it).
	Email string `json:"email,omitempty"`
	// CanonicalID is the S3 canonical user id: 64 lowercase hex digits.
	// When empty it is DeriveCanonicalID(ID).
	CanonicalID string `json:"canonical_id,omitempty"`
	// AccessKeys are the root user's access keys.
	AccessKeys []AccessKeySpec `json:"access_keys,omitempty"`
}

// AccessKeySpec is one root access key of a configured account.
type AccessKeySpec struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
}

// DeriveCanonicalID returns the canonical user id edgegate gives an account
// whose configuration names none: the hex SHA-256 of a fixed prefix and the
// account id. It is stable, 64 lowercase hex digits, like S3's.
func DeriveCanonicalID(accountID string) string {
	sum := sha256.Sum256([]byte("edgegate canonical user id\x00" + accountID))
	return hex.EncodeToString(sum[:])
}

// LoadAccountsFile reads and validates an accounts file. Errors name the
// file and the offending field, e.g.
//
//	accounts file "a.json": accounts[1].access_keys[0]: unknown field "secrt" (known: id, secret)
//
// The file is valid when it is one JSON object with an "accounts" array;
// every id is 12 digits and unique; every canonical_id, when given, is 64
// lowercase hex digits and unique; access key ids are unique across all
// accounts, and every key has a non-empty id and secret.
func LoadAccountsFile(path string) ([]AccountSpec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("accounts file: %w", err)
	}
	specs, err := parseAccountsFile(data)
	if err != nil {
		return nil, fmt.Errorf("accounts file %q: %w", path, err)
	}
	return specs, nil
}

// parseAccountsFile decodes and validates the document in data.
func parseAccountsFile(data []byte) ([]AccountSpec, error) {
	top, err := topLevelValue(data)
	if err != nil {
		return nil, err
	}
	var f AccountsFile
	sawAccounts := false
	err = decodeObject(top, "", fields{
		"accounts": func(p string, raw []byte) error {
			sawAccounts = true
			return decodeArray(raw, p, func(p string, raw []byte) error {
				var a AccountSpec
				if err := decodeAccount(raw, p, &a); err != nil {
					return err
				}
				f.Accounts = append(f.Accounts, a)
				return nil
			})
		},
	})
	if err != nil {
		return nil, err
	}
	if !sawAccounts {
		return nil, fmt.Errorf(`missing field "accounts" (the file must be {"accounts":[...]})`)
	}
	if err := validateSpecs(f.Accounts); err != nil {
		return nil, err
	}
	return f.Accounts, nil
}

func decodeAccount(raw []byte, path string, a *AccountSpec) error {
	seenID := false
	err := decodeObject(raw, path, fields{
		"id":           func(p string, raw []byte) error { seenID = true; return decodeString(raw, p, &a.ID) },
		"name":         func(p string, raw []byte) error { return decodeString(raw, p, &a.Name) },
		"email":        func(p string, raw []byte) error { return decodeString(raw, p, &a.Email) },
		"canonical_id": func(p string, raw []byte) error { return decodeString(raw, p, &a.CanonicalID) },
		"access_keys": func(p string, raw []byte) error {
			return decodeArray(raw, p, func(p string, raw []byte) error {
				var k AccessKeySpec
				seen := map[string]bool{}
				err := decodeObject(raw, p, fields{
					"id":     func(q string, raw []byte) error { seen["id"] = true; return decodeString(raw, q, &k.ID) },
					"secret": func(q string, raw []byte) error { seen["secret"] = true; return decodeString(raw, q, &k.Secret) },
				})
				if err != nil {
					return err
				}
				for _, f := range []string{"id", "secret"} {
					if !seen[f] {
						return fmt.Errorf("%s: missing field %q", p, f)
					}
				}
				a.AccessKeys = append(a.AccessKeys, k)
				return nil
			})
		},
	})
	if err != nil {
		return err
	}
	if !seenID {
		return fmt.Errorf(`%s: missing field "id"`, path)
	}
	return nil
}

// validateSpecs checks a list of account specs on its own (LoadAccountsFile
// and NewRegistry both call it). Field paths in errors are relative to the
// accounts file: accounts[i].field.
func validateSpecs(specs []AccountSpec) error {
	ids := map[string]int{}
	cids := map[string]string{}
	keys := map[string]string{}
	for i, a := range specs {
		p := fmt.Sprintf("accounts[%d]", i)
		if !isAccountID(a.ID) {
			return fmt.Errorf("%s.id: %q is not an account id (12 decimal digits)", p, a.ID)
		}
		if j, dup := ids[a.ID]; dup {
			return fmt.Errorf("%s.id: account %s is listed twice (also accounts[%d])", p, a.ID, j)
		}
		ids[a.ID] = i
		if len(a.Name) > 256 || hasControl(a.Name) {
			return fmt.Errorf("%s.name: must be at most 256 printable characters", p)
		}
		if a.Email != "" && !looksLikeEmail(a.Email) {
			return fmt.Errorf("%s.email: %q is not an e-mail address", p, a.Email)
		}
		cid := a.CanonicalID
		if cid != "" {
			if !isCanonicalID(cid) {
				return fmt.Errorf("%s.canonical_id: %q is not a canonical user id (64 lowercase hex digits)", p, cid)
			}
		} else {
			cid = DeriveCanonicalID(a.ID)
		}
		if other, dup := cids[cid]; dup {
			return fmt.Errorf("%s.canonical_id: %s is also the canonical id of %s", p, cid, other)
		}
		cids[cid] = p
		for j, k := range a.AccessKeys {
			kp := fmt.Sprintf("%s.access_keys[%d]", p, j)
			if err := checkKeyID(k.ID); err != nil {
				return fmt.Errorf("%s.id: %v", kp, err)
			}
			if k.Secret == "" {
				return fmt.Errorf("%s.secret: must not be empty", kp)
			}
			if hasControl(k.Secret) || strings.ContainsAny(k.Secret, " \t") {
				return fmt.Errorf("%s.secret: must not contain spaces or control characters", kp)
			}
			if other, dup := keys[k.ID]; dup {
				return fmt.Errorf("%s.id: access key %q is already used by %s", kp, k.ID, other)
			}
			keys[k.ID] = kp
		}
	}
	return nil
}

// checkKeyID accepts any non-empty access key id that can travel in a SigV4
// credential scope (Credential=ID/date/region/service/aws4_request).
func checkKeyID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("must not be empty")
	case len(id) > 128:
		return fmt.Errorf("must be at most 128 characters")
	case hasControl(id) || strings.ContainsAny(id, " \t/,="):
		return fmt.Errorf("%q must not contain spaces, control characters, '/', ',' or '='", id)
	}
	return nil
}

func isAccountID(s string) bool {
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

func isCanonicalID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func looksLikeEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && strings.Count(s, "@") == 1 && !hasControl(s) && !strings.ContainsAny(s, " \t")
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}
