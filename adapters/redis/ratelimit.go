package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-redis/redis_rate/v10"
	goredis "github.com/redis/go-redis/v9"

	"github.com/codementor/codementor/ports"
)

// RateLimiter is the limiter every server instance shares: GCRA in one
// atomic Lua script (go-redis/redis_rate), so a burst of `limit` hits is
// allowed and then one more hit every window/limit.
type RateLimiter struct {
	c       *Client
	limiter *redis_rate.Limiter
}

var _ ports.RateLimiter = (*RateLimiter)(nil)

// NewRateLimiter builds the limiter on the shared client; its keys live
// under c.Key("rl", key).
func NewRateLimiter(c *Client) *RateLimiter {
	return &RateLimiter{c: c, limiter: redis_rate.NewLimiter(scripter{c.UniversalClient})}
}

// Allow counts one hit on key. RetryAfter is rounded up to whole seconds
// (at least 1s), as a Retry-After header carries it, so a client that waits
// that long is not refused again.
func (l *RateLimiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (ports.RateDecision, error) {
	if err := validateRateArgs(key, limit, window); err != nil {
		return ports.RateDecision{}, err
	}
	res, err := l.limiter.Allow(ctx, l.c.Key("rl", key), redis_rate.Limit{Rate: limit, Burst: limit, Period: window})
	if err != nil {
		return ports.RateDecision{}, fmt.Errorf("redis: rate limit: %w", err)
	}
	if res.Allowed == 0 {
		// redis_rate's RetryAfter is the time until one more hit is allowed
		// (-1 when allowed).
		return ports.RateDecision{RetryAfter: ceilSecond(res.RetryAfter)}, nil
	}
	return ports.RateDecision{Allowed: true, Remaining: min(max(res.Remaining, 0), limit-1)}, nil
}

func validateRateArgs(key string, limit int, window time.Duration) error {
	switch {
	case key == "":
		return errors.New("rate limit: empty key")
	case limit < 1:
		return fmt.Errorf("rate limit: limit %d is below 1", limit)
	case window <= 0:
		return fmt.Errorf("rate limit: window %s is not positive", window)
	}
	return nil
}

// ceilSecond rounds a wait up to whole seconds, at least one.
func ceilSecond(d time.Duration) time.Duration {
	if d <= time.Second {
		return time.Second
	}
	return (d + time.Second - 1).Truncate(time.Second)
}

// scripter hands redis_rate the client but undoes the "rate:" it puts in
// front of every key, so the keys stay under the client's namespace (which
// Key already added) like every other key this service writes.
type scripter struct{ c goredis.UniversalClient }

const redisRatePrefix = "rate:"

func unprefixed(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = strings.TrimPrefix(k, redisRatePrefix)
	}
	return out
}

func (s scripter) Eval(ctx context.Context, script string, keys []string, args ...any) *goredis.Cmd {
	return s.c.Eval(ctx, script, unprefixed(keys), args...)
}

func (s scripter) EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) *goredis.Cmd {
	return s.c.EvalSha(ctx, sha1, unprefixed(keys), args...)
}

func (s scripter) EvalRO(ctx context.Context, script string, keys []string, args ...any) *goredis.Cmd {
	return s.c.EvalRO(ctx, script, unprefixed(keys), args...)
}

func (s scripter) EvalShaRO(ctx context.Context, sha1 string, keys []string, args ...any) *goredis.Cmd {
	return s.c.EvalShaRO(ctx, sha1, unprefixed(keys), args...)
}

func (s scripter) ScriptExists(ctx context.Context, hashes ...string) *goredis.BoolSliceCmd {
	return s.c.ScriptExists(ctx, hashes...)
}

func (s scripter) ScriptLoad(ctx context.Context, script string) *goredis.StringCmd {
	return s.c.ScriptLoad(ctx, script)
}

func (s scripter) Del(ctx context.Context, keys ...string) *goredis.IntCmd {
	return s.c.Del(ctx, unprefixed(keys)...)
}
