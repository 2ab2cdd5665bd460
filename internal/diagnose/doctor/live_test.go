package doctor

import (
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/diagnose"
)

// TestProveLive: a live explanation takes the doctor's verdicts only when
// the snapshot's diagnosis is the same (status, error code, finding ids,
// the doctor-only findings aside); otherwise every fix says the state
// changed and none is verified.
func TestProveLive(t *testing.T) {
	probes := []diagnose.Probe{{Name: ProbeAnonymousS3, Before: 403, After: 403, OK: true}}
	change := &diagnose.Change{Kind: diagnose.ChangeKeyEnable, KeyID: "k"}
	live := func(ids ...string) *diagnose.Explanation {
		x := &diagnose.Explanation{Status: 403, ErrorCode: "AccessDenied"}
		for _, id := range ids {
			x.Findings = append(x.Findings, diagnose.Finding{ID: id,
				Fix: &diagnose.Fix{Summary: "fix " + id, Change: change, Unverified: "live mode: ..."}})
		}
		return x
	}
	snap := func(status int, code string, initial []string, fs ...diagnose.Finding) *Result {
		return &Result{Method: "GET", URL: "https://d.example/x", Initial: initial,
			Explanation: &diagnose.Explanation{Status: status, ErrorCode: code, Findings: fs}}
	}
	verified := func(id, summary string) diagnose.Finding {
		return diagnose.Finding{ID: id, Fix: &diagnose.Fix{Summary: summary, Change: change, Verified: true, Probes: probes}}
	}
	tests := []struct {
		name    string
		live    *diagnose.Explanation
		snap    *Result
		matches bool
		differs string
		// want is each live finding's verdict: "verified", or a part of
		// its Unverified.
		want map[string]string
		// ids are the live findings' ids afterwards.
		ids string
	}{
		{"same diagnosis: verdict and probes copied, chain note kept",
			live("KMS-KEY-POLICY"),
			snap(403, "AccessDenied", []string{"KMS-KEY-POLICY"}, verified("KMS-KEY-POLICY", "fix KMS-KEY-POLICY (verified together with the fixes of the causes it uncovers: X)")),
			true, "", map[string]string{"KMS-KEY-POLICY": "verified+chain"}, "KMS-KEY-POLICY"},
		{"doctor-only findings do not count; uncovered causes are appended",
			live("POL-NO-ALLOW"),
			snap(403, "AccessDenied", []string{"POL-NO-ALLOW", "BUNDLE-GAP"},
				diagnose.Finding{ID: "POL-NO-ALLOW", Fix: &diagnose.Fix{Summary: "fix POL-NO-ALLOW", Change: change,
					Unverified: "with this change the request still fails: 403 AccessDenied (KMS-KEY-POLICY)"}},
				diagnose.Finding{ID: "BUNDLE-GAP"},
				diagnose.Finding{ID: "KMS-KEY-POLICY", Evidence: []string{"found once the fix of POL-NO-ALLOW is applied"}},
				diagnose.Finding{ID: "CACHE-PROPAGATION"}),
			true, "", map[string]string{"POL-NO-ALLOW": "still fails"}, "POL-NO-ALLOW KMS-KEY-POLICY CACHE-PROPAGATION"},
		{"a cached error: its cause is compared, CACHE-ERROR-TTL is live only",
			live("CACHE-ERROR-TTL", "KMS-KEY-POLICY"),
			snap(403, "AccessDenied", []string{"KMS-KEY-POLICY"}, verified("KMS-KEY-POLICY", "fix KMS-KEY-POLICY")),
			true, "", map[string]string{"KMS-KEY-POLICY": "verified", "CACHE-ERROR-TTL": "offers no fix"}, "CACHE-ERROR-TTL KMS-KEY-POLICY"},
		{"the snapshot succeeds: the state changed",
			live("KMS-KEY-POLICY"), snap(200, "", nil),
			false, "the snapshot answers 200, the live request 403 AccessDenied",
			map[string]string{"KMS-KEY-POLICY": "state may have changed"}, "KMS-KEY-POLICY"},
		{"another cause in the snapshot",
			live("KMS-KEY-POLICY"), snap(403, "AccessDenied", []string{"POL-NO-ALLOW"}, verified("POL-NO-ALLOW", "fix POL-NO-ALLOW")),
			false, "the snapshot's findings are [POL-NO-ALLOW], the live ones [KMS-KEY-POLICY]",
			map[string]string{"KMS-KEY-POLICY": "diagnoses this request differently"}, "KMS-KEY-POLICY"},
		{"the doctor has the finding without a fix",
			live("KEY-MISSING"), snap(403, "AccessDenied", []string{"KEY-MISSING"}, diagnose.Finding{ID: "KEY-MISSING"}),
			true, "", map[string]string{"KEY-MISSING": "offers no fix for KEY-MISSING"}, "KEY-MISSING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := ProveLive(tt.live, tt.snap)
			if v.Matches != tt.matches || v.Differs != tt.differs {
				t.Errorf("matches %v differs %q; want %v %q", v.Matches, v.Differs, tt.matches, tt.differs)
			}
			if got := strings.Join(ids(tt.live), " "); got != tt.ids {
				t.Errorf("live findings %s, want %s", got, tt.ids)
			}
			for _, f := range tt.live.Findings {
				want, ok := tt.want[f.ID]
				if !ok {
					continue
				}
				switch {
				case want == "verified+chain" && !strings.Contains(f.Fix.Summary, "verified together"):
					t.Errorf("%s: the chain note is lost: %q", f.ID, f.Fix.Summary)
				case strings.HasPrefix(want, "verified"):
					if !f.Fix.Verified || len(f.Fix.Probes) != 1 || f.Fix.Unverified != "" {
						t.Errorf("%s: %+v", f.ID, f.Fix)
					}
				case f.Fix.Verified || f.Fix.Probes != nil || !strings.Contains(f.Fix.Unverified, want):
					t.Errorf("%s: %+v, want unverified %q", f.ID, f.Fix, want)
				}
			}
		})
	}
}

func TestMarkLive(t *testing.T) {
	x := &diagnose.Explanation{Findings: []diagnose.Finding{{ID: "A"},
		{ID: "B", Fix: &diagnose.Fix{Verified: true, Probes: []diagnose.Probe{{Name: "p"}}, Change: &diagnose.Change{Kind: diagnose.ChangeGeoNone}}},
		{ID: "C", Fix: &diagnose.Fix{Unverified: UnverifiedNoChange}}}}
	MarkLive(x, "why")
	if f := x.Findings[1].Fix; f.Verified || f.Probes != nil || f.Unverified != "why" || x.Findings[0].Fix != nil ||
		x.Findings[2].Fix.Unverified != UnverifiedNoChange {
		t.Errorf("%+v", x.Findings)
	}
}
