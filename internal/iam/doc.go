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
// # IAM users, roles, policies and access keys
//
// Users, roles, customer managed policies (with their versions), inline
// policies, policy attachments and access keys created through the IAM
// API (including access keys a root user creates for itself) are state:
// they persist across restarts in one JSON file, DATADIR/iam.json (mode
// 0600: it holds secret keys). Policy documents are stored as they were
// given and parsed again at start-up; a stored document the policy parser
// no longer accepts stops the start (dropping it could drop a Deny).
// Every change rewrites the whole file atomically: write a temporary file
// in the same directory, fsync it, rename it over iam.json, fsync the
// directory. IAM changes are rare and the state is small, so a whole-file
// rewrite is simpler and as safe as a database; leftover temporary files
// from a crash are removed at start-up. The change becomes visible to
// requests only after the file is durable. Records of accounts that are no
// longer configured are kept in the file, untouched, so dropping an account
// from the accounts file for one run does not destroy its users.
//
// A few AWS managed policies are built in, with their real documents and
// ARNs (arn:aws:iam::aws:policy/NAME): AdministratorAccess,
// AmazonS3FullAccess and AmazonS3ReadOnlyAccess. They exist in every
// account and cannot be changed; only their default version is known.
//
// # Identity policies
//
// IdentityPolicies returns a principal's identity-based policies (a user's
// inline and attached managed policies; a role session's role's) from an
// index rebuilt after every policy change, so that S3 and KMS can ask on
// every request without allocating. Documents are validated with
// internal/policy: IdentityPolicy for inline and managed policies,
// TrustPolicy for role trust policies. Size quotas are IAM's defaults, in
// characters without white space: 6,144 per managed policy version, 2,048
// per trust policy, and 2,048 (user) or 10,240 (role) for all the inline
// policies of one entity together; 10 attached managed policies per user
// or role; 5 versions per managed policy.
//
// # Role sessions
//
// STS AssumeRole issues temporary credentials (an ASIA… key, a secret and
// an opaque session token) for a role session. Sessions live in memory
// only: they end when edgegate restarts (their keys become unknown), as if
// revoked; expired sessions are forgotten a day after they expire. A
// request signed with a session key must carry its token and be made
// before the session expires; CheckSessionToken decides, and the server
// calls it for every signed request. AssumeRole does not support session
// policies, session tags or permissions boundaries: it refuses them (400)
// rather than ignoring what would narrow the session's access.
//
// # Authorization
//
// IAM actions are authorized in one place, authorizeLocked: an account's
// root user may do every IAM action in its own account; an IAM user or a
// role session may do what its identity policies allow on resources of its
// own account, unless one of them denies it explicitly; any signed caller
// may call STS GetCallerIdentity. AssumeRole also requires the role's
// trust policy to allow the caller; see assumeRole for when the caller's
// identity policy must allow it too.
package iam
