package sse

import (
	"context"
	"encoding/binary"
	"errors"
	"slices"

	"github.com/edgegate/edgegate/internal/identity"
)

// KeySealer seals fresh data keys under a key it manages, and unseals
// them. The S3 layer picks one per object: S3Sealer for SSE-S3, a sealer
// over the KMS service for SSE-KMS. Implementations are safe for
// concurrent use.
type KeySealer interface {
	// Seal returns a fresh random data key (DataKeySize bytes, never
	// returned before) and that key sealed under the key req.KeyID names
	// (the sealer's default when ""), bound to req.EncryptionContext. It
	// returns the id of the key actually used (for SSE-KMS the key's ARN,
	// whatever alias or id the request named), which Unseal needs and the
	// S3 layer reports. Errors: ErrAccessDenied (an *AccessError) when the
	// caller may not use the key, ErrNoSuchKey for a key that does not
	// exist, a sealer's own error for a key it cannot use (disabled,
	// pending deletion), anything else for an internal failure.
	Seal(ctx context.Context, req SealRequest) (dataKey, sealed []byte, keyID string, err error)

	// Unseal returns the data key that Seal returned with sealed and
	// keyID, provided req.EncryptionContext is the context it was sealed
	// with. Errors: ErrTampered when sealed does not authenticate under
	// the key and context; ErrAccessDenied, ErrNoSuchKey and the others
	// as for Seal. A sealer that authorizes callers must authorize every
	// call, including those it answers from a KeyCache.
	Unseal(ctx context.Context, sealed []byte, keyID string, req UnsealRequest) (dataKey []byte, err error)
}

// SealRequest is what Seal needs beyond the key: who asks and for what.
type SealRequest struct {
	// Principal is the caller of the S3 request (kms:GenerateDataKey is
	// authorized as the requester).
	Principal identity.Principal
	// Conditions holds further condition-key values the sealer's
	// authorization should see (the caller's request context, such as
	// aws:SourceArn for a CloudFront origin request); nil for none.
	Conditions map[string][]string
	// KeyID names the key: for SSE-KMS a key id, key ARN, alias name
	// ("alias/NAME") or alias ARN; "" for the sealer's default.
	KeyID string
	// EncryptionContext is bound to the sealed key: Unseal needs the same.
	// S3 sets aws:s3:arn to the object's ARN (the bucket's with an S3
	// Bucket Key), plus the context the client asked for.
	EncryptionContext map[string]string
	// BucketKey says the object uses an S3 Bucket Key (SSE-KMS), which a
	// KMS sealer may use to avoid a KMS call for every object.
	BucketKey bool
	// BucketOwner is the account that owns the bucket: where a KMS sealer
	// resolves key ids and alias names for a caller that has no account
	// of its own (anonymous callers, service principals).
	BucketOwner string
}

// UnsealRequest is what Unseal needs beyond the sealed key.
type UnsealRequest struct {
	Principal         identity.Principal
	Conditions        map[string][]string
	EncryptionContext map[string]string
	// BucketOwner is as for SealRequest.
	BucketOwner string
}

// Sentinel errors of KeySealers.
var (
	// ErrAccessDenied: the caller may not use the key for this. The
	// concrete error is an *AccessError saying which key and action.
	ErrAccessDenied = errors.New("sse: access to the key denied")
	// ErrNoSuchKey: the key named does not exist (or is not visible to
	// the caller).
	ErrNoSuchKey = errors.New("sse: no such key")
)

// AccessError is a KeySealer's denial: S3 answers 403 AccessDenied and
// explains it with the key and the action that was denied (spec §3.3).
type AccessError struct {
	KeyARN string // the key the caller was denied
	Action string // "kms:GenerateDataKey", "kms:Decrypt"
	Reason string // why, for the explanation (never sent to the caller)
	// Cause is the sealer's own denial (for SSE-KMS a
	// *kms.AccessDeniedError carrying the decision and its trace), reachable
	// with errors.As; nil if none.
	Cause error
}

// Unwrap returns Cause.
func (e *AccessError) Unwrap() error { return e.Cause }

func (e *AccessError) Error() string {
	return "sse: " + e.Action + " on " + e.KeyARN + " denied: " + e.Reason
}

// Is reports whether target is ErrAccessDenied.
func (e *AccessError) Is(target error) bool { return target == ErrAccessDenied }

// CanonicalContext encodes an encryption context as additional data: the
// pairs sorted by key, each as a 4-byte length and the bytes of the key,
// then of the value. Equal maps encode equally; nil and empty encode as
// nothing.
func CanonicalContext(ec map[string]string) []byte {
	if len(ec) == 0 {
		return nil
	}
	keys := make([]string, 0, len(ec))
	n := 0
	for k, v := range ec {
		keys = append(keys, k)
		n += 8 + len(k) + len(v)
	}
	slices.Sort(keys)
	b := make([]byte, 0, n)
	for _, k := range keys {
		b = binary.BigEndian.AppendUint32(b, uint32(len(k)))
		b = append(b, k...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(ec[k])))
		b = append(b, ec[k]...)
	}
	return b
}
