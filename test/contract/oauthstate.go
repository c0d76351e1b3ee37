package contract

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/ports"
)

func newOAuthState() ports.OAuthState {
	return ports.OAuthState{
		Provider:       "github",
		Verifier:       "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
		BrowserBinding: "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
		LinkUserID:     "0193a1c2-7d3e-7f00-8000-000000000001",
		Scopes:         []string{"read:user", "user:email", "repo"},
		// Nanoseconds and a non-UTC zone: stores keep the instant.
		CreatedAt: time.Date(2026, 11, 25, 9, 30, 15, 123456789, time.FixedZone("X", 3600)),
	}
}

// OAuthStateStore runs the OAuth state contract against stores made by
// newStore; each subtest gets a fresh store.
func OAuthStateStore(t *testing.T, newStore func(t *testing.T) ports.OAuthStateStore) {
	ctx := context.Background()

	t.Run("put then take returns every field, CreatedAt in UTC", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		want := newOAuthState()
		require.NoError(t, s.Put(ctx, "state-1", want, time.Minute))

		got, err := s.Take(ctx, "state-1")
		require.NoError(t, err)
		assert.Equal(t, want.Provider, got.Provider)
		assert.Equal(t, want.Verifier, got.Verifier)
		assert.Equal(t, want.BrowserBinding, got.BrowserBinding)
		assert.Equal(t, want.LinkUserID, got.LinkUserID)
		assert.Equal(t, want.Scopes, got.Scopes)
		assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at %s != %s", want.CreatedAt, got.CreatedAt)
		assert.Equal(t, time.UTC, got.CreatedAt.Location())
	})

	t.Run("states are kept apart", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		a, b := newOAuthState(), newOAuthState()
		b.Provider, b.Verifier = "google", "another-verifier"
		require.NoError(t, s.Put(ctx, "state-a", a, time.Minute))
		require.NoError(t, s.Put(ctx, "state-b", b, time.Minute))

		got, err := s.Take(ctx, "state-b")
		require.NoError(t, err)
		assert.Equal(t, "google", got.Provider)
		got, err = s.Take(ctx, "state-a")
		require.NoError(t, err)
		assert.Equal(t, "github", got.Provider)
	})

	t.Run("a state is single use", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		require.NoError(t, s.Put(ctx, "once", newOAuthState(), time.Minute))
		_, err := s.Take(ctx, "once")
		require.NoError(t, err)
		_, err = s.Take(ctx, "once")
		assert.ErrorIs(t, err, domain.ErrNotFound)
	})

	t.Run("concurrent takes: exactly one wins", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		require.NoError(t, s.Put(ctx, "raced", newOAuthState(), time.Minute))
		var wins, misses atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 10 {
			wg.Go(func() {
				<-start
				got, err := s.Take(ctx, "raced")
				switch {
				case err == nil:
					assert.Equal(t, "github", got.Provider)
					wins.Add(1)
				case errors.Is(err, domain.ErrNotFound):
					misses.Add(1)
				default:
					t.Errorf("unexpected error: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		assert.Equal(t, int32(1), wins.Load())
		assert.Equal(t, int32(9), misses.Load())
	})

	t.Run("a state past its TTL is not found", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		require.NoError(t, s.Put(ctx, "short", newOAuthState(), 300*time.Millisecond))
		require.NoError(t, s.Put(ctx, "long", newOAuthState(), time.Minute))
		time.Sleep(450 * time.Millisecond)

		_, err := s.Take(ctx, "short")
		assert.ErrorIs(t, err, domain.ErrNotFound)
		_, err = s.Take(ctx, "long")
		assert.NoError(t, err, "only the short-lived state expired")
		// An expired state no longer blocks its name.
		assert.NoError(t, s.Put(ctx, "short", newOAuthState(), time.Minute))
	})

	t.Run("an unknown state is not found", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, state := range []string{"never-stored", uuid.NewString(), "*", "oauth:state:*"} {
			_, err := s.Take(ctx, state)
			assert.ErrorIs(t, err, domain.ErrNotFound, state)
		}
	})

	t.Run("putting a stored state again fails and keeps the first", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		first := newOAuthState()
		require.NoError(t, s.Put(ctx, "dup", first, time.Minute))
		second := newOAuthState()
		second.Provider, second.Verifier = "google", "attacker-verifier"
		err := s.Put(ctx, "dup", second, time.Minute)
		assert.ErrorIs(t, err, domain.ErrConflict)

		got, err := s.Take(ctx, "dup")
		require.NoError(t, err)
		assert.Equal(t, first.Provider, got.Provider)
		assert.Equal(t, first.Verifier, got.Verifier)
	})

	t.Run("invalid arguments are refused and store nothing", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		longest := strings.Repeat("s", 256)
		require.NoError(t, s.Put(ctx, longest, newOAuthState(), time.Minute), "256 characters is the limit")
		_, err := s.Take(ctx, longest)
		require.NoError(t, err)

		tests := []struct {
			name  string
			state string
			ttl   time.Duration
		}{
			{"empty state", "", time.Minute},
			{"257-character state", strings.Repeat("s", 257), time.Minute},
			{"zero ttl", "zero-ttl", 0},
			{"negative ttl", "negative-ttl", -time.Second},
		}
		for _, tt := range tests {
			err := s.Put(ctx, tt.state, newOAuthState(), tt.ttl)
			assert.Error(t, err, tt.name)
			assert.NotErrorIs(t, err, domain.ErrConflict, tt.name)
			_, err = s.Take(ctx, tt.state)
			assert.ErrorIs(t, err, domain.ErrNotFound, "%s: taking it is not found", tt.name)
		}
	})
}
