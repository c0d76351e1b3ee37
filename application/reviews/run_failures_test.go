package reviews_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/reviews"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/llm"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
	"github.com/codementor/codementor/test/fakes/githubserver"
)

// project links a small Python repository for a new learner.
func project(t *testing.T, e *env) (learner, review.RepoLink) {
	t.Helper()
	l := e.learner(t, "read:user")
	e.repo(l.Login, "project", map[string]string{"app/main.py": mainPy, "app/util.py": utilPy})
	return l, e.link(t, l.ID, l.Login+"/project")
}

// Failures that end the review at once, whatever the attempt.
func TestRunReviewFailsWithAReason(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		env       envOption
		ref       string
		pull      int
		setup     func(t *testing.T, e *env, l learner)
		code      string
		reason    string // a part of it
		linkState review.LinkStatus
		forgotten bool // the learner's token is dropped
		llmCalls  int
	}{
		{
			name:  "revoked token",
			setup: func(t *testing.T, e *env, l learner) { e.gh.RevokeToken(l.Token) },
			code:  reviews.FailReauthorize, reason: "connect GitHub again", linkState: review.LinkActive, forgotten: true,
		},
		{
			name: "token revoked while reading blobs",
			setup: func(t *testing.T, e *env, l learner) {
				e.gh.Inject(githubserver.Failure{Status: 401, Message: "Bad credentials", Path: "/repos/" + l.Login + "/project/git/blobs/"}, 1)
			},
			code: reviews.FailReauthorize, reason: "connect GitHub again", linkState: review.LinkActive, forgotten: true,
		},
		{
			name:  "repository deleted",
			setup: func(t *testing.T, e *env, l learner) { e.gh.DeleteRepo(l.Login, "project") },
			code:  reviews.FailRepoGone, reason: "no longer exists", linkState: review.LinkBroken,
		},
		{
			name:  "repository deleted, pull request review",
			pull:  1,
			setup: func(t *testing.T, e *env, l learner) { e.gh.DeleteRepo(l.Login, "project") },
			code:  reviews.FailRepoGone, reason: "no longer exists", linkState: review.LinkBroken,
		},
		{
			name: "repository made private, token without the repo scope",
			setup: func(t *testing.T, e *env, l learner) {
				e.gh.SetPrivate(l.Login, "project", true)
			},
			code: reviews.FailRepoGone, reason: "can no longer read it", linkState: review.LinkBroken,
		},
		{
			name: "unknown ref", ref: "no-such-branch",
			code: reviews.FailRefNotFound, reason: `"no-such-branch" does not exist`, linkState: review.LinkActive,
		},
		{
			name: "unknown pull request", pull: 99,
			code: reviews.FailPullNotFound, reason: "#99 does not exist", linkState: review.LinkActive,
		},
		{
			name: "quota exceeded",
			env:  envOption{reviews: []accounttest.ReviewsOption{func(c *reviews.Config) { c.AnswerTokens = 200_000 }}},
			code: reviews.FailQuota, reason: "daily AI budget", linkState: review.LinkActive,
		},
		{
			name: "the model's content filter refuses",
			setup: func(t *testing.T, e *env, l learner) {
				e.llm.Fail(&llm.Error{Kind: llm.ErrContentFiltered, Provider: "scripted", Msg: "filtered"})
			},
			code: reviews.FailAIRefused, reason: "refused", linkState: review.LinkActive, llmCalls: 1,
		},
		{
			name: "the prompt is over the model's window",
			setup: func(t *testing.T, e *env, l learner) {
				e.llm.Fail(&llm.Error{Kind: llm.ErrContextTooLong, Provider: "scripted", Msg: "too long"})
			},
			code: reviews.FailInternal, reason: "error on our side", linkState: review.LinkActive, llmCalls: 1,
		},
		{
			name: "no model configured",
			env:  envOption{offline: true},
			code: reviews.FailAIUnavailable, reason: "none is configured", linkState: review.LinkActive,
		},
	}
	for _, tc := range cases {
		for _, final := range []bool{false, true} {
			name := tc.name
			if final {
				name += ", final attempt"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				o := tc.env
				e := newEnvWith(t, o)
				l, link := project(t, e)
				if tc.pull == 1 {
					e.gh.Commit(l.Login, "project", "feature", map[string]string{"app/new.py": "x = 1\n"}, "feature")
					e.gh.AddPull(l.Login, "project", githubserver.Pull{Head: "feature"})
				}
				r := e.request(t, l.ID, link.ID, tc.ref, tc.pull)
				if tc.setup != nil {
					tc.setup(t, e, l)
				}
				require.NoError(t, e.runOne(t, final), "a failure the learner must know is not retried")
				got := e.get(t, r)
				assert.Equal(t, review.StatusFailed, got.Status)
				assert.Equal(t, tc.code, got.FailureCode)
				assert.Contains(t, got.FailureReason, tc.reason)
				assert.NotNil(t, got.CompletedAt)
				assert.Empty(t, got.Result.ReviewedFiles)
				stored, err := memoryLinks(e).Get(ctx, l.ID, link.ID)
				require.NoError(t, err)
				assert.Equal(t, tc.linkState, stored.Status)
				if tc.linkState == review.LinkBroken {
					assert.NotEmpty(t, stored.BrokenReason)
				}
				sealed := e.githubIdentity(t, l.ID).AccessTokenSealed
				assert.Equal(t, tc.forgotten, sealed == "", "token forgotten")
				assert.Len(t, e.llm.Requests(), tc.llmCalls)

				// A failed review stays failed.
				require.NoError(t, e.svc.RunReview(ctx, r.ID, true))
				assert.Equal(t, got, e.get(t, r))
			})
		}
	}
}

// Transient failures: retried (an error) until the final attempt, which
// records a failure.
func TestRunReviewRetriesTransientFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(t *testing.T, e *env, l learner) // before each attempt
		check func(t *testing.T, err error)
		code  string
		// active is the status the review keeps between attempts.
		active   review.Status
		llmCalls int // per attempt
	}{
		{
			name: "model unavailable",
			setup: func(t *testing.T, e *env, l learner) {
				e.llm.Fail(&llm.Error{Kind: llm.ErrUnavailable, Provider: "scripted", Msg: "overloaded"})
			},
			check: func(t *testing.T, err error) {
				var le *llm.Error
				assert.ErrorAs(t, err, &le)
			},
			code: reviews.FailAIUnavailable, active: review.StatusRunning, llmCalls: 1,
		},
		{
			name: "model rate limited",
			setup: func(t *testing.T, e *env, l learner) {
				e.llm.Fail(&llm.Error{Kind: llm.ErrRateLimited, Provider: "scripted", Msg: "slow down", RetryAfter: time.Second})
			},
			code: reviews.FailAIUnavailable, active: review.StatusRunning, llmCalls: 1,
		},
		{
			name: "answers that break the schema, twice",
			setup: func(t *testing.T, e *env, l learner) {
				e.llm.Answer("Looks good to me!", `{"summary": "ok", "findings": "none"}`)
			},
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, review.ErrMalformedAnswer) },
			code:  reviews.FailAIInvalid, active: review.StatusRunning, llmCalls: 2,
		},
		{
			name:  "GitHub down",
			setup: func(t *testing.T, e *env, l learner) { e.gh.FailNext(http.StatusBadGateway, 1) },
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, domain.ErrUnavailable) },
			code:  reviews.FailUnavailable, active: review.StatusQueued,
		},
		{
			name: "GitHub down while reading blobs",
			setup: func(t *testing.T, e *env, l learner) {
				e.gh.Inject(githubserver.Failure{Status: 503, Message: "Service Unavailable",
					Path: "/repos/" + l.Login + "/project/git/blobs/"}, 1)
			},
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, domain.ErrUnavailable) },
			code:  reviews.FailUnavailable, active: review.StatusRunning,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			l, link := project(t, e)
			r := e.request(t, l.ID, link.ID, "", 0)
			jobs := e.jobs.Take()
			require.Len(t, jobs, 1)

			for attempt := 1; attempt <= 2; attempt++ {
				tc.setup(t, e, l)
				err := e.svc.RunReview(ctx, jobs[0].ReviewID, false)
				require.Error(t, err, "attempt %d is retried", attempt)
				var rl *review.RateLimitedError
				assert.False(t, errors.As(err, &rl))
				if tc.check != nil {
					tc.check(t, err)
				}
				got := e.get(t, r)
				assert.Equal(t, tc.active, got.Status, "attempt %d", attempt)
				assert.Empty(t, got.FailureCode)
			}
			assert.Len(t, e.llm.Requests(), 2*tc.llmCalls)

			tc.setup(t, e, l)
			require.NoError(t, e.svc.RunReview(ctx, r.ID, true), "the final attempt records the failure")
			got := e.get(t, r)
			assert.Equal(t, review.StatusFailed, got.Status)
			assert.Equal(t, tc.code, got.FailureCode)
			assert.NotEmpty(t, got.FailureReason)
			assert.Len(t, e.llm.Requests(), 3*tc.llmCalls)
			assert.NotEmpty(t, e.githubIdentity(t, l.ID).AccessTokenSealed, "a transient failure keeps the token")
			stored, err := memoryLinks(e).Get(ctx, l.ID, link.ID)
			require.NoError(t, err)
			assert.Equal(t, review.LinkActive, stored.Status)
		})
	}
}

// A schema-breaking answer is asked for again once; a good second answer
// completes the review.
func TestRunReviewAsksAgainAfterAMalformedAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l, link := project(t, e)
	e.llm.Answer("```python\nprint('hi')\n```", "```json\n"+plainAnswer()+"\n```")
	r := e.request(t, l.ID, link.ID, "", 0)
	require.NoError(t, e.runOne(t, false))
	got := e.get(t, r)
	require.Equal(t, review.StatusCompleted, got.Status)
	assert.Equal(t, "Tidy code.", got.Result.Summary)
	reqs := e.llm.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, reqs[0].Messages, reqs[1].Messages, "the same question again")
}

func TestRunReviewWaitsOutGitHubRateLimits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		limit  func(e *env, l learner)
		wait   time.Duration
		status review.Status // while it waits
	}{
		{
			name:   "primary, before the run starts",
			limit:  func(e *env, l learner) { e.gh.RateLimitFor(time.Hour, 1) },
			wait:   time.Hour,
			status: review.StatusQueued,
		},
		{
			name: "secondary, while reading blobs",
			limit: func(e *env, l learner) {
				e.gh.Inject(githubserver.Failure{Status: http.StatusForbidden, Header: http.Header{"Retry-After": {"120"}},
					Message: "You have exceeded a secondary rate limit.", DocumentationURL: githubserver.SecondaryRateLimitDocs,
					Path: "/repos/" + l.Login + "/project/git/blobs/"}, 1)
			},
			wait:   2 * time.Minute,
			status: review.StatusRunning,
		},
	}
	for _, tc := range cases {
		for _, final := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, final=%v", tc.name, final), func(t *testing.T) {
				t.Parallel()
				e := newEnv(t)
				l, link := project(t, e)
				r := e.request(t, l.ID, link.ID, "", 0)
				jobs := e.jobs.Take()
				tc.limit(e, l)
				start := time.Now()
				err := e.svc.RunReview(ctx, jobs[0].ReviewID, final)
				var rl *review.RateLimitedError
				require.ErrorAs(t, err, &rl, "even on the final attempt: the job waits, it does not fail")
				assert.WithinDuration(t, start.Add(tc.wait), rl.RetryAt, 5*time.Second)
				got := e.get(t, r)
				assert.Equal(t, tc.status, got.Status, "the review stays active")
				assert.Empty(t, got.FailureCode)
				assert.Empty(t, e.llm.Requests())
				assert.NotEmpty(t, e.githubIdentity(t, l.ID).AccessTokenSealed)

				// Once the limit is over the same job completes.
				e.llm.Answer(plainAnswer())
				require.NoError(t, e.svc.RunReview(ctx, r.ID, final))
				got = e.get(t, r)
				assert.Equal(t, review.StatusCompleted, got.Status)
			})
		}
	}
}

func TestRunReviewOfADeletedReviewEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l, link := project(t, e)
	r := e.request(t, l.ID, link.ID, "", 0)
	require.NoError(t, e.svc.Unlink(ctx, l.ID, link.ID))
	e.gh.ResetStats()
	for _, final := range []bool{false, true} {
		assert.NoError(t, e.svc.RunReview(ctx, r.ID, final))
	}
	assert.NoError(t, e.svc.RunReview(ctx, "0190c5c2-0000-7000-8000-000000000000", false), "an unknown review")
	assert.Empty(t, e.gh.Requests())
	assert.Empty(t, e.llm.Requests())
}

// The learner unlinks the repository while the model reviews it: the job
// ends quietly, nothing is written back.
func TestRunReviewOfAReviewDeletedWhileRunning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l, link := project(t, e)
	r := e.request(t, l.ID, link.ID, "", 0)
	e.llm.Func(func(int, llm.Request) (string, error) {
		if err := e.svc.Unlink(ctx, l.ID, link.ID); err != nil {
			return "", err
		}
		return plainAnswer(), nil
	})
	for _, final := range []bool{false, true} {
		assert.NoError(t, e.svc.RunReview(ctx, r.ID, final), "final=%v", final)
	}
	_, err := e.svc.GetReview(ctx, l.ID, link.ID, r.ID)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	assert.Len(t, e.llm.Requests(), 1)
}

// The review is deleted, or finished by a duplicate delivery, after the
// job loaded it and before it starts: the job ends quietly.
func TestRunReviewOfAReviewThatEndedBeforeItStarted(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		end  func(t *testing.T, e *env, l learner, link review.RepoLink, r review.Review)
	}{
		{"unlinked", func(t *testing.T, e *env, l learner, link review.RepoLink, r review.Review) {
			require.NoError(t, e.svc.Unlink(ctx, l.ID, link.ID))
		}},
		{"completed by another run", func(t *testing.T, e *env, l learner, link review.RepoLink, r review.Review) {
			e.llm.Answer(plainAnswer())
			require.NoError(t, e.svc.RunReview(ctx, r.ID, false))
			require.Equal(t, review.StatusCompleted, e.get(t, r).Status)
		}},
	}
	for _, tc := range cases {
		for _, final := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, final=%v", tc.name, final), func(t *testing.T) {
				t.Parallel()
				hook := &hookedGitHub{}
				e := newEnvWith(t, envOption{wrap: func(g ports.GitHub) ports.GitHub { hook.GitHub = g; return hook }})
				l, link := project(t, e)
				r := e.request(t, l.ID, link.ID, "", 0)
				hook.set(func() {
					hook.set(nil) // once: the inner run goes through
					tc.end(t, e, l, link, r)
				})
				before, _ := e.svc.GetReview(ctx, l.ID, link.ID, r.ID)
				assert.NoError(t, e.svc.RunReview(ctx, r.ID, final))
				after, err := e.svc.GetReview(ctx, l.ID, link.ID, r.ID)
				if err == nil {
					assert.Equal(t, review.StatusCompleted, after.Status, "the other run's result is kept")
					assert.NotEqual(t, before, after)
				}
			})
		}
	}
}

// The review finished (a duplicate delivery ran it) while this run asked
// the model: the finished review is kept as it is.
func TestRunReviewTwiceConcurrently(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l, link := project(t, e)
	r := e.request(t, l.ID, link.ID, "", 0)
	inner := make(chan error, 1)
	e.llm.Func(func(n int, _ llm.Request) (string, error) {
		if n == 0 {
			inner <- e.svc.RunReview(ctx, r.ID, false) // the duplicate, completing first
			return wireAnswer{Summary: "First run."}.JSON(), nil
		}
		return wireAnswer{Summary: "Second run."}.JSON(), nil
	})
	require.NoError(t, e.svc.RunReview(ctx, r.ID, false))
	require.NoError(t, <-inner)
	got := e.get(t, r)
	assert.Equal(t, review.StatusCompleted, got.Status)
	assert.Equal(t, "Second run.", got.Result.Summary, "the run that finished first wins")
	assert.Equal(t, 2, got.Attempts)
}

// An attempt that runs out of its time is retried; the last one records
// the timeout instead of leaving the review pending.
func TestRunReviewTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l, link := project(t, e)
	r := e.request(t, l.ID, link.ID, "", 0)
	var runCtx context.Context
	e.llm.Func(func(int, llm.Request) (string, error) {
		<-runCtx.Done() // the model is slower than the job's timeout
		return "", &llm.Error{Kind: llm.ErrCanceled, Provider: "scripted", Msg: "canceled", Err: runCtx.Err()}
	})
	attempt := func(final bool) error {
		c, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		runCtx = c
		return e.svc.RunReview(c, r.ID, final)
	}
	err := attempt(false)
	require.ErrorIs(t, err, context.DeadlineExceeded, "retried")
	assert.Equal(t, review.StatusRunning, e.get(t, r).Status)

	require.NoError(t, attempt(true))
	got := e.get(t, r)
	assert.Equal(t, review.StatusFailed, got.Status)
	assert.Equal(t, reviews.FailTimeout, got.FailureCode)
	assert.Contains(t, got.FailureReason, "too long")
}
