// Package piston is the ports.CodeRunner that grades learner code on a
// remote Piston engine (github.com/engineer-man/piston), through its HTTP
// API v2: POST {base}/api/v2/execute runs the files it is sent and answers
// each stage's stdout, stderr, exit code and signal; GET
// {base}/api/v2/runtimes lists the installed runtimes.
//
// The program sent is the shared harness (adapters/runner/harness), so the
// test-call model is the local runner's. Only stdout and stderr come back,
// so results travel on stdout behind the run's random marker.
//
// Piston's units and behaviour, which this adapter maps:
//   - timeouts in milliseconds (run_timeout is wall time, run_cpu_time CPU
//     time), memory in bytes; values above the engine's configured limits
//     are refused with 400, hence the Max* clamps in Config;
//   - a run stopped at a limit ends with signal "SIGKILL" and, on versions
//     built on isolate, a status: "TO" time, "OL"/"EL" stdout/stderr over
//     output_max_size (1024 bytes by default: set PISTON_OUTPUT_MAX_SIZE to
//     at least 65536 for grading), "SG" died on a signal, "RE" non-zero exit,
//     "XX" the engine's own failure; versions without status report a
//     timeout as SIGKILL alone;
//   - a compiled language's compile stage comes first; when it fails, run
//     repeats it. Go's package has no compile stage: `go run *.go` prints
//     compiler errors on the run's stderr, which this adapter recognises.
//     The allow-list of Go imports is checked here too, before sending.
//   - errors are {"message": "..."} with 400 (bad request, unknown runtime,
//     limit above the configured one), 429 when rate limited (the public
//     instance), 5xx when the engine fails.
//
// Runner failures (any non-200, malformed bodies, timeouts, an "XX"
// status) are returned as errors, never graded against the learner; 429
// and 503 are retried once, after Retry-After if it is at most
// MaxRetryWait.
package piston

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/codementor/codementor/adapters/runner/harness"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/ports"
)

var _ ports.CodeRunner = (*Client)(nil)

// Runtime is a Piston language and version.
type Runtime struct {
	Language string `json:"language"`
	Version  string `json:"version"`
}

// DefaultRuntimes are the versions the public Piston packages publish.
func DefaultRuntimes() map[language.Language]Runtime {
	return map[language.Language]Runtime{
		language.Python:     {"python", "3.10.0"},
		language.JavaScript: {"javascript", "18.15.0"},
		language.Go:         {"go", "1.16.2"},
	}
}

// Config sets the client up; BaseURL is required.
type Config struct {
	// BaseURL is where the API lives, without /api/v2 ("http://piston:2000").
	BaseURL string
	// Authorization, when set, is sent as the Authorization header (a
	// reverse proxy's key, say).
	Authorization string
	// HTTPClient defaults to a client of its own (no overall timeout: each
	// request gets a deadline).
	HTTPClient *http.Client
	// Timeout bounds one request; default the run's wall time plus the
	// compile timeout plus 10 s.
	Timeout time.Duration
	// Runtimes override DefaultRuntimes, language by language.
	Runtimes map[language.Language]Runtime
	// CompileTimeout is sent as compile_timeout; default 10 s.
	CompileTimeout time.Duration
	// CompileMemoryBytes is sent as compile_memory_limit when set.
	CompileMemoryBytes int64
	// MaxRunTimeout, MaxCPUTime and MaxMemoryBytes clamp what is asked of
	// the engine to its configured limits (PISTON_RUN_TIMEOUT, ...); zero
	// sends the exercise's limits as they are.
	MaxRunTimeout  time.Duration
	MaxCPUTime     time.Duration
	MaxMemoryBytes int64
	// MaxRetryWait is the longest Retry-After honoured for the one retry of
	// a 429 or 503; default 2 s.
	MaxRetryWait time.Duration
}

// Client runs code on Piston; safe for concurrent use.
type Client struct {
	cfg      Config
	base     string
	http     *http.Client
	runtimes map[language.Language]Runtime
}

// New validates cfg.
func New(cfg Config) (*Client, error) {
	base := strings.TrimRight(strings.TrimSpace(cfg.BaseURL), "/")
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		return nil, fmt.Errorf("piston: BaseURL must be an http(s) URL, not %q", cfg.BaseURL)
	}
	if cfg.CompileTimeout <= 0 {
		cfg.CompileTimeout = 10 * time.Second
	}
	if cfg.MaxRetryWait <= 0 {
		cfg.MaxRetryWait = 2 * time.Second
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	rts := DefaultRuntimes()
	for l, rt := range cfg.Runtimes {
		rts[l] = rt
	}
	return &Client{cfg: cfg, base: base, http: hc, runtimes: rts}, nil
}

// Name is what readiness reports.
func (c *Client) Name() string { return "piston" }

// Error is a refusal or failure of the engine (any status but 200).
type Error struct {
	StatusCode int
	Message    string
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("piston: %d: %s", e.StatusCode, msg)
}

type file struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

// ExecuteRequest is the body of POST /api/v2/execute.
type ExecuteRequest struct {
	Language           string   `json:"language"`
	Version            string   `json:"version"`
	Files              []file   `json:"files"`
	Stdin              string   `json:"stdin"`
	Args               []string `json:"args"`
	CompileTimeout     int64    `json:"compile_timeout,omitempty"`
	RunTimeout         int64    `json:"run_timeout,omitempty"`
	RunCPUTime         int64    `json:"run_cpu_time,omitempty"`
	CompileMemoryLimit int64    `json:"compile_memory_limit,omitempty"`
	RunMemoryLimit     int64    `json:"run_memory_limit,omitempty"`
}

// Stage is one stage (compile or run) of an answer.
type Stage struct {
	Stdout   string   `json:"stdout"`
	Stderr   string   `json:"stderr"`
	Output   string   `json:"output"`
	Code     *int     `json:"code"`
	Signal   *string  `json:"signal"`
	Message  *string  `json:"message,omitempty"`
	Status   *string  `json:"status,omitempty"`
	Memory   *int64   `json:"memory,omitempty"`
	CPUTime  *float64 `json:"cpu_time,omitempty"`
	WallTime *float64 `json:"wall_time,omitempty"`
}

// ExecuteResponse is the answer of POST /api/v2/execute.
type ExecuteResponse struct {
	Language string `json:"language"`
	Version  string `json:"version"`
	Run      *Stage `json:"run"`
	Compile  *Stage `json:"compile,omitempty"`
}

// Run grades spec on the engine.
func (c *Client) Run(ctx context.Context, spec exercise.RunSpec) (exercise.RunResult, error) {
	rt, ok := c.runtimes[spec.Language]
	if !ok {
		return exercise.RunResult{}, fmt.Errorf("piston: no runtime configured for %q", spec.Language)
	}
	lim := harness.FillLimits(spec.Limits)
	prog, err := harness.Build(spec, harness.Options{})
	if rr, ok := harness.IsRejected(err, spec); ok {
		return rr, nil
	}
	if err != nil {
		return exercise.RunResult{}, fmt.Errorf("piston: %w", err)
	}
	req := ExecuteRequest{Language: rt.Language, Version: rt.Version, Args: []string{},
		CompileTimeout: c.cfg.CompileTimeout.Milliseconds(), RunTimeout: clamp(lim.WallTime, c.cfg.MaxRunTimeout).Milliseconds(),
		RunCPUTime:         clamp(lim.CPUTime, c.cfg.MaxCPUTime).Milliseconds(),
		CompileMemoryLimit: c.cfg.CompileMemoryBytes, RunMemoryLimit: lim.MemoryBytes}
	if c.cfg.MaxMemoryBytes > 0 {
		req.RunMemoryLimit = min(req.RunMemoryLimit, c.cfg.MaxMemoryBytes)
	}
	for _, f := range prog.Files {
		req.Files = append(req.Files, file{Name: f.Name, Content: string(f.Content)})
	}
	timeout := c.cfg.Timeout
	if timeout <= 0 {
		timeout = time.Duration(req.RunTimeout+req.CompileTimeout)*time.Millisecond + 10*time.Second
	}
	start := time.Now()
	resp, err := c.execute(ctx, req, timeout)
	if err != nil {
		return exercise.RunResult{}, err
	}
	return c.result(spec, prog, lim, resp, time.Since(start))
}

func clamp(d, most time.Duration) time.Duration {
	if most > 0 && d > most {
		return most
	}
	return d
}

func (c *Client) result(spec exercise.RunSpec, prog *harness.Program, lim exercise.Limits, resp *ExecuteResponse,
	took time.Duration) (exercise.RunResult, error) {
	if cs := resp.Compile; cs != nil && (code(cs) != 0 || str(cs.Signal) != "") {
		out := strings.TrimSpace(cs.Stderr + "\n" + cs.Stdout)
		if str(cs.Status) == "TO" || (str(cs.Status) == "" && str(cs.Signal) == "SIGKILL") {
			out = "compilation did not finish within the time limit"
		}
		if spec.Language == language.Go {
			out = harness.CleanGoCompileOutput(out)
		}
		return (&harness.Rejected{Message: out}).Result(spec), nil
	}
	run := resp.Run
	col := harness.NewCollector(prog, lim.OutputBytes)
	_, _ = col.Stdout().Write([]byte(run.Stdout)) // past the limit, Exceeded says so
	_, _ = col.Stderr().Write([]byte(run.Stderr))
	o := harness.Outcome{ExitCode: code(run), Signal: str(run.Signal), Duration: took}
	if run.WallTime != nil {
		o.Duration = time.Duration(*run.WallTime * float64(time.Millisecond))
	}
	switch status := str(run.Status); {
	case status == "XX":
		return exercise.RunResult{}, fmt.Errorf("piston: the engine failed: %s", str(run.Message))
	case status == "TO", status == "" && o.Signal == "SIGKILL":
		o.TimedOut, o.TimeDetail = true, "time limit"
		if m := str(run.Message); m != "" {
			o.TimeDetail = strings.ToLower(m)
		}
	case status == "OL" || status == "EL":
		o.OutputExceeded = true
	case o.Signal == "SIGKILL" && run.Memory != nil && lim.MemoryBytes > 0 && *run.Memory >= lim.MemoryBytes*9/10:
		o.MemoryExceeded = true
	}
	if spec.Language == language.Go {
		// go run compiles first: its refusal comes on the run's stderr.
		if code(run) != 0 && !o.TimedOut && harness.LooksLikeGoCompileError(run.Stderr) && !strings.Contains(run.Stdout, prog.Marker) {
			o.CompileFailed, o.CompileOutput = true, harness.CleanGoCompileOutput(run.Stderr)
		} else {
			o.Launched = true
		}
	}
	rr, err := col.Result(o)
	if err != nil {
		return exercise.RunResult{}, fmt.Errorf("piston: %w", err)
	}
	return rr, nil
}

func code(s *Stage) int {
	if s.Code == nil {
		return -1
	}
	return *s.Code
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// execute posts req, retrying a 429 or 503 once.
func (c *Client) execute(ctx context.Context, req ExecuteRequest, timeout time.Duration) (*ExecuteResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("piston: %w", err)
	}
	for attempt := 0; ; attempt++ {
		status, header, data, err := c.do(ctx, http.MethodPost, "/api/v2/execute", body, timeout)
		if err != nil {
			return nil, err
		}
		if status == http.StatusOK {
			var resp ExecuteResponse
			if err := json.Unmarshal(data, &resp); err != nil {
				return nil, fmt.Errorf("piston: malformed answer: %w", err)
			}
			if resp.Run == nil {
				return nil, errors.New("piston: malformed answer: no run stage")
			}
			return &resp, nil
		}
		perr := &Error{StatusCode: status}
		var msg struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &msg) == nil {
			perr.Message = msg.Message
		}
		if attempt > 0 || (status != http.StatusTooManyRequests && status != http.StatusServiceUnavailable) {
			return nil, perr
		}
		wait, ok := retryAfter(header.Get("Retry-After"), c.cfg.MaxRetryWait)
		if !ok {
			return nil, perr
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("piston: %w", ctx.Err())
		case <-time.After(wait):
		}
	}
}

// retryAfter reads Retry-After (seconds or an HTTP date); a missing one
// waits a moment, one longer than most is not waited for.
func retryAfter(h string, most time.Duration) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return min(250*time.Millisecond, most), true
	}
	var d time.Duration
	if secs, err := strconv.Atoi(h); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = time.Until(t)
	} else {
		return 0, false
	}
	d = max(d, 0)
	return d, d <= most
}

func (c *Client) do(ctx context.Context, method, path string, body []byte, timeout time.Duration) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("piston: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.cfg.Authorization != "" {
		req.Header.Set("Authorization", c.cfg.Authorization)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("piston: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("piston: read answer: %w", err)
	}
	return resp.StatusCode, resp.Header, data, nil
}

// RuntimeInfo is one runtime GET /api/v2/runtimes lists.
type RuntimeInfo struct {
	Language string   `json:"language"`
	Version  string   `json:"version"`
	Aliases  []string `json:"aliases"`
	Runtime  string   `json:"runtime,omitempty"`
}

// Runtimes lists the engine's runtimes.
func (c *Client) Runtimes(ctx context.Context) ([]RuntimeInfo, error) {
	status, _, data, err := c.do(ctx, http.MethodGet, "/api/v2/runtimes", nil, 10*time.Second)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, &Error{StatusCode: status}
	}
	var out []RuntimeInfo
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("piston: malformed runtimes: %w", err)
	}
	return out, nil
}

// Check reports whether the engine answers and has every configured
// runtime (for readiness).
func (c *Client) Check(ctx context.Context) error {
	list, err := c.Runtimes(ctx)
	if err != nil {
		return err
	}
	for l, want := range c.runtimes {
		found := false
		for _, rt := range list {
			if rt.Version == want.Version && (rt.Language == want.Language || contains(rt.Aliases, want.Language)) {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("piston: runtime %s %s for %s is not installed", want.Language, want.Version, l)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
