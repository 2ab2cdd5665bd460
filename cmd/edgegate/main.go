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
	"net/http"
	_ "net/http/pprof" // served only with --pprof, on its own listener
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

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
		return serve(args[1:], stderr)
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

func serve(args []string, stderr io.Writer) int {
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
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "edgegate serve: unexpected argument %q\n", fs.Arg(0))
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
	})
	if err != nil {
		logger.Error("cannot start", "err", err)
		return 1
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
