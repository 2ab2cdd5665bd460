package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/atomicfile"
)

// The optional HTTPS listener (`edgegate serve --tls-listen`). It serves
// the same handler as the plain listener; requests on it have r.TLS set,
// so aws:SecureTransport is true for S3, KMS and IAM policies, and the
// edge treats the viewer as an https viewer (ViewerProtocolPolicy
// https-only and redirect-to-https serve it). HTTP/2 is negotiated by ALPN
// (net/http's default on TLS listeners); the plain listener stays
// HTTP/1.1.
//
// The certificate is --tls-cert/--tls-key when given, else one edgegate
// generates once and keeps under DATADIR/tls (TLSCertPaths): self-signed
// ECDSA P-256, for the names local clients use (selfSignedNames). It is
// reused on restart while it still covers those names and is more than
// renewBefore from expiry, so a client told to trust it (curl --cacert
// DATADIR/tls/cert.pem, AWS_CA_BUNDLE) keeps working.

const (
	// selfSignedValidity is the generated certificate's lifetime: under
	// the 398 days clients such as Apple's accept for server certificates.
	selfSignedValidity = 397 * 24 * time.Hour
	// renewBefore: a generated certificate this close to expiry is
	// replaced at start-up.
	renewBefore = 30 * 24 * time.Hour
)

// TLSCertPaths returns where edgegate keeps the self-signed certificate
// and its private key for dataDir: DATADIR/tls/cert.pem (the file clients
// trust) and DATADIR/tls/key.pem (mode 0600).
func TLSCertPaths(dataDir string) (certFile, keyFile string) {
	dir := filepath.Join(dataDir, "tls")
	return filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
}

// selfSignedNames are the DNS names and IP addresses the generated
// certificate covers: localhost and its subdomains, S3 virtual-hosted
// buckets (BUCKET.s3.localhost), distributions under the default and the
// configured domain suffix (dXXXXXXXXXXXXX.SUFFIX), and loopback. A
// distribution's Aliases are not covered: use --tls-cert for those.
func selfSignedNames(domainSuffix string) (dns []string, ips []net.IP) {
	dns = []string{"localhost", "*.localhost", "*.s3.localhost", "*.cloudfront.localhost"}
	if s := strings.Trim(strings.ToLower(domainSuffix), "."); s != "" && !slices.Contains(dns, "*."+s) {
		dns = append(dns, "*."+s)
	}
	return dns, []net.IP{net.IPv4(127, 0, 0, 1).To4(), net.IPv6loopback}
}

// tlsConfig returns the HTTPS listener's configuration: the configured
// certificate pair, or the generated one (created or renewed as needed).
// certFile is the certificate clients should trust or inspect.
func (s *Server) tlsConfig() (cfg *tls.Config, certFile string, err error) {
	var cert tls.Certificate
	if s.cfg.TLSCertFile != "" || s.cfg.TLSKeyFile != "" {
		cert, err = tls.LoadX509KeyPair(s.cfg.TLSCertFile, s.cfg.TLSKeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("server: loading --tls-cert/--tls-key: %w", err)
		}
		certFile = s.cfg.TLSCertFile
	} else {
		var created bool
		dns, ips := selfSignedNames(s.cfg.CloudFrontDomainSuffix)
		cert, certFile, created, err = loadOrCreateSelfSigned(s.cfg.DataDir, dns, ips, time.Now())
		if err != nil {
			return nil, "", err
		}
		if created {
			s.log.Info("generated a self-signed TLS certificate; trust it with e.g. curl --cacert "+certFile+
				" or AWS_CA_BUNDLE="+certFile, "cert", certFile, "names", strings.Join(dns, ","))
		}
	}
	// NextProtos names h2 explicitly: one http.Server runs both listeners,
	// and its HTTP/2 setup happens once, in whichever of Serve and
	// ServeTLS starts first. Serve only sets HTTP/2 up when the
	// TLSConfig mentions h2; without it, a plain listener that won the
	// race left ServeTLS advertising h2 by ALPN with no HTTP/2 server
	// behind it (the client then sees EOF).
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"}}, certFile, nil
}

// loadOrCreateSelfSigned returns the certificate kept under dataDir/tls
// when it covers dns and ips and is valid for more than renewBefore after
// now; otherwise it generates a new one, writes it (key first, 0600; the
// certificate 0644) and returns created=true.
func loadOrCreateSelfSigned(dataDir string, dns []string, ips []net.IP, now time.Time) (cert tls.Certificate, certFile string, created bool, err error) {
	certFile, keyFile := TLSCertPaths(dataDir)
	if c, err := tls.LoadX509KeyPair(certFile, keyFile); err == nil && covers(c.Leaf, dns, ips, now) {
		return c, certFile, false, nil
	}
	certPEM, keyPEM, err := newSelfSigned(dns, ips, now)
	if err != nil {
		return tls.Certificate{}, "", false, err
	}
	if err := os.MkdirAll(filepath.Dir(certFile), 0o700); err != nil {
		return tls.Certificate{}, "", false, fmt.Errorf("server: creating the TLS directory: %w", err)
	}
	atomicfile.SweepTemps(keyFile)
	atomicfile.SweepTemps(certFile)
	// Key first: a crash between the two writes leaves a pair that does
	// not match, which the next start replaces.
	if err := atomicfile.Write(keyFile, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, "", false, fmt.Errorf("server: writing the TLS key: %w", err)
	}
	if err := atomicfile.Write(certFile, certPEM, 0o644); err != nil {
		return tls.Certificate{}, "", false, fmt.Errorf("server: writing the TLS certificate: %w", err)
	}
	cert, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, "", false, err
	}
	return cert, certFile, true, nil
}

// covers reports whether leaf names every one of dns and ips and is valid
// from now until renewBefore after it.
func covers(leaf *x509.Certificate, dns []string, ips []net.IP, now time.Time) bool {
	if leaf == nil || now.Before(leaf.NotBefore) || now.Add(renewBefore).After(leaf.NotAfter) {
		return false
	}
	for _, n := range dns {
		if !slices.Contains(leaf.DNSNames, n) {
			return false
		}
	}
	for _, ip := range ips {
		if !slices.ContainsFunc(leaf.IPAddresses, ip.Equal) {
			return false
		}
	}
	return true
}

// newSelfSigned creates a self-signed ECDSA P-256 server certificate for
// dns and ips, valid from an hour before now (clock skew) for
// selfSignedValidity, and returns it and its PKCS #8 key in PEM. It is an
// end-entity certificate (not a CA): trusting it trusts this server only.
func newSelfSigned(dns []string, ips []net.IP, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "edgegate local TLS", Organization: []string{"edgegate"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              dns,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("server: creating the TLS certificate: %w", err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), nil
}

// checkTLSConfig validates the TLS settings of cfg: a certificate and a
// key come together.
func checkTLSConfig(cfg Config) error {
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return errors.New("server: --tls-cert and --tls-key go together")
	}
	return nil
}
