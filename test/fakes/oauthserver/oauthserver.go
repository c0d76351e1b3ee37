// Package oauthserver runs fake GitHub and Google OAuth servers for tests.
// They speak the providers' wire formats, errors included: the authorize
// page redirects back with a code (or error=access_denied), the token
// endpoint checks the client, the code (single use), the redirect URI and
// the PKCE verifier, and the user APIs want the issued token. Every request
// and every grant is recorded so tests can assert what the client sent.
package oauthserver

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// codeTTL is how long an authorization code stays valid (GitHub: 10 min).
const codeTTL = 10 * time.Minute

// Faults switch on failure modes. The zero value is a healthy server.
type Faults struct {
	DenyAccess   bool          // authorize redirects back with error=access_denied
	TokenStatus  int           // the token endpoint answers this status (e.g. 500) instead of a token
	APIStatus    int           // the user APIs answer this status (e.g. 500)
	TokenLatency time.Duration // the token endpoint answers this late
	APILatency   time.Duration // the user APIs answer this late
}

// Request is one request the server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Form   url.Values // a POST's form body
	Header http.Header
}

// Grant is one authorization: what the authorize page was given, then what
// the token endpoint saw when the code came back.
type Grant struct {
	Code                string
	ClientID            string
	RedirectURI         string
	State               string
	Scopes              []string // as granted (Google expands email and profile)
	CodeChallenge       string
	CodeChallengeMethod string
	IssuedAt            time.Time

	Exchanges       int    // times the code was presented with valid client credentials
	Verifier        string // the last code_verifier presented
	VerifierMatched bool   // the last verifier matched the challenge
	AccessToken     string // issued token, "" until an exchange succeeds
}

// server is the part both fakes share: the HTTP server, the registered
// client, faults and records.
type server struct {
	srv          *httptest.Server
	clientID     string
	clientSecret string
	callbackURL  string

	mu       sync.Mutex
	faults   Faults
	requests []Request
	grants   []*Grant
	byCode   map[string]*Grant
	byToken  map[string]*Grant
}

func newServer(t testing.TB, clientID, clientSecret, callbackURL string, routes func(*http.ServeMux)) *server {
	t.Helper()
	s := &server{
		clientID:     clientID,
		clientSecret: clientSecret,
		callbackURL:  callbackURL,
		byCode:       map[string]*Grant{},
		byToken:      map[string]*Grant{},
	}
	mux := http.NewServeMux()
	routes(mux)
	s.srv = httptest.NewServer(s.record(mux))
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base URL, e.g. http://127.0.0.1:41234.
func (s *server) URL() string { return s.srv.URL }

// ClientID is the registered OAuth client's id.
func (s *server) ClientID() string { return s.clientID }

// ClientSecret is the registered OAuth client's secret.
func (s *server) ClientSecret() string { return s.clientSecret }

// SetFaults replaces the failure modes.
func (s *server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

func (s *server) currentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Requests returns every request received so far, oldest first.
func (s *server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Grants returns every authorization so far, oldest first.
func (s *server) Grants() []Grant {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Grant, len(s.grants))
	for i, g := range s.grants {
		out[i] = *g
		out[i].Scopes = slices.Clone(g.Scopes)
	}
	return out
}

// GrantFor returns the authorization that issued code.
func (s *server) GrantFor(code string) (Grant, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.byCode[code]
	if !ok {
		return Grant{}, false
	}
	out := *g
	out.Scopes = slices.Clone(g.Scopes)
	return out, true
}

// LastGrant returns the latest authorization; it fails the test if none.
func (s *server) LastGrant(t testing.TB) Grant {
	t.Helper()
	g := s.Grants()
	require.NotEmpty(t, g, "no authorization yet")
	return g[len(g)-1]
}

// IssuedTokens returns every access token handed out.
func (s *server) IssuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, g := range s.grants {
		if g.AccessToken != "" {
			out = append(out, g.AccessToken)
		}
	}
	return out
}

func (s *server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()}
		if r.Method == http.MethodPost {
			_ = r.ParseForm() // cached on r for the handler
			req.Form = cloneValues(r.PostForm)
		}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

// newGrant stores an authorization and returns its code.
func (s *server) newGrant(g Grant, code string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g.Code = code
	g.IssuedAt = time.Now()
	s.grants = append(s.grants, &g)
	s.byCode[code] = &g
	return code
}

// redeem is the token endpoint's check of a code. It returns a copy of the
// grant and what is wrong, "" when the token was issued.
func (s *server) redeem(code, clientID, redirectURI, verifier string, hasVerifier bool, token string) (Grant, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.byCode[code]
	if !ok || g.AccessToken != "" || time.Since(g.IssuedAt) > codeTTL || g.ClientID != clientID {
		return Grant{}, "bad_code"
	}
	g.Exchanges++
	if redirectURI != "" && redirectURI != g.RedirectURI {
		return *g, "redirect_uri_mismatch"
	}
	g.Verifier = verifier
	g.VerifierMatched = g.CodeChallenge == "" || (hasVerifier && pkceMatches(g.CodeChallengeMethod, g.CodeChallenge, verifier))
	if !g.VerifierMatched {
		if !hasVerifier {
			return *g, "missing_verifier"
		}
		return *g, "verifier_mismatch"
	}
	g.AccessToken = token
	s.byToken[token] = g
	return *g, ""
}

// bearer returns the grant behind the request's access token, if any.
// GitHub accepts "Bearer" and "token"; Google only "Bearer".
func (s *server) bearer(r *http.Request, schemes ...string) (Grant, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !slices.ContainsFunc(schemes, func(s string) bool { return strings.EqualFold(s, scheme) }) {
		return Grant{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.byToken[strings.TrimSpace(tok)]
	if !ok {
		return Grant{}, false
	}
	return *g, true
}

// clientAuth reads the client's credentials from the form or from HTTP
// Basic auth (RFC 6749 §2.3.1) and checks them.
func (s *server) clientAuth(r *http.Request) (string, bool) {
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(p)
	}
	return id, id == s.clientID && secret == s.clientSecret && secret != ""
}

var verifierFormat = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// pkceMatches checks a code_verifier against the challenge (RFC 7636 §4.6).
func pkceMatches(method, challenge, verifier string) bool {
	if !verifierFormat.MatchString(verifier) {
		return false
	}
	switch method {
	case "S256":
		sum := sha256.Sum256([]byte(verifier))
		return base64.RawURLEncoding.EncodeToString(sum[:]) == challenge
	case "plain", "":
		return verifier == challenge
	default:
		return false
	}
}

// wait sleeps d, or until the client gives up; false if it did.
func wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// redirect sends the browser back to the client's callback with params.
func redirect(w http.ResponseWriter, r *http.Request, callback string, params url.Values) {
	u, err := url.Parse(callback)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeHTML(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "<!DOCTYPE html><html><body>"+body+"</body></html>\n")
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomB64(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vv := range v {
		out[k] = slices.Clone(vv)
	}
	return out
}

// Callback opens authCodeURL as a browser whose user consents would, without
// following the redirect back to the app, and returns the query the app's
// callback would receive: code and state, or error and state.
func Callback(t testing.TB, authCodeURL string) url.Values {
	t.Helper()
	browser := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := browser.Get(authCodeURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusFound, resp.StatusCode, "authorize page did not redirect: %s", body)
	loc, err := resp.Location()
	require.NoError(t, err)
	return loc.Query()
}

// Authorize drives the authorize page to a code: it returns the code and
// state the app's callback would receive, failing the test on an error.
func Authorize(t testing.TB, authCodeURL string) (code, state string) {
	t.Helper()
	q := Callback(t, authCodeURL)
	require.Empty(t, q.Get("error"), "authorize answered an error: %v", q)
	require.NotEmpty(t, q.Get("code"), "no code in %v", q)
	return q.Get("code"), q.Get("state")
}
