package main

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	githubadapter "github.com/codementor/codementor/adapters/github"
	httpadapter "github.com/codementor/codementor/adapters/http"
	"github.com/codementor/codementor/adapters/river"
	"github.com/codementor/codementor/application/reviews"
	"github.com/codementor/codementor/cmd/codementor/config"
)

func githubClient(cfg *config.Config) (*githubadapter.Client, error) {
	return githubadapter.New(githubadapter.Options{BaseURL: cfg.GitHubAPIURL, Timeout: cfg.GitHubTimeout,
		UserAgent: "codementor/" + version})
}

func jobQueue(pool *pgxpool.Pool, cfg *config.Config, log *slog.Logger) (*river.Queue, error) {
	return river.New(pool, river.Options{Workers: cfg.ReviewWorkers, JobTimeout: cfg.ReviewJobTimeout,
		RescueAfter: cfg.ReviewRescueAfter, MaxAttempts: cfg.ReviewMaxAttempts, Log: log})
}

func reviewsConfig(cfg *config.Config) reviews.Config {
	c := reviews.DefaultConfig()
	c.ConnectURL = cfg.BaseURL() + httpadapter.BasePath + "/auth/oauth/github"
	c.PerDay = cfg.ReviewsPerDay
	c.MaxFileBytes = cfg.ReviewMaxFileBytes
	c.ChunkTokens, c.MaxChunks, c.AnswerTokens = cfg.ReviewChunkTokens, cfg.ReviewMaxChunks, cfg.ReviewAnswerTokens
	return c
}
