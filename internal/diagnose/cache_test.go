package diagnose

import (
	"strings"
	"testing"
	"time"
)

func TestCachedErrorFinding(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		in   CachedError
		want []string // substrings of summary + evidence + fix
	}{
		{"S3 403", CachedError{Distribution: "E1", Path: "/a.txt", Status: 403, Code: "AccessDenied", OriginRequestID: "R1",
			CachedAt: at, Remaining: 1500 * time.Millisecond},
			[]string{"cached 403 AccessDenied", "2 s more", "original origin request: R1", "wait 2 s or invalidate /a.txt",
				"--distribution-id E1 --paths '/a.txt*'", "cached at: 2026-01-02T03:04:05Z"}},
		{"query string variant", CachedError{Distribution: "E2", Path: "/p?v=1", Status: 404, Remaining: 0},
			[]string{"cached 404 without", "0 s more", "a custom origin's", "invalidate /p?v=1", "--paths '/p*'"}},
	}
	for _, tt := range tests {
		f := CachedErrorFinding(tt.in)
		if f.ID != "CACHE-ERROR-TTL" || f.Certainty != Definite {
			t.Errorf("%s: %s %s", tt.name, f.ID, f.Certainty)
		}
		all := f.Summary + "\n" + strings.Join(f.Evidence, "\n") + "\n" + f.Fix.String()
		for _, w := range tt.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: %q missing from\n%s", tt.name, w, all)
			}
		}
	}
}
