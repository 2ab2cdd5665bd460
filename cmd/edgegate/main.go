// Command edgegate runs a faithful local S3 + CloudFront stack and explains
// its denials. Subcommands: serve, explain, grant-origin-access, version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with --pprof, on its own listener
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/edgegate/edgegate/internal/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `edgegate: a faithful local S3 + CloudFront stack that explains its 403s.

Usage:
  edgegate serve [flags]     run the server (edgegate serve -h for flags)
  edgegate explain ID        explain why request ID got its answer (-h for flags)
  edgegate grant-origin-access --distribution-id ID
                             write the bucket (and SSE-KMS key) policy statements the
                             distribution's OAC or OAI needs, and print the diff (-h for flags)
  edgegate version           print the version
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "explain":
		return explain(args[1:], stdout, stderr)
	case "grant-origin-access":
		return grantOriginAccess(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "edgegate", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "edgegate: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func serve(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:4566", "address to serve every API on")
	data := fs.String("data", defaultDataDir(), "data directory (created if absent)")
	accounts := fs.String("accounts", "", "JSON file of extra accounts and their access keys")
	noDefault := fs.Bool("no-default-account", false, "turn off the default account 000000000000 (access key test/test)")
	region := fs.String("region", "us-east-1", "region the endpoint serves")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logRequests := fs.Bool("log-requests", true, "log one line per request")
	operatorToken := fs.String("operator-token", os.Getenv("EDGEGATE_OPERATOR_TOKEN"), "secret that makes a request the operator's (X-Edgegate-Operator-Token): read any explanation, set condition keys with X-Edgegate-Context (default $EDGEGATE_OPERATOR_TOKEN)")
	reasonHeader := fs.Bool("denial-reason-header", false, "add X-Edgegate-Denial-Reason to denied S3 responses and to the edge's own error pages (local debugging; AWS says nothing)")
	pprofAddr := fs.String("pprof", "", "serve Go's net/http/pprof profiles on this address (for profiling; off by default)")
	traceBuffer := fs.Int("trace-buffer", 4096, "how many recent requests' decisions are kept for `edgegate explain`")
	cfSuffix := fs.String("cloudfront-domain-suffix", "cloudfront.localhost", "domain suffix of new distributions' domain names (dXXXXXXXXXXXXX.SUFFIX)")
	cfDeploy := fs.Duration("cloudfront-deploy-delay", 0, "how long a changed distribution reports InProgress before Deployed")
	edgeErrorTTL := fs.Duration("edge-error-ttl", 10*time.Second, "default ErrorCachingMinTTL: how long the edge caches 404/5xx (and 4xx with max-age) when a distribution's CustomErrorResponse sets none")
	edgeCacheDir := fs.String("edge-cache-dir", "", "directory of the edge cache's disk tier (default DATA/edge-cache; emptied at start; holds cached responses unencrypted, tmpfs is fine)")
	edgeCacheMem := fs.Int64("edge-cache-memory", 256<<20, "bytes of cached responses kept in memory")
	edgeCacheDisk := fs.Int64("edge-cache-disk", 1<<30, "bytes of cached responses (those over 256 KiB) kept on disk")
	edgeNoCache := fs.Bool("edge-no-cache", false, "turn the edge cache off: every viewer request goes to the origin")
	viewerCountry := fs.String("viewer-country", "US", "ISO 3166-1 alpha-2 country of every viewer for CloudFront geo restriction, or \"unknown\" (no GeoIP database; the operator may send X-Edgegate-Viewer-Country per request)")
	tlsListen := fs.String("tls-listen", "", "also serve every API and the edge over HTTPS (HTTP/2) on this address, e.g. 127.0.0.1:4567 (off by default)")
	tlsCert := fs.String("tls-cert", "", "PEM certificate for --tls-listen (default: a self-signed one generated under DATADIR/tls)")
	tlsKey := fs.String("tls-key", "", "PEM private key for --tls-cert")
	logInterval := fs.Duration("access-log-interval", 60*time.Second, "how often S3 server access logs and CloudFront standard logs are delivered")
	s3LogDir := fs.String("s3-access-log-dir", "", "also write every S3 server access log object under this directory, at its object key")
	cfLogDir := fs.String("cloudfront-log-dir", "", "write the CloudFront standard log files of every distribution (logging enabled or not) under this directory")
	metricsListen := fs.String("metrics-listen", "", "also serve the Prometheus metrics at /metrics on this address (the main listener serves them at /_edgegate/metrics)")
	demoFlag := fs.Bool("demo", false, "seed the demo (a private SSE-KMS bucket behind an OAC distribution, one page that works, one that answers 403) and print its URLs and the explain command (docs/usage.md)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "edgegate serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if (*tlsCert != "" || *tlsKey != "") && *tlsListen == "" {
		fmt.Fprintln(stderr, "edgegate serve: --tls-cert and --tls-key need --tls-listen")
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "edgegate serve: bad -log-level: %v\n", err)
		return 2
	}
	opts := &slog.HandlerOptions{Level: level}
	var handler slog.Handler
	switch *logFormat {
	case "text":
		handler = slog.NewTextHandler(stderr, opts)
	case "json":
		handler = slog.NewJSONHandler(stderr, opts)
	default:
		fmt.Fprintf(stderr, "edgegate serve: bad -log-format %q (text or json)\n", *logFormat)
		return 2
	}
	logger := slog.New(handler)
	slog.SetDefault(logger)

	if *pprofAddr != "" {
		go func() {
			if err := http.ListenAndServe(*pprofAddr, nil); err != nil {
				logger.Error("pprof listener", "err", err)
			}
		}()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := server.Open(ctx, server.Config{
		Listen:                 *listen,
		DataDir:                *data,
		AccountsFile:           *accounts,
		NoDefaultAccount:       *noDefault,
		Region:                 *region,
		Logger:                 logger,
		LogRequests:            *logRequests,
		OperatorToken:          *operatorToken,
		DenialReasonHeader:     *reasonHeader,
		TraceCapacity:          *traceBuffer,
		CloudFrontDomainSuffix: *cfSuffix,
		CloudFrontDeployDelay:  *cfDeploy,
		EdgeCache: server.EdgeCacheConfig{
			MemoryBytes: nonZeroBytes(*edgeCacheMem), DiskBytes: nonZeroBytes(*edgeCacheDisk), Dir: *edgeCacheDir,
			ErrorTTL: nonZeroDuration(*edgeErrorTTL), Disabled: *edgeNoCache,
		},
		ViewerCountry: *viewerCountry,
		TLSListen:     *tlsListen,
		TLSCertFile:   *tlsCert,
		TLSKeyFile:    *tlsKey,
		// Access logs and metrics (docs/logs.md).
		AccessLogInterval: *logInterval,
		S3AccessLogDir:    *s3LogDir,
		CloudFrontLogDir:  *cfLogDir,
	})
	if err != nil {
		logger.Error("cannot start", "err", err)
		return 1
	}
	if *metricsListen != "" {
		ln, err := net.Listen("tcp", *metricsListen)
		if err != nil {
			logger.Error("cannot listen for metrics", "err", err)
			srv.Close()
			return 1
		}
		logger.Info("edgegate serving metrics", "addr", ln.Addr().String(), "path", "/metrics")
		go func() {
			if err := srv.ServeMetrics(ctx, ln); err != nil {
				logger.Error("metrics listener", "err", err)
			}
		}()
	}
	if *demoFlag {
		startDemo(ctx, *listen, *region, stdout, logger)
	}
	serveErr := srv.Serve(ctx)
	closeErr := srv.Close()
	if err := errors.Join(serveErr, closeErr); err != nil {
		logger.Error("stopped with error", "err", err)
		return 1
	}
	logger.Info("stopped cleanly")
	return 0
}

// defaultDataDir is $XDG_DATA_HOME/edgegate, else ~/.local/share/edgegate,
// else a directory under the system temp dir.
func defaultDataDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "edgegate")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "edgegate")
	}
	return filepath.Join(os.TempDir(), "edgegate")
}

// nonZeroBytes maps a flag's 0 ("none") to the server's negative "none"
// (its 0 means the default).
func nonZeroBytes(n int64) int64 {
	if n == 0 {
		return -1
	}
	return n
}

// nonZeroDuration is nonZeroBytes for durations.
func nonZeroDuration(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}
