package http

import (
	"bufio"
	"io"
	"net"
	nethttp "net/http"
	"net/http/httputil"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"

	"github.com/codementor/codementor/ports"
)

func ev(id, typ, data string) ports.StreamEvent {
	return ports.StreamEvent{ID: id, Type: typ, Data: []byte(data)}
}

func TestChunksAreHTTPChunkedEncoding(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 70_000) // a size line of five hex digits
	var b []byte
	b = appendChunk(b, []ports.StreamEvent{ev("1-1", "meta", `{"a":1}`)})
	b = appendRawChunk(b, ping)
	b = appendChunk(b, []ports.StreamEvent{ev("1-2", "delta", `{"text":"`+big+`"}`), ev("", "done", `{}`)})
	b = append(b, "0\r\n\r\n"...)
	assert.True(t, strings.HasPrefix(string(b), "23\r\nid: 1-1\n"), "the size in hex, without leading zeros: %q", b[:12])
	got, err := io.ReadAll(httputil.NewChunkedReader(strings.NewReader(string(b))))
	require.NoError(t, err)
	want := "id: 1-1\nevent: meta\ndata: {\"a\":1}\n\n" + ping +
		"id: 1-2\nevent: delta\ndata: {\"text\":\"" + big + "\"}\n\nevent: done\ndata: {}\n\n"
	assert.Equal(t, want, string(got))
}

// sinkPair is a sink attached to one end of a TCP connection; the test
// reads the response at the other.
func sinkPair(t *testing.T, beat time.Duration, serve func(net.Conn), before func(s *sseSink)) (*sseSink, *nethttp.Response, *atomic.Int32, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	server, err := ln.Accept()
	require.NoError(t, err)
	detached := new(atomic.Int32)
	s := newSSESink(beat, true)
	s.detach = func() { detached.Add(1) }
	if before != nil {
		before(s)
	}
	head := "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
	s.attach(server, []byte(head), serve)
	res, err := nethttp.ReadResponse(bufio.NewReader(client), nil)
	require.NoError(t, err)
	return s, res, detached, client
}

func TestSinkWritesWaitingEventsThenLiveOnesAndEnds(t *testing.T) {
	t.Parallel()
	s, res, detached, _ := sinkPair(t, time.Minute, nil, func(s *sseSink) {
		require.True(t, s.Send([]ports.StreamEvent{ev("1-1", "meta", `{}`), ev("1-2", "delta", `{"text":"a"}`)}, false))
	})
	assert.Equal(t, 200, res.StatusCode)
	assert.Equal(t, []string{"chunked"}, res.TransferEncoding)
	require.True(t, s.Send([]ports.StreamEvent{ev("1-3", "delta", `{"text":"b"}`)}, false))
	require.True(t, s.Send([]ports.StreamEvent{ev("1-4", "done", `{}`)}, true))
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err, "a clean end: the last chunk, then the connection closes")
	assert.Equal(t, "id: 1-1\nevent: meta\ndata: {}\n\nid: 1-2\nevent: delta\ndata: {\"text\":\"a\"}\n\n"+
		"id: 1-3\nevent: delta\ndata: {\"text\":\"b\"}\n\nid: 1-4\nevent: done\ndata: {}\n\n", string(body))
	assert.False(t, s.Send([]ports.StreamEvent{ev("1-5", "delta", `{}`)}, false), "nothing after the end")
	assert.Zero(t, detached.Load())
}

func TestSinkHandsAWellEndedConnectionOn(t *testing.T) {
	t.Parallel()
	served := make(chan net.Conn, 1)
	s, res, _, client := sinkPair(t, time.Minute, func(c net.Conn) { served <- c }, nil)
	require.True(t, s.Send([]ports.StreamEvent{ev("1-1", "done", `{}`)}, true))
	var conn net.Conn
	select {
	case conn = <-served:
	case <-time.After(2 * time.Second):
		t.Fatal("the connection was not handed on for the next request")
	}
	// The body ended (last chunk) without the connection closing: the
	// client may send its next request on it.
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.Equal(t, "id: 1-1\nevent: done\ndata: {}\n\n", string(body))
	_, err = client.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, err)
	got := make([]byte, 64)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(2*time.Second)))
	n, err := conn.Read(got)
	require.NoError(t, err)
	assert.Equal(t, "GET / HTTP/1.1", strings.SplitN(string(got[:n]), "\r\n", 2)[0])
	_ = conn.Close()

	// A client that left is not handed on.
	s2, _, _, client2 := sinkPair(t, time.Minute, func(c net.Conn) { served <- c }, nil)
	require.NoError(t, client2.Close())
	for i := 0; i < 20 && s2.Send([]ports.StreamEvent{ev("1-1", "delta", `{}`)}, false); i++ {
		time.Sleep(5 * time.Millisecond)
	}
	assert.False(t, s2.Send([]ports.StreamEvent{ev("1-2", "done", `{}`)}, true))
	select {
	case <-served:
		t.Fatal("a failed connection was handed on")
	case <-time.After(100 * time.Millisecond):
	}
}

func TestSinkWithoutChunksForHTTP10(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer client.Close()
	server, err := ln.Accept()
	require.NoError(t, err)
	s := newSSESink(10*time.Millisecond, false)
	s.detach = func() {}
	s.attach(server, []byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nConnection: close\r\n\r\n"), nil)
	time.Sleep(30 * time.Millisecond) // a heartbeat or two
	require.True(t, s.Send([]ports.StreamEvent{ev("1-1", "done", `{}`)}, true))
	all, err := io.ReadAll(client)
	require.NoError(t, err, "the body ends with the connection")
	body := strings.SplitN(string(all), "\r\n\r\n", 2)[1]
	assert.True(t, strings.HasPrefix(body, ping), "no chunk framing: %q", body)
	assert.True(t, strings.HasSuffix(body, "id: 1-1\nevent: done\ndata: {}\n\n"))
}

func TestSinkEndedBeforeTheConnectionCame(t *testing.T) {
	t.Parallel()
	_, res, _, _ := sinkPair(t, time.Minute, nil, func(s *sseSink) {
		require.True(t, s.Send([]ports.StreamEvent{ev("1-1", "meta", `{}`)}, false))
		require.True(t, s.Send([]ports.StreamEvent{ev("1-2", "error", `{"code":"x"}`)}, true))
	})
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.Equal(t, "id: 1-1\nevent: meta\ndata: {}\n\nid: 1-2\nevent: error\ndata: {\"code\":\"x\"}\n\n", string(body))
}

func TestSinkHeartbeatWhenNothingIsWritten(t *testing.T) {
	t.Parallel()
	s, res, _, _ := sinkPair(t, 50*time.Millisecond, nil, nil)
	r := bufio.NewReader(res.Body)
	start := time.Now()
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, ": ping\n", line)
	assert.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond)
	// Events hold the heartbeat back: none while they come faster.
	_, _ = r.ReadString('\n')
	for i := 0; i < 6; i++ {
		require.True(t, s.Send([]ports.StreamEvent{ev("1-1", "delta", `{}`)}, false))
		time.Sleep(20 * time.Millisecond)
	}
	require.True(t, s.Send([]ports.StreamEvent{ev("1-9", "done", `{}`)}, true))
	rest, err := io.ReadAll(r)
	require.NoError(t, err)
	assert.NotContains(t, string(rest), "ping")
}

func TestSinkHeartbeatFindsTheClientGone(t *testing.T) {
	t.Parallel()
	s, _, detached, client := sinkPair(t, 30*time.Millisecond, nil, nil)
	require.NoError(t, client.Close())
	require.Eventually(t, func() bool { return detached.Load() == 1 }, 3*time.Second, 10*time.Millisecond,
		"a failed heartbeat detaches the client")
	assert.False(t, s.Send([]ports.StreamEvent{ev("1-1", "delta", `{}`)}, false))
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, int32(1), detached.Load(), "once")
}

func TestSinkWriteToAGoneClientFails(t *testing.T) {
	t.Parallel()
	s, _, _, client := sinkPair(t, time.Minute, nil, nil)
	require.NoError(t, client.Close())
	ok := true
	for i := 0; i < 20 && ok; i++ { // the first write after a close may still be taken
		ok = s.Send([]ports.StreamEvent{ev("1-1", "delta", `{"text":"x"}`)}, false)
		time.Sleep(5 * time.Millisecond)
	}
	assert.False(t, ok)
}

func TestSinkNeverHandedAConnectionGivesUp(t *testing.T) {
	t.Parallel()
	s := newSSESink(time.Minute, true)
	big := ev("1-1", "delta", `{"text":"`+strings.Repeat("x", 10_000)+`"}`)
	ok := true
	for i := 0; i < 10 && ok; i++ {
		ok = s.Send([]ports.StreamEvent{big}, false)
	}
	assert.False(t, ok, "events do not pile up without bound")
	s.created = time.Now().Add(-time.Minute)
	s.gone = false
	assert.False(t, s.Send([]ports.StreamEvent{ev("1-2", "delta", `{}`)}, false), "nor for long")
}

func TestHandOnServesUntilTheServerStopped(t *testing.T) {
	t.Parallel()
	srv := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { ctx.SetBodyString("next") }}
	stopped := new(atomic.Bool)
	serve := handOn(srv, stopped)

	client, server := net.Pipe()
	go serve(server)
	_, err := client.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	require.NoError(t, err)
	res, err := nethttp.ReadResponse(bufio.NewReader(client), nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	assert.Equal(t, "next", string(body), "the connection serves the next request")
	_ = client.Close()

	stopped.Store(true)
	client, server = net.Pipe()
	go serve(server)
	require.NoError(t, client.SetReadDeadline(time.Now().Add(2*time.Second)))
	_, err = client.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "after shutdown the connection is closed")
}
