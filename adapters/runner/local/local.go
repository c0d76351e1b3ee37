// Package local is the ports.CodeRunner that grades learner code on this
// machine, in a bubblewrap sandbox, one process per submission (the test
// harness runs every test call in it; see adapters/runner/harness).
//
// The sandbox (bwrap, started directly, no shell):
//   - new user, PID, network (nothing but a down loopback), mount, IPC, UTS
//     and cgroup namespaces; --die-with-parent, --new-session, --cap-drop
//     ALL, --disable-userns; bwrap itself gets an empty environment, so even
//     the sandbox's /proc/1/environ holds nothing of the server's;
//   - a read-only system: /usr (and the /bin, /lib* links), /etc/ld.so.cache,
//     the language runtimes' trees when they live outside /usr, and for Go the
//     runner's std export data; no /etc/passwd, /root, /home or host /tmp,
//     and no /proc (no runtime needs it, and without it not even the
//     sandbox's own PID 1 is there to read); a minimal read-only /dev;
//   - fresh size-limited tmpfs /work (the files, the working directory),
//     /tmp and /dev/shm, gone with the run; the root itself is read-only; the files are copied in through pipes
//     (--file), so nothing is written on the host's disk;
//   - only PATH, HOME, LANG and TMPDIR set.
//
// Limits (exercise.Limits, zero fields taken from exercise.DefaultLimits):
// bwrap starts with --block-fd; while its child waits, the runner (trusted,
// outside) sets rlimits on it with prlimit(2) (inherited by everything it
// starts) and moves it into a per-run cgroup, then lets it go.
//   - CPU: RLIMIT_CPU, soft at the limit (SIGXCPU), hard one second later
//     (SIGKILL, for runtimes that ignore SIGXCPU, as Go does);
//   - memory: RLIMIT_DATA (RLIMIT_AS would break V8 and Go, which reserve
//     huge address ranges), node's --max-old-space-size at 3/4 of it, and
//     when the runner may create cgroups (root, cgroup v1 memory+pids or v2)
//     a memory cgroup at the limit, whose OOM kills are reported;
//   - processes: RLIMIT_NPROC, counted per real uid, so as root each
//     concurrent run gets its own uid (UIDBase + slot): a fork bomb exhausts
//     only its own slot and cannot signal other runs; plus pids.max in the
//     cgroup. Without root the sandbox runs as the server's uid, RLIMIT_NPROC
//     then counts the server's own threads and concurrent runs together
//     (raise Processes accordingly, or give the server a dedicated uid);
//   - files: RLIMIT_FSIZE (Python gets EFBIG errors, Node dies of SIGXFSZ:
//     a runtime error whose detail says "file size limit"), tmpfs sizes;
//     RLIMIT_NOFILE for open files; RLIMIT_CORE 0;
//   - wall time: the runner kills bwrap at the limit (its process group;
//     the sandbox's PID 1 dies with it and takes every process in the
//     namespace along, and the cgroup is swept);
//   - output: the runner reads the pipes and stops at the limit
//     (RunOutputLimit).
//
// Go: at first use (or Prepare) the runner builds export data for the
// allowed std packages with `go list -export` into a GOCACHE it alone
// writes, and binds it read-only into every sandbox; inside, the toolchain's
// compile and link build the learner's file with the harness in the tmpfs,
// then the program runs. No build cache is shared between runs.
package local

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/codementor/codementor/adapters/runner/harness"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/ports"
)

var _ ports.CodeRunner = (*Runner)(nil)

// Config sets the runner up; every zero field has a default.
type Config struct {
	BwrapPath  string // default /usr/bin/bwrap
	PythonPath string // default /usr/bin/python3
	NodePath   string // default /usr/bin/node
	GoRoot     string // default /usr/local/go
	ShellPath  string // runs the Go build steps inside the sandbox; default /bin/sh
	// PrlimitPath is util-linux prlimit, which sets the rlimits and execs
	// bwrap; default /usr/bin/prlimit.
	PrlimitPath string
	// Languages are the languages to serve; default all. New checks each
	// one's runtime.
	Languages []language.Language
	// GoStdDir is the runner's private directory for the Go std export data
	// (a GOCACHE only the runner writes, read-only in the sandboxes); default
	// <os.UserCacheDir>/codementor/gostd, or /var/cache/codementor/gostd as
	// root (bwrap runs as the slot's uid, which must reach the directory:
	// /root is private). New refuses a directory other users cannot reach.
	GoStdDir string
	// MaxConcurrent is how many runs may be in their sandboxes at once
	// (further runs wait); default 2 * NumCPU, at least 4.
	MaxConcurrent int
	// UIDBase: as root, slot i runs as uid and gid UIDBase+i. Choose a
	// range no real user and no subuid range uses, and give runners on one
	// host disjoint ranges. Default 500000.
	UIDBase int
	// Cgroups: "auto" (default) uses cgroups when the runner may create
	// them, "off" never does.
	Cgroups    string
	CgroupRoot string // default /sys/fs/cgroup
	// CgroupParent is the directory created under each hierarchy for the
	// runs' cgroups; default "codementor".
	CgroupParent string
	// WorkDirBytes bounds the sandbox's tmpfs /work and /tmp each; default
	// 64 MiB.
	WorkDirBytes int64
	// ExtraROBinds are more host paths bound read-only at the same place.
	ExtraROBinds []string
	// Unsandboxed runs programs directly, with no sandbox and no limit but
	// the wall time: the benchmark's baseline. Never in a server.
	Unsandboxed bool
}

// Runner runs learner code; safe for concurrent use.
type Runner struct {
	cfg     Config
	python  string // resolved paths
	node    string
	shell   string
	prlimit string
	goBin   string
	binds   []string
	langs   map[language.Language]bool
	slots   chan int
	asRoot  bool
	cgroups *cgroups

	goMu  sync.Mutex
	goStd *goStd
}

// New checks the tools and prepares the runner. A missing tool is an error:
// the runner cannot work, which is never the learner's fault.
func New(cfg Config) (*Runner, error) {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&cfg.BwrapPath, "/usr/bin/bwrap")
	def(&cfg.PythonPath, "/usr/bin/python3")
	def(&cfg.NodePath, "/usr/bin/node")
	def(&cfg.GoRoot, "/usr/local/go")
	def(&cfg.ShellPath, "/bin/sh")
	def(&cfg.PrlimitPath, "/usr/bin/prlimit")
	def(&cfg.Cgroups, "auto")
	def(&cfg.CgroupRoot, "/sys/fs/cgroup")
	def(&cfg.CgroupParent, "codementor")
	if cfg.GoStdDir == "" {
		dir, err := os.UserCacheDir()
		if os.Geteuid() == 0 {
			dir, err = "/var/cache", nil
		}
		if err != nil {
			return nil, fmt.Errorf("local runner: no GoStdDir and no user cache dir: %w", err)
		}
		cfg.GoStdDir = filepath.Join(dir, "codementor", "gostd")
	}
	if len(cfg.Languages) == 0 {
		cfg.Languages = language.All()
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = max(4, 2*runtime.NumCPU())
	}
	if cfg.UIDBase <= 0 {
		cfg.UIDBase = 500000
	}
	if cfg.WorkDirBytes <= 0 {
		cfg.WorkDirBytes = 64 << 20
	}
	if cfg.Cgroups != "auto" && cfg.Cgroups != "off" {
		return nil, fmt.Errorf("local runner: Cgroups must be auto or off, not %q", cfg.Cgroups)
	}

	r := &Runner{cfg: cfg, langs: map[language.Language]bool{}, slots: make(chan int, cfg.MaxConcurrent),
		asRoot: os.Geteuid() == 0}
	for i := range cfg.MaxConcurrent {
		r.slots <- i
	}
	var err error
	if !cfg.Unsandboxed {
		if _, err := executable(cfg.BwrapPath); err != nil {
			return nil, fmt.Errorf("local runner: bubblewrap: %w", err)
		}
		if r.prlimit, err = executable(cfg.PrlimitPath); err != nil {
			return nil, fmt.Errorf("local runner: prlimit: %w", err)
		}
	}
	if r.shell, err = executable(cfg.ShellPath); err != nil {
		return nil, fmt.Errorf("local runner: shell: %w", err)
	}
	var tools []string
	for _, l := range cfg.Languages {
		switch l {
		case language.Python:
			if r.python, err = executable(cfg.PythonPath); err != nil {
				return nil, fmt.Errorf("local runner: python: %w", err)
			}
			tools = append(tools, r.python)
		case language.JavaScript:
			if r.node, err = executable(cfg.NodePath); err != nil {
				return nil, fmt.Errorf("local runner: node: %w", err)
			}
			tools = append(tools, r.node)
		case language.Go:
			if r.goBin, err = executable(filepath.Join(cfg.GoRoot, "bin", "go")); err != nil {
				return nil, fmt.Errorf("local runner: go: %w", err)
			}
			tools = append(tools, r.goBin)
		default:
			return nil, fmt.Errorf("local runner: unsupported language %q", l)
		}
		r.langs[l] = true
	}
	if r.langs[language.Go] && !cfg.Unsandboxed && r.asRoot {
		if err := reachable(cfg.GoStdDir); err != nil {
			return nil, fmt.Errorf("local runner: GoStdDir: %w", err)
		}
	}
	r.binds = systemBinds(append(tools, cfg.ExtraROBinds...))
	if !cfg.Unsandboxed && cfg.Cgroups == "auto" && r.asRoot {
		r.cgroups = detectCgroups(cfg.CgroupRoot, cfg.CgroupParent)
	}
	if !cfg.Unsandboxed {
		if err := r.selfCheck(); err != nil {
			return nil, fmt.Errorf("local runner: the sandbox does not work here: %w", err)
		}
	}
	return r, nil
}

// Name is what readiness reports.
func (r *Runner) Name() string { return "local" }

// CgroupsEnabled reports whether runs get a memory and pids cgroup.
func (r *Runner) CgroupsEnabled() bool { return r.cgroups != nil }

// Prepare builds the Go std export data now rather than at the first Go run
// (a cold build takes seconds).
func (r *Runner) Prepare(ctx context.Context) error {
	if !r.langs[language.Go] {
		return nil
	}
	_, err := r.goStdData(ctx)
	return err
}

// Run grades spec: it builds the harness program, runs it in the sandbox
// and reads its report.
func (r *Runner) Run(ctx context.Context, spec exercise.RunSpec) (exercise.RunResult, error) {
	lim := harness.FillLimits(spec.Limits)
	opt := harness.Options{}
	if spec.Language == language.Go {
		opt.FileBytes, opt.MemoryBytes = lim.FileBytes, lim.MemoryBytes
	}
	prog, err := harness.Build(spec, opt)
	if rr, ok := harness.IsRejected(err, spec); ok {
		return rr, nil
	}
	if err != nil {
		return exercise.RunResult{}, fmt.Errorf("local runner: %w", err)
	}
	col := harness.NewCollector(prog, lim.OutputBytes)
	exit, err := r.Exec(ctx, Job{Language: spec.Language, Files: prog.Files, Limits: lim,
		Stdout: col.Stdout(), Stderr: col.Stderr()})
	if err != nil {
		return exercise.RunResult{}, fmt.Errorf("local runner: %w", err)
	}
	out := exit.Outcome()
	if spec.Language == language.Go && (exit.Code == exitCompileFailed || exit.Code == exitLinkFailed) {
		out.CompileFailed = true
		out.CompileOutput = harness.CleanGoCompileOutput(col.StderrText(), sandboxWorkDir, exit.WorkDir)
		if exit.Code == exitLinkFailed {
			out.CompileOutput = "linking failed: " + out.CompileOutput
		}
	}
	rr, err := col.Result(out)
	if err != nil {
		return exercise.RunResult{}, fmt.Errorf("local runner: %w", err)
	}
	return rr, nil
}

// selfCheck runs one trivial program in the sandbox, so that a host where
// bwrap cannot work (no user namespaces, say) fails at start, not at the
// first submission.
func (r *Runner) selfCheck() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	exit, err := r.exec(ctx, Job{Limits: harness.FillLimits(exercise.Limits{}), Stdout: &stdout, Stderr: &stderr},
		[]string{r.shell, "-c", "echo ok"}, nil)
	if err != nil {
		return err
	}
	if exit.Code != 0 || strings.TrimSpace(stdout.String()) != "ok" {
		return fmt.Errorf("self-check: %s, stdout %q, stderr %q", exit.Outcome().Signal, stdout.String(), stderr.String())
	}
	return nil
}

func executable(path string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("%s is not executable", path)
	}
	return real, nil
}

// reachable checks that other users can traverse every existing ancestor
// of dir (the sandbox's bwrap runs as another uid and binds it by path).
func reachable(dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for d := filepath.Dir(dir); ; d = filepath.Dir(d) {
		if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("%s: other users cannot reach %s (choose a directory outside it)", dir, d)
		}
		if d == "/" {
			return nil
		}
	}
}

// systemBinds lists the read-only binds: /usr, the top-level links into it
// (or directories, on hosts without merged /usr), the dynamic linker's
// cache, and the trees of tools living elsewhere.
func systemBinds(tools []string) []string {
	var args []string
	args = append(args, "--ro-bind", "/usr", "/usr")
	for _, top := range []string{"/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"} {
		fi, err := os.Lstat(top)
		switch {
		case err != nil:
		case fi.Mode()&os.ModeSymlink != 0:
			if target, err := os.Readlink(top); err == nil {
				args = append(args, "--symlink", target, top)
			}
		case fi.IsDir():
			args = append(args, "--ro-bind", top, top)
		}
	}
	args = append(args, "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache")
	bound := []string{"/usr", "/bin", "/sbin", "/lib", "/lib64"}
	for _, t := range tools {
		tree := t
		if fi, err := os.Stat(t); err == nil && !fi.IsDir() {
			// A runtime at <prefix>/bin/<name>: bind the prefix.
			tree = filepath.Dir(filepath.Dir(t))
		}
		covered := false
		for _, b := range bound {
			if tree == b || strings.HasPrefix(tree, b+"/") {
				covered = true
			}
		}
		if !covered && tree != "/" {
			args = append(args, "--ro-bind", tree, tree)
			bound = append(bound, tree)
		}
	}
	return args
}

var errNoLanguage = errors.New("language not served by this runner")

func (r *Runner) checkLanguage(l language.Language) error {
	if !r.langs[l] {
		return fmt.Errorf("%w: %q", errNoLanguage, l)
	}
	return nil
}

// signalName names a signal the way Piston and the results do ("SIGKILL").
func signalName(s syscall.Signal) string {
	if s == 0 {
		return ""
	}
	for name, sig := range map[string]syscall.Signal{"SIGKILL": syscall.SIGKILL, "SIGXCPU": syscall.SIGXCPU,
		"SIGXFSZ": syscall.SIGXFSZ, "SIGSEGV": syscall.SIGSEGV, "SIGABRT": syscall.SIGABRT, "SIGBUS": syscall.SIGBUS,
		"SIGTERM": syscall.SIGTERM, "SIGFPE": syscall.SIGFPE, "SIGILL": syscall.SIGILL, "SIGPIPE": syscall.SIGPIPE,
		"SIGINT": syscall.SIGINT, "SIGHUP": syscall.SIGHUP, "SIGSYS": syscall.SIGSYS, "SIGTRAP": syscall.SIGTRAP} {
		if sig == s {
			return name
		}
	}
	return fmt.Sprintf("SIG%d", int(s))
}
