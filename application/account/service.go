// Package account holds the identity use cases: registration, sign-in,
// sessions, email flows, provider sign-in, and the learner's own account,
// preferences and onboarding.
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/codementor/codementor/ports"
)

// Limit is a rate: N hits per Window.
type Limit struct {
	N      int
	Window time.Duration
}

// Limits throttle the auth endpoints per client IP and per account.
type Limits struct {
	LoginPerIP         Limit
	LoginPerAccount    Limit
	RegisterPerIP      Limit
	RegisterPerAccount Limit // per address being registered
	RefreshPerIP       Limit
	RefreshPerAccount  Limit // per account whose session is refreshed
	ResetPerIP         Limit
	ResetPerAccount    Limit
}

// Config are the use cases' settings.
type Config struct {
	RefreshTTL time.Duration
	// FrontendURL is where emailed links and OAuth sign-in land.
	FrontendURL   string
	OAuthStateTTL time.Duration
	Limits        Limits
}

// Deps are the ports the use cases need. Providers may be empty (no OAuth
// configured); everything else is required.
type Deps struct {
	Users      ports.UserRepository
	Sessions   ports.SessionRepository
	Tokens     ports.OneTimeTokenRepository
	Identities ports.LinkedIdentityRepository
	Profiles   ports.ProfileRepository
	Tx         ports.TxManager
	Hasher     ports.PasswordHasher
	Issuer     ports.TokenIssuer
	Mailer     ports.Mailer
	Limiter    ports.RateLimiter
	States     ports.OAuthStateStore
	Box        ports.SecretBox
	Providers  map[string]ports.OAuthProvider
	Security   ports.SecurityLog
	Background ports.Background
	Clock      ports.Clock
	IDs        ports.IDGenerator
}

// Service implements the account use cases, one file each.
type Service struct {
	Deps
	cfg Config
}

// NewService checks its dependencies and settings.
func NewService(d Deps, cfg Config) (*Service, error) {
	required := map[string]any{
		"Users": d.Users, "Sessions": d.Sessions, "Tokens": d.Tokens, "Identities": d.Identities,
		"Profiles": d.Profiles, "Tx": d.Tx, "Hasher": d.Hasher, "Issuer": d.Issuer, "Mailer": d.Mailer,
		"Limiter": d.Limiter, "States": d.States, "Box": d.Box, "Security": d.Security,
		"Background": d.Background, "Clock": d.Clock, "IDs": d.IDs,
	}
	for name, v := range required {
		if v == nil {
			return nil, fmt.Errorf("account: %s is required", name)
		}
	}
	if cfg.RefreshTTL <= 0 || cfg.OAuthStateTTL <= 0 || cfg.FrontendURL == "" {
		return nil, errors.New("account: RefreshTTL, OAuthStateTTL and FrontendURL are required")
	}
	if d.Providers == nil {
		d.Providers = map[string]ports.OAuthProvider{}
	}
	return &Service{Deps: d, cfg: cfg}, nil
}

// newSecret returns 256 random bits, base64url: refresh tokens, one-time
// tokens and OAuth states are all of this form.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// newVerifier is a PKCE code verifier: 48 random bytes, 64 base64url
// characters (RFC 7636 allows 43 to 128).
func newVerifier() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is how secrets are stored and looked up. The secrets are 256
// random bits, so a fast hash is enough: there is nothing to brute-force.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// throttle applies one limit to one key.
func (s *Service) throttle(ctx context.Context, l Limit, parts ...string) error {
	if l.N <= 0 {
		return nil
	}
	key := ""
	for i, p := range parts {
		if i > 0 {
			key += ":"
		}
		key += p
	}
	d, err := s.Limiter.Allow(ctx, key, l.N, l.Window)
	if err != nil {
		return fmt.Errorf("rate limit %s: %w", parts[0], err)
	}
	if !d.Allowed {
		return rateLimited(d.RetryAfter, parts[0])
	}
	return nil
}
