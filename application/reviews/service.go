// Package reviews holds the GitHub integration's use cases: the learner's
// GitHub connection, linked repositories, and LLM code reviews that run as
// background jobs (RunReview is the job's body).
package reviews

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
)

// AI is what reviews need of the metered LLM gateway (application/ai).
type AI interface {
	Configured() bool
	Complete(ctx context.Context, req llm.Request) (llm.Response, error)
}

// Connector starts the flow that connects GitHub to a signed-in learner
// (application/account).
type Connector interface {
	ProviderConfigured(name string) bool
	StartConnect(ctx context.Context, provider, userID string, scopes []string) (string, error)
}

// Config are the use cases' settings.
type Config struct {
	// ConnectURL is where a connect ticket is redeemed: the API's
	// /auth/oauth/github start route, absolute (PUBLIC_URL + path).
	ConnectURL string
	// PerDay bounds the reviews a learner may ask for per UTC day.
	PerDay int
	// MaxFileBytes: larger files are skipped (too_large) unread.
	MaxFileBytes int64
	// ChunkTokens and MaxChunks bound what is sent to the model: a
	// repository too large for one call is reviewed in up to MaxChunks
	// calls of ChunkTokens prompt tokens each, then merged.
	ChunkTokens int
	MaxChunks   int
	// MaxFindings bounds a review's findings.
	MaxFindings int
	// RecentPaths is how many recently changed paths rank files.
	RecentPaths int
	// AnswerTokens bounds each chunk's answer.
	AnswerTokens int
}

// DefaultConfig is what production uses unless configured otherwise.
func DefaultConfig() Config {
	return Config{PerDay: 10, MaxFileBytes: 200 << 10, ChunkTokens: 24000, MaxChunks: 4, MaxFindings: 30,
		RecentPaths: 200, AnswerTokens: 4096}
}

// Deps are the ports the use cases need.
type Deps struct {
	Links      ports.RepoLinkRepository
	Reviews    ports.ReviewRepository
	Queue      ports.JobQueue
	Tx         ports.TxManager
	GitHub     ports.GitHub
	Identities ports.LinkedIdentityRepository
	Box        ports.SecretBox
	Profiles   ports.ProfileRepository
	Exercises  ports.ExerciseRepository
	AI         AI
	Tokens     ports.TokenCounter
	Connector  Connector
	Clock      ports.Clock
	IDs        ports.IDGenerator
	Log        *slog.Logger
}

// Service implements the GitHub use cases, one file each.
type Service struct {
	Deps
	cfg Config
}

// NewService checks its dependencies and settings.
func NewService(d Deps, cfg Config) (*Service, error) {
	for name, v := range map[string]any{"Links": d.Links, "Reviews": d.Reviews, "Queue": d.Queue, "Tx": d.Tx,
		"GitHub": d.GitHub, "Identities": d.Identities, "Box": d.Box, "Profiles": d.Profiles,
		"Exercises": d.Exercises, "AI": d.AI, "Tokens": d.Tokens, "Connector": d.Connector, "Clock": d.Clock,
		"IDs": d.IDs} {
		if v == nil {
			return nil, fmt.Errorf("reviews: %s is required", name)
		}
	}
	def := DefaultConfig()
	if cfg.PerDay < 0 {
		return nil, errors.New("reviews: PerDay must not be negative")
	}
	if cfg.MaxFileBytes <= 0 {
		cfg.MaxFileBytes = def.MaxFileBytes
	}
	if cfg.ChunkTokens <= 0 {
		cfg.ChunkTokens = def.ChunkTokens
	}
	if cfg.MaxChunks <= 0 {
		cfg.MaxChunks = def.MaxChunks
	}
	if cfg.MaxFindings <= 0 {
		cfg.MaxFindings = def.MaxFindings
	}
	if cfg.RecentPaths <= 0 {
		cfg.RecentPaths = def.RecentPaths
	}
	if cfg.AnswerTokens <= 0 {
		cfg.AnswerTokens = def.AnswerTokens
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{Deps: d, cfg: cfg}, nil
}

// Errors written for the learner.
var (
	ErrNotConnected = domain.NewPublicError(domain.ErrConflict, "github_not_connected",
		"connect your GitHub account first (GET /github/connect gives the link)")
	ErrReauthorize = domain.NewPublicError(domain.ErrConflict, "github_reauthorization_required",
		"GitHub no longer accepts CodeMentor's access to your account: connect GitHub again")
	ErrRepoNotFound = domain.NewPublicError(domain.ErrNotFound, "repository_not_found",
		"no such repository, or your GitHub connection cannot read it (private repositories need the private scope)")
	ErrAlreadyLinked = domain.NewPublicError(domain.ErrConflict, "already_linked",
		"this repository is already linked to your account")
	ErrGitHubUnavailable = domain.NewPublicError(domain.ErrUnavailable, "github_unavailable",
		"GitHub cannot be reached right now; try again in a minute")
)

// token is the learner's GitHub OAuth token.
func (s *Service) token(ctx context.Context, userID string) (string, error) {
	links, err := s.Identities.ListForUser(ctx, userID)
	if err != nil {
		return "", fmt.Errorf("github token: %w", err)
	}
	for _, l := range links {
		if l.Provider != "github" {
			continue
		}
		if l.AccessTokenSealed == "" {
			return "", review.ErrReauthorize
		}
		tok, err := s.Box.Open(l.AccessTokenSealed)
		if err != nil {
			// A rotated-away key or a damaged value: the learner must
			// connect again, nothing else can recover it.
			s.Log.Warn("github token cannot be opened", "user_id", userID, "error", err)
			return "", review.ErrReauthorize
		}
		return string(tok), nil
	}
	return "", review.ErrNotConnected
}

// forgetToken drops a token GitHub refused, so the connection reports
// that it needs authorising again.
func (s *Service) forgetToken(ctx context.Context, userID string) {
	links, err := s.Identities.ListForUser(ctx, userID)
	if err != nil {
		s.Log.Warn("forget github token", "user_id", userID, "error", err)
		return
	}
	for _, l := range links {
		if l.Provider == "github" && l.AccessTokenSealed != "" {
			l.AccessTokenSealed = ""
			l.UpdatedAt = s.Clock.Now()
			if err := s.Identities.Upsert(ctx, l); err != nil {
				s.Log.Warn("forget github token", "user_id", userID, "error", err)
			}
		}
	}
}

// publicGitHubError turns a GitHub port error met while serving a request
// into what the learner should read.
func (s *Service) publicGitHubError(ctx context.Context, userID string, err error) error {
	var rl *review.RateLimitedError
	switch {
	case errors.Is(err, review.ErrNotConnected):
		return ErrNotConnected
	case errors.Is(err, review.ErrReauthorize):
		s.forgetToken(ctx, userID)
		return ErrReauthorize
	case errors.As(err, &rl):
		wait := max(rl.RetryAt.Sub(s.Clock.Now()), time.Second)
		return &domain.RateLimitedError{RetryAfter: wait, Reason: "GitHub's rate limit for your account is spent; try again when it resets", Public: true}
	case errors.Is(err, domain.ErrUnavailable):
		return ErrGitHubUnavailable
	}
	return err
}
