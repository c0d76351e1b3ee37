package harness_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/runner/harness"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

const mk = "@@cm:0123456789abcdef0123456789abcdef@@"

func program(lang language.Language, tests ...string) *harness.Program {
	return &harness.Program{Language: lang, Marker: mk, TestNames: tests}
}

func rec(json string) string { return mk + json + "\n" }

// feed writes s to w in chunks of n bytes (the pipe may cut anywhere).
func feed(t *testing.T, w interface{ Write([]byte) (int, error) }, s string, n int) {
	t.Helper()
	for len(s) > 0 {
		k := min(n, len(s))
		_, err := w.Write([]byte(s[:k]))
		require.NoError(t, err)
		s = s[k:]
	}
}

var finished = rec(`{"e":"start"}`) + "import-time output " + rec(`{"e":"ready"}`) +
	rec(`{"e":"begin","i":0}`) + rec(`{"e":"out","i":0,"d":"hello\n"}`) +
	rec(`{"e":"end","i":0,"ok":true,"ns":1500,"v":[1,{"a":"b"}]}`) +
	rec(`{"e":"begin","i":1}`) + rec(`{"e":"end","i":1,"ok":false,"ns":20,"err":"ValueError: no"}`) +
	rec(`{"e":"done"}`)

func TestCollectorReadsRecordsCutAnywhere(t *testing.T) {
	t.Parallel()
	for _, chunk := range []int{1, 3, 7, len(mk) - 1, len(mk) + 1, 4096} {
		c := harness.NewCollector(program(language.Python, "a", "b"), 1<<20)
		feed(t, c.Stdout(), finished, chunk)
		rr, err := c.Result(harness.Outcome{ExitCode: 0, Duration: time.Second})
		require.NoError(t, err)
		assert.Equal(t, exercise.RunCompleted, rr.Status, "chunk %d", chunk)
		assert.Equal(t, "import-time output ", rr.Stdout, "chunk %d", chunk)
		assert.Equal(t, exercise.TestOutput{Name: "a", Status: exercise.TestReturned, Actual: []byte(`[1,{"a":"b"}]`),
			Stdout: "hello\n", Duration: 1500}, rr.Tests[0])
		assert.Equal(t, exercise.TestOutput{Name: "b", Status: exercise.TestRaised, Error: "ValueError: no", Duration: 20}, rr.Tests[1])
		assert.Equal(t, time.Second, rr.Duration)
	}
}

func TestCollectorIgnoresForgeriesAndRepeats(t *testing.T) {
	t.Parallel()
	c := harness.NewCollector(program(language.Python, "a"), 1<<20)
	other := "@@cm:ffffffffffffffffffffffffffffffff@@"
	feed(t, c.Stdout(), rec(`{"e":"start"}`)+other+`{"e":"compile","msg":"x"}`+"\n"+
		rec(`{"e":"begin","i":0}`)+rec(`{"e":"end","i":0,"ok":true,"v":1}`)+
		rec(`{"e":"end","i":0,"ok":true,"v":2}`)+ // a forked child's, say: the first wins
		rec(`{"e":"end","i":7,"ok":true,"v":2}`)+rec(`not json`)+rec(`{"e":"done"}`), 5)
	rr, err := c.Result(harness.Outcome{})
	require.NoError(t, err)
	assert.Equal(t, exercise.RunCompleted, rr.Status)
	assert.Equal(t, `1`, string(rr.Tests[0].Actual))
	assert.Contains(t, rr.Stdout, `{"e":"compile","msg":"x"}`)
}

func TestCollectorOutputLimitCountsWhatTheProgramPrinted(t *testing.T) {
	t.Parallel()
	c := harness.NewCollector(program(language.Python, "a"), 100)
	// Results do not count: a big answer is fine.
	feed(t, c.Stdout(), rec(`{"e":"start"}`)+rec(`{"e":"begin","i":0}`)+
		rec(`{"e":"end","i":0,"ok":true,"v":"`+strings.Repeat("x", 500)+`"}`), 64)
	assert.False(t, c.Exceeded())
	// The tail of plain output waits for more (it could start a marker);
	// it counts once it is known to be output.
	_, err := c.Stdout().Write([]byte(strings.Repeat("p", 80)))
	require.NoError(t, err)
	_, err = c.Stderr().Write([]byte(strings.Repeat("e", 60)))
	assert.True(t, errors.Is(err, harness.ErrOutputLimit))
	assert.True(t, c.Exceeded())
	rr, err := c.Result(harness.Outcome{Signal: "SIGKILL"})
	require.NoError(t, err)
	assert.Equal(t, exercise.RunOutputLimit, rr.Status)
	assert.Contains(t, rr.Detail, "more than 100 bytes")
	assert.Equal(t, exercise.TestReturned, rr.Tests[0].Status)
}

func TestCollectorKeepsAFewKBOfEachTestsOutput(t *testing.T) {
	t.Parallel()
	c := harness.NewCollector(program(language.Python, "a"), 1<<20)
	feed(t, c.Stdout(), rec(`{"e":"start"}`)+rec(`{"e":"begin","i":0}`), 4096)
	for range 10 {
		feed(t, c.Stdout(), rec(`{"e":"out","i":0,"d":"`+strings.Repeat("o", 1000)+`"}`), 4096)
	}
	rr, err := c.Result(harness.Outcome{TimedOut: true, TimeDetail: "wall time limit of 1s"})
	require.NoError(t, err)
	assert.Equal(t, exercise.RunTimeout, rr.Status)
	assert.Equal(t, "wall time limit of 1s during test a", rr.Detail)
	assert.Equal(t, exercise.TestNotRun, rr.Tests[0].Status)
	assert.True(t, strings.HasSuffix(rr.Tests[0].Stdout, "[output truncated]"))
	assert.Len(t, strings.TrimSuffix(rr.Tests[0].Stdout, "\n[output truncated]"), harness.TestStdoutBytes)
}

func TestCollectorResult(t *testing.T) {
	t.Parallel()
	started := rec(`{"e":"start"}`) + rec(`{"e":"ready"}`) + rec(`{"e":"begin","i":0}`) +
		rec(`{"e":"end","i":0,"ok":true,"v":1}`) + rec(`{"e":"begin","i":1}`)
	for _, tc := range []struct {
		name    string
		lang    language.Language
		stdout  string
		stderr  string
		outcome harness.Outcome
		status  exercise.RunStatus
		detail  string
		err     bool
	}{
		{"compile record", language.Python, rec(`{"e":"start"}`) + rec(`{"e":"compile","msg":"SyntaxError: bad"}`), "", harness.Outcome{}, exercise.RunCompileError, "", false},
		{"build step refused the code", language.Go, "", "solution.go:1:1: bad", harness.Outcome{ExitCode: 97, CompileFailed: true, CompileOutput: "solution.go:1:1: bad"}, exercise.RunCompileError, "", false},
		{"engine dropped everything past its output limit", language.Python, "", "", harness.Outcome{Signal: "SIGKILL", OutputExceeded: true}, exercise.RunOutputLimit, "the engine's output limit", false},
		{"never started: the runner's failure", language.Python, "", "python3: not found", harness.Outcome{ExitCode: 127}, "", "", true},
		{"go init crash after the build", language.Go, "", harness.GoBuiltSentinel + "panic: x", harness.Outcome{ExitCode: 2}, exercise.RunCrashed, "exited with code 2 while initialising the package", false},
		{"remote go run launched", language.Go, "", "panic: x", harness.Outcome{ExitCode: 2, Launched: true}, exercise.RunCrashed, "exited with code 2 while initialising the package", false},
		{"go build timed out", language.Go, "", "", harness.Outcome{Signal: "SIGKILL", TimedOut: true}, exercise.RunCompileError, "", false},
		{"crash during a test", language.Python, started, "Segmentation fault", harness.Outcome{Signal: "SIGSEGV"}, exercise.RunCrashed, "killed by signal SIGSEGV during test b", false},
		{"file size", language.JavaScript, started, "", harness.Outcome{Signal: "SIGXFSZ"}, exercise.RunCrashed, "file size limit exceeded (killed by signal SIGXFSZ) during test b", false},
		{"cgroup oom", language.Python, started, "", harness.Outcome{Signal: "SIGKILL", MemoryExceeded: true}, exercise.RunMemoryLimit, "during test b", false},
		{"node heap", language.JavaScript, started, "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory", harness.Outcome{Signal: "SIGABRT"}, exercise.RunMemoryLimit, "during test b", false},
		{"go out of memory", language.Go, started, "fatal error: runtime: out of memory", harness.Outcome{ExitCode: 2}, exercise.RunMemoryLimit, "during test b", false},
		{"harness oom record", language.Python, started + rec(`{"e":"oom","i":1}`), "", harness.Outcome{ExitCode: 3}, exercise.RunMemoryLimit, "during test b", false},
		{"cpu", language.Python, started, "", harness.Outcome{Signal: "SIGXCPU", TimedOut: true, TimeDetail: "CPU time limit of 1s"}, exercise.RunTimeout, "CPU time limit of 1s during test b", false},
		{"exit after done is fine", language.Python, started + rec(`{"e":"end","i":1,"ok":true,"v":2}`) + rec(`{"e":"done"}`), "", harness.Outcome{ExitCode: 1}, exercise.RunCompleted, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := harness.NewCollector(program(tc.lang, "a", "b"), 1<<20)
			feed(t, c.Stdout(), tc.stdout, 9)
			feed(t, c.Stderr(), tc.stderr, 1<<20)
			rr, err := c.Result(tc.outcome)
			if tc.err {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "did not start")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.status, rr.Status)
			assert.Equal(t, tc.detail, rr.Detail)
			require.Len(t, rr.Tests, 2)
			switch tc.status {
			case exercise.RunCompileError:
				assert.NotEmpty(t, rr.CompileOutput)
				assert.Equal(t, exercise.TestNotRun, rr.Tests[0].Status)
			case exercise.RunCrashed:
				assert.NotContains(t, rr.Stderr, "codementor: built")
				if strings.Contains(tc.detail, "during test b") {
					assert.Equal(t, exercise.TestReturned, rr.Tests[0].Status)
					assert.Equal(t, exercise.TestRaised, rr.Tests[1].Status)
					assert.Contains(t, rr.Tests[1].Error, tc.detail)
				}
			}
		})
	}
}
