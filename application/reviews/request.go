package reviews

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
)

// RequestInput asks for a review of a linked repository at a ref (""
// = its default branch) or of a pull request.
type RequestInput struct {
	UserID     string
	LinkID     string
	Ref        string
	PullNumber int
}

// RequestReview queues a review (202). An identical request (same
// repository and ref or pull request) that is still queued or running
// answers that review instead of a second one (created=false). The review
// row and its job are written in one transaction.
func (s *Service) RequestReview(ctx context.Context, in RequestInput) (r review.Review, created bool, err error) {
	link, err := s.Links.Get(ctx, in.UserID, in.LinkID)
	if err != nil {
		return review.Review{}, false, err
	}
	now := s.Clock.Now()
	if in.PullNumber == 0 && strings.TrimSpace(in.Ref) == link.DefaultBranch {
		// The default branch named or not is the same request.
		in.Ref = ""
	}
	r, err = review.NewReview(s.IDs.NewID(), link, in.Ref, in.PullNumber, now)
	if err != nil {
		return review.Review{}, false, err
	}
	if _, err := s.token(ctx, in.UserID); err != nil {
		return review.Review{}, false, s.publicGitHubError(ctx, in.UserID, err)
	}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.allowed(ctx, in.UserID, now); err != nil {
			return err
		}
		stored, isNew, err := s.Reviews.Create(ctx, r)
		if err != nil {
			return err
		}
		r, created = stored, isNew
		if !isNew {
			return nil
		}
		return s.Queue.EnqueueReview(ctx, ports.ReviewJob{ReviewID: r.ID, DedupKey: r.DedupKey()})
	})
	var limited *domain.RateLimitedError
	if errors.As(err, &limited) {
		return review.Review{}, false, err
	}
	if err != nil {
		return review.Review{}, false, fmt.Errorf("queue review: %w", err)
	}
	return r, created, nil
}

// allowed applies the per-learner daily limit (UTC days, like the token
// quota). Called inside the request's transaction: the count holds the
// learner's concurrent requests back until this one is stored. At the
// limit, a request is refused even when an identical one is pending.
func (s *Service) allowed(ctx context.Context, userID string, now time.Time) error {
	if s.cfg.PerDay == 0 {
		return &domain.RateLimitedError{RetryAfter: 24 * time.Hour, Reason: "code reviews are turned off on this server", Public: true}
	}
	now = now.UTC()
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	n, err := s.Reviews.CountSince(ctx, userID, start)
	if err != nil {
		return fmt.Errorf("count reviews: %w", err)
	}
	if n >= s.cfg.PerDay {
		return &domain.RateLimitedError{RetryAfter: start.AddDate(0, 0, 1).Sub(now),
			Reason: fmt.Sprintf("at most %d code reviews a day (UTC); try again tomorrow", s.cfg.PerDay), Public: true}
	}
	return nil
}

// ListReviews lists a linked repository's reviews, newest first.
func (s *Service) ListReviews(ctx context.Context, userID, linkID string, p ports.Page) ([]review.Review, string, error) {
	if _, err := s.Links.Get(ctx, userID, linkID); err != nil {
		return nil, "", err
	}
	return s.Reviews.List(ctx, userID, linkID, p)
}

// GetReview answers one whole review.
func (s *Service) GetReview(ctx context.Context, userID, linkID, reviewID string) (review.Review, error) {
	return s.Reviews.Get(ctx, userID, linkID, reviewID)
}
