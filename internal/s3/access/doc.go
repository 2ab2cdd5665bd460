// Package access is the data of S3's resource-side access settings: access
// control lists (ACLs), Object Ownership and Block Public Access (BPA).
//
// It holds the models, their S3 wire formats (request headers and XML
// documents, parsed and rendered as S3 does) and their storage encoding in
// the opaque attribute maps of store.Bucket and store.Object. It makes no
// authorization decision: internal/s3/authz reads these values and decides;
// the S3 handlers use them to answer the ACL, ownership-controls and
// public-access-block APIs.
//
// Errors are *awsapi.Error values with S3's codes, statuses and messages, so
// that a handler can return them unchanged (see errors.go).
//
// Spec: shared/spec/aws-behaviour.md §1.4 (Object Ownership), §1.5 (ACLs),
// §1.6 (Block Public Access).
package access
