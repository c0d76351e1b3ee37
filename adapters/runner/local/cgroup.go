package local

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// cgroups creates one memory+pids cgroup per run, on cgroup v1 (separate
// memory and pids hierarchies) or v2 (one unified tree, controllers enabled
// down to the parent). v2 follows the kernel's documented interface but is
// untested here: the development host mounts v1.
type cgroups struct {
	v2      bool
	root    string // v2: the parent; v1: the hierarchies' root
	parent  string
	cpuacct bool // v1: a cpuacct hierarchy measures the run's CPU time
}

type cgroup struct {
	v2      bool
	dirs    []string // every directory to remove; dirs[0] holds memory files
	procs   []string // cgroup.procs files to join
	pidsDir string
	cpuDir  string // v1 cpuacct, when mounted
}

// detectCgroups returns nil when the runner cannot create cgroups (no
// permission, no controllers): runs then rely on rlimits alone.
func detectCgroups(root, parent string) *cgroups {
	if _, err := os.Stat(filepath.Join(root, "memory", "memory.limit_in_bytes")); err == nil {
		if _, err := os.Stat(filepath.Join(root, "pids", "cgroup.procs")); err != nil {
			return nil
		}
		for _, h := range []string{"memory", "pids"} {
			if err := os.MkdirAll(filepath.Join(root, h, parent), 0o755); err != nil {
				return nil
			}
		}
		g := &cgroups{root: root, parent: parent}
		if _, err := os.Stat(filepath.Join(root, "cpuacct", "cpuacct.usage")); err == nil {
			g.cpuacct = os.MkdirAll(filepath.Join(root, "cpuacct", parent), 0o755) == nil
		}
		return g
	}
	ctrl, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
	if err != nil || !bytes.Contains(ctrl, []byte("memory")) || !bytes.Contains(ctrl, []byte("pids")) {
		return nil
	}
	dir := filepath.Join(root, parent)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil
	}
	for _, d := range []string{root, dir} {
		if err := os.WriteFile(filepath.Join(d, "cgroup.subtree_control"), []byte("+memory +pids"), 0o644); err != nil {
			return nil
		}
	}
	return &cgroups{v2: true, root: dir, parent: parent}
}

func (g *cgroups) create(name string, memory int64, pids int) (*cgroup, error) {
	mem := strconv.FormatInt(memory, 10)
	if g.v2 {
		dir := filepath.Join(g.root, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return nil, err
		}
		cg := &cgroup{v2: true, dirs: []string{dir}, procs: []string{filepath.Join(dir, "cgroup.procs")}, pidsDir: dir}
		err := errors.Join(write(dir, "memory.max", mem), write(dir, "pids.max", strconv.Itoa(pids)))
		_ = write(dir, "memory.swap.max", "0")
		if err != nil {
			cg.remove()
			return nil, err
		}
		return cg, nil
	}
	memDir := filepath.Join(g.root, "memory", g.parent, name)
	pidsDir := filepath.Join(g.root, "pids", g.parent, name)
	cg := &cgroup{pidsDir: pidsDir}
	dirs := []string{memDir, pidsDir}
	if g.cpuacct {
		cg.cpuDir = filepath.Join(g.root, "cpuacct", g.parent, name)
		dirs = append(dirs, cg.cpuDir)
	}
	for _, d := range dirs {
		if err := os.Mkdir(d, 0o755); err != nil {
			cg.remove()
			return nil, err
		}
		cg.dirs = append(cg.dirs, d)
		cg.procs = append(cg.procs, filepath.Join(d, "cgroup.procs"))
	}
	err := errors.Join(write(memDir, "memory.limit_in_bytes", mem), write(pidsDir, "pids.max", strconv.Itoa(pids)))
	_ = write(memDir, "memory.memsw.limit_in_bytes", mem) // only with swap accounting
	if err != nil {
		cg.remove()
		return nil, err
	}
	return cg, nil
}

func write(dir, file, value string) error {
	return os.WriteFile(filepath.Join(dir, file), []byte(value), 0o644)
}

func (cg *cgroup) add(pid int) error {
	for _, p := range cg.procs {
		if err := os.WriteFile(p, []byte(strconv.Itoa(pid)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// oomKilled reports whether the kernel killed a process of the run for its
// memory cgroup's limit.
func (cg *cgroup) oomKilled() bool {
	file := "memory.oom_control"
	if cg.v2 {
		file = "memory.events"
	}
	f, err := os.Open(filepath.Join(cg.dirs[0], file))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), " ")
		if k == "oom_kill" && v != "0" {
			return true
		}
	}
	return false
}

// cpuTime is the CPU time the run's processes used, if it is measured.
func (cg *cgroup) cpuTime() (time.Duration, bool) {
	if cg.v2 {
		b, err := os.ReadFile(filepath.Join(cg.pidsDir, "cpu.stat"))
		if err != nil {
			return 0, false
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "usage_usec "); ok {
				us, err := strconv.ParseInt(v, 10, 64)
				return time.Duration(us) * time.Microsecond, err == nil
			}
		}
		return 0, false
	}
	if cg.cpuDir == "" {
		return 0, false
	}
	b, err := os.ReadFile(filepath.Join(cg.cpuDir, "cpuacct.usage"))
	if err != nil {
		return 0, false
	}
	ns, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return time.Duration(ns), err == nil
}

// killAll kills whatever is still in the run's cgroup.
func (cg *cgroup) killAll() {
	if cg.v2 {
		if write(cg.pidsDir, "cgroup.kill", "1") == nil {
			return
		}
	}
	for range 20 {
		b, err := os.ReadFile(filepath.Join(cg.pidsDir, "cgroup.procs"))
		if err != nil || len(bytes.TrimSpace(b)) == 0 {
			return
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// remove deletes the run's cgroups, once their processes are gone.
func (cg *cgroup) remove() {
	cg.killAll()
	for _, d := range cg.dirs {
		for i := 0; i < 50; i++ {
			if err := os.Remove(d); err == nil || errors.Is(err, os.ErrNotExist) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
