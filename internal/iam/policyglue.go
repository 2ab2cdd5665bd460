package iam

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/reqctx"
)

// This file is the package's whole contact surface with internal/policy:
// parsing documents, converting principals, building request contexts and
// combining decisions.

// parsePolicy parses doc as a policy of the given kind. A document the
// parser refuses is IAM's 400 MalformedPolicyDocument with the parser's
// message, or 409 LimitExceeded for one over its size quota.
func parsePolicy(doc string, kind policy.Kind, opts policy.ParseOptions) (*policy.Policy, *awsapi.Error) {
	p, err := policy.ParseWithOptions([]byte(doc), kind, opts)
	if err != nil {
		var pe *policy.ParseError
		if !errors.As(err, &pe) {
			return nil, errMalformedPolicy.WithMessage(err.Error())
		}
		if pe.Code == errLimitExceeded.Code {
			return nil, errLimitExceeded.WithMessage(pe.Message)
		}
		return nil, errMalformedPolicy.WithMessage(pe.Message)
	}
	return p, nil
}

// parseManagedPolicy parses a managed policy version (at most 6,144
// characters without white space: LimitExceeded "Cannot exceed quota for
// PolicySize: 6144").
func parseManagedPolicy(doc string) (*policy.Policy, *awsapi.Error) {
	return parsePolicy(doc, policy.IdentityPolicy, policy.ParseOptions{})
}

// parseInlinePolicy parses an inline policy. Its size counts against the
// quota of all of its user's or role's inline policies together, which
// the caller checks (see inlineSize).
func parseInlinePolicy(doc string) (*policy.Policy, *awsapi.Error) {
	return parsePolicy(doc, policy.IdentityPolicy, policy.ParseOptions{MaxSize: -1})
}

// parseTrustPolicy parses a role trust policy (at most 2,048 characters
// without white space: LimitExceeded "Cannot exceed quota for
// ACLSizePerRole: 2048").
func parseTrustPolicy(doc string) (*policy.Policy, *awsapi.Error) {
	return parsePolicy(doc, policy.TrustPolicy, policy.ParseOptions{})
}

// policySize is a document's size as IAM counts it against its quotas:
// characters, white space outside strings not counted.
func policySize(doc string) int { return policy.CompactSize([]byte(doc), false) }

// policyPrincipal is the principal as a resource policy's Principal
// element sees it.
func policyPrincipal(p identity.Principal) policy.Principal {
	return policy.Principal{
		Anonymous:   p.IsAnonymous(),
		Account:     p.Account,
		ARN:         p.ARN,
		RoleARN:     p.RoleARN,
		CanonicalID: p.CanonicalID,
	}
}

// directPrincipal is p stripped of its account: it matches a Principal
// element that names p itself (its ARN, its role's ARN, or "*"), but not one
// that names only p's account. AssumeRole uses it to tell a trust policy
// that trusts the caller from one that trusts the caller's account.
func directPrincipal(p identity.Principal) policy.Principal {
	return policy.Principal{ARN: p.ARN, RoleARN: p.RoleARN}
}

// condContext is a request's condition keys, by lowercased key name.
type condContext map[string][]string

// Values implements policy.Context (keys arrive lowercased).
func (c condContext) Values(key string) ([]string, bool) {
	v, ok := c[key]
	return v, ok
}

func (c condContext) set(key string, values ...string) { c[strings.ToLower(key)] = values }

// principalARNKey is aws:PrincipalArn: the role's ARN (not the session's)
// for role sessions.
func principalARNKey(p identity.Principal) string {
	if p.Type == identity.AssumedRole && p.RoleARN != "" {
		return p.RoleARN
	}
	return p.ARN
}

// callContext builds the global condition keys of an IAM or STS call
// (spec §2.8) that the caller and the connection determine.
func callContext(req *http.Request, c *reqctx.Call, now time.Time) condContext {
	p := c.Principal
	if !c.Received.IsZero() {
		now = c.Received
	}
	ctx := condContext{}
	ctx.set("aws:CurrentTime", now.UTC().Format(time.RFC3339))
	ctx.set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	ctx.set("aws:SecureTransport", strconv.FormatBool(c.Secure))
	ctx.set("aws:ViaAWSService", "false")
	if c.SourceIP != "" {
		ctx.set("aws:SourceIp", c.SourceIP)
	}
	if c.Auth != nil && c.Auth.Region != "" {
		ctx.set("aws:RequestedRegion", c.Auth.Region)
	}
	if req != nil {
		if ua := req.Header.Get("User-Agent"); ua != "" {
			ctx.set("aws:UserAgent", ua)
		}
		if ref := req.Header.Get("Referer"); ref != "" {
			ctx.set("aws:Referer", ref)
		}
	}
	ctx.set("aws:PrincipalType", p.Type.String())
	ctx.set("aws:userid", p.UserID)
	if p.IsAnonymous() {
		return ctx
	}
	ctx.set("aws:PrincipalAccount", p.Account)
	ctx.set("aws:PrincipalArn", principalARNKey(p))
	ctx.set("aws:PrincipalIsAWSService", "false")
	switch p.Type {
	case identity.User:
		ctx.set("aws:username", p.UserName)
	case identity.AssumedRole:
		// Temporary credentials carry the key (false without MFA);
		// long-term credentials do not.
		ctx.set("aws:MultiFactorAuthPresent", "false")
	}
	return ctx
}

// evaluateAll combines the decisions of a set of policies as IAM combines
// the identity policies of one principal: an explicit deny in any wins,
// else an allow in any allows, else the request is implicitly denied.
func evaluateAll(pols []NamedPolicy, req *policy.Request) policy.Decision {
	d := policy.ImplicitDeny
	for i := range pols {
		switch pols[i].Policy.Evaluate(req, nil) {
		case policy.ExplicitDeny:
			return policy.ExplicitDeny
		case policy.Allow:
			d = policy.Allow
		}
	}
	return d
}
