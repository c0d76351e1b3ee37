package oauthserver

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const googleScopePrefix = "https://www.googleapis.com/auth/"

// GoogleUser is who signs in on the fake Google.
type GoogleUser struct {
	Sub           string
	Email         string
	EmailVerified bool
	Name          string
	GivenName     string
	FamilyName    string
	Picture       string
}

// DefaultGoogleUser has a verified Gmail address.
func DefaultGoogleUser() GoogleUser {
	return GoogleUser{
		Sub:           "110169484474386276334",
		Email:         "ada.lovelace@gmail.com",
		EmailVerified: true,
		Name:          "Ada Lovelace",
		GivenName:     "Ada",
		FamilyName:    "Lovelace",
		Picture:       "https://lh3.googleusercontent.com/a/ACg8ocfake=s96-c",
	}
}

// GoogleConfig registers the OAuth client and the user; zero fields get defaults.
type GoogleConfig struct {
	ClientID     string // default "123456789012-fake.apps.googleusercontent.com"
	ClientSecret string // default "GOCSPX-" + random
	CallbackURL  string // the registered redirect URI; "" accepts any
	User         *GoogleUser
}

// Google is a fake Google sign-in on one server, at the paths the adapter
// derives from a base URL:
//
//	GET  /o/oauth2/v2/auth  consents at once and redirects back
//	POST /token             JSON answers, RFC 6749 errors with 400/401
//	GET  /v1/userinfo       OpenID Connect userinfo, wants "Bearer <token>"
//
// The id_token in token answers is shaped like a JWT but not signed by any
// real key: verify identities through userinfo.
type Google struct {
	*server
	userMu sync.Mutex
	user   GoogleUser
}

// NewGoogle starts a fake Google, closed when the test ends.
func NewGoogle(t testing.TB, cfg GoogleConfig) *Google {
	t.Helper()
	if cfg.ClientID == "" {
		cfg.ClientID = "123456789012-fake.apps.googleusercontent.com"
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = "GOCSPX-" + randomB64(21)
	}
	g := &Google{user: DefaultGoogleUser()}
	if cfg.User != nil {
		g.user = *cfg.User
	}
	g.server = newServer(t, cfg.ClientID, cfg.ClientSecret, cfg.CallbackURL, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /o/oauth2/v2/auth", g.authorize)
		mux.HandleFunc("POST /token", g.token)
		mux.HandleFunc("GET /v1/userinfo", g.userinfo)
	})
	return g
}

// SetUser changes who signs in.
func (g *Google) SetUser(u GoogleUser) {
	g.userMu.Lock()
	defer g.userMu.Unlock()
	g.user = u
}

func (g *Google) currentUser() GoogleUser {
	g.userMu.Lock()
	defer g.userMu.Unlock()
	return g.user
}

// googleErrorPage is how Google shows the authorize errors it does not redirect.
func googleErrorPage(w http.ResponseWriter, status int, code, detail string) {
	writeHTML(w, status, "<h1>Access blocked: Authorization Error</h1><p>"+detail+"</p><p>Error "+
		strconv.Itoa(status)+": "+code+"</p>")
}

func (g *Google) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != g.clientID {
		googleErrorPage(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	}
	callback := q.Get("redirect_uri")
	if callback == "" || (g.callbackURL != "" && callback != g.callbackURL) {
		googleErrorPage(w, http.StatusBadRequest, "redirect_uri_mismatch", "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy.")
		return
	}
	scope := q.Get("scope")
	if scope == "" {
		googleErrorPage(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: scope")
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" && method != "" && method != "S256" && method != "plain" {
		googleErrorPage(w, http.StatusBadRequest, "invalid_request", "Invalid code_challenge_method value.")
		return
	}
	state := q.Get("state")
	fail := func(code string) {
		p := url.Values{"error": {code}}
		if state != "" {
			p.Set("state", state)
		}
		redirect(w, r, callback, p)
	}
	if q.Get("response_type") != "code" {
		fail("unsupported_response_type")
		return
	}
	if g.currentFaults().DenyAccess {
		fail("access_denied")
		return
	}
	code := g.newGrant(Grant{
		ClientID:            g.clientID,
		RedirectURI:         callback,
		State:               state,
		Scopes:              googleScopes(scope),
		CodeChallenge:       challenge,
		CodeChallengeMethod: method,
	}, "4/0A"+randomB64(48))
	p := url.Values{"code": {code}, "scope": {strings.Join(googleScopes(scope), " ")}, "authuser": {"0"}, "prompt": {"consent"}}
	if state != "" {
		p.Set("state", state)
	}
	redirect(w, r, callback, p)
}

// googleScopes expands the short names Google accepts into the URLs it grants.
func googleScopes(scope string) []string {
	var out []string
	for _, s := range strings.Fields(scope) {
		switch s {
		case "email", "profile":
			s = googleScopePrefix + "userinfo." + s
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (g *Google) token(w http.ResponseWriter, r *http.Request) {
	f := g.currentFaults()
	if !wait(r.Context(), f.TokenLatency) {
		return
	}
	if f.TokenStatus != 0 {
		writeHTML(w, f.TokenStatus, "<p><b>"+strconv.Itoa(f.TokenStatus)+".</b> <ins>That’s an error.</ins></p>")
		return
	}
	fail := func(status int, code, desc string) {
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if gt := r.PostForm.Get("grant_type"); gt != "authorization_code" {
		fail(http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+gt)
		return
	}
	clientID, ok := g.clientAuth(r)
	if !ok {
		fail(http.StatusUnauthorized, "invalid_client", "Unauthorized")
		return
	}
	verifier, hasVerifier := r.PostForm["code_verifier"]
	token := "ya29.a0" + randomB64(96)
	grant, problem := g.redeem(r.PostForm.Get("code"), clientID, r.PostForm.Get("redirect_uri"), first(verifier), hasVerifier, token)
	switch problem {
	case "":
		w.Header().Set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate")
		body := map[string]any{
			"access_token": token,
			"expires_in":   3599,
			"scope":        strings.Join(grant.Scopes, " "),
			"token_type":   "Bearer",
		}
		if slices.Contains(grant.Scopes, "openid") {
			body["id_token"] = g.idToken(grant)
		}
		writeJSON(w, http.StatusOK, body)
	case "redirect_uri_mismatch":
		fail(http.StatusBadRequest, problem, "Bad Request")
	case "missing_verifier":
		fail(http.StatusBadRequest, "invalid_grant", "Missing code verifier.")
	case "verifier_mismatch":
		fail(http.StatusBadRequest, "invalid_grant", "Invalid code verifier.")
	default:
		fail(http.StatusBadRequest, "invalid_grant", "Bad Request")
	}
}

// idToken is shaped like Google's but signed by no real key.
func (g *Google) idToken(grant Grant) string {
	u := g.currentUser()
	now := time.Now().Unix()
	part := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return part(map[string]string{"alg": "RS256", "kid": "fake", "typ": "JWT"}) + "." +
		part(map[string]any{
			"iss": g.URL(), "aud": grant.ClientID, "azp": grant.ClientID, "sub": u.Sub,
			"email": u.Email, "email_verified": u.EmailVerified, "iat": now, "exp": now + 3599,
		}) + "." + randomB64(256)
}

func (g *Google) userinfo(w http.ResponseWriter, r *http.Request) {
	f := g.currentFaults()
	if !wait(r.Context(), f.APILatency) {
		return
	}
	if f.APIStatus != 0 {
		writeJSON(w, f.APIStatus, map[string]any{"error": map[string]any{
			"code": f.APIStatus, "message": http.StatusText(f.APIStatus), "status": "INTERNAL",
		}})
		return
	}
	grant, ok := g.bearer(r, "Bearer")
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_request", "error_description": "Invalid Credentials"})
		return
	}
	u := g.currentUser()
	body := map[string]any{"sub": u.Sub}
	if slices.Contains(grant.Scopes, googleScopePrefix+"userinfo.email") {
		body["email"] = u.Email
		body["email_verified"] = u.EmailVerified
	}
	if slices.Contains(grant.Scopes, googleScopePrefix+"userinfo.profile") {
		body["name"] = u.Name
		body["given_name"] = u.GivenName
		body["family_name"] = u.FamilyName
		body["picture"] = u.Picture
	}
	writeJSON(w, http.StatusOK, body)
}
