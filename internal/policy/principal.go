package policy

import "strings"

// Principal is who is asking, as the policy language sees it. The caller
// (SigV4 verification plus the IAM/STS model) fills it in.
type Principal struct {
	// Anonymous is set for unsigned requests.
	Anonymous bool
	// Account is the principal's 12-digit account id; "" for the anonymous
	// user, service principals and CloudFront origin access identities.
	Account string
	// ARN is arn:aws:iam::A:root, arn:aws:iam::A:user/path/name, the
	// assumed-role session ARN arn:aws:sts::A:assumed-role/R/S, a federated
	// user arn:aws:sts::A:federated-user/N, or an OAI's
	// arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity EXXX.
	ARN string
	// RoleARN is, for role sessions, the role's ARN with its path
	// (arn:aws:iam::A:role/path/R): a Principal naming the role matches its
	// sessions.
	RoleARN string
	// Service is the service principal, e.g. cloudfront.amazonaws.com.
	Service string
	// CanonicalID is the S3 canonical user id of the principal: its
	// account's, or an OAI's.
	CanonicalID string
	// Federated is the identity provider of a web-identity or SAML
	// federation request (AssumeRoleWithWebIdentity/SAML): the provider name
	// (accounts.google.com, cognito-identity.amazonaws.com) or its ARN.
	Federated string
}

// PrincipalValue is one entry of a Principal or NotPrincipal element as
// written: Type is "*" (the bare "Principal":"*"), "AWS", "Service",
// "CanonicalUser" or "Federated".
type PrincipalValue struct {
	Type  string
	Value string
}

type principalKind uint8

const (
	pAny       principalKind = iota // "*" or {"AWS":"*"}
	pAccount                        // 12-digit id or arn:aws:iam::ACCT:root
	pUser                           // IAM user, federated user, OAI: exact ARN
	pRole                           // IAM role: the role and its sessions
	pSession                        // assumed-role session: exact ARN
	pService                        // {"Service": ...}
	pCanonical                      // {"CanonicalUser": ...}
	pFederated                      // {"Federated": ...}
)

type principalPat struct {
	kind  principalKind
	value string // account id, ARN, service name, canonical id or provider
	raw   PrincipalValue
}

// OAIARNPrefix starts the ARN of every CloudFront origin access identity.
const OAIARNPrefix = "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity "

// parseAWSPrincipal validates one {"AWS": v} value.
func parseAWSPrincipal(v string) (principalPat, bool) {
	raw := PrincipalValue{"AWS", v}
	if v == "*" {
		return principalPat{kind: pAny, raw: raw}, true
	}
	if strings.ContainsAny(v, "*?") {
		return principalPat{}, false // no partial wildcards
	}
	if isAccountID(v) {
		return principalPat{kind: pAccount, value: v, raw: raw}, true
	}
	if id, ok := strings.CutPrefix(v, OAIARNPrefix); ok {
		if id == "" || !isAlnum(id) {
			return principalPat{}, false
		}
		return principalPat{kind: pUser, value: v, raw: raw}, true
	}
	parts, ok := splitARN(v)
	if !ok || parts[0] != "arn" || !validPartition(parts[1]) || parts[3] != "" || !isAccountID(parts[4]) {
		return principalPat{}, false
	}
	res := parts[5]
	switch parts[2] {
	case "iam":
		switch {
		case res == "root":
			return principalPat{kind: pAccount, value: parts[4], raw: raw}, true
		case strings.HasPrefix(res, "user/") && validPathName(res[len("user/"):]):
			return principalPat{kind: pUser, value: v, raw: raw}, true
		case strings.HasPrefix(res, "role/") && validPathName(res[len("role/"):]):
			return principalPat{kind: pRole, value: v, raw: raw}, true
		}
	case "sts":
		if rest, ok := strings.CutPrefix(res, "assumed-role/"); ok {
			role, session, ok := strings.Cut(rest, "/")
			if ok && validName(role) && validName(session) {
				return principalPat{kind: pSession, value: v, raw: raw}, true
			}
		}
		if name, ok := strings.CutPrefix(res, "federated-user/"); ok && validName(name) {
			return principalPat{kind: pUser, value: v, raw: raw}, true
		}
	}
	return principalPat{}, false
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// validPartition accepts aws, aws-cn, aws-us-gov and the like.
func validPartition(p string) bool {
	if p == "" {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validName accepts IAM names: alphanumerics and +=,.@_- (also used for
// session names).
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' ||
			strings.IndexByte("+=,.@_-", c) >= 0) {
			return false
		}
	}
	return true
}

// validPathName accepts path/name: slash-separated names.
func validPathName(s string) bool {
	for _, seg := range strings.Split(s, "/") {
		if !validName(seg) {
			return false
		}
	}
	return true
}

// validService accepts a service principal such as cloudfront.amazonaws.com.
func validService(s string) bool {
	if s == "" || strings.ContainsAny(s, "*? ") {
		return false
	}
	return strings.Contains(s, ".")
}

func validCanonicalID(s string) bool {
	// 64: accounts; 32: the anonymous user; 96: CloudFront origin access
	// identities (as edgegate issues them; UNCONFIRMED length on AWS).
	if len(s) != 64 && len(s) != 32 && len(s) != 96 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// isAccountLevel reports whether p names a whole account that pr belongs to.
func (pp *principalPat) isAccountLevel(pr *Principal) bool {
	switch pp.kind {
	case pAccount:
		return pr.Account != "" && pr.Account == pp.value
	case pCanonical:
		// An account's canonical id stands for the account; an OAI's for the OAI.
		return pr.Account != "" && pr.CanonicalID != "" && strings.EqualFold(pr.CanonicalID, pp.value)
	}
	return false
}

// match implements the Principal element: does this entry name pr?
func (pp *principalPat) match(pr *Principal) bool {
	switch pp.kind {
	case pAny:
		return true
	case pAccount:
		return !pr.Anonymous && pr.Service == "" && pr.Account != "" && pr.Account == pp.value
	case pUser, pSession:
		return !pr.Anonymous && pr.ARN != "" && pr.ARN == pp.value
	case pRole:
		return !pr.Anonymous && (pr.RoleARN == pp.value || pr.ARN == pp.value)
	case pService:
		return pr.Service != "" && pr.Service == pp.value
	case pCanonical:
		return pr.CanonicalID != "" && strings.EqualFold(pr.CanonicalID, pp.value)
	case pFederated:
		return pr.Federated != "" && pr.Federated == pp.value
	}
	return false
}

// principalsMatch reports whether any entry names pr, and which.
func principalsMatch(pats []principalPat, pr *Principal) (int, bool) {
	for i := range pats {
		if pats[i].match(pr) {
			return i, true
		}
	}
	return -1, false
}

// notPrincipalExcludes reports whether a NotPrincipal list exempts pr. Per
// the NotPrincipal page, AWS may evaluate the account, then the role, then
// the session (or the account, then the user), so every link of the chain
// must be listed: a user needs its ARN and its account; a role session its
// session ARN, its role ARN and its account; a root user its account.
// Principals outside an account (anonymous, services, OAIs, federated
// providers) are exempt when any entry names them.
func notPrincipalExcludes(pats []principalPat, pr *Principal) bool {
	for i := range pats {
		if pats[i].kind == pAny {
			return true
		}
	}
	if pr.Anonymous || pr.Account == "" || pr.Service != "" {
		_, ok := principalsMatch(pats, pr)
		return ok
	}
	needSelf := pr.ARN != "" && !strings.HasSuffix(pr.ARN, ":root")
	needRole := pr.RoleARN != ""
	account, role, self := false, !needRole, !needSelf
	for i := range pats {
		pp := &pats[i]
		if pp.isAccountLevel(pr) {
			account = true
		}
		switch pp.kind {
		case pRole:
			if needRole && pp.value == pr.RoleARN {
				role = true
			}
			if pp.value == pr.ARN {
				self = true
			}
		case pUser, pSession:
			if pp.value == pr.ARN {
				self = true
			}
		}
	}
	return account && role && self
}
