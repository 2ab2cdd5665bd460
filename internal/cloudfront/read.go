package cloudfront

// Read access to origin access controls for the edge.

// OriginAccessControl returns a copy of the configuration of the origin
// access control id, of any account, and the account that owns it.
// ok=false when no such OAC exists. The copy is the caller's: changing it
// changes nothing stored.
func (s *Service) OriginAccessControl(id string) (cfg OriginAccessControlConfig, account string, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, found := s.state.OACs[id]
	if !found || o.Config == nil {
		return OriginAccessControlConfig{}, "", false
	}
	c := *o.Config
	// The fields are pointers to strings a stored configuration never
	// changes (an update stores a new configuration), so sharing them is
	// safe; copy them anyway so a caller cannot reach the stored values.
	c.Name = copyStr(c.Name)
	c.Description = copyStr(c.Description)
	c.SigningProtocol = copyStr(c.SigningProtocol)
	c.SigningBehavior = copyStr(c.SigningBehavior)
	c.OriginAccessControlOriginType = copyStr(c.OriginAccessControlOriginType)
	return c, o.Account, true
}

func copyStr(p *string) *string {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
