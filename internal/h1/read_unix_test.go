//go:build unix

package h1

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// TestRawReader drives a rawReader through the cases its wait-first read
// must get right: each step writes (after a delay, or not at all), then
// reads with a buffer of size and checks what comes back.
func TestRawReader(t *testing.T) {
	type step struct {
		write               string        // sent by the peer before the read ("" none)
		delay               time.Duration // the write happens this long after the read starts
		size                int           // read buffer
		deadline            time.Duration // read deadline from now (0 none)
		closePeer, closeOwn bool          // after the write: close the peer / this end
		want                string
		wantErr             error
		wantDrained         bool
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"short read, then data arriving while waiting first", []step{
			{write: "abc", size: 16, want: "abc", wantDrained: true},
			{write: "defg", delay: 30 * time.Millisecond, size: 16, want: "defg", wantDrained: true},
		}},
		{"full read tries first: the rest is already queued", []step{
			{write: "abcdefgh", size: 4, want: "abcd"},
			{size: 4, want: "efgh"}, // exactly the rest: not known drained
			{write: "ij", size: 4, want: "ij", wantDrained: true},
		}},
		{"pipelined bytes in one read", []step{
			{write: "req1req2req3", size: 64, want: "req1req2req3", wantDrained: true},
		}},
		{"deadline while waiting first", []step{
			{write: "x", size: 8, want: "x", wantDrained: true},
			{size: 8, deadline: 30 * time.Millisecond, wantErr: os.ErrDeadlineExceeded},
			{write: "after", size: 8, want: "after", wantDrained: true}, // the connection still works
		}},
		{"peer closes while waiting first", []step{
			{write: "x", size: 8, want: "x", wantDrained: true},
			{delay: 30 * time.Millisecond, closePeer: true, size: 8, wantErr: io.EOF},
		}},
		{"closed while waiting first", []step{
			{write: "x", size: 8, want: "x", wantDrained: true},
			{delay: 30 * time.Millisecond, closeOwn: true, size: 8, wantErr: net.ErrClosed},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, cli := tcpPair(t)
			r := newRawReader(srv)
			if r == nil {
				t.Fatal("no rawReader for a *net.TCPConn")
			}
			for i, st := range tc.steps {
				act := func() {
					if st.write != "" {
						if _, err := cli.Write([]byte(st.write)); err != nil {
							t.Error(err)
						}
					}
					if st.closePeer {
						cli.Close()
					}
					if st.closeOwn {
						srv.Close()
					}
				}
				if st.delay == 0 {
					act()
					time.Sleep(5 * time.Millisecond) // queued before the read
				} else {
					go func() { time.Sleep(st.delay); act() }()
				}
				var dl time.Time
				if st.deadline > 0 {
					dl = time.Now().Add(st.deadline)
				}
				srv.SetReadDeadline(dl)
				buf := make([]byte, st.size)
				n, err := r.Read(buf)
				if st.wantErr != nil {
					if !errors.Is(err, st.wantErr) {
						t.Fatalf("step %d: error %v, want %v", i, err, st.wantErr)
					}
					continue
				}
				if err != nil || string(buf[:n]) != st.want || r.drained != st.wantDrained {
					t.Fatalf("step %d: %q, %v, drained %v; want %q, drained %v", i, buf[:n], err, r.drained, st.want, st.wantDrained)
				}
			}
		})
	}
}

func TestRawReaderOnlyForSyscallConns(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if newRawReader(a) != nil {
		t.Error("a net.Pipe end got a rawReader")
	}
}
