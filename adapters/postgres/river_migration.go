package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
)

// riverMigrationVersion is the goose version that installs River's job
// tables (background jobs: code reviews). River's own migrator writes
// them, so `codementor migrate`, `serve` and every test database get them
// the same way as the SQL files. It runs outside goose's transaction:
// River applies each of its versions in a transaction of its own (one of
// them adds an enum value that a later statement uses, which Postgres
// allows only once the addition is committed).
const riverMigrationVersion = 7

// riverMigration applies River's migrations up (and removes them down).
func riverMigration() *goose.Migration {
	run := func(dir rivermigrate.Direction, target int) func(ctx context.Context, db *sql.DB) error {
		return func(ctx context.Context, db *sql.DB) error {
			m, err := rivermigrate.New(riverdatabasesql.New(db), nil)
			if err != nil {
				return fmt.Errorf("river migrator: %w", err)
			}
			if _, err := m.Migrate(ctx, dir, &rivermigrate.MigrateOpts{TargetVersion: target}); err != nil {
				return fmt.Errorf("river migrate %s: %w", dir, err)
			}
			return nil
		}
	}
	return goose.NewGoMigration(riverMigrationVersion,
		&goose.GoFunc{RunDB: run(rivermigrate.DirectionUp, 0), Mode: goose.TransactionDisabled},
		&goose.GoFunc{RunDB: run(rivermigrate.DirectionDown, -1), Mode: goose.TransactionDisabled})
}

// GoMigrationsTag names the migrations written in Go (and the River
// release whose schema they install), so that anything fingerprinting the
// schema (the test template databases) changes with them.
const GoMigrationsTag = "7:river-v0.51.2"
