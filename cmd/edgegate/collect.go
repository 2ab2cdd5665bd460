package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/edgegate/edgegate/internal/collect"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// runCollect is `edgegate doctor collect`: it writes a doctor bundle for
// one distribution with read-only AWS calls (internal/collect,
// docs/collect.md). args are the arguments after "collect". Exit codes: 0
// when every call was answered (an answer may be "not found"), 1 when some
// were refused or failed (the bundle is still written), 2 on bad input.
func runCollect(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doctor collect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dist := fs.String("distribution-id", "", "the CloudFront distribution to collect (required)")
	var keys stringList
	fs.Var(&keys, "key", "a viewer path whose object to collect (/ for the default root object); repeatable")
	out := fs.String("out", "", "the bundle directory to write (created if absent; required)")
	endpoint := fs.String("endpoint", os.Getenv("AWS_ENDPOINT_URL"), "send every call to this endpoint, e.g. http://127.0.0.1:4566 for edgegate (default: AWS itself, or $AWS_ENDPOINT_URL)")
	region := fs.String("region", "", "Region of the calls (default: from the AWS configuration, else us-east-1)")
	profile := fs.String("profile", "", "shared configuration profile (default: $AWS_PROFILE or default)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: edgegate doctor collect --distribution-id ID [--key PATH]... --out DIR [--endpoint URL] [--region R]")
		fmt.Fprintln(stderr, "Writes the aws CLI outputs `edgegate doctor --bundle DIR` reads, with read-only calls and the")
		fmt.Fprintln(stderr, "standard credential chain (AWS_* variables, profiles); DIR/_collect.json lists every call and its outcome.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "edgegate doctor collect: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	var opts []func(*config.LoadOptions) error
	if *region != "" {
		opts = append(opts, config.WithRegion(*region))
	}
	if *profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(*profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "edgegate doctor collect: AWS configuration: %v\n", err)
		return 2
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		fmt.Fprintf(stderr, "edgegate doctor collect: no AWS credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile): %v\n", err)
		return 2
	}
	m, err := collect.Collect(ctx, collect.Options{
		DistributionID: *dist, Paths: keys, Out: *out, Config: cfg, Endpoint: *endpoint,
	})
	if m == nil {
		fmt.Fprintf(stderr, "edgegate doctor collect: %v\n", err)
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "edgegate doctor collect: writing the manifest: %v\n", err)
		return 2
	}
	return reportCollect(m, *out, stdout)
}

// reportCollect prints what was collected and what was not, and returns
// the exit code: 1 when a call was refused or failed, or when the
// distribution itself is not in the bundle (NoSuchDistribution included).
func reportCollect(m *collect.Manifest, out string, stdout io.Writer) int {
	var files, absent int
	gotDist := false
	for _, c := range m.Calls {
		switch c.Outcome {
		case collect.OutcomeOK:
			files++
			gotDist = gotDist || c.File == "cloudfront/get-distribution.json"
		case collect.OutcomeNotFound:
			absent++
		}
	}
	failed := m.Failed()
	fmt.Fprintf(stdout, "bundle %s: %d files, %d answered not found (known absent), %d refused or failed\n",
		out, files, absent, len(failed))
	for _, k := range m.Keys {
		switch {
		case k.Bucket != "" && k.Key != "":
			fmt.Fprintf(stdout, "  %s -> s3://%s/%s (behaviour %s)\n", k.Path, k.Bucket, k.Key, k.Behavior)
		default:
			fmt.Fprintf(stdout, "  %s -> no S3 object: %s\n", k.Path, k.Note)
		}
	}
	for _, c := range failed {
		code := c.ErrorCode
		if code == "" {
			code = c.Message
		}
		fmt.Fprintf(stdout, "  %-8s %s: %s\n", c.Outcome, c.Command, code)
	}
	fmt.Fprintf(stdout, "every call and its outcome: %s/%s\n", strings.TrimRight(out, "/"), collect.ManifestName)
	if !gotDist {
		fmt.Fprintf(stdout, "the distribution %s was not collected: the bundle describes no origin\n", m.DistributionID)
		return 1
	}
	if len(failed) > 0 {
		return 1
	}
	return 0
}
