// Package harness generates the program that runs a learner's code against
// an exercise's test calls, and reads that program's report back into an
// exercise.RunResult. Both CodeRunner adapters share it (local bubblewrap,
// remote Piston), so the test-call model is the same wherever code runs:
//
//   - The exercise names an entry function; each test calls it with Args (a
//     JSON array spread as positional arguments) and the harness reports the
//     JSON of the return value. Expected values never enter the sandbox.
//   - All tests run in one process, one after another; each result is
//     written as soon as its call returns, so the results of the tests that
//     finished survive a timeout or a crash.
//   - Results travel on stdout as lines "<marker><JSON>\n", the marker being
//     random for every run. What the learner's code prints during a call is
//     captured and streamed as that test's output; anything else on stdout is
//     the run's own output. The learner's code could dig the marker out of
//     the process's memory, but forging a result gains nothing: the expected
//     values are not in the sandbox to copy.
//   - The harness sources are real files (_templates/harness.{py,js,go},
//     kept where the go tool does not compile them) with the run's data
//     prepended as base64 JSON, never spliced into code. The one identifier
//     spliced is the entry name, checked against a strict pattern.
//
// Go: the learner's file is package main without a main function; the
// harness is a second file whose main calls the entry through reflection, and
// a generated third file binds _cmEntry to it. Learner code may import only
// AllowedGoImports (checked here, before any compiler runs).
package harness

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"strings"

	_ "embed"

	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

var (
	//go:embed _templates/harness.py
	pythonHarness string
	//go:embed _templates/harness.js
	jsHarness string
	//go:embed _templates/harness.go
	goHarness string
)

// File names inside the sandbox's work directory.
const (
	PythonLearnerFile = "solution.py"
	JSLearnerFile     = "solution.js"
	GoLearnerFile     = "solution.go"
	PythonHarnessFile = "harness.py"
	JSHarnessFile     = "harness.js"
	GoHarnessFile     = "harness.go"
	GoConfigFile      = "cm_config.go"
)

// AllowedGoImports are the standard packages a Go solution may import: the
// rule exercise authors write against. The local runner compiles against
// export data of exactly these (and the harness's own imports).
var AllowedGoImports = []string{
	"bufio", "bytes", "container/heap", "container/list", "encoding/json", "errors", "fmt", "maps", "math",
	"math/bits", "os", "reflect", "regexp", "slices", "sort", "strconv", "strings", "time", "unicode",
	"unicode/utf8",
}

// GoHarnessImports are the packages the Go harness itself imports.
var GoHarnessImports = []string{
	"bytes", "encoding/base64", "encoding/json", "fmt", "math", "os", "reflect", "runtime", "runtime/debug",
	"strconv", "strings", "sync", "syscall", "time",
}

// GoBuiltSentinel is the line a runner's build step writes to stderr once
// the Go program is compiled and linked, just before starting it: it tells
// a crash in the learner's package initialisation (the harness never got to
// speak) from a sandbox that never ran anything.
const GoBuiltSentinel = "\x00codementor: built\n"

var entryPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// keywords cannot name an entry function in the language.
var keywords = map[language.Language][]string{
	language.Python: {"False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
		"def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
		"lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield"},
	language.JavaScript: {"await", "break", "case", "catch", "class", "const", "continue", "debugger", "default",
		"delete", "do", "else", "enum", "export", "extends", "false", "finally", "for", "function", "if", "implements",
		"import", "in", "instanceof", "interface", "let", "new", "null", "package", "private", "protected", "public",
		"return", "static", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with",
		"yield"},
	language.Go: {"break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for",
		"func", "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct",
		"switch", "type", "var", "main", "init"},
}

// File is one file of a program.
type File struct {
	Name    string
	Content []byte
}

// Program is a generated program: the harness, the learner's file and, for
// Go, the generated binding file.
type Program struct {
	Language language.Language
	// Files[0] is the harness, the file to run (Python, JavaScript); for Go
	// every file is compiled together.
	Files       []File
	Marker      string
	LearnerFile string
	// TestNames are the spec's test names, in order.
	TestNames []string
}

// Options tune a generated program.
type Options struct {
	// Marker prefixes every result line; empty draws a fresh random one.
	Marker string
	// FileBytes and MemoryBytes, when set, make the Go harness lower its own
	// RLIMIT_FSIZE and RLIMIT_DATA as it starts: a runner that compiles in
	// the sandbox gives the compiler and linker more room than the
	// learner's program.
	FileBytes   int64
	MemoryBytes int64
}

// Rejected is code refused before it runs (a Go import outside the
// allow-list, a missing entry function): the learner's compile error, not a
// failure of the runner.
type Rejected struct{ Message string }

func (e *Rejected) Error() string { return "rejected: " + e.Message }

// Result is the run result of rejected code.
func (e *Rejected) Result(spec exercise.RunSpec) exercise.RunResult {
	rr := exercise.RunResult{Status: exercise.RunCompileError, CompileOutput: e.Message}
	for _, t := range spec.Tests {
		rr.Tests = append(rr.Tests, exercise.TestOutput{Name: t.Name, Status: exercise.TestNotRun})
	}
	return rr
}

// FillLimits fills limits' zero fields from exercise.DefaultLimits.
func FillLimits(l exercise.Limits) exercise.Limits {
	d := exercise.DefaultLimits()
	fill := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	fill((*int64)(&l.CPUTime), int64(d.CPUTime))
	fill((*int64)(&l.WallTime), int64(d.WallTime))
	fill(&l.MemoryBytes, d.MemoryBytes)
	fill(&l.FileBytes, d.FileBytes)
	fill(&l.OutputBytes, d.OutputBytes)
	if l.Processes <= 0 {
		l.Processes = d.Processes
	}
	if l.OpenFiles <= 0 {
		l.OpenFiles = d.OpenFiles
	}
	return l
}

// NewMarker draws a fresh result marker.
func NewMarker() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return "@@cm:" + hex.EncodeToString(b) + "@@"
}

type testConf struct {
	Name string          `json:"name"`
	Args json.RawMessage `json:"args"`
}

type config struct {
	Marker      string     `json:"marker"`
	File        string     `json:"file"`
	Entry       string     `json:"entry"`
	Tests       []testConf `json:"tests"`
	FileBytes   int64      `json:"file_bytes,omitempty"`
	MemoryBytes int64      `json:"memory_bytes,omitempty"`
	Remove      []string   `json:"remove,omitempty"`
}

// Build generates the program running spec. An error is either *Rejected
// (the learner's code is refused) or a bad spec (the runner's problem).
func Build(spec exercise.RunSpec, opt Options) (*Program, error) {
	if !entryPattern.MatchString(spec.Entry) || slices.Contains(keywords[spec.Language], spec.Entry) {
		return nil, fmt.Errorf("harness: entry %q cannot name a %s function", spec.Entry, spec.Language)
	}
	marker := opt.Marker
	if marker == "" {
		marker = NewMarker()
	}
	cfg := config{Marker: marker, Entry: spec.Entry, Tests: make([]testConf, len(spec.Tests))}
	names := make([]string, len(spec.Tests))
	for i, t := range spec.Tests {
		args := t.Args
		if len(strings.TrimSpace(string(args))) == 0 {
			args = json.RawMessage("[]")
		}
		if !json.Valid(args) {
			return nil, fmt.Errorf("harness: test %q: arguments are not valid JSON", t.Name)
		}
		cfg.Tests[i] = testConf{Name: t.Name, Args: args}
		names[i] = t.Name
	}
	p := &Program{Language: spec.Language, Marker: marker, TestNames: names}
	code := []byte(spec.Code)
	switch spec.Language {
	case language.Python:
		cfg.File = PythonLearnerFile
		p.Files = []File{{PythonHarnessFile, []byte("_CM_CONFIG = \"" + encode(cfg) + "\"\n" + pythonHarness)}, {PythonLearnerFile, code}}
	case language.JavaScript:
		cfg.File = JSLearnerFile
		p.Files = []File{{JSHarnessFile, []byte("const __cmConfig = \"" + encode(cfg) + "\";\n" + jsHarness)}, {JSLearnerFile, code}}
	case language.Go:
		if err := checkGo(spec.Code, spec.Entry); err != nil {
			return nil, err
		}
		cfg.File = GoLearnerFile
		cfg.FileBytes, cfg.MemoryBytes = opt.FileBytes, opt.MemoryBytes
		// Piston renames the first file to end in ".go" once more.
		cfg.Remove = []string{GoHarnessFile, GoHarnessFile + ".go", GoConfigFile}
		binding := "package main\n\nvar _cmEntry = " + spec.Entry + "\n\nconst _cmConfig = \"" + encode(cfg) + "\"\n"
		p.Files = []File{{GoHarnessFile, []byte(goHarness)}, {GoLearnerFile, code}, {GoConfigFile, []byte(binding)}}
	default:
		return nil, fmt.Errorf("harness: unsupported language %q", spec.Language)
	}
	p.LearnerFile = cfg.File
	return p, nil
}

func encode(cfg config) string {
	b, err := json.Marshal(cfg)
	if err != nil {
		panic("harness: encode config: " + err.Error()) // only plain data and valid RawMessages
	}
	return base64.StdEncoding.EncodeToString(b)
}

// checkGo refuses, before compiling, what the Go harness cannot work with.
// Code that does not parse is left to the compiler, whose messages say more.
func checkGo(code, entry string) error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, GoLearnerFile, code, parser.SkipObjectResolution)
	if err != nil {
		return nil
	}
	pos := func(p token.Pos) string {
		at := fset.Position(p)
		return fmt.Sprintf("%s:%d:%d", GoLearnerFile, at.Line, at.Column)
	}
	if f.Name.Name != "main" {
		return &Rejected{Message: pos(f.Name.Pos()) + ": the package must be main (package main)"}
	}
	var refused []string
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil || !slices.Contains(AllowedGoImports, path) {
			refused = append(refused, fmt.Sprintf("%s: could not import %s (not allowed here; allowed: %s)",
				pos(imp.Path.Pos()), imp.Path.Value, strings.Join(AllowedGoImports, ", ")))
		}
	}
	if len(refused) > 0 {
		return &Rejected{Message: strings.Join(refused, "\n")}
	}
	found := false
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil {
				continue
			}
			if d.Name.Name == "main" {
				return &Rejected{Message: pos(d.Pos()) + ": do not define main: the grader calls " + entry + " itself"}
			}
			found = found || d.Name.Name == entry
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if vs, ok := s.(*ast.ValueSpec); ok {
					for _, n := range vs.Names {
						found = found || n.Name == entry
					}
				}
			}
		}
	}
	if !found {
		return &Rejected{Message: GoLearnerFile + ": the function " + entry + " is not defined"}
	}
	return nil
}

// IsRejected reports whether err is refused learner code, and its result.
func IsRejected(err error, spec exercise.RunSpec) (exercise.RunResult, bool) {
	var rej *Rejected
	if errors.As(err, &rej) {
		return rej.Result(spec), true
	}
	return exercise.RunResult{}, false
}

var (
	goCompileLine = regexp.MustCompile(`(?m)^(\./)?[\w.\-]+\.go:\d+(:\d+)?: `)
	goDoubleExt   = regexp.MustCompile(`\.go\.go:`)
)

// CleanGoCompileOutput turns go build or go tool compile output into what
// the learner sees: no package header, no sandbox paths, Piston's renamed
// files under their own names.
func CleanGoCompileOutput(s string, workDirs ...string) string {
	for _, d := range workDirs {
		if d != "" {
			s = strings.ReplaceAll(s, strings.TrimSuffix(d, "/")+"/", "")
		}
	}
	s = goDoubleExt.ReplaceAllString(s, ".go:")
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "# ") || strings.TrimSpace(l) == "" {
			continue
		}
		lines = append(lines, strings.TrimPrefix(l, "./"))
	}
	if len(lines) > 40 {
		lines = append(lines[:40], "(more errors left out)")
	}
	return strings.Join(lines, "\n")
}

// LooksLikeGoCompileError reports whether stderr from a go run is the
// compiler refusing the code (rather than the program failing).
func LooksLikeGoCompileError(stderr string) bool {
	return strings.Contains(stderr, "# command-line-arguments") || goCompileLine.MatchString(stderr) && !strings.Contains(stderr, "goroutine ")
}
