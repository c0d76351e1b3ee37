package redis

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/codementor/codementor/ports"
)

// Defaults of FallbackLimiter's knobs.
const (
	DefaultFallbackTimeout = 200 * time.Millisecond
	DefaultFallbackLogGap  = 30 * time.Second
	DefaultFallbackPause   = 5 * time.Second
)

// FallbackLimiter asks Primary (the shared Redis limiter) and, when it fails
// or is slow, Fallback (a per-instance one): auth keeps being throttled, per
// instance, while Redis is down. Fallback also counts the hits Primary
// decides, so switching over never resets a key's count. After a failure it leaves Primary alone for
// a pause, then lets one hit try it again, so a down Redis costs one
// timeout per pause rather than one per login (go-redis takes seconds to
// give up dialling a refused port). Readiness is what reports Redis down,
// so the warning here is rate limited rather than logged on every hit.
type FallbackLimiter struct {
	Primary  ports.RateLimiter
	Fallback ports.RateLimiter
	Log      *slog.Logger
	// Timeout bounds each Primary call, so a hung Redis does not stall
	// logins; zero means DefaultFallbackTimeout.
	Timeout time.Duration
	// LogGap is the least time between two warnings; zero means
	// DefaultFallbackLogGap.
	LogGap time.Duration
	// Pause is how long Fallback alone answers after Primary failed; zero
	// means DefaultFallbackPause.
	Pause time.Duration

	skipUntil  atomic.Int64 // unix nanoseconds; Primary is not asked before
	lastWarn   atomic.Int64 // unix nanoseconds of the last warning, 0 for none
	suppressed atomic.Int64 // failures not warned about since then
	degraded   atomic.Bool
}

var _ ports.RateLimiter = (*FallbackLimiter)(nil)

// NewFallbackLimiter wraps primary with fallback; timeout <= 0 means
// DefaultFallbackTimeout and a nil log means slog.Default().
func NewFallbackLimiter(primary, fallback ports.RateLimiter, log *slog.Logger, timeout time.Duration) *FallbackLimiter {
	if primary == nil || fallback == nil {
		panic("redis: NewFallbackLimiter needs a primary and a fallback limiter")
	}
	return &FallbackLimiter{Primary: primary, Fallback: fallback, Log: log, Timeout: timeout}
}

type rateResult struct {
	d   ports.RateDecision
	err error
}

// Allow returns Primary's decision, or Fallback's when Primary fails or
// does not answer within Timeout. Primary's error never reaches the caller;
// invalid arguments are refused before either is asked.
func (f *FallbackLimiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (ports.RateDecision, error) {
	if err := validateRateArgs(key, limit, window); err != nil {
		return ports.RateDecision{}, err
	}
	if !f.tryPrimary() {
		return f.Fallback.Allow(ctx, key, limit, window)
	}
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultFallbackTimeout
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	// The call runs in its own goroutine so the timeout holds even when the
	// client ignores context deadlines (go-redis uses its own read timeout
	// unless ContextTimeoutEnabled); a late answer is dropped.
	done := make(chan rateResult, 1)
	go func() {
		d, err := f.Primary.Allow(pctx, key, limit, window)
		done <- rateResult{d, err}
	}()
	var err error
	select {
	case r := <-done:
		if r.err == nil {
			f.recovered()
			// Shadow count: Fallback sees every hit this instance decides,
			// so when Redis goes away the per-instance limiter starts from
			// this instance's real history, not from zero (which would
			// hand every key a fresh burst at the worst moment).
			_, _ = f.Fallback.Allow(ctx, key, limit, window)
			return r.d, nil
		}
		err = r.err
	case <-pctx.Done():
		err = pctx.Err()
	}
	// A caller that went away is no sign of Redis being down.
	if ctx.Err() == nil {
		f.failed(err)
	}
	return f.Fallback.Allow(ctx, key, limit, window)
}

func (f *FallbackLimiter) logger() *slog.Logger {
	if f.Log != nil {
		return f.Log
	}
	return slog.Default()
}

// tryPrimary says whether this hit asks Primary: yes unless within a pause;
// when a pause ends, only the hit that claims the probe does, the others
// still get Fallback until the probe's answer.
func (f *FallbackLimiter) tryPrimary() bool {
	skip := f.skipUntil.Load()
	if skip == 0 {
		return true
	}
	now := time.Now().UnixNano()
	return now >= skip && f.skipUntil.CompareAndSwap(skip, now+int64(f.pause()))
}

func (f *FallbackLimiter) pause() time.Duration {
	if f.Pause > 0 {
		return f.Pause
	}
	return DefaultFallbackPause
}

func (f *FallbackLimiter) failed(err error) {
	f.skipUntil.Store(time.Now().UnixNano() + int64(f.pause()))
	f.degraded.Store(true)
	gap := f.LogGap
	if gap <= 0 {
		gap = DefaultFallbackLogGap
	}
	now := time.Now().UnixNano()
	last := f.lastWarn.Load()
	if (last != 0 && now-last < int64(gap)) || !f.lastWarn.CompareAndSwap(last, now) {
		f.suppressed.Add(1)
		return
	}
	f.logger().Warn("rate limiter: Redis failed, using the per-instance limiter",
		"err", err, "suppressed_since_last_warning", f.suppressed.Swap(0))
}

func (f *FallbackLimiter) recovered() {
	if f.skipUntil.Load() != 0 {
		f.skipUntil.Store(0)
	}
	if f.degraded.Load() && f.degraded.CompareAndSwap(true, false) {
		f.logger().Info("rate limiter: Redis answers again, limits are shared across instances")
	}
}
