package cloudfront

import (
	"net"
	"strings"
)

// The read API of distributions for the edge and for tools.

// DistributionView is a snapshot of one distribution. Config is the
// stored configuration (as sent plus CloudFront's defaults); it is shared
// with the service, which never modifies a stored configuration (a change
// stores a new one), so it stays consistent, but callers must not modify
// it either.
type DistributionView struct {
	ID         string
	ARN        string
	Account    string
	DomainName string // the generated dXXXXXXXXXXXXX.<suffix>
	Enabled    bool
	ETag       string // of the configuration version
	Config     *DistributionConfig
}

func viewOf(rec *distributionRec) *DistributionView {
	return &DistributionView{
		ID: rec.ID, ARN: rec.ARN, Account: rec.Account, DomainName: rec.DomainName,
		Enabled: rec.Config.GetEnabled(), ETag: rec.ETag, Config: rec.Config,
	}
}

// Distribution returns the distribution id, of any account.
func (s *Service) Distribution(id string) (*DistributionView, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rec, ok := s.state.Distributions[id]
	if !ok {
		return nil, false
	}
	return viewOf(rec), true
}

// DistributionByHost returns the distribution a viewer's Host header
// names: its generated domain name or one of its alternate domain names
// (Aliases), compared case-insensitively, without the port and a trailing
// dot. A wildcard alias *.example.com answers for any one-label subdomain
// (a.example.com, not example.com or a.b.example.com) that no exact name
// claims, as CloudFront routes wildcard alternate domain names. Disabled
// distributions are returned too (Enabled false): serving them or not is
// the caller's decision.
func (s *Service) DistributionByHost(host string) (*DistributionView, bool) {
	h := normalizeHost(host)
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx := s.hostIndexLocked()
	id, ok := idx[h]
	if !ok {
		if dot := strings.IndexByte(h, '.'); dot > 0 {
			id, ok = idx["*"+h[dot:]]
		}
	}
	if !ok {
		return nil, false
	}
	rec, ok := s.state.Distributions[id]
	if !ok {
		return nil, false
	}
	return viewOf(rec), true
}

// normalizeHost lower-cases a Host value and strips its port and a
// trailing dot.
func normalizeHost(host string) string {
	h := strings.ToLower(strings.TrimSpace(host))
	if strings.Contains(h, ":") {
		if hh, _, err := net.SplitHostPort(h); err == nil {
			h = hh
		}
	}
	return strings.TrimSuffix(h, ".")
}

// hostIndexLocked returns the index of distributions by lower-case domain
// name and alias, building it when a change dropped it. The caller holds
// s.mu (a read lock suffices: writers drop the index while holding the
// write lock, so an index built under a read lock is never stale).
func (s *Service) hostIndexLocked() map[string]string {
	if p := s.hosts.Load(); p != nil {
		return *p
	}
	idx := make(map[string]string, 2*len(s.state.Distributions))
	for id, d := range s.state.Distributions {
		idx[strings.ToLower(d.DomainName)] = id
		for _, a := range d.Config.GetAliases().GetItems() {
			idx[strings.ToLower(a)] = id
		}
	}
	s.hosts.CompareAndSwap(nil, &idx)
	return idx
}
