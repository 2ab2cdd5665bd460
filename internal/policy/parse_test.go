package policy

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const okStmt = `{"Sid":"S","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`
const okIdentityStmt = `{"Sid":"S","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`

func doc(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

func TestParseErrors(t *testing.T) {
	s3 := func(msg string) *ParseError { return &ParseError{Code: "MalformedPolicy", Message: msg} }
	iam := func(msg string) *ParseError { return &ParseError{Code: "MalformedPolicyDocument", Message: msg} }
	kms := func(msg string) *ParseError {
		return &ParseError{Code: "MalformedPolicyDocumentException", Message: msg}
	}
	tests := []struct {
		name   string
		kind   Kind
		doc    string
		want   *ParseError
		reason string
	}{
		// Document level.
		{"empty", BucketPolicy, ``, s3("Policies must be valid JSON and the first byte must be '{'"), ReasonFirstByte},
		{"whitespace only", BucketPolicy, " \n\t", s3("Policies must be valid JSON and the first byte must be '{'"), ReasonFirstByte},
		{"array", BucketPolicy, `[` + okStmt + `]`, s3("Policies must be valid JSON and the first byte must be '{'"), ReasonFirstByte},
		{"string", BucketPolicy, `"x"`, s3("Policies must be valid JSON and the first byte must be '{'"), ReasonFirstByte},
		{"BOM", BucketPolicy, "\xef\xbb\xbf" + doc(okStmt), s3("Policies must be valid JSON and the first byte must be '{'"), ReasonFirstByte},
		{"truncated", BucketPolicy, `{"Statement":[`, s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"trailing comma", BucketPolicy, `{"Version":"2012-10-17","Statement":[` + okStmt + `],}`, s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"trailing data", BucketPolicy, doc(okStmt) + `x`, s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"two documents", BucketPolicy, doc(okStmt) + doc(okStmt), s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"duplicate top-level key", BucketPolicy, `{"Version":"2012-10-17","Version":"2012-10-17","Statement":[` + okStmt + `]}`, s3("This policy contains invalid Json"), ReasonDuplicateKey},
		{"duplicate Statement", BucketPolicy, `{"Statement":[` + okStmt + `],"Statement":[` + okStmt + `]}`, s3("This policy contains invalid Json"), ReasonDuplicateKey},
		{"duplicate statement key", BucketPolicy, doc(`{"Effect":"Allow","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}`), s3("This policy contains invalid Json"), ReasonDuplicateKey},
		{"duplicate principal type", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":"111122223333","AWS":"*"},"Action":"s3:*","Resource":"*"}`), s3("This policy contains invalid Json"), ReasonDuplicateKey},
		{"duplicate operator", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"},"Bool":{"aws:SecureTransport":"false"}}}`), s3("This policy contains invalid Json"), ReasonDuplicateKey},
		{"duplicate condition key case-insensitively", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"a","AWS:SOURCEVPCE":"b"}}}`), s3("This policy contains invalid Json"), ReasonDuplicateKey},
		{"unknown top-level field", BucketPolicy, `{"Version":"2012-10-17","Foo":1,"Statement":[` + okStmt + `]}`, s3("Unknown field Foo"), ReasonUnknownField}, // UNCONFIRMED message
		{"lowercase statement", BucketPolicy, `{"Version":"2012-10-17","statement":[` + okStmt + `]}`, s3("Unknown field statement"), ReasonUnknownField},       // UNCONFIRMED message
		{"missing Statement", BucketPolicy, `{"Version":"2012-10-17"}`, s3("Missing required field Statement"), ReasonMissingStatement},
		{"empty object", BucketPolicy, `{}`, s3("Missing required field Statement"), ReasonMissingStatement},
		{"empty Statement", BucketPolicy, `{"Version":"2012-10-17","Statement":[]}`, s3("Could not parse the policy: Statement is empty!"), ReasonEmptyStatement},
		{"Statement null", BucketPolicy, `{"Statement":null}`, s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"Statement element not an object", BucketPolicy, `{"Statement":[` + okStmt + `,"x"]}`, s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"bad Version", BucketPolicy, `{"Version":"2012-10-16","Statement":[` + okStmt + `]}`, s3("The policy must contain a valid version string"), ReasonBadVersion},
		{"empty Version", BucketPolicy, `{"Version":"","Statement":[` + okStmt + `]}`, s3("The policy must contain a valid version string"), ReasonBadVersion},
		{"Version not a string", BucketPolicy, `{"Version":20121017,"Statement":[` + okStmt + `]}`, s3("The policy must contain a valid version string"), ReasonBadVersion},
		{"Id not a string", BucketPolicy, `{"Id":1,"Statement":[` + okStmt + `]}`, s3("This policy contains invalid Json"), ReasonInvalidJSON},

		// Statement level.
		{"unknown statement field", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Extra":true}`), s3("Unknown field Extra"), ReasonUnknownField}, // UNCONFIRMED message
		{"Sid not a string", BucketPolicy, doc(`{"Sid":1,"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`), s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"missing Effect", BucketPolicy, doc(`{"Principal":"*","Action":"s3:*","Resource":"*"}`), s3("Statement is missing required element"), ReasonMissingEffect},
		{"Effect lowercase", BucketPolicy, doc(`{"Effect":"allow","Principal":"*","Action":"s3:*","Resource":"*"}`), s3("Invalid effect: allow"), ReasonBadEffect}, // UNCONFIRMED message
		{"Effect other", BucketPolicy, doc(`{"Effect":"Permit","Principal":"*","Action":"s3:*","Resource":"*"}`), s3("Invalid effect: Permit"), ReasonBadEffect},   // UNCONFIRMED message
		{"Effect not a string", BucketPolicy, doc(`{"Effect":true,"Principal":"*","Action":"s3:*","Resource":"*"}`), s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"missing Principal", BucketPolicy, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`), s3("Missing required field Principal"), ReasonMissingPrincipal},
		{"Principal and NotPrincipal", BucketPolicy, doc(`{"Effect":"Deny","Principal":"*","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}`), s3("Statement has both Principal and NotPrincipal"), ReasonBothElements}, // UNCONFIRMED message
		{"missing Action", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Resource":"*"}`), s3("Statement is missing required element"), ReasonMissingAction},
		{"empty Action array", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":[],"Resource":"*"}`), s3("Statement is missing required element"), ReasonMissingAction},
		{"Action and NotAction", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","NotAction":"s3:Get*","Resource":"*"}`), s3("Statement has both Action and NotAction"), ReasonBothElements}, // UNCONFIRMED message
		{"Action number", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":1,"Resource":"*"}`), s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"Action array with number", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":["s3:*",1],"Resource":"*"}`), s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"Action without service", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"GetObject","Resource":"*"}`), s3("Policy has invalid action"), ReasonInvalidAction},
		{"Action empty service", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":":GetObject","Resource":"*"}`), s3("Policy has invalid action"), ReasonInvalidAction},
		{"Action empty name", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:","Resource":"*"}`), s3("Policy has invalid action"), ReasonInvalidAction},
		{"Action two colons", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:Get:Object","Resource":"*"}`), s3("Policy has invalid action"), ReasonInvalidAction},
		{"missing Resource", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*"}`), s3("Statement is missing required element"), ReasonMissingResource},
		{"empty Resource array", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":[]}`), s3("Statement is missing required element"), ReasonMissingResource},
		{"Resource and NotResource", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","NotResource":"arn:aws:s3:::b"}`), s3("Statement has both Resource and NotResource"), ReasonBothElements}, // UNCONFIRMED message
		{"Resource not an ARN", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"b/*"}`), s3("Policy has invalid resource"), ReasonInvalidResource},
		{"Resource short ARN", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:b"}`), s3("Policy has invalid resource"), ReasonInvalidResource},
		{"Resource empty service", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws::::b"}`), s3("Policy has invalid resource"), ReasonInvalidResource},
		{"Resource object", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":{"a":1}}`), s3("This policy contains invalid Json"), ReasonInvalidJSON},

		// Principals.
		{"Principal string not star", BucketPolicy, doc(`{"Effect":"Allow","Principal":"111122223333","Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal empty object", BucketPolicy, doc(`{"Effect":"Allow","Principal":{},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal array", BucketPolicy, doc(`{"Effect":"Allow","Principal":["*"],"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal AWS empty array", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":[]},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal AWS number", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":111122223333},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal unknown type", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"aws":"*"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal partial wildcard user", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal wildcard account", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal question mark", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":"11112222333?"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal 11-digit account", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":"11112222333"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal group", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/admins"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal region in ARN", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam:us-east-1:111122223333:root"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal assumed-role without session", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/R"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal assumed-role session wildcard", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/R/*"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal OAI lowercase id", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E-1"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal service without dot", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"Service":"cloudfront"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal service star", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"Service":"*"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal canonical short", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"CanonicalUser":"abc"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},
		{"Principal federated wildcard", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"Federated":"*"},"Action":"s3:*","Resource":"*"}`), s3("Invalid principal in policy"), ReasonInvalidPrincipal},

		// Conditions.
		{"Condition not an object", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":[]}`), s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"operator block not an object", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":"x"}}`), s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"unknown operator", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringMatches":{"aws:x":"y"}}}`), s3("Invalid Condition type : StringMatches"), ReasonBadOperator},                                               // UNCONFIRMED message
		{"operator wrong case", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"stringequals":{"aws:x":"y"}}}`), s3("Invalid Condition type : stringequals"), ReasonBadOperator},                                              // UNCONFIRMED message
		{"IfExists twice", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEqualsIfExistsIfExists":{"aws:x":"y"}}}`), s3("Invalid Condition type : StringEqualsIfExistsIfExists"), ReasonBadOperator},                   // UNCONFIRMED message
		{"qualifier alone", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"ForAnyValue:":{"aws:x":"y"}}}`), s3("Invalid Condition type : ForAnyValue:"), ReasonBadOperator},                                                  // UNCONFIRMED message
		{"two qualifiers", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"ForAnyValue:ForAllValues:StringEquals":{"aws:x":"y"}}}`), s3("Invalid Condition type : ForAnyValue:ForAllValues:StringEquals"), ReasonBadOperator}, // UNCONFIRMED message
		{"qualified Null", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"ForAnyValue:Null":{"aws:x":"true"}}}`), s3("Invalid Condition type : ForAnyValue:Null"), ReasonBadOperator},                                        // UNCONFIRMED message
		{"key without colon", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"SourceVpce":"y"}}}`), s3("Policy has an invalid condition key"), ReasonBadConditionKey},                                         // UNCONFIRMED message
		{"key empty name", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:":"y"}}}`), s3("Policy has an invalid condition key"), ReasonBadConditionKey},                                                  // UNCONFIRMED message
		{"value null", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:x":null}}}`), s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"value nested array", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:x":[["y"]]}}}`), s3("This policy contains invalid Json"), ReasonInvalidJSON},
		{"numeric word", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"NumericEquals":{"s3:max-keys":"ten"}}}`), s3("Invalid value for condition NumericEquals: s3:max-keys"), ReasonBadConditionValue},                  // UNCONFIRMED message
		{"numeric hex", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"NumericEquals":{"s3:max-keys":"0x10"}}}`), s3("Invalid value for condition NumericEquals: s3:max-keys"), ReasonBadConditionValue},                  // UNCONFIRMED message
		{"numeric NaN", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"NumericEquals":{"s3:max-keys":"NaN"}}}`), s3("Invalid value for condition NumericEquals: s3:max-keys"), ReasonBadConditionValue},                   // UNCONFIRMED message
		{"numeric JSON exponent", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"NumericEquals":{"s3:max-keys":1e3}}}`), s3("Invalid value for condition NumericEquals: s3:max-keys"), ReasonBadConditionValue},           // UNCONFIRMED message
		{"numeric boolean", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"NumericEquals":{"s3:max-keys":true}}}`), s3("Invalid value for condition NumericEquals: s3:max-keys"), ReasonBadConditionValue},                // UNCONFIRMED message
		{"date word", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}}`), s3("Invalid value for condition DateLessThan: aws:CurrentTime"), ReasonBadConditionValue},          // UNCONFIRMED message
		{"date month 13", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2024-13-01"}}}`), s3("Invalid value for condition DateLessThan: aws:CurrentTime"), ReasonBadConditionValue},    // UNCONFIRMED message
		{"date February 30", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2023-02-30"}}}`), s3("Invalid value for condition DateLessThan: aws:CurrentTime"), ReasonBadConditionValue}, // UNCONFIRMED message
		{"date wildcard", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2024-*"}}}`), s3("Invalid value for condition DateLessThan: aws:CurrentTime"), ReasonBadConditionValue},        // UNCONFIRMED message
		{"ip bad", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"1.2.3"}}}`), s3("Invalid value for condition IpAddress: aws:SourceIp"), ReasonBadConditionValue},                            // UNCONFIRMED message
		{"ip prefix too long", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}`), s3("Invalid value for condition NotIpAddress: aws:SourceIp"), ReasonBadConditionValue},    // UNCONFIRMED message
		{"ip zone", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"fe80::1%eth0"}}}`), s3("Invalid value for condition IpAddress: aws:SourceIp"), ReasonBadConditionValue},                    // UNCONFIRMED message
		{"bool word", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"1"}}}`), s3("Invalid value for condition Bool: aws:SecureTransport"), ReasonBadConditionValue},                         // UNCONFIRMED message
		{"binary bad", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"BinaryEquals":{"s3:x":"!!"}}}`), s3("Invalid value for condition BinaryEquals: s3:x"), ReasonBadConditionValue},                                     // UNCONFIRMED message
		{"null word", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Null":{"s3:x":"absent"}}}`), s3("Invalid value for condition Null: s3:x"), ReasonBadConditionValue},                                                  // UNCONFIRMED message

		// IAM identity policies.
		{"identity invalid JSON", IdentityPolicy, `{`, iam("Syntax errors in policy."), ReasonInvalidJSON},
		{"identity first byte", IdentityPolicy, `x`, iam("Syntax errors in policy."), ReasonFirstByte},
		{"identity Principal", IdentityPolicy, doc(okStmt), iam("Policy document should not specify a principal."), ReasonPrincipalForbidden},
		{"identity NotPrincipal", IdentityPolicy, doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}`), iam("Policy document should not specify a principal."), ReasonPrincipalForbidden},
		{"identity Sid hyphen", IdentityPolicy, doc(`{"Sid":"a-b","Effect":"Allow","Action":"s3:*","Resource":"*"}`), iam("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"), ReasonBadSid},
		{"identity Sid underscore", IdentityPolicy, doc(`{"Sid":"a_b","Effect":"Allow","Action":"s3:*","Resource":"*"}`), iam("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"), ReasonBadSid},
		{"identity duplicate Sid", IdentityPolicy, doc(okIdentityStmt, okIdentityStmt), iam("Statement IDs (SID) in a single policy must be unique."), ReasonDuplicateSid},
		{"identity missing Action", IdentityPolicy, doc(`{"Effect":"Allow","Resource":"*"}`), iam("Policy statement must contain actions."), ReasonMissingAction},
		{"identity missing Resource", IdentityPolicy, doc(`{"Effect":"Allow","Action":"s3:*"}`), iam("Policy statement must contain resources."), ReasonMissingResource},
		{"identity bad Resource", IdentityPolicy, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"mybucket"}`), iam(`Resource mybucket must be in ARN format or "*".`), ReasonInvalidResource},
		{"identity bad Action", IdentityPolicy, doc(`{"Effect":"Allow","Action":"ListBucket","Resource":"*"}`), iam("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."), ReasonInvalidAction},
		{"identity bad condition key", IdentityPolicy, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"SourceVpce":"x"}}}`), iam("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."), ReasonBadConditionKey},
		{"identity bad operator", IdentityPolicy, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"stringEquals":{"aws:x":"y"}}}`), iam("Invalid Condition type : stringEquals"), ReasonBadOperator},
		{"identity missing Effect", IdentityPolicy, doc(`{"Action":"s3:*","Resource":"*"}`), iam("Missing required field Effect"), ReasonMissingEffect}, // UNCONFIRMED message

		// IAM trust policies.
		{"trust Resource", TrustPolicy, doc(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}`), iam("Has prohibited field Resource"), ReasonResourceForbidden},
		{"trust NotResource", TrustPolicy, doc(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","NotResource":"*"}`), iam("Has prohibited field NotResource"), ReasonResourceForbidden}, // UNCONFIRMED message
		{"trust missing Principal", TrustPolicy, doc(`{"Effect":"Allow","Action":"sts:AssumeRole"}`), iam("Missing required field Principal"), ReasonMissingPrincipal},
		{"trust invalid principal", TrustPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/*"},"Action":"sts:AssumeRole"}`), iam(`Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:role/*"`), ReasonInvalidPrincipal},
		{"trust Sid with space", TrustPolicy, doc(`{"Sid":"a b","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`), iam("Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"), ReasonBadSid},

		// KMS key policies.
		{"key invalid principal", KeyPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"kms:*","Resource":"*"}`), kms("Policy contains a statement with one or more invalid principals."), ReasonInvalidPrincipal},
		{"key missing principal", KeyPolicy, doc(`{"Effect":"Allow","Action":"kms:*","Resource":"*"}`), kms("Policy contains a statement with no principal."), ReasonMissingPrincipal},                                       // UNCONFIRMED message
		{"key control character", KeyPolicy, doc(`{"Sid":"a` + "\x01" + `","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}`), kms("Policy contains characters that are not allowed."), ReasonNonPrintable}, // UNCONFIRMED message
		{"key non-Latin-1 character", KeyPolicy, doc(`{"Sid":"日本","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}`), kms("Policy contains characters that are not allowed."), ReasonNonPrintable},          // UNCONFIRMED message
		{"key invalid UTF-8", KeyPolicy, doc(`{"Sid":"` + "\xff" + `","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}`), kms("Policy contains characters that are not allowed."), ReasonNonPrintable},      // UNCONFIRMED message
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.doc), tt.kind)
			if err == nil {
				t.Fatalf("Parse succeeded (%d statements), want %v", len(p.Statements()), tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v", err, err)
			}
			if pe.Code != tt.want.Code || pe.Message != tt.want.Message {
				t.Errorf("got %s %q, want %s %q", pe.Code, pe.Message, tt.want.Code, tt.want.Message)
			}
			if pe.Reason != tt.reason {
				t.Errorf("reason %q, want %q", pe.Reason, tt.reason)
			}
			if pe.Error() != pe.Code+": "+pe.Message {
				t.Errorf("Error() = %q", pe.Error())
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		doc  string
	}{
		{"version 2012", BucketPolicy, doc(okStmt)},
		{"version 2008", BucketPolicy, `{"Version":"2008-10-17","Statement":[` + okStmt + `]}`},
		{"no version", BucketPolicy, `{"Statement":[` + okStmt + `]}`},
		{"statement object", BucketPolicy, `{"Statement":` + okStmt + `}`},
		{"Id", BucketPolicy, `{"Id":"PolicyForCloudFrontPrivateContent","Version":"2012-10-17","Statement":[` + okStmt + `]}`},
		{"leading whitespace", BucketPolicy, "\n\t  " + doc(okStmt) + "\n"},
		{"bucket Sid with spaces and punctuation", BucketPolicy, doc(`{"Sid":"Allow CloudFront (OAC) - read-only","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`)},
		{"bucket duplicate Sids", BucketPolicy, doc(okStmt, okStmt)},
		{"key Sid with spaces", KeyPolicy, doc(`{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}`)},
		{"identity empty Sid twice", IdentityPolicy, doc(`{"Sid":"","Effect":"Allow","Action":"s3:*","Resource":"*"}`, `{"Sid":"","Effect":"Allow","Action":"s3:*","Resource":"*"}`)},
		{"identity no Sid", IdentityPolicy, doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`)},
		{"trust without Resource", TrustPolicy, doc(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`)},
		{"all principal forms", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":["*","111122223333","arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/a/b/c","arn:aws:iam::111122223333:role/r","arn:aws:sts::111122223333:assumed-role/r/s@x","arn:aws:sts::111122223333:federated-user/f","arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL","arn:aws-cn:iam::111122223333:root"],"Service":["cloudfront.amazonaws.com","logging.s3.amazonaws.com"],"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be","Federated":["cognito-identity.amazonaws.com","arn:aws:iam::111122223333:saml-provider/Okta"]},"Action":"s3:*","Resource":"*"}`)},
		{"NotPrincipal", BucketPolicy, doc(`{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}`)},
		{"NotAction NotResource", BucketPolicy, doc(`{"Effect":"Deny","Principal":"*","NotAction":"s3:Get*","NotResource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}`)},
		{"action wildcards", IdentityPolicy, doc(`{"Effect":"Allow","Action":["*","s3:*","s3:Get*","*:Get*","s?:*"],"Resource":"*"}`)},
		{"every operator", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{` +
			`"StringEquals":{"a:a":"x"},"StringNotEquals":{"a:a":"x"},"StringEqualsIgnoreCase":{"a:a":"x"},"StringNotEqualsIgnoreCase":{"a:a":"x"},` +
			`"StringLike":{"a:a":"x*"},"StringNotLike":{"a:a":"x?"},"NumericEquals":{"a:a":"1"},"NumericNotEquals":{"a:a":"-1.5"},` +
			`"NumericLessThan":{"a:a":1},"NumericLessThanEquals":{"a:a":".5"},"NumericGreaterThan":{"a:a":"+2"},"NumericGreaterThanEquals":{"a:a":"3."},` +
			`"DateEquals":{"a:a":"2024"},"DateNotEquals":{"a:a":"2024-01"},"DateLessThan":{"a:a":"2024-01-02"},"DateLessThanEquals":{"a:a":"2024-01-02T03:04Z"},` +
			`"DateGreaterThan":{"a:a":"2024-01-02T03:04:05+02:00"},"DateGreaterThanEquals":{"a:a":"2024-01-02T03:04:05.123456789Z"},` +
			`"Bool":{"a:a":true},"BinaryEquals":{"a:a":"QmluYXJ5"},"IpAddress":{"a:a":["10.0.0.0/8","::1","2001:db8::/32"]},"NotIpAddress":{"a:a":"10.1.2.3"},` +
			`"ArnEquals":{"a:a":"arn:aws:s3:::b"},"ArnLike":{"a:a":"arn:*:s3:::*"},"ArnNotEquals":{"a:a":"arn:aws:s3:::b"},"ArnNotLike":{"a:a":"arn:aws:s3:::b*"},` +
			`"Null":{"a:a":"true"},"StringEqualsIfExists":{"a:a":"x"},"NumericLessThanIfExists":{"a:a":"1"},"DateLessThanIfExists":{"a:a":"1700000000"},` +
			`"BoolIfExists":{"a:a":"false"},"BinaryEqualsIfExists":{"a:a":"QQ=="},"IpAddressIfExists":{"a:a":"10.0.0.1"},"NotIpAddressIfExists":{"a:a":"10.0.0.1"},` +
			`"ArnLikeIfExists":{"a:a":"arn:aws:s3:::b"},"ArnNotLikeIfExists":{"a:a":"arn:aws:s3:::b"},"StringNotLikeIfExists":{"a:a":"x"},` +
			`"ForAnyValue:StringLike":{"a:a":["x"]},"ForAllValues:StringEquals":{"a:a":[]},"ForAnyValue:NumericLessThanIfExists":{"a:a":"3"},` +
			`"ForAllValues:ArnLike":{"a:a":"arn:aws:s3:::*"},"ForAnyValue:DateGreaterThan":{"a:a":"2024-01-01"},"ForAllValues:IpAddress":{"a:a":"10.0.0.0/8"},` +
			`"ForAnyValue:Bool":{"a:a":"true"},"ForAnyValue:BinaryEquals":{"a:a":"QQ=="},"ForAllValues:StringNotEqualsIgnoreCaseIfExists":{"a:a":"x"}` +
			`}}`)},
		{"variables anywhere in strings", BucketPolicy, doc(`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/${*}${?}${$}/${aws:userid, 'anon'}","Condition":{"StringLike":{"s3:prefix":"${aws:username}/${"}}}`)},
		{"unicode key", BucketPolicy, doc(`{"Sid":"café","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/日本/*"}`)},
		{"partition aws-us-gov", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws-us-gov:iam::111122223333:user/x"},"Action":"s3:*","Resource":"arn:aws-us-gov:s3:::b/*"}`)},
		{"anonymous canonical id", BucketPolicy, doc(`{"Effect":"Allow","Principal":{"CanonicalUser":"65a011a29cdf8ec533ec3d1ccaae921c"},"Action":"s3:*","Resource":"*"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse([]byte(tt.doc), tt.kind); err != nil {
				t.Fatalf("Parse: %v", err)
			}
		})
	}
}

func TestParseUnknownKind(t *testing.T) {
	if _, err := Parse([]byte(doc(okStmt)), Kind(0)); err == nil {
		t.Fatal("Parse accepted Kind(0)")
	}
	if _, ok := (func() (e error, ok bool) { _, e = Parse([]byte(doc(okStmt)), Kind(9)); _, ok = e.(*ParseError); return })(); ok {
		t.Fatal("unknown kind returned a ParseError")
	}
}

func TestSizeLimits(t *testing.T) {
	// pad builds a valid document whose compact size is exactly n, using a
	// Sid of the needed length, then adds whitespace that must not count.
	pad := func(kind Kind, n int, stmt func(sid string) string) []byte {
		base := `{"Version":"2012-10-17","Statement":[` + stmt("") + `]}`
		sid := strings.Repeat("a", n-len(base))
		d := `{"Version":"2012-10-17","Statement":[` + stmt(sid) + `]}`
		if got := CompactSize([]byte(d), true); got != n {
			t.Fatalf("pad: size %d, want %d", got, n)
		}
		return []byte(strings.ReplaceAll(d, ",", ",\n    "))
	}
	bucket := func(sid string) string {
		return `{"Sid":"` + sid + `","Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}`
	}
	ident := func(sid string) string {
		return `{"Sid":"` + sid + `","Effect":"Allow","Action":"s3:*","Resource":"*"}`
	}
	trust := func(sid string) string {
		return `{"Sid":"` + sid + `","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`
	}
	tests := []struct {
		kind  Kind
		limit int
		stmt  func(string) string
		code  string
		msg   string
	}{
		{BucketPolicy, MaxBucketPolicySize, bucket, "MalformedPolicy", "Policy exceeds the maximum allowed document size."}, // UNCONFIRMED message
		{IdentityPolicy, MaxManagedPolicySize, ident, "LimitExceeded", "Cannot exceed quota for PolicySize: 6144"},
		{TrustPolicy, MaxTrustPolicySize, trust, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048"}, // UNCONFIRMED message
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			if _, err := Parse(pad(tt.kind, tt.limit, tt.stmt), tt.kind); err != nil {
				t.Fatalf("at the limit: %v", err)
			}
			_, err := Parse(pad(tt.kind, tt.limit+1, tt.stmt), tt.kind)
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Code != tt.code || pe.Message != tt.msg || pe.Reason != ReasonTooLarge {
				t.Fatalf("over the limit: %v", err)
			}
			// A larger limit lets it through; a negative one disables it.
			if _, err := ParseWithOptions(pad(tt.kind, tt.limit+1, tt.stmt), tt.kind, ParseOptions{MaxSize: tt.limit + 1}); err != nil {
				t.Fatalf("raised limit: %v", err)
			}
			if _, err := ParseWithOptions(pad(tt.kind, tt.limit*2, tt.stmt), tt.kind, ParseOptions{MaxSize: -1}); err != nil {
				t.Fatalf("no limit: %v", err)
			}
		})
	}
	t.Run("KeyPolicy", func(t *testing.T) {
		stmt := `{"Sid":"X","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"kms:*","Resource":"*"}`
		d := []byte(doc(stmt))
		// Key policies count whitespace.
		padded := append([]byte(nil), d...)
		padded = append(padded, strings.Repeat(" ", MaxKeyPolicySize-len(d))...)
		if _, err := Parse(padded, KeyPolicy); err != nil {
			t.Fatalf("at the limit: %v", err)
		}
		_, err := Parse(append(padded, ' '), KeyPolicy)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Code != "LimitExceededException" || pe.Reason != ReasonTooLarge { // UNCONFIRMED message
			t.Fatalf("over the limit: %v", err)
		}
	})
	t.Run("identity counts characters", func(t *testing.T) {
		// 6144 characters of which many are two-byte: fine for IAM.
		base := doc(`{"Sid":"S","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/"}`)
		n := MaxManagedPolicySize - len(base)
		d := doc(`{"Sid":"S","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/` + strings.Repeat("é", n) + `"}`)
		if _, err := Parse([]byte(d), IdentityPolicy); err != nil {
			t.Fatalf("%d characters: %v", CompactSize([]byte(d), false), err)
		}
	})
}

func TestCompactSize(t *testing.T) {
	tests := []struct {
		in         string
		bytes, chr int
	}{
		{``, 0, 0},
		{` { "a" : "b c" } `, 11, 11},
		{"{\n\t\"a\":\r\n1}", 7, 7},
		{`{"a":"\" x"}`, 12, 12},
		{`{"é":1}`, 8, 7},
		{`"unterminated  `, 15, 15},
	}
	for _, tt := range tests {
		if got := CompactSize([]byte(tt.in), true); got != tt.bytes {
			t.Errorf("CompactSize(%q, bytes) = %d, want %d", tt.in, got, tt.bytes)
		}
		if got := CompactSize([]byte(tt.in), false); got != tt.chr {
			t.Errorf("CompactSize(%q, chars) = %d, want %d", tt.in, got, tt.chr)
		}
	}
}

func TestStatementAccessors(t *testing.T) {
	d := []byte(`{"Version":"2012-10-17","Id":"P1","Statement":[
	  {"Sid":"A","Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/alice"],"Service":"cloudfront.amazonaws.com"},
	   "Action":["s3:GetObject","s3:List*"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],
	   "Condition":{"StringEquals":{"AWS:SourceArn":"arn:aws:cloudfront::1:distribution/E1"},"NumericLessThan":{"s3:max-keys":10}}},
	  {"Effect":"Deny","NotPrincipal":"*","NotAction":"s3:*","NotResource":"arn:aws:s3:::b/x"}]}`)
	p, err := Parse(d, BucketPolicy)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind() != BucketPolicy || p.Version() != Version2012 || p.ID() != "P1" || string(p.Raw()) != string(d) {
		t.Fatalf("policy fields: %v %q %q", p.Kind(), p.Version(), p.ID())
	}
	ss := p.Statements()
	if len(ss) != 2 {
		t.Fatalf("%d statements", len(ss))
	}
	a, b := &ss[0], &ss[1]
	if a.Index() != 0 || a.Sid() != "A" || a.Effect() != EffectAllow || !a.HasPrincipal() || a.NotPrincipal() ||
		a.NotAction() || !a.HasResource() || a.NotResource() {
		t.Errorf("statement A flags")
	}
	wantP := []PrincipalValue{{"AWS", "111122223333"}, {"AWS", "arn:aws:iam::111122223333:user/alice"}, {"Service", "cloudfront.amazonaws.com"}}
	if got := a.Principals(); !reflect.DeepEqual(got, wantP) {
		t.Errorf("Principals = %v", got)
	}
	if got := a.Actions(); !reflect.DeepEqual(got, []string{"s3:GetObject", "s3:List*"}) {
		t.Errorf("Actions = %v", got)
	}
	if got := a.Resources(); !reflect.DeepEqual(got, []string{"arn:aws:s3:::b", "arn:aws:s3:::b/*"}) {
		t.Errorf("Resources = %v", got)
	}
	wantC := []Condition{
		{Operator: "StringEquals", Key: "AWS:SourceArn", Values: []string{"arn:aws:cloudfront::1:distribution/E1"}},
		{Operator: "NumericLessThan", Key: "s3:max-keys", Values: []string{"10"}},
	}
	if got := a.Conditions(); !reflect.DeepEqual(got, wantC) {
		t.Errorf("Conditions = %v", got)
	}
	if wantC[0].Negated() || !(Condition{Operator: "ForAllValues:StringNotLikeIfExists"}).Negated() {
		t.Errorf("Negated")
	}
	// Returned slices are copies.
	a.Actions()[0] = "x"
	a.Conditions()[0].Values[0] = "x"
	if a.Actions()[0] != "s3:GetObject" || a.Conditions()[0].Values[0] != "arn:aws:cloudfront::1:distribution/E1" {
		t.Errorf("accessors expose internal slices")
	}
	if b.Sid() != "" || b.Effect() != EffectDeny || !b.NotPrincipal() || !b.NotAction() || !b.NotResource() {
		t.Errorf("statement B flags")
	}
	if got := b.Principals(); !reflect.DeepEqual(got, []PrincipalValue{{"*", "*"}}) {
		t.Errorf("B Principals = %v", got)
	}
	// Identity and trust statements.
	ip, err := Parse([]byte(doc(okIdentityStmt)), IdentityPolicy)
	if err != nil || ip.Statements()[0].HasPrincipal() {
		t.Errorf("identity statement has a principal: %v", err)
	}
	tp, err := Parse([]byte(doc(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`)), TrustPolicy)
	if err != nil || tp.Statements()[0].HasResource() || len(tp.Statements()[0].Resources()) != 0 {
		t.Errorf("trust statement has a resource: %v", err)
	}
}

func TestKindAndEffectStrings(t *testing.T) {
	for k, want := range map[Kind]string{BucketPolicy: "BucketPolicy", IdentityPolicy: "IdentityPolicy", KeyPolicy: "KeyPolicy", TrustPolicy: "TrustPolicy", 0: "Kind(?)"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q", k, k.String())
		}
	}
	if EffectAllow.String() != "Allow" || EffectDeny.String() != "Deny" || Effect(0).String() != "?" {
		t.Error("Effect strings")
	}
	for d, want := range map[Decision]string{ImplicitDeny: "ImplicitDeny", Allow: "Allow", ExplicitDeny: "ExplicitDeny", 7: "Decision(?)"} {
		if d.String() != want {
			t.Errorf("Decision %d = %q", d, d.String())
		}
	}
	if NotApplicable != ImplicitDeny {
		t.Error("NotApplicable")
	}
}
