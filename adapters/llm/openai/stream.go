package openai

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	oai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"

	"github.com/codementor/codementor/adapters/llm/drain"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// stream reads one streamed answer. Recv and Close may run on different
// goroutines: Close cancels the request first, which unblocks a Recv
// waiting on the network, then takes the lock to release the body.
type stream struct {
	p      *Provider
	parent context.Context // the caller's: tells its cancellation from ours
	cancel context.CancelFunc
	sse    *sseReader  // the body's events (sse.go: the SDK's decoder keeps far more per stream)
	idle   *time.Timer // the idle timeout, armed while waiting on the server
	cur    streamChunk // the last chunk read
	// finished is set once the finish reason came: from then on, closing
	// the body reads it to its end first, keeping the connection (drain.go).
	finished *atomic.Bool

	closed  atomic.Bool // Close was called
	stalled atomic.Bool // the idle timer fired

	infoMu sync.Mutex
	model  string

	mu      sync.Mutex
	pending []llm.Event
	finish  string // the server's finish_reason, "" until it comes
	refused bool
	usage   *llm.Usage
	err     error // terminal: io.EOF after done, or an *llm.Error
}

var (
	_ ports.Stream     = (*stream)(nil)
	_ ports.StreamInfo = (*stream)(nil)
)

// openStream sends the request and waits, at most the provider's Timeout,
// for the server to answer with its headers.
func (p *Provider) openStream(ctx context.Context, params oai.ChatCompletionNewParams) (*stream, error) {
	sctx, cancel := context.WithCancel(ctx)
	finished := new(atomic.Bool)
	sctx = drain.WithDrain(sctx, finished)
	var late atomic.Bool
	timer := time.AfterFunc(p.timeout, func() {
		late.Store(true)
		cancel()
	})
	// The SDK makes the request (and its errors); the body, the SSE events,
	// is read here.
	var raw *http.Response
	_, err := p.chat.New(sctx, params, option.WithJSONSet("stream", true), option.WithResponseBodyInto(&raw))
	timer.Stop()
	if err != nil || late.Load() || raw == nil || raw.Body == nil {
		cancel()
		if raw != nil && raw.Body != nil {
			_ = raw.Body.Close()
		}
		if late.Load() && !isCanceled(ctx) {
			return nil, p.errorf(llm.ErrUnavailable, context.DeadlineExceeded, "timed out waiting for the stream to start")
		}
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, p.classify(ctx, err, "")
	}
	s := &stream{p: p, parent: ctx, cancel: cancel, sse: newSSEReader(raw.Body), finished: finished, model: params.Model}
	s.idle = time.AfterFunc(time.Hour, func() {
		s.stalled.Store(true)
		s.cancel()
	})
	s.idle.Stop()
	return s, nil
}

// Recv returns the next event: deltas, then usage (if the server sent
// any), then done, then io.EOF. A stream that ends before the server said
// why it finished is an ErrUnavailable, not a short answer.
func (s *stream) Recv() (llm.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if len(s.pending) > 0 {
			ev := s.pending[0]
			s.pending = s.pending[1:]
			return ev, nil
		}
		if s.err != nil {
			return llm.Event{}, s.err
		}
		if s.next() {
			s.take(&s.cur)
			continue
		}
		s.end(s.sse.err)
	}
}

// next reads the next chunk, giving up when none comes within the idle
// timeout. The timer runs only while we wait on the server, not while the
// caller takes its time between two Recv calls.
func (s *stream) next() bool {
	s.idle.Reset(s.p.idle)
	ok := s.sse.next(&s.cur)
	s.idle.Stop()
	return ok
}

func (s *stream) take(chunk *streamChunk) {
	if chunk.Model != "" {
		s.infoMu.Lock()
		s.model = chunk.Model
		s.infoMu.Unlock()
	}
	for _, c := range chunk.Choices {
		if c.Index != 0 {
			continue // we never ask for n > 1
		}
		if c.Content != "" {
			s.pending = append(s.pending, llm.Event{Kind: llm.EventDelta, Text: c.Content})
		}
		if c.Refusal != "" {
			s.refused = true
		}
		if c.FinishReason != "" {
			s.finish = c.FinishReason
			// The body is closed on [DONE], inside next: the drain must
			// be allowed before.
			s.finished.Store(true)
		}
	}
	// The usage comes on a last chunk with no choices; some servers send
	// a running total on every chunk, so the latest wins.
	if u := chunk.Usage; u != nil {
		s.usage = &llm.Usage{PromptTokens: int(u.PromptTokens), CompletionTokens: int(u.CompletionTokens),
			CachedTokens: int(u.CachedTokens)}
	}
}

// end decides what the end of the body means. err is the reader's, nil for
// [DONE] or a clean end of the body.
func (s *stream) end(err error) {
	switch {
	case s.closed.Load() || isCanceled(s.parent):
		s.fail(s.p.errorf(llm.ErrCanceled, context.Canceled, "stream canceled by the caller"))
	case s.stalled.Load() && s.finish == "":
		s.fail(s.p.errorf(llm.ErrUnavailable, context.DeadlineExceeded, "stream stalled: no chunk for %s", s.p.idle))
	case err == nil && s.finish == "":
		s.fail(s.p.errorf(llm.ErrUnavailable, io.ErrUnexpectedEOF, "stream ended before the answer finished"))
	case err != nil && s.finish == "":
		s.fail(s.p.classify(s.parent, err, "stream"))
	case err != nil && isStreamError(err):
		s.fail(s.p.classify(s.parent, err, "stream"))
	default:
		// The answer is whole; only the tail (usage, [DONE]) may be
		// missing if the connection went after the finish reason.
		s.done()
	}
}

func isStreamError(err error) bool {
	var se *ssestream.StreamError
	return errors.As(err, &se)
}

func (s *stream) done() {
	if s.usage != nil {
		s.pending = append(s.pending, llm.Event{Kind: llm.EventUsage, Usage: *s.usage})
	}
	finish := finishReason(s.finish)
	if s.refused && finish == llm.FinishStop {
		finish = llm.FinishContentFilter
	}
	s.pending = append(s.pending, llm.Event{Kind: llm.EventDone, FinishReason: finish})
	s.err = io.EOF
	// The body first, while the request is live, so that it can be read to
	// its end and the connection kept; then the context.
	_ = s.sse.close()
	s.cancel()
}

func (s *stream) fail(err *llm.Error) {
	s.pending = nil
	s.err = err
	s.release()
}

// release aborts the request: the context first, so that the body's Close
// does not wait for anything.
func (s *stream) release() {
	s.cancel()
	_ = s.sse.close()
}

// Close cancels the request (the server sees the connection go) and
// releases it; later Recv calls return ErrCanceled, or io.EOF if the stream
// had already ended.
func (s *stream) Close() error {
	s.closed.Store(true)
	s.cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.fail(s.p.errorf(llm.ErrCanceled, context.Canceled, "stream canceled by the caller"))
	}
	return nil
}

// Provider is the name of the provider answering.
func (s *stream) Provider() string { return s.p.name }

// Model is the model the server says answers (the requested one until its
// first chunk).
func (s *stream) Model() string {
	s.infoMu.Lock()
	defer s.infoMu.Unlock()
	return s.model
}
