package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/learner"
	"github.com/codementor/codementor/ports"
)

// activeUser loads the caller. A deleted or disabled account is
// unauthorized: its access token may still be inside its 15 minutes.
func (s *Service) activeUser(ctx context.Context, userID string) (*identity.User, error) {
	u, err := s.Users.GetByID(ctx, userID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, fmt.Errorf("%w: the account no longer exists", domain.ErrUnauthorized)
	}
	if err != nil {
		return nil, fmt.Errorf("load account: %w", err)
	}
	if err := u.CanSignIn(); err != nil {
		return nil, err
	}
	return u, nil
}

// Me returns the caller's account.
func (s *Service) Me(ctx context.Context, userID string) (*identity.User, error) {
	return s.activeUser(ctx, userID)
}

// UpdateMe changes the caller's own account fields (a partial update).
func (s *Service) UpdateMe(ctx context.Context, userID string, p identity.AccountPatch) (*identity.User, error) {
	if _, err := s.activeUser(ctx, userID); err != nil {
		return nil, err
	}
	return s.Users.Update(ctx, userID, func(u *identity.User) error {
		return u.ApplyAccountPatch(p, s.Clock.Now())
	})
}

// ChangePasswordInput is a signed-in learner's password change.
type ChangePasswordInput struct {
	UserID          string
	CurrentPassword string
	NewPassword     string
	Client          Client
}

// ChangePassword checks the current password (an account made through a
// provider has none and sets its first one here without), sets the new
// one and ends every session: the learner signs in again.
func (s *Service) ChangePassword(ctx context.Context, in ChangePasswordInput) error {
	u, err := s.activeUser(ctx, in.UserID)
	if err != nil {
		return err
	}
	if u.HasPassword() {
		ok, err := s.Hasher.Verify(u.PasswordHash(), in.CurrentPassword)
		if err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		if !ok {
			return domain.NewValidationError("current_password", "is not your current password")
		}
	}
	if err := identity.CheckPassword(in.NewPassword, u.Email().String(), u.DisplayName()); err != nil {
		return err
	}
	hash, err := s.Hasher.Hash(in.NewPassword)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	err = s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		now := s.Clock.Now()
		if _, err := s.Users.Update(ctx, u.ID(), func(u *identity.User) error {
			u.SetPasswordHash(hash, now)
			return nil
		}); err != nil {
			return err
		}
		if err := s.Tokens.InvalidateAll(ctx, u.ID(), identity.PurposePasswordReset, now); err != nil {
			return err
		}
		_, err := s.Sessions.RevokeAllForUser(ctx, u.ID(), identity.RevokePasswordChange, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	s.Security.Record(ctx, ports.SecurityEvent{Kind: "password_changed", UserID: u.ID(), IP: in.Client.IP,
		Detail: "every session revoked"})
	return nil
}

// Profile is the account with its learner profile and linked providers.
type Profile struct {
	User       *identity.User
	Learner    *learner.Profile
	Identities []identity.LinkedIdentity
}

// profileOf loads (or, for accounts that predate profiles, starts) the
// learner profile.
func (s *Service) profileOf(ctx context.Context, userID string) (*learner.Profile, error) {
	p, err := s.Profiles.Get(ctx, userID)
	if errors.Is(err, domain.ErrNotFound) {
		p = learner.NewProfile(userID, s.Clock.Now())
		if err := s.Profiles.Create(ctx, p); err != nil && !errors.Is(err, domain.ErrConflict) {
			return nil, fmt.Errorf("start profile: %w", err)
		}
		return s.Profiles.Get(ctx, userID)
	}
	return p, err
}

// GetProfile returns the caller's account, profile and linked providers.
func (s *Service) GetProfile(ctx context.Context, userID string) (Profile, error) {
	u, err := s.activeUser(ctx, userID)
	if err != nil {
		return Profile{}, err
	}
	p, err := s.profileOf(ctx, userID)
	if err != nil {
		return Profile{}, err
	}
	ids, err := s.Identities.ListForUser(ctx, userID)
	if err != nil {
		return Profile{}, fmt.Errorf("list linked identities: %w", err)
	}
	return Profile{User: u, Learner: p, Identities: ids}, nil
}

// Preferences returns the caller's preferences.
func (s *Service) Preferences(ctx context.Context, userID string) (learner.Preferences, error) {
	if _, err := s.activeUser(ctx, userID); err != nil {
		return learner.Preferences{}, err
	}
	p, err := s.profileOf(ctx, userID)
	if err != nil {
		return learner.Preferences{}, err
	}
	return p.Preferences(), nil
}

// UpdatePreferences applies a partial update of the preferences.
func (s *Service) UpdatePreferences(ctx context.Context, userID string, patch learner.PreferencesPatch) (learner.Preferences, error) {
	if _, err := s.activeUser(ctx, userID); err != nil {
		return learner.Preferences{}, err
	}
	if _, err := s.profileOf(ctx, userID); err != nil {
		return learner.Preferences{}, err
	}
	p, err := s.Profiles.Update(ctx, userID, func(p *learner.Profile) error {
		return p.ApplyPreferences(patch, s.Clock.Now())
	})
	if err != nil {
		return learner.Preferences{}, err
	}
	return p.Preferences(), nil
}

// Onboard records the onboarding answers; a second call updates them.
func (s *Service) Onboard(ctx context.Context, userID string, in learner.Onboarding) (*learner.Profile, error) {
	if _, err := s.activeUser(ctx, userID); err != nil {
		return nil, err
	}
	if _, err := s.profileOf(ctx, userID); err != nil {
		return nil, err
	}
	return s.Profiles.Update(ctx, userID, func(p *learner.Profile) error {
		return p.Onboard(in, s.Clock.Now())
	})
}
