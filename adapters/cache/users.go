// Package cache holds read-through caches in front of store ports.
package cache

import (
	"context"
	"sync"
	"time"

	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// Users keeps recently read accounts in memory for a short TTL, in front of
// the real repository. Authenticated requests load the caller's account on
// every call (to refuse disabled accounts), so this saves a database round
// trip on most of them.
//
// Consistency: writes through this instance drop the entry at once; another
// instance's write is seen within the TTL (default 2s), which bounds how
// long a disabled account keeps working here. Reads inside a transaction
// neither use nor fill the cache, so uncommitted rows never get in.
type Users struct {
	next ports.UserRepository
	inTx func(context.Context) bool
	ttl  time.Duration
	max  int
	now  func() time.Time

	mu      sync.Mutex
	entries map[string]userEntry
}

type userEntry struct {
	snap    identity.UserSnapshot
	expires time.Time
}

var _ ports.UserRepository = (*Users)(nil)

// NewUsers wraps next. inTx reports whether ctx carries a transaction;
// max bounds the entries (the oldest half is dropped when it is reached).
func NewUsers(next ports.UserRepository, inTx func(context.Context) bool, ttl time.Duration, max int) *Users {
	if max <= 0 {
		max = 100_000
	}
	return &Users{next: next, inTx: inTx, ttl: ttl, max: max, now: time.Now, entries: map[string]userEntry{}}
}

func (c *Users) get(id string) (*identity.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[id]
	if !ok || !c.now().Before(e.expires) {
		return nil, false
	}
	return identity.RehydrateUser(e.snap), true
}

func (c *Users) put(u *identity.User) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		c.evictLocked(now)
	}
	c.entries[u.ID()] = userEntry{snap: u.Snapshot(), expires: now.Add(c.ttl)}
}

// evictLocked drops expired entries, and if that is not enough, about half
// of the rest (map order is random): a cache, not a store.
func (c *Users) evictLocked(now time.Time) {
	for id, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, id)
		}
	}
	for id := range c.entries {
		if len(c.entries) < c.max/2 {
			break
		}
		delete(c.entries, id)
	}
}

// Len is how many entries the cache holds.
func (c *Users) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// Forget drops an account from the cache.
func (c *Users) Forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
}

func (c *Users) usable(ctx context.Context) bool { return c.ttl > 0 && !c.inTx(ctx) }

// GetByID answers from the cache when it can.
func (c *Users) GetByID(ctx context.Context, id string) (*identity.User, error) {
	if !c.usable(ctx) {
		return c.next.GetByID(ctx, id)
	}
	if u, ok := c.get(id); ok {
		return u, nil
	}
	u, err := c.next.GetByID(ctx, id)
	if err == nil {
		c.put(u)
	}
	return u, err
}

// GetByEmail always asks the repository (sign-in paths, not hot).
func (c *Users) GetByEmail(ctx context.Context, email identity.Email) (*identity.User, error) {
	return c.next.GetByEmail(ctx, email)
}

// Create passes through.
func (c *Users) Create(ctx context.Context, u *identity.User) error {
	return c.next.Create(ctx, u)
}

// Update writes through and drops the entry, before and after: the write
// may be inside a transaction that a concurrent read could race.
func (c *Users) Update(ctx context.Context, id string, fn func(u *identity.User) error) (*identity.User, error) {
	c.Forget(id)
	u, err := c.next.Update(ctx, id, fn)
	c.Forget(id)
	return u, err
}
