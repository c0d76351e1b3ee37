package exercises

import (
	"context"
	"errors"
	"fmt"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
)

// CompleteView is the attempt after a complete, with what it earned now
// (nothing when it was completed already).
type CompleteView struct {
	Attempt         *exercise.Attempt
	XPAwarded       int
	NewAchievements []string
}

// Complete marks the exercise solved: it needs a passing submission (409
// otherwise) and is idempotent. A passing submission completes the
// attempt by itself, so this mostly confirms.
func (s *Service) Complete(ctx context.Context, learnerID, exerciseID string) (CompleteView, error) {
	e, err := s.visible(ctx, learnerID, exerciseID)
	if err != nil {
		return CompleteView{}, err
	}
	loc, err := s.location(ctx, learnerID)
	if err != nil {
		return CompleteView{}, err
	}
	defer s.views.forget(learnerID)
	var out CompleteView
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if _, err := s.attempt(ctx, learnerID, e.ID()); err != nil {
			return err
		}
		newly := false
		a, err := s.Attempts.Update(ctx, learnerID, e.ID(), func(a *exercise.Attempt) error {
			xp, n, err := a.Complete(e.Difficulty(), s.Clock.Now())
			out.XPAwarded, newly = xp, n
			return err
		})
		if err != nil {
			return fmt.Errorf("complete attempt: %w", err)
		}
		out.Attempt = a
		if newly {
			out.NewAchievements, err = s.award(ctx, learnerID, loc)
		}
		return err
	})
	if err != nil {
		return CompleteView{}, err
	}
	return out, nil
}

// SkipView is the skipped attempt and, when it was the day's exercise,
// the one that replaces it.
type SkipView struct {
	Attempt   *exercise.Attempt
	NextDaily string // the new exercise of the day's id, or ""
}

// Skip gives an exercise up (a completed one cannot be: 409). Skipping
// the day's exercise lets the daily policy move on to another.
func (s *Service) Skip(ctx context.Context, learnerID, exerciseID string) (SkipView, error) {
	e, err := s.visible(ctx, learnerID, exerciseID)
	if err != nil {
		return SkipView{}, err
	}
	if _, err := s.attempt(ctx, learnerID, e.ID()); err != nil {
		return SkipView{}, err
	}
	defer s.views.forget(learnerID)
	a, err := s.Attempts.Update(ctx, learnerID, e.ID(), func(a *exercise.Attempt) error { return a.Skip(s.Clock.Now()) })
	if err != nil {
		return SkipView{}, fmt.Errorf("skip attempt: %w", err)
	}
	out := SkipView{Attempt: a}
	loc, err := s.location(ctx, learnerID)
	if err != nil {
		return SkipView{}, err
	}
	day := exercise.LocalDate(s.Clock.Now(), loc)
	current, err := s.Assignments.Get(ctx, learnerID, day)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && current != e.ID()) {
		return out, nil
	}
	if err != nil {
		return SkipView{}, fmt.Errorf("load daily exercise: %w", err)
	}
	next, err := s.choose(ctx, learnerID, day, []string{e.ID()})
	if errors.Is(err, domain.ErrNotFound) {
		return out, nil // nothing else to offer today: the skipped one stays the day's
	}
	if err != nil {
		return SkipView{}, err
	}
	if out.NextDaily, err = s.Assignments.Reassign(ctx, learnerID, day, e.ID(), next, s.Clock.Now()); err != nil {
		return SkipView{}, fmt.Errorf("reassign daily exercise: %w", err)
	}
	return out, nil
}
