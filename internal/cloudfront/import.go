package cloudfront

import (
	"fmt"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// This file holds entry points used only to load exported configurations
// (internal/world loading a doctor bundle); the API handlers never use them.

// IsManagedCachePolicy reports whether id is one of the AWS managed cache
// policies edgegate knows.
func IsManagedCachePolicy(id string) bool {
	for _, p := range managedCachePolicies {
		if p.id == id {
			return true
		}
	}
	return false
}

// IsManagedOriginRequestPolicy reports whether id is one of the AWS managed
// origin request policies edgegate knows.
func IsManagedOriginRequestPolicy(id string) bool {
	for _, p := range managedOriginRequestPolicies {
		if p.id == id {
			return true
		}
	}
	return false
}

// importMissing refuses a configuration whose required members are
// absent, as readDocument does for a request body.
func importMissing(what string, v interface {
	Missing(string, []string) []string
}) error {
	if m := v.Missing("", nil); len(m) > 0 {
		return fmt.Errorf("cloudfront: import %s: required members missing: %s", what, strings.Join(m, ", "))
	}
	return nil
}

func importErr(what string, e *awsapi.Error) error {
	if e == nil {
		return nil
	}
	return fmt.Errorf("cloudfront: import %s: %s: %s", what, e.Code, e.Message)
}

// ImportOAC adds an origin access control of account with the exported
// id, validated as CreateOriginAccessControl validates it.
func (s *Service) ImportOAC(account, id string, cfg *OriginAccessControlConfig) error {
	what := "origin access control " + id
	if cfg == nil || id == "" {
		return fmt.Errorf("cloudfront: import %s: no id or configuration", what)
	}
	if err := importMissing(what, cfg); err != nil {
		return err
	}
	if err := importErr(what, validateOACConfig(cfg)); err != nil {
		return err
	}
	s.mu.Lock()
	if s.state.OACs[id] != nil {
		s.mu.Unlock()
		return fmt.Errorf("cloudfront: import %s: the id is taken", what)
	}
	s.state.OACs[id] = &oacRec{ID: id, Account: account, ETag: s.newETag(), Config: cfg}
	return importErr(what, s.commitUnlock(func() { delete(s.state.OACs, id) }))
}

// ImportOAI adds an origin access identity of account with the exported
// id and S3 canonical user id.
func (s *Service) ImportOAI(account, id, canonicalID string, cfg *CloudFrontOriginAccessIdentityConfig) error {
	what := "origin access identity " + id
	if cfg == nil || id == "" || canonicalID == "" {
		return fmt.Errorf("cloudfront: import %s: no id, canonical user id or configuration", what)
	}
	if err := importMissing(what, cfg); err != nil {
		return err
	}
	if err := importErr(what, validateOAIConfig(cfg)); err != nil {
		return err
	}
	s.mu.Lock()
	if s.state.OAIs[id] != nil {
		s.mu.Unlock()
		return fmt.Errorf("cloudfront: import %s: the id is taken", what)
	}
	for _, o := range s.state.OAIs {
		if o.CanonicalID == canonicalID {
			s.mu.Unlock()
			return fmt.Errorf("cloudfront: import %s: canonical user id %s is taken by %s", what, canonicalID, o.ID)
		}
	}
	s.state.OAIs[id] = &oaiRec{ID: id, Account: account, ETag: s.newETag(), CanonicalID: canonicalID, Config: cfg}
	return importErr(what, s.commitUnlock(func() { delete(s.state.OAIs, id) }))
}

// ImportCachePolicy adds a custom cache policy of account with the
// exported id (an AWS managed policy's id is refused: edgegate has them).
func (s *Service) ImportCachePolicy(account, id string, modified time.Time, cfg *CachePolicyConfig) error {
	what := "cache policy " + id
	if cfg == nil || id == "" || IsManagedCachePolicy(id) {
		return fmt.Errorf("cloudfront: import %s: no id or configuration, or an AWS managed policy", what)
	}
	if err := importMissing(what, cfg); err != nil {
		return err
	}
	if err := importErr(what, validateCachePolicyConfig(cfg)); err != nil {
		return err
	}
	s.mu.Lock()
	if s.state.CachePolicies[id] != nil {
		s.mu.Unlock()
		return fmt.Errorf("cloudfront: import %s: the id is taken", what)
	}
	if modified.IsZero() {
		modified = policyModifiedNow(s)
	}
	s.state.CachePolicies[id] = &cachePolicyRec{ID: id, Account: account, ETag: s.newETag(), Modified: modified, Config: cfg}
	return importErr(what, s.commitUnlock(func() { delete(s.state.CachePolicies, id) }))
}

// ImportOriginRequestPolicy adds a custom origin request policy of
// account with the exported id.
func (s *Service) ImportOriginRequestPolicy(account, id string, modified time.Time, cfg *OriginRequestPolicyConfig) error {
	what := "origin request policy " + id
	if cfg == nil || id == "" || IsManagedOriginRequestPolicy(id) {
		return fmt.Errorf("cloudfront: import %s: no id or configuration, or an AWS managed policy", what)
	}
	if err := importMissing(what, cfg); err != nil {
		return err
	}
	if err := importErr(what, validateOriginRequestPolicyConfig(cfg)); err != nil {
		return err
	}
	s.mu.Lock()
	if s.state.ORPolicies[id] != nil {
		s.mu.Unlock()
		return fmt.Errorf("cloudfront: import %s: the id is taken", what)
	}
	if modified.IsZero() {
		modified = policyModifiedNow(s)
	}
	s.state.ORPolicies[id] = &originRequestPolicyRec{ID: id, Account: account, ETag: s.newETag(), Modified: modified, Config: cfg}
	return importErr(what, s.commitUnlock(func() { delete(s.state.ORPolicies, id) }))
}

// ImportedDistribution is a distribution as get-distribution printed it.
type ImportedDistribution struct {
	// ID, ARN and DomainName are kept as exported; ID "" is generated, ARN
	// "" is derived from Account and ID, DomainName "" is generated under
	// the service's suffix.
	ID, ARN, DomainName string
	Account             string
	ETag                string
	Modified            time.Time
	Config              *DistributionConfig
	// UncheckedRefs skips the check that the OACs, OAIs and policies the
	// configuration names exist (the export lacks some of them); the edge
	// then treats a missing OAC or OAI as it always does (anonymous).
	UncheckedRefs bool
}

// ImportDistribution adds a deployed distribution with the exported id,
// ARN and domain, its configuration validated as CreateDistribution
// validates it (enums, quantities, content, and unless UncheckedRefs the
// references), defaults filled. The OACs, OAIs and policies it names must
// be imported first.
func (s *Service) ImportDistribution(d ImportedDistribution) (*DistributionView, error) {
	what := "distribution " + d.ID
	if d.Config == nil {
		return nil, fmt.Errorf("cloudfront: import %s: no configuration", what)
	}
	if err := importMissing(what, d.Config); err != nil {
		return nil, err
	}
	cfg := d.Config
	if e := checkEnums("DistributionConfig", cfg); e != nil {
		return nil, importErr(what, e)
	}
	if e := checkQuantities("DistributionConfig", cfg); e != nil {
		return nil, importErr(what, e)
	}
	if e := validateDistributionContent(cfg); e != nil {
		return nil, importErr(what, e)
	}
	s.mu.Lock()
	if d.ID == "" {
		d.ID = s.newResourceID()
		for s.state.Distributions[d.ID] != nil {
			d.ID = s.newResourceID()
		}
	}
	arn := d.ARN
	if arn == "" {
		arn = DistributionARN(d.Account, d.ID)
	}
	if !d.UncheckedRefs {
		if e := s.validateDistributionRefsLocked(d.Account, "", cfg); e != nil {
			s.mu.Unlock()
			return nil, importErr(what, e)
		}
	}
	if s.state.Distributions[d.ID] != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("cloudfront: import %s: the id is taken", what)
	}
	domain := strings.ToLower(d.DomainName)
	if domain == "" {
		domain = s.newDistributionDomainLocked()
	}
	for _, o := range s.state.Distributions {
		if o.DomainName == domain {
			s.mu.Unlock()
			return nil, fmt.Errorf("cloudfront: import %s: domain %s is taken by %s", what, domain, o.ID)
		}
	}
	applyDistributionDefaults(cfg)
	now := s.distributionNow()
	modified := d.Modified
	if modified.IsZero() {
		modified = now
	}
	etag := d.ETag
	if etag == "" {
		etag = s.newETag()
	}
	rec := &distributionRec{
		ID: d.ID, Account: d.Account, ARN: arn, DomainName: domain,
		ETag: etag, Modified: modified, DeployedAt: now, Config: cfg,
	}
	s.state.Distributions[d.ID] = rec
	s.hosts.Store(nil)
	if e := s.commitUnlock(func() { delete(s.state.Distributions, d.ID); s.hosts.Store(nil) }); e != nil {
		return nil, importErr(what, e)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return viewOf(rec), nil
}
