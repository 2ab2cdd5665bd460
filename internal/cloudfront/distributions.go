package cloudfront

import (
	"net/http"
	"sort"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// Distributions: CreateDistribution, CreateDistributionWithTags,
// GetDistribution, GetDistributionConfig, UpdateDistribution,
// DeleteDistribution and ListDistributions.
//
// A distribution belongs to the account that created it; for any other
// account it does not exist (NoSuchDistribution). Its configuration is
// stored as the client sent it plus CloudFront's defaults (defaults.go),
// after validation (validate_distribution.go). Every configuration version
// has its own ETag; Update and Delete require it in If-Match. Status is
// InProgress from a create or update until DeployedAt (now + the
// service's DeployDelay), Deployed after; the create and update responses
// always say InProgress.

// distributionsARN is the resource of CreateDistribution: every
// distribution of the account.
func distributionsARN(account string) string { return DistributionARN(account, "*") }

// errNoSuchDistribution is CloudFront's answer for an unknown id (or
// another account's).
func errNoSuchDistribution() *awsapi.Error {
	return cfError("NoSuchDistribution", "The specified distribution does not exist.")
}

// ownDistributionLocked returns account's distribution id.
func (s *Service) ownDistributionLocked(account, id string) (*distributionRec, *awsapi.Error) {
	d, ok := s.state.Distributions[id]
	if !ok || d.Account != account {
		return nil, errNoSuchDistribution()
	}
	return d, nil
}

// distributionNow is the time of a change, to CloudFront's millisecond
// precision.
func (s *Service) distributionNow() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// distributionStatus is InProgress until rec.DeployedAt, then Deployed;
// InProgress in any case for the answer to the change itself.
func (s *Service) distributionStatus(rec *distributionRec, changing bool) string {
	if changing || s.now().Before(rec.DeployedAt) {
		return "InProgress"
	}
	return "Deployed"
}

// distributionDocLocked builds the Distribution document of rec. The
// configuration is shared, not copied: records are never modified.
func (s *Service) distributionDocLocked(rec *distributionRec, changing bool) *Distribution {
	cfg := rec.Config
	signers, keyGroups := false, false
	for _, b := range distributionBehaviors(cfg) {
		signers = signers || (*b.TrustedSigners).GetEnabled()
		keyGroups = keyGroups || (*b.TrustedKeyGroups).GetEnabled()
	}
	return &Distribution{
		Id:                            ptr(rec.ID),
		ARN:                           ptr(rec.ARN),
		Status:                        ptr(s.distributionStatus(rec, changing)),
		LastModifiedTime:              ptr(rec.Modified),
		InProgressInvalidationBatches: ptr(s.invalidationsInProgressLocked(rec.ID)),
		DomainName:                    ptr(rec.DomainName),
		// edgegate keeps no CloudFront key pairs: active signers and key
		// groups are reported enabled when a behaviour requires them, with
		// no key pairs listed.
		ActiveTrustedSigners:   &ActiveTrustedSigners{Enabled: ptr(signers), Quantity: ptr[int64](0)},
		ActiveTrustedKeyGroups: &ActiveTrustedKeyGroups{Enabled: ptr(keyGroups), Quantity: ptr[int64](0)},
		DistributionConfig:     cfg,
	}
}

// createDistribution is CreateDistribution: 201 with the Distribution,
// Location and ETag.
func createDistribution(k *call) *awsapi.Error {
	if e := k.authorize("cloudfront:CreateDistribution", distributionsARN(k.account())); e != nil {
		return e
	}
	cfg := &DistributionConfig{}
	if e := readDocument(k.r, "DistributionConfig", cfg); e != nil {
		return e
	}
	return k.s.createDistribution(k, "DistributionConfig", cfg, cfg, nil)
}

// createDistributionWithTags is CreateDistributionWithTags: as
// CreateDistribution, with the distribution's tags, which also needs
// cloudfront:TagResource.
func createDistributionWithTags(k *call) *awsapi.Error {
	for _, action := range []string{"cloudfront:CreateDistribution", "cloudfront:TagResource"} {
		if e := k.authorize(action, distributionsARN(k.account())); e != nil {
			return e
		}
	}
	doc := &DistributionConfigWithTags{}
	if e := readDocument(k.r, "DistributionConfigWithTags", doc); e != nil {
		return e
	}
	tags := doc.Tags.GetItems()
	if e := validateTags(tags); e != nil {
		return e
	}
	return k.s.createDistribution(k, "DistributionConfigWithTags", doc, doc.DistributionConfig, tags)
}

// createDistribution validates cfg (read as document root, v), fills its
// defaults and stores the new distribution with tags.
func (s *Service) createDistribution(k *call, root string, v any, cfg *DistributionConfig, tags []Tag) *awsapi.Error {
	acct := k.account()
	s.mu.Lock()
	e := s.checkCreateDistributionLocked(acct, cfg)
	if e == nil {
		e = s.validateDistributionConfigLocked(acct, "", root, v, cfg)
	}
	if e != nil {
		s.mu.Unlock()
		return e
	}
	applyDistributionDefaults(cfg)
	id := s.newResourceID()
	for s.state.Distributions[id] != nil {
		id = s.newResourceID()
	}
	now := s.distributionNow()
	rec := &distributionRec{
		ID: id, Account: acct, ARN: DistributionARN(acct, id), DomainName: s.newDistributionDomainLocked(),
		ETag: s.newETag(), Modified: now, DeployedAt: now.Add(s.deployDelay), Config: cfg, Tags: tags,
	}
	s.state.Distributions[id] = rec
	s.hosts.Store(nil)
	if e := s.commitLocked(func() { delete(s.state.Distributions, id) }); e != nil {
		s.mu.Unlock()
		return e
	}
	doc := s.distributionDocLocked(rec, true)
	s.mu.Unlock()
	s.changed()
	return k.writeResource(http.StatusCreated, "Distribution", doc, rec.ETag, k.location("distribution/"+id))
}

// checkCreateDistributionLocked applies the account-level rules of a
// create: a CallerReference used before by the account is
// DistributionAlreadyExists (whatever the configuration, as the API
// reference says), and an account holds at most 500 distributions.
func (s *Service) checkCreateDistributionLocked(account string, cfg *DistributionConfig) *awsapi.Error {
	n := 0
	for _, d := range s.state.Distributions {
		if d.Account != account {
			continue
		}
		n++
		if d.Config.GetCallerReference() == cfg.GetCallerReference() {
			// Wording: CloudFront via aws/aws-sdk-js-v3#2618.
			return cfError("DistributionAlreadyExists",
				"The caller reference that you are using to create a distribution is associated with another distribution. Already exists: %s", d.ID)
		}
	}
	if n >= maxDistributionsPerAcct {
		return cfError("TooManyDistributions", "Processing your request would cause you to exceed the maximum number of distributions allowed.")
	}
	return nil
}

// newDistributionDomainLocked returns a domain name no distribution has.
func (s *Service) newDistributionDomainLocked() string {
	for {
		d := s.newDomainLabel() + "." + s.suffix
		taken := false
		for _, o := range s.state.Distributions {
			taken = taken || o.DomainName == d
		}
		if !taken {
			return d
		}
	}
}

// getDistribution is GetDistribution: the Distribution and its ETag.
func getDistribution(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:GetDistribution", DistributionARN(acct, k.id)); e != nil {
		return e
	}
	s.mu.RLock()
	rec, e := s.ownDistributionLocked(acct, k.id)
	if e != nil {
		s.mu.RUnlock()
		return e
	}
	doc := s.distributionDocLocked(rec, false)
	s.mu.RUnlock()
	return k.writeResource(http.StatusOK, "Distribution", doc, rec.ETag, "")
}

// getDistributionConfig is GetDistributionConfig: the DistributionConfig
// (as sent, plus defaults) and its ETag.
func getDistributionConfig(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:GetDistributionConfig", DistributionARN(acct, k.id)); e != nil {
		return e
	}
	s.mu.RLock()
	rec, e := s.ownDistributionLocked(acct, k.id)
	s.mu.RUnlock()
	if e != nil {
		return e
	}
	return k.writeResource(http.StatusOK, "DistributionConfig", rec.Config, rec.ETag, "")
}

// updateDistribution is UpdateDistribution: the configuration is replaced
// as a whole (nothing is merged), under If-Match; the CallerReference
// cannot change (IllegalUpdate). 200 with the Distribution and its new
// ETag.
func updateDistribution(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:UpdateDistribution", DistributionARN(acct, k.id)); e != nil {
		return e
	}
	cfg := &DistributionConfig{}
	if e := readDocument(k.r, "DistributionConfig", cfg); e != nil {
		return e
	}
	s.mu.Lock()
	old, e := s.ownDistributionLocked(acct, k.id)
	if e == nil {
		e = k.checkIfMatch(old.ETag)
	}
	if e == nil && cfg.GetCallerReference() != old.Config.GetCallerReference() {
		// Wording: CloudFront via terraform-provider-aws#33338 and
		// crossplane-contrib/provider-aws#1260.
		e = cfError("IllegalUpdate", "You cannot update Origin or CallerReference.")
	}
	if e == nil {
		e = s.validateDistributionConfigLocked(acct, old.ID, "DistributionConfig", cfg, cfg)
	}
	if e != nil {
		s.mu.Unlock()
		return e
	}
	applyDistributionDefaults(cfg)
	now := s.distributionNow()
	rec := *old
	rec.Config, rec.ETag, rec.Modified, rec.DeployedAt = cfg, s.newETag(), now, now.Add(s.deployDelay)
	s.state.Distributions[rec.ID] = &rec
	s.hosts.Store(nil)
	if e := s.commitLocked(func() { s.state.Distributions[old.ID] = old }); e != nil {
		s.mu.Unlock()
		return e
	}
	doc := s.distributionDocLocked(&rec, true)
	s.mu.Unlock()
	s.changed()
	return k.writeResource(http.StatusOK, "Distribution", doc, rec.ETag, "")
}

// deleteDistribution is DeleteDistribution: 204 under If-Match, for a
// disabled distribution whose disabling has deployed (else
// DistributionNotDisabled). Its invalidations go with it.
func deleteDistribution(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:DeleteDistribution", DistributionARN(acct, k.id)); e != nil {
		return e
	}
	s.mu.Lock()
	old, e := s.ownDistributionLocked(acct, k.id)
	if e == nil {
		e = k.checkIfMatch(old.ETag)
	}
	// UNCONFIRMED: a disabled distribution still InProgress is refused
	// the same way (CloudFront asks to wait for Deployed).
	if e == nil && (old.Config.GetEnabled() || s.now().Before(old.DeployedAt)) {
		// Wording: CloudFront via rebuy-de/aws-nuke#155.
		e = cfError("DistributionNotDisabled", "The distribution you are trying to delete has not been disabled.")
	}
	if e != nil {
		s.mu.Unlock()
		return e
	}
	invs, hadInvs := s.state.Invalidations[old.ID]
	delete(s.state.Distributions, old.ID)
	delete(s.state.Invalidations, old.ID)
	s.hosts.Store(nil)
	if e := s.commitUnlock(func() {
		s.state.Distributions[old.ID] = old
		if hadInvs {
			s.state.Invalidations[old.ID] = invs
		}
	}); e != nil {
		return e
	}
	k.w.WriteHeader(http.StatusNoContent)
	return nil
}

// listDistributions is ListDistributions: the account's distributions
// ordered by id, paged by Marker and MaxItems (default 100), as
// DistributionSummary items. ListDistributions has no resource-level
// permissions in AWS (resource "*"); edgegate's authorizer scopes a
// caller to its own account's ARNs and refuses an account-less "*", so the
// call is authorized on every distribution of the account, which a policy
// granting the action on "*" allows alike.
func listDistributions(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:ListDistributions", "*"); e != nil {
		return e
	}
	marker, maxItems, e := k.listParams()
	if e != nil {
		return e
	}
	s.mu.RLock()
	var ids []string
	for id, d := range s.state.Distributions {
		if d.Account == acct {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	page, truncated := pageAfter(ids, marker, maxItems)
	list := &DistributionList{
		Marker: ptr(marker), MaxItems: ptr(int64(maxItems)), IsTruncated: ptr(truncated),
		Quantity: ptr(int64(len(page))), NextMarker: nextMarker(page, truncated),
	}
	for _, id := range page {
		list.Items = append(list.Items, s.distributionSummaryLocked(s.state.Distributions[id]))
	}
	s.mu.RUnlock()
	return k.writeResource(http.StatusOK, "DistributionList", list, "", "")
}

// distributionSummaryLocked is rec as a DistributionSummary.
func (s *Service) distributionSummaryLocked(rec *distributionRec) DistributionSummary {
	c := rec.Config
	return DistributionSummary{
		Id: ptr(rec.ID), ARN: ptr(rec.ARN), ETag: ptr(rec.ETag), Status: ptr(s.distributionStatus(rec, false)),
		LastModifiedTime: ptr(rec.Modified), DomainName: ptr(rec.DomainName),
		Aliases: c.Aliases, Origins: c.Origins, OriginGroups: c.OriginGroups,
		DefaultCacheBehavior: c.DefaultCacheBehavior, CacheBehaviors: c.CacheBehaviors,
		CustomErrorResponses: c.CustomErrorResponses, Comment: c.Comment, PriceClass: c.PriceClass,
		Enabled: c.Enabled, ViewerCertificate: c.ViewerCertificate, Restrictions: c.Restrictions,
		WebACLId: c.WebACLId, HttpVersion: c.HttpVersion, IsIPV6Enabled: c.IsIPV6Enabled, Staging: c.Staging,
		ConnectionMode: c.ConnectionMode, AnycastIpListId: c.AnycastIpListId, ViewerMtlsConfig: c.ViewerMtlsConfig,
		ConnectionFunctionAssociation: c.ConnectionFunctionAssociation,
	}
}
