package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/ports"
)

// SubmissionRepository stores graded submissions.
type SubmissionRepository struct{ pool *pgxpool.Pool }

var _ ports.SubmissionRepository = (*SubmissionRepository)(nil)

// NewSubmissionRepository returns a repository over the pool.
func NewSubmissionRepository(pool *pgxpool.Pool) *SubmissionRepository {
	return &SubmissionRepository{pool: pool}
}

type testResultRow struct {
	Name       string          `json:"name"`
	Hidden     bool            `json:"hidden"`
	Passed     bool            `json:"passed"`
	Message    string          `json:"message"`
	Expected   json.RawMessage `json:"expected,omitempty"`
	Actual     json.RawMessage `json:"actual,omitempty"`
	Stdout     string          `json:"stdout"`
	DurationMS int64           `json:"duration_ms"`
}

type submissionRow struct {
	ID          string
	AttemptID   string
	LearnerID   string
	ExerciseID  string
	Code        string
	Verdict     string
	Message     string
	PassedCount int
	TotalCount  int
	DurationMS  int64
	Tests       []byte
	HintsUsed   int
	CreatedAt   time.Time
}

func toSubmissionRow(s exercise.Submission) (submissionRow, error) {
	tests := make([]testResultRow, len(s.Grading.Tests))
	for i, t := range s.Grading.Tests {
		tests[i] = testResultRow{Name: t.Name, Hidden: t.Hidden, Passed: t.Passed, Message: t.Message,
			Expected: t.Expected, Actual: t.Actual, Stdout: t.Stdout, DurationMS: t.Duration.Milliseconds()}
	}
	b, err := json.Marshal(tests)
	if err != nil {
		return submissionRow{}, fmt.Errorf("submission %s: tests: %w", s.ID, err)
	}
	return submissionRow{ID: s.ID, AttemptID: s.AttemptID, LearnerID: s.LearnerID, ExerciseID: s.ExerciseID,
		Code: s.Code, Verdict: s.Grading.Verdict.String(), Message: s.Grading.Message, PassedCount: s.Grading.Passed,
		TotalCount: s.Grading.Total, DurationMS: s.Grading.Duration.Milliseconds(), Tests: b, HintsUsed: s.HintsUsed,
		CreatedAt: s.CreatedAt}, nil
}

func (r *submissionRow) targets() []any {
	return []any{&r.ID, &r.AttemptID, &r.LearnerID, &r.ExerciseID, &r.Code, &r.Verdict, &r.Message, &r.PassedCount,
		&r.TotalCount, &r.DurationMS, &r.Tests, &r.HintsUsed, &r.CreatedAt}
}

func (r submissionRow) toDomain() (exercise.Submission, error) {
	v, err := exercise.ParseVerdict(r.Verdict)
	if err != nil {
		return exercise.Submission{}, fmt.Errorf("stored submission %s: %w", r.ID, err)
	}
	var rows []testResultRow
	if err := json.Unmarshal(r.Tests, &rows); err != nil {
		return exercise.Submission{}, fmt.Errorf("stored submission %s: tests: %w", r.ID, err)
	}
	var tests []exercise.TestResult
	for _, t := range rows {
		expected, err := canonicalJSON(t.Expected)
		if err != nil {
			return exercise.Submission{}, fmt.Errorf("stored submission %s: tests: %w", r.ID, err)
		}
		actual, err := canonicalJSON(t.Actual)
		if err != nil {
			return exercise.Submission{}, fmt.Errorf("stored submission %s: tests: %w", r.ID, err)
		}
		tests = append(tests, exercise.TestResult{Name: t.Name, Hidden: t.Hidden, Passed: t.Passed, Message: t.Message,
			Expected: expected, Actual: actual, Stdout: t.Stdout, Duration: time.Duration(t.DurationMS) * time.Millisecond})
	}
	return exercise.Submission{ID: r.ID, AttemptID: r.AttemptID, LearnerID: r.LearnerID, ExerciseID: r.ExerciseID,
		Code: r.Code, HintsUsed: r.HintsUsed, CreatedAt: r.CreatedAt.UTC(),
		Grading: exercise.Grading{Verdict: v, Tests: tests, Passed: r.PassedCount, Total: r.TotalCount,
			Duration: time.Duration(r.DurationMS) * time.Millisecond, Message: r.Message}}, nil
}

// Create stores a graded submission; its language is the exercise's. An
// unknown exercise, attempt or learner is domain.ErrNotFound, a taken id
// domain.ErrConflict.
func (r *SubmissionRepository) Create(ctx context.Context, s exercise.Submission) error {
	row, err := toSubmissionRow(s)
	if err != nil {
		return fmt.Errorf("create submission: %w", err)
	}
	if !isUUID(row.ID) {
		return fmt.Errorf("create submission: %w", domain.NewValidationError("id", "must be a UUID"))
	}
	if !isUUID(row.AttemptID) || !isUUID(row.LearnerID) || !isUUID(row.ExerciseID) {
		return fmt.Errorf("create submission: %w", domain.ErrNotFound)
	}
	tag, err := conn(ctx, r.pool).Exec(ctx, `INSERT INTO submissions (id, attempt_id, learner_id, exercise_id, language,
		code, verdict, message, passed_count, total_count, duration_ms, tests, hints_used, created_at)
		SELECT $1::uuid, $2::uuid, $3::uuid, e.id, e.language, $5::text, $6::text, $7::text, $8::integer, $9::integer,
			$10::integer, $11::jsonb, $12::integer, $13::timestamptz
		FROM exercises e WHERE e.id = $4::uuid`,
		row.ID, row.AttemptID, row.LearnerID, row.ExerciseID, row.Code, row.Verdict, row.Message, row.PassedCount,
		row.TotalCount, row.DurationMS, string(row.Tests), row.HintsUsed, row.CreatedAt)
	if err != nil {
		return fmt.Errorf("create submission: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("create submission: %w: exercise %s", domain.ErrNotFound, row.ExerciseID)
	}
	return nil
}

// Latest answers the learner's latest submission to the exercise (by
// created_at, then id).
func (r *SubmissionRepository) Latest(ctx context.Context, learnerID, exerciseID string) (exercise.Submission, error) {
	if !isUUID(learnerID) || !isUUID(exerciseID) {
		return exercise.Submission{}, domain.ErrNotFound
	}
	var row submissionRow
	err := conn(ctx, r.pool).QueryRow(ctx, `SELECT id, attempt_id, learner_id, exercise_id, code, verdict, message,
		passed_count, total_count, duration_ms, tests, hints_used, created_at
		FROM submissions WHERE learner_id = $1 AND exercise_id = $2
		ORDER BY created_at DESC, id DESC LIMIT 1`, learnerID, exerciseID).Scan(row.targets()...)
	if err != nil {
		return exercise.Submission{}, translate(err)
	}
	return row.toDomain()
}

// AchievementRepository stores awards, each at most once per learner.
type AchievementRepository struct{ pool *pgxpool.Pool }

var _ ports.AchievementRepository = (*AchievementRepository)(nil)

// NewAchievementRepository returns a repository over the pool.
func NewAchievementRepository(pool *pgxpool.Pool) *AchievementRepository {
	return &AchievementRepository{pool: pool}
}

type achievementRow struct {
	Code     string
	EarnedAt time.Time
}

func (r achievementRow) toDomain() exercise.Achievement {
	return exercise.Achievement{Code: r.Code, EarnedAt: r.EarnedAt.UTC()}
}

// uniqueCodes drops empty and repeated codes, keeping the first order.
func uniqueCodes(codes []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range codes {
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// Award inserts the codes; the primary key skips those held already, and
// RETURNING tells which were new. They are answered in the order given.
func (r *AchievementRepository) Award(ctx context.Context, learnerID string, codes []string, at time.Time) ([]string, error) {
	codes = uniqueCodes(codes)
	if len(codes) == 0 {
		return nil, nil
	}
	if !isUUID(learnerID) {
		return nil, fmt.Errorf("award achievements: %w", domain.ErrNotFound)
	}
	rows, err := conn(ctx, r.pool).Query(ctx, `INSERT INTO achievements (learner_id, code, earned_at)
		SELECT $1::uuid, c, $3::timestamptz FROM unnest($2::text[]) AS c
		ON CONFLICT (learner_id, code) DO NOTHING RETURNING code`, learnerID, codes, at)
	if err != nil {
		return nil, fmt.Errorf("award achievements: %w", translate(err))
	}
	defer rows.Close()
	added := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, fmt.Errorf("award achievements: %w", translate(err))
		}
		added[c] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("award achievements: %w", translate(err))
	}
	var out []string
	for _, c := range codes {
		if added[c] {
			out = append(out, c)
		}
	}
	return out, nil
}

// List answers the learner's awards, oldest first.
func (r *AchievementRepository) List(ctx context.Context, learnerID string) ([]exercise.Achievement, error) {
	if !isUUID(learnerID) {
		return nil, nil
	}
	rows, err := conn(ctx, r.pool).Query(ctx, `SELECT code, earned_at FROM achievements WHERE learner_id = $1
		ORDER BY earned_at, code`, learnerID)
	if err != nil {
		return nil, fmt.Errorf("list achievements: %w", translate(err))
	}
	defer rows.Close()
	var out []exercise.Achievement
	for rows.Next() {
		var a achievementRow
		if err := rows.Scan(&a.Code, &a.EarnedAt); err != nil {
			return nil, fmt.Errorf("list achievements: %w", translate(err))
		}
		out = append(out, a.toDomain())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list achievements: %w", translate(err))
	}
	return out, nil
}
