package ports

import (
	"context"
	"time"

	"github.com/codementor/codementor/domain/llm"
)

// UsageRepository stores the accounting line of every LLM call.
type UsageRepository interface {
	Record(ctx context.Context, r llm.UsageRecord) error
	// Totals sums a learner's calls in [from, to).
	Totals(ctx context.Context, learnerID string, from, to time.Time) (llm.UsageTotals, error)
}

// QuotaLedger counts each learner's tokens per quota day, shared by every
// server instance.
type QuotaLedger interface {
	// Reserve adds amount to the learner's day unless that would pass
	// limit; it answers the day's count after (or without) the addition.
	Reserve(ctx context.Context, learnerID string, day time.Time, amount, limit int64) (used int64, ok bool, err error)
	// Adjust corrects the day's count once the real usage is known
	// (negative to give back); the count never goes below zero.
	Adjust(ctx context.Context, learnerID string, day time.Time, delta int64) error
	// Used is the day's count.
	Used(ctx context.Context, learnerID string, day time.Time) (int64, error)
}
