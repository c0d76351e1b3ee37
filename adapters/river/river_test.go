package river_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/adapters/river"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/testenv"
)

// call is one run of a review job.
type call struct {
	ReviewID string
	Final    bool
	At       time.Time
}

// runner answers each run with the next scripted result (nil after the
// script) and reports every run.
type runner struct {
	mu     sync.Mutex
	script map[string][]func(ctx context.Context) error
	calls  chan call
}

func newRunner() *runner {
	return &runner{script: map[string][]func(ctx context.Context) error{}, calls: make(chan call, 100)}
}

func (r *runner) then(id string, fn func(ctx context.Context) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.script[id] = append(r.script[id], fn)
}

func (r *runner) RunReview(ctx context.Context, id string, final bool) error {
	r.mu.Lock()
	var fn func(ctx context.Context) error
	if s := r.script[id]; len(s) > 0 {
		fn, r.script[id] = s[0], s[1:]
	}
	r.mu.Unlock()
	r.calls <- call{ReviewID: id, Final: final, At: time.Now()}
	if fn == nil {
		return nil
	}
	return fn(ctx)
}

func (r *runner) next(t *testing.T, within time.Duration) call {
	t.Helper()
	select {
	case c := <-r.calls:
		return c
	case <-time.After(within):
		t.Fatalf("no job ran within %s", within)
		return call{}
	}
}

func (r *runner) none(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case c := <-r.calls:
		t.Fatalf("unexpected run of %s", c.ReviewID)
	case <-time.After(within):
	}
}

func start(t *testing.T, q *river.Queue, r river.ReviewRunner) {
	t.Helper()
	require.NoError(t, q.Start(context.Background(), r))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
}

func TestJobsCommitWithTheTransactionThatQueuesThem(t *testing.T) {
	t.Parallel()
	pool := testenv.Postgres(t)
	q, err := river.New(pool, river.Options{Workers: 2})
	require.NoError(t, err)
	r := newRunner()
	start(t, q, r)
	tx := postgres.NewTxManager(pool)
	ctx := context.Background()

	rollback := errors.New("roll back")
	err = tx.WithinTx(ctx, func(ctx context.Context) error {
		require.NoError(t, q.EnqueueReview(ctx, ports.ReviewJob{ReviewID: "rolled-back", DedupKey: "k1"}))
		return rollback
	})
	require.ErrorIs(t, err, rollback)

	require.NoError(t, tx.WithinTx(ctx, func(ctx context.Context) error {
		return q.EnqueueReview(ctx, ports.ReviewJob{ReviewID: "committed", DedupKey: "k2"})
	}))
	c := r.next(t, 10*time.Second)
	assert.Equal(t, "committed", c.ReviewID)
	assert.False(t, c.Final, "the first of several attempts")
	r.none(t, time.Second)
}

func TestOneJobPerReview(t *testing.T) {
	t.Parallel()
	pool := testenv.Postgres(t)
	q, err := river.New(pool, river.Options{Workers: 2})
	require.NoError(t, err)
	r := newRunner()
	ctx := context.Background()
	// Queued before any worker runs: the second insert is a duplicate.
	for range 3 {
		require.NoError(t, q.EnqueueReview(ctx, ports.ReviewJob{ReviewID: "once", DedupKey: "k"}))
	}
	start(t, q, r)
	assert.Equal(t, "once", r.next(t, 10*time.Second).ReviewID)
	r.none(t, 1500*time.Millisecond)
}

func TestARateLimitedRunWaitsForTheResetWithoutSpendingAnAttempt(t *testing.T) {
	t.Parallel()
	pool := testenv.Postgres(t)
	q, err := river.New(pool, river.Options{Workers: 1, MaxAttempts: 1})
	require.NoError(t, err)
	r := newRunner()
	r.then("limited", func(context.Context) error {
		return &review.RateLimitedError{RetryAt: time.Now().Add(1500 * time.Millisecond)}
	})
	r.then("limited", func(context.Context) error {
		return &review.RateLimitedError{RetryAt: time.Now().Add(time.Second)}
	})
	start(t, q, r)
	require.NoError(t, q.EnqueueReview(context.Background(), ports.ReviewJob{ReviewID: "limited", DedupKey: "k"}))
	first := r.next(t, 10*time.Second)
	second := r.next(t, 10*time.Second)
	third := r.next(t, 10*time.Second)
	assert.GreaterOrEqual(t, second.At.Sub(first.At), 1400*time.Millisecond, "snoozed until the reset")
	assert.GreaterOrEqual(t, third.At.Sub(second.At), 900*time.Millisecond)
	assert.True(t, third.Final, "with one attempt allowed, snoozes did not spend it")
	r.none(t, time.Second)
}

func TestAFailingRunIsRetriedWithBackoffAndTheLastAttemptIsFinal(t *testing.T) {
	t.Parallel()
	pool := testenv.Postgres(t)
	q, err := river.New(pool, river.Options{Workers: 1, MaxAttempts: 2})
	require.NoError(t, err)
	r := newRunner()
	r.then("flaky", func(context.Context) error { return errors.New("GitHub answered 502") })
	r.then("flaky", func(context.Context) error { return errors.New("GitHub answered 502 again") })
	start(t, q, r)
	require.NoError(t, q.EnqueueReview(context.Background(), ports.ReviewJob{ReviewID: "flaky", DedupKey: "k"}))
	first := r.next(t, 10*time.Second)
	second := r.next(t, 15*time.Second)
	assert.False(t, first.Final)
	assert.True(t, second.Final, "the runner records a failure on the last attempt")
	assert.GreaterOrEqual(t, second.At.Sub(first.At), 500*time.Millisecond, "a backoff between attempts")
	r.none(t, 2*time.Second)
}

func TestAJobCutByShutdownRunsAgainOnTheNextInstance(t *testing.T) {
	t.Parallel()
	pool := testenv.Postgres(t)
	first, err := river.New(pool, river.Options{Workers: 1, MaxAttempts: 1})
	require.NoError(t, err)
	r := newRunner()
	r.then("long", func(ctx context.Context) error {
		<-ctx.Done() // a review still talking to the model
		return ctx.Err()
	})
	require.NoError(t, first.Start(context.Background(), r))
	require.NoError(t, first.EnqueueReview(context.Background(), ports.ReviewJob{ReviewID: "long", DedupKey: "k"}))
	r.next(t, 10*time.Second)

	stopCtx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	require.NoError(t, first.Stop(stopCtx), "the grace ends, the job is cancelled and put back")

	second, err := river.New(pool, river.Options{Workers: 1, MaxAttempts: 1})
	require.NoError(t, err)
	start(t, second, r)
	again := r.next(t, 10*time.Second)
	assert.Equal(t, "long", again.ReviewID)
	assert.True(t, again.Final, "the interruption did not spend the only attempt")
}

func TestAnInstanceWithoutWorkersOnlyQueues(t *testing.T) {
	t.Parallel()
	pool := testenv.Postgres(t)
	inserter, err := river.New(pool, river.Options{Workers: 0})
	require.NoError(t, err)
	r := newRunner()
	require.NoError(t, inserter.Start(context.Background(), r))
	require.NoError(t, inserter.EnqueueReview(context.Background(), ports.ReviewJob{ReviewID: "elsewhere", DedupKey: "k"}))
	r.none(t, time.Second)

	worker, err := river.New(pool, river.Options{Workers: 1})
	require.NoError(t, err)
	start(t, worker, r)
	assert.Equal(t, "elsewhere", r.next(t, 10*time.Second).ReviewID)
}
