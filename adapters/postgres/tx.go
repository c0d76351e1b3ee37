package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/codementor/codementor/ports"
)

// querier is what both a pool and a transaction offer; repositories run
// their statements on whichever the context carries.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

type txKey struct{}

// TxManager runs use-case functions in one transaction that travels in the
// context, so every repository called with that context joins it.
type TxManager struct{ pool *pgxpool.Pool }

var _ ports.TxManager = (*TxManager)(nil)

// NewTxManager returns a TxManager over the pool.
func NewTxManager(pool *pgxpool.Pool) *TxManager { return &TxManager{pool: pool} }

// WithinTx runs fn in a transaction. Nested calls join the outer one. The
// commit's own error is returned: a commit can fail (serialization, a
// deferred constraint) after fn succeeded.
func (m *TxManager) WithinTx(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	if _, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		return fn(ctx)
	}
	tx, err := m.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	committed := false
	// Roll back on every way out that is not a commit: an error, a panic,
	// and runtime.Goexit (t.FailNow in a test), which recover cannot see.
	defer func() {
		if !committed {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		return err
	}
	committed = true
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", translate(err))
	}
	return nil
}

// InTx reports whether ctx carries a transaction.
func InTx(ctx context.Context) bool { _, ok := ctx.Value(txKey{}).(pgx.Tx); return ok }

// conn returns the context's transaction, or the pool outside one.
func conn(ctx context.Context, pool *pgxpool.Pool) querier {
	if tx, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		return tx
	}
	return pool
}

// TxFrom answers the transaction ctx carries, for adapters that write in
// the same transaction through another library (River's job inserts).
func TxFrom(ctx context.Context) (pgx.Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(pgx.Tx)
	return tx, ok
}

// insertRow inserts one row (values in columns' order) into table, in the
// context's transaction if any; what names the operation in errors, which
// are translated (a taken key is domain.ErrConflict, a missing reference
// domain.ErrNotFound).
func insertRow(ctx context.Context, pool *pgxpool.Pool, what, table string, columns []string, values []any) error {
	sql, args, err := psql.Insert(table).Columns(columns...).Values(values...).ToSql()
	if err != nil {
		return err
	}
	if _, err := conn(ctx, pool).Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("%s: %w", what, translate(err))
	}
	return nil
}
