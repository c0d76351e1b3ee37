package exercise_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
)

func newAttempt() *exercise.Attempt {
	return exercise.NewAttempt("att-1", "learner-1", "ex-1", t0)
}

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func TestNewAttempt(t *testing.T) {
	t.Parallel()
	a := exercise.NewAttempt("att-1", "learner-1", "ex-1", t0.In(time.FixedZone("X", 3600)))
	assert.Equal(t, "att-1", a.ID())
	assert.Equal(t, "learner-1", a.LearnerID())
	assert.Equal(t, "ex-1", a.ExerciseID())
	assert.Equal(t, exercise.Assigned, a.Status())
	assert.Equal(t, t0, a.AssignedAt())
	assert.Equal(t, time.UTC, a.AssignedAt().Location())
	assert.Equal(t, t0, a.UpdatedAt())
	assert.Nil(t, a.StartedAt())
	assert.Nil(t, a.CompletedAt())
	assert.Nil(t, a.SkippedAt())
	assert.True(t, a.BestVerdict().IsZero())
	assert.False(t, a.HasPassed())
	assert.Zero(t, a.Submissions())
	assert.Zero(t, a.HintsUsed())
}

func TestAttemptStartsOnFirstSubmissionOrHint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		act  func(a *exercise.Attempt)
	}{
		{"failed submission", func(a *exercise.Attempt) { a.RecordSubmission("s-1", exercise.Failed, at(5)) }},
		{"passing submission", func(a *exercise.Attempt) { a.RecordSubmission("s-1", exercise.Passed, at(5)) }},
		{"compile error", func(a *exercise.Attempt) { a.RecordSubmission("s-1", exercise.CompileError, at(5)) }},
		{"hint", func(a *exercise.Attempt) { a.UseHint(at(5)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAttempt()
			tt.act(a)
			assert.Equal(t, exercise.InProgress, a.Status())
			require.NotNil(t, a.StartedAt())
			assert.Equal(t, at(5), *a.StartedAt())
			assert.Equal(t, at(5), a.UpdatedAt())

			// Later activity does not move the start.
			a.RecordSubmission("s-2", exercise.Failed, at(9))
			assert.Equal(t, at(5), *a.StartedAt())
			assert.Equal(t, at(9), a.UpdatedAt())
		})
	}
}

func TestAttemptRunnerErrorChangesNothing(t *testing.T) {
	t.Parallel()
	a := newAttempt()
	before := a.Snapshot()
	a.RecordSubmission("s-1", exercise.RunnerError, at(5))
	assert.Equal(t, before, a.Snapshot())

	a.RecordSubmission("s-2", exercise.Failed, at(6))
	before = a.Snapshot()
	a.RecordSubmission("s-3", exercise.RunnerError, at(7))
	assert.Equal(t, before, a.Snapshot())
	assert.Equal(t, exercise.Failed, a.BestVerdict())
}

func TestAttemptCountsSubmissionsAndKeepsTheBestVerdict(t *testing.T) {
	t.Parallel()
	a := newAttempt()
	steps := []struct {
		v      exercise.Verdict
		subs   int
		failed int
		best   exercise.Verdict
	}{
		{exercise.CompileError, 1, 1, exercise.CompileError},
		{exercise.Timeout, 2, 2, exercise.Timeout},
		{exercise.RunnerError, 2, 2, exercise.Timeout},
		{exercise.Failed, 3, 3, exercise.Failed},
		{exercise.RuntimeError, 4, 4, exercise.Failed},
		{exercise.MemoryLimit, 5, 5, exercise.Failed},
		{exercise.Passed, 6, 5, exercise.Passed},
		{exercise.Failed, 7, 6, exercise.Passed},
	}
	for i, s := range steps {
		a.RecordSubmission(ids("s", len(steps))[i], s.v, at(i+1))
		assert.Equal(t, s.subs, a.Submissions(), "step %d (%s)", i, s.v)
		assert.Equal(t, s.failed, a.FailedSubmissions(), "step %d (%s)", i, s.v)
		assert.Equal(t, s.best, a.BestVerdict(), "step %d (%s)", i, s.v)
	}
	assert.True(t, a.HasPassed())
	assert.Equal(t, "s-6", a.PassedSubmissionID())
	assert.Equal(t, exercise.InProgress, a.Status(), "passing does not complete by itself")
}

func TestAttemptFirstPassingSubmissionIsKept(t *testing.T) {
	t.Parallel()
	a := newAttempt()
	a.RecordSubmission("s-1", exercise.Passed, at(1))
	a.RecordSubmission("s-2", exercise.Passed, at(2))
	assert.Equal(t, "s-1", a.PassedSubmissionID())
}

func TestAttemptComplete(t *testing.T) {
	t.Parallel()
	t.Run("without a pass is a conflict", func(t *testing.T) {
		t.Parallel()
		a := newAttempt()
		a.RecordSubmission("s-1", exercise.Failed, at(1))
		a.RecordSubmission("s-2", exercise.RunnerError, at(2))
		before := a.Snapshot()
		xp, newly, err := a.Complete(exercise.Medium, at(3))
		require.Error(t, err)
		assert.True(t, errors.Is(err, domain.ErrConflict), "got %v", err)
		var pub *domain.PublicError
		require.True(t, errors.As(err, &pub))
		assert.Equal(t, "conflict", pub.Code)
		assert.Zero(t, xp)
		assert.False(t, newly)
		assert.Equal(t, before, a.Snapshot())
	})
	t.Run("fresh attempt is a conflict", func(t *testing.T) {
		t.Parallel()
		_, _, err := newAttempt().Complete(exercise.Easy, at(1))
		assert.ErrorIs(t, err, domain.ErrConflict)
	})

	for _, tc := range []struct {
		d     exercise.Difficulty
		hints int
	}{{exercise.Easy, 0}, {exercise.Medium, 1}, {exercise.Hard, 2}, {exercise.Hard, 5}} {
		t.Run("with a pass earns XPFor "+tc.d.String(), func(t *testing.T) {
			t.Parallel()
			a := newAttempt()
			for range tc.hints {
				a.UseHint(at(1))
			}
			a.RecordSubmission("s-1", exercise.Failed, at(2))
			a.RecordSubmission("s-2", exercise.Passed, at(3))
			xp, newly, err := a.Complete(tc.d, at(4))
			require.NoError(t, err)
			assert.True(t, newly)
			assert.Equal(t, exercise.XPFor(tc.d, tc.hints), xp)
			assert.Equal(t, xp, a.XPAwarded())
			assert.Equal(t, exercise.Completed, a.Status())
			require.NotNil(t, a.CompletedAt())
			assert.Equal(t, at(4), *a.CompletedAt())
			assert.Equal(t, at(4), a.UpdatedAt())

			// Completing again is a no-op.
			before := a.Snapshot()
			xp, newly, err = a.Complete(tc.d, at(10))
			require.NoError(t, err)
			assert.Zero(t, xp)
			assert.False(t, newly)
			assert.Equal(t, before, a.Snapshot())
		})
	}
}

func TestCompletedAttemptStaysCompleted(t *testing.T) {
	t.Parallel()
	a := newAttempt()
	a.UseHint(at(1))
	a.RecordSubmission("s-1", exercise.Passed, at(2))
	xp, _, err := a.Complete(exercise.Hard, at(3))
	require.NoError(t, err)
	completedAt := *a.CompletedAt()

	a.RecordSubmission("s-2", exercise.Failed, at(4))
	a.RecordSubmission("s-3", exercise.CompileError, at(5))
	assert.Equal(t, exercise.Completed, a.Status())
	assert.Equal(t, 3, a.Submissions(), "practice submissions are still counted")
	assert.Equal(t, 2, a.FailedSubmissions())
	assert.Equal(t, exercise.Passed, a.BestVerdict())
	assert.Equal(t, "s-1", a.PassedSubmissionID())

	// Hints after completion are free: answered but not counted.
	assert.Equal(t, 2, a.UseHint(at(6)))
	assert.Equal(t, 2, a.UseHint(at(7)))
	assert.Equal(t, 1, a.HintsUsed())
	assert.Equal(t, exercise.Completed, a.Status())
	assert.Equal(t, completedAt, *a.CompletedAt())
	assert.Equal(t, xp, a.XPAwarded())

	err = a.Skip(at(8))
	assert.ErrorIs(t, err, domain.ErrConflict)
	assert.Equal(t, exercise.Completed, a.Status())
	assert.Nil(t, a.SkippedAt())
}

func TestAttemptHintsAreCounted(t *testing.T) {
	t.Parallel()
	a := newAttempt()
	assert.Equal(t, 1, a.UseHint(at(1)))
	assert.Equal(t, 2, a.UseHint(at(2)))
	assert.Equal(t, 3, a.UseHint(at(3)))
	assert.Equal(t, 3, a.HintsUsed())
	assert.Equal(t, at(1), *a.StartedAt())
	assert.Equal(t, at(3), a.UpdatedAt())
}

func TestAttemptSkip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(a *exercise.Attempt)
	}{
		{"from assigned", func(*exercise.Attempt) {}},
		{"from in progress", func(a *exercise.Attempt) { a.RecordSubmission("s-1", exercise.Failed, at(1)) }},
		{"from in progress after a pass", func(a *exercise.Attempt) { a.RecordSubmission("s-1", exercise.Passed, at(1)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAttempt()
			tt.setup(a)
			require.NoError(t, a.Skip(at(5)))
			assert.Equal(t, exercise.Skipped, a.Status())
			require.NotNil(t, a.SkippedAt())
			assert.Equal(t, at(5), *a.SkippedAt())
			assert.Equal(t, at(5), a.UpdatedAt())

			// Skipping twice is a no-op.
			before := a.Snapshot()
			require.NoError(t, a.Skip(at(9)))
			assert.Equal(t, before, a.Snapshot())
		})
	}
}

func TestSkippedAttemptIsReopened(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		act  func(a *exercise.Attempt)
	}{
		{"by a submission", func(a *exercise.Attempt) { a.RecordSubmission("s-2", exercise.Failed, at(10)) }},
		{"by a hint", func(a *exercise.Attempt) { a.UseHint(at(10)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newAttempt()
			a.RecordSubmission("s-1", exercise.Failed, at(1))
			require.NoError(t, a.Skip(at(5)))
			tt.act(a)
			assert.Equal(t, exercise.InProgress, a.Status())
			assert.Nil(t, a.SkippedAt())
			assert.Equal(t, at(1), *a.StartedAt(), "the start stays the first one")
			assert.Equal(t, at(10), a.UpdatedAt())
		})
	}
	t.Run("a runner error does not reopen", func(t *testing.T) {
		t.Parallel()
		a := newAttempt()
		require.NoError(t, a.Skip(at(5)))
		a.RecordSubmission("s-1", exercise.RunnerError, at(10))
		assert.Equal(t, exercise.Skipped, a.Status())
	})
	t.Run("reopened by a pass, then completed", func(t *testing.T) {
		t.Parallel()
		a := newAttempt()
		require.NoError(t, a.Skip(at(5)))
		a.RecordSubmission("s-1", exercise.Passed, at(10))
		_, newly, err := a.Complete(exercise.Easy, at(11))
		require.NoError(t, err)
		assert.True(t, newly)
		assert.Equal(t, exercise.Completed, a.Status())
		assert.Nil(t, a.SkippedAt())
	})
}

func TestAttemptSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	a := newAttempt()
	a.UseHint(at(1))
	a.RecordSubmission("s-1", exercise.Failed, at(2))
	a.RecordSubmission("s-2", exercise.Passed, at(3))
	_, _, err := a.Complete(exercise.Medium, at(4))
	require.NoError(t, err)

	s := a.Snapshot()
	assert.Equal(t, exercise.AttemptSnapshot{ID: "att-1", LearnerID: "learner-1", ExerciseID: "ex-1",
		Status: exercise.Completed, HintsUsed: 1, Submissions: 2, FailedSubmissions: 1, BestVerdict: exercise.Passed,
		PassedSubmissionID: "s-2", XPAwarded: exercise.XPFor(exercise.Medium, 1), AssignedAt: t0,
		StartedAt: tp(at(1)), CompletedAt: tp(at(4)), UpdatedAt: at(4)}, s)
	assert.Equal(t, s, exercise.RehydrateAttempt(s).Snapshot())

	// Returned pointers are copies.
	*s.CompletedAt = at(100)
	*a.StartedAt() = at(100)
	assert.Equal(t, at(4), *a.CompletedAt())
	assert.Equal(t, at(1), *a.StartedAt())

	// Rehydrate normalises to UTC and copies pointers.
	tokyo := time.FixedZone("JST", 9*3600)
	in := exercise.AttemptSnapshot{ID: "x", Status: exercise.Skipped, AssignedAt: t0.In(tokyo), SkippedAt: tp(at(5).In(tokyo)), UpdatedAt: at(5).In(tokyo)}
	r := exercise.RehydrateAttempt(in)
	*in.SkippedAt = at(99)
	assert.Equal(t, time.UTC, r.SkippedAt().Location())
	assert.Equal(t, at(5), *r.SkippedAt())
	assert.Equal(t, time.UTC, r.AssignedAt().Location())
}

func TestParseAttemptStatus(t *testing.T) {
	t.Parallel()
	for _, s := range []exercise.AttemptStatus{exercise.Assigned, exercise.InProgress, exercise.Completed, exercise.Skipped} {
		got, err := exercise.ParseAttemptStatus(s.String())
		require.NoError(t, err)
		assert.True(t, got.Equal(s))
	}
	assert.Equal(t, "in_progress", exercise.InProgress.String())
	_, err := exercise.ParseAttemptStatus("done")
	assert.Error(t, err)
}
