package oauthserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/codementor/codementor/test/fakes/oauthserver"
)

const callback = "http://app.test/callback"

var verifier = strings.Repeat("v", 43)

func authorizeURL(base, path, clientID string, extra url.Values) string {
	q := url.Values{
		"client_id":             {clientID},
		"redirect_uri":          {callback},
		"response_type":         {"code"},
		"scope":                 {"read:user user:email"},
		"state":                 {"st"},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(verifier)},
		"code_challenge_method": {"S256"},
	}
	for k, v := range extra {
		q[k] = v
	}
	return base + path + "?" + q.Encode()
}

func post(t *testing.T, endpoint string, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return do(t, req)
}

func get(t *testing.T, endpoint, authorization string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, endpoint, nil)
	require.NoError(t, err)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

func TestGitHubTokenWireFormats(t *testing.T) {
	t.Parallel()
	gh := oauthserver.NewGitHub(t, oauthserver.GitHubConfig{CallbackURL: callback})
	tokenURL := gh.URL() + "/login/oauth/access_token"
	form := func(code string) url.Values {
		return url.Values{"client_id": {gh.ClientID()}, "client_secret": {gh.ClientSecret()}, "code": {code}, "code_verifier": {verifier}}
	}

	t.Run("bad code: 200 with an error, form by default", func(t *testing.T) {
		t.Parallel()
		resp, body := post(t, tokenURL, form("nope"), nil)
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
		q, err := url.ParseQuery(body)
		require.NoError(t, err)
		assert.Equal(t, "bad_verification_code", q.Get("error"))
	})
	t.Run("bad code: JSON when asked", func(t *testing.T) {
		t.Parallel()
		resp, body := post(t, tokenURL, form("nope"), http.Header{"Accept": {"application/json"}})
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		var m map[string]string
		require.NoError(t, json.Unmarshal([]byte(body), &m))
		assert.Equal(t, "bad_verification_code", m["error"])
		assert.NotEmpty(t, m["error_uri"])
	})
	t.Run("good code with Basic auth, JSON answer, token works on the API", func(t *testing.T) {
		t.Parallel()
		code, state := oauthserver.Authorize(t, authorizeURL(gh.URL(), "/login/oauth/authorize", gh.ClientID(), nil))
		assert.Equal(t, "st", state)
		req, err := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(url.Values{"code": {code}, "code_verifier": {verifier}, "redirect_uri": {callback}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		req.SetBasicAuth(gh.ClientID(), gh.ClientSecret())
		resp, body := do(t, req)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var m map[string]string
		require.NoError(t, json.Unmarshal([]byte(body), &m))
		require.True(t, strings.HasPrefix(m["access_token"], "gho_"), body)
		assert.Equal(t, "bearer", m["token_type"])
		assert.Equal(t, "read:user,user:email", m["scope"])

		resp, body = get(t, gh.URL()+"/user", "token "+m["access_token"])
		assert.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Equal(t, "read:user, user:email", resp.Header.Get("X-OAuth-Scopes"))
		assert.Contains(t, body, `"login":"octocat"`)

		_, body = post(t, tokenURL, form(code), nil)
		assert.Contains(t, body, "error=bad_verification_code", "codes are single use")
	})
	t.Run("wrong secret", func(t *testing.T) {
		t.Parallel()
		f := form("nope")
		f.Set("client_secret", "wrong")
		_, body := post(t, tokenURL, f, nil)
		assert.Contains(t, body, "error=incorrect_client_credentials")
	})
	t.Run("API without or with a bad token", func(t *testing.T) {
		t.Parallel()
		resp, body := get(t, gh.URL()+"/user", "")
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Contains(t, body, "Requires authentication")
		resp, body = get(t, gh.URL()+"/user/emails", "Bearer gho_unknown")
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Contains(t, body, "Bad credentials")
	})
}

func TestGitHubAuthorizeErrors(t *testing.T) {
	t.Parallel()
	gh := oauthserver.NewGitHub(t, oauthserver.GitHubConfig{CallbackURL: callback})

	resp, _ := get(t, authorizeURL(gh.URL(), "/login/oauth/authorize", "someone-else", nil), "")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "unknown client: GitHub's 404 page")

	q := oauthserver.Callback(t, authorizeURL(gh.URL(), "/login/oauth/authorize", gh.ClientID(),
		url.Values{"code_challenge_method": {"plain"}}))
	assert.Equal(t, "invalid_request", q.Get("error"), "GitHub takes S256 only")
	assert.Equal(t, "st", q.Get("state"))
}

func TestGoogleWireFormats(t *testing.T) {
	t.Parallel()
	g := oauthserver.NewGoogle(t, oauthserver.GoogleConfig{CallbackURL: callback})
	auth := func(extra url.Values) string {
		if extra == nil {
			extra = url.Values{}
		}
		if extra.Get("scope") == "" {
			extra.Set("scope", "openid email")
		}
		return authorizeURL(g.URL(), "/o/oauth2/v2/auth", g.ClientID(), extra)
	}
	form := func(code, v string) url.Values {
		f := url.Values{
			"grant_type": {"authorization_code"}, "client_id": {g.ClientID()}, "client_secret": {g.ClientSecret()},
			"code": {code}, "redirect_uri": {callback},
		}
		if v != "" {
			f.Set("code_verifier", v)
		}
		return f
	}
	tokenErr := func(t *testing.T, f url.Values) (int, map[string]string) {
		t.Helper()
		resp, body := post(t, g.URL()+"/token", f, nil)
		var m map[string]string
		require.NoError(t, json.Unmarshal([]byte(body), &m), body)
		return resp.StatusCode, m
	}

	t.Run("PKCE: missing and wrong verifier", func(t *testing.T) {
		t.Parallel()
		code, _ := oauthserver.Authorize(t, auth(nil))
		status, m := tokenErr(t, form(code, ""))
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, map[string]string{"error": "invalid_grant", "error_description": "Missing code verifier."}, m)
		status, m = tokenErr(t, form(code, strings.Repeat("w", 43)))
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, "Invalid code verifier.", m["error_description"])
		grant, ok := g.GrantFor(code)
		require.True(t, ok)
		assert.Equal(t, "S256", grant.CodeChallengeMethod)
		assert.False(t, grant.VerifierMatched)
		assert.Equal(t, 2, grant.Exchanges)
	})
	t.Run("good exchange, then userinfo", func(t *testing.T) {
		t.Parallel()
		code, _ := oauthserver.Authorize(t, auth(nil))
		resp, body := post(t, g.URL()+"/token", form(code, verifier), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		var tok struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			Scope       string `json:"scope"`
			IDToken     string `json:"id_token"`
			ExpiresIn   int    `json:"expires_in"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &tok))
		assert.Equal(t, "Bearer", tok.TokenType)
		assert.Equal(t, "openid https://www.googleapis.com/auth/userinfo.email", tok.Scope)
		assert.Len(t, strings.Split(tok.IDToken, "."), 3)
		assert.Positive(t, tok.ExpiresIn)

		resp, body = get(t, g.URL()+"/v1/userinfo", "Bearer "+tok.AccessToken)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var info map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &info))
		assert.Equal(t, true, info["email_verified"])
		assert.NotContains(t, info, "name", "no profile scope, no profile claims")
	})
	t.Run("wrong client and bad code", func(t *testing.T) {
		t.Parallel()
		f := form("4/0Anope", verifier)
		f.Set("client_secret", "nope")
		status, m := tokenErr(t, f)
		assert.Equal(t, http.StatusUnauthorized, status)
		assert.Equal(t, "invalid_client", m["error"])
		status, m = tokenErr(t, form("4/0Anope", verifier))
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Equal(t, "invalid_grant", m["error"])
	})
	t.Run("userinfo without a valid token", func(t *testing.T) {
		t.Parallel()
		resp, _ := get(t, g.URL()+"/v1/userinfo", "Bearer ya29.unknown")
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`)
	})
	t.Run("authorize errors", func(t *testing.T) {
		t.Parallel()
		resp, _ := get(t, authorizeURL(g.URL(), "/o/oauth2/v2/auth", g.ClientID(), url.Values{"scope": {""}}), "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "no scope: an error page, no redirect")
		resp, _ = get(t, authorizeURL(g.URL(), "/o/oauth2/v2/auth", g.ClientID(), url.Values{"scope": {"openid"}, "redirect_uri": {"http://evil.test/"}}), "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "unregistered redirect: an error page, no redirect")
		q := oauthserver.Callback(t, auth(url.Values{"response_type": {"token"}}))
		assert.Equal(t, "unsupported_response_type", q.Get("error"))
	})
}
