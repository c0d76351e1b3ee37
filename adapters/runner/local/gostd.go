package local

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/codementor/codementor/adapters/runner/harness"
)

// Files in the Go std directory: importcfgs with sandbox paths (under
// /gostd) and with host paths (unsandboxed runs). The compile one lists only
// what learner code and the harness may import; the link one every
// dependency.
const (
	compileCfg     = "importcfg.compile"
	linkCfg        = "importcfg.link"
	hostCompileCfg = "importcfg.host.compile"
	hostLinkCfg    = "importcfg.host.link"
)

type goStd struct {
	dir     string // GoStdDir: cache/ (a GOCACHE) and the importcfgs
	toolDir string // GOTOOLDIR: compile and link
}

// goStdData builds, once, the export data of the allowed std packages. Only
// this trusted step writes the cache; sandboxes get it read-only. A failure
// is retried at the next Go run.
func (r *Runner) goStdData(ctx context.Context) (*goStd, error) {
	r.goMu.Lock()
	defer r.goMu.Unlock()
	if r.goStd != nil {
		return r.goStd, nil
	}
	std, err := r.buildGoStd(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare go std export data: %w", err)
	}
	r.goStd = std
	return std, nil
}

func (r *Runner) buildGoStd(ctx context.Context) (*goStd, error) {
	dir := r.cfg.GoStdDir
	cache := filepath.Join(dir, "cache")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, err
	}
	// The sandbox's uid must read it, whatever the server's umask.
	for _, d := range []string{dir, cache} {
		if err := os.Chmod(d, 0o755); err != nil {
			return nil, err
		}
	}
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "GOROOT=" + r.cfg.GoRoot, "GOCACHE=" + cache,
		"GOPATH=" + filepath.Join(dir, "gopath"), "CGO_ENABLED=0", "GOTOOLCHAIN=local", "GOENV=off", "GOFLAGS=",
		"GO111MODULE=off", "GOWORK=off", "GOPROXY=off"}
	run := func(args ...string) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, r.goBin, args...)
		cmd.Dir, cmd.Env = dir, env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
		}
		return out, nil
	}
	toolDir, err := run("env", "GOTOOLDIR")
	if err != nil {
		return nil, err
	}
	pkgs := append(slices.Clone(harness.AllowedGoImports), harness.GoHarnessImports...)
	slices.Sort(pkgs)
	pkgs = slices.Compact(pkgs)
	out, err := run(append([]string{"list", "-export", "-deps", "-f",
		"{{if .Export}}packagefile {{.ImportPath}}={{.Export}}{{end}}"}, pkgs...)...)
	if err != nil {
		return nil, err
	}
	var compile, link, hostCompile, hostLink strings.Builder
	prefix := cache + string(filepath.Separator)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		spec, ok := strings.CutPrefix(line, "packagefile ")
		if !ok {
			continue
		}
		pkg, file, ok := strings.Cut(spec, "=")
		if !ok || !strings.HasPrefix(file, prefix) {
			return nil, fmt.Errorf("go list: unexpected export file %q", file)
		}
		// Readable by the sandbox's uid: the file and the directory holding it.
		if err := os.Chmod(file, 0o644); err != nil {
			return nil, err
		}
		if err := os.Chmod(filepath.Dir(file), 0o755); err != nil {
			return nil, err
		}
		inSandbox := sandboxGoStd + "/cache/" + filepath.ToSlash(strings.TrimPrefix(file, prefix))
		fmt.Fprintf(&link, "packagefile %s=%s\n", pkg, inSandbox)
		fmt.Fprintf(&hostLink, "packagefile %s=%s\n", pkg, file)
		if slices.Contains(pkgs, pkg) {
			fmt.Fprintf(&compile, "packagefile %s=%s\n", pkg, inSandbox)
			fmt.Fprintf(&hostCompile, "packagefile %s=%s\n", pkg, file)
		}
	}
	for name, content := range map[string]string{compileCfg: compile.String(), linkCfg: link.String(),
		hostCompileCfg: hostCompile.String(), hostLinkCfg: hostLink.String()} {
		if err := writeFileAtomic(filepath.Join(dir, name), content); err != nil {
			return nil, err
		}
	}
	return &goStd{dir: dir, toolDir: strings.TrimSpace(string(toolDir))}, nil
}

func writeFileAtomic(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.WriteString(content)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
