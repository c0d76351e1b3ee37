package account

import (
	"errors"
	"time"

	"github.com/codementor/codementor/domain"
)

// merge adds err's field issues to verr, once per field, so a request with
// several problems hears of all of them in one answer.
func merge(verr *domain.ValidationError, err error) {
	var v *domain.ValidationError
	if !errors.As(err, &v) {
		return
	}
	for _, issue := range v.Issues {
		dup := false
		for _, have := range verr.Issues {
			dup = dup || have.Field == issue.Field
		}
		if !dup {
			verr.Issues = append(verr.Issues, issue)
		}
	}
}

func rateLimited(after time.Duration, what string) error {
	return &domain.RateLimitedError{RetryAfter: after, Reason: what}
}

// Errors of the provider sign-in flow.
var (
	// ErrOAuthState covers a missing, expired, replayed or foreign state.
	ErrOAuthState = domain.NewPublicError(domain.ErrInvalidInput, "invalid_oauth_state",
		"the sign-in attempt expired, was already used, or was not started in this browser")
	// ErrUnverifiedProviderEmail: the provider does not vouch for the
	// address, so it can neither create nor link an account.
	ErrUnverifiedProviderEmail = domain.NewPublicError(domain.ErrForbidden, "unverified_provider_email",
		"your account with this provider has no verified email address")
	// ErrProviderNotConfigured: the server has no credentials for it.
	ErrProviderNotConfigured = domain.NewPublicError(domain.ErrUnavailable, "provider_not_configured",
		"sign-in with this provider is not configured on this server")
)
