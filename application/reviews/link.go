package reviews

import (
	"context"
	"errors"
	"fmt"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
)

// LinkInput names a repository by "owner/name" or by its URL (one of the
// two).
type LinkInput struct {
	UserID   string
	FullName string
	URL      string
}

// Link checks through GitHub that the learner can read the repository and
// stores the link with GitHub's id, name, default branch, visibility and
// language. The same repository twice is 409.
func (s *Service) Link(ctx context.Context, in LinkInput) (review.RepoLink, error) {
	var owner, name string
	var err error
	switch {
	case in.FullName != "" && in.URL != "":
		return review.RepoLink{}, domain.NewValidationError("full_name", "give full_name or url, not both")
	case in.FullName != "":
		owner, name, err = review.ParseRepoRefField("full_name", in.FullName)
	case in.URL != "":
		owner, name, err = review.ParseRepoRefField("url", in.URL)
	default:
		return review.RepoLink{}, domain.NewValidationError("full_name", "is required (or url)")
	}
	if err != nil {
		return review.RepoLink{}, err
	}
	tok, err := s.token(ctx, in.UserID)
	if err != nil {
		return review.RepoLink{}, s.publicGitHubError(ctx, in.UserID, err)
	}
	repo, err := s.GitHub.Repository(ctx, tok, owner, name)
	if errors.Is(err, domain.ErrNotFound) {
		return review.RepoLink{}, ErrRepoNotFound
	}
	if err != nil {
		return review.RepoLink{}, s.publicGitHubError(ctx, in.UserID, err)
	}
	now := s.Clock.Now()
	vis := review.Public
	if repo.Private {
		vis = review.Private
	}
	l := review.RepoLink{ID: s.IDs.NewID(), OwnerID: in.UserID, GitHubID: repo.ID, FullName: repo.FullName,
		DefaultBranch: repo.DefaultBranch, Visibility: vis, Language: repo.Language, Status: review.LinkActive,
		CreatedAt: now, UpdatedAt: now}
	if err := s.Links.Create(ctx, l); err != nil {
		if errors.Is(err, domain.ErrConflict) {
			return s.relink(ctx, in.UserID, repo.ID)
		}
		return review.RepoLink{}, fmt.Errorf("link repository: %w", err)
	}
	return l, nil
}

// relink answers a second link of the same repository: 409, unless the
// existing link is broken (the repository disappeared, or access was
// lost) and GitHub can read it again: then the link is active again,
// reviews and all.
func (s *Service) relink(ctx context.Context, userID string, githubID int64) (review.RepoLink, error) {
	l, err := s.Links.FindByGitHubID(ctx, userID, githubID)
	if err != nil {
		return review.RepoLink{}, fmt.Errorf("link repository: %w", err)
	}
	if l.Status != review.LinkBroken {
		return review.RepoLink{}, ErrAlreadyLinked
	}
	if err := s.Links.SetStatus(ctx, l.ID, review.LinkActive, "", s.Clock.Now()); err != nil {
		return review.RepoLink{}, fmt.Errorf("link repository again: %w", err)
	}
	return s.Links.Get(ctx, userID, l.ID)
}

// ListLinks lists the learner's linked repositories, newest first.
func (s *Service) ListLinks(ctx context.Context, userID string, p ports.Page) ([]review.RepoLink, string, error) {
	return s.Links.List(ctx, userID, p)
}

// Unlink removes a linked repository and, with it, its reviews (a review
// is about a repository the learner no longer follows here; a job still
// queued for it finds nothing and ends).
func (s *Service) Unlink(ctx context.Context, userID, linkID string) error {
	return s.Links.Delete(ctx, userID, linkID)
}
