package contract_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/memory"
	"github.com/codementor/codementor/adapters/redis"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/contract"
	"github.com/codementor/codementor/test/testenv"
)

func TestStreamLogMemory(t *testing.T) {
	t.Parallel()
	contract.StreamLog(t, func(*testing.T) ports.StreamLog { return memory.NewStreamLog() })
}

func TestStreamLogRedis(t *testing.T) {
	t.Parallel()
	contract.StreamLog(t, func(t *testing.T) ports.StreamLog { return redis.NewStreamLog(testenv.Redis(t)) })
}

// Two clients (two pools, as two server instances have) on one namespace.
func TestStreamLogRedisSharedByInstances(t *testing.T) {
	t.Parallel()
	contract.StreamLogShared(t, func(t *testing.T) (ports.StreamLog, ports.StreamLog) {
		a := testenv.Redis(t)
		b, cleanup, err := redis.NewClient(redis.Options{URL: testenv.RedisURL(t), KeyPrefix: a.Prefix()})
		require.NoError(t, err)
		t.Cleanup(cleanup)
		return redis.NewStreamLog(a), redis.NewStreamLog(b)
	})
}

// The memory twin's clock and cap, which the shared suite cannot set.
func TestStreamLogMemoryClockAndCap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	now := time.UnixMilli(1_700_000_000_000)
	l := memory.NewStreamLog()
	l.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	l.MaxLen = 3

	var ids []string
	for i := range 5 {
		id, err := l.Append(ctx, "s", "", "delta", []byte(strconv.Itoa(i)), time.Minute)
		require.NoError(t, err)
		ids = append(ids, id)
	}
	assert.Equal(t, []string{"1700000000000-0", "1700000000000-1", "1700000000000-2",
		"1700000000000-3", "1700000000000-4"}, ids, "one ms: the sequence counts")
	got, err := l.Read(ctx, "s", "", 0)
	require.NoError(t, err)
	require.Len(t, got, 3, "only the newest MaxLen are kept")
	assert.Equal(t, ids[2:], []string{got[0].ID, got[1].ID, got[2].ID})

	advance(time.Millisecond)
	id, err := l.Append(ctx, "s", "", "done", nil, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "1700000000001-0", id)

	require.NoError(t, l.Watch(ctx, "s", "c", 10*time.Second))
	require.NoError(t, l.SetActive(ctx, "conv", "s", 10*time.Second))
	advance(59 * time.Second)
	got, err = l.Read(ctx, "s", "", 0)
	require.NoError(t, err)
	assert.Len(t, got, 3, "alive until ttl after the last append")
	n, err := l.Watchers(ctx, "s")
	require.NoError(t, err)
	assert.Zero(t, n)
	active, err := l.Active(ctx, "conv")
	require.NoError(t, err)
	assert.Empty(t, active)

	advance(time.Second)
	got, err = l.Read(ctx, "s", "", 0)
	require.NoError(t, err)
	assert.Empty(t, got, "expired")

	id, err = l.Append(ctx, "s", "", "meta", nil, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, "1700000060001-0", id, "a new log starts from the clock")
}

func TestStreamLogGivenIDsMemory(t *testing.T) {
	contract.StreamLogGivenIDs(t, func(*testing.T) ports.StreamLog { return memory.NewStreamLog() })
}

func TestStreamLogGivenIDsRedis(t *testing.T) {
	contract.StreamLogGivenIDs(t, func(t *testing.T) ports.StreamLog { return redis.NewStreamLog(testenv.Redis(t)) })
}
