package system

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/codementor/codementor/ports"
)

// Background runs tasks in goroutines, each bounded by a timeout, recovers
// their panics, and lets shutdown wait for those under way.
type Background struct {
	log     *slog.Logger
	timeout time.Duration
	wg      sync.WaitGroup
}

var _ ports.Background = (*Background)(nil)

// NewBackground returns a runner whose tasks get timeout each.
func NewBackground(log *slog.Logger, timeout time.Duration) *Background {
	return &Background{log: log, timeout: timeout}
}

// Go starts fn in its own goroutine with a fresh context.
func (b *Background) Go(name string, fn func(ctx context.Context)) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer func() {
			if v := recover(); v != nil {
				b.log.Error("background task panicked", slog.String("task", name), slog.Any("panic", v),
					slog.String("stack", string(debug.Stack())))
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
		defer cancel()
		fn(ctx)
	}()
}

// Wait blocks until every task has finished or ctx ends.
func (b *Background) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { b.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
