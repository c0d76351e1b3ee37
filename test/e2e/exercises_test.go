package e2e

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/catalog"
	"github.com/codementor/codementor/domain/language"
)

// learner registers, signs in and onboards a learner; it answers the
// access token.
func learner(t *testing.T, c *api, email string, languages ...string) string {
	t.Helper()
	r := c.do("POST", "/api/v1/auth/register", map[string]any{"email": email, "password": password, "display_name": "Ada"}, "")
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	r = c.do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": password}, "")
	require.Equal(t, http.StatusOK, r.status, r.raw)
	tok := r.body["access_token"].(string)
	r = c.do("POST", "/api/v1/users/onboarding", map[string]any{"languages": languages, "skill_level": "beginner",
		"goals": []string{"practice"}}, tok)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	return tok
}

func submit(c *api, tok, id, code string) reply {
	return c.do("POST", "/api/v1/exercises/"+id+"/submit", map[string]any{"code": code}, tok)
}

// TestExerciseJourney: a learner's day through the real binary, the real
// database and the real sandbox.
func TestExerciseJourney(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := newAPI(t, s.base)
	tok := learner(t, c, "journey@example.com", "python")

	r := c.do("GET", "/api/v1/health/ready", nil, "")
	assert.Equal(t, "local", r.body["components"].(map[string]any)["code_runner"])

	daily := c.do("GET", "/api/v1/exercises/daily", nil, tok)
	require.Equal(t, http.StatusOK, daily.status, daily.raw)
	ex := daily.body["exercise"].(map[string]any)
	id := ex["id"].(string)
	assert.Equal(t, "python", ex["language"])
	again := c.do("GET", "/api/v1/exercises/daily", nil, tok)
	assert.Equal(t, id, again.body["exercise"].(map[string]any)["id"], "the same exercise all day")

	exs, err := catalog.Curated(time.Now())
	require.NoError(t, err)
	var solution, starter string
	for _, e := range exs {
		if e.ID() == id {
			solution, starter = e.Solution(), e.StarterCode()
		}
	}
	require.NotEmpty(t, solution)
	got := c.do("GET", "/api/v1/exercises/"+id, nil, tok)
	require.Equal(t, http.StatusOK, got.status)
	assert.NotContains(t, got.raw, strings.TrimSpace(solution), "the reference solution never leaves the server")

	r = c.do("POST", "/api/v1/exercises/"+id+"/complete", map[string]any{}, tok)
	assert.Equal(t, http.StatusConflict, r.status, "complete needs a passing submission")

	r = submit(c, tok, id, starter)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "failed", r.body["status"])
	assert.Equal(t, "failed", r.body["verdict"])
	for _, tr := range r.body["tests"].([]any) {
		tm := tr.(map[string]any)
		if tm["hidden"] == true {
			assert.NotContains(t, tm, "expected")
			assert.NotContains(t, tm, "actual")
		}
	}

	for level := 1; level <= 3; level++ {
		r = c.do("POST", "/api/v1/exercises/"+id+"/hint", nil, tok)
		require.Equal(t, http.StatusOK, r.status, r.raw)
		assert.EqualValues(t, level, r.body["level"])
		assert.Equal(t, "authored", r.body["source"])
	}
	r = c.send("POST", "/api/v1/exercises/"+id+"/hint", map[string]any{}, tok, true)
	assert.Equal(t, http.StatusServiceUnavailable, r.status, "no LLM: the authored hints are all there is")
	assert.Equal(t, "upstream_unavailable", r.errorCode())

	r = submit(c, tok, id, solution)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Equal(t, "passed", r.body["status"], r.raw)
	assert.Positive(t, r.body["xp_awarded"])
	assert.Contains(t, r.body["new_achievements"], "first_solve")
	assert.Equal(t, "completed", r.body["attempt"].(map[string]any)["status"])

	r = c.do("POST", "/api/v1/exercises/"+id+"/complete", nil, tok)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.EqualValues(t, 0, r.body["xp_awarded"], "complete is idempotent")

	r = c.do("GET", "/api/v1/users/me/progress", nil, tok)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.EqualValues(t, 1, r.body["solved_total"])
	assert.EqualValues(t, 1, r.body["current_streak"])
	assert.Positive(t, r.body["xp"])
	r = c.do("GET", "/api/v1/exercises/history", nil, tok)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	require.Len(t, r.body["items"], 1)
	assert.Equal(t, "passed", r.body["items"].([]any)[0].(map[string]any)["attempt"].(map[string]any)["best_verdict"])
	r = c.do("GET", "/api/v1/users/me/achievements", nil, tok)
	require.Equal(t, http.StatusOK, r.status, r.raw)

	r = c.do("GET", "/api/v1/exercises?language=go&difficulty=3&limit=2", nil, tok)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Len(t, r.body["items"], 2)
	assert.NotNil(t, r.body["next_cursor"])
}

// TestHostileCodeGetsItsVerdictAndLeavesNoTrace: every attack gets its
// verdict, the server stays healthy, and nothing leaks into the next run.
func TestHostileCodeGetsItsVerdictAndLeavesNoTrace(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = conn.Write([]byte("LEAKED-BY-NETWORK"))
			_ = conn.Close()
		}
	}()
	s := startServer(t, "SANDBOX_WALL_TIME=3s", "SANDBOX_CPU_TIME=2s", "CODEMENTOR_TEST_SECRET=top-secret-value")
	c := newAPI(t, s.base)
	tok := learner(t, c, "mallory@example.com", "python")
	id := catalog.ID(language.Python, "run-length-encoding")
	port := ln.Addr().(*net.TCPAddr).Port

	attacks := []struct {
		name, code, verdict string
		notIn               []string // strings that must not appear in the answer
	}{
		{"loops forever", "def encode(text):\n    print('started')\n    while True:\n        pass\n", "timeout", nil},
		{"forks without end", "import os\ndef encode(text):\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n", "", nil},
		{"allocates without end", "def encode(text):\n    a = []\n    while True:\n        a.append(' ' * 10_000_000)\n", "memory_limit", nil},
		{"prints without end", "def encode(text):\n    while True:\n        print('x' * 1000)\n", "output_limit", nil},
		{"reads outside its work dir", "def encode(text):\n    return open('/etc/passwd').read()\n", "runtime_error", []string{"root:x:0:0"}},
		{"writes outside its work dir", "def encode(text):\n    open('/usr/evil', 'w').write('x')\n    return ''\n", "runtime_error", nil},
		{"opens a network connection", fmt.Sprintf("import socket\ndef encode(text):\n    s = socket.create_connection(('127.0.0.1', %d), timeout=1)\n    return s.recv(100).decode()\n", port), "runtime_error", []string{"LEAKED-BY-NETWORK"}},
		{"reads the server's environment", "import os\ndef encode(text):\n    return repr(dict(os.environ))\n", "failed", []string{"top-secret-value", "JWT_SECRET", "DATABASE_URL"}},
		{"writes a huge file", "def encode(text):\n    with open('big', 'w') as f:\n        f.write('x' * 50_000_000)\n    return ''\n", "", nil},
		{"leaves a file and a process behind", "import os, subprocess\ndef encode(text):\n    open('/tmp/left-behind', 'w').write('x')\n    if os.fork() == 0:\n        import time\n        time.sleep(60)\n    return ''\n", "failed", nil},
		{"looks for what the last run left", "import os\ndef encode(text):\n    return str(os.path.exists('/tmp/left-behind'))\n", "failed", []string{"True"}},
	}
	for _, a := range attacks {
		r := submit(c, tok, id, a.code)
		require.Equal(t, http.StatusOK, r.status, "%s: %s", a.name, r.raw)
		v := r.body["verdict"].(string)
		if a.verdict != "" {
			assert.Equal(t, a.verdict, v, "%s: %s", a.name, r.raw)
		} else {
			assert.NotContains(t, []string{"passed", "error"}, v, "%s: %s", a.name, r.raw)
		}
		for _, s := range a.notIn {
			assert.NotContains(t, r.raw, s, a.name)
		}
		live := c.do("GET", "/api/v1/health/live", nil, "")
		assert.Equal(t, http.StatusOK, live.status, "the server stays healthy after %s", a.name)
	}
	assert.NotContains(t, s.logs(), "top-secret-value")
}

// TestSubmissionBadInput: sizes, unknown and private exercises, malformed
// languages, and two submissions at once.
func TestSubmissionBadInput(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	c := newAPI(t, s.base)
	tok := learner(t, c, "careless@example.com", "python")
	id := catalog.ID(language.Python, "run-length-encoding")

	r := submit(c, tok, id, "def encode(text):\n    return ''\n#"+strings.Repeat("x", 70<<10))
	assert.Equal(t, http.StatusRequestEntityTooLarge, r.status, r.raw)
	assert.Equal(t, "payload_too_large", r.errorCode())
	r = submit(c, tok, "0193a0a0-0000-7000-8000-000000000000", "x = 1")
	assert.Equal(t, http.StatusNotFound, r.status)
	r = submit(c, tok, "not-a-uuid", "x = 1")
	assert.Equal(t, http.StatusNotFound, r.status)
	r = c.do("POST", "/api/v1/exercises/"+id+"/submit", map[string]any{"code": "x", "language": "cobol"}, tok)
	assert.Equal(t, http.StatusBadRequest, r.status)
	assert.Equal(t, "validation_failed", r.errorCode())
	r = c.do("POST", "/api/v1/exercises/"+id+"/submit", map[string]any{"code": "x", "language": "go"}, tok)
	assert.Equal(t, http.StatusBadRequest, r.status, "another language than the exercise's")
	r = c.do("POST", "/api/v1/exercises/"+id+"/submit", map[string]any{"code": "x", "extra": 1}, tok)
	assert.Equal(t, http.StatusBadRequest, r.status)

	// Two at once: one is graded, the other is told to wait.
	slow := "import time\ndef encode(text):\n    time.sleep(0.3)\n    return ''\n"
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = submit(c, tok, id, slow).status
		}()
	}
	wg.Wait()
	assert.ElementsMatch(t, []int{http.StatusOK, http.StatusTooManyRequests}, statuses)
}
