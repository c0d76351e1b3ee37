package memory

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/codementor/codementor/adapters/keyset"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/ports"
)

// The exercise repositories below mirror adapters/postgres: the same
// orders, cursors, conflicts, foreign keys and not-found answers.

// isUUID mirrors the Postgres adapter's guard on uuid columns.
func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// canonicalJSON spells a JSON value as the Postgres adapter answers it
// (compact, keys sorted, numbers as written); invalid JSON is refused as
// jsonb refuses it.
func canonicalJSON(raw json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after a JSON value")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// cloneOrNil copies a list; an empty one reads back as nil, as from a
// text[] column.
func cloneOrNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return slices.Clone(s)
}

func checkViolation(constraint string) error {
	return fmt.Errorf("new row violates check constraint %q", constraint)
}

// ---- exercises ----

type exerciseRecord struct{ snap exercise.Snapshot }

func toExerciseRecord(e *exercise.Exercise) (exerciseRecord, error) {
	s := e.Snapshot() // its lists are copies already
	for i, t := range s.Tests {
		args, err := canonicalJSON(t.Args)
		if err != nil {
			return exerciseRecord{}, fmt.Errorf("exercise %s: tests: %w", s.ID, err)
		}
		expected, err := canonicalJSON(t.Expected)
		if err != nil {
			return exerciseRecord{}, fmt.Errorf("exercise %s: tests: %w", s.ID, err)
		}
		s.Tests[i].Args, s.Tests[i].Expected = args, expected
	}
	s.Topics, s.Hints, s.Tests = cloneOrNil(s.Topics), cloneOrNil(s.Hints), cloneOrNil(s.Tests)
	s.CreatedAt, s.UpdatedAt = utc(s.CreatedAt), utc(s.UpdatedAt)
	return exerciseRecord{snap: s}, nil
}

// check does what the Postgres adapter's guards and the table's checks do.
func (r exerciseRecord) check() error {
	s := r.snap
	if !isUUID(s.ID) {
		return domain.NewValidationError("id", "must be a UUID")
	}
	if s.OwnerID != "" && !isUUID(s.OwnerID) {
		return fmt.Errorf("%w: exercises_owner_id_fkey", domain.ErrNotFound)
	}
	switch {
	case s.Difficulty.Int() < 1 || s.Difficulty.Int() > 3:
		return checkViolation("exercises_difficulty_check")
	case s.Visibility != exercise.Public && s.Visibility != exercise.OwnerOnly:
		return checkViolation("exercises_visibility_check")
	case s.Source != exercise.SourceCatalog && s.Source != exercise.SourceGenerated:
		return checkViolation("exercises_source_check")
	case s.Visibility == exercise.OwnerOnly && s.OwnerID == "":
		return checkViolation("exercises_owner_only_has_owner")
	}
	return nil
}

func (r exerciseRecord) toDomain() *exercise.Exercise { return exercise.Rehydrate(r.snap) }

func (r exerciseRecord) summary() exercise.Summary {
	s := r.snap
	return exercise.Summary{ID: s.ID, Slug: s.Slug, Title: s.Title, Language: s.Language, Difficulty: s.Difficulty,
		Topics: cloneOrNil(s.Topics), Source: s.Source, OwnerID: s.OwnerID}
}

func (r exerciseRecord) visibleTo(viewerID string) bool {
	return r.snap.Visibility == exercise.Public || (isUUID(viewerID) && r.snap.OwnerID == viewerID)
}

// listKey is the listing's order: language, difficulty, slug, id.
type listKey struct {
	lang string
	diff int
	slug string
	id   string
}

func keyOf(s exercise.Summary) listKey {
	return listKey{lang: s.Language.String(), diff: s.Difficulty.Int(), slug: s.Slug, id: s.ID}
}

func (k listKey) compare(o listKey) int {
	return cmp.Or(cmp.Compare(k.lang, o.lang), cmp.Compare(k.diff, o.diff), cmp.Compare(k.slug, o.slug),
		cmp.Compare(k.id, o.id))
}

// ExerciseRepository is the in-memory twin of postgres.ExerciseRepository.
type ExerciseRepository struct {
	db *DB
	tx *TxManager
}

var _ ports.ExerciseRepository = (*ExerciseRepository)(nil)

// NewExerciseRepository returns a repository over db.
func NewExerciseRepository(db *DB) *ExerciseRepository {
	return &ExerciseRepository{db: db, tx: NewTxManager(db)}
}

func (r *ExerciseRepository) bySlugLocked(lang, slug string) (exerciseRecord, bool) {
	for _, rec := range r.db.exercises {
		if rec.snap.Language.String() == lang && rec.snap.Slug == slug {
			return rec, true
		}
	}
	return exerciseRecord{}, false
}

func (r *ExerciseRepository) ownerExistsLocked(ownerID string) error {
	if ownerID == "" {
		return nil
	}
	if _, ok := r.db.users[ownerID]; !ok {
		return fmt.Errorf("%w: exercises_owner_id_fkey", domain.ErrNotFound)
	}
	return nil
}

func (r *ExerciseRepository) insertLocked(rec exerciseRecord) error {
	if _, ok := r.db.exercises[rec.snap.ID]; ok {
		return fmt.Errorf("%w: exercises_pkey", domain.ErrConflict)
	}
	if _, ok := r.bySlugLocked(rec.snap.Language.String(), rec.snap.Slug); ok {
		return fmt.Errorf("%w: exercises_language_slug_key", domain.ErrConflict)
	}
	if err := r.ownerExistsLocked(rec.snap.OwnerID); err != nil {
		return err
	}
	r.db.exercises[rec.snap.ID] = rec
	return nil
}

// SyncCatalog upserts by (language, slug) in one transaction: a changed
// version updates the row in place (id and created_at kept), an unchanged
// one is left alone, and a generated exercise holding the slug is never
// overwritten (counted unchanged), as in Postgres.
func (r *ExerciseRepository) SyncCatalog(ctx context.Context, exs []*exercise.Exercise) (ports.CatalogSyncReport, error) {
	var rep ports.CatalogSyncReport
	recs := make([]exerciseRecord, 0, len(exs))
	for _, e := range exs {
		rec, err := toExerciseRecord(e)
		if err != nil {
			return rep, fmt.Errorf("sync catalog: %w", err)
		}
		if err := rec.check(); err != nil {
			return rep, fmt.Errorf("sync catalog: exercise %s/%s: %w", rec.snap.Language, rec.snap.Slug, err)
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return rep, nil
	}
	err := r.tx.WithinTx(ctx, func(ctx context.Context) error {
		rep = ports.CatalogSyncReport{}
		defer r.db.lockWrite(ctx)()
		for _, rec := range recs {
			old, ok := r.bySlugLocked(rec.snap.Language.String(), rec.snap.Slug)
			switch {
			case !ok:
				if err := r.insertLocked(rec); err != nil {
					return err
				}
				rep.Created++
			case old.snap.Version == rec.snap.Version || old.snap.Source != exercise.SourceCatalog:
				rep.Unchanged++
			default:
				if err := r.ownerExistsLocked(rec.snap.OwnerID); err != nil {
					return err
				}
				rec.snap.ID, rec.snap.CreatedAt = old.snap.ID, old.snap.CreatedAt
				r.db.exercises[old.snap.ID] = rec
				rep.Updated++
			}
		}
		return nil
	})
	if err != nil {
		return ports.CatalogSyncReport{}, fmt.Errorf("sync catalog: %w", err)
	}
	return rep, nil
}

// Create stores a new exercise; (language, slug) or id taken is
// domain.ErrConflict.
func (r *ExerciseRepository) Create(ctx context.Context, e *exercise.Exercise) error {
	rec, err := toExerciseRecord(e)
	if err == nil {
		err = rec.check()
	}
	if err != nil {
		return fmt.Errorf("create exercise: %w", err)
	}
	defer r.db.lockWrite(ctx)()
	if err := r.insertLocked(rec); err != nil {
		return fmt.Errorf("create exercise: %w", err)
	}
	return nil
}

// Get loads any exercise by id.
func (r *ExerciseRepository) Get(_ context.Context, id string) (*exercise.Exercise, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	rec, ok := r.db.exercises[id]
	if !ok {
		return nil, domain.ErrNotFound
	}
	return rec.toDomain(), nil
}

// visible answers the summaries the viewer may see that keep says to,
// in listing order.
func (r *ExerciseRepository) visible(viewerID string, keep func(exerciseRecord) bool) []exercise.Summary {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	var out []exercise.Summary
	for _, rec := range r.db.exercises {
		if rec.visibleTo(viewerID) && keep(rec) {
			out = append(out, rec.summary())
		}
	}
	slices.SortFunc(out, func(a, b exercise.Summary) int { return keyOf(a).compare(keyOf(b)) })
	return out
}

// List answers a page of the viewer's exercises.
func (r *ExerciseRepository) List(_ context.Context, f ports.ExerciseFilter) ([]exercise.Summary, string, error) {
	limit := keyset.Limit(f.Limit)
	var after *listKey
	if f.Cursor != "" {
		var k listKey
		if err := keyset.Decode(f.Cursor, &k.lang, &k.diff, &k.slug, &k.id); err != nil || !isUUID(k.id) {
			return nil, "", keyset.ErrBadCursor
		}
		after = &k
	}
	items := r.visible(f.ViewerID, func(rec exerciseRecord) bool {
		s := rec.snap
		switch {
		case f.Language != nil && !s.Language.Equal(*f.Language):
			return false
		case f.Difficulty != nil && !s.Difficulty.Equal(*f.Difficulty):
			return false
		case f.Topic != "" && !slices.Contains(s.Topics, f.Topic):
			return false
		case after != nil && keyOf(rec.summary()).compare(*after) <= 0:
			return false
		}
		return true
	})
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	last := items[limit-1]
	return items, keyset.Encode(last.Language.String(), last.Difficulty.Int(), last.Slug, last.ID), nil
}

// Candidates lists every exercise the viewer may see, in listing order.
func (r *ExerciseRepository) Candidates(_ context.Context, viewerID string) ([]exercise.Summary, error) {
	return r.visible(viewerID, func(exerciseRecord) bool { return true }), nil
}

// CountGenerated counts the exercises ownerID generated at or after since.
func (r *ExerciseRepository) CountGenerated(_ context.Context, ownerID string, since time.Time) (int, error) {
	if !isUUID(ownerID) {
		return 0, nil
	}
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	n := 0
	for _, rec := range r.db.exercises {
		s := rec.snap
		if s.OwnerID == ownerID && s.Source == exercise.SourceGenerated && !s.CreatedAt.Before(since) {
			n++
		}
	}
	return n, nil
}

// ---- attempts ----

// attemptRecord holds an attempt by value; a zero time is an unset one.
type attemptRecord struct {
	id                 string
	learnerID          string
	exerciseID         string
	status             exercise.AttemptStatus
	hintsUsed          int
	submissions        int
	failedSubmissions  int
	bestVerdict        exercise.Verdict
	passedSubmissionID string
	xpAwarded          int
	assignedAt         time.Time
	startedAt          time.Time
	completedAt        time.Time
	skippedAt          time.Time
	updatedAt          time.Time
}

func valueTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return utc(*t)
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func toAttemptRecord(a *exercise.Attempt) attemptRecord {
	s := a.Snapshot()
	return attemptRecord{id: s.ID, learnerID: s.LearnerID, exerciseID: s.ExerciseID, status: s.Status,
		hintsUsed: s.HintsUsed, submissions: s.Submissions, failedSubmissions: s.FailedSubmissions,
		bestVerdict: s.BestVerdict, passedSubmissionID: s.PassedSubmissionID, xpAwarded: s.XPAwarded,
		assignedAt: utc(s.AssignedAt), startedAt: valueTime(s.StartedAt), completedAt: valueTime(s.CompletedAt),
		skippedAt: valueTime(s.SkippedAt), updatedAt: utc(s.UpdatedAt)}
}

// check does what the Postgres adapter's guards and the table's checks do.
func (r attemptRecord) check() error {
	if !isUUID(r.id) {
		return domain.NewValidationError("id", "must be a UUID")
	}
	if r.passedSubmissionID != "" && !isUUID(r.passedSubmissionID) {
		return domain.NewValidationError("passed_submission_id", "must be a UUID")
	}
	if !isUUID(r.learnerID) || !isUUID(r.exerciseID) {
		return domain.ErrNotFound
	}
	if _, err := exercise.ParseAttemptStatus(r.status.String()); err != nil {
		return checkViolation("exercise_attempts_status_check")
	}
	if !r.bestVerdict.IsZero() {
		if _, err := exercise.ParseVerdict(r.bestVerdict.String()); err != nil {
			return checkViolation("exercise_attempts_best_verdict_check")
		}
	}
	if r.hintsUsed < 0 || r.submissions < 0 || r.failedSubmissions < 0 || r.xpAwarded < 0 {
		return checkViolation("exercise_attempts_check")
	}
	return nil
}

func (r attemptRecord) snapshot() exercise.AttemptSnapshot {
	return exercise.AttemptSnapshot{ID: r.id, LearnerID: r.learnerID, ExerciseID: r.exerciseID, Status: r.status,
		HintsUsed: r.hintsUsed, Submissions: r.submissions, FailedSubmissions: r.failedSubmissions,
		BestVerdict: r.bestVerdict, PassedSubmissionID: r.passedSubmissionID, XPAwarded: r.xpAwarded,
		AssignedAt: r.assignedAt, StartedAt: optionalTime(r.startedAt), CompletedAt: optionalTime(r.completedAt),
		SkippedAt: optionalTime(r.skippedAt), UpdatedAt: r.updatedAt}
}

func (r attemptRecord) toDomain() *exercise.Attempt { return exercise.RehydrateAttempt(r.snapshot()) }

// AttemptRepository is the in-memory twin of postgres.AttemptRepository.
type AttemptRepository struct {
	db *DB
	tx *TxManager
}

var _ ports.AttemptRepository = (*AttemptRepository)(nil)

// NewAttemptRepository returns a repository over db.
func NewAttemptRepository(db *DB) *AttemptRepository {
	return &AttemptRepository{db: db, tx: NewTxManager(db)}
}

func (db *DB) attemptLocked(learnerID, exerciseID string) (attemptRecord, bool) {
	for _, rec := range db.attempts {
		if rec.learnerID == learnerID && rec.exerciseID == exerciseID {
			return rec, true
		}
	}
	return attemptRecord{}, false
}

// Get loads the learner's attempt at the exercise.
func (r *AttemptRepository) Get(_ context.Context, learnerID, exerciseID string) (*exercise.Attempt, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	rec, ok := r.db.attemptLocked(learnerID, exerciseID)
	if !ok {
		return nil, domain.ErrNotFound
	}
	return rec.toDomain(), nil
}

// Ensure returns the learner's attempt at the exercise, storing
// newAttempt when there is none.
func (r *AttemptRepository) Ensure(ctx context.Context, newAttempt *exercise.Attempt) (*exercise.Attempt, error) {
	rec := toAttemptRecord(newAttempt)
	if err := rec.check(); err != nil {
		return nil, fmt.Errorf("ensure attempt: %w", err)
	}
	defer r.db.lockWrite(ctx)()
	if old, ok := r.db.attemptLocked(rec.learnerID, rec.exerciseID); ok {
		return old.toDomain(), nil
	}
	if _, ok := r.db.attempts[rec.id]; ok {
		return nil, fmt.Errorf("ensure attempt: %w: exercise_attempts_pkey", domain.ErrConflict)
	}
	if _, ok := r.db.users[rec.learnerID]; !ok {
		return nil, fmt.Errorf("ensure attempt: %w: exercise_attempts_learner_id_fkey", domain.ErrNotFound)
	}
	if _, ok := r.db.exercises[rec.exerciseID]; !ok {
		return nil, fmt.Errorf("ensure attempt: %w: exercise_attempts_exercise_id_fkey", domain.ErrNotFound)
	}
	r.db.attempts[rec.id] = rec
	return rec.toDomain(), nil
}

// Update applies fn to a copy and stores it only when fn succeeds.
func (r *AttemptRepository) Update(ctx context.Context, learnerID, exerciseID string, fn func(a *exercise.Attempt) error) (*exercise.Attempt, error) {
	var out *exercise.Attempt
	err := r.tx.WithinTx(ctx, func(ctx context.Context) error {
		a, err := r.Get(ctx, learnerID, exerciseID)
		if err != nil {
			return err
		}
		id := a.ID()
		if err := fn(a); err != nil {
			return err
		}
		rec := toAttemptRecord(a)
		if err := rec.check(); err != nil {
			return err
		}
		// The row's identity is not the caller's to change.
		rec.id, rec.learnerID, rec.exerciseID = id, learnerID, exerciseID
		defer r.db.lockWrite(ctx)()
		r.db.attempts[id] = rec
		out = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update attempt: %w", err)
	}
	return out, nil
}

// historyCompare orders attempts most recently updated first, then by id
// descending.
func historyCompare(a, b attemptRecord) int {
	return cmp.Or(b.updatedAt.Compare(a.updatedAt), cmp.Compare(b.id, a.id))
}

// records answers the learner's attempts that keep says to, with their
// exercises, in history order.
func (r *AttemptRepository) records(learnerID string, keep func(attemptRecord) bool) []exercise.AttemptRecord {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	var recs []attemptRecord
	for _, a := range r.db.attempts {
		if a.learnerID == learnerID && keep(a) {
			recs = append(recs, a)
		}
	}
	slices.SortFunc(recs, historyCompare)
	var out []exercise.AttemptRecord
	for _, a := range recs {
		e, ok := r.db.exercises[a.exerciseID]
		if !ok {
			continue // an inner join
		}
		out = append(out, exercise.AttemptRecord{Attempt: a.snapshot(), Exercise: e.summary()})
	}
	return out
}

// History answers a page of the learner's attempts.
func (r *AttemptRepository) History(_ context.Context, learnerID string, p ports.Page) ([]exercise.AttemptRecord, string, error) {
	limit := keyset.Limit(p.Limit)
	var after *attemptRecord
	if p.Cursor != "" {
		var micros int64
		var id string
		if err := keyset.Decode(p.Cursor, &micros, &id); err != nil || !isUUID(id) {
			return nil, "", keyset.ErrBadCursor
		}
		after = &attemptRecord{id: id, updatedAt: time.UnixMicro(micros).UTC()}
	}
	if !isUUID(learnerID) {
		return nil, "", nil
	}
	items := r.records(learnerID, func(a attemptRecord) bool {
		return after == nil || historyCompare(a, *after) > 0
	})
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	last := items[limit-1].Attempt
	return items, keyset.Encode(last.UpdatedAt.UnixMicro(), last.ID), nil
}

// Records lists the learner's attempts updated at or after since (all when
// since is zero).
func (r *AttemptRepository) Records(_ context.Context, learnerID string, since time.Time) ([]exercise.AttemptRecord, error) {
	if !isUUID(learnerID) {
		return nil, nil
	}
	return r.records(learnerID, func(a attemptRecord) bool {
		return since.IsZero() || !a.updatedAt.Before(since)
	}), nil
}

// ---- daily assignments ----

type dailyRecord struct {
	exerciseID string
	createdAt  time.Time
	updatedAt  time.Time
}

// DailyRepository is the in-memory twin of postgres.DailyRepository.
type DailyRepository struct{ db *DB }

var _ ports.DailyRepository = (*DailyRepository)(nil)

// NewDailyRepository returns a repository over db.
func NewDailyRepository(db *DB) *DailyRepository { return &DailyRepository{db: db} }

// dailyKey reads a local date, "2006-01-02", into its table key.
func dailyKey(learnerID, day string) ([2]string, bool) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return [2]string{}, false
	}
	return [2]string{learnerID, d.Format(time.DateOnly)}, true
}

var errBadDay = domain.NewValidationError("day", "must be a date, YYYY-MM-DD")

// Get answers the exercise assigned to the learner on day.
func (r *DailyRepository) Get(_ context.Context, learnerID, day string) (string, error) {
	k, ok := dailyKey(learnerID, day)
	if !ok {
		return "", domain.ErrNotFound
	}
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	rec, ok := r.db.daily[k]
	if !ok {
		return "", domain.ErrNotFound
	}
	return rec.exerciseID, nil
}

// Claim assigns exerciseID for the day unless one is assigned already, and
// answers the assignment that holds.
func (r *DailyRepository) Claim(ctx context.Context, learnerID, day, exerciseID string, now time.Time) (string, error) {
	k, ok := dailyKey(learnerID, day)
	if !ok {
		return "", fmt.Errorf("claim daily exercise: %w", errBadDay)
	}
	if !isUUID(learnerID) || !isUUID(exerciseID) {
		return "", fmt.Errorf("claim daily exercise: %w", domain.ErrNotFound)
	}
	defer r.db.lockWrite(ctx)()
	if rec, ok := r.db.daily[k]; ok {
		return rec.exerciseID, nil
	}
	if _, ok := r.db.users[learnerID]; !ok {
		return "", fmt.Errorf("claim daily exercise: %w: daily_assignments_learner_id_fkey", domain.ErrNotFound)
	}
	if _, ok := r.db.exercises[exerciseID]; !ok {
		return "", fmt.Errorf("claim daily exercise: %w: daily_assignments_exercise_id_fkey", domain.ErrNotFound)
	}
	r.db.daily[k] = dailyRecord{exerciseID: exerciseID, createdAt: utc(now), updatedAt: utc(now)}
	return exerciseID, nil
}

// Reassign replaces the day's assignment when it is still from, and
// answers the assignment that holds.
func (r *DailyRepository) Reassign(ctx context.Context, learnerID, day, from, to string, now time.Time) (string, error) {
	k, ok := dailyKey(learnerID, day)
	if !ok {
		return "", fmt.Errorf("reassign daily exercise: %w", errBadDay)
	}
	if !isUUID(learnerID) || !isUUID(to) {
		return "", fmt.Errorf("reassign daily exercise: %w", domain.ErrNotFound)
	}
	defer r.db.lockWrite(ctx)()
	rec, ok := r.db.daily[k]
	if !ok {
		return "", fmt.Errorf("reassign daily exercise: %w", domain.ErrNotFound)
	}
	if rec.exerciseID == from {
		if _, ok := r.db.exercises[to]; !ok {
			return "", fmt.Errorf("reassign daily exercise: %w: daily_assignments_exercise_id_fkey", domain.ErrNotFound)
		}
		rec.exerciseID, rec.updatedAt = to, utc(now)
		r.db.daily[k] = rec
	}
	return rec.exerciseID, nil
}

// ---- submissions ----

type submissionRecord struct {
	sub      exercise.Submission
	language string // the exercise's, as the Postgres row keeps it
}

func toSubmissionRecord(s exercise.Submission) (submissionRecord, error) {
	var tests []exercise.TestResult
	for _, t := range s.Grading.Tests {
		expected, err := canonicalJSON(t.Expected)
		if err != nil {
			return submissionRecord{}, fmt.Errorf("submission %s: tests: %w", s.ID, err)
		}
		actual, err := canonicalJSON(t.Actual)
		if err != nil {
			return submissionRecord{}, fmt.Errorf("submission %s: tests: %w", s.ID, err)
		}
		t.Expected, t.Actual, t.Duration = expected, actual, t.Duration.Truncate(time.Millisecond)
		tests = append(tests, t)
	}
	s.Grading.Tests = tests
	s.Grading.Duration = s.Grading.Duration.Truncate(time.Millisecond)
	s.CreatedAt = utc(s.CreatedAt)
	return submissionRecord{sub: s}, nil
}

func (r submissionRecord) toDomain() exercise.Submission {
	s := r.sub
	tests := make([]exercise.TestResult, 0, len(s.Grading.Tests))
	for _, t := range s.Grading.Tests {
		t.Expected, t.Actual = cloneOrNil(t.Expected), cloneOrNil(t.Actual)
		tests = append(tests, t)
	}
	s.Grading.Tests = cloneOrNil(tests)
	return s
}

// SubmissionRepository is the in-memory twin of
// postgres.SubmissionRepository.
type SubmissionRepository struct{ db *DB }

var _ ports.SubmissionRepository = (*SubmissionRepository)(nil)

// NewSubmissionRepository returns a repository over db.
func NewSubmissionRepository(db *DB) *SubmissionRepository { return &SubmissionRepository{db: db} }

// Create stores a graded submission.
func (r *SubmissionRepository) Create(ctx context.Context, s exercise.Submission) error {
	rec, err := toSubmissionRecord(s)
	if err != nil {
		return fmt.Errorf("create submission: %w", err)
	}
	if !isUUID(s.ID) {
		return fmt.Errorf("create submission: %w", domain.NewValidationError("id", "must be a UUID"))
	}
	if !isUUID(s.AttemptID) || !isUUID(s.LearnerID) || !isUUID(s.ExerciseID) {
		return fmt.Errorf("create submission: %w", domain.ErrNotFound)
	}
	defer r.db.lockWrite(ctx)()
	e, ok := r.db.exercises[s.ExerciseID]
	if !ok {
		return fmt.Errorf("create submission: %w: exercise %s", domain.ErrNotFound, s.ExerciseID)
	}
	g := rec.sub.Grading
	if _, err := exercise.ParseVerdict(g.Verdict.String()); err != nil {
		return fmt.Errorf("create submission: %w", checkViolation("submissions_verdict_check"))
	}
	if g.Passed < 0 || g.Total < 0 || g.Duration < 0 || s.HintsUsed < 0 {
		return fmt.Errorf("create submission: %w", checkViolation("submissions_check"))
	}
	if _, ok := r.db.submissions[s.ID]; ok {
		return fmt.Errorf("create submission: %w: submissions_pkey", domain.ErrConflict)
	}
	if _, ok := r.db.attempts[s.AttemptID]; !ok {
		return fmt.Errorf("create submission: %w: submissions_attempt_id_fkey", domain.ErrNotFound)
	}
	if _, ok := r.db.users[s.LearnerID]; !ok {
		return fmt.Errorf("create submission: %w: submissions_learner_id_fkey", domain.ErrNotFound)
	}
	rec.language = e.snap.Language.String()
	r.db.submissions[s.ID] = rec
	return nil
}

// Latest answers the learner's latest submission to the exercise (by
// created_at, then id).
func (r *SubmissionRepository) Latest(_ context.Context, learnerID, exerciseID string) (exercise.Submission, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	var best *submissionRecord
	for _, rec := range r.db.submissions {
		if rec.sub.LearnerID != learnerID || rec.sub.ExerciseID != exerciseID {
			continue
		}
		if best == nil || cmp.Or(rec.sub.CreatedAt.Compare(best.sub.CreatedAt), cmp.Compare(rec.sub.ID, best.sub.ID)) > 0 {
			rec := rec
			best = &rec
		}
	}
	if best == nil {
		return exercise.Submission{}, domain.ErrNotFound
	}
	return best.toDomain(), nil
}

// ---- achievements ----

type achievementRecord struct{ earnedAt time.Time }

// AchievementRepository is the in-memory twin of
// postgres.AchievementRepository.
type AchievementRepository struct{ db *DB }

var _ ports.AchievementRepository = (*AchievementRepository)(nil)

// NewAchievementRepository returns a repository over db.
func NewAchievementRepository(db *DB) *AchievementRepository { return &AchievementRepository{db: db} }

// Award stores the codes not yet held and answers those that were new, in
// the order given.
func (r *AchievementRepository) Award(ctx context.Context, learnerID string, codes []string, at time.Time) ([]string, error) {
	var uniq []string
	for _, c := range codes {
		if c != "" && !slices.Contains(uniq, c) {
			uniq = append(uniq, c)
		}
	}
	if len(uniq) == 0 {
		return nil, nil
	}
	if !isUUID(learnerID) {
		return nil, fmt.Errorf("award achievements: %w", domain.ErrNotFound)
	}
	defer r.db.lockWrite(ctx)()
	var added []string
	for _, c := range uniq {
		if _, ok := r.db.achievements[[2]string{learnerID, c}]; !ok {
			added = append(added, c)
		}
	}
	if len(added) == 0 {
		return nil, nil
	}
	if _, ok := r.db.users[learnerID]; !ok {
		return nil, fmt.Errorf("award achievements: %w: achievements_learner_id_fkey", domain.ErrNotFound)
	}
	for _, c := range added {
		r.db.achievements[[2]string{learnerID, c}] = achievementRecord{earnedAt: utc(at)}
	}
	return added, nil
}

// List answers the learner's awards, oldest first (then by code).
func (r *AchievementRepository) List(_ context.Context, learnerID string) ([]exercise.Achievement, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	var out []exercise.Achievement
	for k, rec := range r.db.achievements {
		if k[0] == learnerID {
			out = append(out, exercise.Achievement{Code: k[1], EarnedAt: rec.earnedAt})
		}
	}
	slices.SortFunc(out, func(a, b exercise.Achievement) int {
		return cmp.Or(a.EarnedAt.Compare(b.EarnedAt), cmp.Compare(a.Code, b.Code))
	})
	return out, nil
}
