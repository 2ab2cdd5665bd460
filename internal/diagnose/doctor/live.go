package doctor

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/edgegate/edgegate/internal/diagnose"
)

// LiveVerification is how a live explanation's fixes were proven
// (edgegate explain, docs/explain.md "verification"): the doctor's
// diagnosis, with fixes verified, of a snapshot of the configuration
// collected after the request, for the same viewer request. Its verdicts
// are copied onto the live fixes only when the snapshot's diagnosis is
// the live one (Matches).
type LiveVerification struct {
	// Method and URL are the viewer request simulated in the snapshot;
	// Distribution the distribution collected.
	Method       string `json:"method,omitempty"`
	URL          string `json:"url,omitempty"`
	Distribution string `json:"distribution,omitempty"`
	// Status, ErrorCode and Findings (catalog ids) are the snapshot's
	// diagnosis of the request, before any fix.
	Status    int      `json:"status,omitempty"`
	ErrorCode string   `json:"error_code,omitempty"`
	Findings  []string `json:"findings,omitempty"`
	// Gaps are what the snapshot lacked (the doctor's gaps: calls the
	// caller's credentials could not make): the verdicts depend on them.
	Gaps []string `json:"gaps,omitempty"`
	// Matches is true when the snapshot's diagnosis has the live one's
	// status, error code and finding ids.
	Matches bool `json:"matches"`
	// Differs says how the snapshot's diagnosis differs from the live
	// one ("" when it matches, or when no snapshot was diagnosed).
	Differs string `json:"differs,omitempty"`
	// Skipped says why no snapshot was diagnosed ("" when one was).
	Skipped string `json:"skipped,omitempty"`
	// Millis is how long collecting and diagnosing took.
	Millis int64 `json:"millis"`
}

// uncompared are the findings only one side can make: the doctor's about
// the bundle itself or the distribution's deployment status, and the live
// CACHE-ERROR-TTL (a bundle holds no edge cache; the cached error's cause
// follows it and is compared). They take no part in comparing a
// snapshot's diagnosis with a live one.
var uncompared = map[string]bool{"BUNDLE-GAP": true, "CACHE-PROPAGATION": true, "CACHE-ERROR-TTL": true}

// ProveLive proves the fixes of live, a live explanation, with snap, the
// doctor's diagnosis (Diagnose) of a snapshot of the configuration for
// the same viewer request. When the two diagnoses match (status, error
// code, finding ids; CACHE-ERROR-TTL, BUNDLE-GAP and CACHE-PROPAGATION
// aside), each live fix with a change takes the doctor's verdict for the
// finding with the same catalog id (Verified and Probes, or Unverified),
// and the causes the doctor's fixes uncovered are appended to live's
// findings. When they differ, no fix is claimed verified: each says the
// state changed. Fixes without a change are left as they are. snap must
// not be nil.
func ProveLive(live *diagnose.Explanation, snap *Result) *LiveVerification {
	v := &LiveVerification{Method: snap.Method, URL: snap.URL, Status: snap.Status, ErrorCode: snap.ErrorCode,
		Findings: comparable(snap.Initial), Gaps: snap.Gaps}
	liveIDs := comparable(ids(live))
	switch {
	case live.Status != snap.Status || live.ErrorCode != snap.ErrorCode:
		v.Differs = fmt.Sprintf("the snapshot answers %s, the live request %s", outcome(snap.Status, snap.ErrorCode), outcome(live.Status, live.ErrorCode))
	case !sameSet(liveIDs, v.Findings):
		v.Differs = fmt.Sprintf("the snapshot's findings are [%s], the live ones [%s]", strings.Join(v.Findings, ", "), strings.Join(liveIDs, ", "))
	default:
		v.Matches = true
	}
	if !v.Matches {
		MarkLive(live, "the configuration collected now diagnoses this request differently ("+v.Differs+
			"): the state may have changed since the request; explain it again, or run edgegate doctor on a bundle")
		return v
	}
	for i := range live.Findings {
		f := &live.Findings[i]
		if f.Fix == nil || f.Fix.Change == nil {
			continue // advice: its reason stays
		}
		s := findingByID(snap.Explanation, f.ID)
		if s == nil || s.Fix == nil {
			f.Fix.Verified, f.Fix.Probes = false, nil
			f.Fix.Unverified = "the doctor's diagnosis of the snapshot offers no fix for " + f.ID
			continue
		}
		f.Fix.Verified, f.Fix.Probes, f.Fix.Unverified = s.Fix.Verified, s.Fix.Probes, s.Fix.Unverified
		if s.Fix.Summary != f.Fix.Summary && strings.HasPrefix(s.Fix.Summary, f.Fix.Summary) {
			f.Fix.Summary = s.Fix.Summary // "(verified together with the fixes of the causes it uncovers: ...)"
		}
	}
	for _, s := range snap.Findings {
		if !slices.Contains(snap.Initial, s.ID) && !hasID(live, s.ID) {
			live.Findings = append(live.Findings, s)
		}
	}
	return v
}

// MarkLive marks every fix of live that carries a change unverified with
// why (the verification could not prove it); fixes without one keep their
// reason.
func MarkLive(live *diagnose.Explanation, why string) {
	for i := range live.Findings {
		if f := live.Findings[i].Fix; f != nil && f.Change != nil {
			f.Verified, f.Probes, f.Unverified = false, nil, why
		}
	}
}

// comparable is ids without the uncompared ones, sorted, deduplicated.
func comparable(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if !uncompared[id] && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func sameSet(a, b []string) bool { return slices.Equal(a, b) }

func outcome(status int, code string) string {
	if code == "" {
		return strconv.Itoa(status)
	}
	return strconv.Itoa(status) + " " + code
}

func findingByID(x *diagnose.Explanation, id string) *diagnose.Finding {
	for i := range x.Findings {
		if x.Findings[i].ID == id {
			return &x.Findings[i]
		}
	}
	return nil
}
