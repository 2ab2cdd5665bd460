package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
)

// The AWS SigV4 test suites (Apache-2.0, see testdata/SOURCES.txt and the
// LICENSE/NOTICE files next to them). Both are signed for the service
// "service", so the path rule is chosen per case (context.json's normalize).

const (
	suiteAKID   = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

var suiteTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

// rawRequest is a request as written in a suite file.
type rawRequest struct {
	method, target string
	headers        [][2]string // in order; continuation lines folded
	body           string
}

func parseRawRequest(t *testing.T, text string) rawRequest {
	t.Helper()
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	var rr rawRequest
	first := lines[0]
	sp := strings.IndexByte(first, ' ')
	end := strings.LastIndex(first, " HTTP/")
	if sp < 0 || end < sp {
		t.Fatalf("bad request line %q", first)
	}
	rr.method, rr.target = first[:sp], first[sp+1:end]
	for _, l := range lines[1:] {
		if l == "" {
			continue
		}
		if l[0] == ' ' || l[0] == '\t' {
			last := &rr.headers[len(rr.headers)-1]
			last[1] += " " + strings.TrimSpace(l)
			continue
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("bad header line %q", l)
		}
		rr.headers = append(rr.headers, [2]string{name, strings.TrimSpace(value)})
	}
	rr.body = body
	return rr
}

// httpRequest builds the *http.Request a Go server would hand a handler.
func (rr rawRequest) httpRequest() *http.Request {
	r := &http.Request{Method: rr.method, RequestURI: rr.target, Header: http.Header{}, Body: http.NoBody}
	p, q, _ := strings.Cut(rr.target, "?")
	r.URL = &url.URL{Path: p, RawQuery: q}
	for _, h := range rr.headers {
		if strings.EqualFold(h[0], "Host") {
			r.Host = h[1]
			continue
		}
		r.Header.Add(h[0], h[1])
	}
	if cl := r.Header.Get("Content-Length"); cl != "" {
		r.ContentLength, _ = strconv.ParseInt(cl, 10, 64)
	} else {
		r.ContentLength = int64(len(rr.body))
	}
	if rr.body != "" {
		r.Body = io.NopCloser(strings.NewReader(rr.body))
	}
	return r
}

// canon builds the canonical-request input of a raw request signed with
// the given headers (lower-cased, plus host).
func (rr rawRequest) canon(mode PathMode, payloadHash string, presigned bool, signedNames []string) *canonRequest {
	r := rr.httpRequest()
	p, q, _ := strings.Cut(rr.target, "?")
	return &canonRequest{
		method: rr.method, path: p, query: q, presigned: presigned, pathMode: mode,
		signed: strings.Join(signedNames, ";"), header: r.Header, host: r.Host,
		contentLength: r.ContentLength, payloadHash: payloadHash,
	}
}

func (rr rawRequest) headerNames() []string {
	var names []string
	for _, h := range rr.headers {
		names = append(names, strings.ToLower(h[0]))
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

type suiteContext struct {
	Credentials struct {
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
		Token           string `json:"token"`
	} `json:"credentials"`
	Expiration       int    `json:"expiration_in_seconds"`
	Normalize        bool   `json:"normalize"`
	Region           string `json:"region"`
	Service          string `json:"service"`
	SignBody         bool   `json:"sign_body"`
	Timestamp        string `json:"timestamp"`
	OmitSessionToken bool   `json:"omit_session_token"`
}

type staticCreds map[string]string

func (c staticCreds) SecretKey(id string) (string, bool) { s, ok := c[id]; return s, ok }

func suiteVerifier(mode PathMode, now time.Time) *Verifier {
	return &Verifier{
		Creds:    staticCreds{suiteAKID: suiteSecret},
		Now:      func() time.Time { return now },
		PathMode: mode,
	}
}

func asAWS(t *testing.T, err error) *awsapi.Error {
	t.Helper()
	var ae *awsapi.Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T) is not an *awsapi.Error", err, err)
	}
	return ae
}

// checkVerifies verifies a signed request, then the same request with its
// signature altered, which must fail with the expected canonical request.
func checkVerifies(t *testing.T, v *Verifier, signed rawRequest, wantCanonical string) {
	t.Helper()
	res, err := v.Verify(signed.httpRequest())
	if err != nil {
		t.Fatalf("Verify: %v\nfields: %+v", err, asAWS(t, err).Fields)
	}
	if _, err := io.ReadAll(res.Body); err != nil {
		t.Fatalf("reading body: %v", err)
	}
	// Flip the last signature digit.
	bad := signed
	bad.headers = slices.Clone(signed.headers)
	flip := func(s string) string {
		i := strings.LastIndex(s, "Signature=") + len("Signature=") + 63
		c := byte('0')
		if s[i] == '0' {
			c = '1'
		}
		return s[:i] + string(c) + s[i+1:]
	}
	if strings.Contains(bad.target, "X-Amz-Signature=") {
		bad.target = flip(bad.target)
	} else {
		for i, h := range bad.headers {
			if h[0] == "Authorization" {
				bad.headers[i][1] = flip(h[1])
			}
		}
	}
	_, err = v.Verify(bad.httpRequest())
	ae := asAWS(t, err)
	if ae.Code != "SignatureDoesNotMatch" || ae.Status != 403 {
		t.Fatalf("tampered signature: got %s %d", ae.Code, ae.Status)
	}
	if got := ae.Field("CanonicalRequest"); got != wantCanonical {
		t.Errorf("CanonicalRequest field:\n%s\nwant:\n%s", got, wantCanonical)
	}
	names := []string{}
	for _, f := range ae.Fields {
		names = append(names, f.Name)
	}
	want := []string{"AWSAccessKeyId", "StringToSign", "SignatureProvided", "StringToSignBytes", "CanonicalRequest", "CanonicalRequestBytes"}
	if !slices.Equal(names, want) {
		t.Errorf("fields %v, want %v", names, want)
	}
	if got, want := ae.Field("StringToSignBytes"), hexBytes(ae.Field("StringToSign")); got != want || !strings.HasPrefix(got, "41 57 53 34 2d") {
		t.Errorf("StringToSignBytes %q", got)
	}
}

func TestSigningSuiteV4(t *testing.T) {
	root := filepath.Join("testdata", "aws-signing-test-suite-v4")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		n++
		dir := filepath.Join(root, d.Name())
		t.Run(d.Name(), func(t *testing.T) {
			var ctx suiteContext
			if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "context.json"))), &ctx); err != nil {
				t.Fatal(err)
			}
			ts, err := time.Parse(time.RFC3339, ctx.Timestamp)
			if err != nil {
				t.Fatal(err)
			}
			amzDate := ts.Format(amzDateLayout)
			mode := PathS3
			if ctx.Normalize {
				mode = PathStandard
			}
			rr := parseRawRequest(t, readFile(t, filepath.Join(dir, "request.txt")))
			payload := sha256Hex(rr.body)
			v := &Verifier{
				Creds:    staticCreds{ctx.Credentials.AccessKeyID: ctx.Credentials.SecretAccessKey},
				Now:      func() time.Time { return ts },
				PathMode: mode,
			}

			t.Run("header", func(t *testing.T) {
				hr := rr
				hr.headers = append(slices.Clone(rr.headers), [2]string{"X-Amz-Date", amzDate})
				if ctx.Credentials.Token != "" && !ctx.OmitSessionToken {
					hr.headers = append(hr.headers, [2]string{"X-Amz-Security-Token", ctx.Credentials.Token})
				}
				if ctx.SignBody {
					hr.headers = append(hr.headers, [2]string{"X-Amz-Content-Sha256", payload})
				}
				c := hr.canon(mode, payload, false, hr.headerNames())
				canonical, sts, sig := signParts(c, ctx.Credentials.SecretAccessKey, amzDate, ctx.Region, ctx.Service)
				wantCanonical := readFile(t, filepath.Join(dir, "header-canonical-request.txt"))
				if canonical != wantCanonical {
					t.Errorf("canonical request:\n%s\nwant:\n%s", canonical, wantCanonical)
				}
				if want := readFile(t, filepath.Join(dir, "header-string-to-sign.txt")); sts != want {
					t.Errorf("string to sign:\n%s\nwant:\n%s", sts, want)
				}
				if want := strings.TrimSpace(readFile(t, filepath.Join(dir, "header-signature.txt"))); sig != want {
					t.Errorf("signature %s, want %s", sig, want)
				}
				signed := parseRawRequest(t, readFile(t, filepath.Join(dir, "header-signed-request.txt")))
				checkVerifies(t, v, signed, wantCanonical)
			})

			t.Run("query", func(t *testing.T) {
				signed := parseRawRequest(t, readFile(t, filepath.Join(dir, "query-signed-request.txt")))
				// The signer's input is the signed URL without its signature
				// (and without a token the case adds after signing).
				qr := signed
				p, q, _ := strings.Cut(signed.target, "?")
				var kept []string
				for _, kv := range strings.Split(q, "&") {
					if strings.HasPrefix(kv, "X-Amz-Signature=") ||
						ctx.OmitSessionToken && strings.HasPrefix(kv, "X-Amz-Security-Token=") {
						continue
					}
					kept = append(kept, kv)
				}
				qr.target = p + "?" + strings.Join(kept, "&")
				names := []string{"host"}
				for _, h := range rr.headers {
					names = append(names, strings.ToLower(h[0]))
				}
				slices.Sort(names)
				names = slices.Compact(names)
				c := qr.canon(mode, payload, true, names)
				canonical, sts, sig := signParts(c, ctx.Credentials.SecretAccessKey, amzDate, ctx.Region, ctx.Service)
				wantCanonical := readFile(t, filepath.Join(dir, "query-canonical-request.txt"))
				if canonical != wantCanonical {
					t.Errorf("canonical request:\n%s\nwant:\n%s", canonical, wantCanonical)
				}
				if want := readFile(t, filepath.Join(dir, "query-string-to-sign.txt")); sts != want {
					t.Errorf("string to sign:\n%s\nwant:\n%s", sts, want)
				}
				if want := strings.TrimSpace(readFile(t, filepath.Join(dir, "query-signature.txt"))); sig != want {
					t.Errorf("signature %s, want %s", sig, want)
				}
				if ctx.OmitSessionToken {
					t.Skip("the token is added after signing: a verifier that signs the whole query cannot accept it")
				}
				checkVerifies(t, v, signed, wantCanonical)
			})
		})
	}
	if n < 30 {
		t.Fatalf("only %d cases found", n)
	}
}

func TestSigningSuiteClassic(t *testing.T) {
	root := filepath.Join("testdata", "aws4_testsuite-classic")
	var cases []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".req") {
			cases = append(cases, strings.TrimSuffix(path, ".req"))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 30 {
		t.Fatalf("only %d cases found", len(cases))
	}
	amzDate := suiteTime.Format(amzDateLayout)
	for _, base := range cases {
		name, _ := filepath.Rel(root, base)
		t.Run(name, func(t *testing.T) {
			rr := parseRawRequest(t, readFile(t, base+".req"))
			wantCanonical := readFile(t, base+".creq")
			// get-vanilla-with-session-token's .req lacks the token the
			// signer adds (as in the newer suite): add it from the .creq.
			if _, tok, ok := strings.Cut(wantCanonical, "\nx-amz-security-token:"); ok && !slices.ContainsFunc(rr.headers, func(h [2]string) bool {
				return strings.EqualFold(h[0], "X-Amz-Security-Token")
			}) {
				tok, _, _ = strings.Cut(tok, "\n")
				rr.headers = append(rr.headers, [2]string{"X-Amz-Security-Token", tok})
			}
			c := rr.canon(PathStandard, sha256Hex(rr.body), false, rr.headerNames())
			canonical, sts, sig := signParts(c, suiteSecret, amzDate, "us-east-1", "service")
			if canonical != wantCanonical {
				t.Errorf("canonical request:\n%s\nwant:\n%s", canonical, wantCanonical)
			}
			if want := readFile(t, base+".sts"); sts != want {
				t.Errorf("string to sign:\n%s\nwant:\n%s", sts, want)
			}
			wantAuthz := readFile(t, base+".authz")
			if !strings.HasSuffix(wantAuthz, "Signature="+sig) {
				t.Errorf("signature %s, want %s", sig, wantAuthz)
			}
			signed := parseRawRequest(t, readFile(t, base+".sreq"))
			if i := slices.IndexFunc(signed.headers, func(h [2]string) bool { return h[0] == "Authorization" }); signed.headers[i][1] != wantAuthz {
				// That same case's .sreq carries the signature of the request
				// without the token: verify the .req signed as the .authz says.
				t.Logf(".sreq Authorization differs from .authz; verifying .req + .authz")
				signed = rr
				signed.headers = append(slices.Clone(rr.headers), [2]string{"Authorization", wantAuthz})
			}
			checkVerifies(t, suiteVerifier(PathStandard, suiteTime), signed, wantCanonical)
		})
	}
}
