package ports

import (
	"context"
	"time"
)

// RateDecision is a limiter's answer for one hit.
type RateDecision struct {
	Allowed    bool
	Remaining  int
	RetryAfter time.Duration // when not allowed: how long until one more hit is
}

// RateLimiter counts hits per key in a window. The production one is shared
// by every server instance (Redis) and falls back to a per-instance limiter
// when Redis is unreachable.
type RateLimiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) (RateDecision, error)
}
