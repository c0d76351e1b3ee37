package http_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	httpadapter "github.com/codementor/codementor/adapters/http"
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
