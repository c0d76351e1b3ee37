package reviews_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/account"
	"github.com/codementor/codementor/application/reviews"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
)

// ticketOf reads the connect ticket of a connect URL.
func ticketOf(t *testing.T, connectURL string) string {
	t.Helper()
	u, err := url.Parse(connectURL)
	require.NoError(t, err)
	assert.Equal(t, "http://codementor.test/api/v1/auth/oauth/github", u.Scheme+"://"+u.Host+u.Path)
	ticket := u.Query().Get("connect")
	require.NotEmpty(t, ticket)
	return ticket
}

// scopesAsked redeems a connect ticket (once) and answers the scopes the
// OAuth flow asks GitHub for.
func scopesAsked(t *testing.T, e *env, ticket string) []string {
	t.Helper()
	start, err := e.f.Service.StartOAuthConnect(ctx, "github", ticket)
	require.NoError(t, err, "the connect URL's ticket starts the OAuth flow")
	u, err := url.Parse(start.RedirectURL)
	require.NoError(t, err)
	_, err = e.f.Service.StartOAuthConnect(ctx, "github", ticket)
	assert.ErrorIs(t, err, account.ErrOAuthState, "a connect ticket is single use")
	return strings.Fields(u.Query().Get("scope"))
}

func TestConnect(t *testing.T) {
	t.Parallel()
	publicScopes := account.GitHubScopes(false)
	privateScopes := account.GitHubScopes(true)
	cases := []struct {
		name        string
		setup       func(t *testing.T, e *env) string // the learner's id
		wantPrivate bool
		want        reviews.ConnectStatus // ConnectURL: "" or "ticket"
		wantScopes  []string              // asked by the connect URL
		forgotten   bool                  // the stored token is dropped
	}{
		{
			name:       "not connected",
			setup:      func(t *testing.T, e *env) string { return e.register(t) },
			want:       reviews.ConnectStatus{Reason: "not_connected", ConnectURL: "ticket"},
			wantScopes: publicScopes,
		},
		{
			name:        "not connected, private repositories wanted",
			setup:       func(t *testing.T, e *env) string { return e.register(t) },
			wantPrivate: true,
			want:        reviews.ConnectStatus{Reason: "not_connected", ConnectURL: "ticket"},
			wantScopes:  privateScopes,
		},
		{
			name: "connected with the repo scope",
			setup: func(t *testing.T, e *env) string {
				l := e.learner(t, "read:user", "user:email", "repo")
				return l.ID
			},
			wantPrivate: true,
			want: reviews.ConnectStatus{Connected: true, Login: "<login>", Scopes: []string{"read:user", "user:email", "repo"},
				PrivateRepos: true},
		},
		{
			name:  "connected for public repositories",
			setup: func(t *testing.T, e *env) string { return e.learner(t, "read:user", "user:email").ID },
			want: reviews.ConnectStatus{Connected: true, Login: "<login>", Scopes: []string{"read:user", "user:email"},
				PrivateRepos: false},
		},
		{
			name:  "a fine-grained token has no scopes",
			setup: func(t *testing.T, e *env) string { return e.learner(t).ID },
			want:  reviews.ConnectStatus{Connected: true, Login: "<login>", Scopes: []string{}},
		},
		{
			name:        "private repositories wanted without the repo scope",
			setup:       func(t *testing.T, e *env) string { return e.learner(t, "read:user").ID },
			wantPrivate: true,
			want: reviews.ConnectStatus{Connected: true, Login: "<login>", Scopes: []string{"read:user"},
				ConnectURL: "ticket"},
			wantScopes: privateScopes,
		},
		{
			name: "revoked token",
			setup: func(t *testing.T, e *env) string {
				l := e.learner(t, "read:user", "repo")
				e.gh.RevokeToken(l.Token)
				return l.ID
			},
			want:       reviews.ConnectStatus{Reason: "reauthorization_required", ConnectURL: "ticket"},
			wantScopes: publicScopes,
			forgotten:  true,
		},
		{
			name: "a stored token that cannot be opened",
			setup: func(t *testing.T, e *env) string {
				l := e.learner(t, "read:user")
				li := e.githubIdentity(t, l.ID)
				li.AccessTokenSealed = "not-a-sealed-value"
				require.NoError(t, e.f.Deps.Identities.Upsert(ctx, li))
				return l.ID
			},
			want:       reviews.ConnectStatus{Reason: "reauthorization_required", ConnectURL: "ticket"},
			wantScopes: publicScopes,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			id := tc.setup(t, e)
			st, err := e.svc.Connect(ctx, id, tc.wantPrivate)
			require.NoError(t, err)
			want := tc.want
			if want.Login == "<login>" {
				want.Login = e.githubIdentity(t, id).Login
			}
			gotURL := st.ConnectURL
			st.ConnectURL, want.ConnectURL = "", ""
			assert.Equal(t, want, st)
			if tc.want.ConnectURL == "" {
				assert.Empty(t, gotURL)
			} else {
				assert.Equal(t, tc.wantScopes, scopesAsked(t, e, ticketOf(t, gotURL)))
			}
			if tc.forgotten {
				assert.Empty(t, e.githubIdentity(t, id).AccessTokenSealed, "a token GitHub refused is forgotten")
				n := len(e.gh.Requests())
				again, err := e.svc.Connect(ctx, id, false)
				require.NoError(t, err)
				assert.Equal(t, "reauthorization_required", again.Reason)
				assert.Len(t, e.gh.Requests(), n, "a forgotten token is not sent to GitHub again")
			}
		})
	}
}

func TestConnectEachCallIssuesAFreshTicket(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.register(t)
	a, err := e.svc.Connect(ctx, id, false)
	require.NoError(t, err)
	b, err := e.svc.Connect(ctx, id, false)
	require.NoError(t, err)
	ta, tb := ticketOf(t, a.ConnectURL), ticketOf(t, b.ConnectURL)
	assert.NotEqual(t, ta, tb)
	scopesAsked(t, e, ta)
	scopesAsked(t, e, tb)
	_, err = e.f.Service.StartOAuthConnect(ctx, "github", "made-up")
	assert.ErrorIs(t, err, account.ErrOAuthState)
}

func TestConnectWithoutGitHubOAuthConfigured(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, envOption{noProvider: true})
	st, err := e.svc.Connect(ctx, e.register(t), true)
	require.NoError(t, err)
	assert.Equal(t, reviews.ConnectStatus{Reason: "github_not_configured"}, st)

	l := e.learner(t, "read:user")
	st, err = e.svc.Connect(ctx, l.ID, true)
	require.NoError(t, err)
	assert.True(t, st.Connected, "a stored connection still works")
	assert.Empty(t, st.Reason)
	assert.Empty(t, st.ConnectURL, "no URL to a flow that cannot run")
}

func TestConnectWhenGitHubIsUnreachable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		breakIt func(e *env)
	}{
		{"5xx", func(e *env) { e.gh.FailNext(http.StatusBadGateway, 1) }},
		{"connection refused", func(e *env) { e.gh.Close() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			l := e.learner(t, "read:user")
			tc.breakIt(e)
			_, err := e.svc.Connect(ctx, l.ID, false)
			require.Error(t, err)
			assert.ErrorIs(t, err, domain.ErrUnavailable, "a 503-class error")
			assert.ErrorIs(t, err, reviews.ErrGitHubUnavailable)
			assert.Equal(t, "github_unavailable", publicCode(err))
			assert.NotEmpty(t, e.githubIdentity(t, l.ID).AccessTokenSealed, "an outage does not forget the token")
		})
	}
}

func TestConnectWhenGitHubRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.learner(t, "read:user")
	e.gh.SecondaryRateLimit(90*time.Second, 1)
	_, err := e.svc.Connect(ctx, l.ID, false)
	var rl *domain.RateLimitedError
	require.ErrorAs(t, err, &rl)
	assert.InDelta(t, 90, rl.RetryAfter.Seconds(), 5)
}

// A learner's identity of another provider is not a GitHub connection.
func TestConnectIgnoresOtherProviders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.register(t)
	sealed, err := e.f.Deps.Box.Seal([]byte("google-token"))
	require.NoError(t, err)
	require.NoError(t, e.f.Deps.Identities.Upsert(ctx, identity.LinkedIdentity{UserID: id, Provider: "google",
		Subject: "g-1", AccessTokenSealed: sealed, CreatedAt: e.f.Clock.Now(), UpdatedAt: e.f.Clock.Now()}))
	st, err := e.svc.Connect(ctx, id, false)
	require.NoError(t, err)
	assert.Equal(t, "not_connected", st.Reason)
	assert.Empty(t, e.gh.Requests())
}
