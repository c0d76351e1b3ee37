package contract_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/adapters/redis"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/contract"
	"github.com/codementor/codementor/test/testenv"
)

func TestOAuthStateStoreRedis(t *testing.T) {
	t.Parallel()
	contract.OAuthStateStore(t, func(t *testing.T) ports.OAuthStateStore {
		return redis.NewOAuthStateStore(testenv.Redis(t))
	})
}

func TestOAuthStateStoreMemory(t *testing.T) {
	t.Parallel()
	contract.OAuthStateStore(t, func(t *testing.T) ports.OAuthStateStore {
		return memory.NewOAuthStateStore()
	})
}

func TestRedisOAuthStateLivesUnderTheNamespaceWithItsTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := testenv.Redis(t)
	s := redis.NewOAuthStateStore(c)
	created := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	require.NoError(t, s.Put(ctx, "abc", ports.OAuthState{Provider: "github", Verifier: "v", BrowserBinding: "b", CreatedAt: created}, 90*time.Second))

	keys, err := c.Keys(ctx, c.Prefix()+"*abc").Result() // only this test's namespace: Redis is shared
	require.NoError(t, err)
	assert.Equal(t, []string{c.Key("oauth", "state", "abc")}, keys)
	ttl, err := c.PTTL(ctx, c.Key("oauth", "state", "abc")).Result()
	require.NoError(t, err)
	assert.InDelta(t, float64(90*time.Second), float64(ttl), float64(5*time.Second))

	raw, err := c.Get(ctx, c.Key("oauth", "state", "abc")).Bytes()
	require.NoError(t, err)
	var stored map[string]any
	require.NoError(t, json.Unmarshal(raw, &stored), "stored as JSON")
	assert.Equal(t, "github", stored["provider"])
}

func TestRedisOAuthStateRefusesAStoredValueItCannotRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := testenv.Redis(t)
	require.NoError(t, c.Set(ctx, c.Key("oauth", "state", "corrupt"), "not json", time.Minute).Err())
	_, err := redis.NewOAuthStateStore(c).Take(ctx, "corrupt")
	require.Error(t, err)
	assert.NotErrorIs(t, err, domain.ErrNotFound)
}

// The memory store's clock and bounds; the contract covers the rest.
func TestMemoryOAuthStateExpiresAtItsTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	s := memory.NewOAuthStateStore()
	s.Now = func() time.Time { return now }

	tests := []struct {
		name    string
		elapsed time.Duration
		found   bool
	}{
		{"just before", 10*time.Minute - time.Nanosecond, true},
		{"at the TTL", 10 * time.Minute, false},
		{"after", 11 * time.Minute, false},
	}
	for i, tt := range tests {
		state := fmt.Sprintf("s%d", i)
		now = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
		require.NoError(t, s.Put(ctx, state, ports.OAuthState{Provider: "github"}, 10*time.Minute))
		now = now.Add(tt.elapsed)
		_, err := s.Take(ctx, state)
		if tt.found {
			assert.NoError(t, err, tt.name)
		} else {
			assert.ErrorIs(t, err, domain.ErrNotFound, tt.name)
		}
	}
}

func TestMemoryOAuthStatePurgesAbandonedStates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	s := memory.NewOAuthStateStore()
	s.Now = func() time.Time { return now }

	// A flood of flows nobody finishes, each expiring before the next
	// arrives: growth alone triggers purges, so the map stays small.
	for i := range 10_000 {
		require.NoError(t, s.Put(ctx, fmt.Sprintf("abandoned-%d", i), ports.OAuthState{}, time.Millisecond))
		now = now.Add(time.Millisecond)
		require.LessOrEqual(t, s.Len(), 2048)
	}

	// Once a minute has passed, the next Put drops every expired state.
	now = now.Add(time.Minute)
	require.NoError(t, s.Put(ctx, "live", ports.OAuthState{Provider: "github"}, 10*time.Minute))
	assert.Equal(t, 1, s.Len())
	_, err := s.Take(ctx, "live")
	assert.NoError(t, err)
}
