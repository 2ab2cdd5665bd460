package iam

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const validCID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"

func TestParseAccountsFile(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantErr string // substring; "" = valid
		check   func(t *testing.T, specs []AccountSpec)
	}{
		{
			name: "valid",
			doc: `{"accounts":[
				{"id":"111122223333","name":"site","email":"ops@example.com","canonical_id":"` + validCID + `",
				 "access_keys":[{"id":"AKIASITE0000000000001","secret":"s1"},{"id":"AKIASITE0000000000002","secret":"s2"}]},
				{"id":"444455556666"}
			]}`,
			check: func(t *testing.T, specs []AccountSpec) {
				if len(specs) != 2 {
					t.Fatalf("got %d accounts", len(specs))
				}
				a := specs[0]
				if a.ID != "111122223333" || a.Name != "site" || a.Email != "ops@example.com" || a.CanonicalID != validCID || len(a.AccessKeys) != 2 || a.AccessKeys[1].Secret != "s2" {
					t.Errorf("account 0 = %+v", a)
				}
				if specs[1].ID != "444455556666" || specs[1].CanonicalID != "" {
					t.Errorf("account 1 = %+v", specs[1])
				}
			},
		},
		{name: "empty list", doc: `{"accounts":[]}`},
		{name: "unknown top-level field", doc: `{"accounts":[],"extra":1}`, wantErr: `top level: unknown field "extra" (known: accounts)`},
		{name: "unknown account field", doc: `{"accounts":[{"id":"111122223333","nmae":"x"}]}`, wantErr: `accounts[0]: unknown field "nmae"`},
		{name: "unknown key field", doc: `{"accounts":[{"id":"111122223333","access_keys":[{"id":"A","secrt":"x"}]}]}`, wantErr: `accounts[0].access_keys[0]: unknown field "secrt" (known: id, secret)`},
		{name: "repeated field", doc: `{"accounts":[{"id":"111122223333","id":"111122223334"}]}`, wantErr: `accounts[0]: field "id" appears twice`},
		{name: "duplicate account id", doc: `{"accounts":[{"id":"111122223333"},{"id":"111122223333"}]}`, wantErr: `accounts[1].id: account 111122223333 is listed twice (also accounts[0])`},
		{name: "duplicate key id across accounts", doc: `{"accounts":[{"id":"111122223333","access_keys":[{"id":"K1","secret":"a"}]},{"id":"444455556666","access_keys":[{"id":"K1","secret":"b"}]}]}`, wantErr: `accounts[1].access_keys[0].id: access key "K1" is already used by accounts[0].access_keys[0]`},
		{name: "short id", doc: `{"accounts":[{"id":"12345"}]}`, wantErr: `accounts[0].id: "12345" is not an account id (12 decimal digits)`},
		{name: "non-digit id", doc: `{"accounts":[{"id":"11112222333a"}]}`, wantErr: `accounts[0].id: "11112222333a" is not an account id`},
		{name: "numeric id", doc: `{"accounts":[{"id":111122223333}]}`, wantErr: `accounts[0].id: must be a string, not a number`},
		{name: "missing id", doc: `{"accounts":[{"name":"x"}]}`, wantErr: `accounts[0]: missing field "id"`},
		{name: "uppercase canonical id", doc: `{"accounts":[{"id":"111122223333","canonical_id":"` + strings.ToUpper(validCID) + `"}]}`, wantErr: `accounts[0].canonical_id: "79A59DF9`},
		{name: "short canonical id", doc: `{"accounts":[{"id":"111122223333","canonical_id":"abc"}]}`, wantErr: `is not a canonical user id (64 lowercase hex digits)`},
		{name: "duplicate canonical id", doc: `{"accounts":[{"id":"111122223333","canonical_id":"` + validCID + `"},{"id":"444455556666","canonical_id":"` + validCID + `"}]}`, wantErr: `accounts[1].canonical_id: ` + validCID + ` is also the canonical id of accounts[0]`},
		{name: "empty key id", doc: `{"accounts":[{"id":"111122223333","access_keys":[{"id":"","secret":"x"}]}]}`, wantErr: `accounts[0].access_keys[0].id: must not be empty`},
		{name: "slash in key id", doc: `{"accounts":[{"id":"111122223333","access_keys":[{"id":"a/b","secret":"x"}]}]}`, wantErr: `accounts[0].access_keys[0].id: "a/b" must not contain`},
		{name: "empty secret", doc: `{"accounts":[{"id":"111122223333","access_keys":[{"id":"K","secret":""}]}]}`, wantErr: `accounts[0].access_keys[0].secret: must not be empty`},
		{name: "missing secret", doc: `{"accounts":[{"id":"111122223333","access_keys":[{"id":"K"}]}]}`, wantErr: `accounts[0].access_keys[0]: missing field "secret"`},
		{name: "bad email", doc: `{"accounts":[{"id":"111122223333","email":"nobody"}]}`, wantErr: `accounts[0].email: "nobody" is not an e-mail address`},
		{name: "missing accounts", doc: `{}`, wantErr: `missing field "accounts"`},
		{name: "accounts not array", doc: `{"accounts":{}}`, wantErr: `accounts: must be a JSON array, not an object`},
		{name: "top level array", doc: `[]`, wantErr: `top level: must be a JSON object, not an array`},
		{name: "syntax error", doc: "{\"accounts\":[\n  {\"id\": }\n]}", wantErr: `line 2, column`},
		{name: "trailing data", doc: `{"accounts":[]} {}`, wantErr: `unexpected data after the top-level JSON value`},
		{name: "empty file", doc: ``, wantErr: `empty file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs, err := parseAccountsFile([]byte(tt.doc))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if tt.check != nil {
					tt.check(t, specs)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestLoadAccountsFileNamesFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if err := os.WriteFile(good, []byte(`{"accounts":[{"id":"111122223333","name":"site"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	specs, err := LoadAccountsFile(good)
	if err != nil || len(specs) != 1 || specs[0].Name != "site" {
		t.Fatalf("LoadAccountsFile = %+v, %v", specs, err)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"accounts":[{"id":"1"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadAccountsFile(bad)
	if err == nil || !strings.Contains(err.Error(), `accounts file "`+bad+`": accounts[0].id`) {
		t.Fatalf("error = %v", err)
	}
	_, err = LoadAccountsFile(filepath.Join(dir, "missing.json"))
	if err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("missing file error = %v", err)
	}
}

func TestDeriveCanonicalID(t *testing.T) {
	a, b := DeriveCanonicalID("111122223333"), DeriveCanonicalID("111122223333")
	if a != b || !isCanonicalID(a) {
		t.Fatalf("DeriveCanonicalID = %q, %q", a, b)
	}
	if DeriveCanonicalID("444455556666") == a {
		t.Fatal("different accounts got the same canonical id")
	}
}
