package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// Refresh rotates a refresh token: the presented one is used up and a new
// one (with a new access token) is issued in the same session. A token
// presented a second time revokes its whole session and is logged as a
// security event: either it was stolen, or the client is broken.
func (s *Service) Refresh(ctx context.Context, token string, c Client) (AuthResult, error) {
	if err := s.throttle(ctx, s.cfg.Limits.RefreshPerIP, "refresh", "ip", c.IP); err != nil {
		return AuthResult{}, err
	}
	if token == "" || len(token) > 256 {
		return AuthResult{}, identity.ErrSessionRevoked
	}
	tok, sess, err := s.Sessions.FindToken(ctx, hashSecret(token))
	if errors.Is(err, domain.ErrNotFound) {
		return AuthResult{}, identity.ErrSessionRevoked
	}
	if err != nil {
		return AuthResult{}, fmt.Errorf("refresh: %w", err)
	}
	if err := s.throttle(ctx, s.cfg.Limits.RefreshPerAccount, "refresh", "account", sess.UserID); err != nil {
		return AuthResult{}, err
	}
	now := s.Clock.Now()
	switch identity.DecideRefresh(tok, sess, now) {
	case identity.RefreshRevoked, identity.RefreshExpired:
		return AuthResult{}, identity.ErrSessionRevoked
	case identity.RefreshReuse:
		return AuthResult{}, s.revokeForReuse(ctx, sess, c)
	}

	u, err := s.Users.GetByID(ctx, sess.UserID)
	if err != nil {
		return AuthResult{}, fmt.Errorf("refresh: load user: %w", err)
	}
	if err := u.CanSignIn(); err != nil {
		_ = s.Sessions.Revoke(ctx, sess.ID, identity.RevokeDisabled, now)
		return AuthResult{}, err
	}

	raw := newSecret()
	next := identity.RefreshToken{ID: s.IDs.NewID(), SessionID: sess.ID, Hash: hashSecret(raw),
		IssuedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTTL)}
	reused := false
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		claimed, err := s.Sessions.ClaimToken(ctx, tok.ID, now)
		if err != nil {
			return err
		}
		if !claimed {
			// Another request used this token between our read and now.
			reused = true
			return nil
		}
		return s.Sessions.AddToken(ctx, next)
	})
	if err != nil {
		return AuthResult{}, fmt.Errorf("refresh: rotate: %w", err)
	}
	if reused {
		return AuthResult{}, s.revokeForReuse(ctx, sess, c)
	}
	return s.signed(u, raw, next.ExpiresAt)
}

func (s *Service) revokeForReuse(ctx context.Context, sess identity.Session, c Client) error {
	if err := s.Sessions.Revoke(ctx, sess.ID, identity.RevokeReuse, s.Clock.Now()); err != nil {
		return fmt.Errorf("refresh: revoke reused session: %w", err)
	}
	s.Security.Record(ctx, ports.SecurityEvent{Kind: "refresh_token_reuse", UserID: sess.UserID, IP: c.IP,
		Detail: "a used refresh token was presented again; session " + sess.ID + " revoked"})
	return identity.ErrSessionRevoked
}

// LogoutInput ends the session of RefreshToken, or every session of the
// caller when All is set.
type LogoutInput struct {
	UserID       string
	RefreshToken string
	All          bool
}

// Logout revokes sessions. It is idempotent, and a refresh token of
// another user is ignored rather than revoked.
func (s *Service) Logout(ctx context.Context, in LogoutInput) error {
	now := s.Clock.Now()
	if in.All {
		if _, err := s.Sessions.RevokeAllForUser(ctx, in.UserID, identity.RevokeLogoutAll, now); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
		return nil
	}
	if in.RefreshToken == "" || len(in.RefreshToken) > 256 {
		return nil
	}
	_, sess, err := s.Sessions.FindToken(ctx, hashSecret(in.RefreshToken))
	if errors.Is(err, domain.ErrNotFound) || (err == nil && sess.UserID != in.UserID) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return s.Sessions.Revoke(ctx, sess.ID, identity.RevokeLogout, now)
}
