package account_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/account"
	"github.com/codementor/codementor/domain"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/domain/learner"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
)

const goodPassword = "correct horse battery staple"

var (
	ctx    = context.Background()
	client = account.Client{IP: "198.51.100.7", UserAgent: "test"}
)

func register(t *testing.T, f *accounttest.Fixture, email string) *identity.User {
	t.Helper()
	u, err := f.Service.Register(ctx, account.RegisterInput{Email: email, Password: goodPassword, DisplayName: "Ada", Client: client})
	require.NoError(t, err)
	return u
}

func login(t *testing.T, f *accounttest.Fixture, email string) account.AuthResult {
	t.Helper()
	r, err := f.Service.Login(ctx, account.LoginInput{Email: email, Password: goodPassword, Client: client})
	require.NoError(t, err)
	return r
}

func TestRegisterCreatesAccountProfileAndSendsVerification(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	u := register(t, f, "  Ada@Example.COM ")
	assert.Equal(t, "Ada@example.com", u.Email().String())
	assert.False(t, u.EmailVerified())
	assert.True(t, strings.HasPrefix(u.PasswordHash(), "$argon2id$"))
	p, err := f.Deps.Profiles.Get(ctx, u.ID())
	require.NoError(t, err)
	assert.False(t, p.Onboarded())

	msgs := f.Mailbox.Messages("Ada@example.com")
	require.Len(t, msgs, 1)
	assert.Contains(t, msgs[0].Text, "http://localhost:3000/verify-email?token=")
	assert.NotEmpty(t, f.Mailbox.LastToken("Ada@example.com", "/verify-email"))

	_, err = f.Service.Register(ctx, account.RegisterInput{Email: "ada@example.com", Password: goodPassword, DisplayName: "Other", Client: client})
	assert.ErrorIs(t, err, domain.ErrConflict, "same address in another case")
}

func TestRegisterReportsEveryProblem(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	for _, tc := range []struct {
		name, email, password, display string
		fields                         []string
	}{
		{"short password and bad email", "nope", "short", "Ada", []string{"email", "password"}},
		{"common password", "a@example.com", "password1234", "Ada", []string{"password"}},
		{"password holds the email", "grace.hopper@example.com", "grace.hopper-is-great", "Grace", []string{"password"}},
		{"too long", "a@example.com", strings.Repeat("x", 129), "Ada", []string{"password"}},
		{"missing name", "a@example.com", goodPassword, " ", []string{"display_name"}},
	} {
		_, err := f.Service.Register(ctx, account.RegisterInput{Email: tc.email, Password: tc.password, DisplayName: tc.display, Client: client})
		var verr *domain.ValidationError
		require.ErrorAs(t, err, &verr, tc.name)
		var got []string
		for _, i := range verr.Issues {
			got = append(got, i.Field)
		}
		assert.ElementsMatch(t, tc.fields, got, tc.name)
	}
	assert.Empty(t, f.Mailbox.Messages("a@example.com"), "nothing was created")
}

// countingHasher counts the dummy verifications of the login path.
type countingHasher struct {
	ports.PasswordHasher
	dummies atomic.Int32
}

func (h *countingHasher) DummyVerify(pw string) {
	h.dummies.Add(1)
	h.PasswordHasher.DummyVerify(pw)
}

func TestLoginDoesNotTellUnknownEmailsFromWrongPasswords(t *testing.T) {
	t.Parallel()
	var h *countingHasher
	f := accounttest.New(t, func(f *accounttest.Fixture) {
		h = &countingHasher{PasswordHasher: f.Deps.Hasher}
		f.Deps.Hasher = h
	})
	register(t, f, "ada@example.com")

	_, errUnknown := f.Service.Login(ctx, account.LoginInput{Email: "nobody@example.com", Password: goodPassword, Client: client})
	_, errWrong := f.Service.Login(ctx, account.LoginInput{Email: "ada@example.com", Password: "wrong password here", Client: client})
	require.Error(t, errUnknown)
	assert.Equal(t, errUnknown, errWrong, "the very same error")
	assert.ErrorIs(t, errUnknown, identity.ErrInvalidCredentials)
	assert.Equal(t, int32(1), h.dummies.Load(), "the unknown email still cost a hash check")

	r := login(t, f, "ADA@example.com")
	claims, err := f.Issuer.Verify(r.AccessToken)
	require.NoError(t, err)
	assert.Equal(t, r.User.ID(), claims.UserID)
	assert.Len(t, r.RefreshToken, 43, "256 bits, base64url")
	assert.Equal(t, f.Clock.Now().Add(15*time.Minute), r.AccessExpiresAt)
}

func TestDisabledAccountsCannotSignInOrRefresh(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	u := register(t, f, "ada@example.com")
	r := login(t, f, "ada@example.com")
	_, err := f.Deps.Users.Update(ctx, u.ID(), func(u *identity.User) error { u.Disable(f.Clock.Now()); return nil })
	require.NoError(t, err)

	_, err = f.Service.Login(ctx, account.LoginInput{Email: "ada@example.com", Password: goodPassword, Client: client})
	assert.ErrorIs(t, err, identity.ErrAccountDisabled)
	_, err = f.Service.Refresh(ctx, r.RefreshToken, client)
	assert.ErrorIs(t, err, identity.ErrAccountDisabled)
	_, err = f.Service.Me(ctx, u.ID())
	assert.ErrorIs(t, err, identity.ErrAccountDisabled, "a still-valid access token does not help")
	assert.Contains(t, f.Security.Kinds(), "disabled_account_sign_in")
}

func TestRefreshRotatesAndReuseRevokesTheWholeSession(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	register(t, f, "ada@example.com")
	first := login(t, f, "ada@example.com")
	other := login(t, f, "ada@example.com") // a second device

	f.Clock.Advance(time.Minute)
	second, err := f.Service.Refresh(ctx, first.RefreshToken, client)
	require.NoError(t, err)
	assert.NotEqual(t, first.RefreshToken, second.RefreshToken)
	third, err := f.Service.Refresh(ctx, second.RefreshToken, client)
	require.NoError(t, err)

	// The first token again: someone replayed it.
	_, err = f.Service.Refresh(ctx, first.RefreshToken, client)
	assert.ErrorIs(t, err, identity.ErrSessionRevoked)
	_, err = f.Service.Refresh(ctx, third.RefreshToken, client)
	assert.ErrorIs(t, err, identity.ErrSessionRevoked, "the whole family is revoked")
	assert.Contains(t, f.Security.Kinds(), "refresh_token_reuse")

	_, err = f.Service.Refresh(ctx, other.RefreshToken, client)
	assert.NoError(t, err, "the other device's session lives on")

	for _, bad := range []string{"", "garbage", strings.Repeat("x", 300)} {
		_, err = f.Service.Refresh(ctx, bad, client)
		assert.ErrorIs(t, err, identity.ErrSessionRevoked)
	}
}

func TestRefreshTokensExpire(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	register(t, f, "ada@example.com")
	r := login(t, f, "ada@example.com")
	f.Clock.Advance(30*24*time.Hour + time.Second)
	_, err := f.Service.Refresh(ctx, r.RefreshToken, client)
	assert.ErrorIs(t, err, identity.ErrSessionRevoked)
}

func TestConcurrentRefreshesWithOneTokenLetOneWin(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	register(t, f, "ada@example.com")
	r := login(t, f, "ada@example.com")
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.Service.Refresh(ctx, r.RefreshToken, client); err == nil {
				wins.Add(1)
			} else {
				assert.ErrorIs(t, err, identity.ErrSessionRevoked)
			}
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, wins.Load(), int32(1), "never two successors of one token")
}

func TestLogout(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	a := register(t, f, "ada@example.com")
	b := register(t, f, "bob@example.com")
	a1, a2 := login(t, f, "ada@example.com"), login(t, f, "ada@example.com")
	b1 := login(t, f, "bob@example.com")

	// Ada presenting Bob's token revokes nothing.
	require.NoError(t, f.Service.Logout(ctx, account.LogoutInput{UserID: a.ID(), RefreshToken: b1.RefreshToken}))
	_, err := f.Service.Refresh(ctx, b1.RefreshToken, client)
	require.NoError(t, err)

	require.NoError(t, f.Service.Logout(ctx, account.LogoutInput{UserID: a.ID(), RefreshToken: a1.RefreshToken}))
	_, err = f.Service.Refresh(ctx, a1.RefreshToken, client)
	assert.ErrorIs(t, err, identity.ErrSessionRevoked)
	require.NoError(t, f.Service.Logout(ctx, account.LogoutInput{UserID: a.ID(), RefreshToken: a1.RefreshToken}), "idempotent")

	a3, err := f.Service.Refresh(ctx, a2.RefreshToken, client)
	require.NoError(t, err, "the other session lives")
	require.NoError(t, f.Service.Logout(ctx, account.LogoutInput{UserID: a.ID(), All: true}))
	_, err = f.Service.Refresh(ctx, a3.RefreshToken, client)
	assert.ErrorIs(t, err, identity.ErrSessionRevoked, "all=true ends every session")
	_ = b
}

func TestVerifyEmail(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	ada := register(t, f, "ada@example.com")
	bob := register(t, f, "bob@example.com")
	token := f.Mailbox.LastToken("ada@example.com", "/verify-email")
	require.NotEmpty(t, token)

	// Bob, signed in, presents Ada's token: refused, and the token survives.
	_, err := f.Service.VerifyEmail(ctx, token, bob.ID())
	assert.ErrorIs(t, err, identity.ErrInvalidToken)

	u, err := f.Service.VerifyEmail(ctx, token, "")
	require.NoError(t, err)
	assert.True(t, u.EmailVerified())
	assert.Equal(t, ada.ID(), u.ID())
	_, err = f.Service.VerifyEmail(ctx, token, "")
	assert.ErrorIs(t, err, identity.ErrInvalidToken, "single use")

	bobToken := f.Mailbox.LastToken("bob@example.com", "/verify-email")
	f.Clock.Advance(24*time.Hour + time.Second)
	_, err = f.Service.VerifyEmail(ctx, bobToken, "")
	assert.ErrorIs(t, err, identity.ErrInvalidToken, "expired after 24h")
	require.NoError(t, f.Service.ResendVerification(ctx, bob.ID()))
	fresh := f.Mailbox.LastToken("bob@example.com", "/verify-email")
	require.NotEqual(t, bobToken, fresh)
	_, err = f.Service.VerifyEmail(ctx, fresh, bob.ID())
	require.NoError(t, err)
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	register(t, f, "ada@example.com")
	session := login(t, f, "ada@example.com")

	require.NoError(t, f.Service.RequestPasswordReset(ctx, "nobody@example.com", client), "unknown addresses get the same answer")
	assert.Empty(t, f.Mailbox.Messages("nobody@example.com"))

	require.NoError(t, f.Service.RequestPasswordReset(ctx, "ADA@example.com", client))
	old := f.Mailbox.LastToken("ada@example.com", "/reset-password")
	require.NoError(t, f.Service.RequestPasswordReset(ctx, "ada@example.com", client))
	token := f.Mailbox.LastToken("ada@example.com", "/reset-password")
	require.NotEqual(t, old, token)
	assert.ErrorIs(t, f.Service.ConfirmPasswordReset(ctx, old, "a brand new passphrase", client), identity.ErrInvalidToken,
		"a newer link supersedes the older one")

	var verr *domain.ValidationError
	require.ErrorAs(t, f.Service.ConfirmPasswordReset(ctx, token, "short", client), &verr)
	require.ErrorAs(t, f.Service.ConfirmPasswordReset(ctx, token, "ada@example.com is me", client), &verr,
		"the account-aware check runs too")

	require.NoError(t, f.Service.ConfirmPasswordReset(ctx, token, "a brand new passphrase", client), "the token survived the refusals")
	assert.ErrorIs(t, f.Service.ConfirmPasswordReset(ctx, token, "another new passphrase", client), identity.ErrInvalidToken, "used")

	_, err := f.Service.Login(ctx, account.LoginInput{Email: "ada@example.com", Password: goodPassword, Client: client})
	assert.ErrorIs(t, err, identity.ErrInvalidCredentials, "the old password is gone")
	_, err = f.Service.Login(ctx, account.LoginInput{Email: "ada@example.com", Password: "a brand new passphrase", Client: client})
	require.NoError(t, err)
	_, err = f.Service.Refresh(ctx, session.RefreshToken, client)
	assert.ErrorIs(t, err, identity.ErrSessionRevoked, "resetting the password ends every session")
	assert.Contains(t, f.Security.Kinds(), "password_reset")

	require.NoError(t, f.Service.RequestPasswordReset(ctx, "ada@example.com", client))
	late := f.Mailbox.LastToken("ada@example.com", "/reset-password")
	f.Clock.Advance(31 * time.Minute)
	assert.ErrorIs(t, f.Service.ConfirmPasswordReset(ctx, late, "yet another passphrase", client), identity.ErrInvalidToken, "30 minutes")
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	u := register(t, f, "ada@example.com")
	s := login(t, f, "ada@example.com")
	var verr *domain.ValidationError
	require.ErrorAs(t, f.Service.ChangePassword(ctx, account.ChangePasswordInput{UserID: u.ID(), CurrentPassword: "nope nope nope",
		NewPassword: "a brand new passphrase"}), &verr)
	assert.Equal(t, "current_password", verr.Issues[0].Field)
	require.NoError(t, f.Service.ChangePassword(ctx, account.ChangePasswordInput{UserID: u.ID(), CurrentPassword: goodPassword,
		NewPassword: "a brand new passphrase"}))
	_, err := f.Service.Refresh(ctx, s.RefreshToken, client)
	assert.ErrorIs(t, err, identity.ErrSessionRevoked)
}

func TestLoginThrottlingPerIPAndAccount(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t, accounttest.WithLimits(account.Limits{
		LoginPerIP: account.Limit{N: 5, Window: time.Minute}, LoginPerAccount: account.Limit{N: 3, Window: 15 * time.Minute}}))
	register(t, f, "ada@example.com")
	for range 3 {
		_, err := f.Service.Login(ctx, account.LoginInput{Email: "ada@example.com", Password: "wrong wrong wrong", Client: client})
		require.ErrorIs(t, err, identity.ErrInvalidCredentials)
	}
	_, err := f.Service.Login(ctx, account.LoginInput{Email: "ada@example.com", Password: goodPassword,
		Client: account.Client{IP: "203.0.113.1"}})
	var rl *domain.RateLimitedError
	require.ErrorAs(t, err, &rl, "the account limit holds from another IP too")
	assert.Positive(t, rl.RetryAfter)

	_, err = f.Service.Login(ctx, account.LoginInput{Email: "bob@example.com", Password: goodPassword, Client: client})
	require.ErrorIs(t, err, identity.ErrInvalidCredentials, "4th from this IP")
	_, err = f.Service.Login(ctx, account.LoginInput{Email: "carol@example.com", Password: goodPassword, Client: client})
	require.ErrorIs(t, err, identity.ErrInvalidCredentials, "5th from this IP")
	_, err = f.Service.Login(ctx, account.LoginInput{Email: "dan@example.com", Password: goodPassword, Client: client})
	require.ErrorAs(t, err, &rl, "6th from this IP")
}

func TestPreferencesOnboardingAndProfile(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t)
	u := register(t, f, "ada@example.com")
	prefs, err := f.Service.Preferences(ctx, u.ID())
	require.NoError(t, err)
	assert.Equal(t, learner.DefaultPreferences(), prefs)

	style, minutes := "direct", 30
	prefs, err = f.Service.UpdatePreferences(ctx, u.ID(), learner.PreferencesPatch{TutorStyle: &style, DailyGoalMinutes: &minutes})
	require.NoError(t, err)
	assert.Equal(t, learner.Direct, prefs.TutorStyle)
	assert.Equal(t, 30, prefs.DailyGoalMinutes)

	p, err := f.Service.Onboard(ctx, u.ID(), learner.Onboarding{Languages: []string{"javascript"}, SkillLevel: "advanced", Goals: []string{"ship a side project"}})
	require.NoError(t, err)
	assert.True(t, p.Onboarded())
	p2, err := f.Service.Onboard(ctx, u.ID(), learner.Onboarding{Languages: []string{"go"}, SkillLevel: "beginner"})
	require.NoError(t, err)
	assert.Equal(t, p.OnboardedAt(), p2.OnboardedAt(), "a second call updates, keeping the first time")

	prof, err := f.Service.GetProfile(ctx, u.ID())
	require.NoError(t, err)
	assert.Equal(t, "go", prof.Learner.Preferences().Languages[0].String())
	assert.Equal(t, 30, prof.Learner.Preferences().DailyGoalMinutes, "onboarding without minutes keeps them")
	assert.Empty(t, prof.Identities)

	_, err = f.Service.Me(ctx, "00000000-0000-7000-8000-000000000000")
	assert.ErrorIs(t, err, domain.ErrUnauthorized, "a token for a deleted account")
}

// fakeProvider is an OAuth provider answering from a table of codes.
type fakeProvider struct {
	name       string
	identities map[string]ports.OAuthIdentity
	verifiers  map[string]string
	mu         sync.Mutex
}

func (p *fakeProvider) Name() string { return p.name }
func (p *fakeProvider) AuthCodeURL(state, verifier string, _ []string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.verifiers[state] = verifier
	return "https://provider.test/authorize?state=" + url.QueryEscape(state)
}
func (p *fakeProvider) Exchange(_ context.Context, code, _ string) (ports.OAuthIdentity, error) {
	who, ok := p.identities[code]
	if !ok {
		return ports.OAuthIdentity{}, fmt.Errorf("%w: bad code", domain.ErrUnauthorized)
	}
	return who, nil
}

func stateOf(t *testing.T, redirect string) string {
	t.Helper()
	u, err := url.Parse(redirect)
	require.NoError(t, err)
	return u.Query().Get("state")
}

func TestOAuthSignIn(t *testing.T) {
	t.Parallel()
	gh := &fakeProvider{name: "github", verifiers: map[string]string{}, identities: map[string]ports.OAuthIdentity{
		"new":        {Provider: "github", Subject: "1", Email: "octo@example.com", EmailVerified: true, Login: "octocat", Name: "Octo Cat", AccessToken: "gho_secret", Scopes: []string{"read:user"}},
		"existing":   {Provider: "github", Subject: "2", Email: "ada@example.com", EmailVerified: true, Login: "ada", AccessToken: "gho_ada"},
		"unverified": {Provider: "github", Subject: "3", Email: "eve@example.com", EmailVerified: false, Login: "eve"},
	}}
	f := accounttest.New(t, accounttest.WithProviders(map[string]ports.OAuthProvider{"github": gh}))
	ada := register(t, f, "ada@example.com")

	finish := func(code string, mutate func(*account.OAuthCallbackInput)) (account.AuthResult, error) {
		start, err := f.Service.StartOAuth(ctx, "github", nil)
		require.NoError(t, err)
		in := account.OAuthCallbackInput{Provider: "github", Code: code, State: stateOf(t, start.RedirectURL),
			BrowserNonce: start.BrowserNonce, Client: client}
		if mutate != nil {
			mutate(&in)
		}
		return f.Service.FinishOAuth(ctx, in)
	}

	r, err := finish("new", nil)
	require.NoError(t, err)
	assert.Equal(t, "Octo Cat", r.User.DisplayName())
	assert.True(t, r.User.EmailVerified(), "the provider vouched for it")
	assert.False(t, r.User.HasPassword())
	link, err := f.Deps.Identities.Find(ctx, "github", "1")
	require.NoError(t, err)
	assert.NotContains(t, link.AccessTokenSealed, "gho_secret", "sealed at rest")
	opened, err := f.Deps.Box.Open(link.AccessTokenSealed)
	require.NoError(t, err)
	assert.Equal(t, "gho_secret", string(opened))

	again, err := finish("new", nil)
	require.NoError(t, err)
	assert.Equal(t, r.User.ID(), again.User.ID(), "the link signs the same account in")

	linked, err := finish("existing", nil)
	require.NoError(t, err)
	assert.Equal(t, ada.ID(), linked.User.ID(), "linked by verified email")
	assert.True(t, linked.User.EmailVerified())

	_, err = finish("unverified", nil)
	assert.ErrorIs(t, err, account.ErrUnverifiedProviderEmail)

	_, err = finish("new", func(in *account.OAuthCallbackInput) { in.BrowserNonce = "another browser" })
	assert.ErrorIs(t, err, account.ErrOAuthState)
	_, err = finish("new", func(in *account.OAuthCallbackInput) { in.State = "made-up" })
	assert.ErrorIs(t, err, account.ErrOAuthState)
	denied := fmt.Errorf("%w: access_denied", domain.ErrUnauthorized)
	_, err = finish("", func(in *account.OAuthCallbackInput) { in.ProviderError = denied })
	assert.ErrorIs(t, err, denied)

	// A replayed state: the first use consumed it.
	start, err := f.Service.StartOAuth(ctx, "github", nil)
	require.NoError(t, err)
	in := account.OAuthCallbackInput{Provider: "github", Code: "new", State: stateOf(t, start.RedirectURL), BrowserNonce: start.BrowserNonce}
	_, err = f.Service.FinishOAuth(ctx, in)
	require.NoError(t, err)
	_, err = f.Service.FinishOAuth(ctx, in)
	assert.ErrorIs(t, err, account.ErrOAuthState)

	// A state older than ten minutes.
	start, err = f.Service.StartOAuth(ctx, "github", nil)
	require.NoError(t, err)
	f.Clock.Advance(10*time.Minute + time.Second)
	_, err = f.Service.FinishOAuth(ctx, account.OAuthCallbackInput{Provider: "github", Code: "new",
		State: stateOf(t, start.RedirectURL), BrowserNonce: start.BrowserNonce})
	assert.ErrorIs(t, err, account.ErrOAuthState)

	_, err = f.Service.StartOAuth(ctx, "google", nil)
	assert.ErrorIs(t, err, account.ErrProviderNotConfigured)
	assert.True(t, errors.Is(err, domain.ErrUnavailable))
}

func TestRegisterAndRefreshThrottlingPerAccount(t *testing.T) {
	t.Parallel()
	f := accounttest.New(t, accounttest.WithLimits(account.Limits{
		RegisterPerAccount: account.Limit{N: 2, Window: time.Hour},
		RefreshPerAccount:  account.Limit{N: 2, Window: time.Minute}}))
	register(t, f, "ada@example.com")
	_, err := f.Service.Register(ctx, account.RegisterInput{Email: "ADA@example.com", Password: goodPassword, DisplayName: "A",
		Client: account.Client{IP: "203.0.113.5"}})
	require.ErrorIs(t, err, domain.ErrConflict)
	_, err = f.Service.Register(ctx, account.RegisterInput{Email: "ada@example.com", Password: goodPassword, DisplayName: "A",
		Client: account.Client{IP: "203.0.113.6"}})
	var rl *domain.RateLimitedError
	require.ErrorAs(t, err, &rl, "probing one address from many IPs is throttled too")

	r := login(t, f, "ada@example.com")
	for range 2 {
		r, err = f.Service.Refresh(ctx, r.RefreshToken, client)
		require.NoError(t, err)
	}
	_, err = f.Service.Refresh(ctx, r.RefreshToken, account.Client{IP: "203.0.113.7"})
	require.ErrorAs(t, err, &rl)
	f.Clock.Advance(time.Minute)
	_, err = f.Service.Refresh(ctx, r.RefreshToken, client)
	require.NoError(t, err, "a throttled refresh did not burn the token")
}
