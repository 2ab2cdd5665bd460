package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/edgegate/edgegate/internal/testenv"
)

// kmsCode returns an error's API error code ("" if none).
func kmsCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func kmsClient(env *testenv.Env, akid, secret string) *kms.Client {
	cfg := env.Config(akid, secret)
	cfg.RetryMaxAttempts = 1
	return kms.NewFromConfig(cfg)
}

// kmsUser creates an IAM user with an access key and an inline policy.
func kmsUser(t *testing.T, root *iam.Client, name, policyDoc string) (string, string) {
	t.Helper()
	bg := context.Background()
	if _, err := root.CreateUser(bg, &iam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if policyDoc != "" {
		if _, err := root.PutUserPolicy(bg, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("kms"), PolicyDocument: aws.String(policyDoc)}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := root.CreateAccessKey(bg, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return *k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey
}

// TestKMSEndToEnd drives the KMS API with the aws-sdk-go-v2 client:
// keys, aliases, encryption, key states, paging, persistence, and the
// key policy's delegation to IAM.
func TestKMSEndToEnd(t *testing.T) {
	bg := context.Background()
	dir := t.TempDir()
	env := testenv.Start(t, testenv.Options{DataDir: dir})
	c := kmsClient(env, "test", "test")

	pol := `{"Version":"2012-10-17","Id":"e2e","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"kms:*","Resource":"*"}]}`
	ck, err := c.CreateKey(bg, &kms.CreateKeyInput{Policy: aws.String(pol), Description: aws.String("e2e key")})
	if err != nil {
		t.Fatal(err)
	}
	md := ck.KeyMetadata
	keyID := *md.KeyId
	arn := "arn:aws:kms:us-east-1:000000000000:key/" + keyID
	if *md.Arn != arn || *md.AWSAccountId != "000000000000" || md.KeyState != types.KeyStateEnabled || !md.Enabled ||
		md.KeyManager != types.KeyManagerTypeCustomer || md.KeySpec != types.KeySpecSymmetricDefault || md.CreationDate == nil {
		t.Fatalf("CreateKey metadata: %+v", md)
	}
	gp, err := c.GetKeyPolicy(bg, &kms.GetKeyPolicyInput{KeyId: aws.String(keyID), PolicyName: aws.String("default")})
	if err != nil || *gp.Policy != pol {
		t.Fatalf("GetKeyPolicy: %v %v", gp, err)
	}
	if _, err := c.CreateAlias(bg, &kms.CreateAliasInput{AliasName: aws.String("alias/e2e"), TargetKeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeKey(bg, &kms.DescribeKeyInput{KeyId: aws.String("alias/e2e")})
	if err != nil || *d.KeyMetadata.KeyId != keyID || *d.KeyMetadata.Description != "e2e key" {
		t.Fatalf("DescribeKey by alias: %v %v", d, err)
	}

	// Encryption with a context; the wrong context fails.
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/object", "team": "web"}
	enc, err := c.Encrypt(bg, &kms.EncryptInput{KeyId: aws.String("alias/e2e"), Plaintext: []byte("top secret"), EncryptionContext: ec})
	if err != nil || *enc.KeyId != arn {
		t.Fatalf("Encrypt: %v %v", enc, err)
	}
	dec, err := c.Decrypt(bg, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
	if err != nil || string(dec.Plaintext) != "top secret" || *dec.KeyId != arn {
		t.Fatalf("Decrypt: %v %v", dec, err)
	}
	_, err = c.Decrypt(bg, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"team": "web"}})
	var ice *types.InvalidCiphertextException
	if !errors.As(err, &ice) {
		t.Errorf("wrong context: %v", err)
	}
	dk, err := c.GenerateDataKey(bg, &kms.GenerateDataKeyInput{KeyId: aws.String(keyID), KeySpec: types.DataKeySpecAes256, EncryptionContext: ec})
	if err != nil || len(dk.Plaintext) != 32 {
		t.Fatalf("GenerateDataKey: %v", err)
	}
	if got, err := c.Decrypt(bg, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ec, KeyId: aws.String(arn)}); err != nil || !bytes.Equal(got.Plaintext, dk.Plaintext) {
		t.Fatalf("decrypt data key: %v", err)
	}
	if _, err := c.Decrypt(bg, &kms.DecryptInput{CiphertextBlob: []byte("garbage ciphertext blob, not ours at all")}); !errors.As(err, &ice) {
		t.Errorf("garbage: %v", err)
	}
	if _, err := c.DescribeKey(bg, &kms.DescribeKeyInput{KeyId: aws.String("alias/missing")}); kmsCode(err) != "NotFoundException" {
		t.Errorf("unknown alias: %v", err)
	}

	// Key states.
	if _, err := c.DisableKey(bg, &kms.DisableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	var de *types.DisabledException
	if _, err := c.Encrypt(bg, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("x")}); !errors.As(err, &de) || !strings.Contains(apiMessage(err), arn+" is disabled.") {
		t.Errorf("disabled: %v", err)
	}
	if _, err := c.EnableKey(bg, &kms.EnableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	sk, err := c.ScheduleKeyDeletion(bg, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(keyID), PendingWindowInDays: aws.Int32(7)})
	if err != nil || sk.KeyState != types.KeyStatePendingDeletion || *sk.PendingWindowInDays != 7 || sk.DeletionDate == nil {
		t.Fatalf("ScheduleKeyDeletion: %v %v", sk, err)
	}
	var ise *types.KMSInvalidStateException
	if _, err := c.Decrypt(bg, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}); !errors.As(err, &ise) || !strings.Contains(apiMessage(err), "is pending deletion.") {
		t.Errorf("pending deletion: %v", err)
	}
	if _, err := c.CancelKeyDeletion(bg, &kms.CancelKeyDeletionInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}
	if d, _ := c.DescribeKey(bg, &kms.DescribeKeyInput{KeyId: aws.String(keyID)}); d.KeyMetadata.KeyState != types.KeyStateDisabled {
		t.Errorf("after cancel: %s", d.KeyMetadata.KeyState)
	}
	if _, err := c.EnableKey(bg, &kms.EnableKeyInput{KeyId: aws.String(keyID)}); err != nil {
		t.Fatal(err)
	}

	// Paging with the SDK's paginators.
	for i := 0; i < 3; i++ {
		k, err := c.CreateKey(bg, &kms.CreateKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateAlias(bg, &kms.CreateAliasInput{AliasName: aws.String("alias/page-" + string(rune('a'+i))), TargetKeyId: k.KeyMetadata.KeyId}); err != nil {
			t.Fatal(err)
		}
	}
	var keys, pages int
	for p := kms.NewListKeysPaginator(c, &kms.ListKeysInput{Limit: aws.Int32(1)}); p.HasMorePages(); pages++ {
		out, err := p.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		keys += len(out.Keys)
	}
	if keys != 4 || pages != 4 {
		t.Errorf("ListKeys: %d keys in %d pages", keys, pages)
	}
	var aliases []string
	for p := kms.NewListAliasesPaginator(c, &kms.ListAliasesInput{Limit: aws.Int32(2)}); p.HasMorePages(); {
		out, err := p.NextPage(bg)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.Aliases {
			aliases = append(aliases, *a.AliasName)
		}
	}
	if strings.Join(aliases, ",") != "alias/e2e,alias/page-a,alias/page-b,alias/page-c" {
		t.Errorf("ListAliases: %v", aliases)
	}

	// Authentication failures in KMS's spelling.
	if _, err := kmsClient(env, "test", "wrong").ListKeys(bg, &kms.ListKeysInput{}); kmsCode(err) != "InvalidSignatureException" || apiStatus(err) != 400 {
		t.Errorf("wrong secret: %d %v", apiStatus(err), err)
	}
	if _, err := kmsClient(env, "AKIAUNKNOWN000000000", "x").ListKeys(bg, &kms.ListKeysInput{}); kmsCode(err) != "UnrecognizedClientException" {
		t.Errorf("unknown access key: %v", err)
	}

	// Persistence: a restart on the same data directory decrypts.
	if err := env.Stop(); err != nil {
		t.Fatal(err)
	}
	env = testenv.Start(t, testenv.Options{DataDir: dir})
	c = kmsClient(env, "test", "test")
	if dec, err := c.Decrypt(bg, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}); err != nil || string(dec.Plaintext) != "top secret" {
		t.Fatalf("decrypt after restart: %v", err)
	}
	// No file of the data directory holds a plaintext the API handed out.
	filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, _ := os.ReadFile(path)
		if bytes.Contains(data, dk.Plaintext) || bytes.Contains(data, []byte("top secret")) {
			t.Errorf("%s holds plaintext", path)
		}
		return nil
	})
	if st, err := os.Stat(filepath.Join(dir, "kms", "master.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("master.key: %v %v", st, err)
	}
}

// TestKMSKeyPolicyDelegation: an IAM user's identity policy counts only
// once the key policy delegates to the account.
func TestKMSKeyPolicyDelegation(t *testing.T) {
	bg := context.Background()
	env := testenv.Start(t, testenv.Options{})
	rootIAM := iam.NewFromConfig(env.Config("test", "test"))
	root := kmsClient(env, "test", "test")
	bobID, bobSecret := kmsUser(t, rootIAM, "bob", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}`)
	adminID, adminSecret := kmsUser(t, rootIAM, "keyadmin", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}`)
	bob, admin := kmsClient(env, bobID, bobSecret), kmsClient(env, adminID, adminSecret)

	adminOnly := `{"Version":"2012-10-17","Statement":[{"Sid":"Key administrator","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:user/keyadmin"},"Action":"kms:*","Resource":"*"}]}`
	if _, err := root.CreateKey(bg, &kms.CreateKeyInput{Policy: aws.String(adminOnly)}); kmsCode(err) != "MalformedPolicyDocumentException" ||
		apiMessage(err) != "The new key policy will not allow you to update the key policy in the future." {
		t.Fatalf("lockout check: %v", err)
	}
	ck, err := root.CreateKey(bg, &kms.CreateKeyInput{Policy: aws.String(adminOnly), BypassPolicyLockoutSafetyCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	keyID := *ck.KeyMetadata.KeyId
	arn := *ck.KeyMetadata.Arn

	// No delegation: bob's identity policy does not count.
	_, err = bob.Encrypt(bg, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("x")})
	want := "User: arn:aws:iam::000000000000:user/bob is not authorized to perform: kms:Encrypt on resource: " + arn +
		" because no resource-based policy allows the kms:Encrypt action"
	if kmsCode(err) != "AccessDeniedException" || apiMessage(err) != want || apiStatus(err) != 400 {
		t.Fatalf("bob before delegation: %d %s %q", apiStatus(err), kmsCode(err), apiMessage(err))
	}
	// The root user is not in the key policy either.
	if _, err := root.DescribeKey(bg, &kms.DescribeKeyInput{KeyId: aws.String(keyID)}); kmsCode(err) != "AccessDeniedException" {
		t.Errorf("root: %v", err)
	}

	// The key administrator delegates to the account (it passes the
	// lockout check through its own identity policy).
	delegate := `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"kms:*","Resource":"*"}]}`
	if _, err := admin.PutKeyPolicy(bg, &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), Policy: aws.String(delegate)}); err != nil {
		t.Fatal(err)
	}
	enc, err := bob.Encrypt(bg, &kms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("now allowed")})
	if err != nil {
		t.Fatalf("bob after delegation: %v", err)
	}
	if dec, err := bob.Decrypt(bg, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil || string(dec.Plaintext) != "now allowed" {
		t.Fatalf("bob decrypt: %v", err)
	}
	// Delegated, but bob's policy does not allow DescribeKey.
	_, err = bob.DescribeKey(bg, &kms.DescribeKeyInput{KeyId: aws.String(keyID)})
	if kmsCode(err) != "AccessDeniedException" || !strings.HasSuffix(apiMessage(err), "because no identity-based policy allows the kms:DescribeKey action") {
		t.Errorf("bob DescribeKey: %s %q", kmsCode(err), apiMessage(err))
	}
	// An explicit deny in the key policy beats bob's allow.
	deny := `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"kms:*","Resource":"*"},` +
		`{"Sid":"No bob","Effect":"Deny","Principal":{"AWS":"arn:aws:iam::000000000000:user/bob"},"Action":"kms:Decrypt","Resource":"*"}]}`
	if _, err := root.PutKeyPolicy(bg, &kms.PutKeyPolicyInput{KeyId: aws.String(keyID), Policy: aws.String(deny), PolicyName: aws.String("default")}); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.Decrypt(bg, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); !strings.HasSuffix(apiMessage(err), "with an explicit deny in a resource-based policy") {
		t.Errorf("bob under a Deny: %q", apiMessage(err))
	}
	// Grants: a grant lets a user without any permission decrypt.
	carolID, carolSecret := kmsUser(t, rootIAM, "carol", "")
	carol := kmsClient(env, carolID, carolSecret)
	if _, err := carol.Decrypt(bg, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); kmsCode(err) != "AccessDeniedException" {
		t.Fatalf("carol before the grant: %v", err)
	}
	g, err := root.CreateGrant(bg, &kms.CreateGrantInput{KeyId: aws.String(keyID), GranteePrincipal: aws.String("arn:aws:iam::000000000000:user/carol"),
		Operations: []types.GrantOperation{types.GrantOperationDecrypt}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := carol.Decrypt(bg, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); err != nil {
		t.Errorf("carol with the grant: %v", err)
	}
	lg, err := root.ListGrants(bg, &kms.ListGrantsInput{KeyId: aws.String(keyID)})
	if err != nil || len(lg.Grants) != 1 || *lg.Grants[0].GrantId != *g.GrantId {
		t.Errorf("ListGrants: %v %v", lg, err)
	}
	if _, err := root.RevokeGrant(bg, &kms.RevokeGrantInput{KeyId: aws.String(keyID), GrantId: g.GrantId}); err != nil {
		t.Fatal(err)
	}
	if _, err := carol.Decrypt(bg, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob}); kmsCode(err) != "AccessDeniedException" {
		t.Errorf("carol after the revocation: %v", err)
	}
}

// TestKMSWithCLI runs the aws CLI against the server: create-key,
// encrypt --plaintext fileb://, decrypt.
func TestKMSWithCLI(t *testing.T) {
	env := testenv.Start(t, testenv.Options{})
	cli := env.AWSCLI(t)
	dir := cli.Dir()
	run := func(args ...string) []byte {
		t.Helper()
		return cli.Run(nil, args...)
	}
	var ck struct{ KeyMetadata struct{ KeyId, Arn string } }
	if err := json.Unmarshal(run("kms", "create-key", "--description", "cli"), &ck); err != nil || ck.KeyMetadata.KeyId == "" {
		t.Fatalf("create-key: %v %+v", err, ck)
	}
	plain := []byte("bytes \x00\x01\x02 from a file")
	ptFile := filepath.Join(dir, "plain.bin")
	if err := os.WriteFile(ptFile, plain, 0o600); err != nil {
		t.Fatal(err)
	}
	var enc struct{ CiphertextBlob, KeyId string }
	if err := json.Unmarshal(run("kms", "encrypt", "--key-id", ck.KeyMetadata.KeyId, "--plaintext", "fileb://"+ptFile,
		"--encryption-context", "purpose=cli"), &enc); err != nil || enc.KeyId != ck.KeyMetadata.Arn {
		t.Fatalf("encrypt: %v %+v", err, enc)
	}
	blob, err := base64.StdEncoding.DecodeString(enc.CiphertextBlob)
	if err != nil {
		t.Fatal(err)
	}
	ctFile := filepath.Join(dir, "cipher.bin")
	if err := os.WriteFile(ctFile, blob, 0o600); err != nil {
		t.Fatal(err)
	}
	out := strings.TrimSpace(string(run("kms", "decrypt", "--ciphertext-blob", "fileb://"+ctFile, "--encryption-context", "purpose=cli",
		"--query", "Plaintext", "--output", "text")))
	got, err := base64.StdEncoding.DecodeString(out)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("decrypt: %q %v", out, err)
	}
}
