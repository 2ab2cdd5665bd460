package ssekms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/kms"
	"github.com/edgegate/edgegate/internal/reqctx"
	"github.com/edgegate/edgegate/internal/sse"
)

const (
	acctA = "111111111111"
	acctB = "222222222222"
	dist  = "arn:aws:cloudfront::111111111111:distribution/EDFDVBD6EXAMPLE"
)

func rootOf(acct string) identity.Principal {
	return identity.Principal{Type: identity.Root, Account: acct, ARN: "arn:aws:iam::" + acct + ":root", UserID: acct}
}

var cloudfront = identity.Principal{Type: identity.Service, ARN: "cloudfront.amazonaws.com"}

// kmsAPI calls the KMS API as p and returns the decoded answer.
func kmsAPI(t *testing.T, s *kms.Service, p identity.Principal, op string, in any) map[string]any {
	t.Helper()
	raw, _ := json.Marshal(in)
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(raw))
	req.Header.Set("X-Amz-Target", "TrentService."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	w := httptest.NewRecorder()
	s.ServeKMS(w, req, &reqctx.Call{RequestID: awsapi.NewRequestID(), Principal: p, Received: time.Now()})
	var out map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	if w.Code != 200 {
		t.Fatalf("%s: %d %s", op, w.Code, w.Body.String())
	}
	return out
}

// TestSealer: seal and unseal through KMS as the requester, in every key
// form; aliases resolve in the requester's account; the CloudFront
// service principal needs the key policy's aws:SourceArn; denials and
// key states map to what S3 answers.
func TestSealer(t *testing.T) {
	svc, err := kms.Open(kms.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pol := `{"Version":"2012-10-17","Statement":[
		{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acctA + `:root"},"Action":"kms:*","Resource":"*"},
		{"Sid":"AllowCloudFrontServicePrincipalSSE-KMS","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*",
		 "Condition":{"StringEquals":{"AWS:SourceArn":"` + dist + `"}}}]}`
	md := kmsAPI(t, svc, rootOf(acctA), "CreateKey", map[string]any{"Policy": pol})["KeyMetadata"].(map[string]any)
	id, arn := md["KeyId"].(string), md["Arn"].(string)
	kmsAPI(t, svc, rootOf(acctA), "CreateAlias", map[string]any{"AliasName": "alias/site", "TargetKeyId": id})
	s := New(svc)
	ec := map[string]string{"aws:s3:arn": "arn:aws:s3:::b/k"}
	a := rootOf(acctA)

	var sealed []byte
	var dk []byte
	for _, form := range []string{id, arn, "alias/site"} {
		d, sl, keyID, err := s.Seal(ctx, sse.SealRequest{Principal: a, KeyID: form, EncryptionContext: ec, BucketOwner: acctA})
		if err != nil || keyID != arn || len(d) != sse.DataKeySize {
			t.Fatalf("Seal %s: %q %v", form, keyID, err)
		}
		sealed, dk = sl, d
	}
	got, err := s.Unseal(ctx, sealed, arn, sse.UnsealRequest{Principal: a, EncryptionContext: ec, BucketOwner: acctA})
	if err != nil || !bytes.Equal(got, dk) {
		t.Fatalf("Unseal: %v", err)
	}
	// The default key is the requester's alias/aws/s3.
	_, _, keyID, err := s.Seal(ctx, sse.SealRequest{Principal: a, EncryptionContext: ec, BucketOwner: acctA})
	if mk, _ := svc.GetOrCreateManagedKey(acctA, "s3"); err != nil || keyID != mk.ARN {
		t.Errorf("default key: %q %v", keyID, err)
	}
	// Another account's requester: alias/site does not exist there; the
	// key ARN is found but the key policy does not allow account B.
	b := rootOf(acctB)
	if _, _, _, err := s.Seal(ctx, sse.SealRequest{Principal: b, KeyID: "alias/site", EncryptionContext: ec, BucketOwner: acctA}); !isCode(err, "KMS.NotFoundException") {
		t.Errorf("account B, alias/site: %v", err)
	}
	_, err = s.Unseal(ctx, sealed, arn, sse.UnsealRequest{Principal: b, EncryptionContext: ec, BucketOwner: acctA})
	var ae *sse.AccessError
	var kd *kms.AccessDeniedError
	if !errors.As(err, &ae) || !errors.Is(err, sse.ErrAccessDenied) || ae.KeyARN != arn || ae.Action != "kms:Decrypt" ||
		!errors.As(err, &kd) || kd.Trace == nil || kd.Decision.Reason != kms.ReasonCrossAccountNoKeyPolicyAllow {
		t.Errorf("account B Unseal: %v", err)
	}
	// CloudFront: allowed with the distribution's aws:SourceArn only.
	cond := map[string][]string{"aws:SourceArn": {dist}}
	if _, err := s.Unseal(ctx, sealed, arn, sse.UnsealRequest{Principal: cloudfront, Conditions: cond, EncryptionContext: ec, BucketOwner: acctA}); err != nil {
		t.Errorf("CloudFront with its SourceArn: %v", err)
	}
	cond = map[string][]string{"aws:SourceArn": {dist + "X"}}
	if _, err := s.Unseal(ctx, sealed, arn, sse.UnsealRequest{Principal: cloudfront, Conditions: cond, EncryptionContext: ec, BucketOwner: acctA}); !errors.Is(err, sse.ErrAccessDenied) {
		t.Errorf("CloudFront with another SourceArn: %v", err)
	}
	// Another object's context: tampered.
	if _, err := s.Unseal(ctx, sealed, arn, sse.UnsealRequest{Principal: a, EncryptionContext: map[string]string{"aws:s3:arn": "arn:aws:s3:::b/other"}}); !errors.Is(err, sse.ErrTampered) {
		t.Errorf("wrong context: %v", err)
	}
	// Key states.
	kmsAPI(t, svc, a, "DisableKey", map[string]any{"KeyId": id})
	if _, err := s.Unseal(ctx, sealed, arn, sse.UnsealRequest{Principal: a, EncryptionContext: ec}); !isCode(err, "KMS.DisabledException") {
		t.Errorf("disabled: %v", err)
	}
	kmsAPI(t, svc, a, "ScheduleKeyDeletion", map[string]any{"KeyId": id, "PendingWindowInDays": 7})
	if _, _, _, err := s.Seal(ctx, sse.SealRequest{Principal: a, KeyID: arn, EncryptionContext: ec}); !isCode(err, "KMS.KMSInvalidStateException") {
		t.Errorf("pending deletion: %v", err)
	}
	if _, _, _, err := s.Seal(ctx, sse.SealRequest{Principal: a, KeyID: "not a key", EncryptionContext: ec}); !isCode(err, "KMS.NotFoundException") {
		t.Errorf("malformed key id: %v", err)
	}
}

func isCode(err error, code string) bool {
	var ae *awsapi.Error
	return errors.As(err, &ae) && ae.Code == code && ae.Status == 400 && !strings.HasPrefix(ae.Message, "KMS.")
}
