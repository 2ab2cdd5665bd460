package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runMainEnv makes the test binary act as edgegate itself (TestMain), so
// that tests can run `edgegate serve` as a process and the commands it
// prints.
const runMainEnv = "EDGEGATE_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// demoRun is one `edgegate serve --demo` process and the banner it
// printed.
type demoRun struct {
	cmd     *exec.Cmd
	lines   []string
	curls   map[string]int // URL -> status the banner says
	explain string         // the explain command by X-Amz-Cf-Id
	// explainURL is the explain --url command.
	explainURL string
	found      bool // "found in the data directory"
}

func startDemoProcess(t *testing.T, addr, data string) *demoRun {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--demo", "--listen", addr, "--data", data, "--log-requests=false")
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &demoRun{cmd: cmd, curls: map[string]int{}}
	t.Cleanup(func() { d.stop(t) })
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			d.lines = append(d.lines, line)
			f := strings.Fields(line)
			switch {
			case len(f) == 4 && f[1] == "curl":
				code := 0
				for _, c := range f[0] {
					code = code*10 + int(c-'0')
				}
				d.curls[f[3]] = code
			case strings.Contains(line, " explain --endpoint ") && strings.Contains(line, " --url "):
				d.explainURL = strings.TrimSpace(line)
				return
			case strings.Contains(line, " explain --endpoint "):
				d.explain = strings.TrimSpace(line)
			case strings.Contains(line, "found in the data directory"):
				d.found = true
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("no demo banner in 60s; got %q", d.lines)
	}
	if d.explain == "" || d.explainURL == "" {
		t.Fatalf("the banner lacks an explain command: %q", d.lines)
	}
	go io.Copy(io.Discard, stdout)
	return d
}

func (d *demoRun) stop(t *testing.T) {
	if d.cmd.ProcessState != nil {
		return
	}
	d.cmd.Process.Signal(syscall.SIGINT)
	exited := make(chan error, 1)
	go func() { exited <- d.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("edgegate serve --demo exited: %v", err)
		}
	case <-time.After(30 * time.Second):
		d.cmd.Process.Kill()
		t.Error("edgegate serve --demo did not stop on SIGINT")
	}
}

// TestServeDemo starts `edgegate serve --demo` on a random port: the
// printed URLs answer 200 and 403 to plain GETs, the printed explain
// command explains the 403 (KMS-KEY-POLICY), and a restart on the same
// data directory finds the demo as it was, with the same answers.
func TestServeDemo(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	data := t.TempDir()

	for round := 0; round < 2; round++ {
		d := startDemoProcess(t, addr, data)
		if d.found != (round == 1) {
			t.Errorf("round %d: found=%v\n%s", round, d.found, strings.Join(d.lines, "\n"))
		}
		want := map[string]int{"/": 200, "/index.html": 200, "/archive/report.html": 403}
		if len(d.curls) != len(want) {
			t.Fatalf("banner curls %v\n%s", d.curls, strings.Join(d.lines, "\n"))
		}
		for u, status := range d.curls {
			path := u[strings.Index(u[len("http://"):], "/")+len("http://"):]
			if status != want[path] {
				t.Errorf("banner says %s answers %d, want %d", u, status, want[path])
			}
			if got, body := viewerGet(t, addr, u); got != want[path] {
				t.Errorf("GET %s: %d, want %d", u, got, want[path])
			} else if got == 200 && !strings.Contains(body, "It works") {
				t.Errorf("GET %s: body %q", u, body)
			}
		}
		// The printed command, as a shell runs it from the repository
		// (the test binary was built by go, so the banner says go run).
		// Both commands explain the 403 and prove its fix with the probes.
		for _, c := range []string{d.explain, d.explainURL} {
			if !strings.Contains(c, "go run ./cmd/edgegate explain") {
				t.Errorf("explain command %q", c)
			}
			cmd := exec.Command("sh", "-c", c)
			cmd.Dir = "../.."
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			if !(err != nil && asExit(err, &ee) && ee.ExitCode() == 1) || !strings.Contains(string(out), "Root cause: KMS-KEY-POLICY") ||
				!strings.Contains(string(out), "verified: the request succeeds with this change") ||
				!strings.Contains(string(out), "probes of the fix of KMS-KEY-POLICY:") {
				t.Errorf("%s: %v\n%s", c, err, out)
			}
		}
		d.stop(t)
	}
}

func asExit(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	if ok {
		*target = e
	}
	return ok
}

// viewerGet is curl -s URL with *.localhost dialled to the server.
func viewerGet(t *testing.T, addr, u string) (int, string) {
	t.Helper()
	var d net.Dialer
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		}}}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
