// Package kms is edgegate's AWS KMS: symmetric encryption keys, their key
// policies, aliases and grants; the KMS API subset `aws kms` and the SDKs
// use (JSON 1.1 protocol, X-Amz-Target TrentService.*); and the in-process
// API S3 uses for SSE-KMS. docs/kms.md is the user-facing description;
// the decisions and the UNCONFIRMED behaviours are listed there.
//
// # Operations
//
// CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
// ScheduleKeyDeletion, CancelKeyDeletion, GetKeyPolicy, PutKeyPolicy,
// ListKeyPolicies, CreateAlias, DeleteAlias, ListAliases, Encrypt,
// Decrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext, ReEncrypt,
// CreateGrant, ListGrants, RevokeGrant. Only SYMMETRIC_DEFAULT /
// ENCRYPT_DECRYPT / AWS_KMS single-Region keys exist; CreateKey refuses
// the others with UnsupportedOperationException. Errors are KMS's codes
// ({"__type":CODE,"message":MSG}); their statuses are what KMS sends (400
// for everything a client caused, AccessDeniedException included).
//
// # Authorization
//
// Service.Authorize is the one decision: the key policy is the root of
// trust; identity policies count only when the key policy allows the
// caller's account root (delegation, as the default key policy does);
// grants add allows; an explicit deny anywhere wins; a caller of another
// account needs the key policy and its own identity policies. The
// key-management calls that no key governs (CreateKey, ListKeys,
// ListAliases, and the alias side of CreateAlias/DeleteAlias) are
// decided by identity policies alone. Every denial can be explained: the
// decision is re-run with a Trace (key policy, delegation check, identity
// policies, grants) when it denies.
//
// # In-process API for S3
//
//	svc.Encrypt(ctx, kms.Call{...}, keyID, plaintext, encCtx) (kms.EncryptResult, error)
//	svc.Decrypt(ctx, kms.Call{...}, ciphertext, encCtx, keyID) (kms.DecryptResult, error)
//	svc.GenerateDataKey(ctx, kms.Call{...}, keyID, encCtx, 32) (kms.DataKey, error)
//	svc.GetOrCreateManagedKey(account, "s3") (*kms.KeyInfo, error)
//	svc.ViaService("s3") // "s3.REGION.amazonaws.com"
//
// A Call names the principal KMS authorizes (the S3 requester, or the
// service principal cloudfront.amazonaws.com for an OAC request), the
// account bare key ids and alias names are resolved in, kms:ViaService,
// and the caller's global condition keys (S3's request context, with
// aws:SourceArn for OAC). The results carry the resolved key ARN. A
// denial is an *AccessDeniedError carrying the Decision and the Trace (S3
// answers 403 AccessDenied and records it); other failures are
// *awsapi.Error values with KMS's codes (NotFoundException,
// DisabledException, KMSInvalidStateException, InvalidCiphertextException,
// IncorrectKeyException). The AWS managed key alias/aws/s3 of an account
// is created on first use, as AWS does (GetOrCreateManagedKey, or any
// use of the alias).
//
// # Storage
//
// DATADIR/kms/master.key holds the 32-byte master key, created 0600 on
// first start; the service refuses to start when the file is accessible
// to group or other. DATADIR/kms/keys.json holds the keys (metadata,
// policy document, tags, grants, and the key material sealed with the
// master key: AES-256-GCM, random 12-byte nonce, the key ARN as
// additional data, stored base64 as nonce||ciphertext||tag) and the
// aliases. Every change rewrites keys.json atomically (temporary file,
// fsync, rename, fsync of the directory) before it becomes visible. No
// file holds plaintext key material. Keys scheduled for deletion stay
// PendingDeletion while the server runs; at start-up keys whose
// deletion date has passed are deleted with their aliases.
//
// # Ciphertext
//
// A ciphertext blob is: version byte 0x01, the key id's 16 bytes, a
// 12-byte random nonce, and AES-256-GCM of the plaintext under the key's
// material, whose additional data is the version and key id followed by
// the canonical encryption context (pair count, then each key and value
// length-prefixed, sorted by key). Decrypt finds the key from the blob; a
// wrong encryption context or any altered byte is
// InvalidCiphertextException.
package kms
