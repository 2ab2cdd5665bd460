package doctor

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/edge"
	"github.com/edgegate/edgegate/internal/server"
)

// Check is one path --all simulated: why it was chosen, and its result.
type Check struct {
	// What says which part of the distribution the path stands for: "the
	// root", "behavior /api/*", "the default behavior", "custom error
	// page for 404".
	What string `json:"what"`
	*Result
}

// AllReport is the result of DiagnoseAll.
type AllReport struct {
	Distribution string  `json:"distribution"`
	Checks       []Check `json:"checks"`
	// Failing counts the checks whose request fails.
	Failing int `json:"failing"`
}

// DiagnoseAll simulates, in one world, a representative GET for every
// part of the distribution a viewer can reach: the root, each cache
// behavior (a key of its origin's bucket its pattern selects, else a
// path made from the pattern), the default behavior, and each custom
// error page; every failing one is diagnosed like Diagnose does, fixes
// verified.
func DiagnoseAll(ctx context.Context, b *bundle.Bundle) (*AllReport, error) {
	w, err := loadWorld(ctx, b)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	rep := &AllReport{Distribution: w.Distribution.ID}
	for _, p := range representativePaths(b, w.Distribution.Config) {
		vr := server.ViewerRequest{URL: "https://" + w.Distribution.DomainName + p.path}
		res, err := w.Server.SimulateViewer(ctx, vr)
		if err != nil {
			if errors.Is(err, server.ErrBadViewerRequest) {
				return nil, fmt.Errorf("%w: %v", ErrBadInput, err)
			}
			return nil, err
		}
		r := &Result{Method: "GET", URL: vr.URL, Explanation: res.Explanation, Gaps: gaps(b, w, res.Context)}
		lowerCertainty(r)
		if r.Failed() {
			rep.Failing++
			(&verifier{b: b, req: vr, base: w}).verify(ctx, r)
			lowerCertainty(r)
			r.Findings = append(r.Findings, propagation(b)...)
		}
		rep.Checks = append(rep.Checks, Check{What: p.what, Result: r})
	}
	return rep, nil
}

type repPath struct{ what, path string }

// representativePaths are the paths DiagnoseAll simulates.
func representativePaths(b *bundle.Bundle, cfg *cloudfront.DistributionConfig) []repPath {
	out := []repPath{{"the root (/)", "/"}}
	seen := map[string]bool{"/": true}
	add := func(what, p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, repPath{what, p})
		}
	}
	if cfg.CacheBehaviors != nil {
		for i := range cfg.CacheBehaviors.Items {
			cb := &cfg.CacheBehaviors.Items[i]
			pat := deref(cb.PathPattern)
			add("cache behavior "+pat, pathFor(b, cfg, pat, deref(cb.TargetOriginId), i))
		}
	}
	if db := cfg.DefaultCacheBehavior; db != nil {
		add("the default cache behavior", pathFor(b, cfg, "*", deref(db.TargetOriginId), -1))
	}
	if cfg.CustomErrorResponses != nil {
		for _, ce := range cfg.CustomErrorResponses.Items {
			if pg := deref(ce.ResponsePagePath); pg != "" {
				add(fmt.Sprintf("custom error page for %d", deref(ce.ErrorCode)), pg)
			}
		}
	}
	return out
}

// pathFor picks a path behavior idx (-1: the default) selects: a key of
// its origin's bucket (below the origin path) that selects it, else one
// made from its pattern.
func pathFor(b *bundle.Bundle, cfg *cloudfront.DistributionConfig, pattern, originID string, idx int) string {
	selects := func(p string) bool {
		bh, ok := edge.SelectBehavior(cfg, p)
		return ok && bh.Index == idx
	}
	if o := originOf(cfg, originID); o != nil {
		t := cloudfront.ClassifyOrigin(deref(o.DomainName))
		if bk := b.Bucket(t.Bucket); bk != nil && bk.Objects != nil {
			prefix := strings.TrimPrefix(strings.TrimSuffix(deref(o.OriginPath), "/")+"/", "/")
			keys := make([]string, 0, len(bk.Objects.Contents))
			for _, obj := range bk.Objects.Contents {
				keys = append(keys, obj.Key)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if !strings.HasPrefix(k, prefix) || strings.HasSuffix(k, "/") {
					continue
				}
				if p := "/" + strings.TrimPrefix(k, prefix); selects(p) {
					return p
				}
			}
		}
	}
	p := "/" + strings.TrimPrefix(pattern, "/")
	p = strings.NewReplacer("*", "doctor-probe", "?", "x").Replace(p)
	if p == "/doctor-probe" && !selects(p) {
		p = "/index.html"
	}
	return p
}

func originOf(cfg *cloudfront.DistributionConfig, id string) *cloudfront.Origin {
	if cfg.Origins == nil {
		return nil
	}
	for i := range cfg.Origins.Items {
		if deref(cfg.Origins.Items[i].Id) == id {
			return &cfg.Origins.Items[i]
		}
	}
	return nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// Findings returns every finding of the report's failing checks.
func (a *AllReport) Findings() []diagnose.Finding {
	var fs []diagnose.Finding
	for _, c := range a.Checks {
		fs = append(fs, c.Findings...)
	}
	return fs
}
