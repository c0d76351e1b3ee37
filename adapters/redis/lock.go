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

// Locker takes leases with SET NX PX and releases them only while they are
// still the holder's (a token compared in a script), so a lease that
// expired and was taken by someone else is never released by mistake.
type Locker struct{ c *Client }

var _ ports.Locker = (*Locker)(nil)

// NewLocker returns a Locker on the client.
func NewLocker(c *Client) *Locker { return &Locker{c: c} }

var releaseScript = goredis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// TryLock takes key for ttl.
func (l *Locker) TryLock(ctx context.Context, key string, ttl time.Duration) (ports.Lease, bool, error) {
	if key == "" || ttl <= 0 {
		return nil, false, errors.New("lock: key and a positive ttl are required")
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	k := l.c.Key("lock", key)
	err := l.c.SetArgs(ctx, k, token, goredis.SetArgs{Mode: "NX", TTL: ttl}).Err()
	if errors.Is(err, goredis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("lock %s: %w", key, err)
	}
	return &lease{c: l.c, key: k, token: token}, true, nil
}

type lease struct {
	c     *Client
	key   string
	token string
}

func (ls *lease) Release(ctx context.Context) error {
	if err := releaseScript.Run(ctx, ls.c.UniversalClient, []string{ls.key}, ls.token).Err(); err != nil && !errors.Is(err, goredis.Nil) {
		return fmt.Errorf("release lock: %w", err)
	}
	return nil
}
