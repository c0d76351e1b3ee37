package review

import (
	"errors"
	"fmt"
	"time"
)

// ErrReauthorize: GitHub refused the learner's token (revoked, expired or
// missing a scope); the learner must connect GitHub again.
var ErrReauthorize = errors.New("the GitHub connection needs to be authorised again")

// ErrNotConnected: the learner has no GitHub connection at all.
var ErrNotConnected = errors.New("no GitHub account is connected")

// RateLimitedError: GitHub's rate limit is spent until RetryAt (from
// x-ratelimit-reset or retry-after). A review job waits until then
// instead of failing.
type RateLimitedError struct {
	RetryAt time.Time
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("GitHub rate limit reached until %s", e.RetryAt.UTC().Format(time.RFC3339))
}
