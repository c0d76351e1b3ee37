package ports

import "context"

// OAuthIdentity is what a provider says about the person who signed in.
type OAuthIdentity struct {
	Provider      string // "github" or "google"
	Subject       string // the provider's stable user id
	Email         string // primary email, "" if the provider gave none
	EmailVerified bool
	Login         string // GitHub login; "" for Google
	Name          string
	AvatarURL     string
	AccessToken   string   // kept (encrypted) for the GitHub integration
	Scopes        []string // scopes the provider granted
}

// OAuthProvider runs the authorization-code flow with PKCE (S256).
type OAuthProvider interface {
	Name() string
	// AuthCodeURL is where to send the browser: it carries state and the
	// PKCE challenge derived from verifier. scopes overrides the defaults
	// when not empty.
	AuthCodeURL(state, verifier string, scopes []string) string
	// Exchange trades the code (and the PKCE verifier) for a token and
	// reads the person's identity with it.
	Exchange(ctx context.Context, code, verifier string) (OAuthIdentity, error)
}
