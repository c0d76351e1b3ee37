//go:build wireinject

package main

import (
	"context"
	"io"

	"github.com/google/wire"

	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/adapters/redis"
	"github.com/codementor/codementor/adapters/system"
	"github.com/codementor/codementor/cmd/codementor/config"
)

// initServer builds everything `serve` needs. The cleanup closes the pools.
func initServer(ctx context.Context, cfg *config.Config, logOut io.Writer) (*Server, func(), error) {
	wire.Build(
		newLogger,
		postgresOptions, postgres.ProviderSet, migrationsFS, postgres.NewMigrator,
		redisOptions, redis.ProviderSet,
		system.ProviderSet,
		pingers, healthService,
		httpOptions, httpDeps, newApp,
		wire.Struct(new(Server), "*"),
	)
	return nil, nil, nil
}

// initMigrator builds what `migrate` needs: only the database.
func initMigrator(ctx context.Context, cfg *config.Config) (*postgres.Migrator, func(), error) {
	wire.Build(postgresOptions, postgres.NewPool, migrationsFS, postgres.NewMigrator)
	return nil, nil, nil
}
