package redis_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/redis"
	"github.com/codementor/codementor/test/testenv"
)

func TestPingerOnRealRedis(t *testing.T) {
	t.Parallel()
	c := testenv.Redis(t)
	p := redis.NewPinger(c)
	assert.Equal(t, "redis", p.Name())
	assert.NoError(t, p.Ping(context.Background()))
}

func TestKeysLiveUnderThePrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := testenv.Redis(t), testenv.Redis(t)
	require.NotEqual(t, a.Prefix(), b.Prefix(), "each test has its own namespace")
	require.NoError(t, a.Set(ctx, a.Key("ratelimit", "login", "1.2.3.4"), "1", time.Minute).Err())
	assert.Equal(t, a.Prefix()+"ratelimit:login:1.2.3.4", a.Key("ratelimit", "login", "1.2.3.4"))
	n, err := b.Exists(ctx, b.Key("ratelimit", "login", "1.2.3.4")).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "another prefix does not see the key")
}

func TestDownRedisFailsPingQuicklyButNotConstruction(t *testing.T) {
	t.Parallel()
	c, cleanup, err := redis.NewClient(redis.Options{URL: "redis://:hunter2@127.0.0.1:1/0", DialTimeout: 200 * time.Millisecond})
	require.NoError(t, err, "the server starts even when Redis is down")
	defer cleanup()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	assert.Error(t, redis.NewPinger(c).Ping(ctx))
	assert.Less(t, time.Since(start), 2*time.Second)

	_, _, err = redis.NewClient(redis.Options{URL: "http://:hunter2@x"})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
}
