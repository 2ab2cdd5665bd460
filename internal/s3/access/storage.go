package access

import (
	"encoding/json"
	"fmt"

	"github.com/edgegate/edgegate/internal/store"
)

// Attribute names under which the S3 layer keeps these settings in
// store.Bucket.Attrs and store.Object.Attrs. Values are this package's
// encodings (Encode, EncodeOwnership, EncodePAB), except AttrPolicy.
const (
	// AttrACL holds a bucket's or an object's ACL (Encode). A bucket or
	// object without it has the private ACL of its owner.
	AttrACL = "acl"
	// AttrOwnership holds a bucket's Object Ownership (EncodeOwnership).
	AttrOwnership = "ownership"
	// AttrPublicAccessBlock holds a bucket's Block Public Access
	// configuration (EncodePAB).
	AttrPublicAccessBlock = "pab"
	// AttrPolicy holds a bucket's policy, the raw JSON document as
	// PutBucketPolicy stored it.
	AttrPolicy = "policy"
)

// storedACL is the storage form of an ACL: canonical ids only, no display
// names (they are looked up when an ACL is rendered, so a renamed account
// shows its new name).
type storedACL struct {
	Owner  string        `json:"o"`
	Grants []storedGrant `json:"g,omitempty"`
}

type storedGrant struct {
	Type  string `json:"t"` // "u" canonical user, "g" group, "e" e-mail
	ID    string `json:"i,omitempty"`
	URI   string `json:"u,omitempty"`
	Email string `json:"e,omitempty"`
	Perm  string `json:"p"`
}

var granteeCodes = map[GranteeType]string{CanonicalUser: "u", Group: "g", AmazonCustomerByEmail: "e"}

// Encode returns the storage form of a: compact JSON of its owner's and
// grantees' ids and the permissions. Display names are dropped.
func Encode(a ACL) []byte {
	s := storedACL{Owner: a.Owner.ID, Grants: make([]storedGrant, len(a.Grants))}
	for i, g := range a.Grants {
		s.Grants[i] = storedGrant{
			Type: granteeCodes[g.Grantee.Type], ID: g.Grantee.ID, URI: g.Grantee.URI, Email: g.Grantee.Email,
			Perm: string(g.Permission),
		}
	}
	b, _ := json.Marshal(s) // cannot fail: strings only
	return b
}

// ErrBadEncoding is returned (wrapped) by the Decode functions for a value
// that is not of this package's encodings. It matches store.ErrCorrupt.
var ErrBadEncoding = fmt.Errorf("access: bad stored value: %w", store.ErrCorrupt)

// Decode parses Encode's output.
func Decode(b []byte) (ACL, error) {
	var s storedACL
	if err := json.Unmarshal(b, &s); err != nil {
		return ACL{}, fmt.Errorf("%w: acl: %v", ErrBadEncoding, err)
	}
	a := ACL{Owner: Owner{ID: s.Owner}, Grants: make([]Grant, len(s.Grants))}
	for i, g := range s.Grants {
		var t GranteeType
		for k, v := range granteeCodes {
			if v == g.Type {
				t = k
			}
		}
		p := Permission(g.Perm)
		if t == "" || !p.Valid() {
			return ACL{}, fmt.Errorf("%w: acl grant %d", ErrBadEncoding, i)
		}
		a.Grants[i] = Grant{Grantee: Grantee{Type: t, ID: g.ID, URI: g.URI, Email: g.Email}, Permission: p}
	}
	return a, nil
}

// ownershipRemoved is the AttrOwnership value DeleteBucketOwnershipControls
// leaves: the bucket has no ownership controls (GetBucketOwnershipControls
// answers 404) and behaves as ObjectWriter, as S3 buckets without them do.
// An absent attribute means the bucket predates this record and behaves
// as BucketOwnerEnforced, the default every bucket had then.
const ownershipRemoved = "none"

// EncodeOwnership returns the AttrOwnership value for o; "" encodes "no
// ownership controls" (after DeleteBucketOwnershipControls).
func EncodeOwnership(o Ownership) []byte {
	if o == "" {
		return []byte(ownershipRemoved)
	}
	return []byte(o)
}

// EncodePAB returns the storage form of p (JSON).
func EncodePAB(p PublicAccessBlock) []byte {
	b, _ := json.Marshal(p)
	return b
}

// DecodePAB parses EncodePAB's output.
func DecodePAB(b []byte) (PublicAccessBlock, error) {
	var p PublicAccessBlock
	if err := json.Unmarshal(b, &p); err != nil {
		return PublicAccessBlock{}, fmt.Errorf("%w: public access block: %v", ErrBadEncoding, err)
	}
	return p, nil
}

// BucketACL returns the bucket's stored ACL; ok is false when it has none
// (or it does not decode), and the bucket then has its owner's private
// ACL. Whether the ACL counts depends on BucketOwnership.
func BucketACL(b *store.Bucket) (ACL, bool) {
	return decodeAttr(b.Attrs[AttrACL])
}

// ObjectACL returns the object's stored ACL; ok is false when it has none
// (or it does not decode), and the object then has its owner's private ACL.
func ObjectACL(o *store.Object) (ACL, bool) {
	return decodeAttr(o.Attrs[AttrACL])
}

func decodeAttr(v []byte) (ACL, bool) {
	if v == nil {
		return ACL{}, false
	}
	a, err := Decode(v)
	if err != nil {
		return ACL{}, false
	}
	return a, true
}

// BucketOwnershipControls returns the Object Ownership the bucket's
// ownership controls set, as GetBucketOwnershipControls shows it; ok is
// false when it has none (deleted).
func BucketOwnershipControls(b *store.Bucket) (Ownership, bool) {
	v, present := b.Attrs[AttrOwnership]
	if !present {
		// Buckets created before ownership was recorded had the default.
		return BucketOwnerEnforced, true
	}
	return ParseOwnership(string(v))
}

// BucketOwnership returns the Object Ownership in effect for the bucket:
// its ownership controls' setting, BucketOwnerEnforced when nothing was
// ever recorded (the default of every bucket), ObjectWriter when its
// ownership controls were deleted (S3's behaviour without them).
func BucketOwnership(b *store.Bucket) Ownership {
	if o, ok := BucketOwnershipControls(b); ok {
		return o
	}
	return ObjectWriter
}

// ObjectOwner returns the account that owns object o of bucket b (""
// for the anonymous user): the bucket owner under BucketOwnerEnforced,
// which owns every object then, else the account recorded when the object
// was written (store.Object.Owner). Switching away from BucketOwnerEnforced
// so gives objects back to their writers, except those written while it was
// on, which were recorded as the bucket owner's (spec §1.4).
func ObjectOwner(b *store.Bucket, o *store.Object) string {
	if BucketOwnership(b) == BucketOwnerEnforced {
		return b.Owner
	}
	return o.Owner
}

// BucketPAB returns the bucket's Block Public Access configuration, or nil
// when it has none (or it does not decode).
func BucketPAB(b *store.Bucket) *PublicAccessBlock {
	v, ok := b.Attrs[AttrPublicAccessBlock]
	if !ok {
		return nil
	}
	p, err := DecodePAB(v)
	if err != nil {
		return nil
	}
	return &p
}
