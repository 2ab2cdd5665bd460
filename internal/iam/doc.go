// Package iam holds edgegate's accounts, IAM users and access keys, and
// answers the IAM and STS API subset the emulator serves.
//
// # Accounts
//
// An account is configuration: the default account (id 000000000000, name
// and S3 display name "default", root access key test / test, the
// convention local-AWS scripts use) unless it is turned off, plus the
// accounts of the JSON file given with --accounts (see LoadAccountsFile).
// Accounts are re-read at every start and never written by the server.
//
// Every account has an S3 canonical user id: the one the file gives, or one
// derived deterministically from the account id (DeriveCanonicalID), so the
// id an account's buckets show as Owner is stable across restarts and
// machines. The S3 display name is the account's name.
//
// # IAM users and access keys
//
// Users and access keys created through the IAM API (including access keys
// a root user creates for itself) are state: they persist across restarts
// in one JSON file, DATADIR/iam.json (mode 0600: it holds secret keys).
// Every change rewrites the whole file atomically: write a temporary file
// in the same directory, fsync it, rename it over iam.json, fsync the
// directory. IAM changes are rare and the state is small, so a whole-file
// rewrite is simpler and as safe as a database; leftover temporary files
// from a crash are removed at start-up. The change becomes visible to
// requests only after the file is durable. Records of accounts that are no
// longer configured are kept in the file, untouched, so dropping an account
// from the accounts file for one run does not destroy its users.
//
// # Authorization
//
// Identity policies do not exist yet: an account's root user may do every
// IAM action in its own account, IAM users are denied every IAM action (as
// AWS denies a user with no policies), and any signed caller may call STS
// GetCallerIdentity. The decision is made in one place, authorize, which
// the policy engine will replace.
package iam
