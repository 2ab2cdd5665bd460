package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// A results file has one line per wrk run, of space-separated key=value
// fields. compare.sh writes round, scenario, server, conns, threads,
// cpu_ticks and clk_tck; bench/wrk/replay.lua's done() writes the rest
// (requests, duration_us, bytes, p50_us, p99_us, mean_us, max_us,
// err_connect, err_read, err_write, err_timeout, err_status, non2xx).
// A run that produced no wrk summary has failed=REASON.

// wrkRun is one wrk run of one scenario against one server.
type wrkRun struct {
	fields   map[string]string
	round    int
	scenario string
	server   string
}

func (r wrkRun) num(k string) float64 {
	v, err := strconv.ParseFloat(r.fields[k], 64)
	if err != nil {
		return 0
	}
	return v
}

func (r wrkRun) rps() float64 {
	d := r.num("duration_us")
	if d <= 0 {
		return 0
	}
	return r.num("requests") / (d / 1e6)
}

// cpuPerReq is the server's CPU time per request, in microseconds, or -1
// when it was not measured.
func (r wrkRun) cpuPerReq() float64 {
	tck, ticks := r.num("clk_tck"), r.fields["cpu_ticks"]
	if tck <= 0 || ticks == "" || r.num("requests") <= 0 {
		return -1
	}
	return r.num("cpu_ticks") / tck * 1e6 / r.num("requests")
}

// cores is the server's average CPU use during the run, in cores, or -1.
func (r wrkRun) cores() float64 {
	tck, ticks := r.num("clk_tck"), r.fields["cpu_ticks"]
	if tck <= 0 || ticks == "" || r.num("duration_us") <= 0 {
		return -1
	}
	return r.num("cpu_ticks") / tck / (r.num("duration_us") / 1e6)
}

// wrkCores is wrk's average CPU use during the run, in cores, or -1.
func (r wrkRun) wrkCores() float64 {
	tck, wall := r.num("clk_tck"), r.num("wall_us")
	if tck <= 0 || wall <= 0 || r.fields["wrk_ticks"] == "" {
		return -1
	}
	return r.num("wrk_ticks") / tck / (wall / 1e6)
}

// otherCores is the CPU use, in cores, of everything on the machine but the
// server under load and wrk during the run (other servers, other tenants
// of the machine), or -1.
func (r wrkRun) otherCores() float64 {
	tck, wall := r.num("clk_tck"), r.num("wall_us")
	if tck <= 0 || wall <= 0 || r.fields["busy_ticks"] == "" {
		return -1
	}
	v := (r.num("busy_ticks") - r.num("cpu_ticks") - r.num("wrk_ticks")) / tck / (wall / 1e6)
	return max(v, 0)
}

// noisyCores is the other load above which a run is reported as noisy.
const noisyCores = 0.25

// problems says why a run cannot be counted, or returns nil.
func (r wrkRun) problems() []string {
	var p []string
	if f := r.fields["failed"]; f != "" {
		return []string{"failed: " + f}
	}
	if _, ok := r.fields["requests"]; !ok {
		return []string{"no wrk summary"}
	}
	if r.num("requests") <= 0 {
		p = append(p, "no request completed")
	}
	for _, k := range []string{"err_connect", "err_read", "err_write", "err_timeout"} {
		if n := r.num(k); n > 0 {
			p = append(p, fmt.Sprintf("%s=%.0f", strings.TrimPrefix(k, "err_")+" errors", n))
		}
	}
	if n := r.num("err_status"); n > 0 {
		p = append(p, fmt.Sprintf("%.0f responses with status >= 400", n))
	}
	if n := r.num("non2xx"); n > 0 {
		p = append(p, fmt.Sprintf("%.0f non-2xx responses", n))
	}
	if s, err := findScenario(r.scenario); err == nil && s.Method == "GET" && r.num("requests") > 0 {
		if per := r.num("bytes") / r.num("requests"); per < float64(s.Size) {
			p = append(p, fmt.Sprintf("%.0f bytes read per response, less than the %d-byte object", per, s.Size))
		}
	}
	return p
}

func parseResults(rd io.Reader) ([]wrkRun, error) {
	var runs []wrkRun
	sc := bufio.NewScanner(rd)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		r := wrkRun{fields: map[string]string{}}
		for _, f := range strings.Fields(text) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				return nil, fmt.Errorf("line %d: field %q is not key=value", line, f)
			}
			r.fields[k] = v
		}
		r.scenario, r.server = r.fields["scenario"], r.fields["server"]
		r.round, _ = strconv.Atoi(r.fields["round"])
		if r.scenario == "" || r.server == "" {
			return nil, fmt.Errorf("line %d: scenario or server missing", line)
		}
		runs = append(runs, r)
	}
	return runs, sc.Err()
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// cell is the summary of one server on one scenario.
type cell struct {
	scenario, server string
	runs, clean      int
	rps, min, max    float64
	p50, p99         float64 // microseconds
	cpuPerReq, cores float64 // -1 when unknown
	wrkCores, other  float64 // -1 when unknown
	conns, duration  string
	flaggedOnly      bool // no clean run: numbers are from flagged runs
}

// target is a goal of the S3 origin issue: edgegate's median req/s over a
// peer's in the same run.
type target struct {
	scenario, peer string
	min            float64
}

var targets = []target{
	{"get10k", "versitygw", 1.5},
	{"put10k", "versitygw", 1.0},
}

func summarize(runs []wrkRun) (cells []cell, order []string, servers []string) {
	byKey := map[[2]string][]wrkRun{}
	for _, r := range runs {
		k := [2]string{r.scenario, r.server}
		if _, ok := byKey[k]; !ok {
			if !slices.Contains(order, r.scenario) {
				order = append(order, r.scenario)
			}
			if !slices.Contains(servers, r.server) {
				servers = append(servers, r.server)
			}
		}
		byKey[k] = append(byKey[k], r)
	}
	// Scenarios in the harness's order, edgegate first among servers.
	slices.SortStableFunc(order, func(a, b string) int { return scenarioIndex(a) - scenarioIndex(b) })
	slices.SortStableFunc(servers, func(a, b string) int {
		return boolInt(b == "edgegate") - boolInt(a == "edgegate")
	})
	for _, sc := range order {
		for _, sv := range servers {
			rs := byKey[[2]string{sc, sv}]
			if len(rs) == 0 {
				continue
			}
			c := cell{scenario: sc, server: sv, runs: len(rs), cpuPerReq: -1, cores: -1, wrkCores: -1, other: -1,
				conns: rs[0].fields["conns"], duration: rs[0].fields["duration"]}
			var use []wrkRun
			for _, r := range rs {
				if len(r.problems()) == 0 {
					use = append(use, r)
				}
			}
			c.clean = len(use)
			if len(use) == 0 {
				c.flaggedOnly = true
				for _, r := range rs {
					if r.fields["failed"] == "" && r.num("requests") > 0 {
						use = append(use, r)
					}
				}
			}
			var rps, p50, p99, cpr, cores, wrkc, other []float64
			for _, r := range use {
				rps = append(rps, r.rps())
				p50 = append(p50, r.num("p50_us"))
				p99 = append(p99, r.num("p99_us"))
				if v := r.cpuPerReq(); v >= 0 {
					cpr = append(cpr, v)
				}
				if v := r.cores(); v >= 0 {
					cores = append(cores, v)
				}
				if v := r.wrkCores(); v >= 0 {
					wrkc = append(wrkc, v)
				}
				if v := r.otherCores(); v >= 0 {
					other = append(other, v)
				}
			}
			c.rps, c.p50, c.p99 = median(rps), median(p50), median(p99)
			if len(rps) > 0 {
				c.min, c.max = slices.Min(rps), slices.Max(rps)
			} else {
				c.min, c.max = math.NaN(), math.NaN()
			}
			if len(cpr) > 0 {
				c.cpuPerReq, c.cores = median(cpr), median(cores)
			}
			if len(wrkc) > 0 {
				c.wrkCores = median(wrkc)
			}
			if len(other) > 0 {
				c.other = median(other)
			}
			cells = append(cells, c)
		}
	}
	return cells, order, servers
}

func scenarioIndex(name string) int {
	for i, s := range scenarios {
		if s.Name == name {
			return i
		}
	}
	return len(scenarios)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func fmtDur(us float64) string {
	switch {
	case math.IsNaN(us):
		return "-"
	case us < 1000:
		return fmt.Sprintf("%.0fµs", us)
	case us < 1e6:
		return fmt.Sprintf("%.2fms", us/1000)
	default:
		return fmt.Sprintf("%.2fs", us/1e6)
	}
}

func fmtCores(v float64) string {
	if v < 0 || math.IsNaN(v) {
		return "-"
	}
	return fmt.Sprintf("%.2f", v)
}

func fmtRate(v float64) string {
	if math.IsNaN(v) {
		return "-"
	}
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func fmtRatio(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	if v >= 10 {
		return fmt.Sprintf("%.0fx", v)
	}
	return fmt.Sprintf("%.2fx", v)
}

// ratio is edgegate's median req/s over the peer's on one scenario, NaN
// when either is missing or was only measured with errors.
func ratio(cells []cell, scenario, peer string) float64 {
	var e, p *cell
	for i := range cells {
		if cells[i].scenario != scenario {
			continue
		}
		switch cells[i].server {
		case "edgegate":
			e = &cells[i]
		case peer:
			p = &cells[i]
		}
	}
	if e == nil || p == nil || e.flaggedOnly || p.flaggedOnly || p.rps == 0 {
		return math.NaN()
	}
	return e.rps / p.rps
}

// writeReport prints the table and returns whether any run was flagged or
// a target was missed. sys holds the syscall profile runs, if any.
func writeReport(w io.Writer, runs, sys []wrkRun) (failed bool) {
	cells, _, servers := summarize(runs)
	peers := slices.DeleteFunc(slices.Clone(servers), func(s string) bool { return s == "edgegate" })
	hasEdge := slices.Contains(servers, "edgegate")

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "scenario\tserver\tload\treq/s\tmin\tmax\tp50\tp99\tsrv cpu/req\tsrv cores\twrk cores\tother\tclean\t"
	if hasEdge {
		for _, p := range peers {
			head += "edgegate/" + p + "\t"
		}
	}
	fmt.Fprintln(tw, head)
	for _, c := range cells {
		mark := ""
		if c.flaggedOnly {
			mark = " !"
		}
		cpr := "-"
		if c.cpuPerReq >= 0 {
			cpr = fmtDur(c.cpuPerReq)
		}
		fmt.Fprintf(tw, "%s\t%s\t%sc/%s\t%s%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\t",
			c.scenario, c.server, c.conns, c.duration, fmtRate(c.rps), mark, fmtRate(c.min), fmtRate(c.max),
			fmtDur(c.p50), fmtDur(c.p99), cpr, fmtCores(c.cores), fmtCores(c.wrkCores), fmtCores(c.other), c.clean, c.runs)
		if hasEdge {
			for _, p := range peers {
				if c.server == "edgegate" {
					fmt.Fprintf(tw, "%s\t", fmtRatio(ratio(cells, c.scenario, p)))
				} else {
					fmt.Fprint(tw, "\t")
				}
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nMedians over the clean runs. load: wrk connections/duration. srv cpu/req: server CPU time (user+system)")
	fmt.Fprintln(w, "per request. srv cores, wrk cores: their CPU use during the run. other: CPU use of everything else on")
	fmt.Fprintln(w, "the machine (idle servers, other tenants); high values mean a noisy run. ! marks a value from runs")
	fmt.Fprintln(w, "with errors only, used in no ratio.")

	if hasEdge {
		fmt.Fprintln(w, "\nTargets (S3 origin issue; edgegate median req/s over the peer's, same run):")
		for _, t := range targets {
			r := ratio(cells, t.scenario, t.peer)
			verdict := "PASS"
			switch {
			case math.IsNaN(r):
				verdict = "not measured"
			case r < t.min:
				verdict = "MISSED"
				failed = true
			}
			fmt.Fprintf(w, "  %-7s edgegate/%s >= %.1fx: %s %s\n", t.scenario, t.peer, t.min, fmtRatio(r), verdict)
		}
		verdict := "not measured (no syscall profile of edgegate get1m)"
		for _, r := range sys {
			if r.server == "edgegate" && r.scenario == "get1m" {
				verdict = bodyPath(r)
				if !strings.HasPrefix(verdict, "kernel") {
					failed = true
				}
			}
		}
		fmt.Fprintf(w, "  get1m   body served without a copy through user space: %s\n", verdict)
	}
	if len(sys) > 0 {
		writeSyscalls(w, sys)
	}

	var noisy []string
	for _, r := range runs {
		if o := r.otherCores(); o > noisyCores && len(r.problems()) == 0 {
			noisy = append(noisy, fmt.Sprintf("  round %d %s %s: %.2f cores", r.round, r.scenario, r.server, o))
		}
	}
	if len(noisy) > 0 {
		fmt.Fprintf(w, "\nNoisy runs (something else used more than %.2f cores; counted, but the machine was not quiet):\n%s\n",
			noisyCores, strings.Join(noisy, "\n"))
	}

	var flagged []string
	for _, r := range runs {
		if p := r.problems(); len(p) > 0 {
			flagged = append(flagged, fmt.Sprintf("  round %d %s %s: %s", r.round, r.scenario, r.server, strings.Join(p, "; ")))
		}
	}
	if len(flagged) > 0 {
		failed = true
		fmt.Fprintf(w, "\nFlagged runs (%d, left out of the medians):\n%s\n", len(flagged), strings.Join(flagged, "\n"))
	} else {
		fmt.Fprintln(w, "\nNo run had errors: every response was counted as 2xx with a full body.")
	}
	return failed
}

func cmdReport(args []string, stdout, stderr io.Writer) (bool, error) {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("results", "", "results file written by compare.sh (required)")
	sysPath := fs.String("syscalls", "", "syscall profile file written by compare.sh (optional)")
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	if *path == "" {
		return false, fmt.Errorf("-results is required")
	}
	f, err := os.Open(*path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	runs, err := parseResults(f)
	if err != nil {
		return false, fmt.Errorf("%s: %w", *path, err)
	}
	if len(runs) == 0 {
		return false, fmt.Errorf("%s: no runs", *path)
	}
	var sys []wrkRun
	if *sysPath != "" {
		sf, err := os.Open(*sysPath)
		if err != nil {
			return false, err
		}
		defer sf.Close()
		if sys, err = parseResults(sf); err != nil {
			return false, fmt.Errorf("%s: %w", *sysPath, err)
		}
	}
	return writeReport(stdout, runs, sys), nil
}

// bodyPath says how a GET run's response bodies left the server.
func bodyPath(r wrkRun) string {
	s, err := findScenario(r.scenario)
	n := r.num("requests")
	if err != nil || n <= 0 {
		return "unknown (no request completed)"
	}
	size := float64(s.Size)
	switch {
	case r.num("sys_kernel_bytes")/n >= 0.9*size && r.num("sys_write_bytes")/n < 0.5*size:
		return "kernel (sendfile/splice)"
	case r.num("sys_write_bytes")/n >= 0.9*size:
		return "user space (write)"
	default:
		return "unknown"
	}
}

// writeSyscalls prints the syscall profile: per request, the calls and
// bytes of each class.
func writeSyscalls(w io.Writer, sys []wrkRun) {
	fmt.Fprintln(w, "\nSyscall profile (separate short run under strace -f, not timed; per request):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tserver\trequests\tread calls\tread KiB\twrite calls\twrite KiB\tsendfile/splice KiB\tfsync calls\tbody\t")
	sorted := slices.Clone(sys)
	slices.SortStableFunc(sorted, func(a, b wrkRun) int {
		if d := scenarioIndex(a.scenario) - scenarioIndex(b.scenario); d != 0 {
			return d
		}
		return boolInt(b.server == "edgegate") - boolInt(a.server == "edgegate")
	})
	for _, r := range sorted {
		n := r.num("requests")
		if r.fields["failed"] != "" || n <= 0 {
			fmt.Fprintf(tw, "%s\t%s\t-\t\t\t\t\t\t\t%s\t\n", r.scenario, r.server, "no result: "+r.fields["failed"])
			continue
		}
		per := func(k string) float64 { return r.num(k) / n }
		kib := func(k string) float64 { return r.num(k) / n / 1024 }
		note := ""
		if s, err := findScenario(r.scenario); err == nil {
			if s.Method == "GET" {
				note = bodyPath(r)
			} else if per("sys_fsync_calls") >= 1 {
				note = "fsync before reply"
			} else {
				note = "no fsync"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.2f\t%s\t\n", r.scenario, r.server, n,
			per("sys_read_calls"), kib("sys_read_bytes"), per("sys_write_calls"), kib("sys_write_bytes"),
			kib("sys_kernel_bytes"), per("sys_fsync_calls"), note)
	}
	tw.Flush()
}
