package doctor

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/server"
	"github.com/edgegate/edgegate/internal/world"
)

// Probe names (Fix.Probes).
const (
	ProbeAnonymousS3   = "anonymous read straight from S3"
	ProbeOtherDist     = "the same path through another distribution"
	ProbeForeignSigned = "a signed read by a caller from another account"
)

// UnverifiedNoChange is why a fix without a Change is not verified.
const UnverifiedNoChange = "not a change edgegate can apply to the configuration and simulate"

// verifier proves fixes: each change is applied to a clone of the bundle,
// a new world is built from it, and the request is simulated again; the
// probes are made before (in base) and after.
type verifier struct {
	b    *bundle.Bundle
	req  server.ViewerRequest
	base *world.World
	// before are the probes' statuses in the unfixed world.
	before map[string]int
}

// verify fills the Fix of every finding of r that carries a Change:
// Verified with the probes when the change (with, if needed, the changes
// of the causes it uncovers, up to maxRounds) makes the request succeed
// and no probe gains access; otherwise Unverified says why. Causes
// uncovered on the way are appended to r's findings.
func (v *verifier) verify(ctx context.Context, r *Result) {
	n := len(r.Findings)
	for i := 0; i < n; i++ {
		f := &r.Findings[i]
		if f.Fix == nil || f.Fix.Change == nil {
			if f.Fix != nil && f.Fix.Unverified == "" && !f.Fix.Verified {
				f.Fix.Unverified = UnverifiedNoChange
			}
			continue
		}
		v.verifyOne(ctx, r, f)
	}
}

func (v *verifier) verifyOne(ctx context.Context, r *Result, f *diagnose.Finding) {
	clone := v.b.Clone()
	if err := Apply(clone, f.Fix.Change); err != nil {
		f.Fix.Unverified = "the change could not be applied to the bundle: " + err.Error()
		return
	}
	var chain []string
	for round := 0; ; round++ {
		w, err := world.Build(ctx, clone)
		if err != nil {
			f.Fix.Unverified = "the fixed configuration could not be loaded: " + err.Error()
			return
		}
		res, err := w.Server.SimulateViewer(ctx, v.req)
		if err != nil {
			w.Close()
			f.Fix.Unverified = "the request could not be simulated with the fix: " + err.Error()
			return
		}
		x := res.Explanation
		if !x.Failed() {
			probes, ok := v.probe(ctx, w, res.Context)
			w.Close()
			f.Fix.Probes = probes
			if !ok {
				f.Fix.Unverified = "the fix gives access a probe did not have before (see probes): not offered as is"
				return
			}
			f.Fix.Verified = true
			if len(chain) > 0 {
				f.Fix.Summary += " (verified together with the fixes of the causes it uncovers: " + strings.Join(chain, ", ") + ")"
			}
			return
		}
		w.Close()
		// The request still fails: another cause was behind this one.
		next := firstFixable(x)
		if next == nil || round+1 >= maxRounds {
			f.Fix.Unverified = fmt.Sprintf("with this change the request still fails: %d %s (%s)", x.Status, x.ErrorCode, strings.Join(ids(x), ", "))
			v.addUncovered(r, f, x)
			return
		}
		v.addUncovered(r, f, x)
		chain = append(chain, next.ID)
		if err := Apply(clone, next.Fix.Change); err != nil {
			f.Fix.Unverified = "the next cause's change could not be applied: " + err.Error()
			return
		}
	}
}

// addUncovered appends to r the findings x has that r does not, marked as
// found once f's fix is applied.
func (v *verifier) addUncovered(r *Result, f *diagnose.Finding, x *diagnose.Explanation) {
	for _, g := range x.Findings {
		if hasID(r.Explanation, g.ID) {
			continue
		}
		g.Evidence = append(g.Evidence, "found once the fix of "+f.ID+" is applied: this cause is behind it")
		r.Findings = append(r.Findings, g)
	}
}

func hasID(x *diagnose.Explanation, id string) bool {
	for _, f := range x.Findings {
		if f.ID == id {
			return true
		}
	}
	return false
}

func firstFixable(x *diagnose.Explanation) *diagnose.Finding {
	for i := range x.Findings {
		if f := &x.Findings[i]; f.Fix != nil && f.Fix.Change != nil {
			return f
		}
	}
	return nil
}

func ids(x *diagnose.Explanation) []string {
	var s []string
	for _, f := range x.Findings {
		s = append(s, f.ID)
	}
	return s
}

// probe makes the probes in w (the fixed world) and the same probes in
// the base world, for the bucket and key the fixed request reached (vc):
// ok is false when one succeeds now and did not before.
func (v *verifier) probe(ctx context.Context, w *world.World, vc *diagnose.ViewerContext) ([]diagnose.Probe, bool) {
	if v.before == nil {
		v.before = probeStatuses(ctx, v.base, v.req, vc)
	}
	after := probeStatuses(ctx, w, v.req, vc)
	ok := true
	var out []diagnose.Probe
	for _, name := range []string{ProbeAnonymousS3, ProbeOtherDist, ProbeForeignSigned} {
		b, a := v.before[name], after[name]
		p := diagnose.Probe{Name: name, Before: b, After: a, OK: !granted(a) || granted(b)}
		if name == ProbeOtherDist && vc != nil && vc.OAI != "" {
			// Every distribution that uses an OAI reads as that OAI: a
			// second one gets what the first gets, by design.
			p = diagnose.Probe{Name: name, OK: true, Note: "not made: an origin access identity is one identity for every distribution that uses it"}
		}
		ok = ok && p.OK
		out = append(out, p)
	}
	return out, ok
}

// granted reports whether a probe's status means access: a 2xx (a
// redirect or an error is none).
func granted(status int) bool { return status >= 200 && status < 300 }

// probeStatuses makes the three probes in w for the bucket and key of vc:
// an anonymous S3 GET, the viewer request's path through a second
// distribution with the same configuration, and a GET signed by another
// account. A probe that cannot be made is 0.
func probeStatuses(ctx context.Context, w *world.World, vr server.ViewerRequest, vc *diagnose.ViewerContext) map[string]int {
	st := map[string]int{}
	if vc != nil && vc.Bucket != "" {
		if req, err := w.S3Request(ctx, "GET", vc.Bucket, vc.Key, nil); err == nil {
			if resp, err := w.Do(req); err == nil {
				st[ProbeAnonymousS3] = resp.StatusCode
				resp.Body.Close()
			}
		}
		if req, err := w.S3Request(ctx, "GET", vc.Bucket, vc.Key, nil); err == nil {
			w.SignAs(req, w.Foreign, "s3")
			if resp, err := w.Do(req); err == nil {
				st[ProbeForeignSigned] = resp.StatusCode
				resp.Body.Close()
			}
		}
	}
	if host, err := w.AddProbeDistribution(ctx); err == nil {
		if u, err := url.Parse(vr.URL); err == nil {
			u.Host = host
			pr := vr
			pr.URL = u.String()
			if res, err := w.Server.SimulateViewer(ctx, pr); err == nil {
				st[ProbeOtherDist] = res.Status
			}
		}
	}
	return st
}
