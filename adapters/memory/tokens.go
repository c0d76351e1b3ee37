package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// OneTimeTokenRepository is the in-memory twin of the Postgres one.
type OneTimeTokenRepository struct{ db *DB }

var _ ports.OneTimeTokenRepository = (*OneTimeTokenRepository)(nil)

// NewOneTimeTokenRepository returns a repository over db.
func NewOneTimeTokenRepository(db *DB) *OneTimeTokenRepository {
	return &OneTimeTokenRepository{db: db}
}

func (r *OneTimeTokenRepository) Create(ctx context.Context, t identity.OneTimeToken) error {
	defer r.db.lockWrite(ctx)()
	if _, ok := r.db.users[t.UserID]; !ok {
		return fmt.Errorf("create one-time token: %w: one_time_tokens_user_id_fkey", domain.ErrNotFound)
	}
	for _, o := range r.db.oneTimeTokens {
		if o.Hash == t.Hash || o.ID == t.ID {
			return fmt.Errorf("create one-time token: %w: one_time_tokens_token_hash_key", domain.ErrConflict)
		}
	}
	t.CreatedAt, t.ExpiresAt, t.UsedAt = utc(t.CreatedAt), utc(t.ExpiresAt), utcPtr(t.UsedAt)
	r.db.oneTimeTokens[t.ID] = t
	return nil
}

func (r *OneTimeTokenRepository) Consume(ctx context.Context, purpose identity.TokenPurpose, hash string, now time.Time) (identity.OneTimeToken, error) {
	defer r.db.lockWrite(ctx)()
	for id, t := range r.db.oneTimeTokens {
		if t.Hash == hash && t.Purpose == purpose && t.UsedAt == nil && now.Before(t.ExpiresAt) {
			t.UsedAt = utcPtr(&now)
			r.db.oneTimeTokens[id] = t
			return t, nil
		}
	}
	return identity.OneTimeToken{}, domain.ErrNotFound
}

func (r *OneTimeTokenRepository) InvalidateAll(ctx context.Context, userID string, purpose identity.TokenPurpose, now time.Time) error {
	defer r.db.lockWrite(ctx)()
	for id, t := range r.db.oneTimeTokens {
		if t.UserID == userID && t.Purpose == purpose && t.UsedAt == nil {
			t.UsedAt = utcPtr(&now)
			r.db.oneTimeTokens[id] = t
		}
	}
	return nil
}
