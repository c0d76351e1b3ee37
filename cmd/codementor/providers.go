package main

import (
	"fmt"
	"io"
	"io/fs"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	httpadapter "github.com/codementor/codementor/adapters/http"
	"github.com/codementor/codementor/adapters/logsink"
	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/adapters/redis"
	"github.com/codementor/codementor/adapters/river"
	"github.com/codementor/codementor/application/account"
	"github.com/codementor/codementor/application/ai"
	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/application/health"
	"github.com/codementor/codementor/application/reviews"
	"github.com/codementor/codementor/application/tutor"
	"github.com/codementor/codementor/cmd/codementor/config"
	"github.com/codementor/codementor/migrations"
	"github.com/codementor/codementor/ports"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Server is everything `serve` runs.
type Server struct {
	App       *fiber.App
	Migrator  *postgres.Migrator
	Exercises ports.ExerciseRepository
	Jobs      *river.Queue
	Reviews   *reviews.Service
	Tutor     *tutor.Service
	Config    *config.Config
	Logger    *slog.Logger
}

// newLogger builds the structured logger; its cleanup flushes buffered lines.
func newLogger(cfg *config.Config, w io.Writer) (*slog.Logger, func()) {
	cleanup := func() {}
	if cfg.LogFlushInterval > 0 {
		b := logsink.NewBuffered(w, 64<<10, cfg.LogFlushInterval)
		w, cleanup = b, func() { _ = b.Close() }
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts)), cleanup
	}
	return slog.New(slog.NewJSONHandler(w, opts)), cleanup
}

func postgresOptions(cfg *config.Config) postgres.Options {
	return postgres.Options{
		URL: cfg.DatabaseURL.Reveal(), MaxConns: cfg.DBMaxConns, MinConns: cfg.DBMinConns,
		ConnectTimeout: cfg.DBConnectTimeout, MaxConnLifetime: cfg.DBMaxConnLifetime, MaxConnIdleTime: cfg.DBMaxConnIdleTime,
	}
}

func redisOptions(cfg *config.Config) redis.Options {
	return redis.Options{URL: cfg.RedisURL.Reveal(), PoolSize: cfg.RedisPoolSize, DialTimeout: cfg.RedisDialTimeout, KeyPrefix: cfg.RedisKeyPrefix}
}

func httpOptions(cfg *config.Config) httpadapter.Options {
	return httpadapter.Options{
		BodyLimit: cfg.HTTPBodyLimit, RequestTimeout: cfg.HTTPRequestTimeout,
		ReadTimeout: cfg.HTTPReadTimeout, WriteTimeout: cfg.HTTPWriteTimeout, IdleTimeout: cfg.HTTPIdleTimeout,
		CORSOrigins: cfg.CORSOrigins, CORSCredentials: cfg.CORSCredentials,
		CookieSecure: cfg.CookieSecure, FrontendURL: cfg.FrontendURL, TrustedProxies: cfg.TrustedProxies,
		SSEHeartbeat: cfg.SSEHeartbeat,
	}
}

func migrationsFS() fs.FS { return migrations.FS }

func pingers(pg *postgres.Pinger, rd *redis.Pinger) []ports.Pinger {
	return []ports.Pinger{pg, rd}
}

// components lists the optional integrations readiness reports. Later
// features replace "not configured" with what is configured.
func components(llmProviders map[string]ports.LLMProvider, runner ports.CodeRunner, reviewWorkers int) []health.Component {
	jobs := "river (queues only)"
	if reviewWorkers > 0 {
		jobs = fmt.Sprintf("river (%d review workers)", reviewWorkers)
	}
	return []health.Component{
		llmComponent(llmProviders),
		{Name: "code_runner", Status: runner.Name()},
		{Name: "job_queue", Status: jobs},
	}
}

func healthService(p []ports.Pinger, cfg *config.Config, clock ports.Clock, llmProviders map[string]ports.LLMProvider,
	runner ports.CodeRunner) (*health.Service, error) {
	return health.NewService(p, components(llmProviders, runner, cfg.ReviewWorkers), cfg.ReadinessTimeout, clock, version)
}

func httpDeps(h *health.Service, a *account.Service, aiSvc *ai.Service, ex *exercises.Service, tu *tutor.Service,
	rv *reviews.Service, tokens ports.TokenIssuer, log *slog.Logger) httpadapter.Deps {
	return httpadapter.Deps{Health: h, Accounts: a, AI: aiSvc, Exercises: ex, Tutor: tu, Reviews: rv, Tokens: tokens, Logger: log}
}

func newApp(opts httpadapter.Options, deps httpadapter.Deps) (*fiber.App, error) {
	return httpadapter.NewApp(opts, deps)
}
