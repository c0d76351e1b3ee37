package http_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/catalog"
	"github.com/codementor/codementor/domain/language"
)

// TestExerciseResponsesMatchTheDocument walks every exercise route, and
// progress and achievements, through the real app (the sandbox is the
// fixture's fake runner), validating each request and answer against the
// OpenAPI document.
func TestExerciseResponsesMatchTheDocument(t *testing.T) {
	t.Parallel()
	a := newTestApp(t, func(c *appConfig) { c.opts.BodyLimit = 64 << 10 })
	f := newDocFlow(t, a.base)
	f.do(exchange{method: "POST", path: "/api/v1/auth/register", status: 201,
		body: `{"email":"grace@example.com","password":"Tangerine-Quartz-Velvet-2049","display_name":"Grace"}`})
	res := f.do(exchange{method: "POST", path: "/api/v1/auth/login", status: 200,
		body: `{"email":"grace@example.com","password":"Tangerine-Quartz-Velvet-2049"}`})
	bearer := decodeAs[authTokens](t, res).AccessToken
	f.do(exchange{method: "POST", path: "/api/v1/users/onboarding", bearer: bearer, status: 200,
		body: `{"languages":["python"],"skill_level":"beginner","goals":["practice"]}`})

	// Browsing.
	res = f.do(exchange{method: "GET", path: "/api/v1/exercises?language=python&difficulty=1&limit=2", bearer: bearer, status: 200})
	list := decodeAs[map[string]any](t, res)
	assert.Len(t, list["items"], 2)
	next, _ := list["next_cursor"].(string)
	require.NotEmpty(t, next)
	f.do(exchange{method: "GET", path: "/api/v1/exercises?language=python&difficulty=1&limit=2&cursor=" + next, bearer: bearer, status: 200})
	f.do(exchange{method: "GET", path: "/api/v1/exercises?topic=recursion", bearer: bearer, status: 200})
	f.do(exchange{method: "GET", path: "/api/v1/exercises?cursor=garbage", bearer: bearer, status: 400, code: "validation_failed"})
	f.do(exchange{method: "GET", path: "/api/v1/exercises?limit=500", bearer: bearer, status: 400, code: "validation_failed", docRefuses: true})
	f.do(exchange{method: "GET", path: "/api/v1/exercises?topic=astrology", bearer: bearer, status: 400, code: "validation_failed", docRefuses: true})
	f.do(exchange{method: "GET", path: "/api/v1/exercises?language=cobol", bearer: bearer, status: 400, code: "validation_failed", docRefuses: true})
	f.do(exchange{method: "GET", path: "/api/v1/exercises", status: 401, code: "unauthorized", docRefuses: true})

	// The day's exercise and one exercise.
	res = f.do(exchange{method: "GET", path: "/api/v1/exercises/daily", bearer: bearer, status: 200})
	daily := decodeAs[struct {
		Exercise struct {
			ID string `json:"id"`
		} `json:"exercise"`
	}](t, res)
	require.NotEmpty(t, daily.Exercise.ID)
	id := catalog.ID(language.Python, "run-length-encoding")
	res = f.do(exchange{method: "GET", path: "/api/v1/exercises/" + id, bearer: bearer, status: 200})
	assert.NotContains(t, string(res.body), "solution")
	f.do(exchange{method: "GET", path: "/api/v1/exercises/0193a0a0-0000-7000-8000-000000000000", bearer: bearer, status: 404, code: "not_found"})

	// Submissions: wrong, timed out, refused, then right.
	f.do(exchange{method: "POST", path: "/api/v1/exercises/" + id + "/complete", bearer: bearer, status: 409, code: "conflict", body: `{}`})
	res = f.do(exchange{method: "POST", path: "/api/v1/exercises/" + id + "/submit", bearer: bearer, status: 200,
		body: `{"code":"def encode(text):\n    return text\n","language":"python"}`})
	assert.Equal(t, "failed", decodeAs[map[string]any](t, res)["verdict"])
	res = f.do(exchange{method: "POST", path: "/api/v1/exercises/" + id + "/submit", bearer: bearer, status: 200,
		body: `{"code":"def encode(text):\n    while True:\n        pass\n"}`})
	assert.Equal(t, "timeout", decodeAs[map[string]any](t, res)["status"])
	f.do(exchange{method: "POST", path: "/api/v1/exercises/" + id + "/submit", bearer: bearer, status: 400, code: "validation_failed",
		docRefuses: true, body: `{"code":""}`})
	f.do(exchange{method: "POST", path: "/api/v1/exercises/" + id + "/submit", bearer: bearer, status: 400, code: "validation_failed",
		docRefuses: true, body: `{"code":"x","run_as":"root"}`})
	f.do(exchange{method: "POST", path: "/api/v1/exercises/" + id + "/submit", bearer: bearer, status: 400, code: "validation_failed",
		body: `{"code":"x","language":"go"}`})
	f.do(exchange{method: "POST", path: "/api/v1/exercises/" + id + "/submit", bearer: bearer, status: 413, code: "payload_too_large",
		body: `{"code":"` + strings.Repeat("x", 65<<10) + `"}`})

	// Hints: the authored ladder, then no LLM on this server.
	for range 3 {
		f.do(exchange{method: "POST", path: "/api/v1/exercises/" + id + "/hint", bearer: bearer, status: 200})
	}
	f.do(exchange{method: "POST", path: "/api/v1/exercises/" + id + "/hint", bearer: bearer, status: 503, code: "upstream_unavailable", body: `{}`})
	f.do(exchange{method: "POST", path: "/api/v1/exercises/" + id + "/hint", bearer: bearer, status: 400, code: "validation_failed",
		docRefuses: true, body: `{"level":9}`})

	exs, err := catalog.Curated(time.Now())
	require.NoError(t, err)
	var solution string
	for _, e := range exs {
		if e.ID() == id {
			solution = e.Solution()
		}
	}
	res = f.do(exchange{method: "POST", path: "/api/v1/exercises/" + id + "/submit", bearer: bearer, status: 200,
		body: jsonBody(t, map[string]string{"code": solution})})
	passed := decodeAs[map[string]any](t, res)
	assert.Equal(t, "passed", passed["status"])
	assert.Contains(t, passed["new_achievements"], "first_solve")
	res = f.do(exchange{method: "POST", path: "/api/v1/exercises/" + id + "/complete", bearer: bearer, status: 200})
	assert.EqualValues(t, 0, decodeAs[map[string]any](t, res)["xp_awarded"])
	f.do(exchange{method: "POST", path: "/api/v1/exercises/" + id + "/skip", bearer: bearer, status: 409, code: "conflict"})
	f.do(exchange{method: "POST", path: "/api/v1/exercises/" + daily.Exercise.ID + "/skip", bearer: bearer,
		status: map[bool]int{true: 409, false: 200}[daily.Exercise.ID == id]})

	// The record.
	f.do(exchange{method: "GET", path: "/api/v1/exercises/history?limit=1", bearer: bearer, status: 200})
	res = f.do(exchange{method: "GET", path: "/api/v1/users/me/progress", bearer: bearer, status: 200})
	assert.EqualValues(t, 1, decodeAs[map[string]any](t, res)["solved_total"])
	f.do(exchange{method: "GET", path: "/api/v1/users/me/achievements", bearer: bearer, status: 200})

	// Generation needs a model.
	f.do(exchange{method: "POST", path: "/api/v1/exercises/generate", bearer: bearer, status: 503, code: "upstream_unavailable",
		body: `{"language":"go","topic":"recursion","difficulty":2}`})
	f.do(exchange{method: "POST", path: "/api/v1/exercises/generate", bearer: bearer, status: 400, code: "validation_failed",
		docRefuses: true, body: `{"language":"go","topic":"recursion","difficulty":7}`})
}
