package postgres

import (
	"context"
	"fmt"
	"time"

	sq "github.com/Masterminds/squirrel"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// SessionRepository stores sessions and their rotating refresh tokens.
type SessionRepository struct{ pool *pgxpool.Pool }

var _ ports.SessionRepository = (*SessionRepository)(nil)

// NewSessionRepository returns a repository over the pool.
func NewSessionRepository(pool *pgxpool.Pool) *SessionRepository {
	return &SessionRepository{pool: pool}
}

// Create stores the session and its first token in one statement (a
// data-modifying CTE is atomic on its own), so a sign-in costs one round
// trip here instead of four for BEGIN, two INSERTs and COMMIT.
func (r *SessionRepository) Create(ctx context.Context, s identity.Session, first identity.RefreshToken) error {
	_, err := conn(ctx, r.pool).Exec(ctx, `
		WITH s AS (
			INSERT INTO sessions (id, user_id, created_at, user_agent, ip) VALUES ($1, $2, $3, $4, $5)
			RETURNING id)
		INSERT INTO refresh_tokens (id, session_id, token_hash, issued_at, expires_at)
		SELECT $6, s.id, $7, $8, $9 FROM s`,
		s.ID, s.UserID, s.CreatedAt, s.UserAgent, s.IP, first.ID, first.Hash, first.IssuedAt, first.ExpiresAt)
	if err != nil {
		return fmt.Errorf("create session: %w", translate(err))
	}
	return nil
}

// FindToken looks a refresh token up by hash, joined with its session.
func (r *SessionRepository) FindToken(ctx context.Context, hash string) (identity.RefreshToken, identity.Session, error) {
	sql, args, err := psql.Select(
		"t.id", "t.session_id", "t.token_hash", "t.issued_at", "t.expires_at", "t.used_at",
		"s.id", "s.user_id", "s.created_at", "s.revoked_at", "s.revoke_reason", "s.user_agent", "s.ip").
		From("refresh_tokens t").Join("sessions s ON s.id = t.session_id").
		Where(sq.Eq{"t.token_hash": hash}).ToSql()
	if err != nil {
		return identity.RefreshToken{}, identity.Session{}, err
	}
	var t identity.RefreshToken
	var s identity.Session
	err = conn(ctx, r.pool).QueryRow(ctx, sql, args...).Scan(
		&t.ID, &t.SessionID, &t.Hash, &t.IssuedAt, &t.ExpiresAt, &t.UsedAt,
		&s.ID, &s.UserID, &s.CreatedAt, &s.RevokedAt, &s.RevokeReason, &s.UserAgent, &s.IP)
	if err != nil {
		return identity.RefreshToken{}, identity.Session{}, translate(err)
	}
	return t, s, nil
}

// ClaimToken uses the token up unless it was used already: the row lock
// of the UPDATE lets exactly one of two concurrent refreshes win.
func (r *SessionRepository) ClaimToken(ctx context.Context, tokenID string, now time.Time) (bool, error) {
	tag, err := conn(ctx, r.pool).Exec(ctx,
		"UPDATE refresh_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL", tokenID, now)
	if err != nil {
		return false, fmt.Errorf("claim refresh token: %w", translate(err))
	}
	return tag.RowsAffected() == 1, nil
}

// AddToken stores a token of an existing session.
func (r *SessionRepository) AddToken(ctx context.Context, t identity.RefreshToken) error {
	sql, args, err := psql.Insert("refresh_tokens").
		Columns("id", "session_id", "token_hash", "issued_at", "expires_at").
		Values(t.ID, t.SessionID, t.Hash, t.IssuedAt, t.ExpiresAt).ToSql()
	if err != nil {
		return err
	}
	if _, err := conn(ctx, r.pool).Exec(ctx, sql, args...); err != nil {
		return fmt.Errorf("add refresh token: %w", translate(err))
	}
	return nil
}

// Revoke ends a session; the first reason sticks.
func (r *SessionRepository) Revoke(ctx context.Context, sessionID, reason string, now time.Time) error {
	if !isUUID(sessionID) {
		return nil
	}
	_, err := conn(ctx, r.pool).Exec(ctx,
		"UPDATE sessions SET revoked_at = $2, revoke_reason = $3 WHERE id = $1 AND revoked_at IS NULL",
		sessionID, now, reason)
	if err != nil {
		return fmt.Errorf("revoke session: %w", translate(err))
	}
	return nil
}

// RevokeAllForUser ends every live session of the user.
func (r *SessionRepository) RevokeAllForUser(ctx context.Context, userID, reason string, now time.Time) (int, error) {
	if !isUUID(userID) {
		return 0, nil
	}
	tag, err := conn(ctx, r.pool).Exec(ctx,
		"UPDATE sessions SET revoked_at = $2, revoke_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL",
		userID, now, reason)
	if err != nil {
		return 0, fmt.Errorf("revoke sessions: %w", translate(err))
	}
	return int(tag.RowsAffected()), nil
}
