package anthropic_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/llm/anthropic"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/fakes/anthropicserver"
)

const model = "claude-sonnet-4-5"

func setup(t *testing.T, cfg anthropicserver.Config, tweak func(*anthropic.Options)) (*anthropicserver.Server, *anthropic.Provider) {
	t.Helper()
	srv := anthropicserver.New(t, cfg)
	o := anthropic.Options{APIKey: srv.APIKey(), BaseURL: srv.URL, DefaultModel: model,
		Timeout: 5 * time.Second, StreamIdleTimeout: 5 * time.Second}
	if tweak != nil {
		tweak(&o)
	}
	p, err := anthropic.New(o)
	require.NoError(t, err)
	return srv, p
}

func ask(content string) llm.Request {
	return llm.Request{Purpose: llm.PurposeChat, Messages: []llm.Message{{Role: llm.RoleUser, Content: content}}}
}

// drain reads a stream to its end: the deltas' texts, every event, and the
// error that ended it (io.EOF when it ended well).
func drain(t *testing.T, s ports.Stream) ([]string, []llm.Event, error) {
	t.Helper()
	var deltas []string
	var events []llm.Event
	for {
		ev, err := s.Recv()
		if err != nil {
			return deltas, events, err
		}
		events = append(events, ev)
		if ev.Kind == llm.EventDelta {
			deltas = append(deltas, ev.Text)
		}
		if len(events) > 1000 {
			t.Fatal("endless stream")
		}
	}
}

func llmErr(t *testing.T, err error) *llm.Error {
	t.Helper()
	require.Error(t, err)
	var e *llm.Error
	require.True(t, errors.As(err, &e), "want *llm.Error, got %T: %v", err, err)
	return e
}

func TestCompleteNormalAnswer(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, anthropicserver.Config{}, nil)
	srv.SetReply(anthropicserver.Reply{Text: "Use a hash map to count the words.", Model: "claude-sonnet-4-5-20250929"})
	temp := 1.5
	req := ask("How do I count words?")
	req.System = "You are a patient tutor."
	req.Temperature = &temp
	req.StopSequence = []string{"END"}

	resp, err := p.Complete(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, "Use a hash map to count the words.", resp.Text)
	assert.Equal(t, llm.FinishStop, resp.FinishReason)
	assert.Equal(t, "anthropic", resp.Provider)
	assert.Equal(t, "claude-sonnet-4-5-20250929", resp.Model)
	assert.Positive(t, resp.Usage.PromptTokens)
	assert.Positive(t, resp.Usage.CompletionTokens)
	assert.Zero(t, resp.Usage.CachedTokens)
	assert.Positive(t, resp.Latency)

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	got := reqs[0]
	assert.Equal(t, srv.APIKey(), got.Header.Get("x-api-key"))
	assert.Equal(t, anthropicserver.APIVersion, got.Header.Get("anthropic-version"))
	assert.Equal(t, model, got.Body.Model)
	assert.Equal(t, 1024, got.Body.MaxTokens, "the default max_tokens")
	require.NotNil(t, got.Body.Temperature)
	assert.InDelta(t, 1.0, *got.Body.Temperature, 1e-9, "clamped to Anthropic's range")
	assert.Equal(t, []string{"END"}, got.Body.StopSequences)
	assert.False(t, got.Body.Stream)
	assert.Empty(t, got.Body.Tools)
	assert.Nil(t, got.Body.ToolChoice)
	require.Len(t, got.Body.System, 1)
	assert.Equal(t, "You are a patient tutor.", got.Body.System[0].Text)
	assert.Nil(t, got.Body.System[0].CacheControl, "a short system prompt is not marked for caching")
	require.Len(t, got.Body.Messages, 1)
	assert.Equal(t, "user", got.Body.Messages[0].Role)
	assert.Equal(t, "How do I count words?", got.Body.Messages[0].Content.Text())
}

func TestRequestMaxTokensAndStopSequence(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, anthropicserver.Config{}, nil)
	srv.SetReply(anthropicserver.Reply{Text: "first part STOP second part"})
	req := ask("go")
	req.MaxTokens = 300
	req.StopSequence = []string{"STOP"}
	resp, err := p.Complete(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, "first part ", resp.Text)
	assert.Equal(t, llm.FinishStop, resp.FinishReason)
	assert.Equal(t, 300, srv.Requests()[0].Body.MaxTokens)

	srv.SetReply(anthropicserver.Reply{Text: strings.Repeat("word ", 100)})
	req = ask("go")
	req.MaxTokens = 10
	resp, err = p.Complete(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, llm.FinishLength, resp.FinishReason)
}

func TestSystemPromptCaching(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("Never give the full solution; guide with questions. ", 60) // > 2048 chars
	require.GreaterOrEqual(t, len(long), 2048)

	t.Run("long prompt cached, read on the second call", func(t *testing.T) {
		t.Parallel()
		srv, p := setup(t, anthropicserver.Config{}, nil)
		req := ask("What is a closure?")
		req.System = long

		first, err := p.Complete(context.Background(), req)
		require.NoError(t, err)
		second, err := p.Complete(context.Background(), req)
		require.NoError(t, err)

		for _, r := range srv.Requests() {
			require.NotEmpty(t, r.Body.System)
			require.NotNil(t, r.Body.System[0].CacheControl)
			assert.Equal(t, "ephemeral", r.Body.System[0].CacheControl.Type)
		}
		assert.Zero(t, first.Usage.CachedTokens, "the first call writes the cache")
		assert.Positive(t, second.Usage.CachedTokens, "the second call reads it")
		assert.Equal(t, first.Usage.PromptTokens, second.Usage.PromptTokens, "prompt tokens include cached ones")
		assert.Greater(t, second.Usage.PromptTokens, second.Usage.CachedTokens)

		// A stream reports the cache too.
		s, err := p.Stream(context.Background(), req)
		require.NoError(t, err)
		defer s.Close()
		_, events, err := drain(t, s)
		require.ErrorIs(t, err, io.EOF)
		require.GreaterOrEqual(t, len(events), 2)
		u := events[len(events)-2]
		require.Equal(t, llm.EventUsage, u.Kind)
		assert.Equal(t, second.Usage.CachedTokens, u.Usage.CachedTokens)
		assert.Equal(t, second.Usage.PromptTokens, u.Usage.PromptTokens)
	})

	t.Run("short prompt not marked, nothing cached", func(t *testing.T) {
		t.Parallel()
		srv, p := setup(t, anthropicserver.Config{}, nil)
		req := ask("What is a closure?")
		req.System = "Be brief."
		for range 2 {
			resp, err := p.Complete(context.Background(), req)
			require.NoError(t, err)
			assert.Zero(t, resp.Usage.CachedTokens)
		}
		for _, r := range srv.Requests() {
			assert.Nil(t, r.Body.System[0].CacheControl)
		}
	})

	t.Run("threshold is configurable", func(t *testing.T) {
		t.Parallel()
		srv, p := setup(t, anthropicserver.Config{}, func(o *anthropic.Options) { o.CacheMinChars = 5 })
		req := ask("hi")
		req.System = "Be brief."
		_, err := p.Complete(context.Background(), req)
		require.NoError(t, err)
		assert.NotNil(t, srv.Requests()[0].Body.System[0].CacheControl)
	})
}

func TestSystemMessagesFolded(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, anthropicserver.Config{}, nil)
	req := llm.Request{Purpose: llm.PurposeChat, System: "You are a tutor.", Messages: []llm.Message{
		{Role: llm.RoleSystem, Content: "Summary of earlier turns: loops."},
		{Role: llm.RoleUser, Content: "What about recursion?"},
		{Role: llm.RoleAssistant, Content: "What do you know already?"},
		{Role: llm.RoleSystem, Content: "The learner prefers Go."},
		{Role: llm.RoleUser, Content: "Only the basics."},
		{Role: llm.RoleUser, Content: "And base cases."},
	}}
	// The fake, like the API, refuses a system role among messages.
	_, err := p.Complete(context.Background(), req)
	require.NoError(t, err)

	body := srv.Requests()[0].Body
	var system []string
	for _, b := range body.System {
		system = append(system, b.Text)
	}
	assert.Equal(t, []string{"You are a tutor.", "Summary of earlier turns: loops.", "The learner prefers Go."}, system)
	require.Len(t, body.Messages, 3)
	assert.Equal(t, "user", body.Messages[0].Role)
	assert.Equal(t, "assistant", body.Messages[1].Role)
	assert.Equal(t, "user", body.Messages[2].Role)
	require.Len(t, body.Messages[2].Content, 2, "consecutive user turns become one turn")
	assert.Equal(t, "Only the basics.", body.Messages[2].Content[0].Text)
	assert.Equal(t, "And base cases.", body.Messages[2].Content[1].Text)
}

var hintSchema = &llm.Schema{
	Name:        "give_hint",
	Description: "A hint for the learner",
	JSON: json.RawMessage(`{"type":"object","properties":{"hint":{"type":"string"},"level":{"type":"integer","minimum":1}},` +
		`"required":["hint","level"],"additionalProperties":false}`),
}

const hintJSON = `{"hint":"Think about what a map could count for you.","level":2}`

func TestStructuredOutput(t *testing.T) {
	t.Parallel()
	assertForcedTool := func(t *testing.T, r anthropicserver.Request) {
		t.Helper()
		require.Len(t, r.Body.Tools, 1)
		assert.Equal(t, "give_hint", r.Body.Tools[0].Name)
		assert.Equal(t, "A hint for the learner", r.Body.Tools[0].Description)
		assert.JSONEq(t, string(hintSchema.JSON), string(r.Body.Tools[0].InputSchema), "the schema goes as it is")
		require.NotNil(t, r.Body.ToolChoice)
		assert.Equal(t, anthropicserver.ToolChoice{Type: "tool", Name: "give_hint", DisableParallelToolUse: true}, *r.Body.ToolChoice)
	}

	t.Run("complete", func(t *testing.T) {
		t.Parallel()
		srv, p := setup(t, anthropicserver.Config{}, nil)
		srv.SetReply(anthropicserver.Reply{Text: "ignored", ToolInput: json.RawMessage(hintJSON)})
		req := ask("Give me a hint")
		req.Purpose = llm.PurposeHint
		req.Schema = hintSchema
		resp, err := p.Complete(context.Background(), req)
		require.NoError(t, err)
		assert.JSONEq(t, hintJSON, resp.Text)
		assert.Equal(t, llm.FinishToolUse, resp.FinishReason)
		assertForcedTool(t, srv.Requests()[0])
	})

	t.Run("stream", func(t *testing.T) {
		t.Parallel()
		srv, p := setup(t, anthropicserver.Config{JSONChunk: 7}, nil)
		srv.SetReply(anthropicserver.Reply{ToolInput: json.RawMessage(hintJSON)})
		req := ask("Give me a hint")
		req.Schema = hintSchema
		s, err := p.Stream(context.Background(), req)
		require.NoError(t, err)
		defer s.Close()
		deltas, events, err := drain(t, s)
		require.ErrorIs(t, err, io.EOF)
		assert.Greater(t, len(deltas), 3, "the input arrives in pieces")
		for _, d := range deltas {
			assert.NotEmpty(t, d, "the empty opening partial_json is not an event")
		}
		assert.JSONEq(t, hintJSON, strings.Join(deltas, ""))
		assert.Equal(t, llm.FinishToolUse, events[len(events)-1].FinishReason)
		assert.True(t, srv.Requests()[0].Body.Stream)
		assertForcedTool(t, srv.Requests()[0])
	})

	t.Run("non-object schema refused", func(t *testing.T) {
		t.Parallel()
		srv, p := setup(t, anthropicserver.Config{}, nil)
		req := ask("list")
		req.Schema = &llm.Schema{Name: "list", JSON: json.RawMessage(`{"type":"array","items":{"type":"string"}}`)}
		_, err := p.Complete(context.Background(), req)
		assert.Equal(t, llm.ErrInvalidRequest, llmErr(t, err).Kind)
		assert.Empty(t, srv.Requests())
	})
}

func TestStreamOrder(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, anthropicserver.Config{}, nil)
	srv.SetReply(anthropicserver.Reply{Text: "Start with the base case, then recurse.", Model: "claude-sonnet-4-5-20250929"})
	s, err := p.Stream(context.Background(), ask("Explain recursion"))
	require.NoError(t, err)
	defer s.Close()

	info, ok := s.(ports.StreamInfo)
	require.True(t, ok, "streams implement ports.StreamInfo")
	assert.Equal(t, "anthropic", info.Provider())
	assert.Equal(t, model, info.Model())

	deltas, events, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	require.Len(t, deltas, 7, "one event per word")
	assert.Equal(t, "Start with the base case, then recurse.", strings.Join(deltas, ""))
	require.Len(t, events, len(deltas)+2)
	for _, ev := range events[:len(deltas)] {
		assert.Equal(t, llm.EventDelta, ev.Kind)
	}
	usage := events[len(events)-2]
	assert.Equal(t, llm.EventUsage, usage.Kind)
	assert.Positive(t, usage.Usage.PromptTokens)
	assert.Positive(t, usage.Usage.CompletionTokens)
	done := events[len(events)-1]
	assert.Equal(t, llm.EventDone, done.Kind)
	assert.Equal(t, llm.FinishStop, done.FinishReason)
	assert.Equal(t, "claude-sonnet-4-5-20250929", info.Model(), "message_start names the answering model")

	_, err = s.Recv()
	assert.ErrorIs(t, err, io.EOF, "EOF stays")
	assert.NoError(t, s.Close())
	assert.NoError(t, s.Close(), "Close twice is fine")
	assert.Empty(t, srv.Cancellations())
}

// call runs one request either way; for a stream, the error may come from
// opening it or from the first Recv.
func call(p *anthropic.Provider, streaming bool, req llm.Request) error {
	ctx := context.Background()
	if !streaming {
		_, err := p.Complete(ctx, req)
		return err
	}
	s, err := p.Stream(ctx, req)
	if err != nil {
		return err
	}
	defer s.Close()
	for {
		if _, err := s.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func TestHTTPErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		fault  anthropicserver.Fault
		kind   llm.ErrorKind
		status int
		after  time.Duration
	}{
		{"429 with retry-after", anthropicserver.Fault{Status: 429, RetryAfter: "3"}, llm.ErrRateLimited, 429, 3 * time.Second},
		{"429 with fractional retry-after", anthropicserver.Fault{Status: 429, RetryAfter: "1.5"}, llm.ErrRateLimited, 429, 1500 * time.Millisecond},
		{"500", anthropicserver.Fault{Status: 500}, llm.ErrUnavailable, 500, 0},
		{"502", anthropicserver.Fault{Status: 502}, llm.ErrUnavailable, 502, 0},
		{"503", anthropicserver.Fault{Status: 503}, llm.ErrUnavailable, 503, 0},
		{"504", anthropicserver.Fault{Status: 504}, llm.ErrUnavailable, 504, 0},
		{"529 overloaded", anthropicserver.Fault{Status: 529}, llm.ErrUnavailable, 529, 0},
		{"400", anthropicserver.Fault{Status: 400, Message: "messages: roles must alternate"}, llm.ErrInvalidRequest, 400, 0},
		{"404 model", anthropicserver.Fault{Status: 404, Message: "model: claude-nope"}, llm.ErrInvalidRequest, 404, 0},
		{"413", anthropicserver.Fault{Status: 413}, llm.ErrInvalidRequest, 413, 0},
		{"prompt too long", anthropicserver.Fault{Status: 400, Message: "prompt is too long: 210000 tokens > 200000 maximum"},
			llm.ErrContextTooLong, 400, 0},
		{"401", anthropicserver.Fault{Status: 401}, llm.ErrAuth, 401, 0},
		{"403", anthropicserver.Fault{Status: 403}, llm.ErrAuth, 403, 0},
	}
	for _, tc := range cases {
		for _, streaming := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s stream=%v", tc.name, streaming), func(t *testing.T) {
				t.Parallel()
				srv, p := setup(t, anthropicserver.Config{}, nil)
				srv.FailNext(tc.fault)
				e := llmErr(t, call(p, streaming, ask("hi")))
				assert.Equal(t, tc.kind, e.Kind, e.Error())
				assert.Equal(t, tc.status, e.Status)
				assert.Equal(t, tc.after, e.RetryAfter)
				assert.Equal(t, "anthropic", e.Provider)
				assert.Len(t, srv.Requests(), 1, "no SDK retry")
			})
		}
	}
}

func TestRateLimitedIsRetryable(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, anthropicserver.Config{}, nil)
	srv.FailNext(anthropicserver.Fault{Status: 429, RetryAfter: "3"})
	_, err := p.Complete(context.Background(), ask("hi"))
	e := llmErr(t, err)
	assert.True(t, e.Retryable())
	assert.Contains(t, e.Error(), "rate_limit_error")
	// The fake asks the SDK to retry (x-should-retry on 5xx): still one.
	srv.FailNext(anthropicserver.Fault{Status: 500})
	_, err = p.Complete(context.Background(), ask("hi"))
	assert.Equal(t, llm.ErrUnavailable, llmErr(t, err).Kind)
	assert.Len(t, srv.Requests(), 2)
}

func TestContextTooLongFromTheServer(t *testing.T) {
	t.Parallel()
	_, p := setup(t, anthropicserver.Config{ContextWindow: 50}, nil)
	_, err := p.Complete(context.Background(), ask(strings.Repeat("long code ", 100)))
	e := llmErr(t, err)
	assert.Equal(t, llm.ErrContextTooLong, e.Kind)
	assert.Equal(t, 400, e.Status)
	assert.False(t, e.Retryable())
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	for _, streaming := range []bool{false, true} {
		t.Run(fmt.Sprintf("stream=%v", streaming), func(t *testing.T) {
			t.Parallel()
			srv, p := setup(t, anthropicserver.Config{}, func(o *anthropic.Options) { o.Timeout = 300 * time.Millisecond })
			srv.FailNext(anthropicserver.Fault{Delay: 3 * time.Second})
			start := time.Now()
			e := llmErr(t, call(p, streaming, ask("hi")))
			assert.Equal(t, llm.ErrUnavailable, e.Kind, e.Error())
			assert.Less(t, time.Since(start), 2*time.Second)
			assert.Len(t, srv.Requests(), 1)
			assert.Eventually(t, func() bool { return len(srv.Cancellations()) == 1 }, 2*time.Second, 10*time.Millisecond,
				"the fake sees the request abandoned")
		})
	}
}

func TestCallerDeadlineIsUnavailable(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, anthropicserver.Config{}, nil)
	srv.FailNext(anthropicserver.Fault{Delay: 3 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := p.Complete(ctx, ask("hi"))
	assert.Equal(t, llm.ErrUnavailable, llmErr(t, err).Kind)
}

func TestStreamBreaksMidway(t *testing.T) {
	t.Parallel()
	text := "one two three four five six"
	cases := []struct {
		name  string
		fault anthropicserver.Fault
		msg   string
	}{
		{"connection cut", anthropicserver.Fault{Break: anthropicserver.BreakCut, AfterDeltas: 2}, ""},
		{"clean end without message_stop", anthropicserver.Fault{Break: anthropicserver.BreakEnd, AfterDeltas: 2}, "message_stop"},
		{"overloaded error event", anthropicserver.Fault{Break: anthropicserver.BreakError, AfterDeltas: 2}, "overloaded"},
		{"api error event", anthropicserver.Fault{Break: anthropicserver.BreakError, AfterDeltas: 2, ErrorType: "api_error"}, "api_error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, p := setup(t, anthropicserver.Config{}, nil)
			srv.SetReply(anthropicserver.Reply{Text: text})
			srv.FailNext(tc.fault)
			s, err := p.Stream(context.Background(), ask("count"))
			require.NoError(t, err)
			defer s.Close()
			deltas, events, err := drain(t, s)
			assert.Equal(t, []string{"one ", "two "}, deltas)
			assert.Len(t, events, 2, "no usage or done after a break")
			e := llmErr(t, err)
			assert.Equal(t, llm.ErrUnavailable, e.Kind, e.Error())
			assert.Contains(t, e.Error(), tc.msg)
			_, again := s.Recv()
			assert.Equal(t, err, again, "the failure stays")
		})
	}
}

func TestMidStreamRateLimitEvent(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, anthropicserver.Config{}, nil)
	srv.FailNext(anthropicserver.Fault{Break: anthropicserver.BreakError, AfterDeltas: 1, ErrorType: "rate_limit_error"})
	s, err := p.Stream(context.Background(), ask("hi"))
	require.NoError(t, err)
	defer s.Close()
	_, _, err = drain(t, s)
	e := llmErr(t, err)
	assert.Equal(t, llm.ErrRateLimited, e.Kind)
	assert.Zero(t, e.Status, "an error event has no status of its own")
}

func TestStreamStalled(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, anthropicserver.Config{}, func(o *anthropic.Options) { o.StreamIdleTimeout = 300 * time.Millisecond })
	srv.SetReply(anthropicserver.Reply{Text: "one two three"})
	srv.FailNext(anthropicserver.Fault{Break: anthropicserver.BreakStall, AfterDeltas: 1})
	s, err := p.Stream(context.Background(), ask("hi"))
	require.NoError(t, err)
	defer s.Close()

	ev, err := s.Recv()
	require.NoError(t, err)
	assert.Equal(t, "one ", ev.Text)
	start := time.Now()
	_, err = s.Recv()
	waited := time.Since(start)
	e := llmErr(t, err)
	assert.Equal(t, llm.ErrUnavailable, e.Kind)
	assert.Contains(t, e.Error(), "stream stalled")
	assert.GreaterOrEqual(t, waited, 250*time.Millisecond)
	assert.Less(t, waited, 1500*time.Millisecond)
	assert.Eventually(t, func() bool { return len(srv.Cancellations()) == 1 }, 2*time.Second, 10*time.Millisecond)
}

func TestPingsKeepAStreamAlive(t *testing.T) {
	t.Parallel()
	// Deltas come every 900ms, longer than the idle timeout, but pings
	// every 100ms show the server is alive. (The margins leave room for a
	// busy machine's scheduling delays.)
	srv, p := setup(t, anthropicserver.Config{DeltaDelay: 900 * time.Millisecond, PingInterval: 100 * time.Millisecond},
		func(o *anthropic.Options) { o.StreamIdleTimeout = 600 * time.Millisecond })
	srv.SetReply(anthropicserver.Reply{Text: "slow but steady"})
	s, err := p.Stream(context.Background(), ask("hi"))
	require.NoError(t, err)
	defer s.Close()
	deltas, _, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, "slow but steady", strings.Join(deltas, ""))
}

func TestSlowConsumerIsNotStalled(t *testing.T) {
	t.Parallel()
	// The idle timeout measures the server, not the reader.
	srv, p := setup(t, anthropicserver.Config{}, func(o *anthropic.Options) { o.StreamIdleTimeout = 150 * time.Millisecond })
	srv.SetReply(anthropicserver.Reply{Text: "a b c"})
	s, err := p.Stream(context.Background(), ask("hi"))
	require.NoError(t, err)
	defer s.Close()
	time.Sleep(400 * time.Millisecond)
	deltas, _, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, "a b c", strings.Join(deltas, ""))
}

func TestStreamCanceled(t *testing.T) {
	t.Parallel()
	slow := anthropicserver.Config{DeltaDelay: 300 * time.Millisecond}

	t.Run("context canceled", func(t *testing.T) {
		t.Parallel()
		srv, p := setup(t, slow, nil)
		srv.SetReply(anthropicserver.Reply{Text: "one two three four five"})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		s, err := p.Stream(ctx, ask("hi"))
		require.NoError(t, err)
		defer s.Close()
		_, err = s.Recv()
		require.NoError(t, err)

		cancel()
		_, err = s.Recv()
		assert.Equal(t, llm.ErrCanceled, llmErr(t, err).Kind)
		assert.Eventually(t, func() bool { return len(srv.Cancellations()) == 1 }, 2*time.Second, 10*time.Millisecond,
			"the fake sees the request cancelled")
	})

	t.Run("Close while Recv waits", func(t *testing.T) {
		t.Parallel()
		srv, p := setup(t, slow, nil)
		srv.SetReply(anthropicserver.Reply{Text: "one two three four five"})
		s, err := p.Stream(context.Background(), ask("hi"))
		require.NoError(t, err)

		errc := make(chan error, 1)
		go func() {
			for {
				if _, err := s.Recv(); err != nil {
					errc <- err
					return
				}
			}
		}()
		time.Sleep(100 * time.Millisecond)
		closed := time.Now()
		require.NoError(t, s.Close())
		select {
		case err := <-errc:
			assert.Equal(t, llm.ErrCanceled, llmErr(t, err).Kind)
		case <-time.After(2 * time.Second):
			t.Fatal("Recv did not return after Close")
		}
		require.Eventually(t, func() bool { return len(srv.Cancellations()) == 1 }, 2*time.Second, 10*time.Millisecond)
		assert.WithinDuration(t, closed, srv.Cancellations()[0].At, 2*time.Second)
		_, err = s.Recv()
		assert.Equal(t, llm.ErrCanceled, llmErr(t, err).Kind)
	})

	t.Run("complete canceled", func(t *testing.T) {
		t.Parallel()
		srv, p := setup(t, anthropicserver.Config{}, nil)
		srv.FailNext(anthropicserver.Fault{Delay: 3 * time.Second})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		_, err := p.Complete(ctx, ask("hi"))
		assert.Equal(t, llm.ErrCanceled, llmErr(t, err).Kind)
		assert.Eventually(t, func() bool { return len(srv.Cancellations()) == 1 }, 2*time.Second, 10*time.Millisecond)
	})
}

func TestRefusal(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, anthropicserver.Config{}, nil)
	srv.SetReply(anthropicserver.Reply{Text: "I can't help with that.", StopReason: "refusal"})
	resp, err := p.Complete(context.Background(), ask("something bad"))
	require.NoError(t, err)
	assert.Equal(t, llm.FinishContentFilter, resp.FinishReason)

	s, err := p.Stream(context.Background(), ask("something bad"))
	require.NoError(t, err)
	defer s.Close()
	_, events, err := drain(t, s)
	require.ErrorIs(t, err, io.EOF)
	assert.Equal(t, llm.FinishContentFilter, events[len(events)-1].FinishReason)
}

func TestAPIKeyNeverInErrors(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, anthropicserver.Config{}, nil)
	const wrongKey = "sk-ant-api03-WRONG0secret0value"
	p, err := anthropic.New(anthropic.Options{APIKey: wrongKey, BaseURL: srv.URL, DefaultModel: model})
	require.NoError(t, err)

	check := func(t *testing.T, err error, key string) {
		t.Helper()
		for e := err; e != nil; e = errors.Unwrap(e) {
			assert.NotContains(t, e.Error(), key)
			assert.NotContains(t, fmt.Sprintf("%+v %#v", e, e), key)
		}
	}
	_, err = p.Complete(context.Background(), ask("hi"))
	e := llmErr(t, err)
	assert.Equal(t, llm.ErrAuth, e.Kind)
	assert.Equal(t, 401, e.Status)
	check(t, err, wrongKey)

	// Even a server that echoes the key (some providers do) does not leak it.
	srv2, good := setup(t, anthropicserver.Config{}, nil)
	srv2.FailNext(anthropicserver.Fault{Status: 401, Message: "invalid x-api-key: " + srv2.APIKey()},
		anthropicserver.Fault{Status: 400, Message: "bad request for key " + srv2.APIKey()})
	_, err = good.Complete(context.Background(), ask("hi"))
	check(t, err, srv2.APIKey())
	_, err = good.Complete(context.Background(), ask("hi"))
	assert.Equal(t, llm.ErrInvalidRequest, llmErr(t, err).Kind)
	assert.Contains(t, err.Error(), "bad request for key [redacted]")
	check(t, err, srv2.APIKey())
}

func TestPromptNeverInErrors(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, anthropicserver.Config{}, nil)
	secret := "my private solution code 12345"
	srv.FailNext(anthropicserver.Fault{Status: 400, Message: "cannot process: " + secret})
	_, err := p.Complete(context.Background(), ask(secret))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secret)
}

func TestInvalidRequests(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, anthropicserver.Config{}, func(o *anthropic.Options) { o.DefaultModel = "" })
	cases := map[string]llm.Request{
		"no model":      ask("hi"),
		"no messages":   {Purpose: llm.PurposeChat, Model: model},
		"only system":   {Purpose: llm.PurposeChat, Model: model, Messages: []llm.Message{{Role: llm.RoleSystem, Content: "x"}}},
		"bad purpose":   {Purpose: "fun", Model: model, Messages: []llm.Message{{Role: llm.RoleUser, Content: "x"}}},
		"bad max token": {Purpose: llm.PurposeChat, Model: model, MaxTokens: -1, Messages: []llm.Message{{Role: llm.RoleUser, Content: "x"}}},
	}
	for name, req := range cases {
		_, err := p.Complete(context.Background(), req)
		assert.Equal(t, llm.ErrInvalidRequest, llmErr(t, err).Kind, name)
		_, err = p.Stream(context.Background(), req)
		assert.Equal(t, llm.ErrInvalidRequest, llmErr(t, err).Kind, name)
	}
	assert.Empty(t, srv.Requests())
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	_, err := anthropic.New(anthropic.Options{})
	require.Error(t, err)
	_, err = anthropic.New(anthropic.Options{APIKey: "k", BaseURL: "not a url"})
	require.Error(t, err)
	p, err := anthropic.New(anthropic.Options{APIKey: "k", Name: "claude"})
	require.NoError(t, err)
	assert.Equal(t, "claude", p.Name())
}

func TestEnvironmentIgnored(t *testing.T) {
	// The SDK would read ANTHROPIC_BASE_URL and ANTHROPIC_API_KEY; the
	// adapter takes its configuration from Options only.
	t.Setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1")
	t.Setenv("ANTHROPIC_API_KEY", "sk-from-env")
	srv, p := setup(t, anthropicserver.Config{}, nil)
	_, err := p.Complete(context.Background(), ask("hi"))
	require.NoError(t, err)
	assert.Equal(t, srv.APIKey(), srv.Requests()[0].Header.Get("x-api-key"))
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	srv := anthropicserver.New(t, anthropicserver.Config{})
	srv.Close()
	p, err := anthropic.New(anthropic.Options{APIKey: "k", BaseURL: srv.URL, DefaultModel: model})
	require.NoError(t, err)
	for _, streaming := range []bool{false, true} {
		e := llmErr(t, call(p, streaming, ask("hi")))
		assert.Equal(t, llm.ErrUnavailable, e.Kind, e.Error())
	}
}

func TestCompleteBodyCut(t *testing.T) {
	t.Parallel()
	srv, p := setup(t, anthropicserver.Config{}, nil)
	srv.FailNext(anthropicserver.Fault{Break: anthropicserver.BreakCut})
	_, err := p.Complete(context.Background(), ask("hi"))
	assert.Equal(t, llm.ErrUnavailable, llmErr(t, err).Kind)
	assert.Len(t, srv.Requests(), 1, "a dropped body is not retried by the SDK either")
}
