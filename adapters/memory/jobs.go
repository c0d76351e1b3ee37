package memory

import (
	"context"
	"sync"

	"github.com/codementor/codementor/ports"
)

// JobQueue is the per-process twin of the River queue: jobs are recorded
// and run when the caller drains them (tests decide when background work
// happens). One pending job per review, like River's unique insert.
type JobQueue struct {
	mu      sync.Mutex
	pending []ports.ReviewJob
	queued  map[string]bool
}

var _ ports.JobQueue = (*JobQueue)(nil)

// NewJobQueue returns an empty queue.
func NewJobQueue() *JobQueue { return &JobQueue{queued: map[string]bool{}} }

// EnqueueReview records the job (a second one for the same review is
// ignored while the first is pending).
func (q *JobQueue) EnqueueReview(ctx context.Context, job ports.ReviewJob) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.queued[job.ReviewID] {
		return nil
	}
	q.queued[job.ReviewID] = true
	q.pending = append(q.pending, job)
	return nil
}

// Pending answers the jobs not yet taken.
func (q *JobQueue) Pending() []ports.ReviewJob {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]ports.ReviewJob(nil), q.pending...)
}

// Take removes and answers the pending jobs, oldest first.
func (q *JobQueue) Take() []ports.ReviewJob {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.pending
	q.pending = nil
	for _, j := range out {
		delete(q.queued, j.ReviewID)
	}
	return out
}
