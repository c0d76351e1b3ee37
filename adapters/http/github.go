package http

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"github.com/codementor/codementor/application/reviews"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
)

// Reviews is what the GitHub handlers need (application/reviews).
type Reviews interface {
	Connect(ctx context.Context, userID string, wantPrivate bool) (reviews.ConnectStatus, error)
	Link(ctx context.Context, in reviews.LinkInput) (review.RepoLink, error)
	ListLinks(ctx context.Context, userID string, p ports.Page) ([]review.RepoLink, string, error)
	Unlink(ctx context.Context, userID, linkID string) error
	RequestReview(ctx context.Context, in reviews.RequestInput) (review.Review, bool, error)
	ListReviews(ctx context.Context, userID, linkID string, p ports.Page) ([]review.Review, string, error)
	GetReview(ctx context.Context, userID, linkID, reviewID string) (review.Review, error)
}

type githubHandlers struct{ svc Reviews }

type connectResponse struct {
	Connected    bool     `json:"connected"`
	Login        *string  `json:"login"`
	Scopes       []string `json:"scopes"`
	PrivateRepos bool     `json:"private_repos"`
	Reason       *string  `json:"reason"`
	ConnectURL   *string  `json:"connect_url"`
}

func (h githubHandlers) connect(c *fiber.Ctx) error {
	private := false
	switch c.Query("private") {
	case "", "false", "0":
	case "true", "1":
		private = true
	default:
		return domain.NewValidationError("private", "must be true or false")
	}
	st, err := h.svc.Connect(c.UserContext(), userID(c), private)
	if err != nil {
		return err
	}
	scopes := st.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return writeJSON(c, connectResponse{Connected: st.Connected, Login: nullable(st.Login), Scopes: scopes,
		PrivateRepos: st.PrivateRepos, Reason: nullable(st.Reason), ConnectURL: nullable(st.ConnectURL)})
}

type linkRequest struct {
	FullName string `json:"full_name" validate:"omitempty,max=300"`
	URL      string `json:"url" validate:"omitempty,max=500"`
}

type repositoryResponse struct {
	ID            string  `json:"id"`
	GitHubID      int64   `json:"github_id"`
	FullName      string  `json:"full_name"`
	DefaultBranch string  `json:"default_branch"`
	Visibility    string  `json:"visibility"`
	Language      *string `json:"language"`
	Status        string  `json:"status"`
	BrokenReason  *string `json:"broken_reason"`
	CreatedAt     string  `json:"created_at"`
}

func toRepositoryResponse(l review.RepoLink) repositoryResponse {
	return repositoryResponse{ID: l.ID, GitHubID: l.GitHubID, FullName: l.FullName, DefaultBranch: l.DefaultBranch,
		Visibility: string(l.Visibility), Language: nullable(l.Language), Status: string(l.Status),
		BrokenReason: nullable(l.BrokenReason), CreatedAt: rfc3339(l.CreatedAt)}
}

type repositoryListResponse struct {
	Items      []repositoryResponse `json:"items"`
	NextCursor *string              `json:"next_cursor"`
}

func (h githubHandlers) link(c *fiber.Ctx) error {
	var in linkRequest
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	l, err := h.svc.Link(c.UserContext(), reviews.LinkInput{UserID: userID(c), FullName: in.FullName, URL: in.URL})
	if err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return writeJSON(c, toRepositoryResponse(l))
}

func (h githubHandlers) list(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := h.svc.ListLinks(c.UserContext(), userID(c), p)
	if err != nil {
		return err
	}
	out := repositoryListResponse{Items: make([]repositoryResponse, 0, len(items)), NextCursor: nullable(next)}
	for _, l := range items {
		out.Items = append(out.Items, toRepositoryResponse(l))
	}
	return writeJSON(c, out)
}

func (h githubHandlers) unlink(c *fiber.Ctx) error {
	if err := h.svc.Unlink(c.UserContext(), userID(c), param(c, "id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type reviewRequest struct {
	Ref        *string `json:"ref" validate:"omitempty,max=250"`
	PullNumber *int    `json:"pull_number" validate:"omitempty,min=1"`
}

type findingResponse struct {
	Path       string `json:"path"`
	StartLine  int    `json:"start_line"`
	EndLine    int    `json:"end_line"`
	Severity   string `json:"severity"`
	Category   string `json:"category"`
	Message    string `json:"message"`
	Suggestion string `json:"suggestion"`
}

type skippedFileResponse struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

type reviewFailureResponse struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// reviewResponse is a review as lists answer it: without the file lists
// (a large repository's skipped files run into the thousands).
type reviewResponse struct {
	ID                 string                 `json:"id"`
	RepositoryID       string                 `json:"repository_id"`
	Status             string                 `json:"status"`
	Ref                *string                `json:"ref"`
	PullNumber         *int                   `json:"pull_number"`
	CommitSHA          *string                `json:"commit_sha"`
	Summary            *string                `json:"summary"`
	Strengths          []string               `json:"strengths"`
	Findings           []findingResponse      `json:"findings"`
	PracticeTopics     []string               `json:"practice_topics"`
	SuggestedExercises []string               `json:"suggested_exercises"`
	ReviewedCount      int                    `json:"reviewed_count"`
	SkippedCount       int                    `json:"skipped_count"`
	DroppedFindings    int                    `json:"dropped_findings"`
	Redactions         int                    `json:"redactions"`
	Failure            *reviewFailureResponse `json:"failure"`
	CreatedAt          string                 `json:"created_at"`
	StartedAt          *string                `json:"started_at"`
	CompletedAt        *string                `json:"completed_at"`
}

// fullReviewResponse is a whole review, its file lists included.
type fullReviewResponse struct {
	reviewResponse
	ReviewedFiles []string              `json:"reviewed_files"`
	SkippedFiles  []skippedFileResponse `json:"skipped_files"`
}

func toFullReviewResponse(r review.Review) fullReviewResponse {
	out := fullReviewResponse{reviewResponse: toReviewResponse(r), ReviewedFiles: orEmpty(r.Result.ReviewedFiles),
		SkippedFiles: make([]skippedFileResponse, 0, len(r.Result.Skipped))}
	for _, s := range r.Result.Skipped {
		out.SkippedFiles = append(out.SkippedFiles, skippedFileResponse{Path: s.Path, Reason: string(s.Reason)})
	}
	return out
}

func toReviewResponse(r review.Review) reviewResponse {
	res := r.Result
	out := reviewResponse{ID: r.ID, RepositoryID: r.LinkID, Status: string(r.Status), Ref: nullable(r.Ref),
		CommitSHA: nullable(r.CommitSHA), Strengths: orEmpty(res.Strengths), Findings: make([]findingResponse, 0, len(res.Findings)),
		PracticeTopics: orEmpty(res.Topics), SuggestedExercises: orEmpty(res.SuggestedExercises),
		ReviewedCount: len(res.ReviewedFiles), SkippedCount: len(res.Skipped), DroppedFindings: res.DroppedFindings,
		Redactions: res.Redactions, CreatedAt: rfc3339(r.CreatedAt), StartedAt: rfc3339Ptr(r.StartedAt),
		CompletedAt: rfc3339Ptr(r.CompletedAt)}
	if r.PullNumber != 0 {
		n := r.PullNumber
		out.PullNumber = &n
	}
	if r.Status == review.StatusCompleted {
		out.Summary = &res.Summary
	}
	for _, f := range res.Findings {
		out.Findings = append(out.Findings, findingResponse{Path: f.Path, StartLine: f.StartLine, EndLine: f.EndLine,
			Severity: string(f.Severity), Category: string(f.Category), Message: f.Message, Suggestion: f.Suggestion})
	}
	if r.Status == review.StatusFailed {
		out.Failure = &reviewFailureResponse{Code: r.FailureCode, Message: r.FailureReason}
	}
	return out
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type reviewListResponse struct {
	Items      []reviewResponse `json:"items"`
	NextCursor *string          `json:"next_cursor"`
}

func (h githubHandlers) requestReview(c *fiber.Ctx) error {
	var in reviewRequest
	if len(c.Body()) > 0 {
		if err := bindJSON(c, &in); err != nil {
			return err
		}
	}
	req := reviews.RequestInput{UserID: userID(c), LinkID: param(c, "id")}
	if in.Ref != nil {
		req.Ref = *in.Ref
	}
	if in.PullNumber != nil {
		req.PullNumber = *in.PullNumber
	}
	r, _, err := h.svc.RequestReview(c.UserContext(), req)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, BasePath+"/github/repositories/"+r.LinkID+"/reviews/"+r.ID)
	c.Status(fiber.StatusAccepted)
	return writeJSON(c, toFullReviewResponse(r))
}

func (h githubHandlers) listReviews(c *fiber.Ctx) error {
	p, err := page(c)
	if err != nil {
		return err
	}
	items, next, err := h.svc.ListReviews(c.UserContext(), userID(c), param(c, "id"), p)
	if err != nil {
		return err
	}
	out := reviewListResponse{Items: make([]reviewResponse, 0, len(items)), NextCursor: nullable(next)}
	for _, r := range items {
		out.Items = append(out.Items, toReviewResponse(r))
	}
	return writeJSON(c, out)
}

func (h githubHandlers) getReview(c *fiber.Ctx) error {
	r, err := h.svc.GetReview(c.UserContext(), userID(c), param(c, "id"), param(c, "review_id"))
	if err != nil {
		return err
	}
	return writeJSON(c, toFullReviewResponse(r))
}
