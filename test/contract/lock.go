package contract

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/ports"
)

// Locker runs the lock contract: exclusive until released or expired,
// and a stale lease never releases its successor's.
func Locker(t *testing.T, newLocker func(t *testing.T) ports.Locker) {
	t.Run("exclusive among racers", func(t *testing.T) {
		t.Parallel()
		l := newLocker(t)
		ctx := context.Background()
		var won atomic.Int32
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, ok, err := l.TryLock(ctx, "grading:learner-1", time.Minute)
				assert.NoError(t, err)
				if ok {
					won.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(1), won.Load())
		_, ok, err := l.TryLock(ctx, "grading:learner-2", time.Minute)
		require.NoError(t, err)
		assert.True(t, ok, "another key is independent")
	})
	t.Run("release frees the key", func(t *testing.T) {
		t.Parallel()
		l := newLocker(t)
		ctx := context.Background()
		lease, ok, err := l.TryLock(ctx, "k", time.Minute)
		require.NoError(t, err)
		require.True(t, ok)
		require.NoError(t, lease.Release(ctx))
		_, ok, err = l.TryLock(ctx, "k", time.Minute)
		require.NoError(t, err)
		assert.True(t, ok)
	})
	t.Run("expiry frees the key and a stale release is harmless", func(t *testing.T) {
		t.Parallel()
		l := newLocker(t)
		ctx := context.Background()
		old, ok, err := l.TryLock(ctx, "k", 50*time.Millisecond)
		require.NoError(t, err)
		require.True(t, ok)
		require.Eventually(t, func() bool {
			_, ok, err := l.TryLock(ctx, "k", time.Minute)
			return err == nil && ok
		}, 3*time.Second, 20*time.Millisecond)
		require.NoError(t, old.Release(ctx))
		_, ok, err = l.TryLock(ctx, "k", time.Minute)
		require.NoError(t, err)
		assert.False(t, ok, "the stale lease must not release the new holder's")
	})
	t.Run("refuses bad arguments", func(t *testing.T) {
		t.Parallel()
		l := newLocker(t)
		_, _, err := l.TryLock(context.Background(), "", time.Minute)
		assert.Error(t, err)
		_, _, err = l.TryLock(context.Background(), "k", 0)
		assert.Error(t, err)
	})
}

// Semaphore runs the semaphore contract: at most limit holders among
// racers, places freed by release and by expiry.
func Semaphore(t *testing.T, newSem func(t *testing.T) ports.Semaphore) {
	t.Run("at most limit among racers", func(t *testing.T) {
		t.Parallel()
		s := newSem(t)
		ctx := context.Background()
		var won atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, ok, err := s.TryAcquire(ctx, "gen:learner", 3, time.Minute)
				assert.NoError(t, err)
				if ok {
					won.Add(1)
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int32(3), won.Load())
	})
	t.Run("release and expiry free places", func(t *testing.T) {
		t.Parallel()
		s := newSem(t)
		ctx := context.Background()
		a, ok, err := s.TryAcquire(ctx, "k", 2, time.Minute)
		require.NoError(t, err)
		require.True(t, ok)
		_, ok, err = s.TryAcquire(ctx, "k", 2, 100*time.Millisecond)
		require.NoError(t, err)
		require.True(t, ok)
		_, ok, _ = s.TryAcquire(ctx, "k", 2, time.Minute)
		assert.False(t, ok, "full")
		require.NoError(t, a.Release(ctx))
		_, ok, _ = s.TryAcquire(ctx, "k", 2, time.Minute)
		assert.True(t, ok, "a released place is free")
		require.Eventually(t, func() bool {
			_, ok, err := s.TryAcquire(ctx, "k", 2, time.Minute)
			return err == nil && ok
		}, 3*time.Second, 20*time.Millisecond, "an expired place is free")
		_, _, err = s.TryAcquire(ctx, "", 1, time.Minute)
		assert.Error(t, err)
	})
}
