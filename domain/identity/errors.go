package identity

import (
	"fmt"

	"github.com/codementor/codementor/domain"
)

// Errors of the identity area. Each wraps a shared sentinel so the HTTP
// adapter's one table maps it, while use cases can still tell them apart.
var (
	// ErrInvalidCredentials is the one answer to a wrong email or a wrong
	// password: callers must not be able to tell which.
	ErrInvalidCredentials = fmt.Errorf("%w: email or password is incorrect", domain.ErrUnauthorized)
	ErrAccountDisabled    = fmt.Errorf("%w: this account is disabled", domain.ErrUnauthorized)
	// ErrInvalidToken covers unknown, used, expired and foreign one-time
	// tokens alike.
	ErrInvalidToken = fmt.Errorf("%w: the link or token is invalid or has expired", domain.ErrUnauthorized)
	// ErrSessionRevoked is a refresh token that is unknown, expired,
	// revoked, or was used before (reuse).
	ErrSessionRevoked = fmt.Errorf("%w: the session has ended, sign in again", domain.ErrUnauthorized)
)
