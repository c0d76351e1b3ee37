package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/ports"
)

// connectTicketPrefix keeps connect tickets apart from OAuth states in the
// same store.
const connectTicketPrefix = "connect."

// GitHubScopes are the scopes the GitHub integration asks for: public
// repositories need no scope beyond reading the profile; private ones
// need "repo", asked for only when the learner wants them.
func GitHubScopes(private bool) []string {
	if private {
		return []string{"read:user", "user:email", "repo"}
	}
	return []string{"read:user", "user:email"}
}

// ErrGitHubLinkedElsewhere: the GitHub account is already linked to
// another CodeMentor account.
var ErrGitHubLinkedElsewhere = domain.NewPublicError(domain.ErrConflict, "github_linked_elsewhere",
	"this GitHub account is already connected to another CodeMentor account")

// StartConnect issues a single-use ticket (kept as long as an OAuth state)
// with which the signed-in learner's browser starts the provider's flow
// to connect that provider to their account. The browser navigates to the
// start URL without the learner's bearer token, so the ticket carries who
// is connecting.
func (s *Service) StartConnect(ctx context.Context, providerName, userID string, scopes []string) (string, error) {
	if _, err := s.provider(providerName); err != nil {
		return "", err
	}
	ticket := newSecret()
	err := s.States.Put(ctx, connectTicketPrefix+ticket, ports.OAuthState{Provider: providerName, LinkUserID: userID,
		Scopes: scopes, CreatedAt: s.Clock.Now()}, s.cfg.OAuthStateTTL)
	if err != nil {
		return "", fmt.Errorf("connect: keep ticket: %w", err)
	}
	return ticket, nil
}

// StartOAuthConnect begins the provider's flow for a connect ticket: the
// state remembers the learner, and the callback links the provider
// account to them instead of signing someone in.
func (s *Service) StartOAuthConnect(ctx context.Context, providerName, ticket string) (OAuthStart, error) {
	p, err := s.provider(providerName)
	if err != nil {
		return OAuthStart{}, err
	}
	if ticket == "" || len(ticket) > 128 {
		return OAuthStart{}, ErrOAuthState
	}
	t, err := s.States.Take(ctx, connectTicketPrefix+ticket)
	if errors.Is(err, domain.ErrNotFound) || (err == nil && t.Provider != providerName) {
		return OAuthStart{}, ErrOAuthState
	}
	if err != nil {
		return OAuthStart{}, fmt.Errorf("connect: take ticket: %w", err)
	}
	state, verifier, nonce := newSecret(), newVerifier(), newSecret()
	err = s.States.Put(ctx, state, ports.OAuthState{Provider: providerName, Verifier: verifier,
		BrowserBinding: bindingOf(nonce), LinkUserID: t.LinkUserID, Scopes: t.Scopes, CreatedAt: s.Clock.Now()},
		s.cfg.OAuthStateTTL)
	if err != nil {
		return OAuthStart{}, fmt.Errorf("connect: keep state: %w", err)
	}
	return OAuthStart{RedirectURL: p.AuthCodeURL(state, verifier, t.Scopes), BrowserNonce: nonce}, nil
}

// linkTo stores the provider account's link (with its sealed token) on
// the signed-in learner who asked to connect it.
func (s *Service) linkTo(ctx context.Context, userID string, who ports.OAuthIdentity) (*identity.User, error) {
	sealed := ""
	if who.AccessToken != "" {
		var err error
		if sealed, err = s.Box.Seal([]byte(who.AccessToken)); err != nil {
			return nil, fmt.Errorf("seal provider token: %w", err)
		}
	}
	now := s.Clock.Now()
	var out *identity.User
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		u, err := s.Users.GetByID(ctx, userID)
		if err != nil {
			return err
		}
		existing, err := s.Identities.Find(ctx, who.Provider, who.Subject)
		switch {
		case err == nil && existing.UserID != userID:
			return ErrGitHubLinkedElsewhere
		case err != nil && !errors.Is(err, domain.ErrNotFound):
			return err
		}
		created := now
		if err == nil {
			created = existing.CreatedAt
		}
		out = u
		return s.Identities.Upsert(ctx, identity.LinkedIdentity{UserID: userID, Provider: who.Provider,
			Subject: who.Subject, Email: who.Email, Login: who.Login, AccessTokenSealed: sealed, Scopes: who.Scopes,
			CreatedAt: created, UpdatedAt: now})
	})
	if err != nil {
		if errors.Is(err, ErrGitHubLinkedElsewhere) {
			return nil, err
		}
		return nil, fmt.Errorf("connect %s: %w", who.Provider, err)
	}
	return out, nil
}
