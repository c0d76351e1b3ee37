package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// UsageRepository stores LLM accounting lines.
type UsageRepository struct{ pool *pgxpool.Pool }

var _ ports.UsageRepository = (*UsageRepository)(nil)

// NewUsageRepository returns a repository over the pool.
func NewUsageRepository(pool *pgxpool.Pool) *UsageRepository { return &UsageRepository{pool: pool} }

func nullableUUID(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Record stores one line.
func (r *UsageRepository) Record(ctx context.Context, u llm.UsageRecord) error {
	_, err := conn(ctx, r.pool).Exec(ctx, `INSERT INTO llm_usage (id, learner_id, purpose, provider, model,
		prompt_tokens, completion_tokens, cached_tokens, cost_micro_usd, latency_ms, outcome, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		u.ID, nullableUUID(u.LearnerID), string(u.Purpose), u.Provider, u.Model, u.Usage.PromptTokens,
		u.Usage.CompletionTokens, u.Usage.CachedTokens, u.CostMicroUSD, u.Latency.Milliseconds(), u.Outcome, u.CreatedAt)
	if err != nil {
		return fmt.Errorf("record llm usage: %w", translate(err))
	}
	return nil
}

// Totals sums a learner's lines in [from, to).
func (r *UsageRepository) Totals(ctx context.Context, learnerID string, from, to time.Time) (llm.UsageTotals, error) {
	var t llm.UsageTotals
	if !isUUID(learnerID) {
		return t, nil
	}
	err := conn(ctx, r.pool).QueryRow(ctx, `SELECT count(*), coalesce(sum(prompt_tokens), 0),
		coalesce(sum(completion_tokens), 0), coalesce(sum(cached_tokens), 0), coalesce(sum(cost_micro_usd), 0)
		FROM llm_usage WHERE learner_id = $1 AND created_at >= $2 AND created_at < $3`, learnerID, from, to).
		Scan(&t.Calls, &t.Usage.PromptTokens, &t.Usage.CompletionTokens, &t.Usage.CachedTokens, &t.CostMicroUSD)
	if err != nil {
		return llm.UsageTotals{}, fmt.Errorf("sum llm usage: %w", translate(err))
	}
	return t, nil
}

// QuotaLedger counts tokens per learner per day in one row each; the
// conditional upsert makes a reservation atomic across instances.
type QuotaLedger struct{ pool *pgxpool.Pool }

var _ ports.QuotaLedger = (*QuotaLedger)(nil)

// NewQuotaLedger returns a ledger over the pool.
func NewQuotaLedger(pool *pgxpool.Pool) *QuotaLedger { return &QuotaLedger{pool: pool} }

// Reserve adds amount unless the day would pass limit.
func (q *QuotaLedger) Reserve(ctx context.Context, learnerID string, day time.Time, amount, limit int64) (int64, bool, error) {
	if amount > limit {
		used, err := q.Used(ctx, learnerID, day)
		return used, false, err
	}
	var used int64
	err := conn(ctx, q.pool).QueryRow(ctx, `INSERT INTO llm_quota_days (learner_id, day, tokens) VALUES ($1, $2, $3)
		ON CONFLICT (learner_id, day) DO UPDATE SET tokens = llm_quota_days.tokens + EXCLUDED.tokens
		WHERE llm_quota_days.tokens + EXCLUDED.tokens <= $4
		RETURNING tokens`, learnerID, day, amount, limit).Scan(&used)
	if err == pgx.ErrNoRows {
		used, err := q.Used(ctx, learnerID, day)
		return used, false, err
	}
	if err != nil {
		return 0, false, fmt.Errorf("reserve quota: %w", translate(err))
	}
	return used, true, nil
}

// Adjust corrects the count, never below zero.
func (q *QuotaLedger) Adjust(ctx context.Context, learnerID string, day time.Time, delta int64) error {
	_, err := conn(ctx, q.pool).Exec(ctx, `INSERT INTO llm_quota_days (learner_id, day, tokens) VALUES ($1, $2, greatest($3::bigint, 0))
		ON CONFLICT (learner_id, day) DO UPDATE SET tokens = greatest(llm_quota_days.tokens + $3::bigint, 0)`,
		learnerID, day, delta)
	if err != nil {
		return fmt.Errorf("adjust quota: %w", translate(err))
	}
	return nil
}

// Used is the day's count.
func (q *QuotaLedger) Used(ctx context.Context, learnerID string, day time.Time) (int64, error) {
	var used int64
	err := conn(ctx, q.pool).QueryRow(ctx, `SELECT tokens FROM llm_quota_days WHERE learner_id = $1 AND day = $2`,
		learnerID, day).Scan(&used)
	if err == pgx.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read quota: %w", translate(err))
	}
	return used, nil
}
