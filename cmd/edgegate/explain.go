package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/diagnose/doctor"
	"github.com/edgegate/edgegate/internal/sigv4"
)

// headerFlags collects repeated --header K:V flags.
type headerFlags []string

func (h *headerFlags) String() string     { return strings.Join(*h, ", ") }
func (h *headerFlags) Set(v string) error { *h = append(*h, v); return nil }

// parseHeaders turns K:V flags into a header map.
func parseHeaders(hs headerFlags) (map[string][]string, error) {
	out := map[string][]string{}
	for _, h := range hs {
		k, v, ok := strings.Cut(h, ":")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("--header %q: want NAME:VALUE", h)
		}
		out[k] = append(out[k], strings.TrimSpace(v))
	}
	return out, nil
}

// idsLast moves X-Amz-Cf-Ids, which may start with "-" (URL-safe
// base64), behind "--" so that the flag parser does not take them for
// flags.
func idsLast(args []string) []string {
	var flags, ids []string
	for _, a := range args {
		if a == "--" {
			return args // the caller separated them already
		}
		if len(a) == 56 && strings.HasSuffix(a, "==") && strings.HasPrefix(a, "-") {
			ids = append(ids, a)
			continue
		}
		flags = append(flags, a)
	}
	if len(ids) == 0 {
		return args
	}
	return append(append(flags, "--"), ids...)
}

// explain asks a running server why a request got its answer: a recorded
// one by its request id, or a viewer request simulated with --url (POST
// /_edgegate/simulate: nothing is sent to the distribution). Exit codes:
// 0 when the request succeeded, 1 when it failed (findings printed), 2 on
// bad input or when the server cannot answer.
func explain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", envOr("EDGEGATE_ENDPOINT", "http://127.0.0.1:4566"), "edgegate endpoint")
	asJSON := fs.Bool("json", false, "print the explanation as JSON")
	operatorToken := fs.String("operator-token", os.Getenv("EDGEGATE_OPERATOR_TOKEN"), "operator token (reads any request's trace)")
	viewerURL := fs.String("url", "", "simulate a viewer request to this URL (https://DOMAIN/PATH) instead of explaining a recorded one")
	method := fs.String("method", "GET", "the simulated request's method (with --url)")
	country := fs.String("country", "", "the simulated viewer's country, ISO 3166-1 alpha-2 (with --url; operator only)")
	noVerify := fs.Bool("no-verify", false, "do not prove the fixes (by default they are proven as edgegate doctor proves them, on a snapshot of the configuration collected with your credentials)")
	verifyTimeout := fs.Duration("verify-timeout", 2*time.Minute, "give up proving the fixes after this long")
	var headers headerFlags
	fs.Var(&headers, "header", "a header of the simulated request, NAME:VALUE (with --url; repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: edgegate explain [--endpoint URL] [--json] [--no-verify] [--] REQUEST_ID")
		fmt.Fprintln(stderr, "       edgegate explain [--endpoint URL] [--json] [--no-verify] --url URL [--method M] [--header K:V]...")
		fmt.Fprintln(stderr, "Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN):")
		fmt.Fprintln(stderr, "only the owner of the resource the request touched (the distribution's account for --url),")
		fmt.Fprintln(stderr, "or the operator, may read its trace. Fixes are proven unless --no-verify: the same credentials collect")
		fmt.Fprintln(stderr, "a snapshot of the distribution's configuration and edgegate doctor simulates the request in it (docs/explain.md).")
		fs.PrintDefaults()
	}
	if err := fs.Parse(idsLast(args)); err != nil {
		return 2
	}
	var req *http.Request
	base := strings.TrimRight(*endpoint, "/")
	if bu, err := url.Parse(base); err != nil || bu.Host == "" || (bu.Scheme != "http" && bu.Scheme != "https") {
		fmt.Fprintf(stderr, "edgegate explain: bad --endpoint %q\n", *endpoint)
		return 2
	}
	payloadHash := sigv4.EmptyPayloadHash
	switch {
	case *viewerURL != "" && fs.NArg() == 0:
		hs, err := parseHeaders(headers)
		if err != nil {
			fmt.Fprintln(stderr, "edgegate explain: "+err.Error())
			return 2
		}
		if u, err := url.Parse(*viewerURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			fmt.Fprintf(stderr, "edgegate explain: --url %q is not an absolute http:// or https:// URL\n", *viewerURL)
			return 2
		}
		body, _ := json.Marshal(map[string]any{"method": *method, "url": *viewerURL, "headers": hs, "country": *country})
		req, _ = http.NewRequest(http.MethodPost, base+"/_edgegate/simulate", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		sum := sha256.Sum256(body)
		payloadHash = hex.EncodeToString(sum[:])
		req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	case *viewerURL == "" && fs.NArg() == 1:
		req, _ = http.NewRequest(http.MethodGet, base+"/_edgegate/explain/"+url.PathEscape(fs.Arg(0)), nil)
	default:
		fs.Usage()
		return 2
	}
	if *operatorToken != "" {
		req.Header.Set("X-Edgegate-Operator-Token", *operatorToken)
	}
	if ak, sk := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"); ak != "" && sk != "" {
		if tok := os.Getenv("AWS_SESSION_TOKEN"); tok != "" {
			req.Header.Set("X-Amz-Security-Token", tok)
		}
		region := envOr("AWS_REGION", envOr("AWS_DEFAULT_REGION", "us-east-1"))
		sigv4.SignRequest(req, ak, sk, region, "s3", time.Now(), payloadHash)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "edgegate explain: %v\n", err)
		return 2
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		fmt.Fprintf(stderr, "edgegate explain: reading the answer: %v\n", err)
		return 2
	}
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "edgegate explain: the server answered %s: %s\n", resp.Status, strings.TrimSpace(string(body)))
		return 2
	}
	var x diagnose.Explanation
	if err := json.Unmarshal(body, &x); err != nil {
		fmt.Fprintf(stderr, "edgegate explain: the server's answer is not an explanation: %v\n", err)
		return 2
	}
	var proof *doctor.LiveVerification
	if !*noVerify {
		hs, _ := parseHeaders(headers) // checked above
		proof = proveLive(&x, liveProof{endpoint: base, region: envOr("AWS_REGION", envOr("AWS_DEFAULT_REGION", "us-east-1")),
			header: http.Header(hs), country: *country, timeout: *verifyTimeout})
	}
	if *asJSON {
		writeJSON(stdout, liveExplanation{Explanation: &x, Verification: proof})
	} else {
		if *viewerURL != "" {
			fmt.Fprintln(stdout, "Simulated (not sent): "+strings.ToUpper(*method)+" "+*viewerURL)
		}
		fmt.Fprint(stdout, x.Human())
		fmt.Fprint(stdout, humanVerification(&x, proof))
	}
	return x.ExitCode()
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
