package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/learner"
)

// RegisterInput is a new account's details.
type RegisterInput struct {
	Email       string
	Password    string
	DisplayName string
	Client      Client
}

// Register creates an account with a password and sends the address a
// verification link. The account may sign in before it is verified.
//
// A taken address answers domain.ErrConflict, as the API contract says;
// what keeps that from being an enumeration oracle is the per-IP limit,
// and the password is hashed before the lookup so timing says nothing more.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*identity.User, error) {
	if err := s.throttle(ctx, s.cfg.Limits.RegisterPerIP, "register", "ip", in.Client.IP); err != nil {
		return nil, err
	}
	verr := &domain.ValidationError{}
	email, err := identity.ParseEmail(in.Email)
	merge(verr, err)
	if err == nil {
		if err := s.throttle(ctx, s.cfg.Limits.RegisterPerAccount, "register", "account", email.Key()); err != nil {
			return nil, err
		}
	}
	merge(verr, identity.CheckPassword(in.Password, in.Email, in.DisplayName))
	now := s.Clock.Now()
	u, err := identity.NewUser(s.IDs.NewID(), email, in.DisplayName, now)
	merge(verr, err)
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	hash, err := s.Hasher.Hash(in.Password)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	u.SetPasswordHash(hash, now)

	raw := newSecret()
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := s.Users.Create(ctx, u); err != nil {
			return err
		}
		if err := s.Profiles.Create(ctx, learner.NewProfile(u.ID(), now)); err != nil {
			return err
		}
		return s.Tokens.Create(ctx, s.oneTimeToken(u, identity.PurposeVerifyEmail, raw))
	})
	if errors.Is(err, domain.ErrConflict) {
		return nil, fmt.Errorf("%w: an account with this email already exists", domain.ErrConflict)
	}
	if err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	s.sendVerification(u, raw)
	return u, nil
}

func (s *Service) oneTimeToken(u *identity.User, p identity.TokenPurpose, raw string) identity.OneTimeToken {
	now := s.Clock.Now()
	return identity.OneTimeToken{ID: s.IDs.NewID(), UserID: u.ID(), Purpose: p, Email: u.Email().String(),
		Hash: hashSecret(raw), CreatedAt: now, ExpiresAt: now.Add(p.TTL())}
}
