package memory

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/codementor/codementor/ports"
)

// Locker is the per-instance twin of the Redis locker.
type Locker struct {
	Now  func() time.Time
	mu   sync.Mutex
	held map[string]heldLease
	seq  uint64
}

type heldLease struct {
	token   uint64
	expires time.Time
}

var _ ports.Locker = (*Locker)(nil)

// NewLocker returns an empty locker on the wall clock.
func NewLocker() *Locker { return &Locker{Now: time.Now, held: map[string]heldLease{}} }

// TryLock takes key for ttl unless a live lease holds it.
func (l *Locker) TryLock(_ context.Context, key string, ttl time.Duration) (ports.Lease, bool, error) {
	if key == "" || ttl <= 0 {
		return nil, false, errors.New("lock: key and a positive ttl are required")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	if h, ok := l.held[key]; ok && now.Before(h.expires) {
		return nil, false, nil
	}
	l.seq++
	l.held[key] = heldLease{token: l.seq, expires: now.Add(ttl)}
	return &memLease{l: l, key: key, token: l.seq}, true, nil
}

type memLease struct {
	l     *Locker
	key   string
	token uint64
}

func (m *memLease) Release(context.Context) error {
	m.l.mu.Lock()
	defer m.l.mu.Unlock()
	if h, ok := m.l.held[m.key]; ok && h.token == m.token {
		delete(m.l.held, m.key)
	}
	return nil
}
