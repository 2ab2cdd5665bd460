package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/collect"
	"github.com/edgegate/edgegate/internal/diagnose"
	"github.com/edgegate/edgegate/internal/diagnose/doctor"
)

// liveExplanation is explain's --json output: the server's explanation
// and, unless --no-verify, how its fixes were proven (docs/explain.md).
type liveExplanation struct {
	*diagnose.Explanation
	Verification *doctor.LiveVerification `json:"verification,omitempty"`
}

// liveProof is what proveLive needs besides the explanation.
type liveProof struct {
	endpoint, region string
	// header is the simulated request's headers (explain --url; a
	// recorded request's headers are not kept).
	header http.Header
	// country is explain --url --country: the doctor simulates viewers
	// without one.
	country string
	timeout time.Duration
}

// needsProof reports whether x has a fix to prove: one with a Change
// (fixes without one are marked doctor.UnverifiedNoChange here, as the
// doctor marks them).
func needsProof(x *diagnose.Explanation) bool {
	need := false
	for i := range x.Findings {
		f := x.Findings[i].Fix
		switch {
		case f == nil:
		case f.Change == nil:
			f.Verified, f.Probes, f.Unverified = false, nil, doctor.UnverifiedNoChange
		default:
			need = true
		}
	}
	return need
}

// proveLive proves the fixes of the live explanation x with the doctor:
// it collects a bundle of x's distribution and viewer path from the same
// endpoint with the caller's AWS credentials (AWS_ACCESS_KEY_ID, ...: the
// ones that signed the explain request; internal/collect, into a
// temporary directory removed afterwards), diagnoses the same viewer
// request in it (doctor.Diagnose, fixes verified with probes) and copies
// the verdicts onto x (doctor.ProveLive). It returns nil when x has no
// fix with a change to prove; otherwise the verification, whose Skipped
// says why nothing could be proven (each fix then says so).
func proveLive(x *diagnose.Explanation, p liveProof) *doctor.LiveVerification {
	if !needsProof(x) {
		return nil
	}
	start := time.Now()
	v := proveLiveIn(x, p)
	v.Millis = time.Since(start).Milliseconds()
	return v
}

func proveLiveIn(x *diagnose.Explanation, p liveProof) *doctor.LiveVerification {
	skip := func(why string) *doctor.LiveVerification {
		doctor.MarkLive(x, why)
		return &doctor.LiveVerification{Skipped: why}
	}
	switch {
	case x.Viewer == nil:
		return skip("the request was made straight to S3, not through a distribution: the doctor proves a fix by " +
			"simulating a viewer request through the distribution, and a bundle holds no caller identity (IAM " +
			"policies, session) to replay another caller's S3 request with")
	case x.Viewer.Distribution == "":
		return skip("the viewer's Host names no distribution: there is no configuration to collect")
	case p.country != "":
		return skip("the doctor simulates viewers without a country (--country)")
	}
	u, err := url.Parse(x.Viewer.URL)
	if err != nil || u.Host == "" {
		return skip(fmt.Sprintf("the viewer URL %q cannot be simulated again", x.Viewer.URL))
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	// The credentials that signed the explain request, and no others.
	ak, sk := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if ak == "" || sk == "" {
		return skip("no AWS credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY) to collect the configuration with: the operator token signs no AWS API call")
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(p.region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(ak, sk, os.Getenv("AWS_SESSION_TOKEN"))))
	if err != nil {
		return skip("AWS configuration: " + err.Error())
	}
	dir, err := os.MkdirTemp("", "edgegate-explain-")
	if err != nil {
		return skip("no temporary directory for the snapshot: " + err.Error())
	}
	defer os.RemoveAll(dir)
	out := dir + "/bundle"
	path := u.Path
	if path == "" {
		path = "/"
	}
	if m, err := collect.Collect(ctx, collect.Options{DistributionID: x.Viewer.Distribution, Paths: []string{path},
		Out: out, Config: cfg, Endpoint: p.endpoint}); m == nil || err != nil {
		return skip(fmt.Sprintf("collecting the configuration failed: %v", err))
	}
	b, err := bundle.Read(out)
	if err != nil {
		return skip("the collected snapshot cannot be read: " + err.Error())
	}
	// The world serves the distribution's own names, without the port
	// the viewer dialled.
	u.Host = u.Hostname()
	res, err := doctor.Diagnose(ctx, b, doctor.Request{Method: x.Viewer.Method, URL: u.String(), Header: p.header})
	if err != nil {
		return skip("the doctor could not diagnose the snapshot: " + err.Error())
	}
	v := doctor.ProveLive(x, res)
	v.Distribution = x.Viewer.Distribution
	return v
}

// humanVerification renders v, the verification of x's fixes, under the
// explanation: what was collected and simulated, and each fix's probes.
func humanVerification(x *diagnose.Explanation, v *doctor.LiveVerification) string {
	if v == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nFix verification")
	if v.Skipped != "" {
		b.WriteString(": not done: " + v.Skipped + "\n")
		return b.String()
	}
	fmt.Fprintf(&b, " (%d ms): collected distribution %s and simulated %s %s in it with the doctor: %s\n",
		v.Millis, v.Distribution, v.Method, v.URL, outcomeOf(v.Status, v.ErrorCode))
	if !v.Matches {
		b.WriteString("  the snapshot's diagnosis differs from the live one, nothing is claimed: " + v.Differs + "\n")
	} else {
		b.WriteString("  the snapshot's diagnosis is the live one; each fix above carries the doctor's verdict\n")
	}
	for _, g := range v.Gaps {
		b.WriteString("  the snapshot lacked: " + g + "\n")
	}
	for _, f := range x.Findings {
		if f.Fix == nil || len(f.Fix.Probes) == 0 {
			continue
		}
		b.WriteString("  probes of the fix of " + f.ID + ":\n")
		for _, p := range f.Fix.Probes {
			switch {
			case p.Note != "":
				b.WriteString("    " + p.Name + ": " + p.Note + "\n")
			case p.OK:
				fmt.Fprintf(&b, "    %s: %d before, %d after: no access gained\n", p.Name, p.Before, p.After)
			default:
				fmt.Fprintf(&b, "    %s: %d before, %d after: ACCESS GAINED\n", p.Name, p.Before, p.After)
			}
		}
	}
	return b.String()
}

func outcomeOf(status int, code string) string {
	if code == "" {
		return fmt.Sprint(status)
	}
	return fmt.Sprintf("%d %s", status, code)
}
