package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	httpadapter "github.com/codementor/codementor/adapters/http"
	"github.com/codementor/codementor/domain/identity"
	"github.com/codementor/codementor/test/accounttest"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)

	pre := request("OPTIONS", "/api/v1/health/live", "", "")
	pre.Header.Set("Origin", "https://app.codementor.test")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "Authorization, Content-Type")
	res := a.do(t, pre)
	assert.Equal(t, http.StatusNoContent, res.status)
	assert.Equal(t, "https://app.codementor.test", res.header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "true", res.header.Get("Access-Control-Allow-Credentials"))
	assert.Contains(t, res.header.Get("Access-Control-Allow-Methods"), "POST")
	assert.Contains(t, strings.ToLower(res.header.Get("Access-Control-Allow-Headers")), "authorization")

	simple := request("GET", "/api/v1/health/live", "", "")
	simple.Header.Set("Origin", "https://app.codementor.test")
	res = a.do(t, simple)
	assert.Equal(t, "https://app.codementor.test", res.header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, res.header.Get("Access-Control-Expose-Headers"), "X-Request-ID")

	evil := request("GET", "/api/v1/health/live", "", "")
	evil.Header.Set("Origin", "https://evil.example")
	res = a.do(t, evil)
	assert.Empty(t, res.header.Get("Access-Control-Allow-Origin"), "an unlisted origin gets no CORS grant")
}

func TestRequestTimeoutBoundsTheContext(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, withTestRoutes, func(c *appConfig) { c.opts.RequestTimeout = 50 * time.Millisecond })
	start := time.Now()
	res := a.do(t, request("GET", "/test/slow", "", ""))
	assert.Less(t, time.Since(start), 2*time.Second, "the handler stopped at its deadline")
	assert.Equal(t, http.StatusGatewayTimeout, res.status)
	assert.Equal(t, "timeout", res.envelope(t)["code"])
}

// TestValuesKeptBeyondTheHandlerSurvive proves the copy discipline: Fiber
// reuses request buffers, so a path parameter, query value or decoded body
// field kept after the handler returns must be a copy.
func TestValuesKeptBeyondTheHandlerSurvive(t *testing.T) {
	t.Parallel()
	type kept struct{ param, query, name string }
	var mu sync.Mutex
	var store []kept
	routes := func(r fiber.Router) {
		r.Post("/test/keep/:id", func(c *fiber.Ctx) error {
			var in echoInput
			if err := httpadapter.BindJSON(c, &in); err != nil {
				return err
			}
			mu.Lock()
			store = append(store, kept{param: httpadapter.Param(c, "id"), query: httpadapter.Query(c, "q"), name: in.Name})
			mu.Unlock()
			return c.SendStatus(http.StatusNoContent)
		})
	}
	a := newTestApp(t, func(c *appConfig) { c.extra = routes })
	const n = 40
	for i := range n {
		// Same lengths each time, so a stale slice would show other bytes.
		path := fmt.Sprintf("/test/keep/id-%03d?q=query-%03d", i, i)
		res := a.do(t, request("POST", path, "application/json", fmt.Sprintf(`{"name":"name-%03d"}`, i)))
		require.Equal(t, http.StatusNoContent, res.status, string(res.body))
	}
	require.Len(t, store, n)
	for i, k := range store {
		assert.Equal(t, fmt.Sprintf("id-%03d", i), k.param)
		assert.Equal(t, fmt.Sprintf("query-%03d", i), k.query)
		assert.Equal(t, fmt.Sprintf("name-%03d", i), k.name)
	}
}

func TestEmptyBodyDecodesToZeroInput(t *testing.T) {
	t.Parallel()
	type optional struct {
		Ref string `json:"ref"`
	}
	var got *optional
	routes := func(r fiber.Router) {
		r.Post("/test/optional", func(c *fiber.Ctx) error {
			var in optional
			if err := httpadapter.BindJSON(c, &in); err != nil {
				return err
			}
			got = &in
			return c.SendStatus(http.StatusAccepted)
		})
	}
	a := newTestApp(t, func(c *appConfig) { c.extra = routes })
	res := a.do(t, request("POST", "/test/optional", "", ""))
	assert.Equal(t, http.StatusAccepted, res.status)
	require.NotNil(t, got)
	assert.Empty(t, got.Ref)
	res = a.do(t, request("POST", "/test/optional", "application/vnd.api+json", `{"ref":"main"}`))
	assert.Equal(t, http.StatusAccepted, res.status, "+json media types are JSON")
	assert.Equal(t, "main", got.Ref)
}

func TestRequireRole(t *testing.T) {
	t.Parallel()
	var fx *accounttest.Fixture
	routes := func(r fiber.Router) {
		// fx is set once the app is built; resolve the issuer per request.
		auth := func(c *fiber.Ctx) error { return httpadapter.RequireAuth(fx.Issuer)(c) }
		r.Get("/test/admin", auth, httpadapter.RequireRole(identity.RoleAdmin),
			func(c *fiber.Ctx) error { return c.SendString("secret admin page") })
	}
	a := newTestApp(t, func(c *appConfig) { c.extra = routes })
	fx = a.fx
	learnerTok, _, err := fx.Issuer.Issue("u-1", identity.RoleLearner)
	require.NoError(t, err)
	adminTok, _, err := fx.Issuer.Issue("u-2", identity.RoleAdmin)
	require.NoError(t, err)

	req := request("GET", "/test/admin", "", "")
	req.Header.Set("Authorization", "Bearer "+learnerTok)
	res := a.do(t, req)
	assert.Equal(t, http.StatusForbidden, res.status)
	assert.Equal(t, "forbidden", res.envelope(t)["code"])

	req = request("GET", "/test/admin", "", "")
	req.Header.Set("Authorization", "Bearer "+adminTok)
	res = a.do(t, req)
	assert.Equal(t, http.StatusOK, res.status)

	res = a.do(t, request("GET", "/test/admin", "", ""))
	assert.Equal(t, http.StatusUnauthorized, res.status)
}
