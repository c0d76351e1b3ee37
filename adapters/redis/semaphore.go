package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/codementor/codementor/ports"
)

// Semaphore keeps each key's holders in a sorted set scored by expiry:
// taking a place drops the expired holders and adds one when fewer than
// limit remain, atomically in one script.
type Semaphore struct{ c *Client }

var _ ports.Semaphore = (*Semaphore)(nil)

// NewSemaphore returns a Semaphore on the client.
func NewSemaphore(c *Client) *Semaphore { return &Semaphore{c: c} }

var acquireScript = goredis.NewScript(`
local now = tonumber(ARGV[1])
redis.call("ZREMRANGEBYSCORE", KEYS[1], "-inf", now)
if redis.call("ZCARD", KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call("ZADD", KEYS[1], now + tonumber(ARGV[3]), ARGV[4])
local ttl = redis.call("PTTL", KEYS[1])
if ttl < tonumber(ARGV[3]) then redis.call("PEXPIRE", KEYS[1], ARGV[3]) end
return 1`)

// TryAcquire takes a place of key.
func (s *Semaphore) TryAcquire(ctx context.Context, key string, limit int, ttl time.Duration) (ports.Lease, bool, error) {
	if key == "" || limit < 1 || ttl <= 0 {
		return nil, false, errors.New("semaphore: a key, a positive limit and a positive ttl are required")
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	k := s.c.Key("sem", key)
	ok, err := acquireScript.Run(ctx, s.c.UniversalClient, []string{k}, time.Now().UnixMilli(), limit, ttl.Milliseconds(), id).Int()
	if err != nil {
		return nil, false, fmt.Errorf("semaphore %s: %w", key, err)
	}
	if ok == 0 {
		return nil, false, nil
	}
	return &semLease{c: s.c, key: k, id: id}, true, nil
}

type semLease struct {
	c       *Client
	key, id string
}

func (l *semLease) Release(ctx context.Context) error {
	if err := l.c.ZRem(ctx, l.key, l.id).Err(); err != nil {
		return fmt.Errorf("release semaphore: %w", err)
	}
	return nil
}
