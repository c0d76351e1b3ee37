package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/codementor/codementor/ports"
)

// DefaultRateLimitKeys bounds how many keys a RateLimiter tracks.
const DefaultRateLimitKeys = 100_000

const (
	// sweepEvery is how often (lazily, on a hit) keys back at their initial
	// state are dropped: no goroutine to stop.
	sweepEvery = time.Minute
	// evictSample is how many keys are looked at to choose one to evict when
	// full, as Redis approximates LRU: the one nearest its initial state goes.
	evictSample = 8
)

// RateLimiter is the per-instance twin of the Redis limiter, with the same
// GCRA (a burst of `limit` hits, then one more every window/limit) and the
// same rounding, so both pass one contract suite. Its memory is bounded:
// idle keys are swept and, when MaxKeys are live, the one closest to
// being idle is evicted.
type RateLimiter struct {
	// Now is the clock; tests may replace it before the first hit.
	Now func() time.Time
	// MaxKeys bounds the keys tracked; set before the first hit. Zero
	// means DefaultRateLimitKeys.
	MaxKeys int

	mu        sync.Mutex
	tats      map[string]time.Time // theoretical arrival time of the next hit
	lastSweep time.Time
}

var _ ports.RateLimiter = (*RateLimiter)(nil)

// NewRateLimiter returns an empty limiter on the wall clock.
func NewRateLimiter() *RateLimiter {
	return &RateLimiter{Now: time.Now, MaxKeys: DefaultRateLimitKeys, tats: map[string]time.Time{}}
}

// Allow counts one hit on key. RetryAfter is rounded up to whole seconds,
// at least 1s, as the Redis limiter does.
func (l *RateLimiter) Allow(_ context.Context, key string, limit int, window time.Duration) (ports.RateDecision, error) {
	switch {
	case key == "":
		return ports.RateDecision{}, errors.New("rate limit: empty key")
	case limit < 1:
		return ports.RateDecision{}, fmt.Errorf("rate limit: limit %d is below 1", limit)
	case window <= 0:
		return ports.RateDecision{}, fmt.Errorf("rate limit: window %s is not positive", window)
	}
	emission := max(window/time.Duration(limit), 1) // one hit's worth of time
	burst := emission * time.Duration(limit)

	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.tats == nil {
		l.tats = map[string]time.Time{}
	}
	if now.Sub(l.lastSweep) >= sweepEvery || now.Before(l.lastSweep) {
		l.sweep(now)
	}

	tat, known := l.tats[key]
	if !known || tat.Before(now) {
		tat = now
	}
	newTat := tat.Add(emission)
	ahead := now.Sub(newTat.Add(-burst)) // < 0: the burst is used up
	if ahead < 0 {
		return ports.RateDecision{RetryAfter: ceilSecond(-ahead)}, nil
	}
	if !known && len(l.tats) >= l.maxKeys() {
		l.evictOne()
	}
	l.tats[key] = newTat
	return ports.RateDecision{Allowed: true, Remaining: min(int(ahead/emission), limit-1)}, nil
}

// Len is the number of keys tracked.
func (l *RateLimiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.tats)
}

func (l *RateLimiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *RateLimiter) maxKeys() int {
	if l.MaxKeys > 0 {
		return l.MaxKeys
	}
	return DefaultRateLimitKeys
}

// sweep drops the keys back at their initial state: forgetting them
// changes no decision.
func (l *RateLimiter) sweep(now time.Time) {
	for k, tat := range l.tats {
		if !tat.After(now) {
			delete(l.tats, k)
		}
	}
	l.lastSweep = now
}

// evictOne drops, of a few keys taken from the map's random iteration
// order, the one closest to its initial state, so a flood of new keys
// rather pushes out other fresh keys than a used-up one (say, the account
// under attack).
func (l *RateLimiter) evictOne() {
	var victim string
	var oldest time.Time
	n := 0
	for k, tat := range l.tats {
		if n == 0 || tat.Before(oldest) {
			victim, oldest = k, tat
		}
		if n++; n == evictSample {
			break
		}
	}
	delete(l.tats, victim)
}

// ceilSecond rounds a wait up to whole seconds, at least one.
func ceilSecond(d time.Duration) time.Duration {
	if d <= time.Second {
		return time.Second
	}
	return (d + time.Second - 1).Truncate(time.Second)
}
