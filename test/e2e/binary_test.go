// Package e2e drives the real codementor binary as an operator would:
// migrate, serve, probe over HTTP, stop with a signal.
package e2e

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/migrations"
	"github.com/codementor/codementor/test/testenv"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "codementor-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "codementor")
		cmd := exec.Command("go", "build", "-race", "-o", binPath, "../../cmd/codementor")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("build output: %s", out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// testJWTSecret signs access tokens in the servers these tests start.
const testJWTSecret = "e2e-only-jwt-secret-0123456789abcdef-0123456789"

// environ is a minimal environment: nothing of the test process's own but
// PATH and HOME, plus a JWT secret (which kv may override).
func environ(kv ...string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "JWT_SECRET=" + testJWTSecret}
	return append(env, kv...)
}

func TestConfigErrorIsOneLineNamingTheVariable(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "REDIS_URL=redis://127.0.0.1:6379/0", "HTTP_REQUEST_TIMEOUT=soon"}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
	line := strings.TrimSpace(string(out))
	assert.NotContains(t, line, "\n")
	assert.Contains(t, line, "DATABASE_URL: required but not set")
	assert.Contains(t, line, "HTTP_REQUEST_TIMEOUT: malformed value")
	assert.Contains(t, line, "JWT_SECRET: required but not set")
}

func TestUnknownCommandAndUsage(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(binary(t), "frobnicate")
	cmd.Env = environ()
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "unknown command")
	assert.Contains(t, string(out), "migrate up")
}

func TestMigrateCommands(t *testing.T) {
	t.Parallel()
	env := environ("DATABASE_URL="+testenv.EmptyPostgresURL(t), "REDIS_URL="+testenv.RedisURL(t))
	run := func(args ...string) string {
		cmd := exec.Command(binary(t), args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return string(out)
	}
	assert.Contains(t, run("migrate", "status"), "pending")
	names, err := fs.Glob(migrations.FS, "*.sql")
	require.NoError(t, err)
	sort.Strings(names)
	newest := names[len(names)-1]
	up := run("migrate", "up")
	assert.Contains(t, up, "applied "+newest)
	assert.Contains(t, up, "applied 00007_river_jobs (go)", "River's job tables come with the migrations")
	assert.NotContains(t, run("migrate", "status"), "pending")
	// The newest migration is River's (written in Go), then the SQL files.
	assert.Contains(t, run("migrate", "down"), "rolled back 00007_river_jobs (go)")
	assert.Contains(t, run("migrate", "status"), "pending")
	assert.Contains(t, run("migrate", "down"), "rolled back "+newest)
	assert.Contains(t, run("migrate", "up"), "applied 00007_river_jobs (go)", "and up again")
}

// TestServeMigratesAnswersAndStopsCleanly starts the server on a fresh
// database, checks that migrations ran and readiness sees both
// dependencies, then stops it with SIGTERM: exit code 0.
func TestServeMigratesAnswersAndStopsCleanly(t *testing.T) {
	t.Parallel()
	dbURL := testenv.EmptyPostgresURL(t)
	srv := startServer(t, "DATABASE_URL="+dbURL)

	res, err := http.Get(srv.base + "/api/v1/health/ready")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	assert.Contains(t, string(body), `"postgres":{"status":"up"`)
	assert.Contains(t, string(body), `"redis":{"status":"up"`)

	res, err = http.Get(srv.base + "/docs")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)

	require.NoError(t, srv.stop(), "exit code 0 after SIGTERM")
	all := srv.logs()
	assert.Contains(t, all, "applied 00001_users.sql")
	assert.Contains(t, all, "shutdown complete")
	assert.NotContains(t, all, "WARNING: DATA RACE")

	// The migrated schema is really there.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pool := testenv.PoolFor(t, dbURL)
	var n int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n))
}
