package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// RequestPasswordReset answers the same (nil, so 202) whether or not the
// address has an account. The lookup, the token and the mail all happen in
// the background, so the answer's timing does not depend on the account
// existing either. Limits still apply per IP and per address.
func (s *Service) RequestPasswordReset(ctx context.Context, rawEmail string, c Client) error {
	if err := s.throttle(ctx, s.cfg.Limits.ResetPerIP, "reset", "ip", c.IP); err != nil {
		return err
	}
	email, err := identity.ParseEmail(rawEmail)
	if err != nil {
		return err
	}
	if err := s.throttle(ctx, s.cfg.Limits.ResetPerAccount, "reset", "account", email.Key()); err != nil {
		return err
	}
	s.Background.Go("password reset", func(ctx context.Context) {
		if err := s.issueReset(ctx, email, c); err != nil {
			s.Security.Record(ctx, ports.SecurityEvent{Kind: "password_reset_failed", IP: c.IP, Detail: err.Error()})
		}
	})
	return nil
}

func (s *Service) issueReset(ctx context.Context, email identity.Email, c Client) error {
	u, err := s.Users.GetByEmail(ctx, email)
	if errors.Is(err, domain.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if u.Disabled() {
		s.Security.Record(ctx, ports.SecurityEvent{Kind: "password_reset_disabled_account", UserID: u.ID(), IP: c.IP})
		return nil
	}
	raw := newSecret()
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		// A new link supersedes any earlier one.
		if err := s.Tokens.InvalidateAll(ctx, u.ID(), identity.PurposePasswordReset, s.Clock.Now()); err != nil {
			return err
		}
		return s.Tokens.Create(ctx, s.oneTimeToken(u, identity.PurposePasswordReset, raw))
	})
	if err != nil {
		return fmt.Errorf("issue reset token: %w", err)
	}
	s.Security.Record(ctx, ports.SecurityEvent{Kind: "password_reset_requested", UserID: u.ID(), IP: c.IP})
	s.sendPasswordReset(u, raw)
	return nil
}

// ConfirmPasswordReset sets a new password with a reset token. It proves
// the learner reads the address, so it also verifies it; and it ends every
// session, since whoever knew the old password may hold one.
func (s *Service) ConfirmPasswordReset(ctx context.Context, token, password string, c Client) error {
	if token == "" || len(token) > 256 {
		return identity.ErrInvalidToken
	}
	// The policy is checked (and the slow hash made) before the
	// transaction; the checks that need the account follow inside it.
	if err := identity.CheckPassword(password); err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	var userID string
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		now := s.Clock.Now()
		t, err := s.Tokens.Consume(ctx, identity.PurposePasswordReset, hashSecret(token), now)
		if errors.Is(err, domain.ErrNotFound) {
			return identity.ErrInvalidToken
		}
		if err != nil {
			return err
		}
		userID = t.UserID
		_, err = s.Users.Update(ctx, t.UserID, func(u *identity.User) error {
			sent, err := identity.ParseEmail(t.Email)
			if err != nil || sent.Key() != u.Email().Key() || u.Disabled() {
				return identity.ErrInvalidToken
			}
			if err := identity.CheckPassword(password, u.Email().String(), u.DisplayName()); err != nil {
				return err
			}
			u.SetPasswordHash(hash, now)
			u.VerifyEmail(now)
			return nil
		})
		if err != nil {
			return err
		}
		if err := s.Tokens.InvalidateAll(ctx, t.UserID, identity.PurposePasswordReset, now); err != nil {
			return err
		}
		_, err = s.Sessions.RevokeAllForUser(ctx, t.UserID, identity.RevokePasswordChange, now)
		return err
	})
	var verr *domain.ValidationError
	switch {
	case errors.Is(err, identity.ErrInvalidToken):
		return identity.ErrInvalidToken
	case errors.As(err, &verr):
		return verr
	case err != nil:
		return fmt.Errorf("reset password: %w", err)
	}
	s.Security.Record(ctx, ports.SecurityEvent{Kind: "password_reset", UserID: userID, IP: c.IP,
		Detail: "password changed with a reset link; every session revoked"})
	return nil
}
