// Package testenv gives integration tests real Postgres and Redis: the
// servers named by TEST_DATABASE_URL / TEST_REDIS_URL when set, else
// containers started with testcontainers-go. Every test gets its own
// database (a copy of a migrated template) or its own Redis key prefix, so
// test packages run in parallel without seeing each other's data.
package testenv

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	tcpostgres "github.com/testcontainers/testcontainers-go/modules/postgres"

	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/migrations"
)

var (
	adminOnce sync.Once
	adminURL  string
	adminErr  error
)

// postgresAdminURL is a URL to a database from which test databases are
// created: TEST_DATABASE_URL, or a container started once per test binary.
func postgresAdminURL() (string, error) {
	adminOnce.Do(func() {
		if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
			adminURL = u
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		c, err := tcpostgres.Run(ctx, "postgres:16-alpine",
			tcpostgres.WithDatabase("postgres"), tcpostgres.WithUsername("postgres"),
			tcpostgres.WithPassword("postgres"), tcpostgres.BasicWaitStrategies())
		if err != nil {
			adminErr = fmt.Errorf("TEST_DATABASE_URL is not set and no Postgres container could start (is Docker running?): %w", err)
			return
		}
		// The container lives until the test binary exits; Ryuk reaps it.
		adminURL, adminErr = c.ConnectionString(ctx, "sslmode=disable")
	})
	return adminURL, adminErr
}

// migrationsHash names the template after the migrations' content, so a
// changed migration builds a new template instead of reusing a stale one.
func migrationsHash() (string, error) {
	h := sha256.New()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	h.Write([]byte(postgres.GoMigrationsTag))
	for _, n := range names {
		b, err := fs.ReadFile(migrations.FS, n)
		if err != nil {
			return "", err
		}
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

func withDatabase(raw, db string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + db
	return u.String()
}

// ensureTemplate builds the migrated template database once across every
// test process: a Postgres advisory lock serialises the builders, and the
// is_template flag marks a template as complete.
func ensureTemplate(ctx context.Context, admin *pgx.Conn, base string) (string, error) {
	hash, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "cm_tpl_" + hash
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(hashtext('codementor-test-template'))"); err != nil {
		return "", err
	}
	defer admin.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext('codementor-test-template'))") //nolint:errcheck

	var isTemplate *bool
	err = admin.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&isTemplate)
	switch {
	case err == nil && isTemplate != nil && *isTemplate:
		return name, nil
	case err == nil:
		// A builder died half-way: start over.
		if _, err := admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return "", err
		}
	case err != pgx.ErrNoRows:
		return "", err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", err
	}
	pool, cleanup, err := postgres.NewPool(ctx, postgres.Options{URL: withDatabase(base, name), MaxConns: 2})
	if err != nil {
		return "", err
	}
	m, closeM, err := postgres.NewMigrator(pool, migrations.FS)
	if err == nil {
		err = m.Up(ctx, discard{})
		closeM()
	}
	cleanup()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH is_template true ALLOW_CONNECTIONS false"); err != nil {
		return "", err
	}
	return name, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// EmptyPostgresURL creates a database with no schema at all (for testing
// migrations themselves); it is dropped when the test ends.
func EmptyPostgresURL(t testing.TB) string {
	t.Helper()
	return createDatabase(t, "")
}

// PostgresURL creates a fresh, fully migrated database for this test and
// returns its URL; the database is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base, err := postgresAdminURL()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("testenv: connect to TEST_DATABASE_URL: %v", err)
	}
	defer admin.Close(context.Background())
	tpl, err := ensureTemplate(ctx, admin, base)
	if err != nil {
		t.Fatalf("testenv: template database: %v", err)
	}
	return createDatabase(t, tpl)
}

// createDatabase makes a database for this test, copied from template when
// one is named, and drops it when the test ends.
func createDatabase(t testing.TB, template string) string {
	t.Helper()
	base, err := postgresAdminURL()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("testenv: connect to TEST_DATABASE_URL: %v", err)
	}
	defer admin.Close(context.Background())
	name := "cm_test_" + randomSuffix()
	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		stmt += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if _, err := admin.Exec(ctx, stmt); err != nil {
		t.Fatalf("testenv: create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("testenv: drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("testenv: drop %s: %v", name, err)
		}
	})
	return withDatabase(base, name)
}

// Postgres returns a pool on a fresh, migrated database for this test.
func Postgres(t testing.TB) *pgxpool.Pool {
	t.Helper()
	return PoolFor(t, PostgresURL(t))
}

// PoolFor opens a pool on a database URL that testenv made; it closes when
// the test ends.
func PoolFor(t testing.TB, url string) *pgxpool.Pool {
	t.Helper()
	pool, cleanup, err := postgres.NewPool(context.Background(), postgres.Options{URL: url, MaxConns: 4})
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(cleanup)
	return pool
}
