package reviews_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/reviews"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/review"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/fakes/githubserver"
)

func TestLink(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   func(owner string) reviews.LinkInput
	}{
		{"by full_name", func(o string) reviews.LinkInput { return reviews.LinkInput{FullName: o + "/hello"} }},
		{"by full_name, other case", func(o string) reviews.LinkInput { return reviews.LinkInput{FullName: o + "/HELLO"} }},
		{"by URL", func(o string) reviews.LinkInput { return reviews.LinkInput{URL: "https://github.com/" + o + "/hello"} }},
		{"by URL with .git and a path", func(o string) reviews.LinkInput {
			return reviews.LinkInput{URL: "https://github.com/" + o + "/hello.git"}
		}},
		{"by URL to a tree", func(o string) reviews.LinkInput {
			return reviews.LinkInput{URL: "https://github.com/" + o + "/hello/tree/main/src"}
		}},
		{"by SSH remote", func(o string) reviews.LinkInput { return reviews.LinkInput{URL: "git@github.com:" + o + "/hello.git"} }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			l := e.learner(t, "read:user")
			e.gh.AddRepo(githubserver.Repo{Owner: l.Login, Name: "Hello", ID: 4242, DefaultBranch: "trunk", Language: "Go",
				Files: map[string]string{"main.go": "package main\n"}})
			before := e.f.Clock.Now()
			in := tc.in(l.Login)
			in.UserID = l.ID
			got, err := e.svc.Link(ctx, in)
			require.NoError(t, err)
			assert.NotEmpty(t, got.ID)
			assert.Equal(t, l.ID, got.OwnerID)
			assert.Equal(t, int64(4242), got.GitHubID)
			assert.Equal(t, l.Login+"/Hello", got.FullName, "as GitHub spells it")
			assert.Equal(t, "trunk", got.DefaultBranch)
			assert.Equal(t, review.Public, got.Visibility)
			assert.Equal(t, "Go", got.Language)
			assert.Equal(t, review.LinkActive, got.Status)
			assert.Empty(t, got.BrokenReason)
			assert.Equal(t, before, got.CreatedAt)

			items, next, err := e.svc.ListLinks(ctx, l.ID, ports.Page{Limit: 10})
			require.NoError(t, err)
			assert.Empty(t, next)
			require.Len(t, items, 1)
			assert.Equal(t, got.ID, items[0].ID)
		})
	}
}

func TestLinkRefusesBadNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.learner(t, "read:user")
	cases := []struct {
		name  string
		in    reviews.LinkInput
		field string
	}{
		{"nothing", reviews.LinkInput{}, "full_name"},
		{"both", reviews.LinkInput{FullName: "octo/hello", URL: "https://github.com/octo/hello"}, "full_name"},
		{"owner only", reviews.LinkInput{FullName: "octo"}, "full_name"},
		{"spaces", reviews.LinkInput{FullName: "octo / hello"}, "full_name"},
		{"owner with a leading hyphen", reviews.LinkInput{FullName: "-octo/hello"}, "full_name"},
		{"owner with a double hyphen", reviews.LinkInput{FullName: "oc--to/hello"}, "full_name"},
		{"owner too long", reviews.LinkInput{FullName: "a234567890123456789012345678901234567890/x"}, "full_name"},
		{"name with a slash-encoded part", reviews.LinkInput{URL: "https://github.com/octo/he%2Fllo"}, "url"},
		{"name ..", reviews.LinkInput{FullName: "octo/.."}, "full_name"},
		{"three segments without a host", reviews.LinkInput{FullName: "octo/hello/extra"}, "full_name"},
		{"URL without a name", reviews.LinkInput{URL: "https://github.com/octo"}, "url"},
		{"URL of another scheme", reviews.LinkInput{URL: "ftp://github.com/octo/hello"}, "url"},
		{"URL with bad characters", reviews.LinkInput{URL: "https://github.com/oc$to/hello"}, "url"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.in.UserID = l.ID
			_, err := e.svc.Link(ctx, tc.in)
			require.Error(t, err)
			assert.Equal(t, []string{tc.field}, validationFields(t, err))
		})
	}
	assert.Empty(t, e.gh.Requests(), "nothing malformed reaches GitHub")
	items, _, err := e.svc.ListLinks(ctx, l.ID, ports.Page{})
	require.NoError(t, err)
	assert.Empty(t, items)
}

func TestLinkFailures(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		scopes []string
		setup  func(t *testing.T, e *env, l learner) string // the full name to link
		// unconnected: the learner has no GitHub identity at all.
		unconnected bool
		code        string
		kind        error
	}{
		{
			name: "not connected", scopes: nil,
			setup: func(t *testing.T, e *env, l learner) string {
				e.repo(l.Login, "hello", map[string]string{"a.py": "x = 1\n"})
				return l.Login + "/hello"
			},
			unconnected: true, code: "github_not_connected", kind: domain.ErrConflict,
		},
		{
			name: "unknown repository", scopes: []string{"read:user", "repo"},
			setup: func(t *testing.T, e *env, l learner) string { return l.Login + "/nothing-here" },
			code:  "repository_not_found", kind: domain.ErrNotFound,
		},
		{
			name: "someone else's private repository", scopes: []string{"read:user", "repo"},
			setup: func(t *testing.T, e *env, l learner) string {
				e.gh.AddRepo(githubserver.Repo{Owner: "someone", Name: "secret", Private: true,
					Files: map[string]string{"a.py": "x = 1\n"}})
				return "someone/secret"
			},
			code: "repository_not_found", kind: domain.ErrNotFound,
		},
		{
			name: "own private repository without the repo scope", scopes: []string{"read:user"},
			setup: func(t *testing.T, e *env, l learner) string {
				e.gh.AddRepo(githubserver.Repo{Owner: l.Login, Name: "mine", Private: true,
					Files: map[string]string{"a.py": "x = 1\n"}})
				return l.Login + "/mine"
			},
			code: "repository_not_found", kind: domain.ErrNotFound,
		},
		{
			name: "revoked token", scopes: []string{"read:user"},
			setup: func(t *testing.T, e *env, l learner) string {
				e.repo(l.Login, "hello", map[string]string{"a.py": "x = 1\n"})
				e.gh.RevokeToken(l.Token)
				return l.Login + "/hello"
			},
			code: "github_reauthorization_required", kind: domain.ErrConflict,
		},
		{
			name: "GitHub down", scopes: []string{"read:user"},
			setup: func(t *testing.T, e *env, l learner) string {
				e.repo(l.Login, "hello", map[string]string{"a.py": "x = 1\n"})
				e.gh.FailNext(503, 1)
				return l.Login + "/hello"
			},
			code: "github_unavailable", kind: domain.ErrUnavailable,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			l := learner{ID: e.register(t), Login: "nobody"}
			if !tc.unconnected {
				l = e.learner(t, tc.scopes...)
			}
			name := tc.setup(t, e, l)
			_, err := e.svc.Link(ctx, reviews.LinkInput{UserID: l.ID, FullName: name})
			require.Error(t, err)
			assert.Equal(t, tc.code, publicCode(err), err.Error())
			assert.ErrorIs(t, err, tc.kind)
			items, _, err := e.svc.ListLinks(ctx, l.ID, ports.Page{})
			require.NoError(t, err)
			assert.Empty(t, items, "nothing was linked")
		})
	}
}

func TestLinkRevokedTokenIsForgotten(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.learner(t, "read:user")
	e.repo(l.Login, "hello", map[string]string{"a.py": "x = 1\n"})
	e.gh.RevokeToken(l.Token)
	_, err := e.svc.Link(ctx, reviews.LinkInput{UserID: l.ID, FullName: l.Login + "/hello"})
	require.ErrorIs(t, err, reviews.ErrReauthorize)
	assert.Empty(t, e.githubIdentity(t, l.ID).AccessTokenSealed)
	st, err := e.svc.Connect(ctx, l.ID, false)
	require.NoError(t, err)
	assert.Equal(t, "reauthorization_required", st.Reason)
}

func TestLinkPrivateRepositoryWithTheRepoScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.learner(t, "read:user", "repo")
	e.gh.AddRepo(githubserver.Repo{Owner: l.Login, Name: "mine", Private: true, Files: map[string]string{"a.py": "x = 1\n"}})
	e.gh.AddRepo(githubserver.Repo{Owner: "team", Name: "shared", Private: true, Collaborators: []string{l.Login},
		Files: map[string]string{"a.py": "x = 1\n"}})
	mine := e.link(t, l.ID, l.Login+"/mine")
	assert.Equal(t, review.Private, mine.Visibility)
	shared := e.link(t, l.ID, "team/shared")
	assert.Equal(t, review.Private, shared.Visibility, "a collaborator may link it")
}

func TestLinkTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.learner(t, "read:user")
	e.repo(l.Login, "hello", map[string]string{"a.py": "x = 1\n"})
	first := e.link(t, l.ID, l.Login+"/hello")
	for _, in := range []reviews.LinkInput{
		{UserID: l.ID, FullName: l.Login + "/hello"},
		{UserID: l.ID, URL: "https://github.com/" + l.Login + "/HELLO.git"},
	} {
		_, err := e.svc.Link(ctx, in)
		assert.ErrorIs(t, err, reviews.ErrAlreadyLinked)
		assert.ErrorIs(t, err, domain.ErrConflict)
		assert.Equal(t, "already_linked", publicCode(err))
	}
	items, _, err := e.svc.ListLinks(ctx, l.ID, ports.Page{})
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.Equal(t, first.ID, items[0].ID)

	// Another learner links the same repository: links are per learner.
	other := e.learner(t, "read:user")
	e.link(t, other.ID, l.Login+"/hello")
}

func TestListAndUnlink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.learner(t, "read:user")
	var ids []string
	for _, name := range []string{"one", "two", "three"} {
		e.repo(l.Login, name, map[string]string{"a.py": "x = 1\n"})
		ids = append(ids, e.link(t, l.ID, l.Login+"/"+name).ID)
		e.f.Clock.Advance(time.Second)
	}
	page1, next, err := e.svc.ListLinks(ctx, l.ID, ports.Page{Limit: 2})
	require.NoError(t, err)
	require.Len(t, page1, 2)
	require.NotEmpty(t, next)
	assert.Equal(t, []string{ids[2], ids[1]}, []string{page1[0].ID, page1[1].ID}, "newest first")
	page2, next, err := e.svc.ListLinks(ctx, l.ID, ports.Page{Limit: 2, Cursor: next})
	require.NoError(t, err)
	assert.Empty(t, next)
	require.Len(t, page2, 1)
	assert.Equal(t, ids[0], page2[0].ID)

	// Unlinking takes the link's reviews with it.
	e.llm.Answer(plainAnswer())
	done := e.request(t, l.ID, ids[1], "", 0)
	require.NoError(t, e.runOne(t, true))
	require.Equal(t, review.StatusCompleted, e.get(t, done).Status)
	queued := e.request(t, l.ID, ids[1], "", 0)
	require.NoError(t, e.svc.Unlink(ctx, l.ID, ids[1]))
	for _, r := range []review.Review{done, queued} {
		_, err = e.svc.GetReview(ctx, l.ID, ids[1], r.ID)
		assert.ErrorIs(t, err, domain.ErrNotFound)
	}
	_, _, err = e.svc.ListReviews(ctx, l.ID, ids[1], ports.Page{})
	assert.ErrorIs(t, err, domain.ErrNotFound)
	assert.NoError(t, e.runOne(t, false), "the queued job finds nothing and ends")
	items, _, err := e.svc.ListLinks(ctx, l.ID, ports.Page{})
	require.NoError(t, err)
	assert.Len(t, items, 2)
	assert.ErrorIs(t, e.svc.Unlink(ctx, l.ID, ids[1]), domain.ErrNotFound, "twice")
	assert.ErrorIs(t, e.svc.Unlink(ctx, l.ID, "not-a-uuid"), domain.ErrNotFound)

	// The repository can be linked again, afresh.
	again := e.link(t, l.ID, l.Login+"/two")
	assert.NotEqual(t, ids[1], again.ID)
}

// Another learner's link and reviews are not found, by any use case.
func TestAnotherLearnersLinkIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.learner(t, "read:user")
	e.repo(owner.Login, "hello", map[string]string{"a.py": "x = 1\n"})
	link := e.link(t, owner.ID, owner.Login+"/hello")
	r := e.request(t, owner.ID, link.ID, "", 0)
	e.jobs.Take()

	eve := e.learner(t, "read:user")
	items, _, err := e.svc.ListLinks(ctx, eve.ID, ports.Page{})
	require.NoError(t, err)
	assert.Empty(t, items)
	_, _, err = e.svc.ListReviews(ctx, eve.ID, link.ID, ports.Page{})
	assert.ErrorIs(t, err, domain.ErrNotFound)
	_, err = e.svc.GetReview(ctx, eve.ID, link.ID, r.ID)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	_, _, err = e.svc.RequestReview(ctx, reviews.RequestInput{UserID: eve.ID, LinkID: link.ID})
	assert.ErrorIs(t, err, domain.ErrNotFound)
	_, _, err = e.svc.RequestReview(ctx, reviews.RequestInput{UserID: eve.ID, LinkID: link.ID, PullNumber: 1})
	assert.ErrorIs(t, err, domain.ErrNotFound)
	assert.ErrorIs(t, e.svc.Unlink(ctx, eve.ID, link.ID), domain.ErrNotFound)
	assert.Empty(t, e.jobs.Pending(), "nothing was queued for eve")

	// Eve's own link of the same repository does not open the owner's reviews.
	eveLink := e.link(t, eve.ID, owner.Login+"/hello")
	_, err = e.svc.GetReview(ctx, eve.ID, eveLink.ID, r.ID)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	_, err = e.svc.GetReview(ctx, eve.ID, link.ID, r.ID)
	assert.ErrorIs(t, err, domain.ErrNotFound)

	// The owner still has everything.
	got, err := e.svc.GetReview(ctx, owner.ID, link.ID, r.ID)
	require.NoError(t, err)
	assert.Equal(t, r.ID, got.ID)
	items, _, err = e.svc.ListLinks(ctx, owner.ID, ports.Page{})
	require.NoError(t, err)
	require.Len(t, items, 1)
}

// A link broken by a vanished repository comes back when the learner links
// the repository again once GitHub can read it; a repository recreated
// under the same name is another repository.
func TestLinkAgainRevivesABrokenLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.learner(t, "read:user")
	e.repo(l.Login, "hello", map[string]string{"a.py": "x = 1\n"})
	link := e.link(t, l.ID, l.Login+"/hello")
	failed := e.request(t, l.ID, link.ID, "", 0)
	e.gh.DeleteRepo(l.Login, "hello")
	require.NoError(t, e.runOne(t, false))
	broken, err := memoryLinks(e).Get(ctx, l.ID, link.ID)
	require.NoError(t, err)
	require.Equal(t, review.LinkBroken, broken.Status)

	_, err = e.svc.Link(ctx, reviews.LinkInput{UserID: l.ID, FullName: l.Login + "/hello"})
	assert.ErrorIs(t, err, reviews.ErrRepoNotFound, "still gone")

	e.gh.AddRepo(githubserver.Repo{Owner: l.Login, Name: "hello", ID: link.GitHubID, Files: map[string]string{"a.py": "x = 2\n"}})
	e.f.Clock.Advance(time.Minute)
	again, err := e.svc.Link(ctx, reviews.LinkInput{UserID: l.ID, URL: "https://github.com/" + l.Login + "/hello"})
	require.NoError(t, err)
	assert.Equal(t, link.ID, again.ID, "the same link")
	assert.Equal(t, review.LinkActive, again.Status)
	assert.Empty(t, again.BrokenReason)
	assert.Equal(t, e.f.Clock.Now(), again.UpdatedAt)
	got, err := e.svc.GetReview(ctx, l.ID, link.ID, failed.ID)
	require.NoError(t, err, "its reviews are kept")
	assert.Equal(t, reviews.FailRepoGone, got.FailureCode)
	e.llm.Answer(plainAnswer())
	r := e.request(t, l.ID, link.ID, "", 0)
	require.NoError(t, e.runOne(t, false))
	assert.Equal(t, review.StatusCompleted, e.get(t, r).Status)

	_, err = e.svc.Link(ctx, reviews.LinkInput{UserID: l.ID, FullName: l.Login + "/hello"})
	assert.ErrorIs(t, err, reviews.ErrAlreadyLinked, "an active link")

	// Deleted and created afresh: GitHub gives it another id.
	e.gh.DeleteRepo(l.Login, "hello")
	e.gh.AddRepo(githubserver.Repo{Owner: l.Login, Name: "hello", Files: map[string]string{"b.py": "y = 1\n"}})
	fresh := e.link(t, l.ID, l.Login+"/hello")
	assert.NotEqual(t, link.ID, fresh.ID)
	assert.NotEqual(t, link.GitHubID, fresh.GitHubID)
}
