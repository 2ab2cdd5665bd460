package iam

import (
	"net/http"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/reqctx"
)

// authorizeLocked decides whether principal p may perform action
// (iam:CreateUser, sts:GetCallerIdentity, ...) on resource (an ARN) in the
// request context ctx. It returns nil to allow and the error to send
// otherwise. It is the only authorization decision of the IAM API (STS
// AssumeRole adds the role's trust policy, see assumeRole). The caller
// holds the registry's lock (read or write).
//
// The rules are IAM's for a single account, where IAM resources have no
// resource-based policies:
//
//   - anonymous callers are refused before any action is considered
//     (MissingAuthenticationToken, as AWS answers unsigned IAM/STS calls);
//   - any signed caller may call sts:GetCallerIdentity (AWS requires no
//     permission for it, and an explicit deny cannot block it);
//   - an account's root user may do everything to the resources of its
//     own account, and read the AWS managed policies;
//   - an IAM user or a role session is allowed what its identity policies
//     (the user's, or the role's) allow on resources of its own account or
//     on AWS managed policies, unless one of them denies it explicitly;
//     with no allowing statement the action is implicitly denied;
//   - every other caller is denied.
func (r *Registry) authorizeLocked(p identity.Principal, ctx condContext, action, resource string) *awsapi.Error {
	if p.IsAnonymous() {
		return errMissingAuthToken
	}
	if action == "sts:GetCallerIdentity" {
		return nil
	}
	resAccount := ""
	if a, ok := awsapi.ParseARN(resource); ok {
		resAccount = a.Account
	}
	// "*" is the resource of actions that take no resource-level
	// permission (cloudfront:ListDistributions, ...): the caller's own
	// account acts on it.
	ownOrAWS := p.Account != "" && (resAccount == p.Account || resAccount == awsAccount || resource == "*")
	switch p.Type {
	case identity.Root:
		if ownOrAWS {
			return nil
		}
	case identity.User, identity.AssumedRole:
		if !ownOrAWS {
			break
		}
		req := &policy.Request{Principal: policyPrincipal(p), Action: action, Resource: resource, Context: ctx}
		switch evaluateAll(r.identityPoliciesLocked(p), req) {
		case policy.Allow:
			return nil
		case policy.ExplicitDeny:
			return explicitDenied(p.ARN, action, resource)
		}
	}
	return accessDenied(p.ARN, action, resource)
}

// AuthorizeCall decides a call to an AWS control-plane API whose resources
// have no resource-based policies (CloudFront's distributions, origin
// access controls, ...): the caller's identity policies alone decide, with
// the rules of authorizeLocked and the global condition keys of the call.
// It returns nil to allow, or the AccessDenied (or, for an unsigned call,
// MissingAuthenticationToken) error to send.
func (r *Registry) AuthorizeCall(req *http.Request, c *reqctx.Call, action, resource string) *awsapi.Error {
	ctx := callContext(req, c, time.Now())
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.authorizeLocked(c.Principal, ctx, action, resource)
}
