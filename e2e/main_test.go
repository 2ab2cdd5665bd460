// Package e2e drives the real edgegate binary, built once per test run, with
// the clients people use: the aws CLI and aws-sdk-go-v2.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// binary is the edgegate binary TestMain builds.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "edgegate-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "edgegate")
	build := exec.Command("go", "build", "-o", binary, "github.com/edgegate/edgegate/cmd/edgegate")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building edgegate:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running edgegate process.
type proc struct {
	cmd      *exec.Cmd
	endpoint string
	dataDir  string
	log      *bytes.Buffer
	exited   chan struct{}
}

// freeAddr returns a loopback address with a port free right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startEdgegate runs `edgegate serve` on dataDir and waits until it is
// healthy. The process is killed when the test ends, if still running.
func startEdgegate(t *testing.T, dataDir string, extraArgs ...string) *proc {
	t.Helper()
	addr := freeAddr(t)
	args := append([]string{"serve", "--listen", addr, "--data", dataDir}, extraArgs...)
	cmd := exec.Command(binary, args...)
	p := &proc{cmd: cmd, endpoint: "http://" + addr, dataDir: dataDir, log: new(bytes.Buffer), exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("edgegate log:\n%s", tail(p.log.String(), 4000))
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.endpoint + "/_edgegate/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("edgegate exited at start-up:\n%s", p.log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("edgegate never became healthy:\n%s", p.log.String())
	return nil
}

// kill9 sends SIGKILL and waits for the process to be gone.
func (p *proc) kill9() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
}

// stop sends SIGTERM and waits for a clean exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(40 * time.Second):
		t.Fatal("edgegate did not stop on SIGTERM")
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("edgegate exited %d after SIGTERM:\n%s", code, p.log.String())
	}
}

// s3Client is an aws-sdk-go-v2 S3 client for the default account's root.
func (p *proc) s3Client() *s3.Client {
	return s3.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(p.endpoint),
	}, func(o *s3.Options) { o.UsePathStyle = true })
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

var bg = context.Background()
