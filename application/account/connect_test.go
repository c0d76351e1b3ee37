package account_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/application/account"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
)

func TestConnectGitHubToASignedInAccount(t *testing.T) {
	t.Parallel()
	gh := &fakeProvider{name: "github", verifiers: map[string]string{}, identities: map[string]ports.OAuthIdentity{
		// Another address than the account's, not even verified: a
		// connect needs neither, the learner is signed in.
		"bob": {Provider: "github", Subject: "42", Email: "bob@work.example", EmailVerified: false, Login: "bobgh",
			AccessToken: "gho_bob", Scopes: []string{"read:user", "user:email", "repo"}},
		"taken": {Provider: "github", Subject: "7", Email: "ada@example.com", EmailVerified: true, Login: "ada",
			AccessToken: "gho_ada"},
	}}
	f := accounttest.New(t, accounttest.WithProviders(map[string]ports.OAuthProvider{"github": gh}))
	bob := register(t, f, "bob@example.com")

	connect := func(userID, code string) (account.AuthResult, error) {
		ticket, err := f.Service.StartConnect(ctx, "github", userID, account.GitHubScopes(true))
		require.NoError(t, err)
		start, err := f.Service.StartOAuthConnect(ctx, "github", ticket)
		require.NoError(t, err)
		return f.Service.FinishOAuth(ctx, account.OAuthCallbackInput{Provider: "github", Code: code,
			State: stateOf(t, start.RedirectURL), BrowserNonce: start.BrowserNonce, Client: client})
	}

	r, err := connect(bob.ID(), "bob")
	require.NoError(t, err)
	assert.Equal(t, bob.ID(), r.User.ID(), "the connect links to the learner who asked, whatever the GitHub address")
	link, err := f.Deps.Identities.Find(ctx, "github", "42")
	require.NoError(t, err)
	assert.Equal(t, bob.ID(), link.UserID)
	assert.Equal(t, "bobgh", link.Login)
	assert.Equal(t, []string{"read:user", "user:email", "repo"}, link.Scopes)
	opened, err := f.Deps.Box.Open(link.AccessTokenSealed)
	require.NoError(t, err)
	assert.Equal(t, "gho_bob", string(opened))

	again, err := connect(bob.ID(), "bob")
	require.NoError(t, err, "connecting again refreshes the stored token")
	assert.Equal(t, bob.ID(), again.User.ID())

	// A GitHub account already linked to someone else stays theirs.
	ada := register(t, f, "ada@example.com")
	start, err := f.Service.StartOAuth(ctx, "github", nil)
	require.NoError(t, err)
	signedIn, err := f.Service.FinishOAuth(ctx, account.OAuthCallbackInput{Provider: "github", Code: "taken",
		State: stateOf(t, start.RedirectURL), BrowserNonce: start.BrowserNonce, Client: client})
	require.NoError(t, err)
	require.Equal(t, ada.ID(), signedIn.User.ID())
	_, err = connect(bob.ID(), "taken")
	assert.ErrorIs(t, err, account.ErrGitHubLinkedElsewhere)
	taken, err := f.Deps.Identities.Find(ctx, "github", "7")
	require.NoError(t, err)
	assert.Equal(t, ada.ID(), taken.UserID)

	// Tickets are single use, for one provider, and expire with states.
	ticket, err := f.Service.StartConnect(ctx, "github", bob.ID(), nil)
	require.NoError(t, err)
	_, err = f.Service.StartOAuthConnect(ctx, "github", ticket)
	require.NoError(t, err)
	_, err = f.Service.StartOAuthConnect(ctx, "github", ticket)
	assert.ErrorIs(t, err, account.ErrOAuthState, "a used ticket")
	_, err = f.Service.StartOAuthConnect(ctx, "github", "made-up")
	assert.ErrorIs(t, err, account.ErrOAuthState)
	_, err = f.Service.StartOAuthConnect(ctx, "github", "")
	assert.ErrorIs(t, err, account.ErrOAuthState)
	ticket, err = f.Service.StartConnect(ctx, "github", bob.ID(), nil)
	require.NoError(t, err)
	f.Clock.Advance(10*time.Minute + time.Second)
	_, err = f.Service.StartOAuthConnect(ctx, "github", ticket)
	assert.ErrorIs(t, err, account.ErrOAuthState, "an expired ticket")
	_, err = f.Service.StartConnect(ctx, "google", bob.ID(), nil)
	assert.ErrorIs(t, err, account.ErrProviderNotConfigured)

	// A sign-in state cannot be passed off as a connect ticket.
	start, err = f.Service.StartOAuth(ctx, "github", nil)
	require.NoError(t, err)
	_, err = f.Service.StartOAuthConnect(ctx, "github", stateOf(t, start.RedirectURL))
	assert.ErrorIs(t, err, account.ErrOAuthState)
}

func TestGitHubScopesAskForPrivateRepositoriesOnlyOnRequest(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"read:user", "user:email"}, account.GitHubScopes(false))
	assert.Equal(t, []string{"read:user", "user:email", "repo"}, account.GitHubScopes(true))
}
