package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// ExecInTx runs a statement on the context's transaction (or the pool), as
// repositories do.
func ExecInTx(ctx context.Context, pool *pgxpool.Pool, sql string) error {
	_, err := conn(ctx, pool).Exec(ctx, sql)
	return err
}
