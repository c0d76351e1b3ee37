package piston_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/runner/local"
	"github.com/codementor/codementor/adapters/runner/piston"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/test/fakes/pistonserver"
)

// The fake Piston really executes what it is sent, in the local runner's
// sandbox: tests that need it skip without bwrap, unless
// CODEMENTOR_REQUIRE_SANDBOX=1 (CI), where they fail. The failure modes
// need no sandbox.

var (
	runnerOnce sync.Once
	runner     *local.Runner
	runnerErr  error
)

func sandbox(t *testing.T) *local.Runner {
	t.Helper()
	if _, err := os.Stat("/usr/bin/bwrap"); err != nil {
		if os.Getenv("CODEMENTOR_REQUIRE_SANDBOX") == "1" {
			t.Fatal("bubblewrap (/usr/bin/bwrap) is missing and CODEMENTOR_REQUIRE_SANDBOX=1: run scripts/sandbox-deps.sh")
		}
		t.Skip("bubblewrap (/usr/bin/bwrap) is not installed: the fake Piston runs code in its sandbox")
	}
	runnerOnce.Do(func() {
		// Its own uids: other packages' sandbox tests may run at once.
		runner, runnerErr = local.New(local.Config{UIDBase: 510000})
		if runnerErr == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			runnerErr = runner.Prepare(ctx)
			cancel()
		}
	})
	require.NoError(t, runnerErr)
	return runner
}

func newClient(t *testing.T, srv *pistonserver.Server, mod func(*piston.Config)) *piston.Client {
	t.Helper()
	cfg := piston.Config{BaseURL: srv.URL(), Authorization: "Bearer test-key", MaxRetryWait: time.Second}
	if mod != nil {
		mod(&cfg)
	}
	c, err := piston.New(cfg)
	require.NoError(t, err)
	return c
}

func call(name, args string) exercise.RunInput {
	return exercise.RunInput{Name: name, Args: json.RawMessage(args)}
}

func spec(lang language.Language, code string, tests ...exercise.RunInput) exercise.RunSpec {
	return exercise.RunSpec{Language: lang, Code: code, Entry: "add", Tests: tests,
		Limits: exercise.Limits{CPUTime: time.Second, WallTime: 3 * time.Second, MemoryBytes: 256 << 20}}
}

var solutions = map[language.Language]struct{ pass, wrong, bad, badMsg string }{
	language.Python: {
		"def add(a, b):\n    print('adding')\n    return a + b\n", "def add(a, b):\n    return a * b\n",
		"def add(a, b)\n    return a\n", "SyntaxError",
	},
	language.JavaScript: {
		"function add(a, b) { console.log('adding'); return a + b }\n", "const add = (a, b) => a * b\n",
		"function add(a, b) { return a + }\n", "SyntaxError",
	},
	language.Go: {
		"package main\n\nimport \"fmt\"\n\nfunc add(a, b int) int {\n\tfmt.Println(\"adding\")\n\treturn a + b\n}\n",
		"package main\n\nfunc add(a, b int) int { return a * b }\n",
		"package main\n\nfunc add(a, b int) int {\n\treturn a + c\n}\n", "solution.go:4:13: undefined: c",
	},
}

func TestRunOnPiston(t *testing.T) {
	t.Parallel()
	r := sandbox(t)
	srv := pistonserver.New(t, pistonserver.Config{Runner: r})
	c := newClient(t, srv, nil)
	t.Run("languages", func(t *testing.T) { runEachLanguage(t, c) })
	reqs := srv.Requests()
	require.NotEmpty(t, reqs)
	for _, req := range reqs {
		assert.Equal(t, "Bearer test-key", req.Header.Get("Authorization"))
		assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	}
	first := reqs[0].Body
	assert.Equal(t, int64(3000), *first.RunTimeout, "milliseconds")
	assert.Equal(t, int64(1000), *first.RunCPUTime)
	assert.Equal(t, int64(256<<20), *first.RunMemoryLimit, "bytes")
	assert.Equal(t, int64(10000), *first.CompileTimeout)
}

func runEachLanguage(t *testing.T, c *piston.Client) {
	for _, lang := range language.All() {
		sol := solutions[lang]
		t.Run(lang.String(), func(t *testing.T) {
			t.Parallel()
			tests := []exercise.RunInput{call("a", "[2, 3]"), call("b", "[4, 4]")}

			rr, err := c.Run(context.Background(), spec(lang, sol.pass, tests...))
			require.NoError(t, err)
			require.Equal(t, exercise.RunCompleted, rr.Status, "%+v", rr)
			assert.JSONEq(t, "5", string(rr.Tests[0].Actual))
			assert.JSONEq(t, "8", string(rr.Tests[1].Actual))
			assert.Equal(t, "adding\n", rr.Tests[0].Stdout)

			rr, err = c.Run(context.Background(), spec(lang, sol.wrong, tests...))
			require.NoError(t, err)
			require.Equal(t, exercise.RunCompleted, rr.Status)
			assert.JSONEq(t, "6", string(rr.Tests[0].Actual), "a wrong answer is reported as returned")

			rr, err = c.Run(context.Background(), spec(lang, sol.bad, tests...))
			require.NoError(t, err)
			assert.Equal(t, exercise.RunCompileError, rr.Status, "%+v", rr)
			assert.Contains(t, rr.CompileOutput, sol.badMsg)
			assert.Equal(t, exercise.TestNotRun, rr.Tests[0].Status)
		})
	}
}

func TestRunSendsTheHarnessAndTheRuntimeVersions(t *testing.T) {
	t.Parallel()
	srv := pistonserver.New(t, pistonserver.Config{})
	c := newClient(t, srv, func(cfg *piston.Config) {
		cfg.Runtimes = map[language.Language]piston.Runtime{language.Python: {Language: "python", Version: "3.12.0"}}
	})
	srv.FailNext(pistonserver.ServerError, 2)
	_, _ = c.Run(context.Background(), spec(language.Python, solutions[language.Python].pass, call("a", "[1, 2]")))
	_, _ = c.Run(context.Background(), spec(language.Go, solutions[language.Go].pass, call("a", "[1, 2]")))
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "3.12.0", reqs[0].Body.Version, "configured")
	assert.Equal(t, "1.16.2", reqs[1].Body.Version, "default")
	require.Len(t, reqs[0].Body.Files, 2)
	assert.Equal(t, "harness.py", reqs[0].Body.Files[0].Name, "the file Piston runs comes first")
	assert.Equal(t, solutions[language.Python].pass, reqs[0].Body.Files[1].Content)
	var names []string
	for _, f := range reqs[1].Body.Files {
		names = append(names, f.Name)
	}
	assert.Equal(t, []string{"harness.go", "solution.go", "cm_config.go"}, names, "Go goes as separate files")
}

func TestTimeoutKeepsTheTestsThatFinished(t *testing.T) {
	t.Parallel()
	srv := pistonserver.New(t, pistonserver.Config{Runner: sandbox(t)})
	c := newClient(t, srv, nil)
	code := "def add(a, b):\n    if a < 0:\n        print('spinning')\n        while True:\n            pass\n    return a + b\n"
	rr, err := c.Run(context.Background(), spec(language.Python, code, call("a", "[1, 1]"), call("b", "[-1, 0]")))
	require.NoError(t, err)
	assert.Equal(t, exercise.RunTimeout, rr.Status, "%+v", rr)
	assert.JSONEq(t, "2", string(rr.Tests[0].Actual))
	assert.Equal(t, exercise.TestNotRun, rr.Tests[1].Status)
	assert.Equal(t, "spinning\n", rr.Tests[1].Stdout)
}

func TestEngineOutputLimit(t *testing.T) {
	t.Parallel()
	srv := pistonserver.New(t, pistonserver.Config{Runner: sandbox(t), OutputMaxSize: 4096})
	c := newClient(t, srv, nil)
	code := "def add(a, b):\n    while True:\n        print('x' * 100)\n"
	rr, err := c.Run(context.Background(), spec(language.Python, code, call("a", "[1, 1]")))
	require.NoError(t, err)
	assert.Equal(t, exercise.RunOutputLimit, rr.Status, "%+v", rr)
}

func TestCompileStageFailure(t *testing.T) {
	t.Parallel()
	srv := pistonserver.New(t, pistonserver.Config{})
	c := newClient(t, srv, nil)
	srv.FailNext(pistonserver.CompileFailure, 1)
	rr, err := c.Run(context.Background(), spec(language.Python, "def add(a, b): return 1\n", call("a", "[1, 1]")))
	require.NoError(t, err)
	assert.Equal(t, exercise.RunCompileError, rr.Status)
	assert.Contains(t, rr.CompileOutput, "the fake compiler refuses this")
}

func TestRetriesOnceOnRateLimitAndUnavailable(t *testing.T) {
	t.Parallel()
	for _, fault := range []pistonserver.Fault{pistonserver.RateLimited, pistonserver.Unavailable} {
		srv := pistonserver.New(t, pistonserver.Config{})
		c := newClient(t, srv, nil)
		// Retried once after Retry-After, then the fake answers (compile
		// failure: an answer that needs no sandbox).
		srv.FailNext(fault, 1)
		srv.FailNext(pistonserver.CompileFailure, 1)
		start := time.Now()
		rr, err := c.Run(context.Background(), spec(language.Python, "x", call("a", "[]")))
		require.NoError(t, err)
		assert.Equal(t, exercise.RunCompileError, rr.Status)
		assert.GreaterOrEqual(t, time.Since(start), time.Second, "Retry-After: 1 was honoured")
		assert.Len(t, srv.Requests(), 2)

		// Twice in a row is an error.
		srv.SetRetryAfter("0")
		srv.FailNext(fault, 2)
		_, err = c.Run(context.Background(), spec(language.Python, "x", call("a", "[]")))
		var perr *piston.Error
		require.ErrorAs(t, err, &perr)
		assert.Contains(t, []int{429, 503}, perr.StatusCode)
		assert.Len(t, srv.Requests(), 4)

		// A Retry-After beyond the cap is not waited for.
		srv.SetRetryAfter("120")
		srv.FailNext(fault, 1)
		start = time.Now()
		_, err = c.Run(context.Background(), spec(language.Python, "x", call("a", "[]")))
		require.ErrorAs(t, err, &perr)
		assert.Less(t, time.Since(start), time.Second)
		assert.Len(t, srv.Requests(), 5)
	}
}

func TestEngineFailuresAreErrors(t *testing.T) {
	t.Parallel()
	srv := pistonserver.New(t, pistonserver.Config{})
	c := newClient(t, srv, nil)
	s := spec(language.Python, "def add(a, b): return a\n", call("a", "[1, 1]"))

	srv.FailNext(pistonserver.ServerError, 1)
	_, err := c.Run(context.Background(), s)
	var perr *piston.Error
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, 500, perr.StatusCode)
	assert.Len(t, srv.Requests(), 1, "a 500 is not retried")

	srv.FailNext(pistonserver.Malformed, 1)
	_, err = c.Run(context.Background(), s)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "malformed")

	// An unknown runtime is the engine's 400, with its message.
	c2 := newClient(t, srv, func(cfg *piston.Config) {
		cfg.Runtimes = map[language.Language]piston.Runtime{language.Python: {Language: "python", Version: "2.7.0"}}
	})
	_, err = c2.Run(context.Background(), s)
	require.ErrorAs(t, err, &perr)
	assert.Equal(t, 400, perr.StatusCode)
	assert.Equal(t, "python-2.7.0 runtime is unknown", perr.Message)
}

func TestSlowEngineTimesOut(t *testing.T) {
	t.Parallel()
	srv := pistonserver.New(t, pistonserver.Config{})
	c := newClient(t, srv, func(cfg *piston.Config) { cfg.Timeout = 300 * time.Millisecond })
	srv.FailNext(pistonserver.Slow, 1)
	start := time.Now()
	_, err := c.Run(context.Background(), spec(language.Python, "x", call("a", "[]")))
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "%v", err)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestContextCancelAborts(t *testing.T) {
	t.Parallel()
	srv := pistonserver.New(t, pistonserver.Config{})
	c := newClient(t, srv, nil)
	srv.FailNext(pistonserver.Slow, 1)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Run(ctx, spec(language.Python, "x", call("a", "[]")))
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestRejectedGoImportNeverLeaves(t *testing.T) {
	t.Parallel()
	srv := pistonserver.New(t, pistonserver.Config{})
	c := newClient(t, srv, nil)
	rr, err := c.Run(context.Background(), spec(language.Go, "package main\n\nimport \"net\"\n\nvar _ = net.IPv4len\n\nfunc add() int { return 1 }\n", call("a", "[]")))
	require.NoError(t, err)
	assert.Equal(t, exercise.RunCompileError, rr.Status)
	assert.Empty(t, srv.Requests())
}

func TestCheckListsRuntimes(t *testing.T) {
	t.Parallel()
	srv := pistonserver.New(t, pistonserver.Config{})
	c := newClient(t, srv, nil)
	require.NoError(t, c.Check(context.Background()))
	c2 := newClient(t, srv, func(cfg *piston.Config) {
		cfg.Runtimes = map[language.Language]piston.Runtime{language.Go: {Language: "go", Version: "1.99.0"}}
	})
	assert.Error(t, c2.Check(context.Background()))
	assert.Equal(t, "piston", c.Name())
	_, err := piston.New(piston.Config{BaseURL: "piston:2000"})
	assert.Error(t, err)
}
