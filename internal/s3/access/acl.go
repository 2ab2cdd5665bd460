package access

import (
	"strings"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// Permission is an ACL permission. On a bucket READ lists its objects,
// WRITE creates, overwrites and deletes them; on an object READ reads it
// (WRITE has no meaning there). READ_ACP and WRITE_ACP read and write the
// ACL itself; FULL_CONTROL is all four.
type Permission string

// The ACL permissions.
const (
	PermRead        Permission = "READ"
	PermWrite       Permission = "WRITE"
	PermReadACP     Permission = "READ_ACP"
	PermWriteACP    Permission = "WRITE_ACP"
	PermFullControl Permission = "FULL_CONTROL"
)

// Valid reports whether p is one of S3's five permissions.
func (p Permission) Valid() bool {
	switch p {
	case PermRead, PermWrite, PermReadACP, PermWriteACP, PermFullControl:
		return true
	}
	return false
}

// Includes reports whether a grant of p also grants q: every permission
// includes itself, and FULL_CONTROL includes all.
func (p Permission) Includes(q Permission) bool { return p == q || p == PermFullControl }

// GranteeType is a grantee's xsi:type.
type GranteeType string

// The grantee types.
const (
	CanonicalUser GranteeType = "CanonicalUser"
	Group         GranteeType = "Group"
	// AmazonCustomerByEmail appears only in requests: S3 resolves e-mail
	// grantees to the account's canonical user when it stores the ACL
	// (Resolve), so stored and rendered ACLs never hold one.
	AmazonCustomerByEmail GranteeType = "AmazonCustomerByEmail"
)

// The predefined S3 groups a Group grantee may name.
const (
	// AllUsers is everyone, signed or anonymous.
	AllUsers = "http://acs.amazonaws.com/groups/global/AllUsers"
	// AuthenticatedUsers is every signed request, from any AWS account.
	AuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	// LogDelivery is S3's server access log delivery.
	LogDelivery = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

// ExecReadID is the canonical user the aws-exec-read canned ACL grants READ
// (EC2 fetching AMI bundles); S3 shows it with ExecReadDisplayName.
const (
	ExecReadID          = "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c"
	ExecReadDisplayName = "za-team"
)

// MaxGrants is the most grants one ACL may hold.
const MaxGrants = 100

// Owner is the owner of a bucket or object as an ACL names it.
type Owner struct {
	ID          string // canonical user id
	DisplayName string // rendering only; not stored
}

// Grantee is who a grant is for: a canonical user (ID), a group (URI) or,
// in requests only, an account by e-mail (Email).
type Grantee struct {
	Type        GranteeType
	ID          string
	URI         string
	Email       string
	DisplayName string // rendering only; not stored
}

// Grant gives one grantee one permission.
type Grant struct {
	Grantee    Grantee
	Permission Permission
}

// ACL is an access control list: the resource's owner and its grants, in
// order. ACLs only grant, never deny. The owner holds no permission through
// being named Owner (S3 lets a resource's owner read and write its ACL
// whatever the grants say; that is the decision's business).
type ACL struct {
	Owner  Owner
	Grants []Grant
}

// Requester is who asks, as ACL matching sees it.
type Requester struct {
	// CanonicalID is the canonical user id of the requester's account
	// (identity.AnonymousCanonicalID for the anonymous user).
	CanonicalID string
	// Anonymous is true for unsigned requests.
	Anonymous bool
	// Authenticated is true for signed requests by any AWS principal.
	Authenticated bool
	// LogDelivery is true for S3's log delivery service (the LogDelivery
	// group's only member).
	LogDelivery bool
}

// Private returns the private ACL: the owner has FULL_CONTROL, nobody else
// has anything. It is every bucket's and object's default.
func Private(ownerID string) ACL {
	return ACL{Owner: Owner{ID: ownerID}, Grants: []Grant{userGrant(ownerID, PermFullControl)}}
}

func userGrant(id string, p Permission) Grant {
	return Grant{Grantee: Grantee{Type: CanonicalUser, ID: id}, Permission: p}
}

func groupGrant(uri string, p Permission) Grant {
	return Grant{Grantee: Grantee{Type: Group, URI: uri}, Permission: p}
}

// The canned ACL names (x-amz-acl).
const (
	CannedPrivate                = "private"
	CannedPublicRead             = "public-read"
	CannedPublicReadWrite        = "public-read-write"
	CannedAWSExecRead            = "aws-exec-read"
	CannedAuthenticatedRead      = "authenticated-read"
	CannedBucketOwnerRead        = "bucket-owner-read"
	CannedBucketOwnerFullControl = "bucket-owner-full-control"
	CannedLogDeliveryWrite       = "log-delivery-write"
)

// ValidCanned reports whether name is one of S3's canned ACLs.
func ValidCanned(name string) bool {
	switch name {
	case CannedPrivate, CannedPublicRead, CannedPublicReadWrite, CannedAWSExecRead,
		CannedAuthenticatedRead, CannedBucketOwnerRead, CannedBucketOwnerFullControl, CannedLogDeliveryWrite:
		return true
	}
	return false
}

// Canned expands a canned ACL for a resource owned by ownerID (canonical
// ids) in a bucket owned by bucketOwnerID, as the acl-overview page lists
// them. Every canned ACL starts with the owner's FULL_CONTROL. The two
// bucket-owner ACLs apply to objects only: S3 ignores them on a bucket
// (forBucket), which then gets the private ACL; when the object's owner is
// the bucket owner they add nothing. An unknown name is S3's 400
// InvalidArgument naming x-amz-acl.
func Canned(name string, ownerID, bucketOwnerID string, forBucket bool) (ACL, error) {
	a := Private(ownerID)
	switch name {
	case CannedPrivate:
	case CannedPublicRead:
		a.Grants = append(a.Grants, groupGrant(AllUsers, PermRead))
	case CannedPublicReadWrite:
		a.Grants = append(a.Grants, groupGrant(AllUsers, PermRead), groupGrant(AllUsers, PermWrite))
	case CannedAWSExecRead:
		g := userGrant(ExecReadID, PermRead)
		g.Grantee.DisplayName = ExecReadDisplayName
		a.Grants = append(a.Grants, g)
	case CannedAuthenticatedRead:
		a.Grants = append(a.Grants, groupGrant(AuthenticatedUsers, PermRead))
	case CannedBucketOwnerRead:
		if !forBucket && bucketOwnerID != ownerID {
			a.Grants = append(a.Grants, userGrant(bucketOwnerID, PermRead))
		}
	case CannedBucketOwnerFullControl:
		if !forBucket && bucketOwnerID != ownerID {
			a.Grants = append(a.Grants, userGrant(bucketOwnerID, PermFullControl))
		}
	case CannedLogDeliveryWrite:
		a.Grants = append(a.Grants, groupGrant(LogDelivery, PermWrite), groupGrant(LogDelivery, PermReadACP))
	default:
		return ACL{}, errInvalidCanned(name)
	}
	return a, nil
}

// isPublicGrantee reports whether g is one of the groups that make an ACL
// public: AllUsers and AuthenticatedUsers (any AWS account).
func isPublicGrantee(g Grantee) bool {
	return g.Type == Group && (g.URI == AllUsers || g.URI == AuthenticatedUsers)
}

// IsPublic reports whether a grants anything to AllUsers or
// AuthenticatedUsers, which is what makes an ACL public for Block Public
// Access (spec §1.6).
func (a *ACL) IsPublic() bool {
	for _, g := range a.Grants {
		if isPublicGrantee(g.Grantee) {
			return true
		}
	}
	return false
}

// WithoutPublic returns a copy of a without its public grants: the ACL in
// effect under IgnorePublicAcls, which Get*Acl then shows.
func (a ACL) WithoutPublic() ACL {
	out := ACL{Owner: a.Owner, Grants: make([]Grant, 0, len(a.Grants))}
	for _, g := range a.Grants {
		if !isPublicGrantee(g.Grantee) {
			out.Grants = append(out.Grants, g)
		}
	}
	return out
}

// matches reports whether grantee g covers who.
func (g *Grantee) matches(who Requester) bool {
	switch g.Type {
	case CanonicalUser:
		return who.CanonicalID != "" && g.ID == who.CanonicalID
	case Group:
		switch g.URI {
		case AllUsers:
			return true
		case AuthenticatedUsers:
			return who.Authenticated && !who.Anonymous
		case LogDelivery:
			return who.LogDelivery
		}
	}
	// E-mail grantees are resolved before an ACL is stored; an unresolved
	// one grants nothing.
	return false
}

// Allows reports whether a grants perm to who, and which grant (index
// into a.Grants) does; FULL_CONTROL implies every permission. With
// ignorePublic (IgnorePublicAcls in effect) grants to AllUsers and
// AuthenticatedUsers are skipped. It returns false, -1 when no grant
// applies. It looks at grants only: the resource owner's implicit
// READ_ACP/WRITE_ACP is not its business.
func (a *ACL) Allows(perm Permission, who Requester, ignorePublic bool) (ok bool, grantIndex int) {
	for i := range a.Grants {
		g := &a.Grants[i]
		if ignorePublic && isPublicGrantee(g.Grantee) {
			continue
		}
		if g.Permission.Includes(perm) && g.Grantee.matches(who) {
			return true, i
		}
	}
	return false, -1
}

// GrantsOnlyTo reports whether every grant of a is to a canonical user
// among ids: for a bucket ACL and the bucket owner's id, whether the ACL
// is one BucketOwnerEnforced tolerates (it "must give full control only to
// the bucket owner"; a private ACL does).
func (a *ACL) GrantsOnlyTo(ids ...string) bool {
	for _, g := range a.Grants {
		if g.Grantee.Type != CanonicalUser || !contains(ids, g.Grantee.ID) {
			return false
		}
	}
	return true
}

// IsBucketOwnerFullControl reports whether a is a "bucket owner full
// control" ACL as BucketOwnerEnforced accepts it from an explicit ACL
// (grant headers or XML): at least one grant, every grant FULL_CONTROL to
// the bucket owner or to one of the other ids (the writer, whom the
// bucket-owner-full-control canned ACL names too), and one of them to the
// bucket owner.
func (a *ACL) IsBucketOwnerFullControl(bucketOwnerID string, others ...string) bool {
	toOwner := false
	for _, g := range a.Grants {
		if g.Grantee.Type != CanonicalUser || g.Permission != PermFullControl {
			return false
		}
		switch {
		case g.Grantee.ID == bucketOwnerID:
			toOwner = true
		case !contains(others, g.Grantee.ID):
			return false
		}
	}
	return toOwner
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Resolver looks up the accounts ACL grantees name.
type Resolver interface {
	// CanonicalUser reports whether id is the canonical user id of a known
	// account, and its display name.
	CanonicalUser(id string) (displayName string, ok bool)
	// Email returns the canonical user id and display name of the account
	// with that e-mail address (compared case-insensitively); ok is false
	// when no account has it.
	Email(address string) (canonicalID, displayName string, ok bool)
}

// Resolve checks a's grantees as S3 does when it stores an ACL and turns
// e-mail grantees into canonical users: an unknown canonical id is 400
// InvalidArgument "Invalid id", an unknown group URI 400 InvalidArgument
// "Invalid group uri", an unknown e-mail address 400
// UnresolvableGrantByEmailAddress. The aws-exec-read grantee is always
// known. It fills grantee display names.
func (a *ACL) Resolve(r Resolver) *awsapi.Error {
	for i := range a.Grants {
		g := &a.Grants[i].Grantee
		switch g.Type {
		case CanonicalUser:
			if g.ID == ExecReadID {
				g.DisplayName = ExecReadDisplayName
				continue
			}
			name, ok := r.CanonicalUser(g.ID)
			if !ok {
				return ErrInvalidID(g.ID)
			}
			g.DisplayName = name
		case Group:
			if g.URI != AllUsers && g.URI != AuthenticatedUsers && g.URI != LogDelivery {
				return ErrInvalidGroupURI(g.URI)
			}
			g.DisplayName = ""
		case AmazonCustomerByEmail:
			id, name, ok := r.Email(strings.TrimSpace(g.Email))
			if !ok {
				return ErrUnresolvableEmail(g.Email)
			}
			*g = Grantee{Type: CanonicalUser, ID: id, DisplayName: name}
		default:
			return ErrMalformedACL
		}
	}
	return nil
}
