// Package e2e drives the real codementor binary as an operator would:
// migrate, serve, probe over HTTP, stop with a signal.
package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	assert.Contains(t, run("migrate", "up"), "applied 00002_identity.sql")
	assert.NotContains(t, run("migrate", "status"), "pending")
	assert.Contains(t, run("migrate", "down"), "rolled back 00002_identity.sql")
	assert.Contains(t, run("migrate", "status"), "pending")
}

// TestServeMigratesAnswersAndStopsCleanly starts the server on a fresh
// database, checks that migrations ran and readiness sees both
// dependencies, then stops it with SIGTERM: exit code 0.
func TestServeMigratesAnswersAndStopsCleanly(t *testing.T) {
	t.Parallel()
	dbURL := testenv.EmptyPostgresURL(t)
	cmd := exec.Command(binary(t), "serve")
	cmd.Env = environ("DATABASE_URL="+dbURL, "REDIS_URL="+testenv.RedisURL(t),
		"REDIS_KEY_PREFIX="+testenv.RedisPrefix(t), "HTTP_ADDR=127.0.0.1:0", "LOG_FORMAT=json")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = cmd.Stdout
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	lines := make(chan map[string]any, 100)
	var logs strings.Builder
	var logsMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			logsMu.Lock()
			logs.WriteString(sc.Text() + "\n")
			logsMu.Unlock()
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil {
				lines <- rec
			}
		}
		close(lines)
	}()

	var addr string
	deadline := time.After(30 * time.Second)
	for addr == "" {
		select {
		case rec, ok := <-lines:
			require.True(t, ok, "server exited early")
			if rec["msg"] == "listening" {
				addr = rec["addr"].(string)
				assert.Contains(t, rec["docs"], "/docs")
			}
		case <-deadline:
			t.Fatal("server did not start listening")
		}
	}
	base := "http://" + addr

	res, err := http.Get(base + "/api/v1/health/ready")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, string(body))
	assert.Contains(t, string(body), `"postgres":{"status":"up"`)
	assert.Contains(t, string(body), `"redis":{"status":"up"`)

	res, err = http.Get(base + "/docs")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusOK, res.StatusCode)

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	done := make(chan error, 1)
	go func() {
		for range lines {
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		require.NoError(t, err, "exit code 0 after SIGTERM")
	case <-time.After(25 * time.Second):
		t.Fatal("server did not stop after SIGTERM")
	}
	logsMu.Lock()
	all := logs.String()
	logsMu.Unlock()
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
