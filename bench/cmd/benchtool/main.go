// Command benchtool is the Go half of the comparison harness (bench/compare.sh).
//
// Subcommands:
//
//	benchtool freeport
//	    print a free TCP port on 127.0.0.1
//	benchtool setup -endpoint URL
//	    create the bucket and the objects the GET scenarios read, with the
//	    real aws-sdk-go-v2 S3 client, and read them back
//	benchtool prepare -endpoint URL -scenario NAME -out FILE
//	    build COUNT requests for a scenario with the real S3 client (signed
//	    by its SigV4 signer at this moment), capture them as the bytes that
//	    net/http would put on the wire, write them for bench/wrk/replay.lua,
//	    and replay two of them over a raw connection to check they succeed
//	benchtool report -results FILE
//	    print the table of medians, latencies and ratios of a run
//	benchtool authcheck -endpoint URL
//	    send a GET with an altered signature and say whether the server
//	    refused it (whether it verifies SigV4 at all)
//	benchtool syscalls -trace FILE
//	    sum an strace -f trace of a server by syscall class (the syscall
//	    profile); -list prints the syscalls to trace
//	benchtool scenarios
//	    list the scenarios
//
// Everything it talks to must be on the loopback interface.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
)

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: benchtool freeport|setup|prepare|authcheck|report|syscalls|scenarios [flags]")
		return 2
	}
	var err error
	switch args[0] {
	case "freeport":
		err = cmdFreeport(stdout)
	case "setup":
		err = cmdSetup(args[1:], stdout, stderr)
	case "prepare":
		err = cmdPrepare(args[1:], stdout, stderr)
	case "report":
		var failed bool
		failed, err = cmdReport(args[1:], stdout, stderr)
		if err == nil && failed {
			return 3
		}
	case "authcheck":
		err = cmdAuthcheck(args[1:], stdout, stderr)
	case "syscalls":
		err = cmdSyscalls(args[1:], stdout, stderr)
	case "scenarios":
		for _, s := range scenarios {
			fmt.Fprintf(stdout, "%s\t%s %d bytes\n", s.Name, s.Method, s.Size)
		}
	default:
		fmt.Fprintf(stderr, "benchtool: unknown command %q\n", args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "benchtool %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func cmdFreeport(stdout io.Writer) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l.Close()
	fmt.Fprintln(stdout, l.Addr().(*net.TCPAddr).Port)
	return nil
}

// commonFlags are the flags every subcommand that talks to a server takes.
type commonFlags struct {
	endpoint, bucket, region, access, secret string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.endpoint, "endpoint", "", "server URL, http://127.0.0.1:PORT (required)")
	fs.StringVar(&c.bucket, "bucket", "bench", "bucket name")
	fs.StringVar(&c.region, "region", "us-east-1", "signing region")
	fs.StringVar(&c.access, "access-key", "test", "access key id")
	fs.StringVar(&c.secret, "secret-key", "test", "secret access key")
}

func (c *commonFlags) check() error {
	if c.endpoint == "" {
		return fmt.Errorf("-endpoint is required")
	}
	if !strings.HasPrefix(c.endpoint, "http://127.") && !strings.HasPrefix(c.endpoint, "http://localhost") &&
		!strings.HasPrefix(c.endpoint, "http://[::1]") {
		return fmt.Errorf("-endpoint %q is not a loopback http URL; the harness only talks to this machine", c.endpoint)
	}
	return nil
}
