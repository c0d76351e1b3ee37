package reviews

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/domain/learner"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
)

// Failure codes a review can end with, each with a reason the learner
// understands.
const (
	FailReauthorize   = "github_reauthorization_required"
	FailNotConnected  = "github_not_connected"
	FailRepoGone      = "repository_gone"
	FailRefNotFound   = "ref_not_found"
	FailPullNotFound  = "pull_request_not_found"
	FailQuota         = "quota_exceeded"
	FailAIUnavailable = "ai_unavailable"
	FailAIRefused     = "ai_refused"
	FailAIInvalid     = "ai_invalid_answer"
	FailUnavailable   = "github_unavailable"
	FailInternal      = "internal"
	FailTimeout       = "timeout"
)

// RunReview is a review job's body. It answers nil when the review ended
// (completed, failed with a reason, or gone with its link), a
// *review.RateLimitedError to be run again after GitHub's reset, and any
// other error to be retried with backoff; on the final attempt a
// transient failure is recorded as the review's failure instead.
func (s *Service) RunReview(ctx context.Context, reviewID string, final bool) error {
	r, err := s.Reviews.GetByID(ctx, reviewID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil // deleted with its repository link
	}
	if err != nil {
		return fmt.Errorf("load review: %w", err)
	}
	if !r.Status.Active() {
		return nil // a duplicate delivery of a finished job
	}
	link, err := s.Links.GetByID(ctx, r.LinkID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load link: %w", err)
	}
	res, err := s.run(ctx, &r, link)
	if err == nil {
		_, err = s.Reviews.Update(ctx, r.ID, func(cur *review.Review) error {
			return cur.Complete(res, s.Clock.Now())
		})
		if endedElsewhere(err) {
			return nil
		}
		return err
	}
	if errors.Is(err, errEnded) {
		return nil
	}
	return s.settleFailure(ctx, r, link, err, final)
}

// errEnded: the review ended while this run worked (deleted with its
// link, or finished by a duplicate delivery); nothing is left to do.
var errEnded = errors.New("the review ended elsewhere")

// endedElsewhere says whether a review's update failed because the review
// is gone or no longer active.
func endedElsewhere(err error) bool {
	return errors.Is(err, domain.ErrInvalidTransition) || errors.Is(err, domain.ErrNotFound)
}

// settleFailure decides what a failed run means: wait, retry, or a
// failure recorded for the learner.
func (s *Service) settleFailure(ctx context.Context, r review.Review, link review.RepoLink, err error, final bool) error {
	var rl *review.RateLimitedError
	var quota *domain.QuotaExceededError
	var lerr *llm.Error
	var f *failure
	code, reason := "", ""
	switch {
	case errors.As(err, &rl):
		return err
	case ctx.Err() != nil && !(final && errors.Is(ctx.Err(), context.DeadlineExceeded)):
		// Shutdown (River runs the job again) or a timed-out attempt that
		// is not the last (retried).
		return err
	case ctx.Err() != nil:
		// The last attempt ran out of REVIEW_JOB_TIMEOUT: record it, on a
		// context of its own, or the review would stay pending forever.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		code, reason = FailTimeout, "The review took too long and was stopped; a smaller pull request or ref may work better."
	case errors.As(err, &f):
		code, reason = f.code, f.reason
	case errors.Is(err, review.ErrNotConnected):
		code, reason = FailNotConnected, "No GitHub account is connected: connect GitHub, then ask for the review again."
	case errors.Is(err, review.ErrReauthorize):
		s.forgetToken(ctx, r.OwnerID)
		code, reason = FailReauthorize, "GitHub no longer accepts CodeMentor's access to your account: connect GitHub again, then ask for the review again."
	case errors.As(err, &quota):
		code, reason = FailQuota, fmt.Sprintf("Your daily AI budget is used up; it renews at %s UTC.", quota.ResetAt.UTC().Format("15:04"))
	case errors.As(err, &lerr) && lerr.Kind == llm.ErrNotConfigured:
		code, reason = FailAIUnavailable, "Code reviews need an AI provider, and none is configured on this server."
	case errors.As(err, &lerr) && lerr.Kind == llm.ErrContentFiltered:
		code, reason = FailAIRefused, "The AI provider refused to review this code (its content filter); nothing was reviewed."
	case errors.As(err, &lerr) && (lerr.Kind == llm.ErrContextTooLong || lerr.Kind == llm.ErrInvalidRequest):
		s.Log.Error("review request refused by the model", "review_id", r.ID, "error", err)
		code, reason = FailInternal, "The review could not be completed because of an error on our side; please ask for it again."
	case !final:
		s.Log.Warn("review run failed; it will be retried", "review_id", r.ID, "error", err)
		return err
	case errors.Is(err, review.ErrMalformedAnswer):
		code, reason = FailAIInvalid, "The AI reviewer's answers did not follow the review format, even after several tries; please ask for the review again."
	case errors.As(err, &lerr):
		code, reason = FailAIUnavailable, "The AI reviewer could not be reached after several tries; please ask for the review again later."
	case errors.Is(err, domain.ErrUnavailable):
		code, reason = FailUnavailable, "GitHub could not be reached after several tries; please ask for the review again later."
	default:
		s.Log.Error("review failed", "review_id", r.ID, "error", err)
		code, reason = FailInternal, "The review could not be completed because of an error on our side; please ask for it again."
	}
	if code == FailRepoGone {
		if err := s.Links.SetStatus(ctx, link.ID, review.LinkBroken, reason, s.Clock.Now()); err != nil {
			s.Log.Warn("mark link broken", "link_id", link.ID, "error", err)
		}
	}
	_, uerr := s.Reviews.Update(ctx, r.ID, func(cur *review.Review) error {
		return cur.Fail(code, reason, s.Clock.Now())
	})
	if uerr != nil && !errors.Is(uerr, domain.ErrInvalidTransition) && !errors.Is(uerr, domain.ErrNotFound) {
		return fmt.Errorf("record review failure: %w", uerr)
	}
	return nil
}

// failure is a run's end that is the learner's to know, not to retry.
type failure struct{ code, reason string }

func (f *failure) Error() string { return f.code + ": " + f.reason }

// run resolves the commit, gathers and packs the files, asks the model
// for each chunk, checks every answer against the files sent and merges
// them.
func (s *Service) run(ctx context.Context, r *review.Review, link review.RepoLink) (review.Result, error) {
	tok, err := s.token(ctx, r.OwnerID)
	if err != nil {
		return review.Result{}, err
	}
	target := review.Target{FullName: link.FullName, Ref: r.Ref, PullNumber: r.PullNumber}
	var pull ports.GitHubPull
	if r.PullNumber != 0 {
		pull, err = s.GitHub.Pull(ctx, tok, link.Owner(), link.Name(), r.PullNumber)
		if errors.Is(err, domain.ErrNotFound) {
			return review.Result{}, s.notFound(ctx, tok, link, FailPullNotFound,
				fmt.Sprintf("Pull request #%d does not exist in %s.", r.PullNumber, link.FullName))
		}
		if err != nil {
			return review.Result{}, err
		}
		target.CommitSHA = pull.HeadSHA
	} else {
		if target.Ref == "" {
			target.Ref = link.DefaultBranch
		}
		target.CommitSHA, err = s.GitHub.ResolveRef(ctx, tok, link.Owner(), link.Name(), r.Ref)
		if errors.Is(err, domain.ErrNotFound) {
			return review.Result{}, s.notFound(ctx, tok, link, FailRefNotFound,
				fmt.Sprintf("The branch, tag or commit %q does not exist in %s.", displayRef(r.Ref, link), link.FullName))
		}
		if err != nil {
			return review.Result{}, err
		}
	}
	started, err := s.Reviews.Update(ctx, r.ID, func(cur *review.Review) error {
		return cur.Start(target.CommitSHA, s.Clock.Now())
	})
	if endedElsewhere(err) {
		return review.Result{}, errEnded
	}
	if err != nil {
		return review.Result{}, fmt.Errorf("start review: %w", err)
	}
	*r = started

	prefs := learner.DefaultPreferences()
	if p, err := s.Profiles.Get(ctx, r.OwnerID); err == nil {
		prefs = p.Preferences()
	}
	nonce := newNonce()
	var g gathered
	if r.PullNumber != 0 {
		g, err = s.gatherPull(ctx, tok, link, target, nonce, prefs.Languages)
	} else {
		g, err = s.gatherTree(ctx, tok, link, target, nonce, prefs.Languages)
	}
	if err != nil {
		return review.Result{}, err
	}
	chunks := g.packer.Chunks()
	answers := make([]review.Answer, 0, len(chunks))
	system := review.SystemPrompt(prefs.SkillLevel, prefs.Languages, s.cfg.MaxFindings)
	for i, c := range chunks {
		a, err := s.reviewChunk(ctx, r.OwnerID, system, review.ChunkPrompt(target, nonce, i+1, len(chunks), c.Files))
		if err != nil {
			return review.Result{}, err
		}
		answers = append(answers, review.CheckAnswer(a, c.Lines(), s.cfg.MaxFindings))
	}
	res := review.Result{Summary: "There were no source files to review: every file was skipped (see the list)."}
	if len(answers) > 0 {
		res = review.Merge(answers, s.cfg.MaxFindings)
	}
	for _, c := range chunks {
		for _, f := range c.Files {
			res.ReviewedFiles = append(res.ReviewedFiles, f.Path)
		}
	}
	res.Skipped = g.skipped
	res.Redactions = g.redactions
	res.SuggestedExercises = s.suggest(ctx, r.OwnerID, res.Topics, prefs.Languages)
	return res, nil
}

// notFound tells a missing ref or pull request from a repository that is
// gone (or no longer readable), which breaks the link.
func (s *Service) notFound(ctx context.Context, tok string, link review.RepoLink, code, reason string) error {
	_, err := s.GitHub.Repository(ctx, tok, link.Owner(), link.Name())
	if errors.Is(err, domain.ErrNotFound) {
		return &failure{code: FailRepoGone, reason: fmt.Sprintf(
			"%s no longer exists on GitHub, or your GitHub connection can no longer read it; link it again once it is back.", link.FullName)}
	}
	if err != nil {
		return err
	}
	return &failure{code: code, reason: reason}
}

func displayRef(ref string, link review.RepoLink) string {
	if ref == "" {
		return link.DefaultBranch
	}
	return ref
}

// reviewChunk asks the model for one chunk's review; an answer that is
// not the schema's JSON is asked for once more.
func (s *Service) reviewChunk(ctx context.Context, ownerID, system, prompt string) (review.Answer, error) {
	schema := review.AnswerSchema()
	req := llm.Request{Purpose: llm.PurposeReview, LearnerID: ownerID, System: system,
		Messages: []llm.Message{{Role: llm.RoleUser, Content: prompt}}, MaxTokens: s.cfg.AnswerTokens, Schema: &schema}
	var lastErr error
	for range 2 {
		resp, err := s.AI.Complete(ctx, req)
		if err != nil {
			return review.Answer{}, err
		}
		a, err := review.ParseAnswer(resp.Text)
		if err == nil {
			return a, nil
		}
		lastErr = err
		s.Log.Warn("review answer did not follow the schema; asking again", "error", err)
	}
	return review.Answer{}, fmt.Errorf("review answer: %w", lastErr)
}

// suggest picks catalogue exercises for the review's practice topics, in
// the learner's languages first: one per topic.
func (s *Service) suggest(ctx context.Context, ownerID string, topics []string, langs []language.Language) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range topics {
		if !exercise.KnownTopic(t) {
			continue
		}
		found := false
		for _, l := range append(append([]language.Language{}, langs...), language.Language{}) {
			f := ports.ExerciseFilter{ViewerID: ownerID, Topic: t, Page: ports.Page{Limit: 5}}
			if !l.IsZero() {
				l := l
				f.Language = &l
			}
			items, _, err := s.Exercises.List(ctx, f)
			if err != nil {
				s.Log.Warn("suggest exercises", "topic", t, "error", err)
				break
			}
			for _, e := range items {
				if !seen[e.ID] {
					seen[e.ID] = true
					out = append(out, e.ID)
					found = true
					break
				}
			}
			if found {
				break
			}
		}
	}
	return out
}

func newNonce() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
