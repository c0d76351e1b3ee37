package memory

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/codementor/codementor/adapters/keyset"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
)

// The repositories below mirror adapters/postgres/reviews.go: the same
// checks, unique keys (the pending-review dedup rule included), foreign
// keys, cascades, orders, cursors and not-found answers.

// githubTables are github_repositories and code_reviews. Stored values are
// replaced, never changed in place (a review's result slices are copied on
// the way in and out), so a shallow clone is a full snapshot.
type githubTables struct {
	links   map[string]review.RepoLink // by id
	reviews map[string]review.Review   // by id
	// requests is the ledger of review requests per owner (creation
	// times), kept when a link and its reviews are deleted.
	requests map[string][]time.Time
}

func newGitHubTables() githubTables {
	return githubTables{links: map[string]review.RepoLink{}, reviews: map[string]review.Review{},
		requests: map[string][]time.Time{}}
}

func (g githubTables) clone() githubTables {
	req := make(map[string][]time.Time, len(g.requests))
	for k, v := range g.requests {
		req[k] = slices.Clone(v)
	}
	return githubTables{links: maps.Clone(g.links), reviews: maps.Clone(g.reviews), requests: req}
}

// githubOf answers db's GitHub tables; the caller holds db.mu to use them.
func githubOf(db *DB) *githubTables { return &db.github }

// createdCompare orders newest first, then by id descending: the lists'
// order and keyset.
func createdCompare(aAt time.Time, aID string, bAt time.Time, bID string) int {
	return cmp.Or(bAt.Compare(aAt), cmp.Compare(bID, aID))
}

// decodeCreatedCursor reads a (created_at, id) cursor.
func decodeCreatedCursor(s string) (time.Time, string, error) {
	var micros int64
	var id string
	if err := keyset.Decode(s, &micros, &id); err != nil || !isUUID(id) {
		return time.Time{}, "", keyset.ErrBadCursor
	}
	return time.UnixMicro(micros).UTC(), canonicalID(id), nil
}

// ---- linked repositories ----

// RepoLinkRepository is the in-memory twin of postgres.RepoLinkRepository.
type RepoLinkRepository struct {
	db *DB
	t  *githubTables
}

var _ ports.RepoLinkRepository = (*RepoLinkRepository)(nil)

// NewRepoLinks returns a repository over db.
func NewRepoLinks(db *DB) *RepoLinkRepository { return &RepoLinkRepository{db: db, t: githubOf(db)} }

// checkRepoLink does what github_repositories' CHECK constraints do.
func checkRepoLink(l review.RepoLink) error {
	switch {
	case l.GitHubID <= 0:
		return checkViolation("github_repositories_github_id_check")
	case l.Visibility != review.Public && l.Visibility != review.Private:
		return checkViolation("github_repositories_visibility_check")
	case l.Status != review.LinkActive && l.Status != review.LinkBroken:
		return checkViolation("github_repositories_status_check")
	}
	return nil
}

// Create stores a link: the same GitHub repository twice for one owner or
// a taken id is domain.ErrConflict, an unknown owner domain.ErrNotFound.
func (r *RepoLinkRepository) Create(ctx context.Context, l review.RepoLink) error {
	if !isUUID(l.ID) {
		return fmt.Errorf("create repository link: %w", domain.NewValidationError("id", "must be a UUID"))
	}
	if !isUUID(l.OwnerID) {
		return fmt.Errorf("create repository link: %w: github_repositories_owner_id_fkey", domain.ErrNotFound)
	}
	l.ID, l.OwnerID = canonicalID(l.ID), canonicalID(l.OwnerID)
	l.CreatedAt, l.UpdatedAt = utc(l.CreatedAt), utc(l.UpdatedAt)
	// In Postgres's order: checks, then unique keys, then foreign keys.
	if err := checkRepoLink(l); err != nil {
		return fmt.Errorf("create repository link: %w", err)
	}
	defer r.db.lockWrite(ctx)()
	if _, ok := r.t.links[l.ID]; ok {
		return fmt.Errorf("create repository link: %w: github_repositories_pkey", domain.ErrConflict)
	}
	for _, o := range r.t.links {
		if o.OwnerID == l.OwnerID && o.GitHubID == l.GitHubID {
			return fmt.Errorf("create repository link: %w: github_repositories_owner_github_id_key", domain.ErrConflict)
		}
	}
	if _, ok := r.db.users[l.OwnerID]; !ok {
		return fmt.Errorf("create repository link: %w: github_repositories_owner_id_fkey", domain.ErrNotFound)
	}
	r.t.links[l.ID] = l
	return nil
}

// Get loads the owner's link; another owner's is not found.
func (r *RepoLinkRepository) Get(_ context.Context, ownerID, id string) (review.RepoLink, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	l, ok := r.t.links[canonicalID(id)]
	if !ok || !isUUID(ownerID) || l.OwnerID != canonicalID(ownerID) {
		return review.RepoLink{}, domain.ErrNotFound
	}
	return l, nil
}

// FindByGitHubID loads the owner's link of a GitHub repository.
func (r *RepoLinkRepository) FindByGitHubID(_ context.Context, ownerID string, githubID int64) (review.RepoLink, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	if !isUUID(ownerID) {
		return review.RepoLink{}, domain.ErrNotFound
	}
	ownerID = canonicalID(ownerID)
	for _, l := range r.t.links {
		if l.OwnerID == ownerID && l.GitHubID == githubID {
			return l, nil
		}
	}
	return review.RepoLink{}, domain.ErrNotFound
}

// GetByID loads a link whoever owns it.
func (r *RepoLinkRepository) GetByID(_ context.Context, id string) (review.RepoLink, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	l, ok := r.t.links[canonicalID(id)]
	if !ok {
		return review.RepoLink{}, domain.ErrNotFound
	}
	return l, nil
}

// List answers a page of the owner's links, newest first.
func (r *RepoLinkRepository) List(_ context.Context, ownerID string, p ports.Page) ([]review.RepoLink, string, error) {
	limit := keyset.Limit(p.Limit)
	var after *review.RepoLink
	if p.Cursor != "" {
		at, id, err := decodeCreatedCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		after = &review.RepoLink{ID: id, CreatedAt: at}
	}
	if !isUUID(ownerID) {
		return nil, "", nil
	}
	ownerID = canonicalID(ownerID)
	compare := func(a, b review.RepoLink) int { return createdCompare(a.CreatedAt, a.ID, b.CreatedAt, b.ID) }
	r.db.mu.RLock()
	var items []review.RepoLink
	for _, l := range r.t.links {
		if l.OwnerID == ownerID && (after == nil || compare(l, *after) > 0) {
			items = append(items, l)
		}
	}
	r.db.mu.RUnlock()
	slices.SortFunc(items, compare)
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	last := items[limit-1]
	return items, keyset.Encode(last.CreatedAt.UnixMicro(), last.ID), nil
}

// SetStatus marks a link active (which clears the reason) or broken with a
// reason; at is the new UpdatedAt. An unknown link is domain.ErrNotFound.
func (r *RepoLinkRepository) SetStatus(ctx context.Context, id string, status review.LinkStatus, reason string, at time.Time) error {
	id = canonicalID(id)
	defer r.db.lockWrite(ctx)()
	l, ok := r.t.links[id]
	if !ok {
		return fmt.Errorf("set repository link status: %w", domain.ErrNotFound)
	}
	if status == review.LinkActive {
		reason = ""
	}
	l.Status, l.BrokenReason, l.UpdatedAt = status, reason, utc(at)
	if err := checkRepoLink(l); err != nil {
		return fmt.Errorf("set repository link status: %w", err)
	}
	r.t.links[id] = l
	return nil
}

// Delete removes the owner's link and its reviews. Another owner's is not
// found and stays.
func (r *RepoLinkRepository) Delete(ctx context.Context, ownerID, id string) error {
	id = canonicalID(id)
	defer r.db.lockWrite(ctx)()
	l, ok := r.t.links[id]
	if !ok || !isUUID(ownerID) || l.OwnerID != canonicalID(ownerID) {
		return fmt.Errorf("delete repository link: %w", domain.ErrNotFound)
	}
	delete(r.t.links, id)
	maps.DeleteFunc(r.t.reviews, func(_ string, rv review.Review) bool { return rv.LinkID == id })
	return nil
}

// ---- reviews ----

// ReviewRepository is the in-memory twin of postgres.ReviewRepository.
type ReviewRepository struct {
	db *DB
	t  *githubTables
	tx *TxManager
}

var _ ports.ReviewRepository = (*ReviewRepository)(nil)

// NewReviews returns a repository over db.
func NewReviews(db *DB) *ReviewRepository {
	return &ReviewRepository{db: db, t: githubOf(db), tx: NewTxManager(db)}
}

// cloneResult copies a result as the jsonb column answers it: nothing
// shared with the caller, empty lists as nil.
func cloneResult(res review.Result) review.Result {
	res.Strengths = cloneOrNil(res.Strengths)
	res.Findings = cloneOrNil(res.Findings)
	res.Topics = cloneOrNil(res.Topics)
	res.SuggestedExercises = cloneOrNil(res.SuggestedExercises)
	res.ReviewedFiles = cloneOrNil(res.ReviewedFiles)
	res.Skipped = cloneOrNil(res.Skipped)
	return res
}

// cloneReview copies a review with nothing shared: the result's lists and
// the times behind pointers.
func cloneReview(rv review.Review) review.Review {
	rv.Result = cloneResult(rv.Result)
	rv.StartedAt, rv.CompletedAt = utcPtr(rv.StartedAt), utcPtr(rv.CompletedAt)
	return rv
}

// normalizeReview stores what the columns hold: canonical ids, UTC
// microseconds, a copied result.
func normalizeReview(rv review.Review) review.Review {
	rv.ID, rv.LinkID, rv.OwnerID = canonicalID(rv.ID), canonicalID(rv.LinkID), canonicalID(rv.OwnerID)
	rv.CreatedAt = utc(rv.CreatedAt)
	return cloneReview(rv)
}

// checkReview does what code_reviews' CHECK constraints do.
func checkReview(rv review.Review) error {
	switch {
	case rv.PullNumber < 0:
		return checkViolation("code_reviews_pull_number_check")
	case rv.Status != review.StatusQueued && rv.Status != review.StatusRunning &&
		rv.Status != review.StatusCompleted && rv.Status != review.StatusFailed:
		return checkViolation("code_reviews_status_check")
	case rv.Attempts < 0:
		return checkViolation("code_reviews_attempts_check")
	}
	return nil
}

// pendingLocked answers the pending review with the key other than
// exceptID, as the partial unique index sees it; the caller holds db.mu.
func (r *ReviewRepository) pendingLocked(dedupKey, exceptID string) (review.Review, bool) {
	for _, o := range r.t.reviews {
		if o.ID != exceptID && o.Status.Active() && o.DedupKey() == dedupKey {
			return o, true
		}
	}
	return review.Review{}, false
}

// Create stores a queued review, or answers the identical pending one with
// created=false. A taken id is domain.ErrConflict; an unknown link, or a
// link of another owner, domain.ErrNotFound.
func (r *ReviewRepository) Create(ctx context.Context, rv review.Review) (review.Review, bool, error) {
	if !isUUID(rv.ID) {
		return review.Review{}, false, fmt.Errorf("create review: %w", domain.NewValidationError("id", "must be a UUID"))
	}
	if !isUUID(rv.LinkID) || !isUUID(rv.OwnerID) {
		return review.Review{}, false, fmt.Errorf("create review: %w: code_reviews_link_id_owner_id_fkey", domain.ErrNotFound)
	}
	rv = normalizeReview(rv)
	// In Postgres's order: checks, the dedup index (the arbiter), the
	// primary key, then the foreign key.
	if err := checkReview(rv); err != nil {
		return review.Review{}, false, fmt.Errorf("create review: %w", err)
	}
	defer r.db.lockWrite(ctx)()
	if rv.Status.Active() {
		if o, ok := r.pendingLocked(rv.DedupKey(), ""); ok {
			if o.OwnerID != rv.OwnerID {
				return review.Review{}, false, fmt.Errorf("create review: %w: code_reviews_link_id_owner_id_fkey", domain.ErrNotFound)
			}
			return cloneReview(o), false, nil
		}
	}
	if _, ok := r.t.reviews[rv.ID]; ok {
		return review.Review{}, false, fmt.Errorf("create review: %w: code_reviews_pkey", domain.ErrConflict)
	}
	if l, ok := r.t.links[rv.LinkID]; !ok || l.OwnerID != rv.OwnerID {
		return review.Review{}, false, fmt.Errorf("create review: %w: code_reviews_link_id_owner_id_fkey", domain.ErrNotFound)
	}
	r.t.reviews[rv.ID] = rv
	r.t.requests[rv.OwnerID] = append(r.t.requests[rv.OwnerID], rv.CreatedAt)
	return cloneReview(rv), true, nil
}

// Get loads a review of the owner's link; anything else is not found.
func (r *ReviewRepository) Get(_ context.Context, ownerID, linkID, id string) (review.Review, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	rv, ok := r.t.reviews[canonicalID(id)]
	if !ok || !isUUID(ownerID) || !isUUID(linkID) || rv.OwnerID != canonicalID(ownerID) ||
		rv.LinkID != canonicalID(linkID) {
		return review.Review{}, domain.ErrNotFound
	}
	return cloneReview(rv), nil
}

// GetByID loads a review whoever owns it.
func (r *ReviewRepository) GetByID(_ context.Context, id string) (review.Review, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	rv, ok := r.t.reviews[canonicalID(id)]
	if !ok {
		return review.Review{}, domain.ErrNotFound
	}
	return cloneReview(rv), nil
}

// Update applies fn to a copy and stores it only when fn succeeds; the
// transaction lock stands in for the row lock. The review's identity and
// request (id, link, owner, ref, pull number, created_at) are not fn's to
// change.
func (r *ReviewRepository) Update(ctx context.Context, id string, fn func(r *review.Review) error) (review.Review, error) {
	var out review.Review
	err := r.tx.WithinTx(ctx, func(ctx context.Context) error {
		cur, err := r.GetByID(ctx, id)
		if err != nil {
			return err
		}
		next := cloneReview(cur)
		if err := fn(&next); err != nil {
			return err
		}
		next = normalizeReview(next)
		next.ID, next.LinkID, next.OwnerID, next.Ref, next.PullNumber, next.CreatedAt = cur.ID, cur.LinkID,
			cur.OwnerID, cur.Ref, cur.PullNumber, cur.CreatedAt
		if err := checkReview(next); err != nil {
			return err
		}
		defer r.db.lockWrite(ctx)()
		if _, ok := r.t.reviews[cur.ID]; !ok {
			return domain.ErrNotFound
		}
		if next.Status.Active() {
			if _, ok := r.pendingLocked(next.DedupKey(), next.ID); ok {
				return fmt.Errorf("%w: code_reviews_pending_dedup_key", domain.ErrConflict)
			}
		}
		r.t.reviews[next.ID] = next
		out = cloneReview(next)
		return nil
	})
	if err != nil {
		return review.Review{}, fmt.Errorf("update review: %w", err)
	}
	return out, nil
}

// List answers a page of the link's reviews, newest first; another owner's
// link has none.
func (r *ReviewRepository) List(_ context.Context, ownerID, linkID string, p ports.Page) ([]review.Review, string, error) {
	limit := keyset.Limit(p.Limit)
	var after *review.Review
	if p.Cursor != "" {
		at, id, err := decodeCreatedCursor(p.Cursor)
		if err != nil {
			return nil, "", err
		}
		after = &review.Review{ID: id, CreatedAt: at}
	}
	if !isUUID(ownerID) || !isUUID(linkID) {
		return nil, "", nil
	}
	ownerID, linkID = canonicalID(ownerID), canonicalID(linkID)
	compare := func(a, b review.Review) int { return createdCompare(a.CreatedAt, a.ID, b.CreatedAt, b.ID) }
	r.db.mu.RLock()
	var items []review.Review
	for _, rv := range r.t.reviews {
		if rv.OwnerID == ownerID && rv.LinkID == linkID && (after == nil || compare(rv, *after) > 0) {
			items = append(items, rv)
		}
	}
	r.db.mu.RUnlock()
	slices.SortFunc(items, compare)
	if len(items) > limit {
		items = items[:limit+1]
	}
	for i := range items {
		items[i] = cloneReview(items[i])
	}
	if len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	last := items[limit-1]
	return items, keyset.Encode(last.CreatedAt.UnixMicro(), last.ID), nil
}

// CountSince counts the owner's review requests created at or after
// since, those of since-deleted links included.
func (r *ReviewRepository) CountSince(_ context.Context, ownerID string, since time.Time) (int, error) {
	if !isUUID(ownerID) {
		return 0, nil
	}
	ownerID, since = canonicalID(ownerID), utc(since)
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	n := 0
	for _, at := range r.t.requests[ownerID] {
		if !at.Before(since) {
			n++
		}
	}
	return n, nil
}
