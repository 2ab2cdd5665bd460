package cloudfront

import (
	"net/http"
	"sort"
	"unicode/utf8"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// Origin access controls (OAC): CreateOriginAccessControl,
// Get/GetConfig/Update/Delete and ListOriginAccessControls. An OAC belongs
// to the account that created it; a distribution of that account refers to
// it by Origins.Items[].OriginAccessControlId, and the edge signs origin
// requests as its SigningBehavior says.

const (
	oacKind = "origin-access-control"
	// maxOACNameLen is the longest OAC name (API reference: "up to 64
	// characters").
	maxOACNameLen = 64
	// maxOACsPerAccount is the TooManyOriginAccessControls quota
	// (UNCONFIRMED: the current quota page was not reachable; 100 is the
	// origin access identity quota, docs/cloudfront.md).
	maxOACsPerAccount = 100
)

var (
	oacSigningBehaviors = map[string]bool{"always": true, "never": true, "no-override": true}
	oacOriginTypes      = map[string]bool{"s3": true, "mediastore": true, "mediapackagev2": true, "lambda": true}
)

// validateOACConfig checks an OriginAccessControlConfig as CloudFront
// does (InvalidArgument for a bad value) and fills in the defaults it
// returns: an absent Description reads back as "" (the summary shape
// requires it).
func validateOACConfig(c *OriginAccessControlConfig) *awsapi.Error {
	name := *c.Name
	if name == "" || utf8.RuneCountInString(name) > maxOACNameLen {
		return cfError("InvalidArgument", "The origin access control name must be 1 to %d characters long.", maxOACNameLen)
	}
	if *c.SigningProtocol != "sigv4" {
		return cfError("InvalidArgument", "The signing protocol %q is not valid: the only valid value is sigv4.", *c.SigningProtocol)
	}
	if !oacSigningBehaviors[*c.SigningBehavior] {
		return cfError("InvalidArgument", "The signing behavior %q is not valid: use always, never or no-override.", *c.SigningBehavior)
	}
	if !oacOriginTypes[*c.OriginAccessControlOriginType] {
		return cfError("InvalidArgument", "The origin access control origin type %q is not valid: use s3, mediastore, mediapackagev2 or lambda.", *c.OriginAccessControlOriginType)
	}
	if c.Description == nil {
		c.Description = ptr("")
	}
	return nil
}

// oacNameTakenLocked reports whether another OAC of account (not the one
// with id except) has name.
func (s *Service) oacNameTakenLocked(account, name, except string) bool {
	for id, o := range s.state.OACs {
		if id != except && o.Account == account && *o.Config.Name == name {
			return true
		}
	}
	return false
}

// oacInUseLocked reports whether a distribution of account has an origin
// whose OriginAccessControlId is id.
func (s *Service) oacInUseLocked(account, id string) bool {
	for _, d := range s.state.Distributions {
		if d.Account != account || d.Config == nil || d.Config.Origins == nil {
			continue
		}
		for _, o := range d.Config.Origins.Items {
			if o.OriginAccessControlId != nil && *o.OriginAccessControlId == id {
				return true
			}
		}
	}
	return false
}

// ownOACLocked returns the OAC id of account, or NoSuchOriginAccessControl
// (another account's OAC does not exist for the caller).
func (s *Service) ownOACLocked(account, id string) (*oacRec, *awsapi.Error) {
	o, ok := s.state.OACs[id]
	if !ok || o.Account != account {
		return nil, cfError("NoSuchOriginAccessControl", "The specified origin access control does not exist.")
	}
	return o, nil
}

func oacDocument(o *oacRec) *OriginAccessControl {
	return &OriginAccessControl{Id: ptr(o.ID), OriginAccessControlConfig: o.Config}
}

// createOAC is CreateOriginAccessControl: 201 with the OAC, Location and
// ETag. A second OAC with the same name in the account is
// OriginAccessControlAlreadyExists (the trigger is UNCONFIRMED).
func createOAC(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:CreateOriginAccessControl", resourceARN(acct, oacKind, "*")); e != nil {
		return e
	}
	cfg := &OriginAccessControlConfig{}
	if e := readDocument(k.r, "OriginAccessControlConfig", cfg); e != nil {
		return e
	}
	if e := validateOACConfig(cfg); e != nil {
		return e
	}
	s.mu.Lock()
	if s.oacNameTakenLocked(acct, *cfg.Name, "") {
		s.mu.Unlock()
		return cfError("OriginAccessControlAlreadyExists", "An origin access control with the name %s already exists.", *cfg.Name)
	}
	n := 0
	for _, o := range s.state.OACs {
		if o.Account == acct {
			n++
		}
	}
	if n >= maxOACsPerAccount {
		s.mu.Unlock()
		return cfError("TooManyOriginAccessControls", "Your account already has the maximum number of origin access controls (%d).", maxOACsPerAccount)
	}
	id := s.newResourceID()
	for s.state.OACs[id] != nil {
		id = s.newResourceID()
	}
	rec := &oacRec{ID: id, Account: acct, ETag: s.newETag(), Config: cfg}
	s.state.OACs[id] = rec
	if e := s.commitUnlock(func() { delete(s.state.OACs, id) }); e != nil {
		return e
	}
	return k.writeResource(http.StatusCreated, "OriginAccessControl", oacDocument(rec), rec.ETag, k.location(oacKind+"/"+id))
}

// getOAC is GetOriginAccessControl.
func getOAC(k *call) *awsapi.Error {
	if e := k.authorize("cloudfront:GetOriginAccessControl", resourceARN(k.account(), oacKind, k.id)); e != nil {
		return e
	}
	k.s.mu.RLock()
	o, e := k.s.ownOACLocked(k.account(), k.id)
	k.s.mu.RUnlock()
	if e != nil {
		return e
	}
	return k.writeResource(http.StatusOK, "OriginAccessControl", oacDocument(o), o.ETag, "")
}

// getOACConfig is GetOriginAccessControlConfig.
func getOACConfig(k *call) *awsapi.Error {
	if e := k.authorize("cloudfront:GetOriginAccessControlConfig", resourceARN(k.account(), oacKind, k.id)); e != nil {
		return e
	}
	k.s.mu.RLock()
	o, e := k.s.ownOACLocked(k.account(), k.id)
	k.s.mu.RUnlock()
	if e != nil {
		return e
	}
	return k.writeResource(http.StatusOK, "OriginAccessControlConfig", o.Config, o.ETag, "")
}

// updateOAC is UpdateOriginAccessControl (PUT …/{Id}/config): the whole
// configuration is replaced; If-Match must name the current ETag.
func updateOAC(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:UpdateOriginAccessControl", resourceARN(acct, oacKind, k.id)); e != nil {
		return e
	}
	cfg := &OriginAccessControlConfig{}
	if e := readDocument(k.r, "OriginAccessControlConfig", cfg); e != nil {
		return e
	}
	s.mu.Lock()
	old, e := s.ownOACLocked(acct, k.id)
	if e == nil {
		e = k.checkIfMatch(old.ETag)
	}
	if e == nil {
		e = validateOACConfig(cfg)
	}
	if e == nil && s.oacNameTakenLocked(acct, *cfg.Name, k.id) {
		e = cfError("OriginAccessControlAlreadyExists", "An origin access control with the name %s already exists.", *cfg.Name)
	}
	if e != nil {
		s.mu.Unlock()
		return e
	}
	rec := &oacRec{ID: old.ID, Account: acct, ETag: s.newETag(), Config: cfg}
	s.state.OACs[rec.ID] = rec
	if e := s.commitUnlock(func() { s.state.OACs[old.ID] = old }); e != nil {
		return e
	}
	return k.writeResource(http.StatusOK, "OriginAccessControl", oacDocument(rec), rec.ETag, "")
}

// deleteOAC is DeleteOriginAccessControl: 204, or OriginAccessControlInUse
// while a distribution of the account still uses it.
func deleteOAC(k *call) *awsapi.Error {
	s, acct := k.s, k.account()
	if e := k.authorize("cloudfront:DeleteOriginAccessControl", resourceARN(acct, oacKind, k.id)); e != nil {
		return e
	}
	s.mu.Lock()
	old, e := s.ownOACLocked(acct, k.id)
	if e == nil {
		e = k.checkIfMatch(old.ETag)
	}
	if e == nil && s.oacInUseLocked(acct, k.id) {
		e = cfError("OriginAccessControlInUse", "The origin access control is in use by one or more distributions.")
	}
	if e != nil {
		s.mu.Unlock()
		return e
	}
	delete(s.state.OACs, k.id)
	if e := s.commitUnlock(func() { s.state.OACs[old.ID] = old }); e != nil {
		return e
	}
	k.w.WriteHeader(http.StatusNoContent)
	return nil
}

// listOACs is ListOriginAccessControls: the account's OACs ordered by id.
func listOACs(k *call) *awsapi.Error {
	acct := k.account()
	if e := k.authorize("cloudfront:ListOriginAccessControls", "*"); e != nil {
		return e
	}
	marker, maxItems, e := k.listParams()
	if e != nil {
		return e
	}
	k.s.mu.RLock()
	var ids []string
	for id, o := range k.s.state.OACs {
		if o.Account == acct {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	page, truncated := pageAfter(ids, marker, maxItems)
	list := &OriginAccessControlList{
		Marker: ptr(marker), MaxItems: ptr(int64(maxItems)), IsTruncated: ptr(truncated), Quantity: ptr(int64(len(page))),
	}
	for _, id := range page {
		c := k.s.state.OACs[id].Config
		list.Items = append(list.Items, OriginAccessControlSummary{
			Id: ptr(id), Description: c.Description, Name: c.Name, SigningProtocol: c.SigningProtocol,
			SigningBehavior: c.SigningBehavior, OriginAccessControlOriginType: c.OriginAccessControlOriginType,
		})
	}
	k.s.mu.RUnlock()
	list.NextMarker = nextMarker(page, truncated)
	return k.writeResource(http.StatusOK, "OriginAccessControlList", list, "", "")
}

// checkIfMatch requires the If-Match header (InvalidIfMatchVersion) and
// that it names current (PreconditionFailed).
func (k *call) checkIfMatch(current string) *awsapi.Error {
	v, e := k.ifMatch()
	if e != nil {
		return e
	}
	return checkETag(v, current)
}
