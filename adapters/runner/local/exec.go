package local

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/codementor/codementor/adapters/runner/harness"
	"github.com/codementor/codementor/domain/exercise"
	"github.com/codementor/codementor/domain/language"
)

// Job is one program to run: the lower-level "run these files under these
// limits" that Run builds on (and that a fake remote engine can reuse).
type Job struct {
	Language language.Language
	// Files are copied into the work directory. Python and JavaScript run
	// Files[0]; Go compiles every file whose name ends in .go, as one
	// package main, and runs the result.
	Files  []harness.File
	Limits exercise.Limits
	// Stdout and Stderr receive the output as it comes. A write error (the
	// collector's harness.ErrOutputLimit, say) stops the run as over its
	// output limit.
	Stdout, Stderr io.Writer
}

// Exit is how a job's process ended.
type Exit struct {
	// Code is the exit status, -1 when a signal ended the program.
	Code   int
	Signal syscall.Signal
	// WallTimeout: the runner killed it at the wall time limit.
	WallTimeout bool
	// CPUTimeout: RLIMIT_CPU ended it (SIGXCPU, or SIGKILL past the limit).
	CPUTimeout bool
	// MemoryExceeded: the run's memory cgroup OOM-killed something.
	MemoryExceeded bool
	// OutputExceeded: a writer refused more output.
	OutputExceeded bool
	Duration       time.Duration
	CPUTime        time.Duration
	Limits         exercise.Limits
	// WorkDir is the host directory of an unsandboxed run ("" in the
	// sandbox, where it is /work).
	WorkDir string
}

// Go build steps' exit codes, from the driver script below.
const (
	exitCompileFailed = 97
	exitLinkFailed    = 98
	sandboxWorkDir    = "/work"
	sandboxGoStd      = "/gostd"
)

// goDriver compiles and links the .go files given as arguments, removes
// them, then runs the program; the compiler's messages go to stderr. It runs in the sandbox
// (or, unsandboxed, in the work directory), as the learner's uid.
const goDriver = `tool=$1; ccfg=$2; lcfg=$3; shift 3
"$tool/compile" -p main -complete -importcfg "$ccfg" -trimpath "$PWD" -o "$TMPDIR/main.a" "$@" >&2 || exit 97
"$tool/link" -s -w -importcfg "$lcfg" -o "$TMPDIR/prog" "$TMPDIR/main.a" >&2 || exit 98
rm -f "$TMPDIR/main.a" "$@"
printf '\0codementor: built\n' >&2
exec "$TMPDIR/prog"
`

// Outcome is the exit in the harness's terms.
func (e Exit) Outcome() harness.Outcome {
	o := harness.Outcome{ExitCode: e.Code, Signal: signalName(e.Signal), MemoryExceeded: e.MemoryExceeded,
		OutputExceeded: e.OutputExceeded, Duration: e.Duration}
	switch {
	case e.WallTimeout:
		o.TimedOut, o.TimeDetail = true, fmt.Sprintf("wall time limit of %s", e.Limits.WallTime)
	case e.CPUTimeout:
		o.TimedOut, o.TimeDetail = true, fmt.Sprintf("CPU time limit of %s", e.Limits.CPUTime)
	}
	return o
}

// Exec runs job's files the way its language's runtime does, in the sandbox
// (or directly, when the runner is Unsandboxed). An error is the runner's
// failure (the sandbox could not start, the context ended); everything the
// program did, including dying, is in Exit.
func (r *Runner) Exec(ctx context.Context, job Job) (Exit, error) {
	if err := r.checkLanguage(job.Language); err != nil {
		return Exit{}, err
	}
	if len(job.Files) == 0 {
		return Exit{}, errors.New("no files to run")
	}
	for _, f := range job.Files {
		if f.Name == "" || f.Name != filepath.Base(f.Name) || f.Name == "." || f.Name == ".." {
			return Exit{}, fmt.Errorf("bad file name %q", f.Name)
		}
	}
	job.Limits = harness.FillLimits(job.Limits)
	var argv []string
	var std *goStd
	switch job.Language {
	case language.Python:
		argv = []string{r.python, "-I", "-S", "-B", "-u", job.Files[0].Name}
	case language.JavaScript:
		heap := max(16, job.Limits.MemoryBytes*3/4>>20)
		argv = []string{r.node, "--max-old-space-size=" + strconv.FormatInt(heap, 10), job.Files[0].Name}
	case language.Go:
		var err error
		if std, err = r.goStdData(ctx); err != nil {
			return Exit{}, err
		}
		ccfg, lcfg := sandboxGoStd+"/"+compileCfg, sandboxGoStd+"/"+linkCfg
		if r.cfg.Unsandboxed {
			ccfg, lcfg = filepath.Join(std.dir, hostCompileCfg), filepath.Join(std.dir, hostLinkCfg)
		}
		argv = []string{r.shell, "-c", goDriver, "sh", std.toolDir, ccfg, lcfg}
		for _, f := range job.Files {
			if strings.HasSuffix(f.Name, ".go") {
				argv = append(argv, f.Name)
			}
		}
	}
	return r.exec(ctx, job, argv, std)
}

func (r *Runner) acquire(ctx context.Context) (int, error) {
	select {
	case s := <-r.slots:
		return s, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (r *Runner) release(slot int) { r.slots <- slot }

// exec runs argv for job; std is set for Go (its export data is bound in).
func (r *Runner) exec(ctx context.Context, job Job, argv []string, std *goStd) (Exit, error) {
	slot, err := r.acquire(ctx)
	if err != nil {
		return Exit{}, err
	}
	defer r.release(slot)
	lim := job.Limits
	toolchain := std != nil

	var (
		cmd      *exec.Cmd
		parent   []*os.File // our ends, closed at the end
		child    []*os.File // the child's ends, closed once it started
		feeds    []func()   // write the files into bwrap's --file pipes
		blockW   *os.File
		infoR    *os.File
		workDir  string
		cg       *cgroup
		closeAll = func(fs []*os.File) {
			for _, f := range fs {
				f.Close()
			}
		}
	)
	defer func() { closeAll(parent) }()
	pipe := func() (*os.File, *os.File, error) {
		rd, wr, err := os.Pipe()
		if err != nil {
			closeAll(child)
			return nil, nil, err
		}
		return rd, wr, nil
	}
	outR, outW, err := pipe()
	if err != nil {
		return Exit{}, err
	}
	errR, errW, err := pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return Exit{}, err
	}
	parent = append(parent, outR, errR)
	child = append(child, outW, errW)

	if r.cfg.Unsandboxed {
		if workDir, err = os.MkdirTemp("", "codementor-run-*"); err != nil {
			closeAll(child)
			return Exit{}, err
		}
		defer os.RemoveAll(workDir)
		tmp := filepath.Join(workDir, ".tmp")
		err = os.Mkdir(tmp, 0o700)
		for _, f := range job.Files {
			if err == nil {
				err = os.WriteFile(filepath.Join(workDir, f.Name), f.Content, 0o600)
			}
		}
		if err != nil {
			closeAll(child)
			return Exit{}, err
		}
		cmd = exec.Command(argv[0], argv[1:]...)
		cmd.Dir = workDir
		cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + workDir, "LANG=C.UTF-8", "TMPDIR=" + tmp}
		cmd.ExtraFiles = nil
	} else {
		var ir, iw, br, bw *os.File
		if ir, iw, err = pipe(); err == nil {
			parent, child = append(parent, ir), append(child, iw)
			if br, bw, err = pipe(); err == nil {
				parent, child = append(parent, bw), append(child, br)
			}
		}
		if err != nil {
			return Exit{}, err
		}
		infoR, blockW = ir, bw
		extra := []*os.File{iw, br} // fds 3 and 4
		fd := func(f *os.File) string {
			extra = append(extra, f)
			return strconv.Itoa(2 + len(extra))
		}
		size := strconv.FormatInt(r.cfg.WorkDirBytes, 10)
		args := []string{
			"--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
			"--cap-drop", "ALL", "--hostname", "sandbox",
			"--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "HOME", sandboxWorkDir,
			"--setenv", "LANG", "C.UTF-8", "--setenv", "TMPDIR", "/tmp",
		}
		args = append(args, r.binds...)
		args = append(args, "--dev", "/dev", "--size", strconv.Itoa(16<<20), "--tmpfs", "/dev/shm", "--remount-ro", "/dev",
			"--size", size, "--tmpfs", "/tmp", "--size", size, "--tmpfs", sandboxWorkDir)
		if std != nil {
			d, err := os.Open(std.dir)
			if err != nil {
				closeAll(child)
				return Exit{}, fmt.Errorf("open go std data: %w", err)
			}
			child = append(child, d)
			args = append(args, "--ro-bind-fd", fd(d), sandboxGoStd)
		}
		for _, f := range job.Files {
			fr, fw, err := pipe()
			if err != nil {
				return Exit{}, err
			}
			parent, child = append(parent, fw), append(child, fr)
			args = append(args, "--file", fd(fr), sandboxWorkDir+"/"+f.Name)
			content := f.Content
			feeds = append(feeds, func() {
				fw.Write(content)
				fw.Close()
			})
		}
		args = append(args, "--remount-ro", "/", "--chdir", sandboxWorkDir, "--info-fd", "3", "--block-fd", "4", "--")
		args = append(args, argv...)
		// prlimit (running as the slot's uid) lowers its own limits and
		// execs bwrap: everything in the sandbox inherits them.
		cmd = exec.Command(r.prlimit, append(append(rlimitArgs(lim, toolchain, r.asRoot, r.cfg.MaxConcurrent),
			"--", r.cfg.BwrapPath), args...)...)
		// bwrap's own environment shows in the sandbox as /proc/1/environ.
		cmd.Env = []string{"PATH=/usr/bin:/bin"}
		cmd.ExtraFiles = extra

		if r.cgroups != nil {
			mem := lim.MemoryBytes
			if toolchain {
				mem = max(mem, 512<<20)
			}
			if cg, err = r.cgroups.create(fmt.Sprintf("run-%d-%d-%d", os.Getpid(), slot, time.Now().UnixNano()), mem, lim.Processes+2); err != nil {
				closeAll(child)
				return Exit{}, fmt.Errorf("cgroup: %w", err)
			}
			defer cg.remove()
		}
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if r.asRoot && !r.cfg.Unsandboxed {
		id := uint32(r.cfg.UIDBase + slot)
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: id, Gid: id, Groups: []uint32{}}
	}

	start := time.Now()
	err = cmd.Start()
	closeAll(child)
	if err != nil {
		return Exit{}, fmt.Errorf("start %s: %w", filepath.Base(cmd.Path), err)
	}
	pid := cmd.Process.Pid
	var outputExceeded, wallKilled, ctxKilled atomic.Bool
	kill := func() {
		syscall.Kill(-pid, syscall.SIGKILL)
		if cg != nil {
			cg.killAll()
		}
	}
	for _, f := range feeds {
		go f()
	}

	var readers sync.WaitGroup
	stderrHead := &headBuffer{n: 512}
	stdout, stderr := job.Stdout, job.Stderr
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	for _, s := range []struct {
		r *os.File
		w io.Writer
	}{{outR, stdout}, {errR, io.MultiWriter(stderrHead, stderr)}} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			buf := make([]byte, 32<<10)
			refused := false
			for {
				n, err := s.r.Read(buf)
				if n > 0 && !refused {
					if _, werr := s.w.Write(buf[:n]); werr != nil {
						refused = true
						outputExceeded.Store(true)
						kill()
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}

	if !r.cfg.Unsandboxed {
		childPid, err := readChildPid(infoR)
		if err == nil && cg != nil {
			if err = cg.add(pid); err == nil {
				err = cg.add(childPid)
			}
		}
		if err == nil {
			_, err = blockW.Write([]byte{1})
		}
		blockW.Close()
		if err != nil {
			kill()
			cmd.Wait()
			waitReaders(&readers, outR, errR)
			return Exit{}, fmt.Errorf("sandbox setup failed: %v: %s", err, strings.TrimSpace(stderrHead.String()))
		}
	}
	timer := time.AfterFunc(lim.WallTime, func() {
		wallKilled.Store(true)
		kill()
	})
	stopCtx := context.AfterFunc(ctx, func() {
		ctxKilled.Store(true)
		kill()
	})
	cmd.Wait()
	dur := time.Since(start)
	timer.Stop()
	stopCtx()
	// The sandbox's PID 1 is gone, so is every process in its namespace;
	// the pipes close with them. A direct run's leftovers are killed here.
	if r.cfg.Unsandboxed {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
	if cg != nil {
		cg.killAll()
	}
	waitReaders(&readers, outR, errR)
	if ctxKilled.Load() && !wallKilled.Load() {
		return Exit{}, ctx.Err()
	}

	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	e := Exit{Code: -1, Duration: dur, Limits: lim, WorkDir: workDir, WallTimeout: wallKilled.Load(),
		OutputExceeded: outputExceeded.Load()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		e.CPUTime = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	switch {
	case ws.Signaled():
		e.Signal = ws.Signal()
	case ws.Exited():
		// bwrap reports a child killed by signal N as 128+N.
		if c := ws.ExitStatus(); c > 128 && c <= 128+64 && !r.cfg.Unsandboxed {
			e.Signal = syscall.Signal(c - 128)
		} else {
			e.Code = c
		}
	}
	measured := false
	if cg != nil {
		e.MemoryExceeded = cg.oomKilled()
		if cpu, ok := cg.cpuTime(); ok {
			e.CPUTime, measured = cpu, true
		}
	}
	// RLIMIT_CPU's hard limit kills with SIGKILL (Go ignores SIGXCPU). Without
	// a cgroup measuring the sandbox's CPU time (bwrap does not pass its
	// children's usage up), a SIGKILL nobody else sent, after long enough to
	// have used the limit on every CPU, is taken for it.
	killedAtHardLimit := e.Signal == syscall.SIGKILL && !e.MemoryExceeded && !e.OutputExceeded &&
		(e.CPUTime >= lim.CPUTime || (!measured && e.Duration >= lim.CPUTime/time.Duration(runtime.NumCPU())))
	e.CPUTimeout = !e.WallTimeout && (e.Signal == syscall.SIGXCPU || killedAtHardLimit)
	if !r.cfg.Unsandboxed && e.Code == 1 && strings.HasPrefix(stderrHead.String(), "bwrap: ") {
		return Exit{}, fmt.Errorf("sandbox failed: %s", strings.TrimSpace(stderrHead.String()))
	}
	return e, nil
}

// waitReaders lets the output readers finish; a descendant that escaped the
// kill and holds a pipe open cannot hold the run up for long.
func waitReaders(wg *sync.WaitGroup, files ...*os.File) {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		for _, f := range files {
			f.Close()
		}
		<-done
	}
}

// readChildPid reads bwrap's --info-fd report: the sandbox's PID 1 as the
// host sees it.
func readChildPid(f *os.File) (int, error) {
	f.SetReadDeadline(time.Now().Add(15 * time.Second))
	var info struct {
		ChildPid int `json:"child-pid"`
	}
	if err := json.NewDecoder(f).Decode(&info); err != nil {
		return 0, fmt.Errorf("read bwrap info: %w", err)
	}
	if info.ChildPid <= 0 {
		return 0, errors.New("bwrap info has no child pid")
	}
	return info.ChildPid, nil
}

// rlimitArgs are util-linux prlimit's options for the limits.
func rlimitArgs(lim exercise.Limits, toolchain, asRoot bool, slots int) []string {
	cpu := uint64(math.Ceil(lim.CPUTime.Seconds()))
	data, fsize := uint64(lim.MemoryBytes), uint64(lim.FileBytes)
	if toolchain {
		// Room for the Go compiler and linker; the program lowers both
		// again as it starts.
		data, fsize = max(data, 1<<30), max(fsize, 64<<20)
	}
	nproc := uint64(lim.Processes + 2) // bwrap's monitor and PID 1 count too
	if !asRoot {
		// One uid for the server and every run: leave room for them all.
		nproc = uint64(lim.Processes*slots + 512)
	}
	pair := func(name string, res int, soft, hard uint64) string {
		// An unprivileged process cannot raise a hard limit: stay under ours.
		var own syscall.Rlimit
		if syscall.Getrlimit(res, &own) == nil {
			soft, hard = min(soft, own.Max), min(hard, own.Max)
		}
		return fmt.Sprintf("--%s=%d:%d", name, soft, hard)
	}
	return []string{
		pair("cpu", syscall.RLIMIT_CPU, cpu, cpu+1), pair("data", syscall.RLIMIT_DATA, data, data),
		pair("fsize", syscall.RLIMIT_FSIZE, fsize, fsize),
		pair("nofile", syscall.RLIMIT_NOFILE, uint64(lim.OpenFiles), uint64(lim.OpenFiles)),
		pair("nproc", rlimitNPROC, nproc, nproc), pair("core", syscall.RLIMIT_CORE, 0, 0),
	}
}

const rlimitNPROC = 6 // RLIMIT_NPROC on Linux; package syscall does not name it

// headBuffer keeps the first n bytes written to it.
type headBuffer struct {
	mu sync.Mutex
	b  []byte
	n  int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := h.n - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (h *headBuffer) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(h.b)
}
