// Package exercises holds the exercise use cases: browsing the catalogue,
// the daily exercise, grading submissions in the sandbox, hints, complete
// and skip, history, progress and achievements, and generated exercises.
package exercises

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/ports"
)

// AI is what the use cases need of the metered LLM gateway
// (application/ai.Service).
type AI interface {
	Configured() bool
	Complete(ctx context.Context, req llm.Request) (llm.Response, error)
}

// Config are the use cases' settings.
type Config struct {
	// Limits bound every sandboxed run.
	Limits exercise.Limits
	// GradingWorkers is how many runs this instance grades at once;
	// GradingQueue how many more may wait for a worker before submissions
	// are refused with 429.
	GradingWorkers int
	GradingQueue   int
	// MaxCodeBytes bounds a submission's code (413 above).
	MaxCodeBytes int
	// MaxLLMHints is how many model-written hints follow the authored ones.
	MaxLLMHints int
	// GeneratePerDay bounds generated exercises per learner per local day.
	GeneratePerDay int
	// ViewCacheTTL keeps each learner's daily view in memory this long
	// (this instance's own writes drop it at once); 0 turns it off.
	ViewCacheTTL time.Duration
}

// DefaultConfig is what production uses unless configured otherwise.
func DefaultConfig() Config {
	return Config{Limits: exercise.DefaultLimits(), GradingWorkers: 2, GradingQueue: 16, MaxCodeBytes: 64 << 10,
		MaxLLMHints: 3, GeneratePerDay: 5, ViewCacheTTL: 2 * time.Second}
}

// Deps are the ports the use cases need.
type Deps struct {
	Exercises   ports.ExerciseRepository
	Attempts    ports.AttemptRepository
	Assignments ports.DailyRepository
	Submissions ports.SubmissionRepository
	Awards      ports.AchievementRepository
	Users       ports.UserRepository
	Profiles    ports.ProfileRepository
	Tx          ports.TxManager
	Runner      ports.CodeRunner
	Locker      ports.Locker
	AI          AI
	Clock       ports.Clock
	IDs         ports.IDGenerator
	Log         *slog.Logger
}

// Service implements the exercise use cases, one file each.
type Service struct {
	Deps
	cfg   Config
	gate  *gate
	local *learnerLocks
	views *viewCache
}

// NewService checks its dependencies and settings.
func NewService(d Deps, cfg Config) (*Service, error) {
	required := map[string]any{
		"Exercises": d.Exercises, "Attempts": d.Attempts, "Assignments": d.Assignments, "Submissions": d.Submissions,
		"Awards": d.Awards, "Users": d.Users, "Profiles": d.Profiles, "Tx": d.Tx, "Runner": d.Runner,
		"Locker": d.Locker, "AI": d.AI, "Clock": d.Clock, "IDs": d.IDs,
	}
	for name, v := range required {
		if v == nil {
			return nil, fmt.Errorf("exercises: %s is required", name)
		}
	}
	if cfg.GradingWorkers < 1 || cfg.GradingQueue < 0 || cfg.MaxCodeBytes < 1 || cfg.GeneratePerDay < 0 || cfg.MaxLLMHints < 0 {
		return nil, errors.New("exercises: GradingWorkers and MaxCodeBytes must be positive, the rest not negative")
	}
	if cfg.ViewCacheTTL < 0 {
		return nil, errors.New("exercises: ViewCacheTTL must not be negative")
	}
	if cfg.Limits.WallTime <= 0 || cfg.Limits.CPUTime <= 0 || cfg.Limits.MemoryBytes <= 0 {
		return nil, errors.New("exercises: sandbox limits must be positive")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{Deps: d, cfg: cfg, gate: newGate(cfg.GradingWorkers, cfg.GradingQueue), local: newLearnerLocks(),
		views: newViewCache(cfg.ViewCacheTTL, 100_000, d.Clock.Now)}, nil
}

// visible loads an exercise the learner may see; anything else (unknown,
// malformed id, someone else's private exercise) is not found.
func (s *Service) visible(ctx context.Context, learnerID, exerciseID string) (*exercise.Exercise, error) {
	e, err := s.Exercises.Get(ctx, exerciseID)
	if err != nil {
		return nil, fmt.Errorf("load exercise: %w", err)
	}
	if !e.VisibleTo(learnerID) {
		return nil, fmt.Errorf("load exercise: %w", domain.ErrNotFound)
	}
	return e, nil
}

// location is the learner's time zone.
func (s *Service) location(ctx context.Context, learnerID string) (*time.Location, error) {
	u, err := s.Users.GetByID(ctx, learnerID)
	if err != nil {
		return nil, fmt.Errorf("load learner: %w", err)
	}
	loc, err := time.LoadLocation(u.Snapshot().Timezone)
	if err != nil {
		return time.UTC, nil //nolint:nilerr // a zone the system no longer knows counts as UTC
	}
	return loc, nil
}

// attempt returns the learner's attempt at the exercise, creating it.
func (s *Service) attempt(ctx context.Context, learnerID, exerciseID string) (*exercise.Attempt, error) {
	a, err := s.Attempts.Ensure(ctx, exercise.NewAttempt(s.IDs.NewID(), learnerID, exerciseID, s.Clock.Now()))
	if err != nil {
		return nil, fmt.Errorf("ensure attempt: %w", err)
	}
	return a, nil
}

// award evaluates achievements after a change in the same transaction
// (ctx carries it) and stores the newly earned ones.
func (s *Service) award(ctx context.Context, learnerID string, loc *time.Location) ([]string, error) {
	recs, err := s.Attempts.Records(ctx, learnerID, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("load attempts: %w", err)
	}
	generated, err := s.Exercises.CountGenerated(ctx, learnerID, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("count generated: %w", err)
	}
	now := s.Clock.Now()
	stats := exercise.Stats{Progress: exercise.ComputeProgress(recs, loc, now), GeneratedExercises: generated}
	newly, err := s.Awards.Award(ctx, learnerID, exercise.Earned(stats), now)
	if err != nil {
		return nil, fmt.Errorf("award achievements: %w", err)
	}
	return newly, nil
}
