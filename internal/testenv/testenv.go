// Package testenv starts a real edgegate server for end-to-end tests: the
// same server.Open and listener the binary uses, on a free loopback port,
// with a fresh data directory, and hands back aws-sdk-go-v2 clients
// configured for it.
package testenv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/edgegate/edgegate/internal/server"
)

// Env is a running server.
type Env struct {
	// Endpoint is the server's base URL, http://127.0.0.1:PORT.
	Endpoint string
	// Addr is host:port.
	Addr string
	// DataDir is the server's data directory.
	DataDir string
	// Server is the running server.
	Server *server.Server
	// TLSEndpoint is the HTTPS listener's base URL, https://127.0.0.1:PORT,
	// with Options.TLS; TLSCertFile the self-signed certificate it
	// presents (DATADIR/tls/cert.pem).
	TLSEndpoint, TLSCertFile string

	stop     func() error
	stopOnce sync.Once
	stopErr  error
}

// Stop drains and stops the server and closes its stores, so that another
// server can open the same DataDir (restart tests). The test's cleanup
// does it otherwise; stopping twice is harmless.
func (e *Env) Stop() error { return e.stop() }

// Options tune Start. The zero value is the default account only.
type Options struct {
	AccountsFile string
	DataDir      string // reuse a directory (restart tests); default t.TempDir()
	// OperatorToken is the server's operator token (default none).
	OperatorToken string
	// TLS adds the HTTPS listener (--tls-listen) with the generated
	// certificate, on another free loopback port.
	TLS bool
	// LogRequests turns on the per-request log line (the CLI's default;
	// written to io.Discard here).
	LogRequests bool
}

// Start runs a server until the test ends.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	dir := opts.DataDir
	if dir == "" {
		dir = t.TempDir()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var tlsLn net.Listener
	if opts.TLS {
		if tlsLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			ln.Close()
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cfg := server.Config{
		Listen:        ln.Addr().String(),
		DataDir:       dir,
		AccountsFile:  opts.AccountsFile,
		OperatorToken: opts.OperatorToken,
		Logger:        slog.New(slog.NewTextHandler(io.Discard, nil)),
		LogRequests:   opts.LogRequests,
	}
	if tlsLn != nil {
		cfg.TLSListen = tlsLn.Addr().String()
	}
	srv, err := server.Open(ctx, cfg)
	if err != nil {
		cancel()
		ln.Close()
		if tlsLn != nil {
			tlsLn.Close()
		}
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeListeners(ctx, ln, tlsLn) }()
	env := &Env{Endpoint: "http://" + ln.Addr().String(), Addr: ln.Addr().String(), DataDir: dir, Server: srv}
	if tlsLn != nil {
		env.TLSEndpoint = "https://" + tlsLn.Addr().String()
		env.TLSCertFile, _ = server.TLSCertPaths(dir)
	}
	env.stop = func() error {
		env.stopOnce.Do(func() {
			cancel()
			env.stopErr = <-done
			if err := srv.Close(); env.stopErr == nil {
				env.stopErr = err
			}
		})
		return env.stopErr
	}
	t.Cleanup(func() {
		if err := env.stop(); err != nil {
			t.Errorf("server stopped with error: %v", err)
		}
	})
	env.waitHealthy(t)
	return env
}

func (e *Env) waitHealthy(t testing.TB) {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(e.Endpoint + "/_edgegate/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("server never became healthy")
}

// HTTPSClient returns an HTTP client that trusts only the server's
// generated certificate and negotiates HTTP/2 (Options.TLS). Requests to
// names the certificate covers (localhost, *.cloudfront.localhost, ...)
// are dialled to the HTTPS listener whatever their port, so a viewer URL
// such as https://dXXXX.cloudfront.localhost/key needs no DNS.
func (e *Env) HTTPSClient(t testing.TB) *http.Client {
	t.Helper()
	if e.TLSEndpoint == "" {
		t.Fatal("testenv: HTTPSClient needs Options.TLS")
	}
	pem, err := os.ReadFile(e.TLSCertFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		t.Fatal("testenv: no certificate in " + e.TLSCertFile)
	}
	addr := strings.TrimPrefix(e.TLSEndpoint, "https://")
	var d net.Dialer
	return &http.Client{
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: roots},
			ForceAttemptHTTP2: true,
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, addr)
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Config returns an aws.Config for the given static credentials pointed at
// the server (region us-east-1).
func (e *Env) Config(accessKey, secret string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secret, ""),
		BaseEndpoint: aws.String(e.Endpoint),
	}
}

// S3 returns an S3 client with the default account's root key (test/test),
// path-style addressing.
func (e *Env) S3() *s3.Client { return e.S3As("test", "test") }

// S3As returns a path-style S3 client signing with the given key.
func (e *Env) S3As(accessKey, secret string) *s3.Client {
	return s3.NewFromConfig(e.Config(accessKey, secret), func(o *s3.Options) { o.UsePathStyle = true })
}

// IAM returns an IAM client with the given key.
func (e *Env) IAM(accessKey, secret string) *iam.Client {
	return iam.NewFromConfig(e.Config(accessKey, secret))
}

// STS returns an STS client with the given key.
func (e *Env) STS(accessKey, secret string) *sts.Client {
	return sts.NewFromConfig(e.Config(accessKey, secret))
}

// CloudFront returns a CloudFront client with the given key.
func (e *Env) CloudFront(accessKey, secret string) *cloudfront.Client {
	return cloudfront.NewFromConfig(e.Config(accessKey, secret))
}
