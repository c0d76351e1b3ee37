package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/test/fakes/openaiserver"
)

// TestLLMConfigurationShowsInReadinessAndUsage: offline by default (the
// server runs, readiness says so), configured with an OpenAI-compatible
// server; a learner's usage report is there from the first day.
func TestLLMConfigurationShowsInReadinessAndUsage(t *testing.T) {
	t.Parallel()
	offline := startServer(t)
	c := newAPI(t, offline.base)
	r := c.do("GET", "/api/v1/health/ready", nil, "")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "not configured", r.body["components"].(map[string]any)["llm"])

	r = c.do("POST", "/api/v1/auth/register", map[string]any{"email": "ada@example.com", "password": password, "display_name": "Ada"}, "")
	require.Equal(t, http.StatusCreated, r.status)
	r = c.do("POST", "/api/v1/auth/login", map[string]any{"email": "ada@example.com", "password": password}, "")
	require.Equal(t, http.StatusOK, r.status)
	r = c.do("GET", "/api/v1/users/me/usage", nil, r.body["access_token"].(string))
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.EqualValues(t, 200000, r.body["daily_quota"])
	assert.EqualValues(t, 0, r.body["used_today"])
	assert.EqualValues(t, 0, r.body["today"].(map[string]any)["calls"])

	fake := openaiserver.New(t, openaiserver.Config{APIKey: "sk-test"})
	online := startServer(t, "OPENAI_API_KEY=sk-test", "OPENAI_BASE_URL="+fake.URL(), "LLM_DAILY_TOKENS=5000")
	r = newAPI(t, online.base).do("GET", "/api/v1/health/ready", nil, "")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "configured: openai", r.body["components"].(map[string]any)["llm"])
	assert.NotContains(t, online.logs(), "sk-test", "the API key never reaches the logs")
}
