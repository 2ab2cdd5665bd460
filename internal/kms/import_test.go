package kms

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	impID  = "1234abcd-12ab-34cd-56ef-1234567890ab"
	impID2 = "0000abcd-12ab-34cd-56ef-1234567890ab"
)

func TestImportKey(t *testing.T) {
	when := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	cases := []struct {
		name    string
		in      ImportedKey
		wantErr string
		check   func(t *testing.T, s *Service, k *KeyInfo)
	}{
		{name: "customer key with its policy", in: ImportedKey{ID: impID, Account: "111122223333", Region: "eu-west-1", Description: "d", Created: when,
			Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`},
			check: func(t *testing.T, s *Service, k *KeyInfo) {
				if k.ARN != "arn:aws:kms:eu-west-1:111122223333:key/"+impID || k.State != StateEnabled || k.Manager != ManagerCustomer || !k.Created.Equal(when) {
					t.Errorf("key %+v", k)
				}
			}},
		{name: "default policy when none", in: ImportedKey{ID: impID, Account: "111122223333"},
			check: func(t *testing.T, s *Service, k *KeyInfo) {
				if len(k.Policy.Statements()) == 0 {
					t.Error("no default policy")
				}
			}},
		{name: "AWS managed key answers alias/aws/s3", in: ImportedKey{ID: impID, Account: "111122223333", Manager: ManagerAWS},
			check: func(t *testing.T, s *Service, k *KeyInfo) {
				got, err := s.GetOrCreateManagedKey("111122223333", "s3")
				if err != nil || got.ID != impID {
					t.Errorf("aws/s3 is %+v, %v; want the imported key", got, err)
				}
			}},
		{name: "disabled", in: ImportedKey{ID: impID, Account: "111122223333", State: StateDisabled},
			check: func(t *testing.T, s *Service, k *KeyInfo) {
				_, err := s.Encrypt(context.Background(), Call{Caller: rootOf("111122223333")}, impID, []byte("x"), nil)
				if err == nil || !strings.Contains(err.Error(), "disabled") {
					t.Errorf("Encrypt with a disabled key: %v", err)
				}
			}},
		{name: "pending deletion needs its date", in: ImportedKey{ID: impID, Account: "111122223333", State: StatePendingDeletion}, wantErr: "DeletionDate"},
		{name: "pending deletion", in: ImportedKey{ID: impID, Account: "111122223333", State: StatePendingDeletion, DeletionDate: time.Now().Add(48 * time.Hour)}},
		{name: "bad id", in: ImportedKey{ID: "nope", Account: "111122223333"}, wantErr: "not a key id"},
		{name: "bad account", in: ImportedKey{ID: impID, Account: "12"}, wantErr: "not an account id"},
		{name: "unmodelled state", in: ImportedKey{ID: impID, Account: "111122223333", State: "PendingImport"}, wantErr: "not modelled"},
		{name: "bad manager", in: ImportedKey{ID: impID, Account: "111122223333", Manager: "ME"}, wantErr: "KeyManager"},
		{name: "policy KMS refuses", in: ImportedKey{ID: impID, Account: "111122223333", Policy: `{"Statement":[{"Effect":"Allow"}]}`}, wantErr: "MalformedPolicyDocument"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestService(t, fakeIdentities{})
			k, err := s.ImportKey(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ImportKey: %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.check != nil {
				tc.check(t, s, k)
			}
			if _, err := s.ImportKey(tc.in); err == nil || !strings.Contains(err.Error(), "already exists") {
				t.Errorf("a second import of the id: %v", err)
			}
		})
	}
}

// TestImportDataKey: a data key sealed without authorization opens with
// Decrypt, which authorizes: the key policy still decides.
func TestImportDataKey(t *testing.T) {
	s := newTestService(t, fakeIdentities{})
	if _, err := s.ImportKey(ImportedKey{ID: impID, Account: "111122223333", State: StateDisabled,
		Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`}); err != nil {
		t.Fatal(err)
	}
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::b/k"}
	dk, err := s.ImportDataKey("arn:aws:kms:us-east-1:111122223333:key/"+impID, ec, 32)
	if err != nil {
		t.Fatal(err) // a disabled key still seals: AWS sealed it before it was disabled
	}
	_, err = s.Decrypt(context.Background(), Call{Caller: rootOf("111122223333")}, dk.CiphertextBlob, ec, "")
	var ae interface{ Error() string }
	if err == nil || !errors.As(err, &ae) || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("Decrypt under the disabled key: %v", err)
	}
	for _, ref := range []string{"alias/aws/s3", impID2, "arn:aws:kms:eu-west-1:111122223333:key/" + impID, "arn:aws:kms:us-east-1:999999999999:key/" + impID} {
		if _, err := s.ImportDataKey(ref, ec, 32); err == nil {
			t.Errorf("ImportDataKey(%s): no error", ref)
		}
	}
}
