package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrator applies the embedded migrations with goose. A Postgres advisory
// lock makes concurrent starts of several instances safe.
type Migrator struct {
	db       *sql.DB
	provider *goose.Provider
}

// MigrationStatus is one migration's state.
type MigrationStatus struct {
	Version int64
	Source  string
	Applied bool
}

// NewMigrator builds a migrator over the pool for the migrations in fsys.
func NewMigrator(pool *pgxpool.Pool, fsys fs.FS) (*Migrator, func(), error) {
	db := stdlib.OpenDBFromPool(pool)
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("migration locker: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithSessionLocker(locker),
		goose.WithGoMigrations(riverMigration()))
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("migrations: %w", err)
	}
	return &Migrator{db: db, provider: p}, func() { _ = db.Close() }, nil
}

// Up applies every pending migration and reports each one to w.
func (m *Migrator) Up(ctx context.Context, w io.Writer) error {
	res, err := m.provider.Up(ctx)
	for _, r := range res {
		fmt.Fprintf(w, "applied %s in %s\n", sourceName(r.Source), r.Duration)
	}
	if err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	return nil
}

// Down rolls back the newest applied migration.
func (m *Migrator) Down(ctx context.Context, w io.Writer) error {
	r, err := m.provider.Down(ctx)
	if r != nil {
		fmt.Fprintf(w, "rolled back %s in %s\n", sourceName(r.Source), r.Duration)
	}
	if err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// Status lists every migration and whether it is applied.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	st, err := m.provider.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{Version: s.Source.Version, Source: sourceName(s.Source), Applied: s.State == goose.StateApplied})
	}
	return out, nil
}

// Pending reports whether some migration is not yet applied.
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	return m.provider.HasPending(ctx)
}

// sourceName names a migration: its file, or, for one written in Go, its
// name in the same style.
func sourceName(src *goose.Source) string {
	if src == nil {
		return ""
	}
	if src.Path != "" {
		return src.Path
	}
	if src.Version == riverMigrationVersion {
		return fmt.Sprintf("%05d_river_jobs (go)", src.Version)
	}
	return fmt.Sprintf("%05d (go)", src.Version)
}
