package exercises

import (
	"context"
	"fmt"
	"time"

	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/ports"
)

// History answers a page of the learner's attempts with their best
// verdicts, most recent first.
func (s *Service) History(ctx context.Context, learnerID string, p ports.Page) ([]exercise.AttemptRecord, string, error) {
	items, next, err := s.Attempts.History(ctx, learnerID, p)
	if err != nil {
		return nil, "", fmt.Errorf("history: %w", err)
	}
	return items, next, nil
}

// Progress computes the learner's progress in their time zone.
func (s *Service) Progress(ctx context.Context, learnerID string) (exercise.Progress, error) {
	loc, err := s.location(ctx, learnerID)
	if err != nil {
		return exercise.Progress{}, err
	}
	recs, err := s.Attempts.Records(ctx, learnerID, time.Time{})
	if err != nil {
		return exercise.Progress{}, fmt.Errorf("load attempts: %w", err)
	}
	return exercise.ComputeProgress(recs, loc, s.Clock.Now()), nil
}

// AchievementView is one achievement and whether the learner holds it.
type AchievementView struct {
	exercise.AchievementDef
	EarnedAt *time.Time
}

// Achievements lists every achievement, earned ones with their date.
func (s *Service) Achievements(ctx context.Context, learnerID string) ([]AchievementView, error) {
	held, err := s.Awards.List(ctx, learnerID)
	if err != nil {
		return nil, fmt.Errorf("list achievements: %w", err)
	}
	at := map[string]time.Time{}
	for _, h := range held {
		at[h.Code] = h.EarnedAt
	}
	out := make([]AchievementView, 0, len(exercise.Achievements))
	for _, d := range exercise.Achievements {
		v := AchievementView{AchievementDef: d}
		if t, ok := at[d.Code]; ok {
			v.EarnedAt = &t
		}
		out = append(out, v)
	}
	return out, nil
}

// SyncCatalog stores the curated catalogue (idempotent).
func (s *Service) SyncCatalog(ctx context.Context, exs []*exercise.Exercise) (ports.CatalogSyncReport, error) {
	r, err := s.Exercises.SyncCatalog(ctx, exs)
	if err != nil {
		return r, fmt.Errorf("sync catalogue: %w", err)
	}
	return r, nil
}
