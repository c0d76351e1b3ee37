// Package river runs background jobs (code reviews) on River, a job queue
// kept in Postgres: jobs survive restarts, retry with backoff, spread over
// every instance that runs workers, and are inserted in the caller's
// transaction, so a review row and its job commit together.
package river

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
)

// QueueReviews is the River queue code reviews run on.
const QueueReviews = "reviews"

// Options configure the queue.
type Options struct {
	// Workers is how many reviews this instance runs at once (0: this
	// instance only inserts jobs, another one works them).
	Workers int
	// JobTimeout cancels a review run that takes longer.
	JobTimeout time.Duration
	// RescueAfter is when a job left running by an instance that died is
	// given to another one (must be over JobTimeout).
	RescueAfter time.Duration
	// MaxAttempts is how many times a failing run is tried.
	MaxAttempts int
	Log         *slog.Logger
}

// ReviewRunner runs one review; final says this is the job's last
// attempt (the runner then records a failure instead of asking for a
// retry). A *review.RateLimitedError asks to wait until its RetryAt.
type ReviewRunner interface {
	RunReview(ctx context.Context, reviewID string, final bool) error
}

// reviewArgs are a review job's arguments. River keeps one job per review
// (unique by ReviewID); one active review per request is the reviews
// table's own rule.
type reviewArgs struct {
	ReviewID string `json:"review_id" river:"unique"`
	DedupKey string `json:"dedup_key"`
}

func (reviewArgs) Kind() string { return "code_review" }

// Queue inserts and works review jobs.
type Queue struct {
	client *river.Client[pgx.Tx]
	runner atomic.Pointer[ReviewRunner]
	opts   Options
	log    *slog.Logger
}

var _ ports.JobQueue = (*Queue)(nil)

// New builds the River client over the pool. Jobs are worked only after
// Start.
func New(pool *pgxpool.Pool, o Options) (*Queue, error) {
	if pool == nil {
		return nil, errors.New("river: nil pool")
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = 10 * time.Minute
	}
	if o.RescueAfter <= o.JobTimeout {
		o.RescueAfter = o.JobTimeout + 5*time.Minute
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	log := o.Log
	if log == nil {
		log = slog.Default()
	}
	q := &Queue{opts: o, log: log}
	cfg := &river.Config{
		JobTimeout:           o.JobTimeout,
		RescueStuckJobsAfter: o.RescueAfter,
		MaxAttempts:          o.MaxAttempts,
		// River logs every retry at info; ours are logged by the runner.
		Logger: slog.New(warnOnly{log.Handler()}),
	}
	if o.Workers > 0 {
		workers := river.NewWorkers()
		if err := river.AddWorkerSafely(workers, &reviewWorker{q: q}); err != nil {
			return nil, fmt.Errorf("river: %w", err)
		}
		cfg.Workers = workers
		cfg.Queues = map[string]river.QueueConfig{QueueReviews: {MaxWorkers: o.Workers}}
	}
	c, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	q.client = c
	return q, nil
}

// EnqueueReview inserts the job, in the context's transaction when there
// is one.
func (q *Queue) EnqueueReview(ctx context.Context, job ports.ReviewJob) error {
	args := reviewArgs{ReviewID: job.ReviewID, DedupKey: job.DedupKey}
	opts := &river.InsertOpts{Queue: QueueReviews, MaxAttempts: q.opts.MaxAttempts,
		UniqueOpts: river.UniqueOpts{ByArgs: true}}
	var err error
	if tx, ok := postgres.TxFrom(ctx); ok {
		_, err = q.client.InsertTx(ctx, tx, args, opts)
	} else {
		_, err = q.client.Insert(ctx, args, opts)
	}
	if err != nil {
		return fmt.Errorf("enqueue review %s: %w", job.ReviewID, err)
	}
	return nil
}

// Start begins working jobs with runner (when this instance has workers).
func (q *Queue) Start(ctx context.Context, runner ReviewRunner) error {
	if q.opts.Workers <= 0 {
		return nil
	}
	q.runner.Store(&runner)
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	return nil
}

// Stop lets running jobs finish until ctx ends, then cancels them: a
// cancelled review is snoozed, not failed, and runs again at once on the
// next start of any instance.
func (q *Queue) Stop(ctx context.Context) error {
	if q.opts.Workers <= 0 || q.runner.Load() == nil {
		return nil
	}
	err := q.client.Stop(ctx)
	if err == nil {
		return nil
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := q.client.StopAndCancel(cctx); err != nil {
		return fmt.Errorf("stop job queue: %w", err)
	}
	return nil
}

type reviewWorker struct {
	river.WorkerDefaults[reviewArgs]
	q *Queue
}

func (w *reviewWorker) Work(ctx context.Context, job *river.Job[reviewArgs]) error {
	rp := w.q.runner.Load()
	if rp == nil {
		return river.JobSnooze(time.Second)
	}
	final := job.Attempt >= job.MaxAttempts
	err := (*rp).RunReview(ctx, job.Args.ReviewID, final)
	var rl *review.RateLimitedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &rl):
		wait := time.Until(rl.RetryAt)
		if wait < time.Second {
			wait = time.Second
		}
		w.q.log.Info("review waits for GitHub's rate limit", "review_id", job.Args.ReviewID, "retry_in", wait.Round(time.Second))
		return river.JobSnooze(wait)
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		// The instance is shutting down: run again on the next start
		// without spending an attempt.
		return river.JobSnooze(0)
	default:
		w.q.log.Warn("review run failed; River retries it", "review_id", job.Args.ReviewID,
			"attempt", job.Attempt, "max_attempts", job.MaxAttempts, "error", err)
		return err
	}
}

// Timeout is the per-job timeout (River's default otherwise).
func (w *reviewWorker) Timeout(*river.Job[reviewArgs]) time.Duration { return w.q.opts.JobTimeout }

// warnOnly drops River's records below warning.
type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnOnly) WithAttrs(a []slog.Attr) slog.Handler { return warnOnly{h.Handler.WithAttrs(a)} }
func (h warnOnly) WithGroup(n string) slog.Handler      { return warnOnly{h.Handler.WithGroup(n)} }
