package exercise

import (
	"time"

	"github.com/codementor/codementor/domain"
)

// AttemptStatus is where a learner is with one exercise.
type AttemptStatus struct{ value string }

var (
	Assigned   = AttemptStatus{"assigned"}
	InProgress = AttemptStatus{"in_progress"}
	Completed  = AttemptStatus{"completed"}
	Skipped    = AttemptStatus{"skipped"}
)

// ParseAttemptStatus accepts a status's name.
func ParseAttemptStatus(s string) (AttemptStatus, error) {
	for _, v := range []AttemptStatus{Assigned, InProgress, Completed, Skipped} {
		if v.value == s {
			return v, nil
		}
	}
	return AttemptStatus{}, domain.NewValidationError("status", "unknown attempt status")
}

func (s AttemptStatus) String() string             { return s.value }
func (s AttemptStatus) Equal(o AttemptStatus) bool { return s.value == o.value }

// Attempt is a learner's work on one exercise: assigned -> in_progress ->
// completed | skipped. A completed attempt stays completed; a skipped one
// is reopened by a new submission or hint.
type Attempt struct {
	id                string
	learnerID         string
	exerciseID        string
	status            AttemptStatus
	hintsUsed         int
	submissions       int
	failedSubmissions int
	bestVerdict       Verdict
	passedSubmission  string // the first passing submission's id
	xpAwarded         int
	assignedAt        time.Time
	startedAt         *time.Time
	completedAt       *time.Time
	skippedAt         *time.Time
	updatedAt         time.Time
}

// AttemptSnapshot is every stored field of an Attempt.
type AttemptSnapshot struct {
	ID                 string
	LearnerID          string
	ExerciseID         string
	Status             AttemptStatus
	HintsUsed          int
	Submissions        int
	FailedSubmissions  int
	BestVerdict        Verdict
	PassedSubmissionID string
	XPAwarded          int
	AssignedAt         time.Time
	StartedAt          *time.Time
	CompletedAt        *time.Time
	SkippedAt          *time.Time
	UpdatedAt          time.Time
}

// NewAttempt starts a learner's attempt at an exercise, as assigned.
func NewAttempt(id, learnerID, exerciseID string, now time.Time) *Attempt {
	now = now.UTC()
	return &Attempt{id: id, learnerID: learnerID, exerciseID: exerciseID, status: Assigned, assignedAt: now, updatedAt: now}
}

// RehydrateAttempt rebuilds a stored attempt.
func RehydrateAttempt(s AttemptSnapshot) *Attempt {
	return &Attempt{id: s.ID, learnerID: s.LearnerID, exerciseID: s.ExerciseID, status: s.Status, hintsUsed: s.HintsUsed,
		submissions: s.Submissions, failedSubmissions: s.FailedSubmissions, bestVerdict: s.BestVerdict,
		passedSubmission: s.PassedSubmissionID, xpAwarded: s.XPAwarded, assignedAt: s.AssignedAt.UTC(),
		startedAt: utcPtr(s.StartedAt), completedAt: utcPtr(s.CompletedAt), skippedAt: utcPtr(s.SkippedAt),
		updatedAt: s.UpdatedAt.UTC()}
}

// Snapshot returns every field, for storage.
func (a *Attempt) Snapshot() AttemptSnapshot {
	return AttemptSnapshot{ID: a.id, LearnerID: a.learnerID, ExerciseID: a.exerciseID, Status: a.status,
		HintsUsed: a.hintsUsed, Submissions: a.submissions, FailedSubmissions: a.failedSubmissions,
		BestVerdict: a.bestVerdict, PassedSubmissionID: a.passedSubmission, XPAwarded: a.xpAwarded,
		AssignedAt: a.assignedAt, StartedAt: utcPtr(a.startedAt), CompletedAt: utcPtr(a.completedAt),
		SkippedAt: utcPtr(a.skippedAt), UpdatedAt: a.updatedAt}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

func (a *Attempt) ID() string                 { return a.id }
func (a *Attempt) LearnerID() string          { return a.learnerID }
func (a *Attempt) ExerciseID() string         { return a.exerciseID }
func (a *Attempt) Status() AttemptStatus      { return a.status }
func (a *Attempt) HintsUsed() int             { return a.hintsUsed }
func (a *Attempt) Submissions() int           { return a.submissions }
func (a *Attempt) FailedSubmissions() int     { return a.failedSubmissions }
func (a *Attempt) BestVerdict() Verdict       { return a.bestVerdict }
func (a *Attempt) PassedSubmissionID() string { return a.passedSubmission }
func (a *Attempt) HasPassed() bool            { return a.passedSubmission != "" }
func (a *Attempt) XPAwarded() int             { return a.xpAwarded }
func (a *Attempt) AssignedAt() time.Time      { return a.assignedAt }
func (a *Attempt) StartedAt() *time.Time      { return utcPtr(a.startedAt) }
func (a *Attempt) CompletedAt() *time.Time    { return utcPtr(a.completedAt) }
func (a *Attempt) SkippedAt() *time.Time      { return utcPtr(a.skippedAt) }
func (a *Attempt) UpdatedAt() time.Time       { return a.updatedAt }

func (a *Attempt) start(now time.Time) {
	if a.status == Assigned || a.status == Skipped {
		a.status = InProgress
		a.skippedAt = nil
	}
	if a.startedAt == nil {
		t := now.UTC()
		a.startedAt = &t
	}
	a.updatedAt = now.UTC()
}

// RecordSubmission counts a graded submission. A runner error is stored
// but changes nothing: it is not the learner's try. A completed attempt
// keeps its status; later submissions are practice.
func (a *Attempt) RecordSubmission(submissionID string, v Verdict, now time.Time) {
	if v == RunnerError {
		return
	}
	if a.status != Completed {
		a.start(now)
	}
	a.submissions++
	if v.CountsAsFailure() {
		a.failedSubmissions++
	}
	if a.bestVerdict.IsZero() || v.Better(a.bestVerdict) {
		a.bestVerdict = v
	}
	if v == Passed && a.passedSubmission == "" {
		a.passedSubmission = submissionID
	}
	a.updatedAt = now.UTC()
}

// UseHint moves to the next hint level and answers it (1-based). Hints
// on a completed exercise are free reading and are not counted.
func (a *Attempt) UseHint(now time.Time) int {
	if a.status == Completed {
		return a.hintsUsed + 1
	}
	a.start(now)
	a.hintsUsed++
	return a.hintsUsed
}

// Complete marks the attempt solved and answers the XP it earns, once:
// completing a completed attempt is a no-op answering (0, false). Without
// a passing submission it is a conflict (domain.ErrConflict).
func (a *Attempt) Complete(d Difficulty, now time.Time) (xp int, newly bool, err error) {
	if a.status == Completed {
		return 0, false, nil
	}
	if a.passedSubmission == "" {
		return 0, false, domain.NewPublicError(domain.ErrConflict, "conflict",
			"submit a solution that passes every test before completing the exercise")
	}
	t := now.UTC()
	a.status, a.completedAt, a.skippedAt, a.updatedAt = Completed, &t, nil, t
	if a.startedAt == nil {
		a.startedAt = &t
	}
	a.xpAwarded = XPFor(d, a.hintsUsed)
	return a.xpAwarded, true, nil
}

// Skip gives the exercise up; a completed exercise cannot be skipped.
// Skipping a skipped attempt is a no-op.
func (a *Attempt) Skip(now time.Time) error {
	switch a.status {
	case Completed:
		return domain.NewPublicError(domain.ErrConflict, "conflict", "a completed exercise cannot be skipped")
	case Skipped:
		return nil
	}
	t := now.UTC()
	a.status, a.skippedAt, a.updatedAt = Skipped, &t, t
	return nil
}

// Submission is one graded try, stored with its code, verdict and the
// hints used before it.
type Submission struct {
	ID         string
	AttemptID  string
	LearnerID  string
	ExerciseID string
	Code       string
	Grading    Grading
	HintsUsed  int
	CreatedAt  time.Time
}
