package kms

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// openAt opens a service on dir with a clock the test controls.
func openAt(t *testing.T, dir string, now *time.Time) *Service {
	t.Helper()
	s, err := Open(Config{Dir: dir, Identities: fakeIdentities{}, Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPersistenceAcrossRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kms")
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	s := openAt(t, dir, &now)
	root, bob := rootOf(acctA), userOf(acctA, "bob")
	pol := keyPolicy(stmt("Allow", `{"AWS":"arn:aws:iam::`+acctA+`:root"}`, "kms:*", ""))
	id := createKey(t, s, root, pol, false)
	mustAPI(t, s, root, "CreateAlias", map[string]any{"AliasName": "alias/keep", "TargetKeyId": id})
	ec := map[string]string{"k": "v"}
	ct := mustAPI(t, s, root, "Encrypt", map[string]any{"KeyId": id, "Plaintext": b64([]byte("persist me")), "EncryptionContext": ec}).str("CiphertextBlob")
	gid := mustAPI(t, s, root, "CreateGrant", map[string]any{"KeyId": id, "GranteePrincipal": bob.ARN, "Operations": []string{"Decrypt"}}).str("GrantId")
	disabled := createKey(t, s, root, "", false)
	mustAPI(t, s, root, "DisableKey", map[string]any{"KeyId": disabled})
	pending := createKey(t, s, root, "", false)
	mustAPI(t, s, root, "ScheduleKeyDeletion", map[string]any{"KeyId": pending, "PendingWindowInDays": 7})
	managed := mustAPI(t, s, root, "DescribeKey", map[string]any{"KeyId": "alias/aws/s3"}).str("KeyMetadata", "KeyId")

	// A restart within the window keeps everything.
	now = now.Add(24 * time.Hour)
	s2 := openAt(t, dir, &now)
	if got := mustAPI(t, s2, root, "Decrypt", map[string]any{"CiphertextBlob": ct, "EncryptionContext": ec}).str("Plaintext"); got != b64([]byte("persist me")) {
		t.Errorf("decrypt after restart: %q", got)
	}
	if got := mustAPI(t, s2, root, "GetKeyPolicy", map[string]any{"KeyId": id}).str("Policy"); got != pol {
		t.Errorf("policy after restart: %s", got)
	}
	if got := mustAPI(t, s2, root, "DescribeKey", map[string]any{"KeyId": "alias/keep"}).str("KeyMetadata", "KeyId"); got != id {
		t.Errorf("alias after restart: %s", got)
	}
	if got := mustAPI(t, s2, root, "DescribeKey", map[string]any{"KeyId": disabled}).str("KeyMetadata", "KeyState"); got != "Disabled" {
		t.Errorf("disabled key after restart: %s", got)
	}
	if got := mustAPI(t, s2, root, "DescribeKey", map[string]any{"KeyId": pending}).str("KeyMetadata", "KeyState"); got != "PendingDeletion" {
		t.Errorf("pending key after restart: %s", got)
	}
	if got := mustAPI(t, s2, root, "DescribeKey", map[string]any{"KeyId": "alias/aws/s3"}).str("KeyMetadata", "KeyId"); got != managed {
		t.Errorf("aws/s3 after restart: %s, was %s", got, managed)
	}
	if g := mustAPI(t, s2, root, "ListGrants", map[string]any{"KeyId": id}).body["Grants"].([]any); len(g) != 1 || g[0].(map[string]any)["GrantId"] != gid {
		t.Errorf("grants after restart: %v", g)
	}
	mustAPI(t, s2, bob, "Decrypt", map[string]any{"CiphertextBlob": ct, "EncryptionContext": ec})
	if n := len(mustAPI(t, s2, root, "ListKeys", nil).body["Keys"].([]any)); n != 4 {
		t.Errorf("%d keys after restart, want 4", n)
	}

	// After the deletion date, the start deletes the key.
	now = now.Add(7 * 24 * time.Hour)
	s3 := openAt(t, dir, &now)
	if r := api(t, s3, root, "DescribeKey", map[string]any{"KeyId": pending}); r.code != "NotFoundException" {
		t.Errorf("key past its deletion date: %d %s", r.status, r.code)
	}
	if n := len(mustAPI(t, s3, root, "ListKeys", nil).body["Keys"].([]any)); n != 3 {
		t.Errorf("%d keys after the purge, want 3", n)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "."+stateFile+".*.tmp")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// TestNoPlaintextKeyMaterialOnDisk greps every file of the state
// directory for each key's material, raw and in the usual encodings.
func TestNoPlaintextKeyMaterialOnDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "kms")
	now := time.Now()
	s := openAt(t, dir, &now)
	root := rootOf(acctA)
	for i := 0; i < 5; i++ {
		createKey(t, s, root, "", false)
	}
	mustAPI(t, s, root, "DescribeKey", map[string]any{"KeyId": "alias/aws/s3"})
	s.mu.RLock()
	var materials [][]byte
	for _, k := range s.keys {
		materials = append(materials, bytes.Clone(k.material))
	}
	s.mu.RUnlock()
	if len(materials) != 6 {
		t.Fatalf("%d keys", len(materials))
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 2 {
		t.Errorf("files: %v", files)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range materials {
			for _, enc := range [][]byte{m, []byte(base64.StdEncoding.EncodeToString(m)), []byte(hex.EncodeToString(m)),
				[]byte(base64.RawURLEncoding.EncodeToString(m)), m[:16], m[16:]} {
				if bytes.Contains(data, enc) {
					t.Errorf("%s holds key material (%d bytes of it)", f, len(enc))
				}
			}
		}
	}
	st, err := os.Stat(filepath.Join(dir, stateFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("keys.json mode: %v %v", st.Mode(), err)
	}
	st, err = os.Stat(filepath.Join(dir, masterKeyFile))
	if err != nil || st.Mode().Perm() != 0o600 || st.Size() != 32 {
		t.Errorf("master.key: %v %v", st, err)
	}
	st, _ = os.Stat(dir)
	if st.Mode().Perm() != 0o700 {
		t.Errorf("kms dir mode %v", st.Mode())
	}
}

func TestOpenRefusals(t *testing.T) {
	now := time.Now()
	newDir := func() string {
		dir := filepath.Join(t.TempDir(), "kms")
		s := openAt(t, dir, &now)
		createKey(t, s, rootOf(acctA), "", false)
		return dir
	}
	open := func(dir string) error {
		_, err := Open(Config{Dir: dir})
		return err
	}

	dir := newDir()
	if err := os.Chmod(filepath.Join(dir, masterKeyFile), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := open(dir); err == nil || !strings.Contains(err.Error(), "accessible to group or other") {
		t.Errorf("group-readable master key: %v", err)
	}
	os.Chmod(filepath.Join(dir, masterKeyFile), 0o604)
	if err := open(dir); err == nil {
		t.Error("other-readable master key accepted")
	}
	os.Chmod(filepath.Join(dir, masterKeyFile), 0o400)
	if err := open(dir); err != nil {
		t.Errorf("0400 master key refused: %v", err)
	}

	dir = newDir()
	os.Remove(filepath.Join(dir, masterKeyFile))
	if err := open(dir); err == nil || !strings.Contains(err.Error(), "restore the master key") {
		t.Errorf("missing master key with keys present: %v", err)
	}

	dir = newDir()
	other := make([]byte, 32)
	other[0] = 1
	os.WriteFile(filepath.Join(dir, masterKeyFile), other, 0o600)
	if err := open(dir); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Errorf("wrong master key: %v", err)
	}

	dir = newDir()
	os.WriteFile(filepath.Join(dir, masterKeyFile), []byte("short"), 0o600)
	if err := open(dir); err == nil || !strings.Contains(err.Error(), "exactly 32 bytes") {
		t.Errorf("short master key: %v", err)
	}

	dir = newDir()
	path := filepath.Join(dir, stateFile)
	data, _ := os.ReadFile(path)
	data = bytes.Replace(data, []byte(`\"Effect\" : \"Allow\"`), []byte(`\"Effect\" : \"Maybe\"`), 1)
	os.WriteFile(path, data, 0o600)
	if err := open(dir); err == nil || !strings.Contains(err.Error(), "no longer parses") {
		t.Errorf("broken stored policy: %v", err)
	}

	// A key record moved to another ARN does not open: the seal binds it.
	dir = newDir()
	path = filepath.Join(dir, stateFile)
	data, _ = os.ReadFile(path)
	data = bytes.Replace(data, []byte(`"account": "`+acctA+`"`), []byte(`"account": "`+acctB+`"`), 1)
	os.WriteFile(path, data, 0o600)
	if err := open(dir); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Errorf("record moved to another account: %v", err)
	}
}
