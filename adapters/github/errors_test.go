package github_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	gh "github.com/google/go-github/v89/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/github"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/review"
)

const secretToken = "gho_S3cr3tT0kenValue0123456789abcdef"

func response(status int, kv ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	req, _ := http.NewRequest(http.MethodGet, "https://api.github.com/repos/o/r", nil)
	return &http.Response{StatusCode: status, Header: h, Request: req}
}

func errResp(status int, kv ...string) error {
	return &gh.ErrorResponse{Response: response(status, kv...), Message: http.StatusText(status)}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	reset := now.Add(17 * time.Minute)
	fiveSeconds := 5 * time.Second
	farReset := strconv.FormatInt(now.Add(50*time.Minute).Unix(), 10)

	type want struct {
		kind    error         // errors.Is target, nil when rate limited or plain
		retryAt time.Duration // > 0: a RateLimitedError until now+retryAt
	}
	cases := []struct {
		name string
		err  error
		want want
	}{
		{"primary rate limit: until x-ratelimit-reset",
			&gh.RateLimitError{Rate: gh.Rate{Limit: 5000, Remaining: 0, Reset: gh.Timestamp{Time: reset}}, Response: response(403), Message: "API rate limit exceeded for user ID 1."},
			want{retryAt: 17 * time.Minute}},
		{"primary rate limit as 429",
			&gh.RateLimitError{Rate: gh.Rate{Reset: gh.Timestamp{Time: reset}}, Response: response(429)},
			want{retryAt: 17 * time.Minute}},
		{"primary rate limit without a reset: a minute",
			&gh.RateLimitError{Response: response(403)},
			want{retryAt: time.Minute}},
		{"secondary rate limit: retry-after",
			&gh.AbuseRateLimitError{Response: response(403, "Retry-After", "42", "X-RateLimit-Remaining", "4000", "X-RateLimit-Reset", farReset)},
			want{retryAt: 42 * time.Second}},
		{"secondary rate limit without retry-after: a minute, not the hour's reset",
			&gh.AbuseRateLimitError{Response: response(403, "X-RateLimit-Remaining", "4000", "X-RateLimit-Reset", farReset), RetryAfter: new(50 * time.Minute)},
			want{retryAt: time.Minute}},
		{"secondary rate limit with the primary spent too: its reset",
			&gh.AbuseRateLimitError{Response: response(429, "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))},
			want{retryAt: 17 * time.Minute}},
		{"secondary rate limit from go-github's own pre-check",
			&gh.AbuseRateLimitError{Response: response(403), RetryAfter: &fiveSeconds},
			want{retryAt: 5 * time.Second}},
		{"429 without headers: a minute", errResp(429), want{retryAt: time.Minute}},
		{"403 with retry-after (secondary, unnamed)", errResp(403, "Retry-After", "9"), want{retryAt: 9 * time.Second}},
		{"retry-after as an HTTP date", errResp(429, "Retry-After", now.Add(3*time.Minute).Format(http.TimeFormat)), want{retryAt: 3 * time.Minute}},
		{"a reset in the past: now", &gh.RateLimitError{Rate: gh.Rate{Reset: gh.Timestamp{Time: now.Add(-time.Hour)}}, Response: response(403)}, want{retryAt: -1}},
		{"401", errResp(401), want{kind: review.ErrReauthorize}},
		{"401 asking for a one-time password", &gh.TwoFactorAuthError{Response: response(401)}, want{kind: review.ErrReauthorize}},
		{"403 without access: hidden like a 404", errResp(403), want{kind: domain.ErrNotFound}},
		{"403 for a missing scope", errResp(403, "X-Accepted-OAuth-Scopes", "repo", "X-OAuth-Scopes", "read:user, user:email"), want{kind: review.ErrReauthorize}},
		{"403 with the scope granted", errResp(403, "X-Accepted-OAuth-Scopes", "repo", "X-OAuth-Scopes", "repo, read:user"), want{kind: domain.ErrNotFound}},
		{"403 with an implying scope granted", errResp(403, "X-Accepted-OAuth-Scopes", "public_repo", "X-OAuth-Scopes", "repo"), want{kind: domain.ErrNotFound}},
		{"403 from a classic token with no scope at all", errResp(403, "X-Accepted-OAuth-Scopes", "repo", "X-OAuth-Scopes", ""), want{kind: review.ErrReauthorize}},
		{"403 from a fine-grained token (no X-OAuth-Scopes)", errResp(403, "X-Accepted-OAuth-Scopes", "repo"), want{kind: domain.ErrNotFound}},
		{"403 for SAML SSO", errResp(403, "X-GitHub-SSO", "required; url=https://github.com/orgs/acme/sso?authorization_request=x"), want{kind: review.ErrReauthorize}},
		{"404", errResp(404), want{kind: domain.ErrNotFound}},
		{"451", errResp(451), want{kind: domain.ErrNotFound}},
		{"409 empty repository", errResp(409), want{kind: domain.ErrNotFound}},
		{"422 no commit for a ref", errResp(422), want{kind: domain.ErrNotFound}},
		{"500", errResp(500), want{kind: domain.ErrUnavailable}},
		{"502", errResp(502), want{kind: domain.ErrUnavailable}},
		{"503", errResp(503), want{kind: domain.ErrUnavailable}},
		{"202 not ready", &gh.AcceptedError{}, want{kind: domain.ErrUnavailable}},
		{"connection refused", &url.Error{Op: "Get", URL: "https://api.github.com/user", Err: errors.New("connect: connection refused")}, want{kind: domain.ErrUnavailable}},
		{"our own timeout", &url.Error{Op: "Get", URL: "https://api.github.com/user", Err: context.DeadlineExceeded}, want{kind: domain.ErrUnavailable}},
		{"malformed body", errors.New("invalid character 'x' looking for beginning of value"), want{kind: domain.ErrUnavailable}},
		{"400: nothing in particular", errResp(400), want{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := github.Classify(context.Background(), "op", secretToken, tc.err, now)
			require.Error(t, err)
			var rl *review.RateLimitedError
			if tc.want.retryAt != 0 {
				require.ErrorAs(t, err, &rl)
				wantAt := now.Add(tc.want.retryAt)
				if tc.want.retryAt < 0 {
					wantAt = now
				}
				assert.WithinDuration(t, wantAt, rl.RetryAt, time.Second)
				assert.NotErrorIs(t, err, domain.ErrUnavailable)
				return
			}
			assert.False(t, errors.As(err, &rl), "not rate limited: %v", err)
			for _, kind := range []error{review.ErrReauthorize, domain.ErrNotFound, domain.ErrUnavailable} {
				assert.Equal(t, tc.want.kind == kind, errors.Is(err, kind), "errors.Is(%v, %v)", err, kind)
			}
		})
	}
}

func TestClassifyKeepsContextErrors(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := github.Classify(ctx, "op", secretToken, &url.Error{Op: "Get", URL: "u", Err: context.Canceled}, time.Now())
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotErrorIs(t, err, domain.ErrUnavailable)

	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	err = github.Classify(ctx, "op", secretToken, errResp(502), time.Now())
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, domain.ErrUnavailable)
}

func TestClassifyRedactsTheToken(t *testing.T) {
	t.Parallel()
	leaky := fmt.Errorf("proxy said: bad header Authorization: Bearer %s", secretToken)
	err := github.Classify(context.Background(), "op", secretToken, leaky, time.Now())
	assert.NotContains(t, err.Error(), secretToken)
	assert.Contains(t, err.Error(), "[REDACTED]")
	assert.ErrorIs(t, err, domain.ErrUnavailable)
}
