package postgres

import (
	"context"
	"fmt"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/ports"
)

// AttemptRepository stores learners' attempts, one per learner and
// exercise.
type AttemptRepository struct{ pool *pgxpool.Pool }

var _ ports.AttemptRepository = (*AttemptRepository)(nil)

// NewAttemptRepository returns a repository over the pool.
func NewAttemptRepository(pool *pgxpool.Pool) *AttemptRepository {
	return &AttemptRepository{pool: pool}
}

type attemptRow struct {
	ID                 string
	LearnerID          string
	ExerciseID         string
	Status             string
	HintsUsed          int
	Submissions        int
	FailedSubmissions  int
	BestVerdict        string
	PassedSubmissionID *string
	XPAwarded          int
	AssignedAt         time.Time
	StartedAt          *time.Time
	CompletedAt        *time.Time
	SkippedAt          *time.Time
	UpdatedAt          time.Time
}

var attemptColumns = []string{"id", "learner_id", "exercise_id", "status", "hints_used", "submissions",
	"failed_submissions", "best_verdict", "passed_submission_id", "xp_awarded", "assigned_at", "started_at",
	"completed_at", "skipped_at", "updated_at"}

func toAttemptRow(a *exercise.Attempt) attemptRow {
	s := a.Snapshot()
	r := attemptRow{ID: s.ID, LearnerID: s.LearnerID, ExerciseID: s.ExerciseID, Status: s.Status.String(),
		HintsUsed: s.HintsUsed, Submissions: s.Submissions, FailedSubmissions: s.FailedSubmissions,
		BestVerdict: s.BestVerdict.String(), XPAwarded: s.XPAwarded, AssignedAt: s.AssignedAt, StartedAt: s.StartedAt,
		CompletedAt: s.CompletedAt, SkippedAt: s.SkippedAt, UpdatedAt: s.UpdatedAt}
	if s.PassedSubmissionID != "" {
		r.PassedSubmissionID = &s.PassedSubmissionID
	}
	return r
}

// check refuses what the uuid columns cannot hold before the database does.
func (r attemptRow) check() error {
	if !isUUID(r.ID) {
		return domain.NewValidationError("id", "must be a UUID")
	}
	if r.PassedSubmissionID != nil && !isUUID(*r.PassedSubmissionID) {
		return domain.NewValidationError("passed_submission_id", "must be a UUID")
	}
	if !isUUID(r.LearnerID) || !isUUID(r.ExerciseID) {
		return domain.ErrNotFound
	}
	return nil
}

func (r attemptRow) values() []any {
	return []any{r.ID, r.LearnerID, r.ExerciseID, r.Status, r.HintsUsed, r.Submissions, r.FailedSubmissions,
		r.BestVerdict, r.PassedSubmissionID, r.XPAwarded, r.AssignedAt, r.StartedAt, r.CompletedAt, r.SkippedAt,
		r.UpdatedAt}
}

func (r *attemptRow) targets() []any {
	return []any{&r.ID, &r.LearnerID, &r.ExerciseID, &r.Status, &r.HintsUsed, &r.Submissions, &r.FailedSubmissions,
		&r.BestVerdict, &r.PassedSubmissionID, &r.XPAwarded, &r.AssignedAt, &r.StartedAt, &r.CompletedAt, &r.SkippedAt,
		&r.UpdatedAt}
}

func (r attemptRow) snapshot() (exercise.AttemptSnapshot, error) {
	st, err := exercise.ParseAttemptStatus(r.Status)
	if err != nil {
		return exercise.AttemptSnapshot{}, fmt.Errorf("stored attempt %s: %w", r.ID, err)
	}
	var best exercise.Verdict
	if r.BestVerdict != "" {
		if best, err = exercise.ParseVerdict(r.BestVerdict); err != nil {
			return exercise.AttemptSnapshot{}, fmt.Errorf("stored attempt %s: %w", r.ID, err)
		}
	}
	// Through Rehydrate and back, so the snapshot is normalised (UTC) the
	// same way as an entity's.
	s := exercise.AttemptSnapshot{ID: r.ID, LearnerID: r.LearnerID, ExerciseID: r.ExerciseID, Status: st,
		HintsUsed: r.HintsUsed, Submissions: r.Submissions, FailedSubmissions: r.FailedSubmissions, BestVerdict: best,
		XPAwarded: r.XPAwarded, AssignedAt: r.AssignedAt, StartedAt: r.StartedAt, CompletedAt: r.CompletedAt,
		SkippedAt: r.SkippedAt, UpdatedAt: r.UpdatedAt}
	if r.PassedSubmissionID != nil {
		s.PassedSubmissionID = *r.PassedSubmissionID
	}
	return exercise.RehydrateAttempt(s).Snapshot(), nil
}

func (r attemptRow) toDomain() (*exercise.Attempt, error) {
	s, err := r.snapshot()
	if err != nil {
		return nil, err
	}
	return exercise.RehydrateAttempt(s), nil
}

func (r *AttemptRepository) get(ctx context.Context, learnerID, exerciseID string, lock bool) (*exercise.Attempt, error) {
	q := psql.Select(attemptColumns...).From("exercise_attempts").
		Where(sq.Eq{"learner_id": learnerID, "exercise_id": exerciseID})
	if lock {
		q = q.Suffix("FOR UPDATE")
	}
	sql, args, err := q.ToSql()
	if err != nil {
		return nil, err
	}
	var row attemptRow
	if err := conn(ctx, r.pool).QueryRow(ctx, sql, args...).Scan(row.targets()...); err != nil {
		return nil, translate(err)
	}
	return row.toDomain()
}

// Get loads the learner's attempt at the exercise.
func (r *AttemptRepository) Get(ctx context.Context, learnerID, exerciseID string) (*exercise.Attempt, error) {
	if !isUUID(learnerID) || !isUUID(exerciseID) {
		return nil, domain.ErrNotFound
	}
	return r.get(ctx, learnerID, exerciseID, false)
}

// Ensure inserts newAttempt unless the learner has an attempt at the
// exercise already, then reads whichever holds: the unique key decides a
// race, so concurrent calls answer the same attempt.
func (r *AttemptRepository) Ensure(ctx context.Context, newAttempt *exercise.Attempt) (*exercise.Attempt, error) {
	row := toAttemptRow(newAttempt)
	if err := row.check(); err != nil {
		return nil, fmt.Errorf("ensure attempt: %w", err)
	}
	sql, args, err := psql.Insert("exercise_attempts").Columns(attemptColumns...).Values(row.values()...).
		Suffix("ON CONFLICT (learner_id, exercise_id) DO NOTHING").ToSql()
	if err != nil {
		return nil, err
	}
	if _, err := conn(ctx, r.pool).Exec(ctx, sql, args...); err != nil {
		return nil, fmt.Errorf("ensure attempt: %w", translate(err))
	}
	a, err := r.get(ctx, row.LearnerID, row.ExerciseID, false)
	if err != nil {
		return nil, fmt.Errorf("ensure attempt: %w", err)
	}
	return a, nil
}

// Update locks the attempt, applies fn and stores the result, in the
// caller's transaction if there is one, else in its own.
func (r *AttemptRepository) Update(ctx context.Context, learnerID, exerciseID string, fn func(a *exercise.Attempt) error) (*exercise.Attempt, error) {
	if !isUUID(learnerID) || !isUUID(exerciseID) {
		return nil, domain.ErrNotFound
	}
	var out *exercise.Attempt
	err := NewTxManager(r.pool).WithinTx(ctx, func(ctx context.Context) error {
		a, err := r.get(ctx, learnerID, exerciseID, true)
		if err != nil {
			return err
		}
		id := a.ID()
		if err := fn(a); err != nil {
			return err
		}
		row := toAttemptRow(a)
		if err := row.check(); err != nil {
			return err
		}
		// The row's identity is not fn's to change.
		set, vals := map[string]any{}, row.values()
		for i, col := range attemptColumns {
			switch col {
			case "id", "learner_id", "exercise_id":
			default:
				set[col] = vals[i]
			}
		}
		sql, args, err := psql.Update("exercise_attempts").SetMap(set).Where(sq.Eq{"id": id}).ToSql()
		if err != nil {
			return err
		}
		if _, err := conn(ctx, r.pool).Exec(ctx, sql, args...); err != nil {
			return translate(err)
		}
		out = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update attempt: %w", err)
	}
	return out, nil
}

func (r *AttemptRepository) records(ctx context.Context, q sq.SelectBuilder) ([]exercise.AttemptRecord, error) {
	sql, args, err := q.ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := conn(ctx, r.pool).Query(ctx, sql, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []exercise.AttemptRecord
	for rows.Next() {
		var a attemptRow
		var e summaryRow
		if err := rows.Scan(append(a.targets(), e.targets()...)...); err != nil {
			return nil, translate(err)
		}
		snap, err := a.snapshot()
		if err != nil {
			return nil, err
		}
		sum, err := e.toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, exercise.AttemptRecord{Attempt: snap, Exercise: sum})
	}
	return out, translate(rows.Err())
}

// recordsBase selects a learner's attempts with their exercises, in no
// order.
func recordsBase(learnerID string) sq.SelectBuilder {
	cols := make([]string, 0, len(attemptColumns)+8)
	for _, c := range attemptColumns {
		cols = append(cols, "a."+c)
	}
	cols = append(cols, summaryColumns("e")...)
	return psql.Select(cols...).From("exercise_attempts a").Join("exercises e ON e.id = a.exercise_id").
		Where(sq.Eq{"a.learner_id": learnerID})
}

// recordsQuery is recordsBase, most recently updated first.
func recordsQuery(learnerID string) sq.SelectBuilder {
	return recordsBase(learnerID).OrderBy("a.updated_at DESC", "a.id DESC")
}

// History answers a page of the learner's attempts, keyset-paginated on
// (updated_at, id) descending.
func (r *AttemptRepository) History(ctx context.Context, learnerID string, p ports.Page) ([]exercise.AttemptRecord, string, error) {
	pg, err := pageOf(p)
	if err != nil {
		return nil, "", err
	}
	if !isUUID(learnerID) {
		return nil, "", nil
	}
	items, err := r.records(ctx, pg.apply(recordsBase(learnerID), "a.updated_at", "a.id"))
	if err != nil {
		return nil, "", fmt.Errorf("attempt history: %w", err)
	}
	items, next := cut(pg, items, func(rec exercise.AttemptRecord) (time.Time, string) {
		return rec.Attempt.UpdatedAt, rec.Attempt.ID
	})
	return items, next, nil
}

// Records lists the learner's attempts updated at or after since (all when
// since is zero), most recently updated first.
func (r *AttemptRepository) Records(ctx context.Context, learnerID string, since time.Time) ([]exercise.AttemptRecord, error) {
	if !isUUID(learnerID) {
		return nil, nil
	}
	q := recordsQuery(learnerID)
	if !since.IsZero() {
		q = q.Where(sq.GtOrEq{"a.updated_at": since})
	}
	items, err := r.records(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("attempt records: %w", err)
	}
	return items, nil
}

// DailyRepository remembers each learner's exercise of the day.
type DailyRepository struct{ pool *pgxpool.Pool }

var _ ports.DailyRepository = (*DailyRepository)(nil)

// NewDailyRepository returns a repository over the pool.
func NewDailyRepository(pool *pgxpool.Pool) *DailyRepository { return &DailyRepository{pool: pool} }

// parseDay reads a local date, "2006-01-02".
func parseDay(day string) (time.Time, bool) {
	d, err := time.Parse(time.DateOnly, day)
	return d, err == nil
}

var errBadDay = domain.NewValidationError("day", "must be a date, YYYY-MM-DD")

// Get answers the exercise assigned to the learner on day.
func (r *DailyRepository) Get(ctx context.Context, learnerID, day string) (string, error) {
	d, ok := parseDay(day)
	if !ok || !isUUID(learnerID) {
		return "", domain.ErrNotFound
	}
	var id string
	err := conn(ctx, r.pool).QueryRow(ctx, `SELECT exercise_id FROM daily_assignments WHERE learner_id = $1 AND day = $2`,
		learnerID, d).Scan(&id)
	if err != nil {
		return "", translate(err)
	}
	return id, nil
}

// Claim inserts the assignment unless the day has one; the primary key
// decides a race and every caller reads the winner.
func (r *DailyRepository) Claim(ctx context.Context, learnerID, day, exerciseID string, now time.Time) (string, error) {
	d, ok := parseDay(day)
	if !ok {
		return "", fmt.Errorf("claim daily exercise: %w", errBadDay)
	}
	if !isUUID(learnerID) || !isUUID(exerciseID) {
		return "", fmt.Errorf("claim daily exercise: %w", domain.ErrNotFound)
	}
	_, err := conn(ctx, r.pool).Exec(ctx, `INSERT INTO daily_assignments (learner_id, day, exercise_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $4) ON CONFLICT (learner_id, day) DO NOTHING`, learnerID, d, exerciseID, now)
	if err != nil {
		return "", fmt.Errorf("claim daily exercise: %w", translate(err))
	}
	id, err := r.Get(ctx, learnerID, day)
	if err != nil {
		return "", fmt.Errorf("claim daily exercise: %w", err)
	}
	return id, nil
}

// Reassign moves the day's assignment from one exercise to another only
// while it is still from, then reads the assignment that holds.
func (r *DailyRepository) Reassign(ctx context.Context, learnerID, day, from, to string, now time.Time) (string, error) {
	d, ok := parseDay(day)
	if !ok {
		return "", fmt.Errorf("reassign daily exercise: %w", errBadDay)
	}
	if !isUUID(learnerID) || !isUUID(to) {
		return "", fmt.Errorf("reassign daily exercise: %w", domain.ErrNotFound)
	}
	if isUUID(from) {
		_, err := conn(ctx, r.pool).Exec(ctx, `UPDATE daily_assignments SET exercise_id = $4, updated_at = $5
			WHERE learner_id = $1 AND day = $2 AND exercise_id = $3`, learnerID, d, from, to, now)
		if err != nil {
			return "", fmt.Errorf("reassign daily exercise: %w", translate(err))
		}
	}
	id, err := r.Get(ctx, learnerID, day)
	if err != nil {
		return "", fmt.Errorf("reassign daily exercise: %w", err)
	}
	return id, nil
}
