// Package draintest helps test that LLM adapters leave connections
// reusable after a stream.
package draintest

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// DialCountingClient is a client on a clone of http.DefaultTransport (what
// the provider uses by default) that counts the connections it opens. Its
// connections hold a body's chunked terminator back until the next read
// when it came in with other bytes: as if it had arrived in a packet of its
// own, after the last event, which is when a client that closes the body on
// the last event loses the connection.
func DialCountingClient(t *testing.T, dials *atomic.Int64) *http.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	d := &net.Dialer{Timeout: 5 * time.Second}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &lateTerminatorConn{Conn: c}, nil
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// chunkedTerminator ends a chunked body (with no trailers).
var chunkedTerminator = []byte("0\r\n\r\n")

// lateTerminatorConn delivers a chunked terminator that ends a read with
// other bytes on the following read. Only the transport's read loop reads
// a connection, so held needs no lock.
type lateTerminatorConn struct {
	net.Conn
	held []byte
}

func (c *lateTerminatorConn) Read(p []byte) (int, error) {
	if len(c.held) > 0 {
		n := copy(p, c.held)
		c.held = c.held[n:]
		return n, nil
	}
	n, err := c.Conn.Read(p)
	if n > len(chunkedTerminator) && bytes.HasSuffix(p[:n], chunkedTerminator) {
		c.held = append(c.held, chunkedTerminator...)
		n -= len(chunkedTerminator)
	}
	return n, err
}
