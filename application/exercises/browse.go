package exercises

import (
	"context"
	"errors"
	"fmt"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/ports"
)

// ExerciseView is an exercise with the learner's attempt at it (nil when
// they have none yet).
type ExerciseView struct {
	Exercise *exercise.Exercise
	Attempt  *exercise.Attempt
}

// Get returns an exercise the learner may see, with their attempt.
func (s *Service) Get(ctx context.Context, learnerID, exerciseID string) (ExerciseView, error) {
	e, err := s.visible(ctx, learnerID, exerciseID)
	if err != nil {
		return ExerciseView{}, err
	}
	a, err := s.Attempts.Get(ctx, learnerID, e.ID())
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return ExerciseView{}, fmt.Errorf("load attempt: %w", err)
	}
	return ExerciseView{Exercise: e, Attempt: a}, nil
}

// List answers a page of the exercises the learner may see.
func (s *Service) List(ctx context.Context, f ports.ExerciseFilter) ([]exercise.Summary, string, error) {
	if f.Topic != "" && !exercise.KnownTopic(f.Topic) {
		return nil, "", domain.NewValidationError("topic", "is not a known topic")
	}
	items, next, err := s.Exercises.List(ctx, f)
	if err != nil {
		return nil, "", fmt.Errorf("list exercises: %w", err)
	}
	return items, next, nil
}
