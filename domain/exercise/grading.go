package exercise

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/language"
)

// Verdict is the outcome of grading one submission.
type Verdict struct{ value string }

var (
	Passed       = Verdict{"passed"}
	Failed       = Verdict{"failed"}        // a test's answer was wrong
	CompileError = Verdict{"compile_error"} // the code did not compile or parse
	RuntimeError = Verdict{"runtime_error"} // it raised, panicked or crashed
	Timeout      = Verdict{"timeout"}       // CPU or wall time limit
	MemoryLimit  = Verdict{"memory_limit"}
	OutputLimit  = Verdict{"output_limit"}
	// RunnerError is the runner's own failure: never the learner's fault,
	// never counted against them.
	RunnerError = Verdict{"error"}
)

// ParseVerdict accepts a verdict's name.
func ParseVerdict(s string) (Verdict, error) {
	for _, v := range []Verdict{Passed, Failed, CompileError, RuntimeError, Timeout, MemoryLimit, OutputLimit, RunnerError} {
		if v.value == s {
			return v, nil
		}
	}
	return Verdict{}, domain.NewValidationError("verdict", "unknown verdict")
}

func (v Verdict) String() string       { return v.value }
func (v Verdict) Equal(o Verdict) bool { return v.value == o.value }
func (v Verdict) IsZero() bool         { return v.value == "" }

// Status is the coarse status of the API contract:
// passed|failed|error|timeout|rejected (rejected: the code never ran,
// because it did not compile).
func (v Verdict) Status() string {
	switch v {
	case Passed:
		return "passed"
	case Timeout:
		return "timeout"
	case CompileError:
		return "rejected"
	case RunnerError:
		return "error"
	}
	return "failed"
}

// CountsAsFailure reports whether the verdict is the learner's failed try
// (a runner error is not).
func (v Verdict) CountsAsFailure() bool { return v != Passed && v != RunnerError && !v.IsZero() }

// rank orders verdicts for "best verdict": passed is best.
func (v Verdict) rank() int {
	switch v {
	case Passed:
		return 7
	case Failed:
		return 6
	case RuntimeError:
		return 5
	case OutputLimit, MemoryLimit, Timeout:
		return 4
	case CompileError:
		return 3
	case RunnerError:
		return 1
	}
	return 0
}

// Better reports whether v is a better outcome than o.
func (v Verdict) Better(o Verdict) bool { return v.rank() > o.rank() }

// Limits bound one run in the sandbox.
type Limits struct {
	CPUTime     time.Duration
	WallTime    time.Duration
	MemoryBytes int64
	Processes   int
	OpenFiles   int
	FileBytes   int64
	OutputBytes int64
}

// DefaultLimits are close to Judge0's defaults.
func DefaultLimits() Limits {
	return Limits{CPUTime: 5 * time.Second, WallTime: 10 * time.Second, MemoryBytes: 256 << 20, Processes: 64,
		OpenFiles: 64, FileBytes: 1 << 20, OutputBytes: 64 << 10}
}

// RunInput is one test call given to the runner: only its name and
// arguments enter the sandbox, never the expected value.
type RunInput struct {
	Name string
	Args json.RawMessage
}

// RunSpec is what a CodeRunner runs: the learner's code and the calls of
// every test, in one sandboxed process.
type RunSpec struct {
	Language language.Language
	Code     string
	Entry    string
	Tests    []RunInput
	Limits   Limits
}

// SpecFor builds the run of code against the exercise's tests.
func SpecFor(e *Exercise, code string, limits Limits) RunSpec {
	in := make([]RunInput, len(e.tests))
	for i, t := range e.tests {
		in[i] = RunInput{Name: t.Name, Args: append(json.RawMessage(nil), t.Args...)}
	}
	return RunSpec{Language: e.lang, Code: code, Entry: e.entry, Tests: in, Limits: limits}
}

// RunStatus is how the sandboxed process ended.
type RunStatus string

const (
	RunCompleted    RunStatus = "completed"     // the harness ran every test it could
	RunCompileError RunStatus = "compile_error" // compilation or parsing failed
	RunTimeout      RunStatus = "timeout"
	RunMemoryLimit  RunStatus = "memory_limit"
	RunOutputLimit  RunStatus = "output_limit"
	RunCrashed      RunStatus = "crashed" // the process died outside a test (exit, signal, fatal error)
)

// TestStatus is how one test call ended inside the harness.
type TestStatus string

const (
	TestReturned TestStatus = "returned"  // the call returned Actual
	TestRaised   TestStatus = "exception" // the call raised or panicked: Error says what
	TestNotRun   TestStatus = "not_run"   // the run ended before this test
)

// TestOutput is the harness's report of one test call.
type TestOutput struct {
	Name     string
	Status   TestStatus
	Actual   json.RawMessage
	Error    string
	Stdout   string // what the learner's code printed during the call (truncated)
	Duration time.Duration
}

// RunResult is what the runner observed. A runner that could not run the
// code at all returns an error instead (graded as RunnerError).
type RunResult struct {
	Status        RunStatus
	Tests         []TestOutput
	CompileOutput string
	Stdout        string // output outside tests, kept even on timeout (truncated)
	Stderr        string
	Duration      time.Duration
	// Detail says more about a limit or crash ("killed by signal 9").
	Detail string
}

// TestResult is one graded test, as stored and shown (hidden ones without
// their details).
type TestResult struct {
	Name     string
	Hidden   bool
	Passed   bool
	Message  string
	Expected json.RawMessage // empty for hidden tests
	Actual   json.RawMessage // empty for hidden tests
	Stdout   string          // empty for hidden tests
	Duration time.Duration
}

// Grading is the verdict on one run.
type Grading struct {
	Verdict  Verdict
	Tests    []TestResult
	Passed   int
	Total    int
	Duration time.Duration
	// Message is the learner-facing summary: the compiler's message, the
	// limit that was hit, the first failing visible test.
	Message string
}

const maxMessage = 4000

// Grade compares a run's outputs with the exercise's expected values. The
// verdict's order: compile error; then the run's limits (timeout, memory,
// output), keeping the results of tests that finished; a crash outside a
// test or an exception in one is a runtime error; a wrong answer fails.
func Grade(e *Exercise, rr RunResult) Grading {
	g := Grading{Total: len(e.tests), Duration: rr.Duration}
	outs := map[string]TestOutput{}
	for _, o := range rr.Tests {
		outs[o.Name] = o
	}
	raised, wrong := "", ""
	for _, t := range e.tests {
		o, ok := outs[t.Name]
		r := TestResult{Name: t.Name, Hidden: t.Hidden, Duration: o.Duration}
		switch {
		case !ok || o.Status == TestNotRun:
			r.Message = "not run"
		case o.Status == TestRaised:
			r.Message = truncate("error: "+o.Error, maxMessage)
			if raised == "" && !t.Hidden {
				raised = fmt.Sprintf("%s: %s", t.Name, r.Message)
			}
		case JSONEqual(o.Actual, t.Expected):
			r.Passed = true
		default:
			r.Message = "wrong answer"
			if !t.Hidden {
				r.Message = fmt.Sprintf("expected %s, got %s", truncate(string(t.Expected), 500), truncate(string(o.Actual), 500))
				if wrong == "" {
					wrong = fmt.Sprintf("%s: %s", t.Name, r.Message)
				}
			}
		}
		if t.Hidden {
			if !r.Passed && r.Message != "not run" {
				r.Message = "failed"
			}
		} else {
			r.Expected = append(json.RawMessage(nil), t.Expected...)
			r.Actual = append(json.RawMessage(nil), o.Actual...)
			r.Stdout = truncate(o.Stdout, maxMessage)
		}
		if r.Passed {
			g.Passed++
		}
		if o.Status == TestRaised && raised == "" {
			raised = "a hidden test raised an error" // never its name
		}
		g.Tests = append(g.Tests, r)
	}
	switch rr.Status {
	case RunCompileError:
		g.Verdict, g.Message = CompileError, truncate(rr.CompileOutput, maxMessage)
		g.Passed = 0
		for i := range g.Tests {
			g.Tests[i].Passed, g.Tests[i].Message = false, "not run"
		}
	case RunTimeout:
		g.Verdict, g.Message = Timeout, "time limit exceeded"
	case RunMemoryLimit:
		g.Verdict, g.Message = MemoryLimit, "memory limit exceeded"
	case RunOutputLimit:
		g.Verdict, g.Message = OutputLimit, "output limit exceeded"
	case RunCrashed:
		g.Verdict, g.Message = RuntimeError, firstNonEmpty(truncate(rr.Stderr, maxMessage), rr.Detail, "the program crashed")
	default:
		switch {
		case raised != "":
			g.Verdict, g.Message = RuntimeError, raised
		case g.Passed == g.Total && g.Total > 0:
			g.Verdict = Passed
		default:
			g.Verdict = Failed
			g.Message = firstNonEmpty(wrong, "a hidden test failed")
		}
	}
	if rr.Detail != "" && (g.Verdict == Timeout || g.Verdict == MemoryLimit || g.Verdict == OutputLimit) {
		g.Message += " (" + rr.Detail + ")"
	}
	return g
}

// RunnerFailed is the grading of a run the runner could not perform.
func RunnerFailed(e *Exercise, reason string) Grading {
	g := Grading{Verdict: RunnerError, Total: len(e.tests), Message: "the grader could not run your code: " + reason + "; this is not counted against you, please try again"}
	for _, t := range e.tests {
		g.Tests = append(g.Tests, TestResult{Name: t.Name, Hidden: t.Hidden, Message: "not run"})
	}
	return g
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// JSONEqual compares two JSON values structurally: object key order does
// not matter, numbers compare as numbers (1 == 1.0) with a small relative
// tolerance for floats.
func JSONEqual(a, b json.RawMessage) bool {
	if len(bytes.TrimSpace(a)) == 0 || len(bytes.TrimSpace(b)) == 0 {
		return false
	}
	x, errX := decodeNumbers(a)
	y, errY := decodeNumbers(b)
	if errX != nil || errY != nil {
		return false
	}
	return valuesEqual(x, y)
}

func decodeNumbers(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("trailing data")
	}
	return v, nil
}

// isInteger reports whether a JSON number is written as an integer.
func isInteger(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }

func valuesEqual(x, y any) bool {
	switch a := x.(type) {
	case json.Number:
		b, ok := y.(json.Number)
		if !ok {
			return false
		}
		if isInteger(a) && isInteger(b) {
			// Integers compare exactly, whatever their size: an answer off
			// by one is wrong even at 10^18.
			p, okP := new(big.Int).SetString(string(a), 10)
			q, okQ := new(big.Int).SetString(string(b), 10)
			return okP && okQ && p.Cmp(q) == 0
		}
		return floatsEqual(a, b)
	default:
		return valuesEqualComposite(x, y)
	}
}

func floatsEqual(x, y json.Number) bool {
	a, errA := x.Float64()
	b, errB := y.Float64()
	if errA != nil || errB != nil {
		return false
	}
	if a == b {
		return true
	}
	diff := math.Abs(a - b)
	return diff <= 1e-9 || diff <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

func valuesEqualComposite(x, y any) bool {
	switch a := x.(type) {
	case float64:
		b, ok := y.(float64)
		if !ok {
			return false
		}
		if a == b {
			return true
		}
		diff := math.Abs(a - b)
		return diff <= 1e-9 || diff <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
	case []any:
		b, ok := y.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !valuesEqual(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b, ok := y.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, v := range a {
			w, ok := b[k]
			if !ok || !valuesEqual(v, w) {
				return false
			}
		}
		return true
	default:
		return x == y
	}
}
