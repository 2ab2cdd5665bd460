package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// The syscall profile: compare.sh attaches `strace -f -s 0` to each server
// during a short extra wrk run (not one of the timed runs) and
// `benchtool syscalls` sums the trace by class. It answers two questions
// that req/s cannot: does a GET's body go through user space (read + write)
// or stay in the kernel (sendfile, splice), and does a PUT reach the disk
// (fsync) before it is acknowledged.

// syscallClass maps a traced syscall to the class it is summed in.
var syscallClass = map[string]string{
	"read": "read", "readv": "read", "pread64": "read", "preadv": "read", "preadv2": "read",
	"recvfrom": "read", "recvmsg": "read",
	"write": "write", "writev": "write", "pwrite64": "write", "pwritev": "write", "pwritev2": "write",
	"sendto": "write", "sendmsg": "write",
	"sendfile": "kernel", "sendfile64": "kernel", "splice": "kernel", "copy_file_range": "kernel",
	"fsync": "fsync", "fdatasync": "fsync", "sync_file_range": "fsync", "syncfs": "fsync",
}

// straceTrace is the -e trace= list compare.sh passes to strace.
func straceTrace() string {
	names := make([]string, 0, len(syscallClass))
	for n := range syscallClass {
		if n == "sendfile64" { // not a syscall name on x86_64
			continue
		}
		names = append(names, n)
	}
	return strings.Join(names, ",")
}

var syscallClasses = []string{"read", "write", "kernel", "fsync"}

type syscallSum struct {
	calls, bytes map[string]int64
}

// parseStrace sums an `strace -f` trace. It reads each call once: from its
// complete line, or from the "<... name resumed>" line of a call that was
// interrupted by another thread's.
func parseStrace(rd io.Reader) (syscallSum, error) {
	s := syscallSum{calls: map[string]int64{}, bytes: map[string]int64{}}
	sc := bufio.NewScanner(rd)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		// Drop the leading pid that -f adds.
		if i := strings.IndexByte(line, ' '); i > 0 {
			if _, err := strconv.Atoi(line[:i]); err == nil {
				line = strings.TrimLeft(line[i+1:], " ")
			}
		}
		if strings.HasSuffix(line, "<unfinished ...>") || strings.HasPrefix(line, "+++") || strings.HasPrefix(line, "---") {
			continue
		}
		var name string
		if rest, ok := strings.CutPrefix(line, "<... "); ok {
			name, _, _ = strings.Cut(rest, " ")
		} else {
			var ok bool
			if name, _, ok = strings.Cut(line, "("); !ok {
				continue
			}
		}
		class, ok := syscallClass[name]
		if !ok {
			continue
		}
		// strace pads the " = " before the return value with spaces.
		eq := strings.LastIndex(line, " = ")
		if eq < 0 || !strings.HasSuffix(strings.TrimRight(line[:eq], " "), ")") {
			continue
		}
		ret := strings.Fields(line[eq+3:])
		if len(ret) == 0 {
			continue
		}
		n, err := strconv.ParseInt(ret[0], 10, 64)
		if err != nil {
			continue // "?" for a call cut short by the detach
		}
		s.calls[class]++
		if n > 0 && class != "fsync" {
			s.bytes[class] += n
		}
	}
	return s, sc.Err()
}

func cmdSyscalls(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("syscalls", flag.ContinueOnError)
	fs.SetOutput(stderr)
	trace := fs.String("trace", "", "strace -f -o output to sum (required)")
	list := fs.Bool("list", false, "print the -e trace= list for strace and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *list {
		fmt.Fprintln(stdout, straceTrace())
		return nil
	}
	if *trace == "" {
		return fmt.Errorf("-trace is required")
	}
	f, err := os.Open(*trace)
	if err != nil {
		return err
	}
	defer f.Close()
	s, err := parseStrace(f)
	if err != nil {
		return err
	}
	var fields []string
	for _, c := range syscallClasses {
		fields = append(fields, fmt.Sprintf("sys_%s_calls=%d", c, s.calls[c]))
		if c != "fsync" {
			fields = append(fields, fmt.Sprintf("sys_%s_bytes=%d", c, s.bytes[c]))
		}
	}
	fmt.Fprintln(stdout, strings.Join(fields, " "))
	return nil
}
