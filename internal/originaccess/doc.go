// Package originaccess computes the policy changes that let a CloudFront
// distribution read its S3 origins: the bucket-policy statement its origin
// access control (OAC) or origin access identity (OAI) needs, and, for
// buckets encrypted with SSE-KMS, the key-policy statement. It is the pure
// part of `edgegate grant-origin-access` (cmd/edgegate/grant.go): no
// network, no SDK.
//
// The pieces:
//
//   - ParseDistributionARN, ParseOAIPath and OAIARN read and name the
//     grantees. (Telling an S3 REST endpoint from a website endpoint or a
//     custom origin is internal/cloudfront's ClassifyOrigin.)
//   - BucketGrant and KeyGrant describe what one grantee (an OAC's
//     distribution or an OAI) needs on one bucket or key: the permissions,
//     the principal and request context they are evaluated with, and the
//     statements AWS documents for them.
//   - Merge folds grants into an existing policy document. A permission the
//     document already allows (decided by internal/policy, the engine S3 and
//     KMS use here) is left alone; an Allow statement for the same
//     principal, actions and resources whose only condition is StringEquals
//     AWS:SourceArn gets the distribution's ARN added; anything else gets a
//     new statement with an unused Sid. Everything else in the document —
//     key order, statement order, other statements — is kept. A permission
//     an explicit Deny still refuses is reported, never hidden.
//   - Pretty and UnifiedDiff render the before and after documents for
//     review.
//
// The statements are the ones AWS writes or documents (see
// docs/grant-origin-access.md for the sources): the CloudFront console's
// OAC bucket policy (Version 2008-10-17, Id PolicyForCloudFrontPrivateContent,
// Sid AllowCloudFrontServicePrincipal), its OAI bucket policy (numeric Sids),
// and the CloudFront Developer Guide's AllowCloudFrontServicePrincipalSSE-KMS
// key-policy statement.
package originaccess
