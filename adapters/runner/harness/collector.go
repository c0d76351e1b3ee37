package harness

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

// How much output is kept (the output limit counts all of it).
const (
	// TestStdoutBytes is what is kept of one test call's output.
	TestStdoutBytes = 4 << 10
	// RunOutputBytes is what is kept of the run's stdout and stderr each.
	RunOutputBytes = 16 << 10
	// maxRecordBytes bounds the harness's own lines in total (results can be
	// big, but not without end).
	maxRecordBytes = 32 << 20
)

// ErrOutputLimit is returned by the collector's writers once the program
// has written more than the output limit: the runner stops it.
var ErrOutputLimit = errors.New("harness: output limit exceeded")

// Collector reads a running program's stdout and stderr (as io.Writers, safe
// for one writer goroutine each) and turns them, with how the process ended,
// into an exercise.RunResult. The output limit counts what the program
// printed (outside and inside test calls, and stderr), not the harness's own
// result lines.
type Collector struct {
	mu          sync.Mutex
	prog        *Program
	marker      []byte
	outputLimit int64

	pending  []byte
	inRecord bool
	printed  int64 // bytes the program printed, for the output limit
	records  int64 // bytes of result lines
	exceeded bool

	stdout, stderr capped
	stderrSeen     bool

	started, ready, done, built bool
	compileMsg                  *string
	oom                         bool
	oomTest                     int
	current                     int
	tests                       []testState
}

type testState struct {
	begun, ended bool
	ok           bool
	actual       json.RawMessage
	err          string
	stdout       capped
	ns           int64
}

// capped keeps the first n bytes written, remembering that more came.
type capped struct {
	b       []byte
	n       int
	dropped bool
}

func (c *capped) write(p []byte) {
	if room := c.n - len(c.b); room > 0 {
		if len(p) > room {
			p = p[:room]
			c.dropped = true
		}
		c.b = append(c.b, p...)
	} else if len(p) > 0 {
		c.dropped = true
	}
}

func (c *capped) String() string {
	s := strings.ToValidUTF8(string(c.b), "\uFFFD")
	if c.dropped {
		s += "\n[output truncated]"
	}
	return s
}

// NewCollector reads the output of prog, stopping it (through its writers'
// errors) past outputLimit bytes; 0 means no limit.
func NewCollector(prog *Program, outputLimit int64) *Collector {
	c := &Collector{prog: prog, marker: []byte(prog.Marker), outputLimit: outputLimit, current: -1, oomTest: -1,
		stdout: capped{n: RunOutputBytes}, stderr: capped{n: RunOutputBytes}}
	c.tests = make([]testState, len(prog.TestNames))
	for i := range c.tests {
		c.tests[i].stdout.n = TestStdoutBytes
	}
	return c
}

// Stdout is the writer for the program's stdout.
func (c *Collector) Stdout() io.Writer { return writerFunc(c.writeStdout) }

// Stderr is the writer for the program's stderr.
func (c *Collector) Stderr() io.Writer { return writerFunc(c.writeStderr) }

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// Exceeded reports whether the output limit was passed.
func (c *Collector) Exceeded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.exceeded
}

// StderrText is the stderr kept so far.
func (c *Collector) StderrText() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stderr.String()
}

func (c *Collector) count(n int) error {
	c.printed += int64(n)
	if c.outputLimit > 0 && c.printed > c.outputLimit {
		c.exceeded = true
	}
	if c.exceeded {
		return ErrOutputLimit
	}
	return nil
}

func (c *Collector) writeStderr(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(p)
	if !c.stderrSeen {
		c.stderrSeen = true
		if bytes.HasPrefix(p, []byte(GoBuiltSentinel)) {
			c.built = true
			p = p[len(GoBuiltSentinel):]
		}
	}
	c.stderr.write(p)
	return n, c.count(len(p))
}

func (c *Collector) writeStdout(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(p)
	c.pending = append(c.pending, p...)
	if err := c.scan(false); err != nil {
		return n, err
	}
	if c.exceeded {
		return n, ErrOutputLimit
	}
	return n, nil
}

// scan consumes c.pending: result lines go to handle, the rest is the
// program's own output. Without final, a tail that could be the start of a
// marker or an unfinished record waits for more.
func (c *Collector) scan(final bool) error {
	for len(c.pending) > 0 {
		if c.inRecord {
			nl := bytes.IndexByte(c.pending, '\n')
			if nl < 0 {
				if int64(len(c.pending))+c.records > maxRecordBytes {
					c.exceeded = true
					return ErrOutputLimit
				}
				if final {
					c.pending = nil // a record cut short by the end of the process
				}
				return nil
			}
			c.records += int64(nl + 1)
			c.handle(c.pending[:nl])
			c.pending = c.pending[nl+1:]
			c.inRecord = false
			if c.records > maxRecordBytes {
				c.exceeded = true
				return ErrOutputLimit
			}
			continue
		}
		i := bytes.Index(c.pending, c.marker)
		if i < 0 {
			keep := 0
			if !final {
				keep = min(len(c.marker)-1, len(c.pending))
			}
			plain := c.pending[:len(c.pending)-keep]
			c.stdout.write(plain)
			err := c.count(len(plain))
			c.pending = c.pending[len(c.pending)-keep:]
			if err != nil {
				return err
			}
			return nil
		}
		c.stdout.write(c.pending[:i])
		err := c.count(i)
		c.pending = c.pending[i+len(c.marker):]
		c.inRecord = true
		if err != nil {
			return err
		}
	}
	return nil
}

type record struct {
	E   string          `json:"e"`
	I   *int            `json:"i"`
	D   string          `json:"d"`
	OK  bool            `json:"ok"`
	V   json.RawMessage `json:"v"`
	Err string          `json:"err"`
	Msg string          `json:"msg"`
	NS  int64           `json:"ns"`
}

func (c *Collector) test(r record) *testState {
	if r.I == nil || *r.I < 0 || *r.I >= len(c.tests) {
		return nil
	}
	return &c.tests[*r.I]
}

func (c *Collector) handle(line []byte) {
	var r record
	if json.Unmarshal(line, &r) != nil {
		return
	}
	switch r.E {
	case "start":
		c.started = true
	case "ready":
		c.ready = true
	case "compile":
		if c.compileMsg == nil {
			msg := r.Msg
			c.compileMsg = &msg
		}
	case "begin":
		if t := c.test(r); t != nil && !t.begun {
			t.begun = true
			c.current = *r.I
		}
	case "out":
		if t := c.test(r); t != nil && !t.ended {
			t.stdout.write([]byte(r.D))
		}
		_ = c.count(len(r.D))
	case "end":
		if t := c.test(r); t != nil && !t.ended {
			t.ended, t.ok, t.ns = true, r.OK, r.NS
			if r.OK {
				t.actual = append(json.RawMessage(nil), r.V...)
			} else {
				t.err = r.Err
			}
			if c.current == *r.I {
				c.current = -1
			}
		}
	case "oom":
		c.oom = true
		if t := c.test(r); t != nil && !t.ended {
			t.ended, t.err = true, "memory limit exceeded"
			c.current, c.oomTest = -1, *r.I
		}
	case "done":
		c.done = true
	}
}

// Outcome is how the process ended, as the runner saw it.
type Outcome struct {
	// ExitCode is the exit status, -1 when the process was killed.
	ExitCode int
	// Signal names the signal that ended it ("SIGKILL"), if one did.
	Signal string
	// TimedOut: the CPU or wall time limit ended it; TimeDetail says which.
	TimedOut   bool
	TimeDetail string
	// MemoryExceeded: the sandbox's memory limit ended it (cgroup OOM kill).
	MemoryExceeded bool
	// OutputExceeded: the runner or the engine stopped it for its output.
	OutputExceeded bool
	// CompileFailed: a build step before the harness refused the code.
	CompileFailed bool
	CompileOutput string
	// Launched: the learner's program surely started even if the harness
	// never spoke (a remote "go run" whose compilation succeeded).
	Launched bool
	Duration time.Duration
}

var memoryPatterns = []string{
	"MemoryError", "JavaScript heap out of memory", "Allocation failed - process out of memory",
	"runtime: out of memory", "fatal error: out of memory", "cannot allocate memory", "std::bad_alloc",
}

// Result turns what was read and how the process ended into the run's
// result. It returns an error when the program never got to run the
// learner's code for a reason that is not the learner's (the sandbox or the
// runtime failed to start).
func (c *Collector) Result(o Outcome) (exercise.RunResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.scan(true)

	rr := exercise.RunResult{Stdout: c.stdout.String(), Stderr: c.stderr.String(), Duration: o.Duration}
	rr.Tests = make([]exercise.TestOutput, len(c.tests))
	for i, t := range c.tests {
		out := exercise.TestOutput{Name: c.prog.TestNames[i], Status: exercise.TestNotRun, Stdout: t.stdout.String(),
			Duration: time.Duration(t.ns)}
		switch {
		case t.ended && t.ok:
			out.Status, out.Actual = exercise.TestReturned, t.actual
		case t.ended:
			out.Status, out.Error = exercise.TestRaised, t.err
		}
		rr.Tests[i] = out
	}
	notRun := func() {
		for i := range rr.Tests {
			rr.Tests[i] = exercise.TestOutput{Name: rr.Tests[i].Name, Status: exercise.TestNotRun}
		}
	}

	isGo := c.prog.Language == language.Go
	switch {
	case c.compileMsg != nil:
		rr.Status, rr.CompileOutput = exercise.RunCompileError, *c.compileMsg
		notRun()
		return rr, nil
	case o.CompileFailed:
		rr.Status, rr.CompileOutput = exercise.RunCompileError, o.CompileOutput
		notRun()
		return rr, nil
	case isGo && !c.started && !c.built && !o.Launched && o.TimedOut:
		rr.Status, rr.CompileOutput = exercise.RunCompileError, "compilation did not finish within the time limit"
		notRun()
		return rr, nil
	case !c.started && !c.built && !o.Launched && !o.OutputExceeded:
		// (Past the output limit the program surely ran: an engine may
		// have dropped the chunk holding the harness's first line.)
		return exercise.RunResult{}, fmt.Errorf("the program did not start (%s): %s", exitText(o), firstLines(c.stderr.String(), 5))
	}

	running := ""
	if c.current >= 0 {
		running = " during test " + c.prog.TestNames[c.current]
	}
	stderr := c.stderr.String()
	switch {
	case o.OutputExceeded || c.exceeded:
		rr.Status = exercise.RunOutputLimit
		rr.Detail = "the engine's output limit" + running
		if c.exceeded {
			rr.Detail = fmt.Sprintf("more than %d bytes of output%s", c.outputLimit, running)
		}
	case o.MemoryExceeded || c.oom || (!c.done && containsAny(stderr, memoryPatterns)):
		rr.Status = exercise.RunMemoryLimit
		rr.Detail = strings.TrimPrefix(running, " ")
		if c.oomTest >= 0 {
			rr.Detail = "during test " + c.prog.TestNames[c.oomTest]
		}
	case o.TimedOut:
		rr.Status, rr.Detail = exercise.RunTimeout, o.TimeDetail+running
	case c.done:
		rr.Status = exercise.RunCompleted
	default:
		rr.Status = exercise.RunCrashed
		rr.Detail = exitText(o) + running
		if o.Signal == "SIGXFSZ" {
			rr.Detail = "file size limit exceeded (" + exitText(o) + ")" + running
		}
		if !c.started && isGo {
			rr.Detail += " while initialising the package"
		}
		if c.current >= 0 {
			rr.Tests[c.current].Status = exercise.TestRaised
			rr.Tests[c.current].Error = "the program crashed: " + rr.Detail
		}
	}
	return rr, nil
}

func exitText(o Outcome) string {
	switch {
	case o.Signal != "":
		return "killed by signal " + o.Signal
	case o.ExitCode >= 0:
		return fmt.Sprintf("exited with code %d", o.ExitCode)
	}
	return "ended"
}

func containsAny(s string, subs []string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(strings.TrimSpace(s), "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}
