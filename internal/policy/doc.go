// Package policy is the IAM policy language: it parses, validates and
// compiles policy documents (S3 bucket policies, IAM identity and trust
// policies, KMS key policies), evaluates them against a request, and records
// a Trace that explains the decision statement by statement. It knows
// nothing about S3, HTTP or storage; the service layers add their own
// checks (S3's known actions and resources, condition-key applicability,
// principal existence) on top of the read-only Statement view, and combine
// the decisions of several policies themselves (Merge helps with the
// same-account rule).
//
// The semantics follow the behaviour spec §2 and the IAM User Guide pages
// reference_policies_elements_*, reference_policies_elements_condition_operators,
// reference_policies_multi-value-conditions (and the current
// reference_policies_condition-logic-multiple-context-keys-or-values),
// reference_policies_variables and reference_policies_evaluation-logic.
//
// Parse compiles everything a request needs — wildcard token lists with fast
// paths for literal, "*" and "prefix*" patterns, literal ARN prefixes,
// lowercased condition-key names, parsed numbers, dates, CIDRs and base64 —
// so that Evaluate allocates nothing when no Trace is requested. A Policy is
// immutable and safe for concurrent use.
//
// The decisions taken where AWS leaves room, and the list of UNCONFIRMED
// behaviours (implemented as the spec states, not verified against AWS),
// live in one place: docs/policy.md.
package policy
