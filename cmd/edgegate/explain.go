package main

import (
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
	"github.com/edgegate/edgegate/internal/sigv4"
)

// explain asks a running server why a request got its answer. Exit codes:
// 0 when the request succeeded, 1 when it failed (findings printed), 2 on
// bad input or when the server cannot answer.
func explain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	endpoint := fs.String("endpoint", envOr("EDGEGATE_ENDPOINT", "http://127.0.0.1:4566"), "edgegate endpoint")
	asJSON := fs.Bool("json", false, "print the explanation as JSON")
	operatorToken := fs.String("operator-token", os.Getenv("EDGEGATE_OPERATOR_TOKEN"), "operator token (reads any request's trace)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: edgegate explain [--endpoint URL] [--json] REQUEST_ID")
		fmt.Fprintln(stderr, "Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN):")
		fmt.Fprintln(stderr, "only the owner of the resource the request touched, or the operator, may read its trace.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	id := fs.Arg(0)
	u, err := url.Parse(strings.TrimRight(*endpoint, "/") + "/_edgegate/explain/" + url.PathEscape(id))
	if err != nil || u.Host == "" {
		fmt.Fprintf(stderr, "edgegate explain: bad --endpoint %q\n", *endpoint)
		return 2
	}
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	if *operatorToken != "" {
		req.Header.Set("X-Edgegate-Operator-Token", *operatorToken)
	}
	if ak, sk := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"); ak != "" && sk != "" {
		if tok := os.Getenv("AWS_SESSION_TOKEN"); tok != "" {
			req.Header.Set("X-Amz-Security-Token", tok)
		}
		region := envOr("AWS_REGION", envOr("AWS_DEFAULT_REGION", "us-east-1"))
		sigv4.SignRequest(req, ak, sk, region, "s3", time.Now(), sigv4.EmptyPayloadHash)
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
	if *asJSON {
		stdout.Write(body)
		if len(body) > 0 && body[len(body)-1] != '\n' {
			fmt.Fprintln(stdout)
		}
	} else {
		fmt.Fprint(stdout, x.Human())
	}
	if x.Status >= 200 && x.Status < 400 {
		return 0
	}
	return 1
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
