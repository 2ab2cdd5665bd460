//go:build unix

package h1

import (
	"bytes"
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

// TestRawIORead: rawIO.Read behaves as net.Conn.Read for what the
// connection loop meets.
func TestRawIORead(t *testing.T) {
	for _, tc := range []struct {
		name                string
		write               string        // sent by the peer
		delay               time.Duration // the peer acts this long after the read starts (0: before)
		size                int
		deadline            time.Duration // read deadline (0 none)
		closePeer, closeOwn bool
		want                string
		wantErr             error
	}{
		{name: "queued bytes", write: "GET / HTTP/1.1\r\n", size: 64, want: "GET / HTTP/1.1\r\n"},
		{name: "pipelined requests in one read", write: "req1req2req3", size: 64, want: "req1req2req3"},
		{name: "more than the buffer", write: "abcdefgh", size: 4, want: "abcd"},
		{name: "bytes arriving while parked", write: "late", delay: 30 * time.Millisecond, size: 8, want: "late"},
		{name: "end of stream", closePeer: true, size: 8, wantErr: io.EOF},
		{name: "end of stream while parked", closePeer: true, delay: 30 * time.Millisecond, size: 8, wantErr: io.EOF},
		{name: "deadline while parked", size: 8, deadline: 30 * time.Millisecond, wantErr: os.ErrDeadlineExceeded},
		{name: "closed while parked", closeOwn: true, delay: 30 * time.Millisecond, size: 8, wantErr: net.ErrClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, cli := tcpPair(t)
			r := newRawIO(srv)
			if r == nil {
				t.Fatal("no rawIO for a *net.TCPConn")
			}
			act := func() {
				if tc.write != "" {
					cli.Write([]byte(tc.write))
				}
				if tc.closePeer {
					cli.Close()
				}
				if tc.closeOwn {
					srv.Close()
				}
			}
			if tc.delay == 0 {
				act()
				time.Sleep(10 * time.Millisecond)
			} else {
				go func() { time.Sleep(tc.delay); act() }()
			}
			if tc.deadline > 0 {
				srv.SetReadDeadline(time.Now().Add(tc.deadline))
			}
			buf := make([]byte, tc.size)
			n, err := r.Read(buf)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || string(buf[:n]) != tc.want {
				t.Fatalf("%q, %v; want %q", buf[:n], err, tc.want)
			}
		})
	}
}

// TestRawIOWrite: a write larger than the socket buffers blocks until
// the peer reads and then completes; a write deadline and a peer gone
// end it with net.Conn's errors.
func TestRawIOWrite(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB: more than loopback buffers hold
	for _, tc := range []struct {
		name     string
		data     []byte
		tail     []byte        // written after data, with Write2 (nil: Write)
		read     bool          // the peer reads everything, 30 ms after the write starts
		deadline time.Duration // write deadline (0 none)
		closeCli bool          // the peer closes without reading
		wantErr  error         // nil: all written
	}{
		{name: "small", data: []byte("HTTP/1.1 200 OK\r\n\r\n"), read: true},
		{name: "header and body in one writev", data: []byte("HTTP/1.1 200 OK\r\n\r\n"), tail: []byte("body"), read: true},
		{name: "header and a body that blocks", data: []byte("HTTP/1.1 200 OK\r\n\r\n"), tail: big, read: true},
		{name: "a head that blocks, then the body", data: big, tail: []byte("end"), read: true},
		{name: "no head", data: []byte{}, tail: []byte("body only"), read: true},
		{name: "a write that blocks until the peer reads", data: big, read: true},
		{name: "blocked past the write deadline", data: big, deadline: 50 * time.Millisecond, wantErr: os.ErrDeadlineExceeded},
		{name: "peer gone", data: big, closeCli: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, cli := tcpPair(t)
			w := newRawIO(srv)
			want := append(append([]byte{}, tc.data...), tc.tail...)
			got := make(chan []byte, 1)
			if tc.read {
				go func() {
					time.Sleep(30 * time.Millisecond) // the write finds the buffers full first
					b, _ := io.ReadAll(io.LimitReader(cli, int64(len(want))))
					got <- b
				}()
			}
			if tc.closeCli {
				go func() { time.Sleep(30 * time.Millisecond); cli.Close() }()
			}
			if tc.deadline > 0 {
				srv.SetWriteDeadline(time.Now().Add(tc.deadline))
			}
			var n int
			var err error
			if tc.tail != nil {
				n, err = w.Write2(tc.data, tc.tail)
			} else {
				n, err = w.Write(tc.data)
			}
			switch {
			case tc.closeCli:
				if err == nil || n == len(tc.data) {
					t.Fatalf("wrote %d of %d to a closed peer, err %v", n, len(tc.data), err)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) || n >= len(tc.data) {
					t.Fatalf("wrote %d of %d, err %v; want %v", n, len(tc.data), err, tc.wantErr)
				}
			default:
				if err != nil || n != len(want) {
					t.Fatalf("wrote %d of %d, err %v", n, len(want), err)
				}
				if b := <-got; !bytes.Equal(b, want) {
					t.Fatalf("the peer read %d bytes, not what was written", len(b))
				}
			}
		})
	}
}

func TestRawIOOnlyForSyscallConns(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if newRawIO(a) != nil {
		t.Error("a net.Pipe end got a rawIO")
	}
}
