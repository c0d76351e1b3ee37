package oauth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/codementor/codementor/ports"
)

// Google's production endpoints.
const (
	GoogleAuthURL     = "https://accounts.google.com/o/oauth2/v2/auth"
	GoogleTokenURL    = "https://oauth2.googleapis.com/token"
	GoogleUserInfoURL = "https://openidconnect.googleapis.com/v1/userinfo"
)

// GoogleOptions configures the Google provider. Each endpoint is, in order:
// its own option when set; else derived from BaseURL (GOOGLE_OAUTH_URL) as
// {base}/o/oauth2/v2/auth, {base}/token and {base}/v1/userinfo (the paths the
// test fake serves); else Google's production URL.
type GoogleOptions struct {
	ClientID     string
	ClientSecret string
	RedirectURL  string
	BaseURL      string
	AuthURL      string
	TokenURL     string
	UserInfoURL  string
	// Scopes asked for by default: openid, email and profile.
	Scopes     []string
	HTTPClient *http.Client  // default: a plain client
	Timeout    time.Duration // bounds one Exchange; default 10s
}

// Google signs people in with Google (OpenID Connect's userinfo endpoint).
type Google struct {
	c        client
	userInfo string
}

var _ ports.OAuthProvider = (*Google)(nil)

// NewGoogle checks the options and builds the provider.
func NewGoogle(o GoogleOptions) (*Google, error) {
	auth, token, info := GoogleAuthURL, GoogleTokenURL, GoogleUserInfoURL
	if o.BaseURL != "" {
		base, err := absoluteURL(o.BaseURL)
		if err != nil {
			return nil, fmt.Errorf("google oauth: base url: %w", err)
		}
		auth, token, info = base+"/o/oauth2/v2/auth", base+"/token", base+"/v1/userinfo"
	}
	for _, u := range []struct {
		name, opt string
		dst       *string
	}{{"auth url", o.AuthURL, &auth}, {"token url", o.TokenURL, &token}, {"userinfo url", o.UserInfoURL, &info}} {
		if u.opt == "" {
			continue
		}
		v, err := absoluteURL(u.opt)
		if err != nil {
			return nil, fmt.Errorf("google oauth: %s: %w", u.name, err)
		}
		*u.dst = v
	}
	scopes := o.Scopes
	if len(scopes) == 0 {
		scopes = []string{"openid", "email", "profile"}
	}
	c, err := newClient("google", o.ClientID, o.ClientSecret, o.RedirectURL,
		oauth2.Endpoint{AuthURL: auth, TokenURL: token}, scopes, o.HTTPClient, o.Timeout)
	if err != nil {
		return nil, err
	}
	return &Google{c: c, userInfo: info}, nil
}

// Name is the provider's name in identities and routes.
func (g *Google) Name() string { return "google" }

// AuthCodeURL is Google's consent page with state and the S256 challenge.
func (g *Google) AuthCodeURL(state, verifier string, scopes []string) string {
	return g.c.authCodeURL(state, verifier, scopes)
}

type googleUserInfo struct {
	Sub           string   `json:"sub"`
	Email         string   `json:"email"`
	EmailVerified flexBool `json:"email_verified"`
	Name          string   `json:"name"`
	Picture       string   `json:"picture"`
}

// flexBool accepts true and "true": Google has sent both over the years.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch t := v.(type) {
	case bool:
		*b = flexBool(t)
	case string:
		*b = flexBool(strings.EqualFold(t, "true"))
	case nil:
		*b = false
	default:
		return fmt.Errorf("email_verified: unexpected %T", v)
	}
	return nil
}

// Exchange trades the code for a token, then reads the userinfo endpoint.
func (g *Google) Exchange(ctx context.Context, code, verifier string) (ports.OAuthIdentity, error) {
	ctx, cancel := g.c.begin(ctx)
	defer cancel()
	tok, err := g.c.token(ctx, code, verifier)
	if err != nil {
		return ports.OAuthIdentity{}, err
	}
	resp, err := g.c.get(ctx, g.userInfo, tok, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return ports.OAuthIdentity{}, err
	}
	const path = "userinfo"
	if resp.status != http.StatusOK {
		return ports.OAuthIdentity{}, g.c.failed(tok, path, resp)
	}
	var u googleUserInfo
	if err := g.c.decode(tok, path, resp, &u); err != nil {
		return ports.OAuthIdentity{}, err
	}
	if u.Sub == "" {
		return ports.OAuthIdentity{}, g.c.redactor(tok.AccessToken).fail(ErrProvider, nil, "GET %s: no sub", path)
	}
	scopes := []string{}
	if s, ok := tok.Extra("scope").(string); ok {
		scopes = strings.Fields(s)
	}
	return ports.OAuthIdentity{
		Provider:      g.Name(),
		Subject:       u.Sub,
		Email:         u.Email,
		EmailVerified: bool(u.EmailVerified) && u.Email != "",
		Name:          u.Name,
		AvatarURL:     u.Picture,
		AccessToken:   tok.AccessToken,
		Scopes:        scopes,
	}, nil
}
