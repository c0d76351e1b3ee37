package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/jwt"
	"github.com/codementor/codementor/test/fakes/oauthserver"
	"github.com/codementor/codementor/test/fakes/smtpserver"
)

const password = "correct horse battery staple"

// api is a client of one server, with a cookie jar like a browser's.
type api struct {
	t    *testing.T
	base string
	http *http.Client
}

func newAPI(t *testing.T, base string) *api {
	jar, _ := cookiejar.New(nil)
	return &api{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r reply) errorCode() string {
	if e, ok := r.body["error"].(map[string]any); ok {
		s, _ := e["code"].(string)
		return s
	}
	return ""
}

func (a *api) do(method, path string, body any, token string) reply {
	a.t.Helper()
	return a.send(method, path, body, token, strings.HasPrefix(path, "/api/v1/health/")) // readiness answers 503 on purpose
}

// send is do; expect5xx allows a 5xx answer (an upstream the test turned off).
func (a *api) send(method, path string, body any, token string, expect5xx bool) reply {
	a.t.Helper()
	var rdr io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(a.t, err)
		rdr = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rdr)
	require.NoError(a.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := a.http.Do(req)
	require.NoError(a.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := reply{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	if !expect5xx {
		require.Less(a.t, res.StatusCode, 500, "%s %s answered %d: %s", method, path, res.StatusCode, raw)
	}
	return out
}

var linkToken = regexp.MustCompile(`token=([A-Za-z0-9_\-]+)`)

// mailedToken waits for a message to to whose link has path and returns
// the token in it.
func mailedToken(t *testing.T, smtp *smtpserver.Server, to, path string, after int) string {
	t.Helper()
	var token string
	require.Eventually(t, func() bool {
		n := 0
		for _, m := range smtp.Messages() {
			if len(m.To) == 0 || m.To[0] != to {
				continue
			}
			n++
			if n <= after {
				continue
			}
			text, err := m.TextBody()
			require.NoError(t, err)
			if !strings.Contains(text, path+"?token=") {
				continue
			}
			if mm := linkToken.FindStringSubmatch(text); mm != nil {
				token = mm[1]
				return true
			}
		}
		return false
	}, 10*time.Second, 20*time.Millisecond, "no %s mail to %s", path, to)
	return token
}

func smtpEnv(s *smtpserver.Server) string {
	return fmt.Sprintf("SMTP_URL=smtp://%s:%d?tls=none", s.Host(), s.Port())
}

func TestEmailAccountLifecycle(t *testing.T) {
	t.Parallel()
	smtp := smtpserver.Start(t)
	srv := startServer(t, smtpEnv(smtp), "MAIL_FROM=CodeMentor <no-reply@codementor.test>")
	c := newAPI(t, srv.base)

	r := c.do("POST", "/api/v1/auth/register", map[string]any{"email": "Ada@Example.com", "password": password, "display_name": "Ada"}, "")
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	user := r.body["user"].(map[string]any)
	assert.Equal(t, "Ada@example.com", user["email"])
	assert.Equal(t, false, user["email_verified"])

	// The verification link arrives by real SMTP and works once.
	token := mailedToken(t, smtp, "Ada@example.com", "/verify-email", 0)
	r = c.do("POST", "/api/v1/auth/verify-email", map[string]any{"token": token}, "")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, true, r.body["user"].(map[string]any)["email_verified"])
	r = c.do("POST", "/api/v1/auth/verify-email", map[string]any{"token": token}, "")
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "invalid_token", r.errorCode())

	// Login: tokens in the body, the refresh token also as a cookie.
	r = c.do("POST", "/api/v1/auth/login", map[string]any{"email": "ada@example.com", "password": password}, "")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "Bearer", r.body["token_type"])
	assert.InDelta(t, 900, r.body["expires_in"], 2)
	access, refresh1 := r.body["access_token"].(string), r.body["refresh_token"].(string)
	cookie := r.header.Get("Set-Cookie")
	assert.Contains(t, cookie, "cm_refresh="+refresh1)
	assert.Contains(t, cookie, "HttpOnly")
	assert.Contains(t, strings.ToLower(cookie), "path=/api/v1/auth")
	assert.Contains(t, strings.ToLower(cookie), "samesite=lax")

	r = c.do("GET", "/api/v1/users/me", nil, access)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "Ada", r.body["display_name"])

	// Refresh by cookie (no body) rotates; the old token replayed kills the family.
	r = c.do("POST", "/api/v1/auth/refresh", nil, "")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	refresh2 := r.body["refresh_token"].(string)
	assert.NotEqual(t, refresh1, refresh2)
	r = c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": refresh1}, "")
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Equal(t, "session_expired", r.errorCode())
	r = c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": refresh2}, "")
	assert.Equal(t, http.StatusUnauthorized, r.status, "reuse revoked the whole session")
	assert.Eventually(t, func() bool { return strings.Contains(srv.logs(), "refresh_token_reuse") },
		5*time.Second, 20*time.Millisecond, "the reuse is logged as a security event")

	// Password reset over SMTP; answers 202 for unknown addresses too.
	r = c.do("POST", "/api/v1/auth/password-reset", map[string]any{"email": "nobody@example.com"}, "")
	assert.Equal(t, http.StatusAccepted, r.status)
	r = c.do("POST", "/api/v1/auth/password-reset", map[string]any{"email": "ada@example.com"}, "")
	assert.Equal(t, http.StatusAccepted, r.status)
	reset := mailedToken(t, smtp, "Ada@example.com", "/reset-password", 1)
	r = c.do("POST", "/api/v1/auth/login", map[string]any{"email": "ada@example.com", "password": password}, "")
	require.Equal(t, http.StatusOK, r.status)
	liveRefresh := r.body["refresh_token"].(string)
	r = c.do("POST", "/api/v1/auth/password-reset/confirm", map[string]any{"token": reset, "password": "an entirely new passphrase"}, "")
	require.Equal(t, http.StatusNoContent, r.status, r.raw)
	r = c.do("POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": liveRefresh}, "")
	assert.Equal(t, http.StatusUnauthorized, r.status, "a reset ends every session")
	r = c.do("POST", "/api/v1/auth/password-reset/confirm", map[string]any{"token": reset, "password": "yet another passphrase"}, "")
	assert.Equal(t, "invalid_token", r.errorCode(), "a used reset token")
	r = c.do("POST", "/api/v1/auth/login", map[string]any{"email": "ada@example.com", "password": password}, "")
	assert.Equal(t, http.StatusUnauthorized, r.status)
	r = c.do("POST", "/api/v1/auth/login", map[string]any{"email": "ada@example.com", "password": "an entirely new passphrase"}, "")
	require.Equal(t, http.StatusOK, r.status)
	access = r.body["access_token"].(string)

	// Logout ends the session; ?all=true every one.
	r = c.do("POST", "/api/v1/auth/logout", nil, access)
	assert.Equal(t, http.StatusNoContent, r.status)
	r = c.do("POST", "/api/v1/auth/refresh", nil, "")
	assert.Equal(t, http.StatusUnauthorized, r.status)
	require.NoError(t, srv.stop())
}

func TestBadInputNeverLeaksOrFails(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	c := newAPI(t, srv.base)
	r := c.do("POST", "/api/v1/auth/register", map[string]any{"email": "taken@example.com", "password": password, "display_name": "T"}, "")
	require.Equal(t, http.StatusCreated, r.status, r.raw)

	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"invalid email", map[string]any{"email": "not-an-email", "password": password, "display_name": "A"}, 400, "validation_failed"},
		{"short password", map[string]any{"email": "a@example.com", "password": "short", "display_name": "A"}, 400, "validation_failed"},
		{"long password", map[string]any{"email": "a@example.com", "password": strings.Repeat("x", 129), "display_name": "A"}, 400, "validation_failed"},
		{"common password", map[string]any{"email": "a@example.com", "password": "password1234", "display_name": "A"}, 400, "validation_failed"},
		{"unknown field", map[string]any{"email": "a@example.com", "password": password, "display_name": "A", "role": "admin"}, 400, "validation_failed"},
		{"duplicate", map[string]any{"email": "TAKEN@example.com", "password": password, "display_name": "A"}, 409, "conflict"},
	} {
		r := c.do("POST", "/api/v1/auth/register", tc.body, "")
		assert.Equal(t, tc.status, r.status, tc.name+": "+r.raw)
		assert.Equal(t, tc.code, r.errorCode(), tc.name)
	}

	// Wrong password and unknown email: the same answer.
	wrong := c.do("POST", "/api/v1/auth/login", map[string]any{"email": "taken@example.com", "password": "wrong password!!"}, "")
	unknown := c.do("POST", "/api/v1/auth/login", map[string]any{"email": "ghost@example.com", "password": "wrong password!!"}, "")
	assert.Equal(t, http.StatusUnauthorized, wrong.status)
	assert.Equal(t, wrong.status, unknown.status)
	assert.Equal(t, wrong.errorCode(), unknown.errorCode())
	assert.Equal(t, wrong.body["error"].(map[string]any)["message"], unknown.body["error"].(map[string]any)["message"])
}

// token signs claims as the server would, with key.
func token(t *testing.T, key []byte, kid string, claims gojwt.MapClaims) string {
	t.Helper()
	tok := gojwt.NewWithClaims(gojwt.SigningMethodHS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func TestForgedAccessTokensAreRefused(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	c := newAPI(t, srv.base)
	r := c.do("POST", "/api/v1/auth/register", map[string]any{"email": "ada@example.com", "password": password, "display_name": "Ada"}, "")
	require.Equal(t, http.StatusCreated, r.status)
	sub := r.body["user"].(map[string]any)["id"].(string)
	r = c.do("POST", "/api/v1/auth/login", map[string]any{"email": "ada@example.com", "password": password}, "")
	require.Equal(t, http.StatusOK, r.status)
	good := r.body["access_token"].(string)
	require.Equal(t, http.StatusOK, c.do("GET", "/api/v1/users/me", nil, good).status)

	key := []byte(testJWTSecret)
	kid := jwt.KeyID(key)
	now := time.Now()
	valid := func() gojwt.MapClaims {
		return gojwt.MapClaims{"iss": "codementor", "aud": "codementor-api", "sub": sub, "role": "learner",
			"jti": "j1", "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Minute).Unix()}
	}
	require.Equal(t, http.StatusOK, c.do("GET", "/api/v1/users/me", nil, token(t, key, kid, valid())).status, "control: a well-made token works")

	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(bytes.Replace(payload, []byte(`"learner"`), []byte(`"admin"`), 1)) + "." + parts[2]
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"`+kid+`"}`)) + "." + parts[1] + "."
	expired := valid()
	expired["iat"], expired["nbf"], expired["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
	wrongAud := valid()
	wrongAud["aud"] = "someone-else"
	for name, tok := range map[string]string{
		"tampered":      tampered,
		"alg none":      none,
		"other key":     token(t, []byte("another-secret-that-is-long-enough-0123456789"), kid, valid()),
		"expired":       token(t, key, kid, expired),
		"wrong aud":     token(t, key, kid, wrongAud),
		"garbage":       "not.a.jwt",
		"truncated sig": good[:len(good)-4],
	} {
		r := c.do("GET", "/api/v1/users/me", nil, tok)
		assert.Equal(t, http.StatusUnauthorized, r.status, name)
		assert.Equal(t, "unauthorized", r.errorCode(), name)
		assert.NotContains(t, r.raw, tok, name)
	}
	r = c.do("GET", "/api/v1/users/me", nil, "")
	assert.Equal(t, http.StatusUnauthorized, r.status)
	assert.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer")
}

func TestRapidLoginsFromOneIPAreThrottled(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	c := newAPI(t, srv.base)
	statuses := map[int]int{}
	var retryAfter string
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := c.do("POST", "/api/v1/auth/login", map[string]any{"email": "user" + strconv.Itoa(i) + "@example.com", "password": "whatever password"}, "")
			mu.Lock()
			defer mu.Unlock()
			statuses[r.status]++
			if r.status == http.StatusTooManyRequests {
				retryAfter = r.header.Get("Retry-After")
				assert.Equal(t, "rate_limited", r.errorCode())
			}
		}()
	}
	wg.Wait()
	// A burst of 20, then one more every 3 s (GCRA): on a loaded machine the
	// 100 logins may take long enough for one or two more to be allowed.
	refill := int(time.Since(start) / (3 * time.Second))
	allowed := statuses[http.StatusUnauthorized]
	assert.GreaterOrEqual(t, allowed, 20, "the default limit is 20 a minute per IP")
	assert.LessOrEqual(t, allowed, 20+refill, "the default limit is 20 a minute per IP")
	assert.Equal(t, 100, allowed+statuses[http.StatusTooManyRequests])
	secs, err := strconv.Atoi(retryAfter)
	require.NoError(t, err)
	assert.Positive(t, secs)
}

func TestGitHubAndGoogleSignIn(t *testing.T) {
	t.Parallel()
	gh := oauthserver.NewGitHub(t, oauthserver.GitHubConfig{})
	gg := oauthserver.NewGoogle(t, oauthserver.GoogleConfig{})
	srv := startServer(t,
		"GITHUB_CLIENT_ID="+gh.ClientID(), "GITHUB_CLIENT_SECRET="+gh.ClientSecret(),
		"GITHUB_OAUTH_URL="+gh.URL(), "GITHUB_API_URL="+gh.URL(),
		"GOOGLE_CLIENT_ID="+gg.ClientID(), "GOOGLE_CLIENT_SECRET="+gg.ClientSecret(), "GOOGLE_OAUTH_URL="+gg.URL(),
		"TOKEN_ENCRYPTION_KEY="+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)),
		"FRONTEND_URL=http://app.codementor.test")

	// signIn runs the browser's part: start, consent at the fake, callback.
	signIn := func(c *api, provider string, tamper func(q url.Values)) *url.URL {
		t.Helper()
		r := c.do("GET", "/api/v1/auth/oauth/"+provider, nil, "")
		require.Equal(t, http.StatusFound, r.status, r.raw)
		loc := r.header.Get("Location")
		assert.Contains(t, loc, "code_challenge_method=S256")
		assert.Contains(t, r.header.Get("Set-Cookie"), "cm_oauth_nonce=")
		q := oauthserver.Callback(t, loc)
		if tamper != nil {
			tamper(q)
		}
		r = c.do("GET", "/api/v1/auth/oauth/"+provider+"/callback?"+q.Encode(), nil, "")
		require.Equal(t, http.StatusFound, r.status, r.raw)
		back, err := url.Parse(r.header.Get("Location"))
		require.NoError(t, err)
		assert.Equal(t, "app.codementor.test", back.Host)
		return back
	}

	c := newAPI(t, srv.base)
	back := signIn(c, "github", nil)
	require.Equal(t, "success", back.Query().Get("status"), back.String())
	r := c.do("POST", "/api/v1/auth/refresh", nil, "") // the cookie the callback set
	require.Equal(t, http.StatusOK, r.status, r.raw)
	access := r.body["access_token"].(string)
	r = c.do("GET", "/api/v1/users/me/profile", nil, access)
	require.Equal(t, http.StatusOK, r.status)
	links := r.body["linked_providers"].([]any)
	require.Len(t, links, 1)
	assert.Equal(t, "github", links[0].(map[string]any)["provider"])
	assert.Equal(t, "octocat", links[0].(map[string]any)["login"])
	assert.Equal(t, true, r.body["user"].(map[string]any)["email_verified"])
	grant := gh.LastGrant(t)
	assert.Equal(t, "S256", grant.CodeChallengeMethod)
	assert.True(t, grant.VerifierMatched)
	for _, tok := range gh.IssuedTokens() {
		assert.NotContains(t, srv.logs(), tok, "the provider token never reaches the logs")
	}

	// A state from another browser, a made-up state, and a replay.
	other := newAPI(t, srv.base)
	r = c.do("GET", "/api/v1/auth/oauth/github", nil, "")
	q := oauthserver.Callback(t, r.header.Get("Location"))
	r = other.do("GET", "/api/v1/auth/oauth/github/callback?"+q.Encode(), nil, "")
	assert.Contains(t, r.header.Get("Location"), "error=invalid_oauth_state", "another browser")
	back = signIn(c, "github", func(q url.Values) { q.Set("state", "made-up") })
	assert.Equal(t, "invalid_oauth_state", back.Query().Get("error"))
	r = c.do("GET", "/api/v1/auth/oauth/github", nil, "")
	q = oauthserver.Callback(t, r.header.Get("Location"))
	r = c.do("GET", "/api/v1/auth/oauth/github/callback?"+q.Encode(), nil, "")
	require.Contains(t, r.header.Get("Location"), "status=success")
	r = c.do("GET", "/api/v1/auth/oauth/github/callback?"+q.Encode(), nil, "")
	assert.Contains(t, r.header.Get("Location"), "error=invalid_oauth_state", "a replayed state")

	// An unverified email signs nobody in.
	u := oauthserver.DefaultGitHubUser()
	u.ID, u.Login = 99, "eve"
	u.PublicEmail = ""
	u.Emails = []oauthserver.GitHubEmail{{Email: "eve@example.com", Primary: true, Verified: false}}
	gh.SetUser(u)
	back = signIn(newAPI(t, srv.base), "github", nil)
	assert.Equal(t, "unverified_provider_email", back.Query().Get("error"))

	// The provider failing.
	gh.SetUser(oauthserver.DefaultGitHubUser())
	gh.SetFaults(oauthserver.Faults{TokenStatus: http.StatusInternalServerError})
	back = signIn(newAPI(t, srv.base), "github", nil)
	assert.Equal(t, "upstream_unavailable", back.Query().Get("error"))
	gh.SetFaults(oauthserver.Faults{DenyAccess: true})
	back = signIn(newAPI(t, srv.base), "github", nil)
	assert.Equal(t, "error", back.Query().Get("status"))
	gh.SetFaults(oauthserver.Faults{})

	// Google: a new account.
	g := newAPI(t, srv.base)
	back = signIn(g, "google", nil)
	require.Equal(t, "success", back.Query().Get("status"), back.String())
	r = g.do("POST", "/api/v1/auth/refresh", nil, "")
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, oauthserver.DefaultGoogleUser().Email, r.body["user"].(map[string]any)["email"])
}

// TestAuthWorksWhileRedisIsDown: with Redis unreachable the server still
// starts, sign-in still works (throttled per instance), and readiness says
// what is down.
func TestAuthWorksWhileRedisIsDown(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "REDIS_URL=redis://127.0.0.1:1/0", "REDIS_DIAL_TIMEOUT=100ms", "AUTH_RATE_LOGIN_IP=5/1m")
	c := newAPI(t, srv.base)
	r := c.do("GET", "/api/v1/health/ready", nil, "")
	assert.Equal(t, http.StatusServiceUnavailable, r.status)
	assert.Equal(t, "down", r.body["checks"].(map[string]any)["redis"].(map[string]any)["status"])
	assert.Equal(t, "up", r.body["checks"].(map[string]any)["postgres"].(map[string]any)["status"])

	r = c.do("POST", "/api/v1/auth/register", map[string]any{"email": "ada@example.com", "password": password, "display_name": "Ada"}, "")
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	start := time.Now()
	r = c.do("POST", "/api/v1/auth/login", map[string]any{"email": "ada@example.com", "password": password}, "")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Less(t, time.Since(start), 3*time.Second, "a down Redis does not stall sign-in")
	r = c.do("GET", "/api/v1/users/me", nil, r.body["access_token"].(string))
	assert.Equal(t, http.StatusOK, r.status)

	limited := 0
	for range 6 {
		if c.do("POST", "/api/v1/auth/login", map[string]any{"email": "ada@example.com", "password": "wrong password!!"}, "").status == http.StatusTooManyRequests {
			limited++
		}
	}
	assert.Positive(t, limited, "the per-instance limiter still throttles")
	assert.Eventually(t, func() bool { return strings.Contains(srv.logs(), "using the per-instance limiter") },
		5*time.Second, 20*time.Millisecond)
}
