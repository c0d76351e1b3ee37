package oauth_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/codementor/codementor/adapters/oauth"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/fakes/oauthserver"
)

const (
	githubCallback = "http://app.test/api/v1/auth/github/callback"
	googleCallback = "http://app.test/api/v1/auth/google/callback"
)

func newGitHub(t *testing.T, fake *oauthserver.GitHub, edit ...func(*oauth.GitHubOptions)) *oauth.GitHub {
	t.Helper()
	o := oauth.GitHubOptions{
		ClientID:     fake.ClientID(),
		ClientSecret: fake.ClientSecret(),
		RedirectURL:  githubCallback,
		AuthURL:      fake.URL(),
		APIURL:       fake.URL(),
		Timeout:      5 * time.Second,
	}
	for _, e := range edit {
		e(&o)
	}
	p, err := oauth.NewGitHub(o)
	require.NoError(t, err)
	return p
}

func newGoogle(t *testing.T, fake *oauthserver.Google, edit ...func(*oauth.GoogleOptions)) *oauth.Google {
	t.Helper()
	o := oauth.GoogleOptions{
		ClientID:     fake.ClientID(),
		ClientSecret: fake.ClientSecret(),
		RedirectURL:  googleCallback,
		BaseURL:      fake.URL(),
		Timeout:      5 * time.Second,
	}
	for _, e := range edit {
		e(&o)
	}
	p, err := oauth.NewGoogle(o)
	require.NoError(t, err)
	return p
}

// signIn runs the browser's part of the flow, then the callback's exchange.
func signIn(t *testing.T, p ports.OAuthProvider, scopes ...string) (ports.OAuthIdentity, string, error) {
	t.Helper()
	state, verifier := oauth.NewState(), oauth.NewVerifier()
	code, gotState := oauthserver.Authorize(t, p.AuthCodeURL(state, verifier, scopes))
	require.Equal(t, state, gotState, "the provider hands the state back untouched")
	id, err := p.Exchange(context.Background(), code, verifier)
	return id, verifier, err
}

// assertClean checks an error names none of the given secrets.
func assertClean(t *testing.T, err error, secrets ...string) {
	t.Helper()
	require.Error(t, err)
	t.Log(err)
	for _, s := range secrets {
		require.NotEmpty(t, s)
		assert.NotContains(t, err.Error(), s, "error text leaks a secret")
	}
}

func TestGitHubSignIn(t *testing.T) {
	t.Parallel()
	fake := oauthserver.NewGitHub(t, oauthserver.GitHubConfig{CallbackURL: githubCallback})
	p := newGitHub(t, fake)
	assert.Equal(t, "github", p.Name())

	id, verifier, err := signIn(t, p)
	require.NoError(t, err)

	tokens := fake.IssuedTokens()
	require.Len(t, tokens, 1)
	assert.Equal(t, ports.OAuthIdentity{
		Provider:      "github",
		Subject:       "583231",
		Email:         "octocat@github.com",
		EmailVerified: true,
		Login:         "octocat",
		Name:          "The Octocat",
		AvatarURL:     "https://avatars.githubusercontent.com/u/583231?v=4",
		AccessToken:   tokens[0],
		Scopes:        []string{"read:user", "user:email"},
	}, id)

	g := fake.LastGrant(t)
	assert.Equal(t, "S256", g.CodeChallengeMethod)
	assert.Equal(t, oauth2.S256ChallengeFromVerifier(verifier), g.CodeChallenge)
	assert.Equal(t, verifier, g.Verifier)
	assert.True(t, g.VerifierMatched)
	assert.Equal(t, githubCallback, g.RedirectURI)
	assert.Equal(t, 1, g.Exchanges)

	var apiCalls int
	for _, r := range fake.Requests() {
		switch r.Path {
		case "/login/oauth/access_token":
			assert.Equal(t, fake.ClientID(), r.Form.Get("client_id"))
			assert.Equal(t, verifier, r.Form.Get("code_verifier"))
			assert.Equal(t, "authorization_code", r.Form.Get("grant_type"))
		case "/user", "/user/emails":
			apiCalls++
			assert.Equal(t, "Bearer "+tokens[0], r.Header.Get("Authorization"))
			assert.Equal(t, "application/vnd.github+json", r.Header.Get("Accept"))
			assert.Equal(t, "2022-11-28", r.Header.Get("X-GitHub-Api-Version"))
		}
	}
	assert.Equal(t, 2, apiCalls)
}

func TestGitHubAuthCodeURL(t *testing.T) {
	t.Parallel()
	p, err := oauth.NewGitHub(oauth.GitHubOptions{ClientID: "cid", ClientSecret: "sec", RedirectURL: githubCallback})
	require.NoError(t, err)

	u, err := url.Parse(p.AuthCodeURL("the-state", "the-verifier-the-verifier-the-verifier-0123", nil))
	require.NoError(t, err)
	assert.Equal(t, "https://github.com/login/oauth/authorize", u.Scheme+"://"+u.Host+u.Path, "github.com by default")
	q := u.Query()
	assert.Equal(t, "cid", q.Get("client_id"))
	assert.Equal(t, githubCallback, q.Get("redirect_uri"))
	assert.Equal(t, "the-state", q.Get("state"))
	assert.Equal(t, "read:user user:email", q.Get("scope"))
	assert.Equal(t, "code", q.Get("response_type"))
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.Equal(t, oauth2.S256ChallengeFromVerifier("the-verifier-the-verifier-the-verifier-0123"), q.Get("code_challenge"))
	assert.NotContains(t, u.String(), "sec", "the secret never goes to the browser")
	assert.NotContains(t, u.String(), "the-verifier", "only the challenge goes to the browser")

	u, err = url.Parse(p.AuthCodeURL("s", "v", []string{"repo", "read:user"}))
	require.NoError(t, err)
	assert.Equal(t, "repo read:user", u.Query().Get("scope"), "scopes override the defaults")
}

func TestGitHubEmails(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		user         oauthserver.GitHubUser
		scopes       []string
		wantEmail    string
		wantVerified bool
		wantScopes   []string
	}{
		"unverified primary email": {
			user: oauthserver.GitHubUser{ID: 7, Login: "newbie", PublicEmail: "new@example.com", Emails: []oauthserver.GitHubEmail{
				{Email: "new@example.com", Primary: true, Verified: false},
				{Email: "old@example.com", Verified: true},
			}},
			wantEmail: "new@example.com", wantVerified: false,
			wantScopes: []string{"read:user", "user:email"},
		},
		"no public email: the emails endpoint decides": {
			user: oauthserver.GitHubUser{ID: 8, Login: "private", Emails: []oauthserver.GitHubEmail{
				{Email: "8+private@users.noreply.github.com", Verified: true},
				{Email: "private@example.com", Primary: true, Verified: true, Visibility: "private"},
			}},
			wantEmail: "private@example.com", wantVerified: true,
			wantScopes: []string{"read:user", "user:email"},
		},
		"without user:email the public email is kept, unverified": {
			user: oauthserver.GitHubUser{ID: 9, Login: "public", PublicEmail: "public@example.com", Emails: []oauthserver.GitHubEmail{
				{Email: "public@example.com", Primary: true, Verified: true},
			}},
			scopes:    []string{"read:user"},
			wantEmail: "public@example.com", wantVerified: false,
			wantScopes: []string{"read:user"},
		},
		"no email at all": {
			user:       oauthserver.GitHubUser{ID: 10, Login: "ghost"},
			wantScopes: []string{"read:user", "user:email"},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := oauthserver.NewGitHub(t, oauthserver.GitHubConfig{User: &c.user})
			id, _, err := signIn(t, newGitHub(t, fake), c.scopes...)
			require.NoError(t, err)
			assert.Equal(t, c.wantEmail, id.Email)
			assert.Equal(t, c.wantVerified, id.EmailVerified)
			assert.Equal(t, c.wantScopes, id.Scopes, "from X-OAuth-Scopes")
			assert.Equal(t, c.user.Login, id.Login)
			assert.Empty(t, id.Name, "null name")
		})
	}
}

func TestGitHubRefusals(t *testing.T) {
	t.Parallel()
	cases := map[string]func(t *testing.T, fake *oauthserver.GitHub, p *oauth.GitHub) error{
		"bad code": func(t *testing.T, _ *oauthserver.GitHub, p *oauth.GitHub) error {
			_, err := p.Exchange(context.Background(), "0123456789abcdef0123", oauth.NewVerifier())
			assert.Contains(t, err.Error(), "bad_verification_code")
			return err
		},
		"empty code": func(t *testing.T, _ *oauthserver.GitHub, p *oauth.GitHub) error {
			_, err := p.Exchange(context.Background(), "", oauth.NewVerifier())
			return err
		},
		"replayed code": func(t *testing.T, fake *oauthserver.GitHub, p *oauth.GitHub) error {
			state, verifier := oauth.NewState(), oauth.NewVerifier()
			code, _ := oauthserver.Authorize(t, p.AuthCodeURL(state, verifier, nil))
			_, err := p.Exchange(context.Background(), code, verifier)
			require.NoError(t, err)
			_, err = p.Exchange(context.Background(), code, verifier)
			assert.Len(t, fake.IssuedTokens(), 1, "a code buys one token")
			return err
		},
		"PKCE verifier mismatch": func(t *testing.T, fake *oauthserver.GitHub, p *oauth.GitHub) error {
			state, verifier := oauth.NewState(), oauth.NewVerifier()
			code, _ := oauthserver.Authorize(t, p.AuthCodeURL(state, verifier, nil))
			other := oauth.NewVerifier()
			_, err := p.Exchange(context.Background(), code, other)
			g := fake.LastGrant(t)
			assert.Equal(t, "S256", g.CodeChallengeMethod)
			assert.Equal(t, other, g.Verifier)
			assert.False(t, g.VerifierMatched)
			assert.Empty(t, fake.IssuedTokens())
			return err
		},
		"API answers 401": func(t *testing.T, fake *oauthserver.GitHub, p *oauth.GitHub) error {
			state, verifier := oauth.NewState(), oauth.NewVerifier()
			code, _ := oauthserver.Authorize(t, p.AuthCodeURL(state, verifier, nil))
			fake.SetFaults(oauthserver.Faults{APIStatus: http.StatusUnauthorized})
			_, err := p.Exchange(context.Background(), code, verifier)
			assert.Contains(t, err.Error(), "GET /user: 401")
			return err
		},
	}
	for name, run := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := oauthserver.NewGitHub(t, oauthserver.GitHubConfig{})
			err := run(t, fake, newGitHub(t, fake))
			require.ErrorIs(t, err, oauth.ErrDenied)
			assert.ErrorIs(t, err, domain.ErrUnauthorized)
			assert.NotErrorIs(t, err, domain.ErrUnavailable)
			assertClean(t, err, append(fake.IssuedTokens(), fake.ClientSecret())...)
		})
	}
}

func TestGitHubOutages(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		faults      oauthserver.Faults
		wantTimeout bool
	}{
		"token endpoint 500": {faults: oauthserver.Faults{TokenStatus: http.StatusInternalServerError}},
		"token endpoint 503": {faults: oauthserver.Faults{TokenStatus: http.StatusServiceUnavailable}},
		"token endpoint slow": {
			faults:      oauthserver.Faults{TokenLatency: 10 * time.Second},
			wantTimeout: true,
		},
		"API 500": {faults: oauthserver.Faults{APIStatus: http.StatusInternalServerError}},
		"API 502": {faults: oauthserver.Faults{APIStatus: http.StatusBadGateway}},
		"API slow": {
			faults:      oauthserver.Faults{APILatency: 10 * time.Second},
			wantTimeout: true,
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := oauthserver.NewGitHub(t, oauthserver.GitHubConfig{})
			p := newGitHub(t, fake, func(o *oauth.GitHubOptions) { o.Timeout = 300 * time.Millisecond })
			state, verifier := oauth.NewState(), oauth.NewVerifier()
			code, _ := oauthserver.Authorize(t, p.AuthCodeURL(state, verifier, nil))
			fake.SetFaults(c.faults)

			start := time.Now()
			_, err := p.Exchange(context.Background(), code, verifier)
			require.ErrorIs(t, err, oauth.ErrUnavailable)
			assert.ErrorIs(t, err, domain.ErrUnavailable)
			assert.NotErrorIs(t, err, domain.ErrUnauthorized)
			assert.Less(t, time.Since(start), 5*time.Second, "the timeout bounds the exchange")
			if c.wantTimeout {
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			}
			assertClean(t, err, append(fake.IssuedTokens(), fake.ClientSecret())...)
		})
	}
}

func TestGitHubUnreachable(t *testing.T) {
	t.Parallel()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	p, err := oauth.NewGitHub(oauth.GitHubOptions{
		ClientID: "cid", ClientSecret: "s3cr3t-value", RedirectURL: githubCallback, AuthURL: dead.URL, APIURL: dead.URL,
	})
	require.NoError(t, err)
	_, err = p.Exchange(context.Background(), "code", oauth.NewVerifier())
	require.ErrorIs(t, err, domain.ErrUnavailable)
	assertClean(t, err, "s3cr3t-value")
}

func TestGitHubMisconfiguration(t *testing.T) {
	t.Parallel()
	t.Run("wrong client secret", func(t *testing.T) {
		t.Parallel()
		fake := oauthserver.NewGitHub(t, oauthserver.GitHubConfig{})
		wrong := "wrong-secret-0123456789"
		p := newGitHub(t, fake, func(o *oauth.GitHubOptions) { o.ClientSecret = wrong })
		_, _, err := signIn(t, p)
		require.ErrorIs(t, err, oauth.ErrProvider)
		assert.Contains(t, err.Error(), "incorrect_client_credentials")
		assert.NotErrorIs(t, err, domain.ErrUnauthorized, "our fault, not the user's")
		assert.NotErrorIs(t, err, domain.ErrUnavailable)
		assertClean(t, err, wrong, fake.ClientSecret())
	})
	t.Run("redirect URL not registered", func(t *testing.T) {
		t.Parallel()
		fake := oauthserver.NewGitHub(t, oauthserver.GitHubConfig{CallbackURL: githubCallback})
		p := newGitHub(t, fake, func(o *oauth.GitHubOptions) { o.RedirectURL = "http://evil.test/cb" })
		q := oauthserver.Callback(t, p.AuthCodeURL("st", oauth.NewVerifier(), nil))
		assert.Equal(t, "redirect_uri_mismatch", q.Get("error"))
		err := oauth.CallbackError("github", q)
		require.ErrorIs(t, err, oauth.ErrProvider)
	})
}

func TestUserDeniesAccess(t *testing.T) {
	t.Parallel()
	gh := oauthserver.NewGitHub(t, oauthserver.GitHubConfig{})
	gh.SetFaults(oauthserver.Faults{DenyAccess: true})
	gg := oauthserver.NewGoogle(t, oauthserver.GoogleConfig{})
	gg.SetFaults(oauthserver.Faults{DenyAccess: true})

	for _, p := range []ports.OAuthProvider{newGitHub(t, gh), newGoogle(t, gg)} {
		q := oauthserver.Callback(t, p.AuthCodeURL("st4te", oauth.NewVerifier(), nil))
		assert.Equal(t, "access_denied", q.Get("error"), p.Name())
		assert.Equal(t, "st4te", q.Get("state"), p.Name())
		assert.Empty(t, q.Get("code"), p.Name())
		err := oauth.CallbackError(p.Name(), q)
		require.ErrorIs(t, err, oauth.ErrDenied, p.Name())
		assert.ErrorIs(t, err, domain.ErrUnauthorized, p.Name())
	}
}

func TestCallbackError(t *testing.T) {
	t.Parallel()
	assert.NoError(t, oauth.CallbackError("github", url.Values{"code": {"abc"}}))
	assert.ErrorIs(t, oauth.CallbackError("google", url.Values{"error": {"temporarily_unavailable"}}), domain.ErrUnavailable)
	err := oauth.CallbackError("google", url.Values{"error": {"<script>alert(1)</script>"}})
	require.ErrorIs(t, err, oauth.ErrProvider)
	assert.NotContains(t, err.Error(), "<script>", "the browser's text is not echoed")
}

func TestGoogleSignIn(t *testing.T) {
	t.Parallel()
	fake := oauthserver.NewGoogle(t, oauthserver.GoogleConfig{CallbackURL: googleCallback})
	p := newGoogle(t, fake)
	assert.Equal(t, "google", p.Name())

	authURL := p.AuthCodeURL("st", "v", nil)
	assert.True(t, strings.HasPrefix(authURL, fake.URL()+"/o/oauth2/v2/auth?"), authURL)

	id, verifier, err := signIn(t, p)
	require.NoError(t, err)
	tokens := fake.IssuedTokens()
	require.Len(t, tokens, 1)
	assert.Equal(t, ports.OAuthIdentity{
		Provider:      "google",
		Subject:       "110169484474386276334",
		Email:         "ada.lovelace@gmail.com",
		EmailVerified: true,
		Name:          "Ada Lovelace",
		AvatarURL:     "https://lh3.googleusercontent.com/a/ACg8ocfake=s96-c",
		AccessToken:   tokens[0],
		Scopes: []string{
			"openid",
			"https://www.googleapis.com/auth/userinfo.email",
			"https://www.googleapis.com/auth/userinfo.profile",
		},
	}, id)

	g := fake.LastGrant(t)
	assert.Equal(t, "S256", g.CodeChallengeMethod)
	assert.Equal(t, oauth2.S256ChallengeFromVerifier(verifier), g.CodeChallenge)
	assert.True(t, g.VerifierMatched)
	for _, r := range fake.Requests() {
		if r.Path == "/v1/userinfo" {
			assert.Equal(t, "Bearer "+tokens[0], r.Header.Get("Authorization"))
		}
		if r.Path == "/token" {
			assert.Equal(t, fake.ClientSecret(), r.Form.Get("client_secret"), "Google wants the credentials in the form")
			assert.Empty(t, r.Header.Get("Authorization"))
		}
	}
}

func TestGoogleUnverifiedEmail(t *testing.T) {
	t.Parallel()
	u := oauthserver.DefaultGoogleUser()
	u.Email, u.EmailVerified = "someone@example.org", false
	fake := oauthserver.NewGoogle(t, oauthserver.GoogleConfig{User: &u})
	id, _, err := signIn(t, newGoogle(t, fake))
	require.NoError(t, err)
	assert.Equal(t, "someone@example.org", id.Email)
	assert.False(t, id.EmailVerified)
	assert.Empty(t, id.Login)
}

func TestGoogleFailures(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		run  func(t *testing.T, fake *oauthserver.Google, p *oauth.Google) error
		want error
	}{
		"bad code": {want: domain.ErrUnauthorized, run: func(t *testing.T, _ *oauthserver.Google, p *oauth.Google) error {
			_, err := p.Exchange(context.Background(), "4/0Abogus", oauth.NewVerifier())
			assert.Contains(t, err.Error(), "invalid_grant")
			return err
		}},
		"PKCE verifier mismatch": {want: domain.ErrUnauthorized, run: func(t *testing.T, fake *oauthserver.Google, p *oauth.Google) error {
			code, _ := oauthserver.Authorize(t, p.AuthCodeURL("st", oauth.NewVerifier(), nil))
			_, err := p.Exchange(context.Background(), code, oauth.NewVerifier())
			assert.Contains(t, err.Error(), "Invalid code verifier")
			assert.False(t, fake.LastGrant(t).VerifierMatched)
			return err
		}},
		"replayed code": {want: domain.ErrUnauthorized, run: func(t *testing.T, _ *oauthserver.Google, p *oauth.Google) error {
			verifier := oauth.NewVerifier()
			code, _ := oauthserver.Authorize(t, p.AuthCodeURL("st", verifier, nil))
			_, err := p.Exchange(context.Background(), code, verifier)
			require.NoError(t, err)
			_, err = p.Exchange(context.Background(), code, verifier)
			return err
		}},
		"token endpoint 500": {want: domain.ErrUnavailable, run: func(t *testing.T, fake *oauthserver.Google, p *oauth.Google) error {
			verifier := oauth.NewVerifier()
			code, _ := oauthserver.Authorize(t, p.AuthCodeURL("st", verifier, nil))
			fake.SetFaults(oauthserver.Faults{TokenStatus: http.StatusInternalServerError})
			_, err := p.Exchange(context.Background(), code, verifier)
			return err
		}},
		"userinfo 503": {want: domain.ErrUnavailable, run: func(t *testing.T, fake *oauthserver.Google, p *oauth.Google) error {
			verifier := oauth.NewVerifier()
			code, _ := oauthserver.Authorize(t, p.AuthCodeURL("st", verifier, nil))
			fake.SetFaults(oauthserver.Faults{APIStatus: http.StatusServiceUnavailable})
			_, err := p.Exchange(context.Background(), code, verifier)
			return err
		}},
		"token endpoint slow": {want: context.DeadlineExceeded, run: func(t *testing.T, fake *oauthserver.Google, p *oauth.Google) error {
			verifier := oauth.NewVerifier()
			code, _ := oauthserver.Authorize(t, p.AuthCodeURL("st", verifier, nil))
			fake.SetFaults(oauthserver.Faults{TokenLatency: 10 * time.Second})
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			_, err := p.Exchange(ctx, code, verifier)
			assert.ErrorIs(t, err, domain.ErrUnavailable, "the caller's deadline counts too")
			return err
		}},
		"wrong client secret": {want: oauth.ErrProvider, run: func(t *testing.T, fake *oauthserver.Google, _ *oauth.Google) error {
			p := newGoogle(t, fake, func(o *oauth.GoogleOptions) { o.ClientSecret = "GOCSPX-wrong-wrong-wrong" })
			_, _, err := signIn(t, p)
			assert.Contains(t, err.Error(), "invalid_client")
			assert.NotContains(t, err.Error(), "GOCSPX-wrong-wrong-wrong")
			return err
		}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := oauthserver.NewGoogle(t, oauthserver.GoogleConfig{})
			err := c.run(t, fake, newGoogle(t, fake))
			require.ErrorIs(t, err, c.want)
			assertClean(t, err, append(fake.IssuedTokens(), fake.ClientSecret())...)
		})
	}
}

func TestGoogleEndpoints(t *testing.T) {
	t.Parallel()
	base := oauth.GoogleOptions{ClientID: "cid", ClientSecret: "sec", RedirectURL: googleCallback}
	authOf := func(o oauth.GoogleOptions) string {
		t.Helper()
		p, err := oauth.NewGoogle(o)
		require.NoError(t, err)
		u, err := url.Parse(p.AuthCodeURL("s", "v", nil))
		require.NoError(t, err)
		assert.Equal(t, "openid email profile", u.Query().Get("scope"))
		return u.Scheme + "://" + u.Host + u.Path
	}
	assert.Equal(t, "https://accounts.google.com/o/oauth2/v2/auth", authOf(base), "production by default")

	withBase := base
	withBase.BaseURL = "http://127.0.0.1:9999/"
	assert.Equal(t, "http://127.0.0.1:9999/o/oauth2/v2/auth", authOf(withBase), "derived from BaseURL")

	explicit := withBase
	explicit.AuthURL = "http://auth.test/authorize"
	assert.Equal(t, "http://auth.test/authorize", authOf(explicit), "an explicit URL wins over BaseURL")
}

func TestGoogleEndpointsDerivedFromBaseAreUsed(t *testing.T) {
	t.Parallel()
	// Token and userinfo URLs from explicit options, with a BaseURL that
	// would be wrong: the explicit ones must be used.
	fake := oauthserver.NewGoogle(t, oauthserver.GoogleConfig{})
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	p := newGoogle(t, fake, func(o *oauth.GoogleOptions) {
		o.BaseURL = dead.URL
		o.AuthURL = fake.URL() + "/o/oauth2/v2/auth"
		o.TokenURL = fake.URL() + "/token"
		o.UserInfoURL = fake.URL() + "/v1/userinfo"
	})
	id, _, err := signIn(t, p)
	require.NoError(t, err)
	assert.Equal(t, "110169484474386276334", id.Subject)
}

func TestOptionsAreChecked(t *testing.T) {
	t.Parallel()
	ok := oauth.GitHubOptions{ClientID: "id", ClientSecret: "secret", RedirectURL: githubCallback}
	for name, edit := range map[string]func(*oauth.GitHubOptions){
		"no client id":      func(o *oauth.GitHubOptions) { o.ClientID = "" },
		"no client secret":  func(o *oauth.GitHubOptions) { o.ClientSecret = "" },
		"no redirect url":   func(o *oauth.GitHubOptions) { o.RedirectURL = "" },
		"relative redirect": func(o *oauth.GitHubOptions) { o.RedirectURL = "/callback" },
		"bad auth url":      func(o *oauth.GitHubOptions) { o.AuthURL = "github.com" },
		"bad api url":       func(o *oauth.GitHubOptions) { o.APIURL = "ftp://api.github.com" },
		"negative timeout":  func(o *oauth.GitHubOptions) { o.Timeout = -time.Second },
	} {
		t.Run("github "+name, func(t *testing.T) {
			t.Parallel()
			o := ok
			edit(&o)
			_, err := oauth.NewGitHub(o)
			require.Error(t, err)
			assert.NotContains(t, err.Error(), "secret\"")
		})
	}
	for name, o := range map[string]oauth.GoogleOptions{
		"no client id":  {ClientSecret: "s", RedirectURL: googleCallback},
		"bad base url":  {ClientID: "c", ClientSecret: "s", RedirectURL: googleCallback, BaseURL: "::"},
		"bad token url": {ClientID: "c", ClientSecret: "s", RedirectURL: googleCallback, TokenURL: "oauth2.googleapis.com/token"},
	} {
		t.Run("google "+name, func(t *testing.T) {
			t.Parallel()
			_, err := oauth.NewGoogle(o)
			require.Error(t, err)
		})
	}
}

func TestCallerCancellationIsNotAnOutage(t *testing.T) {
	t.Parallel()
	fake := oauthserver.NewGitHub(t, oauthserver.GitHubConfig{})
	p := newGitHub(t, fake)
	verifier := oauth.NewVerifier()
	code, _ := oauthserver.Authorize(t, p.AuthCodeURL("st", verifier, nil))
	fake.SetFaults(oauthserver.Faults{TokenLatency: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := p.Exchange(ctx, code, verifier)
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, errors.Is(err, domain.ErrUnavailable) || errors.Is(err, domain.ErrUnauthorized))
}

func TestNewStateAndVerifier(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		s, v := oauth.NewState(), oauth.NewVerifier()
		for _, x := range []string{s, v} {
			assert.Len(t, x, 43, "32 bytes, base64url without padding")
			raw, err := base64.RawURLEncoding.DecodeString(x)
			require.NoError(t, err)
			assert.Len(t, raw, 32)
			assert.False(t, seen[x], "never repeats")
			seen[x] = true
		}
	}
}

// A provider that echoes secrets back in its errors must not get them into
// our error text.
func TestEchoedSecretsAreRedacted(t *testing.T) {
	t.Parallel()
	const secret, token = "echoed-client-secret-42", "gho_echoedAccessToken0123456789abcdef"
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		if code := r.FormValue("code"); code != "good" {
			pad := map[string]int{"bad": 0, "long": 260}[code] // the secret straddles the cut
			_, _ = w.Write([]byte(url.Values{
				"error":             {"incorrect_client_credentials"},
				"error_description": {strings.Repeat("x", pad) + "client_secret " + r.FormValue("client_secret") + " is wrong"},
			}.Encode()))
			return
		}
		_, _ = w.Write([]byte("access_token=" + token + "&token_type=bearer&scope=read%3Auser"))
	})
	mux.HandleFunc("GET /user", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"message":"token ` + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + ` was revoked"}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p, err := oauth.NewGitHub(oauth.GitHubOptions{
		ClientID: "cid", ClientSecret: secret, RedirectURL: githubCallback, AuthURL: srv.URL, APIURL: srv.URL,
	})
	require.NoError(t, err)

	_, err = p.Exchange(context.Background(), "bad", oauth.NewVerifier())
	require.ErrorIs(t, err, oauth.ErrProvider)
	assert.Contains(t, err.Error(), "[redacted]")
	assertClean(t, err, secret)

	_, err = p.Exchange(context.Background(), "long", oauth.NewVerifier())
	require.ErrorIs(t, err, oauth.ErrProvider)
	assertClean(t, err, secret, secret[:len(secret)/2])

	_, err = p.Exchange(context.Background(), "good", oauth.NewVerifier())
	require.ErrorIs(t, err, oauth.ErrDenied)
	assert.Contains(t, err.Error(), "[redacted]")
	assertClean(t, err, token, secret)
}
