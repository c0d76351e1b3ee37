package account

import (
	"context"
	"fmt"
	"time"

	"github.com/codementor/codementor/domain/identity"
)

// Client is who is calling, for sessions, limits and security events.
type Client struct {
	IP        string
	UserAgent string
}

// AuthResult is a signed-in session: a short-lived access token and the
// refresh token that renews it.
type AuthResult struct {
	AccessToken      string
	AccessExpiresAt  time.Time
	RefreshToken     string
	RefreshExpiresAt time.Time
	User             *identity.User
}

const maxUserAgent = 512

// startSession creates a session with its first refresh token and signs an
// access token, for a user who has just proven who they are.
func (s *Service) startSession(ctx context.Context, u *identity.User, c Client) (AuthResult, error) {
	now := s.Clock.Now()
	ua := c.UserAgent
	if len(ua) > maxUserAgent {
		ua = ua[:maxUserAgent]
	}
	sess := identity.Session{ID: s.IDs.NewID(), UserID: u.ID(), CreatedAt: now, UserAgent: ua, IP: c.IP}
	raw := newSecret()
	tok := identity.RefreshToken{ID: s.IDs.NewID(), SessionID: sess.ID, Hash: hashSecret(raw),
		IssuedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTTL)}
	if err := s.Sessions.Create(ctx, sess, tok); err != nil {
		return AuthResult{}, fmt.Errorf("start session: %w", err)
	}
	return s.signed(u, raw, tok.ExpiresAt)
}

func (s *Service) signed(u *identity.User, refresh string, refreshExp time.Time) (AuthResult, error) {
	access, claims, err := s.Issuer.Issue(u.ID(), u.Role())
	if err != nil {
		return AuthResult{}, fmt.Errorf("sign access token: %w", err)
	}
	return AuthResult{AccessToken: access, AccessExpiresAt: claims.ExpiresAt, RefreshToken: refresh,
		RefreshExpiresAt: refreshExp, User: u}, nil
}
