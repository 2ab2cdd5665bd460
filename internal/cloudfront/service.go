package cloudfront

import (
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/reqctx"
)

// DefaultDomainSuffix is the suffix of distribution domain names unless
// Config says otherwise: dXXXXXXXXXXXXX.cloudfront.localhost, which curl
// and browsers resolve to loopback.
const DefaultDomainSuffix = "cloudfront.localhost"

// Authorizer decides whether a caller may perform a CloudFront action
// (cloudfront:CreateDistribution, ...) on a resource ARN. *iam.Registry
// implements it with the caller's identity policies.
type Authorizer interface {
	AuthorizeCall(r *http.Request, c *reqctx.Call, action, resource string) *awsapi.Error
}

// Config configures the service.
type Config struct {
	// Dir is the state directory (DATADIR/cloudfront); "" keeps the
	// state in memory.
	Dir string
	// DomainSuffix is appended to generated distribution domain names;
	// default DefaultDomainSuffix.
	DomainSuffix string
	// DeployDelay is how long a created or updated distribution (and a new
	// invalidation) reports InProgress before Deployed (Completed);
	// default 0: the next read reports Deployed.
	DeployDelay time.Duration
	// Authorizer authorizes callers; nil allows every signed caller of
	// its own resources (tests).
	Authorizer Authorizer
	Logger     *slog.Logger
	Now        func() time.Time
	Rand       io.Reader
}

// Service is the CloudFront control plane. It is safe for concurrent use.
type Service struct {
	mu    sync.RWMutex
	state state

	dir         string
	suffix      string
	deployDelay time.Duration
	authz       Authorizer
	log         *slog.Logger
	now         func() time.Time
	rand        io.Reader
	// listeners are told about every committed change (the edge).
	listeners []func()
	// invalidationListeners are told about every committed invalidation
	// batch (the edge purges its cache); see OnInvalidation.
	invalidationListeners []func(distID string, paths []string)
	// hosts indexes distributions by lower-case domain name and alias for
	// DistributionByHost; nil means "rebuild". Writers that change a
	// distribution's names store nil while holding mu (model.go).
	hosts atomic.Pointer[map[string]string]
}

// Open builds the service, loading its state from cfg.Dir when set.
func Open(cfg Config) (*Service, error) {
	s := &Service{
		dir: cfg.Dir, suffix: cfg.DomainSuffix, deployDelay: cfg.DeployDelay,
		authz: cfg.Authorizer, log: cfg.Logger, now: cfg.Now, rand: cfg.Rand,
	}
	if s.suffix == "" {
		s.suffix = DefaultDomainSuffix
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	s.state = newState()
	if s.dir != "" {
		if err := s.load(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// DomainSuffix returns the suffix of generated distribution domain names.
func (s *Service) DomainSuffix() string { return s.suffix }

// OnChange registers f to be called (without the service's lock held)
// after every committed change. Register before serving.
func (s *Service) OnChange(f func()) { s.listeners = append(s.listeners, f) }

// commitLocked makes the current state durable; on failure it calls undo
// (which must restore the in-memory state) and returns InternalError. The
// caller holds the write lock.
func (s *Service) commitLocked(undo func()) *awsapi.Error {
	if err := s.saveLocked(); err != nil {
		if undo != nil {
			undo()
		}
		s.log.Error("cloudfront: persisting state", "err", err)
		return errInternal
	}
	return nil
}

// commitUnlock ends a change made under the write lock: it commits it
// (commitLocked, calling undo on failure), releases the lock, and on
// success tells the listeners (changed).
func (s *Service) commitUnlock(undo func()) *awsapi.Error {
	e := s.commitLocked(undo)
	s.mu.Unlock()
	if e == nil {
		s.changed()
	}
	return e
}

// changed tells the listeners; call it after releasing the lock.
func (s *Service) changed() {
	for _, f := range s.listeners {
		f()
	}
}
