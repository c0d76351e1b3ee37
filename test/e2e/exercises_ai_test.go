package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/codementor/codementor/adapters/catalog"
	"github.com/codementor/codementor/adapters/runner/local"
	"github.com/codementor/codementor/domain/language"
	"github.com/codementor/codementor/test/fakes/openaiserver"
	"github.com/codementor/codementor/test/fakes/pistonserver"
)

// generated builds a model's answer for POST /exercises/generate.
func generated(t *testing.T, solution string) string {
	t.Helper()
	type tc struct {
		Name         string `json:"name"`
		ArgsJSON     string `json:"args_json"`
		ExpectedJSON string `json:"expected_json"`
		Hidden       bool   `json:"hidden"`
	}
	b, err := json.Marshal(map[string]any{
		"title":        "Sum of Squares",
		"prompt":       "# Sum of Squares\n\nWrite `sum_squares(n)` returning 1² + 2² + ... + n².",
		"entry":        "sum_squares",
		"starter_code": "def sum_squares(n):\n    return 0\n",
		"solution":     solution,
		"topics":       []string{"math", "loops"},
		"hints":        []string{"Start small: what is it for n = 2?", "Add the squares one at a time.", "A loop from 1 to n, or the closed formula n(n+1)(2n+1)/6."},
		"tests": []tc{{"one", "[1]", "1", false}, {"two", "[2]", "5", false}, {"three", "[3]", "14", false},
			{"zero", "[0]", "0", true}, {"ten", "[10]", "385", true}, {"hundred", "[100]", "338350", true}},
	})
	require.NoError(t, err)
	return string(b)
}

// TestAIHintsAndGeneratedExercises: model hints past the authored ladder
// never see the reference solution or hidden tests; a generated exercise
// is proven in the real sandbox before it is stored for its author only.
func TestAIHintsAndGeneratedExercises(t *testing.T) {
	t.Parallel()
	fake := openaiserver.New(t, openaiserver.Config{APIKey: "sk-test"})
	s := startServer(t, "OPENAI_API_KEY=sk-test", "OPENAI_BASE_URL="+fake.URL())
	c := newAPI(t, s.base)
	tok := learner(t, c, "hinted@example.com", "python")
	id := catalog.ID(language.Python, "run-length-encoding")
	exs, err := catalog.Curated(time.Now())
	require.NoError(t, err)
	var solution string
	var hidden []string
	for _, e := range exs {
		if e.ID() == id {
			solution = e.Solution()
			for _, tc := range e.Tests() {
				if tc.Hidden {
					hidden = append(hidden, tc.Name)
				}
			}
		}
	}
	require.Equal(t, http.StatusOK, submit(c, tok, id, "def encode(text):\n    return text\n").status)
	for range 3 {
		require.Equal(t, http.StatusOK, c.do("POST", "/api/v1/exercises/"+id+"/hint", nil, tok).status)
	}
	fake.Enqueue(openaiserver.Reply{Text: "Your loop never counts how many times a character repeats. What could you keep track of?"})
	r := c.do("POST", "/api/v1/exercises/"+id+"/hint", nil, tok)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "llm", r.body["source"])
	assert.EqualValues(t, 4, r.body["level"])
	reqs := fake.Requests()
	require.NotEmpty(t, reqs)
	sent := string(reqs[len(reqs)-1].Raw)
	assert.Contains(t, sent, "return text", "the learner's latest code is in the prompt")
	assert.NotContains(t, sent, strings.TrimSpace(solution)[:40], "never the reference solution")
	for _, h := range hidden {
		assert.NotContains(t, sent, "- "+h+":", "never a hidden test's result")
	}
	assert.Contains(t, sent, "- runs of length one: FAILED", "the visible tests' results are")

	// A model that hands over the solution twice is cut.
	leak := "Here you go:\n```python\n" + solution + "\n```"
	fake.Enqueue(openaiserver.Reply{Text: leak}, openaiserver.Reply{Text: leak})
	r = c.do("POST", "/api/v1/exercises/"+id+"/hint", nil, tok)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.NotContains(t, r.body["text"], "```python", "a hint never carries the solution")

	// Generation: proven in the sandbox, then stored for its author.
	fake.Enqueue(openaiserver.Reply{Text: generated(t, "def sum_squares(n):\n    return sum(i * i for i in range(1, n + 1))\n")})
	r = c.do("POST", "/api/v1/exercises/generate", map[string]any{"language": "python", "topic": "math", "difficulty": 1}, tok)
	require.Equal(t, http.StatusCreated, r.status, r.raw)
	ex := r.body["exercise"].(map[string]any)
	assert.Equal(t, "owner", ex["visibility"])
	assert.Contains(t, r.body["new_achievements"], "first_generated")
	genID := ex["id"].(string)
	require.Equal(t, http.StatusOK, c.do("GET", "/api/v1/exercises/"+genID, nil, tok).status)
	other := learner(t, c, "other@example.com", "python")
	assert.Equal(t, http.StatusNotFound, c.do("GET", "/api/v1/exercises/"+genID, nil, other).status, "private to its author")
	assert.Equal(t, http.StatusNotFound, submit(c, other, genID, "def sum_squares(n):\n    return 0\n").status)

	// A reference solution that fails its own tests is refused with reasons.
	fake.Enqueue(openaiserver.Reply{Text: generated(t, "def sum_squares(n):\n    return n * n\n")})
	r = c.do("POST", "/api/v1/exercises/generate", map[string]any{"language": "python", "topic": "math", "difficulty": 1}, tok)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, r.raw)
	assert.Equal(t, "generation_rejected", r.errorCode())
	assert.Contains(t, r.raw, `"field":"solution"`)
}

// TestGradingOnAPistonEngine: CODE_RUNNER=piston grades through Piston's
// HTTP API (a fake engine that really runs the code), and the engine's
// failure is the grader's "error", not counted against the learner.
func TestGradingOnAPistonEngine(t *testing.T) {
	t.Parallel()
	runner, err := local.New(local.Config{UIDBase: 550000})
	require.NoError(t, err)
	engine := pistonserver.New(t, pistonserver.Config{Runner: runner})
	s := startServer(t, "CODE_RUNNER=piston", "PISTON_URL="+engine.URL())
	c := newAPI(t, s.base)
	r := c.do("GET", "/api/v1/health/ready", nil, "")
	assert.Equal(t, "piston", r.body["components"].(map[string]any)["code_runner"])
	tok := learner(t, c, "remote@example.com", "python")
	id := catalog.ID(language.Python, "run-length-encoding")
	exs, err := catalog.Curated(time.Now())
	require.NoError(t, err)
	var solution string
	for _, e := range exs {
		if e.ID() == id {
			solution = e.Solution()
		}
	}

	engine.FailNext(pistonserver.ServerError, 1)
	r = submit(c, tok, id, solution)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "error", r.body["verdict"])
	assert.EqualValues(t, 0, r.body["attempt"].(map[string]any)["submissions"], "the engine's failure is not the learner's try")

	r = submit(c, tok, id, solution)
	require.Equal(t, http.StatusOK, r.status, r.raw)
	assert.Equal(t, "passed", r.body["verdict"], r.raw)
	r = submit(c, tok, id, "def encode(text):\n    while True:\n        pass\n")
	assert.Equal(t, "timeout", r.body["verdict"], r.raw)
	assert.NotEmpty(t, engine.Requests())
}
