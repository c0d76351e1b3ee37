package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// OneTimeTokenRepository stores email verification and reset tokens.
type OneTimeTokenRepository struct{ pool *pgxpool.Pool }

var _ ports.OneTimeTokenRepository = (*OneTimeTokenRepository)(nil)

// NewOneTimeTokenRepository returns a repository over the pool.
func NewOneTimeTokenRepository(pool *pgxpool.Pool) *OneTimeTokenRepository {
	return &OneTimeTokenRepository{pool: pool}
}

// Create stores a new token.
func (r *OneTimeTokenRepository) Create(ctx context.Context, t identity.OneTimeToken) error {
	sql, args, err := psql.Insert("one_time_tokens").
		Columns("id", "user_id", "purpose", "email", "token_hash", "created_at", "expires_at").
		Values(t.ID, t.UserID, t.Purpose.String(), t.Email, t.Hash, t.CreatedAt, t.ExpiresAt).ToSql()
	if err != nil {
		return err
	}
	if _, err := conn(ctx, r.pool).Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("create one-time token: %w", translate(err))
	}
	return nil
}

// Consume uses a live token in one statement, so a token can never be
// used twice, even by two requests at the same instant.
func (r *OneTimeTokenRepository) Consume(ctx context.Context, purpose identity.TokenPurpose, hash string, now time.Time) (identity.OneTimeToken, error) {
	var t identity.OneTimeToken
	var p string
	err := conn(ctx, r.pool).QueryRow(ctx, `
		UPDATE one_time_tokens SET used_at = $3
		 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3
		RETURNING id, user_id, purpose, email, token_hash, created_at, expires_at, used_at`,
		hash, purpose.String(), now).Scan(&t.ID, &t.UserID, &p, &t.Email, &t.Hash, &t.CreatedAt, &t.ExpiresAt, &t.UsedAt)
	if err != nil {
		return identity.OneTimeToken{}, translate(err)
	}
	t.Purpose, err = identity.ParseTokenPurpose(p)
	return t, err
}

// InvalidateAll uses up the user's live tokens of that purpose.
func (r *OneTimeTokenRepository) InvalidateAll(ctx context.Context, userID string, purpose identity.TokenPurpose, now time.Time) error {
	_, err := conn(ctx, r.pool).Exec(ctx,
		"UPDATE one_time_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
		userID, purpose.String(), now)
	if err != nil {
		return fmt.Errorf("invalidate tokens: %w", translate(err))
	}
	return nil
}
