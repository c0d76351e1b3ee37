package testenv

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	tcredis "github.com/testcontainers/testcontainers-go/modules/redis"

	"github.com/codementor/codementor/adapters/redis"
)

var (
	redisOnce sync.Once
	redisURL  string
	redisErr  error
)

// RedisURL is TEST_REDIS_URL, or the URL of a container started once per
// test binary. Tests share the server: isolate with Redis(t)'s key prefix.
func RedisURL(t testing.TB) string {
	t.Helper()
	redisOnce.Do(func() {
		if u := os.Getenv("TEST_REDIS_URL"); u != "" {
			redisURL = u
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		c, err := tcredis.Run(ctx, "redis:7-alpine")
		if err != nil {
			redisErr = fmt.Errorf("TEST_REDIS_URL is not set and no Redis container could start (is Docker running?): %w", err)
			return
		}
		redisURL, redisErr = c.ConnectionString(ctx)
	})
	if redisErr != nil {
		t.Fatalf("testenv: %v", redisErr)
	}
	return redisURL
}

// RedisPrefix is a key prefix unique to this test.
func RedisPrefix(t testing.TB) string {
	return "cmtest:" + randomSuffix() + ":"
}

// Redis returns a client whose keys live under a prefix unique to this
// test; they are deleted when the test ends.
func Redis(t testing.TB) *redis.Client {
	t.Helper()
	prefix := RedisPrefix(t)
	c, cleanup, err := redis.NewClient(redis.Options{URL: RedisURL(t), KeyPrefix: prefix})
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		cleanup()
	})
	return c
}
