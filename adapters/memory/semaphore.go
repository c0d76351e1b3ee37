package memory

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/codementor/codementor/ports"
)

// Semaphore is the per-instance twin of the Redis semaphore.
type Semaphore struct {
	Now  func() time.Time
	mu   sync.Mutex
	held map[string]map[uint64]time.Time // key -> holder -> expiry
	seq  uint64
}

var _ ports.Semaphore = (*Semaphore)(nil)

// NewSemaphore returns an empty semaphore on the wall clock.
func NewSemaphore() *Semaphore {
	return &Semaphore{Now: time.Now, held: map[string]map[uint64]time.Time{}}
}

// TryAcquire takes a place of key unless limit live holders have it.
func (s *Semaphore) TryAcquire(_ context.Context, key string, limit int, ttl time.Duration) (ports.Lease, bool, error) {
	if key == "" || limit < 1 || ttl <= 0 {
		return nil, false, errors.New("semaphore: a key, a positive limit and a positive ttl are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	h := s.held[key]
	for id, exp := range h {
		if !now.Before(exp) {
			delete(h, id)
		}
	}
	if len(h) >= limit {
		return nil, false, nil
	}
	if h == nil {
		h = map[uint64]time.Time{}
		s.held[key] = h
	}
	s.seq++
	h[s.seq] = now.Add(ttl)
	id := s.seq
	return leaseFunc(func() {
		s.mu.Lock()
		delete(s.held[key], id)
		if len(s.held[key]) == 0 {
			delete(s.held, key)
		}
		s.mu.Unlock()
	}), true, nil
}

type leaseFunc func()

func (f leaseFunc) Release(context.Context) error { f(); return nil }
