package exercise_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain/exercise"
)

// The fixture's tests, in order: basic, middle, same (visible),
// hidden-neg, hidden-big (hidden).
var fixtureAnswers = map[string]string{
	"basic": `[0,1]`, "middle": `[1,2]`, "same": `[0,1]`, "hidden-neg": `[1,2]`, "hidden-big": `[1,2]`,
}

var fixtureOrder = []string{"basic", "middle", "same", "hidden-neg", "hidden-big"}

// outputs answers every test correctly, then applies the overrides.
func outputs(override map[string]exercise.TestOutput) []exercise.TestOutput {
	var out []exercise.TestOutput
	for _, name := range fixtureOrder {
		o, ok := override[name]
		if !ok {
			o = exercise.TestOutput{Name: name, Status: exercise.TestReturned, Actual: raw(fixtureAnswers[name]),
				Stdout: "printed by " + name, Duration: time.Millisecond}
		}
		o.Name = name
		out = append(out, o)
	}
	return out
}

func notRunFrom(first int) map[string]exercise.TestOutput {
	m := map[string]exercise.TestOutput{}
	for _, name := range fixtureOrder[first:] {
		m[name] = exercise.TestOutput{Status: exercise.TestNotRun}
	}
	return m
}

func TestGrade(t *testing.T) {
	t.Parallel()
	e := mustNew(t, validSnapshot())

	tests := []struct {
		name        string
		rr          exercise.RunResult
		verdict     exercise.Verdict
		passed      int
		msgContains []string
		msgLacks    []string
		check       func(t *testing.T, g exercise.Grading)
	}{
		{
			name:    "all pass",
			rr:      exercise.RunResult{Status: exercise.RunCompleted, Tests: outputs(nil), Duration: 42 * time.Millisecond},
			verdict: exercise.Passed, passed: 5,
			check: func(t *testing.T, g exercise.Grading) {
				assert.Equal(t, 42*time.Millisecond, g.Duration)
				assert.Empty(t, g.Message)
				for _, r := range g.Tests {
					assert.True(t, r.Passed, r.Name)
					assert.Empty(t, r.Message, r.Name)
				}
			},
		},
		{
			name: "outputs in another order are matched by name",
			rr: func() exercise.RunResult {
				o := outputs(nil)
				o[0], o[4] = o[4], o[0]
				return exercise.RunResult{Status: exercise.RunCompleted, Tests: o}
			}(),
			verdict: exercise.Passed, passed: 5,
		},
		{
			name:    "key order and number form do not matter",
			rr:      exercise.RunResult{Status: exercise.RunCompleted, Tests: outputs(map[string]exercise.TestOutput{"basic": {Status: exercise.TestReturned, Actual: raw(` [ 0.0 , 1e0 ] `)}})},
			verdict: exercise.Passed, passed: 5,
		},
		{
			name: "wrong answer on a visible test",
			rr: exercise.RunResult{Status: exercise.RunCompleted, Tests: outputs(map[string]exercise.TestOutput{
				"middle": {Status: exercise.TestReturned, Actual: raw(`[2,1]`), Stdout: "debug 42"}})},
			verdict: exercise.Failed, passed: 4,
			msgContains: []string{"middle", "expected [1,2]", "got [2,1]"},
			check: func(t *testing.T, g exercise.Grading) {
				r := g.Tests[1]
				assert.False(t, r.Passed)
				assert.False(t, r.Hidden)
				assert.Equal(t, "expected [1,2], got [2,1]", r.Message)
				assert.JSONEq(t, `[1,2]`, string(r.Expected))
				assert.JSONEq(t, `[2,1]`, string(r.Actual))
				assert.Equal(t, "debug 42", r.Stdout)
			},
		},
		{
			name: "wrong answer on a hidden test reveals nothing",
			rr: exercise.RunResult{Status: exercise.RunCompleted, Tests: outputs(map[string]exercise.TestOutput{
				"hidden-neg": {Status: exercise.TestReturned, Actual: raw(`[9,9]`), Stdout: "secret 99"}})},
			verdict: exercise.Failed, passed: 4,
			msgContains: []string{"hidden test failed"},
			msgLacks:    []string{"[1,2]", "[9,9]", "secret", "-5"},
			check: func(t *testing.T, g exercise.Grading) {
				r := g.Tests[3]
				assert.True(t, r.Hidden)
				assert.False(t, r.Passed)
				assert.Equal(t, "failed", r.Message)
				assert.Empty(t, r.Expected)
				assert.Empty(t, r.Actual)
				assert.Empty(t, r.Stdout)
			},
		},
		{
			name:    "passing hidden tests do not expose their values either",
			rr:      exercise.RunResult{Status: exercise.RunCompleted, Tests: outputs(nil)},
			verdict: exercise.Passed, passed: 5,
			check: func(t *testing.T, g exercise.Grading) {
				for _, r := range g.Tests[3:] {
					assert.True(t, r.Hidden)
					assert.Empty(t, r.Expected)
					assert.Empty(t, r.Actual)
					assert.Empty(t, r.Stdout)
				}
				assert.Equal(t, "printed by basic", g.Tests[0].Stdout)
			},
		},
		{
			name: "the first failing visible test is the message",
			rr: exercise.RunResult{Status: exercise.RunCompleted, Tests: outputs(map[string]exercise.TestOutput{
				"hidden-neg": {Status: exercise.TestReturned, Actual: raw(`0`)},
				"same":       {Status: exercise.TestReturned, Actual: raw(`[1,0]`)},
				"middle":     {Status: exercise.TestReturned, Actual: raw(`null`)},
			})},
			verdict: exercise.Failed, passed: 2,
			msgContains: []string{"middle: expected [1,2], got null"},
		},
		{
			name: "exception in a visible test is a runtime error",
			rr: exercise.RunResult{Status: exercise.RunCompleted, Tests: outputs(map[string]exercise.TestOutput{
				"same": {Status: exercise.TestRaised, Error: "KeyError: 3"}})},
			verdict: exercise.RuntimeError, passed: 4,
			msgContains: []string{"same", "KeyError: 3"},
			check: func(t *testing.T, g exercise.Grading) {
				assert.False(t, g.Tests[2].Passed)
				assert.Contains(t, g.Tests[2].Message, "KeyError: 3")
			},
		},
		{
			name: "exception in a hidden test is a runtime error without its details",
			rr: exercise.RunResult{Status: exercise.RunCompleted, Tests: outputs(map[string]exercise.TestOutput{
				"hidden-big": {Status: exercise.TestRaised, Error: "IndexError: secret 14"}})},
			verdict: exercise.RuntimeError, passed: 4,
			msgLacks: []string{"IndexError", "secret", "14"},
			check: func(t *testing.T, g exercise.Grading) {
				r := g.Tests[4]
				assert.Equal(t, "failed", r.Message)
				assert.Empty(t, r.Actual)
				assert.Empty(t, r.Expected)
			},
		},
		{
			name: "an exception outranks a wrong answer",
			rr: exercise.RunResult{Status: exercise.RunCompleted, Tests: outputs(map[string]exercise.TestOutput{
				"basic":  {Status: exercise.TestReturned, Actual: raw(`[]`)},
				"middle": {Status: exercise.TestRaised, Error: "TypeError"}})},
			verdict: exercise.RuntimeError, passed: 3,
		},
		{
			name: "timeout keeps the results of finished tests",
			rr: exercise.RunResult{Status: exercise.RunTimeout, Detail: "wall time 10s",
				Tests: outputs(notRunFrom(2))},
			verdict: exercise.Timeout, passed: 2,
			msgContains: []string{"time limit exceeded", "(wall time 10s)"},
			check: func(t *testing.T, g exercise.Grading) {
				assert.True(t, g.Tests[0].Passed)
				assert.True(t, g.Tests[1].Passed)
				for _, r := range g.Tests[2:] {
					assert.False(t, r.Passed, r.Name)
					assert.Equal(t, "not run", r.Message, r.Name)
				}
			},
		},
		{
			name: "timeout with missing outputs",
			rr: exercise.RunResult{Status: exercise.RunTimeout,
				Tests: outputs(nil)[:1]},
			verdict: exercise.Timeout, passed: 1,
			check: func(t *testing.T, g exercise.Grading) {
				assert.Equal(t, "not run", g.Tests[4].Message)
			},
		},
		{
			name:    "timeout even if every test finished",
			rr:      exercise.RunResult{Status: exercise.RunTimeout, Tests: outputs(nil)},
			verdict: exercise.Timeout, passed: 5,
		},
		{
			name:    "memory limit",
			rr:      exercise.RunResult{Status: exercise.RunMemoryLimit, Detail: "256 MiB", Tests: outputs(notRunFrom(1))},
			verdict: exercise.MemoryLimit, passed: 1,
			msgContains: []string{"memory limit exceeded", "256 MiB"},
		},
		{
			name:    "output limit",
			rr:      exercise.RunResult{Status: exercise.RunOutputLimit, Tests: outputs(notRunFrom(0))},
			verdict: exercise.OutputLimit, passed: 0,
			msgContains: []string{"output limit exceeded"},
		},
		{
			name: "compile error zeroes passes and carries the compiler message",
			rr: exercise.RunResult{Status: exercise.RunCompileError, CompileOutput: "main.go:3:1: syntax error: unexpected }",
				Tests: outputs(nil)},
			verdict: exercise.CompileError, passed: 0,
			msgContains: []string{"main.go:3:1: syntax error: unexpected }"},
			check: func(t *testing.T, g exercise.Grading) {
				for _, r := range g.Tests {
					assert.False(t, r.Passed, r.Name)
					assert.Equal(t, "not run", r.Message, r.Name)
				}
			},
		},
		{
			name:    "crash outside a test is a runtime error with stderr",
			rr:      exercise.RunResult{Status: exercise.RunCrashed, Stderr: "panic: runtime error: index out of range", Detail: "exit status 2", Tests: outputs(notRunFrom(3))},
			verdict: exercise.RuntimeError, passed: 3,
			msgContains: []string{"panic: runtime error: index out of range"},
		},
		{
			name:    "crash without stderr uses the detail",
			rr:      exercise.RunResult{Status: exercise.RunCrashed, Detail: "killed by signal 9"},
			verdict: exercise.RuntimeError, passed: 0,
			msgContains: []string{"killed by signal 9"},
		},
		{
			name:        "crash without anything",
			rr:          exercise.RunResult{Status: exercise.RunCrashed},
			verdict:     exercise.RuntimeError,
			msgContains: []string{"crashed"},
		},
		{
			name:    "completed run with tests not run fails",
			rr:      exercise.RunResult{Status: exercise.RunCompleted, Tests: outputs(notRunFrom(4))},
			verdict: exercise.Failed, passed: 4,
		},
		{
			name:    "completed run without outputs fails",
			rr:      exercise.RunResult{Status: exercise.RunCompleted},
			verdict: exercise.Failed, passed: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := exercise.Grade(e, tt.rr)
			assert.Equal(t, tt.verdict, g.Verdict, "message: %s", g.Message)
			assert.Equal(t, tt.passed, g.Passed)
			assert.Equal(t, 5, g.Total)
			require.Len(t, g.Tests, 5)
			passes := 0
			for i, r := range g.Tests {
				assert.Equal(t, fixtureOrder[i], r.Name, "results follow the exercise's order")
				assert.Equal(t, i >= 3, r.Hidden)
				if r.Passed {
					passes++
				}
			}
			assert.Equal(t, g.Passed, passes, "Passed counts passing results")
			for _, s := range tt.msgContains {
				assert.Contains(t, g.Message, s)
			}
			for _, s := range tt.msgLacks {
				assert.NotContains(t, g.Message, s)
			}
			// Nothing of a hidden test leaks through its result.
			for _, r := range g.Tests[3:] {
				assert.Empty(t, r.Expected)
				assert.Empty(t, r.Actual)
				assert.Empty(t, r.Stdout)
				assert.Contains(t, []string{"", "failed", "not run"}, r.Message)
			}
			if tt.check != nil {
				tt.check(t, g)
			}
		})
	}
}

func TestGradeTruncatesLongMessages(t *testing.T) {
	t.Parallel()
	e := mustNew(t, validSnapshot())
	g := exercise.Grade(e, exercise.RunResult{Status: exercise.RunCompileError, CompileOutput: "a" + strings.Repeat("é", 5000)})
	assert.Less(t, len(g.Message), 4100)
	assert.True(t, strings.HasSuffix(g.Message, "…"))
	assert.True(t, utf8.ValidString(g.Message), "truncation must not split a rune")
}

func TestRunnerFailed(t *testing.T) {
	t.Parallel()
	e := mustNew(t, validSnapshot())
	g := exercise.RunnerFailed(e, "sandbox unavailable")
	assert.Equal(t, exercise.RunnerError, g.Verdict)
	assert.Equal(t, "error", g.Verdict.String())
	assert.Equal(t, "error", g.Verdict.Status())
	assert.False(t, g.Verdict.CountsAsFailure())
	assert.Equal(t, 0, g.Passed)
	assert.Equal(t, 5, g.Total)
	assert.Contains(t, g.Message, "sandbox unavailable")
	assert.Contains(t, g.Message, "not counted against you")
	require.Len(t, g.Tests, 5)
	for i, r := range g.Tests {
		assert.Equal(t, fixtureOrder[i], r.Name)
		assert.Equal(t, i >= 3, r.Hidden)
		assert.False(t, r.Passed)
		assert.Equal(t, "not run", r.Message)
	}
}

var allVerdicts = []exercise.Verdict{exercise.Passed, exercise.Failed, exercise.CompileError, exercise.RuntimeError,
	exercise.Timeout, exercise.MemoryLimit, exercise.OutputLimit, exercise.RunnerError}

func TestVerdictStatusAndFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v       exercise.Verdict
		name    string
		status  string
		failure bool
	}{
		{exercise.Passed, "passed", "passed", false},
		{exercise.Failed, "failed", "failed", true},
		{exercise.RuntimeError, "runtime_error", "failed", true},
		{exercise.MemoryLimit, "memory_limit", "failed", true},
		{exercise.OutputLimit, "output_limit", "failed", true},
		{exercise.Timeout, "timeout", "timeout", true},
		{exercise.CompileError, "compile_error", "rejected", true},
		{exercise.RunnerError, "error", "error", false},
	}
	require.Len(t, tests, len(allVerdicts))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.name, tt.v.String())
			assert.Equal(t, tt.status, tt.v.Status())
			assert.Contains(t, []string{"passed", "failed", "error", "timeout", "rejected"}, tt.v.Status())
			assert.Equal(t, tt.failure, tt.v.CountsAsFailure())
			parsed, err := exercise.ParseVerdict(tt.name)
			require.NoError(t, err)
			assert.True(t, parsed.Equal(tt.v))
			assert.False(t, parsed.IsZero())
		})
	}
	assert.False(t, exercise.Verdict{}.CountsAsFailure())
	assert.True(t, exercise.Verdict{}.IsZero())
	for _, s := range []string{"", "PASSED", "wrong_answer", "rejected"} {
		_, err := exercise.ParseVerdict(s)
		assert.Error(t, err, "%q", s)
	}
}

func TestVerdictBetter(t *testing.T) {
	t.Parallel()
	// Best first; verdicts on one line rank the same.
	order := [][]exercise.Verdict{
		{exercise.Passed},
		{exercise.Failed},
		{exercise.RuntimeError},
		{exercise.Timeout, exercise.MemoryLimit, exercise.OutputLimit},
		{exercise.CompileError},
		{exercise.RunnerError},
		{{}},
	}
	for i, tier := range order {
		for j, other := range order {
			for _, a := range tier {
				for _, b := range other {
					assert.Equal(t, i < j, a.Better(b), "%q better than %q", a, b)
				}
			}
		}
	}
}

func TestJSONEqual(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"same", `[1,2,3]`, `[1,2,3]`, true},
		{"whitespace", `{"a":[1, 2]}`, ` { "a" : [ 1,2 ] } `, true},
		{"key order", `{"a":1,"b":{"c":2,"d":3}}`, `{"b":{"d":3,"c":2},"a":1}`, true},
		{"1 and 1.0", `1`, `1.0`, true},
		{"exponent", `100`, `1e2`, true},
		{"zero and negative zero", `0`, `-0`, true},
		{"float tolerance", `0.30000000000000004`, `0.3`, true},
		{"tiny relative difference", `123456.789`, `123456.78900000001`, true},
		{"near zero", `5.551115123125783e-17`, `0`, true},
		{"small but different", `0.001`, `0.002`, false},
		{"different floats", `0.3`, `0.31`, false},
		{"different numbers", `1`, `2`, false},
		{"nested arrays", `[[1,2],[3,[4,5]]]`, `[[1,2],[3,[4,5]]]`, true},
		{"nested arrays differ deep", `[[1,2],[3,[4,5]]]`, `[[1,2],[3,[4,6]]]`, false},
		{"array order matters", `[1,2]`, `[2,1]`, false},
		{"array length", `[1,2]`, `[1,2,3]`, false},
		{"null vs empty array", `null`, `[]`, false},
		{"empty array vs null", `[]`, `null`, false},
		{"null vs null", `null`, `null`, true},
		{"empty object vs empty array", `{}`, `[]`, false},
		{"string vs number", `"1"`, `1`, false},
		{"number vs string", `1`, `"1"`, false},
		{"bool vs number", `true`, `1`, false},
		{"strings", `"héllo"`, `"h\u00e9llo"`, true},
		{"string case", `"a"`, `"A"`, false},
		{"extra key", `{"a":1}`, `{"a":1,"b":2}`, false},
		{"missing key", `{"a":1,"b":2}`, `{"a":1,"c":2}`, false},
		{"null field vs missing", `{"a":null}`, `{}`, false},
		{"invalid left", `[1,`, `[1]`, false},
		{"invalid right", `[1]`, `{"a"}`, false},
		{"python repr", `[1]`, `(1,)`, false},
		{"empty", ``, ``, false},
		{"blank", ` `, `null`, false},
		{"trailing garbage", `1`, `1 2`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, exercise.JSONEqual(raw(tt.a), raw(tt.b)))
			assert.Equal(t, tt.want, exercise.JSONEqual(raw(tt.b), raw(tt.a)), "symmetric")
		})
	}
}

func TestJSONEqualComparesIntegersExactly(t *testing.T) {
	t.Parallel()
	// The tolerance is for floats: an integer answer off by one is wrong.
	assert.False(t, exercise.JSONEqual(raw(`1234567890123`), raw(`1234567890124`)))
	assert.True(t, exercise.JSONEqual(raw(`12345678901234567890`), raw(`12345678901234567890`)))
	assert.False(t, exercise.JSONEqual(raw(`1000000000`), raw(`1000000001`)))
}
