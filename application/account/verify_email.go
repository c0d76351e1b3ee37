package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
)

// VerifyEmail uses a verification token. It verifies only the address the
// token was sent to: after an email change, an old token verifies nothing.
// When the caller is signed in (callerID set) the token must be theirs.
// A failed check leaves the token unused (the transaction rolls back).
func (s *Service) VerifyEmail(ctx context.Context, token, callerID string) (*identity.User, error) {
	if token == "" || len(token) > 256 {
		return nil, identity.ErrInvalidToken
	}
	var out *identity.User
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		now := s.Clock.Now()
		t, err := s.Tokens.Consume(ctx, identity.PurposeVerifyEmail, hashSecret(token), now)
		if errors.Is(err, domain.ErrNotFound) {
			return identity.ErrInvalidToken
		}
		if err != nil {
			return err
		}
		if callerID != "" && callerID != t.UserID {
			return identity.ErrInvalidToken
		}
		out, err = s.Users.Update(ctx, t.UserID, func(u *identity.User) error {
			sent, err := identity.ParseEmail(t.Email)
			if err != nil || sent.Key() != u.Email().Key() {
				return identity.ErrInvalidToken
			}
			u.VerifyEmail(now)
			return nil
		})
		return err
	})
	if err != nil {
		if errors.Is(err, identity.ErrInvalidToken) {
			return nil, identity.ErrInvalidToken
		}
		return nil, fmt.Errorf("verify email: %w", err)
	}
	return out, nil
}

// ResendVerification sends a fresh verification link to the signed-in
// learner's address, unless it is verified already.
func (s *Service) ResendVerification(ctx context.Context, userID string) error {
	u, err := s.activeUser(ctx, userID)
	if err != nil {
		return err
	}
	if u.EmailVerified() {
		return nil
	}
	if err := s.throttle(ctx, s.cfg.Limits.ResetPerAccount, "verify", "account", u.ID()); err != nil {
		return err
	}
	raw := newSecret()
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.Tokens.InvalidateAll(ctx, u.ID(), identity.PurposeVerifyEmail, s.Clock.Now()); err != nil {
			return err
		}
		return s.Tokens.Create(ctx, s.oneTimeToken(u, identity.PurposeVerifyEmail, raw))
	})
	if err != nil {
		return fmt.Errorf("resend verification: %w", err)
	}
	s.sendVerification(u, raw)
	return nil
}
