package cache_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/cache"
	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/contract"
)

// counting counts the reads that reach the repository.
type counting struct {
	ports.UserRepository
	reads atomic.Int32
}

func (c *counting) GetByID(ctx context.Context, id string) (*identity.User, error) {
	c.reads.Add(1)
	return c.UserRepository.GetByID(ctx, id)
}

type txKey struct{}

func inTx(ctx context.Context) bool { return ctx.Value(txKey{}) != nil }

func seed(t *testing.T, repo ports.UserRepository) *identity.User {
	t.Helper()
	e, _ := identity.ParseEmail(uuid.NewString()[:8] + "@example.com")
	u, err := identity.NewUser(uuid.Must(uuid.NewV7()).String(), e, "Ada", time.Now())
	require.NoError(t, err)
	require.NoError(t, repo.Create(context.Background(), u))
	return u
}

func TestCacheServesRepeatReadsAndDropsOnWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inner := &counting{UserRepository: memory.NewUserRepository(memory.NewDB())}
	c := cache.NewUsers(inner, inTx, time.Minute, 10)
	u := seed(t, c)

	for range 5 {
		got, err := c.GetByID(ctx, u.ID())
		require.NoError(t, err)
		assert.Equal(t, "Ada", got.DisplayName())
	}
	assert.Equal(t, int32(1), inner.reads.Load(), "one read reached the store")

	got, _ := c.GetByID(ctx, u.ID())
	require.NoError(t, got.Rename("Changed locally, not stored", time.Now()))
	again, _ := c.GetByID(ctx, u.ID())
	assert.Equal(t, "Ada", again.DisplayName(), "callers get copies")

	_, err := c.Update(ctx, u.ID(), func(u *identity.User) error { u.Disable(time.Now()); return nil })
	require.NoError(t, err)
	got, err = c.GetByID(ctx, u.ID())
	require.NoError(t, err)
	assert.True(t, got.Disabled(), "a write through the cache is seen at once")

	_, err = c.GetByID(ctx, uuid.NewString())
	assert.ErrorIs(t, err, domain.ErrNotFound, "misses are not cached as hits")
}

func TestCacheExpiresAndSkipsTransactions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inner := &counting{UserRepository: memory.NewUserRepository(memory.NewDB())}
	c := cache.NewUsers(inner, inTx, 30*time.Millisecond, 10)
	u := seed(t, c)
	txCtx := context.WithValue(ctx, txKey{}, true)
	for range 3 {
		_, err := c.GetByID(txCtx, u.ID())
		require.NoError(t, err)
	}
	assert.Equal(t, int32(3), inner.reads.Load(), "reads in a transaction go to the store")
	_, _ = c.GetByID(ctx, u.ID())
	_, _ = c.GetByID(ctx, u.ID())
	assert.Equal(t, int32(4), inner.reads.Load())
	time.Sleep(40 * time.Millisecond)
	_, _ = c.GetByID(ctx, u.ID())
	assert.Equal(t, int32(5), inner.reads.Load(), "an expired entry is read again")

	off := cache.NewUsers(inner, inTx, 0, 10)
	_, _ = off.GetByID(ctx, u.ID())
	_, _ = off.GetByID(ctx, u.ID())
	assert.Equal(t, int32(7), inner.reads.Load(), "a zero TTL turns the cache off")
}

func TestCacheStaysBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inner := memory.NewUserRepository(memory.NewDB())
	c := cache.NewUsers(inner, inTx, time.Minute, 8)
	for range 50 {
		u := seed(t, c)
		_, err := c.GetByID(ctx, u.ID())
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, c.Len(), 8)
}

// The cache is a UserRepository like any other: it passes the contract.
func TestCachePassesTheUserContract(t *testing.T) {
	t.Parallel()
	contract.UserRepository(t, func(t *testing.T) contract.UserStore {
		db := memory.NewDB()
		return contract.UserStore{Users: cache.NewUsers(memory.NewUserRepository(db), memory.InTx, time.Minute, 100),
			Tx: memory.NewTxManager(db)}
	})
}
