package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/bundle"
	"github.com/edgegate/edgegate/internal/diagnose/doctor"
)

// doctorCmd diagnoses a bundle of exported configuration offline
// (docs/doctor.md): one request (--url) or every reachable part of the
// distribution (--all). `doctor collect` writes bundles (docs/collect.md).
// Exit codes: 0 the request(s) succeed, 1 a request fails (findings
// printed), 2 bad input.
func doctorCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "collect" {
		return runCollect(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("bundle", "", "the bundle directory (docs/bundle.md; written by edgegate doctor collect)")
	viewerURL := fs.String("url", "", "the viewer URL to diagnose: https://DOMAIN/PATH or /PATH")
	method := fs.String("method", "GET", "the request's method")
	all := fs.Bool("all", false, "diagnose every reachable part of the distribution (root, behaviors, error pages) instead of one URL")
	asJSON := fs.Bool("json", false, "print JSON (docs/doctor.md)")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	var headers headerFlags
	fs.Var(&headers, "header", "a header of the request, NAME:VALUE (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: edgegate doctor --bundle DIR --url URL [--method M] [--header K:V]... [--json]")
		fmt.Fprintln(stderr, "       edgegate doctor --bundle DIR --all [--json]")
		fmt.Fprintln(stderr, "       edgegate doctor collect --distribution-id ID --out DIR [--key PATH]... [--endpoint URL]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "edgegate doctor: "+format+"\n", a...)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return bad("unexpected argument %q", fs.Arg(0))
	case *dir == "":
		fs.Usage()
		return 2
	case *all == (*viewerURL != ""):
		return bad("give exactly one of --url and --all")
	}
	hs, err := parseHeaders(headers)
	if err != nil {
		return bad("%v", err)
	}
	b, err := bundle.Read(*dir)
	if err != nil {
		return bad("%v", err)
	}
	for _, p := range b.Problems {
		fmt.Fprintln(stderr, "edgegate doctor: bundle: "+p.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if *all {
		rep, err := doctor.DiagnoseAll(ctx, b)
		if err != nil {
			return doctorErr(stderr, err)
		}
		if *asJSON {
			writeJSON(stdout, rep)
		} else {
			fmt.Fprint(stdout, humanAll(rep))
		}
		if rep.Failing > 0 {
			return 1
		}
		return 0
	}
	res, err := doctor.Diagnose(ctx, b, doctor.Request{Method: *method, URL: *viewerURL, Header: http.Header(hs)})
	if err != nil {
		return doctorErr(stderr, err)
	}
	if *asJSON {
		writeJSON(stdout, res)
	} else {
		fmt.Fprint(stdout, humanResult(res))
	}
	return res.ExitCode()
}

func doctorErr(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, "edgegate doctor: "+err.Error())
	if errors.Is(err, doctor.ErrBadInput) {
		return 2
	}
	return 2
}

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func humanResult(r *doctor.Result) string {
	var b strings.Builder
	b.WriteString("Simulated " + r.Method + " " + r.URL + " in the bundle's configuration\n")
	if len(r.Gaps) > 0 {
		b.WriteString("The bundle lacks what this request depends on (findings are POSSIBLE):\n")
		for _, g := range r.Gaps {
			b.WriteString("  - " + g + "\n")
		}
	}
	b.WriteString(r.Human())
	return b.String()
}

func humanAll(a *doctor.AllReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Distribution %s: %d paths checked, %d failing\n", a.Distribution, len(a.Checks), a.Failing)
	for _, c := range a.Checks {
		mark := "ok  "
		if c.Failed() {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "  %s %-40s %s → %d %s\n", mark, c.What, c.URL, c.Status, c.ErrorCode)
		for _, f := range c.Findings {
			fmt.Fprintf(&b, "         %s [%s] %s\n", f.ID, f.Certainty, f.Summary)
			if f.Fix != nil {
				v := "advice"
				if f.Fix.Verified {
					v = "verified"
				}
				fmt.Fprintf(&b, "         fix (%s): %s\n", v, f.Fix.Summary)
			}
		}
	}
	return b.String()
}
