package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	gh "github.com/google/go-github/v89/github"

	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/review"
)

// secondaryWait is how long to wait after a secondary rate limit that
// names no time, as GitHub's documentation asks ("at least one minute").
const secondaryWait = time.Minute

// classify translates a failed call into the port's contract:
//
//   - the caller's context ended: the context's error, as is;
//   - primary rate limit (403/429 with x-ratelimit-remaining: 0):
//     *review.RateLimitedError until x-ratelimit-reset;
//   - secondary rate limit (403/429 naming it, or carrying retry-after) and
//     any other 429: *review.RateLimitedError until now + retry-after, or
//     a minute when GitHub names no time;
//   - 401, and 403 for a missing OAuth scope (X-Accepted-OAuth-Scopes not
//     covered by X-OAuth-Scopes) or an organisation's SAML SSO
//     (X-GitHub-SSO: required): review.ErrReauthorize;
//   - other 403 (GitHub hides what a token may not read), 404, 451, 409
//     (an empty repository) and 422 (no commit for that ref or sha):
//     domain.ErrNotFound;
//   - 5xx, 202 (not ready yet), timeouts, connection failures, malformed
//     answers: domain.ErrUnavailable;
//   - anything else (400, 410...): a plain error.
//
// The message keeps go-github's (method, URL, status, GitHub's message)
// with the token scrubbed out of it.
func classify(ctx context.Context, op, token string, err error, now time.Time) error {
	if err == nil {
		return nil
	}
	wrap := func(kind error) error {
		return fmt.Errorf("github: %s: %s: %w", op, redact(err.Error(), token), kind)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("github: %s: %w", op, ctxErr)
	}
	if rl, ok := errAs[*gh.RateLimitError](err); ok {
		at := rl.Rate.Reset.Time
		if at.IsZero() && rl.Response != nil {
			at, _ = retryAt(rl.Response.Header, now)
		}
		if at.IsZero() {
			at = now.Add(secondaryWait)
		}
		return wrap(&review.RateLimitedError{RetryAt: notBefore(at, now)})
	}
	if ab, ok := errAs[*gh.AbuseRateLimitError](err); ok {
		var h http.Header
		if ab.Response != nil {
			h = ab.Response.Header
		}
		at, ok := retryAt(h, now)
		if !ok && ab.RetryAfter != nil && h.Get(gh.HeaderRateReset) == "" {
			// go-github's own pre-check, from an earlier answer's retry-after.
			at, ok = now.Add(*ab.RetryAfter), true
		}
		if !ok {
			at = now.Add(secondaryWait)
		}
		return wrap(&review.RateLimitedError{RetryAt: notBefore(at, now)})
	}
	if _, ok := errAs[*gh.AcceptedError](err); ok {
		return wrap(domain.ErrUnavailable)
	}
	var resp *http.Response
	if er, ok := errAs[*gh.ErrorResponse](err); ok {
		resp = er.Response
	} else if tf, ok := errAs[*gh.TwoFactorAuthError](err); ok {
		resp = tf.Response
	}
	if resp == nil {
		// No HTTP answer: the network, our own timeout, a malformed body.
		return wrap(domain.ErrUnavailable)
	}
	switch status := resp.StatusCode; {
	case status == http.StatusUnauthorized:
		return wrap(review.ErrReauthorize)
	case status == http.StatusForbidden || status == http.StatusTooManyRequests:
		if at, ok := retryAt(resp.Header, now); ok {
			return wrap(&review.RateLimitedError{RetryAt: notBefore(at, now)})
		}
		if status == http.StatusTooManyRequests {
			return wrap(&review.RateLimitedError{RetryAt: now.Add(secondaryWait)})
		}
		if missingScope(resp.Header) || strings.HasPrefix(strings.ToLower(resp.Header.Get("X-GitHub-SSO")), "required") {
			return wrap(review.ErrReauthorize)
		}
		return wrap(domain.ErrNotFound)
	case status == http.StatusNotFound, status == http.StatusUnavailableForLegalReasons,
		status == http.StatusConflict, status == http.StatusUnprocessableEntity:
		return wrap(domain.ErrNotFound)
	case status >= 500:
		return wrap(domain.ErrUnavailable)
	}
	return fmt.Errorf("github: %s: %s", op, redact(err.Error(), token))
}

// retryAt reads when a rate-limited answer may be retried: retry-after
// (seconds or an HTTP date), else x-ratelimit-reset when nothing remains.
func retryAt(h http.Header, now time.Time) (time.Time, bool) {
	if h == nil {
		return time.Time{}, false
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
			return now.Add(time.Duration(secs) * time.Second), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return t, true
		}
	}
	if h.Get(gh.HeaderRateRemaining) == "0" {
		if secs, err := strconv.ParseInt(h.Get(gh.HeaderRateReset), 10, 64); err == nil && secs > 0 {
			return time.Unix(secs, 0), true
		}
	}
	return time.Time{}, false
}

// notBefore keeps RetryAt from lying in the past (a skewed clock).
func notBefore(at, now time.Time) time.Time {
	if at.Before(now) {
		return now
	}
	return at
}

// impliedScopes are the scopes a granted classic OAuth scope includes.
var impliedScopes = map[string][]string{
	"repo":             {"repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events"},
	"user":             {"read:user", "user:email", "user:follow"},
	"admin:org":        {"write:org", "read:org", "manage_runners:org"},
	"write:org":        {"read:org"},
	"admin:public_key": {"write:public_key", "read:public_key"},
	"write:public_key": {"read:public_key"},
	"admin:repo_hook":  {"write:repo_hook", "read:repo_hook"},
	"write:repo_hook":  {"read:repo_hook"},
	"admin:gpg_key":    {"write:gpg_key", "read:gpg_key"},
	"write:gpg_key":    {"read:gpg_key"},
	"write:packages":   {"read:packages"},
	"admin:enterprise": {"manage_runners:enterprise", "manage_billing:enterprise", "read:enterprise"},
	"project":          {"read:project"},
	"codespace":        {"codespace:secrets"},
}

// missingScope says a 403 came from a classic token without any of the
// scopes the endpoint accepts. Without X-OAuth-Scopes (fine-grained
// tokens, GitHub Apps) nothing can be concluded.
func missingScope(h http.Header) bool {
	accepted := parseList(h.Get("X-Accepted-OAuth-Scopes"))
	if len(accepted) == 0 || len(h.Values("X-OAuth-Scopes")) == 0 {
		return false
	}
	granted := map[string]bool{}
	for _, s := range parseScopes(h) {
		granted[s] = true
		for _, implied := range impliedScopes[s] {
			granted[implied] = true
		}
	}
	for _, s := range accepted {
		if granted[s] {
			return false
		}
	}
	return true
}

func parseList(v string) []string {
	var out []string
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// redact scrubs the token out of a message. go-github never puts it in
// one (it travels in a header only), but a transport's error might.
func redact(msg, token string) string {
	if len(token) < 4 {
		return msg
	}
	return strings.ReplaceAll(msg, token, "[REDACTED]")
}

// errAs is errors.As for a pointer target, as an expression.
func errAs[T error](err error) (T, bool) {
	var t T
	ok := errors.As(err, &t)
	return t, ok
}
