package doctor

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/diagnose"
)

var update = flag.Bool("update", false, "regenerate testdata/doctor from a live edgegate (TestGenerateCorpus)")

// corpusDir is the scenario corpus: testdata/doctor/<scenario>/{bundle/,
// request.json, expected.json}.
var corpusDir = filepath.Join("..", "..", "..", "testdata", "doctor")

// corpusRequest is request.json: the viewer request, its URL made from
// the bundle's distribution domain (or Host) and Path.
type corpusRequest struct {
	Method  string              `json:"method,omitempty"`
	Scheme  string              `json:"scheme,omitempty"` // default https
	Host    string              `json:"host,omitempty"`   // default the distribution's domain
	Path    string              `json:"path"`
	Headers map[string][]string `json:"headers,omitempty"`
}

// corpusExpected is expected.json: the answer and the findings, in order.
type corpusExpected struct {
	// Pending, when set, names a known gap outside the doctor (the
	// world or the collector) that makes the scenario fail today: the
	// test then expects the failure, and fails once the gap is closed so
	// that the mark is removed.
	Pending   string            `json:"pending,omitempty"`
	Status    int               `json:"status"`
	Responder string            `json:"responder"`
	Findings  []expectedFinding `json:"findings"`
	// offline (generator only) is the doctor's expectation when it
	// differs from the live one.
	offline *corpusExpected
}

type expectedFinding struct {
	ID        string             `json:"id"`
	Certainty diagnose.Certainty `json:"certainty"`
	// Verified, when set, is whether the fix must be verified.
	Verified *bool `json:"verified,omitempty"`
}

func (q corpusRequest) url(b *bundle.Bundle) string {
	scheme, host := q.Scheme, q.Host
	if scheme == "" {
		scheme = "https"
	}
	if host == "" && b.Distribution != nil && b.Distribution.Distribution != nil {
		host = b.Distribution.Distribution.GetDomainName()
	}
	return scheme + "://" + host + q.Path
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestCorpus diagnoses every scenario of the corpus offline and compares
// the status, the responder, the finding ids and certainties in order, and
// whether each fix is verified. Healthy controls expect no finding.
func TestCorpus(t *testing.T) {
	entries, err := os.ReadDir(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		dir := filepath.Join(corpusDir, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			var q corpusRequest
			var want corpusExpected
			readJSON(t, filepath.Join(dir, "request.json"), &q)
			readJSON(t, filepath.Join(dir, "expected.json"), &want)
			b, err := bundle.Read(filepath.Join(dir, "bundle"))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range b.Problems {
				t.Errorf("bundle problem: %v", p)
			}
			res, err := Diagnose(context.Background(), b, Request{Method: q.Method, URL: q.url(b), Header: http.Header(q.Headers)})
			if err != nil {
				t.Fatal(err)
			}
			if want.Pending != "" {
				if msg := mismatch(res, want); msg == "" {
					t.Errorf("pending %q: the scenario passes now: remove the mark", want.Pending)
				} else {
					t.Logf("PENDING (%s): %s", want.Pending, msg)
				}
				return
			}
			checkResult(t, res, want)
		})
	}
	if n < 20 {
		t.Errorf("the corpus has %d scenarios", n)
	}
}

// mismatch says how res differs from want in status, responder and
// findings ("" when it does not).
func mismatch(res *Result, want corpusExpected) string {
	var got, wantIDs []string
	for _, f := range res.Findings {
		got = append(got, f.ID+"/"+string(f.Certainty))
	}
	for _, f := range want.Findings {
		wantIDs = append(wantIDs, f.ID+"/"+string(f.Certainty))
	}
	if res.Status != want.Status || res.Responder != want.Responder || strings.Join(got, " ") != strings.Join(wantIDs, " ") {
		return fmt.Sprintf("got %d %s %v, want %d %s %v; gaps: %v", res.Status, res.Responder, got, want.Status, want.Responder, wantIDs, res.Gaps)
	}
	return ""
}

func checkResult(t *testing.T, res *Result, want corpusExpected) {
	t.Helper()
	if msg := mismatch(res, want); msg != "" {
		t.Fatalf("%s\n%s", msg, res.Human())
	}
	var wantIDs []string
	for _, f := range want.Findings {
		wantIDs = append(wantIDs, f.ID)
	}
	for i, wf := range want.Findings {
		if wf.Verified == nil {
			continue
		}
		f := res.Findings[i]
		if f.Fix == nil || f.Fix.Verified != *wf.Verified {
			t.Errorf("%s: fix %+v, want verified %v", f.ID, f.Fix, *wf.Verified)
			continue
		}
		if f.Fix.Verified && len(f.Fix.Probes) != 3 {
			t.Errorf("%s: verified with probes %+v", f.ID, f.Fix.Probes)
		}
		if !f.Fix.Verified && f.Fix.Unverified == "" {
			t.Errorf("%s: unverified without a reason", f.ID)
		}
	}
	if (res.ExitCode() == 0) != (want.Status < 400 && !hasDefinite(want.Findings)) {
		t.Errorf("exit code %d for %d %v", res.ExitCode(), want.Status, wantIDs)
	}
}

func hasDefinite(fs []expectedFinding) bool {
	for _, f := range fs {
		if f.Certainty == diagnose.Definite {
			return true
		}
	}
	return false
}
