package cloudfront

import (
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// CloudFront origin access identities (OAI): the legacy way for a
// distribution to read a private S3 bucket. S3 sees an OAI as a principal
// of its own (arn:aws:iam::cloudfront:user/CloudFront Origin Access
// Identity ID, or its S3 canonical user id), outside the bucket owner's
// account; OAIByID and OAIByCanonicalID let S3 and the edge resolve it.

const (
	oaiKind = "origin-access-identity"
	// oaiPathPrefix is how S3OriginConfig.OriginAccessIdentity names an
	// OAI: origin-access-identity/cloudfront/ID.
	oaiPathPrefix = "origin-access-identity/cloudfront/"
	// maxOAIsPerAccount is the TooManyCloudFrontOriginAccessIdentities
	// quota ("Origin access identities per account: 100").
	maxOAIsPerAccount = 100
	// maxCommentLen bounds the Comment of OAIs and policies ("The comment
	// cannot be longer than 128 characters").
	maxCommentLen = 128
)

// OAI is an origin access identity as S3 and the edge see it.
type OAI struct {
	// ID is the identity's id (E74FTE3AJFJ256A).
	ID string
	// Account is the account that created it.
	Account string
	// CanonicalID is its S3 canonical user id (S3CanonicalUserId).
	CanonicalID string
}

// OAIARN returns the IAM ARN S3 bucket policies name an OAI by:
// arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ID.
func OAIARN(id string) string {
	return "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity " + id
}

// OAIByID returns the origin access identity with id, of any account.
func (s *Service) OAIByID(id string) (OAI, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.state.OAIs[id]
	if !ok {
		return OAI{}, false
	}
	return OAI{ID: o.ID, Account: o.Account, CanonicalID: o.CanonicalID}, true
}

// OAIByCanonicalID returns the origin access identity whose S3 canonical
// user id is canonicalID, compared case-insensitively (S3 canonical ids
// are hex).
func (s *Service) OAIByCanonicalID(canonicalID string) (OAI, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, o := range s.state.OAIs {
		if strings.EqualFold(o.CanonicalID, canonicalID) {
			return OAI{ID: o.ID, Account: o.Account, CanonicalID: o.CanonicalID}, true
		}
	}
	return OAI{}, false
}

// validateOAIConfig checks the Comment (≤128 characters) and that the
// CallerReference is not empty (InvalidArgument; the empty-reference check
// is UNCONFIRMED).
func validateOAIConfig(c *CloudFrontOriginAccessIdentityConfig) *awsapi.Error {
	if *c.CallerReference == "" {
		return cfError("InvalidArgument", "The CallerReference must not be empty.")
	}
	if utf8.RuneCountInString(*c.Comment) > maxCommentLen {
		return cfError("InvalidArgument", "The parameter Comment is too long (maximum %d characters).", maxCommentLen)
	}
	return nil
}

func (s *Service) ownOAILocked(account, id string) (*oaiRec, *awsapi.Error) {
	o, ok := s.state.OAIs[id]
	if !ok || o.Account != account {
		return nil, cfError("NoSuchCloudFrontOriginAccessIdentity", "The specified origin access identity does not exist.")
	}
	return o, nil
}

// oaiInUseLocked reports whether a distribution of account has an S3
// origin whose OriginAccessIdentity is origin-access-identity/cloudfront/id.
func (s *Service) oaiInUseLocked(account, id string) bool {
	want := oaiPathPrefix + id
	for _, d := range s.state.Distributions {
		if d.Account != account || d.Config == nil || d.Config.Origins == nil {
			continue
		}
		for _, o := range d.Config.Origins.Items {
			if o.S3OriginConfig != nil && o.S3OriginConfig.OriginAccessIdentity != nil && *o.S3OriginConfig.OriginAccessIdentity == want {
				return true
			}
		}
	}
	return false
}

func oaiDocument(o *oaiRec) *CloudFrontOriginAccessIdentity {
	return &CloudFrontOriginAccessIdentity{Id: ptr(o.ID), S3CanonicalUserId: ptr(o.CanonicalID), CloudFrontOriginAccessIdentityConfig: o.Config}
}

// createOAI is CreateCloudFrontOriginAccessIdentity. As the API reference
// says of CallerReference: a new reference creates an identity; a
// reference already used with the same configuration returns the existing
// identity (201 with its Location and ETag, as the first answer; the
// status is UNCONFIRMED); with a different Comment it is
// CloudFrontOriginAccessIdentityAlreadyExists.
func createOAI(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:CreateCloudFrontOriginAccessIdentity", resourceARN(acct, oaiKind, "*")); e != nil {
		return e
	}
	cfg := &CloudFrontOriginAccessIdentityConfig{}
	if e := readDocument(k.r, "CloudFrontOriginAccessIdentityConfig", cfg); e != nil {
		return e
	}
	if e := validateOAIConfig(cfg); e != nil {
		return e
	}
	s.mu.Lock()
	n := 0
	for _, o := range s.state.OAIs {
		if o.Account != acct {
			continue
		}
		n++
		if *o.Config.CallerReference != *cfg.CallerReference {
			continue
		}
		s.mu.Unlock()
		if *o.Config.Comment != *cfg.Comment {
			return cfError("CloudFrontOriginAccessIdentityAlreadyExists",
				"The CallerReference %s was already used to create an origin access identity with a different configuration.", *cfg.CallerReference)
		}
		return k.writeResource(http.StatusCreated, "CloudFrontOriginAccessIdentity", oaiDocument(o), o.ETag, k.location(oaiPathPrefix+o.ID))
	}
	if n >= maxOAIsPerAccount {
		s.mu.Unlock()
		return cfError("TooManyCloudFrontOriginAccessIdentities", "Your account already has the maximum number of origin access identities (%d).", maxOAIsPerAccount)
	}
	id := s.newResourceID()
	for s.state.OAIs[id] != nil {
		id = s.newResourceID()
	}
	rec := &oaiRec{ID: id, Account: acct, ETag: s.newETag(), CanonicalID: s.newOAICanonicalID(), Config: cfg}
	s.state.OAIs[id] = rec
	if e := s.commitUnlock(func() { delete(s.state.OAIs, id) }); e != nil {
		return e
	}
	return k.writeResource(http.StatusCreated, "CloudFrontOriginAccessIdentity", oaiDocument(rec), rec.ETag, k.location(oaiPathPrefix+id))
}

// getOAI is GetCloudFrontOriginAccessIdentity.
func getOAI(k *call) *awsapi.Error {
	if e := k.authorize("cloudfront:GetCloudFrontOriginAccessIdentity", resourceARN(k.account(), oaiKind, k.id)); e != nil {
		return e
	}
	k.s.mu.RLock()
	o, e := k.s.ownOAILocked(k.account(), k.id)
	k.s.mu.RUnlock()
	if e != nil {
		return e
	}
	return k.writeResource(http.StatusOK, "CloudFrontOriginAccessIdentity", oaiDocument(o), o.ETag, "")
}

// getOAIConfig is GetCloudFrontOriginAccessIdentityConfig.
func getOAIConfig(k *call) *awsapi.Error {
	if e := k.authorize("cloudfront:GetCloudFrontOriginAccessIdentityConfig", resourceARN(k.account(), oaiKind, k.id)); e != nil {
		return e
	}
	k.s.mu.RLock()
	o, e := k.s.ownOAILocked(k.account(), k.id)
	k.s.mu.RUnlock()
	if e != nil {
		return e
	}
	return k.writeResource(http.StatusOK, "CloudFrontOriginAccessIdentityConfig", o.Config, o.ETag, "")
}

// updateOAI is UpdateCloudFrontOriginAccessIdentity: the Comment may
// change, the CallerReference may not (IllegalUpdate).
func updateOAI(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:UpdateCloudFrontOriginAccessIdentity", resourceARN(acct, oaiKind, k.id)); e != nil {
		return e
	}
	cfg := &CloudFrontOriginAccessIdentityConfig{}
	if e := readDocument(k.r, "CloudFrontOriginAccessIdentityConfig", cfg); e != nil {
		return e
	}
	s.mu.Lock()
	old, e := s.ownOAILocked(acct, k.id)
	if e == nil {
		e = k.checkIfMatch(old.ETag)
	}
	if e == nil {
		e = validateOAIConfig(cfg)
	}
	if e == nil && *cfg.CallerReference != *old.Config.CallerReference {
		e = cfError("IllegalUpdate", "The CallerReference of an origin access identity cannot be changed.")
	}
	if e != nil {
		s.mu.Unlock()
		return e
	}
	rec := &oaiRec{ID: old.ID, Account: acct, ETag: s.newETag(), CanonicalID: old.CanonicalID, Config: cfg}
	s.state.OAIs[rec.ID] = rec
	if e := s.commitUnlock(func() { s.state.OAIs[old.ID] = old }); e != nil {
		return e
	}
	return k.writeResource(http.StatusOK, "CloudFrontOriginAccessIdentity", oaiDocument(rec), rec.ETag, "")
}

// deleteOAI is DeleteCloudFrontOriginAccessIdentity: 204, or
// CloudFrontOriginAccessIdentityInUse while a distribution of the account
// names it in an S3OriginConfig.
func deleteOAI(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:DeleteCloudFrontOriginAccessIdentity", resourceARN(acct, oaiKind, k.id)); e != nil {
		return e
	}
	s.mu.Lock()
	old, e := s.ownOAILocked(acct, k.id)
	if e == nil {
		e = k.checkIfMatch(old.ETag)
	}
	if e == nil && s.oaiInUseLocked(acct, k.id) {
		e = cfError("CloudFrontOriginAccessIdentityInUse", "The CloudFront origin access identity is still being used.")
	}
	if e != nil {
		s.mu.Unlock()
		return e
	}
	delete(s.state.OAIs, k.id)
	if e := s.commitUnlock(func() { s.state.OAIs[old.ID] = old }); e != nil {
		return e
	}
	k.w.WriteHeader(http.StatusNoContent)
	return nil
}

// listOAIs is ListCloudFrontOriginAccessIdentities: the account's
// identities ordered by id.
func listOAIs(k *call) *awsapi.Error {
	acct := k.account()
	if e := k.authorize("cloudfront:ListCloudFrontOriginAccessIdentities", "*"); e != nil {
		return e
	}
	marker, maxItems, e := k.listParams()
	if e != nil {
		return e
	}
	k.s.mu.RLock()
	var ids []string
	for id, o := range k.s.state.OAIs {
		if o.Account == acct {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	page, truncated := pageAfter(ids, marker, maxItems)
	list := &CloudFrontOriginAccessIdentityList{
		Marker: ptr(marker), MaxItems: ptr(int64(maxItems)), IsTruncated: ptr(truncated), Quantity: ptr(int64(len(page))),
		NextMarker: nextMarker(page, truncated),
	}
	for _, id := range page {
		o := k.s.state.OAIs[id]
		list.Items = append(list.Items, CloudFrontOriginAccessIdentitySummary{Id: ptr(id), S3CanonicalUserId: ptr(o.CanonicalID), Comment: o.Config.Comment})
	}
	k.s.mu.RUnlock()
	return k.writeResource(http.StatusOK, "CloudFrontOriginAccessIdentityList", list, "", "")
}
