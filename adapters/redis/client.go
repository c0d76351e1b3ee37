// Package redis holds the Redis-backed adapters (rate limits, quotas, stream
// buffers...) and the shared client they use.
package redis

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/codementor/codementor/ports"
)

// Options configure the client; cmd maps them from config.
type Options struct {
	URL         string
	PoolSize    int
	DialTimeout time.Duration
	// KeyPrefix namespaces every key this service writes, so deployments
	// (and parallel tests) can share one Redis.
	KeyPrefix string
}

// Client is the go-redis client plus the key namespace.
type Client struct {
	goredis.UniversalClient
	prefix string
}

// Key returns the namespaced form of a key.
func (c *Client) Key(parts ...string) string {
	k := c.prefix
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}

// Prefix is the namespace every key starts with.
func (c *Client) Prefix() string { return c.prefix }

// NewClient parses the URL and builds a client. It does not fail when Redis
// is down at start: readiness reports it, and features that can degrade
// (rate limits fall back to per-instance ones) do.
func NewClient(o Options) (*Client, func(), error) {
	opt, err := goredis.ParseURL(o.URL)
	if err != nil {
		return nil, nil, fmt.Errorf("redis: REDIS_URL is not a valid redis URL")
	}
	if o.PoolSize > 0 {
		opt.PoolSize = o.PoolSize
	}
	if o.DialTimeout > 0 {
		opt.DialTimeout = o.DialTimeout
	}
	c := goredis.NewClient(opt)
	return &Client{UniversalClient: c, prefix: o.KeyPrefix}, func() { _ = c.Close() }, nil
}

// Pinger reports Redis's health for readiness.
type Pinger struct{ c *Client }

var _ ports.Pinger = (*Pinger)(nil)

// NewPinger wraps the client for readiness checks.
func NewPinger(c *Client) *Pinger { return &Pinger{c: c} }

// Name is "redis".
func (p *Pinger) Name() string { return "redis" }

// Ping sends PING.
func (p *Pinger) Ping(ctx context.Context) error { return p.c.UniversalClient.Ping(ctx).Err() }

// libraryLog routes go-redis's own messages ("failed to dial after 5
// attempts" on every call while Redis is down) to the structured log at
// debug level: readiness and the fallback limiter already report outages.
type libraryLog struct{ log *slog.Logger }

func (l libraryLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

// RouteLibraryLog sends go-redis's process-wide logger to log.
func RouteLibraryLog(log *slog.Logger) { goredis.SetLogger(libraryLog{log: log}) }
