package http_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLiveAndSummary(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.do(t, request("GET", "/api/v1/health/live", "", ""))
	assert.Equal(t, http.StatusOK, res.status)
	assert.JSONEq(t, `{"status":"ok"}`, string(res.body))

	for _, path := range []string{"/api/v1/health/", "/api/v1/health"} {
		res = a.do(t, request("GET", path, "", ""))
		require.Equal(t, http.StatusOK, res.status, path)
		var s map[string]any
		require.NoError(t, json.Unmarshal(res.body, &s))
		assert.Equal(t, "ok", s["status"])
		assert.Equal(t, "test", s["version"])
	}
}

func TestReadyWhenEveryDependencyAnswers(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	res := a.do(t, request("GET", "/api/v1/health/ready", "", ""))
	require.Equal(t, http.StatusOK, res.status)
	var r struct {
		Status     string                    `json:"status"`
		Checks     map[string]map[string]any `json:"checks"`
		Components map[string]string         `json:"components"`
	}
	require.NoError(t, json.Unmarshal(res.body, &r))
	assert.Equal(t, "ready", r.Status)
	assert.Equal(t, "up", r.Checks["postgres"]["status"])
	assert.Equal(t, "up", r.Checks["redis"]["status"])
	assert.Equal(t, "not configured", r.Components["llm"])
}

func TestNotReadyNamesWhatIsDown(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *appConfig) {
		c.pingers = []fakePinger{
			{name: "postgres"},
			// A hung dependency: the readiness timeout (100ms) must cut it.
			{name: "redis", block: true},
		}
	})
	start := time.Now()
	res := a.do(t, request("GET", "/api/v1/health/ready", "", ""))
	assert.Less(t, time.Since(start), time.Second, "a hung dependency does not hang readiness")
	require.Equal(t, http.StatusServiceUnavailable, res.status)
	var r struct {
		Status string                    `json:"status"`
		Checks map[string]map[string]any `json:"checks"`
		Error  map[string]any            `json:"error"`
	}
	require.NoError(t, json.Unmarshal(res.body, &r))
	assert.Equal(t, "not_ready", r.Status)
	assert.Equal(t, "up", r.Checks["postgres"]["status"])
	assert.Equal(t, "down", r.Checks["redis"]["status"])
	assert.Equal(t, "not_ready", r.Error["code"])
	assert.Equal(t, "not ready: redis down", r.Error["message"])
	assert.Equal(t, res.header.Get("X-Request-ID"), r.Error["request_id"])
}

func TestNotReadyHidesConnectionDetails(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *appConfig) {
		c.pingers = []fakePinger{{name: "postgres", err: errors.New("dial tcp 10.1.2.3:5432: user=admin password=hunter2")}, {name: "redis"}}
	})
	res := a.do(t, request("GET", "/api/v1/health/ready", "", ""))
	require.Equal(t, http.StatusServiceUnavailable, res.status)
	assert.Contains(t, string(res.body), `"postgres"`)
	assert.NotContains(t, string(res.body), "10.1.2.3")
	assert.NotContains(t, string(res.body), "hunter2")
	logs := a.logs.records(t)
	found := false
	for _, l := range logs {
		if l["msg"] == "readiness check failed" {
			found = true
			assert.Equal(t, "postgres", l["dependency"])
		}
	}
	assert.True(t, found, "the detail goes to the log")
}
