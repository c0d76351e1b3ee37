package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/llm/openai"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/fakes/openaiserver"
)

const (
	apiKey = "sk-test-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	model  = "gpt-4o-mini"
	prompt = "Why does my recursive fibonacci take forever for n=50?"
)

func newFake(t *testing.T) *openaiserver.Server {
	t.Helper()
	return openaiserver.New(t, openaiserver.Config{APIKey: apiKey})
}

func newProvider(t *testing.T, fake *openaiserver.Server, edit ...func(*openai.Options)) *openai.Provider {
	t.Helper()
	o := openai.Options{
		APIKey:            apiKey,
		BaseURL:           fake.URL(),
		DefaultModel:      model,
		Timeout:           5 * time.Second,
		StreamIdleTimeout: 5 * time.Second,
	}
	for _, e := range edit {
		e(&o)
	}
	p, err := openai.New(o)
	require.NoError(t, err)
	return p
}

func request() llm.Request {
	return llm.Request{
		Purpose:  llm.PurposeChat,
		System:   "You are a patient programming tutor.",
		Messages: []llm.Message{{Role: llm.RoleUser, Content: prompt}},
	}
}

// requireKind checks err is an *llm.Error of kind, and that nothing in it
// or under it shows the API key or the prompt.
func requireKind(t *testing.T, err error, kind llm.ErrorKind) *llm.Error {
	t.Helper()
	require.Error(t, err)
	var le *llm.Error
	require.ErrorAs(t, err, &le, "%T: %v", err, err)
	require.Equal(t, kind, le.Kind, "%v", err)
	assert.Equal(t, "openai", le.Provider)
	assertClean(t, err)
	return le
}

func assertClean(t *testing.T, err error) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
			assert.NotContains(t, s, apiKey)
			assert.NotContains(t, s, apiKey[len(apiKey)-8:], "not even the key's tail")
			assert.NotContains(t, s, prompt)
		}
	}
}

// drain reads a stream to its end: the events, and the error that ended it
// (io.EOF when it ended well).
func drain(t *testing.T, s ports.Stream) ([]llm.Event, error) {
	t.Helper()
	var evs []llm.Event
	for range 10_000 {
		ev, err := s.Recv()
		if err != nil {
			return evs, err
		}
		evs = append(evs, ev)
	}
	t.Fatal("the stream never ended")
	return nil, nil
}

func text(evs []llm.Event) string {
	var b strings.Builder
	for _, ev := range evs {
		if ev.Kind == llm.EventDelta {
			b.WriteString(ev.Text)
		}
	}
	return b.String()
}

func kinds(evs []llm.Event) []llm.EventKind {
	out := make([]llm.EventKind, len(evs))
	for i, ev := range evs {
		out[i] = ev.Kind
	}
	return out
}

func waitCanceled(t *testing.T, fake *openaiserver.Server, within time.Duration) {
	t.Helper()
	select {
	case <-fake.Canceled():
	case <-time.After(within):
		t.Fatalf("the server did not see the request cancelled within %s", within)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]openai.Options{
		"relative base URL": {BaseURL: "api.openai.com/v1"},
		"odd scheme":        {BaseURL: "ftp://example.com/v1"},
		"negative timeout":  {Timeout: -time.Second},
	} {
		_, err := openai.New(o)
		assert.Error(t, err, name)
	}
	p, err := openai.New(openai.Options{})
	require.NoError(t, err)
	assert.Equal(t, "openai", p.Name())
	p, err = openai.New(openai.Options{Name: "openrouter"})
	require.NoError(t, err)
	assert.Equal(t, "openrouter", p.Name())
}

func TestCompleteReturnsTheAnswer(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(openaiserver.Reply{
		Text:  "Because it recomputes the same values: memoize it.",
		Model: "gpt-4o-mini-2024-07-18",
		Usage: &openaiserver.Usage{Prompt: 42, Completion: 11},
	})
	p := newProvider(t, fake)
	temp := 0.3
	req := request()
	req.MaxTokens = 256
	req.Temperature = &temp
	req.StopSequence = []string{"\n\n###"}

	res, err := p.Complete(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, "Because it recomputes the same values: memoize it.", res.Text)
	assert.Equal(t, llm.Usage{PromptTokens: 42, CompletionTokens: 11}, res.Usage)
	assert.Equal(t, llm.FinishStop, res.FinishReason)
	assert.Equal(t, "openai", res.Provider)
	assert.Equal(t, "gpt-4o-mini-2024-07-18", res.Model, "the model the server reports")
	assert.Positive(t, res.Latency)

	reqs := fake.Requests()
	require.Len(t, reqs, 1)
	got := reqs[0]
	assert.Equal(t, "/v1/chat/completions", got.Path)
	assert.Equal(t, "Bearer "+apiKey, got.Header.Get("Authorization"))
	assert.Equal(t, model, got.Model)
	assert.False(t, got.Stream)
	assert.Equal(t, json.Number("256"), got.Body["max_completion_tokens"])
	assert.NotContains(t, got.Body, "max_tokens")
	assert.Equal(t, json.Number("0.3"), got.Body["temperature"])
	assert.Equal(t, []any{"\n\n###"}, got.Body["stop"])
	assert.NotContains(t, got.Body, "response_format")
	assert.NotContains(t, got.Body, "stream_options")
}

func TestCompletePutsTheSystemPromptFirst(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	p := newProvider(t, fake)
	req := request()
	req.Messages = []llm.Message{
		{Role: llm.RoleUser, Content: "What is a slice?"},
		{Role: llm.RoleAssistant, Content: "A view over an array."},
		{Role: llm.RoleSystem, Content: "Summary of earlier turns: arrays."},
		{Role: llm.RoleUser, Content: "And its capacity?"},
	}
	_, err := p.Complete(context.Background(), req)
	require.NoError(t, err)

	assert.Equal(t, []openaiserver.Message{
		{Role: "system", Content: "You are a patient programming tutor."},
		{Role: "user", Content: "What is a slice?"},
		{Role: "assistant", Content: "A view over an array."},
		{Role: "system", Content: "Summary of earlier turns: arrays."},
		{Role: "user", Content: "And its capacity?"},
	}, fake.Requests()[0].Messages)

	req.System = ""
	_, err = p.Complete(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, "user", fake.Requests()[1].Messages[0].Role, "no empty system message")
}

func TestCompleteAsksForStructuredOutput(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	answer := `{"verdict":"fail","issues":[{"line":3,"severity":"major"}]}`
	fake.Enqueue(openaiserver.Reply{Text: answer})
	p := newProvider(t, fake)
	schema := `{"type":"object","properties":{"verdict":{"type":"string","enum":["pass","fail"]},` +
		`"issues":{"type":"array","items":{"type":"object","properties":{"line":{"type":"integer"},"severity":{"type":"string"}},` +
		`"required":["line","severity"],"additionalProperties":false}}},"required":["verdict","issues"],"additionalProperties":false}`
	req := request()
	req.Purpose = llm.PurposeReview
	req.Schema = &llm.Schema{Name: "code_review", Description: "A review of the submission", JSON: json.RawMessage(schema)}

	res, err := p.Complete(context.Background(), req)
	require.NoError(t, err)
	assert.JSONEq(t, answer, res.Text)

	var sent struct {
		ResponseFormat struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Name        string          `json:"name"`
				Description string          `json:"description"`
				Strict      bool            `json:"strict"`
				Schema      json.RawMessage `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	require.NoError(t, json.Unmarshal(fake.Requests()[0].Raw, &sent))
	assert.Equal(t, "json_schema", sent.ResponseFormat.Type)
	assert.Equal(t, "code_review", sent.ResponseFormat.JSONSchema.Name)
	assert.Equal(t, "A review of the submission", sent.ResponseFormat.JSONSchema.Description)
	assert.True(t, sent.ResponseFormat.JSONSchema.Strict)
	assert.JSONEq(t, schema, string(sent.ResponseFormat.JSONSchema.Schema))
}

func TestLegacyMaxTokensSendsMaxTokens(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	p := newProvider(t, fake, func(o *openai.Options) { o.LegacyMaxTokens = true })
	req := request()
	req.MaxTokens = 100
	_, err := p.Complete(context.Background(), req)
	require.NoError(t, err)
	body := fake.Requests()[0].Body
	assert.Equal(t, json.Number("100"), body["max_tokens"])
	assert.NotContains(t, body, "max_completion_tokens")
}

func TestStreamYieldsDeltasThenUsageThenDone(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	chunks := []string{"Because ", "each call ", "makes two ", "more calls", "."}
	fake.Enqueue(openaiserver.Reply{
		Chunks:     chunks,
		ChunkDelay: 5 * time.Millisecond,
		Model:      "gpt-4o-mini-2024-07-18",
		Usage:      &openaiserver.Usage{Prompt: 30, Completion: 5},
	})
	p := newProvider(t, fake)

	s, err := p.Stream(context.Background(), request())
	require.NoError(t, err)
	defer s.Close()
	info, ok := s.(ports.StreamInfo)
	require.True(t, ok, "the stream says who answers it")
	assert.Equal(t, "openai", info.Provider())

	evs, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, []llm.EventKind{llm.EventDelta, llm.EventDelta, llm.EventDelta, llm.EventDelta, llm.EventDelta,
		llm.EventUsage, llm.EventDone}, kinds(evs))
	assert.Equal(t, strings.Join(chunks, ""), text(evs))
	assert.Equal(t, llm.Usage{PromptTokens: 30, CompletionTokens: 5}, evs[5].Usage)
	assert.Equal(t, llm.FinishStop, evs[6].FinishReason)
	assert.Equal(t, "gpt-4o-mini-2024-07-18", info.Model())

	_, err = s.Recv()
	assert.ErrorIs(t, err, io.EOF, "EOF again after the end")
	require.NoError(t, s.Close())
	_, err = s.Recv()
	assert.ErrorIs(t, err, io.EOF, "closing an ended stream changes nothing")

	got := fake.Requests()[0]
	assert.True(t, got.Stream)
	assert.True(t, got.IncludeUsage, "stream_options.include_usage")
}

func TestStreamWithoutUsageStillEndsWithDone(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(openaiserver.Reply{Text: "Short answer.", NoUsage: true, FinishReason: "length"})
	s, err := newProvider(t, fake).Stream(context.Background(), request())
	require.NoError(t, err)
	defer s.Close()
	evs, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, []llm.EventKind{llm.EventDelta, llm.EventDelta, llm.EventDone}, kinds(evs))
	assert.Equal(t, llm.FinishLength, evs[2].FinishReason)
}

func TestCachedTokensAreReported(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	u := &openaiserver.Usage{Prompt: 2048, Completion: 20, Cached: 1920}
	fake.Enqueue(openaiserver.Reply{Usage: u}, openaiserver.Reply{Usage: u})
	p := newProvider(t, fake)
	want := llm.Usage{PromptTokens: 2048, CompletionTokens: 20, CachedTokens: 1920}

	res, err := p.Complete(context.Background(), request())
	require.NoError(t, err)
	assert.Equal(t, want, res.Usage)

	s, err := p.Stream(context.Background(), request())
	require.NoError(t, err)
	defer s.Close()
	evs, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	require.GreaterOrEqual(t, len(evs), 2)
	assert.Equal(t, want, evs[len(evs)-2].Usage)
}

func TestRateLimitedCarriesRetryAfterAndIsNotRetried(t *testing.T) {
	t.Parallel()
	httpDate := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	for name, tc := range map[string]struct {
		header   http.Header
		min, max time.Duration
	}{
		"seconds":        {http.Header{"Retry-After": {"7"}}, 7 * time.Second, 7 * time.Second},
		"milliseconds":   {http.Header{"Retry-After-Ms": {"1500"}, "Retry-After": {"2"}}, 1500 * time.Millisecond, 1500 * time.Millisecond},
		"HTTP date":      {http.Header{"Retry-After": {httpDate}}, 25 * time.Second, 30 * time.Second}, // second granularity, and a busy machine
		"nothing usable": {http.Header{"Retry-After": {"soon"}}, 0, 0},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := newFake(t)
			reply := openaiserver.RateLimited("")
			reply.Header = tc.header
			fake.Enqueue(reply)
			_, err := newProvider(t, fake).Complete(context.Background(), request())
			le := requireKind(t, err, llm.ErrRateLimited)
			assert.Equal(t, http.StatusTooManyRequests, le.Status)
			assert.GreaterOrEqual(t, le.RetryAfter, tc.min)
			assert.LessOrEqual(t, le.RetryAfter, tc.max)
			assert.True(t, le.Retryable())
			assert.Len(t, fake.Requests(), 1, "the SDK must not retry: the router does")
		})
	}
}

func TestStreamRateLimitedFailsAtOnce(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(openaiserver.RateLimited("7"))
	s, err := newProvider(t, fake).Stream(context.Background(), request())
	assert.Nil(t, s)
	le := requireKind(t, err, llm.ErrRateLimited)
	assert.Equal(t, 7*time.Second, le.RetryAfter)
	assert.Len(t, fake.Requests(), 1)
}

func TestServerErrorsAreUnavailableAndNotRetried(t *testing.T) {
	t.Parallel()
	for _, status := range []int{500, 502, 503, 504, 529} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			fake := newFake(t)
			reply := openaiserver.ServerError()
			reply.Status = status
			fake.Enqueue(reply, reply)
			p := newProvider(t, fake)

			_, err := p.Complete(context.Background(), request())
			le := requireKind(t, err, llm.ErrUnavailable)
			assert.Equal(t, status, le.Status)
			assert.Len(t, fake.Requests(), 1, "the SDK must not retry: the router does")

			_, err = p.Stream(context.Background(), request())
			requireKind(t, err, llm.ErrUnavailable)
			assert.Len(t, fake.Requests(), 2)
		})
	}
}

func TestProxyErrorsWithoutJSONAreClassifiedByStatus(t *testing.T) {
	t.Parallel()
	for status, kind := range map[int]llm.ErrorKind{
		http.StatusBadGateway:      llm.ErrUnavailable,
		http.StatusTooManyRequests: llm.ErrRateLimited,
		http.StatusUnauthorized:    llm.ErrAuth,
	} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Header().Set("Retry-After", "3")
				w.WriteHeader(status)
				_, _ = io.WriteString(w, "<html><body><h1>"+http.StatusText(status)+"</h1></body></html>")
			}))
			t.Cleanup(srv.Close)
			p, err := openai.New(openai.Options{APIKey: apiKey, BaseURL: srv.URL + "/v1", DefaultModel: model})
			require.NoError(t, err)
			_, err = p.Complete(context.Background(), request())
			le := requireKind(t, err, kind)
			assert.Equal(t, status, le.Status)
		})
	}
}

func TestTimeoutIsUnavailable(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(openaiserver.Reply{Delay: 10 * time.Second})
	p := newProvider(t, fake, func(o *openai.Options) { o.Timeout = 200 * time.Millisecond })

	start := time.Now()
	_, err := p.Complete(context.Background(), request())
	requireKind(t, err, llm.ErrUnavailable)
	assert.Less(t, time.Since(start), 2*time.Second)
	waitCanceled(t, fake, 2*time.Second)
	assert.Len(t, fake.Requests(), 1)
}

func TestStreamThatNeverStartsTimesOut(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(openaiserver.Reply{Delay: 10 * time.Second})
	p := newProvider(t, fake, func(o *openai.Options) { o.Timeout = 200 * time.Millisecond })

	start := time.Now()
	_, err := p.Stream(context.Background(), request())
	requireKind(t, err, llm.ErrUnavailable)
	assert.Less(t, time.Since(start), 2*time.Second)
	waitCanceled(t, fake, 2*time.Second)
}

func TestCallersDeadlineIsUnavailable(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(openaiserver.Reply{Delay: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := newProvider(t, fake).Complete(ctx, request())
	requireKind(t, err, llm.ErrUnavailable)
}

func TestCallerCancelsComplete(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(openaiserver.Reply{Delay: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := newProvider(t, fake).Complete(ctx, request())
	requireKind(t, err, llm.ErrCanceled)
	waitCanceled(t, fake, 2*time.Second)
}

func TestStreamBrokenMidwayIsUnavailable(t *testing.T) {
	t.Parallel()
	for name, mode := range map[string]openaiserver.FaultMode{
		"connection aborted":  openaiserver.FaultBreak,
		"body ended too soon": openaiserver.FaultEnd,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := newFake(t)
			fake.Enqueue(openaiserver.Reply{
				Chunks: []string{"one ", "two ", "three ", "four"},
				Fault:  &openaiserver.StreamFault{After: 2, Mode: mode},
			})
			s, err := newProvider(t, fake).Stream(context.Background(), request())
			require.NoError(t, err)
			defer s.Close()
			evs, err := drain(t, s)
			requireKind(t, err, llm.ErrUnavailable)
			assert.Equal(t, "one two ", text(evs), "the deltas before the break arrive")
			assert.Equal(t, []llm.EventKind{llm.EventDelta, llm.EventDelta}, kinds(evs), "no usage, no done")
			_, again := s.Recv()
			assert.Equal(t, err, again, "the failure sticks")
		})
	}
}

func TestStreamErrorEventIsClassified(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		e    openaiserver.APIError
		kind llm.ErrorKind
	}{
		"upstream outage": {openaiserver.APIError{Type: "server_error", Message: "upstream provider error"}, llm.ErrUnavailable},
		"numeric 429":     {openaiserver.APIError{Code: "429", Message: "rate limited upstream"}, llm.ErrRateLimited},
		"too long":        {openaiserver.APIError{Type: "invalid_request_error", Code: "context_length_exceeded", Message: prompt}, llm.ErrContextTooLong},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := newFake(t)
			fake.Enqueue(openaiserver.Reply{
				Chunks: []string{"one ", "two"},
				Error:  tc.e,
				Fault:  &openaiserver.StreamFault{After: 1, Mode: openaiserver.FaultErrorEvent},
			})
			s, err := newProvider(t, fake).Stream(context.Background(), request())
			require.NoError(t, err)
			defer s.Close()
			evs, err := drain(t, s)
			requireKind(t, err, tc.kind)
			assert.Equal(t, "one ", text(evs))
		})
	}
}

func TestStalledStreamIsUnavailable(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(openaiserver.Reply{
		Chunks: []string{"one ", "two ", "three"},
		Fault:  &openaiserver.StreamFault{After: 2, Mode: openaiserver.FaultStall},
	})
	idle := 300 * time.Millisecond
	s, err := newProvider(t, fake, func(o *openai.Options) { o.StreamIdleTimeout = idle }).
		Stream(context.Background(), request())
	require.NoError(t, err)
	defer s.Close()

	var evs []llm.Event
	for range 2 {
		ev, err := s.Recv()
		require.NoError(t, err)
		evs = append(evs, ev)
	}
	start := time.Now()
	_, err = s.Recv()
	waited := time.Since(start)
	le := requireKind(t, err, llm.ErrUnavailable)
	assert.Contains(t, le.Msg, "stalled")
	assert.Equal(t, "one two ", text(evs))
	assert.GreaterOrEqual(t, waited, idle-50*time.Millisecond)
	assert.Less(t, waited, idle+time.Second)
	waitCanceled(t, fake, 2*time.Second)
}

func TestSlowReaderIsNotStalled(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(openaiserver.Reply{Chunks: []string{"a", "b", "c"}})
	idle := 100 * time.Millisecond
	s, err := newProvider(t, fake, func(o *openai.Options) { o.StreamIdleTimeout = idle }).
		Stream(context.Background(), request())
	require.NoError(t, err)
	defer s.Close()
	var evs []llm.Event
	for {
		ev, err := s.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, "the idle timer runs only while waiting on the server")
		evs = append(evs, ev)
		time.Sleep(2 * idle) // the caller is slow, not the server
	}
	assert.Equal(t, "abc", text(evs))
}

func TestClosingTheStreamCancelsTheRequest(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(openaiserver.Reply{
		Chunks:     []string{"one ", "two ", "three ", "four ", "five"},
		ChunkDelay: 500 * time.Millisecond,
	})
	s, err := newProvider(t, fake).Stream(context.Background(), request())
	require.NoError(t, err)
	ev, err := s.Recv()
	require.NoError(t, err)
	assert.Equal(t, "one ", ev.Text)

	// Close while another goroutine waits in Recv, as a handler does when
	// the learner goes away.
	recvErr := make(chan error, 1)
	go func() {
		_, err := s.Recv()
		recvErr <- err
	}()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, s.Close())

	waitCanceled(t, fake, 2*time.Second)
	select {
	case err := <-recvErr:
		requireKind(t, err, llm.ErrCanceled)
	case <-time.After(2 * time.Second):
		t.Fatal("Recv did not return after Close")
	}
	_, err = s.Recv()
	requireKind(t, err, llm.ErrCanceled)
	assert.NoError(t, s.Close(), "Close twice is fine")
	assert.False(t, fake.Requests()[0].CanceledAt.IsZero())
}

func TestCancelingTheContextCancelsTheStream(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(openaiserver.Reply{
		Chunks:     []string{"one ", "two ", "three"},
		ChunkDelay: 500 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := newProvider(t, fake).Stream(ctx, request())
	require.NoError(t, err)
	defer s.Close()
	_, err = s.Recv()
	require.NoError(t, err)
	time.AfterFunc(50*time.Millisecond, cancel)
	evs, err := drain(t, s)
	requireKind(t, err, llm.ErrCanceled)
	assert.Empty(t, evs)
	waitCanceled(t, fake, 2*time.Second)
}

func TestContextTooLong(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(openaiserver.ContextTooLong(), openaiserver.ContextTooLong())
	p := newProvider(t, fake)
	_, err := p.Complete(context.Background(), request())
	le := requireKind(t, err, llm.ErrContextTooLong)
	assert.Equal(t, http.StatusBadRequest, le.Status)
	assert.False(t, le.Retryable())
	assert.Contains(t, le.Msg, "context_length_exceeded")
	_, err = p.Stream(context.Background(), request())
	requireKind(t, err, llm.ErrContextTooLong)
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		reply openaiserver.Reply
		kind  llm.ErrorKind
	}{
		"unknown model":  {openaiserver.Errorf(404, "invalid_request_error", "model_not_found", "The model `gpt-9` does not exist or you do not have access to it."), llm.ErrInvalidRequest},
		"bad parameter":  {openaiserver.Errorf(400, "invalid_request_error", "", "Invalid schema for response_format 'x': %s", prompt), llm.ErrInvalidRequest},
		"unprocessable":  {openaiserver.Errorf(422, "", "", "%s", prompt), llm.ErrInvalidRequest},
		"policy":         {openaiserver.Errorf(400, "invalid_request_error", "content_policy_violation", "Your request was rejected as a result of our safety system."), llm.ErrContentFiltered},
		"azure filter":   {openaiserver.Errorf(400, "", "content_filter", "The response was filtered due to the prompt triggering Azure OpenAI's content management policy."), llm.ErrContentFiltered},
		"forbidden":      {openaiserver.Errorf(403, "invalid_request_error", "unsupported_country_region_territory", "Country, region, or territory not supported"), llm.ErrAuth},
		"out of credit":  {openaiserver.Errorf(429, "insufficient_quota", "insufficient_quota", "You exceeded your current quota, please check your plan and billing details."), llm.ErrAuth},
		"vLLM too long":  {openaiserver.Errorf(400, "BadRequestError", "", "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens."), llm.ErrContextTooLong},
		"llama.cpp long": {openaiserver.Errorf(400, "exceed_context_size_error", "", "the request exceeds the available context size"), llm.ErrContextTooLong},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := newFake(t)
			fake.Enqueue(tc.reply)
			_, err := newProvider(t, fake).Complete(context.Background(), request())
			le := requireKind(t, err, tc.kind)
			assert.Equal(t, tc.reply.Status, le.Status)
			assert.NotContains(t, le.Error(), tc.reply.Error.Message, "the server's message stays out")
			assert.Len(t, fake.Requests(), 1)
		})
	}
}

func TestBadKeyIsAuthAndTheKeyStaysOut(t *testing.T) {
	t.Parallel()
	fake := openaiserver.New(t, openaiserver.Config{APIKey: "sk-the-right-one"})
	p := newProvider(t, fake) // sends apiKey, which the server refuses (and echoes)
	_, err := p.Complete(context.Background(), request())
	le := requireKind(t, err, llm.ErrAuth)
	assert.Equal(t, http.StatusUnauthorized, le.Status)
	assert.Contains(t, le.Msg, "invalid_api_key")

	_, err = p.Stream(context.Background(), request())
	requireKind(t, err, llm.ErrAuth)
}

func TestContentFilterFinish(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(
		openaiserver.Reply{Text: "Partial", FinishReason: "content_filter"},
		openaiserver.Reply{Text: "Partial", FinishReason: "content_filter"},
		openaiserver.Reply{Refusal: "I can't help with that."},
		openaiserver.Reply{Refusal: "I can't help with that."},
	)
	p := newProvider(t, fake)

	res, err := p.Complete(context.Background(), request())
	require.NoError(t, err)
	assert.Equal(t, llm.FinishContentFilter, res.FinishReason)
	assert.Equal(t, "Partial", res.Text)

	s, err := p.Stream(context.Background(), request())
	require.NoError(t, err)
	evs, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, llm.FinishContentFilter, evs[len(evs)-1].FinishReason)
	require.NoError(t, s.Close())

	res, err = p.Complete(context.Background(), request())
	require.NoError(t, err)
	assert.Equal(t, llm.FinishContentFilter, res.FinishReason, "a refusal is a filtered answer")
	assert.Empty(t, res.Text, "the refusal is not the answer (structured output would not parse)")

	s, err = p.Stream(context.Background(), request())
	require.NoError(t, err)
	defer s.Close()
	evs, err = drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Empty(t, text(evs))
	assert.Equal(t, llm.FinishContentFilter, evs[len(evs)-1].FinishReason)
}

func TestOtherFinishReasons(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	fake.Enqueue(openaiserver.Reply{FinishReason: "length"}, openaiserver.Reply{FinishReason: "tool_calls"})
	p := newProvider(t, fake)
	res, err := p.Complete(context.Background(), request())
	require.NoError(t, err)
	assert.Equal(t, llm.FinishLength, res.FinishReason)
	res, err = p.Complete(context.Background(), request())
	require.NoError(t, err)
	assert.Equal(t, llm.FinishToolUse, res.FinishReason)
}

func TestOllamaLikeServerAtAnotherPrefix(t *testing.T) {
	t.Parallel()
	fake := openaiserver.New(t, openaiserver.Config{PathPrefix: "/ollama/v1"}) // no key wanted
	fake.Enqueue(openaiserver.Reply{Text: "Local answer."}, openaiserver.Reply{Text: "Streamed locally."})
	p, err := openai.New(openai.Options{Name: "ollama", BaseURL: fake.URL(), DefaultModel: "llama3.2:3b"})
	require.NoError(t, err)

	res, err := p.Complete(context.Background(), request())
	require.NoError(t, err)
	assert.Equal(t, "Local answer.", res.Text)
	assert.Equal(t, "ollama", res.Provider)
	assert.Equal(t, "llama3.2:3b", res.Model)

	req := request()
	req.Model = "qwen2.5-coder:7b"
	s, err := p.Stream(context.Background(), req)
	require.NoError(t, err)
	defer s.Close()
	evs, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, "Streamed locally.", text(evs))
	assert.Equal(t, "qwen2.5-coder:7b", s.(ports.StreamInfo).Model())
	assert.Equal(t, "ollama", s.(ports.StreamInfo).Provider())

	reqs := fake.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/ollama/v1/chat/completions", reqs[0].Path)
	assert.Empty(t, reqs[0].Header.Get("Authorization"), "no key, no header")
	assert.Equal(t, "llama3.2:3b", reqs[0].Model)
	assert.Equal(t, "qwen2.5-coder:7b", reqs[1].Model, "the request's model wins")
}

func TestAmbientOpenAIEnvironmentIsIgnored(t *testing.T) {
	// Not parallel: it sets environment variables.
	t.Setenv("OPENAI_ORG_ID", "org-ambient")
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
	t.Setenv("OPENAI_API_KEY", "sk-ambient")
	fake := openaiserver.New(t, openaiserver.Config{})
	p, err := openai.New(openai.Options{BaseURL: fake.URL(), DefaultModel: model})
	require.NoError(t, err)
	_, err = p.Complete(context.Background(), request())
	require.NoError(t, err)
	h := fake.Requests()[0].Header
	assert.Empty(t, h.Get("OpenAI-Organization"))
	assert.Empty(t, h.Get("Authorization"))
}

func TestInvalidRequestsNeverLeave(t *testing.T) {
	t.Parallel()
	fake := newFake(t)
	p := newProvider(t, fake, func(o *openai.Options) { o.DefaultModel = "" })

	_, err := p.Complete(context.Background(), request())
	requireKind(t, err, llm.ErrInvalidRequest) // no model anywhere

	req := request()
	req.Model = model
	req.Messages = nil
	_, err = p.Complete(context.Background(), req)
	requireKind(t, err, llm.ErrInvalidRequest)
	_, err = p.Stream(context.Background(), req)
	requireKind(t, err, llm.ErrInvalidRequest)
	assert.Empty(t, fake.Requests())
}

func TestConnectionRefusedIsUnavailable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	p, err := openai.New(openai.Options{APIKey: apiKey, BaseURL: "http://" + addr + "/v1", DefaultModel: model})
	require.NoError(t, err)
	_, err = p.Complete(context.Background(), request())
	le := requireKind(t, err, llm.ErrUnavailable)
	assert.Contains(t, le.Msg, "refused")
	_, err = p.Stream(context.Background(), request())
	requireKind(t, err, llm.ErrUnavailable)
}

func TestStreamCutAfterTheFinishStillEndsWell(t *testing.T) {
	t.Parallel()
	// The connection goes after the finish reason, before the usage and
	// [DONE]: the answer is whole, only its usage is lost.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, c := range []string{
			`{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}`,
			`{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Whole."},"finish_reason":null}],"usage":null}`,
			`{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`,
		} {
			_, _ = fmt.Fprintf(w, "data: %s\n\n", c)
		}
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	}))
	t.Cleanup(srv.Close)
	p, err := openai.New(openai.Options{BaseURL: srv.URL, DefaultModel: model})
	require.NoError(t, err)
	s, err := p.Stream(context.Background(), request())
	require.NoError(t, err)
	defer s.Close()
	evs, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, []llm.EventKind{llm.EventDelta, llm.EventDone}, kinds(evs))
	assert.Equal(t, "Whole.", text(evs))
}
