//go:build wireinject

package main

import (
	"context"
	"io"

	"github.com/google/wire"

	"github.com/codementor/codementor/adapters/argon2"
	githubadapter "github.com/codementor/codementor/adapters/github"
	"github.com/codementor/codementor/adapters/jwt"
	"github.com/codementor/codementor/adapters/llm/router"
	"github.com/codementor/codementor/adapters/llm/tokenizer"
	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/adapters/redis"
	"github.com/codementor/codementor/adapters/river"
	"github.com/codementor/codementor/adapters/secretbox"
	"github.com/codementor/codementor/adapters/system"
	"github.com/codementor/codementor/application/account"
	"github.com/codementor/codementor/application/ai"
	"github.com/codementor/codementor/application/exercises"
	"github.com/codementor/codementor/application/reviews"
	"github.com/codementor/codementor/application/tutor"
	"github.com/codementor/codementor/cmd/codementor/config"
	"github.com/codementor/codementor/ports"
)

// initServer builds everything `serve` needs. The cleanup closes the pools
// and waits for background work.
func initServer(ctx context.Context, cfg *config.Config, logOut io.Writer) (*Server, func(), error) {
	wire.Build(
		newLogger,
		postgresOptions, postgres.ProviderSet, migrationsFS, postgres.NewMigrator,
		redisOptions, redis.ProviderSet,
		system.ProviderSet,
		pingers, healthService,
		userRepository,
		tokenIssuer, wire.Bind(new(ports.TokenIssuer), new(*jwt.Issuer)),
		passwordHasher, wire.Bind(new(ports.PasswordHasher), new(*argon2.Hasher)),
		mailer, rateLimiter, oauthProviders,
		secretBox, wire.Bind(new(ports.SecretBox), new(*secretbox.Box)),
		background, wire.Bind(new(ports.Background), new(*system.Background)),
		accountConfig, wire.Struct(new(account.Deps), "*"), account.NewService,
		llmProviders, llmRouter, wire.Bind(new(ports.LLM), new(*router.Router)),
		wire.Value(tokenizer.Lazy{}), wire.Bind(new(ports.TokenCounter), new(tokenizer.Lazy)),
		aiConfig, wire.Struct(new(ai.Deps), "*"), ai.NewService,
		codeRunner, exercisesConfig, wire.Bind(new(exercises.AI), new(*ai.Service)),
		wire.Struct(new(exercises.Deps), "*"), exercises.NewService,
		tutorConfig, wire.Bind(new(tutor.AI), new(*ai.Service)), wire.Struct(new(tutor.Deps), "*"), tutor.NewService,
		githubClient, wire.Bind(new(ports.GitHub), new(*githubadapter.Client)),
		jobQueue, wire.Bind(new(ports.JobQueue), new(*river.Queue)),
		reviewsConfig, wire.Bind(new(reviews.AI), new(*ai.Service)), wire.Bind(new(reviews.Connector), new(*account.Service)),
		wire.Struct(new(reviews.Deps), "*"), reviews.NewService,
		httpOptions, httpDeps, newApp,
		wire.Struct(new(Server), "*"),
	)
	return nil, nil, nil
}

// initCatalog builds what `catalog sync` needs: the database and its
// migrations.
func initCatalog(ctx context.Context, cfg *config.Config) (*Catalog, func(), error) {
	wire.Build(postgresOptions, postgres.NewPool, migrationsFS, postgres.NewMigrator,
		postgres.NewExerciseRepository, wire.Bind(new(ports.ExerciseRepository), new(*postgres.ExerciseRepository)),
		wire.Struct(new(Catalog), "*"))
	return nil, nil, nil
}

// initMigrator builds what `migrate` needs: only the database.
func initMigrator(ctx context.Context, cfg *config.Config) (*postgres.Migrator, func(), error) {
	wire.Build(postgresOptions, postgres.NewPool, migrationsFS, postgres.NewMigrator)
	return nil, nil, nil
}
