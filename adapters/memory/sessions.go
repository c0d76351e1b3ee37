package memory

import (
	"context"
	"fmt"
	"time"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// SessionRepository is the in-memory twin of postgres.SessionRepository.
type SessionRepository struct{ db *DB }

var _ ports.SessionRepository = (*SessionRepository)(nil)

// NewSessionRepository returns a repository over db.
func NewSessionRepository(db *DB) *SessionRepository { return &SessionRepository{db: db} }

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := utc(*t)
	return &v
}

func (r *SessionRepository) Create(ctx context.Context, s identity.Session, first identity.RefreshToken) error {
	defer r.db.lockWrite(ctx)()
	if _, ok := r.db.users[s.UserID]; !ok {
		return fmt.Errorf("create session: %w: sessions_user_id_fkey", domain.ErrNotFound)
	}
	if _, ok := r.db.sessions[s.ID]; ok {
		return fmt.Errorf("create session: %w: sessions_pkey", domain.ErrConflict)
	}
	if err := r.addTokenLocked(first); err != nil {
		return err
	}
	s.CreatedAt, s.RevokedAt = utc(s.CreatedAt), utcPtr(s.RevokedAt)
	r.db.sessions[s.ID] = s
	return nil
}

func (r *SessionRepository) FindToken(_ context.Context, hash string) (identity.RefreshToken, identity.Session, error) {
	r.db.mu.RLock()
	defer r.db.mu.RUnlock()
	for _, t := range r.db.refreshTokens {
		if t.Hash == hash {
			t.UsedAt = utcPtr(t.UsedAt)
			s := r.db.sessions[t.SessionID]
			s.RevokedAt = utcPtr(s.RevokedAt)
			return t, s, nil
		}
	}
	return identity.RefreshToken{}, identity.Session{}, domain.ErrNotFound
}

func (r *SessionRepository) ClaimToken(ctx context.Context, tokenID string, now time.Time) (bool, error) {
	defer r.db.lockWrite(ctx)()
	t, ok := r.db.refreshTokens[tokenID]
	if !ok || t.UsedAt != nil {
		return false, nil
	}
	t.UsedAt = utcPtr(&now)
	r.db.refreshTokens[tokenID] = t
	return true, nil
}

func (r *SessionRepository) AddToken(ctx context.Context, t identity.RefreshToken) error {
	defer r.db.lockWrite(ctx)()
	if _, ok := r.db.sessions[t.SessionID]; !ok {
		return fmt.Errorf("add refresh token: %w: refresh_tokens_session_id_fkey", domain.ErrNotFound)
	}
	return r.addTokenLocked(t)
}

// addTokenLocked enforces what the table's constraints do. The session of
// a first token is created by the caller right after.
func (r *SessionRepository) addTokenLocked(t identity.RefreshToken) error {
	for _, other := range r.db.refreshTokens {
		if other.Hash == t.Hash || other.ID == t.ID {
			return fmt.Errorf("add refresh token: %w: refresh_tokens_token_hash_key", domain.ErrConflict)
		}
	}
	t.IssuedAt, t.ExpiresAt, t.UsedAt = utc(t.IssuedAt), utc(t.ExpiresAt), utcPtr(t.UsedAt)
	r.db.refreshTokens[t.ID] = t
	return nil
}

func (r *SessionRepository) Revoke(ctx context.Context, sessionID, reason string, now time.Time) error {
	defer r.db.lockWrite(ctx)()
	s, ok := r.db.sessions[sessionID]
	if ok && s.RevokedAt == nil {
		s.RevokedAt, s.RevokeReason = utcPtr(&now), reason
		r.db.sessions[sessionID] = s
	}
	return nil
}

func (r *SessionRepository) RevokeAllForUser(ctx context.Context, userID, reason string, now time.Time) (int, error) {
	defer r.db.lockWrite(ctx)()
	n := 0
	for id, s := range r.db.sessions {
		if s.UserID == userID && s.RevokedAt == nil {
			s.RevokedAt, s.RevokeReason = utcPtr(&now), reason
			r.db.sessions[id] = s
			n++
		}
	}
	return n, nil
}
