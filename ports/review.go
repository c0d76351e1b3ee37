package ports

import (
	"context"
	"time"

	"github.com/codementor/codementor/domain/review"
)

// RepoLinkRepository stores learners' linked GitHub repositories.
type RepoLinkRepository interface {
	// Create stores a link; the same GitHub repository linked twice by
	// one learner is domain.ErrConflict.
	Create(ctx context.Context, l review.RepoLink) error
	// Get loads a link of its owner: another learner's, an unknown or a
	// malformed id is domain.ErrNotFound.
	Get(ctx context.Context, ownerID, id string) (review.RepoLink, error)
	// GetByID loads a link whoever owns it (background jobs).
	GetByID(ctx context.Context, id string) (review.RepoLink, error)
	// FindByGitHubID loads the owner's link of a GitHub repository (by
	// GitHub's id); none is domain.ErrNotFound.
	FindByGitHubID(ctx context.Context, ownerID string, githubID int64) (review.RepoLink, error)
	// List answers a page of the owner's links, newest first.
	List(ctx context.Context, ownerID string, p Page) (items []review.RepoLink, next string, err error)
	// SetStatus marks a link active or broken (with a reason).
	SetStatus(ctx context.Context, id string, status review.LinkStatus, reason string, at time.Time) error
	// Delete removes the owner's link and every review of it; another
	// learner's is domain.ErrNotFound.
	Delete(ctx context.Context, ownerID, id string) error
}

// ReviewRepository stores code reviews.
type ReviewRepository interface {
	// Create stores a queued review. While another review of the same
	// link with the same DedupKey is queued or running, Create answers
	// that one and created=false instead (decided by a unique index, not a
	// check then insert).
	Create(ctx context.Context, r review.Review) (stored review.Review, created bool, err error)
	// Get loads a review of one of the owner's links; anything else is
	// domain.ErrNotFound.
	Get(ctx context.Context, ownerID, linkID, id string) (review.Review, error)
	// GetByID loads a review whoever owns it (background jobs).
	GetByID(ctx context.Context, id string) (review.Review, error)
	// Update loads the review, applies fn and stores the result
	// atomically (row lock); fn's error aborts.
	Update(ctx context.Context, id string, fn func(r *review.Review) error) (review.Review, error)
	// List answers a page of a link's reviews, newest first.
	List(ctx context.Context, ownerID, linkID string, p Page) (items []review.Review, next string, err error)
	// CountSince counts the owner's review requests (reviews created) at
	// or after since, those of since-unlinked repositories included. Inside
	// a transaction it also holds the owner's requests back until the
	// transaction ends, so a count-then-create cannot race another.
	CountSince(ctx context.Context, ownerID string, since time.Time) (int, error)
}

// ReviewJob asks for review ReviewID to run.
type ReviewJob struct {
	ReviewID string
	// DedupKey makes two identical pending jobs one.
	DedupKey string
}

// JobQueue runs background jobs durably (River on Postgres in production):
// jobs survive restarts, retry with backoff and run on any instance.
type JobQueue interface {
	// EnqueueReview queues a review run. Called inside a TxManager
	// transaction, the job is inserted in that transaction: no review
	// without its job, no job without its review.
	EnqueueReview(ctx context.Context, job ReviewJob) error
}
