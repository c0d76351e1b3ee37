package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
)

// ---- linked repositories ----

// RepoLinkRepository stores learners' linked GitHub repositories.
type RepoLinkRepository struct{ pool *pgxpool.Pool }

var _ ports.RepoLinkRepository = (*RepoLinkRepository)(nil)

// NewRepoLinks returns a repository over the pool.
func NewRepoLinks(pool *pgxpool.Pool) *RepoLinkRepository { return &RepoLinkRepository{pool: pool} }

type repoLinkRow struct {
	ID            string
	OwnerID       string
	GitHubID      int64
	FullName      string
	DefaultBranch string
	Visibility    string
	Language      string
	Status        string
	BrokenReason  string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

var repoLinkColumns = []string{"id", "owner_id", "github_id", "full_name", "default_branch", "visibility",
	"language", "status", "broken_reason", "created_at", "updated_at"}

func toRepoLinkRow(l review.RepoLink) repoLinkRow {
	return repoLinkRow{ID: l.ID, OwnerID: l.OwnerID, GitHubID: l.GitHubID, FullName: l.FullName,
		DefaultBranch: l.DefaultBranch, Visibility: string(l.Visibility), Language: l.Language,
		Status: string(l.Status), BrokenReason: l.BrokenReason, CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

// check refuses what the uuid columns cannot hold before the database does:
// a malformed owner points at nothing.
func (r repoLinkRow) check() error {
	if !isUUID(r.ID) {
		return domain.NewValidationError("id", "must be a UUID")
	}
	if !isUUID(r.OwnerID) {
		return fmt.Errorf("%w: github_repositories_owner_id_fkey", domain.ErrNotFound)
	}
	return nil
}

func (r repoLinkRow) values() []any {
	return []any{r.ID, r.OwnerID, r.GitHubID, r.FullName, r.DefaultBranch, r.Visibility, r.Language, r.Status,
		r.BrokenReason, r.CreatedAt, r.UpdatedAt}
}

func (r *repoLinkRow) targets() []any {
	return []any{&r.ID, &r.OwnerID, &r.GitHubID, &r.FullName, &r.DefaultBranch, &r.Visibility, &r.Language,
		&r.Status, &r.BrokenReason, &r.CreatedAt, &r.UpdatedAt}
}

func (r repoLinkRow) toDomain() review.RepoLink {
	return review.RepoLink{ID: r.ID, OwnerID: r.OwnerID, GitHubID: r.GitHubID, FullName: r.FullName,
		DefaultBranch: r.DefaultBranch, Visibility: review.Visibility(r.Visibility), Language: r.Language,
		Status: review.LinkStatus(r.Status), BrokenReason: r.BrokenReason, CreatedAt: r.CreatedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC()}
}

// Create stores a link: the same GitHub repository twice for one owner or
// a taken id is domain.ErrConflict, an unknown owner domain.ErrNotFound.
func (r *RepoLinkRepository) Create(ctx context.Context, l review.RepoLink) error {
	row := toRepoLinkRow(l)
	if err := row.check(); err != nil {
		return fmt.Errorf("create repository link: %w", err)
	}
	return insertRow(ctx, r.pool, "create repository link", "github_repositories", repoLinkColumns, row.values())
}

func (r *RepoLinkRepository) get(ctx context.Context, where sq.Eq) (review.RepoLink, error) {
	sql, args, err := psql.Select(repoLinkColumns...).From("github_repositories").Where(where).ToSql()
	if err != nil {
		return review.RepoLink{}, err
	}
	var row repoLinkRow
	if err := conn(ctx, r.pool).QueryRow(ctx, sql, args...).Scan(row.targets()...); err != nil {
		return review.RepoLink{}, translate(err)
	}
	return row.toDomain(), nil
}

// FindByGitHubID loads the owner's link of a GitHub repository.
func (r *RepoLinkRepository) FindByGitHubID(ctx context.Context, ownerID string, githubID int64) (review.RepoLink, error) {
	if !isUUID(ownerID) {
		return review.RepoLink{}, domain.ErrNotFound
	}
	return r.get(ctx, sq.Eq{"owner_id": ownerID, "github_id": githubID})
}

// Get loads the owner's link; another owner's is not found.
func (r *RepoLinkRepository) Get(ctx context.Context, ownerID, id string) (review.RepoLink, error) {
	if !isUUID(ownerID) || !isUUID(id) {
		return review.RepoLink{}, domain.ErrNotFound
	}
	return r.get(ctx, sq.Eq{"id": id, "owner_id": ownerID})
}

// GetByID loads a link whoever owns it.
func (r *RepoLinkRepository) GetByID(ctx context.Context, id string) (review.RepoLink, error) {
	if !isUUID(id) {
		return review.RepoLink{}, domain.ErrNotFound
	}
	return r.get(ctx, sq.Eq{"id": id})
}

// List answers a page of the owner's links, keyset-paginated on
// (created_at, id) descending.
func (r *RepoLinkRepository) List(ctx context.Context, ownerID string, p ports.Page) ([]review.RepoLink, string, error) {
	pg, err := pageOf(p)
	if err != nil {
		return nil, "", err
	}
	if !isUUID(ownerID) {
		return nil, "", nil
	}
	items, next, err := list(ctx, conn(ctx, r.pool), pg,
		psql.Select(repoLinkColumns...).From("github_repositories").Where(sq.Eq{"owner_id": ownerID}), "created_at", "id",
		func(row pgx.CollectableRow) (review.RepoLink, error) {
			var l repoLinkRow
			err := row.Scan(l.targets()...)
			return l.toDomain(), err
		},
		func(l review.RepoLink) (time.Time, string) { return l.CreatedAt, l.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list repository links: %w", err)
	}
	return items, next, nil
}

// SetStatus marks a link active (which clears the reason) or broken with a
// reason; at is the new UpdatedAt. An unknown link is domain.ErrNotFound.
func (r *RepoLinkRepository) SetStatus(ctx context.Context, id string, status review.LinkStatus, reason string, at time.Time) error {
	if !isUUID(id) {
		return fmt.Errorf("set repository link status: %w", domain.ErrNotFound)
	}
	if status == review.LinkActive {
		reason = ""
	}
	sql, args, err := psql.Update("github_repositories").
		SetMap(map[string]any{"status": string(status), "broken_reason": reason, "updated_at": at}).
		Where(sq.Eq{"id": id}).ToSql()
	if err != nil {
		return err
	}
	tag, err := conn(ctx, r.pool).Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("set repository link status: %w", translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set repository link status: %w", domain.ErrNotFound)
	}
	return nil
}

// Delete removes the owner's link; its reviews go with it (ON DELETE
// CASCADE). Another owner's is not found and stays.
func (r *RepoLinkRepository) Delete(ctx context.Context, ownerID, id string) error {
	return deleteOwned(ctx, conn(ctx, r.pool), "github_repositories", "repository link", ownerID, id)
}

// ---- reviews ----

// ReviewRepository stores code reviews.
type ReviewRepository struct{ pool *pgxpool.Pool }

var _ ports.ReviewRepository = (*ReviewRepository)(nil)

// NewReviews returns a repository over the pool.
func NewReviews(pool *pgxpool.Pool) *ReviewRepository { return &ReviewRepository{pool: pool} }

// reviewResultRow is the result column's JSON; empty parts are left out,
// so a review without a result stores {}.
type reviewResultRow struct {
	Summary            string             `json:"summary,omitempty"`
	Strengths          []string           `json:"strengths,omitempty"`
	Findings           []reviewFindingRow `json:"findings,omitempty"`
	Topics             []string           `json:"topics,omitempty"`
	SuggestedExercises []string           `json:"suggested_exercises,omitempty"`
	ReviewedFiles      []string           `json:"reviewed_files,omitempty"`
	Skipped            []reviewSkippedRow `json:"skipped,omitempty"`
	DroppedFindings    int                `json:"dropped_findings,omitempty"`
	Redactions         int                `json:"redactions,omitempty"`
	Chunks             int                `json:"chunks,omitempty"`
}

type reviewFindingRow struct {
	Path       string `json:"path"`
	StartLine  int    `json:"start_line"`
	EndLine    int    `json:"end_line"`
	Severity   string `json:"severity"`
	Category   string `json:"category"`
	Message    string `json:"message"`
	Suggestion string `json:"suggestion,omitempty"`
}

type reviewSkippedRow struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

func toReviewResultRow(res review.Result) reviewResultRow {
	out := reviewResultRow{Summary: res.Summary, Strengths: res.Strengths, Topics: res.Topics,
		SuggestedExercises: res.SuggestedExercises, ReviewedFiles: res.ReviewedFiles,
		DroppedFindings: res.DroppedFindings, Redactions: res.Redactions, Chunks: res.Chunks}
	for _, f := range res.Findings {
		out.Findings = append(out.Findings, reviewFindingRow{Path: f.Path, StartLine: f.StartLine, EndLine: f.EndLine,
			Severity: string(f.Severity), Category: string(f.Category), Message: f.Message, Suggestion: f.Suggestion})
	}
	for _, s := range res.Skipped {
		out.Skipped = append(out.Skipped, reviewSkippedRow{Path: s.Path, Reason: string(s.Reason)})
	}
	return out
}

func (r reviewResultRow) toDomain() review.Result {
	out := review.Result{Summary: r.Summary, Strengths: r.Strengths, Topics: r.Topics,
		SuggestedExercises: r.SuggestedExercises, ReviewedFiles: r.ReviewedFiles,
		DroppedFindings: r.DroppedFindings, Redactions: r.Redactions, Chunks: r.Chunks}
	for _, f := range r.Findings {
		out.Findings = append(out.Findings, review.Finding{Path: f.Path, StartLine: f.StartLine, EndLine: f.EndLine,
			Severity: review.Severity(f.Severity), Category: review.Category(f.Category), Message: f.Message,
			Suggestion: f.Suggestion})
	}
	for _, s := range r.Skipped {
		out.Skipped = append(out.Skipped, review.SkippedFile{Path: s.Path, Reason: review.SkipReason(s.Reason)})
	}
	return out
}

type reviewRow struct {
	ID            string
	LinkID        string
	OwnerID       string
	Ref           string
	PullNumber    int
	DedupKey      string
	CommitSHA     string
	Status        string
	Result        []byte
	FailureCode   string
	FailureReason string
	Attempts      int
	CreatedAt     time.Time
	StartedAt     *time.Time
	CompletedAt   *time.Time
}

var reviewColumns = []string{"id", "link_id", "owner_id", "ref", "pull_number", "dedup_key", "commit_sha", "status",
	"result", "failure_code", "failure_reason", "attempts", "created_at", "started_at", "completed_at"}

// reviewSelect is the column list of every statement that answers reviews.
var reviewSelect = strings.Join(reviewColumns, ", ")

func toReviewRow(rv review.Review) (reviewRow, error) {
	// Ids are spelt as the uuid columns answer them: the dedup key holds the
	// link id (an upper-case one must not make a second pending request),
	// and Create compares the owner with the pending review's.
	if isUUID(rv.LinkID) {
		rv.LinkID = strings.ToLower(rv.LinkID)
	}
	if isUUID(rv.OwnerID) {
		rv.OwnerID = strings.ToLower(rv.OwnerID)
	}
	res, err := json.Marshal(toReviewResultRow(rv.Result))
	if err != nil {
		return reviewRow{}, fmt.Errorf("review %s: result: %w", rv.ID, err)
	}
	return reviewRow{ID: rv.ID, LinkID: rv.LinkID, OwnerID: rv.OwnerID, Ref: rv.Ref, PullNumber: rv.PullNumber,
		DedupKey: rv.DedupKey(), CommitSHA: rv.CommitSHA, Status: string(rv.Status), Result: res,
		FailureCode: rv.FailureCode, FailureReason: rv.FailureReason, Attempts: rv.Attempts,
		CreatedAt: rv.CreatedAt, StartedAt: rv.StartedAt, CompletedAt: rv.CompletedAt}, nil
}

// check refuses what the uuid columns cannot hold before the database does.
func (r reviewRow) check() error {
	if !isUUID(r.ID) {
		return domain.NewValidationError("id", "must be a UUID")
	}
	if !isUUID(r.LinkID) || !isUUID(r.OwnerID) {
		return fmt.Errorf("%w: code_reviews_link_id_owner_id_fkey", domain.ErrNotFound)
	}
	return nil
}

func (r *reviewRow) targets() []any {
	return []any{&r.ID, &r.LinkID, &r.OwnerID, &r.Ref, &r.PullNumber, &r.DedupKey, &r.CommitSHA, &r.Status,
		&r.Result, &r.FailureCode, &r.FailureReason, &r.Attempts, &r.CreatedAt, &r.StartedAt, &r.CompletedAt}
}

func reviewTimeUTC(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (r reviewRow) toDomain() (review.Review, error) {
	var res reviewResultRow
	if err := json.Unmarshal(r.Result, &res); err != nil {
		return review.Review{}, fmt.Errorf("stored review %s: result: %w", r.ID, err)
	}
	return review.Review{ID: r.ID, LinkID: r.LinkID, OwnerID: r.OwnerID, Ref: r.Ref, PullNumber: r.PullNumber,
		CommitSHA: r.CommitSHA, Status: review.Status(r.Status), Result: res.toDomain(),
		FailureReason: r.FailureReason, FailureCode: r.FailureCode, Attempts: r.Attempts,
		CreatedAt: r.CreatedAt.UTC(), StartedAt: reviewTimeUTC(r.StartedAt), CompletedAt: reviewTimeUTC(r.CompletedAt)}, nil
}

func scanReview(row pgx.Row) (review.Review, error) {
	var r reviewRow
	if err := row.Scan(r.targets()...); err != nil {
		return review.Review{}, translate(err)
	}
	return r.toDomain()
}

// createReviewSQL inserts unless an identical request is pending: the
// partial unique index is the arbiter, so a conflict inserts nothing and
// returns no row (any other unique violation, the id's, still fails).
// createReviewSQL inserts the review and, in the same statement, its line
// in the owner's request ledger (which outlives the review).
var createReviewSQL = `WITH ins AS (INSERT INTO code_reviews (` + reviewSelect + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
	ON CONFLICT (dedup_key) WHERE status IN ('queued', 'running') DO NOTHING
	RETURNING ` + reviewSelect + `),
	ledger AS (INSERT INTO code_review_requests (owner_id, review_id, created_at)
	SELECT owner_id, id, created_at FROM ins)
	SELECT ` + reviewSelect + ` FROM ins`

var pendingReviewSQL = `SELECT ` + reviewSelect + ` FROM code_reviews
	WHERE dedup_key = $1 AND status IN ('queued', 'running')`

// createReviewTries bounds the retries when the pending review that refused
// an insert ends before it can be read: each retry needs another review to
// be created and finished in that gap.
const createReviewTries = 5

// Create stores a queued review, or answers the identical pending one with
// created=false. A taken id is domain.ErrConflict; an unknown link, or a
// link of another owner, domain.ErrNotFound.
func (r *ReviewRepository) Create(ctx context.Context, rv review.Review) (review.Review, bool, error) {
	row, err := toReviewRow(rv)
	if err != nil {
		return review.Review{}, false, fmt.Errorf("create review: %w", err)
	}
	if err := row.check(); err != nil {
		return review.Review{}, false, fmt.Errorf("create review: %w", err)
	}
	q := conn(ctx, r.pool)
	for range createReviewTries {
		var inserted reviewRow
		err := q.QueryRow(ctx, createReviewSQL, row.ID, row.LinkID, row.OwnerID, row.Ref, row.PullNumber,
			row.DedupKey, row.CommitSHA, row.Status, string(row.Result), row.FailureCode, row.FailureReason,
			row.Attempts, row.CreatedAt, row.StartedAt, row.CompletedAt).Scan(inserted.targets()...)
		if err == nil {
			stored, err := inserted.toDomain()
			if err != nil {
				return review.Review{}, false, fmt.Errorf("create review: %w", err)
			}
			return stored, true, nil
		}
		// No row back is the dedup index's refusal; anything else (the
		// id taken, the link unknown) is an answer.
		if !errors.Is(err, pgx.ErrNoRows) {
			return review.Review{}, false, fmt.Errorf("create review: %w", translate(err))
		}
		// Refused by the dedup index: answer the pending review. Each
		// statement sees what was committed before it started, so the
		// review that won the race is visible now.
		existing, err := scanReview(q.QueryRow(ctx, pendingReviewSQL, row.DedupKey))
		switch {
		case err == nil && existing.OwnerID != row.OwnerID:
			// The key names another learner's link: the foreign key would
			// have refused this review, and theirs is not to be shown.
			return review.Review{}, false, fmt.Errorf("create review: %w: code_reviews_link_id_owner_id_fkey", domain.ErrNotFound)
		case err == nil:
			return existing, false, nil
		case !errors.Is(err, domain.ErrNotFound):
			return review.Review{}, false, fmt.Errorf("create review: %w", err)
		}
		// It ended between the two statements: insert again.
	}
	return review.Review{}, false, fmt.Errorf("create review: %w: pending review kept changing, try again", domain.ErrConflict)
}

func (r *ReviewRepository) get(ctx context.Context, where sq.Eq) (review.Review, error) {
	sql, args, err := psql.Select(reviewColumns...).From("code_reviews").Where(where).ToSql()
	if err != nil {
		return review.Review{}, err
	}
	return scanReview(conn(ctx, r.pool).QueryRow(ctx, sql, args...))
}

// Get loads a review of the owner's link; anything else is not found.
func (r *ReviewRepository) Get(ctx context.Context, ownerID, linkID, id string) (review.Review, error) {
	if !isUUID(ownerID) || !isUUID(linkID) || !isUUID(id) {
		return review.Review{}, domain.ErrNotFound
	}
	return r.get(ctx, sq.Eq{"id": id, "link_id": linkID, "owner_id": ownerID})
}

// GetByID loads a review whoever owns it.
func (r *ReviewRepository) GetByID(ctx context.Context, id string) (review.Review, error) {
	if !isUUID(id) {
		return review.Review{}, domain.ErrNotFound
	}
	return r.get(ctx, sq.Eq{"id": id})
}

// Update locks the review, lets fn change it and stores the result, in the
// caller's transaction if there is one, else in its own. The review's
// identity and request (id, link, owner, ref, pull number, created_at) are
// not fn's to change; an error from fn changes nothing.
func (r *ReviewRepository) Update(ctx context.Context, id string, fn func(r *review.Review) error) (review.Review, error) {
	if !isUUID(id) {
		return review.Review{}, fmt.Errorf("update review: %w", domain.ErrNotFound)
	}
	var out review.Review
	err := NewTxManager(r.pool).WithinTx(ctx, func(ctx context.Context) error {
		q := conn(ctx, r.pool)
		rv, err := scanReview(q.QueryRow(ctx, `SELECT `+reviewSelect+` FROM code_reviews WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if err := fn(&rv); err != nil {
			return err
		}
		row, err := toReviewRow(rv)
		if err != nil {
			return err
		}
		out, err = scanReview(q.QueryRow(ctx, `UPDATE code_reviews SET commit_sha = $2, status = $3, result = $4,
			failure_code = $5, failure_reason = $6, attempts = $7, started_at = $8, completed_at = $9
			WHERE id = $1 RETURNING `+reviewSelect, id, row.CommitSHA, row.Status, string(row.Result), row.FailureCode,
			row.FailureReason, row.Attempts, row.StartedAt, row.CompletedAt))
		return err
	})
	if err != nil {
		return review.Review{}, fmt.Errorf("update review: %w", err)
	}
	return out, nil
}

// List answers a page of the link's reviews, keyset-paginated on
// (created_at, id) descending; another owner's link has none.
func (r *ReviewRepository) List(ctx context.Context, ownerID, linkID string, p ports.Page) ([]review.Review, string, error) {
	pg, err := pageOf(p)
	if err != nil {
		return nil, "", err
	}
	if !isUUID(ownerID) || !isUUID(linkID) {
		return nil, "", nil
	}
	items, next, err := list(ctx, conn(ctx, r.pool), pg,
		psql.Select(reviewColumns...).From("code_reviews").Where(sq.Eq{"link_id": linkID, "owner_id": ownerID}),
		"created_at", "id",
		func(row pgx.CollectableRow) (review.Review, error) {
			var rr reviewRow
			if err := row.Scan(rr.targets()...); err != nil {
				return review.Review{}, err
			}
			return rr.toDomain()
		},
		func(rv review.Review) (time.Time, string) { return rv.CreatedAt, rv.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list reviews: %w", err)
	}
	return items, next, nil
}

// CountSince counts the owner's reviews created at or after since.
func (r *ReviewRepository) CountSince(ctx context.Context, ownerID string, since time.Time) (int, error) {
	if !isUUID(ownerID) {
		return 0, nil
	}
	q := conn(ctx, r.pool)
	if InTx(ctx) {
		// Serialise the owner's count-then-create until the transaction
		// ends, so concurrent requests cannot both pass the limit.
		if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('code-review-requests'), hashtext($1))`, ownerID); err != nil {
			return 0, fmt.Errorf("count reviews: %w", translate(err))
		}
	}
	var n int
	err := q.QueryRow(ctx, `SELECT count(*) FROM code_review_requests WHERE owner_id = $1 AND created_at >= $2`,
		ownerID, since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count reviews: %w", translate(err))
	}
	return n, nil
}
