package reviews_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/reviews"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
)

// linked is a learner with a linked repository (a Python file on main).
func linked(t *testing.T, e *env) (learner, review.RepoLink) {
	t.Helper()
	l := e.learner(t, "read:user")
	e.repo(l.Login, "hello", map[string]string{"app/main.py": "def main():\n    return 1\n"})
	return l, e.link(t, l.ID, l.Login+"/hello")
}

func TestRequestReviewQueuesAJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l, link := linked(t, e)
	e.gh.ResetStats()
	r, created, err := e.svc.RequestReview(ctx, reviews.RequestInput{UserID: l.ID, LinkID: link.ID})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, review.StatusQueued, r.Status)
	assert.Equal(t, link.ID, r.LinkID)
	assert.Equal(t, l.ID, r.OwnerID)
	assert.Empty(t, r.Ref, "the default branch, resolved when the job runs")
	assert.Empty(t, r.CommitSHA)
	assert.Zero(t, r.Attempts)
	assert.Equal(t, e.f.Clock.Now(), r.CreatedAt)
	assert.Equal(t, []ports.ReviewJob{{ReviewID: r.ID, DedupKey: r.DedupKey()}}, e.jobs.Pending())
	assert.Empty(t, e.gh.Requests(), "asking for a review does not call GitHub")
	assert.Empty(t, e.llm.Requests())

	got := e.get(t, r)
	assert.Equal(t, r.ID, got.ID)
	list, _, err := e.svc.ListReviews(ctx, l.ID, link.ID, ports.Page{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, r.ID, list[0].ID)
}

func TestRequestReviewDeduplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l, link := linked(t, e)
	first := e.request(t, l.ID, link.ID, "", 0)
	require.Len(t, e.jobs.Pending(), 1)

	cases := []struct {
		name    string
		in      reviews.RequestInput
		same    bool
		wantRef string
	}{
		{"identical", reviews.RequestInput{}, true, ""},
		{"identical, ref with spaces around", reviews.RequestInput{Ref: "  "}, true, ""},
		{"another ref", reviews.RequestInput{Ref: "develop"}, false, "develop"},
		{"the default branch by name", reviews.RequestInput{Ref: "main"}, true, ""},
		{"the default branch by name, spaces around", reviews.RequestInput{Ref: " main "}, true, ""},
		{"a pull request", reviews.RequestInput{PullNumber: 3}, false, ""},
		{"another pull request", reviews.RequestInput{PullNumber: 4}, false, ""},
	}
	seen := map[string]bool{first.ID: true}
	for _, tc := range cases {
		in := tc.in
		in.UserID, in.LinkID = l.ID, link.ID
		before := len(e.jobs.Pending())
		r, created, err := e.svc.RequestReview(ctx, in)
		require.NoError(t, err, tc.name)
		if tc.same {
			assert.False(t, created, tc.name)
			assert.Equal(t, first.ID, r.ID, tc.name)
			assert.Len(t, e.jobs.Pending(), before, "%s: nothing queued", tc.name)
			continue
		}
		assert.True(t, created, tc.name)
		assert.False(t, seen[r.ID], tc.name)
		seen[r.ID] = true
		assert.Equal(t, tc.wantRef, r.Ref, tc.name)
		assert.Equal(t, in.PullNumber, r.PullNumber, tc.name)
		assert.Len(t, e.jobs.Pending(), before+1, tc.name)
		// The same request again answers it.
		again, created, err := e.svc.RequestReview(ctx, in)
		require.NoError(t, err)
		assert.False(t, created)
		assert.Equal(t, r.ID, again.ID)
	}
}

func TestRequestReviewConcurrentIdenticalRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *reviews.Config) { c.PerDay = 100 })
	l, link := linked(t, e)
	const n = 16
	var wg sync.WaitGroup
	ids := make([]string, n)
	created := make([]bool, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			r, c, err := e.svc.RequestReview(ctx, reviews.RequestInput{UserID: l.ID, LinkID: link.ID, Ref: "main"})
			ids[i], created[i], errs[i] = r.ID, c, err
		})
	}
	close(start)
	wg.Wait()
	nCreated := 0
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, ids[0], ids[i], "one review for all")
		if created[i] {
			nCreated++
		}
	}
	assert.Equal(t, 1, nCreated)
	assert.Len(t, e.jobs.Pending(), 1)
	list, _, err := e.svc.ListReviews(ctx, l.ID, link.ID, ports.Page{})
	require.NoError(t, err)
	assert.Len(t, list, 1)
}

func TestRequestReviewAfterCompletionIsANewReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l, link := linked(t, e)
	e.llm.Answer(plainAnswer(), plainAnswer())
	first := e.request(t, l.ID, link.ID, "", 0)
	require.NoError(t, e.runOne(t, false))
	require.Equal(t, review.StatusCompleted, e.get(t, first).Status)

	second := e.request(t, l.ID, link.ID, "", 0)
	assert.NotEqual(t, first.ID, second.ID)
	require.NoError(t, e.runOne(t, false))
	assert.Equal(t, review.StatusCompleted, e.get(t, second).Status)

	// And after a failure too.
	e.gh.FailNext(500, 100)
	third := e.request(t, l.ID, link.ID, "", 0)
	require.NoError(t, e.runOne(t, true))
	require.Equal(t, review.StatusFailed, e.get(t, third).Status)
	e.gh.ClearFailures()
	fourth := e.request(t, l.ID, link.ID, "", 0)
	assert.NotEqual(t, third.ID, fourth.ID)

	list, _, err := e.svc.ListReviews(ctx, l.ID, link.ID, ports.Page{})
	require.NoError(t, err)
	assert.Len(t, list, 4)
}

func TestRequestReviewValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l, link := linked(t, e)
	cases := []struct {
		name  string
		in    reviews.RequestInput
		field string
	}{
		{"ref and pull number", reviews.RequestInput{Ref: "main", PullNumber: 2}, "ref"},
		{"negative pull number", reviews.RequestInput{PullNumber: -1}, "pull_number"},
		{"huge pull number", reviews.RequestInput{PullNumber: 1<<30 + 1}, "pull_number"},
		{"ref with ..", reviews.RequestInput{Ref: "main..dev"}, "ref"},
		{"ref with a space", reviews.RequestInput{Ref: "my branch"}, "ref"},
		{"ref starting with -", reviews.RequestInput{Ref: "-rf"}, "ref"},
		{"ref with a colon", reviews.RequestInput{Ref: "a:b"}, "ref"},
		{"ref with @{", reviews.RequestInput{Ref: "main@{1}"}, "ref"},
		{"ref ending in .lock", reviews.RequestInput{Ref: "main.lock"}, "ref"},
		{"ref with a control character", reviews.RequestInput{Ref: "ma\x01in"}, "ref"},
		{"ref too long", reviews.RequestInput{Ref: string(make([]byte, 251))}, "ref"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := tc.in
			in.UserID, in.LinkID = l.ID, link.ID
			_, _, err := e.svc.RequestReview(ctx, in)
			require.Error(t, err)
			assert.Equal(t, []string{tc.field}, validationFields(t, err))
		})
	}
	t.Cleanup(func() { assert.Empty(t, e.jobs.Pending()) })
}

func TestRequestReviewAcceptsRefs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *reviews.Config) { c.PerDay = 100 })
	l, link := linked(t, e)
	for _, ref := range []string{"feature/login-form", "v1.2.3", "refs/heads/dev", "0123abc", "release_2025.01", "MAIN"} {
		r := e.request(t, l.ID, link.ID, ref, 0)
		assert.Equal(t, ref, r.Ref)
	}
	r := e.request(t, l.ID, link.ID, "main", 0)
	assert.Empty(t, r.Ref, "the default branch named is the default branch")
}

func TestRequestReviewDailyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *reviews.Config) { c.PerDay = 2 })
	l, link := linked(t, e)
	e.request(t, l.ID, link.ID, "", 0)
	e.request(t, l.ID, link.ID, "dev", 0)
	_, _, err := e.svc.RequestReview(ctx, reviews.RequestInput{UserID: l.ID, LinkID: link.ID, Ref: "other"})
	var rl *domain.RateLimitedError
	require.ErrorAs(t, err, &rl)
	now := e.f.Clock.Now().UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	assert.Equal(t, midnight.Sub(now), rl.RetryAfter, "until the next UTC midnight")
	assert.Contains(t, rl.Reason, "2")
	assert.True(t, rl.Public, "written for the learner")
	assert.Len(t, e.jobs.Pending(), 2, "nothing queued")
	_, _, err = e.svc.RequestReview(ctx, reviews.RequestInput{UserID: l.ID, LinkID: link.ID, Ref: "dev"})
	assert.ErrorAs(t, err, &rl, "at the limit, even an identical pending request is refused (documented)")

	// Other learners have their own allowance.
	other, otherLink := linked(t, e)
	e.request(t, other.ID, otherLink.ID, "", 0)

	// Unlinking does not give requests back.
	e.repo(l.Login, "second", map[string]string{"a.py": "x = 1\n"})
	second := e.link(t, l.ID, l.Login+"/second")
	require.NoError(t, e.svc.Unlink(ctx, l.ID, link.ID))
	_, _, err = e.svc.RequestReview(ctx, reviews.RequestInput{UserID: l.ID, LinkID: second.ID})
	require.ErrorAs(t, err, &rl)

	// A new UTC day, a new allowance.
	e.f.Clock.Advance(midnight.Sub(now))
	e.request(t, l.ID, second.ID, "", 0)
}

func TestRequestReviewTurnedOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *reviews.Config) { c.PerDay = 0 })
	l, link := linked(t, e)
	_, _, err := e.svc.RequestReview(ctx, reviews.RequestInput{UserID: l.ID, LinkID: link.ID})
	var rl *domain.RateLimitedError
	require.ErrorAs(t, err, &rl)
	assert.Empty(t, e.jobs.Pending())
}

func TestRequestReviewFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(t *testing.T, e *env, l learner, link review.RepoLink) string // the link id
		code  string
		kind  error
	}{
		{
			name: "unknown link",
			setup: func(t *testing.T, e *env, l learner, link review.RepoLink) string {
				return "0190c5c2-0000-7000-8000-000000000000"
			},
			kind: domain.ErrNotFound,
		},
		{
			name:  "malformed link id",
			setup: func(t *testing.T, e *env, l learner, link review.RepoLink) string { return "nope" },
			kind:  domain.ErrNotFound,
		},
		{
			name: "broken link",
			setup: func(t *testing.T, e *env, l learner, link review.RepoLink) string {
				require.NoError(t, memoryLinks(e).SetStatus(ctx, link.ID, review.LinkBroken, "gone", e.f.Clock.Now()))
				return link.ID
			},
			code: "repository_unavailable", kind: domain.ErrConflict,
		},
		{
			name: "token forgotten",
			setup: func(t *testing.T, e *env, l learner, link review.RepoLink) string {
				li := e.githubIdentity(t, l.ID)
				li.AccessTokenSealed = ""
				require.NoError(t, e.f.Deps.Identities.Upsert(ctx, li))
				return link.ID
			},
			code: "github_reauthorization_required", kind: domain.ErrConflict,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			l, link := linked(t, e)
			id := tc.setup(t, e, l, link)
			_, _, err := e.svc.RequestReview(ctx, reviews.RequestInput{UserID: l.ID, LinkID: id})
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.kind)
			assert.Equal(t, tc.code, publicCode(err))
			assert.Empty(t, e.jobs.Pending())
		})
	}
}

// A link broken by a review of a deleted repository refuses new requests.
func TestRequestReviewOnALinkBrokenByARun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l, link := linked(t, e)
	e.request(t, l.ID, link.ID, "", 0)
	e.gh.DeleteRepo(l.Login, "hello")
	require.NoError(t, e.runOne(t, false))
	_, _, err := e.svc.RequestReview(ctx, reviews.RequestInput{UserID: l.ID, LinkID: link.ID, Ref: "dev"})
	assert.ErrorIs(t, err, domain.ErrConflict)
	assert.Equal(t, "repository_unavailable", publicCode(err))
}
