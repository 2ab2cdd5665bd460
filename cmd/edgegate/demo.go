package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/edgegate/edgegate/internal/demo"
)

// startDemo seeds the demo (internal/demo) once the server answers on
// listen, then prints its banner to stdout. A failure is logged; the
// server keeps serving.
func startDemo(ctx context.Context, listen, region string, stdout io.Writer, logger *slog.Logger) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		logger.Error("demo: bad --listen", "err", err)
		return
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	endpoint := "http://" + net.JoinHostPort(host, port)
	go func() {
		if !waitHealthy(ctx, endpoint) {
			return
		}
		res, err := demo.Seed(ctx, demo.Config{Endpoint: endpoint, AccessKey: "test", SecretKey: "test", Region: region})
		if err != nil {
			logger.Error("demo: cannot seed (it needs the default account, test/test)", "err", err)
			return
		}
		res.Print(stdout, selfCommand())
	}()
}

// waitHealthy polls the health endpoint until it answers 200 or ctx ends.
func waitHealthy(ctx context.Context, endpoint string) bool {
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/_edgegate/health", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// selfCommand is how the user ran edgegate: "go run ./cmd/edgegate" for a
// binary go run built, else the name it was invoked by.
func selfCommand() string {
	exe := os.Args[0]
	if strings.Contains(exe, "go-build") {
		return "go run ./cmd/edgegate"
	}
	return exe
}
