package domain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/codementor/codementor/domain"
)

func TestValidationErrorCollectsIssues(t *testing.T) {
	t.Parallel()
	v := &domain.ValidationError{}
	assert.NoError(t, v.OrNil())
	v.Add("email", "is required").Add("password", "is too short")
	err := v.OrNil()
	assert.EqualError(t, err, "validation failed: email: is required; password: is too short")
}

func TestTypedErrorsCarryContext(t *testing.T) {
	t.Parallel()
	reset := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	q := &domain.QuotaExceededError{ResetAt: reset, Quota: "daily tokens"}
	assert.Contains(t, q.Error(), "2026-11-26T00:00:00Z")
	r := &domain.RateLimitedError{RetryAfter: 3 * time.Second, Reason: "login"}
	assert.Contains(t, r.Error(), "3s")
}
