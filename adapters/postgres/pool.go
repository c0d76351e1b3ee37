// Package postgres implements the storage ports on PostgreSQL with a pgx v5
// pool and squirrel for dynamic queries.
package postgres

import (
	"context"
	"fmt"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/codementor/codementor/ports"
)

// Options size and bound the pool; cmd maps them from config.
type Options struct {
	URL             string
	MaxConns        int32
	MinConns        int32
	ConnectTimeout  time.Duration
	MaxConnLifetime time.Duration
	MaxConnIdleTime time.Duration
}

// psql is the one statement builder: PostgreSQL's $n placeholders.
var psql = sq.StatementBuilder.PlaceholderFormat(sq.Dollar)

// NewPool opens and checks a pool. The cleanup closes it.
func NewPool(ctx context.Context, o Options) (*pgxpool.Pool, func(), error) {
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		// pgx's message can echo the URL, password included: keep it out.
		return nil, nil, fmt.Errorf("postgres: DATABASE_URL is not a valid connection string")
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	cfg.MinConns = o.MinConns
	if o.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = o.ConnectTimeout
	}
	if o.MaxConnLifetime > 0 {
		cfg.MaxConnLifetime = o.MaxConnLifetime
	}
	if o.MaxConnIdleTime > 0 {
		cfg.MaxConnIdleTime = o.MaxConnIdleTime
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: open pool: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnConfig.ConnectTimeout+time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("postgres: cannot reach %s:%d: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, err)
	}
	return pool, pool.Close, nil
}

// Pinger reports the pool's health for readiness.
type Pinger struct{ pool *pgxpool.Pool }

var _ ports.Pinger = (*Pinger)(nil)

// NewPinger wraps a pool for readiness checks.
func NewPinger(pool *pgxpool.Pool) *Pinger { return &Pinger{pool: pool} }

// Name is "postgres".
func (p *Pinger) Name() string { return "postgres" }

// Ping runs a round trip on a pooled connection.
func (p *Pinger) Ping(ctx context.Context) error {
	_, err := p.pool.Exec(ctx, "SELECT 1")
	return err
}
