package http

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/codementor/codementor/ports"
)

// setSSEHeaders names the answer an event stream that nothing on the way
// (caches, nginx, compression) may hold back.
func setSSEHeaders(c *fiber.Ctx) {
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
}

// appendEvents formats events as Server-Sent Events.
func appendEvents(dst []byte, evs []ports.StreamEvent) []byte {
	for _, ev := range evs {
		if ev.ID != "" {
			dst = append(append(append(dst, "id: "...), ev.ID...), '\n')
		}
		dst = append(append(dst, "event: "...), ev.Type...)
		dst = append(append(dst, "\ndata: "...), ev.Data...)
		dst = append(dst, "\n\n"...)
	}
	return dst
}

// ping is the heartbeat: an SSE comment.
const ping = ": ping\n\n"

// hijackSSE answers the request with sink's stream on the connection
// itself, once the handler chain returned: fasthttp hands the connection
// over (Server.KeepHijackedConns) and lets go of its worker, buffers and
// request context; the sink writes the response head and then every event
// as the generation publishes it, from the generation's goroutine. The
// head is the response fasthttp would have written (the status and every
// header the middleware set). Over HTTP/1.1 the body is chunked and, once
// it ended well, the connection goes back to fasthttp for the client's
// next request (keep-alive; a client does not pipeline requests behind a
// POST); an HTTP/1.0 client (or one that asked for it) gets the body until
// the connection closes.
func hijackSSE(c *fiber.Ctx, sink *sseSink, stopped *atomic.Bool) {
	rc := c.Context()
	srv := c.App().Server()
	keep := sink.chunked && !rc.Request.Header.ConnectionClose()
	rc.HijackSetNoResponse(true)
	rc.Hijack(func(conn net.Conn) {
		// fasthttp keeps rc valid until this function returns.
		if sink.chunked {
			rc.Response.Header.SetContentLength(-1)
		} else {
			// Until the connection closes, with neither Content-Length nor
			// Transfer-Encoding (HTTP/1.0 has none; "identity" is not a
			// transfer coding any more and proxies refuse it).
			rc.Response.Header.SetContentLength(-2)
			rc.Response.Header.Del(fiber.HeaderTransferEncoding)
		}
		if !keep {
			rc.Response.Header.SetConnectionClose()
		}
		head := rc.Response.Header.AppendBytes(nil)
		if u, ok := conn.(interface{ UnsafeConn() net.Conn }); ok {
			conn = u.UnsafeConn() // the socket itself, not fasthttp's pooled wrapper
		}
		var serve func(net.Conn)
		if keep {
			serve = handOn(srv, stopped)
		}
		sink.attach(conn, head, serve)
	})
}

// handOn serves a connection's next requests after a stream, unless the
// server has shut down (then it closes it).
func handOn(srv *fasthttp.Server, stopped *atomic.Bool) func(net.Conn) {
	return func(c net.Conn) {
		if stopped != nil && stopped.Load() {
			_ = c.Close()
			return
		}
		_ = srv.ServeConn(c)
	}
}

// sseSink is a client of a generation fed by the generation itself
// (tutor.Sink): each Send is one chunk written to the connection with a
// deadline; a failed write means the client left. Until the connection is
// handed over, events wait in memory (bounded). A timer, not a goroutine,
// sends the heartbeat when nothing was written for beat, which also
// reveals a client that left while the model was silent.
type sseSink struct {
	mu      sync.Mutex
	conn    net.Conn // nil until attached
	buf     []byte   // before attach: the chunks waiting; after: scratch
	beat    time.Duration
	timer   *time.Timer
	created time.Time
	wrote   time.Time      // last write
	detach  func()         // tells the generation the client left (set before attach)
	chunked bool           // HTTP/1.1 chunked body (otherwise until the connection closes)
	serve   func(net.Conn) // serves the connection's next requests after a good end (nil: close it)
	gone    bool           // the client left, or the connection was never handed over
	ended   bool           // the last event was sent or is waiting
	closed  bool
}

// sseMaxPending bounds the events kept before the connection is handed
// over (normally microseconds after the first ones).
const sseMaxPending = 64 << 10

// newSSESink makes a sink for a client that speaks HTTP/1.1 (chunked) or
// not; it is set before the sink is attached to a generation.
func newSSESink(beat time.Duration, chunked bool) *sseSink {
	return &sseSink{beat: beat, created: time.Now(), chunked: chunked}
}

// Send implements tutor.Sink.
func (s *sseSink) Send(evs []ports.StreamEvent, end bool) bool {
	if len(evs) == 0 && !end {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone {
		return false
	}
	if s.conn == nil {
		if len(evs) > 0 {
			s.buf = s.appendEvents(s.buf, evs)
		}
		s.ended = s.ended || end
		if len(s.buf) > sseMaxPending || time.Since(s.created) > sseWriteTimeout {
			s.gone = true // the connection was never handed over
			s.buf = nil
			return false
		}
		return true
	}
	b := s.scratch()
	if len(evs) > 0 {
		b = s.appendEvents(b, evs)
	}
	if end {
		b = s.appendEnd(b)
	}
	if !s.write(b) {
		return false
	}
	if end {
		s.ended = true
		s.finish()
	}
	return true
}

// appendEvents appends evs as the body's next part.
func (s *sseSink) appendEvents(dst []byte, evs []ports.StreamEvent) []byte {
	if s.chunked {
		return appendChunk(dst, evs)
	}
	return appendEvents(dst, evs)
}

// appendEnd appends the body's end (the last chunk).
func (s *sseSink) appendEnd(dst []byte) []byte {
	if s.chunked {
		return append(dst, "0\r\n\r\n"...)
	}
	return dst
}

// attach is handed the connection, the response head and what serves the
// connection after a good end (nil: close it): it writes the head with
// the events waiting, then starts the heartbeat.
func (s *sseSink) attach(conn net.Conn, head []byte, serve func(net.Conn)) {
	s.mu.Lock()
	s.serve = serve
	if s.gone {
		s.mu.Unlock()
		_ = conn.Close()
		return
	}
	s.conn = conn
	b := append(head, s.buf...)
	if s.ended {
		b = s.appendEnd(b)
	}
	s.buf = nil
	ok := s.write(b)
	switch {
	case ok && s.ended:
		s.finish()
	case ok:
		s.timer = time.AfterFunc(s.beat, s.heartbeat)
	}
	s.mu.Unlock()
	if !ok {
		s.detach()
	}
}

// heartbeat writes a comment when nothing was written for beat.
func (s *sseSink) heartbeat() {
	s.mu.Lock()
	if s.gone || s.closed {
		s.mu.Unlock()
		return
	}
	if idle := time.Since(s.wrote); idle < s.beat {
		s.timer.Reset(s.beat - idle)
		s.mu.Unlock()
		return
	}
	b := s.scratch()
	if s.chunked {
		b = appendRawChunk(b, ping)
	} else {
		b = append(b, ping...)
	}
	ok := s.write(b)
	if ok {
		s.timer.Reset(s.beat)
	}
	s.mu.Unlock()
	if !ok {
		s.detach() // outside the lock: it takes the generation's
	}
}

// write sends b with a deadline; a failure closes the connection.
func (s *sseSink) write(b []byte) bool {
	s.wrote = time.Now()
	_ = s.conn.SetWriteDeadline(s.wrote.Add(sseWriteTimeout))
	_, err := s.conn.Write(b)
	if cap(b) <= sseKeep {
		s.buf = b[:0]
	}
	if err != nil {
		s.gone = true
		s.close()
		return false
	}
	return true
}

// finish ends a stream that was written to its end: the connection
// serves the client's next request, or closes.
func (s *sseSink) finish() {
	if s.serve == nil || s.closed {
		s.close()
		return
	}
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.buf = nil
	_ = s.conn.SetWriteDeadline(time.Time{})
	go s.serve(s.conn)
}

func (s *sseSink) close() {
	if s.closed {
		return
	}
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	s.buf = nil
	_ = s.conn.Close()
}

// scratch is the kept buffer (after attach), emptied.
func (s *sseSink) scratch() []byte {
	b := s.buf[:0]
	s.buf = nil
	return b
}

// chunkRoom is the room kept in front of a chunk for its size line.
const chunkRoom = len("ffffffff\r\n")

// appendChunk appends evs as one HTTP/1.1 chunk.
func appendChunk(dst []byte, evs []ports.StreamEvent) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, chunkRoom)...)
	dst = appendEvents(dst, evs)
	return frameChunk(dst, start)
}

// appendRawChunk appends text as one chunk.
func appendRawChunk(dst []byte, text string) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, chunkRoom)...)
	dst = append(dst, text...)
	return frameChunk(dst, start)
}

// frameChunk writes the size line of the chunk whose data follows
// chunkRoom bytes at start, right-aligned in that room, and closes the
// chunk; the unused room is cut out.
func frameChunk(b []byte, start int) []byte {
	data := len(b) - start - chunkRoom
	var hex [16]byte
	line := append(strconv.AppendUint(hex[:0], uint64(data), 16), '\r', '\n')
	at := start + chunkRoom - len(line)
	copy(b[at:], line)
	b = append(b, '\r', '\n')
	if at > start {
		b = append(b[:start], b[at:]...)
	}
	return b
}
