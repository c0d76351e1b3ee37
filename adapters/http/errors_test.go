package http_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEveryFailureAnswersTheEnvelope(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, withTestRoutes)
	big := strings.Repeat("x", 4096)
	tests := []struct {
		name             string
		method, path, ct string
		body             string
		status           int
		code             string
		detailField      string
		retryAfter       string
		allow            string
	}{
		{name: "unknown route", method: "GET", path: "/api/v1/nope", status: 404, code: "not_found"},
		{name: "unknown route outside the api", method: "DELETE", path: "/wp-admin.php", status: 404, code: "not_found"},
		{name: "wrong method", method: "POST", path: "/api/v1/health/live", status: 405, code: "method_not_allowed", allow: "GET, HEAD"},
		{name: "oversized body", method: "POST", path: "/test/echo", ct: "application/json", body: `{"name":"` + big + `"}`, status: 413, code: "payload_too_large"},
		{name: "oversized body on an unknown route", method: "PUT", path: "/api/v1/anything", ct: "application/json", body: big, status: 413, code: "payload_too_large"},
		{name: "wrong content type", method: "POST", path: "/test/echo", ct: "text/plain", body: `{"name":"a"}`, status: 415, code: "unsupported_media_type"},
		{name: "form content type", method: "POST", path: "/test/echo", ct: "application/x-www-form-urlencoded", body: `name=a`, status: 415, code: "unsupported_media_type"},
		{name: "malformed json", method: "POST", path: "/test/echo", ct: "application/json", body: `{"name": "a",`, status: 400, code: "invalid_json"},
		{name: "json syntax error", method: "POST", path: "/test/echo", ct: "application/json", body: `{name: a}`, status: 400, code: "invalid_json"},
		{name: "two json values", method: "POST", path: "/test/echo", ct: "application/json", body: `{"name":"a"} {"name":"b"}`, status: 400, code: "invalid_json"},
		{name: "unknown field", method: "POST", path: "/test/echo", ct: "application/json", body: `{"name":"a","admin":true}`, status: 400, code: "validation_failed", detailField: "admin"},
		{name: "wrong type", method: "POST", path: "/test/echo", ct: "application/json", body: `{"name":"a","count":"many"}`, status: 400, code: "validation_failed", detailField: "count"},
		{name: "failed rule", method: "POST", path: "/test/echo", ct: "application/json", body: `{"name":"a","count":11}`, status: 400, code: "validation_failed", detailField: "count"},
		{name: "missing required field", method: "POST", path: "/test/echo", ct: "application/json; charset=utf-8", body: `{}`, status: 400, code: "validation_failed", detailField: "name"},
		{name: "empty body on a required field", method: "POST", path: "/test/echo", status: 400, code: "validation_failed", detailField: "name"},
		{name: "panic", method: "GET", path: "/test/panic", status: 500, code: "internal"},
		{name: "unknown error", method: "GET", path: "/test/err/other", status: 500, code: "internal"},
		{name: "not found", method: "GET", path: "/test/err/notfound", status: 404, code: "not_found"},
		{name: "conflict", method: "GET", path: "/test/err/conflict", status: 409, code: "conflict"},
		{name: "forbidden", method: "GET", path: "/test/err/forbidden", status: 403, code: "forbidden"},
		{name: "unauthorized", method: "GET", path: "/test/err/unauthorized", status: 401, code: "unauthorized"},
		{name: "domain validation", method: "GET", path: "/test/err/validation", status: 400, code: "validation_failed", detailField: "email"},
		{name: "rate limited", method: "GET", path: "/test/err/ratelimited", status: 429, code: "rate_limited", retryAfter: "2"},
		{name: "quota", method: "GET", path: "/test/err/quota", status: 429, code: "quota_exceeded", retryAfter: "90"},
		{name: "upstream unavailable", method: "GET", path: "/test/err/unavailable", status: 503, code: "upstream_unavailable"},
		{name: "no llm configured", method: "GET", path: "/test/err/llm-offline", status: 503, code: "upstream_unavailable"},
		{name: "llm busy", method: "GET", path: "/test/err/llm-busy", status: 503, code: "upstream_unavailable", retryAfter: "4"},
		{name: "llm context too long", method: "GET", path: "/test/err/llm-too-long", status: 413, code: "context_too_long"},
		{name: "llm invalid request is ours", method: "GET", path: "/test/err/llm-invalid", status: 500, code: "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := a.do(t, request(tt.method, tt.path, tt.ct, tt.body))
			require.Equal(t, tt.status, res.status, string(res.body))
			assert.Equal(t, "application/json; charset=utf-8", res.header.Get("Content-Type"))
			env := res.envelope(t)
			assert.Equal(t, tt.code, env["code"])
			assert.NotEmpty(t, env["message"])
			assert.NotNil(t, env["details"], "details is always present")
			rid := res.header.Get("X-Request-ID")
			require.NotEmpty(t, rid)
			assert.Equal(t, rid, env["request_id"])
			if tt.detailField != "" {
				details := env["details"].([]any)
				require.NotEmpty(t, details)
				assert.Equal(t, tt.detailField, details[0].(map[string]any)["field"])
			}
			if tt.retryAfter != "" {
				assert.Contains(t, []string{tt.retryAfter, retryAfterMinusOne(tt.retryAfter)}, res.header.Get("Retry-After"))
			}
			if tt.allow != "" {
				assert.Equal(t, tt.allow, res.header.Get("Allow"))
			}
			if tt.status == 500 {
				body := string(res.body)
				for _, leak := range []string{"deadbeef", "password", "10.0.0.5", "goroutine", ".go:", "secret prompt"} {
					assert.NotContains(t, body, leak, "a 500 leaks nothing internal")
				}
			}
		})
	}
}

func retryAfterMinusOne(s string) string {
	if s == "90" {
		return "89"
	}
	return s
}

func TestEachRequestIsLoggedOnce(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, withTestRoutes)
	paths := []struct{ method, path, ct, body string }{
		{"GET", "/api/v1/health/live", "", ""},
		{"GET", "/api/v1/nope", "", ""},
		{"POST", "/api/v1/health/live", "", ""},
		{"POST", "/test/echo", "application/json", `{"name":`},
		{"POST", "/test/echo", "text/plain", `x`},
		{"POST", "/test/echo", "application/json", strings.Repeat("x", 5000)},
		{"GET", "/test/panic", "", ""},
	}
	var ids []string
	for _, p := range paths {
		res := a.do(t, request(p.method, p.path, p.ct, p.body))
		ids = append(ids, res.header.Get("X-Request-ID"))
	}
	count := map[string]int{}
	for _, rec := range a.logs.records(t) {
		if rec["msg"] == "http request" {
			count[rec["request_id"].(string)]++
		}
	}
	for i, id := range ids {
		assert.Equal(t, 1, count[id], "%s %s logged once", paths[i].method, paths[i].path)
	}
}

func TestAccessLogFields(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, withTestRoutes)
	req := request("GET", "/test/panic", "", "")
	req.Header.Set("X-Request-ID", "trace-123")
	a.do(t, req)
	a.do(t, request("GET", "/api/v1/health/live", "", ""))
	recs := a.logs.records(t)
	require.Len(t, recs, 2)
	p := recs[0]
	assert.Equal(t, "ERROR", p["level"])
	assert.Equal(t, "GET", p["method"])
	assert.Equal(t, "/test/panic", p["route"])
	assert.Equal(t, float64(500), p["status"])
	assert.Equal(t, "trace-123", p["request_id"])
	assert.Contains(t, p["stack"], "goroutine", "the panic's stack is in the log, not the response")
	assert.Contains(t, p, "duration")
	live := recs[1]
	assert.Equal(t, "INFO", live["level"])
	assert.Equal(t, "/api/v1/health/live", live["route"])
}

var uuidV7 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRequestID(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.do(t, request("GET", "/api/v1/health/live", "", ""))
	assert.Regexp(t, uuidV7, res.header.Get("X-Request-ID"), "a new one is a UUIDv7")

	for _, sane := range []string{"abc-123", "01JD3XK2", "req_1.2:3"} {
		req := request("GET", "/api/v1/health/live", "", "")
		req.Header.Set("X-Request-ID", sane)
		assert.Equal(t, sane, a.do(t, req).header.Get("X-Request-ID"))
	}
	for _, insane := range []string{strings.Repeat("a", 129), "has space", `"quoted"`, "new\tline", "ü"} {
		req := request("GET", "/api/v1/health/live", "", "")
		req.Header.Set("X-Request-ID", insane)
		got := a.do(t, req).header.Get("X-Request-ID")
		assert.NotEqual(t, insane, got)
		_, err := uuid.Parse(got)
		assert.NoError(t, err, "replaced by a fresh ID")
	}
}

func TestOfflineModeSaysNoProviderIsConfigured(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, withTestRoutes)
	res := a.do(t, request("GET", "/test/err/llm-offline", "", ""))
	require.Equal(t, 503, res.status)
	assert.Contains(t, res.envelope(t)["message"], "no LLM provider is configured")
}
