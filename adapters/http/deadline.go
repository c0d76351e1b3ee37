package http

import (
	"context"
	"sync"
	"time"
)

// lazyDeadline is a context with a deadline whose timer is only made when
// someone waits on it (Done, Err or AfterFunc). Most requests that touch
// nothing slow (health probes, cached reads) then pay no timer at all,
// which context.WithTimeout would charge every request.
type lazyDeadline struct {
	parent   context.Context
	deadline time.Time

	once   sync.Once
	inner  context.Context
	cancel context.CancelFunc
}

var _ interface {
	context.Context
	AfterFunc(func()) func() bool
} = (*lazyDeadline)(nil)

func newLazyDeadline(parent context.Context, now time.Time, d time.Duration) *lazyDeadline {
	return &lazyDeadline{parent: parent, deadline: now.Add(d)}
}

func (c *lazyDeadline) init() {
	c.once.Do(func() { c.inner, c.cancel = context.WithDeadline(c.parent, c.deadline) })
}

// Deadline is known without a timer.
func (c *lazyDeadline) Deadline() (time.Time, bool) {
	if pd, ok := c.parent.Deadline(); ok && pd.Before(c.deadline) {
		return pd, true
	}
	return c.deadline, true
}

func (c *lazyDeadline) Done() <-chan struct{} { c.init(); return c.inner.Done() }
func (c *lazyDeadline) Err() error            { c.init(); return c.inner.Err() }
func (c *lazyDeadline) Value(key any) any     { return c.parent.Value(key) }

// AfterFunc lets contexts derived from this one register with it directly
// (context.propagateCancel uses it) instead of starting a goroutine each.
func (c *lazyDeadline) AfterFunc(f func()) func() bool {
	c.init()
	return context.AfterFunc(c.inner, f)
}

// canceled is what a context released before anyone waited on it becomes.
var canceled = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// release ends the context when the request ends: it stops the timer if one
// was made, and otherwise makes none (late waiters see context.Canceled).
func (c *lazyDeadline) release() {
	c.once.Do(func() { c.inner, c.cancel = canceled, func() {} })
	c.cancel()
}
