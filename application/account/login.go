package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// LoginInput is a password sign-in.
type LoginInput struct {
	Email    string
	Password string
	Client   Client
}

// Login checks the password and starts a session. An unknown email and a
// wrong password get the same error after the same work (a dummy hash
// check), so neither the answer nor its timing says which it was.
func (s *Service) Login(ctx context.Context, in LoginInput) (AuthResult, error) {
	if err := s.throttle(ctx, s.cfg.Limits.LoginPerIP, "login", "ip", in.Client.IP); err != nil {
		return AuthResult{}, err
	}
	email, err := identity.ParseEmail(in.Email)
	if err != nil {
		return AuthResult{}, err
	}
	if in.Password == "" || len(in.Password) > 1024 {
		// Not a policy check (old passwords may predate the policy), just a
		// bound on the work an attacker can ask the hasher for.
		return AuthResult{}, domain.NewValidationError("password", "is required and at most 1024 bytes")
	}
	if err := s.throttle(ctx, s.cfg.Limits.LoginPerAccount, "login", "account", email.Key()); err != nil {
		return AuthResult{}, err
	}

	u, err := s.Users.GetByEmail(ctx, email)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && !u.HasPassword()) {
		s.Hasher.DummyVerify(in.Password)
		return AuthResult{}, identity.ErrInvalidCredentials
	}
	if err != nil {
		return AuthResult{}, fmt.Errorf("login: %w", err)
	}
	ok, err := s.Hasher.Verify(u.PasswordHash(), in.Password)
	if err != nil {
		return AuthResult{}, fmt.Errorf("login: verify password: %w", err)
	}
	if !ok {
		return AuthResult{}, identity.ErrInvalidCredentials
	}
	if err := u.CanSignIn(); err != nil {
		s.Security.Record(ctx, ports.SecurityEvent{Kind: "disabled_account_sign_in", UserID: u.ID(), IP: in.Client.IP})
		return AuthResult{}, err
	}
	if s.Hasher.NeedsRehash(u.PasswordHash()) {
		s.upgradeHash(ctx, u, in.Password)
	}
	return s.startSession(ctx, u, in.Client)
}

// upgradeHash re-hashes with the current parameters after a successful
// login; failing to do so only postpones it to the next login.
func (s *Service) upgradeHash(ctx context.Context, u *identity.User, password string) {
	hash, err := s.Hasher.Hash(password)
	if err != nil {
		return
	}
	_, _ = s.Users.Update(ctx, u.ID(), func(u *identity.User) error {
		u.SetPasswordHash(hash, s.Clock.Now())
		return nil
	})
}
