package originaccess

import (
	"errors"
	"fmt"
	"strings"

	"github.com/edgegate/edgegate/internal/policy"
)

// CloudFrontService is the service principal CloudFront signs origin access
// control requests as.
const CloudFrontService = "cloudfront.amazonaws.com"

// Grantee is who CloudFront reads an origin as: the service principal of an
// origin access control, scoped to one distribution, or an origin access
// identity. Exactly one of OAI and the OAC reading applies: OAI set means
// an origin access identity; otherwise DistributionARN's OAC.
type Grantee struct {
	// DistributionARN is arn:aws:cloudfront::ACCOUNT:distribution/ID. For
	// an OAC it is the AWS:SourceArn every origin request carries; for an
	// OAI it only names the distribution in messages.
	DistributionARN string
	// OAI is the origin access identity's id (E2QWRUHAPOMQZL); "" for OAC.
	OAI string
}

// IsOAI reports whether the grantee is an origin access identity.
func (g Grantee) IsOAI() bool { return g.OAI != "" }

// Validate checks that the grantee can be named in a policy.
func (g Grantee) Validate() error {
	if g.IsOAI() {
		if !isAlnum(g.OAI) {
			return fmt.Errorf("bad origin access identity id %q", g.OAI)
		}
		return nil
	}
	_, _, err := ParseDistributionARN(g.DistributionARN)
	return err
}

// String names the grantee for messages.
func (g Grantee) String() string {
	if g.IsOAI() {
		return "origin access identity " + g.OAI
	}
	_, id, err := ParseDistributionARN(g.DistributionARN)
	if err != nil {
		id = g.DistributionARN
	}
	return CloudFrontService + " (distribution " + id + ")"
}

// Principal is the principal S3 and KMS see for the grantee's requests.
func (g Grantee) Principal() policy.Principal {
	if g.IsOAI() {
		return policy.Principal{ARN: OAIARN(g.OAI)}
	}
	return policy.Principal{Service: CloudFrontService}
}

// context is the request context of the grantee's origin requests (lowercased
// keys): for OAC the keys S3 sets for a service principal plus the
// distribution's aws:SourceArn and aws:SourceAccount; for an OAI the
// aws:Principal* keys of its ARN. Requests are taken to arrive over HTTPS.
func (g Grantee) context() policy.MapContext {
	m := policy.MapContext{"aws:securetransport": {"true"}}
	if g.IsOAI() {
		m["aws:principalarn"] = []string{OAIARN(g.OAI)}
		m["aws:principaltype"] = []string{"CloudFrontOriginAccessIdentity"}
		m["aws:principalisawsservice"] = []string{"false"}
		return m
	}
	account, _, _ := ParseDistributionARN(g.DistributionARN)
	m["aws:sourcearn"] = []string{g.DistributionARN}
	m["aws:sourceaccount"] = []string{account}
	m["aws:principalservicename"] = []string{CloudFrontService}
	m["aws:principaltype"] = []string{"AWSService"}
	m["aws:principalisawsservice"] = []string{"true"}
	return m
}

// Options choose what is granted besides reading objects.
type Options struct {
	// ListBucket adds s3:ListBucket on the bucket, so that a missing object
	// is a 404 instead of a 403.
	ListBucket bool
	// Writes adds s3:PutObject and s3:DeleteObject on the objects, and
	// kms:Encrypt and kms:GenerateDataKey* on an SSE-KMS key.
	Writes bool
}

// Permission is one action a grantee needs on one resource.
type Permission struct {
	// Action and Resource are written in a new statement ("kms:GenerateDataKey*",
	// "*" for a key policy).
	Action   string
	Resource string
	// EvalAction and EvalResource are the request evaluated to decide
	// whether the document already allows it: the concrete action
	// ("kms:GenerateDataKey") and ARN (the key's; arn:aws:s3:::BUCKET/*
	// taken literally for "every object", so a statement scoped to a prefix
	// neither satisfies nor blocks the grant).
	EvalAction   string
	EvalResource string
}

// Grant is what one grantee needs in one policy document.
type Grant struct {
	Kind        policy.Kind // policy.BucketPolicy or policy.KeyPolicy
	Grantee     Grantee
	Permissions []Permission
	// Context is the request context the permissions are evaluated with
	// (lowercased keys).
	Context policy.MapContext
}

// request is the evaluation request of permission p.
func (g *Grant) request(p Permission) *policy.Request {
	return &policy.Request{Principal: g.Grantee.Principal(), Action: p.EvalAction, Resource: p.EvalResource, Context: g.Context}
}

// BucketGrant is what g needs in the policy of bucket: s3:GetObject on
// arn:aws:s3:::BUCKET/*, plus s3:PutObject and s3:DeleteObject with
// o.Writes, plus s3:ListBucket on arn:aws:s3:::BUCKET with o.ListBucket.
func BucketGrant(g Grantee, bucket string, o Options) Grant {
	objects := "arn:aws:s3:::" + bucket + "/*"
	perm := func(action, res string) Permission {
		return Permission{Action: action, Resource: res, EvalAction: action, EvalResource: res}
	}
	ps := []Permission{perm("s3:GetObject", objects)}
	if o.Writes {
		ps = append(ps, perm("s3:PutObject", objects), perm("s3:DeleteObject", objects))
	}
	if o.ListBucket {
		ps = append(ps, perm("s3:ListBucket", "arn:aws:s3:::"+bucket))
	}
	return Grant{Kind: policy.BucketPolicy, Grantee: g, Permissions: ps, Context: g.context()}
}

// ErrOAIKMS is KeyGrant's answer for an origin access identity: no key
// policy can let an OAI use a KMS key (catalog KMS-OAI).
var ErrOAIKMS = errors.New("an origin access identity cannot use KMS keys")

// KeyGrant is what g needs in the policy of the customer managed key keyARN
// (arn:aws:kms:REGION:ACCOUNT:key/ID) for SSE-KMS objects read through S3:
// kms:Decrypt, plus kms:Encrypt and kms:GenerateDataKey* with o.Writes, on
// "*" (the key itself), as the CloudFront Developer Guide documents. The
// requests are evaluated as S3 makes them: kms:ViaService
// s3.REGION.amazonaws.com. An OAI gets ErrOAIKMS.
func KeyGrant(g Grantee, keyARN string, o Options) (Grant, error) {
	if g.IsOAI() {
		return Grant{}, ErrOAIKMS
	}
	parts := strings.SplitN(keyARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "kms" || parts[3] == "" || !strings.HasPrefix(parts[5], "key/") {
		return Grant{}, fmt.Errorf("%q is not a KMS key ARN", keyARN)
	}
	perm := func(action, eval string) Permission {
		return Permission{Action: action, Resource: "*", EvalAction: eval, EvalResource: keyARN}
	}
	ps := []Permission{perm("kms:Decrypt", "kms:Decrypt")}
	if o.Writes {
		ps = append(ps, perm("kms:Encrypt", "kms:Encrypt"), perm("kms:GenerateDataKey*", "kms:GenerateDataKey"))
	}
	ctx := g.context()
	ctx["kms:viaservice"] = []string{"s3." + parts[3] + ".amazonaws.com"}
	ctx["aws:viaawsservice"] = []string{"true"}
	return Grant{Kind: policy.KeyPolicy, Grantee: g, Permissions: ps, Context: ctx}, nil
}

// Problem is a reason no policy change can make an origin readable, in the
// words of the 403 catalog (shared/spec/403-catalog.md).
type Problem struct {
	ID      string // catalog id: KMS-OAI, KMS-KEY-POLICY
	Summary string
	Fix     string
}

func (p Problem) String() string { return p.ID + ": " + p.Summary + "; fix: " + p.Fix }

// OAIKMSProblem is KMS-OAI: bucket's default encryption is SSE-KMS and
// the origin reads it through origin access identity oai.
func OAIKMSProblem(bucket, oai string) Problem {
	return Problem{ID: "KMS-OAI",
		Summary: "bucket " + bucket + " encrypts objects with SSE-KMS, and origin access identity " + oai +
			" cannot use KMS keys: no key policy can name an OAI, so SSE-KMS objects read through it are always denied (403 AccessDenied)",
		Fix: "migrate the origin to origin access control (OAC) and run grant-origin-access again, " +
			"or use SSE-S3 (AES256) for the objects served through CloudFront"}
}

// AWSManagedKeyProblem is KMS-KEY-POLICY for a bucket whose default
// encryption uses the AWS managed key aws/s3 (keyARN, "" when unknown).
func AWSManagedKeyProblem(bucket, keyARN string) Problem {
	key := "the AWS managed key aws/s3"
	if keyARN != "" {
		key += " (" + keyARN + ")"
	}
	return Problem{ID: "KMS-KEY-POLICY",
		Summary: "bucket " + bucket + " encrypts objects with " + key + ", whose key policy allows only principals of its own account " +
			"calling through S3 and cannot be changed, so CloudFront's origin access control cannot decrypt them (403 AccessDenied)",
		Fix: "create a customer managed key, make it the bucket's default encryption key, re-encrypt the objects " +
			"(aws s3 cp s3://" + bucket + "/ s3://" + bucket + "/ --recursive --sse aws:kms --sse-kms-key-id KEY_ARN), " +
			"and run grant-origin-access again to add the key-policy statement"}
}
