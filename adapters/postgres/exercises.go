package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/codementor/codementor/adapters/keyset"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/ports"
)

// ExerciseRepository stores the catalogue and generated exercises.
type ExerciseRepository struct{ pool *pgxpool.Pool }

var _ ports.ExerciseRepository = (*ExerciseRepository)(nil)

// NewExerciseRepository returns a repository over the pool.
func NewExerciseRepository(pool *pgxpool.Pool) *ExerciseRepository {
	return &ExerciseRepository{pool: pool}
}

// canonicalJSON is the one spelling of a JSON value both stores answer:
// jsonb reorders keys and respaces, so values are re-encoded on the way out
// (compact, keys sorted, numbers as written). Empty stays empty.
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

// nonNil keeps text[] columns NOT NULL: pgx sends a nil slice as NULL.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type testCaseRow struct {
	Name     string          `json:"name"`
	Args     json.RawMessage `json:"args,omitempty"`
	Expected json.RawMessage `json:"expected,omitempty"`
	Hidden   bool            `json:"hidden"`
}

type exerciseRow struct {
	ID          string
	Slug        string
	Language    string
	Title       string
	Difficulty  int
	Topics      []string
	Prompt      string
	StarterCode string
	Solution    string
	Entry       string
	Tests       []byte
	Hints       []string
	Visibility  string
	OwnerID     *string
	Source      string
	Version     string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

var exerciseColumns = []string{"id", "slug", "language", "title", "difficulty", "topics", "prompt", "starter_code",
	"solution", "entry", "tests", "hints", "visibility", "owner_id", "source", "version", "created_at", "updated_at"}

func toExerciseRow(e *exercise.Exercise) (exerciseRow, error) {
	s := e.Snapshot()
	tests := make([]testCaseRow, len(s.Tests))
	for i, t := range s.Tests {
		tests[i] = testCaseRow{Name: t.Name, Args: t.Args, Expected: t.Expected, Hidden: t.Hidden}
	}
	b, err := json.Marshal(tests)
	if err != nil {
		return exerciseRow{}, fmt.Errorf("exercise %s: tests: %w", s.ID, err)
	}
	r := exerciseRow{ID: s.ID, Slug: s.Slug, Language: s.Language.String(), Title: s.Title, Difficulty: s.Difficulty.Int(),
		Topics: nonNil(s.Topics), Prompt: s.Prompt, StarterCode: s.StarterCode, Solution: s.Solution, Entry: s.Entry,
		Tests: b, Hints: nonNil(s.Hints), Visibility: s.Visibility.String(), Source: string(s.Source),
		Version: s.Version, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	if s.OwnerID != "" {
		r.OwnerID = &s.OwnerID
	}
	return r, nil
}

// check refuses what the columns cannot hold before the database does.
func (r exerciseRow) check() error {
	if !isUUID(r.ID) {
		return domain.NewValidationError("id", "must be a UUID")
	}
	if r.OwnerID != nil && !isUUID(*r.OwnerID) {
		return fmt.Errorf("%w: exercises_owner_id_fkey", domain.ErrNotFound)
	}
	return nil
}

func (r exerciseRow) values() []any {
	return []any{r.ID, r.Slug, r.Language, r.Title, r.Difficulty, r.Topics, r.Prompt, r.StarterCode, r.Solution,
		r.Entry, string(r.Tests), r.Hints, r.Visibility, r.OwnerID, r.Source, r.Version, r.CreatedAt, r.UpdatedAt}
}

func (r *exerciseRow) targets() []any {
	return []any{&r.ID, &r.Slug, &r.Language, &r.Title, &r.Difficulty, &r.Topics, &r.Prompt, &r.StarterCode,
		&r.Solution, &r.Entry, &r.Tests, &r.Hints, &r.Visibility, &r.OwnerID, &r.Source, &r.Version, &r.CreatedAt,
		&r.UpdatedAt}
}

func parseSummaryFields(id, lang string, difficulty int, source string) (language.Language, exercise.Difficulty, exercise.Source, error) {
	l, err := language.Parse(lang)
	if err != nil {
		return language.Language{}, exercise.Difficulty{}, "", fmt.Errorf("stored exercise %s: %w", id, err)
	}
	d, err := exercise.ParseDifficulty(difficulty)
	if err != nil {
		return language.Language{}, exercise.Difficulty{}, "", fmt.Errorf("stored exercise %s: %w", id, err)
	}
	src := exercise.Source(source)
	if src != exercise.SourceCatalog && src != exercise.SourceGenerated {
		return language.Language{}, exercise.Difficulty{}, "", fmt.Errorf("stored exercise %s: unknown source %q", id, source)
	}
	return l, d, src, nil
}

func (r exerciseRow) toDomain() (*exercise.Exercise, error) {
	l, d, src, err := parseSummaryFields(r.ID, r.Language, r.Difficulty, r.Source)
	if err != nil {
		return nil, err
	}
	v, err := exercise.ParseVisibility(r.Visibility)
	if err != nil {
		return nil, fmt.Errorf("stored exercise %s: %w", r.ID, err)
	}
	var rows []testCaseRow
	if err := json.Unmarshal(r.Tests, &rows); err != nil {
		return nil, fmt.Errorf("stored exercise %s: tests: %w", r.ID, err)
	}
	var tests []exercise.TestCase
	for _, t := range rows {
		args, err := canonicalJSON(t.Args)
		if err != nil {
			return nil, fmt.Errorf("stored exercise %s: tests: %w", r.ID, err)
		}
		expected, err := canonicalJSON(t.Expected)
		if err != nil {
			return nil, fmt.Errorf("stored exercise %s: tests: %w", r.ID, err)
		}
		tests = append(tests, exercise.TestCase{Name: t.Name, Args: args, Expected: expected, Hidden: t.Hidden})
	}
	s := exercise.Snapshot{ID: r.ID, Slug: r.Slug, Title: r.Title, Language: l, Difficulty: d, Topics: r.Topics,
		Prompt: r.Prompt, StarterCode: r.StarterCode, Solution: r.Solution, Entry: r.Entry, Tests: tests, Hints: r.Hints,
		Visibility: v, Source: src, Version: r.Version, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.OwnerID != nil {
		s.OwnerID = *r.OwnerID
	}
	return exercise.Rehydrate(s), nil
}

// summaryRow is the part of an exercise listings and records need.
type summaryRow struct {
	ID         string
	Slug       string
	Title      string
	Language   string
	Difficulty int
	Topics     []string
	Source     string
	OwnerID    *string
}

// summaryColumns takes a table alias ("" for none).
func summaryColumns(alias string) []string {
	cols := []string{"id", "slug", "title", "language", "difficulty", "topics", "source", "owner_id"}
	if alias != "" {
		for i, c := range cols {
			cols[i] = alias + "." + c
		}
	}
	return cols
}

func (r *summaryRow) targets() []any {
	return []any{&r.ID, &r.Slug, &r.Title, &r.Language, &r.Difficulty, &r.Topics, &r.Source, &r.OwnerID}
}

func (r summaryRow) toDomain() (exercise.Summary, error) {
	l, d, src, err := parseSummaryFields(r.ID, r.Language, r.Difficulty, r.Source)
	if err != nil {
		return exercise.Summary{}, err
	}
	s := exercise.Summary{ID: r.ID, Slug: r.Slug, Title: r.Title, Language: l, Difficulty: d, Source: src}
	if len(r.Topics) > 0 {
		s.Topics = append([]string(nil), r.Topics...)
	}
	if r.OwnerID != nil {
		s.OwnerID = *r.OwnerID
	}
	return s, nil
}

// visibleTo is the viewer's share: public exercises and their own.
func visibleTo(viewerID string) sq.Sqlizer {
	if !isUUID(viewerID) {
		return sq.Eq{"visibility": exercise.Public.String()}
	}
	return sq.Or{sq.Eq{"visibility": exercise.Public.String()}, sq.Eq{"owner_id": viewerID}}
}

// SyncCatalog upserts the catalogue in one transaction. The conditional
// upsert leaves rows whose version is unchanged alone; xmax = 0 tells a
// fresh insert from an update. A generated exercise holding a catalogue
// slug is never overwritten (it counts as unchanged).
func (r *ExerciseRepository) SyncCatalog(ctx context.Context, exs []*exercise.Exercise) (ports.CatalogSyncReport, error) {
	var rep ports.CatalogSyncReport
	rows := make([]exerciseRow, 0, len(exs))
	for _, e := range exs {
		row, err := toExerciseRow(e)
		if err != nil {
			return rep, fmt.Errorf("sync catalog: %w", err)
		}
		if err := row.check(); err != nil {
			return rep, fmt.Errorf("sync catalog: exercise %s/%s: %w", row.Language, row.Slug, err)
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return rep, nil
	}
	sql, _, err := psql.Insert("exercises").Columns(exerciseColumns...).Values(rows[0].values()...).
		Suffix(`ON CONFLICT (language, slug) DO UPDATE SET title = EXCLUDED.title, difficulty = EXCLUDED.difficulty,
			topics = EXCLUDED.topics, prompt = EXCLUDED.prompt, starter_code = EXCLUDED.starter_code,
			solution = EXCLUDED.solution, entry = EXCLUDED.entry, tests = EXCLUDED.tests, hints = EXCLUDED.hints,
			visibility = EXCLUDED.visibility, owner_id = EXCLUDED.owner_id, source = EXCLUDED.source,
			version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
		WHERE exercises.version <> EXCLUDED.version AND exercises.source = 'catalog'
		RETURNING (xmax = 0)`).ToSql()
	if err != nil {
		return rep, err
	}
	err = NewTxManager(r.pool).WithinTx(ctx, func(ctx context.Context) error {
		rep = ports.CatalogSyncReport{}
		b := &pgx.Batch{}
		for _, row := range rows {
			b.Queue(sql, row.values()...)
		}
		br := conn(ctx, r.pool).SendBatch(ctx, b)
		for range rows {
			var inserted bool
			err := br.QueryRow().Scan(&inserted)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				rep.Unchanged++
			case err != nil:
				_ = br.Close()
				return translate(err)
			case inserted:
				rep.Created++
			default:
				rep.Updated++
			}
		}
		return translate(br.Close())
	})
	if err != nil {
		return ports.CatalogSyncReport{}, fmt.Errorf("sync catalog: %w", err)
	}
	return rep, nil
}

// Create stores a new exercise; (language, slug) or id taken is
// domain.ErrConflict.
func (r *ExerciseRepository) Create(ctx context.Context, e *exercise.Exercise) error {
	row, err := toExerciseRow(e)
	if err == nil {
		err = row.check()
	}
	if err != nil {
		return fmt.Errorf("create exercise: %w", err)
	}
	return insertRow(ctx, r.pool, "create exercise", "exercises", exerciseColumns, row.values())
}

// Get loads any exercise by id.
func (r *ExerciseRepository) Get(ctx context.Context, id string) (*exercise.Exercise, error) {
	if !isUUID(id) {
		return nil, domain.ErrNotFound
	}
	sql, args, err := psql.Select(exerciseColumns...).From("exercises").Where(sq.Eq{"id": id}).ToSql()
	if err != nil {
		return nil, err
	}
	var row exerciseRow
	if err := conn(ctx, r.pool).QueryRow(ctx, sql, args...).Scan(row.targets()...); err != nil {
		return nil, translate(err)
	}
	return row.toDomain()
}

func (r *ExerciseRepository) summaries(ctx context.Context, q sq.SelectBuilder) ([]exercise.Summary, error) {
	sql, args, err := q.ToSql()
	if err != nil {
		return nil, err
	}
	rows, err := conn(ctx, r.pool).Query(ctx, sql, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	var out []exercise.Summary
	for rows.Next() {
		var row summaryRow
		if err := rows.Scan(row.targets()...); err != nil {
			return nil, translate(err)
		}
		s, err := row.toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, translate(rows.Err())
}

// List answers a page of the viewer's exercises, keyset-paginated on
// (language, difficulty, slug, id).
func (r *ExerciseRepository) List(ctx context.Context, f ports.ExerciseFilter) ([]exercise.Summary, string, error) {
	limit := keyset.Limit(f.Limit)
	q := psql.Select(summaryColumns("")...).From("exercises").Where(visibleTo(f.ViewerID))
	if f.Language != nil {
		q = q.Where(sq.Eq{"language": f.Language.String()})
	}
	if f.Difficulty != nil {
		q = q.Where(sq.Eq{"difficulty": f.Difficulty.Int()})
	}
	if f.Topic != "" {
		q = q.Where(sq.Expr("topics @> ARRAY[?]::text[]", f.Topic))
	}
	if f.Cursor != "" {
		var lang, slug, id string
		var diff int
		if err := keyset.Decode(f.Cursor, &lang, &diff, &slug, &id); err != nil || !isUUID(id) {
			return nil, "", keyset.ErrBadCursor
		}
		q = q.Where(sq.Expr("(language, difficulty, slug, id) > (?, ?::smallint, ?, ?::uuid)", lang, diff, slug, id))
	}
	q = q.OrderBy("language", "difficulty", "slug", "id").Limit(uint64(limit + 1))
	items, err := r.summaries(ctx, q)
	if err != nil {
		return nil, "", fmt.Errorf("list exercises: %w", err)
	}
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	last := items[limit-1]
	return items, keyset.Encode(last.Language.String(), last.Difficulty.Int(), last.Slug, last.ID), nil
}

// Candidates lists every exercise the viewer may see, in listing order.
func (r *ExerciseRepository) Candidates(ctx context.Context, viewerID string) ([]exercise.Summary, error) {
	q := psql.Select(summaryColumns("")...).From("exercises").Where(visibleTo(viewerID)).
		OrderBy("language", "difficulty", "slug", "id")
	items, err := r.summaries(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list candidate exercises: %w", err)
	}
	return items, nil
}

// CountGenerated counts the exercises ownerID generated at or after since.
func (r *ExerciseRepository) CountGenerated(ctx context.Context, ownerID string, since time.Time) (int, error) {
	if !isUUID(ownerID) {
		return 0, nil
	}
	var n int
	err := conn(ctx, r.pool).QueryRow(ctx, `SELECT count(*) FROM exercises
		WHERE owner_id = $1 AND source = 'generated' AND created_at >= $2`, ownerID, since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count generated exercises: %w", translate(err))
	}
	return n, nil
}
