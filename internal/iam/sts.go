package iam

import (
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
)

// getCallerIdentityResult is STS's GetCallerIdentityResult shape.
type getCallerIdentityResult struct {
	Arn     string `xml:"Arn"`
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
}

// getCallerIdentity is STS GetCallerIdentity. No permission is needed,
// and no policy can deny it.
func (r *Registry) getCallerIdentity(q *iamRequest) (any, *awsapi.Error) {
	return getCallerIdentityResult{Arn: q.caller.ARN, UserID: q.caller.UserID, Account: q.caller.Account}, nil
}

// Role session durations, in seconds.
const (
	minSessionDuration     = 900
	defaultSessionDuration = 3600
	// chainedSessionLimit caps a session that a role session assumes
	// (role chaining).
	chainedSessionLimit = 3600
	// sessionRetention is how long an expired session's key is kept, so
	// that requests signed with it are answered ExpiredToken rather than
	// InvalidAccessKeyId / InvalidClientTokenId.
	sessionRetention = 24 * time.Hour
	// sessionTokenBytes is the random part of a session token. AWS tokens
	// are opaque, several hundred characters long; clients must not
	// assume a size.
	sessionTokenBytes = 240
)

// errNoSessionPolicies refuses what edgegate does not model yet rather than
// ignoring it: session policies and session tags only ever narrow access
// or feed conditions, and silently dropping them would widen it.
var errNoSessionPolicies = errValidation.WithMessage("edgegate does not support session policies or session tags (the Policy, PolicyArns, Tags and TransitiveTagKeys parameters of AssumeRole); assume the role without them.")

// assumeRoleResult is STS's AssumeRoleResult shape.
type assumeRoleResult struct {
	Credentials     xmlCredentials     `xml:"Credentials"`
	AssumedRoleUser xmlAssumedRoleUser `xml:"AssumedRoleUser"`
}

type xmlCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type xmlAssumedRoleUser struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

// assumeRole is STS AssumeRole. The caller must be trusted by the role's
// trust policy and, unless the trust policy names the caller itself (its
// user ARN, its role or session ARN, or "*") in the role's own account,
// allowed sts:AssumeRole on the role by its identity policies: a trust
// policy that names an account delegates the decision to that account's
// identity policies, and a caller from another account always needs both
// (STS API reference, AssumeRole; IAM policy evaluation logic). An
// explicit deny in either denies. A role that does not exist is denied
// the same way, so that a caller cannot probe for role names. Root users
// cannot assume roles.
func (r *Registry) assumeRole(q *iamRequest) (any, *awsapi.Error) {
	roleArn, _ := q.str("RoleArn", "roleArn", true, arnRule)
	session, _ := q.str("RoleSessionName", "roleSessionName", true, roleSessionNameRule)
	duration, hasDuration := q.intRange("DurationSeconds", "durationSeconds", minSessionDuration, maxMaxSession)
	externalID, hasExternalID := q.str("ExternalId", "externalId", false, externalIDRule)
	if err := q.err(); err != nil {
		return nil, err
	}
	for name := range q.form {
		if name == "Policy" || strings.HasPrefix(name, "PolicyArns.") || strings.HasPrefix(name, "Tags.") || strings.HasPrefix(name, "TransitiveTagKeys.") {
			return nil, errNoSessionPolicies
		}
	}
	caller := q.caller
	if caller.Type == identity.Root {
		return nil, errAccessDenied.WithMessage("Roles may not be assumed by root accounts.")
	}
	if !hasDuration {
		duration = defaultSessionDuration
	}
	q.ctx.set("sts:RoleSessionName", session)
	if hasExternalID {
		q.ctx.set("sts:ExternalId", externalID)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	denied := notAuthorized(caller.ARN, q.action, roleArn)
	a, ro := r.lookupRoleARN(roleArn)
	if ro == nil {
		return nil, denied
	}
	q.ctx.set("aws:ResourceAccount", a.ID)
	req := &policy.Request{Principal: policyPrincipal(caller), Action: q.action, Resource: roleArn, Context: q.ctx}
	if ro.trust.Evaluate(req, nil) != policy.Allow {
		return nil, denied
	}
	idDecision := evaluateAll(r.identityPoliciesLocked(caller), req)
	if idDecision == policy.ExplicitDeny {
		return nil, denied
	}
	needIdentity := caller.Account != a.ID
	if !needIdentity {
		direct := *req
		direct.Principal = directPrincipal(caller)
		needIdentity = ro.trust.Evaluate(&direct, nil) != policy.Allow
	}
	if needIdentity && idDecision != policy.Allow {
		return nil, denied
	}
	if caller.Type == identity.AssumedRole && duration > chainedSessionLimit {
		return nil, errValidation.WithMessage("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if duration > ro.maxSession {
		return nil, errValidation.WithMessage("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}

	r.sweepSessionsLocked(q.now)
	akid, secret, token, err := r.newSessionCredentials()
	if err != nil {
		return nil, storageFailure(err)
	}
	expires := q.now.Add(time.Duration(duration) * time.Second)
	p := identity.Principal{
		Type:        identity.AssumedRole,
		Account:     a.ID,
		ARN:         assumedRoleARN(a.ID, ro.name, session),
		RoleARN:     ro.arn(a.ID),
		UserID:      ro.id + ":" + session,
		CanonicalID: a.CanonicalID,
		DisplayName: a.DisplayName,
		AccessKeyID: akid,
	}
	r.keys[akid] = keyEntry{secret: secret, active: true, principal: p, token: token, expires: expires}
	r.sessions++
	return assumeRoleResult{
		Credentials:     xmlCredentials{AccessKeyID: akid, SecretAccessKey: secret, SessionToken: token, Expiration: isoTime(expires)},
		AssumedRoleUser: xmlAssumedRoleUser{AssumedRoleID: p.UserID, Arn: p.ARN},
	}, nil
}

// lookupRoleARN finds the role an ARN names, in any configured account.
// The ARN must be the role's exact ARN, path included. The caller holds
// the lock.
func (r *Registry) lookupRoleARN(arn string) (*account, *role) {
	parsed, ok := parseIAMARN(arn)
	if !ok || parsed.kind != "role" {
		return nil, nil
	}
	a, ok := r.accounts[parsed.account]
	if !ok {
		return nil, nil
	}
	ro, ok := a.roles[strings.ToLower(parsed.name)]
	if !ok || ro.arn(a.ID) != arn {
		return nil, nil
	}
	return a, ro
}

// newSessionCredentials draws a temporary access key id no key uses, a
// secret and a session token. The caller holds the write lock.
func (r *Registry) newSessionCredentials() (akid, secret, token string, err error) {
	if akid, err = r.newID(tempKeyPrefix, accessKeyIDLen, "temporary access key id", r.keyUsed); err != nil {
		return "", "", "", err
	}
	if secret, err = randomString(r.rand, "", secretKeyLen, base64Alphabet); err != nil {
		return "", "", "", err
	}
	if token, err = randomString(r.rand, "", sessionTokenBytes*4/3, base64Alphabet); err != nil {
		return "", "", "", err
	}
	return akid, secret, token, nil
}

// sweepSessionsLocked forgets sessions that expired more than
// sessionRetention ago. The caller holds the write lock.
func (r *Registry) sweepSessionsLocked(now time.Time) {
	if r.sessions == 0 {
		return
	}
	for id, e := range r.keys {
		if !e.expires.IsZero() && now.Sub(e.expires) > sessionRetention {
			delete(r.keys, id)
			r.sessions--
		}
	}
}

// CheckSessionToken checks the X-Amz-Security-Token of a request signed
// with accessKeyID (whose signature the caller has verified) at time now.
// It returns nil when the request may proceed, and otherwise the error to
// send, spelled as S3 spells it (WriteIAMError and WriteSTSError translate
// it):
//
//   - a long-term key (root or IAM user) with a token: 400 InvalidToken
//     "The provided token is malformed or otherwise invalid." (IAM/STS:
//     403 InvalidClientTokenId "The security token included in the request
//     is invalid.");
//   - a session key without its token: 403 InvalidAccessKeyId (IAM/STS:
//     InvalidClientTokenId);
//   - a session key with another token: 400 InvalidToken (IAM/STS:
//     InvalidClientTokenId);
//   - an expired session: 400 ExpiredToken "The provided token has
//     expired." with the token as <Token-0> (IAM/STS: 403 ExpiredToken
//     "The security token included in the request is expired");
//   - an unknown key: 403 InvalidAccessKeyId.
//
// Role sessions live in memory only: a restart ends them all (their keys
// then answer InvalidAccessKeyId / InvalidClientTokenId), as if they had
// been revoked. Like PrincipalForKey it is one map lookup under a read
// lock and does not allocate unless it fails.
func (r *Registry) CheckSessionToken(accessKeyID, token string, now time.Time) *awsapi.Error {
	r.mu.RLock()
	e, found := r.keys[accessKeyID]
	r.mu.RUnlock()
	switch {
	case !found || !e.active:
		return awsapi.ErrInvalidAccessKeyID
	case e.token == "":
		if token != "" {
			return errSessionTokenInvalid
		}
		return nil
	case token == "":
		return awsapi.ErrInvalidAccessKeyID
	case !equalConstantTime(token, e.token):
		return errSessionTokenInvalid
	case !now.Before(e.expires):
		return errSessionTokenExpired.With("Token-0", token)
	}
	return nil
}

// equalConstantTime compares two strings in time that depends only on
// their lengths.
func equalConstantTime(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := 0; i < len(a); i++ {
		v |= a[i] ^ b[i]
	}
	return v == 0
}
