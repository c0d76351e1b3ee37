package identity

import "github.com/codementor/codementor/domain"

// Errors of the identity area, each with a message for the learner.
var (
	// ErrInvalidCredentials is the one answer to a wrong email or a wrong
	// password: callers must not be able to tell which.
	ErrInvalidCredentials = domain.NewPublicError(domain.ErrUnauthorized, "invalid_credentials", "the email or password is incorrect")
	ErrAccountDisabled    = domain.NewPublicError(domain.ErrForbidden, "account_disabled", "this account is disabled")
	// ErrInvalidToken covers unknown, used, expired and foreign one-time
	// tokens alike.
	ErrInvalidToken = domain.NewPublicError(domain.ErrInvalidInput, "invalid_token", "the link or token is invalid or has expired")
	// ErrSessionRevoked is a refresh token that is unknown, expired,
	// revoked, or was used before (reuse).
	ErrSessionRevoked = domain.NewPublicError(domain.ErrUnauthorized, "session_expired", "the session has ended: sign in again")
)
