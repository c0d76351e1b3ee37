package oauthserver

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

const (
	githubDocs       = "https://docs.github.com/rest"
	githubAPIVersion = "2022-11-28"
	githubTokenDocs  = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors"
)

// GitHubEmail is one entry of GET /user/emails.
type GitHubEmail struct {
	Email      string
	Primary    bool
	Verified   bool
	Visibility string // "public", "private" or "" (null)
}

// GitHubUser is who signs in on the fake GitHub.
type GitHubUser struct {
	ID          int64
	Login       string
	Name        string // "" is sent as null
	AvatarURL   string
	PublicEmail string // the profile's public email; "" is sent as null
	Emails      []GitHubEmail
}

// DefaultGitHubUser is octocat, with a verified, public, primary email.
func DefaultGitHubUser() GitHubUser {
	return GitHubUser{
		ID:          583231,
		Login:       "octocat",
		Name:        "The Octocat",
		AvatarURL:   "https://avatars.githubusercontent.com/u/583231?v=4",
		PublicEmail: "octocat@github.com",
		Emails: []GitHubEmail{
			{Email: "octocat@github.com", Primary: true, Verified: true, Visibility: "public"},
			{Email: "octocat@users.noreply.github.com", Verified: true},
		},
	}
}

// GitHubConfig registers the OAuth app and the user; zero fields get defaults.
type GitHubConfig struct {
	ClientID     string // default "Iv1.fake0github0app"
	ClientSecret string // default random
	CallbackURL  string // the registered callback; "" accepts any redirect_uri
	User         *GitHubUser
}

// GitHub is a fake github.com (OAuth pages) and api.github.com on one
// server: point both base URLs at URL().
//
//	GET  /login/oauth/authorize     consents at once and redirects back
//	POST /login/oauth/access_token  form or JSON per Accept; errors with status 200
//	GET  /user, GET /user/emails    want "Bearer <token>" or "token <token>"
type GitHub struct {
	*server
	userMu sync.Mutex
	user   GitHubUser
}

// NewGitHub starts a fake GitHub, closed when the test ends.
func NewGitHub(t testing.TB, cfg GitHubConfig) *GitHub {
	t.Helper()
	if cfg.ClientID == "" {
		cfg.ClientID = "Iv1.fake0github0app"
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = "ghsecret_" + randomHex(20)
	}
	g := &GitHub{user: DefaultGitHubUser()}
	if cfg.User != nil {
		g.user = *cfg.User
	}
	g.server = newServer(t, cfg.ClientID, cfg.ClientSecret, cfg.CallbackURL, func(mux *http.ServeMux) {
		mux.HandleFunc("GET /login/oauth/authorize", g.authorize)
		mux.HandleFunc("POST /login/oauth/access_token", g.token)
		mux.HandleFunc("GET /user", g.api(g.getUser))
		mux.HandleFunc("GET /user/emails", g.api(g.getEmails))
		mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusNotFound, githubError("Not Found", "404"))
		})
	})
	return g
}

// SetUser changes who signs in.
func (g *GitHub) SetUser(u GitHubUser) {
	g.userMu.Lock()
	defer g.userMu.Unlock()
	g.user = u
}

func (g *GitHub) currentUser() GitHubUser {
	g.userMu.Lock()
	defer g.userMu.Unlock()
	u := g.user
	u.Emails = slices.Clone(u.Emails)
	return u
}

func (g *GitHub) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != g.clientID {
		writeHTML(w, http.StatusNotFound, "<h1>404</h1><p>This is not the web page you are looking for.</p>")
		return
	}
	callback := q.Get("redirect_uri")
	if callback == "" {
		callback = g.callbackURL
	}
	if callback == "" {
		writeHTML(w, http.StatusBadRequest, "<p>The redirect_uri is missing and the app has no callback URL.</p>")
		return
	}
	state := q.Get("state")
	fail := func(code, desc, uri string) {
		p := url.Values{"error": {code}, "error_description": {desc}, "error_uri": {uri}}
		if state != "" {
			p.Set("state", state)
		}
		redirect(w, r, callback, p)
	}
	if g.callbackURL != "" && callback != g.callbackURL {
		// GitHub sends the browser to the registered callback instead.
		callback = g.callbackURL
		fail("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.",
			"https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#redirect-uri-mismatch")
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" && method != "S256" {
		fail("invalid_request", "code_challenge_method must be S256", "https://docs.github.com/apps/oauth-apps")
		return
	}
	if g.currentFaults().DenyAccess {
		fail("access_denied", "The user has denied your application access.",
			"https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied")
		return
	}
	code := g.newGrant(Grant{
		ClientID:            g.clientID,
		RedirectURI:         q.Get("redirect_uri"),
		State:               state,
		Scopes:              strings.Fields(strings.ReplaceAll(q.Get("scope"), ",", " ")),
		CodeChallenge:       challenge,
		CodeChallengeMethod: method,
	}, randomHex(10))
	p := url.Values{"code": {code}}
	if state != "" {
		p.Set("state", state)
	}
	redirect(w, r, callback, p)
}

func (g *GitHub) token(w http.ResponseWriter, r *http.Request) {
	f := g.currentFaults()
	if !wait(r.Context(), f.TokenLatency) {
		return
	}
	if f.TokenStatus != 0 {
		writeHTML(w, f.TokenStatus, "<h1>Whoa there!</h1><p>"+http.StatusText(f.TokenStatus)+"</p>")
		return
	}
	asJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	answer := func(v url.Values) {
		if asJSON {
			m := map[string]string{}
			for k := range v {
				m[k] = v.Get(k)
			}
			writeJSON(w, http.StatusOK, m)
			return
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		_, _ = w.Write([]byte(v.Encode()))
	}
	// GitHub answers token errors with 200 and an error field.
	fail := func(code, desc, anchor string) {
		answer(url.Values{"error": {code}, "error_description": {desc}, "error_uri": {githubTokenDocs + anchor}})
	}
	clientID, ok := g.clientAuth(r)
	if !ok {
		fail("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.", "#incorrect-client-credentials")
		return
	}
	verifier, hasVerifier := r.PostForm["code_verifier"]
	token := "gho_" + randomB64(27)[:36]
	grant, problem := g.redeem(r.PostForm.Get("code"), clientID, r.PostForm.Get("redirect_uri"), first(verifier), hasVerifier, token)
	switch problem {
	case "":
		answer(url.Values{"access_token": {token}, "token_type": {"bearer"}, "scope": {strings.Join(grant.Scopes, ",")}})
	case "redirect_uri_mismatch":
		fail(problem, "The redirect_uri MUST match the registered callback URL for this application.", "#redirect-uri-mismatch2")
	default: // bad, used or expired code; PKCE verifier missing or wrong
		fail("bad_verification_code", "The code passed is incorrect or expired.", "#bad-verification-code")
	}
}

// api wraps the REST endpoints: faults, token check, version and headers.
func (g *GitHub) api(h func(http.ResponseWriter, Grant)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := g.currentFaults()
		if !wait(r.Context(), f.APILatency) {
			return
		}
		w.Header().Set("X-GitHub-Media-Type", "github.v3; format=json")
		if r.Header.Get("User-Agent") == "" {
			writeJSON(w, http.StatusForbidden, githubError("Request forbidden by administrative rules. Please make sure your request has a User-Agent header.", "403"))
			return
		}
		if v := r.Header.Get("X-GitHub-Api-Version"); v != "" && v != githubAPIVersion {
			writeJSON(w, http.StatusBadRequest, githubError("Unsupported 'X-GitHub-Api-Version' header value: "+v, "400"))
			return
		}
		if f.APIStatus != 0 {
			writeJSON(w, f.APIStatus, githubError(http.StatusText(f.APIStatus), "")) // GitHub's 5xx bodies vary
			return
		}
		grant, ok := g.bearer(r, "Bearer", "token")
		if !ok {
			msg := "Bad credentials"
			if r.Header.Get("Authorization") == "" {
				msg = "Requires authentication"
			}
			writeJSON(w, http.StatusUnauthorized, githubError(msg, "401"))
			return
		}
		w.Header().Set("X-OAuth-Scopes", strings.Join(grant.Scopes, ", "))
		h(w, grant)
	}
}

func (g *GitHub) getUser(w http.ResponseWriter, _ Grant) {
	w.Header().Set("X-Accepted-OAuth-Scopes", "")
	u := g.currentUser()
	writeJSON(w, http.StatusOK, map[string]any{
		"login":      u.Login,
		"id":         u.ID,
		"node_id":    "MDQ6VXNlcjE=",
		"avatar_url": u.AvatarURL,
		"html_url":   "https://github.com/" + u.Login,
		"type":       "User",
		"site_admin": false,
		"name":       nullable(u.Name),
		"email":      nullable(u.PublicEmail),
		"created_at": "2011-01-25T18:44:36Z",
	})
}

func (g *GitHub) getEmails(w http.ResponseWriter, grant Grant) {
	w.Header().Set("X-Accepted-OAuth-Scopes", "user, user:email")
	if !slices.Contains(grant.Scopes, "user:email") && !slices.Contains(grant.Scopes, "user") {
		writeJSON(w, http.StatusNotFound, githubError("Not Found", "404"))
		return
	}
	type email struct {
		Email      string  `json:"email"`
		Primary    bool    `json:"primary"`
		Verified   bool    `json:"verified"`
		Visibility *string `json:"visibility"`
	}
	out := []email{}
	for _, e := range g.currentUser().Emails {
		var vis *string
		if e.Visibility != "" {
			vis = &e.Visibility
		}
		out = append(out, email{Email: e.Email, Primary: e.Primary, Verified: e.Verified, Visibility: vis})
	}
	writeJSON(w, http.StatusOK, out)
}

func githubError(msg, status string) map[string]string {
	m := map[string]string{"message": msg, "documentation_url": githubDocs}
	if status != "" {
		m["status"] = status
	}
	return m
}

func nullable(s string) json.RawMessage {
	if s == "" {
		return json.RawMessage("null")
	}
	b, _ := json.Marshal(s)
	return b
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}
