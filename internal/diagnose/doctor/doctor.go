package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/server"
	"github.com/edgegate/edgegate/internal/world"
)

// Request is the viewer request to diagnose.
type Request struct {
	// Method defaults to GET.
	Method string
	// URL is absolute (https://DOMAIN/PATH: the distribution's domain
	// name or an alias) or a path alone (/PATH: the distribution's
	// domain name over https).
	URL    string
	Header http.Header
}

// Result is the diagnosis of one request: the explanation (status,
// error_code, responder, findings, trace; docs/doctor.md), the request,
// and what the bundle lacked for it.
type Result struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	*diagnose.Explanation
	// Gaps are the bundle files the diagnosis needed and could not read
	// (missing, refused, unusable) and what the world could not load:
	// the findings they touch are POSSIBLE, not DEFINITE.
	Gaps []string `json:"gaps,omitempty"`
	// Initial are the catalog ids of the findings of the first
	// simulation, before verification appended the causes the fixes
	// uncovered (and CACHE-PROPAGATION); not part of the JSON.
	Initial []string `json:"-"`
}

// ErrBadInput wraps the errors of a request or bundle the doctor cannot
// work with (exit code 2).
var ErrBadInput = errors.New("bad input")

// maxRounds bounds how many fixes are chained to reach a success (a
// request may fail for several causes in turn: the bucket policy, then
// the key policy).
const maxRounds = 4

// loadWorld checks that b has a distribution whose origins its behaviors
// name and loads it into a world; the caller closes it. Every error wraps
// ErrBadInput except checkOrigins' own.
func loadWorld(ctx context.Context, b *bundle.Bundle) (*world.World, error) {
	if b == nil || b.DistributionConfig() == nil {
		return nil, fmt.Errorf("%w: the bundle has no usable distribution (%s)", ErrBadInput, bundle.PathDistribution)
	}
	if err := checkOrigins(b); err != nil {
		return nil, err
	}
	w, err := world.Build(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("%w: loading the bundle: %v", ErrBadInput, err)
	}
	if w.Distribution == nil {
		err := fmt.Errorf("%w: the bundle's distribution could not be loaded: %s", ErrBadInput, skipped(w))
		w.Close()
		return nil, err
	}
	return w, nil
}

// Diagnose loads b into a world, simulates req through it and returns the
// findings, each fix verified (Verify). ctx bounds the whole diagnosis.
func Diagnose(ctx context.Context, b *bundle.Bundle, req Request) (*Result, error) {
	w, err := loadWorld(ctx, b)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	vr, err := viewerRequest(w, req)
	if err != nil {
		return nil, err
	}
	res, err := w.Server.SimulateViewer(ctx, vr)
	var r *Result
	switch {
	case err == nil:
		r = &Result{Method: methodOf(vr), URL: vr.URL, Explanation: res.Explanation}
		r.Gaps = gaps(b, w, res.Context)
		lowerCertainty(r)
	case errors.Is(err, server.ErrBadViewerRequest) && foreignHost(vr.URL) != "":
		r = cnameResult(w, vr, foreignHost(vr.URL))
	case errors.Is(err, server.ErrBadViewerRequest):
		return nil, fmt.Errorf("%w: %v", ErrBadInput, err)
	default:
		return nil, err
	}
	r.Initial = ids(r.Explanation)
	if r.Failed() {
		v := &verifier{b: b, req: vr, base: w}
		v.verify(ctx, r)
		lowerCertainty(r) // the causes the fixes uncovered
		r.Findings = append(r.Findings, propagation(b)...)
	}
	return r, nil
}

// checkOrigins refuses a distribution whose cache behaviors target
// origins it does not have (CloudFront never stores one: the export is
// damaged), naming them.
func checkOrigins(b *bundle.Bundle) error {
	cfg := b.DistributionConfig()
	ids := map[string]bool{}
	var names []string
	if cfg.Origins != nil {
		for _, o := range cfg.Origins.Items {
			if o.Id != nil {
				ids[*o.Id] = true
				names = append(names, *o.Id)
			}
		}
	}
	if cfg.OriginGroups != nil {
		for _, g := range cfg.OriginGroups.Items {
			if g.Id != nil {
				ids[*g.Id] = true
			}
		}
	}
	check := func(what, target string) error {
		if !ids[target] {
			return fmt.Errorf("%w: %s: %s targets origin %q, which the distribution does not have (origins: %s)",
				ErrBadInput, bundle.PathDistribution, what, target, strings.Join(names, ", "))
		}
		return nil
	}
	if db := cfg.DefaultCacheBehavior; db != nil {
		if err := check("the default cache behavior", deref(db.TargetOriginId)); err != nil {
			return err
		}
	}
	if cfg.CacheBehaviors != nil {
		for _, cb := range cfg.CacheBehaviors.Items {
			if err := check("cache behavior "+deref(cb.PathPattern), deref(cb.TargetOriginId)); err != nil {
				return err
			}
		}
	}
	return nil
}

// propagation is CACHE-PROPAGATION (POSSIBLE) when the exported
// distribution was still deploying a change: edge locations may answer
// with the previous configuration for a while.
func propagation(b *bundle.Bundle) []diagnose.Finding {
	d := b.Distribution.Distribution
	if d == nil || d.Status == nil || *d.Status != "InProgress" {
		return nil
	}
	return []diagnose.Finding{{ID: "CACHE-PROPAGATION", Certainty: diagnose.Possible,
		Summary:  "the distribution was deploying a change when it was exported (Status InProgress): until it is Deployed, edge locations may still answer with the previous configuration",
		Evidence: []string{"Status: InProgress"},
		Fix: &diagnose.Fix{Summary: "wait for Status Deployed, then invalidate the paths that changed",
			Commands:   []string{"aws cloudfront wait distribution-deployed --id " + deref(d.Id)},
			Unverified: "waiting is not a configuration change"}}}
}

// foreignHost is the host of an absolute URL ("" if none): a host the
// edge does not route is a CNAME that is not among the distribution's
// aliases (CloudFront answers it with its own 403).
func foreignHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Hostname()
}

// cnameResult is CF-CNAME: the viewer's Host is neither the
// distribution's domain name nor one of its aliases. The request would
// reach CloudFront only through DNS pointing the name at it; CloudFront
// answers 403 without an origin request.
func cnameResult(w *world.World, vr server.ViewerRequest, host string) *Result {
	var aliases []string
	if a := w.Distribution.Config.Aliases; a != nil {
		aliases = a.Items
	}
	return &Result{Method: methodOf(vr), URL: vr.URL, Explanation: &diagnose.Explanation{
		Status: 403, ErrorCode: "CloudFrontUnknownAlias", Responder: "edge", Operation: "CloudFront", Principal: "viewer",
		Trace: []diagnose.Step{},
		Findings: []diagnose.Finding{{ID: "CF-CNAME", Certainty: diagnose.Definite,
			Summary: "the Host " + host + " is neither the distribution's domain name " + w.Distribution.DomainName +
				" nor one of its alternate domain names (Aliases): CloudFront answers 403 \"Bad request.\"",
			Evidence: []string{"Host: " + host, "Aliases: [" + strings.Join(aliases, ", ") + "]"},
			Fix: &diagnose.Fix{Summary: "add " + host + " to the distribution's Aliases, with an ACM certificate (us-east-1) covering it",
				Commands: []string{"aws cloudfront get-distribution-config --id " + w.Distribution.ID + " > dist.json",
					"# add \"" + host + "\" to DistributionConfig.Aliases.Items (and Quantity), set ViewerCertificate to the ACM certificate, then:",
					"aws cloudfront update-distribution --id " + w.Distribution.ID + " --if-match ETAG --distribution-config file://config.json"},
				Terraform: "aws_cloudfront_distribution: aliases = [\"" + host + "\"] and viewer_certificate { acm_certificate_arn = ... }",
				Change:    &diagnose.Change{Kind: diagnose.ChangeAddAlias, Value: host}}}},
	}}
}

func methodOf(vr server.ViewerRequest) string {
	if vr.Method == "" {
		return http.MethodGet
	}
	return strings.ToUpper(vr.Method)
}

func skipped(w *world.World) string {
	var s []string
	for _, p := range w.Skipped {
		s = append(s, p.Error())
	}
	if len(s) == 0 {
		return "no reason recorded"
	}
	return strings.Join(s, "; ")
}

// viewerRequest resolves req's URL against the world's distribution.
func viewerRequest(w *world.World, req Request) (server.ViewerRequest, error) {
	raw := strings.TrimSpace(req.URL)
	if raw == "" {
		return server.ViewerRequest{}, fmt.Errorf("%w: no URL", ErrBadInput)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return server.ViewerRequest{}, fmt.Errorf("%w: url %q: %v", ErrBadInput, raw, err)
	}
	switch {
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/"):
		u.Scheme, u.Host = "https", w.Distribution.DomainName
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host != "":
	default:
		return server.ViewerRequest{}, fmt.Errorf("%w: url %q is neither https://HOST/PATH nor /PATH", ErrBadInput, raw)
	}
	return server.ViewerRequest{Method: req.Method, URL: u.String(), Header: req.Header}, nil
}

// gaps lists the bundle files and world loads the request depended on
// that are unknown.
func gaps(b *bundle.Bundle, w *world.World, vc *diagnose.ViewerContext) []string {
	var paths []string
	add := func(p string) {
		if b.IsMissing(p) {
			why := "missing"
			if e, ok := b.Refused[p]; ok {
				why = "refused: " + e.Code
			}
			for _, pr := range b.Problems {
				if pr.Path == p {
					why = pr.Err.Error()
				}
			}
			paths = append(paths, p+" ("+why+")")
		}
	}
	if vc != nil {
		if vc.OAC != "" {
			add(bundle.OACPath(vc.OAC))
		}
		if vc.OAI != "" {
			add(bundle.OAIPath(vc.OAI))
		}
		if vc.Bucket != "" {
			for _, f := range bundle.BucketFiles {
				if f == bundle.FileBucketWebsite && vc.OriginKind != "website" {
					continue // a REST origin does not use the website configuration
				}
				add(bundle.BucketPath(vc.Bucket, f))
			}
			if vc.Key != "" {
				add(bundle.HeadObjectPath(vc.Bucket, vc.Key))
			}
		}
	}
	add(bundle.PathAccountPublicAccessBlock)
	for _, p := range b.Missing {
		if strings.HasPrefix(p, "kms/") {
			add(p)
		}
	}
	for _, p := range w.Skipped {
		if vc == nil || vc.Bucket == "" || strings.Contains(p.Path, "/"+vc.Bucket+"/") || strings.HasPrefix(p.Path, "kms/") || strings.HasPrefix(p.Path, "cloudfront/") {
			paths = append(paths, "not loaded: "+p.Error())
		}
	}
	return dedupe(paths)
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// explicitDeny are the findings of a bucket-policy Deny.
var explicitDeny = map[string]bool{"POL-EXPLICIT-DENY": true, "POL-EXPLICIT-DENY-NETWORK": true, "POL-TLS-HTTP": true, "POL-PERIMETER": true}

// lowerCertainty makes the origin's DEFINITE findings POSSIBLE when the
// bundle could not say everything the request depended on: what is
// missing might have allowed or denied it (the doctor never guesses).
// Findings read from the distribution's configuration alone (the edge's
// refusals, CACHE-SPA-MASK) keep their certainty.
func lowerCertainty(r *Result) {
	if len(r.Gaps) == 0 || r.Responder == "edge" {
		return // the edge decided from the distribution alone
	}
	if !r.Failed() {
		r.Findings = append(r.Findings, diagnose.Finding{ID: "BUNDLE-GAP", Certainty: diagnose.Possible,
			Summary:  "the simulated request succeeds, but the bundle lacks what it depends on: AWS may decide the real request otherwise",
			Evidence: append([]string(nil), r.Gaps...),
			Fix: &diagnose.Fix{Summary: "collect the bundle again with credentials that may make the refused calls (edgegate doctor collect)",
				Unverified: "not a configuration change"}})
		return
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.ID == "CACHE-SPA-MASK" || strings.HasPrefix(f.ID, "CF-") {
			continue // read from the distribution's configuration
		}
		gs := r.Gaps
		if explicitDeny[f.ID] {
			// A Deny of the bucket policy decides before anything else
			// of the bucket or the object is read: only the policy's
			// own absence makes it uncertain.
			gs = nil
			for _, g := range r.Gaps {
				if strings.Contains(g, bundle.FileBucketPolicy) || strings.HasPrefix(g, "not loaded: ") {
					gs = append(gs, g)
				}
			}
		}
		if f.Certainty == diagnose.Definite && len(gs) > 0 {
			f.Certainty = diagnose.Possible
			f.Evidence = append(f.Evidence, "the bundle does not say everything this depends on: "+strings.Join(gs, "; "))
		}
	}
}
