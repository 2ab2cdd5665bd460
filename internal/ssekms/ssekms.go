// Package ssekms is SSE-KMS's KeySealer: it seals every blob's data key
// with a KMS key through the in-process KMS API (kms:GenerateDataKey) and
// unseals it with kms:Decrypt, both authorized as the S3 requester with
// kms:ViaService s3.REGION.amazonaws.com, as S3 does (spec §3.1, §3.2).
//
// Every Seal and Unseal is authorized by KMS: there is no key cache. A
// cache could only skip the unsealing itself (AES-256-GCM over 32 bytes,
// well under a microsecond), never the authorization, and a lookup costs
// about as much as the unsealing (see sse.S3Sealer).
package ssekms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/kms"
	"github.com/edgegate/edgegate/internal/sse"
)

// DefaultKey is the key SSE-KMS uses when neither the request nor the
// bucket's default encryption names one: the AWS managed key for S3,
// created on first use.
const DefaultKey = "alias/aws/s3"

// Sealer is the SSE-KMS KeySealer over a KMS service. It is safe for
// concurrent use.
type Sealer struct {
	kms *kms.Service
	via string
}

var _ sse.KeySealer = (*Sealer)(nil)

// New returns the sealer over svc.
func New(svc *kms.Service) *Sealer {
	return &Sealer{kms: svc, via: svc.ViaService("s3")}
}

// call builds the KMS call of an S3 request.
//
// Account (where a bare key id or alias name resolves): the requester's
// own account, as the S3 API reference says ("If you use a KMS key alias
// instead, then KMS resolves the key within the requester's account ...
// encrypted with a KMS key that belongs to the requester, and not the
// bucket owner"; PutObject: "If the KMS key doesn't exist in the same
// account that's issuing the command, you must use the full Key ARN"). A
// re:Post article says the bucket owner's account instead: UNCONFIRMED.
// Callers without an account (anonymous, service principals such as
// cloudfront.amazonaws.com) resolve in the bucket owner's account. The
// default key alias/aws/s3 follows the same rule.
func (s *Sealer) call(p identity.Principal, owner string, cond map[string][]string) kms.Call {
	c := kms.Call{Caller: p, ViaService: s.via}
	if p.Account == "" {
		c.Account = owner
	}
	if len(cond) > 0 {
		m := kms.CallContext(p, time.Now())
		for k, v := range cond {
			m[strings.ToLower(k)] = v
		}
		c.Context = m
	}
	return c
}

// Seal generates a data key under req.KeyID (DefaultKey when "") as the
// requester, bound to req.EncryptionContext, and returns the key's ARN.
func (s *Sealer) Seal(ctx context.Context, req sse.SealRequest) (dataKey, sealed []byte, keyID string, err error) {
	id := req.KeyID
	if id == "" {
		id = DefaultKey
	}
	dk, err := s.kms.GenerateDataKey(ctx, s.call(req.Principal, req.BucketOwner, req.Conditions), id, req.EncryptionContext, sse.DataKeySize)
	if err != nil {
		return nil, nil, "", mapError(err)
	}
	return dk.Plaintext, dk.CiphertextBlob, dk.KeyARN, nil
}

// Unseal decrypts sealed as the requester: keyID (the key ARN Seal
// returned) must name the key the ciphertext names.
func (s *Sealer) Unseal(ctx context.Context, sealed []byte, keyID string, req sse.UnsealRequest) ([]byte, error) {
	out, err := s.kms.Decrypt(ctx, s.call(req.Principal, req.BucketOwner, req.Conditions), sealed, req.EncryptionContext, keyID)
	if err != nil {
		return nil, mapError(err)
	}
	if len(out.Plaintext) != sse.DataKeySize {
		return nil, fmt.Errorf("%w: SSE-KMS data key of %d bytes", sse.ErrTampered, len(out.Plaintext))
	}
	return out.Plaintext, nil
}

// mapError turns a KMS error into what the S3 layer answers:
//
//   - a denial (*kms.AccessDeniedError) is an *sse.AccessError wrapping it
//     (S3: 403 AccessDenied, the decision and trace kept for explain);
//   - a ciphertext that does not open (InvalidCiphertextException,
//     IncorrectKeyException) is sse.ErrTampered (500);
//   - any other client error of KMS is relayed as S3 relays KMS errors:
//     400 with the code prefixed "KMS." and KMS's message:
//     KMS.NotFoundException (unknown key or alias, malformed ARN),
//     KMS.DisabledException (disabled key) and KMS.KMSInvalidStateException
//     (key pending deletion). The statuses and codes S3 sends are
//     UNCONFIRMED (spec §3.2 suggests 400 KMS.DisabledException);
//   - KMS's internal errors stay internal (500).
func mapError(err error) error {
	var ad *kms.AccessDeniedError
	if errors.As(err, &ad) {
		return &sse.AccessError{KeyARN: ad.Resource, Action: ad.Action, Reason: ad.Message(), Cause: ad}
	}
	var ae *awsapi.Error
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.Code {
	case "InvalidCiphertextException", "IncorrectKeyException":
		return fmt.Errorf("%w: KMS %s: %s", sse.ErrTampered, ae.Code, ae.Message)
	case "InvalidArnException":
		return awsapi.New(http.StatusBadRequest, "KMS.NotFoundException", ae.Message)
	}
	if ae.Status >= 500 {
		return fmt.Errorf("ssekms: KMS %s: %s", ae.Code, ae.Message)
	}
	return awsapi.New(http.StatusBadRequest, "KMS."+ae.Code, ae.Message)
}
