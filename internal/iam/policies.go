package iam

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
)

// NamedPolicy is one identity policy of a principal, with what a trace
// needs to name it.
type NamedPolicy struct {
	// Name is the policy's name: the inline policy's name, or the managed
	// policy's (AmazonS3ReadOnlyAccess, site-readers).
	Name string
	// ARN is the managed policy's ARN (arn:aws:iam::ACCT:policy/PATH/NAME,
	// arn:aws:iam::aws:policy/NAME), or for an inline policy
	// "inline:user/USER/POLICY" or "inline:role/ROLE/POLICY".
	ARN string
	// Version is the managed policy's default version (v1, v2, ...) whose
	// document Policy is; "" for inline policies.
	Version string
	// Policy is the parsed document.
	Policy *policy.Policy
}

// IdentityPolicies returns the identity-based policies of p: for an IAM
// user its inline policies (by name) then its attached managed policies
// (in attachment order); for a role session the same for its role. The
// root user, anonymous callers and service principals have none (root
// needs none in its own account). The slice is shared and must not be
// modified; it stays valid (a snapshot) when policies change later.
//
// It is one map lookup under a read lock and does not allocate: S3 and
// KMS call it on every signed request.
func (r *Registry) IdentityPolicies(p identity.Principal) []NamedPolicy {
	key := policyIndexKey(p)
	if key == "" {
		return nil
	}
	r.mu.RLock()
	pols := r.polIndex[key]
	r.mu.RUnlock()
	return pols
}

// identityPoliciesLocked is IdentityPolicies for a caller holding the lock.
func (r *Registry) identityPoliciesLocked(p identity.Principal) []NamedPolicy {
	return r.polIndex[policyIndexKey(p)]
}

// policyIndexKey is the unique id the policy index files p's policies
// under: the user's AIDA… id, or the role's AROA… id for a session (whose
// UserID is "AROA…:SESSION"). Keying by unique id, as IAM does, means a
// session of a deleted role does not inherit the policies of a new role
// of the same name.
func policyIndexKey(p identity.Principal) string {
	switch p.Type {
	case identity.User:
		return p.UserID
	case identity.AssumedRole:
		id, _, _ := strings.Cut(p.UserID, ":")
		return id
	}
	return ""
}

// inlinePolicy is a policy embedded in one user or role.
type inlinePolicy struct {
	name, doc string
	pol       *policy.Policy
}

func (h *entity) inlineNames() []string {
	names := make([]string, 0, len(h.inline))
	for n := range h.inline {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// inlineSize is the summed size of h's inline policies, replacing the one
// named replace (if any) by one of size add.
func (h *entity) inlineSize(replace string, add int) int {
	n := add
	for name, p := range h.inline {
		if name != replace {
			n += policySize(p.doc)
		}
	}
	return n
}

func (h *entity) isAttached(arn string) bool { return slices.Contains(h.attached, arn) }

// managedPolicy is a customer managed policy, or one of the built-in AWS
// managed policies (account "aws", read-only).
type managedPolicy struct {
	account, name, path, id, description string
	created                              time.Time
	versions                             []*policyVersion // oldest first
	defaultVersion                       string
	nextVersion                          int // the next version is "v" + nextVersion
	tags                                 []Tag
}

type policyVersion struct {
	id, doc string
	pol     *policy.Policy
	created time.Time
}

func (m *managedPolicy) arn() string             { return policyARN(m.account, m.path, m.name) }
func (m *managedPolicy) isAWS() bool             { return m.account == awsAccount }
func (m *managedPolicy) current() *policyVersion { return m.version(m.defaultVersion) }

// updateDate is the policy's UpdateDate: when its newest version was
// created (its creation when it has only one).
func (m *managedPolicy) updateDate() time.Time {
	t := m.created
	for _, v := range m.versions {
		if v.created.After(t) {
			t = v.created
		}
	}
	return t
}

func (m *managedPolicy) version(id string) *policyVersion {
	for _, v := range m.versions {
		if v.id == id {
			return v
		}
	}
	return nil
}

// awsAccount is the account part of AWS managed policy ARNs.
const awsAccount = "aws"

// ARN builders. A path "/" gives KIND/NAME.
func policyARN(account, path, name string) string {
	return "arn:aws:iam::" + account + ":policy" + path + name
}

func roleARN(account, path, name string) string {
	return "arn:aws:iam::" + account + ":role" + path + name
}

// assumedRoleARN is a role session's ARN: the role's path is not part of it.
func assumedRoleARN(account, roleName, session string) string {
	return "arn:aws:sts::" + account + ":assumed-role/" + roleName + "/" + session
}

// encodeDocument renders a policy document as IAM returns it: URL-encoded
// (RFC 3986; spaces as %20, so both percent-decoding and form-decoding
// give the document back).
func encodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// lookupPolicy finds the managed policy an ARN names: one of a's customer
// managed policies or an AWS managed one. The caller holds the lock.
func (r *Registry) lookupPolicy(a *account, arn string) (*managedPolicy, bool) {
	parsed, ok := parseIAMARN(arn)
	if !ok || parsed.kind != "policy" {
		return nil, false
	}
	switch parsed.account {
	case awsAccount:
		m, ok := r.awsPolicies[arn]
		return m, ok
	case a.ID:
		m, ok := a.policies[strings.ToLower(parsed.name)]
		if !ok || m.arn() != arn {
			return nil, false
		}
		return m, true
	}
	return nil, false
}

// iamARN is an IAM resource ARN split into arn:aws:iam::ACCOUNT:KIND PATH NAME.
type iamARN struct {
	account, kind, path, name string
}

// parseIAMARN splits arn:aws:iam::ACCT:KIND/PATH/NAME.
func parseIAMARN(s string) (iamARN, bool) {
	a, ok := awsapi.ParseARN(s)
	if !ok || a.Service != "iam" || a.Region != "" {
		return iamARN{}, false
	}
	kind, rest, ok := strings.Cut(a.Resource, "/")
	if !ok || rest == "" {
		return iamARN{}, false
	}
	i := strings.LastIndexByte(rest, '/')
	return iamARN{account: a.Account, kind: kind, path: "/" + rest[:i+1], name: rest[i+1:]}, true
}

// attachmentCount counts the users and roles of a that have m attached.
func attachmentCount(a *account, arn string) int {
	n := 0
	for _, u := range a.users {
		if u.isAttached(arn) {
			n++
		}
	}
	for _, ro := range a.roles {
		if ro.isAttached(arn) {
			n++
		}
	}
	return n
}

// reindexPoliciesLocked rebuilds the identity-policy index from scratch.
// IAM changes are rare; a rebuild keeps the index trivially consistent and
// never modifies a slice a reader may hold. The caller holds the write lock.
func (r *Registry) reindexPoliciesLocked() {
	idx := make(map[string][]NamedPolicy, len(r.polIndex))
	for _, a := range r.order {
		for _, u := range a.users {
			if pols := r.namedPolicies(a, userHolder.kind, &u.entity); len(pols) > 0 {
				idx[u.id] = pols
			}
		}
		for _, ro := range a.roles {
			if pols := r.namedPolicies(a, roleHolder.kind, &ro.entity); len(pols) > 0 {
				idx[ro.id] = pols
			}
		}
	}
	r.polIndex = idx
}

// namedPolicies lists the identity policies of h, a user or role (kind).
func (r *Registry) namedPolicies(a *account, kind string, h *entity) []NamedPolicy {
	if len(h.inline) == 0 && len(h.attached) == 0 {
		return nil
	}
	out := make([]NamedPolicy, 0, len(h.inline)+len(h.attached))
	for _, name := range h.inlineNames() {
		out = append(out, NamedPolicy{Name: name, ARN: "inline:" + kind + "/" + h.name + "/" + name, Policy: h.inline[name].pol})
	}
	for _, arn := range h.attached {
		m, ok := r.lookupPolicy(a, arn)
		if !ok {
			continue // cannot happen: deleting an attached policy is refused
		}
		v := m.current()
		out = append(out, NamedPolicy{Name: m.name, ARN: arn, Version: v.id, Policy: v.pol})
	}
	return out
}

// The AWS managed policies edgegate knows, with their current documents
// (AWS Managed Policy Reference). They exist in every account, cannot be
// changed, and only their default version is known.
var awsManagedPolicyDefs = []struct {
	name, description, version, created, updated, doc string
}{
	{
		name:        "AdministratorAccess",
		description: "Provides full access to AWS services and resources.",
		version:     "v1",
		created:     "2015-02-06T18:39:46Z",
		updated:     "2015-02-06T18:39:46Z",
		doc: `{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : "*",
      "Resource" : "*"
    }
  ]
}`,
	},
	{
		name:        "AmazonS3FullAccess",
		description: "Provides full access to all buckets via the AWS Management Console.",
		version:     "v2",
		created:     "2015-02-06T18:40:58Z",
		updated:     "2021-09-27T20:16:37Z",
		doc: `{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : [
        "s3:*",
        "s3-object-lambda:*"
      ],
      "Resource" : "*"
    }
  ]
}`,
	},
	{
		name:        "AmazonS3ReadOnlyAccess",
		description: "Provides read only access to all buckets via the AWS Management Console.",
		version:     "v3",
		created:     "2015-02-06T18:40:59Z",
		updated:     "2023-08-10T21:31:39Z",
		doc: `{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : [
        "s3:Get*",
        "s3:List*",
        "s3:Describe*",
        "s3-object-lambda:Get*",
        "s3-object-lambda:List*"
      ],
      "Resource" : "*"
    }
  ]
}`,
	},
}

// buildAWSManagedPolicies parses the built-in AWS managed policies.
func buildAWSManagedPolicies() (map[string]*managedPolicy, error) {
	out := make(map[string]*managedPolicy, len(awsManagedPolicyDefs))
	for _, d := range awsManagedPolicyDefs {
		pol, perr := parseManagedPolicy(d.doc)
		if perr != nil {
			return nil, fmt.Errorf("iam: built-in policy %s: %s", d.name, perr.Message)
		}
		created, err := parseTime(d.created)
		if err != nil {
			return nil, err
		}
		updated, err := parseTime(d.updated)
		if err != nil {
			return nil, err
		}
		var n int
		fmt.Sscanf(d.version, "v%d", &n)
		m := &managedPolicy{
			account: awsAccount, name: d.name, path: "/", id: derivedID(policyIDPrefix, "aws managed policy", d.name),
			description: d.description, created: created,
			versions:       []*policyVersion{{id: d.version, doc: d.doc, pol: pol, created: updated}},
			defaultVersion: d.version, nextVersion: n + 1,
		}
		out[m.arn()] = m
	}
	return out, nil
}

// derivedID is a stable unique id (prefix + base32 characters, as long as
// the ids IAM issues) derived from a name, for built-in entities.
func derivedID(prefix, what, name string) string {
	sum := sha256.Sum256([]byte("edgegate " + what + "\x00" + name))
	enc := base32.StdEncoding.EncodeToString(sum[:])
	return prefix + enc[:uniqueIDLen-len(prefix)]
}
