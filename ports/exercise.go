package ports

import (
	"context"
	"time"

	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

// Page asks for one page of a list: Cursor is opaque (empty: the first);
// Limit 0 is the list's default.
type Page struct {
	Cursor string
	Limit  int
}

// ExerciseFilter narrows GET /exercises. ViewerID sees public exercises
// and their own owner-only ones.
type ExerciseFilter struct {
	ViewerID   string
	Language   *language.Language
	Difficulty *exercise.Difficulty
	Topic      string
	Page
}

// CatalogSyncReport says what a catalogue sync changed.
type CatalogSyncReport struct {
	Created   int
	Updated   int
	Unchanged int
}

// ExerciseRepository stores exercises: the curated catalogue and the
// generated ones.
type ExerciseRepository interface {
	// SyncCatalog upserts catalogue exercises by (language, slug): an
	// exercise whose Version is unchanged is left alone, a changed one is
	// updated in place (its id stays), a new one is created. Idempotent.
	SyncCatalog(ctx context.Context, exs []*exercise.Exercise) (CatalogSyncReport, error)
	// Create stores a new exercise (a generated one); (language, slug)
	// taken is domain.ErrConflict.
	Create(ctx context.Context, e *exercise.Exercise) error
	// Get loads any exercise by id (authorization is the caller's);
	// unknown or malformed ids are domain.ErrNotFound.
	Get(ctx context.Context, id string) (*exercise.Exercise, error)
	// List answers a page of the exercises the viewer may see, ordered by
	// language, difficulty, slug; next is "" on the last page.
	List(ctx context.Context, f ExerciseFilter) (items []exercise.Summary, next string, err error)
	// Candidates lists every exercise the viewer may see, for the daily
	// policy.
	Candidates(ctx context.Context, viewerID string) ([]exercise.Summary, error)
	// CountGenerated counts the exercises an owner generated since t.
	CountGenerated(ctx context.Context, ownerID string, since time.Time) (int, error)
}

// AttemptRepository stores learners' attempts, one per learner and
// exercise.
type AttemptRepository interface {
	// Get loads the learner's attempt at the exercise; none is
	// domain.ErrNotFound.
	Get(ctx context.Context, learnerID, exerciseID string) (*exercise.Attempt, error)
	// Ensure returns the learner's attempt at the exercise, creating it
	// (from newAttempt) when there is none; concurrent calls get the same
	// attempt.
	Ensure(ctx context.Context, newAttempt *exercise.Attempt) (*exercise.Attempt, error)
	// Update locks the attempt, lets fn change it and stores the result;
	// an error from fn changes nothing.
	Update(ctx context.Context, learnerID, exerciseID string, fn func(a *exercise.Attempt) error) (*exercise.Attempt, error)
	// History answers a page of the learner's attempts, most recently
	// updated first, with their exercises.
	History(ctx context.Context, learnerID string, p Page) (items []exercise.AttemptRecord, next string, err error)
	// Records lists every attempt of the learner updated since t (all
	// when t is zero), with their exercises: the daily policy's and
	// progress's input.
	Records(ctx context.Context, learnerID string, since time.Time) ([]exercise.AttemptRecord, error)
}

// DailyRepository remembers each learner's exercise of the day.
type DailyRepository interface {
	// Get answers the exercise assigned to the learner on day (a local
	// date, "2006-01-02"); none is domain.ErrNotFound.
	Get(ctx context.Context, learnerID, day string) (exerciseID string, err error)
	// Claim assigns exerciseID for the day unless one is assigned already;
	// it answers the assignment that holds (the winner of a race).
	Claim(ctx context.Context, learnerID, day, exerciseID string, now time.Time) (string, error)
	// Reassign replaces the day's assignment (after a skip) when it is
	// still from; it answers the assignment that holds.
	Reassign(ctx context.Context, learnerID, day, from, to string, now time.Time) (string, error)
}

// SubmissionRepository stores graded submissions.
type SubmissionRepository interface {
	Create(ctx context.Context, s exercise.Submission) error
	// Latest answers the learner's latest submission to the exercise;
	// none is domain.ErrNotFound.
	Latest(ctx context.Context, learnerID, exerciseID string) (exercise.Submission, error)
}

// AchievementRepository stores awards, each at most once per learner.
type AchievementRepository interface {
	// Award stores the codes not yet held and answers those that were new.
	Award(ctx context.Context, learnerID string, codes []string, at time.Time) ([]string, error)
	List(ctx context.Context, learnerID string) ([]exercise.Achievement, error)
}
