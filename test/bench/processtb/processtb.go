// Package processtb lets test fixtures and fakes that take a testing.TB
// run inside a benchmark command. They only call Helper, Cleanup, Log and
// Fatal on it; testing.TB has an unexported method, so the interface is
// embedded (nil) to satisfy it, and every method a fixture or fake could
// sensibly call is implemented here. A method left out (Setenv, Chdir,
// TempDir...) panics on the nil interface: loudly, never silently wrong.
package processtb

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
)

// TB is a testing.TB for a command.
type TB struct {
	testing.TB

	name     string
	mu       sync.Mutex
	cleanups []func()
	failed   bool
}

// New returns a TB named after the command (used in its messages).
func New(name string) *TB { return &TB{name: name} }

func (t *TB) Helper()      {}
func (t *TB) Name() string { return t.name }

func (t *TB) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

// RunCleanups runs the registered cleanups, last first, as testing does.
func (t *TB) RunCleanups() {
	t.mu.Lock()
	fs := t.cleanups
	t.cleanups = nil
	t.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

func (t *TB) Log(args ...any)                 { fmt.Fprintln(os.Stderr, args...) }
func (t *TB) Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
func (t *TB) Error(args ...any)               { t.Log(args...); t.Fail() }
func (t *TB) Errorf(format string, args ...any) {
	t.Logf(format, args...)
	t.Fail()
}
func (t *TB) Fatal(args ...any)                 { t.Log(args...); t.FailNow() }
func (t *TB) Fatalf(format string, args ...any) { t.Logf(format, args...); t.FailNow() }

func (t *TB) Fail() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failed = true
}

func (t *TB) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

// FailNow ends the process: a broken fixture or fake means no figure can
// be trusted.
func (t *TB) FailNow() {
	t.RunCleanups()
	fmt.Fprintf(os.Stderr, "%s: a fixture or fake failed\n", t.name)
	os.Exit(1)
}

func (t *TB) Context() context.Context { return context.Background() }
func (t *TB) Output() io.Writer        { return os.Stderr }
