package policy

import "fmt"

// ParseError is a rejected policy document, with the error code and message
// the owning service answers with (PutBucketPolicy, CreatePolicy/PutUserPolicy,
// CreateRole/UpdateAssumeRolePolicy, PutKeyPolicy/CreateKey).
type ParseError struct {
	// Code is the service's error code: MalformedPolicy (S3),
	// MalformedPolicyDocument or LimitExceeded (IAM),
	// MalformedPolicyDocumentException or LimitExceededException (KMS).
	Code string
	// Message is the service's message, as observed where known (see the
	// UNCONFIRMED list in doc.go for the others).
	Message string
	// Reason is a short machine-readable cause, the same for every kind
	// (for example "invalid-principal"); tests and traces use it.
	Reason string
}

func (e *ParseError) Error() string { return e.Code + ": " + e.Message }

// Reasons carried by ParseError.Reason.
const (
	ReasonInvalidJSON        = "invalid-json"
	ReasonFirstByte          = "first-byte"
	ReasonDuplicateKey       = "duplicate-key"
	ReasonTooLarge           = "too-large"
	ReasonNonPrintable       = "non-printable"
	ReasonUnknownField       = "unknown-field"
	ReasonBadVersion         = "bad-version"
	ReasonMissingStatement   = "missing-statement"
	ReasonEmptyStatement     = "empty-statement"
	ReasonBadSid             = "bad-sid"
	ReasonDuplicateSid       = "duplicate-sid"
	ReasonBadEffect          = "bad-effect"
	ReasonMissingEffect      = "missing-effect"
	ReasonMissingPrincipal   = "missing-principal"
	ReasonPrincipalForbidden = "principal-forbidden"
	ReasonInvalidPrincipal   = "invalid-principal"
	ReasonMissingAction      = "missing-action"
	ReasonInvalidAction      = "invalid-action"
	ReasonMissingResource    = "missing-resource"
	ReasonResourceForbidden  = "resource-forbidden"
	ReasonInvalidResource    = "invalid-resource"
	ReasonBothElements       = "both-elements"
	ReasonBadOperator        = "bad-condition-operator"
	ReasonBadConditionKey    = "bad-condition-key"
	ReasonBadConditionValue  = "bad-condition-value"
)

// errorTable renders one reason for each service.
type errorTable struct {
	code      string
	limitCode string
	messages  map[string]string
}

// s3Errors: the messages of spec §2.9 (observed from AWS or AWS-faithful
// reimplementations); others are UNCONFIRMED.
var s3Errors = errorTable{
	code:      "MalformedPolicy",
	limitCode: "MalformedPolicy",
	messages: map[string]string{
		ReasonInvalidJSON:        "This policy contains invalid Json",
		ReasonFirstByte:          "Policies must be valid JSON and the first byte must be '{'",
		ReasonDuplicateKey:       "This policy contains invalid Json",
		ReasonTooLarge:           "Policy exceeds the maximum allowed document size.",
		ReasonUnknownField:       "Unknown field %s",
		ReasonBadVersion:         "The policy must contain a valid version string",
		ReasonMissingStatement:   "Missing required field Statement",
		ReasonEmptyStatement:     "Could not parse the policy: Statement is empty!",
		ReasonBadEffect:          "Invalid effect: %s",
		ReasonMissingEffect:      "Statement is missing required element",
		ReasonMissingPrincipal:   "Missing required field Principal",
		ReasonInvalidPrincipal:   "Invalid principal in policy",
		ReasonMissingAction:      "Statement is missing required element",
		ReasonInvalidAction:      "Policy has invalid action",
		ReasonMissingResource:    "Statement is missing required element",
		ReasonInvalidResource:    "Policy has invalid resource",
		ReasonBothElements:       "Statement has both %s and Not%s",
		ReasonBadOperator:        "Invalid Condition type : %s",
		ReasonBadConditionKey:    "Policy has an invalid condition key",
		ReasonBadConditionValue:  "Invalid value for condition %s: %s",
		ReasonPrincipalForbidden: "Policy document should not specify a principal.",
	},
}

// iamErrors: MalformedPolicyDocument messages as IAM returns them where
// observed (Sid rules, principal, resource, action, size, condition type).
var iamErrors = errorTable{
	code:      "MalformedPolicyDocument",
	limitCode: "LimitExceeded",
	messages: map[string]string{
		ReasonInvalidJSON:        "Syntax errors in policy.",
		ReasonFirstByte:          "Syntax errors in policy.",
		ReasonDuplicateKey:       "Syntax errors in policy.",
		ReasonTooLarge:           "Cannot exceed quota for %s: %d",
		ReasonUnknownField:       "Syntax errors in policy.",
		ReasonBadVersion:         "The policy must contain a valid version string",
		ReasonMissingStatement:   "Missing required field Statement",
		ReasonEmptyStatement:     "Syntax errors in policy.",
		ReasonBadSid:             "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
		ReasonDuplicateSid:       "Statement IDs (SID) in a single policy must be unique.",
		ReasonBadEffect:          "Invalid effect: %s",
		ReasonMissingEffect:      "Missing required field Effect",
		ReasonMissingPrincipal:   "Missing required field Principal",
		ReasonPrincipalForbidden: "Policy document should not specify a principal.",
		ReasonInvalidPrincipal:   "Invalid principal in policy: %s",
		ReasonMissingAction:      "Policy statement must contain actions.",
		ReasonInvalidAction:      "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
		ReasonMissingResource:    "Policy statement must contain resources.",
		ReasonResourceForbidden:  "Has prohibited field %s",
		ReasonInvalidResource:    "Resource %s must be in ARN format or \"*\".",
		ReasonBothElements:       "Syntax errors in policy.",
		ReasonBadOperator:        "Invalid Condition type : %s",
		ReasonBadConditionKey:    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
		ReasonBadConditionValue:  "Syntax errors in policy.",
	},
}

// kmsErrors: only the invalid-principal message is observed; the rest are
// UNCONFIRMED.
var kmsErrors = errorTable{
	code:      "MalformedPolicyDocumentException",
	limitCode: "LimitExceededException",
	messages: map[string]string{
		ReasonInvalidJSON:        "The policy contains invalid JSON.",
		ReasonFirstByte:          "The policy contains invalid JSON.",
		ReasonDuplicateKey:       "The policy contains invalid JSON.",
		ReasonTooLarge:           "Policy exceeds the maximum allowed size of %d bytes.",
		ReasonNonPrintable:       "Policy contains characters that are not allowed.",
		ReasonUnknownField:       "Unknown field %s",
		ReasonBadVersion:         "The policy must contain a valid version string",
		ReasonMissingStatement:   "Missing required field Statement",
		ReasonEmptyStatement:     "Missing required field Statement",
		ReasonBadEffect:          "Invalid effect: %s",
		ReasonMissingEffect:      "Statement is missing required element",
		ReasonMissingPrincipal:   "Policy contains a statement with no principal.",
		ReasonInvalidPrincipal:   "Policy contains a statement with one or more invalid principals.",
		ReasonMissingAction:      "Statement is missing required element",
		ReasonInvalidAction:      "Policy contains a statement with an invalid action.",
		ReasonMissingResource:    "Statement is missing required element",
		ReasonInvalidResource:    "Policy contains a statement with an invalid resource.",
		ReasonBothElements:       "Statement has both %s and Not%s",
		ReasonBadOperator:        "Invalid Condition type : %s",
		ReasonBadConditionKey:    "Policy contains a statement with an invalid condition key.",
		ReasonBadConditionValue:  "Invalid value for condition %s: %s",
		ReasonPrincipalForbidden: "Policy document should not specify a principal.",
	},
}

func (k Kind) errors() *errorTable {
	switch k {
	case IdentityPolicy, TrustPolicy:
		return &iamErrors
	case KeyPolicy:
		return &kmsErrors
	}
	return &s3Errors
}

// newError builds the ParseError for reason with the kind's code and
// message; args fill the message's verbs.
func newError(k Kind, reason string, args ...any) *ParseError {
	t := k.errors()
	msg, ok := t.messages[reason]
	if !ok {
		msg = t.messages[ReasonInvalidJSON]
	}
	if n := countVerbs(msg); n > 0 {
		a := make([]any, n)
		for i := range a {
			if i < len(args) {
				a[i] = args[i]
			} else if len(args) > 0 {
				a[i] = args[len(args)-1]
			} else {
				a[i] = ""
			}
		}
		msg = fmt.Sprintf(msg, a...)
	}
	code := t.code
	if reason == ReasonTooLarge {
		code = t.limitCode
	}
	return &ParseError{Code: code, Message: msg, Reason: reason}
}

func countVerbs(s string) int {
	n := 0
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '%' {
			if s[i+1] == '%' {
				i++
				continue
			}
			n++
		}
	}
	return n
}
