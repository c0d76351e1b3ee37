package exercises

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/learner"
)

// DailyView is the learner's exercise of the day.
type DailyView struct {
	Day string // the learner's local date
	ExerciseView
}

var errNothingLeft = domain.NewPublicError(domain.ErrNotFound, "not_found",
	"no exercise is available for you today: you have solved everything recently; generate one with POST /exercises/generate")

// Daily returns today's exercise, choosing and persisting it on the first
// call of the learner's local day: every later call, on any instance,
// answers the same one.
func (s *Service) Daily(ctx context.Context, learnerID string) (DailyView, error) {
	loc, err := s.location(ctx, learnerID)
	if err != nil {
		return DailyView{}, err
	}
	day := exercise.LocalDate(s.Clock.Now(), loc)
	if v, ok := s.views.get(learnerID, day); ok {
		return v, nil
	}
	id, err := s.Assignments.Get(ctx, learnerID, day)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		choice, err := s.choose(ctx, learnerID, day, nil)
		if err != nil {
			return DailyView{}, err
		}
		// Two first calls racing: the unique (learner, day) key keeps one.
		if id, err = s.Assignments.Claim(ctx, learnerID, day, choice, s.Clock.Now()); err != nil {
			return DailyView{}, fmt.Errorf("claim daily exercise: %w", err)
		}
	case err != nil:
		return DailyView{}, fmt.Errorf("load daily exercise: %w", err)
	}
	v, err := s.Get(ctx, learnerID, id)
	if err != nil {
		return DailyView{}, err
	}
	if v.Attempt == nil {
		if v.Attempt, err = s.attempt(ctx, learnerID, id); err != nil {
			return DailyView{}, err
		}
	}
	out := DailyView{Day: day, ExerciseView: v}
	s.views.put(learnerID, out)
	return out, nil
}

// choose runs the daily policy for the learner.
func (s *Service) choose(ctx context.Context, learnerID, day string, exclude []string) (string, error) {
	prefs := learner.DefaultPreferences()
	p, err := s.Profiles.Get(ctx, learnerID)
	switch {
	case err == nil:
		prefs = p.Preferences()
	case !errors.Is(err, domain.ErrNotFound):
		return "", fmt.Errorf("load profile: %w", err)
	}
	history, err := s.Attempts.Records(ctx, learnerID, time.Time{})
	if err != nil {
		return "", fmt.Errorf("load attempts: %w", err)
	}
	candidates, err := s.Exercises.Candidates(ctx, learnerID)
	if err != nil {
		return "", fmt.Errorf("load candidates: %w", err)
	}
	c, ok := exercise.ChooseDaily(exercise.DailyInput{LearnerID: learnerID, Day: day, Languages: prefs.Languages,
		Start: startDifficulty(prefs.SkillLevel), History: history, Candidates: candidates, Exclude: exclude,
		Now: s.Clock.Now()})
	if !ok {
		return "", errNothingLeft
	}
	return c.Exercise.ID, nil
}

func startDifficulty(l learner.SkillLevel) exercise.Difficulty {
	switch {
	case l.Equal(learner.Advanced):
		return exercise.Hard
	case l.Equal(learner.Intermediate):
		return exercise.Medium
	}
	return exercise.Easy
}
