package identity

import (
	"time"

	"github.com/codementor/codementor/domain"
)

// TokenPurpose says what a one-time token proves.
type TokenPurpose struct{ value string }

var (
	PurposeVerifyEmail   = TokenPurpose{"verify_email"}
	PurposePasswordReset = TokenPurpose{"password_reset"}
)

// ParseTokenPurpose accepts the stored purpose names.
func ParseTokenPurpose(s string) (TokenPurpose, error) {
	switch s {
	case PurposeVerifyEmail.value:
		return PurposeVerifyEmail, nil
	case PurposePasswordReset.value:
		return PurposePasswordReset, nil
	}
	return TokenPurpose{}, domain.NewValidationError("purpose", "unknown token purpose")
}

func (p TokenPurpose) String() string { return p.value }

// TTL is how long a token of this purpose stays usable: a day to verify an
// address, half an hour to reset a password.
func (p TokenPurpose) TTL() time.Duration {
	if p == PurposePasswordReset {
		return 30 * time.Minute
	}
	return 24 * time.Hour
}

// OneTimeToken is a single-use, expiring token sent by email. Email is the
// address it was sent to: a verification token only verifies that address,
// so a token issued before an email change verifies nothing after it.
type OneTimeToken struct {
	ID        string
	UserID    string
	Purpose   TokenPurpose
	Email     string
	Hash      string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// LinkedIdentity is a provider account (GitHub, Google) linked to a user.
type LinkedIdentity struct {
	UserID   string
	Provider string
	Subject  string
	Email    string
	Login    string
	// AccessTokenSealed is the provider's access token, encrypted at rest
	// (ports.SecretBox); "" when none is kept.
	AccessTokenSealed string
	Scopes            []string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}
