package exercises

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
)

// gate bounds this instance's sandbox runs: workers run at once, up to
// queue more wait, and anything beyond is refused at once with 429.
type gate struct {
	slots   chan struct{}
	waiting atomic.Int64
	queue   int64
}

func newGate(workers, queue int) *gate {
	return &gate{slots: make(chan struct{}, workers), queue: int64(queue)}
}

// queueRetryAfter is what a refused submission is told to wait.
const queueRetryAfter = 5 * time.Second

func (g *gate) enter(ctx context.Context) (func(), error) {
	release := func() { <-g.slots }
	select {
	case g.slots <- struct{}{}:
		return release, nil
	default:
	}
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		return nil, &domain.RateLimitedError{RetryAfter: queueRetryAfter, Reason: "the grading queue is full; try again in a moment", Public: true}
	}
	defer g.waiting.Add(-1)
	select {
	case g.slots <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a grader: %w", ctx.Err())
	}
}

// learnerLocks is the in-process half of "one grading per learner at a
// time": it holds even when the shared locker (Redis) is unreachable.
type learnerLocks struct {
	mu   sync.Mutex
	busy map[string]bool
}

func newLearnerLocks() *learnerLocks { return &learnerLocks{busy: map[string]bool{}} }

func (l *learnerLocks) try(learnerID string) (func(), bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.busy[learnerID] {
		return nil, false
	}
	l.busy[learnerID] = true
	return func() {
		l.mu.Lock()
		delete(l.busy, learnerID)
		l.mu.Unlock()
	}, true
}

var errBusy = &domain.RateLimitedError{RetryAfter: 2 * time.Second, Reason: "one grading at a time: your previous submission is still being graded", Public: true}

// grading takes the learner's grading slot (here and across instances)
// and a worker; the returned function gives both back.
func (s *Service) grading(ctx context.Context, learnerID string) (func(), error) {
	unlock, ok := s.local.try(learnerID)
	if !ok {
		return nil, errBusy
	}
	ttl := s.cfg.Limits.WallTime*2 + 30*time.Second
	lease, ok, err := s.Locker.TryLock(ctx, "grading:"+learnerID, ttl)
	switch {
	case err != nil:
		// The shared lock is down: this instance's lock still holds.
		s.Log.WarnContext(ctx, "grading lock unavailable, using the instance lock", "err", err)
	case !ok:
		unlock()
		return nil, errBusy
	}
	leave, err := s.gate.enter(ctx)
	if err != nil {
		if lease != nil {
			_ = lease.Release(context.WithoutCancel(ctx))
		}
		unlock()
		return nil, err
	}
	return func() {
		leave()
		if lease != nil {
			_ = lease.Release(context.WithoutCancel(ctx))
		}
		unlock()
	}, nil
}

// run grades code against the exercise: the runner's own failure becomes
// the "error" verdict, never the learner's.
func (s *Service) run(ctx context.Context, e *exercise.Exercise, code string) exercise.Grading {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Limits.WallTime*2+20*time.Second)
	defer cancel()
	rr, err := s.Runner.Run(ctx, exercise.SpecFor(e, code, s.cfg.Limits))
	if err != nil {
		s.Log.ErrorContext(ctx, "code runner failed", "runner", s.Runner.Name(), "exercise", e.ID(), "err", err)
		return exercise.RunnerFailed(e, "the sandbox is unavailable")
	}
	return exercise.Grade(e, rr)
}
