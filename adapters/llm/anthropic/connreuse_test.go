package anthropic_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/llm/anthropic"
	"github.com/codementor/codementor/adapters/llm/drain/draintest"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/test/fakes/anthropicserver"
)

func TestSequentialStreamsReuseTheConnection(t *testing.T) {
	t.Parallel()
	// A stream that ended well leaves its connection in the pool: the body
	// is read to its end (the chunked terminator comes after message_stop)
	// before the request is released. Closing it early would make Go's
	// transport drop the connection, and the next request pay a new dial
	// (and, on the real API, a TLS handshake).
	const streams = 20
	var dials atomic.Int64
	hc := draintest.DialCountingClient(t, &dials)
	tr := hc.Transport
	srv, p := setup(t, anthropicserver.Config{}, func(o *anthropic.Options) { o.HTTPClient = hc })
	assert.Same(t, tr, hc.Transport, "the caller's client is left as it was")
	const answer = "Start with the base case, then recurse."
	srv.SetReply(anthropicserver.Reply{Text: answer})

	var dialed []int // the streams that opened a connection
	for i := range streams {
		before := dials.Load()
		s, err := p.Stream(context.Background(), ask("Explain recursion"))
		require.NoError(t, err, "stream %d", i)
		deltas, events, err := drain(t, s)
		require.ErrorIs(t, err, io.EOF, "stream %d", i)
		require.NotEmpty(t, events)
		require.Equal(t, llm.EventDone, events[len(events)-1].Kind, "stream %d", i)
		assert.Equal(t, answer, strings.Join(deltas, ""))
		require.NoError(t, s.Close())
		if dials.Load() != before {
			dialed = append(dialed, i)
		}
	}
	assert.Equal(t, []int{0}, dialed, "only the first stream dials; the others reuse its connection")
	assert.EqualValues(t, 1, dials.Load())
	assert.Empty(t, srv.Cancellations(), "no stream that ended well was cancelled")
}

func TestUnendingBodyAfterMessageStopDoesNotHoldTheStream(t *testing.T) {
	t.Parallel()
	// A server that sends message_stop but never ends the body: the stream
	// still ends at once (within the short drain deadline), and the request
	// is then cancelled, which the server sees.
	gone := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, e := range [][2]string{
			{"message_start", `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}`},
			{"content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`},
			{"content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Whole."}}`},
			{"content_block_stop", `{"type":"content_block_stop","index":0}`},
			{"message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}`},
			{"message_stop", `{"type":"message_stop"}`},
		} {
			_, _ = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", e[0], e[1])
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			close(gone)
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(ts.Close)
	p, err := anthropic.New(anthropic.Options{APIKey: "sk-ant-test", BaseURL: ts.URL, DefaultModel: model})
	require.NoError(t, err)
	s, err := p.Stream(context.Background(), ask("hi"))
	require.NoError(t, err)
	defer s.Close()
	start := time.Now()
	deltas, _, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Less(t, time.Since(start), time.Second)
	assert.Equal(t, []string{"Whole."}, deltas)
	select {
	case <-gone:
	case <-time.After(2 * time.Second):
		t.Fatal("the server did not see the request go")
	}
}

func TestCallersTransportStillServesTheCalls(t *testing.T) {
	t.Parallel()
	// The provider wraps the caller's transport rather than replacing it:
	// its calls, streamed or not, go through it.
	var seen atomic.Int64
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	srv, p := setup(t, anthropicserver.Config{}, func(o *anthropic.Options) { o.HTTPClient = hc })
	srv.SetReply(anthropicserver.Reply{Text: "Hello there."})
	_, err := p.Complete(context.Background(), ask("hi"))
	require.NoError(t, err)
	s, err := p.Stream(context.Background(), ask("hi"))
	require.NoError(t, err)
	deltas, _, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, "Hello there.", strings.Join(deltas, ""))
	assert.EqualValues(t, 2, seen.Load())
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
