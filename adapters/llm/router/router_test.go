package router_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/llm/router"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// result is one scripted Complete outcome.
type result struct {
	text string
	err  error
}

// script is one scripted stream: openErr fails Stream itself; otherwise Recv
// returns events in order, err at index failAt (when failAt >= 0), then io.EOF.
type script struct {
	openErr error
	events  []llm.Event
	failAt  int
	err     error
}

// fakeProvider is a scripted ports.LLMProvider. Each queue's last entry
// repeats once the others are used up.
type fakeProvider struct {
	name string

	mu        sync.Mutex
	completes []result
	streams   []script
	calls     int
	models    []string
	closed    int
}

func (f *fakeProvider) Name() string { return f.name }

func (f *fakeProvider) Complete(_ context.Context, req llm.Request) (llm.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.models = append(f.models, req.Model)
	r := next(&f.completes)
	if r.err != nil {
		return llm.Response{}, r.err
	}
	return llm.Response{Text: r.text, Provider: f.name, Model: req.Model, FinishReason: llm.FinishStop}, nil
}

func (f *fakeProvider) Stream(_ context.Context, req llm.Request) (ports.Stream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	f.models = append(f.models, req.Model)
	s := next(&f.streams)
	if s.openErr != nil {
		return nil, s.openErr
	}
	return &fakeStream{p: f, s: s}, nil
}

func (f *fakeProvider) stats() (calls int, models []string, closed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, append([]string(nil), f.models...), f.closed
}

func (f *fakeProvider) script(c ...result) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.completes = c
}

func next[T any](q *[]T) T {
	if len(*q) == 0 {
		panic("fake provider: nothing scripted")
	}
	v := (*q)[0]
	if len(*q) > 1 {
		*q = (*q)[1:]
	}
	return v
}

type fakeStream struct {
	p *fakeProvider
	s script
	i int
}

func (s *fakeStream) Recv() (llm.Event, error) {
	defer func() { s.i++ }()
	if s.s.failAt >= 0 && s.i == s.s.failAt {
		return llm.Event{}, s.s.err
	}
	if s.i >= len(s.s.events) {
		return llm.Event{}, io.EOF
	}
	return s.s.events[s.i], nil
}

func (s *fakeStream) Close() error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.closed++
	return nil
}

// sleeps records the router's waits instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func ok(text string) result { return result{text: text} }

func fail(kind llm.ErrorKind) result { return result{err: &llm.Error{Kind: kind, Msg: "scripted"}} }

func request(p llm.Purpose) llm.Request {
	return llm.Request{Purpose: p, Messages: []llm.Message{{Role: llm.RoleUser, Content: "hello"}}}
}

var events = []llm.Event{
	{Kind: llm.EventDelta, Text: "Hel"},
	{Kind: llm.EventDelta, Text: "lo"},
	{Kind: llm.EventUsage, Usage: llm.Usage{PromptTokens: 3, CompletionTokens: 2}},
	{Kind: llm.EventDone, FinishReason: llm.FinishStop},
}

func goodStream() script { return script{events: events, failAt: -1} }

// twoProviders builds a router whose default route is a/model-a then
// b/model-b, with recorded sleeps.
func twoProviders(t *testing.T, mod func(*router.Options)) (*router.Router, *fakeProvider, *fakeProvider, *sleeps) {
	t.Helper()
	a, b, s := &fakeProvider{name: "a"}, &fakeProvider{name: "b"}, &sleeps{}
	o := router.Options{
		Providers:    map[string]ports.LLMProvider{"a": a, "b": b},
		DefaultRoute: []router.Target{{Provider: "a", Model: "model-a"}, {Provider: "b", Model: "model-b"}},
		Sleep:        s.sleep,
	}
	if mod != nil {
		mod(&o)
	}
	r, err := router.New(o)
	require.NoError(t, err)
	return r, a, b, s
}

func TestComplete_FallsBackOnTransientFailures(t *testing.T) {
	t.Parallel()
	cases := map[string]error{
		"rate limited":       &llm.Error{Kind: llm.ErrRateLimited, Status: 429, Msg: "slow down"},
		"server error":       &llm.Error{Kind: llm.ErrUnavailable, Status: 500, Msg: "internal error"},
		"timeout":            &llm.Error{Kind: llm.ErrUnavailable, Msg: "timeout", Err: context.DeadlineExceeded},
		"connection refused": &llm.Error{Kind: llm.ErrUnavailable, Msg: "connect", Err: syscall.ECONNREFUSED},
	}
	for name, perr := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, a, b, s := twoProviders(t, nil)
			a.script(result{err: perr})
			b.script(ok("from b"))

			resp, err := r.Complete(context.Background(), request(llm.PurposeChat))
			require.NoError(t, err)
			assert.Equal(t, "from b", resp.Text)
			assert.Equal(t, "b", resp.Provider)
			assert.Equal(t, "model-b", resp.Model)

			aCalls, aModels, _ := a.stats()
			bCalls, bModels, _ := b.stats()
			assert.Equal(t, 2, aCalls, "the first try plus one retry")
			assert.Equal(t, []string{"model-a", "model-a"}, aModels)
			assert.Equal(t, 1, bCalls)
			assert.Equal(t, []string{"model-b"}, bModels)
			assert.Len(t, s.all(), 1, "one wait between a's attempts, none before b")
		})
	}
}

func TestComplete_RetriesThenSucceedsOnSameTarget(t *testing.T) {
	t.Parallel()
	r, a, b, _ := twoProviders(t, nil)
	a.script(fail(llm.ErrUnavailable), ok("from a"))
	b.script(ok("from b"))

	resp, err := r.Complete(context.Background(), request(llm.PurposeChat))
	require.NoError(t, err)
	assert.Equal(t, "from a", resp.Text)
	assert.Equal(t, "a", resp.Provider)
	bCalls, _, _ := b.stats()
	assert.Zero(t, bCalls)
}

func TestComplete_HonoursRetryAfter(t *testing.T) {
	t.Parallel()
	r, a, b, s := twoProviders(t, nil)
	a.script(result{err: &llm.Error{Kind: llm.ErrRateLimited, Status: 429, RetryAfter: 3 * time.Second}}, ok("from a"))
	b.script(ok("from b"))

	resp, err := r.Complete(context.Background(), request(llm.PurposeChat))
	require.NoError(t, err)
	assert.Equal(t, "from a", resp.Text)
	assert.Equal(t, []time.Duration{3 * time.Second}, s.all(), "exactly the provider's Retry-After, not a backoff")
	bCalls, _, _ := b.stats()
	assert.Zero(t, bCalls)
}

func TestComplete_TooLongRetryAfterMovesOnWithoutWaiting(t *testing.T) {
	t.Parallel()
	r, a, b, s := twoProviders(t, nil)
	a.script(result{err: &llm.Error{Kind: llm.ErrRateLimited, Status: 429, RetryAfter: 60 * time.Second}})
	b.script(ok("from b"))

	resp, err := r.Complete(context.Background(), request(llm.PurposeChat))
	require.NoError(t, err)
	assert.Equal(t, "b", resp.Provider)
	aCalls, _, _ := a.stats()
	assert.Equal(t, 1, aCalls)
	assert.Empty(t, s.all())
}

func TestComplete_BackoffIsExponentialWithFullJitter(t *testing.T) {
	t.Parallel()
	const (
		base     = 100 * time.Millisecond
		ceil     = time.Second
		attempts = 7
	)
	var all []time.Duration
	for range 40 {
		a, s := &fakeProvider{name: "a"}, &sleeps{}
		a.script(fail(llm.ErrUnavailable))
		r, err := router.New(router.Options{
			Providers:    map[string]ports.LLMProvider{"a": a},
			DefaultRoute: []router.Target{{Provider: "a", Model: "m"}},
			MaxAttempts:  attempts,
			BaseBackoff:  base,
			MaxBackoff:   ceil,
			Breaker:      router.BreakerOptions{ConsecutiveFailures: 1000},
			Sleep:        s.sleep,
		})
		require.NoError(t, err)

		_, err = r.Complete(context.Background(), request(llm.PurposeChat))
		assert.Equal(t, llm.ErrUnavailable, llm.KindOf(err))
		waits := s.all()
		require.Len(t, waits, attempts-1)
		for n, w := range waits {
			ceiling := min(base<<n, ceil)
			assert.GreaterOrEqual(t, w, time.Duration(0))
			assert.LessOrEqual(t, w, ceiling, "wait %d", n)
		}
		all = append(all, waits...)
	}
	distinct := map[time.Duration]bool{}
	for _, w := range all {
		distinct[w] = true
	}
	assert.Greater(t, len(distinct), len(all)/2, "waits are jittered")
}

func TestComplete_NonRetryableErrorsReturnAtOnce(t *testing.T) {
	t.Parallel()
	for _, kind := range []llm.ErrorKind{llm.ErrInvalidRequest, llm.ErrContextTooLong, llm.ErrContentFiltered} {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			r, a, b, s := twoProviders(t, nil)
			a.script(fail(kind))
			b.script(ok("from b"))

			_, err := r.Complete(context.Background(), request(llm.PurposeChat))
			require.Error(t, err)
			var le *llm.Error
			require.ErrorAs(t, err, &le)
			assert.Equal(t, kind, le.Kind)
			assert.Equal(t, "a", le.Provider)
			aCalls, _, _ := a.stats()
			bCalls, _, _ := b.stats()
			assert.Equal(t, 1, aCalls)
			assert.Zero(t, bCalls)
			assert.Empty(t, s.all())
		})
	}
}

func TestComplete_AuthFailureFallsBackWithoutRetry(t *testing.T) {
	t.Parallel()
	r, a, b, s := twoProviders(t, nil)
	a.script(result{err: &llm.Error{Kind: llm.ErrAuth, Status: 401}})
	b.script(ok("from b"))

	resp, err := r.Complete(context.Background(), request(llm.PurposeChat))
	require.NoError(t, err)
	assert.Equal(t, "b", resp.Provider)
	aCalls, _, _ := a.stats()
	assert.Equal(t, 1, aCalls)
	assert.Empty(t, s.all())
}

func TestComplete_EveryTargetFailingReturnsTheLastError(t *testing.T) {
	t.Parallel()
	r, a, b, _ := twoProviders(t, nil)
	a.script(fail(llm.ErrRateLimited))
	b.script(result{err: &llm.Error{Kind: llm.ErrUnavailable, Status: 503}})

	_, err := r.Complete(context.Background(), request(llm.PurposeChat))
	var le *llm.Error
	require.ErrorAs(t, err, &le)
	assert.Equal(t, llm.ErrUnavailable, le.Kind)
	assert.Equal(t, "b", le.Provider)
	assert.Equal(t, 503, le.Status)
	assert.ErrorIs(t, err, domain.ErrUnavailable)
}

func TestComplete_UnclassifiedProviderErrorCountsAsOutage(t *testing.T) {
	t.Parallel()
	r, a, b, _ := twoProviders(t, nil)
	a.script(result{err: errors.New("boom")})
	b.script(ok("from b"))

	resp, err := r.Complete(context.Background(), request(llm.PurposeChat))
	require.NoError(t, err)
	assert.Equal(t, "b", resp.Provider)
}

func TestComplete_InvalidRequestIsRejectedBeforeAnyProvider(t *testing.T) {
	t.Parallel()
	r, a, _, _ := twoProviders(t, nil)
	a.script(ok("from a"))

	_, err := r.Complete(context.Background(), llm.Request{Purpose: llm.PurposeChat})
	assert.Equal(t, llm.ErrInvalidRequest, llm.KindOf(err))
	var verr *domain.ValidationError
	assert.ErrorAs(t, err, &verr)
	calls, _, _ := a.stats()
	assert.Zero(t, calls)
}

func TestStream_FailureBeforeFirstEventFallsBack(t *testing.T) {
	t.Parallel()
	cases := map[string]script{
		"open fails":        {openErr: &llm.Error{Kind: llm.ErrUnavailable, Status: 502}},
		"first recv fails":  {events: events, failAt: 0, err: &llm.Error{Kind: llm.ErrRateLimited, Status: 429}},
		"ends with nothing": {failAt: -1},
	}
	for name, first := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, a, b, _ := twoProviders(t, func(o *router.Options) { o.MaxAttempts = 1 })
			a.streams = []script{first}
			b.streams = []script{goodStream()}

			s, err := r.Stream(context.Background(), request(llm.PurposeChat))
			require.NoError(t, err)
			info, isInfo := s.(ports.StreamInfo)
			require.True(t, isInfo)
			assert.Equal(t, "b", info.Provider())
			assert.Equal(t, "model-b", info.Model())

			got := drain(t, s)
			assert.Equal(t, events, got)
			require.NoError(t, s.Close())

			aCalls, _, aClosed := a.stats()
			_, _, bClosed := b.stats()
			assert.Equal(t, 1, aCalls)
			if first.openErr == nil {
				assert.Equal(t, 1, aClosed, "a's failed stream is closed")
			}
			assert.Equal(t, 1, bClosed)
		})
	}
}

func TestStream_FailureAfterFirstDeltaReachesCaller(t *testing.T) {
	t.Parallel()
	r, a, b, _ := twoProviders(t, nil)
	midway := &llm.Error{Kind: llm.ErrUnavailable, Provider: "a", Msg: "connection reset"}
	a.streams = []script{{events: events, failAt: 1, err: midway}}
	b.streams = []script{goodStream()}

	s, err := r.Stream(context.Background(), request(llm.PurposeChat))
	require.NoError(t, err)
	ev, err := s.Recv()
	require.NoError(t, err)
	assert.Equal(t, events[0], ev, "the first event is replayed")

	_, err = s.Recv()
	assert.Same(t, midway, err, "the error reaches the caller as is")
	require.NoError(t, s.Close())

	bCalls, _, _ := b.stats()
	assert.Zero(t, bCalls)
	_, _, aClosed := a.stats()
	assert.Equal(t, 1, aClosed)
}

func TestStream_NonRetryableBeforeFirstEventReturnsAtOnce(t *testing.T) {
	t.Parallel()
	r, a, b, _ := twoProviders(t, nil)
	a.streams = []script{{events: events, failAt: 0, err: &llm.Error{Kind: llm.ErrContentFiltered}}}
	b.streams = []script{goodStream()}

	_, err := r.Stream(context.Background(), request(llm.PurposeChat))
	assert.Equal(t, llm.ErrContentFiltered, llm.KindOf(err))
	bCalls, _, _ := b.stats()
	assert.Zero(t, bCalls)
	_, _, aClosed := a.stats()
	assert.Equal(t, 1, aClosed)
}

func drain(t *testing.T, s ports.Stream) []llm.Event {
	t.Helper()
	var got []llm.Event
	for {
		ev, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return got
		}
		require.NoError(t, err)
		got = append(got, ev)
	}
}

func TestBreaker_OpensAfterConsecutiveFailuresAndClosesAfterProbe(t *testing.T) {
	t.Parallel()
	r, a, b, _ := twoProviders(t, func(o *router.Options) {
		o.MaxAttempts = 1
		o.Breaker = router.BreakerOptions{ConsecutiveFailures: 3, OpenFor: 50 * time.Millisecond}
	})
	a.script(fail(llm.ErrUnavailable))
	b.script(ok("from b"))
	ctx := context.Background()

	for range 3 {
		resp, err := r.Complete(ctx, request(llm.PurposeChat))
		require.NoError(t, err)
		assert.Equal(t, "b", resp.Provider)
	}
	assert.Equal(t, "open", r.Status()["a"])
	assert.Equal(t, "closed", r.Status()["b"])

	resp, err := r.Complete(ctx, request(llm.PurposeChat))
	require.NoError(t, err)
	assert.Equal(t, "b", resp.Provider)
	aCalls, _, _ := a.stats()
	assert.Equal(t, 3, aCalls, "an open breaker skips its provider without calling it")

	// gobreaker reads the wall clock: wait out OpenFor.
	time.Sleep(80 * time.Millisecond)
	assert.Equal(t, "half-open", r.Status()["a"])
	a.script(ok("from a"))
	resp, err = r.Complete(ctx, request(llm.PurposeChat))
	require.NoError(t, err)
	assert.Equal(t, "a", resp.Provider, "the probe goes through")
	assert.Equal(t, "closed", r.Status()["a"])
}

func TestBreaker_FailedProbeReopens(t *testing.T) {
	t.Parallel()
	r, a, b, _ := twoProviders(t, func(o *router.Options) {
		o.MaxAttempts = 1
		o.Breaker = router.BreakerOptions{ConsecutiveFailures: 1, OpenFor: 50 * time.Millisecond}
	})
	a.script(fail(llm.ErrRateLimited))
	b.script(ok("from b"))

	_, err := r.Complete(context.Background(), request(llm.PurposeChat))
	require.NoError(t, err)
	require.Equal(t, "open", r.Status()["a"])
	time.Sleep(80 * time.Millisecond)
	_, err = r.Complete(context.Background(), request(llm.PurposeChat))
	require.NoError(t, err)
	assert.Equal(t, "open", r.Status()["a"])
	aCalls, _, _ := a.stats()
	assert.Equal(t, 2, aCalls)
}

func TestBreaker_IgnoresRequestErrors(t *testing.T) {
	t.Parallel()
	r, a, _, _ := twoProviders(t, func(o *router.Options) {
		o.Breaker = router.BreakerOptions{ConsecutiveFailures: 2}
	})
	a.script(fail(llm.ErrInvalidRequest), fail(llm.ErrContextTooLong), fail(llm.ErrContentFiltered), fail(llm.ErrCanceled))
	for range 4 {
		_, err := r.Complete(context.Background(), request(llm.PurposeChat))
		require.Error(t, err)
	}
	assert.Equal(t, "closed", r.Status()["a"])
}

func TestBreaker_AllOpenReturnsUnavailable(t *testing.T) {
	t.Parallel()
	r, a, b, _ := twoProviders(t, func(o *router.Options) {
		o.MaxAttempts = 1
		o.Breaker = router.BreakerOptions{ConsecutiveFailures: 1, OpenFor: time.Minute}
	})
	a.script(fail(llm.ErrUnavailable))
	b.script(fail(llm.ErrUnavailable))
	_, err := r.Complete(context.Background(), request(llm.PurposeChat))
	require.Error(t, err)

	_, err = r.Complete(context.Background(), request(llm.PurposeChat))
	assert.Equal(t, llm.ErrUnavailable, llm.KindOf(err))
	assert.ErrorIs(t, err, domain.ErrUnavailable)
	aCalls, _, _ := a.stats()
	bCalls, _, _ := b.stats()
	assert.Equal(t, 1, aCalls)
	assert.Equal(t, 1, bCalls)
}

func TestBreaker_StreamsDroppedMidwayCountAsFailures(t *testing.T) {
	t.Parallel()
	r, a, _, _ := twoProviders(t, func(o *router.Options) {
		o.Breaker = router.BreakerOptions{ConsecutiveFailures: 2, OpenFor: time.Minute}
	})
	a.streams = []script{{events: events, failAt: 1, err: &llm.Error{Kind: llm.ErrUnavailable, Msg: "reset"}}}
	for range 2 {
		s, err := r.Stream(context.Background(), request(llm.PurposeChat))
		require.NoError(t, err)
		_, err = s.Recv()
		require.NoError(t, err)
		_, err = s.Recv()
		require.Error(t, err)
		require.NoError(t, s.Close())
	}
	assert.Equal(t, "open", r.Status()["a"])
}

func TestBreaker_StreamClosedEarlyCountsNeitherWay(t *testing.T) {
	t.Parallel()
	r, a, b, _ := twoProviders(t, func(o *router.Options) {
		o.MaxAttempts = 1
		o.Breaker = router.BreakerOptions{ConsecutiveFailures: 1, OpenFor: 50 * time.Millisecond}
	})
	a.streams = []script{{openErr: &llm.Error{Kind: llm.ErrUnavailable}}, goodStream()}
	b.streams = []script{{openErr: &llm.Error{Kind: llm.ErrUnavailable}}}
	// Trip the breaker, wait for half-open, then probe with a stream the
	// caller abandons: the breaker stays half-open and lets the next probe in.
	_, _ = r.Stream(context.Background(), request(llm.PurposeChat))
	require.Equal(t, "open", r.Status()["a"])
	time.Sleep(80 * time.Millisecond)

	s, err := r.Stream(context.Background(), request(llm.PurposeChat))
	require.NoError(t, err)
	_, err = s.Recv()
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
	assert.Equal(t, "half-open", r.Status()["a"])

	s, err = r.Stream(context.Background(), request(llm.PurposeChat))
	require.NoError(t, err)
	assert.Equal(t, "a", s.(ports.StreamInfo).Provider())
	drain(t, s)
	require.NoError(t, s.Close())
	assert.Equal(t, "closed", r.Status()["a"])
}

func TestOffline(t *testing.T) {
	t.Parallel()
	r, err := router.New(router.Options{})
	require.NoError(t, err)
	assert.False(t, r.Configured())
	assert.Empty(t, r.Status())

	_, err = r.Complete(context.Background(), request(llm.PurposeChat))
	assert.Same(t, llm.NotConfigured, err)
	assert.ErrorIs(t, err, domain.ErrUnavailable)

	s, err := r.Stream(context.Background(), request(llm.PurposeChat))
	assert.Nil(t, s)
	assert.Same(t, llm.NotConfigured, err)
	assert.ErrorIs(t, err, domain.ErrUnavailable)
}

func TestCancelDuringWaitReturnsPromptly(t *testing.T) {
	t.Parallel()
	a, b := &fakeProvider{name: "a"}, &fakeProvider{name: "b"}
	a.script(result{err: &llm.Error{Kind: llm.ErrRateLimited, RetryAfter: 5 * time.Second}})
	b.script(ok("from b"))
	r, err := router.New(router.Options{ // the default Sleep: a real timer
		Providers:    map[string]ports.LLMProvider{"a": a, "b": b},
		DefaultRoute: []router.Target{{Provider: "a", Model: "model-a"}, {Provider: "b", Model: "model-b"}},
	})
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	start := time.Now()
	_, err = r.Complete(ctx, request(llm.PurposeChat))
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, llm.ErrCanceled, llm.KindOf(err))
	assert.ErrorIs(t, err, context.Canceled)
	bCalls, _, _ := b.stats()
	assert.Zero(t, bCalls)
}

func TestCanceledContextCallsNoProvider(t *testing.T) {
	t.Parallel()
	r, a, _, _ := twoProviders(t, nil)
	a.script(ok("from a"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	_, err := r.Complete(ctx, request(llm.PurposeChat))
	assert.Equal(t, llm.ErrCanceled, llm.KindOf(err))
	calls, _, _ := a.stats()
	assert.Zero(t, calls)
}

func TestRoutesPerPurpose(t *testing.T) {
	t.Parallel()
	a, b := &fakeProvider{name: "a"}, &fakeProvider{name: "b"}
	a.script(ok("a"))
	b.script(ok("b"))
	a.streams = []script{goodStream()}
	r, err := router.New(router.Options{
		Providers: map[string]ports.LLMProvider{"a": a, "b": b},
		Routes: map[llm.Purpose][]router.Target{
			llm.PurposeChat: {{Provider: "a", Model: "a-chat"}, {Provider: "b", Model: "b-chat"}},
			llm.PurposeHint: {{Provider: "b", Model: "b-hint"}},
		},
		DefaultRoute: []router.Target{{Provider: "a", Model: "a-cheap"}},
	})
	require.NoError(t, err)
	ctx := context.Background()

	for _, tc := range []struct {
		purpose  llm.Purpose
		provider string
		model    string
	}{
		{llm.PurposeChat, "a", "a-chat"},
		{llm.PurposeHint, "b", "b-hint"},
		{llm.PurposeSummary, "a", "a-cheap"},
	} {
		resp, err := r.Complete(ctx, request(tc.purpose))
		require.NoError(t, err)
		assert.Equal(t, tc.provider, resp.Provider, tc.purpose)
		assert.Equal(t, tc.model, resp.Model, tc.purpose)
	}
	s, err := r.Stream(ctx, request(llm.PurposeChat))
	require.NoError(t, err)
	assert.Equal(t, "a-chat", s.(ports.StreamInfo).Model())
	require.NoError(t, s.Close())

	_, aModels, _ := a.stats()
	_, bModels, _ := b.stats()
	assert.Equal(t, []string{"a-chat", "a-cheap", "a-chat"}, aModels, "each target's model is the one sent")
	assert.Equal(t, []string{"b-hint"}, bModels)
}

func TestPinnedModel(t *testing.T) {
	t.Parallel()
	t.Run("a model of the route keeps only its targets", func(t *testing.T) {
		t.Parallel()
		r, a, b, _ := twoProviders(t, nil)
		a.script(ok("a"))
		b.script(fail(llm.ErrUnavailable))
		req := request(llm.PurposeChat)
		req.Model = "model-b"

		_, err := r.Complete(context.Background(), req)
		assert.Equal(t, llm.ErrUnavailable, llm.KindOf(err), "no fallback to another model")
		aCalls, _, _ := a.stats()
		_, bModels, _ := b.stats()
		assert.Zero(t, aCalls)
		assert.Equal(t, []string{"model-b", "model-b"}, bModels)
	})
	t.Run("another model goes to the route's first provider", func(t *testing.T) {
		t.Parallel()
		r, a, b, _ := twoProviders(t, nil)
		a.script(fail(llm.ErrUnavailable))
		b.script(ok("b"))
		req := request(llm.PurposeChat)
		req.Model = "model-x"

		_, err := r.Complete(context.Background(), req)
		assert.Equal(t, llm.ErrUnavailable, llm.KindOf(err))
		_, aModels, _ := a.stats()
		bCalls, _, _ := b.stats()
		assert.Equal(t, []string{"model-x", "model-x"}, aModels)
		assert.Zero(t, bCalls)
	})
}

func TestNew_RejectsBadConfig(t *testing.T) {
	t.Parallel()
	a := &fakeProvider{name: "a"}
	cases := map[string]router.Options{
		"unknown provider in route": {
			Providers: map[string]ports.LLMProvider{"a": a},
			Routes:    map[llm.Purpose][]router.Target{llm.PurposeChat: {{Provider: "b", Model: "m"}}},
		},
		"unknown provider in default route": {
			Providers:    map[string]ports.LLMProvider{"a": a},
			DefaultRoute: []router.Target{{Provider: "b", Model: "m"}},
		},
		"key is not the name": {
			Providers:    map[string]ports.LLMProvider{"x": a},
			DefaultRoute: []router.Target{{Provider: "x", Model: "m"}},
		},
		"target without model": {
			Providers:    map[string]ports.LLMProvider{"a": a},
			DefaultRoute: []router.Target{{Provider: "a"}},
		},
		"purpose without route": {
			Providers: map[string]ports.LLMProvider{"a": a},
			Routes:    map[llm.Purpose][]router.Target{llm.PurposeChat: {{Provider: "a", Model: "m"}}},
		},
		"unknown purpose": {
			Providers:    map[string]ports.LLMProvider{"a": a},
			Routes:       map[llm.Purpose][]router.Target{"poetry": {{Provider: "a", Model: "m"}}},
			DefaultRoute: []router.Target{{Provider: "a", Model: "m"}},
		},
		"route without provider configured": {
			DefaultRoute: []router.Target{{Provider: "a", Model: "m"}},
		},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := router.New(o)
			assert.Error(t, err)
		})
	}
}

func TestFallbackIsLoggedWithoutThePrompt(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	r, a, b, _ := twoProviders(t, func(o *router.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	a.script(result{err: &llm.Error{Kind: llm.ErrUnavailable, Status: 503}})
	b.script(ok("from b"))
	req := request(llm.PurposeChat)
	req.System = "secret system prompt"

	_, err := r.Complete(context.Background(), req)
	require.NoError(t, err)
	logs := buf.String()
	assert.Contains(t, logs, `msg="llm fallback" op=complete provider=a model=model-a kind=unavailable status=503 attempt=2`)
	assert.Contains(t, logs, `msg="llm retry"`)
	assert.NotContains(t, logs, "hello")
	assert.NotContains(t, logs, "secret")
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
