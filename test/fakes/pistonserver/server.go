// Package pistonserver runs a fake Piston (engineer-man/piston) API v2
// server for tests. It speaks Piston's wire format:
//
//	POST /api/v2/execute  {"language","version","files":[{"name","content"}],
//	                       "stdin","args","compile_timeout","run_timeout",
//	                       "run_cpu_time","compile_memory_limit","run_memory_limit"}
//	   200 {"language","version","run":{"stdout","stderr","output","code",
//	        "signal","message","status","memory","cpu_time","wall_time"}}
//	   400/415/429/500/503 {"message": "..."}
//	GET  /api/v2/runtimes  [{"language","version","aliases","runtime"}]
//
// and it really executes the files: it hands them to the local runner's
// sandbox (local.Runner.Exec) the way Piston's packages run them (python3
// and node run the first file; Go renames the first file to end in .go once
// more and builds every .go file, like `go run *.go`, with compiler errors
// on the run's stderr and exit code 1). Like Piston, a run over its time
// limit is killed (signal "SIGKILL", status "TO"), a stream over
// OutputMaxSize kills it too (status "OL" or "EL"), a non-zero exit is
// status "RE" and a death by signal "SG".
//
// Failures can be scripted for the next requests: 429 with Retry-After,
// 500, 503, an answer that comes too late, a malformed body, a failed
// compile stage. Every request is recorded with its headers.
package pistonserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/codementor/codementor/adapters/runner/harness"
	"github.com/codementor/codementor/adapters/runner/local"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

// Runtime is an installed runtime.
type Runtime struct {
	Language string   `json:"language"`
	Version  string   `json:"version"`
	Aliases  []string `json:"aliases"`
	Runtime  string   `json:"runtime,omitempty"`
}

// DefaultRuntimes are the public packages' versions.
var DefaultRuntimes = []Runtime{
	{Language: "python", Version: "3.10.0", Aliases: []string{"py", "py3", "python3", "python3.10"}},
	{Language: "javascript", Version: "18.15.0", Aliases: []string{"node-javascript", "node-js", "javascript", "js"}, Runtime: "node"},
	{Language: "go", Version: "1.16.2", Aliases: []string{"go", "golang"}},
}

// Config sets the server up.
type Config struct {
	// Runner executes the files. Without one, an execute request that no
	// fault answers gets a 500.
	Runner *local.Runner
	// Runtimes default to DefaultRuntimes.
	Runtimes []Runtime
	// OutputMaxSize bounds stdout and stderr each, like
	// PISTON_OUTPUT_MAX_SIZE; default 65536 (Piston's own default, 1024,
	// is too small for grading).
	OutputMaxSize int
}

// Fault is how the server fails a request instead of answering it.
type Fault int

const (
	// RateLimited answers 429 with Retry-After (see SetRetryAfter).
	RateLimited Fault = iota + 1
	// ServerError answers 500.
	ServerError
	// Unavailable answers 503 with Retry-After.
	Unavailable
	// Slow holds the request until SlowFor passes or the client goes away,
	// then answers normally.
	Slow
	// Malformed answers 200 with a body that is not JSON.
	Malformed
	// CompileFailure answers 200 with a failed compile stage (and, as
	// Piston does, the same stage as run).
	CompileFailure
)

// Request is a recorded request.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   ExecuteRequest
	Fault  Fault
}

// File is one file of an execute request.
type File struct {
	Name     string `json:"name"`
	Content  string `json:"content"`
	Encoding string `json:"encoding,omitempty"`
}

// ExecuteRequest is the body of POST /api/v2/execute.
type ExecuteRequest struct {
	Language           string   `json:"language"`
	Version            string   `json:"version"`
	Files              []File   `json:"files"`
	Stdin              string   `json:"stdin"`
	Args               []string `json:"args"`
	CompileTimeout     *int64   `json:"compile_timeout"`
	RunTimeout         *int64   `json:"run_timeout"`
	RunCPUTime         *int64   `json:"run_cpu_time"`
	CompileMemoryLimit *int64   `json:"compile_memory_limit"`
	RunMemoryLimit     *int64   `json:"run_memory_limit"`
}

// Stage is a stage of the answer.
type Stage struct {
	Stdout   string   `json:"stdout"`
	Stderr   string   `json:"stderr"`
	Output   string   `json:"output"`
	Code     *int     `json:"code"`
	Signal   *string  `json:"signal"`
	Message  *string  `json:"message"`
	Status   *string  `json:"status"`
	Memory   *int64   `json:"memory"`
	CPUTime  *float64 `json:"cpu_time"`
	WallTime *float64 `json:"wall_time"`
}

// Server is the fake.
type Server struct {
	cfg Config
	srv *httptest.Server

	mu         sync.Mutex
	faults     []Fault
	retryAfter string
	slowFor    time.Duration
	requests   []Request
}

// New starts a server, closed when the test ends.
func New(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Runtimes == nil {
		cfg.Runtimes = DefaultRuntimes
	}
	if cfg.OutputMaxSize <= 0 {
		cfg.OutputMaxSize = 65536
	}
	s := &Server{cfg: cfg, retryAfter: "1", slowFor: 30 * time.Second}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v2/execute", s.execute)
	mux.HandleFunc("GET /api/v2/runtimes", s.runtimes)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL (without /api/v2).
func (s *Server) URL() string { return s.srv.URL }

// FailNext makes the next n execute requests fail with f.
func (s *Server) FailNext(f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// SetRetryAfter sets the Retry-After of 429 and 503 answers ("" sends
// none); default "1".
func (s *Server) SetRetryAfter(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retryAfter = v
}

// SetSlowFor sets how long a Slow fault holds the request; default 30 s.
func (s *Server) SetSlowFor(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slowFor = d
}

// Requests are the requests seen so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func message(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

func (s *Server) runtimes(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()})
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.cfg.Runtimes)
}

func (s *Server) execute(w http.ResponseWriter, r *http.Request) {
	var body ExecuteRequest
	raw := new(bytes.Buffer)
	_, _ = raw.ReadFrom(r.Body)
	decodeErr := json.Unmarshal(raw.Bytes(), &body)

	s.mu.Lock()
	var fault Fault
	if len(s.faults) > 0 {
		fault, s.faults = s.faults[0], s.faults[1:]
	}
	retryAfter, slowFor := s.retryAfter, s.slowFor
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, Fault: fault})
	s.mu.Unlock()

	switch fault {
	case RateLimited, Unavailable:
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		if fault == RateLimited {
			message(w, http.StatusTooManyRequests, "Requests limited to 5 per second")
		} else {
			message(w, http.StatusServiceUnavailable, "the engine is restarting")
		}
		return
	case ServerError:
		w.WriteHeader(http.StatusInternalServerError)
		return
	case Malformed:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"language":"python","run":{"stdout":"`))
		return
	case Slow:
		select {
		case <-r.Context().Done():
			return
		case <-time.After(slowFor):
		}
	}

	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		message(w, http.StatusUnsupportedMediaType, "requests must be of type application/json")
		return
	}
	if decodeErr != nil {
		message(w, http.StatusBadRequest, "invalid JSON: "+decodeErr.Error())
		return
	}
	rt, lang, msg := s.validate(body)
	if msg != "" {
		message(w, http.StatusBadRequest, msg)
		return
	}
	if fault == CompileFailure {
		stage := Stage{Stderr: "error: the fake compiler refuses this\n", Code: ptr(1), Status: ptr("RE")}
		stage.Output = stage.Stderr
		writeJSON(w, http.StatusOK, map[string]any{"language": rt.Language, "version": rt.Version, "compile": stage, "run": stage})
		return
	}
	if s.cfg.Runner == nil {
		message(w, http.StatusInternalServerError, "no runner configured")
		return
	}
	run, err := s.run(r, body, lang)
	if err != nil {
		if r.Context().Err() != nil {
			return
		}
		message(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"language": rt.Language, "version": rt.Version, "run": run})
}

func ptr[T any](v T) *T { return &v }

// validate checks the body as Piston's API does.
func (s *Server) validate(b ExecuteRequest) (Runtime, language.Language, string) {
	if b.Language == "" {
		return Runtime{}, language.Language{}, "language is required as a string"
	}
	if b.Version == "" {
		return Runtime{}, language.Language{}, "version is required as a string"
	}
	if b.Files == nil {
		return Runtime{}, language.Language{}, "files is required as an array"
	}
	for _, rt := range s.cfg.Runtimes {
		if rt.Version != b.Version && b.Version != "*" {
			continue
		}
		if rt.Language != b.Language && !contains(rt.Aliases, b.Language) {
			continue
		}
		l, err := language.Parse(rt.Language)
		if err != nil {
			return Runtime{}, language.Language{}, fmt.Sprintf("%s-%s runtime is unknown", b.Language, b.Version)
		}
		if len(b.Files) == 0 {
			return Runtime{}, language.Language{}, "files must include at least one utf8 encoded file"
		}
		for _, lim := range []*int64{b.CompileTimeout, b.RunTimeout, b.RunCPUTime, b.CompileMemoryLimit, b.RunMemoryLimit} {
			if lim != nil && *lim < -1 {
				return Runtime{}, language.Language{}, "limits must be non-negative"
			}
		}
		return rt, l, ""
	}
	return Runtime{}, language.Language{}, fmt.Sprintf("%s-%s runtime is unknown", b.Language, b.Version)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// capped is one output stream, refusing more than max bytes (Piston drops
// the chunk that does not fit and kills the program).
type capped struct {
	buf  bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if c.over || c.buf.Len()+len(p) > c.max {
		c.over = true
		return 0, fmt.Errorf("output over %d bytes", c.max)
	}
	return c.buf.Write(p)
}

func (s *Server) run(r *http.Request, b ExecuteRequest, lang language.Language) (Stage, error) {
	ms := func(v *int64, def int64) time.Duration {
		if v == nil || *v <= 0 {
			return time.Duration(def) * time.Millisecond
		}
		return time.Duration(*v) * time.Millisecond
	}
	lim := exercise.Limits{WallTime: ms(b.RunTimeout, 3000), MemoryBytes: 512 << 20}
	lim.CPUTime = ms(b.RunCPUTime, lim.WallTime.Milliseconds())
	if b.RunMemoryLimit != nil && *b.RunMemoryLimit > 0 {
		lim.MemoryBytes = *b.RunMemoryLimit
	}
	files := make([]harness.File, len(b.Files))
	for i, f := range b.Files {
		name := f.Name
		if name == "" {
			name = fmt.Sprintf("file%d.code", i)
		}
		files[i] = harness.File{Name: name, Content: []byte(f.Content)}
	}
	if lang == language.Go {
		files[0].Name += ".go" // the package's run script: mv $1 $1.go; go run *.go
	}
	stdout, stderr := &capped{max: s.cfg.OutputMaxSize}, &capped{max: s.cfg.OutputMaxSize}
	exit, err := s.cfg.Runner.Exec(r.Context(), local.Job{Language: lang, Files: files, Limits: lim, Stdout: stdout, Stderr: stderr})
	if err != nil {
		return Stage{}, err
	}
	st := Stage{Stdout: stdout.buf.String(), Stderr: stderr.buf.String(), Memory: ptr(int64(0)),
		CPUTime: ptr(float64(exit.CPUTime.Milliseconds())), WallTime: ptr(float64(exit.Duration.Milliseconds()))}
	if lang == language.Go {
		st.Stderr = strings.TrimPrefix(st.Stderr, harness.GoBuiltSentinel)
		if exit.Code == 97 || exit.Code == 98 { // the local build driver's codes: go run's are 1
			lines := strings.Split(strings.TrimSpace(st.Stderr), "\n")
			for i, l := range lines {
				lines[i] = "./" + l
			}
			st.Stderr = "# command-line-arguments\n" + strings.Join(lines, "\n") + "\n"
			exit.Code = 1
		}
	}
	st.Output = st.Stdout + st.Stderr
	switch {
	case exit.WallTimeout || exit.CPUTimeout:
		st.Signal, st.Status, st.Message = ptr("SIGKILL"), ptr("TO"), ptr("Time limit exceeded")
	case stdout.over:
		st.Signal, st.Status, st.Message = ptr("SIGKILL"), ptr("OL"), ptr("stdout length exceeded")
	case stderr.over:
		st.Signal, st.Status, st.Message = ptr("SIGKILL"), ptr("EL"), ptr("stderr length exceeded")
	case exit.MemoryExceeded:
		st.Signal, st.Status, st.Message = ptr("SIGKILL"), ptr("SG"), ptr("Caught fatal signal 9")
		st.Memory = ptr(lim.MemoryBytes)
	case exit.Signal != 0:
		name := signalName(exit.Signal)
		st.Signal, st.Status, st.Message = ptr(name), ptr("SG"), ptr(fmt.Sprintf("Caught fatal signal %d", int(exit.Signal)))
	case exit.Code != 0:
		st.Code, st.Status, st.Message = ptr(exit.Code), ptr("RE"), ptr(fmt.Sprintf("Exited with error status %d", exit.Code))
	default:
		st.Code = ptr(0)
	}
	return st, nil
}

func signalName(s syscall.Signal) string {
	names := map[syscall.Signal]string{syscall.SIGKILL: "SIGKILL", syscall.SIGSEGV: "SIGSEGV", syscall.SIGABRT: "SIGABRT",
		syscall.SIGXCPU: "SIGXCPU", syscall.SIGXFSZ: "SIGXFSZ", syscall.SIGTERM: "SIGTERM", syscall.SIGBUS: "SIGBUS",
		syscall.SIGFPE: "SIGFPE", syscall.SIGILL: "SIGILL", syscall.SIGPIPE: "SIGPIPE"}
	if n, ok := names[s]; ok {
		return n
	}
	return fmt.Sprintf("SIG%d", int(s))
}
