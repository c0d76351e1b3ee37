package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/codementor/codementor/adapters/catalog"
	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/adapters/runner/local"
	"github.com/codementor/codementor/adapters/runner/piston"
	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/application/tutor"
	"github.com/codementor/codementor/cmd/codementor/config"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/ports"
)

// Catalog is what `catalog sync` needs.
type Catalog struct {
	Migrator  *postgres.Migrator
	Exercises ports.ExerciseRepository
}

// codeRunner builds the configured sandbox.
func codeRunner(cfg *config.Config) (ports.CodeRunner, error) {
	switch cfg.CodeRunner {
	case "piston":
		return pistonRunner(cfg)
	default:
		r, err := local.New(local.Config{BwrapPath: cfg.SandboxBwrap, PythonPath: cfg.SandboxPython, NodePath: cfg.SandboxNode,
			GoRoot: cfg.SandboxGoRoot, GoStdDir: cfg.SandboxCacheDir, UIDBase: cfg.SandboxUIDBase,
			MaxConcurrent: cfg.GradingWorkers})
		if err != nil {
			return nil, fmt.Errorf("CODE_RUNNER=local: %w (install bubblewrap, python3 and nodejs, or set CODE_RUNNER=piston)", err)
		}
		return r, nil
	}
}

func sandboxLimits(cfg *config.Config) exercise.Limits {
	l := exercise.DefaultLimits()
	l.CPUTime, l.WallTime = cfg.SandboxCPUTime, cfg.SandboxWallTime
	l.MemoryBytes = int64(cfg.SandboxMemoryMB) << 20
	l.Processes, l.FileBytes, l.OutputBytes = cfg.SandboxProcesses, cfg.SandboxFileBytes, cfg.SandboxOutputBytes
	return l
}

func exercisesConfig(cfg *config.Config) exercises.Config {
	c := exercises.DefaultConfig()
	c.Limits = sandboxLimits(cfg)
	c.GradingWorkers, c.GradingQueue = cfg.GradingWorkers, cfg.GradingQueue
	c.MaxLLMHints, c.GeneratePerDay = cfg.LLMHintsMax, cfg.GeneratePerDay
	c.ViewCacheTTL = cfg.DailyCacheTTL
	return c
}

// syncCatalog stores the embedded catalogue (idempotent).
func syncCatalog(ctx context.Context, repo ports.ExerciseRepository, log *slog.Logger) error {
	exs, err := catalog.Curated(time.Now().UTC())
	if err != nil {
		return fmt.Errorf("load the embedded catalogue: %w", err)
	}
	r, err := repo.SyncCatalog(ctx, exs)
	if err != nil {
		return fmt.Errorf("sync the catalogue: %w", err)
	}
	log.Info("catalogue synced", slog.Int("exercises", len(exs)), slog.Int("created", r.Created),
		slog.Int("updated", r.Updated), slog.Int("unchanged", r.Unchanged))
	return nil
}

// pistonRunner grades on a Piston engine's HTTP API.
func pistonRunner(cfg *config.Config) (ports.CodeRunner, error) {
	auth := cfg.PistonToken.Reveal()
	c, err := piston.New(piston.Config{BaseURL: cfg.PistonURL, Authorization: auth, Timeout: cfg.PistonTimeout})
	if err != nil {
		return nil, fmt.Errorf("CODE_RUNNER=piston: %w", err)
	}
	return c, nil
}

func tutorConfig(cfg *config.Config) tutor.Config {
	c := tutor.DefaultConfig()
	c.Budget.ContextTokens, c.Budget.ReserveForAnswer = cfg.ChatContextTokens, cfg.ChatMaxAnswerTokens+200
	c.MaxAnswerTokens, c.MessagesPerMinute, c.MaxConcurrent = cfg.ChatMaxAnswerTokens, cfg.ChatMessagesPerMinute, cfg.ChatMaxConcurrent
	c.StreamTTL, c.Grace, c.MaxGeneration = cfg.ChatStreamTTL, cfg.ChatStreamGrace, cfg.ChatMaxGeneration
	return c
}
