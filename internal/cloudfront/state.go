package cloudfront

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/edgegate/edgegate/internal/atomicfile"
)

// state is everything the control plane stores. Records are replaced,
// never modified in place, once published: readers holding a record
// pointer under the read lock keep a consistent view.
type state struct {
	Distributions map[string]*distributionRec        `json:"distributions"`
	OACs          map[string]*oacRec                 `json:"origin_access_controls"`
	OAIs          map[string]*oaiRec                 `json:"origin_access_identities"`
	Invalidations map[string][]*invalidationRec      `json:"invalidations"` // by distribution id, newest last
	CachePolicies map[string]*cachePolicyRec         `json:"cache_policies"`
	ORPolicies    map[string]*originRequestPolicyRec `json:"origin_request_policies"`
}

func newState() state {
	return state{
		Distributions: map[string]*distributionRec{},
		OACs:          map[string]*oacRec{},
		OAIs:          map[string]*oaiRec{},
		Invalidations: map[string][]*invalidationRec{},
		CachePolicies: map[string]*cachePolicyRec{},
		ORPolicies:    map[string]*originRequestPolicyRec{},
	}
}

// distributionRec is one distribution.
type distributionRec struct {
	ID         string              `json:"id"`
	Account    string              `json:"account"`
	ARN        string              `json:"arn"`
	DomainName string              `json:"domain_name"`
	ETag       string              `json:"etag"`
	Modified   time.Time           `json:"modified"`
	DeployedAt time.Time           `json:"deployed_at"` // Status is Deployed from then on
	Config     *DistributionConfig `json:"config"`
	Tags       []Tag               `json:"tags,omitempty"`
}

// oacRec is one origin access control.
type oacRec struct {
	ID      string                     `json:"id"`
	Account string                     `json:"account"`
	ETag    string                     `json:"etag"`
	Config  *OriginAccessControlConfig `json:"config"`
}

// oaiRec is one CloudFront origin access identity.
type oaiRec struct {
	ID          string                                `json:"id"`
	Account     string                                `json:"account"`
	ETag        string                                `json:"etag"`
	CanonicalID string                                `json:"canonical_id"`
	Config      *CloudFrontOriginAccessIdentityConfig `json:"config"`
}

// invalidationRec is one invalidation batch of a distribution.
type invalidationRec struct {
	ID          string             `json:"id"`
	Created     time.Time          `json:"created"`
	CompletedAt time.Time          `json:"completed_at"`
	Batch       *InvalidationBatch `json:"batch"`
}

// cachePolicyRec is a custom cache policy (managed ones are built in).
type cachePolicyRec struct {
	ID       string             `json:"id"`
	Account  string             `json:"account"`
	ETag     string             `json:"etag"`
	Modified time.Time          `json:"modified"`
	Config   *CachePolicyConfig `json:"config"`
}

// originRequestPolicyRec is a custom origin request policy.
type originRequestPolicyRec struct {
	ID       string                     `json:"id"`
	Account  string                     `json:"account"`
	ETag     string                     `json:"etag"`
	Modified time.Time                  `json:"modified"`
	Config   *OriginRequestPolicyConfig `json:"config"`
}

const (
	stateFile    = "state.json"
	stateVersion = 1
)

type stateDoc struct {
	Version int `json:"version"`
	state
}

// load reads DIR/state.json (absent = empty state).
func (s *Service) load() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return fmt.Errorf("cloudfront: creating %s: %w", s.dir, err)
	}
	path := filepath.Join(s.dir, stateFile)
	atomicfile.SweepTemps(path)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cloudfront: reading state: %w", err)
	}
	doc := stateDoc{state: newState()}
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("cloudfront: %s does not parse: %w", path, err)
	}
	if doc.Version != stateVersion {
		return fmt.Errorf("cloudfront: %s has version %d; this edgegate reads version %d", path, doc.Version, stateVersion)
	}
	fresh := newState()
	if doc.Distributions == nil {
		doc.Distributions = fresh.Distributions
	}
	if doc.OACs == nil {
		doc.OACs = fresh.OACs
	}
	if doc.OAIs == nil {
		doc.OAIs = fresh.OAIs
	}
	if doc.Invalidations == nil {
		doc.Invalidations = fresh.Invalidations
	}
	if doc.CachePolicies == nil {
		doc.CachePolicies = fresh.CachePolicies
	}
	if doc.ORPolicies == nil {
		doc.ORPolicies = fresh.ORPolicies
	}
	s.state = doc.state
	return nil
}

// saveLocked writes the state atomically; a no-op in memory mode.
func (s *Service) saveLocked() error {
	if s.dir == "" {
		return nil
	}
	b, err := json.Marshal(stateDoc{Version: stateVersion, state: s.state})
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(s.dir, stateFile), b, 0o600)
}
