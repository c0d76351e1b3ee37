package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/ports"
)

// maxOAuthStateLength matches the Redis store's bound.
const maxOAuthStateLength = 256

const (
	// oauthPurgeEvery is how often (lazily, on a Put) expired states are
	// dropped: no goroutine to stop.
	oauthPurgeEvery = time.Minute
	// oauthPurgeFloor is the size under which growth alone never triggers
	// a purge.
	oauthPurgeFloor = 1024
)

// OAuthStateStore is the per-instance twin of the Redis store, passing the
// same contract suite. Its memory stays bounded: expired states are purged
// on a Put once a minute, or sooner when the map has doubled since the last
// purge, so a burst of abandoned flows costs amortised O(1) per Put.
type OAuthStateStore struct {
	// Now is the clock; tests may replace it before the first call.
	Now func() time.Time

	mu          sync.Mutex
	states      map[string]oauthStateEntry
	lastPurge   time.Time
	sizeAtPurge int
}

type oauthStateEntry struct {
	state     ports.OAuthState
	expiresAt time.Time
}

var _ ports.OAuthStateStore = (*OAuthStateStore)(nil)

// NewOAuthStateStore returns an empty store on the wall clock.
func NewOAuthStateStore() *OAuthStateStore {
	return &OAuthStateStore{Now: time.Now, states: map[string]oauthStateEntry{}}
}

// Put stores the state for ttl; a state stored and not yet expired is
// domain.ErrConflict.
func (s *OAuthStateStore) Put(ctx context.Context, state string, st ports.OAuthState, ttl time.Duration) error {
	if err := validateOAuthState(state); err != nil {
		return err
	}
	if ttl <= 0 {
		return fmt.Errorf("oauth state: ttl %s is not positive", ttl)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	st.CreatedAt = st.CreatedAt.UTC()
	st.Scopes = append([]string(nil), st.Scopes...)

	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.states == nil {
		s.states = map[string]oauthStateEntry{}
	}
	if now.Sub(s.lastPurge) >= oauthPurgeEvery || now.Before(s.lastPurge) ||
		len(s.states) >= max(2*s.sizeAtPurge, oauthPurgeFloor) {
		s.purge(now)
	}
	if e, ok := s.states[state]; ok && now.Before(e.expiresAt) {
		return fmt.Errorf("put oauth state: %w: state already stored", domain.ErrConflict)
	}
	s.states[state] = oauthStateEntry{state: st, expiresAt: now.Add(ttl)}
	return nil
}

// Take returns and deletes the state; an expired one is deleted and
// domain.ErrNotFound.
func (s *OAuthStateStore) Take(ctx context.Context, state string) (ports.OAuthState, error) {
	if err := validateOAuthState(state); err != nil {
		return ports.OAuthState{}, fmt.Errorf("take oauth state: %w: %v", domain.ErrNotFound, err)
	}
	if err := ctx.Err(); err != nil {
		return ports.OAuthState{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.states[state]
	if !ok {
		return ports.OAuthState{}, fmt.Errorf("take oauth state: %w", domain.ErrNotFound)
	}
	delete(s.states, state)
	if !s.now().Before(e.expiresAt) {
		return ports.OAuthState{}, fmt.Errorf("take oauth state: %w", domain.ErrNotFound)
	}
	return e.state, nil
}

// Len is how many states are held, expired ones not yet purged included.
func (s *OAuthStateStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.states)
}

func (s *OAuthStateStore) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// purge drops expired states; the caller holds mu.
func (s *OAuthStateStore) purge(now time.Time) {
	for k, e := range s.states {
		if !now.Before(e.expiresAt) {
			delete(s.states, k)
		}
	}
	s.lastPurge = now
	s.sizeAtPurge = len(s.states)
}

func validateOAuthState(state string) error {
	switch {
	case state == "":
		return errors.New("oauth state: empty state")
	case len(state) > maxOAuthStateLength:
		return fmt.Errorf("oauth state: state longer than %d characters", maxOAuthStateLength)
	}
	return nil
}
