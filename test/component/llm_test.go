// Package component tests several real pieces together: here the LLM
// layer, from the metered gateway through the router and the real SDK
// adapters to fake OpenAI and Anthropic servers, with quotas and
// accounting on real Postgres.
package component

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/llm/anthropic"
	"github.com/codementor/codementor/adapters/llm/openai"
	"github.com/codementor/codementor/adapters/llm/router"
	"github.com/codementor/codementor/adapters/llm/tokenizer"
	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/application/ai"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/fakes/anthropicserver"
	"github.com/codementor/codementor/test/fakes/openaiserver"
	"github.com/codementor/codementor/test/testenv"
)

type sysClock struct{}

func (sysClock) Now() time.Time { return time.Now().UTC() }

type uuids struct{}

func (uuids) NewID() string { return uuid.Must(uuid.NewV7()).String() }

type stack struct {
	gw      *ai.Service
	oai     *openaiserver.Server
	ant     *anthropicserver.Server
	router  *router.Router
	learner string
	usage   *postgres.UsageRepository
}

func newStack(t *testing.T, dailyTokens int64) stack {
	t.Helper()
	pool := testenv.Postgres(t)
	oai := openaiserver.New(t, openaiserver.Config{APIKey: "sk-openai-test"})
	ant := anthropicserver.New(t, anthropicserver.Config{APIKey: "sk-ant-test"})
	op, err := openai.New(openai.Options{APIKey: "sk-openai-test", BaseURL: oai.URL(), DefaultModel: "gpt-4.1-mini",
		Timeout: 2 * time.Second, StreamIdleTimeout: time.Second})
	require.NoError(t, err)
	ap, err := anthropic.New(anthropic.Options{APIKey: "sk-ant-test", BaseURL: ant.URL, DefaultModel: "claude-sonnet-4-5",
		Timeout: 2 * time.Second, StreamIdleTimeout: time.Second})
	require.NoError(t, err)
	r, err := router.New(router.Options{
		Providers:    map[string]ports.LLMProvider{"openai": op, "anthropic": ap},
		DefaultRoute: []router.Target{{Provider: "openai", Model: "gpt-4.1-mini"}, {Provider: "anthropic", Model: "claude-sonnet-4-5"}},
		MaxAttempts:  1, Breaker: router.BreakerOptions{ConsecutiveFailures: 2, OpenFor: 300 * time.Millisecond},
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	counter, err := tokenizer.New()
	require.NoError(t, err)
	users := postgres.NewUserRepository(pool)
	id := uuids{}.NewID()
	email, _ := identity.ParseEmail(id[24:] + "@example.com")
	u, err := identity.NewUser(id, email, "Ada", time.Now())
	require.NoError(t, err)
	require.NoError(t, users.Create(context.Background(), u))
	usage := postgres.NewUsageRepository(pool)
	gw, err := ai.NewService(ai.Deps{LLM: r, Tokens: counter, Lines: usage, Ledger: postgres.NewQuotaLedger(pool),
		Users: users, Clock: sysClock{}, IDs: uuids{}, Log: slog.New(slog.DiscardHandler)},
		ai.Config{Quotas: ai.Quotas{LearnerDailyTokens: dailyTokens, AdminDailyTokens: dailyTokens * 10},
			Prices: map[string]llm.Price{"gpt-4.1-mini": {InputPerMTok: 0.4, OutputPerMTok: 1.6}, "claude-sonnet-4-5": {InputPerMTok: 3, OutputPerMTok: 15}}})
	require.NoError(t, err)
	return stack{gw: gw, oai: oai, ant: ant, router: r, learner: id, usage: usage}
}

func ask(learner string) llm.Request {
	return llm.Request{Purpose: llm.PurposeHint, LearnerID: learner, System: "You are a patient tutor.",
		Messages: []llm.Message{{Role: llm.RoleUser, Content: "Why does my for loop never end?"}}, MaxTokens: 200}
}

func TestFallbackFromOpenAIToAnthropicIsAccounted(t *testing.T) {
	t.Parallel()
	s := newStack(t, 100_000)
	ctx := context.Background()
	s.ant.SetReply(anthropicserver.Reply{Text: "Look at what changes i each time round."})
	s.oai.Enqueue(openaiserver.ServerError())

	resp, err := s.gw.Complete(ctx, ask(s.learner))
	require.NoError(t, err)
	assert.Equal(t, "anthropic", resp.Provider, "OpenAI's 500 fell through to Anthropic")
	assert.Equal(t, "Look at what changes i each time round.", resp.Text)
	assert.Len(t, s.oai.Requests(), 1, "no SDK retry on top of ours")

	rep, err := s.gw.Usage(ctx, s.learner)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Today.Calls)
	assert.Positive(t, rep.Today.Usage.PromptTokens)
	assert.Positive(t, rep.Today.CostMicroUSD, "priced at the Anthropic model's rate")
	assert.Equal(t, int64(rep.Today.Usage.Total()), rep.UsedToday, "the reservation settled to the real usage")
}

func TestStreamFallsBackBeforeTheFirstTokenOnly(t *testing.T) {
	t.Parallel()
	s := newStack(t, 100_000)
	ctx := context.Background()
	s.oai.Enqueue(openaiserver.RateLimited("1"))
	s.ant.SetReply(anthropicserver.Reply{Text: "one two three four"})
	st, err := s.gw.Stream(ctx, ask(s.learner))
	require.NoError(t, err)
	var text strings.Builder
	for {
		ev, err := st.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		text.WriteString(ev.Text)
	}
	require.NoError(t, st.Close())
	assert.Equal(t, "one two three four", strings.TrimSpace(text.String()))
	assert.Equal(t, "anthropic", st.(ports.StreamInfo).Provider())

	// Broken after the first token: the error reaches the caller, no fallback.
	s.oai.Enqueue(openaiserver.Reply{Text: "alpha beta gamma delta", Fault: &openaiserver.StreamFault{After: 2, Mode: openaiserver.FaultBreak}})
	before := len(s.ant.Requests())
	st, err = s.gw.Stream(ctx, ask(s.learner))
	require.NoError(t, err)
	var got []string
	for {
		ev, err := st.Recv()
		if err != nil {
			assert.Equal(t, llm.ErrUnavailable, llm.KindOf(err))
			break
		}
		got = append(got, ev.Text)
	}
	require.NoError(t, st.Close())
	assert.NotEmpty(t, got)
	assert.Equal(t, before, len(s.ant.Requests()), "Anthropic was not asked after the first token")
}

func TestBreakerSkipsAFailingProviderAndProbesItLater(t *testing.T) {
	t.Parallel()
	s := newStack(t, 1_000_000)
	ctx := context.Background()
	s.ant.SetReply(anthropicserver.Reply{Text: "fine"})
	for range 2 {
		s.oai.Enqueue(openaiserver.ServerError())
		resp, err := s.gw.Complete(ctx, ask(s.learner))
		require.NoError(t, err)
		assert.Equal(t, "anthropic", resp.Provider)
	}
	assert.Equal(t, "open", s.router.Status()["openai"])
	n := len(s.oai.Requests())
	resp, err := s.gw.Complete(ctx, ask(s.learner))
	require.NoError(t, err)
	assert.Equal(t, "anthropic", resp.Provider)
	assert.Equal(t, n, len(s.oai.Requests()), "an open breaker skips OpenAI without calling it")

	time.Sleep(350 * time.Millisecond)
	resp, err = s.gw.Complete(ctx, ask(s.learner))
	require.NoError(t, err)
	assert.Equal(t, "openai", resp.Provider, "the probe went through and succeeded")
	assert.Equal(t, "closed", s.router.Status()["openai"])
}

func TestQuotaExhaustion(t *testing.T) {
	t.Parallel()
	s := newStack(t, 600)
	ctx := context.Background()
	heavy := openaiserver.Reply{Text: "a long answer", Usage: &openaiserver.Usage{Prompt: 250, Completion: 100}}
	s.oai.Enqueue(heavy, heavy)
	_, err := s.gw.Complete(ctx, ask(s.learner))
	require.NoError(t, err)
	_, err = s.gw.Complete(ctx, ask(s.learner))
	require.NoError(t, err)
	_, err = s.gw.Complete(ctx, ask(s.learner))
	var q *domain.QuotaExceededError
	require.ErrorAs(t, err, &q, "700 used by two calls; the day holds 600")
	assert.True(t, q.ResetAt.After(time.Now()))
	assert.Len(t, s.oai.Requests(), 2, "the refused call never reached a provider")
}

func TestCancellationReachesTheUpstream(t *testing.T) {
	t.Parallel()
	s := newStack(t, 100_000)
	s.oai.Enqueue(openaiserver.Reply{Text: strings.Repeat("word ", 200), ChunkDelay: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	st, err := s.gw.Stream(ctx, ask(s.learner))
	require.NoError(t, err)
	_, err = st.Recv()
	require.NoError(t, err)
	cancel()
	select {
	case <-s.oai.Canceled():
	case <-time.After(2 * time.Second):
		t.Fatal("the fake upstream did not see the request cancelled")
	}
	_ = st.Close()
	require.Eventually(t, func() bool {
		rep, err := s.gw.Usage(context.Background(), s.learner)
		return err == nil && rep.Today.Calls == 1 && rep.Today.Usage.CompletionTokens > 0
	}, 2*time.Second, 20*time.Millisecond, "the interrupted call is accounted with what it generated")
}
