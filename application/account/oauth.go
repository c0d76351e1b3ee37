package account

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/learner"
	"github.com/codementor/codementor/ports"
)

// OAuthStart is where to send the browser, and the nonce the browser must
// keep (as a cookie) to finish the flow.
type OAuthStart struct {
	RedirectURL  string
	BrowserNonce string
}

func bindingOf(nonce string) string {
	sum := sha256.Sum256([]byte("oauth-browser-binding:" + nonce))
	return hex.EncodeToString(sum[:])
}

func (s *Service) provider(name string) (ports.OAuthProvider, error) {
	p, ok := s.Providers[name]
	if !ok || p == nil {
		return nil, ErrProviderNotConfigured
	}
	return p, nil
}

// ProviderConfigured says whether sign-in with name is possible.
func (s *Service) ProviderConfigured(name string) bool {
	p, ok := s.Providers[name]
	return ok && p != nil
}

// StartOAuth begins sign-in with a provider: a single-use state (kept 10
// minutes), a PKCE verifier kept server-side, and a nonce that binds the
// state to this browser.
func (s *Service) StartOAuth(ctx context.Context, providerName string, scopes []string) (OAuthStart, error) {
	p, err := s.provider(providerName)
	if err != nil {
		return OAuthStart{}, err
	}
	state, verifier, nonce := newSecret(), newVerifier(), newSecret()
	err = s.States.Put(ctx, state, ports.OAuthState{Provider: providerName, Verifier: verifier,
		BrowserBinding: bindingOf(nonce), CreatedAt: s.Clock.Now()}, s.cfg.OAuthStateTTL)
	if err != nil {
		return OAuthStart{}, fmt.Errorf("oauth start: keep state: %w", err)
	}
	return OAuthStart{RedirectURL: p.AuthCodeURL(state, verifier, scopes), BrowserNonce: nonce}, nil
}

// OAuthCallbackInput is what the provider's redirect brings back.
type OAuthCallbackInput struct {
	Provider     string
	Code         string
	State        string
	BrowserNonce string
	// ProviderError is the provider's error parameter (the learner
	// refused, say), already turned into an error by the adapter.
	ProviderError error
	Client        Client
}

// FinishOAuth checks the state (known, unused, same provider, same
// browser), exchanges the code, and signs the learner in: through an
// existing link, by linking an account with the same verified email, or by
// creating an account. A provider email that is not verified can do
// neither of the last two.
func (s *Service) FinishOAuth(ctx context.Context, in OAuthCallbackInput) (AuthResult, error) {
	p, err := s.provider(in.Provider)
	if err != nil {
		return AuthResult{}, err
	}
	if in.State == "" || len(in.State) > 256 {
		return AuthResult{}, ErrOAuthState
	}
	st, err := s.States.Take(ctx, in.State)
	if errors.Is(err, domain.ErrNotFound) {
		return AuthResult{}, ErrOAuthState
	}
	if err != nil {
		return AuthResult{}, fmt.Errorf("oauth callback: take state: %w", err)
	}
	if st.Provider != in.Provider || subtle.ConstantTimeCompare([]byte(st.BrowserBinding), []byte(bindingOf(in.BrowserNonce))) != 1 {
		s.Security.Record(ctx, ports.SecurityEvent{Kind: "oauth_state_mismatch", IP: in.Client.IP,
			Detail: "state presented by a browser (or for a provider) other than the one that started the flow"})
		return AuthResult{}, ErrOAuthState
	}
	if in.ProviderError != nil {
		return AuthResult{}, in.ProviderError
	}
	if in.Code == "" || len(in.Code) > 2048 {
		return AuthResult{}, fmt.Errorf("%w: the provider sent no code", domain.ErrUnauthorized)
	}
	who, err := p.Exchange(ctx, in.Code, st.Verifier)
	if err != nil {
		return AuthResult{}, fmt.Errorf("oauth callback: %w", err)
	}
	var u *identity.User
	if st.LinkUserID != "" {
		u, err = s.linkTo(ctx, st.LinkUserID, who)
	} else {
		u, err = s.accountFor(ctx, who)
	}
	if err != nil {
		return AuthResult{}, err
	}
	if err := u.CanSignIn(); err != nil {
		s.Security.Record(ctx, ports.SecurityEvent{Kind: "disabled_account_sign_in", UserID: u.ID(), IP: in.Client.IP})
		return AuthResult{}, err
	}
	return s.startSession(ctx, u, in.Client)
}

// accountFor finds, links or creates the account of a provider identity,
// and stores the link with the (sealed) provider token.
func (s *Service) accountFor(ctx context.Context, who ports.OAuthIdentity) (*identity.User, error) {
	sealed := ""
	if who.AccessToken != "" {
		var err error
		if sealed, err = s.Box.Seal([]byte(who.AccessToken)); err != nil {
			return nil, fmt.Errorf("seal provider token: %w", err)
		}
	}
	now := s.Clock.Now()
	link := identity.LinkedIdentity{Provider: who.Provider, Subject: who.Subject, Email: who.Email, Login: who.Login,
		AccessTokenSealed: sealed, Scopes: who.Scopes, CreatedAt: now, UpdatedAt: now}

	var out *identity.User
	err := s.Tx.WithinTx(ctx, func(ctx context.Context) error {
		existing, err := s.Identities.Find(ctx, who.Provider, who.Subject)
		switch {
		case err == nil:
			out, err = s.Users.GetByID(ctx, existing.UserID)
			if err != nil {
				return err
			}
		case errors.Is(err, domain.ErrNotFound):
			if !who.EmailVerified || who.Email == "" {
				return ErrUnverifiedProviderEmail
			}
			email, err := identity.ParseEmail(who.Email)
			if err != nil {
				return ErrUnverifiedProviderEmail
			}
			out, err = s.Users.GetByEmail(ctx, email)
			if errors.Is(err, domain.ErrNotFound) {
				out, err = s.createFromProvider(ctx, email, who)
			} else if err == nil {
				// The provider vouches for the address: that proves it too.
				out, err = s.Users.Update(ctx, out.ID(), func(u *identity.User) error {
					u.VerifyEmail(now)
					return nil
				})
			}
			if err != nil {
				return err
			}
		default:
			return err
		}
		link.UserID = out.ID()
		return s.Identities.Upsert(ctx, link)
	})
	if errors.Is(err, ErrUnverifiedProviderEmail) {
		return nil, ErrUnverifiedProviderEmail
	}
	if err != nil {
		return nil, fmt.Errorf("oauth account: %w", err)
	}
	return out, nil
}

func (s *Service) createFromProvider(ctx context.Context, email identity.Email, who ports.OAuthIdentity) (*identity.User, error) {
	now := s.Clock.Now()
	name := who.Name
	if name == "" {
		name = fallbackName(who, email)
	}
	u, err := identity.NewUser(s.IDs.NewID(), email, name, now)
	if err != nil {
		// A provider name we cannot use (too long, control characters):
		// fall back to the login, then the address's local part.
		u, err = identity.NewUser(s.IDs.NewID(), email, fallbackName(who, email), now)
		if err != nil {
			return nil, err
		}
	}
	u.VerifyEmail(now)
	if who.AvatarURL != "" {
		avatar := who.AvatarURL
		_ = u.ApplyAccountPatch(identity.AccountPatch{AvatarURL: &avatar}, now) // a bad URL is just not kept
	}
	if err := s.Users.Create(ctx, u); err != nil {
		return nil, err
	}
	if err := s.Profiles.Create(ctx, learner.NewProfile(u.ID(), now)); err != nil {
		return nil, err
	}
	return u, nil
}

func fallbackName(who ports.OAuthIdentity, email identity.Email) string {
	if who.Login != "" && len(who.Login) <= 80 {
		return who.Login
	}
	local := email.String()[:strings.LastIndexByte(email.String(), '@')]
	if len(local) > 80 {
		local = local[:80]
	}
	return local
}
