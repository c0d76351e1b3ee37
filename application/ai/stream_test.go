package ai_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/application/ai"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// gatedLLM's Stream reports its call, then waits for open (or its
// context) before answering a stream of one delta.
type gatedLLM struct {
	called   chan struct{}
	open     chan struct{}
	canceled atomic.Bool
	stream   *fakeStream
}

func (g *gatedLLM) Configured() bool { return true }
func (g *gatedLLM) Complete(context.Context, llm.Request) (llm.Response, error) {
	return llm.Response{}, nil
}
func (g *gatedLLM) Stream(ctx context.Context, _ llm.Request) (ports.Stream, error) {
	close(g.called)
	select {
	case <-g.open:
		g.stream = &fakeStream{events: []llm.Event{{Kind: llm.EventDelta, Text: "secret"}}}
		return g.stream, nil
	case <-ctx.Done():
		g.canceled.Store(true)
		return nil, &llm.Error{Kind: llm.ErrCanceled, Msg: "canceled"}
	}
}

// slowLedger's Reserve waits for the upstream call to have started: it
// only returns if the two run at once.
type slowLedger struct {
	ports.QuotaLedger
	upstream <-chan struct{}
}

func (l slowLedger) Reserve(ctx context.Context, learnerID string, day time.Time, amount, limit int64) (int64, bool, error) {
	select {
	case <-l.upstream:
	case <-time.After(5 * time.Second):
	}
	return l.QuotaLedger.Reserve(ctx, learnerID, day, amount, limit)
}

func gatedService(t *testing.T, quota int64, g *gatedLLM, ledger ports.QuotaLedger) (*ai.Service, string) {
	t.Helper()
	users := memory.NewUserRepository(memory.NewDB())
	c := &clock{now: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}
	svc, err := ai.NewService(ai.Deps{LLM: g, Tokens: words{}, Lines: memory.NewUsageRepository(), Ledger: ledger, Users: users,
		Clock: c, IDs: ids{}, Log: slog.New(slog.DiscardHandler)}, ai.Config{Quotas: ai.Quotas{LearnerDailyTokens: quota, AdminDailyTokens: quota}})
	require.NoError(t, err)
	f := fixture{users: users, clock: c}
	return svc, f.learner(t, identity.RoleLearner)
}

func TestStreamReservesWhileTheUpstreamRequestIsOnItsWay(t *testing.T) {
	t.Parallel()
	g := &gatedLLM{called: make(chan struct{}), open: make(chan struct{})}
	close(g.open)
	svc, a := gatedService(t, 1000, g, slowLedger{QuotaLedger: memory.NewQuotaLedger(), upstream: g.called})
	start := time.Now()
	st, err := svc.Stream(ctx, hint(a, "help", 100))
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 4*time.Second, "the reservation did not wait for the upstream call to end first")
	ev, err := st.Recv()
	require.NoError(t, err)
	assert.Equal(t, "secret", ev.Text)
	require.NoError(t, st.Close())
}

func TestStreamOverQuotaCancelsTheUpstreamAndPassesNothing(t *testing.T) {
	t.Parallel()
	t.Run("refused before the upstream answered", func(t *testing.T) {
		t.Parallel()
		g := &gatedLLM{called: make(chan struct{}), open: make(chan struct{})} // never opens
		svc, a := gatedService(t, 10, g, memory.NewQuotaLedger())
		st, err := svc.Stream(ctx, hint(a, "help", 100))
		var q *domain.QuotaExceededError
		require.ErrorAs(t, err, &q)
		assert.Nil(t, st)
		assert.True(t, g.canceled.Load(), "the upstream request was cancelled")
	})
	t.Run("refused after the upstream answered", func(t *testing.T) {
		t.Parallel()
		g := &gatedLLM{called: make(chan struct{}), open: make(chan struct{})}
		close(g.open)
		svc, a := gatedService(t, 10, g, memory.NewQuotaLedger())
		st, err := svc.Stream(ctx, hint(a, "help", 100))
		var q *domain.QuotaExceededError
		require.ErrorAs(t, err, &q)
		assert.Nil(t, st)
		require.NotNil(t, g.stream)
		assert.True(t, g.stream.closed, "the upstream stream was closed unread")
		assert.Zero(t, g.stream.i, "no event was read")
	})
}
