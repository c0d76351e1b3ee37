// Package drain keeps LLM providers' HTTP connections reusable after a
// streamed answer that ended well.
package drain

import (
	"context"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// A stream that ended well must leave its connection to the next request.
// Go's HTTP/1 transport keeps a connection only when the body was read to
// its end before Close: the last event ([DONE], message_stop) can arrive a packet ahead
// of the chunked terminator, and closing the body then would drop the
// connection (and the next request pay a dial and a TLS handshake). So the
// provider's transport reads what is left of a finished stream's body on
// Close, a little and briefly: what a misbehaving server keeps sending, or
// holds back, costs at most drainLimit bytes or drainTimeout before the
// connection is dropped as before. Longer would cost more than the new
// connection it saves.
const (
	drainLimit   = 64 << 10
	drainTimeout = 100 * time.Millisecond
)

// drainKey carries, in a request's context, the *atomic.Bool that says the
// stream ended well; only such requests' bodies are drained.
type drainKey struct{}

// WithDrain marks ctx's request as one whose body is drained on Close once
// finished is set.
func WithDrain(ctx context.Context, finished *atomic.Bool) context.Context {
	return context.WithValue(ctx, drainKey{}, finished)
}

// Client is a copy of hc with its transport (http.DefaultTransport
// if nil) wrapped in a drainingTransport; hc itself is left as it is.
func Client(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &drainingTransport{base: base}
	return &c
}

// drainingTransport drains, on Close, the response bodies of requests
// marked withDrain whose stream ended well. Other requests pass through.
type drainingTransport struct {
	base http.RoundTripper
}

func (t *drainingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	finished, _ := req.Context().Value(drainKey{}).(*atomic.Bool)
	if finished == nil {
		return t.base.RoundTrip(req)
	}
	// A context of our own bounds the drain: canceling it is the one way to
	// interrupt a response body's Read.
	ctx, cancel := context.WithCancel(req.Context())
	res, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil || res == nil || res.Body == nil || res.Body == http.NoBody {
		cancel()
		return res, err
	}
	res.Body = &drainingBody{body: res.Body, ctx: ctx, cancel: cancel, finished: finished}
	return res, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// wrapped transport.
func (t *drainingTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

type drainingBody struct {
	body     io.ReadCloser
	ctx      context.Context
	cancel   context.CancelFunc
	finished *atomic.Bool

	once sync.Once
	err  error
}

func (b *drainingBody) Read(p []byte) (int, error) { return b.body.Read(p) }

// Close reads the rest of the body first if the stream ended well and the
// request is still live; a canceled one (a failure, the caller's Close)
// closes at once.
func (b *drainingBody) Close() error {
	b.once.Do(func() {
		if b.finished.Load() && b.ctx.Err() == nil {
			t := time.AfterFunc(drainTimeout, b.cancel)
			_, _ = io.CopyN(io.Discard, b.body, drainLimit)
			t.Stop()
		}
		b.err = b.body.Close()
		// After an EOF the connection is back in the pool already: the
		// transport puts it there before the read returns.
		b.cancel()
	})
	return b.err
}
