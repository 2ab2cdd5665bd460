package kms

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/policy"
)

// TestInProcessSSE is the SSE-KMS round trip S3 will make: a data key
// generated as the writer through S3 under aws/s3, decrypted as the
// reader, with the object ARN as encryption context.
func TestInProcessSSE(t *testing.T) {
	alice, bob := userOf(acctA, "alice"), userOf(acctA, "bob")
	s := newTestService(t, fakeIdentities{})
	ctx := context.Background()
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/key"}
	via := s.ViaService("s3")
	if via != "s3.us-east-1.amazonaws.com" {
		t.Fatalf("ViaService %q", via)
	}
	mk, err := s.GetOrCreateManagedKey(acctA, "s3")
	if err != nil {
		t.Fatal(err)
	}
	dk, err := s.GenerateDataKey(ctx, Call{Caller: alice, ViaService: via}, "", ec, 32)
	if err == nil {
		t.Fatal("empty key id accepted")
	}
	dk, err = s.GenerateDataKey(ctx, Call{Caller: alice, ViaService: via}, "alias/aws/s3", ec, 32)
	if err != nil {
		t.Fatal(err)
	}
	if dk.KeyARN != mk.ARN || len(dk.Plaintext) != 32 {
		t.Fatalf("data key %+v", dk)
	}
	got, err := s.Decrypt(ctx, Call{Caller: bob, ViaService: via}, dk.CiphertextBlob, ec, "")
	if err != nil || !bytes.Equal(got.Plaintext, dk.Plaintext) || got.KeyARN != mk.ARN {
		t.Fatalf("Decrypt: %+v %v", got, err)
	}
	// Not through S3: the aws/s3 key policy does not allow it.
	_, err = s.Decrypt(ctx, Call{Caller: bob}, dk.CiphertextBlob, ec, "")
	var ad *AccessDeniedError
	if !errors.As(err, &ad) {
		t.Fatalf("direct Decrypt under aws/s3: %v", err)
	}
	if ad.Trace == nil || ad.Resource != mk.ARN || ad.Action != "kms:Decrypt" || !strings.Contains(ad.Trace.String(), "kms:ViaService") {
		t.Errorf("denial %+v\n%s", ad, ad.Trace)
	}
	// Another object's ARN: the ciphertext does not open.
	_, err = s.Decrypt(ctx, Call{Caller: bob, ViaService: via}, dk.CiphertextBlob, map[string]string{"aws:s3:arn": "arn:aws:s3:::bucket/other"}, "")
	if ae, ok := err.(*awsapi.Error); !ok || ae.Code != "InvalidCiphertextException" {
		t.Errorf("wrong context: %v", err)
	}
	// Another account's requester gets another account's aws/s3 key.
	carol := userOf(acctB, "carol")
	dkB, err := s.GenerateDataKey(ctx, Call{Caller: carol, ViaService: via}, "alias/aws/s3", ec, 32)
	if err != nil || dkB.KeyARN == mk.ARN || !strings.Contains(dkB.KeyARN, acctB) {
		t.Fatalf("account B: %+v %v", dkB, err)
	}
	// ... and cannot decrypt A's objects (the key policy's CallerAccount).
	if _, err := s.Decrypt(ctx, Call{Caller: carol, ViaService: via}, dk.CiphertextBlob, ec, ""); !errors.As(err, &ad) {
		t.Errorf("cross-account decrypt under aws/s3: %v", err)
	}
}

// TestInProcessCloudFront: an OAC request reaches KMS as the CloudFront
// service principal with aws:SourceArn in the caller's context.
func TestInProcessCloudFront(t *testing.T) {
	s := newTestService(t, fakeIdentities{})
	ctx := context.Background()
	dist := "arn:aws:cloudfront::" + acctA + ":distribution/EDFDVBD6EXAMPLE"
	pol := keyPolicy(
		stmt("Allow", `{"AWS":"arn:aws:iam::`+acctA+`:root"}`, "kms:*", ""),
		stmt("Allow", `{"Service":"cloudfront.amazonaws.com"}`, "kms:Decrypt", `{"StringEquals":{"AWS:SourceArn":"`+dist+`"}}`))
	id := createKey(t, s, rootOf(acctA), pol, false)
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::site/index.html"}
	enc, err := s.Encrypt(ctx, Call{Caller: rootOf(acctA)}, id, []byte("<html>"), ec)
	if err != nil {
		t.Fatal(err)
	}
	base := policy.MapContext{"aws:sourcearn": {dist}, "aws:sourceaccount": {acctA}, "aws:principalservicename": {"cloudfront.amazonaws.com"}}
	out, err := s.Decrypt(ctx, Call{Caller: cloudfront, Account: acctA, ViaService: s.ViaService("s3"), Context: base}, enc.CiphertextBlob, ec, "")
	if err != nil || string(out.Plaintext) != "<html>" {
		t.Fatalf("OAC decrypt: %v", err)
	}
	other := policy.MapContext{"aws:sourcearn": {dist + "X"}}
	_, err = s.Decrypt(ctx, Call{Caller: cloudfront, Account: acctA, ViaService: s.ViaService("s3"), Context: other}, enc.CiphertextBlob, ec, "")
	var ad *AccessDeniedError
	if !errors.As(err, &ad) || ad.Decision.Reason != ReasonNoKeyPolicyAllow || ad.Principal != "cloudfront.amazonaws.com" {
		t.Fatalf("other distribution: %v", err)
	}
	// The explanation names the statement whose condition failed.
	if st := ad.Trace.KeyPolicy.Statements[1]; st.Applied || len(st.Conditions) != 1 || st.Conditions[0].Result {
		t.Errorf("trace of the OAC statement: %+v", st)
	}
}

// TestConcurrentUse runs key changes and cryptographic calls together
// (for the race detector).
func TestConcurrentUse(t *testing.T) {
	s := newTestService(t, fakeIdentities{})
	ctx := context.Background()
	root := rootOf(acctA)
	id := createKey(t, s, root, "", false)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 50; i++ {
			for _, c := range []struct {
				op   string
				body map[string]any
			}{
				{"CreateKey", nil},
				{"CreateGrant", map[string]any{"KeyId": id, "GranteePrincipal": userOf(acctA, "bob").ARN, "Operations": []string{"Decrypt"}}},
				{"PutKeyPolicy", map[string]any{"KeyId": id, "Policy": defaultKeyPolicy(acctA)}},
			} {
				if r := api(t, s, root, c.op, c.body); r.status != 200 {
					t.Errorf("%s: %s %s", c.op, r.code, r.msg)
					return
				}
			}
		}
	}()
	for i := 0; i < 200; i++ {
		dk, err := s.GenerateDataKey(ctx, Call{Caller: root}, id, nil, 32)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Decrypt(ctx, Call{Caller: userOf(acctA, "bob")}, dk.CiphertextBlob, nil, ""); err != nil {
			var ad *AccessDeniedError
			if !errors.As(err, &ad) {
				t.Fatal(err)
			}
		}
		if _, err := s.GenerateDataKey(ctx, Call{Caller: root}, "alias/aws/s3", nil, 32); err == nil {
			t.Fatal("root used aws/s3 directly")
		}
	}
	<-done
}

func TestInProcessErrors(t *testing.T) {
	s := newTestService(t, fakeIdentities{})
	ctx := context.Background()
	root := rootOf(acctA)
	k1 := createKey(t, s, root, "", false)
	k2 := createKey(t, s, root, "", false)
	enc, err := s.Encrypt(ctx, Call{Caller: root}, k1, []byte("x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	code := func(err error) string {
		var ae *awsapi.Error
		if errors.As(err, &ae) {
			return ae.Code
		}
		var ad *AccessDeniedError
		if errors.As(err, &ad) {
			return "AccessDenied"
		}
		return "?"
	}
	if _, err := s.Decrypt(ctx, Call{Caller: root}, enc.CiphertextBlob, nil, k2); code(err) != "IncorrectKeyException" {
		t.Errorf("other key: %v", err)
	}
	if _, err := s.Decrypt(ctx, Call{Caller: root}, enc.CiphertextBlob, nil, "alias/none"); code(err) != "NotFoundException" {
		t.Errorf("unknown alias: %v", err)
	}
	if _, err := s.Encrypt(ctx, Call{Caller: root}, k1, nil, nil); code(err) != "ValidationException" {
		t.Errorf("empty plaintext: %v", err)
	}
	if _, err := s.GenerateDataKey(ctx, Call{Caller: root}, k1, nil, 0); code(err) != "ValidationException" {
		t.Errorf("zero-byte data key: %v", err)
	}
	if _, err := s.Encrypt(ctx, Call{Caller: userOf(acctA, "bob")}, k1, []byte("x"), nil); code(err) != "AccessDenied" {
		t.Errorf("bob: %v", err)
	}
	mustAPI(t, s, root, "DisableKey", map[string]any{"KeyId": k1})
	if _, err := s.Decrypt(ctx, Call{Caller: root}, enc.CiphertextBlob, nil, ""); code(err) != "DisabledException" {
		t.Errorf("disabled: %v", err)
	}
	// A nil typed context still gets the principal keys.
	if _, err := s.Encrypt(ctx, Call{Caller: root, Context: policy.MapContext(nil)}, k2, []byte("x"), nil); err != nil {
		t.Errorf("nil MapContext: %v", err)
	}
}
