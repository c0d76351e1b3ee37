package ai_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/application/ai"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

var ctx = context.Background()

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

type ids struct{}

func (ids) NewID() string { return uuid.Must(uuid.NewV7()).String() }

// words counts one token per word: easy to reason about in tests.
type words struct{}

func (words) Count(_, text string) int { return len(strings.Fields(text)) }
func (w words) CountMessages(model, system string, msgs []llm.Message) int {
	n := w.Count(model, system)
	for _, m := range msgs {
		n += w.Count(model, m.Content)
	}
	return n
}

// fakeLLM answers from a script.
type fakeLLM struct {
	configured bool
	resp       llm.Response
	err        error
	events     []llm.Event
	streamErr  error // after the events
	mu         sync.Mutex
	calls      int
}

func (f *fakeLLM) Configured() bool { return f.configured }
func (f *fakeLLM) Complete(context.Context, llm.Request) (llm.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.resp, f.err
}
func (f *fakeLLM) Stream(context.Context, llm.Request) (ports.Stream, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	return &fakeStream{events: f.events, err: f.streamErr}, nil
}

type fakeStream struct {
	events []llm.Event
	err    error
	i      int
	closed bool
}

func (s *fakeStream) Recv() (llm.Event, error) {
	if s.i < len(s.events) {
		s.i++
		return s.events[s.i-1], nil
	}
	if s.err != nil {
		return llm.Event{}, s.err
	}
	return llm.Event{}, io.EOF
}
func (s *fakeStream) Close() error     { s.closed = true; return nil }
func (s *fakeStream) Provider() string { return "anthropic" }
func (s *fakeStream) Model() string    { return "claude-sonnet-4-5" }

type fixture struct {
	svc    *ai.Service
	llm    *fakeLLM
	lines  *memory.UsageRepository
	ledger *memory.QuotaLedger
	clock  *clock
	users  ports.UserRepository
}

func newFixture(t *testing.T, quota int64) fixture {
	t.Helper()
	f := fixture{llm: &fakeLLM{configured: true}, lines: memory.NewUsageRepository(), ledger: memory.NewQuotaLedger(),
		clock: &clock{now: time.Date(2026, 11, 25, 22, 30, 0, 0, time.UTC)}, users: memory.NewUserRepository(memory.NewDB())}
	svc, err := ai.NewService(ai.Deps{LLM: f.llm, Tokens: words{}, Lines: f.lines, Ledger: f.ledger, Users: f.users,
		Clock: f.clock, IDs: ids{}, Log: slog.New(slog.DiscardHandler)},
		ai.Config{Quotas: ai.Quotas{LearnerDailyTokens: quota, AdminDailyTokens: quota * 10},
			Prices: map[string]llm.Price{"gpt-4.1-mini": {InputPerMTok: 0.40, OutputPerMTok: 1.60, CachedInputPerMTok: 0.10}}})
	require.NoError(t, err)
	f.svc = svc
	return f
}

func (f fixture) learner(t *testing.T, role identity.Role) string {
	t.Helper()
	id := ids{}.NewID()
	e, _ := identity.ParseEmail(id[24:] + "@example.com")
	u, err := identity.NewUser(id, e, "Ada", f.clock.now)
	require.NoError(t, err)
	require.NoError(t, u.Promote(role, f.clock.now))
	require.NoError(t, f.users.Create(ctx, u))
	return id
}

func hint(learner string, prompt string, max int) llm.Request {
	return llm.Request{Purpose: llm.PurposeHint, LearnerID: learner, System: "be a tutor",
		Messages: []llm.Message{{Role: llm.RoleUser, Content: prompt}}, MaxTokens: max}
}

func TestOfflineModeAnswersNotConfigured(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1000)
	f.llm.configured = false
	_, err := f.svc.Complete(ctx, hint("", "hi", 10))
	assert.ErrorIs(t, err, domain.ErrUnavailable)
	assert.Equal(t, llm.ErrNotConfigured, llm.KindOf(err))
	_, err = f.svc.Stream(ctx, hint("", "hi", 10))
	assert.Equal(t, llm.ErrNotConfigured, llm.KindOf(err))
	assert.Zero(t, f.llm.calls, "nothing pretends to be a model")
}

func TestCompleteIsAccountedAndSettlesTheQuota(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1000)
	a := f.learner(t, identity.RoleLearner)
	f.llm.resp = llm.Response{Text: "think about the loop", Provider: "openai", Model: "gpt-4.1-mini",
		Usage: llm.Usage{PromptTokens: 40, CompletionTokens: 10, CachedTokens: 20}, Latency: 800 * time.Millisecond}
	resp, err := f.svc.Complete(ctx, hint(a, "why does my loop never end", 100))
	require.NoError(t, err)
	assert.Equal(t, "think about the loop", resp.Text)

	rep, err := f.svc.Usage(ctx, a)
	require.NoError(t, err)
	assert.Equal(t, int64(50), rep.UsedToday, "the reservation was replaced by the real usage")
	assert.Equal(t, int64(950), rep.RemainingToday)
	assert.Equal(t, 1, rep.Today.Calls)
	assert.Equal(t, 1, rep.Month.Calls)
	// 20 fresh prompt tokens at $0.40, 20 cached at $0.10, 10 output at $1.60 per Mtok.
	assert.Equal(t, int64(8+2+16), rep.Today.CostMicroUSD)
	assert.Equal(t, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), rep.ResetsAt)
}

func TestQuotaRefusesWithRetryAfterTheReset(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 100)
	a := f.learner(t, identity.RoleLearner)
	admin := f.learner(t, identity.RoleAdmin)
	f.llm.resp = llm.Response{Provider: "openai", Model: "gpt-4.1-mini", Usage: llm.Usage{PromptTokens: 30, CompletionTokens: 40}}
	_, err := f.svc.Complete(ctx, hint(a, "one two three", 50))
	require.NoError(t, err)
	_, err = f.svc.Complete(ctx, hint(a, "one two three", 50))
	var q *domain.QuotaExceededError
	require.ErrorAs(t, err, &q, "70 used + 53 reserved passes 100")
	assert.Equal(t, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), q.ResetAt)
	assert.Equal(t, 1, f.llm.calls, "refused before the call")

	_, err = f.svc.Complete(ctx, hint(admin, "one two three", 50))
	require.NoError(t, err, "admins have a larger quota")

	f.clock.now = f.clock.now.Add(2 * time.Hour) // the next UTC day
	_, err = f.svc.Complete(ctx, hint(a, "one two three", 50))
	require.NoError(t, err, "a new day, a new quota")
}

func TestFailedCallsGiveTheReservationBackAndAreAccounted(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1000)
	a := f.learner(t, identity.RoleLearner)
	f.llm.err = &llm.Error{Kind: llm.ErrUnavailable, Provider: "openai"}
	_, err := f.svc.Complete(ctx, hint(a, "hi", 100))
	require.Error(t, err)
	rep, err := f.svc.Usage(ctx, a)
	require.NoError(t, err)
	assert.Zero(t, rep.UsedToday)
	assert.Equal(t, 1, rep.Today.Calls, "the failed call has its line")
}

func TestStreamSettlesOnceAtTheEnd(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1000)
	a := f.learner(t, identity.RoleLearner)
	f.llm.events = []llm.Event{{Kind: llm.EventDelta, Text: "try "}, {Kind: llm.EventDelta, Text: "printing i"},
		{Kind: llm.EventUsage, Usage: llm.Usage{PromptTokens: 12, CompletionTokens: 3}},
		{Kind: llm.EventDone, FinishReason: llm.FinishStop}}
	st, err := f.svc.Stream(ctx, hint(a, "help", 200))
	require.NoError(t, err)
	info, ok := st.(ports.StreamInfo)
	require.True(t, ok)
	assert.Equal(t, "anthropic", info.Provider())
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
	assert.Equal(t, "try printing i", text.String())
	rep, err := f.svc.Usage(ctx, a)
	require.NoError(t, err)
	assert.Equal(t, int64(15), rep.UsedToday)
	assert.Equal(t, 1, rep.Today.Calls, "settled once, not again on Close")
}

func TestAStreamClosedEarlyIsAccountedWithAnEstimate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1000)
	a := f.learner(t, identity.RoleLearner)
	f.llm.events = []llm.Event{{Kind: llm.EventDelta, Text: "one two three four"}}
	f.llm.streamErr = &llm.Error{Kind: llm.ErrUnavailable}
	st, err := f.svc.Stream(ctx, hint(a, "help me", 200))
	require.NoError(t, err)
	_, err = st.Recv()
	require.NoError(t, err)
	require.NoError(t, st.Close()) // the learner left
	rep, err := f.svc.Usage(ctx, a)
	require.NoError(t, err)
	assert.Equal(t, int64(5+4), rep.UsedToday, "the prompt (5 words with the system prompt) and the 4 words generated")
	assert.Equal(t, 9, rep.Today.Usage.Total())
}
