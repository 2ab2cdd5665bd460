// Package policy is the IAM policy language: it parses, validates and
// compiles policy documents (S3 bucket policies, IAM identity and trust
// policies, KMS key policies), evaluates them against a request, and records
// a Trace that explains the decision statement by statement. It knows
// nothing about S3, HTTP or storage; the service layers add their own
// checks (S3's known actions and resources, condition-key applicability,
// principal existence) on top of the read-only Statement view.
//
// The semantics follow the behaviour spec §2 and the IAM User Guide pages
// reference_policies_elements_*, reference_policies_elements_condition_operators,
// reference_policies_multi-value-conditions (and the current
// reference_policies_condition-logic-multiple-context-keys-or-values),
// reference_policies_variables and reference_policies_evaluation-logic.
// Parse compiles everything a request needs (lowercased key names, wildcard
// token lists, parsed numbers, dates, CIDRs and base64) so that Evaluate
// allocates nothing when no Trace is requested.
//
// # Decisions
//
// Where AWS leaves room, this package decides as follows (docs/policy.md has
// the rationale):
//
//   - Duplicate JSON member names anywhere in the document, and the same
//     condition key twice under one operator (key names are
//     case-insensitive), are rejected as invalid JSON.
//   - Element and operator names are case-sensitive ("effect" is an unknown
//     field; "stringEquals" an invalid Condition type).
//   - A multivalued context key under an operator without ForAnyValue/
//     ForAllValues: a positive operator holds when some request value matches
//     some policy value; a negated one when no request value matches any.
//   - A request value that cannot be read as the operator's type (a
//     non-number for Numeric*, a non-date, a non-address, a non-boolean) fails
//     the comparison, for negated operators too.
//   - A present key with an empty value list counts as absent.
//   - All-digit Date values are epoch seconds (so "2024" is a second in
//     1970, not a year); ISO 8601 values without a zone are UTC.
//   - BinaryEquals compares the base64-decoded policy value with the raw
//     bytes of the request value.
//   - A policy variable whose key has several values is unusable (null), as
//     the multivalued-key page says; substituted values are literal text,
//     never wildcards.
//   - Resource and ARN operator values are matched part by part (a wildcard
//     cannot cross a colon before the resource part). An ARN condition value
//     with a variable that hides colons (${aws:SourceArn}) is matched as a
//     whole string.
//   - Request.Resource "" (an action without a resource) matches only the
//     Resource "*".
//   - NotPrincipal exempts a principal only when every link of its chain is
//     listed: user = user ARN + account; role session = session ARN + role
//     ARN + account; root = account (the NotPrincipal page's advice, taken
//     as the rule).
//   - A Principal account id or root ARN matches every principal of the
//     account (root, users, role sessions), never anonymous or service
//     principals; a role ARN matches the role's sessions.
//   - Unique-id principals (AIDA..., AROA...) are rejected as invalid
//     principals.
//   - Empty Action/Resource arrays are missing elements; an empty Principal
//     object or array is an invalid principal; empty condition value arrays
//     are accepted (nothing matches them).
//   - IAM size limits count characters without whitespace; S3's counts bytes
//     without whitespace; KMS's counts raw bytes.
//
// # UNCONFIRMED
//
// Implemented as the spec states or as the closest observed behaviour, not
// verified against AWS:
//
//   - Messages: S3 "Invalid effect: X", "Unknown field X", "Invalid
//     Condition type : X" (observed from IAM only), "Policy has an invalid
//     condition key", "Invalid value for condition OP: KEY", "Statement has
//     both Action and NotAction", and "Policy exceeds the maximum allowed
//     document size." (the 20 KB limit; MinIO's wording) — all with code
//     MalformedPolicy.
//   - IAM: "Missing required field Effect/Principal/Statement", "The policy
//     must contain a valid version string", "Invalid effect: X",
//     "Has prohibited field NotResource" (Resource is observed), the
//     trust-policy quota message "Cannot exceed quota for ACLSizePerRole:
//     2048", and "Syntax errors in policy." for duplicate keys, unknown
//     fields and bad condition values.
//   - KMS: every message except "Policy contains a statement with one or
//     more invalid principals."; the size error code LimitExceededException;
//     the character rule (U+0020–U+00FF, tab, LF, CR).
//   - Bool values cannot hold policy variables (docs conflict).
//   - IsPublic: RFC 1918 aws:SourceIp ranges do not restrict (spec §1.6),
//     and the breadth limits /8 and /32.
//   - Multivalued keys without a set qualifier (see Decisions).
package policy
