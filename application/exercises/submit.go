package exercises

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

// SubmitInput is one submission.
type SubmitInput struct {
	LearnerID  string
	ExerciseID string
	Code       string
	Language   string // optional: defaults to the exercise's
}

// SubmissionView is a graded submission and what it changed.
type SubmissionView struct {
	Submission      exercise.Submission
	Attempt         *exercise.Attempt
	XPAwarded       int
	NewAchievements []string
}

// Submit grades the learner's code in the sandbox, outside any
// transaction, then stores the submission, moves the attempt and, for a
// first pass, completes it with its XP and achievements, in one
// transaction.
func (s *Service) Submit(ctx context.Context, in SubmitInput) (SubmissionView, error) {
	if len(in.Code) > s.cfg.MaxCodeBytes {
		return SubmissionView{}, domain.NewPublicError(domain.ErrTooLarge, "payload_too_large",
			fmt.Sprintf("the code is larger than the limit of %d bytes", s.cfg.MaxCodeBytes))
	}
	if strings.TrimSpace(in.Code) == "" {
		return SubmissionView{}, domain.NewValidationError("code", "is required")
	}
	e, err := s.visible(ctx, in.LearnerID, in.ExerciseID)
	if err != nil {
		return SubmissionView{}, err
	}
	if in.Language != "" {
		l, err := language.Parse(in.Language)
		if err != nil {
			return SubmissionView{}, err
		}
		if !l.Equal(e.Language()) {
			return SubmissionView{}, domain.NewValidationError("language", "must be the exercise's language ("+e.Language().String()+")")
		}
	}
	loc, err := s.location(ctx, in.LearnerID)
	if err != nil {
		return SubmissionView{}, err
	}
	done, err := s.grading(ctx, in.LearnerID)
	if err != nil {
		return SubmissionView{}, err
	}
	grading := s.run(ctx, e, in.Code)
	done()
	// The learner may have left; what was graded is stored all the same.
	ctx = context.WithoutCancel(ctx)
	return s.record(ctx, e, in, grading, loc)
}

func (s *Service) record(ctx context.Context, e *exercise.Exercise, in SubmitInput, g exercise.Grading, loc *time.Location) (SubmissionView, error) {
	defer s.views.forget(in.LearnerID)
	var out SubmissionView
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		a, err := s.attempt(ctx, in.LearnerID, e.ID())
		if err != nil {
			return err
		}
		sub := exercise.Submission{ID: s.IDs.NewID(), AttemptID: a.ID(), LearnerID: in.LearnerID, ExerciseID: e.ID(),
			Code: in.Code, Grading: g, HintsUsed: a.HintsUsed(), CreatedAt: s.Clock.Now().UTC()}
		completed := false
		a, err = s.Attempts.Update(ctx, in.LearnerID, e.ID(), func(a *exercise.Attempt) error {
			a.RecordSubmission(sub.ID, g.Verdict, sub.CreatedAt)
			if g.Verdict == exercise.Passed {
				xp, newly, err := a.Complete(e.Difficulty(), sub.CreatedAt)
				if err != nil {
					return err
				}
				out.XPAwarded, completed = xp, newly
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("update attempt: %w", err)
		}
		if err := s.Submissions.Create(ctx, sub); err != nil {
			return fmt.Errorf("store submission: %w", err)
		}
		if completed {
			if out.NewAchievements, err = s.award(ctx, in.LearnerID, loc); err != nil {
				return err
			}
		}
		out.Submission, out.Attempt = sub, a
		return nil
	})
	if err != nil {
		return SubmissionView{}, err
	}
	return out, nil
}
