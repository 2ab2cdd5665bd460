package authz

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/policy"
	"github.com/edgegate/edgegate/internal/s3/access"
)

// TestOAIPrincipal: a CloudFront origin access identity is a principal
// outside the bucket owner's account (spec §4.5). A bucket policy naming
// it by ARN or by canonical user id, or an object ACL grant to its
// canonical id (ACLs enabled), lets it read; a bucket policy grant is
// effective only on objects the bucket owner owns, an ACL grant on any
// object whose owner gave it.
//
// The OAI's canonical id here has 64 digits: the policy language accepts
// CanonicalUser principals of 32 or 64 digits only, while CloudFront gives
// OAIs 96-digit ids. S3 never stores an OAI's CanonicalUser principal (it
// rewrites it to the ARN when the policy is put), so the CanonicalUser
// case checks the engine's matching only.
func TestOAIPrincipal(t *testing.T) {
	const (
		owner  = "111122223333"
		other  = "444455556666"
		bucket = "amzn-s3-demo-bucket"
		objARN = "arn:aws:s3:::" + bucket + "/photos/cat.jpg"
	)
	oaiCID := strings.Repeat("0a", 32)
	oai := identity.Principal{Type: identity.OAI, ARN: policy.OAIARNPrefix + "E2EXAMPLE", UserID: "AIDAOAIEXAMPLE", CanonicalID: oaiCID}
	otherOAI := identity.Principal{Type: identity.OAI, ARN: policy.OAIARNPrefix + "E3OTHER", UserID: "AIDAOAIOTHER", CanonicalID: strings.Repeat("0b", 32)}
	ownerCID, otherCID := iam.DeriveCanonicalID(owner), iam.DeriveCanonicalID(other)

	statement := func(effect, principal, action, resource string) string {
		return `{"Version":"2012-10-17","Statement":[{"Sid":"OAI","Effect":"` + effect + `","Principal":` + principal +
			`,"Action":"` + action + `","Resource":"` + resource + `"}]}`
	}
	byARN := statement("Allow", `{"AWS":"`+oai.ARN+`"}`, "s3:GetObject", "arn:aws:s3:::"+bucket+"/*")
	byCanonical := statement("Allow", `{"CanonicalUser":"`+oaiCID+`"}`, "s3:GetObject", "arn:aws:s3:::"+bucket+"/*")
	otherOAIPolicy := statement("Allow", `{"AWS":"`+otherOAI.ARN+`"}`, "s3:GetObject", "arn:aws:s3:::"+bucket+"/*")
	ownerAccount := statement("Allow", `{"AWS":"arn:aws:iam::`+owner+`:root"}`, "s3:GetObject", "arn:aws:s3:::"+bucket+"/*")
	denyARN := statement("Deny", `{"AWS":"`+oai.ARN+`"}`, "s3:GetObject", "arn:aws:s3:::"+bucket+"/*")
	listByARN := statement("Allow", `{"AWS":"`+oai.ARN+`"}`, "s3:ListBucket", "arn:aws:s3:::"+bucket)

	grant := func(objOwnerCID string, perm access.Permission, to string) *access.ACL {
		return &access.ACL{Owner: access.Owner{ID: objOwnerCID}, Grants: []access.Grant{
			{Grantee: access.Grantee{Type: access.CanonicalUser, ID: objOwnerCID}, Permission: access.PermFullControl},
			{Grantee: access.Grantee{Type: access.CanonicalUser, ID: to}, Permission: perm},
		}}
	}

	tests := []struct {
		name      string
		principal identity.Principal
		policy    string // "" = none
		ownership access.Ownership
		objOwner  string // "" = no object (a bucket action)
		objACL    *access.ACL
		action    string
		want      bool
		reason    Reason
		decision  policy.Decision // when denied; zero is ImplicitDeny
	}{
		// Allowed.
		{name: "bucket policy names the OAI's ARN", principal: oai, policy: byARN, ownership: access.BucketOwnerEnforced,
			objOwner: owner, action: "s3:GetObject", want: true},
		{name: "bucket policy names the OAI's canonical user", principal: oai, policy: byCanonical, ownership: access.BucketOwnerEnforced,
			objOwner: owner, action: "s3:GetObject", want: true},
		{name: "object ACL READ to the OAI, bucket-owned object (BucketOwnerPreferred)", principal: oai, ownership: access.BucketOwnerPreferred,
			objOwner: owner, objACL: grant(ownerCID, access.PermRead, oaiCID), action: "s3:GetObject", want: true},
		{name: "object ACL READ to the OAI, bucket-owned object (ObjectWriter)", principal: oai, ownership: access.ObjectWriter,
			objOwner: owner, objACL: grant(ownerCID, access.PermRead, oaiCID), action: "s3:GetObject", want: true},
		{name: "object ACL READ to the OAI from another account's object", principal: oai, policy: byARN, ownership: access.ObjectWriter,
			objOwner: other, objACL: grant(otherCID, access.PermRead, oaiCID), action: "s3:GetObject", want: true},
		{name: "bucket policy ListBucket to the OAI's ARN", principal: oai, policy: listByARN, ownership: access.BucketOwnerEnforced,
			action: "s3:ListBucket", want: true},
		{name: "BucketOwnerEnforced: the bucket owner owns the other account's object", principal: oai, policy: byARN,
			ownership: access.BucketOwnerEnforced, objOwner: other, action: "s3:GetObject", want: true},

		// Denied.
		{name: "no policy, no grant", principal: oai, ownership: access.BucketOwnerPreferred,
			objOwner: owner, action: "s3:GetObject", reason: ReasonImplicitDeny},
		{name: "policy names another OAI", principal: oai, policy: otherOAIPolicy, ownership: access.BucketOwnerEnforced,
			objOwner: owner, action: "s3:GetObject", reason: ReasonImplicitDeny},
		{name: "another OAI against the OAI's policy", principal: otherOAI, policy: byARN, ownership: access.BucketOwnerEnforced,
			objOwner: owner, action: "s3:GetObject", reason: ReasonImplicitDeny},
		{name: "another OAI against the OAI's canonical-user policy", principal: otherOAI, policy: byCanonical, ownership: access.BucketOwnerEnforced,
			objOwner: owner, action: "s3:GetObject", reason: ReasonImplicitDeny},
		{name: "another OAI against an ACL grant to the OAI", principal: otherOAI, ownership: access.ObjectWriter,
			objOwner: owner, objACL: grant(ownerCID, access.PermRead, oaiCID), action: "s3:GetObject", reason: ReasonImplicitDeny},
		{name: "the owner account's principal does not name the OAI", principal: oai, policy: ownerAccount, ownership: access.BucketOwnerEnforced,
			objOwner: owner, action: "s3:GetObject", reason: ReasonImplicitDeny},
		{name: "policy allows GetObject, not PutObject", principal: oai, policy: byARN, ownership: access.BucketOwnerEnforced,
			action: "s3:PutObject", reason: ReasonImplicitDeny},
		{name: "ACL READ does not grant GetObjectAcl", principal: oai, ownership: access.ObjectWriter,
			objOwner: owner, objACL: grant(ownerCID, access.PermRead, oaiCID), action: "s3:GetObjectAcl", reason: ReasonImplicitDeny},
		{name: "ACL grant ignored under BucketOwnerEnforced", principal: oai, ownership: access.BucketOwnerEnforced,
			objOwner: owner, objACL: grant(ownerCID, access.PermRead, oaiCID), action: "s3:GetObject", reason: ReasonImplicitDeny},
		{name: "explicit deny by ARN beats an ACL grant", principal: oai, policy: denyARN, ownership: access.ObjectWriter,
			objOwner: owner, objACL: grant(ownerCID, access.PermRead, oaiCID), action: "s3:GetObject",
			reason: ReasonExplicitDenyBucketPolicy, decision: policy.ExplicitDeny},
		{name: "ARN policy, object another account owns (spec 4.5)", principal: oai, policy: byARN, ownership: access.ObjectWriter,
			objOwner: other, objACL: grant(otherCID, access.PermRead, otherCID), action: "s3:GetObject",
			reason: ReasonBucketPolicyNotApplicableObjectOwner},
		{name: "canonical-user policy, object another account owns (spec 4.5)", principal: oai, policy: byCanonical, ownership: access.BucketOwnerPreferred,
			objOwner: other, action: "s3:GetObject", reason: ReasonBucketPolicyNotApplicableObjectOwner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &Bucket{Name: bucket, Owner: owner, OwnerCanonicalID: ownerCID, Ownership: tt.ownership}
			if tt.policy != "" {
				p, err := policy.Parse([]byte(tt.policy), policy.BucketPolicy)
				if err != nil {
					t.Fatalf("policy: %v", err)
				}
				b.Policy, b.PolicyIsPublic = p, p.IsPublic(policy.PublicOptions{})
			}
			in := &Input{Principal: tt.principal, Action: tt.action, Resource: "arn:aws:s3:::" + bucket, Bucket: b, Context: &RequestContext{Time: corpusTime}}
			if tt.objOwner != "" {
				in.Resource = objARN
				in.Object = &Object{Owner: tt.objOwner, OwnerCanonicalID: iam.DeriveCanonicalID(tt.objOwner), ACL: tt.objACL}
			} else if strings.HasSuffix(tt.action, "Object") {
				in.Resource = objARN // a write: judged in the bucket's context
			}
			var tr Trace
			got := Authorize(in, &tr)
			if untraced := Authorize(in, nil); untraced != got {
				t.Fatalf("traced %+v, untraced %+v", got, untraced)
			}
			wantDecision := tt.decision // the zero value is ImplicitDeny
			if tt.want {
				wantDecision = policy.Allow
			}
			if got.Allowed != tt.want || got.Reason != tt.reason || got.Decision != wantDecision {
				t.Errorf("got %+v, want allowed=%v reason=%q decision=%v\n%v", got, tt.want, tt.reason, wantDecision, tr.Steps)
			}
		})
	}
}
