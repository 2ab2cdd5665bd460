// Package collect writes a doctor bundle: the read-only AWS calls that
// describe one CloudFront distribution, its S3 origins, the objects behind
// some viewer paths and the KMS keys they use, each answer saved as the
// aws CLI v1 prints it (docs/collect.md has the layout and the manifest).
//
// It works against any endpoint that speaks the AWS APIs — real AWS with
// the standard credential chain, or edgegate itself. It never writes to
// the account: every call is a Get, Head, List or Describe. A refused or
// failed call writes no file and is recorded in the bundle's manifest,
// _collect.json, with its error code; "not found" answers that carry
// meaning (no bucket policy, no Block Public Access configuration, no such
// key) are recorded as such, so a reader can tell "known absent" from
// "could not look".
package collect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// DefaultListLimit is how many keys list-objects-v2.json holds at most
// (aws s3api list-objects-v2 --max-items 1000).
const DefaultListLimit = 1000

// Options say what to collect and how to reach AWS.
type Options struct {
	// DistributionID is the CloudFront distribution (required).
	DistributionID string
	// Paths are viewer paths ("/", "/docs/index.html"): each is mapped
	// through the distribution's behaviours, DefaultRootObject and
	// OriginPath to a bucket and key whose head-object and get-object-acl
	// are collected.
	Paths []string
	// Out is the bundle directory, created if absent.
	Out string
	// Config is the AWS configuration (credentials, Region). A Region of
	// "" means us-east-1.
	Config aws.Config
	// Endpoint, when set, sends every call to this base URL (edgegate, or
	// any other AWS-compatible endpoint), S3 in path style.
	Endpoint string
	// ListLimit bounds list-objects-v2.json (default DefaultListLimit).
	ListLimit int
	// Now stamps the manifest (default time.Now).
	Now func() time.Time
}

// Collect runs the calls and writes the bundle. Its error is only for
// what makes collecting impossible (bad options, an unusable output
// directory); refused calls are in the returned Manifest (Refused()).
func Collect(ctx context.Context, o Options) (*Manifest, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	// A fresh directory only: a file left from an earlier run would
	// stand for an answer this run did not get.
	if ents, err := os.ReadDir(o.Out); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("output directory %s is not empty", o.Out)
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	if o.ListLimit <= 0 {
		o.ListLimit = DefaultListLimit
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	cfg := o.Config.Copy()
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	c := &collector{opts: o, cfg: cfg, m: &Manifest{
		Version: ManifestVersion, Tool: "edgegate doctor collect", DistributionID: o.DistributionID,
		Endpoint: o.Endpoint, Region: cfg.Region, Started: now().UTC().Format(time.RFC3339),
	}, kmsSeen: map[string]bool{}}
	c.run(ctx)
	if err := c.writeManifest(); err != nil {
		return c.m, err
	}
	return c.m, nil
}

func (o *Options) validate() error {
	if o.DistributionID == "" {
		return errors.New("--distribution-id is required")
	}
	if strings.ContainsAny(o.DistributionID, "/\\ .") {
		return fmt.Errorf("bad distribution id %q", o.DistributionID)
	}
	if o.Out == "" {
		return errors.New("--out is required")
	}
	if o.Endpoint != "" {
		u, err := url.Parse(o.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("bad --endpoint %q: want http(s)://host[:port]", o.Endpoint)
		}
	}
	for _, p := range o.Paths {
		if !strings.HasPrefix(p, "/") {
			return fmt.Errorf("bad --key %q: a viewer path starts with /", p)
		}
	}
	return nil
}

// collector holds one run's clients and manifest.
type collector struct {
	opts    Options
	cfg     aws.Config
	m       *Manifest
	account string
	kmsSeen map[string]bool // key references already queued
	kmsRefs []kmsRef        // KMS key references to describe, with the Region to ask
	kmsDirs map[string]bool // kms/KEYID directories already written
	// regions is each collected bucket's Region (from its location).
	regions map[string]string
	// indexSuffix is each website bucket's IndexDocument suffix.
	indexSuffix map[string]string
	// wire holds the timestamps of the responses since the last record.
	wire wireTimes
}

func (c *collector) run(ctx context.Context) {
	if id, ok := c.callerIdentity(ctx); ok {
		c.account = id
	}
	dist := c.distribution(ctx)
	c.listBuckets(ctx)
	if c.account != "" {
		c.accountPAB(ctx)
	}
	if dist == nil {
		// Without the distribution there is no origin to follow; the
		// viewer paths cannot be mapped.
		for _, p := range c.opts.Paths {
			c.m.Keys = append(c.m.Keys, KeyMapping{Path: p, Note: "distribution not collected"})
		}
		return
	}
	c.distributionParts(ctx, dist)
	buckets := dist.s3Buckets()
	mappings := make([]KeyMapping, 0, len(c.opts.Paths))
	for _, p := range c.opts.Paths {
		mappings = append(mappings, dist.mapPath(p))
	}
	for _, b := range buckets {
		c.bucket(ctx, b, mappings)
	}
	for i := range mappings {
		c.object(ctx, &mappings[i])
	}
	c.m.Keys = mappings
	sort.Slice(c.kmsRefs, func(i, j int) bool { return c.kmsRefs[i].ID < c.kmsRefs[j].ID })
	for _, ref := range c.kmsRefs {
		c.kmsKey(ctx, ref)
	}
}

// --- clients ---

func (c *collector) sts() *sts.Client {
	return sts.NewFromConfig(c.cfg, func(o *sts.Options) {
		c.endpoint(&o.BaseEndpoint)
		o.HTTPClient = c.wrap(o.HTTPClient)
	})
}

func (c *collector) cloudfront() *cloudfront.Client {
	cfg := c.cfg.Copy()
	cfg.Region = "us-east-1" // CloudFront is global, signed for us-east-1
	return cloudfront.NewFromConfig(cfg, func(o *cloudfront.Options) {
		c.endpoint(&o.BaseEndpoint)
		o.HTTPClient = c.wrap(o.HTTPClient)
	})
}

func (c *collector) s3(region string) *s3.Client {
	cfg := c.cfg.Copy()
	if region != "" {
		cfg.Region = region
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if c.endpoint(&o.BaseEndpoint) {
			o.UsePathStyle = true
		}
		o.HTTPClient = c.wrap(o.HTTPClient)
	})
}

func (c *collector) kms(region string) *kms.Client {
	cfg := c.cfg.Copy()
	if region != "" {
		cfg.Region = region
	}
	return kms.NewFromConfig(cfg, func(o *kms.Options) {
		c.endpoint(&o.BaseEndpoint)
		o.HTTPClient = c.wrap(o.HTTPClient)
	})
}

// s3control sends account calls to {AccountId}.HOST. Against a custom
// endpoint that name does not resolve, so the client dials the endpoint's
// own address for it (the Host header and the signature are unchanged).
func (c *collector) s3control() *s3control.Client {
	return s3control.NewFromConfig(c.cfg, func(o *s3control.Options) {
		defer func() { o.HTTPClient = c.wrap(o.HTTPClient) }()
		if !c.endpoint(&o.BaseEndpoint) {
			return
		}
		u, _ := url.Parse(c.opts.Endpoint)
		addr := u.Host
		if u.Port() == "" {
			addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
		}
		var d net.Dialer
		o.HTTPClient = &http.Client{Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return d.DialContext(ctx, network, addr)
			},
		}}
	})
}

// endpoint sets a client's base endpoint when Options.Endpoint is set and
// reports whether it did.
func (c *collector) endpoint(p **string) bool {
	if c.opts.Endpoint == "" {
		return false
	}
	*p = aws.String(strings.TrimRight(c.opts.Endpoint, "/"))
	return true
}

// --- files ---

// record runs one call: on success it writes tree (as the CLI prints it)
// to rel and records "ok"; on failure it writes nothing and records the
// outcome. It reports whether the call succeeded.
func (c *collector) record(command, rel string, err error, tree func() map[string]any) bool {
	call := Call{Command: command, Path: rel}
	defer func() { c.wire = nil }() // the next call's responses start afresh
	if err != nil {
		call.Outcome, call.ErrorCode, call.HTTPStatus, call.Message = classify(err)
		c.m.Calls = append(c.m.Calls, call)
		return false
	}
	call.Outcome = OutcomeOK
	call.File = rel
	if werr := c.write(rel, tree()); werr != nil {
		call.Outcome, call.File, call.Message = OutcomeError, "", "writing the file: "+werr.Error()
		c.m.Calls = append(c.m.Calls, call)
		return false
	}
	c.m.Calls = append(c.m.Calls, call)
	return true
}

func (c *collector) write(rel string, tree map[string]any) error {
	b, err := cliJSON(tree)
	if err != nil {
		return err
	}
	p := filepath.Join(c.opts.Out, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}

// escapeName is how a key (or another value that may hold "/") becomes one
// file-name segment: url.PathEscape ("/" is %2F, "%" is %25).
// url.PathUnescape reverses it. Every name gets ".json" appended, so no
// file is "." or "..".
func escapeName(s string) string { return url.PathEscape(s) }

// quoteArg quotes a CLI argument for the manifest's command line when it
// needs it.
func quoteArg(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`*?[]{}()<>|&;#~!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// bucketFile is s3/BUCKET/NAME.
func bucketFile(bucket, name string) string { return path.Join("s3", bucket, name) }
