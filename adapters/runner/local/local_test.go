package local_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/runner/local"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

// These tests run real programs in the real sandbox. Without bwrap they
// skip, unless CODEMENTOR_REQUIRE_SANDBOX=1 (CI), where they fail.

const (
	secretEnv   = "CODEMENTOR_TEST_SECRET"
	secretValue = "s3cr3t-value-that-must-not-leak"
)

var (
	runner     *local.Runner
	runnerErr  error
	bwrapFound bool
)

func TestMain(m *testing.M) {
	// A secret in the server's environment, which no program may see.
	os.Setenv(secretEnv, secretValue)
	if _, err := os.Stat("/usr/bin/bwrap"); err == nil {
		bwrapFound = true
		runner, runnerErr = local.New(local.Config{})
		if runnerErr == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			runnerErr = runner.Prepare(ctx)
			cancel()
		}
	}
	os.Exit(m.Run())
}

func sandbox(t *testing.T) *local.Runner {
	t.Helper()
	t.Parallel()
	if !bwrapFound {
		if os.Getenv("CODEMENTOR_REQUIRE_SANDBOX") == "1" {
			t.Fatal("bubblewrap (/usr/bin/bwrap) is missing and CODEMENTOR_REQUIRE_SANDBOX=1: run scripts/sandbox-deps.sh")
		}
		t.Skip("bubblewrap (/usr/bin/bwrap) is not installed: the sandbox tests need it (scripts/sandbox-deps.sh installs it)")
	}
	require.NoError(t, runnerErr, "bwrap is installed but the runner does not work")
	return runner
}

// testLimits keep the attacks short.
func testLimits() exercise.Limits {
	return exercise.Limits{CPUTime: time.Second, WallTime: 3 * time.Second, MemoryBytes: 128 << 20, Processes: 32,
		OpenFiles: 64, FileBytes: 1 << 20, OutputBytes: 64 << 10}
}

func call(name, args string) exercise.RunInput {
	return exercise.RunInput{Name: name, Args: json.RawMessage(args)}
}

func spec(lang language.Language, code, entry string, tests ...exercise.RunInput) exercise.RunSpec {
	return exercise.RunSpec{Language: lang, Code: code, Entry: entry, Tests: tests, Limits: testLimits()}
}

func run(t *testing.T, r *local.Runner, s exercise.RunSpec) exercise.RunResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rr, err := r.Run(ctx, s)
	require.NoError(t, err)
	require.Len(t, rr.Tests, len(s.Tests))
	return rr
}

func actual(t *testing.T, o exercise.TestOutput) any {
	t.Helper()
	require.Equal(t, exercise.TestReturned, o.Status, "test %s: %s", o.Name, o.Error)
	var v any
	require.NoError(t, json.Unmarshal(o.Actual, &v))
	return v
}

type langCase struct {
	lang                          language.Language
	pass, wrong, raises, badParse string
	raised, parseMsg              []string
}

var langCases = []langCase{
	{
		lang:     language.Python,
		pass:     "def add(a, b):\n    print('adding', a, b)\n    return a + b\n",
		wrong:    "def add(a, b):\n    return a - b\n",
		raises:   "def add(a, b):\n    return a // (b - b)\n",
		badParse: "def add(a, b):\n    return a +\n",
		raised:   []string{"ZeroDivisionError", `File "solution.py", line 2, in add`},
		parseMsg: []string{"SyntaxError", "line 2"},
	},
	{
		lang:     language.JavaScript,
		pass:     "function add(a, b) {\n  console.log('adding', a, b);\n  return a + b;\n}\n",
		wrong:    "const add = (a, b) => a - b;\n",
		raises:   "const add = (a, b) => {\n  return null.x;\n};\n",
		badParse: "function add(a, b) {\n  return a +;\n}\n",
		raised:   []string{"TypeError", "solution.js:2"},
		parseMsg: []string{"SyntaxError", "solution.js:2"},
	},
	{
		lang:     language.Go,
		pass:     "package main\n\nimport \"fmt\"\n\nfunc add(a, b int) int {\n\tfmt.Println(\"adding\", a, b)\n\treturn a + b\n}\n",
		wrong:    "package main\n\nfunc add(a, b int) int { return a - b }\n",
		raises:   "package main\n\nfunc add(a, b int) int {\n\treturn a / (b - b)\n}\n",
		badParse: "package main\n\nfunc add(a, b int) int {\n\treturn a + c\n}\n",
		raised:   []string{"panic: runtime error: integer divide by zero", "solution.go:4"},
		parseMsg: []string{"solution.go:4:13: undefined: c"},
	},
}

func TestRunGradesEachLanguage(t *testing.T) {
	for _, lc := range langCases {
		t.Run(lc.lang.String(), func(t *testing.T) {
			r := sandbox(t)
			tests := []exercise.RunInput{call("small", "[1, 2]"), call("big", "[40, 2]")}

			t.Run("pass", func(t *testing.T) {
				t.Parallel()
				rr := run(t, r, spec(lc.lang, lc.pass, "add", tests...))
				assert.Equal(t, exercise.RunCompleted, rr.Status, "%+v", rr)
				assert.EqualValues(t, 3, actual(t, rr.Tests[0]))
				assert.EqualValues(t, 42, actual(t, rr.Tests[1]))
				assert.Equal(t, "adding 1 2\n", rr.Tests[0].Stdout, "a call's output is its test's")
				assert.Equal(t, "adding 40 2\n", rr.Tests[1].Stdout)
				assert.Positive(t, rr.Tests[0].Duration)
				assert.Empty(t, rr.Stdout)
			})
			t.Run("wrong answer", func(t *testing.T) {
				t.Parallel()
				rr := run(t, r, spec(lc.lang, lc.wrong, "add", tests...))
				assert.Equal(t, exercise.RunCompleted, rr.Status)
				assert.EqualValues(t, -1, actual(t, rr.Tests[0]))
				assert.EqualValues(t, 38, actual(t, rr.Tests[1]))
			})
			t.Run("exception", func(t *testing.T) {
				t.Parallel()
				rr := run(t, r, spec(lc.lang, lc.raises, "add", tests...))
				assert.Equal(t, exercise.RunCompleted, rr.Status)
				for _, o := range rr.Tests {
					assert.Equal(t, exercise.TestRaised, o.Status)
					for _, want := range lc.raised {
						assert.Contains(t, o.Error, want)
					}
				}
			})
			t.Run("compile error", func(t *testing.T) {
				t.Parallel()
				rr := run(t, r, spec(lc.lang, lc.badParse, "add", tests...))
				assert.Equal(t, exercise.RunCompileError, rr.Status, "%+v", rr)
				for _, want := range lc.parseMsg {
					assert.Contains(t, rr.CompileOutput, want)
				}
				assert.NotContains(t, rr.CompileOutput, "/work")
				for _, o := range rr.Tests {
					assert.Equal(t, exercise.TestNotRun, o.Status)
				}
			})
			t.Run("missing entry", func(t *testing.T) {
				t.Parallel()
				rr := run(t, r, spec(lc.lang, lc.wrong, "sum", tests...))
				assert.Equal(t, exercise.RunCompileError, rr.Status)
				assert.Contains(t, rr.CompileOutput, "sum is not defined")
			})
		})
	}
}

func TestRunConvertsValues(t *testing.T) {
	r := sandbox(t)
	cases := []struct {
		name  string
		lang  language.Language
		code  string
		entry string
		args  string
		want  string // JSON; "" means an error containing errPart
		err   string
	}{
		{"python tuple is a list", language.Python, "def f(x):\n    return (x, [x], {'k': None})\n", "f", "[1]", `[1,[1],{"k":null}]`, ""},
		{"python set is refused", language.Python, "def f():\n    return {1}\n", "f", "[]", "", "result is not JSON-serialisable"},
		{"python NaN is refused", language.Python, "def f():\n    return float('nan')\n", "f", "[]", "", "result is not JSON-serialisable"},
		{"javascript undefined is null", language.JavaScript, "function f() {}\n", "f", "[]", "null", ""},
		{"javascript promise is awaited", language.JavaScript, "async function f(x) { await null; return x * 2 }\n", "f", "[21]", "42", ""},
		{"javascript rejected promise raises", language.JavaScript, "const f = async () => { throw new RangeError('nope') }\n", "f", "[]", "", "RangeError: nope"},
		{"javascript never settled", language.JavaScript, "function f() { return new Promise(() => {}) }\n", "f", "[]", "", "never settled"},
		{"javascript Set is refused", language.JavaScript, "let f = () => new Set([1])\n", "f", "[]", "", "result is not JSON-serialisable"},
		{"go nil slice and map", language.Go, "package main\n\nfunc f(n int) ([]int, error) {\n\tvar s []int\n\treturn s, nil\n}\n", "f", "[0]", "[]", ""},
		{"go struct and map", language.Go, "package main\n\ntype P struct {\n\tX    int `json:\"x\"`\n\tTags map[string]int\n\thidden int\n}\n\nfunc f() P { return P{X: 1} }\n", "f", "[]", `{"x":1,"Tags":{}}`, ""},
		{"go error result raises", language.Go, "package main\n\nimport \"errors\"\n\nfunc f() (int, error) { return 0, errors.New(\"bad input\") }\n", "f", "[]", "", "bad input"},
		{"go variadic and slices", language.Go, "package main\n\nfunc f(xs ...[]string) int { return len(xs) }\n", "f", `[["a"],["b"]]`, "2", ""},
		{"go import outside the allow-list", language.Go, "package main\n\nimport \"net\"\n\nvar _ = net.IPv4len\n\nfunc f() int { return 1 }\n", "f", "[]", "compile", "could not import \"net\""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rr := run(t, r, spec(tc.lang, tc.code, tc.entry, call("t", tc.args)))
			if tc.want == "compile" {
				assert.Equal(t, exercise.RunCompileError, rr.Status)
				assert.Contains(t, rr.CompileOutput, tc.err)
				return
			}
			require.Equal(t, exercise.RunCompleted, rr.Status, "%+v", rr)
			if tc.want == "" {
				assert.Equal(t, exercise.TestRaised, rr.Tests[0].Status)
				assert.Contains(t, rr.Tests[0].Error, tc.err)
				return
			}
			require.Equal(t, exercise.TestReturned, rr.Tests[0].Status, rr.Tests[0].Error)
			assert.JSONEq(t, tc.want, string(rr.Tests[0].Actual))
		})
	}
}

func TestOutputOutsideTestsIsTheRunsAndCannotCorruptResults(t *testing.T) {
	r := sandbox(t)
	code := "import sys, os\nprint('at import', end='')\nos.write(1, b'@@cm:00000000000000000000000000000000@@{\"e\":\"done\"}\\n')\n" +
		"def f(x):\n    print('half a line', end='')\n    sys.stderr.write('to stderr\\n')\n    return x\n"
	rr := run(t, r, spec(language.Python, code, "f", call("a", "[1]"), call("b", `["z"]`)))
	assert.Equal(t, exercise.RunCompleted, rr.Status)
	assert.Contains(t, rr.Stdout, "at import")
	assert.Contains(t, rr.Stdout, `{"e":"done"}`, "a forged line is plain output")
	assert.Equal(t, "half a line", rr.Tests[0].Stdout)
	assert.EqualValues(t, 1, actual(t, rr.Tests[0]))
	assert.EqualValues(t, "z", actual(t, rr.Tests[1]))
	assert.Contains(t, rr.Stderr, "to stderr")
}

func TestInfiniteLoopTimesOutKeepingEarlierResults(t *testing.T) {
	r := sandbox(t)
	for _, tc := range []struct {
		lang   language.Language
		code   string
		detail string
	}{
		{language.Python, "def f(x):\n    if x:\n        print('before the loop', flush=True)\n        while True:\n            pass\n    return 7\n", "time limit"},
		{language.Python, "import time\ndef f(x):\n    if x:\n        print('before the sleep')\n        time.sleep(60)\n    return 7\n", "wall time"},
		{language.JavaScript, "function f(x) {\n  if (x) { console.log('before the loop'); for (;;) {} }\n  return 7;\n}\n", "time limit"},
		{language.Go, "package main\n\nimport \"fmt\"\n\nfunc f(x bool) int {\n\tif x {\n\t\tfmt.Println(\"before the loop\")\n\t\tfor {\n\t\t}\n\t}\n\treturn 7\n}\n", "time limit"},
	} {
		t.Run(tc.lang.String()+" "+tc.detail, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			rr := run(t, r, spec(tc.lang, tc.code, "f", call("quick", "[false]"), call("loops", "[true]"), call("after", "[false]")))
			assert.Less(t, time.Since(start), 8*time.Second)
			assert.Equal(t, exercise.RunTimeout, rr.Status, "%+v", rr)
			assert.Contains(t, rr.Detail, tc.detail)
			assert.Contains(t, rr.Detail, "during test loops")
			assert.EqualValues(t, 7, actual(t, rr.Tests[0]), "the test before the loop keeps its result")
			assert.Equal(t, exercise.TestNotRun, rr.Tests[1].Status)
			assert.Contains(t, rr.Tests[1].Stdout, "before the", "output printed before the loop is kept")
			assert.Equal(t, exercise.TestNotRun, rr.Tests[2].Status)
		})
	}
}

func TestForkBombIsContained(t *testing.T) {
	r := sandbox(t)
	t.Run("forks fail at the process limit", func(t *testing.T) {
		t.Parallel()
		code := "import os, time\ndef f():\n    n = 0\n    try:\n        while True:\n            if os.fork() == 0:\n" +
			"                time.sleep(30)\n                os._exit(0)\n            n += 1\n    except OSError as e:\n        return [n, e.strerror]\n"
		rr := run(t, r, spec(language.Python, code, "f", call("bomb", "[]")))
		require.Equal(t, exercise.RunCompleted, rr.Status, "%+v", rr)
		got := actual(t, rr.Tests[0]).([]any)
		assert.Equal(t, "Resource temporarily unavailable", got[1])
		if os.Geteuid() == 0 {
			assert.Less(t, got[0], float64(testLimits().Processes), "forks beyond the process limit")
		} else {
			t.Log("not root: RLIMIT_NPROC counts the whole uid, so the limit is looser (see package doc)")
		}
	})
	t.Run("a real bomb ends and leaves nothing", func(t *testing.T) {
		t.Parallel()
		code := "import os\ndef f():\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n"
		rr := run(t, r, spec(language.Python, code, "f", call("bomb", "[]")))
		assert.Contains(t, []exercise.RunStatus{exercise.RunTimeout, exercise.RunCrashed}, rr.Status, "%+v", rr)
		// The server is fine: the next run works.
		rr = run(t, r, spec(language.Python, "def f():\n    return 1\n", "f", call("after", "[]")))
		assert.Equal(t, exercise.RunCompleted, rr.Status)
	})
}

func TestLimitsOfMemoryOutputAndFiles(t *testing.T) {
	r := sandbox(t)
	for _, tc := range []struct {
		name   string
		lang   language.Language
		code   string
		status exercise.RunStatus
		err    string // the test's error, or the run's detail
	}{
		{"python allocates without end", language.Python, "def f():\n    a = []\n    while True:\n        a.append(bytearray(1 << 20))\n", exercise.RunMemoryLimit, ""},
		{"javascript allocates without end", language.JavaScript, "function f() {\n  const a = [];\n  for (;;) a.push(new Array(1 << 16).fill(1.5));\n}\n", exercise.RunMemoryLimit, ""},
		{"go allocates without end", language.Go, "package main\n\nfunc f() int {\n\tvar a [][]byte\n\tfor {\n\t\tb := make([]byte, 1<<20)\n\t\tfor i := range b {\n\t\t\tb[i] = 1\n\t\t}\n\t\ta = append(a, b)\n\t}\n}\n", exercise.RunMemoryLimit, ""},
		{"python prints without end", language.Python, "def f():\n    while True:\n        print('x' * 100)\n", exercise.RunOutputLimit, ""},
		{"python prints outside tests", language.Python, "import os\nwhile True:\n    os.write(2, b'y' * 1000)\ndef f():\n    return 1\n", exercise.RunOutputLimit, ""},
		{"python writes a huge file", language.Python, "def f():\n    with open('big', 'wb') as fh:\n        for _ in range(20):\n            fh.write(b'z' * (1 << 20))\n", exercise.RunCompleted, "File too large"},
		{"javascript writes a huge file", language.JavaScript, "const fs = require('fs');\nfunction f() {\n  const fd = fs.openSync('big', 'w');\n  for (let i = 0; i < 20; i++) fs.writeSync(fd, Buffer.alloc(1 << 20));\n}\n", exercise.RunCompleted, "EFBIG"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := spec(tc.lang, tc.code, "f", call("t", "[]"))
			// Filling memory takes a while on a slow, busy machine.
			s.Limits.CPUTime, s.Limits.WallTime = 5*time.Second, 15*time.Second
			rr := run(t, r, s)
			require.Equal(t, tc.status, rr.Status, "%+v", rr)
			if tc.status == exercise.RunCompleted {
				assert.Equal(t, exercise.TestRaised, rr.Tests[0].Status)
				assert.Contains(t, rr.Tests[0].Error, tc.err)
			} else if tc.err != "" {
				assert.Contains(t, rr.Detail, tc.err)
			}
		})
	}
}

// probe runs a Python function that returns a JSON value.
func probe(t *testing.T, r *local.Runner, code string, args string) any {
	t.Helper()
	rr := run(t, r, spec(language.Python, code, "f", call("probe", args)))
	require.Equal(t, exercise.RunCompleted, rr.Status, "%+v", rr)
	return actual(t, rr.Tests[0])
}

const readFile = `
def f(paths):
    out = {}
    for p in paths:
        try:
            with open(p, 'rb') as fh:
                out[p] = 'READ ' + fh.read(200).decode('latin-1')
        except OSError as e:
            out[p] = type(e).__name__
    return out
`

func TestTheHostIsInvisible(t *testing.T) {
	r := sandbox(t)
	_, thisFile, _, _ := runtime.Caller(0)
	cwd, err := os.Getwd()
	require.NoError(t, err)
	paths := []string{"/etc/passwd", "/etc/shadow", "/root/.bashrc", "/home", thisFile,
		filepath.Join(cwd, "local_test.go"), fmt.Sprintf("/proc/%d/environ", os.Getpid()), "/proc/1/environ"}
	args, _ := json.Marshal([]any{paths})
	got := probe(t, r, readFile, string(args)).(map[string]any)
	for _, p := range paths {
		assert.NotContains(t, got[p], "READ", "%s is readable in the sandbox", p)
	}
	assert.NotContains(t, fmt.Sprint(got), secretValue)
}

func TestNothingOutsideTheWorkDirIsWritable(t *testing.T) {
	r := sandbox(t)
	code := `
import os
def f(paths):
    out = {}
    for p in paths:
        try:
            with open(p, 'w') as fh:
                fh.write('x')
            out[p] = 'WROTE'
        except OSError as e:
            out[p] = type(e).__name__
    return out
`
	paths := []string{"/evil", "/usr/evil", "/usr/bin/python3", "/etc/evil", "/proc/evil", "/dev/evil", "/gostd/evil",
		"/dev/null", "/dev/shm/fine", "/work/fine", "/tmp/fine"}
	args, _ := json.Marshal([]any{paths})
	got := probe(t, r, code, string(args)).(map[string]any)
	for _, p := range paths[:len(paths)-4] {
		assert.NotEqual(t, "WROTE", got[p], "%s is writable", p)
	}
	for _, p := range paths[len(paths)-4:] {
		assert.Equal(t, "WROTE", got[p], "%s: size-limited tmpfs (or /dev/null)", p)
	}
}

func TestNoNetwork(t *testing.T) {
	r := sandbox(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var accepted atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	code := `
import socket
def f(port):
    try:
        s = socket.create_connection(('127.0.0.1', port), timeout=2)
        s.sendall(b'hello')
        return 'CONNECTED'
    except OSError as e:
        return type(e).__name__ + ': ' + str(e)
`
	got := probe(t, r, code, fmt.Sprintf("[%d]", port))
	assert.NotEqual(t, "CONNECTED", got)
	assert.Zero(t, accepted.Load(), "the listener saw a connection from the sandbox")
}

func TestEnvironmentIsClean(t *testing.T) {
	r := sandbox(t)
	require.Equal(t, secretValue, os.Getenv(secretEnv))
	got := probe(t, r, "import os\ndef f():\n    return dict(os.environ)\n", "[]").(map[string]any)
	assert.NotContains(t, got, secretEnv)
	for k, v := range got {
		assert.Contains(t, []string{"PATH", "HOME", "LANG", "TMPDIR", "PWD", "LC_CTYPE"}, k, "unexpected variable %s=%v", k, v)
	}
}

func TestNothingLeaksIntoTheNextRun(t *testing.T) {
	r := sandbox(t)
	// Run 1 leaves files and a detached process (a sleep with an argument
	// found nowhere else).
	first := `
import os
def f():
    for p in ('/work/leak', '/tmp/leak'):
        with open(p, 'w') as fh:
            fh.write('left behind')
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv('/usr/bin/sleep', ['sleep', '987.654'])
        os._exit(0)
    os.wait()
    return True
`
	assert.Equal(t, true, probe(t, r, first, "[]"))
	second := "import os\ndef f():\n    return [os.path.exists('/work/leak'), os.path.exists('/tmp/leak'), os.listdir('/work')]\n"
	got := probe(t, r, second, "[]").([]any)
	assert.Equal(t, false, got[0])
	assert.Equal(t, false, got[1])
	assert.Empty(t, got[2], "the harness removes its files; the work dir starts empty")
	assert.Eventually(t, func() bool { return !processWithArg("987.654") }, 2*time.Second, 20*time.Millisecond,
		"the background process of run 1 survived it")
}

func processWithArg(arg string) bool {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err == nil && strings.Contains(string(b), "\x00"+arg) {
			return true
		}
	}
	return false
}

func TestConcurrentRuns(t *testing.T) {
	r := sandbox(t)
	var wg sync.WaitGroup
	results := make([]exercise.RunResult, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lc := langCases[i%2]
			results[i], errs[i] = r.Run(context.Background(), spec(lc.lang, lc.pass, "add", call("t", fmt.Sprintf("[%d, 1]", i))))
		}()
	}
	wg.Wait()
	for i := range 4 {
		require.NoError(t, errs[i])
		assert.Equal(t, exercise.RunCompleted, results[i].Status)
		assert.EqualValues(t, i+1, actual(t, results[i].Tests[0]))
	}
}

func TestCancelStopsTheRun(t *testing.T) {
	r := sandbox(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	s := spec(language.Python, "import time\ndef f():\n    time.sleep(30)\n", "f", call("t", "[]"))
	start := time.Now()
	_, err := r.Run(ctx, s)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestNewRefusesMissingTools(t *testing.T) {
	t.Parallel()
	for _, cfg := range []local.Config{
		{BwrapPath: "/nonexistent/bwrap"},
		{PythonPath: "/nonexistent/python3"},
		{NodePath: "/nonexistent/node"},
		{GoRoot: "/nonexistent/go"},
	} {
		_, err := local.New(cfg)
		assert.Error(t, err)
	}
}

func TestUnsandboxedRunsTheSameHarness(t *testing.T) {
	t.Parallel()
	r, err := local.New(local.Config{Unsandboxed: true, Languages: []language.Language{language.Python}})
	if err != nil {
		t.Skipf("python is not available: %v", err)
	}
	rr := run(t, r, spec(language.Python, langCases[0].pass, "add", call("t", "[2, 3]")))
	assert.Equal(t, exercise.RunCompleted, rr.Status)
	assert.EqualValues(t, 5, actual(t, rr.Tests[0]))
}

func TestCgroupsWhenRoot(t *testing.T) {
	r := sandbox(t)
	if os.Geteuid() != 0 {
		t.Skip("not root: runs rely on rlimits alone")
	}
	_, err := os.Stat("/sys/fs/cgroup/memory/memory.limit_in_bytes")
	if err != nil {
		t.Skip("no cgroup v1 memory hierarchy")
	}
	assert.True(t, r.CgroupsEnabled())
}
