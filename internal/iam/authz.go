package iam

import (
	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
)

// authorize decides whether principal p may perform action (iam:CreateUser,
// sts:GetCallerIdentity, ...) on resource (an ARN, or "*"). It returns nil
// to allow and the error to send otherwise. It is the only authorization
// decision of the IAM and STS handlers.
//
// Until identity policies exist (they arrive with the authorization issue,
// which replaces this body with a call into the policy engine, keeping the
// signature), the rules are AWS's for principals without policies:
//
//   - anonymous callers are refused before any action is considered
//     (MissingAuthenticationToken, as AWS answers unsigned IAM/STS calls);
//   - any signed caller may call sts:GetCallerIdentity (AWS requires no
//     permission for it, and an explicit deny cannot block it);
//   - an account's root user may do everything to resources of its own
//     account;
//   - everyone else (IAM users, and later roles) is denied: with no
//     identity policy nothing allows the action.
func authorize(p identity.Principal, action, resource string) *awsapi.Error {
	if p.IsAnonymous() {
		return errMissingAuthToken
	}
	if action == "sts:GetCallerIdentity" {
		return nil
	}
	if p.Type == identity.Root && p.Account != "" {
		if a, ok := awsapi.ParseARN(resource); ok && a.Account == p.Account {
			return nil
		}
	}
	return accessDenied(p.ARN, action, resource)
}
