package iam

import (
	"net/http"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/reqctx"
)

// getCallerIdentityResult is STS's GetCallerIdentityResult shape.
type getCallerIdentityResult struct {
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
}

// ServeSTS answers an STS Query API request (Version 2011-06-15). Only
// GetCallerIdentity is served; other actions are InvalidAction. Every
// response carries x-amz-request-id = c.RequestID.
func (r *Registry) ServeSTS(w http.ResponseWriter, req *http.Request, c *reqctx.Call) {
	action, result, err := r.serveSTS(w, req, c)
	if err != nil {
		writeQueryError(w, c.RequestID, stsNamespace, queryError(err, errInternalFailure))
		return
	}
	writeResult(w, c.RequestID, stsNamespace, action, result)
}

func (r *Registry) serveSTS(w http.ResponseWriter, req *http.Request, c *reqctx.Call) (string, any, *awsapi.Error) {
	if c.Principal.IsAnonymous() {
		return "", nil, errMissingAuthToken
	}
	form, err := parseForm(w, req)
	if err != nil {
		return "", nil, err
	}
	p := params{form: form}
	action, _ := p.get("Action")
	if action == "" {
		return "", nil, errMissingAction
	}
	version, _ := p.get("Version")
	if version != stsVersion || action != "GetCallerIdentity" {
		return "", nil, invalidOperation(action, version)
	}
	if err := authorize(c.Principal, "sts:GetCallerIdentity", "*"); err != nil {
		return "", nil, err
	}
	return action, getCallerIdentityResult{Arn: c.Principal.ARN, UserID: c.Principal.UserID, Account: c.Principal.Account}, nil
}
