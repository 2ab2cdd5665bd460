// Package server is edgegate's composition root: it opens the stores, builds
// every service, and serves them all on one listener, routing each request
// by its SigV4 credential scope and Host.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/edge"
	"github.com/edgegate/edgegate/internal/h1"
	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/kms"
	"github.com/edgegate/edgegate/internal/s3"
	"github.com/edgegate/edgegate/internal/s3website"
	"github.com/edgegate/edgegate/internal/sigv4"
	"github.com/edgegate/edgegate/internal/sse"
	"github.com/edgegate/edgegate/internal/ssekms"
	"github.com/edgegate/edgegate/internal/store"
	"github.com/edgegate/edgegate/internal/store/boltmeta"
	"github.com/edgegate/edgegate/internal/store/fsblob"
	"github.com/edgegate/edgegate/internal/traces"
)

// Config is everything `edgegate serve` is configured with.
type Config struct {
	// Listen is the TCP address to serve on (default 127.0.0.1:4566).
	Listen string
	// DataDir holds the metadata database, object blobs, IAM state and
	// the KMS keys (DATADIR/kms).
	DataDir string
	// AccountsFile optionally names a JSON file of extra accounts.
	AccountsFile string
	// NoDefaultAccount turns off account 000000000000 with key test/test.
	NoDefaultAccount bool
	// Region is the region the endpoint claims (default us-east-1).
	Region string
	// Logger receives one line per request and the server's own events.
	Logger *slog.Logger
	// LogRequests turns on the per-request log line (on by default in the CLI).
	LogRequests bool
	// OperatorToken, when set, is the secret a request presents in
	// X-Edgegate-Operator-Token to act as the operator: read any request's
	// explanation and set condition keys with X-Edgegate-Context.
	OperatorToken string
	// DenialReasonHeader adds X-Edgegate-Denial-Reason to denied S3
	// responses, for local debugging (AWS tells a denied caller nothing).
	DenialReasonHeader bool
	// TraceCapacity is how many requests' decisions are kept for explain
	// (default traces.DefaultCapacity).
	TraceCapacity int
	// CloudFrontDomainSuffix is the suffix of distribution domain names
	// (default cloudfront.localhost).
	CloudFrontDomainSuffix string
	// CloudFrontDeployDelay is how long a changed distribution reports
	// InProgress before Deployed (default 0).
	CloudFrontDeployDelay time.Duration
	// EdgeCache configures the edge cache (edgecache.go): memory and disk
	// bounds, the disk tier's directory (default DATADIR/edge-cache), and
	// the default error caching TTL.
	EdgeCache EdgeCacheConfig
	// ViewerCountry is the ISO 3166-1 alpha-2 country of every viewer for
	// geo restriction (default "US"; "unknown": no location), unless the
	// operator sends X-Edgegate-Viewer-Country (internal/edge/geo.go).
	ViewerCountry string
	// TLSListen, when set, is a second address serving the same handler
	// over HTTPS (HTTP/2 by ALPN): see tls.go.
	TLSListen string
	// TLSCertFile and TLSKeyFile are the HTTPS listener's PEM certificate
	// and key; both empty: a self-signed certificate kept under
	// DATADIR/tls (TLSCertPaths).
	TLSCertFile, TLSKeyFile string
	// AccessLogInterval is how often buffered S3 server access logs and
	// CloudFront standard logs are delivered (default 60 s; logs.go).
	AccessLogInterval time.Duration
	// S3AccessLogDir, when set, also receives every S3 server access log
	// object, as a file at its object key.
	S3AccessLogDir string
	// CloudFrontLogDir, when set, receives the standard log files of every
	// distribution, logging enabled or not, at their object keys.
	CloudFrontLogDir string
}

// Server is a running edgegate: stores opened, services built.
type Server struct {
	cfg      Config
	log      *slog.Logger
	meta     store.Meta
	blobs    *fsblob.Store
	accounts *iam.Registry
	verifier *sigv4.Verifier
	s3       *s3.Service
	kms      *kms.Service
	cf       *cloudfront.Service
	edge     *edge.Edge
	website  *s3website.Endpoint
	logs     logs // access logs and metrics (logs.go)
	traces   *traces.Store
	sim      *simulator
	http     *http.Server
	// viewers serves the plain listener: edge requests itself, every
	// other connection handed to http (internal/h1, viewer.go).
	viewers *h1.Server
	ready   chan struct{}
	// readHeaderTimeout overrides the listeners' ReadHeaderTimeout (0:
	// defaultReadHeaderTimeout); only tests set it (export_test.go), to
	// check that a stalled client is disconnected without waiting 30 s.
	readHeaderTimeout time.Duration
}

// defaultReadHeaderTimeout is how long a client may take to send a
// request's headers before the connection is closed.
const defaultReadHeaderTimeout = 30 * time.Second

// Open opens (creating if needed) the data directory, sweeps blobs that no
// metadata references (left by a crash mid-write), and builds the services.
// The caller must Close the Server.
func Open(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:4566"
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.DataDir == "" {
		return nil, errors.New("server: no data directory")
	}
	if err := checkViewerCountry(&cfg); err != nil {
		return nil, err
	}
	if err := checkTLSConfig(cfg); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("server: creating data directory: %w", err)
	}
	var specs []iam.AccountSpec
	if cfg.AccountsFile != "" {
		var err error
		if specs, err = iam.LoadAccountsFile(cfg.AccountsFile); err != nil {
			return nil, err
		}
	}
	accounts, err := iam.NewRegistry(cfg.DataDir, specs, !cfg.NoDefaultAccount)
	if err != nil {
		return nil, err
	}
	metaDB, err := boltmeta.Open(filepath.Join(cfg.DataDir, "meta.db"), nil)
	if err != nil {
		return nil, err
	}
	blobs, err := fsblob.Open(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		metaDB.Close()
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		log:      cfg.Logger,
		meta:     metaDB,
		blobs:    blobs,
		accounts: accounts,
		verifier: &sigv4.Verifier{Creds: accounts},
		traces:   traces.New(cfg.TraceCapacity),
		ready:    make(chan struct{}),
	}
	if err := s.sweep(ctx); err != nil {
		s.Close()
		return nil, err
	}
	// Account-level S3 settings (S3 Control's account Block Public Access)
	// live in their own small file: see s3.FileAccountSettings.
	settings, err := s3.OpenAccountSettings(filepath.Join(cfg.DataDir, "s3-account-settings.json"))
	if err != nil {
		s.Close()
		return nil, err
	}
	sseS3, err := sse.OpenS3Sealer(filepath.Join(cfg.DataDir, "sse", "s3-master.key")) // SSE-S3's master key (0600)
	if err != nil {
		s.Close()
		return nil, err
	}
	// KMS keeps its keys under DATADIR/kms, sealed by DATADIR/kms/master.key.
	s.kms, err = kms.Open(kms.Config{
		Dir: filepath.Join(cfg.DataDir, "kms"), Region: cfg.Region, Identities: accounts, Logger: cfg.Logger,
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	s.cf, err = cloudfront.Open(cloudfront.Config{
		Dir: filepath.Join(cfg.DataDir, "cloudfront"), DomainSuffix: cfg.CloudFrontDomainSuffix,
		DeployDelay: cfg.CloudFrontDeployDelay, Authorizer: accounts, Logger: cfg.Logger,
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	// SSE-KMS seals data keys with KMS keys, as the requester (ssekms).
	s.openLogs(cfg)
	s.s3 = s3.New(s3.Config{
		Meta: metaDB, Blobs: blobs, Owners: ownersOf{accounts, s.cf}, Region: cfg.Region, Settings: settings,
		Identities: accounts, OAIs: oaisOf{s.cf}, Traces: s.traces, DenialReasonHeader: cfg.DenialReasonHeader,
		SSES3: sseS3, KMS: ssekms.New(s.kms), AccessLog: s.logs.s3.AddS3,
	})
	edgeCache, err := openEdgeCache(cfg)
	if err != nil {
		s.Close()
		return nil, err
	}
	if edgeCache != nil {
		s.logs.metrics.SetCacheBytes(func() (int64, int64) {
			st := edgeCache.Stats()
			return st.MemoryBytes, st.DiskBytes
		})
	}
	// The website endpoint answers BUCKET.s3-website* hosts from this S3.
	s.website = s3website.New(s.s3)
	// The edge answers distribution hosts from this S3, in-process, and
	// website origins from the website endpoint.
	s.edge = edge.New(edge.Config{
		CloudFront: s.cf, S3: timedOrigin{s.s3, s.logs.metrics, s.authenticateForwarded}, Website: s.website, Traces: s.traces, Logger: cfg.Logger,
		DenialReasonHeader: cfg.DenialReasonHeader, LinkCapacity: cfg.TraceCapacity,
		Cache: edgeCache, DefaultErrorCachingMinTTL: cfg.EdgeCache.ErrorTTL,
	})
	s.sim = s.newSimulator() // SimulateViewer's pipeline (simulate_viewer.go)
	return s, nil
}

// sweep removes temp files and blobs no object or part references: what a
// crash between a blob commit and its metadata commit leaves behind.
func (s *Server) sweep(ctx context.Context) error {
	removed, err := store.Recover(ctx, s.meta, s.blobs)
	if err != nil {
		return fmt.Errorf("server: sweeping orphan blobs: %w", err)
	}
	if removed > 0 {
		s.log.Info("swept orphan blobs", "count", removed)
	}
	return nil
}

// Serve listens on cfg.Listen (and on cfg.TLSListen over HTTPS when set)
// and serves until ctx is cancelled, then drains in-flight requests on
// both (up to drainTimeout) and returns nil after a clean drain.
func (s *Server) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return err
	}
	var tlsLn net.Listener
	if s.cfg.TLSListen != "" {
		if tlsLn, err = net.Listen("tcp", s.cfg.TLSListen); err != nil {
			ln.Close()
			return err
		}
	}
	return s.ServeListeners(ctx, ln, tlsLn)
}

const drainTimeout = 30 * time.Second

// ServeListener is Serve on an existing listener (tests use port 0),
// without HTTPS.
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	return s.ServeListeners(ctx, ln, nil)
}

// ServeListeners is Serve on existing listeners: ln plain HTTP, tlsLn (if
// not nil) HTTPS with the certificate of tls.go. One http.Server serves
// both, so cancelling ctx drains both; if either listener fails, the
// other is closed and the error returned. Both listeners are closed on
// return.
func (s *Server) ServeListeners(ctx context.Context, ln, tlsLn net.Listener) error {
	rht := defaultReadHeaderTimeout
	if s.readHeaderTimeout > 0 {
		rht = s.readHeaderTimeout
	}
	s.http = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: rht,
		IdleTimeout:       viewerIdleTimeout,
		MaxHeaderBytes:    64 << 10,
		// "OPTIONS *" goes to the handler (the edge answers it with
		// CloudFront's 400, docs/edge.md), not net/http's bare 200.
		DisableGeneralOptionsHandler: true,
		ErrorLog:                     slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ConnContext:                  s.viewerConnContext,
	}
	s.viewers = s.newViewerServer(rht)
	var certFile string
	if tlsLn != nil {
		var err error
		if s.http.TLSConfig, certFile, err = s.tlsConfig(); err != nil {
			ln.Close()
			tlsLn.Close()
			return err
		}
	}
	errc := make(chan error, 3)
	running := 2
	// Plain HTTP: internal/h1 answers edge requests on its own and hands
	// every other connection to s.http (viewer.go).
	go func() { errc <- s.viewers.Serve(ln) }()
	go func() { errc <- s.http.Serve(s.viewers.Listener()) }()
	if tlsLn != nil {
		running++
		go func() { errc <- s.http.ServeTLS(tlsLn, "", "") }()
	}
	close(s.ready)
	s.log.Info("edgegate serving", "addr", ln.Addr().String(), "data", s.cfg.DataDir)
	if tlsLn != nil {
		s.log.Info("edgegate serving https", "addr", tlsLn.Addr().String(), "cert", certFile)
	}
	select {
	case err := <-errc:
		// A listener failed: stop the other one too.
		running--
		_ = s.viewers.Close()
		_ = s.http.Close()
		for ; running > 0; running-- {
			<-errc
		}
		return err
	case <-ctx.Done():
	}
	s.log.Info("draining in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	// The lean server first: a connection it hands off while draining is
	// then drained by net/http's Shutdown.
	if err := s.viewers.Shutdown(sctx); err != nil {
		_ = s.http.Close()
		return fmt.Errorf("server: drain: %w", err)
	}
	if err := s.http.Shutdown(sctx); err != nil {
		return fmt.Errorf("server: drain: %w", err)
	}
	var errs []error
	for ; running > 0; running-- {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close closes the stores. Call it after Serve has returned.
func (s *Server) Close() error {
	// The access logs are delivered first: delivery writes to the stores.
	return errors.Join(s.closeLogs(), s.meta.Close(), s.blobs.Close())
}

// ownersOf resolves S3 owners and ACL grantees: accounts from the IAM
// registry, and CloudFront origin access identities by their S3 canonical
// user ids (an OAI is a grantee without an account).
type ownersOf struct {
	r  *iam.Registry
	cf *cloudfront.Service
}

func (o ownersOf) Owner(accountID string) (string, string, bool) {
	a, ok := o.r.Account(accountID)
	if !ok {
		return "", "", false
	}
	return a.CanonicalID, a.DisplayName, true
}

func (o ownersOf) AccountByCanonicalID(cid string) (string, string, bool) {
	if cid == s3.AWSLogsDeliveryCanonicalID {
		// CloudFront's log delivery account, which a log bucket's ACL
		// grants FULL_CONTROL (logs.go); it has no account here.
		return "", "awslogsdelivery", true
	}
	a, ok := o.r.AccountByCanonicalID(cid)
	if !ok {
		if oai, ok := o.cf.OAIByCanonicalID(cid); ok {
			// UNCONFIRMED: the display name S3 shows for an OAI grantee.
			return "", "CloudFront Origin Access Identity " + oai.ID, true
		}
		return "", "", false
	}
	return a.ID, a.DisplayName, true
}

// AccountByEmail scans the accounts: there are few, and e-mail grantees
// are rare.
func (o ownersOf) AccountByEmail(email string) (string, string, string, bool) {
	for _, a := range o.r.Accounts() {
		if a.Email != "" && strings.EqualFold(a.Email, email) {
			return a.ID, a.CanonicalID, a.DisplayName, true
		}
	}
	return "", "", "", false
}

// oaisOf resolves, for S3 bucket policies, the CloudFront origin access
// identities of every account.
type oaisOf struct{ cf *cloudfront.Service }

func (o oaisOf) OAIExists(id string) bool {
	_, ok := o.cf.OAIByID(id)
	return ok
}

func (o oaisOf) OAIByCanonicalID(cid string) (string, bool) {
	oai, ok := o.cf.OAIByCanonicalID(cid)
	return oai.ID, ok
}
