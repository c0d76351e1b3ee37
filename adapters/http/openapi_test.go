package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	httpadapter "github.com/codementor/codementor/adapters/http"
	"github.com/codementor/codementor/application/health"
	"github.com/codementor/codementor/ports"
	"github.com/codementor/codementor/test/accounttest"
)

var fiberParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`)

func init() {
	// The validator decodes JSON itself; the docs page is plain text to it.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

// TestEveryRouteIsDocumentedAndEveryDocumentedRouteExists compares the
// routes the real app registers with the OpenAPI document, both ways.
func TestEveryRouteIsDocumentedAndEveryDocumentedRouteExists(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	doc, err := httpadapter.LoadOpenAPI()
	require.NoError(t, err)

	registered := map[string]bool{}
	for _, r := range a.app.GetRoutes(true) {
		if r.Method == http.MethodHead {
			continue // Fiber answers HEAD for every GET by itself.
		}
		registered[r.Method+" "+fiberParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	assert.Equal(t, sortedKeys(documented), sortedKeys(registered))
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestOpenAPIDocumentIsServedAndComplete(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.do(t, request("GET", "/openapi.json", "", ""))
	require.Equal(t, http.StatusOK, res.status)
	assert.Equal(t, "application/json; charset=utf-8", res.header.Get("Content-Type"))
	doc, err := openapi3.NewLoader().LoadFromData(res.body)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	assert.True(t, strings.HasPrefix(doc.OpenAPI, "3."))

	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			assert.NotNil(t, op.Responses.Default(), "%s documents the error envelope", name)
			if strings.HasPrefix(path, "/api/v1/health") || path == "/openapi.json" || strings.HasPrefix(path, "/docs") {
				require.NotNil(t, op.Security, "%s is public: security: []", name)
				assert.Empty(t, *op.Security, "%s is public: security: []", name)
			}
		}
	}
}

// TestResponsesMatchTheDocument validates real responses, errors included,
// against the document's schemas.
func TestResponsesMatchTheDocument(t *testing.T) {
	t.Parallel()
	doc, err := httpadapter.LoadOpenAPI()
	require.NoError(t, err)
	router, err := legacy.NewRouter(doc)
	require.NoError(t, err)

	ready := newTestApp(t)
	down := newTestApp(t, func(c *appConfig) { c.pingers = []fakePinger{{name: "postgres", block: true}, {name: "redis"}} })
	cases := []struct {
		app    testApp
		method string
		path   string
		status int
	}{
		{ready, "GET", "/api/v1/health/", 200},
		{ready, "GET", "/api/v1/health/live", 200},
		{ready, "GET", "/api/v1/health/ready", 200},
		{down, "GET", "/api/v1/health/ready", 503},
		{ready, "GET", "/openapi.json", 200},
		{ready, "GET", "/docs", 200},
		{ready, "GET", "/docs/no-such-asset.js", 404},
	}
	for _, c := range cases {
		res := c.app.do(t, request(c.method, c.path, "", ""))
		require.Equal(t, c.status, res.status, c.path)
		req := httptest.NewRequest(c.method, c.path, nil)
		route, params, err := router.FindRoute(req)
		require.NoError(t, err, c.path)
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		header := res.header.Clone()
		// The validator does not know charset parameters on JSON.
		if strings.HasPrefix(header.Get("Content-Type"), "application/json") {
			header.Set("Content-Type", "application/json")
		}
		err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
			RequestValidationInput: in, Status: res.status, Header: header, Body: io.NopCloser(bytes.NewReader(res.body)),
		})
		assert.NoError(t, err, "%s %s -> %d: %s", c.method, c.path, c.status, res.body)
	}
}

func TestDocsRenderFromLocalAssetsOnly(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.do(t, request("GET", "/docs", "", ""))
	require.Equal(t, http.StatusOK, res.status)
	assert.Contains(t, res.header.Get("Content-Type"), "text/html")
	html := string(res.body)
	assert.NotContains(t, html, "http://")
	assert.NotContains(t, html, "https://")

	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(html, -1)
	require.GreaterOrEqual(t, len(refs), 4)
	for _, ref := range refs {
		u := ref[1]
		require.True(t, strings.HasPrefix(u, "/docs/"), "asset %s is served by us", u)
		res := a.do(t, request("GET", u, "", ""))
		require.Equal(t, http.StatusOK, res.status, u)
		assert.NotEmpty(t, res.body, u)
		switch {
		case strings.HasSuffix(u, ".js"):
			assert.Contains(t, res.header.Get("Content-Type"), "javascript", u)
		case strings.HasSuffix(u, ".css"):
			assert.Contains(t, res.header.Get("Content-Type"), "text/css", u)
		}
	}
	init := a.do(t, request("GET", "/docs/codementor-init.js", "", ""))
	assert.Contains(t, string(init.body), `url: "/openapi.json"`)
	for _, hidden := range []string{"/docs/index.html", "/docs/swagger-initializer.js", "/docs/..%2Fopenapi.yaml"} {
		assert.Equal(t, http.StatusNotFound, a.do(t, request("GET", hidden, "", "")).status, hidden)
	}
}

// TestAuthAndUserOperationsAreFullyDescribed checks what the contract asks
// of every auth and users operation: an operationId, its tag, the error
// envelope as default, 401 on authenticated routes, an explicit security
// on public ones, and request bodies that refuse unknown fields.
func TestAuthAndUserOperationsAreFullyDescribed(t *testing.T) {
	t.Parallel()
	doc, err := httpadapter.LoadOpenAPI()
	require.NoError(t, err)
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			require.NotEmpty(t, op.OperationID, name)
			if other, dup := ids[op.OperationID]; dup {
				t.Errorf("%s and %s share the operationId %s", name, other, op.OperationID)
			}
			ids[op.OperationID] = name
			var tag string
			switch {
			case strings.HasPrefix(path, "/api/v1/auth/"):
				tag = "auth"
			case strings.HasPrefix(path, "/api/v1/users/"):
				tag = "users"
			default:
				continue
			}
			assert.Equal(t, []string{tag}, op.Tags, name)
			require.NotNil(t, op.Responses.Default(), name)
			assert.Equal(t, "#/components/responses/Error", op.Responses.Default().Ref, name)
			require.NotNil(t, op.Security, "%s says who may call it", name)
			if needsBearer(*op.Security) {
				assert.NotNil(t, op.Responses.Status(http.StatusUnauthorized), "%s documents 401", name)
			}
			for code, ref := range op.Responses.Map() {
				if code >= "400" && code != "default" {
					assert.Equal(t, "#/components/responses/Error", ref.Ref, "%s %s is the envelope", name, code)
				}
			}
			if op.RequestBody != nil {
				schema := op.RequestBody.Value.Content.Get("application/json").Schema.Value
				require.NotNil(t, schema.AdditionalProperties.Has, name)
				assert.False(t, *schema.AdditionalProperties.Has, "%s refuses unknown fields", name)
			}
		}
	}
	names := map[string]bool{}
	for _, tag := range doc.Tags {
		names[tag.Name] = true
	}
	assert.True(t, names["auth"] && names["users"], "the auth and users tags are declared")
}

// needsBearer: no alternative of the requirements is anonymous.
func needsBearer(srs openapi3.SecurityRequirements) bool {
	if len(srs) == 0 {
		return false
	}
	for _, sr := range srs {
		if len(sr) == 0 {
			return false
		}
	}
	return true
}

// noRedirect lets the tests see the redirects themselves.
var noRedirect = &http.Client{Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// docFlow sends requests to a running app and validates each request and
// each answer against the document.
type docFlow struct {
	t      *testing.T
	base   string
	router routers.Router
}

func newDocFlow(t *testing.T, base string) docFlow {
	doc, err := httpadapter.LoadOpenAPI()
	require.NoError(t, err)
	router, err := legacy.NewRouter(doc)
	require.NoError(t, err)
	return docFlow{t: t, base: base, router: router}
}

// exchange is one request of a flow and what is expected of its answer.
type exchange struct {
	method, path string
	body         string // JSON, sent as application/json; "" sends no body
	bearer       string
	cookies      []*http.Cookie
	status       int
	code         string // the envelope's code, for failures
	// docRefuses: the document itself forbids this request (an unknown or
	// missing field, a value out of range, no bearer token), as the server does.
	docRefuses bool
}

func (e exchange) build(target string) *http.Request {
	var body io.Reader
	if e.body != "" {
		body = strings.NewReader(e.body)
	}
	req := httptest.NewRequest(e.method, target, body)
	if e.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+e.bearer)
	}
	for _, c := range e.cookies {
		req.AddCookie(c)
	}
	return req
}

// bearerPresent stands for the bearerAuth scheme: a request satisfies it
// when it carries a bearer token.
func bearerPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "bearerAuth" {
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	if !strings.HasPrefix(in.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
		return errors.New("no bearer token")
	}
	return nil
}

func (f docFlow) do(e exchange) response {
	t := f.t
	t.Helper()
	name := e.method + " " + e.path
	ctx := context.Background()

	vreq := e.build(e.path)
	route, params, err := f.router.FindRoute(vreq)
	require.NoError(t, err, name)
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: bearerPresent}}
	err = openapi3filter.ValidateRequest(ctx, in)
	if e.docRefuses {
		assert.Error(t, err, "%s: the document should refuse %s", name, e.body)
	} else {
		assert.NoError(t, err, "%s: the document should accept %s", name, e.body)
	}

	req := e.build(f.base + e.path)
	req.RequestURI = ""
	res, err := noRedirect.Do(req)
	require.NoError(t, err, name)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err, name)
	out := response{status: res.StatusCode, header: res.Header, body: body}
	require.Equal(t, e.status, out.status, "%s %s: %s", name, e.body, body)
	assert.NotNil(t, route.Operation.Responses.Status(out.status), "%s documents %d explicitly", name, out.status)
	if e.code != "" {
		assert.Equal(t, e.code, out.envelope(t)["code"], name)
	}
	if out.status == http.StatusTooManyRequests {
		assert.NotEmpty(t, out.header.Get("Retry-After"), name)
	}

	header := out.header.Clone()
	if strings.HasPrefix(header.Get("Content-Type"), "application/json") {
		header.Set("Content-Type", "application/json") // the validator does not know charset parameters on JSON
	}
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: out.status, Header: header, Body: io.NopCloser(bytes.NewReader(body)),
	})
	assert.NoError(t, err, "%s -> %d: %s", name, out.status, body)
	return out
}

func decodeAs[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal(r.body, &v), string(r.body))
	return v
}

func jsonBody(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// cookieSet finds the cookie name among the answer's Set-Cookie headers.
func cookieSet(t *testing.T, r response, name string) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie in %v", name, r.header.Values("Set-Cookie"))
	return nil
}

type authTokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	User         struct {
		ID            string `json:"id"`
		EmailVerified bool   `json:"email_verified"`
		HasPassword   bool   `json:"has_password"`
	} `json:"user"`
}

func assertRefreshCookie(t *testing.T, r response, token string) {
	t.Helper()
	c := cookieSet(t, r, "cm_refresh")
	assert.Equal(t, token, c.Value)
	assert.True(t, c.HttpOnly)
	assert.True(t, c.Secure)
	assert.Equal(t, http.SameSiteLaxMode, c.SameSite)
	assert.Equal(t, "/api/v1/auth", c.Path)
}

// TestAuthAndUserResponsesMatchTheDocument drives a learner's life through
// the real app (account service on in-memory adapters) and validates every
// request and every answer, failures included, against the document.
func TestAuthAndUserResponsesMatchTheDocument(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *appConfig) {
		c.opts.CookieSecure = true
		c.opts.FrontendURL = "https://app.codementor.test"
	})
	f := newDocFlow(t, a.base)
	const (
		email       = "ada@example.com"
		password    = "Tangerine-Quartz-Velvet-2049"
		newPassword = "Marmalade-Orbit-Fjord-7731"
		resetTo     = "Quince-Lantern-Basalt-5150"
	)
	register := jsonBody(t, map[string]string{"email": email, "password": password, "display_name": "Ada Lovelace"})

	// Sign-up.
	res := f.do(exchange{method: "POST", path: "/api/v1/auth/register", body: register, status: 201})
	created := decodeAs[struct {
		User struct {
			ID            string `json:"id"`
			EmailVerified bool   `json:"email_verified"`
		} `json:"user"`
	}](t, res)
	assert.False(t, created.User.EmailVerified)
	f.do(exchange{method: "POST", path: "/api/v1/auth/register", body: register, status: 409, code: "conflict"})
	f.do(exchange{method: "POST", path: "/api/v1/auth/register", status: 400, code: "validation_failed", docRefuses: true,
		body: `{"email":"eve@example.com","password":"Tangerine-Quartz-Velvet-2049","display_name":"Eve","role":"admin"}`})
	f.do(exchange{method: "POST", path: "/api/v1/auth/register", status: 400, code: "validation_failed", docRefuses: true,
		body: `{"email":"eve@example.com","password":"short","display_name":"Eve"}`})
	f.do(exchange{method: "POST", path: "/api/v1/auth/register", status: 400, code: "validation_failed", docRefuses: true,
		body: `{"email":"eve@example.com","password":"Tangerine-Quartz-Velvet-2049"}`})

	// Sign-in.
	f.do(exchange{method: "POST", path: "/api/v1/auth/login", status: 401, code: "invalid_credentials",
		body: jsonBody(t, map[string]string{"email": email, "password": "Wrong-Password-Entirely-1"})})
	res = f.do(exchange{method: "POST", path: "/api/v1/auth/login", status: 200,
		body: jsonBody(t, map[string]string{"email": email, "password": password})})
	login := decodeAs[authTokens](t, res)
	assert.Equal(t, created.User.ID, login.User.ID)
	assertRefreshCookie(t, res, login.RefreshToken)
	bearer := login.AccessToken

	// The account.
	res = f.do(exchange{method: "GET", path: "/api/v1/users/me", bearer: bearer, status: 200})
	assert.Equal(t, created.User.ID, decodeAs[map[string]any](t, res)["id"])
	res = f.do(exchange{method: "PUT", path: "/api/v1/users/me", bearer: bearer, status: 200,
		body: `{"display_name":"Ada King","bio":"Poet of science.","timezone":"Europe/London","avatar_url":"https://example.com/ada.png"}`})
	me := decodeAs[map[string]any](t, res)
	assert.Equal(t, "Ada King", me["display_name"])
	assert.Equal(t, "Europe/London", me["timezone"])
	f.do(exchange{method: "PUT", path: "/api/v1/users/me", bearer: bearer, status: 400, code: "validation_failed",
		body: `{"timezone":"Mars/Olympus_Mons"}`})
	f.do(exchange{method: "PUT", path: "/api/v1/users/me", bearer: bearer, status: 400, code: "validation_failed",
		docRefuses: true, body: `{"email":"mallory@example.com"}`})

	// Preferences and onboarding.
	f.do(exchange{method: "GET", path: "/api/v1/users/me/preferences", bearer: bearer, status: 200})
	res = f.do(exchange{method: "PUT", path: "/api/v1/users/me/preferences", bearer: bearer, status: 200,
		body: `{"tutor_style":"direct","email_notifications":false}`})
	assert.Equal(t, "direct", decodeAs[map[string]any](t, res)["tutor_style"])
	f.do(exchange{method: "PUT", path: "/api/v1/users/me/preferences", bearer: bearer, status: 200, body: `{}`})
	f.do(exchange{method: "PUT", path: "/api/v1/users/me/preferences", bearer: bearer, status: 400,
		code: "validation_failed", docRefuses: true, body: `{"daily_goal_minutes":1000}`})
	type onboardingState struct {
		Onboarding struct {
			Completed   bool    `json:"completed"`
			CompletedAt *string `json:"completed_at"`
		} `json:"onboarding"`
	}
	res = f.do(exchange{method: "GET", path: "/api/v1/users/me/profile", bearer: bearer, status: 200})
	assert.Nil(t, decodeAs[onboardingState](t, res).Onboarding.CompletedAt)
	res = f.do(exchange{method: "POST", path: "/api/v1/users/onboarding", bearer: bearer, status: 200,
		body: `{"languages":["python","go"],"skill_level":"intermediate","goals":["Pass a coding interview"],"daily_goal_minutes":30}`})
	assert.True(t, decodeAs[onboardingState](t, res).Onboarding.Completed)
	f.do(exchange{method: "POST", path: "/api/v1/users/onboarding", bearer: bearer, status: 400,
		code: "validation_failed", docRefuses: true, body: `{"skill_level":"beginner"}`})
	res = f.do(exchange{method: "GET", path: "/api/v1/users/me/profile", bearer: bearer, status: 200})
	assert.NotNil(t, decodeAs[onboardingState](t, res).Onboarding.CompletedAt)
	f.do(exchange{method: "GET", path: "/api/v1/users/me/progress", bearer: bearer, status: 200})
	f.do(exchange{method: "GET", path: "/api/v1/users/me/usage", bearer: bearer, status: 200})
	f.do(exchange{method: "GET", path: "/api/v1/users/me/achievements", bearer: bearer, status: 200})

	// Email verification: a fresh link, used once.
	f.do(exchange{method: "POST", path: "/api/v1/auth/verify-email/resend", bearer: bearer, status: 202})
	verify := jsonBody(t, map[string]string{"token": a.fx.Mailbox.LastToken(email, "/verify-email")})
	res = f.do(exchange{method: "POST", path: "/api/v1/auth/verify-email", bearer: bearer, body: verify, status: 200})
	assert.Equal(t, true, decodeAs[map[string]map[string]any](t, res)["user"]["email_verified"])
	f.do(exchange{method: "POST", path: "/api/v1/auth/verify-email", body: verify, status: 400, code: "invalid_token"})

	// Sessions: rotation, reuse, the cookie, logout.
	res = f.do(exchange{method: "POST", path: "/api/v1/auth/refresh", status: 200,
		body: jsonBody(t, map[string]string{"refresh_token": login.RefreshToken})})
	rotated := decodeAs[authTokens](t, res)
	assert.NotEqual(t, login.RefreshToken, rotated.RefreshToken)
	assertRefreshCookie(t, res, rotated.RefreshToken)
	f.do(exchange{method: "POST", path: "/api/v1/auth/refresh", status: 401, code: "session_expired",
		body: jsonBody(t, map[string]string{"refresh_token": login.RefreshToken})})
	res = f.do(exchange{method: "POST", path: "/api/v1/auth/login", status: 200,
		body: jsonBody(t, map[string]string{"email": email, "password": password})})
	second := decodeAs[authTokens](t, res)
	res = f.do(exchange{method: "POST", path: "/api/v1/auth/refresh", status: 200,
		cookies: []*http.Cookie{{Name: "cm_refresh", Value: second.RefreshToken}}})
	second = decodeAs[authTokens](t, res)
	res = f.do(exchange{method: "POST", path: "/api/v1/auth/logout", bearer: second.AccessToken, status: 204,
		body: jsonBody(t, map[string]string{"refresh_token": second.RefreshToken})})
	assert.Empty(t, cookieSet(t, res, "cm_refresh").Value, "logout clears the cookie")
	f.do(exchange{method: "POST", path: "/api/v1/auth/refresh", status: 401, code: "session_expired",
		cookies: []*http.Cookie{{Name: "cm_refresh", Value: second.RefreshToken}}})
	f.do(exchange{method: "POST", path: "/api/v1/auth/logout?all=true", bearer: bearer, status: 204})
	f.do(exchange{method: "GET", path: "/api/v1/users/me", status: 401, code: "unauthorized", docRefuses: true})
	f.do(exchange{method: "POST", path: "/api/v1/auth/logout", status: 401, code: "unauthorized", docRefuses: true})

	// Passwords: a change (which ends every session), then a reset by mail.
	f.do(exchange{method: "PUT", path: "/api/v1/users/me/password", bearer: bearer, status: 400, code: "validation_failed",
		body: jsonBody(t, map[string]string{"current_password": "Not-The-Password-0000", "new_password": newPassword})})
	f.do(exchange{method: "PUT", path: "/api/v1/users/me/password", bearer: bearer, status: 204,
		body: jsonBody(t, map[string]string{"current_password": password, "new_password": newPassword})})
	f.do(exchange{method: "POST", path: "/api/v1/auth/login", status: 200,
		body: jsonBody(t, map[string]string{"email": email, "password": newPassword})})
	f.do(exchange{method: "POST", path: "/api/v1/auth/password-reset", status: 202, body: `{"email":"nobody@example.com"}`})
	f.do(exchange{method: "POST", path: "/api/v1/auth/password-reset", status: 202, body: jsonBody(t, map[string]string{"email": email})})
	reset := jsonBody(t, map[string]string{"token": a.fx.Mailbox.LastToken(email, "/reset-password"), "password": resetTo})
	f.do(exchange{method: "POST", path: "/api/v1/auth/password-reset/confirm", status: 400, code: "validation_failed",
		docRefuses: true, body: `{"token":"whatever","password":"short"}`})
	f.do(exchange{method: "POST", path: "/api/v1/auth/password-reset/confirm", body: reset, status: 204})
	f.do(exchange{method: "POST", path: "/api/v1/auth/password-reset/confirm", body: reset, status: 400, code: "invalid_token"})
	f.do(exchange{method: "POST", path: "/api/v1/auth/login", status: 200,
		body: jsonBody(t, map[string]string{"email": email, "password": resetTo})})

	// Rate limits answer 429 with Retry-After. The per-address reset limit
	// is used up directly in the limiter, under the key the service uses.
	limit := a.fx.Config.Limits.ResetPerAccount
	for range limit.N {
		_, err := a.fx.Limiter.Allow(context.Background(), "reset:account:limited@example.com", limit.N, limit.Window)
		require.NoError(t, err)
	}
	f.do(exchange{method: "POST", path: "/api/v1/auth/password-reset", status: 429, code: "rate_limited",
		body: `{"email":"limited@example.com"}`})

	// Providers that are not configured.
	f.do(exchange{method: "GET", path: "/api/v1/auth/oauth/github?scope=private", status: 503, code: "provider_not_configured"})
	f.do(exchange{method: "GET", path: "/api/v1/auth/oauth/google", status: 503, code: "provider_not_configured"})
	res = f.do(exchange{method: "GET", path: "/api/v1/auth/oauth/github/callback?code=abc&state=xyz", status: 302})
	assertFrontendRedirect(t, res, "error", "provider_not_configured")
}

func assertFrontendRedirect(t *testing.T, r response, status, code string) {
	t.Helper()
	loc, err := url.Parse(r.header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "https://app.codementor.test/auth/callback", loc.Scheme+"://"+loc.Host+loc.Path)
	assert.Equal(t, status, loc.Query().Get("status"))
	assert.Equal(t, code, loc.Query().Get("error"))
}

// fakeProvider signs in whoever the code names: code "grace" is
// grace@example.com, and code "unverified" has an unverified address.
type fakeProvider struct{ name string }

func (p fakeProvider) Name() string { return p.name }

func (p fakeProvider) AuthCodeURL(state, _ string, scopes []string) string {
	q := url.Values{"state": {state}, "code_challenge": {"challenge"}, "code_challenge_method": {"S256"},
		"scope": {strings.Join(scopes, " ")}}
	return "https://" + p.name + ".example/authorize?" + q.Encode()
}

func (p fakeProvider) Exchange(_ context.Context, code, _ string) (ports.OAuthIdentity, error) {
	return ports.OAuthIdentity{Provider: p.name, Subject: "id-" + code, Email: code + "@example.com",
		EmailVerified: code != "unverified", Login: code, Name: "Grace Hopper", AccessToken: "provider-token",
		Scopes: []string{"read:user", "user:email"}}, nil
}

// TestOAuthResponsesMatchTheDocument runs provider sign-in against fake
// providers and validates the redirects, the cookies and what follows.
func TestOAuthResponsesMatchTheDocument(t *testing.T) {
	t.Parallel()
	fx := accounttest.New(t, accounttest.WithProviders(map[string]ports.OAuthProvider{
		"github": fakeProvider{"github"}, "google": fakeProvider{"google"}}))
	svc, err := health.NewService([]ports.Pinger{fakePinger{name: "postgres"}}, nil, 100*time.Millisecond,
		fakeClock{now: time.Now()}, "test")
	require.NoError(t, err)
	opts := defaultOptions()
	opts.CookieSecure = true
	opts.FrontendURL = "https://app.codementor.test/"
	app, err := httpadapter.NewApp(opts, httpadapter.Deps{Health: svc, Accounts: fx.Service, AI: fx.AI, Exercises: fx.Exercises(t), Tutor: fx.Tutor(t), Reviews: fx.Reviews(t), Tokens: fx.Issuer,
		Logger: accounttest.Logger()})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	f := newDocFlow(t, "http://"+ln.Addr().String())

	// start redirects to the provider with a state bound to this browser.
	start := func(path string) (state string, nonce *http.Cookie, scope string) {
		res := f.do(exchange{method: "GET", path: path, status: 302})
		loc, err := url.Parse(res.header.Get("Location"))
		require.NoError(t, err)
		nonce = cookieSet(t, res, "cm_oauth_nonce")
		assert.True(t, nonce.HttpOnly)
		assert.True(t, nonce.Secure)
		assert.Equal(t, "/api/v1/auth/oauth", nonce.Path)
		require.NotEmpty(t, loc.Query().Get("state"))
		return loc.Query().Get("state"), nonce, loc.Query().Get("scope")
	}

	state, nonce, scope := start("/api/v1/auth/oauth/github?scope=private")
	assert.Contains(t, scope, "repo")
	callback := "/api/v1/auth/oauth/github/callback?code=grace&state=" + url.QueryEscape(state)
	res := f.do(exchange{method: "GET", path: callback, cookies: []*http.Cookie{nonce}, status: 302})
	assertFrontendRedirect(t, res, "success", "")
	refresh := cookieSet(t, res, "cm_refresh")
	assert.True(t, refresh.HttpOnly)
	assert.Equal(t, "/api/v1/auth", refresh.Path)
	// A state is single-use.
	res = f.do(exchange{method: "GET", path: callback, cookies: []*http.Cookie{nonce}, status: 302})
	assertFrontendRedirect(t, res, "error", "invalid_oauth_state")

	// The frontend then trades the cookie for an access token.
	res = f.do(exchange{method: "POST", path: "/api/v1/auth/refresh", cookies: []*http.Cookie{{Name: "cm_refresh", Value: refresh.Value}}, status: 200})
	tokens := decodeAs[authTokens](t, res)
	assert.False(t, tokens.User.HasPassword)
	assert.True(t, tokens.User.EmailVerified)
	res = f.do(exchange{method: "GET", path: "/api/v1/users/me/profile", bearer: tokens.AccessToken, status: 200})
	profile := decodeAs[struct {
		LinkedProviders []struct {
			Provider string   `json:"provider"`
			Scopes   []string `json:"scopes"`
		} `json:"linked_providers"`
	}](t, res)
	require.Len(t, profile.LinkedProviders, 1)
	assert.Equal(t, "github", profile.LinkedProviders[0].Provider)
	// An account made through a provider sets its first password without a current one.
	f.do(exchange{method: "PUT", path: "/api/v1/users/me/password", bearer: tokens.AccessToken, status: 204,
		body: `{"new_password":"Tangerine-Quartz-Velvet-2049"}`})

	// Google: a refusal, then an address the provider does not vouch for.
	state, nonce, _ = start("/api/v1/auth/oauth/google")
	res = f.do(exchange{method: "GET", status: 302, cookies: []*http.Cookie{nonce},
		path: "/api/v1/auth/oauth/google/callback?error=access_denied&state=" + url.QueryEscape(state)})
	assertFrontendRedirect(t, res, "error", "unauthorized")
	state, nonce, _ = start("/api/v1/auth/oauth/google")
	res = f.do(exchange{method: "GET", status: 302, cookies: []*http.Cookie{nonce},
		path: "/api/v1/auth/oauth/google/callback?code=unverified&state=" + url.QueryEscape(state)})
	assertFrontendRedirect(t, res, "error", "unverified_provider_email")
	// Without the browser's nonce, the state is refused.
	state, _, _ = start("/api/v1/auth/oauth/google")
	res = f.do(exchange{method: "GET", status: 302, path: "/api/v1/auth/oauth/google/callback?code=grace&state=" + url.QueryEscape(state)})
	assertFrontendRedirect(t, res, "error", "invalid_oauth_state")
}
