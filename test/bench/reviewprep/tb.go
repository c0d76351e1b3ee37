package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
)

// processTB lets the test fixture (test/accounttest) run in a command. It
// only calls Helper, Fatal and Cleanup on it; testing.TB has an unexported
// method, so the interface is embedded (nil) to satisfy it, and every
// method a fixture could sensibly call is implemented here. A method left
// out panics on the nil interface: loudly, never silently wrong.
type processTB struct {
	testing.TB

	mu       sync.Mutex
	cleanups []func()
	failed   bool
}

var shim = &processTB{}

func (t *processTB) Helper()      {}
func (t *processTB) Name() string { return "reviewprep" }

func (t *processTB) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

// runCleanups runs the registered cleanups, last first, as testing does.
func (t *processTB) runCleanups() {
	t.mu.Lock()
	fs := t.cleanups
	t.cleanups = nil
	t.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

func (t *processTB) Log(args ...any)                 { fmt.Fprintln(os.Stderr, args...) }
func (t *processTB) Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
func (t *processTB) Error(args ...any)               { t.Log(args...); t.Fail() }
func (t *processTB) Errorf(format string, args ...any) {
	t.Logf(format, args...)
	t.Fail()
}
func (t *processTB) Fatal(args ...any)                 { t.Log(args...); t.FailNow() }
func (t *processTB) Fatalf(format string, args ...any) { t.Logf(format, args...); t.FailNow() }

func (t *processTB) Fail() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failed = true
}

func (t *processTB) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

// FailNow ends the process: a broken fixture means no figure can be trusted.
func (t *processTB) FailNow() {
	t.runCleanups()
	fmt.Fprintln(os.Stderr, "reviewprep: the test fixture failed")
	os.Exit(1)
}

func (t *processTB) Context() context.Context { return context.Background() }
func (t *processTB) Output() io.Writer        { return os.Stderr }
