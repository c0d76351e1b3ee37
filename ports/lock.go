package ports

import (
	"context"
	"time"
)

// Lease is a held lock; Release gives it back early (it expires at its TTL
// anyway, so a crashed holder never blocks for long).
type Lease interface {
	Release(ctx context.Context) error
}

// Locker hands out short exclusive leases by key, shared by every server
// instance (Redis in production): one grading per learner at a time.
type Locker interface {
	// TryLock takes the lease or answers false at once when another holder
	// has it.
	TryLock(ctx context.Context, key string, ttl time.Duration) (Lease, bool, error)
}

// Semaphore hands out at most limit concurrent leases per key, shared by
// every server instance: a lease expires at its TTL, so a crashed holder
// frees its place.
type Semaphore interface {
	// TryAcquire takes one of key's limit places, or answers false at once
	// when all are taken.
	TryAcquire(ctx context.Context, key string, limit int, ttl time.Duration) (Lease, bool, error)
}
