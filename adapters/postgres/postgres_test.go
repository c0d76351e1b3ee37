package postgres_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/postgres"
	"github.com/codementor/codementor/migrations"
	"github.com/codementor/codementor/test/testenv"
)

func TestMigrateUpStatusDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, cleanup, err := postgres.NewPool(ctx, postgres.Options{URL: testenv.EmptyPostgresURL(t), MaxConns: 4})
	require.NoError(t, err)
	defer cleanup()
	m, closeM, err := postgres.NewMigrator(pool, migrations.FS)
	require.NoError(t, err)
	defer closeM()

	pending, err := m.Pending(ctx)
	require.NoError(t, err)
	assert.True(t, pending)

	var out bytes.Buffer
	require.NoError(t, m.Up(ctx, &out))
	assert.Contains(t, out.String(), "applied 00001_users.sql")
	st, err := m.Status(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, st)
	for _, s := range st {
		assert.True(t, s.Applied, s.Source)
	}
	var n int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n))

	// Up again is a no-op; several instances starting at once are safe.
	errs := make(chan error, 3)
	for range 3 {
		go func() { errs <- m.Up(ctx, &bytes.Buffer{}) }()
	}
	for range 3 {
		assert.NoError(t, <-errs)
	}

	// Every migration has a working down step.
	for range st {
		require.NoError(t, m.Down(ctx, &out))
	}
	_, err = pool.Exec(ctx, "SELECT 1 FROM users")
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	assert.Equal(t, "42P01", pgErr.Code, "the users table is gone")
	require.NoError(t, m.Up(ctx, &out), "and up again after down")
}

func TestPingerAndTxManagerOnRealPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := testenv.Postgres(t)
	p := postgres.NewPinger(pool)
	assert.Equal(t, "postgres", p.Name())
	assert.NoError(t, p.Ping(ctx))

	tx := postgres.NewTxManager(pool)
	_, err := pool.Exec(ctx, "CREATE TABLE t (v int PRIMARY KEY DEFERRABLE INITIALLY DEFERRED)")
	require.NoError(t, err)
	// A commit can fail after fn succeeded (here: a deferred unique check);
	// WithinTx must return that error, not swallow it.
	err = tx.WithinTx(ctx, func(ctx context.Context) error {
		_, err := pool.Exec(ctx, "SELECT 1") // outside the tx on purpose: the pool still works
		return err
	})
	require.NoError(t, err)
	err = tx.WithinTx(ctx, func(ctx context.Context) error {
		return postgres.ExecInTx(ctx, pool, "INSERT INTO t VALUES (1), (1)")
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "commit")
	var count int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM t").Scan(&count))
	assert.Zero(t, count)
}

func TestPoolRefusesBadURLsWithoutEchoingThem(t *testing.T) {
	t.Parallel()
	_, _, err := postgres.NewPool(context.Background(), postgres.Options{URL: "postgres://u:hunter2@%zz/db"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	_, _, err = postgres.NewPool(ctx, postgres.Options{URL: "postgres://u:hunter2@127.0.0.1:1/db", ConnectTimeout: time.Second})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
	assert.Less(t, time.Since(start), 4*time.Second)
}
