package contract_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/adapters/redis"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/contract"
	"github.com/codementor/codementor/test/testenv"
)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// downRedis is a client on a port nothing listens on.
func downRedis(t *testing.T) *redis.Client {
	t.Helper()
	c, cleanup, err := redis.NewClient(redis.Options{URL: "redis://127.0.0.1:1/0", DialTimeout: 100 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(cleanup)
	return c
}

// logBuffer is a goroutine-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRateLimiterRedis(t *testing.T) {
	t.Parallel()
	contract.RateLimiter(t, func(t *testing.T) ports.RateLimiter {
		return redis.NewRateLimiter(testenv.Redis(t))
	})
}

func TestRateLimiterMemory(t *testing.T) {
	t.Parallel()
	contract.RateLimiter(t, func(t *testing.T) ports.RateLimiter {
		return memory.NewRateLimiter()
	})
}

func TestRateLimiterFallbackOnWorkingRedis(t *testing.T) {
	t.Parallel()
	contract.RateLimiter(t, func(t *testing.T) ports.RateLimiter {
		return redis.NewFallbackLimiter(redis.NewRateLimiter(testenv.Redis(t)), memory.NewRateLimiter(), discard, 0)
	})
}

func TestRateLimiterFallbackOnDownRedis(t *testing.T) {
	t.Parallel()
	contract.RateLimiter(t, func(t *testing.T) ports.RateLimiter {
		return redis.NewFallbackLimiter(redis.NewRateLimiter(downRedis(t)), memory.NewRateLimiter(), discard, 0)
	})
}

func TestRedisRateLimitIsSharedAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first := testenv.Redis(t)
	second, cleanup, err := redis.NewClient(redis.Options{URL: testenv.RedisURL(t), KeyPrefix: first.Prefix()})
	require.NoError(t, err)
	t.Cleanup(cleanup)
	a, b := redis.NewRateLimiter(first), redis.NewRateLimiter(second)

	const key, limit = "login:ip:203.0.113.7", 5
	for i, l := range []ports.RateLimiter{a, a, a, b, b} {
		d, err := l.Allow(ctx, key, limit, time.Minute)
		require.NoError(t, err)
		assert.True(t, d.Allowed, "hit %d", i+1)
		assert.Equal(t, limit-1-i, d.Remaining, "hit %d", i+1)
	}
	for name, l := range map[string]ports.RateLimiter{"A": a, "B": b} {
		d, err := l.Allow(ctx, key, limit, time.Minute)
		require.NoError(t, err)
		assert.False(t, d.Allowed, "6th hit on %s", name)
	}

	// The count lives under the client's namespace, nowhere else.
	keys, err := first.Keys(ctx, "*"+key).Result()
	require.NoError(t, err)
	assert.Equal(t, []string{first.Key("rl", key)}, keys)
}

func TestFallbackLimiterOnDownRedisAnswersQuicklyAndWarnsOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var logs logBuffer
	f := redis.NewFallbackLimiter(redis.NewRateLimiter(downRedis(t)), memory.NewRateLimiter(),
		slog.New(slog.NewTextHandler(&logs, nil)), 0)

	start := time.Now()
	for i := 1; i <= 5; i++ {
		hit := time.Now()
		d, err := f.Allow(ctx, "login:ip:198.51.100.1", 3, time.Minute)
		require.NoError(t, err, "Redis's error never reaches the caller")
		assert.Less(t, time.Since(hit), time.Second)
		assert.Equal(t, i <= 3, d.Allowed, "hit %d: the per-instance limiter counts", i)
	}
	assert.Less(t, time.Since(start), time.Second)
	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "level=WARN"), out)
	assert.Contains(t, out, "per-instance")
}

func TestFallbackLimiterOnHungRedisTimesOut(t *testing.T) {
	t.Parallel()
	// A server that accepts connections and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	hung, cleanup, err := redis.NewClient(redis.Options{URL: "redis://" + ln.Addr().String() + "/0"})
	require.NoError(t, err)
	t.Cleanup(cleanup)

	var logs logBuffer
	f := redis.NewFallbackLimiter(redis.NewRateLimiter(hung), memory.NewRateLimiter(),
		slog.New(slog.NewTextHandler(&logs, nil)), 100*time.Millisecond)
	start := time.Now()
	d, err := f.Allow(context.Background(), "login:acct:ada@example.com", 5, time.Minute)
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 500*time.Millisecond)
	assert.Equal(t, ports.RateDecision{Allowed: true, Remaining: 4}, d)
	assert.Contains(t, logs.String(), "level=WARN")
}

func TestFallbackLimiterOnWorkingRedisUsesRedis(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := testenv.Redis(t)
	var logs logBuffer
	f := redis.NewFallbackLimiter(redis.NewRateLimiter(c), memory.NewRateLimiter(),
		slog.New(slog.NewTextHandler(&logs, nil)), 0)
	plain := redis.NewRateLimiter(c)

	const key = "register:ip:192.0.2.9"
	for range 2 {
		d, err := f.Allow(ctx, key, 3, time.Minute)
		require.NoError(t, err)
		require.True(t, d.Allowed)
	}
	d, err := plain.Allow(ctx, key, 3, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, ports.RateDecision{Allowed: true, Remaining: 0}, d, "the hits went to Redis")
	assert.Empty(t, logs.String())
}

func TestFallbackLimiterRefusesInvalidArgumentsWithoutWarning(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	f := redis.NewFallbackLimiter(redis.NewRateLimiter(downRedis(t)), memory.NewRateLimiter(),
		slog.New(slog.NewTextHandler(&logs, nil)), 0)
	_, err := f.Allow(context.Background(), "", 5, time.Minute)
	require.Error(t, err)
	assert.Empty(t, logs.String(), "a caller's mistake is not Redis being down")
}

// flakyLimiter fails while down is set, and counts the calls it gets.
type flakyLimiter struct {
	down  atomic.Bool
	calls atomic.Int32
}

func (f *flakyLimiter) Allow(context.Context, string, int, time.Duration) (ports.RateDecision, error) {
	f.calls.Add(1)
	if f.down.Load() {
		return ports.RateDecision{}, errors.New("dial tcp 127.0.0.1:6379: connect: connection refused")
	}
	return ports.RateDecision{Allowed: true, Remaining: 99}, nil
}

func TestFallbackLimiterPausesPrimaryAfterAFailureThenProbesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	primary := &flakyLimiter{}
	primary.down.Store(true)
	var logs logBuffer
	f := redis.NewFallbackLimiter(primary, memory.NewRateLimiter(), slog.New(slog.NewTextHandler(&logs, nil)), 0)
	f.Pause = 200 * time.Millisecond

	for i := 1; i <= 10; i++ {
		d, err := f.Allow(ctx, "refresh:ip:192.0.2.3", 100, time.Minute)
		require.NoError(t, err)
		assert.Equal(t, 100-i, d.Remaining, "the per-instance limiter counts")
	}
	assert.EqualValues(t, 1, primary.calls.Load(), "Primary is left alone during the pause")

	time.Sleep(250 * time.Millisecond)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			_, err := f.Allow(ctx, "refresh:ip:192.0.2.3", 100, time.Minute)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	assert.EqualValues(t, 2, primary.calls.Load(), "one hit probes when the pause ends")

	primary.down.Store(false)
	time.Sleep(250 * time.Millisecond)
	for range 3 {
		_, err := f.Allow(ctx, "refresh:ip:192.0.2.3", 100, time.Minute)
		require.NoError(t, err)
	}
	assert.EqualValues(t, 5, primary.calls.Load(), "back to Primary once a probe succeeds")
	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "level=WARN"), out)
	assert.Equal(t, 1, strings.Count(out, "level=INFO"), out)
	assert.Contains(t, out, "connection refused")
}

// The memory limiter's bounds; here rather than beside it because it runs
// with a fixed clock and these tests are its only users so far.
func TestMemoryRateLimiterForgetsIdleKeysAndStaysBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	l := memory.NewRateLimiter()
	l.Now = func() time.Time { return now }
	l.MaxKeys = 50

	// The account under attack uses up its burst...
	for range 3 {
		_, err := l.Allow(ctx, "login:acct:victim", 3, time.Hour)
		require.NoError(t, err)
	}
	// ...then a flood of one-hit keys fills the limiter many times over.
	for i := range 500 {
		d, err := l.Allow(ctx, fmt.Sprintf("login:acct:spray%d", i), 3, time.Hour)
		require.NoError(t, err)
		require.True(t, d.Allowed)
		require.LessOrEqual(t, l.Len(), 50)
	}
	d, err := l.Allow(ctx, "login:acct:victim", 3, time.Hour)
	require.NoError(t, err)
	assert.False(t, d.Allowed, "fresh keys are evicted before a used-up one")

	// Once the window has passed, the next hit's sweep forgets idle keys.
	now = now.Add(2 * time.Hour)
	d, err = l.Allow(ctx, "login:ip:192.0.2.1", 3, time.Hour)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	assert.Equal(t, 1, l.Len())
}
