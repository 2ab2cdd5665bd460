package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// The results file of bench/edge/compare.sh has one line per measurement,
// of space-separated key=value fields, with phase= first:
//
//	phase=hit round=R size=1k server=S conns=C duration=D requests=... (result.lua's fields) | failed=REASON
//	phase=probe size=1k server=S cache=hit|miss|none
//	phase=coalesce server=S requests=N ok=N hits=N origin_fetches=N counted_by=...
//	phase=mem server=S objects=N bytes=B counted_by=...
//
// The cold-miss samples file has one line per request:
// "TARGET ROUND LATENCY_US OK HIT".

var (
	servers = []string{"edgegate", "nginx", "varnish"}
	sizes   = map[string]float64{"1k": 1024, "10k": 10240, "1m": 1 << 20}
	sizeOrd = []string{"1k", "10k", "1m"}
)

type rec map[string]string

func (r rec) num(k string) float64 {
	v, err := strconv.ParseFloat(r[k], 64)
	if err != nil {
		return 0
	}
	return v
}

// perWall is ticks of field k per second of the run's wall time, in cores,
// or -1 when not measured.
func (r rec) perWall(ticks float64) float64 {
	tck, wall := r.num("clk_tck"), r.num("wall_us")
	if tck <= 0 || wall <= 0 || r["srv_ticks"] == "" {
		return -1
	}
	return ticks / tck / (wall / 1e6)
}

func (r rec) srvCores() float64 { return r.perWall(r.num("srv_ticks")) }

// otherCores is the CPU use of everything but the server under load and wrk
// during the run: the idle servers, kernel threads, other tenants.
func (r rec) otherCores() float64 {
	return max(0, r.perWall(r.num("busy_ticks")-r.num("srv_ticks")-r.num("wrk_ticks")))
}

// cpuPerReq is the server's CPU per request in microseconds, or -1.
func (r rec) cpuPerReq() float64 {
	tck := r.num("clk_tck")
	if tck <= 0 || r["srv_ticks"] == "" || r.num("requests") <= 0 {
		return -1
	}
	return r.num("srv_ticks") / tck * 1e6 / r.num("requests")
}

func (r rec) rps() float64 {
	if d := r.num("duration_us"); d > 0 {
		return r.num("requests") / (d / 1e6)
	}
	return 0
}

// flagged says why a hit run is not counted, or "".
func (r rec) flagged() string {
	if f := r["failed"]; f != "" {
		return f
	}
	var errs []string
	for _, k := range []string{"err_connect", "err_read", "err_write", "err_timeout", "err_status"} {
		if r.num(k) > 0 {
			errs = append(errs, fmt.Sprintf("%s=%s", k, r[k]))
		}
	}
	if len(errs) > 0 {
		return strings.Join(errs, ",")
	}
	if r.num("requests") <= 0 {
		return "no requests"
	}
	if sz := sizes[r["size"]]; r.num("bytes")/r.num("requests") < sz {
		return fmt.Sprintf("short bodies (%.0f bytes per response)", r.num("bytes")/r.num("requests"))
	}
	return ""
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func readRecs(path string) ([]rec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []rec
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := rec{}
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			r[k] = v
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

type sample struct {
	target  string
	lat     float64
	ok, hit bool
}

func readCold(path string) ([]sample, error) {
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) != 5 {
			continue
		}
		lat, err := strconv.ParseFloat(fs[2], 64)
		if err != nil {
			continue
		}
		out = append(out, sample{fs[0], lat, fs[3] == "1", fs[4] == "1"})
	}
	return out, sc.Err()
}

type target struct {
	name string
	ok   bool // PASS
	have bool // measured
	msg  string
}

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

func cmdReport(args []string, stdout, stderr io.Writer) (bool, error) {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	results := fs.String("results", "", "results file (required)")
	cold := fs.String("cold", "", "cold-miss samples file")
	if err := fs.Parse(args); err != nil {
		return false, err
	}
	recs, err := readRecs(*results)
	if err != nil {
		return false, err
	}
	var samples []sample
	if *cold != "" {
		if samples, err = readCold(*cold); err != nil {
			return false, err
		}
	}
	var targets []target
	missed := false
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)

	// ---- hits
	type agg struct {
		rps, p50, p99, cpu, cores, other []float64
		runs                             int
		cached                           string
	}
	var noisy []string
	hit := map[string]*agg{} // size/server
	var flaggedRuns []string
	var conns, dur string
	for _, r := range recs {
		switch r["phase"] {
		case "hit":
			k := r["size"] + "/" + r["server"]
			a := hit[k]
			if a == nil {
				a = &agg{}
				hit[k] = a
			}
			a.runs++
			conns, dur = r["conns"], r["duration"]
			if why := r.flagged(); why != "" {
				flaggedRuns = append(flaggedRuns, fmt.Sprintf("round %s %s %s: %s", r["round"], r["size"], r["server"], why))
				continue
			}
			a.rps = append(a.rps, r.rps())
			a.p50 = append(a.p50, r.num("p50_us"))
			a.p99 = append(a.p99, r.num("p99_us"))
			if c := r.cpuPerReq(); c >= 0 {
				a.cpu = append(a.cpu, c)
				a.cores = append(a.cores, r.srvCores())
				a.other = append(a.other, r.otherCores())
				if o := r.otherCores(); o > 0.25 {
					noisy = append(noisy, fmt.Sprintf("round %s %s %s: other %.2f cores", r["round"], r["size"], r["server"], o))
				}
			}
		}
	}
	for _, r := range recs {
		if r["phase"] == "probe" {
			if a := hit[r["size"]+"/"+r["server"]]; a != nil {
				a.cached = r["cache"]
			}
		}
	}
	if len(hit) > 0 {
		fmt.Fprintf(stdout, "Hits: wrk -c%s -d%s --latency, medians of the clean runs\n\n", conns, dur)
		fmt.Fprintln(w, "size\tserver\treq/s\tmin\tmax\tp50 ms\tp99 ms\tsrv us/req\tsrv cores\tother\tserved from cache\tclean")
		for _, sz := range sizeOrd {
			for _, s := range servers {
				a := hit[sz+"/"+s]
				if a == nil {
					continue
				}
				if len(a.rps) == 0 {
					fmt.Fprintf(w, "%s\t%s\t!\t\t\t\t\t\t\t\t%s\t0/%d\n", sz, s, a.cached, a.runs)
					continue
				}
				cpu, cores, other := "-", "-", "-"
				if len(a.cpu) > 0 {
					cpu = fmt.Sprintf("%.1f", median(a.cpu))
					cores = fmt.Sprintf("%.2f", median(a.cores))
					other = fmt.Sprintf("%.2f", median(a.other))
				}
				fmt.Fprintf(w, "%s\t%s\t%.0f\t%.0f\t%.0f\t%.2f\t%.2f\t%s\t%s\t%s\t%s\t%d/%d\n", sz, s, median(a.rps),
					slices.Min(a.rps), slices.Max(a.rps), median(a.p50)/1000, median(a.p99)/1000, cpu, cores, other,
					a.cached, len(a.rps), a.runs)
			}
		}
		w.Flush()
		fmt.Fprintln(stdout)
		fmt.Fprintln(w, "size\tedgegate/nginx req/s\tedgegate/varnish req/s\tp99 edgegate/nginx\tp99 edgegate/varnish")
		med := func(sz, s string, f func(*agg) []float64) float64 {
			if a := hit[sz+"/"+s]; a != nil {
				return median(f(a))
			}
			return 0
		}
		rpsOf := func(a *agg) []float64 { return a.rps }
		p99Of := func(a *agg) []float64 { return a.p99 }
		for _, sz := range sizeOrd {
			e, n, v := med(sz, "edgegate", rpsOf), med(sz, "nginx", rpsOf), med(sz, "varnish", rpsOf)
			ep, np, vp := med(sz, "edgegate", p99Of), med(sz, "nginx", p99Of), med(sz, "varnish", p99Of)
			if e == 0 && n == 0 && v == 0 {
				continue
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", sz, ratio(e, n), ratio(e, v), ratio(ep, np), ratio(ep, vp))
			add := func(name string, have bool, ok bool, got string) {
				targets = append(targets, target{name, ok, have, got})
			}
			switch sz {
			case "1k", "10k":
				add(sz+" hits >= 1.0x nginx req/s", e > 0 && n > 0, e >= n, ratio(e, n))
				add(sz+" hits >= 1.5x varnish req/s", e > 0 && v > 0, e >= 1.5*v, ratio(e, v))
				add(sz+" hits p99 <= 1.2x nginx's", ep > 0 && np > 0, ep <= 1.2*np, ratio(ep, np))
			case "1m":
				add(sz+" hits >= 0.8x nginx req/s", e > 0 && n > 0, e >= 0.8*n, ratio(e, n))
			}
		}
		w.Flush()
		fmt.Fprintln(stdout)
	}

	// ---- cold misses
	if len(samples) > 0 {
		by := map[string][]float64{}
		bad, hits := map[string]int{}, map[string]int{}
		for _, s := range samples {
			by[s.target] = append(by[s.target], s.lat)
			if !s.ok {
				bad[s.target]++
			}
			if s.hit {
				hits[s.target]++
			}
		}
		fmt.Fprintln(stdout, "Cold misses: sequential GETs of keys never fetched before, one keep-alive connection;")
		fmt.Fprintln(stdout, "added = the target's p50 minus the origin's own p50 (direct anonymous GETs of other new keys)")
		fmt.Fprintln(stdout)
		fmt.Fprintln(w, "target\trequests\tp50 us\tp90 us\tp99 us\tadded p50 us\tnot 200\tserved as hits")
		for s := range by {
			slices.Sort(by[s])
		}
		o := pct(by["origin"], 50)
		for _, t := range []string{"origin", "edgegate", "nginx", "varnish"} {
			xs := by[t]
			if len(xs) == 0 {
				continue
			}
			added := "-"
			if t != "origin" && o > 0 {
				added = fmt.Sprintf("%.0f", pct(xs, 50)-o)
			}
			fmt.Fprintf(w, "%s\t%d\t%.0f\t%.0f\t%.0f\t%s\t%d\t%d\n", t, len(xs), pct(xs, 50), pct(xs, 90), pct(xs, 99),
				added, bad[t], hits[t])
			if t != "origin" && bad[t]+hits[t] > 0 {
				flaggedRuns = append(flaggedRuns, fmt.Sprintf("cold misses %s: %d not 200 with the whole body, %d served as hits",
					t, bad[t], hits[t]))
			}
		}
		w.Flush()
		fmt.Fprintln(stdout)
		if e := by["edgegate"]; len(e) > 0 && o > 0 {
			a := pct(e, 50) - o
			targets = append(targets, target{"cold miss adds <= 100 us at p50", a <= 100, true, fmt.Sprintf("%.0f us", a)})
		}
	}

	// ---- coalescing
	var co []rec
	for _, r := range recs {
		if r["phase"] == "coalesce" {
			co = append(co, r)
		}
	}
	if len(co) > 0 {
		fmt.Fprintln(stdout, "Coalescing: concurrent GETs of one key no cache holds yet, on connections opened beforehand")
		fmt.Fprintln(stdout)
		fmt.Fprintln(w, "server\trequests\tok\tserved as hits\torigin fetches\tcounted by")
		for _, r := range co {
			by := strings.ReplaceAll(r["counted_by"], "_", " ")
			if m := r["origin_fetches_metric"]; m != "" {
				by += "; edgegate_origin_request_duration_seconds_count grew by " + m
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r["server"], r["requests"], r["ok"], r["hits"], r["origin_fetches"], by)
			if r["server"] == "edgegate" {
				f := r["origin_fetches"]
				targets = append(targets, target{r["requests"] + " concurrent misses of one key: one origin fetch",
					f == "1" && r["ok"] == r["requests"], f != "", f + " fetches"})
			}
		}
		w.Flush()
		fmt.Fprintln(stdout)
	}

	// ---- memory
	var mem []rec
	for _, r := range recs {
		if r["phase"] == "mem" {
			mem = append(mem, r)
		}
	}
	if len(mem) > 0 {
		fmt.Fprintln(stdout, "Memory per cached 1 KiB object (what each counts differs: see counted by)")
		fmt.Fprintln(stdout)
		fmt.Fprintln(w, "server\tobjects\tbytes per object\tcached\tcounted by")
		for _, r := range mem {
			per := r.num("bytes") / max(1, r.num("objects"))
			cached := r["cached"] == "hit"
			note := "yes"
			if !cached {
				note = "NO (" + r["cached"] + "): the number is noise"
			}
			by := strings.ReplaceAll(r["counted_by"], "_", " ")
			if m := r["cache_bytes_metric"]; m != "" {
				by += fmt.Sprintf("; the cache's own count (edgegate_edge_cache_bytes, memory tier): %.0f per object",
					r.num("cache_bytes_metric")/max(1, r.num("objects")))
			}
			if f := r["first_n_bytes"]; f != "" {
				by += fmt.Sprintf("; the first %s after start-up (rings of recent requests still filling): %.0f per object",
					r["objects"], r.num("first_n_bytes")/max(1, r.num("objects")))
			}
			fmt.Fprintf(w, "%s\t%s\t%.0f\t%s\t%s\n", r["server"], r["objects"], per, note, by)
			if r["server"] == "edgegate" {
				msg := fmt.Sprintf("%.0f bytes", per)
				if !cached {
					msg = "edgegate cached nothing"
				}
				targets = append(targets, target{"memory per cached 1 KiB object <= 1.6 KB", per <= 1600, cached, msg})
			}
		}
		w.Flush()
		fmt.Fprintln(stdout)
	}

	// ---- targets
	fmt.Fprintln(stdout, "Targets (edgegate, same run)")
	fmt.Fprintln(stdout)
	for _, t := range targets {
		verdict := "not measured"
		if t.have {
			verdict = "MISSED"
			if t.ok {
				verdict = "PASS"
			} else {
				missed = true
			}
		}
		fmt.Fprintf(w, "  %s\t%s\t%s\n", t.name, t.msg, verdict)
	}
	w.Flush()
	if len(noisy) > 0 {
		fmt.Fprintln(stdout)
		fmt.Fprintf(stdout, "Noisy runs (other processes used more than 0.25 cores; counted): %d\n", len(noisy))
		for _, n := range noisy {
			fmt.Fprintln(stdout, "  "+n)
		}
	}
	if len(flaggedRuns) > 0 {
		missed = true
		fmt.Fprintln(stdout)
		fmt.Fprintln(stdout, "Flagged (left out of the medians):")
		for _, f := range flaggedRuns {
			fmt.Fprintln(stdout, "  "+f)
		}
	}
	return missed, nil
}
