package memory

import (
	"context"
	"sync"
	"time"

	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// UsageRepository is the in-memory twin of postgres.UsageRepository.
type UsageRepository struct {
	mu    sync.Mutex
	lines []llm.UsageRecord
}

var _ ports.UsageRepository = (*UsageRepository)(nil)

// NewUsageRepository returns an empty repository.
func NewUsageRepository() *UsageRepository { return &UsageRepository{} }

// Record keeps one line.
func (r *UsageRepository) Record(_ context.Context, u llm.UsageRecord) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	u.CreatedAt = utc(u.CreatedAt)
	u.Latency = u.Latency.Truncate(time.Millisecond)
	r.lines = append(r.lines, u)
	return nil
}

// Totals sums a learner's lines in [from, to).
func (r *UsageRepository) Totals(_ context.Context, learnerID string, from, to time.Time) (llm.UsageTotals, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var t llm.UsageTotals
	for _, l := range r.lines {
		if l.LearnerID == learnerID && learnerID != "" && !l.CreatedAt.Before(from) && l.CreatedAt.Before(to) {
			t.Calls++
			t.Usage = t.Usage.Add(l.Usage)
			t.CostMicroUSD += l.CostMicroUSD
		}
	}
	return t, nil
}

// QuotaLedger is the in-memory twin of postgres.QuotaLedger.
type QuotaLedger struct {
	mu   sync.Mutex
	days map[string]int64
}

var _ ports.QuotaLedger = (*QuotaLedger)(nil)

// NewQuotaLedger returns an empty ledger.
func NewQuotaLedger() *QuotaLedger { return &QuotaLedger{days: map[string]int64{}} }

func dayKey(learnerID string, day time.Time) string {
	return learnerID + "|" + day.UTC().Format("2006-01-02")
}

// Reserve adds amount unless the day would pass limit.
func (q *QuotaLedger) Reserve(_ context.Context, learnerID string, day time.Time, amount, limit int64) (int64, bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	k := dayKey(learnerID, day)
	if q.days[k]+amount > limit {
		return q.days[k], false, nil
	}
	q.days[k] += amount
	return q.days[k], true, nil
}

// Adjust corrects the count, never below zero.
func (q *QuotaLedger) Adjust(_ context.Context, learnerID string, day time.Time, delta int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	k := dayKey(learnerID, day)
	q.days[k] = max(q.days[k]+delta, 0)
	return nil
}

// Used is the day's count.
func (q *QuotaLedger) Used(_ context.Context, learnerID string, day time.Time) (int64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.days[dayKey(learnerID, day)], nil
}
