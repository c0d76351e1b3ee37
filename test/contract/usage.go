package contract

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// UsageStore is what the usage suite needs: the two ports, plus a way to
// make a learner (the Postgres tables reference users).
type UsageStore struct {
	Usage   ports.UsageRepository
	Ledger  ports.QuotaLedger
	Learner func(t *testing.T) string
}

// Usage runs the accounting and quota contract.
func Usage(t *testing.T, newStore func(t *testing.T) UsageStore) {
	ctx := context.Background()
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

	t.Run("totals sum a learner's lines in the period only", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		a, b := s.Learner(t), s.Learner(t)
		line := func(learner string, at time.Time, p, c, cached int, cost int64) llm.UsageRecord {
			return llm.UsageRecord{ID: newID(), LearnerID: learner, Purpose: llm.PurposeHint, Provider: "openai",
				Model: "gpt-4.1-mini", Usage: llm.Usage{PromptTokens: p, CompletionTokens: c, CachedTokens: cached},
				CostMicroUSD: cost, Latency: 1500 * time.Millisecond, Outcome: llm.OutcomeOK, CreatedAt: at}
		}
		require.NoError(t, s.Usage.Record(ctx, line(a, day.Add(time.Hour), 100, 20, 10, 5)))
		require.NoError(t, s.Usage.Record(ctx, line(a, day.Add(23*time.Hour), 50, 5, 0, 3)))
		require.NoError(t, s.Usage.Record(ctx, line(a, day.Add(-time.Second), 1000, 1000, 0, 99)))
		require.NoError(t, s.Usage.Record(ctx, line(b, day.Add(time.Hour), 7, 7, 0, 1)))
		require.NoError(t, s.Usage.Record(ctx, line("", day.Add(time.Hour), 9, 9, 0, 1)), "system work has no learner")

		tot, err := s.Usage.Totals(ctx, a, day, day.AddDate(0, 0, 1))
		require.NoError(t, err)
		assert.Equal(t, llm.UsageTotals{Calls: 2, Usage: llm.Usage{PromptTokens: 150, CompletionTokens: 25, CachedTokens: 10}, CostMicroUSD: 8}, tot)
		tot, err = s.Usage.Totals(ctx, newID(), day, day.AddDate(0, 0, 1))
		require.NoError(t, err)
		assert.Zero(t, tot.Calls)
	})

	t.Run("reservations never pass the limit, even concurrently", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		a := s.Learner(t)
		var ok atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, reserved, err := s.Ledger.Reserve(ctx, a, day, 100, 1000)
				assert.NoError(t, err)
				if reserved {
					ok.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(10), ok.Load())
		used, err := s.Ledger.Used(ctx, a, day)
		require.NoError(t, err)
		assert.Equal(t, int64(1000), used)

		used, reserved, err := s.Ledger.Reserve(ctx, a, day, 1, 1000)
		require.NoError(t, err)
		assert.False(t, reserved)
		assert.Equal(t, int64(1000), used)

		require.NoError(t, s.Ledger.Adjust(ctx, a, day, -250))
		used, reserved, err = s.Ledger.Reserve(ctx, a, day, 200, 1000)
		require.NoError(t, err)
		assert.True(t, reserved)
		assert.Equal(t, int64(950), used)

		require.NoError(t, s.Ledger.Adjust(ctx, a, day, -5000))
		used, err = s.Ledger.Used(ctx, a, day)
		require.NoError(t, err)
		assert.Zero(t, used, "never below zero")

		used, err = s.Ledger.Used(ctx, a, day.AddDate(0, 0, 1))
		require.NoError(t, err)
		assert.Zero(t, used, "a new day starts at zero")
		_, reserved, err = s.Ledger.Reserve(ctx, a, day, 2000, 1000)
		require.NoError(t, err)
		assert.False(t, reserved, "a single call larger than the quota")
	})
}
