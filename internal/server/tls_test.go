package server

import (
	"bytes"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/edge"
)

// TestSelfSignedCertificate: generated once (key 0600), reused while it
// covers the names and is not about to expire, replaced otherwise.
func TestSelfSignedCertificate(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	dns, ips := selfSignedNames("cdn.test")
	dir := t.TempDir()
	certFile, keyFile := TLSCertPaths(dir)

	first, path, created, err := loadOrCreateSelfSigned(dir, dns, ips, now)
	if err != nil || !created || path != certFile {
		t.Fatalf("first: %v created %v path %q", err, created, path)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	leaf, err := x509.ParseCertificate(first.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if leaf.IsCA || !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
		t.Errorf("leaf: IsCA %v EKU %v", leaf.IsCA, leaf.ExtKeyUsage)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	for _, host := range []string{"localhost", "d111111abcdef8.cloudfront.localhost", "bucket.s3.localhost", "d1.cdn.test", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: roots, CurrentTime: now}); err != nil {
			t.Errorf("verify %s: %v", host, err)
		}
	}

	tests := []struct {
		name    string
		suffix  string
		now     time.Time
		corrupt bool
		created bool
	}{
		{"restart reuses", "cdn.test", now.Add(time.Hour), false, false},
		{"default suffix is covered", "cloudfront.localhost", now, false, false},
		{"new suffix regenerates", "other.test", now, false, true},
		{"near expiry regenerates", "other.test", now.Add(selfSignedValidity - renewBefore/2), false, true},
		{"broken key regenerates", "other.test", now.Add(selfSignedValidity - renewBefore/2), true, true},
	}
	prev := first.Certificate[0]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.corrupt {
				if err := os.WriteFile(keyFile, []byte("not a key"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			dns, ips := selfSignedNames(tt.suffix)
			c, _, created, err := loadOrCreateSelfSigned(dir, dns, ips, tt.now)
			if err != nil || created != tt.created {
				t.Fatalf("created %v err %v, want created %v", created, err, tt.created)
			}
			if same := bytes.Equal(c.Certificate[0], prev); same == tt.created {
				t.Errorf("same certificate %v, created %v", same, created)
			}
			prev = c.Certificate[0]
		})
	}
}

func TestCheckTLSConfig(t *testing.T) {
	tests := []struct {
		cert, key string
		ok        bool
	}{
		{"", "", true},
		{"c.pem", "k.pem", true},
		{"c.pem", "", false},
		{"", "k.pem", false},
	}
	for _, tt := range tests {
		if err := checkTLSConfig(Config{TLSCertFile: tt.cert, TLSKeyFile: tt.key}); (err == nil) != tt.ok {
			t.Errorf("cert %q key %q: %v", tt.cert, tt.key, err)
		}
	}
}

func TestCheckViewerCountry(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "US", true},
		{"fr", "FR", true},
		{" LI ", "LI", true},
		{"unknown", "", true},
		{"Unknown", "", true},
		{"USA", "", false},
		{"1A", "", false},
	}
	for _, tt := range tests {
		cfg := Config{ViewerCountry: tt.in}
		err := checkViewerCountry(&cfg)
		if (err == nil) != tt.ok || (tt.ok && cfg.ViewerCountry != tt.want) {
			t.Errorf("%q: %q %v, want %q ok=%v", tt.in, cfg.ViewerCountry, err, tt.want, tt.ok)
		}
	}
}

// TestWithViewerCountry: X-Edgegate-Viewer-Country counts only with the
// valid operator token.
func TestWithViewerCountry(t *testing.T) {
	s := &Server{cfg: Config{OperatorToken: "op-secret", ViewerCountry: "US"}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	noToken := &Server{cfg: Config{ViewerCountry: "DE"}, log: s.log}
	tests := []struct {
		name          string
		srv           *Server
		token, header string
		want          string
	}{
		{"default", s, "", "", "US"},
		{"header without token ignored", s, "", "FR", "US"},
		{"header with wrong token ignored", s, "nope", "FR", "US"},
		{"header with token", s, "op-secret", "FR", "FR"},
		{"token, header not a code: unknown", s, "op-secret", "unknown", ""},
		{"server without token: any token ignored", noToken, "op-secret", "FR", "DE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://d1.cloudfront.localhost/", nil)
			if tt.token != "" {
				r.Header.Set(operatorTokenHeader, tt.token)
			}
			if tt.header != "" {
				r.Header.Set(edge.ViewerCountryHeader, tt.header)
			}
			if got := edge.ViewerCountryFrom(tt.srv.withViewerCountry(r).Context()); got != tt.want {
				t.Errorf("country %q, want %q", got, tt.want)
			}
		})
	}
}

// Loopback IPs must stay covered: clients often use the address.
func TestSelfSignedNamesLoopback(t *testing.T) {
	_, ips := selfSignedNames("")
	for _, want := range []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")} {
		if !slices.ContainsFunc(ips, want.Equal) {
			t.Errorf("%v not covered: %v", want, ips)
		}
	}
}
