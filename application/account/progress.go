package account

import (
	"context"

	"github.com/codementor/codementor/domain/language"
)

// Progress is the learner's record. Until exercises are graded there is
// nothing to count, so every figure is its true value: zero.
type Progress struct {
	XP                 int
	Level              int
	CurrentStreak      int
	LongestStreak      int
	SolvedTotal        int
	SolvedByLanguage   map[string]int
	SolvedByDifficulty map[int]int
	HintsUsed          int
	HintRate           float64
}

// Progress returns the caller's progress.
func (s *Service) Progress(ctx context.Context, userID string) (Progress, error) {
	if _, err := s.activeUser(ctx, userID); err != nil {
		return Progress{}, err
	}
	byLang := map[string]int{}
	for _, l := range language.All() {
		byLang[l.String()] = 0
	}
	return Progress{Level: 1, SolvedByLanguage: byLang, SolvedByDifficulty: map[int]int{1: 0, 2: 0, 3: 0}}, nil
}

// Achievement is one earned achievement.
type Achievement struct {
	Code     string
	Name     string
	EarnedAt string
}

// Achievements returns what the caller has earned: nothing until
// exercises are graded.
func (s *Service) Achievements(ctx context.Context, userID string) ([]Achievement, error) {
	if _, err := s.activeUser(ctx, userID); err != nil {
		return nil, err
	}
	return []Achievement{}, nil
}
