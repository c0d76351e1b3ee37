package oauth

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/codementor/codementor/ports"
)

const (
	githubAPIVersion = "2022-11-28"
	githubUserAgent  = "codementor"
)

// GitHubOptions configures the GitHub provider. The URLs default to
// github.com; tests and GitHub Enterprise point them elsewhere.
type GitHubOptions struct {
	ClientID     string
	ClientSecret string
	RedirectURL  string // our callback, registered with the OAuth app
	// AuthURL is the base of GitHub's OAuth pages (GITHUB_OAUTH_URL):
	// {AuthURL}/login/oauth/authorize and {AuthURL}/login/oauth/access_token.
	// Default https://github.com.
	AuthURL string
	// APIURL is the REST API base (GITHUB_API_URL), default
	// https://api.github.com; GitHub Enterprise uses https://host/api/v3.
	APIURL string
	// Scopes asked for by default: read:user and user:email.
	Scopes     []string
	HTTPClient *http.Client  // default: a plain client
	Timeout    time.Duration // bounds one Exchange; default 10s
}

// GitHub signs people in with a GitHub OAuth app.
type GitHub struct {
	c   client
	api string
}

var _ ports.OAuthProvider = (*GitHub)(nil)

// NewGitHub checks the options and builds the provider.
func NewGitHub(o GitHubOptions) (*GitHub, error) {
	authURL, err := absoluteURL(withDefault(o.AuthURL, "https://github.com"))
	if err != nil {
		return nil, fmt.Errorf("github oauth: auth url: %w", err)
	}
	api, err := absoluteURL(withDefault(o.APIURL, "https://api.github.com"))
	if err != nil {
		return nil, fmt.Errorf("github oauth: api url: %w", err)
	}
	scopes := o.Scopes
	if len(scopes) == 0 {
		scopes = []string{"read:user", "user:email"}
	}
	c, err := newClient("github", o.ClientID, o.ClientSecret, o.RedirectURL, oauth2.Endpoint{
		AuthURL:  authURL + "/login/oauth/authorize",
		TokenURL: authURL + "/login/oauth/access_token",
	}, scopes, o.HTTPClient, o.Timeout)
	if err != nil {
		return nil, err
	}
	return &GitHub{c: c, api: api}, nil
}

// Name is the provider's name in identities and routes.
func (g *GitHub) Name() string { return "github" }

// AuthCodeURL is GitHub's authorize page with state and the S256 challenge.
func (g *GitHub) AuthCodeURL(state, verifier string, scopes []string) string {
	return g.c.authCodeURL(state, verifier, scopes)
}

type githubUser struct {
	ID        int64   `json:"id"`
	Login     string  `json:"login"`
	Name      *string `json:"name"`
	Email     *string `json:"email"`
	AvatarURL string  `json:"avatar_url"`
}

type githubEmail struct {
	Email    string `json:"email"`
	Primary  bool   `json:"primary"`
	Verified bool   `json:"verified"`
}

// Exchange trades the code for a token, then reads /user and /user/emails.
func (g *GitHub) Exchange(ctx context.Context, code, verifier string) (ports.OAuthIdentity, error) {
	ctx, cancel := g.c.begin(ctx)
	defer cancel()
	tok, err := g.c.token(ctx, code, verifier)
	if err != nil {
		return ports.OAuthIdentity{}, err
	}

	resp, err := g.c.get(ctx, g.api+"/user", tok, githubHeaders())
	if err != nil {
		return ports.OAuthIdentity{}, err
	}
	if resp.status != http.StatusOK {
		return ports.OAuthIdentity{}, g.c.failed(tok, "/user", resp)
	}
	var u githubUser
	if err := g.c.decode(tok, "/user", resp, &u); err != nil {
		return ports.OAuthIdentity{}, err
	}
	if u.ID <= 0 || u.Login == "" {
		return ports.OAuthIdentity{}, g.c.redactor(tok.AccessToken).fail(ErrProvider, nil, "GET /user: no id or login")
	}
	id := ports.OAuthIdentity{
		Provider:    g.Name(),
		Subject:     strconv.FormatInt(u.ID, 10),
		Login:       u.Login,
		Name:        deref(u.Name),
		AvatarURL:   u.AvatarURL,
		AccessToken: tok.AccessToken,
		Scopes:      githubScopes(resp.header, tok),
	}

	// The profile's email is only the public one, and says nothing of
	// verification: the emails endpoint decides.
	emails, err := g.c.get(ctx, g.api+"/user/emails", tok, githubHeaders())
	if err != nil {
		return ports.OAuthIdentity{}, err
	}
	switch emails.status {
	case http.StatusOK:
		var list []githubEmail
		if err := g.c.decode(tok, "/user/emails", emails, &list); err != nil {
			return ports.OAuthIdentity{}, err
		}
		for _, e := range list {
			if e.Primary {
				id.Email, id.EmailVerified = e.Email, e.Verified
			}
		}
	case http.StatusNotFound, http.StatusForbidden:
		// Without the user:email scope GitHub hides the list; keep the
		// public email but do not vouch for it.
		if statusKind(&http.Response{StatusCode: emails.status, Header: emails.header}, true) == ErrUnavailable {
			return ports.OAuthIdentity{}, g.c.failed(tok, "/user/emails", emails)
		}
		id.Email = deref(u.Email)
	default:
		return ports.OAuthIdentity{}, g.c.failed(tok, "/user/emails", emails)
	}
	return id, nil
}

func githubHeaders() http.Header {
	return http.Header{
		"Accept":               {"application/vnd.github+json"},
		"X-Github-Api-Version": {githubAPIVersion},
		"User-Agent":           {githubUserAgent},
	}
}

// githubScopes reads the granted scopes from X-OAuth-Scopes ("read:user,
// user:email"), falling back to the token response's comma-separated scope.
func githubScopes(h http.Header, tok *oauth2.Token) []string {
	raw := ""
	if v := h.Values("X-OAuth-Scopes"); len(v) > 0 {
		raw = strings.Join(v, ",")
	} else if s, ok := tok.Extra("scope").(string); ok {
		raw = s
	}
	scopes := []string{}
	for _, s := range strings.Split(raw, ",") {
		if s = strings.TrimSpace(s); s != "" {
			scopes = append(scopes, s)
		}
	}
	return scopes
}

func withDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
