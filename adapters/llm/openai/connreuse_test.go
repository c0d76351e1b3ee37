package openai_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/llm/drain/draintest"
	"github.com/codementor/codementor/adapters/llm/openai"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/test/fakes/openaiserver"
)

func TestSequentialStreamsReuseTheConnection(t *testing.T) {
	t.Parallel()
	// A stream that ended well leaves its connection in the pool: the body
	// is read to its end (the chunked terminator comes after [DONE]) before
	// the request is released. Closing it early would make Go's transport
	// drop the connection, and the next request pay a new dial (and, on a
	// real API, a TLS handshake).
	const streams = 20
	fake := openaiserver.New(t, openaiserver.Config{
		APIKey: apiKey,
		Respond: func(openaiserver.Request) openaiserver.Reply {
			return openaiserver.Reply{
				Chunks: []string{"Because ", "each call ", "makes two ", "more calls", "."},
				Usage:  &openaiserver.Usage{Prompt: 30, Completion: 5},
			}
		},
	})
	var dials atomic.Int64
	hc := draintest.DialCountingClient(t, &dials)
	tr := hc.Transport
	p := newProvider(t, fake, func(o *openai.Options) { o.HTTPClient = hc })
	assert.Same(t, tr, hc.Transport, "the caller's client is left as it was")

	var dialed []int // the streams that opened a connection
	for i := range streams {
		before := dials.Load()
		s, err := p.Stream(context.Background(), request())
		require.NoError(t, err, "stream %d", i)
		evs, err := drain(t, s)
		require.ErrorIs(t, err, io.EOF, "stream %d", i)
		require.NotEmpty(t, evs)
		require.Equal(t, llm.EventDone, evs[len(evs)-1].Kind, "stream %d", i)
		assert.Equal(t, "Because each call makes two more calls.", text(evs))
		require.NoError(t, s.Close())
		if dials.Load() != before {
			dialed = append(dialed, i)
		}
	}
	assert.Equal(t, []int{0}, dialed, "only the first stream dials; the others reuse its connection")
	assert.EqualValues(t, 1, dials.Load())
	for i, r := range fake.Requests() {
		assert.True(t, r.CanceledAt.IsZero(), "request %d was cancelled though its stream ended well", i)
	}
}

func TestUnendingBodyAfterDoneDoesNotHoldTheStream(t *testing.T) {
	t.Parallel()
	// A server that sends [DONE] but never ends the body: the stream still
	// ends at once (within the short drain deadline), and the request is
	// then cancelled, which the server sees.
	gone := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, c := range []string{
			`{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Whole."},"finish_reason":null}],"usage":null}`,
			`{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`,
			`[DONE]`,
		} {
			_, _ = fmt.Fprintf(w, "data: %s\n\n", c)
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			close(gone)
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(srv.Close)
	p, err := openai.New(openai.Options{BaseURL: srv.URL, DefaultModel: model})
	require.NoError(t, err)
	s, err := p.Stream(context.Background(), request())
	require.NoError(t, err)
	defer s.Close()
	start := time.Now()
	evs, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Less(t, time.Since(start), time.Second)
	assert.Equal(t, "Whole.", text(evs))
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
	fake := newFake(t)
	var seen atomic.Int64
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen.Add(1)
		return http.DefaultTransport.RoundTrip(r)
	})}
	p := newProvider(t, fake, func(o *openai.Options) { o.HTTPClient = hc })
	_, err := p.Complete(context.Background(), request())
	require.NoError(t, err)
	s, err := p.Stream(context.Background(), request())
	require.NoError(t, err)
	evs, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, openaiserver.DefaultText, text(evs))
	assert.EqualValues(t, 2, seen.Load())
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
