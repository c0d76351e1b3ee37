package contract

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/ports"
)

// rateKey is a key unique to one subtest, shaped like the auth ones.
func rateKey(kind string) string {
	return "login:" + kind + ":" + uuid.NewString() + "@example.com"
}

// RateLimiter runs the rate limit contract against limiters made by
// newLimiter; each subtest gets a fresh limiter. The semantics are GCRA: a
// burst of `limit` hits, then one more every window/limit; RetryAfter is
// that wait rounded up to whole seconds (at least 1s), as Retry-After
// carries it. The subtests run in parallel and wait at most about a second.
func RateLimiter(t *testing.T, newLimiter func(t *testing.T) ports.RateLimiter) {
	ctx := context.Background()

	t.Run("a burst of exactly limit hits, counting down, then denials", func(t *testing.T) {
		t.Parallel()
		l, key := newLimiter(t), rateKey("ip")
		const limit, window = 5, time.Minute
		for i := 1; i <= limit; i++ {
			d, err := l.Allow(ctx, key, limit, window)
			require.NoError(t, err)
			require.True(t, d.Allowed, "hit %d", i)
			assert.Equal(t, limit-i, d.Remaining, "hit %d", i)
			assert.Zero(t, d.RetryAfter, "hit %d", i)
		}
		var first time.Duration
		for i := range 3 {
			d, err := l.Allow(ctx, key, limit, window)
			require.NoError(t, err)
			require.False(t, d.Allowed, "hit %d", limit+1+i)
			assert.Zero(t, d.Remaining)
			assert.Positive(t, d.RetryAfter)
			assert.LessOrEqual(t, d.RetryAfter, window)
			assert.Zero(t, d.RetryAfter%time.Second, "whole seconds: %s", d.RetryAfter)
			// One emission interval (12s), not the whole window.
			assert.InDelta(t, window/limit, d.RetryAfter, float64(time.Second), "%s", d.RetryAfter)
			if i == 0 {
				first = d.RetryAfter
			}
			assert.Equal(t, first, d.RetryAfter, "denied hits do not push the wait further")
		}
	})

	t.Run("limit 1 allows one hit", func(t *testing.T) {
		t.Parallel()
		l, key := newLimiter(t), rateKey("acct")
		d, err := l.Allow(ctx, key, 1, time.Hour)
		require.NoError(t, err)
		assert.Equal(t, ports.RateDecision{Allowed: true}, d)
		d, err = l.Allow(ctx, key, 1, time.Hour)
		require.NoError(t, err)
		assert.False(t, d.Allowed)
		assert.Greater(t, d.RetryAfter, 59*time.Minute)
		assert.LessOrEqual(t, d.RetryAfter, time.Hour)
	})

	t.Run("keys are independent", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		a, b := rateKey("ip"), rateKey("ip")
		for range 3 {
			_, err := l.Allow(ctx, a, 2, time.Minute)
			require.NoError(t, err)
		}
		d, err := l.Allow(ctx, a, 2, time.Minute)
		require.NoError(t, err)
		require.False(t, d.Allowed)

		for i := 1; i <= 2; i++ {
			d, err := l.Allow(ctx, b, 2, time.Minute)
			require.NoError(t, err)
			assert.True(t, d.Allowed, "hit %d on another key", i)
			assert.Equal(t, 2-i, d.Remaining)
		}
		d, err = l.Allow(ctx, b+"x", 2, time.Minute)
		require.NoError(t, err)
		assert.True(t, d.Allowed, "a key is not a prefix of another")
	})

	t.Run("one hit comes back every window/limit", func(t *testing.T) {
		t.Parallel()
		l, key := newLimiter(t), rateKey("ip")
		const limit, window = 2, time.Second
		for range limit {
			d, err := l.Allow(ctx, key, limit, window)
			require.NoError(t, err)
			require.True(t, d.Allowed)
		}
		d, err := l.Allow(ctx, key, limit, window)
		require.NoError(t, err)
		require.False(t, d.Allowed)
		assert.Equal(t, time.Second, d.RetryAfter, "500ms rounds up to 1s")

		time.Sleep(window/limit + 100*time.Millisecond)
		d, err = l.Allow(ctx, key, limit, window)
		require.NoError(t, err)
		assert.True(t, d.Allowed, "one emission interval later, one hit")
		assert.Zero(t, d.Remaining)
		d, err = l.Allow(ctx, key, limit, window)
		require.NoError(t, err)
		assert.False(t, d.Allowed, "and only one")
	})

	t.Run("a whole window later the whole burst is back", func(t *testing.T) {
		t.Parallel()
		l, key := newLimiter(t), rateKey("acct")
		// A hit comes back every window/limit (1 s): the four hits after
		// the sleep must land within it, which leaves a busy machine room.
		const limit, window = 3, 3 * time.Second
		for range limit + 2 {
			_, err := l.Allow(ctx, key, limit, window)
			require.NoError(t, err)
		}
		time.Sleep(window + 100*time.Millisecond)
		for i := 1; i <= limit; i++ {
			d, err := l.Allow(ctx, key, limit, window)
			require.NoError(t, err)
			assert.True(t, d.Allowed, "hit %d", i)
			assert.Equal(t, limit-i, d.Remaining, "hit %d", i)
		}
		d, err := l.Allow(ctx, key, limit, window)
		require.NoError(t, err)
		assert.False(t, d.Allowed)
	})

	t.Run("concurrent hits on one key: exactly limit allowed", func(t *testing.T) {
		t.Parallel()
		l, key := newLimiter(t), rateKey("ip")
		const limit, hits = 10, 20
		var allowed, denied atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range hits {
			wg.Go(func() {
				<-start
				d, err := l.Allow(ctx, key, limit, time.Minute)
				if !assert.NoError(t, err) {
					return
				}
				if d.Allowed {
					allowed.Add(1)
				} else {
					denied.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		assert.EqualValues(t, limit, allowed.Load())
		assert.EqualValues(t, hits-limit, denied.Load())
	})

	t.Run("invalid arguments are errors", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		for name, c := range map[string]struct {
			key    string
			limit  int
			window time.Duration
		}{
			"empty key":       {"", 5, time.Minute},
			"zero limit":      {rateKey("ip"), 0, time.Minute},
			"negative limit":  {rateKey("ip"), -1, time.Minute},
			"zero window":     {rateKey("ip"), 5, 0},
			"negative window": {rateKey("ip"), 5, -time.Second},
		} {
			d, err := l.Allow(ctx, c.key, c.limit, c.window)
			assert.Error(t, err, name)
			assert.False(t, d.Allowed, name)
		}
	})
}
