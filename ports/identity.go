package ports

import (
	"context"
	"time"

	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/learner"
)

// SessionRepository stores sign-in sessions and their refresh tokens.
type SessionRepository interface {
	// Create stores a new session with its first refresh token.
	Create(ctx context.Context, s identity.Session, first identity.RefreshToken) error
	// FindToken looks a refresh token up by its hash, with its session.
	// Unknown hashes answer domain.ErrNotFound.
	FindToken(ctx context.Context, hash string) (identity.RefreshToken, identity.Session, error)
	// ClaimToken marks a token used, atomically: false when it was used
	// already (a concurrent refresh won, or the token is being replayed).
	ClaimToken(ctx context.Context, tokenID string, now time.Time) (bool, error)
	// AddToken stores the next token of a session's rotation chain.
	AddToken(ctx context.Context, t identity.RefreshToken) error
	// Revoke ends one session; ending an ended session is a no-op.
	Revoke(ctx context.Context, sessionID, reason string, now time.Time) error
	// RevokeAllForUser ends every live session of the user; it answers how many.
	RevokeAllForUser(ctx context.Context, userID, reason string, now time.Time) (int, error)
}

// OneTimeTokenRepository stores email verification and password reset tokens.
type OneTimeTokenRepository interface {
	Create(ctx context.Context, t identity.OneTimeToken) error
	// Consume atomically uses a live token (unused, unexpired) of that
	// purpose and returns it; anything else is domain.ErrNotFound.
	Consume(ctx context.Context, purpose identity.TokenPurpose, hash string, now time.Time) (identity.OneTimeToken, error)
	// InvalidateAll uses up every live token of the user for that purpose.
	InvalidateAll(ctx context.Context, userID string, purpose identity.TokenPurpose, now time.Time) error
}

// LinkedIdentityRepository stores provider accounts linked to users.
type LinkedIdentityRepository interface {
	// Upsert links (provider, subject) to the identity's user, or updates
	// the stored link. Linking a subject already linked to another user is
	// domain.ErrConflict.
	Upsert(ctx context.Context, li identity.LinkedIdentity) error
	Find(ctx context.Context, provider, subject string) (identity.LinkedIdentity, error)
	ListForUser(ctx context.Context, userID string) ([]identity.LinkedIdentity, error)
}

// ProfileRepository stores learners' preferences and onboarding answers.
type ProfileRepository interface {
	Create(ctx context.Context, p *learner.Profile) error
	Get(ctx context.Context, userID string) (*learner.Profile, error)
	Update(ctx context.Context, userID string, fn func(p *learner.Profile) error) (*learner.Profile, error)
	// Card reads a learner's display name and preferences in one read (the
	// default preferences when they have no profile yet);
	// domain.ErrNotFound when there is no such user.
	Card(ctx context.Context, userID string) (learner.Card, error)
}

// OAuthState is what the server keeps between an OAuth start and its
// callback.
type OAuthState struct {
	Provider string
	Verifier string // the PKCE code verifier
	// BrowserBinding is a hash of the nonce set as a cookie on the browser
	// that started the flow: a callback from another browser fails.
	BrowserBinding string
	// LinkUserID, when set, is a signed-in learner connecting the
	// provider to their account (GitHub for code reviews) rather than a
	// sign-in.
	LinkUserID string
	// Scopes asked for, when not the provider's defaults.
	Scopes    []string
	CreatedAt time.Time
}

// OAuthStateStore keeps OAuth states for a short time, single use.
type OAuthStateStore interface {
	Put(ctx context.Context, state string, s OAuthState, ttl time.Duration) error
	// Take returns and deletes the state: a second Take, or one after the
	// TTL, is domain.ErrNotFound.
	Take(ctx context.Context, state string) (OAuthState, error)
}

// AccessClaims are what an access token says.
type AccessClaims struct {
	UserID    string
	Role      identity.Role
	TokenID   string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// TokenIssuer signs and verifies access tokens (JWT in production).
type TokenIssuer interface {
	Issue(userID string, role identity.Role) (string, AccessClaims, error)
	// Verify checks signature, algorithm, issuer, audience and times; any
	// failure is domain.ErrUnauthorized.
	Verify(token string) (AccessClaims, error)
}

// SecurityEvent is something the security team wants to see: reuse of a
// refresh token, a disabled account's sign-in attempt, a password reset.
type SecurityEvent struct {
	Kind   string
	UserID string
	IP     string
	Detail string
}

// SecurityLog records security events.
type SecurityLog interface {
	Record(ctx context.Context, e SecurityEvent)
}
