package identity

import "time"

// Session is one sign-in on one device: the family of refresh tokens that
// rotate from it. Revoking the session ends every token of the family.
type Session struct {
	ID           string
	UserID       string
	CreatedAt    time.Time
	RevokedAt    *time.Time
	RevokeReason string
	UserAgent    string
	IP           string
}

// RefreshToken is one link of a session's rotation chain. Only a hash of
// the token is ever stored.
type RefreshToken struct {
	ID        string
	SessionID string
	Hash      string
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// RefreshOutcome is what presenting a refresh token leads to.
type RefreshOutcome int

const (
	// RefreshRotate: the token is live; use it up and issue the next one.
	RefreshRotate RefreshOutcome = iota + 1
	// RefreshReuse: the token was used before. Either the client raced
	// itself or someone stole the token; both mean the whole family is
	// revoked (OAuth 2.0 Security BCP, refresh token rotation).
	RefreshReuse
	// RefreshExpired: too old to use.
	RefreshExpired
	// RefreshRevoked: its session was ended (logout, password change, reuse).
	RefreshRevoked
)

// DecideRefresh is the rotation policy, in this order: a revoked session
// stays revoked; a used token is reuse even when it has also expired (so a
// stolen old token still trips the alarm); then expiry.
func DecideRefresh(t RefreshToken, s Session, now time.Time) RefreshOutcome {
	switch {
	case s.RevokedAt != nil:
		return RefreshRevoked
	case t.UsedAt != nil:
		return RefreshReuse
	case !now.Before(t.ExpiresAt):
		return RefreshExpired
	}
	return RefreshRotate
}

// Revoke reasons, stored with the session and logged as security events.
const (
	RevokeLogout         = "logout"
	RevokeLogoutAll      = "logout_all"
	RevokeReuse          = "refresh_token_reuse"
	RevokePasswordChange = "password_changed"
	RevokeDisabled       = "account_disabled"
)
